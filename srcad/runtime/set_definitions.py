"""NumPy's set functions, `np.sort_complex` and the in-place `np.put`, `np.place` and
`np.put_along_axis`, as definitions in plain NumPy (registered in
srcad/rules/numpy_sets.py). The histograms are in histogram_definitions.py.

Each definition splits the work in two. The integer part (which entry of the input each
output value is taken from) is computed by a helper that calls NumPy itself, so that it
is NumPy's own answer, and carries no derivative. The float part is indexing and item
assignment on those positions, which srcad differentiates: a unique value is the entry
NumPy takes it from (as `np.sort` is).

The in-place functions are lowered like `a[i] = v` (srcad/lower/out_arguments.py):
`np.put(a, ind, v)` becomes `a = put(a, ind, v)`, a new array, where nothing else can see
`a`.
"""

from __future__ import annotations

import numpy as np

from srcad.errors import UnsupportedSyntaxError
from srcad.runtime import stop_gradient
from srcad.runtime.definitions import refuse_option
from srcad.runtime.marks import differentiated_from_source

# NumPy's named tuples of np.unique_all, np.unique_counts and np.unique_inverse
_UNIQUE_ALL = type(np.unique_all(np.zeros(1)))
_UNIQUE_COUNTS = type(np.unique_counts(np.zeros(1)))
_UNIQUE_INVERSE = type(np.unique_inverse(np.zeros(1)))


# ============================================================================ integer helpers


def unique_positions(ar, equal_nan=True, sorted=True):
    """The integer part of `np.unique(ar, ...)` with `axis=None`.

    Returns
    -------
    positions : ndarray
        Flat positions of `ar` whose entries are NumPy's unique values, in NumPy's order
        (the first occurrence of each).
    index, inverse, counts : ndarray
        NumPy's `return_index`, `return_inverse` (shaped like `ar`) and `return_counts`.
    """
    ar = np.asarray(ar)
    flat = ar.reshape(-1)
    values, index, inverse, counts = np.unique(
        flat, return_index=True, return_inverse=True, return_counts=True,
        equal_nan=equal_nan)
    positions = index
    if not sorted:
        # (NumPy may then return the values in a hash table's order)
        want = np.unique(flat, equal_nan=equal_nan, sorted=False)
        if not np.array_equal(want, values, equal_nan=True):
            order = np.searchsorted(values, want)
            order = np.minimum(order, max(values.size - 1, 0))
            if want.size != values.size or \
                    not np.array_equal(values[order], want, equal_nan=True):
                raise UnsupportedSyntaxError(
                    "srcad cannot tell which entries np.unique takes its unordered "
                    "values from here", hint="pass sorted=True (np.unique's default)")
            positions = index[order]
    return positions, index, inverse.reshape(ar.shape), counts


def intersect_positions(ar1, ar2, assume_unique=False):
    """NumPy's `return_indices` of `np.intersect1d(ar1, ar2, assume_unique)`. The first
    are also the positions of its values in the concatenation of `ar1` and `ar2`
    flattened (in `ar1`'s part, but for non-unique inputs given as unique)."""
    _, ind1, ind2 = np.intersect1d(np.ravel(ar1), np.ravel(ar2), assume_unique=assume_unique,
                                   return_indices=True)
    return ind1, ind2


def setdiff_positions(ar1, ar2, assume_unique=False):
    """Positions in `ar1` flattened of the values of `np.setdiff1d(ar1, ar2,
    assume_unique)`, in NumPy's order."""
    flat1 = np.ravel(ar1)
    if assume_unique:
        return np.flatnonzero(np.isin(flat1, ar2, assume_unique=True, invert=True))
    _, index = np.unique(flat1, return_index=True)
    keep = np.isin(flat1[index], np.unique(ar2), assume_unique=True, invert=True)
    return index[keep]


def setxor_positions(ar1, ar2, assume_unique=False):
    """Positions in the concatenation of `ar1` and `ar2` flattened of the values of
    `np.setxor1d(ar1, ar2, assume_unique)`, in NumPy's order."""
    flat1, flat2 = np.ravel(ar1), np.ravel(ar2)
    if assume_unique:
        first, second = np.arange(flat1.size), np.arange(flat2.size)
    else:
        first = np.unique(flat1, return_index=True)[1]
        second = np.unique(flat2, return_index=True)[1]
    positions = np.concatenate((first, second + flat1.size))
    aux = np.concatenate((flat1, flat2))[positions]
    if aux.size == 0:
        return positions
    order = np.argsort(aux, kind="mergesort")
    aux = aux[order]
    flag = np.concatenate(([True], aux[1:] != aux[:-1], [True]))
    return positions[order][flag[1:] & flag[:-1]]


def put_positions(shape, ind, count, mode="raise"):
    """The flat positions `np.put(a, ind, v, mode)` writes into an array of `shape`, and
    for each the item of `v` (flattened, `count` items) written there (`v` is repeated)."""
    size = int(np.prod(shape, dtype=np.int64))
    ind = np.asarray(ind).reshape(-1)
    if ind.size == 0 or count == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    positions = np.arange(size).take(ind, mode=mode)
    return positions, np.arange(positions.size) % count


def place_positions(shape, mask, count):
    """The flat positions `np.place(arr, mask, vals)` writes into an array of `shape`, and
    for each the item of `vals` (flattened, `count` items) written there."""
    mask = np.asarray(mask)
    size = int(np.prod(shape, dtype=np.int64))
    if mask.size != size:
        raise ValueError("place: mask and data must be the same size")
    positions = np.flatnonzero(mask)
    if positions.size and count == 0:
        raise ValueError("Cannot insert from an empty array!")
    return positions, np.arange(positions.size) % max(count, 1)


def along_axis_positions(shape, indices, axis):
    """The flat positions `np.put_along_axis(arr, indices, values, axis)` writes into an
    array of `shape`, shaped as the values written (NumPy's checks and wrapping)."""
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    flat = np.arange(int(np.prod(shape, dtype=np.int64)))
    if axis is None:
        if indices.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        return flat[indices]
    return np.take_along_axis(flat.reshape(shape), indices, axis)


# ============================================================================ unique, sets


@differentiated_from_source
def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):
    """np.unique with axis=None (or the axis of a 1-D array): each value is the entry of
    `ar` NumPy takes it from."""
    if axis is not None and np.ndim(ar) != 1:
        refuse_option("np.unique", "axis")
    positions, index, inverse, counts = unique_positions(ar, equal_nan, sorted)
    values = np.ravel(ar)[positions]
    # (tuple displays, under conditions decided while transforming: a tuple built at
    # run time would pass the values' derivative on to the integer items)
    if return_index:
        if return_inverse:
            if return_counts:
                return values, index, inverse, counts
            return values, index, inverse
        if return_counts:
            return values, index, counts
        return values, index
    if return_inverse:
        if return_counts:
            return values, inverse, counts
        return values, inverse
    if return_counts:
        return values, counts
    return values


@differentiated_from_source
def unique_values(x):
    """np.unique_values."""
    return unique(x, equal_nan=False, sorted=False)


@differentiated_from_source
def unique_counts(x):
    """np.unique_counts (a named tuple: values, counts)."""
    values, counts = unique(x, return_counts=True, equal_nan=False)
    return _UNIQUE_COUNTS(values, counts)


@differentiated_from_source
def unique_inverse(x):
    """np.unique_inverse (a named tuple: values, inverse_indices)."""
    values, inverse = unique(x, return_inverse=True, equal_nan=False)
    return _UNIQUE_INVERSE(values, inverse)


@differentiated_from_source
def unique_all(x):
    """np.unique_all (a named tuple: values, indices, inverse_indices, counts)."""
    values, index, inverse, counts = unique(x, return_index=True, return_inverse=True,
                                            return_counts=True, equal_nan=False)
    return _UNIQUE_ALL(values, index, inverse, counts)


@differentiated_from_source
def union1d(ar1, ar2):
    """np.union1d: the unique values of both arrays."""
    return unique(np.concatenate((np.ravel(ar1), np.ravel(ar2))))


@differentiated_from_source
def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *more):
    """np.intersect1d: the values are taken from `ar1` (as NumPy's are). (`*more`, which
    NumPy does not take, makes srcad inline the calls, so that the indices it returns
    carry no derivative.)"""
    if more:
        raise TypeError("intersect1d() takes from 2 to 4 positional arguments but "
                        f"{4 + len(more)} were given")
    ind1, ind2 = intersect_positions(ar1, ar2, assume_unique)
    values = np.concatenate((np.ravel(ar1), np.ravel(ar2)))[ind1]
    if return_indices:
        return values, ind1, ind2
    return values


@differentiated_from_source
def setdiff1d(ar1, ar2, assume_unique=False):
    """np.setdiff1d: the values of `ar1` not in `ar2`."""
    return np.ravel(ar1)[setdiff_positions(ar1, ar2, assume_unique)]


@differentiated_from_source
def setxor1d(ar1, ar2, assume_unique=False):
    """np.setxor1d: the values in exactly one of the arrays."""
    both = np.concatenate((np.ravel(ar1), np.ravel(ar2)))
    return both[setxor_positions(ar1, ar2, assume_unique)]


@differentiated_from_source
def sort_complex(a):
    """np.sort_complex: sorted along the last axis by real part, then imaginary part,
    as a complex array."""
    a = np.asarray(a)
    b = np.take_along_axis(a, np.argsort(a, axis=-1), axis=-1)
    if a.dtype.kind == "c":
        return b
    if a.dtype.char in "bhBH":
        return np.asarray(b, dtype=np.complex64)
    if a.dtype.char == "g":
        return np.asarray(b, dtype=np.clongdouble)
    return np.asarray(b, dtype=np.complex128)


# ============================================================================ in place


@differentiated_from_source
def _written(flat, values):
    """The values written into `flat`: without a derivative where its dtype is not
    inexact (the write truncates them to integers or booleans)."""
    if flat.dtype.kind in "fc":
        return values
    return stop_gradient(values).astype(flat.dtype)


@differentiated_from_source
def put(a, ind, v, mode="raise"):
    """`np.put(a, ind, v, mode)` into a new array: `a.flat[ind] = v`, `v` repeated."""
    values = np.ravel(v)
    positions, items = put_positions(np.shape(a), ind, values.size, mode)
    flat = np.copy(a).reshape(-1)
    flat[positions] = _written(flat, values[items])
    return np.reshape(flat, np.shape(a))


@differentiated_from_source
def place(arr, mask, vals):
    """`np.place(arr, mask, vals)` into a new array: `arr[mask] = vals`, `vals` repeated."""
    values = np.ravel(vals)
    positions, items = place_positions(np.shape(arr), mask, values.size)
    flat = np.copy(arr).reshape(-1)
    flat[positions] = _written(flat, values[items])
    return np.reshape(flat, np.shape(arr))


@differentiated_from_source
def put_along_axis(arr, indices, values, axis):
    """`np.put_along_axis(arr, indices, values, axis)` into a new array."""
    positions = along_axis_positions(np.shape(arr), indices, axis)
    flat = np.copy(arr).reshape(-1)
    flat[positions] = _written(flat, values)
    return np.reshape(flat, np.shape(arr))
