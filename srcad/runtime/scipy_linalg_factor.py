"""Helpers for the rules of scipy.linalg's factorizations (srcad/rules/scipy_linalg_more.py):
cholesky, cho_factor, cho_solve, lu_factor, lu_solve, eigh and eigvalsh. Conventions
and formulas as in srcad/runtime/scipy_linalg_more.py.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime import unbroadcast
from srcad.runtime.linalg import (
    _as_array_like,
    _eye_like,
    cholesky_adjoint,
    cholesky_tangent,
    transposed,
)
from srcad.runtime.linalg_complex import (
    eigh_adjoint_complex,
    eigh_tangent_complex,
    eigvalsh_adjoint_complex,
    eigvalsh_tangent_complex,
)
from srcad.runtime.linalg_decompositions import (
    eigh_adjoint,
    eigh_tangent,
    eigvalsh_adjoint,
    eigvalsh_tangent,
)
from srcad.runtime.marks import differentiated_from_source
from srcad.runtime.scipy_linalg_more import (
    _columns,
    _h,
    _op,
    _op_adjoint,
    _outer_columns,
    _phi,
    _triangle,
    _uncolumns,
    adjoint_trans,
    check_square,
    cho_solve,
    flag_of,
    lu_solve,
    no_tangent,
    permutation_matrix,
    solve_structure,
    solve_structure_adjoint,
    solve_triangular,
    trans_code,
)

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
