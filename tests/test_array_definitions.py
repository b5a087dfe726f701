"""NumPy functions differentiated from srcad/runtime/array_definitions.py: values equal
NumPy's, gradients (reverse and forward) and Hessian-vector products agree with finite
differences, options the definitions do not implement are refused by name."""

import numpy as np
import pytest
from gradcheck import check_grad, numerical_hessian

import srcad
from srcad.runtime import array_definitions as defs

RNG = np.random.default_rng(11)
X = RNG.uniform(0.2, 1.5, 6)
Y = RNG.uniform(0.2, 1.5, 6)
M = RNG.uniform(-1.0, 1.0, (3, 4))
WEIGHTS = np.cos(np.arange(64.0))


def weigh(value):
    """A scalar that sees every float entry of `value` (an array, or a tuple of them)."""
    total = 0.0
    for item in value if isinstance(value, (tuple, list)) else [value]:
        flat = np.ravel(item)
        total = total + np.sum(flat * WEIGHTS[:flat.size])
    return total


def block_loss(x, m):
    square = m[:, :3]
    return weigh(np.block([[square, m[:, 1:]], [m[:, :2], square, m[:, :1]]])) \
        + weigh(np.block([x, m[0]]))


def building_loss(x, m):
    grids = np.meshgrid(x[:3], x[3:])
    sparse = np.meshgrid(x[:2], x[2:5], indexing="ij", sparse=True)
    pair = np.broadcast_arrays(x[:4], m)
    return (weigh(grids) + weigh(sparse) + weigh(pair) + weigh(np.diagflat(x[:3], 1))
            + weigh(np.choose(np.array([0, 1, 1, 0]), [x[:4], m[0]]))
            + weigh(np.unstack(m, axis=1)) + weigh(np.resize(x, (2, 5)))
            + weigh(np.fromiter(x, float)) + weigh(np.astype(m, np.float64)))


def selecting_loss(x, m):
    return (weigh(np.take(m, [0, 2, 2], axis=1)) + weigh(np.take(x, [[1, 0], [5, 5]]))
            + weigh(np.compress([True, False, True], m, axis=0))
            + weigh(np.extract(m > 0.0, m)) + weigh(np.delete(m, [0, 2], axis=1))
            + weigh(np.delete(x, 1)) + weigh(np.insert(x, 2, 7.0 * x[0]))
            + weigh(np.insert(x, [1, 4], x[:2]))
            + weigh(np.trim_zeros(np.concatenate([np.zeros(2), x, np.zeros(1)]))))


def sequence_loss(x, m):
    return (weigh(np.ediff1d(x, to_end=x[:1], to_begin=3.0))
            + weigh(np.cumulative_sum(m, axis=1, include_initial=True))
            + weigh(np.cumulative_prod(x)) + weigh(np.logspace(x[0], x[1], 4))
            + weigh(np.geomspace(x[0], x[1] + 2.0, 5)) + weigh(np.unwrap(4.0 * m, axis=1)))


def nan_loss(x, m):
    holes = np.where(m > 0.5, np.nan, m)
    return (weigh(np.nanmax(holes, axis=0)) + weigh(np.nanmin(holes, axis=1))
            + weigh(np.nanprod(holes, axis=0)) + weigh(np.nancumsum(holes, axis=1))
            + weigh(np.nancumprod(holes)) + weigh(np.nanvar(holes, axis=1, ddof=1))
            + weigh(np.nanstd(holes)))


def product_loss(x, m):
    return (weigh(np.matrix_transpose(m)) + weigh(np.matvec(m, x[:4]))
            + weigh(np.vecmat(x[:3], m)) + weigh(np.vecdot(m, x[:4]))
            + weigh(np.apply_over_axes(np.sum, m, [0, 1])))


def polynomial_loss(x, m):
    quotient, remainder = np.polydiv(x, x[:3] + 1.0)
    return (weigh(np.polyadd(x, m[0])) + weigh(np.polysub(x[:2], x)) + weigh(np.polymul(x, m[1]))
            + weigh(np.polyint(x, 2, [1.0, x[0]])) + weigh(np.poly(x[:4]))
            + weigh(quotient) + weigh(remainder) + weigh(np.polyfit(x, m[0, :3].sum() * x ** 2
                                                                     + np.sin(x), 2)))


def special_loss(x, m):
    return (weigh(np.i0(4.0 * m)) + weigh(np.kaiser(7, 6.0 * x[0]))
            + weigh(np.nextafter(x, 10.0)) + weigh(np.roots(np.poly(x[:3]))))


LOSSES = [block_loss, building_loss, selecting_loss, sequence_loss, nan_loss, product_loss,
          polynomial_loss, special_loss]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
def test_gradients_match_differences(loss):
    check_grad(loss, X, M, wrt=(0, 1))


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
def test_hessian_vector_products_match_differences(loss):
    v = RNG.standard_normal(X.shape)
    got = srcad.hvp(loss)(X, M, v)
    want = numerical_hessian(lambda x: loss(x, M), X) @ v
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


CALLS = [
    (np.block, ([[M[:, :2], M], [M, M[:, :2]]],)), (np.meshgrid, (X[:3], X[3:])),
    (np.broadcast_arrays, (X[:4], M)), (np.diagflat, (M,)), (np.unstack, (M,)),
    (np.resize, (X, 9)), (np.take, (M, [3, 0])), (np.delete, (M, 1, 0)),
    (np.insert, (X, 3, 9.0)), (np.insert, (X, [0, 0, 6], [1.0, 2.0, 3.0])),
    (np.insert, (M, 1, 5.0, 1)), (np.ediff1d, (M,)), (np.geomspace, (0.5, 8.0, 7)),
    (np.geomspace, (-1.0, -9.0, 3)), (np.logspace, (0.0, 2.0, 5)), (np.unwrap, (5.0 * X,)),
    (np.nanvar, (np.array([1.0, np.nan, 3.0, 4.5]),)), (np.polydiv, (X, X[:2])),
    (np.polyint, (X,)), (np.poly, (X[:3],)), (np.polyfit, (X, Y, 3)), (np.i0, (20.0 * M,)),
    (np.kaiser, (8, 3.5)), (np.kaiser, (1, 3.5)), (np.roots, (np.array([0.0, 1.0, -3.0,
                                                                         2.0, 0.0]),)),
    (np.apply_over_axes, (np.sum, M, [1])), (np.cumulative_sum, (X,)),
    (np.trim_zeros, (np.array([0.0, 1.0, 0.0, 2.0, 0.0]), "b")),
]


@pytest.mark.parametrize("fn, args", CALLS, ids=lambda c: getattr(c, "__name__", ""))
def test_definitions_compute_numpys_values(fn, args):
    definition = defs.table()[fn]
    got, want = definition(*args), fn(*args)
    for g, w in zip(_items(got), _items(want)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def _items(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def test_unimplemented_options_are_refused_by_name():
    def loss(x):
        return np.sum(np.polyfit(x, x ** 2, 2, full=True)[0])

    with pytest.raises(srcad.SrcadError, match="'full'"):
        srcad.grad(loss)(X)


def test_copyto_is_a_mutation_like_item_assignment():
    def loss(x):
        out = np.ones(3)
        np.copyto(out, x * 2.0, where=x > 0.5)
        full = np.zeros((2, 3))
        np.copyto(full, x)  # broadcast
        return np.sum(out * out) + np.sum(full * WEIGHTS[:6].reshape(2, 3))

    x = np.array([0.3, 0.7, 1.2])
    check_grad(loss, x)
    np.testing.assert_allclose(srcad.hvp(loss)(x, np.ones(3)), [0.0, 8.0, 8.0])

    def into_argument(x):
        np.copyto(x, 2.0 * x)
        return np.sum(x)

    with pytest.raises(srcad.SrcadError, match="np.copyto"):
        srcad.grad(into_argument)(x)
