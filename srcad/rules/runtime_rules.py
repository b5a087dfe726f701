"""Rules for the helpers generated code calls (`unbroadcast`, `index_adjoint`, ...).

Gradients are themselves differentiated for higher-order derivatives (forward over
reverse for Hessian-vector products, reverse over reverse for `grad(grad(f))`), so
every helper a reverse sweep emits needs rules of its own. All of them are linear in
their adjoint argument.
"""

import numpy as np

from srcad import runtime
from srcad.ir.kinds import NUMERIC
from srcad.rules.registry import Example, Rand, adjoint, complex_values, nondifferentiable, tangent
from srcad.runtime import (
    add_adjoints,
    add_at,
    add_items,
    broadcast_like,
    dot_adjoint_left,
    dot_adjoint_right,
    index_adjoint,
    matmul_adjoint_left,
    matmul_adjoint_right,
    shape,
    transpose_adjoint,
    unbroadcast,
    unreduce,
)


def same_kind_as(param):
    """A kind rule: the output has the kind of argument `param`."""

    def kind(kinds, named):
        return named[param][1] if param in named else NUMERIC

    return kind


@adjoint(runtime.unbroadcast, kind=same_kind_as("x"), nondiff_params=("x",), examples=[
    Example((Rand((2, 3)), np.ones(3))), Example((Rand((2, 3)), np.ones((2, 1)))),
    Example((Rand((2, 3)), 1.0)), Example((Rand((3,)), np.ones(3)))])
def _(y, g, x):
    dg = broadcast_like(dy, g)


@tangent(runtime.unbroadcast)
def _(y, g, x):
    dy = unbroadcast(dg, x)


@adjoint(runtime.broadcast_like, kind=same_kind_as("x"), nondiff_params=("x",), examples=[
    Example((Rand((3,)), np.ones((2, 3)))), Example((Rand(()), np.ones(3))),
    Example((Rand((2, 3)), np.ones((2, 3))))])
def _(y, t, x):
    dt = unbroadcast(dy, t)


@tangent(runtime.broadcast_like)
def _(y, t, x):
    dy = broadcast_like(dt, x)


@adjoint(runtime.unreduce, kind=same_kind_as("x"), nondiff_params=("x",), examples=[
    Example((Rand(()), np.ones((2, 3)))), Example((Rand((3,)), np.ones((2, 3)), 0)),
    Example((Rand((2, 1)), np.ones((2, 3)), 1, True)),
    Example((Rand((2,)), np.ones((2, 3)), -1))])
def _(y, g, x, axis=None, keepdims=False):
    dg = np.sum(dy, axis=axis, keepdims=keepdims)


@tangent(runtime.unreduce)
def _(y, g, x, axis=None, keepdims=False):
    dy = unreduce(dg, x, axis, keepdims)


@adjoint(runtime.index_adjoint, kind=same_kind_as("x"), nondiff_params=("x",), examples=[
    Example((Rand(()), np.ones(4), 2)), Example((Rand((2,)), np.ones(4), slice(1, 3))),
    Example((Rand((3,)), np.ones(4), np.array([0, 0, 2]))),
    Example((Rand((2,)), np.ones((2, 3)), (slice(None), 1)))])
def _(y, g, x, index):
    dg = dy[index]


@tangent(runtime.index_adjoint)
def _(y, g, x, index):
    dy = index_adjoint(dg, x, index)


@adjoint(runtime.transpose_adjoint, kind="same_rank", examples=[
    Example((Rand((2, 3)),)), Example((Rand((2, 3, 4)), (2, 0, 1)))])
def _(y, g, axes=None):
    dg = np.transpose(dy, axes)


@tangent(runtime.transpose_adjoint)
def _(y, g, axes=None):
    dy = transpose_adjoint(dg, axes)


_PRODUCT_EXAMPLES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4))]


def _left_examples(out_shape):
    return [Example((Rand(out_shape(a, b)), Rand(a), Rand(b))) for a, b in _PRODUCT_EXAMPLES]


def _matmul_shape(a, b):
    return np.matmul(np.ones(a), np.ones(b)).shape


def _dot_shape(a, b):
    return np.dot(np.ones(a), np.ones(b)).shape


@adjoint(runtime.matmul_adjoint_left, kind=same_kind_as("a"), nondiff_params=("a",),
         examples=_left_examples(_matmul_shape))
def _(y, g, a, b):
    dg = unbroadcast(np.matmul(dy, b), g)
    db = matmul_adjoint_right(g, dy, b)


@tangent(runtime.matmul_adjoint_left)
def _(y, g, a, b):
    dy = matmul_adjoint_left(dg, a, b) + matmul_adjoint_left(g, a, db)


@adjoint(runtime.matmul_adjoint_right, kind=same_kind_as("b"), nondiff_params=("b",),
         examples=_left_examples(_matmul_shape))
def _(y, g, a, b):
    dg = unbroadcast(np.matmul(a, dy), g)
    da = matmul_adjoint_left(g, a, dy)


@tangent(runtime.matmul_adjoint_right)
def _(y, g, a, b):
    dy = matmul_adjoint_right(dg, a, b) + matmul_adjoint_right(g, da, b)


@adjoint(runtime.dot_adjoint_left, kind=same_kind_as("a"), nondiff_params=("a",),
         examples=_left_examples(_dot_shape)[:4])
def _(y, g, a, b):
    dg = np.dot(dy, b)
    db = dot_adjoint_right(g, dy, b)


@tangent(runtime.dot_adjoint_left)
def _(y, g, a, b):
    dy = dot_adjoint_left(dg, a, b) + dot_adjoint_left(g, a, db)


@adjoint(runtime.dot_adjoint_right, kind=same_kind_as("b"), nondiff_params=("b",),
         examples=_left_examples(_dot_shape)[:4])
def _(y, g, a, b):
    dg = np.dot(a, dy)
    da = dot_adjoint_left(g, a, dy)


@tangent(runtime.dot_adjoint_right)
def _(y, g, a, b):
    dy = dot_adjoint_right(dg, a, b) + dot_adjoint_right(g, da, b)


@adjoint(runtime.add_at, kind="other", examples=[
    Example(([Rand(()), Rand(()), Rand(())], 1, Rand(()), 3))])
def _(y, adjoint, index, value, length):
    dadjoint = dy
    dvalue = dy[index]


@tangent(runtime.add_at)
def _(y, adjoint, index, value, length):
    dy = add_at(dadjoint, index, dvalue, length)


@adjoint(runtime.add_items, kind="other", examples=[
    Example(([Rand(()), Rand(())], [Rand(()), Rand(())]))])
def _(y, a, b):
    da = dy
    db = dy


@tangent(runtime.add_items)
def _(y, a, b):
    dy = add_items(da, db)


@adjoint(runtime.add_adjoints, kind="other", examples=[
    Example((Rand((2,)), Rand((2,)))), Example(([Rand(()), Rand((2,))], [Rand(()), Rand((2,))]))])
def _(y, a, b):
    da = dy
    db = dy


@tangent(runtime.add_adjoints)
def _(y, a, b):
    dy = add_adjoints(da, db)


@adjoint(runtime.identity, kind="first", examples=[Example((Rand(()),)),
                                                   Example((Rand((2, 3)),))])
def _(y, x):
    dx = dy


@tangent(runtime.identity)
def _(y, x):
    dy = dx


nondifferentiable(runtime.reduced_count, kind="scalar",
                  examples=[Example((np.ones((2, 3)),)), Example((np.ones((2, 3)), 1))])
nondifferentiable(runtime.zeros_like, kind="first",
                  examples=[Example((Rand((2, 3)),)), Example((Rand(()),))])


# The conversion np.asarray(xs) of a list: its adjoint splits an array into the items'
# adjoints, and the transpose of that joins them again (both linear in the adjoint).
@adjoint(shape.array_adjoint, kind=same_kind_as("obj"), nondiff_params=("obj", "y"),
         examples=[Example((Rand((3,)), [1.0, 2.0, 3.0], np.ones(3))),
                   Example((Rand((2, 2)), [[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2)))),
                   Example((Rand((2, 3)), np.ones((2, 3)), np.ones((2, 3))))])
def _(d, g, obj, y):
    dg = shape.array_tangent(dd, obj, y)


@tangent(shape.array_adjoint)
def _(d, g, obj, y):
    dd = shape.array_adjoint(dg, obj, y)


@adjoint(shape.array_tangent, kind=same_kind_as("y"), nondiff_params=("obj", "y"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0, 3.0], np.ones(3))),
                   Example((Rand((2, 3)), np.ones((2, 3)), np.ones((2, 3))))])
def _(t, dobj, obj, y):
    ddobj = shape.array_adjoint(dt, obj, y)


@tangent(shape.array_tangent)
def _(t, dobj, obj, y):
    dt = shape.array_tangent(ddobj, obj, y)


complex_values(shape.array_adjoint, shape.array_tangent, how="linear")
