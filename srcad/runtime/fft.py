"""Helpers for the derivative rules of `np.fft` (srcad/rules/numpy_fft.py).

Every transform of `np.fft` is linear, so each `*_adjoint` helper applies the
transposed map to the adjoint `g` of the transform's output, following srcad's
complex convention: the adjoint of ``z = x + iy`` is ``dL/dx + 1j * dL/dy``, so a
complex-linear map ``w = A z`` has the adjoint ``dz = A^H dw``. The adjoint of a real
input is the real part of that, and the helpers return it as a real array.

Facts used throughout (``dual`` swaps "backward" and "forward" and keeps "ortho"):

* ``fft(norm=N)^H == ifft(norm=dual(N))`` and ``ifft(norm=N)^H == fft(norm=dual(N))``,
  one axis or several (`fftn` scales by the product of its axes' factors);
* zero-padding and truncation (the `n` / `s` arguments) are each other's transposes;
* ``rfft`` is ``fft`` followed by keeping the first ``n // 2 + 1`` entries, so its
  transpose pads them back with zeros before ``ifft``;
* ``irfft`` reads only the first ``n // 2 + 1`` entries and mirrors the others as
  conjugates, so its transpose is ``rfft`` with every entry but the zero-frequency one
  (and the Nyquist one, for even ``n``) doubled.
"""

from __future__ import annotations

import numpy as np

_DUAL = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def dual_norm(norm):
    """The `norm` whose transform is the conjugate transpose of one with `norm`.

    Parameters
    ----------
    norm : {None, "backward", "ortho", "forward"}
        A normalization mode of `np.fft` (None means "backward").

    Returns
    -------
    str
        "forward" for "backward" (or None), "backward" for "forward", "ortho" for "ortho".
    """
    try:
        return _DUAL[norm]
    except KeyError:
        raise ValueError(f"invalid norm {norm!r}: use None, 'backward', 'ortho' "
                         "or 'forward'") from None


def fft_axes(a, s=None, axes=None):
    """The axes an n-dimensional transform of `a` runs over, as NumPy picks them.

    Parameters
    ----------
    a : array_like
        The transform's input.
    s : sequence of int, optional
        The transform's lengths; when `axes` is None they apply to the last ``len(s)``
        axes.
    axes : sequence of int, optional
        The transform's axes; None means every axis (or the last ``len(s)``).

    Returns
    -------
    list of int
        Non-negative axes, in the order the transform gives them.
    """
    ndim = np.ndim(a)
    if axes is None:
        axes = range(ndim - len(s), ndim) if s is not None else range(ndim)
    return [int(ax) % ndim for ax in axes]


def fft_lengths(g, a, s=None, axes=None):
    """The lengths of `g` along the axes a transform of `a` with `s`, `axes` runs over.

    With `g` the output of ``fftn(a, s, axes)`` (or its adjoint), these are the `s`
    that transforms `a` into an array of `g`'s shape.
    """
    return [np.shape(g)[ax] for ax in fft_axes(a, s, axes)]


def fit(a, lengths, axes):
    """`a` truncated or zero-padded to `lengths` along `axes`.

    This is what the `n` and `s` arguments of `np.fft` do to an input; the same
    function is also its transpose (fit back to the input's lengths).

    Parameters
    ----------
    a : array_like
        The array to fit.
    lengths : sequence of int
        The new length along each axis of `axes`.
    axes : sequence of int
        The axes to fit.

    Returns
    -------
    ndarray
        `a` itself when no length changes, else a new array.
    """
    a = np.asarray(a)
    for length, ax in zip(lengths, axes):
        have = a.shape[ax]
        if length < have:
            a = a[(slice(None),) * (ax % a.ndim) + (slice(0, length),)]
        elif length > have:
            widths = [(0, 0)] * a.ndim
            widths[ax] = (0, length - have)
            a = np.pad(a, widths)
    return a


def fit_like(g, a, axes):
    """`g` fitted (truncated or zero-padded) to `a`'s lengths along `axes`, and made
    real when `a` is real (the adjoint of a real input is the real part)."""
    g = fit(g, [np.shape(a)[ax] for ax in axes], axes)
    return g if np.iscomplexobj(a) else np.real(g)


def _axes_of(a, axis):
    """`[axis]` as a non-negative axis of `a`."""
    return [int(axis) % np.ndim(a)]


def _real_fft_length(a, n, axis):
    """The signal length `n` of `irfft(a, n, axis)` (by default ``2 * (m - 1)``)."""
    return 2 * (np.shape(a)[axis] - 1) if n is None else int(n)


def _weights(n, axis, ndim):
    """The transpose weights of a half spectrum of a length-`n` real signal: 1 for the
    zero frequency and (for even `n`) the Nyquist one, 2 for the others. Shaped to
    broadcast along `axis` of an array of `ndim` dimensions."""
    c = np.full(n // 2 + 1, 2.0)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = c.size
    return c.reshape(shape)


# ----------------------------------------------------------------------------- complex FFTs


def fft_adjoint(g, a, axis=-1, norm=None):
    """The adjoint of `a` in ``np.fft.fft(a, n, axis, norm)`` from the output's `g`."""
    axes = _axes_of(a, axis)
    return fit_like(np.fft.ifft(g, axis=axes[0], norm=dual_norm(norm)), a, axes)


def ifft_adjoint(g, a, axis=-1, norm=None):
    """The adjoint of `a` in ``np.fft.ifft(a, n, axis, norm)`` from the output's `g`."""
    axes = _axes_of(a, axis)
    return fit_like(np.fft.fft(g, axis=axes[0], norm=dual_norm(norm)), a, axes)


def fftn_adjoint(g, a, s=None, axes=None, norm=None):
    """The adjoint of `a` in ``np.fft.fftn(a, s, axes, norm)`` (also `fft2`)."""
    axes = fft_axes(a, s, axes)
    return fit_like(np.fft.ifftn(g, axes=axes, norm=dual_norm(norm)), a, axes)


def ifftn_adjoint(g, a, s=None, axes=None, norm=None):
    """The adjoint of `a` in ``np.fft.ifftn(a, s, axes, norm)`` (also `ifft2`)."""
    axes = fft_axes(a, s, axes)
    return fit_like(np.fft.fftn(g, axes=axes, norm=dual_norm(norm)), a, axes)


# ----------------------------------------------------------------------------- real FFTs


def rfft_adjoint(g, a, n=None, axis=-1, norm=None):
    """The adjoint of the real `a` in ``np.fft.rfft(a, n, axis, norm)``.

    The half spectrum `g` is zero-padded to the full length `n`, transformed back
    with ``ifft(norm=dual(norm))``, and its real part fitted to `a`'s length.
    """
    axes = _axes_of(a, axis)
    n = np.shape(a)[axes[0]] if n is None else int(n)
    full = fit(g, [n], axes)
    return fit_like(np.real(np.fft.ifft(full, axis=axes[0], norm=dual_norm(norm))), a, axes)


def irfft_adjoint(g, a, n=None, axis=-1, norm=None):
    """The adjoint of the half spectrum `a` in ``np.fft.irfft(a, n, axis, norm)``.

    ``rfft(g, norm=dual(norm))`` with the entries that stand for two mirrored
    frequencies doubled, fitted to `a`'s length. The imaginary parts NumPy ignores
    (zero frequency, and Nyquist for even `n`) get a zero adjoint.
    """
    axes = _axes_of(a, axis)
    n = _real_fft_length(a, n, axes[0])
    half = np.fft.rfft(g, axis=axes[0], norm=dual_norm(norm)) * _weights(n, axes[0], np.ndim(g))
    return fit_like(half, a, axes)


def rfftn_adjoint(g, a, s=None, axes=None, norm=None):
    """The adjoint of the real `a` in ``np.fft.rfftn(a, s, axes, norm)`` (also `rfft2`).

    The half spectrum along the last of `axes` is zero-padded to its full length, then
    ``ifftn(norm=dual(norm))`` runs over every axis, and the real part is fitted to
    `a`'s shape.
    """
    axes = fft_axes(a, s, axes)
    last = np.shape(a)[axes[-1]] if s is None else int(s[-1])
    full = fit(g, [last], axes[-1:])
    return fit_like(np.real(np.fft.ifftn(full, axes=axes, norm=dual_norm(norm))), a, axes)


def irfftn_adjoint(g, a, s=None, axes=None, norm=None):
    """The adjoint of the half spectrum `a` in ``np.fft.irfftn(a, s, axes, norm)``
    (also `irfft2`): ``rfftn(g, norm=dual(norm))`` over the output's axes, weighted
    along the last axis as in `irfft_adjoint`, fitted to `a`'s shape."""
    axes = fft_axes(a, s, axes)
    n = np.shape(g)[axes[-1]]
    half = np.fft.rfftn(g, axes=axes, norm=dual_norm(norm)) * _weights(n, axes[-1], np.ndim(g))
    return fit_like(half, a, axes)


# ----------------------------------------------------------------------------- Hermitian FFTs


def hfft_adjoint(g, a, n=None, axis=-1, norm=None):
    """The adjoint of `a` in ``np.fft.hfft(a, n, axis, norm)``.

    NumPy computes ``hfft(a, norm=N)`` as ``irfft(conj(a), norm=dual(N))``, and the
    adjoint of a conjugation is the conjugate of the adjoint.
    """
    return np.conj(irfft_adjoint(g, a, n, axis, dual_norm(norm)))


def ihfft_adjoint(g, a, n=None, axis=-1, norm=None):
    """The adjoint of the real `a` in ``np.fft.ihfft(a, n, axis, norm)``, which NumPy
    computes as ``conj(rfft(a, n, norm=dual(N)))``."""
    return rfft_adjoint(np.conj(g), a, n, axis, dual_norm(norm))
