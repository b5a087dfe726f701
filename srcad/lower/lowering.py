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
from srcad.ir.handles import Ambiguous, Lowered, Static, Struct
from srcad.ir.kinds import NUMERIC
from srcad.ir.nodes import Block, Const, Function, Operand, Return, Var
from srcad.lower.context import Session
from srcad.lower.core import Lowerer, hint_for
from srcad.lower.hooks import HookBody
from srcad.lower.loops import stored_names
from srcad.lower.mutation import check_mutations
from srcad.lower.pytree import Leaf, StaticLeaf, TreeKind
from srcad.lower.syntax_tables import UNSUPPORTED_STMTS
from srcad.rules.registry import Template


class OutputTree:
    """Where `lower_function` records the layout of a structured output it flattened:
    `kind` is a `pytree.TreeKind` (its leaves, in order, are the items of the tuple the
    lowered function returns; a `StaticLeaf` is a string, function or class returned as
    it is), or None where the output is not flattened."""

    def __init__(self) -> None:
        self.kind: TreeKind | None = None


def lower_function(parsed: ParsedFunction, specs: tuple | None = None,
                   shapes: tuple | None = None, output: OutputTree | None = None) -> Function:
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
    output : OutputTree, optional
        Given for the function a request differentiates (not for its callees): a
        returned dict, object or namedtuple (or a tuple or list holding one) is returned
        as the tuple of its leaves, and its layout is recorded in `output.kind`.

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
        if output is not None and isinstance(result, Struct) and _has_records(result, lowerer):
            output.kind, leaves = _flat_output(result, lowerer, parsed, where)
            result = lowerer.containers.run_time_sequence("tuple", leaves, where, "output")
        elif output is not None and isinstance(result, Ambiguous):
            lines = sorted({r.lineno for r in ast.walk(node) if isinstance(r, ast.Return)})
            raise BadArgumentError(
                f"'{parsed.name}' returns containers laid out differently on different "
                f"paths (returns at line{'s' * (len(lines) > 1)} "
                f"{', '.join(map(str, lines))} of the function): the structure of its "
                "output must be known while srcad transforms it", parsed.loc(where),
                "return the same structure (the same containers and keys) on every path, "
                "with the values that differ as its items")
        if isinstance(result, Struct) and result.kind not in ("tuple", "list"):
            raise BadArgumentError(
                f"'{parsed.name}' returns {result.describe()}: the output of a "
                "differentiated function is a number, an array, or a tuple or list of "
                "them", parsed.loc(where),
                "return one real scalar for srcad.grad (or hessian, hvp); srcad.vjp, "
                "jvp and jacobian take outputs that are dicts, objects or tuples")
        result = lowerer.operand(result, where)
    builder.append(Return(result, parsed.loc(node.body[-1]) if node.body else None))
    return Function(parsed.name, params, Block(builder.block.stmts), parsed.loc(node))


def _has_records(struct: Struct, lowerer: Lowerer) -> bool:
    """Whether a returned container is, or holds, a dict or an object (a tuple or list
    of values is returned as a run-time tuple or list, as it always was)."""
    if struct.kind not in ("tuple", "list") or struct.cls not in (None, tuple, list):
        return True
    return any(isinstance(item, Struct) and _has_records(item, lowerer)
               for item in (lowerer.b.read(struct.item_key(k)) for k in struct.keys))


def _flat_output(struct: Struct, lowerer: Lowerer, parsed: ParsedFunction,
                 where: ast.AST) -> tuple[TreeKind, list[Operand]]:
    """The layout of a returned container and its leaves (run-time values), in order."""
    leaves: list[Operand] = []

    def layout(s: Struct, depth: int) -> TreeKind:
        if depth > 32:
            raise BadArgumentError(f"'{parsed.name}' returns a structure nested too "
                                   "deeply", parsed.loc(where), "return a flatter structure")
        node = s.kind if s.kind in ("dict", "list", "tuple") else "object"
        cls = s.cls if s.cls is not None else {"dict": dict, "list": list,
                                               "tuple": tuple}.get(node)
        children: list[TreeKind | Leaf | StaticLeaf] = []
        for key in s.keys:
            item = lowerer.b.read(s.item_key(key))
            if isinstance(item, Struct):
                children.append(layout(item, depth + 1))
            elif isinstance(item, Static) or (isinstance(item, Const) and
                                              isinstance(item.value, str)):
                children.append(StaticLeaf(item.value))  # returned as it is
            elif isinstance(item, Ambiguous) or item is None:
                raise BadArgumentError(
                    f"'{parsed.name}' returns {s.describe()} whose item {key!r} is laid "
                    "out differently on different paths", parsed.loc(where),
                    "return the same structure on every path")
            else:
                leaves.append(lowerer.operand(item, where))
                children.append(Leaf(NUMERIC, True))
        return TreeKind(node, cls, tuple(s.keys), tuple(children))

    return layout(struct, 0), leaves


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
