"""`with` statements: context managers entered and exited at run time, except
`srcad.insert_grad_of`, which inserts a gradient hook (see hooks.py)."""

from __future__ import annotations

import ast

from srcad import runtime
from srcad.ir.handles import Static
from srcad.lower.context import LoweringContext
from srcad.lower.hooks import GradientHooks
from srcad.runtime import python as pyrt


class WithBlocks:
    """Lowers `with` statements.

    Parameters
    ----------
    core : LoweringContext
        The lowering the statements belong to.
    hooks : GradientHooks
        Lowers `with srcad.insert_grad_of(x) as dx:`.
    """

    def __init__(self, core: LoweringContext, hooks: GradientHooks):
        self.core = core
        self.hooks = hooks

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
        manager = core.expr_value(head)
        entered = core.b.call(pyrt.enter_context, [manager], loc=core.loc_for(s),
                              name="context")
        if item.optional_vars is not None:
            core.assign(item.optional_vars, entered, None)
        self.with_stmt(s, rest)
        core.b.effect(pyrt.exit_context, [manager], loc=core.loc_for(s))
