"""More NumPy functions differentiated from plain-NumPy definitions (see definitions.py).

Array building and rearranging (`block`, `delete`, `insert`, `resize`, `take`, ...), the
`nan*` reductions that skip NaNs, polynomial arithmetic on coefficient arrays, the
matrix-vector products of NumPy 2 (`matvec`, `vecmat`, `vecdot`) and sequences
(`geomspace`, `logspace`, `unwrap`). Each computes what NumPy computes for the arguments it
accepts; options it does not implement are refused by name.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime.marks import differentiated_from_source
from srcad.runtime.refusals import refuse_option

# ============================================================================ building


@differentiated_from_source
def block(arrays):
    """np.block of a nested list (depth 1 or 2) of arrays of at least 1 dimension."""
    if not isinstance(arrays, list):
        return np.asarray(arrays)
    if not isinstance(arrays[0], list):
        return np.concatenate([np.atleast_1d(a) for a in arrays], axis=-1)
    rows = [np.concatenate([np.atleast_2d(a) for a in row], axis=-1) for row in arrays]
    return np.concatenate(rows, axis=-2)


@differentiated_from_source
def broadcast_arrays(*args):
    """np.broadcast_arrays: each argument broadcast to the common shape."""
    shape = np.broadcast_shapes(*[np.shape(a) for a in args])
    return tuple(np.broadcast_to(a, shape) for a in args)


@differentiated_from_source
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """np.meshgrid of 1-D coordinate arrays."""
    n = len(xi)
    shapes = []
    for i in range(n):
        shape = [1] * n
        shape[i] = -1
        shapes.append(shape)
    if indexing == "xy" and n > 1:
        shapes[0][0], shapes[0][1] = 1, -1
        shapes[1][0], shapes[1][1] = -1, 1
    grids = [np.reshape(np.asarray(x), s) for x, s in zip(xi, shapes)]
    if sparse:
        return tuple(grids)
    return broadcast_arrays(*grids)


@differentiated_from_source
def diagflat(v, k=0):
    """np.diagflat: the flattened input on the k-th diagonal."""
    return np.diag(np.ravel(v), k)


@differentiated_from_source
def choose(a, choices, out=None, mode="raise"):
    """np.choose: entry-wise selection of choices[a]."""
    if out is not None:
        refuse_option("np.choose", "out")
    index = np.asarray(a)
    shape = index.shape
    for choice in choices:
        shape = np.broadcast_shapes(shape, np.shape(choice))
    result = np.zeros(shape)
    for i in range(len(choices)):
        result = np.where(index == i, choices[i], result)
    return result


@differentiated_from_source
def unstack(x, axis=0):
    """np.unstack: the slices of x along `axis`, as a tuple."""
    x = np.moveaxis(np.asarray(x), axis, 0)
    return tuple(x[i] for i in range(x.shape[0]))


@differentiated_from_source
def resize(a, new_shape):
    """np.resize: the flattened input repeated to fill `new_shape`."""
    flat = np.ravel(a)
    total = int(np.prod(new_shape))
    reps = -(-total // flat.size)
    return np.reshape(np.tile(flat, reps)[:total], new_shape)


@differentiated_from_source
def trim_zeros(filt, trim="fb"):
    """np.trim_zeros of a 1-D array."""
    nonzero = np.flatnonzero(np.asarray(filt) != 0)
    if nonzero.size == 0:
        return filt[:0]
    start = nonzero[0] if "f" in trim.lower() else 0
    stop = nonzero[-1] + 1 if "b" in trim.lower() else len(filt)
    return filt[start:stop]


@differentiated_from_source
def fromiter(iterable, dtype, count=-1):
    """np.fromiter of numbers (`count` first ones)."""
    items = list(iterable)
    if count >= 0:
        items = items[:count]
    return np.array(items, dtype=dtype)


@differentiated_from_source
def from_dlpack(x, device=None, copy=None):
    """np.from_dlpack of a NumPy array: the same values."""
    return np.asarray(x)


@differentiated_from_source
def astype(x, dtype, copy=True, device=None):
    """np.astype: x converted to `dtype`."""
    return np.asarray(x).astype(dtype)


@differentiated_from_source
def copyto(dst, src, casting="same_kind", where=True):
    """np.copyto into a new array: `src` (broadcast to `dst`'s shape) where `where` holds,
    `dst` elsewhere."""
    if np.asarray(dst).dtype.kind not in "fc":
        refuse_option("np.copyto", "destination that is not floating-point")
    return np.where(where, np.broadcast_to(src, np.shape(dst)), dst)


# ============================================================================ selecting


@differentiated_from_source
def take(a, indices, axis=None, out=None, mode="raise"):
    """np.take: entries (axis None, of the flattened array) or slices along `axis`."""
    if out is not None:
        refuse_option("np.take", "out")
    if mode != "raise":
        refuse_option("np.take", "mode")
    indices = np.asarray(indices)
    if axis is None:
        return np.ravel(a)[indices]
    moved = np.moveaxis(np.asarray(a), axis, 0)[indices]
    return np.moveaxis(moved, list(range(indices.ndim)),
                       [axis + i for i in range(indices.ndim)])


@differentiated_from_source
def compress(condition, a, axis=None, out=None):
    """np.compress: the slices where `condition` holds."""
    if out is not None:
        refuse_option("np.compress", "out")
    index = np.flatnonzero(np.asarray(condition))
    return take(a, index, axis=axis)


@differentiated_from_source
def extract(condition, arr):
    """np.extract: the entries of the flattened `arr` where `condition` holds."""
    return np.ravel(arr)[np.flatnonzero(np.ravel(condition))]


@differentiated_from_source
def delete(arr, obj, axis=None):
    """np.delete: `arr` without the entries (axis None: of the flattened array) or slices
    `obj`."""
    arr = np.asarray(arr)
    if axis is None:
        arr = np.ravel(arr)
        axis = 0
    keep = np.ones(arr.shape[axis], dtype=bool)
    keep[obj] = False
    return take(arr, np.flatnonzero(keep), axis=axis)


@differentiated_from_source
def insert(arr, obj, values, axis=None):
    """np.insert of values before position(s) `obj` (an int or a 1-D sequence of ints)."""
    arr = np.asarray(arr)
    if axis is None:
        arr = np.ravel(arr)
        axis = 0
    n = arr.shape[axis]
    where = np.atleast_1d(np.asarray(obj))
    if where.ndim != 1 or where.dtype.kind not in "iu":
        refuse_option("np.insert", "obj that is not an int or a sequence of ints")
    where = np.where(where < 0, where + n, where)
    moved = np.moveaxis(arr, axis, 0)
    count = len(where)
    values = np.asarray(values)
    if np.ndim(obj) == 0:
        new = np.broadcast_to(values if values.ndim < moved.ndim else
                              np.moveaxis(values, axis, 0),
                              (values.shape[axis] if values.ndim == moved.ndim else 1,)
                              + moved.shape[1:])
        count = new.shape[0]
        where = np.repeat(where, count)
    else:
        new = np.broadcast_to(np.moveaxis(values, axis, 0) if values.ndim == moved.ndim
                              else values.reshape((-1,) + (1,) * (moved.ndim - 1)),
                              (count,) + moved.shape[1:])
    order = np.argsort(np.concatenate([np.arange(n), where + np.zeros(count)
                                       - 0.5 + np.arange(count) / (2.0 * count + 2.0)]),
                       kind="stable")
    merged = np.concatenate([moved, new], axis=0)[order]
    return np.moveaxis(merged, 0, axis)


# ============================================================================ sequences


@differentiated_from_source
def ediff1d(ary, to_end=None, to_begin=None):
    """np.ediff1d: differences of the flattened array, with optional ends."""
    parts = [np.diff(np.ravel(ary))]
    if to_begin is not None:
        parts.insert(0, np.ravel(to_begin))
    if to_end is not None:
        parts.append(np.ravel(to_end))
    return np.concatenate(parts)


@differentiated_from_source
def cumulative_sum(x, axis=None, dtype=None, out=None, include_initial=False):
    """np.cumulative_sum (NumPy 2)."""
    if out is not None:
        refuse_option("np.cumulative_sum", "out")
    if axis is None:
        axis = 0
    total = np.cumsum(x, axis=axis)
    return _with_initial(total, axis, 0.0) if include_initial else total


@differentiated_from_source
def cumulative_prod(x, axis=None, dtype=None, out=None, include_initial=False):
    """np.cumulative_prod (NumPy 2)."""
    if out is not None:
        refuse_option("np.cumulative_prod", "out")
    if axis is None:
        axis = 0
    total = np.cumprod(x, axis=axis)
    return _with_initial(total, axis, 1.0) if include_initial else total


@differentiated_from_source
def _with_initial(total, axis, initial):
    """`total` with a slice of `initial` first along `axis` (include_initial=True)."""
    shape = list(np.shape(total))
    shape[axis] = 1
    return np.concatenate([np.full(shape, initial), total], axis=axis)


@differentiated_from_source
def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """np.logspace: base ** linspace(start, stop)."""
    return np.power(base, np.linspace(start, stop, num, endpoint=endpoint, axis=axis))


@differentiated_from_source
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """np.geomspace of positive (or both negative) end points; the ends are exact, as in
    NumPy."""
    sign = np.sign(start)
    logs = np.linspace(np.log10(start * sign), np.log10(stop * sign), num, endpoint=endpoint,
                       axis=axis)
    values = sign * np.power(10.0, logs)
    if num > 0:
        values[0] = start
        if endpoint and num > 1:
            values[-1] = stop
    return values


@differentiated_from_source
def unwrap(p, discont=None, axis=-1, period=2.0 * np.pi):
    """np.unwrap: p with jumps larger than max(discont, period / 2) shifted by periods."""
    p = np.asarray(p)
    if discont is None:
        discont = period / 2
    d = np.diff(p, axis=axis)
    half = period / 2
    wrapped = np.mod(d + half, period) - half
    wrapped = np.where((wrapped == -half) & (d > 0), half, wrapped)
    correction = np.where(np.abs(d) < discont, 0.0, wrapped - d)
    shape = list(p.shape)
    shape[axis] = 1
    steps = np.concatenate([np.zeros(shape), np.cumsum(correction, axis=axis)], axis=axis)
    return p + steps


# ============================================================================ nan* reductions


@differentiated_from_source
def nanmax(a, axis=None, out=None, keepdims=False):
    """np.nanmax: the maximum over the entries that are not NaN."""
    a = np.asarray(a)
    return np.max(np.where(np.isnan(a), -np.inf, a), axis=axis, keepdims=keepdims)


@differentiated_from_source
def nanmin(a, axis=None, out=None, keepdims=False):
    """np.nanmin: the minimum over the entries that are not NaN."""
    a = np.asarray(a)
    return np.min(np.where(np.isnan(a), np.inf, a), axis=axis, keepdims=keepdims)


@differentiated_from_source
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False):
    """np.nanprod: NaNs count as one."""
    a = np.asarray(a)
    return np.prod(np.where(np.isnan(a), 1.0, a), axis=axis, keepdims=keepdims)


@differentiated_from_source
def nancumsum(a, axis=None, dtype=None, out=None):
    """np.nancumsum: NaNs count as zero."""
    a = np.asarray(a)
    return np.cumsum(np.where(np.isnan(a), 0.0, a), axis=axis)


@differentiated_from_source
def nancumprod(a, axis=None, dtype=None, out=None):
    """np.nancumprod: NaNs count as one."""
    a = np.asarray(a)
    return np.cumprod(np.where(np.isnan(a), 1.0, a), axis=axis)


@differentiated_from_source
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """np.nanvar: the variance of the entries that are not NaN."""
    a = np.asarray(a)
    missing = np.isnan(a)
    count = np.sum(~missing, axis=axis, keepdims=True)
    clean = np.where(missing, 0.0, a)
    mean = np.sum(clean, axis=axis, keepdims=True) / count
    squares = np.where(missing, 0.0, (clean - mean) ** 2)
    var = np.sum(squares, axis=axis, keepdims=True) / (count - ddof)
    return var if keepdims else np.squeeze(var, axis=axis)


@differentiated_from_source
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """np.nanstd: the standard deviation of the entries that are not NaN."""
    return np.sqrt(nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims))


# ============================================================================ products


@differentiated_from_source
def matrix_transpose(x):
    """np.matrix_transpose: the last two axes swapped."""
    return np.swapaxes(x, -1, -2)


@differentiated_from_source
def matvec(x1, x2):
    """np.matvec: matrix times vector over the last axes."""
    return np.einsum("...ij,...j->...i", x1, x2)


@differentiated_from_source
def vecmat(x1, x2):
    """np.vecmat: conj(vector) times matrix over the last axes."""
    return np.einsum("...j,...jk->...k", np.conjugate(x1), x2)


@differentiated_from_source
def vecdot(x1, x2, axis=-1):
    """np.vecdot: sum(conj(x1) * x2) over `axis`."""
    return np.sum(np.conjugate(x1) * x2, axis=axis)


@differentiated_from_source
def apply_over_axes(func, a, axes):
    """np.apply_over_axes: func(a, axis) over each axis in turn, keeping dimensions."""
    result = np.asarray(a)
    for axis in np.atleast_1d(axes):
        reduced = func(result, int(axis))
        if np.ndim(reduced) < result.ndim:
            reduced = np.expand_dims(reduced, int(axis))
        result = reduced
    return result


# ============================================================================ polynomials


@differentiated_from_source
def polyadd(a1, a2):
    """np.polyadd of coefficient arrays (highest power first)."""
    a1 = np.atleast_1d(a1)
    a2 = np.atleast_1d(a2)
    n = max(len(a1), len(a2))
    return (np.concatenate([np.zeros(n - len(a1)), a1])
            + np.concatenate([np.zeros(n - len(a2)), a2]))


@differentiated_from_source
def polysub(a1, a2):
    """np.polysub of coefficient arrays."""
    return polyadd(a1, -np.atleast_1d(a2))


@differentiated_from_source
def polymul(a1, a2):
    """np.polymul of coefficient arrays: their convolution."""
    return np.convolve(np.atleast_1d(a1), np.atleast_1d(a2))


@differentiated_from_source
def polyint(p, m=1, k=None):
    """np.polyint: the m-th antiderivative, integration constants k (default 0)."""
    p = np.atleast_1d(p)
    constants = np.zeros(m) if k is None else np.atleast_1d(k) * np.ones(m)
    for i in range(m):
        n = len(p)
        p = np.concatenate([p / np.arange(n, 0, -1), constants[i:i + 1]])
    return p


@differentiated_from_source
def poly(seq_of_zeros):
    """np.poly of a 1-D sequence of real roots: the monic polynomial with those roots."""
    roots = np.atleast_1d(seq_of_zeros)
    if roots.ndim != 1:
        refuse_option("np.poly", "a matrix argument (characteristic polynomial)")
    coefficients = np.ones(1)
    for i in range(len(roots)):
        coefficients = np.convolve(coefficients, np.stack([np.ones(()), -roots[i]]))
    return coefficients


@differentiated_from_source
def polydiv(u, v):
    """np.polydiv: quotient and remainder of polynomial long division."""
    u = np.atleast_1d(u) + 0.0
    v = np.atleast_1d(v) + 0.0
    m = len(u) - 1
    n = len(v) - 1
    scale = 1.0 / v[0]
    q = []
    r = u
    for k in range(max(m - n + 1, 0)):
        d = scale * r[k]
        q.append(d)
        r = np.concatenate([r[:k], r[k:k + n + 1] - d * v, r[k + n + 1:]])
    quotient = np.stack(q) if q else np.zeros(1)
    remainder = r[max(m - n + 1, 0):]
    nonzero = np.flatnonzero(np.abs(remainder) > 0)
    if nonzero.size:
        remainder = remainder[nonzero[0]:]
    else:
        remainder = remainder[-1:]
    return quotient, remainder


@differentiated_from_source
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """np.polyfit by least squares (the coefficients only)."""
    if full:
        refuse_option("np.polyfit", "full")
    if cov:
        refuse_option("np.polyfit", "cov")
    x = np.asarray(x) + 0.0
    y = np.asarray(y) + 0.0
    design = x[:, None] ** np.arange(deg, -1, -1)
    if w is not None:
        design = design * np.asarray(w)[:, None]
        y = y * (np.asarray(w) if y.ndim == 1 else np.asarray(w)[:, None])
    scale = np.sqrt(np.sum(design * design, axis=0))
    if rcond is not None:
        refuse_option("np.polyfit", "rcond")
    coefficients = np.linalg.lstsq(design / scale, y)[0]
    return (coefficients.T / scale).T


@differentiated_from_source
def roots(p):
    """np.roots: the eigenvalues of the companion matrix (leading and trailing zero
    coefficients stripped; trailing ones are roots at zero)."""
    p = np.atleast_1d(p) + 0.0
    nonzero = np.flatnonzero(p != 0)
    if nonzero.size == 0:
        return np.zeros(0)
    trailing = len(p) - nonzero[-1] - 1
    p = p[nonzero[0]:nonzero[-1] + 1]
    n = len(p)
    if n < 2:
        return np.zeros(trailing)
    companion = np.diag(np.ones(n - 2), -1)
    companion[0, :] = -p[1:] / p[0]
    return np.concatenate([np.linalg.eigvals(companion), np.zeros(trailing)])


# ============================================================================ Bessel I0


@differentiated_from_source
def i0(x):
    """np.i0, the modified Bessel function of order 0, by its power series
    sum_k (x^2 / 4)^k / (k!)^2: all terms are positive, so the sum is accurate to
    rounding; 2 |x| + 30 terms reach it for every |x| where I0 does not overflow."""
    x = np.asarray(x) + 0.0
    quarter_square = x * x / 4.0
    term = np.ones(x.shape)
    total = term
    count = int(2.0 * np.max(np.abs(x))) + 30 if x.size else 0
    for k in range(1, count):
        term = term * quarter_square / (k * k)
        total = total + term
    return total


@differentiated_from_source
def kaiser(M, beta):
    """np.kaiser: I0(beta sqrt(1 - (2n / (M - 1) - 1)^2)) / I0(beta)."""
    if M < 1:
        return np.zeros(0)
    if M == 1:
        return np.ones(1)
    alpha = (M - 1) / 2.0
    n = np.arange(0, M)
    return i0(beta * np.sqrt(1.0 - ((n - alpha) / alpha) ** 2.0)) / i0(beta + 0.0)


def table() -> dict:
    """NumPy function -> its definition here."""
    names = {"block": block, "broadcast_arrays": broadcast_arrays, "meshgrid": meshgrid,
             "diagflat": diagflat, "choose": choose, "unstack": unstack, "resize": resize,
             "trim_zeros": trim_zeros, "fromiter": fromiter, "from_dlpack": from_dlpack,
             "astype": astype, "take": take, "compress": compress, "extract": extract,
             "delete": delete, "insert": insert, "ediff1d": ediff1d,
             "cumulative_sum": cumulative_sum, "cumulative_prod": cumulative_prod,
             "logspace": logspace, "geomspace": geomspace, "unwrap": unwrap,
             "nanmax": nanmax, "nanmin": nanmin, "nanprod": nanprod, "nancumsum": nancumsum,
             "nancumprod": nancumprod, "nanvar": nanvar, "nanstd": nanstd,
             "matrix_transpose": matrix_transpose, "matvec": matvec, "vecmat": vecmat,
             "vecdot": vecdot, "apply_over_axes": apply_over_axes, "polyadd": polyadd,
             "polysub": polysub, "polymul": polymul, "polyint": polyint, "poly": poly,
             "polydiv": polydiv, "polyfit": polyfit, "roots": roots, "i0": i0,
             "kaiser": kaiser}
    return {getattr(np, name): fn for name, fn in names.items() if hasattr(np, name)}
