"""Arguments as the API takes them: `wrt` resolved to positions, calls bound to
parameters, differentiated values checked, structures flattened into leaves."""

from __future__ import annotations

import inspect
import linecache
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from srcad.errors import BadArgumentError, SourceLoc
from srcad.lower.pytree import TreeKind, flatten, float_leaves, is_structured, tree_kind

WrtSpec = int | str | Sequence[int | str] | None


def fn_loc(fn: Callable) -> SourceLoc | None:
    """Where `fn` is defined, for error messages (None for non-Python callables)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    line = code.co_firstlineno
    return SourceLoc(code.co_filename, line, 0, fn.__name__,
                     linecache.getline(code.co_filename, line))


def param_names(fn: Callable) -> list[str]:
    return list(inspect.signature(fn).parameters)


def resolve_wrt(fn: Callable, wrt: WrtSpec, api: str) -> tuple[tuple, bool]:
    """Positions of the differentiated parameters, and whether one was asked for."""
    names = param_names(fn)
    items: list[Any]
    if isinstance(wrt, (tuple, list)):
        single, items = False, list(wrt)
    else:
        single, items = True, [wrt]
    if not items:
        raise BadArgumentError(f"{api}: 'wrt' is empty", fn_loc(fn),
                               "name at least one argument to differentiate")
    positions: list[int] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise BadArgumentError(
                f"{api}: 'wrt' must be an argument index or name, got {item!r}",
                fn_loc(fn), f"use an index in 0..{len(names) - 1} or one of {names}")
        if isinstance(item, str):
            if item not in names:
                raise BadArgumentError(
                    f"{api}: '{fn.__name__}' has no argument named '{item}'", fn_loc(fn),
                    f"use one of {names}")
            pos = names.index(item)
        else:
            pos = item + len(names) if item < 0 else item
            if not 0 <= pos < len(names):
                raise BadArgumentError(
                    f"{api}: wrt={item} is out of range: '{fn.__name__}' has "
                    f"{len(names)} argument(s)", fn_loc(fn),
                    f"use an index in 0..{len(names) - 1} or one of {names}")
        if pos in positions:
            raise BadArgumentError(f"{api}: argument '{names[pos]}' is listed twice in 'wrt'",
                                   fn_loc(fn), "list each argument once")
        positions.append(pos)
    return tuple(positions), single


def shift_wrt(wrt: Any) -> Any:
    """`wrt` of a bound method, as positions of its function (whose first is `self`)."""
    if isinstance(wrt, tuple):
        return tuple(shift_wrt(w) for w in wrt)
    if isinstance(wrt, list):
        return [shift_wrt(w) for w in wrt]
    if isinstance(wrt, int) and not isinstance(wrt, bool) and wrt >= 0:
        return wrt + 1
    return wrt


def default_wrt(fn: Callable, values: list) -> tuple:
    """Every positional argument that holds floats (what `vjp` differentiates by default)."""
    positions = []
    for i, v in enumerate(values):
        if isinstance(v, (bool, np.bool_)):
            continue
        if isinstance(v, (float, np.floating)) or (
                isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating)):
            positions.append(i)
        elif is_structured(v, True) and not isinstance(v, (tuple, list)) and \
                any(float_leaves(tree_kind(v, True))):
            positions.append(i)  # a dict, dataclass or object holding floats
    if not positions:
        raise BadArgumentError(f"srcad.vjp: no argument of '{fn.__name__}' holds floats",
                               fn_loc(fn), "pass float arguments, or choose them with wrt=")
    return tuple(positions)


def bind(fn: Callable, args: Sequence, kwargs: dict) -> list:
    """The value of each parameter of `fn` for this call, defaults filled in."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{fn.__name__}(): {exc}") from None
    bound.apply_defaults()
    return list(bound.args)


def check_differentiable(fn: Callable, name: str, value: Any) -> Any:
    """The value as srcad differentiates it, or a clear error."""
    if isinstance(value, (bool, np.bool_)):
        raise BadArgumentError(f"cannot differentiate with respect to '{name}': it is a bool",
                               fn_loc(fn), "differentiate with respect to a float argument")
    if isinstance(value, numbers.Integral):
        return float(value)
    if isinstance(value, (float, np.floating)):
        return value
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.floating):
            return value
        kind = "complex" if np.iscomplexobj(value) else str(value.dtype)
        raise BadArgumentError(
            f"cannot differentiate with respect to '{name}': its dtype is {kind}",
            fn_loc(fn), f"pass a float array, e.g. {name}.astype(float)")
    if isinstance(value, (complex, np.complexfloating)):
        raise BadArgumentError(f"cannot differentiate with respect to '{name}': it is complex",
                               fn_loc(fn), "split it into real and imaginary parts")
    raise BadArgumentError(
        f"cannot differentiate with respect to '{name}': it is a {type(value).__name__}",
        fn_loc(fn), "differentiate with respect to floats or float arrays")


def tangent_like(tangent: Any, primal: Any, fn: Callable, name: str) -> Any:
    """Check one input tangent against its primal; returns it as srcad uses it."""
    if np.shape(tangent) != np.shape(primal):
        raise BadArgumentError(
            f"the tangent for '{name}' has shape {np.shape(tangent)} but the argument has "
            f"shape {np.shape(primal)}", fn_loc(fn), "pass a tangent shaped like its argument")
    if isinstance(primal, np.ndarray):
        return np.asarray(tangent, dtype=primal.dtype)
    return float(tangent)


def flat_values(values: list, kinds: tuple) -> list:
    """The arguments as generated code takes them: structures replaced by their leaves."""
    if not any(isinstance(k, TreeKind) for k in kinds):
        return values
    flat = []
    for v, k in zip(values, kinds):
        if isinstance(k, TreeKind):
            flat.extend(flatten(v, k))
        else:
            flat.append(v)
    return flat
