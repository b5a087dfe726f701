"""scipy.stats methods differentiated from plain-NumPy definitions
(srcad/runtime/stats_definitions*.py, registered by srcad/rules/scipy_stats_defs.py):
values against SciPy (inside and outside the support, invalid parameters, nan), and
derivatives against central finite differences (reverse, forward, second order)."""

import warnings

import numpy as np
import pytest

st = pytest.importorskip("scipy.stats")

from gradcheck import check_grad, numerical_grad, numerical_hessian  # noqa: E402

import srcad  # noqa: E402
from srcad.runtime import stats_definitions as cont  # noqa: E402
from srcad.runtime import stats_definitions_discrete as disc  # noqa: E402
from srcad.runtime.definitions import DEFINITIONS  # noqa: E402

TABLE = {**cont.continuous_definitions(st), **disc.discrete_definitions(st)}
RNG = np.random.default_rng(20261207)

# ----------------------------------------------------------------------- values
X = np.array([-np.inf, -3.0, -1.0, -0.3, 0.0, 0.2, 0.9, 1.0, 1.5, 2.0, 3.5, 7.0, np.inf,
              np.nan])
Q = np.array([0.0, 1e-300, 0.1, 0.5, 0.9, 1.0, 1.5, -0.1, np.nan])
CONTINUOUS = {
    "gumbel_r": [(), (0.3, 2.0), (0.3, -1.0), (np.nan, 1.0)],
    "gumbel_l": [(), (0.3, 2.0), (0.3, 0.0)],
    "pareto": [(2.5,), (0.7, 0.2, 1.5), (-1.0,), (2.0, 0.0, -1.0)],
    "truncnorm": [(-1.0, 1.5), (-1.0, 1.5, 0.1, 2.0), (0.5, 2.5), (-3.0, -0.5),
                  (-np.inf, 0.5), (0.2, np.inf), (1.0, 0.5), (-np.inf, np.inf)],
    "vonmises": [(1.3,), (0.0,), (2.0, 0.4, 1.5), (-1.0,), (30.0,)],
    "wrapcauchy": [(0.4,), (0.7, 0.1, 1.2), (1.0,), (0.0,)],
    "gennorm": [(2.0,), (0.7, 0.1, 1.5), (1.0,), (-1.0,), (5.0,)],
    "logistic": [(), (0.3, 2.0), (0.3, -1.0)],
    "chi2": [(3.0,), (0.5, 0.1, 2.0), (-1.0,), (40.0,)],
}


def _same(got, ref, rtol=1e-13):
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=0)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    assert np.shape(got) == np.shape(ref) and type(got) is type(ref)


def _continuous_cases():
    for method, definition in TABLE.items():
        dist = getattr(getattr(method, "__self__", None), "name", None)
        for args in CONTINUOUS.get(dist, ()):
            yield pytest.param(method, definition, args, id=f"{dist}.{method.__name__}{args}")


@pytest.mark.parametrize("method, definition, args", list(_continuous_cases()))
def test_continuous_values(method, definition, args):
    points = Q if method.__name__ in ("ppf", "isf") else X
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(definition(points, *args), method(points, *args))
        _same(definition(points[3], *args), method(points[3], *args))  # a scalar


K = np.array([-np.inf, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 6.0, 40.0, np.inf, np.nan])
DISCRETE = [
    (st.bernoulli.logpmf, [(0.3,), (0.0,), (1.0,), (1.2,), (0.3, 1)]),
    (st.bernoulli.pmf, [(0.3,), (0.0,), (1.0,), (-0.2,), (0.3, 1)]),
    (st.bernoulli.cdf, [(0.3,), (0.0,), (1.0,), (1.2,), (0.3, 1), (0.3, 0.5)]),
    (st.betabinom.logpmf, [(5, 1.3, 2.2), (5.0, 0.4, 0.6), (5.5, 1.0, 1.0), (5, -1.0, 1.0),
                           (0, 2.0, 3.0), (5, 1.3, 2.2, 1)]),
    (st.betabinom.pmf, [(5, 1.3, 2.2), (5.5, 1.0, 1.0), (0, 2.0, 3.0), (5, 1.3, 2.2, 1)]),
    (st.geom.logpmf, [(0.3,), (1.0,), (0.0,), (0.3, 2)]),
    (st.geom.pmf, [(0.3,), (1.0,), (0.0,), (0.3, 2), (1e-3,)]),
    (st.nbinom.logpmf, [(2.5, 0.3), (1.0, 1.0), (0.0, 0.5), (3, 0.7, 1), (2.5, 1.2)]),
    (st.nbinom.pmf, [(2.5, 0.3), (1.0, 1.0), (0.0, 0.5), (3, 0.7, 1), (40.0, 0.9)]),
]


@pytest.mark.parametrize("method, cases", DISCRETE,
                         ids=[f"{m.__self__.name}.{m.__name__}" for m, _ in DISCRETE])
def test_discrete_values(method, cases):
    with np.errstate(all="ignore"):
        for args in cases:
            _same(TABLE[method](K, *args), method(K, *args))
            _same(TABLE[method](2, *args), method(2, *args))


def test_multinomial_values():
    p = np.array([0.2, 0.3, 0.5])
    cases = [([1, 2, 2], 5, p), ([1, 2, 1], 5, p), ([0, 0, 0], 0, p),
             ([[1, 2, 2], [0, 0, 5], [1.5, 1.5, 2]], 5, p),
             ([1, 2, 2], 5, [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]),
             ([1, 2, 2], -1, p), ([1, 2, 2], 5, [-0.2, 0.7, 0.5])]
    for x, n, q in cases:
        for method in (st.multinomial.logpmf, st.multinomial.pmf):
            got, ref = TABLE[method](x, n, q), method(x, n, q)
            np.testing.assert_allclose(got, ref, rtol=1e-13)
            assert np.shape(got) == np.shape(ref)
    with pytest.warns(FutureWarning):  # p not summing to 1: its last entry is adjusted
        got = TABLE[st.multinomial.logpmf]([1, 2, 2], 5, [0.2, 0.3, 0.6])
    with pytest.warns(FutureWarning):
        np.testing.assert_allclose(got, st.multinomial.logpmf([1, 2, 2], 5, [0.2, 0.3, 0.6]))


def test_sem_and_mode_values():
    w = RNG.normal(size=(3, 5))
    for kw in ({}, {"axis": 1}, {"axis": None}, {"ddof": 0}, {"axis": 1, "keepdims": True},
               {"axis": None, "keepdims": True}, {"axis": -1}):
        got, ref = disc.sem(w, **kw), st.sem(w, **kw)
        np.testing.assert_allclose(got, ref, rtol=1e-14)
        assert np.shape(got) == np.shape(ref) and type(got) is type(ref)
    ints = RNG.integers(0, 3, size=(4, 6)).astype(float)
    ints[0, :2] = np.nan  # nans count together
    for a, kw in ((ints, {}), (ints, {"axis": 1}), (ints, {"axis": None}),
                  (ints, {"axis": 1, "keepdims": True}), (ints, {"axis": None, "keepdims": True}),
                  (ints[1], {}), (w, {"axis": 1}), (ints[:, :, None], {"axis": 1}),
                  (np.float64(3.0), {}), (ints, {"axis": -2})):
        got, ref = disc.mode(a, **kw), st.mode(a, **kw)
        for g, r in zip(got, ref, strict=True):
            np.testing.assert_allclose(g, r)
            assert np.shape(g) == np.shape(r) and np.asarray(g).dtype == np.asarray(r).dtype
        assert type(got) is type(ref)


def test_registered_once_scipy_stats_is_imported():
    assert DEFINITIONS.get(st.gumbel_r.logpdf) is cont.gumbel_r_logpdf
    assert DEFINITIONS.get(st.multinomial.pmf) is disc.multinomial_pmf
    assert DEFINITIONS.get(st.mode) is disc.mode


# ----------------------------------------------------------------------- derivatives
WEIGHTS = np.array([1.0, -0.4, 0.7, 0.3])


def _weighted(*values):
    return sum(np.sum(WEIGHTS * v) for v in values)


def gumbel_all(x, q, loc, scale):
    return _weighted(*[m(x, loc, scale) for d in (st.gumbel_r, st.gumbel_l)
                       for m in (d.logpdf, d.pdf, d.cdf, d.logcdf, d.sf, d.logsf)],
                     st.gumbel_r.ppf(q, loc, scale), st.gumbel_l.ppf(q, loc, scale),
                     st.logistic.isf(q, loc, scale))


def test_gumbel_logistic_first_and_second_order():
    x = RNG.uniform(-2.0, 2.0, 4)
    q = RNG.uniform(0.1, 0.9, 4)
    loc = RNG.uniform(-0.3, 0.3, 4)
    check_grad(gumbel_all, x, q, loc, 1.7, wrt=(0, 1, 2, 3))
    np.testing.assert_allclose(srcad.hessian(gumbel_all)(x, q, loc, 1.7),
                               numerical_hessian(lambda t: gumbel_all(t, q, loc, 1.7), x),
                               rtol=1e-4, atol=1e-6)


def pareto_all(x, q, b, loc, scale):
    d = st.pareto
    return _weighted(*[m(x, b, loc, scale) for m in (d.logpdf, d.pdf, d.cdf, d.logcdf,
                                                     d.sf, d.logsf)], d.ppf(q, b, loc, scale))


def test_pareto_first_and_second_order():
    x = RNG.uniform(1.6, 4.0, 4)
    q = RNG.uniform(0.1, 0.9, 4)
    b = RNG.uniform(1.2, 2.5, 4)
    check_grad(pareto_all, x, q, b, 0.1, 1.3, wrt=(0, 1, 2, 3, 4))
    np.testing.assert_allclose(srcad.hessian(pareto_all, wrt=2)(x, q, b, 0.1, 1.3),
                               numerical_hessian(lambda t: pareto_all(x, q, t, 0.1, 1.3), b),
                               rtol=1e-4, atol=1e-6)


def truncnorm_all(x, loc, scale):
    d = st.truncnorm
    return _weighted(*[m(x, -1.0, 1.5, loc, scale) for m in (d.logpdf, d.pdf, d.cdf, d.logcdf,
                                                             d.sf, d.logsf)])


def test_truncnorm_first_and_second_order():
    # points across the cdf's switch to the sf (log cdf > -0.1) and across 0
    x = np.array([-0.9, -0.2, 0.4, 1.35])
    loc = np.array([0.05, -0.02, 0.01, 0.03])
    check_grad(truncnorm_all, x, loc, 1.1, wrt=(0, 1, 2))

    def logs(x):
        return _weighted(st.truncnorm.logcdf(x, -1.0, 1.5, loc, 1.1),
                         st.truncnorm.logsf(x, -1.0, 1.5, loc, 1.1))
    np.testing.assert_allclose(srcad.hessian(logs)(x), numerical_hessian(logs, x),
                               rtol=1e-4, atol=1e-6)


def test_truncnorm_tails_and_shape_parameters():
    def far(x, a, b):
        return np.sum(st.truncnorm.logpdf(x, a, b)) + np.sum(st.truncnorm.logcdf(x, a, b)) + \
            np.sum(st.truncnorm.logsf(x, a, b))
    for a, b, x in ((2.0, 4.0, 2.5), (-5.0, -3.0, -4.0), (-np.inf, 0.5, -0.4)):
        xs = np.array([x, x + 0.1])
        g = srcad.grad(far, wrt=0)(xs, a, b)
        np.testing.assert_allclose(g, numerical_grad(far, [xs, a, b], 0), rtol=1e-6)
    check_grad(far, np.array([0.2, 0.9]), -1.2, 1.4, wrt=(1, 2), forward=False)


def circular_all(x, kappa, c, loc, scale):
    return _weighted(st.vonmises.logpdf(x, kappa, loc, scale),
                     st.vonmises.pdf(x, kappa, loc, scale),
                     st.wrapcauchy.logpdf(x + 3.0, c, loc, scale),
                     st.wrapcauchy.pdf(x + 3.0, c, loc, scale))


def test_vonmises_wrapcauchy_first_and_second_order():
    x = RNG.uniform(-2.0, 2.0, 4)
    kappa = RNG.uniform(0.5, 3.0, 4)
    c = RNG.uniform(0.1, 0.9, 4)
    check_grad(circular_all, x, kappa, c, 0.2, 1.2, wrt=(0, 1, 2, 3, 4))
    np.testing.assert_allclose(srcad.hessian(circular_all, wrt=1)(x, kappa, c, 0.2, 1.2),
                               numerical_hessian(lambda t: circular_all(x, t, c, 0.2, 1.2), kappa),
                               rtol=1e-4, atol=1e-6)


def gennorm_all(x, beta, loc, scale):
    d = st.gennorm
    return _weighted(d.logpdf(x, beta, loc, scale), d.pdf(x, beta, loc, scale),
                     d.cdf(x, beta, loc, scale))


def test_gennorm_cdf_derivative_at_its_center():
    x = np.array([0.1, 0.5])  # z = 0 at the first point
    for beta in (0.7, 1.0, 2.5):
        g = srcad.grad(lambda x, b: np.sum(st.gennorm.cdf(x, b, 0.1, 1.5)))(x, beta)
        np.testing.assert_allclose(g, st.gennorm.pdf(x, beta, 0.1, 1.5), rtol=1e-12)


def chi2_all(x, df, loc, scale):
    d = st.chi2
    return _weighted(d.logcdf(x, df, loc, scale), d.sf(x, df, loc, scale),
                     d.logsf(x, df, loc, scale))


def test_gennorm_chi2_first_order_and_second_in_x():
    x = RNG.uniform(-2.0, 2.0, 4)
    check_grad(gennorm_all, x, RNG.uniform(1.2, 3.0, 4), 0.1, 1.4, wrt=(0, 1, 2, 3))
    y = np.array([0.4, 1.5, 3.0, 8.0])  # across the median, where the formulas change
    check_grad(chi2_all, y, RNG.uniform(1.2, 3.0, 4), -0.1, 1.2, wrt=(0, 1, 2, 3))
    np.testing.assert_allclose(srcad.hessian(gennorm_all)(x, 1.7, 0.1, 1.4),
                               numerical_hessian(lambda t: gennorm_all(t, 1.7, 0.1, 1.4), x),
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(srcad.hessian(chi2_all)(y, 2.5, -0.1, 1.2),
                               numerical_hessian(lambda t: chi2_all(t, 2.5, -0.1, 1.2), y),
                               rtol=1e-4, atol=1e-6)


def test_outside_support_derivatives_are_zero_not_nan():
    def outside(x, b, c, loc):
        return np.sum(st.pareto.pdf(x, b, loc) + st.pareto.cdf(x, b, loc) +
                      st.pareto.logsf(x, b, loc) + st.wrapcauchy.pdf(x, c, loc) +
                      st.truncnorm.cdf(x, 0.5, 1.0, loc) + st.chi2.sf(x, b, loc))
    x = np.array([-0.5, 0.2, 0.4])
    b = np.array([1.5, 2.0, 2.5])
    grads = srcad.grad(outside, wrt=(0, 1, 2, 3))(x, b, 0.5, 0.5)
    for g in grads:
        np.testing.assert_array_equal(g, np.zeros_like(g))


DISCRETE_POINT = np.array([0, 1, 3, 5, 2])


def discrete_all(p, a, n):
    k = DISCRETE_POINT
    bern = np.array([0, 1, 0, 1, 1])
    geom_k = np.array([1, 2, 3, 1, 4])
    values = [st.bernoulli.logpmf(bern, p), st.bernoulli.pmf(bern, p),
              st.bernoulli.cdf(bern, p), st.betabinom.logpmf(k, 5, a, a + 0.5),
              st.betabinom.pmf(k, 5, a, a + 0.5), st.geom.logpmf(geom_k, p),
              st.geom.pmf(geom_k, p), st.nbinom.logpmf(k, n, p), st.nbinom.pmf(k, n, p)]
    return sum(np.sum(np.array([1.0, -0.5, 0.3, 0.8, 0.2]) * v) for v in values)


def test_discrete_first_and_second_order():
    p = RNG.uniform(0.2, 0.8, 5)
    a = RNG.uniform(1.2, 3.0, 5)
    n = RNG.uniform(1.2, 3.0, 5)
    check_grad(discrete_all, p, a, n, wrt=(0, 1, 2))
    np.testing.assert_allclose(srcad.hessian(discrete_all)(p, a, n),
                               numerical_hessian(lambda t: discrete_all(t, a, n), p),
                               rtol=1e-4, atol=1e-6)


def test_discrete_derivatives_at_the_ends_of_p():
    def ends(p):  # a pmf of 1 (no clip in the derivative), xlog1py(0, -1) (no 0 * inf)
        return np.sum(st.bernoulli.pmf(np.array([0, 1]), p)) + st.bernoulli.logpmf(1, p[1]) + \
            st.geom.logpmf(1, p[1]) + st.nbinom.logpmf(0, 2.0, p[1])
    np.testing.assert_allclose(srcad.grad(ends)(np.array([0.0, 1.0])), [-1.0, 5.0])


def multinomial_all(u):
    p = u / np.sum(u)
    x = np.array([[1, 2, 0, 1, 1], [0, 3, 1, 0, 1]])
    return np.sum(st.multinomial.logpmf(x, 5, p) * np.array([1.0, 0.4])) + \
        0.7 * st.multinomial.pmf(x[0], 5, p)


def test_multinomial_derivatives():
    u = RNG.uniform(0.2, 0.9, 5)
    check_grad(multinomial_all, u)
    np.testing.assert_allclose(srcad.hessian(multinomial_all)(u),
                               numerical_hessian(multinomial_all, u), rtol=1e-4, atol=1e-6)
    # the derivative in p itself is that of the formula: x / p
    p = np.array([0.1, 0.2, 0.3, 0.4])
    g = srcad.grad(lambda p: st.multinomial.logpmf([1, 0, 2, 1], 4, p))(p)
    np.testing.assert_allclose(g, np.array([1, 0, 2, 1]) / p)


def test_sem_and_mode_derivatives():
    w = RNG.normal(size=(3, 5))

    def sem_mode(w):
        m = st.mode(w, axis=1)
        return np.sum(st.sem(w, axis=1) * np.array([1.0, -0.5, 0.3])) + \
            st.sem(w, axis=None, ddof=0) + np.sum(m.mode * np.array([0.2, 0.6, -1.0]))
    check_grad(sem_mode, w)
    np.testing.assert_allclose(srcad.hessian(sem_mode)(w), numerical_hessian(sem_mode, w),
                               rtol=1e-4, atol=1e-6)
    # the mode's derivative goes to the (smallest of the) most frequent entries
    a = np.array([3.0, 1.0, 3.0, 2.0, 1.0])
    g = srcad.grad(lambda a: st.mode(a).mode)(a)
    np.testing.assert_array_equal(g[[0, 2, 3]], 0.0)
    assert g[1] + g[4] == 1.0 and g[1] * g[4] == 0.0


def test_refused_options():
    with pytest.raises(srcad.SrcadError, match="nan_policy"):
        srcad.grad(lambda w: st.sem(w, nan_policy="omit"))(np.ones(3))
    with pytest.raises(srcad.SrcadError, match="nan_policy"):
        srcad.grad(lambda w: st.mode(w, nan_policy="omit").mode)(np.ones(3))
