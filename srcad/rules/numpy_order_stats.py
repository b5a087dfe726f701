"""Rules for order statistics and counting: `np.median`, `np.percentile`, `np.quantile`,
their NaN-skipping versions, and the integer-valued `np.searchsorted`, `np.digitize`,
`np.argpartition` and `np.bincount`.

Quantiles (NumPy's default method, 'linear', only: any other `method` is refused by
name, as is `overwrite_input=True`, which would reorder the array the derivative reads,
and `weights`): each output is ``(1 - g) * s_lo + g * s_hi``, two neighbouring order
statistics of its slice, so the derivative is weight ``1 - g`` at the element that sorted
into place lo and ``g`` at the one in place hi, 0 elsewhere (the median of an even
count: 1/2 at each middle element). Ties are broken as `np.argsort(..., kind="stable")`
breaks them: of equal values, the one that comes first in the slice takes the lower
place. The NaN-skipping versions give NaNs (and every element of an all-NaN slice) a
zero derivative. The quantiles `q` are not differentiated: a call that differentiates
them is refused. See srcad/runtime/order_stats.py.

`np.searchsorted`, `np.digitize` and `np.argpartition` return integer arrays, piecewise
constant in their inputs: no derivative. `np.bincount` counts (an integer array) and,
given `weights`, sums them per bin: that is linear in the weights, whose adjoint gathers
the result's adjoint at each weight's bin.
"""

import numpy as np

from srcad.ir.kinds import (
    ARRAY,
    KIND_RULES,
    NUMERIC,
    OTHER,
    SCALAR,
    ArrayKind,
    ListKind,
    TupleKind,
    is_array,
)
from srcad.rules.numpy_reductions import _reduction_examples
from srcad.rules.registry import (
    Example,
    Method,
    Rand,
    adjoint,
    nondifferentiable,
    output_dtype,
    tangent,
)
from srcad.runtime.order_stats import quantile_adjoint, quantile_tangent

# ============================================================================ kinds


def _rank_of_q(op, kind):
    """The number of axes of the quantiles `q` (None if unknown)."""
    if type(op).__name__ == "Const":
        return int(np.ndim(op.value))
    if kind == SCALAR:
        return 0
    if is_array(kind):
        return kind.ndim
    if isinstance(kind, TupleKind) and all(k == SCALAR for k in kind.items):
        return 1
    return None


def _quantile_kind(kinds, named):
    """np.quantile(a, q, axis, keepdims=...): the reduction's axes after q's axes."""
    reduced = KIND_RULES["reduction"](kinds, named)
    rank = _rank_of_q(*named["q"]) if "q" in named else None
    if rank == 0:
        return reduced
    if rank is None:
        return ARRAY if is_array(reduced) else NUMERIC
    if reduced == SCALAR:
        return ArrayKind(rank)
    if is_array(reduced) and reduced.ndim is not None:
        return ArrayKind(reduced.ndim + rank)
    return ARRAY


def _like(param):
    """A kind rule: the output has the kind of parameter `param`."""

    def kind(kinds, named):
        return named[param][1] if param in named else NUMERIC

    return kind


def _indices_like(name, position):
    """A kind rule for a function returning one integer per element of its argument
    `name` (at `position` when given by position): a number for a number, an array of
    the same rank for an array."""

    def kind(kinds, named):
        k = named[name][1] if name in named else \
            kinds[position] if len(kinds) > position else NUMERIC
        if k == SCALAR:
            return SCALAR
        if is_array(k):
            return ArrayKind(k.ndim)
        if isinstance(k, TupleKind) and all(i == SCALAR for i in k.items):
            return ArrayKind(1)
        if isinstance(k, (TupleKind, ListKind)):
            return ARRAY
        return NUMERIC

    return kind


def _argpartition_kind(kinds, named):
    """np.argpartition(a, kth, axis=-1): shaped like `a`, flattened when axis is None."""
    a = kinds[0] if kinds else NUMERIC
    if "axis" in named:
        op = named["axis"][0]
        if type(op).__name__ != "Const":
            return ARRAY
        flat = op.value is None
    elif len(kinds) > 2:
        if kinds[2] not in (SCALAR, OTHER):
            return ARRAY
        flat = kinds[2] != SCALAR  # a constant None (an integer axis is a number)
    else:
        flat = False
    if flat:
        return ArrayKind(1)
    return ArrayKind(a.ndim) if is_array(a) else ARRAY


# ============================================================================ quantiles
# The sweep differentiates every float argument, so the examples give `q` as integers
# (np.quantile: 0 and 1, the extremes; np.percentile: any); srcad's tests differentiate
# np.quantile at fractional q (tests/rules/test_numpy_more.py).

_MEDIAN_EXAMPLES = _reduction_examples(extra=[
    Example((Rand((6,)),)), Example((Rand((4, 5)), 1)),
    Example((Rand((2, 3)), 0, None, False, True)),  # every option by position
])


@adjoint(np.median, kind="reduction", examples=_MEDIAN_EXAMPLES)
def _(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    da = quantile_adjoint(dy, a, 0.5, axis, keepdims)


@tangent(np.median)
def _(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    dy = quantile_tangent(da, a, 0.5, axis, keepdims)


@adjoint(np.nanmedian, kind="reduction", examples=_MEDIAN_EXAMPLES)
def _(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    da = quantile_adjoint(dy, a, 0.5, axis, keepdims, False, True)


@tangent(np.nanmedian)
def _(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    dy = quantile_tangent(da, a, 0.5, axis, keepdims, False, True)


_NAN_QUANTILE_EXAMPLES = [
    Example((Rand((5,)), 0)), Example((Rand((5,)), 1)), Example((Rand((4,)), [0, 1])),
    Example((Rand((3, 4)), 1, 0)), Example((Rand((3, 4)), np.array([1, 0]), 1)),
    Example((Rand((2, 3, 4)), [0, 1]), {"axis": (0, 2), "keepdims": True}),
    Example((Rand((2, 3, 4)), [[0, 1], [1, 1]], 1)),
    Example((Rand((2, 3)), 0, None, None, False, "linear", True)),
]
# (NumPy's NaN-skipping quantiles lay out the result of a q of two or more axes over
# several axes differently: srcad refuses that, srcad/runtime/order_stats.py)
_QUANTILE_EXAMPLES = _NAN_QUANTILE_EXAMPLES + [
    Example((Rand((2, 3, 4)), [[0], [1]]), {"axis": (0, 2), "keepdims": True})]


@adjoint(np.quantile, kind=_quantile_kind, examples=_QUANTILE_EXAMPLES)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
      *, weights=None):
    da = quantile_adjoint(dy, a, q, axis, keepdims)


@tangent(np.quantile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
      *, weights=None):
    dy = quantile_tangent(da, a, q, axis, keepdims)


@adjoint(np.nanquantile, kind=_quantile_kind, examples=_NAN_QUANTILE_EXAMPLES)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
      *, weights=None):
    da = quantile_adjoint(dy, a, q, axis, keepdims, False, True)


@tangent(np.nanquantile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
      *, weights=None):
    dy = quantile_tangent(da, a, q, axis, keepdims, False, True)


_PERCENTILE_EXAMPLES = [
    Example((Rand((7,)), 30)), Example((Rand((6,)), 50)), Example((Rand((5,)), [0, 10, 95, 100])),
    Example((Rand((3, 4)), 25, 1)), Example((Rand((3, 4)), 60), {"axis": 0, "keepdims": True}),
    Example((Rand((2, 3, 4)), np.array([20, 80]), (0, 2))),
    Example((Rand((2, 3, 4)), [[5, 45], [55, 99]], -1)),
    Example((Rand((2, 3, 4)), 40, -1, None, False, "linear", True)),
    Example((Rand(()), 70)),
]
_NAN_PERCENTILE_EXAMPLES = _PERCENTILE_EXAMPLES + [Example((Rand((2, 3)), [[5], [60]]))]
_PERCENTILE_EXAMPLES = _PERCENTILE_EXAMPLES + [
    Example((Rand((2, 3, 4)), [[5], [60]], (2, 0), None, False, "linear", True))]


@adjoint(np.percentile, kind=_quantile_kind, examples=_PERCENTILE_EXAMPLES)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
      *, weights=None):
    da = quantile_adjoint(dy, a, q, axis, keepdims, True)


@tangent(np.percentile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
      *, weights=None):
    dy = quantile_tangent(da, a, q, axis, keepdims, True)


@adjoint(np.nanpercentile, kind=_quantile_kind, examples=_NAN_PERCENTILE_EXAMPLES)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
      *, weights=None):
    da = quantile_adjoint(dy, a, q, axis, keepdims, True, True)


@tangent(np.nanpercentile)
def _(y, a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
      *, weights=None):
    dy = quantile_tangent(da, a, q, axis, keepdims, True, True)


# Second order: the helpers are linear in their first argument and transposes of each
# other; the order of `a` is piecewise constant. (Fixed `a` without ties, so that the
# sweep's differences in `a` see no change of order; NaNs are tested in
# tests/rules/test_numpy_more.py, the sweep compares inputs with ==.)
_A5 = np.array([0.3, -1.2, 0.8, 0.05, -0.4])
_A34 = np.array([[0.3, -1.2, 0.8, 0.05], [-0.4, 1.1, 0.6, -0.9], [0.2, -0.1, 1.4, -0.7]])


@adjoint(quantile_adjoint, linear=True, kind=_like("a"), nondiff_params=("a",), examples=[
    Example((Rand(()), _A5, 30, None, False, True)),
    Example((Rand((3,)), _A34, 50, 1, False, True)),
    Example((Rand((2, 3)), _A34, [25, 75], 1, False, True)),
    Example((Rand((1, 4)), _A34, 40, 0, True, True)),
    Example((Rand(()), _A34, 1, (0, 1))), Example((Rand((3,)), _A34, 50, 1, False, True, True))])
def _(d, g, a, q, axis=None, keepdims=False, percent=False, skip_nan=False):
    dg = quantile_tangent(dd, a, q, axis, keepdims, percent, skip_nan)


@adjoint(quantile_tangent, linear=True, kind=_quantile_kind, nondiff_params=("a",), examples=[
    Example((Rand((5,)), _A5, 30, None, False, True)),
    Example((Rand((3, 4)), _A34, [25, 75], 1, False, True)),
    Example((Rand((3, 4)), _A34, 40, (0, 1), True, True)),
    Example((Rand((3, 4)), _A34, 50, 1, False, True, True))])
def _(u, t, a, q, axis=None, keepdims=False, percent=False, skip_nan=False):
    dt = quantile_adjoint(du, a, q, axis, keepdims, percent, skip_nan)


# ============================================================================ integer results

_SORTED = np.array([-1.0, -0.25, 0.4, 1.3])

nondifferentiable(np.searchsorted, Method("searchsorted"), kind=_indices_like("v", 1),
                  examples=[Example((_SORTED, Rand(()))), Example((_SORTED, Rand((2, 3)))),
                            Example((_SORTED, Rand((3,)), "right")),
                            Example((Rand((4,)), Rand((2,)), "left", np.array([3, 1, 0, 2])))])
nondifferentiable(np.digitize, kind=_indices_like("x", 0), examples=[
    Example((Rand(()), _SORTED)), Example((Rand((2, 3)), _SORTED)),
    Example((Rand((5,)), _SORTED[::-1], True))])
nondifferentiable(np.argpartition, Method("argpartition"), kind=_argpartition_kind, examples=[
    Example((Rand((7,)), 3)), Example((Rand((3, 5)), 1, 0)), Example((Rand((3, 5)), [0, 2])),
    Example((Rand((3, 5)), 2, None))])
output_dtype(np.searchsorted, Method("searchsorted"), np.digitize, np.argpartition,
             Method("argpartition"), output="real")


# np.bincount(x, weights, minlength): linear in the weights (x only says which bin).
@adjoint(np.bincount, linear=True, kind=lambda kinds, named: ArrayKind(1),
         nondiff_params=("x", "minlength"), examples=[
    Example((np.array([0, 1, 1, 3]), Rand((4,)))),
    Example((np.array([2, 0, 2]), Rand((3,)), 5)),
    Example(([1, 1, 0],), {"weights": Rand((3,)), "minlength": 2})])
def _(y, x, weights=None, minlength=0):
    dweights = dy[x]
