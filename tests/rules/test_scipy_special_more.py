"""scipy.special functions of srcad/rules/scipy_special_more.py, end to end: values of the
definitions against SciPy, gradients (reverse and forward) and Hessian-vector products
against finite differences, the points where a derivative is a limit (spence at 1,
boxcox at lmbda = 0, Si at 0), and the refusals of parameters without a closed-form
derivative.

The registry sweeps (test_registry_sweep, test_second_order_sweep, test_complex_sweep)
check each rule's templates on its examples; these tests go through the public names.
"""

import numpy as np
import pytest

sp = pytest.importorskip("scipy.special")

from gradcheck import check_grad, numerical_grad, numerical_hessian  # noqa: E402

import srcad  # noqa: E402
from srcad.runtime import special_more as rt  # noqa: E402

RNG = np.random.default_rng(1234)
W = RNG.uniform(0.5, 1.5, size=8)


def check_hvp(f, x, rtol=1e-5, atol=1e-7):
    """srcad.hvp along two directions against differences of srcad.grad."""
    hessian = np.reshape(numerical_hessian(f, x), (np.size(x), np.size(x)))
    for seed in (1, 2):
        v = np.random.default_rng(seed).standard_normal(np.shape(x))
        got = np.reshape(srcad.hvp(f)(x, v), -1)
        np.testing.assert_allclose(got, hessian @ np.reshape(v, -1), rtol=rtol, atol=atol)


# ============================================================================ values


def test_definitions_compute_what_scipy_computes():
    x = np.array([-1.5, -0.2, 0.0, 0.7, 2.5])
    for got, want in zip(rt.fresnel(x), sp.fresnel(x)):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(rt.sici(x), sp.sici(x)):
        np.testing.assert_array_equal(got, want)
    n = np.array([-2.0, 0.0, 1.0, 3.5, 4.0, 6.0])
    k = np.array([1.0, 0.0, 2.0, 2.0, 5.0, -1.0])
    np.testing.assert_array_equal(rt.comb(n, k), sp.comb(n, k))
    np.testing.assert_array_equal(rt.comb(n, k, repetition=True),
                                  sp.comb(n, k, repetition=True))
    assert rt.comb(7, 3, exact=True) == sp.comb(7, 3, exact=True) == 35
    assert rt.comb(5.5, 2.0) == sp.comb(5.5, 2.0) and rt.comb(1.0, 3.0) == 0.0
    assert isinstance(rt.comb(5.5, 2.0), np.float64)
    m = np.array([-1.0, -0.5, 0.0, 2.5, 4.0, np.nan])
    np.testing.assert_array_equal(rt.factorial(m), sp.factorial(m))
    np.testing.assert_array_equal(rt.factorial(m, extend="complex"),
                                  sp.factorial(m, extend="complex"))
    assert rt.factorial(5, exact=True) == 120 and rt.factorial(2.5) == sp.factorial(2.5)
    np.testing.assert_array_equal(rt.zeta(x + 3.0, 1.5), sp.zeta(x + 3.0, 1.5))
    np.testing.assert_array_equal(rt.zeta(x + 3.0), sp.zeta(x + 3.0))
    np.testing.assert_array_equal(rt.hyp1f1(0.5, 1.5, x), sp.hyp1f1(0.5, 1.5, x))
    np.testing.assert_array_equal(rt.hyp2f1(0.5, 1.5, 2.5, x / 3), sp.hyp2f1(0.5, 1.5, 2.5, x / 3))
    theta, phi = np.array([0.3, 1.2, 2.5]), np.array([-1.0, 0.4, 2.0])
    np.testing.assert_array_equal(rt.sph_harm_y(3, -2, theta, phi),
                                  sp.sph_harm_y(3, -2, theta, phi))


def test_values_through_srcad():
    def f(x):
        return (sp.fresnel(x)[1] + sp.sici(x + 2.0)[0] + sp.comb(x + 4.0, 2.0) +
                sp.factorial(x + 1.0) + sp.zeta(3.0, x + 1.5) + sp.hyp1f1(0.5, 1.5, x))

    x = np.array([0.1, 0.6])
    value, _ = srcad.jvp(f, (x,), (np.ones(2),))
    np.testing.assert_allclose(value, f(x), rtol=1e-15)


# ============================================================================ derivatives


def f_direct(x):
    """The functions with rules of their own, one entry of x each."""
    return (W[0] * sp.dawsn(x[0]) + W[1] * sp.exp1(x[1] + 1.5) + W[2] * sp.expi(x[2] - 2.0) +
            W[3] * sp.expn(2, x[3] + 1.2) + W[4] * sp.loggamma(x[4] + 1.5) +
            W[5] * sp.spence(x[5] + 1.7) + W[6] * sp.poch(x[6] + 1.2, x[0] + 0.5) +
            W[7] * sp.owens_t(x[1], x[2]) + sp.expn(0, x[4] + 2.0) +
            sp.boxcox(x[5] + 2.0, x[6]) + sp.boxcox1p(x[7] + 0.3, x[3]))


def f_definitions(x):
    """The functions srcad differentiates through a definition."""
    s, c = sp.fresnel(x[0:2])
    si, ci = sp.sici(x[2:4] + 1.5)
    return (np.sum(W[:2] * s + W[2:4] * c) + np.sum(W[4:6] * si + W[6:] * ci) +
            sp.comb(x[4] + 4.0, x[5] + 2.0) + sp.comb(x[6] + 3.0, 2, repetition=True) +
            sp.factorial(x[7] + 2.0) + sp.zeta(2.5, x[0] + 1.5) +
            sp.hyp1f1(0.5, 1.5, x[1]) + sp.hyp2f1(0.5, 1.5, 2.5, 0.3 * x[2]))


def f_complex_outputs(x):
    """wofz (complex for a real argument) and sph_harm_y (complex)."""
    w = sp.wofz(x[0:2])
    y = sp.sph_harm_y(np.array([2, 3, 4]), np.array([1, -2, 0]), x[2:5] + 1.2, x[5:8])
    return (np.sum(W[:2] * np.real(w) + W[2:4] * np.imag(w)) +
            np.sum(W[4:7] * np.real(y)) + np.sum(W[5:8] * np.imag(y)))


@pytest.mark.parametrize("f", [f_direct, f_definitions, f_complex_outputs])
def test_first_and_second_order(f):
    x = RNG.uniform(-0.8, 0.8, size=8)
    check_grad(f, x, rtol=1e-6)
    check_hvp(f, x)


def test_wofz_of_complex_argument():
    def f(z):
        w = sp.wofz(z)
        return np.sum(W[:3] * np.real(w) + W[3:6] * np.imag(w))

    z = np.array([0.3 + 0.4j, -1.1 + 0.2j, 0.7 - 0.5j])
    check_grad(f, z, rtol=1e-6)


@pytest.mark.parametrize("n, m", [(2, 2), (3, -3), (1, 0), (5, 3)])
def test_sph_harm_y_in_theta_and_phi(n, m):
    def f(theta, phi):
        y = sp.sph_harm_y(n, m, theta, phi)
        return np.real(y) + 0.7 * np.imag(y)

    check_grad(f, 0.9, 0.4, wrt=(0, 1), rtol=1e-6)


# ============================================================================ limits


def test_spence_at_one():
    # spence'(z) = log(z) / (1 - z) -> -1 and spence'' -> 1/2 at z = 1
    def f(z):
        return sp.spence(z)

    assert srcad.grad(f)(1.0) == pytest.approx(-1.0, rel=1e-14)
    assert srcad.hvp(f)(1.0, 1.0) == pytest.approx(0.5, rel=1e-12)
    z = np.array([0.999, 1.0 + 1e-9, 1.2, 3.0])
    np.testing.assert_allclose(rt.spence_derivative(z), np.log(z) / (1.0 - z), rtol=1e-6)


def test_boxcox_at_lambda_zero():
    # d/dl = log(x)**2 / 2 and d2/dl2 = log(x)**3 / 3 at l = 0
    def f(lmbda):
        return sp.boxcox(2.5, lmbda) + sp.boxcox1p(1.5, lmbda)

    logs = np.log(np.array([2.5, 2.5]))
    assert srcad.grad(f)(0.0) == pytest.approx(np.sum(logs ** 2) / 2, rel=1e-14)
    assert srcad.hvp(f)(0.0, 1.0) == pytest.approx(np.sum(logs ** 3) / 3, rel=1e-12)
    for lmbda in (-1e-4, 1e-3, 0.3, -1.2):
        assert srcad.grad(f)(lmbda) == pytest.approx(numerical_grad(f, (lmbda,), 0), rel=1e-7)


def test_sine_integral_at_zero():
    # (Ci is singular at 0: its unused adjoint must not turn Si's derivative into NaN)
    def f(x):
        return sp.sici(x)[0]

    assert srcad.grad(f)(0.0) == 1.0
    assert srcad.hvp(f)(0.0, 1.0) == 0.0
    assert srcad.jvp(f, (0.0,), (1.0,))[1] == 1.0
    x = np.array([-0.4, 1e-3, 0.49, 0.51, 3.0])
    np.testing.assert_allclose(rt.sine_integral_derivative(x), np.sin(x) / x, rtol=1e-15)


def test_comb_and_factorial_outside_their_support():
    def f(x):
        return sp.comb(x[0], x[1]) + sp.factorial(x[2])

    # k > N and n < 0: the values are 0 (held there), no NaN
    np.testing.assert_array_equal(srcad.grad(f)(np.array([2.0, 3.0, -1.5])), 0.0)


def test_expn_of_order_zero_and_float_order():
    def f(x):
        return sp.expn(0, x) + sp.expn(3.0, x)

    check_grad(f, 1.3)
    check_hvp(f, 1.3)


# ============================================================================ refusals


@pytest.mark.parametrize("call, which", [
    (lambda a, x: sp.hyp1f1(a, 1.5, x), "in a or b"),
    (lambda a, x: sp.hyp1f1(0.5, a, x), "in a or b"),
    (lambda a, x: sp.hyp2f1(0.5, 1.5, a, x), "in a, b or c"),
    (lambda a, x: sp.hyp2f1(a, 1.5, 2.5, x), "in a, b or c"),
    (lambda a, x: sp.zeta(a + 2.0, x + 1.0), "in x"),
    (lambda a, x: sp.zeta(a + 2.0) * x, "in x"),
])
def test_parameters_without_closed_form_are_refused(call, which):
    def f(a, x):
        return np.sum(call(a, x))

    a, x = 0.7, np.array([0.2, 0.4])
    for run in (lambda: srcad.grad(f, wrt=0)(a, x),
                lambda: srcad.grad(f, wrt=(0, 1))(a, x),
                lambda: srcad.jvp(f, (a, x), (1.0, np.ones(2)))):
        with pytest.raises(srcad.SrcadError, match=f"no closed-form derivative {which}"):
            run()
    # the other argument is still differentiated
    check_grad(f, a, x, wrt=1)


def test_options_refused():
    def harmonic(theta):
        return np.real(sp.sph_harm_y(2, 1, theta, 0.3, diff_n=1)[0])

    with pytest.raises(srcad.SrcadError, match="diff_n"):
        srcad.grad(harmonic)(0.5)

    def factorial(x):
        return sp.factorial(x, extend="bogus")

    with pytest.raises(srcad.SrcadError, match="extend"):
        srcad.grad(factorial)(2.5)


def test_complex_loggamma_is_refused():
    def f(z):
        return np.real(sp.loggamma(z))

    with pytest.raises(srcad.SrcadError):
        srcad.grad(f)(np.array([1.5 + 0.5j]))
