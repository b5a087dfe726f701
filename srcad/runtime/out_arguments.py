"""The run-time check of a call's `out=` array.

srcad rewrites `f(x, out=buf)` into `buf = f(x)` (srcad/lower/out_arguments.py): the
result becomes a new array named `buf`. That is NumPy's meaning exactly when the result
has `buf`'s shape and dtype (NumPy would otherwise broadcast or cast it into `buf`) and
no other variable holds `buf` (it would see NumPy's write, not srcad's new array).
`check_in_place` checks the same of `np.add.at(a, ...)` and `np.fill_diagonal(a, ...)`,
which srcad rewrites into `a = added_at(a, ...)` and `a = filled_diagonal(a, ...)`.
"""

from __future__ import annotations

import linecache

import numpy as np

from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.runtime.marks import check_only


def check_out(value, out, name, location, *others):
    """Refuse an `out=` write srcad's new array would not reproduce.

    Parameters
    ----------
    value
        The value written (the call's result).
    out
        The array the call was given as `out`, before the write.
    name : str
        How the user's code spells `out` (`buf`, `buf[0]`).
    location : tuple
        (file, line, column, function) of the call.
    others
        The current values of other variables that may hold `out`.
    """
    if not isinstance(out, np.ndarray):
        raise _refused(f"the 'out' argument '{name}' is not an array "
                       f"({type(out).__name__})", location, "pass an array as out=")
    shape, dtype = np.shape(value), np.result_type(value)
    if shape != out.shape or dtype != out.dtype:
        raise _refused(
            f"the result (shape {shape}, dtype {dtype}) differs from the 'out' array "
            f"'{name}' (shape {out.shape}, dtype {out.dtype}): NumPy would broadcast or "
            "cast it into the array, srcad makes the result a new array", location,
            f"allocate '{name}' with the result's shape and dtype, or assign the result "
            f"({name} = f(...)) and convert it explicitly")
    for other in others:
        if isinstance(other, np.ndarray) and np.shares_memory(other, out):
            raise _refused(
                f"another variable holds the 'out' array '{name}' (or a view of it): "
                "NumPy's write would change it too, srcad makes the result a new array",
                location, f"copy first ({name} = np.copy({name})), or assign the result "
                          f"({name} = f(...))")


@check_only
def check_in_place(a, name, label, location, *others):
    """Refuse an in-place call (`label`: np.add.at, np.fill_diagonal) that srcad makes a
    new array of (`a = added_at(a, ...)`, srcad/lower/out_arguments.py) where another
    variable holds the array `a` (spelled `name`) or a view of it: NumPy's write would
    change that one too.

    Parameters
    ----------
    a
        The array the call writes into, before the write.
    name : str
        How the user's code spells it.
    label : str
        The function called.
    location : tuple
        (file, line, column, function) of the call.
    others
        The current values of other variables that may hold `a`.
    """
    for other in others:
        if isinstance(other, np.ndarray) and isinstance(a, np.ndarray) and \
                np.shares_memory(other, a):
            raise _refused(
                f"'{label}' changes '{name}' in place, and another variable holds it (or a "
                "view of it): NumPy's write would change that one too, srcad makes a new "
                "array", location, f"copy first ({name} = np.copy({name})), or call "
                f"{label} on a new array the function creates")


def _refused(message: str, location, hint: str) -> UnsupportedSyntaxError:
    filename, line, col, function = location
    loc = SourceLoc(filename, line, col, function, linecache.getline(filename, line))
    return UnsupportedSyntaxError(message, loc, hint=hint)
