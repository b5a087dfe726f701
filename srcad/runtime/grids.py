"""Helpers for the rules of grids and finite differences (srcad/rules/numpy_grids.py):
`np.linspace`, `np.diff` and `np.gradient`, all linear in their float inputs.

Each comes as a pair: `*_adjoint` maps the adjoint of the result back to the inputs and
`*_tangent` pushes tangents forward. Each is linear in what it maps and the transpose
of the other, which gives both their own rules (second derivatives).
"""

from __future__ import annotations

import numpy as np

from srcad.runtime.adjoints import unbroadcast

# ----------------------------------------------------------------------------- linspace


def _linspace_weights(num, endpoint):
    """t with np.linspace(start, stop, num, endpoint) = start * (1 - t) + stop * t."""
    return np.linspace(0.0, 1.0, num, endpoint=endpoint)


def _steps(num, endpoint):
    """The number of steps np.linspace divides (stop - start) into (0: no step)."""
    return (num - 1 if endpoint else num) if num > 0 else 0


def linspace_adjoint(g, start, stop, num=50, endpoint=True, retstep=False, axis=0):
    """The adjoints of `start` and `stop` in `np.linspace(start, stop, num, endpoint,
    retstep, axis=axis)` (a pair), from the adjoint `g` of its result (with retstep, of
    the pair (samples, step); 0.0 for an unused item)."""
    g_step = 0.0
    if retstep:
        g, g_step = g
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    axis = axis % (len(shape) + 1)
    t = _linspace_weights(num, endpoint)
    samples = np.moveaxis(np.broadcast_to(g, np.moveaxis(np.empty((num, *shape)), 0, axis).shape),
                          axis, 0)
    d_stop = np.tensordot(t, samples, axes=(0, 0))
    d_start = np.sum(samples, axis=0) - d_stop
    steps = _steps(num, endpoint)
    if steps:
        d_stop = d_stop + np.divide(g_step, steps)
        d_start = d_start - np.divide(g_step, steps)
    return _like(unbroadcast(d_start, start), start), _like(unbroadcast(d_stop, stop), stop)


def _like(d, x):
    """`d` as a number where `x` is a Python number."""
    if isinstance(x, np.ndarray) or np.ndim(x) > 0:
        return d
    return np.asarray(d)[()]


def linspace_tangent(d_start, d_stop, start, stop, num=50, endpoint=True, retstep=False,
                     axis=0):
    """The tangent of `np.linspace(start, stop, num, endpoint, retstep, axis=axis)` along
    the tangents of `start` and `stop` (0.0 for a zero one)."""
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    d_start = np.broadcast_to(d_start, shape)
    d_stop = np.broadcast_to(d_stop, shape)
    t = np.expand_dims(_linspace_weights(num, endpoint), tuple(range(1, len(shape) + 1)))
    samples = np.moveaxis(d_start * (1.0 - t) + d_stop * t, 0, axis % (len(shape) + 1))
    if not retstep:
        return samples
    steps = _steps(num, endpoint)
    return samples, (d_stop - d_start) / steps if steps else np.full(shape, np.nan)[()]


# ----------------------------------------------------------------------------- diff

def _given(value) -> bool:
    """Whether np.diff's `prepend` / `append` was given (the rules spell "not given" None,
    NumPy np._NoValue)."""
    return value is not None and value is not np._NoValue


def _diff_ends(a, axis, prepend, append):
    """np.diff's `prepend` and `append` as the arrays it joins to `a` along `axis` (a
    number is repeated across the other axes), or None where not given."""
    def end(value):
        if not _given(value):
            return None
        value = np.asarray(value)
        if value.ndim == 0:
            shape = list(np.shape(a))
            shape[axis] = 1
            return np.broadcast_to(value, shape)
        return value
    return end(prepend), end(append)


def _diff_step_adjoint(g, axis):
    """The adjoint of `c[1:] - c[:-1]` along `axis`."""
    g = np.moveaxis(np.asarray(g), axis, -1)
    zero = np.zeros(g.shape[:-1] + (1,), dtype=g.dtype)
    out = np.concatenate([zero, g], axis=-1) - np.concatenate([g, zero], axis=-1)
    return np.moveaxis(out, -1, axis)


def diff_adjoint(g, a, n=1, axis=-1, prepend=None, append=None):
    """The adjoints of `a`, `prepend` and `append` in `np.diff(a, n, axis, prepend,
    append)` (a triple; 0.0 for an end not given)."""
    axis = axis % max(np.ndim(a), 1)
    before, after = _diff_ends(a, axis, prepend, append)
    for _ in range(n):
        g = _diff_step_adjoint(g, axis)
    lengths = [0 if before is None else before.shape[axis], np.shape(a)[axis]]
    cuts = np.cumsum(lengths)
    d_before, d_a, d_after = np.split(np.asarray(g), cuts, axis=axis)
    d_before = 0.0 if before is None else _like(unbroadcast(d_before, prepend), prepend)
    d_after = 0.0 if after is None else _like(unbroadcast(d_after, append), append)
    return d_a, d_before, d_after


def diff_tangent(da, d_prepend, d_append, a, n=1, axis=-1, prepend=None, append=None):
    """The tangent of `np.diff(a, n, axis, prepend, append)` along the tangents of `a`,
    `prepend` and `append` (0.0 for a zero one)."""
    axis = axis % max(np.ndim(a), 1)
    before, after = _diff_ends(a, axis, prepend, append)
    parts = [np.broadcast_to(da, np.shape(a))]
    if before is not None:
        parts.insert(0, np.broadcast_to(d_prepend, before.shape))
    if after is not None:
        parts.append(np.broadcast_to(d_append, after.shape))
    return np.diff(np.concatenate(parts, axis=axis), n, axis=axis)


# ----------------------------------------------------------------------------- gradient


def _gradient_axes(f, axis):
    ndim = np.ndim(f)
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(int(a) % ndim for a in axes)


def _gradient_spacings(varargs, count):
    """One spacing (a number or a coordinate array) per differentiated axis, as
    np.gradient reads `varargs`."""
    if len(varargs) == 0:
        return [1.0] * count
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        return [varargs[0]] * count
    if len(varargs) != count:
        raise TypeError("invalid number of arguments")  # as np.gradient says
    return list(varargs)


def _stencil(n, spacing, edge_order):
    """np.gradient along one axis of length n as a band: (first column of each row's
    three, the three coefficients of each row), read off np.gradient applied to three
    combs of period 3 (each row reads at most three neighbouring entries)."""
    width = min(3, n)
    rows = np.arange(n)
    first = np.clip(rows - 1, 0, n - width)
    args = () if np.ndim(spacing) == 0 and spacing == 1.0 else (spacing,)
    combs = np.stack([np.gradient((rows % 3 == r).astype(float), *args, edge_order=edge_order)
                      for r in range(3)])
    coefficients = np.stack([combs[(first + k) % 3, rows] for k in range(width)], axis=1)
    return first, coefficients


def gradient_adjoint(g, f, varargs=(), axis=None, edge_order=1):
    """The adjoint of `f` in `np.gradient(f, *varargs, axis=axis, edge_order=edge_order)`
    from the adjoint `g` of its result (one array, or a tuple with one per axis; 0.0
    for an unused one)."""
    axes = _gradient_axes(f, axis)
    spacings = _gradient_spacings(varargs, len(axes))
    grads = (g,) if len(axes) == 1 else tuple(g)
    out = np.zeros(np.shape(f), dtype=np.result_type(f, *[np.asarray(x) for x in grads], float))
    for ax, spacing, g_ax in zip(axes, spacings, grads):
        if np.ndim(g_ax) == 0 and g_ax == 0:
            continue
        first, coefficients = _stencil(np.shape(f)[ax], spacing, edge_order)
        g_ax = np.moveaxis(np.broadcast_to(g_ax, np.shape(f)), ax, -1)
        moved = np.moveaxis(out, ax, -1)  # a view: adding to it adds to `out`
        for k in range(coefficients.shape[1]):
            np.add.at(moved, (..., first + k), g_ax * coefficients[:, k])
    return out


def gradient_tangent(df, f, varargs=(), axis=None, edge_order=1):
    """The tangent of `np.gradient(f, *varargs, axis=axis, edge_order=edge_order)` along
    the tangent `df` of `f`."""
    df = np.broadcast_to(df, np.shape(f))
    return np.gradient(df, *varargs, axis=axis, edge_order=edge_order)
