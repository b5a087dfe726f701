"""Helpers that the `np.linalg` rules (srcad/rules/numpy_linalg.py) call for the
decompositions: eigh, eigvalsh, eig, eigvals, svd, svdvals, qr, and lstsq and pinv (which
go through the singular values). The conventions are those of srcad/runtime/linalg.py.
"""

from __future__ import annotations

import numpy as np

from srcad.errors import NoDerivativeError
from srcad.runtime.linalg import (
    _as_array_like,
    _diag_embed,
    _gap_inverse,
    _is_zero,
    symmetric_from_triangle,
    transposed,
    triangle_gradient,
)
from srcad.runtime.marks import check_only, differentiated_from_source

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
