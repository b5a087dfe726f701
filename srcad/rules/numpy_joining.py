"""Rules for joining and splitting arrays: np.concatenate, np.stack and the *stack
functions, np.r_/np.c_, np.split and the *split functions, np.append, with their second
derivatives. The shared kind rules are in numpy_shape.py.
"""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, ArrayKind, TupleKind
from srcad.rules.numpy_shape import (
    _array,
    _concatenate_kind,
    _constant,
    _input,
    _joined_kind,
    _rank,
    _split_kind,
    _stack_kind,
)
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_values,
    nondifferentiable,
    share_rules,
    tangent,
)
from srcad.runtime import broadcast_like
from srcad.runtime.shape import (
    append_adjoint,
    append_tangent,
    column_stack_adjoint,
    concatenate_adjoint,
    dstack_adjoint,
    hsplit_axis,
    hstack_adjoint,
    index_concatenate,
    index_concatenate_adjoint,
    index_concatenate_tangent,
    item_tangents,
    split_adjoint,
    split_tangent,
    stack_adjoint,
    vstack_adjoint,
)

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
