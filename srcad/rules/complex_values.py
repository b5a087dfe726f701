"""Which template a rule uses when it sees complex values, or a refusal.

srcad's convention for complex values (docs/complex.md): the adjoint of a complex
value ``z = x + iy`` under a real loss ``L`` is ``dz = dL/dx + 1j * dL/dy``, and its
tangent is ``dx + 1j * dy``. A rule states how it follows the convention with
`srcad.rules.complex_values`; a rule that states nothing refuses complex values.
"""

from __future__ import annotations

from srcad.errors import NoDerivativeError
from srcad.ir.nodes import Call, fn_label


def complex_rule(rule, complex_values: bool, direction: str, stmt: Call):
    """The `direction` ("adjoint" or "tangent") template of `rule` for a call that does
    (or does not) see complex values; refuses rules not checked on complex values."""
    if not complex_values:
        return getattr(rule, direction)
    if rule.complex is None:
        name = fn_label(stmt.fn)
        raise NoDerivativeError(
            f"'{name}' has no derivative rule checked on complex values, and this call "
            "sees one", stmt.loc,
            "keep complex values away from this call (split them into real and "
            "imaginary parts), or register complex rules for it "
            "(srcad.rules.complex_values; see docs/complex.md)")
    return rule.adjoint_for(True) if direction == "adjoint" else rule.tangent_for(True)
