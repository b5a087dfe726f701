"""Rules for the structural primitives the lowering emits: indexing, tuples, copies."""

import operator

import numpy as np

from srcad import runtime
from srcad.ir.kinds import OTHER, TupleKind
from srcad.rules.registry import Example, Rand, adjoint, derivative, nondifferentiable
from srcad.runtime import index_adjoint, landed, setitem, unbroadcast


# An index has no derivative (integers, booleans), also when it is computed from values
# that have one (the pivots of a decomposition, an item of a rule's tuple output).
@adjoint(operator.getitem, linear=True, kind="indexed", nondiff_params=("index",))
def _(y, x, index):
    dx = index_adjoint(dy, x, index)


@derivative(runtime.as_sequence, kind="first")
def _(items, obj):
    return 1.0


nondifferentiable(runtime.make_slice)
# 0/1 weights, fixed by the index alone (which write to a position is the last)
nondifferentiable(runtime.landed, kind="numeric")
nondifferentiable(runtime.stop_gradient, kind="first",
                  examples=[Example((Rand(()),)), Example((Rand((2, 3)),))])


# y[index] = value, as a new array: the overwritten entries get no adjoint from y.
def _setitem_kind(kinds, named):
    """An array keeps its kind; a list becomes a run-time list (its length and items are
    only known when it runs)."""
    first = kinds[0] if kinds else OTHER
    return OTHER if isinstance(first, TupleKind) or first == OTHER else first


@adjoint(runtime.setitem, linear=True, kind=_setitem_kind, examples=[
    Example((Rand((4,)), 1, Rand(()))),
    Example((Rand((4,)), slice(1, 3), Rand((2,)))),
    Example((Rand((2, 3)), (slice(None), 1), Rand((2,)))),
    Example((Rand((2, 3)), 0, Rand(()))),
    Example((Rand((4,)), np.array([0, 2, 0]), Rand((3,)))),  # a repeated position
    Example((Rand((3, 2)), ([1, 1], slice(None)), Rand(()))),
])
def _(y, array, index, value):
    darray = setitem(dy, index, 0.0)
    dvalue = unbroadcast(dy[index] * landed(dy, index), value)
