"""Rules for NumPy reductions and cumulative reductions, and their ndarray methods:
`sum mean prod max min amax amin ptp var std cumsum cumprod nansum nanmean`."""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, ArrayKind, is_array
from srcad.rules.registry import (
    Example,
    Method,
    Rand,
    adjoint,
    nondifferentiable,
    share_rules,
    tangent,
)
from srcad.runtime import reduced_count, unreduce
from srcad.runtime.reductions import (
    cumprod_adjoint,
    cumprod_tangent,
    cumsum_adjoint,
    deviation,
    max_weights,
    max_weights_given,
    min_weights,
    min_weights_given,
    not_nan_count,
    prod_of_others,
    prod_of_others_jvp,
)

# Templates list NumPy's parameters in NumPy's order up to the last one they use (so
# that options passed by position bind to the right names); `dtype` and `out` are
# accepted and do not change the derivative.


@adjoint(np.sum, linear=True, kind="reduction")
def _(y, x, axis=None, dtype=None, out=None, keepdims=False):
    dx = unreduce(dy, x, axis, keepdims)


@adjoint(np.mean, linear=True, kind="reduction")
def _(y, x, axis=None, dtype=None, out=None, keepdims=False):
    dx = unreduce(dy / reduced_count(x, axis), x, axis, keepdims)


share_rules(np.sum, Method("sum"))
share_rules(np.mean, Method("mean"))


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
# tangent is the matching average of the tied elements' tangents. The templates compute
# the extremum with keepdims=True, which the user's own call often is (then the two are
# one value in the generated code).


@adjoint(np.max, kind="reduction", examples=_reduction_examples())
@adjoint(np.amax, kind="reduction", examples=_reduction_examples())
@adjoint(Method("max"), kind="reduction", examples=_reduction_examples(method=True))
def _(y, a, axis=None, out=None, keepdims=False):
    da = unreduce(dy, a, axis, keepdims) * \
        max_weights_given(a, np.max(a, axis=axis, keepdims=True), axis)


@tangent(np.max)
@tangent(np.amax)
@tangent(Method("max"))
def _(y, a, axis=None, out=None, keepdims=False):
    dy = np.sum(da * max_weights_given(a, np.max(a, axis=axis, keepdims=True), axis),
                axis=axis, keepdims=keepdims)


@adjoint(np.min, kind="reduction", examples=_reduction_examples())
@adjoint(np.amin, kind="reduction", examples=_reduction_examples())
@adjoint(Method("min"), kind="reduction", examples=_reduction_examples(method=True))
def _(y, a, axis=None, out=None, keepdims=False):
    da = unreduce(dy, a, axis, keepdims) * \
        min_weights_given(a, np.min(a, axis=axis, keepdims=True), axis)


@tangent(np.min)
@tangent(np.amin)
@tangent(Method("min"))
def _(y, a, axis=None, out=None, keepdims=False):
    dy = np.sum(da * min_weights_given(a, np.min(a, axis=axis, keepdims=True), axis),
                axis=axis, keepdims=keepdims)


# np.ptp = max - min (ties shared as for max and min). ndarray has no .ptp in NumPy 2.


@adjoint(np.ptp, kind="reduction", examples=_reduction_examples())
def _(y, a, axis=None, out=None, keepdims=False):
    da = unreduce(dy, a, axis, keepdims) * (max_weights(a, axis) - min_weights(a, axis))


@tangent(np.ptp)
def _(y, a, axis=None, out=None, keepdims=False):
    dy = np.sum(da * (max_weights(a, axis) - min_weights(a, axis)), axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- var / std
# var = sum((a - mean)**2) / (n - ddof): d var / d a = 2 (a - mean) / (n - ddof)
# (the mean's own derivative drops out because the deviations sum to zero), and
# d std = d var / (2 std). Where std is 0 (a constant slice: a kink, like abs at 0)
# the deviations are exactly 0, so dividing by 1 instead of 0 gives the derivative 0.

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
    da = unreduce(dy / np.where(y == 0.0, 1.0, y), a, axis, keepdims) * deviation(a, axis, ddof)


@tangent(np.std)
@tangent(Method("std"))
def _(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    dy = np.sum(da * deviation(a, axis, ddof), axis=axis, keepdims=keepdims) / \
        np.where(y == 0.0, 1.0, y)


# ----------------------------------------------------------------------------- cumsum / cumprod
# axis=None works on `a` flattened (the result is 1-D).


@adjoint(np.cumsum, linear=True, kind=_cumulative_kind, examples=_cumulative_examples())
def _(y, a, axis=None, dtype=None, out=None):
    da = cumsum_adjoint(dy, a, axis)


share_rules(np.cumsum, Method("cumsum"), examples=_cumulative_examples(method=True))


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


# ----------------------------------------------------------------------------- helpers
# Rules for the helpers the templates above emit: gradients are differentiated again
# for higher derivatives (srcad.hessian, grad of grad).


def _like(param):
    """A kind rule: the output has the kind of parameter `param`."""

    def kind(kinds, named):
        return named[param][1] if param in named else NUMERIC

    return kind


@adjoint(prod_of_others, kind=_like("a"), examples=[
    Example((Rand((3,)),)), Example((Rand((2, 3)), 0)), Example((Rand((2, 3, 2)), (0, 2))),
    Example((Rand((2, 3)),), {"axis": -1}), Example((Rand(()),))])
def _(y, a, axis=None):
    da = prod_of_others_jvp(dy, a, axis)  # the Jacobian is symmetric


@tangent(prod_of_others)
def _(y, a, axis=None):
    dy = prod_of_others_jvp(da, a, axis)


@adjoint(deviation, linear=True, kind=_like("a"), examples=[
    Example((Rand((3,)),)), Example((Rand((2, 3)), 0, 1)), Example((Rand((2, 3, 2)), (0, 2))),
    Example((Rand((2, 3)),), {"axis": -1, "ddof": 1})])
def _(y, a, axis=None, ddof=0):
    da = deviation(dy, axis, ddof)  # self-adjoint


# `a` only gives the shape: the result is linear in `g`.
@adjoint(cumsum_adjoint, linear=True, kind=_like("a"), nondiff_params=("a",), examples=[
    Example((Rand((6,)), np.ones((2, 3)))), Example((Rand((2, 3)), np.ones((2, 3)), 0)),
    Example((Rand((2, 3, 2)), np.ones((2, 3, 2)), -1))])
def _(y, g, a, axis=None):
    dg = np.cumsum(dy, axis)


# Piecewise constant in `a` (which elements are the extremum; how many NaNs).
nondifferentiable(max_weights_given, kind=_like("a"), examples=[
    Example((np.array([0.3, 1.2, -0.5]), np.array([1.2]))),
    Example((np.array([[0.3, 1.2], [0.5, -0.1]]), np.array([[1.2], [0.5]]), 1)),
    Example((np.array([[0.3, 1.2], [0.5, -0.1]]), np.array([[0.5, 1.2]]), 0))])
nondifferentiable(min_weights_given, kind=_like("a"), examples=[
    Example((np.array([0.3, 1.2, -0.5]), np.array([-0.5]))),
    Example((np.array([[0.3, 1.2], [0.5, -0.1]]), np.array([[0.3], [-0.1]]), 1)),
    Example((np.array([[0.3, 1.2], [0.5, -0.1]]), np.array([[0.3, -0.1]]), 0))])
nondifferentiable(max_weights, min_weights, kind=_like("a"), examples=[
    Example((Rand((4,)),)), Example((Rand((2, 3)), 1)), Example((Rand((2, 3, 2)), (0, 2)))])
nondifferentiable(not_nan_count, kind="same_rank", examples=[
    Example((Rand((2, 3)),)), Example((Rand((2, 3)), 0))])
