"""Lists and tuples that meet NumPy, made explicit before a transform.

NumPy turns a list argument into an array (`np.mean(losses)` averages
`np.asarray(losses)`), and Python's own list operators are not arithmetic
(`xs + ys` concatenates, `[0.0] * n` repeats, `xs[i] = v` replaces an item). The
derivative rules of NumPy functions are written for arrays, so the adjoint of a list
argument would come back as an array where the list's other rules expect a list of
item adjoints. This pass decides, from the value kinds at transform time, where a
differentiated list or tuple meets such a function, and rewrites the call:

- a NumPy/SciPy function receiving one gets `np.asarray(xs)` instead (the conversion
  NumPy would make), so the generated code converts explicitly in both sweeps:
  `losses_array = np.asarray(losses)` forward, and the conversion's adjoint splits
  the array adjoint back into one adjoint per item;
- `xs + ys`, `xs * n` and `xs[i] = v` on lists become the list helpers
  (`list_extend`, `repeat_items`, `list_setitem`), whose adjoints are lists.

The rewrite changes no value: it is what Python and NumPy do anyway.
"""

from __future__ import annotations

import operator

import numpy as np

from srcad import runtime
from srcad.analysis.inference import ARITHMETIC, Kinds, takes_arrays
from srcad.errors import UnsupportedSyntaxError
from srcad.ir.kinds import is_array, is_sequence
from srcad.ir.nodes import Block, Call, Const, Function, Var, sub_blocks
from srcad.runtime import python as pyrt


def make_sequences_explicit(fn: Function, kinds: Kinds, varied: set) -> bool:
    """Rewrite `fn` in place (see the module docstring); True if anything changed."""
    changed = [False]

    def is_list(op) -> bool:
        return isinstance(op, Var) and is_sequence(kinds.of(op))

    def run(block: Block) -> None:
        out = []
        for stmt in block.stmts:
            for sub in sub_blocks(stmt):
                run(sub)
            if isinstance(stmt, Call):
                out.extend(_rewrite(stmt, is_list, kinds, varied, changed))
            out.append(stmt)
        block.stmts[:] = out

    run(fn.body)
    return changed[0]


def _rewrite(stmt: Call, is_list, kinds: Kinds, varied: set, changed: list) -> list:
    """Rewrite one call in place; returns the statements to insert before it."""
    fn, args = stmt.fn, stmt.args
    if fn is runtime.setitem and args and is_list(args[0]):
        stmt.fn = pyrt.list_setitem
        changed[0] = True
        return []
    arithmetic = fn in ARITHMETIC and len(args) == 2 and not stmt.kwargs
    with_array = arithmetic and any(is_array(kinds.of(a)) for a in args)
    if fn is operator.add and arithmetic and not with_array and all(is_list(a) for a in args):
        stmt.fn = pyrt.list_extend
        changed[0] = True
        return []
    if fn is operator.mul and arithmetic and not with_array and any(is_list(a) for a in args):
        if is_list(args[1]):
            stmt.args = [args[1], args[0]]
        stmt.fn = pyrt.repeat_items
        changed[0] = True
        return []
    if not (takes_arrays(fn) or with_array):
        return []  # NumPy's arithmetic converts a list met with an array
    if fn in (np.split, np.array_split) and args and is_list(args[0]):
        axis = stmt.kwargs.get("axis", args[2] if len(args) > 2 else Const(0))
        if not (isinstance(axis, Const) and axis.value == 0):
            raise UnsupportedSyntaxError(
                f"np.{fn.__name__} of a list along an axis other than 0 (NumPy splits the "
                "list's length along that axis, which srcad does not reproduce)", stmt.loc,
                "convert the list first: np.asarray(xs)")
    inserted = []

    def convert(op):
        if not (is_list(op) and op in varied):
            return op
        array = Var(f"{op.name}_array")
        inserted.append(Call(array, np.asarray, [op], {}, stmt.loc))
        changed[0] = True
        return array

    stmt.args = [convert(a) for a in args]
    stmt.kwargs = {k: convert(v) for k, v in stmt.kwargs.items()}
    return inserted


def has_sequences(kinds: Kinds) -> bool:
    """Cheap test: does any value have a list or tuple kind?"""
    return any(is_sequence(k) for k in kinds.kinds.values())
