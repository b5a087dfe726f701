"""Helpers for the rules of scipy.linalg's solvers (srcad/rules/scipy_linalg_more.py):
SciPy's functions under srcad's names, the flags the helpers read, solve_triangular,
solve, inv and expm. The factorizations (cholesky, cho_factor, cho_solve, lu_factor,
lu_solve, eigh, eigvalsh) are in scipy_linalg_factor.py, the structured matrices
(block_diag, toeplitz, circulant) in scipy_linalg_structured.py.

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
    _eye_like,
    _is_zero,
    transposed,
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
