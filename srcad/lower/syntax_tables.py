"""Python syntax the lowering maps by table: operators to the functions that compute
them, and the statements and expressions it refuses (with what to write instead)."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
UNARYOPS: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
    ast.Invert: operator.invert}
# "not in" has no function of its own: it is lowered as not(contains(...))
CMPOPS: dict[type[ast.cmpop], Any] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_,
    ast.IsNot: operator.is_not, ast.In: operator.contains, ast.NotIn: "not in",
}
# readable stems for the names of the values operators compute
OP_HINTS: dict[Callable[..., Any], str] = {
    operator.add: "add", operator.sub: "sub", operator.mul: "mul", operator.truediv: "div",
    operator.floordiv: "floordiv", operator.mod: "mod", operator.pow: "pow",
    operator.matmul: "matmul", operator.neg: "neg", operator.pos: "pos",
    operator.getitem: "item", operator.not_: "not_",
}

# statement or expression type -> (what is refused, what to do instead)
UNSUPPORTED_STMTS: dict[type[ast.AST], tuple[str, str]] = {
    ast.Try: ("'try' statements", "move the try/except outside the differentiated function"),
    ast.Global: ("'global' declarations", "pass the value in as an argument and return it"),
    ast.Nonlocal: ("'nonlocal' declarations", "pass the value in as an argument and return it"),
    ast.ClassDef: ("class definitions", "define the class outside the function"),
    ast.AsyncFunctionDef: ("async functions", "use a plain 'def' function"),
    ast.AsyncFor: ("'async for' loops", "use a plain 'for' loop"),
    ast.AsyncWith: ("'async with' blocks", "remove it from the differentiated function"),
    ast.Delete: ("'del' statements", "remove the 'del'; srcad manages variables itself"),
    ast.Match: ("'match' statements", "use if/elif/else"),
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    UNSUPPORTED_STMTS[ast.TryStar] = ("'try' statements",
                                      "move the try/except outside the function")

UNSUPPORTED_EXPRS: dict[type[ast.AST], tuple[str, str]] = {
    ast.SetComp: ("set comprehensions", "use a list comprehension"),
    ast.Yield: ("generators ('yield')", "return a value (or a tuple of values) instead"),
    ast.YieldFrom: ("generators ('yield from')", "return a value instead"),
    ast.Await: ("'await' expressions", "use a plain function"),
    ast.NamedExpr: ("assignment expressions (':=')", "assign in a separate statement"),
    ast.Set: ("set displays", "use a tuple"),
    ast.Starred: ("starred expressions (*x)", "pass arguments explicitly"),
}
