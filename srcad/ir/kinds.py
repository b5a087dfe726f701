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
# A complex number, or a complex array of unknown rank; a complex number.
COMPLEX, COMPLEX_SCALAR = "complex", "complex scalar"


@dataclass(frozen=True)
class ArrayKind:
    """An ndarray; `ndim` is None when the rank is not known; `complex` when its dtype
    may be complex."""

    ndim: int | None = None
    complex: bool = False


@dataclass(frozen=True)
class TupleKind:
    """A tuple or a list display: its length and each item's kind are known."""

    items: tuple


@dataclass(frozen=True)
class ListKind:
    """A list built at run time (append, extend, comprehension, `[0.0] * n`): its length
    is known only at run time; `item` joins the kinds of all its items. Its adjoint is
    a list of the items' adjoints (0.0 while it is zero)."""

    item: object = None


ARRAY = ArrayKind(None)


def is_sequence(kind) -> bool:
    """A list or tuple value (its adjoint is a list or tuple too)."""
    return isinstance(kind, (TupleKind, ListKind))


def is_complex(kind) -> bool:
    """Whether a value of this kind may hold complex numbers."""
    if kind in (COMPLEX, COMPLEX_SCALAR):
        return True
    if isinstance(kind, ArrayKind):
        return kind.complex
    if isinstance(kind, TupleKind):
        return any(is_complex(k) for k in kind.items)
    if isinstance(kind, ListKind):
        return is_complex(kind.item)
    return False


def as_complex(kind):
    """The kind of a value like one of `kind` but with a complex dtype."""
    if isinstance(kind, ArrayKind):
        return ArrayKind(kind.ndim, True)
    if kind == SCALAR:
        return COMPLEX_SCALAR
    if kind == NUMERIC:
        return COMPLEX
    return kind


def as_real(kind):
    """The kind of a value like one of `kind` but with a real dtype."""
    if isinstance(kind, ArrayKind):
        return ArrayKind(kind.ndim) if kind.complex else kind
    if kind == COMPLEX:
        return NUMERIC
    if kind == COMPLEX_SCALAR:
        return SCALAR
    return kind


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
    cplx = is_complex(a) or is_complex(b)
    if is_array(a) and is_array(b):
        return ArrayKind(a.ndim if a.ndim == b.ndim else None, cplx)
    numeric = (SCALAR, NUMERIC, COMPLEX, COMPLEX_SCALAR)
    if (a in numeric or is_array(a)) and (b in numeric or is_array(b)):
        if cplx and as_real(a) == as_real(b) == SCALAR:
            return COMPLEX_SCALAR
        return COMPLEX if cplx else NUMERIC
    if isinstance(a, TupleKind) and isinstance(b, TupleKind) and len(a.items) == len(b.items):
        return TupleKind(tuple(join_kinds(x, y) for x, y in zip(a.items, b.items)))
    if is_sequence(a) and is_sequence(b):
        return ListKind(join_kinds(_item_of(a), _item_of(b)))
    return OTHER


def _item_of(kind):
    """The join of a sequence kind's item kinds (None for an empty tuple)."""
    if isinstance(kind, ListKind):
        return kind.item
    joined = None
    for item in kind.items:
        joined = join_kinds(joined, item)
    return joined


def item_kind(kind):
    """The kind of any one item of a list or tuple kind."""
    item = _item_of(kind) if is_sequence(kind) else None
    return item if item is not None else NUMERIC


def kind_of_value(value) -> object:
    """The kind of a run-time value (used for arguments and constants)."""
    kind = type(value)
    if kind is float:
        return SCALAR
    if kind is np.ndarray:
        if value.dtype.kind == "c":
            return ArrayKind(value.ndim, True)
        return _ARRAYS[value.ndim] if value.ndim < len(_ARRAYS) else ArrayKind(value.ndim)
    if isinstance(value, (bool, np.bool_)):
        return OTHER
    if isinstance(value, (int, float, np.integer, np.floating)):
        return SCALAR
    if isinstance(value, (complex, np.complexfloating)):
        return COMPLEX_SCALAR
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            return ArrayKind(value.ndim, True)
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
    kinds = [as_real(k) for k in kinds]  # the dtype is the caller's business (analysis)
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
