"""Inlining calls to user functions into their caller's IR.

Higher-order derivatives transform generated code again; rather than differentiate
the forward/backward pairs of helper functions (whose saved values are tuples of
stacks), the helpers are inlined into the function first. Recursive helpers cannot
be inlined and are refused for higher-order derivatives.
"""

from __future__ import annotations

from srcad.errors import UnsupportedSyntaxError
from srcad.ir.nodes import (
    Block,
    Call,
    Carried,
    Const,
    ForRange,
    Function,
    If,
    Phi,
    Return,
    Var,
    While,
    substitute,
)


def clone_block(block: Block, mapping: dict) -> Block:
    """A copy of `block` with fresh Vars for everything it defines (`mapping` grows)."""

    def op(o):
        return mapping.get(o, o) if isinstance(o, Var) else o

    def fresh(v: Var) -> Var:
        new = Var(v.name, keep=v.keep)
        mapping[v] = new
        return new

    out = Block()
    for s in block.stmts:
        if isinstance(s, Call):
            args = [op(a) for a in s.args]
            kwargs = {k: op(v) for k, v in s.kwargs.items()}
            target = fresh(s.target) if s.target is not None else None
            out.stmts.append(Call(target, s.fn, args, kwargs, s.loc))
        elif isinstance(s, If):
            cond = op(s.cond)
            then = clone_block(s.then, mapping)
            then_vals = [op(p.then) for p in s.outputs]
            orelse = clone_block(s.orelse, mapping)
            else_vals = [op(p.orelse) for p in s.outputs]
            outputs = [Phi(fresh(p.target), t, e)
                       for p, t, e in zip(s.outputs, then_vals, else_vals)]
            out.stmts.append(If(cond, then, orelse, outputs, s.loc))
        elif isinstance(s, (ForRange, While)):
            inits = [op(c.init) for c in s.carried]
            rng = op(s.rng) if isinstance(s, ForRange) else None
            index = fresh(s.index) if isinstance(s, ForRange) else None
            vars_ = [fresh(c.var) for c in s.carried]
            cond_block = clone_block(s.cond_block, mapping) if isinstance(s, While) else None
            cond = op(s.cond) if isinstance(s, While) else None
            body = clone_block(s.body, mapping)
            nexts = [op(c.next) for c in s.carried]
            exit_ = op(s.exit) if s.exit is not None else None
            carried = [Carried(v, i, n, fresh(c.out))
                       for c, v, i, n in zip(s.carried, vars_, inits, nexts)]
            if isinstance(s, ForRange):
                out.stmts.append(ForRange(index, rng, carried, body, exit_, s.loc))
            else:
                out.stmts.append(While(carried, cond_block, cond, body, exit_, s.loc))
        elif isinstance(s, Return):
            out.stmts.append(Return(op(s.value), s.loc))
        else:
            out.stmts.append(s)
    return out


def inline_user_calls(fn: Function, lower, is_user_function, stack: tuple = ()) -> Function:
    """A copy of `fn` with every call to a user function replaced by its body."""
    mapping: dict = {}
    body = clone_block(fn.body, mapping)
    params = [mapping.get(p, p) for p in fn.params]
    replacements: dict = {}
    _inline_block(body, lower, is_user_function, stack + (fn.name,), replacements)
    substitute(body, replacements)
    return Function(fn.name, params, body, fn.loc)


def _inline_block(block: Block, lower, is_user_function, stack, replacements) -> None:
    new = []
    for s in block.stmts:
        if isinstance(s, Call) and is_user_function(s.fn):
            name = s.fn.__name__
            if name in stack:
                raise UnsupportedSyntaxError(
                    f"higher-order derivatives through the recursive function '{name}' are "
                    "not supported", s.loc, "write the recursion as a loop")
            if s.kwargs:
                raise UnsupportedSyntaxError("keyword arguments to helpers are not "
                                             "supported here", s.loc,
                                             "pass the arguments by position")
            callee = inline_user_calls(lower(s.fn), lower, is_user_function, stack)
            mapping = dict(zip(callee.params, s.args))
            body = clone_block(callee.body, mapping)
            ret = body.stmts.pop()
            assert isinstance(ret, Return)
            new.extend(body.stmts)
            if s.target is not None:
                value = ret.value
                if isinstance(value, Var) and value in replacements:
                    value = replacements[value]
                replacements[s.target] = value
            continue
        for sub in _subs(s):
            _inline_block(sub, lower, is_user_function, stack, replacements)
        new.append(s)
    block.stmts = new


def _subs(s) -> list:
    if isinstance(s, If):
        return [s.then, s.orelse]
    if isinstance(s, ForRange):
        return [s.body]
    if isinstance(s, While):
        return [s.cond_block, s.body]
    return []


_unused = Const
