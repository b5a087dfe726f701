"""More `scipy.stats` distributions (srcad/rules/scipy_stats.py has norm, t, gamma, beta,
chi2, poisson, multivariate_normal and dirichlet), the location-scale families:
`cauchy`, `expon`, `laplace`, `logistic`, `uniform`, `halfnorm`, `halfcauchy` (pdf,
logpdf, cdf, logcdf, sf, logsf, ppf; `isf` for cauchy and expon) and `norm.ppf` /
`norm.isf`. Those with shape parameters (`lognorm`, `weibull_min`, `invgamma`, `binom`)
are in scipy_stats_shapes.py.

As in scipy_stats.py, the rules are registered once the user's code has imported
scipy.stats, and the primals are the distributions' methods
(`scipy.stats.cauchy.logpdf(x, loc, scale)`).

With z = (x - loc) / scale and the standard density f0 (log-slope L = f0' / f0):

* log pdf = log f0(z) - log scale: d/dx = L / scale, d/dloc = -L / scale,
  d/dscale = -(1 + z L) / scale (times the pdf for the pdf);
* cdf: d/dx = f0(z) / scale, d/dloc = -f0(z) / scale, d/dscale = -z f0(z) / scale
  (negated for the sf; divided by the cdf, as exp(log f0 - logcdf), for the logcdf);
* ppf(q) = loc + scale z_q: d/dq = scale / f0(z_q), d/dloc = 1, d/dscale = z_q (read
  through the output: z_q = (y - loc) / scale).

Outside a distribution's support the derivatives are 0 (the functions are constant
there).
"""

from typing import Any

import numpy as np

from srcad.rules.registry import Example, Rand, derivative, register_when_imported
from srcad.runtime.lazy_modules import scipy_special as lazy_special

sp: Any = lazy_special  # (imported on first use; SciPy is optional)

_LOG_PI = float(np.log(np.pi))
_LOG_2 = float(np.log(2.0))
_LOG_SQRT_2PI = float(0.5 * np.log(2.0 * np.pi))
_SQRT_2PI = float(np.sqrt(2.0 * np.pi))
_HALF_LOG_2_OVER_PI = float(0.5 * np.log(2.0 / np.pi))
_SQRT_PI_OVER_2 = float(np.sqrt(np.pi / 2.0))


def _examples(*shapes, x=(-1.5, 1.5), loc=(-0.3, 0.3), scale=(0.6, 2.0)):
    """Examples (x, *shape parameters, loc, scale), broadcast and not."""
    flat = [Rand((3,), *x), *[Rand((3,), *s) for s in shapes], Rand((3,), *loc),
            Rand((3,), *scale)]
    broadcast = [Rand((2, 3), *x), *[Rand((3,), *s) for s in shapes], Rand((2, 1), *loc),
                 Rand((), *scale)]
    plain = [Rand((3,), *x), *[Rand((), *s) for s in shapes]]
    return [Example(tuple(flat)), Example(tuple(broadcast)), Example(tuple(plain))]


def _register() -> None:
    import scipy.stats as st  # (slow to import: only once the user's code has)

    rule: dict[str, Any] = {"broadcasting": True, "kind": "elementwise"}
    quantiles = _examples(x=(0.1, 0.9))

    # ------------------------------------------------------------------ norm.ppf / isf
    @derivative(st.norm.ppf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        z = (y - loc) / scale
        return scale * _SQRT_2PI * np.exp(0.5 * z * z), np.ones(np.shape(y)), z

    @derivative(st.norm.isf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        z = (y - loc) / scale
        return -scale * _SQRT_2PI * np.exp(0.5 * z * z), np.ones(np.shape(y)), z

    # ------------------------------------------------------------------ cauchy
    # f0 = 1 / (pi (1 + z^2)), L = -2 z / (1 + z^2), z_q = tan(pi (q - 1/2))
    cauchy = _examples()

    @derivative(st.cauchy.logpdf, examples=cauchy, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        slope = -2.0 * z / (1.0 + z * z)
        return slope / scale, -slope / scale, -(1.0 + z * slope) / scale

    @derivative(st.cauchy.pdf, examples=cauchy, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        slope = -2.0 * z / (1.0 + z * z)
        return slope / scale * y, -slope / scale * y, -(1.0 + z * slope) / scale * y

    @derivative(st.cauchy.cdf, examples=cauchy, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = 1.0 / (np.pi * scale * (1.0 + z * z))
        return p, -p, -z * p

    @derivative(st.cauchy.sf, examples=cauchy, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = 1.0 / (np.pi * scale * (1.0 + z * z))
        return -p, p, z * p

    @derivative(st.cauchy.logcdf, examples=cauchy, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.exp(-_LOG_PI - np.log1p(z * z) - y) / scale
        return p, -p, -z * p

    @derivative(st.cauchy.logsf, examples=cauchy, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.exp(-_LOG_PI - np.log1p(z * z) - y) / scale
        return -p, p, z * p

    @derivative(st.cauchy.ppf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        z = (y - loc) / scale
        return np.pi * scale * (1.0 + z * z), np.ones(np.shape(y)), z

    @derivative(st.cauchy.isf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        z = (y - loc) / scale
        return -np.pi * scale * (1.0 + z * z), np.ones(np.shape(y)), z

    # ------------------------------------------------------------------ expon (z > 0)
    # f0 = exp(-z), L = -1, cdf = 1 - exp(-z), logsf = -z, z_q = -log(1 - q)
    expon = _examples(x=(0.4, 3.0))

    @derivative(st.expon.logpdf, examples=expon, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = np.where(z > 0, 1.0, 0.0)
        return -inside / scale, inside / scale, inside * (z - 1.0) / scale

    @derivative(st.expon.pdf, examples=expon, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        return -y / scale, y / scale, (z - 1.0) * y / scale

    @derivative(st.expon.cdf, examples=expon, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where(z > 0, np.exp(-np.where(z > 0, z, 0.0)), 0.0) / scale
        return p, -p, -z * p

    @derivative(st.expon.sf, examples=expon, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where(z > 0, y, 0.0) / scale
        return -p, p, z * p

    @derivative(st.expon.logcdf, examples=expon, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        p = np.where(inside, 1.0 / np.expm1(np.where(inside, z, 1.0)), 0.0) / scale
        return p, -p, -z * p

    @derivative(st.expon.logsf, examples=expon, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where(z > 0, 1.0, 0.0) / scale
        return -p, p, z * p

    @derivative(st.expon.ppf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        return scale / (1.0 - q), np.ones(np.shape(y)), (y - loc) / scale

    @derivative(st.expon.isf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        return -scale / q, np.ones(np.shape(y)), (y - loc) / scale

    # ------------------------------------------------------------------ laplace
    # f0 = exp(-|z|) / 2, L = -sign(z); 1 / f0(z_q) = 2 exp(|z_q|)
    # (x on one side of loc per example: the log density has a kink at z = 0)
    laplace = _examples(x=(0.4, 1.5)) + _examples(x=(-1.5, -0.4))[:1]

    @derivative(st.laplace.logpdf, examples=laplace, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        sign = np.sign(z)
        return -sign / scale, sign / scale, (np.abs(z) - 1.0) / scale

    @derivative(st.laplace.pdf, examples=laplace, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        sign = np.sign(z)
        return -sign / scale * y, sign / scale * y, (np.abs(z) - 1.0) / scale * y

    @derivative(st.laplace.cdf, examples=laplace, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = 0.5 * np.exp(-np.abs(z)) / scale
        return p, -p, -z * p

    @derivative(st.laplace.sf, examples=laplace, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = 0.5 * np.exp(-np.abs(z)) / scale
        return -p, p, z * p

    @derivative(st.laplace.logcdf, examples=laplace, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.exp(-np.abs(z) - _LOG_2 - y) / scale
        return p, -p, -z * p

    @derivative(st.laplace.logsf, examples=laplace, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.exp(-np.abs(z) - _LOG_2 - y) / scale
        return -p, p, z * p

    @derivative(st.laplace.ppf, examples=_examples(x=(0.1, 0.4)) + _examples(x=(0.6, 0.9))[:1],
                **rule)
    def _(y, q, loc=0.0, scale=1.0):
        z = (y - loc) / scale
        return 2.0 * scale * np.exp(np.abs(z)), np.ones(np.shape(y)), z

    # ------------------------------------------------------------------ logistic
    # f0 = expit(z) expit(-z), L = -tanh(z / 2); logcdf = log_expit(z), logsf =
    # log_expit(-z); z_q = logit(q)
    logistic = _examples()

    @derivative(st.logistic.logpdf, examples=logistic, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        slope = -np.tanh(0.5 * z)
        return slope / scale, -slope / scale, -(1.0 + z * slope) / scale

    @derivative(st.logistic.pdf, examples=logistic, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        slope = -np.tanh(0.5 * z)
        return slope / scale * y, -slope / scale * y, -(1.0 + z * slope) / scale * y

    @derivative(st.logistic.cdf, examples=logistic, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = sp.expit(z) * sp.expit(-z) / scale
        return p, -p, -z * p

    @derivative(st.logistic.sf, examples=logistic, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = sp.expit(z) * sp.expit(-z) / scale
        return -p, p, z * p

    @derivative(st.logistic.logcdf, examples=logistic, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = sp.expit(-z) / scale
        return p, -p, -z * p

    @derivative(st.logistic.logsf, examples=logistic, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = sp.expit(z) / scale
        return -p, p, z * p

    @derivative(st.logistic.ppf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        return scale / (q * (1.0 - q)), np.ones(np.shape(y)), (y - loc) / scale

    # ------------------------------------------------------------------ uniform
    # [loc, loc + scale]: pdf = 1 / scale, cdf = z inside
    uniform = _examples(x=(0.35, 0.9), scale=(1.5, 2.0))

    @derivative(st.uniform.logpdf, examples=uniform, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = np.where((z > 0) & (z < 1), 1.0, 0.0)
        return 0.0 * inside, 0.0 * inside, -inside / scale

    @derivative(st.uniform.pdf, examples=uniform, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        return 0.0 * z, 0.0 * z, -y / scale

    @derivative(st.uniform.cdf, examples=uniform, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where((z > 0) & (z < 1), 1.0, 0.0) / scale
        return p, -p, -z * p

    @derivative(st.uniform.sf, examples=uniform, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where((z > 0) & (z < 1), 1.0, 0.0) / scale
        return -p, p, z * p

    @derivative(st.uniform.logcdf, examples=uniform, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = (z > 0) & (z < 1)
        p = np.where(inside, 1.0 / np.where(inside, z, 1.0), 0.0) / scale
        return p, -p, -z * p

    @derivative(st.uniform.logsf, examples=uniform, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = (z > 0) & (z < 1)
        p = np.where(inside, 1.0 / np.where(inside, 1.0 - z, 1.0), 0.0) / scale
        return -p, p, z * p

    @derivative(st.uniform.ppf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        return scale + 0.0 * y, np.ones(np.shape(y)), q + 0.0 * y

    # ------------------------------------------------------------------ halfnorm (z > 0)
    # f0 = sqrt(2 / pi) exp(-z^2 / 2), L = -z
    half = _examples(x=(0.4, 3.0))

    @derivative(st.halfnorm.logpdf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = np.where(z > 0, 1.0, 0.0)
        return -inside * z / scale, inside * z / scale, inside * (z * z - 1.0) / scale

    @derivative(st.halfnorm.pdf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        return -z / scale * y, z / scale * y, (z * z - 1.0) / scale * y

    @derivative(st.halfnorm.cdf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where(z > 0, np.exp(_HALF_LOG_2_OVER_PI - 0.5 * z * z), 0.0) / scale
        return p, -p, -z * p

    @derivative(st.halfnorm.sf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where(z > 0, np.exp(_HALF_LOG_2_OVER_PI - 0.5 * z * z), 0.0) / scale
        return -p, p, z * p

    @derivative(st.halfnorm.logcdf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        p = np.where(inside, np.exp(_HALF_LOG_2_OVER_PI - 0.5 * z * z -
                                    np.where(inside, y, 0.0)), 0.0) / scale
        return p, -p, -z * p

    @derivative(st.halfnorm.logsf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where(z > 0, np.exp(_HALF_LOG_2_OVER_PI - 0.5 * z * z - y), 0.0) / scale
        return -p, p, z * p

    @derivative(st.halfnorm.ppf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        z = (y - loc) / scale
        return scale * _SQRT_PI_OVER_2 * np.exp(0.5 * z * z), np.ones(np.shape(y)), z

    # ------------------------------------------------------------------ halfcauchy (z > 0)
    # f0 = 2 / (pi (1 + z^2)), L = -2 z / (1 + z^2), z_q = tan(pi q / 2)

    @derivative(st.halfcauchy.logpdf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        slope = np.where(z > 0, -2.0 * z / (1.0 + z * z), 0.0)
        return slope / scale, -slope / scale, -(np.where(z > 0, 1.0, 0.0) + z * slope) / scale

    @derivative(st.halfcauchy.pdf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        slope = -2.0 * z / (1.0 + z * z)
        return slope / scale * y, -slope / scale * y, -(1.0 + z * slope) / scale * y

    @derivative(st.halfcauchy.cdf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where(z > 0, 2.0 / (np.pi * (1.0 + z * z)), 0.0) / scale
        return p, -p, -z * p

    @derivative(st.halfcauchy.sf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where(z > 0, 2.0 / (np.pi * (1.0 + z * z)), 0.0) / scale
        return -p, p, z * p

    @derivative(st.halfcauchy.logcdf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        p = np.where(inside, np.exp(_LOG_2 - _LOG_PI - np.log1p(z * z) -
                                    np.where(inside, y, 0.0)), 0.0) / scale
        return p, -p, -z * p

    @derivative(st.halfcauchy.logsf, examples=half, **rule)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.where(z > 0, np.exp(_LOG_2 - _LOG_PI - np.log1p(z * z) - y), 0.0) / scale
        return -p, p, z * p

    @derivative(st.halfcauchy.ppf, examples=quantiles, **rule)
    def _(y, q, loc=0.0, scale=1.0):
        z = (y - loc) / scale
        return 0.5 * np.pi * scale * (1.0 + z * z), np.ones(np.shape(y)), z


if sp is not None:
    register_when_imported("scipy.stats", _register)
