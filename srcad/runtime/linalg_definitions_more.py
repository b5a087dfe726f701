"""Plain-NumPy definitions of scipy.linalg's decompositions and matrix functions
(registered by srcad/rules/linalg_extra.py once the user's code imports scipy.linalg):
`svd`, `qr`, `qr_multiply`, `polar`, `lu`, `eigh_tridiagonal`, `expm_frechet`, `funm`,
`hessenberg`, `schur` and `rsf2csf`.

* `svd`, `qr`, `polar` are NumPy's svd / qr (the same LAPACK routines, gesdd and
  geqrf / orgqr, as SciPy's defaults) and share np.linalg's rules: distinct singular
  values for the singular vectors, a matrix of full rank for qr.
* `eigh_tridiagonal` is np.linalg.eigh of the tridiagonal matrix, with each eigenvector's
  sign that of SciPy's (a sign is piecewise constant: no derivative).
* `lu` unpacks scipy.linalg.lu_factor (square matrices), whose rules it shares.
* `expm_frechet` is the block formula: expm([[A, E], [0, A]]) = [[expm(A), L], [0, expm(A)]].
* `funm(A, func)` is V diag(func(w)) V^-1 from np.linalg.eig: matrices with real,
  distinct eigenvalues (eig refuses a complex spectrum).
* `hessenberg` is LAPACK's algorithm (Householder reflections as dgehrd / dlarfg form
  them), written in NumPy, so its derivative is that of SciPy's outputs.
* `schur` (real Schur form) calls SciPy and has rules of its own
  (`schur_tangent` / `schur_adjoint`) for matrices with real, distinct eigenvalues.
  `rsf2csf` takes such a triangular form (2x2 blocks are refused).

`hessenberg` applies its n - 2 reflections as dense matrices and the Schur derivative
solves n - 1 dense systems: O(n^4) work each, meant for small matrices. Stacks of
matrices are refused where SciPy loops over them (hessenberg, schur, funm, expm_frechet,
eigh_tridiagonal, qr_multiply); svd, qr, polar and lu take them as NumPy does.
"""

from __future__ import annotations

import numpy as np

from srcad.errors import NoDerivativeError, UnsupportedSyntaxError
from srcad.runtime.definitions import refuse_option
from srcad.runtime.linalg import _as_array_like, transposed
from srcad.runtime.marks import check_only, differentiated_from_source
from srcad.runtime.scipy_linalg_more import expm, permutation_matrix


@check_only
def refuse_true(function: str, option: str, value) -> None:
    """Refuse a flag srcad does not implement when it is set."""
    if value:
        refuse_option(function, option)


@check_only
def check_matrix(a, function: str, square: bool = True) -> None:
    """A single (square) real matrix, as the definitions below handle."""
    shape = np.shape(a)
    if len(shape) != 2:
        raise UnsupportedSyntaxError(
            f"srcad differentiates {function} of a single matrix (2-D), not of shape "
            f"{shape}", hint="call it on each matrix of the stack in a loop")
    if square and shape[0] != shape[1]:
        raise ValueError(f"{function} expected a square matrix, got shape {shape}")
    if np.iscomplexobj(a):
        raise UnsupportedSyntaxError(
            f"srcad differentiates {function} of real matrices only",
            hint="split the computation into real and imaginary parts")


# ============================================================================ svd, qr, polar


def column_signs(v, reference):
    """+1 or -1 per column of `v`: the sign that makes it agree with `reference`'s."""
    dots = np.sum(np.asarray(v) * np.asarray(reference), axis=-2)
    return np.where(dots < 0, -1.0, 1.0)


def svd_signs(u, a, full_matrices, driver):
    """+1 or -1 per singular pair: the signs that make NumPy's left singular vectors `u`
    of `a` those of SciPy's `driver` (piecewise constant)."""
    import scipy.linalg

    reference = scipy.linalg.svd(a, full_matrices=full_matrices, lapack_driver=driver)[0]
    return column_signs(u, reference)


@differentiated_from_source
def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """scipy.linalg.svd: NumPy's (LAPACK gesdd); with lapack_driver='gesvd' each pair of
    singular vectors takes the sign of SciPy's."""
    refuse_true("scipy.linalg.svd", "overwrite_a", overwrite_a)
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f'lapack_driver must be "gesdd" or "gesvd", not "{lapack_driver}"')
    if not compute_uv:
        return np.linalg.svd(a, compute_uv=False)
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    if lapack_driver == "gesdd":
        return u, s, vh
    signs = svd_signs(u, a, full_matrices, lapack_driver)
    k = np.shape(s)[-1]
    return u * signs, s, vh * signs[..., :k, None]


@differentiated_from_source
def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """scipy.linalg.qr: NumPy's qr ('full' is NumPy's 'complete', 'economic' its
    'reduced'); mode 'r' returns (R,) with SciPy's shapes."""
    refuse_true("scipy.linalg.qr", "overwrite_a", overwrite_a)
    refuse_true("scipy.linalg.qr", "pivoting", pivoting)
    if mode == "raw":
        refuse_option("scipy.linalg.qr", "mode='raw'")
    if mode not in ("full", "qr", "r", "economic"):
        raise ValueError("Mode argument should be one of ['full', 'r', 'economic', 'raw']")
    a = np.asarray(a)
    if mode == "r":
        r = np.linalg.qr(a, mode="r")
        rows, cols = np.shape(a)[-2], np.shape(a)[-1]
        if rows > cols:
            r = np.concatenate([r, np.zeros(np.shape(a)[:-2] + (rows - cols, cols))], axis=-2)
        return (r,)
    q, r = np.linalg.qr(a, mode="reduced" if mode == "economic" else "complete")
    return q, r


@check_only
def check_qr_multiply(a, c, mode) -> None:
    if mode not in ("left", "right"):
        raise ValueError(f"Mode argument can only be 'left' or 'right' but not '{mode}'")
    check_matrix(a, "scipy.linalg.qr_multiply", square=False)
    m, n = np.shape(a)
    if np.ndim(c) > 2:
        refuse_option("scipy.linalg.qr_multiply", "stacks of c")
    if mode == "left" and np.shape(c)[0] != min(m, n):
        raise ValueError("Array shapes are not compatible for Q @ c operation: "
                         f"{np.shape(a)} vs {np.shape(c)}")
    if mode == "right" and np.shape(c)[-1] != m:
        raise ValueError("Array shapes are not compatible for c @ Q operation: "
                         f"{np.shape(c)} vs {np.shape(a)}")


@differentiated_from_source
def qr_multiply(a, c, mode="right", pivoting=False, conjugate=False, overwrite_a=False,
                overwrite_c=False):
    """scipy.linalg.qr_multiply: (Q @ c or c @ Q, R) with the economic Q and R."""
    refuse_true("scipy.linalg.qr_multiply", "pivoting", pivoting)
    refuse_true("scipy.linalg.qr_multiply", "overwrite_a", overwrite_a)
    refuse_true("scipy.linalg.qr_multiply", "overwrite_c", overwrite_c)
    check_qr_multiply(a, c, mode)
    q, r = np.linalg.qr(a, mode="reduced")
    if conjugate:
        q = np.conjugate(q)
    if mode == "left":
        return q @ c, r
    return c @ q, r


@differentiated_from_source
def polar(a, side="right"):
    """scipy.linalg.polar from the thin SVD a = W S V^H: u = W V^H and p = V S V^H
    (side 'right', a = u p) or W S W^H (side 'left', a = p u)."""
    if side not in ("right", "left"):
        raise ValueError("`side` must be either 'right' or 'left'")
    w, s, vh = np.linalg.svd(a, full_matrices=False)
    u = w @ vh
    if side == "right":
        return u, (np.conjugate(transposed(vh)) * s[..., None, :]) @ vh
    return u, (w * s[..., None, :]) @ np.conjugate(transposed(w))


# ============================================================================ lu


def lu_factor(a):
    """scipy.linalg.lu_factor (SciPy imported on the first call): the rules of SciPy's
    function are registered for it in srcad/rules/linalg_extra.py."""
    import scipy.linalg

    return scipy.linalg.lu_factor(a)


def row_indices(piv):
    """The row indices p of lu's permutation (a = L[p] @ U) from LAPACK's pivots."""
    return np.argmax(np.swapaxes(permutation_matrix(piv), -1, -2), axis=-1).astype(np.int32)


@differentiated_from_source
def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """scipy.linalg.lu of square matrices, from lu_factor: a = P L U."""
    refuse_true("scipy.linalg.lu", "overwrite_a", overwrite_a)
    a = np.asarray(a)
    if np.ndim(a) < 2:
        raise ValueError("The input array must be at least two-dimensional.")
    if np.shape(a)[-1] != np.shape(a)[-2]:
        refuse_option("scipy.linalg.lu", "non-square matrices")
    packed, piv = lu_factor(a)
    eye = np.eye(np.shape(a)[-1])
    low = np.tril(packed, -1) + eye
    up = np.triu(packed)
    perm = transposed(permutation_matrix(piv))
    if permute_l:
        return perm @ low, up
    if p_indices:
        return row_indices(piv), low, up
    return perm, low, up


# ============================================================================ eigh_tridiagonal


def tridiagonal_signs(v, d, e, select, select_range, tol, lapack_driver):
    """+1 or -1 per eigenvector in `v`: the signs that make them SciPy's
    eigh_tridiagonal eigenvectors (piecewise constant)."""
    import scipy.linalg

    reference = scipy.linalg.eigh_tridiagonal(
        d, e, select=select, select_range=select_range, tol=tol,
        lapack_driver=lapack_driver)[1]
    return column_signs(v, reference)


@check_only
def check_tridiagonal(d, e, select) -> None:
    if np.ndim(d) > 1 or np.ndim(e) > 1:
        refuse_option("scipy.linalg.eigh_tridiagonal", "batches of d and e")
    if np.ndim(d) != 1 or np.ndim(e) != 1:
        raise ValueError("expected a 1-D array")
    if np.size(d) != np.size(e) + 1:
        raise ValueError(f"d ({np.size(d)}) must have one more element than e ({np.size(e)})")
    if select not in ("a", "i", "all", "index", 0, 2):
        refuse_option("scipy.linalg.eigh_tridiagonal", "select='v' (eigenvalues in a range)")


@differentiated_from_source
def eigh_tridiagonal(d, e, eigvals_only=False, select="a", select_range=None,
                     check_finite=True, tol=0.0, lapack_driver="auto"):
    """scipy.linalg.eigh_tridiagonal: np.linalg.eigh of the symmetric tridiagonal matrix
    (all eigenvalues, or those of the indices `select_range` with select='i'), each
    eigenvector with the sign of SciPy's."""
    d = np.asarray(d)
    e = np.asarray(e)
    check_tridiagonal(d, e, select)
    t = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    everything = select in ("a", "all", 0)
    first, last = (0, np.size(d) - 1) if everything else select_range
    if eigvals_only:
        return np.linalg.eigvalsh(t)[first:last + 1]
    w, v = np.linalg.eigh(t)
    w, v = w[first:last + 1], v[:, first:last + 1]
    return w, v * tridiagonal_signs(v, d, e, select, select_range, tol, lapack_driver)


# ============================================================================ expm_frechet


@check_only
def check_frechet(A, E, method) -> None:
    if np.ndim(A) > 2 or np.ndim(E) > 2:
        refuse_option("scipy.linalg.expm_frechet", "stacks of matrices")
    if np.ndim(A) != 2 or np.shape(A)[0] != np.shape(A)[1]:
        raise ValueError("expected A to be a square matrix")
    if np.ndim(E) != 2 or np.shape(E)[0] != np.shape(E)[1]:
        raise ValueError("expected E to be a square matrix")
    if np.shape(A) != np.shape(E):
        raise ValueError("expected A and E to be the same shape")
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"Unknown implementation {method}")


@differentiated_from_source
def expm_frechet(A, E, method=None, compute_expm=True, check_finite=True):
    """scipy.linalg.expm_frechet: expm(A) and the Frechet derivative L(A, E), the blocks
    of expm([[A, E], [0, A]])."""
    check_frechet(A, E, method)
    n = np.shape(A)[0]
    top = np.concatenate([A, E], axis=1)
    bottom = np.concatenate([np.zeros((n, n)), A], axis=1)
    x = expm(np.concatenate([top, bottom], axis=0))
    if compute_expm:
        return x[:n, :n], x[:n, n:]
    return x[:n, n:]


# ============================================================================ funm


@differentiated_from_source
def funm(A, func, disp=True):
    """scipy.linalg.funm(A, func) = V diag(func(w)) V^-1 for A = V diag(w) V^-1 with real,
    distinct eigenvalues (np.linalg.eig)."""
    check_matrix(A, "scipy.linalg.funm")
    if not disp:
        refuse_option("scipy.linalg.funm", "disp=False (the error estimate)")
    w, v = np.linalg.eig(A)
    fw = np.asarray(func(w))
    return transposed(np.linalg.solve(transposed(v), transposed(v * fw[None, :])))


# ============================================================================ hessenberg


@differentiated_from_source
def _reflector(x):
    """LAPACK's elementary reflector (dlarfg) of the vector x = [alpha, rest]: (v, tau,
    beta) with (I - tau v v^T) x = [beta, 0, ...], v[0] = 1 and beta = -sign(alpha)
    |x| (tau = 0, the identity, when rest is 0)."""
    alpha = x[0]
    rest = x[1:]
    rest_norm = np.sqrt(np.sum(rest * rest))
    moves = rest_norm > 0.0
    length = np.sqrt(alpha * alpha + rest_norm * rest_norm)
    beta = np.where(moves, np.where(alpha >= 0.0, -length, length), alpha)
    tau = np.where(moves, (beta - alpha) / np.where(moves, beta, 1.0), 0.0)
    scale = np.where(moves, 1.0 / np.where(moves, alpha - beta, 1.0), 0.0)
    v = np.concatenate([np.ones(1), rest * scale])
    return v, tau


@differentiated_from_source
def hessenberg(a, calc_q=False, overwrite_a=False, check_finite=True):
    """scipy.linalg.hessenberg: H = Q^T a Q upper Hessenberg, Q the product of LAPACK's
    reflectors H_0 H_1 ... H_{n-3} (dgehrd, no balancing), each zeroing a column below
    the subdiagonal."""
    refuse_true("scipy.linalg.hessenberg", "overwrite_a", overwrite_a)
    check_matrix(a, "scipy.linalg.hessenberg")
    h = np.asarray(a, dtype=float)
    n = np.shape(h)[0]
    q = np.eye(n)
    for i in range(n - 2):
        v, tau = _reflector(h[i + 1:, i])
        full = np.concatenate([np.zeros(i + 1), v])
        reflection = np.eye(n) - tau * (full[:, None] * full[None, :])
        h = reflection @ h @ reflection
        q = q @ reflection
    h = np.triu(h, -1)
    if calc_q:
        return h, q
    return h


# ============================================================================ schur


def schur_real(a):
    """scipy.linalg.schur(a) (real Schur form; SciPy imported on the first call): the
    rules of srcad/rules/linalg_extra.py differentiate it."""
    import scipy.linalg

    return scipy.linalg.schur(a)


@check_only
def check_triangular_schur(t) -> None:
    """The derivative of the real Schur form needs real eigenvalues (no 2x2 blocks)."""
    if np.any(np.tril(t, -1) != 0):
        raise NoDerivativeError(
            "srcad differentiates scipy.linalg.schur only for matrices with real "
            "eigenvalues (a triangular Schur form): this one has complex eigenvalues",
            hint="use np.linalg.eig / eigvals, or a symmetric matrix")


@differentiated_from_source
def _lower_sylvester(t, b):
    """The strictly lower triangular X with tril(T X - X T, -1) = B (T upper triangular
    with distinct diagonal), column by column from the left."""
    n = np.shape(t)[0]
    columns = []
    for j in range(n):
        if j == n - 1:
            columns.append(np.zeros(n))
            continue
        rhs = b[j + 1:, j]
        if j > 0:
            done = np.stack(columns, axis=1)
            rhs = rhs + done[j + 1:, :] @ t[:j, j]
        block = t[j + 1:, j + 1:] - t[j, j] * np.eye(n - j - 1)
        columns.append(np.concatenate([np.zeros(j + 1), np.linalg.solve(block, rhs)]))
    return np.stack(columns, axis=1)


@differentiated_from_source
def _lower_sylvester_transposed(t, b):
    """The strictly lower triangular Y with tril(T^T Y - Y T^T, -1) = B (the adjoint
    of `_lower_sylvester`), column by column from the right."""
    n = np.shape(t)[0]
    columns = [np.zeros(n)]
    for j in range(n - 2, -1, -1):
        later = np.stack(columns[::-1], axis=1)
        rhs = b[j + 1:, j] + later[j + 1:, :] @ t[j, j + 1:]
        block = transposed(t[j + 1:, j + 1:]) - t[j, j] * np.eye(n - j - 1)
        columns.append(np.concatenate([np.zeros(j + 1), np.linalg.solve(block, rhs)]))
    return np.stack(columns[::-1], axis=1)


@differentiated_from_source
def schur_tangent(da, result):
    """The tangents (dT, dZ) of (T, Z) = schur(a) along da: with C = Z^T dA Z and the
    skew Omega = Z^T dZ, dT = C + T Omega - Omega T upper triangular fixes Omega."""
    t, z = result[0], result[1]
    check_triangular_schur(t)
    c = transposed(z) @ da @ z
    low = _lower_sylvester(t, -np.tril(c, -1))
    omega = low - transposed(low)
    return np.triu(c + t @ omega - omega @ t), z @ omega


@differentiated_from_source
def schur_adjoint(g, result):
    """The adjoint of `a` in (T, Z) = schur(a), from (gT, gZ) (the transpose of
    `schur_tangent`)."""
    t, z = result[0], result[1]
    check_triangular_schur(t)
    gt = np.triu(_as_array_like(g[0], t))
    gz = _as_array_like(g[1], z)
    h = transposed(t) @ gt - gt @ transposed(t) + transposed(z) @ gz
    low = _lower_sylvester_transposed(t, np.tril(h - transposed(h), -1))
    return z @ (gt - low) @ transposed(z)


@differentiated_from_source
def schur(a, output="real", lwork=None, overwrite_a=False, sort=None, check_finite=True):
    """scipy.linalg.schur, real Schur form of a matrix with real eigenvalues."""
    refuse_true("scipy.linalg.schur", "overwrite_a", overwrite_a)
    if output not in ("real", "r"):
        refuse_option("scipy.linalg.schur", f"output={output!r}")
    if sort is not None:
        refuse_option("scipy.linalg.schur", "sort")
    check_matrix(a, "scipy.linalg.schur")
    return schur_real(a)


@check_only
def check_rsf2csf(t, z) -> None:
    check_matrix(t, "scipy.linalg.rsf2csf")
    check_matrix(z, "scipy.linalg.rsf2csf")
    if np.shape(t) != np.shape(z):
        raise ValueError(f"Input array shapes must match: Z: {np.shape(z)} vs. T: "
                         f"{np.shape(t)}")
    sub = np.abs(np.diagonal(t, -1))
    if np.any(sub > np.finfo(float).eps * (np.abs(np.diagonal(t)[:-1])
                                            + np.abs(np.diagonal(t)[1:]))):
        raise NoDerivativeError(
            "srcad differentiates scipy.linalg.rsf2csf only for a triangular real Schur "
            "form (real eigenvalues); this one has 2x2 blocks",
            hint="use np.linalg.eig for complex eigenvalues")


@differentiated_from_source
def rsf2csf(T, Z, check_finite=True):
    """scipy.linalg.rsf2csf of a triangular real Schur form: T (its first subdiagonal,
    negligible, set to 0) and Z as complex arrays."""
    check_rsf2csf(T, Z)
    n = np.shape(T)[0]
    below = np.eye(n, k=-1) == 1.0
    return np.where(below, 0.0, T) + 0j, np.asarray(Z) + 0j
