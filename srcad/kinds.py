"""Value kinds: what srcad knows statically about a value's type and rank.

Generated code is specialized on the kinds of the arguments (a scalar, an array of
some rank, ...), which lets the reverse sweep skip shape bookkeeping where shapes
cannot differ: a scalar's adjoint needs no `unbroadcast`, nor does an array's when
every other operand is a scalar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALAR, NUMERIC, OTHER = "scalar", "numeric", "other"


@dataclass(frozen=True)
class ArrayKind:
    """An ndarray; `ndim` is None when the rank is not known."""

    ndim: int | None = None


@dataclass(frozen=True)
class TupleKind:
    items: tuple


ARRAY = ArrayKind(None)


def is_array(kind) -> bool:
    return isinstance(kind, ArrayKind)


def array_of_rank(ndim):
    """The kind of an array with `ndim` dimensions (a scalar when it has none)."""
    if ndim is None:
        return ARRAY
    return SCALAR if ndim == 0 else ArrayKind(ndim)


def join_kinds(a, b):
    if a == b:
        return a
    if a is None:
        return b
    if b is None:
        return a
    if is_array(a) and is_array(b):
        return ARRAY
    numeric = (SCALAR, NUMERIC)
    if (a in numeric or is_array(a)) and (b in numeric or is_array(b)):
        return NUMERIC
    if isinstance(a, TupleKind) and isinstance(b, TupleKind) and len(a.items) == len(b.items):
        return TupleKind(tuple(join_kinds(x, y) for x, y in zip(a.items, b.items)))
    return OTHER


def kind_of_value(value) -> object:
    """The kind of a run-time value (used for arguments and constants)."""
    kind = type(value)
    if kind is float:
        return SCALAR
    if kind is np.ndarray:
        return _ARRAYS[value.ndim] if value.ndim < len(_ARRAYS) else ArrayKind(value.ndim)
    if isinstance(value, (bool, np.bool_)):
        return OTHER
    if isinstance(value, (int, float, np.integer, np.floating)):
        return SCALAR
    if isinstance(value, np.ndarray):
        return array_of_rank(value.ndim) if value.ndim else ArrayKind(0)
    if isinstance(value, tuple):
        return TupleKind(tuple(kind_of_value(v) for v in value))
    return OTHER


_ARRAYS = [ArrayKind(n) for n in range(8)]


def _const(op):
    """(True, value) if `op` is a constant operand."""
    if op is not None and type(op).__name__ == "Const":
        return True, op.value
    return False, None


# ----------------------------------------------------------------------------- rules
# Each takes (kinds, named): the kinds of the bound arguments in parameter order,
# and {parameter name: (operand, kind)}.


def elementwise(kinds, named):
    if any(k == OTHER for k in kinds):
        # a bool, a list, an unknown object: it may broadcast like an array
        return ARRAY if any(is_array(k) for k in kinds) else NUMERIC
    if kinds and all(k == SCALAR for k in kinds):
        return SCALAR
    arrays = [k for k in kinds if is_array(k)]
    if arrays:
        if all(is_array(k) or k == SCALAR for k in kinds) and \
                all(k.ndim is not None for k in arrays):
            return array_of_rank(max(k.ndim for k in arrays))
        return ARRAY
    return NUMERIC


def first(kinds, named):
    return kinds[0] if kinds else NUMERIC


def numeric(kinds, named):
    if kinds and all(k == SCALAR for k in kinds):
        return SCALAR
    return NUMERIC


def reduction(kinds, named):
    """A reduction over `axis` (all axes when None), keeping dims if `keepdims`."""
    x = named.get("x") or named.get("a")
    x_kind = x[1] if x else NUMERIC
    is_c, axis = _const(named.get("axis", (None,))[0])
    is_k, keep = _const(named.get("keepdims", (None,))[0])
    if "axis" not in named:
        is_c, axis = True, None
    if "keepdims" not in named:
        is_k, keep = True, False
    if not (is_c and is_k):
        return NUMERIC
    if axis is None and not keep:
        return SCALAR
    if is_array(x_kind) and x_kind.ndim is not None:
        if keep:
            return x_kind
        count = 1 if isinstance(axis, int) else len(axis) if isinstance(axis, tuple) else None
        if count is not None:
            return array_of_rank(x_kind.ndim - count)
    return NUMERIC


def product(kinds, named):
    """np.dot / matmul: the rank follows NumPy's rules for ranks 1 and 2."""
    if len(kinds) >= 2 and all(k == SCALAR for k in kinds[:2]):
        return SCALAR
    a, b = kinds[0], kinds[1]
    if is_array(a) and is_array(b) and a.ndim in (1, 2) and b.ndim in (1, 2):
        return array_of_rank(a.ndim + b.ndim - 2)
    return NUMERIC


def same_rank(kinds, named):
    """transpose and friends: an array of the same rank."""
    k = kinds[0] if kinds else NUMERIC
    return k if is_array(k) else ARRAY


def reshaped(kinds, named):
    shape = named.get("shape") or named.get("newshape")
    if shape is not None:
        is_c, value = _const(shape[0])
        if is_c:
            if isinstance(value, int):
                return ArrayKind(1)
            if isinstance(value, tuple):
                return array_of_rank(len(value)) if value else SCALAR
    return ARRAY


def indexed(kinds, named):
    """x[index]: drops one dimension per integer in the index."""
    x_kind = named["x"][1] if "x" in named else NUMERIC
    if not (is_array(x_kind) and x_kind.ndim is not None):
        return NUMERIC
    op, kind = named.get("index", (None, None))
    parts = _index_parts(op, kind)
    if parts is None:
        return NUMERIC
    dropped = sum(1 for p in parts if p == "int")
    if dropped > x_kind.ndim:
        return NUMERIC
    return array_of_rank(x_kind.ndim - dropped)


def _index_parts(op, kind):
    is_c, value = _const(op)
    if is_c:
        items = value if isinstance(value, tuple) else (value,)
        parts = []
        for item in items:
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                parts.append("int")
            elif isinstance(item, slice):
                parts.append("slice")
            else:
                return None
        return parts
    if kind == SCALAR:
        return ["int"]
    if isinstance(kind, TupleKind):
        parts = []
        for k in kind.items:
            if k == SCALAR:
                parts.append("int")
            elif k == OTHER:
                return None  # could be a slice, None or Ellipsis: unknown
            else:
                return None
        return parts
    return None


KIND_RULES = {
    "elementwise": elementwise, "first": first, "numeric": numeric,
    "reduction": reduction, "product": product, "same_rank": same_rank,
    "reshaped": reshaped, "indexed": indexed,
    "scalar": lambda kinds, named: SCALAR,
    "array": lambda kinds, named: ARRAY,
    "other": lambda kinds, named: OTHER,
}
