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

_NUMPY2 = int(np.__version__.split(".")[0]) >= 2


# ----------------------------------------------------------------------------- basics


def transposed(x):
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    return np.swapaxes(x, -1, -2)


def _is_zero(g) -> bool:
    """True for the scalar 0.0 that stands for an unused output's adjoint."""
    return np.ndim(g) == 0 and not np.any(g)


def _as_array_like(g, value):
    """The adjoint `g` as an array shaped like `value` (a scalar 0.0 becomes zeros)."""
    return np.broadcast_to(np.asarray(g, dtype=np.result_type(g, value, np.float64)),
                           np.shape(value))


def _diag_embed(d):
    """A stack of diagonal matrices with diagonals `d` (..., n) -> (..., n, n)."""
    d = np.asarray(d)
    return d[..., :, None] * np.eye(d.shape[-1])


def _eye_like(x):
    return np.eye(np.shape(x)[-1])


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


def symmetric_from_triangle(a, uplo="L"):
    """The symmetric matrix NumPy works with when it reads only `a`'s lower ('L')
    or upper ('U') triangle."""
    if _check_uplo(uplo) == "L":
        return np.tril(a) + transposed(np.tril(a, -1))
    return np.triu(a) + transposed(np.triu(a, 1))


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
    v = transposed(vt)
    m, n = np.shape(x)[-2:]
    inner = _diag_embed(_as_array_like(gs, s))
    extra = 0.0
    if not _is_zero(gu) or not _is_zero(gvt):
        f = _gap_inverse(s, square=True)
        s_row = s[..., None, :]   # scales columns
        s_col = s[..., :, None]   # scales rows
        if not _is_zero(gu):
            utgu = transposed(u) @ gu
            inner = inner + (f * (utgu - transposed(utgu))) * s_row
            if m > n:
                extra = extra + ((gu - u @ utgu) / s_row) @ vt
        if not _is_zero(gvt):
            gv = transposed(gvt)
            vtgv = transposed(v) @ gv
            inner = inner + s_col * (f * (vtgv - transposed(vtgv)))
            if m < n:
                extra = extra + (u / s_row) @ transposed(gv - v @ vtgv)
    out = u @ inner @ vt + extra
    return triangle_gradient(out, "L") if hermitian else out


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
    if full_matrices and m != n:
        du = np.concatenate([du, np.full(du.shape[:-1] + (m - du.shape[-1],), np.nan)], -1)
        dvt = np.concatenate([dvt, np.full(dvt.shape[:-2] + (n - dvt.shape[-2], n), np.nan)],
                             -2)
    return du, ds, dvt


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


def _copyltu(m):
    return np.tril(m) + transposed(np.tril(m, -1))


def _qr_check(mode):
    if mode not in ("reduced", "complete", "r"):
        raise NoDerivativeError(f"np.linalg.qr(mode={mode!r}) has no derivative rule",
                                hint="use mode='reduced', 'complete' or 'r'")


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


def _qr_square_adjoint(q, r, gq, gr):
    """The adjoint of X in (q, r) = qr(X) for X tall or square (r square)."""
    gq = _as_array_like(gq, q)
    gr = _as_array_like(gr, r)
    m = r @ transposed(gr) - transposed(gq) @ q
    rhs = gq + q @ _copyltu(m)                      # then times R^-T:
    return transposed(np.linalg.solve(r, transposed(rhs)))


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


def _lstsq_parts(y, a, b):
    x = y[0]
    vector = np.ndim(b) == 1
    x2 = x[:, None] if vector else x
    b2 = np.asarray(b)[:, None] if vector else np.asarray(b)
    return x2, b2, vector


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


def _powers(a, count):
    """[I, a, a @ a, ...] (count matrices)."""
    out = [np.broadcast_to(_eye_like(a), np.shape(a))]
    for _ in range(count - 1):
        out.append(out[-1] @ a)
    return out


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


def trace_last_adjoint(g, x, offset=0):
    """The adjoint of `x` in np.linalg.trace(x, offset=offset) (over the last two axes)."""
    m, n = np.shape(x)[-2:]
    return np.broadcast_to(np.asarray(g)[..., None, None] * np.eye(m, n, k=offset),
                           np.shape(x))


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


def _matrix_weights(x, ord, row, col):
    """W with d(norm) = sum over (row, col) of W * dx, for a matrix norm."""
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    if ord is None or ord == "fro":
        return _vector_weights(x, None, (row, col))
    xm = np.moveaxis(x, (row, col), (-2, -1))
    if ord in ("nuc", 2, -2):
        u, _, vt = np.linalg.svd(xm, full_matrices=False)
        if ord == "nuc":
            w = u @ vt
        else:
            i = 0 if ord == 2 else -1
            w = u[..., :, i, None] * vt[..., i, None, :]
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
