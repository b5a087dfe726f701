"""Rules for grids and finite differences: `np.linspace` (differentiable in its end
points), `np.diff` (with `prepend` / `append`) and `np.gradient` (in `f`; the spacing
carries no derivative and is refused if differentiated).

All three are linear in their float inputs. Their adjoints and tangents are helper
pairs (srcad/runtime/grids.py), each the transpose of the other, so the helpers' own
rules come from each other and these rules support second derivatives. (np.diff's
`prepend` and `append` default to NumPy's "no value"; the templates spell it None,
which np.diff does not accept.)
"""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, SCALAR, ArrayKind, TupleKind, is_array
from srcad.ir.nodes import Const
from srcad.rules.registry import Example, Rand, adjoint, complex_values, tangent
from srcad.runtime.grids import (
    diff_adjoint,
    diff_tangent,
    gradient_adjoint,
    gradient_tangent,
    linspace_adjoint,
    linspace_tangent,
)


def _rank(kind):
    if is_array(kind):
        return kind.ndim
    return 0 if kind == SCALAR else None


def _constant(named, name, default=None):
    if name not in named:
        return True, default
    op = named[name][0]
    return (True, op.value) if isinstance(op, Const) else (False, None)


def _linspace_kind(kinds, named):
    ranks = [_rank(named[p][1]) if p in named else 0 for p in ("start", "stop")]
    samples = ArrayKind(max(ranks) + 1) if None not in ranks else ARRAY
    known, retstep = _constant(named, "retstep", False)
    if not known:
        return NUMERIC
    return TupleKind((samples, NUMERIC)) if retstep else samples


def _same_rank(kinds, named):
    kind = named["a"][1] if "a" in named else ARRAY
    return kind if is_array(kind) else ARRAY


def _gradient_kind(kinds, named):
    """One array per differentiated axis: a tuple unless there is one axis."""
    kind = named["f"][1] if "f" in named else ARRAY
    if not is_array(kind):
        return NUMERIC
    known, axis = _constant(named, "axis")
    if not known:
        return NUMERIC
    count = kind.ndim if axis is None else 1 if np.ndim(axis) == 0 else len(axis)
    if count is None:
        return NUMERIC
    return kind if count == 1 else TupleKind((kind,) * count)


# ----------------------------------------------------------------------------- linspace

_LINSPACE_EXAMPLES = [
    Example((Rand(()), Rand(()))), Example((Rand(()), Rand(()), 5)),
    Example((Rand(()), Rand(()), 4), {"endpoint": False}),
    Example((Rand((3,)), Rand(()), 4)), Example((Rand((2, 1)), Rand((3,)), 3), {"axis": -1}),
    Example((Rand(()), Rand(()), 5), {"retstep": True}),
    Example((Rand((2,)), Rand((2,)), 3, False, True)),
    Example((0.0, Rand(()), 6)), Example((Rand(()), 2.0, 1)),
]


@adjoint(np.linspace, kind=_linspace_kind, examples=_LINSPACE_EXAMPLES)
def _(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
      device=None):
    dstart, dstop = linspace_adjoint(dy, start, stop, num, endpoint, retstep, axis)


@tangent(np.linspace)
def _(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
      device=None):
    dy = linspace_tangent(dstart, dstop, start, stop, num, endpoint, retstep, axis)


def _pair_kind(kinds, named):
    return TupleKind((named["start"][1], named["stop"][1])) \
        if "start" in named and "stop" in named else NUMERIC


@adjoint(linspace_adjoint, kind=_pair_kind, nondiff_params=(
    "start", "stop", "num", "endpoint", "retstep", "axis"), examples=[
    Example((Rand((5,)), 0.0, 1.0, 5)),
    Example((Rand((3, 4)), np.ones(3), 2.0, 4, False, False, 1)),
    Example(((Rand((4,)), Rand(())), 0.0, 1.0, 4, True, True))])
def _(d, g, start, stop, num=50, endpoint=True, retstep=False, axis=0):
    dg = linspace_tangent(dd[0], dd[1], start, stop, num, endpoint, retstep, axis)


@tangent(linspace_adjoint)
def _(d, g, start, stop, num=50, endpoint=True, retstep=False, axis=0):
    dd = linspace_adjoint(dg, start, stop, num, endpoint, retstep, axis)


def _samples_kind(kinds, named):
    known, retstep = _constant(named, "retstep", False)
    return TupleKind((ARRAY, NUMERIC)) if known and retstep else ARRAY if known else NUMERIC


@adjoint(linspace_tangent, kind=_samples_kind,
         nondiff_params=("start", "stop", "num", "endpoint", "retstep", "axis"), examples=[
    Example((Rand(()), Rand(()), 0.0, 1.0, 5)),
    Example((Rand((3,)), Rand(()), np.ones(3), 2.0, 4, False, False, 1))])
def _(t, d_start, d_stop, start, stop, num=50, endpoint=True, retstep=False, axis=0):
    dd_start, dd_stop = linspace_adjoint(dt, start, stop, num, endpoint, retstep, axis)


@tangent(linspace_tangent)
def _(t, d_start, d_stop, start, stop, num=50, endpoint=True, retstep=False, axis=0):
    dt = linspace_tangent(dd_start, dd_stop, start, stop, num, endpoint, retstep, axis)


# ----------------------------------------------------------------------------- diff

_DIFF_EXAMPLES = [
    Example((Rand((5,)),)), Example((Rand((5,)), 2)), Example((Rand((3, 4)), 1, 0)),
    Example((Rand((3, 4)),), {"axis": -1, "n": 3}),
    Example((Rand((3, 4)),), {"prepend": Rand(()), "append": Rand((3, 2))}),
    Example((Rand((3, 4)), 2, 0), {"prepend": Rand((1, 4))}),
    Example((Rand((4,)),), {"append": Rand(())}), Example((Rand((4,)), 0)),
]


@adjoint(np.diff, kind=_same_rank, examples=_DIFF_EXAMPLES)
def _(y, a, n=1, axis=-1, prepend=None, append=None):
    da, dprepend, dappend = diff_adjoint(dy, a, n, axis, prepend, append)


@tangent(np.diff)
def _(y, a, n=1, axis=-1, prepend=None, append=None):
    dy = diff_tangent(da, dprepend, dappend, a, n, axis, prepend, append)


def _triple_kind(kinds, named):
    return TupleKind((named["a"][1], NUMERIC, NUMERIC)) if "a" in named else NUMERIC


@adjoint(diff_adjoint, kind=_triple_kind, nondiff_params=("a", "n", "axis", "prepend", "append"),
         examples=[Example((Rand((4,)), np.ones(5))),
                   Example((Rand((1, 4)), np.ones((3, 4)), 2, 0)),
                   Example((Rand((3, 6)), np.ones((3, 4)), 1, 1, 0.5, np.ones((3, 2))))])
def _(d, g, a, n=1, axis=-1, prepend=None, append=None):
    dg = diff_tangent(dd[0], dd[1], dd[2], a, n, axis, prepend, append)


@tangent(diff_adjoint)
def _(d, g, a, n=1, axis=-1, prepend=None, append=None):
    dd = diff_adjoint(dg, a, n, axis, prepend, append)


@adjoint(diff_tangent, kind=lambda kinds, named: ARRAY,
         nondiff_params=("a", "n", "axis", "prepend", "append"), examples=[
    Example((Rand((5,)), 0.0, 0.0, np.ones(5))),
    Example((Rand((3, 4)), Rand(()), Rand((3, 2)), np.ones((3, 4)), 1, 1, 0.5,
             np.ones((3, 2))))])
def _(t, da, d_prepend, d_append, a, n=1, axis=-1, prepend=None, append=None):
    dda, dd_prepend, dd_append = diff_adjoint(dt, a, n, axis, prepend, append)


@tangent(diff_tangent)
def _(t, da, d_prepend, d_append, a, n=1, axis=-1, prepend=None, append=None):
    dt = diff_tangent(dda, dd_prepend, dd_append, a, n, axis, prepend, append)


# ----------------------------------------------------------------------------- gradient
# In `f` only: the spacing (`varargs`) enters nonlinearly and has no rule (a call that
# differentiates it is refused). The helpers' examples give integer spacings, which the
# sweep leaves alone.

_GRADIENT_EXAMPLES = [
    Example((Rand((5,)),)), Example((Rand((5,)), 0.5)), Example((Rand((5,)),), {"edge_order": 2}),
    Example((Rand((6,)), np.array([0.0, 0.5, 1.5, 2.0, 3.5, 4.0])), {"edge_order": 2}),
    Example((Rand((3, 4)),)), Example((Rand((3, 4)), 0.5, 2.0)),
    Example((Rand((3, 4)),), {"axis": 1}), Example((Rand((3, 4, 2)), 2.0), {"axis": (0, 2)}),
    Example((Rand((2,)),)),
]


@adjoint(np.gradient, kind=_gradient_kind, examples=_GRADIENT_EXAMPLES)
def _(y, f, *varargs, axis=None, edge_order=1):
    df = gradient_adjoint(dy, f, varargs, axis, edge_order)


@tangent(np.gradient)
def _(y, f, *varargs, axis=None, edge_order=1):
    dy = gradient_tangent(df, f, varargs, axis, edge_order)


@adjoint(gradient_adjoint, kind=lambda kinds, named: named["f"][1] if "f" in named else ARRAY,
         nondiff_params=("f", "varargs", "axis", "edge_order"), examples=[
    Example((Rand((5,)), np.ones(5))), Example((Rand((5,)), np.ones(5), (2,), None, 2)),
    Example((Rand((5,)), np.ones(5), (np.array([0, 1, 3, 4, 6]),), 0, 2)),
    Example(((Rand((3, 4)), Rand((3, 4))), np.ones((3, 4)), (1, 3)))])
def _(d, g, f, varargs=(), axis=None, edge_order=1):
    dg = gradient_tangent(dd, f, varargs, axis, edge_order)


@tangent(gradient_adjoint)
def _(d, g, f, varargs=(), axis=None, edge_order=1):
    dd = gradient_adjoint(dg, f, varargs, axis, edge_order)


@adjoint(gradient_tangent, kind=_gradient_kind,
         nondiff_params=("f", "varargs", "axis", "edge_order"), examples=[
    Example((Rand((5,)), np.ones(5))), Example((Rand((3, 4)), np.ones((3, 4)), (1, 3)))])
def _(t, df, f, varargs=(), axis=None, edge_order=1):
    ddf = gradient_adjoint(dt, f, varargs, axis, edge_order)


@tangent(gradient_tangent)
def _(t, df, f, varargs=(), axis=None, edge_order=1):
    dt = gradient_tangent(ddf, f, varargs, axis, edge_order)


complex_values(np.linspace, linspace_adjoint, linspace_tangent, np.diff, diff_adjoint,
               diff_tangent, np.gradient, gradient_adjoint, gradient_tangent, how="linear")
