"""Results as the API returns them: each gradient with its argument's type, shape and
dtype, leaves put back into structures, outputs and adjoints checked."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from srcad.api.arguments import fn_loc, is_other_array
from srcad.errors import BadArgumentError
from srcad.lower.pytree import TreeKind, float_leaves, leaf_count, unflatten

# (PyPy has no reference counts: there every returned array is copied)
_getrefcount = getattr(sys, "getrefcount", lambda value: -1)


def _references(items: Sequence, ndarray: type = np.ndarray) -> list[int]:
    """The reference counts of the arrays among `items` (0 for anything else)."""
    return [_getrefcount(x) if type(x) is ndarray else 0 for x in items]


# How many references `_references` sees to an array that only its container holds.
_ONLY_IN_CONTAINER = _references((np.empty(0),))[0]


def owned_arrays(items: Sequence) -> list[bool]:
    """For each item the generated code returned, whether it is an array that nothing
    else refers to (made during the call, so it may go to the caller without a copy).

    An array that is also an argument, a value the function captured (a global, an
    attribute of a captured object, a module constant), a value a pullback saved, a
    view of any of them, or an item twice in `items` is not: handing it out would let
    the caller's `grad *= lr` change it. Call this on the container the generated code
    returned, before anything else holds its items.
    """
    only = _ONLY_IN_CONTAINER
    return [refs == only and x.base is None for x, refs in zip(items, _references(items))]


def as_like(grad: Any, like: Any, inputs: Sequence = (), owned: bool | None = None) -> Any:
    """A gradient with the type, shape and dtype of its argument.

    Arrays are copied unless they are fresh: never a view, a read-only array, or one of
    the caller's own arrays. `owned` (from `owned_arrays`, where the caller has it) says
    whether `grad` is an array no one else refers to; without it, an array that is not
    one of `inputs` counts as fresh.

    A gradient that is an array of another library (a dask array, computed from dask
    arguments) is returned as it is, lazy: not converted with `np.asarray` (which would
    compute it) and not copied (dask arrays are immutable); only cast to a NumPy
    argument's dtype or broadcast to its shape where it differs. For a float argument
    it is then a 0-d array.
    """
    if type(like) is float:
        if type(grad) is float:
            return grad
        if type(grad) is not np.float64 and type(grad) is not np.ndarray and \
                is_other_array(grad):
            return _other_like(grad, like)
        if np.ndim(grad) == 0 and not np.iscomplexobj(grad):
            return float(grad)
    if isinstance(like, (complex, np.complexfloating)) and np.ndim(grad) == 0:
        # a complex argument: dL/dx + 1j * dL/dy, complex even where it is real
        value = complex(np.asarray(grad).item())
        return type(like)(value) if isinstance(like, np.complexfloating) else value
    if np.iscomplexobj(grad) and not np.iscomplexobj(like):
        if any(is_other_array(x) and np.iscomplexobj(x) for x in inputs):
            raise BadArgumentError(
                "a complex array of another library than NumPy (dask) was passed: srcad "
                "takes them only when they are real (it knows a complex argument by "
                "NumPy's types)", hint="pass the real and imaginary parts as separate "
                "float arrays, or a NumPy array (docs/integrations_dask.md)")
        raise BadArgumentError("internal error: a real argument got a complex gradient; "
                               "please report this with the function you differentiated")
    if isinstance(like, np.ndarray):
        if type(grad) is np.ndarray and grad.shape == like.shape and \
                grad.dtype == like.dtype and grad.base is None and grad.flags.writeable and \
                (owned if owned is not None else not any(grad is x for x in inputs)):
            return grad
        if type(grad) is not np.ndarray and is_other_array(grad):
            return _other_like(grad, like)
        g = np.asarray(grad)
        if g.shape != like.shape:
            g = np.broadcast_to(g, like.shape)
        return np.array(g, dtype=like.dtype)
    if is_other_array(like) or is_other_array(grad):
        return _other_like(grad, like)
    if isinstance(like, np.floating):
        return type(like)(np.asarray(grad).item() if np.ndim(grad) == 0 else grad)
    if np.ndim(grad) != 0:
        raise BadArgumentError("internal error: a scalar argument got an array gradient "
                               f"of shape {np.shape(grad)}; please report this")
    return float(grad)


def _other_like(grad: Any, like: Any) -> Any:
    """The gradient of an argument where it or the gradient is another library's array
    (dask): lazy, with the argument's shape and dtype (the argument's zeros plus the
    gradient where that is a number, such as 0.0 where nothing depends on it)."""
    if not is_other_array(grad):
        grad = np.zeros_like(like) + grad  # (like is a dask array: so is this)
    shape = like.shape if hasattr(like, "shape") else ()
    dtype = like.dtype if hasattr(like, "dtype") else np.dtype(type(like))
    if tuple(grad.shape) != tuple(shape):
        grad = np.broadcast_to(grad, shape)
    return grad if grad.dtype == dtype else grad.astype(dtype)


def regroup(grads: Sequence, values: list, kinds: tuple, positions: tuple,
            flat: list) -> tuple:
    """Leaf gradients put back into the structure of each differentiated argument."""
    owned = owned_arrays(grads)
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
            out.append(as_like(grads.pop(0), value, values, owned.pop(0)))
            continue
        leaves = flat[starts[pos]: starts[pos] + leaf_count(kind)]
        shaped = [as_like(grads.pop(0), leaf, flat, owned.pop(0)) if is_float else None
                  for is_float, leaf in zip(float_leaves(kind), leaves)]
        out.append(unflatten(kind, shaped, value))
    return tuple(out)


def shaped_like_output(tangent: Any, output: Any) -> Any:
    """An output tangent shaped like its output: a zero the generated code kept as the
    scalar 0.0 becomes zeros of the output's shape (item by item in a tuple or list)."""
    if type(output) in (tuple, list) and type(tangent) in (tuple, list) and \
            len(tangent) == len(output):
        return type(output)(shaped_like_output(t, o) for t, o in zip(tangent, output))
    if isinstance(output, np.ndarray) and np.shape(tangent) != output.shape:
        try:
            return np.array(np.broadcast_to(tangent, output.shape))
        except ValueError:
            raise BadArgumentError(
                f"internal error: a tangent of shape {np.shape(tangent)} for an output of "
                f"shape {output.shape}; please report this with the function you "
                "differentiated") from None
    return tangent


def describe(value: Any) -> str:
    """A value's type (and shape, for arrays), for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list, dict)):
        return f"a {type(value).__name__} of {len(value)} items"
    if value is None or isinstance(value, (str, bool, complex, np.bool_, np.complexfloating)):
        return f"a {type(value).__name__} ({value!r})"
    return f"a {type(value).__name__}"


def output_hint(value: Any) -> str:
    """What to do about an output a gradient cannot start from."""
    if isinstance(value, (tuple, list, dict)):
        return (f"return one real scalar; for {type(value).__name__} outputs use srcad.vjp "
                "(or srcad.jacobian of each output)")
    if np.iscomplexobj(value):
        return "return a real scalar, such as np.abs(z) ** 2 or z.real"
    if isinstance(value, np.ndarray):
        return ("reduce the output to a scalar (e.g. np.sum), or use srcad.vjp or "
                "srcad.jacobian for array-valued functions")
    if value is None:
        return "return a real scalar (is a return statement missing?)"
    return "return a real scalar"


def check_adjoint(adjoint: Any, output: Any, fn: Callable) -> Any:
    """An output adjoint passed to a pullback, checked against the output's structure."""
    if isinstance(output, (tuple, list)):
        # (a list too: np.split's parts may differ in shape)
        what = type(output).__name__
        items = (tuple, list, np.ndarray) if isinstance(output, list) else (tuple, list)
        if not isinstance(adjoint, items) or len(adjoint) != len(output):
            raise BadArgumentError(
                f"the output of '{fn.__name__}' is a {what} of {len(output)}; the pullback "
                f"needs a {what} of {len(output)} adjoints", fn_loc(fn),
                "pass one adjoint per output")
        return type(output)(check_adjoint(a, o, fn) for a, o in zip(adjoint, output))
    if np.shape(adjoint) != np.shape(output):
        raise BadArgumentError(
            f"the adjoint passed to the pullback of '{fn.__name__}' has shape "
            f"{np.shape(adjoint)}, but the output has shape {np.shape(output)}",
            fn_loc(fn), "pass an adjoint shaped like the output")
    if np.iscomplexobj(adjoint) and not np.iscomplexobj(output):
        # the adjoint bw of w stands for the loss Re(sum(conj(bw) * w)) (docs/complex.md):
        # for a real w, an imaginary part is most likely a mistake
        if np.any(np.imag(adjoint) != 0):
            raise BadArgumentError(
                f"the adjoint passed to the pullback of '{fn.__name__}' is complex, but "
                "the output is real", fn_loc(fn),
                "pass a real adjoint for a real output (a complex adjoint is for a complex "
                "output: bw stands for the loss Re(sum(conj(bw) * w)))")
        adjoint = np.real(adjoint)
        return adjoint.item() if isinstance(adjoint, np.ndarray) and adjoint.ndim == 0 \
            and not isinstance(output, np.ndarray) else adjoint
    return adjoint
