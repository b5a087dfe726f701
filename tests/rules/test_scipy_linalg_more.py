"""scipy.linalg's factorizations, solvers and structured matrices end to end (the rules of
srcad/rules/scipy_linalg_more.py): gradients against central differences, forward mode
against reverse mode, and Hessians / Hessian-vector products against central
differences of srcad's own gradient, on realistic uses (a Gaussian-process marginal
likelihood through cho_factor / cho_solve, a whitening triangular solve, the transition
probabilities expm(Q t) of a continuous-time Markov chain), plus the cases the registry
sweeps cannot reach (lower=True in cho_solve, *args of block_diag, refusals)."""

import subprocess
import sys

import numpy as np
import pytest
import scipy
import scipy.linalg as sla
from gradcheck import check_grad, numerical_grad, numerical_hessian

import srcad

RNG = np.random.default_rng(20260)


def spd(n, shift=3.0):
    b = RNG.standard_normal((n, n))
    return b @ b.T / n + shift * np.eye(n)


def hermitian_pd(n, shift=3.0):
    b = RNG.standard_normal((n, n)) + 1j * RNG.standard_normal((n, n))
    return b @ b.conj().T / n + shift * np.eye(n)


def check_hvp(f, *args, wrt=0, rtol=1e-4, atol=1e-6):
    """srcad.hvp against central differences of srcad.grad along a random direction."""
    x = args[wrt]
    v = RNG.standard_normal(np.shape(x))
    if np.iscomplexobj(x):
        v = v + 1j * RNG.standard_normal(np.shape(x))
    grad = srcad.grad(f, wrt=wrt)
    h = 1e-5

    def moved(t):
        out = list(args)
        out[wrt] = x + t * v
        return grad(*out)

    expected = (moved(h) - moved(-h)) / (2 * h)
    got = srcad.hvp(f, wrt=wrt)(*args, v)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


# ============================================================================ Gaussian process

X_TRAIN = np.linspace(-1.0, 1.0, 6)
Y_TRAIN = np.sin(2.5 * X_TRAIN) + 0.1 * RNG.standard_normal(6)


def gp_negative_log_likelihood(theta, x, y):
    """-log p(y | x, theta) of a GP with a squared-exponential kernel; theta holds the
    logs of the length scale, the signal variance and the noise variance."""
    length, signal, noise = np.exp(theta[0]), np.exp(theta[1]), np.exp(theta[2])
    d = x[:, None] - x[None, :]
    k = signal * np.exp(-0.5 * d ** 2 / length ** 2) + noise * np.eye(len(x))
    c, low = sla.cho_factor(k)
    alpha = sla.cho_solve((c, low), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(c))) + 0.5 * len(x) * np.log(2 * np.pi)


def gp_lower(theta, x, y):
    length, signal, noise = np.exp(theta[0]), np.exp(theta[1]), np.exp(theta[2])
    d = x[:, None] - x[None, :]
    k = signal * np.exp(-0.5 * d ** 2 / length ** 2) + noise * np.eye(len(x))
    factor = sla.cho_factor(k, lower=True, check_finite=False)
    alpha = sla.cho_solve(factor, y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(factor[0])))


THETA = np.array([-0.4, 0.2, -1.5])


@pytest.mark.parametrize("loss", [gp_negative_log_likelihood, gp_lower])
def test_gp_marginal_likelihood(loss):
    check_grad(loss, THETA, X_TRAIN, Y_TRAIN)
    check_grad(loss, THETA, X_TRAIN, Y_TRAIN, wrt=1)
    check_grad(loss, THETA, X_TRAIN, Y_TRAIN, wrt=2)
    hessian = srcad.hessian(loss)(THETA, X_TRAIN, Y_TRAIN)
    expected = numerical_hessian(lambda t: loss(t, X_TRAIN, Y_TRAIN), THETA)
    np.testing.assert_allclose(hessian, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(hessian, hessian.T, atol=1e-8)
    check_hvp(loss, THETA, X_TRAIN, Y_TRAIN, wrt=2)


def gp_of_length_scale(length):
    d = X_TRAIN[:, None] - X_TRAIN[None, :]
    k = np.exp(-0.5 * d ** 2 / length ** 2) + 0.1 * np.eye(len(X_TRAIN))
    c, low = sla.cho_factor(k)
    return 0.5 * Y_TRAIN @ sla.cho_solve((c, low), Y_TRAIN) + np.sum(np.log(np.diag(c)))


def lu_of_shift(s):
    a = np.array([[0.2, 0.1, 3.0], [3.0, 0.3, 0.1], [0.1, 3.0, 0.4]]) + s * np.eye(3)
    return np.sum(sla.lu_solve(sla.lu_factor(a), np.ones(3)) ** 2) + \
        np.sum(sla.expm(0.3 * a) ** 2)


@pytest.mark.parametrize("f,x", [(gp_of_length_scale, 0.6), (lu_of_shift, 0.5)])
def test_grad_of_grad(f, x):
    """Reverse over reverse: the rules' helpers differentiated from their source."""
    grad = srcad.grad(f)
    h = 1e-5
    expected = (grad(x + h) - grad(x - h)) / (2 * h)
    assert abs(srcad.grad(grad)(x) - expected) < 1e-6 * max(1.0, abs(expected))


def test_gp_gradient_matches_the_closed_form():
    """dL/dK = 0.5 (K^-1 - alpha alpha^T) for L = 0.5 y^T K^-1 y + 0.5 log det K: the
    symmetric gradient, on the upper triangle cho_factor reads (doubled off it)."""
    k = spd(4)
    y = RNG.standard_normal(4)

    def nll(k, y):
        c, low = sla.cho_factor(k)
        return 0.5 * y @ sla.cho_solve((c, low), y) + np.sum(np.log(np.diag(c)))

    g = srcad.grad(nll)(k, y)
    alpha = np.linalg.solve(k, y)
    sym = 0.5 * (np.linalg.inv(k) - np.outer(alpha, alpha))
    np.testing.assert_allclose(g, np.triu(2 * sym, 1) + np.diag(np.diag(sym)), atol=1e-10)
    check_grad(nll, k, y)
    check_hvp(nll, k, y)


@pytest.mark.parametrize("lower", [False, True])
def test_cho_solve_factor_and_right_hand_side(lower):
    c = np.triu(spd(3)) if not lower else np.tril(spd(3))
    junk = RNG.standard_normal((3, 3))  # the other triangle is never read
    c = c + (np.tril(junk, -1) if not lower else np.triu(junk, 1))
    b = RNG.standard_normal((3, 2))
    w = RNG.standard_normal((3, 2))

    def f(c, b):
        return np.sum(sla.cho_solve((c, lower), b) * w) + \
            np.sum(sla.cho_solve((c, lower), b[:, 0]) ** 2)

    g = check_grad(f, c, b)
    other = np.tril(g, -1) if not lower else np.triu(g, 1)
    assert not np.any(other)
    check_grad(f, c, b, wrt=1)
    check_hvp(f, c, b)
    check_hvp(f, c, b, wrt=1)


def test_cho_factor_other_triangle_is_a_copy():
    """c's other triangle holds a's entries there: its derivative is the identity, and a
    loss reading only the factor sends nothing to them."""
    a = spd(3)
    w = RNG.standard_normal((3, 3))

    def everything(a):
        return np.sum(sla.cho_factor(a)[0] * w)

    def factor_only(a):
        return np.sum(np.triu(sla.cho_factor(a)[0]) * w)

    g = check_grad(everything, a)
    np.testing.assert_allclose(np.tril(g, -1), np.tril(w, -1))
    g = check_grad(factor_only, a)
    assert not np.any(np.tril(g, -1))
    check_hvp(factor_only, a)


# ============================================================================ cholesky


@pytest.mark.parametrize("lower", [False, True])
def test_cholesky(lower):
    a = spd(4)
    w = RNG.standard_normal((4, 4))

    def f(a):
        factor = sla.cholesky(a, lower=lower)
        return np.sum(factor * w) + np.sum(factor ** 3)

    g = check_grad(f, a)
    # the triangle LAPACK reads: the upper one by default
    assert not np.any(np.tril(g, -1) if not lower else np.triu(g, 1))
    np.testing.assert_allclose(sla.cholesky(a), np.linalg.cholesky(a, upper=True))
    check_hvp(f, a)


def test_cholesky_of_a_hermitian_matrix():
    a = hermitian_pd(3)
    w = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))

    def f(a):
        u = sla.cholesky(a)
        return np.sum(np.real(u * w)) + np.sum(np.abs(u) ** 2 * np.real(w))

    check_grad(f, a)
    check_hvp(f, a)


# ============================================================================ solve_triangular

MU = RNG.standard_normal(4)
SIGMA = spd(4)
X_OBS = RNG.standard_normal(4)


def gaussian_nll(mu, sigma, x):
    """The negative log density of N(mu, sigma) at x, whitened by a triangular solve."""
    low = sla.cholesky(sigma, lower=True)
    z = sla.solve_triangular(low, x - mu, lower=True)
    return 0.5 * z @ z + np.sum(np.log(np.diag(low)))


def test_whitening_triangular_solve():
    check_grad(gaussian_nll, MU, SIGMA, X_OBS)
    check_grad(gaussian_nll, MU, SIGMA, X_OBS, wrt=1)
    expected = np.linalg.solve(SIGMA, X_OBS - MU)  # d/dx of the quadratic form
    np.testing.assert_allclose(srcad.grad(gaussian_nll, wrt=2)(MU, SIGMA, X_OBS), expected)
    hessian = srcad.hessian(gaussian_nll)(MU, SIGMA, X_OBS)
    np.testing.assert_allclose(hessian, np.linalg.inv(SIGMA), atol=1e-10)
    check_hvp(gaussian_nll, MU, SIGMA, X_OBS, wrt=1)


@pytest.mark.parametrize("trans", [0, 1, 2, "T"])
@pytest.mark.parametrize("lower,unit", [(False, False), (True, False), (True, True)])
def test_solve_triangular_options(trans, lower, unit):
    a = RNG.standard_normal((3, 3)) + 3.0 * np.eye(3)
    b = RNG.standard_normal((3, 2))

    def f(a, b):
        x = sla.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit)
        return np.sum(np.sin(x))

    g = check_grad(f, a, b)
    read = np.tril(np.ones((3, 3)), -1 if unit else 0) if lower else \
        np.triu(np.ones((3, 3)), 1 if unit else 0)
    assert not np.any(g * (1 - read))
    check_grad(f, a, b, wrt=1)
    check_hvp(f, a, b)


def test_complex_triangular_solve():
    a = np.triu(RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))) + 3 * np.eye(3)
    b = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)
    for trans in (0, 1, 2):
        def f(a, b):
            return np.sum(np.abs(sla.solve_triangular(a, b, trans=trans)) ** 2)

        check_grad(f, a, b)
        check_grad(f, a, b, wrt=1)
        check_hvp(f, a, b)


# ============================================================================ expm

RATES = np.log(np.array([0.8, 0.3, 0.5, 0.2, 0.6, 0.4]))
COUNTS = np.array([[12.0, 3.0, 1.0], [2.0, 9.0, 4.0], [1.0, 2.0, 15.0]])


def ctmc_log_likelihood(log_rates, counts, t):
    """The log-likelihood of transition counts observed after time t for a continuous-time
    Markov chain whose generator has off-diagonal rates exp(log_rates)."""
    r = np.exp(log_rates)
    off = np.array([[0.0, r[0], r[1]], [r[2], 0.0, r[3]], [r[4], r[5], 0.0]])
    q = off - np.diag(np.sum(off, axis=1))
    p = sla.expm(q * t)
    return np.sum(counts * np.log(p))


def test_expm_of_a_generator_matrix():
    check_grad(ctmc_log_likelihood, RATES, COUNTS, 0.7)
    check_grad(ctmc_log_likelihood, RATES, COUNTS, 0.7, wrt=2)
    hessian = srcad.hessian(ctmc_log_likelihood)(RATES, COUNTS, 0.7)
    expected = numerical_hessian(lambda r: ctmc_log_likelihood(r, COUNTS, 0.7), RATES)
    np.testing.assert_allclose(hessian, expected, rtol=1e-4, atol=1e-6)


def expm_of(a):
    return sla.expm(a)


def test_expm_frechet_derivative_matches_scipy():
    a = 0.5 * RNG.standard_normal((3, 3))
    e = RNG.standard_normal((3, 3))
    _, tangent = srcad.jvp(expm_of, (a,), (e,))
    np.testing.assert_allclose(tangent, sla.expm_frechet(a, e, compute_expm=False),
                               atol=1e-12)


def test_complex_expm():
    a = 0.4 * (RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3)))
    w = RNG.standard_normal((3, 3))

    def f(a):
        return np.sum(np.abs(sla.expm(a)) ** 2 * w)

    check_grad(f, a)
    check_hvp(f, a)


# ============================================================================ solve, inv, det


@pytest.mark.parametrize("assume_a,lower", [
    (None, False), ("gen", False), ("pos", False), ("pos", True), ("sym", True),
    ("her", False), ("diagonal", False), ("tridiagonal", False), ("banded", False),
    ("upper triangular", False), ("lower triangular", False)])
def test_solve_assume_a(assume_a, lower):
    a = spd(4) + 0.2 * RNG.standard_normal((4, 4))  # the unread entries differ
    b = RNG.standard_normal((4, 2))

    def f(a, b):
        return np.sum(sla.solve(a, b, assume_a=assume_a, lower=lower) ** 2)

    check_grad(f, a, b)
    check_grad(f, a, b, wrt=1)
    check_hvp(f, a, b)


def test_solve_transposed_and_vector():
    a = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    b = RNG.standard_normal(3)

    def f(a, b):
        return np.sum(np.cos(sla.solve(a, b, transposed=True)))

    check_grad(f, a, b)
    check_grad(f, a, b, wrt=1)
    check_hvp(f, a, b)


def test_complex_solve():
    a = hermitian_pd(3) + 0.3 * (RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3)))
    b = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)
    for assume_a in (None, "sym", "her", "pos"):
        def f(a, b):
            return np.sum(np.abs(sla.solve(a, b, assume_a=assume_a)) ** 2)

        check_grad(f, a, b)
        check_grad(f, a, b, wrt=1)
    check_hvp(f, a, b)


@pytest.mark.parametrize("assume_a,lower", [(None, False), ("pos", True), ("sym", False),
                                            ("upper triangular", False)])
def test_inv(assume_a, lower):
    a = spd(3) + 0.2 * RNG.standard_normal((3, 3))
    w = RNG.standard_normal((3, 3))

    def f(a):
        return np.sum(sla.inv(a, assume_a=assume_a, lower=lower) * w) ** 2

    check_grad(f, a)
    check_hvp(f, a)


def test_inv_diagonal_is_refused():
    def f(a):
        return np.sum(sla.inv(a, assume_a="diagonal"))

    with pytest.raises(srcad.NoDerivativeError, match="diagonal"):
        srcad.grad(f)(spd(3))


def test_det():
    a = RNG.standard_normal((3, 3))

    def f(a):
        return sla.det(a) ** 2 + sla.det(a @ a.T + np.eye(3))

    check_grad(f, a)
    check_hvp(f, a)
    z = a + 1j * RNG.standard_normal((3, 3))
    check_grad(lambda z: np.abs(sla.det(z)) ** 2, z)


# ============================================================================ lu


@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_factor_and_solve(trans):
    # rows in an order that makes LAPACK interchange them
    a = np.array([[0.2, 2.5, -0.3], [-0.1, 0.3, 2.7], [3.0, -0.2, 0.4]]) + \
        0.1 * RNG.standard_normal((3, 3))
    b = RNG.standard_normal((3, 2))
    assert np.any(sla.lu_factor(a)[1] != np.arange(3))

    def f(a, b):
        lu, piv = sla.lu_factor(a)
        return np.sum(sla.lu_solve((lu, piv), b, trans=trans) ** 2)

    check_grad(f, a, b)
    check_grad(f, a, b, wrt=1)
    op = {0: a, 1: a.T, 2: a.T}[trans]
    x = np.linalg.solve(op, b)
    np.testing.assert_allclose(srcad.grad(f, wrt=1)(a, b), 2 * np.linalg.solve(op.T, x))
    check_hvp(f, a, b)


def test_lu_factor_output():
    a = np.array([[0.2, 2.5, -0.3], [-0.1, 0.3, 2.7], [3.0, -0.2, 0.4]])
    w = RNG.standard_normal((3, 3))

    def f(a):
        return np.sum(np.tanh(sla.lu_factor(a)[0]) * w)

    check_grad(f, a)
    check_hvp(f, a)


# ============================================================================ structured


def test_block_diag():
    a, v, s = RNG.standard_normal((2, 2)), RNG.standard_normal(3), 0.7
    w = RNG.standard_normal((4, 6))

    def f(a, v, s):
        return np.sum(sla.block_diag(a, v, s) * w) + np.sum(sla.block_diag(a, a) ** 3)

    for wrt in (0, 1, 2):
        check_grad(f, a, v, s, wrt=wrt)
    check_hvp(f, a, v, s)


def test_toeplitz_and_circulant():
    c, r = RNG.standard_normal(3), RNG.standard_normal(4)
    w = RNG.standard_normal((3, 4))

    def f(c, r):
        return np.sum(sla.toeplitz(c, r) * w) + np.sum(sla.toeplitz(c) ** 2) + \
            np.sum(np.sin(sla.circulant(r)))

    g = check_grad(f, c, r, wrt=1)
    np.testing.assert_allclose(g[0], numerical_grad(f, [c, r], 1)[0], atol=1e-8)
    check_grad(f, c, r)
    check_hvp(f, c, r)
    check_hvp(f, c, r, wrt=1)


def test_complex_toeplitz_without_r():
    """Without r the first row is conj(c): not holomorphic, still differentiable."""
    c = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)
    w = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))

    def f(c):
        return np.sum(np.real(sla.toeplitz(c) * w)) + np.sum(np.abs(sla.toeplitz(c)) ** 4)

    check_grad(f, c)
    check_hvp(f, c)


# ============================================================================ eigh


@pytest.mark.parametrize("lower", [True, False])
def test_eigh(lower):
    a = np.diag([1.0, 3.0, 6.0]) + 0.3 * RNG.standard_normal((3, 3))
    c = RNG.standard_normal(3)

    def f(a):
        w, v = sla.eigh(a, lower=lower)
        return np.sum(w ** 2) + np.sum((v * c) @ v.T * a)

    def g(a):
        return np.sum(np.exp(sla.eigvalsh(a, lower=lower))) + \
            np.sum(sla.eigh(a, lower=lower, eigvals_only=True) ** 3)

    check_grad(f, a)
    check_hvp(f, a)
    check_grad(g, a)
    check_hvp(g, a)


def test_complex_eigvalsh():
    a = hermitian_pd(3) + np.diag([0.0, 2.0, 5.0])

    def f(a):
        return np.sum(sla.eigvalsh(a) ** 3)

    check_grad(f, a)
    check_hvp(f, a)


def test_complex_eigh_is_refused():
    def f(a):
        return np.sum(sla.eigh(a)[0])

    with pytest.raises(srcad.SrcadError):
        srcad.grad(f)(hermitian_pd(3))


# ============================================================================ keywords, refusals


def test_check_finite_is_accepted_and_overwrite_is_refused():
    a, b = spd(3), RNG.standard_normal(3)

    def finite(a, b):
        return np.sum(sla.solve(a, b, check_finite=False) ** 2) + \
            np.sum(sla.eigvalsh(a, driver="evd", check_finite=False))

    check_grad(finite, a, b)

    def overwrite(a, b):
        return np.sum(sla.solve(a, b, overwrite_a=True))

    with pytest.raises(srcad.SrcadError, match="overwrite_a"):
        srcad.grad(overwrite)(a, b)


def test_generalized_and_subset_eigh_are_refused():
    a, m = spd(3), spd(3)

    def generalized(a, m):
        return np.sum(sla.eigh(a, m, eigvals_only=True))

    def subset(a):
        return np.sum(sla.eigvalsh(a, subset_by_index=(0, 1)))

    with pytest.raises(srcad.SrcadError, match="'b'"):
        srcad.grad(generalized)(a, m)
    with pytest.raises(srcad.SrcadError, match="subset_by_index"):
        srcad.grad(subset)(a)


def test_complex_cho_solve_is_refused():
    c = np.triu(spd(3))
    b = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)

    def f(c, b):
        return np.sum(np.abs(sla.cho_solve((c, False), b)) ** 2)

    with pytest.raises(srcad.SrcadError):
        srcad.grad(f)(c, b)


@pytest.mark.skipif(tuple(int(p) for p in scipy.__version__.split(".")[:2]) < (1, 15),
                    reason="SciPy's batched linear algebra")
def test_stacked_matrices():
    a = np.stack([spd(3), spd(3)])
    b = RNG.standard_normal(3)

    def f(a, b):
        low = sla.cholesky(a, lower=True)
        z = sla.solve_triangular(low, b, lower=True)
        return np.sum(z ** 2) + np.sum(sla.expm(0.1 * a))

    check_grad(f, a, b)
    check_grad(f, a, b, wrt=1)
    check_hvp(f, a, b)


def test_import_srcad_does_not_import_scipy_linalg():
    code = "import sys, srcad; assert 'scipy.linalg' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_toeplitz_and_circulant_of_a_number_are_refused_where_called():
    # Their derivative code failed inside (IndexError / ValueError) for a 0-d column.
    sla = pytest.importorskip("scipy.linalg")

    def f(x):
        return np.sum(sla.circulant(x[0] * 2.0)) + np.sum(sla.toeplitz(x[0], x[1]))

    with pytest.raises(srcad.SrcadError, match="of a number") as info:
        srcad.grad(f)(np.array([0.3, 0.5]))
    assert info.value.lineno is not None
