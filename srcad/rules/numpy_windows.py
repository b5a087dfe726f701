"""Rules for `np.lib.stride_tricks.sliding_window_view` (helper in
srcad/runtime/windows.py).

The windows are a linear function of the array (each entry of the result is an entry of
it): the tangent is the windows of the tangent, the adjoint adds each window's adjoint
back where it was read from (`window_sum`), and the adjoint of `window_sum` is the windows
again. Both are real-coefficient linear maps, valid for complex values unchanged.
`subok` and `writeable` are refused (a writeable view would let the code change `x`
through its windows).
"""

import numpy as np

from srcad.rules.registry import Example, Rand, adjoint, complex_values
from srcad.runtime.windows import window_sum

sliding_window_view = np.lib.stride_tricks.sliding_window_view


@adjoint(sliding_window_view, linear=True, kind="array",
         nondiff_params=("window_shape", "axis"), examples=[
             Example((Rand((6,)), 3)), Example((Rand((5,)), 1)), Example((Rand((4,)), 4)),
             Example((Rand((4, 5)), (2, 3))), Example((Rand((4, 5)), 2, 0)),
             Example((Rand((4, 5)), 3), {"axis": -1}),
             Example((Rand((3, 4, 5)), (2, 2), (0, 2))),
             Example((Rand((7, 3)), (2, 3), (0, 0))),  # one axis twice
         ])
def _(y, x, window_shape, axis=None, subok=False, writeable=False):
    dx = window_sum(dy, np.shape(x), window_shape, axis)


@adjoint(window_sum, linear=True, kind="array",
         nondiff_params=("shape", "window_shape", "axis"), examples=[
             Example((Rand((4, 3)), (6,), 3)), Example((Rand((3, 3, 2, 3)), (4, 5), (2, 3))),
             Example((Rand((3, 5, 2)), (4, 5), 2, 0)),
             Example((Rand((4, 3, 2, 3)), (7, 3), (2, 3), (0, 0)))])
def _(y, g, shape, window_shape, axis=None):
    dg = sliding_window_view(dy, window_shape, axis)


complex_values(sliding_window_view, window_sum, how="linear")
