"""Definitions in plain NumPy that srcad differentiates `scipy.signal`'s `correlate`,
`convolve2d`, `correlate2d`, `fftconvolve` and `detrend`, and
`scipy.ndimage.map_coordinates` from (registered in srcad/rules/scipy_signal_more.py).

The correlations and convolutions are written over srcad's `scipy.signal.convolve`
wrapper, whose rules (srcad/rules/scipy_linalg.py) differentiate both inputs:
``correlate(a, v, mode)`` is ``convolve(a, conj(flip(v)), mode)`` (flipped along every
axis). The 2-D functions extend `in1` by ``len(in2) - 1`` samples at both ends of
each axis as their `boundary` says (a constant `fillvalue`, periodically, or by
reflection; a gather at constant indices) and take the 'valid' part of the
convolution of the extension; with SciPy's default zero fill they are the n-D
functions. `correlate2d` centres its 'same' output differently from `correlate` (half
a sample the other way for an even margin), and in 'valid' mode with the larger array
second it returns the flipped ``correlate(in2, in1)`` (the conjugate of `correlate`'s
value for complex arrays).
`detrend` subtracts the mean, or the least-squares line of each piece.

`map_coordinates` of order 0 or 1 is a gather of the input at the integer corners of
each point weighted by the fractional parts of the coordinates, so it is linear in the
input and piecewise polynomial in the coordinates; higher orders (spline prefiltering)
are refused.
"""

from __future__ import annotations

import itertools

import numpy as np

from srcad.runtime.definitions import refuse_option
from srcad.runtime.marks import check_only, differentiated_from_source
from srcad.runtime.scipy_linalg import convolve

# ----------------------------------------------------------------------------- convolution


@differentiated_from_source
def correlate(in1, in2, mode="full", method="auto"):
    """scipy.signal.correlate: the convolution with the conjugated, flipped `in2`."""
    return convolve(in1, np.conjugate(np.flip(np.asarray(in2))), mode, method)


_FILL, _WRAP, _SYMMETRIC = ("fill", "pad"), ("wrap", "circular"), ("symm", "symmetric")


@check_only
def check_two_dimensional(function, in1, in2, mode, boundary) -> None:
    """SciPy's `convolve2d` and `correlate2d` take 2-D arrays, these modes and these
    boundaries."""
    if np.ndim(in1) != 2 or np.ndim(in2) != 2:
        raise ValueError(f"{function} inputs must both be 2-D arrays")
    if mode not in ("full", "same", "valid"):
        raise ValueError("Acceptable mode flags are 'valid', 'same', or 'full'.")
    if boundary not in _FILL + _WRAP + _SYMMETRIC:
        raise ValueError("Acceptable boundary flags are 'fill', 'circular' (or 'wrap'), "
                         "and 'symmetric' (or 'symm').")


def extension_index(n, pad, boundary):
    """Indices of a length-`n` axis extended by `pad` samples at both ends, periodically
    ('wrap') or by reflection with the edge sample repeated ('symm')."""
    i = np.arange(-pad, n + pad)
    if boundary in _WRAP:
        return i % n
    j = i % (2 * n)
    return np.where(j < n, j, 2 * n - 1 - j)


@differentiated_from_source
def extended(in1, s2, boundary, fillvalue):
    """`in1` extended by ``len(in2) - 1`` samples at both ends of both axes as the
    boundary condition says: the values its full convolution with `in2` sees."""
    p0, p1 = s2[0] - 1, s2[1] - 1
    if boundary in _FILL:
        return np.pad(in1 - fillvalue, ((p0, p0), (p1, p1))) + fillvalue
    rows = extension_index(np.shape(in1)[0], p0, boundary)
    cols = extension_index(np.shape(in1)[1], p1, boundary)
    return in1[rows[:, None], cols[None, :]]


@differentiated_from_source
def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """scipy.signal.convolve2d: the convolution of `in1` extended as `boundary` and
    `fillvalue` say (no extension in 'valid' mode)."""
    check_two_dimensional("convolve2d", in1, in2, mode, boundary)
    if mode == "valid" or (boundary in _FILL and np.all(fillvalue == 0)):
        return convolve(in1, in2, mode)
    in1 = np.asarray(in1)
    full = convolve(extended(in1, np.shape(in2), boundary, fillvalue), in2, "valid")
    if mode == "full":
        return full
    i, j = ((np.shape(in2)[0] - 1) // 2, (np.shape(in2)[1] - 1) // 2)
    return full[i:i + np.shape(in1)[0], j:j + np.shape(in1)[1]]


@differentiated_from_source
def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """scipy.signal.correlate2d: the correlation of `in1` extended as `boundary` and
    `fillvalue` say (no extension in 'valid' mode)."""
    check_two_dimensional("correlate2d", in1, in2, mode, boundary)
    if mode == "valid" and any(a < b for a, b in zip(np.shape(in1), np.shape(in2))):
        # SciPy swaps the inputs and flips the result back, unconjugated
        return np.flip(correlate(in2, in1, mode))
    if mode == "valid":
        return correlate(in1, in2, mode)
    if boundary in _FILL and np.all(fillvalue == 0):
        full = correlate(in1, in2, "full")
    else:
        kernel = np.conjugate(np.flip(np.asarray(in2)))
        full = convolve(extended(np.asarray(in1), np.shape(in2), boundary, fillvalue),
                        kernel, "valid")
    if mode == "full":
        return full
    # half the margin len(in2) - 1, rounded up (convolve2d rounds down)
    i, j = np.shape(in2)[0] // 2, np.shape(in2)[1] // 2
    return full[i:i + np.shape(in1)[0], j:j + np.shape(in1)[1]]


def fft_conv_plan(s1, s2, mode, axes):
    """SciPy's plan of `fftconvolve` along `axes`: whether it swaps the inputs, the
    axes it transforms (not those of length 1, which broadcast), their full lengths,
    and the slices of the full result `mode` keeps."""
    if len(s1) != len(s2):
        raise ValueError("in1 and in2 should have the same dimensionality")
    if mode not in ("full", "same", "valid"):
        raise ValueError("acceptable mode flags are 'valid', 'same', or 'full'")
    ndim = len(s1)
    axes = [int(a) % ndim for a in np.atleast_1d(axes)]
    if not axes:
        raise ValueError("when provided, axes cannot be empty")
    axes = [a for a in axes if s1[a] != 1 and s2[a] != 1]
    if not all(s1[a] == s2[a] or 1 in (s1[a], s2[a]) for a in range(ndim) if a not in axes):
        raise ValueError(f"incompatible shapes for in1 and in2: {s1} and {s2}")
    swap = mode == "valid" and not all(s1[a] >= s2[a] for a in axes)
    if swap:
        if not all(s2[a] >= s1[a] for a in axes):
            raise ValueError("For 'valid' mode, one must be at least as large as the other "
                             "in every dimension")
        s1, s2 = s2, s1
    full = [s1[a] + s2[a] - 1 if a in axes else max(s1[a], s2[a]) for a in range(ndim)]
    if mode == "full":
        kept = full
    elif mode == "same":
        kept = list(s1)
    else:
        kept = [s1[a] - s2[a] + 1 if a in axes else full[a] for a in range(ndim)]
    starts = [(f - k) // 2 for f, k in zip(full, kept)]
    keep = tuple(slice(b, b + k) for b, k in zip(starts, kept))
    return swap, axes, [full[a] for a in axes], keep


@check_only
def check_real_inputs(in1, in2) -> None:
    """`fftconvolve` along chosen axes is differentiated for real arrays."""
    if np.iscomplexobj(in1) or np.iscomplexobj(in2):
        refuse_option("scipy.signal.fftconvolve", "axes (with complex arrays)")


@differentiated_from_source
def fftconvolve(in1, in2, mode="full", axes=None):
    """scipy.signal.fftconvolve: the convolution over all axes, or over `axes` (real
    arrays, broadcast along the others) by `np.fft.rfftn` of the zero-padded inputs."""
    if axes is None:
        return convolve(in1, in2, mode, "fft")
    check_real_inputs(in1, in2)
    a = np.asarray(in1)
    b = np.asarray(in2)
    swap, conv_axes, lengths, keep = fft_conv_plan(np.shape(a), np.shape(b), mode, axes)
    if swap:
        a, b = b, a
    if not conv_axes:
        return (a * b)[keep]
    spectrum = np.fft.rfftn(a, lengths, conv_axes) * np.fft.rfftn(b, lengths, conv_axes)
    return np.fft.irfftn(spectrum, lengths, conv_axes)[keep]


# ----------------------------------------------------------------------------- detrend


def breakpoints(bp, n):
    """The sorted pieces' bounds of `detrend`: 0, the breakpoints and `n`."""
    bounds = np.unique(np.concatenate((np.atleast_1d(0), np.atleast_1d(bp), np.atleast_1d(n))))
    if np.any(bounds > n):
        raise ValueError("Breakpoints must be less than length of data along given axis.")
    return [int(b) for b in bounds]


@differentiated_from_source
def remove_line(x):
    """`x` less its least-squares line along the last axis."""
    n = np.shape(x)[-1]
    if n <= 2:
        return x - x
    t = np.arange(n) - (n - 1) / 2.0
    centered = x - np.mean(x, axis=-1, keepdims=True)
    slope = np.sum(centered * t, axis=-1, keepdims=True) / np.sum(t * t)
    return centered - slope * t


@differentiated_from_source
def detrend(data, axis=-1, type="linear", bp=0, overwrite_data=False):
    """scipy.signal.detrend: `data` less its mean (type 'constant') or, piece by piece
    between the breakpoints `bp`, less its least-squares line (type 'linear')."""
    data = np.asarray(data)
    if type in ("constant", "c"):
        return data - np.mean(data, axis=axis, keepdims=True)
    if type not in ("linear", "l"):
        raise ValueError("Trend type must be 'linear' or 'constant'.")
    x = np.moveaxis(data, axis, -1)
    bounds = breakpoints(bp, np.shape(x)[-1])
    pieces = [remove_line(x[..., bounds[k]:bounds[k + 1]]) for k in range(len(bounds) - 1)]
    out = pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=-1)
    return np.moveaxis(out, -1, axis)


# ----------------------------------------------------------------------------- map_coordinates

_MODES = ("constant", "nearest", "grid-constant")
_EXTENDED = ("reflect", "grid-mirror", "mirror", "grid-wrap")


@check_only
def check_map_options(order, mode, output, prefilter) -> None:
    """Refuse the options of `map_coordinates` these definitions do not implement."""
    if order not in (0, 1):
        refuse_option("scipy.ndimage.map_coordinates", f"order={order!r} (only 0 and 1)")
    if mode not in _MODES + _EXTENDED or (order == 0 and mode == "mirror"):
        refuse_option("scipy.ndimage.map_coordinates",
                      f"mode={mode!r} (with order={order!r})")
    if output is not None:
        refuse_option("scipy.ndimage.map_coordinates", "output")


def sample_index(i, n, mode):
    """The sample an integer index `i` of an axis of length `n` reads in `mode` (an
    index in range), and whether `i` itself is in range."""
    inside = (i >= 0) & (i <= n - 1)
    if mode == "grid-wrap":
        return i % n, inside
    if mode in ("reflect", "grid-mirror"):  # d c b a | a b c d | d c b a
        j = i % (2 * n)
        return np.where(j < n, j, 2 * n - 1 - j), inside
    if mode == "mirror" and n > 1:  # d c b | a b c d | c b a
        j = i % (2 * n - 2)
        return np.where(j < n, j, 2 * n - 2 - j), inside
    return np.clip(i, 0, n - 1), inside


def nearest_index(c, n, mode):
    """The sample order-0 interpolation reads at coordinate `c` (SciPy maps periodic
    and reflected coordinates into the grid first, then rounds halves up)."""
    if mode in ("reflect", "grid-mirror"):
        u = np.mod(c + 0.5, 2.0 * n)
        c = np.where(u < n, u - 0.5, 2.0 * n - u - 0.5)
    elif mode == "grid-wrap":
        c = np.mod(c + 0.5, 1.0 * n) - 0.5
    return np.floor(c + 0.5).astype(np.intp)


@differentiated_from_source
def map_coordinates(input, coordinates, output=None, order=3, mode="constant", cval=0.0,
                    prefilter=True):
    """scipy.ndimage.map_coordinates of order 0 (nearest sample, halves rounded up) or
    1 (multilinear), modes 'constant' (`cval` outside ``[0, n - 1]``), 'nearest'
    (coordinates clipped into the grid), 'grid-constant' (`cval` at the samples beyond
    the edges), 'reflect' / 'grid-mirror', 'mirror' (order 1) and 'grid-wrap'."""
    check_map_options(order, mode, output, prefilter)
    a = np.asarray(input)
    c = np.asarray(coordinates)
    if np.shape(c)[0] != a.ndim:
        raise RuntimeError("invalid shape for coordinate array")
    shape = np.shape(np.real(a))  # (np.shape(a) would count as complex for srcad)
    inside = True
    index, lows, fractions = [], [], []
    for d in range(a.ndim):
        cd = c[d]
        if mode == "nearest":
            cd = np.clip(cd, 0.0, shape[d] - 1.0)
        elif mode == "constant":
            inside = inside & (cd >= 0.0) & (cd <= shape[d] - 1.0)
        if order == 0:
            i, ok = sample_index(nearest_index(cd, shape[d], mode), shape[d], mode)
            index.append(i)
            inside = inside & ok
        else:
            low = np.floor(cd).astype(np.intp)
            if mode in ("constant", "nearest"):
                low = np.clip(low, 0, max(shape[d] - 2, 0))
            lows.append(low)
            fractions.append(cd - low)
    if order == 0:
        values = a[tuple(index)]
    else:
        values = 0.0
        for corner in itertools.product((0, 1), repeat=a.ndim):
            weight = 1.0
            at = []
            valid = True
            for d in range(a.ndim):
                i, ok = sample_index(lows[d] + corner[d], shape[d], mode)
                at.append(i)
                valid = valid & ok
                weight = weight * (fractions[d] if corner[d] else 1.0 - fractions[d])
            sample = a[tuple(at)]
            if mode == "grid-constant":
                sample = np.where(valid, sample, cval)
            values = values + weight * sample
    if mode == "constant" or (order == 0 and mode == "grid-constant"):
        values = np.where(inside, values, cval)
    if a.dtype.kind in "iub":
        return np.rint(values).astype(a.dtype)
    return values
