"""Helpers for the rules of `np.lib.stride_tricks.sliding_window_view`
(srcad/rules/numpy_windows.py).

``w = sliding_window_view(x, window_shape, axis)`` is linear: ``w[i..., o...]`` is
``x`` at ``i + o`` along the windowed axes. Its adjoint adds the windows back: for each
offset ``o`` within the window, the slice ``g[..., o]`` is added to the part of `x` that
window position covers (a loop over the offsets, each a slice addition; no np.add.at).
"""

from __future__ import annotations

import itertools

import numpy as np


def _window_axes(ndim, window_shape, axis):
    """(window lengths, the axis of each window dimension), as NumPy reads them."""
    window = tuple(window_shape) if np.iterable(window_shape) else (int(window_shape),)
    if axis is None:
        axes = tuple(range(ndim))
    elif np.iterable(axis):
        axes = tuple(int(a) % ndim for a in axis)
    else:
        axes = (int(axis) % ndim,)
    if len(axes) != len(window):
        raise ValueError("Must provide matching length window_shape and axis; got "
                         f"{len(window)} window_shape elements and {len(axes)} axes "
                         "elements.")
    return window, axes


def window_sum(g, shape, window_shape, axis=None):
    """The adjoint of `x` (of shape `shape`) in ``sliding_window_view(x, window_shape,
    axis)`` given the adjoint `g` of the windows: each window's entries added back where
    they were read from."""
    g = np.asarray(g)
    shape = tuple(shape)
    window, axes = _window_axes(len(shape), window_shape, axis)
    lead = np.shape(g)[:len(shape)]  # the window positions along each axis of x
    out = np.zeros(shape, dtype=g.dtype)
    for offsets in itertools.product(*(range(w) for w in window)):
        starts = [0] * len(shape)
        for a, o in zip(axes, offsets):
            starts[a] += o
        target = tuple(slice(s, s + n) for s, n in zip(starts, lead))
        out[target] += g[(Ellipsis, *offsets)]
    return out
