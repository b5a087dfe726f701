"""Helpers for the elementwise rules (srcad/rules/numpy_elementwise.py, math_rules.py).

Each keeps the dtype of its float inputs (float32 stays float32) and returns a NumPy
scalar, not a 0-d array, for scalar inputs.
"""

from __future__ import annotations

import math

import numpy as np

from srcad.runtime import any_other_array
from srcad.runtime.adjoints import unbroadcast
from srcad.runtime.marks import differentiated_from_source


def _float_dtype(*values):
    """The float dtype NumPy would compute `values` in (None entries are skipped)."""
    return np.result_type(*(v for v in values if v is not None), 1.0)


def _out(w, dtype):
    return np.asarray(w, dtype=dtype)[()]


def sinc_derivative(x):
    """d/dx sinc(x), with sinc(x) = sin(pi x) / (pi x): 0 at x = 0.

    Away from 0: (cos(pi x) - sinc(x)) / x. Near 0 that difference cancels, so the
    Taylor series -pi^2 x / 3 + pi^4 x^3 / 30 is used for |x| < 1e-3 (error < 1e-12
    relative).
    """
    x = np.asarray(x)
    dtype = _float_dtype(x)
    x = x.astype(dtype, copy=False)
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x).astype(dtype, copy=False)
    far = (np.cos(np.pi * safe) - np.sinc(safe)) / safe
    near = x * (-np.pi ** 2 / 3.0 + x * x * (np.pi ** 4 / 30.0))
    return _out(np.where(small, near, far), dtype)


# sinc''(x) = sum over n >= 1 of (-1)**n pi**(2n) (2n)(2n - 1) x**(2n - 2) / (2n + 1)!:
# the coefficients of its Taylor series in (pi x)**2, up to (pi x)**26 (the next term is
# below 1e-17 of the sum for |x| < 1/2).
_SINC2_SERIES = [(-1) ** n * math.pi ** (2 * n) * (2 * n) * (2 * n - 1) / math.factorial(2 * n + 1)
                 for n in range(1, 15)]


def sinc_second_derivative(x):
    """d^2/dx^2 sinc(x): -pi^2 / 3 at x = 0.

    For |x| >= 1/2: -pi^2 sinc(x) - 2 sinc'(x) / x (sinc'(x) from `sinc_derivative`);
    nearer 0, where that difference cancels, the Taylor series.
    """
    x = np.asarray(x)
    dtype = _float_dtype(x)
    x = x.astype(dtype, copy=False)
    small = np.abs(x) < 0.5
    safe = np.where(small, 1.0, x).astype(dtype, copy=False)
    far = -np.pi ** 2 * np.sinc(safe) - 2.0 * sinc_derivative(safe) / safe
    square = np.where(small, x, 0.0) ** 2
    near = np.zeros_like(square)
    for coefficient in reversed(_SINC2_SERIES):
        near = near * square + coefficient
    return _out(np.where(small, near, far), dtype)


def power_term(c, x, e, m=0):
    """``c * x**e * log(x)**m`` (m a small int): the terms of the derivatives of
    ``x**e``, exactly 0 where ``c == 0`` and, for ``m > 0``, where ``x == 0 < Re(e)``.

    Those zeros are the limits the derivatives of x**e take there (x**0 is constant, and
    x**e * log(x)**m -> 0 as x -> 0 for e > 0), where computing the product would give
    ``0 * inf`` or ``0 * log(0)``: NaN.
    """
    dtype = _float_dtype(c, x, e)
    c, x, e = np.asarray(c), np.asarray(x, dtype=dtype), np.asarray(e)
    zero = (c == 0) & ~np.isnan(x) & ~np.isnan(e)
    if m:
        zero = zero | ((x == 0) & (np.real(e) > 0))
    safe_x = np.where(zero, 1, x).astype(dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = c * np.power(safe_x, e)
        if m:
            value = value * np.log(safe_x) ** m
    return _out(np.where(zero, 0, value), dtype)


def power_slope(x, y):
    """``y * x**(y - 1)``, the derivative of ``x**y`` in x: exactly 0 where y == 0 (x**0
    is constant, also at x == 0)."""
    return power_term(y, x, y - 1)


def power_log(x, y):
    """``x**y * log(x)``, the derivative of ``x**y`` in y: exactly 0 where x == 0 < y
    (0**y is constant there)."""
    return power_term(1, x, y, 1)


def safe_divide(a, b):
    """a / b, and 0 where b == 0 (the subgradient used at the kink of a norm)."""
    dtype = _float_dtype(a, b)
    b = np.asarray(b)
    zero = b == 0
    return _out(np.where(zero, 0.0, np.asarray(a) / np.where(zero, 1.0, b)), dtype)


# The size up to which np.where(w, g, 0.0) beats a finite check and g * w for a boolean
# w; past it np.where slows down far more than linearly (on NumPy 2.4: 4 us for 4096
# elements, 440 us for 131072, where the check and product take 85 us).
_WHERE_AT_MOST = 8192


def share(g, w):
    """`g * w` for the weight `w` in [0, 1] with which a selecting function (maximum,
    minimum, clip) passed an input on: 0 where `w` is 0, even where `g` is infinite or
    NaN. The input that was not selected contributes nothing (`inf * 0` would be NaN:
    `np.sqrt(np.maximum(x, 0.0))` at x < 0 has derivative 0). For another library's
    array (dask) the same without a branch on the data (which would compute it)."""
    if type(w) is np.ndarray:
        if type(g) is not np.ndarray and hasattr(type(g), "__array_function__"):
            return _share_other(g, w)  # (another library's array: NumPy's scalars have none)
        if w.dtype == np.bool_ and w.size <= _WHERE_AT_MOST:
            return np.where(w, g, 0.0)  # (one pass, faster than g * w with its check)
        if np.isfinite(g).all():
            return g * w  # (the common case: one check and one product)
        with np.errstate(invalid="ignore"):  # (inf * 0 where w is 0: replaced below)
            out = g * w
        return np.where(w if w.dtype == np.bool_ else w != 0, out, 0.0)
    if any_other_array(g, w):
        return _share_other(g, w)
    if np.ndim(g) == 0:
        return g * w if w or np.isfinite(g) else 0.0
    return share(g, np.asarray(w))


def _share_other(g, w):
    # `share` without a branch on the data: 0 where w is 0 (g is never multiplied there,
    # so inf * 0 makes no NaN), g * w elsewhere
    if getattr(w, "dtype", None) == np.bool_ or isinstance(w, (bool, np.bool_)):
        return np.where(w, g, 0.0)
    return np.where(w != 0, g, 0.0) * w


def above_weight(a, b):
    """How much of maximum(a, b)'s adjoint goes to `a`: 1 where a > b, 1/2 at ties
    (they share it), 0 elsewhere (NaNs included). Ties are rare: without them this is
    the comparison itself, a boolean array (multiplying by it keeps the adjoint's dtype).
    For another library's array (dask): always `above + 0.5 * tie`, with no branch on
    the data (which would compute it)."""
    above, tie = a > b, a == b
    if isinstance(tie, (bool, np.bool_)):
        return above + 0.5 * tie
    if type(tie) is not np.ndarray and any_other_array(tie):
        return _weight_other(above, tie, a, b)
    return above if not np.count_nonzero(tie) else above + 0.5 * tie


def below_weight(a, b):
    """How much of minimum(a, b)'s adjoint goes to `a` (see `above_weight`)."""
    below, tie = a < b, a == b
    if isinstance(tie, (bool, np.bool_)):
        return below + 0.5 * tie
    if type(tie) is not np.ndarray and any_other_array(tie):
        return _weight_other(below, tie, a, b)
    return below if not np.count_nonzero(tie) else below + 0.5 * tie


def _weight_other(selected, tie, a, b):
    # selected + tie / 2 in the operands' float dtype (float64 for integers), so that
    # the weight does not widen a float32 adjoint
    dtype = np.result_type(*[x.dtype if hasattr(x, "dtype") else x for x in (a, b)])
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    return selected.astype(dtype) + tie.astype(dtype) * dtype.type(0.5)


def fmax_weight(a, b):
    """How much of fmax(a, b)'s adjoint goes to `a`: 1 where a wins, 1/2 at ties,
    1 where only `b` is NaN (fmax ignores NaNs), else 0."""
    a, b = np.asarray(a), np.asarray(b)
    w = (a > b) + 0.5 * (a == b) + (np.isnan(b) & ~np.isnan(a))
    return _out(w, _float_dtype(a, b))


def fmin_weight(a, b):
    """How much of fmin(a, b)'s adjoint goes to `a` (see `fmax_weight`)."""
    a, b = np.asarray(a), np.asarray(b)
    w = (a < b) + 0.5 * (a == b) + (np.isnan(b) & ~np.isnan(a))
    return _out(w, _float_dtype(a, b))


def clip_weights(a, a_min=None, a_max=None, min_kw=None, max_kw=None):
    """Weights (w_a, w_min, w_max) splitting the adjoint of np.clip among its inputs.

    np.clip(a, lo, hi) is minimum(maximum(a, lo), hi); the weights follow that
    composition with the maximum/minimum convention (ties split 1/2 each). `min_kw`
    and `max_kw` are NumPy's keyword spellings `min=` and `max=`; a None bound does
    not clip and gets weight 0.
    """
    low = a_min if a_min is not None else min_kw
    high = a_max if a_max is not None else max_kw
    dtype = _float_dtype(a, low, high)
    a = np.asarray(a)
    w_a, w_low, w_high, m = 1.0, 0.0, 0.0, a
    if low is not None:
        low = np.asarray(low)
        tie = 0.5 * (a == low)
        w_a = (a > low) + tie
        w_low = (low > a) + tie
        m = np.maximum(a, low)
    if high is not None:
        high = np.asarray(high)
        tie = 0.5 * (m == high)
        w_m = (m < high) + tie
        w_high = (high < m) + tie
        w_a = w_a * w_m
        w_low = w_low * w_m
    return _out(w_a, dtype), _out(w_low, dtype), _out(w_high, dtype)


@differentiated_from_source
def broadcast_item_adjoint(g, x):
    """The adjoint `g` (possibly the scalar 0.0 of an unused tuple entry) with x's shape.

    (Not named `broadcast_like`: generated code imports runtime helpers by their
    `__name__`, and `srcad.runtime.broadcast_like` is another helper.)"""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    return np.broadcast_to(g, shape) + np.zeros(shape, dtype=_float_dtype(x))


broadcast_like = broadcast_item_adjoint  # the old name


def multiple_of(x, r, y):
    """The integer n with r == x - n * y (fmod, remainder, divmod), as a float.

    Computed from the remainder NumPy returned, not from x / y, so that n agrees with
    the remainder even where x / y rounds across an integer.
    """
    return np.rint((np.asarray(x) - r) / y)[()]


def math_multiple_of(x, r, y):
    """`multiple_of` for Python floats (math.fmod, math.remainder)."""
    return float(round((x - r) / y))


def digamma(x):
    """The digamma function psi(x) = Gamma'(x) / Gamma(x) (needs SciPy)."""
    from scipy.special import digamma as psi

    return psi(x)


@differentiated_from_source
def dist_adjoint(g, p, q, d, sign=1.0):
    """The adjoint of p in math.dist(p, q) = d (q's with sign=-1.0), as p's type."""
    items = [sign * g * (a - b) / d if d != 0.0 else 0.0 * g for a, b in zip(p, q)]
    if isinstance(p, np.ndarray):
        return np.array(items, dtype=_float_dtype(p))
    return tuple(items) if isinstance(p, tuple) else items


def dist_tangent(dp, dq, p, q, d):
    """The tangent of math.dist(p, q) = d along (dp, dq) (0.0 means a zero tangent)."""
    if d == 0.0:
        return 0.0
    dp = np.broadcast_to(np.asarray(dp, dtype=float), (len(p),))
    dq = np.broadcast_to(np.asarray(dq, dtype=float), (len(q),))
    return math.fsum((a - b) * (da - db) for a, b, da, db in zip(p, q, dp, dq)) / d


def _numbers_like(d, x):
    """`d` shaped as `x` is given: a NumPy number for a number, a list of items for a
    list or tuple (an adjoint per item), else an array."""
    if isinstance(x, (list, tuple)):
        return [_numbers_like(d[i], item) for i, item in enumerate(x)]
    if not isinstance(x, np.ndarray) and np.ndim(x) == 0:
        return np.asarray(d)[()]
    return d


def select_adjoint(g, condlist, choicelist, default=0):
    """The adjoints of the choices (a list, or an array for an array of choices) and of
    `default` in `np.select(condlist, choicelist, default)`: each choice gets the adjoint
    where its condition is the first that holds, `default` where none holds."""
    g = np.asarray(g)
    taken = np.zeros(g.shape, dtype=bool)
    d_choices = []
    for cond, choice in zip(condlist, choicelist):
        mask = np.broadcast_to(cond, g.shape) & ~taken
        d_choices.append(_numbers_like(unbroadcast(np.where(mask, g, 0), np.asarray(choice)),
                                       choice))
        taken = taken | mask
    d_default = _numbers_like(unbroadcast(np.where(taken, 0, g), np.asarray(default)), default)
    if isinstance(choicelist, np.ndarray):
        return np.stack(d_choices), d_default
    return d_choices, d_default


def select_tangent(d_choices, d_default, condlist, choicelist, default, y):
    """The tangent of `y = np.select(condlist, choicelist, default)` along the tangents of
    the choices (one per choice, 0.0 for a zero one, or 0.0 for all) and of `default`."""
    if not isinstance(d_choices, (list, tuple)) and np.ndim(d_choices) == 0:
        d_choices = [d_choices] * len(choicelist)
    out = np.select(list(condlist), [np.broadcast_to(d, np.shape(y)) for d in d_choices],
                    np.broadcast_to(d_default, np.shape(y)))
    return out.astype(np.result_type(out, float), copy=False)

