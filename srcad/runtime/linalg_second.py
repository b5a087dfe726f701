"""Second derivatives of the `np.linalg` helpers (srcad/runtime/linalg.py and
linalg_decompositions.py): the tangents and adjoints of the solve, det, eigh, cholesky,
pinv and svd adjoints, for Hessians and grad of grad. Those of the norms are in
linalg_norms.py.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime import unbroadcast
from srcad.runtime.linalg import (
    _as_array_like,
    _diag_embed,
    _gap_inverse,
    _is_zero,
    _phi,
    _solve_vector,
    symmetric_from_triangle,
    transposed,
    triangle_gradient,
)
from srcad.runtime.linalg_decompositions import svd_tangent

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
