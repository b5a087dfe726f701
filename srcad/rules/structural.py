"""Rules for the structural primitives the lowering emits: indexing, tuples, copies."""

import builtins
import math
import operator

import numpy as np

from srcad import runtime
from srcad.ir.kinds import OTHER, TupleKind
from srcad.rules.registry import (
    Attribute,
    Example,
    Rand,
    adjoint,
    derivative,
    nondifferentiable,
    output_dtype,
)
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


# Integer and boolean results are real, also of complex inputs: `z.shape[0] - 1` or a mask
# of a complex array must not make the values they meet complex (np.clip of a real value
# and `n - 1` was refused as "sees a complex value").
_INTEGER_OR_BOOLEAN = [
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    operator.not_, operator.invert, operator.and_, operator.or_, operator.xor,
    operator.lshift, operator.rshift, operator.contains, operator.is_, operator.is_not,
    builtins.len, builtins.bool, builtins.int, builtins.isinstance, builtins.range,
    math.ceil, math.floor, math.trunc, math.isclose, math.isfinite, math.isinf, math.isnan,
    math.isqrt, math.gcd, math.lcm, math.comb, math.perm, math.factorial,
    np.shape, np.ndim, np.size, Attribute("shape"), Attribute("ndim"), Attribute("size"),
    np.argmax, np.argmin, np.argsort, np.nonzero, np.allclose, np.array_equal, np.isclose,
    np.equal, np.not_equal, np.greater, np.greater_equal, np.less, np.less_equal,
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not, np.invert,
    np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.bitwise_count, np.left_shift,
    np.right_shift, np.gcd, np.lcm, np.isfinite, np.isinf, np.isnan, np.isneginf,
    np.isposinf, np.isreal, np.iscomplex, np.isrealobj, np.iscomplexobj, np.signbit,
    np.linalg.matrix_rank]
output_dtype(*_INTEGER_OR_BOOLEAN, output="real")
