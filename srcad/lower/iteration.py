"""Loops whose items are known while transforming: over a container handle, a tuple
display or constant, or `zip` / `enumerate` / `reversed` of them. Such loops (and
comprehensions) are unrolled, one copy of the body per item."""

from __future__ import annotations

import ast

from srcad.errors import UnsupportedSyntaxError
from srcad.ir.handles import Lowered, Static, Struct
from srcad.ir.nodes import Const
from srcad.lower.containers import MAX_UNROLL, Containers
from srcad.lower.context import LoweringContext

_CONTAINER_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple)


class StaticIteration:
    """Finds the items of loops that run while transforming.

    Parameters
    ----------
    core : LoweringContext
        The lowering the loops belong to.
    containers : Containers
        Reads the items of container handles.
    """

    def __init__(self, core: LoweringContext, containers: Containers):
        self.core = core
        self.containers = containers

    def items(self, it: ast.expr, ranges: bool = False) -> list[Lowered] | None:
        """Items of `for ... in it` when `it` is a container handle, or zip / enumerate /
        reversed of them (with `ranges`, also a range of constant length); None when the
        loop runs at run time."""
        core, containers = self.core, self.containers
        if ranges:
            steps = self._constant_range(it)
            if steps is not None:
                return steps
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and not it.keywords:
            head = core.expr(it.func)
            if isinstance(head, Static) and head.value in (zip, enumerate, reversed):
                if not all(isinstance(a, _CONTAINER_NODES) for a in it.args):
                    return None  # evaluated by the run-time loop (no speculative code)
                parts = [self._known_items(a) for a in it.args]
                if not any(isinstance(p, Struct) for p in parts) and not all(
                        isinstance(p, list) for p in parts):
                    return None
                known = [p for p in parts if isinstance(p, (Struct, list))]
                if len(known) < len(parts):
                    raise UnsupportedSyntaxError(
                        f"{head.value.__name__}() of a container and a run-time sequence",
                        core.loc_for(it), "iterate over containers only, or sequences only")
                lists = [p if isinstance(p, list) else containers.items(p, it) for p in known]
                if head.value is reversed:
                    return list(reversed(lists[0]))
                if head.value is enumerate:
                    return [containers.new("tuple", [(0, Const(i)), (1, v)], name="pair")
                            for i, v in enumerate(lists[0])]
                return [containers.new("tuple", list(enumerate(group)), name="pair")
                        for group in zip(*lists)]
        if isinstance(it, ast.Call) and not (
                isinstance(it.func, ast.Attribute) and it.func.attr in ("items", "keys",
                                                                         "values")):
            return None  # a run-time call: evaluated once, by the run-time loop
        value = self._known_items(it)
        if isinstance(value, list):
            return value
        return containers.items(value, it) if isinstance(value, Struct) else None

    def _constant_range(self, it: ast.expr) -> list[Lowered] | None:
        """The steps of `range(...)` whose arguments are constants (after folding)."""
        core = self.core
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and
                not it.keywords and 1 <= len(it.args) <= 3 and
                all(_is_plain_expression(a) for a in it.args)):
            return None
        head = core.expr(it.func)
        if not (isinstance(head, Static) and head.value is range):
            return None
        bounds = [core.expr(a) for a in it.args]
        values = [b.value for b in bounds if isinstance(b, Const) and type(b.value) is int]
        if len(values) != len(bounds):
            return None
        steps = range(*values)
        if len(steps) > MAX_UNROLL:
            return None
        return [Const(i) for i in steps]

    def _display(self, node: ast.expr) -> Lowered:
        """A tuple display as a container handle (its items stay separate values)."""
        if isinstance(node, ast.Tuple) and not any(isinstance(e, ast.Starred)
                                                   for e in node.elts):
            items = [self._display(e) for e in node.elts]
            return self.containers.new("tuple", list(enumerate(items)), name="items")
        return self.core.expr(node)

    def _known_items(self, node: ast.expr) -> list[Lowered] | Lowered:
        """A tuple display or constant tuple as the list of its items; else the value."""
        if isinstance(node, ast.Tuple) and not any(isinstance(e, ast.Starred)
                                                   for e in node.elts):
            return [self._display(e) for e in node.elts]
        value = self.core.expr(node)
        if isinstance(value, Const) and isinstance(value.value, tuple) and \
                len(value.value) <= MAX_UNROLL:
            return [Const(v) for v in value.value]
        return value


def _is_plain_expression(node: ast.expr) -> bool:
    """Arithmetic on names and constants, or `len(name)`: lowering it twice (to see
    whether it is a constant) adds no effects."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.UnaryOp):
        return _is_plain_expression(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_plain_expression(node.left) and _is_plain_expression(node.right)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "len" and len(node.args) == 1 and not node.keywords and \
        isinstance(node.args[0], (ast.Name, ast.Attribute))
