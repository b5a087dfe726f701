"""Plain-NumPy definitions of np.linalg and scipy.linalg functions that have no rules of
their own (registered by srcad/rules/linalg_extra.py).

A call of one of these functions is transformed as a call of its definition here, which
srcad differentiates from source at any order (srcad/runtime/definitions.py): the
definitions use only functions that have derivative rules (np.linalg.svd, qr, eigh, inv,
solve, scipy.linalg.lu_factor, expm, ...), indexing and reshaping. Integer work (index
maps of structured matrices, multiplication orders, permutations, sign choices) is done by
helpers registered as carrying no derivative.

* np.linalg: `cond`, `multi_dot`, `tensordot`, `tensorinv`, `tensorsolve`.
* scipy.linalg's structured matrices: `companion`, `convolution_matrix`, `fiedler`,
  `fiedler_companion`, `hankel`, `leslie` (gathers from a vector of the values).

scipy.linalg's decompositions are in srcad/runtime/linalg_definitions_more.py.
Each definition computes what the library computes for the arguments it accepts (the
same LAPACK routines, or the library's own formula); other options are refused by name.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime.definitions import refuse_option
from srcad.runtime.marks import check_only, differentiated_from_source

# ============================================================================ np.linalg


@differentiated_from_source
def cond(x, p=None):
    """np.linalg.cond: the ratio of the extreme singular values for p in (None, 2, -2),
    else norm(x, p) * norm(inv(x), p)."""
    x = np.asarray(x)
    if p is None or p == 2 or p == -2:
        s = np.linalg.svd(x, compute_uv=False)
        if p == -2:
            return s[..., -1] / s[..., 0]
        return s[..., 0] / s[..., -1]
    return (np.linalg.norm(x, p, axis=(-2, -1))
            * np.linalg.norm(np.linalg.inv(x), p, axis=(-2, -1)))


def chain_plan(shapes) -> list:
    """The products np.linalg.multi_dot computes, in its order: a list of (i, j) pairs,
    each the product of items i and j of a list that starts as the matrices and gets each
    product appended (NumPy's cost comparison for three matrices, its optimal chain
    order by dynamic programming for more)."""
    n = len(shapes)
    if n == 3:
        a0, a1b0 = shapes[0]
        b1c0, c1 = shapes[2]
        if a0 * b1c0 * (a1b0 + c1) < a1b0 * c1 * (a0 + b1c0):
            return [(0, 1), (3, 2)]
        return [(1, 2), (0, 3)]
    p = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1  # (none yet)
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    plan: list = []

    def build(i, j):
        if i == j:
            return i
        left, right = build(i, split[i][j]), build(split[i][j] + 1, j)
        plan.append((left, right))
        return n + len(plan) - 1

    build(0, n - 1)
    return plan


@check_only
def check_multi_dot(count, out) -> None:
    if out is not None:
        refuse_option("np.linalg.multi_dot", "out")
    if count < 2:
        raise ValueError("Expecting at least two arrays.")


@differentiated_from_source
def multi_dot(arrays, *, out=None):
    """np.linalg.multi_dot: the chain of products in NumPy's order (a 1-D first or last
    array is a row or column vector)."""
    check_multi_dot(len(arrays), out)
    if len(arrays) == 2:
        return np.dot(arrays[0], arrays[1])
    first, last = np.asarray(arrays[0]), np.asarray(arrays[-1])
    first_1d, last_1d = np.ndim(first) == 1, np.ndim(last) == 1
    if first_1d:
        first = np.reshape(first, (1, -1))
    if last_1d:
        last = np.reshape(last, (-1, 1))
    items = [first] + [np.asarray(arrays[k]) for k in range(1, len(arrays) - 1)] + [last]
    plan = chain_plan([np.shape(a) for a in items])
    for pair in plan:
        items = items + [np.dot(items[pair[0]], items[pair[1]])]
    result = items[-1]
    if first_1d and last_1d:
        return result[0, 0]
    if first_1d or last_1d:
        return np.ravel(result)
    return result


@differentiated_from_source
def tensordot(x1, x2, /, *, axes=2):
    """np.linalg.tensordot (NumPy's np.tensordot with a keyword-only `axes`)."""
    return np.tensordot(x1, x2, axes=axes)


@check_only
def check_tensorinv(ind) -> None:
    if ind <= 0:
        raise ValueError("Invalid ind argument.")


@differentiated_from_source
def tensorinv(a, ind=2):
    """np.linalg.tensorinv: the inverse of `a` read as a matrix (first `ind` axes the
    rows), reshaped to the last axes followed by the first."""
    a = np.asarray(a)
    check_tensorinv(ind)
    shape = np.shape(a)
    rows = int(np.prod(shape[ind:]))
    inverse = np.linalg.inv(np.reshape(a, (rows, -1)))
    return np.reshape(inverse, shape[ind:] + shape[:ind])


def tensorsolve_axes(ndim, axes) -> tuple:
    """The axes order np.linalg.tensorsolve moves `axes` to the end with."""
    order = list(range(ndim))
    for k in axes:
        order.remove(k)
        order.insert(ndim, k)
    return tuple(order)


@check_only
def check_tensorsolve(size, count) -> None:
    if size != count ** 2:
        raise np.linalg.LinAlgError(
            "Input arrays must satisfy the requirement prod(a.shape[b.ndim:]) == "
            "prod(a.shape[:b.ndim])")


@differentiated_from_source
def tensorsolve(a, b, axes=None):
    """np.linalg.tensorsolve: solve with `a` read as a matrix whose columns are its
    trailing axes (after moving `axes` there)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if axes is not None:
        a = np.transpose(a, tensorsolve_axes(np.ndim(a), axes))
    shape = np.shape(a)[np.ndim(b):]
    count = int(np.prod(shape))
    check_tensorsolve(np.size(a), count)
    x = np.linalg.solve(np.reshape(a, (count, count)), np.ravel(b))
    return np.reshape(x, shape)


# ============================================================================ structured matrices
# Each matrix gathers from a vector of its values, [0, 1, values...] along the last axis
# (batches of values give batches of matrices), by an integer map of the positions.


@check_only
def check_companion(a) -> None:
    if np.shape(a)[-1] < 2:
        raise ValueError("The length of `a` along the last axis must be at least 2.")
    if np.any(a[..., 0] == 0):
        raise ValueError("The first coefficient(s) of `a` (i.e. elements of `a[..., 0]`) "
                         "must not be zero.")


def companion_map(n) -> np.ndarray:
    """Positions in [0, 1, first row...] of companion's (n - 1, n - 1) matrix."""
    out = np.zeros((n - 1, n - 1), dtype=np.intp)
    out[0] = np.arange(2, n + 1)
    out[np.arange(1, n - 1), np.arange(0, n - 2)] = 1
    return out


@differentiated_from_source
def _with_constants(values):
    """[0, 1, values...] along the last axis."""
    lead = np.shape(values)[:-1]
    return np.concatenate([np.zeros(lead + (1,)), np.ones(lead + (1,)), values], axis=-1)


@differentiated_from_source
def _as_dtype_of(out, like):
    """`out` (float) in the dtype of `like` where that is an integer one, as SciPy keeps
    integer values integer."""
    if np.issubdtype(np.asarray(like).dtype, np.inexact):
        return out
    return np.asarray(out).astype(np.asarray(like).dtype)


@differentiated_from_source
def companion(a):
    """scipy.linalg.companion: first row -a[1:] / a[0], ones below the diagonal."""
    a = np.atleast_1d(a)
    check_companion(a)
    first_row = -a[..., 1:] / (1.0 * a[..., 0:1])
    return _with_constants(first_row)[..., companion_map(np.shape(a)[-1])]


def convolution_map(length, n, mode) -> np.ndarray:
    """Positions in [0, 1, a...] of convolution_matrix's Toeplitz matrix."""
    if mode not in ("full", "valid", "same"):
        raise ValueError("'mode' argument must be one of ('full', 'valid', 'same')")
    trim = min(n, length) - 1
    first = {"full": 0, "same": trim // 2, "valid": trim}[mode]
    last = {"full": 0, "same": trim - trim // 2, "valid": trim}[mode]
    rows = np.arange(first, length + n - 1 - last)[:, None]
    lag = rows - np.arange(n)[None, :]
    return np.where((lag >= 0) & (lag < length), lag + 2, 0)


@check_only
def check_convolution(a, n) -> None:
    if n <= 0:
        raise ValueError("n must be a positive integer.")
    if np.size(a) == 0:
        raise ValueError("len(a) must be at least 1.")


@differentiated_from_source
def convolution_matrix(a, n, mode="full"):
    """scipy.linalg.convolution_matrix: the Toeplitz matrix A with A @ v the convolution
    of `a` with v (along the last axis of a batch of `a`)."""
    a = np.asarray(a)
    check_convolution(a, n)
    out = _with_constants(a)[..., convolution_map(np.shape(a)[-1], n, mode)]
    return _as_dtype_of(out, a)


@differentiated_from_source
def fiedler(a):
    """scipy.linalg.fiedler: |a_i - a_j|."""
    a = np.atleast_1d(a)
    if np.size(a) == 0:
        return np.array([], dtype=np.float64)
    if np.size(a) == 1:
        return np.array([[0.0]])
    return np.abs(a[..., :, None] - a[..., None, :])


def fiedler_companion_map(size) -> np.ndarray:
    """Positions in [0, 1, -a[1], -a[2], ...] of fiedler_companion's matrix (a of
    length `size`)."""
    n = size - 1
    out = np.zeros((n, n), dtype=np.intp)
    out[range(3, n, 2), range(1, n - 2, 2)] = 1
    out[range(2, n, 2), range(1, n - 1, 2)] = np.arange(3, size, 2) + 1
    out[range(0, n - 2, 2), range(2, n, 2)] = 1
    out[range(0, n - 1, 2), range(1, n, 2)] = np.arange(2, size, 2) + 1
    out[0, 0], out[1, 0] = 2, 1
    return out


@check_only
def check_fiedler_companion(a) -> None:
    if np.ndim(a) > 1:
        refuse_option("scipy.linalg.fiedler_companion", "batches of coefficients")
    if np.size(a) > 2 and a[0] == 0:
        raise ValueError("Leading coefficient is zero.")


@differentiated_from_source
def fiedler_companion(a):
    """scipy.linalg.fiedler_companion of 1-D coefficients."""
    a = np.atleast_1d(a)
    check_fiedler_companion(a)
    size = np.size(a)
    if size == 2:
        return np.reshape(-(a / a[0])[-1], (1, 1))
    if size < 2:
        return np.array([], dtype=a.dtype)
    a = a / a[0]
    return _with_constants(-a[1:])[fiedler_companion_map(size)]


@check_only
def check_hankel(c, r) -> None:
    if np.ndim(c) > 1 or np.ndim(r) > 1:
        refuse_option("scipy.linalg.hankel", "multidimensional c or r")


@differentiated_from_source
def hankel(c, r=None):
    """scipy.linalg.hankel: first column c, last row r (zeros without r)."""
    c = np.asarray(c)
    if r is None:
        r = np.zeros_like(c)
    r = np.asarray(r)
    check_hankel(c, r)
    values = np.concatenate((c, r[1:]))
    return values[np.arange(len(c))[:, None] + np.arange(len(r))[None, :]]


@check_only
def check_leslie(f, s) -> None:
    if np.shape(f)[-1] != np.shape(s)[-1] + 1:
        raise ValueError("Incorrect lengths for f and s. The length of s along the last "
                         "axis must be one less than the length of f.")
    if np.shape(s)[-1] == 0:
        raise ValueError("The length of s must be at least 1.")


def leslie_map(n) -> np.ndarray:
    """Positions in [0, 1, f..., s...] of leslie's (n, n) matrix."""
    out = np.zeros((n, n), dtype=np.intp)
    out[0] = np.arange(2, n + 2)
    out[np.arange(1, n), np.arange(0, n - 1)] = np.arange(n + 2, 2 * n + 1)
    return out


@differentiated_from_source
def leslie(f, s):
    """scipy.linalg.leslie: fecundities f in the first row, survival rates s below the
    diagonal (batches broadcast together)."""
    f = np.atleast_1d(f)
    s = np.atleast_1d(s)
    check_leslie(f, s)
    lead = np.broadcast_shapes(np.shape(f)[:-1], np.shape(s)[:-1])
    f = np.broadcast_to(f, lead + np.shape(f)[-1:])
    s = np.broadcast_to(s, lead + np.shape(s)[-1:])
    values = _with_constants(np.concatenate([f, s], axis=-1))
    return _as_dtype_of(values[..., leslie_map(np.shape(f)[-1])], f[..., :1] + s[..., :1])
