"""Rules for NumPy reductions and cumulative reductions, and their ndarray methods:
`sum mean prod max min amax amin ptp var std cumsum cumprod nansum nanmean`."""

import numpy as np

from ..kinds import ARRAY, NUMERIC, ArrayKind, is_array
from ..registry import Example, Method, Rand, adjoint, tangent
from ..runtime import reduced_count, unreduce
from ..runtime.reductions import cumprod_adjoint, cumprod_tangent, cumsum_adjoint, deviation, \
    extremum_weights, not_nan_count, prod_of_others, std_weights


@adjoint(np.sum, kind="reduction")
def _(y, x, axis=None, keepdims=False):
    dx = unreduce(dy, x, axis, keepdims)


@tangent(np.sum)
def _(y, x, axis=None, keepdims=False):
    dy = np.sum(dx, axis=axis, keepdims=keepdims)


@adjoint(Method("sum"), kind="reduction")
def _(y, x, axis=None, keepdims=False):
    dx = unreduce(dy, x, axis, keepdims)


@tangent(Method("sum"))
def _(y, x, axis=None, keepdims=False):
    dy = np.sum(dx, axis=axis, keepdims=keepdims)


@adjoint(np.mean, kind="reduction")
def _(y, x, axis=None, keepdims=False):
    dx = unreduce(dy / reduced_count(x, axis), x, axis, keepdims)


@tangent(np.mean)
def _(y, x, axis=None, keepdims=False):
    dy = np.mean(dx, axis=axis, keepdims=keepdims)


@adjoint(Method("mean"), kind="reduction")
def _(y, x, axis=None, keepdims=False):
    dx = unreduce(dy / reduced_count(x, axis), x, axis, keepdims)


@tangent(Method("mean"))
def _(y, x, axis=None, keepdims=False):
    dy = np.mean(dx, axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- examples
# Calls the registry sweep tests the rules below on: every axis form (None, int,
# negative, tuple), keepdims, 0-D to 3-D inputs, and options passed by position.

_AXIS_OPTIONS = [
    ((3,), {}), ((3,), {"axis": 0}), ((3,), {"axis": -1, "keepdims": True}),
    ((2, 3), {}), ((2, 3), {"axis": 0}), ((2, 3), {"axis": 1}), ((2, 3), {"axis": -1}),
    ((2, 3), {"axis": (0, 1)}), ((2, 3), {"axis": 0, "keepdims": True}),
    ((2, 3), {"axis": None, "keepdims": True}), ((2, 3), {"axis": (0, -1), "keepdims": True}),
    ((2, 3, 4), {"axis": (0, 2)}), ((2, 3, 4), {"axis": 1, "keepdims": True}),
    ((2, 3, 4), {"axis": (-1, 0)}), ((2, 3, 4), {"axis": (2, 1), "keepdims": True}),
]


def _reduction_examples(low=-1.5, high=1.5, method=False, extra=()):
    examples = [] if method else [Example((Rand((), low, high),))]
    examples += [Example((Rand(shape, low, high),), dict(kwargs))
                 for shape, kwargs in _AXIS_OPTIONS]
    examples.append(Example((Rand((2, 3), low, high), 1)))  # axis by position
    return examples + list(extra)


def _cumulative_examples(low=-1.5, high=1.5, method=False):
    examples = [] if method else [Example((Rand((), low, high),))]
    for shape, axes in [((4,), (None, 0, -1)), ((2, 3), (None, 0, 1, -1)),
                        ((2, 3, 4), (None, 0, 1, -2))]:
        examples += [Example((Rand(shape, low, high),), {"axis": axis}) for axis in axes]
    examples.append(Example((Rand((2, 3), low, high), 1)))  # axis by position
    return examples


def _cumulative_kind(kinds, named):
    """np.cumsum / np.cumprod: 1-D when `axis` is None (the input is flattened), else
    the input's rank."""
    a_kind = named["a"][1] if "a" in named else NUMERIC
    axis = named["axis"][0] if "axis" in named else None
    if type(axis).__name__ != "Const":
        return ARRAY  # unknown axis: None would flatten
    if axis.value is None:
        return ArrayKind(1)
    return a_kind if is_array(a_kind) else ARRAY


# ----------------------------------------------------------------------------- prod
# d prod / d a_i is the product of the other elements of a_i's slice: computed by
# `prod_of_others` without dividing by a_i, so it is exact where a has zeros.


@adjoint(np.prod, kind="reduction", examples=_reduction_examples(0.5, 1.5))
@adjoint(Method("prod"), kind="reduction", examples=_reduction_examples(0.5, 1.5, method=True))
def _(y, a, axis=None, dtype=None, out=None, keepdims=False):
    da = unreduce(dy, a, axis, keepdims) * prod_of_others(a, axis)


@tangent(np.prod)
@tangent(Method("prod"))
def _(y, a, axis=None, dtype=None, out=None, keepdims=False):
    dy = np.sum(da * prod_of_others(a, axis), axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- max / min
# Ties: where several elements equal the maximum (or minimum), the adjoint is split
# evenly among them (each gets dy / count), like np.maximum's 1/2 at x == y. The
# tangent is the matching average of the tied elements' tangents.


@adjoint(np.max, kind="reduction", examples=_reduction_examples())
@adjoint(np.amax, kind="reduction", examples=_reduction_examples())
@adjoint(Method("max"), kind="reduction", examples=_reduction_examples(method=True))
@adjoint(np.min, kind="reduction", examples=_reduction_examples())
@adjoint(np.amin, kind="reduction", examples=_reduction_examples())
@adjoint(Method("min"), kind="reduction", examples=_reduction_examples(method=True))
def _(y, a, axis=None, out=None, keepdims=False):
    da = unreduce(dy, a, axis, keepdims) * extremum_weights(a, y, axis, keepdims)


@tangent(np.max)
@tangent(np.amax)
@tangent(Method("max"))
@tangent(np.min)
@tangent(np.amin)
@tangent(Method("min"))
def _(y, a, axis=None, out=None, keepdims=False):
    dy = np.sum(da * extremum_weights(a, y, axis, keepdims), axis=axis, keepdims=keepdims)


# np.ptp = max - min (ties shared as for max and min). ndarray has no .ptp in NumPy 2.


@adjoint(np.ptp, kind="reduction", examples=_reduction_examples())
def _(y, a, axis=None, out=None, keepdims=False):
    top = extremum_weights(a, np.max(a, axis=axis, keepdims=True), axis, True)
    bottom = extremum_weights(a, np.min(a, axis=axis, keepdims=True), axis, True)
    da = unreduce(dy, a, axis, keepdims) * (top - bottom)


@tangent(np.ptp)
def _(y, a, axis=None, out=None, keepdims=False):
    top = extremum_weights(a, np.max(a, axis=axis, keepdims=True), axis, True)
    bottom = extremum_weights(a, np.min(a, axis=axis, keepdims=True), axis, True)
    dy = np.sum(da * (top - bottom), axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- var / std
# var = sum((a - mean)**2) / (n - ddof): d var / d a = 2 (a - mean) / (n - ddof)
# (the mean's own derivative drops out because the deviations sum to zero), and
# d std = d var / (2 std), taken as 0 where std is 0 (see `std_weights`).

_DDOF_EXAMPLES = [
    Example((Rand((4,)),), {"ddof": 1}), Example((Rand((2, 3)),), {"axis": 0, "ddof": 1}),
    Example((Rand((2, 3, 4)),), {"axis": (0, 2), "ddof": 2, "keepdims": True}),
    Example((Rand((2, 3)), 1, None, None, 1)),  # ddof by position
]


@adjoint(np.var, kind="reduction", examples=_reduction_examples(extra=_DDOF_EXAMPLES))
@adjoint(Method("var"), kind="reduction",
         examples=_reduction_examples(method=True, extra=_DDOF_EXAMPLES))
def _(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    da = 2.0 * unreduce(dy, a, axis, keepdims) * deviation(a, axis, ddof)


@tangent(np.var)
@tangent(Method("var"))
def _(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    dy = 2.0 * np.sum(da * deviation(a, axis, ddof), axis=axis, keepdims=keepdims)


@adjoint(np.std, kind="reduction", examples=_reduction_examples(extra=_DDOF_EXAMPLES))
@adjoint(Method("std"), kind="reduction",
         examples=_reduction_examples(method=True, extra=_DDOF_EXAMPLES))
def _(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    da = unreduce(dy, a, axis, keepdims) * std_weights(a, y, axis, ddof, keepdims)


@tangent(np.std)
@tangent(Method("std"))
def _(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    dy = np.sum(da * std_weights(a, y, axis, ddof, keepdims), axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- cumsum / cumprod
# axis=None works on `a` flattened (the result is 1-D).


@adjoint(np.cumsum, kind=_cumulative_kind, examples=_cumulative_examples())
@adjoint(Method("cumsum"), kind=_cumulative_kind, examples=_cumulative_examples(method=True))
def _(y, a, axis=None, dtype=None, out=None):
    da = cumsum_adjoint(dy, a, axis)


@tangent(np.cumsum)
@tangent(Method("cumsum"))
def _(y, a, axis=None, dtype=None, out=None):
    dy = np.cumsum(da, axis)


@adjoint(np.cumprod, kind=_cumulative_kind, examples=_cumulative_examples(0.5, 1.5))
@adjoint(Method("cumprod"), kind=_cumulative_kind,
         examples=_cumulative_examples(0.5, 1.5, method=True))
def _(y, a, axis=None, dtype=None, out=None):
    da = cumprod_adjoint(dy, a, axis)


@tangent(np.cumprod)
@tangent(Method("cumprod"))
def _(y, a, axis=None, dtype=None, out=None):
    dy = cumprod_tangent(da, a, axis)


# ----------------------------------------------------------------------------- nansum / nanmean
# NaN elements are left out of the result, so they get a zero adjoint.


@adjoint(np.nansum, kind="reduction", examples=_reduction_examples())
def _(y, a, axis=None, dtype=None, out=None, keepdims=False):
    da = np.where(np.isnan(a), 0.0, unreduce(dy, a, axis, keepdims))


@tangent(np.nansum)
def _(y, a, axis=None, dtype=None, out=None, keepdims=False):
    dy = np.sum(np.where(np.isnan(a), 0.0, da), axis=axis, keepdims=keepdims)


@adjoint(np.nanmean, kind="reduction", examples=_reduction_examples())
def _(y, a, axis=None, dtype=None, out=None, keepdims=False):
    da = np.where(np.isnan(a), 0.0, unreduce(dy, a, axis, keepdims) / not_nan_count(a, axis))


@tangent(np.nanmean)
def _(y, a, axis=None, dtype=None, out=None, keepdims=False):
    dy = np.sum(np.where(np.isnan(a), 0.0, da) / not_nan_count(a, axis), axis=axis,
                keepdims=keepdims)
