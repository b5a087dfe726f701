"""Rules for products: `np.dot`, `np.matmul` and the `.dot` method."""

import numpy as np

from ..registry import Method, adjoint, tangent
from ..runtime import dot_adjoint_left, dot_adjoint_right, matmul_adjoint_left, \
    matmul_adjoint_right


@adjoint(np.dot, kind="product")
def _(z, a, b):
    da = dot_adjoint_left(dz, a, b)
    db = dot_adjoint_right(dz, a, b)


@tangent(np.dot)
def _(z, a, b):
    dz = np.dot(da, b) + np.dot(a, db)


@adjoint(Method("dot"), kind="product")
def _(z, a, b):
    da = dot_adjoint_left(dz, a, b)
    db = dot_adjoint_right(dz, a, b)


@tangent(Method("dot"))
def _(z, a, b):
    dz = np.dot(da, b) + np.dot(a, db)


@adjoint(np.matmul, kind="product")
def _(z, a, b):
    da = matmul_adjoint_left(dz, a, b)
    db = matmul_adjoint_right(dz, a, b)


@tangent(np.matmul)
def _(z, a, b):
    dz = np.matmul(da, b) + np.matmul(a, db)
