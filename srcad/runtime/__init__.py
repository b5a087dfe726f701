"""Helpers that generated code calls. Kept small: generated code should read like math."""

from __future__ import annotations

import numpy as np

from srcad.errors import UnsupportedSyntaxError
from srcad.runtime.adjoints import (  # noqa: F401  (generated code imports them from here too)
    add_adjoints,
    broadcast_like,
    list_adjoint,
    unbroadcast,
    zeros_like,
)


def any_other_array(*values) -> bool:
    """Whether any of `values` is an array of another library that NumPy's functions
    dispatch to through `__array_function__` (a dask or CuPy array), not a NumPy array.
    Generated code runs on such arrays through that dispatch; the helpers here then
    avoid `np.asarray` (which would compute a dask array) and branches on the data."""
    for v in values:
        if hasattr(type(v), "__array_function__") and not isinstance(v, np.ndarray):
            return True
    return False


def _as_array(value):
    """`value` as an array: an array of any library as it is, anything else with
    `np.asarray`."""
    return value if hasattr(value, "ndim") else np.asarray(value)


def unreduce(g, x, axis=None, keepdims=False):
    """Spread the adjoint of a sum over `axis` back over `x`'s shape."""
    shape = np.shape(x)
    if axis is not None and not keepdims:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        ndim = len(shape)
        g = np.expand_dims(g, tuple(sorted(a % ndim for a in axes)))
    return np.broadcast_to(g, shape)


def reduced_count(x, axis=None):
    """How many elements each output of a reduction over `axis` summed."""
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


def index_adjoint(g, x, index):
    """The adjoint of `x` from the adjoint `g` of `x[index]`."""
    if isinstance(x, (list, tuple)):
        out = [0.0] * len(x)
        if isinstance(index, slice):
            for pos, item in zip(range(*index.indices(len(x))), g):
                out[pos] = item
        else:
            out[index] = g
        return type(x)(out) if isinstance(x, tuple) else out
    if (type(x) is not np.ndarray or type(g) is not np.ndarray) and any_other_array(g, x):
        return _index_adjoint_other(g, x, index)
    x = np.asarray(x)
    out = np.zeros(x.shape, dtype=np.result_type(x.dtype, np.asarray(g).dtype))
    np.add.at(out, index, g)
    return out


def _index_adjoint_other(g, x, index):
    """`index_adjoint` where `x` or `g` is another library's array (dask): x's shape and
    dtype are read, x is not computed. A basic index (integers, slices of step 1 or -1,
    None, Ellipsis) selects each element at most once: its adjoint is `g` padded with
    zeros (lazy). Any other index (a step, an array of indices, a mask) may select an
    element twice: there `g` is computed and added with np.add.at (dask has no lazy
    scatter-add, and its item assignment is not reliable enough to build one)."""
    shape = tuple(np.shape(x))
    x_dtype = x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype
    dtype = np.result_type(x_dtype, g.dtype if hasattr(g, "dtype") else np.asarray(g).dtype)
    padded = _padded_adjoint(g, shape, index)
    if padded is not None:
        return padded if padded.dtype == dtype else padded.astype(dtype)
    g = np.asarray(g)
    out = np.zeros(shape, dtype=dtype)
    np.add.at(out, index, g)
    return out


def _padded_adjoint(g, shape, index):
    """The adjoint of `x[index]` for a basic index, as `g` padded with zeros to `shape`;
    None for any other index."""
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if not (item is None or item is Ellipsis or isinstance(item, slice) or (
                isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)))):
            return None
    used = sum(1 for item in items if item is not None and item is not Ellipsis)
    ellipses = [i for i, item in enumerate(items) if item is Ellipsis]
    if len(ellipses) > 1 or used > len(shape):
        return None
    fill = (slice(None),) * (len(shape) - used)
    items = items[:ellipses[0]] + fill + items[ellipses[0] + 1:] if ellipses else items + fill
    selected = np.broadcast_to(np.empty(()), shape)[index].shape  # (a view: no memory)
    if 0 in selected:
        return np.zeros(shape)  # nothing selected
    g = np.broadcast_to(g, selected)  # (an adjoint smaller than x[index] broadcasts)
    new_axes = tuple(i for i, item in enumerate(
        [item for item in items if not isinstance(item, (int, np.integer))]) if item is None)
    if new_axes:
        g = np.reshape(g, tuple(n for i, n in enumerate(g.shape) if i not in new_axes))
    pads = []
    for axis, (item, n) in enumerate(zip([item for item in items if item is not None],
                                         shape)):
        if isinstance(item, slice):
            start, stop, step = item.indices(n)
            if step == 1:
                pads.append((start, n - max(stop, start)))
            elif step == -1:
                g = np.flip(g, axis)
                pads.append((max(stop, -1) + 1 if stop < start else n, n - 1 - start
                             if stop < start else 0))
            else:
                return None
        else:
            g = np.expand_dims(g, axis)
            i = int(item) % n
            pads.append((i, n - 1 - i))
    return np.pad(g, pads) if any(p != (0, 0) for p in pads) else g


def transpose_adjoint(g, axes=None):
    """The adjoint of `np.transpose(x, axes)`: the inverse permutation."""
    if axes is None:
        return np.transpose(g)
    ndim = len(axes)
    return np.transpose(g, np.argsort([a % ndim for a in axes]))


def dot_adjoint_left(g, a, b):
    """The adjoint of `a` in `np.dot(a, b)`."""
    if (type(a) is not np.ndarray or type(b) is not np.ndarray) and any_other_array(a, b, g):
        a, b = _as_array(a), _as_array(b)  # (another library's array: not computed)
    else:
        a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return unbroadcast(g * b, a)
    if b.ndim == 1:
        return np.multiply.outer(g, b)
    axes_g = list(range(a.ndim - 1, np.ndim(g)))
    axes_b = [i for i in range(b.ndim) if i != b.ndim - 2]
    return np.tensordot(g, b, axes=(axes_g, axes_b))


def dot_adjoint_right(g, a, b):
    """The adjoint of `b` in `np.dot(a, b)`."""
    if (type(a) is not np.ndarray or type(b) is not np.ndarray) and any_other_array(a, b, g):
        a, b = _as_array(a), _as_array(b)  # (another library's array: not computed)
    else:
        a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return unbroadcast(g * a, b)
    lead = list(range(a.ndim - 1))
    if b.ndim == 1:
        return np.tensordot(g, a, axes=(lead, lead))
    return np.moveaxis(np.tensordot(a, g, axes=(lead, lead)), 0, -2)


def matmul_adjoint_left(g, a, b):
    """The adjoint of `a` in `a @ b` (with NumPy's 1-D and batch rules)."""
    if (type(a) is not np.ndarray or type(b) is not np.ndarray or type(g) is not np.ndarray) \
            and any_other_array(g, a, b):
        return _matmul_adjoint_other(g, a, b, True)
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:
        return unbroadcast(np.asarray(g)[..., None] * b, a)
    if a.ndim == 1:
        return unbroadcast((b @ np.asarray(g)[..., None])[..., 0], a)
    return unbroadcast(g @ np.swapaxes(b, -1, -2), a)


def matmul_adjoint_right(g, a, b):
    """The adjoint of `b` in `a @ b`."""
    if (type(a) is not np.ndarray or type(b) is not np.ndarray or type(g) is not np.ndarray) \
            and any_other_array(g, a, b):
        return _matmul_adjoint_other(g, a, b, False)
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if b.ndim == 1:
        return unbroadcast((np.swapaxes(a, -1, -2) @ np.asarray(g)[..., None])[..., 0], b)
    if a.ndim == 1:
        return unbroadcast(a[:, None] * np.asarray(g)[..., None, :], b)
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)


def _matmul_adjoint_other(g, a, b, left):
    """`matmul_adjoint_left` (or `_right`) where an operand or the adjoint is another
    library's array (dask): the same rules without `np.asarray`, through NumPy's
    dispatch, so that a dask array stays a lazy graph."""
    a, b = _as_array(a), _as_array(b)
    if a.ndim == 1 and b.ndim == 1:
        return g * (b if left else a)
    if left:
        if b.ndim == 1:
            return unbroadcast(np.expand_dims(g, -1) * b, a)
        if a.ndim == 1:
            return unbroadcast((b @ np.expand_dims(g, -1))[..., 0], a)
        return unbroadcast(g @ np.swapaxes(b, -1, -2), a)
    if b.ndim == 1:
        return unbroadcast((np.swapaxes(a, -1, -2) @ np.expand_dims(g, -1))[..., 0], b)
    if a.ndim == 1:
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)


def as_sequence(obj):
    """What a `for` loop iterates over, as something with len() and indexing."""
    if isinstance(obj, (list, tuple, range, np.ndarray, str)):
        return obj
    return list(obj)


def make_tuple(*items):
    return items


def make_list(*items):
    return list(items)


def make_slice(start, stop, step):
    return slice(start, stop, step)


def new_stack():
    return []


def push(stack, value):
    stack.append(value)


def pop(stack):
    return stack.pop()


def copy_stack(stack):
    return list(stack)


def identity(x):
    return x


def add_at(adjoint, index, value, length):
    """The adjoint of a list or tuple, with `value` added at `index` (0.0 means zeros)."""
    out = list_adjoint(adjoint, length, "add_at")
    out[index] = add_adjoints(out[index], value)  # (an item may be a list: nested lists)
    return out


def add_items(a, b):
    """Two adjoints of the same list or tuple, added item by item (0.0 means zeros)."""
    return add_adjoints(a, b)


def setitem(array, index, value):
    """`array` with `array[index] = value`, as a new array (the old one is unchanged)."""
    if isinstance(array, (list, tuple)) and not isinstance(index, slice):
        out = list(array)
        out[index] = value
        return out
    if not isinstance(array, np.ndarray):
        raise UnsupportedSyntaxError(
            f"assignment into a {type(array).__name__} (x[i] = v) is not supported in "
            "differentiated code; only into NumPy arrays",
            hint="build the values in a NumPy array (e.g. np.zeros(n)) instead")
    if array.dtype.kind in "biu" and np.asarray(value).dtype.kind in "fc":
        raise UnsupportedSyntaxError(
            f"assignment of floating-point values into an array of {array.dtype} (x[i] = v) "
            "truncates them: their derivative through it is zero, not the one of v",
            hint="make the array floating-point (np.zeros(n) rather than np.zeros(n, "
                 "dtype=int)); if the truncation is meant, write v.astype(int) or int(v)")
    out = np.array(array, copy=True)
    out[index] = value
    return out


def may_repeat(index) -> bool:
    """Whether the index `index` may select one position twice (an integer array or
    list in it)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, np.ndarray)) and np.asarray(p).dtype.kind in "iu"
               for p in parts)


def landed(array, index):
    """Which entries of `array[index]` an assignment `array[index] = value` keeps: 1 where
    the entry is the last write to its position, 0 where a later entry of the same index
    overwrites it (an integer array index may repeat a position; NumPy keeps the last
    write). 1.0 when the index cannot repeat a position."""
    if not may_repeat(index):
        return 1.0
    shape = np.shape(array)
    selected = np.shape(np.empty(shape, dtype=np.int8)[index])
    order = np.arange(int(np.prod(selected)), dtype=np.intp).reshape(selected)
    last = np.full(shape, -1, dtype=np.intp)
    last[index] = order  # the same assignment NumPy makes: its last write stays
    return (last[index] == order).astype(np.result_type(array, 1.0))


def stop_gradient(x):
    """`x`, treated as a constant by differentiation: no derivative flows through it.

    Parameters
    ----------
    x : object
        Any value.

    Returns
    -------
    object
        `x` itself.
    """
    return x


class insert_grad_of:
    """A gradient hook: `with srcad.insert_grad_of(x) as dx:` runs its body in the
    reverse sweep, where `dx` is the adjoint (gradient) that reached `x` at this line;
    whatever the body assigns to `dx` is passed on instead.

    Use it to print, clip or sanitize gradients (see docs/index.md, "Gradient hooks").
    When the function is called directly (not through srcad), the body runs once with
    a zero adjoint.

    Parameters
    ----------
    x : float or ndarray
        A variable of the differentiated function.
    """

    def __init__(self, x):
        self._zero = zeros_like(x)

    def __enter__(self):
        return self._zero

    def __exit__(self, *exc):
        return False


def grad_hook(x, hook, *captured):
    """Marks where a gradient hook reads the adjoint of `x` (the value passes unchanged).

    `hook` is the hook's body (`srcad.lower.hooks.HookBody`), which the reverse
    transform lowers there; `captured` holds the variables the body reads."""
    return x
