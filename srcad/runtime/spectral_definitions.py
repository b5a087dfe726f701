"""Definitions in plain NumPy that srcad differentiates `scipy.fft`'s `dct`, `idct`,
`dctn` and `idctn` and `scipy.signal`'s `welch`, `csd`, `stft` and `istft` from
(registered in srcad/rules/scipy_signal_more.py).

* The discrete cosine transforms of types 1 to 4 are linear maps with real matrices
  (`transform_matrix`, with SciPy's normalizations and orthogonalization); the inverse
  transforms apply the inverse matrices. A matrix product along an axis is
  differentiated by the rules of `matmul`, so their adjoints are the transposed maps.
  (A dense matrix costs O(n^2) time and memory in the transform length n, where
  SciPy's FFT-based transforms take O(n log n): fine for blocks and images, slow for
  signals of many thousands of samples.)
* `stft` cuts the (extended, padded) signal into overlapping segments
  (`sliding_window_view`, whose adjoint sums the overlaps back), detrends and windows
  them, and transforms each with `np.fft.rfft` (`fft` for a complex signal); `istft`
  inverts each segment's one-sided spectrum with `irfft` and adds the windowed segments
  up, divided by the sum of the squared windows (two-sided spectra, whose inverse SciPy
  leaves complex, are refused). Both are linear in the signal.
* `csd` averages ``conj(X) * Y`` over the segments of the two signals' transforms
  (SciPy's `ShortTimeFFT.spectrogram`), `welch` is ``csd(x, x)``, real. Their
  frequencies are constants.

The window is SciPy's (`scipy.signal.get_window` of a constant name and length), or
the user's array; callable `detrend` arguments are refused.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from srcad.runtime.definitions import refuse_option
from srcad.runtime.marks import check_only, differentiated_from_source
from srcad.runtime.signal_definitions import remove_line

sliding_window_view = np.lib.stride_tricks.sliding_window_view

# ----------------------------------------------------------------------------- DCT


def _cos_pi(a, b):
    """``cos(pi * a / b)`` for integers `a` (an array) and ``b > 0``."""
    return np.cos(np.pi * (np.mod(a, 2 * b) / b))


def _dct_parts(n, type, norm, orthogonalize):
    """The matrix of ``scipy.fft.dct`` as ``factor * rows[:, None] * m * cols``: `m`
    the unnormalized matrix of the type, `scale` with ``m_t @ m_dual(t) = scale * I``."""
    if type not in (1, 2, 3, 4):
        raise ValueError(f"invalid DCT type {type!r}")
    if norm not in (None, "backward", "ortho", "forward"):
        raise ValueError(f'Invalid norm value {norm!r}, should be "backward", "ortho" or '
                         '"forward"')
    if n < 1 or (type == 1 and n < 2):
        raise ValueError(f"invalid number of data points ({n}) specified")
    scale = 2.0 * (n - 1) if type == 1 else 2.0 * n
    factor = {"ortho": 1.0 / np.sqrt(scale), "forward": 1.0 / scale}.get(norm, 1.0)
    rows, cols = np.ones(n), np.ones(n)
    if orthogonalize is None:
        orthogonalize = norm == "ortho"
    if orthogonalize:
        root2 = np.sqrt(2.0)
        if type == 1:
            cols[[0, -1]] *= root2
            rows[[0, -1]] /= root2
        elif type == 2:
            rows[0] /= root2
        elif type == 3:
            cols[0] *= root2
    return _unnormalized(n, type), scale, factor, rows, cols


def _unnormalized(n, type):
    """The matrix of the DCT of `type` with SciPy's 'backward' normalization."""
    k = np.arange(n, dtype=np.int64)[:, None]
    j = np.arange(n, dtype=np.int64)[None, :]
    # cos(pi * a / b) with the integer a reduced modulo 2b first (exact), so that the
    # entries of long transforms keep full precision
    if type == 1:
        m = 2.0 * _cos_pi(k * j, n - 1)
        m[:, 0] = 1.0
        m[:, -1] = _cos_pi(np.arange(n), 1)
    elif type == 2:
        m = 2.0 * _cos_pi(k * (2 * j + 1), 2 * n)
    elif type == 3:
        m = 2.0 * _cos_pi((2 * k + 1) * j, 2 * n)
        m[:, 0] = 1.0
    else:
        m = 2.0 * _cos_pi((2 * k + 1) * (2 * j + 1), 4 * n)
    return m


_DUAL = {1: 1, 2: 3, 3: 2, 4: 4}  # the unnormalized DCT-t times DCT-dual(t) is scale * I


@functools.lru_cache(maxsize=32)
def transform_matrix(n, type, norm, orthogonalize, inverse):
    """The matrix ``M`` of ``scipy.fft.dct(x, type, norm=norm)`` on length-`n` signals
    (``dct(x) = M @ x``), or for ``inverse`` that of ``scipy.fft.idct``: ``M^-1``,
    exactly ``cols^-1 m_dual rows^-1 / (factor * scale)``. Kept, read-only, for the
    next calls."""
    m, scale, factor, rows, cols = _dct_parts(n, type, norm, orthogonalize)
    if inverse:
        dual = m if type in (1, 4) else _unnormalized(n, _DUAL[type])
        m = dual / (factor * scale) / cols[:, None] / rows[None, :]
    else:
        m = factor * rows[:, None] * m * cols[None, :]
    m.setflags(write=False)
    return m


@differentiated_from_source
def fit_length(x, n):
    """`x` truncated or zero-padded to length `n` along its last axis."""
    length = np.shape(x)[-1]
    if n < length:
        return x[..., :n]
    if n > length:
        return np.pad(x, [(0, 0)] * (np.ndim(x) - 1) + [(0, n - length)])
    return x


@differentiated_from_source
def cosine_transform(x, n, axis, type, norm, orthogonalize, inverse):
    """The (inverse) DCT of `x` along `axis` (`x` fitted to length `n` first)."""
    if orthogonalize is not None and bool(orthogonalize) != (norm == "ortho") \
            and np.iscomplexobj(x):
        # SciPy then transforms the real and imaginary parts differently
        refuse_option("scipy.fft.dct", "orthogonalize (not its default, on complex input)")
    x = np.moveaxis(np.asarray(x), axis, -1)
    n = np.shape(x)[-1] if n is None else n
    m = transform_matrix(n, type, norm, orthogonalize, inverse)
    y = fit_length(x, n) @ np.transpose(m)
    return np.moveaxis(y, -1, axis)


@differentiated_from_source
def dct(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
        orthogonalize=None):
    """scipy.fft.dct of types 1 to 4."""
    return cosine_transform(x, n, axis, type, norm, orthogonalize, False)


@differentiated_from_source
def idct(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
         orthogonalize=None):
    """scipy.fft.idct of types 1 to 4."""
    return cosine_transform(x, n, axis, type, norm, orthogonalize, True)


def nd_axes(ndim, s=None, axes=None):
    """The axes and lengths `dctn` transforms (SciPy's defaults for `s` and `axes`)."""
    if axes is None:
        axes = list(range(ndim)) if s is None else list(range(ndim - len(s), ndim))
    elif np.ndim(axes) == 0:
        axes = [axes]
    axes = [int(a) for a in axes]
    lengths = [None] * len(axes) if s is None else list(np.atleast_1d(s))
    if len(lengths) != len(axes):
        raise ValueError("when given, axes and shape arguments have to be of the same "
                         "length")
    return list(zip(axes, lengths))


@differentiated_from_source
def dctn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
         orthogonalize=None):
    """scipy.fft.dctn: `dct` along each of `axes`."""
    for axis, n in nd_axes(np.ndim(x), s, axes):
        x = dct(x, type, n, axis, norm, orthogonalize=orthogonalize)
    return x


@differentiated_from_source
def idctn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
          orthogonalize=None):
    """scipy.fft.idctn: `idct` along each of `axes`."""
    for axis, n in nd_axes(np.ndim(x), s, axes):
        x = idct(x, type, n, axis, norm, orthogonalize=orthogonalize)
    return x


# ----------------------------------------------------------------------------- windows


def named_window(window, nperseg, length):
    """SciPy's window `window` (a name, or a tuple of a name and parameters) of
    `nperseg` samples (256 by default; `length`, with SciPy's warning, when the signal
    is shorter)."""
    from scipy.signal import get_window

    nperseg = 256 if nperseg is None else int(nperseg)
    if nperseg < 1:
        raise ValueError(f"Parameter nperseg={nperseg} is not a positive integer!")
    if length < nperseg:
        warnings.warn(f"nperseg = {nperseg} is greater than input length = {length}, "
                      f"using nperseg = {length}", stacklevel=4)
        nperseg = length
    return get_window(window, nperseg)


@check_only
def check_window(window, nperseg) -> None:
    """The user's window array must be 1-D, of `nperseg` samples when that is given."""
    if np.ndim(window) != 1:
        raise ValueError("window must be 1-D")
    if nperseg is not None and int(nperseg) != np.shape(window)[0]:
        raise ValueError("value specified for nperseg is different from length of window")


@differentiated_from_source
def window_array(window, nperseg, length):
    """The window as an array (its length is the segments' `nperseg`): SciPy's named
    window, or the user's array (which may be differentiated)."""
    if isinstance(window, (str, tuple)):
        return named_window(window, nperseg, length)
    check_window(window, nperseg)
    return np.asarray(window)


def segment_lengths(nperseg, noverlap, nfft):
    """`noverlap` and `nfft` with SciPy's defaults, checked."""
    nfft = nperseg if nfft is None else int(nfft)
    if nfft < nperseg:
        raise ValueError("nfft must be greater than or equal to nperseg.")
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    if noverlap >= nperseg:
        raise ValueError("noverlap must be less than nperseg.")
    return noverlap, nfft


@check_only
def check_detrend(function, detrend) -> None:
    """Refuse a callable `detrend` (srcad differentiates the named ones)."""
    if callable(detrend):
        refuse_option(function, "detrend (a function)")
    if detrend not in (False, None, "constant", "c", "linear", "l"):
        raise ValueError("Trend type must be 'linear' or 'constant'.")


@differentiated_from_source
def windowed_spectra(x, win, nperseg, noverlap, nfft, detrend, onesided):
    """The spectra of the detrended, windowed segments of `x` along its last axis
    (segments on the second-last axis of the result, frequencies on the last)."""
    segments = sliding_window_view(x, nperseg, axis=-1)[..., ::nperseg - noverlap, :]
    if detrend in ("constant", "c"):
        segments = segments - np.mean(segments, axis=-1, keepdims=True)
    elif detrend in ("linear", "l"):
        segments = remove_line(segments)
    if onesided:
        return np.fft.rfft(segments * win, nfft)
    return np.fft.fft(segments * win, nfft)


# ----------------------------------------------------------------------------- csd, welch


def median_bias(n):
    """SciPy's bias of the median of `n` exponentially distributed averages."""
    even = 2 * np.arange(1, (n - 1) // 2 + 1)
    return 1 + np.sum(1.0 / (even + 1) - 1.0 / even)


def spectrum_frequencies(nfft, fs, onesided):
    """The frequencies of the spectra (constants)."""
    return np.fft.rfftfreq(nfft, 1 / fs) if onesided else np.fft.fftfreq(nfft, 1 / fs)


@differentiated_from_source
def real_median(p):
    """The median of the real array `p` over its second-last axis."""
    ordered = np.sort(p, axis=-2)
    n = np.shape(p)[-2]
    return (ordered[..., (n - 1) // 2, :] + ordered[..., n // 2, :]) / 2.0


@differentiated_from_source
def median_average(p):
    """SciPy's median average of `p` over its second-last axis (of the real and the
    imaginary parts apart), corrected for its bias."""
    bias = median_bias(np.shape(p)[-2])
    if np.iscomplexobj(p):
        return (real_median(np.real(p)) + 1j * real_median(np.imag(p))) / bias
    return real_median(np.real(p)) / bias


@differentiated_from_source
def cross_spectrum(x, y, same, fs, window, nperseg, noverlap, nfft, detrend,
                   return_onesided, scaling, axis, average):
    """scipy.signal.csd of `x` and `y` (of `x` with itself for `same`)."""
    check_detrend("scipy.signal.csd", detrend)
    if scaling not in ("density", "spectrum"):
        raise ValueError(f"Parameter scaling={scaling!r} not in ['density', 'spectrum']!")
    if average not in ("mean", "median"):
        raise ValueError(f"Parameter average={average!r} must be 'median' or 'mean'!")
    x = np.moveaxis(np.asarray(x), axis, -1)
    y = x if same else np.moveaxis(np.asarray(y), axis, -1)
    n = max(np.shape(x)[-1], np.shape(y)[-1])
    x = fit_length(x, n)
    y = fit_length(y, n)
    win = window_array(window, nperseg, n)
    nperseg = np.shape(win)[0]
    noverlap, nfft = segment_lengths(nperseg, noverlap, nfft)
    onesided = bool(return_onesided) and not np.iscomplexobj(x)
    if scaling == "density":
        scale = 1.0 / (fs * np.sum(np.abs(win) ** 2))
    else:
        scale = 1.0 / np.abs(np.sum(win)) ** 2
    sx = windowed_spectra(x, win, nperseg, noverlap, nfft, detrend, onesided)
    sy = sx if same else windowed_spectra(y, win, nperseg, noverlap, nfft, detrend,
                                          onesided)
    pxy = np.conjugate(sx) * sy * scale
    if same:
        pxy = np.real(pxy)
    if onesided:
        twice = np.where((np.arange(np.shape(pxy)[-1]) > 0)
                         & ((np.arange(np.shape(pxy)[-1]) < np.shape(pxy)[-1] - 1)
                            | (nfft % 2 == 1)), 2.0, 1.0)
        pxy = pxy * twice
    segments = np.shape(pxy)[-2]
    if segments == 1:
        pxy = pxy[..., 0, :]
    elif average == "mean":
        pxy = np.mean(pxy, axis=-2)
    else:
        pxy = median_average(pxy)
    if not same:
        pxy = pxy + 0j
    return spectrum_frequencies(nfft, fs, onesided), np.moveaxis(pxy, -1, axis)


@differentiated_from_source
def csd(x, y, fs=1.0, window="hann_periodic", nperseg=None, noverlap=None, nfft=None,
        detrend="constant", return_onesided=True, scaling="density", axis=-1,
        average="mean"):
    """scipy.signal.csd: the average of ``conj(X) * Y`` over the segments' spectra."""
    return cross_spectrum(x, y, y is x, fs, window, nperseg, noverlap, nfft, detrend,
                          return_onesided, scaling, axis, average)


@differentiated_from_source
def welch(x, fs=1.0, window="hann_periodic", nperseg=None, noverlap=None, nfft=None,
          detrend="constant", return_onesided=True, scaling="density", axis=-1,
          average="mean"):
    """scipy.signal.welch: the real cross spectrum of `x` with itself."""
    f, p = cross_spectrum(x, x, True, fs, window, nperseg, noverlap, nfft, detrend,
                          return_onesided, scaling, axis, average)
    return f, np.real(p)


# ----------------------------------------------------------------------------- stft, istft


@differentiated_from_source
def extend(x, n, boundary):
    """SciPy's extensions of `x` by `n` samples at both ends of its last axis."""
    if boundary is None or n == 0:
        return x
    if boundary == "zeros":
        return np.pad(x, [(0, 0)] * (np.ndim(x) - 1) + [(n, n)])
    if boundary == "even":
        return np.concatenate((x[..., n:0:-1], x, x[..., -2:-n - 2:-1]), axis=-1)
    if boundary == "odd":
        return np.concatenate((2.0 * x[..., :1] - x[..., n:0:-1], x,
                               2.0 * x[..., -1:] - x[..., -2:-n - 2:-1]), axis=-1)
    if boundary == "constant":
        ones = np.ones(n)
        return np.concatenate((x[..., :1] * ones, x, x[..., -1:] * ones), axis=-1)
    raise ValueError(f"Unknown boundary option '{boundary}', must be one of: "
                     "['even', 'odd', 'constant', 'zeros', None]")


@differentiated_from_source
def stft(x, fs=1.0, window="hann_periodic", nperseg=256, noverlap=None, nfft=None,
         detrend=False, return_onesided=True, boundary="zeros", padded=True, axis=-1,
         scaling="spectrum"):
    """scipy.signal.stft: the scaled spectra of the windowed segments of the extended,
    padded signal (frequencies before segments, where the signal's `axis` was)."""
    check_detrend("scipy.signal.stft", detrend)
    if scaling == "psd":
        scaling = "density"
    elif scaling != "spectrum":
        raise ValueError(f"Parameter scaling={scaling!r} not in ['spectrum', 'psd']!")
    x = np.moveaxis(np.asarray(x), axis, -1)
    if nperseg is not None and int(nperseg) < 1:
        raise ValueError("nperseg must be a positive integer")
    win = window_array(window, nperseg, np.shape(x)[-1])
    nperseg = np.shape(win)[0]
    noverlap, nfft = segment_lengths(nperseg, noverlap, nfft)
    step = nperseg - noverlap
    x = extend(x, nperseg // 2, boundary)
    if padded:
        x = fit_length(x, np.shape(x)[-1] + (-(np.shape(x)[-1] - nperseg) % step) % nperseg)
    if scaling == "density":
        scale = np.sqrt(1.0 / (fs * np.sum(win * win)))
    else:
        scale = np.sqrt(1.0 / np.sum(win) ** 2)
    onesided = bool(return_onesided) and not np.iscomplexobj(x)
    if bool(return_onesided) and not onesided:
        warnings.warn("Input data is complex, switching to return_onesided=False",
                      stacklevel=2)
    spectra = windowed_spectra(x, win, nperseg, noverlap, nfft, detrend, onesided) * scale
    length = np.shape(x)[-1]
    time = np.arange(nperseg / 2, length - nperseg / 2 + 1, step) / float(fs)
    if boundary is not None:
        time = time - (nperseg / 2) / fs
    return (spectrum_frequencies(nfft, fs, onesided), time,
            np.moveaxis(spectra, -1, axis - 1 if axis < 0 else axis))


@differentiated_from_source
def overlap_add(segments, step):
    """The sum of `segments` (on the last axis, each of length ``segments.shape[-2]``)
    placed `step` samples apart: blocks of `step` samples of every segment at once."""
    nperseg = np.shape(segments)[-2]
    count = np.shape(segments)[-1]
    length = nperseg + (count - 1) * step
    blocks = -(-nperseg // step)
    lead = [(0, 0)] * (np.ndim(segments) - 2)
    total = 0.0
    for j in range(blocks):
        part = np.swapaxes(segments[..., j * step:(j + 1) * step, :], -1, -2)
        part = np.pad(part, lead + [(0, 0), (0, step - np.shape(part)[-1])])
        flat = np.reshape(part, np.shape(part)[:-2] + (count * step,))
        tail = (blocks - 1 - j) * step
        total = total + np.pad(flat, lead + [(j * step, tail)])
    return total[..., :length]


@differentiated_from_source
def istft(Zxx, fs=1.0, window="hann_periodic", nperseg=None, noverlap=None, nfft=None,
          input_onesided=True, boundary=True, time_axis=-1, freq_axis=-2,
          scaling="spectrum"):
    """scipy.signal.istft: each segment's inverse spectrum, windowed and added up
    (overlap-add), divided by the sum of the squared windows where it is not tiny."""
    if not input_onesided:
        # (SciPy's signal is then complex; srcad keeps istft's output real)
        refuse_option("scipy.signal.istft", "input_onesided=False")
    z = np.asarray(Zxx) + 0j
    if np.ndim(z) < 2:
        raise ValueError("Input stft must be at least 2d!")
    freq_axis = int(freq_axis) % np.ndim(z)
    time_axis = int(time_axis) % np.ndim(z)
    if freq_axis == time_axis:
        raise ValueError("Must specify differing time and frequency axes!")
    z = np.moveaxis(z, (freq_axis, time_axis), (-2, -1))
    n_default = 2 * (np.shape(z)[-2] - 1)
    nperseg = n_default if nperseg is None else int(nperseg)
    if nperseg < 1:
        raise ValueError("nperseg must be a positive integer")
    if nfft is None:
        nfft = nperseg if nperseg == n_default + 1 else n_default
    elif nfft < nperseg:
        raise ValueError("nfft must be greater than or equal to nperseg.")
    noverlap, nfft = segment_lengths(nperseg, noverlap, nfft)
    step = nperseg - noverlap
    win = window_array(window, nperseg, nperseg)
    segments = np.fft.irfft(z, nfft, axis=-2)[..., :nperseg, :]
    if scaling == "spectrum":
        segments = segments * np.sum(win)
    elif scaling == "psd":
        segments = segments * np.sqrt(fs * np.sum(win ** 2))
    else:
        raise ValueError(f"Parameter scaling={scaling!r} not in ['spectrum', 'psd']!")
    count = np.shape(z)[-1]
    x = overlap_add(segments * win[:, None], step)
    norm = overlap_add(np.ones((1, count)) * win[:, None] ** 2, step)
    if boundary:
        x = x[..., nperseg // 2:-(nperseg // 2)]
        norm = norm[..., nperseg // 2:-(nperseg // 2)]
    if np.sum(norm > 1e-10) != np.shape(norm)[-1]:
        warnings.warn("NOLA condition failed, STFT may not be invertible."
                      + (" Possibly due to missing boundary" if not boundary else ""),
                      stacklevel=2)
    x = x / np.where(norm > 1e-10, norm, 1.0)
    if np.ndim(x) > 1 and time_axis != np.ndim(z) - 1:
        x = np.moveaxis(x, -1, time_axis - 1 if freq_axis < time_axis else time_axis)
    return np.arange(np.shape(x)[0]) / float(fs), np.real(x)  # (SciPy's x.real)
