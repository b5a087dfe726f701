"""The call entry (srcad/api/float_entry.py): calls with positional floats and arrays go
straight to the generated code, and anything it cannot vouch for takes the general
path with the general path's results and errors."""

import math

import numpy as np
import pytest

import srcad
from srcad.errors import SrcadError

OFFSET = 0.5


def toy(a, b, x):
    return math.sin(a * x + b) ** 2 + OFFSET * a


def square_root(a):
    return math.sqrt(a)


def expected(a, b, x):
    s, c = math.sin(a * x + b), math.cos(a * x + b)
    return 2 * s * c * x + OFFSET, 2 * s * c


def test_repeated_calls_use_the_entry_and_agree():
    grad = srcad.grad(toy, wrt=(0, 1))
    first = grad(0.3, -0.2, 1.5)
    assert grad._float_entry is not None
    for a in (0.3, 1.0, -2.0):
        got = grad(a, -0.2, 1.5)
        assert all(type(g) is float for g in got)
        assert got == pytest.approx(expected(a, -0.2, 1.5), rel=1e-12)
    assert first == pytest.approx(expected(0.3, -0.2, 1.5), rel=1e-12)


def test_value_and_grad_and_single_gradients():
    both = srcad.value_and_grad(toy, wrt=(0, 1))
    single = srcad.grad(toy)
    for _ in range(2):
        value, (ga, gb) = both(0.3, -0.2, 1.5)
        g = single(0.3, -0.2, 1.5)
    assert value == pytest.approx(toy(0.3, -0.2, 1.5))
    assert type(g) is float and g == pytest.approx(ga)


def test_other_argument_types_take_the_general_path():
    grad = srcad.grad(toy)
    grad(0.3, -0.2, 1.5)
    assert type(grad(0.3, -0.2, 2)) is float          # an int (not differentiated)
    with pytest.raises(SrcadError):
        grad(1, -0.2, 1.5)                              # ... differentiated: refused
    assert grad(0.3, -0.2, x=1.5) == pytest.approx(expected(0.3, -0.2, 1.5)[0])
    with pytest.raises(TypeError, match="missing a required argument"):
        grad(0.3, -0.2)                                 # too few, as toy(0.3, -0.2) says


def test_a_rebound_global_is_seen(monkeypatch):
    grad = srcad.grad(toy)
    before = grad(0.3, -0.2, 1.5)
    monkeypatch.setattr(__import__(__name__), "OFFSET", 2.5)
    after = grad(0.3, -0.2, 1.5)
    assert after == pytest.approx(before + 2.0)


def test_errors_are_the_general_paths():
    grad = srcad.grad(square_root)
    assert grad(4.0) == 0.25
    with pytest.raises(ValueError) as info:
        grad(-1.0)                                      # math domain error
    assert "square_root" in "\n".join(getattr(info.value, "__notes__", []))


GLOBAL_WEIGHTS = np.array([1.0, 2.0, 3.0])


def mlp(W, b, X):
    return np.mean(np.maximum(X @ W + b, 0.0) ** 2)


def times_global(x):
    return np.sum(x * GLOBAL_WEIGHTS)


def test_arrays_of_the_same_shapes_use_the_entry_and_agree():
    rng = np.random.default_rng(1)
    W, b, X = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3))
    grad = srcad.grad(mlp, wrt=(0, 1))
    first = grad(W, b, X)
    assert grad._float_entry is not None
    for scale in (1.0, 2.0):
        got = grad(W * scale, b, X)
        again = srcad.grad(mlp, wrt=(0, 1))(W * scale, b, X)  # (a fresh function)
        for g, h, like in zip(got, again, (W, b)):
            assert type(g) is np.ndarray and g.shape == like.shape and g.dtype == like.dtype
            np.testing.assert_array_equal(g, h)
    np.testing.assert_array_equal(first[0], grad(W, b, X)[0])


def test_other_shapes_and_dtypes_take_the_general_path():
    rng = np.random.default_rng(2)
    W, b, X = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3))
    grad = srcad.grad(mlp, wrt=(0, 1))
    grad(W, b, X)
    bigger = grad(W, b, rng.standard_normal((5, 3)))               # another batch size
    assert bigger[0].shape == (3, 2)
    single = grad(W.astype(np.float32), b.astype(np.float32), X.astype(np.float32))
    assert single[0].dtype == np.float32 and single[1].dtype == np.float32
    assert grad(W, b, X)[0].dtype == np.float64


def test_an_aliased_gradient_is_copied_on_the_entry_too():
    grad = srcad.grad(times_global)
    x = np.ones(3)
    for _ in range(3):
        g = grad(x)
        assert not np.shares_memory(g, GLOBAL_WEIGHTS)
    g *= 0.0
    assert GLOBAL_WEIGHTS.tolist() == [1.0, 2.0, 3.0]
