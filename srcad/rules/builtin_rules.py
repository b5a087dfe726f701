"""Rules for Python builtins used in numeric code."""

import builtins

import numpy as np

from ..registry import adjoint, nondifferentiable, tangent


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


nondifferentiable(builtins.len, builtins.range, builtins.int, builtins.bool,
                  builtins.round, builtins.isinstance, builtins.print, builtins.type,
                  builtins.str, builtins.repr, builtins.id, builtins.hash)
nondifferentiable(builtins.print, pure=False)
