"""np.linalg and scipy.linalg functions srcad differentiates from plain-NumPy definitions
(srcad/runtime/linalg_definitions.py and linalg_definitions_more.py), and the rules of
the few helpers those call.

* np.linalg: `cond`, `multi_dot`, `tensordot`, `tensorinv`, `tensorsolve` (registered
  at once: NumPy is always imported).
* scipy.linalg (registered once the user's code imports scipy.linalg, as srcad never
  imports SciPy itself): the structured matrices `companion`, `convolution_matrix`,
  `fiedler`, `fiedler_companion`, `hankel`, `leslie`; the decompositions `svd`, `qr`,
  `qr_multiply`, `polar`, `lu`, `eigh_tridiagonal`, `hessenberg`, `schur`, `rsf2csf`;
  `expm_frechet` and `funm`.
"""

import numpy as np

from srcad.ir.kinds import ARRAY, TupleKind, is_array
from srcad.rules.numpy_linalg import _matrix, _separated
from srcad.rules.registry import Example, Rand, adjoint, nondifferentiable, tangent
from srcad.rules.scipy_linalg_more import _lu_kind
from srcad.runtime import linalg_definitions as defs
from srcad.runtime import linalg_definitions_more as more
from srcad.runtime.definitions import register_definitions_when_imported
from srcad.runtime.linalg_definitions_more import schur_adjoint, schur_tangent
from srcad.runtime.scipy_linalg_factor import lu_factor_adjoint, lu_factor_tangent

# Integer work inside the definitions: multiplication orders, axes, index maps.
nondifferentiable(defs.chain_plan, examples=[Example((((2, 3), (3, 4), (4, 1)),))])
nondifferentiable(defs.tensorsolve_axes, examples=[Example((3, (0,)))])
nondifferentiable(defs.companion_map, examples=[Example((4,))])
nondifferentiable(defs.convolution_map, examples=[Example((3, 4, "same"))])
nondifferentiable(defs.fiedler_companion_map, examples=[Example((5,))])
nondifferentiable(defs.leslie_map, examples=[Example((4,))])
nondifferentiable(more.row_indices, examples=[Example((np.array([2, 2, 2]),))])
# The signs of SciPy's singular vectors / eigenvectors, which the definitions copy (SciPy
# imported on their first call).
_TALL = np.array([[2.0, 0.3, -0.2], [0.4, -1.5, 0.1], [-0.2, 0.1, 1.0], [0.3, 0.2, 0.1]])
_U = np.linalg.svd(_TALL, full_matrices=False)[0]
_D, _E = np.array([2.0, -1.0, 0.5, 3.0]), np.array([0.4, 0.3, -0.6])
_TRIDIAGONAL = np.diag(_D) + np.diag(_E, 1) + np.diag(_E, -1)
nondifferentiable(more.svd_signs, examples=[Example((_U, _TALL, False, "gesvd"))])
nondifferentiable(more.tridiagonal_signs, examples=[
    Example((np.linalg.eigh(_TRIDIAGONAL)[1], _D, _E, "a", None, 0.0, "auto"))])


# ---------------------------------------------------------------------------- lu_factor
# srcad's wrapper of scipy.linalg.lu_factor (which `lu` calls), with the rules of SciPy's
# function (srcad/rules/scipy_linalg_more.py).
@adjoint(more.lu_factor, kind=_lu_kind, examples=[
    Example((_matrix((3, 3)),)), Example((_matrix((2, 3, 3)),))])
def _(y, a):
    da = lu_factor_adjoint(dy, y)


@tangent(more.lu_factor)
def _(y, a):
    dy = lu_factor_tangent(da, y)


# ---------------------------------------------------------------------------- schur


def _pair_like_input(kinds, named):
    a = named.get("a", (None, ARRAY))[1]
    a = a if is_array(a) else ARRAY
    return TupleKind((a, a))


# (T, Z) = schur(a) for real, distinct eigenvalues (T triangular); the tangent solves
# for the skew Z^T dZ that keeps dT triangular (srcad/runtime/linalg_definitions_more.py).
@adjoint(more.schur_real, kind=_pair_like_input, examples=[
    Example((_separated((3, 3)),)), Example((_separated((4, 4)),)),
    Example((Rand((1, 1)),))])
def _(y, a):
    da = schur_adjoint(dy, y)


@tangent(more.schur_real)
def _(y, a):
    dy = schur_tangent(da, y)


def _numpy_definitions() -> dict:
    return {np.linalg.cond: defs.cond, np.linalg.multi_dot: defs.multi_dot,
            np.linalg.tensordot: defs.tensordot, np.linalg.tensorinv: defs.tensorinv,
            np.linalg.tensorsolve: defs.tensorsolve}


def _scipy_definitions() -> dict:
    import scipy.linalg as sla

    return {sla.svd: more.svd, sla.qr: more.qr, sla.qr_multiply: more.qr_multiply,
            sla.polar: more.polar, sla.lu: more.lu, sla.eigh_tridiagonal: more.eigh_tridiagonal,
            sla.expm_frechet: more.expm_frechet, sla.funm: more.funm,
            sla.hessenberg: more.hessenberg, sla.schur: more.schur, sla.rsf2csf: more.rsf2csf,
            sla.companion: defs.companion, sla.convolution_matrix: defs.convolution_matrix,
            sla.fiedler: defs.fiedler, sla.fiedler_companion: defs.fiedler_companion,
            sla.hankel: defs.hankel, sla.leslie: defs.leslie}


register_definitions_when_imported("numpy", _numpy_definitions)
register_definitions_when_imported("scipy.linalg", _scipy_definitions)
