"""Rules for products (`np.dot`, `np.matmul`, the `.dot` method) and `np.linalg`."""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, OTHER, ArrayKind, TupleKind, array_of_rank, is_array
from srcad.rules.registry import (
    Example,
    Method,
    Rand,
    adjoint,
    complex_values,
    nondifferentiable,
    share_rules,
    tangent,
)
from srcad.runtime import (
    dot_adjoint_left,
    dot_adjoint_right,
    matmul_adjoint_left,
    matmul_adjoint_right,
    unbroadcast,
)
from srcad.runtime.linalg import (
    cholesky_adjoint,
    cholesky_adjoint_tangent,
    cholesky_adjoint_transpose,
    cholesky_tangent,
    det_adjoint,
    det_adjoint_curvature,
    det_tangent,
    diagonal_last_adjoint,
    eig_adjoint,
    eig_tangent,
    eigh_adjoint,
    eigh_adjoint_tangent,
    eigh_adjoint_transpose,
    eigh_tangent,
    eigvals_adjoint,
    eigvals_tangent,
    eigvalsh_adjoint,
    eigvalsh_tangent,
    logdet_tangent,
    lstsq_adjoint_a,
    lstsq_adjoint_b,
    lstsq_tangent,
    matrix_norm_adjoint,
    matrix_norm_adjoint_curvature,
    matrix_norm_tangent,
    matrix_power_adjoint,
    matrix_power_tangent,
    norm_adjoint,
    norm_adjoint_curvature,
    norm_order_adjoint,
    norm_order_tangent,
    norm_tangent,
    pinv_adjoint,
    pinv_adjoint_tangent,
    pinv_adjoint_transpose,
    pinv_tangent,
    qr_adjoint,
    qr_tangent,
    solve_adjoint_a,
    solve_adjoint_a_transpose,
    solve_tangent,
    solve_transposed,
    svd_adjoint,
    svd_adjoint_tangent,
    svd_adjoint_transpose,
    svd_tangent,
    svdvals_adjoint,
    svdvals_tangent,
    trace_last_adjoint,
    transposed,
    vector_norm_adjoint,
    vector_norm_adjoint_curvature,
    vector_norm_order_adjoint,
    vector_norm_order_tangent,
    vector_norm_tangent,
)


@adjoint(np.dot, bilinear=True, kind="product")
def _(z, a, b):
    da = dot_adjoint_left(dz, a, b)
    db = dot_adjoint_right(dz, a, b)


share_rules(np.dot, Method("dot"))


@adjoint(np.matmul, bilinear=True, kind="product")
def _(z, a, b):
    da = matmul_adjoint_left(dz, a, b)
    db = matmul_adjoint_right(dz, a, b)


# ============================================================================ np.linalg
#
# Matrices may be stacked (leading batch axes) wherever NumPy allows it. The helpers,
# with the formulas and their sources, are in srcad/runtime/linalg.py.
#
# Symmetric inputs: `eigh`, `eigvalsh`, `cholesky` (and `svd` / `pinv` with
# hermitian=True) read only one triangle of `a`, as NumPy documents. Their gradients are
# defined for symmetric inputs and are exact for NumPy's function: the adjoint lands on
# the triangle NumPy reads, each off-diagonal entry there collecting the adjoints of both
# symmetric entries it stands for. For any input built symmetrically (B + B.T, B @ B.T,
# ...) the chain rule then gives the same result as the symmetrized gradient.
#
# Where a derivative does not exist the rules say so or follow a fixed convention:
# eigenvector / singular-vector derivatives need distinct eigenvalues / singular values
# (their eigenvalue / singular-value parts do not); `eig` / `eigvals` need a real
# spectrum (a complex one is refused at run time); the extra singular vectors of
# `svd(full_matrices=True)` and the extra columns of `qr(mode='complete')` of a
# non-square matrix (an arbitrary orthonormal completion) are refused at run time when
# the result depends on them; `pinv`, `qr` and `lstsq` assume a matrix of full rank; a
# norm's gradient at the zero vector is 0, and ties in max/min-type norms (inf, 1, ...)
# share the derivative evenly; the order p of a vector p-norm is differentiable.

# ---------------------------------------------------------------------------- kinds


def _ranked(kind, change):
    """The kind of an array whose rank is `kind`'s rank plus `change`."""
    if is_array(kind) and kind.ndim is not None:
        return array_of_rank(kind.ndim + change)
    return NUMERIC


def _input_kind(named):
    return named.get("a", named.get("x", (None, NUMERIC)))[1]


def _const(named, name):
    """(True, value) if argument `name` is a compile-time constant."""
    op = named.get(name, (None, None))[0]
    if op is not None and type(op).__name__ == "Const":
        return True, op.value
    return False, None


def _matrix_to_matrix(kinds, named):
    k = _input_kind(named)
    return k if is_array(k) else ARRAY


def _matrix_to_scalar(kinds, named):
    return _ranked(_input_kind(named), -2)


def _matrix_to_vector(kinds, named):
    k = _input_kind(named)
    return _ranked(k, -1) if is_array(k) and k.ndim is not None else ARRAY


def _slogdet_kind(kinds, named):
    r = _ranked(_input_kind(named), -2)
    return TupleKind((r, r))


def _eigh_kind(kinds, named):
    k = _input_kind(named)
    if is_array(k) and k.ndim is not None:
        return TupleKind((array_of_rank(k.ndim - 1), k))
    return TupleKind((ARRAY, ARRAY))


def _svd_kind(kinds, named):
    k = _input_kind(named)
    known = is_array(k) and k.ndim is not None
    vector = array_of_rank(k.ndim - 1) if known else ARRAY
    is_c, compute_uv = _const(named, "compute_uv")
    if is_c and not compute_uv:
        return vector
    matrix = k if known else ARRAY
    return TupleKind((matrix, vector, matrix))


def _solve_kind(kinds, named):
    a, b = named["a"][1], named["b"][1]
    if is_array(a) and is_array(b) and a.ndim is not None and b.ndim is not None:
        if b.ndim == 1:
            return ArrayKind(max(a.ndim - 1, 1))
        return ArrayKind(max(a.ndim, b.ndim))
    return ARRAY


def _matrix_norm_kind(kinds, named):
    k = _input_kind(named)
    is_c, keep = _const(named, "keepdims")
    if "keepdims" not in named:
        is_c, keep = True, False
    if is_c and is_array(k) and k.ndim is not None:
        return k if keep else array_of_rank(k.ndim - 2)
    return NUMERIC


# ---------------------------------------------------------------------------- examples


def _matrix(shape, diagonal=(2.5, 3.5), off=0.5):
    """A random (stack of) matrices: diagonal entries drawn from the ranges `diagonal`
    (one (low, high) pair, or one per diagonal position), the others from [-off, off].

    With the default ranges a matrix is diagonally dominant, hence well conditioned, and
    symmetric positive definite once NumPy symmetrizes it from one triangle. Ranges
    that are far apart make the eigenvalues or singular values well separated."""
    m, n = shape[-2:]
    k = min(m, n)
    if isinstance(diagonal[0], (int, float)):
        diagonal = [diagonal] * k
    low = tuple(tuple(diagonal[i][0] if i == j else -off for j in range(n)) for i in range(m))
    high = tuple(tuple(diagonal[i][1] if i == j else off for j in range(n)) for i in range(m))
    return Rand(tuple(shape), low, high)


def _separated(shape):
    """Matrices with well-separated, nonzero eigenvalues or singular values (and an
    indefinite symmetric part, so eigenvalues of both signs)."""
    k = min(shape[-2:])
    spots = [(-6.0, -5.0), (3.0, 4.0), (9.0, 10.0), (15.0, 16.0)][:k]
    return _matrix(shape, spots, off=0.5)


def _separated_positive(shape):
    k = min(shape[-2:])
    return _matrix(shape, [(4.0 * i + 2.0, 4.0 * i + 3.0) for i in range(k)], off=0.5)


# ---------------------------------------------------------------------------- helpers
# Rules for the helpers the templates below emit into generated code, so that gradients
# using them can be differentiated again (Hessians, grad of grad).


@adjoint(transposed, linear=True, kind=_matrix_to_matrix, examples=[
    Example((Rand((2, 3)),)), Example((Rand((2, 3, 4)),))])
def _(y, x):
    dx = transposed(dy)


# ---------------------------------------------------------------------------- inv, det


@adjoint(np.linalg.inv, kind=_matrix_to_matrix, examples=[
    Example((_matrix((3, 3)),)), Example((_matrix((2, 3, 3)),)),
    Example((Rand((1, 1), 0.5, 2.0),)), Example((_matrix((3, 3), (-3.5, -2.5)),))])
def _(y, a):
    da = -(transposed(y) @ dy @ transposed(y))


@tangent(np.linalg.inv)
def _(y, a):
    dy = -(y @ da @ y)


# The cofactor matrix is det(a) * inv(a).T, computed from an SVD so that the
# derivative also exists (and is right) at singular matrices.
@adjoint(np.linalg.det, kind=_matrix_to_scalar, examples=[
    Example((Rand((3, 3)),)), Example((Rand((2, 2, 2)),)), Example((Rand((1, 1)),)),
    Example((_matrix((4, 4)),))])
def _(y, a):
    da = det_adjoint(dy, a)


@tangent(np.linalg.det)
def _(y, a):
    dy = det_tangent(da, a)


# slogdet returns (sign, log|det|): the sign is piecewise constant (no derivative).
@adjoint(np.linalg.slogdet, kind=_slogdet_kind, examples=[
    Example((_matrix((3, 3)),)), Example((_matrix((3, 3), [(2.0, 3.0), (-3.0, -2.0),
                                                            (2.0, 3.0)]),)),
    Example((_matrix((2, 3, 3)),)), Example((Rand((1, 1), 0.5, 2.0),))])
def _(y, a):
    da = np.expand_dims(dy[1], (-2, -1)) * transposed(np.linalg.inv(a))


@tangent(np.linalg.slogdet)
def _(y, a):
    dy = (np.zeros_like(y[0]), logdet_tangent(da, a))


# ---------------------------------------------------------------------------- solve


@adjoint(np.linalg.solve, kind=_solve_kind, examples=[
    Example((_matrix((3, 3)), Rand((3,)))), Example((_matrix((3, 3)), Rand((3, 2)))),
    Example((_matrix((2, 3, 3)), Rand((3,)))), Example((_matrix((2, 3, 3)), Rand((2, 3, 1)))),
    Example((_matrix((3, 3)), Rand((2, 3, 2)))), Example((_matrix((1, 3, 3)), Rand((2, 3, 2)))),
    Example((_matrix((2, 3, 3)), Rand((3, 2))))])
def _(x, a, b):
    gb = solve_transposed(a, dx, b)    # inv(a).T @ dx
    da = solve_adjoint_a(gb, x, a, b)  # -gb @ x.T, summed to a's shape
    db = unbroadcast(gb, b)


@tangent(np.linalg.solve)
def _(x, a, b):
    dx = solve_tangent(x, a, b, da, db)  # solve(a, db - da @ x)


# ---------------------------------------------------------------------------- cholesky


@adjoint(np.linalg.cholesky, kind=_matrix_to_matrix, examples=[
    Example((_matrix((3, 3)),)), Example((_matrix((2, 3, 3)),)),
    Example((Rand((1, 1), 0.5, 2.0),)), Example((_matrix((4, 4), (3.0, 4.0)),)),
    Example((_matrix((3, 3)),), {"upper": True}),
    Example((_matrix((2, 2, 2)),), {"upper": True})])
def _(factor, a, /, *, upper=False):
    da = cholesky_adjoint(dfactor, factor, upper)


@tangent(np.linalg.cholesky)
def _(factor, a, /, *, upper=False):
    dfactor = cholesky_tangent(da, factor, upper)


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


# ---------------------------------------------------------------------------- matrix_power


@adjoint(np.linalg.matrix_power, kind=_matrix_to_matrix, examples=[
    Example((_matrix((3, 3)), 3)), Example((Rand((3, 3)), 2)), Example((_matrix((3, 3)), 1)),
    Example((_matrix((3, 3)), 0)), Example((_matrix((3, 3)), -2)),
    Example((_matrix((2, 3, 3)), 2))])
def _(y, a, n):
    da = matrix_power_adjoint(dy, a, n)


@tangent(np.linalg.matrix_power)
def _(y, a, n):
    dy = matrix_power_tangent(da, a, n)


# ---------------------------------------------------------------------------- norms

_SIGNED = Rand((4,), (0.2, -1.5, 0.3, -1.2), (1.5, -0.2, 1.2, -0.3))  # no entry near 0

# The order p of a vector norm is a differentiable parameter (d norm / dp exists for
# finite nonzero p), so the sweep perturbs every `ord` these examples pass: the matrix
# orders ('fro', 'nuc', 1, -1, 2, -2), which only take a few values, and the vector
# order 0 are covered by np.linalg.matrix_norm's examples (same helpers) and
# tests/rules/test_linalg.py.
_NORM_EXAMPLES = [
    # vectors
    Example((Rand((3,)),)), Example((Rand((3,)), 2)), Example((Rand((3,)), 1)),
    Example((Rand((3,)), np.inf)), Example((Rand((3,)), -np.inf)), Example((_SIGNED, 3)),
    Example((_SIGNED, 0.5)), Example((_SIGNED, -1.5)), Example((_SIGNED, 2.5)),
    Example((Rand(()),)), Example((Rand((3,)),), {"keepdims": True}),
    Example((_SIGNED,), {"ord": 3, "keepdims": True}),
    # matrices
    Example((Rand((2, 3)),)), Example((Rand((2, 3)), np.inf)), Example((Rand((2, 3)), -np.inf)),
    Example((Rand((2, 3)),), {"keepdims": True}),
    # the flattened 2-norm of any array
    Example((Rand((2, 3, 4)),)), Example((Rand((2, 3, 4)),), {"keepdims": True}),
    # axis
    Example((Rand((2, 3)), None, 1)), Example((Rand((2, 3)), None, -1)),
    Example((Rand((2, 3)), 1, 0)), Example((Rand((2, 3)), np.inf, 1, True)),
    Example((Rand((2, 3), 0.2, 1.5), 3, 0)), Example((Rand((2, 3, 4)), None, (0, 2))),
    Example((Rand((2, 3, 4)), np.inf, (2, 1))), Example((Rand((2, 3, 4)), None, (-1, 0), True)),
    Example((Rand((2, 3, 4), 0.2, 1.5), 1.5, (1,))), Example((Rand((2, 3, 4)), -np.inf, (0, 1))),
]


# d/dord is the derivative with respect to p of a vector p-norm (0 for the other orders).
@adjoint(np.linalg.norm, kind="reduction", examples=_NORM_EXAMPLES)
def _(y, x, ord=None, axis=None, keepdims=False):
    dx = norm_adjoint(dy, x, ord, axis, keepdims)
    dord = norm_order_adjoint(dy, x, ord, axis, keepdims)


@tangent(np.linalg.norm)
def _(y, x, ord=None, axis=None, keepdims=False):
    dy = norm_tangent(dx, x, ord, axis, keepdims) + norm_order_tangent(dord, x, ord, axis,
                                                                       keepdims)


nondifferentiable(np.linalg.matrix_rank, kind="numeric", examples=[
    Example((Rand((3, 3)),)), Example((Rand((2, 3, 2)),))])


# ---------------------------------------------------------------------------- NumPy 2 API

if hasattr(np.linalg, "svdvals"):
    @adjoint(np.linalg.svdvals, kind=_matrix_to_vector, examples=[
        Example((_separated((3, 2)),)), Example((_separated((2, 3)),)),
        Example((_separated((2, 2, 3)),))])
    def _(y, x, /):
        dx = svdvals_adjoint(dy, x)

    @tangent(np.linalg.svdvals)
    def _(y, x, /):
        dy = svdvals_tangent(dx, x)

if hasattr(np.linalg, "vector_norm"):
    @adjoint(np.linalg.vector_norm, kind="reduction", examples=[
        Example((Rand((3,)),)), Example((Rand((2, 3)),)), Example((Rand((2, 3)),), {"axis": 1}),
        Example((Rand((2, 3, 4)),), {"axis": (0, 2), "ord": 1}),
        Example((Rand((2, 3)),), {"ord": np.inf, "keepdims": True}),
        Example((Rand((2, 3), 0.2, 1.5),), {"axis": -1, "ord": 3}),
        Example((_SIGNED,), {"ord": 0.5}), Example((Rand((2, 3), 0.2, 1.5),), {"ord": 2.5}),
        Example((Rand((2, 3)),), {"axis": 0, "ord": -np.inf, "keepdims": True})])
    def _(y, x, /, *, axis=None, keepdims=False, ord=2):
        dx = vector_norm_adjoint(dy, x, axis, keepdims, ord)
        dord = vector_norm_order_adjoint(dy, x, axis, keepdims, ord)

    @tangent(np.linalg.vector_norm)
    def _(y, x, /, *, axis=None, keepdims=False, ord=2):
        dy = vector_norm_tangent(dx, x, axis, keepdims, ord) + \
            vector_norm_order_tangent(dord, x, axis, keepdims, ord)

if hasattr(np.linalg, "matrix_norm"):
    @adjoint(np.linalg.matrix_norm, kind=_matrix_norm_kind, examples=[
        Example((Rand((2, 3)),)), Example((Rand((2, 3)),), {"ord": "fro", "keepdims": True}),
        Example((Rand((2, 2, 3)),), {"ord": "nuc"}), Example((Rand((3, 2)),), {"ord": "nuc"}),
        Example((_separated((3, 2)),), {"ord": 2, "keepdims": True}),
        Example((_separated((2, 2, 3)),), {"ord": -2}), Example((Rand((2, 2, 3)),), {"ord": 1}),
        Example((Rand((2, 3)),), {"ord": -1}), Example((Rand((2, 3)),), {"ord": np.inf}),
        Example((Rand((2, 3)),), {"ord": -np.inf})])
    def _(y, x, /, *, keepdims=False, ord="fro"):
        dx = matrix_norm_adjoint(dy, x, keepdims, ord)

    @tangent(np.linalg.matrix_norm)
    def _(y, x, /, *, keepdims=False, ord="fro"):
        dy = matrix_norm_tangent(dx, x, keepdims, ord)

if hasattr(np.linalg, "matrix_transpose"):
    # The array-API functions of NumPy 2 that act on the last axes.
    @adjoint(np.linalg.matmul, bilinear=True, kind="product", examples=[
        Example((Rand((2, 3)), Rand((3, 4)))), Example((Rand((3,)), Rand((3, 2)))),
        Example((Rand((2, 3, 4)), Rand((4,)))), Example((Rand((2, 3, 4)), Rand((1, 4, 2)))),
        Example((Rand((3,)), Rand((3,))))])
    def _(y, x1, x2, /):
        dx1 = matmul_adjoint_left(dy, x1, x2)
        dx2 = matmul_adjoint_right(dy, x1, x2)

    @adjoint(np.linalg.matrix_transpose, linear=True, kind=_matrix_to_matrix, examples=[
        Example((Rand((2, 3)),)), Example((Rand((2, 3, 4)),))])
    def _(y, x, /):
        dx = transposed(dy)

    @adjoint(np.linalg.outer, bilinear=True, kind=lambda kinds, named: ArrayKind(2), examples=[
        Example((Rand((3,)), Rand((2,)))), Example((Rand((1,)), Rand((4,))))])
    def _(y, x1, x2, /):
        dx1 = dy @ x2
        dx2 = transposed(dy) @ x1

    @adjoint(np.linalg.vecdot, bilinear=True, broadcasting=True, kind="numeric", examples=[
        Example((Rand((3,)), Rand((3,)))), Example((Rand((2, 3)), Rand((3,)))),
        Example((Rand((2, 3)), Rand((2, 3))), {"axis": 0}),
        Example((Rand((4, 1, 3)), Rand((2, 3))), {"axis": -1})])
    def _(y, x1, x2, /, *, axis=-1):
        dx1 = np.expand_dims(dy, axis) * x2
        dx2 = np.expand_dims(dy, axis) * x1

    @adjoint(np.linalg.trace, linear=True, kind=_matrix_to_scalar, examples=[
        Example((Rand((3, 3)),)), Example((Rand((2, 3, 4)),)),
        Example((Rand((3, 4)),), {"offset": 1}), Example((Rand((2, 4, 3)),), {"offset": -2})])
    def _(y, x, /, *, offset=0, dtype=None):
        dx = trace_last_adjoint(dy, x, offset)

    @adjoint(np.linalg.diagonal, linear=True, kind=_matrix_to_vector, examples=[
        Example((Rand((3, 3)),)), Example((Rand((2, 3, 4)),)),
        Example((Rand((3, 4)),), {"offset": 1}), Example((Rand((2, 4, 3)),), {"offset": -1})])
    def _(y, x, /, *, offset=0):
        dx = diagonal_last_adjoint(dy, x, offset)

    # d(x1 x x2) = dx1 x x2 + x1 x dx2;  adjoints: x2 x g and g x x1.
    @adjoint(np.linalg.cross, bilinear=True, broadcasting=True, kind="numeric", examples=[
        Example((Rand((3,)), Rand((3,)))), Example((Rand((2, 3)), Rand((3,)))),
        Example((Rand((3, 2)), Rand((3, 2))), {"axis": 0})])
    def _(y, x1, x2, /, *, axis=-1):
        dx1 = np.linalg.cross(x2, dy, axis=axis)
        dx2 = np.linalg.cross(dy, x1, axis=axis)




# ============================================================================ second derivatives
#
# Rules for the helpers the adjoint templates above emit (srcad/runtime/linalg.py), so
# that a gradient calling them can be differentiated again: Hessians and Hessian-vector
# products (forward over reverse), grad of grad (reverse over reverse). Each helper is
# differentiated as a function of all its inputs: the adjoint it is given, the primal's
# inputs and, where it takes them, the primal's results (the SVD and eigendecomposition
# factors, the pseudo-inverse), as independent values; the chain rule through the primal
# connects them. The same conditions hold as for the first derivatives (distinct
# eigenvalues and singular values where eigenvectors and singular vectors are used,
# matrices of full rank for pinv), and where a first derivative does not exist the
# second is NaN (a norm at 0, its weights jumping there). A varied `ord` of a norm is
# refused: the order derivative of the norm's gradient has no rule.


def _like(param, item=None):
    """A kind rule: the output has the kind of parameter `param` (or of its item)."""

    def kind(kinds, named):
        if param not in named:
            return NUMERIC
        k = named[param][1]
        if item is not None:
            return k.items[item] if isinstance(k, TupleKind) and len(k.items) > item else ARRAY
        return k

    return kind


# solve_transposed(a, g, b) = inv(a).T @ g (b: the solution's layout). Its tangent is the
# tangent of solve(a.T, g) (srcad's own helper for np.linalg.solve's tangent); its
# adjoints are z = inv(a) @ d for g and -y z^T (summed over a's broadcast axes) for a.
@adjoint(solve_transposed, kind=_like("g"), nondiff_params=("b",), examples=[
    Example((_matrix((3, 3)), Rand((3,)), np.ones(3))),
    Example((_matrix((3, 3)), Rand((3, 2)), np.ones((3, 2)))),
    Example((_matrix((2, 3, 3)), Rand((2, 3)), np.ones(3))),
    Example((_matrix((2, 3, 3)), Rand((2, 3, 1)), np.ones((2, 3, 1)))),
    Example((_matrix((3, 3)), Rand((2, 3, 2)), np.ones((2, 3, 2)))),
    Example((_matrix((1, 3, 3)), Rand((2, 3, 2)), np.ones((2, 3, 2))))])
def _(y, a, g, b):
    z = solve_transposed(transposed(a), dy, b)
    dg = unbroadcast(z, g)
    da = solve_adjoint_a(y, z, a, b)


@tangent(solve_transposed)
def _(y, a, g, b):
    dy = solve_tangent(y, transposed(a), b, transposed(da), dg)


# solve_adjoint_a(gb, x, a, b) = -gb x^T summed to a's shape: bilinear in gb and x.
@adjoint(solve_adjoint_a, bilinear=True, kind=_like("a"), nondiff_params=("a", "b"), examples=[
    Example((Rand((3,)), Rand((3,)), np.ones((3, 3)), np.ones(3))),
    Example((Rand((3, 2)), Rand((3, 2)), np.ones((3, 3)), np.ones((3, 2)))),
    Example((Rand((2, 3)), Rand((2, 3)), np.ones((2, 3, 3)), np.ones(3))),
    Example((Rand((2, 3, 2)), Rand((2, 3, 2)), np.ones((3, 3)), np.ones((2, 3, 2)))),
    Example((Rand((2, 3, 2)), Rand((2, 3, 2)), np.ones((1, 3, 3)), np.ones((2, 3, 2))))])
def _(y, gb, x, a, b):
    dgb, dx = solve_adjoint_a_transpose(dy, gb, x, a, b)


# det_adjoint(g, a) = g * cofactor(a): linear in g; in a, the derivative of the cofactor
# matrix is the Hessian of det (symmetric, so it gives the adjoint too).
@adjoint(det_adjoint, kind=_like("a"), examples=[
    Example((Rand(()), Rand((3, 3)))), Example((Rand((2,)), Rand((2, 2, 2)))),
    Example((Rand(()), Rand((1, 1)))), Example((Rand(()), _matrix((4, 4)))),
    Example((Rand(()), Rand((3, 3), ((-1.0, -1.0, -1.0), (0.5, 0.5, 0.5), (-1.0, -1.0, -1.0)),
                            ((1.0, 1.0, 1.0), (0.5, 0.5, 0.5), (1.0, 1.0, 1.0)))))])
def _(y, g, a):
    dg = det_tangent(dy, a)
    da = det_adjoint_curvature(g, dy, a)


@tangent(det_adjoint)
def _(y, g, a):
    dy = det_adjoint(dg, a) + det_adjoint_curvature(g, da, a)


# Like np.linalg.solve and det (complex_rules.py), the helpers are complex-analytic and
# their templates are the real formulas (transposes, never conjugates): the Hessian of
# det is a symmetric bilinear form also for complex matrices.
complex_values(solve_transposed, solve_adjoint_a, det_adjoint, how="holomorphic")


# norm_adjoint(g, x, ...) = spread(g) * W(x): linear in g (its transpose is the norm's
# tangent); in x, the derivative of W (the norm's Hessian, symmetric slice by slice).
_NORM_HELPER_CASES = [
    ((3,), ()), ((3,), (2,)), ((3,), (1,)), ((3,), (np.inf,)), ((3,), (-np.inf,)),
    ((4,), (3,)), ((4,), (-1,)), ((3,), (), {"keepdims": True}), ((4,), (3,), {"keepdims": True}),
    ((2, 3), ()), ((2, 3), ("fro",)), ((2, 3), (np.inf,)), ((3, 2), ("nuc",)), ((2, 3), ("nuc",)),
    ((3, 2), (2,)), ((2, 3), (-2,)), ((2, 3), (1,)), ((2, 3), (), {"keepdims": True}),
    ((2, 3, 4), ()), ((2, 3, 4), (), {"keepdims": True}),
    ((2, 3), (None, 1)), ((2, 3), (None, -1)), ((2, 3), (1, 0)), ((2, 3), (np.inf, 1, True)),
    ((2, 3), (3, 0)), ((2, 3, 4), (None, (0, 2))), ((2, 3, 4), ("nuc", (2, 1))),
    ((2, 3, 4), (None, (-1, 0), True)), ((2, 3, 4), (2, (0, 1))), ((2, 3, 4), (4, (1,)))]


def _norm_helper_examples():
    out = []
    for case in _NORM_HELPER_CASES:
        shape, args = case[0], case[1]
        kwargs = case[2] if len(case) > 2 else {}
        sample = np.linspace(0.3, 1.5, int(np.prod(shape))).reshape(shape)
        g_shape = np.shape(np.linalg.norm(sample, *args, **kwargs))
        x = _SIGNED if shape == (4,) else _separated(shape) if "nuc" in args or \
            (len(args) and args[0] in (2, -2) and len(shape) - (len(args) > 1 and
                                                                np.ndim(args[1]) == 0) >= 2) \
            else Rand(shape, 0.3, 1.5)
        out.append(Example((Rand(g_shape), x, *args), kwargs))
    return out


@adjoint(norm_adjoint, kind=_like("x"), examples=_norm_helper_examples())
def _(y, g, x, ord=None, axis=None, keepdims=False):
    dg = norm_tangent(dy, x, ord, axis, keepdims)
    dx = norm_adjoint_curvature(g, dy, x, ord, axis, keepdims)


@tangent(norm_adjoint)
def _(y, g, x, ord=None, axis=None, keepdims=False):
    dy = norm_adjoint(dg, x, ord, axis, keepdims) + norm_adjoint_curvature(g, dx, x, ord, axis,
                                                                           keepdims)


# eigh_adjoint(g, (w, v), uplo) = T(v B v^T), B = diag(gw) + F * (v^T gv), F_ij =
# 1/(w_j - w_i): a formula in gw, gv, w and v (distinct eigenvalues where gv is used).
_W_SPREAD = Rand((3,), (-6.0, 3.0, 9.0), (-5.0, 4.0, 10.0))


@adjoint(eigh_adjoint, kind=_like("result", 1), nondiff_params=("uplo",), examples=[
    Example(((Rand((3,)), Rand((3, 3))), (_W_SPREAD, Rand((3, 3))))),
    Example(((Rand((3,)), Rand((3, 3))), (_W_SPREAD, Rand((3, 3))), "U")),
    Example(((Rand((2, 3)), Rand((2, 3, 3))),
             (Rand((2, 3), ((-6.0, 3.0, 9.0),) * 2, ((-5.0, 4.0, 10.0),) * 2), Rand((2, 3, 3))))),
    Example(((Rand((2,)), Rand((2, 2))), (Rand((2,), (-2.0, 1.0), (-1.0, 2.0)), Rand((2, 2)))),
            {"uplo": "U"}),
    Example(((Rand((1,)), Rand((1, 1))), (Rand((1,)), Rand((1, 1)))))])
def _(y, g, result, uplo="L"):
    dg, dresult = eigh_adjoint_transpose(dy, g, result, uplo)


@tangent(eigh_adjoint)
def _(y, g, result, uplo="L"):
    dy = eigh_adjoint_tangent(dg, dresult, g, result, uplo)


# cholesky_adjoint(g, L, upper) = T(L^-T phi(L^T g) L^-1): a formula in g and any
# invertible L.
@adjoint(cholesky_adjoint, kind=_like("factor"), nondiff_params=("upper",), examples=[
    Example((Rand((3, 3)), _matrix((3, 3)))), Example((Rand((2, 3, 3)), _matrix((2, 3, 3)))),
    Example((Rand((1, 1)), Rand((1, 1), 0.5, 2.0))), Example((Rand((3, 3)), _matrix((3, 3)), True)),
    Example((Rand((2, 2, 2)), _matrix((2, 2, 2))), {"upper": True})])
def _(y, g, factor, upper=False):
    dg, dfactor = cholesky_adjoint_transpose(dy, g, factor, upper)


@tangent(cholesky_adjoint)
def _(y, g, factor, upper=False):
    dy = cholesky_adjoint_tangent(dg, dfactor, g, factor, upper)


# pinv_adjoint(g, y, a) is a polynomial in g, y (the pseudo-inverse) and a.
@adjoint(pinv_adjoint, kind=_like("a"), nondiff_params=("hermitian",), examples=[
    Example((Rand((2, 3)), Rand((2, 3)), Rand((3, 2)))),
    Example((Rand((3, 2)), Rand((3, 2)), Rand((2, 3)))),
    Example((Rand((3, 3)), Rand((3, 3)), Rand((3, 3)))),
    Example((Rand((2, 2, 3)), Rand((2, 2, 3)), Rand((2, 3, 2)))),
    Example((Rand((3, 3)), Rand((3, 3)), Rand((3, 3)), True))])
def _(r, g, y, a, hermitian=False):
    dg, dy, da = pinv_adjoint_transpose(dr, g, y, a, hermitian)


@tangent(pinv_adjoint)
def _(r, g, y, a, hermitian=False):
    dr = pinv_adjoint_tangent(dg, dy, da, g, y, a, hermitian)


# svd_adjoint(g, (u, s, vt), a, ...): with compute_uv, a formula in the adjoints and the
# (thin) factors (a gives shapes only); without, U diag(gs) V^T of the SVD of a, whose
# derivative in a is the Hessian of sum(gs * s(a)). Distinct nonzero singular values.
def _svd_helper_example(shape, full_matrices=False, hermitian=False):
    m, n = shape[-2:]
    k = min(m, n)
    u_shape = shape[:-2] + ((m, m) if full_matrices else (m, k))
    vt_shape = shape[:-2] + ((n, n) if full_matrices else (k, n))
    lows = [4.0 * i + 2.0 for i in range(k)]
    s = Rand(shape[:-2] + (k,), _broadcast_bounds(lows, shape[:-2]),
             _broadcast_bounds([x + 1.0 for x in lows], shape[:-2]))
    g = (Rand(u_shape), Rand(shape[:-2] + (k,)), Rand(vt_shape))
    return Example((g, (Rand(u_shape), s, Rand(vt_shape)), np.ones(shape), full_matrices,
                    True, hermitian))


def _broadcast_bounds(values, batch):
    out = tuple(values)
    for size in reversed(batch):
        out = (out,) * size
    return out


@adjoint(svd_adjoint, kind=_like("a"),
         nondiff_params=("full_matrices", "compute_uv", "hermitian"), examples=[
    _svd_helper_example((3, 2)), _svd_helper_example((2, 3)), _svd_helper_example((3, 3), True),
    _svd_helper_example((2, 3, 2)), _svd_helper_example((2, 2, 3)),
    _svd_helper_example((3, 3), True, True),
    Example((Rand((2,)), np.ones(2), _separated((3, 2)), False, False)),
    Example((Rand((2,)), np.ones(2), _separated((2, 3)), True, False)),
    Example((Rand((2, 2)), np.ones((2, 2)), _separated((2, 2, 3)), True, False)),
    Example((Rand((3,)), np.ones(3), _separated_positive((3, 3)), True, False, True))])
def _(y, g, result, a, full_matrices=True, compute_uv=True, hermitian=False):
    dg, dresult, da = svd_adjoint_transpose(dy, g, result, a, full_matrices, compute_uv,
                                            hermitian)


@tangent(svd_adjoint)
def _(y, g, result, a, full_matrices=True, compute_uv=True, hermitian=False):
    dy = svd_adjoint_tangent(dg, dresult, da, g, result, a, full_matrices, compute_uv, hermitian)



# The helpers of NumPy 2's vector_norm and matrix_norm: as norm_adjoint.
if hasattr(np.linalg, "vector_norm"):
    @adjoint(vector_norm_adjoint, kind=_like("x"), examples=[
        Example((Rand(()), Rand((3,), 0.3, 1.5))), Example((Rand(()), Rand((2, 3), 0.3, 1.5))),
        Example((Rand((2,)), Rand((2, 3), 0.3, 1.5), 1)),
        Example((Rand((3,)), Rand((2, 3, 4), 0.3, 1.5), (0, 2), False, 1)),
        Example((Rand((2, 1)), Rand((2, 3)), -1, True, np.inf)),
        Example((Rand((2,)), Rand((2, 3), 0.3, 1.5), -1, False, 3)),
        Example((Rand(()), _SIGNED), {"ord": -1})])
    def _(y, g, x, axis=None, keepdims=False, ord=2):
        dg = vector_norm_tangent(dy, x, axis, keepdims, ord)
        dx = vector_norm_adjoint_curvature(g, dy, x, axis, keepdims, ord)

    @tangent(vector_norm_adjoint)
    def _(y, g, x, axis=None, keepdims=False, ord=2):
        dy = vector_norm_adjoint(dg, x, axis, keepdims, ord) + \
            vector_norm_adjoint_curvature(g, dx, x, axis, keepdims, ord)

if hasattr(np.linalg, "matrix_norm"):
    @adjoint(matrix_norm_adjoint, kind=_like("x"), examples=[
        Example((Rand(()), Rand((2, 3)))), Example((Rand((1, 1)), Rand((2, 3)), True)),
        Example((Rand((2,)), _separated((2, 2, 3)), False, "nuc")),
        Example((Rand(()), _separated((3, 2)), False, 2)),
        Example((Rand((2,)), _separated((2, 2, 3)), False, -2)),
        Example((Rand((2,)), Rand((2, 2, 3)), False, 1)),
        Example((Rand(()), Rand((2, 3)), False, np.inf))])
    def _(y, g, x, keepdims=False, ord="fro"):
        dg = matrix_norm_tangent(dy, x, keepdims, ord)
        dx = matrix_norm_adjoint_curvature(g, dy, x, keepdims, ord)

    @tangent(matrix_norm_adjoint)
    def _(y, g, x, keepdims=False, ord="fro"):
        dy = matrix_norm_adjoint(dg, x, keepdims, ord) + \
            matrix_norm_adjoint_curvature(g, dx, x, keepdims, ord)
