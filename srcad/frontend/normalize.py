"""Normalize control flow in a function's AST before lowering.

`return`, `break` and `continue` are rewritten into assignments to flag
variables, with the statements they skip guarded by `if not flag:`, so that the
lowering only ever sees structured regions. A `return` whose `if` branch always
returns is handled without a flag: the rest of the block moves into the other
branch. Loops that can exit early are marked with `srcad_exit` (the flag's name).

The flag and result names start with '.', so they can never collide with a user
variable; the lowering gives them readable names in generated code.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field

RESULT = ".result"
RETURNED = ".returned"


@dataclass
class _Loop:
    number: int
    break_flag: str
    continue_flag: str
    uses_break: bool = False
    uses_continue: bool = False


@dataclass
class _Context:
    loops: list = field(default_factory=list)
    counter: int = 0
    suffix: str = ""  # appended to every flag name (functions inlined into others)

    @property
    def result(self) -> str:
        return RESULT + self.suffix

    @property
    def returned(self) -> str:
        return RETURNED + self.suffix


def _name(id_: str, node: ast.AST, store: bool = False) -> ast.Name:
    n = ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())
    return ast.copy_location(n, node)


def _assign(id_: str, value: ast.expr, node: ast.AST) -> ast.Assign:
    a = ast.Assign(targets=[_name(id_, node, store=True)], value=value)
    return ast.copy_location(a, node)


def _const(value, node: ast.AST) -> ast.Constant:
    return ast.copy_location(ast.Constant(value=value), node)


def _exits(stmts: list) -> set:
    """Which of 'return', 'break', 'continue' a block may perform (for its own loop)."""
    found = set()
    for s in stmts:
        if isinstance(s, ast.Return):
            found.add("return")
        elif isinstance(s, ast.Break):
            found.add("break")
        elif isinstance(s, ast.Continue):
            found.add("continue")
        elif isinstance(s, ast.If):
            found |= _exits(s.body) | _exits(s.orelse)
        elif isinstance(s, (ast.For, ast.While)):
            # an `else:` clause belongs to the enclosing loop: its exits are its own
            found |= (_exits(s.body) & {"return"}) | _exits(s.orelse)
        elif isinstance(s, ast.With):
            found |= _exits(s.body)
    return found


def _always_exits(stmts: list) -> bool:
    for s in stmts:
        if isinstance(s, (ast.Return, ast.Break, ast.Continue)):
            return True
        if isinstance(s, ast.If) and _always_exits(s.body) and _always_exits(s.orelse):
            return True
    return False


def normalize_body(body: list, suffix: str = "") -> list:
    """Rewrite a function body so it has no return/break/continue statements.

    The returned body assigns the function's result to the variable `RESULT + suffix`
    (and every flag name ends with `suffix`).
    """
    body = list(body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # docstring
    ctx = _Context(suffix=suffix)
    return _block(body, ctx)


def _block(stmts: list, ctx: _Context) -> list:
    out: list = []
    for i, s in enumerate(stmts):
        rest = stmts[i + 1:]
        if isinstance(s, ast.Pass):
            continue
        if isinstance(s, ast.Return):
            out.extend(_return(s, ctx))
            return out
        if isinstance(s, ast.Break):
            loop = ctx.loops[-1]
            loop.uses_break = True
            out.append(_assign(loop.break_flag, _const(True, s), s))
            return out
        if isinstance(s, ast.Continue):
            loop = ctx.loops[-1]
            loop.uses_continue = True
            out.append(_assign(loop.continue_flag, _const(True, s), s))
            return out
        if isinstance(s, ast.If):
            exits = _exits([s])
            if not exits:
                out.append(_copy_if(s, _block(s.body, ctx), _block(s.orelse, ctx)))
                continue
            body_always, else_always = _always_exits(s.body), _always_exits(s.orelse)
            if body_always or else_always:
                # Move the rest of the block into the branch that falls through: no flag.
                new_body = _block(s.body + ([] if body_always else rest), ctx)
                new_else = _block(s.orelse + ([] if else_always else rest), ctx)
                out.append(_copy_if(s, new_body, new_else))
                return out
            out.append(_copy_if(s, _block(s.body, ctx), _block(s.orelse, ctx)))
            out.extend(_guarded(rest, exits, s, ctx))
            return out
        if isinstance(s, ast.With):
            new = copy.copy(s)
            new.body = _block(s.body, ctx) or [ast.copy_location(ast.Pass(), s)]
            out.append(new)
            exits = _exits([s])
            if exits:
                out.extend(_guarded(rest, exits, s, ctx))
                return out
            continue
        if isinstance(s, (ast.For, ast.While)):
            out.extend(_loop(s, ctx))
            exits = _exits([s])
            if exits:
                out.extend(_guarded(rest, exits, s, ctx))
                return out
            continue
        out.append(s)
    return out


def _copy_if(s: ast.If, body: list, orelse: list) -> ast.If:
    new = ast.If(test=s.test, body=body, orelse=orelse)
    return ast.copy_location(new, s)


def _guarded(rest: list, exits: set, node: ast.AST, ctx: _Context) -> list:
    """`rest`, run only if none of the flags `exits` may have set is true."""
    new_rest = _block(rest, ctx)
    if not new_rest:
        return []
    flags = []
    if ctx.loops:
        loop = ctx.loops[-1]
        if exits & {"break", "return"}:
            flags.append(loop.break_flag)
        if "continue" in exits:
            flags.append(loop.continue_flag)
    else:
        flags.append(ctx.returned)
    anchor = rest[0]
    test: ast.expr
    if len(flags) == 1:
        test = _name(flags[0], anchor)
    else:
        test = ast.copy_location(ast.BoolOp(op=ast.Or(), values=[_name(f, anchor) for f in flags]),
                                 anchor)
    guard = ast.If(test=ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=test), anchor),
                   body=new_rest, orelse=[])
    return [ast.copy_location(guard, anchor)]


def _return(s: ast.Return, ctx: _Context) -> list:
    value = s.value if s.value is not None else _const(None, s)
    stmts = [_assign(ctx.result, value, s), _assign(ctx.returned, _const(True, s), s)]
    for loop in ctx.loops:
        loop.uses_break = True
        stmts.append(_assign(loop.break_flag, _const(True, s), s))
    return stmts


def _loop(s, ctx: _Context) -> list:
    """The loop without break/continue; then its `else:` clause, which runs unless the
    loop stopped early (a `return` in the loop sets the break flag too)."""
    ctx.counter += 1
    n = ctx.counter
    loop = _Loop(n, f".break{n}{ctx.suffix}", f".continue{n}{ctx.suffix}")
    ctx.loops.append(loop)
    try:
        body = _block(s.body, ctx)
    finally:
        ctx.loops.pop()
    new = copy.copy(s)
    new.body = body
    new.orelse = []
    new.srcad_exit = None
    prologue = []
    if loop.uses_continue:
        body.insert(0, _assign(loop.continue_flag, _const(False, s), s))
    if loop.uses_break:
        new.srcad_exit = loop.break_flag
        prologue.append(_assign(loop.break_flag, _const(False, s), s))
    if prologue:
        # The flag's initial value is assigned just before the loop.
        new.srcad_prologue = prologue
    orelse = _block(s.orelse, ctx)
    if not orelse:
        return [new]
    if not loop.uses_break:
        return [new] + orelse
    anchor = s.orelse[0]
    test = ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=_name(loop.break_flag, anchor)),
                             anchor)
    return [new, ast.copy_location(ast.If(test=test, body=orelse, orelse=[]), anchor)]
