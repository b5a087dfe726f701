"""Rules for the differentiable functions of Python's `math` module."""

import importlib.util
import math

from srcad.ir.kinds import SCALAR, TupleKind
from srcad.rules.registry import Example, Rand, adjoint, nondifferentiable, tangent
from srcad.runtime.elementwise import digamma, dist_adjoint, dist_tangent, math_multiple_of


@adjoint(math.sin, kind="scalar")
def _(y, x):
    dx = dy * math.cos(x)


@tangent(math.sin)
def _(y, x):
    dy = dx * math.cos(x)


@adjoint(math.cos, kind="scalar")
def _(y, x):
    dx = -dy * math.sin(x)


@tangent(math.cos)
def _(y, x):
    dy = -dx * math.sin(x)


@adjoint(math.tan, kind="scalar")
def _(y, x):
    dx = dy * (1.0 + y * y)


@tangent(math.tan)
def _(y, x):
    dy = dx * (1.0 + y * y)


@adjoint(math.asin, kind="scalar", domain={"x": (-0.9, 0.9)})
def _(y, x):
    dx = dy / math.sqrt(1.0 - x * x)


@tangent(math.asin)
def _(y, x):
    dy = dx / math.sqrt(1.0 - x * x)


@adjoint(math.acos, kind="scalar", domain={"x": (-0.9, 0.9)})
def _(y, x):
    dx = -dy / math.sqrt(1.0 - x * x)


@tangent(math.acos)
def _(y, x):
    dy = -dx / math.sqrt(1.0 - x * x)


@adjoint(math.atan, kind="scalar")
def _(y, x):
    dx = dy / (1.0 + x * x)


@tangent(math.atan)
def _(y, x):
    dy = dx / (1.0 + x * x)


@adjoint(math.atan2, kind="scalar", domain={"y": (0.5, 2.0), "x": (0.5, 2.0)})
def _(z, y, x):
    dy = dz * x / (x * x + y * y)
    dx = -dz * y / (x * x + y * y)


@tangent(math.atan2)
def _(z, y, x):
    dz = (dy * x - dx * y) / (x * x + y * y)


@adjoint(math.sinh, kind="scalar")
def _(y, x):
    dx = dy * math.cosh(x)


@tangent(math.sinh)
def _(y, x):
    dy = dx * math.cosh(x)


@adjoint(math.cosh, kind="scalar")
def _(y, x):
    dx = dy * math.sinh(x)


@tangent(math.cosh)
def _(y, x):
    dy = dx * math.sinh(x)


@adjoint(math.tanh, kind="scalar")
def _(y, x):
    dx = dy * (1.0 - y * y)


@tangent(math.tanh)
def _(y, x):
    dy = dx * (1.0 - y * y)


@adjoint(math.asinh, kind="scalar")
def _(y, x):
    dx = dy / math.sqrt(x * x + 1.0)


@tangent(math.asinh)
def _(y, x):
    dy = dx / math.sqrt(x * x + 1.0)


@adjoint(math.acosh, kind="scalar", domain={"x": (1.5, 3.0)})
def _(y, x):
    dx = dy / math.sqrt(x * x - 1.0)


@tangent(math.acosh)
def _(y, x):
    dy = dx / math.sqrt(x * x - 1.0)


@adjoint(math.atanh, kind="scalar", domain={"x": (-0.9, 0.9)})
def _(y, x):
    dx = dy / (1.0 - x * x)


@tangent(math.atanh)
def _(y, x):
    dy = dx / (1.0 - x * x)


@adjoint(math.exp, kind="scalar")
def _(y, x):
    dx = dy * y


@tangent(math.exp)
def _(y, x):
    dy = dx * y


@adjoint(math.expm1, kind="scalar")
def _(y, x):
    dx = dy * (y + 1.0)


@tangent(math.expm1)
def _(y, x):
    dy = dx * (y + 1.0)


@adjoint(math.log, kind="scalar", domain={"x": (0.5, 3.0), "base": (1.5, 4.0)})
def _(y, x, base=math.e):
    dx = dy / (x * math.log(base))
    dbase = -dy * y / (base * math.log(base))


@tangent(math.log)
def _(y, x, base=math.e):
    dy = dx / (x * math.log(base)) - dbase * y / (base * math.log(base))


@adjoint(math.log2, kind="scalar", domain={"x": (0.5, 3.0)})
def _(y, x):
    dx = dy / (x * math.log(2.0))


@tangent(math.log2)
def _(y, x):
    dy = dx / (x * math.log(2.0))


@adjoint(math.log10, kind="scalar", domain={"x": (0.5, 3.0)})
def _(y, x):
    dx = dy / (x * math.log(10.0))


@tangent(math.log10)
def _(y, x):
    dy = dx / (x * math.log(10.0))


@adjoint(math.log1p, kind="scalar", domain={"x": (-0.5, 2.0)})
def _(y, x):
    dx = dy / (1.0 + x)


@tangent(math.log1p)
def _(y, x):
    dy = dx / (1.0 + x)


@adjoint(math.sqrt, kind="scalar", domain={"x": (0.5, 3.0)})
def _(y, x):
    dx = dy / (2.0 * y)


@tangent(math.sqrt)
def _(y, x):
    dy = dx / (2.0 * y)


@adjoint(math.pow, kind="scalar", domain={"x": (0.5, 2.0), "y": (-2.0, 2.0)})
def _(z, x, y):
    dx = dz * y * math.pow(x, y - 1.0)
    dy = dz * z * math.log(x)


@tangent(math.pow)
def _(z, x, y):
    dz = dx * y * math.pow(x, y - 1.0) + dy * z * math.log(x)


@adjoint(math.fabs, kind="scalar", domain={"x": (0.2, 2.0)})
def _(y, x):
    dx = dy * math.copysign(1.0, x) * (x != 0.0)


@tangent(math.fabs)
def _(y, x):
    dy = dx * math.copysign(1.0, x) * (x != 0.0)


@adjoint(math.hypot, kind="scalar", domain={"x": (0.5, 2.0), "y": (0.5, 2.0)})
def _(z, x, y):
    dx = dz * x / z
    dy = dz * y / z


@tangent(math.hypot)
def _(z, x, y):
    dz = (dx * x + dy * y) / z


@adjoint(math.erf, kind="scalar")
def _(y, x):
    dx = dy * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@tangent(math.erf)
def _(y, x):
    dy = dx * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@adjoint(math.erfc, kind="scalar")
def _(y, x):
    dx = -dy * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@tangent(math.erfc)
def _(y, x):
    dy = -dx * (2.0 / math.sqrt(math.pi)) * math.exp(-x * x)


@adjoint(math.degrees, kind="scalar")
def _(y, x):
    dx = dy * (180.0 / math.pi)


@tangent(math.degrees)
def _(y, x):
    dy = dx * (180.0 / math.pi)


@adjoint(math.radians, kind="scalar")
def _(y, x):
    dx = dy * (math.pi / 180.0)


@tangent(math.radians)
def _(y, x):
    dy = dx * (math.pi / 180.0)


# math.fmod(x, y) = x - n * y with n = trunc(x / y); math.remainder uses n = x / y
# rounded to the nearest integer. n is piecewise constant: dz/dx = 1, dz/dy = -n.
@adjoint(math.fmod, kind="scalar", domain={"x": (-3.0, 3.0), "y": (0.6, 1.4)})
def _(z, x, y):
    dx = dz
    dy = -dz * math_multiple_of(x, z, y)


@tangent(math.fmod)
def _(z, x, y):
    dz = dx - dy * math_multiple_of(x, z, y)


@adjoint(math.remainder, kind="scalar", domain={"x": (-3.0, 3.0), "y": (0.6, 1.4)})
def _(z, x, y):
    dx = dz
    dy = -dz * math_multiple_of(x, z, y)


@tangent(math.remainder)
def _(z, x, y):
    dz = dx - dy * math_multiple_of(x, z, y)


# copysign(x, y) = |x| with the sign of y: dz/dx = +1 where the signs agree, -1 where
# they differ, 0 at x = 0 (like abs); the sign of y is piecewise constant (derivative 0).
@adjoint(math.copysign, kind="scalar")
def _(z, x, y):
    dx = dz * math.copysign(1.0, x) * math.copysign(1.0, y) * (x != 0.0)
    dy = 0.0 * dz


@tangent(math.copysign)
def _(z, x, y):
    dz = dx * math.copysign(1.0, x) * math.copysign(1.0, y) * (x != 0.0) + 0.0 * dy


# ldexp(x, i) = x * 2**i with an integer i.
@adjoint(math.ldexp, kind="scalar", examples=[Example((Rand(()), 3)), Example((Rand(()), -2))])
def _(y, x, i):
    dx = math.ldexp(dy, i)


@tangent(math.ldexp)
def _(y, x, i):
    dy = math.ldexp(dx, i)


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


if hasattr(math, "cbrt"):  # Python 3.11+

    @adjoint(math.cbrt, kind="scalar", domain={"x": (0.2, 2.0)})
    def _(y, x):
        dx = dy / (3.0 * y * y)

    @tangent(math.cbrt)
    def _(y, x):
        dy = dx / (3.0 * y * y)


if hasattr(math, "exp2"):  # Python 3.11+

    @adjoint(math.exp2, kind="scalar")
    def _(y, x):
        dx = dy * y * math.log(2.0)

    @tangent(math.exp2)
    def _(y, x):
        dy = dx * y * math.log(2.0)


# gamma' = gamma * digamma and lgamma' = digamma (also for negative x, where lgamma is
# log|gamma|). Digamma comes from SciPy: without SciPy these stay unregistered (refused).
if importlib.util.find_spec("scipy") is not None:

    @adjoint(math.gamma, kind="scalar", domain={"x": (0.5, 3.0)})
    def _(y, x):
        dx = dy * y * digamma(x)

    @tangent(math.gamma)
    def _(y, x):
        dy = dx * y * digamma(x)

    @adjoint(math.lgamma, kind="scalar", domain={"x": (0.5, 3.0)})
    def _(y, x):
        dx = dy * digamma(x)

    @tangent(math.lgamma)
    def _(y, x):
        dy = dx * digamma(x)


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
