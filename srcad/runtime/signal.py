"""Helpers for the rules of `np.convolve` and `np.correlate` (`srcad/rules/numpy_signal.py`).

`np.convolve(a, v, mode)` is bilinear: its adjoint in one input is the output's adjoint,
placed in the full-length output, correlated with the other input ('valid' part). The
helpers are written in NumPy functions that have rules, so srcad differentiates them
from their source at second order.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime.marks import differentiated_from_source


def mode_start(n1, n2, mode):
    """Where the output of `np.convolve` of lengths n1 and n2 in `mode` starts within
    the full output (of length n1 + n2 - 1)."""
    if mode == "full":
        return 0
    if mode == "same":
        return (min(n1, n2) - 1) // 2
    if mode == "valid":
        return min(n1, n2) - 1
    raise ValueError(f"mode must be 'full', 'same' or 'valid', not {mode!r}")


@differentiated_from_source
def convolve_adjoint(g, other, n, mode):
    """The adjoint of the input of length `n` of `np.convolve(., other, mode)` (or of
    `np.convolve(other, ., mode)`: convolution is symmetric), given the adjoint `g` of
    the output."""
    start = mode_start(n, np.size(other), mode)
    length = n + np.size(other) - 1
    full = np.pad(g, (start, length - start - np.size(g)))
    return np.convolve(full, np.conjugate(np.flip(other)), "valid")  # (correlated)


@differentiated_from_source
def correlate_adjoint_second(g, a, n, mode):
    """The adjoint of `v` (of length `n`) in `np.correlate(a, v, mode)`, which is
    `np.convolve(a, conj(v[::-1]), mode)`."""
    return np.conjugate(np.flip(convolve_adjoint(g, a, n, mode)))
