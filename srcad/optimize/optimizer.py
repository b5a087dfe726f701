"""IR optimizations: constant folding, algebraic simplification, dead code elimination."""

from __future__ import annotations

import math
import operator

from srcad import runtime
from srcad.ir.nodes import (
    Block,
    Call,
    Carried,
    Const,
    ForRange,
    Function,
    If,
    Operand,
    Phi,
    Return,
    Stmt,
    Var,
    While,
    all_uses,
    block_end_uses,
    sub_blocks,
    substitute,
    used_operands,
    walk,
)
from srcad.optimize.loops import hoist_loop_invariants
from srcad.optimize.purity import FOLDABLE
from srcad.optimize.purity import GeneratedRef as GeneratedRef  # (re-exported)
from srcad.optimize.purity import is_pure as is_pure  # (re-exported)
from srcad.runtime import elementwise as elementwise_rt

_NUMBER = (int, float, bool)


def _is(op: Operand, value: float) -> bool:
    return isinstance(op, Const) and isinstance(op.value, _NUMBER) and \
        not isinstance(op.value, bool) and op.value == value


def _in_derivative_code(stmt: Call) -> bool:
    """Whether `stmt` is adjoint or tangent code (rather than the user's own)."""
    return stmt.loc is not None and bool(stmt.loc.role)


def _simplify(stmt: Call) -> Operand | None:
    """The operand `stmt.target` equals, if it can be computed now; else None."""
    fn, args = stmt.fn, stmt.args
    if stmt.kwargs:
        return None
    values = [a.value for a in args if isinstance(a, Const)]
    constant = len(values) == len(args)  # then `values` holds every argument's value
    if fn in (operator.is_, operator.is_not) and len(args) == 2 and constant and (
            all(v is None or isinstance(v, bool) for v in values) or
            any(v is None for v in values)):
        return Const(fn(*values))  # (`0.0 is None`: decided by the constant)
    if fn is operator.getitem and len(args) == 2 and constant \
            and type(values[0]) is tuple and isinstance(values[1], int):
        try:
            item = values[0][values[1]]
        except IndexError:
            return None
        if isinstance(item, (int, float, bool, str, type(None))):
            return Const(item)
        return None
    if fn in (slice, runtime.make_slice) and 1 <= len(args) <= 3 and constant and \
            all(v is None or type(v) is int for v in values):
        return Const(slice(*values))  # a constant slice: xs[slice(1, 4)]
    if fn is runtime.landed and len(args) == 2 and isinstance(args[1], Const) and \
            not runtime.may_repeat(args[1].value):
        return Const(1.0)  # an index without integer arrays writes each position once
    if fn in FOLDABLE and args and constant and all(isinstance(v, _NUMBER) for v in values):
        try:
            return Const(fn(*values))
        except (ArithmeticError, ValueError, TypeError):
            return None
    if len(args) == 2 and _in_derivative_code(stmt):
        # Identities only in derivative code, whose values are floats: in user code
        # `mask * 1.0` or `n / 1` converts types and must stay.
        x, y = args
        if fn is operator.mul:
            if _is(x, 1):
                return y
            if _is(y, 1):
                return x
        elif fn is operator.add:
            if _is(x, 0):
                return y
            if _is(y, 0):
                return x
        elif fn is operator.sub and _is(y, 0):
            return x
        elif fn is operator.truediv and _is(y, 1):
            return x
        elif fn is operator.pow and _is(y, 1):
            return x
    return None


def simplify(fn: Function) -> None:
    """Fold constants and drop identities like `x * 1.0`, in place."""
    while True:
        mapping: dict[Var, Operand] = {}
        _simplify_block(fn.body, mapping)
        if not mapping:
            return
        substitute(fn.body, mapping)


def _simplify_block(block: Block, mapping: dict[Var, Operand]) -> None:
    kept: list[Stmt] = []
    for stmt in block.stmts:
        if isinstance(stmt, If) and isinstance(stmt.cond, Const) and \
                isinstance(stmt.cond.value, (bool, int, float, type(None))):
            # a branch on a constant: keep the branch taken, its values replace the merge
            taken = stmt.then if stmt.cond.value else stmt.orelse
            _simplify_block(taken, mapping)
            for p in stmt.outputs:
                mapping[p.target] = p.then if stmt.cond.value else p.orelse
            kept.extend(taken.stmts)
            continue
        if isinstance(stmt, Call) and stmt.target is not None:
            _negation(stmt)
            expanded = _power_slope_of_constant(stmt)
            if expanded is not None:
                kept.extend(expanded)
                continue
            value = _simplify(stmt)
            if value is not None:
                mapping[stmt.target] = value
                continue
        for sub in sub_blocks(stmt):
            _simplify_block(sub, mapping)
        kept.append(stmt)
    block.stmts = kept


def _power_slope_of_constant(stmt: Call) -> list[Stmt] | None:
    """`power_slope(x, c)` for a number `c != 0` as `c * x ** (c - 1)`: the helper only
    differs from the formula where the exponent is 0 (its limit there is 0, not NaN)."""
    if stmt.fn is not elementwise_rt.power_slope or stmt.kwargs or len(stmt.args) != 2:
        return None
    x, c = stmt.args
    if not isinstance(c, Const) or not isinstance(c.value, (int, float)) or \
            isinstance(c.value, bool) or c.value in (0, 1) or not math.isfinite(c.value):
        return None  # (x ** 0 is 1 but must keep x's shape: the helper does)
    power = Var("power")
    return [Call(power, operator.pow, [x, Const(c.value - 1)], loc=stmt.loc),
            Call(stmt.target, operator.mul, [c, power], loc=stmt.loc)]


def _negation(stmt: Call) -> bool:
    """Rewrite `0 - y` in derivative code as `-y`, in place."""
    if stmt.fn is operator.sub and not stmt.kwargs and len(stmt.args) == 2 and \
            _is(stmt.args[0], 0) and _in_derivative_code(stmt):
        stmt.fn = operator.neg
        stmt.args = [stmt.args[1]]
        return True
    return False


def fold_negations(fn: Function) -> None:
    """In derivative code, `x + (-a) * y` is `x - a * y` and `x + (-a)` is `x - a`
    (the same value in floating point: negation is exact), in place. Adjoints of
    subtractions arrive negated (`bk = bk + -bneg`); a person writes the subtraction."""
    defs = {s.target: s for s in walk(fn.body) if isinstance(s, Call) and s.target}
    uses: dict[Var, int] = {}
    for op in all_uses(fn.body):
        if isinstance(op, Var):
            uses[op] = uses.get(op, 0) + 1

    def negated(op: Operand) -> Operand | None:
        """What `op` is the negation of, if it is `-a` in derivative code."""
        stmt = defs.get(op) if isinstance(op, Var) else None
        if stmt is not None and stmt.fn is operator.neg and not stmt.kwargs and \
                _in_derivative_code(stmt):
            return stmt.args[0]
        return None

    for stmt in walk(fn.body):
        if not (isinstance(stmt, Call) and stmt.fn is operator.add and not stmt.kwargs and
                len(stmt.args) == 2 and _in_derivative_code(stmt)):
            continue
        for i in (1, 0):
            x, term = stmt.args[1 - i], stmt.args[i]
            a = negated(term)
            if a is not None:  # x + (-a)
                stmt.fn, stmt.args = operator.sub, [x, a]
                break
            if not isinstance(term, Var):
                continue
            product = defs.get(term)
            if product is None or product.fn is not operator.mul or product.kwargs or \
                    len(product.args) != 2 or uses.get(term, 0) != 1 or \
                    not _in_derivative_code(product):
                continue
            for j in (0, 1):
                a = negated(product.args[j])
                if a is not None:  # x + (-a) * y
                    product.args = [a, product.args[1]] if j == 0 else [product.args[0], a]
                    stmt.fn, stmt.args = operator.sub, [x, term]
                    break
            if stmt.fn is operator.sub:
                break


def _cse_key(stmt: Call) -> tuple | None:
    """What identifies the value of a pure call: its function and operands (None for an
    unhashable function)."""
    def op_key(op: Operand) -> tuple:
        if isinstance(op, Var):
            return ("v", op.id)
        v = op.value
        if isinstance(v, (int, float, bool, str, type(None))) or v is Ellipsis:
            return ("c", type(v).__name__, repr(v))
        if isinstance(v, slice):
            return ("s", op_key(Const(v.start)), op_key(Const(v.stop)), op_key(Const(v.step)))
        if isinstance(v, tuple):
            return ("t",) + tuple(op_key(Const(x)) for x in v)
        return ("o", id(v))
    try:
        fn_key = hash(stmt.fn) and stmt.fn
    except TypeError:
        return None
    return (fn_key, tuple(op_key(a) for a in stmt.args),
            tuple((k, op_key(v)) for k, v in sorted(stmt.kwargs.items())))


def eliminate_common_subexpressions(fn: Function) -> None:
    """Reuse the value of an identical pure call that already ran on this path."""
    mapping: dict[Var, Operand] = {}

    def run(block: Block, seen: dict[tuple, Var]) -> None:
        kept: list[Stmt] = []
        for stmt in block.stmts:
            if mapping:
                substitute(Block([stmt]), mapping)
            if isinstance(stmt, Call) and stmt.target is not None and is_pure(stmt.fn) \
                    and stmt.fn is not runtime.new_stack:
                key = _cse_key(stmt)
                if key is not None:
                    if key in seen:
                        mapping[stmt.target] = seen[key]
                        continue
                    seen[key] = stmt.target
            for sub in sub_blocks(stmt):
                run(sub, dict(seen))
            kept.append(stmt)
        block.stmts = kept

    run(fn.body, {})
    if mapping:
        substitute(fn.body, mapping)


def eliminate_dead_code(fn: Function) -> None:
    """Remove pure statements, merges and loop values nothing reads, and stacks whose
    popped values nothing reads, in place."""
    while True:
        live = _live_values(fn)
        if not _sweep(fn.body, live) and not _drop_dead_stacks(fn):
            return


def _drop_dead_stacks(fn: Function) -> bool:
    """Remove the pushes, pops and creation of each stack that is only pushed to and
    popped from, where nothing reads a popped value."""
    stacks: set[Var] = set()
    popped: dict[Var, list[Var]] = {}
    for stmt in walk(fn.body):
        if isinstance(stmt, Call) and stmt.fn is runtime.new_stack and stmt.target:
            stacks.add(stmt.target)
        elif isinstance(stmt, Call) and stmt.fn is runtime.pop and stmt.target and \
                isinstance(stmt.args[0], Var):
            popped.setdefault(stmt.args[0], []).append(stmt.target)
    if not stacks:
        return False
    read: set[Var] = set()

    def scan(block: Block) -> None:
        for stmt in block.stmts:
            ops = used_operands(stmt)
            if isinstance(stmt, Call) and stmt.fn in (runtime.push, runtime.pop):
                ops = ops[1:]  # (the stack itself is not read as a value there)
            read.update(op for op in ops if isinstance(op, Var))
            for sub in sub_blocks(stmt):
                scan(sub)
                read.update(op for op in block_end_uses(stmt, sub) if isinstance(op, Var))

    scan(fn.body)
    dead = set()
    for stack in stacks:
        values = popped.get(stack, [])
        if any(v in read for v in values):
            continue
        if stack in read:
            continue  # copied, saved or returned: its values may be read elsewhere
        dead.add(stack)
    if not dead:
        return False

    def drop(block: Block) -> None:
        kept = []
        for stmt in block.stmts:
            if isinstance(stmt, Call) and stmt.fn in (runtime.new_stack, runtime.push,
                                                       runtime.pop) and \
                    (stmt.target in dead or (stmt.args and stmt.args[0] in dead)):
                continue
            for sub in sub_blocks(stmt):
                drop(sub)
            kept.append(stmt)
        block.stmts = kept

    drop(fn.body)
    return True


def _live_values(fn: Function) -> set[Var]:
    live: set[Var] = set()
    defs: dict[Var, Call | Phi | Carried] = {}
    work: list[Var] = []

    def need(op: Operand | None) -> None:
        if isinstance(op, Var) and op not in live:
            live.add(op)
            work.append(op)

    def scan(block: Block) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, Call):
                if stmt.target is not None:
                    defs[stmt.target] = stmt
                if stmt.target is None or not is_pure(stmt.fn):
                    for a in list(stmt.args) + list(stmt.kwargs.values()):
                        need(a)
                    if stmt.target is not None:
                        need(stmt.target)
            elif isinstance(stmt, If):
                need(stmt.cond)
                for p in stmt.outputs:
                    defs[p.target] = p
                scan(stmt.then)
                scan(stmt.orelse)
            elif isinstance(stmt, (ForRange, While)):
                for c in stmt.carried:
                    defs[c.var] = c
                    defs[c.out] = c
                if isinstance(stmt, ForRange):
                    need(stmt.rng)
                else:
                    need(stmt.cond)
                    scan(stmt.cond_block)
                if stmt.exit is not None:
                    need(stmt.exit)
                scan(stmt.body)
            elif isinstance(stmt, Return):
                need(stmt.value)

    scan(fn.body)
    while work:
        v = work.pop()
        d = defs.get(v)
        if isinstance(d, Call):
            for a in list(d.args) + list(d.kwargs.values()):
                need(a)
        elif isinstance(d, Phi):
            need(d.then)
            need(d.orelse)
        elif isinstance(d, Carried):
            need(d.init)
            need(d.next)
    return live


def _sweep(block: Block, live: set[Var]) -> bool:
    changed = False
    kept: list[Stmt] = []
    for stmt in block.stmts:
        if isinstance(stmt, Call):
            if stmt.target is not None and stmt.target not in live and is_pure(stmt.fn):
                changed = True
                continue
        elif isinstance(stmt, If):
            n = len(stmt.outputs)
            stmt.outputs = [p for p in stmt.outputs if p.target in live]
            changed |= len(stmt.outputs) != n
            changed |= _sweep(stmt.then, live)
            changed |= _sweep(stmt.orelse, live)
            if not stmt.outputs and not stmt.then.stmts and not stmt.orelse.stmts:
                changed = True
                continue
        elif isinstance(stmt, (ForRange, While)):
            n = len(stmt.carried)
            stmt.carried = [c for c in stmt.carried if c.var in live or c.out in live]
            changed |= len(stmt.carried) != n
            if isinstance(stmt, While):
                changed |= _sweep(stmt.cond_block, live)
            changed |= _sweep(stmt.body, live)
            if isinstance(stmt, ForRange) and not stmt.carried and not stmt.body.stmts:
                changed = True
                continue
        kept.append(stmt)
    block.stmts = kept
    return changed


def _number(op: Operand) -> bool:
    return isinstance(op, Const) and type(op.value) in (int, float)


def fold_constant_factors(fn: Function) -> None:
    """`c1 * (c2 * x)` in derivative code as `(c1 * c2) * x`, where nothing else reads
    `c2 * x`: one pass over `x` instead of two (`0.003125 * (2 * d)` is `0.00625 * d`)."""
    uses: dict[Var, int] = {}
    for op in all_uses(fn.body):
        if isinstance(op, Var):
            uses[op] = uses.get(op, 0) + 1

    def factor(stmt: Call) -> tuple[Const, Operand] | None:
        if stmt.fn is not operator.mul or stmt.kwargs or len(stmt.args) != 2 or \
                not _in_derivative_code(stmt):
            return None
        x, y = stmt.args
        if _number(x):
            return x, y  # type: ignore[return-value]
        if _number(y):
            return y, x  # type: ignore[return-value]
        return None

    def run(block: Block) -> None:
        products: dict[Var, tuple[Const, Operand]] = {}
        for stmt in block.stmts:
            for sub in sub_blocks(stmt):
                run(sub)
            if not isinstance(stmt, Call) or stmt.target is None:
                continue
            outer = factor(stmt)
            if outer is None:
                continue
            c1, y = outer
            inner = products.get(y) if isinstance(y, Var) and uses.get(y) == 1 else None
            if inner is not None:
                c2, x = inner
                folded = Const(c1.value * c2.value)
                stmt.args = [folded, x]
                outer = folded, x
            products[stmt.target] = outer

    run(fn.body)


def optimize(fn: Function) -> Function:
    """Simplify, share common subexpressions and drop dead code, in place."""
    simplify(fn)
    fold_negations(fn)
    fold_constant_factors(fn)
    eliminate_common_subexpressions(fn)
    eliminate_dead_code(fn)
    if hoist_loop_invariants(fn):
        eliminate_common_subexpressions(fn)
    return fn

