"""Rules for Python builtins used in numeric code."""

import builtins
import operator

import numpy as np

from srcad.rules import numpy_elementwise, operators  # noqa: F401  (the rules shared below)
from srcad.rules.registry import Example, Rand, derivative, nondifferentiable, share_rules
from srcad.runtime.elementwise import share  # noqa: F401  (the selecting rules' templates)

share_rules(np.abs, builtins.abs)
share_rules(operator.pow, builtins.pow)


@derivative(builtins.float, kind="scalar")
def _(y, x):
    return 1.0


# max(a, b) / min(a, b) of exactly two numbers (a single iterable, three or more
# arguments, or key= / default= are refused). Ties split the adjoint 1/2 each, as for
# np.maximum / np.minimum.
_TWO_SCALARS = [Example((Rand(()), Rand(()))), Example((Rand(()), 0.25)),
                Example((Rand((), 1.0, 2.0), Rand((), -2.0, -1.0))),
                Example((Rand((), -2.0, -1.0), Rand((), 1.0, 2.0)))]


@derivative(builtins.max, broadcasting=True, kind="elementwise", examples=_TWO_SCALARS,
            selecting=True)
def _(z, a, b):
    return (a > b) + 0.5 * (a == b), (b > a) + 0.5 * (a == b)


@derivative(builtins.min, broadcasting=True, kind="elementwise", examples=_TWO_SCALARS,
            selecting=True)
def _(z, a, b):
    return (a < b) + 0.5 * (a == b), (b < a) + 0.5 * (a == b)


nondifferentiable(builtins.len, builtins.range, builtins.int, builtins.bool,
                  builtins.round, builtins.isinstance, builtins.print, builtins.type,
                  builtins.str, builtins.repr, builtins.id, builtins.hash)
nondifferentiable(builtins.print, pure=False)
