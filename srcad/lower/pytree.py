"""Parameter structures ("pytrees"): dicts, lists, tuples, namedtuples, dataclasses and
plain objects holding numbers and arrays.

At the API boundary a structured argument is split into its layout (a `TreeKind`, part
of the cache key) and its leaves (the run-time values the generated code takes as
separate parameters). Gradients come back as leaves and are put back into a structure
of the same layout.
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from srcad.errors import BadArgumentError
from srcad.ir.kinds import kind_of_value
from srcad.lower.classes import is_namedtuple_class, is_plain_object

MAX_DEPTH = 32


@dataclass(frozen=True)
class Leaf:
    """A run-time value inside a structure: its kind, and whether it is a float or
    complex number or array (only those leaves are differentiated)."""

    kind: Any
    is_float: bool


@dataclass(frozen=True)
class StaticLeaf:
    """A function, class, module or string inside a structure: resolved while
    transforming (a string by its value: `PROBLEMS[name]`, `if cfg["act"] == "relu"`)."""

    value: Any

    def __hash__(self) -> int:
        return hash(self.value) if type(self.value) is str else id(self.value)

    def __eq__(self, other) -> bool:
        if not isinstance(other, StaticLeaf):
            return False
        if type(self.value) is str:
            return type(other.value) is str and other.value == self.value
        return other.value is self.value


@dataclass(frozen=True, eq=False)
class TreeKind:
    """The layout of a structured argument."""

    node: str  # "dict", "list", "tuple" or "object"
    cls: Any  # the type to rebuild
    keys: tuple
    children: tuple  # TreeKind, Leaf or StaticLeaf, one per key
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # a cache key looked up on every call: hash once
        object.__setattr__(self, "_hash", hash((self.node, self.cls, self.keys,
                                                 self.children)))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return self is other or (isinstance(other, TreeKind) and self._hash == other._hash
                                 and (self.node, self.cls, self.keys, self.children) ==
                                 (other.node, other.cls, other.keys, other.children))


_LEAVES: dict = {}


def _leaf(kind, is_float: bool) -> Leaf:
    key = (kind, is_float)
    leaf = _LEAVES.get(key)
    if leaf is None:
        leaf = _LEAVES[key] = Leaf(kind, is_float)
    return leaf


def _is_static(value) -> bool:
    return isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type,
                              types.ModuleType, np.ufunc, types.MethodType, str))


def _is_float(value) -> bool:
    """A float or complex number or array: a leaf srcad differentiates (a complex one
    under the convention of docs/complex.md)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (float, complex, np.floating, np.complexfloating)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind in "fc"


def _has_structure(items) -> bool:
    return any(isinstance(v, (dict, list, tuple)) or is_plain_object(v) or _is_static(v)
               for v in items)


def is_structured(value, differentiated: bool) -> bool:
    """Whether an argument is passed to generated code as a structure of leaves."""
    if isinstance(value, dict) or is_plain_object(value):
        return True
    if isinstance(value, (list, tuple)):
        return differentiated or _has_structure(value)
    return False


def tree_kind(value, differentiated: bool, path: str = "argument", depth: int = 0,
              seen: tuple = ()) -> TreeKind:
    """The layout of a structured value (see `flatten` for its leaves)."""
    if depth > MAX_DEPTH or (seen and any(value is s for s in seen)):
        raise BadArgumentError(f"{path} is nested too deeply or contains itself",
                               hint="pass a tree of dicts, lists, tuples and objects")
    seen = seen + (value,)
    node, cls, keys, items = _children(value)
    children: list[TreeKind | Leaf | StaticLeaf] = []
    for key, item in zip(keys, items):
        kind = type(item)
        if kind is np.ndarray or kind is float:
            children.append(_leaf(kind_of_value(item), kind is float or item.dtype.kind in "fc"))
            continue
        sub = f"{path}[{key!r}]" if node != "object" else f"{path}.{key}"
        if _is_static(item):
            children.append(StaticLeaf(item))
        elif isinstance(item, dict) or is_plain_object(item) or (
                isinstance(item, (list, tuple)) and (differentiated or _has_structure(item))):
            children.append(tree_kind(item, differentiated, sub, depth + 1, seen))
        else:
            children.append(_leaf(kind_of_value(item), _is_float(item)))
    return TreeKind(node, cls, tuple(keys), tuple(children))


def _children(value):
    if isinstance(value, dict):
        for k in value:
            if type(k) is not str and (not isinstance(k, int) or isinstance(k, bool)):
                raise BadArgumentError(f"dict keys must be strings or integers, got {k!r}",
                                       hint="use string keys for parameter dicts")
        return "dict", type(value), list(value), list(value.values())
    if is_namedtuple_class(type(value)):
        return "object", type(value), list(value._fields), list(value)
    if isinstance(value, (list, tuple)):
        return ("list" if isinstance(value, list) else "tuple"), type(value), \
            list(range(len(value))), list(value)
    if dataclasses.is_dataclass(value):
        names = [f.name for f in dataclasses.fields(value)]
        return "object", type(value), names, [getattr(value, n) for n in names]
    attrs = vars(value)
    return "object", type(value), list(attrs), list(attrs.values())


def items_of(value) -> tuple[list, list]:
    """The keys and items of a structure, in the order its `TreeKind` lists them."""
    _, _, keys, items = _children(value)
    return keys, items


def flatten(value, kind: TreeKind) -> list:
    """The leaves of `value` (laid out as `kind`), in order."""
    out: list = []
    _flatten_into(value, kind, out)
    return out


def _flatten_into(value, kind: TreeKind, out: list) -> None:
    _, _, _, items = _children(value)
    for item, child in zip(items, kind.children):
        if isinstance(child, TreeKind):
            _flatten_into(item, child, out)
        elif isinstance(child, Leaf):
            out.append(item)


def leaf_count(kind: TreeKind) -> int:
    return sum(leaf_count(c) if isinstance(c, TreeKind) else isinstance(c, Leaf)
               for c in kind.children)


def leaves_of(kind: TreeKind) -> list:
    """The `Leaf` entries of a layout, in order (functions are not leaves)."""
    out = []
    for c in kind.children:
        if isinstance(c, TreeKind):
            out += leaves_of(c)
        elif isinstance(c, Leaf):
            out.append(c)
    return out


def float_leaves(kind: TreeKind) -> list:
    """For each leaf in order, whether it is differentiated."""
    return [leaf.is_float for leaf in leaves_of(kind)]


def unflatten(kind: TreeKind, leaves: list, like) -> Any:
    """A structure laid out like `like` whose leaves are `leaves` (None where a leaf has
    no gradient, and for functions)."""
    it = iter(leaves)
    return _build(kind, it, like)


def _build(kind: TreeKind, it, like):
    _, _, keys, items = _children(like)
    values = []
    for item, child in zip(items, kind.children):
        if isinstance(child, TreeKind):
            values.append(_build(child, it, item))
        elif isinstance(child, Leaf):
            values.append(next(it))
        else:
            values.append(None)
    if kind.node == "dict":
        out = like.__class__() if type(like) is not dict else {}
        out.update(zip(keys, values))
        return out
    if kind.node == "list":
        return values
    if kind.node == "tuple":
        return tuple(values)
    cls = kind.cls
    if is_namedtuple_class(cls):
        return cls(*values)
    out = copy.copy(like)
    for k, v in zip(keys, values):
        object.__setattr__(out, k, v)
    return out


def is_number(value) -> bool:
    return isinstance(value, (numbers.Number, np.ndarray, np.generic))
