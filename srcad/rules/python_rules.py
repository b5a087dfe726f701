"""Rules for the helpers the lowering emits for plain Python: lists, sum, strings,
assertions, `with` blocks."""

import numpy as np

from srcad import runtime
from srcad.ir.kinds import OTHER
from srcad.rules.registry import Example, Rand, adjoint, derivative, nondifferentiable, tangent
from srcad.runtime import python, unbroadcast
from srcad.runtime.python import (
    append_adjoint_head,
    append_adjoint_last,
    as_list,
    as_list_adjoint,
    delete_adjoint,
    delete_transpose,
    extend_adjoint_head,
    extend_adjoint_tail,
    extend_head_transpose,
    extend_tail_transpose,
    head_adjoint,
    insert_adjoint_items,
    insert_adjoint_value,
    insert_items_transpose,
    insert_value_transpose,
    last_item_adjoint,
    list_adjoint,
    one_hot_items,
    pick_adjoint,
    picked_tangent,
    repeat_adjoint,
    repeat_items,
    reverse_adjoint,
    reversed_items,
    setitem_adjoint_items,
    setitem_adjoint_value,
    sort_like,
    spread_adjoint,
    spread_sum,
    unsort_adjoint,
)


def _other(kinds, named):
    return OTHER


@adjoint(python.list_append, linear=True, kind=_other, examples=[
    Example(([Rand(()), Rand((3,))], Rand(()))), Example(([], Rand((2,)))),
    Example(([Rand((2,))], Rand((2,))))])
def _(y, items, value):
    ditems = append_adjoint_head(dy, items)
    dvalue = append_adjoint_last(dy, value)


@adjoint(python.as_list, linear=True, kind=_other, examples=[
    Example(([Rand(()), Rand((2,))],)), Example((Rand((3,)),)), Example((Rand((2, 3)),)),
    Example(((Rand(()), Rand(())),))])
def _(y, items):
    ditems = as_list_adjoint(dy, items)


@adjoint(python.as_tuple, linear=True, kind=_other, examples=[
    Example(([Rand(()), Rand((2,))],)), Example((Rand((3,)),)),
    Example(((Rand(()), Rand(())),))])
def _(y, items):
    ditems = as_list_adjoint(dy, items)


@adjoint(python.list_extend, linear=True, kind=_other, examples=[
    Example(([Rand(()), Rand((3,))], [Rand(()), Rand(())])), Example(([], (Rand((2,)),))),
    Example(([Rand(())], Rand((2, 3))))])
def _(y, items, more):
    ditems = extend_adjoint_head(dy, items, more)
    dmore = extend_adjoint_tail(dy, items, more)


@adjoint(python.sum_items, linear=True, kind="numeric", examples=[
    Example(([Rand(()), Rand(()), Rand(())],)), Example(([Rand((3,)), Rand(())], 1.5)),
    Example(([Rand((2, 3)), Rand((3,))], Rand(())))])
def _(y, items, start=0):
    ditems = spread_adjoint(dy, items)
    dstart = unbroadcast(dy, start)


@adjoint(python.reversed_items, linear=True, kind="first", examples=[
    Example(([Rand(()), Rand((2,)), Rand(())],)), Example((Rand((4,)),)),
    Example((Rand((3, 2)),))])
def _(y, items):
    ditems = reverse_adjoint(dy, items)


@adjoint(python.list_insert, linear=True, kind=_other, nondiff_params=("index",), examples=[
    Example(([Rand(()), Rand(())], 0, Rand(()))), Example(([Rand((2,))], -1, Rand((2,)))),
    Example(([Rand(()), Rand(()), Rand(())], 7, Rand(())))])
def _(y, items, index, value):
    ditems = insert_adjoint_items(dy, items, index)
    dvalue = insert_adjoint_value(dy, items, index, value)


@adjoint(python.list_delete, linear=True, kind=_other, nondiff_params=("index",), examples=[
    Example(([Rand(()), Rand(()), Rand(())],)), Example(([Rand((2,)), Rand((2,))], 0)),
    Example(([Rand(()), Rand(()), Rand(())], -2))])
def _(y, items, index=-1):
    ditems = delete_adjoint(dy, items, index)


@adjoint(python.list_setitem, linear=True, kind=_other, nondiff_params=("index",), examples=[
    Example(([Rand(()), Rand(()), Rand(())], 1, Rand(()))),
    Example(([Rand((2,)), Rand((2,))], -1, Rand((2,)))),
    Example(([Rand(()), Rand(()), Rand(())], slice(0, 2), [Rand(()), Rand(())]))])
def _(y, items, index, value):
    ditems = setitem_adjoint_items(dy, items, index)
    dvalue = setitem_adjoint_value(dy, items, index, value)


@adjoint(python.repeat_items, linear=True, kind=_other, nondiff_params=("count",), examples=[
    Example(([Rand(())], 3)), Example(([Rand(()), Rand((2,))], 2))])
def _(y, items, count):
    ditems = repeat_adjoint(dy, items, count)


@adjoint(python.sorted_items, kind=_other, nondiff_params=("reverse",), examples=[
    Example(([Rand(()), Rand(()), Rand(())],)), Example(([Rand(()), Rand(())], True)),
    Example((Rand((4,)),))])
def _(y, items, reverse=False):
    ditems = unsort_adjoint(dy, items, reverse)


@tangent(python.sorted_items)
def _(y, items, reverse=False):
    dy = sort_like(ditems, items, reverse)


@adjoint(python.max_item, kind="numeric", examples=[
    Example(([Rand(()), Rand(()), Rand(())],)), Example((Rand((4,)),))])
def _(y, items):
    ditems = pick_adjoint(dy, items, y)


@tangent(python.max_item)
def _(y, items):
    dy = picked_tangent(ditems, items, y)


@adjoint(python.min_item, kind="numeric", examples=[
    Example(([Rand(()), Rand(()), Rand(())],)), Example((Rand((4,)),))])
def _(y, items):
    ditems = pick_adjoint(dy, items, y)


@tangent(python.min_item)
def _(y, items):
    dy = picked_tangent(ditems, items, y)


# The helpers the adjoints above emit, for second derivatives. All are linear in `d`.
@adjoint(python.append_adjoint_last, linear=True,
         kind="numeric", nondiff_params=("value",), examples=[
    Example(([Rand(()), Rand((2,))], Rand((2,)))), Example(([Rand(())], 1.0))])
def _(y, d, value):
    dd = last_item_adjoint(dy, d)


@adjoint(python.append_adjoint_head, linear=True, kind=_other, nondiff_params=("items",), examples=[
    Example(([Rand(()), Rand((2,)), Rand(())], [1.0, np.ones(2)]))])
def _(y, d, items):
    dd = head_adjoint(dy, d)


@adjoint(python.spread_adjoint, linear=True, kind=_other, nondiff_params=("items",), examples=[
    Example((Rand(()), [1.0, 2.0])), Example((Rand((3,)), [np.ones(3), 1.0]))])
def _(y, d, items):
    dd = spread_sum(dy, d)


@adjoint(python.reverse_adjoint, linear=True, kind="first", nondiff_params=("items",), examples=[
    Example(([Rand(()), Rand((2,))], [np.ones(2), 1.0])), Example((Rand((3,)), np.ones(3)))])
def _(y, d, items):
    dd = reverse_adjoint(dy, reversed_items(items))


# The list adjoints' own adjoints (all linear in `d`), for second derivatives.
@adjoint(python.extend_adjoint_head, linear=True,
         kind=_other, nondiff_params=("items", "more"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0], [3.0]))])
def _(y, d, items, more):
    dd = extend_head_transpose(dy, items, more)


@adjoint(python.extend_adjoint_tail, linear=True,
         kind=_other, nondiff_params=("items", "more"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [1.0], [2.0, 3.0]))])
def _(y, d, items, more):
    dd = extend_tail_transpose(dy, items, more)


@adjoint(python.insert_adjoint_items, linear=True, kind=_other, nondiff_params=("items", "index"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0], 1))])
def _(y, d, items, index):
    dd = insert_items_transpose(dy, items, index)


@adjoint(python.insert_adjoint_value, linear=True,
         kind="numeric", nondiff_params=("items", "index", "value"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0], 0, 1.0))])
def _(y, d, items, index, value):
    dd = insert_value_transpose(dy, items, index)


@adjoint(python.delete_adjoint, linear=True,
         kind=_other, nondiff_params=("items", "index"), examples=[
    Example(([Rand(()), Rand(())], [1.0, 2.0, 3.0], 1)),
    Example(([Rand(()), Rand(())], [1.0, 2.0, 3.0]))])
def _(y, d, items, index=-1):
    dd = delete_transpose(dy, items, index)


@adjoint(python.setitem_adjoint_items, linear=True, kind=_other, nondiff_params=("items", "index"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0, 3.0], 1))])
def _(y, d, items, index):
    dd = setitem_adjoint_items(dy, items, index)


@adjoint(python.setitem_adjoint_value, linear=True, kind="numeric",
         nondiff_params=("items", "index", "value"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0, 3.0], 2, 1.0))])
def _(y, d, items, index, value):
    dd = one_hot_items(dy, len(items), index)


@adjoint(python.repeat_adjoint, linear=True,
         kind=_other, nondiff_params=("items", "count"), examples=[
    Example(([Rand(())] * 6, [1.0, 2.0, 3.0], 2)), Example(([Rand((2,))] * 2, [np.ones(2)], 2))])
def _(y, d, items, count):
    dd = repeat_items(list_adjoint(dy, len(items), "list repetition"), count)


@adjoint(python.unsort_adjoint, linear=True,
         kind=_other, nondiff_params=("items", "reverse"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [2.0, 1.0, 3.0]))])
def _(y, d, items, reverse=False):
    dd = sort_like(dy, items, reverse)


@adjoint(python.sort_like, linear=True, kind=_other, nondiff_params=("items", "reverse"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [2.0, 1.0, 3.0]))])
def _(y, d, items, reverse=False):
    dd = unsort_adjoint(dy, items, reverse)


@adjoint(python.pick_adjoint, linear=True,
         kind=_other, nondiff_params=("items", "picked"), examples=[
    Example((Rand(()), [2.0, 1.0, 3.0], 3.0))])
def _(y, d, items, picked):
    dd = picked_tangent(dy, items, picked)


@adjoint(python.picked_tangent, linear=True,
         kind="numeric", nondiff_params=("items", "picked"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [2.0, 1.0, 3.0], 3.0))])
def _(y, d, items, picked):
    dd = pick_adjoint(dy, items, picked)


@adjoint(python.as_list_adjoint, linear=True, kind=_other, nondiff_params=("items",), examples=[
    Example(([Rand(()), Rand(())], [1.0, 2.0])), Example((Rand((2, 3)), np.ones((2, 3))))])
def _(y, d, items):
    dd = as_list(list_adjoint(dy, len(items), "list()"))


# A gradient hook's primal is the identity; the reverse transform runs the hook's body
# on the adjoint (this template is what a hook without a body amounts to).
@derivative(runtime.grad_hook, wrt=("x",), kind="first", nondiff_params=("hook_id", "captured"),
            examples=[Example((Rand((3,)), 0)), Example((Rand(()), 0, 1.5))])
def _(y, x, hook_id, *captured):
    return 1.0


nondifferentiable(python.format_value, examples=[
    Example((Rand(()), -1, ".3f")), Example((Rand((2,)), ord("r"), ""))])
nondifferentiable(python.join_strings, examples=[Example(("x = ", "1.5"))])
# check_assertion, raise_error, enter_context and exit_context need no rule: their
# results are never numbers a derivative could flow through (optimize keeps them).
