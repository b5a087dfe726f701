"""Helpers for the derivative rules of NumPy reductions (`srcad/rules/numpy_reductions.py`).

Each helper takes the same `axis` / `keepdims` arguments as the reduction it serves;
`axis` may be None (every axis), an int or a tuple of ints, negative ones included.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime import any_other_array
from srcad.runtime.marks import differentiated_from_source


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


def _shared(hit, axes):
    """1 / count at the hits of each slice, 0 elsewhere."""
    return hit / np.sum(hit, axis=axes, keepdims=True)


def _extremum_weights(a, extremum, axes, hit=None):
    """1 / count at the elements of each slice equal to its `extremum` (or, where the
    extremum is NaN, at its NaNs), 0 elsewhere. Ties are rare: without them (one hit per
    slice) the hits are the weights, and the per-slice count is not needed."""
    hit = a == extremum if hit is None else hit
    if np.isnan(extremum).any():
        hit = hit | (np.isnan(a) & np.isnan(extremum))
    if np.count_nonzero(hit) == np.size(extremum):
        return hit.astype(np.result_type(a.dtype, np.float64) if a.dtype.kind == "f"
                          else np.float64)
    return _shared(hit, axes)


def max_weights(a, axis=None):
    """How the derivative of `np.max(a, axis)` is shared among the elements of `a`:
    1 / count at the elements equal to the maximum (ties share it evenly), 0 elsewhere.
    A NaN maximum is shared among the NaNs. Piecewise constant in `a`."""
    a = np.asarray(a)
    axes = _axes(a.ndim, axis)
    return _extremum_weights(a, np.max(a, axis=axes, keepdims=True), axes)


def max_weights_given(a, extremum, axis=None):
    """`max_weights(a, axis)` given `extremum = np.max(a, axis, keepdims=True)`, which
    the generated code has computed already (the rules pass it, so that it is shared with
    the user's own call). Anything else (no element equals it) computes the maximum."""
    return _weights_given(a, extremum, axis, max_weights)


def min_weights_given(a, extremum, axis=None):
    """Like `max_weights_given`, for `np.min(a, axis)`."""
    return _weights_given(a, extremum, axis, min_weights)


def _weights_given(a, extremum, axis, weights):
    if (type(a) is not np.ndarray or type(extremum) is not np.ndarray) and \
            any_other_array(a, extremum):
        return _extremum_weights_other(a, axis, np.max if weights is max_weights else np.min)
    a, extremum = np.asarray(a), np.asarray(extremum)
    hit = a == extremum
    count = np.count_nonzero(hit)
    if count == extremum.size and not np.isnan(extremum).any():
        return hit  # one hit per slice, the common case: the weights are the hits
    if count < extremum.size and not np.isnan(extremum).any():
        return weights(a, axis)
    return _extremum_weights(a, extremum, _axes(a.ndim, axis), hit)


def _extremum_weights_other(a, axis, reduce):
    """`max_weights(a, axis)` (`reduce` np.max) or `min_weights` for another library's
    array (dask), with no branch on the data (which would compute it): 1 / count at the
    elements equal to the extremum of their slice, or at the NaNs of a slice whose
    extremum is NaN. The extremum is taken again (as the NumPy version does where the
    one given does not fit), so that every slice has a hit."""
    axes = _axes(a.ndim, axis)
    extremum = reduce(a, axis=axes, keepdims=True)
    hit = (a == extremum) | (np.isnan(a) & np.isnan(extremum))
    return hit / np.sum(hit, axis=axes, keepdims=True)


def min_weights(a, axis=None):
    """Like `max_weights`, for `np.min(a, axis)`."""
    a = np.asarray(a)
    axes = _axes(a.ndim, axis)
    return _extremum_weights(a, np.min(a, axis=axes, keepdims=True), axes)


def deviation(a, axis=None, ddof=0):
    """`(a - mean(a)) / (n - ddof)` over `axis`: the derivative of `np.var(a, axis, ddof=ddof)`
    is twice this, that of `np.std` this divided by the standard deviation. Linear in
    `a` (and self-adjoint)."""
    a = np.asarray(a)
    axes = _axes(a.ndim, axis)
    count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    return (a - np.mean(a, axis=axes, keepdims=True)) / (count - ddof)


def prod_of_others_jvp(t, a, axis=None):
    """The derivative of `prod_of_others(a, axis)` along `t`: for each element i, the sum
    over the other elements j of its slice of t_j times the product of the elements
    other than i and j. That matrix is symmetric, so this is also the adjoint.

    Exact at zeros: with p the product of the nonzero elements of a slice, z its number
    of zeros, S = sum of t_j / a_j over nonzero j and T = sum of t_j over zero j, the
    result at a nonzero element i is p / a_i (S - t_i / a_i) when z == 0, p T / a_i when
    z == 1, else 0; at a zero element it is p S when z == 1, p (T - t_i) when z == 2,
    else 0.
    """
    a = np.asarray(a)
    t = np.broadcast_to(t, a.shape)
    axes = _axes(a.ndim, axis)
    zero = a == 0
    nonzero = np.where(zero, 1.0, a)
    p = np.prod(nonzero, axis=axes, keepdims=True)
    z = np.sum(zero, axis=axes, keepdims=True)
    ratio = np.where(zero, 0.0, t / nonzero)
    s = np.sum(ratio, axis=axes, keepdims=True)
    at_zeros = np.sum(np.where(zero, t, 0.0), axis=axes, keepdims=True)
    at_nonzero = p / nonzero * (np.where(z == 0, s - ratio, 0.0) + np.where(z == 1, at_zeros, 0.0))
    at_zero = p * (np.where(z == 1, s, 0.0) + np.where(z == 2, at_zeros - t, 0.0))
    return np.where(zero, at_zero, at_nonzero)


def cumsum_adjoint(g, a, axis=None):
    """The adjoint of `a` in `np.cumsum(a, axis)` (axis None: over `a` flattened)."""
    shape = np.shape(a)
    if axis is None:
        return np.reshape(np.cumsum(np.asarray(g)[::-1])[::-1], shape)
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


@differentiated_from_source
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


@differentiated_from_source
def cumprod_adjoint(g, a, axis=None):
    """The adjoint of `a` in `np.cumprod(a, axis)`, exact where `a` has zeros.

    With y_i = prod_{j<=i} a_j: dy_i/da_k = prod_{j<=i, j!=k} a_j for k <= i. Writing p_i
    for the running product of the nonzero elements and z_i for the running count of
    zeros, that is p_i / a_k when no zero came up to i (z_i == 0), p_i when a_k is the
    only zero so far (z_i == 1), and 0 otherwise; sums over i >= k are reverse cumsums.
    """
    shape = np.shape(a)
    # (_cumprod_parts written out: srcad differentiates this function from its source at
    # second order, and the masks and the axis must not come out of a differentiated tuple)
    a = np.ravel(a) if axis is None else np.asarray(a)
    ax = 0 if axis is None else axis
    zero = a == 0
    nonzero = np.where(zero, 1.0, a)
    running = np.cumprod(nonzero, ax)
    zeros = np.cumsum(zero, ax)
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
