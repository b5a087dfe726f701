"""Helpers for the derivative rules of NumPy reductions (`srcad/rules/numpy_reductions.py`).

Each helper takes the same `axis` / `keepdims` arguments as the reduction it serves;
`axis` may be None (every axis), an int or a tuple of ints, negative ones included.
"""

from __future__ import annotations

import numpy as np


def _axes(ndim, axis):
    """`axis` as a sorted tuple of non-negative axes (every axis when None)."""
    if axis is None:
        return tuple(range(ndim))
    items = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(sorted(int(a) % ndim for a in items)) if ndim else ()


def _to_last(a, axes):
    """`a` with `axes` moved to the end and merged into one: (rest..., n)."""
    rest = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, rest + list(axes))
    return moved.reshape(moved.shape[:len(rest)] + (-1,))


def _from_last(flat, shape, axes):
    """Undo `_to_last`: an array of shape (rest..., n) back to `shape`."""
    rest = [i for i in range(len(shape)) if i not in axes]
    order = rest + list(axes)
    moved = flat.reshape(tuple(shape[i] for i in order))
    return np.transpose(moved, np.argsort(order))


def prod_of_others(a, axis=None):
    """For each element of `a`, the product of the other elements it is reduced with.

    This is the derivative of `np.prod(a, axis)` with respect to each element. It is
    computed from exclusive running products from both ends, without dividing by the
    element, so it is exact where `a` has zeros.
    """
    a = np.asarray(a)
    axes = _axes(a.ndim, axis)
    flat = _to_last(a, axes)
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return _from_last(before * after, a.shape, axes)


def expand_reduced(y, a, axis=None, keepdims=False):
    """The result `y` of a reduction of `a` over `axis`, with the reduced axes kept
    (as size 1) so that it broadcasts against `a`."""
    if axis is None:
        return np.reshape(y, (1,) * np.ndim(a))
    if keepdims:
        return y
    return np.expand_dims(y, _axes(np.ndim(a), axis))


def extremum_weights(a, y, axis=None, keepdims=False):
    """How the derivative of `np.max(a, axis)` (or `min`, given its result `y`) is shared
    among the elements of `a`: 1 / count at the elements equal to the extremum (ties
    share it evenly), 0 elsewhere. A NaN extremum is shared among the NaNs."""
    a = np.asarray(a)
    hit = (a == expand_reduced(y, a, axis, keepdims)) | np.isnan(a)
    return hit / np.sum(hit, axis=_axes(a.ndim, axis), keepdims=True)


def deviation(a, axis=None, ddof=0):
    """`(a - mean(a)) / (n - ddof)` over `axis`: the derivative of `np.var(a, axis, ddof=ddof)`
    is twice this, that of `np.std` this divided by the standard deviation."""
    a = np.asarray(a)
    axes = _axes(a.ndim, axis)
    count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    return (a - np.mean(a, axis=axes, keepdims=True)) / (count - ddof)


def std_weights(a, y, axis=None, ddof=0, keepdims=False):
    """The derivative of `y = np.std(a, axis, ddof=ddof)` with respect to each element:
    the deviation over y. Where y is 0 (a constant slice, where std has a kink like
    abs at 0, or a single element, where it is constant) it is taken to be 0."""
    dev = deviation(a, axis, ddof)
    scale = np.broadcast_to(expand_reduced(y, a, axis, keepdims), dev.shape)
    return np.divide(dev, scale, out=np.zeros(dev.shape), where=scale != 0)


def cumsum_adjoint(g, a, axis=None):
    """The adjoint of `a` in `np.cumsum(a, axis)` (axis None: over `a` flattened)."""
    shape = np.shape(a)
    if axis is None:
        return np.reshape(np.cumsum(np.asarray(g)[::-1])[::-1], shape)
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def _cumprod_parts(a, axis):
    """For `np.cumprod(a, axis)`: (a with zeros replaced by 1, where a is zero, the running
    product of the nonzero elements, the running count of zeros), all along `axis`."""
    a = np.asarray(a)
    if axis is None:
        a = np.ravel(a)
        axis = 0
    zero = a == 0
    nonzero = np.where(zero, 1.0, a)
    return nonzero, zero, np.cumprod(nonzero, axis), np.cumsum(zero, axis), axis


def cumprod_adjoint(g, a, axis=None):
    """The adjoint of `a` in `np.cumprod(a, axis)`, exact where `a` has zeros.

    With y_i = prod_{j<=i} a_j: dy_i/da_k = prod_{j<=i, j!=k} a_j for k <= i. Writing p_i
    for the running product of the nonzero elements and z_i for the running count of
    zeros, that is p_i / a_k when no zero came up to i (z_i == 0), p_i when a_k is the
    only zero so far (z_i == 1), and 0 otherwise; sums over i >= k are reverse cumsums.
    """
    shape = np.shape(a)
    nonzero, zero, running, zeros, ax = _cumprod_parts(a, axis)
    g = np.reshape(g, running.shape)

    def from_right(v):
        return np.flip(np.cumsum(np.flip(v, ax), ax), ax)

    none_yet = from_right(np.where(zeros == 0, g * running, 0.0))
    first_zero = from_right(np.where(zeros == 1, g * running, 0.0))
    return np.reshape(np.where(zero, first_zero, none_yet / nonzero), shape)


def cumprod_tangent(da, a, axis=None):
    """The tangent of `np.cumprod(a, axis)` along `da` (the transpose of `cumprod_adjoint`)."""
    nonzero, zero, running, zeros, ax = _cumprod_parts(a, axis)
    da = np.broadcast_to(da, np.shape(a))
    if axis is None:
        da = np.ravel(da)
    none_yet = np.cumsum(np.where(zero, 0.0, da / nonzero), ax)
    first_zero = np.cumsum(np.where(zero, da, 0.0), ax)
    return running * (np.where(zeros == 0, none_yet, 0.0) + np.where(zeros == 1, first_zero, 0.0))


def not_nan_count(a, axis=None):
    """How many non-NaN elements each output of `np.nanmean(a, axis)` averages (at
    least 1, so that all-NaN slices give no division by zero), with the reduced axes
    kept as size 1."""
    a = np.asarray(a)
    count = np.sum(~np.isnan(a), axis=_axes(a.ndim, axis), keepdims=True)
    return np.maximum(count, 1)
