"""Namespace-generic versions of the adjoint helpers generated code calls most.

Each function here computes what its NumPy counterpart computes (named in its
docstring), with the functions of the arrays' own namespace (`x.__array_namespace__()`,
the Python array API standard): it runs on NumPy arrays, on array-API arrays that are not
NumPy arrays (array_api_strict, on any device), and on Python floats. A NumPy call takes
the NumPy helper itself after a type test per argument (`_NP`), so NumPy is not slowed down.

Generated code does not call these yet: it calls `np.*` and the NumPy helpers
(docs/array_api.md says which, and what a generated gradient therefore runs on). This
module is the part of the runtime that is ready for another namespace; it is tested
with array_api_strict (tests/test_array_api.py).
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

import srcad.runtime as _np_runtime
from srcad.runtime import adjoints as _np_adjoints
from srcad.runtime import elementwise as _np_elementwise
from srcad.runtime import outputs as _np_outputs
from srcad.runtime.adjoints import AdjointStructureError

# The types the NumPy helpers take as they are: each helper tests its arguments' types
# against this set inline (a function call here would cost NumPy calls ~10%).
_NP = frozenset((np.ndarray, float, int, np.float64, np.float32))


def namespace(*values: Any) -> ModuleType:
    """The array namespace of the first value that has one (`x.__array_namespace__()`);
    NumPy when none has (Python numbers, NumPy scalars, lists, and arrays such as dask's
    that implement NumPy's dispatch protocols instead)."""
    for v in values:
        get = getattr(v, "__array_namespace__", None)
        if get is not None:
            return get()
    return np


def _shape(x: Any) -> tuple:
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def _device(*values: Any) -> Any:
    for v in values:
        device = getattr(v, "device", None)
        if device is not None:
            return device
    return None


def _as_array(xp: ModuleType, value: Any, *like: Any) -> Any:
    """`value` as an array of namespace `xp`: an array as it is (never converted: a
    dask array stays lazy), a number as a 0-d array on the device of the first array in
    `like`."""
    if hasattr(value, "shape") or xp is np:
        return value if hasattr(value, "shape") else np.asarray(value)
    device = _device(*like)
    return xp.asarray(value) if device is None else xp.asarray(value, device=device)


def _matrix_transpose(xp: ModuleType, a: Any) -> Any:
    # (np.swapaxes for NumPy's namespace: dask implements it, not np.matrix_transpose)
    return np.swapaxes(a, -1, -2) if xp is np else xp.matrix_transpose(a)


def _astype(xp: ModuleType, a: Any, dtype: Any) -> Any:
    # (the method for NumPy's namespace: dask implements it, not np.astype)
    return a.astype(dtype) if xp is np else xp.astype(a, dtype)


def _float_dtype(xp: ModuleType, dtype: Any) -> Any:
    """`dtype` where it is floating or complex, else the namespace's float64."""
    if xp.isdtype(dtype, ("real floating", "complex floating")):
        return dtype
    return xp.float64


# ----------------------------------------------------------------------------- broadcasting


def unbroadcast(g: Any, x: Any) -> Any:
    """The adjoint `g` of a broadcast result summed back to the shape of operand `x`
    (`srcad.runtime.adjoints.unbroadcast`)."""
    if type(g) in _NP and type(x) in _NP:
        if type(g) is np.ndarray and type(x) is np.ndarray and g.shape == x.shape:
            return g  # (the common case, without a second call)
        return _np_adjoints.unbroadcast(g, x)
    x_shape, g_shape = _shape(x), _shape(g)
    if g_shape == x_shape:
        return g
    xp = namespace(g, x)
    g = _as_array(xp, g, x)
    if not x_shape:
        return xp.sum(g)
    extra = len(g_shape) - len(x_shape)
    if extra < 0:
        return xp.broadcast_to(g, x_shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(x_shape) if n == 1 and g_shape[extra + i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    if extra:
        g = xp.reshape(g, x_shape)
    if tuple(g.shape) != x_shape:
        g = xp.broadcast_to(g, x_shape)
    return g


def broadcast_like(t: Any, x: Any) -> Any:
    """A tangent `t` broadcast to the shape of the value `x` it belongs to
    (`srcad.runtime.adjoints.broadcast_like`; a list's is a list of its items')."""
    if type(t) in _NP and type(x) in _NP or isinstance(x, (list, tuple)):
        if isinstance(x, (list, tuple)):
            return [zeros_like(v) if _is_zero(d) and _shape(v) else d
                    for d, v in zip(list_adjoint(t, len(x), "broadcast_like"), x)]
        return _np_adjoints.broadcast_like(t, x)
    shape = _shape(x)
    if _shape(t) == shape:
        return t
    xp = namespace(t, x)
    return xp.broadcast_to(_as_array(xp, t, x), shape)


def unreduce(g: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The adjoint of a sum over `axis` spread back over `x`'s shape
    (`srcad.runtime.unreduce`)."""
    if type(g) in _NP and type(x) in _NP:
        return _np_runtime.unreduce(g, x, axis, keepdims)
    shape = _shape(x)
    xp = namespace(g, x)
    g = _as_array(xp, g, x)
    if axis is not None and not keepdims:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        for a in sorted(a % len(shape) for a in axes):
            g = xp.expand_dims(g, axis=a)
    return xp.broadcast_to(g, shape)


def reduced_count(x: Any, axis: Any = None) -> int:
    """How many elements each output of a reduction over `axis` summed
    (`srcad.runtime.reduced_count`): shape arithmetic, no namespace needed."""
    shape = _shape(x)
    if axis is None:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return math.prod(shape[a] for a in axes)


# ----------------------------------------------------------------------------- adjoints


def zeros_like(x: Any) -> Any:
    """A zero tangent or adjoint shaped like `x`, in `x`'s float dtype (float64 for
    integers and booleans), 0.0 for a number (`srcad.runtime.adjoints.zeros_like`)."""
    if isinstance(x, (tuple, list)):
        return type(x)(zeros_like(v) for v in x)
    if type(x) is np.ndarray or not hasattr(x, "__array_namespace__"):
        return _np_adjoints.zeros_like(x)
    xp = namespace(x)
    return xp.zeros_like(x, dtype=_float_dtype(xp, x.dtype))


def _is_zero(d: Any) -> bool:
    return isinstance(d, (int, float)) and not isinstance(d, bool) and d == 0


def list_adjoint(d: Any, count: int, what: str) -> list:
    """The adjoint `d` of a list of `count` items as a list of item adjoints
    (`srcad.runtime.adjoints.list_adjoint`): a list or tuple of them, an array of any
    namespace whose leading axis runs over the items, or 0.0 for zeros."""
    if isinstance(d, (list, tuple)):
        if len(d) == count:
            return list(d)
    elif hasattr(d, "shape") and len(_shape(d)) >= 1:
        if _shape(d)[0] == count:
            return [d[i, ...] for i in range(count)]
    elif _is_zero(d):
        return [0.0] * count
    raise AdjointStructureError(
        f"srcad internal error in {what}: the adjoint of a list of {count} items is "
        f"a {type(d).__name__} of shape {_shape(d)}; please report this with the function "
        "you differentiated")


def add_adjoints(a: Any, b: Any) -> Any:
    """Two adjoints of the same value added: lists and tuples item by item, 0.0 standing
    for zeros (`srcad.runtime.adjoints.add_adjoints`)."""
    a_seq, b_seq = isinstance(a, (list, tuple)), isinstance(b, (list, tuple))
    if a_seq or b_seq:
        count = len(a) if a_seq else len(b)
        return [add_adjoints(x, y) for x, y in zip(list_adjoint(a, count, "add_adjoints"),
                                                   list_adjoint(b, count, "add_adjoints"))]
    return a + b


def transpose_adjoint(g: Any, axes: Any = None) -> Any:
    """The adjoint of a transpose with `axes` (`srcad.runtime.transpose_adjoint`): the
    inverse permutation."""
    if type(g) in _NP:
        return _np_runtime.transpose_adjoint(g, axes)
    xp = namespace(g)
    ndim = len(_shape(g))
    if axes is None:
        return xp.permute_dims(g, tuple(range(ndim))[::-1])
    order = [a % ndim for a in axes]
    inverse = [0] * ndim
    for position, a in enumerate(order):
        inverse[a] = position
    return xp.permute_dims(g, tuple(inverse))


def matmul_adjoint_left(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `a` in `a @ b`, with the 1-D and batch rules of matmul
    (`srcad.runtime.matmul_adjoint_left`)."""
    if type(g) in _NP and type(a) in _NP and type(b) in _NP:
        return _np_runtime.matmul_adjoint_left(g, a, b)
    xp = namespace(g, a, b)
    a_ndim, b_ndim = len(_shape(a)), len(_shape(b))
    if a_ndim == 1 and b_ndim == 1:
        return g * b
    if b_ndim == 1:
        return unbroadcast(xp.expand_dims(g, axis=-1) * b, a)
    if a_ndim == 1:
        return unbroadcast((b @ xp.expand_dims(g, axis=-1))[..., 0], a)
    return unbroadcast(g @ _matrix_transpose(xp, b), a)


def matmul_adjoint_right(g: Any, a: Any, b: Any) -> Any:
    """The adjoint of `b` in `a @ b` (`srcad.runtime.matmul_adjoint_right`)."""
    if type(g) in _NP and type(a) in _NP and type(b) in _NP:
        return _np_runtime.matmul_adjoint_right(g, a, b)
    xp = namespace(g, a, b)
    a_ndim, b_ndim = len(_shape(a)), len(_shape(b))
    if a_ndim == 1 and b_ndim == 1:
        return g * a
    if b_ndim == 1:
        return unbroadcast((_matrix_transpose(xp, a) @ xp.expand_dims(g, axis=-1))[..., 0], b)
    if a_ndim == 1:
        return unbroadcast(xp.expand_dims(a, axis=-1) * xp.expand_dims(g, axis=-2), b)
    return unbroadcast(_matrix_transpose(xp, a) @ g, b)


# ----------------------------------------------------------------------------- selections


def share(g: Any, w: Any) -> Any:
    """`g * w` for a weight `w` in [0, 1], 0 where `w` is 0 even where `g` is infinite
    or NaN (`srcad.runtime.elementwise.share`)."""
    if type(g) in _NP and (type(w) in _NP or type(w) is bool):
        return _np_elementwise.share(g, w)
    xp = namespace(g, w)
    w = _as_array(xp, w, g)
    g = _as_array(xp, g, w)
    if w.dtype == xp.bool:
        return xp.where(w, g, xp.zeros_like(g))
    return xp.where(w != 0, g * w, xp.zeros_like(g * w))


def _weight(xp: ModuleType, selected: Any, tie: Any, like: Any) -> Any:
    dtype = _float_dtype(xp, like.dtype)
    return _astype(xp, selected, dtype) + 0.5 * _astype(xp, tie, dtype)


def above_weight(a: Any, b: Any) -> Any:
    """How much of `maximum(a, b)`'s adjoint goes to `a`: 1 where a > b, 1/2 at ties,
    0 elsewhere (`srcad.runtime.elementwise.above_weight`; here always a float array,
    with no data-dependent branch)."""
    if type(a) in _NP and type(b) in _NP:
        return _np_elementwise.above_weight(a, b)
    xp = namespace(a, b)
    a, b = _as_array(xp, a, b), _as_array(xp, b, a)
    return _weight(xp, a > b, a == b, a)


def below_weight(a: Any, b: Any) -> Any:
    """How much of `minimum(a, b)`'s adjoint goes to `a` (see `above_weight`)."""
    if type(a) in _NP and type(b) in _NP:
        return _np_elementwise.below_weight(a, b)
    xp = namespace(a, b)
    a, b = _as_array(xp, a, b), _as_array(xp, b, a)
    return _weight(xp, a < b, a == b, a)


# ----------------------------------------------------------------------------- the output


def is_real_scalar(value: Any) -> bool:
    """A real number (not a bool), or a real array of any namespace with one element
    (`srcad.runtime.outputs.is_real_scalar`)."""
    if type(value) in _NP or not hasattr(value, "__array_namespace__"):
        return _np_outputs.is_real_scalar(value)
    xp = namespace(value)
    return math.prod(_shape(value)) == 1 and xp.isdtype(
        value.dtype, ("real floating", "signed integer", "unsigned integer"))


def output_seed(value: Any) -> Any:
    """1.0 for a real scalar output, ones shaped like a one-element real array
    (`srcad.runtime.outputs.output_seed`); anything else raises `NotScalarOutput`."""
    if type(value) in _NP or not hasattr(value, "__array_namespace__"):
        return _np_outputs.output_seed(value)
    if not is_real_scalar(value):
        raise _np_outputs.NotScalarOutput(value)
    xp = namespace(value)
    return xp.ones(_shape(value), dtype=_float_dtype(xp, xp.result_type(value.dtype, xp.float64)),
                   device=value.device)
