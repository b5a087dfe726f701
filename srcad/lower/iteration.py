"""Loops whose items are known while transforming: over a container handle, a tuple
display or constant, or `zip` / `enumerate` / `reversed` of them. Such loops (and
comprehensions) are unrolled, one copy of the body per item."""

from __future__ import annotations

import ast
import operator

from srcad.errors import UnsupportedSyntaxError
from srcad.ir.handles import Lowered, Static, Struct
from srcad.ir.nodes import Const, Var
from srcad.lower.containers import MAX_UNROLL, Containers
from srcad.lower.context import LoweringContext
from srcad.runtime import python as pyrt

_CONTAINER_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.List)


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
                if not all(isinstance(a, _CONTAINER_NODES) or _is_sequence_call(a)
                           for a in it.args):
                    return None  # evaluated by the run-time loop (no speculative code)
                parts = []
                for a in it.args:
                    inner = self.items(a) if _is_sequence_call(a) else self._known_items(a)
                    if inner is None:
                        return None  # zip(zip(xs, ys), zs) of run-time sequences
                    parts.append(inner)
                if not any(isinstance(p, Struct) for p in parts) and not all(
                        isinstance(p, list) for p in parts) and not (
                        head.value is zip and any(isinstance(p, list) and any(
                            isinstance(v, Const) and isinstance(v.value, str) for v in p)
                            for p in parts)):
                    return None  # (zip of made names and a run-time sequence: unrolled)
                known = [p for p in parts if isinstance(p, (Struct, list))]
                lists = [p if isinstance(p, list) else containers.items(p, it) for p in known]
                if len(known) < len(parts):
                    if head.value is not zip:
                        raise UnsupportedSyntaxError(
                            f"{head.value.__name__}() of a container and a run-time "
                            "sequence", core.loc_for(it),
                            "iterate over containers only, or sequences only")
                    lists = self._zipped_with_run_time(parts, lists, it)
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

    def _zipped_with_run_time(self, parts: list, known: list[list[Lowered]],
                              it: ast.Call) -> list[list[Lowered]]:
        """The item lists of `zip(container, sequence, ...)`: the loop is unrolled over
        the containers' items, and a run-time sequence is read at each position (it
        must be at least as long: checked when the code runs)."""
        core = self.core
        n = min(len(items) for items in known)
        lists: list[list[Lowered]] = []
        known_items = iter(known)
        for part, node in zip(parts, it.args):
            if isinstance(part, (Struct, list)):
                lists.append(next(known_items)[:n])
                continue
            seq = core.operand(part, node)
            loc = core.loc_for(node)
            core.b.effect(pyrt.check_zip_length, [seq, Const(n)], loc=loc)
            lists.append([core.b.call(operator.getitem, [seq, Const(i)], loc=loc,
                                      name="item") for i in range(n)])
        return lists

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
        """A tuple or list display, or a constant tuple or list, as the list of its
        items; else the value."""
        if isinstance(node, (ast.Tuple, ast.List)) and \
                not any(isinstance(e, ast.Starred) for e in node.elts) and \
                len(node.elts) <= MAX_UNROLL:
            return [self._display(e) for e in node.elts]
        value = self.core.expr(node)
        if isinstance(value, Const) and isinstance(value.value, (tuple, list)) and \
                len(value.value) <= MAX_UNROLL:
            if isinstance(value.value, list):  # a module-level list may grow later
                self.core.session.captured.append((value.value, len, len(value.value)))
            return [Const(v) for v in value.value]
        if isinstance(value, Var) and value in self.core.session.sequences:
            known = self.core.session.sequences[value]
            if any(isinstance(v, Const) and isinstance(v.value, str) for v in known):
                return list(known)  # names made while transforming (`'k%d' % i`): keys
        return value


def _is_sequence_call(node: ast.expr) -> bool:
    """`zip(...)`, `enumerate(...)` or `reversed(...)` written by name (nested in one)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id in ("zip", "enumerate", "reversed") and not node.keywords


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
