"""Rules for filling and scattering: `np.full`, `np.full_like`, and the functional forms
of the in-place `np.add.at` and `np.fill_diagonal` (srcad/runtime/fill.py).

`np.full(shape, v)` and `np.full_like(a, v)` are linear in the fill value `v` (a number,
or an array broadcast to the shape): its adjoint is the result's adjoint summed back to
`v`'s shape. `np.full_like`'s `a` gives only the shape and the dtype; where that dtype
is an integer one the result is piecewise constant in `v` (`inexact_result`).
`np.ones_like` and `np.zeros_like` carry no derivative (srcad/rules/numpy_shape.py).

`np.add.at(a, i, b)` and `np.fill_diagonal(a, v)` change `a` in place: srcad lowers
them to `a = added_at(a, i, b)` and `a = filled_diagonal(a, v)` where nothing else can see
`a` (srcad/lower/out_arguments.py), like `a[i] += b`. `added_at` adds repeated indices
up (`a[i] += b` does not: NumPy's buffered update keeps the last write), so the adjoint
of `b` gathers the result's adjoint at `i`.
"""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, SCALAR, ArrayKind, TupleKind, is_array
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_values,
    nondifferentiable,
    tangent,
)
from srcad.runtime import broadcast_like, unbroadcast
from srcad.runtime.fill import (
    added_at,
    diagonal_values,
    filled_diagonal,
    inexact_result,
)

# ============================================================================ kinds


def _shape_rank(op, kind):
    """The number of axes of an array made with `shape` (the operand and its kind), or
    None if unknown."""
    if type(op).__name__ == "Const":
        value = op.value
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return 1
        if isinstance(value, (tuple, list)):
            return len(value)
        return None
    if kind == SCALAR:
        return 1
    if isinstance(kind, TupleKind):
        return len(kind.items)
    return None


def _full_kind(kinds, named):
    """np.full(shape, v): an array with as many axes as `shape` has items."""
    if "shape" not in named:
        return ARRAY
    rank = _shape_rank(*named["shape"])
    return ARRAY if rank is None else ArrayKind(rank)


def _full_like_kind(kinds, named):
    """np.full_like(a, v, shape=None): shaped like `a` (an array even for a number), or
    like `shape` when it is given."""
    if "shape" in named:
        op, kind = named["shape"]
        if not (type(op).__name__ == "Const" and op.value is None):
            rank = _shape_rank(op, kind)
            return ARRAY if rank is None else ArrayKind(rank)
    a = named["a"][1] if "a" in named else NUMERIC
    if is_array(a):
        return ArrayKind(a.ndim)
    return ArrayKind(0) if a == SCALAR else ARRAY


def _like(param):
    """A kind rule: the output has the kind of parameter `param`."""

    def kind(kinds, named):
        return named[param][1] if param in named else NUMERIC

    return kind


# ============================================================================ np.full, np.full_like

_FULL_EXAMPLES = [
    Example(((2, 3), Rand(()))), Example((4, Rand(()))), Example(((2, 3), Rand((3,)))),
    Example(((2, 3, 2), Rand((3, 1)))), Example(((), Rand(()))),
    Example(((2, 3), Rand((2, 3)))), Example(((3,), Rand(())), {"dtype": np.float64}),
    Example(((2, 2), Rand((2,)), None, "F")),
]


@adjoint(np.full, kind=_full_kind, examples=_FULL_EXAMPLES)
def _(y, shape, fill_value, dtype=None, order="C"):
    dfill_value = unbroadcast(dy, fill_value)


@tangent(np.full)
def _(y, shape, fill_value, dtype=None, order="C"):
    dy = broadcast_like(dfill_value, y)


_FULL_LIKE_EXAMPLES = [
    Example((np.ones((2, 3)), Rand(()))), Example((np.ones(4), Rand((4,)))),
    Example((np.ones((2, 3)), Rand((2, 1)))), Example((0.5, Rand(()))),
    Example((np.ones((2, 3)), Rand((3,))), {"shape": (4, 3)}),
    Example((np.ones((2, 3)), Rand(())), {"dtype": np.float64, "order": "F"}),
    Example((np.arange(4), Rand(()))),  # an integer result: piecewise constant
    Example((np.ones((2, 3), dtype=complex), Rand((3,)))),  # a complex result
]


@adjoint(np.full_like, kind=_full_like_kind, nondiff_params=("a",),
         examples=_FULL_LIKE_EXAMPLES)
def _(y, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    dfill_value = unbroadcast(dy, fill_value) * inexact_result(y)


@tangent(np.full_like)
def _(y, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    dy = broadcast_like(dfill_value * inexact_result(y), y)


# ============================================================================ in place, made new

_ADD_AT_EXAMPLES = [
    Example((Rand((4,)), np.array([0, 1, 1, 3, 1]), Rand((5,)))),
    Example((Rand((4,)), [2, 2], Rand(()))),
    Example((Rand((3, 2)), np.array([2, 0, 2]), Rand((3, 2)))),
    Example((Rand((3, 2)), np.array([2, 0, 2]), Rand((2,)))),
    Example((Rand((3, 4)), (np.array([0, 2, 0]), np.array([1, 3, 1])), Rand((3,)))),
    Example((Rand((3, 4)), (slice(None), np.array([1, 1])), Rand((3, 2)))),
    Example((np.zeros(3), np.array([0, 0]), Rand((2,)))),
    Example((np.zeros(3, dtype=np.int64), np.array([1, 1]), Rand((2,)))),  # truncated
]


@adjoint(added_at, kind=_like("a"), nondiff_params=("indices",), examples=_ADD_AT_EXAMPLES)
def _(y, a, indices, b):
    da = dy * inexact_result(y)
    db = unbroadcast(dy[indices], b) * inexact_result(y)


@tangent(added_at)
def _(y, a, indices, b):
    dy = added_at(da, indices, db) * inexact_result(y)


_FILL_DIAGONAL_EXAMPLES = [
    Example((Rand((3, 3)), Rand(()))), Example((Rand((3, 3)), Rand((3,)))),
    Example((Rand((4, 4)), Rand((2,)))), Example((Rand((5, 3)), Rand((2,)))),
    Example((Rand((5, 3)), Rand((2,)), True)), Example((Rand((7, 3)), Rand(())),
                                                       {"wrap": True}),
    Example((Rand((2, 2, 2)), Rand((2,)))), Example((Rand((3, 3)), Rand((2, 2)))),
    Example((Rand((3, 3)), Rand((5,)))), Example((Rand((3, 4)), Rand((3,)))),
    Example((np.zeros((3, 3), dtype=np.int64), Rand(()))),  # truncated
]


@adjoint(filled_diagonal, kind=_like("a"), examples=_FILL_DIAGONAL_EXAMPLES)
def _(y, a, val, wrap=False):
    da = filled_diagonal(dy, 0.0, wrap) * inexact_result(y)
    dval = diagonal_values(dy, val, wrap) * inexact_result(y)


@tangent(filled_diagonal)
def _(y, a, val, wrap=False):
    dy = filled_diagonal(da, dval, wrap) * inexact_result(y)


# The adjoint of `val` reads the diagonal of `g`; its own adjoint writes onto a diagonal.
@adjoint(diagonal_values, linear=True, kind=_like("val"), nondiff_params=("val",), examples=[
    Example((Rand((3, 3)), 1.0)), Example((Rand((3, 3)), np.ones(3))),
    Example((Rand((4, 4)), np.ones(2))), Example((Rand((5, 3)), np.ones(2), True)),
    Example((Rand((2, 2, 2)), np.ones((2, 1)))), Example((Rand((3, 3)), np.ones(5)))])
def _(d, g, val, wrap=False):
    dg = filled_diagonal(np.zeros(np.shape(g), np.result_type(g, dd)), dd, wrap)


nondifferentiable(inexact_result, kind="scalar", examples=[
    Example((Rand((2, 3)),)), Example((np.arange(3),)), Example((Rand(()),))])

complex_values(np.full, np.full_like, added_at, filled_diagonal, diagonal_values, how="linear")
