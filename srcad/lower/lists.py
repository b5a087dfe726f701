"""Run-time lists changed in place: `xs.append(v)`, `xs.extend(seq)`, `xs.insert(i, v)`,
`xs.pop(i)` rebind `xs` to a new list, where no one else can see the difference; and
`xs + [v, w]` concatenation."""

from __future__ import annotations

import ast
import operator

from srcad.errors import UnsupportedSyntaxError
from srcad.frontend.scopes import display_name
from srcad.ir.handles import Handle, Lowered, Static, Struct
from srcad.ir.nodes import Const, Operand, Var
from srcad.lower.containers import Containers
from srcad.lower.context import LoweringContext
from srcad.runtime import python as pyrt

LIST_METHODS = ("append", "extend", "insert", "pop")

_ARITY = {"append": (1,), "extend": (1,), "insert": (2,), "pop": (0, 1)}
_UPDATES = {"append": pyrt.list_append, "extend": pyrt.list_extend,
            "insert": pyrt.list_insert}


def is_list_expr(node: ast.expr) -> bool:
    """A list display or comprehension: `+` on it concatenates lists."""
    return isinstance(node, (ast.List, ast.ListComp))


class Lists:
    """Lowers updates and concatenation of run-time lists.

    Parameters
    ----------
    core : LoweringContext
        The lowering the lists belong to.
    containers : Containers
        Concatenates lists that are container handles.
    """

    def __init__(self, core: LoweringContext, containers: Containers):
        self.core = core
        self.containers = containers

    def concatenate(self, node: ast.BinOp) -> Lowered:
        """`xs + [v, w]`: a new list (its adjoint splits at the seam)."""
        core, containers = self.core, self.containers
        left, right = core.expr(node.left), core.expr(node.right)
        if isinstance(left, Struct) and isinstance(right, Struct) and \
                {left.kind, right.kind} <= {"list", "tuple"} and left.kind == right.kind:
            items = [containers.get(left, k, node) for k in left.keys] + \
                [containers.get(right, k, node) for k in right.keys]
            return containers.new(left.kind, list(enumerate(items)), name="items")
        operands = [core.operand(left, node.left), core.operand(right, node.right)]
        return core.b.call(pyrt.list_extend, operands, loc=core.loc_for(node), name="items")

    def call_method(self, target: ast.expr, receiver: Operand, args: list[Lowered],
                    node: ast.Call, method: str) -> Operand:
        """`xs.append(v)`, `xs.extend(seq)`, `xs.insert(i, v)` and `xs.pop(i)` on a run-time
        list: `xs` is rebound to a new list (`xs = list_append(xs, v)`); pop returns the
        item. `xs` is a local name, or an item of a dict or object the function made."""
        core = self.core
        b = core.b
        loc = core.loc_for(node)
        if len(args) not in _ARITY[method]:
            raise core.unsupported(node, f"{method}() with {len(args)} arguments",
                                   f"call {method} as Python does")
        self._check_update(target, receiver, node, method)
        if method == "append" and isinstance(target, ast.Name) and (
                isinstance(args[0], Handle) or
                isinstance(args[0], Static) and callable(args[0].value)):
            known = self.containers.sequence_items(receiver, node)
            if known is not None:
                # an object or function appended to a list whose items are known: the
                # list becomes one srcad resolves (objects are not run-time values)
                b.write(target.id, self.containers.new(
                    "list", list(enumerate(known + [args[0]])),
                    name=display_name(target.id)))
                return Const(None)
        operands = [core.operand(a, node) for a in args]
        name = display_name(target.id) if isinstance(target, ast.Name) else "items"
        item: Operand
        if method == "pop":
            index = operands[0] if operands else Const(-1)
            item = b.call(operator.getitem, [receiver, index], loc=loc, name="item")
            new = b.call(pyrt.list_delete, [receiver, index], loc=loc, name=name)
        else:
            item = Const(None)
            new = b.call(_UPDATES[method], [receiver] + operands, loc=loc, name=name)
        new.keep = True
        if isinstance(target, ast.Name):
            b.write(target.id, new)
        else:
            core.assign(target, new, None)
        return item

    def _check_update(self, target: ast.expr, receiver: Operand, node: ast.Call,
                      method: str) -> None:
        """Refuse `xs.append(...)` where rebinding `xs` would not be what Python does: the
        list is not the function's own, or something else still holds it."""
        core = self.core
        if isinstance(target, ast.Name) and target.id in core.local_names:
            verdict = core.mutations.get(target.id)
            if verdict is None or not verdict.allows(node):
                reason = verdict.reason if verdict is not None else "it is not a local list"
                name = display_name(target.id)
                raise UnsupportedSyntaxError(
                    f"cannot {method} to '{name}': {reason}", core.loc_for(node),
                    f"change a new list the function creates, e.g. {name} = list({name}) "
                    "first")
            return
        owner = core.container_of(target) if isinstance(
            target, (ast.Attribute, ast.Subscript)) else None
        if not isinstance(owner, Struct) or not owner.mutable:
            raise core.unsupported(node, f"this use of {method}()",
                                   f"{method} to a list variable of the function, or to a "
                                   "list held by a dict or object the function creates")
        holders = [key for key, value in core.b.env.items()
                   if isinstance(value, Var) and value is receiver]
        if len(holders) > 1:
            raise UnsupportedSyntaxError(
                f"cannot {method} to this list: another variable or container holds the same "
                "list, and srcad builds a new list instead of changing it in place",
                core.loc_for(node), "copy the list first (list(...)) or keep one reference")
