"""The checks `check_finite=True` adds to generated code (docs/nan.md).

`Checks` decides, for the functions of one generated module, which values are checked
(every value a statement of the user's program or of its derivative computes, except
those that cannot hold a NaN: comparisons, slices, tuples, the results of a helper's
generated functions, which check their own values) and which are *masked*: a value
whose only use is as a branch of `np.where` (directly, or through other masked
values) may well be non-finite where the `where` does not select it
(`np.where(x > 0, np.log(x), 0.0)` at 0), so it is not checked; the `where`'s result is.
An adjoint of a masked value is remembered with the mask: a NaN it creates by 0 * Inf is
the classic masked-branch NaN, and the error says so.

For each checked value, `site` describes the statement for the error message: the
sweep, the user's line, the names of the value and of its inputs, the loops around it.
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

import numpy as np

from srcad import runtime
from srcad.ir.nodes import (
    COPY,
    Block,
    Call,
    Const,
    ForRange,
    Function,
    If,
    Return,
    Var,
    While,
    fn_label,
    sub_blocks,
)
from srcad.optimize.optimizer import GeneratedRef
from srcad.runtime.finite import ARGUMENT, Mask, Site, holds_non_finite

# results that hold no float (or that only pass along values checked where they were made)
_UNCHECKED = {operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
              operator.is_, operator.is_not, operator.not_, operator.contains, runtime.identity,
              runtime.make_tuple, runtime.make_slice, runtime.new_stack, runtime.copy_stack,
              runtime.push, runtime.pop, range, len, isinstance, type, np.shape, np.ndim,
              np.size, np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_and,
              np.logical_or, np.logical_not, np.logical_xor, np.equal, np.not_equal,
              np.less, np.less_equal, np.greater, np.greater_equal, np.argmax, np.argmin,
              np.argsort}
_OPERATORS = {operator.add: ast.Add, operator.sub: ast.Sub, operator.mul: ast.Mult,
              operator.truediv: ast.Div, operator.floordiv: ast.FloorDiv,
              operator.mod: ast.Mod, operator.pow: ast.Pow, operator.matmul: ast.MatMult}


def _walk(block: Block):
    for stmt in block.stmts:
        yield stmt
        for sub in sub_blocks(stmt):
            yield from _walk(sub)


def _role(stmt: Any) -> str | None:
    loc = getattr(stmt, "loc", None)
    return None if loc is None else loc.role


def _operands(stmt: Any) -> list:
    if isinstance(stmt, Call):
        return list(stmt.args) + list(stmt.kwargs.values())
    if isinstance(stmt, If):
        return [stmt.cond] + [p.then for p in stmt.outputs] + [p.orelse for p in stmt.outputs]
    if isinstance(stmt, (ForRange, While)):
        ops = [c.init for c in stmt.carried] + [c.next for c in stmt.carried]
        if isinstance(stmt, ForRange):
            ops.append(stmt.rng)
        if isinstance(stmt, While):
            ops.append(stmt.cond)
        if stmt.exit is not None:
            ops.append(stmt.exit)
        return ops
    if isinstance(stmt, Return):
        return [stmt.value]
    return []


def root(v: Var) -> Var:
    """The value `v` is a copy of (saved and restored, popped), or `v`."""
    while v.origin is not None and v.origin.prefix == COPY and not v.origin.suffix:
        v = v.origin.var
    return v


def user_name(v: Var) -> str:
    """`v`'s name for the user: the program's name (`x`, not `x#7`), `bx` for an adjoint."""
    v = root(v)
    if v.origin is None:
        return v.name.split("#")[0].lstrip("%") or "value"
    return v.origin.prefix + user_name(v.origin.var) + v.origin.suffix


def meaning(v: Var) -> str:
    """"the adjoint of x", "the tangent of x", or "" for the program's own values."""
    v = root(v)
    if v.origin is None:
        return ""
    what = "adjoint" if v.origin.prefix.startswith("b") else \
        "tangent" if v.origin.prefix.startswith("d") else "derivative"
    inner = meaning(v.origin.var)
    of = f"`{user_name(v.origin.var)}`" if not inner else f"{inner}"
    return f"the {what} of {of}"


def expression_at(loc: Any, fn: Any = None) -> str:
    """The source of the expression a statement computes, from its line and column
    (the user's text), or "" where it cannot be told."""
    if loc is None or not loc.text:
        return ""
    text = loc.text.rstrip("\n")
    stripped = text.strip()
    indent = len(text) - len(text.lstrip())
    tree = None
    for attempt in (stripped, stripped + " pass", "if 1:\n pass\n" + stripped + " pass",
                    "try:\n pass\n" + stripped + " pass"):
        try:
            tree = ast.parse(attempt)
            source = attempt
            break
        except SyntaxError:
            continue
    if tree is None:
        return ""
    line = source.count("\n", 0, source.rfind(stripped)) + 1
    col = loc.col - indent
    found = [n for n in ast.walk(tree) if isinstance(n, ast.expr) and
             getattr(n, "lineno", 0) == line and n.col_offset == col and
             getattr(n, "end_lineno", 0) == line]
    if not found:
        return ""
    name = getattr(fn, "__name__", None)
    op = _OPERATORS.get(fn)
    matching = [n for n in found if op is not None and isinstance(n, ast.BinOp) and
                isinstance(n.op, op) or name is not None and isinstance(n, ast.Call) and
                (getattr(n.func, "attr", None) == name or getattr(n.func, "id", None) == name)]

    def size(n: ast.expr) -> int:
        return (n.end_col_offset or 0) - n.col_offset

    pick: ast.expr
    if matching:
        pick = max(matching, key=size)
    else:  # (the derivative of another operation: the innermost operation there)
        operations = [n for n in found if isinstance(
            n, (ast.Call, ast.BinOp, ast.UnaryOp, ast.Subscript, ast.Compare))]
        pick = min(operations, key=size) if operations else max(found, key=size)
    return ast.get_source_segment(source, pick) or ""


def _double_where(where_loc: Any, masked_expression: str) -> str:
    """`np.where(c, f(np.where(c, x, 1.0)), e)` for `np.where(c, f(x), e)`, where the
    masked branch is a call of one argument."""
    text = expression_at(where_loc, np.where)
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return ""
    if not (isinstance(node, ast.Call) and len(node.args) == 3 and not node.keywords):
        return ""
    cond = ast.get_source_segment(text, node.args[0])
    for i in (1, 2):
        branch = node.args[i]
        if ast.get_source_segment(text, branch) != masked_expression:
            continue
        if not (isinstance(branch, ast.Call) and len(branch.args) == 1):
            return ""
        arg = ast.get_source_segment(text, branch.args[0])
        func = ast.get_source_segment(text, branch.func)
        safe = f"np.where({cond}, {arg}, 1.0)" if i == 1 else f"np.where({cond}, 1.0, {arg})"
        parts = [ast.get_source_segment(text, a) for a in node.args]
        parts[i] = f"{func}({safe})"
        return f"np.where({', '.join(p or '' for p in parts)})"
    return ""


class Checks:
    """What the checks of one module's functions say and skip (see the module's doc)."""

    def __init__(self, functions: list[Function]):
        self.masks: dict[Var, Mask] = {}
        self._scalars: dict[str, set] = {}  # function name -> its real scalar values
        for fn in functions:
            self._find_masks(fn)

    def _find_masks(self, fn: Function) -> None:
        defs: dict[Var, Call] = {}
        uses: dict[Var, list] = {}  # var -> [(stmt, position)] of the uses that count
        for stmt in _walk(fn.body):
            if isinstance(stmt, Call) and stmt.target is not None:
                defs[stmt.target] = stmt
        for stmt in _walk(fn.body):
            for i, op in enumerate(_operands(stmt)):
                if not isinstance(op, Var) or op not in defs:
                    continue
                if isinstance(stmt, Call) and (stmt.loc is None or stmt.fn is runtime.push
                                               or _role(stmt) != _role(defs[op])):
                    continue  # (saved for the other sweep, read by it: not a use here)
                uses.setdefault(op, []).append((stmt, i))
        wheres: dict[Var, Call] = {}
        masked = set()
        for v, found in uses.items():
            if all(isinstance(s, Call) and s.fn is np.where and len(s.args) == 3 and
                   i in (1, 2) for s, i in found):
                wheres[v] = found[0][0]
                masked.add(v)
        changed = True
        while changed:  # values only masked values are computed from
            changed = False
            for v, found in uses.items():
                if v in masked or not all(
                        isinstance(s, Call) and s.target in masked for s, _ in found):
                    continue
                wheres[v] = wheres[found[0][0].target]
                masked.add(v)
                changed = True
        for v in masked:
            stmt, where = defs[v], wheres[v]
            if stmt.loc is None or where.loc is None:
                continue
            expression = expression_at(stmt.loc, stmt.fn) or fn_label(stmt.fn)
            self.masks[v] = Mask(expression, stmt.loc.line, where.loc.line,
                                 _double_where(where.loc, expression))

    def checked(self, fn: Function, unpacked: set) -> set:
        """The values of `fn` to check."""
        out, plain = set(), set()  # plain: ranges, lengths, comparisons and parts of them
        for stmt in _walk(fn.body):
            if not isinstance(stmt, Call) or stmt.target is None:
                continue
            if _unchecked(stmt.fn) or stmt.fn is operator.getitem and stmt.args[0] in plain:
                plain.add(stmt.target)
            elif stmt.loc is not None and stmt.target not in self.masks and \
                    stmt.target not in unpacked and not isinstance(stmt.fn, GeneratedRef):
                out.add(stmt.target)
        return out

    def is_scalar(self, v: Var, fn: Function) -> bool:
        """Whether `v` is known to be a real scalar, checked inline with
        `math.isfinite` (see `real_scalars`)."""
        if fn.name not in self._scalars:
            self._scalars[fn.name] = real_scalars(fn)
        return v in self._scalars[fn.name]

    def mask_of(self, v: Var) -> Mask | None:
        """The mask of `v` (or of the value it is a copy of), if `np.where` masks it."""
        return self.masks.get(root(v))

    def adjoint_mask(self, v: Var) -> Mask | None:
        """The mask of the value `v` is the adjoint of, if `np.where` masks that value."""
        v = root(v)
        if v.origin is not None and v.origin.prefix.startswith("b"):
            return self.masks.get(root(v.origin.var))
        return None

    def site(self, stmt: Call, names: dict, leaves: list, params: set,
             loops: list) -> Site:
        """The description of the check after `stmt` (`names`: the generated names;
        `leaves`: the values it reads, through folded temporaries)."""
        target = stmt.target
        assert target is not None and stmt.loc is not None
        inputs, masked_inputs, masked_adjoints = [], [], []
        seen = set()
        for v in leaves:
            name = names.get(v)
            if name is None or name in seen:
                continue
            seen.add(name)
            mask = self.mask_of(v)
            what = f" (np.where on line {mask.where_line} masks `{mask.expression}`, so it " \
                f"was not checked)" if mask else ARGUMENT if v in params else ""
            inputs.append((name, what))
            if mask is not None:
                masked_inputs.append((name, mask))
            adjoint_mask = self.adjoint_mask(v)
            if adjoint_mask is not None:
                masked_adjoints.append((name, adjoint_mask))
        constants = tuple(_written(c.value) for c in stmt.args
                          if isinstance(c, Const) and holds_non_finite(c.value))
        divisor = ""
        if stmt.fn in (operator.truediv, np.divide, np.true_divide) and len(stmt.args) == 2 \
                and isinstance(stmt.args[1], Var):
            divisor = names.get(stmt.args[1], "")
        sweep = "reverse" if stmt.loc.role == "adjoint" else "forward"
        return Site(sweep, stmt.loc, names[target], user_name(target), meaning(target),
                    expression_at(stmt.loc, stmt.fn), fn_label(stmt.fn), tuple(inputs),
                    tuple(masked_inputs), tuple(masked_adjoints), constants, tuple(loops),
                    divisor)


# the `math` functions that give a float (not frexp's or modf's pair, not factorial's int)
_MATH_FLOATS = {getattr(math, name) for name in (
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh",
    "acosh", "atanh", "exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt",
    "cbrt", "hypot", "erf", "erfc", "gamma", "lgamma", "fabs", "pow", "copysign", "fmod",
    "degrees", "radians", "ldexp", "remainder") if hasattr(math, name)}


def _is_math(fn: Any) -> bool:
    try:
        return fn in _MATH_FLOATS
    except TypeError:  # (an unhashable callable)
        return False


# operations whose result is a real scalar when their operands are (not `**`: a negative
# float to a fractional power is a complex number in Python)
_RESTORE = {runtime.pop, operator.getitem, runtime.identity}
_SCALAR_OPS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
               operator.pos, abs, runtime.identity}


def real_scalars(fn: Function) -> set:
    """The values of `fn` known to be real scalars: values of the program its kinds say
    are (`Function.scalars`) and copies of them, and what arithmetic and `math`
    functions compute from real scalars, through branches and loops (the largest set
    that is consistent: a loop-carried adjoint is a scalar if its initial value and
    its value after each iteration are)."""
    stmts = list(_walk(fn.body))
    known = {v for v in fn.params if v in fn.scalars}
    for stmt in stmts:
        if isinstance(stmt, Call) and stmt.target is not None and root(stmt.target) in \
                fn.scalars and (stmt.target in fn.scalars or stmt.fn in _RESTORE):
            known.add(stmt.target)  # (a value, or a copy of one saved and restored)
    candidates: set = set(known)
    for stmt in stmts:
        if isinstance(stmt, Call) and stmt.target is not None and \
                (stmt.fn in _SCALAR_OPS or _is_math(stmt.fn)):
            candidates.add(stmt.target)
        elif isinstance(stmt, If):
            candidates.update(p.target for p in stmt.outputs)
        elif isinstance(stmt, (ForRange, While)):
            candidates.update(c.var for c in stmt.carried)
            candidates.update(c.out for c in stmt.carried)

    def scalar(op: Any) -> bool:
        if isinstance(op, Const):
            return type(op.value) in (int, float)
        return op in candidates

    changed = True
    while changed:
        changed = False
        for stmt in stmts:
            drop: list = []
            if isinstance(stmt, Call) and stmt.target in candidates and \
                    stmt.target not in known:
                if stmt.kwargs or not all(scalar(a) for a in stmt.args):
                    drop.append(stmt.target)
            elif isinstance(stmt, If):
                drop += [p.target for p in stmt.outputs
                         if p.target in candidates and not (scalar(p.then) and scalar(p.orelse))]
            elif isinstance(stmt, (ForRange, While)):
                for c in stmt.carried:
                    if (c.var in candidates or c.out in candidates) and \
                            not (scalar(c.init) and scalar(c.next)):
                        drop += [c.var, c.out]
            for v in drop:
                if v in candidates:
                    candidates.discard(v)
                    changed = True
    return candidates


def _written(value: Any) -> str:
    """A constant as the error shows it (an array by its shape)."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unchecked(fn: Any) -> bool:
    try:
        return fn in _UNCHECKED
    except TypeError:  # (an unhashable callable)
        return False


def loop_entry(index: Var, name: str, line: int) -> tuple:
    """(the index's generated name, its user name or "", the loop's line) for a loop."""
    primal = root(index)
    if not primal.keep:  # an index srcad made: `for w in ws` counts k = 0, 1, ...
        if name == "_":
            return ("", "", line)  # the reverse of a while loop: counts its trips backwards
        return (name, "", line)
    return (name, "" if primal.name == "_" else user_name(primal), line)
