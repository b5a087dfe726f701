"""Rules for `scipy.special` (registered only when SciPy is importable).

Not registered on purpose (srcad refuses them clearly rather than drop a derivative):
the Bessel functions of real order `jv` (= `jn`), `yv`, `iv`, `ive`, `kv`, `kve`, whose
derivative in the order is not implemented. Integer-order functions (`yn`, `kn`,
`polygamma`) truncate their order, so it carries no derivative.
"""

import numpy as np

from srcad.ir.kinds import NUMERIC, TupleKind
from srcad.rules.registry import KIND_RULES, Example, Rand, adjoint, nondifferentiable, tangent

try:
    import scipy.special as sp
except ImportError:  # SciPy is optional
    sp = None

if sp is not None:
    from srcad.runtime.special import (
        betainc_dab,
        betainc_dx,
        gammainc_da,
        gammaincc_da,
        integer_order,
        logsumexp_adjoint_a,
        logsumexp_adjoint_b,
        logsumexp_tangent,
        multigammaln_derivative,
        rgamma_derivative,
    )

    _SQRT_PI = float(np.sqrt(np.pi))
    _SQRT_2PI = float(np.sqrt(2.0 * np.pi))

    # ------------------------------------------------------------------ gamma family

    @adjoint(sp.gammaln, kind="elementwise", domain={"x": (0.2, 4.0)})
    def _(y, x):
        dx = dy * sp.digamma(x)

    @tangent(sp.gammaln)
    def _(y, x):
        dy = dx * sp.digamma(x)

    # sp.psi is sp.digamma
    @adjoint(sp.digamma, kind="elementwise", domain={"x": (0.2, 4.0)})
    def _(y, x):
        dx = dy * sp.polygamma(1, x)

    @tangent(sp.digamma)
    def _(y, x):
        dy = dx * sp.polygamma(1, x)

    # The order n is an integer: no derivative.
    @adjoint(sp.polygamma, broadcasting=True, kind="elementwise", examples=[
        Example((1, Rand((), 0.3, 4.0))), Example((0, Rand((3,), 0.3, 4.0))),
        Example((2, Rand((2, 3), 0.3, 4.0))),
        Example((np.array([0, 1, 3]), Rand((2, 3), 0.3, 4.0))),
        Example((np.array([[1], [2]]), Rand((3,), 0.3, 4.0)))])
    def _(y, n, x):
        dx = dy * sp.polygamma(n + 1, x)

    @tangent(sp.polygamma)
    def _(y, n, x):
        dy = dx * sp.polygamma(n + 1, x)

    @adjoint(sp.gamma, kind="elementwise", domain={"x": (0.2, 4.0)})
    def _(y, x):
        dx = dy * y * sp.digamma(x)

    @tangent(sp.gamma)
    def _(y, x):
        dy = dx * y * sp.digamma(x)

    @adjoint(sp.rgamma, kind="elementwise", domain={"x": (-2.9, 4.0)})
    def _(y, x):
        dx = dy * rgamma_derivative(x)

    @tangent(sp.rgamma)
    def _(y, x):
        dy = dx * rgamma_derivative(x)

    nondifferentiable(sp.gammasgn, kind="elementwise")

    @adjoint(sp.multigammaln, kind="first", examples=[
        Example((Rand((), 2.0, 5.0), 3)), Example((Rand((3,), 1.5, 4.0), 2)),
        Example((Rand((), 0.5, 3.0), 1)), Example((Rand((2, 2), 3.0, 6.0), 5))])
    def _(y, a, d):
        da = dy * multigammaln_derivative(a, d)

    @tangent(sp.multigammaln)
    def _(y, a, d):
        dy = da * multigammaln_derivative(a, d)

    @adjoint(sp.beta, broadcasting=True, kind="elementwise",
             domain={"a": (0.3, 3.0), "b": (0.3, 3.0)})
    def _(z, a, b):
        da = dz * z * (sp.digamma(a) - sp.digamma(a + b))
        db = dz * z * (sp.digamma(b) - sp.digamma(a + b))

    @tangent(sp.beta)
    def _(z, a, b):
        dz = z * (da * (sp.digamma(a) - sp.digamma(a + b)) +
                  db * (sp.digamma(b) - sp.digamma(a + b)))

    @adjoint(sp.betaln, broadcasting=True, kind="elementwise",
             domain={"a": (0.3, 3.0), "b": (0.3, 3.0)})
    def _(z, a, b):
        da = dz * (sp.digamma(a) - sp.digamma(a + b))
        db = dz * (sp.digamma(b) - sp.digamma(a + b))

    @tangent(sp.betaln)
    def _(z, a, b):
        dz = da * (sp.digamma(a) - sp.digamma(a + b)) + db * (sp.digamma(b) - sp.digamma(a + b))

    # Regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P. The
    # derivative in `a` comes from a series or an integral (srcad/runtime/special.py),
    # accurate to about 1e-13 relative even far in the tails.
    # d/dx is the gamma density x**(a-1) exp(-x) / gamma(a).
    @adjoint(sp.gammainc, broadcasting=True, kind="elementwise",
             domain={"a": (0.3, 4.0), "x": (0.1, 12.0)})
    def _(z, a, x):
        da = dz * gammainc_da(a, x)
        dx = dz * np.exp((a - 1.0) * np.log(x) - x - sp.gammaln(a))

    @tangent(sp.gammainc)
    def _(z, a, x):
        dz = da * gammainc_da(a, x) + dx * np.exp((a - 1.0) * np.log(x) - x - sp.gammaln(a))

    @adjoint(sp.gammaincc, broadcasting=True, kind="elementwise",
             domain={"a": (0.3, 4.0), "x": (0.1, 12.0)})
    def _(z, a, x):
        da = dz * gammaincc_da(a, x)
        dx = -dz * np.exp((a - 1.0) * np.log(x) - x - sp.gammaln(a))

    @tangent(sp.gammaincc)
    def _(z, a, x):
        dz = da * gammaincc_da(a, x) - dx * np.exp((a - 1.0) * np.log(x) - x - sp.gammaln(a))

    # Regularized incomplete beta function I(a, b, x) and its complement 1 - I: the
    # derivatives in a and b come from a series (srcad/runtime/special.py).
    _BETAINC_EXAMPLES = [
        Example((Rand((), 0.3, 3.0), Rand((), 0.3, 3.0), Rand((), 0.05, 0.95))),
        Example((Rand((3,), 0.3, 3.0), Rand((3,), 0.3, 3.0), Rand((3,), 0.05, 0.95))),
        Example((Rand((2, 1), 0.3, 3.0), Rand((3,), 0.3, 3.0), Rand((2, 3), 0.05, 0.95))),
        Example((2.0, Rand((2, 3), 0.3, 3.0), Rand((3,), 0.05, 0.95))),
        Example((Rand((3,), 5.0, 20.0), Rand((3,), 5.0, 20.0), Rand((3,), 0.2, 0.8))),
        Example((Rand((3,), 0.3, 3.0), 1.5, 0.4))]

    @adjoint(sp.betainc, broadcasting=True, kind="elementwise", examples=_BETAINC_EXAMPLES)
    def _(y, a, b, x):
        d_ab = betainc_dab(a, b, x)
        da = dy * d_ab[0]
        db = dy * d_ab[1]
        dx = dy * betainc_dx(a, b, x)

    @tangent(sp.betainc)
    def _(y, a, b, x):
        d_ab = betainc_dab(a, b, x)
        dy = da * d_ab[0] + db * d_ab[1] + dx * betainc_dx(a, b, x)

    if hasattr(sp, "betaincc"):
        @adjoint(sp.betaincc, broadcasting=True, kind="elementwise",
                 examples=_BETAINC_EXAMPLES)
        def _(y, a, b, x):
            d_ab = betainc_dab(a, b, x)
            da = -dy * d_ab[0]
            db = -dy * d_ab[1]
            dx = -dy * betainc_dx(a, b, x)

        @tangent(sp.betaincc)
        def _(y, a, b, x):
            d_ab = betainc_dab(a, b, x)
            dy = -(da * d_ab[0] + db * d_ab[1] + dx * betainc_dx(a, b, x))

    # ------------------------------------------------------------------ error functions

    @adjoint(sp.erf, kind="elementwise")
    def _(y, x):
        dx = dy * (2.0 / _SQRT_PI) * np.exp(-x * x)

    @tangent(sp.erf)
    def _(y, x):
        dy = dx * (2.0 / _SQRT_PI) * np.exp(-x * x)

    @adjoint(sp.erfc, kind="elementwise")
    def _(y, x):
        dx = -dy * (2.0 / _SQRT_PI) * np.exp(-x * x)

    @tangent(sp.erfc)
    def _(y, x):
        dy = -dx * (2.0 / _SQRT_PI) * np.exp(-x * x)

    @adjoint(sp.erfcx, kind="elementwise")
    def _(y, x):
        dx = dy * (2.0 * x * y - 2.0 / _SQRT_PI)

    @tangent(sp.erfcx)
    def _(y, x):
        dy = dx * (2.0 * x * y - 2.0 / _SQRT_PI)

    @adjoint(sp.erfinv, kind="elementwise", domain={"x": (-0.9, 0.9)})
    def _(y, x):
        dx = dy * (_SQRT_PI / 2.0) * np.exp(y * y)

    @tangent(sp.erfinv)
    def _(y, x):
        dy = dx * (_SQRT_PI / 2.0) * np.exp(y * y)

    @adjoint(sp.erfcinv, kind="elementwise", domain={"x": (0.1, 1.9)})
    def _(y, x):
        dx = -dy * (_SQRT_PI / 2.0) * np.exp(y * y)

    @tangent(sp.erfcinv)
    def _(y, x):
        dy = -dx * (_SQRT_PI / 2.0) * np.exp(y * y)

    # The standard normal CDF, its log and its inverse.
    @adjoint(sp.ndtr, kind="elementwise")
    def _(y, x):
        dx = dy * np.exp(-0.5 * x * x) / _SQRT_2PI

    @tangent(sp.ndtr)
    def _(y, x):
        dy = dx * np.exp(-0.5 * x * x) / _SQRT_2PI

    @adjoint(sp.log_ndtr, kind="elementwise", domain={"x": (-30.0, 5.0)})
    def _(y, x):
        dx = dy * np.exp(-0.5 * x * x - y) / _SQRT_2PI

    @tangent(sp.log_ndtr)
    def _(y, x):
        dy = dx * np.exp(-0.5 * x * x - y) / _SQRT_2PI

    @adjoint(sp.ndtri, kind="elementwise", domain={"x": (0.05, 0.95)})
    def _(y, x):
        dx = dy * _SQRT_2PI * np.exp(0.5 * y * y)

    @tangent(sp.ndtri)
    def _(y, x):
        dy = dx * _SQRT_2PI * np.exp(0.5 * y * y)

    # ------------------------------------------------------------------ logistic

    @adjoint(sp.expit, kind="elementwise", domain={"x": (-5.0, 5.0)})
    def _(y, x):
        dx = dy * y * (1.0 - y)

    @tangent(sp.expit)
    def _(y, x):
        dy = dx * y * (1.0 - y)

    @adjoint(sp.logit, kind="elementwise", domain={"x": (0.05, 0.95)})
    def _(y, x):
        dx = dy / (x * (1.0 - x))

    @tangent(sp.logit)
    def _(y, x):
        dy = dx / (x * (1.0 - x))

    @adjoint(sp.log_expit, kind="elementwise", domain={"x": (-5.0, 5.0)})
    def _(y, x):
        dx = dy * sp.expit(-x)

    @tangent(sp.log_expit)
    def _(y, x):
        dy = dx * sp.expit(-x)

    # ------------------------------------------------------------------ x log y and entropies

    # xlogy(x, y) = x * log(y), defined as 0 where x == 0: there d/dy is 0 too.
    @adjoint(sp.xlogy, broadcasting=True, kind="elementwise", domain={"y": (0.3, 3.0)})
    def _(z, x, y):
        dx = dz * np.log(y)
        dy = dz * x / np.where(x == 0, 1.0, y)

    @tangent(sp.xlogy)
    def _(z, x, y):
        dz = dx * np.log(y) + dy * x / np.where(x == 0, 1.0, y)

    @adjoint(sp.xlog1py, broadcasting=True, kind="elementwise", domain={"y": (-0.7, 3.0)})
    def _(z, x, y):
        dx = dz * np.log1p(y)
        dy = dz * x / np.where(x == 0, 1.0, 1.0 + y)

    @tangent(sp.xlog1py)
    def _(z, x, y):
        dz = dx * np.log1p(y) + dy * x / np.where(x == 0, 1.0, 1.0 + y)

    @adjoint(sp.entr, kind="elementwise", domain={"x": (0.1, 3.0)})
    def _(y, x):
        dx = -dy * (np.log(x) + 1.0)

    @tangent(sp.entr)
    def _(y, x):
        dy = -dx * (np.log(x) + 1.0)

    @adjoint(sp.rel_entr, broadcasting=True, kind="elementwise",
             domain={"x": (0.1, 3.0), "y": (0.1, 3.0)})
    def _(z, x, y):
        dx = dz * (np.log(x / y) + 1.0)
        dy = -dz * x / y

    @tangent(sp.rel_entr)
    def _(z, x, y):
        dz = dx * (np.log(x / y) + 1.0) - dy * x / y

    @adjoint(sp.kl_div, broadcasting=True, kind="elementwise",
             domain={"x": (0.1, 3.0), "y": (0.1, 3.0)})
    def _(z, x, y):
        dx = dz * np.log(x / y)
        dy = dz * (1.0 - x / y)

    @tangent(sp.kl_div)
    def _(z, x, y):
        dz = dx * np.log(x / y) + dy * (1.0 - x / y)

    # ------------------------------------------------------------------ log-sum-exp, softmax

    def _logsumexp_kind(kinds, named):
        op = named.get("return_sign", (None, None))[0]
        sign = op is not None and type(op).__name__ == "Const" and op.value is True
        b = named.get("b", (None, None))[0]
        plain_b = b is None or (type(b).__name__ == "Const" and b.value is None)
        value = KIND_RULES["reduction"](kinds, named) if plain_b else NUMERIC
        if sign:
            return TupleKind((value, value))
        return value

    _LSE_B = Rand((2, 3), 0.3, 2.0)
    _LSE_EXAMPLES = [
        Example((Rand((3,)),)), Example((Rand(()),)), Example((Rand((2, 3)),)),
        Example((Rand((2, 3)), 1)), Example((Rand((2, 3)), -1)), Example((Rand((2, 3)), 0)),
        Example((Rand((2, 3)),), {"axis": (0, 1)}),
        Example((Rand((2, 3)),), {"axis": 1, "keepdims": True}),
        Example((Rand((2, 3)),), {"keepdims": True}),
        Example((Rand((2, 3, 4)),), {"axis": (0, 2)}),
        Example((Rand((2, 3, 4)),), {"axis": (-1, 1), "keepdims": True}),
        Example((Rand((2, 3)),), {"b": _LSE_B}), Example((Rand((2, 3)), 1, _LSE_B)),
        Example((Rand((2, 3)),), {"axis": 0, "b": Rand((3,), 0.3, 2.0)}),
        Example((Rand((3,)),), {"axis": -1, "b": _LSE_B, "keepdims": True}),
        Example((Rand((2, 3)),), {"b": np.array([1.0, 0.5, 2.0])}),
        # return_sign: b may be negative
        Example((Rand((2, 3)),), {"b": Rand((2, 3), (0.3, -2.0, 0.3), (2.0, -0.3, 2.0)),
                                  "axis": 1, "return_sign": True}),
        Example((Rand((3,)),), {"return_sign": True}),
    ]

    # lse = log |sum(b * exp(a))| over `axis`: its gradient is sign * b * exp(a - lse)
    # (in a) and sign * exp(a - lse) (in b).
    @adjoint(sp.logsumexp, kind=_logsumexp_kind, examples=_LSE_EXAMPLES)
    def _(y, a, axis=None, b=None, keepdims=False, return_sign=False):
        da = logsumexp_adjoint_a(dy, y, a, axis, b, keepdims, return_sign)
        db = logsumexp_adjoint_b(dy, y, a, axis, b, keepdims, return_sign)

    @tangent(sp.logsumexp)
    def _(y, a, axis=None, b=None, keepdims=False, return_sign=False):
        dy = logsumexp_tangent(da, db, y, a, axis, b, keepdims, return_sign)

    _SOFTMAX_EXAMPLES = [
        Example((Rand((3,)),)), Example((Rand((2, 3)),)), Example((Rand((2, 3)), 1)),
        Example((Rand((2, 3)),), {"axis": 0}), Example((Rand((2, 3)),), {"axis": -1}),
        Example((Rand((2, 3, 4)),), {"axis": (0, 2)}), Example((Rand(()),))]

    @adjoint(sp.softmax, kind="first", examples=_SOFTMAX_EXAMPLES)
    def _(y, x, axis=None):
        dx = y * (dy - np.sum(dy * y, axis=axis, keepdims=True))

    @tangent(sp.softmax)
    def _(y, x, axis=None):
        dy = y * (dx - np.sum(dx * y, axis=axis, keepdims=True))

    @adjoint(sp.log_softmax, kind="first", examples=_SOFTMAX_EXAMPLES)
    def _(y, x, axis=None):
        dx = dy - np.exp(y) * np.sum(dy, axis=axis, keepdims=True)

    @tangent(sp.log_softmax)
    def _(y, x, axis=None):
        dy = dx - np.sum(np.exp(y) * dx, axis=axis, keepdims=True)

    # ------------------------------------------------------------------ Bessel functions

    @adjoint(sp.i0, kind="elementwise")
    def _(y, x):
        dx = dy * sp.i1(x)

    @tangent(sp.i0)
    def _(y, x):
        dy = dx * sp.i1(x)

    # I1' = (I0 + I2) / 2
    @adjoint(sp.i1, kind="elementwise")
    def _(y, x):
        dx = dy * 0.5 * (sp.i0(x) + sp.iv(2, x))

    @tangent(sp.i1)
    def _(y, x):
        dy = dx * 0.5 * (sp.i0(x) + sp.iv(2, x))

    # Exponentially scaled: i0e(x) = exp(-|x|) i0(x).
    @adjoint(sp.i0e, kind="elementwise", domain={"x": (0.2, 3.0)})
    def _(y, x):
        dx = dy * (sp.i1e(x) - np.sign(x) * y)

    @tangent(sp.i0e)
    def _(y, x):
        dy = dx * (sp.i1e(x) - np.sign(x) * y)

    @adjoint(sp.i1e, kind="elementwise", domain={"x": (0.2, 3.0)})
    def _(y, x):
        dx = dy * (0.5 * (sp.i0e(x) + sp.ive(2, x)) - np.sign(x) * y)

    @tangent(sp.i1e)
    def _(y, x):
        dy = dx * (0.5 * (sp.i0e(x) + sp.ive(2, x)) - np.sign(x) * y)

    @adjoint(sp.j0, kind="elementwise", domain={"x": (-5.0, 5.0)})
    def _(y, x):
        dx = -dy * sp.j1(x)

    @tangent(sp.j0)
    def _(y, x):
        dy = -dx * sp.j1(x)

    # J1' = (J0 - J2) / 2
    @adjoint(sp.j1, kind="elementwise", domain={"x": (-5.0, 5.0)})
    def _(y, x):
        dx = dy * 0.5 * (sp.j0(x) - sp.jv(2, x))

    @tangent(sp.j1)
    def _(y, x):
        dy = dx * 0.5 * (sp.j0(x) - sp.jv(2, x))

    @adjoint(sp.y0, kind="elementwise", domain={"x": (0.5, 5.0)})
    def _(y, x):
        dx = -dy * sp.y1(x)

    @tangent(sp.y0)
    def _(y, x):
        dy = -dx * sp.y1(x)

    @adjoint(sp.y1, kind="elementwise", domain={"x": (0.5, 5.0)})
    def _(y, x):
        dx = dy * 0.5 * (sp.y0(x) - sp.yv(2, x))

    @tangent(sp.y1)
    def _(y, x):
        dy = dx * 0.5 * (sp.y0(x) - sp.yv(2, x))

    @adjoint(sp.k0, kind="elementwise", domain={"x": (0.3, 4.0)})
    def _(y, x):
        dx = -dy * sp.k1(x)

    @tangent(sp.k0)
    def _(y, x):
        dy = -dx * sp.k1(x)

    # K1' = -(K0 + K2) / 2
    @adjoint(sp.k1, kind="elementwise", domain={"x": (0.3, 4.0)})
    def _(y, x):
        dx = -dy * 0.5 * (sp.k0(x) + sp.kv(2, x))

    @tangent(sp.k1)
    def _(y, x):
        dy = -dx * 0.5 * (sp.k0(x) + sp.kv(2, x))

    # Integer orders (SciPy truncates a float order): Y_n' = (Y_{n-1} - Y_{n+1}) / 2 and
    # K_n' = -(K_{n-1} + K_{n+1}) / 2.
    _ORDER_EXAMPLES = [
        Example((0, Rand((3,), 0.5, 5.0))), Example((1, Rand((), 0.5, 5.0))),
        Example((3, Rand((2, 3), 0.5, 5.0))), Example((-2, Rand((3,), 0.5, 5.0))),
        Example((np.array([0, 1, 2]), Rand((2, 3), 0.5, 5.0))),
        Example((np.array([[1], [2]]), Rand((3,), 0.5, 5.0)))]

    @adjoint(sp.yn, broadcasting=True, kind="elementwise", examples=_ORDER_EXAMPLES)
    def _(y, n, x):
        dx = dy * 0.5 * (sp.yn(integer_order(n) - 1, x) - sp.yn(integer_order(n) + 1, x))

    @tangent(sp.yn)
    def _(y, n, x):
        dy = dx * 0.5 * (sp.yn(integer_order(n) - 1, x) - sp.yn(integer_order(n) + 1, x))

    @adjoint(sp.kn, broadcasting=True, kind="elementwise", examples=_ORDER_EXAMPLES)
    def _(y, n, x):
        dx = -dy * 0.5 * (sp.kn(integer_order(n) - 1, x) + sp.kn(integer_order(n) + 1, x))

    @tangent(sp.kn)
    def _(y, n, x):
        dy = -dx * 0.5 * (sp.kn(integer_order(n) - 1, x) + sp.kn(integer_order(n) + 1, x))
