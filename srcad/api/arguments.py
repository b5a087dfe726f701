"""Arguments as the API takes them: `wrt` resolved to positions, calls bound to
parameters, differentiated values checked, structures flattened into leaves."""

from __future__ import annotations

import inspect
import linecache
import numbers
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from srcad.errors import BadArgumentError, SourceLoc
from srcad.frontend.source import python_call_method
from srcad.lower.pytree import (
    Leaf,
    TreeKind,
    flatten,
    float_leaves,
    is_structured,
    items_of,
    tree_kind,
)

WrtSpec = int | str | Sequence[int | str] | None


def fn_loc(fn: Callable) -> SourceLoc | None:
    """Where `fn` is defined, for error messages (None for non-Python callables)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    line = code.co_firstlineno
    return SourceLoc(code.co_filename, line, 0, fn.__name__,
                     linecache.getline(code.co_filename, line))


def signature(fn: Callable) -> inspect.Signature:
    """The signature of `fn` itself: for a wrapper made with `functools.wraps`, the
    wrapper's (srcad differentiates the wrapper's code, not the function it wraps)."""
    return inspect.signature(fn, follow_wrapped=False)


def param_names(fn: Callable) -> list[str]:
    return list(signature(fn).parameters)


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


def default_wrt(fn: Callable, values: list, passed: int, start: int = 0) -> tuple:
    """The arguments `vjp` differentiates by default: each from `start` (after a bound
    method's object) to `passed` (those the caller gave by position) that holds floats
    or complex numbers: a float or complex number, a float or complex array, or a dict,
    list, tuple or object with such leaves."""
    positions = []
    for i, v in enumerate(values[:passed]):
        if i < start:
            continue
        if isinstance(v, (bool, np.bool_)):
            continue
        if is_inexact(v):
            positions.append(i)
        elif is_structured(v, True) and any(float_leaves(tree_kind(v, True))):
            positions.append(i)
    if not positions:
        raise BadArgumentError(f"srcad.vjp: no argument passed by position to "
                               f"'{fn.__name__}' holds floats or complex numbers",
                               fn_loc(fn), "pass float arguments, or choose them with wrt=")
    return tuple(positions)


def bind(fn: Callable, args: Sequence, kwargs: dict) -> list:
    """The value of each parameter of `fn` for this call, defaults filled in, in the
    signature's order (`*args` as one tuple, `**kwargs` as one dict)."""
    try:
        bound = signature(fn).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{fn.__name__}(): {exc}") from None
    bound.apply_defaults()
    return list(bound.arguments.values())


def takes_positional_only(fn: Callable) -> bool:
    """Whether every parameter of `fn` is an ordinary positional one (a call's
    positional arguments are then the parameters' values)."""
    plain = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return all(p.kind in plain for p in signature(fn).parameters.values())


def is_inexact(value: Any) -> bool:
    """Whether srcad differentiates with respect to `value` as it is: a float or a
    complex number (Python's or NumPy's), or a float or complex array.

    A complex argument `z = x + 1j * y` gets the gradient `dL/dx + 1j * dL/dy` and the
    tangent `dx + 1j * dy` (docs/complex.md)."""
    if isinstance(value, (float, complex, np.floating, np.complexfloating)):
        return not isinstance(value, bool)
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc"
    return is_other_float_array(value)


def is_other_array(value: Any) -> bool:
    """An array of another library that NumPy's functions dispatch to through
    `__array_function__` (a dask array): generated code runs on it as on an array."""
    return hasattr(type(value), "__array_function__") and not isinstance(value, np.ndarray) \
        and hasattr(value, "shape") and hasattr(value, "dtype")


def is_other_float_array(value: Any) -> bool:
    """Another library's array (`is_other_array`) of a real float dtype: differentiable.
    (A complex one is not: srcad knows a complex argument by NumPy's types.)"""
    return is_other_array(value) and getattr(value.dtype, "kind", None) == "f"


def check_differentiable(fn: Callable, name: str, value: Any) -> Any:
    """The value as srcad differentiates it (a float or complex number, a float or
    complex array), or a clear error.

    An integer has no gradient (nor a bool, a string, None): asking for one is refused,
    never answered with a zero or with the derivative of the float it would round to.
    """
    if is_inexact(value):
        return value
    what, hint = _why_not_differentiable(name, value)
    raise BadArgumentError(f"cannot differentiate with respect to '{name}': {what}",
                           fn_loc(fn), hint)


def _why_not_differentiable(name: str, value: Any) -> tuple[str, str]:
    """What a value srcad does not differentiate is, and what to do instead."""
    if isinstance(value, (bool, np.bool_)):
        return "it is a bool", "differentiate with respect to a float argument"
    if isinstance(value, numbers.Integral):
        return (f"it is the integer {value!r}, and an integer argument has no gradient",
                f"pass a float ({float(value)!r}) to differentiate at that point; if "
                f"'{name}' is a count, an index or a size, leave it out of wrt")
    if isinstance(value, np.ndarray):
        return (f"its dtype is {value.dtype}",
                f"pass a float array, e.g. {name}.astype(float)")
    if is_other_array(value):
        library = (type(value).__module__ or "").split(".")[0]
        if getattr(value.dtype, "kind", None) == "c":
            return (f"it is a complex {library} array",
                    "srcad differentiates arrays of other libraries than NumPy (dask) "
                    "only when they are real: pass the real and imaginary parts as "
                    "separate float arrays, or a NumPy array")
        return (f"it is a {library} array of dtype {value.dtype}",
                f"pass a float array, e.g. {name}.astype(float)")
    if isinstance(value, (list, tuple)):
        return (f"it is a {type(value).__name__}",
                "srcad.grad, value_and_grad and vjp take lists and tuples of floats and "
                "float arrays (the gradient has the same structure); here pass "
                "np.array(...) if the function uses it as an array")
    return (f"it is a {type(value).__name__}",
            "differentiate with respect to floats or float arrays")


def check_tree(fn: Callable, api: str, name: str, value: Any, kind: TreeKind,
               differentiated: bool, takes_trees: bool) -> None:
    """Refuse a structured argument (a dict, list, tuple, object) an API does not take,
    and a differentiated one holding no floats (there would be nothing to differentiate)."""
    if not takes_trees:
        what, hint = _why_not_differentiable(name, value)
        raise BadArgumentError(
            f"srcad.{api} takes floats and float arrays, but argument '{name}' is a "
            f"{type(value).__name__}", fn_loc(fn),
            hint if isinstance(value, (list, tuple)) else
            "pass the arrays as separate arguments, or use srcad.grad, value_and_grad or "
            "vjp, which take dicts, lists, tuples and objects")
    if differentiated:
        found = _other_array_item(value, kind, name)
        if found is not None:
            library = (type(found[1]).__module__ or "").split(".")[0]
            raise BadArgumentError(
                f"cannot differentiate with respect to '{name}': {found[0]} is a {library} "
                "array, and srcad differentiates arrays of other libraries than NumPy "
                "(dask) only where they are arguments of their own", fn_loc(fn),
                "pass it as a separate argument (differentiated with wrt), or as a "
                "NumPy array")
    if differentiated and not any(float_leaves(kind)):
        raise BadArgumentError(
            f"cannot differentiate with respect to '{name}': the {type(value).__name__} "
            "holds no floats (integers, bools and functions have no gradient)",
            fn_loc(fn), "pass floats (e.g. [1.0, 2.0] rather than [1, 2]), or leave it "
                        "out of wrt")


def _other_array_item(value: Any, kind: TreeKind, path: str) -> tuple[str, Any] | None:
    """Where a differentiated structure holds another library's array (a dask array:
    a leaf srcad would not differentiate): its path ("p['w']") and the array, or None."""
    if not any(isinstance(c, TreeKind) or (isinstance(c, Leaf) and not c.is_float)
               for c in kind.children):
        return None  # (the common case: float leaves only)
    _, items = items_of(value)
    for key, item, child in zip(kind.keys, items, kind.children):
        sub = f"{path}.{key}" if kind.node == "object" else f"{path}[{key!r}]"
        if isinstance(child, TreeKind):
            found = _other_array_item(item, child, sub)
            if found is not None:
                return found
        elif isinstance(child, Leaf) and not child.is_float and is_other_array(item):
            return sub, item
    return None


def bound_function(fn: Any) -> tuple[Any, tuple]:
    """A bound method or a callable object as (its function, (the object,)): the object
    is then passed as the first argument. Anything else as (fn, ())."""
    if isinstance(fn, types.MethodType) and isinstance(fn.__func__, types.FunctionType):
        return fn.__func__, (fn.__self__,)
    call = python_call_method(fn)
    return (call, (fn,)) if call is not None else (fn, ())


def tangent_like(tangent: Any, primal: Any, fn: Callable, name: str) -> Any:
    """Check one input tangent against its primal; returns it as srcad uses it (a
    complex argument's tangent is `dx + 1j * dy`, real or complex)."""
    if is_other_array(primal) or is_other_array(tangent):
        return _other_tangent(tangent, primal, fn, name)
    try:
        array = np.asarray(tangent)
    except ValueError:  # a ragged sequence
        array = np.asarray(None)
    complex_primal = np.iscomplexobj(primal)
    if array.dtype.kind not in ("fiuc" if complex_primal else "fiu"):
        if array.dtype.kind == "c":
            raise BadArgumentError(
                f"the tangent for '{name}' is complex, but '{name}' is real", fn_loc(fn),
                "pass a real tangent for a real argument (a complex tangent dx + 1j * dy "
                "is for a complex argument)")
        raise BadArgumentError(
            f"the tangent for '{name}' must be numbers shaped like the argument; got "
            f"a {type(tangent).__name__}" + (f" of dtype {array.dtype}"
                                             if isinstance(tangent, np.ndarray) else ""),
            fn_loc(fn), "pass a float tangent (a float, or a float array shaped like its "
                        "argument; complex for a complex argument)")
    if array.shape != np.shape(primal):
        raise BadArgumentError(
            f"the tangent for '{name}' has shape {array.shape} but the argument has "
            f"shape {np.shape(primal)}", fn_loc(fn), "pass a tangent shaped like its argument")
    if isinstance(primal, np.ndarray):
        return np.asarray(tangent, dtype=primal.dtype)
    if complex_primal:  # dx + 1j * dy, for z = x + 1j * y
        return complex(tangent)
    return float(tangent)


def _other_tangent(tangent: Any, primal: Any, fn: Callable, name: str) -> Any:
    """`tangent_like` where the primal or the tangent is another library's array (dask):
    checked by its dtype and shape, and not converted (which would compute it)."""
    dtype = getattr(tangent, "dtype", None)
    if dtype is None:
        dtype = np.asarray(tangent).dtype
    if np.dtype(dtype).kind not in "fiu":
        raise BadArgumentError(
            f"the tangent for '{name}' must be real numbers shaped like the argument; got "
            f"a {type(tangent).__name__} of dtype {dtype}", fn_loc(fn),
            "pass a float tangent shaped like its argument")
    if tuple(np.shape(tangent)) != tuple(np.shape(primal)):
        raise BadArgumentError(
            f"the tangent for '{name}' has shape {np.shape(tangent)} but the argument has "
            f"shape {np.shape(primal)}", fn_loc(fn), "pass a tangent shaped like its argument")
    like = np.result_type(primal.dtype if hasattr(primal, "dtype") else primal)
    if not hasattr(tangent, "dtype") or not hasattr(tangent, "astype"):
        return np.asarray(tangent, dtype=like)
    return tangent if tangent.dtype == like else tangent.astype(like)


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
