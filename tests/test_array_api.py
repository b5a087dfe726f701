"""srcad.runtime.array_api: the namespace-generic adjoint helpers (docs/array_api.md).

Each helper runs on array_api_strict arrays on a device NumPy cannot read
("device1": any conversion to NumPy raises), so a helper that fell back on `np.*`
would fail here, and its result is compared with the NumPy helper's on the same values.
"""

from __future__ import annotations

import math

import array_api_strict as xp
import numpy as np
import pytest

import srcad
import srcad.runtime as np_runtime
from srcad.runtime import adjoints as np_adjoints
from srcad.runtime import array_api as aa
from srcad.runtime import elementwise as np_elementwise
from srcad.runtime import outputs as np_outputs

DEVICE = xp.Device("device1")  # an array here cannot be converted to NumPy
CPU = xp.Device("CPU_DEVICE")


def strict(a):
    """A NumPy array (or number) as an array_api_strict array on device1."""
    return xp.asarray(np.asarray(a), device=DEVICE)


def to_numpy(a):
    if isinstance(a, (list, tuple)):
        return [to_numpy(v) for v in a]
    if hasattr(a, "__array_namespace__") and a.__array_namespace__() is xp:
        return np.asarray(a.to_device(CPU))
    return np.asarray(a)


def same(got, expected):
    """`got` (strict, on device1) equals the NumPy helper's `expected`, shape included."""
    if isinstance(expected, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(expected)
        for g, e in zip(got, expected):
            same(g, e)
        return
    if hasattr(got, "__array_namespace__"):
        assert got.__array_namespace__() is xp, type(got)
        assert got.device == DEVICE
    g = to_numpy(got)
    assert g.shape == np.shape(expected)
    np.testing.assert_allclose(g, expected, rtol=1e-14, atol=0)


def rand(*shape, seed=0):
    return np.random.default_rng(seed + 7 * len(shape)).normal(size=shape)


def test_device1_arrays_cannot_reach_numpy():
    # the premise of every test below
    with pytest.raises(RuntimeError):
        np.asarray(strict([1.0, 2.0]))
    with pytest.raises(RuntimeError):
        np.sum(strict([1.0, 2.0]))


def test_namespace():
    assert aa.namespace(strict([1.0])) is xp
    assert aa.namespace(1.0, strict([1.0])) is xp
    assert aa.namespace(np.ones(2)) is np
    assert aa.namespace(1.0, 2) is np


UNBROADCAST = [((3, 4), (4,)), ((3, 4), (3, 1)), ((3, 4), ()), ((2, 3, 4), (1, 4)),
               ((2, 3, 4), (3, 1)), ((3, 4), (3, 4)), ((4,), (3, 4)), ((1, 4), (3, 4))]


@pytest.mark.parametrize("g_shape,x_shape", UNBROADCAST)
def test_unbroadcast(g_shape, x_shape):
    g, x = rand(*g_shape), rand(*x_shape, seed=1)
    same(aa.unbroadcast(strict(g), strict(x)), np_adjoints.unbroadcast(g, x))


def test_unbroadcast_to_a_number():
    g = rand(3, 4)
    same(aa.unbroadcast(strict(g), 2.0), np_adjoints.unbroadcast(g, 2.0))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_unreduce_and_reduced_count(axis, keepdims):
    x = rand(2, 3, 4)
    s = np.sum(x, axis=axis, keepdims=keepdims)
    g = rand(*np.shape(s), seed=2)
    same(aa.unreduce(strict(g), strict(x), axis, keepdims),
         np_runtime.unreduce(g, x, axis, keepdims))
    assert aa.reduced_count(strict(x), axis) == np_runtime.reduced_count(x, axis)


def test_unreduce_of_a_number():
    x = rand(3, 4)
    same(aa.unreduce(0.25, strict(x)), np_runtime.unreduce(0.25, x))


def test_broadcast_like():
    x = rand(3, 4)
    same(aa.broadcast_like(strict(rand(4)), strict(x)), np_adjoints.broadcast_like(rand(4), x))
    same(aa.broadcast_like(1.5, strict(x)), np_adjoints.broadcast_like(1.5, x))
    t = strict(x)
    assert aa.broadcast_like(t, strict(x)) is t
    items = [strict(rand(2)), 1.0]
    got = aa.broadcast_like(0.0, items)
    same(got[0], np.zeros(2))
    assert got[1] == 0.0


def test_zeros_like():
    same(aa.zeros_like(strict(rand(2, 3))), np.zeros((2, 3)))
    z = aa.zeros_like(xp.asarray([1.0, 2.0], dtype=xp.float32, device=DEVICE))
    assert z.dtype == xp.float32 and z.device == DEVICE
    z = aa.zeros_like(xp.asarray([1, 2], device=DEVICE))
    assert z.dtype == xp.float64  # an integer value's adjoint is float
    assert aa.zeros_like(3.0) == 0.0
    got = aa.zeros_like((strict(rand(2)), 1.0))
    assert isinstance(got, tuple) and got[1] == 0.0
    same(got[0], np.zeros(2))


def test_add_adjoints():
    a, b = rand(3), rand(3, seed=1)
    same(aa.add_adjoints(strict(a), strict(b)), a + b)
    same(aa.add_adjoints([strict(a), 0.0], [0.0, strict(b)]), [a, b])
    # an array adjoint of a list runs over its items
    m = rand(2, 3)
    same(aa.add_adjoints([strict(a), strict(b)], strict(m)), [a + m[0], b + m[1]])
    same(aa.add_adjoints(0.0, [strict(a), strict(b)]), [a, b])
    with pytest.raises(np_adjoints.AdjointStructureError):
        aa.add_adjoints([strict(a)], strict(rand(2, 3)))


@pytest.mark.parametrize("axes", [None, (1, 2, 0), (-1, 0, 1), (0, 1, 2)])
def test_transpose_adjoint(axes):
    g = rand(2, 3, 4)
    expected = np_runtime.transpose_adjoint(np.transpose(g, axes), axes)
    same(aa.transpose_adjoint(xp.permute_dims(strict(g), tuple(range(3))[::-1] if axes is None
                                              else tuple(a % 3 for a in axes)), axes), expected)


MATMUL = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
          ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((5, 2, 3), (3,))]


@pytest.mark.parametrize("a_shape,b_shape", MATMUL)
def test_matmul_adjoints(a_shape, b_shape):
    a, b = rand(*a_shape), rand(*b_shape, seed=1)
    g = rand(*np.shape(a @ b), seed=2)
    same(aa.matmul_adjoint_left(strict(g), strict(a), strict(b)),
         np_runtime.matmul_adjoint_left(g, a, b))
    same(aa.matmul_adjoint_right(strict(g), strict(a), strict(b)),
         np_runtime.matmul_adjoint_right(g, a, b))


def test_matmul_adjoints_are_the_gradient_of_a_product():
    # <g, a @ b> differentiated: the adjoints equal srcad's gradient of that function
    a, b, g = rand(4, 3), rand(3, 2, seed=1), rand(4, 2, seed=2)

    def inner(a, b):
        return np.sum(g * (a @ b))

    da, db = srcad.grad(inner, wrt=(0, 1))(a, b)
    same(aa.matmul_adjoint_left(strict(g), strict(a), strict(b)), da)
    same(aa.matmul_adjoint_right(strict(g), strict(a), strict(b)), db)


def test_share():
    g = np.array([1.0, np.inf, np.nan, 2.0])
    for w in (np.array([True, False, False, True]), np.array([1.0, 0.0, 0.0, 0.5])):
        same(aa.share(strict(g), strict(w)), np_elementwise.share(g, w))


def test_above_and_below_weights():
    a = np.array([1.0, 2.0, 3.0, np.nan])
    b = np.array([2.0, 2.0, 1.0, 0.0])
    same(aa.above_weight(strict(a), strict(b)),
         np.asarray(np_elementwise.above_weight(a, b), dtype=float))
    same(aa.below_weight(strict(a), strict(b)),
         np.asarray(np_elementwise.below_weight(a, b), dtype=float))
    same(aa.above_weight(strict(a), 2.0), np.asarray(np_elementwise.above_weight(a, 2.0), float))


def test_output_seed():
    assert aa.output_seed(2.0) == 1.0
    assert aa.is_real_scalar(strict(2.0))
    assert aa.is_real_scalar(strict([2.0]))
    assert not aa.is_real_scalar(strict([1.0, 2.0]))
    assert not aa.is_real_scalar(xp.asarray(True, device=DEVICE))
    same(aa.output_seed(strict([2.0])), np_outputs.output_seed(np.array([2.0])))
    with pytest.raises(np_outputs.NotScalarOutput):
        aa.output_seed(strict([1.0, 2.0]))


# ----------------------------------------------------------------------------- NumPy


def test_numpy_arguments_take_the_numpy_helpers():
    # the same objects and values as the NumPy helpers (they are called)
    g, x = rand(3, 4), rand(3, 4, seed=1)
    assert aa.unbroadcast(g, x) is g
    np.testing.assert_array_equal(aa.unbroadcast(g, rand(4)), np_adjoints.unbroadcast(g, rand(4)))
    w = np.array([True, False, True, True])
    assert aa.above_weight(rand(4), 0.0).dtype == np.bool_  # NumPy's no-tie shortcut
    np.testing.assert_array_equal(aa.share(rand(4), w), np_elementwise.share(rand(4), w))
    a, b = rand(2, 3), rand(3, 4)
    np.testing.assert_array_equal(aa.matmul_adjoint_right(rand(2, 4), a, b),
                                  np_runtime.matmul_adjoint_right(rand(2, 4), a, b))
    assert aa.output_seed(np.float64(2.0)) == 1.0


# ----------------------------------------------------------------------------- what needs NumPy


def test_a_gradient_of_array_api_strict_arrays_is_refused():
    # generated code calls np.* (docs/array_api.md): srcad takes NumPy arrays and arrays
    # that implement NumPy's dispatch, and refuses array_api_strict's
    def loss(w, X):
        return np.sum(np.tanh(X @ w))

    w, X = rand(3), rand(4, 3)
    expected = srcad.grad(loss)(w, X)
    assert math.isfinite(float(np.sum(expected)))
    with pytest.raises(srcad.SrcadError):
        srcad.grad(loss)(strict(w), strict(X))
    with pytest.raises(srcad.SrcadError):
        srcad.grad(loss)(xp.asarray(w), xp.asarray(X))  # on the CPU device too
