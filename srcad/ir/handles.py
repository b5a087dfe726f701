"""Values whose layout the lowering knows: containers, local functions, bound methods.

A dict of parameters, a dataclass, a tuple of (W, b) pairs or a function defined inside
the differentiated function is not a run-time value in the generated code: the lowering
keeps it as a *handle* and resolves `params["W"]`, `self.b`, `len(layers)` or a call to
a local `def` while transforming. The items of a container live in the builder's
environment under the keys `(container, key)`, so control flow merges them like
variables, and two names bound to one container see the same items (Python's aliasing).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from srcad.ir.nodes import Block, Const, Var

_ids = itertools.count(1)


class Handle:
    """Base class of everything the lowering keeps in a variable that is not an operand."""


@dataclass(frozen=True)
class Static:
    """A value known while transforming: a module, a function, a class.

    Not a `Handle`: where a run-time value is needed it becomes a `Const`.
    """

    value: Any


@dataclass(eq=False)
class Struct(Handle):
    """A container whose keys are known while transforming.

    Attributes
    ----------
    kind : str
        "tuple", "list", "dict" or "object" (a namedtuple, a dataclass or an instance
        of a user class).
    keys : list
        Dict keys, list/tuple positions or attribute names, in order.
    cls : type or None
        The Python type to rebuild (namedtuple, dataclass or user class).
    name : str
        A readable stem for the generated names of its items.
    mutable : bool
        True for containers the function created itself (assigning into the caller's
        containers would change them behind the caller's back).
    region : Block or None
        The control-flow region the container was created in: keys can only be added
        there (a key added in a branch would exist on one path only).
    """

    kind: str
    keys: list
    cls: type | None = None
    name: str = "item"
    mutable: bool = False
    region: Block | None = None
    ident: int = field(default_factory=lambda: next(_ids))

    def __hash__(self) -> int:
        return self.ident

    def item_key(self, key) -> tuple:
        return (self, key)

    def hint(self, key) -> str:
        part = key if isinstance(key, str) and key.isidentifier() else \
            str(key) if isinstance(key, int) else "item"
        return f"{self.name}_{part}"

    def describe(self) -> str:
        if self.cls is not None and self.kind == "object":
            return f"a {self.cls.__name__} object"
        return {"tuple": "a tuple", "list": "a list", "dict": "a dict"}[self.kind]


def same_layout(a: Struct, b: Struct) -> bool:
    """Containers with the same kind, type and keys (their items may differ)."""
    plain = (None, dict, list, tuple)
    same_cls = a.cls is b.cls or (a.cls in plain and b.cls in plain)
    return a.kind == b.kind and same_cls and list(a.keys) == list(b.keys)


class Scope(Protocol):
    """Where a local function was written: what its names refer to."""

    resolve: Callable[[str], Any]  # a free name -> the object (or MISSING)
    loc_for: Callable[[ast.AST], Any]  # a node -> its SourceLoc
    local_names: set[str]  # the enclosing function's variables


@dataclass(eq=False)
class LocalFunction(Handle):
    """A `def` or `lambda` written inside the function being transformed.

    It is inlined where it is called; its free names read the enclosing variables'
    values at the time of the call (Python's late binding).
    """

    node: ast.FunctionDef | ast.Lambda
    scope: Scope  # the lowering of the enclosing function
    defaults: list  # lowered default values, right-aligned with the parameters
    kw_defaults: dict = field(default_factory=dict)  # keyword-only parameter -> default

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>")


@dataclass(eq=False)
class BoundMethod(Handle):
    """`obj.method` where `obj` is a container handle or a constant object."""

    function: Any  # the plain function (its first parameter receives `receiver`)
    receiver: Any  # a Struct, an operand, or a Static class (classmethods)
    owner: Any = None  # the class defining the method (what `super()` starts after)


@dataclass(eq=False)
class Partial(Handle):
    """`functools.partial(f, *args, **kwargs)`: calling it calls `f` with `args` first
    and `kwargs` updated by the call's."""

    callee: Any  # a Static function, LocalFunction, BoundMethod or Partial
    args: list
    kwargs: dict


@dataclass(eq=False)
class SuperRef(Handle):
    """`super()` inside a method: attribute lookups start after `owner` in the MRO."""

    owner: type
    receiver: Any


class Ambiguous(Handle):
    """A variable bound to different handles on different paths."""

    def __init__(self, key, what: str = "different containers or functions"):
        self.key = key
        self.what = what


# What a name is bound to while lowering: a run-time value, a handle or a static value.
Lowered = Var | Const | Handle | Static
