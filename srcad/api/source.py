"""`srcad.source`: the generated Python behind a function srcad made."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

from srcad.api.display import pygments_or_none
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


def show(fn: Any, *example_args: Any, file: TextIO | None = None,
         **example_kwargs: Any) -> None:
    """Print the generated code of a function made by srcad.

    Parameters
    ----------
    fn : callable
        What `srcad.grad`, `value_and_grad`, `jacobian`, `hessian` or `hvp` returned, or a
        `vjp` pullback.
    *example_args, **example_kwargs
        Example arguments, as for `srcad.source`.
    file : text stream, optional
        Where to print (default: standard output). On a terminal the code is syntax
        highlighted when pygments is installed.
    """
    text = source(fn, *example_args, **example_kwargs)
    out = file if file is not None else sys.stdout
    pygments = pygments_or_none()
    if pygments is not None and getattr(out, "isatty", lambda: False)():
        text = pygments.highlight(text, pygments.lexers.PythonLexer(),
                                  pygments.formatters.TerminalFormatter())
    print(text, file=out)
