"""Rules for the helpers generated code calls (`unbroadcast`, `index_adjoint`, ...).

Gradients are themselves differentiated for higher-order derivatives (forward over
reverse for Hessian-vector products, reverse over reverse for `grad(grad(f))`), so
every helper a reverse sweep emits needs rules of its own. All of them are linear in
their adjoint argument.
"""

import numpy as np

from srcad import runtime
from srcad.ir.kinds import NUMERIC
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_values,
    derivative,
    nondifferentiable,
)
from srcad.runtime import (
    broadcast_like,
    dot_adjoint_left,
    dot_adjoint_right,
    matmul_adjoint_left,
    matmul_adjoint_right,
    shape,
    unbroadcast,
)
from srcad.runtime.outputs import output_seed


def same_kind_as(param):
    """A kind rule: the output has the kind of argument `param`."""

    def kind(kinds, named):
        return named[param][1] if param in named else NUMERIC

    return kind


@adjoint(runtime.unbroadcast, linear=True, kind=same_kind_as("x"), nondiff_params=("x",),
         examples=[Example((Rand((2, 3)), np.ones(3))), Example((Rand((2, 3)), np.ones((2, 1)))),
                   Example((Rand((2, 3)), 1.0)), Example((Rand((3,)), np.ones(3)))])
def _(y, g, x):
    dg = broadcast_like(dy, g)


@adjoint(runtime.broadcast_like, linear=True, kind=same_kind_as("x"), nondiff_params=("x",),
         examples=[Example((Rand((3,)), np.ones((2, 3)))), Example((Rand(()), np.ones(3))),
                   Example((Rand((2, 3)), np.ones((2, 3))))])
def _(y, t, x):
    dt = unbroadcast(dy, t)


@adjoint(runtime.unreduce, linear=True, kind=same_kind_as("x"), nondiff_params=("x",),
         examples=[Example((Rand(()), np.ones((2, 3)))), Example((Rand((3,)), np.ones((2, 3)), 0)),
                   Example((Rand((2, 1)), np.ones((2, 3)), 1, True)),
                   Example((Rand((2,)), np.ones((2, 3)), -1))])
def _(y, g, x, axis=None, keepdims=False):
    dg = np.sum(dy, axis=axis, keepdims=keepdims)


@adjoint(runtime.index_adjoint, linear=True, kind=same_kind_as("x"), nondiff_params=("x",),
         examples=[Example((Rand(()), np.ones(4), 2)),
                   Example((Rand((2,)), np.ones(4), slice(1, 3))),
                   Example((Rand((3,)), np.ones(4), np.array([0, 0, 2]))),
                   Example((Rand((2,)), np.ones((2, 3)), (slice(None), 1)))])
def _(y, g, x, index):
    dg = dy[index]


@adjoint(runtime.transpose_adjoint, linear=True, kind="same_rank",
         examples=[Example((Rand((2, 3)),)), Example((Rand((2, 3, 4)), (2, 0, 1)))])
def _(y, g, axes=None):
    dg = np.transpose(dy, axes)


_PRODUCT_EXAMPLES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4))]


def _left_examples(out_shape):
    return [Example((Rand(out_shape(a, b)), Rand(a), Rand(b))) for a, b in _PRODUCT_EXAMPLES]


def _matmul_shape(a, b):
    return np.matmul(np.ones(a), np.ones(b)).shape


def _dot_shape(a, b):
    return np.dot(np.ones(a), np.ones(b)).shape


@adjoint(runtime.matmul_adjoint_left, bilinear=True, kind=same_kind_as("a"), nondiff_params=("a",),
         examples=_left_examples(_matmul_shape))
def _(y, g, a, b):
    dg = unbroadcast(np.matmul(dy, b), g)
    db = matmul_adjoint_right(g, dy, b)


@adjoint(runtime.matmul_adjoint_right, bilinear=True, kind=same_kind_as("b"), nondiff_params=("b",),
         examples=_left_examples(_matmul_shape))
def _(y, g, a, b):
    dg = unbroadcast(np.matmul(a, dy), g)
    da = matmul_adjoint_left(g, a, dy)


@adjoint(runtime.dot_adjoint_left, bilinear=True, kind=same_kind_as("a"), nondiff_params=("a",),
         examples=_left_examples(_dot_shape)[:4])
def _(y, g, a, b):
    dg = np.dot(dy, b)
    db = dot_adjoint_right(g, dy, b)


@adjoint(runtime.dot_adjoint_right, bilinear=True, kind=same_kind_as("b"), nondiff_params=("b",),
         examples=_left_examples(_dot_shape)[:4])
def _(y, g, a, b):
    dg = np.dot(a, dy)
    da = dot_adjoint_left(g, a, dy)


@adjoint(runtime.add_at, linear=True, kind="other",
         examples=[Example(([Rand(()), Rand(()), Rand(())], 1, Rand(()), 3))])
def _(y, adjoint, index, value, length):
    dadjoint = dy
    dvalue = dy[index]


@adjoint(runtime.add_items, linear=True, kind="other",
         examples=[Example(([Rand(()), Rand(())], [Rand(()), Rand(())]))])
def _(y, a, b):
    da = dy
    db = dy


@adjoint(runtime.add_adjoints, linear=True, kind="other",
         examples=[Example((Rand((2,)), Rand((2,)))),
                   Example(([Rand(()), Rand((2,))], [Rand(()), Rand((2,))]))])
def _(y, a, b):
    da = dy
    db = dy


@derivative(runtime.identity, kind="first",
            examples=[Example((Rand(()),)), Example((Rand((2, 3)),))])
def _(y, x):
    return 1.0


nondifferentiable(runtime.reduced_count, kind="scalar",
                  examples=[Example((np.ones((2, 3)),)), Example((np.ones((2, 3)), 1))])
nondifferentiable(runtime.zeros_like, kind="first",
                  examples=[Example((Rand((2, 3)),)), Example((Rand(()),))])
# The seed of a gradient: a constant (ones), and a check kept even when nothing reads it.
nondifferentiable(output_seed, kind="first", pure=False,
                  examples=[Example((Rand(()),)), Example((Rand((1,)),))])


# The conversion np.asarray(xs) of a list: its adjoint splits an array into the items'
# adjoints, and the transpose of that joins them again (both linear in the adjoint).
@adjoint(shape.array_adjoint, linear=True, kind=same_kind_as("obj"), nondiff_params=("obj", "y"),
         examples=[Example((Rand((3,)), [1.0, 2.0, 3.0], np.ones(3))),
                   Example((Rand((2, 2)), [[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2)))),
                   Example((Rand((2, 3)), np.ones((2, 3)), np.ones((2, 3))))])
def _(d, g, obj, y):
    dg = shape.array_tangent(dd, obj, y)


@adjoint(shape.array_tangent, linear=True, kind=same_kind_as("y"), nondiff_params=("obj", "y"),
         examples=[Example(([Rand(()), Rand(()), Rand(())], [1.0, 2.0, 3.0], np.ones(3))),
                   Example((Rand((2, 3)), np.ones((2, 3)), np.ones((2, 3))))])
def _(t, dobj, obj, y):
    ddobj = shape.array_adjoint(dt, obj, y)


complex_values(shape.array_adjoint, shape.array_tangent, how="linear")


# Adjoints of index-rearranging functions: linear in the adjoint, and their own adjoint
# is the function they serve (the array argument only gives the shape).
@adjoint(shape.diagonal_adjoint, linear=True, kind=same_kind_as("a"),
         nondiff_params=("a", "offset", "axis1", "axis2"),
         examples=[Example((Rand((3,)), np.ones((3, 3)))),
                   Example((Rand((2,)), np.ones((3, 4)), 2)),
                   Example((Rand((2, 3)), np.ones((3, 2, 3)), 0, 0, 2))])
def _(y, g, a, offset=0, axis1=0, axis2=1):
    dg = np.diagonal(dy, offset, axis1, axis2)


@adjoint(shape.take_along_axis_adjoint, linear=True, kind=same_kind_as("arr"),
         nondiff_params=("arr", "indices", "axis"),
         examples=[Example((Rand((3, 1)), np.ones((3, 4)), np.array([[1], [0], [3]]), 1)),
                   Example((Rand((3,)), np.ones((2, 3)), np.array([5, 1, 1]), None))])
def _(y, g, arr, indices, axis):
    dg = np.take_along_axis(dy, indices, axis)


complex_values(shape.diagonal_adjoint, shape.take_along_axis_adjoint, how="linear")
