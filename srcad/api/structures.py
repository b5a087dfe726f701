"""Structured arguments (dicts, lists, tuples, objects) as every API takes them: their
kinds (a `TreeKind` per structure, checked) and, in forward mode, the tangent laid out
like such an argument, checked against it and split into the tangents of its leaves."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from srcad.api.arguments import check_tree, fn_loc, param_names, tangent_like
from srcad.errors import BadArgumentError
from srcad.ir.kinds import kind_of_value
from srcad.lower.classes import is_namedtuple_class
from srcad.lower.pytree import Leaf, StaticLeaf, TreeKind, is_structured, items_of, tree_kind


def argument_kinds(fn: Callable, api: str, values: list, positions: tuple) -> tuple:
    """The kind of each argument: a checked `TreeKind` for a structure (a dict, an
    object, a differentiated list or tuple: generated code takes its leaves), else the
    kind of its value."""
    names = param_names(fn)
    kinds = tuple(tree_kind(v, i in positions, f"argument '{names[i]}'")
                  if is_structured(v, i in positions) else kind_of_value(v)
                  for i, v in enumerate(values))
    for i, kind in enumerate(kinds):
        if isinstance(kind, TreeKind):
            check_tree(fn, api, names[i], values[i], kind, i in positions, True)
    return kinds


def tree_tangents(tangent: Any, primal: Any, kind: TreeKind, fn: Callable,
                  name: str) -> list:
    """The tangents of a structured argument's float leaves, in leaf order (as generated
    code takes them), from a tangent laid out like the argument: the same containers and
    keys, a float or float array shaped like each float leaf, and None (or a zero) for
    integer leaves and functions. Anything else is a `BadArgumentError` naming the
    argument and the place in it."""
    out: list = []
    _tangent_leaves(tangent, primal, kind, fn, name, out)
    return out


def _tangent_leaves(tangent: Any, primal: Any, kind: TreeKind, fn: Callable, path: str,
                    out: list) -> None:
    items = _tangent_items(tangent, kind, fn, path)
    _, primal_items = items_of(primal)
    for key, t, v, child in zip(kind.keys, items, primal_items, kind.children):
        sub = f"{path}.{key}" if kind.node == "object" else f"{path}[{key!r}]"
        if isinstance(child, TreeKind):
            _tangent_leaves(t, v, child, fn, sub, out)
        elif isinstance(child, Leaf) and child.is_float:
            out.append(tangent_like(t, v, fn, sub))
        elif t is not None and t is not v and not _is_zero(t):
            what = "an integer or bool" if isinstance(child, Leaf) else "a function"
            raise BadArgumentError(
                f"the tangent for '{sub}' must be None: the argument holds {what} there, "
                f"which has no tangent (got {_describe(t)})", fn_loc(fn),
                "pass None for integer, bool and function leaves")


def _tangent_items(tangent: Any, kind: TreeKind, fn: Callable, path: str,
                   what: str = "tangent", of: str = "argument") -> list:
    """The items of a structure's tangent (or adjoint: `what`), in the order of the
    argument's (or output's: `of`) keys."""
    n = len(kind.keys)
    if kind.node == "dict":
        expected = f"a dict with the keys {list(kind.keys)}"
        if isinstance(tangent, dict) and len(tangent) == n and \
                all(k in tangent for k in kind.keys):
            return [tangent[k] for k in kind.keys]
    elif kind.node in ("list", "tuple"):
        # a list for a tuple (or the reverse) lays out the same items: taken
        expected = f"a {kind.node} of {n} item{'s' * (n != 1)}"
        if type(tangent) in (list, tuple) and len(tangent) == n:
            return list(tangent)
    else:
        expected = f"a {kind.cls.__name__} with the attributes {list(kind.keys)}"
        if type(tangent) is kind.cls:
            keys, items = items_of(tangent)
            if sorted(map(str, keys)) == sorted(map(str, kind.keys)):
                found = dict(zip(keys, items))
                return [found[k] for k in kind.keys]
    if what != "tangent":
        raise BadArgumentError(
            f"the {what} for '{path}' must be laid out like the {of}: {expected}, got "
            f"{_describe(tangent)}", fn_loc(fn),
            f"pass {what}s with the {of}'s structure (the same containers and keys), a "
            "number or array shaped like each of its values")
    raise BadArgumentError(
        f"the tangent for '{path}' must be laid out like the argument: {expected}, got "
        f"{_describe(tangent)}", fn_loc(fn),
        "pass a tangent with the argument's structure (the same containers and keys), "
        "with a float or float array shaped like each float leaf and None for integer "
        "leaves")


def _is_zero(value: Any) -> bool:
    if not isinstance(value, (numbers.Number, np.ndarray, np.generic)):
        return False
    try:
        return not np.any(np.asarray(value))
    except (TypeError, ValueError):
        return False


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, dict):
        return f"a dict with the keys {list(value)}"
    if isinstance(value, (list, tuple)):
        n = len(value)
        return f"a {type(value).__name__} of {n} item{'s' * (n != 1)}"
    name = type(value).__name__
    return "None" if value is None else f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


# -- structured outputs: a function returning a dict, an object or a namedtuple (or a
# tuple or list holding one) returns, in generated code, the tuple of its leaves; its
# layout (a TreeKind the lowering recorded: lowering.OutputTree) rebuilds it.


def output_tree(module: Any) -> TreeKind | None:
    """The layout of the structured output a generated module returns as the tuple of
    its leaves, or None (a number, an array, or a tuple or list of them)."""
    return getattr(module, "output_tree", None)


def build_output(kind: TreeKind, leaves: Sequence, statics: bool = True) -> Any:
    """The output laid out as `kind`, with `leaves` (in order) as its values; a string,
    function or class in it (a `StaticLeaf`) is put back as it is (None with
    `statics=False`: in a tangent or a Jacobian)."""
    it = iter(leaves)
    return _build_output(kind, it, statics)


def _build_output(kind: TreeKind, it: Iterator, statics: bool) -> Any:
    values = [_build_output(child, it, statics) if isinstance(child, TreeKind) else
              (child.value if statics else None) if isinstance(child, StaticLeaf) else
              next(it) for child in kind.children]
    if kind.node == "dict":
        out = kind.cls() if isinstance(kind.cls, type) and issubclass(kind.cls, dict) else {}
        out.update(zip(kind.keys, values))
        return out
    if kind.node in ("list", "tuple"):
        return list(values) if kind.node == "list" else tuple(values)
    cls = kind.cls
    if is_namedtuple_class(cls):
        return cls(*values)
    if dataclasses.is_dataclass(cls):
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if set(fields) == set(kind.keys) and all(f.init for f in fields.values()):
            factory: Any = kind.cls
            return factory(**dict(zip(kind.keys, values)))
    obj = object.__new__(cls)
    for key, value in zip(kind.keys, values):
        object.__setattr__(obj, key, value)
    return obj


def output_adjoints(adjoint: Any, kind: TreeKind, fn: Callable) -> tuple:
    """The adjoints of a structured output's leaves, in order, from an adjoint laid out
    like the output (the same containers and keys; anything, None say, where the
    output holds a string or a function)."""
    out: list = []
    _adjoint_leaves(adjoint, kind, fn, "output", out)
    return tuple(out)


def _adjoint_leaves(adjoint: Any, kind: TreeKind, fn: Callable, path: str,
                    out: list) -> None:
    items = _tangent_items(adjoint, kind, fn, path, "adjoint", "output")
    for key, item, child in zip(kind.keys, items, kind.children):
        sub = f"{path}.{key}" if kind.node == "object" else f"{path}[{key!r}]"
        if isinstance(child, TreeKind):
            _adjoint_leaves(item, child, fn, sub, out)
        elif isinstance(child, Leaf):
            out.append(item)
