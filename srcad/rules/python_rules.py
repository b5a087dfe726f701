"""Rules for the helpers the lowering emits for plain Python: lists, sum, strings,
assertions, `with` blocks."""

import numpy as np

from srcad import runtime
from srcad.ir.kinds import OTHER
from srcad.rules.registry import Example, Rand, adjoint, nondifferentiable, tangent
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
    list_append,
    list_delete,
    list_extend,
    list_insert,
    list_setitem,
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
    sum_items,
    unsort_adjoint,
)


def _other(kinds, named):
    return OTHER


@adjoint(python.list_append, kind=_other, examples=[
    Example(([Rand(()), Rand((3,))], Rand(()))), Example(([], Rand((2,)))),
    Example(([Rand((2,))], Rand((2,))))])
def _(y, items, value):
    ditems = append_adjoint_head(dy, items)
    dvalue = append_adjoint_last(dy, value)


@tangent(python.list_append)
def _(y, items, value):
    dy = list_append(ditems, dvalue)


@adjoint(python.as_list, kind=_other, examples=[
    Example(([Rand(()), Rand((2,))],)), Example((Rand((3,)),)), Example((Rand((2, 3)),)),
    Example(((Rand(()), Rand(())),))])
def _(y, items):
    ditems = as_list_adjoint(dy, items)


@tangent(python.as_list)
def _(y, items):
    dy = as_list(ditems)


@adjoint(python.list_extend, kind=_other, examples=[
    Example(([Rand(()), Rand((3,))], [Rand(()), Rand(())])), Example(([], (Rand((2,)),))),
    Example(([Rand(())], Rand((2, 3))))])
def _(y, items, more):
    ditems = extend_adjoint_head(dy, items, more)
    dmore = extend_adjoint_tail(dy, items, more)


@tangent(python.list_extend)
def _(y, items, more):
    dy = list_extend(ditems, dmore)


@adjoint(python.sum_items, kind="numeric", examples=[
    Example(([Rand(()), Rand(()), Rand(())],)), Example(([Rand((3,)), Rand(())], 1.5)),
    Example(([Rand((2, 3)), Rand((3,))], Rand(())))])
def _(y, items, start=0):
    ditems = spread_adjoint(dy, items)
    dstart = unbroadcast(dy, start)


@tangent(python.sum_items)
def _(y, items, start=0):
    dy = sum_items(ditems, dstart)


@adjoint(python.reversed_items, kind="first", examples=[
    Example(([Rand(()), Rand((2,)), Rand(())],)), Example((Rand((4,)),)),
    Example((Rand((3, 2)),))])
def _(y, items):
    ditems = reverse_adjoint(dy, items)


@tangent(python.reversed_items)
def _(y, items):
    dy = reversed_items(ditems)


@adjoint(python.list_insert, kind=_other, nondiff_params=("index",), examples=[
    Example(([Rand(()), Rand(())], 0, Rand(()))), Example(([Rand((2,))], -1, Rand((2,)))),
    Example(([Rand(()), Rand(()), Rand(())], 7, Rand(())))])
def _(y, items, index, value):
    ditems = insert_adjoint_items(dy, items, index)
    dvalue = insert_adjoint_value(dy, items, index, value)


@tangent(python.list_insert)
def _(y, items, index, value):
    dy = list_insert(ditems, index, dvalue)


@adjoint(python.list_delete, kind=_other, nondiff_params=("index",), examples=[
    Example(([Rand(()), Rand(()), Rand(())],)), Example(([Rand((2,)), Rand((2,))], 0)),
    Example(([Rand(()), Rand(()), Rand(())], -2))])
def _(y, items, index=-1):
    ditems = delete_adjoint(dy, items, index)


@tangent(python.list_delete)
def _(y, items, index=-1):
    dy = list_delete(ditems, index)


@adjoint(python.list_setitem, kind=_other, nondiff_params=("index",), examples=[
    Example(([Rand(()), Rand(()), Rand(())], 1, Rand(()))),
    Example(([Rand((2,)), Rand((2,))], -1, Rand((2,)))),
    Example(([Rand(()), Rand(()), Rand(())], slice(0, 2), [Rand(()), Rand(())]))])
def _(y, items, index, value):
    ditems = setitem_adjoint_items(dy, items, index)
    dvalue = setitem_adjoint_value(dy, items, index, value)


@tangent(python.list_setitem)
def _(y, items, index, value):
    dy = list_setitem(ditems, index, dvalue)


@adjoint(python.repeat_items, kind=_other, nondiff_params=("count",), examples=[
    Example(([Rand(())], 3)), Example(([Rand(()), Rand((2,))], 2))])
def _(y, items, count):
    ditems = repeat_adjoint(dy, items, count)


@tangent(python.repeat_items)
def _(y, items, count):
    dy = repeat_items(ditems, count)


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
@adjoint(python.append_adjoint_last, kind="numeric", nondiff_params=("value",), examples=[
    Example(([Rand(()), Rand((2,))], Rand((2,)))), Example(([Rand(())], 1.0))])
def _(y, d, value):
    dd = last_item_adjoint(dy, d)


@tangent(python.append_adjoint_last)
def _(y, d, value):
    dy = append_adjoint_last(dd, value)


@adjoint(python.append_adjoint_head, kind=_other, nondiff_params=("items",), examples=[
    Example(([Rand(()), Rand((2,)), Rand(())], [1.0, np.ones(2)]))])
def _(y, d, items):
    dd = head_adjoint(dy, d)


@tangent(python.append_adjoint_head)
def _(y, d, items):
    dy = append_adjoint_head(dd, items)


@adjoint(python.spread_adjoint, kind=_other, nondiff_params=("items",), examples=[
    Example((Rand(()), [1.0, 2.0])), Example((Rand((3,)), [np.ones(3), 1.0]))])
def _(y, d, items):
    dd = spread_sum(dy, d)


@tangent(python.spread_adjoint)
def _(y, d, items):
    dy = spread_adjoint(dd, items)


@adjoint(python.reverse_adjoint, kind="first", nondiff_params=("items",), examples=[
    Example(([Rand(()), Rand((2,))], [np.ones(2), 1.0])), Example((Rand((3,)), np.ones(3)))])
def _(y, d, items):
    dd = reverse_adjoint(dy, reversed_items(items))


@tangent(python.reverse_adjoint)
def _(y, d, items):
    dy = reverse_adjoint(dd, items)


# The list adjoints' own adjoints (all linear in `d`), for second derivatives.
@adjoint(python.extend_adjoint_head, kind=_other, nondiff_params=("items", "more"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0], [3.0]))])
def _(y, d, items, more):
    dd = extend_head_transpose(dy, items, more)


@tangent(python.extend_adjoint_head)
def _(y, d, items, more):
    dy = extend_adjoint_head(dd, items, more)


@adjoint(python.extend_adjoint_tail, kind=_other, nondiff_params=("items", "more"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [1.0], [2.0, 3.0]))])
def _(y, d, items, more):
    dd = extend_tail_transpose(dy, items, more)


@tangent(python.extend_adjoint_tail)
def _(y, d, items, more):
    dy = extend_adjoint_tail(dd, items, more)


@adjoint(python.insert_adjoint_items, kind=_other, nondiff_params=("items", "index"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0], 1))])
def _(y, d, items, index):
    dd = insert_items_transpose(dy, items, index)


@tangent(python.insert_adjoint_items)
def _(y, d, items, index):
    dy = insert_adjoint_items(dd, items, index)


@adjoint(python.insert_adjoint_value, kind="numeric", nondiff_params=("items", "index", "value"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0], 0, 1.0))])
def _(y, d, items, index, value):
    dd = insert_value_transpose(dy, items, index)


@tangent(python.insert_adjoint_value)
def _(y, d, items, index, value):
    dy = insert_adjoint_value(dd, items, index, value)


@adjoint(python.delete_adjoint, kind=_other, nondiff_params=("items", "index"), examples=[
    Example(([Rand(()), Rand(())], [1.0, 2.0, 3.0], 1)),
    Example(([Rand(()), Rand(())], [1.0, 2.0, 3.0]))])
def _(y, d, items, index=-1):
    dd = delete_transpose(dy, items, index)


@tangent(python.delete_adjoint)
def _(y, d, items, index=-1):
    dy = delete_adjoint(dd, items, index)


@adjoint(python.setitem_adjoint_items, kind=_other, nondiff_params=("items", "index"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0, 3.0], 1))])
def _(y, d, items, index):
    dd = setitem_adjoint_items(dy, items, index)


@tangent(python.setitem_adjoint_items)
def _(y, d, items, index):
    dy = setitem_adjoint_items(dd, items, index)


@adjoint(python.setitem_adjoint_value, kind="numeric",
         nondiff_params=("items", "index", "value"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0, 3.0], 2, 1.0))])
def _(y, d, items, index, value):
    dd = one_hot_items(dy, len(items), index)


@tangent(python.setitem_adjoint_value)
def _(y, d, items, index, value):
    dy = setitem_adjoint_value(dd, items, index, value)


@adjoint(python.repeat_adjoint, kind=_other, nondiff_params=("items", "count"), examples=[
    Example(([Rand(())] * 6, [1.0, 2.0, 3.0], 2)), Example(([Rand((2,))] * 2, [np.ones(2)], 2))])
def _(y, d, items, count):
    dd = repeat_items(list_adjoint(dy, len(items), "list repetition"), count)


@tangent(python.repeat_adjoint)
def _(y, d, items, count):
    dy = repeat_adjoint(dd, items, count)


@adjoint(python.unsort_adjoint, kind=_other, nondiff_params=("items", "reverse"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [2.0, 1.0, 3.0]))])
def _(y, d, items, reverse=False):
    dd = sort_like(dy, items, reverse)


@tangent(python.unsort_adjoint)
def _(y, d, items, reverse=False):
    dy = unsort_adjoint(dd, items, reverse)


@adjoint(python.sort_like, kind=_other, nondiff_params=("items", "reverse"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [2.0, 1.0, 3.0]))])
def _(y, d, items, reverse=False):
    dd = unsort_adjoint(dy, items, reverse)


@tangent(python.sort_like)
def _(y, d, items, reverse=False):
    dy = sort_like(dd, items, reverse)


@adjoint(python.pick_adjoint, kind=_other, nondiff_params=("items", "picked"), examples=[
    Example((Rand(()), [2.0, 1.0, 3.0], 3.0))])
def _(y, d, items, picked):
    dd = picked_tangent(dy, items, picked)


@tangent(python.pick_adjoint)
def _(y, d, items, picked):
    dy = pick_adjoint(dd, items, picked)


@adjoint(python.picked_tangent, kind="numeric", nondiff_params=("items", "picked"), examples=[
    Example(([Rand(()), Rand(()), Rand(())], [2.0, 1.0, 3.0], 3.0))])
def _(y, d, items, picked):
    dd = pick_adjoint(dy, items, picked)


@tangent(python.picked_tangent)
def _(y, d, items, picked):
    dy = picked_tangent(dd, items, picked)


@adjoint(python.as_list_adjoint, kind=_other, nondiff_params=("items",), examples=[
    Example(([Rand(()), Rand(())], [1.0, 2.0])), Example((Rand((2, 3)), np.ones((2, 3))))])
def _(y, d, items):
    dd = as_list(list_adjoint(dy, len(items), "list()"))


@tangent(python.as_list_adjoint)
def _(y, d, items):
    dy = as_list_adjoint(dd, items)


# A gradient hook's primal is the identity; the reverse transform runs the hook's body
# on the adjoint (this template is what a hook without a body amounts to).
@adjoint(runtime.grad_hook, kind="first", nondiff_params=("hook_id", "captured"), examples=[
    Example((Rand((3,)), 0)), Example((Rand(()), 0, 1.5))])
def _(y, x, hook_id, *captured):
    dx = dy


@tangent(runtime.grad_hook)
def _(y, x, hook_id, *captured):
    dy = dx


nondifferentiable(python.format_value, examples=[
    Example((Rand(()), -1, ".3f")), Example((Rand((2,)), ord("r"), ""))])
nondifferentiable(python.join_strings, examples=[Example(("x = ", "1.5"))])
# check_assertion, raise_error, enter_context and exit_context need no rule: their
# results are never numbers a derivative could flow through (optimize keeps them).
