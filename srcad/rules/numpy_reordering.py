"""Rules for repeating, padding, reordering and diagonals: np.tile, np.repeat, np.pad,
flips, rolls, rotations, sorts and partitions, np.diag, np.diagonal, np.tril and np.triu;
and the second derivatives of the helpers their adjoints (and np.ravel's) emit. The
shared kind rules are in numpy_shape.py.
"""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, ArrayKind
from srcad.rules.numpy_joining import _items_kind
from srcad.rules.numpy_shape import (
    _diag_rank,
    _diagonal_rank,
    _flat_if_no_axis,
    _kind_with_rank,
    _same,
    _tile_rank,
)
from srcad.rules.registry import (
    Example,
    Method,
    Rand,
    adjoint,
    complex_values,
    nondifferentiable,
    share_rules,
    tangent,
)
from srcad.runtime import transpose_adjoint, unbroadcast
from srcad.runtime.shape import (
    diag_adjoint,
    diagonal_adjoint,
    np_repeat_adjoint,
    pad_adjoint,
    pad_constant_values_adjoint,
    pad_tangent,
    permuted_adjoint,
    permuted_tangent,
    ravel_adjoint,
    ravel_tangent,
    rollaxis_axes,
    sort_adjoint,
    sort_tangent,
    tile_adjoint,
)

# ============================================================================ repeating, padding


@adjoint(np.tile, linear=True, kind=_kind_with_rank(_tile_rank), examples=[
    Example((Rand((3,)), 2)), Example((Rand((3,)), (2, 2))), Example((Rand((2, 3)), (2, 1))),
    Example((Rand((2, 3)), 3)), Example((Rand(()), (2, 3))), Example((Rand((2, 1, 3)), (2, 3))),
    Example((Rand((2, 3)), 0))])
def _(y, A, reps):
    dA = tile_adjoint(dy, A, reps)


REPEAT_EXAMPLES = [
    Example((Rand((3,)), 2)), Example((Rand((2, 3)), 2)), Example((Rand((2, 3)), 2, 1)),
    Example((Rand((2, 3)), np.array([1, 0, 3])), {"axis": -1}),
    Example((Rand((2, 3)), [2, 1], 0)), Example((Rand((2, 3)), np.arange(6))),
]


@adjoint(np.repeat, linear=True, kind=_kind_with_rank(_flat_if_no_axis(None)),
         examples=REPEAT_EXAMPLES + [Example((Rand(()), 3))])
def _(y, a, repeats, axis=None):
    da = np_repeat_adjoint(dy, a, repeats, axis)


share_rules(np.repeat, Method("repeat"), examples=REPEAT_EXAMPLES)


# Modes whose padding copies input elements or a constant; the others are refused
# when the gradient runs.
@adjoint(np.pad, kind="same_rank", examples=[
    Example((Rand((3,)), 2)), Example((Rand((3,)), (1, 2))), Example((Rand((2, 3)), 1)),
    Example((Rand((2, 3)), ((1, 0), (2, 1)))), Example((Rand((2, 3)), ((1, 2),))),
    Example((Rand((2, 3)), (1, 2)), {"constant_values": Rand(())}),
    Example((Rand((2, 3)), ((1, 1), (0, 2)), "constant"),
            {"constant_values": ((Rand(()), Rand(())), (Rand(()), Rand(())))}),
    Example((Rand((2, 3)), 1), {"constant_values": (Rand(()), Rand(()))}),
    Example((Rand((2, 3)), 1), {"constant_values": Rand((2, 1))}),
    Example((Rand((2, 3)), ((1, 2), (2, 1)), "edge")),
    Example((Rand((4,)), (2, 3)), {"mode": "reflect"}),
    Example((Rand((2, 3)), 2, "symmetric")), Example((Rand((2, 3)), ((0, 3), (4, 1)), "wrap"))])
def _(y, array, pad_width, mode="constant", constant_values=0):
    darray = pad_adjoint(dy, array, pad_width, mode)
    dconstant_values = pad_constant_values_adjoint(dy, array, pad_width, constant_values)


@tangent(np.pad)
def _(y, array, pad_width, mode="constant", constant_values=0):
    dy = pad_tangent(darray, array, pad_width, mode, dconstant_values)


# ============================================================================ reordering


@adjoint(np.flip, linear=True, kind=_kind_with_rank(_same), examples=[
    Example((Rand((3,)),)), Example((Rand((2, 3)),)), Example((Rand((2, 3)), 0)),
    Example((Rand((2, 3, 2)),), {"axis": (0, -1)}), Example((Rand((2, 3)), -1))])
def _(y, m, axis=None):
    dm = np.flip(dy, axis)


@adjoint(np.fliplr, linear=True, kind=_kind_with_rank(_same),
         examples=[Example((Rand((2, 3)),)), Example((Rand((2, 3, 2)),))])
def _(y, m):
    dm = np.fliplr(dy)


@adjoint(np.flipud, linear=True, kind=_kind_with_rank(_same),
         examples=[Example((Rand((3,)),)), Example((Rand((2, 3)),))])
def _(y, m):
    dm = np.flipud(dy)


@adjoint(np.roll, linear=True, kind=_kind_with_rank(_same), examples=[
    Example((Rand((5,)), 2)), Example((Rand((2, 3)), 1)), Example((Rand((2, 3)), -1, 1)),
    Example((Rand((2, 3)), (1, 2), (0, 1))), Example((Rand((2, 3, 2)), 4),
                                                     {"axis": (-1, 1)}),
    Example((Rand((2, 3)), (1, -1)), {"axis": 1})])
def _(y, a, shift, axis=None):
    da = np.roll(dy, np.negative(shift), axis)


@adjoint(np.sort, kind=_kind_with_rank(_flat_if_no_axis(-1)), examples=[
    Example((Rand((5,)),)), Example((Rand((3, 4)),)), Example((Rand((3, 4)), 0)),
    Example((Rand((3, 4)),), {"axis": None}), Example((Rand((2, 3, 4)), 1)),
    Example((Rand((3, 4)), -1, "stable"))])
def _(y, a, axis=-1, kind=None):
    da = sort_adjoint(dy, a, axis, kind)


@tangent(np.sort)
def _(y, a, axis=-1, kind=None):
    dy = sort_tangent(da, a, axis, kind)


@adjoint(np.rot90, linear=True, kind=_kind_with_rank(_same), examples=[
    Example((Rand((2, 3)),)), Example((Rand((2, 3)), 2)), Example((Rand((2, 3)), -1)),
    Example((Rand((2, 3, 4)), 3, (2, 0))), Example((Rand((2, 3, 4)),), {"axes": (1, 2), "k": 1})])
def _(y, m, k=1, axes=(0, 1)):
    dm = np.rot90(dy, -k, axes)


@adjoint(np.rollaxis, linear=True, kind=_kind_with_rank(_same), examples=[
    Example((Rand((2, 3, 4)), 2)), Example((Rand((2, 3, 4)), 0, 2)),
    Example((Rand((2, 3, 4)), 1, 3)), Example((Rand((2, 3, 4)), -1, -3)),
    Example((Rand((2, 3)), 1, 1))])
def _(y, a, axis, start=0):
    da = transpose_adjoint(dy, rollaxis_axes(a, axis, start))


nondifferentiable(rollaxis_axes, examples=[Example((np.ones((2, 3, 4)), 2, 0))])


# np.partition rearranges the entries like a sort: the adjoint goes back through the
# permutation that turns `a` into the result (`permutation_of`).
@adjoint(np.partition, kind=_kind_with_rank(_flat_if_no_axis(-1)), examples=[
    Example((Rand((7,)), 3)), Example((Rand((7,)), [0, 6])), Example((Rand((3, 5)), 2)),
    Example((Rand((3, 5)), 1, 0)), Example((Rand((3, 5)), 4), {"axis": None})])
def _(y, a, kth, axis=-1, kind="introselect", order=None):
    da = permuted_adjoint(dy, a, y, axis)


@tangent(np.partition)
def _(y, a, kth, axis=-1, kind="introselect", order=None):
    dy = permuted_tangent(da, a, y, axis)


# (np.argpartition, an integer result: srcad/rules/numpy_order_stats.py)


# Second order for sorts and partitions: their adjoints and tangents are linear in the
# adjoint or tangent they move; the order of `a` is piecewise constant.
_PERMUTED = [np.array([0.5, -1.0, 2.0, 0.25]), np.array([2.0, -1.0, 0.25, 0.5])]


@adjoint(permuted_adjoint, kind=_items_kind("a"), nondiff_params=("a", "y", "axis"), examples=[
    Example((Rand((4,)), *_PERMUTED)),
    Example((Rand((2, 3)), np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]]),
             np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]]))),
    Example((Rand((4,)), _PERMUTED[0].reshape(2, 2), _PERMUTED[1], None))])
def _(d, g, a, y, axis=-1):
    dg = permuted_tangent(dd, a, y, axis)


@tangent(permuted_adjoint)
def _(d, g, a, y, axis=-1):
    dd = permuted_adjoint(dg, a, y, axis)


@adjoint(permuted_tangent, kind=_items_kind("y"), nondiff_params=("a", "y", "axis"), examples=[
    Example((Rand((4,)), *_PERMUTED)),
    Example((Rand((2, 2)), _PERMUTED[0].reshape(2, 2), _PERMUTED[1], None))])
def _(t, da, a, y, axis=-1):
    dda = permuted_adjoint(dt, a, y, axis)


@tangent(permuted_tangent)
def _(t, da, a, y, axis=-1):
    dt = permuted_tangent(dda, a, y, axis)


@adjoint(sort_adjoint, kind=_items_kind("a"), nondiff_params=("a", "axis", "kind"), examples=[
    Example((Rand((4,)), _PERMUTED[0])),
    Example((Rand((2, 3)), np.arange(6.0)[::-1].reshape(2, 3), 0)),
    Example((Rand((4,)), _PERMUTED[0].reshape(2, 2), None))])
def _(d, g, a, axis=-1, kind=None):
    dg = sort_tangent(dd, a, axis, kind)


@tangent(sort_adjoint)
def _(d, g, a, axis=-1, kind=None):
    dd = sort_adjoint(dg, a, axis, kind)


@adjoint(sort_tangent, kind=lambda kinds, named: ARRAY, nondiff_params=("a", "axis", "kind"),
         examples=[Example((Rand((4,)), _PERMUTED[0])),
                   Example((Rand((2, 2)), _PERMUTED[0].reshape(2, 2), None))])
def _(t, da, a, axis=-1, kind=None):
    dda = sort_adjoint(dt, a, axis, kind)


@tangent(sort_tangent)
def _(t, da, a, axis=-1, kind=None):
    dt = sort_tangent(dda, a, axis, kind)


complex_values(np.rot90, np.rollaxis, np.partition, permuted_adjoint, permuted_tangent,
               sort_adjoint, sort_tangent, how="linear")


# ============================================================================ diagonals, triangles


@adjoint(np.diag, linear=True, kind=_kind_with_rank(_diag_rank), examples=[
    Example((Rand((3,)),)), Example((Rand((3,)), 1)), Example((Rand((3,)), -2)),
    Example((Rand((3, 3)),)), Example((Rand((3, 4)), 1)), Example((Rand((4, 3)), -1)),
    Example((Rand((2, 4)),), {"k": 3})])
def _(y, v, k=0):
    dv = diag_adjoint(dy, v, k)


@adjoint(np.diagonal, linear=True, kind=_kind_with_rank(_diagonal_rank), examples=[
    Example((Rand((3, 3)),)), Example((Rand((3, 4)), 1)), Example((Rand((4, 3)), -2)),
    Example((Rand((2, 3, 4)),), {"axis1": 1, "axis2": 2}),
    Example((Rand((2, 3, 4)), 1, 2, 0)), Example((Rand((3, 2, 3)), 0, -1, 0))])
def _(y, a, offset=0, axis1=0, axis2=1):
    da = diagonal_adjoint(dy, a, offset, axis1, axis2)


TRIANGLE_EXAMPLES = [
    Example((Rand((3, 3)),)), Example((Rand((3, 4)), 1)), Example((Rand((4, 3)), -1)),
    Example((Rand((2, 3, 3)),), {"k": 0}), Example((Rand((3,)),)), Example((Rand((3,)), -1)),
]


def _triangle_rank(rank, named):
    return max(rank, 2)


@adjoint(np.tril, linear=True, kind=_kind_with_rank(_triangle_rank), examples=TRIANGLE_EXAMPLES)
def _(y, m, k=0):
    dm = unbroadcast(np.tril(dy, k), m)


@adjoint(np.triu, linear=True, kind=_kind_with_rank(_triangle_rank), examples=TRIANGLE_EXAMPLES)
def _(y, m, k=0):
    dm = unbroadcast(np.triu(dy, k), m)


# ============================================================================ second derivatives
# Rules for the helpers the adjoint templates above emit, so that a gradient that calls
# them can be differentiated again (Hessians, grad of grad). Each is linear in its
# adjoint argument `g` and reads its other array argument for its shape (and memory
# layout) only: its adjoint is the forward operation applied to the cotangent, and its
# tangent is derived from that (the helper applied to the tangent of `g`).


def _like(param):
    """A kind rule: the output has the kind of parameter `param`."""

    def kind(kinds, named):
        return named[param][1] if param in named else NUMERIC

    return kind


@adjoint(ravel_adjoint, linear=True, kind=_like("a"), nondiff_params=("a",), examples=[
    Example((Rand((6,)), np.ones((2, 3)))), Example((Rand((6,)), np.ones((2, 3)), "F")),
    Example((Rand((24,)), np.ones((2, 3, 4)), "C")), Example((Rand((1,)), 1.0)),
    Example((Rand((6,)), np.ones((3, 2)).T, "A")), Example((Rand((6,)), np.ones((3, 2)).T, "K"))])
def _(y, g, a, order="C"):
    dg = ravel_tangent(dy, a, order)


# (the adjoint above, in turn: for third derivatives)
@adjoint(ravel_tangent, linear=True, kind=lambda kinds, named: ArrayKind(1),
         nondiff_params=("a",), examples=[
    Example((Rand((2, 3)), np.ones((2, 3)))), Example((Rand((2, 3)), np.ones((2, 3)), "F")),
    Example((Rand(()), np.ones((2, 3)))), Example((Rand((3, 2)), np.ones((2, 3)).T, "K"))])
def _(y, da, a, order="C"):
    dda = unbroadcast(ravel_adjoint(dy, a, order), da)


# np.diag(v, k) puts a vector on the k-th diagonal or reads the k-th diagonal of a
# matrix; diag_adjoint does the other, so each is the other's transpose.
@adjoint(diag_adjoint, linear=True, kind=_like("v"), nondiff_params=("v",), examples=[
    Example((Rand((3, 3)), np.ones(3))), Example((Rand((4, 4)), np.ones(3), 1)),
    Example((Rand((5, 5)), np.ones(3), -2)), Example((Rand((3,)), np.ones((3, 3)))),
    Example((Rand((2,)), np.ones((3, 4)), 2)), Example((Rand((3,)), np.ones((4, 3)), -1))])
def _(y, g, v, k=0):
    dg = np.diag(dy, k)


@adjoint(tile_adjoint, linear=True, kind=_like("a"), nondiff_params=("a",), examples=[
    Example((Rand((6,)), np.ones(3), 2)), Example((Rand((2, 6)), np.ones(3), (2, 2))),
    Example((Rand((4, 3)), np.ones((2, 3)), (2, 1))), Example((Rand((2, 3)), 1.0, (2, 3))),
    Example((Rand((2, 2, 9)), np.ones((2, 1, 3)), (2, 3))),
    Example((Rand((2, 0)), np.ones((2, 3)), 0))])
def _(y, g, a, reps):
    dg = np.tile(dy, reps)


@adjoint(np_repeat_adjoint, linear=True, kind=_like("a"), nondiff_params=("a", "repeats"),
         examples=[
    Example((Rand((6,)), np.ones(3), 2)), Example((Rand((12,)), np.ones((2, 3)), 2)),
    Example((Rand((2, 6)), np.ones((2, 3)), 2, 1)),
    Example((Rand((2, 4)), np.ones((2, 3)), np.array([1, 0, 3])), {"axis": -1}),
    Example((Rand((3, 3)), np.ones((2, 3)), [2, 1], 0)), Example((Rand((3,)), 1.0, 3))])
def _(y, g, a, repeats, axis=None):
    dg = np.repeat(dy, repeats, axis)


@adjoint(pad_adjoint, linear=True, kind=_like("array"), nondiff_params=("array",), examples=[
    Example((Rand((7,)), np.ones(3), 2)),
    Example((Rand((4, 6)), np.ones((2, 3)), ((1, 1), (2, 1)))),
    Example((Rand((5, 7)), np.ones((2, 3)), ((1, 2), (2, 2)), "edge")),
    Example((Rand((9,)), np.ones(4), (2, 3)), {"mode": "reflect"}),
    Example((Rand((6, 7)), np.ones((2, 3)), 2, "symmetric")),
    Example((Rand((2, 8)), np.ones((2, 3)), ((0, 0), (4, 1)), "wrap"))])
def _(y, g, array, pad_width, mode="constant"):
    dg = np.pad(dy, pad_width, mode)


@adjoint(pad_constant_values_adjoint, linear=True, kind=_like("constant_values"),
         nondiff_params=("array", "constant_values"), examples=[
    Example((Rand((4, 5)), np.ones((2, 3)), 1, 0.5)),
    Example((Rand((4, 6)), np.ones((2, 3)), ((1, 1), (2, 1)), np.ones((2, 2)))),
    Example((Rand((4, 5)), np.ones((2, 3)), 1, np.ones((2, 1)))),
    Example((Rand((7,)), np.ones(3), (1, 3), np.ones(2)))])
def _(y, g, array, pad_width, constant_values):
    dg = pad_tangent(0.0, array, pad_width, "constant", dy)


complex_values(ravel_adjoint, ravel_tangent, diag_adjoint, tile_adjoint, np_repeat_adjoint,
               pad_adjoint, pad_constant_values_adjoint, np.pad, how="linear")
