"""Reverse mode: `grad`, `value_and_grad` and `vjp`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from srcad.api.arguments import (
    WrtSpec,
    bind,
    bound_function,
    check_differentiable,
    default_wrt,
    flat_values,
    fn_loc,
    param_names,
    resolve_wrt,
    shift_wrt,
)
from srcad.api.float_entry import SLOW, float_entry
from srcad.api.results import as_like, check_adjoint, owned_arrays, regroup
from srcad.api.structures import argument_kinds, build_output, output_adjoints, output_tree
from srcad.api.tracing import call_generated, output_error
from srcad.api.wrapper import (
    CheckpointSpec,
    Differentiated,
    array_shapes,
    check_finite_option,
    checkpoint_key,
    checkpoint_option,
    finite_key,
)
from srcad.codegen.emit import Module
from srcad.errors import BadArgumentError, UnsupportedSyntaxError
from srcad.frontend.source import captured_still_valid, unwrap_function
from srcad.lower.pytree import TreeKind, is_structured
from srcad.pipeline import cache
from srcad.pipeline.compiler import compile_joint, compile_split
from srcad.pipeline.unit import Derived
from srcad.runtime.outputs import is_real_scalar

_SLOW = object()  # the fast path declines: take the slow one
MAX_FAST_ENTRIES = 64


def call_key(args: tuple) -> tuple:
    """What a call's generated code depends on, for positional float and array
    arguments (anything else makes a key that no fast entry has)."""
    return tuple([(a.shape, a.dtype) if type(a) is np.ndarray else type(a) for a in args])


class GradFunction(Differentiated):
    """A function computing the gradient (or value and gradient) of `fn`."""

    takes_trees = True

    def __init__(self, fn: Callable, wrt: WrtSpec, with_value: bool, api: str = "",
                 check_finite: bool | None = None, checkpoint: CheckpointSpec = None):
        self.api = api or ("value_and_grad" if with_value else "grad")
        self.check_finite = check_finite_option(check_finite, fn)
        self.checkpoint = checkpoint_option(checkpoint, fn, self.api)
        super().__init__(fn, wrt)
        self.with_value = with_value
        self._fast: dict = {}  # call_key -> (module, all floats), for calls like one made before
        self._float_entry: Callable[[tuple], Any] | None = None  # (srcad/api/float_entry.py)

    def _module(self, kinds: tuple, shapes: tuple | None = None) -> Module:
        shapes = self._shape_key(kinds, shapes)
        with_value, check, every = self.with_value, self.check_finite, self.checkpoint
        return self._cached_module(
            (kinds, shapes),
            ("joint" if with_value else "grad", self.inner, self.positions, kinds, shapes)
            + finite_key(check) + checkpoint_key(every),
            lambda: compile_joint(self.inner, self.positions, kinds, shapes, with_value, check,
                                  every))

    @property
    def __srcad_spec__(self) -> Derived:
        """This function, as something srcad can transform again."""
        if self.with_value:
            raise UnsupportedSyntaxError(
                "cannot differentiate a value_and_grad function (its output is a pair)",
                hint="differentiate srcad.grad(f) instead", function=self.fn.__name__)
        return Derived("grad", self.inner, self.positions, self.single, self.checkpoint)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            entry = self._float_entry
            if entry is not None:
                result = entry(args)
                if result is not SLOW:
                    return result
            key = call_key(args)
            fast = self._fast.get(key)
            if fast is not None:
                result = self._fast_call(fast[0], fast[1], args)
                if result is not _SLOW:
                    return result
        values, kinds = self._prepare(args, kwargs)
        module = self._module(kinds, array_shapes(values))
        if not kwargs and self._fast_path_fits(args, values, kinds, module):
            floats = all(type(a) is float for a in args)
            self._fast[key] = (module, floats)
            if self.positions:
                self._float_entry = float_entry(
                    module.functions[0], args, self.positions, self.with_value,
                    self.single, module.captured)
                self._last_module = module
        flat = flat_values(values, kinds)
        value, grads = self._run(module, flat)
        if self.with_value and not is_real_scalar(value):
            # what the generated code does not check: a bool of unknown origin
            raise output_error(value, self.fn, self.api)
        if flat is not values:
            out = regroup(grads, values, kinds, self.positions, flat)
        else:
            owned = owned_arrays(grads)
            out = tuple([g if type(g) is float and type(values[p]) is float
                         else as_like(g, values[p], values, fresh)
                         for g, p, fresh in zip(grads, self.positions, owned)])
        result = out[0] if self.single else out
        return (value, result) if self.with_value else result

    def _run(self, module: Module, args: Any) -> tuple:
        """(value, gradients) from the generated code (value None where only the
        gradients were generated: `grad`, whose generated code checks the output)."""
        if self.with_value:
            return call_generated(module.functions[0], args, self.fn, self.api)
        return None, call_generated(module.functions[0], args, self.fn, self.api)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self.__call__, obj)

    # -- the fast path: a call like one made before (same types, shapes and dtypes of
    # positional float / float-array arguments) goes straight to its generated code

    def _fast_path_fits(self, args: tuple, values: list, kinds: tuple,
                        module: Module) -> bool:
        if self.bound or len(args) != len(values):
            return False
        if not all(type(v) is float or (type(v) is np.ndarray and v.dtype.kind == "f")
                   for v in args):
            return False
        if len(self._fast) >= MAX_FAST_ENTRIES:
            self._fast.clear()
            self._float_entry = None
        return True

    def _fast_call(self, module: Module, floats: bool, args: tuple) -> Any:
        if module.captured and not captured_still_valid(module.captured):
            return _SLOW  # a name the function read has changed: transform again
        value, grads = self._run(module, args)
        if self.with_value and type(value) is not float and type(value) is not np.float64 \
                and not is_real_scalar(value):
            return _SLOW  # (the slow path raises the error)
        self._last_module = module
        # (which gradients are arrays no one else refers to: before anything else does)
        owned = [False] * len(grads) if floats else owned_arrays(grads)
        out = []
        for g, p, fresh in zip(grads, self.positions, owned):
            like = args[p]
            if type(like) is float:
                out.append(g if type(g) is float else as_like(g, like, args))
            elif fresh and g.shape == like.shape and g.dtype is like.dtype:
                out.append(g)  # a fresh array of the argument's shape and dtype
            else:
                out.append(as_like(g, like, args, fresh))
        result = out[0] if self.single else tuple(out)
        return (value, result) if self.with_value else result


def grad(fn: Callable | None = None, wrt: WrtSpec = 0,
         check_finite: bool | None = None, checkpoint: CheckpointSpec = None) -> Callable:
    """The gradient of a scalar-valued function, by source transformation.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar. Can be used as `@srcad.grad`
        or `@srcad.grad(wrt=...)`.
    wrt : int, str or tuple of them, default 0
        The argument(s) to differentiate with respect to, by position or name.
        With a tuple, the gradient function returns a tuple of gradients.
    check_finite : bool, optional
        Check every value of the forward sweep and every adjoint of the reverse sweep
        for NaN and Inf where it is computed, and raise `srcad.NonFiniteError` on the
        first one, naming the sweep, the user's line and variable, and whether that
        statement created it or only propagated it (docs/nan.md). Off by default (the
        generated code then has no checks); `SRCAD_CHECK_FINITE=1` turns it on where
        it is not given.
    checkpoint : bool or int, optional
        Trade recomputation for memory in long loops (docs/checkpointing.md): each
        `for` loop over a `range` that the gradient goes through is cut into segments;
        the forward sweep saves only the loop's carried values at the start of each
        segment, and the reverse sweep runs each segment forward again, saving its
        values, before running its reverse. `True`: segments of about sqrt(n) steps
        for a loop of n steps (about 2 sqrt(n) iterations' values held instead of n,
        for one more forward sweep); an int: that many steps per segment; a tuple of
        up to 4 ints, `(1000, 30)`: segments of segments (less memory, one more
        forward sweep per level). `while` loops take an int or a tuple (their trip
        count is not known when they start). A loop body that may compute other
        values when run again (random numbers) is refused. Off by default.

    Returns
    -------
    callable
        Takes the same arguments as `fn` and returns the gradient(s), each with
        its argument's type, shape and dtype. A complex argument `z = x + 1j * y`
        gets `dL/dx + 1j * dL/dy` (docs/complex.md; autograd's and JAX's `grad`
        return its conjugate).

    Examples
    --------
    >>> import srcad, math
    >>> def f(x):
    ...     return x * math.sin(x)
    >>> dfdx = srcad.grad(f)  # doctest: +SKIP
    """
    if fn is None:
        return lambda f: GradFunction(f, wrt, with_value=False, check_finite=check_finite,
                                      checkpoint=checkpoint)
    return GradFunction(fn, wrt, with_value=False, check_finite=check_finite,
                        checkpoint=checkpoint)


def value_and_grad(fn: Callable | None = None, wrt: WrtSpec = 0,
                   check_finite: bool | None = None,
                   checkpoint: CheckpointSpec = None) -> Callable:
    """Like `grad`, but the returned function gives `(value, gradient(s))`.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar.
    wrt : int, str or tuple of them, default 0
        The argument(s) to differentiate with respect to.
    check_finite : bool, optional
        Check every value and adjoint for NaN and Inf where it is computed (see
        `grad`; docs/nan.md).
    checkpoint : bool or int, optional
        Recompute loop segments instead of saving every iteration's values (see
        `grad`; docs/checkpointing.md).

    Returns
    -------
    callable
        Returns `(fn(*args), gradients)` from a single forward and reverse sweep.
    """
    if fn is None:
        return lambda f: GradFunction(f, wrt, with_value=True, check_finite=check_finite,
                                      checkpoint=checkpoint)
    return GradFunction(fn, wrt, with_value=True, check_finite=check_finite,
                        checkpoint=checkpoint)


# Called inside a function srcad differentiates, srcad.grad(f, wrt=...) is made while
# transforming (lower/calls.py): the hook names what to call.
grad.__srcad_factory__ = grad  # type: ignore[attr-defined]
value_and_grad.__srcad_factory__ = value_and_grad  # type: ignore[attr-defined]


class Pullback:
    """The pullback of a `vjp`: maps an output adjoint to the inputs' adjoints.

    It can be called many times with different output adjoints; the forward sweep
    ran once. The adjoint `bw` of a complex output `w` stands for the real loss
    `Re(sum(conj(bw) * w))`, whose gradient it returns (docs/complex.md).
    """

    def __init__(self, module: Module, saved: Any, output: Any, values: list,
                 positions: tuple, fn: Callable,
                 regroup_leaves: Callable[[Any], tuple] | None = None,
                 tree: TreeKind | None = None):
        self._module = module
        self._tree = tree  # the layout of a structured output (`output`: its leaves)
        self._saved = saved
        self._output = output
        self._values = values
        self._positions = positions
        self._fn = fn
        self._regroup = regroup_leaves  # puts leaf adjoints back into structures

    def __call__(self, adjoint: Any) -> tuple:
        if self._tree is not None:
            adjoint = output_adjoints(adjoint, self._tree, self._fn)
        adjoint = check_adjoint(adjoint, self._output, self._fn)
        grads = call_generated(self._module.functions[1], (self._saved, adjoint), self._fn,
                               "vjp")
        if self._regroup is not None:
            return self._regroup(grads)
        owned = owned_arrays(grads)
        return tuple(as_like(g, self._values[p], self._values, fresh)
                     for g, p, fresh in zip(grads, self._positions, owned))

    def __srcad_source__(self, *args: Any, **kwargs: Any) -> str:
        if args or kwargs:
            raise BadArgumentError(
                "srcad.source of a pullback takes no example arguments: its code is the "
                "code of the vjp call that made it", fn_loc(self._fn),
                "call srcad.source(pullback)")
        return self._module.source


def vjp(fn: Callable, *args: Any, wrt: WrtSpec = None, check_finite: bool | None = None,
        checkpoint: CheckpointSpec = None, **kwargs: Any) -> tuple[Any, Pullback]:
    """Run `fn` forward once and return its output and a pullback.

    Parameters
    ----------
    fn : callable
        A Python function; its output may be a scalar, an array, or a structure of
        them (a tuple, list, dict, dataclass, namedtuple or object, nested too).
    *args, **kwargs
        The arguments to call `fn` with.
    wrt : int, str or tuple of them, optional
        The arguments to differentiate; by default every positional argument that
        holds floats or complex numbers.
    check_finite : bool, optional
        Check every value of the forward function and every adjoint of the pullback
        for NaN and Inf where it is computed (see `grad`; docs/nan.md).
    checkpoint : bool or int, optional
        Recompute loop segments instead of saving every iteration's values (see
        `grad`; docs/checkpointing.md): the forward function saves the snapshots,
        and each call of the pullback recomputes the segments.

    Returns
    -------
    output : object
        `fn(*args, **kwargs)`.
    pullback : Pullback
        `pullback(adjoint)`, with an adjoint laid out like the output, returns a tuple
        with one adjoint per differentiated argument (in its structure); it can be
        called many times.
    """
    fn, bound = bound_function(fn)  # a bound method or a callable object
    function = unwrap_function(fn, "vjp")
    args = bound + tuple(args)
    values = bind(function, args, kwargs)
    if wrt is None:
        positions = default_wrt(function, values, len(args), start=len(bound))
    else:
        positions, _ = resolve_wrt(function, shift_wrt(wrt) if bound else wrt, "srcad.vjp")
    names = param_names(function)
    for pos in positions:
        if not is_structured(values[pos], True):
            values[pos] = check_differentiable(function, names[pos], values[pos])
    kinds = argument_kinds(function, "vjp", values, positions)
    check = check_finite_option(check_finite)
    every = checkpoint_option(checkpoint, function, "vjp")
    key = ("split", function, positions, kinds) + finite_key(check) + checkpoint_key(every)
    module = cache.get_or_build(key, lambda: compile_split(function, positions, kinds, check,
                                                           every))
    flat = flat_values(values, kinds)
    output, saved = call_generated(module.functions[0], flat, function, "vjp")
    regroup_leaves = None if flat is values else \
        (lambda grads: regroup(grads, values, kinds, positions, flat))
    tree = output_tree(module)
    pullback = Pullback(module, saved, output, values, positions, function, regroup_leaves,
                        tree)
    # a dict, object or namedtuple output: generated code returns its leaves
    return (output if tree is None else build_output(tree, output)), pullback
