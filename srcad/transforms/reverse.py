"""Reverse mode: from a primal IR function to IR that computes its adjoint.

The result has two parts. The *forward sweep* is the primal code, plus a push
onto a stack for every value that a loop overwrites and the reverse sweep reads,
plus trip counters for loops that can stop early. The *reverse sweep* walks the
statements backwards, splicing in each primitive's adjoint template; adjoints are
named variables (`bx` for `x`) accumulated through the SSA builder, so a value
used twice gets both contributions. Only active values (that depend on a
differentiated input and reach the output) get adjoints.

`joint` packs both sweeps into one function (used by `grad`); `split` returns a
forward function that also returns the saved values, and a backward function
that takes them (used by `vjp` and by calls to user subroutines).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, replace
from typing import TypeGuard

import numpy as np

from srcad import runtime
from srcad.analysis.inference import (
    STRUCTURAL,
    Kinds,
    bind_template_args,
    check_calls,
    is_user_function,
)
from srcad.errors import RuleError, SourceLoc, UnsupportedSyntaxError
from srcad.ir.builder import (
    Builder,
    is_operand,
    name_template_values,
    rename_after,
    same_operand,
)
from srcad.ir.kinds import NUMERIC, SCALAR, TupleKind, as_real, is_array, is_complex
from srcad.ir.nodes import (
    ADJOINT,
    COPY,
    Block,
    Call,
    Carried,
    Const,
    ForRange,
    Function,
    If,
    Operand,
    Origin,
    Phi,
    Return,
    Var,
    While,
    all_uses,
    defined_vars,
    fn_label,
    named_after,
    region_vars,
    sub_blocks,
    walk,
)
from srcad.lower.hooks import HookBody
from srcad.lower.lowering import lower_hook, lower_template
from srcad.optimize.optimizer import GeneratedRef, eliminate_dead_code, simplify
from srcad.rules import registry
from srcad.rules.complex_values import complex_rule
from srcad.transforms.checkpoint import Segments

ZERO = Const(0.0)
_ADJOINT_KEY = "adjoint"  # the builder names (_ADJOINT_KEY, v[, item]) hold adjoints
_STACK_OPS = (runtime.new_stack, runtime.push, runtime.pop, runtime.copy_stack)


def _adjoint_loc(loc: SourceLoc | None) -> SourceLoc | None:
    return replace(loc, role="adjoint") if loc is not None else None


def _adjoint_prefix(fn: Function) -> str:
    """How a sweep over `fn` names adjoints: `bx`; where `fn` already holds adjoints (a
    gradient differentiated again) `b2x`, then `b3x`: one meaning per name."""
    prefixes = {v.origin.prefix for stmt in walk(fn.body)
                for v in defined_vars(stmt) + region_vars(stmt) if v.origin is not None}
    order = 1
    while _nth_adjoint(order) in prefixes:
        order += 1
    return _nth_adjoint(order)


def _nth_adjoint(order: int) -> str:
    return ADJOINT if order == 1 else f"{ADJOINT}{order}"


@dataclass
class Subroutine:
    """How a call to a user function is differentiated: its generated pair."""

    fwd: GeneratedRef
    bwd: GeneratedRef
    wrt_positions: list
    result_kind: object


@dataclass
class ReverseResult:
    forward: Block  # stack creation + forward sweep
    reverse: Block  # reverse sweep (reads primal values, popped values, the seed)
    value: Operand  # the primal result
    gradients: list  # one operand per differentiated parameter
    adjoint: str  # the prefix of adjoint names (see _adjoint_prefix)
    stacks: list = field(default_factory=list)  # stack Vars created in `forward`
    seed: Var | None = None


class ReverseTransform:
    """Builds the forward and reverse sweeps of one function.

    Parameters
    ----------
    fn : Function
        The primal IR.
    wrt : list of int
        Positions of the parameters to differentiate.
    kinds : Kinds
        The kind of every value of `fn` (scalar, array, ...).
    varied, useful : set
        The values that depend on a differentiated parameter, and those that reach
        the result (`analysis.inference.activity`).
    subroutines : callable
        `subroutines(fn, call, arg_kinds, active_positions)` returns a `Subroutine`
        for a call to a user function (transforming it if needed).
    segments : frozenset of int, optional
        The ids of the segment loops of checkpointed loops (`transforms/checkpoint.py`):
        their bodies run plain in the forward sweep and are recomputed, with the
        pushes, at the start of each segment's reverse.
    """

    def __init__(self, fn: Function, wrt: list[int], kinds: Kinds, varied: set, useful: set,
                 subroutines, segments: frozenset = frozenset()):
        self.fn = fn
        self.wrt = [fn.params[i] for i in wrt]
        self.kinds = kinds
        self.active = varied & useful
        self.useful = useful
        self.varied = varied
        self.subroutines = subroutines
        self.adjoint = _adjoint_prefix(fn)
        self.rb = Builder(ZERO, self._hint, self._key_origin)
        # where each primal value is defined, and whether that block is inside a loop
        self.def_block: dict = {}
        self.loop_blocks: set = set()
        self.parent: dict = {}  # id(block) -> (statement owning it, block holding that)
        self.exports: dict = {}  # value defined in a branch -> its value after the If
        self.if_exports: dict = {}  # id(If) -> extra Phi outputs for the forward sweep
        self._index_blocks(fn.body, in_loop=False)
        self.placeholders: dict = {}  # primal var -> placeholder read in the reverse sweep
        self.reversed_index: dict = {}
        self.trip_counters: dict = {}  # loop stmt -> (var, next, out)
        self.sub_calls: dict = {}  # Call stmt -> (Subroutine, pair var, residual var)
        self.reverse_region: dict = {}  # id(primal block) -> reverse block
        self.adjoint_stacks: dict = {}  # a stack of saved values -> the stack of their adjoints
        self.needs_push: set = set()
        self.stack_vars: dict = {}
        # checkpointed loops: segment bodies run without pushes in the forward sweep
        self.segments = Segments(self, segments, fn) if segments else None
        self._plain = False  # emitting a segment's body for the forward sweep
        self._check_calls(fn.body)
        self.list_mode = self._find_list_mode()

    def _find_list_mode(self) -> set:
        """Tuples and lists indexed with a computed index (say, by a loop over them):
        their adjoint is kept as one list instead of one variable per item."""
        found = set()
        for stmt in walk(self.fn.body):
            if isinstance(stmt, Call) and stmt.fn is operator.getitem and \
                    isinstance(self.kind(stmt.args[0]), TupleKind):
                index = stmt.args[1]
                if not (isinstance(index, Const) and isinstance(index.value, int)):
                    found.add(stmt.args[0])
        return found

    # ------------------------------------------------------------------ bookkeeping
    def adjoint_of(self, op: Operand, suffix: str = "") -> Origin | None:
        """A value holding (part of) the adjoint of `op` is named after it: `bx` for `x`."""
        return Origin(self.adjoint, op, suffix) if isinstance(op, Var) else None

    def _key_origin(self, key) -> Origin | None:
        """The adjoint of `v` (of its item `i`) is named after it: `bv` (`bv_i`)."""
        if isinstance(key, tuple) and key and key[0] == _ADJOINT_KEY:
            return self.adjoint_of(key[1], f"_{key[2]}" if len(key) > 2 else "")
        return None

    def _hint(self, key) -> str:
        origin = self._key_origin(key)
        return origin.hint if origin is not None else str(key)

    def _index_blocks(self, block: Block, in_loop: bool) -> None:
        if in_loop:
            self.loop_blocks.add(id(block))
        for stmt in block.stmts:
            for sub in sub_blocks(stmt):
                self.parent[id(sub)] = (stmt, block)
            for v in defined_vars(stmt):
                self.def_block[v] = block
            if isinstance(stmt, (ForRange, While)):
                for v in region_vars(stmt):
                    self.def_block[v] = stmt.body
                if isinstance(stmt, While):
                    self._index_blocks(stmt.cond_block, True)
                self._index_blocks(stmt.body, True)
            else:
                for sub in sub_blocks(stmt):
                    self._index_blocks(sub, in_loop)

    def _check_calls(self, block: Block) -> None:
        """Refuse calls that receive a differentiated value and have no derivative."""
        check_calls(block, self.varied, "adjoint", self.useful)

    def is_active(self, op: Operand | None) -> TypeGuard[Var]:
        return isinstance(op, Var) and op in self.active

    def kind(self, op: Operand):
        return self.kinds.of(op)

    def primal(self, op: Operand) -> Operand:
        """The operand that holds a primal value in the reverse sweep."""
        if not isinstance(op, Var):
            return op
        if op in self.reversed_index:
            return self.reversed_index[op]
        block = self.def_block.get(op)
        if block is not None and id(block) in self.loop_blocks:
            ph = self.placeholders.get(op)
            if ph is None:
                ph = self.placeholders[op] = named_after(op, COPY)
            return ph
        if block is not None and id(block) in self.parent:
            return self._export(op, block)
        return op

    def _export(self, v: Var, block: Block) -> Var:
        """`v` is defined in a branch (outside loops): the forward sweep passes it out
        of each enclosing If (None on the other path) so the reverse sweep can read it."""
        if v in self.exports:
            return self.exports[v]
        stmt, outer = self.parent[id(block)]
        out = named_after(v, COPY)
        if block is stmt.then:
            phi = Phi(out, v, Const(None))
        else:
            phi = Phi(out, Const(None), v)
        self.if_exports.setdefault(id(stmt), []).append(phi)
        self.def_block[out] = outer
        result = self._export(out, outer) if id(outer) in self.parent else out
        self.exports[v] = result
        return result

    # ------------------------------------------------------------------ adjoints
    def adj_key(self, v: Var, item: int | None = None):
        return (_ADJOINT_KEY, v) if item is None else (_ADJOINT_KEY, v, item)

    def read_adjoint(self, v: Var) -> Operand | None:
        kind = self.kind(v)
        if isinstance(kind, TupleKind) and v not in self.list_mode:
            items = [self.rb.read_operand(self.adj_key(v, i)) for i in range(len(kind.items))]
            if all(i is None for i in items):
                return None
            return self.rb.call(runtime.make_tuple, [i if i is not None else ZERO for i in items],
                                origin=self.adjoint_of(v))
        value = self.rb.read_operand(self.adj_key(v))
        if value is None or same_operand(value, ZERO):
            return None
        return value

    def consume(self, v: Var) -> None:
        kind = self.kind(v)
        if isinstance(kind, TupleKind) and v not in self.list_mode:
            for i in range(len(kind.items)):
                self.rb.forget(self.adj_key(v, i))
        self.rb.forget(self.adj_key(v))

    def accumulate(self, target: Operand, contrib: Operand, loc=None) -> None:
        if not self.is_active(target):
            return
        kind = self.kind(target)
        if target in self.list_mode:
            key = self.adj_key(target)
            current = self.rb.read_operand(key)
            if current is None or same_operand(current, ZERO):
                self.rb.write(key, contrib)
            else:
                self.rb.write(key, self.rb.call(runtime.add_items, [current, contrib], loc=loc,
                                                origin=self.adjoint_of(target)))
            return
        if isinstance(kind, TupleKind):
            for i in range(len(kind.items)):
                item = self.rb.call(operator.getitem, [contrib, Const(i)], loc=loc,
                                    origin=self.adjoint_of(target, f"_{i}"))
                self.accumulate_item(target, i, item, loc)
            return
        self._add(self.adj_key(target), contrib, loc)

    def accumulate_item(self, target: Operand, i, contrib: Operand, loc=None) -> None:
        """Add to the adjoint of item `i` (an int, or an operand in list mode)."""
        if not self.is_active(target):
            return
        if target in self.list_mode:
            key = self.adj_key(target)
            current = self.rb.read_operand(key) or ZERO
            index = i if isinstance(i, (Var, Const)) else Const(i)
            length = Const(len(self.kind(target).items))
            self.rb.write(key, self.rb.call(runtime.add_at, [current, index, contrib, length],
                                            loc=loc, origin=self.adjoint_of(target)))
            return
        self._add(self.adj_key(target, i), contrib, loc)

    def _add(self, key, contrib: Operand, loc) -> None:
        current = self.rb.read_operand(key)
        if current is None or same_operand(current, ZERO):
            self.rb.write(key, contrib)
        else:
            # A value srcad cannot see to be a number or an array may be a list (say,
            # from np.split): its adjoints add item by item, never concatenate.
            kind = as_real(self.kind(key[1])) if len(key) == 2 else NUMERIC
            add = operator.add if kind in (SCALAR, NUMERIC) or is_array(kind) \
                else runtime.add_adjoints
            total = self.rb.call(add, [current, contrib], loc=loc, origin=self._key_origin(key))
            total.keep = True
            self.rb.write(key, total)

    # ------------------------------------------------------------------ the sweeps
    def run_hook(self, stmt: Call, dz: Operand, loc) -> None:
        """`with srcad.insert_grad_of(x) as dx:` -- the body turns the adjoint into a new one."""
        hook = stmt.args[1].value if isinstance(stmt.args[1], Const) else None
        if isinstance(hook, HookBody):
            captured = [self.primal(a) for a in stmt.args[2:]]
            dz = lower_hook(hook, self.rb, dz, captured)
        self.accumulate(stmt.args[0], dz, loc)

    def run(self, seed: Operand) -> ReverseResult:
        body = self.fn.body.stmts
        ret = body[-1]
        assert isinstance(ret, Return)
        if self.is_active(ret.value):
            kind = self.kind(ret.value)
            if isinstance(kind, TupleKind):
                for i in range(len(kind.items)):
                    item = self.rb.call(operator.getitem, [seed, Const(i)], name="bresult",
                                        origin=Origin(COPY, seed, f"_{i}")
                                        if isinstance(seed, Var) else None)
                    self.accumulate_item(ret.value, i, item)
            else:
                self.accumulate(ret.value, seed)
        self.reverse_block(Block(body[:-1]))
        gradients = []
        for p in self.wrt:
            g = self.read_adjoint(p) if p in self.active else None
            gradients.append(g if g is not None else ZERO)
        self.rb.block.stmts[:0] = [Call(ds, runtime.new_stack, [])
                                   for ds in self.adjoint_stacks.values()]
        reverse, gradients = self._clean(self.rb.block, gradients)
        self._insert_pops()
        forward = self.forward_block(self.fn.body, top=True)
        stacks = list(self.stack_vars.values())
        if self.segments is not None:
            # the stacks only recomputes push to: each segment's reverse makes its own
            own = self.segments.recompute_stacks()
            stacks = [st for st in stacks if st not in own]
        forward.stmts[:0] = [Call(st, runtime.new_stack, []) for st in stacks]
        return ReverseResult(forward, reverse, ret.value, gradients, self.adjoint, stacks)

    @staticmethod
    def _clean(reverse: Block, gradients: list) -> tuple[Block, list]:
        """Simplify the reverse sweep and drop the template parts nobody reads."""
        holder = Var("gradients")
        body = Block(reverse.stmts + [Call(holder, runtime.make_tuple, list(gradients)),
                                      Return(holder)])
        probe = Function("reverse", [], body)
        simplify(probe)
        eliminate_dead_code(probe)
        body.stmts.pop()
        pack = body.stmts.pop()
        return body, list(pack.args)

    # -- reverse sweep
    def reverse_block(self, block: Block) -> None:
        # Values this block defines inside a loop are popped at the start of its reverse.
        self.reverse_region.setdefault(id(block), self.rb.block)
        for stmt in reversed(block.stmts):
            if isinstance(stmt, Call):
                self.reverse_call(stmt)
            elif isinstance(stmt, If):
                self.reverse_if(stmt)
            elif isinstance(stmt, ForRange):
                self.reverse_for(stmt)
            elif isinstance(stmt, While):
                self.reverse_while(stmt)

    def reverse_stack_op(self, stmt: Call) -> None:
        """Differentiating generated code: a value pushed on a stack and popped later gets
        the popped value's adjoint, carried back on a stack of adjoints."""
        fn = stmt.fn
        loc = _adjoint_loc(stmt.loc)
        if fn is runtime.pop:
            stack = stmt.args[0]
            if self.is_active(stmt.target):
                assert isinstance(stack, Var), f"popping from the constant {stack!r}"
                d = self.read_adjoint(stmt.target)
                self.consume(stmt.target)
                self.rb.effect(runtime.push, [self.adjoint_stack(stack),
                                              d if d is not None else ZERO], loc=loc)
        elif fn is runtime.push:
            stack, value = stmt.args
            if self.is_active(stack) and self.is_active(value):
                d = self.rb.call(runtime.pop, [self.adjoint_stack(stack)], loc=loc,
                                 origin=self.adjoint_of(value))
                self.accumulate(value, d, loc)
        elif fn is runtime.copy_stack and self.is_active(stmt.target):
            raise UnsupportedSyntaxError("cannot differentiate through a saved stack copy",
                                         stmt.loc, "differentiate the joint gradient instead")

    def adjoint_stack(self, stack: Var) -> Var:
        if stack not in self.adjoint_stacks:
            self.adjoint_stacks[stack] = named_after(stack, self.adjoint)
        return self.adjoint_stacks[stack]

    def reverse_call(self, stmt: Call) -> None:
        if stmt.fn in _STACK_OPS:
            self.reverse_stack_op(stmt)
            return
        z = stmt.target
        if z is None or z not in self.active:
            return
        loc = _adjoint_loc(stmt.loc)
        if stmt.fn in STRUCTURAL:
            whole = self.read_adjoint(z) if z in self.list_mode else None
            for i, a in enumerate(stmt.args):
                d: Operand | None
                if z in self.list_mode:
                    if whole is None or not self.is_active(a):
                        continue
                    d = self.rb.call(operator.getitem, [whole, Const(i)], loc=loc,
                                     name="bitem", origin=self.adjoint_of(a))
                else:
                    d = self.rb.read_operand(self.adj_key(z, i))
                if d is not None and not same_operand(d, ZERO):
                    self.accumulate(a, d, loc)
            self.consume(z)
            return
        dz = self.read_adjoint(z)
        self.consume(z)
        if dz is None:
            return
        if stmt.fn is runtime.grad_hook:
            self.run_hook(stmt, dz, loc)
            return
        if stmt.fn is operator.getitem and isinstance(self.kind(stmt.args[0]), TupleKind):
            index = stmt.args[1]
            container = stmt.args[0]
            if isinstance(index, Const) and isinstance(index.value, int):
                self.accumulate_item(container, index.value % len(self.kind(container).items),
                                     dz, loc)
            elif self.kind(index) == SCALAR:
                self.accumulate_item(container, self.primal(index), dz, loc)
            elif isinstance(index, Const) and isinstance(index.value, slice):
                count = len(self.kind(container).items)
                for j, position in enumerate(range(*index.value.indices(count))):
                    item = self.rb.call(operator.getitem, [dz, Const(j)], loc=loc,
                                        origin=self.adjoint_of(container, f"_{position}"))
                    self.accumulate_item(container, position, item, loc)
            else:
                raise UnsupportedSyntaxError(
                    "indexing a tuple or list of differentiated values with a slice or an "
                    "array is not supported", stmt.loc, "use a NumPy array instead")
            return
        if is_user_function(stmt.fn):
            self.reverse_subroutine(stmt, dz, loc)
            return
        rule = registry.lookup(stmt.fn)
        assert rule is not None, f"check_calls lets '{fn_label(stmt.fn)}' through without a rule"
        complex_values = self.sees_complex(stmt)
        template = complex_rule(rule, complex_values, "adjoint", stmt)
        bound = bind_template_args(template, stmt)
        label = fn_label(stmt.fn)
        # A holomorphic rule's real template, conjugated around: dz = conj(T(conj(dw))).
        conjugate = complex_values and rule.complex == "holomorphic" and \
            template is rule.adjoint
        if conjugate:
            dz = self.conjugate(dz, loc, z)
            if isinstance(dz, Var):  # (a constant needs no name kept)
                dz.keep = True
        if bound is None:
            raise UnsupportedSyntaxError(
                f"this call to '{label}' does not match the parameters of its derivative "
                f"rule ({', '.join(template.params)})", stmt.loc,
                "pass only the arguments the rule lists")
        bindings: dict[str, Operand] = {}
        for name, value in bound.items():
            if isinstance(value, tuple):
                bindings[name] = self.rb.call(runtime.make_tuple,
                                              [self.primal(v) for v in value], loc=loc,
                                              name=name)
            else:
                bindings[name] = self.primal(value)
        bindings[template.output] = self.primal(z)
        if self.kind(z) != SCALAR and not isinstance(self.kind(z), TupleKind) and \
                not (isinstance(dz, Var) and dz in self.rb.call_targets):
            # A merged adjoint may be the scalar 0.0 on the path taken (nothing used the
            # value there): give it the value's shape, which rules may rely on.
            dz = self.rb.call(runtime.broadcast_like, [dz, self.primal(z)], loc=loc,
                              origin=self.adjoint_of(z))
        bindings["d" + template.output] = dz
        mark = Var("mark").id
        first = len(self.rb.block.stmts)
        env = lower_template(template, self.rb, bindings, loc)
        name_template_values(self.rb.block.stmts[first:], mark,
                             {**bound, template.output: z}, self.adjoint)
        for name, value in bound.items():
            if isinstance(value, tuple):
                # *args: the rule assigns a tuple with one adjoint per argument
                if not any(self.is_active(v) for v in value):
                    continue
                contribs = env.get("d" + name)
                if not is_operand(contribs):
                    raise RuleError(f"the adjoint rule of '{label}' gives no derivative for "
                                    f"its arguments '*{name}'", stmt.loc,
                                    f"the rule must assign 'd{name}' (a tuple)")
                for i, item in enumerate(value):
                    if self.is_active(item):
                        part: Operand = self.rb.call(operator.getitem, [contribs, Const(i)],
                                                     loc=loc, origin=self.adjoint_of(item))
                        if complex_values:
                            part = self.complex_contribution(part, item, conjugate, loc)
                        self.accumulate(item, part, loc)
                continue
            if not self.is_active(value):
                continue
            contrib = env.get("d" + name)
            if (contrib is None or contrib is bindings.get("d" + name)) and \
                    name in rule.nondiff_params:
                continue
            if not is_operand(contrib) or contrib is bindings.get("d" + name):
                raise RuleError(f"the adjoint rule of '{label}' gives no derivative for its "
                                f"parameter '{name}'", stmt.loc,
                                f"the rule must assign 'd{name}'")
            if isinstance(contrib, Var) and contrib.id > mark:
                rename_after(contrib, Origin(self.adjoint, value))
            if complex_values:
                contrib = self.complex_contribution(contrib, value, conjugate, loc)
            if rule.broadcasting:
                others = [v for n, v in bound.items() if n != name and not isinstance(v, tuple)]
                contrib = self.reduce_to(contrib, value, z, others, loc)
            self.accumulate(value, contrib, loc)

    def sees_complex(self, stmt: Call) -> bool:
        """Whether a call's result or any of its operands may be complex."""
        operands = list(stmt.args) + list(stmt.kwargs.values())
        if stmt.target is not None:
            operands.append(stmt.target)
        return any(is_complex(self.kind(op)) for op in operands)

    def complex_contribution(self, contrib: Operand, operand: Var, conjugate: bool,
                             loc) -> Operand:
        """An adjoint contribution under the complex convention: conjugated back for a
        holomorphic rule, and only its real part for a real operand."""
        if not is_complex(self.kind(operand)):
            return self.rb.call(np.real, [contrib], loc=loc, origin=self.adjoint_of(operand))
        if conjugate:
            return self.conjugate(contrib, loc, operand)
        return contrib

    def conjugate(self, op: Operand, loc, primal: Var) -> Operand:
        """`np.conj(op)`, or the value `op` conjugates if it was made by `np.conj` here."""
        for stmt in reversed(self.rb.block.stmts):
            if isinstance(stmt, Call) and stmt.target is op:
                if stmt.fn is np.conj and len(stmt.args) == 1 and not stmt.kwargs:
                    return stmt.args[0]
                break
        return self.rb.call(np.conj, [op], loc=loc, origin=self.adjoint_of(primal))

    def reduce_to(self, contrib: Operand, operand: Var, result: Var, others: list,
                  loc) -> Operand:
        """Sum a broadcast adjoint back to `operand`'s shape (only where it may differ)."""
        k_op, k_res = as_real(self.kind(operand)), as_real(self.kind(result))  # shapes only
        if k_op == SCALAR:
            if k_res == SCALAR:
                return contrib
            return self.rb.call(np.sum, [contrib], loc=loc, origin=self.adjoint_of(operand))
        if is_array(k_op) and all(self._is_scalar(o) for o in others):
            return contrib  # every other operand is a scalar: the result has its shape
        return self.rb.call(runtime.unbroadcast, [contrib, self.primal(operand)], loc=loc,
                            origin=self.adjoint_of(operand))

    def _is_scalar(self, op: Operand) -> bool:
        if isinstance(op, Const):
            return isinstance(op.value, (int, float, bool)) or op.value is None
        return as_real(self.kind(op)) == SCALAR

    def reverse_subroutine(self, stmt: Call, dz: Operand, loc) -> None:
        if stmt.kwargs:
            raise UnsupportedSyntaxError(
                "keyword arguments in calls to differentiated helper functions are not "
                "supported yet", stmt.loc, "pass the arguments by position")
        positions = [i for i, a in enumerate(stmt.args) if self.is_active(a)]
        arg_kinds = [self.kind(a) for a in stmt.args]
        sub = self.subroutines(stmt.fn, stmt, arg_kinds, positions)
        residuals = Var(f"{stmt.fn.__name__}_saved")
        self.def_block[residuals] = self.def_block[stmt.target]
        self.sub_calls[id(stmt)] = (sub, Var(f"{stmt.fn.__name__}_out"), residuals)
        grads = self.rb.call(sub.bwd, [self.primal(residuals), dz], loc=loc, name="grads")
        args = stmt.args
        for j, pos in enumerate(sub.wrt_positions):
            g = self.rb.call(operator.getitem, [grads, Const(j)], loc=loc,
                             name="barg", origin=self.adjoint_of(args[pos]))
            self.accumulate(args[pos], g, loc)

    def reverse_if(self, stmt: If) -> None:
        loc = _adjoint_loc(stmt.loc)
        if not any(self.is_active(p.target) for p in stmt.outputs) and \
                not self._has_active(stmt.then) and not self._has_active(stmt.orelse):
            return
        outputs = [(p, self.read_adjoint(p.target)) for p in stmt.outputs
                   if self.is_active(p.target)]
        for p, _ in outputs:
            self.consume(p.target)

        def branch(block: Block, pick) -> None:
            for p, d in outputs:
                if d is not None:
                    self.accumulate(pick(p), d, loc)
            self.reverse_block(block)

        self.rb.build_if(self.primal(stmt.cond), lambda: branch(stmt.then, lambda p: p.then),
                         lambda: branch(stmt.orelse, lambda p: p.orelse), loc=loc)

    def _has_active(self, block: Block) -> bool:
        return any(v in self.active for s in walk(block) for v in defined_vars(s))

    def _loop_adjoint_keys(self, stmt) -> list:
        """Adjoint names the reverse loop body may add to (they must be loop-carried)."""
        inside = set()
        for s in walk(stmt.body):
            inside.update(defined_vars(s))
            inside.update(region_vars(s))
        inside.update(region_vars(stmt))
        keys = []
        for op in all_uses(stmt.body):
            if self.is_active(op) and op not in inside:
                keys.extend(self._keys_of(op))
        for c in stmt.carried:
            if self.is_active(c.var):
                keys.extend(self._keys_of(c.var))
            if self.is_active(c.next) and c.next not in inside:
                keys.extend(self._keys_of(c.next))
        seen, out = set(), []
        for k in keys:
            if k not in seen:
                seen.add(k)
                out.append(k)
        return out

    def _keys_of(self, v: Var) -> list:
        kind = self.kind(v)
        if isinstance(kind, TupleKind) and v not in self.list_mode:
            return [self.adj_key(v, i) for i in range(len(kind.items))]
        return [self.adj_key(v)]

    def _loop_entry(self, stmt) -> list:
        """Move the adjoints of a loop's results onto its carried values."""
        carried = [c for c in stmt.carried if self.is_active(c.var) or self.is_active(c.out)]
        for c in carried:
            d = self.read_adjoint(c.out) if self.is_active(c.out) else None
            self.consume(c.out)
            if d is None:
                continue
            if isinstance(self.kind(c.var), TupleKind):
                # a tuple (`state = (theta, omega)`): item by item, or as one list
                self.accumulate(c.var, d, _adjoint_loc(stmt.loc))
            else:
                self.rb.write(self.adj_key(c.var), d)
        return carried

    def _iteration_start(self, carried: list, loc) -> None:
        pending = []
        for c in carried:
            d = self.read_adjoint(c.var)
            self.consume(c.var)
            pending.append((c, d))
        for c, d in pending:
            if d is not None:
                self.accumulate(c.next, d, loc)

    def _loop_exit(self, carried: list, loc) -> None:
        for c in carried:
            d = self.read_adjoint(c.var)
            self.consume(c.var)
            if d is not None:
                self.accumulate(c.init, d, loc)

    def _loop_is_inactive(self, stmt) -> bool:
        return not any(self.is_active(c.out) or self.is_active(c.var) for c in stmt.carried) \
            and not self._has_active(stmt.body)

    def reverse_for(self, stmt: ForRange) -> None:
        if self._loop_is_inactive(stmt):
            return
        loc = _adjoint_loc(stmt.loc)
        carried = self._loop_entry(stmt)
        keys = self._loop_adjoint_keys(stmt)
        rng = self.primal(stmt.rng)
        if stmt.exit is not None:
            trips = self._trip_counter(stmt)
            rng = self.rb.call(operator.getitem, [rng, self.rb.call(
                runtime.make_slice, [Const(None), self.primal(trips), Const(None)], loc=loc,
                name="part")], loc=loc, name="steps")
        # a reversed range (not a one-shot iterator): the loop may be differentiated again
        backwards = self.rb.call(operator.getitem, [rng, Const(slice(None, None, -1))],
                                 loc=loc, name="steps")

        def body(index: Var) -> None:
            rename_after(index, Origin(COPY, stmt.index))
            self.reversed_index[stmt.index] = index
            if self.segments is not None and self.segments.is_segment(stmt):
                self.segments.enter(stmt)  # (the recompute goes first: _insert_pops)
            self._iteration_start(carried, loc)
            self.reverse_block(stmt.body)

        self.rb.build_for(backwards, stmt.index.name, body, assigned=keys, loc=loc)
        self._loop_exit(carried, loc)

    def reverse_while(self, stmt: While) -> None:
        if self._loop_is_inactive(stmt):
            return
        loc = _adjoint_loc(stmt.loc)
        carried = self._loop_entry(stmt)
        keys = self._loop_adjoint_keys(stmt)
        trips = self._trip_counter(stmt)
        rng = self.rb.call(range, [self.primal(trips)], loc=loc, name="steps")

        def body(index: Var) -> None:
            index.name = "_"
            if self.segments is not None and self.segments.is_segment(stmt):
                self.segments.enter(stmt)  # (the recompute goes first: _insert_pops)
            self._iteration_start(carried, loc)
            self.reverse_block(stmt.body)

        self.rb.build_for(rng, "_", body, assigned=keys, loc=loc)
        self._loop_exit(carried, loc)

    def _trip_counter(self, stmt) -> Var:
        if id(stmt) not in self.trip_counters:
            var, nxt, out = Var("trips"), Var("trips"), Var("trips")
            self.trip_counters[id(stmt)] = (var, nxt, out)
            self.def_block[out] = self._block_of_stmt(stmt)
        return self.trip_counters[id(stmt)][2]

    def _block_of_stmt(self, target) -> Block:
        def find(block: Block):
            for s in block.stmts:
                if s is target:
                    return block
                for sub in sub_blocks(s):
                    found = find(sub)
                    if found is not None:
                        return found
            return None
        return find(self.fn.body)

    # -- what the reverse sweep reads from loops: stacks
    def _insert_pops(self) -> None:
        """Pop each saved value at the start of the reverse of the block defining it."""
        used: set[Var] = set()
        for region in self.reverse_region.values():
            used.update(op for op in all_uses(region) if isinstance(op, Var))
        segments = self.segments
        if segments is not None:
            used.update(segments.used())
        self.needs_push = {v for v, ph in self.placeholders.items() if ph in used and
                           not (segments is not None and segments.recomputed(v))}
        ordered = sorted(self.needs_push, key=lambda v: v.id)
        self.stack_vars = {v: named_after(v, COPY, "_stack") for v in ordered}
        if segments is not None:
            segments.name_snapshots(self.stack_vars)
            segments.insert_recomputes()  # (then the snapshot's pops go before them)
        pops: dict = {}
        for v in ordered:
            region = self.reverse_region[id(self.def_block[v])]
            pops.setdefault(id(region), (region, []))[1].append(
                Call(self.placeholders[v], runtime.pop, [self.stack_vars[v]]))
        for region, calls in pops.values():
            region.stmts[:0] = calls

    # -- forward sweep
    def forward_block(self, block: Block, top: bool = False) -> Block:
        out = Block()
        stmts = block.stmts[:-1] if top else block.stmts
        for stmt in stmts:
            if isinstance(stmt, Call):
                self.forward_call(stmt, out)
            elif isinstance(stmt, If):
                new = If(stmt.cond, self.forward_block(stmt.then),
                         self.forward_block(stmt.orelse),
                         [Phi(p.target, p.then, p.orelse) for p in stmt.outputs]
                         + self.if_exports.get(id(stmt), []), stmt.loc)
                out.stmts.append(new)
            elif isinstance(stmt, (ForRange, While)):
                out.stmts.append(self.forward_loop(stmt))
            else:
                out.stmts.append(stmt)
            if not isinstance(stmt, Call):
                # (calls push their own results; loops may have gained a trip counter)
                for v in defined_vars(out.stmts[-1]):
                    self._push(v, out)
        return out

    def _push(self, v: Var, out: Block) -> None:
        if v in self.needs_push and not self._plain:
            out.stmts.append(Call(None, runtime.push, [self.stack_vars[v], v], {}, None))

    def forward_call(self, stmt: Call, out: Block) -> None:
        key = id(stmt)
        if key in self.sub_calls and not self._plain:
            sub, pair, residuals = self.sub_calls[key]
            out.stmts.append(Call(pair, sub.fwd, list(stmt.args), {}, stmt.loc))
            out.stmts.append(Call(stmt.target, operator.getitem, [pair, Const(0)], {}, stmt.loc))
            out.stmts.append(Call(residuals, operator.getitem, [pair, Const(1)], {}, stmt.loc))
            if stmt.target is not None:
                self._push(stmt.target, out)
            self._push(residuals, out)
            return
        out.stmts.append(Call(stmt.target, stmt.fn, list(stmt.args), dict(stmt.kwargs),
                              stmt.loc))
        if stmt.target is not None:
            self._push(stmt.target, out)

    def forward_loop(self, stmt):
        body = Block()
        for v in region_vars(stmt):
            self._push(v, body)
        plain = self._plain
        if self.segments is not None and self.segments.is_segment(stmt):
            self._plain = True  # (recomputed in the reverse sweep, with the pushes)
        body.stmts.extend(self.forward_block(stmt.body).stmts)
        self._plain = plain
        carried = [Carried(c.var, c.init, c.next, c.out) for c in stmt.carried]
        counter = self.trip_counters.get(id(stmt))
        if counter is not None:
            var, nxt, out = counter
            body.stmts.append(Call(nxt, operator.add, [var, Const(1)], {}, stmt.loc))
            carried.append(Carried(var, Const(0), nxt, out))
        if isinstance(stmt, ForRange):
            return ForRange(stmt.index, stmt.rng, carried, body, stmt.exit, stmt.loc)
        cond_block = Block(list(stmt.cond_block.stmts))
        return While(carried, cond_block, stmt.cond, body, stmt.exit, stmt.loc)
