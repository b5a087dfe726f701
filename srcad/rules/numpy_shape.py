"""Rules for shape operations: reshaping, transposing, copies, conversions, clip, the
functions with no derivative, and the matching ndarray methods; the kind rules the shape
rules share. Joining and splitting are in numpy_joining.py; repeating, padding,
reordering and diagonals in numpy_reordering.py.

Most of these move elements around without changing them, so their adjoints move the
adjoints back (and add up the adjoints of copies).
"""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, OTHER, SCALAR, ArrayKind, TupleKind, is_array
from srcad.ir.nodes import Const
from srcad.rules.registry import (
    Attribute,
    Example,
    Method,
    Rand,
    adjoint,
    nondifferentiable,
    share_rules,
    tangent,
)
from srcad.runtime import shape as shape_rt
from srcad.runtime import transpose_adjoint, unbroadcast
from srcad.runtime.shape import (
    array_adjoint,
    array_tangent,
    clip_adjoint,
    clip_tangent,
    method_axes,
    ravel_adjoint,
    ravel_tangent,
    take_along_axis_adjoint,
)

# ============================================================================ kinds
# Kind rules take (kinds, named): see srcad/kinds.py. A result that may be 0-d is
# NUMERIC unless it is surely a 0-d array (ArrayKind(0)); never SCALAR.


def _rank(kind):
    """The number of dimensions of a value of `kind` (None if unknown)."""
    if kind == SCALAR:
        return 0
    if is_array(kind):
        return kind.ndim
    return None


def _constant(named, name, default=None):
    """(True, value) if parameter `name` is a constant (or left at its default)."""
    if name not in named:
        return True, default
    op = named[name][0]
    if isinstance(op, Const):
        return True, op.value
    return False, None


def _count(axis):
    """How many axes `axis` (an int or a tuple) names; None if unknown."""
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return 1
    if isinstance(axis, tuple):
        return len(axis)
    return None


def _array(ndim):
    """An array of `ndim` dimensions; NUMERIC for 0 (NumPy may give a scalar there)."""
    if ndim is None:
        return ARRAY
    return ArrayKind(ndim) if ndim > 0 else NUMERIC


def _input(named, name):
    return named[name][1] if name in named else NUMERIC


def _kind_with_rank(rank_of):
    """A kind rule from a function (input rank, named) -> output rank (or None)."""

    def rule(kinds, named):
        rank = _rank(kinds[0]) if kinds else None
        return _array(rank_of(rank, named) if rank is not None else None)

    return rule


def _plus_axes(rank, named):
    known, axis = _constant(named, "axis")
    count = _count(axis) if known else None
    return rank + count if count is not None else None


def _minus_axes(rank, named):
    known, axis = _constant(named, "axis")
    count = _count(axis) if known and axis is not None else None
    return rank - count if count is not None else None


def _at_least(n):
    return _kind_with_rank(lambda rank, named: max(rank, n))


def _same(rank, named):
    return rank


def _flat_if_no_axis(default_axis):
    def rank_of(rank, named):
        known, axis = _constant(named, "axis", default_axis)
        if not known:
            return None
        return 1 if axis is None else rank
    return rank_of


def _diag_rank(rank, named):
    return {1: 2, 2: 1}.get(rank)


def _diagonal_rank(rank, named):
    return rank - 1 if rank >= 2 else None


def _tile_rank(rank, named):
    known, reps = _constant(named, "reps")
    count = _count(reps) if known else None
    return max(rank, count) if count is not None else None


def _broadcast_to_kind(kinds, named):
    known, shape = _constant(named, "shape")
    if known:
        count = _count(shape)
        if count is not None:
            return ArrayKind(count)
    return ARRAY


def _item_rank(kinds, named, name):
    """The rank of the first item of the list parameter `name` (None if unknown)."""
    kind = _input(named, name)
    if isinstance(kind, TupleKind) and kind.items:
        return _rank(kind.items[0])
    return None


def _concatenate_kind(kinds, named):
    known, axis = _constant(named, "axis", 0)
    if known and axis is None:
        return ArrayKind(1)
    return _array(_item_rank(kinds, named, "arrays"))


def _stack_kind(kinds, named):
    rank = _item_rank(kinds, named, "arrays")
    return _array(rank + 1 if rank is not None else None)


def _joined_kind(at_least):
    def rule(kinds, named):
        rank = _item_rank(kinds, named, "tup")
        return _array(max(rank, at_least) if rank is not None else None)
    return rule


def _split_kind(kinds, named):
    """A tuple of parts when their number is known from the arguments, else OTHER."""
    known, sections = _constant(named, "indices_or_sections")
    sections_kind = _input(named, "indices_or_sections")
    if known and isinstance(sections, (int, np.integer)) and not isinstance(sections, bool):
        count = int(sections)
    elif known and np.ndim(sections) == 1:
        count = len(sections) + 1  # a constant tuple or array of indices
    elif isinstance(sections_kind, TupleKind):
        count = len(sections_kind.items) + 1  # a list literal of indices
    else:
        return OTHER
    part = _array(_rank(_input(named, "ary")))
    return TupleKind((part,) * count)


def _conversion_kind(name):
    """np.array / np.asarray: the input's rank (plus one per level of list literal)."""

    def rule(kinds, named):
        kind = _input(named, name)
        levels = 0
        while isinstance(kind, TupleKind) and kind.items and \
                all(item == kind.items[0] for item in kind.items):
            kind, levels = kind.items[0], levels + 1
        rank = _rank(kind)
        if rank is None:
            return ARRAY
        known, ndmin = _constant(named, "ndmin", 0)
        if not known:
            return ARRAY
        return ArrayKind(max(rank + levels, ndmin))

    return rule


def _astype_kind(kinds, named):
    kind = kinds[0] if kinds else NUMERIC
    return kind if is_array(kind) or kind == SCALAR else NUMERIC


# ============================================================================ reshape, transpose


@adjoint(np.reshape, linear=True, kind="reshaped")
def _(y, a, shape):
    da = np.reshape(dy, np.shape(a))


@adjoint(Method("reshape"), kind="array")
def _(y, a, *shape):
    da = np.reshape(dy, np.shape(a))


@tangent(Method("reshape"))
def _(y, a, *shape):
    dy = np.reshape(da, np.shape(y))


@adjoint(np.transpose, linear=True, kind="same_rank")
def _(y, a, axes=None):
    da = transpose_adjoint(dy, axes)


@adjoint(Attribute("T"), linear=True, kind="same_rank")
def _(y, a):
    da = np.transpose(dy)


TRANSPOSE_EXAMPLES = [
    Example((Rand((3,)),)), Example((Rand((2, 3)),)), Example((Rand((2, 3)), 1, 0)),
    Example((Rand((2, 3)), (1, 0))), Example((Rand((2, 3, 4)), 2, 0, 1)),
    Example((Rand((2, 3, 4)), (-1, 0, 1))), Example((Rand((2, 3, 4)), None)),
    Example((Rand((2, 3, 4)),)),
]


@adjoint(Method("transpose"), kind="same_rank", examples=TRANSPOSE_EXAMPLES)
def _(y, a, *axes):
    da = transpose_adjoint(dy, method_axes(axes))


@tangent(Method("transpose"))
def _(y, a, *axes):
    dy = np.transpose(da, method_axes(axes))


RAVEL_EXAMPLES = [
    Example((Rand((3,)),)), Example((Rand((2, 3)),)), Example((Rand((2, 3, 4)), "F")),
    Example((Rand((2, 3)),), {"order": "C"}), Example((Rand((2, 3)), "A")),
    Example((Rand((2, 3)), "K")),
]


@adjoint(np.ravel, kind=lambda kinds, named: ArrayKind(1),
         examples=RAVEL_EXAMPLES + [Example((Rand(()),))])
@adjoint(Method("ravel"), kind=lambda kinds, named: ArrayKind(1), examples=RAVEL_EXAMPLES)
@adjoint(Method("flatten"), kind=lambda kinds, named: ArrayKind(1), examples=RAVEL_EXAMPLES)
def _(y, a, order="C"):
    da = ravel_adjoint(dy, a, order)


@tangent(np.ravel)
@tangent(Method("ravel"))
@tangent(Method("flatten"))
def _(y, a, order="C"):
    dy = ravel_tangent(da, a, order)


@adjoint(np.swapaxes, linear=True, kind="same_rank", examples=[
    Example((Rand((2, 3)), 0, 1)), Example((Rand((2, 3, 4)), 0, 2)),
    Example((Rand((2, 3, 4)), -1, 1)), Example((Rand((2, 3)), 1, 1))])
def _(y, a, axis1, axis2):
    da = np.swapaxes(dy, axis1, axis2)


share_rules(np.swapaxes, Method("swapaxes"), examples=[
    Example((Rand((2, 3)), 0, 1)), Example((Rand((2, 3, 4)), 2, -3))])


@adjoint(np.moveaxis, linear=True, kind="same_rank", examples=[
    Example((Rand((2, 3)), 0, 1)), Example((Rand((2, 3, 4)), 0, -1)),
    Example((Rand((2, 3, 4)), (0, 1), (2, 0))), Example((Rand((2, 3, 4)), -1, 0))])
def _(y, a, source, destination):
    da = np.moveaxis(dy, destination, source)


@adjoint(np.expand_dims, linear=True, kind=_kind_with_rank(_plus_axes), examples=[
    Example((Rand(()), 0)), Example((Rand((3,)), 0)), Example((Rand((3,)), -1)),
    Example((Rand((2, 3)), (0, 3))), Example((Rand((2, 3)),), {"axis": 1})])
def _(y, a, axis):
    da = np.reshape(dy, np.shape(a))


SQUEEZE_EXAMPLES = [
    Example((Rand((1, 3, 1)),)), Example((Rand((1, 3, 1)), 0)), Example((Rand((1, 3, 1)), -1)),
    Example((Rand((1, 3, 1)), (0, 2))), Example((Rand((1, 1)),)),
    Example((Rand((2, 1, 3)),), {"axis": 1}),
]


@adjoint(np.squeeze, linear=True, kind=_kind_with_rank(_minus_axes), examples=SQUEEZE_EXAMPLES)
def _(y, a, axis=None):
    da = np.reshape(dy, np.shape(a))


share_rules(np.squeeze, Method("squeeze"), examples=SQUEEZE_EXAMPLES)


@adjoint(np.atleast_1d, linear=True, kind=_at_least(1),
         examples=[Example((Rand(()),)), Example((Rand((3,)),)), Example((Rand((2, 3)),))])
def _(y, arys):
    darys = np.reshape(dy, np.shape(arys))


@adjoint(np.atleast_2d, linear=True, kind=_at_least(2),
         examples=[Example((Rand(()),)), Example((Rand((3,)),)), Example((Rand((2, 3)),)),
                   Example((Rand((2, 3, 2)),))])
def _(y, arys):
    darys = np.reshape(dy, np.shape(arys))


@adjoint(np.atleast_3d, linear=True, kind=_at_least(3),
         examples=[Example((Rand(()),)), Example((Rand((3,)),)), Example((Rand((2, 3)),)),
                   Example((Rand((2, 3, 2)),))])
def _(y, arys):
    darys = np.reshape(dy, np.shape(arys))


@adjoint(np.broadcast_to, linear=True, kind=_broadcast_to_kind, examples=[
    Example((Rand(()), (2, 3))), Example((Rand((3,)), (2, 3))), Example((Rand((2, 1)), (2, 3))),
    Example((Rand((3,)), 3)), Example((Rand((1, 3)), (4, 2, 3))),
    Example((Rand((2, 3)),), {"shape": (2, 3)})])
def _(y, array, shape):
    darray = unbroadcast(dy, array)


# ============================================================================ copies, conversions


@adjoint(np.copy, linear=True, kind=_kind_with_rank(_same),
         examples=[Example((Rand(()),)), Example((Rand((2, 3)),)), Example((Rand((3,)), "F"))])
def _(y, a, order="K"):
    da = dy


# x.copy() orders its copy "C" by default, np.copy "K": the derivative does not depend on it.
share_rules(np.copy, Method("copy"), kind="first",
            examples=[Example((Rand((2, 3)),)), Example((Rand((3,)), "F"))])


# Conversions: the adjoint goes back in the input's dtype (and item by item for a
# list); a conversion to an integer or bool dtype is piecewise constant (zero adjoint).
@adjoint(np.asarray, kind=_conversion_kind("a"), examples=[
    Example((Rand((2, 3)),)), Example((Rand(()),)), Example((Rand((3,)), float)),
    Example(([Rand(()), Rand(())],)), Example(([Rand((2,)), Rand((2,))],)),
    Example((Rand((2, 3)),), {"dtype": np.float64})])
def _(y, a, dtype=None, order=None):
    da = array_adjoint(dy, a, y)


@tangent(np.asarray)
def _(y, a, dtype=None, order=None):
    dy = array_tangent(da, a, y)


@adjoint(np.array, kind=_conversion_kind("object"), examples=[
    Example((Rand((2, 3)),)), Example((Rand(()),)), Example((Rand((3,)), float)),
    Example(([Rand(()), Rand(()), Rand(())],)), Example(([Rand((2,)), Rand((2,))],)),
    Example(([[Rand(()), Rand(())], [Rand(()), Rand(())]],)),
    Example((Rand((3,)),), {"ndmin": 2}), Example(((Rand(()), Rand(())),), {"copy": True})])
def _(y, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0):
    dobject = array_adjoint(dy, object, y)


@tangent(np.array)
def _(y, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0):
    dy = array_tangent(dobject, object, y)


@adjoint(Method("astype"), kind=_astype_kind, examples=[
    Example((Rand((2, 3)), float)), Example((Rand((3,)), np.float64)),
    Example((Rand((3,)), "float64"), {"copy": False})])
def _(y, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    da = array_adjoint(dy, a, y)


@tangent(Method("astype"))
def _(y, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    dy = array_tangent(da, a, y)


# ============================================================================ clip


@adjoint(Method("clip"), kind="elementwise", broadcasting=True, examples=[
    Example((Rand((2, 3)), -0.5, 0.5)), Example((Rand((2, 3)),), {"min": 0.0}),
    Example((Rand((2, 3)),), {"max": 0.2}), Example((Rand((2, 3)), None, 0.2)),
    Example((Rand((2, 3)), Rand(()), Rand((), 0.5, 1.5))),
    Example((Rand((2, 3)), Rand((3,), -1.0, 0.0), Rand((2, 1), 0.0, 1.0))),
    Example((Rand((3,)),), {"min": Rand((2, 3), -1.0, 0.0)})])
def _(y, a, min=None, max=None):
    da, dmin, dmax = clip_adjoint(dy, a, min, max)


@tangent(Method("clip"))
def _(y, a, min=None, max=None):
    dy = clip_tangent(da, a, min, max, dmin, dmax)


# ============================================================================ no derivative

def _shape_kind(kinds, named):
    """`x.shape`: a tuple of as many integers as x has axes, where the rank is known."""
    kind = kinds[0] if kinds else None
    if kind == SCALAR:
        return TupleKind(())
    if isinstance(kind, ArrayKind) and kind.ndim is not None:
        return TupleKind((SCALAR,) * kind.ndim)
    return OTHER


nondifferentiable(np.shape, Attribute("shape"), kind=_shape_kind)
nondifferentiable(np.ndim, np.size, Attribute("ndim"), Attribute("size"), kind="scalar")
nondifferentiable(Attribute("dtype"))
nondifferentiable(np.result_type, examples=[Example((Rand((3,)), np.float64))])
# Outputs that do not depend on the values of float inputs. (np.full and np.full_like
# do, in their fill value: srcad/rules/numpy_fill.py; np.arange has no rule, so
# differentiating through it is refused.)
nondifferentiable(np.zeros, np.ones, np.empty, np.eye, np.zeros_like, np.ones_like,
                  np.empty_like, np.argmax, np.argmin, np.argsort, kind="array")
nondifferentiable(np.nonzero, kind="other")


# np.take_along_axis(arr, indices, axis): a gather; the adjoint scatters back, adding
# where an index repeats.
def _take_along_axis_kind(kinds, named):
    axis = named.get("axis")
    if axis is not None and getattr(axis[0], "value", 0) is None and \
            type(axis[0]).__name__ == "Const":
        return ArrayKind(1)
    return kinds[0] if kinds and is_array(kinds[0]) else ARRAY


@adjoint(np.take_along_axis, linear=True, kind=_take_along_axis_kind,
         nondiff_params=("indices", "axis"), examples=[
    Example((Rand((3, 4)), np.array([[1], [0], [3]]), 1)),
    Example((Rand((3, 4)), np.array([[2, 2, 0, 1], [0, 0, 0, 2]]), 0)),
    Example((Rand((5,)), np.array([4, 0, 0, 2]), 0)),
    Example((Rand((2, 3)), np.array([5, 1, 1]), None))])
def _(y, arr, indices, axis):
    darr = take_along_axis_adjoint(dy, arr, indices, axis)





# Where np.clip takes its bounds (boolean masks, piecewise constant), read by clip_adjoint.
nondifferentiable(shape_rt._clip_masks, examples=[
    Example((Rand((2, 3)), -0.5, 0.5)), Example((Rand((3,)), None, 0.2))])
