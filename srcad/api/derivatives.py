"""The public API: grad, value_and_grad, vjp, source."""

from __future__ import annotations

import functools
import inspect
import linecache
import numbers
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from srcad.api.tracing import annotate
from srcad.errors import BadArgumentError, SourceLoc, UnsupportedSyntaxError
from srcad.frontend.source import captured_still_valid, unwrap_function
from srcad.ir.kinds import NUMERIC, OTHER, TupleKind, kind_of_value
from srcad.lower.pytree import (
    TreeKind,
    flatten,
    float_leaves,
    is_structured,
    leaf_count,
    tree_kind,
    unflatten,
)
from srcad.pipeline import cache
from srcad.pipeline.compiler import Derived, compile_joint, compile_jvp, compile_split

WrtSpec = int | str | Sequence[int | str] | None


def _signature(fn) -> inspect.Signature:
    return inspect.signature(fn)


def _fn_loc(fn) -> SourceLoc | None:
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    line = code.co_firstlineno
    return SourceLoc(code.co_filename, line, 0, fn.__name__,
                     linecache.getline(code.co_filename, line))


def _resolve_wrt(fn, wrt: WrtSpec, api: str) -> tuple[tuple, bool]:
    """Positions of the differentiated parameters, and whether one was asked for."""
    params = list(_signature(fn).parameters.values())
    names = [p.name for p in params]
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise BadArgumentError(f"{api}: 'wrt' is empty", _fn_loc(fn),
                               "name at least one argument to differentiate")
    positions = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise BadArgumentError(
                f"{api}: 'wrt' must be an argument index or name, got {item!r}",
                _fn_loc(fn), f"use an index in 0..{len(names) - 1} or one of {names}")
        if isinstance(item, str):
            if item not in names:
                raise BadArgumentError(
                    f"{api}: '{fn.__name__}' has no argument named '{item}'", _fn_loc(fn),
                    f"use one of {names}")
            pos = names.index(item)
        else:
            pos = item + len(names) if item < 0 else item
            if not 0 <= pos < len(names):
                raise BadArgumentError(
                    f"{api}: wrt={item} is out of range: '{fn.__name__}' has "
                    f"{len(names)} argument(s)", _fn_loc(fn),
                    f"use an index in 0..{len(names) - 1} or one of {names}")
        if pos in positions:
            raise BadArgumentError(f"{api}: argument '{names[pos]}' is listed twice in 'wrt'",
                                   _fn_loc(fn), "list each argument once")
        positions.append(pos)
    return tuple(positions), single


def _shift_wrt(wrt):
    """`wrt` of a bound method, as positions of its function (whose first is `self`)."""
    if isinstance(wrt, (tuple, list)):
        return type(wrt)(_shift_wrt(w) for w in wrt)
    if isinstance(wrt, int) and not isinstance(wrt, bool) and wrt >= 0:
        return wrt + 1
    return wrt


def _bind(fn, args, kwargs) -> list:
    try:
        bound = _signature(fn).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{fn.__name__}(): {exc}") from None
    bound.apply_defaults()
    return list(bound.args)


def _check_differentiable(fn, name: str, value) -> Any:
    """The value as srcad differentiates it, or a clear error."""
    if isinstance(value, (bool, np.bool_)):
        raise BadArgumentError(f"cannot differentiate with respect to '{name}': it is a bool",
                               _fn_loc(fn), "differentiate with respect to a float argument")
    if isinstance(value, numbers.Integral):
        return float(value)
    if isinstance(value, (float, np.floating)):
        return value
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.floating):
            return value
        kind = "complex" if np.iscomplexobj(value) else str(value.dtype)
        raise BadArgumentError(
            f"cannot differentiate with respect to '{name}': its dtype is {kind}",
            _fn_loc(fn), f"pass a float array, e.g. {name}.astype(float)")
    if isinstance(value, (complex, np.complexfloating)):
        raise BadArgumentError(f"cannot differentiate with respect to '{name}': it is complex",
                               _fn_loc(fn), "split it into real and imaginary parts")
    raise BadArgumentError(
        f"cannot differentiate with respect to '{name}': it is a {type(value).__name__}",
        _fn_loc(fn), "differentiate with respect to floats or float arrays")


def _as_like(grad, like, inputs=()) -> Any:
    """A gradient with the type, shape and dtype of its argument.

    Arrays are copied unless they are fresh: never a view, a read-only array, or one of
    the caller's own arrays.
    """
    if type(like) is float:
        if type(grad) is float:
            return grad
        if np.ndim(grad) == 0 and not np.iscomplexobj(grad):
            return float(grad)
    if np.iscomplexobj(grad) and not np.iscomplexobj(like):
        raise BadArgumentError("internal error: a real argument got a complex gradient; "
                               "please report this with the function you differentiated")
    if isinstance(like, np.ndarray):
        if type(grad) is np.ndarray and grad.shape == like.shape and \
                grad.dtype == like.dtype and grad.base is None and grad.flags.writeable and \
                not any(grad is x for x in inputs):
            return grad
        g = np.asarray(grad)
        if g.shape != like.shape:
            g = np.broadcast_to(g, like.shape)
        return np.array(g, dtype=like.dtype)
    if isinstance(like, np.floating):
        return type(like)(np.asarray(grad).item() if np.ndim(grad) == 0 else grad)
    if np.ndim(grad) != 0:
        raise BadArgumentError("internal error: a scalar argument got an array gradient "
                               f"of shape {np.shape(grad)}; please report this")
    return float(grad)


def _is_scalar_output(value) -> bool:
    if type(value) is float:
        return True
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (numbers.Real, np.floating, np.integer)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and \
        np.issubdtype(value.dtype, np.number) and not np.iscomplexobj(value)


class _Differentiated:
    """Common machinery of srcad's function wrappers."""

    api = "srcad"

    def __init__(self, fn: Callable, wrt: WrtSpec):
        self.bound = ()
        if isinstance(fn, types.MethodType) and isinstance(fn.__func__, types.FunctionType) \
                and self.takes_trees:
            # a bound method: its object is passed as the first argument on every call
            self.bound = (fn.__self__,)
            fn = fn.__func__
            wrt = _shift_wrt(wrt)
        inner_spec = getattr(fn, "__srcad_spec__", None)
        if inner_spec is not None:
            self.fn = fn.fn  # the user's function: same parameters
            self.inner = inner_spec
        else:
            self.fn = unwrap_function(fn, self.api)
            self.inner = self.fn
        self.positions, self.single = _resolve_wrt(self.fn, wrt, f"srcad.{self.api}")
        self.param_names = list(_signature(self.fn).parameters)
        self._last_module = None
        self._modules: dict = {}  # argument kinds -> (module, captured free names)
        functools.update_wrapper(self, self.fn)

    def _prepare(self, args, kwargs):
        if self.bound:
            args = self.bound + tuple(args)
        if not kwargs and len(args) == len(self.param_names):
            values = list(args)  # the common case: no binding needed
        else:
            values = _bind(self.fn, args, kwargs)
        trees = False
        for pos in self.positions:
            v = values[pos]
            if type(v) is not float and not (type(v) is np.ndarray and v.dtype.kind == "f"):
                if is_structured(v, True):
                    trees = True
                    continue
                values[pos] = _check_differentiable(self.fn, self.param_names[pos], v)
        kinds = tuple(map(kind_of_value, values))
        if trees or OTHER in kinds or any(isinstance(k, TupleKind) for k in kinds):
            kinds = tuple(tree_kind(v, i in self.positions, f"argument '{self.param_names[i]}'")
                          if is_structured(v, i in self.positions) else k
                          for i, (v, k) in enumerate(zip(values, kinds)))
            if any(isinstance(k, TreeKind) for k in kinds) and not self.takes_trees:
                raise BadArgumentError(
                    f"srcad.{self.api} does not take dicts, objects or other structures as "
                    "arguments yet", _fn_loc(self.fn),
                    "use srcad.grad, value_and_grad or vjp, or pass arrays separately")
        return values, kinds

    takes_trees = False

    def _cached_module(self, kinds, key, build):
        """The generated module for these argument kinds (checked, then built if needed)."""
        entry = self._modules.get(kinds)
        if entry is not None and captured_still_valid(entry.captured):
            self._last_module = entry
            return entry
        module = cache.get_or_build(key, build)
        self._modules[kinds] = module
        self._last_module = module
        return module

    def _module(self, kinds):
        raise NotImplementedError

    def __srcad_source__(self, *args, **kwargs) -> str:
        if args or kwargs:
            _, kinds = self._prepare(args, kwargs)
            return self._module(kinds).source
        if self._last_module is not None:
            return self._last_module.source
        return self._module(tuple(NUMERIC for _ in self.param_names)).source


class GradFunction(_Differentiated):
    """A function computing the gradient (or value and gradient) of `fn`."""

    takes_trees = True

    def __init__(self, fn: Callable, wrt: WrtSpec, with_value: bool):
        self.api = "value_and_grad" if with_value else "grad"
        super().__init__(fn, wrt)
        self.with_value = with_value

    def _module(self, kinds):
        return self._cached_module(kinds, ("joint", self.inner, self.positions, kinds),
                                   lambda: compile_joint(self.inner, self.positions, kinds))

    @property
    def __srcad_spec__(self):
        """This function, as something srcad can transform again."""
        if self.with_value:
            raise UnsupportedSyntaxError(
                "cannot differentiate a value_and_grad function (its output is a pair)",
                hint="differentiate srcad.grad(f) instead", function=self.fn.__name__)
        return Derived("grad", self.inner, self.positions, self.single)

    def __call__(self, *args, **kwargs):
        values, kinds = self._prepare(args, kwargs)
        module = self._module(kinds)
        flat = flat_values(values, kinds)
        try:
            value, grads = module.functions[0](*flat)
        except Exception as exc:
            annotate(exc, self.fn)
            raise
        if not _is_scalar_output(value):
            raise BadArgumentError(
                f"srcad.{self.api} needs '{self.fn.__name__}' to return a real scalar; it "
                f"returned {_describe(value)}", _fn_loc(self.fn),
                "reduce the output to a scalar (e.g. np.sum), or use srcad.vjp for "
                "array-valued functions")
        if flat is not values:
            out = regroup(grads, values, kinds, self.positions, flat)
        else:
            out = tuple([g if type(g) is float and type(values[p]) is float
                         else _as_like(g, values[p], values)
                         for g, p in zip(grads, self.positions)])
        result = out[0] if self.single else out
        return (value, result) if self.with_value else result

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self.__call__, obj)


def flat_values(values: list, kinds: tuple) -> list:
    """The arguments as generated code takes them: structures replaced by their leaves."""
    if not any(isinstance(k, TreeKind) for k in kinds):
        return values
    flat = []
    for v, k in zip(values, kinds):
        if isinstance(k, TreeKind):
            flat.extend(flatten(v, k))
        else:
            flat.append(v)
    return flat


def regroup(grads, values: list, kinds: tuple, positions: tuple, flat: list) -> tuple:
    """Leaf gradients put back into the structure of each differentiated argument."""
    grads = list(grads)
    out = []
    start = 0
    starts = []
    for k in kinds:
        starts.append(start)
        start += leaf_count(k) if isinstance(k, TreeKind) else 1
    for pos in positions:
        kind, value = kinds[pos], values[pos]
        if not isinstance(kind, TreeKind):
            out.append(_as_like(grads.pop(0), value, values))
            continue
        leaves = flat[starts[pos]: starts[pos] + leaf_count(kind)]
        shaped = [_as_like(grads.pop(0), leaf, flat) if is_float else None
                  for is_float, leaf in zip(float_leaves(kind), leaves)]
        out.append(unflatten(kind, shaped, value))
    return tuple(out)


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__}" + (f" ({value!r})" if value is None or
                                          isinstance(value, str) else "")


def grad(fn: Callable | None = None, wrt: WrtSpec = 0) -> Callable:
    """The gradient of a scalar-valued function, by source transformation.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar. Can be used as `@srcad.grad`
        or `@srcad.grad(wrt=...)`.
    wrt : int, str or tuple of them, default 0
        The argument(s) to differentiate with respect to, by position or name.
        With a tuple, the gradient function returns a tuple of gradients.

    Returns
    -------
    callable
        Takes the same arguments as `fn` and returns the gradient(s), each with
        its argument's type, shape and dtype.

    Examples
    --------
    >>> import srcad, math
    >>> def f(x):
    ...     return x * math.sin(x)
    >>> dfdx = srcad.grad(f)  # doctest: +SKIP
    """
    if fn is None:
        return lambda f: GradFunction(f, wrt, with_value=False)
    return GradFunction(fn, wrt, with_value=False)


def value_and_grad(fn: Callable | None = None, wrt: WrtSpec = 0) -> Callable:
    """Like `grad`, but the returned function gives `(value, gradient(s))`.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar.
    wrt : int, str or tuple of them, default 0
        The argument(s) to differentiate with respect to.

    Returns
    -------
    callable
        Returns `(fn(*args), gradients)` from a single forward and reverse sweep.
    """
    if fn is None:
        return lambda f: GradFunction(f, wrt, with_value=True)
    return GradFunction(fn, wrt, with_value=True)


class Pullback:
    """The pullback of a `vjp`: maps an output adjoint to the inputs' adjoints.

    It can be called many times with different output adjoints; the forward sweep
    ran once.
    """

    def __init__(self, module, saved, output, values, positions, fn):
        self._module = module
        self._saved = saved
        self._output = output
        self._values = values
        self._positions = positions
        self._fn = fn
        self._regroup = None
        self.__srcad_source__ = lambda: module.source

    def __call__(self, adjoint) -> tuple:
        adjoint = _check_adjoint(adjoint, self._output, self._fn)
        try:
            grads = self._module.functions[1](self._saved, adjoint)
        except Exception as exc:
            annotate(exc, self._fn)
            raise
        if self._regroup is not None:
            return self._regroup(grads)
        return tuple(_as_like(g, self._values[p], self._values)
                     for g, p in zip(grads, self._positions))


def _check_adjoint(adjoint, output, fn):
    if isinstance(output, tuple):
        if not isinstance(adjoint, (tuple, list)) or len(adjoint) != len(output):
            raise BadArgumentError(
                f"the output of '{fn.__name__}' is a tuple of {len(output)}; the pullback "
                f"needs a tuple of {len(output)} adjoints", _fn_loc(fn),
                "pass one adjoint per output")
        return tuple(_check_adjoint(a, o, fn) for a, o in zip(adjoint, output))
    if np.shape(adjoint) != np.shape(output):
        raise BadArgumentError(
            f"the adjoint passed to the pullback of '{fn.__name__}' has shape "
            f"{np.shape(adjoint)}, but the output has shape {np.shape(output)}",
            _fn_loc(fn), "pass an adjoint shaped like the output")
    return adjoint


def _default_wrt(fn, values) -> tuple:
    positions = []
    for i, v in enumerate(values):
        if isinstance(v, (bool, np.bool_)):
            continue
        if isinstance(v, (float, np.floating)) or (
                isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating)):
            positions.append(i)
        elif is_structured(v, True) and not isinstance(v, (tuple, list)) and \
                any(float_leaves(tree_kind(v, True))):
            positions.append(i)  # a dict, dataclass or object holding floats
    if not positions:
        raise BadArgumentError(f"srcad.vjp: no argument of '{fn.__name__}' holds floats",
                               _fn_loc(fn), "pass float arguments, or choose them with wrt=")
    return tuple(positions)


def vjp(fn: Callable, *args, wrt: WrtSpec = None, **kwargs) -> tuple[Any, Pullback]:
    """Run `fn` forward once and return its output and a pullback.

    Parameters
    ----------
    fn : callable
        A Python function; its output may be a scalar, an array or a tuple.
    *args, **kwargs
        The arguments to call `fn` with.
    wrt : int, str or tuple of them, optional
        The arguments to differentiate; by default every positional argument that
        holds floats.

    Returns
    -------
    output : object
        `fn(*args, **kwargs)`.
    pullback : Pullback
        `pullback(adjoint)` returns a tuple with one adjoint per differentiated
        argument; it can be called many times.
    """
    function = unwrap_function(fn, "vjp")
    values = _bind(function, args, kwargs)
    if wrt is None:
        positions = _default_wrt(function, values)
    else:
        positions, _ = _resolve_wrt(function, wrt, "srcad.vjp")
        if not isinstance(wrt, (tuple, list)):
            positions = tuple(positions)
    names = list(_signature(function).parameters)
    for pos in positions:
        if not is_structured(values[pos], True):
            values[pos] = _check_differentiable(function, names[pos], values[pos])
    kinds = tuple(tree_kind(v, i in positions, f"argument '{names[i]}'")
                  if is_structured(v, i in positions) else kind_of_value(v)
                  for i, v in enumerate(values))
    key = ("split", function, positions, kinds)
    module = cache.get_or_build(key, lambda: compile_split(function, positions, kinds))
    flat = flat_values(values, kinds)
    try:
        output, saved = module.functions[0](*flat)
    except Exception as exc:
        annotate(exc, function)
        raise
    pullback = Pullback(module, saved, output, values, positions, function)
    if flat is not values:
        pullback._regroup = lambda grads: regroup(grads, values, kinds, positions, flat)
    return output, pullback


def source(fn: Callable, *example_args, **example_kwargs) -> str:
    """The generated Python source of a srcad-produced function.

    Parameters
    ----------
    fn : callable
        A function returned by `grad`, `value_and_grad`, or a `vjp` pullback.
    *example_args, **example_kwargs
        Optional example arguments: the code is specialized on whether each
        argument is a scalar or an array. Without them, the code of the most
        recent call is shown (or a version for arguments of any kind).

    Returns
    -------
    str
        The generated module's source.
    """
    getter = getattr(fn, "__srcad_source__", None)
    if getter is None:
        raise BadArgumentError(f"srcad.source needs a function made by srcad; got {fn!r}",
                               hint="pass the result of srcad.grad, value_and_grad or a "
                                    "vjp pullback")
    return getter(*example_args, **example_kwargs)


# ----------------------------------------------------------------------------- forward mode


def _spec_and_fn(fn: Callable, api: str):
    spec = getattr(fn, "__srcad_spec__", None)
    if spec is not None:
        return spec, fn.fn
    function = unwrap_function(fn, api)
    return function, function


def _jvp_module(spec, positions: tuple, kinds: tuple):
    return cache.get_or_build(("jvp", spec, positions, kinds),
                              lambda: compile_jvp(spec, positions, kinds))


def _tangent_like(tangent, primal, fn, name):
    """Check one input tangent against its primal; returns it as srcad uses it."""
    if np.shape(tangent) != np.shape(primal):
        raise BadArgumentError(
            f"the tangent for '{name}' has shape {np.shape(tangent)} but the argument has "
            f"shape {np.shape(primal)}", _fn_loc(fn), "pass a tangent shaped like its argument")
    if isinstance(primal, np.ndarray):
        return np.asarray(tangent, dtype=primal.dtype)
    return float(tangent)


def jvp(fn: Callable, primals: Sequence, tangents: Sequence) -> tuple[Any, Any]:
    """Forward mode: the output of `fn` and its directional derivative.

    Parameters
    ----------
    fn : callable
        A Python function (or a function made by `srcad.grad`).
    primals : sequence
        One value per positional argument of `fn`.
    tangents : sequence
        One tangent per argument, shaped like it; None means "not differentiated".

    Returns
    -------
    output : object
        `fn(*primals)`.
    output_tangent : object
        The derivative of the output along the tangents, shaped like the output.
    """
    spec, function = _spec_and_fn(fn, "jvp")
    primals, tangents = list(primals), list(tangents)
    names = list(_signature(function).parameters)
    if len(primals) != len(names) or len(tangents) != len(names):
        raise BadArgumentError(
            f"srcad.jvp: '{function.__name__}' takes {len(names)} arguments; got "
            f"{len(primals)} primals and {len(tangents)} tangents", _fn_loc(function),
            "pass one primal and one tangent (or None) per argument")
    positions = tuple(i for i, t in enumerate(tangents) if t is not None)
    if not positions:
        raise BadArgumentError("srcad.jvp: every tangent is None", _fn_loc(function),
                               "give a tangent for at least one argument")
    for pos in positions:
        primals[pos] = _check_differentiable(function, names[pos], primals[pos])
    kinds = tuple(map(kind_of_value, primals))
    module = _jvp_module(spec, positions, kinds)
    ts = [_tangent_like(tangents[p], primals[p], function, names[p]) for p in positions]
    try:
        return module.functions[0](*primals, *ts)
    except Exception as exc:
        annotate(exc, function)
        raise


def _flat_size(x) -> int:
    return int(np.size(x))


def _basis(x, k):
    e = np.zeros(np.shape(x), dtype=np.result_type(np.asarray(x).dtype, np.float64))
    e.reshape(-1)[k] = 1.0
    return e if isinstance(x, np.ndarray) else e.item()


class _Matrix(_Differentiated):
    """Shared machinery of jacobian / hessian / hvp wrappers."""

    def __init__(self, fn: Callable, wrt: WrtSpec, api: str):
        self.api = api
        spec = getattr(fn, "__srcad_spec__", None)
        super().__init__(fn.fn if spec is not None else fn, wrt)
        self.inner = spec if spec is not None else self.fn

    def _module(self, kinds):
        return self._cached_module(kinds, ("jvp", self.inner, self.positions, kinds),
                                   lambda: compile_jvp(self.inner, self.positions, kinds))


class JacobianFunction(_Matrix):
    """The Jacobian of `fn` with respect to `wrt` (shape: output shape + input shape)."""

    def __init__(self, fn: Callable, wrt: WrtSpec, mode: str):
        if mode not in ("forward", "reverse", "auto"):
            raise BadArgumentError(f"srcad.jacobian: mode must be 'forward', 'reverse' or "
                                   f"'auto', not {mode!r}")
        super().__init__(fn, wrt, "jacobian")
        self.mode = mode

    def __call__(self, *args, **kwargs):
        values, kinds = self._prepare(args, kwargs)
        output = None
        mode = self.mode
        if mode == "auto":
            n_in = sum(_flat_size(values[p]) for p in self.positions)
            output = self._output(values)
            if isinstance(output, list):
                mode = "forward"  # a list output is the array NumPy would make of it
            else:
                mode = "forward" if n_in < _flat_size(output) else "reverse"
        if mode == "forward":
            result = self._forward(values, kinds)
        else:
            result = self._reverse(values, kinds)
        return result[0] if self.single else tuple(result)

    def _output(self, values):
        spec = self.inner
        if isinstance(spec, Derived):
            return self._forward_columns(values, self._prepare_kinds(values), self.positions[0],
                                         only_value=True)
        return self.fn(*values)

    def _prepare_kinds(self, values):
        return tuple(map(kind_of_value, values))

    def _forward_columns(self, values, kinds, pos, only_value=False):
        module = self._cached_module(
            ("one", pos) + kinds, ("jvp", self.inner, (pos,), kinds),
            lambda: compile_jvp(self.inner, (pos,), kinds))
        x = values[pos]
        if only_value:
            return module.functions[0](*values, _basis(x, 0) * 0.0)[0]
        columns = []
        value = None
        for k in range(_flat_size(x)):
            value, t = module.functions[0](*values, _basis(x, k))
            t = np.asarray(t)
            columns.append(t if np.iscomplexobj(t) else np.asarray(t, dtype=np.float64))
        out_shape = np.shape(value)
        jac = np.stack(columns, axis=-1) if columns else np.zeros(out_shape + (0,))
        return jac.reshape(out_shape + np.shape(x))

    def _forward(self, values, kinds):
        return [self._as_dtype(self._forward_columns(values, kinds, p), values[p])
                for p in self.positions]

    def _reverse(self, values, kinds):
        if isinstance(self.inner, Derived):
            return self._forward(values, kinds)
        module = cache.get_or_build(("split", self.fn, self.positions, kinds),
                                    lambda: compile_split(self.fn, self.positions, kinds))
        output, saved = module.functions[0](*values)
        if isinstance(output, (tuple, list)):
            raise BadArgumentError(f"srcad.jacobian needs an array or scalar output, not a "
                                   f"{type(output).__name__} in reverse mode",
                                   _fn_loc(self.fn), "take the Jacobian of each output "
                                   "separately, or use mode='forward'")
        rows = [[] for _ in self.positions]
        for k in range(_flat_size(output)):
            seed = _basis(output, k)
            grads = module.functions[1](saved, seed)
            if np.iscomplexobj(output):
                # the adjoint of seed 1 gives the real part's gradient, of 1j the imaginary
                imag = module.functions[1](saved, 1j * seed)
                grads = [np.asarray(g) + 1j * np.asarray(h) for g, h in zip(grads, imag)]
            for j, g in enumerate(grads):
                g = np.asarray(g) if np.iscomplexobj(g) else np.asarray(g, dtype=np.float64)
                rows[j].append(np.broadcast_to(g, np.shape(values[self.positions[j]])))
        out = []
        for j, p in enumerate(self.positions):
            shape = np.shape(output) + np.shape(values[p])
            jac = np.stack(rows[j], axis=0).reshape(shape) if rows[j] else np.zeros(shape)
            out.append(self._as_dtype(jac, values[p]))
        return out

    @staticmethod
    def _as_dtype(jac, x):
        if np.iscomplexobj(jac):  # a complex output: a complex Jacobian
            return np.asarray(jac, dtype=np.result_type(np.asarray(x).dtype, np.complex64))
        if isinstance(x, np.ndarray):
            return np.asarray(jac, dtype=x.dtype)
        return float(jac) if np.ndim(jac) == 0 else jac


def jacobian(fn: Callable, wrt: WrtSpec = 0, mode: str = "auto") -> Callable:
    """The Jacobian of an array-valued function.

    Parameters
    ----------
    fn : callable
        A Python function returning a scalar or an array.
    wrt : int, str or tuple of them, default 0
        The argument(s) to differentiate with respect to.
    mode : {"auto", "forward", "reverse"}
        Forward mode builds the Jacobian one input direction at a time, reverse mode one
        output at a time; "auto" picks forward when there are fewer inputs than outputs.

    Returns
    -------
    callable
        Takes `fn`'s arguments; returns an array of shape `output.shape + input.shape`
        (a tuple of them for a tuple `wrt`).
    """
    return JacobianFunction(fn, wrt, mode)


def hessian(fn: Callable, wrt: WrtSpec = 0) -> Callable:
    """The Hessian of a scalar function: forward mode over the generated gradient.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar.
    wrt : int or str, default 0
        The argument to differentiate with respect to (twice).

    Returns
    -------
    callable
        Takes `fn`'s arguments; returns an array of shape `x.shape + x.shape`.
    """
    if isinstance(wrt, (tuple, list)):
        raise BadArgumentError("srcad.hessian takes a single argument in 'wrt'",
                               hint="use srcad.jacobian(srcad.grad(f, wrt=...)) for blocks")
    return JacobianFunction(GradFunction(fn, wrt, with_value=False), wrt, "forward")


class HvpFunction(_Matrix):
    """Hessian-vector products: takes `fn`'s arguments, then the direction vector."""

    def __init__(self, fn: Callable, wrt: WrtSpec):
        if isinstance(wrt, (tuple, list)):
            raise BadArgumentError("srcad.hvp takes a single argument in 'wrt'")
        super().__init__(GradFunction(fn, wrt, with_value=False), wrt, "hvp")

    def __call__(self, *args):
        if len(args) != len(self.param_names) + 1:
            raise TypeError(f"{self.fn.__name__} hvp: expected {len(self.param_names)} "
                            f"arguments and a direction vector, got {len(args)} values")
        *primal, direction = args
        values, kinds = self._prepare(tuple(primal), {})
        pos = self.positions[0]
        module = self._module(kinds)
        v = _tangent_like(direction, values[pos], self.fn, self.param_names[pos])
        _, tangent = module.functions[0](*values, v)
        return _as_like(tangent, values[pos], values)


def hvp(fn: Callable, wrt: WrtSpec = 0) -> Callable:
    """Hessian-vector products by forward mode over reverse mode.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar.
    wrt : int or str, default 0
        The argument the Hessian is taken with respect to.

    Returns
    -------
    callable
        `hvp(f)(*args, v)` returns the Hessian of `f` at `args` times `v`.
    """
    return HvpFunction(fn, wrt)
