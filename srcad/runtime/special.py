"""Helpers that the `scipy.special` rules (srcad/rules/scipy_special.py) call.

Imported only when SciPy is installed.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime import unbroadcast
from srcad.runtime.lazy_modules import scipy_special as sp
from srcad.runtime.marks import no_derivative

_NO_SECOND_IN_A = ("the second derivative of scipy.special.gammainc (gammaincc) in its shape "
                   "parameter a has no closed form: srcad differentiates it once in a")
_NO_SECOND_IN_AB = ("the second derivatives of scipy.special.betainc (betaincc) in a and b "
                    "have no closed form: srcad differentiates them once")


def integer_order(n):
    """The integer order scipy.special uses for `n` (it truncates floats toward zero)."""
    return np.trunc(n).astype(np.int64) if np.ndim(n) else int(np.trunc(n))


# ----------------------------------------------------------------------------- gamma family


def rgamma_derivative(x):
    """d/dx 1/gamma(x) = -psi(x) / gamma(x): an entire function, finite at the poles of
    psi (x = 0, -1, -2, ...), where it equals (-1)**n * n! for x = -n."""
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    pole = (x <= 0) & (x == np.round(x))
    n = np.where(pole, -x, 0.0)
    with np.errstate(invalid="ignore"):
        regular = -sp.rgamma(x) * sp.digamma(np.where(pole, 0.5, x))
    out = np.where(pole, (-1.0) ** n * sp.gamma(n + 1.0), regular)
    return out if out.ndim else float(out)


def rgamma_second_derivative(x):
    """d^2/dx^2 1/gamma(x) (an entire function, finite everywhere).

    For x >= 1/2: (psi(x)**2 - psi'(x)) / gamma(x). Below, where psi has its poles, the
    reflection formula 1/gamma(x) = sin(pi x) gamma(1 - x) / pi is differentiated twice
    instead (gamma(1 - x) and its derivatives are regular there, and sin(pi x) is
    computed from the distance to the nearest integer, exact at the poles)."""
    x = np.asarray(x, dtype=np.result_type(x, np.float64))
    left = x < 0.5
    right_x = np.where(left, 1.0, x)
    right = sp.rgamma(right_x) * (sp.digamma(right_x) ** 2 - sp.polygamma(1, right_x))
    left_x = np.where(left, x, 0.0)
    n = np.round(left_x)
    sign = np.where(n % 2 == 0, 1.0, -1.0)
    sin = sign * np.sin(np.pi * (left_x - n))
    cos = sign * np.cos(np.pi * (left_x - n))
    g, psi, psi1 = sp.gamma(1.0 - left_x), sp.digamma(1.0 - left_x), sp.polygamma(1, 1.0 - left_x)
    # (sin(pi x) / pi)'' G + 2 (sin(pi x) / pi)' G' + (sin(pi x) / pi) G'' with
    # G = gamma(1 - x), G' = -G psi(1 - x), G'' = G (psi(1 - x)**2 + psi'(1 - x))
    reflected = g * (-np.pi * sin - 2.0 * cos * psi + sin / np.pi * (psi * psi + psi1))
    out = np.where(left, reflected, right)
    return out if out.ndim else float(out)


def multigammaln_second_derivative(a, d):
    """d^2/da^2 of multigammaln(a, d) = sum over j < d of psi'(a - j/2)."""
    a = np.asarray(a, dtype=np.float64)
    out = np.sum(sp.polygamma(1, a[..., None] - np.arange(int(d)) / 2.0), axis=-1)
    return out if out.ndim else float(out)


def multigammaln_derivative(a, d):
    """d/da of multigammaln(a, d) = sum over j < d of psi(a - j/2)."""
    a = np.asarray(a, dtype=np.float64)
    out = np.sum(sp.digamma(a[..., None] - np.arange(int(d)) / 2.0), axis=-1)
    return out if out.ndim else float(out)


# ----------------------------------------------------------------------------- incomplete gamma
#
# P(a, x) = gammainc(a, x) and Q(a, x) = gammaincc(a, x) = 1 - P. Their derivative in x
# is elementary; the one in a is computed here, to full precision in the tails:
#
# * for x <= a + 3 sqrt(a) (or x < 3): from the series P = sum_k exp(-x) x**(a+k) /
#   gamma(a+k+1) (positive terms), so dP/da = sum_k term_k (log x - psi(a+k+1));
# * above: from Q = x**a exp(-x) / gamma(a) * integral_0^inf (1+w)**(a-1) exp(-x w) dw,
#   so dQ/da = Q (log x - psi(a) + <log(1+w)>) where <.> averages over the integrand.
#   The integral is computed by Gauss-Laguerre quadrature after scaling w by the
#   integrand's initial decay rate x - a + 1, which leaves a smooth, slowly varying
#   factor exp((a-1) (log1p(w) - w)).
#
# Each branch gives the derivative of the function that is not close to 1 there, so
# neither loses relative precision to cancellation.

_LAGUERRE = np.polynomial.laguerre.laggauss(80)


def _use_series(a, x):
    return (x <= a + 3.0 * np.sqrt(a)) | (x < 3.0)


def _dP_da_series(a, x):
    """dP(a, x)/da from the power series (a > 0, x > 0)."""
    log_x = np.log(x)
    with np.errstate(under="ignore"):
        term = np.exp(a * log_x - x - sp.gammaln(a + 1.0))
    psi = sp.digamma(a + 1.0)
    total = term * (log_x - psi)
    count = int(np.ceil(np.max(np.maximum(x - a, 0.0)) + 12.0 * np.sqrt(np.max(x)) + 40.0))
    for k in range(count):
        with np.errstate(under="ignore"):
            term = term * (x / (a + k + 1.0))
        psi = psi + 1.0 / (a + k + 1.0)  # psi(a+k+2) = psi(a+k+1) + 1/(a+k+1)
        total = total + term * (log_x - psi)
    return total


def _dQ_da_quadrature(a, x):
    """dQ(a, x)/da from the integral representation (x > a, x >= 3)."""
    nodes, weights = _LAGUERRE
    rate = (x - a + 1.0)[..., None]
    w = nodes / rate
    with np.errstate(under="ignore"):
        h = weights * np.exp((a - 1.0)[..., None] * (np.log1p(w) - w))
    mean_log = np.sum(h * np.log1p(w), axis=-1) / np.sum(h, axis=-1)
    return sp.gammaincc(a, x) * (np.log(x) - sp.digamma(a) + mean_log)


@no_derivative(_NO_SECOND_IN_A)
def gammainc_da(a, x):
    """d/da of the regularized lower incomplete gamma function gammainc(a, x)."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    out = np.full(a.shape, np.nan)
    valid = (a > 0) & (x >= 0)
    out[valid & ((x == 0) | (x == np.inf))] = 0.0   # P is 0 or 1 there, whatever a is
    inside = valid & (x > 0) & (x < np.inf)
    series = np.zeros(a.shape, dtype=bool)
    series[inside] = _use_series(a[inside], x[inside])
    upper = inside & ~series
    if np.any(series):
        out[series] = _dP_da_series(a[series], x[series])
    if np.any(upper):
        out[upper] = -_dQ_da_quadrature(a[upper], x[upper])
    return out if out.ndim else float(out)


@no_derivative(_NO_SECOND_IN_A)
def gammaincc_da(a, x):
    """d/da of the regularized upper incomplete gamma function gammaincc(a, x)."""
    out = -np.asarray(gammainc_da(a, x))
    return out if out.ndim else float(out)


# ----------------------------------------------------------------------------- incomplete beta
#
# I(a, b, x) = betainc(a, b, x). Its derivatives in a and b come from the series of
# positive terms (DLMF 8.17.8 with 8.17.7)
#
#     I = sum_n T_n,   T_n = x**(a+n) (1-x)**b gamma(a+b+n) / (gamma(a+1+n) gamma(b)),
#
# d log T_n / da = log x + psi(a+b+n) - psi(a+1+n),  d log T_n / db = log1p(-x) +
# psi(a+b+n) - psi(b), used where x <= (a+1)/(a+b+2) so that the terms shrink from the
# start; elsewhere through I(a, b, x) = 1 - I(b, a, 1-x).


def _betainc_series_derivatives(a, b, x):
    """(dI/da, dI/db) from the series (0 < x <= (a+1)/(a+b+2))."""
    log_x, log_1mx = np.log(x), np.log1p(-x)
    with np.errstate(under="ignore"):
        term = np.exp((a * log_x + b * log_1mx + sp.gammaln(a + b)) - sp.gammaln(a + 1.0)
                      - sp.gammaln(b))
    psi_ab, psi_a1, psi_b = sp.digamma(a + b), sp.digamma(a + 1.0), sp.digamma(b)
    d_a = term * (log_x + psi_ab - psi_a1)
    d_b = term * (log_1mx + psi_ab - psi_b)
    ratio = np.max(np.maximum(x * (a + b) / (a + 1.0), x))
    count = int(np.ceil(np.log(1e-18) / np.log(min(ratio, 1.0 - 1e-12)))) + 10
    for n in range(min(count, 200000)):
        with np.errstate(under="ignore"):
            term = term * (x * (a + b + n) / (a + 1.0 + n))
        psi_ab = psi_ab + 1.0 / (a + b + n)
        psi_a1 = psi_a1 + 1.0 / (a + 1.0 + n)
        d_a = d_a + term * (log_x + psi_ab - psi_a1)
        d_b = d_b + term * (log_1mx + psi_ab - psi_b)
    return d_a, d_b


@no_derivative(_NO_SECOND_IN_AB)
def betainc_dab(a, b, x):
    """(d/da, d/db) of the regularized incomplete beta function betainc(a, b, x)."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x)))
    d_a, d_b = np.full(a.shape, np.nan), np.full(a.shape, np.nan)
    valid = (a > 0) & (b > 0) & (x >= 0) & (x <= 1)
    ends = valid & ((x == 0) | (x == 1))    # I is 0 or 1 there, whatever a and b are
    d_a[ends], d_b[ends] = 0.0, 0.0
    inside = valid & ~ends
    direct = np.zeros(a.shape, dtype=bool)
    direct[inside] = x[inside] <= (a[inside] + 1.0) / (a[inside] + b[inside] + 2.0)
    mirror = inside & ~direct
    if np.any(direct):
        d_a[direct], d_b[direct] = _betainc_series_derivatives(a[direct], b[direct], x[direct])
    if np.any(mirror):
        # I(a, b, x) = 1 - I(b, a, 1 - x)
        m_b, m_a = _betainc_series_derivatives(b[mirror], a[mirror], 1.0 - x[mirror])
        d_a[mirror], d_b[mirror] = -m_a, -m_b
    if not d_a.ndim:
        return float(d_a), float(d_b)
    return d_a, d_b


@no_derivative(_NO_SECOND_IN_AB)
def betainc_da(a, b, x):
    """d/da of betainc(a, b, x)."""
    return betainc_dab(a, b, x)[0]


@no_derivative(_NO_SECOND_IN_AB)
def betainc_db(a, b, x):
    """d/db of betainc(a, b, x)."""
    return betainc_dab(a, b, x)[1]


def betainc_dx(a, b, x):
    """d/dx of betainc(a, b, x): x**(a-1) (1-x)**(b-1) / beta(a, b) (with 0 * log(0) = 0:
    b at x = 0 for a = 1, a at x = 1 for b = 1)."""
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        return np.exp(sp.xlogy(a - 1.0, x) + sp.xlog1py(b - 1.0, -x) - sp.betaln(a, b))


def betainc_dx_partials(a, b, x):
    """The partial derivatives (in a, b, x) of betainc_dx(a, b, x) = x**(a-1) (1-x)**(b-1)
    / beta(a, b) (second derivatives of betainc).

    In a: t (log x - psi(a) + psi(a + b)), in b: t (log(1 - x) - psi(b) + psi(a + b)),
    with t = betainc_dx(a, b, x) and t log x = 0 where t = 0 (x = 0 < a - 1); in x:
    (a - 1) x**(a-2) (1-x)**(b-1) / beta(a, b) - (b - 1) x**(a-1) (1-x)**(b-2) / beta(a, b),
    each term 0 where its factor a - 1 or b - 1 is (its power is then constant)."""
    a, b, x = np.asarray(a, dtype=float), np.asarray(b, dtype=float), np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore", over="ignore"):
        t = betainc_dx(a, b, x)
        both = sp.digamma(a + b)
        d_a = sp.xlogy(t, x) + t * (both - sp.digamma(a))
        d_b = sp.xlog1py(t, -x) + t * (both - sp.digamma(b))
        log_beta = sp.betaln(a, b)
        left = np.where(a == 1.0, 0.0, (a - 1.0) * np.exp(
            sp.xlogy(a - 2.0, x) + sp.xlog1py(b - 1.0, -x) - log_beta))
        right = np.where(b == 1.0, 0.0, (b - 1.0) * np.exp(
            sp.xlogy(a - 1.0, x) + sp.xlog1py(b - 2.0, -x) - log_beta))
        d_x = left - right
    if not np.ndim(d_x):
        return float(d_a), float(d_b), float(d_x)
    return d_a, d_b, d_x


# ----------------------------------------------------------------------------- logsumexp


def _expand(value, shape, axis, keepdims):
    """A reduction's result broadcast back over the reduced axes of `shape`."""
    value = np.asarray(value)
    if axis is not None and not keepdims:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        if value.ndim == len(shape) - len(axes):  # (not a plain number like sign 1.0)
            value = np.expand_dims(value, tuple(sorted(int(i) % len(shape) for i in axes)))
    return np.broadcast_to(value, shape)


def _lse_weights(y, a, axis, b, keepdims, return_sign):
    """sign * exp(a - lse) over the shape the sum runs over (a broadcast with b)."""
    lse, sign = (y[0], y[1]) if return_sign else (y, 1.0)
    shape = np.broadcast_shapes(np.shape(a), np.shape(b)) if b is not None else np.shape(a)
    lse = _expand(lse, shape, axis, keepdims)
    sign = _expand(sign, shape, axis, keepdims)
    with np.errstate(invalid="ignore", under="ignore"):
        return sign * np.exp(a - lse)


def logsumexp_adjoint_a(g, y, a, axis=None, b=None, keepdims=False, return_sign=False):
    """The adjoint of `a` in logsumexp: g * sign * b * exp(a - lse)."""
    g = g[0] if return_sign else g
    weight = _lse_weights(y, a, axis, b, keepdims, return_sign)
    if b is not None:
        weight = weight * b
    return unbroadcast(_expand(g, np.shape(weight), axis, keepdims) * weight, a)


def logsumexp_adjoint_b(g, y, a, axis=None, b=None, keepdims=False, return_sign=False):
    """The adjoint of `b` in logsumexp: g * sign * exp(a - lse) (None without b)."""
    if b is None:
        return None
    g = g[0] if return_sign else g
    weight = _lse_weights(y, a, axis, b, keepdims, return_sign)
    return unbroadcast(_expand(g, np.shape(weight), axis, keepdims) * weight, b)


def logsumexp_tangent(da, db, y, a, axis=None, b=None, keepdims=False, return_sign=False):
    """The tangent of logsumexp along (da, db); with return_sign, (dlse, 0)."""
    weight = _lse_weights(y, a, axis, b, keepdims, return_sign)
    change = weight * (da if b is None else b * da + db)
    dlse = np.sum(np.broadcast_to(change, np.shape(weight)), axis=axis, keepdims=keepdims)
    if return_sign:
        return dlse, np.zeros_like(y[1])
    return dlse


# Second derivatives of logsumexp: logsumexp_adjoint_a / _b as functions of all their
# inputs (g, y = lse or (lse, sign), a, b). Over the shape S the sum runs over, with G, lse
# and sign spread over S and E = exp(a - lse):
#   logsumexp_adjoint_a = unbroadcast(G sign E b, a),
#   logsumexp_adjoint_b = unbroadcast(G sign E, b)
# (b = 1 when it is None). Their tangents follow from dE = E (da - dlse); their adjoints
# reduce over the summed axes for g, lse and sign, and unbroadcast for a and b.


def _zero_like(v):
    """Zeros shaped like `v` (0.0 for a number)."""
    return np.zeros(np.shape(v)) if np.ndim(v) else 0.0


def _item(v, i, pair):
    """Item i of a (value, sign) pair, or `v` itself when it is no pair; a zero tangent
    (the number 0.0) stands for zeros in every item. (A pair of numbers may come as an
    array of two.)"""
    if pair and (isinstance(v, (tuple, list)) or isinstance(v, np.ndarray) and v.ndim > 0):
        return v[i]
    return v


def _lse_parts(g, y, a, axis, b, keepdims, return_sign):
    """(G, sign, E, b or 1.0) over the shape of the sum (see above)."""
    lse, sign = (y[0], y[1]) if return_sign else (y, 1.0)
    shape = np.broadcast_shapes(np.shape(a), np.shape(b)) if b is not None else np.shape(a)
    with np.errstate(invalid="ignore", under="ignore"):
        e = np.broadcast_to(np.exp(a - _expand(lse, shape, axis, keepdims)), shape)
    return (_expand(_item(g, 0, return_sign), shape, axis, keepdims),
            _expand(sign, shape, axis, keepdims), e, 1.0 if b is None else b)


def _lse_tangent(dg, dy, da, db, g, y, a, axis, b, keepdims, return_sign, with_b):
    big_g, sign, e, bb = _lse_parts(g, y, a, axis, b, keepdims, return_sign)
    shape = np.shape(e)
    d_g = _expand(_item(dg, 0, return_sign), shape, axis, keepdims)
    d_lse = _expand(_item(dy, 0, return_sign), shape, axis, keepdims)
    d_sign = _expand(_item(dy, 1, return_sign), shape, axis, keepdims) if return_sign else 0.0
    out = (d_g * sign + big_g * d_sign + big_g * sign * (da - d_lse)) * e
    if with_b:
        return unbroadcast(out * bb + big_g * sign * e * db, a)
    return unbroadcast(np.broadcast_to(out, shape), b)


def _lse_transpose(d, g, y, a, axis, b, keepdims, return_sign, with_b):
    big_g, sign, e, bb = _lse_parts(g, y, a, axis, b, keepdims, return_sign)
    d = np.broadcast_to(d, np.shape(e))
    weight = d * e * bb if with_b else d * e   # d, spread over the sum, times dY/d(G sign)

    def reduce(v):
        return np.sum(np.broadcast_to(v, np.shape(e)), axis=axis, keepdims=keepdims)

    total = weight * big_g * sign
    d_a = unbroadcast(total, a)
    d_lse = -reduce(total)
    d_g = unbroadcast(reduce(weight * sign), _item(g, 0, return_sign))
    if return_sign:
        d_g = (d_g, _zero_like(g[1]))
        d_y = (d_lse, reduce(weight * big_g))
    else:
        d_y = d_lse
    if b is None:
        d_b = None
    elif with_b:
        d_b = unbroadcast(d * e * big_g * sign, b)
    else:
        d_b = _zero_like(b)  # (b gives the shape only)
    return d_g, d_y, d_a, d_b


def logsumexp_adjoint_a_tangent(dg, dy, da, db, g, y, a, axis=None, b=None, keepdims=False,
                                return_sign=False):
    """The tangent of logsumexp_adjoint_a(g, y, a, axis, b, ...) along (dg, dy, da, db)."""
    return _lse_tangent(dg, dy, da, db, g, y, a, axis, b, keepdims, return_sign, True)


def logsumexp_adjoint_a_transpose(d, g, y, a, axis=None, b=None, keepdims=False,
                                  return_sign=False):
    """The adjoints (of g, y, a, b) in logsumexp_adjoint_a(g, y, a, axis, b, ...), given
    the adjoint `d` of its result."""
    return _lse_transpose(d, g, y, a, axis, b, keepdims, return_sign, True)


def logsumexp_adjoint_b_tangent(dg, dy, da, db, g, y, a, axis=None, b=None, keepdims=False,
                                return_sign=False):
    """The tangent of logsumexp_adjoint_b(g, y, a, axis, b, ...) along (dg, dy, da, db)
    (db gives nothing: b is read for its shape)."""
    return _lse_tangent(dg, dy, da, db, g, y, a, axis, b, keepdims, return_sign, False)


def logsumexp_adjoint_b_transpose(d, g, y, a, axis=None, b=None, keepdims=False,
                                  return_sign=False):
    """The adjoints (of g, y, a, b) in logsumexp_adjoint_b(g, y, a, axis, b, ...)."""
    return _lse_transpose(d, g, y, a, axis, b, keepdims, return_sign, False)
