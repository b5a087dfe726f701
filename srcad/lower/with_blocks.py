"""`with` statements: context managers entered and exited at run time, except
`srcad.insert_grad_of`, which inserts a gradient hook (see hooks.py)."""

from __future__ import annotations

import ast

from srcad import runtime
from srcad.ir.handles import Static, Struct
from srcad.ir.nodes import Const
from srcad.lower.context import LoweringContext
from srcad.lower.hooks import GradientHooks
from srcad.lower.objects import Objects
from srcad.runtime import python as pyrt


class WithBlocks:
    """Lowers `with` statements.

    Parameters
    ----------
    core : LoweringContext
        The lowering the statements belong to.
    hooks : GradientHooks
        Lowers `with srcad.insert_grad_of(x) as dx:`.
    objects : Objects
        Runs `__enter__` and `__exit__` of objects srcad resolves itself.
    """

    def __init__(self, core: LoweringContext, hooks: GradientHooks, objects: Objects):
        self.core = core
        self.hooks = hooks
        self.objects = objects

    def with_stmt(self, s: ast.With, items: list[ast.withitem]) -> None:
        """`with a as x, b as y: body`, one context manager after the other."""
        core = self.core
        if not items:
            core.block(s.body)
            return
        item, rest = items[0], items[1:]
        head = item.context_expr
        if isinstance(head, ast.Call):
            fn = core.expr(head.func)
            if isinstance(fn, Static) and fn.value is runtime.insert_grad_of:
                self.hooks.insert(s, head, item.optional_vars)
                if rest:
                    raise core.unsupported(s, "other context managers in the same 'with' "
                                              "as insert_grad_of", "use a separate 'with'")
                return
        manager = core.expr(head)
        if isinstance(manager, Struct) and manager.kind == "object":
            # an object srcad resolves itself: its methods are inlined
            entered = self.objects.call_special(manager, "__enter__", [], s)
            if item.optional_vars is not None:
                core.assign(item.optional_vars, entered, None)
            self.with_stmt(s, rest)
            self.objects.call_special(manager, "__exit__", [Const(None)] * 3, s)
            return
        value = core.operand(manager, head)
        entered = core.b.call(pyrt.enter_context, [value], loc=core.loc_for(s),
                              name="context")
        if item.optional_vars is not None:
            core.assign(item.optional_vars, entered, None)
        self.with_stmt(s, rest)
        core.b.effect(pyrt.exit_context, [value], loc=core.loc_for(s))
