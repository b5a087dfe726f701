"""Which calls generated code may move, share or drop: the pure ones."""

from __future__ import annotations

import math
import operator
from typing import Any

from srcad import runtime
from srcad.rules import registry
from srcad.runtime import out_arguments
from srcad.runtime import python as pyrt

# Operations on numbers constant folding may evaluate at transform time.
FOLDABLE = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
             operator.neg, operator.pos, operator.floordiv, operator.mod,
             operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
             operator.not_, operator.is_, operator.is_not, math.log, math.sqrt, math.exp}
_IMPURE_RUNTIME = {runtime.push, runtime.pop, pyrt.check_assertion, pyrt.raise_error,
                   pyrt.enter_context, pyrt.exit_context, pyrt.check_unshared,
                   pyrt.check_not_shared, pyrt.check_item_unshared, pyrt.check_unpack,
                   out_arguments.check_out}
class GeneratedRef:
    """A call target that is another generated function of the same module."""

    def __init__(self, name: str, arity: int = 0):
        self.name = name
        self.arity = arity  # the length of the tuple it returns, if known
        self.srcad_label = name

    def __repr__(self) -> str:
        return self.name


def is_pure(fn: Any) -> bool:
    if fn in _IMPURE_RUNTIME or isinstance(fn, GeneratedRef) or \
            getattr(fn, "__srcad_check__", False):
        return False  # (a check raises: it is kept even where nothing reads its value)
    rule = registry.lookup(fn)
    if rule is not None and not rule.pure:
        return False
    module = getattr(fn, "__module__", None) or ""
    if module == runtime.__name__ or module.startswith(runtime.__name__ + "."):
        return True
    rule = registry.lookup(fn)
    if rule is not None:
        return rule.pure
    return fn in FOLDABLE or fn in (operator.getitem, range, len, min, max, reversed, list,
                                     zip, enumerate, tuple, isinstance, type, sorted)
