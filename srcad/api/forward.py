"""Forward mode: `jvp`, the output of a function and its directional derivative."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from srcad.api.arguments import check_differentiable, fn_loc, param_names, tangent_like
from srcad.api.tracing import annotate
from srcad.api.wrapper import Differentiated
from srcad.errors import BadArgumentError
from srcad.frontend.source import unwrap_function
from srcad.ir.kinds import kind_of_value
from srcad.pipeline import cache
from srcad.pipeline.compiler import compile_jvp


def jvp(fn: Callable, primals: Sequence, tangents: Sequence) -> tuple[Any, Any]:
    """Forward mode: the output of `fn` and its directional derivative.

    Parameters
    ----------
    fn : callable
        A Python function (or a function made by `srcad.grad`).
    primals : sequence
        One value per positional argument of `fn`.
    tangents : sequence
        One tangent per argument, shaped like it; None means "not differentiated".

    Returns
    -------
    output : object
        `fn(*primals)`.
    output_tangent : object
        The derivative of the output along the tangents, shaped like the output.
    """
    spec = getattr(fn, "__srcad_spec__", None)
    if spec is not None:
        assert isinstance(fn, Differentiated)
        function = fn.fn
    else:
        function = spec = unwrap_function(fn, "jvp")
    primals, tangents = list(primals), list(tangents)
    names = param_names(function)
    if len(primals) != len(names) or len(tangents) != len(names):
        raise BadArgumentError(
            f"srcad.jvp: '{function.__name__}' takes {len(names)} arguments; got "
            f"{len(primals)} primals and {len(tangents)} tangents", fn_loc(function),
            "pass one primal and one tangent (or None) per argument")
    positions = tuple(i for i, t in enumerate(tangents) if t is not None)
    if not positions:
        raise BadArgumentError("srcad.jvp: every tangent is None", fn_loc(function),
                               "give a tangent for at least one argument")
    for pos in positions:
        primals[pos] = check_differentiable(function, names[pos], primals[pos])
    kinds = tuple(map(kind_of_value, primals))
    module = cache.get_or_build(("jvp", spec, positions, kinds),
                                lambda: compile_jvp(spec, positions, kinds))
    ts = [tangent_like(tangents[p], primals[p], function, names[p]) for p in positions]
    try:
        return module.functions[0](*primals, *ts)
    except Exception as exc:
        annotate(exc, function)
        raise
