"""Operations on constants computed while lowering, where the lowering needs the result
itself: a dict key such as `'k%d' % i` or `i + 1` in an unrolled loop, or `len(KEYS)` as
the length of a loop to unroll. Only small, exact results of plain numbers and strings
are folded; everything else is left to the run time (and the optimizer)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from srcad.ir.nodes import Const, Operand

_PLAIN = (bool, int, float, str)
_FOLDED: set[Callable[..., Any]] = {
    operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
    operator.mod, operator.pow, operator.neg, operator.pos, operator.not_,
}
_MAX_TEXT = 1000  # characters of a folded string
_MAX_EXPONENT = 64


def fold(fn: Callable[..., Any], args: list[Operand]) -> Const | None:
    """`fn(*args)` as a constant, when every argument is a plain number or string and the
    result is small; None otherwise (Python's error, if any, is raised at run time)."""
    if fn not in _FOLDED or not all(isinstance(a, Const) and type(a.value) in _PLAIN
                                    for a in args):
        return None
    values = [a.value for a in args if isinstance(a, Const)]
    if fn is operator.pow and (isinstance(values[1], str) or abs(values[1]) > _MAX_EXPONENT):
        return None
    if fn is operator.mul and any(isinstance(v, str) for v in values) and \
            not all(isinstance(v, str) or abs(v) <= _MAX_TEXT for v in values):
        return None
    try:
        result = fn(*values)
    except (ArithmeticError, TypeError, ValueError):
        return None
    if type(result) not in _PLAIN or (isinstance(result, str) and len(result) > _MAX_TEXT):
        return None
    return Const(result)
