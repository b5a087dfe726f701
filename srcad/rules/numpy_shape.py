"""Rules for shape operations: reshaping, transposing, joining, splitting, repeating,
padding, diagonals, sorting, conversions, and the matching ndarray methods.

Most of these move elements around without changing them, so their adjoints move the
adjoints back (and add up the adjoints of copies).
"""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, OTHER, SCALAR, ArrayKind, TupleKind, is_array
from srcad.ir.nodes import Const
from srcad.rules.registry import (
    Attribute,
    Example,
    Method,
    Rand,
    adjoint,
    complex_values,
    nondifferentiable,
    share_rules,
    tangent,
)
from srcad.runtime import broadcast_like, transpose_adjoint, unbroadcast
from srcad.runtime import shape as shape_rt
from srcad.runtime.shape import (
    append_adjoint,
    append_tangent,
    array_adjoint,
    array_tangent,
    clip_adjoint,
    clip_tangent,
    column_stack_adjoint,
    concatenate_adjoint,
    diag_adjoint,
    diagonal_adjoint,
    dstack_adjoint,
    hsplit_axis,
    hstack_adjoint,
    index_concatenate,
    index_concatenate_adjoint,
    index_concatenate_tangent,
    item_tangents,
    method_axes,
    np_repeat_adjoint,
    pad_adjoint,
    pad_constant_values_adjoint,
    pad_tangent,
    permuted_adjoint,
    permuted_tangent,
    ravel_adjoint,
    ravel_tangent,
    rollaxis_axes,
    sort_adjoint,
    sort_tangent,
    split_adjoint,
    split_tangent,
    stack_adjoint,
    take_along_axis_adjoint,
    tile_adjoint,
    vstack_adjoint,
)

# ============================================================================ kinds
# Kind rules take (kinds, named): see srcad/kinds.py. A result that may be 0-d is
# NUMERIC unless it is surely a 0-d array (ArrayKind(0)); never SCALAR.


def _rank(kind):
    """The number of dimensions of a value of `kind` (None if unknown)."""
    if kind == SCALAR:
        return 0
    if is_array(kind):
        return kind.ndim
    return None


def _constant(named, name, default=None):
    """(True, value) if parameter `name` is a constant (or left at its default)."""
    if name not in named:
        return True, default
    op = named[name][0]
    if isinstance(op, Const):
        return True, op.value
    return False, None


def _count(axis):
    """How many axes `axis` (an int or a tuple) names; None if unknown."""
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return 1
    if isinstance(axis, tuple):
        return len(axis)
    return None


def _array(ndim):
    """An array of `ndim` dimensions; NUMERIC for 0 (NumPy may give a scalar there)."""
    if ndim is None:
        return ARRAY
    return ArrayKind(ndim) if ndim > 0 else NUMERIC


def _input(named, name):
    return named[name][1] if name in named else NUMERIC


def _kind_with_rank(rank_of):
    """A kind rule from a function (input rank, named) -> output rank (or None)."""

    def rule(kinds, named):
        rank = _rank(kinds[0]) if kinds else None
        return _array(rank_of(rank, named) if rank is not None else None)

    return rule


def _plus_axes(rank, named):
    known, axis = _constant(named, "axis")
    count = _count(axis) if known else None
    return rank + count if count is not None else None


def _minus_axes(rank, named):
    known, axis = _constant(named, "axis")
    count = _count(axis) if known and axis is not None else None
    return rank - count if count is not None else None


def _at_least(n):
    return _kind_with_rank(lambda rank, named: max(rank, n))


def _same(rank, named):
    return rank


def _flat_if_no_axis(default_axis):
    def rank_of(rank, named):
        known, axis = _constant(named, "axis", default_axis)
        if not known:
            return None
        return 1 if axis is None else rank
    return rank_of


def _diag_rank(rank, named):
    return {1: 2, 2: 1}.get(rank)


def _diagonal_rank(rank, named):
    return rank - 1 if rank >= 2 else None


def _tile_rank(rank, named):
    known, reps = _constant(named, "reps")
    count = _count(reps) if known else None
    return max(rank, count) if count is not None else None


def _broadcast_to_kind(kinds, named):
    known, shape = _constant(named, "shape")
    if known:
        count = _count(shape)
        if count is not None:
            return ArrayKind(count)
    return ARRAY


def _item_rank(kinds, named, name):
    """The rank of the first item of the list parameter `name` (None if unknown)."""
    kind = _input(named, name)
    if isinstance(kind, TupleKind) and kind.items:
        return _rank(kind.items[0])
    return None


def _concatenate_kind(kinds, named):
    known, axis = _constant(named, "axis", 0)
    if known and axis is None:
        return ArrayKind(1)
    return _array(_item_rank(kinds, named, "arrays"))


def _stack_kind(kinds, named):
    rank = _item_rank(kinds, named, "arrays")
    return _array(rank + 1 if rank is not None else None)


def _joined_kind(at_least):
    def rule(kinds, named):
        rank = _item_rank(kinds, named, "tup")
        return _array(max(rank, at_least) if rank is not None else None)
    return rule


def _split_kind(kinds, named):
    """A tuple of parts when their number is known from the arguments, else OTHER."""
    known, sections = _constant(named, "indices_or_sections")
    sections_kind = _input(named, "indices_or_sections")
    if known and isinstance(sections, (int, np.integer)) and not isinstance(sections, bool):
        count = int(sections)
    elif known and np.ndim(sections) == 1:
        count = len(sections) + 1  # a constant tuple or array of indices
    elif isinstance(sections_kind, TupleKind):
        count = len(sections_kind.items) + 1  # a list literal of indices
    else:
        return OTHER
    part = _array(_rank(_input(named, "ary")))
    return TupleKind((part,) * count)


def _conversion_kind(name):
    """np.array / np.asarray: the input's rank (plus one per level of list literal)."""

    def rule(kinds, named):
        kind = _input(named, name)
        levels = 0
        while isinstance(kind, TupleKind) and kind.items and \
                all(item == kind.items[0] for item in kind.items):
            kind, levels = kind.items[0], levels + 1
        rank = _rank(kind)
        if rank is None:
            return ARRAY
        known, ndmin = _constant(named, "ndmin", 0)
        if not known:
            return ARRAY
        return ArrayKind(max(rank + levels, ndmin))

    return rule


def _astype_kind(kinds, named):
    kind = kinds[0] if kinds else NUMERIC
    return kind if is_array(kind) or kind == SCALAR else NUMERIC


# ============================================================================ reshape, transpose


@adjoint(np.reshape, linear=True, kind="reshaped")
def _(y, a, shape):
    da = np.reshape(dy, np.shape(a))


@adjoint(Method("reshape"), kind="array")
def _(y, a, *shape):
    da = np.reshape(dy, np.shape(a))


@tangent(Method("reshape"))
def _(y, a, *shape):
    dy = np.reshape(da, np.shape(y))


@adjoint(np.transpose, linear=True, kind="same_rank")
def _(y, a, axes=None):
    da = transpose_adjoint(dy, axes)


@adjoint(Attribute("T"), linear=True, kind="same_rank")
def _(y, a):
    da = np.transpose(dy)


TRANSPOSE_EXAMPLES = [
    Example((Rand((3,)),)), Example((Rand((2, 3)),)), Example((Rand((2, 3)), 1, 0)),
    Example((Rand((2, 3)), (1, 0))), Example((Rand((2, 3, 4)), 2, 0, 1)),
    Example((Rand((2, 3, 4)), (-1, 0, 1))), Example((Rand((2, 3, 4)), None)),
    Example((Rand((2, 3, 4)),)),
]


@adjoint(Method("transpose"), kind="same_rank", examples=TRANSPOSE_EXAMPLES)
def _(y, a, *axes):
    da = transpose_adjoint(dy, method_axes(axes))


@tangent(Method("transpose"))
def _(y, a, *axes):
    dy = np.transpose(da, method_axes(axes))


RAVEL_EXAMPLES = [
    Example((Rand((3,)),)), Example((Rand((2, 3)),)), Example((Rand((2, 3, 4)), "F")),
    Example((Rand((2, 3)),), {"order": "C"}), Example((Rand((2, 3)), "A")),
    Example((Rand((2, 3)), "K")),
]


@adjoint(np.ravel, kind=lambda kinds, named: ArrayKind(1),
         examples=RAVEL_EXAMPLES + [Example((Rand(()),))])
@adjoint(Method("ravel"), kind=lambda kinds, named: ArrayKind(1), examples=RAVEL_EXAMPLES)
@adjoint(Method("flatten"), kind=lambda kinds, named: ArrayKind(1), examples=RAVEL_EXAMPLES)
def _(y, a, order="C"):
    da = ravel_adjoint(dy, a, order)


@tangent(np.ravel)
@tangent(Method("ravel"))
@tangent(Method("flatten"))
def _(y, a, order="C"):
    dy = ravel_tangent(da, a, order)


@adjoint(np.swapaxes, linear=True, kind="same_rank", examples=[
    Example((Rand((2, 3)), 0, 1)), Example((Rand((2, 3, 4)), 0, 2)),
    Example((Rand((2, 3, 4)), -1, 1)), Example((Rand((2, 3)), 1, 1))])
def _(y, a, axis1, axis2):
    da = np.swapaxes(dy, axis1, axis2)


share_rules(np.swapaxes, Method("swapaxes"), examples=[
    Example((Rand((2, 3)), 0, 1)), Example((Rand((2, 3, 4)), 2, -3))])


@adjoint(np.moveaxis, linear=True, kind="same_rank", examples=[
    Example((Rand((2, 3)), 0, 1)), Example((Rand((2, 3, 4)), 0, -1)),
    Example((Rand((2, 3, 4)), (0, 1), (2, 0))), Example((Rand((2, 3, 4)), -1, 0))])
def _(y, a, source, destination):
    da = np.moveaxis(dy, destination, source)


@adjoint(np.expand_dims, linear=True, kind=_kind_with_rank(_plus_axes), examples=[
    Example((Rand(()), 0)), Example((Rand((3,)), 0)), Example((Rand((3,)), -1)),
    Example((Rand((2, 3)), (0, 3))), Example((Rand((2, 3)),), {"axis": 1})])
def _(y, a, axis):
    da = np.reshape(dy, np.shape(a))


SQUEEZE_EXAMPLES = [
    Example((Rand((1, 3, 1)),)), Example((Rand((1, 3, 1)), 0)), Example((Rand((1, 3, 1)), -1)),
    Example((Rand((1, 3, 1)), (0, 2))), Example((Rand((1, 1)),)),
    Example((Rand((2, 1, 3)),), {"axis": 1}),
]


@adjoint(np.squeeze, linear=True, kind=_kind_with_rank(_minus_axes), examples=SQUEEZE_EXAMPLES)
def _(y, a, axis=None):
    da = np.reshape(dy, np.shape(a))


share_rules(np.squeeze, Method("squeeze"), examples=SQUEEZE_EXAMPLES)


@adjoint(np.atleast_1d, linear=True, kind=_at_least(1),
         examples=[Example((Rand(()),)), Example((Rand((3,)),)), Example((Rand((2, 3)),))])
def _(y, arys):
    darys = np.reshape(dy, np.shape(arys))


@adjoint(np.atleast_2d, linear=True, kind=_at_least(2),
         examples=[Example((Rand(()),)), Example((Rand((3,)),)), Example((Rand((2, 3)),)),
                   Example((Rand((2, 3, 2)),))])
def _(y, arys):
    darys = np.reshape(dy, np.shape(arys))


@adjoint(np.atleast_3d, linear=True, kind=_at_least(3),
         examples=[Example((Rand(()),)), Example((Rand((3,)),)), Example((Rand((2, 3)),)),
                   Example((Rand((2, 3, 2)),))])
def _(y, arys):
    darys = np.reshape(dy, np.shape(arys))


@adjoint(np.broadcast_to, linear=True, kind=_broadcast_to_kind, examples=[
    Example((Rand(()), (2, 3))), Example((Rand((3,)), (2, 3))), Example((Rand((2, 1)), (2, 3))),
    Example((Rand((3,)), 3)), Example((Rand((1, 3)), (4, 2, 3))),
    Example((Rand((2, 3)),), {"shape": (2, 3)})])
def _(y, array, shape):
    darray = unbroadcast(dy, array)


# ============================================================================ joining, splitting
# A list argument's adjoint is a list with one adjoint per item.


@adjoint(np.concatenate, linear=True, kind=_concatenate_kind, examples=[
    Example(([Rand((2,)), Rand((3,))],)),
    Example(([Rand((2, 3)), Rand((1, 3)), Rand((2, 3))],)),
    Example(([Rand((2, 3)), Rand((2, 1))], 1)),
    Example(([Rand((2, 3)), Rand((2, 2))],), {"axis": -1}),
    Example(((Rand((2, 3)), Rand((4,))),), {"axis": None}),
    Example(([Rand((2, 2, 3)), Rand((2, 1, 3))], 1)),
    Example(([Rand((3,))],)), Example((Rand((3, 2)),)), Example((Rand((2, 3, 2)), 1))])
def _(y, arrays, axis=0):
    darrays = concatenate_adjoint(dy, arrays, axis)


@adjoint(np.stack, linear=True, kind=_stack_kind, examples=[
    Example(([Rand((3,)), Rand((3,))],)), Example(([Rand((2, 3)), Rand((2, 3))], 1)),
    Example(((Rand((2, 3)), Rand((2, 3)), Rand((2, 3))),), {"axis": -1}),
    Example(([Rand(()), Rand(()), Rand(())],)), Example(([Rand((2,)), Rand((2,))], -2)),
    Example((Rand((3, 2)), 1))])
def _(y, arrays, axis=0):
    darrays = stack_adjoint(dy, arrays, axis)


@adjoint(np.hstack, linear=True, kind=_joined_kind(1), examples=[
    Example(([Rand((2,)), Rand((3,))],)), Example(([Rand((2, 3)), Rand((2, 1))],)),
    Example(([Rand(()), Rand((2,))],)), Example(((Rand((2, 1, 2)), Rand((2, 3, 2))),)),
    Example((Rand((3, 2)),))])
def _(y, tup):
    dtup = hstack_adjoint(dy, tup)


@adjoint(np.vstack, linear=True, kind=_joined_kind(2), examples=[
    Example(([Rand((3,)), Rand((3,))],)), Example(([Rand((2, 3)), Rand((3,))],)),
    Example(([Rand(()), Rand(())],)), Example(((Rand((1, 3, 2)), Rand((2, 3, 2))),)),
    Example((Rand((3, 2)),))])
def _(y, tup):
    dtup = vstack_adjoint(dy, tup)


if hasattr(np, "row_stack"):  # vstack's deprecated alias (NumPy 2.0), removed later
    share_rules(np.vstack, np.row_stack, examples=[
        Example(([Rand((3,)), Rand((3,))],)), Example(([Rand((2, 3)), Rand((3,))],)),
        Example((Rand((3, 2)),))])
    complex_values(np.row_stack, how="linear")


@adjoint(np.dstack, linear=True, kind=_joined_kind(3), examples=[
    Example(([Rand((3,)), Rand((3,))],)), Example(([Rand((2, 3)), Rand((2, 3, 2))],)),
    Example(([Rand(()), Rand(())],)), Example((Rand((2, 3)),))])
def _(y, tup):
    dtup = dstack_adjoint(dy, tup)


@adjoint(np.column_stack, linear=True, kind=_joined_kind(2), examples=[
    Example(([Rand((3,)), Rand((3,))],)), Example(([Rand((3,)), Rand((3, 2))],)),
    Example(([Rand(()), Rand((1, 2))],)), Example((Rand((2, 3)),))])
def _(y, tup):
    dtup = column_stack_adjoint(dy, tup)


# Second order for the joining functions: their adjoints cut the output adjoint `g`
# into the items' adjoints (linear in `g`; the items are read for their shapes only),
# and the transpose of a cut joins the pieces again. Without these, srcad.hessian of
# np.concatenate([a, b]) was refused.
def _items_kind(param):
    def kind(kinds, named):
        return named[param][1] if param in named else NUMERIC
    return kind


_TWO = [np.ones(2), np.ones(3)]


@adjoint(concatenate_adjoint, kind=_items_kind("arrays"), nondiff_params=("arrays", "axis"),
         examples=[Example((Rand((5,)), _TWO)),
                   Example((Rand((2, 5)), [np.ones((2, 3)), np.ones((2, 2))], 1)),
                   Example((Rand((7,)), (np.ones((2, 2)), np.ones(3)), None)),
                   Example((Rand((6,)), np.ones((3, 2))))])
def _(d, g, arrays, axis=0):
    dg = np.concatenate(item_tangents(dd, arrays), axis)


@tangent(concatenate_adjoint)
def _(d, g, arrays, axis=0):
    dd = concatenate_adjoint(broadcast_like(dg, g), arrays, axis)


@adjoint(stack_adjoint, kind=_items_kind("arrays"), nondiff_params=("arrays", "axis"),
         examples=[Example((Rand((2, 3)), [np.ones(3), np.ones(3)])),
                   Example((Rand((3, 2)), [np.ones(3), np.ones(3)], 1)),
                   Example((Rand((3,)), [1.0, 1.0, 1.0])),
                   Example((Rand((3, 2)), np.ones((2, 3)), -1))])
def _(d, g, arrays, axis=0):
    dg = np.stack(item_tangents(dd, arrays), axis)


@tangent(stack_adjoint)
def _(d, g, arrays, axis=0):
    dd = stack_adjoint(broadcast_like(dg, g), arrays, axis)


@adjoint(hstack_adjoint, kind=_items_kind("tup"), nondiff_params=("tup",),
         examples=[Example((Rand((5,)), _TWO)),
                   Example((Rand((2, 4)), [np.ones((2, 3)), np.ones((2, 1))])),
                   Example((Rand((3,)), [1.0, np.ones(2)]))])
def _(d, g, tup):
    dg = np.hstack(item_tangents(dd, tup))


@tangent(hstack_adjoint)
def _(d, g, tup):
    dd = hstack_adjoint(broadcast_like(dg, g), tup)


@adjoint(vstack_adjoint, kind=_items_kind("tup"), nondiff_params=("tup",),
         examples=[Example((Rand((2, 3)), [np.ones(3), np.ones(3)])),
                   Example((Rand((3, 3)), [np.ones((2, 3)), np.ones(3)])),
                   Example((Rand((2, 1)), [1.0, 1.0]))])
def _(d, g, tup):
    dg = np.vstack(item_tangents(dd, tup))


@tangent(vstack_adjoint)
def _(d, g, tup):
    dd = vstack_adjoint(broadcast_like(dg, g), tup)


@adjoint(dstack_adjoint, kind=_items_kind("tup"), nondiff_params=("tup",),
         examples=[Example((Rand((1, 3, 2)), [np.ones(3), np.ones(3)])),
                   Example((Rand((2, 3, 3)), [np.ones((2, 3)), np.ones((2, 3, 2))]))])
def _(d, g, tup):
    dg = np.dstack(item_tangents(dd, tup))


@tangent(dstack_adjoint)
def _(d, g, tup):
    dd = dstack_adjoint(broadcast_like(dg, g), tup)


@adjoint(column_stack_adjoint, kind=_items_kind("tup"), nondiff_params=("tup",),
         examples=[Example((Rand((3, 2)), [np.ones(3), np.ones(3)])),
                   Example((Rand((3, 3)), [np.ones(3), np.ones((3, 2))]))])
def _(d, g, tup):
    dg = np.column_stack(item_tangents(dd, tup))


@tangent(column_stack_adjoint)
def _(d, g, tup):
    dd = column_stack_adjoint(broadcast_like(dg, g), tup)


complex_values(concatenate_adjoint, stack_adjoint, hstack_adjoint, vstack_adjoint,
               dstack_adjoint, column_stack_adjoint, how="linear")


# np.r_[...] and np.c_[...] are lowered to index_concatenate("r" or "c", *items); NumPy
# joins, and the adjoint finds where each item's entries went by joining labels.
_R_EXAMPLES = [
    Example(("r", Rand((3,)), 2.0)), Example(("r", Rand((2,)), Rand((2,)))),
    Example(("c", Rand((3,)), np.ones(3), Rand((3,)))),
    Example(("r", Rand((1,)), Rand(()), Rand((3,)))),
    Example(("r", Rand((2,)), slice(0, 3), 4.0)), Example(("r", slice(0.0, 1.0, 4j), Rand((2,)))),
    Example(("r", Rand((2, 3)), Rand((1, 3)))), Example(("c", Rand((2, 2)), Rand((2,)))),
    Example(("r", "0,2", Rand((3,)), Rand((2, 3)))), Example(("r", "-1", Rand((3,)), Rand((2,)))),
    Example(("r", "1,2,0", Rand((3,)), Rand((3,)))),
    Example(("r", [Rand(()), Rand(())], Rand((2,)))),
]


@adjoint(index_concatenate, kind="array", examples=_R_EXAMPLES)
def _(y, which, *items):
    ditems = index_concatenate_adjoint(dy, which, items)


@tangent(index_concatenate)
def _(y, which, *items):
    dy = index_concatenate_tangent(y, which, items, ditems)


# Second order: the adjoint is linear in `g` (the items give only shapes and positions).
@adjoint(index_concatenate_adjoint, kind="other", nondiff_params=("which", "items"),
         examples=[Example((Rand((3,)), "r", (np.ones(2), 1.0))),
                   Example((Rand((2, 3)), "c", (np.ones(2), np.ones((2, 2))))),
                   Example((Rand((4,)), "r", (np.ones(1), slice(0, 2), 1.0)))])
def _(d, g, which, items):
    dg = index_concatenate_tangent(g, which, items, dd)


@tangent(index_concatenate_adjoint)
def _(d, g, which, items):
    dd = index_concatenate_adjoint(dg, which, items)


@adjoint(index_concatenate_tangent, kind=_items_kind("y"), nondiff_params=("y", "which", "items"),
         examples=[Example((np.ones(3), "r", (np.ones(2), 1.0), (Rand((2,)), Rand(())))),
                   Example((np.ones((2, 3)), "c", (np.ones(2), np.ones((2, 2))),
                            (Rand((2,)), Rand((2, 2)))))])
def _(dy, y, which, items, ditems):
    dditems = index_concatenate_adjoint(ddy, which, items)


@tangent(index_concatenate_tangent)
def _(dy, y, which, items, ditems):
    ddy = index_concatenate_tangent(y, which, items, dditems)


complex_values(index_concatenate, index_concatenate_adjoint, index_concatenate_tangent,
               how="linear")


# The parts' adjoints arrive as a tuple with 0.0 for the parts nobody used.
SPLIT_EXAMPLES = [
    Example((Rand((6,)), 3)), Example((Rand((6,)), [1, 4])), Example((Rand((4, 3)), 2)),
    Example((Rand((2, 6)), 3, 1)), Example((Rand((2, 6)), (2, 3)), {"axis": -1}),
    Example((Rand((4,)), np.array([1, 1, 3]))),
]


@adjoint(np.split, linear=True, kind=_split_kind, examples=SPLIT_EXAMPLES)
def _(ys, ary, indices_or_sections, axis=0):
    dary = split_adjoint(dys, ary, indices_or_sections, axis)


@adjoint(np.array_split, linear=True, kind=_split_kind,
         examples=SPLIT_EXAMPLES + [Example((Rand((7,)), 3)), Example((Rand((2, 5)), 3, 1))])
def _(ys, ary, indices_or_sections, axis=0):
    dary = split_adjoint(dys, ary, indices_or_sections, axis)


# hsplit cuts axis 1 (axis 0 of a 1-D array), vsplit axis 0, dsplit axis 2.
@adjoint(np.hsplit, linear=True, kind=_split_kind, examples=[
    Example((Rand((2, 6)), 3)), Example((Rand((4, 4, 2)), [1, 3])), Example((Rand((6,)), 2))])
def _(ys, ary, indices_or_sections):
    dary = split_adjoint(dys, ary, indices_or_sections, hsplit_axis(ary))


@adjoint(np.vsplit, linear=True, kind=_split_kind, examples=[
    Example((Rand((4, 2)), 2)), Example((Rand((4, 3, 2)), [1, 2]))])
def _(ys, ary, indices_or_sections):
    dary = split_adjoint(dys, ary, indices_or_sections, 0)


@adjoint(np.dsplit, linear=True, kind=_split_kind, examples=[
    Example((Rand((2, 2, 4)), 2)), Example((Rand((2, 1, 4)), [1, 3]))])
def _(ys, ary, indices_or_sections):
    dary = split_adjoint(dys, ary, indices_or_sections, 2)


nondifferentiable(hsplit_axis, examples=[Example((np.ones(3),)), Example((np.ones((2, 3)),))])


# Second order: split_adjoint is linear in the parts' adjoints; split_tangent cuts a
# tangent as the split cuts its array. Each is the transpose of the other.
@adjoint(split_adjoint, kind=_items_kind("ary"),
         nondiff_params=("ary", "indices_or_sections", "axis"), examples=[
    Example(((Rand((2,)), Rand((2,)), Rand((2,))), np.ones(6), 3)),
    Example(([Rand((1, 3)), Rand((2, 3)), Rand((1, 3))], np.ones((4, 3)), [1, 3])),
    Example(((Rand((2, 2)), Rand((2, 2))), np.ones((2, 4)), 2, 1)),
    Example(([Rand((3,)), Rand((2,)), Rand((2,))], np.ones(7), 3))])
def _(d, gs, ary, indices_or_sections, axis=0):
    dgs = split_tangent(dd, ary, indices_or_sections, axis)


@tangent(split_adjoint)
def _(d, gs, ary, indices_or_sections, axis=0):
    dd = split_adjoint(dgs, ary, indices_or_sections, axis)


@adjoint(split_tangent, kind=_split_kind,
         nondiff_params=("ary", "indices_or_sections", "axis"), examples=[
    Example((Rand((6,)), np.ones(6), 3)), Example((Rand((4, 3)), np.ones((4, 3)), [1, 3])),
    Example((Rand((7,)), np.ones(7), 3))])
def _(ts, dary, ary, indices_or_sections, axis=0):
    ddary = split_adjoint(dts, ary, indices_or_sections, axis)


@tangent(split_tangent)
def _(ts, dary, ary, indices_or_sections, axis=0):
    dts = split_tangent(ddary, ary, indices_or_sections, axis)


complex_values(np.hsplit, np.vsplit, np.dsplit, split_adjoint, split_tangent, how="linear")


# np.append(arr, values): values joined to the flattened arr, or along `axis`.
def _append_kind(kinds, named):
    known, axis = _constant(named, "axis")
    if known and axis is None:
        return ArrayKind(1)
    return _array(_rank(_input(named, "arr")))


@adjoint(np.append, kind=_append_kind, examples=[
    Example((Rand((3,)), Rand(()))), Example((Rand((2, 2)), Rand((3,)))),
    Example((Rand((2, 3)), Rand((1, 3)), 0)), Example((Rand((2, 3)), Rand((2, 2))), {"axis": 1}),
    Example((Rand(()), [Rand(()), Rand(())])), Example((np.ones(2), Rand((2,))))])
def _(y, arr, values, axis=None):
    darr, dvalues = append_adjoint(dy, arr, values, axis)


@tangent(np.append)
def _(y, arr, values, axis=None):
    dy = append_tangent(darr, dvalues, arr, values, axis)


def _pair_like(first, second):
    def kind(kinds, named):
        return TupleKind((_input(named, first), _input(named, second)))
    return kind


@adjoint(append_adjoint, kind=_pair_like("arr", "values"),
         nondiff_params=("arr", "values", "axis"), examples=[
    Example((Rand((4,)), np.ones(3), 1.0)),
    Example((Rand((3, 3)), np.ones((2, 3)), np.ones((1, 3)), 0))])
def _(d, g, arr, values, axis=None):
    dg = append_tangent(dd[0], dd[1], arr, values, axis)


@tangent(append_adjoint)
def _(d, g, arr, values, axis=None):
    dd = append_adjoint(dg, arr, values, axis)


@adjoint(append_tangent, kind=lambda kinds, named: ARRAY,
         nondiff_params=("arr", "values", "axis"), examples=[
    Example((Rand((3,)), Rand(()), np.ones(3), 1.0)),
    Example((Rand((2, 3)), Rand((1, 3)), np.ones((2, 3)), np.ones((1, 3)), 0))])
def _(t, d_arr, d_values, arr, values, axis=None):
    dd_arr, dd_values = append_adjoint(dt, arr, values, axis)


@tangent(append_tangent)
def _(t, d_arr, d_values, arr, values, axis=None):
    dt = append_tangent(dd_arr, dd_values, arr, values, axis)


complex_values(np.append, append_adjoint, append_tangent, how="linear")


# ============================================================================ repeating, padding


@adjoint(np.tile, linear=True, kind=_kind_with_rank(_tile_rank), examples=[
    Example((Rand((3,)), 2)), Example((Rand((3,)), (2, 2))), Example((Rand((2, 3)), (2, 1))),
    Example((Rand((2, 3)), 3)), Example((Rand(()), (2, 3))), Example((Rand((2, 1, 3)), (2, 3))),
    Example((Rand((2, 3)), 0))])
def _(y, A, reps):
    dA = tile_adjoint(dy, A, reps)


REPEAT_EXAMPLES = [
    Example((Rand((3,)), 2)), Example((Rand((2, 3)), 2)), Example((Rand((2, 3)), 2, 1)),
    Example((Rand((2, 3)), np.array([1, 0, 3])), {"axis": -1}),
    Example((Rand((2, 3)), [2, 1], 0)), Example((Rand((2, 3)), np.arange(6))),
]


@adjoint(np.repeat, linear=True, kind=_kind_with_rank(_flat_if_no_axis(None)),
         examples=REPEAT_EXAMPLES + [Example((Rand(()), 3))])
def _(y, a, repeats, axis=None):
    da = np_repeat_adjoint(dy, a, repeats, axis)


share_rules(np.repeat, Method("repeat"), examples=REPEAT_EXAMPLES)


# Modes whose padding copies input elements or a constant; the others are refused
# when the gradient runs.
@adjoint(np.pad, kind="same_rank", examples=[
    Example((Rand((3,)), 2)), Example((Rand((3,)), (1, 2))), Example((Rand((2, 3)), 1)),
    Example((Rand((2, 3)), ((1, 0), (2, 1)))), Example((Rand((2, 3)), ((1, 2),))),
    Example((Rand((2, 3)), (1, 2)), {"constant_values": Rand(())}),
    Example((Rand((2, 3)), ((1, 1), (0, 2)), "constant"),
            {"constant_values": ((Rand(()), Rand(())), (Rand(()), Rand(())))}),
    Example((Rand((2, 3)), 1), {"constant_values": (Rand(()), Rand(()))}),
    Example((Rand((2, 3)), 1), {"constant_values": Rand((2, 1))}),
    Example((Rand((2, 3)), ((1, 2), (2, 1)), "edge")),
    Example((Rand((4,)), (2, 3)), {"mode": "reflect"}),
    Example((Rand((2, 3)), 2, "symmetric")), Example((Rand((2, 3)), ((0, 3), (4, 1)), "wrap"))])
def _(y, array, pad_width, mode="constant", constant_values=0):
    darray = pad_adjoint(dy, array, pad_width, mode)
    dconstant_values = pad_constant_values_adjoint(dy, array, pad_width, constant_values)


@tangent(np.pad)
def _(y, array, pad_width, mode="constant", constant_values=0):
    dy = pad_tangent(darray, array, pad_width, mode, dconstant_values)


# ============================================================================ reordering


@adjoint(np.flip, linear=True, kind=_kind_with_rank(_same), examples=[
    Example((Rand((3,)),)), Example((Rand((2, 3)),)), Example((Rand((2, 3)), 0)),
    Example((Rand((2, 3, 2)),), {"axis": (0, -1)}), Example((Rand((2, 3)), -1))])
def _(y, m, axis=None):
    dm = np.flip(dy, axis)


@adjoint(np.fliplr, linear=True, kind=_kind_with_rank(_same),
         examples=[Example((Rand((2, 3)),)), Example((Rand((2, 3, 2)),))])
def _(y, m):
    dm = np.fliplr(dy)


@adjoint(np.flipud, linear=True, kind=_kind_with_rank(_same),
         examples=[Example((Rand((3,)),)), Example((Rand((2, 3)),))])
def _(y, m):
    dm = np.flipud(dy)


@adjoint(np.roll, linear=True, kind=_kind_with_rank(_same), examples=[
    Example((Rand((5,)), 2)), Example((Rand((2, 3)), 1)), Example((Rand((2, 3)), -1, 1)),
    Example((Rand((2, 3)), (1, 2), (0, 1))), Example((Rand((2, 3, 2)), 4),
                                                     {"axis": (-1, 1)}),
    Example((Rand((2, 3)), (1, -1)), {"axis": 1})])
def _(y, a, shift, axis=None):
    da = np.roll(dy, np.negative(shift), axis)


@adjoint(np.sort, kind=_kind_with_rank(_flat_if_no_axis(-1)), examples=[
    Example((Rand((5,)),)), Example((Rand((3, 4)),)), Example((Rand((3, 4)), 0)),
    Example((Rand((3, 4)),), {"axis": None}), Example((Rand((2, 3, 4)), 1)),
    Example((Rand((3, 4)), -1, "stable"))])
def _(y, a, axis=-1, kind=None):
    da = sort_adjoint(dy, a, axis, kind)


@tangent(np.sort)
def _(y, a, axis=-1, kind=None):
    dy = sort_tangent(da, a, axis, kind)


@adjoint(np.rot90, linear=True, kind=_kind_with_rank(_same), examples=[
    Example((Rand((2, 3)),)), Example((Rand((2, 3)), 2)), Example((Rand((2, 3)), -1)),
    Example((Rand((2, 3, 4)), 3, (2, 0))), Example((Rand((2, 3, 4)),), {"axes": (1, 2), "k": 1})])
def _(y, m, k=1, axes=(0, 1)):
    dm = np.rot90(dy, -k, axes)


@adjoint(np.rollaxis, linear=True, kind=_kind_with_rank(_same), examples=[
    Example((Rand((2, 3, 4)), 2)), Example((Rand((2, 3, 4)), 0, 2)),
    Example((Rand((2, 3, 4)), 1, 3)), Example((Rand((2, 3, 4)), -1, -3)),
    Example((Rand((2, 3)), 1, 1))])
def _(y, a, axis, start=0):
    da = transpose_adjoint(dy, rollaxis_axes(a, axis, start))


nondifferentiable(rollaxis_axes, examples=[Example((np.ones((2, 3, 4)), 2, 0))])


# np.partition rearranges the entries like a sort: the adjoint goes back through the
# permutation that turns `a` into the result (`permutation_of`).
@adjoint(np.partition, kind=_kind_with_rank(_flat_if_no_axis(-1)), examples=[
    Example((Rand((7,)), 3)), Example((Rand((7,)), [0, 6])), Example((Rand((3, 5)), 2)),
    Example((Rand((3, 5)), 1, 0)), Example((Rand((3, 5)), 4), {"axis": None})])
def _(y, a, kth, axis=-1, kind="introselect", order=None):
    da = permuted_adjoint(dy, a, y, axis)


@tangent(np.partition)
def _(y, a, kth, axis=-1, kind="introselect", order=None):
    dy = permuted_tangent(da, a, y, axis)


# (np.argpartition, an integer result: srcad/rules/numpy_order_stats.py)


# Second order for sorts and partitions: their adjoints and tangents are linear in the
# adjoint or tangent they move; the order of `a` is piecewise constant.
_PERMUTED = [np.array([0.5, -1.0, 2.0, 0.25]), np.array([2.0, -1.0, 0.25, 0.5])]


@adjoint(permuted_adjoint, kind=_items_kind("a"), nondiff_params=("a", "y", "axis"), examples=[
    Example((Rand((4,)), *_PERMUTED)),
    Example((Rand((2, 3)), np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]]),
             np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]]))),
    Example((Rand((4,)), _PERMUTED[0].reshape(2, 2), _PERMUTED[1], None))])
def _(d, g, a, y, axis=-1):
    dg = permuted_tangent(dd, a, y, axis)


@tangent(permuted_adjoint)
def _(d, g, a, y, axis=-1):
    dd = permuted_adjoint(dg, a, y, axis)


@adjoint(permuted_tangent, kind=_items_kind("y"), nondiff_params=("a", "y", "axis"), examples=[
    Example((Rand((4,)), *_PERMUTED)),
    Example((Rand((2, 2)), _PERMUTED[0].reshape(2, 2), _PERMUTED[1], None))])
def _(t, da, a, y, axis=-1):
    dda = permuted_adjoint(dt, a, y, axis)


@tangent(permuted_tangent)
def _(t, da, a, y, axis=-1):
    dt = permuted_tangent(dda, a, y, axis)


@adjoint(sort_adjoint, kind=_items_kind("a"), nondiff_params=("a", "axis", "kind"), examples=[
    Example((Rand((4,)), _PERMUTED[0])),
    Example((Rand((2, 3)), np.arange(6.0)[::-1].reshape(2, 3), 0)),
    Example((Rand((4,)), _PERMUTED[0].reshape(2, 2), None))])
def _(d, g, a, axis=-1, kind=None):
    dg = sort_tangent(dd, a, axis, kind)


@tangent(sort_adjoint)
def _(d, g, a, axis=-1, kind=None):
    dd = sort_adjoint(dg, a, axis, kind)


@adjoint(sort_tangent, kind=lambda kinds, named: ARRAY, nondiff_params=("a", "axis", "kind"),
         examples=[Example((Rand((4,)), _PERMUTED[0])),
                   Example((Rand((2, 2)), _PERMUTED[0].reshape(2, 2), None))])
def _(t, da, a, axis=-1, kind=None):
    dda = sort_adjoint(dt, a, axis, kind)


@tangent(sort_tangent)
def _(t, da, a, axis=-1, kind=None):
    dt = sort_tangent(dda, a, axis, kind)


complex_values(np.rot90, np.rollaxis, np.partition, permuted_adjoint, permuted_tangent,
               sort_adjoint, sort_tangent, how="linear")


# ============================================================================ diagonals, triangles


@adjoint(np.diag, linear=True, kind=_kind_with_rank(_diag_rank), examples=[
    Example((Rand((3,)),)), Example((Rand((3,)), 1)), Example((Rand((3,)), -2)),
    Example((Rand((3, 3)),)), Example((Rand((3, 4)), 1)), Example((Rand((4, 3)), -1)),
    Example((Rand((2, 4)),), {"k": 3})])
def _(y, v, k=0):
    dv = diag_adjoint(dy, v, k)


@adjoint(np.diagonal, linear=True, kind=_kind_with_rank(_diagonal_rank), examples=[
    Example((Rand((3, 3)),)), Example((Rand((3, 4)), 1)), Example((Rand((4, 3)), -2)),
    Example((Rand((2, 3, 4)),), {"axis1": 1, "axis2": 2}),
    Example((Rand((2, 3, 4)), 1, 2, 0)), Example((Rand((3, 2, 3)), 0, -1, 0))])
def _(y, a, offset=0, axis1=0, axis2=1):
    da = diagonal_adjoint(dy, a, offset, axis1, axis2)


TRIANGLE_EXAMPLES = [
    Example((Rand((3, 3)),)), Example((Rand((3, 4)), 1)), Example((Rand((4, 3)), -1)),
    Example((Rand((2, 3, 3)),), {"k": 0}), Example((Rand((3,)),)), Example((Rand((3,)), -1)),
]


def _triangle_rank(rank, named):
    return max(rank, 2)


@adjoint(np.tril, linear=True, kind=_kind_with_rank(_triangle_rank), examples=TRIANGLE_EXAMPLES)
def _(y, m, k=0):
    dm = unbroadcast(np.tril(dy, k), m)


@adjoint(np.triu, linear=True, kind=_kind_with_rank(_triangle_rank), examples=TRIANGLE_EXAMPLES)
def _(y, m, k=0):
    dm = unbroadcast(np.triu(dy, k), m)


# ============================================================================ copies, conversions


@adjoint(np.copy, linear=True, kind=_kind_with_rank(_same),
         examples=[Example((Rand(()),)), Example((Rand((2, 3)),)), Example((Rand((3,)), "F"))])
def _(y, a, order="K"):
    da = dy


# x.copy() orders its copy "C" by default, np.copy "K": the derivative does not depend on it.
share_rules(np.copy, Method("copy"), kind="first",
            examples=[Example((Rand((2, 3)),)), Example((Rand((3,)), "F"))])


# Conversions: the adjoint goes back in the input's dtype (and item by item for a
# list); a conversion to an integer or bool dtype is piecewise constant (zero adjoint).
@adjoint(np.asarray, kind=_conversion_kind("a"), examples=[
    Example((Rand((2, 3)),)), Example((Rand(()),)), Example((Rand((3,)), float)),
    Example(([Rand(()), Rand(())],)), Example(([Rand((2,)), Rand((2,))],)),
    Example((Rand((2, 3)),), {"dtype": np.float64})])
def _(y, a, dtype=None, order=None):
    da = array_adjoint(dy, a, y)


@tangent(np.asarray)
def _(y, a, dtype=None, order=None):
    dy = array_tangent(da, a, y)


@adjoint(np.array, kind=_conversion_kind("object"), examples=[
    Example((Rand((2, 3)),)), Example((Rand(()),)), Example((Rand((3,)), float)),
    Example(([Rand(()), Rand(()), Rand(())],)), Example(([Rand((2,)), Rand((2,))],)),
    Example(([[Rand(()), Rand(())], [Rand(()), Rand(())]],)),
    Example((Rand((3,)),), {"ndmin": 2}), Example(((Rand(()), Rand(())),), {"copy": True})])
def _(y, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0):
    dobject = array_adjoint(dy, object, y)


@tangent(np.array)
def _(y, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0):
    dy = array_tangent(dobject, object, y)


@adjoint(Method("astype"), kind=_astype_kind, examples=[
    Example((Rand((2, 3)), float)), Example((Rand((3,)), np.float64)),
    Example((Rand((3,)), "float64"), {"copy": False})])
def _(y, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    da = array_adjoint(dy, a, y)


@tangent(Method("astype"))
def _(y, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    dy = array_tangent(da, a, y)


# ============================================================================ clip


@adjoint(Method("clip"), kind="elementwise", broadcasting=True, examples=[
    Example((Rand((2, 3)), -0.5, 0.5)), Example((Rand((2, 3)),), {"min": 0.0}),
    Example((Rand((2, 3)),), {"max": 0.2}), Example((Rand((2, 3)), None, 0.2)),
    Example((Rand((2, 3)), Rand(()), Rand((), 0.5, 1.5))),
    Example((Rand((2, 3)), Rand((3,), -1.0, 0.0), Rand((2, 1), 0.0, 1.0))),
    Example((Rand((3,)),), {"min": Rand((2, 3), -1.0, 0.0)})])
def _(y, a, min=None, max=None):
    da, dmin, dmax = clip_adjoint(dy, a, min, max)


@tangent(Method("clip"))
def _(y, a, min=None, max=None):
    dy = clip_tangent(da, a, min, max, dmin, dmax)


# ============================================================================ no derivative

def _shape_kind(kinds, named):
    """`x.shape`: a tuple of as many integers as x has axes, where the rank is known."""
    kind = kinds[0] if kinds else None
    if kind == SCALAR:
        return TupleKind(())
    if isinstance(kind, ArrayKind) and kind.ndim is not None:
        return TupleKind((SCALAR,) * kind.ndim)
    return OTHER


nondifferentiable(np.shape, Attribute("shape"), kind=_shape_kind)
nondifferentiable(np.ndim, np.size, Attribute("ndim"), Attribute("size"), kind="scalar")
nondifferentiable(Attribute("dtype"))
nondifferentiable(np.result_type, examples=[Example((Rand((3,)), np.float64))])
# Outputs that do not depend on the values of float inputs. (np.full and np.full_like
# do, in their fill value: srcad/rules/numpy_fill.py; np.arange has no rule, so
# differentiating through it is refused.)
nondifferentiable(np.zeros, np.ones, np.empty, np.eye, np.zeros_like, np.ones_like,
                  np.empty_like, np.argmax, np.argmin, np.argsort, kind="array")
nondifferentiable(np.nonzero, kind="other")


# np.take_along_axis(arr, indices, axis): a gather; the adjoint scatters back, adding
# where an index repeats.
def _take_along_axis_kind(kinds, named):
    axis = named.get("axis")
    if axis is not None and getattr(axis[0], "value", 0) is None and \
            type(axis[0]).__name__ == "Const":
        return ArrayKind(1)
    return kinds[0] if kinds and is_array(kinds[0]) else ARRAY


@adjoint(np.take_along_axis, linear=True, kind=_take_along_axis_kind,
         nondiff_params=("indices", "axis"), examples=[
    Example((Rand((3, 4)), np.array([[1], [0], [3]]), 1)),
    Example((Rand((3, 4)), np.array([[2, 2, 0, 1], [0, 0, 0, 2]]), 0)),
    Example((Rand((5,)), np.array([4, 0, 0, 2]), 0)),
    Example((Rand((2, 3)), np.array([5, 1, 1]), None))])
def _(y, arr, indices, axis):
    darr = take_along_axis_adjoint(dy, arr, indices, axis)




# ============================================================================ second derivatives
# Rules for the helpers the adjoint templates above emit, so that a gradient that calls
# them can be differentiated again (Hessians, grad of grad). Each is linear in its
# adjoint argument `g` and reads its other array argument for its shape (and memory
# layout) only: its adjoint is the forward operation applied to the cotangent, and its
# tangent is derived from that (the helper applied to the tangent of `g`).


def _like(param):
    """A kind rule: the output has the kind of parameter `param`."""

    def kind(kinds, named):
        return named[param][1] if param in named else NUMERIC

    return kind


@adjoint(ravel_adjoint, linear=True, kind=_like("a"), nondiff_params=("a",), examples=[
    Example((Rand((6,)), np.ones((2, 3)))), Example((Rand((6,)), np.ones((2, 3)), "F")),
    Example((Rand((24,)), np.ones((2, 3, 4)), "C")), Example((Rand((1,)), 1.0)),
    Example((Rand((6,)), np.ones((3, 2)).T, "A")), Example((Rand((6,)), np.ones((3, 2)).T, "K"))])
def _(y, g, a, order="C"):
    dg = ravel_tangent(dy, a, order)


# (the adjoint above, in turn: for third derivatives)
@adjoint(ravel_tangent, linear=True, kind=lambda kinds, named: ArrayKind(1),
         nondiff_params=("a",), examples=[
    Example((Rand((2, 3)), np.ones((2, 3)))), Example((Rand((2, 3)), np.ones((2, 3)), "F")),
    Example((Rand(()), np.ones((2, 3)))), Example((Rand((3, 2)), np.ones((2, 3)).T, "K"))])
def _(y, da, a, order="C"):
    dda = unbroadcast(ravel_adjoint(dy, a, order), da)


# np.diag(v, k) puts a vector on the k-th diagonal or reads the k-th diagonal of a
# matrix; diag_adjoint does the other, so each is the other's transpose.
@adjoint(diag_adjoint, linear=True, kind=_like("v"), nondiff_params=("v",), examples=[
    Example((Rand((3, 3)), np.ones(3))), Example((Rand((4, 4)), np.ones(3), 1)),
    Example((Rand((5, 5)), np.ones(3), -2)), Example((Rand((3,)), np.ones((3, 3)))),
    Example((Rand((2,)), np.ones((3, 4)), 2)), Example((Rand((3,)), np.ones((4, 3)), -1))])
def _(y, g, v, k=0):
    dg = np.diag(dy, k)


@adjoint(tile_adjoint, linear=True, kind=_like("a"), nondiff_params=("a",), examples=[
    Example((Rand((6,)), np.ones(3), 2)), Example((Rand((2, 6)), np.ones(3), (2, 2))),
    Example((Rand((4, 3)), np.ones((2, 3)), (2, 1))), Example((Rand((2, 3)), 1.0, (2, 3))),
    Example((Rand((2, 2, 9)), np.ones((2, 1, 3)), (2, 3))),
    Example((Rand((2, 0)), np.ones((2, 3)), 0))])
def _(y, g, a, reps):
    dg = np.tile(dy, reps)


@adjoint(np_repeat_adjoint, linear=True, kind=_like("a"), nondiff_params=("a", "repeats"),
         examples=[
    Example((Rand((6,)), np.ones(3), 2)), Example((Rand((12,)), np.ones((2, 3)), 2)),
    Example((Rand((2, 6)), np.ones((2, 3)), 2, 1)),
    Example((Rand((2, 4)), np.ones((2, 3)), np.array([1, 0, 3])), {"axis": -1}),
    Example((Rand((3, 3)), np.ones((2, 3)), [2, 1], 0)), Example((Rand((3,)), 1.0, 3))])
def _(y, g, a, repeats, axis=None):
    dg = np.repeat(dy, repeats, axis)


@adjoint(pad_adjoint, linear=True, kind=_like("array"), nondiff_params=("array",), examples=[
    Example((Rand((7,)), np.ones(3), 2)),
    Example((Rand((4, 6)), np.ones((2, 3)), ((1, 1), (2, 1)))),
    Example((Rand((5, 7)), np.ones((2, 3)), ((1, 2), (2, 2)), "edge")),
    Example((Rand((9,)), np.ones(4), (2, 3)), {"mode": "reflect"}),
    Example((Rand((6, 7)), np.ones((2, 3)), 2, "symmetric")),
    Example((Rand((2, 8)), np.ones((2, 3)), ((0, 0), (4, 1)), "wrap"))])
def _(y, g, array, pad_width, mode="constant"):
    dg = np.pad(dy, pad_width, mode)


@adjoint(pad_constant_values_adjoint, linear=True, kind=_like("constant_values"),
         nondiff_params=("array", "constant_values"), examples=[
    Example((Rand((4, 5)), np.ones((2, 3)), 1, 0.5)),
    Example((Rand((4, 6)), np.ones((2, 3)), ((1, 1), (2, 1)), np.ones((2, 2)))),
    Example((Rand((4, 5)), np.ones((2, 3)), 1, np.ones((2, 1)))),
    Example((Rand((7,)), np.ones(3), (1, 3), np.ones(2)))])
def _(y, g, array, pad_width, constant_values):
    dg = pad_tangent(0.0, array, pad_width, "constant", dy)


complex_values(ravel_adjoint, ravel_tangent, diag_adjoint, tile_adjoint, np_repeat_adjoint,
               pad_adjoint, pad_constant_values_adjoint, np.pad, how="linear")


# Where np.clip takes its bounds (boolean masks, piecewise constant), read by clip_adjoint.
nondifferentiable(shape_rt._clip_masks, examples=[
    Example((Rand((2, 3)), -0.5, 0.5)), Example((Rand((3,)), None, 0.2))])
