"""Rules for the discrete Fourier transforms of `np.fft`: `fft ifft rfft irfft hfft ihfft`,
`fft2 ifft2 rfft2 irfft2`, `fftn ifftn rfftn irfftn`, `fftshift ifftshift`; `fftfreq` and
`rfftfreq` carry no derivative.

Complex convention
------------------
srcad's adjoint of a complex value ``z = x + iy`` is ``dz = dL/dx + 1j * dL/dy`` for a
real loss ``L``, and a tangent is ``dx + 1j * dy``. Every transform here is linear, so
its tangent is the transform applied to the input's tangent (``dw = A dz``), and its
adjoint is the conjugate transpose applied to the output's adjoint (``dz = A^H dw``).
The adjoint of a real input (the input of `rfft`, say) is the real part of ``A^H dw``.
In particular ``fft(norm=N)^H`` is ``ifft(norm=dual(N))``, where `dual` swaps
"backward" (None) and "forward" and keeps "ortho"; the helpers in
`srcad/runtime/fft.py` spell out the real transforms, padding and truncation.

The transforms of a real input (`rfft`, `ihfft`, ...) have complex outputs; `irfft`
and `hfft` map complex half spectra to real signals.
"""

import numpy as np

from ..kinds import ArrayKind
from ..registry import (Example, Rand, adjoint, complex_values, nondifferentiable,
                        output_dtype, tangent)
from ..runtime.fft import (fft_adjoint, fftn_adjoint, hfft_adjoint, ifft_adjoint,
                           ifftn_adjoint, ihfft_adjoint, irfft_adjoint, irfftn_adjoint,
                           rfft_adjoint, rfftn_adjoint)

NORMS = (None, "backward", "ortho", "forward")

# ----------------------------------------------------------------------------- examples
# Calls the registry sweep tests the rules on: default arguments, `n` / `s` shorter and
# longer than the input (truncation and zero-padding), `axis` / `axes` by keyword and
# by position, every `norm`, 1-D to 3-D inputs, odd and even lengths.


def _one_axis_examples(lengths=(5, 6)):
    """Examples for the transforms taking (a, n, axis, norm); `lengths`: input lengths."""
    odd, even = lengths
    examples = [
        Example((Rand((odd,)),)), Example((Rand((even,)),)),
        Example((Rand((even,)), 4)), Example((Rand((odd,)), 8)), Example((Rand((even,)), 7)),
        Example((Rand((3, even)),), {"axis": 0}), Example((Rand((3, odd)), None, -1)),
        Example((Rand((4, 3)), 6, 0, "ortho")), Example((Rand((2, 3, odd)), 3, 1)),
        Example((Rand((3, even)),), {"n": 9, "axis": -2, "norm": "forward"}),
    ]
    examples += [Example((Rand((odd,)),), {"norm": norm}) for norm in NORMS]
    examples += [Example((Rand((2, even)), 3), {"norm": norm}) for norm in NORMS]
    return examples


def _n_axes_examples(two_d=False, half=False):
    """Examples for the transforms taking (a, s, axes, norm). `two_d`: the `*2` forms,
    whose `axes` default to the last two; `half`: the input is a half spectrum (its
    last transformed axis is short)."""
    last = 3 if half else 4
    examples = [
        Example((Rand((3, last)),)), Example((Rand((4, 5)),)),
        Example((Rand((3, last)), (2, 6), (0, 1))), Example((Rand((3, last)), (5, 3), (-2, -1))),
        Example((Rand((3, last)),), {"s": (4, 7), "axes": (0, 1)}),
        Example((Rand((3, last)), None, (1, 0))), Example((Rand((2, 3, last)), None, (0, 2))),
        Example((Rand((2, 3, last)), (3, 5), (-1, 0), "ortho")),
    ]
    if two_d:  # `s` alone (deprecated for the n-dimensional forms)
        examples += [Example((Rand((3, last)), (2, 6))), Example((Rand((3, last)), (5, 3)))]
    else:
        examples += [Example((Rand((5,)),)), Example((Rand((6,)),)),
                     Example((Rand((2, 3, last)),)), Example((Rand((3, last)), (4,), (0,))),
                     Example((Rand((3, last)),), {"axes": (1,)})]
    examples += [Example((Rand((3, last)),), {"norm": norm}) for norm in NORMS]
    examples += [Example((Rand((3, last)), (4, 5), (0, 1), norm)) for norm in NORMS]
    return examples


ONE_AXIS = _one_axis_examples()
N_AXES = _n_axes_examples()
TWO_AXES = _n_axes_examples(two_d=True)
HALF_N_AXES = _n_axes_examples(half=True)
HALF_TWO_AXES = _n_axes_examples(two_d=True, half=True)

SHIFT_EXAMPLES = [
    Example((Rand((5,)),)), Example((Rand((6,)),)), Example((Rand((3, 4)),)),
    Example((Rand((3, 4)), 0)), Example((Rand((3, 5)),), {"axes": (1,)}),
    Example((Rand((2, 3, 4)), (0, 2))), Example((Rand((3, 4)), (-1, 0))),
]

# ----------------------------------------------------------------------------- one axis


@adjoint(np.fft.fft, kind="same_rank", examples=ONE_AXIS)
def _(y, a, n=None, axis=-1, norm=None):
    da = fft_adjoint(dy, a, axis, norm)


@tangent(np.fft.fft)
def _(y, a, n=None, axis=-1, norm=None):
    dy = np.fft.fft(da, n, axis, norm)


@adjoint(np.fft.ifft, kind="same_rank", examples=ONE_AXIS)
def _(y, a, n=None, axis=-1, norm=None):
    da = ifft_adjoint(dy, a, axis, norm)


@tangent(np.fft.ifft)
def _(y, a, n=None, axis=-1, norm=None):
    dy = np.fft.ifft(da, n, axis, norm)


@adjoint(np.fft.rfft, kind="same_rank", examples=ONE_AXIS)
def _(y, a, n=None, axis=-1, norm=None):
    da = rfft_adjoint(dy, a, n, axis, norm)


@tangent(np.fft.rfft)
def _(y, a, n=None, axis=-1, norm=None):
    dy = np.fft.rfft(da, n, axis, norm)


@adjoint(np.fft.irfft, kind="same_rank", examples=_one_axis_examples((3, 4)))
def _(y, a, n=None, axis=-1, norm=None):
    da = irfft_adjoint(dy, a, n, axis, norm)


@tangent(np.fft.irfft)
def _(y, a, n=None, axis=-1, norm=None):
    dy = np.fft.irfft(da, n, axis, norm)


@adjoint(np.fft.hfft, kind="same_rank", examples=_one_axis_examples((3, 4)))
def _(y, a, n=None, axis=-1, norm=None):
    da = hfft_adjoint(dy, a, n, axis, norm)


@tangent(np.fft.hfft)
def _(y, a, n=None, axis=-1, norm=None):
    dy = np.fft.hfft(da, n, axis, norm)


@adjoint(np.fft.ihfft, kind="same_rank", examples=ONE_AXIS)
def _(y, a, n=None, axis=-1, norm=None):
    da = ihfft_adjoint(dy, a, n, axis, norm)


@tangent(np.fft.ihfft)
def _(y, a, n=None, axis=-1, norm=None):
    dy = np.fft.ihfft(da, n, axis, norm)


# ----------------------------------------------------------------------------- several axes


@adjoint(np.fft.fftn, kind="same_rank", examples=N_AXES)
def _(y, a, s=None, axes=None, norm=None):
    da = fftn_adjoint(dy, a, s, axes, norm)


@tangent(np.fft.fftn)
def _(y, a, s=None, axes=None, norm=None):
    dy = np.fft.fftn(da, s, axes, norm)


@adjoint(np.fft.ifftn, kind="same_rank", examples=N_AXES)
def _(y, a, s=None, axes=None, norm=None):
    da = ifftn_adjoint(dy, a, s, axes, norm)


@tangent(np.fft.ifftn)
def _(y, a, s=None, axes=None, norm=None):
    dy = np.fft.ifftn(da, s, axes, norm)


@adjoint(np.fft.rfftn, kind="same_rank", examples=N_AXES)
def _(y, a, s=None, axes=None, norm=None):
    da = rfftn_adjoint(dy, a, s, axes, norm)


@tangent(np.fft.rfftn)
def _(y, a, s=None, axes=None, norm=None):
    dy = np.fft.rfftn(da, s, axes, norm)


@adjoint(np.fft.irfftn, kind="same_rank", examples=HALF_N_AXES)
def _(y, a, s=None, axes=None, norm=None):
    da = irfftn_adjoint(dy, a, s, axes, norm)


@tangent(np.fft.irfftn)
def _(y, a, s=None, axes=None, norm=None):
    dy = np.fft.irfftn(da, s, axes, norm)


@adjoint(np.fft.fft2, kind="same_rank", examples=TWO_AXES)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    da = fftn_adjoint(dy, a, s, axes, norm)


@tangent(np.fft.fft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    dy = np.fft.fft2(da, s, axes, norm)


@adjoint(np.fft.ifft2, kind="same_rank", examples=TWO_AXES)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    da = ifftn_adjoint(dy, a, s, axes, norm)


@tangent(np.fft.ifft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    dy = np.fft.ifft2(da, s, axes, norm)


@adjoint(np.fft.rfft2, kind="same_rank", examples=TWO_AXES)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    da = rfftn_adjoint(dy, a, s, axes, norm)


@tangent(np.fft.rfft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    dy = np.fft.rfft2(da, s, axes, norm)


@adjoint(np.fft.irfft2, kind="same_rank", examples=HALF_TWO_AXES)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    da = irfftn_adjoint(dy, a, s, axes, norm)


@tangent(np.fft.irfft2)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    dy = np.fft.irfft2(da, s, axes, norm)


# ----------------------------------------------------------------------------- shifts


@adjoint(np.fft.fftshift, kind="same_rank", examples=SHIFT_EXAMPLES)
def _(y, x, axes=None):
    dx = np.fft.ifftshift(dy, axes)


@tangent(np.fft.fftshift)
def _(y, x, axes=None):
    dy = np.fft.fftshift(dx, axes)


@adjoint(np.fft.ifftshift, kind="same_rank", examples=SHIFT_EXAMPLES)
def _(y, x, axes=None):
    dx = np.fft.fftshift(dy, axes)


@tangent(np.fft.ifftshift)
def _(y, x, axes=None):
    dy = np.fft.ifftshift(dx, axes)


# ----------------------------------------------------------------------------- frequencies
# The sample frequencies depend on the sample spacing `d` only; srcad treats them as
# constants (no derivative with respect to `d`).

nondifferentiable(np.fft.fftfreq, np.fft.rfftfreq, kind=lambda kinds, named: ArrayKind(1),
                  examples=[Example((8,)), Example((7,)), Example((6, 2)),
                            Example((5,), {"d": 3})])
output_dtype(np.fft.fftfreq, np.fft.rfftfreq, output="real")

# ----------------------------------------------------------------------------- complex values

complex_values(np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.ihfft, np.fft.fft2, np.fft.ifft2,
               np.fft.rfft2, np.fft.fftn, np.fft.ifftn, np.fft.rfftn,
               how="native", output="complex")
complex_values(np.fft.irfft, np.fft.hfft, np.fft.irfft2, np.fft.irfftn,
               how="native", output="real")
complex_values(np.fft.fftshift, np.fft.ifftshift, how="linear")
