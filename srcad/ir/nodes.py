"""The SSA intermediate representation.

A `Function` is a `Block` of statements. Every `Var` is assigned exactly once.
Control flow is structured: `If`, `ForRange` and `While` regions carry their
merged values explicitly (`Phi` for branches, `Carried` for loops), so no
statement ever reassigns a variable. `print(function)` shows a readable listing;
`srcad.ir.verify` checks the invariants.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from srcad.errors import SourceLoc

_ids = itertools.count(1)


class Var:
    """An SSA value. `name` is a readable hint (the user's name, or an operation);
    `origin` is set on a derived value, named after another in generated code."""

    __slots__ = ("id", "keep", "name", "origin")

    def __init__(self, name: str, keep: bool = False, origin: Origin | None = None):
        self.name = name
        self.id = next(_ids)
        self.keep = keep  # a name the user wrote: never folded away in generated code
        self.origin = origin

    def __repr__(self) -> str:
        return f"%{self.name}.{self.id}"


ADJOINT = "b"  # the adjoint of `x` is `bx`
TANGENT = "d"  # the tangent of `x` is `dx` (of the adjoint `bx`: `dbx`)
COPY = ""  # a copy of `x` (a value saved and restored) is `x` again; with a suffix, a
# value made from it: `x_stack`


@dataclass(frozen=True)
class Origin:
    """Generated code names a derived value `prefix` + the name `var` gets + `suffix`."""

    prefix: str
    var: Var
    suffix: str = ""

    @property
    def hint(self) -> str:
        return self.prefix + self.var.name + self.suffix


def named_after(var: Var, prefix: str, suffix: str = "", keep: bool = False) -> Var:
    """A new value derived from `var` (its adjoint, tangent or copy), named after it."""
    origin = Origin(prefix, var, suffix)
    return Var(origin.hint, keep, origin)


@dataclass(frozen=True)
class Const:
    """A compile-time constant operand; `name` is how the user spelled it, if anywhere."""

    value: Any
    name: str = field(default="", compare=False)

    def __eq__(self, other: object) -> bool:
        # A module-level array, list of arrays or tuple of arrays is a constant too, and
        # `==` on arrays compares elementwise: such constants are equal only if they are
        # the same object.
        if not isinstance(other, Const):
            return NotImplemented
        a, b = self.value, other.value
        if a is b:
            return True
        try:
            same = a == b
        except (TypeError, ValueError):  # a list holding arrays
            return False
        if isinstance(same, bool):
            return same
        return getattr(same, "shape", None) == () and bool(same)  # a NumPy bool

    def __hash__(self) -> int:
        try:
            return hash(self.value)
        except TypeError:  # a list, an array, a slice: equal values share a bucket
            return hash(type(self.value))

    def __repr__(self) -> str:
        if isinstance(self.value, (int, float, str, bool, type(None))):
            return repr(self.value)
        return f"<{type(self.value).__name__}>"


Operand = Var | Const


@dataclass
class Call:
    """`target = fn(*args, **kwargs)`; `target` is None for calls kept for effect."""

    target: Var | None
    fn: Any
    args: list[Operand]
    kwargs: dict[str, Operand] = field(default_factory=dict)
    loc: SourceLoc | None = None


@dataclass
class Phi:
    """The value of `target` after an `If`: `then` or `orelse` depending on the branch."""

    target: Var
    then: Operand
    orelse: Operand


@dataclass
class If:
    cond: Operand
    then: Block
    orelse: Block
    outputs: list[Phi] = field(default_factory=list)
    loc: SourceLoc | None = None


@dataclass
class Carried:
    """A loop-carried value: `var` holds it at the top of each iteration, starting
    from `init`; `next` is its value at the end of an iteration; `out` after the loop."""

    var: Var
    init: Operand
    next: Operand | None
    out: Var


@dataclass
class ForRange:
    """`for index in rng: body`, where `rng` is a `range` object.

    If `exit` is set, it is a value computed by the body; the loop stops after any
    iteration where it is true (this is how `break` is represented)."""

    index: Var
    rng: Operand
    carried: list[Carried]
    body: Block
    exit: Operand | None = None
    loc: SourceLoc | None = None


@dataclass
class While:
    """`while True: cond_block; if not cond: break; body; if exit: break`."""

    carried: list[Carried]
    cond_block: Block
    cond: Operand
    body: Block
    exit: Operand | None = None
    loc: SourceLoc | None = None


@dataclass
class Return:
    value: Operand
    loc: SourceLoc | None = None


@dataclass
class Comment:
    """A comment kept in generated code (points back at the user's source)."""

    text: str


Stmt = Call | If | ForRange | While | Return | Comment


@dataclass
class Block:
    stmts: list = field(default_factory=list)

    def __iter__(self) -> Iterator:
        return iter(self.stmts)


@dataclass
class Function:
    """A function: its parameters and body. `arity` gives, for a parameter holding a
    tuple of known length (a backward function's saved values), that length; `scalars`,
    for a generated function, the values of the program it derives from that are known
    to be real scalars (codegen's NaN checks test them, and their adjoints, inline)."""

    name: str
    params: list[Var]
    body: Block
    loc: SourceLoc | None = None
    arity: dict[Var, int] = field(default_factory=dict)
    scalars: set = field(default_factory=set)

    def __str__(self) -> str:
        return format_function(self)


# ----------------------------------------------------------------------------- walking


def sub_blocks(stmt) -> list[Block]:
    if isinstance(stmt, If):
        return [stmt.then, stmt.orelse]
    if isinstance(stmt, ForRange):
        return [stmt.body]
    if isinstance(stmt, While):
        return [stmt.cond_block, stmt.body]
    return []


def walk(block: Block) -> Iterator:
    """Every statement in `block`, nested ones included, in textual order."""
    for stmt in block.stmts:
        yield stmt
        for sub in sub_blocks(stmt):
            yield from walk(sub)


def defined_vars(stmt) -> list[Var]:
    """Values a statement itself defines (not those of nested blocks' statements)."""
    if isinstance(stmt, Call):
        return [stmt.target] if stmt.target is not None else []
    if isinstance(stmt, If):
        return [p.target for p in stmt.outputs]
    if isinstance(stmt, ForRange):
        return [c.out for c in stmt.carried]
    if isinstance(stmt, While):
        return [c.out for c in stmt.carried]
    return []


def region_vars(stmt) -> list[Var]:
    """Values defined at the top of a loop body (the index and carried values)."""
    if isinstance(stmt, ForRange):
        return [stmt.index] + [c.var for c in stmt.carried]
    if isinstance(stmt, While):
        return [c.var for c in stmt.carried]
    return []


def used_operands(stmt) -> list[Operand]:
    """Operands a statement reads at its own level (not inside nested blocks)."""
    if isinstance(stmt, Call):
        return list(stmt.args) + list(stmt.kwargs.values())
    if isinstance(stmt, If):
        return [stmt.cond]
    if isinstance(stmt, (ForRange, While)):
        ops = [c.init for c in stmt.carried]
        if isinstance(stmt, ForRange):
            ops.append(stmt.rng)
        return ops
    if isinstance(stmt, Return):
        return [stmt.value]
    return []


def block_end_uses(stmt, block: Block) -> list[Operand]:
    """Operands read at the end of `block`, a sub-block of `stmt` (phi inputs)."""
    if isinstance(stmt, If):
        if block is stmt.then:
            return [p.then for p in stmt.outputs]
        return [p.orelse for p in stmt.outputs]
    if isinstance(stmt, ForRange):
        ops = [c.next for c in stmt.carried if c.next is not None]
        return ops + ([stmt.exit] if stmt.exit is not None else [])
    if isinstance(stmt, While):
        if block is stmt.cond_block:
            return [stmt.cond]
        ops = [c.next for c in stmt.carried if c.next is not None]
        return ops + ([stmt.exit] if stmt.exit is not None else [])
    return []


def all_uses(block: Block) -> Iterator[Operand]:
    """Every operand read anywhere in `block`."""
    for stmt in block.stmts:
        yield from used_operands(stmt)
        for sub in sub_blocks(stmt):
            yield from all_uses(sub)
            yield from block_end_uses(stmt, sub)


def substitute(block: Block, mapping: dict) -> None:
    """Replace operands in place throughout `block` (keys are Vars)."""
    if not mapping:
        return

    def sub(op):
        while isinstance(op, Var) and op in mapping:
            op = mapping[op]
        return op

    for stmt in block.stmts:
        if isinstance(stmt, Call):
            stmt.args = [sub(a) for a in stmt.args]
            stmt.kwargs = {k: sub(v) for k, v in stmt.kwargs.items()}
        elif isinstance(stmt, If):
            stmt.cond = sub(stmt.cond)
            for p in stmt.outputs:
                p.then, p.orelse = sub(p.then), sub(p.orelse)
        elif isinstance(stmt, (ForRange, While)):
            for c in stmt.carried:
                c.init = sub(c.init)
                c.next = sub(c.next) if c.next is not None else None
            if stmt.exit is not None:
                stmt.exit = sub(stmt.exit)
            if isinstance(stmt, ForRange):
                stmt.rng = sub(stmt.rng)
            else:
                stmt.cond = sub(stmt.cond)
        elif isinstance(stmt, Return):
            stmt.value = sub(stmt.value)
        for b in sub_blocks(stmt):
            substitute(b, mapping)


# ----------------------------------------------------------------------------- printing


def fn_label(fn: Any) -> str:
    """A short readable label for a primitive."""
    label = getattr(fn, "srcad_label", None)
    if label:
        return label
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__name__", None) or type(fn).__name__
    short = {"numpy": "np", "_operator": "", "operator": "", "math": "math",
             "builtins": ""}.get(module.split(".")[0] if module else "", module)
    if module.startswith("numpy"):
        short = "np"
    return f"{short}.{name}" if short else name


def _fmt_op(op: Operand | None) -> str:
    return repr(op)


def format_function(fn: Function) -> str:
    lines = [f"function {fn.name}({', '.join(map(repr, fn.params))}):"]
    _format_block(fn.body, 1, lines)
    return "\n".join(lines)


def _format_block(block: Block, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    if not block.stmts:
        lines.append(pad + "pass")
    for s in block.stmts:
        where = f"    # line {s.loc.line}" if getattr(s, "loc", None) else ""
        if isinstance(s, Call):
            args = [_fmt_op(a) for a in s.args] + [f"{k}={_fmt_op(v)}" for k, v in s.kwargs.items()]
            lhs = f"{s.target!r} = " if s.target is not None else ""
            lines.append(f"{pad}{lhs}{fn_label(s.fn)}({', '.join(args)}){where}")
        elif isinstance(s, If):
            lines.append(f"{pad}if {_fmt_op(s.cond)}:{where}")
            _format_block(s.then, depth + 1, lines)
            lines.append(f"{pad}else:")
            _format_block(s.orelse, depth + 1, lines)
            for p in s.outputs:
                lines.append(f"{pad}{p.target!r} = phi({_fmt_op(p.then)}, {_fmt_op(p.orelse)})")
        elif isinstance(s, (ForRange, While)):
            carried = ", ".join(f"{c.var!r}={_fmt_op(c.init)}->{_fmt_op(c.next)}"
                                for c in s.carried)
            exit_ = f" exit={_fmt_op(s.exit)}" if s.exit is not None else ""
            if isinstance(s, ForRange):
                lines.append(f"{pad}for {s.index!r} in {_fmt_op(s.rng)} [{carried}]{exit_}:{where}")
            else:
                lines.append(f"{pad}while [{carried}]{exit_}:{where}")
                lines.append(f"{pad}  cond:")
                _format_block(s.cond_block, depth + 2, lines)
                lines.append(f"{pad}    -> {_fmt_op(s.cond)}")
                lines.append(f"{pad}  body:")
            _format_block(s.body, depth + 1 + isinstance(s, While), lines)
            for c in s.carried:
                lines.append(f"{pad}{c.out!r} = exit({c.var!r})")
        elif isinstance(s, Return):
            lines.append(f"{pad}return {_fmt_op(s.value)}{where}")
        elif isinstance(s, Comment):
            lines.append(f"{pad}# {s.text}")
