"""Rules for NumPy's elementwise functions (ufuncs, np.clip, np.sinc, np.nan_to_num).

Conventions where a function has a kink or a jump (one fixed choice each):

* abs / fabs / copysign in its first argument: derivative 0 at 0.
* maximum / minimum / fmax / fmin / clip: a tie splits the adjoint 1/2 to each side;
  fmax / fmin give all of it to the non-NaN input.
* hypot at the origin: 0 (a subgradient). sinc at 0: 0 (its true derivative).
* fmod / remainder / divmod: d/dx2 = -n, n the (piecewise constant) integer quotient.
* Piecewise-constant arguments (the sign in copysign, the step in heaviside) get a zero
  adjoint; integer-valued ones (ldexp's exponent) get none.

Aliases are the same objects and share the rule: np.abs is np.absolute, np.true_divide
is np.divide, np.mod is np.remainder, np.conj is np.conjugate, NumPy 2's np.acos, np.pow,
np.atan2, ... . np.fabs, np.radians and np.degrees are distinct objects with their own
(identical) rules. np.nextafter and np.spacing are deliberately left unregistered.
"""

import numpy as np

from srcad.ir.kinds import TupleKind, elementwise, first
from srcad.ir.nodes import Const
from srcad.rules.registry import Example, Method, Rand, adjoint, nondifferentiable, tangent
from srcad.runtime.elementwise import (
    broadcast_item_adjoint,
    clip_weights,
    fmax_weight,
    fmin_weight,
    multiple_of,
    safe_divide,
    sinc_derivative,
)

# Each unary rule: y = f(x).


@adjoint(np.sin, kind="first")
def _(y, x):
    dx = dy * np.cos(x)


@tangent(np.sin)
def _(y, x):
    dy = dx * np.cos(x)


@adjoint(np.cos, kind="first")
def _(y, x):
    dx = -dy * np.sin(x)


@tangent(np.cos)
def _(y, x):
    dy = -dx * np.sin(x)


@adjoint(np.tan, kind="first")
def _(y, x):
    dx = dy * (1.0 + y * y)


@tangent(np.tan)
def _(y, x):
    dy = dx * (1.0 + y * y)


@adjoint(np.arcsin, kind="first", domain={"x": (-0.9, 0.9)})
def _(y, x):
    dx = dy / np.sqrt(1.0 - x * x)


@tangent(np.arcsin)
def _(y, x):
    dy = dx / np.sqrt(1.0 - x * x)


@adjoint(np.arccos, kind="first", domain={"x": (-0.9, 0.9)})
def _(y, x):
    dx = -dy / np.sqrt(1.0 - x * x)


@tangent(np.arccos)
def _(y, x):
    dy = -dx / np.sqrt(1.0 - x * x)


@adjoint(np.arctan, kind="first")
def _(y, x):
    dx = dy / (1.0 + x * x)


@tangent(np.arctan)
def _(y, x):
    dy = dx / (1.0 + x * x)


@adjoint(np.sinh, kind="first")
def _(y, x):
    dx = dy * np.cosh(x)


@tangent(np.sinh)
def _(y, x):
    dy = dx * np.cosh(x)


@adjoint(np.cosh, kind="first")
def _(y, x):
    dx = dy * np.sinh(x)


@tangent(np.cosh)
def _(y, x):
    dy = dx * np.sinh(x)


@adjoint(np.tanh, kind="first")
def _(y, x):
    dx = dy * (1.0 - y * y)


@tangent(np.tanh)
def _(y, x):
    dy = dx * (1.0 - y * y)


@adjoint(np.exp, kind="first")
def _(y, x):
    dx = dy * y


@tangent(np.exp)
def _(y, x):
    dy = dx * y


@adjoint(np.expm1, kind="first")
def _(y, x):
    dx = dy * (y + 1.0)


@tangent(np.expm1)
def _(y, x):
    dy = dx * (y + 1.0)


@adjoint(np.log, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    dx = dy / x


@tangent(np.log)
def _(y, x):
    dy = dx / x


@adjoint(np.log1p, kind="first", domain={"x": (-0.5, 2.0)})
def _(y, x):
    dx = dy / (1.0 + x)


@tangent(np.log1p)
def _(y, x):
    dy = dx / (1.0 + x)


@adjoint(np.sqrt, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    dx = dy / (2.0 * y)


@tangent(np.sqrt)
def _(y, x):
    dy = dx / (2.0 * y)


@adjoint(np.square, kind="first")
def _(y, x):
    dx = dy * 2.0 * x


@tangent(np.square)
def _(y, x):
    dy = dx * 2.0 * x


@adjoint(np.negative, kind="first")
def _(y, x):
    dx = -dy


@tangent(np.negative)
def _(y, x):
    dy = -dx


@adjoint(np.abs, kind="first", domain={"x": (0.2, 2.0)})
def _(y, x):
    dx = dy * np.sign(x)


@tangent(np.abs)
def _(y, x):
    dy = dx * np.sign(x)


# Binary rules: z = f(x, y), broadcasting.


@adjoint(np.add, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz
    dy = dz


@tangent(np.add)
def _(z, x, y):
    dz = dx + dy


@adjoint(np.subtract, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz
    dy = -dz


@tangent(np.subtract)
def _(z, x, y):
    dz = dx - dy


@adjoint(np.multiply, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz * y
    dy = dz * x


@tangent(np.multiply)
def _(z, x, y):
    dz = dx * y + x * dy


@adjoint(np.divide, broadcasting=True, kind="elementwise", domain={"y": (0.5, 2.0)})
def _(z, x, y):
    dx = dz / y
    dy = -dz * z / y


@tangent(np.divide)
def _(z, x, y):
    dz = (dx - z * dy) / y


@adjoint(np.power, broadcasting=True, kind="elementwise",
         domain={"x": (0.5, 2.0), "y": (-2.0, 2.0)})
def _(z, x, y):
    dx = dz * y * np.power(x, y - 1)
    dy = dz * z * np.log(x)


@tangent(np.power)
def _(z, x, y):
    dz = dx * y * np.power(x, y - 1) + dy * z * np.log(x)


# Ties between the two inputs split the adjoint evenly (the documented convention).
@adjoint(np.maximum, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz * ((x > y) + 0.5 * (x == y))
    dy = dz * ((y > x) + 0.5 * (x == y))


@tangent(np.maximum)
def _(z, x, y):
    dz = dx * ((x > y) + 0.5 * (x == y)) + dy * ((y > x) + 0.5 * (x == y))


@adjoint(np.minimum, broadcasting=True, kind="elementwise")
def _(z, x, y):
    dx = dz * ((x < y) + 0.5 * (x == y))
    dy = dz * ((y < x) + 0.5 * (x == y))


@tangent(np.minimum)
def _(z, x, y):
    dz = dx * ((x < y) + 0.5 * (x == y)) + dy * ((y < x) + 0.5 * (x == y))


@adjoint(np.where, broadcasting=True, kind="elementwise")
def _(z, condition, x, y):
    dx = np.where(condition, dz, 0.0)
    dy = np.where(condition, 0.0, dz)


@tangent(np.where)
def _(z, condition, x, y):
    dz = np.where(condition, dx, dy)


nondifferentiable(np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.isnan,
                  np.isfinite, np.isinf, np.greater, np.greater_equal, np.less,
                  np.less_equal, np.equal, np.not_equal, np.logical_and, np.logical_or,
                  np.logical_not, kind="elementwise")


# ============================================================================ more unary ufuncs


@adjoint(np.arcsinh, kind="first")
def _(y, x):
    dx = dy / np.sqrt(x * x + 1.0)


@tangent(np.arcsinh)
def _(y, x):
    dy = dx / np.sqrt(x * x + 1.0)


@adjoint(np.arccosh, kind="first", domain={"x": (1.2, 3.0)})
def _(y, x):
    dx = dy / np.sqrt((x - 1.0) * (x + 1.0))


@tangent(np.arccosh)
def _(y, x):
    dy = dx / np.sqrt((x - 1.0) * (x + 1.0))


@adjoint(np.arctanh, kind="first", domain={"x": (-0.9, 0.9)})
def _(y, x):
    dx = dy / (1.0 - x * x)


@tangent(np.arctanh)
def _(y, x):
    dy = dx / (1.0 - x * x)


@adjoint(np.log2, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    dx = dy / (x * np.log(2.0))


@tangent(np.log2)
def _(y, x):
    dy = dx / (x * np.log(2.0))


@adjoint(np.log10, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    dx = dy / (x * np.log(10.0))


@tangent(np.log10)
def _(y, x):
    dy = dx / (x * np.log(10.0))


@adjoint(np.exp2, kind="first")
def _(y, x):
    dx = dy * y * np.log(2.0)


@tangent(np.exp2)
def _(y, x):
    dy = dx * y * np.log(2.0)


@adjoint(np.reciprocal, kind="first", domain={"x": (0.5, 2.0)})
def _(y, x):
    dx = -dy * y * y


@tangent(np.reciprocal)
def _(y, x):
    dy = -dx * y * y


@adjoint(np.cbrt, kind="first", domain={"x": (0.2, 2.0)})
def _(y, x):
    dx = dy / (3.0 * y * y)


@tangent(np.cbrt)
def _(y, x):
    dy = dx / (3.0 * y * y)


# sinc(x) = sin(pi x) / (pi x); its derivative is 0 at x = 0 (computed without 0 / 0).
@adjoint(np.sinc, kind="first")
def _(y, x):
    dx = dy * sinc_derivative(x)


@tangent(np.sinc)
def _(y, x):
    dy = dx * sinc_derivative(x)


@adjoint(np.positive, kind="first")
def _(y, x):
    dx = dy


@tangent(np.positive)
def _(y, x):
    dy = dx


# np.conj is np.conjugate; for real inputs it is the identity.
@adjoint(np.conjugate, kind="first")
def _(y, x):
    dx = np.conjugate(dy)


@tangent(np.conjugate)
def _(y, x):
    dy = np.conjugate(dx)


# np.fabs is a separate ufunc from np.abs (which is np.absolute); same convention: 0 at 0.
@adjoint(np.fabs, kind="first", domain={"x": (0.2, 2.0)})
def _(y, x):
    dx = dy * np.sign(x)


@tangent(np.fabs)
def _(y, x):
    dy = dx * np.sign(x)


# np.radians / np.degrees are distinct ufunc objects from np.deg2rad / np.rad2deg.
@adjoint(np.deg2rad, kind="first")
@adjoint(np.radians, kind="first")
def _(y, x):
    dx = dy * (np.pi / 180.0)


@tangent(np.deg2rad)
@tangent(np.radians)
def _(y, x):
    dy = dx * (np.pi / 180.0)


@adjoint(np.rad2deg, kind="first")
@adjoint(np.degrees, kind="first")
def _(y, x):
    dx = dy * (180.0 / np.pi)


@tangent(np.rad2deg)
@tangent(np.degrees)
def _(y, x):
    dy = dx * (180.0 / np.pi)


def _pair_of_first(kinds, named):
    """The kind of (f(x), g(x)) for elementwise f, g: a pair shaped like x."""
    k = first(kinds, named)
    return TupleKind((k, k))


def _pair_elementwise(kinds, named):
    k = elementwise(kinds, named)
    return TupleKind((k, k))


# np.modf(x) = (fractional part, integral part); only the first depends smoothly on x.
@adjoint(np.modf, kind=_pair_of_first)
def _(y, x):
    dx = broadcast_item_adjoint(dy[0], x)


@tangent(np.modf)
def _(y, x):
    dy = (dx + np.zeros_like(y[0]), np.zeros_like(y[1]))


# np.frexp(x) = (mantissa, exponent) with x = mantissa * 2**exponent, exponent an integer.
@adjoint(np.frexp, kind=_pair_of_first)
def _(y, x):
    dx = np.ldexp(dy[0], -y[1])


@tangent(np.frexp)
def _(y, x):
    dy = (np.ldexp(dx, -y[1]), np.zeros_like(y[0]))


# ============================================================================ more binary ufuncs
# z = f(x1, x2), broadcasting (x1, x2 as in NumPy's documentation).


@adjoint(np.arctan2, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    dx1 = dz * x2 / (x1 * x1 + x2 * x2)
    dx2 = -dz * x1 / (x1 * x1 + x2 * x2)


@tangent(np.arctan2)
def _(z, x1, x2):
    dz = (dx1 * x2 - dx2 * x1) / (x1 * x1 + x2 * x2)


# At the origin hypot has no derivative; the subgradient 0 is used (like abs at 0).
@adjoint(np.hypot, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    dx1 = dz * safe_divide(x1, z)
    dx2 = dz * safe_divide(x2, z)


@tangent(np.hypot)
def _(z, x1, x2):
    dz = dx1 * safe_divide(x1, z) + dx2 * safe_divide(x2, z)


# d/dx1 log(e^x1 + e^x2) = e^(x1 - z), which never overflows (x1 - z <= 0).
@adjoint(np.logaddexp, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    dx1 = dz * np.exp(x1 - z)
    dx2 = dz * np.exp(x2 - z)


@tangent(np.logaddexp)
def _(z, x1, x2):
    dz = dx1 * np.exp(x1 - z) + dx2 * np.exp(x2 - z)


@adjoint(np.logaddexp2, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    dx1 = dz * np.exp2(x1 - z)
    dx2 = dz * np.exp2(x2 - z)


@tangent(np.logaddexp2)
def _(z, x1, x2):
    dz = dx1 * np.exp2(x1 - z) + dx2 * np.exp2(x2 - z)


# fmax / fmin: like maximum / minimum (ties split 1/2 each), but a NaN input loses.
@adjoint(np.fmax, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    dx1 = dz * fmax_weight(x1, x2)
    dx2 = dz * fmax_weight(x2, x1)


@tangent(np.fmax)
def _(z, x1, x2):
    dz = dx1 * fmax_weight(x1, x2) + dx2 * fmax_weight(x2, x1)


@adjoint(np.fmin, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    dx1 = dz * fmin_weight(x1, x2)
    dx2 = dz * fmin_weight(x2, x1)


@tangent(np.fmin)
def _(z, x1, x2):
    dz = dx1 * fmin_weight(x1, x2) + dx2 * fmin_weight(x2, x1)


@adjoint(np.float_power, broadcasting=True, kind="elementwise",
         domain={"x1": (0.5, 2.0), "x2": (-2.0, 2.0)})
def _(z, x1, x2):
    dx1 = dz * x2 * np.float_power(x1, x2 - 1.0)
    dx2 = dz * z * np.log(x1)


@tangent(np.float_power)
def _(z, x1, x2):
    dz = dx1 * x2 * np.float_power(x1, x2 - 1.0) + dx2 * z * np.log(x1)


# fmod(x1, x2) = x1 - n * x2 with n = trunc(x1 / x2); remainder (= np.mod) uses
# n = floor(x1 / x2). n is piecewise constant, so dz/dx1 = 1 and dz/dx2 = -n.
@adjoint(np.fmod, broadcasting=True, kind="elementwise",
         domain={"x1": (-3.0, 3.0), "x2": (0.6, 1.4)})
def _(z, x1, x2):
    dx1 = dz
    dx2 = -dz * multiple_of(x1, z, x2)


@tangent(np.fmod)
def _(z, x1, x2):
    dz = dx1 - dx2 * multiple_of(x1, z, x2)


@adjoint(np.remainder, broadcasting=True, kind="elementwise",
         domain={"x1": (-3.0, 3.0), "x2": (0.6, 1.4)})
def _(z, x1, x2):
    dx1 = dz
    dx2 = -dz * multiple_of(x1, z, x2)


@tangent(np.remainder)
def _(z, x1, x2):
    dz = dx1 - dx2 * multiple_of(x1, z, x2)


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
@adjoint(np.copysign, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    dx1 = dz * np.sign(x1) * np.copysign(1.0, x2)
    dx2 = 0.0 * dz


@tangent(np.copysign)
def _(z, x1, x2):
    dz = dx1 * np.sign(x1) * np.copysign(1.0, x2) + 0.0 * dx2


# heaviside(x1, x2) is 0 / 1 away from x1 == 0 (derivative 0 in x1) and x2 where x1 == 0.
@adjoint(np.heaviside, broadcasting=True, kind="elementwise")
def _(z, x1, x2):
    dx1 = 0.0 * dz
    dx2 = dz * (x1 == 0)


@tangent(np.heaviside)
def _(z, x1, x2):
    dz = 0.0 * dx1 + dx2 * (x1 == 0)


# ldexp(x1, x2) = x1 * 2**x2 with an integer exponent x2.
@adjoint(np.ldexp, broadcasting=True, kind="elementwise",
         examples=[Example((Rand(()), 3)), Example((Rand((2, 3)), np.array([1, -2, 0]))),
                   Example((Rand((3,)), np.array([[2], [-1]]))),
                   Example((Rand(()), np.array([1, 2, 3])))])
def _(z, x1, x2):
    dx1 = np.ldexp(dz, x2)


@tangent(np.ldexp)
def _(z, x1, x2):
    dz = np.ldexp(dx1, x2) + np.zeros_like(z)


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


@adjoint(np.clip, broadcasting=True, kind=_clip_kind, examples=_CLIP_EXAMPLES)
def _(y, a, a_min=None, a_max=None, *, min=None, max=None):
    w_a, w_min, w_max = clip_weights(a, a_min, a_max, min, max)
    da = dy * w_a
    da_min = dy * w_min
    da_max = dy * w_max
    dmin = dy * w_min
    dmax = dy * w_max


@tangent(np.clip)
def _(y, a, a_min=None, a_max=None, *, min=None, max=None):
    w_a, w_min, w_max = clip_weights(a, a_min, a_max, min, max)
    dy = da * w_a + (da_min + dmin) * w_min + (da_max + dmax) * w_max


@adjoint(Method("clip"), broadcasting=True, kind=_clip_kind,
         examples=[Example((Rand((2, 3)), -0.5, 0.5)), Example((Rand((3,)),), {"max": 0.2}),
                   Example((Rand((2, 3)), Rand((3,), -1.0, 0.0))),
                   Example((Rand((2, 3)),), {"max": Rand((2, 1))}),
                   Example((Rand((2, 3)), Rand(()), Rand((), 0.5, 1.0)))])
def _(y, a, min=None, max=None):
    w_a, w_min, w_max = clip_weights(a, min, max)
    da = dy * w_a
    dmin = dy * w_min
    dmax = dy * w_max


@tangent(Method("clip"))
def _(y, a, min=None, max=None):
    w_a, w_min, w_max = clip_weights(a, min, max)
    dy = da * w_a + dmin * w_min + dmax * w_max


# np.nan_to_num: the identity on finite values; NaN / +inf / -inf become the constants
# nan= / posinf= / neginf=, which receive the adjoint there.
@adjoint(np.nan_to_num, broadcasting=True, kind="first",
         examples=[Example((Rand((2, 3)),)), Example((Rand(()),)),
                   Example((Rand((3,)),), {"nan": Rand(())}),
                   Example((Rand((3,)),), {"posinf": 5.0, "neginf": -5.0})])
def _(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    dx = dy * np.isfinite(x)
    dnan = dy * np.isnan(x)
    dposinf = dy * np.isposinf(x)
    dneginf = dy * np.isneginf(x)


@tangent(np.nan_to_num)
def _(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    dy = dx * np.isfinite(x) + dnan * np.isnan(x) + dposinf * np.isposinf(x) + \
        dneginf * np.isneginf(x)


# ============================================================================ nondifferentiable
# Piecewise constant in their float inputs, or not float-valued at all.

_INTS = np.array([[3, 5, 12], [7, 0, 9]])
_SMALL_INTS = np.array([1, 2, 3])

nondifferentiable(np.floor_divide, kind="elementwise",
                  examples=[Example((Rand((2, 3), 2.1, 2.4), 1.0)),
                            Example((Rand((3,), 2.1, 2.4), np.array([1.0, 2.0, 3.0]))),
                            Example((Rand((), 4.1, 4.4), 2.0))])
nondifferentiable(np.signbit, np.logical_xor, kind="elementwise")
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
