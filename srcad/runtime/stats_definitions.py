"""Plain-NumPy definitions of `scipy.stats` continuous-distribution methods: `gumbel_r`
and `gumbel_l` (logpdf, pdf, cdf, logcdf, sf, logsf, ppf), `pareto` (the same),
`truncnorm` (logpdf, pdf, cdf, logcdf, sf, logsf), `vonmises` and `wrapcauchy` (logpdf,
pdf), `gennorm` (logpdf, pdf, cdf), `logistic.isf` and `chi2` (logcdf, sf, logsf).

srcad differentiates them from source, at any order (srcad/runtime/definitions.py); they
are registered by srcad/rules/scipy_stats_defs.py once the user's code has imported
scipy.stats, and this module is imported only then.

Each method is SciPy's: the standardized point ``z = (x - loc) / scale`` goes through
the standard distribution's formula (over scipy.special functions with derivative
rules), ``logpdf = logpdf0(z) - log(scale)``, ``pdf = pdf0(z) / scale``, ``cdf =
cdf0(z)``, ``ppf = loc + scale * ppf0(q)``, and the result is assembled as
`rv_continuous` does: nan where the parameters are invalid (or the point is nan), the
formula inside the support (closed for densities, open for distribution functions),
and the constant values outside it (-inf / 0 / 1). Where a formula would be infinite or
nan outside the support, it is evaluated at a point inside instead (its value is not
used there; this keeps the derivatives finite, the "double where"). Where SciPy switches
formulas (the generic logcdf / logsf at the median, truncnorm's at log cdf > -0.1, its
log mass by the interval's side of 0), so do these.

Derivatives are taken in the point, loc, scale and the shape parameters, at any order,
except for chi2's distribution functions and gennorm.cdf in their shape parameter: they
need gammainc's derivative in its shape, which srcad has to first order only (a second
derivative there is refused).
"""

from __future__ import annotations

import numpy as np

from srcad.runtime import stop_gradient
from srcad.runtime.lazy_modules import scipy_special as sp
from srcad.runtime.marks import differentiated_from_source

_LOG_2PI = float(np.log(2.0 * np.pi))
_LOG_SQRT_2PI = 0.5 * _LOG_2PI
_TWO_PI = 2.0 * np.pi
# the medians (SciPy's ppf(0.5)), where SciPy's logcdf / logsf change formulas
_GUMBEL_R_MEDIAN = float(-np.log(-np.log(0.5)))
_GUMBEL_L_MEDIAN = float(np.log(-np.log1p(-0.5)))


# ----------------------------------------------------------------------- assembly
# (Masks are computed in each method, not returned by helpers: srcad reads a helper's
# results as derivable whenever its arguments are, and a mask must not be.)
@differentiated_from_source
def _standardized(x, loc, scale, valid):
    """z = (x - loc) / scale in float64 (as SciPy), and the scale, both with scale 1 where
    the parameters are invalid (the result is nan there: no derivative of a division by
    scale <= 0)."""
    s = np.where(valid, scale, 1.0)
    return (np.asarray(x, dtype=np.float64) - loc) / s, s


@differentiated_from_source
def _place(valid, z, inside, value, outside):
    """SciPy's output: `value` where `inside`, `outside` elsewhere, nan where the
    parameters are invalid or z is nan (a NumPy scalar for a 0-d result, as SciPy)."""
    bad = np.logical_not(valid) | np.isnan(z)
    return np.where(bad, np.nan, np.where(inside, value, outside))[()]


@differentiated_from_source
def _quantile(q, valid, value, at_zero, at_one):
    """SciPy's output of ppf / isf: `value` for 0 < q < 1, the support's ends at q = 0
    and q = 1, nan elsewhere or where the parameters are invalid."""
    inner = valid & (q > 0) & (q < 1)
    ends = np.where(valid & (q == 0), at_zero, np.where(valid & (q == 1), at_one, np.nan))
    return np.where(inner, value, ends)[()]


@differentiated_from_source
def _inner_q(q):
    """q where 0 < q < 1, else 0.5 (the double where of quantile functions)."""
    return np.where((q > 0) & (q < 1), q, 0.5)


# ----------------------------------------------------------------------- gumbel_r, gumbel_l
@differentiated_from_source
def _whole_line(x, loc, scale):
    """z, z where finite (else 0) and the scale (1 where invalid)."""
    z, s = _standardized(x, loc, scale, scale > 0)
    return z, np.where(np.isfinite(z), z, 0.0), s


@differentiated_from_source
def gumbel_r_logpdf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_r.logpdf: -z - exp(-z) - log(scale)."""
    z, _, s = _whole_line(x, loc, scale)
    return _place(scale > 0, z, True, -z - np.exp(-z) - np.log(s), -np.inf)


@differentiated_from_source
def gumbel_r_pdf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_r.pdf: exp(-z - exp(-z)) / scale."""
    z, _, s = _whole_line(x, loc, scale)
    return _place(scale > 0, z, True, np.exp(-z - np.exp(-z)) / s, 0.0)


@differentiated_from_source
def gumbel_r_cdf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_r.cdf: exp(-exp(-z))."""
    z, zs, _ = _whole_line(x, loc, scale)
    return _place(scale > 0, z, np.isfinite(z), np.exp(-np.exp(-zs)),
                  np.where(z >= np.inf, 1.0, 0.0))


@differentiated_from_source
def gumbel_r_logcdf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_r.logcdf: -exp(-z)."""
    z, zs, _ = _whole_line(x, loc, scale)
    return _place(scale > 0, z, np.isfinite(z), -np.exp(-zs),
                  np.where(z >= np.inf, 0.0, -np.inf))


@differentiated_from_source
def gumbel_r_sf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_r.sf: -expm1(-exp(-z))."""
    z, zs, _ = _whole_line(x, loc, scale)
    return _place(scale > 0, z, np.isfinite(z), -np.expm1(-np.exp(-zs)),
                  np.where(z <= -np.inf, 1.0, 0.0))


@differentiated_from_source
def gumbel_r_logsf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_r.logsf: log(sf) above the median, log1p(-cdf) below."""
    z, zs, _ = _whole_line(x, loc, scale)
    upper = zs > _GUMBEL_R_MEDIAN
    above = np.where(upper, zs, _GUMBEL_R_MEDIAN)
    below = np.where(upper, _GUMBEL_R_MEDIAN, zs)
    value = np.where(upper, np.log(-np.expm1(-np.exp(-above))),
                     np.log1p(-np.exp(-np.exp(-below))))
    return _place(scale > 0, z, np.isfinite(z), value, np.where(z <= -np.inf, 0.0, -np.inf))


@differentiated_from_source
def gumbel_r_ppf(q, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_r.ppf: loc - scale log(-log q)."""
    qs = _inner_q(q)
    return _quantile(q, (scale > 0) & (loc == loc), loc - scale * np.log(-np.log(qs)),
                     -np.inf, np.inf)


@differentiated_from_source
def gumbel_l_logpdf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_l.logpdf: z - exp(z) - log(scale)."""
    z, _, s = _whole_line(x, loc, scale)
    return _place(scale > 0, z, True, z - np.exp(z) - np.log(s), -np.inf)


@differentiated_from_source
def gumbel_l_pdf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_l.pdf: exp(z - exp(z)) / scale."""
    z, _, s = _whole_line(x, loc, scale)
    return _place(scale > 0, z, True, np.exp(z - np.exp(z)) / s, 0.0)


@differentiated_from_source
def gumbel_l_cdf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_l.cdf: -expm1(-exp(z))."""
    z, zs, _ = _whole_line(x, loc, scale)
    return _place(scale > 0, z, np.isfinite(z), -np.expm1(-np.exp(zs)),
                  np.where(z >= np.inf, 1.0, 0.0))


@differentiated_from_source
def gumbel_l_logcdf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_l.logcdf: log(cdf) below the median, log1p(-sf) above."""
    z, zs, _ = _whole_line(x, loc, scale)
    lower = zs < _GUMBEL_L_MEDIAN
    below = np.where(lower, zs, _GUMBEL_L_MEDIAN)
    above = np.where(lower, _GUMBEL_L_MEDIAN, zs)
    value = np.where(lower, np.log(-np.expm1(-np.exp(below))),
                     np.log1p(-np.exp(-np.exp(above))))
    return _place(scale > 0, z, np.isfinite(z), value, np.where(z >= np.inf, 0.0, -np.inf))


@differentiated_from_source
def gumbel_l_sf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_l.sf: exp(-exp(z))."""
    z, zs, _ = _whole_line(x, loc, scale)
    return _place(scale > 0, z, np.isfinite(z), np.exp(-np.exp(zs)),
                  np.where(z <= -np.inf, 1.0, 0.0))


@differentiated_from_source
def gumbel_l_logsf(x, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_l.logsf: -exp(z)."""
    z, zs, _ = _whole_line(x, loc, scale)
    return _place(scale > 0, z, np.isfinite(z), -np.exp(zs),
                  np.where(z <= -np.inf, 0.0, -np.inf))


@differentiated_from_source
def gumbel_l_ppf(q, loc=0.0, scale=1.0):
    """scipy.stats.gumbel_l.ppf: loc + scale log(-log1p(-q))."""
    qs = _inner_q(q)
    return _quantile(q, (scale > 0) & (loc == loc), loc + scale * np.log(-np.log1p(-qs)),
                     -np.inf, np.inf)


# ----------------------------------------------------------------------- pareto
@differentiated_from_source
def _pareto(x, b, loc, scale):
    """z, z where z >= 1 (else 2), b and the scale (1 where invalid)."""
    valid = (b > 0) & (scale > 0)
    z, s = _standardized(x, loc, scale, valid)
    return z, np.where(valid & (z >= 1.0), z, 2.0), np.where(valid, b, 1.0), s


@differentiated_from_source
def pareto_logpdf(x, b, loc=0.0, scale=1.0):
    """scipy.stats.pareto.logpdf: log(b) - (b + 1) log(z) - log(scale), z >= 1."""
    z, zs, bs, s = _pareto(x, b, loc, scale)
    return _place((b > 0) & (scale > 0), z, z >= 1.0,
                  np.log(bs) - (bs + 1.0) * np.log(zs) - np.log(s), -np.inf)


@differentiated_from_source
def pareto_pdf(x, b, loc=0.0, scale=1.0):
    """scipy.stats.pareto.pdf: b z^(-b-1) / scale, z >= 1."""
    z, zs, bs, s = _pareto(x, b, loc, scale)
    return _place((b > 0) & (scale > 0), z, z >= 1.0, bs * zs ** (-bs - 1.0) / s, 0.0)


@differentiated_from_source
def pareto_cdf(x, b, loc=0.0, scale=1.0):
    """scipy.stats.pareto.cdf: 1 - z^-b."""
    z, zs, bs, _ = _pareto(x, b, loc, scale)
    return _place((b > 0) & (scale > 0), z, (z > 1.0) & (z < np.inf), 1.0 - zs ** (-bs),
                  np.where(z >= np.inf, 1.0, 0.0))


@differentiated_from_source
def pareto_logcdf(x, b, loc=0.0, scale=1.0):
    """scipy.stats.pareto.logcdf: log(1 - z^-b) below the median 2^(1/b), log1p(-z^-b)
    above."""
    z, zs, bs, _ = _pareto(x, b, loc, scale)
    median = 0.5 ** (-1.0 / bs)
    lower = zs < median
    sf_below = np.where(lower, zs, median) ** (-bs)
    value = np.where(lower, np.log(1.0 - sf_below), np.log1p(-np.where(lower, median, zs) ** (-bs)))
    return _place((b > 0) & (scale > 0), z, (z > 1.0) & (z < np.inf), value,
                  np.where(z >= np.inf, 0.0, -np.inf))


@differentiated_from_source
def pareto_sf(x, b, loc=0.0, scale=1.0):
    """scipy.stats.pareto.sf: z^-b."""
    z, zs, bs, _ = _pareto(x, b, loc, scale)
    return _place((b > 0) & (scale > 0), z, (z > 1.0) & (z < np.inf), zs ** (-bs),
                  np.where(z <= 1.0, 1.0, 0.0))


@differentiated_from_source
def pareto_logsf(x, b, loc=0.0, scale=1.0):
    """scipy.stats.pareto.logsf: log(z^-b) above the median, log1p(-(1 - z^-b)) below."""
    z, zs, bs, _ = _pareto(x, b, loc, scale)
    median = 0.5 ** (-1.0 / bs)
    upper = zs > median
    value = np.where(upper, np.log(np.where(upper, zs, median) ** (-bs)),
                     np.log1p(-(1.0 - np.where(upper, median, zs) ** (-bs))))
    return _place((b > 0) & (scale > 0), z, (z > 1.0) & (z < np.inf), value,
                  np.where(z <= 1.0, 0.0, -np.inf))


@differentiated_from_source
def pareto_ppf(q, b, loc=0.0, scale=1.0):
    """scipy.stats.pareto.ppf: loc + scale (1 - q)^(-1/b)."""
    valid = (b > 0) & (scale > 0) & (loc == loc)
    qs = _inner_q(q)
    bs = np.where(valid, b, 1.0)
    return _quantile(q, valid, (1.0 - qs) ** (-1.0 / bs) * scale + loc, scale + loc, np.inf)


# ----------------------------------------------------------------------- truncnorm
@differentiated_from_source
def _log_diff(larger, smaller):
    """log(exp(larger) - exp(smaller)), larger > smaller."""
    return larger + np.log(-np.expm1(smaller - larger))


@differentiated_from_source
def _log_gauss_mass(a, b):
    """log(ndtr(b) - ndtr(a)) for a < b, as SciPy computes it: in the left tail where
    b <= 0, by symmetry where a > 0, else as log1p(-ndtr(a) - ndtr(-b)). Each case is
    evaluated at its own arguments only (a finite interval of its kind elsewhere, and
    for an infinite end, log ndtr of the other end)."""
    left = b <= 0
    right = a > 0
    central = np.logical_not(left | right)
    b_left = np.where(left, b, 0.0)
    a_left = np.where(left & np.isfinite(a), a, b_left - 1.0)
    a_right = np.where(right, a, 1.0)
    b_right = np.where(right & np.isfinite(b), b, a_right + 1.0)
    value_left = np.where(np.isfinite(a), _log_diff(sp.log_ndtr(b_left), sp.log_ndtr(a_left)),
                          sp.log_ndtr(b_left))
    value_right = np.where(np.isfinite(b),
                           _log_diff(sp.log_ndtr(-a_right), sp.log_ndtr(-b_right)),
                           sp.log_ndtr(-a_right))
    value_central = np.log1p(-sp.ndtr(np.where(central, a, -1.0))
                             - sp.ndtr(-np.where(central, b, 1.0)))
    return np.where(left, value_left, np.where(right, value_right, value_central))


@differentiated_from_source
def _truncnorm(x, a, b, loc, scale):
    """z, z where a < z < b (else a point inside), a, b and the scale (-1, 1, 1 where
    invalid)."""
    valid = (a < b) & (scale > 0)
    z, s = _standardized(x, loc, scale, valid)
    a = np.where(valid, a, -1.0)
    b = np.where(valid, b, 1.0)
    finite_a = np.isfinite(a)
    finite_b = np.isfinite(b)
    point = np.where(finite_a, np.where(finite_b, 0.5 * a + 0.5 * b, a + 1.0),
                     np.where(finite_b, b - 1.0, 0.0))
    return z, np.where((z > a) & (z < b), z, point), a, b, s


@differentiated_from_source
def _truncnorm_logcdf0(z, a, b):
    """SciPy's log cdf of the standard truncated normal, for a < z < b (through the log
    sf where the cdf is near 1)."""
    mass = _log_gauss_mass(a, b)
    logcdf = _log_gauss_mass(a, z) - mass
    near = logcdf > -0.1
    logsf = np.where(near, _log_gauss_mass(z, b) - mass, -1.0)
    return np.where(near, np.log1p(-np.exp(logsf)), logcdf)


@differentiated_from_source
def _truncnorm_logsf0(z, a, b):
    """SciPy's log sf of the standard truncated normal, for a < z < b."""
    mass = _log_gauss_mass(a, b)
    logsf = _log_gauss_mass(z, b) - mass
    near = logsf > -0.1
    logcdf = np.where(near, _log_gauss_mass(a, z) - mass, -1.0)
    return np.where(near, np.log1p(-np.exp(logcdf)), logsf)


@differentiated_from_source
def truncnorm_logpdf(x, a, b, loc=0.0, scale=1.0):
    """scipy.stats.truncnorm.logpdf: -z^2 / 2 - log(sqrt(2 pi)) - log(ndtr(b) - ndtr(a))
    - log(scale), a <= z <= b."""
    z, zs, a_s, b_s, s = _truncnorm(x, a, b, loc, scale)
    zs = np.where((z >= a) & (z <= b), z, zs)  # the ends themselves
    value = -0.5 * zs * zs - _LOG_SQRT_2PI - _log_gauss_mass(a_s, b_s) - np.log(s)
    return _place((a < b) & (scale > 0), z, (z >= a) & (z <= b), value, -np.inf)


@differentiated_from_source
def truncnorm_pdf(x, a, b, loc=0.0, scale=1.0):
    """scipy.stats.truncnorm.pdf: exp of the standard log density, over the scale."""
    z, zs, a_s, b_s, s = _truncnorm(x, a, b, loc, scale)
    zs = np.where((z >= a) & (z <= b), z, zs)
    value = np.exp(-0.5 * zs * zs - _LOG_SQRT_2PI - _log_gauss_mass(a_s, b_s)) / s
    return _place((a < b) & (scale > 0), z, (z >= a) & (z <= b), value, 0.0)


@differentiated_from_source
def truncnorm_cdf(x, a, b, loc=0.0, scale=1.0):
    """scipy.stats.truncnorm.cdf: exp(logcdf)."""
    z, zs, a_s, b_s, _ = _truncnorm(x, a, b, loc, scale)
    return _place((a < b) & (scale > 0), z, (z > a) & (z < b),
                  np.exp(_truncnorm_logcdf0(zs, a_s, b_s)), np.where(z >= b, 1.0, 0.0))


@differentiated_from_source
def truncnorm_logcdf(x, a, b, loc=0.0, scale=1.0):
    """scipy.stats.truncnorm.logcdf."""
    z, zs, a_s, b_s, _ = _truncnorm(x, a, b, loc, scale)
    return _place((a < b) & (scale > 0), z, (z > a) & (z < b),
                  _truncnorm_logcdf0(zs, a_s, b_s), np.where(z >= b, 0.0, -np.inf))


@differentiated_from_source
def truncnorm_sf(x, a, b, loc=0.0, scale=1.0):
    """scipy.stats.truncnorm.sf: exp(logsf)."""
    z, zs, a_s, b_s, _ = _truncnorm(x, a, b, loc, scale)
    return _place((a < b) & (scale > 0), z, (z > a) & (z < b),
                  np.exp(_truncnorm_logsf0(zs, a_s, b_s)), np.where(z <= a, 1.0, 0.0))


@differentiated_from_source
def truncnorm_logsf(x, a, b, loc=0.0, scale=1.0):
    """scipy.stats.truncnorm.logsf."""
    z, zs, a_s, b_s, _ = _truncnorm(x, a, b, loc, scale)
    return _place((a < b) & (scale > 0), z, (z > a) & (z < b),
                  _truncnorm_logsf0(zs, a_s, b_s), np.where(z <= a, 0.0, -np.inf))


# ----------------------------------------------------------------------- vonmises
@differentiated_from_source
def _vonmises(x, kappa, loc, scale):
    """z, kappa (cos z - 1), kappa and the scale (1 where invalid)."""
    valid = (kappa >= 0) & (scale > 0)
    z, s = _standardized(x, loc, scale, valid)
    kappa = np.where(valid, kappa, 1.0)
    half = np.sin(0.5 * z)
    # kappa (cos z - 1) as kappa * cosm1(z): no cancellation near z = 0
    return z, -2.0 * kappa * half * half, kappa, s


@differentiated_from_source
def vonmises_logpdf(x, kappa, loc=0.0, scale=1.0):
    """scipy.stats.vonmises.logpdf: kappa (cos z - 1) - log(2 pi i0e(kappa)) - log(scale)
    (log I0(kappa) = log i0e(kappa) + kappa)."""
    z, exponent, k, s = _vonmises(x, kappa, loc, scale)
    value = exponent - _LOG_2PI - np.log(sp.i0e(k)) - np.log(s)
    return _place((kappa >= 0) & (scale > 0), z, True, value, -np.inf)


@differentiated_from_source
def vonmises_pdf(x, kappa, loc=0.0, scale=1.0):
    """scipy.stats.vonmises.pdf: exp(kappa (cos z - 1)) / (2 pi i0e(kappa)) / scale."""
    z, exponent, k, s = _vonmises(x, kappa, loc, scale)
    return _place((kappa >= 0) & (scale > 0), z, True,
                  np.exp(exponent) / (_TWO_PI * sp.i0e(k)) / s, 0.0)


# ----------------------------------------------------------------------- wrapcauchy
@differentiated_from_source
def _wrapcauchy(x, c, loc, scale):
    """z, the standard density at z (at pi outside [0, 2 pi]) and the scale."""
    valid = (c > 0) & (c < 1) & (scale > 0)
    z, s = _standardized(x, loc, scale, valid)
    zs = np.where((z >= 0.0) & (z <= _TWO_PI), z, np.pi)
    c = np.where(valid, c, 0.5)
    return z, (1.0 - c * c) / (_TWO_PI * (1.0 + c * c - 2.0 * c * np.cos(zs))), s


@differentiated_from_source
def wrapcauchy_logpdf(x, c, loc=0.0, scale=1.0):
    """scipy.stats.wrapcauchy.logpdf: log((1 - c^2) / (2 pi (1 + c^2 - 2 c cos z)))
    - log(scale), 0 <= z <= 2 pi."""
    z, pdf0, s = _wrapcauchy(x, c, loc, scale)
    return _place((c > 0) & (c < 1) & (scale > 0), z, (z >= 0.0) & (z <= _TWO_PI),
                  np.log(pdf0) - np.log(s), -np.inf)


@differentiated_from_source
def wrapcauchy_pdf(x, c, loc=0.0, scale=1.0):
    """scipy.stats.wrapcauchy.pdf."""
    z, pdf0, s = _wrapcauchy(x, c, loc, scale)
    return _place((c > 0) & (c < 1) & (scale > 0), z, (z >= 0.0) & (z <= _TWO_PI),
                  pdf0 / s, 0.0)


# ----------------------------------------------------------------------- gennorm
@differentiated_from_source
def _abs_power(z, beta):
    """|z|^beta, 0 at z = 0 with no log(0) in its derivative in beta."""
    nonzero = z != 0
    return np.where(nonzero, np.abs(np.where(nonzero, z, 1.0)) ** beta, 0.0)


@differentiated_from_source
def _gennorm(x, beta, loc, scale):
    """z, the standard log density at z, z where finite (else 1), beta and the scale
    (1 where invalid)."""
    valid = (beta > 0) & (scale > 0)
    z, s = _standardized(x, loc, scale, valid)
    beta = np.where(valid, beta, 1.0)
    value = np.log(0.5 * beta) - sp.gammaln(1.0 / beta) - _abs_power(z, beta)
    return z, value, np.where(np.isfinite(z), z, 1.0), beta, s


@differentiated_from_source
def gennorm_logpdf(x, beta, loc=0.0, scale=1.0):
    """scipy.stats.gennorm.logpdf: log(beta / 2) - gammaln(1 / beta) - |z|^beta
    - log(scale)."""
    z, value, _, _, s = _gennorm(x, beta, loc, scale)
    return _place((beta > 0) & (scale > 0), z, True, value - np.log(s), -np.inf)


@differentiated_from_source
def gennorm_pdf(x, beta, loc=0.0, scale=1.0):
    """scipy.stats.gennorm.pdf."""
    z, value, _, _, s = _gennorm(x, beta, loc, scale)
    return _place((beta > 0) & (scale > 0), z, True, np.exp(value) / s, 0.0)


@differentiated_from_source
def gennorm_cdf(x, beta, loc=0.0, scale=1.0):
    """scipy.stats.gennorm.cdf: 1/2 + c - c gammaincc(1 / beta, |z|^beta), c = sign(z) / 2.
    At z = 0 exactly, where sign's derivative 0 would hide it, a term that is 0 carries
    the density's value into the derivative."""
    z, value, zs, bs, _ = _gennorm(x, beta, loc, scale)
    nonzero = zs != 0
    c = 0.5 * np.sign(zs)
    cdf = (0.5 + c) - c * sp.gammaincc(1.0 / bs, np.abs(np.where(nonzero, zs, 1.0)) ** bs)
    cdf = cdf + np.where(nonzero, 0.0, (zs - stop_gradient(zs)) * np.exp(value))
    return _place((beta > 0) & (scale > 0), z, np.isfinite(z), cdf,
                  np.where(z >= np.inf, 1.0, 0.0))


# ----------------------------------------------------------------------- logistic, chi2
@differentiated_from_source
def logistic_isf(q, loc=0.0, scale=1.0):
    """scipy.stats.logistic.isf: loc - scale logit(q)."""
    qs = _inner_q(q)
    return _quantile(q, (scale > 0) & (loc == loc), loc - scale * sp.logit(qs),
                     np.inf, -np.inf)


@differentiated_from_source
def _chi2(x, df, loc, scale):
    """z, z / 2 where 0 < z < inf (else the median's half), df / 2 (1 / 2 where invalid)
    and the median's half (not differentiated: it only chooses a formula)."""
    valid = (df > 0) & (scale > 0)
    z, _ = _standardized(x, loc, scale, valid)
    half_df = 0.5 * np.where(valid, df, 1.0)
    half_median = sp.gammaincinv(stop_gradient(half_df), 0.5)
    half_z = np.where((z > 0.0) & (z < np.inf), 0.5 * z, half_median)
    return z, half_z, half_df, half_median


@differentiated_from_source
def chi2_logcdf(x, df, loc=0.0, scale=1.0):
    """scipy.stats.chi2.logcdf: log gammainc(df / 2, z / 2) below the median,
    log1p(-gammaincc(df / 2, z / 2)) above."""
    z, half_z, half_df, half_median = _chi2(x, df, loc, scale)
    lower = half_z < half_median
    value = np.where(lower, np.log(sp.gammainc(half_df, np.where(lower, half_z, half_median))),
                     np.log1p(-sp.gammaincc(half_df, np.where(lower, half_median, half_z))))
    return _place((df > 0) & (scale > 0), z, (z > 0.0) & (z < np.inf), value,
                  np.where(z >= np.inf, 0.0, -np.inf))


@differentiated_from_source
def chi2_sf(x, df, loc=0.0, scale=1.0):
    """scipy.stats.chi2.sf: gammaincc(df / 2, z / 2)."""
    z, half_z, half_df, _ = _chi2(x, df, loc, scale)
    return _place((df > 0) & (scale > 0), z, (z > 0.0) & (z < np.inf),
                  sp.gammaincc(half_df, half_z), np.where(z <= 0.0, 1.0, 0.0))


@differentiated_from_source
def chi2_logsf(x, df, loc=0.0, scale=1.0):
    """scipy.stats.chi2.logsf: log gammaincc(df / 2, z / 2) above the median,
    log1p(-gammainc(df / 2, z / 2)) below."""
    z, half_z, half_df, half_median = _chi2(x, df, loc, scale)
    upper = half_z > half_median
    value = np.where(upper, np.log(sp.gammaincc(half_df, np.where(upper, half_z, half_median))),
                     np.log1p(-sp.gammainc(half_df, np.where(upper, half_median, half_z))))
    return _place((df > 0) & (scale > 0), z, (z > 0.0) & (z < np.inf), value,
                  np.where(z <= 0.0, 0.0, -np.inf))


def continuous_definitions(st) -> dict:
    """scipy.stats method -> its definition here (`st` is scipy.stats)."""
    table = {st.logistic.isf: logistic_isf, st.chi2.logcdf: chi2_logcdf,
             st.chi2.sf: chi2_sf, st.chi2.logsf: chi2_logsf}
    methods = {"gumbel_r": ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"),
               "gumbel_l": ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"),
               "pareto": ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"),
               "truncnorm": ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"),
               "vonmises": ("logpdf", "pdf"), "wrapcauchy": ("logpdf", "pdf"),
               "gennorm": ("logpdf", "pdf", "cdf")}
    here = globals()
    for dist, names in methods.items():
        for name in names:
            table[getattr(getattr(st, dist), name)] = here[f"{dist}_{name}"]
    return table
