"""Helpers for the rules of `scipy.linalg` (sqrtm, solve_sylvester, solve_banded) and
`scipy.signal.convolve` / `correlate`.

SciPy is optional and slow to import: `solve_sylvester`, `solve_banded` and `convolve`
here call SciPy's (importing it on the first call) and share its rules, so that helpers
written with them (marked `differentiated_from_source`) have second derivatives.

* ``X = sqrtm(A)``: ``X X = A``, so ``dX X + X dX = dA`` (a Sylvester equation) and the
  adjoint solves the transposed one: ``X^T G + G X^T = gX``.
* ``X = solve_sylvester(a, b, q)`` (``a X + X b = q``): ``dX`` solves it with right-hand
  side ``dq - da X - X db``; with ``L`` solving the transposed equation for ``gX``:
  ``gq = L``, ``ga = -L X^T``, ``gb = -X^T L``.
* ``x = solve_banded((l, u), ab, b)`` solves ``A x = b`` for the band matrix ``A`` stored
  in LAPACK's layout (``A[i, j] = ab[u + i - j, j]``): ``gb = A^-T gx`` and ``gab`` the
  band entries of ``-gb x^T``.
* ``y = convolve(a, v, mode)`` is the middle of the full convolution: its adjoint in
  ``a`` correlates the adjoint, placed back in the full output, with ``v``
  (``correlate`` conjugates ``v``: srcad's convention for complex values).
"""

from __future__ import annotations

import numpy as np

from srcad.errors import NoDerivativeError
from srcad.runtime.linalg import _is_zero
from srcad.runtime.marks import check_only, differentiated_from_source


def solve_sylvester(a, b, q):
    """scipy.linalg.solve_sylvester (SciPy imported on the first call); the helpers
    below call it by this name, which has the same rules."""
    import scipy.linalg

    return scipy.linalg.solve_sylvester(a, b, q)


def solve_banded(l_and_u, ab, b):
    """scipy.linalg.solve_banded (SciPy imported on the first call)."""
    import scipy.linalg

    return scipy.linalg.solve_banded(l_and_u, ab, b)


def convolve(in1, in2, mode="full", method="auto"):
    """scipy.signal.convolve (SciPy imported on the first call)."""
    import scipy.signal

    return scipy.signal.convolve(in1, in2, mode, method)


# ----------------------------------------------------------------------------- sqrtm


@check_only
def check_real_root(y, a) -> None:
    """Refuse the derivative of a real matrix's square root that came out complex (a
    negative eigenvalue): srcad treats a real input's outputs as real."""
    if np.iscomplexobj(y) and not np.iscomplexobj(a):
        raise NoDerivativeError(
            "scipy.linalg.sqrtm of a real matrix with negative eigenvalues is complex: "
            "srcad differentiates it for complex matrices (pass a + 0j) or real roots",
            hint="pass a complex matrix (a + 0j) if a complex square root is meant")


@differentiated_from_source
def sqrtm_adjoint(g, y, a):
    """The adjoint of `a` in y = sqrtm(a): G with y^T G + G y^T = g."""
    check_real_root(y, a)
    yt = np.conjugate(np.transpose(y))
    return solve_sylvester(yt, yt, g)


@differentiated_from_source
def sqrtm_tangent(da, y, a):
    """The tangent of sqrtm(a) along `da`: dY with y dY + dY y = da."""
    check_real_root(y, a)
    return solve_sylvester(y, y, da)


# ----------------------------------------------------------------------------- sylvester


@differentiated_from_source
def sylvester_multiplier(g, a, b):
    """L solving the transposed Sylvester equation a^T L + L b^T = g."""
    return solve_sylvester(np.conjugate(np.transpose(a)),
                                     np.conjugate(np.transpose(b)), g)


@differentiated_from_source
def sylvester_tangent(x, a, b, da, db, dq):
    """The tangent of solve_sylvester(a, b, q) (= x) along (da, db, dq); a tangent may
    be the scalar 0.0 (not differentiated)."""
    rhs = dq - np.zeros_like(x)
    if not _is_zero(da):
        rhs = rhs - da @ x
    if not _is_zero(db):
        rhs = rhs - x @ db
    return solve_sylvester(a, b, rhs)


# ----------------------------------------------------------------------------- banded


def _band_mask(l_and_u, n):
    """Which entries of an (l + u + 1, n) band layout hold entries of the matrix."""
    lower, upper = l_and_u
    rows = np.arange(lower + upper + 1)[:, None]
    cols = np.arange(n)[None, :]
    i = rows - upper + cols  # the matrix row each layout entry holds
    return (i >= 0) & (i < n)


def banded_dense(l_and_u, ab):
    """The n x n matrix A that LAPACK's band layout `ab` stores: A[i, j] =
    ab[u + i - j, j] (the layout's corners, outside the matrix, are not read)."""
    lower, upper = l_and_u
    ab = np.asarray(ab)
    n = ab.shape[-1]
    out = np.zeros(ab.shape[:-2] + (n, n), dtype=ab.dtype)
    mask = _band_mask(l_and_u, n)
    rows, cols = np.nonzero(mask)
    out[..., rows - upper + cols, cols] = ab[..., rows, cols]
    return out


def band_entries(l_and_u, m):
    """The band layout of the square matrix `m` (its entries inside the band; zeros in
    the corners): the adjoint of `banded_dense`."""
    lower, upper = l_and_u
    m = np.asarray(m)
    n = m.shape[-1]
    out = np.zeros(m.shape[:-2] + (lower + upper + 1, n), dtype=m.dtype)
    rows, cols = np.nonzero(_band_mask(l_and_u, n))
    out[..., rows, cols] = m[..., rows - upper + cols, cols]
    return out


@differentiated_from_source
def solve_banded_transposed(l_and_u, ab, g):
    """A^-T g (A^-H g for complex A) for the band matrix stored in `ab`."""
    lower, upper = l_and_u
    at = np.conjugate(np.transpose(banded_dense(l_and_u, ab)))
    return solve_banded((upper, lower), band_entries((upper, lower), at), g)


@differentiated_from_source
def outer_columns(gb, x):
    """gb x^H summed over the right-hand sides (the columns of a 2-d b)."""
    n = np.shape(gb)[0]
    return np.reshape(gb, (n, -1)) @ np.conjugate(np.transpose(np.reshape(x, (n, -1))))


@differentiated_from_source
def solve_banded_tangent(x, l_and_u, ab, dab, db):
    """The tangent of solve_banded(l_and_u, ab, b) (= x) along (dab, db); a tangent may
    be the scalar 0.0 (not differentiated)."""
    rhs = db - np.zeros_like(x)
    if not _is_zero(dab):
        rhs = rhs - banded_dense(l_and_u, dab) @ x
    return solve_banded(l_and_u, ab, rhs)


# ----------------------------------------------------------------------------- convolve


def full_offsets(s1, s2, mode):
    """Where the output of convolve(in1, in2, mode) starts inside the full convolution,
    per axis, and the full shape."""
    full = tuple(a + b - 1 for a, b in zip(s1, s2))
    if mode == "full":
        out = full
    elif mode == "same":
        out = tuple(s1)
    elif mode == "valid":
        out = tuple(abs(a - b) + 1 for a, b in zip(s1, s2))
    else:
        raise ValueError("acceptable mode flags are 'valid', 'same', or 'full'")
    return tuple((f - o) // 2 for f, o in zip(full, out)), full


@differentiated_from_source
def into_full(g, s1, s2, mode):
    """The adjoint `g` of convolve(in1, in2, mode) placed in the full output's shape."""
    start, full = full_offsets(s1, s2, mode)
    g = np.asarray(g)
    if g.ndim == 0:
        return g  # (numbers: the full output is the one product)
    widths = [(b, f - b - n) for b, f, n in zip(start, full, g.shape)]
    return np.pad(g, widths)


@differentiated_from_source
def convolve_adjoint(g, other, s1, s2, mode, method="auto"):
    """The adjoint of one input (of shape s1 if it is in1, else s2) of
    convolve(in1, in2, mode, method) given the adjoint `g` of the output: the full-size
    adjoint correlated with the other input (valid part), by the same method."""
    full = into_full(g, s1, s2, mode)
    flipped = np.flip(np.conjugate(other))
    return convolve(full, flipped, "valid", method)
