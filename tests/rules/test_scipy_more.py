"""More scipy.stats distributions (srcad/rules/scipy_stats_more.py), the distances of
scipy.spatial.distance and scipy.optimize.rosen (plain-NumPy definitions): gradients
and Hessians against finite differences in realistic uses, refusals by name."""

import numpy as np
import pytest
from gradcheck import check_grad, numerical_hessian

import srcad

stats = pytest.importorskip("scipy.stats")
distance = pytest.importorskip("scipy.spatial.distance")
optimize = pytest.importorskip("scipy.optimize")

RNG = np.random.default_rng(5)
DATA = RNG.standard_cauchy(size=12) * 0.5 + 1.0


def _hessian_agrees(f, x, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(srcad.hessian(f)(x), numerical_hessian(f, x), rtol=rtol,
                               atol=atol)


# ----------------------------------------------------------------------------- models


def hierarchical_logp(theta):
    """A half-Cauchy prior on a scale, as the corpus program writes it."""
    mu, log_tau = theta[0], theta[1]
    tau = np.exp(log_tau)
    lp = stats.cauchy.logpdf(tau, 0, 5) + log_tau
    lp = lp + stats.norm.logpdf(mu, 0.0, 10.0)
    return lp + np.sum(stats.cauchy.logpdf(DATA, mu, tau))


def test_cauchy_prior_model():
    theta = np.array([0.8, -0.3])
    check_grad(hierarchical_logp, theta)
    _hessian_agrees(hierarchical_logp, theta)


def robust_logp(theta):
    loc, log_scale = theta[0], theta[1]
    scale = np.exp(log_scale)
    return (np.sum(stats.laplace.logpdf(DATA, loc, scale)) +
            np.sum(stats.logistic.logpdf(DATA, loc, scale=scale)) +
            stats.halfcauchy.logpdf(scale, scale=2.0) + stats.halfnorm.logpdf(scale) +
            stats.expon.logpdf(scale, 0.0, 3.0))


def test_robust_location_scale_models():
    theta = np.array([0.6, 0.1])
    check_grad(robust_logp, theta)
    _hessian_agrees(robust_logp, theta)


# ----------------------------------------------------------------------------- every method

POSITIVE = np.array([0.6, 1.3, 2.4])
CENTERED = np.array([-1.1, 0.3, 1.7])
QUANTILES = np.array([0.15, 0.5, 0.85])


def location_scale_loss(p):
    """Every method of the location-scale families in x, loc and scale."""
    x, loc, scale = p[:3], p[3], p[4]
    total = 0.0
    for dist in (stats.cauchy, stats.logistic, stats.laplace):
        total = total + np.sum(dist.logpdf(x, loc, scale) + dist.pdf(x, loc, scale) +
                               dist.cdf(x, loc, scale) + dist.logcdf(x, loc, scale) +
                               dist.sf(x, loc, scale) + dist.logsf(x, loc, scale))
        total = total + np.sum(np.tanh(dist.ppf(QUANTILES, loc, scale)))
    total = total + np.sum(stats.cauchy.isf(QUANTILES, loc, scale)) + \
        np.sum(stats.norm.ppf(QUANTILES, loc, scale) + stats.norm.isf(QUANTILES, loc, scale))
    return total


def positive_loss(p):
    """Every method of the families on z > 0, with shape parameters."""
    x, loc, scale, shape = p[:3], p[3], p[4], p[5]
    total = 0.0
    for dist, args in ((stats.expon, ()), (stats.halfnorm, ()), (stats.halfcauchy, ()),
                       (stats.lognorm, (shape,)), (stats.weibull_min, (shape + 0.5,)),
                       (stats.invgamma, (shape + 1.0,))):
        total = total + np.sum(dist.logpdf(x, *args, loc, scale) +
                               dist.pdf(x, *args, loc, scale) +
                               dist.cdf(x, *args, loc, scale) +
                               dist.logcdf(x, *args, loc, scale) +
                               dist.sf(x, *args, loc, scale) +
                               dist.logsf(x, *args, loc, scale))
    for dist, args in ((stats.expon, ()), (stats.halfnorm, ()), (stats.halfcauchy, ()),
                       (stats.lognorm, (shape,)), (stats.weibull_min, (shape + 0.5,))):
        total = total + np.sum(np.log(dist.ppf(QUANTILES, *args, loc, scale)))
    return total + np.sum(stats.expon.isf(QUANTILES, loc, scale))


def uniform_loss(p):
    x, loc, scale = p[:3], p[3], p[4]
    u = stats.uniform
    return np.sum(u.logpdf(x, loc, scale) + u.pdf(x, loc, scale) + u.cdf(x, loc, scale) +
                  u.logcdf(x, loc, scale) + u.sf(x, loc, scale) + u.logsf(x, loc, scale) +
                  u.ppf(QUANTILES, loc, scale) ** 2)


@pytest.mark.parametrize("loss,point", [
    (location_scale_loss, np.concatenate([CENTERED, [0.2, 1.4]])),
    (positive_loss, np.concatenate([POSITIVE, [0.1, 0.9, 1.2]])),
    (uniform_loss, np.array([0.3, 0.9, 1.6, 0.1, 1.8])),
], ids=["location_scale", "positive", "uniform"])
def test_every_method_first_order(loss, point):
    check_grad(loss, point)


@pytest.mark.parametrize("loss,point", [
    (location_scale_loss, np.concatenate([CENTERED, [0.2, 1.4]])),
    (uniform_loss, np.array([0.3, 0.9, 1.6, 0.1, 1.8])),
], ids=["location_scale", "uniform"])
def test_every_method_second_order(loss, point):
    _hessian_agrees(loss, point, rtol=1e-4, atol=1e-5)


def positive_fixed_shape(p):
    x, loc, scale = p[:3], p[3], p[4]
    total = 0.0
    for dist, args in ((stats.expon, ()), (stats.halfnorm, ()), (stats.halfcauchy, ()),
                       (stats.lognorm, (0.7,)), (stats.weibull_min, (1.6,)),
                       (stats.invgamma, (2.5,))):
        total = total + np.sum(dist.logpdf(x, *args, loc, scale) +
                               dist.cdf(x, *args, loc, scale) +
                               dist.logsf(x, *args, loc, scale) +
                               dist.logcdf(x, *args, loc, scale))
    return total


def shape_loss(s):
    x = POSITIVE
    return (np.sum(stats.lognorm.logpdf(x, s[0], 0.1, 1.3) + stats.lognorm.logcdf(x, s[0]) +
                   stats.lognorm.ppf(QUANTILES, s[0], scale=2.0)) +
            np.sum(stats.weibull_min.logpdf(x, s[1]) + stats.weibull_min.sf(x, s[1], 0.2) +
                   stats.weibull_min.ppf(QUANTILES, s[1])) +
            np.sum(stats.invgamma.logpdf(x, s[2], scale=1.5)))


def test_positive_families_second_order():
    _hessian_agrees(positive_fixed_shape, np.concatenate([POSITIVE, [0.1, 0.9]]),
                    rtol=1e-4, atol=1e-5)
    _hessian_agrees(shape_loss, np.array([0.8, 1.7, 2.5]), rtol=1e-4, atol=1e-5)


def test_invgamma_distribution_functions_in_a_are_first_order():
    def cdf_in_a(a):
        return np.sum(stats.invgamma.cdf(POSITIVE, a) + stats.invgamma.logsf(POSITIVE, a))

    check_grad(cdf_in_a, 2.5)
    with pytest.raises(srcad.SrcadError, match="no closed form"):
        srcad.hessian(cdf_in_a)(2.5)


def test_outside_the_support_the_derivatives_are_zero():
    def outside(loc):
        return (stats.expon.logcdf(0.5, loc) + stats.halfnorm.cdf(0.5, loc) +
                stats.lognorm.sf(0.5, 0.8, loc) + stats.weibull_min.logsf(0.5, 1.5, loc) +
                stats.invgamma.cdf(0.5, 2.0, loc))

    assert srcad.grad(outside)(1.0) == 0.0


# ----------------------------------------------------------------------------- binom


K = np.array([0, 2, 3, 5, 7])


def binom_loss(p):
    return (np.sum(stats.binom.logpmf(K[:4], 6, p)) + np.sum(stats.binom.pmf(K, 6, p)) +
            np.sum(stats.binom.cdf(K, 6, p) + stats.binom.sf(K, 6, p)) +
            np.sum(stats.binom.logcdf(K[:4], 6, p)) + np.sum(stats.binom.logsf(K[:3], 6, p)))


def test_binom_in_p():
    check_grad(binom_loss, 0.35)
    hessian = srcad.hessian(binom_loss)(0.35)
    assert hessian == pytest.approx(float(numerical_hessian(binom_loss, 0.35)), rel=1e-5)


def binomial_regression(w):
    p = 1.0 / (1.0 + np.exp(-(w[0] + w[1] * np.arange(5.0))))
    return np.sum(stats.binom.logpmf(np.array([1, 2, 4, 6, 8]), 10, p))


def test_binomial_regression():
    w = np.array([-0.5, 0.3])
    check_grad(binomial_regression, w)
    _hessian_agrees(binomial_regression, w)


# ----------------------------------------------------------------------------- distances

XA = RNG.normal(size=(4, 3))
XB = RNG.normal(size=(5, 3))
W = RNG.random(3) + 0.5


def test_distance_values_equal_scipy():
    def values(x):
        return np.sum(distance.cdist(x, XB) * 1.0), distance.pdist(x, "sqeuclidean")

    for metric in ("euclidean", "sqeuclidean", "sqe", "eu"):
        def total(x):
            return np.sum(distance.cdist(x, XB, metric) ** 2) + \
                np.sum(distance.pdist(x, metric, w=W) ** 3)

        value, _ = srcad.value_and_grad(total)(XA)
        assert value == pytest.approx(total(XA), rel=1e-12)


def kernel_energy(x, y):
    d = distance.cdist(x, y)
    return (np.sum(np.exp(-d ** 2)) + 0.1 * np.sum(distance.cdist(x, y, "sqeuclidean")) +
            np.sum(1.0 / distance.pdist(x)) +
            np.sum(distance.squareform(distance.pdist(x, w=W)) ** 2) +
            np.sum(distance.squareform(distance.squareform(distance.pdist(x))) ** 3))


def test_distances_gradients():
    check_grad(kernel_energy, XA, XB, wrt=(0, 1))


def test_distances_second_order():
    v = RNG.normal(size=XA.shape)

    def along(x):
        return kernel_energy(x, XB)

    hessian = np.reshape(numerical_hessian(along, XA), (XA.size, XA.size))
    np.testing.assert_allclose(srcad.hvp(kernel_energy)(XA, XB, v),
                               np.reshape(hessian @ v.ravel(), XA.shape), rtol=1e-5,
                               atol=1e-6)


def test_distance_zero_has_zero_derivative():
    def self_distances(x):
        return np.sum(distance.cdist(x, x)) + np.sum(distance.squareform(distance.pdist(x)))

    # the diagonal's distances are 0: their derivative is taken to be 0 (np.linalg.norm's
    # rule at the zero vector), so the gradient is that of the other pairs
    def other_pairs(x):
        return 4.0 * np.sum(distance.pdist(x))

    np.testing.assert_allclose(srcad.grad(self_distances)(XA), srcad.grad(other_pairs)(XA))
    assert np.all(np.isfinite(srcad.hessian(self_distances)(XA)))


def test_other_metrics_are_refused_by_name():
    def cityblock(x):
        return np.sum(distance.cdist(x, XB, "cityblock"))

    with pytest.raises(srcad.SrcadError, match="cityblock"):
        srcad.grad(cityblock)(XA)


# ----------------------------------------------------------------------------- rosen


def scaled_rosen(x):
    return 2.0 * optimize.rosen(x) + optimize.rosen(x[:3])


def objective(x):
    return optimize.rosen(x)


def test_rosen_matches_scipy_derivatives():
    x = RNG.normal(size=6)
    np.testing.assert_allclose(srcad.grad(scaled_rosen)(x),
                               2.0 * optimize.rosen_der(x) +
                               np.concatenate([optimize.rosen_der(x[:3]), np.zeros(3)]))
    np.testing.assert_allclose(srcad.hessian(objective)(x), optimize.rosen_hess(x),
                               rtol=1e-12, atol=1e-9)
    check_grad(scaled_rosen, x)
