"""Rules for `np.convolve` and `np.correlate` (helpers in srcad/runtime/signal.py).

Both are bilinear in their two inputs: the tangent is the primal applied to one input's
tangent and the other input, summed over the inputs; the adjoint of one input is the
output's adjoint correlated with the other input. `np.correlate(a, v, mode)` is
`np.convolve(a, conj(v[::-1]), mode)`, conjugate-linear in `v`.
"""

import numpy as np

from srcad.rules.registry import Example, Rand, adjoint, complex_values, nondifferentiable
from srcad.runtime.signal import convolve_adjoint, correlate_adjoint_second, mode_start

_CASES = [(5, 3), (3, 5), (4, 4), (1, 3), (6, 1)]


@adjoint(np.convolve, bilinear=True, kind="first", nondiff_params=("mode",),
         examples=[Example((Rand((m,)), Rand((n,)), mode)) for m, n in _CASES
                   for mode in ("full", "same", "valid")] +
         [Example((Rand((4,)), Rand((2,))))])
def _(y, a, v, mode="full"):
    da = convolve_adjoint(dy, v, np.size(a), mode)
    dv = convolve_adjoint(dy, a, np.size(v), mode)


@adjoint(np.correlate, bilinear=True, kind="first", nondiff_params=("mode",),
         examples=[Example((Rand((m,)), Rand((n,)), mode)) for m, n in _CASES
                   for mode in ("full", "same", "valid")] +
         [Example((Rand((4,)), Rand((2,))))])
def _(y, a, v, mode="valid"):
    da = convolve_adjoint(dy, np.conjugate(np.flip(v)), np.size(a), mode)
    dv = correlate_adjoint_second(dy, a, np.size(v), mode)


complex_values(np.convolve, np.correlate, how="native")
nondifferentiable(mode_start, kind="scalar", examples=[Example((5, 3, "same"))])
