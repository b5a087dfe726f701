"""scipy.signal's correlate, convolve2d, correlate2d, fftconvolve, detrend, welch, csd,
stft and istft, scipy.fft's dct, idct, dctn and idctn, scipy.integrate.trapezoid and
scipy.ndimage.map_coordinates (plain-NumPy definitions, srcad/rules/scipy_signal_more.py):
values equal SciPy's, gradients, forward mode and Hessian-vector products agree with
finite differences, unsupported options are refused by name."""

import warnings

import numpy as np
import pytest
from gradcheck import check_grad

import srcad
from srcad.errors import SrcadError
from srcad.runtime import signal_definitions as sig
from srcad.runtime import spectral_definitions as spec
from srcad.runtime.definitions import trapezoid

ss = pytest.importorskip("scipy.signal")
sf = pytest.importorskip("scipy.fft")
si = pytest.importorskip("scipy.integrate")
nd = pytest.importorskip("scipy.ndimage")

RNG = np.random.default_rng(5)
SIG = RNG.normal(size=40)
SIG2 = RNG.normal(size=(2, 30))
IMG = RNG.normal(size=(4, 5))
KER = RNG.normal(size=(2, 3))


def _hvp_agrees(f, args, wrt, rtol=1e-4, atol=1e-6, eps=1e-5):
    """srcad.hvp of f in argument `wrt` against central differences of srcad's gradient
    along the same direction."""
    v = RNG.normal(size=np.shape(args[wrt]))
    got = srcad.hvp(f, wrt=wrt)(*args, v)
    gradient = srcad.grad(f, wrt=wrt)

    def moved(h):
        return gradient(*args[:wrt], args[wrt] + h * v, *args[wrt + 1:])

    expected = (moved(eps) - moved(-eps)) / (2 * eps)
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol * scale)


def _same(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype.kind == want.dtype.kind
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("kind", [1, 2, 3, 4])
@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
def test_dct_values(kind, norm):
    x = RNG.normal(size=(3, 6)) + 1j * RNG.normal(size=(3, 6))
    for kw in ({}, {"n": 4}, {"n": 8, "axis": 0}, {"orthogonalize": norm != "ortho"}):
        y = x.real if "orthogonalize" in kw else x  # (SciPy's complex case: refused)
        _same(spec.dct(y, kind, norm=norm, **kw), sf.dct(y, kind, norm=norm, **kw))
        _same(spec.idct(y, kind, norm=norm, **kw), sf.idct(y, kind, norm=norm, **kw))
    for kw in ({}, {"axes": 0}, {"s": (4, 7)}, {"axes": (1, 0), "s": (5, 3)}):
        _same(spec.dctn(x, kind, norm=norm, **kw), sf.dctn(x, kind, norm=norm, **kw))
        _same(spec.idctn(x, kind, norm=norm, **kw), sf.idctn(x, kind, norm=norm, **kw))


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolution_values(mode):
    kc = KER + 1j * RNG.normal(size=KER.shape)
    for a, b in ((IMG, kc), (kc, IMG), (IMG, IMG[:3, ::-1])):
        _same(sig.correlate(a, b, mode), ss.correlate(a, b, mode))
        _same(sig.convolve2d(a, b, mode), ss.convolve2d(a, b, mode))
        _same(sig.correlate2d(a, b, mode), ss.correlate2d(a, b, mode))
        _same(sig.fftconvolve(a, b, mode), ss.fftconvolve(a, b, mode))
    _same(sig.correlate(SIG[:5], SIG[5:12], mode), ss.correlate(SIG[:5], SIG[5:12], mode))
    for boundary, fillvalue in (("fill", 1.5 - 0.5j), ("pad", 2.0), ("wrap", 0), ("symm", 0),
                                ("circular", 0), ("symmetric", 0)):
        for a, b in ((IMG, kc), (kc, IMG), (IMG[:2, :3], IMG[1:, ::-1] * 0.5j)):
            if mode == "valid" and a.shape[1] < b.shape[1] and a.shape[0] > b.shape[0]:
                continue
            for ours, theirs in ((sig.convolve2d, ss.convolve2d),
                                 (sig.correlate2d, ss.correlate2d)):
                _same(ours(a, b, mode, boundary, fillvalue),
                      theirs(a, b, mode, boundary, fillvalue))


@pytest.mark.parametrize("s1, s2, axes", [
    ((4, 5), (4, 2), 1), ((4, 5), (1, 3), (0, 1)), ((3, 4, 5), (1, 6, 2), [-1, -2]),
    ((4, 5), (4, 7), 1), ((1, 5), (4, 1), 0), ((3, 4, 5), (3, 2, 2), (1, 2))])
def test_fftconvolve_axes_values(s1, s2, axes):
    a, b = RNG.normal(size=s1), RNG.normal(size=s2)
    for mode in ("full", "same", "valid"):
        try:
            want = ss.fftconvolve(a, b, mode, axes)
        except ValueError:
            with pytest.raises(ValueError):
                sig.fftconvolve(a, b, mode, axes)
            continue
        _same(sig.fftconvolve(a, b, mode, axes), want)


def test_detrend_and_trapezoid_values():
    d = RNG.normal(size=(4, 9))
    for kw in ({}, {"type": "constant"}, {"axis": 0}, {"bp": [3, 5]}, {"bp": [1, 2, 8]},
               {"axis": 0, "bp": 2, "type": "l"}):
        _same(sig.detrend(d, **kw), ss.detrend(d, **kw))
    x = np.cumsum(d[0] ** 2)
    _same(trapezoid(d, x), si.trapezoid(d, x))
    _same(trapezoid(d, dx=0.3, axis=0), si.trapezoid(d, dx=0.3, axis=0))


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("mode", ["constant", "nearest", "grid-constant", "reflect",
                                  "grid-mirror", "mirror", "grid-wrap"])
def test_map_coordinates_values(order, mode):
    if order == 0 and mode == "mirror":  # (SciPy rounds ties its own way there)
        with pytest.raises(SrcadError, match="mirror"):
            sig.map_coordinates(IMG, np.ones((2, 3)), order=0, mode="mirror")
        return
    c = np.stack([RNG.uniform(-9.5, 13.5, 40), RNG.uniform(-11.5, 15.5, 40)])
    c[:, :12] = [[0, 3, 3, 1, -0.5, 0.5, 3.5, -4.5, 7.5, 11.5, -6, 2.5],
                 [4, 4, 0, 1.5, 2, 4.5, -1.5, 8.5, -3.5, 5.5, 9, 13.5]]  # edges, halves
    for cval in (0.0, -2.0):
        _same(sig.map_coordinates(IMG, c, order=order, mode=mode, cval=cval),
              nd.map_coordinates(IMG, c, order=order, mode=mode, cval=cval))
    v = RNG.normal(size=(3, 4, 2))
    c3 = RNG.uniform(-0.7, 3.7, (3, 2, 5))
    _same(sig.map_coordinates(v, c3, order=order, mode=mode, cval=0.5),
          nd.map_coordinates(v, c3, order=order, mode=mode, cval=0.5))


_SPECTRAL_OPTIONS = [
    {"nperseg": 8}, {"nperseg": 16, "noverlap": 5}, {"nperseg": 9, "nfft": 12},
    {"nperseg": 8, "detrend": "linear"}, {"nperseg": 8, "detrend": False},
    {"nperseg": 8, "scaling": "spectrum", "fs": 3.0}, {"nperseg": 8, "return_onesided": False},
    {"window": "hamming", "nperseg": 10}, {"window": np.hanning(6)}, {},
]


@pytest.mark.parametrize("kw", _SPECTRAL_OPTIONS + [{"nperseg": 8, "average": "median"},
                                                   {"nperseg": 7, "average": "median"}])
def test_welch_csd_values(kw):
    z = SIG + 1j * RNG.normal(size=SIG.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nperseg longer than the signal
        _same(spec.welch(SIG, **kw), ss.welch(SIG, **kw))
        _same(spec.welch(SIG2.T, axis=0, **kw), ss.welch(SIG2.T, axis=0, **kw))
        _same(spec.welch(z, **kw), ss.welch(z, **kw))
        _same(spec.csd(SIG, SIG[:33], **kw), ss.csd(SIG, SIG[:33], **kw))
        _same(spec.csd(SIG2, SIG[:30], **kw), ss.csd(SIG2, SIG[:30], **kw))
        _same(spec.csd(z, SIG, **kw), ss.csd(z, SIG, **kw))


@pytest.mark.filterwarnings("ignore:NOLA condition failed")
@pytest.mark.parametrize("kw", _SPECTRAL_OPTIONS[:-1] + [
    {"nperseg": 7, "boundary": None}, {"nperseg": 8, "boundary": "even"},
    {"nperseg": 8, "boundary": "odd", "padded": False}, {"nperseg": 8, "boundary": "constant"},
    {"nperseg": 8, "scaling": "psd"}])
def test_stft_istft_values(kw):
    if not isinstance(kw.get("window", ""), str):
        kw = {**kw, "nperseg": None}  # (stft's default nperseg is 256)
    z = SIG + 1j * RNG.normal(size=SIG.shape)
    _same(spec.stft(SIG, **kw), ss.stft(SIG, **kw))
    _same(spec.stft(SIG2.T, axis=0, **kw), ss.stft(SIG2.T, axis=0, **kw))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _same(spec.stft(z, **kw), ss.stft(z, **kw))
    assert len(caught) == (0 if kw.get("return_onesided") is False else 2)
    inverse = {key: value for key, value in kw.items()
               if key in ("nperseg", "noverlap", "nfft", "window", "scaling", "fs")}
    inverse["boundary"] = kw.get("boundary", "zeros") is not None
    if kw.get("return_onesided") is False:
        return
    spectra = ss.stft(SIG2, **kw)[2]
    _same(spec.istft(spectra, **inverse), ss.istft(spectra, **inverse))
    moved = np.transpose(spectra, (2, 0, 1))
    _same(spec.istft(moved, time_axis=0, freq_axis=2, **inverse),
          ss.istft(moved, time_axis=0, freq_axis=2, **inverse))


# ----------------------------------------------------------------------------- derivatives


def boundary_loss(a, k, c):
    return (np.sum(ss.convolve2d(a, k, "same", "fill", c) ** 2)
            + np.sum(np.sin(ss.correlate2d(a, k, boundary="wrap")))
            + np.sum(ss.convolve2d(k, a, boundary="symm") ** 2))


def test_convolution_boundaries_derivatives():
    check_grad(boundary_loss, IMG, KER, 0.7, wrt=(0, 1, 2))
    _hvp_agrees(boundary_loss, (IMG, KER, 0.7), 1)


def correlation_loss(a, k):
    return (np.sum(np.sin(ss.correlate(a, k, "same"))) + np.sum(ss.correlate2d(a, k) ** 2)
            + np.sum(np.cos(ss.correlate2d(k, a, "valid"))) + np.sum(ss.convolve2d(a, k) ** 2)
            + np.sum(np.tanh(ss.fftconvolve(a, k, "valid")))
            + np.sum(ss.fftconvolve(a, k[:1], "same", axes=1) ** 2))


def test_convolution_derivatives():
    check_grad(correlation_loss, IMG, KER, wrt=(0, 1))
    _hvp_agrees(correlation_loss, (IMG, KER), 0)
    _hvp_agrees(correlation_loss, (IMG, KER), 1)


def detrend_loss(x, y):
    return (np.sum(ss.detrend(x, bp=[3, 7]) ** 2 * np.arange(10)) + np.sum(
        np.sin(ss.detrend(x, type="constant", axis=0))) + si.trapezoid(x[0] ** 2, np.cumsum(y)))


def test_detrend_and_trapezoid_derivatives():
    x = RNG.normal(size=(2, 10))
    y = RNG.uniform(0.5, 1.5, 10)
    check_grad(detrend_loss, x, y, wrt=(0, 1))
    _hvp_agrees(detrend_loss, (x, y), 0)


def dct_loss(x):
    total = np.sum(np.sin(sf.dctn(x, norm="ortho")))
    for kind in (1, 2, 3, 4):
        total = total + np.sum(sf.dct(x, kind, axis=0) ** 2) + np.sum(np.cos(sf.idct(x, kind, n=6)))
    return total + np.sum(np.abs(sf.idctn(x * 1j + 0.5, 3, s=(4, 4))) ** 2)


def test_dct_derivatives():
    x = RNG.normal(size=(3, 5))
    check_grad(dct_loss, x)
    _hvp_agrees(dct_loss, (x,), 0)


def map_loss(image, coords):
    return (np.sum(nd.map_coordinates(image, coords, order=1, cval=0.7) ** 2)
            + np.sum(np.sin(nd.map_coordinates(image, coords * 1.3, order=1, mode="nearest")))
            + np.sum(nd.map_coordinates(image, coords - 0.8, order=1, mode="grid-constant") ** 3)
            + np.sum(nd.map_coordinates(image, coords, order=0) ** 2)
            + np.sum(np.cos(nd.map_coordinates(image, coords * 3.0 - 5.0, order=1,
                                               mode="reflect")))
            + np.sum(nd.map_coordinates(image, coords * 2.0 - 3.0, order=0,
                                        mode="grid-wrap") ** 2))


def test_map_coordinates_derivatives():
    coords = np.stack([RNG.uniform(-0.5, 3.5, 12), RNG.uniform(-0.5, 4.5, 12)])
    check_grad(map_loss, IMG, coords, wrt=(0, 1))
    _hvp_agrees(map_loss, (IMG, coords), 0)
    _hvp_agrees(map_loss, (IMG, coords), 1)


def welch_loss(x):
    f, p = ss.welch(x, nperseg=8)
    _, c = ss.csd(x, x[::-1] * 0.5, nperseg=10, scaling="spectrum")
    return np.sum(np.log(p) * f) + np.sum(np.real(c) * np.imag(c))


def median_loss(x, window):
    _, q = ss.welch(x, window=window, detrend="linear", average="median")
    return np.sum(np.sqrt(q))


def test_welch_csd_derivatives():
    check_grad(welch_loss, SIG)
    _hvp_agrees(welch_loss, (SIG,), 0)
    window = np.hanning(12) + 0.1
    check_grad(median_loss, SIG, window, wrt=(0, 1))
    _hvp_agrees(median_loss, (SIG, window), 1)


def stft_loss(x):
    _, _, z = ss.stft(x, nperseg=8)
    _, y = ss.istft(z * np.exp(0.3j * np.abs(z)), nperseg=8)
    return np.sum(np.abs(z) ** 2) + np.sum(np.sin(y))


def stft_options_loss(x):
    _, _, z = ss.stft(x, nperseg=9, noverlap=6, boundary="odd", detrend="constant")
    _, y = ss.istft(z[:, ::-1] ** 2, window="hamming")
    return np.sum(y ** 2)


def test_stft_istft_derivatives():
    x = SIG2[0]
    check_grad(stft_loss, x)
    _hvp_agrees(stft_loss, (x,), 0)
    check_grad(stft_options_loss, x)


def complex_correlation_loss(a, k):
    return (np.sum(np.abs(ss.correlate2d(a, k, "same")) ** 2)
            + np.sum(np.real(ss.correlate(a, k)) ** 3))


def complex_map_loss(image, coords):
    return np.sum(np.abs(nd.map_coordinates(image, coords, order=1)) ** 2)


def complex_csd_loss(x, y):
    f, c = ss.csd(x, y, nperseg=8, detrend="linear", return_onesided=False)
    return np.sum(np.abs(c) * np.cos(f)) + np.sum(np.abs(sf.idct(x[:6], 1)) ** 2)


def test_complex_inputs():
    z = IMG + 1j * RNG.normal(size=IMG.shape)
    k = KER - 0.5j * RNG.normal(size=KER.shape)
    coords = np.stack([RNG.uniform(-0.5, 3.5, 7), RNG.uniform(-0.5, 4.5, 7)])
    check_grad(complex_correlation_loss, z, k, wrt=(0, 1))
    check_grad(complex_map_loss, z, coords, wrt=(0, 1))
    check_grad(complex_csd_loss, SIG[:30] + 1j * SIG[10:], SIG[:30], wrt=(0, 1))


# ----------------------------------------------------------------------------- refusals


def refused_order(a):
    return np.sum(nd.map_coordinates(a, np.ones((2, 3)), order=3))


def refused_mode(a):
    return np.sum(nd.map_coordinates(a, np.ones((2, 3)), order=1, mode="wrap"))


def refused_axes(a):
    return np.sum(np.abs(ss.fftconvolve(a, KER * 1j, axes=1)))


def refused_two_sided(x):
    return np.sum(ss.istft(np.reshape(x, (5, 8)) + 0j, input_onesided=False)[1] ** 2)


def refused_detrend(x):
    return np.sum(ss.welch(x, nperseg=8, detrend=lambda d: d)[1])


@pytest.mark.parametrize("f, option", [(refused_order, "order"), (refused_mode, "mode"),
                                       (refused_axes, "axes"), (refused_detrend, "detrend"),
                                       (refused_two_sided, "input_onesided")])
def test_unsupported_options_are_refused(f, option):
    x = SIG if f in (refused_detrend, refused_two_sided) else IMG
    with pytest.raises(SrcadError, match=option):
        srcad.grad(f)(x)
