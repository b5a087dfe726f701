"""A srcad function pickles before and after its first call (without its generated
code, which is compiled from source: the first call after unpickling transforms the
function again), so it can travel to worker processes (dask, multiprocessing)."""

import math
import pickle

import numpy as np
import pytest

import srcad


def loss(x):
    return np.sum(np.sin(x) ** 2)


def scalar(t):
    return math.sin(t) * t ** 3


X = np.linspace(0.1, 0.9, 3)

CASES = [
    ("grad", lambda: srcad.grad(loss), (X,)),
    ("value_and_grad", lambda: srcad.value_and_grad(loss), (X,)),
    ("hessian", lambda: srcad.hessian(loss), (X,)),
    ("hvp", lambda: srcad.hvp(loss), (X, X)),
    ("jacobian", lambda: srcad.jacobian(loss), (X,)),
    ("grad of a float", lambda: srcad.grad(scalar), (0.3,)),
    ("second derivative", lambda: srcad.grad(srcad.grad(scalar)), (0.3,)),
]


def _same(a, b):
    if isinstance(a, tuple):
        return all(_same(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b)


@pytest.mark.parametrize("name, make, args", CASES, ids=[c[0] for c in CASES])
def test_pickled_before_and_after_calls(name, make, args):
    fn = make()
    fresh = pickle.loads(pickle.dumps(fn))
    expected = fn(*args)
    fn(*args)                                  # (the second call takes the fast path)
    used = pickle.loads(pickle.dumps(fn))
    assert _same(fresh(*args), expected) and _same(used(*args), expected)
