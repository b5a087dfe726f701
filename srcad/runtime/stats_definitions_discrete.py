"""Plain-NumPy definitions of `scipy.stats` discrete distributions and sample
statistics: `bernoulli` (pmf, logpmf, cdf), `betabinom`, `geom`, `nbinom` (pmf,
logpmf), `multinomial` (pmf, logpmf), `sem` and `mode`.

As in srcad/runtime/stats_definitions.py (whose assembly helpers these use), srcad
differentiates them from source, and srcad/rules/scipy_stats_defs.py registers them once
the user's code has imported scipy.stats. The distributions follow `rv_discrete`: the
mass function is SciPy's formula (over gammaln, betaln, xlogy, xlog1py) at the integer
points of the support, clipped to [0, 1] for the pmf and cdf, 0 (-inf for the log)
elsewhere, nan where the parameters are invalid or the point is nan. They are
differentiated in their continuous parameters (p, a, b, nbinom's n); the point `k`,
`loc` and betabinom's `n` move the mass in whole steps: their derivative is 0 (as for
srcad's rules of poisson and binom). Where a formula would be infinite outside the
support, it is evaluated at a point inside.
"""

from __future__ import annotations

import warnings
from collections import namedtuple
from typing import Any

import numpy as np

from srcad.errors import UnsupportedSyntaxError
from srcad.runtime import stop_gradient
from srcad.runtime.definitions import refuse_option
from srcad.runtime.lazy_modules import scipy_special as sp
from srcad.runtime.marks import check_only, differentiated_from_source
from srcad.runtime.stats_definitions import _place

ModeResult: Any = namedtuple("ModeResult", ("mode", "count"))  # (SciPy's type, once known)
"""scipy.stats.mode's result: replaced by SciPy's own class (the type of its results) when
the definitions are registered."""


@differentiated_from_source
def _clip01(value):
    """np.clip(value, 0, 1) (SciPy's guard against rounding), with the derivative of
    `value` itself at 0 and 1 (a pmf of 1, at the end of a parameter's range)."""
    return np.where(value > 1.0, 1.0, np.where(value < 0.0, 0.0, value))[()]


# ----------------------------------------------------------------------- bernoulli
@differentiated_from_source
def bernoulli_logpmf(k, p, loc=0):
    """scipy.stats.bernoulli.logpmf: xlogy(k, p) + xlog1py(1 - k, -p), k in {0, 1}."""
    valid = (p >= 0) & (p <= 1)
    k = stop_gradient(k - loc)
    inside = (k >= 0) & (k <= 1) & (np.floor(k) == k)
    ks = np.where(inside, k, 0.0)
    value = sp.xlogy(ks, p) + sp.xlog1py(1.0 - ks, -p)
    return _place(valid, k, valid & inside, value, -np.inf)


@differentiated_from_source
def bernoulli_pmf(k, p, loc=0):
    """scipy.stats.bernoulli.pmf: p at k = 1, 1 - p at k = 0."""
    valid = (p >= 0) & (p <= 1)
    k = stop_gradient(k - loc)
    inside = (k >= 0) & (k <= 1) & (np.floor(k) == k)
    value = _clip01(np.where(k == 1, p, 1.0 - p))
    return _place(valid, k, valid & inside, value, 0.0)


@differentiated_from_source
def bernoulli_cdf(k, p, loc=0):
    """scipy.stats.bernoulli.cdf: 0 below 0, 1 - p on [0, 1), 1 from 1 on."""
    valid = (p >= 0) & (p <= 1)
    k = stop_gradient(k - loc)
    value = _clip01(1.0 - p)
    return _place(valid, k, valid & (k >= 0) & (k < 1), value, np.where(k >= 1, 1.0, 0.0))


# ----------------------------------------------------------------------- betabinom
@differentiated_from_source
def betabinom_logpmf(k, n, a, b, loc=0):
    """scipy.stats.betabinom.logpmf: -log(n + 1) - betaln(n - k + 1, k + 1)
    + betaln(k + a, n - k + b) - betaln(a, b), k = 0, ..., n."""
    valid = (n >= 0) & (n == np.round(n)) & (a > 0) & (b > 0)
    k = stop_gradient(k - loc)
    inside = (k >= 0) & (k <= n) & (np.floor(k) == k)
    inside = valid & inside
    ks = np.where(inside, k, 0.0)
    ns = np.where(valid, stop_gradient(n), 0.0)
    a = np.where(valid, a, 1.0)
    b = np.where(valid, b, 1.0)
    value = -np.log(ns + 1.0) - sp.betaln(ns - ks + 1.0, ks + 1.0) + \
        sp.betaln(ks + a, ns - ks + b) - sp.betaln(a, b)
    return _place(valid, k, inside, value, -np.inf)


@differentiated_from_source
def betabinom_pmf(k, n, a, b, loc=0):
    """scipy.stats.betabinom.pmf: exp(logpmf), clipped to [0, 1]."""
    return _clip01(np.exp(betabinom_logpmf(k, n, a, b, loc)))


# ----------------------------------------------------------------------- geom
@differentiated_from_source
def geom_logpmf(k, p, loc=0):
    """scipy.stats.geom.logpmf: xlog1py(k - 1, -p) + log(p), k = 1, 2, ..."""
    valid, k, inside, ks, ps = _geom_support(k, p, loc)
    return _place(valid, k, inside, sp.xlog1py(ks - 1.0, -ps) + np.log(ps), -np.inf)


@differentiated_from_source
def geom_pmf(k, p, loc=0):
    """scipy.stats.geom.pmf: (1 - p)^(k - 1) p, k = 1, 2, ..."""
    valid, k, inside, ks, ps = _geom_support(k, p, loc)
    value = _clip01(np.power(1.0 - ps, ks - 1.0) * ps)
    return _place(valid, k, inside, value, 0.0)


@differentiated_from_source
def _geom_support(k, p, loc):
    """Where geom's parameters are valid and k is in the support, with safe stand-ins
    (ks, ps) elsewhere so that the formulas' derivatives stay finite."""
    valid = (p <= 1) & (p > 0)
    k = stop_gradient(k - loc)
    inside = valid & (k >= 1) & (k <= np.inf) & (np.floor(k) == k)
    return valid, k, inside, np.where(inside, k, 1.0), np.where(valid, p, 0.5)


# ----------------------------------------------------------------------- nbinom
@differentiated_from_source
def nbinom_logpmf(k, n, p, loc=0):
    """scipy.stats.nbinom.logpmf: gammaln(n + k) - gammaln(k + 1) - gammaln(n)
    + n log(p) + xlog1py(k, -p), k = 0, 1, ..."""
    valid = (n > 0) & (p > 0) & (p <= 1)
    k = stop_gradient(k - loc)
    inside = (k >= 0) & (k <= np.inf) & (np.floor(k) == k)
    inside = valid & inside
    ks = np.where(inside, k, 0.0)
    ns = np.where(valid, n, 1.0)
    ps = np.where(valid, p, 0.5)
    value = sp.gammaln(ns + ks) - sp.gammaln(ks + 1.0) - sp.gammaln(ns) + \
        ns * np.log(ps) + sp.xlog1py(ks, -ps)
    return _place(valid, k, inside, value, -np.inf)


@differentiated_from_source
def nbinom_pmf(k, n, p, loc=0):
    """scipy.stats.nbinom.pmf: exp(logpmf), clipped to [0, 1] (SciPy computes it with
    Boost's formula: the values agree to rounding)."""
    return _clip01(np.exp(nbinom_logpmf(k, n, p, loc)))


# ----------------------------------------------------------------------- multinomial
@check_only
def _check_multinomial(x, n, p, adjusted) -> None:
    """SciPy's conditions on the counts, and its warning for p not summing to 1."""
    if np.ndim(x) == 0:
        raise ValueError("x must be an array.")
    if np.size(x) != 0 and np.shape(x)[-1] != np.shape(p)[-1]:
        raise ValueError(f"Size of each quantile should be size of p: received "
                         f"{np.shape(x)[-1]}, but expected {np.shape(p)[-1]}.")
    if np.any(adjusted):
        warnings.warn("Some rows of `p` do not sum to 1.0 within tolerance; the last "
                      "element of these rows is adjusted to compensate (as SciPy does).",
                      FutureWarning, stacklevel=3)


@differentiated_from_source
def multinomial_logpmf(x, n, p):
    """scipy.stats.multinomial.logpmf: gammaln(n + 1) + sum(xlogy(x, p) - gammaln(x + 1))
    over the last axis; -inf where the counts are not integers >= 0 summing to n, nan for
    n < 0 or p outside [0, 1]. As SciPy, where p's rows do not sum to 1 (to 10 eps) the
    last entry is replaced by 1 - sum(the others)."""
    p = np.asarray(p) * 1.0
    head = p[..., :-1]
    adjusted = np.abs(1.0 - np.sum(p, axis=-1)) > 10.0 * np.finfo(np.float64).eps
    last = np.where(adjusted, 1.0 - np.sum(head, axis=-1), p[..., -1])
    p = np.concatenate((head, last[..., None]), axis=-1)
    n = np.asarray(n).astype(int)
    counts = np.asarray(x).astype(int)
    _check_multinomial(x, n, p, adjusted)
    bad = (n < 0) | np.any(p < 0, axis=-1) | np.any(p > 1, axis=-1)
    outside = np.any(counts != x, axis=-1) | np.any(counts < 0, axis=-1) | \
        (np.sum(counts, axis=-1) != n)
    value = sp.gammaln(n + 1.0) + np.sum(sp.xlogy(counts, p) - sp.gammaln(counts + 1.0),
                                         axis=-1)
    return np.where(bad, np.nan, np.where(outside, -np.inf, value))


@differentiated_from_source
def multinomial_pmf(x, n, p):
    """scipy.stats.multinomial.pmf: exp(logpmf)."""
    return np.exp(multinomial_logpmf(x, n, p))


# ----------------------------------------------------------------------- sem, mode
@check_only
def _check_nan_policy(function: str, a, nan_policy) -> None:
    if nan_policy == "omit":
        refuse_option(function, "nan_policy='omit'")
    if nan_policy not in ("propagate", "raise"):
        raise ValueError("nan_policy must be one of {'propagate', 'raise', 'omit'}")
    if nan_policy == "raise" and np.any(np.isnan(a)):
        raise ValueError("The input contains nan values")


@differentiated_from_source
def sem(a, axis=0, ddof=1, nan_policy="propagate", keepdims=False):
    """scipy.stats.sem: std(a, ddof) / sqrt(n) along `axis` (all of `a` for None)."""
    _check_nan_policy("scipy.stats.sem", a, nan_policy)
    a = np.asarray(a)
    if axis is None:
        n = a.size
        s = np.std(a, axis=None, ddof=ddof, keepdims=keepdims)
    else:
        n = a.shape[axis]
        s = np.std(a, axis=axis, ddof=ddof, keepdims=keepdims)
    return s / n ** 0.5


@check_only
def _check_mode(a) -> None:
    if np.size(a) == 0:
        raise UnsupportedSyntaxError("srcad differentiates scipy.stats.mode of non-empty "
                                     "arrays only", hint="leave out empty slices")


@differentiated_from_source
def mode(a, axis=0, nan_policy="propagate", keepdims=False):
    """scipy.stats.mode: the most frequent value along `axis` (the smallest of the most
    frequent; nans counted together) and its count. The mode is one of the entries: its
    derivative is the derivative of that entry (of the sorted values)."""
    _check_nan_policy("scipy.stats.mode", a, nan_policy)
    _check_mode(a)
    a = np.asarray(a)
    ndim = a.ndim
    if axis is None:
        a = np.reshape(a, (-1,))
        last = 0
    else:
        a = np.atleast_1d(a)
        last = axis % a.ndim
        a = np.moveaxis(a, last, -1)
    y = np.sort(a, axis=-1)
    # runs of equal values: their starts, and every entry's run length
    starts = np.concatenate((np.ones(y.shape[:-1] + (1,), dtype=bool),
                             (y[..., :-1] != y[..., 1:]) & ~np.isnan(y[..., :-1])), axis=-1)
    indices = np.arange(y.size)[np.reshape(starts, (-1,))]
    lengths = np.diff(indices, append=y.size)
    counts = np.reshape(np.repeat(lengths, lengths), y.shape)
    best = np.argmax(counts, axis=-1)[..., None]
    modes = np.take_along_axis(y, best, axis=-1)[..., 0]
    count = np.take_along_axis(counts, best, axis=-1)[..., 0]
    if keepdims:
        if axis is None:
            modes = np.reshape(modes, (1,) * ndim)
            count = np.reshape(count, (1,) * ndim)
        else:
            modes = np.expand_dims(modes, last)
            count = np.expand_dims(count, last)
    return ModeResult(modes[()], count[()])


def discrete_definitions(st) -> dict:
    """scipy.stats function or method -> its definition here (`st` is scipy.stats)."""
    global ModeResult
    ModeResult = type(st.mode(np.zeros(1)))  # type: ignore[misc]
    return {st.bernoulli.logpmf: bernoulli_logpmf, st.bernoulli.pmf: bernoulli_pmf,
            st.bernoulli.cdf: bernoulli_cdf, st.betabinom.logpmf: betabinom_logpmf,
            st.betabinom.pmf: betabinom_pmf, st.geom.logpmf: geom_logpmf,
            st.geom.pmf: geom_pmf, st.nbinom.logpmf: nbinom_logpmf,
            st.nbinom.pmf: nbinom_pmf, st.multinomial.logpmf: multinomial_logpmf,
            st.multinomial.pmf: multinomial_pmf, st.sem: sem, st.mode: mode}
