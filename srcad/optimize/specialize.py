"""Generated code specialized on the shapes it is called with (`shapes.py`).

Where the shapes are known, the generic adjoint helpers become the NumPy they amount
to: `unbroadcast(g, x)` is `g` when the shapes agree and `g.sum(axis=...)` when they
differ; `broadcast_like(t, x)` is `t`; `reduced_count(x, axis)` is a number; the
spread of a sum's or mean's adjoint (`unreduce(g, x, ...)`) is not materialized where
it only meets full-shaped operands of elementwise arithmetic (NumPy broadcasts `g`
there); `matmul_adjoint_left(g, a, b)` is `g @ b.T` and `matmul_adjoint_right` is
`a.T @ g` for matrices (`np.outer`, `@` with a vector, or `*` for the vector cases);
`x.shape`, `np.ndim(x)` and `np.size(x)` are constants.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator

import numpy as np

from srcad import runtime
from srcad.ir import constants
from srcad.ir.nodes import (
    Block,
    Call,
    Const,
    Function,
    Operand,
    Var,
    named_after,
    sub_blocks,
    substitute,
)
from srcad.optimize.batch import batch_step_values
from srcad.optimize.collect import collect_step_sums
from srcad.optimize.optimizer import optimize
from srcad.optimize.shapes import Shape, Shapes
from srcad.rules.registry import Attribute, Method
from srcad.runtime import adjoints

_SHAPE_QUERIES: dict[object, Callable[[tuple], object]] = {
    Attribute("shape"): tuple, np.shape: tuple, Attribute("ndim"): len, np.ndim: len,
    Attribute("size"): lambda shape: int(np.prod(shape, dtype=np.int64)),
    np.size: lambda shape: int(np.prod(shape, dtype=np.int64)),
}

_BROADCASTING = {operator.mul, operator.add, operator.sub, operator.truediv, np.multiply,
                 np.add, np.subtract, np.divide}


def specialize(fn: Function, param_shapes: list) -> Function:
    """Rewrite `fn` for parameters of these shapes (None where not an array or number),
    in place, optimizing after each round (a constant shape folds into values whose
    shapes the next round knows)."""
    for _ in range(4):
        if not _specialize_once(fn, param_shapes):
            break
        optimize(fn)
    if collect_step_sums(fn, Shapes(fn, param_shapes)):
        optimize(fn)
    if batch_step_values(fn, Shapes(fn, param_shapes)):
        optimize(fn)
    return fn


def _specialize_once(fn: Function, param_shapes: list) -> bool:
    shapes = Shapes(fn, param_shapes)
    mapping: dict[Var, Operand] = {}
    spreads: dict[Var, tuple[Operand, Shape]] = {}
    changed = _rewrite_block(fn.body, shapes, mapping, spreads)
    substitute(fn.body, mapping)
    if spreads:
        for stmt in _calls(fn.body):
            if _member(stmt.fn, _BROADCASTING) and len(stmt.args) == 2 and not stmt.kwargs:
                for i, arg in enumerate(stmt.args):
                    if isinstance(arg, Var) and arg in spreads:
                        g, full = spreads[arg]
                        while isinstance(g, Var) and g in mapping:
                            g = mapping[g]  # (its statement was rewritten away)
                        if shapes.of(stmt.args[1 - i]) == full:
                            stmt.args[i] = g  # NumPy broadcasts g over the other operand
                            changed = True
    return changed


def _member(fn: object, table: dict | set) -> bool:
    try:
        return fn in table
    except TypeError:  # an unhashable callee
        return False


def _calls(block: Block) -> Iterator[Call]:
    for stmt in block.stmts:
        if isinstance(stmt, Call):
            yield stmt
        for sub in sub_blocks(stmt):
            yield from _calls(sub)


def _rewrite_block(block: Block, shapes: Shapes, mapping: dict[Var, Operand],
                   spreads: dict) -> bool:
    out: list = []
    changed = False
    for stmt in block.stmts:
        for sub in sub_blocks(stmt):
            changed = _rewrite_block(sub, shapes, mapping, spreads) or changed
        if isinstance(stmt, Call) and stmt.target is not None and not stmt.kwargs:
            replaced = _rewrite(stmt, shapes, mapping, spreads)
            if replaced is not None:
                out.extend(replaced)
                changed = True
                continue
        out.append(stmt)
    block.stmts = out
    return changed


def _rewrite(stmt: Call, shapes: Shapes, mapping: dict[Var, Operand],
             spreads: dict) -> list | None:
    """The statements replacing `stmt` ([] when its value is an operand now), or None
    to keep it."""
    fn, args, target = stmt.fn, stmt.args, stmt.target
    assert target is not None
    known = shapes.of(args[0]) if len(args) == 1 else None
    if known is not None and _member(fn, _SHAPE_QUERIES):
        mapping[target] = Const(_SHAPE_QUERIES[fn](known))
        return []  # x.shape, np.shape(x), np.ndim(x), np.size(x): known now
    if fn is runtime.reduced_count and args:
        shape = shapes.of(args[0])
        axis = args[1] if len(args) > 1 else Const(None)
        if shape is not None and isinstance(axis, Const):
            mapping[target] = Const(_count(shape, axis.value))
            return []
    if fn in (runtime.unbroadcast, adjoints.unbroadcast) and len(args) == 2:
        return _unbroadcast(stmt, shapes.of(args[0]), shapes.of(args[1]), mapping)
    if fn in (runtime.broadcast_like, adjoints.broadcast_like) and len(args) == 2:
        if shapes.of(args[0]) is not None and shapes.of(args[0]) == shapes.of(args[1]):
            mapping[target] = args[0]
            return []
    if fn is runtime.unreduce and len(args) >= 2:
        _spread(stmt, shapes, spreads)
    if fn in (runtime.matmul_adjoint_left, runtime.matmul_adjoint_right) and len(args) == 3:
        return _matmul_adjoint(stmt, shapes)
    return None


def _count(shape: tuple, axis) -> int:
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


def _unbroadcast(stmt: Call, g_shape: Shape, x_shape: Shape,
                 mapping: dict[Var, Operand]) -> list | None:
    g = stmt.args[0]
    assert stmt.target is not None
    if g_shape is None or x_shape is None:
        return None
    if g_shape == x_shape:
        mapping[stmt.target] = g
        return []
    if not x_shape:
        return [Call(stmt.target, np.sum, [g], loc=stmt.loc)]
    extra = len(g_shape) - len(x_shape)
    if extra < 0 or tuple(np.broadcast_shapes(g_shape, x_shape)) != g_shape:
        return None
    product = _sum_as_product(stmt, g_shape, x_shape)
    if product is not None:
        return product
    ones = tuple(extra + i for i, n in enumerate(x_shape) if n == 1 and g_shape[extra + i] != 1)
    if extra and not ones:
        axis = 0 if extra == 1 else tuple(range(extra))
        return [Call(stmt.target, Method("sum"), [g], {"axis": Const(axis)}, loc=stmt.loc)]
    if ones and not extra:
        axis = ones[0] if len(ones) == 1 else ones
        return [Call(stmt.target, Method("sum"), [g], {"axis": Const(axis),
                                                        "keepdims": Const(True)},
                     loc=stmt.loc)]
    return None


# The longest axis a sum over it is written as a product with ones: NumPy's sum over
# one axis of a matrix runs a loop per row (five times slower than BLAS on a 1000 x 10
# matrix), but its pairwise summation is more accurate over long axes.
_SUM_AS_PRODUCT_AT_MOST = 4096


def _sum_as_product(stmt: Call, g_shape: tuple, x_shape: tuple) -> list | None:
    """The sum of a matrix `g` over one axis as one product with a vector of ones:
    `ones_m @ g` (rows summed), `g @ ones_nx1` (columns, kept as a column), `ones_1xm @ g`."""
    if len(g_shape) != 2:
        return None
    m, n = g_shape
    g, target = stmt.args[0], stmt.target
    assert target is not None
    if x_shape == (n,) and m <= _SUM_AS_PRODUCT_AT_MOST:
        operands = [Const(constants.ones((m,))), g]
    elif x_shape == (m, 1) and 1 < n <= _SUM_AS_PRODUCT_AT_MOST:
        operands = [g, Const(constants.ones((n, 1)))]
    elif x_shape == (1, n) and 1 < m <= _SUM_AS_PRODUCT_AT_MOST:
        operands = [Const(constants.ones((1, m))), g]
    else:
        return None
    return [Call(target, operator.matmul, operands, loc=stmt.loc)]


def _spread(stmt: Call, shapes: Shapes, spreads: dict) -> None:
    """Note `unreduce(g, x, axis, keepdims)` whose `g` broadcasts against x's shape as
    it is (no axis, or keepdims=True): uses that meet a full-shaped operand take `g`."""
    args = stmt.args
    g, full = args[0], shapes.of(args[1])
    axis = args[2] if len(args) > 2 else Const(None)
    keepdims = args[3] if len(args) > 3 else Const(False)
    g_shape = shapes.of(g)
    if full is None or g_shape is None or not isinstance(axis, Const) or \
            not isinstance(keepdims, Const):
        return
    if axis.value is None and g_shape == () or \
            keepdims.value is True and len(g_shape) == len(full) and \
            tuple(np.broadcast_shapes(g_shape, full)) == full:
        assert stmt.target is not None
        spreads[stmt.target] = (g, full)


def _transposed(x: Operand) -> Var:
    """A name for `x.T` (a loop that reads it every step gets it once, as `W_T`)."""
    return named_after(x, "", "_T") if isinstance(x, Var) else Var("transposed")


def _matmul_adjoint(stmt: Call, shapes: Shapes) -> list | None:
    g, a, b = stmt.args
    target = stmt.target
    assert target is not None
    ga, sa, sb = shapes.of(g), shapes.of(a), shapes.of(b)
    if ga is None or sa is None or sb is None:
        return None
    left = stmt.fn is runtime.matmul_adjoint_left
    loc = stmt.loc
    if len(sa) == 2 and len(sb) == 2:
        if left:  # g @ b.T
            t = _transposed(b)
            return [Call(t, Attribute("T"), [b], loc=loc),
                    Call(target, operator.matmul, [g, t], loc=loc)]
        t = _transposed(a)  # a.T @ g
        return [Call(t, Attribute("T"), [a], loc=loc),
                Call(target, operator.matmul, [t, g], loc=loc)]
    if len(sa) == 2 and len(sb) == 1:
        return [Call(target, np.outer, [g, b], loc=loc)] if left else \
            [Call(target, operator.matmul, [g, a], loc=loc)]
    if len(sa) == 1 and len(sb) == 2:
        return [Call(target, operator.matmul, [b, g], loc=loc)] if left else \
            [Call(target, np.outer, [a, g], loc=loc)]
    if len(sa) == 1 and len(sb) == 1:
        return [Call(target, operator.mul, [g, b if left else a], loc=loc)]
    return None
