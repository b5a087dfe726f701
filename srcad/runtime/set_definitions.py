"""NumPy's set functions, histograms, `np.sort_complex` and the in-place `np.put`,
`np.place` and `np.put_along_axis`, as definitions in plain NumPy (registered in
srcad/rules/numpy_sets.py).

Each definition splits the work in two. The integer part (which entry of the input each
output value is taken from, which bin each sample falls into) is computed by a helper
that calls NumPy itself, so that it is NumPy's own answer, and carries no derivative.
The float part is indexing, `np.bincount`, `np.linspace`, `np.min`/`np.max` and item
assignment on those positions, which srcad differentiates: a unique value is the entry
NumPy takes it from (as `np.sort` is), a histogram's counts are sums of its weights, and
its edges move with the data's minimum and maximum when NumPy derives them from the data.

The in-place functions are lowered like `a[i] = v` (srcad/lower/out_arguments.py):
`np.put(a, ind, v)` becomes `a = put(a, ind, v)`, a new array, where nothing else can see
`a`.
"""

from __future__ import annotations

import operator

import numpy as np

from srcad.errors import UnsupportedSyntaxError
from srcad.runtime import stop_gradient
from srcad.runtime.definitions import refuse_option
from srcad.runtime.marks import check_only, differentiated_from_source

# NumPy's named tuples of np.unique_all, np.unique_counts and np.unique_inverse
_UNIQUE_ALL = type(np.unique_all(np.zeros(1)))
_UNIQUE_COUNTS = type(np.unique_counts(np.zeros(1)))
_UNIQUE_INVERSE = type(np.unique_inverse(np.zeros(1)))

_BLOCK = 65536  # np.histogram counts its samples in blocks of this many
builtin_range = range  # (the histograms have a parameter named range)


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


@check_only
def check_edges(first, last, given):
    """Refuse outer histogram edges as NumPy does (`given`: they are the range=)."""
    if given and first > last:
        raise ValueError("max must be larger than min in range parameter.")
    if not (np.isfinite(first) and np.isfinite(last)):
        what = "supplied" if given else "autodetected"
        raise ValueError(f"{what} range of [{first}, {last}] is not finite")


@check_only
def check_histogram(a, weights, bins=None, edges=None, count=None, dims=None):
    """Refuse what NumPy's histograms refuse: `weights` shaped unlike `a`, `edges` that
    do not increase, `count` equal bins too small for their range, `bins` for other than
    `dims` dimensions."""
    if weights is not None and np.shape(weights) != np.shape(a):
        raise ValueError("weights should have the same shape as a.")
    if np.iscomplexobj(weights):
        raise UnsupportedSyntaxError(
            "srcad differentiates histograms without complex weights",
            hint="count the real and the imaginary parts separately")
    if edges is not None:
        if np.ndim(edges) != 1:
            raise ValueError("`bins` must be 1d, when an array")
        if count is None and np.any(edges[:-1] > edges[1:]):
            raise ValueError("`bins` must increase monotonically, when an array")
        if count is not None and np.any(edges[:-1] >= edges[1:]):
            raise ValueError(f"Too many bins for data range. Cannot create {count} "
                             "finite-sized bins.")
    if dims is not None and has_length(bins) and len(bins) != dims:
        raise ValueError("The dimension of bins must be equal to the dimension of the "
                         "sample x.")


def bin_number(a, bins, range=None, weights=None):
    """The number of equal bins np.histogram makes for `bins` (an integer, or the name of
    an estimator NumPy applies to the data `a`)."""
    if isinstance(bins, str):
        return len(np.histogram_bin_edges(a, bins, range, weights)) - 1
    if np.ndim(bins) > 1:
        raise ValueError("`bins` must be 1d, when an array")
    try:
        count = operator.index(bins)
    except TypeError as e:
        raise TypeError("`bins` must be an integer, a string, or an array") from e
    if count < 1:
        raise ValueError("`bins` must be positive, when an integer")
    return count


def has_length(bins):
    """Whether `bins` has a length (a sequence of numbers or of arrays of edges)."""
    try:
        len(bins)
    except TypeError:
        return False
    return True


def edge_dtype(first, last, a):
    """The dtype of the edges np.histogram makes from `first` to `last` for data `a`."""
    dtype = np.result_type(first, last, a)
    return np.result_type(dtype, float) if np.issubdtype(dtype, np.integer) else dtype


def simple_weights(weights):
    """Whether np.histogram counts equal bins with `np.bincount` for these weights."""
    return weights is None or np.can_cast(weights.dtype, np.double) or \
        np.can_cast(weights.dtype, complex)


def uniform_bins(a, first, last, count, edges):
    """Where np.histogram counts the samples `a` with `count` equal bins from `first` to
    `last` (`edges`): the positions of the samples it keeps, and the bin of each."""
    a = np.asarray(a)
    kept = np.flatnonzero((a >= first) & (a <= last))
    sample = a[kept].astype(edges.dtype, copy=False)
    bins = (_unsigned_subtract(sample, first) / _unsigned_subtract(last, first)
            * count).astype(np.intp)
    bins[bins == count] -= 1
    bins[sample < edges[bins]] -= 1
    bins[(sample >= edges[bins + 1]) & (bins != count - 1)] += 1
    return kept, bins


def _unsigned_subtract(a, b):
    """`a - b` for `a >= b`, unsigned for signed integers (as NumPy's histogram)."""
    dtype = np.result_type(a, b)
    if dtype.kind != "i":
        return np.subtract(a, b, dtype=dtype)
    return np.subtract(np.asarray(a, dtype), np.asarray(b, dtype), casting="unsafe",
                       dtype=np.dtype(dtype.char.upper()))


def sorted_bins(a, edges):
    """How np.histogram counts the samples `a` into the bins of the given `edges`: the
    order it sorts them in, and where each edge falls in the sorted samples (the last
    edge inclusive)."""
    order = np.argsort(a)
    ordered = np.asarray(a)[order]
    return order, np.concatenate((ordered.searchsorted(edges[:-1], "left"),
                                  ordered.searchsorted(edges[-1:], "right")))


def dd_bins(sample, edges):
    """Where np.histogramdd counts the samples (rows of `sample`) in the bins of `edges`
    (one array per column): the rows inside the bins (the right-most edge inclusive),
    and the flat bin of each in the histogram's array."""
    where = []
    for i, e in enumerate(edges):
        column = np.searchsorted(e, sample[:, i], side="right")
        column[sample[:, i] == e[-1]] -= 1
        where.append(column)
    shape = tuple(len(e) + 1 for e in edges)  # (with a bin for outliers at each end)
    inside = np.ones(np.shape(sample)[0], bool)
    for column, size in zip(where, shape):
        inside &= (column > 0) & (column < size - 1)
    kept = np.flatnonzero(inside)
    inner = tuple(c[kept] - 1 for c in where)
    return kept, np.ravel_multi_index(inner, tuple(n - 2 for n in shape))


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


# ============================================================================ histograms
# The histograms and their helpers take `*_inline`, no argument NumPy's take: a function
# with `*args` is inlined where it is called (srcad/lower/inlining.py), so that the
# conditions on constant arguments (`weights is None`, `density`, integer `bins`) are
# decided while transforming, and the generated code holds only the path taken.

_COUNTS = (int, np.integer, str)  # `bins` that ask for equal bins


@check_only
def check_no_more(function, more, most):
    """Refuse positional arguments beyond NumPy's `most` (as Python would)."""
    if more:
        raise TypeError(f"{function}() takes at most {most} positional arguments but "
                        f"{most + len(more)} were given")


@differentiated_from_source
def _outer_edges(a, range, *_inline):
    """The first and last edges of equal bins: the range, or the data's min and max
    (widened by 1/2 on each side when equal)."""
    if range is not None:
        first, last = range
        check_edges(first, last, True)
    elif np.size(a) == 0:
        first, last = 0, 1
    else:
        first, last = np.min(a), np.max(a)
        check_edges(first, last, False)
    if first == last:
        first = first - 0.5
        last = last + 0.5
    return first, last


@differentiated_from_source
def _equal_bins(a, bins, range, weights, *_inline):
    """np.histogram's equal bins: (edges, first edge, last edge, number of bins)."""
    count = bin_number(a, bins, range, weights)
    first, last = _outer_edges(a, range)
    edges = _as_float(np.linspace(first, last, count + 1), edge_dtype(first, last, a))
    check_histogram(a, None, edges=edges, count=count)
    return edges, first, last, count


@differentiated_from_source
def _as_float(x, dtype):
    """`x` (float64) cast to the floating `dtype` (as np.linspace's dtype= does)."""
    if dtype == np.float32:
        return np.asarray(x, dtype=np.float32)
    if dtype == np.float16:
        return np.asarray(x, dtype=np.float16)
    if dtype == np.longdouble and np.longdouble != np.float64:
        return np.asarray(x, dtype=np.longdouble)
    return x


@differentiated_from_source
def _raveled(a, *_inline):
    """The data of np.histogram, flattened (bool data as uint8)."""
    a = np.asarray(a)
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    return np.ravel(a)


@differentiated_from_source
def _counted(a, weights, edges, first, last, count, weighted, *_inline):
    """np.histogram's counts in equal bins: `np.bincount` in blocks of samples (of the
    `weights` where `weighted`)."""
    if not weighted:
        n = np.zeros(count, np.intp)
        for start in builtin_range(0, np.size(a), _BLOCK):
            kept, where = uniform_bins(a[start:start + _BLOCK], first, last, count, edges)
            n = n + np.bincount(where, minlength=count)
        return n
    n = np.zeros(count, np.result_type(weights))
    for start in builtin_range(0, np.size(a), _BLOCK):
        kept, where = uniform_bins(a[start:start + _BLOCK], first, last, count, edges)
        w = weights[start:start + _BLOCK][kept]
        n = n + np.asarray(np.bincount(where, w, minlength=count), n.dtype)
    return n


@differentiated_from_source
def _accumulated(a, weights, edges, weighted, *_inline):
    """np.histogram's counts in bins of any edges: differences of cumulative counts,
    in blocks of samples."""
    if not weighted:
        total = np.zeros(np.shape(edges), np.intp)
        for start in builtin_range(0, np.size(a), _BLOCK):
            order, where = sorted_bins(a[start:start + _BLOCK], edges)
            total = total + where
        return np.diff(total)
    total = np.zeros(np.shape(edges), np.result_type(weights))
    for start in builtin_range(0, np.size(a), _BLOCK):
        order, where = sorted_bins(a[start:start + _BLOCK], edges)
        ordered = weights[start:start + _BLOCK][order]
        cumulative = np.concatenate((np.zeros(1, total.dtype), np.cumsum(ordered)))
        total = total + cumulative[where]
    return np.diff(total)


@differentiated_from_source
def _binned(a, bins, range, weights, weighted, *_inline):
    """np.histogram's (counts, edges) of flat data (and flat `weights` where
    `weighted`, a constant)."""
    if isinstance(bins, _COUNTS) or np.ndim(bins) != 1:
        edges, first, last, count = _equal_bins(a, bins, range, weights)
        if not weighted:
            return _counted(a, None, edges, first, last, count, False), edges
        if simple_weights(weights):
            return _counted(a, weights, edges, first, last, count, True), edges
        return _accumulated(a, weights, edges, True), edges
    edges = np.asarray(bins)
    check_histogram(a, None, edges=edges)
    return _accumulated(a, weights, edges, weighted), edges


@differentiated_from_source
def histogram_bin_edges(a, bins=10, range=None, weights=None, *more):
    """np.histogram_bin_edges: the edges given, or `linspace(first, last, bins + 1)`
    (the range, or the data's min and max)."""
    check_no_more("histogram_bin_edges", more, 4)
    check_histogram(a, weights)
    a = _raveled(a)
    if isinstance(bins, _COUNTS) or np.ndim(bins) != 1:
        return _equal_bins(a, bins, range, None if weights is None else np.ravel(weights))[0]
    edges = np.asarray(bins)
    check_histogram(a, None, edges=edges)
    return edges


@differentiated_from_source
def histogram(a, bins=10, range=None, density=None, weights=None, *more):
    """np.histogram: the counts (sums of weights) in each bin, the right-most edge
    inclusive, and the edges."""
    check_no_more("histogram", more, 5)
    check_histogram(a, weights)
    a = _raveled(a)
    if weights is None:
        n, edges = _binned(a, bins, range, None, False)
    else:
        n, edges = _binned(a, bins, range, np.ravel(weights), True)
    if density:
        return n / np.asarray(np.diff(edges), dtype=float) / np.sum(n), edges
    return n, edges


@differentiated_from_source
def _axis_edges(column, bins, range, *_inline):
    """np.histogramdd's edges for one column of the sample."""
    if isinstance(bins, _COUNTS) or np.ndim(bins) == 0:
        first, last = _outer_edges(column, range)
        return np.linspace(first, last, operator.index(bins) + 1)
    edges = np.asarray(bins)
    check_histogram(edges, None, edges=edges)
    return edges


@differentiated_from_source
def histogramdd(sample, bins=10, range=None, density=None, weights=None, *more):
    """np.histogramdd: counts (sums of weights) in the bins of each column of `sample`
    (or of each array of a sequence), and the edges of each."""
    check_no_more("histogramdd", more, 5)
    if not (isinstance(sample, np.ndarray) and np.ndim(sample) == 2):
        sample = np.transpose(np.atleast_2d(sample))
    dims = np.shape(sample)[1]
    check_histogram(sample[:, 0], None, bins=bins, dims=dims)
    if isinstance(bins, _COUNTS):
        edges = [_axis_edges(sample[:, i], bins, None if range is None else range[i])
                 for i in builtin_range(dims)]
    else:  # (iterated, not indexed: where bins is a number, this branch is not taken)
        edges = [_axis_edges(sample[:, i], given, None if range is None else range[i])
                 for i, given in enumerate(bins)]
    kept, where = dd_bins(sample, edges)
    shape = tuple(len(e) - 1 for e in edges)
    size = int(np.prod(shape))
    if weights is None:
        hist = np.asarray(np.bincount(where, minlength=size), dtype=float)
    else:
        hist = np.bincount(where, np.ravel(weights)[kept], minlength=size)
    hist = np.reshape(hist, shape)
    if density:
        total = np.sum(hist)
        for i in builtin_range(dims):
            widths = np.diff(edges[i])
            hist = hist / np.reshape(widths, [len(widths) if j == i else 1
                                              for j in builtin_range(dims)])
        hist = hist / total
    return hist, edges


@differentiated_from_source
def histogram2d(x, y, bins=10, range=None, density=None, weights=None, *more):
    """np.histogram2d: np.histogramdd of the points (x, y)."""
    check_no_more("histogram2d", more, 6)
    if len(x) != len(y):
        raise ValueError("x and y must have the same length.")
    if isinstance(bins, _COUNTS):
        hist, edges = histogramdd([x, y], bins, range, density, weights)
        return hist, edges[0], edges[1]
    if has_length(bins) and len(bins) not in (1, 2):
        edges = np.asarray(bins)
        bins = [edges, edges]
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]
