"""Rules for Python builtins used in numeric code."""

import builtins

import numpy as np

from srcad.rules.registry import Example, Rand, adjoint, nondifferentiable, tangent


@adjoint(builtins.abs, kind="first", domain={"x": (0.2, 2.0)})
def _(y, x):
    dx = dy * np.sign(x)


@tangent(builtins.abs)
def _(y, x):
    dy = dx * np.sign(x)


@adjoint(builtins.float, kind="scalar")
def _(y, x):
    dx = dy


@tangent(builtins.float)
def _(y, x):
    dy = dx


@adjoint(builtins.pow, broadcasting=True, kind="elementwise",
         domain={"x": (0.5, 2.0), "y": (-2.0, 2.0)})
def _(z, x, y):
    dx = dz * y * x ** (y - 1)
    dy = dz * z * np.log(x)


@tangent(builtins.pow)
def _(z, x, y):
    dz = dx * y * x ** (y - 1) + dy * z * np.log(x)


# max(a, b) / min(a, b) of exactly two numbers (a single iterable, three or more
# arguments, or key= / default= are refused). Ties split the adjoint 1/2 each, as for
# np.maximum / np.minimum.
_TWO_SCALARS = [Example((Rand(()), Rand(()))), Example((Rand(()), 0.25)),
                Example((Rand((), 1.0, 2.0), Rand((), -2.0, -1.0))),
                Example((Rand((), -2.0, -1.0), Rand((), 1.0, 2.0)))]


@adjoint(builtins.max, broadcasting=True, kind="elementwise", examples=_TWO_SCALARS)
def _(z, a, b):
    da = dz * ((a > b) + 0.5 * (a == b))
    db = dz * ((b > a) + 0.5 * (a == b))


@tangent(builtins.max)
def _(z, a, b):
    dz = da * ((a > b) + 0.5 * (a == b)) + db * ((b > a) + 0.5 * (a == b))


@adjoint(builtins.min, broadcasting=True, kind="elementwise", examples=_TWO_SCALARS)
def _(z, a, b):
    da = dz * ((a < b) + 0.5 * (a == b))
    db = dz * ((b < a) + 0.5 * (a == b))


@tangent(builtins.min)
def _(z, a, b):
    dz = da * ((a < b) + 0.5 * (a == b)) + db * ((b < a) + 0.5 * (a == b))


nondifferentiable(builtins.len, builtins.range, builtins.int, builtins.bool,
                  builtins.round, builtins.isinstance, builtins.print, builtins.type,
                  builtins.str, builtins.repr, builtins.id, builtins.hash)
nondifferentiable(builtins.print, pure=False)
