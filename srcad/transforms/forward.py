"""Forward mode: from a primal IR function to IR that also computes a tangent.

Every value that depends on a differentiated input (a *varied* value) gets a tangent
value alongside it, computed from the primitive's tangent template. A tangent that
is known to be zero is never materialized: templates are linear in the tangents, so
an operation whose tangent inputs are all zero has a zero result and is dropped.
Control flow mirrors the primal exactly (branches and loops carry the tangents of
their merged values), so no tape is needed.
"""

from __future__ import annotations

import operator
from dataclasses import replace

from srcad import runtime
from srcad.analysis.inference import STRUCTURAL, Kinds, bind_template_args, check_calls
from srcad.errors import NoDerivativeError, RuleError, UnsupportedSyntaxError
from srcad.ir.builder import Builder, is_operand, name_template_values, rename_after
from srcad.ir.kinds import SCALAR, is_complex
from srcad.ir.nodes import (
    TANGENT,
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
    fn_label,
    named_after,
)
from srcad.lower.lowering import lower_template
from srcad.rules import registry
from srcad.rules.complex_values import complex_rule
from srcad.rules.templates import loaded_names

ZERO = Const(0.0)
_STACK_OPS = (runtime.new_stack, runtime.push, runtime.pop, runtime.copy_stack)


def _tangent_of(op: Operand | None) -> Origin | None:
    """A value holding the tangent of `op` is named after it: `dx` for `x`."""
    return Origin(TANGENT, op) if isinstance(op, Var) else None


class ForwardTransform:
    """Builds the tangent (JVP) function of one IR function.

    Parameters
    ----------
    fn : Function
        The primal IR.
    wrt : list of int
        Positions of the parameters that get a tangent.
    kinds : Kinds
        The kind of every value of `fn`.
    varied, useful : set
        The values that depend on a parameter with a tangent, and those that reach the
        result (`analysis.inference.activity`).
    subroutines : callable
        `subroutines(fn, call, arg_kinds, varied_positions)` returns the GeneratedRef of
        the callee's tangent function (value and tangent of its result).
    is_callee : callable
        Whether a called function is user code (transformed from its source).
    """

    def __init__(self, fn: Function, wrt: list[int], kinds: Kinds, varied: set, useful: set,
                 subroutines, is_callee):
        self.fn = fn
        self.wrt = [fn.params[i] for i in wrt]
        self.kinds, self.varied = kinds, varied
        check_calls(fn.body, self.varied, "tangent", useful)
        self.subroutines = subroutines
        self.is_callee = is_callee
        self.tangents: dict = {}
        self.b = Builder()

    def kind(self, op):
        return self.kinds.of(op)

    def tangent(self, op: Operand) -> Operand | None:
        """The tangent of a value, or None when it is zero."""
        if isinstance(op, Var) and op in self.varied:
            return self.tangents.get(op)
        return None

    def materialized(self, op: Operand) -> Operand:
        """The tangent of a value as an actual value (zeros shaped like it if zero)."""
        t = self.tangent(op)
        if t is not None:
            return t
        if self.kind(op) == SCALAR or _not_numeric(op):
            return ZERO
        return self.b.call(runtime.zeros_like, [op], name="dvalue", origin=_tangent_of(op))

    # ------------------------------------------------------------------ transform
    def run(self) -> tuple[Block, list, Operand, Operand]:
        """(body, tangent params, value, tangent of the value)."""
        params = []
        for p in self.wrt:
            t = named_after(p, TANGENT, keep=True)
            self.tangents[p] = t
            params.append(t)
        stmts = self.fn.body.stmts
        ret = stmts[-1]
        assert isinstance(ret, Return)
        self.block(Block(stmts[:-1]))
        out_tangent = self.materialized(ret.value)
        return self.b.block, params, ret.value, out_tangent

    def block(self, block: Block) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, Call):
                self.call(stmt)
            elif isinstance(stmt, If):
                self.if_(stmt)
            elif isinstance(stmt, (ForRange, While)):
                self.loop(stmt)
            else:
                self.b.append(stmt)

    def _copy(self, stmt: Call) -> None:
        self.b.append(Call(stmt.target, stmt.fn, list(stmt.args), dict(stmt.kwargs), stmt.loc))

    def call(self, stmt: Call) -> None:
        z = stmt.target
        fn = stmt.fn
        args = list(stmt.args) + list(stmt.kwargs.values())
        varied_args = any(isinstance(a, Var) and a in self.varied for a in args)
        if fn in _STACK_OPS:
            self._copy(stmt)
            self.stack_op(stmt)
            return
        if z is not None and z in self.varied and self.is_callee(fn):
            self.subroutine(stmt)
            return
        self._copy(stmt)
        if z is None or z not in self.varied or not varied_args:
            return
        loc = stmt.loc
        if fn in STRUCTURAL:
            self.tangents[z] = self.b.call(fn, [self.materialized(a) for a in stmt.args],
                                           loc=loc, origin=_tangent_of(z))
            return
        rule = registry.lookup(fn)
        if rule is None or rule.tangent is None:
            if rule is not None and rule.nondifferentiable:
                return
            raise NoDerivativeError(
                f"'{fn_label(fn)}' has no tangent rule for forward mode", loc,
                f"register one with @srcad.tangent({fn_label(fn).split('.')[-1]})")
        self.rule(stmt, z, rule)

    def rule(self, stmt: Call, z: Var, rule) -> None:
        """Splice the tangent template of `rule` for the call `z = stmt`."""
        operands = list(stmt.args) + list(stmt.kwargs.values()) + [z]
        sees_complex = any(is_complex(self.kind(op)) for op in operands)
        template = complex_rule(rule, sees_complex, "tangent", stmt)
        bound = bind_template_args(template, stmt)
        label = fn_label(stmt.fn)
        if bound is None:
            raise UnsupportedSyntaxError(
                f"this call to '{label}' does not match the parameters of its tangent rule "
                f"({', '.join(template.params)})", stmt.loc, "pass only the arguments listed")
        self._check_tangents_read(template, rule, bound, stmt)
        scratch = Builder()
        bindings: dict[str, Operand] = {}
        zeros: set[str] = set()
        primals: dict[int, Operand] = {}  # id of a zero tangent -> the input it stands for
        for name, value in bound.items():
            if isinstance(value, tuple):
                bindings[name] = scratch.call(runtime.make_tuple, list(value), name=name)
                tangents = [self.tangent(v) for v in value]
                if all(t is None for t in tangents):
                    bindings["d" + name] = ZERO
                    zeros.add("d" + name)
                else:
                    bindings["d" + name] = scratch.call(
                        runtime.make_tuple, [self.materialized(v) for v in value],
                        name="d" + name)
                continue
            bindings[name] = value
            t = self.tangent(value)
            if t is None:
                zero = Const(0.0)  # its own object: identity tells which input it stands for
                zeros.add("d" + name)
                primals[id(zero)] = value
                bindings["d" + name] = zero
            else:
                bindings["d" + name] = t
        bindings[template.output] = z
        mark = Var("mark").id
        named_operands = {**bound, template.output: z}
        env = lower_template(template, scratch, bindings, _tangent_loc(stmt.loc))
        name_template_values(scratch.block.stmts, mark, named_operands, TANGENT)
        result = env.get("d" + template.output)
        if not is_operand(result):
            raise RuleError(f"the tangent rule of '{label}' does not assign "
                            f"'d{template.output}'", stmt.loc)
        if any(not isinstance(st, Call) for st in scratch.block.stmts):
            # A template with branches: no zero-dropping, zeros shaped like their inputs.
            for name in zeros:
                bindings[name] = self.materialized(bound[name[1:]])
            scratch = Builder()
            for name, value in bound.items():
                if isinstance(value, tuple):
                    bindings[name] = scratch.call(runtime.make_tuple, list(value), name=name)
            env = lower_template(template, scratch, bindings, _tangent_loc(stmt.loc))
            name_template_values(scratch.block.stmts, mark, named_operands, TANGENT)
            self.b.block.stmts.extend(scratch.block.stmts)
            value = env["d" + template.output]
            if isinstance(value, Var) and value.id > mark:
                rename_after(value, Origin(TANGENT, z))
            self.tangents[z] = value
            return
        tangent_inputs = {bindings[n] for n in bindings if n.startswith("d") and n[1:] in bound
                          and isinstance(bindings[n], Var)}
        # The items of a *args tangent tuple: the tuple is not zero when some are (else
        # `np.einsum(',ij', 2.0, a)` lost the tangent of `a`).
        tangent_inputs |= {t for value in bound.values() if isinstance(value, tuple)
                           for t in map(self.tangent, value) if t is not None}
        value = self._splice(scratch.block, tangent_inputs, zeros, bindings, primals, result)
        if value is None:
            return
        if rule.broadcasting and not self._shape_kept(bound, z):
            value = self.b.call(runtime.broadcast_like, [value, z], loc=stmt.loc,
                                origin=_tangent_of(z))
        if isinstance(value, Var) and value.id > mark:
            rename_after(value, Origin(TANGENT, z))
            value.keep = True
            self._name_kept_operands(value, z, mark)
        self.tangents[z] = value

    def _check_tangents_read(self, template, rule, bound: dict, stmt: Call) -> None:
        """Refuse a call that passes a varied value to a parameter whose tangent the rule
        never reads (and that the rule does not declare nondifferentiable): its tangent
        would silently be dropped (reverse mode refuses the same call)."""
        read = loaded_names(template.body)
        for name, value in bound.items():
            values = value if isinstance(value, tuple) else (value,)
            if name in rule.nondiff_params or "d" + name in read or \
                    all(self.tangent(v) is None for v in values):
                continue
            raise RuleError(f"the tangent rule of '{fn_label(stmt.fn)}' gives no derivative "
                            f"for its parameter '{name}', which this call varies", stmt.loc,
                            f"keep differentiated values out of '{name}', or register a "
                            "rule that reads its tangent")

    def _name_kept_operands(self, value: Var, z: Var, mark: int) -> None:
        """Where a zero tangent left `value = t + 0.0`, the optimizer keeps `t` in its
        place: `t` is named after z's tangent too (values after `mark` are the rule's)."""
        made: dict = {}
        for stmt in reversed(self.b.block.stmts):
            if isinstance(stmt, Call) and stmt.target is not None:
                if stmt.target.id <= mark:
                    break
                made[stmt.target] = stmt
        stmt = made.get(value)
        while stmt is not None:
            kept = _kept_operand(stmt)
            if not (isinstance(kept, Var) and kept.id > mark and kept.origin is None):
                return
            rename_after(kept, Origin(TANGENT, z))
            stmt = made.get(kept)

    def _shape_kept(self, bound: dict, z: Var) -> bool:
        """True if dropping zero tangents cannot shrink the tangent's shape below z's."""
        if self.kind(z) == SCALAR:
            return True
        for value in bound.values():
            if isinstance(value, tuple) or self.tangent(value) is not None:
                continue
            if isinstance(value, Const):
                if isinstance(value.value, (int, float, bool)) or value.value is None:
                    continue
                return False
            if self.kind(value) != SCALAR:
                return False
        return True

    def _splice(self, block: Block, derived: set, zeros: set, bindings: dict, primals: dict,
                result: Operand):
        """Append a template's statements, dropping those whose tangent inputs are all
        zero (their result is zero: the templates are linear in the tangents)."""
        derived = {v for v in derived if isinstance(v, Var)}
        zero_vars: set = set()
        zero_ids = {id(bindings[n]) for n in zeros}

        def is_zero(op):
            return id(op) in zero_ids or op is ZERO or (isinstance(op, Var) and op in zero_vars)

        def materialize(op):
            """A zero in a partly-zero term: shaped like its input where known."""
            if isinstance(op, Var) and op in zero_vars:
                return ZERO
            primal = primals.get(id(op))
            if primal is None or self.kind(primal) == SCALAR or _not_numeric(primal):
                return ZERO
            return self.b.call(runtime.zeros_like, [primal], name="zero")

        for stmt in block.stmts:
            if not isinstance(stmt, Call):
                raise RuleError("tangent templates must be straight-line code",
                                getattr(stmt, "loc", None))
            ops = list(stmt.args) + list(stmt.kwargs.values())
            tangent_ops = [op for op in ops if is_zero(op) or (
                isinstance(op, Var) and op in derived)]
            if tangent_ops and all(is_zero(op) for op in tangent_ops):
                zero_vars.add(stmt.target)
                continue
            if tangent_ops and stmt.target is not None:
                derived.add(stmt.target)
            stmt.args = [materialize(a) if is_zero(a) else a for a in stmt.args]
            stmt.kwargs = {k: materialize(v) if is_zero(v) else v
                           for k, v in stmt.kwargs.items()}
            self.b.append(stmt)
        if is_zero(result) or _is_zero(result):  # (`-dx` of a zero dx folds to -0.0)
            return None
        return result

    # ------------------------------------------------------------------ calls to user code
    def subroutine(self, stmt: Call) -> None:
        if stmt.kwargs:
            raise UnsupportedSyntaxError("keyword arguments in calls to differentiated "
                                         "helpers are not supported", stmt.loc,
                                         "pass the arguments by position")
        positions = [i for i, a in enumerate(stmt.args)
                     if isinstance(a, Var) and a in self.varied]
        if not positions:
            self._copy(stmt)
            return
        ref = self.subroutines(stmt.fn, stmt, [self.kind(a) for a in stmt.args], positions)
        pair = self.b.call(ref, list(stmt.args) + [self.materialized(stmt.args[i])
                                                   for i in positions],
                           loc=stmt.loc, name=f"{getattr(stmt.fn, '__name__', 'call')}_out")
        self.b.append(Call(stmt.target, operator.getitem, [pair, Const(0)], {}, stmt.loc))
        self.tangents[stmt.target] = self.b.call(operator.getitem, [pair, Const(1)],
                                                 loc=stmt.loc, origin=_tangent_of(stmt.target))

    # ------------------------------------------------------------------ stacks
    def stack_op(self, stmt: Call) -> None:
        """Saved values travel with their tangents on a parallel stack."""
        fn = stmt.fn
        if fn is runtime.new_stack:
            if stmt.target in self.varied:
                self.tangents[stmt.target] = self.b.call(runtime.new_stack, [],
                                                         origin=_tangent_of(stmt.target))
        elif fn is runtime.push:
            stack, value = stmt.args
            if stack in self.varied:
                self.b.effect(runtime.push, [self.tangents[stack], self.materialized(value)])
        elif fn is runtime.pop:
            stack = stmt.args[0]
            if stack in self.varied:
                self.tangents[stmt.target] = self.b.call(runtime.pop, [self.tangents[stack]],
                                                         origin=_tangent_of(stmt.target))
        elif fn is runtime.copy_stack:
            stack = stmt.args[0]
            if stack in self.varied:
                self.tangents[stmt.target] = self.b.call(runtime.copy_stack,
                                                         [self.tangents[stack]],
                                                         origin=_tangent_of(stmt.target))

    # ------------------------------------------------------------------ control flow
    def _sub_block(self, block: Block, tail) -> Block:
        outer = self.b.block
        self.b.block = Block()
        try:
            self.block(block)
            tail()
            return self.b.block
        finally:
            self.b.block = outer

    def if_(self, stmt: If) -> None:
        varied_outputs = [p for p in stmt.outputs if p.target in self.varied]
        then_t, else_t = {}, {}

        def then_tail():
            for p in varied_outputs:
                then_t[p.target] = self.materialized(p.then)

        def else_tail():
            for p in varied_outputs:
                else_t[p.target] = self.materialized(p.orelse)

        then = self._sub_block(stmt.then, then_tail)
        orelse = self._sub_block(stmt.orelse, else_tail)
        outputs = [Phi(p.target, p.then, p.orelse) for p in stmt.outputs]
        for p in varied_outputs:
            t = named_after(p.target, TANGENT)
            outputs.append(Phi(t, then_t[p.target], else_t[p.target]))
            self.tangents[p.target] = t
        self.b.append(If(stmt.cond, then, orelse, outputs, stmt.loc))

    def loop(self, stmt) -> None:
        varied = [c for c in stmt.carried if c.var in self.varied or c.out in self.varied]
        inits = {c.var: self.materialized(c.init) for c in varied}
        tangent_vars = {}
        for c in varied:
            t = named_after(c.var, TANGENT)
            tangent_vars[c.var] = t
            self.tangents[c.var] = t
        nexts = {}

        def tail():
            for c in varied:
                nexts[c.var] = self.materialized(c.next)

        if isinstance(stmt, While):
            cond_block = self._sub_block(stmt.cond_block, lambda: None)
        body = self._sub_block(stmt.body, tail)
        carried = [Carried(c.var, c.init, c.next, c.out) for c in stmt.carried]
        for c in varied:
            out = named_after(c.out, TANGENT)
            carried.append(Carried(tangent_vars[c.var], inits[c.var], nexts[c.var], out))
            self.tangents[c.out] = out
        if isinstance(stmt, ForRange):
            self.b.append(ForRange(stmt.index, stmt.rng, carried, body, stmt.exit, stmt.loc))
        else:
            self.b.append(While(carried, cond_block, stmt.cond, body, stmt.exit, stmt.loc))


def _kept_operand(stmt: Call) -> Operand | None:
    """The operand that `t + 0`, `0 + t` or `t - 0` in derivative code equals (the
    optimizer's identities; it replaces the statement's value with it)."""
    if not getattr(stmt.loc, "role", "") or stmt.kwargs or len(stmt.args) != 2:
        return None
    left, right = stmt.args
    if stmt.fn is operator.add and _is_zero(left):
        return right
    if stmt.fn in (operator.add, operator.sub) and _is_zero(right):
        return left
    return None


def _not_numeric(op: Operand) -> bool:
    """A constant that is no number (einsum's subscripts, an axis of None, a slice): its
    zero tangent needs no shape."""
    return isinstance(op, Const) and isinstance(op.value, (str, slice, type(None),
                                                           type(Ellipsis)))


def _is_zero(op: Operand) -> bool:
    return isinstance(op, Const) and type(op.value) in (int, float) and op.value == 0


def _tangent_loc(loc):
    """Derivative code; it shares the comment of the line it differentiates."""
    if loc is None or loc.role:
        return loc
    return replace(loc, role="tangent")
