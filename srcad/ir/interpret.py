"""A reference interpreter for the IR: runs a `Function` on concrete arguments.

It gives lowering and the transforms an oracle that does not go through codegen: the
IR of a function, interpreted, must compute what the Python function computes.
Primitives are called as they are; one that is not callable itself (a method call
`x.sum()` or an attribute read `x.T`) provides `srcad_apply(*args, **kwargs)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from srcad.ir.nodes import Block, Call, Const, ForRange, Function, If, Operand, Return, Var, While


class IRInterpretationError(RuntimeError):
    """The IR cannot be run (a primitive the interpreter cannot call, or no return)."""


class _Returned(Exception):
    def __init__(self, value: Any):
        self.value = value


def run_ir(fn: Function, *args: Any, trace: dict | None = None) -> Any:
    """Execute `fn` on `args` and return its result.

    Parameters
    ----------
    fn : Function
        The IR to run.
    *args
        One value per parameter of `fn`.
    trace : dict, optional
        Receives the value of every `Var` (the last one, for values inside loops).

    Returns
    -------
    object
        The value of the function's `Return`.
    """
    if len(args) != len(fn.params):
        raise TypeError(f"{fn.name} takes {len(fn.params)} arguments, not {len(args)}")
    env = trace if trace is not None else {}
    env.update(zip(fn.params, args))
    try:
        _Interpreter(env).block(fn.body)
    except _Returned as r:
        return r.value
    raise IRInterpretationError(f"{fn.name} did not return")


def apply_primitive(fn: Any, args: list, kwargs: dict) -> Any:
    """Call one primitive of a `Call` statement on concrete values."""
    if callable(fn):
        return fn(*args, **kwargs)
    apply: Callable | None = getattr(fn, "srcad_apply", None)
    if apply is None:
        raise IRInterpretationError(f"cannot interpret a call to {fn!r}")
    return apply(*args, **kwargs)


class _Interpreter:
    def __init__(self, env: dict):
        self.env = env

    def value(self, op: Operand | None) -> Any:
        if isinstance(op, Const):
            return op.value
        if not isinstance(op, Var):
            raise IRInterpretationError(f"bad operand {op!r}")
        return self.env[op]

    def block(self, block: Block) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, Call):
                result = apply_primitive(stmt.fn, [self.value(a) for a in stmt.args],
                                         {k: self.value(v) for k, v in stmt.kwargs.items()})
                if stmt.target is not None:
                    self.env[stmt.target] = result
            elif isinstance(stmt, If):
                taken = bool(self.value(stmt.cond))
                self.block(stmt.then if taken else stmt.orelse)
                for p in stmt.outputs:
                    self.env[p.target] = self.value(p.then if taken else p.orelse)
            elif isinstance(stmt, ForRange):
                self.for_range(stmt)
            elif isinstance(stmt, While):
                self.while_(stmt)
            elif isinstance(stmt, Return):
                raise _Returned(self.value(stmt.value))

    def for_range(self, stmt: ForRange) -> None:
        self.enter(stmt)
        for i in self.value(stmt.rng):
            self.env[stmt.index] = i
            self.block(stmt.body)
            if self.iteration_end(stmt):
                break
        self.leave(stmt)

    def while_(self, stmt: While) -> None:
        self.enter(stmt)
        while True:
            self.block(stmt.cond_block)
            if not self.value(stmt.cond):
                break
            self.block(stmt.body)
            if self.iteration_end(stmt):
                break
        self.leave(stmt)

    def enter(self, stmt: ForRange | While) -> None:
        for c in stmt.carried:
            self.env[c.var] = self.value(c.init)

    def iteration_end(self, stmt: ForRange | While) -> bool:
        """Move the loop values to their next values; whether the loop exits early."""
        nexts = [self.value(c.next) for c in stmt.carried]  # a parallel assignment
        for c, v in zip(stmt.carried, nexts):
            self.env[c.var] = v
        return stmt.exit is not None and bool(self.value(stmt.exit))

    def leave(self, stmt: ForRange | While) -> None:
        for c in stmt.carried:
            self.env[c.out] = self.env[c.var]
