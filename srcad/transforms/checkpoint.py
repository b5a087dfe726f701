"""Checkpointed loops: trade recomputation for memory in the reverse sweep.

Without checkpointing, the forward sweep of a loop pushes every value its reverse
sweep reads, every iteration: memory grows with the trip count. With
`srcad.grad(f, checkpoint=...)` an active `for` loop over a `range` is split into
segments of `every` steps (two levels of loops, `segment_loops`, before the reverse
transform):

    for start in range(0, len(steps), every):       # the segment loop
        for i in steps[start:start + every]:        # the user's loop body
            ...

and the reverse transform (transforms/reverse.py, with the `Segments` helper here)
treats the segment loop's body as something it recomputes rather than saves:

- forward sweep: the segment loop pushes only its carried values at the start of
  each segment (the *snapshots*, n / every of them); the segment's body runs plain,
  with no pushes (a user subroutine is called as itself, not as its forward sweep);
- reverse sweep: segments from last to first: pop the segment's snapshot, run the
  segment's forward sweep again *with* the usual pushes (the *recompute*: `every`
  iterations' worth of saved values), then the usual reverse of the segment.

With `every` about sqrt(n), at most about 2 sqrt(n) iterations' values are held at
once, for one extra forward sweep.

A `while` loop is cut the same way into segments of a given number of steps (its
trip count is not known beforehand): a `while True` segment loop around a
`for _ in range(every)` loop that runs the condition and, while it holds, the body,
and stops where the `while` loop stops (`_split_while`). A loop that can stop early
(`break`) carries a flag that stops its segment loop after that segment.

Several segment lengths (`checkpoint=(1000, 30)`) nest the same rewrite: each segment
is cut into sub-segments, whose loop is itself a segment loop. The recompute of a
segment then saves only the sub-segments' snapshots, and each sub-segment is
recomputed, with the pushes, in its own reverse: L levels hold about
n / k1 + k1 / k2 + ... + k_L values, for L extra forward sweeps.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from srcad import runtime
from srcad.analysis.inference import derived_function, is_user_function
from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.ir.nodes import (
    COPY,
    Block,
    Call,
    Carried,
    Const,
    ForRange,
    Function,
    If,
    Operand,
    Phi,
    Var,
    While,
    all_uses,
    defined_vars,
    fn_label,
    named_after,
    region_vars,
    sub_blocks,
    substitute,
    walk,
)
from srcad.optimize.optimizer import is_pure
from srcad.runtime.checkpoint import segment_length
from srcad.transforms.inline import clone_block

# How the option reaches the compiler: the segment length, or AUTO (about sqrt(n)).
AUTO = "sqrt"
# Roles of the locations of checkpointing code (codegen comments "checkpoint of line
# 4" and "recompute of line 4").
CHECKPOINT_ROLE = "checkpoint"
RECOMPUTE_ROLE = "recompute"


def _with_role(loc: SourceLoc | None, role: str) -> SourceLoc | None:
    return replace(loc, role=role) if loc is not None else None


def _loop_is_active(stmt: ForRange | While, active: set) -> bool:
    """Whether the reverse sweep has anything to do in the loop (then it saves values)."""
    if any(c.var in active or c.out in active for c in stmt.carried):
        return True
    return any(v in active for s in walk(stmt.body)
               for v in defined_vars(s) + region_vars(s))


def check_replayable(block: Block, callee_ir: Callable[[Any], Function | None],
                     extra_uses: list, seen: set | None = None) -> None:
    """Refuse a loop body that may compute other values when it runs again (random
    numbers, the time): a recompute from the snapshot must give the values the forward
    sweep computed, or the gradient would silently mix two runs. Calls kept only for
    their effect (`print`, checks) are left out of the recomputes instead; a user
    helper is checked through its own IR (`callee_ir`). `extra_uses`: what reads the
    block's values besides the block itself (the loop's next values)."""
    seen = set() if seen is None else seen
    used = set(all_uses(block)) | set(extra_uses)
    for stmt in walk(block):
        if not isinstance(stmt, Call) or stmt.target not in used:
            continue  # (kept for its effect)
        fn = stmt.fn
        if is_user_function(fn):
            base = fn.__srcad_spec__.base if derived_function(fn) else fn
            ir = callee_ir(base) if id(base) not in seen else None
            seen.add(id(base))
            if ir is not None:
                check_replayable(ir.body, callee_ir, [], seen)
            continue
        if is_pure(fn):
            continue
        raise UnsupportedSyntaxError(
            f"checkpointing runs this loop's body again in the reverse sweep, and "
            f"'{fn_label(fn)}' may give a different value the second time (random numbers, "
            f"the time, a call with side effects)", stmt.loc,
            "compute those values before the loop (say, an array of random draws "
            "indexed by the loop) and pass them in, or drop checkpoint=")


def segment_loops(fn: Function, every: int | str | tuple, active: set,
                  callee_ir: Callable[[Any], Function | None] = lambda f: None,
                  ) -> tuple[Function, frozenset]:
    """`fn` with each outermost active `for` loop split into segments of `every` steps
    (an int, or `AUTO`; a tuple of ints: segments of segments), and the ids of the
    segment loops made.

    The loops nested in a segmented loop are recomputed with it; a loop that can stop
    early (`break`, or `return` inside it) stops its segment loop too. A `while` loop
    (when active) and a loop whose body may not compute the same values twice
    (`check_replayable`; the user helpers it calls are read with `callee_ir`) are
    refused. `fn` itself is not changed (the blocks that do not change are shared).
    """
    segments: list[ForRange | While] = []

    def block(b: Block) -> Block | None:
        out: list = []
        changed = False
        for stmt in b.stmts:
            if isinstance(stmt, ForRange) and _loop_is_active(stmt, active):
                check_replayable(stmt.body, callee_ir, [c.next for c in stmt.carried])
                out.extend(_split_levels(stmt, every, segments))
                changed = True
                continue
            if isinstance(stmt, While) and _loop_is_active(stmt, active):
                if every == AUTO:
                    raise UnsupportedSyntaxError(
                        "checkpoint=True cuts a loop of n steps into segments of about "
                        "sqrt(n) steps, and a 'while' loop's n is not known when it "
                        "starts", stmt.loc,
                        "give the steps per segment (checkpoint=100) or segments of "
                        "segments (checkpoint=(1000, 30)), or drop checkpoint=")
                check_replayable(Block(stmt.cond_block.stmts + stmt.body.stmts), callee_ir,
                                 [c.next for c in stmt.carried] + [stmt.cond])
                out.extend(_split_while(stmt, every, segments))
                changed = True
                continue
            if isinstance(stmt, If):
                then, orelse = block(stmt.then), block(stmt.orelse)
                if then is not None or orelse is not None:
                    stmt = If(stmt.cond, then or stmt.then, orelse or stmt.orelse,
                              stmt.outputs, stmt.loc)
                    changed = True
            out.append(stmt)
        return Block(out) if changed else None

    body = block(fn.body)
    if body is None:
        return fn, frozenset()
    return replace(fn, body=body), frozenset(id(s) for s in segments)


def _split_levels(stmt: ForRange, every: int | str | tuple, segments: list,
                  level: int = 1) -> list:
    """`_split` once, or, for a tuple of lengths, again for each segment's loop."""
    if not isinstance(every, tuple):
        return _split(stmt, every, segments, level)
    out = _split(stmt, every[0], segments, level)
    if len(every) > 1:
        body = out[-1].body
        inner = body.stmts.pop()
        body.stmts.extend(_split_levels(inner, every[1:], segments, level + 1))
    return out


def _split_while(stmt: While, every: int | str | tuple, segments: list) -> list:
    """`while cond: body` as segments of `every` steps (an int or a tuple: the trip
    count is not known beforehand, so not AUTO):

        while True:                         # the segment loop (its snapshots)
            for _ in range(every):          # a segment: stops where the loop does
                cond_block
                if cond: body               # (else: the loop is over)
            if stopped: break
    """
    loc = _with_role(stmt.loc, CHECKPOINT_ROLE)
    first = every[0] if isinstance(every, tuple) else every
    part = Var("part")
    out: list = [Call(part, range, [Const(int(first))], {}, loc)]
    inner_carried, outer_carried, nexts = [], [], []
    for c in stmt.carried:
        snapshot = named_after(c.var, COPY)
        after = named_after(c.out, COPY)
        step = named_after(c.var, COPY)  # its value after this step, or as it was
        nexts.append(Phi(step, c.next if c.next is not None else c.var, c.var))
        inner_carried.append(Carried(c.var, snapshot, step, after))
        outer_carried.append(Carried(snapshot, c.init, after, c.out))
    stop = Var("stop")
    nexts.append(Phi(stop, stmt.exit if stmt.exit is not None else Const(False), Const(True)))
    guarded = If(stmt.cond, stmt.body, Block(), nexts, stmt.loc)
    stopped = Var("stopped")
    inner_carried.append(Carried(Var("stopped"), Const(False), stop, stopped))
    inner = ForRange(Var("_"), part, inner_carried,
                     Block(list(stmt.cond_block.stmts) + [guarded]), stop, stmt.loc)
    if isinstance(every, tuple) and len(every) > 1:
        body = Block(_split_levels(inner, every[1:], segments, 2))
    else:
        body = Block([inner])
    outer = While(outer_carried, Block(), Const(True), body, stopped, loc)
    segments.append(outer)
    out.append(outer)
    return out


def _split(stmt: ForRange, every: int | str, segments: list, level: int = 1) -> list:
    """`for i in steps: body` as a segment loop around the same loop over a segment."""
    loc = _with_role(stmt.loc, CHECKPOINT_ROLE)
    steps = stmt.rng
    out: list = []
    length: Operand
    if every == AUTO:
        length = Var("every")
        out.append(Call(length, segment_length, [steps], {}, loc))
    else:
        length = Const(int(every))
    count = Var("count")
    starts = Var("starts")
    out.append(Call(count, len, [steps], {}, loc))
    out.append(Call(starts, range, [Const(0), count, length], {}, loc))
    start = Var("start" if level == 1 else f"start{level}")  # (segments of segments)
    end = Var("end")
    part = Var("part")
    segment = named_after(steps, COPY, "_part") if isinstance(steps, Var) else Var("part")
    inner_carried, outer_carried = [], []
    for c in stmt.carried:
        snapshot = named_after(c.var, COPY)  # (generated code: the same name)
        after = named_after(c.out, COPY)
        inner_carried.append(Carried(c.var, snapshot, c.next, after))
        outer_carried.append(Carried(snapshot, c.init, after, c.out))
    stopped: Var | None = None
    if stmt.exit is not None:
        # a loop that can stop early (`break`): the segment loop stops after the
        # segment whose loop stopped (the reverse sweep counts the segments run, and
        # each segment's recompute counts its steps, as for any such loop)
        stopped = Var("stopped")
        inner_carried.append(Carried(Var("stopped"), Const(False), stmt.exit, stopped))
    inner = ForRange(stmt.index, segment, inner_carried, stmt.body, stmt.exit, stmt.loc)
    body = Block([Call(end, operator.add, [start, length], {}, loc),
                  Call(part, runtime.make_slice, [start, end, Const(None)], {}, loc),
                  Call(segment, operator.getitem, [steps, part], {}, loc),
                  inner])
    outer = ForRange(start, starts, outer_carried, body, stopped, loc)
    segments.append(outer)
    out.append(outer)
    return out


class Segments:
    """What the reverse transform needs to know and do for its segment loops.

    `transform` is the `ReverseTransform` (its `primal`, `def_block`, `placeholders`,
    `needs_push`, `stack_vars`, `reverse_region` and `forward_block`).
    """

    def __init__(self, transform: Any, ids: frozenset, fn: Function):
        self.t = transform
        self.loops = {id(s): s for s in walk(fn.body) if id(s) in ids}
        self.reads: dict[int, dict[Var, Operand]] = {}  # segment loop -> its free reads
        self.bodies: dict[int, ForRange | While] = {}  # id(segment body) -> segment loop
        for loop in self.loops.values():
            self.bodies[id(loop.body)] = loop

    def is_segment(self, stmt: Any) -> bool:
        return id(stmt) in self.loops

    def enter(self, stmt: ForRange | While) -> None:
        """In the reverse of a segment (its index already reversed): how the recompute
        will read each value its body reads from outside it."""
        inside: set[Var] = set()
        for s in walk(stmt.body):
            inside.update(defined_vars(s))
            inside.update(region_vars(s))
        reads: dict[Var, Operand] = {}
        for op in all_uses(stmt.body):
            if isinstance(op, Var) and op not in inside and op not in reads:
                reads[op] = self.t.primal(op)
        self.reads[id(stmt)] = reads

    def used(self) -> set[Var]:
        """The values the recomputes read (so they are saved or popped for them)."""
        return {op for reads in self.reads.values() for op in reads.values()
                if isinstance(op, Var)}

    def recomputed(self, v: Var) -> bool:
        """Whether the recompute itself defines the reverse sweep's copy of `v` (a value
        defined at the top of a segment's body: never saved)."""
        block = self.t.def_block.get(v)
        loop = self.bodies.get(id(block)) if block is not None else None
        return loop is not None and v not in region_vars(loop)

    def name_snapshots(self, stacks: dict) -> None:
        """A segment loop's saved carried values are its snapshots: `q_snapshots`."""
        for loop in self.loops.values():
            for c in loop.carried:
                if c.var in stacks:
                    stacks[c.var] = named_after(c.var, COPY, "_snapshots")

    def recompute_stacks(self) -> list[Var]:
        """The stacks only recomputes push to (the forward sweep does not make them)."""
        return [st for v, st in self.t.stack_vars.items() if self._owner(v) is not None]

    def _owner(self, v: Var) -> ForRange | While | None:
        """The innermost segment loop whose recompute pushes `v` (a value its body
        defines, by the user's code or the transform: a trip counter, a subroutine's
        residuals), or None where the forward sweep does (a snapshot of an outermost
        segment loop; the snapshots of a segment loop inside a segment are pushed by
        the enclosing segment's recompute)."""
        block = self.t.def_block.get(v)
        while block is not None:
            loop = self.bodies.get(id(block))
            if loop is not None and v not in region_vars(loop):
                return loop
            parent = self.t.parent.get(id(block))
            block = parent[1] if parent is not None else None
        return None

    def insert_recomputes(self) -> None:
        """Put each segment's recompute at the start of its reverse (the pops of its
        snapshot go before it), and the stacks it pushes to before it: new for each
        segment, so a segment's reverse never sees another's values, and they are
        dropped once it is done."""
        owned: dict[int, list[Var]] = {}
        for v, stack in self.t.stack_vars.items():
            owner = self._owner(v)
            if owner is not None:
                owned.setdefault(id(owner), []).append(stack)
        for key, loop in self.loops.items():
            region = self.t.reverse_region.get(id(loop.body))
            if region is None or key not in self.reads:
                continue  # (the reverse sweep had nothing to do in this loop)
            stacks = [Call(st, runtime.new_stack, []) for st in owned.get(key, [])]
            region.stmts[:0] = stacks + self.recompute(loop).stmts

    def recompute(self, loop: ForRange | While) -> Block:
        """The segment's body once more, with the pushes its reverse pops."""
        forward = _without_effects(self.t.forward_block(loop.body))
        reads = self.reads[id(loop)]
        mapping: dict[Var, Operand] = dict(reads)
        block = clone_block(forward, mapping)
        placeholders = self.t.placeholders
        renames: dict[Var, Var] = {}
        for v, new in mapping.items():
            # a value defined at the top of this segment's body: the reverse sweep's
            # copy of it is this definition
            if v not in reads and isinstance(new, Var) and v in placeholders and \
                    self.t.def_block.get(v) is loop.body and v not in region_vars(loop):
                renames[new] = placeholders[v]
        for s in block.stmts:
            if isinstance(s, Call):
                if s.target is not None:
                    s.target = renames.get(s.target, s.target)
                s.loc = _with_role(s.loc, RECOMPUTE_ROLE)
            elif isinstance(s, If):
                for p in s.outputs:
                    p.target = renames.get(p.target, p.target)
                s.loc = _with_role(s.loc, RECOMPUTE_ROLE)
            elif isinstance(s, (ForRange, While)):
                for c in s.carried:
                    c.out = renames.get(c.out, c.out)
                s.loc = _with_role(s.loc, RECOMPUTE_ROLE)
        substitute(block, renames)
        return block


def _without_effects(block: Block, used: set | None = None) -> Block:
    """`block` without the calls kept only for their effect (`print`, checks): the
    forward sweep made them once (the pushes stay)."""
    used = set(all_uses(block)) if used is None else used
    kept = []
    for stmt in block.stmts:
        if isinstance(stmt, Call) and stmt.fn is not runtime.push and \
                (stmt.target is None or stmt.target not in used) and not is_pure(stmt.fn):
            continue
        for sub in sub_blocks(stmt):
            sub.stmts = _without_effects(sub, used).stmts
        kept.append(stmt)
    return Block(kept)
