"""Refuse keyword arguments a derivative rule would ignore.

A call that a derivative flows through is differentiated with its rule's adjoint (or
tangent) template. Each argument it gives beyond the template's required parameters
(an option, by keyword or by position) must be one the template honours
(`srcad.rules.keywords.refusal`): `np.sum(x, dtype=int)`, `np.exp(x, where=m)` or
`np.linalg.pinv(a, rcond=0.1)` would otherwise be differentiated as if the option were
not there. They are refused with the function, the option and the user's line.
"""

from __future__ import annotations

from srcad import runtime
from srcad.analysis.inference import STRUCTURAL, Kinds, is_user_function
from srcad.errors import UnsupportedSyntaxError
from srcad.ir.kinds import is_complex
from srcad.ir.nodes import Block, Call, Var, fn_label, walk
from srcad.optimize.optimizer import GeneratedRef
from srcad.rules import registry
from srcad.rules.keywords import explicit_arguments, refusal
from srcad.rules.templates import Template


def check_keywords(block: Block, kinds: Kinds, varied: set, needs: str,
                   useful: set | None = None) -> None:
    """Refuse calls whose derivative would ignore one of their arguments.

    Parameters
    ----------
    block : Block
        The function's body.
    kinds : Kinds
        The kind of every value (which template a complex call uses).
    varied : set
        The values that depend on a differentiated input.
    needs : str
        "adjoint" (reverse mode) or "tangent" (forward mode).
    useful : set, optional
        The values that reach the result; calls whose result does not need no
        derivative.
    """
    for stmt in walk(block):
        if not isinstance(stmt, Call) or stmt.target is None or stmt.target not in varied:
            continue
        if useful is not None and stmt.target not in useful:
            continue
        if not any(isinstance(a, Var) and a in varied
                   for a in list(stmt.args) + list(stmt.kwargs.values())):
            continue
        if stmt.fn in STRUCTURAL or isinstance(stmt.fn, GeneratedRef) or \
                is_user_function(stmt.fn):
            continue
        if _is_runtime_helper(stmt.fn):
            continue  # called by templates, with the arguments its own templates list
        rule = registry.lookup(stmt.fn)
        if rule is None or rule.nondifferentiable:
            continue
        for template in _templates(rule, stmt, kinds, needs):
            _check_call(stmt, template, needs)


def _is_runtime_helper(fn) -> bool:
    module = getattr(fn, "__module__", None) or ""
    return module == runtime.__name__ or module.startswith(runtime.__name__ + ".")


def _templates(rule: registry.Rule, stmt: Call, kinds: Kinds, needs: str) -> list[Template]:
    """The templates of direction `needs` the call may use."""
    operands = list(stmt.args) + list(stmt.kwargs.values()) + \
        ([stmt.target] if stmt.target is not None else [])
    complex_values = any(is_complex(kinds.of(op)) for op in operands)
    template = getattr(rule, needs)
    if complex_values and rule.complex is not None:
        template = rule.adjoint_for(True) if needs == "adjoint" else rule.tangent_for(True)
    return [template] if template is not None else []


def _check_call(stmt: Call, template: Template, needs: str) -> None:
    given = explicit_arguments(template, list(stmt.args), dict(stmt.kwargs))
    if given is None:
        return  # the positions do not fit: the transform refuses the call itself
    label = fn_label(stmt.fn)
    for name, value in given.items():
        refused = refusal(stmt.fn, template, name, value, label)
        if refused is None:
            continue
        mode = "reverse" if needs == "adjoint" else "forward"
        raise UnsupportedSyntaxError(f"{refused.reason} ({mode} mode)", stmt.loc,
                                     refused.hint)
