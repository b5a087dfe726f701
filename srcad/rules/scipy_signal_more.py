"""SciPy functions srcad differentiates from plain-NumPy definitions
(srcad/runtime/signal_definitions.py and srcad/runtime/spectral_definitions.py):

* `scipy.signal`: `correlate`, `convolve2d`, `correlate2d`, `fftconvolve`, `detrend`,
  `welch`, `csd`, `stft` and `istft`;
* `scipy.fft`: `dct`, `idct`, `dctn` and `idctn`;
* `scipy.integrate.trapezoid` (NumPy's `trapezoid`, srcad/runtime/definitions.py);
* `scipy.ndimage.map_coordinates` of order 0 and 1.

A call of one of them is transformed as a call of its definition, which srcad
differentiates from source at any order; the linear ones get their adjoints from the
rules of the functions they are written in. SciPy's submodules are slow to import, so
the definitions are added to the table only once the user's code has imported them
(`register_definitions_when_imported`); srcad never imports them itself.
"""

import numpy as np

from srcad.rules.registry import Example, Rand, nondifferentiable
from srcad.runtime import signal_definitions as sig
from srcad.runtime import spectral_definitions as spec
from srcad.runtime.definitions import register_definitions_when_imported, trapezoid

# SciPy's named windows are constants; the definitions reach `named_window` through a
# function that also takes the user's window arrays, so it is declared constant here.
nondifferentiable(spec.named_window, examples=[Example(("hann", 8, 20)),
                                               Example((("tukey", 0.3), 6, 10))])
# The integer sample indices map_coordinates reads (from its coordinates).
nondifferentiable(sig.sample_index, examples=[
    Example((np.array([-3, -1, 0, 2, 4, 7]), 4, mode))
    for mode in ("constant", "reflect", "mirror", "grid-wrap")])
nondifferentiable(sig.nearest_index, examples=[
    Example((Rand((6,), -5.0, 9.0), 4, mode)) for mode in ("nearest", "reflect", "grid-wrap")])


def _signal_definitions() -> dict:
    import scipy.signal as ss

    return {ss.correlate: sig.correlate, ss.convolve2d: sig.convolve2d,
            ss.correlate2d: sig.correlate2d, ss.fftconvolve: sig.fftconvolve,
            ss.detrend: sig.detrend, ss.welch: spec.welch, ss.csd: spec.csd,
            ss.stft: spec.stft, ss.istft: spec.istft}


def _fft_definitions() -> dict:
    import scipy.fft as sf

    return {sf.dct: spec.dct, sf.idct: spec.idct, sf.dctn: spec.dctn, sf.idctn: spec.idctn}


def _integrate_definitions() -> dict:
    import scipy.integrate as si

    return {si.trapezoid: trapezoid}


def _ndimage_definitions() -> dict:
    import scipy.ndimage as nd

    return {nd.map_coordinates: sig.map_coordinates}


register_definitions_when_imported("scipy.signal", _signal_definitions)
register_definitions_when_imported("scipy.fft", _fft_definitions)
register_definitions_when_imported("scipy.integrate", _integrate_definitions)
register_definitions_when_imported("scipy.ndimage", _ndimage_definitions)
