"""Results as the API returns them: each gradient with its argument's type, shape and
dtype, leaves put back into structures, outputs and adjoints checked."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from srcad.api.arguments import fn_loc
from srcad.errors import BadArgumentError
from srcad.lower.pytree import TreeKind, float_leaves, leaf_count, unflatten


def as_like(grad: Any, like: Any, inputs: Sequence = ()) -> Any:
    """A gradient with the type, shape and dtype of its argument.

    Arrays are copied unless they are fresh: never a view, a read-only array, or one of
    the caller's own arrays.
    """
    if type(like) is float:
        if type(grad) is float:
            return grad
        if np.ndim(grad) == 0 and not np.iscomplexobj(grad):
            return float(grad)
    if np.iscomplexobj(grad) and not np.iscomplexobj(like):
        raise BadArgumentError("internal error: a real argument got a complex gradient; "
                               "please report this with the function you differentiated")
    if isinstance(like, np.ndarray):
        if type(grad) is np.ndarray and grad.shape == like.shape and \
                grad.dtype == like.dtype and grad.base is None and grad.flags.writeable and \
                not any(grad is x for x in inputs):
            return grad
        g = np.asarray(grad)
        if g.shape != like.shape:
            g = np.broadcast_to(g, like.shape)
        return np.array(g, dtype=like.dtype)
    if isinstance(like, np.floating):
        return type(like)(np.asarray(grad).item() if np.ndim(grad) == 0 else grad)
    if np.ndim(grad) != 0:
        raise BadArgumentError("internal error: a scalar argument got an array gradient "
                               f"of shape {np.shape(grad)}; please report this")
    return float(grad)


def regroup(grads: Sequence, values: list, kinds: tuple, positions: tuple,
            flat: list) -> tuple:
    """Leaf gradients put back into the structure of each differentiated argument."""
    grads = list(grads)
    out = []
    start = 0
    starts = []
    for k in kinds:
        starts.append(start)
        start += leaf_count(k) if isinstance(k, TreeKind) else 1
    for pos in positions:
        kind, value = kinds[pos], values[pos]
        if not isinstance(kind, TreeKind):
            out.append(as_like(grads.pop(0), value, values))
            continue
        leaves = flat[starts[pos]: starts[pos] + leaf_count(kind)]
        shaped = [as_like(grads.pop(0), leaf, flat) if is_float else None
                  for is_float, leaf in zip(float_leaves(kind), leaves)]
        out.append(unflatten(kind, shaped, value))
    return tuple(out)


def is_scalar_output(value: Any) -> bool:
    """Whether a function's output is a real scalar (what `grad` differentiates)."""
    if type(value) is float:
        return True
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (numbers.Real, np.floating, np.integer)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and \
        np.issubdtype(value.dtype, np.number) and not np.iscomplexobj(value)


def describe(value: Any) -> str:
    """A value's type (and shape, for arrays), for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__}" + (f" ({value!r})" if value is None or
                                          isinstance(value, str) else "")


def check_adjoint(adjoint: Any, output: Any, fn: Callable) -> Any:
    """An output adjoint passed to a pullback, checked against the output's structure."""
    if isinstance(output, tuple):
        if not isinstance(adjoint, (tuple, list)) or len(adjoint) != len(output):
            raise BadArgumentError(
                f"the output of '{fn.__name__}' is a tuple of {len(output)}; the pullback "
                f"needs a tuple of {len(output)} adjoints", fn_loc(fn),
                "pass one adjoint per output")
        return tuple(check_adjoint(a, o, fn) for a, o in zip(adjoint, output))
    if np.shape(adjoint) != np.shape(output):
        raise BadArgumentError(
            f"the adjoint passed to the pullback of '{fn.__name__}' has shape "
            f"{np.shape(adjoint)}, but the output has shape {np.shape(output)}",
            fn_loc(fn), "pass an adjoint shaped like the output")
    return adjoint
