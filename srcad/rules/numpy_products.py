"""Rules for products: `vdot inner outer tensordot einsum kron trace` (and `.trace`).

`np.dot`, `np.matmul` and `@` are in numpy_linalg.py. Most adjoints here are again
contractions, computed by the helpers in `srcad/runtime/products.py`.
"""

import numpy as np

from srcad.ir.kinds import NUMERIC, SCALAR, ArrayKind, TupleKind, array_of_rank, is_array
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
from srcad.runtime import unbroadcast
from srcad.runtime.products import (
    cross_axes,
    einsum_adjoint,
    einsum_adjoint_tangent,
    einsum_adjoint_transpose,
    einsum_tangent,
    inner_adjoint,
    inner_adjoint_transpose,
    kron_adjoint,
    kron_adjoint_transpose,
    tensordot_adjoint,
    tensordot_adjoint_transpose,
    trace_adjoint,
)

# ----------------------------------------------------------------------------- kinds


def _rank(kind):
    """The number of dimensions of a value of this kind (None if unknown)."""
    if kind == SCALAR:
        return 0
    if is_array(kind):
        return kind.ndim
    return None


def _const(named, name):
    """(True, value) if parameter `name` was bound to a constant."""
    op = named.get(name, (None,))[0]
    if type(op).__name__ == "Const":
        return True, op.value
    return False, None


def _inner_kind(kinds, named):
    ranks = [_rank(named[p][1]) if p in named else None for p in ("a", "b")]
    if None in ranks:
        return NUMERIC
    if 0 in ranks:
        return array_of_rank(sum(ranks))
    return array_of_rank(ranks[0] + ranks[1] - 2)


def _tensordot_kind(kinds, named):
    ranks = [_rank(named[p][1]) if p in named else None for p in ("a", "b")]
    known, axes = _const(named, "axes")
    if None in ranks or not known:
        return NUMERIC
    try:
        count = int(axes) if np.ndim(axes) == 0 else int(np.size(axes[0]))
    except (TypeError, ValueError, IndexError):
        return NUMERIC
    return array_of_rank(ranks[0] + ranks[1] - 2 * count)


def _kron_kind(kinds, named):
    ranks = [_rank(named[p][1]) if p in named else None for p in ("a", "b")]
    return NUMERIC if None in ranks else array_of_rank(max(ranks))


def _trace_kind(kinds, named):
    rank = _rank(named["a"][1]) if "a" in named else None
    return array_of_rank(rank - 2) if rank is not None and rank >= 2 else NUMERIC


def _einsum_kind(kinds, named):
    """The output rank, when the subscripts are a constant string without '...'."""
    known, spec = _const(named, "subscripts")
    if not known or not isinstance(spec, str) or "..." in spec:
        return NUMERIC
    lhs, arrow, rhs = spec.replace(" ", "").partition("->")
    letters = lhs.replace(",", "")
    if not (letters + rhs).isalpha():
        return NUMERIC
    if arrow:
        return array_of_rank(len(rhs))
    return array_of_rank(sum(1 for ch in set(letters) if letters.count(ch) == 1))


# ----------------------------------------------------------------------------- vdot / inner / outer
# vdot(a, b) = sum(a.ravel() * b.ravel()) for real inputs (any shapes of equal size).


@adjoint(np.vdot, bilinear=True, kind="scalar", examples=[
    Example((Rand((3,)), Rand((3,)))), Example((Rand((2, 3)), Rand((3, 2)))),
    Example((Rand((2, 3)), Rand((6,)))), Example((Rand((2, 3, 2)), Rand((2, 6))))])
def _(y, a, b):
    da = dy * np.reshape(b, np.shape(a))
    db = dy * np.reshape(a, np.shape(b))


# inner(a, b): a product over the last axes of a and b (a plain product with a scalar).


@adjoint(np.inner, bilinear=True, kind=_inner_kind, examples=[
    Example((Rand((3,)), Rand((3,)))), Example((Rand((2, 3)), Rand((3,)))),
    Example((Rand((3,)), Rand((4, 3)))), Example((Rand((2, 3)), Rand((4, 3)))),
    Example((Rand((2, 2, 3)), Rand((4, 3)))), Example((Rand(()), Rand((2, 3)))),
    Example((Rand((2, 3)), Rand(()))), Example((Rand(()), Rand(())))])
def _(y, a, b):
    da = inner_adjoint(dy, a, b, 0)
    db = inner_adjoint(dy, a, b, 1)


# outer(a, b)[i, j] = a.ravel()[i] * b.ravel()[j]


@adjoint(np.outer, bilinear=True, kind=lambda kinds, named: ArrayKind(2), examples=[
    Example((Rand((3,)), Rand((4,)))), Example((Rand((2, 3)), Rand((4,)))),
    Example((Rand(()), Rand((3,)))), Example((Rand((2, 2)), Rand((3, 2))))])
def _(y, a, b, out=None):
    da = np.reshape(np.dot(dy, np.ravel(b)), np.shape(a))
    db = np.reshape(np.dot(np.ravel(a), dy), np.shape(b))


# ----------------------------------------------------------------------------- tensordot


@adjoint(np.tensordot, bilinear=True, kind=_tensordot_kind, examples=[
    Example((Rand((2, 3, 4)), Rand((3, 4, 5)))), Example((Rand((2, 3)), Rand((3, 4)), 1)),
    Example((Rand((2,)), Rand((3,))), {"axes": 0}), Example((Rand((3,)), Rand((3,))), {"axes": 1}),
    Example((Rand((2, 3, 4)), Rand((3, 2, 5))), {"axes": ([1, 0], [0, 1])}),
    Example((Rand((2, 3)), Rand((4, 3))), {"axes": (1, 1)}),
    Example((Rand((2, 3)), Rand((3, 4))), {"axes": ([-1], [0])}),
    Example((Rand((2, 3, 4)), Rand((4, 5, 2))), {"axes": ((0, 2), (2, 0))}),
    Example((Rand((2, 3)), Rand((2, 3))), {"axes": 2})])
def _(y, a, b, axes=2):
    da = tensordot_adjoint(dy, a, b, axes, 0)
    db = tensordot_adjoint(dy, a, b, axes, 1)


# ----------------------------------------------------------------------------- einsum
# Any string subscripts: explicit ('->') or implicit output, several operands, repeated
# labels (traces, diagonals), '...'; and the interleaved form np.einsum(a, [0, 1], b,
# [1, 2], [0, 2]), whose first operand arrives as `subscripts`.

_EINSUM_EXAMPLES = [
    Example(("ij,jk->ik", Rand((2, 3)), Rand((3, 4)))),
    Example(("ij,jk", Rand((2, 3)), Rand((3, 4)))),
    Example(("i,i", Rand((3,)), Rand((3,)))),
    Example(("i,j->ij", Rand((2,)), Rand((3,)))),
    Example(("ij->", Rand((2, 3)))), Example(("ij->j", Rand((2, 3)))),
    Example(("ij->ji", Rand((2, 3)))), Example(("ii->i", Rand((3, 3)))),
    Example(("ii", Rand((3, 3)))), Example(("iij->j", Rand((2, 2, 3)))),
    Example(("ij,jk,kl->il", Rand((2, 3)), Rand((3, 4)), Rand((4, 2)))),
    Example(("bij,bjk->bik", Rand((2, 2, 3)), Rand((2, 3, 2)))),
    Example(("...ij,...jk->...ik", Rand((2, 1, 2, 3)), Rand((4, 3, 2)))),
    Example(("i...->...", Rand((2, 3)))), Example(("...i,...i", Rand((2, 3)), Rand((3,)))),
    Example(("ij,ij->ij", Rand((2, 1)), Rand((2, 3)))),
    Example((",ij->ij", Rand(()), Rand((2, 3)))),
    Example(("ij,jk->ik", Rand((2, 3)), Rand((3, 4))), {"optimize": True}),
    Example(("ij,jk->ik", Rand((0, 3)), Rand((3, 4)))),
    Example(("...ij,...jk->...ik", Rand((0, 2, 3)), Rand((0, 3, 4)))),
    Example((Rand((2, 3)), (0, 1), (1, 0))), Example((Rand((2, 3)), [0, 1])),
    Example((Rand((2, 3)), [0, 1], Rand((3, 4)), [1, 2], [0, 2])),
    Example((Rand((2, 2, 3)), [Ellipsis, 0, 1], Rand((3, 4)), [1, 2], [Ellipsis, 0, 2])),
    Example((Rand((3, 3)), [0, 0], [0])),
]


@adjoint(np.einsum, kind=_einsum_kind, examples=_EINSUM_EXAMPLES)
def _(y, subscripts, *operands, optimize=False):
    dsubscripts, doperands = einsum_adjoint(dy, subscripts, operands, optimize)


@tangent(np.einsum)
def _(y, subscripts, *operands, optimize=False):
    dy = einsum_tangent(y, subscripts, operands, dsubscripts, doperands, optimize)


# Second derivatives: each operand's adjoint is linear in the output's adjoint `g` and in
# every other operand.
def _einsum_adjoint_kind(kinds, named):
    return TupleKind((NUMERIC, named["operands"][1])) if "operands" in named else NUMERIC


@adjoint(einsum_adjoint, kind=_einsum_adjoint_kind, nondiff_params=("optimize",), examples=[
    Example((Rand((2, 4)), "ij,jk->ik", (Rand((2, 3)), Rand((3, 4))))),
    Example((Rand(()), "ii", (Rand((3, 3)),))),
    Example((Rand((2, 1, 2)), "...ij,...jk->...ik", (Rand((2, 1, 3)), Rand((3, 2))))),
    Example((Rand((3, 2)), Rand((2, 3)), ((0, 1), (1, 0)))),
    Example((Rand((2, 4)), Rand((2, 3)), ([0, 1], Rand((3, 4)), [1, 2], [0, 2])))])
def _(d, g, subscripts, operands, optimize=False):
    dg, dsubscripts, doperands = einsum_adjoint_transpose(dd, g, subscripts, operands, optimize)


@tangent(einsum_adjoint)
def _(d, g, subscripts, operands, optimize=False):
    dd = einsum_adjoint_tangent(g, subscripts, operands, dg, dsubscripts, doperands, optimize)


complex_values(einsum_adjoint, how="holomorphic")


# ----------------------------------------------------------------------------- cross
# c = a x b: <g, a x b> = <a, b x g> = <b, g x a>. The vector axes are counted from the
# end of each array (`cross_axes`), so the adjoints' extra leading axes are summed away.


def _cross_kind(kinds, named):
    ranks = [_rank(named[p][1]) if p in named else None for p in ("a", "b")]
    return NUMERIC if None in ranks else array_of_rank(max(ranks))


@adjoint(np.cross, bilinear=True, kind=_cross_kind, examples=[
    Example((Rand((3,)), Rand((3,)))), Example((Rand((2, 3)), Rand((3,)))),
    Example((Rand((3, 2)), Rand((4, 1, 3))), {"axisa": 0}),
    Example((Rand((3, 3)), Rand((3, 3)), 0, 1, 1)),
    Example((Rand((3, 3)), Rand((3, 3))), {"axisa": 1, "axisb": 0, "axisc": 0}),
    Example((Rand((3, 3)), Rand((3, 3))), {"axis": 0}),
    Example((Rand((2, 3, 2)), Rand((3, 1))), {"axisa": 1, "axisb": 0, "axisc": -1})])
def _(c, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    axes = cross_axes(a, b, c, axisa, axisb, axisc, axis)
    da = unbroadcast(np.cross(b, dc, axes[1], axes[2], axes[0]), a)
    db = unbroadcast(np.cross(dc, a, axes[2], axes[0], axes[1]), b)


nondifferentiable(cross_axes, examples=[Example((np.ones(3), np.ones(3), np.ones(3))),
                                        Example((np.ones((3, 2)), np.ones(3), np.ones((2, 3)), 0))])
complex_values(np.cross, how="holomorphic")


# ----------------------------------------------------------------------------- kron


@adjoint(np.kron, bilinear=True, kind=_kron_kind, examples=[
    Example((Rand((2,)), Rand((3,)))), Example((Rand((2, 3)), Rand((2, 2)))),
    Example((Rand((2,)), Rand((2, 3)))), Example((Rand((2, 2, 2)), Rand((3,)))),
    Example((Rand(()), Rand((2, 3)))), Example((Rand((2, 3)), Rand(())))])
def _(y, a, b):
    da = kron_adjoint(dy, a, b, 0)
    db = kron_adjoint(dy, a, b, 1)


# ----------------------------------------------------------------------------- trace
# The sum of a diagonal: its adjoint is dy on that diagonal, zero elsewhere.

_TRACE_EXAMPLES = [
    Example((Rand((3, 3)),)), Example((Rand((3, 4)), 1)), Example((Rand((4, 3)),), {"offset": -1}),
    Example((Rand((3, 3)), 5)), Example((Rand((2, 3, 4)), 0, 1, 2)),
    Example((Rand((3, 2, 3)),), {"axis1": 0, "axis2": 2}),
    Example((Rand((2, 3, 4)),), {"offset": 1, "axis1": -1, "axis2": 0}),
]


@adjoint(np.trace, linear=True, kind=_trace_kind, examples=_TRACE_EXAMPLES)
def _(y, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    da = trace_adjoint(dy, a, offset, axis1, axis2)


share_rules(np.trace, Method("trace"), examples=_TRACE_EXAMPLES)


# ----------------------------------------------------------------------------- helpers
# Rules for helpers the templates above emit, for higher derivatives. `a` only gives
# the shape: trace_adjoint is linear in `g`.


@adjoint(trace_adjoint, linear=True, nondiff_params=("a",),
         kind=lambda kinds, named: named["a"][1] if "a" in named else NUMERIC,
         examples=[Example((Rand(()), np.ones((3, 3)))), Example((Rand(()), np.ones((3, 4)), 1)),
                   Example((Rand((2,)), np.ones((2, 3, 4)), -1, 1, 2)),
                   Example((Rand((4,)), np.ones((3, 4, 3))), {"axis1": 0, "axis2": 2})])
def _(y, g, a, offset=0, axis1=0, axis2=1):
    dg = np.trace(dy, offset, axis1, axis2)




# tensordot_adjoint(g, a, b, axes, k), inner_adjoint(g, a, b, k) and kron_adjoint(g, a,
# b, k) (the adjoint of operand k) are linear in g and in the other operand, and read
# operand k for its shape only (so in the second tangent term, with operand k's tangent
# in its place, that tangent gives its shape only). The adjoints:
# srcad/runtime/products.py.
def _operand_kind(kinds, named):
    """The kind of operand k (a for k = 0, b for k = 1), k being a constant."""
    known, k = _const(named, "k")
    name = {0: "a", 1: "b"}.get(k) if known else None
    return named[name][1] if name in named else NUMERIC


@adjoint(tensordot_adjoint, kind=_operand_kind, nondiff_params=("axes", "k"), examples=[
    Example((Rand((2, 5)), Rand((2, 3, 4)), Rand((3, 4, 5)), 2, 0)),
    Example((Rand((2, 5)), Rand((2, 3, 4)), Rand((3, 4, 5)), 2, 1)),
    Example((Rand((2, 4)), Rand((2, 3)), Rand((3, 4)), 1, 0)),
    Example((Rand((2, 3)), Rand((2,)), Rand((3,)), 0, 1)),
    Example((Rand(()), Rand((3,)), Rand((3,)), 1, 0)),
    Example((Rand((4, 5)), Rand((2, 3, 4)), Rand((3, 2, 5)), ([1, 0], [0, 1]), 0)),
    Example((Rand((4, 5)), Rand((2, 3, 4)), Rand((3, 2, 5)), ([1, 0], [0, 1]), 1)),
    Example((Rand((3, 5)), Rand((2, 3, 4)), Rand((4, 5, 2)), ((0, 2), (2, 0)), 1))])
def _(y, g, a, b, axes, k):
    dg, da, db = tensordot_adjoint_transpose(dy, g, a, b, axes, k)


@tangent(tensordot_adjoint)
def _(y, g, a, b, axes, k):
    dy = tensordot_adjoint(dg, a, b, axes, k) + tensordot_adjoint(g, da, db, axes, k)


@adjoint(inner_adjoint, kind=_operand_kind, nondiff_params=("k",), examples=[
    Example((Rand(()), Rand((3,)), Rand((3,)), 0)), Example((Rand(()), Rand((3,)), Rand((3,)), 1)),
    Example((Rand((2,)), Rand((2, 3)), Rand((3,)), 0)),
    Example((Rand((2, 4)), Rand((2, 3)), Rand((4, 3)), 1)),
    Example((Rand((2, 2, 4)), Rand((2, 2, 3)), Rand((4, 3)), 0)),
    Example((Rand((2, 3)), Rand(()), Rand((2, 3)), 0)),
    Example((Rand((2, 3)), Rand(()), Rand((2, 3)), 1)), Example((Rand(()), Rand(()), Rand(()), 1))])
def _(y, g, a, b, k):
    dg, da, db = inner_adjoint_transpose(dy, g, a, b, k)


@tangent(inner_adjoint)
def _(y, g, a, b, k):
    dy = inner_adjoint(dg, a, b, k) + inner_adjoint(g, da, db, k)


@adjoint(kron_adjoint, kind=_operand_kind, nondiff_params=("k",), examples=[
    Example((Rand((6,)), Rand((2,)), Rand((3,)), 0)),
    Example((Rand((6,)), Rand((2,)), Rand((3,)), 1)),
    Example((Rand((4, 6)), Rand((2, 3)), Rand((2, 2)), 0)),
    Example((Rand((2, 6)), Rand((2,)), Rand((2, 3)), 1)),
    Example((Rand((2, 2, 6)), Rand((2, 2, 2)), Rand((3,)), 0)),
    Example((Rand((2, 3)), Rand(()), Rand((2, 3)), 0)),
    Example((Rand((2, 3)), Rand((2, 3)), Rand(()), 1))])
def _(y, g, a, b, k):
    dg, da, db = kron_adjoint_transpose(dy, g, a, b, k)


@tangent(kron_adjoint)
def _(y, g, a, b, k):
    dy = kron_adjoint(dg, a, b, k) + kron_adjoint(g, da, db, k)


complex_values(tensordot_adjoint, inner_adjoint, kron_adjoint, how="holomorphic")
