"""Rules for products (`np.dot`, `np.matmul`, the `.dot` method) and `np.linalg`: the kind
rules and examples the linalg rules share, inv, det, slogdet, solve, cholesky,
matrix_power, the norms and NumPy 2's linalg functions. The decompositions (eigh, eig,
svd, qr), lstsq and pinv are in numpy_linalg_decompositions.py, and the rules for the
helpers their adjoints emit (second derivatives) in numpy_linalg_second.py.
"""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, ArrayKind, TupleKind, array_of_rank, is_array
from srcad.rules.registry import (
    Example,
    Method,
    Rand,
    adjoint,
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
    cholesky_tangent,
    det_adjoint,
    det_tangent,
    diagonal_last_adjoint,
    logdet_tangent,
    matrix_power_adjoint,
    matrix_power_tangent,
    solve_adjoint_a,
    solve_tangent,
    solve_transposed,
    trace_last_adjoint,
    transposed,
)
from srcad.runtime.linalg_decompositions import (
    svdvals_adjoint,
    svdvals_tangent,
)
from srcad.runtime.linalg_norms import (
    matrix_norm_adjoint,
    matrix_norm_tangent,
    norm_adjoint,
    norm_order_adjoint,
    norm_order_tangent,
    norm_tangent,
    vector_norm_adjoint,
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
# with the formulas and their sources, are in srcad/runtime/linalg*.py.
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
