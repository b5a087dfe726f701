"""Helpers for the rules of scipy.linalg's factorizations, solvers and structured matrices
(srcad/rules/scipy_linalg_more.py): cholesky, cho_factor, cho_solve, solve_triangular,
solve, inv, det, expm, lu_factor, lu_solve, block_diag, toeplitz, circulant, eigh and
eigvalsh.

SciPy is optional and slow to import: `solve_triangular`, `cho_solve`, `lu_solve` and
`expm` here call SciPy's (importing it on their first call) and carry SciPy's rules, so
that the helpers below, written with them and marked `differentiated_from_source`, have
derivatives of every order. Every helper is written for real and complex values alike
under srcad's convention (docs/complex.md): `_h` is the conjugate transpose, the identity
on the conjugation for real arrays. Matrices may be stacked (leading batch axes) as SciPy
allows; a right-hand side `b` is a (stack of) vector(s) when it is 1-d, as in SciPy.

Formulas, with A = the matrix a routine works with, x its solution, g an adjoint:

* ``x = op(A)^-1 b`` (solve, solve_triangular, cho_solve, lu_solve; op = I, T or H):
  ``gb = op(A)^-H gx`` and ``g op(A) = -gb x^H``, then through the map from the
  arguments to A (its triangle, the factors, the structure `assume_a` names).
* ``A = herm(a)`` read from one triangle (cholesky, cho_factor, solve with 'pos', 'her',
  'sym'): the strict triangle and its (conjugate) transpose, and the diagonal (its real
  part for 'her' and 'pos': LAPACK ignores the imaginary part there). The adjoint lands
  on the triangle read: ``q_ij + conj(q_ji)`` off the diagonal, ``Re q_ii`` on it.
* Cholesky ``A = L L^H`` (Murray 2016, with conjugate transposes):
  ``dL = L phi(L^-1 dA L^-H)`` and ``gA = L^-H phi(L^H gL) L^-1`` (phi: the lower
  triangle with the diagonal halved).
* ``expm``: the Frechet derivative ``L(A, E)`` is the upper right block of
  ``expm([[A, E], [0, A]])``, and its adjoint is ``L(A^H, G)``.
* LU ``P A = L U`` (L unit lower triangular, U upper): with ``X = L^-1 P dA U^-1``,
  ``dL = L tril(X, -1)``, ``dU = triu(X) U``; the adjoint is
  ``gA = P^T L^-H (tril(L^H gL, -1) + triu(gU U^H)) U^-H``.
"""

from __future__ import annotations

import numpy as np

from srcad.errors import NoDerivativeError
from srcad.runtime import unbroadcast
from srcad.runtime.linalg import (
    _as_array_like,
    _eye_like,
    _is_zero,
    cholesky_adjoint,
    cholesky_tangent,
    eigh_adjoint,
    eigh_tangent,
    eigvalsh_adjoint,
    eigvalsh_tangent,
    transposed,
)
from srcad.runtime.linalg_complex import (
    eigh_adjoint_complex,
    eigh_tangent_complex,
    eigvalsh_adjoint_complex,
    eigvalsh_tangent_complex,
)
from srcad.runtime.marks import check_only, differentiated_from_source

# ============================================================================ SciPy's functions
# srcad's names for the SciPy functions the helpers call (SciPy imported on the first
# call); they have SciPy's rules, which SciPy's own functions share once imported.


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """scipy.linalg.solve_triangular."""
    import scipy.linalg

    return scipy.linalg.solve_triangular(a, b, trans, lower, unit_diagonal, overwrite_b,
                                         check_finite)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """scipy.linalg.cho_solve."""
    import scipy.linalg

    return scipy.linalg.cho_solve(c_and_lower, b, overwrite_b, check_finite)


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """scipy.linalg.lu_solve."""
    import scipy.linalg

    return scipy.linalg.lu_solve(lu_and_piv, b, trans, overwrite_b, check_finite)


def expm(A):
    """scipy.linalg.expm."""
    import scipy.linalg

    return scipy.linalg.expm(A)


# ============================================================================ flags
# Options read inside the helpers (registered as carrying no derivative).


def trans_code(trans) -> int:
    """SciPy's `trans` as 0 (a x = b), 1 (a^T x = b) or 2 (a^H x = b)."""
    codes = {0: 0, 1: 1, 2: 2, "N": 0, "T": 1, "C": 2, "n": 0, "t": 1, "c": 2}
    if isinstance(trans, np.bool_):
        trans = bool(trans)
    if trans not in codes:  # (True and False are 1 and 0, as SciPy takes them)
        raise ValueError(f"trans must be 0, 1, 2, 'N', 'T' or 'C', not {trans!r}")
    return codes[trans]


def adjoint_trans(trans) -> int:
    """The `trans` that solves with op(A)^H where `trans` solves with op(A), up to a
    conjugation for trans = 1 (see `solve_triangular_adjoint_b`): N -> C, T -> N,
    C -> N."""
    return 2 if trans_code(trans) == 0 else 0


# SciPy's `assume_a` names, by the structure srcad differentiates.
_STRUCTURES = {
    None: "general", "gen": "general", "general": "general",
    # 'banded' finds the band from the nonzero entries: the general matrix's function
    "banded": "general",
    "diagonal": "diagonal", "tridiagonal": "tridiagonal",
    "upper triangular": "upper", "lower triangular": "lower",
    "sym": "symmetric", "symmetric": "symmetric",
    "her": "hermitian", "hermitian": "hermitian",
    "pos": "hermitian", "positive definite": "hermitian",
}


def structure_of(assume_a) -> str:
    """The structure SciPy's solve / inv reads for `assume_a`: 'general', 'diagonal',
    'tridiagonal', 'upper', 'lower', 'symmetric' or 'hermitian' ('pos' reads the
    Hermitian matrix as 'her' does)."""
    try:
        return _STRUCTURES[assume_a]
    except (KeyError, TypeError):
        raise ValueError(f"{assume_a!r} is not a recognized matrix structure") from None


@check_only
def check_inv_structure(assume_a) -> None:
    """Refuse scipy.linalg.inv(a, assume_a='diagonal'): SciPy leaves the entries off the
    diagonal of its result as they were in `a`, not the zeros of the inverse."""
    if structure_of(assume_a) == "diagonal":
        raise NoDerivativeError(
            "scipy.linalg.inv(a, assume_a='diagonal') returns a matrix whose entries off "
            "the diagonal are not those of an inverse, so srcad gives it no derivative",
            hint="invert the diagonal yourself: np.diag(1.0 / np.diagonal(a))")


@check_only
def check_square(a, name) -> None:
    """Refuse a matrix that is not square (the rules below need square ones)."""
    if np.ndim(a) < 2 or np.shape(a)[-1] != np.shape(a)[-2]:
        raise NoDerivativeError(
            f"the derivative of scipy.linalg.{name} is implemented for square matrices "
            f"only; got shape {np.shape(a)}",
            hint="pass a square matrix (or a stack of them)")


def no_tangent(t) -> bool:
    """Whether the tangent of a tuple argument ((c, lower), (lu, piv)) is the scalar 0.0
    that stands for a zero one."""
    return not isinstance(t, (tuple, list)) and _is_zero(t)


def flag_of(lower) -> bool:
    """cho_factor's `lower` flag as a Python bool (for a stack of matrices SciPy returns
    an array of equal flags)."""
    return bool(np.ravel(lower)[0]) if np.ndim(lower) else bool(lower)


def permutation_matrix(piv):
    """The permutation matrix P (float) of LAPACK's row interchanges `piv` (0-based, as
    scipy.linalg.lu_factor returns them): P @ a applies them, P a = L U."""
    piv = np.asarray(piv)
    n = piv.shape[-1]
    out = np.zeros(piv.shape + (n,))
    for index in np.ndindex(piv.shape[:-1]):
        order = np.arange(n)
        for i, p in enumerate(piv[index]):
            order[i], order[p] = order[p], order[i]
        out[index + (np.arange(n), order)] = 1.0
    return out


# ============================================================================ basics


@differentiated_from_source
def _h(x):
    """The conjugate transpose of the last two axes."""
    return np.conjugate(transposed(x))


@differentiated_from_source
def _columns(v, vector):
    """A vector right-hand side (or solution) as a one-column matrix."""
    if vector:
        return np.asarray(v)[..., None]
    return np.asarray(v)


@differentiated_from_source
def _uncolumns(v, vector):
    if vector:
        return v[..., 0]
    return v


@differentiated_from_source
def _triangle(a, lower, k=0):
    """The lower (k <= 0) or upper (k >= 0) triangle of `a` from diagonal k on."""
    if lower:
        return np.tril(a, -k)
    return np.triu(a, k)


@differentiated_from_source
def _phi(x):
    """The lower triangle of `x` with its diagonal halved."""
    return np.tril(x) - 0.5 * x * _eye_like(x)


@differentiated_from_source
def _outer_columns(gb, x, vector):
    """gb x^H summed over the right-hand sides (the columns of a 2-d b)."""
    return _columns(gb, vector) @ _h(_columns(x, vector))


# ============================================================================ structures


def solve_structure(a, assume_a=None, lower=False):
    """The matrix scipy.linalg.solve / inv work with for `assume_a` (and `lower`, the
    triangle that 'sym', 'her' and 'pos' read): a linear map of `a`."""
    kind = structure_of(assume_a)
    a = np.asarray(a)
    if kind == "general":
        return a
    if kind == "diagonal":
        return a * _eye_like(a)
    if kind == "tridiagonal":
        return np.triu(np.tril(a, 1), -1)
    if kind in ("upper", "lower"):
        return _triangle(a, kind == "lower")
    strict = _triangle(a, lower, 1)
    if kind == "symmetric":
        return strict + transposed(strict) + a * _eye_like(a)
    return strict + _h(strict) + np.real(a) * _eye_like(a)


def solve_structure_adjoint(q, assume_a=None, lower=False):
    """The adjoint of `solve_structure`: the adjoint `q` of the structured matrix
    brought back to the entries of `a` it reads (an entry of the triangle collects
    q_ij + q_ji, or q_ij + conj(q_ji) for a Hermitian matrix)."""
    kind = structure_of(assume_a)
    q = np.asarray(q)
    if kind == "general":
        return q
    if kind == "diagonal":
        return q * _eye_like(q)
    if kind == "tridiagonal":
        return np.triu(np.tril(q, 1), -1)
    if kind in ("upper", "lower"):
        return _triangle(q, kind == "lower")
    if kind == "symmetric":
        return _triangle(q + transposed(q), lower, 1) + q * _eye_like(q)
    return _triangle(q + _h(q), lower, 1) + np.real(q) * _eye_like(q)


# ============================================================================ solve_triangular


@differentiated_from_source
def _triangular_matrix(a, lower, unit_diagonal):
    """The part of `a` solve_triangular reads: a triangle, without the diagonal when it
    is taken as ones (the derivative of the unit diagonal is zero)."""
    if unit_diagonal:
        return _triangle(a, lower, 1)
    return _triangle(a, lower)


@differentiated_from_source
def _op(m, trans):
    """op(m): m, m^T or m^H for trans 0, 1, 2."""
    code = trans_code(trans)
    if code == 0:
        return m
    if code == 1:
        return transposed(m)
    return _h(m)


@differentiated_from_source
def _op_adjoint(g, trans):
    """The adjoint of m given the adjoint `g` of op(m)."""
    code = trans_code(trans)
    if code == 0:
        return g
    if code == 1:
        return transposed(g)
    return _h(g)


@differentiated_from_source
def solve_triangular_adjoint_b(g, a, b, trans=0, lower=False, unit_diagonal=False):
    """op(T)^-H g for the triangular T that solve_triangular(a, b, trans, lower,
    unit_diagonal) solves with (g shaped like the solution: a vector b gives a stack of
    vectors when `a` is a stack, solved as one-column matrices)."""
    vector = np.ndim(b) == 1
    g = _columns(g, vector)
    if trans_code(trans) == 1:
        # (T^T)^-H = conj(T)^-1
        out = np.conjugate(solve_triangular(a, np.conjugate(g), 0, lower, unit_diagonal))
    else:
        out = solve_triangular(a, g, adjoint_trans(trans), lower, unit_diagonal)
    return _uncolumns(out, vector)


@differentiated_from_source
def solve_triangular_adjoint_a(gb, x, a, b, trans=0, lower=False, unit_diagonal=False):
    """The adjoint of `a` in x = solve_triangular(a, b, ...), from gb = op(T)^-H gx."""
    g_op = -_outer_columns(gb, x, np.ndim(b) == 1)
    g = _triangular_matrix(_op_adjoint(g_op, trans), lower, unit_diagonal)
    return unbroadcast(g, a)


@differentiated_from_source
def solve_triangular_tangent(x, a, b, da, db, trans=0, lower=False, unit_diagonal=False):
    """The tangent of x = solve_triangular(a, b, ...) along (da, db): op(T)^-1 (db -
    op(dT) x); a tangent may be the scalar 0.0 (not differentiated)."""
    vector = np.ndim(b) == 1
    rhs = _columns(db - np.zeros_like(x), vector)
    if not _is_zero(da):
        d_op = _op(_triangular_matrix(da, lower, unit_diagonal), trans)
        rhs = rhs - d_op @ _columns(x, vector)
    return _uncolumns(solve_triangular(a, rhs, trans, lower, unit_diagonal), vector)


# ============================================================================ solve, inv


@differentiated_from_source
def _solve_matrix(a, assume_a, lower, transposed_):
    m = solve_structure(a, assume_a, lower)
    if transposed_:
        return transposed(m)
    return m


@differentiated_from_source
def solve_adjoint_b(g, a, b, lower=False, assume_a=None, transposed_=False):
    """M^-H g for the matrix M that scipy.linalg.solve(a, b, lower=lower,
    assume_a=assume_a, transposed=transposed_) solves with (shaped like its solution)."""
    vector = np.ndim(b) == 1
    m = _solve_matrix(a, assume_a, lower, transposed_)
    return _uncolumns(np.linalg.solve(_h(m), _columns(g, vector)), vector)


@differentiated_from_source
def solve_adjoint_a(gb, x, a, b, lower=False, assume_a=None, transposed_=False):
    """The adjoint of `a` in scipy.linalg.solve, from gb = M^-H gx."""
    q = -_outer_columns(gb, x, np.ndim(b) == 1)
    if transposed_:
        q = transposed(q)
    return unbroadcast(solve_structure_adjoint(q, assume_a, lower), a)


@differentiated_from_source
def solve_tangent(x, a, b, da, db, lower=False, assume_a=None, transposed_=False):
    """The tangent of scipy.linalg.solve: M^-1 (db - dM x)."""
    vector = np.ndim(b) == 1
    m = _solve_matrix(a, assume_a, lower, transposed_)
    rhs = _columns(db - np.zeros_like(x), vector)
    if not _is_zero(da):
        rhs = rhs - _solve_matrix(da, assume_a, lower, transposed_) @ _columns(x, vector)
    return _uncolumns(np.linalg.solve(m, rhs), vector)


@differentiated_from_source
def inv_adjoint(g, y, assume_a=None, lower=False):
    """The adjoint of `a` in y = scipy.linalg.inv(a, assume_a=..., lower=...):
    -y^H g y^H on the entries the structure reads."""
    check_inv_structure(assume_a)
    return solve_structure_adjoint(-(_h(y) @ g @ _h(y)), assume_a, lower)


@differentiated_from_source
def inv_tangent(da, y, assume_a=None, lower=False):
    check_inv_structure(assume_a)
    return -(y @ solve_structure(da, assume_a, lower) @ y)


# ============================================================================ cholesky


@differentiated_from_source
def cholesky_adjoint_real(g, c, lower=False):
    """The adjoint of `a` in c = scipy.linalg.cholesky(a, lower) (np.linalg.cholesky's
    helper: SciPy's upper factor, the default, is NumPy's upper=True)."""
    return cholesky_adjoint(g, c, not lower)


@differentiated_from_source
def cholesky_tangent_real(da, c, lower=False):
    return cholesky_tangent(da, c, not lower)


@differentiated_from_source
def cholesky_adjoint_complex(g, c, lower=False):
    """The adjoint of `a` in c = scipy.linalg.cholesky(a, lower) for a Hermitian matrix
    read from one triangle (c = L, or c = L^H when not lower)."""
    if lower:
        low, g_low = c, g
    else:
        low, g_low = _h(c), _h(g)
    p = _phi(_h(low) @ g_low)
    left = solve_triangular(low, p, 2, True)                      # L^-H P
    s = _h(solve_triangular(low, _h(left), 2, True))              # L^-H P L^-1
    return solve_structure_adjoint(s, "her", lower)


@differentiated_from_source
def cholesky_tangent_complex(da, c, lower=False):
    if lower:
        low = c
    else:
        low = _h(c)
    ds = solve_structure(da, "her", lower)
    m = solve_triangular(low, _h(solve_triangular(low, ds, 0, True)), 0, True)  # L^-1 dA L^-H
    d_low = low @ _phi(m)
    if lower:
        return d_low
    return _h(d_low)


# cho_factor returns (c, lower): the factor in the triangle `lower` names, and in the
# other triangle what `a` holds there (SciPy documents those entries as arbitrary; LAPACK
# leaves them untouched, so they are a copy of a's). srcad differentiates that copy as a
# copy: the adjoint of c's other triangle goes to the same entries of a, unchanged. A loss
# that reads only the factor (cho_solve, the log-determinant from its diagonal) sends
# nothing there.


@differentiated_from_source
def cho_factor_adjoint(g, result, lower=False):
    """The adjoint of `a` in result = scipy.linalg.cho_factor(a, lower) (real)."""
    c = result[0]
    gc = _as_array_like(g[0], c)
    return cholesky_adjoint_real(_triangle(gc, lower), _triangle(c, lower), lower) + \
        _triangle(gc, not lower, 1)


@differentiated_from_source
def cho_factor_adjoint_complex(g, result, lower=False):
    c = result[0]
    gc = _as_array_like(g[0], c)
    return cholesky_adjoint_complex(_triangle(gc, lower), _triangle(c, lower), lower) + \
        _triangle(gc, not lower, 1)


@differentiated_from_source
def cho_factor_tangent(da, result, lower=False):
    """The tangents (dc, zeros) of scipy.linalg.cho_factor(a, lower) along `da` (the flag
    is an array of them for a stack of matrices)."""
    factor = _triangle(result[0], lower)
    return (cholesky_tangent_real(da, factor, lower) + _triangle(da, not lower, 1),
            np.zeros(np.shape(result[1])))


@differentiated_from_source
def cho_factor_tangent_complex(da, result, lower=False):
    factor = _triangle(result[0], lower)
    return (cholesky_tangent_complex(da, factor, lower) + _triangle(da, not lower, 1),
            np.zeros(np.shape(result[1])))


@differentiated_from_source
def _cho_matrix_adjoint(w, factor, lower):
    """The adjoint of the factor F given W = gA + gA^H, gA the adjoint of A = F F^H
    (lower) or F^H F (upper)."""
    if lower:
        return _triangle(w @ factor, True)
    return _triangle(factor @ w, False)


@differentiated_from_source
def cho_solve_adjoint_b(g, c_and_lower, b):
    """A^-1 g (= A^-H g: A is Hermitian) for x = cho_solve(c_and_lower, b)."""
    vector = np.ndim(b) == 1
    return _uncolumns(cho_solve(c_and_lower, _columns(g, vector)), vector)


@differentiated_from_source
def cho_solve_adjoint_c(gb, x, c_and_lower, b):
    """The adjoint of (c, lower) in x = scipy.linalg.cho_solve((c, lower), b), from
    gb = A^-1 gx: only the factor's triangle of c is read."""
    c = c_and_lower[0]
    lower = flag_of(c_and_lower[1])
    outer = _outer_columns(gb, x, np.ndim(b) == 1)
    w = -(outer + _h(outer))
    gc = unbroadcast(_cho_matrix_adjoint(w, _triangle(c, lower), lower), c)
    return (gc, 0.0)


@differentiated_from_source
def cho_solve_tangent(x, c_and_lower, b, dc_and_lower, db):
    """The tangent of x = cho_solve((c, lower), b): A^-1 (db - dA x), dA = dF F^H + F dF^H
    (lower) or dF^H F + F^H dF (upper), F the factor's triangle of c."""
    vector = np.ndim(b) == 1
    c = c_and_lower[0]
    lower = flag_of(c_and_lower[1])
    rhs = _columns(db - np.zeros_like(x), vector)
    if not no_tangent(dc_and_lower):
        f = _triangle(c, lower)
        df = _triangle(dc_and_lower[0], lower)
        if lower:
            da = df @ _h(f) + f @ _h(df)
        else:
            da = _h(df) @ f + _h(f) @ df
        rhs = rhs - da @ _columns(x, vector)
    return _uncolumns(cho_solve(c_and_lower, rhs), vector)


# ============================================================================ expm


@differentiated_from_source
def expm_frechet_block(a, e):
    """The Frechet derivative of expm at `a` along `e`: the upper right block of
    expm([[a, e], [0, a]])."""
    a = np.asarray(a)
    e = np.asarray(e) + np.zeros_like(a)
    n = a.shape[-1]
    top = np.concatenate([a + np.zeros_like(e), e], axis=-1)
    bottom = np.concatenate([np.zeros_like(e), a + np.zeros_like(e)], axis=-1)
    return expm(np.concatenate([top, bottom], axis=-2))[..., :n, n:]


@differentiated_from_source
def expm_adjoint(g, a):
    """The adjoint of `a` in expm(a): L(a^H, g)."""
    return expm_frechet_block(_h(a), g)


# ============================================================================ lu


@differentiated_from_source
def _lu_factors(lu):
    """L (unit lower triangular) and U (upper triangular) from LAPACK's packed `lu`."""
    return np.tril(lu, -1) + _eye_like(lu), np.triu(lu)


@differentiated_from_source
def lu_factor_adjoint(g, result):
    """The adjoint of `a` in result = scipy.linalg.lu_factor(a) = (lu, piv)."""
    lu = result[0]
    check_square(lu, "lu_factor")
    glu = _as_array_like(g[0], lu)
    low, up = _lu_factors(lu)
    gx = np.tril(_h(low) @ np.tril(glu, -1), -1) + np.triu(np.triu(glu) @ _h(up))
    z = solve_triangular(low, gx, 2, True, True)                 # L^-H gX
    w = _h(solve_triangular(up, _h(z), 0, False))                # L^-H gX U^-H
    return transposed(permutation_matrix(result[1])) @ w


@differentiated_from_source
def lu_factor_tangent(da, result):
    """The tangent of scipy.linalg.lu_factor(a) = (lu, piv) along `da` (piv: zeros)."""
    lu = result[0]
    piv = result[1]
    check_square(lu, "lu_factor")
    low, up = _lu_factors(lu)
    y = solve_triangular(low, permutation_matrix(piv) @ da, 0, True, True)   # L^-1 P dA
    x = transposed(solve_triangular(up, transposed(y), 1, False))            # ... U^-1
    dlu = low @ np.tril(x, -1) + np.triu(x) @ up
    return (dlu, np.zeros(np.shape(piv)))


@differentiated_from_source
def lu_solve_adjoint_b(g, lu_and_piv, b, trans=0):
    """op(A)^-H g for A = P^T L U (g shaped like the solution)."""
    vector = np.ndim(b) == 1
    g = _columns(g, vector)
    if trans_code(trans) == 1:
        out = np.conjugate(lu_solve(lu_and_piv, np.conjugate(g), 0))
    else:
        out = lu_solve(lu_and_piv, g, adjoint_trans(trans))
    return _uncolumns(out, vector)


@differentiated_from_source
def lu_solve_adjoint_lu(gb, x, lu_and_piv, b, trans=0):
    """The adjoint of (lu, piv) in x = scipy.linalg.lu_solve((lu, piv), b, trans), from
    gb = op(A)^-H gx."""
    lu = lu_and_piv[0]
    ga = _op_adjoint(-_outer_columns(gb, x, np.ndim(b) == 1), trans)
    low, up = _lu_factors(lu)
    pga = permutation_matrix(lu_and_piv[1]) @ ga
    glu = np.tril(pga @ _h(up), -1) + np.triu(_h(low) @ pga)
    return (unbroadcast(glu, lu), np.zeros(np.shape(lu_and_piv[1])))


@differentiated_from_source
def lu_solve_tangent(x, lu_and_piv, b, dlu_and_piv, db, trans=0):
    """The tangent of x = lu_solve((lu, piv), b, trans): op(A)^-1 (db - op(dA) x)."""
    vector = np.ndim(b) == 1
    rhs = _columns(db - np.zeros_like(x), vector)
    if not no_tangent(dlu_and_piv):
        low, up = _lu_factors(lu_and_piv[0])
        dlu = dlu_and_piv[0]
        da = transposed(permutation_matrix(lu_and_piv[1])) @ (
            np.tril(dlu, -1) @ up + low @ np.triu(dlu))
        rhs = rhs - _op(da, trans) @ _columns(x, vector)
    return _uncolumns(lu_solve(lu_and_piv, rhs, trans), vector)


# ============================================================================ block_diag


def _block_shape(shape):
    """How scipy.linalg.block_diag reads an argument of this shape: as a 2-d block."""
    if len(shape) == 0:
        return (1, 1)
    if len(shape) == 1:
        return (1, shape[0])
    return tuple(shape)


def block_diag_from(pieces, arrs):
    """The block-diagonal matrix of `pieces` (each shaped like the argument of
    scipy.linalg.block_diag in its place in `arrs`, or the scalar 0.0 for zeros), as
    block_diag builds it."""
    blocks = [_block_shape(np.shape(a)) for a in arrs]
    if not isinstance(pieces, (tuple, list)):  # the scalar 0.0: all zero
        pieces = (pieces,) * len(blocks)
    rows = sum(b[0] for b in blocks)
    cols = sum(b[1] for b in blocks)
    dtype = np.result_type(np.float64, *[p for p in pieces if np.ndim(p) or np.iscomplexobj(p)])
    out = np.zeros((rows, cols), dtype=dtype)
    r = c = 0
    for piece, (m, n) in zip(pieces, blocks):
        if not _is_zero(piece):
            out[r:r + m, c:c + n] = np.reshape(piece, (m, n))
        r, c = r + m, c + n
    return out


def block_diag_adjoint(g, arrs):
    """The blocks of `g` on the diagonal, each shaped like its argument in `arrs`: the
    adjoint of `block_diag_from`."""
    g = np.asarray(g)
    out = []
    r = c = 0
    for shape in (np.shape(a) for a in arrs):
        m, n = _block_shape(shape)
        out.append(np.reshape(g[r:r + m, c:c + n], shape))
        r, c = r + m, c + n
    return tuple(out)


# ============================================================================ toeplitz, circulant


def toeplitz_dense(values, m):
    """The m x n Toeplitz matrix with entries values[m - 1 - i + j] (values holds the
    first column reversed, then the first row without its first entry)."""
    values = np.asarray(values)
    n = values.shape[-1] - m + 1
    index = (m - 1) - np.arange(m)[:, None] + np.arange(n)[None, :]
    return values[..., index]


def toeplitz_sums(g):
    """The sums of the diagonals of `g`, from the lowest to the highest: the adjoint of
    `toeplitz_dense`."""
    g = np.asarray(g)
    m, n = g.shape[-2:]
    out = np.zeros(g.shape[:-2] + (m, m + n - 1), dtype=g.dtype)
    rows = np.arange(m)[:, None]
    out[..., rows, rows + np.arange(n)[None, :]] = g[..., ::-1, :]
    return np.sum(out, axis=-2)


@differentiated_from_source
def toeplitz_adjoint(g, c, r=None):
    """The adjoints of (c, r) in scipy.linalg.toeplitz(c, r): sums over the diagonals;
    r[0] is not read; without r, the first row is conj(c)."""
    m = np.shape(c)[-1]
    sums = toeplitz_sums(g)
    gc = np.flip(sums[..., :m], axis=-1)
    above = sums[..., m:]
    head = np.zeros_like(sums[..., :1])
    if r is not None and np.ndim(r) == 0:
        return unbroadcast(gc, c), 0.0  # (a one-entry first row: its entry is not read)
    if r is None:
        gc = gc + np.conjugate(np.concatenate([head, above], axis=-1))
        return unbroadcast(gc, c), 0.0
    return unbroadcast(gc, c), unbroadcast(np.concatenate([head, above], axis=-1), r)


@differentiated_from_source
def toeplitz_tangent(dc, dr, c, r=None):
    m = np.shape(c)[-1]
    dc = _as_array_like(dc, c)
    if r is None:
        dr = np.conjugate(dc)
    elif np.ndim(r) == 0:
        dr = np.zeros(np.shape(dc)[:-1] + (1,))  # (a one-entry first row, not read)
    else:
        dr = _as_array_like(dr, r)
    shape = np.broadcast_shapes(np.shape(dc)[:-1], np.shape(dr)[:-1])
    first = np.broadcast_to(np.flip(dc, axis=-1), shape + (m,))
    rest = np.broadcast_to(dr[..., 1:], shape + (np.shape(dr)[-1] - 1,))
    return toeplitz_dense(np.concatenate([first, rest], axis=-1), m)


def circulant_dense(c):
    """The circulant matrix of c: entries c[(i - j) mod n] (scipy.linalg.circulant)."""
    c = np.asarray(c)
    n = c.shape[-1]
    return c[..., (np.arange(n)[:, None] - np.arange(n)[None, :]) % n]


def circulant_sums(g):
    """The sums of `g` over the wrapped diagonals (i - j) mod n = k: the adjoint of
    `circulant_dense`."""
    g = np.asarray(g)
    n = g.shape[-1]
    rows = np.arange(n)[:, None]
    return np.sum(g[..., rows, (rows - np.arange(n)[None, :]) % n], axis=-2)


# ============================================================================ eigh, eigvalsh


def uplo_of(lower) -> str:
    """SciPy's `lower` flag as NumPy's UPLO."""
    return "L" if lower else "U"


@differentiated_from_source
def eigh_adjoint_scipy(g, y, a, lower=True, eigvals_only=False):
    """The adjoint of `a` in scipy.linalg.eigh(a, lower=..., eigvals_only=...)."""
    if eigvals_only:
        return eigvalsh_adjoint(g, a, uplo_of(lower))
    return eigh_adjoint(g, y, uplo_of(lower))


@differentiated_from_source
def eigh_tangent_scipy(da, y, a, lower=True, eigvals_only=False):
    if eigvals_only:
        return eigvalsh_tangent(da, a, uplo_of(lower))
    return eigh_tangent(da, y, uplo_of(lower))


@differentiated_from_source
def eigh_adjoint_scipy_complex(g, y, a, lower=True, eigvals_only=False):
    if eigvals_only:
        return eigvalsh_adjoint_complex(g, a, uplo_of(lower))
    return eigh_adjoint_complex(g, y, uplo_of(lower))


@differentiated_from_source
def eigh_tangent_scipy_complex(da, y, a, lower=True, eigvals_only=False):
    if eigvals_only:
        return eigvalsh_tangent_complex(da, a, uplo_of(lower))
    return eigh_tangent_complex(da, y, uplo_of(lower))
