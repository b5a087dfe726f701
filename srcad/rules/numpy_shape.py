"""Rules for shape operations: `reshape`, `transpose`, `.T`."""

import numpy as np

from ..registry import Attribute, Method, adjoint, nondifferentiable, tangent
from ..runtime import transpose_adjoint


@adjoint(np.reshape, kind="reshaped")
def _(y, a, shape):
    da = np.reshape(dy, np.shape(a))


@tangent(np.reshape)
def _(y, a, shape):
    dy = np.reshape(da, shape)


@adjoint(Method("reshape"), kind="array")
def _(y, a, *shape):
    da = np.reshape(dy, np.shape(a))


@tangent(Method("reshape"))
def _(y, a, *shape):
    dy = np.reshape(da, np.shape(y))


@adjoint(np.transpose, kind="same_rank")
def _(y, a, axes=None):
    da = transpose_adjoint(dy, axes)


@tangent(np.transpose)
def _(y, a, axes=None):
    dy = np.transpose(da, axes)


@adjoint(Attribute("T"), kind="same_rank")
def _(y, a):
    da = np.transpose(dy)


@tangent(Attribute("T"))
def _(y, a):
    dy = np.transpose(da)


nondifferentiable(np.shape, np.ndim, np.size, Attribute("shape"), Attribute("ndim"),
                  Attribute("size"), Attribute("dtype"))
# Outputs that do not depend on the values of float inputs. (np.full, np.arange and
# np.linspace do: they have no rule yet, so differentiating through them is refused.)
nondifferentiable(np.zeros, np.ones, np.empty, np.eye, np.zeros_like, np.ones_like,
                  np.empty_like, np.argmax, np.argmin, np.argsort, kind="array")
nondifferentiable(np.nonzero, kind="other")
