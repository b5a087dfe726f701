"""Rules for the `np.linalg` decompositions: eigh, eigvalsh, eig, eigvals, svd, qr, and
lstsq and pinv. The conditions under which they hold, and the kind rules and examples
they share, are in numpy_linalg.py.
"""

import numpy as np

from srcad.ir.kinds import ARRAY, OTHER, ArrayKind, TupleKind, is_array
from srcad.rules.numpy_linalg import (
    _const,
    _eigh_kind,
    _input_kind,
    _matrix,
    _matrix_to_matrix,
    _matrix_to_vector,
    _separated,
    _separated_positive,
    _svd_kind,
)
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    tangent,
)
from srcad.runtime.linalg_decompositions import (
    eig_adjoint,
    eig_tangent,
    eigh_adjoint,
    eigh_tangent,
    eigvals_adjoint,
    eigvals_tangent,
    eigvalsh_adjoint,
    eigvalsh_tangent,
    lstsq_adjoint_a,
    lstsq_adjoint_b,
    lstsq_tangent,
    pinv_adjoint,
    pinv_tangent,
    qr_adjoint,
    qr_tangent,
    svd_adjoint,
    svd_tangent,
)

# ---------------------------------------------------------------------------- eigh


# y = (w, v): eigenvalues ascending, eigenvectors in the columns of v.
@adjoint(np.linalg.eigh, kind=_eigh_kind, examples=[
    Example((_separated((3, 3)),)), Example((_separated((2, 3, 3)),)),
    Example((_separated((3, 3)), "U")), Example((_separated((2, 2)),), {"UPLO": "U"}),
    Example((Rand((1, 1)),))])
def _(y, a, UPLO="L"):
    da = eigh_adjoint(dy, y, UPLO)


@tangent(np.linalg.eigh)
def _(y, a, UPLO="L"):
    dy = eigh_tangent(da, y, UPLO)


@adjoint(np.linalg.eigvalsh, kind=_matrix_to_vector, examples=[
    Example((_separated((3, 3)),)), Example((_separated((2, 3, 3)),)),
    Example((_separated((3, 3)), "U")), Example((_separated((2, 2)),), {"UPLO": "U"})])
def _(y, a, UPLO="L"):
    da = eigvalsh_adjoint(dy, a, UPLO)


@tangent(np.linalg.eigvalsh)
def _(y, a, UPLO="L"):
    dy = eigvalsh_tangent(da, a, UPLO)


# General (non-symmetric) matrices: only real spectra (NumPy then returns real arrays);
# a complex spectrum is refused at run time. Eigenvalues must be distinct.
@adjoint(np.linalg.eig, kind=_eigh_kind, examples=[
    Example((_separated((3, 3)),)), Example((_separated((2, 3, 3)),)),
    Example((_separated((2, 2)),)), Example((Rand((1, 1)),))])
def _(y, a):
    da = eig_adjoint(dy, y, a)


@tangent(np.linalg.eig)
def _(y, a):
    dy = eig_tangent(da, y, a)


@adjoint(np.linalg.eigvals, kind=_matrix_to_vector, examples=[
    Example((_separated((3, 3)),)), Example((_separated((2, 3, 3)),))])
def _(y, a):
    da = eigvals_adjoint(dy, y, a)


@tangent(np.linalg.eigvals)
def _(y, a):
    dy = eigvals_tangent(da, y, a)


# ---------------------------------------------------------------------------- svd


# y = (u, s, vt), or s alone with compute_uv=False. Needs distinct nonzero singular
# values for the u/vt parts; full_matrices=True is refused for non-square matrices.
@adjoint(np.linalg.svd, kind=_svd_kind, examples=[
    Example((_separated((3, 2)), False)), Example((_separated((2, 3)),),
                                                  {"full_matrices": False}),
    Example((_separated((3, 3)),)), Example((_separated((2, 3, 2)), False)),
    Example((_separated((2, 2, 3)), False)), Example((_separated((3, 2)),),
                                                     {"compute_uv": False}),
    Example((_separated((2, 3)),), {"compute_uv": False, "full_matrices": True}),
    Example((_separated_positive((3, 3)),), {"hermitian": True}),
    Example((_separated_positive((3, 3)),), {"hermitian": True, "compute_uv": False})])
def _(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    da = svd_adjoint(dy, y, a, full_matrices, compute_uv, hermitian)


@tangent(np.linalg.svd)
def _(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    dy = svd_tangent(da, y, a, full_matrices, compute_uv, hermitian)


# ---------------------------------------------------------------------------- qr, lstsq


def _qr_kind(kinds, named):
    k = _input_kind(named)
    matrix = k if is_array(k) else ARRAY
    is_c, mode = _const(named, "mode")
    if is_c and mode == "r":
        return matrix
    return TupleKind((matrix, matrix))


# For a matrix of full rank; mode='raw' is refused, and so are the columns of q past
# min(m, n) with mode='complete' (an arbitrary completion of an orthonormal basis).
@adjoint(np.linalg.qr, kind=_qr_kind, examples=[
    Example((_matrix((3, 3)),)), Example((_matrix((4, 2)),)), Example((_matrix((2, 4)),)),
    Example((_matrix((2, 3, 2)),)), Example((_matrix((2, 2, 3)),)),
    Example((_matrix((3, 2)), "r")), Example((_matrix((2, 3)),), {"mode": "r"}),
    Example((_matrix((3, 3), (-3.5, -2.5)),)), Example((Rand((3, 3)),))])
def _(y, a, mode="reduced"):
    da = qr_adjoint(dy, y, a, mode)


@tangent(np.linalg.qr)
def _(y, a, mode="reduced"):
    dy = qr_tangent(da, y, a, mode)


def _lstsq_kind(kinds, named):
    b = named["b"][1]
    x = b if is_array(b) and b.ndim in (1, 2) else ARRAY
    return TupleKind((x, ArrayKind(1), OTHER, ArrayKind(1)))


# y = (x, residuals, rank, s), for a matrix of full rank (x = pinv(a) @ b).
@adjoint(np.linalg.lstsq, kind=_lstsq_kind, examples=[
    Example((_separated((4, 2)), Rand((4,)))), Example((_separated((4, 2)), Rand((4, 3)))),
    Example((_separated((2, 3)), Rand((2,)))), Example((_separated((3, 3)), Rand((3, 2)))),
    Example((_separated((4, 2)), Rand((4,)), None))])
def _(y, a, b, rcond=None):
    da = lstsq_adjoint_a(dy, y, a, b)
    db = lstsq_adjoint_b(dy, y, a, b)


@tangent(np.linalg.lstsq)
def _(y, a, b, rcond=None):
    dy = lstsq_tangent(da, db, y, a, b)


# ---------------------------------------------------------------------------- pinv


# For a matrix of full rank (the pseudo-inverse jumps where the rank changes).
@adjoint(np.linalg.pinv, kind=_matrix_to_matrix, examples=[
    Example((_separated((3, 2)),)), Example((_separated((2, 3)),)),
    Example((_separated((3, 3)),)), Example((_separated((2, 3, 2)),)),
    Example((_separated_positive((3, 3)),), {"hermitian": True}),
    Example((_separated((2, 3)), 1e-12))])
def _(y, a, rcond=None, hermitian=False, *, rtol=None):
    da = pinv_adjoint(dy, y, a, hermitian)


@tangent(np.linalg.pinv)
def _(y, a, rcond=None, hermitian=False, *, rtol=None):
    dy = pinv_tangent(da, y, a, hermitian)
