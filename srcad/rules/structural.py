"""Rules for the structural primitives the lowering emits: indexing, tuples, copies."""

import operator

from .. import runtime
from ..registry import adjoint, nondifferentiable, tangent
from ..runtime import index_adjoint


@adjoint(operator.getitem, kind="indexed")
def _(y, x, index):
    dx = index_adjoint(dy, x, index)


@tangent(operator.getitem)
def _(y, x, index):
    dy = dx[index]


@adjoint(runtime.as_sequence, kind="first")
def _(items, obj):
    dobj = ditems


@tangent(runtime.as_sequence)
def _(items, obj):
    ditems = dobj


nondifferentiable(runtime.make_slice)
