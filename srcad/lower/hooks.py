"""Gradient hooks: `with srcad.insert_grad_of(x) as dx: <body>`.

The primal code marks the place with `x = grad_hook(x, hook, *captured)`, where the
constant `hook` is the `HookBody` itself: the body travels in the IR, and the reverse
transform lowers it where the adjoint of `x` is complete (see `lowering.lower_hook`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from srcad import runtime
from srcad.errors import SourceLoc
from srcad.frontend.scopes import bound_names
from srcad.ir.nodes import Const
from srcad.lower.context import LoweringContext


@dataclass(eq=False)
class HookBody:
    """The body of `with srcad.insert_grad_of(x) as dx:`, run in the reverse sweep."""

    body: list[ast.stmt]
    adjoint_name: str  # the name the body reads and assigns (`dx`)
    resolve: Callable[[str], Any]  # how the user's function resolves free names
    loc_for: Callable[[ast.AST], SourceLoc | None]  # the location of a node of the body
    label: str  # the variable whose adjoint it receives
    captured: list[str]  # local variables of the function the body reads


class GradientHooks:
    """Lowers the `with` statements that insert gradient hooks.

    Parameters
    ----------
    core : LoweringContext
        The lowering the hooks belong to.
    """

    def __init__(self, core: LoweringContext):
        self.core = core

    def insert(self, s: ast.With, call: ast.Call, target: ast.expr | None) -> None:
        """`with srcad.insert_grad_of(x) as dx:` (`call`, `target`): rebinds `x` to
        `grad_hook(x, hook, *captured)`."""
        core = self.core
        if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Name):
            raise core.unsupported(call, "insert_grad_of() of anything but one variable",
                                   "pass the variable whose adjoint the body handles")
        if not isinstance(target, ast.Name):
            raise core.unsupported(s, "insert_grad_of() without 'as <name>'",
                                   "write: with srcad.insert_grad_of(x) as dx:")
        for node in ast.walk(ast.Module(body=s.body, type_ignores=[])):
            if isinstance(node, (ast.Return, ast.Break, ast.Continue, ast.Yield)):
                raise core.unsupported(node, "return/break/continue in a gradient hook",
                                       "the hook's body only computes the new adjoint")
        name = call.args[0].id
        value = core.value(call.args[0])
        assigned = bound_names(s.body) | {target.id}
        captured = sorted({n.id for st in s.body for n in ast.walk(st)
                           if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                           and n.id in core.local_names and n.id not in assigned})
        values = [core.operand(core.load_name(ast.copy_location(
            ast.Name(id=n, ctx=ast.Load()), s)), s) for n in captured]
        hook = HookBody(s.body, target.id, core.resolve, core.loc_for, name.split("#")[0],
                        captured)
        hook_const = Const(hook, f"{hook.label}_hook")  # generated code names it h_hook
        hooked = core.b.call(runtime.grad_hook, [value, hook_const] + values,
                             loc=core.loc_for(s), name=hook.label)
        hooked.keep = True
        core.b.write(name, hooked)
