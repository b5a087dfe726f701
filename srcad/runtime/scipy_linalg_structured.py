"""Helpers for the rules of scipy.linalg's structured matrices
(srcad/rules/scipy_linalg_more.py): block_diag, toeplitz and circulant. Conventions as
in srcad/runtime/scipy_linalg_more.py.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime import unbroadcast
from srcad.runtime.linalg import (
    _as_array_like,
    _is_zero,
)
from srcad.runtime.marks import differentiated_from_source

# ============================================================================ block_diag


def _block_shape(shape):
    """How scipy.linalg.block_diag reads an argument of this shape: as a 2-d block."""
    if len(shape) == 0:
        return (1, 1)
    if len(shape) == 1:
        return (1, shape[0])
    return tuple(shape)


def block_diag_from(pieces, arrs):
    """The block-diagonal matrix of `pieces` (each shaped like the argument of
    scipy.linalg.block_diag in its place in `arrs`, or the scalar 0.0 for zeros), as
    block_diag builds it."""
    blocks = [_block_shape(np.shape(a)) for a in arrs]
    if not isinstance(pieces, (tuple, list)):  # the scalar 0.0: all zero
        pieces = (pieces,) * len(blocks)
    rows = sum(b[0] for b in blocks)
    cols = sum(b[1] for b in blocks)
    dtype = np.result_type(np.float64, *[p for p in pieces if np.ndim(p) or np.iscomplexobj(p)])
    out = np.zeros((rows, cols), dtype=dtype)
    r = c = 0
    for piece, (m, n) in zip(pieces, blocks):
        if not _is_zero(piece):
            out[r:r + m, c:c + n] = np.reshape(piece, (m, n))
        r, c = r + m, c + n
    return out


def block_diag_adjoint(g, arrs):
    """The blocks of `g` on the diagonal, each shaped like its argument in `arrs`: the
    adjoint of `block_diag_from`."""
    g = np.asarray(g)
    out = []
    r = c = 0
    for shape in (np.shape(a) for a in arrs):
        m, n = _block_shape(shape)
        out.append(np.reshape(g[r:r + m, c:c + n], shape))
        r, c = r + m, c + n
    return tuple(out)


# ============================================================================ toeplitz, circulant


def toeplitz_dense(values, m):
    """The m x n Toeplitz matrix with entries values[m - 1 - i + j] (values holds the
    first column reversed, then the first row without its first entry)."""
    values = np.asarray(values)
    n = values.shape[-1] - m + 1
    index = (m - 1) - np.arange(m)[:, None] + np.arange(n)[None, :]
    return values[..., index]


def toeplitz_sums(g):
    """The sums of the diagonals of `g`, from the lowest to the highest: the adjoint of
    `toeplitz_dense`."""
    g = np.asarray(g)
    m, n = g.shape[-2:]
    out = np.zeros(g.shape[:-2] + (m, m + n - 1), dtype=g.dtype)
    rows = np.arange(m)[:, None]
    out[..., rows, rows + np.arange(n)[None, :]] = g[..., ::-1, :]
    return np.sum(out, axis=-2)


@differentiated_from_source
def toeplitz_adjoint(g, c, r=None):
    """The adjoints of (c, r) in scipy.linalg.toeplitz(c, r): sums over the diagonals;
    r[0] is not read; without r, the first row is conj(c)."""
    m = np.shape(c)[-1] if np.ndim(c) else 1  # (a number is a one-entry column)
    sums = toeplitz_sums(g)
    gc = np.flip(sums[..., :m], axis=-1)
    above = sums[..., m:]
    head = np.zeros_like(sums[..., :1])
    if r is not None and np.ndim(r) == 0:
        return unbroadcast(gc, c), 0.0  # (a one-entry first row: its entry is not read)
    if r is None:
        gc = gc + np.conjugate(np.concatenate([head, above], axis=-1))
        return unbroadcast(gc, c), 0.0
    return unbroadcast(gc, c), unbroadcast(np.concatenate([head, above], axis=-1), r)


@differentiated_from_source
def toeplitz_tangent(dc, dr, c, r=None):
    m = np.shape(c)[-1] if np.ndim(c) else 1  # (a number is a one-entry column)
    dc = _as_array_like(dc, c)
    if r is None:
        dr = np.conjugate(dc)
    elif np.ndim(r) == 0:
        dr = np.zeros(np.shape(dc)[:-1] + (1,))  # (a one-entry first row, not read)
    else:
        dr = _as_array_like(dr, r)
    shape = np.broadcast_shapes(np.shape(dc)[:-1], np.shape(dr)[:-1])
    first = np.broadcast_to(np.flip(dc, axis=-1), shape + (m,))
    rest = np.broadcast_to(dr[..., 1:], shape + (np.shape(dr)[-1] - 1,))
    return toeplitz_dense(np.concatenate([first, rest], axis=-1), m)


def circulant_dense(c):
    """The circulant matrix of c: entries c[(i - j) mod n] (scipy.linalg.circulant)."""
    c = np.asarray(c)
    n = c.shape[-1]
    return c[..., (np.arange(n)[:, None] - np.arange(n)[None, :]) % n]


def circulant_sums(g):
    """The sums of `g` over the wrapped diagonals (i - j) mod n = k: the adjoint of
    `circulant_dense`."""
    g = np.asarray(g)
    n = g.shape[-1]
    rows = np.arange(n)[:, None]
    return np.sum(g[..., rows, (rows - np.arange(n)[None, :]) % n], axis=-2)
