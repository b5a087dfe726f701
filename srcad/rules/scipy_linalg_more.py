"""Rules for scipy.linalg's factorizations, solvers and structured matrices: cholesky,
cho_factor, cho_solve, solve_triangular, solve, inv, det, expm, lu_factor, lu_solve,
block_diag, toeplitz, circulant, eigh and eigvalsh (formulas in
srcad/runtime/scipy_linalg_more.py).

As in scipy_linalg.py, srcad does not import SciPy: the rules for SciPy's functions are
registered once the user's code has imported scipy.linalg
(`registry.register_when_imported`). The helpers the templates call are differentiated
from their source at second and higher order (runtime.marks) or have rules of their own
here, registered at once: srcad's wrappers of solve_triangular, cho_solve, lu_solve and
expm (which the helpers call, and whose rules SciPy's functions share), and the linear
maps behind the structured matrices. The np.linalg helpers (cholesky, det, eigh) are
shared with srcad/rules/numpy_linalg.py.

What the rules read, and what they refuse:

* `cholesky(a, lower=False)` returns SciPy's default *upper* factor (a = U^H U); it and
  `cho_factor` read one triangle of `a` (the upper one unless `lower`), as LAPACK does,
  and the adjoint lands there (each entry standing for both symmetric ones; the real part
  of the diagonal for complex Hermitian matrices).
* `cho_factor(a)` returns (c, lower): c holds the factor in that triangle and, in the
  other, a copy of a's entries there (SciPy calls them arbitrary). The derivative treats
  only the factor's triangle as the factorization and that other triangle as the copy it
  is: a loss reading c only through cho_solve or the factor's diagonal (the usual
  log-determinant) sends nothing to a's other triangle. `cho_solve((c, lower), b)`
  reads only the factor's triangle of c.
* `solve_triangular` reads one triangle (without the diagonal when `unit_diagonal`);
  `trans` is 0/'N', 1/'T' or 2/'C'.
* `solve` and `inv` follow `assume_a`: the general matrix (None, 'gen', and 'banded',
  whose band SciPy finds from the nonzero entries), its diagonal, tridiagonal band, upper
  or lower triangle, or the symmetric ('sym') / Hermitian ('her', 'pos') matrix of the
  triangle `lower` names (the real part of the diagonal for 'her' and 'pos');
  `transposed=True` solves a^T x = b (SciPy refuses it for complex matrices).
  `inv(a, assume_a='diagonal')` is refused at run time: SciPy leaves the entries off
  the diagonal of its result as they were in `a`.
* `lu_factor` returns (lu, piv) for a square matrix: the pivots are piecewise constant
  (no derivative) and `lu_solve((lu, piv), b, trans)` differentiates with respect to
  lu and b; together they give the gradient with respect to the matrix.
* Complex values: every rule here takes them except `eigh` (above), `cho_solve` and
  `lu_solve`. Those two take their factor as a pair `(c, lower)` / `(lu, piv)`, and
  srcad's reverse transform takes the real part of a real operand's adjoint with
  `np.real`, which cannot take a pair: a real factor with a complex right-hand side
  would fail. Their helpers are written for complex values; with a complex factor use
  `solve_triangular` twice, or `solve(a, b, assume_a='pos')`.
* `eigh` / `eigvalsh` of a single matrix as NumPy's eigh / eigvalsh (distinct
  eigenvalues for the eigenvector part); `b` (the generalized problem), `subset_by_*`
  and `type` are refused. `eigh` refuses complex matrices (its eigenvectors' phases);
  `eigvalsh` takes them.
* `overwrite_a` / `overwrite_b` other than False are refused (the input would be
  destroyed); `check_finite` (and `driver` for eigh / eigvalsh) is accepted, it changes
  no value.
"""

import numpy as np

from srcad.errors import UnsupportedSyntaxError
from srcad.ir.kinds import (
    ARRAY,
    NUMERIC,
    OTHER,
    SCALAR,
    ArrayKind,
    TupleKind,
    array_of_rank,
    as_complex,
    as_real,
    is_array,
    is_complex,
)
from srcad.rules import keywords
from srcad.rules.numpy_linalg import (
    _const,
    _eigh_kind,
    _matrix,
    _matrix_to_matrix,
    _matrix_to_scalar,
    _matrix_to_vector,
    _separated,
    _solve_kind,
)
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_adjoint,
    complex_tangent,
    complex_values,
    nondifferentiable,
    register_when_imported,
    share_rules,
    takes_tuples,
    tangent,
)
from srcad.rules.runtime_rules import same_kind_as
from srcad.runtime import unbroadcast
from srcad.runtime.linalg import det_adjoint, det_tangent
from srcad.runtime.scipy_linalg_factor import (
    cho_factor_adjoint,
    cho_factor_adjoint_complex,
    cho_factor_tangent,
    cho_factor_tangent_complex,
    cho_solve_adjoint_b,
    cho_solve_adjoint_c,
    cho_solve_tangent,
    cholesky_adjoint_complex,
    cholesky_adjoint_real,
    cholesky_tangent_complex,
    cholesky_tangent_real,
    eigh_adjoint_scipy,
    eigh_adjoint_scipy_complex,
    eigh_tangent_scipy,
    eigh_tangent_scipy_complex,
    lu_factor_adjoint,
    lu_factor_tangent,
    lu_solve_adjoint_b,
    lu_solve_adjoint_lu,
    lu_solve_tangent,
    uplo_of,
)
from srcad.runtime.scipy_linalg_more import (
    adjoint_trans,
    cho_solve,
    expm,
    expm_adjoint,
    expm_frechet_block,
    flag_of,
    inv_adjoint,
    inv_tangent,
    lu_solve,
    no_tangent,
    permutation_matrix,
    solve_adjoint_a,
    solve_adjoint_b,
    solve_structure,
    solve_structure_adjoint,
    solve_tangent,
    solve_triangular,
    solve_triangular_adjoint_a,
    solve_triangular_adjoint_b,
    solve_triangular_tangent,
    structure_of,
    trans_code,
)
from srcad.runtime.scipy_linalg_structured import (
    block_diag_adjoint,
    block_diag_from,
    circulant_dense,
    circulant_sums,
    toeplitz_adjoint,
    toeplitz_dense,
    toeplitz_sums,
    toeplitz_tangent,
)

# ---------------------------------------------------------------------------- kinds


def _factor_solve_kind(param):
    """The kind of the solution of cho_solve / lu_solve: the matrix is the first item of
    the tuple argument `param`."""

    def kind(kinds, named):
        pair = named.get(param, (None, None))[1]
        a = pair.items[0] if isinstance(pair, TupleKind) and pair.items else ARRAY
        return _solve_kind(kinds, {"a": (None, a), "b": named["b"]})

    return kind


def _with_flag(kinds, named):
    """(matrix, flag or pivots): cho_factor and lu_factor."""
    a = _matrix_to_matrix(kinds, named)
    return TupleKind((a, OTHER))


def _lu_kind(kinds, named):
    a = _matrix_to_matrix(kinds, named)
    piv = array_of_rank(a.ndim - 1) if is_array(a) and a.ndim is not None else ARRAY
    return TupleKind((a, as_real(piv)))


def _ranked(param, change):
    def kind(kinds, named):
        k = named.get(param, (None, NUMERIC))[1]
        if is_array(k) and k.ndim is not None:
            return ArrayKind(k.ndim + change, k.complex)
        return ArrayKind(None, is_complex(k))

    return kind


def _refuse_a_number(c, function: str) -> None:
    """Toeplitz and circulant matrices of a number (0-d) have derivatives srcad does not
    implement: refused by name rather than failing inside them."""
    if c == SCALAR or is_array(c) and c.ndim == 0:
        raise UnsupportedSyntaxError(
            f"srcad differentiates {function} of a 1-D array, not of a number",
            hint="pass np.atleast_1d(c): a one-entry array gives the same 1x1 matrix")


def _circulant_kind(kinds, named):
    c = named.get("c", (None, NUMERIC))[1]
    _refuse_a_number(c, "scipy.linalg.circulant")
    return _ranked("c", 1)(kinds, named)


def _toeplitz_kind(kinds, named):
    c = named["c"][1]
    _refuse_a_number(c, "scipy.linalg.toeplitz")
    r = named.get("r", (None, None))[1]
    cplx = is_complex(c) or is_complex(r)
    if is_array(c) and c.ndim is not None:
        return ArrayKind(max(c.ndim, 1) + 1, cplx)
    return ArrayKind(None, cplx)


def _pieces_kind(kinds, named):
    """block_diag_adjoint: one adjoint per argument of block_diag."""
    arrs = named.get("arrs", (None, None))[1]
    cplx = is_complex(named.get("g", (None, None))[1])
    if isinstance(arrs, TupleKind):
        return TupleKind(tuple(as_complex(k) if cplx else as_real(k) for k in arrs.items))
    return OTHER


def _scipy_eigh_kind(kinds, named):
    is_c, only = _const(named, "eigvals_only")
    if is_c and only:
        return _matrix_to_vector(kinds, named)
    return _eigh_kind(kinds, named)


# ---------------------------------------------------------------------------- examples

# Triangular and Cholesky factors: a dominant diagonal keeps them well conditioned.
_A3 = _matrix((3, 3))
_A4 = _matrix((4, 4), (3.0, 4.0))
# A matrix LU factorizes with row interchanges (its largest entries off the diagonal).
_PIVOTED = Rand((3, 3), ((0.1, 2.5, -0.4), (-0.3, 0.2, 2.6), (2.8, -0.4, 0.1)),
                ((0.4, 3.0, -0.1), (0.0, 0.5, 3.1), (3.2, -0.1, 0.4)))
# A packed LU factor and pivots with interchanges (0 <-> 0, 1 <-> 0, 2 <-> 0; pivots
# of 0 only, as the registry sweep moves every entry of the pair by +-1e-6 and the
# pivots' int32 conversion truncates that to the same integer only at 0).
_LU = (_matrix((3, 3)), np.array([0, 0, 0], dtype=np.int32))
_GENERATOR = Rand((3, 3), ((-1.2, 0.1, 0.1), (0.1, -1.4, 0.1), (0.1, 0.1, -1.0)),
                  ((-0.8, 0.6, 0.6), (0.6, -0.9, 0.6), (0.6, 0.6, -0.5)))


# ---------------------------------------------------------------------------- flags

for _flag, _examples in [
        (trans_code, [Example((0,)), Example(("T",))]),
        (adjoint_trans, [Example((1,)), Example(("N",))]),
        (structure_of, [Example(("pos",)), Example((None,))]),
        (uplo_of, [Example((True,))]),
        (flag_of, [Example((np.array([True, True]),)), Example((False,))]),
        (no_tangent, [Example((0.0,))]),
        (permutation_matrix, [Example((np.array([2, 2, 2]),))])]:
    nondifferentiable(_flag, examples=_examples)


# ---------------------------------------------------------------------------- structures

_STRUCTURE_EXAMPLES = [
    Example((Rand((3, 3)),)), Example((Rand((3, 3)), "diagonal")),
    Example((Rand((3, 3)), "tridiagonal")), Example((Rand((3, 3)), "upper triangular")),
    Example((Rand((3, 3)), "lower triangular")), Example((Rand((3, 3)), "sym", True)),
    Example((Rand((3, 3)), "her")), Example((Rand((2, 3, 3)), "pos", True))]


@adjoint(solve_structure, linear=True, kind=same_kind_as("a"),
         nondiff_params=("assume_a", "lower"), examples=_STRUCTURE_EXAMPLES)
def _(y, a, assume_a=None, lower=False):
    da = solve_structure_adjoint(dy, assume_a, lower)


@adjoint(solve_structure_adjoint, linear=True, kind=same_kind_as("q"),
         nondiff_params=("assume_a", "lower"), examples=_STRUCTURE_EXAMPLES)
def _(y, q, assume_a=None, lower=False):
    dq = solve_structure(dy, assume_a, lower)


# Real-linear, with conjugates where the structure is Hermitian: their templates follow
# the convention themselves.
complex_values(solve_structure, solve_structure_adjoint, how="native")


# ---------------------------------------------------------------------------- solve_triangular


@adjoint(solve_triangular, kind=_solve_kind, nondiff_params=("trans", "lower", "unit_diagonal"),
         examples=[
             Example((_A3, Rand((3,)))), Example((_A3, Rand((3, 2)), 0, True)),
             Example((_A3, Rand((3,)), "T")), Example((_A3, Rand((3, 2)), 2, True)),
             Example((_A3, Rand((3,))), {"unit_diagonal": True}),
             Example((_A4, Rand((4, 2))), {"trans": 1, "lower": True, "unit_diagonal": True}),
             Example((_matrix((2, 3, 3)), Rand((3,)))),
             Example((_matrix((2, 3, 3)), Rand((2, 3, 2))), {"lower": True})])
def _(x, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
      check_finite=True):
    gb = solve_triangular_adjoint_b(dx, a, b, trans, lower, unit_diagonal)
    da = solve_triangular_adjoint_a(gb, x, a, b, trans, lower, unit_diagonal)
    db = unbroadcast(gb, b)


@tangent(solve_triangular)
def _(x, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
      check_finite=True):
    dx = solve_triangular_tangent(x, a, b, da, db, trans, lower, unit_diagonal)


# ---------------------------------------------------------------------------- cho_solve


# A = F F^H (lower) or F^H F, F the factor's triangle of c. (The registry sweep moves
# the flag `lower` with the factor, so its examples keep lower=False; lower=True is
# checked in tests/rules/test_scipy_linalg_more.py.)
@adjoint(cho_solve, kind=_factor_solve_kind("c_and_lower"), examples=[
    Example(((_A3, False), Rand((3,)))), Example(((_A3, False), Rand((3, 2)))),
    Example(((_matrix((2, 3, 3)), False), Rand((3, 2)))),
    Example(((_matrix((2, 3, 3)), False), Rand((3,))))])
def _(x, c_and_lower, b, overwrite_b=False, check_finite=True):
    gb = cho_solve_adjoint_b(dx, c_and_lower, b)
    dc_and_lower = cho_solve_adjoint_c(gb, x, c_and_lower, b)
    db = unbroadcast(gb, b)


@tangent(cho_solve)
def _(x, c_and_lower, b, overwrite_b=False, check_finite=True):
    dx = cho_solve_tangent(x, c_and_lower, b, dc_and_lower, db)


# ---------------------------------------------------------------------------- lu_solve


@adjoint(lu_solve, kind=_factor_solve_kind("lu_and_piv"), nondiff_params=("trans",), examples=[
    Example((_LU, Rand((3,)))), Example((_LU, Rand((3, 2)), 1)), Example((_LU, Rand((3,)), 2)),
    Example(((_matrix((2, 3, 3)), np.zeros((2, 3), dtype=np.int32)), Rand((3, 2))))])
def _(x, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    gb = lu_solve_adjoint_b(dx, lu_and_piv, b, trans)
    dlu_and_piv = lu_solve_adjoint_lu(gb, x, lu_and_piv, b, trans)
    db = unbroadcast(gb, b)


@tangent(lu_solve)
def _(x, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    dx = lu_solve_tangent(x, lu_and_piv, b, dlu_and_piv, db, trans)


# ---------------------------------------------------------------------------- expm


# The Frechet derivative L(A, E) from the block matrix [[A, E], [0, A]]; its adjoint is
# L(A^H, G).
@adjoint(expm, kind=same_kind_as("A"), examples=[
    Example((Rand((3, 3)),)), Example((_GENERATOR,)), Example((Rand((1, 1)),)),
    Example((Rand((2, 2, 2)),))])
def _(y, A):
    dA = expm_adjoint(dy, A)


@tangent(expm)
def _(y, A):
    dy = expm_frechet_block(A, dA)


complex_values(solve_triangular, expm, how="native")


# ---------------------------------------------------------------------------- structured matrices
# The linear maps behind toeplitz, circulant and block_diag, each the other's adjoint.


@adjoint(toeplitz_dense, linear=True, kind=_ranked("values", 1), nondiff_params=("m",),
         examples=[Example((Rand((5,)), 3)), Example((Rand((4,)), 1)),
                   Example((Rand((2, 4)), 2))])
def _(y, values, m):
    dvalues = toeplitz_sums(dy)


@adjoint(toeplitz_sums, linear=True, kind=_ranked("g", -1), examples=[
    Example((Rand((3, 3)),)), Example((Rand((1, 4)),)), Example((Rand((2, 3, 2)),))])
def _(y, g):
    dg = toeplitz_dense(dy, np.shape(g)[-2])


@adjoint(circulant_dense, linear=True, kind=_ranked("c", 1), examples=[
    Example((Rand((4,)),)), Example((Rand((2, 3)),))])
def _(y, c):
    dc = circulant_sums(dy)


@adjoint(circulant_sums, linear=True, kind=_ranked("g", -1), examples=[
    Example((Rand((4, 4)),)), Example((Rand((2, 3, 3)),))])
def _(y, g):
    dg = circulant_dense(dy)


@adjoint(block_diag_from, linear=True, kind=lambda kinds, named: ArrayKind(2),
         nondiff_params=("arrs",), examples=[
             Example(((Rand((2, 2)), Rand((1, 3))), (np.ones((2, 2)), np.ones((1, 3))))),
             Example(((Rand((2,)), Rand(())), (np.ones(2), 1.0)))])
def _(y, pieces, arrs):
    dpieces = block_diag_adjoint(dy, arrs)


@adjoint(block_diag_adjoint, linear=True, kind=_pieces_kind, nondiff_params=("arrs",),
         examples=[Example((Rand((3, 5)), (np.ones((2, 2)), np.ones((1, 3))))),
                   Example((Rand((2, 3)), (np.ones(2), 1.0)))])
def _(y, g, arrs):
    dg = block_diag_from(dy, arrs)


complex_values(toeplitz_dense, toeplitz_sums, circulant_dense, circulant_sums,
               block_diag_from, block_diag_adjoint, how="linear")


# ============================================================================ scipy.linalg


def _register() -> None:
    import scipy.linalg as sla

    # ------------------------------------------------------------------------ cholesky
    @adjoint(sla.cholesky, kind=_matrix_to_matrix, examples=[
        Example((_A3,)), Example((_A4, True)), Example((_A3,), {"lower": False}),
        Example((Rand((1, 1), 0.5, 2.0),)), Example((_matrix((2, 3, 3)),), {"lower": True})])
    def _(c, a, lower=False, overwrite_a=False, check_finite=True):
        da = cholesky_adjoint_real(dc, c, lower)

    @tangent(sla.cholesky)
    def _(c, a, lower=False, overwrite_a=False, check_finite=True):
        dc = cholesky_tangent_real(da, c, lower)

    @complex_adjoint(sla.cholesky)
    def _(c, a, lower=False, overwrite_a=False, check_finite=True):
        da = cholesky_adjoint_complex(dc, c, lower)

    @complex_tangent(sla.cholesky)
    def _(c, a, lower=False, overwrite_a=False, check_finite=True):
        dc = cholesky_tangent_complex(da, c, lower)

    # ------------------------------------------------------------------------ cho_factor
    @adjoint(sla.cho_factor, kind=_with_flag, examples=[
        Example((_A3,)), Example((_A4, True)), Example((_matrix((2, 3, 3)),), {"lower": True})])
    def _(y, a, lower=False, overwrite_a=False, check_finite=True):
        da = cho_factor_adjoint(dy, y, lower)

    @tangent(sla.cho_factor)
    def _(y, a, lower=False, overwrite_a=False, check_finite=True):
        dy = cho_factor_tangent(da, y, lower)

    @complex_adjoint(sla.cho_factor)
    def _(y, a, lower=False, overwrite_a=False, check_finite=True):
        da = cho_factor_adjoint_complex(dy, y, lower)

    @complex_tangent(sla.cho_factor)
    def _(y, a, lower=False, overwrite_a=False, check_finite=True):
        dy = cho_factor_tangent_complex(da, y, lower)

    complex_values(sla.cholesky, how="native")
    complex_values(sla.cho_factor, how="native", output=(None, "real"))

    # ------------------------------------------------------------------------ solvers
    share_rules(cho_solve, sla.cho_solve, examples=[
        Example(((_A3, False), Rand((3,)))), Example(((_A4, False), Rand((4, 2))))])
    share_rules(solve_triangular, sla.solve_triangular, examples=[
        Example((_A3, Rand((3,)))), Example((_A3, Rand((3, 2)), 1, True)),
        Example((_A4, Rand((4,))), {"trans": "C", "unit_diagonal": True})])
    share_rules(lu_solve, sla.lu_solve, examples=[
        Example((_LU, Rand((3,)))), Example((_LU, Rand((3, 2))), {"trans": 1})])
    share_rules(expm, sla.expm, examples=[Example((Rand((3, 3)),)), Example((_GENERATOR,))])

    @adjoint(sla.solve, kind=_solve_kind, examples=[
        Example((_matrix((3, 3)), Rand((3,)))), Example((_A4, Rand((4, 2)))),
        Example((_A3, Rand((3,))), {"assume_a": "pos"}),
        Example((_A3, Rand((3, 2))), {"assume_a": "sym", "lower": True}),
        Example((_A3, Rand((3,))), {"assume_a": "her"}),
        Example((_A3, Rand((3,))), {"assume_a": "diagonal"}),
        Example((_A4, Rand((4,))), {"assume_a": "tridiagonal"}),
        Example((_A3, Rand((3, 2))), {"assume_a": "lower triangular"}),
        Example((_A3, Rand((3,))), {"assume_a": "upper triangular"}),
        Example((_matrix((2, 3, 3)), Rand((3,))))])
    def _(x, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
        gb = solve_adjoint_b(dx, a, b, lower, assume_a, transposed)
        da = solve_adjoint_a(gb, x, a, b, lower, assume_a, transposed)
        db = unbroadcast(gb, b)

    @tangent(sla.solve)
    def _(x, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
        dx = solve_tangent(x, a, b, da, db, lower, assume_a, transposed)

    @adjoint(sla.inv, kind=_matrix_to_matrix, examples=[
        Example((_A3,)), Example((_matrix((2, 3, 3)),)),
        Example((_A3,), {"assume_a": "pos", "lower": True}),
        Example((_A3,), {"assume_a": "sym"}), Example((_A3,), {"assume_a": "her"}),
        Example((_A3,), {"assume_a": "upper triangular"})])
    def _(y, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
        da = inv_adjoint(dy, y, assume_a, lower)

    @tangent(sla.inv)
    def _(y, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
        dy = inv_tangent(da, y, assume_a, lower)

    @adjoint(sla.det, kind=_matrix_to_scalar, examples=[
        Example((Rand((3, 3)),)), Example((_A4,)), Example((Rand((2, 2, 2)),))])
    def _(y, a, overwrite_a=False, check_finite=True):
        da = det_adjoint(dy, a)

    @tangent(sla.det)
    def _(y, a, overwrite_a=False, check_finite=True):
        dy = det_tangent(da, a)

    @adjoint(sla.lu_factor, kind=_lu_kind, examples=[
        Example((_PIVOTED,)), Example((_A3,)), Example((_matrix((2, 3, 3)),))])
    def _(y, a, overwrite_a=False, check_finite=True):
        da = lu_factor_adjoint(dy, y)

    @tangent(sla.lu_factor)
    def _(y, a, overwrite_a=False, check_finite=True):
        dy = lu_factor_tangent(da, y)

    complex_values(sla.solve_triangular, sla.expm, sla.solve, sla.inv, how="native")
    complex_values(sla.lu_factor, how="native", output=(None, "real"))
    complex_values(sla.det, how="holomorphic")

    # ------------------------------------------------------------------------ structured
    @adjoint(sla.block_diag, kind=lambda kinds, named: ArrayKind(2), examples=[
        Example((Rand((2, 2)), Rand((1, 3)))), Example((Rand((2,)), Rand(()), Rand((2, 1))))])
    def _(y, *arrs):
        darrs = block_diag_adjoint(dy, arrs)

    @tangent(sla.block_diag)
    def _(y, *arrs):
        dy = block_diag_from(darrs, arrs)

    @adjoint(sla.toeplitz, kind=_toeplitz_kind, examples=[
        Example((Rand((3,)),)), Example((Rand((3,)), Rand((4,)))),
        Example((Rand((1,)), Rand((2,)))), Example((Rand((4,)), Rand((2,))))])
    def _(t, c, r=None):
        dc, dr = toeplitz_adjoint(dt, c, r)

    @tangent(sla.toeplitz)
    def _(t, c, r=None):
        dt = toeplitz_tangent(dc, dr, c, r)

    @adjoint(sla.circulant, kind=_circulant_kind, examples=[
        Example((Rand((4,)),)), Example((Rand((1,)),))])
    def _(y, c):
        dc = circulant_sums(dy)

    @tangent(sla.circulant)
    def _(y, c):
        dy = circulant_dense(dc)

    complex_values(sla.block_diag, sla.circulant, how="linear")
    complex_values(sla.toeplitz, how="native")  # the first row is conj(c) without r

    # ------------------------------------------------------------------------ eigh
    # SciPy's default driver ('evr') may flip an eigenvector's sign between nearby
    # matrices, which random cotangents of the raw eigenvectors see as a jump: the
    # examples that return eigenvectors use 'evd', NumPy's driver.
    @adjoint(sla.eigh, kind=_scipy_eigh_kind, examples=[
        Example((_separated((3, 3)),), {"driver": "evd"}),
        Example((_separated((3, 3)),), {"eigvals_only": True}),
        Example((_separated((3, 3)),), {"lower": False, "driver": "evd"}),
        Example((_separated((2, 2)),), {"eigvals_only": False, "driver": "evd"})])
    def _(y, a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False,
          overwrite_b=False, type=1, check_finite=True, subset_by_index=None,
          subset_by_value=None, driver=None):
        da = eigh_adjoint_scipy(dy, y, a, lower, eigvals_only)

    @tangent(sla.eigh)
    def _(y, a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False,
          overwrite_b=False, type=1, check_finite=True, subset_by_index=None,
          subset_by_value=None, driver=None):
        dy = eigh_tangent_scipy(da, y, a, lower, eigvals_only)

    @adjoint(sla.eigvalsh, kind=_matrix_to_vector, examples=[
        Example((_separated((3, 3)),)), Example((_separated((3, 3)),), {"lower": False})])
    def _(y, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
          check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
        da = eigh_adjoint_scipy(dy, y, a, lower, True)

    @tangent(sla.eigvalsh)
    def _(y, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
          check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
        dy = eigh_tangent_scipy(da, y, a, lower, True)

    @complex_adjoint(sla.eigvalsh)
    def _(y, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
          check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
        da = eigh_adjoint_scipy_complex(dy, y, a, lower, True)

    @complex_tangent(sla.eigvalsh)
    def _(y, a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
          check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
        dy = eigh_tangent_scipy_complex(da, y, a, lower, True)

    # Eigenvalues are real. eigh's eigenvectors of a complex matrix are defined up to a
    # phase each, which the registry sweeps cannot check with raw cotangents: complex
    # matrices are refused there (np.linalg.eigh takes them).
    complex_values(sla.eigvalsh, how="native", output="real")

    # cho_solve's and lu_solve's first argument is a pair (factor, flag or pivots), not an
    # array: srcad must not convert a tuple display there with np.asarray, as it does
    # for the arguments of other SciPy functions (srcad/analysis/sequences.py).
    takes_tuples(sla.cho_solve, sla.lu_solve)

    # ------------------------------------------------------------------------ keywords
    # Options that change no value the rules compute.
    finite = frozenset({"check_finite"})
    keywords.READ_THROUGH.update({
        sla.cholesky: finite, sla.cho_factor: finite, sla.cho_solve: finite,
        sla.solve_triangular: finite, sla.solve: finite, sla.inv: finite, sla.det: finite,
        sla.lu_factor: finite, sla.lu_solve: finite,
        sla.eigh: finite | {"driver"}, sla.eigvalsh: finite | {"driver"}})


register_when_imported("scipy.linalg", _register)
