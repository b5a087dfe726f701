"""Helpers that the `np.linalg` rules (srcad/rules/numpy_linalg.py) call for the norms
(norm, vector_norm, matrix_norm, and their derivatives in `ord`), and the curvature of
their adjoints for second derivatives. The conventions are those of
srcad/runtime/linalg.py.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime.linalg import _is_zero, transposed
from srcad.runtime.linalg_decompositions import svd_tangent
from srcad.runtime.marks import differentiated_from_source

# ----------------------------------------------------------------------------- norms


def _sign(x):
    return np.sign(x)


def _safe_divide(x, y):
    """x / y, and 0 where y == 0 (a norm's gradient at the zero vector is 0)."""
    y = np.asarray(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, x / np.where(y == 0, 1.0, y))


def _extreme_weights(values, axes, largest):
    """1 / (number of ties) where `values` reaches its max (or min) over `axes`, else 0:
    ties share the derivative evenly (as np.maximum's convention)."""
    target = np.max(values, axis=axes, keepdims=True) if largest else \
        np.min(values, axis=axes, keepdims=True)
    hit = values == target
    return hit / np.sum(hit, axis=axes, keepdims=True)


def _vector_weights(x, ord, axes):
    """W with d(norm) = sum over `axes` of W * dx, for a vector norm over `axes`."""
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    ax = np.abs(x)
    if ord is None or ord == 2:
        return _safe_divide(x, np.sqrt(np.sum(x * x, axis=axes, keepdims=True)))
    if ord == np.inf:
        return _sign(x) * _extreme_weights(ax, axes, largest=True)
    if ord == -np.inf:
        return _sign(x) * _extreme_weights(ax, axes, largest=False)
    if ord == 0:
        return np.zeros_like(x)  # the count of nonzero entries is piecewise constant
    if ord == 1:
        return _sign(x)
    p = float(ord)
    total = np.sum(ax ** p, axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        norm = total ** (1.0 / p)
        ratio = np.where(ax == 0, 0.0, ax / np.where(norm == 0, 1.0, norm))
        w = _sign(x) * np.where(ax == 0, 0.0, ratio ** (p - 1.0))
    return np.where(norm == 0, 0.0, w)


@differentiated_from_source
def singular_value_weights(xm, ord):
    """W with d(norm) = Re(sum(conj(W) * dx)) for the singular-value norms of (a stack
    of) matrices `xm`: U V^H for 'nuc', u_1 v_1^H for 2, the last pair for -2."""
    u, _, vt = np.linalg.svd(xm, full_matrices=False)
    if ord == "nuc":
        return u @ vt
    i = 0 if ord == 2 else -1
    return u[..., :, i, None] * vt[..., i, None, :]


def _matrix_weights(x, ord, row, col):
    """W with d(norm) = sum over (row, col) of W * dx, for a matrix norm."""
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    if ord is None or ord == "fro":
        return _vector_weights(x, None, (row, col))
    xm = np.moveaxis(x, (row, col), (-2, -1))
    if ord in ("nuc", 2, -2):
        w = singular_value_weights(xm, ord)
    elif ord in (1, -1):
        # the largest (smallest) absolute column sum
        pick = _extreme_weights(np.sum(np.abs(xm), axis=-2), -1, largest=ord == 1)
        w = _sign(xm) * pick[..., None, :]
    elif ord in (np.inf, -np.inf):
        # the largest (smallest) absolute row sum
        pick = _extreme_weights(np.sum(np.abs(xm), axis=-1), -1, largest=ord == np.inf)
        w = _sign(xm) * pick[..., :, None]
    else:
        raise ValueError(f"Invalid norm order '{ord}' for matrices")
    return np.moveaxis(w, (-2, -1), (row, col))


def _norm_plan(x, ord, axis):
    """How np.linalg.norm(x, ord, axis) reduces: (weights W, axes summed over or None)."""
    ndim = np.ndim(x)
    if axis is None:
        if ord is None:
            return _vector_weights(x, None, None), None
        if ndim == 1:
            return _vector_weights(x, ord, (0,)), None
        if ndim == 2:
            return _matrix_weights(x, ord, 0, 1), None
        raise ValueError("Improper number of dimensions to norm.")
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(int(a) % ndim for a in axes)
    if len(axes) == 1:
        return _vector_weights(x, ord, axes), axes
    if len(axes) == 2:
        return _matrix_weights(x, ord, *axes), axes
    raise ValueError("Improper number of dimensions to norm.")


@differentiated_from_source
def _spread(g, x, axes, keepdims):
    """The adjoint of a reduction over `axes` (None: all) broadcast back to x's shape."""
    g = np.asarray(g)
    if axes is not None and not keepdims:
        g = np.expand_dims(g, tuple(sorted(axes)))
    return np.broadcast_to(g, np.shape(x))


def norm_adjoint(g, x, ord=None, axis=None, keepdims=False):
    """The adjoint of `x` in np.linalg.norm(x, ord, axis, keepdims)."""
    w, axes = _norm_plan(x, ord, axis)
    return _spread(g, x, axes, keepdims) * w


def norm_tangent(dx, x, ord=None, axis=None, keepdims=False):
    """The tangent of np.linalg.norm(x, ord, axis, keepdims) along `dx`."""
    w, axes = _norm_plan(x, ord, axis)
    return np.sum(w * dx, axis=axes, keepdims=keepdims)


def _order_derivative(x, ord, axes):
    """d(norm)/d(ord) for a vector p-norm over `axes` (keepdims shape), or None where the
    order is not a continuous parameter (None, 'fro', 'nuc', +-inf, 0, matrix norms).

    norm = S**(1/p), S = sum |x|**p:  d norm / dp = norm / p * (sum w log|x| - log norm),
    w = |x|**p / S. Zero entries contribute nothing; the derivative is 0 where norm is 0."""
    if ord is None or isinstance(ord, str) or not np.isfinite(ord) or ord == 0:
        return None
    p = float(ord)
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    ax = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        powers = np.where(ax == 0, 0.0, ax ** p)
        total = np.sum(powers, axis=axes, keepdims=True)
        norm = total ** (1.0 / p)
        logs = np.where(ax == 0, 0.0, np.log(np.where(ax == 0, 1.0, ax)))
        mean_log = np.sum(powers * logs, axis=axes, keepdims=True) / total
        out = norm / p * (mean_log - np.log(norm))
    return np.where((norm == 0) | ~np.isfinite(norm), 0.0, out)


def _order_plan(x, ord, axis):
    """The axes of a vector norm in np.linalg.norm(x, ord, axis), or None if the norm is a
    matrix norm (whose order is a choice among a few, not a continuous parameter)."""
    ndim = np.ndim(x)
    if axis is None:
        return (0,) if ndim == 1 else None
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(int(a) % ndim for a in axes) if len(axes) == 1 else None


def _squeeze(d, axes, keepdims):
    """A keepdims-shaped reduction result shaped as the reduction returns it."""
    if keepdims:
        return d
    return np.squeeze(d, axis=axes) if axes is not None else d.reshape(())


def norm_order_adjoint(g, x, ord=None, axis=None, keepdims=False):
    """The adjoint of `ord` in np.linalg.norm(x, ord, axis, keepdims): the p of a vector
    p-norm is a differentiable parameter."""
    axes = _order_plan(x, ord, axis)
    d = _order_derivative(x, ord, axes) if axes is not None else None
    if d is None:
        return 0.0
    return float(np.sum(np.asarray(g) * _squeeze(d, axes, keepdims)))


def norm_order_tangent(dord, x, ord=None, axis=None, keepdims=False):
    """The tangent of np.linalg.norm(x, ord, axis, keepdims) along `dord`."""
    axes = _order_plan(x, ord, axis)
    d = _order_derivative(x, ord, axes) if axes is not None and not _is_zero(dord) else None
    if d is None:
        return 0.0
    return _squeeze(d, axes, keepdims) * dord


def _vector_norm_axes(x, axis):
    if axis is None:
        return None
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(int(a) % np.ndim(x) for a in axes)


def vector_norm_adjoint(g, x, axis=None, keepdims=False, ord=2):
    """The adjoint of `x` in np.linalg.vector_norm(x, axis=..., keepdims=..., ord=...)."""
    axes = _vector_norm_axes(x, axis)
    return _spread(g, x, axes, keepdims) * _vector_weights(x, ord, axes)


def vector_norm_tangent(dx, x, axis=None, keepdims=False, ord=2):
    """The tangent of np.linalg.vector_norm along `dx`."""
    axes = _vector_norm_axes(x, axis)
    return np.sum(_vector_weights(x, ord, axes) * dx, axis=axes, keepdims=keepdims)


def vector_norm_order_adjoint(g, x, axis=None, keepdims=False, ord=2):
    """The adjoint of `ord` in np.linalg.vector_norm (a continuous parameter p)."""
    axes = _vector_norm_axes(x, axis)
    d = _order_derivative(x, ord, axes)
    if d is None:
        return 0.0
    return float(np.sum(np.asarray(g) * _squeeze(d, axes, keepdims)))


def vector_norm_order_tangent(dord, x, axis=None, keepdims=False, ord=2):
    """The tangent of np.linalg.vector_norm along `dord`."""
    axes = _vector_norm_axes(x, axis)
    d = _order_derivative(x, ord, axes) if not _is_zero(dord) else None
    if d is None:
        return 0.0
    return _squeeze(d, axes, keepdims) * dord


def matrix_norm_adjoint(g, x, keepdims=False, ord="fro"):
    """The adjoint of `x` in np.linalg.matrix_norm(x, keepdims=..., ord=...)."""
    axes = (np.ndim(x) - 2, np.ndim(x) - 1)
    return _spread(g, x, axes, keepdims) * _matrix_weights(x, ord, *axes)


def matrix_norm_tangent(dx, x, keepdims=False, ord="fro"):
    """The tangent of np.linalg.matrix_norm along `dx`."""
    axes = (np.ndim(x) - 2, np.ndim(x) - 1)
    return np.sum(_matrix_weights(x, ord, *axes) * dx, axis=axes, keepdims=keepdims)


# ----------------------------------------------------------------------------- norms
#
# norm_adjoint(g, x, ...) = spread(g) * W(x), W the gradient of the norm. The derivative
# of W is the norm's Hessian, slice by slice (symmetric, so it is its own adjoint):
# vector p-norms (p finite): dW = (p-1)/n ((|x|/n)**(p-2) v - W sum(W v)); the orders
# +-inf, 0 and 1 and the matrix orders +-1 and +-inf have piecewise constant W (dW = 0);
# the nuclear norm's W = U V^T and the 2-norm's W = u_1 v_1^T (-2: the last pair) follow
# the SVD. Where the norm is 0 W jumps, and dW is NaN (no derivative).


def _vector_weights_tangent(v, x, ord, axes):
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    v = np.broadcast_to(v, np.shape(x))
    if ord is None or ord == 2:
        p = 2.0
    elif ord in (np.inf, -np.inf, 0, 1):
        return np.zeros(np.shape(x))
    else:
        p = float(ord)
    w = _vector_weights(x, ord, axes)
    ax = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        norm = np.sum(ax ** p, axis=axes, keepdims=True) ** (1.0 / p)
        scale = np.ones(np.shape(x)) if p == 2.0 else (ax / norm) ** (p - 2.0)
        out = (p - 1.0) / norm * (scale * v - w * np.sum(w * v, axis=axes, keepdims=True))
    return np.where(norm == 0, np.nan, out)


def _polar_tangent(v, x):
    """The derivative of U V^T (x = U S V^T, thin) along `v`, for x of full rank:
    U Omega V^T + (I - U U^T) v V S^-1 V^T + U S^-1 U^T v (I - V V^T), with
    Omega_ij = (P_ij - P_ji) / (s_i + s_j), P = U^T v V."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    vv = transposed(vt)
    p = transposed(u) @ v @ vv
    with np.errstate(divide="ignore", invalid="ignore"):
        omega = (p - transposed(p)) / (s[..., :, None] + s[..., None, :])
        out = u @ omega @ vt
        m, n = np.shape(x)[-2:]
        if m > n:
            out = out + ((v @ vv - u @ p) / s[..., None, :]) @ vt
        if m < n:
            out = out + (u / s[..., None, :]) @ (transposed(u) @ v - p @ vt)
    return out


def _spectral_tangent(v, x, ord):
    """The derivative of u_i v_i^T (the singular pair of the largest singular value for
    ord=2, the smallest for ord=-2) along `v`."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    i = 0 if ord == 2 else -1
    with np.errstate(divide="ignore", invalid="ignore"):
        du, _, dvt = svd_tangent(v, (u, s, vt), x, full_matrices=False)
    return du[..., :, i, None] * vt[..., i, None, :] + u[..., :, i, None] * dvt[..., i, None, :]


def _matrix_weights_tangent(v, x, ord, row, col):
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    v = np.broadcast_to(v, np.shape(x))
    if ord is None or ord == "fro":
        return _vector_weights_tangent(v, x, None, (row, col))
    if ord in (1, -1, np.inf, -np.inf):
        return np.zeros(np.shape(x))
    if ord not in ("nuc", 2, -2):
        raise ValueError(f"Invalid norm order '{ord}' for matrices")
    xm = np.moveaxis(x, (row, col), (-2, -1))
    vm = np.moveaxis(v, (row, col), (-2, -1))
    out = _polar_tangent(vm, xm) if ord == "nuc" else _spectral_tangent(vm, xm, ord)
    return np.moveaxis(out, (-2, -1), (row, col))


def _norm_weights_tangent(v, x, ord, axis):
    """The derivative of the weights W of np.linalg.norm(x, ord, axis) along `v`."""
    ndim = np.ndim(x)
    if axis is None:
        if ord is None:
            return _vector_weights_tangent(v, x, None, None)
        if ndim == 1:
            return _vector_weights_tangent(v, x, ord, (0,))
        if ndim == 2:
            return _matrix_weights_tangent(v, x, ord, 0, 1)
        raise ValueError("Improper number of dimensions to norm.")
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(int(a) % ndim for a in axes)
    if len(axes) == 1:
        return _vector_weights_tangent(v, x, ord, axes)
    if len(axes) == 2:
        return _matrix_weights_tangent(v, x, ord, *axes)
    raise ValueError("Improper number of dimensions to norm.")


def norm_adjoint_curvature(g, v, x, ord=None, axis=None, keepdims=False):
    """spread(g) times the derivative of the norm's weights W(x) along `v`: the part of
    the tangent of norm_adjoint(g, x, ...) that comes from `x`, and (W's derivative being
    symmetric, slice by slice) the adjoint of `x` given the adjoint `v` of its result."""
    _, axes = _norm_plan(x, ord, axis)
    return _spread(g, x, axes, keepdims) * _norm_weights_tangent(v, x, ord, axis)




def vector_norm_adjoint_curvature(g, v, x, axis=None, keepdims=False, ord=2):
    """As `norm_adjoint_curvature`, for np.linalg.vector_norm's helper."""
    axes = _vector_norm_axes(x, axis)
    return _spread(g, x, axes, keepdims) * _vector_weights_tangent(v, x, ord, axes)


def matrix_norm_adjoint_curvature(g, v, x, keepdims=False, ord="fro"):
    """As `norm_adjoint_curvature`, for np.linalg.matrix_norm's helper."""
    axes = (np.ndim(x) - 2, np.ndim(x) - 1)
    return _spread(g, x, axes, keepdims) * _matrix_weights_tangent(v, x, ord, *axes)
