"""Rules for the differentiable functions of Python's `math` module."""

import math

from ..registry import adjoint, nondifferentiable, tangent


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
    dx = dy * math.copysign(1.0, x) if x != 0.0 else 0.0 * dy


@tangent(math.fabs)
def _(y, x):
    dy = dx * math.copysign(1.0, x) if x != 0.0 else 0.0 * dx


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


nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf,
                  math.isfinite, kind="scalar")
