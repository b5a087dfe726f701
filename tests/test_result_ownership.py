"""A gradient srcad returns is the caller's own array: never a captured global, an
attribute of a captured object, an argument, a value a pullback saved, a module
constant, or another gradient of the same call (srcad/api/results.py, owned_arrays).
A user's `g *= lr` must change nothing else."""

from dataclasses import dataclass

import numpy as np
import pytest

import srcad
from srcad.api import reverse

SCALE = np.array([1.0, 2.0, 3.0])


@dataclass
class Model:
    weight: np.ndarray


MODEL = Model(np.array([0.5, -1.0, 2.0]))


def times_global(x):
    return np.sum(x * SCALE)          # the gradient is SCALE itself


def times_attribute(x):
    return np.sum(x * MODEL.weight)   # ... MODEL.weight itself


def sum_of_both(x, y):
    return np.sum(x + y)              # both gradients may be one array


def dict_times_global(p):
    return np.sum(p["a"] * SCALE) + np.sum(p["b"] * SCALE)


def _independent(grads, *others):
    arrays = [g for g in grads if isinstance(g, np.ndarray)]
    for i, g in enumerate(arrays):
        for other in arrays[i + 1:] + list(others):
            assert not np.shares_memory(g, other)


@pytest.mark.parametrize("calls", [1, 2, 3])  # (the second call takes the fast path)
def test_a_gradient_is_never_a_captured_array(calls):
    x = np.ones(3)
    for _ in range(calls):
        g = srcad.grad(times_global)(x)
        h = srcad.grad(times_attribute)(x)
    _independent([g, h], SCALE, MODEL.weight, x)
    g *= 10.0
    h *= 10.0
    assert SCALE.tolist() == [1.0, 2.0, 3.0]
    assert MODEL.weight.tolist() == [0.5, -1.0, 2.0]


def test_two_gradients_of_one_call_are_two_arrays():
    x, y = np.ones(3), np.ones(3)
    for _ in range(2):
        gx, gy = srcad.grad(sum_of_both, wrt=(0, 1))(x, y)
    _independent([gx, gy], x, y)
    value, (gx, gy) = srcad.value_and_grad(sum_of_both, wrt=(0, 1))(x, y)
    _independent([gx, gy], x, y)


def test_structured_arguments_and_pullbacks():
    p = {"a": np.ones(3), "b": np.zeros(3)}
    for _ in range(2):
        g = srcad.grad(dict_times_global)(p)
    _independent([g["a"], g["b"]], SCALE, p["a"], p["b"])
    _, pullback = srcad.vjp(times_global, np.ones(3))
    first, = pullback(1.0)
    second, = pullback(1.0)
    _independent([first, second], SCALE)
    first *= 3.0
    np.testing.assert_array_equal(second, SCALE)


def test_fresh_gradients_are_not_copied(monkeypatch):
    # (a gradient made by the call is handed out as it is: no copy per call)
    def loss(w, x):
        return np.sum(np.tanh(x @ w) ** 2)

    w, x = np.ones((3, 2)), np.ones((4, 3))
    grad = srcad.grad(loss)
    grad(w, x)
    converted = []
    original = reverse.as_like
    monkeypatch.setattr(reverse, "as_like",
                        lambda g, *a, **k: converted.append(g) or original(g, *a, **k))
    grad(w, x)
    assert converted == []


def scaled_by_one(x):
    return x * 1.0


def test_an_output_tangent_is_not_the_callers_tangent():
    x, t = np.ones(3), np.full(3, 2.0)
    out, tangent = srcad.jvp(scaled_by_one, (x,), (t,))
    assert not np.shares_memory(tangent, t) and not np.shares_memory(out, x)
    tangent *= 5.0
    assert t.tolist() == [2.0, 2.0, 2.0]
