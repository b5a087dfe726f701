"""Forward mode: `jvp`, the output of a function and its directional derivative."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from srcad.api.arguments import (
    bind,
    check_differentiable,
    flat_values,
    fn_loc,
    param_names,
    tangent_like,
)
from srcad.api.results import regroup, shaped_like_output
from srcad.api.structures import argument_kinds, build_output, output_tree, tree_tangents
from srcad.api.tracing import call_generated
from srcad.api.wrapper import Differentiated, check_finite_option, finite_key
from srcad.errors import BadArgumentError
from srcad.frontend.source import unwrap_function
from srcad.lower.pytree import TreeKind, is_structured
from srcad.pipeline import cache
from srcad.pipeline.compiler import compile_jvp
from srcad.pipeline.unit import Derived


def jvp(fn: Callable, primals: Sequence, tangents: Sequence, /,
        check_finite: bool | None = None, **kwargs: Any) -> tuple[Any, Any]:
    """Forward mode: the output of `fn` and its directional derivative.

    Parameters
    ----------
    fn : callable
        A Python function (or a function made by `srcad.grad`).
    primals : tuple or list
        The positional arguments of `fn`; parameters left out take their defaults. An
        argument may be a structure (a dict, list, tuple, dataclass, namedtuple or
        object with float leaves).
    tangents : tuple or list
        One tangent per primal, laid out like it; None means "not differentiated".
    check_finite : bool, optional
        Check every value and tangent for NaN and Inf where it is computed (see
        `srcad.grad`; docs/nan.md). By default, on for a function srcad made with
        the checks on, or where `SRCAD_CHECK_FINITE=1`.
    **kwargs
        Keyword arguments of `fn` (not differentiated).

    Returns
    -------
    output : object
        `fn(*primals, **kwargs)`: a number, an array, or a structure of them (a tuple,
        list, dict, dataclass, namedtuple or object, nested too).
    output_tangent : object
        The derivative of the output along the tangents, shaped like the output (zeros
        included), in the output's structure.
    """
    spec = getattr(fn, "__srcad_spec__", None)
    if spec is not None:
        assert isinstance(fn, Differentiated)
        function = fn.fn
    else:
        function = spec = unwrap_function(fn, "jvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise BadArgumentError(
            "srcad.jvp takes the primals and the tangents as tuples (or lists), one item "
            "per argument", fn_loc(function), "call srcad.jvp(f, (x,), (v,))")
    if len(tangents) != len(primals):
        raise BadArgumentError(
            f"srcad.jvp: got {len(primals)} primals but {len(tangents)} tangents",
            fn_loc(function), "pass one tangent (or None) per primal")
    try:
        values = bind(function, primals, kwargs)
    except TypeError as exc:
        raise BadArgumentError(
            f"srcad.jvp: the primals do not match the {len(param_names(function))} "
            f"arguments of '{function.__name__}' ({exc})", fn_loc(function),
            "pass one primal per positional argument (those with defaults may be left "
            "out) and one tangent (or None) per primal") from None
    names = param_names(function)
    positions = tuple(i for i, t in enumerate(tangents) if t is not None)
    if not positions:
        raise BadArgumentError("srcad.jvp: every tangent is None", fn_loc(function),
                               "give a tangent for at least one argument")
    for pos in positions:
        if not is_structured(values[pos], True):
            values[pos] = check_differentiable(function, names[pos], values[pos])
    # a dict, list, tuple or object is passed as its leaves, as in reverse mode; its
    # tangent is laid out like it, and passed as the tangents of its float leaves
    kinds = argument_kinds(function, "jvp", values, positions)
    check = check_finite_option(check_finite, fn)
    module = cache.get_or_build(("jvp", spec, positions, kinds) + finite_key(check),
                                lambda: compile_jvp(spec, positions, kinds, check))
    ts: list = []
    for p in positions:
        if isinstance(kinds[p], TreeKind):
            ts += tree_tangents(tangents[p], values[p], kinds[p], function, names[p])
        else:
            ts.append(tangent_like(tangents[p], values[p], function, names[p]))
    api = "grad" if isinstance(spec, Derived) else "jvp"  # grad's refusals are grad's
    flat = flat_values(values, kinds)
    value, tangent = call_generated(module.functions[0], [*flat, *ts], function, api)
    tangent = _not_an_input(tangent, (*flat, *ts))
    if isinstance(spec, Derived) and any(isinstance(kinds[p], TreeKind) for p in spec.wrt):
        # the gradient of a structure: generated code gives the leaves' (and their tangents)
        value, tangent = (_structured(leaves, spec, values, kinds, flat)
                          for leaves in (value, tangent))
    tree = output_tree(module)
    if tree is not None:
        # a dict, object or namedtuple output: generated code returns its leaves
        tangent = shaped_like_output(tangent, value)
        return build_output(tree, value), build_output(tree, tangent, statics=False)
    return value, shaped_like_output(tangent, value)


def _not_an_input(tangent: Any, inputs: tuple) -> Any:
    """The output tangent, with a copy of any array that is one of the call's own inputs
    (the tangent of `x * 1.0` is the caller's tangent array itself: the caller's
    `t_out *= 2` must not change it)."""
    if type(tangent) in (tuple, list):
        return type(tangent)(_not_an_input(t, inputs) for t in tangent)
    if isinstance(tangent, np.ndarray) and any(tangent is x or (
            isinstance(x, np.ndarray) and np.may_share_memory(tangent, x)) for x in inputs):
        return tangent.copy()
    return tangent


def _structured(leaves: Any, spec: Derived, values: list, kinds: tuple, flat: list) -> Any:
    """Leaf gradients of `spec` (or their tangents) put back into the structures of the
    arguments it differentiates."""
    out = regroup(leaves if isinstance(leaves, tuple) else (leaves,), values, kinds,
                  spec.wrt, flat)
    return out[0] if spec.single else out
