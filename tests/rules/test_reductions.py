"""End-to-end gradients through NumPy reductions (srcad.grad against finite differences),
plus the conventions the registry sweep cannot see: zeros in prod/cumprod, ties in
max/min, NaNs in nansum/nanmean, constant slices in std."""

import numpy as np
import pytest
from gradcheck import check_grad, numerical_hessian, numerical_jvp

import srcad
from srcad.runtime import reductions as R

RNG = np.random.default_rng(1234)
W = RNG.standard_normal((2, 3, 4))


def rand(*shape, low=-1.5, high=1.5):
    return RNG.uniform(low, high, size=shape)


def weighted(y):
    """A scalar that depends on every output entry with different weights."""
    return np.sum(np.sin(y) * np.arange(1.0, 1.0 + np.size(y)).reshape(np.shape(y)))


# ============================================================================ prod


def prod_all(x):
    return np.prod(x) * 2.0


def prod_axis0(x):
    return np.sum(np.sin(np.prod(x, axis=0)))


def prod_neg_keep(x):
    return np.sum(np.prod(x, axis=-1, keepdims=True) * x)


def prod_tuple(x):
    return np.sum(np.cos(np.prod(x, axis=(0, 2))))


def prod_method(x):
    return np.sum(np.sin(x.prod(axis=1)))


def prod_method_all(x):
    return x.prod() + x.prod(0).sum()


def prod_of_scalar(x):
    return np.prod(x) * x


@pytest.mark.parametrize("f, shape", [
    (prod_all, (2, 3)), (prod_axis0, (3, 2)), (prod_neg_keep, (2, 3)), (prod_tuple, (2, 3, 2)),
    (prod_method, (2, 3)), (prod_method_all, (3, 2))])
def test_prod(f, shape):
    check_grad(f, rand(*shape, low=0.5, high=1.5))


def test_prod_of_a_float():
    check_grad(prod_of_scalar, 1.3)


@pytest.mark.parametrize("f", [prod_all, prod_axis0, prod_neg_keep, prod_method])
def test_prod_with_zeros(f):
    # One zero and two zeros in a slice: the product of the others, never 0/0.
    x = np.array([[0.0, 1.2, -0.7], [0.0, 0.0, 1.1], [0.9, 1.3, 0.8]])
    check_grad(f, x)


def test_prod_with_zero_exact_values():
    x = np.array([2.0, 0.0, 3.0, 5.0])
    g = srcad.grad(prod_all)(x)
    np.testing.assert_array_equal(g, 2.0 * np.array([0.0, 30.0, 0.0, 0.0]))
    x2 = np.array([2.0, 0.0, 3.0, 0.0])
    np.testing.assert_array_equal(srcad.grad(prod_all)(x2), np.zeros(4))


def test_prod_of_others_helper():
    x = rand(2, 3, 4, low=0.5, high=1.5)
    for axis in [None, 0, 1, -1, (0, 2), (2, 0, 1)]:
        total = np.prod(x, axis=axis, keepdims=True)
        np.testing.assert_allclose(R.prod_of_others(x, axis), total / x)


# ============================================================================ max / min / ptp


def max_all(x):
    return np.max(x) * 3.0


def max_axis(x):
    return np.sum(np.sin(np.max(x, axis=1)))


def max_tuple_keep(x):
    return np.sum(np.max(x, axis=(0, -1), keepdims=True) * x)


def amax_axis(x):
    return np.sum(np.amax(x, axis=0) ** 2)


def min_axis(x):
    return np.sum(np.cos(np.min(x, axis=-1)))


def amin_all(x):
    return np.amin(x) * x[0, 0]


def max_method(x):
    return np.sum(x.max(axis=0) * x.min(axis=1).sum())


def min_method_all(x):
    return x.min() + x.max()


def ptp_all(x):
    return np.ptp(x) ** 2


def ptp_axis(x):
    return np.sum(np.sin(np.ptp(x, axis=0)))


def ptp_keep(x):
    return np.sum(np.ptp(x, axis=(1, 2), keepdims=True) * x)


@pytest.mark.parametrize("f, shape", [
    (max_all, (2, 3)), (max_axis, (2, 3)), (max_tuple_keep, (2, 3, 2)), (amax_axis, (3, 2)),
    (min_axis, (2, 4)), (amin_all, (3, 3)), (max_method, (3, 3)), (min_method_all, (2, 3)),
    (ptp_all, (2, 3)), (ptp_axis, (3, 2)), (ptp_keep, (2, 3, 2))])
def test_max_min_ptp(f, shape):
    check_grad(f, rand(*shape))


def test_max_ties_share_the_adjoint_evenly():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(srcad.grad(max_all)(x), 3.0 * np.array([[0, 0.5, 0.5],
                                                                      [0, 0, 0]]))
    g = srcad.grad(max_axis)(x)
    expected = np.array([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]) * \
        np.cos(np.max(x, axis=1))[:, None]
    np.testing.assert_allclose(g, expected)


def test_min_ties_share_the_adjoint_evenly():
    x = np.array([[1.0, 1.0, 4.0], [0.5, 2.0, 2.0]])
    g = srcad.grad(min_axis)(x)
    expected = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]) * \
        -np.sin(np.min(x, axis=-1))[:, None]
    np.testing.assert_allclose(g, expected)


def test_ties_match_one_sided_average():
    # The shared adjoint is the average of the one-sided derivatives over the tied set
    # for max summed over ties: <g, 1> equals the derivative along the all-ones direction.
    x = np.array([2.0, 5.0, 5.0, 1.0])
    g = srcad.grad(max_all)(x)
    assert g.sum() == pytest.approx(numerical_jvp(max_all, [x], [1.0]))


# ============================================================================ var / std


def var_all(x):
    return np.var(x) * 2.0


def var_axis_ddof(x):
    return np.sum(np.sin(np.var(x, axis=0, ddof=1)))


def var_tuple_keep(x):
    return np.sum(np.var(x, axis=(0, 2), keepdims=True) * W[:, :3, :2])


def var_positional_ddof(x):
    return np.sum(np.var(x, 1, None, None, 1) ** 2)


def std_all(x):
    return np.std(x) * 3.0


def std_axis(x):
    return np.sum(np.cos(np.std(x, axis=-1)))


def std_ddof_keep(x):
    return np.sum(np.std(x, axis=1, ddof=1, keepdims=True) * x)


def var_method(x):
    return x.var(axis=0).sum() + x.std(ddof=1)


@pytest.mark.parametrize("f, shape", [
    (var_all, (2, 3)), (var_axis_ddof, (3, 2)), (var_tuple_keep, (2, 3, 2)),
    (var_positional_ddof, (2, 4)), (std_all, (2, 3)), (std_axis, (3, 4)),
    (std_ddof_keep, (2, 3)), (var_method, (3, 3))])
def test_var_std(f, shape):
    check_grad(f, rand(*shape))


def test_std_of_constant_slice_is_zero_not_nan():
    x = np.array([[1.0, 1.0, 1.0], [0.2, 0.5, 0.9]])
    g = srcad.grad(std_axis)(x)
    assert np.all(np.isfinite(g))
    np.testing.assert_array_equal(g[0], 0.0)
    np.testing.assert_allclose(g[1], srcad.grad(std_axis)(x[1:])[0])


# ============================================================================ cumsum / cumprod


def cumsum_flat(x):
    return weighted(np.cumsum(x))


def cumsum_axis(x):
    return weighted(np.cumsum(x, axis=0))


def cumsum_neg(x):
    return weighted(np.cumsum(x, -1))


def cumsum_method(x):
    return weighted(x.cumsum(axis=1)) + weighted(x.cumsum())


def cumprod_flat(x):
    return weighted(np.cumprod(x))


def cumprod_axis(x):
    return weighted(np.cumprod(x, axis=1))


def cumprod_method(x):
    return weighted(x.cumprod(axis=-2)) + weighted(x.cumprod())


def cumsum_of_scalar(x):
    return weighted(np.cumsum(x))


@pytest.mark.parametrize("f, shape", [
    (cumsum_flat, (2, 3)), (cumsum_axis, (3, 2)), (cumsum_neg, (2, 3, 2)),
    (cumsum_method, (2, 3)), (cumprod_flat, (2, 3)), (cumprod_axis, (2, 4)),
    (cumprod_method, (3, 2, 2))])
def test_cumulative(f, shape):
    check_grad(f, rand(*shape, low=0.5, high=1.5))


def test_cumulative_of_a_float():
    check_grad(cumsum_of_scalar, 0.7)


@pytest.mark.parametrize("f", [cumprod_flat, cumprod_axis, cumprod_method])
def test_cumprod_with_zeros(f):
    x = np.array([[0.9, 0.0, 1.2, 0.0], [0.0, 1.1, 0.7, 1.3], [1.4, 0.8, 0.0, 0.6]])
    if f is cumprod_method:
        x = np.stack([x, x[::-1]], axis=-1)
    check_grad(f, x)


def test_cumprod_helpers_are_transposes():
    x = rand(3, 4)
    x[0, 1] = x[1, 0] = x[1, 2] = x[2, 3] = x[2, 1] = 0.0
    for axis in [None, 0, 1, -1]:
        y = np.cumprod(x, axis)
        u, v = RNG.standard_normal(y.shape), RNG.standard_normal(x.shape)
        lhs = np.sum(u * R.cumprod_tangent(v, x, axis))
        rhs = np.sum(R.cumprod_adjoint(u, x, axis) * v)
        assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


# ============================================================================ nansum / nanmean


def nansum_all(x):
    return np.nansum(x) * 2.0


def nansum_axis(x):
    return np.sum(np.sin(np.nansum(x, axis=1)))


def nanmean_all(x):
    return np.nanmean(x) ** 2


def nanmean_axis_keep(x):
    return np.sum(np.nanmean(x, axis=0, keepdims=True) * x[:1])


@pytest.mark.parametrize("f", [nansum_all, nansum_axis, nanmean_all, nanmean_axis_keep])
def test_nan_reductions(f):
    check_grad(f, rand(3, 4))


@pytest.mark.parametrize("f", [nansum_all, nansum_axis, nanmean_all])
def test_nan_entries_get_zero_adjoint(f):
    x = rand(3, 4)
    x[0, 1] = x[2, 2] = x[2, 3] = np.nan
    g = srcad.grad(f)(x)
    nan = np.isnan(x)
    np.testing.assert_array_equal(g[nan], 0.0)
    assert np.all(np.isfinite(g))
    # Finite differences on the other entries (perturbing NaNs changes nothing).
    check_grad(f, x)


def test_nanmean_with_nans_and_an_all_nan_column():
    x = rand(3, 4)
    x[:, 1] = np.nan
    x[0, 2] = np.nan
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        g = srcad.grad(nanmean_col)(x)
    expected = np.where(np.isnan(x), 0.0,
                        1.0 / np.sum(~np.isnan(x), axis=0, keepdims=True).clip(1))
    expected[:, 1] = 0.0
    np.testing.assert_allclose(g, expected)


def nanmean_col(x):
    return np.nansum(np.nanmean(x, axis=0))


# ============================================================================ kinds


def reduce_then_index(x):
    m = np.max(x, axis=0)
    return m[1] * np.prod(x, axis=1)[0] + np.var(x, axis=(0, 1)) + np.cumsum(x)[2]


def test_reductions_feed_indexing():
    check_grad(reduce_then_index, rand(2, 3, low=0.5, high=1.5))


# ======================================================================== forward mode, hessians


@pytest.mark.parametrize("f", [
    prod_all, prod_axis0, prod_neg_keep, prod_method, max_axis, max_tuple_keep, amax_axis,
    min_axis, max_method, ptp_axis, ptp_keep, var_axis_ddof, var_tuple_keep, std_axis,
    std_ddof_keep, var_method, nansum_axis, nanmean_axis_keep])
def test_jvp(f):
    shape = (2, 3, 2) if f in (max_tuple_keep, ptp_keep, var_tuple_keep) else (3, 3)
    x = rand(*shape, low=0.5, high=1.5)
    t = RNG.standard_normal(shape)
    value, tangent = srcad.jvp(f, [x], [t])
    assert value == pytest.approx(f(x))
    assert tangent == pytest.approx(numerical_jvp(f, [x], [t]), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("f", [cumsum_flat, cumsum_axis, cumprod_flat, cumprod_axis])
def test_jvp_cumulative(f):
    x = rand(2, 3, low=0.5, high=1.5)
    x[1, 0] = 0.0
    t = RNG.standard_normal((2, 3))
    _, tangent = srcad.jvp(f, [x], [t])
    assert tangent == pytest.approx(numerical_jvp(f, [x], [t]), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("f", [
    prod_all, prod_axis0, prod_tuple, max_axis, min_axis, ptp_axis, var_axis_ddof, std_axis,
    std_ddof_keep, cumsum_axis, nansum_axis, nanmean_axis_keep])
def test_hessian(f):
    shape = (2, 3, 2) if f is prod_tuple else (3, 3)
    x = rand(*shape, low=0.5, high=1.5)
    np.testing.assert_allclose(srcad.hessian(f)(x), numerical_hessian(f, x), rtol=1e-5, atol=1e-6)


def test_hessian_of_prod_with_zeros():
    x = np.array([[0.0, 1.2, -0.7], [0.0, 0.0, 1.1], [0.9, 1.3, 0.8]])
    np.testing.assert_allclose(srcad.hessian(prod_axis0)(x), numerical_hessian(prod_axis0, x),
                               rtol=1e-5, atol=1e-6)


def test_prod_of_others_jvp_at_zeros():
    for zeros in [[], [1], [0, 3], [1, 2, 3]]:
        x = rand(4, low=0.5, high=1.5)
        x[zeros] = 0.0
        t = RNG.standard_normal(4)
        np.testing.assert_allclose(R.prod_of_others_jvp(t, x),
                                   numerical_jvp(R.prod_of_others, [x], [t]),
                                   rtol=1e-6, atol=1e-8)
