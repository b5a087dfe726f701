"""Rules for `scipy.signal.lfilter` and `resample`, and the definitions srcad differentiates
`scipy.signal.filtfilt` and `hilbert` from (srcad/runtime/scipy_signal.py).

``y = lfilter(b, a, x, axis)`` with a zero initial state is differentiable in `b`, `a`
and `x` (formulas in srcad/runtime/scipy_signal.py): the adjoint of `x` is the filter
run backwards in time, those of `b` and `a` lagged products of the backwards
all-pole filtered adjoint with `x` and `y`; the tangent is
``lfilter(b, a, dx) + lfilter(db, a, x) - lfilter(da, a, y)``. The function is
holomorphic in its three inputs together (complex coefficients and signals are
differentiated). `zi` is refused: the call then also returns the final state.

SciPy is optional and slow to import: the rules are stated for srcad's wrapper
`srcad.runtime.scipy_signal.lfilter` (SciPy imported on its first call), and
`scipy.signal.lfilter` shares them once the user's code imports `scipy.signal`; the
definitions of `filtfilt` and `hilbert` are added then too.

``resample(x, num, axis=axis)`` is linear, ``y = R x`` with ``R`` real (it maps real
signals to real ones, so complex signals are differentiated by the same templates): its
adjoint is ``R^T`` (`resample_transpose`), whose own adjoint is ``R``. `t`, `window` and
domain='freq' are refused.
"""

import numpy as np

from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_values,
    register_when_imported,
    share_rules,
    tangent,
)
from srcad.rules.runtime_rules import same_kind_as
from srcad.runtime.definitions import register_definitions_when_imported
from srcad.runtime.scipy_signal import (
    filtfilt,
    hilbert,
    lagged_products,
    lfilter,
    lfilter_transpose,
    resample,
    resample_transpose,
)

# Stable denominators (poles well inside the unit circle) and any numerators.
_A2 = Rand((2,), (0.8, -0.5), (1.2, 0.5))
_A3 = Rand((3,), (0.9, -0.3, -0.2), (1.1, 0.3, 0.2))
_LFILTER_EXAMPLES = [
    Example((Rand((3,)), _A3, Rand((7,)))),
    Example((Rand((2,)), _A2, Rand((6,)))),
    Example((Rand((4,)), Rand((1,), 0.8, 1.3), Rand((5,)))),
    Example((Rand((1,)), _A3, Rand((6,)))),
    Example((Rand((5,)), _A2, Rand((3,)))),  # more taps than samples
    Example((Rand((3,)), _A2, Rand((3, 5)))),
    Example((Rand((2,)), _A3, Rand((5, 3)), 0)),
    Example((Rand((3,)), _A2, Rand((2, 4, 3))), {"axis": 1}),
]


@adjoint(lfilter, kind=same_kind_as("x"), nondiff_params=("axis",),
         examples=_LFILTER_EXAMPLES)
def _(y, b, a, x, axis=-1, zi=None):
    dx = lfilter_transpose(dy, b, a, axis)
    q = lfilter_transpose(dy, 1.0, a, axis)
    db = lagged_products(q, x, b, axis)
    da = -lagged_products(q, y, a, axis)


@tangent(lfilter)
def _(y, b, a, x, axis=-1, zi=None):
    dy = lfilter(b, a, dx, axis) + lfilter(db, a, x, axis) - lfilter(da, a, y, axis)


complex_values(lfilter, how="holomorphic")

# resample is linear with a real matrix R (it maps real signals to real ones), so its
# rules hold for complex signals unchanged; R^T is `resample_transpose`, whose own
# adjoint is R again.
_RESAMPLE_EXAMPLES = [
    Example((Rand((7,)), 12)), Example((Rand((8,)), 13)), Example((Rand((8,)), 5)),
    Example((Rand((7,)), 4)), Example((Rand((6,)), 6)), Example((Rand((8,)), 4)),
    Example((Rand((6, 3)), 9)), Example((Rand((3, 6)), 4), {"axis": 1}),
    Example((Rand((2, 5, 3)), 8), {"axis": -2}),
]


@adjoint(resample, linear=True, kind="same_rank", nondiff_params=("num", "axis"),
         examples=_RESAMPLE_EXAMPLES)
def _(y, x, num, t=None, axis=0, window=None, domain="time"):
    dx = resample_transpose(dy, x, num, axis)


@adjoint(resample_transpose, linear=True, kind="same_rank", nondiff_params=("x", "num", "axis"),
         examples=[Example((Rand((12,)), np.zeros(7), 12)), Example((Rand((5,)), np.zeros(8), 5)),
                   Example((Rand((13,)), np.zeros(8), 13)), Example((Rand((4,)), np.zeros(7), 4)),
                   Example((Rand((3, 4)), np.zeros((3, 6)), 4, 1))])
def _(y, g, x, num, axis=0):
    dg = resample(dy, num, None, axis)


complex_values(resample, resample_transpose, how="linear")


def _register_signal() -> None:
    import scipy.signal as ss

    share_rules(lfilter, ss.lfilter, examples=[
        Example((Rand((3,)), _A3, Rand((8,)))),
        Example((Rand((2,)), _A2, Rand((4, 3))), {"axis": 0})])
    complex_values(ss.lfilter, how="holomorphic")
    share_rules(resample, ss.resample, examples=[
        Example((Rand((8,)), 5)), Example((Rand((3, 7)), 10), {"axis": 1})])
    complex_values(ss.resample, how="linear")


def _signal_definitions() -> dict:
    import scipy.signal as ss

    return {ss.filtfilt: filtfilt, ss.hilbert: hilbert}


register_when_imported("scipy.signal", _register_signal)
register_definitions_when_imported("scipy.signal", _signal_definitions)
