"""Rules for NumPy's elementwise functions (ufuncs)."""

import numpy as np

from ..registry import adjoint, nondifferentiable, tangent

# Each unary rule: y = f(x).


@adjoint(np.sin, kind="first")
def _(y, x):
    dx = dy * np.cos(x)


@tangent(np.sin)
def _(y, x):
    dy = dx * np.cos(x)


@adjoint(np.cos, kind="first")
def _(y, x):
    dx = -dy * np.sin(x)


@tangent(np.cos)
def _(y, x):
    dy = -dx * np.sin(x)


@adjoint(np.tan, kind="first")
def _(y, x):
    dx = dy * (1.0 + y * y)


@tangent(np.tan)
def _(y, x):
    dy = dx * (1.0 + y * y)


@adjoint(np.arcsin, kind="first", domain={"x": (-0.9, 0.9)})
def _(y, x):
    dx = dy / np.sqrt(1.0 - x * x)


@tangent(np.arcsin)
def _(y, x):
    dy = dx / np.sqrt(1.0 - x * x)


@adjoint(np.arccos, kind="first", domain={"x": (-0.9, 0.9)})
def _(y, x):
    dx = -dy / np.sqrt(1.0 - x * x)


@tangent(np.arccos)
def _(y, x):
    dy = -dx / np.sqrt(1.0 - x * x)


@adjoint(np.arctan, kind="first")
def _(y, x):
    dx = dy / (1.0 + x * x)


@tangent(np.arctan)
def _(y, x):
    dy = dx / (1.0 + x * x)


@adjoint(np.sinh, kind="first")
def _(y, x):
    dx = dy * np.cosh(x)


@tangent(np.sinh)
def _(y, x):
    dy = dx * np.cosh(x)


@adjoint(np.cosh, kind="first")
def _(y, x):
    dx = dy * np.sinh(x)


@tangent(np.cosh)
def _(y, x):
    dy = dx * np.sinh(x)


@adjoint(np.tanh, kind="first")
def _(y, x):
    dx = dy * (1.0 - y * y)


@tangent(np.tanh)
def _(y, x):
    dy = dx * (1.0 - y * y)


@adjoint(np.exp, kind="first")
def _(y, x):
    dx = dy * y


@tangent(np.exp)
def _(y, x):
    dy = dx * y


@adjoint(np.expm1, kind="first")
def _(y, x):
    dx = dy * (y + 1.0)


@tangent(np.expm1)
def _(y, x):
    dy = dx * (y + 1.0)


@adjoint(np.log, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    dx = dy / x


@tangent(np.log)
def _(y, x):
    dy = dx / x


@adjoint(np.log1p, kind="first", domain={"x": (-0.5, 2.0)})
def _(y, x):
    dx = dy / (1.0 + x)


@tangent(np.log1p)
def _(y, x):
    dy = dx / (1.0 + x)


@adjoint(np.sqrt, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    dx = dy / (2.0 * y)


@tangent(np.sqrt)
def _(y, x):
    dy = dx / (2.0 * y)


@adjoint(np.square, kind="first")
def _(y, x):
    dx = dy * 2.0 * x


@tangent(np.square)
def _(y, x):
    dy = dx * 2.0 * x


@adjoint(np.negative, kind="first")
def _(y, x):
    dx = -dy


@tangent(np.negative)
def _(y, x):
    dy = -dx


@adjoint(np.abs, kind="first", domain={"x": (0.2, 2.0)})
def _(y, x):
    dx = dy * np.sign(x)


@tangent(np.abs)
def _(y, x):
    dy = dx * np.sign(x)


# Binary rules: z = f(x, y), broadcasting.


@adjoint(np.add, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz
    dy = dz


@tangent(np.add)
def _(z, x, y):
    dz = dx + dy


@adjoint(np.subtract, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz
    dy = -dz


@tangent(np.subtract)
def _(z, x, y):
    dz = dx - dy


@adjoint(np.multiply, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz * y
    dy = dz * x


@tangent(np.multiply)
def _(z, x, y):
    dz = dx * y + x * dy


@adjoint(np.divide, broadcasting=True, kind="elementwise", domain={"y": (0.5, 2.0)})
def _(z, x, y):
    dx = dz / y
    dy = -dz * z / y


@tangent(np.divide)
def _(z, x, y):
    dz = (dx - z * dy) / y


@adjoint(np.power, broadcasting=True, kind="elementwise",
         domain={"x": (0.5, 2.0), "y": (-2.0, 2.0)})
def _(z, x, y):
    dx = dz * y * np.power(x, y - 1)
    dy = dz * z * np.log(x)


@tangent(np.power)
def _(z, x, y):
    dz = dx * y * np.power(x, y - 1) + dy * z * np.log(x)


# Ties between the two inputs split the adjoint evenly (the documented convention).
@adjoint(np.maximum, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz * ((x > y) + 0.5 * (x == y))
    dy = dz * ((y > x) + 0.5 * (x == y))


@tangent(np.maximum)
def _(z, x, y):
    dz = dx * ((x > y) + 0.5 * (x == y)) + dy * ((y > x) + 0.5 * (x == y))


@adjoint(np.minimum, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz * ((x < y) + 0.5 * (x == y))
    dy = dz * ((y < x) + 0.5 * (x == y))


@tangent(np.minimum)
def _(z, x, y):
    dz = dx * ((x < y) + 0.5 * (x == y)) + dy * ((y < x) + 0.5 * (x == y))


@adjoint(np.where, broadcasting=True, kind="elementwise")
def _(z, condition, x, y):
    dx = np.where(condition, dz, 0.0)
    dy = np.where(condition, 0.0, dz)


@tangent(np.where)
def _(z, condition, x, y):
    dz = np.where(condition, dx, dy)


nondifferentiable(np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.isnan,
                  np.isfinite, np.isinf, np.greater, np.greater_equal, np.less,
                  np.less_equal, np.equal, np.not_equal, np.logical_and, np.logical_or,
                  np.logical_not, kind="elementwise")
