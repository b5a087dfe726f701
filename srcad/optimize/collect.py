"""Sums over a loop's steps as one product after the loop.

A reverse loop accumulates a weight's gradient one step at a time:

    for t in steps[::-1]:
        ...
        bW = bW + h.T @ badd          # a small product and an addition per step

The sum over the steps of `h_t.T @ badd_t` is one product of the steps' rows stacked
(what a careful person writes, and what BLAS does best):

    for t in steps[::-1]:
        ...
        h_steps.append(h)
        badd_steps.append(badd)
    h_all, badd_all = np.stack(h_steps), np.stack(badd_steps)
    bW = np.tensordot(h_all, badd_all, ((0, 1), (0, 1)))

Likewise `bb = bb + ones_n @ badd` (a bias's gradient) is `badd_all.sum(axis=0)`, and
`bv = bv + g` for an array `g` is a sum over the steps, where `badd` or `g` is collected
for a product anyway (collecting keeps every step's value until the loop ends: for a
sum alone, one addition per step is the better trade). Only accumulators that start at
zero, that nothing else in the loop reads, and whose terms have shapes known for every
step (`shapes.py`) are collected; a value collected for several accumulators is stacked
once. Runs on specialized generated code only (nothing differentiates it
again).
"""

from __future__ import annotations

import operator
from collections import Counter

import numpy as np

from srcad import runtime
from srcad.errors import SourceLoc
from srcad.ir.nodes import (
    Block,
    Call,
    Carried,
    Const,
    ForRange,
    Function,
    Operand,
    Var,
    all_uses,
    block_end_uses,
    named_after,
    region_vars,
    sub_blocks,
    walk,
)
from srcad.optimize.loops import constant_range, reversed_source
from srcad.optimize.shapes import Shapes
from srcad.rules.registry import Attribute, Method
from srcad.runtime.steps import steps_array

_ADD = (operator.add, np.add)


def collect_step_sums(fn: Function, shapes: Shapes) -> bool:
    """Rewrite, in place, each zero-started sum over a loop's steps of products of
    per-step values into one product after the loop; True if any changed."""
    defs = {s.target: s for s in walk(fn.body) if isinstance(s, Call) and s.target}
    return _run(fn.body, shapes, defs)


def _run(block: Block, shapes: Shapes, defs: dict) -> bool:
    changed = False
    out: list = []
    for stmt in block.stmts:
        for sub in sub_blocks(stmt):
            changed |= _run(sub, shapes, defs)
        if isinstance(stmt, ForRange):
            before, after = _collect(stmt, shapes, defs)
            if after:
                out.extend(before)
                out.append(stmt)
                out.extend(after)
                changed = True
                continue
        out.append(stmt)
    block.stmts = out
    return changed


class _Sum:
    """One collected accumulator: `carried.out` is `kind` of the stacked `factors`."""

    def __init__(self, carried: Carried, kind: str, factors: tuple[Var, ...],
                 removed: list[Call]):
        self.carried, self.kind, self.factors, self.removed = carried, kind, factors, removed


def _collect(loop: ForRange, shapes: Shapes, defs: dict) -> tuple[list, list]:
    top = {s.target: s for s in loop.body.stmts if isinstance(s, Call) and s.target}
    # values that hold one step's value where the body's top level can push them
    inside = set(top) | set(region_vars(loop))
    uses = Counter(op for op in _uses_in(loop) if isinstance(op, Var))
    sums = [s for c in loop.carried
            if (s := _match(c, top, inside, uses, shapes)) is not None]
    # A plain sum of a step's array saves one addition per step but keeps every step's
    # array until the end: worth it only for a value a product collects anyway.
    paired = {f for s in sums if s.kind == "pair" for f in s.factors}
    sums = [s for s in sums if s.kind == "pair" or s.factors[0] in paired]
    if not sums:
        return [], []
    removed = {id(stmt) for s in sums for stmt in s.removed}
    collected: dict[Var, Var] = {}  # a per-step value -> its list of steps
    body: list = []
    # (the pops that start the body stay together: codegen reads them in the header)
    leading = 0
    while leading < len(loop.body.stmts) and _is_pop(loop.body.stmts[leading]):
        leading += 1
    deferred: list[Call] = []
    for i, stmt in enumerate(loop.body.stmts):
        if i == leading:
            body.extend(deferred)
        if id(stmt) in removed:
            continue
        body.append(stmt)
        if isinstance(stmt, Call) and stmt.target is not None:
            for s in sums:
                if stmt.target in s.factors and stmt.target not in collected:
                    collected[stmt.target] = named_after(stmt.target, "", "_steps")
                    push = Call(None, runtime.push, [collected[stmt.target], stmt.target],
                                loc=stmt.loc)
                    (deferred if i < leading else body).append(push)
    if leading == len(loop.body.stmts):
        body.extend(deferred)
    # a factor defined at the top of the body (a carried value, the index) is pushed first
    for s in sums:
        for factor in s.factors:
            if factor not in collected:
                collected[factor] = named_after(factor, "", "_steps")
                body.insert(0, Call(None, runtime.push, [collected[factor], factor],
                                    loc=loop.loc))
    loop.body.stmts = body
    loop.carried = [c for c in loop.carried if all(c is not s.carried for s in sums)]
    before = [Call(steps, runtime.new_stack, [], loc=loop.loc)
              for steps in collected.values()]
    nonempty = _runs_at_least_once(loop, defs)
    stacked: dict[tuple, Var] = {}
    after: list = []

    def all_steps(value: Var, form: str) -> Var:
        """The steps' values as one array: a matrix of their rows ("rows", for the
        products and row sums), or along a new first axis ("steps")."""
        shape = shapes.of(value)
        assert shape is not None
        tail = tuple(shape) if form == "steps" or len(shape) == 1 else tuple(shape[-1:])
        key = (value, tail)
        if key not in stacked:
            stacked[key] = target = named_after(value, "", "_all")
            steps = collected[value]
            if nonempty:
                after.extend(stack_steps(target, steps, shape, tail, loop.loc))
            else:
                after.append(Call(target, steps_array, [steps, Const(tail)], loc=loop.loc))
        return stacked[key]

    for s in sums:
        target = s.carried.out
        target.keep = True  # (named, not folded into the expression that reads it)
        if s.kind == "pair":
            a, g = (all_steps(f, "rows") for f in s.factors)
            a_t = named_after(a, "", "_T")
            after.append(Call(a_t, Attribute("T"), [a], loc=loop.loc))
            after.append(Call(target, operator.matmul, [a_t, g], loc=loop.loc))
        else:
            g = all_steps(s.factors[0], "rows" if s.kind == "rows" else "steps")
            after.append(Call(target, Method("sum"), [g], {"axis": Const(0)}, loc=loop.loc))
    return before, after


def stack_steps(target: Var, steps: Var, shape: tuple, tail: tuple,
                loc: SourceLoc | None) -> list[Call]:
    """`target = np.concatenate(steps).reshape(-1, *tail)`: the steps' values (at least
    one, each an array of `shape`) joined along their first axis, seen as an array of
    items of shape `tail` (`shape` itself: np.stack's result without its Python work
    per item; `shape[1:]`: no reshape)."""
    if tail == tuple(shape[1:]):
        return [Call(target, np.concatenate, [steps], loc=loc)]
    joined = named_after(target, "", "_rows")
    return [Call(joined, np.concatenate, [steps], loc=loc),
            Call(target, Method("reshape"), [joined, Const((-1,) + tail)], loc=loc)]


def _is_pop(stmt: object) -> bool:
    return isinstance(stmt, Call) and stmt.fn is runtime.pop


def _match(c: Carried, top: dict, inside: set, uses: Counter, shapes: Shapes) -> _Sum | None:
    init = c.init
    if not (isinstance(init, Const) and type(init.value) in (int, float) and init.value == 0):
        return None
    add = top.get(c.next) if isinstance(c.next, Var) else None
    if add is None or add.fn not in _ADD or add.kwargs or len(add.args) != 2 or \
            uses[c.var] != 1 or uses[c.next] != 1 or c.var not in add.args:
        return None
    term = add.args[1] if add.args[0] is c.var else add.args[0]
    if not isinstance(term, Var) or term not in inside:
        return None
    term_shape = shapes.of(term)
    if not term_shape:
        return None  # (numbers: an addition per step is as cheap as an append)
    product = top.get(term)
    if product is not None and not product.kwargs and uses[term] == 1:
        found = _product(product, top, inside, uses, shapes)
        if found is not None:
            kind, factors, removed = found
            return _Sum(c, kind, factors, [add, product] + removed)
    return _Sum(c, "steps", (term,), [add])


def _product(stmt: Call, top: dict, inside: set, uses: Counter,
             shapes: Shapes) -> tuple[str, tuple[Var, ...], list[Call]] | None:
    """`a.T @ g` or `np.outer(a, g)` ("pair"), or `ones @ g` ("rows"), of per-step
    values of known shapes."""
    args = stmt.args
    if len(args) != 2:
        return None
    left, g = args
    if not (isinstance(g, Var) and g in inside and shapes.of(g)):
        return None
    g_shape = shapes.of(g)
    assert g_shape is not None
    if stmt.fn is operator.matmul and isinstance(left, Const) and \
            isinstance(left.value, np.ndarray) and left.value.ndim == 1 and \
            len(g_shape) == 2 and bool(np.all(left.value == 1.0)):
        return "rows", (g,), []
    if stmt.fn is np.outer and isinstance(left, Var) and left in inside and \
            shapes.of(left) is not None and len(shapes.of(left) or ()) == 1 and \
            len(g_shape) == 1:
        return "pair", (left, g), []
    if stmt.fn is operator.matmul and isinstance(left, Var) and left in top:
        transpose = top[left]
        a = transpose.args[0] if transpose.args else None
        if transpose.fn == Attribute("T") and isinstance(a, Var) and a in inside and \
                len(shapes.of(a) or ()) == 2 and len(g_shape) == 2:
            removed = [transpose] if uses[left] == 1 else []
            return "pair", (a, g), removed
    return None


def _uses_in(loop: ForRange) -> list[Operand]:
    return list(all_uses(loop.body)) + list(block_end_uses(loop, loop.body))


def _runs_at_least_once(loop: ForRange, defs: dict) -> bool:
    """Whether the loop's range is a constant non-empty range (or its reverse)."""
    rng = constant_range(reversed_source(loop.rng, defs) or loop.rng, defs)
    return rng is not None and len(rng) > 0
