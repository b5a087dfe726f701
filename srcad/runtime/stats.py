"""Helpers for the rules of `scipy.stats.multivariate_normal` (srcad/rules/scipy_stats.py).

They follow SciPy's reading of the arguments: `x` holds points along its last axis (a
1-D `x` is one point, or several 1-D points when the distribution is 1-D), `mean`
defaults to zeros, `cov` may be a number (times the identity), a 1-D diagonal or a
matrix of which SciPy reads the lower triangle only, and the result is squeezed.
"""

from __future__ import annotations

import numpy as np


def _dimension(mean, cov) -> int:
    if mean is not None:
        return int(np.size(mean))
    return 1 if np.ndim(cov) < 2 else int(np.shape(cov)[0])


def _matrix(cov, dim):
    """The covariance matrix SciPy uses: symmetric, from the lower triangle."""
    cov = np.asarray(cov, dtype=float)
    if dim == 1:
        cov = cov.reshape(1, 1)
    if cov.ndim == 0:
        return cov * np.eye(dim)
    if cov.ndim == 1:
        return np.diag(cov)
    return np.tril(cov) + np.tril(cov, -1).T


def _points(x, dim):
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        return x[np.newaxis]
    if x.ndim == 1:
        return x[:, np.newaxis] if dim == 1 else x[np.newaxis, :]
    return x


def _parts(x, mean, cov, allow_singular):
    """(points, Sigma^-1 (x - mean) per point, Sigma^-1, dim)."""
    dim = _dimension(mean, cov)
    matrix = _matrix(cov, dim)
    if allow_singular and np.linalg.matrix_rank(matrix) < dim:
        raise NotImplementedError(
            "srcad has no derivative for scipy.stats.multivariate_normal with a singular "
            "covariance (allow_singular=True)")
    points = _points(x, dim)
    mean = np.zeros(dim) if mean is None else np.reshape(np.asarray(mean, dtype=float), dim)
    inverse = np.linalg.inv(matrix)
    return points, (points - mean) @ inverse, inverse, dim


def _cov_adjoint(weights, cov, dim):
    """The adjoint of `cov` as SciPy reads it, from the adjoint `weights` of the symmetric
    matrix it builds."""
    cov_shape = np.shape(cov)
    if dim == 1:
        return np.reshape(weights, cov_shape)[()] if cov_shape else float(weights[0, 0])
    if len(cov_shape) == 0:
        return float(np.trace(weights))
    if len(cov_shape) == 1:
        return np.diag(weights).copy()
    return 2.0 * np.tril(weights, -1) + np.diag(np.diag(weights))


def mvn_logpdf_adjoint(g, x, mean=None, cov=1, allow_singular=False):
    """The adjoints of `x`, `mean` and `cov` in `multivariate_normal.logpdf(x, mean, cov)`
    from the adjoint `g` of its (squeezed) result."""
    points, solved, inverse, dim = _parts(x, mean, cov, allow_singular)
    g = np.reshape(np.asarray(g, dtype=float), points.shape[:-1])
    weighted = g[..., None] * solved
    d_x = np.reshape(-weighted, np.shape(x))
    d_mean = np.reshape(np.sum(weighted.reshape(-1, dim), axis=0), np.shape(mean)) \
        if mean is not None else 0.0
    flat = solved.reshape(-1, dim)
    outer = np.einsum("n,ni,nj->ij", g.reshape(-1), flat, flat)
    d_cov = _cov_adjoint(0.5 * (outer - np.sum(g) * inverse), cov, dim)
    if np.ndim(x) == 0:
        d_x = d_x[()]
    return d_x, d_mean, d_cov


def mvn_logpdf_tangent(dx, dmean, dcov, y, x, mean=None, cov=1, allow_singular=False):
    """The tangent of `y = multivariate_normal.logpdf(x, mean, cov)` along the tangents of
    `x`, `mean` and `cov` (0.0 for a zero one)."""
    points, solved, inverse, dim = _parts(x, mean, cov, allow_singular)
    d_points = np.broadcast_to(_points(np.broadcast_to(dx, np.shape(x)), dim), points.shape)
    d_mean = np.broadcast_to(np.reshape(dmean, -1) if np.ndim(dmean) else dmean, (dim,))
    d_matrix = _matrix(dcov, dim)  # (a zero tangent 0.0 gives zeros)
    out = -np.einsum("...i,...i->...", solved, d_points - d_mean)
    out = out + 0.5 * (np.einsum("...i,ij,...j->...", solved, d_matrix, solved)
                       - np.trace(inverse @ d_matrix))
    return np.reshape(out, np.shape(y))


# ----------------------------------------------------------------------------- second derivatives
#
# mvn_logpdf_adjoint(g, x, mean, cov) as a function of all four, for second derivatives.
# With S = the covariance matrix SciPy builds from `cov` (a linear map, whose adjoint is
# `_cov_adjoint`), P = S^-1, r_n = x_n - mean and s_n = P r_n, it returns
#   (-g_n s_n per point, sum_n g_n s_n, cov_adjoint((sum_n g_n s_n s_n' - G P) / 2)),
# G = sum_n g_n. Its tangent follows from dP = -P dS P; its adjoint, given the adjoints
# (a_n, b, c) of the three, from L = sum_n g_n <t_n, s_n> + sum_n g_n s_n' W s_n / 2
# - G <W, P> / 2 with t_n = b - a_n and W = S(c) (the adjoint of `_cov_adjoint` is the map
# cov -> S itself, on the symmetric matrices it meets).


def _mean_vector(value, dim):
    """A mean (or its tangent / adjoint) as a vector of `dim` (0.0 and None: zeros)."""
    if value is None:
        return np.zeros(dim)
    return np.broadcast_to(np.reshape(np.asarray(value, dtype=float), -1)
                           if np.ndim(value) else float(value), (dim,))


def _like(value, shape, template):
    """`value` reshaped to `shape`, a number when `template` is one."""
    out = np.reshape(value, shape)
    return out[()] if not isinstance(template, np.ndarray) and np.ndim(template) == 0 else out


def mvn_logpdf_adjoint_tangent(dg, dx, dmean, dcov, g, x, mean=None, cov=1,
                               allow_singular=False):
    """The tangent of `mvn_logpdf_adjoint(g, x, mean, cov, allow_singular)` along the
    tangents of g, x, mean and cov (0.0 for a zero one): a tuple like its result."""
    points, solved, inverse, dim = _parts(x, mean, cov, allow_singular)
    batch = points.shape[:-1]
    g = np.reshape(np.asarray(g, dtype=float), batch)
    dg = np.broadcast_to(np.reshape(np.asarray(dg, dtype=float), batch) if np.ndim(dg) else
                         float(dg), batch)
    d_points = np.broadcast_to(_points(np.broadcast_to(dx, np.shape(x)), dim), points.shape)
    d_inverse = -inverse @ _matrix(dcov, dim) @ inverse
    d_solved = (d_points - _mean_vector(dmean, dim)) @ inverse + \
        (points - _mean_vector(mean, dim)) @ d_inverse
    d_weighted = dg[..., None] * solved + g[..., None] * d_solved
    d_x = _like(-d_weighted, np.shape(x), x)
    d_mean = _like(np.sum(d_weighted.reshape(-1, dim), axis=0), np.shape(mean), mean) \
        if mean is not None else 0.0
    flat, d_flat = solved.reshape(-1, dim), d_solved.reshape(-1, dim)
    d_outer = np.einsum("n,ni,nj->ij", dg.reshape(-1), flat, flat) + \
        np.einsum("n,ni,nj->ij", g.reshape(-1), d_flat, flat) + \
        np.einsum("n,ni,nj->ij", g.reshape(-1), flat, d_flat)
    d_cov = _cov_adjoint(0.5 * (d_outer - np.sum(dg) * inverse - np.sum(g) * d_inverse),
                         cov, dim)
    return d_x, d_mean, d_cov


def mvn_logpdf_adjoint_transpose(d, g, x, mean=None, cov=1, allow_singular=False):
    """The adjoints (of g, x, mean, cov) in `mvn_logpdf_adjoint(g, x, mean, cov, ...)`,
    given the adjoint `d` of its result (a tuple of three; 0.0 for an unused one, or for
    all of them)."""
    points, solved, inverse, dim = _parts(x, mean, cov, allow_singular)
    batch = points.shape[:-1]
    g_shape = np.shape(g)
    g = np.reshape(np.asarray(g, dtype=float), batch)
    a_x, a_mean, a_cov = (d, d, d) if not isinstance(d, (tuple, list)) else d
    a_points = np.broadcast_to(_points(np.broadcast_to(a_x, np.shape(x)), dim), points.shape)
    t = _mean_vector(a_mean, dim) - a_points if mean is not None else -a_points
    w = _matrix(a_cov, dim)
    flat, t_flat = solved.reshape(-1, dim), t.reshape(-1, dim)
    d_g = np.sum(t_flat * flat, axis=-1) + 0.5 * np.einsum("ni,ij,nj->n", flat, w, flat) \
        - 0.5 * np.sum(w * inverse)
    q = (g.reshape(-1)[:, None] * (t_flat + flat @ w)) @ inverse  # the adjoints of r_n
    d_x = _like(q, np.shape(x), x)
    d_mean = _like(-np.sum(q, axis=0), np.shape(mean), mean) if mean is not None else None
    m = -(q.T @ flat) + 0.5 * np.sum(g) * (inverse @ w @ inverse)
    d_cov = _cov_adjoint(0.5 * (m + m.T), cov, dim)
    d_g = np.reshape(d_g, g_shape)
    return (d_g[()] if not g_shape else d_g), d_x, d_mean, d_cov


# ----------------------------------------------------------------------------- entropy
#
# multivariate_normal.entropy(mean, cov) = (k log(2 pi e) + log det S) / 2: its gradient
# in S is P / 2 (P = S^-1), mapped to `cov` by `_cov_adjoint`; `mean` only sets the
# dimension. A singular S (SciPy's pseudo-determinant) is refused.


def _entropy_parts(mean, cov):
    dim = _dimension(mean, cov)
    matrix = _matrix(cov, dim)
    if np.linalg.matrix_rank(matrix) < dim:
        raise NotImplementedError(
            "srcad has no derivative for scipy.stats.multivariate_normal.entropy with a "
            "singular covariance")
    return np.linalg.inv(matrix), dim


def mvn_entropy_adjoint(g, mean=None, cov=1):
    """The adjoint of `cov` in `multivariate_normal.entropy(mean, cov)` from the adjoint
    `g` of its result."""
    inverse, dim = _entropy_parts(mean, cov)
    return _cov_adjoint(0.5 * float(g) * inverse, cov, dim)


def mvn_entropy_tangent(dcov, mean=None, cov=1):
    """The tangent of `multivariate_normal.entropy(mean, cov)` along the tangent of cov."""
    inverse, dim = _entropy_parts(mean, cov)
    return 0.5 * float(np.sum(inverse * _matrix(dcov, dim)))


def mvn_entropy_adjoint_tangent(dg, dcov, g, mean=None, cov=1):
    """The tangent of `mvn_entropy_adjoint(g, mean, cov)` along the tangents of g and cov
    (0.0 for a zero one): with dP = -P dS P."""
    inverse, dim = _entropy_parts(mean, cov)
    d_inverse = -inverse @ _matrix(dcov, dim) @ inverse
    return _cov_adjoint(0.5 * (float(dg) * inverse + float(g) * d_inverse), cov, dim)


def mvn_entropy_adjoint_transpose(d, g, mean=None, cov=1):
    """The adjoints (of g and cov) in `mvn_entropy_adjoint(g, mean, cov)` given the
    adjoint `d` of its result: with W = S(d), from L = g <W, P> / 2."""
    inverse, dim = _entropy_parts(mean, cov)
    w = _matrix(d, dim)
    d_g = 0.5 * float(np.sum(w * inverse))
    d_cov = _cov_adjoint(-0.5 * float(g) * (inverse @ w @ inverse), cov, dim)
    return d_g, d_cov


# ----------------------------------------------------------------------------- dirichlet
#
# SciPy's dirichlet takes x with the k components along its first axis, or k - 1 of them
# (the last is then 1 - their sum). `dirichlet_points` is the full x; its tangent and
# adjoint (`dirichlet_points_tangent`, `dirichlet_points_transpose`) are linear maps,
# transposes of each other.


def _completed(x, alpha) -> bool:
    return np.shape(x)[0] + 1 == np.size(alpha)


def dirichlet_points(x, alpha):
    """x with all k components (first axis)."""
    x = np.asarray(x, dtype=float)
    if _completed(x, alpha):
        return np.concatenate([x, 1.0 - np.sum(x, axis=0, keepdims=True)])
    return x


def dirichlet_points_tangent(t, x, alpha):
    """The tangent of `dirichlet_points(x, alpha)` along the tangent `t` of x."""
    t = np.broadcast_to(np.asarray(t, dtype=float), np.shape(x))
    if _completed(x, alpha):
        return np.concatenate([t, -np.sum(t, axis=0, keepdims=True)])
    return np.array(t)


def dirichlet_points_transpose(g, x, alpha):
    """The adjoint of x in `dirichlet_points(x, alpha)` from the adjoint `g` of the
    result."""
    g = np.broadcast_to(np.asarray(g, dtype=float),
                        (np.size(alpha),) + np.shape(x)[1:])
    if _completed(x, alpha):
        return g[:-1] - g[-1:]
    return np.array(g)
