"""What the parts of the lowering share.

The core `Lowerer` (statements and expressions) hands the rest of the work to
collaborators (containers, objects, inlining, loops, calls...). They see the core only
through `LoweringContext`, and the lowering of a function shares one `Session` with
the lowering of everything inlined into it.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.frontend.source import ParsedFunction
from srcad.ir.builder import Builder
from srcad.ir.handles import Lowered, Static
from srcad.ir.nodes import Const, Operand, Var
from srcad.lower.mutation import Verdict


@dataclass
class Session:
    """Shared by the lowering of a function and of everything inlined into it."""

    # (namespace, name, value) of every free name read: the cache checks them later
    captured: list[tuple[Any, Any, Any]] = field(default_factory=list)
    stack: list[Any] = field(default_factory=list)  # functions being inlined (recursion)
    parsed: dict[Any, ParsedFunction] = field(default_factory=dict)  # user function -> AST
    # run-time tuples and lists built from items srcad saw (`(a, b)`, `[x, 2 * x]`):
    # their items, for `f(*xs)`, `first, *rest = xs` and `tuple(xs)`
    sequences: dict[Var, list[Operand]] = field(default_factory=dict)
    lists: set[Var] = field(default_factory=set)  # which of them are lists
    arguments: list[Var] = field(default_factory=list)  # the caller's values
    # the shapes of the arguments, where the code is specialized on them: `len(x)` and
    # `x.shape` are then constants (a loop over range(len(x)) of objects unrolls)
    shapes: dict[Var, tuple] = field(default_factory=dict)


def known_value(value: Any) -> Static | Const:
    """A value found while transforming (a global, a default, an item of a constant
    container): modules, classes and functions stay static, the rest are constants."""
    if isinstance(value, (types.ModuleType, type)) or callable(value):
        return Static(value)
    return Const(value)


class LoweringContext(Protocol):
    """The core lowering, as its collaborators see it."""

    b: Builder  # where statements go; maps names to their current values
    resolve: Callable[[str], Any]  # a free name -> the object it refers to (or MISSING)
    loc_for: Callable[[ast.AST], SourceLoc | None]
    local_names: set[str]  # names local to the function being lowered
    mutations: dict[str, Verdict]  # local name -> whether it may be changed in place
    session: Session
    method_owner: tuple[type, Lowered] | None  # (class, receiver) inside a method
    params: set[str]  # the function's parameters
    objects: Any  # lower.objects.Objects: the objects' methods and protocols

    def unsupported(self, node: ast.AST, what: str, hint: str) -> UnsupportedSyntaxError:
        """The error refusing `what` (plural) at `node`."""

    def block(self, stmts: list[ast.stmt]) -> None:
        """Lower statements."""

    def stmt(self, s: ast.stmt) -> None:
        """Lower one statement."""

    def assign(self, target: ast.expr, value: Lowered, value_node: ast.AST | None) -> None:
        """Bind `target` (a name, a tuple of targets, an item) to `value`."""

    def expr(self, node: ast.expr) -> Lowered:
        """Lower an expression: a run-time value or a handle."""

    def value(self, node: ast.expr) -> Operand:
        """Lower an expression that must be a run-time value."""

    def expr_value(self, node: ast.expr) -> Operand:
        """Like `value`, marking the node when it computed a new value."""

    def operand(self, value: Lowered, node: ast.AST) -> Operand:
        """`value` as a run-time value of the generated code."""

    def check_handle(self, value: Lowered | None, node: ast.AST) -> None:
        """Refuse a name bound to different handles on different paths."""

    def call_argument(self, node: ast.expr) -> Lowered:
        """Lower an argument: a run-time value or a handle."""

    def load_name(self, node: ast.Name) -> Lowered:
        """The current value of a name (local, global or builtin)."""

    def container_of(self, target: ast.Subscript | ast.Attribute) -> Lowered | None:
        """The container handle `target` assigns into, if it is one."""

    def child(self, resolve: Callable[[str], Any], loc_for: Callable[[ast.AST], SourceLoc | None],
              local_names: set[str], mutations: dict[str, Verdict],
              method_owner: tuple[type, Lowered] | None) -> LoweringContext:
        """A lowering into the same builder and session, of an inlined function."""
