"""Helpers for filling and scattering (`srcad/rules/numpy_fill.py`): the functional forms
of NumPy's in-place `np.add.at` and `np.fill_diagonal`, which srcad lowers
`np.add.at(a, i, b)` and `np.fill_diagonal(a, v)` to (`a = added_at(a, i, b)`, where nothing
else can see `a`: srcad/lower/out_arguments.py), and what their derivatives need.
"""

from __future__ import annotations

import numpy as np


def inexact_result(y):
    """1.0 when `y` holds floating or complex values, else 0.0: an integer or boolean
    result (`np.full_like(int_array, x)`, `np.add.at` into an integer array) is piecewise
    constant in the values written into it, so their derivative is scaled by this."""
    return 1.0 if np.asarray(y).dtype.kind in "fc" else 0.0


def added_at(a, indices, b):
    """`np.add.at(a, indices, b)` without changing `a`: a new array (of `a`'s dtype) where
    `b` is added at `indices`, repeated indices adding up."""
    if not isinstance(a, np.ndarray):
        raise TypeError("first operand must be array")  # as np.add.at says
    out = np.array(a, copy=True)
    np.add.at(out, indices, b)
    return out


def filled_diagonal(a, val, wrap=False):
    """`np.fill_diagonal(a, val, wrap)` without changing `a`: a new array (of `a`'s dtype)
    with `val` written along the main diagonal (repeated cyclically when it is shorter)."""
    out = np.array(a, copy=True)
    np.fill_diagonal(out, val, wrap)
    return out


def _diagonal_positions(shape, wrap):
    """The flat positions `np.fill_diagonal` writes for an array of `shape`."""
    size = int(np.prod(shape, dtype=np.int64))
    if len(shape) == 2:
        step = shape[1] + 1
        end = None if wrap else shape[1] * shape[1]
    else:
        step = 1 + int(np.cumprod(shape[:-1]).sum())
        end = None
    return np.arange(size)[:end:step]


def diagonal_values(g, val, wrap=False):
    """The adjoint of `val` in `filled_diagonal(a, val, wrap)` from the adjoint `g` of the
    result: the diagonal entries of `g`, each added to the item of `val` written there
    (`val` flattened is repeated along the diagonal), shaped like `val`."""
    g = np.asarray(g)
    picked = g.reshape(-1)[_diagonal_positions(g.shape, wrap)]
    count = int(np.size(val))
    if np.ndim(val) == 0:
        return np.sum(picked)
    owner = np.arange(picked.size) % count
    out = np.bincount(owner, weights=np.real(picked), minlength=count)
    if np.iscomplexobj(picked):
        out = out + 1j * np.bincount(owner, weights=np.imag(picked), minlength=count)
    return out.reshape(np.shape(val))
