"""Run-time helpers of generated code, checked against NumPy and finite differences."""

import itertools

import numpy as np
import pytest
from gradcheck import numerical_vjp

from srcad.runtime import (
    add_at,
    add_items,
    as_sequence,
    dot_adjoint_left,
    dot_adjoint_right,
    index_adjoint,
    matmul_adjoint_left,
    matmul_adjoint_right,
    reduced_count,
    transpose_adjoint,
    unbroadcast,
    unreduce,
)

rng = np.random.default_rng(1234)


def rand(shape):
    if shape == ():
        return float(rng.standard_normal())
    return rng.standard_normal(shape)


# ----------------------------------------------------------------------------- unbroadcast


@pytest.mark.parametrize("g_shape, x_shape", [
    ((2, 3), (3,)),
    ((2, 3), (2, 1)),
    ((2, 3), (1, 3)),
    ((2, 3), ()),
    ((2, 3), (1, 1)),
    ((2, 3), (1,)),
    ((4, 2, 3), (2, 1)),
    ((4, 2, 3), (4, 1, 3)),
    ((4, 2, 3), (1, 2, 1)),
    ((5, 4, 2, 3), (4, 1, 1)),
    ((3,), ()),
    ((), ()),
])
def test_unbroadcast_is_the_adjoint_of_broadcasting(g_shape, x_shape):
    g = np.asarray(rand(g_shape))
    x = np.zeros(x_shape)
    out = unbroadcast(g, x)
    assert np.shape(out) == x_shape
    # adjoint identity: <g, broadcast(v)> == <unbroadcast(g), v> for every v
    v = np.asarray(rand(x_shape))
    lhs = np.sum(g * np.broadcast_to(v, g_shape))
    assert np.isclose(lhs, np.sum(out * v))
    # and the sum over broadcast copies, computed directly
    expected = np.zeros(x_shape)
    for idx in np.ndindex(g_shape):
        tail = idx[len(idx) - len(x_shape):] if x_shape else ()
        src = tuple(0 if n == 1 else i for i, n in zip(tail, x_shape))
        expected[src] += g[idx]
    assert np.allclose(out, expected)


def test_unbroadcast_with_python_scalars():
    assert unbroadcast(np.ones((2, 3)), 1.5) == 6.0
    assert unbroadcast(2.0, 1.5) == 2.0
    assert np.allclose(unbroadcast(np.ones((2, 2)), [1.0, 2.0]), [2.0, 2.0])


def test_unbroadcast_identity_returns_g_unchanged():
    g = np.arange(6.0).reshape(2, 3)
    assert unbroadcast(g, np.zeros((2, 3))) is g
    assert unbroadcast(g, np.zeros((2, 3), dtype=np.float32)) is g


@pytest.mark.parametrize("g_shape, x_shape", [((3,), (2, 3)), ((), (2, 3)), ((1, 3), (2, 3)),
                                              ((2, 1), (2, 3))])
def test_unbroadcast_when_g_is_smaller_spreads_it(g_shape, x_shape):
    g = np.asarray(rand(g_shape))
    out = unbroadcast(g, np.zeros(x_shape))
    assert out.shape == x_shape
    assert np.allclose(out, np.broadcast_to(g, x_shape))


# ----------------------------------------------------------------------------- reductions


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, -2, (0, 2), (2, 0), (-1, 0), (0, 1, 2), ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_unreduce_is_the_adjoint_of_sum(axis, keepdims):
    x = rand((2, 3, 4))
    y = np.sum(x, axis=axis, keepdims=keepdims)
    g = np.asarray(rand(np.shape(y)))
    out = unreduce(g, x, axis, keepdims)
    assert out.shape == x.shape
    v = rand(x.shape)
    assert np.isclose(np.sum(g * np.sum(v, axis=axis, keepdims=keepdims)), np.sum(out * v))
    expected = numerical_vjp(lambda a: np.sum(a, axis=axis, keepdims=keepdims), [x], 0, g)
    assert np.allclose(out, expected)


def test_unreduce_of_a_scalar_adjoint():
    out = unreduce(2.0, np.zeros(3), 0)
    assert np.array_equal(out, [2.0, 2.0, 2.0])
    out = unreduce(1.5, np.zeros((2, 2)))
    assert np.array_equal(out, np.full((2, 2), 1.5))


@pytest.mark.parametrize("axis, count", [(None, 24), (0, 2), (1, 3), (-1, 4), ((0, 2), 8),
                                         ((-1, -2), 12), ((), 1)])
def test_reduced_count(axis, count):
    x = np.zeros((2, 3, 4))
    assert reduced_count(x, axis) == count
    assert reduced_count(x, axis) == np.sum(np.ones_like(x), axis=axis).flat[0]


def test_reduced_count_of_scalars_and_lists():
    assert reduced_count(3.0) == 1
    assert reduced_count([[1.0, 2.0]], 1) == 2


def test_transpose_adjoint_inverts_the_permutation():
    x = rand((2, 3, 4))
    for axes in [None, (1, 0, 2), (2, 0, 1), (-1, 0, 1)]:
        y = np.transpose(x, axes)
        assert np.array_equal(transpose_adjoint(y, axes), x)


# ----------------------------------------------------------------------------- indexing


@pytest.mark.parametrize("index", [
    1, -1, (0, 2), slice(1, None), slice(None, None, -2), (slice(None), 1),
    (Ellipsis, 0), np.array([0, 0, 1]), ([0, 0, 1], [1, 1, 2]), np.array([2, 2, 2]),
    np.array([[0, 1], [1, 1]]),
])
def test_index_adjoint_is_the_adjoint_of_indexing(index):
    x = rand((3, 4))
    g = np.asarray(rand(np.shape(x[index])))
    out = index_adjoint(g, x, index)
    assert out.shape == x.shape
    v = rand(x.shape)
    assert np.isclose(np.sum(g * v[index]), np.sum(out * v))


def test_index_adjoint_accumulates_repeated_indices():
    x = np.zeros(4)
    out = index_adjoint(np.array([1.0, 2.0, 3.0]), x, np.array([1, 1, 3]))
    assert np.array_equal(out, [0.0, 3.0, 0.0, 3.0])


def test_index_adjoint_with_a_boolean_mask():
    x = np.arange(6.0).reshape(2, 3)
    mask = x > 2
    out = index_adjoint(np.ones(3), x, mask)
    assert np.array_equal(out, mask.astype(float))


def test_index_adjoint_dtype_follows_the_adjoint():
    out = index_adjoint(0.5, np.arange(3), 1)
    assert out.dtype.kind == "f" and np.array_equal(out, [0.0, 0.5, 0.0])


def test_index_adjoint_of_lists():
    assert index_adjoint(5.0, [1.0, 2.0, 3.0], 1) == [0.0, 5.0, 0.0]
    assert index_adjoint(5.0, [1.0, 2.0, 3.0], -1) == [0.0, 0.0, 5.0]
    assert index_adjoint([7.0, 8.0], [1.0, 2.0, 3.0], slice(1, None)) == [0.0, 7.0, 8.0]
    assert index_adjoint([7.0, 8.0], [1.0, 2.0, 3.0], slice(None, None, -2)) == [8.0, 0.0, 7.0]
    g = np.ones(2)
    out = index_adjoint(g, [np.zeros(2), np.zeros(3)], 0)
    assert out[0] is g and out[1] == 0.0


def test_index_adjoint_of_tuples_is_a_tuple():
    out = index_adjoint(2.0, (1.0, 2.0), 0)
    assert out == (2.0, 0.0) and type(out) is tuple
    out = index_adjoint([1.0, 2.0], (1.0, 2.0, 3.0), slice(0, 2))
    assert out == (1.0, 2.0, 0.0) and type(out) is tuple


# ----------------------------------------------------------------------------- products


def _shape(ndim, role, k=3):
    """Shapes compatible with np.dot: a (..., k), b (..., k, m) or (k,)."""
    if ndim == 0:
        return ()
    if role == "a":
        return (2, 4, k)[-ndim:] if ndim <= 3 else None
    return {1: (k,), 2: (k, 2), 3: (2, k, 2)}[ndim]


@pytest.mark.parametrize("na, nb", list(itertools.product(range(4), range(4))))
def test_dot_adjoints_against_finite_differences(na, nb):
    a, b = rand(_shape(na, "a")), rand(_shape(nb, "b"))
    y = np.dot(a, b)
    g = np.asarray(rand(np.shape(y)))
    da = dot_adjoint_left(g, a, b)
    db = dot_adjoint_right(g, a, b)
    assert np.shape(da) == np.shape(a) and np.shape(db) == np.shape(b)
    assert np.allclose(da, numerical_vjp(np.dot, [a, b], 0, g), atol=1e-6)
    assert np.allclose(db, numerical_vjp(np.dot, [a, b], 1, g), atol=1e-6)


MATMUL_SHAPES = [
    ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
    ((4, 2, 3), (3,)), ((3,), (4, 3, 2)), ((4, 2, 3), (3, 2)), ((2, 3), (4, 3, 2)),
    ((4, 2, 3), (4, 3, 2)), ((1, 2, 3), (4, 3, 2)), ((4, 2, 3), (1, 3, 2)),
    ((2, 1, 2, 3), (5, 3, 2)),
]


@pytest.mark.parametrize("a_shape, b_shape", MATMUL_SHAPES)
def test_matmul_adjoints_against_finite_differences(a_shape, b_shape):
    a, b = rand(a_shape), rand(b_shape)
    y = np.matmul(a, b)
    g = np.asarray(rand(np.shape(y)))
    da = matmul_adjoint_left(g, a, b)
    db = matmul_adjoint_right(g, a, b)
    assert np.shape(da) == a_shape and np.shape(db) == b_shape
    assert np.allclose(da, numerical_vjp(np.matmul, [a, b], 0, g), atol=1e-6)
    assert np.allclose(db, numerical_vjp(np.matmul, [a, b], 1, g), atol=1e-6)


def test_product_adjoints_accept_lists_and_scalar_adjoints():
    a, b = [1.0, 2.0], [3.0, 4.0]
    assert np.allclose(matmul_adjoint_left(1.0, a, b), b)
    assert np.allclose(matmul_adjoint_right(1.0, a, b), a)
    assert np.allclose(dot_adjoint_left(2.0, a, b), [6.0, 8.0])
    assert np.allclose(dot_adjoint_right(2.0, a, b), [2.0, 4.0])


# ----------------------------------------------------------------------------- sequences


def test_add_at_starts_from_zeros():
    out = add_at(0.0, 1, 2.5, 3)
    assert out == [0.0, 2.5, 0.0]


def test_add_at_accumulates_without_mutating():
    first = [1.0, 2.0, 3.0]
    out = add_at(first, 0, 4.0, 3)
    assert out == [5.0, 2.0, 3.0]
    assert first == [1.0, 2.0, 3.0]
    assert add_at(out, -1, 1.0, 3) == [5.0, 2.0, 4.0]


def test_add_at_with_array_items():
    out = add_at(0.0, 1, np.ones(2), 2)
    assert out[0] == 0.0 and np.array_equal(out[1], np.ones(2))
    out = add_at(out, 1, np.ones(2), 2)
    assert np.array_equal(out[1], [2.0, 2.0])


def test_add_at_with_a_partly_filled_list_of_arrays():
    # the adjoint of [W1, W2] after the reverse sweep has visited W2 only
    partial = add_at(0.0, 1, np.ones((1, 3)), 2)
    out = add_at(partial, 0, np.ones((3, 2)), 2)
    assert np.array_equal(out[0], np.ones((3, 2)))
    assert np.array_equal(out[1], np.ones((1, 3)))


def test_add_items():
    assert add_items(0.0, [1.0, 2.0]) == [1.0, 2.0]
    assert add_items([1.0, 2.0], 0.0) == [1.0, 2.0]
    assert add_items([1.0, 2.0], [3.0, 4.0]) == [4.0, 6.0]
    assert add_items((1.0, 2.0), [3.0, 4.0]) == [4.0, 6.0]
    b = [1.0]
    assert add_items(0.0, b) is not b


def test_add_items_with_arrays_of_different_shapes():
    a = [np.ones(2), 0.0]
    b = [0.0, np.ones((2, 2))]
    out = add_items(a, b)
    assert np.array_equal(out[0], np.ones(2))
    assert np.array_equal(out[1], np.ones((2, 2)))


def test_add_items_with_arrays_of_the_same_shape():
    out = add_items([np.ones(2), np.ones(2)], [np.ones(2), 2 * np.ones(2)])
    assert np.array_equal(out[0], [2.0, 2.0]) and np.array_equal(out[1], [3.0, 3.0])


def test_as_sequence():
    for obj in ([1, 2], (1, 2), range(3), np.arange(3), "ab"):
        assert as_sequence(obj) is obj
    assert as_sequence(iter([1, 2])) == [1, 2]
    assert as_sequence(x * 2 for x in range(3)) == [0, 2, 4]
    assert as_sequence({"a": 1, "b": 2}) == ["a", "b"]
    assert as_sequence(reversed(range(3))) == [2, 1, 0]
    assert as_sequence(zip([1, 2], [3, 4])) == [(1, 3), (2, 4)]


@pytest.mark.parametrize("size", [10, 9000])  # (both sides of share's np.where threshold)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_share_zeroes_what_was_not_selected_even_where_infinite(size, dtype):
    from srcad.runtime.elementwise import share

    g = np.linspace(-1.0, 1.0, size).astype(dtype)
    g[0], g[1], g[2] = np.inf, np.nan, -np.inf
    w = np.ones(size, dtype=bool)
    w[:2] = False                       # inf and nan not selected: 0
    out = share(g, w)
    assert out.dtype == dtype and out.shape == g.shape
    assert out[0] == 0.0 and out[1] == 0.0 and out[2] == -np.inf
    np.testing.assert_array_equal(out[3:], g[3:])
    half = np.where(w, 1.0, 0.0)
    half[5] = 0.5                       # a tie shares the adjoint
    out = share(g, half)
    assert out[0] == 0.0 and out[1] == 0.0 and out[5] == 0.5 * g[5]
