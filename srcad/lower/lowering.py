"""Lowering entry points: a user function to an IR `Function`; a rule template or a
gradient hook's body spliced into a builder (the transforms' derivative code)."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from typing import Any

from srcad.errors import BadArgumentError, SourceLoc, UnsupportedSyntaxError
from srcad.frontend.normalize import RESULT, RETURNED, normalize_body
from srcad.frontend.scopes import bound_names, signature_args
from srcad.frontend.source import MISSING, ParsedFunction
from srcad.ir.builder import Builder
from srcad.ir.handles import Lowered, Static, Struct
from srcad.ir.nodes import Block, Const, Function, Operand, Return, Var
from srcad.lower.context import Session
from srcad.lower.core import Lowerer, hint_for
from srcad.lower.hooks import HookBody
from srcad.lower.loops import stored_names
from srcad.lower.mutation import check_mutations
from srcad.lower.pytree import StaticLeaf, TreeKind
from srcad.lower.syntax_tables import UNSUPPORTED_STMTS
from srcad.rules.registry import Template


def lower_function(parsed: ParsedFunction, specs: tuple | None = None,
                   shapes: tuple | None = None) -> Function:
    """Lower a parsed user function to an IR `Function`.

    Parameters
    ----------
    parsed : ParsedFunction
        The function's AST and how its free names resolve; the free names read are
        added to `parsed.captured`.
    specs : tuple, optional
        Per parameter, a `pytree.TreeKind` for structured arguments (their leaves
        become separate parameters of the IR function) or anything else for plain ones.
    shapes : tuple, optional
        Per parameter, the shape of the array (or `()` for a number) the code is
        specialized on, or None: `len(x)` and `x.shape` of such parameters are
        constants.

    Returns
    -------
    Function
        The function in SSA form.
    """
    node = parsed.node
    signature = signature_args(node.args)  # `*args` and `**kwargs` are one parameter each
    body = normalize_body(node.body)
    builder = Builder(Const(None), hint_for)
    params: list[Var] = []
    known_shapes: dict[Var, tuple] = {}
    for i, a in enumerate(signature):
        spec = specs[i] if specs is not None and i < len(specs) else None
        if isinstance(spec, TreeKind):
            builder.write(a.arg, _tree_param(spec, a.arg, params, builder))
            continue
        v = Var(a.arg, keep=True)
        params.append(v)
        builder.write(a.arg, v)
        if shapes is not None and i < len(shapes) and isinstance(shapes[i], tuple):
            known_shapes[v] = shapes[i]
    param_names = {a.arg for a in signature}
    local_names = param_names | bound_names(body) | {RESULT, RETURNED}
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Global, ast.Nonlocal)):
            what, hint = UNSUPPORTED_STMTS[type(sub)]
            raise UnsupportedSyntaxError(f"{what} are not supported", parsed.loc(sub), hint)
    session = Session(arguments=list(params), shapes=known_shapes)
    lowerer = Lowerer(builder, parsed.resolve, parsed.loc, local_names,
                      check_mutations(node, param_names, parsed.resolve), session,
                      params=param_names)
    builder.write(RESULT, Const(None))
    builder.write(RETURNED, Const(False))
    lowerer.block(body)
    parsed.captured.extend(session.captured)
    result: Lowered | None = builder.read(RESULT)
    if not isinstance(result, (Var, Const)):
        returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value]
        assert result is not None  # RESULT is written on every path
        where = returns[-1] if returns else node
        if isinstance(result, Struct) and result.kind not in ("tuple", "list"):
            raise BadArgumentError(
                f"'{parsed.name}' returns {result.describe()}: the output of a "
                "differentiated function is a number, an array, or a tuple or list of "
                "them", parsed.loc(where),
                "return one real scalar for srcad.grad (or hessian, hvp), or the values "
                "as a tuple for srcad.vjp or srcad.jacobian")
        result = lowerer.operand(result, where)
    builder.append(Return(result, parsed.loc(node.body[-1]) if node.body else None))
    return Function(parsed.name, params, Block(builder.block.stmts), parsed.loc(node))


def _tree_param(kind: TreeKind, name: str, params: list[Var], builder: Builder) -> Struct:
    """A structured parameter: a container handle whose leaves are new parameters."""
    struct = Struct(kind.node, list(kind.keys), kind.cls, name, mutable=False,
                    region=builder.block)
    for key, child in zip(kind.keys, kind.children):
        value: Lowered
        if isinstance(child, TreeKind):
            value = _tree_param(child, struct.hint(key), params, builder)
        elif isinstance(child, StaticLeaf):
            value = Static(child.value)
        else:
            value = Var(struct.hint(key), keep=True)
            params.append(value)
        builder.write(struct.item_key(key), value)
    return struct


def lower_template(template: Template, builder: Builder, bindings: dict[str, Operand],
                   loc: SourceLoc | None) -> dict[Any, Lowered]:
    """Splice a rule template's body into `builder`.

    Parameters
    ----------
    template : Template
        The parsed rule.
    builder : Builder
        Where the statements go.
    bindings : dict
        The template's parameter names (and `d<name>` adjoints) -> operands.
    loc : SourceLoc or None
        The user line the rule differentiates: every generated statement carries it.

    Returns
    -------
    dict
        The template's names -> their final values.
    """
    def resolve(name: str) -> Any:
        if name in template.globals:
            return template.globals[name]
        return getattr(builtins, name, MISSING)

    local_names = set(bindings) | stored_names(template.body)
    return _splice(template.body, builder, dict(bindings), resolve, lambda node: loc,
                   local_names)


def lower_hook(hook: HookBody, builder: Builder, adjoint: Operand,
               captured: list[Operand]) -> Operand:
    """Splice a gradient hook's body into `builder` (the reverse sweep).

    Parameters
    ----------
    hook : HookBody
        The body of `with srcad.insert_grad_of(x) as dx:`.
    builder : Builder
        Where the statements go.
    adjoint : Operand
        The adjoint of `x` that reached the hook: the body's `dx`.
    captured : list
        The values of the function's variables the body reads (`hook.captured`).

    Returns
    -------
    Operand
        The new adjoint: the body's final `dx`.
    """
    env: dict[Any, Lowered] = {hook.adjoint_name: adjoint, **dict(zip(hook.captured, captured))}
    local_names = {hook.adjoint_name} | bound_names(hook.body) | set(hook.captured)
    final = _splice(hook.body, builder, env, hook.resolve, hook.loc_for, local_names)
    new = final[hook.adjoint_name]
    if not isinstance(new, (Var, Const)):
        raise UnsupportedSyntaxError(
            f"the gradient hook leaves something other than a number or an array in "
            f"'{hook.adjoint_name}'", hook.loc_for(hook.body[-1]),
            "assign the new adjoint (a number or an array) to it")
    return new


def _splice(body: list[ast.stmt], builder: Builder, env: dict[Any, Lowered],
            resolve: Callable[[str], Any], loc_for: Callable[[ast.AST], SourceLoc | None],
            local_names: set[str]) -> dict[Any, Lowered]:
    """Lower `body` into `builder` with the names in `env` bound; returns the names'
    final values. The builder's own names are left as they were."""
    saved = builder.env
    builder.env = env
    try:
        Lowerer(builder, resolve, loc_for, local_names).block(body)
        return builder.env
    finally:
        builder.env = saved
