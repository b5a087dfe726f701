"""Helpers that the `np.linalg` rules (srcad/rules/numpy_linalg.py) call.

Conventions shared by all of them:

* Matrices may be stacked: the last two axes are the matrix, leading axes are a batch.
* A function that returns several arrays (eigh, svd, slogdet) gets its adjoint as a
  tuple whose unused entries are the scalar 0.0: `_is_zero` spots those.
* `eigh`, `eigvalsh`, `cholesky` and `svd`/`pinv` with `hermitian=True` read only one
  triangle of their input (NumPy documents this). Their derivatives are those of NumPy's
  function as it is: the adjoint lands on the triangle that is read, each off-diagonal
  entry there standing for both symmetric entries. For an input built symmetrically
  (B + B.T, B @ B.T, ...) this is the same as the usual symmetrized gradient.

Formulas: M. Giles, "An extended collection of matrix derivative results for forward
and reverse mode AD" (2008); I. Murray, "Differentiation of the Cholesky decomposition"
(2016); J. Townsend, "Differentiating the singular value decomposition" (2016);
G. Golub and V. Pereyra (1973) for the pseudo-inverse.
"""

from __future__ import annotations

import numpy as np

from srcad.errors import NoDerivativeError
from srcad.runtime import unbroadcast
from srcad.runtime.marks import check_only, differentiated_from_source

_NUMPY2 = int(np.__version__.split(".")[0]) >= 2


# ----------------------------------------------------------------------------- basics


@differentiated_from_source
def transposed(x):
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    return np.swapaxes(x, -1, -2)


def _is_zero(g) -> bool:
    """True for the scalar 0.0 that stands for an unused output's adjoint."""
    return np.ndim(g) == 0 and not np.any(g)


@differentiated_from_source
def _as_array_like(g, value):
    """The adjoint `g` as an array shaped like `value` (a scalar 0.0 becomes zeros)."""
    return np.broadcast_to(np.asarray(g, dtype=np.result_type(g, value, np.float64)),
                           np.shape(value))


@differentiated_from_source
def _diag_embed(d):
    """A stack of diagonal matrices with diagonals `d` (..., n) -> (..., n, n)."""
    d = np.asarray(d)
    return d[..., :, None] * np.eye(d.shape[-1])


def _eye_like(x):
    return np.eye(np.shape(x)[-1])


@differentiated_from_source
def _gap_inverse(w, square=False):
    """F with F[..., i, j] = 1 / (w_j - w_i) off the diagonal and 0 on it
    (1 / (w_j**2 - w_i**2) when `square`)."""
    w = np.asarray(w)
    if square:
        w = w * w
    gap = w[..., None, :] - w[..., :, None]
    eye = np.eye(w.shape[-1], dtype=bool)
    with np.errstate(divide="ignore"):
        return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, gap))


def _check_uplo(uplo) -> str:
    uplo = str(uplo).upper()
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return uplo


@differentiated_from_source
def symmetric_from_triangle(a, uplo="L"):
    """The symmetric matrix NumPy works with when it reads only `a`'s lower ('L')
    or upper ('U') triangle."""
    if _check_uplo(uplo) == "L":
        return np.tril(a) + transposed(np.tril(a, -1))
    return np.triu(a) + transposed(np.triu(a, 1))


@differentiated_from_source
def triangle_gradient(q, uplo="L"):
    """The adjoint of `a` for a function that reads only one triangle of `a`, given the
    adjoint `q` of the symmetric matrix built from it (see `symmetric_from_triangle`):
    an off-diagonal entry that is read collects q[i, j] + q[j, i]."""
    q = np.asarray(q)
    both = q + transposed(q)
    off = np.tril(both, -1) if _check_uplo(uplo) == "L" else np.triu(both, 1)
    return off + q * _eye_like(q)


def _solve_vector(a, b):
    """Whether np.linalg.solve(a, b) treats `b` as a (stack of) vector(s)."""
    if _NUMPY2:
        return np.ndim(b) == 1
    return np.ndim(b) == np.ndim(a) - 1


# ----------------------------------------------------------------------------- det


def cofactor(a):
    """The cofactor matrix of `a`: det(a) * inv(a).T for an invertible `a`, and still
    well defined (and computed stably, from an SVD) when `a` is singular."""
    a = np.asarray(a, dtype=np.result_type(a, np.float64))
    u, s, vt = np.linalg.svd(a)
    n = s.shape[-1]
    if n == 0:
        return np.zeros_like(a)
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    # products of all singular values but the i-th, without dividing
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = before * after
    sign = np.sign(np.linalg.det(u) * np.linalg.det(vt))
    if np.iscomplexobj(a):
        # a = u s vt with unitary u, vt: inv(a).T = conj(u) s^-1 conj(vt), and
        # det(u) det(vt) is a unit complex number (np.sign keeps it).
        u, vt = np.conj(u), np.conj(vt)
    return sign[..., None, None] * ((u * others[..., None, :]) @ vt)


def det_adjoint(g, a):
    """The adjoint of `a` in det(a)."""
    return np.asarray(g)[..., None, None] * cofactor(a)


def det_tangent(da, a):
    """The tangent of det(a) along `da`: trace(adj(a) @ da)."""
    return np.sum(cofactor(a) * da, axis=(-2, -1))


def logdet_tangent(da, a):
    """The tangent of log|det(a)| along `da`: trace(inv(a) @ da)."""
    return np.sum(transposed(np.linalg.inv(a)) * da, axis=(-2, -1))


# ----------------------------------------------------------------------------- solve


def solve_transposed(a, g, b):
    """inv(a).T @ g, with g shaped like the solution of np.linalg.solve(a, b)."""
    if _solve_vector(a, b):
        return np.linalg.solve(transposed(a), np.asarray(g)[..., None])[..., 0]
    return np.linalg.solve(transposed(a), g)


def solve_adjoint_a(gb, x, a, b):
    """The adjoint of `a` in x = solve(a, b), from gb = inv(a).T @ (the adjoint of x)."""
    if _solve_vector(a, b):
        return unbroadcast(-gb[..., :, None] * x[..., None, :], a)
    return unbroadcast(-(gb @ transposed(x)), a)


def solve_tangent(x, a, b, da, db):
    """The tangent of x = solve(a, b): solve(a, db - da @ x)."""
    vector = _solve_vector(a, b)
    if vector:
        rhs = db - (np.asarray(da) @ x[..., None])[..., 0] if np.ndim(da) else db - da * x
        rhs = np.broadcast_to(rhs, np.shape(x))
        return np.linalg.solve(a, rhs[..., None])[..., 0]
    rhs = db - (da @ x if np.ndim(da) else da * x)
    return np.linalg.solve(a, np.broadcast_to(rhs, np.shape(x)))


# ----------------------------------------------------------------------------- cholesky


def _phi(x):
    """The lower triangle of `x` with its diagonal halved."""
    return np.tril(x) - 0.5 * x * _eye_like(x)


def cholesky_adjoint(g, factor, upper=False):
    """The adjoint of `a` in factor = cholesky(a, upper=upper) (Murray 2016).

    With a = L L^T: S = L^-T phi(L^T gL) L^-1 is the adjoint of the symmetric matrix;
    NumPy reads only one triangle of `a` (the lower one, the upper one if `upper`)."""
    low = transposed(factor) if upper else factor
    g_low = transposed(g) if upper else g
    p = _phi(transposed(low) @ g_low)
    left = np.linalg.solve(transposed(low), p)                         # L^-T P
    s = transposed(np.linalg.solve(transposed(low), transposed(left)))  # L^-T P L^-1
    return triangle_gradient(s, "U" if upper else "L")


def cholesky_tangent(da, factor, upper=False):
    """The tangent of cholesky(a, upper=upper) along `da`: L phi(L^-1 dS L^-T)."""
    low = transposed(factor) if upper else factor
    ds = symmetric_from_triangle(da, "U" if upper else "L")
    m = np.linalg.solve(low, transposed(np.linalg.solve(low, ds)))  # L^-1 dS L^-T
    d_low = low @ _phi(m)
    return transposed(d_low) if upper else d_low


# ----------------------------------------------------------------------------- eigh


def eigh_adjoint(g, result, uplo="L"):
    """The adjoint of `a` in (w, v) = eigh(a, uplo), from the adjoints (gw, gv).

    a = V diag(w) V^T:  adj(A) = V (diag(gw) + F * (V^T gv)) V^T, F[i, j] = 1/(w_j - w_i).
    The eigenvector part is skipped when gv is zero (it is singular at repeated
    eigenvalues, where the eigenvalues alone remain differentiable)."""
    w, v = result[0], result[1]
    gw, gv = g[0], g[1]
    inner = _diag_embed(_as_array_like(gw, w))
    if not _is_zero(gv):
        inner = inner + _gap_inverse(w) * (transposed(v) @ gv)
    return triangle_gradient(v @ inner @ transposed(v), uplo)


def eigh_tangent(da, result, uplo="L"):
    """The tangents (dw, dv) of eigh(a, uplo) along `da`."""
    w, v = result[0], result[1]
    m = transposed(v) @ symmetric_from_triangle(da, uplo) @ v
    dw = np.diagonal(m, axis1=-2, axis2=-1)
    dv = v @ (_gap_inverse(w) * m)
    return dw, dv


@differentiated_from_source
def eigvalsh_adjoint(g, a, uplo="L"):
    """The adjoint of `a` in eigvalsh(a, uplo)."""
    _, v = np.linalg.eigh(a, uplo)
    return triangle_gradient((v * np.asarray(g)[..., None, :]) @ transposed(v), uplo)


def eigvalsh_tangent(da, a, uplo="L"):
    """The tangent of eigvalsh(a, uplo) along `da`: diag(V^T dS V)."""
    _, v = np.linalg.eigh(a, uplo)
    m = transposed(v) @ symmetric_from_triangle(da, uplo) @ v
    return np.diagonal(m, axis1=-2, axis2=-1)


def _real_spectrum(w, v=None):
    if np.iscomplexobj(w) or (v is not None and np.iscomplexobj(v)):
        raise NoDerivativeError(
            "np.linalg.eig / eigvals of a matrix with complex eigenvalues: srcad "
            "differentiates real values only",
            hint="for a symmetric matrix use np.linalg.eigh / eigvalsh")


@differentiated_from_source
def eig_adjoint(g, result, a):
    """The adjoint of `a` in (w, v) = eig(a), for real, distinct eigenvalues.

    NumPy scales each eigenvector to unit length. With F[i, j] = 1/(w_j - w_i) and
    Z = V^T gv - V^T V diag(diag(V^T gv)):  adj(A) = V^-T (diag(gw) + F * Z) V^T."""
    w, v = result[0], result[1]
    _real_spectrum(w, v)
    gw, gv = g[0], g[1]
    inner = _diag_embed(_as_array_like(gw, w))
    if not _is_zero(gv):
        vtg = transposed(v) @ gv
        z = vtg - (transposed(v) @ v) * np.diagonal(vtg, axis1=-2, axis2=-1)[..., None, :]
        inner = inner + _gap_inverse(w) * z
    return np.linalg.solve(transposed(v), inner @ transposed(v))


def eig_tangent(da, result, a):
    """The tangents (dw, dv) of eig(a) along `da` (unit-length eigenvectors)."""
    w, v = result[0], result[1]
    _real_spectrum(w, v)
    m = np.linalg.solve(v, da @ v)                     # V^-1 dA V
    dw = np.diagonal(m, axis1=-2, axis2=-1)
    dv = v @ (_gap_inverse(w) * m)
    dv = dv - v * np.sum(v * dv, axis=-2, keepdims=True)  # keep unit length
    return dw, dv


@differentiated_from_source
def eigvals_adjoint(g, w, a):
    """The adjoint of `a` in eigvals(a), for real, distinct eigenvalues:
    V^-T diag(g) V^T."""
    _real_spectrum(w)
    w2, v = np.linalg.eig(a)
    _real_spectrum(w2, v)
    return np.linalg.solve(transposed(v), _diag_embed(g) @ transposed(v))


def eigvals_tangent(da, w, a):
    """The tangent of eigvals(a) along `da`: diag(V^-1 dA V)."""
    _real_spectrum(w)
    w2, v = np.linalg.eig(a)
    _real_spectrum(w2, v)
    return np.diagonal(np.linalg.solve(v, da @ v), axis1=-2, axis2=-1)


# ----------------------------------------------------------------------------- svd


def _extra_is_zero(g, axis, k) -> bool:
    """Whether the adjoint `g` of u (axis -1) or vt (axis -2) is zero past index k."""
    if _is_zero(g):
        return True
    extra = g[..., :, k:] if axis == -1 else g[..., k:, :]
    return not np.any(extra)


@differentiated_from_source
def _svd_parts(a, result, g, full_matrices, compute_uv, hermitian):
    """(input as the SVD sees it, thin u, s, thin vt, gu, gs, gvt).

    With full_matrices=True a non-square matrix has extra singular vectors (columns of
    u or rows of vt past min(m, n)) that complete an orthonormal basis: any completion
    will do, so they have no derivative. The thin factors are used instead, which is
    exact as long as nothing depends on the extra vectors."""
    x = symmetric_from_triangle(a, "L") if hermitian else np.asarray(a)
    if not compute_uv:
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        return x, u, s, vt, 0.0, g, 0.0
    u, s, vt = result[0], result[1], result[2]
    gu, gs, gvt = g[0], g[1], g[2]
    m, n = np.shape(x)[-2:]
    k = min(m, n)
    if full_matrices and m != n:
        if not (_extra_is_zero(gu, -1, k) and _extra_is_zero(gvt, -2, k)):
            raise NoDerivativeError(
                "np.linalg.svd(a, full_matrices=True) of a non-square matrix "
                f"({m}x{n}): the singular vectors past the first {k} are an arbitrary "
                "completion of an orthonormal basis and have no derivative",
                hint="call np.linalg.svd(a, full_matrices=False), or use only the first "
                     "min(m, n) singular vectors")
        u, vt = u[..., :, :k], vt[..., :k, :]
        gu = gu if _is_zero(gu) else gu[..., :, :k]
        gvt = gvt if _is_zero(gvt) else gvt[..., :k, :]
    return x, u, s, vt, gu, gs, gvt


def svd_adjoint(g, result, a, full_matrices=True, compute_uv=True, hermitian=False):
    """The adjoint of `a` in np.linalg.svd(a, ...) (Townsend 2016), for distinct
    nonzero singular values; adjoints of unused outputs may be the scalar 0.0."""
    x, u, s, vt, gu, gs, gvt = _svd_parts(a, result, g, full_matrices, compute_uv, hermitian)
    inner, extra, _, _ = svd_vector_terms(np.shape(x), u, s, vt, gu, gvt, transposed)
    out = u @ (_diag_embed(_as_array_like(gs, s)) + inner) @ vt + extra
    return triangle_gradient(out, "L") if hermitian else out


@differentiated_from_source
def svd_vector_terms(shape, u, s, vt, gu, gvt, flip):
    """The part of the SVD adjoint that comes from the singular vectors' adjoints `gu`,
    `gvt` (either may be the scalar 0.0): `(inner, extra, b, e)` with the adjoint
    `u @ (diag(gs) + inner) @ vt + extra`, and `b = flip(u) @ gu`, `e = flip(v) @ gv`
    (None where unused). `flip` is the transpose for real matrices, the conjugate
    transpose for complex ones (whose phase term needs `b` and `e`)."""
    m, n = shape[-2:]
    inner = extra = 0.0
    b = e = None
    if not _is_zero(gu) or not _is_zero(gvt):
        v = flip(vt)
        f = _gap_inverse(s, square=True)
        s_row = s[..., None, :]   # scales columns
        s_col = s[..., :, None]   # scales rows
        if not _is_zero(gu):
            b = flip(u) @ gu
            inner = inner + (f * (b - flip(b))) * s_row
            if m > n:
                extra = extra + ((gu - u @ b) / s_row) @ vt
        if not _is_zero(gvt):
            gv = flip(gvt)
            e = flip(v) @ gv
            inner = inner + s_col * (f * (e - flip(e)))
            if m < n:
                extra = extra + (u / s_row) @ flip(gv - v @ e)
    return inner, extra, b, e


def svd_tangent(da, result, a, full_matrices=True, compute_uv=True, hermitian=False):
    """The tangents (du, ds, dvt) of np.linalg.svd(a, ...) along `da` (ds alone when
    compute_uv=False). With full_matrices=True, the extra singular vectors of a
    non-square matrix have no derivative: their tangents are NaN."""
    zero = (0.0, 0.0, 0.0) if compute_uv else 0.0
    x, u, s, vt, _, _, _ = _svd_parts(a, result, zero, full_matrices, compute_uv, hermitian)
    dx = symmetric_from_triangle(da, "L") if hermitian else np.broadcast_to(da, np.shape(x))
    v = transposed(vt)
    dp = transposed(u) @ dx @ v
    ds = np.diagonal(dp, axis1=-2, axis2=-1)
    if not compute_uv:
        return ds
    m, n = np.shape(x)[-2:]
    f = _gap_inverse(s, square=True)
    s_row = s[..., None, :]
    s_col = s[..., :, None]
    du = u @ (f * (dp * s_row + s_col * transposed(dp)))
    dv = v @ (f * (s_col * dp + transposed(dp) * s_row))
    if m > n:
        du = du + (dx @ v - u @ dp) / s_row
    if m < n:
        dv = dv + (transposed(dx) @ u - v @ transposed(dp)) / s_row
    dvt = transposed(dv)
    du, dvt = nan_extra_vectors(du, dvt, m, n, full_matrices)
    return du, ds, dvt


@differentiated_from_source
def nan_extra_vectors(du, dvt, m, n, full_matrices):
    """With full_matrices=True, a non-square matrix's extra singular vectors (an arbitrary
    completion of a basis) have no tangent: NaN columns of du and rows of dvt."""
    if full_matrices and m != n:
        du = np.concatenate([du, np.full(du.shape[:-1] + (m - du.shape[-1],), np.nan)], -1)
        dvt = np.concatenate([dvt, np.full(dvt.shape[:-2] + (n - dvt.shape[-2], n), np.nan)],
                             -2)
    return du, dvt


@differentiated_from_source
def svdvals_adjoint(g, x):
    """The adjoint of `x` in np.linalg.svdvals(x): U diag(g) V^T."""
    u, _, vt = np.linalg.svd(x, full_matrices=False)
    return (u * np.asarray(g)[..., None, :]) @ vt


def svdvals_tangent(dx, x):
    """The tangent of np.linalg.svdvals(x) along `dx`: diag(U^T dx V)."""
    u, _, vt = np.linalg.svd(x, full_matrices=False)
    return np.einsum("...ij,...ik,...jk->...j", u, dx, vt)


# ----------------------------------------------------------------------------- qr
#
# A = Q R. For a tall (or square) matrix, with C = Q^T dA R^-1 and the antisymmetric
# Omega = tril(C, -1) - tril(C, -1)^T:  dR = (C - Omega) R, dQ = dA R^-1 - Q (C - Omega).
# Adjoint (Walter & Lehmann 2018; Seeger et al. 2017): M = R gR^T - gQ^T Q,
# adj(A) = (gQ + Q copyltu(M)) R^-T with copyltu(M) = tril(M) + tril(M, -1)^T.
# A wide matrix [X | Y] (m < n) is X = Q U (square QR) and Y = Q V.


@differentiated_from_source
def _copyltu(m):
    return np.tril(m) + transposed(np.tril(m, -1))


@check_only
def _qr_check(mode):
    if mode not in ("reduced", "complete", "r"):
        raise NoDerivativeError(f"np.linalg.qr(mode={mode!r}) has no derivative rule",
                                hint="use mode='reduced', 'complete' or 'r'")


@differentiated_from_source
def _qr_thin(a, result, g, mode):
    """(q, r, gq, gr) of the thin factorization (q: m x k, r: k x n, k = min(m, n))."""
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    if mode == "r":
        q, r = np.linalg.qr(a)
        return q, r, 0.0, g
    q, r = result[0], result[1]
    gq, gr = g[0], g[1]
    if mode == "complete" and m > n:
        if not _extra_is_zero(gq, -1, k):
            raise NoDerivativeError(
                f"np.linalg.qr(a, mode='complete') of a {m}x{n} matrix: the columns of q "
                f"past the first {n} complete an orthonormal basis arbitrarily and have "
                "no derivative", hint="use mode='reduced', or only the first n columns")
        q, r = q[..., :, :k], r[..., :k, :]
        gq = gq if _is_zero(gq) else gq[..., :, :k]
        gr = gr if _is_zero(gr) else gr[..., :k, :]
    return q, r, gq, gr


@differentiated_from_source
def _qr_square_adjoint(q, r, gq, gr):
    """The adjoint of X in (q, r) = qr(X) for X tall or square (r square)."""
    gq = _as_array_like(gq, q)
    gr = _as_array_like(gr, r)
    m = r @ transposed(gr) - transposed(gq) @ q
    rhs = gq + q @ _copyltu(m)                      # then times R^-T:
    return transposed(np.linalg.solve(r, transposed(rhs)))


@differentiated_from_source
def qr_adjoint(g, result, a, mode="reduced"):
    """The adjoint of `a` in np.linalg.qr(a, mode), for a matrix of full rank."""
    _qr_check(mode)
    q, r, gq, gr = _qr_thin(a, result, g, mode)
    m, n = np.shape(a)[-2:]
    if m >= n:
        return _qr_square_adjoint(q, r, gq, gr)
    # wide: a = [x | y], x = q u, y = q v
    y = np.asarray(a)[..., :, m:]
    gr = _as_array_like(gr, r)
    gu, gv = gr[..., :, :m], gr[..., :, m:]
    gq_total = _as_array_like(gq, q) + y @ transposed(gv)
    gx = _qr_square_adjoint(q, r[..., :, :m], gq_total, gu)
    return np.concatenate([gx, q @ gv], axis=-1)


def _qr_square_tangent(dx, q, r):
    c = transposed(np.linalg.solve(transposed(r), transposed(transposed(q) @ dx)))  # Q^T dX R^-1
    low = np.tril(c, -1)
    upper = c - (low - transposed(low))              # C - Omega
    return dx @ np.linalg.inv(r) - q @ upper, upper @ r


def qr_tangent(da, result, a, mode="reduced"):
    """The tangent of np.linalg.qr(a, mode) along `da`: (dq, dr), or dr for mode='r'."""
    _qr_check(mode)
    q, r, _, _ = _qr_thin(a, result, 0.0 if mode == "r" else (0.0, 0.0), mode)
    m, n = np.shape(a)[-2:]
    da = np.broadcast_to(da, np.shape(a))
    if m >= n:
        dq, dr = _qr_square_tangent(da, q, r)
    else:
        dq, du = _qr_square_tangent(da[..., :, :m], q, r[..., :, :m])
        dv = transposed(dq) @ np.asarray(a)[..., :, m:] + transposed(q) @ da[..., :, m:]
        dr = np.concatenate([du, dv], axis=-1)
    if mode == "r":
        return dr
    if mode == "complete" and m > n:
        dq = np.concatenate([dq, np.full(dq.shape[:-1] + (m - n,), np.nan)], axis=-1)
        dr = np.concatenate([dr, np.zeros(dr.shape[:-2] + (m - n, n))], axis=-2)
    return dq, dr


# ----------------------------------------------------------------------------- lstsq
#
# x = pinv(a) @ b for a matrix of full rank (tall: the least-squares solution; wide: the
# minimum-norm one). residuals = |b - a x|^2 per column (returned for tall matrices of
# full rank): d residuals = 2 r^T (db - da x), since a^T r = 0. rank is an integer and s
# are the singular values of a.


@differentiated_from_source
def _lstsq_parts(y, a, b):
    x = y[0]
    vector = np.ndim(b) == 1
    x2 = x[:, None] if vector else x
    b2 = np.asarray(b)[:, None] if vector else np.asarray(b)
    return x2, b2, vector


@differentiated_from_source
def lstsq_adjoint_a(g, y, a, b):
    """The adjoint of `a` in np.linalg.lstsq(a, b)."""
    x2, b2, vector = _lstsq_parts(y, a, b)
    out = np.zeros(np.shape(a))
    gx, gres, gs = g[0], g[1], g[3]
    if not _is_zero(gx):
        gx2 = np.asarray(gx)[:, None] if vector else np.asarray(gx)
        out = out + pinv_adjoint(gx2 @ transposed(b2), np.linalg.pinv(a), a)
    if not _is_zero(gres) and np.size(y[1]):
        r = b2 - a @ x2
        out = out - 2.0 * (r * np.reshape(gres, (1, -1))) @ transposed(x2)
    if not _is_zero(gs):
        out = out + svdvals_adjoint(gs, a)
    return out


@differentiated_from_source
def lstsq_adjoint_b(g, y, a, b):
    """The adjoint of `b` in np.linalg.lstsq(a, b)."""
    x2, b2, vector = _lstsq_parts(y, a, b)
    out = np.zeros(np.shape(b2))
    gx, gres = g[0], g[1]
    if not _is_zero(gx):
        gx2 = np.asarray(gx)[:, None] if vector else np.asarray(gx)
        out = out + transposed(np.linalg.pinv(a)) @ gx2
    if not _is_zero(gres) and np.size(y[1]):
        out = out + 2.0 * (b2 - a @ x2) * np.reshape(gres, (1, -1))
    return out[:, 0] if vector else out


@differentiated_from_source
def lstsq_tangent(da, db, y, a, b):
    """The tangents (dx, dresiduals, 0, ds) of np.linalg.lstsq(a, b)."""
    x2, b2, vector = _lstsq_parts(y, a, b)
    pinv = np.linalg.pinv(a)
    da = np.broadcast_to(da, np.shape(a))
    db2 = np.broadcast_to(np.asarray(db)[:, None] if vector and np.ndim(db) else db,
                          np.shape(b2))
    dx2 = pinv_tangent(da, pinv, a) @ b2 + pinv @ db2
    dres = np.zeros(np.shape(y[1]))
    if np.size(y[1]):
        r = b2 - a @ x2
        dres = 2.0 * np.sum(r * (db2 - da @ x2), axis=0)
    ds = svdvals_tangent(da, a)
    return (dx2[:, 0] if vector else dx2), dres, 0, ds


# ----------------------------------------------------------------------------- pinv


def pinv_adjoint(g, y, a, hermitian=False):
    """The adjoint of `a` in y = pinv(a) (Golub-Pereyra; for a matrix of full rank):
    -Y^T G Y^T + (I - A Y) G^T Y Y^T + Y^T Y G^T (I - Y A)."""
    x = symmetric_from_triangle(a, "L") if hermitian else np.asarray(a)
    yt, gt = transposed(y), transposed(g)
    eye_m, eye_n = np.eye(x.shape[-2]), np.eye(x.shape[-1])
    out = (-(yt @ g @ yt) + (eye_m - x @ y) @ gt @ y @ yt
           + yt @ y @ gt @ (eye_n - y @ x))
    return triangle_gradient(out, "L") if hermitian else out


def pinv_tangent(da, y, a, hermitian=False):
    """The tangent of y = pinv(a) along `da`:
    -Y dA Y + Y Y^T dA^T (I - A Y) + (I - Y A) dA^T Y^T Y."""
    x = symmetric_from_triangle(a, "L") if hermitian else np.asarray(a)
    dx = symmetric_from_triangle(da, "L") if hermitian else da
    yt, dxt = transposed(y), transposed(dx)
    eye_m, eye_n = np.eye(x.shape[-2]), np.eye(x.shape[-1])
    return (-(y @ dx @ y) + y @ yt @ dxt @ (eye_m - x @ y)
            + (eye_n - y @ x) @ dxt @ yt @ y)


# ----------------------------------------------------------------------------- matrix_power


@differentiated_from_source
def _powers(a, count):
    """[I, a, a @ a, ...] (count matrices)."""
    out = [np.broadcast_to(_eye_like(a), np.shape(a))]
    for _ in range(count - 1):
        out.append(out[-1] @ a)
    return out


@differentiated_from_source
def matrix_power_adjoint(g, a, n):
    """The adjoint of `a` in matrix_power(a, n) = a^n (inverse powers for n < 0)."""
    base = np.linalg.inv(a) if n < 0 else np.asarray(a)
    k = abs(int(n))
    if k == 0:
        return np.zeros(np.shape(a))
    powers = [transposed(p) for p in _powers(base, k)]
    g_base = sum(powers[i] @ g @ powers[k - 1 - i] for i in range(k))
    if n < 0:
        bt = transposed(base)
        return -(bt @ g_base @ bt)
    return g_base


def matrix_power_tangent(da, a, n):
    """The tangent of matrix_power(a, n) along `da`."""
    base = np.linalg.inv(a) if n < 0 else np.asarray(a)
    k = abs(int(n))
    if k == 0:
        return np.zeros(np.shape(a))
    d_base = -(base @ da @ base) if n < 0 else da
    powers = _powers(base, k)
    return sum(powers[i] @ d_base @ powers[k - 1 - i] for i in range(k))


# ----------------------------------------------------------------------------- array API


@differentiated_from_source
def trace_last_adjoint(g, x, offset=0):
    """The adjoint of `x` in np.linalg.trace(x, offset=offset) (over the last two axes)."""
    m, n = np.shape(x)[-2:]
    return np.broadcast_to(np.asarray(g)[..., None, None] * np.eye(m, n, k=offset),
                           np.shape(x))


@differentiated_from_source
def diagonal_last_adjoint(g, x, offset=0):
    """The adjoint of `x` in np.linalg.diagonal(x, offset=offset): g on that diagonal."""
    m, n = np.shape(x)[-2:]
    rows = np.arange(np.shape(g)[-1]) + max(-offset, 0)
    out = np.zeros(np.shape(x), dtype=np.result_type(g, np.float64))
    out[..., rows, rows + offset] = g
    return out


# ----------------------------------------------------------------------------- norms


def _sign(x):
    return np.sign(x)


def _safe_divide(x, y):
    """x / y, and 0 where y == 0 (a norm's gradient at the zero vector is 0)."""
    y = np.asarray(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, x / np.where(y == 0, 1.0, y))


def _extreme_weights(values, axes, largest):
    """1 / (number of ties) where `values` reaches its max (or min) over `axes`, else 0:
    ties share the derivative evenly (as np.maximum's convention)."""
    target = np.max(values, axis=axes, keepdims=True) if largest else \
        np.min(values, axis=axes, keepdims=True)
    hit = values == target
    return hit / np.sum(hit, axis=axes, keepdims=True)


def _vector_weights(x, ord, axes):
    """W with d(norm) = sum over `axes` of W * dx, for a vector norm over `axes`."""
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    ax = np.abs(x)
    if ord is None or ord == 2:
        return _safe_divide(x, np.sqrt(np.sum(x * x, axis=axes, keepdims=True)))
    if ord == np.inf:
        return _sign(x) * _extreme_weights(ax, axes, largest=True)
    if ord == -np.inf:
        return _sign(x) * _extreme_weights(ax, axes, largest=False)
    if ord == 0:
        return np.zeros_like(x)  # the count of nonzero entries is piecewise constant
    if ord == 1:
        return _sign(x)
    p = float(ord)
    total = np.sum(ax ** p, axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = total ** (1.0 / p)
        ratio = np.where(ax == 0, 0.0, ax / np.where(norm == 0, 1.0, norm))
        w = _sign(x) * np.where(ax == 0, 0.0, ratio ** (p - 1.0))
    return np.where(norm == 0, 0.0, w)


@differentiated_from_source
def singular_value_weights(xm, ord):
    """W with d(norm) = Re(sum(conj(W) * dx)) for the singular-value norms of (a stack
    of) matrices `xm`: U V^H for 'nuc', u_1 v_1^H for 2, the last pair for -2."""
    u, _, vt = np.linalg.svd(xm, full_matrices=False)
    if ord == "nuc":
        return u @ vt
    i = 0 if ord == 2 else -1
    return u[..., :, i, None] * vt[..., i, None, :]


def _matrix_weights(x, ord, row, col):
    """W with d(norm) = sum over (row, col) of W * dx, for a matrix norm."""
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    if ord is None or ord == "fro":
        return _vector_weights(x, None, (row, col))
    xm = np.moveaxis(x, (row, col), (-2, -1))
    if ord in ("nuc", 2, -2):
        w = singular_value_weights(xm, ord)
    elif ord in (1, -1):
        # the largest (smallest) absolute column sum
        pick = _extreme_weights(np.sum(np.abs(xm), axis=-2), -1, largest=ord == 1)
        w = _sign(xm) * pick[..., None, :]
    elif ord in (np.inf, -np.inf):
        # the largest (smallest) absolute row sum
        pick = _extreme_weights(np.sum(np.abs(xm), axis=-1), -1, largest=ord == np.inf)
        w = _sign(xm) * pick[..., :, None]
    else:
        raise ValueError(f"Invalid norm order '{ord}' for matrices")
    return np.moveaxis(w, (-2, -1), (row, col))


def _norm_plan(x, ord, axis):
    """How np.linalg.norm(x, ord, axis) reduces: (weights W, axes summed over or None)."""
    ndim = np.ndim(x)
    if axis is None:
        if ord is None:
            return _vector_weights(x, None, None), None
        if ndim == 1:
            return _vector_weights(x, ord, (0,)), None
        if ndim == 2:
            return _matrix_weights(x, ord, 0, 1), None
        raise ValueError("Improper number of dimensions to norm.")
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(int(a) % ndim for a in axes)
    if len(axes) == 1:
        return _vector_weights(x, ord, axes), axes
    if len(axes) == 2:
        return _matrix_weights(x, ord, *axes), axes
    raise ValueError("Improper number of dimensions to norm.")


@differentiated_from_source
def _spread(g, x, axes, keepdims):
    """The adjoint of a reduction over `axes` (None: all) broadcast back to x's shape."""
    g = np.asarray(g)
    if axes is not None and not keepdims:
        g = np.expand_dims(g, tuple(sorted(axes)))
    return np.broadcast_to(g, np.shape(x))


def norm_adjoint(g, x, ord=None, axis=None, keepdims=False):
    """The adjoint of `x` in np.linalg.norm(x, ord, axis, keepdims)."""
    w, axes = _norm_plan(x, ord, axis)
    return _spread(g, x, axes, keepdims) * w


def norm_tangent(dx, x, ord=None, axis=None, keepdims=False):
    """The tangent of np.linalg.norm(x, ord, axis, keepdims) along `dx`."""
    w, axes = _norm_plan(x, ord, axis)
    return np.sum(w * dx, axis=axes, keepdims=keepdims)


def _order_derivative(x, ord, axes):
    """d(norm)/d(ord) for a vector p-norm over `axes` (keepdims shape), or None where the
    order is not a continuous parameter (None, 'fro', 'nuc', +-inf, 0, matrix norms).

    norm = S**(1/p), S = sum |x|**p:  d norm / dp = norm / p * (sum w log|x| - log norm),
    w = |x|**p / S. Zero entries contribute nothing; the derivative is 0 where norm is 0."""
    if ord is None or isinstance(ord, str) or not np.isfinite(ord) or ord == 0:
        return None
    p = float(ord)
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    ax = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        powers = np.where(ax == 0, 0.0, ax ** p)
        total = np.sum(powers, axis=axes, keepdims=True)
        norm = total ** (1.0 / p)
        logs = np.where(ax == 0, 0.0, np.log(np.where(ax == 0, 1.0, ax)))
        mean_log = np.sum(powers * logs, axis=axes, keepdims=True) / total
        out = norm / p * (mean_log - np.log(norm))
    return np.where((norm == 0) | ~np.isfinite(norm), 0.0, out)


def _order_plan(x, ord, axis):
    """The axes of a vector norm in np.linalg.norm(x, ord, axis), or None if the norm is a
    matrix norm (whose order is a choice among a few, not a continuous parameter)."""
    ndim = np.ndim(x)
    if axis is None:
        return (0,) if ndim == 1 else None
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(int(a) % ndim for a in axes) if len(axes) == 1 else None


def _squeeze(d, axes, keepdims):
    """A keepdims-shaped reduction result shaped as the reduction returns it."""
    if keepdims:
        return d
    return np.squeeze(d, axis=axes) if axes is not None else d.reshape(())


def norm_order_adjoint(g, x, ord=None, axis=None, keepdims=False):
    """The adjoint of `ord` in np.linalg.norm(x, ord, axis, keepdims): the p of a vector
    p-norm is a differentiable parameter."""
    axes = _order_plan(x, ord, axis)
    d = _order_derivative(x, ord, axes) if axes is not None else None
    if d is None:
        return 0.0
    return float(np.sum(np.asarray(g) * _squeeze(d, axes, keepdims)))


def norm_order_tangent(dord, x, ord=None, axis=None, keepdims=False):
    """The tangent of np.linalg.norm(x, ord, axis, keepdims) along `dord`."""
    axes = _order_plan(x, ord, axis)
    d = _order_derivative(x, ord, axes) if axes is not None and not _is_zero(dord) else None
    if d is None:
        return 0.0
    return _squeeze(d, axes, keepdims) * dord


def _vector_norm_axes(x, axis):
    if axis is None:
        return None
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(int(a) % np.ndim(x) for a in axes)


def vector_norm_adjoint(g, x, axis=None, keepdims=False, ord=2):
    """The adjoint of `x` in np.linalg.vector_norm(x, axis=..., keepdims=..., ord=...)."""
    axes = _vector_norm_axes(x, axis)
    return _spread(g, x, axes, keepdims) * _vector_weights(x, ord, axes)


def vector_norm_tangent(dx, x, axis=None, keepdims=False, ord=2):
    """The tangent of np.linalg.vector_norm along `dx`."""
    axes = _vector_norm_axes(x, axis)
    return np.sum(_vector_weights(x, ord, axes) * dx, axis=axes, keepdims=keepdims)


def vector_norm_order_adjoint(g, x, axis=None, keepdims=False, ord=2):
    """The adjoint of `ord` in np.linalg.vector_norm (a continuous parameter p)."""
    axes = _vector_norm_axes(x, axis)
    d = _order_derivative(x, ord, axes)
    if d is None:
        return 0.0
    return float(np.sum(np.asarray(g) * _squeeze(d, axes, keepdims)))


def vector_norm_order_tangent(dord, x, axis=None, keepdims=False, ord=2):
    """The tangent of np.linalg.vector_norm along `dord`."""
    axes = _vector_norm_axes(x, axis)
    d = _order_derivative(x, ord, axes) if not _is_zero(dord) else None
    if d is None:
        return 0.0
    return _squeeze(d, axes, keepdims) * dord


def matrix_norm_adjoint(g, x, keepdims=False, ord="fro"):
    """The adjoint of `x` in np.linalg.matrix_norm(x, keepdims=..., ord=...)."""
    axes = (np.ndim(x) - 2, np.ndim(x) - 1)
    return _spread(g, x, axes, keepdims) * _matrix_weights(x, ord, *axes)


def matrix_norm_tangent(dx, x, keepdims=False, ord="fro"):
    """The tangent of np.linalg.matrix_norm along `dx`."""
    axes = (np.ndim(x) - 2, np.ndim(x) - 1)
    return np.sum(_matrix_weights(x, ord, *axes) * dx, axis=axes, keepdims=keepdims)


# ============================================================================= second derivatives
#
# The helpers above as functions of all their inputs (the adjoints they are given, the
# primal's inputs and results), for Hessians and grad of grad: for each, its tangent
# (`<helper>_tangent`) and its adjoint (`<helper>_transpose`, returning the adjoints of
# its inputs in order). Inputs that give only a shape get zeros. Formulas: the product
# rule on the helper's own formula; each is checked against finite differences by the
# registry sweep (tests/rules/test_registry_sweep.py).


def _zeros_of(x):
    """Zeros shaped like `x` (0.0 for a number)."""
    return np.zeros(np.shape(x)) if np.ndim(x) else 0.0


def _unbroadcast_to(v, x):
    """`v` summed over the leading axes `x` lacks and the axes where `x` has length 1."""
    return unbroadcast(v, x) if np.shape(v) != np.shape(x) else v


# ----------------------------------------------------------------------------- solve


def solve_adjoint_a_transpose(d, gb, x, a, b):
    """The adjoints (of gb, x) in solve_adjoint_a(gb, x, a, b) = -gb x^T (summed to a's
    shape), given the adjoint `d` of its result (a and b give shapes only)."""
    if _solve_vector(a, b):
        gb2, x2 = np.asarray(gb)[..., None], np.asarray(x)[..., None]
    else:
        gb2, x2 = np.asarray(gb), np.asarray(x)
    d_gb = -(d @ x2)            # d broadcasts against the stack of gb x^T
    d_x = -(transposed(d) @ gb2)
    if _solve_vector(a, b):
        d_gb, d_x = d_gb[..., 0], d_x[..., 0]
    return _unbroadcast_to(d_gb, gb), _unbroadcast_to(d_x, x)


# ----------------------------------------------------------------------------- det


def _others_product(s):
    """Along the last axis: for each i, the product of all entries but the i-th (no
    division, so zeros are fine)."""
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return before * after


def cofactor_tangent(v, a):
    """The derivative of `cofactor(a)` along `v` (the Hessian of det(a) applied to v: a
    symmetric map, so also its adjoint). Polynomial in `a`, computed from an SVD so that
    it is exact at singular matrices too.

    With a = U S V^T: cofactor(a + v) = sign U adj(S + Y)^T V^T, Y = U^T v V, sign =
    det(U) det(V); d adj(S)[Y]^T has entries sum_{j != i} Y_jj P_ij on the diagonal and
    -Y_ji P_ij off it, P_ij the product of the singular values other than s_i and s_j."""
    a = np.asarray(a, dtype=np.result_type(a, np.float64))
    n = np.shape(a)[-1]
    v = np.broadcast_to(v, np.shape(a))
    if n < 2:
        return np.zeros(np.shape(a), dtype=np.result_type(a, v))
    u, s, vt = np.linalg.svd(a)
    sign = np.sign(np.linalg.det(u) * np.linalg.det(vt))
    if np.iscomplexobj(a):
        # a = u s vt with unitary u, vt: cofactor(a + v) = sign conj(u) adj(S + Y)^T
        # conj(vt), Y = u^H v vt^H (as in `cofactor`)
        u, vt = np.conj(u), np.conj(vt)
    eye = np.eye(n, dtype=bool)
    # P[..., i, j]: the products of s without s_i and s_j (s_i set to 1, then others)
    pairs = _others_product(np.where(eye, 1.0, s[..., None, :]))
    y = transposed(u) @ v @ transposed(vt)
    diagonal = np.diagonal(y, axis1=-2, axis2=-1)
    k = np.where(eye, 0.0, -transposed(y) * pairs)
    k = k + _diag_embed(np.sum(np.where(eye, 0.0, pairs * diagonal[..., None, :]), axis=-1))
    return sign[..., None, None] * (u @ k @ vt)


def det_adjoint_curvature(g, v, a):
    """g times the derivative of cofactor(a) along `v`: the part of the tangent of
    det_adjoint(g, a) that comes from `a` (and, with v the adjoint of its result, the
    adjoint of `a`)."""
    return np.asarray(g)[..., None, None] * cofactor_tangent(v, a)


# ----------------------------------------------------------------------------- norms
#
# norm_adjoint(g, x, ...) = spread(g) * W(x), W the gradient of the norm. The derivative
# of W is the norm's Hessian, slice by slice (symmetric, so it is its own adjoint):
# vector p-norms (p finite): dW = (p-1)/n ((|x|/n)**(p-2) v - W sum(W v)); the orders
# +-inf, 0 and 1 and the matrix orders +-1 and +-inf have piecewise constant W (dW = 0);
# the nuclear norm's W = U V^T and the 2-norm's W = u_1 v_1^T (-2: the last pair) follow
# the SVD. Where the norm is 0 W jumps, and dW is NaN (no derivative).


def _vector_weights_tangent(v, x, ord, axes):
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    v = np.broadcast_to(v, np.shape(x))
    if ord is None or ord == 2:
        p = 2.0
    elif ord in (np.inf, -np.inf, 0, 1):
        return np.zeros(np.shape(x))
    else:
        p = float(ord)
    w = _vector_weights(x, ord, axes)
    ax = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        norm = np.sum(ax ** p, axis=axes, keepdims=True) ** (1.0 / p)
        scale = np.ones(np.shape(x)) if p == 2.0 else (ax / norm) ** (p - 2.0)
        out = (p - 1.0) / norm * (scale * v - w * np.sum(w * v, axis=axes, keepdims=True))
    return np.where(norm == 0, np.nan, out)


def _polar_tangent(v, x):
    """The derivative of U V^T (x = U S V^T, thin) along `v`, for x of full rank:
    U Omega V^T + (I - U U^T) v V S^-1 V^T + U S^-1 U^T v (I - V V^T), with
    Omega_ij = (P_ij - P_ji) / (s_i + s_j), P = U^T v V."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    vv = transposed(vt)
    p = transposed(u) @ v @ vv
    with np.errstate(divide="ignore", invalid="ignore"):
        omega = (p - transposed(p)) / (s[..., :, None] + s[..., None, :])
        out = u @ omega @ vt
        m, n = np.shape(x)[-2:]
        if m > n:
            out = out + ((v @ vv - u @ p) / s[..., None, :]) @ vt
        if m < n:
            out = out + (u / s[..., None, :]) @ (transposed(u) @ v - p @ vt)
    return out


def _spectral_tangent(v, x, ord):
    """The derivative of u_i v_i^T (the singular pair of the largest singular value for
    ord=2, the smallest for ord=-2) along `v`."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    i = 0 if ord == 2 else -1
    with np.errstate(divide="ignore", invalid="ignore"):
        du, _, dvt = svd_tangent(v, (u, s, vt), x, full_matrices=False)
    return du[..., :, i, None] * vt[..., i, None, :] + u[..., :, i, None] * dvt[..., i, None, :]


def _matrix_weights_tangent(v, x, ord, row, col):
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    v = np.broadcast_to(v, np.shape(x))
    if ord is None or ord == "fro":
        return _vector_weights_tangent(v, x, None, (row, col))
    if ord in (1, -1, np.inf, -np.inf):
        return np.zeros(np.shape(x))
    if ord not in ("nuc", 2, -2):
        raise ValueError(f"Invalid norm order '{ord}' for matrices")
    xm = np.moveaxis(x, (row, col), (-2, -1))
    vm = np.moveaxis(v, (row, col), (-2, -1))
    out = _polar_tangent(vm, xm) if ord == "nuc" else _spectral_tangent(vm, xm, ord)
    return np.moveaxis(out, (-2, -1), (row, col))


def _norm_weights_tangent(v, x, ord, axis):
    """The derivative of the weights W of np.linalg.norm(x, ord, axis) along `v`."""
    ndim = np.ndim(x)
    if axis is None:
        if ord is None:
            return _vector_weights_tangent(v, x, None, None)
        if ndim == 1:
            return _vector_weights_tangent(v, x, ord, (0,))
        if ndim == 2:
            return _matrix_weights_tangent(v, x, ord, 0, 1)
        raise ValueError("Improper number of dimensions to norm.")
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(int(a) % ndim for a in axes)
    if len(axes) == 1:
        return _vector_weights_tangent(v, x, ord, axes)
    if len(axes) == 2:
        return _matrix_weights_tangent(v, x, ord, *axes)
    raise ValueError("Improper number of dimensions to norm.")


def norm_adjoint_curvature(g, v, x, ord=None, axis=None, keepdims=False):
    """spread(g) times the derivative of the norm's weights W(x) along `v`: the part of
    the tangent of norm_adjoint(g, x, ...) that comes from `x`, and (W's derivative being
    symmetric, slice by slice) the adjoint of `x` given the adjoint `v` of its result."""
    _, axes = _norm_plan(x, ord, axis)
    return _spread(g, x, axes, keepdims) * _norm_weights_tangent(v, x, ord, axis)


# ----------------------------------------------------------------------------- eigh
#
# eigh_adjoint(g, (w, V)) = T(V B V^T), B = diag(gw) + F * (V^T gv), F_ij = 1/(w_j - w_i)
# off the diagonal, T = triangle_gradient (whose adjoint is symmetric_from_triangle).
# dF_ij = -F_ij**2 (dw_j - dw_i). The F term is left out where gv is the scalar 0.0 that
# stands for an unused eigenvector adjoint (and so is its derivative in w).


def eigh_adjoint_tangent(dg, dresult, g, result, uplo="L"):
    """The tangent of eigh_adjoint(g, result, uplo) along the tangents of g = (gw, gv) and
    result = (w, v) (0.0 for a zero one, or for both items)."""
    w, v = result[0], result[1]
    gw, gv = g[0], g[1]
    dgw, dgv = (dg, dg) if not isinstance(dg, (tuple, list)) else dg
    dw, dv = (dresult, dresult) if not isinstance(dresult, (tuple, list)) else dresult
    dv = np.broadcast_to(dv, np.shape(v))
    dw = np.broadcast_to(dw, np.shape(w))
    inner = _diag_embed(_as_array_like(gw, w))
    d_inner = _diag_embed(_as_array_like(dgw, w))
    f = _gap_inverse(w)
    if not _is_zero(gv):
        vtg = transposed(v) @ gv
        inner = inner + f * vtg
        d_gap = -f * f * (dw[..., None, :] - dw[..., :, None])
        d_inner = d_inner + d_gap * vtg + f * (transposed(dv) @ gv)
    if not _is_zero(dgv):
        d_inner = d_inner + f * (transposed(v) @ dgv)
    vt = transposed(v)
    out = dv @ inner @ vt + v @ d_inner @ vt + v @ inner @ transposed(dv)
    return triangle_gradient(out, uplo)


def eigh_adjoint_transpose(d, g, result, uplo="L"):
    """The adjoints (of g = (gw, gv), result = (w, v)) in eigh_adjoint(g, result, uplo),
    given the adjoint `d` of its result."""
    w, v = result[0], result[1]
    gw, gv = g[0], g[1]
    e = symmetric_from_triangle(d, uplo)
    m = transposed(v) @ e @ v
    inner = _diag_embed(_as_array_like(gw, w))
    d_gw = unbroadcast(np.diagonal(m, axis1=-2, axis2=-1), gw)
    d_w = np.zeros(np.shape(w))
    d_gv = _zeros_of(gv)
    d_v = 0.0
    if not _is_zero(gv):
        f = _gap_inverse(w)
        vtg = transposed(v) @ gv
        inner = inner + f * vtg
        n = f * m
        d_gv = v @ n
        d_v = gv @ transposed(n)
        q = m * vtg * f * f
        d_w = np.sum(q, axis=-1) - np.sum(q, axis=-2)
    d_v = d_v + e @ v @ (inner + transposed(inner))
    return (d_gw, d_gv), (d_w, d_v)


# ----------------------------------------------------------------------------- cholesky
#
# cholesky_adjoint(g, L) = T(S), S = L^-T phi(L^T g) L^-1 (L = the lower factor: the
# transpose of `factor` when upper, and g likewise). As a function of g and L (any
# invertible L): dS = L^-T dphi L^-1 - L^-T dL^T S - S dL L^-1, dphi = phi(dL^T g + L^T dg);
# adjoint: with E = symmetric_from_triangle(d) and X = L^-1, dphi gets X E X^T, L gets
# -X^T (phi X E^T + phi^T X E) X^T from X, and g L phi(X E X^T), L g phi(X E X^T)^T.


def _cholesky_parts(g, factor, upper):
    low = transposed(factor) if upper else np.asarray(factor)
    g_low = transposed(g) if upper else np.asarray(g)
    return low, g_low, "U" if upper else "L"


def _solve_right(m, low):
    """m L^-1."""
    return transposed(np.linalg.solve(transposed(low), transposed(m)))


def cholesky_adjoint_tangent(dg, dfactor, g, factor, upper=False):
    """The tangent of cholesky_adjoint(g, factor, upper) along (dg, dfactor)."""
    low, g_low, uplo = _cholesky_parts(g, factor, upper)
    d_low = np.broadcast_to(transposed(dfactor) if upper and np.ndim(dfactor) else dfactor,
                            np.shape(low))
    d_g = np.broadcast_to(transposed(dg) if upper and np.ndim(dg) else dg, np.shape(low))
    p = _phi(transposed(low) @ g_low)
    s = _solve_right(np.linalg.solve(transposed(low), p), low)          # L^-T P L^-1
    d_p = _phi(transposed(d_low) @ g_low + transposed(low) @ d_g)
    d_s = _solve_right(np.linalg.solve(transposed(low), d_p), low) \
        - np.linalg.solve(transposed(low), transposed(d_low) @ s) - _solve_right(s @ d_low, low)
    return triangle_gradient(d_s, uplo)


def cholesky_adjoint_transpose(d, g, factor, upper=False):
    """The adjoints (of g, factor) in cholesky_adjoint(g, factor, upper), given the
    adjoint `d` of its result."""
    low, g_low, uplo = _cholesky_parts(g, factor, upper)
    e = symmetric_from_triangle(d, uplo)
    x = np.linalg.inv(low)
    p = _phi(transposed(low) @ g_low)
    d_p = x @ e @ transposed(x)
    d_x = p @ x @ transposed(e) + transposed(p) @ x @ e
    d_z = _phi(d_p)                                    # the adjoint of Z = L^T g
    d_low = -(transposed(x) @ d_x @ transposed(x)) + g_low @ transposed(d_z)
    d_g_low = low @ d_z
    if upper:
        return transposed(d_g_low), transposed(d_low)
    return d_g_low, d_low


# ----------------------------------------------------------------------------- pinv
#
# pinv_adjoint(G, Y, A) = -Y^T G Y^T + (I - A Y) G^T Y Y^T + Y^T Y G^T (I - Y A) (with A
# symmetric_from_triangle(a) and the result passed through triangle_gradient when
# hermitian): a polynomial in G, Y and A, differentiated term by term.


def _pinv_input(a, hermitian):
    return symmetric_from_triangle(a, "L") if hermitian else np.asarray(a)


def pinv_adjoint_tangent(dg, dy, da, g, y, a, hermitian=False):
    """The tangent of pinv_adjoint(g, y, a, hermitian) along (dg, dy, da)."""
    x = _pinv_input(a, hermitian)
    dx = _pinv_input(np.broadcast_to(da, np.shape(x)), hermitian)
    dg = np.broadcast_to(dg, np.shape(g))
    dy = np.broadcast_to(dy, np.shape(y))
    yt, gt, dyt, dgt = transposed(y), transposed(g), transposed(dy), transposed(dg)
    eye_m, eye_n = np.eye(x.shape[-2]), np.eye(x.shape[-1])
    r, q = eye_m - x @ y, eye_n - y @ x
    dr, dq = -(dx @ y + x @ dy), -(dy @ x + y @ dx)
    out = -(dyt @ g @ yt + yt @ dg @ yt + yt @ g @ dyt) \
        + dr @ gt @ y @ yt + r @ (dgt @ y @ yt + gt @ dy @ yt + gt @ y @ dyt) \
        + (dyt @ y + yt @ dy) @ gt @ q + yt @ y @ dgt @ q + yt @ y @ gt @ dq
    return triangle_gradient(out, "L") if hermitian else out


def pinv_adjoint_transpose(d, g, y, a, hermitian=False):
    """The adjoints (of g, y, a) in pinv_adjoint(g, y, a, hermitian), given the adjoint
    `d` of its result."""
    x = _pinv_input(a, hermitian)
    e = symmetric_from_triangle(d, "L") if hermitian else np.broadcast_to(d, np.shape(x))
    yt, gt, et = transposed(y), transposed(g), transposed(e)
    eye_m, eye_n = np.eye(x.shape[-2]), np.eye(x.shape[-1])
    r, q = eye_m - x @ y, eye_n - y @ x
    # -Y^T G Y^T
    d_g = -(y @ e @ y)
    d_y = -(g @ yt @ et) - (et @ yt @ g)
    # R G^T Y Y^T, R = I - A Y
    d_r = e @ y @ yt @ g
    d_x = -(d_r @ yt)
    d_y = d_y - transposed(x) @ d_r + g @ transposed(r) @ e @ y + et @ r @ gt @ y
    d_g = d_g + y @ yt @ et @ r
    # Y^T Y G^T Q, Q = I - Y A
    d_q = g @ yt @ y @ e
    d_y = d_y + y @ gt @ q @ et + y @ e @ transposed(q) @ g - d_q @ transposed(x)
    d_g = d_g + q @ et @ yt @ y
    d_x = d_x - yt @ d_q
    d_a = triangle_gradient(d_x, "L") if hermitian else d_x
    return _unbroadcast_to(d_g, g), _unbroadcast_to(d_y, y), _unbroadcast_to(d_a, a)


# ----------------------------------------------------------------------------- svd
#
# svd_adjoint with compute_uv=True is a formula in the thin factors (u, s, vt) and the
# adjoints (gu, gs, gvt) (a gives only shapes): out = u B vt + extra, with
# B = diag(gs) + (F * (J - J^T)) diag(s) + diag(s) (F * (K - K^T)), J = u^T gu,
# K = vt gvt^T, F_ij = 1/(s_j**2 - s_i**2), and for m > n extra = ((gu - u J) / s) vt, for
# m < n extra = (u / s) (gvt - K^T vt); a term is left out where its adjoint is the
# scalar 0.0 of an unused output. With compute_uv=False it is U diag(gs) V^T of the SVD of
# a, the gradient of sum(gs * s(a)): its derivative in a is that function's Hessian
# (symmetric), computed with svd_tangent.


def _svd_uv_parts(g, result, full_matrices, m, n):
    """(thin u, s, thin vt, gu, gs, gvt, k): the full factors cut to k = min(m, n)."""
    k = min(m, n)
    u, s, vt = result[0], result[1], result[2]
    gu, gs, gvt = g[0], g[1], g[2]
    if full_matrices and m != n:
        u, vt = u[..., :, :k], vt[..., :k, :]
        gu = gu if _is_zero(gu) else gu[..., :, :k]
        gvt = gvt if _is_zero(gvt) else gvt[..., :k, :]
    return u, s, vt, gu, gs, gvt, k


def _items3(t):
    return (t, t, t) if not isinstance(t, (tuple, list)) else tuple(t)


def _svd_uv_tangent(dg, dresult, g, result, m, n, full_matrices):
    u, s, vt, gu, gs, gvt, k = _svd_uv_parts(g, result, full_matrices, m, n)
    dgu, dgs, dgvt = _items3(dg)
    du, ds, dvt = _items3(dresult)
    du = np.broadcast_to(du, np.shape(result[0]))[..., :, :k]
    dvt = np.broadcast_to(dvt, np.shape(result[2]))[..., :k, :]
    ds = np.broadcast_to(ds, np.shape(s))
    use_u = not (_is_zero(gu) and _is_zero(dgu))
    use_v = not (_is_zero(gvt) and _is_zero(dgvt))
    s_row, s_col = s[..., None, :], s[..., :, None]
    ds_row, ds_col = ds[..., None, :], ds[..., :, None]
    inner = _diag_embed(_as_array_like(gs, s))
    d_inner = _diag_embed(_as_array_like(dgs, s))
    d_extra = 0.0
    f = _gap_inverse(s, square=True)
    d_f = -f * f * 2.0 * (s_row * ds_row - s_col * ds_col)
    if use_u:
        gu = _as_array_like(gu, u)
        dgu = np.broadcast_to(dgu, np.shape(result[0]))[..., :, :k]
        j = transposed(u) @ gu
        dj = transposed(du) @ gu + transposed(u) @ dgu
        a1 = f * (j - transposed(j))
        d_a1 = d_f * (j - transposed(j)) + f * (dj - transposed(dj))
        inner = inner + a1 * s_row
        d_inner = d_inner + d_a1 * s_row + a1 * ds_row
        if m > n:
            r1 = gu - u @ j
            d_r1 = dgu - du @ j - u @ dj
            d_extra = d_extra + (d_r1 / s_row - r1 * ds_row / (s_row * s_row)) @ vt \
                + (r1 / s_row) @ dvt
    if use_v:
        gvt = _as_array_like(gvt, vt)
        dgvt = np.broadcast_to(dgvt, np.shape(result[2]))[..., :k, :]
        kk = vt @ transposed(gvt)
        dk = dvt @ transposed(gvt) + vt @ transposed(dgvt)
        a2 = f * (kk - transposed(kk))
        d_a2 = d_f * (kk - transposed(kk)) + f * (dk - transposed(dk))
        inner = inner + s_col * a2
        d_inner = d_inner + ds_col * a2 + s_col * d_a2
        if m < n:
            r2 = gvt - transposed(kk) @ vt
            d_r2 = dgvt - transposed(dk) @ vt - transposed(kk) @ dvt
            d_extra = d_extra + (du / s_row - u * ds_row / (s_row * s_row)) @ r2 \
                + (u / s_row) @ d_r2
    return du @ inner @ vt + u @ d_inner @ vt + u @ inner @ dvt + d_extra


def _svd_uv_transpose(e, g, result, m, n, full_matrices):
    """The adjoints (gu, gs, gvt) and (u, s, vt) of the compute_uv=True formula."""
    u, s, vt, gu, gs, gvt, k = _svd_uv_parts(g, result, full_matrices, m, n)
    use_u, use_v = not _is_zero(gu), not _is_zero(gvt)
    s_row, s_col = s[..., None, :], s[..., :, None]
    f = _gap_inverse(s, square=True)
    inner = _diag_embed(_as_array_like(gs, s))
    if use_u:
        j = transposed(u) @ gu
        a1 = f * (j - transposed(j))
        inner = inner + a1 * s_row
    if use_v:
        kk = vt @ transposed(gvt)
        a2 = f * (kk - transposed(kk))
        inner = inner + s_col * a2
    v = transposed(vt)
    d_inner = transposed(u) @ e @ v
    d_u = e @ v @ transposed(inner)
    d_vt = transposed(u @ inner) @ e
    d_s = np.zeros(np.shape(s))
    d_f = 0.0
    d_gu = d_gvt = 0.0
    if use_u:
        d_a1 = d_inner * s_row
        d_s = d_s + np.sum(d_inner * a1, axis=-2)
        d_f = d_f + d_a1 * (j - transposed(j))
        h = f * d_a1
        d_j = h - transposed(h)
        d_gu = 0.0
        if m > n:
            r1 = gu - u @ j
            d_z = e @ v
            d_vt = d_vt + transposed(r1 / s_row) @ e
            d_r1 = d_z / s_row
            d_s = d_s - np.sum(d_z * r1, axis=-2) / (s * s)
            d_gu = d_gu + d_r1
            d_u = d_u - d_r1 @ transposed(j)
            d_j = d_j - transposed(u) @ d_r1
        d_u = d_u + gu @ transposed(d_j)
        d_gu = d_gu + u @ d_j
    if use_v:
        d_a2 = s_col * d_inner
        d_s = d_s + np.sum(d_inner * a2, axis=-1)
        d_f = d_f + d_a2 * (kk - transposed(kk))
        h = f * d_a2
        d_k = h - transposed(h)
        d_gvt = 0.0
        if m < n:
            r2 = gvt - transposed(kk) @ vt
            d_z2 = e @ transposed(r2)
            d_r2 = transposed(u / s_row) @ e
            d_u = d_u + d_z2 / s_row
            d_s = d_s - np.sum(d_z2 * u, axis=-2) / (s * s)
            d_gvt = d_gvt + d_r2
            d_k = d_k - vt @ transposed(d_r2)
            d_vt = d_vt - kk @ d_r2
        d_vt = d_vt + d_k @ gvt
        d_gvt = d_gvt + transposed(d_k) @ vt
    if not _is_zero(d_f):
        q = d_f * f * f
        d_s = d_s + 2.0 * s * (np.sum(q, axis=-1) - np.sum(q, axis=-2))
    d_gs = unbroadcast(np.diagonal(d_inner, axis1=-2, axis2=-1), gs)
    if full_matrices and m != n:
        def pad(x, full, axis):
            if _is_zero(x) and not np.ndim(x):
                return x
            widths = [(0, 0)] * np.ndim(full)
            widths[axis] = (0, np.shape(full)[axis] - k)
            return np.pad(x, widths)
        d_u, d_vt = pad(d_u, result[0], -1), pad(d_vt, result[2], -2)
        d_gu = pad(d_gu, g[0], -1) if use_u else d_gu
        d_gvt = pad(d_gvt, g[2], -2) if use_v else d_gvt
    return (d_gu if use_u else _zeros_of(g[0]), d_gs, d_gvt if use_v else _zeros_of(g[2])), \
        (d_u, d_s, d_vt)


def _svd_values_hessian(v, gs, x):
    """The derivative of U diag(gs) V^T (the SVD of x) along v."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    gs = _as_array_like(gs, s)
    du, _, dvt = svd_tangent(v, (u, s, vt), x, full_matrices=False)
    return (du * gs[..., None, :]) @ vt + (u * gs[..., None, :]) @ dvt


def svd_adjoint_tangent(dg, dresult, da, g, result, a, full_matrices=True, compute_uv=True,
                        hermitian=False):
    """The tangent of svd_adjoint(g, result, a, ...) along (dg, dresult, da)."""
    m, n = np.shape(a)[-2:]
    if compute_uv:
        out = _svd_uv_tangent(dg, dresult, g, result, m, n, full_matrices)
    else:
        x = symmetric_from_triangle(a, "L") if hermitian else np.asarray(a)
        dx = np.broadcast_to(da, np.shape(x))
        dx = symmetric_from_triangle(dx, "L") if hermitian else dx
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        out = _svd_values_hessian(dx, g, x) + \
            (u * _as_array_like(dg, s)[..., None, :]) @ vt
    return triangle_gradient(out, "L") if hermitian else out


def svd_adjoint_transpose(d, g, result, a, full_matrices=True, compute_uv=True,
                          hermitian=False):
    """The adjoints (of g, result, a) in svd_adjoint(g, result, a, ...), given the adjoint
    `d` of its result."""
    m, n = np.shape(a)[-2:]
    e = symmetric_from_triangle(d, "L") if hermitian else np.broadcast_to(d, np.shape(a))
    if compute_uv:
        d_g, d_result = _svd_uv_transpose(e, g, result, m, n, full_matrices)
        return d_g, d_result, _zeros_of(a)
    x = symmetric_from_triangle(a, "L") if hermitian else np.asarray(a)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    d_g = unbroadcast(np.einsum("...ij,...ik,...jk->...j", u, e, vt), g)
    d_x = _svd_values_hessian(e, g, x)
    return d_g, _zeros_of(result), triangle_gradient(d_x, "L") if hermitian else d_x


def vector_norm_adjoint_curvature(g, v, x, axis=None, keepdims=False, ord=2):
    """As `norm_adjoint_curvature`, for np.linalg.vector_norm's helper."""
    axes = _vector_norm_axes(x, axis)
    return _spread(g, x, axes, keepdims) * _vector_weights_tangent(v, x, ord, axes)


def matrix_norm_adjoint_curvature(g, v, x, keepdims=False, ord="fro"):
    """As `norm_adjoint_curvature`, for np.linalg.matrix_norm's helper."""
    axes = (np.ndim(x) - 2, np.ndim(x) - 1)
    return _spread(g, x, axes, keepdims) * _matrix_weights_tangent(v, x, ord, *axes)
