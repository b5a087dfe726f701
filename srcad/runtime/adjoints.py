"""Adjoint plumbing shared by every runtime helper: broadcasting back to an
operand's shape, zeros shaped like a value, and the adjoints of lists (never guessed)."""

from __future__ import annotations

import numpy as np


def unbroadcast(g, x):
    """Sum the adjoint `g` of a broadcast result back to the shape of operand `x`."""
    if type(g) is np.ndarray and type(x) is np.ndarray and g.shape == x.shape:
        return g
    x_shape = np.shape(x)
    g_shape = np.shape(g)
    if g_shape == x_shape:
        return g
    if not x_shape:
        return np.sum(g)
    extra = len(g_shape) - len(x_shape)
    if extra < 0:
        return np.broadcast_to(g, x_shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(x_shape) if n == 1 and g_shape[extra + i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if extra:
        g = np.reshape(g, x_shape)
    if np.shape(g) != x_shape:
        g = np.broadcast_to(g, x_shape)
    return g


class AdjointStructureError(RuntimeError):
    """Internal error: an adjoint does not have the structure of its value (say, an
    array where a list of 3 items was expected). srcad raises it instead of guessing;
    please report it with the function that caused it."""


def list_adjoint(d, count: int, what: str) -> list:
    """The adjoint `d` of a list of `count` items as a list of item adjoints.

    A list adjoint is a list or tuple of item adjoints, or an array whose leading axis
    runs over the items (NumPy made it from the list); the scalar 0.0 stands for zeros.
    Anything else is a bug in srcad, raised as `AdjointStructureError`."""
    if isinstance(d, (list, tuple)):
        if len(d) == count:
            return list(d)
    elif isinstance(d, np.ndarray) and d.ndim >= 1:
        if len(d) == count:
            return list(d)
    elif np.ndim(d) == 0 and d == 0:
        return [0.0] * count
    raise AdjointStructureError(
        f"srcad internal error in {what}: the adjoint of a list of {count} items is "
        f"{_describe(d)}; please report this with the function you differentiated")


def _describe(d) -> str:
    if isinstance(d, (list, tuple)):
        return f"a {type(d).__name__} of {len(d)} items"
    if isinstance(d, np.ndarray):
        return f"an array of shape {d.shape}"
    return f"the {type(d).__name__} {d!r}"


def shaped_items(items_adjoint: list, items) -> list:
    """Item adjoints, each zero shaped like its item where it stands for zeros."""
    return [zeros_like(x) if is_zero(g) and np.ndim(x) else g
            for g, x in zip(items_adjoint, items)]


def is_zero(d) -> bool:
    return not isinstance(d, (list, tuple, np.ndarray)) and np.ndim(d) == 0 and d == 0


def zeros_like(x):
    """A zero tangent or adjoint shaped like `x` (0.0 for scalars)."""
    if isinstance(x, np.ndarray):
        return np.zeros_like(x, dtype=np.result_type(x.dtype, np.float64)
                             if not np.issubdtype(x.dtype, np.floating) else x.dtype)
    if isinstance(x, (tuple, list)):
        return type(x)(zeros_like(v) for v in x)
    return 0.0


def broadcast_like(t, x):
    """A tangent `t` broadcast to the shape of the value `x` it belongs to (a list's is
    a list of its items' tangents; 0.0 stands for zeros)."""
    if isinstance(x, (list, tuple)):
        return shaped_items(list_adjoint(t, len(x), "broadcast_like"), x)
    if np.shape(t) == np.shape(x):
        return t
    return np.broadcast_to(t, np.shape(x))


def add_adjoints(a, b):
    """Two adjoints of the same value: lists and tuples add item by item (0.0 is zero;
    an array adjoint of a list runs over its items)."""
    a_seq, b_seq = isinstance(a, (list, tuple)), isinstance(b, (list, tuple))
    if a_seq or b_seq:
        count = len(a) if a_seq else len(b)
        return [add_adjoints(x, y) for x, y in zip(list_adjoint(a, count, "add_adjoints"),
                                                   list_adjoint(b, count, "add_adjoints"))]
    return a + b
