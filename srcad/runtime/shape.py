"""Helpers for the derivative rules of shape operations (srcad/rules/numpy_shape.py).

Each `*_adjoint` function maps the adjoint `g` of an operation's result back to one of
its inputs; `*_tangent` functions push a tangent forward where the operation itself
cannot simply be applied to the tangent.
"""

from __future__ import annotations

import math

import numpy as np

from srcad.runtime import unbroadcast
from srcad.runtime.marks import differentiated_from_source


def _zeros(x):
    """Zeros of `x`'s shape, in `x`'s float dtype (float64 for anything else)."""
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else np.float64
    return np.zeros(x.shape, dtype=dtype)


def _is_sequence(x) -> bool:
    return isinstance(x, (list, tuple))


def _is_inexact(y) -> bool:
    if _is_sequence(y):
        return all(_is_inexact(item) for item in y)
    return np.issubdtype(np.asarray(y).dtype, np.inexact)


# ----------------------------------------------------------------------------- reshaping


def ravel_order(a, order="C"):
    """For each element of `np.ravel(a, order)`, the C-order flat index it comes from.

    Only needed for the memory-layout orders 'A' and 'K'.
    """
    a = np.asarray(a)
    index = np.empty_like(a, dtype=np.intp)  # keeps `a`'s memory layout
    index[...] = np.arange(a.size).reshape(a.shape)
    return np.ravel(index, order=order)


def ravel_adjoint(g, a, order="C"):
    """The adjoint of `np.ravel(a, order)` (also `a.flatten(order)`)."""
    shape = np.shape(a)
    if order in ("C", "F", None):
        return np.reshape(g, shape, order=order or "C")
    out = np.zeros(int(np.prod(shape)), dtype=np.asarray(g).dtype)
    out[ravel_order(a, order)] = g
    return out.reshape(shape)


def ravel_tangent(da, a, order="C"):
    """The tangent of `np.ravel(a, order)`: the tangent read in the order `a` is read."""
    da = np.broadcast_to(da, np.shape(a))
    if order in ("C", "F", None):
        return np.ravel(da, order=order or "C")
    return np.ravel(da)[ravel_order(a, order)]


def method_axes(axes):
    """The axes of `x.transpose(*axes)` as `np.transpose` takes them."""
    if len(axes) == 0:
        return None
    if len(axes) == 1 and (axes[0] is None or np.ndim(axes[0]) == 1):
        return axes[0]
    return axes


# ----------------------------------------------------------------------------- joining


def item_tangents(d, items):
    """The tangents of a list of arrays, each at its item's shape (0.0 means zeros)."""
    if not _is_sequence(d) and np.ndim(d) == 0:
        d = [d] * len(items)
    return [np.broadcast_to(t, np.shape(x)) for t, x in zip(d, items)]


def _items_like(adjoints, items):
    """The adjoints of a sequence's items as a list, or as one array if the sequence
    was an array (np.concatenate(x) joins the rows of an array `x`)."""
    if isinstance(items, np.ndarray):
        return np.stack(adjoints) if adjoints else np.zeros(items.shape)
    return adjoints


def _pieces(g, shapes, axis):
    """`g` cut along `axis` into pieces as long as the items of `shapes` are there."""
    ends = np.cumsum([shape[axis] for shape in shapes])[:-1]
    return np.split(g, ends, axis=axis)


def concatenate_adjoint(g, arrays, axis=0):
    """The adjoints of the items of `np.concatenate(arrays, axis)` (a list)."""
    shapes = [np.shape(a) for a in arrays]
    if axis is None:
        sizes = [(math.prod(shape),) for shape in shapes]
        pieces = _pieces(np.ravel(g), sizes, 0)
    else:
        pieces = _pieces(g, shapes, axis)
    return _items_like([np.reshape(p, shape) for p, shape in zip(pieces, shapes)], arrays)


def stack_adjoint(g, arrays, axis=0):
    """The adjoints of the items of `np.stack(arrays, axis)` (a list)."""
    return _items_like(list(np.moveaxis(g, axis, 0)), arrays)


def _joined_adjoint(g, arrays, promote, axis):
    """Adjoints for hstack/vstack/dstack/column_stack: each item is first promoted
    (by `promote`), then all are concatenated along `axis`."""
    shapes = [np.shape(promote(a)) for a in arrays]
    pieces = _pieces(g, shapes, axis)
    return _items_like([np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)], arrays)


def hstack_adjoint(g, tup):
    axis = 0 if np.ndim(tup[0]) <= 1 else 1
    return _joined_adjoint(g, tup, np.atleast_1d, axis)


def vstack_adjoint(g, tup):
    return _joined_adjoint(g, tup, np.atleast_2d, 0)


def dstack_adjoint(g, tup):
    return _joined_adjoint(g, tup, np.atleast_3d, 2)


def _as_column(a):
    a = np.asarray(a)
    return a.reshape(-1, 1) if a.ndim < 2 else a


def column_stack_adjoint(g, tup):
    return _joined_adjoint(g, tup, _as_column, 1)


# ----------------------------------------------------------------------------- np.r_, np.c_


def index_concatenate(which, *items):
    """`np.r_[items]` (which="r") or `np.c_[items]` (which="c"): what generated code calls
    for those subscripts. NumPy does the joining, with all its rules for scalars, slices
    (ranges) and directive strings."""
    return (np.r_ if which == "r" else np.c_)[items]


def _is_joined_number(item) -> bool:
    """An item np.r_ joins as numbers (not a slice, which makes a range, nor a directive)."""
    return not isinstance(item, (str, slice))


def _labelled(item, labels):
    """`labels` in the place of `item`, joined by np.r_ as `item` is: a Python or NumPy
    scalar stays a scalar, anything else (a list, an array) becomes an array."""
    if type(item) in np.ScalarType:
        return float(labels.reshape(()))
    return labels


def _joined_sources(which, items):
    """For each element of `index_concatenate(which, *items)`, the position it copies in
    the numeric items' entries laid end to end (C order, item by item), or -1 where the
    element comes from a slice.

    The items are replaced by zeros and by the positions plus one, and both are joined by
    NumPy itself: the elements that differ are copies, the others come from slices.
    """
    if items and isinstance(items[0], str) and items[0].strip() in ("r", "c"):
        raise NotImplementedError(
            f"srcad has no derivative for np.{which}_ with the matrix directive "
            f"{items[0]!r} (its result is an np.matrix)")
    zeros, labels, sizes = list(items), list(items), []
    start = 1
    for k, item in enumerate(items):
        if _is_joined_number(item):
            shape = np.shape(item)
            size = math.prod(shape)
            zeros[k] = _labelled(item, np.zeros(shape))
            labels[k] = _labelled(item, np.arange(start, start + size, dtype=float).reshape(shape))
            start += size
            sizes.append(size)
    base = np.asarray(index_concatenate(which, *zeros))
    marked = np.asarray(index_concatenate(which, *labels))
    sources = np.where(marked != base, marked.real - 1, -1).astype(np.intp)
    return sources, sizes


def index_concatenate_adjoint(g, which, items):
    """The adjoints of the items of `index_concatenate(which, *items)` (a tuple; None for
    slices and directive strings)."""
    sources, sizes = _joined_sources(which, items)
    g = np.broadcast_to(g, sources.shape)
    copies = sources >= 0
    flat = np.zeros(sum(sizes), dtype=np.result_type(g, float))
    np.add.at(flat, sources[copies], g[copies])
    out: list = []
    pieces = iter(np.split(flat, np.cumsum(sizes)[:-1]) if sizes else [])
    for item in items:
        if not _is_joined_number(item):
            out.append(None)
            continue
        piece = next(pieces).reshape(np.shape(item))
        if _is_sequence(item):
            out.append(_like_items(piece, item))  # a list item: a list of adjoints
        elif np.ndim(item) == 0 and not isinstance(item, np.ndarray):
            out.append(piece[()])
        else:
            out.append(piece)
    return tuple(out)


def index_concatenate_tangent(y, which, items, ditems):
    """The tangent of `y = index_concatenate(which, *items)` along the items' tangents
    `ditems` (a tuple with one per item; 0.0 for a zero one, or 0.0 for all)."""
    sources, sizes = _joined_sources(which, items)
    if not isinstance(ditems, (tuple, list)):
        ditems = (ditems,) * len(items)
    parts = [np.ravel(np.asarray(_fill(d, item)))
             for item, d in zip(items, ditems) if _is_joined_number(item)]
    flat = np.concatenate(parts) if parts else np.zeros(0)
    dtype = np.result_type(flat, y, float)
    out = np.zeros(sources.shape, dtype=dtype)
    copies = sources >= 0
    out[copies] = flat[sources[copies]]
    return out


def split_adjoint(gs, ary, indices_or_sections, axis=0):
    """The adjoint of `ary` in `np.split` / `np.array_split` from the adjoints of the
    parts (a tuple or list; 0.0 for a part nobody used)."""
    out = _zeros(ary)
    if any(np.iscomplexobj(g) for g in gs):
        out = out.astype(np.result_type(out, 1j))
    # array_split cuts exactly as split does, and its parts are views into `out`
    parts = np.array_split(out, indices_or_sections, axis)
    if len(gs) != len(parts):
        raise RuntimeError(
            f"srcad: the adjoint of a split into {len(parts)} parts has {len(gs)} items "
            "(internal error); pass the number of sections or the split indices as a "
            "constant or a list literal")
    for part, g in zip(parts, gs):
        part[...] = g
    return out


def split_tangent(dary, ary, indices_or_sections, axis=0):
    """The tangents of the parts of `np.split(ary, ...)` / `np.array_split` (a list) from
    the tangent of `ary` (the transpose of `split_adjoint`)."""
    return np.array_split(np.broadcast_to(dary, np.shape(ary)), indices_or_sections, axis)


def hsplit_axis(ary):
    """The axis np.hsplit cuts: 1, or 0 for a 1-D array."""
    return 1 if np.ndim(ary) > 1 else 0


def append_adjoint(g, arr, values, axis=None):
    """The adjoints of `arr` and `values` in `np.append(arr, values, axis)` (a pair)."""
    if axis is None:
        size = math.prod(np.shape(arr))
        flat = np.ravel(g)
        return (np.reshape(flat[:size], np.shape(arr)),
                _number_or_array(np.reshape(flat[size:], np.shape(values)), values))
    d_arr, d_values = np.split(np.asarray(g), [np.shape(arr)[axis]], axis=axis)
    return d_arr, _number_or_array(d_values, values)


def _number_or_array(d, x):
    """`d` as a number for a Python number `x`, item by item for a list, else an array."""
    if _is_sequence(x):
        return _like_items(d, x)
    if not isinstance(x, np.ndarray) and np.ndim(x) == 0:
        return d[()]
    return d


def append_tangent(d_arr, d_values, arr, values, axis=None):
    """The tangent of `np.append(arr, values, axis)` (the transpose of `append_adjoint`)."""
    return np.append(np.broadcast_to(d_arr, np.shape(arr)),
                     np.asarray(_fill(d_values, values)), axis)


def rollaxis_axes(a, axis, start=0):
    """The permutation of the axes `np.rollaxis(a, axis, start)` makes (as np.transpose
    takes it), for the adjoint `transpose_adjoint(g, axes)`."""
    ndim = np.ndim(a)
    axis = axis % ndim
    start = start + ndim if start < 0 else start
    if axis < start:
        start -= 1
    axes = [i for i in range(ndim) if i != axis]
    axes.insert(start, axis)
    return tuple(axes)


# ----------------------------------------------------------------------------- permutations


def permutation_of(y, a, axis=-1):
    """For a result `y` holding the entries of `a` rearranged along `axis` (np.sort,
    np.partition), the indices with `np.take_along_axis(a, indices, axis) == y` (the
    flat indices for axis=None). Equal entries are matched in order."""
    if axis is None:
        a, y, axis = np.ravel(a), np.ravel(y), 0
    order_a = np.argsort(a, axis=axis, kind="stable")
    order_y = np.argsort(y, axis=axis, kind="stable")
    indices = np.empty_like(order_a)
    np.put_along_axis(indices, order_y, order_a, axis)
    return indices


def permuted_adjoint(g, a, y, axis=-1):
    """The adjoint of `a` for a result `y` that rearranges its entries along `axis`."""
    indices = permutation_of(y, a, axis)
    out = np.zeros(np.size(a) if axis is None else np.shape(a), dtype=_zeros(g).dtype)
    if axis is None:
        out[indices] = np.ravel(g)
        return out.reshape(np.shape(a))
    np.put_along_axis(out, indices, g, axis)
    return out


def permuted_tangent(da, a, y, axis=-1):
    """The tangent of a result `y` that rearranges the entries of `a` along `axis`."""
    indices = permutation_of(y, a, axis)
    da = np.broadcast_to(da, np.shape(a))
    if axis is None:
        return np.ravel(da)[indices]
    return np.take_along_axis(da, indices, axis)


# ----------------------------------------------------------------------------- repeating


def tile_adjoint(g, a, reps):
    """The adjoint of `np.tile(a, reps)`: the sum over all the copies."""
    shape = np.shape(a)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    ndim = max(len(shape), len(reps))
    full = (1,) * (ndim - len(shape)) + tuple(shape)
    reps = (1,) * (ndim - len(reps)) + reps
    # each output axis of length r * n splits into (copy, position) axes
    g = np.reshape(g, [n for pair in zip(reps, full) for n in pair])
    return np.reshape(np.sum(g, axis=tuple(range(0, 2 * ndim, 2))), shape)


def np_repeat_adjoint(g, a, repeats, axis=None):
    """The adjoint of `np.repeat(a, repeats, axis)`: each element collects the adjoints
    of its copies."""
    shape = np.shape(a)
    if axis is None:
        g, axis, length = np.ravel(g), 0, math.prod(shape)
    else:
        length = shape[axis]
    source = np.repeat(np.arange(length), repeats)  # the element each copy comes from
    g = np.moveaxis(np.asarray(g), axis, 0)
    out = np.zeros((length,) + g.shape[1:], dtype=g.dtype)
    np.add.at(out, source, g)
    return np.reshape(np.moveaxis(out, 0, axis), shape)


# (not `repeat_adjoint`: generated code imports runtime helpers by `__name__`, and
# srcad.runtime.python.repeat_adjoint is the list repetition's)
repeat_adjoint = np_repeat_adjoint


# ----------------------------------------------------------------------------- padding

PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")



def _check_pad_mode(mode):
    if mode not in PAD_MODES:
        raise NotImplementedError(
            f"srcad has no derivative for np.pad with mode={mode!r}; supported modes: "
            + ", ".join(PAD_MODES))


def _pad_pairs(pad_width, ndim):
    """pad_width as one (before, after) pair per axis."""
    return np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (ndim, 2))


def _bincount(labels, weights, minlength):
    """np.bincount of (possibly complex) weights."""
    weights = np.ravel(weights)
    if np.iscomplexobj(weights):
        return (np.bincount(labels, weights=weights.real, minlength=minlength) +
                1j * np.bincount(labels, weights=weights.imag, minlength=minlength))
    return np.bincount(labels, weights=weights, minlength=minlength)


def pad_adjoint(g, array, pad_width, mode="constant"):
    """The adjoint of `array` in `np.pad(array, pad_width, mode)`."""
    _check_pad_mode(mode)
    shape = np.shape(array)
    if mode == "constant":
        pairs = _pad_pairs(pad_width, len(shape))
        return np.asarray(g)[tuple(slice(b, b + n) for (b, _), n in zip(pairs, shape))]
    # Every padded element copies some input element: pad the input's flat indices
    # to find which one, then add each element's adjoint to its source.
    size = math.prod(shape)
    source = np.pad(np.arange(size).reshape(shape), pad_width, mode=mode)
    out = _bincount(source.ravel(), g, size)
    return out.reshape(shape)


def pad_constant_values_adjoint(g, array, pad_width, constant_values):
    """The adjoint of `constant_values` in `np.pad(array, pad_width, constant_values=...)`:
    the sum of the adjoints of the padding each (before, after) value fills."""
    ndim = np.ndim(array)
    # label the padding of axis i with 2i + 1 (before) and 2i + 2 (after); NumPy fills
    # the corners with the value of the last axis, and so does this
    labels = np.arange(1, 2 * ndim + 1).reshape(ndim, 2)
    owner = np.pad(np.zeros(np.shape(array), dtype=np.intp), pad_width, mode="constant",
                   constant_values=labels)
    sums = _bincount(owner.ravel(), g, 2 * ndim + 1)
    return unbroadcast(sums[1:].reshape(ndim, 2), constant_values)


def pad_tangent(darray, array, pad_width, mode="constant", dconstant_values=0.0):
    """The tangent of `np.pad(array, pad_width, mode, constant_values=...)`."""
    _check_pad_mode(mode)
    dtype = np.result_type(np.asarray(darray), np.asarray(dconstant_values))
    darray = np.broadcast_to(np.asarray(darray, dtype=dtype), np.shape(array))
    if mode == "constant":
        return np.pad(darray, pad_width, mode=mode, constant_values=dconstant_values)
    return np.pad(darray, pad_width, mode=mode)


# ----------------------------------------------------------------------------- diagonals


def _diagonal_index(shape, k):
    """(rows, columns) of the k-th diagonal of a matrix of `shape`."""
    n, m = shape
    if k >= 0:
        count = max(0, min(n, m - k))
        return np.arange(count), np.arange(count) + k
    count = max(0, min(n + k, m))
    return np.arange(count) - k, np.arange(count)


def diag_adjoint(g, v, k=0):
    """The adjoint of `np.diag(v, k)`: a diagonal of `g` (1-D `v`), or `g` placed on
    the diagonal of a zero matrix shaped like `v` (2-D `v`)."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k).copy()
    out = np.zeros(np.shape(v), dtype=_zeros(g).dtype)
    rows, cols = _diagonal_index(np.shape(v), k)
    out[rows, cols] = g
    return out


@differentiated_from_source
def diagonal_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """The adjoint of `np.diagonal(a, offset, axis1, axis2)`."""
    out = np.zeros(np.shape(a), dtype=_zeros(g).dtype)
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a writable view of `out`
    rows, cols = _diagonal_index(view.shape[-2:], offset)
    view[..., rows, cols] = g
    return out


# ----------------------------------------------------------------------------- sorting


def sort_adjoint(g, a, axis=-1, kind=None):
    """The adjoint of `np.sort(a, axis)`: `g` sent back through the sorting permutation."""
    order = np.argsort(a, axis=axis, kind=kind)
    if axis is None:
        out = np.zeros(np.size(a), dtype=_zeros(g).dtype)
        out[order] = g
        return out.reshape(np.shape(a))
    out = np.zeros(np.shape(a), dtype=_zeros(g).dtype)
    np.put_along_axis(out, order, g, axis)
    return out


def sort_tangent(da, a, axis=-1, kind=None):
    """The tangent of `np.sort(a, axis)`: the tangent permuted as `a` is."""
    order = np.argsort(a, axis=axis, kind=kind)
    da = np.broadcast_to(da, np.shape(a))
    if axis is None:
        return np.ravel(da)[order]
    return np.take_along_axis(da, order, axis)


# ----------------------------------------------------------------------------- conversions


def array_adjoint(g, obj, y):
    """The adjoint of `obj` in a conversion `y = np.array(obj)` (or `np.asarray`,
    `.astype`): `g` in `obj`'s shape and float dtype, split into items if `obj` is a
    list or tuple. A conversion to an integer or bool type is piecewise constant: its
    adjoint is zero."""
    shape = np.shape(obj)
    if _is_inexact(y):
        g = np.reshape(g, shape)  # drops the axes ndmin added
        if np.iscomplexobj(g) and not np.iscomplexobj(obj):
            g = np.real(g)
    else:
        g = np.zeros(shape)
    return _like_items(g, obj)


def _like_items(g, obj):
    if _is_sequence(obj):
        return [_like_items(g[i], item) for i, item in enumerate(obj)]
    if isinstance(obj, np.ndarray) and np.issubdtype(obj.dtype, np.floating):
        return g.astype(obj.dtype, copy=False)
    return g


def array_tangent(dobj, obj, y):
    """The tangent of a conversion `y = np.array(obj)`: `dobj` converted the same way
    (zeros for a conversion to an integer or bool type)."""
    if not _is_inexact(y):
        return np.zeros(np.shape(y))
    return np.reshape(np.asarray(_fill(dobj, obj), dtype=np.asarray(y).dtype), np.shape(y))


def _fill(d, obj):
    if _is_sequence(obj):
        if not _is_sequence(d) and np.ndim(d) == 0:
            d = [d] * len(obj)
        return [_fill(t, item) for t, item in zip(d, obj)]
    return np.broadcast_to(d, np.shape(obj))


# ----------------------------------------------------------------------------- clip


def _clip_masks(a, a_min, a_max):
    """Where `np.clip(a, a_min, a_max)`, computed as `minimum(maximum(a, a_min), a_max)`,
    takes `a_max`, and where it takes `a_min` (it takes `a` elsewhere, ties included)."""
    low = a if a_min is None else np.maximum(a, a_min)
    to_max = np.zeros(np.shape(low), dtype=bool) if a_max is None else low > a_max
    to_min = np.zeros(np.shape(low), dtype=bool) if a_min is None else (a < a_min) & ~to_max
    return to_max, to_min


@differentiated_from_source
def clip_adjoint(g, a, a_min=None, a_max=None):
    """The adjoints of `a`, `a_min` and `a_max` in `np.clip(a, a_min, a_max)`, in the
    result's shape (not summed back to the inputs' shapes)."""
    to_max, to_min = _clip_masks(a, a_min, a_max)
    return g * ~(to_max | to_min), g * to_min, g * to_max


def clip_tangent(da, a, a_min, a_max, dmin, dmax):
    """The tangent of `np.clip(a, a_min, a_max)`."""
    to_max, to_min = _clip_masks(a, a_min, a_max)
    return np.where(to_max, dmax, np.where(to_min, dmin, da))


# ----------------------------------------------------------------------------- gathers


@differentiated_from_source
def take_along_axis_adjoint(g, arr, indices, axis):
    """The adjoint of `arr` in `np.take_along_axis(arr, indices, axis)`: `g` added at the
    gathered positions (twice where an index repeats)."""
    out = _zeros(arr)
    g = np.asarray(g)
    if axis is None:
        np.add.at(out.reshape(-1), np.asarray(indices), g)
        return out
    axis = axis % out.ndim
    grids = list(np.ogrid[tuple(slice(0, n) for n in g.shape)])
    grids[axis] = np.broadcast_to(indices, g.shape)
    np.add.at(out, tuple(np.broadcast_arrays(*grids)), g)
    return out
