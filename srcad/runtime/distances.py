"""Plain-NumPy definitions srcad differentiates `scipy.spatial.distance.cdist`, `pdist` and
`squareform` and `scipy.optimize.rosen` from (registered in srcad/runtime/definitions.py
once the user's code imports their modules, by srcad/rules/scipy_definitions.py).

The distances are those of the metrics 'euclidean' and 'sqeuclidean' (and SciPy's
aliases of them), with or without weights `w`; other metrics are refused by name. The
Euclidean distance ``sqrt(sum(w (u - v)^2))`` is not differentiable where it is 0 (two
equal points, a point's distance to itself): there, as np.linalg.norm's rule does at the
zero vector, its derivative is taken to be 0 (`_root`), at every order.
"""

from __future__ import annotations

import numpy as np

from srcad.errors import UnsupportedSyntaxError
from srcad.runtime.definitions import refuse_option
from srcad.runtime.marks import check_only, differentiated_from_source

_EUCLIDEAN = ("euclidean", "euclid", "eu", "e")
_SQEUCLIDEAN = ("sqeuclidean", "sqeuclid", "sqe")


@check_only
def refuse_metric(function: str, metric) -> None:
    """Refuse a metric the definitions do not implement."""
    raise UnsupportedSyntaxError(
        f"srcad differentiates {function} only with the metrics 'euclidean' and "
        f"'sqeuclidean', not {metric!r}",
        hint="compute the distances with NumPy (np.abs, np.sum, ...) in your function")


@check_only
def check_square_form(X, checks) -> None:
    """SciPy's conditions on squareform's argument."""
    shape = np.shape(X)
    if len(shape) not in (1, 2):
        raise ValueError("The first argument must be one or two dimensional array. "
                         f"A {len(shape)}-dimensional array is not permitted")
    if len(shape) == 1:
        d = int(np.ceil(np.sqrt(shape[0] * 2)))
        if shape[0] and d * (d - 1) != shape[0] * 2:
            raise ValueError("Incompatible vector size. It must be a binomial "
                             "coefficient n choose 2 for some integer n >= 2.")
        return
    if shape[0] != shape[1]:
        raise ValueError("The matrix argument must be square.")
    if checks:
        X = np.asarray(X)
        if np.any(X != np.transpose(X)):
            raise ValueError("Distance matrix 'X' must be symmetric.")
        if np.any(np.diag(X) != 0):
            raise ValueError("Distance matrix 'X' diagonal must be zero.")


@differentiated_from_source
def _root(squared):
    """sqrt(squared), with derivative 0 where squared is 0 (as np.linalg.norm's rule)."""
    positive = squared > 0
    return np.where(positive, np.sqrt(np.where(positive, squared, 1.0)), 0.0)


@differentiated_from_source
def _distances(diff, metric, w, function):
    """The distances of the differences `diff` (points along the last axis), with the
    weights `w` of the coordinates (1.0: none)."""
    squared = np.sum(w * (diff * diff), axis=-1)
    if metric in _SQEUCLIDEAN:
        return squared
    if metric not in _EUCLIDEAN:
        refuse_metric(function, metric)
    return _root(squared)


@differentiated_from_source
def cdist(XA, XB, metric="euclidean", out=None, w=1.0):
    """scipy.spatial.distance.cdist for the metrics 'euclidean' and 'sqeuclidean': the
    distance of each row of XA to each row of XB (0 derivative at distance 0). The
    weights `w` default to 1.0 (SciPy's None: an `is None` test of an array constant
    trips srcad's optimizer)."""
    if out is not None:
        refuse_option("scipy.spatial.distance.cdist", "out")
    XA = np.asarray(XA)
    XB = np.asarray(XB)
    diff = XA[:, None, :] - XB[None, :, :]
    return _distances(diff, metric, w, "scipy.spatial.distance.cdist")


@differentiated_from_source
def pdist(X, metric="euclidean", out=None, w=1.0):
    """scipy.spatial.distance.pdist for the metrics 'euclidean' and 'sqeuclidean': the
    condensed distances of the pairs of rows i < j (0 derivative at distance 0)."""
    if out is not None:
        refuse_option("scipy.spatial.distance.pdist", "out")
    X = np.asarray(X)
    i, j = np.triu_indices(np.shape(X)[0], 1)
    return _distances(X[i] - X[j], metric, w, "scipy.spatial.distance.pdist")


def square_positions(n):
    """For a condensed vector of `n` entries (d points), the (d, d) matrix of positions
    in ``[0, v]``: 0 on the diagonal, 1 + the entry's index elsewhere."""
    d = int(np.ceil(np.sqrt(n * 2))) if n else 1
    positions = np.zeros((d, d), dtype=np.intp)
    i, j = np.triu_indices(d, 1)
    positions[i, j] = np.arange(1, n + 1)
    return positions + np.transpose(positions)


@differentiated_from_source
def squareform(X, force="no", checks=True):
    """scipy.spatial.distance.squareform: a condensed distance vector to the symmetric
    matrix with zero diagonal, or such a matrix to its entries above the diagonal. Both
    are linear (the matrix's lower triangle and diagonal are not read)."""
    check_square_form(X, checks)
    X = np.asarray(X)
    if force.lower() == "tomatrix" and np.ndim(X) != 1:
        raise ValueError("Forcing 'tomatrix' but input X is not a distance vector.")
    if force.lower() == "tovector" and np.ndim(X) != 2:
        raise ValueError("Forcing 'tovector' but input X is not a distance matrix.")
    if np.ndim(X) == 1:
        padded = np.concatenate((np.zeros(1, dtype=X.dtype), X))
        return padded[square_positions(np.shape(X)[0])]
    i, j = np.triu_indices(np.shape(X)[0], 1)
    return X[i, j]


@differentiated_from_source
def rosen(x):
    """scipy.optimize.rosen: sum(100 (x[1:] - x[:-1]^2)^2 + (1 - x[:-1])^2) along the
    first axis."""
    x = np.asarray(x)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0, axis=0)
