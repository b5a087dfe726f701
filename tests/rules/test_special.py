"""End-to-end gradients through scipy.special (srcad.grad against finite differences),
and the accuracy of the incomplete-gamma derivative in its shape parameter.

The registry sweep checks every rule's templates; these tests go through srcad.grad.
"""

import numpy as np
import pytest

sp = pytest.importorskip("scipy.special")

from gradcheck import check_grad, numerical_hessian, numerical_jvp  # noqa: E402

import srcad  # noqa: E402
from srcad.rules import registry  # noqa: E402

RNG = np.random.default_rng(2718)
W3 = RNG.standard_normal(3)
W23 = RNG.standard_normal((2, 3))


def rand(*shape, low=-1.5, high=1.5):
    return RNG.uniform(low, high, size=shape)


# ============================================================================ unary functions


def f_gammaln(x):
    return np.sum(sp.gammaln(x) * W3)


def f_digamma(x):
    return np.sum(sp.digamma(x) * W3)


def f_psi(x):
    return np.sum(sp.psi(x * 2.0))


def f_gamma(x):
    return np.sum(sp.gamma(x) * W3)


def f_rgamma(x):
    return np.sum(sp.rgamma(x) * W3)


def f_erf(x):
    return np.sum(sp.erf(x) * W3)


def f_erfc(x):
    return np.sum(sp.erfc(x) ** 2)


def f_erfcx(x):
    return np.sum(sp.erfcx(x) * W3)


def f_erfinv(x):
    return np.sum(sp.erfinv(x) * W3)


def f_erfcinv(x):
    return np.sum(sp.erfcinv(x) * W3)


def f_ndtr(x):
    return np.sum(sp.ndtr(x) * W3)


def f_log_ndtr(x):
    return np.sum(sp.log_ndtr(x) * W3)


def f_ndtri(x):
    return np.sum(sp.ndtri(x) * W3)


def f_expit(x):
    return np.sum(sp.expit(x) * W3)


def f_logit(x):
    return np.sum(sp.logit(x) * W3)


def f_log_expit(x):
    return np.sum(sp.log_expit(x) * W3)


def f_entr(x):
    return np.sum(sp.entr(x) * W3)


def f_i0(x):
    return np.sum(sp.i0(x) * W3)


def f_i1(x):
    return np.sum(sp.i1(x) * W3)


def f_i0e(x):
    return np.sum(sp.i0e(x) * W3)


def f_i1e(x):
    return np.sum(sp.i1e(x) * W3)


def f_j0(x):
    return np.sum(sp.j0(x) * W3)


def f_j1(x):
    return np.sum(sp.j1(x) * W3)


def f_y0(x):
    return np.sum(sp.y0(x) * W3)


def f_y1(x):
    return np.sum(sp.y1(x) * W3)


def f_k0(x):
    return np.sum(sp.k0(x) * W3)


def f_k1(x):
    return np.sum(sp.k1(x) * W3)


UNARY = [
    (f_gammaln, 0.2, 5.0), (f_digamma, 0.2, 5.0), (f_psi, 0.2, 3.0), (f_gamma, 0.2, 4.0),
    (f_rgamma, -2.9, 4.0), (f_erf, -2.0, 2.0), (f_erfc, -2.0, 2.0), (f_erfcx, -2.0, 3.0),
    (f_erfinv, -0.9, 0.9), (f_erfcinv, 0.1, 1.9), (f_ndtr, -3.0, 3.0),
    (f_log_ndtr, -20.0, 4.0), (f_ndtri, 0.05, 0.95), (f_expit, -4.0, 4.0),
    (f_logit, 0.05, 0.95), (f_log_expit, -5.0, 5.0), (f_entr, 0.1, 3.0),
    (f_i0, -3.0, 3.0), (f_i1, -3.0, 3.0), (f_i0e, 0.2, 3.0), (f_i1e, 0.2, 3.0),
    (f_j0, -6.0, 6.0), (f_j1, -6.0, 6.0), (f_y0, 0.5, 6.0), (f_y1, 0.5, 6.0),
    (f_k0, 0.3, 4.0), (f_k1, 0.3, 4.0),
]


@pytest.mark.parametrize("f, low, high", UNARY, ids=[u[0].__name__ for u in UNARY])
def test_unary(f, low, high):
    check_grad(f, rand(3, low=low, high=high))


def scalar_chain(x):
    return sp.gammaln(x) * sp.expit(x) + sp.erf(x / 3.0)


def test_scalar_argument():
    check_grad(scalar_chain, 1.3)


def test_rgamma_at_its_zeros():
    """1/gamma is entire: its derivative at x = 0, -1, -2 is (-1)**n n!, not NaN."""
    g = srcad.grad(f_rgamma)(np.array([0.0, -1.0, -2.0]))
    np.testing.assert_allclose(g, W3 * np.array([1.0, -1.0, 2.0]))


# ============================================================================ several arguments


def f_polygamma(x):
    return np.sum(sp.polygamma(2, x) * W3) + sp.polygamma(0, x[0])


def f_polygamma_orders(x):
    return np.sum(sp.polygamma(np.array([0, 1, 3]), x) * W3)


def f_multigammaln(a):
    return sp.multigammaln(a, 3) * 2.0


def f_beta(a, b):
    return np.sum(sp.beta(a, b) * W3)


def f_betaln(a, b):
    return np.sum(sp.betaln(a, b) * W23)


def f_gammainc(a, x):
    return np.sum(sp.gammainc(a, x) * W3)


def f_gammaincc(a, x):
    return np.sum(np.log(sp.gammaincc(a, x)) * W3)


def f_xlogy(x, y):
    return np.sum(sp.xlogy(x, y) * W23)


def f_xlog1py(x, y):
    return np.sum(sp.xlog1py(x, y) * W23)


def f_rel_entr(x, y):
    return np.sum(sp.rel_entr(x, y))


def f_kl_div(x, y):
    return np.sum(sp.kl_div(x, y) * W3)


def f_yn(x):
    return np.sum(sp.yn(2, x) * W3) + np.sum(sp.yn(np.array([0, 1, 3]), x))


def f_kn(x):
    return np.sum(sp.kn(1, x) * W3) + np.sum(sp.kn(np.array([0, 2, 3]), x))


def test_polygamma_family():
    check_grad(f_polygamma, rand(3, low=0.3, high=4.0))
    check_grad(f_polygamma_orders, rand(3, low=0.3, high=4.0))
    check_grad(f_multigammaln, 2.7)


def test_beta():
    check_grad(f_beta, rand(3, low=0.3, high=3.0), rand(3, low=0.3, high=3.0), wrt=(0, 1))
    check_grad(f_betaln, rand(2, 3, low=0.3, high=3.0), rand(3, low=0.3, high=3.0),
               wrt=(0, 1))
    check_grad(f_betaln, rand(3, low=0.3, high=3.0), 1.7, wrt=(0, 1))


def test_incomplete_gamma():
    a = np.array([0.4, 2.0, 6.0])
    x = np.array([0.3, 7.0, 2.5])  # both branches of the derivative in a
    check_grad(f_gammainc, a, x, wrt=(0, 1))
    check_grad(f_gammaincc, a, x, wrt=(0, 1))
    check_grad(f_gammainc, np.array([1.5, 30.0, 200.0]), np.array([12.0, 45.0, 230.0]),
               wrt=(0, 1))


def f_betainc(a, b, x):
    return np.sum(sp.betainc(a, b, x) * W3)


def f_betaincc_log(a, b, x):
    return np.sum(np.log(sp.betaincc(a, b, x)))


def test_incomplete_beta():
    a = np.array([0.4, 2.0, 12.0])
    b = np.array([1.5, 0.7, 9.0])
    x = np.array([0.2, 0.9, 0.6])  # both sides of the switch to 1 - I(b, a, 1 - x)
    check_grad(f_betainc, a, b, x, wrt=(0, 1, 2))
    check_grad(f_betaincc_log, a, b, x, wrt=(0, 1, 2))
    check_grad(f_betainc, 2.5, b, 0.3, wrt=(0, 1, 2))


def test_betainc_derivatives_match_mpmath():
    mp = pytest.importorskip("mpmath")
    dab = registry.lookup(sp.betainc).adjoint.globals["betainc_dab"]
    mp.mp.dps = 80
    for a, b, x in [(0.05, 0.7, 0.3), (0.5, 3.0, 0.05), (2.5, 0.7, 0.95), (1.0, 1.0, 0.5),
                    (10.0, 25.0, 0.3), (2.5, 200.0, 0.5), (80.0, 25.0, 0.9999),
                    (30.0, 30.0, 0.505)]:
        def reg(s, t, x=x):
            return mp.betainc(s, t, 0, x, regularized=True)
        ra = float(mp.diff(lambda s: reg(s, b), a))
        rb = float(mp.diff(lambda t: reg(a, t), b))
        da, db = dab(a, b, x)
        np.testing.assert_allclose([da, db], [ra, rb], rtol=1e-10, err_msg=f"{(a, b, x)}")


def test_xlogy_family():
    x = rand(2, 3)
    x[0, 1] = 0.0
    y = rand(2, 3, low=0.3, high=3.0)
    check_grad(f_xlogy, x, y, wrt=(0, 1))
    check_grad(f_xlog1py, x, rand(3, low=-0.5, high=2.0), wrt=(0, 1))
    check_grad(f_rel_entr, rand(3, low=0.2, high=2.0), rand(3, low=0.2, high=2.0), wrt=(0, 1))
    check_grad(f_kl_div, rand(3, low=0.2, high=2.0), rand(3, low=0.2, high=2.0), wrt=(0, 1))


def test_xlogy_at_x_zero():
    """xlogy(0, y) is 0 for every y: its derivative in y is 0 there, even at y = 0."""
    x = np.zeros((2, 3))
    y = np.zeros((2, 3))
    dy = srcad.grad(f_xlogy, wrt=1)(x, y)
    np.testing.assert_array_equal(dy, np.zeros((2, 3)))


def test_integer_order_bessel():
    check_grad(f_yn, rand(3, low=0.5, high=5.0))
    check_grad(f_kn, rand(3, low=0.5, high=5.0))


# ============================================================================ logsumexp, softmax


def lse_all(x):
    return sp.logsumexp(x)


def lse_axis(x):
    return np.sum(sp.logsumexp(x, axis=1) * np.array([1.0, -2.0]))


def lse_keepdims(x):
    return np.sum(sp.logsumexp(x, axis=0, keepdims=True) * W3)


def lse_weights(x, b):
    return np.sum(sp.logsumexp(x, axis=-1, b=b) * np.array([0.5, 2.0]))


def lse_signed(x, b):
    value, sign = sp.logsumexp(x, axis=1, b=b, return_sign=True)
    return np.sum(value * sign)


def softmax_axis(x):
    return np.sum(sp.softmax(x, axis=1) * W23)


def softmax_all(x):
    return np.sum(sp.softmax(x) * W23)


def log_softmax_axis(x):
    return np.sum(sp.log_softmax(x, axis=0) * W23)


def lse_tuple_axis(x):
    return np.sum(sp.logsumexp(x, axis=(0, 2)) * W3)


def test_logsumexp():
    x = rand(2, 3)
    check_grad(lse_all, x)
    check_grad(lse_all, rand(4))
    check_grad(lse_axis, x)
    check_grad(lse_keepdims, x)
    check_grad(lse_tuple_axis, rand(2, 3, 4))
    check_grad(lse_weights, x, rand(2, 3, low=0.3, high=2.0), wrt=(0, 1))
    check_grad(lse_weights, x, rand(3, low=0.3, high=2.0), wrt=(0, 1))
    b = rand(2, 3, low=0.3, high=2.0)
    b[:, 1] = -2.5 * b[:, 1]
    check_grad(lse_signed, x, b, wrt=(0, 1))


def test_logsumexp_large_values():
    """No overflow: the adjoint is exp(x - logsumexp), the softmax."""
    x = np.array([1000.0, 1001.0, 999.0])
    g = srcad.grad(lse_all)(x)
    np.testing.assert_allclose(g, sp.softmax(x))


def test_softmax():
    x = rand(2, 3)
    check_grad(softmax_axis, x)
    check_grad(softmax_all, x)
    check_grad(log_softmax_axis, x)


# ============================================================================ accuracy


def test_gammainc_derivative_in_a_matches_mpmath():
    """d/da of P(a, x) and Q(a, x), to about 1e-12 relative, including far tails where
    P or Q is tiny (finite differences of SciPy's values cannot check those)."""
    mp = pytest.importorskip("mpmath")
    rule = registry.lookup(sp.gammainc)
    da_p = rule.adjoint.globals["gammainc_da"]
    da_q = registry.lookup(sp.gammaincc).adjoint.globals["gammaincc_da"]
    mp.mp.dps = 60
    points = [(0.05, 0.01), (0.5, 0.7), (1.0, 1.0), (2.5, 2.9), (2.5, 3.1), (3.0, 20.0),
              (10.0, 2.0), (10.0, 19.4), (10.0, 19.6), (40.0, 60.0), (0.3, 40.0),
              (150.0, 120.0), (150.0, 200.0)]
    for a, x in points:
        p = float(mp.diff(lambda s, x=x: mp.gammainc(s, 0, x, regularized=True), a))
        q = float(mp.diff(lambda s, x=x: mp.gammainc(s, x, mp.inf, regularized=True), a))
        np.testing.assert_allclose(da_p(a, x), p, rtol=1e-11, err_msg=f"P at {(a, x)}")
        np.testing.assert_allclose(da_q(a, x), q, rtol=1e-11, err_msg=f"Q at {(a, x)}")


def test_gammainc_derivative_edges():
    da = registry.lookup(sp.gammainc).adjoint.globals["gammainc_da"]
    assert da(1.5, 0.0) == 0.0
    assert da(1.5, np.inf) == 0.0
    assert np.isnan(da(-1.0, 2.0))
    out = da(np.array([0.5, 5.0]), np.array([[1.0], [50.0]]))
    assert out.shape == (2, 2) and np.all(np.isfinite(out))


# ============================================================================ real-order Bessel


def bessel_real_order(x):
    return np.sum(sp.jv(1.5, x) * np.array([1.0, -2.0]))


def bessel_all_real_order(x, v):
    return np.sum(sp.jv(v, x) + sp.yv(v, x) + sp.iv(v, x) + sp.ive(v, x) + sp.kv(v, x) +
                  sp.kve(v, x))


def bessel_in_order(v, x):
    return np.sum(sp.jv(v, x))


def test_real_order_bessel_in_x():
    """jv (= jn), yv, iv, ive, kv, kve are smooth in their real order too; srcad
    differentiates them in x only, the order held constant, and checks that (first and
    second order)."""
    x = rand(3, low=0.5, high=5.0)
    check_grad(bessel_real_order, rand(2, low=0.5, high=5.0))
    v = np.array([0.3, 1.5, 2.0])
    check_grad(bessel_all_real_order, x, v)
    np.testing.assert_allclose(srcad.hessian(bessel_all_real_order)(x, v),
                               numerical_hessian(lambda x: bessel_all_real_order(x, v), x),
                               rtol=1e-4, atol=1e-5)


def test_real_order_bessel_order_is_refused():
    """The derivative in the order is not implemented: differentiating v is refused (in
    both modes), never silently held constant."""
    v, x = np.array([1.5, 2.5]), np.array([1.0, 2.0])
    with pytest.raises(srcad.RuleError, match="'v'"):
        srcad.grad(bessel_in_order)(v, x)
    with pytest.raises(srcad.RuleError, match="'v'"):
        srcad.jvp(bessel_in_order, (v, x), (np.ones(2), np.ones(2)))


# ============================================================================ forward mode


def _check_jvp(f, primals, tangents):
    y, dy = srcad.jvp(f, primals, tangents)
    np.testing.assert_allclose(dy, numerical_jvp(f, primals, tangents), rtol=1e-5, atol=1e-7)


@pytest.mark.skipif(not hasattr(srcad, "jvp"), reason="no forward mode")
def test_forward_mode():
    x = rand(2, 3)
    b = rand(2, 3, low=0.3, high=2.0)
    b[:, 1] = -2.5 * b[:, 1]
    _check_jvp(lse_signed, [x, b], [rand(2, 3), rand(2, 3)])
    _check_jvp(lse_keepdims, [x], [rand(2, 3)])
    _check_jvp(softmax_axis, [x], [rand(2, 3)])
    _check_jvp(f_gammainc, [np.array([0.4, 2.0, 6.0]), np.array([0.3, 7.0, 2.5])],
               [rand(3), rand(3)])
    _check_jvp(f_polygamma_orders, [rand(3, low=0.3, high=4.0)], [rand(3)])
    _check_jvp(f_xlogy, [rand(2, 3), rand(2, 3, low=0.3, high=3.0)], [rand(2, 3), rand(2, 3)])


# ============================================================================ second order


def smooth_mix(x):
    return np.sum(sp.gammaln(x) * sp.expit(x) + sp.erf(x) + sp.softmax(x) * W3
                  + sp.gammainc(2.5, x))


@pytest.mark.skipif(not hasattr(srcad, "hessian"), reason="no Hessians")
def test_hessian():
    x = rand(3, low=0.5, high=2.5)
    h = srcad.hessian(smooth_mix)(x)
    np.testing.assert_allclose(h, numerical_hessian(smooth_mix, x, eps=1e-5),
                               rtol=1e-5, atol=1e-6)
