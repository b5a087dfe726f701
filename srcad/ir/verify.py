"""The IR verifier: the invariants every pass must keep.

Structure: each `Var` is assigned once and read only where it is in scope (a value
defined in a branch or loop body is visible after it only through a `Phi` or a
`Carried` value), operands are `Var`s or `Const`s, and a `Return` ends the function.

Kinds, once inferred: every value read or defined has a kind, each kind is one of
`srcad.ir.kinds`'s values, a merged value's kind covers the kinds of what it merges,
and a loop index is a scalar.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn

from srcad.ir.kinds import (
    COMPLEX,
    COMPLEX_SCALAR,
    NUMERIC,
    OTHER,
    SCALAR,
    ArrayKind,
    ListKind,
    TupleKind,
    join_kinds,
    kind_of_value,
)
from srcad.ir.nodes import (
    Block,
    Call,
    Comment,
    Const,
    ForRange,
    Function,
    If,
    Operand,
    Return,
    Var,
    While,
    defined_vars,
    region_vars,
    used_operands,
)

_NAMED_KINDS = (SCALAR, NUMERIC, OTHER, COMPLEX, COMPLEX_SCALAR)


class IRVerificationError(AssertionError):
    """The IR broke one of its invariants (a bug in srcad, never the user's)."""


def is_kind(kind: object) -> bool:
    """Whether `kind` is a value kind (see `srcad.ir.kinds`)."""
    if isinstance(kind, str):
        return kind in _NAMED_KINDS
    if isinstance(kind, ArrayKind):
        return (kind.ndim is None or (type(kind.ndim) is int and kind.ndim >= 0)) and \
            isinstance(kind.complex, bool)
    if isinstance(kind, TupleKind):
        return isinstance(kind.items, tuple) and all(map(is_kind, kind.items))
    if isinstance(kind, ListKind):
        return kind.item is None or is_kind(kind.item)
    return False


def verify(fn: Function, kinds: Mapping[Var, object] | None = None) -> None:
    """Check `fn`'s invariants; raise `IRVerificationError` at the first broken one.

    Parameters
    ----------
    fn : Function
        The IR to check.
    kinds : mapping of Var to kind, optional
        The inferred kind of each value (`analysis.inference.Kinds.kinds`). When given,
        the kinds are checked too.
    """
    _Verifier(fn, kinds).run()


class _Verifier:
    def __init__(self, fn: Function, kinds: Mapping[Var, object] | None):
        self.fn = fn
        self.kinds = kinds
        self.defined: set[Var] = set()

    def fail(self, message: str) -> NoReturn:
        raise IRVerificationError(f"in {self.fn.name}: {message}")

    def run(self) -> None:
        for p in self.fn.params:
            self.define(p)
        self.block(self.fn.body, set(self.fn.params))

    # -- structure
    def define(self, v: Var) -> None:
        if not isinstance(v, Var):
            self.fail(f"definition of a non-Var {v!r}")
        if v in self.defined:
            self.fail(f"{v!r} is assigned more than once")
        self.defined.add(v)
        self.kind_of(v, "defined")

    def read(self, op: Operand, scope: set) -> None:
        if not isinstance(op, (Var, Const)):
            self.fail(f"bad operand {op!r}")
        if isinstance(op, Var):
            if op not in scope:
                self.fail(f"{op!r} is used where it is not defined")
            self.kind_of(op, "read")

    def block(self, block: Block, scope: set) -> set:
        scope = set(scope)
        for stmt in block.stmts:
            if not isinstance(stmt, (Call, If, ForRange, While, Return, Comment)):
                self.fail(f"unknown statement {stmt!r}")
            if isinstance(stmt, Return) and not (block is self.fn.body and
                                                 stmt is block.stmts[-1]):
                self.fail("a return that does not end the function")
            for op in used_operands(stmt):
                self.read(op, scope)
            if isinstance(stmt, If):
                self.if_(stmt, scope)
            elif isinstance(stmt, (ForRange, While)):
                self.loop(stmt, scope)
            for v in defined_vars(stmt):
                self.define(v)
                scope.add(v)
        return scope

    def if_(self, stmt: If, scope: set) -> None:
        then = self.block(stmt.then, scope)
        orelse = self.block(stmt.orelse, scope)
        for p in stmt.outputs:
            self.read(p.then, then)
            self.read(p.orelse, orelse)
            # `None` stands for "not assigned on this path": it adds no kind
            for side in (p.then, p.orelse):
                if not (isinstance(side, Const) and side.value is None):
                    self.covers(p.target, side, "phi")

    def loop(self, stmt: ForRange | While, scope: set) -> None:
        inner = set(scope)
        for v in region_vars(stmt):
            self.define(v)
            inner.add(v)
        if isinstance(stmt, ForRange) and self.kinds is not None and \
                self.kinds.get(stmt.index) != SCALAR:
            self.fail(f"loop index {stmt.index!r} has kind {self.kinds.get(stmt.index)!r}, "
                      "not a scalar")
        if isinstance(stmt, While):
            inner = self.block(stmt.cond_block, inner)
            self.read(stmt.cond, inner)
        body = self.block(stmt.body, inner)
        for c in stmt.carried:
            if c.next is None:
                self.fail(f"loop value {c.var!r} has no next value")
            self.read(c.next, body)
            self.covers(c.var, c.init, "loop value")
            self.covers(c.var, c.next, "loop value")
            if self.kinds is not None and self.kinds.get(c.out) != self.kinds.get(c.var):
                self.fail(f"{c.out!r} (kind {self.kinds.get(c.out)!r}) leaves the loop with "
                          f"another kind than {c.var!r} ({self.kinds.get(c.var)!r})")
        if stmt.exit is not None:
            self.read(stmt.exit, body)

    # -- kinds
    def kind_of(self, v: Var, how: str) -> object:
        if self.kinds is None:
            return None
        if v not in self.kinds:
            self.fail(f"{v!r} is {how} but has no kind")
        kind = self.kinds[v]
        if not is_kind(kind):
            self.fail(f"{v!r} has {kind!r}, which is not a kind")
        return kind

    def covers(self, target: Var, source: Operand, what: str) -> None:
        """A merge's kind must cover each merged value's kind."""
        if self.kinds is None:
            return
        kind = self.kinds.get(target)
        source_kind = kind_of_value(source.value) if isinstance(source, Const) \
            else self.kinds.get(source)
        if join_kinds(kind, source_kind) != kind:
            self.fail(f"{what} {target!r} has kind {kind!r} but merges {source!r} of kind "
                      f"{source_kind!r}")
