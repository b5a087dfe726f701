"""Helpers for the rules of `scipy.signal.lfilter` (srcad/rules/scipy_signal.py), and the
plain-NumPy definitions of `filtfilt`, `hilbert` and `resample` that srcad differentiates
from source (registered in srcad/runtime/definitions.py once `scipy.signal` is imported).

``y = lfilter(b, a, x)`` (zero initial state) applies the rational transfer function
``H = B / A`` to `x`, ``B(z) = sum_k b_k z^-k`` and ``A(z) = sum_k a_k z^-k`` (``a_0``
included: SciPy's normalization by ``a_0`` leaves ``B / A`` unchanged). So

* in `x`, ``y = T x`` with ``T`` lower-triangular Toeplitz (the impulse response): its
  transpose is the same filter run backwards in time,
  ``T^T g = flip(lfilter(b, a, flip(g)))``;
* in `b`, ``dy = (dB / A) x = lfilter(db, a, x)``;
* in `a`, ``dy = -(dA B / A^2) x = -(dA / A) y = -lfilter(da, a, y)``.

With ``q = T_{1/A}^T g = flip(lfilter(1, a, flip(g)))`` the adjoints of the coefficients
are lagged products: ``gb_k = sum_n q[n] x[n - k]`` and ``ga_k = -sum_n q[n] y[n - k]``.
Every helper here is written with `lfilter` (whose rules these are), flips, slices and
sums, so srcad differentiates them from source at second order. SciPy is imported on the
first call of `lfilter`, never when srcad is imported.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime.definitions import refuse_option
from srcad.runtime.marks import check_only, differentiated_from_source


def lfilter(b, a, x, axis=-1, zi=None):
    """scipy.signal.lfilter (SciPy imported on the first call); srcad's rules refuse
    `zi` (the call then returns the final state too)."""
    import scipy.signal

    if zi is None:
        return scipy.signal.lfilter(b, a, x, axis)
    return scipy.signal.lfilter(b, a, x, axis, zi)


@differentiated_from_source
def lfilter_transpose(g, b, a, axis=-1):
    """``T^T g`` for ``T = lfilter(b, a, ., axis)``: the filter run backwards in time."""
    return np.flip(lfilter(b, a, np.flip(g, axis), axis), axis)


@differentiated_from_source
def lagged_products(q, u, like, axis=-1):
    """``sum_n q[n] u[n - k]`` along `axis` (summed over the other axes) for each lag
    ``k`` below ``np.size(like)``, shaped like `like` (a filter's coefficients)."""
    q = np.moveaxis(q, axis, -1)
    u = np.moveaxis(u, axis, -1)
    n = np.shape(q)[-1]
    m = np.size(like)
    out = np.zeros(m, dtype=np.result_type(q, u))
    for k in range(min(m, n)):
        out[k] = np.sum(q[..., k:] * u[..., :n - k])
    return np.reshape(out, np.shape(like))


# ----------------------------------------------------------------------------- filtfilt


@check_only
def check_pad_length(length, edge) -> None:
    """SciPy's condition on the padding of `filtfilt`."""
    if length <= edge:
        raise ValueError("The length of the input vector x must be greater than padlen, "
                         f"which is {edge}.")


@differentiated_from_source
def filtfilt(b, a, x, axis=-1, padtype="odd", padlen=None, method="pad", irlen=None):
    """scipy.signal.filtfilt with method='pad': the signal extended at both ends,
    filtered forwards and backwards, each pass started in the filter's steady state for
    its first sample.

    SciPy starts each pass from the state ``lfilter_zi(b, a) * x0``; its contribution to
    the output is ``x0 * (H(1) - step)``, ``H(1) = sum(b) / sum(a)`` the filter's gain at
    zero frequency and ``step = lfilter(b, a, ones)`` its step response (starting in the
    steady state of a constant input, a constant input gives the constant ``x0 H(1)``).
    So the definition needs only `lfilter`, whose rules differentiate it in `b`, `a` and
    `x`. Gustafsson's method (method='gust') is refused.
    """
    if method != "pad":
        refuse_option("scipy.signal.filtfilt", "method")
    if irlen is not None:
        refuse_option("scipy.signal.filtfilt", "irlen")
    b = np.atleast_1d(b)
    a = np.atleast_1d(a)
    x = np.moveaxis(np.asarray(x), axis, -1)
    edge = 3 * max(np.size(a), np.size(b)) if padlen is None else padlen
    if padtype is None:
        edge = 0
    check_pad_length(np.shape(x)[-1], edge)
    if edge > 0 and padtype == "odd":
        x = np.concatenate((2.0 * x[..., :1] - x[..., edge:0:-1], x,
                            2.0 * x[..., -1:] - x[..., -2:-edge - 2:-1]), axis=-1)
    elif edge > 0 and padtype == "even":
        x = np.concatenate((x[..., edge:0:-1], x, x[..., -2:-edge - 2:-1]), axis=-1)
    elif edge > 0 and padtype == "constant":
        ones = np.ones(edge)
        x = np.concatenate((x[..., :1] * ones, x, x[..., -1:] * ones), axis=-1)
    elif edge > 0:
        refuse_option("scipy.signal.filtfilt", "padtype")
    rest = np.sum(b) / np.sum(a) - lfilter(b, a, np.ones(np.shape(x)[-1]))
    y = lfilter(b, a, x) + x[..., :1] * rest
    y = np.flip(y, -1)
    y = np.flip(lfilter(b, a, y) + y[..., :1] * rest, -1)
    if edge > 0:
        y = y[..., edge:-edge]
    return np.moveaxis(y, -1, axis)


# ----------------------------------------------------------------------------- FFT based


@check_only
def check_real_signal(x) -> None:
    """scipy.signal.hilbert refuses complex signals."""
    if np.iscomplexobj(x):
        raise ValueError("x must be real.")


@differentiated_from_source
def hilbert(x, N=None, axis=-1):
    """scipy.signal.hilbert: the analytic signal ``ifft(h * fft(x, N))``, ``h`` 1 at
    zero frequency (and Nyquist, for an even `N`), 2 at the positive frequencies and 0
    at the negative ones. A linear map of `x` (complex-valued): srcad's derivatives go
    through `np.fft`'s rules, so its adjoint is its transpose, the real part of
    ``fft^H (h * ifft^H g)``."""
    check_real_signal(x)
    x = np.asarray(x)
    n = np.shape(x)[axis] if N is None else N
    if n <= 0:
        raise ValueError("N must be positive.")
    k = np.arange(n)
    h = np.where((k == 0) | (2 * k == n), 1.0, np.where(2 * k < n, 2.0, 0.0))
    shape = [1] * np.ndim(x)
    shape[axis] = n
    return np.fft.ifft(np.fft.fft(x, n, axis=axis) * np.reshape(h, shape), axis=axis)


def resample(x, num, t=None, axis=0, window=None, domain="time"):
    """scipy.signal.resample (SciPy imported on the first call); srcad's rules refuse
    `t`, `window` and domain='freq'."""
    import scipy.signal

    return scipy.signal.resample(x, num, t, axis, window, domain)


def resample_transpose(g, x, num, axis=0):
    """``R^T g`` for ``R = resample(., num, axis=axis)`` applied to signals shaped like `x`.

    ``R = (num / n) ifft_num P fft_n`` with ``P`` the map of spectra SciPy applies
    (truncation or zero-padding, the unpaired bin at ``m // 2``, ``m = min(n, num)``
    even, united or split). ``R`` maps real signals to real signals, so it is a real
    matrix and ``R^T = R^H = ifft_n P^T fft_num``: `P^T` pads where `P` truncates and
    truncates where it pads; the bin `P` splits into two halves is the mean of the two,
    and the bin pair `P` unites gets the united bin twice. Real for real `g` and `x`.
    """
    g = np.moveaxis(np.asarray(g), axis, -1)
    n = np.shape(x)[axis]
    m = min(num, n)
    m2 = m // 2 + 1
    spectrum = np.fft.fft(g)
    rest = np.shape(g)[:-1]
    if num == n:
        back = spectrum
    elif num < n and m % 2 == 0:  # P united the bins at +-m/2: both get it
        half = m // 2
        back = np.concatenate((spectrum[..., :half + 1], np.zeros(rest + (n - m - 1,)),
                               spectrum[..., half:]), axis=-1)
    elif num < n:
        back = np.concatenate((spectrum[..., :m2], np.zeros(rest + (n - m,)),
                               spectrum[..., m2:]), axis=-1)
    elif m % 2 == 0:  # P split the bin at m/2 into halves: their mean
        half = m // 2
        pair = (spectrum[..., half:half + 1] + spectrum[..., num - half:num - half + 1]) / 2
        back = np.concatenate((spectrum[..., :half], pair, spectrum[..., num - half + 1:]),
                              axis=-1)
    else:
        back = np.concatenate((spectrum[..., :m2], spectrum[..., num - (m - m2):]), axis=-1)
    out = np.fft.ifft(back)
    if not np.iscomplexobj(g) and not np.iscomplexobj(x):
        out = np.real(out)
    return np.moveaxis(out, -1, axis)
