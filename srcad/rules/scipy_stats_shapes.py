"""More `scipy.stats` distributions, those with shape parameters: `lognorm`,
`weibull_min` (pdf, logpdf, cdf, logcdf, sf, logsf, ppf), `invgamma` (pdf, logpdf, cdf,
logcdf, sf, logsf) and `binom` (pmf, logpmf, cdf, logcdf, sf, logsf). The
location-scale families are in scipy_stats_more.py, whose docstring gives the formulas.

As there, the rules are registered once the user's code has imported scipy.stats, and
the primals are the distributions' methods (`scipy.stats.lognorm.logpdf(x, s, loc,
scale)`).

Shape parameters: lognorm's `s`, weibull_min's `c` and invgamma's `a` are
differentiated (invgamma's distribution functions in `a` through `gammainc_da`, first
order, as gamma.cdf in scipy_stats.py); binom is differentiated in `p` only (`k`, `n`,
`loc` move the mass in whole steps). Outside a distribution's support the derivatives
are 0 (the functions are constant there).
"""

from typing import Any

import numpy as np

from srcad.rules.registry import Example, Rand, derivative, register_when_imported
from srcad.rules.scipy_stats_more import _LOG_SQRT_2PI, _SQRT_2PI, _examples
from srcad.runtime.lazy_modules import scipy_special as lazy_special

sp: Any = lazy_special  # (imported on first use; SciPy is optional)

if sp is not None:
    from srcad.runtime.special import gammainc_da


def _register() -> None:
    import scipy.stats as st  # (slow to import: only once the user's code has)

    rule: dict[str, Any] = {"broadcasting": True, "kind": "elementwise"}

    # ------------------------------------------------------------------ lognorm (z > 0)
    # w = log(z) / s: log pdf = -log(s z sqrt(2 pi)) - w^2 / 2 - log(scale), cdf = ndtr(w)
    lognorm = _examples((0.5, 2.0), x=(0.4, 3.0))

    @derivative(st.lognorm.logpdf, examples=lognorm, **rule)
    def _(y, x, s, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        w = np.log(zs) / s
        slope = np.where(inside, -(1.0 + w / s) / zs, 0.0)
        return (slope / scale, np.where(inside, (w * w - 1.0) / s, 0.0), -slope / scale,
                np.where(inside, w / s, 0.0) / scale)

    @derivative(st.lognorm.pdf, examples=lognorm, **rule)
    def _(y, x, s, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        w = np.log(zs) / s
        slope = np.where(inside, -(1.0 + w / s) / zs, 0.0)
        return (slope / scale * y, (w * w - 1.0) / s * y, -slope / scale * y,
                w / s / scale * y)

    @derivative(st.lognorm.cdf, examples=lognorm, **rule)
    def _(y, x, s, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        w = np.log(zs) / s
        density = np.where(inside, np.exp(-0.5 * w * w - _LOG_SQRT_2PI), 0.0)  # phi(w)
        p = density / (s * zs * scale)
        return p, -density * w / s, -p, -density / (s * scale)

    @derivative(st.lognorm.sf, examples=lognorm, **rule)
    def _(y, x, s, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        w = np.log(zs) / s
        density = np.where(inside, np.exp(-0.5 * w * w - _LOG_SQRT_2PI), 0.0)
        p = density / (s * zs * scale)
        return -p, density * w / s, p, density / (s * scale)

    @derivative(st.lognorm.logcdf, examples=lognorm, **rule)
    def _(y, x, s, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        w = np.log(zs) / s
        ratio = np.where(inside, np.exp(-0.5 * w * w - _LOG_SQRT_2PI -
                                        np.where(inside, y, 0.0)), 0.0)  # phi(w) / cdf
        p = ratio / (s * zs * scale)
        return p, -ratio * w / s, -p, -ratio / (s * scale)

    @derivative(st.lognorm.logsf, examples=lognorm, **rule)
    def _(y, x, s, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        w = np.log(zs) / s
        ratio = np.where(inside, np.exp(-0.5 * w * w - _LOG_SQRT_2PI - y), 0.0)
        p = ratio / (s * zs * scale)
        return -p, ratio * w / s, p, ratio / (s * scale)

    # ppf = loc + scale exp(s u), u = ndtri(q)
    @derivative(st.lognorm.ppf, examples=_examples((0.5, 2.0), x=(0.1, 0.9)), **rule)
    def _(y, q, s, loc=0.0, scale=1.0):
        z = (y - loc) / scale
        u = np.log(z) / s
        return (scale * z * s * _SQRT_2PI * np.exp(0.5 * u * u), scale * z * u,
                np.ones(np.shape(y)), z)

    # ------------------------------------------------------------------ weibull_min (z > 0)
    # log pdf = log c + (c - 1) log z - z^c - log(scale), sf = exp(-z^c)
    weibull = _examples((0.8, 3.0), x=(0.4, 3.0))

    @derivative(st.weibull_min.logpdf, examples=weibull, **rule)
    def _(y, x, c, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        zc = zs ** c
        slope = np.where(inside, ((c - 1.0) - c * zc) / zs, 0.0)
        return (slope / scale,
                np.where(inside, 1.0 / c + np.log(zs) * (1.0 - zc), 0.0), -slope / scale,
                np.where(inside, -c * (1.0 - zc), 0.0) / scale)

    @derivative(st.weibull_min.pdf, examples=weibull, **rule)
    def _(y, x, c, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        zc = zs ** c
        slope = np.where(inside, ((c - 1.0) - c * zc) / zs, 0.0)
        return (slope / scale * y, (1.0 / c + np.log(zs) * (1.0 - zc)) * y, -slope / scale * y,
                -c * (1.0 - zc) / scale * y)

    @derivative(st.weibull_min.cdf, examples=weibull, **rule)
    def _(y, x, c, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        zc = zs ** c
        tail = np.where(inside, np.exp(-zc), 0.0)  # sf inside, 0 outside
        p = c * zc / zs * tail / scale
        return p, tail * zc * np.log(zs), -p, -z * p

    @derivative(st.weibull_min.sf, examples=weibull, **rule)
    def _(y, x, c, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        zc = zs ** c
        tail = np.where(inside, np.exp(-zc), 0.0)
        p = c * zc / zs * tail / scale
        return -p, -tail * zc * np.log(zs), p, z * p

    @derivative(st.weibull_min.logcdf, examples=weibull, **rule)
    def _(y, x, c, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        zc = zs ** c
        tail = np.where(inside, np.exp(-zc - np.where(inside, y, 0.0)), 0.0)  # sf / cdf
        p = c * zc / zs * tail / scale
        return p, tail * zc * np.log(zs), -p, -z * p

    @derivative(st.weibull_min.logsf, examples=weibull, **rule)
    def _(y, x, c, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        zc = np.where(inside, zs ** c, 0.0)
        return (-c * zc / zs / scale, -zc * np.log(zs), c * zc / zs / scale,
                c * zc / scale)

    # z_q = E^(1/c), E = -log(1 - q): dz/dq = z exp(E) / (c E), dz/dc = -z log(E) / c^2
    @derivative(st.weibull_min.ppf, examples=_examples((0.8, 3.0), x=(0.1, 0.9)), **rule)
    def _(y, q, c, loc=0.0, scale=1.0):
        z = (y - loc) / scale
        e = -np.log1p(-q)
        return (scale * z / (c * e * (1.0 - q)), -scale * z * np.log(e) / (c * c),
                np.ones(np.shape(y)), z)

    # ------------------------------------------------------------------ invgamma (z > 0)
    # log pdf = -(a + 1) log z - 1 / z - gammaln(a) - log(scale); cdf = gammaincc(a, 1/z)
    invgamma = _examples((1.5, 4.0), x=(0.4, 3.0))

    @derivative(st.invgamma.logpdf, examples=invgamma, **rule)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        slope = np.where(inside, (1.0 / zs - (a + 1.0)) / zs, 0.0)
        return (slope / scale, np.where(inside, -np.log(zs) - sp.digamma(a), 0.0),
                -slope / scale, np.where(inside, a - 1.0 / zs, 0.0) / scale)

    @derivative(st.invgamma.pdf, examples=invgamma, **rule)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        slope = np.where(inside, (1.0 / zs - (a + 1.0)) / zs, 0.0)
        return (slope / scale * y, (-np.log(zs) - sp.digamma(a)) * y, -slope / scale * y,
                (a - 1.0 / zs) / scale * y)

    @derivative(st.invgamma.cdf, examples=invgamma, **rule)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        p = np.where(inside, np.exp(-(a + 1.0) * np.log(zs) - 1.0 / zs - sp.gammaln(a)),
                     0.0) / scale
        return p, -np.where(inside, gammainc_da(a, 1.0 / zs), 0.0), -p, -z * p

    @derivative(st.invgamma.sf, examples=invgamma, **rule)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        p = np.where(inside, np.exp(-(a + 1.0) * np.log(zs) - 1.0 / zs - sp.gammaln(a)),
                     0.0) / scale
        return -p, np.where(inside, gammainc_da(a, 1.0 / zs), 0.0), p, z * p

    @derivative(st.invgamma.logcdf, examples=invgamma, **rule)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        c = np.exp(np.where(inside, y, 0.0))
        p = np.where(inside, np.exp(-(a + 1.0) * np.log(zs) - 1.0 / zs - sp.gammaln(a)),
                     0.0) / scale
        return p / c, -np.where(inside, gammainc_da(a, 1.0 / zs), 0.0) / c, -p / c, -z * p / c

    @derivative(st.invgamma.logsf, examples=invgamma, **rule)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        c = np.exp(y)
        p = np.where(inside, np.exp(-(a + 1.0) * np.log(zs) - 1.0 / zs - sp.gammaln(a)),
                     0.0) / scale
        return -p / c, np.where(inside, gammainc_da(a, 1.0 / zs), 0.0) / c, p / c, z * p / c

    # ------------------------------------------------------------------ binom (in p)
    # log pmf = log C(n, j) + j log p + (n - j) log(1 - p), j = k - loc;
    # d cdf(m) / dp = -n pmf(m; n - 1, p) for 0 <= m < n (m = floor(j)), else 0
    k = np.array([0, 1, 3, 5])  # (ints: the sweep does not move them across their jumps)
    binom_examples = [
        Example((k, 6, Rand((4,), 0.2, 0.8))), Example((k.reshape(2, 2), np.array([5, 7]),
                                                        Rand((2, 1), 0.2, 0.8))),
        Example((2, 4, Rand((), 0.2, 0.8))), Example((k + 1, 7, Rand((4,), 0.2, 0.8), 1)),
        Example((np.array([1.5, -1.0, 4.5, 9.0]), 6, Rand((), 0.2, 0.8)))]
    # (the logs are -inf off the support, where finite differences are NaN)
    binom_log_examples = binom_examples[:4]
    binom_rule: dict[str, Any] = {"wrt": ("p",), "nondiff_params": ("k", "n", "loc"), **rule}

    @derivative(st.binom.logpmf, examples=binom_log_examples, **binom_rule)
    def _(y, k, n, p, loc=0):
        j = k - loc
        return np.where(np.isfinite(y), j / p - (n - j) / (1.0 - p), 0.0)

    @derivative(st.binom.pmf, examples=binom_examples, **binom_rule)
    def _(y, k, n, p, loc=0):
        j = k - loc
        return (j / p - (n - j) / (1.0 - p)) * y

    @derivative(st.binom.cdf, examples=binom_examples, **binom_rule)
    def _(y, k, n, p, loc=0):
        m = np.floor(k - loc)
        within = (m >= 0) & (m < n)
        ms = np.where(within, m, 0.0)
        log_last = sp.gammaln(n + 0.0) - sp.gammaln(ms + 1.0) - sp.gammaln(n - ms) + \
            sp.xlogy(ms, p) + sp.xlog1py(n - 1.0 - ms, -p)
        return -n * np.where(within, np.exp(log_last), 0.0)

    @derivative(st.binom.sf, examples=binom_examples, **binom_rule)
    def _(y, k, n, p, loc=0):
        m = np.floor(k - loc)
        within = (m >= 0) & (m < n)
        ms = np.where(within, m, 0.0)
        log_last = sp.gammaln(n + 0.0) - sp.gammaln(ms + 1.0) - sp.gammaln(n - ms) + \
            sp.xlogy(ms, p) + sp.xlog1py(n - 1.0 - ms, -p)
        return n * np.where(within, np.exp(log_last), 0.0)

    @derivative(st.binom.logcdf, examples=binom_log_examples, **binom_rule)
    def _(y, k, n, p, loc=0):
        m = np.floor(k - loc)
        within = (m >= 0) & (m < n)
        ms = np.where(within, m, 0.0)
        log_last = sp.gammaln(n + 0.0) - sp.gammaln(ms + 1.0) - sp.gammaln(n - ms) + \
            sp.xlogy(ms, p) + sp.xlog1py(n - 1.0 - ms, -p)
        return -n * np.where(within, np.exp(log_last - np.where(within, y, 0.0)), 0.0)

    @derivative(st.binom.logsf, examples=binom_log_examples, **binom_rule)
    def _(y, k, n, p, loc=0):
        m = np.floor(k - loc)
        within = (m >= 0) & (m < n)
        ms = np.where(within, m, 0.0)
        log_last = sp.gammaln(n + 0.0) - sp.gammaln(ms + 1.0) - sp.gammaln(n - ms) + \
            sp.xlogy(ms, p) + sp.xlog1py(n - 1.0 - ms, -p)
        return n * np.where(within, np.exp(log_last - np.where(within, y, 0.0)), 0.0)


if sp is not None:
    register_when_imported("scipy.stats", _register)
