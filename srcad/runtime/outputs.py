"""The output adjoint a gradient starts from, checked before the reverse sweep runs."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from srcad.errors import BadArgumentError


class NotScalarOutput(BadArgumentError):
    """Raised by generated code when the differentiated function returned something a
    gradient cannot start from. The API re-raises it naming the function and its line."""

    def __init__(self, value: Any):
        self.value = value
        super().__init__("a gradient needs a real scalar output",
                         hint="return a real scalar")


def is_real_scalar(value: Any) -> bool:
    """A real number (not a bool), a real array with one element, or a real 0-d array
    of another library (a dask array: its dtype and shape are read, nothing computed)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, np.ndarray):
        return value.size == 1 and value.dtype.kind in "fiu"
    if isinstance(value, (numbers.Real, np.floating, np.integer)):
        return True
    return hasattr(type(value), "__array_function__") and getattr(value, "ndim", None) == 0 \
        and getattr(getattr(value, "dtype", None), "kind", None) in ("f", "i", "u")


def output_seed(value: Any) -> Any:
    """1.0 for a real scalar, ones shaped like a real array of one element (as autograd
    accepts them); anything else raises `NotScalarOutput` before the reverse sweep."""
    if not is_real_scalar(value):
        raise NotScalarOutput(value)
    if isinstance(value, np.ndarray):
        return np.ones(value.shape, dtype=np.result_type(value.dtype, np.float64))
    return 1.0
