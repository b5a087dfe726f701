"""Helpers for the derivative rules of order statistics (`srcad/rules/numpy_order_stats.py`):
`np.median`, `np.percentile`, `np.quantile` and their NaN-skipping versions.

With NumPy's default method ('linear'), the q-quantile of a slice of n values sorted as
s_0 <= ... <= s_{n-1} is ``(1 - g) * s_lo + g * s_hi``: h = (n - 1) q (computed as NumPy
computes it), lo = floor(h), hi = lo + 1 and g = h - lo, with lo = hi = n - 1 (weight 1)
where h >= n - 1. The derivative is those two weights at the elements that sorted into
places lo and hi. Which element of a tie sorted where is decided by
`np.argsort(..., kind="stable")`: equal values keep the order they have in the slice.
The NaN-skipping versions count only the non-NaN values of a slice (NaNs sort last);
an all-NaN slice gets weight 0 everywhere. Where a slice holds a NaN, the plain
versions return NaN (NumPy takes the last sorted value): its weight goes there.

`quantile_tangent` gathers a tangent at the chosen elements and `quantile_adjoint`
scatters an adjoint back to them; the two are transposes of each other, linear in
their first argument and piecewise constant in `a`.
"""

from __future__ import annotations

import numpy as np

from srcad.errors import NoDerivativeError
from srcad.runtime.reductions import _axes, _from_last, _to_last


def _picks(a, q, axis, keepdims, percent, skip_nan):
    """Where the quantiles sit in `a`.

    Returns (flat_shape, axes, out_shape, rows, lo, hi, w_lo, w_hi): `a` laid out as
    `_to_last(a, axes)` has shape `flat_shape` = (rest..., n), seen as (R, n); `rows`,
    `lo`, `hi`, `w_lo` and `w_hi` have shape (K, R) for the K quantiles in `q`, and say
    which row, which two places along it (indices into the row) and with what weights
    each output is made; `out_shape` is NumPy's output shape.
    """
    a = np.asarray(a)
    axes = _axes(a.ndim, axis)
    if skip_nan and np.ndim(q) > 1 and 1 < len(axes) < a.ndim:
        raise NoDerivativeError(
            "the NaN-skipping quantiles of a q with two or more axes, over several (but not "
            "all) axes, are laid out differently from np.quantile's by NumPy, and srcad "
            "does not differentiate them",
            hint="pass q as a number or a 1-D array, or reduce over one axis (move the "
                 "axes together and reshape first)")
    flat = _to_last(a, axes)
    n = flat.shape[-1]
    rest = flat.shape[:-1]
    rows_count = int(np.prod(rest, dtype=np.int64))
    table = flat.reshape(rows_count, n)
    order = np.argsort(table, axis=-1, kind="stable")  # NaNs sort last
    q = np.asarray(q, dtype=np.float64)
    if percent:
        q = np.true_divide(q, 100)
    quantiles = q.reshape(-1, 1)  # (K, 1)
    nan = np.isnan(table) if table.dtype.kind in "fc" else np.zeros(table.shape, bool)
    has_nan = nan.any(axis=-1)
    count = (n - nan.sum(axis=-1)) if skip_nan else np.full(rows_count, n)  # (R,)
    # NumPy's virtual index for method='linear' (alpha = beta = 1), spelled as it does
    index = count * quantiles + (1 + quantiles * (1 - 1 - 1)) - 1  # (K, R)
    low = np.floor(index)
    w_hi = index - low
    low = low.astype(np.intp)
    last = np.broadcast_to(count - 1, index.shape)
    above = index >= last
    low = np.where(above, last, np.maximum(low, 0))
    w_hi = np.where(above | (index < 0), 0.0, w_hi)
    w_lo = 1.0 - w_hi
    high = np.minimum(low + 1, np.maximum(last, 0))
    if not skip_nan:
        # a NaN in the slice: NumPy returns the last sorted value (a NaN)
        low = np.where(has_nan, n - 1, low)
        high = np.where(has_nan, n - 1, high)
        w_lo = np.where(has_nan, 1.0, w_lo)
        w_hi = np.where(has_nan, 0.0, w_hi)
    empty = np.broadcast_to(count == 0, index.shape)
    w_lo = np.where(empty, 0.0, w_lo)
    w_hi = np.where(empty, 0.0, w_hi)
    low = np.clip(low, 0, max(n - 1, 0))
    high = np.clip(high, 0, max(n - 1, 0))
    rows = np.broadcast_to(np.arange(rows_count), index.shape)
    lo = order[rows, low] if n else low
    hi = order[rows, high] if n else high
    kept = tuple(1 if i in axes else s for i, s in enumerate(a.shape)) if keepdims else rest
    return flat.shape, axes, q.shape + tuple(kept), rows, lo, hi, w_lo, w_hi


def quantile_tangent(t, a, q, axis=None, keepdims=False, percent=False, skip_nan=False):
    """The tangent of `np.quantile(a, q, axis, keepdims=keepdims)` along the tangent `t`
    of `a` (`percent`: q is in percent, as for np.percentile; `skip_nan`: NaNs are left
    out, as for np.nanquantile). Linear in `t`."""
    a = np.asarray(a)
    flat_shape, axes, out_shape, rows, lo, hi, w_lo, w_hi = _picks(
        a, q, axis, keepdims, percent, skip_nan)
    table = _to_last(np.broadcast_to(t, a.shape), axes).reshape(rows.shape[1], -1)
    if table.shape[-1] == 0:
        return np.zeros(out_shape)[()]
    out = w_lo * table[rows, lo] + w_hi * table[rows, hi]
    return out.reshape(out_shape)[()]


def quantile_adjoint(g, a, q, axis=None, keepdims=False, percent=False, skip_nan=False):
    """The adjoint of `a` in `np.quantile(a, q, axis, keepdims=keepdims)` from the adjoint
    `g` of the result (options as for `quantile_tangent`, whose transpose this is)."""
    a = np.asarray(a)
    flat_shape, axes, out_shape, rows, lo, hi, w_lo, w_hi = _picks(
        a, q, axis, keepdims, percent, skip_nan)
    g = np.broadcast_to(g, out_shape).reshape(rows.shape)
    n = flat_shape[-1]
    flat_index = np.concatenate([(rows * n + lo).ravel(), (rows * n + hi).ravel()])
    weights = np.concatenate([(g * w_lo).ravel(), (g * w_hi).ravel()])
    out = np.bincount(flat_index, weights=weights, minlength=rows.shape[1] * n)
    result = _from_last(out.reshape(flat_shape), a.shape, axes)
    return result[()] if a.ndim == 0 else result
