"""Comparisons, `and` / `or` and conditional expressions. Python evaluates them lazily
(`a < b < c` stops at the first false comparison), so each lazy part becomes a branch."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

from srcad.errors import SourceLoc
from srcad.ir.handles import Handle, Lowered, Static
from srcad.ir.nodes import Const, Operand, Var
from srcad.lower.context import LoweringContext
from srcad.lower.syntax_tables import CMPOPS

_FOLDABLE_KEYS = (str, int, bool, type(None))


class Conditions:
    """Lowers comparisons and lazily evaluated expressions.

    Parameters
    ----------
    core : LoweringContext
        The lowering the expressions belong to.
    """

    def __init__(self, core: LoweringContext):
        self.core = core

    def compare(self, node: ast.Compare) -> Operand:
        """`a < b`, `k in d`, `a < b < c` (with b evaluated once)."""
        core = self.core
        b = core.b
        loc = core.loc_for(node)
        pairs = list(zip(node.ops, node.comparators))
        if len(pairs) == 1 and isinstance(pairs[0][0], (ast.Is, ast.IsNot)):
            known = self._identity(node.left, pairs[0][1], isinstance(pairs[0][0], ast.Is))
            if known is not None:
                return known

        def one(left: Operand, op: ast.cmpop, right_node: ast.expr) -> tuple[Operand, Operand]:
            right = core.value(right_node)
            fn = CMPOPS[type(op)]
            if fn is operator.contains:
                return b.call(operator.contains, [right, left], loc=loc, name="cond"), right
            if fn == "not in":
                inside = b.call(operator.contains, [right, left], loc=loc, name="cond")
                return b.call(operator.not_, [inside], loc=loc, name="cond"), right
            if isinstance(left, Const) and isinstance(right, Const) and \
                    isinstance(left.value, _FOLDABLE_KEYS) and \
                    isinstance(right.value, _FOLDABLE_KEYS):
                return Const(fn(left.value, right.value)), right  # "k" != "q"
            return b.call(fn, [left, right], loc=loc, name="cond"), right

        first = core.value(node.left)
        if len(pairs) == 1:
            return one(first, *pairs[0])[0]

        def chain(i: int, left: Operand) -> Operand:
            # a < b < c  ==  (a < b) and (b < c)
            op, right_node = pairs[i]
            result, right = one(left, op, right_node)
            if i == len(pairs) - 1:
                return result
            return self._short_circuit(result, lambda: chain(i + 1, right), is_and=True,
                                       loc=loc)

        return chain(0, first)

    def _identity(self, left_node: ast.expr, right_node: ast.expr, is_: bool) -> Const | None:
        """`a is b` / `a is not b` decided while transforming: both sides are constants,
        functions or classes, or one is a container or local function and the other a
        constant (`readout is not None`, `other is None` for an object). None where the
        run time decides."""
        plain = (ast.Name, ast.Constant, ast.Attribute)  # (lowering them twice adds nothing)
        if not isinstance(left_node, plain) or not isinstance(right_node, plain):
            return None
        core = self.core
        left, right = core.expr(left_node), core.expr(right_node)
        static = (Const, Static)
        if isinstance(left, static) and isinstance(right, static):
            return Const((left.value is right.value) == is_)
        if isinstance(left, Handle) and isinstance(right, static) or \
                isinstance(right, Handle) and isinstance(left, static):
            return Const(not is_)  # a handle is never a constant object
        return None

    def boolop(self, op: ast.boolop, values: list[ast.expr], loc: SourceLoc | None) -> Operand:
        """`a and b and c`, `a or b`: each operand after the first is a branch."""
        first = self.core.value(values[0])
        if len(values) == 1:
            return first
        return self._short_circuit(first, lambda: self.boolop(op, values[1:], loc),
                                   isinstance(op, ast.And), loc)

    def ifexp(self, node: ast.IfExp) -> Lowered:
        """`a if cond else b`; decided now when `cond` is known while transforming."""
        core = self.core
        b = core.b
        cond = core.value(node.test)
        if isinstance(cond, Const) and isinstance(cond.value, _FOLDABLE_KEYS + (float,)):
            return core.expr(node.body if cond.value else node.orelse)
        key = object()
        b.build_if(cond, lambda: b.write(key, core.call_argument(node.body)),
                   lambda: b.write(key, core.call_argument(node.orelse)),
                   loc=core.loc_for(node))
        result = b.read(key)
        b.forget(key)
        assert result is not None  # written on both paths
        core.check_handle(result, node)
        return result

    def _short_circuit(self, first: Operand, rest: Callable[[], Operand], is_and: bool,
                       loc: SourceLoc | None) -> Operand:
        b = self.core.b
        key = object()
        b.write(key, first)

        def evaluate_rest() -> None:
            b.write(key, rest())

        if is_and:
            b.build_if(first, evaluate_rest, lambda: None, loc=loc)
        else:
            b.build_if(first, lambda: None, evaluate_rest, loc=loc)
        result = b.read(key)
        b.forget(key)
        assert isinstance(result, (Var, Const))  # both paths wrote a run-time value
        if isinstance(result, Var):
            result.name = "cond"
        return result
