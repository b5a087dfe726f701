"""Rules for Python's arithmetic operators (`+ - * / // % ** @`, unary minus).

Most are the rules of their NumPy twins (`x + y` as `np.add(x, y)`)."""

import operator

import numpy as np

from srcad.rules import numpy_elementwise  # noqa: F401  (the rules shared below)
from srcad.rules.registry import adjoint, derivative, nondifferentiable, share_rules
from srcad.runtime import matmul_adjoint_left, matmul_adjoint_right

share_rules(np.add, operator.add)
share_rules(np.subtract, operator.sub)
share_rules(np.divide, operator.truediv)
share_rules(np.negative, operator.neg)
share_rules(np.positive, operator.pos)


# The product rule reads `dx * y + x * dy`; np.multiply is the same product.
@adjoint(operator.mul, bilinear=True, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz * y
    dy = dz * x


share_rules(operator.mul, np.multiply)


# As np.power's (numpy_elementwise.py): exact limits where the formulas make 0 * inf.
share_rules(np.power, operator.pow)


@derivative(operator.mod, broadcasting=True, kind="elementwise",
            domain={"x": (0.1, 0.9), "y": (1.1, 2.0)})
def _(z, x, y):
    return 1.0, -(x // y)


@adjoint(operator.matmul, bilinear=True, kind="product")
def _(z, x, y):
    dx = matmul_adjoint_left(dz, x, y)
    dy = matmul_adjoint_right(dz, x, y)


# Piecewise constant: the derivative is zero wherever it exists.
nondifferentiable(operator.floordiv, kind="elementwise")
nondifferentiable(operator.lt, operator.le, operator.gt, operator.ge, operator.eq,
                  operator.ne, operator.invert, operator.and_, operator.or_,
                  operator.xor, operator.lshift, operator.rshift, kind="elementwise")
nondifferentiable(operator.not_, operator.is_, operator.is_not, operator.contains)
