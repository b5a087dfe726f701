"""NumPy functions that take a Python function, as plain-NumPy definitions srcad
differentiates from their source (`np.vectorize`, `np.apply_along_axis`, `np.piecewise`,
`np.fromfunction`): the user's function is called where NumPy calls it, element by
element, slice by slice, or on the selected elements only, so its derivative is taken
exactly where NumPy evaluates it (`np.piecewise(x, [x < 0, x >= 0], [f, np.sqrt])` never
differentiates the square root at a negative point)."""

from __future__ import annotations

import numpy as np

from srcad.errors import UnsupportedSyntaxError
from srcad.runtime.marks import check_only, differentiated_from_source


@differentiated_from_source
def vectorized_call(function, *arrays):
    """`np.vectorize(function)(*arrays)` of one or two arrays: `function` on each element
    (of the arrays broadcast together), the results in an array of that shape."""
    if len(arrays) == 1:
        x = np.asarray(arrays[0])
        flat = np.ravel(x)
        results = [function(flat[k]) for k in range(np.size(x))]
        return np.reshape(np.array(results, dtype=float), np.shape(x))
    if len(arrays) != 2:
        refuse_arity()
    a, b = np.broadcast_arrays(arrays[0], arrays[1])
    flat_a, flat_b = np.ravel(a), np.ravel(b)
    results = [function(flat_a[k], flat_b[k]) for k in range(np.size(a))]
    return np.reshape(np.array(results, dtype=float), np.shape(a))


@check_only
def refuse_arity() -> None:
    """np.vectorize of a function of more than two arrays."""
    raise UnsupportedSyntaxError(
        "srcad differentiates np.vectorize(f)(...) for one or two arrays",
        hint="call f in a loop (or a list comprehension) over the elements")


@differentiated_from_source
def apply_along_axis(func1d, axis, arr):
    """`np.apply_along_axis(func1d, axis, arr)` for a `func1d` returning a number or a
    1-D array: it is called on each 1-D slice along `axis`."""
    moved = np.moveaxis(np.asarray(arr), axis, -1)
    rows = np.reshape(moved, (-1, np.shape(moved)[-1]))
    results = np.array([func1d(rows[k]) for k in range(np.shape(rows)[0])], dtype=float)
    shaped = np.reshape(results, np.shape(moved)[:-1] + np.shape(results)[1:])
    if np.ndim(results) == 1:
        return shaped
    return np.moveaxis(shaped, -1, axis)


@differentiated_from_source
def piecewise(x, condlist, funclist):
    """`np.piecewise(x, condlist, funclist)` with functions: each is called on the
    elements its condition selects; a last function without a condition takes the
    elements no condition selects; elements no function takes are 0."""
    x = np.asarray(x)
    y = np.zeros(np.shape(x))
    conds = [np.asarray(c, dtype=bool) for c in condlist]
    if len(funclist) == len(conds) + 1:
        conds = conds + [~np.any(np.array(conds), axis=0)]
    for cond, function in zip(conds, funclist):
        y[cond] = function(x[cond])
    return y


@differentiated_from_source
def fromfunction(function, shape, dtype=float):
    """`np.fromfunction(function, shape)`: `function` called once on the index grids."""
    grids = np.indices(shape, dtype=dtype)
    return function(*tuple(grids[k] for k in range(len(shape))))
