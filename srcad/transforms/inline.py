"""Inlining calls to user functions into their caller's IR.

Higher-order derivatives transform generated code again; rather than differentiate
the forward/backward pairs of helper functions (whose saved values are tuples of
stacks), the helpers are inlined into the function first. Recursive helpers cannot
be inlined and are refused for higher-order derivatives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from srcad.errors import UnsupportedSyntaxError
from srcad.ir.nodes import (
    Block,
    Call,
    Carried,
    ForRange,
    Function,
    If,
    Operand,
    Phi,
    Return,
    Stmt,
    Var,
    While,
    sub_blocks,
    substitute,
    walk,
)


def clone_block(block: Block, mapping: dict[Var, Operand]) -> Block:
    """A copy of `block` with fresh Vars for everything it defines (`mapping` grows)."""

    def op(o: Operand) -> Operand:
        return mapping.get(o, o) if isinstance(o, Var) else o

    def optional_op(o: Operand | None) -> Operand | None:
        return op(o) if o is not None else None

    def fresh(v: Var) -> Var:
        new = Var(v.name, keep=v.keep)
        mapping[v] = new
        return new

    def carried_after_body(loop: ForRange | While, inits: list[Operand],
                           vars_: list[Var]) -> list[Carried]:
        """The loop's carried values, once its body is cloned (`next` reads the body)."""
        nexts = [optional_op(c.next) for c in loop.carried]
        return [Carried(v, i, n, fresh(c.out))
                for c, v, i, n in zip(loop.carried, vars_, inits, nexts)]

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
        elif isinstance(s, ForRange):
            inits = [op(c.init) for c in s.carried]
            rng = op(s.rng)
            index = fresh(s.index)
            vars_ = [fresh(c.var) for c in s.carried]
            body = clone_block(s.body, mapping)
            carried = carried_after_body(s, inits, vars_)
            out.stmts.append(ForRange(index, rng, carried, body, optional_op(s.exit), s.loc))
        elif isinstance(s, While):
            inits = [op(c.init) for c in s.carried]
            vars_ = [fresh(c.var) for c in s.carried]
            cond_block = clone_block(s.cond_block, mapping)
            cond = op(s.cond)
            body = clone_block(s.body, mapping)
            carried = carried_after_body(s, inits, vars_)
            out.stmts.append(While(carried, cond_block, cond, body, optional_op(s.exit), s.loc))
        elif isinstance(s, Return):
            out.stmts.append(Return(op(s.value), s.loc))
        else:
            out.stmts.append(s)
    return out


def inline_user_calls(fn: Function, lower: Callable[[Any, list], Function],
                      is_user_function: Callable[[Any], bool],
                      kinds_of: Callable[[Function, list], Any], param_kinds: list,
                      stack: tuple = ()) -> Function:
    """A copy of `fn` with every call to a user function replaced by its body.

    `lower(callee, arg_kinds)` is the IR of a callee for its arguments' kinds (a
    function srcad made, `srcad.grad(f)`, has one IR per kinds); `kinds_of(function,
    param_kinds)` infers the kinds of a function's values (`Kinds`); `stack` holds the
    functions being inlined (the first, the function `fn` is the IR of): one that calls
    itself is refused."""
    body = clone_block(fn.body, {})  # the body defines no parameter: the copy shares them
    copy = Function(fn.name, list(fn.params), body, fn.loc)
    calls = any(isinstance(s, Call) and is_user_function(s.fn) for s in walk(body))
    kinds = kinds_of(copy, param_kinds) if calls else None  # before the body changes
    replacements: dict[Var, Operand] = {}
    inliner = _Inliner(lower, is_user_function, kinds_of, kinds)
    inliner.block(body, stack, replacements)
    substitute(body, replacements)
    return copy


class _Inliner:
    def __init__(self, lower: Callable[[Any, list], Function],
                 is_user_function: Callable[[Any], bool],
                 kinds_of: Callable[[Function, list], Any], kinds: Any):
        self.lower, self.is_user_function, self.kinds_of = lower, is_user_function, kinds_of
        self.kinds = kinds

    def block(self, block: Block, stack: tuple,
              replacements: dict[Var, Operand]) -> None:
        new: list[Stmt] = []
        for s in block.stmts:
            if isinstance(s, Call) and self.is_user_function(s.fn):
                name = s.fn.__name__
                if any(s.fn is caller for caller in stack):  # (two lambdas share a name)
                    raise UnsupportedSyntaxError(
                        f"higher-order derivatives through the recursive function '{name}' "
                        "are not supported", s.loc, "write the recursion as a loop")
                if s.kwargs:
                    raise UnsupportedSyntaxError("keyword arguments to helpers are not "
                                                 "supported here", s.loc,
                                                 "pass the arguments by position")
                arg_kinds = [self.kinds.of(a) for a in s.args]
                callee = inline_user_calls(self.lower(s.fn, arg_kinds), self.lower,
                                           self.is_user_function, self.kinds_of, arg_kinds,
                                           stack + (s.fn,))
                mapping: dict[Var, Operand] = dict(zip(callee.params, s.args))
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
            for sub in sub_blocks(s):
                self.block(sub, stack, replacements)
            new.append(s)
        block.stmts = new
