"""Work a loop does on each step's own rows, done for all steps at once before it.

In an RNN's forward loop, `xs[t] @ Wxh` reads only row `t` of `xs` and a weight the
loop does not change: `(xs @ Wxh)[t]` is the same value, and one product over all rows
is what BLAS does best. In the reverse loop, `1.0 - h * h` (tanh's derivative) reads
only the state the forward loop stacked at step `t`: the stacked states give it for
all steps in two array operations instead of two per step.

    xs_Wxh = xs @ Wxh                      # before the forward loop
    for t in steps:
        h = np.tanh(xs_Wxh[t] + h @ Whh + b)

A value is *per-row* when it is a row of an array the loop does not change (`x[t]`,
with `len(x)` the trip count), a value stacked at step `t` of a forward loop and
popped at step `t` of its reverse loop, or elementwise arithmetic (or a product with a
matrix on the right) of per-row values and values the loop does not change, where
NumPy's broadcasting of the stacked operands is the per-step broadcasting with the
steps' axis in front (checked on the shapes `shapes.py` knows). Only loops over a
constant `range(n)` (and their reverses) are batched: every row is then used, so no
work is wasted and nothing runs that the loop would not run. Runs on specialized
generated code only.
"""

from __future__ import annotations

import operator

import numpy as np

from srcad import runtime
from srcad.ir.nodes import (
    Block,
    Call,
    Const,
    ForRange,
    Function,
    Operand,
    Var,
    all_uses,
    block_end_uses,
    named_after,
    sub_blocks,
    walk,
)
from srcad.optimize.collect import stack_steps
from srcad.optimize.loops import constant_range, defined_inside, reversed_source
from srcad.optimize.shapes import Shapes

_ELEMENTWISE = {operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
                operator.pos}
_MATMUL = (operator.matmul, np.matmul)


def batch_step_values(fn: Function, shapes: Shapes) -> bool:
    """Compute, in place, the per-row values of `fn`'s constant-range loops for all
    rows before each loop; True if any loop changed."""
    defs = {s.target: s for s in walk(fn.body) if isinstance(s, Call) and s.target}
    sites = _StackSites(fn)
    return _run(fn.body, shapes, defs, sites)


class _StackSites:
    """Where each stack is pushed and popped: the loop whose body's top level holds
    the site, when that loop is itself at the top level of the function (so it runs
    once, and its stacks hold one value per step); None for any other site."""

    def __init__(self, fn: Function):
        self.pushes: dict[Var, list] = {}
        self.pops: dict[Var, list] = {}
        for stmt in fn.body.stmts:
            for sub in sub_blocks(stmt):
                self._scan(sub, stmt if isinstance(stmt, ForRange) else None)

    def _scan(self, block: Block, loop: ForRange | None) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, Call) and stmt.fn in (runtime.push, runtime.pop) and \
                    isinstance(stmt.args[0], Var):
                table = self.pushes if stmt.fn is runtime.push else self.pops
                table.setdefault(stmt.args[0], []).append(loop)
            for sub in sub_blocks(stmt):
                self._scan(sub, None)  # (in a branch or a nested loop: not once per step)


def _run(block: Block, shapes: Shapes, defs: dict, sites: _StackSites) -> bool:
    changed = False
    out: list = []
    for stmt in block.stmts:
        for sub in sub_blocks(stmt):
            changed |= _run(sub, shapes, defs, sites)
        if isinstance(stmt, ForRange):
            before = _batch(stmt, shapes, defs, sites)
            out.extend(before)
            changed |= bool(before)
        out.append(stmt)
    block.stmts = out
    return changed


def _steps(loop: ForRange, defs: dict) -> tuple[int, Operand | None] | None:
    """(n, the forward loop's range) when `loop` runs over `range(n)` in order, or over
    `steps[::-1]` for such a `steps` (then t counts down: the same step numbers)."""
    if loop.exit is not None:
        return None
    forward = reversed_source(loop.rng, defs)
    rng = constant_range(loop.rng if forward is None else forward, defs)
    if rng is None or rng.start != 0 or rng.step != 1 or len(rng) == 0:
        return None
    return len(rng), forward


def _batch(loop: ForRange, shapes: Shapes, defs: dict, sites: _StackSites) -> list:
    found = _steps(loop, defs)
    if found is None:
        return []
    n, forward_range = found
    inside = defined_inside(loop)

    def invariant(op: Operand) -> bool:
        return isinstance(op, Const) or op not in inside

    rows: dict[Var, Operand] = {}  # a per-row value -> the array of all its rows
    stacked: dict[Var, list[Call]] = {}  # the stacks made into arrays, before the loop
    computed: list[Call] = []       # the batched computations, before the loop
    replaced: dict[int, Call] = {}  # id(statement) -> `v = V[t]`
    pops: dict[Var, Call] = {}      # a popped per-row value -> its pop
    for stmt in loop.body.stmts:
        if not isinstance(stmt, Call) or stmt.target is None or stmt.kwargs:
            continue
        v = stmt.target
        shape = shapes.of(v)
        if not shape:
            continue  # (numbers: Python's float arithmetic raises where NumPy's warns)
        fn, args = stmt.fn, stmt.args
        if fn is operator.getitem and args[1] is loop.index and isinstance(args[0], Var) \
                and invariant(args[0]) and (shapes.of(args[0]) or (0,))[0] == n \
                and len(shapes.of(args[0]) or ()) == len(shape) + 1:
            rows[v] = args[0]  # x[t]: a row of x
            continue
        if fn is runtime.pop and forward_range is not None and \
                _stacked_per_step(args[0], loop, forward_range, sites):
            stack = args[0]
            assert isinstance(stack, Var)
            all_steps = named_after(v, "", "_all")
            stacked[all_steps] = stack_steps(all_steps, stack, shape, tuple(shape), stmt.loc)
            rows[v] = all_steps
            pops[v] = stmt
            continue
        if not any(isinstance(a, Var) and a in rows for a in args):
            continue
        if not all((isinstance(a, Var) and a in rows) or invariant(a) for a in args):
            continue
        if not _batches(fn, args, shape, rows, shapes):
            continue
        batched = named_after(v, "", "_all")
        computed.append(Call(batched, fn, [rows.get(a, a) if isinstance(a, Var) else a
                                           for a in args], loc=stmt.loc))
        rows[v] = batched
        replaced[id(stmt)] = Call(v, operator.getitem, [batched, loop.index], loc=stmt.loc)
    if not computed:
        return []
    loop.body.stmts = [replaced.get(id(s), s) for s in loop.body.stmts]
    used = {a for c in computed for a in c.args if isinstance(a, Var)}
    # a pop whose value only batched work read is left out (its stack is read whole)
    read = {op for op in all_uses(loop.body) if isinstance(op, Var)} | \
        {op for op in block_end_uses(loop, loop.body) if isinstance(op, Var)}
    unread = {id(pop) for value, pop in pops.items() if rows[value] in used and value not in read}
    loop.body.stmts = [s for s in loop.body.stmts if id(s) not in unread]
    return [c for array, made in stacked.items() if array in used for c in made] + computed


def _batches(fn: object, args: list, shape: tuple, rows: dict, shapes: Shapes) -> bool:
    """Whether `fn` of the stacked rows is the stack of `fn` of the rows."""
    try:
        elementwise = fn in _ELEMENTWISE or (
            isinstance(fn, np.ufunc) and fn.nin == len(args) and fn.nout == 1)
    except TypeError:  # an unhashable callee
        return False
    if elementwise:
        for a in args:
            a_shape = shapes.of(a)
            if a_shape is None:
                return False
            if isinstance(a, Var) and a in rows:
                if len(a_shape) != len(shape):
                    return False  # (a row broadcast within a step: the axes would shift)
            elif len(a_shape) > len(shape):
                return False
        return True
    if fn in _MATMUL and len(args) == 2:
        left, right = args
        right_shape = shapes.of(right)
        return isinstance(left, Var) and left in rows and not (
            isinstance(right, Var) and right in rows) and right_shape is not None and \
            len(right_shape) in (1, 2) and len(shapes.of(left) or ()) >= 1
    return False


def _stacked_per_step(stack: Operand, loop: ForRange, forward_range: Operand,
                      sites: _StackSites) -> bool:
    """Whether `stack` is pushed once per step, at the top level of the forward loop over
    `forward_range`, and popped only here, once per step of `loop` (its reverse)."""
    if not isinstance(stack, Var):
        return False
    pushes, pops = sites.pushes.get(stack, []), sites.pops.get(stack, [])
    if len(pushes) != 1 or len(pops) != 1 or pops[0] is not loop:
        return False
    forward = pushes[0]
    return isinstance(forward, ForRange) and forward.rng is forward_range and \
        forward.exit is None


def pops_in_step_order(fn: Function) -> dict[int, list[Call]]:
    """For each loop at the top level of `fn` that runs a forward loop's steps backwards
    (over `steps[::-1]`), the pops at the top level of its body whose stack holds
    exactly one value per step of that forward loop (keyed by the loop's id): codegen
    reads them as `for t, h in zip(steps[::-1], reversed(h_stack))`, one iteration step
    instead of a method call per value."""
    defs = {s.target: s for s in walk(fn.body) if isinstance(s, Call) and s.target}
    sites = _StackSites(fn)
    found: dict[int, list[Call]] = {}
    for loop in fn.body.stmts:
        if not isinstance(loop, ForRange) or loop.exit is not None:
            continue
        forward_range = reversed_source(loop.rng, defs)
        if forward_range is None:
            continue
        pops = []
        for s in loop.body.stmts:  # (those that start the body: nothing runs before them)
            if not (isinstance(s, Call) and s.fn is runtime.pop and s.target is not None and
                    _stacked_per_step(s.args[0], loop, forward_range, sites)):
                break
            pops.append(s)
        if pops:
            found[id(loop)] = pops
    return found
