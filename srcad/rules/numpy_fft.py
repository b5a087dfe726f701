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

The adjoint helpers have rules too (at the end), so gradients through these transforms
can be differentiated again: each helper is linear in its adjoint argument, and its own
adjoint is the forward transform with the lengths of that argument as `n` / `s`.
"""

import numpy as np

from srcad.ir.kinds import ArrayKind
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_adjoint,
    complex_values,
    nondifferentiable,
    output_dtype,
)
from srcad.runtime.fft import (
    fft_adjoint,
    fft_axes,
    fft_lengths,
    fftn_adjoint,
    hfft_adjoint,
    ifft_adjoint,
    ifftn_adjoint,
    ihfft_adjoint,
    irfft_adjoint,
    irfftn_adjoint,
    rfft_adjoint,
    rfftn_adjoint,
)

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


@adjoint(np.fft.fft, linear=True, kind="same_rank", examples=ONE_AXIS)
def _(y, a, n=None, axis=-1, norm=None):
    da = fft_adjoint(dy, a, axis, norm)


@adjoint(np.fft.ifft, linear=True, kind="same_rank", examples=ONE_AXIS)
def _(y, a, n=None, axis=-1, norm=None):
    da = ifft_adjoint(dy, a, axis, norm)


@adjoint(np.fft.rfft, linear=True, kind="same_rank", examples=ONE_AXIS)
def _(y, a, n=None, axis=-1, norm=None):
    da = rfft_adjoint(dy, a, n, axis, norm)


@adjoint(np.fft.irfft, linear=True, kind="same_rank", examples=_one_axis_examples((3, 4)))
def _(y, a, n=None, axis=-1, norm=None):
    da = irfft_adjoint(dy, a, n, axis, norm)


@adjoint(np.fft.hfft, linear=True, kind="same_rank", examples=_one_axis_examples((3, 4)))
def _(y, a, n=None, axis=-1, norm=None):
    da = hfft_adjoint(dy, a, n, axis, norm)


@adjoint(np.fft.ihfft, linear=True, kind="same_rank", examples=ONE_AXIS)
def _(y, a, n=None, axis=-1, norm=None):
    da = ihfft_adjoint(dy, a, n, axis, norm)


# ----------------------------------------------------------------------------- several axes


@adjoint(np.fft.fftn, linear=True, kind="same_rank", examples=N_AXES)
def _(y, a, s=None, axes=None, norm=None):
    da = fftn_adjoint(dy, a, s, axes, norm)


@adjoint(np.fft.ifftn, linear=True, kind="same_rank", examples=N_AXES)
def _(y, a, s=None, axes=None, norm=None):
    da = ifftn_adjoint(dy, a, s, axes, norm)


@adjoint(np.fft.rfftn, linear=True, kind="same_rank", examples=N_AXES)
def _(y, a, s=None, axes=None, norm=None):
    da = rfftn_adjoint(dy, a, s, axes, norm)


@adjoint(np.fft.irfftn, linear=True, kind="same_rank", examples=HALF_N_AXES)
def _(y, a, s=None, axes=None, norm=None):
    da = irfftn_adjoint(dy, a, s, axes, norm)


@adjoint(np.fft.fft2, linear=True, kind="same_rank", examples=TWO_AXES)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    da = fftn_adjoint(dy, a, s, axes, norm)


@adjoint(np.fft.ifft2, linear=True, kind="same_rank", examples=TWO_AXES)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    da = ifftn_adjoint(dy, a, s, axes, norm)


@adjoint(np.fft.rfft2, linear=True, kind="same_rank", examples=TWO_AXES)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    da = rfftn_adjoint(dy, a, s, axes, norm)


@adjoint(np.fft.irfft2, linear=True, kind="same_rank", examples=HALF_TWO_AXES)
def _(y, a, s=None, axes=(-2, -1), norm=None):
    da = irfftn_adjoint(dy, a, s, axes, norm)


# ----------------------------------------------------------------------------- shifts


@adjoint(np.fft.fftshift, linear=True, kind="same_rank", examples=SHIFT_EXAMPLES)
def _(y, x, axes=None):
    dx = np.fft.ifftshift(dy, axes)


@adjoint(np.fft.ifftshift, linear=True, kind="same_rank", examples=SHIFT_EXAMPLES)
def _(y, x, axes=None):
    dx = np.fft.fftshift(dy, axes)


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

# ----------------------------------------------------------------------------- the helpers
# Rules for the adjoint helpers, so that gradients can be differentiated again (forward
# over reverse for Hessian-vector products, reverse over reverse). Each helper is linear
# in `g` and reads `a` only for its shape and dtype; the transpose of an adjoint is the
# transform itself, with the lengths of `g` as `n` / `s`. A call that sees no complex
# value (a real `g` for a real `a`) is a real map, whose adjoint is the real part.

_HELPER_ONE_AXIS = [  # (g, a, axis, norm): g is the output of fft(a, n, axis)
    Example((Rand((8,)), Rand((5,)))), Example((Rand((4,)), Rand((6,)), 0, "ortho")),
    Example((Rand((3, 4)), Rand((3, 5))), {"norm": "forward"}),
    Example((Rand((2, 3)), Rand((4, 3)), -2, "backward")),
]
_HELPER_HALF_INPUT = [  # (g, a, n, axis, norm): g is the output of irfft(a, n, axis)
    Example((Rand((8,)), Rand((5,)))), Example((Rand((7,)), Rand((3,)), 7)),
    Example((Rand((3, 4)), Rand((3, 5)), 4), {"norm": "forward"}),
    Example((Rand((6, 3)), Rand((4, 3)), 6, 0, "ortho")),
]
_HELPER_HALF_OUTPUT = [  # (g, a, n, axis, norm): g is the output of rfft(a, n, axis)
    Example((Rand((4,)), Rand((6,)))), Example((Rand((5,)), Rand((5,)), 8, 0, "ortho")),
    Example((Rand((3, 3)), Rand((3, 6)), 4), {"norm": "forward"}),
]
_HELPER_N_AXES = [  # (g, a, s, axes, norm): g is the output of fftn(a, s, axes)
    Example((Rand((4, 6)), Rand((3, 4)), (4, 6), (0, 1))),
    Example((Rand((3, 2)), Rand((3, 4)), (2,), (1,), "ortho")),
    Example((Rand((2, 3)), Rand((2, 3))), {"norm": "forward"}),
]
_HELPER_HALF_N_INPUT = [  # (g, a, s, axes, norm): g is the output of irfftn(a, s, axes)
    Example((Rand((4, 6)), Rand((3, 4)), (4, 6), (0, 1))),
    Example((Rand((3, 6)), Rand((3, 4)), None, (1,), "ortho")),
    Example((Rand((2, 4)), Rand((2, 3))), {"norm": "forward"}),
]
_HELPER_HALF_N_OUTPUT = [  # (g, a, s, axes, norm): g is the output of rfftn(a, s, axes)
    Example((Rand((3, 3)), Rand((3, 4)))), Example((Rand((4, 4)), Rand((3, 5)), (4, 6), (0, 1))),
    Example((Rand((2, 4)), Rand((3, 4)), (4, 2), (1, 0), "ortho")),
]


@adjoint(fft_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_ONE_AXIS)
def _(y, g, a, axis=-1, norm=None):
    dg = np.real(np.fft.fft(dy, np.shape(g)[axis], axis, norm))


@complex_adjoint(fft_adjoint)
def _(y, g, a, axis=-1, norm=None):
    dg = np.fft.fft(dy, np.shape(g)[axis], axis, norm)


@adjoint(ifft_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_ONE_AXIS)
def _(y, g, a, axis=-1, norm=None):
    dg = np.real(np.fft.ifft(dy, np.shape(g)[axis], axis, norm))


@complex_adjoint(ifft_adjoint)
def _(y, g, a, axis=-1, norm=None):
    dg = np.fft.ifft(dy, np.shape(g)[axis], axis, norm)


@adjoint(rfft_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_HALF_OUTPUT)
def _(y, g, a, n=None, axis=-1, norm=None):
    dg = np.real(np.fft.rfft(dy, n, axis, norm))


@complex_adjoint(rfft_adjoint)
def _(y, g, a, n=None, axis=-1, norm=None):
    dg = np.fft.rfft(dy, n, axis, norm)


@adjoint(ihfft_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_HALF_OUTPUT)
def _(y, g, a, n=None, axis=-1, norm=None):
    dg = np.real(np.fft.ihfft(dy, n, axis, norm))


@complex_adjoint(ihfft_adjoint)
def _(y, g, a, n=None, axis=-1, norm=None):
    dg = np.fft.ihfft(dy, n, axis, norm)


@adjoint(irfft_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_HALF_INPUT)
def _(y, g, a, n=None, axis=-1, norm=None):
    dg = np.fft.irfft(dy, np.shape(g)[axis], axis, norm)


@adjoint(hfft_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_HALF_INPUT)
def _(y, g, a, n=None, axis=-1, norm=None):
    dg = np.fft.hfft(dy, np.shape(g)[axis], axis, norm)


@adjoint(fftn_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_N_AXES)
def _(y, g, a, s=None, axes=None, norm=None):
    dg = np.real(np.fft.fftn(dy, fft_lengths(g, a, s, axes), fft_axes(a, s, axes), norm))


@complex_adjoint(fftn_adjoint)
def _(y, g, a, s=None, axes=None, norm=None):
    dg = np.fft.fftn(dy, fft_lengths(g, a, s, axes), fft_axes(a, s, axes), norm)


@adjoint(ifftn_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_N_AXES)
def _(y, g, a, s=None, axes=None, norm=None):
    dg = np.real(np.fft.ifftn(dy, fft_lengths(g, a, s, axes), fft_axes(a, s, axes), norm))


@complex_adjoint(ifftn_adjoint)
def _(y, g, a, s=None, axes=None, norm=None):
    dg = np.fft.ifftn(dy, fft_lengths(g, a, s, axes), fft_axes(a, s, axes), norm)


@adjoint(rfftn_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_HALF_N_OUTPUT)
def _(y, g, a, s=None, axes=None, norm=None):
    dg = np.real(np.fft.rfftn(dy, s, fft_axes(a, s, axes), norm))


@complex_adjoint(rfftn_adjoint)
def _(y, g, a, s=None, axes=None, norm=None):
    dg = np.fft.rfftn(dy, s, fft_axes(a, s, axes), norm)


@adjoint(irfftn_adjoint, linear=True, kind="same_rank", nondiff_params=("a",),
         examples=_HELPER_HALF_N_INPUT)
def _(y, g, a, s=None, axes=None, norm=None):
    dg = np.fft.irfftn(dy, fft_lengths(g, a, s, axes), fft_axes(a, s, axes), norm)


nondifferentiable(fft_axes, examples=[
    Example((Rand((3, 4)),)), Example((Rand((3, 4)), (2, 5))), Example((Rand((3, 4)), None, (1,)))])
nondifferentiable(fft_lengths, examples=[
    Example((Rand((3, 4)), Rand((3, 4)))), Example((Rand((2, 5)), Rand((3, 4)), (2, 5))),
    Example((Rand((3, 2)), Rand((3, 4)), None, (1,)))])
complex_values(fft_adjoint, ifft_adjoint, fftn_adjoint, ifftn_adjoint, irfft_adjoint,
               hfft_adjoint, irfftn_adjoint, how="native")
complex_values(rfft_adjoint, ihfft_adjoint, rfftn_adjoint, how="native", output="real")
