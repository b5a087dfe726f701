"""f-strings: folded to a constant where every field is known while transforming (so
f"layer{i}" can be a dict key in an unrolled loop), else formatted at run time."""

from __future__ import annotations

import ast

from srcad.ir.nodes import Const, Operand
from srcad.lower.context import LoweringContext
from srcad.runtime import python as pyrt


class FStrings:
    """Lowers f-strings.

    Parameters
    ----------
    core : LoweringContext
        The lowering the f-strings belong to.
    """

    def __init__(self, core: LoweringContext):
        self.core = core

    def fstring(self, node: ast.JoinedStr) -> Operand:
        parts: list[Operand] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(Const(part.value))
            elif isinstance(part, ast.FormattedValue):
                parts.append(self._field(part))
        constants = [p.value for p in parts if isinstance(p, Const)]
        if len(constants) == len(parts):
            return Const("".join(constants))
        return self.core.b.call(pyrt.join_strings, parts, loc=self.core.loc_for(node),
                                name="text")

    def _field(self, part: ast.FormattedValue) -> Operand:
        """One `{value!r:spec}` field."""
        core = self.core
        value = core.value(part.value)
        spec = self.fstring(part.format_spec) if isinstance(part.format_spec, ast.JoinedStr) \
            else Const("")
        if isinstance(value, Const) and isinstance(spec, Const) and \
                isinstance(value.value, (str, int, float, bool, type(None))):
            return Const(pyrt.format_value(value.value, part.conversion, spec.value))
        return core.b.call(pyrt.format_value, [value, Const(part.conversion), spec],
                           loc=core.loc_for(part), name="text")
