"""Loop-invariant code motion: a value a loop computes the same way on every step is
computed once, before the loop.

In the user's code this keeps the reverse sweep from stacking it (`neg = -k` in a
pendulum step is pushed once per step otherwise, and its adjoint accumulates per step);
in generated code it takes `W.T` out of a reverse loop, as a person would.

Only statements at the top level of a loop body move (one inside a branch runs only on
some steps), and only operations that cannot raise for operands of a kind the loop
itself could run with: hoisting runs them even when the loop runs no step, and an
operation that may raise on a valid program (a division by zero, an index out of
range, a math domain error) would then raise where the user's code does not.
"""

from __future__ import annotations

import operator

import numpy as np

from srcad.ir.nodes import (
    Block,
    Call,
    Const,
    ForRange,
    Function,
    Operand,
    Var,
    While,
    defined_vars,
    region_vars,
    sub_blocks,
    used_operands,
    walk,
)
from srcad.optimize.purity import is_pure
from srcad.rules.registry import Attribute

# Arithmetic that raises for no operands it accepts on any step (float overflow gives
# inf, not an exception; integers do not overflow); attributes and transposes of arrays.
_CANNOT_RAISE = {operator.neg, operator.pos, operator.add, operator.sub, operator.mul,
                 np.negative, np.positive, np.add, np.subtract, np.multiply, np.conj,
                 np.conjugate, np.transpose, Attribute("T"), Attribute("real"),
                 Attribute("imag")}


def _hoistable(stmt: object) -> bool:
    if not isinstance(stmt, Call) or stmt.target is None or stmt.kwargs:
        return False
    fn = stmt.fn
    if fn is range:  # (a range of constant integers; of a float it raises)
        return all(isinstance(a, Const) and type(a.value) is int for a in stmt.args)
    try:
        if fn in _CANNOT_RAISE:
            return fn is not np.transpose or len(stmt.args) == 1
    except TypeError:  # an unhashable callee
        return False
    # A NumPy ufunc of one operand warns (log of 0), it does not raise.
    return isinstance(fn, np.ufunc) and fn.nin == 1 and fn.nout == 1 and \
        len(stmt.args) == 1 and is_pure(fn)


def defined_inside(loop: ForRange | While) -> set[Var]:
    """The values a loop defines: its index, carried values and everything its body
    (nested blocks included) computes."""
    inside: set[Var] = set(region_vars(loop))
    for block in sub_blocks(loop):
        for stmt in walk(block):
            inside.update(defined_vars(stmt))
            inside.update(region_vars(stmt))
    return inside


def _hoist_from(loop: ForRange | While) -> list[Call]:
    """Remove the invariant statements of `loop`'s body, in order, and return them."""
    inside = defined_inside(loop)
    hoisted: list[Call] = []
    kept = []
    for stmt in loop.body.stmts:
        if _hoistable(stmt) and not any(
                isinstance(op, Var) and op in inside for op in used_operands(stmt)):
            hoisted.append(stmt)
            assert stmt.target is not None
            inside.discard(stmt.target)
        else:
            kept.append(stmt)
    loop.body.stmts = kept
    return hoisted


def _run(block: Block) -> bool:
    changed = False
    stmts = []
    for stmt in block.stmts:
        for sub in sub_blocks(stmt):
            changed |= _run(sub)
        if isinstance(stmt, (ForRange, While)):
            hoisted = _hoist_from(stmt)
            stmts.extend(hoisted)
            changed |= bool(hoisted)
        stmts.append(stmt)
    block.stmts = stmts
    return changed


def hoist_loop_invariants(fn: Function) -> bool:
    """Move loop-invariant statements out of every loop of `fn`, in place; True if any
    moved."""
    return _run(fn.body)


def reversed_source(rng: Operand, defs: dict) -> Operand | None:
    """`steps` where `rng` is `steps[::-1]` (how a reverse loop runs), else None."""
    stmt = defs.get(rng) if isinstance(rng, Var) else None
    if stmt is not None and stmt.fn is operator.getitem and isinstance(stmt.args[1], Const) \
            and stmt.args[1].value == slice(None, None, -1):
        return stmt.args[0]
    return None


def constant_range(rng: Operand, defs: dict) -> range | None:
    """The range `rng` is, where it is a constant or `range(...)` of constant integers."""
    if isinstance(rng, Const):
        return rng.value if isinstance(rng.value, range) else None
    stmt = defs.get(rng) if isinstance(rng, Var) else None
    if stmt is not None and stmt.fn is range and not stmt.kwargs and \
            all(isinstance(a, Const) and type(a.value) is int for a in stmt.args):
        return range(*(a.value for a in stmt.args))
    return None
