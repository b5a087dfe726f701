"""Array constants that generated code defines at module level, in plain NumPy.

Specialized code may use a constant array it makes itself (the vector of ones that
turns a sum over a short axis into one BLAS product). Such a constant is shown in the
generated module as the line that makes it (`ones_10x1 = np.ones((10, 1))`), not as an
opaque captured value.
"""

from __future__ import annotations

import numpy as np

_MAX_KEPT = 64
_ONES: dict[tuple, np.ndarray] = {}
_DEFINITIONS: dict[int, tuple[np.ndarray, str, str]] = {}  # id -> (array, name, source)


def ones(shape: tuple) -> np.ndarray:
    """A read-only float64 array of ones of `shape`, defined as `np.ones(shape)`."""
    array = _ONES.get(shape)
    if array is not None:
        return array
    if len(_ONES) >= _MAX_KEPT:  # forget the oldest (modules using it keep their own)
        oldest = _ONES.pop(next(iter(_ONES)))
        _DEFINITIONS.pop(id(oldest), None)
    array = np.ones(shape)
    array.flags.writeable = False
    spelled = repr(shape[0]) if len(shape) == 1 else repr(shape)
    name = "ones_" + "x".join(str(n) for n in shape)
    _ONES[shape] = array
    _DEFINITIONS[id(array)] = (array, name, f"np.ones({spelled})")
    return array


def definition(value: object) -> tuple[str, str] | None:
    """(name, source) of a constant made here, or None for any other value."""
    entry = _DEFINITIONS.get(id(value))
    if entry is None or entry[0] is not value:
        return None
    return entry[1], entry[2]
