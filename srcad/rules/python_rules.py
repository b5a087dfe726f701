"""Rules for the helpers the lowering emits for plain Python: lists, sum, strings,
assertions, `with` blocks."""

from ..kinds import OTHER
from ..registry import Example, Rand, adjoint, nondifferentiable, tangent
from .. import runtime
from ..runtime import python, unbroadcast
from ..runtime.python import (append_adjoint_head, append_adjoint_last, list_append,
                              reverse_adjoint, reversed_items, spread_adjoint, sum_items)


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
