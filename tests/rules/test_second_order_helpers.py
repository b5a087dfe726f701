"""Second derivatives through the runtime helpers that first-order gradients call.

A gradient that calls a helper (`norm_adjoint`, `svd_adjoint`, `tensordot_adjoint`, ...)
is differentiated again through that helper's own rules (srcad/rules/*: the "second
derivatives" sections). The registry sweep checks those rules against finite
differences one by one; here they are checked end to end, in both ways srcad builds
second derivatives:

* forward over reverse (the helpers' tangent rules): `srcad.hessian(f)(x)` against
  central differences of `srcad.grad(f)`;
* reverse over reverse (their adjoint rules): `srcad.grad(srcad.grad(phi))` for
  phi(t) = f(x + t v), which is v' H v, against the same differences.

The inputs keep away from the points where a derivative does not exist (ties, zero
norms, repeated singular values); the conventions there are checked at the end.
"""

import math

import numpy as np
import pytest
from gradcheck import numerical_hessian

import srcad

try:
    import scipy.special as sp
    import scipy.stats as st
except ImportError:  # SciPy is optional
    sp = st = None

needs_scipy = pytest.mark.skipif(sp is None, reason="needs SciPy")

RNG = np.random.default_rng(20240607)


def along(f, x0, v):
    """t -> f(x0 + t v)."""
    def phi(t):
        return f(x0 + t * v)
    return phi


def check_second_order(f, x, rtol=1e-5, atol=1e-6, eps=1e-5):
    """The Hessian of f at x (forward over reverse), and v' H v along a random v (reverse
    over reverse), against central differences of srcad's gradient."""
    n = np.size(x)
    expected = np.reshape(numerical_hessian(f, x, eps=eps), (n, n))
    got = np.reshape(srcad.hessian(f)(x), (n, n))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    v = RNG.standard_normal(np.shape(x))
    x0 = np.asarray(x, dtype=float)
    curvature = srcad.grad(srcad.grad(along(f, x0, v)))(0.0)
    flat_v = np.ravel(v)
    assert curvature == pytest.approx(flat_v @ expected @ flat_v, rel=rtol, abs=atol)


def separated(m, n, batch=()):
    """A (stack of) matrices with well separated singular values (and eigenvalues of
    its symmetric part)."""
    a = RNG.uniform(-0.3, 0.3, batch + (m, n))
    for i, value in enumerate([5.5, -3.5, 9.5, 15.5][:min(m, n)]):
        a[..., i, i] += value
    return a


# ============================================================================ norms

VEC = np.array([0.7, -1.3, 0.4, 1.1])
MAT = RNG.uniform(0.3, 1.5, (2, 3)) * np.array([[1, -1, 1], [-1, 1, 1]])
TALL = separated(3, 2)
CUBE = RNG.uniform(0.3, 1.5, (2, 3, 4))


def norm_2(x):
    return np.linalg.norm(x) * np.sum(x)


def norm_3(x):
    return np.linalg.norm(x, 3) ** 2


def norm_minus(x):
    return np.linalg.norm(x, -1.5 + 0.5)


def norm_inf(x):
    return np.linalg.norm(x, np.inf) * np.sum(x * x)


def norm_axis(x):
    return np.sum(np.linalg.norm(x, axis=1) ** 3)


def norm_keepdims(x):
    return np.sum(x / np.linalg.norm(x, axis=0, keepdims=True))


def norm_fro(x):
    return np.linalg.norm(x, "fro") ** 3


def norm_nuc(x):
    return np.linalg.norm(x, "nuc") ** 2


def norm_spectral(x):
    return np.linalg.norm(x, 2) * np.linalg.norm(x, -2)


def norm_axes(x):
    return np.sum(np.linalg.norm(x, axis=(0, 2)) ** 2 * np.array([1.0, -2.0, 0.5]))


@pytest.mark.parametrize("f, x", [
    (norm_2, VEC), (norm_3, VEC), (norm_minus, VEC), (norm_inf, VEC), (norm_axis, MAT),
    (norm_keepdims, MAT), (norm_fro, MAT), (norm_nuc, TALL), (norm_nuc, TALL.T),
    (norm_spectral, TALL), (norm_axes, CUBE), (norm_2, CUBE)])
def test_norms(f, x):
    check_second_order(f, x)


def norm_of_order(p):
    return np.linalg.norm(np.array([0.7, -1.3, 0.4]), p)


def test_a_differentiated_norm_order_is_refused_at_second_order():
    assert srcad.grad(norm_of_order)(3.0) == pytest.approx(
        (norm_of_order(3.0 + 1e-6) - norm_of_order(3.0 - 1e-6)) / 2e-6, rel=1e-6)
    with pytest.raises(srcad.SrcadError, match="ord"):
        srcad.grad(srcad.grad(norm_of_order))(3.0)
    with pytest.raises(srcad.SrcadError, match="ord"):
        srcad.hessian(norm_of_order)(3.0)


def test_the_norm_has_no_second_derivative_at_zero():
    # its gradient x / |x| jumps there: NaN, never a silent number
    assert np.all(np.isnan(srcad.hessian(norm_2)(np.zeros(3))))


# ============================================================================ svd

def svd_parts(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum((u[:, 0] * np.array([1.0, -0.5, 2.0])[:u.shape[0]]) ** 2) * s[0] + \
        np.sum((vt[1] * 0.7) ** 2) * s[1] + np.sum(s ** 3)


def svd_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 3)


def svd_full_square(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum(u[:, 1] ** 2 * np.array([1.0, 2.0, 3.0])) * np.sum(s)


def svd_full_tall(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum(u[:, :2] ** 2 * 1.5) + np.sum(vt ** 3) + np.sum(s ** 2)


def svd_batched(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(s ** 2 * u[..., 0, :] ** 2) + np.sum(vt[..., 0, :] ** 2 * np.arange(3.0))


def svd_hermitian(a):
    u, s, vt = np.linalg.svd(a + a.T, hermitian=True)
    return np.sum(s ** 2) + np.sum(u[:, 0] ** 4)


def svd_values_hermitian(a):
    return np.sum(np.linalg.svd(a @ a.T + 2.0 * np.eye(3), compute_uv=False, hermitian=True) ** 2)


@pytest.mark.parametrize("f, x", [
    (svd_parts, separated(3, 2)), (svd_parts, separated(2, 3)), (svd_values, separated(3, 2)),
    (svd_values, separated(2, 4)), (svd_full_square, separated(3, 3)),
    (svd_full_tall, separated(3, 2)), (svd_batched, separated(2, 3, (2,))),
    (svd_hermitian, separated(3, 3)), (svd_values_hermitian, separated(3, 3))])
def test_svd(f, x):
    check_second_order(f, x, rtol=1e-4)


# ============================================================================ eigh, det, solve, ...

def eigh_values(a):
    w, v = np.linalg.eigh(a + a.T)
    return np.sum(w ** 3)


def eigh_vectors(a):
    w, v = np.linalg.eigh(a + a.T)
    return np.sum(w * np.array([1.0, -2.0, 0.5])) + \
        np.sum((v[:, 0] * np.array([1.0, 2.0, 3.0])) ** 2)


def eigh_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(w ** 2) + np.sum(v[:, 2] ** 4)


def eigh_batched(a):
    w, v = np.linalg.eigh(a @ np.swapaxes(a, -1, -2))
    return np.sum(w ** 2) + np.sum(v[..., 0] ** 4)


def cholesky_lower(a):
    return np.sum(np.linalg.cholesky(a @ a.T + 3.0 * np.eye(3)) ** 3)


def cholesky_upper(a):
    return np.sum(np.linalg.cholesky(a @ np.swapaxes(a, -1, -2) + 3.0 * np.eye(3), upper=True) ** 3)


def det_squared(a):
    return np.linalg.det(a) ** 2 + np.linalg.det(a) * np.sum(a)


def det_batched(a):
    return np.sum(np.linalg.det(a) ** 3)


B_VECTOR = np.array([0.3, -1.2, 0.8])
B_MATRIX = RNG.standard_normal((3, 2))


def solve_vector(a):
    return np.sum(np.linalg.solve(a, B_VECTOR) ** 2)


def solve_matrix(a):
    return np.sum(np.linalg.solve(a, B_MATRIX) ** 3)


def solve_batched(a):
    return np.sum(np.linalg.solve(a, B_VECTOR) ** 2)


A_FIXED = separated(3, 3)


def solve_rhs(b):
    x = np.linalg.solve(A_FIXED + np.outer(b, b), b)
    return np.sum(x ** 3)


def pinv_power(a):
    return np.sum(np.linalg.pinv(a) ** 3)


def pinv_hermitian(a):
    return np.sum(np.linalg.pinv(a @ a.T + np.eye(3), hermitian=True) ** 3)


@pytest.mark.parametrize("f, x", [
    (eigh_values, separated(3, 3)), (eigh_vectors, separated(3, 3)), (eigh_upper, separated(3, 3)),
    (eigh_batched, separated(3, 3, (2,))),
    (cholesky_lower, RNG.standard_normal((3, 3))), (cholesky_upper, RNG.standard_normal((2, 3, 3))),
    (det_squared, RNG.standard_normal((3, 3))), (det_batched, RNG.standard_normal((2, 3, 3))),
    (solve_vector, separated(3, 3)), (solve_matrix, separated(3, 3)),
    (solve_batched, separated(3, 3, (2,))), (solve_rhs, RNG.standard_normal(3)),
    (pinv_power, separated(3, 2)), (pinv_power, separated(2, 3)),
    (pinv_hermitian, separated(3, 3))])
def test_linear_algebra(f, x):
    check_second_order(f, x, rtol=1e-4, atol=1e-5)


def det_only(a):
    return np.linalg.det(a)


def test_det_hessian_at_a_singular_matrix():
    # the cofactor matrix and its derivative are polynomials: exact at singular matrices
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]])
    check_second_order(det_only, a)
    check_second_order(det_only, np.zeros((3, 3)))


# ============================================================================ products, shapes

TD_B = RNG.standard_normal((3, 4, 2))


def tensordot_left(a):
    return np.sum(np.tensordot(a, TD_B, axes=2) ** 3)


def tensordot_both(a):
    return np.sum(np.tensordot(a, a[:, :, :2] * 2.0, axes=([0, 1], [0, 1])) ** 2)


def inner_both(a):
    return np.sum(np.inner(a, a[::-1] + 1.0) ** 2)


def kron_both(a):
    return np.sum(np.kron(a, a[:1] * 2.0) ** 2)


def repeat_tile(x):
    return np.sum(np.repeat(x, [1, 3], axis=0) ** 3) + np.sum(np.tile(x, (2, 1)) ** 3)


def ravel_diag(x):
    return np.sum(np.ravel(x, "F") ** 3 * np.arange(6.0)) + np.sum(np.diag(x) ** 3) + \
        np.sum(np.diag(x[0], 1) ** 3) + np.sum(x.flatten() ** 4)


def padded(x):
    return np.sum(np.pad(x, 1, mode="reflect") ** 3) + np.sum(np.pad(x, ((1, 0), (0, 2))) ** 3) + \
        np.sum(np.pad(x, 1, constant_values=x[0, 0]) ** 3)


@pytest.mark.parametrize("f, x", [
    (tensordot_left, RNG.standard_normal((2, 3, 4))),
    (tensordot_both, RNG.standard_normal((2, 3, 4))),
    (inner_both, RNG.standard_normal((2, 3))), (kron_both, RNG.standard_normal((2, 2))),
    (repeat_tile, RNG.standard_normal((2, 3))), (ravel_diag, RNG.standard_normal((2, 3))),
    (padded, RNG.standard_normal((2, 3)))])
def test_products_and_shapes(f, x):
    check_second_order(f, x)


# ============================================================================ elementwise, special

def sinc_cubed(x):
    return np.sum(np.sinc(x) ** 3)


def hypot_mix(x):
    return np.sum(np.hypot(x, x[::-1] + 0.5) ** 3)


def extremes(x):
    return np.sum(np.fmax(x, 0.1) ** 3 + np.fmin(x, x[::-1]) ** 3 + np.clip(x, -0.5, 0.6) ** 3)


def remainders(x):
    return np.sum(np.fmod(x, 0.7) ** 3 + np.remainder(x * 3.0, x + 2.0) ** 3)


def math_remainders(x):
    return math.fmod(x, 0.7) ** 3 + math.remainder(x * 3.0, x + 2.0) ** 3


def rgamma_cubed(x):
    return np.sum(sp.rgamma(x) ** 3)


def multigammaln_squared(x):
    return np.sum(sp.multigammaln(x, 3) ** 2)


def betainc_x(x):
    return np.sum(sp.betainc(2.5, 1.7, x) ** 2)


LSE_B = np.array([[0.5, 1.0, 2.0], [1.5, 0.3, 0.7]])


def logsumexp_mix(x):
    return sp.logsumexp(x) ** 2 + np.sum(sp.logsumexp(x, axis=1) ** 3) + \
        np.sum(sp.logsumexp(x, axis=0, b=LSE_B) ** 2)


def logsumexp_signed(x):
    value, sign = sp.logsumexp(x, axis=1, b=np.array([1.0, -0.3, 0.2]), return_sign=True)
    return np.sum(value ** 2 * sign)


def logsumexp_weights(b):
    return np.sum(sp.logsumexp(LSE_B, axis=1, b=b) ** 3)


MVN_COV = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.1], [-0.2, 0.1, 1.0]])
MVN_X = RNG.standard_normal((4, 3))


def mvn_points(x):
    return np.sum(st.multivariate_normal.logpdf(x, np.array([0.1, -0.2, 0.3]), MVN_COV) ** 2)


def mvn_mean(m):
    return np.sum(st.multivariate_normal.pdf(MVN_X, m, MVN_COV))


def mvn_cov(c):
    return np.sum(st.multivariate_normal.logpdf(MVN_X, None, c + c.T + 2.0 * np.eye(3)))


def mvn_diagonal(c):
    return np.sum(st.multivariate_normal.logpdf(MVN_X[0], np.zeros(3), c) ** 2)


@pytest.mark.parametrize("f, x", [
    (sinc_cubed, np.array([0.0, 1e-4, 0.3, -1.7, 2.2])), (hypot_mix, np.array([0.3, -1.2, 0.8])),
    (extremes, np.array([0.3, -1.2, 0.8, -0.1])), (remainders, np.array([0.3, -1.2, 2.3])),
    *[pytest.param(f, x, marks=needs_scipy) for f, x in [
        (rgamma_cubed, np.array([-2.0, -1.3, 0.5, 2.7])),
        (multigammaln_squared, np.array([2.2, 3.5])), (betainc_x, np.array([0.2, 0.5, 0.9])),
        (logsumexp_mix, RNG.standard_normal((2, 3))),
        (logsumexp_signed, RNG.standard_normal((2, 3))), (logsumexp_weights, LSE_B),
        (mvn_points, MVN_X[:2]), (mvn_mean, np.array([0.1, -0.2, 0.3])),
        (mvn_cov, 0.1 * RNG.standard_normal((3, 3))), (mvn_diagonal, np.array([0.5, 1.5, 2.0]))]]])
def test_elementwise_and_special(f, x):
    check_second_order(f, x, rtol=1e-4, atol=1e-5)


def test_math_remainders():
    for x in (0.3, -1.1, 2.3):  # (away from the jumps of the quotient)
        assert srcad.grad(srcad.grad(math_remainders))(x) == pytest.approx(
            numerical_hessian(math_remainders, x), rel=1e-5)


def test_piecewise_constant_weights_have_zero_second_derivative():
    # fmax / fmin / clip are piecewise linear: their Hessian is exactly 0 off the kinks
    def pieces(x):
        return np.sum(np.fmax(x, 0.1) + np.fmin(x, -x) + np.clip(x, -0.5, 0.6))

    x = np.array([0.3, -1.2, 0.8, -0.1])
    np.testing.assert_array_equal(srcad.hessian(pieces)(x), np.zeros((4, 4)))


def sinc_at_zero(x):
    return np.sinc(x)


def test_sinc_second_derivative_at_zero_is_exact():
    assert srcad.grad(srcad.grad(sinc_at_zero))(0.0) == pytest.approx(-np.pi ** 2 / 3, rel=1e-15)


# ============================================================================ NumPy 2 norms

def vector_norms(x):
    return np.sum(np.linalg.vector_norm(x, axis=1) ** 3) + np.linalg.vector_norm(x, ord=3) ** 2


def matrix_norms(x):
    return np.linalg.matrix_norm(x) ** 3 + np.linalg.matrix_norm(x, ord="nuc") ** 2 + \
        np.linalg.matrix_norm(x, ord=2) * np.sum(x)


@pytest.mark.skipif(not hasattr(np.linalg, "vector_norm"), reason="NumPy 2 functions")
@pytest.mark.parametrize("f, x", [(vector_norms, MAT), (matrix_norms, TALL)])
def test_numpy2_norms(f, x):
    check_second_order(f, x)
