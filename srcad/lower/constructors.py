"""`tuple(...)` and `dict(...)` of values known while transforming: `tuple(L)`,
`tuple(x[i] for i in range(3))`, `dict(a=..., b=...)`, `dict(zip(keys, values))`.

The result is a container srcad resolves itself (a dict with known keys, a tuple whose
items stay separate values), so it differentiates like a display written out. Where the
run time alone knows the items, the call runs at run time as written."""

from __future__ import annotations

import ast
from typing import Any

from srcad.errors import UnsupportedSyntaxError
from srcad.ir.handles import Lowered, Static, Struct
from srcad.ir.nodes import Const
from srcad.lower.comprehensions import Comprehensions
from srcad.lower.containers import Containers
from srcad.lower.context import LoweringContext
from srcad.runtime import python as pyrt


class Constructors:
    """Lowers `tuple(...)` and `dict(...)`.

    Parameters
    ----------
    core : LoweringContext
        The lowering the calls belong to.
    containers : Containers
        Builds the results and reads the items of their arguments.
    comprehensions : Comprehensions
        Unrolls a comprehension argument over a constant range.
    """

    def __init__(self, core: LoweringContext, containers: Containers,
                 comprehensions: Comprehensions):
        self.core = core
        self.containers = containers
        self.comprehensions = comprehensions

    def call(self, fn: Any, node: ast.Call) -> Lowered | None:
        """`tuple(xs)` or `dict(...)` lowered; None for other calls (and forms of them)."""
        if any(isinstance(a, ast.Starred) for a in node.args) or len(node.args) > 1:
            return None
        if fn is tuple and len(node.args) == 1 and not node.keywords:
            return self._tuple(node.args[0], node)
        if fn is dict:
            return self._dict(node)
        return None

    def _argument(self, node: ast.expr) -> Lowered:
        """A sequence argument; a comprehension over a constant range is unrolled."""
        if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
            return self.comprehensions.comprehension(node, unroll_ranges=True)
        return self.core.expr(node)

    def _tuple(self, arg: ast.expr, node: ast.Call) -> Lowered:
        core, containers = self.core, self.containers
        value = self._argument(arg)
        if isinstance(value, Struct):
            return containers.call_builtin(tuple, [value], {}, node)
        items = containers.sequence_items(value, arg)
        if items is not None:
            return containers.sequence("tuple", items, node)
        return core.b.call(pyrt.as_tuple, [core.operand(value, arg)], loc=core.loc_for(node),
                           name="items")

    def _dict(self, node: ast.Call) -> Lowered:
        core, containers = self.core, self.containers
        pairs: list[tuple[Any, Lowered]] = []
        if node.args:
            found = self._pairs(node.args[0])
            if not isinstance(found, list):
                if node.keywords:
                    raise core.unsupported(node, "dict() of run-time pairs with keyword "
                                                 "arguments",
                                           "build the dict with constant keys")
                return core.b.call(dict, [core.operand(found, node.args[0])],
                                   loc=core.loc_for(node), name="d")
            pairs += found
        for k in node.keywords:
            if k.arg is None:
                pairs += containers.keywords(core.expr(k.value), k.value)
            else:
                pairs.append((k.arg, core.call_argument(k.value)))
        merged: dict[Any, Lowered] = {}
        for key, value in pairs:  # a later value replaces an earlier one, as in Python
            merged[key] = value
        return containers.new("dict", list(merged.items()), name="d")

    def _pairs(self, arg: ast.expr) -> list[tuple[Any, Lowered]] | Lowered:
        """The (key, value) pairs of `dict(arg)`, or the lowered argument when only the
        run time knows them."""
        core, containers = self.core, self.containers
        if isinstance(arg, ast.Call) and not arg.keywords and arg.args and \
                not any(isinstance(a, ast.Starred) for a in arg.args):
            head = core.expr(arg.func)
            if isinstance(head, Static) and head.value is zip:
                parts = [core.expr(a) for a in arg.args]
                columns = [containers.sequence_items(p, a) for p, a in zip(parts, arg.args)]
                if all(c is not None for c in columns):
                    rows = zip(*[c for c in columns if c is not None])
                    return [self._pair(list(row), arg) for row in rows]
                raise UnsupportedSyntaxError(
                    "dict(zip(...)) of sequences only the run time knows", core.loc_for(arg),
                    "zip tuples or lists srcad sees while transforming (written out in the "
                    "function, module-level constants or containers)")
        value = self._argument(arg)
        known = containers.dict_items(value, arg)
        if known is not None:
            return known
        items = containers.sequence_items(value, arg)
        if items is None:
            return value
        pairs = []
        for item in items:
            pair = containers.sequence_items(item, arg)
            if pair is None or len(pair) != 2:
                raise UnsupportedSyntaxError(
                    "dict() of items that are not (key, value) pairs srcad sees while "
                    "transforming", core.loc_for(arg), "pass (key, value) tuples")
            pairs.append(self._pair(pair, arg))
        return pairs

    def _pair(self, pair: list[Lowered], node: ast.AST) -> tuple[Any, Lowered]:
        key = pair[0]
        if isinstance(key, Static):
            key = Const(key.value)
        if not isinstance(key, Const):
            raise UnsupportedSyntaxError(
                "dict keys computed at run time", self.core.loc_for(node),
                "use keys known while transforming (constants, f-strings of loop indices "
                "of unrolled loops, or the keys of another dict)")
        try:
            hash(key.value)
        except TypeError:
            raise UnsupportedSyntaxError(
                f"a dict key of type {type(key.value).__name__} (not hashable)",
                self.core.loc_for(node), "use strings, numbers or tuples as keys") from None
        return key.value, pair[1]
