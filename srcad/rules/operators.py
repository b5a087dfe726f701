"""Rules for Python's arithmetic operators (`+ - * / // % ** @`, unary minus)."""

import operator

import numpy as np

from srcad.rules.registry import adjoint, nondifferentiable, tangent
from srcad.runtime import matmul_adjoint_left, matmul_adjoint_right


@adjoint(operator.add, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz
    dy = dz


@tangent(operator.add)
def _(z, x, y):
    dz = dx + dy


@adjoint(operator.sub, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz
    dy = -dz


@tangent(operator.sub)
def _(z, x, y):
    dz = dx - dy


@adjoint(operator.mul, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz * y
    dy = dz * x


@tangent(operator.mul)
def _(z, x, y):
    dz = dx * y + x * dy


@adjoint(operator.truediv, broadcasting=True, kind="elementwise",
         domain={"y": (0.5, 2.0)})
def _(z, x, y):
    dx = dz / y
    dy = -dz * z / y


@tangent(operator.truediv)
def _(z, x, y):
    dz = (dx - z * dy) / y


@adjoint(operator.pow, broadcasting=True, kind="elementwise",
         domain={"x": (0.5, 2.0), "y": (-2.0, 2.0)})
def _(z, x, y):
    dx = dz * y * x ** (y - 1)
    dy = dz * z * np.log(x)


@tangent(operator.pow)
def _(z, x, y):
    dz = dx * y * x ** (y - 1) + dy * z * np.log(x)


@adjoint(operator.mod, broadcasting=True, kind="elementwise",
         domain={"x": (0.1, 0.9), "y": (1.1, 2.0)})
def _(z, x, y):
    dx = dz
    dy = -dz * (x // y)


@tangent(operator.mod)
def _(z, x, y):
    dz = dx - dy * (x // y)


@adjoint(operator.neg, kind="first")
def _(z, x):
    dx = -dz


@tangent(operator.neg)
def _(z, x):
    dz = -dx


@adjoint(operator.pos, kind="first")
def _(z, x):
    dx = dz


@tangent(operator.pos)
def _(z, x):
    dz = dx


@adjoint(operator.matmul, kind="product")
def _(z, x, y):
    dx = matmul_adjoint_left(dz, x, y)
    dy = matmul_adjoint_right(dz, x, y)


@tangent(operator.matmul)
def _(z, x, y):
    dz = dx @ y + x @ dy


# Piecewise constant: the derivative is zero wherever it exists.
nondifferentiable(operator.floordiv, kind="elementwise")
nondifferentiable(operator.lt, operator.le, operator.gt, operator.ge, operator.eq,
                  operator.ne, operator.invert, operator.and_, operator.or_,
                  operator.xor, operator.lshift, operator.rshift, kind="elementwise")
nondifferentiable(operator.not_, operator.is_, operator.is_not, operator.contains)
