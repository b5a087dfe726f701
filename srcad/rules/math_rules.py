"""Rules for the differentiable functions of Python's `math` module.

Most share the statement of their NumPy twin, reading `np.cos` as `math.cos` and so on
(their derivatives of Python floats stay Python floats).
"""

import importlib.util
import math
import operator

import numpy as np

from srcad.ir.kinds import SCALAR, TupleKind
from srcad.rules import (  # noqa: F401  (the rules shared below)
    numpy_binary,
    numpy_elementwise,
    operators,
)
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    derivative,
    nondifferentiable,
    share_rules,
    tangent,
)
from srcad.runtime.elementwise import digamma, dist_adjoint, dist_tangent, math_multiple_of

_NUMPY_TWINS = {
    np.sin: math.sin, np.cos: math.cos, np.tan: math.tan, np.arcsin: math.asin,
    np.arccos: math.acos, np.arctan: math.atan, np.sinh: math.sinh, np.cosh: math.cosh,
    np.tanh: math.tanh, np.arcsinh: math.asinh, np.arccosh: math.acosh,
    np.arctanh: math.atanh, np.exp: math.exp, np.expm1: math.expm1, np.log2: math.log2,
    np.log10: math.log10, np.log1p: math.log1p, np.sqrt: math.sqrt,
    np.rad2deg: math.degrees, np.deg2rad: math.radians,
    np.cbrt: getattr(math, "cbrt", None), np.exp2: getattr(math, "exp2", None),  # 3.11+
}
for _numpy_fn, _math_fn in _NUMPY_TWINS.items():
    if _math_fn is not None:
        share_rules(_numpy_fn, _math_fn, kind="scalar", names={"np": math})
share_rules(np.arctan2, math.atan2, kind="scalar", broadcasting=False, names={"np": math},
            domain={"x1": (0.5, 2.0), "x2": (0.5, 2.0)})
share_rules(operator.pow, math.pow, kind="scalar", broadcasting=False, names={"np": math})


@derivative(math.log, kind="scalar", domain={"x": (0.5, 3.0), "base": (1.5, 4.0)})
def _(y, x, base=math.e):
    return 1.0 / (x * math.log(base)), -y / (base * math.log(base))


@derivative(math.fabs, kind="scalar", domain={"x": (0.2, 2.0)})
def _(y, x):
    return math.copysign(1.0, x) * (x != 0.0)


@derivative(math.hypot, kind="scalar", domain={"x": (0.5, 2.0), "y": (0.5, 2.0)})
def _(z, x, y):
    return x / z, y / z


@derivative(math.erf, kind="scalar")
def _(y, x):
    return (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@derivative(math.erfc, kind="scalar")
def _(y, x):
    return -(2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


# math.fmod(x, y) = x - n * y with n = trunc(x / y); math.remainder uses n = x / y
# rounded to the nearest integer. n is piecewise constant: dz/dx = 1, dz/dy = -n.
@derivative(math.fmod, kind="scalar", domain={"x": (-3.0, 3.0), "y": (0.6, 1.4)})
def _(z, x, y):
    return 1.0, -math_multiple_of(x, z, y)


share_rules(math.fmod, math.remainder)
# (n = round((x - r) / y) is piecewise constant in x, r and y: its derivative is 0
# wherever it exists)
nondifferentiable(math_multiple_of, kind="scalar", examples=[
    Example((2.3, math.fmod(2.3, 0.9), 0.9)), Example((-1.7, math.remainder(-1.7, 0.6), 0.6))])


# copysign(x, y) = |x| with the sign of y: dz/dx = +1 where the signs agree, -1 where
# they differ, 0 at x = 0 (like abs); the sign of y is piecewise constant (derivative 0).
@derivative(math.copysign, kind="scalar")
def _(z, x, y):
    return math.copysign(1.0, x) * math.copysign(1.0, y) * (x != 0.0), 0.0


# ldexp(x, i) = x * 2**i with an integer i.
@adjoint(math.ldexp, linear=True, kind="scalar",
         examples=[Example((Rand(()), 3)), Example((Rand(()), -2))])
def _(y, x, i):
    dx = math.ldexp(dy, i)


# dist(p, q) = |p - q|; the adjoints of p and q are sequences like p and q. At p == q
# the subgradient 0 is used.
@adjoint(math.dist, kind="scalar",
         examples=[Example(([Rand(()), Rand(()), Rand(())], [Rand(()), Rand(()), Rand(())])),
                   Example((Rand((4,)), Rand((4,))))])
def _(d, p, q):
    dp = dist_adjoint(dd, p, q, d)
    dq = dist_adjoint(dd, p, q, d, -1.0)


@tangent(math.dist)
def _(d, p, q):
    dd = dist_tangent(dp, dq, p, q, d)


# gamma' = gamma * digamma and lgamma' = digamma (also for negative x, where lgamma is
# log|gamma|). Digamma comes from SciPy: without SciPy these stay unregistered (refused).
if importlib.util.find_spec("scipy") is not None:

    @derivative(math.gamma, kind="scalar", domain={"x": (0.5, 3.0)})
    def _(y, x):
        return y * digamma(x)

    @derivative(math.lgamma, kind="scalar", domain={"x": (0.5, 3.0)})
    def _(y, x):
        return digamma(x)


def _two_scalars(kinds, named):
    return TupleKind((SCALAR, SCALAR))


# modf(x) = (fractional part, integral part); only the first depends smoothly on x.
@adjoint(math.modf, kind=_two_scalars)
def _(y, x):
    dx = dy[0]


@tangent(math.modf)
def _(y, x):
    dy = (dx, 0.0)


# frexp(x) = (mantissa, exponent) with x = mantissa * 2**exponent, exponent an integer.
@adjoint(math.frexp, kind=_two_scalars)
def _(y, x):
    dx = math.ldexp(dy[0], -y[1])


@tangent(math.frexp)
def _(y, x):
    dy = (math.ldexp(dx, -y[1]), 0.0)


nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf,
                  math.isfinite, kind="scalar")
nondifferentiable(math.comb, math.perm, math.gcd, math.lcm, kind="scalar",
                  examples=[Example((7, 3)), Example((12, 5))])
nondifferentiable(math.factorial, math.isqrt, kind="scalar",
                  examples=[Example((5,)), Example((10,))])
nondifferentiable(math.isclose, kind="other",
                  examples=[Example((Rand(()), Rand(()))), Example((1.0, 1.0 + 1e-12))])
