"""Codegen: IR functions to readable Python source, compiled into function objects.

Three steps: (1) decide which single-use temporaries are folded into the
expression that uses them; (2) give every remaining SSA value a Python name,
reusing the user's names wherever the values' lifetimes do not overlap (so a loop
variable stays `s`, not `s_1`, `s_2`, ...); (3) build a Python AST, render it
with astor, compile it, and register the source in `linecache`.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import keyword
import linecache
import math
import operator
import re
from dataclasses import dataclass, field
from typing import Any

import astor
import numpy as np

from srcad import runtime
from srcad.codegen.checks import Checks, loop_entry
from srcad.ir import constants
from srcad.ir.nodes import (
    COPY,
    Block,
    Call,
    Carried,
    Const,
    ForRange,
    Function,
    If,
    Return,
    Var,
    While,
    all_uses,
    sub_blocks,
)
from srcad.optimize.batch import pops_in_step_order
from srcad.optimize.optimizer import GeneratedRef, is_pure
from srcad.rules.registry import Attribute, Method
from srcad.runtime import finite

BINARY = {operator.add: ast.Add, operator.sub: ast.Sub, operator.mul: ast.Mult,
          operator.truediv: ast.Div, operator.floordiv: ast.FloorDiv, operator.mod: ast.Mod,
          operator.pow: ast.Pow, operator.matmul: ast.MatMult, operator.and_: ast.BitAnd,
          operator.or_: ast.BitOr, operator.xor: ast.BitXor, operator.lshift: ast.LShift,
          operator.rshift: ast.RShift}
COMPARE = {operator.lt: ast.Lt, operator.le: ast.LtE, operator.gt: ast.Gt,
           operator.ge: ast.GtE, operator.eq: ast.Eq, operator.ne: ast.NotEq,
           operator.is_: ast.Is, operator.is_not: ast.IsNot}
UNARY = {operator.neg: ast.USub, operator.pos: ast.UAdd, operator.not_: ast.Not,
         operator.invert: ast.Invert}
_COMMENT = "\x00srcad-comment:"


# How a comment names the role of the code under it (`SourceLoc.role`): the reverse
# sweep, and the two parts of a checkpointed loop (transforms/checkpoint.py).
_ROLE_PREFIXES = {"adjoint": "grad of ", "checkpoint": "checkpoint of ",
                  "recompute": "recompute of "}
_ROLE_NOTES = {"checkpoint": " (in segments: a snapshot of its loop values per segment)",
               "recompute": " (a segment again from its snapshot, with the saves)"}

@dataclass
class Module:
    """Generated functions that share one namespace (a transform and its callees)."""

    title: str
    functions: list = field(default_factory=list)
    namespace: dict = field(default_factory=dict)
    source: str = ""
    filename: str = ""
    captured: list = field(default_factory=list)  # free names read when transformed


class _Namespace:
    """Names the generated code refers to: modules, helpers, captured objects."""

    def __init__(self, namespace: dict, reserved: set):
        self.ns = namespace
        self.reserved = reserved
        self.by_id: dict = {}
        self.sites: list = []  # check_finite: what each check's error says

    def bind(self, obj: Any, hint: str) -> str:
        key = id(obj)
        if key in self.by_id:
            return self.by_id[key]
        base = _identifier(hint or "value")
        name, n = base, 1
        while name in self.ns and self.ns[name] is not obj or name in self.reserved \
                and self.ns.get(name) is not obj:
            n += 1
            name = f"{base}_{n}"
        self.ns[name] = obj
        self.by_id[key] = name
        return name


def _identifier(text: str) -> str:
    text = re.sub(r"\W", "_", text)
    if not text or text[0].isdigit() or keyword.iskeyword(text):
        text = "_" + text
    return text


# ----------------------------------------------------------------------------- folding


def _fold_candidates(fn: Function, keep: set) -> set:
    """Temporaries used once, by a later statement of the same block, with only pure
    statements in between: they are written inline in the expression that uses them."""
    uses: dict = {}

    def count(block: Block) -> None:
        for stmt in block.stmts:
            for op in _stmt_operands(stmt):
                if isinstance(op, Var):
                    uses[op] = uses.get(op, 0) + 1
            for sub in sub_blocks(stmt):
                count(sub)
            for op in _end_operands(stmt):
                if isinstance(op, Var):
                    # phi inputs are never folded; a while condition may be
                    extra = 1 if isinstance(stmt, While) and op is stmt.cond else 2
                    uses[op] = uses.get(op, 0) + extra
    count(fn.body)
    folded: set = set()

    def scan(block: Block) -> dict[Var, bool]:
        pending: dict[Var, bool] = {}  # var -> still foldable (no impure statement since)
        for stmt in block.stmts:
            for op in _stmt_operands(stmt):
                if isinstance(op, Var) and op in pending:
                    folded.add(op)
                    del pending[op]
            if not (isinstance(stmt, Call) and is_pure(stmt.fn)):
                pending.clear()
            if isinstance(stmt, Call) and stmt.target is not None and is_pure(stmt.fn) \
                    and not stmt.target.keep and uses.get(stmt.target, 0) == 1 \
                    and stmt.target not in keep \
                    and _foldable_fn(stmt.fn):
                pending[stmt.target] = True
            for sub in sub_blocks(stmt):
                left = scan(sub)
                if isinstance(stmt, While) and sub is stmt.cond_block and stmt.cond in left:
                    folded.add(stmt.cond)
        return pending
    scan(fn.body)
    return folded


def _foldable_fn(fn) -> bool:
    return fn is not runtime.new_stack and fn is not runtime.copy_stack


def _stmt_operands(stmt) -> list:
    if isinstance(stmt, Call):
        return list(stmt.args) + list(stmt.kwargs.values())
    if isinstance(stmt, If):
        return [stmt.cond]
    if isinstance(stmt, ForRange):
        return [stmt.rng] + [c.init for c in stmt.carried]
    if isinstance(stmt, While):
        return [c.init for c in stmt.carried]
    if isinstance(stmt, Return):
        return [stmt.value]
    return []


def _end_operands(stmt) -> list:
    if isinstance(stmt, If):
        return [p.then for p in stmt.outputs] + [p.orelse for p in stmt.outputs]
    if isinstance(stmt, (ForRange, While)):
        ops = [c.next for c in stmt.carried]
        if stmt.exit is not None:
            ops.append(stmt.exit)
        if isinstance(stmt, While):
            ops.append(stmt.cond)
        return ops
    return []


def _unpack_groups(fn: Function, folded: set) -> dict:
    """Tuples taken apart right after they are made, `a, b = f(...)`: maps the tuple
    value to the values unpacked from it, in order."""
    arity = getattr(fn, "arity", {})
    uses: dict = {}
    for stmt in _walk(fn.body):
        for op in _stmt_operands(stmt) + _end_operands(stmt):
            if isinstance(op, Var):
                uses[op] = uses.get(op, 0) + 1
    groups: dict = {}

    def items_after(stmts: list, start: int, source: Var) -> list[Var]:
        items: list[Var] = []
        for stmt in stmts[start:]:
            if isinstance(stmt, Call) and stmt.fn is operator.getitem and not stmt.kwargs \
                    and stmt.args[0] is source and isinstance(stmt.args[1], Const) \
                    and type(stmt.args[1].value) is int \
                    and stmt.args[1].value == len(items) and stmt.target is not None \
                    and stmt.target not in folded:
                items.append(stmt.target)
            else:
                break
        return items

    def scan(block: Block, first: bool) -> None:
        stmts = block.stmts
        if first:
            for p in fn.params:
                n = arity.get(p)
                items = items_after(stmts, 0, p)
                if n and len(items) == n == uses.get(p, 0):
                    groups[p] = items
                    break
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, Call) and stmt.target is not None and \
                    isinstance(stmt.fn, GeneratedRef) and stmt.fn.arity:
                items = items_after(stmts, i + 1, stmt.target)
                if len(items) == stmt.fn.arity == uses.get(stmt.target, 0):
                    groups[stmt.target] = items
            for sub in sub_blocks(stmt):
                scan(sub, False)
    scan(fn.body, True)
    return groups


# ----------------------------------------------------------------------------- naming


class _Liveness:
    """Interference between SSA values, computed on the structured IR."""

    def __init__(self, fn: Function, folded: set, defs: dict,
                 headers: dict[int, list] | None = None):
        self.folded = folded
        self.defs = defs
        self.headers = headers or {}  # loop id -> values its header assigns (zipped pops)
        self.edges: dict = {}
        self.partners: dict = {}
        live = self.block(fn.body, set())
        params = list(fn.params)
        for p in params:
            self.interfere(p, live | set(params))

    def leaves(self, op) -> set:
        """The named values an operand reads (through folded temporaries)."""
        if not isinstance(op, Var):
            return set()
        if op in self.folded:
            stmt = self.defs[op]
            out = set()
            for a in list(stmt.args) + list(stmt.kwargs.values()):
                out |= self.leaves(a)
            return out
        return {op}

    def interfere(self, v: Var, live: set) -> None:
        for w in live:
            if w is not v:
                self.edges.setdefault(v, set()).add(w)
                self.edges.setdefault(w, set()).add(v)

    def partner(self, a: Var, b) -> None:
        if isinstance(b, Var) and b not in self.folded:
            self.partners.setdefault(a, []).append(b)
            self.partners.setdefault(b, []).append(a)

    def block(self, block: Block, live: set) -> set:
        live = set(live)
        for stmt in reversed(block.stmts):
            live = self.stmt(stmt, live)
        return live

    def stmt(self, stmt, live: set) -> set:
        if isinstance(stmt, Call):
            if stmt.target is not None and stmt.target in self.folded:
                return live
            if stmt.target is not None:
                live.discard(stmt.target)
                self.interfere(stmt.target, live)
            for a in list(stmt.args) + list(stmt.kwargs.values()):
                live |= self.leaves(a)
            return live
        if isinstance(stmt, Return):
            return live | self.leaves(stmt.value)
        if isinstance(stmt, If):
            targets = {p.target for p in stmt.outputs}
            after = live - targets
            for t in targets:
                self.interfere(t, live | targets)
            ins = []
            for block, pick in ((stmt.then, "then"), (stmt.orelse, "orelse")):
                sources = {}
                for p in stmt.outputs:
                    src = getattr(p, pick)
                    sources[p.target] = src
                    self.partner(p.target, src)
                end = set(after)
                for src in sources.values():
                    end |= self.leaves(src)
                # the copies at the end of the branch define the targets there
                for t, src in sources.items():
                    self.interfere(t, (end | targets) - self.leaves(src))
                ins.append(self.block(block, end))
            return ins[0] | ins[1] | self.leaves(stmt.cond)
        if isinstance(stmt, (ForRange, While)):
            outs = {c.out for c in stmt.carried}
            region = {c.var for c in stmt.carried}
            if isinstance(stmt, ForRange):
                region.add(stmt.index)
            after = live - outs
            for c in stmt.carried:
                self.interfere(c.out, live | outs)
                self.partner(c.out, c.var)
                self.partner(c.var, c.next)
                self.partner(c.var, c.init)
            exit_ops = self.leaves(stmt.exit) if stmt.exit is not None else set()
            nexts = set()
            for c in stmt.carried:
                nexts |= self.leaves(c.next)
            top: set[Var] = set()
            for _ in range(3):
                # live at the end of an iteration: what the next one (or the exit) reads
                end = after | nexts | exit_ops | (top - region)
                if isinstance(stmt, ForRange):
                    end |= self.leaves(stmt.rng)
                body_in = self.block(stmt.body, end)
                if isinstance(stmt, While):
                    cond_in = self.block(stmt.cond_block, body_in | self.leaves(stmt.cond))
                    new_top = cond_in | after
                else:
                    new_top = body_in
                if new_top == top:
                    break
                top = new_top
            for c in stmt.carried:
                # carried values are assigned at the end of each iteration, in parallel
                self.interfere(c.var, (end | top | region) - self.leaves(c.next))
            if isinstance(stmt, ForRange):
                self.interfere(stmt.index, top | region)
                header = set(self.headers.get(id(stmt), ()))
                for v in header:  # (assigned together with the index, before the body)
                    self.interfere(v, top | region | header)
            before = (top - region) | after
            for c in stmt.carried:
                before |= self.leaves(c.init)
            if isinstance(stmt, ForRange):
                before |= self.leaves(stmt.rng)
            for c in stmt.carried:
                self.interfere(c.var, before - self.leaves(c.init))
            return before
        return live


@dataclass
class Naming:
    """The Python names of one function's values.

    `names` holds those of the values the code stores; `virtual` those of folded
    values that derived values are named after (never written, they keep the
    derived names apart: the adjoint of a folded `add` is not `badd` when the
    code has another `add`)."""

    names: dict
    virtual: dict


def assign_names(fn: Function, folded: set, reserved: set,
                 known: dict | None = None, headers: dict[int, list] | None = None) -> Naming:
    """Name `fn`'s values, reusing a name wherever lifetimes do not overlap.

    A derived value (`Var.origin`) is named after the name its origin gets, here or in
    `known` (the functions of the module named before): the adjoint of `add_1` is
    `badd_1`, the tangent of that adjoint `dbadd_1`. A derived name holds one
    meaning: `bx` only ever holds an adjoint of a value named `x`, and a second one
    live at the same time is numbered (`bx_1`) unless that would read as the
    adjoint of another value `x_1`. A copy of a value (saved, then restored) takes
    the value's name where it is free."""
    known = known if known is not None else {}
    defs = {}
    order = list(fn.params)
    for stmt in _walk(fn.body):
        if isinstance(stmt, Call) and stmt.target is not None:
            defs[stmt.target] = stmt
        for v in _defined_in_order(stmt):
            order.append(v)
    live = _Liveness(fn, folded, defs, headers)
    naming = Naming({}, {})
    names, virtual = naming.names, naming.virtual
    holders: dict = {}  # python name -> vars using it
    taken: set[str] = set()  # the names given so far, stored or virtual
    bases: dict = {}  # var -> the name it would have alone
    meanings: dict = {}  # var -> what its name means (see _meaning)
    followed = {v.origin.var for v in order if v.origin is not None}
    copies: dict = {}  # var -> its copies (restored from a stack, ...)
    for v in order:
        if v.origin is not None and _is_copy(v):
            copies.setdefault(v.origin.var, []).append(v)

    def name_of(v: Var) -> str:
        for table in (names, virtual, known):
            if v in table:
                return table[v]
        return _base(v, name_of)  # a value no generated code holds

    def free(name: str, v: Var) -> bool:
        if name in reserved:
            return False
        return not any(w in live.edges.get(v, ()) or meanings[w] != meanings[v]
                       for w in holders.get(name, ()))

    def misleading(name: str, v: Var) -> bool:
        """A numbered derived name that reads as derived from another value."""
        meaning = meanings[v]
        if meaning is None or _is_copy(v) or name == bases[v]:
            return False
        prefix, _, suffix = meaning
        inner = name[len(prefix):len(name) - len(suffix)]
        return name.startswith(prefix) and name.endswith(suffix) and inner in taken

    def name_stored(v: Var) -> None:
        base = bases[v]
        partners = [p for p in live.partners.get(v, []) if p in names]
        same = [names[p] for p in partners if bases[p] == base and meanings[p] == meanings[v]]
        other = [names[p] for p in partners if names[p] not in same]
        origin = v.origin.var if v.origin is not None and _is_copy(v) else None
        as_origin = [names.get(origin) or known[origin]] \
            if origin in names or origin in known else []
        # the user's name (or a numbered one) reads better than a merged partner's name
        candidates = itertools.chain(
            same, as_origin, [base], (f"{base}_{i}" for i in range(1, 4)), other,
            (f"{base}_{i}" for i in itertools.count(4)))
        for name in candidates:
            if free(name, v) and not misleading(name, v):
                names[v] = name
                holders.setdefault(name, []).append(v)
                taken.add(name)
                break

    def name_folded(v: Var) -> None:
        base = bases[v]
        restored = [names[c] for c in copies.get(v, ()) if c in names]
        if restored:
            virtual[v] = restored[0]  # the value is written where it is restored
        elif meanings[v] is not None:
            virtual[v] = base  # a part of `bx` is `bx` too: its tangent is `dbx`
        else:
            stored = set(names.values()) | reserved
            virtual[v] = next(name for name in itertools.chain(
                [base], (f"{base}_{i}" for i in itertools.count(1))) if name not in stored)
        taken.add(virtual[v])

    # Origins first: a derived value is named after its origin's final name.
    by_depth: dict = {}
    for v in dict.fromkeys(order):
        by_depth.setdefault(_depth(v), []).append(v)
    for depth in sorted(by_depth):
        level = by_depth[depth]
        for v in level:
            bases[v] = _base(v, name_of)
            meanings[v] = _meaning(v, name_of)
        for v in level:
            if v not in folded:
                name_stored(v)
        for v in level:
            if v in folded and v in followed:
                name_folded(v)
    return naming


def _is_copy(v: Var) -> bool:
    return v.origin is not None and v.origin.prefix == COPY and not v.origin.suffix


def _depth(v: Var) -> int:
    """How many derivations (adjoint, tangent, ...) away from the program's values."""
    if v.origin is None:
        return 0
    return _depth(v.origin.var) + (0 if _is_copy(v) else 1)


def _base(v: Var, name_of) -> str:
    """The name `v` would get alone: its hint, or its origin's name made derived."""
    if v.origin is None or _is_copy(v):
        return "_" if v.name == "_" else _identifier(v.name.lstrip("_") or "t")
    origin = v.origin
    return _identifier(origin.prefix + name_of(origin.var) + origin.suffix)


def _meaning(v: Var, name_of) -> tuple | None:
    """What `v`'s name says about it: None for the program's own values (and copies of
    them), which share names freely; (prefix, origin's name, suffix) for derived ones."""
    if v.origin is None:
        return None
    if _is_copy(v):
        return _meaning(v.origin.var, name_of)
    origin = v.origin
    return (origin.prefix, name_of(origin.var), origin.suffix)


def _walk(block: Block):
    for stmt in block.stmts:
        yield stmt
        for sub in sub_blocks(stmt):
            yield from _walk(sub)


def _defined_in_order(stmt) -> list:
    if isinstance(stmt, Call):
        return [stmt.target] if stmt.target is not None else []
    if isinstance(stmt, If):
        return [p.target for p in stmt.outputs]
    if isinstance(stmt, ForRange):
        return [stmt.index] + [c.var for c in stmt.carried] + [c.out for c in stmt.carried]
    if isinstance(stmt, While):
        return [c.var for c in stmt.carried] + [c.out for c in stmt.carried]
    return []


# ----------------------------------------------------------------------------- AST


class _Emitter:
    def __init__(self, fn: Function, ns: _Namespace, reserved: set, known: dict,
                 checks: Checks | None = None):
        self.fn = fn
        self.ns = ns
        self.unpacks = _unpack_groups(fn, set())
        members = {t for items in self.unpacks.values() for t in items}
        # check_finite: the values checked are never folded (each is checked where it is
        # computed, under its own name, visible in a debugger)
        self.checks = checks
        self.checked = checks.checked(fn, members) if checks is not None else set()
        self.loops: list[tuple] = []  # the loops around the statement emitted (checks)
        self.folded = _fold_candidates(fn, members | self.checked)
        self.defs = {s.target: s for s in _walk(fn.body)
                     if isinstance(s, Call) and s.target is not None}
        self.folded |= {t for t in self.unpacks if t not in fn.params}
        self.read = {op for op in all_uses(fn.body) if isinstance(op, Var)}
        # pops a reverse loop reads in its header, zipped with the steps (not checked code:
        # there each value is checked where it is computed, and pops stay statements)
        self.zipped = {key: [p for p in pops if p.target in self.read]
                       for key, pops in pops_in_step_order(fn).items()} \
            if checks is None else {}
        self.zipped_pops = {id(p) for pops in self.zipped.values() for p in pops}
        self.naming = assign_names(fn, self.folded, reserved, known,
                                   {k: [p.target for p in pops] for k, pops in self.zipped.items()})
        self.names = self.naming.names
        self.last_comment: tuple[int, str, str] | None = None  # (line, role, file)

    def name_of(self, v: Var) -> str:
        return self.names[v]

    def function(self) -> ast.FunctionDef:
        args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=self.name_of(p)) for p in
                                                   self.fn.params],
                             vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                             defaults=[])
        body = self.block(self.fn.body)
        return ast.FunctionDef(name=self.fn.name, args=args, body=body or [ast.Pass()],
                               decorator_list=[], returns=None, type_comment=None)

    def block(self, block: Block) -> list:
        out = []
        saved = self.last_comment
        self.last_comment = None
        for stmt in block.stmts:
            out.extend(self.stmt(stmt))
        self.last_comment = saved
        return out

    def comment(self, loc) -> list:
        if loc is None:
            return []
        role = "" if loc.role == "tangent" else loc.role
        key = (loc.line, role, loc.filename)
        if key == self.last_comment:
            return []
        self.last_comment = key
        text = (loc.text or "").strip()
        prefix = _ROLE_PREFIXES.get(role, "")
        where = f"{prefix}line {loc.line}"
        line = f"{where}: {text}" if text else where
        line += _ROLE_NOTES.get(role, "")
        return [ast.Expr(ast.Constant(_COMMENT + line.encode().hex()))]

    def stmt(self, stmt) -> list:
        if isinstance(stmt, Call):
            if id(stmt) in self.zipped_pops:
                return []  # (read in its loop's header)
            group = self.unpacks.get(stmt.target) if stmt.target is not None else None
            if group is not None:
                out = self.comment(stmt.loc)
                return out + [self.assign(group, [self.call(stmt)], unpack=True)] + \
                    [c for t in group for c in self.check(self.defs.get(t))]
            if stmt.fn is operator.getitem and isinstance(stmt.args[0], Var) and \
                    stmt.args[0] in self.unpacks:
                source = stmt.args[0]
                group = self.unpacks[source]
                if source in self.fn.params and stmt.target is group[0]:
                    return [self.assign(group, [self.expr(source)], unpack=True)]
                return []
            if stmt.target is not None and stmt.target in self.folded:
                return []
            if stmt.fn is runtime.identity and stmt.target is not None and \
                    isinstance(stmt.args[0], Var) and \
                    self.names.get(stmt.args[0]) == self.names[stmt.target]:
                return []  # a copy under the name the value already has (`bx = bx`)
            out = self.comment(stmt.loc)
            if stmt.fn is runtime.push:
                stack, item = stmt.args
                call = ast.Call(ast.Attribute(self.expr(stack), "append", ast.Load()),
                                [self.expr(item)], [])
                return out + [ast.Expr(call)]
            value = self.call(stmt)
            if stmt.target is None or stmt.target not in self.read:
                # (kept for its effect, such as a check: nothing reads its value)
                return out + [ast.Expr(value)]
            return out + [self.assign([stmt.target], [value])] + self.check(stmt)
        if isinstance(stmt, Return):
            return [ast.Return(self.expr(stmt.value))]
        if isinstance(stmt, If):
            out = self.comment(stmt.loc)
            then = self.block(stmt.then) + self.copies(
                [(p.target, p.then) for p in stmt.outputs])
            orelse = self.block(stmt.orelse) + self.copies(
                [(p.target, p.orelse) for p in stmt.outputs])
            test = self.expr(stmt.cond)
            if not then:
                test = _negate(test)
                then, orelse = orelse, []
            return out + [ast.If(test, then or [ast.Pass()], orelse)]
        if isinstance(stmt, (ForRange, While)):
            out = self.comment(stmt.loc)
            out += self.copies([(c.var, c.init) for c in stmt.carried])
            if isinstance(stmt, ForRange):
                self.loops.append(loop_entry(stmt.index, self.name_of(stmt.index),
                                             stmt.loc.line if stmt.loc else 0))
            else:
                self.loops.append(("", "", stmt.loc.line if stmt.loc else 0))
            body = self.block(stmt.body) + self.copies([(c.var, c.next) for c in stmt.carried])
            if stmt.exit is not None:
                body.append(ast.If(self.expr(stmt.exit), [ast.Break()], []))
            loop: ast.For | ast.While
            if isinstance(stmt, ForRange) and self.zipped.get(id(stmt)):
                pops = self.zipped[id(stmt)]
                targets: list[ast.expr] = [ast.Name(self.name_of(stmt.index), ast.Store())]
                iterables: list[ast.expr] = [self.expr(stmt.rng)]
                for p in pops:
                    assert p.target is not None
                    targets.append(ast.Name(self.name_of(p.target), ast.Store()))
                    iterables.append(ast.Call(ast.Name("reversed", ast.Load()),
                                              [self.expr(p.args[0])], []))
                loop = ast.For(ast.Tuple(targets, ast.Store()),
                               ast.Call(ast.Name("zip", ast.Load()), iterables, []),
                               body or [ast.Pass()], [], None)
            elif isinstance(stmt, ForRange):
                loop = ast.For(ast.Name(self.name_of(stmt.index), ast.Store()),
                               self.expr(stmt.rng), body or [ast.Pass()], [], None)
            else:
                cond_stmts = self.block(stmt.cond_block)
                test = self.expr(stmt.cond)
                if cond_stmts:
                    body = cond_stmts + [ast.If(_negate(test), [ast.Break()], [])] + body
                    test = ast.Constant(True)
                loop = ast.While(test, body or [ast.Pass()], [])
            self.loops.pop()
            out.append(loop)
            out += self.copies([(c.out, c.var) for c in stmt.carried])
            return out
        return []

    def check(self, stmt: Call | None) -> list:
        """check_finite: `if not all_finite(v): raise non_finite(site, v)` after the
        statement computing a checked value `v`."""
        if stmt is None or self.checks is None or stmt.target is None or \
                stmt.target not in self.checked or stmt.target not in self.names:
            return []
        leaves: list = []
        for a in list(stmt.args) + list(stmt.kwargs.values()):
            leaves += self.leaves(a)
        site = self.checks.site(stmt, self.names, leaves, set(self.fn.params), self.loops)
        name = ast.Name(self.name_of(stmt.target), ast.Load())
        check = _dotted("math.isfinite") if self.checks.is_scalar(stmt.target, self.fn) \
            else ast.Name(self.ns.bind(finite.all_finite, "all_finite"), ast.Load())
        test = ast.Call(check, [name], [])
        self.ns.sites.append(site)
        error = ast.Call(ast.Name(self.ns.bind(finite.non_finite, "non_finite"), ast.Load()),
                         [ast.Constant(len(self.ns.sites) - 1), name], [])
        return [ast.If(_negate(test), [ast.Raise(error, None)], [])]

    def leaves(self, op) -> list:
        """The named values an operand reads (through folded temporaries)."""
        if not isinstance(op, Var):
            return []
        if op in self.folded and op in self.defs:
            d = self.defs[op]
            return [v for a in list(d.args) + list(d.kwargs.values()) for v in self.leaves(a)]
        return [op]

    def copies(self, pairs: list) -> list:
        """Parallel assignments `a, b = x, y`, skipping those whose names already agree."""
        real = [(t, s) for t, s in pairs if not (isinstance(s, Var) and s not in self.folded
                                                 and self.names.get(s) == self.names[t])]
        if not real:
            return []
        return [self.assign([t for t, _ in real], [self.expr(s) for _, s in real])]

    def assign(self, targets: list, values: list, unpack: bool = False) -> ast.stmt:
        if unpack:
            names: list[ast.expr] = [ast.Name(self.name_of(t), ast.Store()) for t in targets]
            return ast.Assign([ast.Tuple(names, ast.Store())], values[0])
        if len(targets) == 1:
            return ast.Assign([ast.Name(self.name_of(targets[0]), ast.Store())], values[0])
        return ast.Assign([ast.Tuple([ast.Name(self.name_of(t), ast.Store()) for t in targets],
                                     ast.Store())], ast.Tuple(values, ast.Load()))

    # -- expressions
    def expr(self, op) -> ast.expr:
        if isinstance(op, Const):
            return self.const(op)
        if op in self.folded:
            return self.call(self.defs[op])
        return ast.Name(self.name_of(op), ast.Load())

    def const(self, c: Const) -> ast.expr:
        v = c.value
        if isinstance(v, bool) or v is None or isinstance(v, str) or v is Ellipsis:
            return ast.Constant(v)
        if isinstance(v, (int, float)) and type(v) in (int, float):
            if isinstance(v, float) and not math.isfinite(v):
                return ast.Call(ast.Name("float", ast.Load()), [ast.Constant(repr(v))], [])
            if v < 0:
                return ast.UnaryOp(ast.USub(), ast.Constant(-v))
            return ast.Constant(v)
        if type(v) is complex and math.isfinite(v.real) and math.isfinite(v.imag):
            # 1j, (0.3-0.7j): the literal the user wrote
            imag = ast.Constant(complex(0.0, abs(v.imag)))
            if v.real == 0.0:
                return imag if v.imag >= 0 else ast.UnaryOp(ast.USub(), imag)
            op = ast.Add() if v.imag >= 0 else ast.Sub()
            return ast.BinOp(self.const(Const(v.real)), op, imag)
        if isinstance(v, tuple) and type(v) is tuple:
            return ast.Tuple([self.const(Const(x)) for x in v], ast.Load())
        if isinstance(v, slice):
            return ast.Call(ast.Name("slice", ast.Load()),
                            [self.const(Const(x)) for x in (v.start, v.stop, v.step)], [])
        defined = constants.definition(v)
        hint = defined[0] if defined else c.name or type(v).__name__.lower()
        return ast.Name(self.ns.bind(v, hint), ast.Load())

    def index(self, op) -> ast.expr:
        """An operand used as a subscript: slices and tuples in their own syntax."""
        if isinstance(op, Const):
            v = op.value
            if isinstance(v, slice):
                return ast.Slice(*(None if x is None else self.const(Const(x))
                                   for x in (v.start, v.stop, v.step)))
            if isinstance(v, tuple) and type(v) is tuple and v:
                return ast.Tuple([self.index(Const(x)) for x in v], ast.Load())
            return self.const(op)
        if op in self.folded:
            d = self.defs[op]
            if d.fn is runtime.make_slice:
                return ast.Slice(*(None if isinstance(a, Const) and a.value is None
                                   else self.expr(a) for a in d.args))
            if d.fn is runtime.make_tuple and d.args:
                return ast.Tuple([self.index(a) for a in d.args], ast.Load())
        return self.expr(op)

    def call(self, stmt: Call) -> ast.expr:
        fn, args, kwargs = stmt.fn, stmt.args, stmt.kwargs
        if not kwargs:
            if fn in BINARY and len(args) == 2:
                return ast.BinOp(self.expr(args[0]), BINARY[fn](), self.expr(args[1]))
            if fn in COMPARE and len(args) == 2:
                return ast.Compare(self.expr(args[0]), [COMPARE[fn]()], [self.expr(args[1])])
            if fn is operator.contains and len(args) == 2:
                return ast.Compare(self.expr(args[1]), [ast.In()], [self.expr(args[0])])
            if fn in UNARY and len(args) == 1:
                return ast.UnaryOp(UNARY[fn](), self.expr(args[0]))
            if fn is operator.getitem and len(args) == 2:
                return ast.Subscript(self.expr(args[0]), self.index(args[1]), ast.Load())
            if fn is runtime.make_tuple:
                return ast.Tuple([self.expr(a) for a in args], ast.Load())
            if fn is runtime.identity:
                return self.expr(args[0])
            if fn is runtime.make_list:
                return ast.List([self.expr(a) for a in args], ast.Load())
            if fn is runtime.new_stack:
                return ast.List([], ast.Load())
            if fn is runtime.pop:
                return ast.Call(ast.Attribute(self.expr(args[0]), "pop", ast.Load()), [], [])
            if fn is runtime.copy_stack:
                return ast.Call(ast.Name("list", ast.Load()), [self.expr(args[0])], [])
            if isinstance(fn, Attribute):
                return ast.Attribute(self.expr(args[0]), fn.name, ast.Load())
        keywords = [ast.keyword(k, self.expr(v)) for k, v in kwargs.items()]
        if isinstance(fn, Method):
            func = ast.Attribute(self.expr(args[0]), fn.name, ast.Load())
            return ast.Call(func, [self.expr(a) for a in args[1:]], keywords)
        return ast.Call(self.callee(fn), [self.expr(a) for a in args], keywords)

    def callee(self, fn) -> ast.expr:
        if isinstance(fn, GeneratedRef):
            return ast.Name(fn.name, ast.Load())
        if fn is runtime.make_slice:
            return ast.Name("slice", ast.Load())
        if fn is runtime.identity:
            return ast.Name("_identity_never_emitted", ast.Load())
        module = getattr(fn, "__module__", None) or ""
        name = getattr(fn, "__name__", None)
        if name and getattr(builtins, name, None) is fn:
            return ast.Name(name, ast.Load())
        if name and (module == runtime.__name__ or module.startswith(runtime.__name__ + ".")):
            return ast.Name(self.ns.bind(fn, name), ast.Load())
        if name and getattr(math, name, None) is fn:
            return _dotted(f"math.{name}")
        if name and getattr(np, name, None) is fn:
            return _dotted(f"np.{name}")
        if name and module.startswith("numpy."):
            path = module.split(".")
            obj = np
            try:
                for part in path[1:]:
                    obj = getattr(obj, part)
                if getattr(obj, name) is fn:
                    return _dotted(".".join(["np"] + path[1:] + [name]))
            except AttributeError:
                pass
        return ast.Name(self.ns.bind(fn, name or "function"), ast.Load())


def _dotted(path: str) -> ast.expr:
    parts = path.split(".")
    node: ast.expr = ast.Name(parts[0], ast.Load())
    for p in parts[1:]:
        node = ast.Attribute(node, p, ast.Load())
    return node


def _negate(test: ast.expr) -> ast.expr:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    return ast.UnaryOp(ast.Not(), test)


# ----------------------------------------------------------------------------- modules

_counter = [0]


def build_module(title: str, functions: list, header: str,
                 check_finite: bool = False) -> Module:
    """Render and compile `functions` (IR) as one module; returns it with its namespace.
    With `check_finite`, every value computed is checked for NaN and Inf (checks.py)."""
    checks = Checks(functions) if check_finite else None
    if check_finite:
        header += ("\nChecked for NaN and Inf (check_finite=True): each value is checked "
                   "where it is computed,\nand the first non-finite one raises "
                   "NonFiniteError naming the user's line.")
    namespace: dict = {"np": np, "math": math, "__builtins__": builtins}
    reserved = {"np", "math"} | {f.name for f in functions} | set(dir(builtins))
    ns = _Namespace(namespace, reserved)
    for _ in range(4):
        # Names bound while emitting (helpers, captured objects) must not be reused
        # for local variables: emit again with them reserved until nothing collides.
        taken = reserved | set(namespace)
        ns.sites = []
        known: dict = {}  # names in the functions before: derived values follow them
        emitters = []
        for fn in functions:
            emitters.append(_Emitter(fn, ns, taken, known, checks))
            known.update(emitters[-1].naming.names)
            known.update(emitters[-1].naming.virtual)
        defs: list[ast.stmt] = [e.function() for e in emitters]
        local = {name for e in emitters for name in e.names.values()}
        if not local & (set(namespace) - {"__builtins__"}):
            break
    tree = ast.Module(body=defs, type_ignores=[])
    ast.fix_missing_locations(tree)
    source = _render(tree)
    imports: dict = {}
    for n, v in namespace.items():
        module = getattr(v, "__module__", "") or ""
        if module == runtime.__name__ or module.startswith(runtime.__name__ + "."):
            own = getattr(v, "__name__", n)
            # two helpers of one name from different modules: the second is renamed
            imports.setdefault(module, []).append(n if own == n else f"{own} as {n}")
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    defined = {n: d[1] for n, v in namespace.items()
               if (d := constants.definition(v)) is not None}
    statements = re.sub(r"(?m)^\s*#.*$", "", source)  # (a name in a comment: no import)
    stdlib = ["import math"] if re.search(r"\bmath\.", statements) else []
    third = ["import numpy as np"] if defined or re.search(r"\bnp\.", statements) else []
    for module in sorted(imports):
        third.append(f"from {module} import {', '.join(sorted(imports[module]))}")
    lines += stdlib + ([""] if stdlib and third else []) + third
    bound = [n for n, v in namespace.items() if n not in ("np", "math", "__builtins__")
             and n not in defined
             and not (getattr(v, "__module__", "") or "").startswith(runtime.__name__)]
    if bound:
        lines.append(f"# also in scope (captured when transformed): {', '.join(sorted(bound))}")
    if defined:
        lines.append("")
        lines += [f"{n} = {defined[n]}" for n in sorted(defined)]
    text = "\n".join(lines) + "\n\n\n" + source
    _counter[0] += 1
    filename = f"<srcad {title} #{_counter[0]}>"
    code = compile(text, filename, "exec")
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    if ns.sites:
        namespace[finite.SITES] = ns.sites
    exec(code, namespace)
    return Module(title, [namespace[f.name] for f in functions], namespace, text, filename)


def _render(tree: ast.Module) -> str:
    source = astor.to_source(tree, indent_with="    ")
    out = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(("'" + _COMMENT, '"' + _COMMENT)) or \
                stripped.startswith(repr(_COMMENT)[:-1]):
            indent = line[: len(line) - len(line.lstrip())]
            payload = stripped.strip("'\"").split(":", 1)[1]
            out.append(f"{indent}# {bytes.fromhex(payload).decode()}")
        else:
            out.append(line)
    # two blank lines between top-level functions
    text = "\n".join(out).strip("\n") + "\n"
    return re.sub(r"\n+(def )", r"\n\n\n\1", text)


_ = Carried
