"""Rules for NumPy's elementwise functions: the unary ufuncs, the arithmetic binary ones
(add, subtract, divide, power, maximum, minimum), np.where, np.select, np.modf and
np.frexp. The other binary ufuncs (arctan2, hypot, logaddexp, fmax, fmin, fmod,
remainder, divmod, copysign, ...), np.clip, np.nan_to_num and the nondifferentiable
elementwise functions are in numpy_binary.py.

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
np.atan2, ... . np.fabs, np.radians and np.degrees are distinct objects that share the
rules of np.abs, np.deg2rad and np.rad2deg. np.nextafter and np.spacing are deliberately
left unregistered.

Most rules are statements of partial derivatives (`derivative`), from which the adjoint
and tangent templates are built; linear functions derive their tangent from their
adjoint (`linear=True`).
"""

import numpy as np

from srcad.ir.kinds import NUMERIC, SCALAR, TupleKind, elementwise, first
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    derivative,
    nondifferentiable,
    share_rules,
    tangent,
)
from srcad.runtime.elementwise import (
    above_weight,
    below_weight,
    broadcast_item_adjoint,
    power_log,
    power_slope,
    select_adjoint,
    select_tangent,
    share,  # noqa: F401  (the derived templates of selecting rules call it)
    sinc_derivative,
    sinc_second_derivative,
)

# Each unary rule: y = f(x); each statement returns dy/dx.


@derivative(np.sin, kind="first")
def _(y, x):
    return np.cos(x)


@derivative(np.cos, kind="first")
def _(y, x):
    return -np.sin(x)


@derivative(np.tan, kind="first")
def _(y, x):
    return 1.0 + y * y


@derivative(np.arcsin, kind="first", domain={"x": (-0.9, 0.9)})
def _(y, x):
    return 1.0 / np.sqrt(1.0 - x * x)


@derivative(np.arccos, kind="first", domain={"x": (-0.9, 0.9)})
def _(y, x):
    return -1.0 / np.sqrt(1.0 - x * x)


@derivative(np.arctan, kind="first")
def _(y, x):
    return 1.0 / (1.0 + x * x)


@derivative(np.sinh, kind="first")
def _(y, x):
    return np.cosh(x)


@derivative(np.cosh, kind="first")
def _(y, x):
    return np.sinh(x)


@derivative(np.tanh, kind="first")
def _(y, x):
    return 1.0 - y * y


@derivative(np.exp, kind="first")
def _(y, x):
    return y


@derivative(np.expm1, kind="first")
def _(y, x):
    return y + 1.0


@derivative(np.log, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    return 1.0 / x


@derivative(np.log1p, kind="first", domain={"x": (-0.5, 2.0)})
def _(y, x):
    return 1.0 / (1.0 + x)


@derivative(np.sqrt, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    return 1.0 / (2.0 * y)


@derivative(np.square, kind="first")
def _(y, x):
    return 2.0 * x


@derivative(np.negative, kind="first")
def _(y, x):
    return -1.0


@derivative(np.positive, kind="first")
def _(y, x):
    return 1.0


# np.fabs is a separate ufunc from np.abs (which is np.absolute); same convention: 0 at 0.
@derivative(np.abs, kind="first", domain={"x": (0.2, 2.0)})
def _(y, x):
    return np.sign(x)


share_rules(np.abs, np.fabs)


@derivative(np.arcsinh, kind="first")
def _(y, x):
    return 1.0 / np.sqrt(x * x + 1.0)


# sqrt(x - 1) * sqrt(x + 1), not sqrt(x * x - 1): the same for real x > 1, and the
# derivative of the principal arccosh for complex x too (complex_rules.py).
@derivative(np.arccosh, kind="first", domain={"x": (1.2, 3.0)})
def _(y, x):
    return 1.0 / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))


@derivative(np.arctanh, kind="first", domain={"x": (-0.9, 0.9)})
def _(y, x):
    return 1.0 / (1.0 - x * x)


@derivative(np.log2, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    return 1.0 / (x * np.log(2.0))


@derivative(np.log10, kind="first", domain={"x": (0.5, 3.0)})
def _(y, x):
    return 1.0 / (x * np.log(10.0))


@derivative(np.exp2, kind="first")
def _(y, x):
    return y * np.log(2.0)


@derivative(np.reciprocal, kind="first", domain={"x": (0.5, 2.0)})
def _(y, x):
    return -y * y


@derivative(np.cbrt, kind="first", domain={"x": (0.2, 2.0)})
def _(y, x):
    return 1.0 / (3.0 * y * y)


# sinc(x) = sin(pi x) / (pi x); its derivative is 0 at x = 0 (computed without 0 / 0).
@derivative(np.sinc, kind="first")
def _(y, x):
    return sinc_derivative(x)


# (for second derivatives of sinc; -pi**2 / 3 at x = 0, also computed without 0 / 0)
@derivative(sinc_derivative, kind="first", examples=[
    Example((Rand((5,), -3.0, 3.0),)), Example((Rand(()),)), Example((Rand((2, 3), -0.6, 0.6),)),
    Example((Rand((3,), -1e-3, 1e-3),))])
def _(y, x):
    return sinc_second_derivative(x)


# np.radians / np.degrees are distinct ufunc objects from np.deg2rad / np.rad2deg.
@derivative(np.deg2rad, kind="first")
def _(y, x):
    return np.pi / 180.0


@derivative(np.rad2deg, kind="first")
def _(y, x):
    return 180.0 / np.pi


share_rules(np.deg2rad, np.radians)
share_rules(np.rad2deg, np.degrees)


# np.conj is np.conjugate; for real inputs it is the identity.
@adjoint(np.conjugate, linear=True, kind="first")
def _(y, x):
    dx = np.conjugate(dy)


# Binary rules: z = f(x, y), broadcasting; each statement returns (dz/dx, dz/dy).
# np.multiply shares the rules of `*` (operators.py).


@derivative(np.add, broadcasting=True, kind="elementwise")
def _(z, x, y):
    return 1.0, 1.0


@derivative(np.subtract, broadcasting=True, kind="elementwise")
def _(z, x, y):
    return 1.0, -1.0


@derivative(np.divide, broadcasting=True, kind="elementwise", domain={"y": (0.5, 2.0)})
def _(z, x, y):
    return 1.0 / y, -z / y


# d/dx x**y = y * x**(y - 1) and d/dy x**y = x**y * log(x), computed by helpers that
# give the limits 0 where the formulas make 0 * inf or 0 * log(0): at y == 0 (x**0 is
# constant) and at x == 0 < y (0**y is constant). Their own rules are below.
@derivative(np.power, broadcasting=True, kind="elementwise",
            domain={"x": (0.5, 2.0), "y": (-2.0, 2.0)})
def _(z, x, y):
    return power_slope(x, y), power_log(x, y)


# Ties between the two inputs split the adjoint evenly (the documented convention).
@derivative(np.maximum, broadcasting=True, kind="elementwise", selecting=True)
def _(z, x, y):
    return above_weight(x, y), above_weight(y, x)


@derivative(np.minimum, broadcasting=True, kind="elementwise", selecting=True)
def _(z, x, y):
    return below_weight(x, y), below_weight(y, x)


# The condition has no derivative, also when it is computed from values that have one (a
# mask returned by the user's helper).
@adjoint(np.where, linear=True, broadcasting=True, kind="elementwise",
         nondiff_params=("condition",))
def _(z, condition, x, y):
    dx = np.where(condition, dz, 0.0)
    dy = np.where(condition, 0.0, dz)


# np.select: each choice gets the adjoint where its condition is the first that holds,
# `default` where none holds. Linear in the choices and the default.
def _select_kind(kinds, named):
    """The broadcast of the conditions, the choices and `default`; NUMERIC unless the
    conditions and choices are tuple or list displays (their items known)."""
    items = [named["default"][1] if "default" in named else SCALAR]
    for name in ("condlist", "choicelist"):
        kind = named[name][1] if name in named else None
        if not isinstance(kind, TupleKind):
            return NUMERIC
        items += kind.items
    return elementwise(items, named)


def _like_inputs(*names):
    def kind(kinds, named):
        return TupleKind(tuple(named[n][1] if n in named else NUMERIC for n in names))
    return kind


_SELECT_CONDS = [np.array([True, False, False]), np.array([True, True, False])]


@adjoint(np.select, linear=True, kind=_select_kind, nondiff_params=("condlist",), examples=[
    Example((_SELECT_CONDS, [Rand((3,)), Rand((3,))])),
    Example((_SELECT_CONDS, [Rand((3,)), Rand(())], Rand((3,)))),
    Example(([np.array([[True], [False]]), np.array([False, True, True])],
             [Rand((2, 3)), Rand((1, 3))]), {"default": Rand((2, 1))}),
    Example((_SELECT_CONDS, Rand((2, 3)), 0.5))])
def _(y, condlist, choicelist, default=0):
    dchoicelist, ddefault = select_adjoint(dy, condlist, choicelist, default)


@adjoint(select_adjoint, kind=_like_inputs("choicelist", "default"),
         nondiff_params=("condlist", "choicelist", "default"), examples=[
    Example((Rand((3,)), _SELECT_CONDS, [np.ones(3), 1.0])),
    Example((Rand((2, 3)), [np.array([True, False, True])], [np.ones((2, 1))], np.ones(3)))])
def _(d, g, condlist, choicelist, default=0):
    dg = select_tangent(dd[0], dd[1], condlist, choicelist, default, g)


@tangent(select_adjoint)
def _(d, g, condlist, choicelist, default=0):
    dd = select_adjoint(dg, condlist, choicelist, default)


@adjoint(select_tangent, kind=lambda kinds, named: named["y"][1] if "y" in named else NUMERIC,
         nondiff_params=("condlist", "choicelist", "default", "y"), examples=[
    Example(([Rand((3,)), Rand(())], Rand(()), _SELECT_CONDS, [np.ones(3), 1.0], 0.0,
             np.ones(3)))])
def _(t, d_choices, d_default, condlist, choicelist, default, y):
    dd_choices, dd_default = select_adjoint(dt, condlist, choicelist, default)


@tangent(select_tangent)
def _(t, d_choices, d_default, condlist, choicelist, default, y):
    dt = select_tangent(dd_choices, dd_default, condlist, choicelist, default, y)


nondifferentiable(np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.isnan,
                  np.isfinite, np.isinf, np.greater, np.greater_equal, np.less,
                  np.less_equal, np.equal, np.not_equal, np.logical_and, np.logical_or,
                  np.logical_not, kind="elementwise")


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
