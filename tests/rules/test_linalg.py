"""End-to-end gradients through np.linalg (srcad.grad against finite differences), the
conventions of the linalg rules, and the cases the registry sweep leaves out.

The registry sweep checks every linalg rule on its `examples=`. What it cannot do is
covered here: np.linalg.norm with the matrix orders ('fro', 'nuc', +-1, +-2) and the
vector order 0 (the sweep would perturb `ord`, which is a differentiable parameter only
for vector p-norms), svd(full_matrices=True) of non-square matrices, and gradients
through user code (tuple unpacking of slogdet / eigh / svd results, symmetric inputs
built from other arrays, ...).
"""

import ast

import numpy as np
import pytest
from gradcheck import check_grad, numerical_hessian, numerical_jvp, numerical_vjp

import srcad
from srcad.rules import registry

RNG = np.random.default_rng(31337)
C33 = RNG.standard_normal((3, 3))
C32 = RNG.standard_normal((3, 2))
C23 = RNG.standard_normal((2, 3))
C3 = RNG.standard_normal(3)
C2 = RNG.standard_normal(2)


def rand(*shape, low=-1.5, high=1.5):
    return RNG.uniform(low, high, size=shape)


def well_conditioned(*shape):
    """Diagonally dominant (hence invertible; SPD once symmetrized) matrices."""
    n = shape[-1]
    return rand(*shape, low=-0.5, high=0.5) + (n + 0.5) * np.eye(n)


def spd(n):
    b = rand(n, n)
    return b @ b.T + n * np.eye(n)


def separated(m, n):
    """A matrix with well-separated singular values (and eigenvalues when square)."""
    d = np.zeros((m, n))
    for i in range(min(m, n)):
        d[i, i] = 3.0 * (i + 1)
    return d + rand(m, n, low=-0.3, high=0.3)


# ============================================================================ inv, det, slogdet


def inv_sum(a):
    return np.sum(np.linalg.inv(a) * C33)


def inv_batched(a):
    return np.sum(np.sin(np.linalg.inv(a)))


def det_plain(a):
    return np.linalg.det(a)


def det_squared(a):
    return np.linalg.det(a) ** 2 + np.sum(a)


def det_batched(a):
    return np.sum(np.linalg.det(a) * np.array([1.0, -2.0]))


def slogdet_unpacked(a):
    sign, logdet = np.linalg.slogdet(a)
    return sign * logdet


def slogdet_indexed(a):
    return np.linalg.slogdet(a)[1] * 3.0


def slogdet_batched(a):
    sign, logdet = np.linalg.slogdet(a)
    return np.sum(logdet * sign)


def test_inv():
    check_grad(inv_sum, well_conditioned(3, 3))
    check_grad(inv_batched, well_conditioned(2, 3, 3))


def test_det():
    check_grad(det_plain, rand(3, 3))
    check_grad(det_squared, rand(4, 4))
    check_grad(det_batched, rand(2, 3, 3))
    check_grad(det_plain, rand(1, 1))


def test_det_gradient_at_a_singular_matrix():
    """The gradient of det is the cofactor matrix, which exists at singular matrices."""
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])  # rank 2
    g = srcad.grad(det_plain)(a)
    cof = np.array([[np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) * (-1) ** (i + j)
                     for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(g, cof, atol=1e-12)
    assert np.abs(g).max() > 1.0
    zero = srcad.grad(det_plain)(np.zeros((3, 3)))
    np.testing.assert_array_equal(zero, np.zeros((3, 3)))


def test_slogdet():
    a = well_conditioned(3, 3)
    check_grad(slogdet_unpacked, a)
    a[0, 0] = -a[0, 0]  # a negative determinant
    check_grad(slogdet_unpacked, a)
    check_grad(slogdet_indexed, a)
    check_grad(slogdet_batched, well_conditioned(2, 3, 3))
    np.testing.assert_allclose(srcad.grad(slogdet_indexed)(a), 3.0 * np.linalg.inv(a).T)


# ============================================================================ solve


def solve_vector(a, b):
    return np.sum(np.linalg.solve(a, b) * C3)


def solve_matrix(a, b):
    return np.sum(np.linalg.solve(a, b) * C32)


def solve_batched(a, b):
    return np.sum(np.tanh(np.linalg.solve(a, b)))


def test_solve_vector():
    a, b = well_conditioned(3, 3), rand(3)
    check_grad(solve_vector, a, b, wrt=(0, 1))


def test_solve_matrix():
    a, b = well_conditioned(3, 3), rand(3, 2)
    check_grad(solve_matrix, a, b, wrt=(0, 1))


def test_solve_batched():
    check_grad(solve_batched, well_conditioned(2, 3, 3), rand(3), wrt=(0, 1))
    check_grad(solve_batched, well_conditioned(2, 3, 3), rand(2, 3, 2), wrt=(0, 1))
    check_grad(solve_batched, well_conditioned(3, 3), rand(4, 3, 2), wrt=(0, 1))
    check_grad(solve_batched, well_conditioned(1, 3, 3), rand(2, 3, 1), wrt=(0, 1))


# ============================================================================ cholesky


def cholesky_of_gram(b):
    s = b @ b.T + 3.0 * np.eye(3)
    return np.sum(np.linalg.cholesky(s) * C33)


def cholesky_direct(a):
    return np.sum(np.sin(np.linalg.cholesky(a)))


def cholesky_upper(a):
    return np.sum(np.linalg.cholesky(a, upper=True) * C33)


def cholesky_logdet(b):
    s = b @ b.T + 3.0 * np.eye(3)
    return 2.0 * np.sum(np.log(np.diagonal(np.linalg.cholesky(s))))


def gram_logdet(b):
    s = b @ b.T + 3.0 * np.eye(3)
    return np.linalg.slogdet(s)[1]


def test_cholesky_through_a_symmetric_construction():
    b = rand(3, 3)
    check_grad(cholesky_of_gram, b)


def test_cholesky_direct_input_reads_one_triangle():
    """NumPy reads only the lower triangle (the upper one with upper=True): the gradient
    is the exact derivative of that function, so it matches finite differences on all
    n*n entries, and it is zero on the triangle NumPy ignores."""
    a = spd(3)
    g = check_grad(cholesky_direct, a)
    assert np.all(np.triu(g, 1) == 0)
    g = check_grad(cholesky_upper, a)
    assert np.all(np.tril(g, -1) == 0)
    check_grad(cholesky_direct, np.stack([spd(3), spd(3)]))


def test_cholesky_agrees_with_logdet():
    b = rand(3, 3)
    if registry.lookup(np.diagonal) is None:
        pytest.skip("np.diagonal has no rule yet")
    np.testing.assert_allclose(srcad.grad(cholesky_logdet)(b), srcad.grad(gram_logdet)(b))


# ============================================================================ eigh / eigvalsh


def eigh_values(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * C3)


def eigh_vectors(a):
    w, v = np.linalg.eigh(a)
    return np.sum(v * v * C33) + np.sum(np.sin(w))


def eigh_of_symmetrized(b):
    w, v = np.linalg.eigh(b + b.T)
    return np.sum(w * C3) + np.sum((v.T @ C3) ** 2)


def eigh_upper(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(w * w) + np.sum(v * v * C33)


def eigh_first_vector(a):
    return np.sum(np.linalg.eigh(a)[1] * C33)


def eigh_batched(a):
    w, v = np.linalg.eigh(a)
    return np.sum(np.sin(w)) + np.sum(v ** 2 * C33)


def eigvalsh_sum(a):
    return np.sum(np.linalg.eigvalsh(a) * C3)


def symmetric_separated(n):
    s = separated(n, n)
    return s + s.T


def test_eigh():
    a = symmetric_separated(3)
    check_grad(eigh_values, a)
    check_grad(eigh_vectors, a)
    check_grad(eigh_upper, a)
    check_grad(eigh_first_vector, a)
    check_grad(eigh_of_symmetrized, separated(3, 3))
    check_grad(eigh_batched, np.stack([symmetric_separated(3), symmetric_separated(3)]))
    check_grad(eigvalsh_sum, a)


def test_eigh_gradient_reads_one_triangle():
    a = symmetric_separated(3)
    g = srcad.grad(eigh_values)(a)
    assert np.all(np.triu(g, 1) == 0)
    g = srcad.grad(eigh_upper)(a)
    assert np.all(np.tril(g, -1) == 0)


def eigh_trace(a):
    return np.sum(np.linalg.eigh(a)[0])


def test_eigh_eigenvalues_only_at_repeated_eigenvalues():
    """The eigenvalue part alone is fine at repeated eigenvalues (no 1/0 from the
    eigenvector part, which is skipped when the eigenvectors are not used)."""
    g = srcad.grad(eigh_trace)(np.eye(3))
    np.testing.assert_allclose(g, np.eye(3), atol=1e-12)


def eig_values_vectors(a):
    w, v = np.linalg.eig(a)
    return np.sum(w * C3) + np.sum(v ** 2 * C33)


def eigvals_sum(a):
    return np.sum(np.linalg.eigvals(a) ** 2 * C3)


def test_eig_real_spectrum():
    a = separated(3, 3)  # not symmetric; real, well-separated eigenvalues
    check_grad(eig_values_vectors, a)
    check_grad(eigvals_sum, a)
    check_grad(eig_values_vectors, np.stack([separated(3, 3), separated(3, 3)]))


def test_eig_complex_spectrum_is_refused():
    rotation = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    with pytest.raises(srcad.NoDerivativeError, match="complex eigenvalues"):
        srcad.grad(eigvals_sum)(rotation)


# ============================================================================ svd


def svd_values(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(s * s) + np.sum(np.sqrt(s))


def svd_rebuilt(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(((u * s) @ vt) * C32)


def svd_vectors(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(u * u * C32) + np.sum((vt.T @ C2) ** 2 * s)


def svd_wide(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(vt ** 2 * C23) + np.sum(u[:, 0] ** 2) * s[0]


def svd_square_default(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum(u ** 2 * C33) + np.sum(vt ** 2 * C33.T) + np.sum(s)


def svd_values_only(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 2)


def svd_values_from_full(a):
    return np.sum(np.linalg.svd(a)[1] * C2)


def svd_full_u(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum(u * u)


def svd_full_first_columns(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum(u[:, :2] ** 2 * C32)


def svd_batched(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(s) + np.sum(u ** 2 * C32)


def test_svd():
    check_grad(svd_values, separated(3, 2))
    check_grad(svd_rebuilt, separated(3, 2))
    check_grad(svd_vectors, separated(3, 2))
    check_grad(svd_wide, separated(2, 3))
    check_grad(svd_square_default, separated(3, 3))
    check_grad(svd_values_only, separated(3, 2))
    check_grad(svd_batched, np.stack([separated(3, 2), separated(3, 2)]))


def test_svd_rebuilt_gradient_is_exact():
    """u @ diag(s) @ vt is the input again: its gradient is the weight matrix."""
    np.testing.assert_allclose(srcad.grad(svd_rebuilt)(separated(3, 2)), C32, atol=1e-12)


def test_svd_full_matrices_non_square():
    """The singular vectors past min(m, n) have no derivative: using them is refused;
    using only the others (or the singular values) works."""
    a = separated(3, 2)
    check_grad(svd_values_from_full, a)
    check_grad(svd_full_first_columns, a)
    with pytest.raises(srcad.NoDerivativeError, match="full_matrices"):
        srcad.grad(svd_full_u)(a)


# ============================================================================ qr, lstsq


def qr_both(a):
    q, r = np.linalg.qr(a)
    return np.sum(q * C32) + np.sum(r ** 2 * C2)


def qr_square(a):
    q, r = np.linalg.qr(a)
    return np.sum(q * C33) + np.sum(r * C33)


def qr_wide(a):
    q, r = np.linalg.qr(a)
    return np.sum(q ** 3) + np.sum(r * C23)


def qr_r_only(a):
    return np.sum(np.linalg.qr(a, mode="r") ** 2 * C2)


def qr_complete_q(a):
    q, r = np.linalg.qr(a, mode="complete")
    return np.sum(q * q * C33)


def qr_complete_r(a):
    q, r = np.linalg.qr(a, mode="complete")
    return np.sum(r * C32) + np.sum(q[:, :2] * C32)


def lstsq_x(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b)
    return np.sum(x * C2)


def lstsq_all(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x ** 2) + np.sum(residuals) * 3.0 + np.sum(s * C2)


def test_qr():
    check_grad(qr_both, well_conditioned(3, 3)[:, :2] + rand(3, 2, low=-0.2, high=0.2))
    check_grad(qr_square, well_conditioned(3, 3))
    check_grad(qr_wide, separated(2, 3))
    check_grad(qr_r_only, separated(3, 2))
    check_grad(qr_complete_r, separated(3, 2))
    with pytest.raises(srcad.NoDerivativeError, match="mode='complete'"):
        srcad.grad(qr_complete_q)(separated(3, 2))


def test_lstsq():
    a = separated(3, 2)
    check_grad(lstsq_x, a, rand(3), wrt=(0, 1))
    check_grad(lstsq_all, a, rand(3), wrt=(0, 1))
    check_grad(lstsq_all, a, rand(3, 2), wrt=(0, 1))
    check_grad(lstsq_x, separated(2, 3)[:, :2] + 0.0, rand(2), wrt=(0, 1))


# ============================================================================ pinv, matrix_power


def pinv_sum(a):
    return np.sum(np.linalg.pinv(a) * C23)


def pinv_wide(a):
    return np.sum(np.linalg.pinv(a) * C32)


def pinv_hermitian(a):
    return np.sum(np.linalg.pinv(a, hermitian=True) * C33)


def matrix_power_3(a):
    return np.sum(np.linalg.matrix_power(a, 3) * C33)


def matrix_power_negative(a):
    return np.sum(np.linalg.matrix_power(a, -2) * C33)


def test_pinv():
    check_grad(pinv_sum, separated(3, 2))
    check_grad(pinv_wide, separated(2, 3))
    check_grad(pinv_hermitian, spd(3))
    check_grad(pinv_sum, np.stack([separated(3, 2), separated(3, 2)]))


def test_matrix_power():
    check_grad(matrix_power_3, rand(3, 3))
    check_grad(matrix_power_negative, well_conditioned(3, 3))


# ============================================================================ norms


def norm_default(x):
    return np.linalg.norm(x)


def norm_sq_plus(x):
    return np.linalg.norm(x) * 2.0 + np.sum(x)


def norm_ord(x, p):
    return np.linalg.norm(x, p)


def norm_fro(x):
    return np.linalg.norm(x, "fro")


def norm_nuc(x):
    return np.linalg.norm(x, "nuc")


def norm_spectral(x):
    return np.linalg.norm(x, 2)


def norm_smallest(x):
    return np.linalg.norm(x, -2)


def norm_one(x):
    return np.linalg.norm(x, 1)


def norm_minus_one(x):
    return np.linalg.norm(x, -1)


def norm_inf(x):
    return np.linalg.norm(x, np.inf)


def norm_zero(x):
    return np.linalg.norm(x, 0) + np.sum(x)


def norm_axis(x):
    return np.sum(np.linalg.norm(x, axis=1) * C2)


def norm_axis_keepdims(x):
    return np.sum(np.linalg.norm(x, 3, axis=0, keepdims=True) * C3)


def norm_matrix_axes(x):
    return np.sum(np.linalg.norm(x, "nuc", axis=(2, 1)) * C2)


def norm_of_difference(x, y):
    return np.linalg.norm(x - y)


def test_vector_norms():
    x = np.array([0.7, -1.2, 0.4])
    check_grad(norm_default, x)
    check_grad(norm_sq_plus, rand(2, 3, 4))
    for p in (1, 2, 3, np.inf, -np.inf, 0.5, 2.5):
        check_grad(norm_ord, x, p)
    check_grad(norm_zero, x)
    check_grad(norm_axis, rand(2, 3))
    check_grad(norm_axis_keepdims, rand(2, 3, low=0.2, high=1.5))


def test_norm_order_is_differentiable():
    """The p of a vector p-norm is a differentiable parameter."""
    x = np.array([0.7, -1.2, 0.4])
    for p in (0.5, 1.0, 2.0, 3.5, -1.5):
        check_grad(norm_ord, x, p, wrt=1)


def test_matrix_norms():
    x = rand(2, 3)
    for f in (norm_default, norm_fro, norm_nuc, norm_one, norm_minus_one, norm_inf):
        check_grad(f, x)
    check_grad(norm_spectral, separated(3, 2))
    check_grad(norm_smallest, separated(2, 3))
    check_grad(norm_matrix_axes, rand(2, 3, 3))


def test_norm_of_zero_is_zero_gradient():
    """The gradient of a norm at the zero vector is 0, not NaN (the documented
    convention), for the plain 2-norm, along an axis and for p-norms."""
    zero = np.zeros(3)
    for f in (norm_default, norm_sq_plus, norm_fro):
        g = srcad.grad(f)(np.zeros((2, 3)))
        assert not np.any(np.isnan(g))
    np.testing.assert_array_equal(srcad.grad(norm_default)(zero), zero)
    np.testing.assert_array_equal(srcad.grad(norm_of_difference)(C3, C3), zero)
    for p in (1, 2, 3, np.inf, 0.5):
        np.testing.assert_array_equal(srcad.grad(norm_ord)(zero, p), zero)
    g = srcad.grad(norm_axis)(np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]]))
    np.testing.assert_allclose(g, [[0.0, 0.0, 0.0], C2[1] * np.array([1.0, 2.0, 2.0]) / 3.0])


def test_norm_ties_share_the_derivative():
    g = srcad.grad(norm_inf)(np.array([1.0, -1.0, 0.5]))
    np.testing.assert_allclose(g, [0.5, -0.5, 0.0])


def vector_norm_fn(x):
    return np.sum(np.linalg.vector_norm(x, axis=1, ord=3) * C2)


def matrix_norm_fn(x):
    return np.sum(np.linalg.matrix_norm(x, ord="nuc") * C2)


def svdvals_fn(x):
    return np.sum(np.linalg.svdvals(x) ** 2 * C2)


@pytest.mark.skipif(not hasattr(np.linalg, "vector_norm"), reason="NumPy < 2")
def test_numpy2_functions():
    check_grad(vector_norm_fn, rand(2, 3, low=0.2, high=1.5))
    check_grad(matrix_norm_fn, rand(2, 3, 3))
    check_grad(svdvals_fn, separated(3, 2))


def array_api_chain(x, y):
    m = np.linalg.matmul(x, np.linalg.matrix_transpose(y))          # (2, 2)
    t = np.linalg.trace(m) + np.sum(np.linalg.diagonal(m, offset=1))
    o = np.linalg.outer(x[0], y[1])                                 # (3, 3)
    c = np.linalg.cross(x, y)
    return t + np.sum(o * C33) + np.sum(np.linalg.vecdot(x, y) * C2) + np.sum(c * C23)


@pytest.mark.skipif(not hasattr(np.linalg, "matrix_transpose"), reason="NumPy < 2")
def test_array_api_functions():
    check_grad(array_api_chain, rand(2, 3), rand(2, 3), wrt=(0, 1))


# ---------------------------------------------------------------- templates, off the sweep


def _run(template, namespace):
    ns = dict(template.globals)
    ns.update(namespace)
    exec(compile(ast.Module(body=list(template.body), type_ignores=[]), template.filename,
                 "exec"), ns)
    return ns


@pytest.mark.parametrize("x, ord, axis", [
    (RNG.standard_normal((2, 3)), "fro", None), (RNG.standard_normal((2, 3)), "nuc", None),
    (RNG.standard_normal((3, 2)), 1, None), (RNG.standard_normal((3, 2)), -1, None),
    (separated(3, 2), 2, None), (separated(2, 3), -2, None),
    (RNG.standard_normal((2, 3, 4)), "nuc", (0, 2)), (separated(2, 3)[None] + 0.0, 2, (1, 2)),
    (RNG.standard_normal((2, 3, 4)), -1, (2, 1)), (np.array([0.5, -1.0, 2.0]), 0, None)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_templates_for_discrete_orders(x, ord, axis, keepdims):
    """np.linalg.norm's adjoint and tangent templates for the orders the sweep leaves
    out, against finite differences (and the order gets no derivative)."""
    rule = registry.lookup(np.linalg.norm)

    def f(v):
        return np.linalg.norm(v, ord, axis, keepdims)

    y = f(x)
    u = RNG.standard_normal(np.shape(y))
    v = RNG.standard_normal(x.shape)
    args = {"x": x, "ord": ord, "axis": axis, "keepdims": keepdims}
    ns = _run(rule.adjoint, {**args, "y": y, "dy": u})
    expected = numerical_vjp(f, [x], 0, u)
    np.testing.assert_allclose(ns["dx"], expected, rtol=1e-5, atol=1e-7)
    assert ns["dord"] == 0.0
    ns = _run(rule.tangent, {**args, "y": y, "dx": v, "dord": 0.0})
    np.testing.assert_allclose(ns["dy"], numerical_jvp(f, [x], [v]), rtol=1e-5, atol=1e-7)
    assert np.shape(ns["dy"]) == np.shape(y)


# ============================================================================ kinds


def eigh_unpacked_sum(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w) + np.sum(v[:, 0] ** 2)


def test_tuple_results_unpack_per_item():
    """slogdet / eigh / svd results unpack into separately differentiated values."""
    a = symmetric_separated(3)
    g = srcad.grad(eigh_unpacked_sum)
    g(a)
    assert "eigh_adjoint" in srcad.source(g)
    check_grad(eigh_unpacked_sum, symmetric_separated(3))



# ============================================================================ forward mode


def _check_jvp(f, primals, tangents):
    y, dy = srcad.jvp(f, primals, tangents)
    np.testing.assert_allclose(dy, numerical_jvp(f, primals, tangents), rtol=1e-5, atol=1e-7)


@pytest.mark.skipif(not hasattr(srcad, "jvp"), reason="no forward mode")
def test_forward_mode():
    """srcad.jvp runs the tangent templates (tuple results included)."""
    a = symmetric_separated(3)
    _check_jvp(eigh_vectors, [a], [rand(3, 3)])
    _check_jvp(slogdet_unpacked, [well_conditioned(3, 3)], [rand(3, 3)])
    _check_jvp(svd_vectors, [separated(3, 2)], [rand(3, 2)])
    _check_jvp(solve_vector, [well_conditioned(3, 3), rand(3)], [rand(3, 3), rand(3)])
    _check_jvp(solve_matrix, [well_conditioned(3, 3), rand(3, 2)], [None, rand(3, 2)])
    _check_jvp(cholesky_of_gram, [rand(3, 3)], [rand(3, 3)])
    _check_jvp(pinv_sum, [separated(3, 2)], [rand(3, 2)])
    _check_jvp(norm_ord, [rand(3), 3.0], [rand(3), 0.7])
    _check_jvp(norm_nuc, [rand(2, 3)], [rand(2, 3)])
    _check_jvp(det_batched, [rand(2, 3, 3)], [rand(2, 3, 3)])


# ============================================================================ second order


def logdet_quadratic(a):
    return np.linalg.slogdet(a)[1] + np.sum(np.linalg.inv(a) * C33)


@pytest.mark.skipif(not hasattr(srcad, "hessian"), reason="no Hessians")
def test_hessian_through_slogdet_and_inv():
    a = well_conditioned(3, 3)
    h = np.reshape(srcad.hessian(logdet_quadratic)(a), (9, 9))
    expected = np.reshape(numerical_hessian(logdet_quadratic, a, eps=1e-5), (9, 9))
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-6)
