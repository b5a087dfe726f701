"""Rule templates: short Python functions whose bodies are spliced into generated code.

A template's first parameter names the primal's output, the others mirror the
primal's parameters; its body reads and assigns `d<name>` derivatives. A template is
parsed once, when its rule is registered, or built from another statement by
`srcad.rules.derivation`.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from srcad.errors import RuleError


@dataclass
class Template:
    """A parsed rule template."""

    function: Callable
    output: str
    signature: inspect.Signature  # the primal's parameters, as the template spells them
    body: list  # ast statements, absolute line numbers
    filename: str
    globals: MutableMapping[str, Any]  # what the body's free names resolve to

    @property
    def params(self) -> list[str]:
        return list(self.signature.parameters)


def parse_template(function: Callable, what: str) -> Template:
    """The template written as `function` (a `def` whose source can be read).

    Parameters
    ----------
    function : callable
        The template: its first parameter names the primal's output, the others
        mirror the primal's parameters.
    what : str
        What kind of template it is, for error messages ("adjoint", ...).

    Returns
    -------
    Template
        Its signature (without the output parameter) and body (without a docstring).
    """
    try:
        lines, first = inspect.getsourcelines(function)
    except (OSError, TypeError) as exc:
        raise RuleError(f"the source of the {what} rule {function!r} cannot be read ({exc})",
                        hint="define rules with 'def' in a file") from None
    tree = ast.parse(textwrap.dedent("".join(lines)))
    ast.increment_lineno(tree, first - 1)
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        raise RuleError(f"the {what} rule {function!r} must be a 'def' function")
    sig = inspect.signature(function)
    params = list(sig.parameters.values())
    if not params:
        raise RuleError(f"the {what} rule '{function.__name__}' needs at least the output "
                        "parameter", hint="write it as def _(y, x): ...")
    primal_sig = sig.replace(parameters=params[1:])
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return Template(function, params[0].name, primal_sig, body,
                    inspect.getsourcefile(function) or "<rule>", function.__globals__)


def stored_names(body: list) -> set[str]:
    """The names the statements `body` assign."""
    return {node.id for stmt in body for node in ast.walk(stmt)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def loaded_names(body: list) -> set[str]:
    """The names the statements `body` read."""
    return {node.id for stmt in body for node in ast.walk(stmt)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
