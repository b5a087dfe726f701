"""Forward mode: `jvp`, the output of a function and its directional derivative."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from srcad.api.arguments import bind, check_differentiable, fn_loc, param_names, tangent_like
from srcad.api.results import shaped_like_output
from srcad.api.tracing import call_generated
from srcad.api.wrapper import Differentiated
from srcad.errors import BadArgumentError
from srcad.frontend.source import unwrap_function
from srcad.ir.kinds import kind_of_value
from srcad.pipeline import cache
from srcad.pipeline.compiler import compile_jvp
from srcad.pipeline.unit import Derived


def jvp(fn: Callable, primals: Sequence, tangents: Sequence, /,
        **kwargs: Any) -> tuple[Any, Any]:
    """Forward mode: the output of `fn` and its directional derivative.

    Parameters
    ----------
    fn : callable
        A Python function (or a function made by `srcad.grad`).
    primals : tuple or list
        The positional arguments of `fn`; parameters left out take their defaults.
    tangents : tuple or list
        One tangent per primal, shaped like it; None means "not differentiated".
    **kwargs
        Keyword arguments of `fn` (not differentiated).

    Returns
    -------
    output : object
        `fn(*primals, **kwargs)`.
    output_tangent : object
        The derivative of the output along the tangents, shaped like the output (zeros
        included).
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
        values[pos] = check_differentiable(function, names[pos], values[pos])
    kinds = tuple(map(kind_of_value, values))
    module = cache.get_or_build(("jvp", spec, positions, kinds),
                                lambda: compile_jvp(spec, positions, kinds))
    ts = [tangent_like(tangents[p], values[p], function, names[p]) for p in positions]
    api = "grad" if isinstance(spec, Derived) else "jvp"  # grad's refusals are grad's
    value, tangent = call_generated(module.functions[0], [*values, *ts], function, api)
    return value, shaped_like_output(tangent, value)
