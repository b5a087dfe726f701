"""scipy.stats rules: chi2 (pdf, logpdf, cdf), dirichlet (pdf, logpdf) and
multivariate_normal.entropy, against finite differences (first and second order)."""

import numpy as np
import pytest

st = pytest.importorskip("scipy.stats")

from gradcheck import check_grad, numerical_hessian  # noqa: E402

import srcad  # noqa: E402

RNG = np.random.default_rng(4242)
W = np.array([1.0, -0.5, 2.0, 0.7])


def chi2_all(x, df, loc, scale):
    return sum(np.sum(W * f(x, df, loc, scale))
               for f in (st.chi2.pdf, st.chi2.logpdf, st.chi2.cdf))


def test_chi2():
    x = RNG.uniform(0.5, 3.0, 4)
    df = RNG.uniform(1.5, 5.0, 4)
    check_grad(chi2_all, x, df, 0.1, 1.3, wrt=(0, 1, 2, 3))
    check_grad(chi2_all, x, 3, 0.0, 1.0, wrt=(0,))


def test_chi2_second_order_in_x():
    def of_x(x):
        return np.sum(W * st.chi2.pdf(x, 3)) + np.sum(W * st.chi2.logpdf(x, 2.5, 0.1, 1.2)) + \
            np.sum(W * st.chi2.cdf(x, 4))
    x = RNG.uniform(0.5, 3.0, 4)
    np.testing.assert_allclose(srcad.hessian(of_x)(x), numerical_hessian(of_x, x),
                               rtol=1e-4, atol=1e-5)


ALPHA = np.array([1.3, 2.2, 0.8, 3.1])


def dirichlet_normalized(x, alpha):
    z = x / np.sum(x, axis=0)
    return np.sum(st.dirichlet.logpdf(z, alpha) * np.array([1.0, -0.4])) + \
        np.sum(st.dirichlet.pdf(z, alpha) * np.array([0.3, 0.5]))


def dirichlet_one(x, alpha):
    z = x / np.sum(x)
    return st.dirichlet.logpdf(z, alpha) + 0.2 * st.dirichlet.pdf(z, alpha)


def dirichlet_short(x, alpha):  # k - 1 components
    return np.sum(st.dirichlet.logpdf(x, alpha)) + 0.3 * np.sum(st.dirichlet.pdf(x, alpha))


def test_dirichlet_full_components():
    """x with all k components (kept on the simplex by normalizing, as SciPy requires)."""
    x = RNG.uniform(0.2, 1.0, (4, 2))
    check_grad(dirichlet_normalized, x, ALPHA, wrt=(0, 1))
    check_grad(dirichlet_one, RNG.uniform(0.2, 1.0, 4), ALPHA, wrt=(0, 1))


def test_dirichlet_ambient_gradient():
    """The derivative in a full x is that of the formula: (alpha - 1) / x."""
    x = np.array([0.1, 0.2, 0.3, 0.4])
    g = srcad.grad(lambda x, a: st.dirichlet.logpdf(x, a))(x, ALPHA)
    np.testing.assert_allclose(g, (ALPHA - 1.0) / x)


def test_dirichlet_short_components_and_second_order():
    x = RNG.uniform(0.1, 0.3, (3, 2))
    check_grad(dirichlet_short, x, ALPHA, wrt=(0, 1))
    np.testing.assert_allclose(
        srcad.hessian(dirichlet_short, wrt=1)(x, ALPHA),
        numerical_hessian(lambda a: dirichlet_short(x, a), ALPHA), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        srcad.hessian(dirichlet_short)(x[:, 0], ALPHA),
        numerical_hessian(lambda x: dirichlet_short(x, ALPHA), x[:, 0]), rtol=1e-4, atol=1e-4)


COV = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.1], [-0.2, 0.1, 1.0]])


def entropy_sym(mean, cov):
    return st.multivariate_normal.entropy(mean, 0.5 * (cov + cov.T))


def test_mvn_entropy():
    mean = RNG.normal(size=3)
    check_grad(entropy_sym, mean, COV, wrt=(0, 1))
    g = srcad.grad(entropy_sym, wrt=1)(mean, COV)
    np.testing.assert_allclose(g, 0.5 * np.linalg.inv(COV))
    assert np.all(srcad.grad(entropy_sym, wrt=0)(mean, COV) == 0.0)
    np.testing.assert_allclose(srcad.hessian(entropy_sym, wrt=1)(mean, COV).reshape(9, 9),
                               numerical_hessian(lambda c: entropy_sym(mean, c), COV
                                                 ).reshape(9, 9), rtol=1e-4, atol=1e-5)


def test_mvn_entropy_diagonal_and_scalar():
    def of_diag(d):
        return st.multivariate_normal.entropy(np.zeros(3), d)
    d = np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(srcad.grad(of_diag)(d), 0.5 / d)
    np.testing.assert_allclose(srcad.grad(lambda s: st.multivariate_normal.entropy(None, s))(1.7),
                               0.5 / 1.7)
