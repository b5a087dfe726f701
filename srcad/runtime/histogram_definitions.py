"""NumPy's histograms (`np.histogram`, `np.histogram_bin_edges`, `np.histogram2d`,
`np.histogramdd`) as definitions in plain NumPy (registered in srcad/rules/numpy_sets.py),
and the integer helpers that find their bins.

As for the set functions (srcad/runtime/set_definitions.py), each definition splits the
work in two: which bin each sample falls into is computed by a helper that calls NumPy
itself and carries no derivative; the float part (`np.bincount`, `np.linspace`,
`np.min`/`np.max`) is differentiated: a histogram's counts are sums of its weights, and
its edges move with the data's minimum and maximum when NumPy derives them from the data.
"""

from __future__ import annotations

import operator

import numpy as np

from srcad.errors import UnsupportedSyntaxError
from srcad.runtime.marks import check_only, differentiated_from_source

_BLOCK = 65536  # np.histogram counts its samples in blocks of this many
builtin_range = range  # (the histograms have a parameter named range)


# ============================================================================ integer helpers


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
