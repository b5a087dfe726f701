"""The shapes of a generated function's values, from its arguments' shapes.

Generated code is specialized on the shapes of the arrays it is called with (the
cache key holds them, like `jax.jit`'s): knowing them, `specialize.py` replaces the
generic adjoint helpers (`unbroadcast`, `unreduce`, `broadcast_like`, `reduced_count`,
`matmul_adjoint_left/right`) by the plain NumPy they amount to, or by nothing.

A shape is a tuple of ints, `()` for a number, or None: not known (a value that is not
an array or number, or one this inference has no rule for). Only what is certain is
known: elementwise operations broadcast their operands' shapes; a short list of pure
NumPy functions (products, reductions, transposes, reshapes, indexing with constants)
is evaluated on zero-strided stand-in arrays of the operands' shapes; the adjoint
helpers have the shape of the value they belong to. A value merged from two branches,
or carried around a loop, keeps a shape only if every path gives it the same one.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np

from srcad import runtime
from srcad.ir.nodes import Block, Call, Carried, Const, ForRange, Function, If, Operand, Var, While
from srcad.rules.registry import Attribute, Method
from srcad.runtime import adjoints, elementwise, reductions
from srcad.runtime.outputs import output_seed

Shape = tuple | None

_ELEMENTWISE_OPERATORS = {
    operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
    operator.neg, operator.pos, operator.gt, operator.ge, operator.lt, operator.le,
    operator.eq, operator.ne,
    elementwise.above_weight, elementwise.below_weight, elementwise.fmax_weight,
    elementwise.fmin_weight, elementwise.share,
}

# Pure functions whose output shape follows from their operands' shapes and constant
# options: evaluated on stand-ins.
_EVALUATED = {
    operator.matmul, np.matmul, np.dot, np.sum, np.mean, np.max, np.min, np.prod,
    np.transpose, np.swapaxes, np.reshape, np.expand_dims, np.squeeze, np.moveaxis,
    np.ravel, operator.getitem, np.where, np.outer, np.broadcast_to,
    Method("sum"), Method("mean"), Method("max"), Method("min"), Method("prod"),
    Method("reshape"), Method("transpose"), Method("dot"), Method("ravel"),
    Attribute("T"),
}

# Helpers whose result has the shape of one of their operands (by position).
_SHAPE_OF_OPERAND = {
    runtime.unbroadcast: 1, adjoints.unbroadcast: 1, runtime.unreduce: 1,
    runtime.broadcast_like: 1, adjoints.broadcast_like: 1,
    runtime.matmul_adjoint_left: 1, runtime.matmul_adjoint_right: 2,
    reductions.max_weights: 0, reductions.min_weights: 0, reductions.max_weights_given: 0,
    reductions.min_weights_given: 0, output_seed: 0,
}


def _stand_in(shape: tuple) -> np.ndarray:
    """A read-only array of `shape` that takes no memory."""
    return np.broadcast_to(np.zeros((), dtype=float), shape)


class Shapes:
    """Infers the shape of every value of `fn` from its parameters' shapes."""

    def __init__(self, fn: Function, param_shapes: list):
        self.shapes: dict[Var, Shape] = dict(zip(fn.params, param_shapes))
        # Loop indices: integers whose value, not only shape, matters to most
        # functions (an axis, a reshape), so they stand in only as an index.
        self.indices: set[Var] = set()
        self.index_tuples: dict[Var, tuple] = {}
        # Stacks: the shape every value pushed on them has (a pop has it), and the
        # shape each pop was given; a stack whose pushes disagree with a pop seen
        # before them is run again as unknown.
        self.unknown_stacks: set[Var] = set()
        for _ in range(4):
            self.stacks: dict[Var, Shape] = {}
            self.popped: dict[Var, Shape] = {}
            self.block(fn.body)
            wrong = {st for st, shape in self.popped.items()
                     if self.stacks.get(st, shape) != shape}
            if not wrong:
                break
            self.unknown_stacks |= wrong
            self.shapes = dict(zip(fn.params, param_shapes))

    def of(self, op: Operand) -> Shape:
        if isinstance(op, Const):
            value = op.value
            if isinstance(value, (bool, np.bool_)):
                return ()
            if isinstance(value, (int, float, complex, np.number)):
                return ()
            if isinstance(value, np.ndarray):
                return value.shape
            return None
        return self.shapes.get(op)

    def block(self, block: Block) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, Call):
                if stmt.target is not None:
                    self.shapes[stmt.target] = self._call(stmt)
                elif stmt.fn is runtime.push:
                    self._stack_op(stmt)
            elif isinstance(stmt, If):
                self.block(stmt.then)
                self.block(stmt.orelse)
                for phi in stmt.outputs:
                    self.shapes[phi.target] = _same(self.of(phi.then), self.of(phi.orelse))
            elif isinstance(stmt, (ForRange, While)):
                self._loop(stmt)

    def _loop(self, loop: ForRange | While) -> None:
        carried: list[Carried] = loop.carried
        if isinstance(loop, ForRange):
            self.shapes[loop.index] = ()
            self.indices.add(loop.index)
        for c in carried:
            self.shapes[c.var] = self.of(c.init)
        for _ in range(3):
            if isinstance(loop, While):
                self.block(loop.cond_block)
            self.block(loop.body)
            changed = False
            for c in carried:
                after = _same(self.shapes.get(c.var), self.of(c.next) if c.next else None)
                if after != self.shapes.get(c.var):
                    self.shapes[c.var] = after
                    changed = True
            if not changed:
                break
        for c in carried:
            self.shapes[c.out] = self.shapes.get(c.var)

    def _call(self, stmt: Call) -> Shape:
        fn = stmt.fn
        try:
            if fn in _SHAPE_OF_OPERAND:
                position = _SHAPE_OF_OPERAND[fn]
                return self.of(stmt.args[position]) if len(stmt.args) > position else None
            if fn is runtime.reduced_count:
                return ()
            if fn is runtime.make_tuple and stmt.target is not None and stmt.args and all(
                    a in self.indices if isinstance(a, Var) else
                    isinstance(a, Const) and type(a.value) is int for a in stmt.args):
                # (indices and constant integers: an index tuple, `x[i, j]`)
                self.index_tuples[stmt.target] = tuple(
                    0 if isinstance(a, Var) else a.value for a in stmt.args)
                return None
            if fn is runtime.push or fn is runtime.copy_stack:
                return self._stack_op(stmt)
            if fn is runtime.pop:
                stack = stmt.args[0]
                if not isinstance(stack, Var):
                    return None
                shape = None if stack in self.unknown_stacks else self.stacks.get(stack)
                self.popped[stack] = _same(self.popped.get(stack, shape), shape)
                return shape
            if not stmt.kwargs and (fn in _ELEMENTWISE_OPERATORS or (
                    isinstance(fn, np.ufunc) and fn.nin == len(stmt.args) and fn.nout == 1)):
                shapes: list[tuple] = []
                for a in stmt.args:
                    shape = self.of(a)
                    if shape is None:
                        return None
                    shapes.append(shape)
                return tuple(np.broadcast_shapes(*shapes))
            if fn in _EVALUATED:
                return self._evaluate(stmt)
        except TypeError:  # an unhashable callee
            return None
        except ValueError:  # shapes that do not broadcast: the call raises at run time
            return None
        return None

    def _stack_op(self, stmt: Call) -> Shape:
        if stmt.fn is runtime.copy_stack:
            target, source = stmt.target, stmt.args[0]
            if isinstance(source, Var) and target is not None and source in self.stacks:
                self.stacks[target] = self.stacks[source]
            return None
        stack, value = stmt.args
        if isinstance(stack, Var):
            shape = self.of(value)
            self.stacks[stack] = _same(self.stacks.get(stack, shape), shape)
        return None

    def _evaluate(self, stmt: Call) -> Shape:
        def stand_in(op: Operand) -> Any:
            if isinstance(op, Const):
                return op.value
            if op in self.indices or op in self.index_tuples:
                # `x[t]` (and `x[i, j]`) has the same shape for every `t` in range;
                # any other use of an index may depend on its value.
                if stmt.fn is not operator.getitem or stmt.args[1] is not op:
                    raise LookupError
                return self.index_tuples.get(op, 0)
            shape = self.shapes.get(op)
            if shape is None:
                raise LookupError
            return _stand_in(shape)

        try:
            args = [stand_in(a) for a in stmt.args]
            kwargs = {k: stand_in(v) for k, v in stmt.kwargs.items()}
        except LookupError:
            return None
        fn = stmt.fn
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if isinstance(fn, Method):
                    out = getattr(args[0], fn.name)(*args[1:], **kwargs)
                elif isinstance(fn, Attribute):
                    out = getattr(args[0], fn.name)
                else:
                    out = fn(*args, **kwargs)
        except Exception:  # noqa: BLE001  (an operand that is not what it seems)
            return None
        if isinstance(out, (np.ndarray, np.number, float, int)) and \
                not isinstance(out, bool):
            return tuple(np.shape(out))
        return None


def _same(a: Shape, b: Shape) -> Shape:
    return a if a is not None and a == b else None
