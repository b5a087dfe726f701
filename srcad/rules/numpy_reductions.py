"""Rules for NumPy reductions (`sum`, `mean`) and their ndarray methods."""

import numpy as np

from ..registry import Method, adjoint, tangent
from ..runtime import reduced_count, unreduce


@adjoint(np.sum, kind="reduction")
def _(y, x, axis=None, keepdims=False):
    dx = unreduce(dy, x, axis, keepdims)


@tangent(np.sum)
def _(y, x, axis=None, keepdims=False):
    dy = np.sum(dx, axis=axis, keepdims=keepdims)


@adjoint(Method("sum"), kind="reduction")
def _(y, x, axis=None, keepdims=False):
    dx = unreduce(dy, x, axis, keepdims)


@tangent(Method("sum"))
def _(y, x, axis=None, keepdims=False):
    dy = np.sum(dx, axis=axis, keepdims=keepdims)


@adjoint(np.mean, kind="reduction")
def _(y, x, axis=None, keepdims=False):
    dx = unreduce(dy / reduced_count(x, axis), x, axis, keepdims)


@tangent(np.mean)
def _(y, x, axis=None, keepdims=False):
    dy = np.mean(dx, axis=axis, keepdims=keepdims)


@adjoint(Method("mean"), kind="reduction")
def _(y, x, axis=None, keepdims=False):
    dx = unreduce(dy / reduced_count(x, axis), x, axis, keepdims)


@tangent(Method("mean"))
def _(y, x, axis=None, keepdims=False):
    dy = np.mean(dx, axis=axis, keepdims=keepdims)
