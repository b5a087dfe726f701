"""`srcad.source`: the generated Python behind a function srcad made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from srcad.api.forward import jvp
from srcad.api.reverse import vjp
from srcad.errors import BadArgumentError

_COMPUTES_VALUES = {
    jvp: "call srcad.source(srcad.jacobian(f, mode='forward'), *args) for the forward-mode "
         "code of f",
    vjp: "call output, pullback = srcad.vjp(f, *args), then srcad.source(pullback)",
}


def source(fn: Callable, *example_args: Any, **example_kwargs: Any) -> str:
    """The generated Python source of a srcad-produced function.

    Parameters
    ----------
    fn : callable
        A function returned by `grad`, `value_and_grad`, `jacobian`, `hessian` or
        `hvp`, or a `vjp` pullback.
    *example_args, **example_kwargs
        Optional example arguments, as the function takes them (for `hvp`, the
        direction may be left out): the code is specialized on whether each
        argument is a scalar or an array. Without them, the code of the most
        recent call is shown (or a version for arguments of any kind).

    Returns
    -------
    str
        The generated module's source.
    """
    hint = _COMPUTES_VALUES.get(fn)
    if hint is not None:
        raise BadArgumentError(
            f"srcad.{fn.__name__} computes values, not a function: it has no generated "
            "code of its own to show", hint=hint)
    getter = getattr(fn, "__srcad_source__", None)
    if getter is None:
        raise BadArgumentError(f"srcad.source needs a function made by srcad; got {fn!r}",
                               hint="pass the result of srcad.grad, value_and_grad, jacobian, "
                                    "hessian or hvp, or a vjp pullback")
    return getter(*example_args, **example_kwargs)
