"""Rules for `scipy.special` (registered only when SciPy is importable).

The Bessel functions of real order `jv` (= `jn`), `yv`, `iv`, `ive`, `kv`, `kve` are
differentiated in x only: their derivative in the (smooth, real) order is not
implemented, so a call that differentiates the order is refused (a `RuleError` naming
'v') rather than silently held constant. Integer-order functions (`yn`, `kn`,
`polygamma`) truncate their order, so it carries no derivative.
"""

from typing import Any

import numpy as np

from srcad.ir.kinds import NUMERIC, TupleKind
from srcad.rules.registry import (
    KIND_RULES,
    Example,
    Rand,
    adjoint,
    derivative,
    nondifferentiable,
    register_when_imported,
    share_rules,
    tangent,
)
from srcad.runtime import elementwise as elementwise_rt
from srcad.runtime.lazy_modules import HAVE_SCIPY
from srcad.runtime.lazy_modules import scipy_special as lazy_special
from srcad.runtime.special import (
    betainc_dab,
    betainc_dx,
    betainc_dx_partials,
    gammainc_da,
    gammaincc_da,
    integer_order,
    logsumexp_adjoint_a,
    logsumexp_adjoint_a_tangent,
    logsumexp_adjoint_a_transpose,
    logsumexp_adjoint_b,
    logsumexp_adjoint_b_tangent,
    logsumexp_adjoint_b_transpose,
    logsumexp_tangent,
    multigammaln_derivative,
    multigammaln_second_derivative,
    rgamma_derivative,
    rgamma_second_derivative,
)

sp: Any = lazy_special  # (imported on first use; SciPy is optional)


_SQRT_PI = float(np.sqrt(np.pi))

_SQRT_2PI = float(np.sqrt(2.0 * np.pi))

_BETAINC_EXAMPLES = [
    Example((Rand((), 0.3, 3.0), Rand((), 0.3, 3.0), Rand((), 0.05, 0.95))),
    Example((Rand((3,), 0.3, 3.0), Rand((3,), 0.3, 3.0), Rand((3,), 0.05, 0.95))),
    Example((Rand((2, 1), 0.3, 3.0), Rand((3,), 0.3, 3.0), Rand((2, 3), 0.05, 0.95))),
    Example((2.0, Rand((2, 3), 0.3, 3.0), Rand((3,), 0.05, 0.95))),
    Example((Rand((3,), 5.0, 20.0), Rand((3,), 5.0, 20.0), Rand((3,), 0.2, 0.8))),
    Example((Rand((3,), 0.3, 3.0), 1.5, 0.4))]

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

def _lse_helper_kind(param):
    def kind(kinds, named):
        return named[param][1] if param in named else NUMERIC
    return kind

def _lse_helper_examples():
    out = []
    for ex in _LSE_EXAMPLES:
        a = ex.args[0]
        kwargs = dict(ex.kwargs)
        axis = ex.args[1] if len(ex.args) > 1 else kwargs.pop("axis", None)
        b = ex.args[2] if len(ex.args) > 2 else kwargs.pop("b", None)
        keepdims = kwargs.pop("keepdims", False)
        sign = kwargs.pop("return_sign", False)
        shape = np.broadcast_shapes(a.shape, b.shape if b is not None else ())
        lse = np.sum(np.ones(shape), axis=axis, keepdims=keepdims).shape
        value = Rand(lse, 0.5, 1.5)
        g = (Rand(lse), 0.0) if sign else Rand(lse)
        y = (value, np.where(np.arange(int(np.prod(lse))) % 2 == 0, 1.0, -1.0).reshape(lse)) \
            if sign else value
        out.append(Example((g, y, a, axis, b, keepdims, sign)))
    return out

_LSE_HELPER_EXAMPLES = _lse_helper_examples()

_SOFTMAX_EXAMPLES = [
    Example((Rand((3,)),)), Example((Rand((2, 3)),)), Example((Rand((2, 3)), 1)),
    Example((Rand((2, 3)),), {"axis": 0}), Example((Rand((2, 3)),), {"axis": -1}),
    Example((Rand((2, 3, 4)),), {"axis": (0, 2)}), Example((Rand(()),))]

_ORDER_EXAMPLES = [
    Example((0, Rand((3,), 0.5, 5.0))), Example((1, Rand((), 0.5, 5.0))),
    Example((3, Rand((2, 3), 0.5, 5.0))), Example((-2, Rand((3,), 0.5, 5.0))),
    Example((np.array([0, 1, 2]), Rand((2, 3), 0.5, 5.0))),
    Example((np.array([[1], [2]]), Rand((3,), 0.5, 5.0)))]

_REAL_ORDER_EXAMPLES = [
    Example((1, Rand((3,), 0.5, 5.0))), Example((0, Rand((), 0.5, 5.0))),
    Example((2, Rand((2, 3), 0.5, 5.0))), Example((-3, Rand((3,), 0.5, 5.0))),
    Example((np.array([0, 1, 4]), Rand((2, 3), 0.5, 5.0))),
    Example((np.array([[1], [5]]), Rand((3,), 0.5, 5.0)))]



def _register() -> None:
    """Register the rules (once the user's code has imported scipy.special)."""


    # ------------------------------------------------------------------ gamma family

    @derivative(sp.gammaln, kind="elementwise", domain={"x": (0.2, 4.0)})
    def _(y, x):
        return sp.digamma(x)

    # sp.psi is sp.digamma
    @derivative(sp.digamma, kind="elementwise", domain={"x": (0.2, 4.0)})
    def _(y, x):
        return sp.polygamma(1, x)

    # srcad's own digamma (math.gamma's and math.lgamma's derivatives call it): the same
    # function, so their second derivatives exist
    share_rules(sp.digamma, elementwise_rt.digamma, examples=[
        Example((Rand((), 0.3, 4.0),)), Example((Rand((3,), 0.3, 4.0),))])

    # The order n is an integer: no derivative.
    @derivative(sp.polygamma, wrt=("x",), broadcasting=True, kind="elementwise",
                nondiff_params=("n",), examples=[
        Example((1, Rand((), 0.3, 4.0))), Example((0, Rand((3,), 0.3, 4.0))),
        Example((2, Rand((2, 3), 0.3, 4.0))),
        Example((np.array([0, 1, 3]), Rand((2, 3), 0.3, 4.0))),
        Example((np.array([[1], [2]]), Rand((3,), 0.3, 4.0)))])
    def _(y, n, x):
        return sp.polygamma(n + 1, x)

    @derivative(sp.gamma, kind="elementwise", domain={"x": (0.2, 4.0)})
    def _(y, x):
        return y * sp.digamma(x)

    @derivative(sp.rgamma, kind="elementwise", domain={"x": (-2.9, 4.0)})
    def _(y, x):
        return rgamma_derivative(x)

    nondifferentiable(sp.gammasgn, kind="elementwise")

    # (for second derivatives of rgamma: the helper is entire, like rgamma)
    @derivative(rgamma_derivative, kind="elementwise", domain={"x": (-2.9, 4.0)}, examples=[
        Example((Rand((4,), -2.9, 4.0),)), Example((Rand((), -2.9, 0.4),)),
        Example((Rand((2, 3), 0.5, 6.0),)), Example((Rand((), -3.0001, -2.9999),))])
    def _(y, x):
        return rgamma_second_derivative(x)

    @derivative(sp.multigammaln, wrt=("a",), kind="first", nondiff_params=("d",), examples=[
        Example((Rand((), 2.0, 5.0), 3)), Example((Rand((3,), 1.5, 4.0), 2)),
        Example((Rand((), 0.5, 3.0), 1)), Example((Rand((2, 2), 3.0, 6.0), 5))])
    def _(y, a, d):
        return multigammaln_derivative(a, d)

    @derivative(multigammaln_derivative, wrt=("a",), kind="first", nondiff_params=("d",),
                examples=[Example((Rand((), 2.0, 5.0), 3)), Example((Rand((3,), 1.5, 4.0), 2)),
                          Example((Rand((2, 2), 3.0, 6.0), 5))])
    def _(y, a, d):
        return multigammaln_second_derivative(a, d)

    @derivative(sp.beta, broadcasting=True, kind="elementwise",
                domain={"a": (0.3, 3.0), "b": (0.3, 3.0)})
    def _(z, a, b):
        return z * (sp.digamma(a) - sp.digamma(a + b)), z * (sp.digamma(b) - sp.digamma(a + b))

    @derivative(sp.betaln, broadcasting=True, kind="elementwise",
                domain={"a": (0.3, 3.0), "b": (0.3, 3.0)})
    def _(z, a, b):
        return sp.digamma(a) - sp.digamma(a + b), sp.digamma(b) - sp.digamma(a + b)

    # Regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P. The
    # derivative in `a` comes from a series or an integral (srcad/runtime/special.py),
    # accurate to about 1e-13 relative even far in the tails.
    # d/dx is the gamma density x**(a-1) exp(-x) / gamma(a) (xlogy: 1 at x = 0 for a = 1).
    @derivative(sp.gammainc, broadcasting=True, kind="elementwise",
                domain={"a": (0.3, 4.0), "x": (0.1, 12.0)})
    def _(z, a, x):
        return gammainc_da(a, x), np.exp(sp.xlogy(a - 1.0, x) - x - sp.gammaln(a))

    @derivative(sp.gammaincc, broadcasting=True, kind="elementwise",
                domain={"a": (0.3, 4.0), "x": (0.1, 12.0)})
    def _(z, a, x):
        return gammaincc_da(a, x), -np.exp(sp.xlogy(a - 1.0, x) - x - sp.gammaln(a))

    # Regularized incomplete beta function I(a, b, x) and its complement 1 - I: the
    # derivatives in a and b come from a series (srcad/runtime/special.py).

    @derivative(sp.betainc, broadcasting=True, kind="elementwise", examples=_BETAINC_EXAMPLES)
    def _(y, a, b, x):
        d_ab = betainc_dab(a, b, x)
        return d_ab[0], d_ab[1], betainc_dx(a, b, x)

    # (the derivative of betainc in x, for its second derivatives)
    @derivative(betainc_dx, broadcasting=True, kind="elementwise", examples=_BETAINC_EXAMPLES + [
        Example((1.0, Rand((3,), 0.3, 3.0), Rand((3,), 0.05, 0.95))),
        Example((Rand((3,), 0.3, 3.0), 1.0, Rand((3,), 0.05, 0.95)))])
    def _(y, a, b, x):
        partials = betainc_dx_partials(a, b, x)
        return partials[0], partials[1], partials[2]

    # ------------------------------------------------------------------ error functions

    @derivative(sp.erf, kind="elementwise")
    def _(y, x):
        return (2.0 / _SQRT_PI) * np.exp(-x * x)

    @derivative(sp.erfc, kind="elementwise")
    def _(y, x):
        return -(2.0 / _SQRT_PI) * np.exp(-x * x)

    @derivative(sp.erfcx, kind="elementwise")
    def _(y, x):
        return 2.0 * x * y - 2.0 / _SQRT_PI

    @derivative(sp.erfinv, kind="elementwise", domain={"x": (-0.9, 0.9)})
    def _(y, x):
        return (_SQRT_PI / 2.0) * np.exp(y * y)

    @derivative(sp.erfcinv, kind="elementwise", domain={"x": (0.1, 1.9)})
    def _(y, x):
        return -(_SQRT_PI / 2.0) * np.exp(y * y)

    # The standard normal CDF, its log and its inverse.
    @derivative(sp.ndtr, kind="elementwise")
    def _(y, x):
        return np.exp(-0.5 * x * x) / _SQRT_2PI

    @derivative(sp.log_ndtr, kind="elementwise", domain={"x": (-30.0, 5.0)})
    def _(y, x):
        return np.exp(-0.5 * x * x - y) / _SQRT_2PI

    @derivative(sp.ndtri, kind="elementwise", domain={"x": (0.05, 0.95)})
    def _(y, x):
        return _SQRT_2PI * np.exp(0.5 * y * y)

    # ------------------------------------------------------------------ logistic

    @derivative(sp.expit, kind="elementwise", domain={"x": (-5.0, 5.0)})
    def _(y, x):
        return y * (1.0 - y)

    @derivative(sp.logit, kind="elementwise", domain={"x": (0.05, 0.95)})
    def _(y, x):
        return 1.0 / (x * (1.0 - x))

    @derivative(sp.log_expit, kind="elementwise", domain={"x": (-5.0, 5.0)})
    def _(y, x):
        return sp.expit(-x)

    # ------------------------------------------------------------------ x log y and entropies

    # xlogy(x, y) = x * log(y), defined as 0 where x == 0: there d/dy is 0 too.
    @derivative(sp.xlogy, broadcasting=True, kind="elementwise", domain={"y": (0.3, 3.0)})
    def _(z, x, y):
        return np.log(y), x / np.where(x == 0, 1.0, y)

    @derivative(sp.xlog1py, broadcasting=True, kind="elementwise", domain={"y": (-0.7, 3.0)})
    def _(z, x, y):
        return np.log1p(y), x / np.where(x == 0, 1.0, 1.0 + y)

    @derivative(sp.entr, kind="elementwise", domain={"x": (0.1, 3.0)})
    def _(y, x):
        return -(np.log(x) + 1.0)

    @derivative(sp.rel_entr, broadcasting=True, kind="elementwise",
                domain={"x": (0.1, 3.0), "y": (0.1, 3.0)})
    def _(z, x, y):
        return np.log(x / y) + 1.0, -x / np.where(x == 0, 1.0, y)

    # (at x == 0 both are linear in y: d/dy is 0 and 1, also at y == 0)
    @derivative(sp.kl_div, broadcasting=True, kind="elementwise",
                domain={"x": (0.1, 3.0), "y": (0.1, 3.0)})
    def _(z, x, y):
        return np.log(x / y), 1.0 - x / np.where(x == 0, 1.0, y)

    # ------------------------------------------------------------------ log-sum-exp, softmax



    # lse = log |sum(b * exp(a))| over `axis`: its gradient is sign * b * exp(a - lse)
    # (in a) and sign * exp(a - lse) (in b).
    @adjoint(sp.logsumexp, kind=_logsumexp_kind, examples=_LSE_EXAMPLES)
    def _(y, a, axis=None, b=None, keepdims=False, return_sign=False):
        da = logsumexp_adjoint_a(dy, y, a, axis, b, keepdims, return_sign)
        db = logsumexp_adjoint_b(dy, y, a, axis, b, keepdims, return_sign)

    @tangent(sp.logsumexp)
    def _(y, a, axis=None, b=None, keepdims=False, return_sign=False):
        dy = logsumexp_tangent(da, db, y, a, axis, b, keepdims, return_sign)

    # The helpers of the adjoint above, for second derivatives (as functions of all their
    # inputs: the output's adjoint g, the result y, a and b; srcad/runtime/special.py).



    @adjoint(logsumexp_adjoint_a, kind=_lse_helper_kind("a"),
             nondiff_params=("axis", "keepdims", "return_sign"), examples=_LSE_HELPER_EXAMPLES)
    def _(r, g, y, a, axis=None, b=None, keepdims=False, return_sign=False):
        dg, dy, da, db = logsumexp_adjoint_a_transpose(dr, g, y, a, axis, b, keepdims,
                                                       return_sign)

    @tangent(logsumexp_adjoint_a)
    def _(r, g, y, a, axis=None, b=None, keepdims=False, return_sign=False):
        dr = logsumexp_adjoint_a_tangent(dg, dy, da, db, g, y, a, axis, b, keepdims, return_sign)

    @adjoint(logsumexp_adjoint_b, kind=_lse_helper_kind("b"),
             nondiff_params=("axis", "keepdims", "return_sign"),
             examples=[ex for ex in _LSE_HELPER_EXAMPLES if ex.args[4] is not None])
    def _(r, g, y, a, axis=None, b=None, keepdims=False, return_sign=False):
        dg, dy, da, db = logsumexp_adjoint_b_transpose(dr, g, y, a, axis, b, keepdims,
                                                       return_sign)

    @tangent(logsumexp_adjoint_b)
    def _(r, g, y, a, axis=None, b=None, keepdims=False, return_sign=False):
        dr = logsumexp_adjoint_b_tangent(dg, dy, da, db, g, y, a, axis, b, keepdims, return_sign)


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

    @derivative(sp.i0, kind="elementwise")
    def _(y, x):
        return sp.i1(x)

    # I1' = (I0 + I2) / 2
    @derivative(sp.i1, kind="elementwise")
    def _(y, x):
        return 0.5 * (sp.i0(x) + sp.iv(2, x))

    # Exponentially scaled: i0e(x) = exp(-|x|) i0(x).
    @derivative(sp.i0e, kind="elementwise", domain={"x": (0.2, 3.0)})
    def _(y, x):
        return sp.i1e(x) - np.sign(x) * y

    @derivative(sp.i1e, kind="elementwise", domain={"x": (0.2, 3.0)})
    def _(y, x):
        return 0.5 * (sp.i0e(x) + sp.ive(2, x)) - np.sign(x) * y

    @derivative(sp.j0, kind="elementwise", domain={"x": (-5.0, 5.0)})
    def _(y, x):
        return -sp.j1(x)

    # J1' = (J0 - J2) / 2
    @derivative(sp.j1, kind="elementwise", domain={"x": (-5.0, 5.0)})
    def _(y, x):
        return 0.5 * (sp.j0(x) - sp.jv(2, x))

    @derivative(sp.y0, kind="elementwise", domain={"x": (0.5, 5.0)})
    def _(y, x):
        return -sp.y1(x)

    @derivative(sp.y1, kind="elementwise", domain={"x": (0.5, 5.0)})
    def _(y, x):
        return 0.5 * (sp.y0(x) - sp.yv(2, x))

    @derivative(sp.k0, kind="elementwise", domain={"x": (0.3, 4.0)})
    def _(y, x):
        return -sp.k1(x)

    # K1' = -(K0 + K2) / 2
    @derivative(sp.k1, kind="elementwise", domain={"x": (0.3, 4.0)})
    def _(y, x):
        return -0.5 * (sp.k0(x) + sp.kv(2, x))

    # Integer orders (SciPy truncates a float order): Y_n' = (Y_{n-1} - Y_{n+1}) / 2 and
    # K_n' = -(K_{n-1} + K_{n+1}) / 2.

    @derivative(sp.yn, wrt=("x",), broadcasting=True, kind="elementwise",
                nondiff_params=("n",), examples=_ORDER_EXAMPLES)
    def _(y, n, x):
        return 0.5 * (sp.yn(integer_order(n) - 1, x) - sp.yn(integer_order(n) + 1, x))

    @derivative(sp.kn, wrt=("x",), broadcasting=True, kind="elementwise",
                nondiff_params=("n",), examples=_ORDER_EXAMPLES)
    def _(y, n, x):
        return -0.5 * (sp.kn(integer_order(n) - 1, x) + sp.kn(integer_order(n) + 1, x))

    # Real orders v, in x only: the order is held constant by the caller (a call that
    # differentiates v is refused: its derivative is not implemented). Recurrences:
    # J_v' = (J_{v-1} - J_{v+1}) / 2, the same for Y, I_v' = (I_{v-1} + I_{v+1}) / 2,
    # K_v' = -(K_{v-1} + K_{v+1}) / 2; the scaled ive(v, x) = iv(v, x) exp(-|x|) and
    # kve(v, x) = kv(v, x) exp(x) (real x). Each statement calls the function itself
    # (second derivatives). sp.jn is sp.jv. The sweep's orders are ints (it would vary a
    # float order and find the refused derivative in v); tests/rules/test_special.py
    # checks real orders (0.3, 1.5) against finite differences, first and second order.

    @derivative(sp.jv, wrt=("x",), broadcasting=True, kind="elementwise",
                examples=_REAL_ORDER_EXAMPLES)
    def _(y, v, x):
        return 0.5 * (sp.jv(v - 1.0, x) - sp.jv(v + 1.0, x))

    @derivative(sp.yv, wrt=("x",), broadcasting=True, kind="elementwise",
                examples=_REAL_ORDER_EXAMPLES)
    def _(y, v, x):
        return 0.5 * (sp.yv(v - 1.0, x) - sp.yv(v + 1.0, x))

    @derivative(sp.iv, wrt=("x",), broadcasting=True, kind="elementwise",
                examples=_REAL_ORDER_EXAMPLES + [Example((2, Rand((3,), -4.0, -0.5)))])
    def _(y, v, x):
        return 0.5 * (sp.iv(v - 1.0, x) + sp.iv(v + 1.0, x))

    @derivative(sp.ive, wrt=("x",), broadcasting=True, kind="elementwise",
                examples=_REAL_ORDER_EXAMPLES + [Example((2, Rand((3,), -4.0, -0.5))),
                                                 Example((3, Rand((3,), 20.0, 60.0)))])
    def _(y, v, x):
        return 0.5 * (sp.ive(v - 1.0, x) + sp.ive(v + 1.0, x)) - np.sign(x) * y

    @derivative(sp.kv, wrt=("x",), broadcasting=True, kind="elementwise",
                examples=_REAL_ORDER_EXAMPLES)
    def _(y, v, x):
        return -0.5 * (sp.kv(v - 1.0, x) + sp.kv(v + 1.0, x))

    @derivative(sp.kve, wrt=("x",), broadcasting=True, kind="elementwise",
                examples=_REAL_ORDER_EXAMPLES + [Example((3, Rand((3,), 20.0, 60.0)))])
    def _(y, v, x):
        return -0.5 * (sp.kve(v - 1.0, x) + sp.kve(v + 1.0, x)) + y

    # ------------------------------------------------------------------ SciPy 1.11+

    if hasattr(sp, "betaincc"):  # 1 - betainc
        @derivative(sp.betaincc, broadcasting=True, kind="elementwise",
                    examples=_BETAINC_EXAMPLES)
        def _(y, a, b, x):
            d_ab = betainc_dab(a, b, x)
            return -d_ab[0], -d_ab[1], -betainc_dx(a, b, x)


if HAVE_SCIPY:
    register_when_imported("scipy.special", _register)
