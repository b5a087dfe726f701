"""Rules for `scipy.stats` distributions: `norm`, `t`, `gamma`, `beta` (pdf, logpdf,
cdf, logcdf, sf, logsf), `chi2` (pdf, logpdf, cdf), `poisson` (pmf, logpmf, cdf, logcdf,
sf, logsf), `multivariate_normal` (pdf, logpdf, entropy) and `dirichlet` (pdf, logpdf).

scipy.stats takes seconds to import, so srcad never imports it: these rules are
registered once the user's code has (`registry.register_when_imported`). The primals
are the distributions' methods, `scipy.stats.norm.pdf(x, loc, scale)` and so on.

Derivatives (z = (x - loc) / scale): in x, loc, scale and the shape parameters of the
densities; for the distribution functions of `t` in x, loc and scale only (the one in
`df` has no closed form: a call that differentiates `df` is refused). Poisson's `k` and
`loc` are piecewise constant (no derivative). Outside a density's support the
derivatives are 0 (the functions are constant there). The univariate statements use
only functions with rules of their own (second derivatives), except the derivatives of
the gamma, chi2 and beta distribution functions in their shape parameters, which are
first order. The multivariate normal's helper (`mvn_logpdf_adjoint`) has rules of its own.
"""

from typing import Any

import numpy as np

from srcad.ir.kinds import NUMERIC, SCALAR, TupleKind
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    derivative,
    register_when_imported,
    tangent,
)
from srcad.runtime.lazy_modules import scipy_special as lazy_special

sp: Any = lazy_special  # (imported on first use; SciPy is optional)

if sp is not None:
    from srcad.runtime.special import betainc_dab, betainc_dx, gammainc_da
    from srcad.runtime.stats import (
        dirichlet_points,
        dirichlet_points_tangent,
        dirichlet_points_transpose,
        mvn_entropy_adjoint,
        mvn_entropy_adjoint_tangent,
        mvn_entropy_adjoint_transpose,
        mvn_entropy_tangent,
        mvn_logpdf_adjoint,
        mvn_logpdf_adjoint_tangent,
        mvn_logpdf_adjoint_transpose,
        mvn_logpdf_tangent,
    )

_SQRT_2PI = float(np.sqrt(2.0 * np.pi))
_LOG_PI = float(np.log(np.pi))

def _location_scale(*shapes, x=(-1.5, 1.5), loc=(-0.3, 0.3), scale=(0.6, 2.0)):
    """Examples (x, *shape parameters, loc, scale), broadcast and not."""
    def draw(shape, low_high):
        return Rand(shape, *low_high)
    flat = [draw((3,), x), *[draw((3,), s) for s in shapes], draw((3,), loc),
            draw((3,), scale)]
    broadcast = [draw((2, 3), x), *[draw((3,), s) for s in shapes], draw((2, 1), loc),
                 draw((), scale)]
    plain = [draw((3,), x), *[draw((), s) for s in shapes]]
    return [Example(tuple(flat)), Example(tuple(broadcast)), Example(tuple(plain))]


def _nested(array) -> tuple:
    return tuple(map(tuple, array.tolist()))


def _register() -> None:
    import scipy.stats as st  # (slow to import: only once the user's code has)

    # ------------------------------------------------------------------ norm
    norm_examples = _location_scale()

    @derivative(st.norm.pdf, broadcasting=True, kind="elementwise", examples=norm_examples)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        return -z / scale * y, z / scale * y, (z * z - 1.0) / scale * y

    @derivative(st.norm.logpdf, broadcasting=True, kind="elementwise", examples=norm_examples)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        return -z / scale, z / scale, (z * z - 1.0) / scale

    @derivative(st.norm.cdf, broadcasting=True, kind="elementwise", examples=norm_examples)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.exp(-0.5 * z * z) / (_SQRT_2PI * scale)
        return p, -p, -z * p

    @derivative(st.norm.sf, broadcasting=True, kind="elementwise", examples=norm_examples)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.exp(-0.5 * z * z) / (_SQRT_2PI * scale)
        return -p, p, z * p

    # pdf / cdf = exp(log pdf - log cdf): no 0 / 0 in the far tail
    @derivative(st.norm.logcdf, broadcasting=True, kind="elementwise", examples=norm_examples)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        q = np.exp(-0.5 * z * z - y) / (_SQRT_2PI * scale)
        return q, -q, -z * q

    @derivative(st.norm.logsf, broadcasting=True, kind="elementwise", examples=norm_examples)
    def _(y, x, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        q = np.exp(-0.5 * z * z - y) / (_SQRT_2PI * scale)
        return -q, q, z * q

    # ------------------------------------------------------------------ t
    # log pdf = gammaln((df+1)/2) - gammaln(df/2) - log(df pi)/2 - log(scale)
    #           - (df+1)/2 log(1 + z^2/df)
    t_examples = _location_scale((2.1, 6.0))
    # (an int df: the sweep leaves it alone; these have no derivative in df)
    t_cdf_examples = [Example((ex.args[0], 4, *ex.args[2:])) for ex in t_examples]

    @derivative(st.t.logpdf, broadcasting=True, kind="elementwise", examples=t_examples)
    def _(y, x, df, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        slope = -(df + 1.0) * z / (df + z * z)  # d log pdf / dz
        d_df = 0.5 * (sp.digamma(0.5 * (df + 1.0)) - sp.digamma(0.5 * df)) - 0.5 / df - \
            0.5 * np.log1p(z * z / df) + 0.5 * (df + 1.0) * z * z / (df * (df + z * z))
        return slope / scale, d_df, -slope / scale, -(1.0 + z * slope) / scale

    @derivative(st.t.pdf, broadcasting=True, kind="elementwise", examples=t_examples)
    def _(y, x, df, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        slope = -(df + 1.0) * z / (df + z * z)
        d_df = 0.5 * (sp.digamma(0.5 * (df + 1.0)) - sp.digamma(0.5 * df)) - 0.5 / df - \
            0.5 * np.log1p(z * z / df) + 0.5 * (df + 1.0) * z * z / (df * (df + z * z))
        return slope / scale * y, d_df * y, -slope / scale * y, -(1.0 + z * slope) / scale * y

    @derivative(st.t.cdf, wrt=("x", "loc", "scale"), broadcasting=True, kind="elementwise",
                examples=t_cdf_examples)
    def _(y, x, df, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.exp(sp.gammaln(0.5 * (df + 1.0)) - sp.gammaln(0.5 * df) - 0.5 * np.log(df) -
                   0.5 * _LOG_PI - 0.5 * (df + 1.0) * np.log1p(z * z / df)) / scale
        return p, -p, -z * p

    @derivative(st.t.sf, wrt=("x", "loc", "scale"), broadcasting=True, kind="elementwise",
                examples=t_cdf_examples)
    def _(y, x, df, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        p = np.exp(sp.gammaln(0.5 * (df + 1.0)) - sp.gammaln(0.5 * df) - 0.5 * np.log(df) -
                   0.5 * _LOG_PI - 0.5 * (df + 1.0) * np.log1p(z * z / df)) / scale
        return -p, p, z * p

    @derivative(st.t.logcdf, wrt=("x", "loc", "scale"), broadcasting=True,
                kind="elementwise", examples=t_cdf_examples)
    def _(y, x, df, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        q = np.exp(sp.gammaln(0.5 * (df + 1.0)) - sp.gammaln(0.5 * df) - 0.5 * np.log(df) -
                   0.5 * _LOG_PI - 0.5 * (df + 1.0) * np.log1p(z * z / df) - y) / scale
        return q, -q, -z * q

    @derivative(st.t.logsf, wrt=("x", "loc", "scale"), broadcasting=True,
                kind="elementwise", examples=t_cdf_examples)
    def _(y, x, df, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        q = np.exp(sp.gammaln(0.5 * (df + 1.0)) - sp.gammaln(0.5 * df) - 0.5 * np.log(df) -
                   0.5 * _LOG_PI - 0.5 * (df + 1.0) * np.log1p(z * z / df) - y) / scale
        return -q, q, z * q

    # ------------------------------------------------------------------ gamma (z > 0)
    # log pdf = (a-1) log z - z - gammaln(a) - log(scale); cdf = gammainc(a, z)
    gamma_examples = _location_scale((0.6, 3.0), x=(0.4, 3.0))

    @derivative(st.gamma.logpdf, broadcasting=True, kind="elementwise",
                examples=gamma_examples)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        slope = np.where(inside, (a - 1.0) / zs - 1.0, 0.0)
        return (slope / scale, np.where(inside, np.log(zs) - sp.digamma(a), 0.0),
                -slope / scale, np.where(inside, zs - a, 0.0) / scale)

    @derivative(st.gamma.pdf, broadcasting=True, kind="elementwise", examples=gamma_examples)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        slope = np.where(inside, (a - 1.0) / zs - 1.0, 0.0)
        return (slope / scale * y, np.where(inside, np.log(zs) - sp.digamma(a), 0.0) * y,
                -slope / scale * y, np.where(inside, zs - a, 0.0) / scale * y)

    @derivative(st.gamma.cdf, broadcasting=True, kind="elementwise", examples=gamma_examples)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        p = np.where(inside, np.exp(sp.xlogy(a - 1.0, zs) - zs - sp.gammaln(a)), 0.0) / scale
        return p, np.where(inside, gammainc_da(a, zs), 0.0), -p, -z * p

    @derivative(st.gamma.sf, broadcasting=True, kind="elementwise", examples=gamma_examples)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        p = np.where(inside, np.exp(sp.xlogy(a - 1.0, zs) - zs - sp.gammaln(a)), 0.0) / scale
        return -p, -np.where(inside, gammainc_da(a, zs), 0.0), p, z * p

    @derivative(st.gamma.logcdf, broadcasting=True, kind="elementwise",
                examples=gamma_examples)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        c = np.exp(np.where(inside, y, 0.0))
        p = np.where(inside, np.exp(sp.xlogy(a - 1.0, zs) - zs - sp.gammaln(a)), 0.0) / scale
        return p / c, np.where(inside, gammainc_da(a, zs), 0.0) / c, -p / c, -z * p / c

    @derivative(st.gamma.logsf, broadcasting=True, kind="elementwise",
                examples=gamma_examples)
    def _(y, x, a, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        c = np.exp(y)
        p = np.where(inside, np.exp(sp.xlogy(a - 1.0, zs) - zs - sp.gammaln(a)), 0.0) / scale
        return -p / c, -np.where(inside, gammainc_da(a, zs), 0.0) / c, p / c, z * p / c

    # ------------------------------------------------------------------ chi2 (z > 0)
    # chi2(df) is gamma(df / 2, scale=2): log pdf = (df/2 - 1) log(z/2) - z/2
    # - gammaln(df/2) - log(2 scale); cdf = gammainc(df/2, z/2).
    chi2_examples = _location_scale((1.5, 6.0), x=(0.4, 3.0))

    @derivative(st.chi2.logpdf, broadcasting=True, kind="elementwise",
                examples=chi2_examples)
    def _(y, x, df, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        slope = np.where(inside, (0.5 * df - 1.0) / zs - 0.5, 0.0)
        return (slope / scale,
                np.where(inside, 0.5 * (np.log(0.5 * zs) - sp.digamma(0.5 * df)), 0.0),
                -slope / scale, np.where(inside, 0.5 * (zs - df), 0.0) / scale)

    @derivative(st.chi2.pdf, broadcasting=True, kind="elementwise", examples=chi2_examples)
    def _(y, x, df, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        slope = np.where(inside, (0.5 * df - 1.0) / zs - 0.5, 0.0)
        return (slope / scale * y,
                np.where(inside, 0.5 * (np.log(0.5 * zs) - sp.digamma(0.5 * df)), 0.0) * y,
                -slope / scale * y, np.where(inside, 0.5 * (zs - df), 0.0) / scale * y)

    # (d/d df: gammainc_da, first order, as for gamma.cdf)
    @derivative(st.chi2.cdf, broadcasting=True, kind="elementwise", examples=chi2_examples)
    def _(y, x, df, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = z > 0
        zs = np.where(inside, z, 1.0)
        p = np.where(inside, np.exp(sp.xlogy(0.5 * df - 1.0, 0.5 * zs) - 0.5 * zs -
                                    sp.gammaln(0.5 * df)), 0.0) / (2.0 * scale)
        return p, np.where(inside, 0.5 * gammainc_da(0.5 * df, 0.5 * zs), 0.0), -p, -z * p

    # ------------------------------------------------------------------ beta (0 < z < 1)
    # log pdf = (a-1) log z + (b-1) log(1-z) - betaln(a, b) - log(scale);
    # cdf = betainc(a, b, z)
    beta_examples = _location_scale((0.6, 3.0), (0.6, 3.0), x=(0.35, 0.65), loc=(-0.05, 0.05),
                                    scale=(1.0, 1.2))

    @derivative(st.beta.logpdf, broadcasting=True, kind="elementwise", examples=beta_examples)
    def _(y, x, a, b, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = (z > 0) & (z < 1)
        zs = np.where(inside, z, 0.5)
        slope = np.where(inside, (a - 1.0) / zs - (b - 1.0) / (1.0 - zs), 0.0)
        both = sp.digamma(a + b)
        return (slope / scale, np.where(inside, np.log(zs) - sp.digamma(a) + both, 0.0),
                np.where(inside, np.log1p(-zs) - sp.digamma(b) + both, 0.0), -slope / scale,
                -(np.where(inside, 1.0, 0.0) + zs * slope) / scale)

    @derivative(st.beta.pdf, broadcasting=True, kind="elementwise", examples=beta_examples)
    def _(y, x, a, b, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = (z > 0) & (z < 1)
        zs = np.where(inside, z, 0.5)
        slope = np.where(inside, (a - 1.0) / zs - (b - 1.0) / (1.0 - zs), 0.0)
        both = sp.digamma(a + b)
        return (slope / scale * y, (np.log(zs) - sp.digamma(a) + both) * y,
                (np.log1p(-zs) - sp.digamma(b) + both) * y, -slope / scale * y,
                -(1.0 + zs * slope) / scale * y)

    @derivative(st.beta.cdf, broadcasting=True, kind="elementwise", examples=beta_examples)
    def _(y, x, a, b, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = (z > 0) & (z < 1)
        zs = np.where(inside, z, 0.5)
        p = np.where(inside, betainc_dx(a, b, zs), 0.0) / scale
        d_ab = betainc_dab(a, b, zs)
        return (p, np.where(inside, d_ab[0], 0.0), np.where(inside, d_ab[1], 0.0), -p,
                -z * p)

    @derivative(st.beta.sf, broadcasting=True, kind="elementwise", examples=beta_examples)
    def _(y, x, a, b, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = (z > 0) & (z < 1)
        zs = np.where(inside, z, 0.5)
        p = np.where(inside, betainc_dx(a, b, zs), 0.0) / scale
        d_ab = betainc_dab(a, b, zs)
        return (-p, -np.where(inside, d_ab[0], 0.0), -np.where(inside, d_ab[1], 0.0), p,
                z * p)

    @derivative(st.beta.logcdf, broadcasting=True, kind="elementwise", examples=beta_examples)
    def _(y, x, a, b, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = (z > 0) & (z < 1)
        zs = np.where(inside, z, 0.5)
        c = np.exp(np.where(inside, y, 0.0))
        p = np.where(inside, betainc_dx(a, b, zs), 0.0) / scale
        d_ab = betainc_dab(a, b, zs)
        return (p / c, np.where(inside, d_ab[0], 0.0) / c, np.where(inside, d_ab[1], 0.0) / c,
                -p / c, -z * p / c)

    @derivative(st.beta.logsf, broadcasting=True, kind="elementwise", examples=beta_examples)
    def _(y, x, a, b, loc=0.0, scale=1.0):
        z = (x - loc) / scale
        inside = (z > 0) & (z < 1)
        zs = np.where(inside, z, 0.5)
        c = np.exp(np.where(inside, y, 0.0))
        p = np.where(inside, betainc_dx(a, b, zs), 0.0) / scale
        d_ab = betainc_dab(a, b, zs)
        return (-p / c, -np.where(inside, d_ab[0], 0.0) / c,
                -np.where(inside, d_ab[1], 0.0) / c, p / c, z * p / c)

    # ------------------------------------------------------------------ poisson
    # In mu only (k and loc move the mass in whole steps). With n = floor(k - loc):
    # d pmf / d mu = pmf (n / mu - 1); d cdf / d mu = -pmf(n, mu), the density of the
    # last term left out.
    k = np.array([0, 1, 3, 7])  # (ints: the sweep does not move them across their jumps)
    poisson_examples = [
        Example((k, Rand((4,), 0.5, 4.0))), Example((k.reshape(2, 2), Rand((2, 1), 0.5, 4.0))),
        Example((2, Rand((), 0.5, 4.0))),
        Example((np.array([1.5, -1.25, 4.5]), Rand((), 0.5, 4.0))),
        Example((k + 1, Rand((4,), 0.5, 4.0), 1))]
    # (the logs are -inf off the support, where finite differences are NaN)
    poisson_log_examples = poisson_examples[:3] + poisson_examples[4:]

    @derivative(st.poisson.logpmf, wrt=("mu",), nondiff_params=("k", "loc"),
                broadcasting=True, kind="elementwise", examples=poisson_log_examples)
    def _(y, k, mu, loc=0):
        return np.where(np.isfinite(y), (k - loc) / mu - 1.0, 0.0)

    @derivative(st.poisson.pmf, wrt=("mu",), nondiff_params=("k", "loc"),
                broadcasting=True, kind="elementwise", examples=poisson_examples)
    def _(y, k, mu, loc=0):
        return ((k - loc) / mu - 1.0) * y

    @derivative(st.poisson.cdf, wrt=("mu",), nondiff_params=("k", "loc"),
                broadcasting=True, kind="elementwise", examples=poisson_examples)
    def _(y, k, mu, loc=0):
        n = np.floor(k - loc)
        return -np.where(n >= 0, np.exp(sp.xlogy(n, mu) - mu - sp.gammaln(n + 1.0)), 0.0)

    @derivative(st.poisson.sf, wrt=("mu",), nondiff_params=("k", "loc"),
                broadcasting=True, kind="elementwise", examples=poisson_examples)
    def _(y, k, mu, loc=0):
        n = np.floor(k - loc)
        return np.where(n >= 0, np.exp(sp.xlogy(n, mu) - mu - sp.gammaln(n + 1.0)), 0.0)

    @derivative(st.poisson.logcdf, wrt=("mu",), nondiff_params=("k", "loc"),
                broadcasting=True, kind="elementwise", examples=poisson_log_examples)
    def _(y, k, mu, loc=0):
        n = np.floor(k - loc)
        log_last = sp.xlogy(n, mu) - mu - sp.gammaln(np.where(n >= 0, n, 0.0) + 1.0)
        return -np.where(n >= 0, np.exp(log_last - np.where(n >= 0, y, 0.0)), 0.0)

    @derivative(st.poisson.logsf, wrt=("mu",), nondiff_params=("k", "loc"),
                broadcasting=True, kind="elementwise", examples=poisson_examples)
    def _(y, k, mu, loc=0):
        n = np.floor(k - loc)
        log_last = sp.xlogy(n, mu) - mu - sp.gammaln(np.where(n >= 0, n, 0.0) + 1.0)
        return np.where(n >= 0, np.exp(log_last - y), 0.0)

    # ------------------------------------------------------------------ multivariate_normal
    # log pdf = -(k log(2 pi) + log det S + r' S^-1 r) / 2 with r = x - mean; SciPy reads
    # the lower triangle of `cov` (srcad/runtime/stats.py). First order.
    mvn = st.multivariate_normal
    cov = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.1], [-0.2, 0.1, 1.0]])
    mvn_examples = [
        Example((Rand((3,)), Rand((3,)), cov)), Example((Rand((4, 3)), Rand((3,)), cov)),
        Example((Rand((3,)),), {"mean": Rand((3,)), "cov": Rand((3,), 0.5, 2.0)}),
        Example((Rand((2,)), None, Rand((), 0.5, 2.0))), Example((Rand((3,)), Rand(()), 1.5)),
        Example((Rand((3,)), Rand((3,)), Rand((3, 3), _nested(cov), _nested(cov + 0.2))))]

    @adjoint(mvn.logpdf, examples=mvn_examples)
    def _(y, x, mean=None, cov=1, allow_singular=False):
        dx, dmean, dcov = mvn_logpdf_adjoint(dy, x, mean, cov, allow_singular)

    @tangent(mvn.logpdf)
    def _(y, x, mean=None, cov=1, allow_singular=False):
        dy = mvn_logpdf_tangent(dx, dmean, dcov, y, x, mean, cov, allow_singular)

    @adjoint(mvn.pdf, examples=mvn_examples)
    def _(y, x, mean=None, cov=1, allow_singular=False):
        dx, dmean, dcov = mvn_logpdf_adjoint(dy * y, x, mean, cov, allow_singular)

    @tangent(mvn.pdf)
    def _(y, x, mean=None, cov=1, allow_singular=False):
        dy = y * mvn_logpdf_tangent(dx, dmean, dcov, y, x, mean, cov, allow_singular)

    # entropy = (k log(2 pi e) + log det S) / 2: in cov only (mean sets the dimension)
    @adjoint(mvn.entropy, kind="scalar", nondiff_params=("mean",), examples=[
        Example((None, Rand((3, 3), _nested(cov), _nested(cov + 0.2)))),
        Example((Rand((3,)), Rand((3,), 0.5, 2.0))), Example((None, Rand((), 0.5, 2.0))),
        Example((Rand((3,)), Rand((), 0.5, 2.0))), Example((), {"cov": cov})])
    def _(y, mean=None, cov=1):
        dcov = mvn_entropy_adjoint(dy, mean, cov)

    @tangent(mvn.entropy)
    def _(y, mean=None, cov=1):
        dy = mvn_entropy_tangent(dcov, mean, cov)

    # ------------------------------------------------------------------ dirichlet
    # log pdf = gammaln(sum a) - sum gammaln(a) + sum_i (a_i - 1) log x_i, the components
    # along x's first axis (the points along the others); x may hold k - 1 of them
    # (`dirichlet_points` completes it). The derivative in x is that of the formula (SciPy
    # refuses an x off the simplex). The sweep varies x in its k - 1 form (it stays on
    # the simplex); tests/rules/test_dirichlet.py checks the full form.
    alpha = Rand((3,), 0.6, 3.0)
    dirichlet_examples = [
        Example((Rand((2,), 0.1, 0.3), alpha)), Example((Rand((2, 4), 0.1, 0.3), alpha)),
        Example((Rand((3, 2), 0.1, 0.2), Rand((4,), 0.6, 3.0))),
        Example((Rand((2, 1), 0.1, 0.3), alpha))]

    @adjoint(st.dirichlet.logpdf, kind="numeric", examples=dirichlet_examples)
    def _(y, x, alpha):
        xf = dirichlet_points(x, alpha)
        dx = dirichlet_points_transpose(np.transpose(np.transpose(dy / xf) * (alpha - 1.0)),
                                        x, alpha)
        dalpha = np.sum(np.reshape(np.log(xf) * dy, (np.size(alpha), -1)), axis=1) + \
            np.sum(dy) * (sp.digamma(np.sum(alpha)) - sp.digamma(alpha))

    @tangent(st.dirichlet.logpdf)
    def _(y, x, alpha):
        xf = dirichlet_points(x, alpha)
        dy_x = np.sum(np.transpose(np.transpose(dirichlet_points_tangent(dx, x, alpha) / xf) *
                                   (alpha - 1.0)), axis=0)
        dy_alpha = np.sum(np.transpose(np.transpose(np.log(xf)) * dalpha), axis=0) + \
            np.sum(dalpha * (sp.digamma(np.sum(alpha)) - sp.digamma(alpha)))
        dy = np.reshape(dy_x + dy_alpha, np.shape(y))

    @adjoint(st.dirichlet.pdf, kind="numeric", examples=dirichlet_examples)
    def _(y, x, alpha):
        xf = dirichlet_points(x, alpha)
        dx = dirichlet_points_transpose(
            np.transpose(np.transpose(dy * y / xf) * (alpha - 1.0)), x, alpha)
        dalpha = np.sum(np.reshape(np.log(xf) * (dy * y), (np.size(alpha), -1)), axis=1) + \
            np.sum(dy * y) * (sp.digamma(np.sum(alpha)) - sp.digamma(alpha))

    @tangent(st.dirichlet.pdf)
    def _(y, x, alpha):
        xf = dirichlet_points(x, alpha)
        dy_x = np.sum(np.transpose(np.transpose(dirichlet_points_tangent(dx, x, alpha) / xf) *
                                   (alpha - 1.0)), axis=0)
        dy_alpha = np.sum(np.transpose(np.transpose(np.log(xf)) * dalpha), axis=0) + \
            np.sum(dalpha * (sp.digamma(np.sum(alpha)) - sp.digamma(alpha)))
        dy = y * np.reshape(dy_x + dy_alpha, np.shape(y))


if sp is not None:
    register_when_imported("scipy.stats", _register)


# ---------------------------------------------------------------------- second derivatives
# The adjoint helper of multivariate_normal.logpdf / pdf as a function of the output's
# adjoint g, x, mean and cov (srcad/runtime/stats.py), for Hessians and grad of grad.
# Registered with the module (the helper needs only NumPy; generated code calls it only
# once scipy.stats is imported).


def _mvn_adjoint_kind(kinds, named):
    def kind_of(param):
        op, kind = named.get(param, (None, SCALAR))
        return SCALAR if op is None or getattr(op, "value", 0) is None and \
            type(op).__name__ == "Const" else kind

    return TupleKind((named["x"][1] if "x" in named else NUMERIC, kind_of("mean"),
                      kind_of("cov")))


if sp is not None:
    _COV = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.1], [-0.2, 0.1, 1.0]])
    _COV_RAND = Rand((3, 3), _nested(_COV), _nested(_COV + 0.2))

    @adjoint(mvn_logpdf_adjoint, kind=_mvn_adjoint_kind, nondiff_params=("allow_singular",),
             examples=[
        Example((Rand(()), Rand((3,)), Rand((3,)), _COV_RAND)),
        Example((Rand((4,)), Rand((4, 3)), Rand((3,)), _COV_RAND)),
        Example((Rand((2, 4)), Rand((2, 4, 3)), Rand((3,)), _COV)),
        Example((Rand(()), Rand((3,))), {"mean": Rand((3,)), "cov": Rand((3,), 0.5, 2.0)}),
        Example((Rand((2,)), Rand((2,)), None, Rand((), 0.5, 2.0))),
        Example((Rand((3,)), Rand((3,)), Rand(()), 1.5)),
        Example((Rand(()), Rand(()), Rand(()), Rand((), 0.5, 2.0))),
        Example((Rand(()), Rand((3,)), Rand((3,)), Rand((), 0.5, 2.0)))])
    def _(d, g, x, mean=None, cov=1, allow_singular=False):
        dg, dx, dmean, dcov = mvn_logpdf_adjoint_transpose(dd, g, x, mean, cov, allow_singular)

    @tangent(mvn_logpdf_adjoint)
    def _(d, g, x, mean=None, cov=1, allow_singular=False):
        dd = mvn_logpdf_adjoint_tangent(dg, dx, dmean, dcov, g, x, mean, cov, allow_singular)

    def _cov_kind(kinds, named):
        return named["cov"][1] if "cov" in named else SCALAR

    _ENTROPY_EXAMPLES = [
        Example((Rand(()), None, _COV_RAND)), Example((Rand(()), Rand((3,)), Rand((3,), 0.5, 2.0))),
        Example((Rand(()), None, Rand((), 0.5, 2.0))),
        Example((Rand(()), Rand((3,)), Rand((), 0.5, 2.0)))]

    @adjoint(mvn_entropy_adjoint, kind=_cov_kind, nondiff_params=("mean",),
             examples=_ENTROPY_EXAMPLES)
    def _(d, g, mean=None, cov=1):
        dg, dcov = mvn_entropy_adjoint_transpose(dd, g, mean, cov)

    @tangent(mvn_entropy_adjoint)
    def _(d, g, mean=None, cov=1):
        dd = mvn_entropy_adjoint_tangent(dg, dcov, g, mean, cov)

    # dirichlet_points (affine in x) and its tangent and adjoint (linear, each other's
    # transposes)
    _ALPHA = np.array([1.2, 2.0, 3.0])
    _POINTS_EXAMPLES = [Example((Rand((2,), 0.1, 0.3), _ALPHA)),
                        Example((Rand((2, 4), 0.1, 0.3), _ALPHA)),
                        Example((Rand((3, 2), 0.1, 0.3), _ALPHA))]

    @adjoint(dirichlet_points, kind="first", nondiff_params=("alpha",),
             examples=_POINTS_EXAMPLES)
    def _(y, x, alpha):
        dx = dirichlet_points_transpose(dy, x, alpha)

    @tangent(dirichlet_points)
    def _(y, x, alpha):
        dy = dirichlet_points_tangent(dx, x, alpha)

    @adjoint(dirichlet_points_tangent, kind="first", linear=True, nondiff_params=("x", "alpha"),
             examples=[Example((Rand((2,)), np.array([0.2, 0.3]), _ALPHA)),
                       Example((Rand((2, 4)), np.full((2, 4), 0.2), _ALPHA)),
                       Example((Rand((3, 2)), np.full((3, 2), 0.2), _ALPHA))])
    def _(y, t, x, alpha):
        dt = dirichlet_points_transpose(dy, x, alpha)

    @adjoint(dirichlet_points_transpose, kind="first", linear=True,
             nondiff_params=("x", "alpha"),
             examples=[Example((Rand((3,)), np.array([0.2, 0.3]), _ALPHA)),
                       Example((Rand((3, 4)), np.full((2, 4), 0.2), _ALPHA)),
                       Example((Rand((3, 2)), np.full((3, 2), 0.2), _ALPHA))])
    def _(y, g, x, alpha):
        dg = dirichlet_points_tangent(dy, x, alpha)
