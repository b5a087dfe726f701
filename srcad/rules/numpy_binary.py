"""Rules for more of NumPy's elementwise functions: the binary ufuncs beyond those in
numpy_elementwise.py (arctan2, hypot, logaddexp, logaddexp2, fmax, fmin, float_power,
the power helpers, fmod, remainder, divmod, copysign, nextafter, heaviside, ldexp),
np.clip, np.nan_to_num, and the elementwise functions with no derivative (piecewise
constant, or not float-valued). The conventions at kinks and jumps are listed in
numpy_elementwise.py.
"""

import numpy as np

from srcad.ir.kinds import elementwise
from srcad.ir.nodes import Const
from srcad.rules.numpy_elementwise import _pair_elementwise
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_values,
    derivative,
    nondifferentiable,
    share_rules,
    tangent,
)
from srcad.runtime import elementwise as elementwise_rt
from srcad.runtime.elementwise import (
    above_weight,
    below_weight,
    broadcast_item_adjoint,
    clip_weights,
    fmax_weight,
    fmin_weight,
    multiple_of,
    power_log,
    power_slope,
    power_term,
    safe_divide,
    share,
)

# ============================================================================ more binary ufuncs
# z = f(x1, x2), broadcasting (x1, x2 as in NumPy's documentation).


@derivative(np.arctan2, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    return x2 / (x1 * x1 + x2 * x2), -x1 / (x1 * x1 + x2 * x2)


# At the origin hypot has no derivative; the subgradient 0 is used (like abs at 0).
@derivative(np.hypot, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    return safe_divide(x1, z), safe_divide(x2, z)


# safe_divide(a, b) = a / b, and 0 where b == 0 (for second derivatives of hypot). Where
# b == 0 it is 0 whatever a is (so d/da is 0 there); d/db = -a / b**2 = -y / b elsewhere,
# and 0 where b == 0, the same convention (hypot's second derivatives at the origin, where
# it has none).
@derivative(safe_divide, broadcasting=True, kind="elementwise", domain={"b": (0.5, 2.0)})
def _(y, a, b):
    return safe_divide(1.0, b), -safe_divide(y, b)


# d/dx1 log(e^x1 + e^x2) = e^(x1 - z), which never overflows (x1 - z <= 0).
@derivative(np.logaddexp, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    return np.exp(x1 - z), np.exp(x2 - z)


@derivative(np.logaddexp2, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    return np.exp2(x1 - z), np.exp2(x2 - z)


# fmax / fmin: like maximum / minimum (ties split 1/2 each), but a NaN input loses.
@derivative(np.fmax, broadcasting=True, kind="elementwise", selecting=True)
def _(z, x1, x2):
    return fmax_weight(x1, x2), fmax_weight(x2, x1)


@derivative(np.fmin, broadcasting=True, kind="elementwise", selecting=True)
def _(z, x1, x2):
    return fmin_weight(x1, x2), fmin_weight(x2, x1)


@derivative(np.float_power, broadcasting=True, kind="elementwise",
            domain={"x1": (0.5, 2.0), "x2": (-2.0, 2.0)})
def _(z, x1, x2):
    return power_slope(x1, x2), power_log(x1, x2)


# The helpers of the power rules, for higher derivatives: power_term(c, x, e, m) is
# c * x**e * log(x)**m with the same limits (0 where c == 0, and where x == 0 < e for
# m > 0), so every derivative of x**y is again a sum of its terms. m is an int.
@derivative(power_slope, broadcasting=True, kind="elementwise",
            domain={"x": (0.5, 2.0), "y": (-2.0, 2.0)})
def _(s, x, y):
    return (power_term(y * (y - 1), x, y - 2),
            power_term(1, x, y - 1) + power_term(y, x, y - 1, 1))


@derivative(power_log, broadcasting=True, kind="elementwise",
            domain={"x": (0.5, 2.0), "y": (-2.0, 2.0)})
def _(s, x, y):
    return power_term(y, x, y - 1, 1) + power_term(1, x, y - 1), power_term(1, x, y, 2)


@derivative(power_term, wrt=("c", "x", "e"), broadcasting=True, kind="elementwise",
            nondiff_params=("m",), examples=[
    Example((Rand(()), Rand((), 0.5, 2.0), Rand(()))),
    Example((Rand((2, 3)), Rand((3,), 0.5, 2.0), Rand((2, 1)), 1)),
    Example((Rand((3,)), Rand((3,), 0.5, 2.0), Rand(()), 2)),
    Example((2.0, Rand((3,), 0.5, 2.0), 1.0))])
def _(t, c, x, e, m=0):
    return (power_term(1, x, e, m),
            power_term(c * e, x, e - 1, m) + power_term(c * m, x, e - 1, m - 1),
            power_term(c, x, e, m + 1))


# fmod(x1, x2) = x1 - n * x2 with n = trunc(x1 / x2); remainder (= np.mod) uses
# n = floor(x1 / x2). n is piecewise constant, so dz/dx1 = 1 and dz/dx2 = -n.
@derivative(np.fmod, broadcasting=True, kind="elementwise",
            domain={"x1": (-3.0, 3.0), "x2": (0.6, 1.4)})
def _(z, x1, x2):
    return 1.0, -multiple_of(x1, z, x2)


share_rules(np.fmod, np.remainder)


# np.divmod(x1, x2) = (floor_divide, remainder): only the remainder is differentiable.
@adjoint(np.divmod, broadcasting=True, kind=_pair_elementwise,
         domain={"x1": (-3.0, 3.0), "x2": (0.6, 1.4)})
def _(z, x1, x2):
    dr = broadcast_item_adjoint(dz[1], z[1])
    dx1 = dr
    dx2 = -dr * z[0]


@tangent(np.divmod)
def _(z, x1, x2):
    dz = (np.zeros_like(z[0]), dx1 - dx2 * z[0] + np.zeros_like(z[1]))


# copysign(x1, x2) = |x1| with the sign of x2: d/dx1 = +1 where the signs agree, -1
# where they differ (0 at x1 = 0, like abs). The sign of x2 is piecewise constant: its
# derivative is 0.
@derivative(np.copysign, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    return np.sign(x1) * np.copysign(1.0, x2), 0.0


# nextafter(x1, x2) is x1 moved by one unit in the last place: derivative 1 in x1 (as
# for x1 itself), 0 in the direction x2 (piecewise constant).
@derivative(np.nextafter, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    return 1.0, 0.0


# heaviside(x1, x2) is 0 / 1 away from x1 == 0 (derivative 0 in x1) and x2 where x1 == 0.
@derivative(np.heaviside, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    return 0.0, x1 == 0


# ldexp(x1, x2) = x1 * 2**x2 with an integer exponent x2.
@adjoint(np.ldexp, linear=True, broadcasting=True, kind="elementwise", nondiff_params=("x2",),
         examples=[Example((Rand(()), 3)), Example((Rand((2, 3)), np.array([1, -2, 0]))),
                   Example((Rand((3,)), np.array([[2], [-1]]))),
                   Example((Rand(()), np.array([1, 2, 3])))])
def _(z, x1, x2):
    dx1 = np.ldexp(dz, x2)


# ============================================================================ clip
# np.clip(a, a_min, a_max) = minimum(maximum(a, a_min), a_max): the adjoint goes to `a`
# inside [a_min, a_max] and to the bound that clips outside; at a tie it is split 1/2
# each (the maximum/minimum convention). A bound may be None, or given as min= / max=.


def _clip_kind(kinds, named):
    bounds = [k for name, (op, k) in named.items()
              if not (isinstance(op, Const) and op.value is None)]
    return elementwise(bounds, named)


_CLIP_EXAMPLES = [
    Example((Rand((2, 3)), -0.5, 0.5)),
    Example((Rand((3,)),), {"min": -0.2}),
    Example((Rand((2, 3)),), {"min": Rand((2, 1), -1.0, 0.0)}),
    Example((Rand(()), -0.5, 0.5)),
    Example((Rand(()), Rand(()), Rand((), 2.0, 3.0))),
    Example((Rand((2, 3)), Rand((3,), -1.0, 0.0), Rand((2, 1), 0.0, 1.0))),
    Example((Rand((3,)), Rand((2, 3), -1.0, 0.0), Rand(()))),
    Example((Rand((2, 3)),), {"a_min": Rand(()), "a_max": Rand((3,), 0.5, 1.0)}),
    Example((Rand((2, 3)),), {"min": Rand((3,), -1.0, 0.0), "max": Rand(())}),
    Example((Rand((2, 3)),), {"max": 0.2}),
    # (a_min=None / a_max=None given by position are covered in tests/rules/test_elementwise.py:
    # the sweep would try to differentiate the None)
    # a_min > a_max: NumPy returns a_max everywhere
    Example((Rand((2, 3)), Rand((), 0.5, 1.0), Rand((), -1.0, 0.0))),
]


@derivative(np.clip, broadcasting=True, kind=_clip_kind, examples=_CLIP_EXAMPLES,
            selecting=True)
def _(y, a, a_min=None, a_max=None, *, min=None, max=None):
    w_a, w_min, w_max = clip_weights(a, a_min, a_max, min, max)
    return w_a, w_min, w_max, w_min, w_max


# np.nan_to_num: the identity on finite values; NaN / +inf / -inf become the constants
# nan= / posinf= / neginf=, which receive the adjoint there.
@derivative(np.nan_to_num, wrt=("x", "nan", "posinf", "neginf"), broadcasting=True,
            kind="first", examples=[Example((Rand((2, 3)),)), Example((Rand(()),)),
                                    Example((Rand((3,)),), {"nan": Rand(())}),
                                    Example((Rand((3,)),), {"posinf": 5.0, "neginf": -5.0})])
def _(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return np.isfinite(x), np.isnan(x), np.isposinf(x), np.isneginf(x)


# ============================================================================ nondifferentiable
# Piecewise constant in their float inputs, or not float-valued at all.

# The weights and integer multiples the rules above compute (fmax, fmin, clip, fmod,
# remainder): piecewise constant in every input, so their derivative is 0 wherever it
# exists (everywhere but at ties and at the jumps of the integer quotient). Declared so
# that gradients that call them can be differentiated again.
_WEIGHT_A = np.array([0.3, -1.2, 0.7, np.nan, 1.4, np.nan])
_WEIGHT_B = np.array([0.1, -0.5, np.nan, 1.0, 1.5, np.nan])
nondifferentiable(above_weight, below_weight, fmax_weight, fmin_weight, kind="elementwise",
                  examples=[
    Example((_WEIGHT_A, _WEIGHT_B)), Example((_WEIGHT_B, _WEIGHT_A)),
    Example((_WEIGHT_A[:3, None], _WEIGHT_B[None, :3])), Example((0.25, -0.75))])
nondifferentiable(clip_weights, kind="other", examples=[
    Example((np.array([-1.3, -0.2, 0.4, 1.1]), -0.5, 0.5)),
    Example((np.array([-1.3, 0.4]), None, 0.5)), Example((np.array([-1.3, 0.4]),), {"min_kw": 0.1}),
    Example((np.array([[-1.3, 0.4, 2.0]]), np.array([[-0.5], [0.6]]), np.array([0.3, 0.8, 1.2]))),
    Example((0.7, -0.2, 0.2)), Example((0.7,), {"max_kw": 1.0})])
# (examples: x - r is an integer multiple of y, as where the rules call them)
_MULTIPLE_X = np.array([2.3, -1.7, 0.4, -3.1])
_MULTIPLE_Y = np.array([0.9, 0.6, 1.3, -1.1])
nondifferentiable(multiple_of, kind="elementwise", examples=[
    Example((_MULTIPLE_X, np.fmod(_MULTIPLE_X, _MULTIPLE_Y), _MULTIPLE_Y)),
    Example((_MULTIPLE_X, np.remainder(_MULTIPLE_X, _MULTIPLE_Y), _MULTIPLE_Y)),
    Example((2.3, float(np.fmod(2.3, 0.9)), 0.9))])

_INTS = np.array([[3, 5, 12], [7, 0, 9]])
_SMALL_INTS = np.array([1, 2, 3])

nondifferentiable(np.floor_divide, kind="elementwise",
                  examples=[Example((Rand((2, 3), 2.1, 2.4), 1.0)),
                            Example((Rand((3,), 2.1, 2.4), np.array([1.0, 2.0, 3.0]))),
                            Example((Rand((), 4.1, 4.4), 2.0))])
nondifferentiable(np.signbit, np.logical_xor, kind="elementwise")
# Conversions to an integer or bool dtype (`np.int64(w)`, an index): piecewise constant.
nondifferentiable(np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                  np.uint64, np.bool_, kind="first",
                  examples=[Example((Rand((2, 3), 1.1, 1.4),)), Example((Rand((), 2.1, 2.4),))])
nondifferentiable(np.fix, np.around, kind="first",
                  examples=[Example((Rand((2, 3), 1.1, 1.4),)), Example((Rand((), -2.4, -2.1),))])
nondifferentiable(np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.left_shift,
                  np.right_shift, np.gcd, np.lcm, kind="elementwise",
                  examples=[Example((_INTS, _SMALL_INTS)), Example((7, 2))])
if hasattr(np, "bitwise_count"):  # NumPy 2.0+
    nondifferentiable(np.bitwise_count, kind="elementwise",
                      examples=[Example((_INTS,)), Example((7,))])
nondifferentiable(np.isnat, kind="elementwise",
                  examples=[Example((np.array(["2020-01-01", "NaT"], dtype="datetime64[D]"),))])
nondifferentiable(np.invert, kind="elementwise",
                  examples=[Example((_INTS,)), Example((np.array([True, False]),))])
nondifferentiable(np.isclose, kind="elementwise",
                  examples=[Example((Rand((2, 3)), Rand((2, 3)))),
                            Example((Rand((3,)), 0.5), {"atol": 0.1})])
nondifferentiable(np.isneginf, np.isposinf, np.iscomplex, np.isreal, kind="first",
                  examples=[Example((np.array([0.5, np.inf, -np.inf]),)),
                            Example((Rand((2, 3)),))])
nondifferentiable(np.allclose, np.array_equal, kind="other",
                  examples=[Example((Rand((2, 3)), Rand((2, 3))))])


# The float dtype a helper computes in: no value to differentiate.
nondifferentiable(elementwise_rt._float_dtype, examples=[Example((Rand((3,)), 2.0))])


# `share(g, w)` is linear in g; the weight carries no derivative: it comes from the
# comparisons of a selecting function, piecewise constant (ties are covered by the tests
# of maximum and clip; here the masks).
@adjoint(share, linear=True, broadcasting=True, kind="elementwise", nondiff_params=("w",),
         examples=[Example((Rand((2, 3)), np.array([True, False, True]))),
                   Example((Rand((3,)), np.array([[True], [False]]))),
                   Example((Rand(()), True)), Example((Rand(()), False))])
def _(y, g, w):
    dg = share(dy, w)


complex_values(share, how="linear")
