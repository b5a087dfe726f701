"""What every function srcad returns has in common: the user's function behind it, the
differentiated positions, argument preparation and the generated modules per argument
kinds."""

from __future__ import annotations

import functools
import os
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from srcad.api.arguments import (
    WrtSpec,
    bind,
    bound_function,
    check_differentiable,
    check_tree,
    fn_loc,
    is_other_array,
    param_names,
    resolve_wrt,
    shift_wrt,
    takes_positional_only,
)
from srcad.api.display import Displayed
from srcad.codegen.emit import Module
from srcad.errors import BadArgumentError
from srcad.frontend.source import captured_still_valid, unwrap_function
from srcad.ir.kinds import NUMERIC, OTHER, TupleKind, kind_of_value
from srcad.lower.pytree import TreeKind, is_structured, tree_kind
from srcad.pipeline import cache

# Generated code is specialized on the shapes of its array arguments
# (optimize/specialize.py); a function called with more than this many shapes (for the
# same argument kinds) gets code for any shape from then on.
MAX_SHAPE_VARIANTS = 8
# SRCAD_SPECIALIZE=0 turns the specialization off (code for any shape, as before).
SPECIALIZE = os.environ.get("SRCAD_SPECIALIZE", "1") != "0"
# SRCAD_CHECK_FINITE=1 turns check_finite on wherever it is not given (docs/nan.md).
CHECK_FINITE_ENV = "SRCAD_CHECK_FINITE"


def check_finite_option(value: bool | None, fn: Any = None) -> bool:
    """Whether generated code checks its values for NaN and Inf: `value` where given,
    else on for a function srcad made with the checks on (`fn`), else as
    `SRCAD_CHECK_FINITE` says (read when the function is made)."""
    if value is not None:
        return bool(value)
    if getattr(fn, "check_finite", False):
        return True
    return os.environ.get(CHECK_FINITE_ENV, "") not in ("", "0")


def finite_key(check_finite: bool) -> tuple:
    """What a cache key gains for code with the checks (nothing without)."""
    return ("check_finite",) if check_finite else ()


# How `checkpoint=` is given: True (segments of about sqrt(n) steps for a loop of n
# steps), an int (the steps per segment), a tuple of ints (segments of segments), or
# None / False (no checkpointing).
CheckpointSpec = bool | int | tuple | None
# The most levels of segments of segments (each level nests two more loops in the
# generated code, and Python allows 20 nested blocks).
MAX_CHECKPOINT_LEVELS = 4


def _steps(value: Any) -> bool:
    return bool(isinstance(value, (int, np.integer)) and not isinstance(value, bool) and
                value >= 1)


def checkpoint_option(value: CheckpointSpec, fn: Any = None,
                      api: str = "grad") -> int | str | tuple | None:
    """The checkpointing of loops the compiler is asked for (docs/checkpointing.md):
    None (off), "sqrt" (segments of about sqrt(n) steps), the steps per segment, or a
    tuple of them (segments of segments)."""
    if value is None or value is False:
        return None
    if value is True:
        return "sqrt"
    if _steps(value):
        return int(value)  # type: ignore[arg-type]
    if isinstance(value, tuple) and 1 <= len(value) <= MAX_CHECKPOINT_LEVELS and \
            all(_steps(v) for v in value):
        return tuple(int(v) for v in value) if len(value) > 1 else int(value[0])
    raise BadArgumentError(
        f"srcad.{api}: checkpoint={value!r} is not a checkpointing option", fn_loc(fn),
        "pass checkpoint=True (segments of about sqrt(n) steps for a loop of n steps), a "
        "positive int (the steps per segment), a tuple of up to "
        f"{MAX_CHECKPOINT_LEVELS} positive ints (segments of that many steps cut into "
        "segments of the next: checkpoint=(1000, 30)), or None (no checkpointing)",
        function=getattr(fn, "__name__", None))


def checkpoint_key(checkpoint: int | str | tuple | None) -> tuple:
    """What a cache key gains for checkpointed code (nothing without)."""
    return ("checkpoint", checkpoint) if checkpoint is not None else ()


def array_shapes(values: list) -> tuple:
    """The shape of each argument that is an array or a float (None for the others).

    An array of another library (a dask array) counts by its `shape`, so that code
    specialized on it is generated (plain operators and `np.*`, which stay lazy on
    dask). One whose shape is not known (a dask array with unknown chunk sizes, NaN in
    its shape) is refused: the adjoints of reductions and broadcasts need its shape."""
    return tuple([v.shape if type(v) is np.ndarray else () if type(v) is float else
                  _other_array_shape(v) for v in values])


def _other_array_shape(value: Any) -> tuple | None:
    if not is_other_array(value):
        return None
    library = (type(value).__module__ or "").split(".")[0]
    if getattr(value.dtype, "kind", None) == "c":
        raise BadArgumentError(
            f"a complex {library} array was passed: srcad takes arrays of other libraries "
            "than NumPy (dask) only when they are real", hint="pass the real and imaginary "
            "parts as separate float arrays, or a NumPy array (docs/integrations_dask.md)")
    shape = tuple(value.shape)
    if all(isinstance(n, (int, np.integer)) for n in shape):
        return tuple(int(n) for n in shape)
    raise BadArgumentError(
        f"a {library} array of shape {shape} was passed, and srcad needs to know the "
        "shape of each array argument (NaN: a dask array whose chunk sizes are unknown, "
        "after a selection by a boolean mask)",
        hint="call x.compute_chunk_sizes() on it first (this computes it), or "
             "differentiate chunk by chunk (docs/integrations_dask.md)")


class Differentiated(Displayed):
    """Common machinery of srcad's function wrappers.

    `fn` is the user's function; `inner` is what is transformed: `fn` itself, or, for a
    function made by srcad (`srcad.grad(f)`), its `Derived` spec.
    """

    api = "srcad"
    takes_trees = False  # whether arguments may be dicts, objects and other structures
    check_finite = False  # whether the generated code checks for NaN and Inf

    def __init__(self, fn: Callable, wrt: WrtSpec):
        self.bound: tuple = ()
        if self.takes_trees:
            # a bound method or a callable object: the object is passed as the first
            # argument on every call
            fn, self.bound = bound_function(fn)
            if self.bound:
                wrt = shift_wrt(wrt)
        inner_spec = getattr(fn, "__srcad_spec__", None)
        self.fn: types.FunctionType
        self.inner: Any
        if inner_spec is not None:
            assert isinstance(fn, Differentiated)
            self.fn = fn.fn  # the user's function: same parameters
            self.inner = inner_spec
        else:
            self.fn = unwrap_function(fn, self.api)
            self.inner = self.fn
        self.positions, self.single = resolve_wrt(self.fn, wrt, f"srcad.{self.api}")
        self.param_names = param_names(self.fn)
        self.plain_signature = takes_positional_only(self.fn)
        self._last_module: Module | None = None
        self._modules: dict = {}  # argument kinds (and shapes) -> module
        self._shape_variants: dict = {}  # argument kinds -> the shapes specialized on
        functools.update_wrapper(self, self.fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    # what holds generated code (compiled from source, not picklable), and its empty state
    _GENERATED: dict[str, Callable[[], Any]] = {
        "_last_module": lambda: None, "_modules": dict, "_shape_variants": dict,
        "_fast": dict, "_float_entry": lambda: None, "_last_used": list}

    def __getstate__(self) -> dict:
        """Pickled without its generated code: the first call after unpickling (in
        another process, say a dask worker) transforms the function again."""
        state = dict(self.__dict__)
        for name, empty in self._GENERATED.items():
            if name in state:
                state[name] = empty()
        return state

    def _module(self, kinds: tuple, shapes: tuple | None = None) -> Module:
        """The generated module for these argument kinds (and shapes, where the code is
        specialized on them)."""
        raise NotImplementedError

    def _prepare(self, args: tuple, kwargs: dict) -> tuple[list, tuple]:
        """The arguments of a call (checked where differentiated) and their kinds."""
        if self.bound:
            args = self.bound + tuple(args)
        if not kwargs and len(args) == len(self.param_names) and self.plain_signature:
            values = list(args)  # the common case: no binding needed
        else:
            values = bind(self.fn, args, kwargs)
        trees = False
        for pos in self.positions:
            v = values[pos]
            if type(v) is not float and not (type(v) is np.ndarray and v.dtype.kind == "f"):
                if is_structured(v, True):
                    trees = True
                    continue
                values[pos] = check_differentiable(self.fn, self.param_names[pos], v)
        kinds = tuple(map(kind_of_value, values))
        if trees or OTHER in kinds or any(isinstance(k, TupleKind) for k in kinds):
            kinds = tuple(tree_kind(v, i in self.positions, f"argument '{self.param_names[i]}'")
                          if is_structured(v, i in self.positions) else k
                          for i, (v, k) in enumerate(zip(values, kinds)))
            for i, k in enumerate(kinds):
                if isinstance(k, TreeKind):
                    check_tree(self.fn, self.api, self.param_names[i], values[i], k,
                               i in self.positions, self.takes_trees)
        return values, kinds

    def _shape_key(self, kinds: tuple, shapes: tuple | None) -> tuple | None:
        """`shapes` if code for them may be generated, else None (any shape): structured
        arguments are not specialized, and the number of shapes per kinds is bounded."""
        if shapes is None or not SPECIALIZE or not any(shapes) or \
                any(isinstance(k, TreeKind) for k in kinds):
            return None  # (no array argument: nothing to specialize on)
        seen = self._shape_variants.setdefault(kinds, set())
        if shapes in seen:
            return shapes
        if len(seen) >= MAX_SHAPE_VARIANTS:
            return None
        seen.add(shapes)
        return shapes

    def _cached_module(self, kinds: Any, key: tuple,
                       build: Callable[[], tuple[Module, list]]) -> Module:
        """The generated module for these argument kinds (checked, then built if needed)."""
        entry = self._modules.get(kinds)
        if entry is not None and captured_still_valid(entry.captured):
            self._last_module = entry
            return entry
        module = cache.get_or_build(key, build)
        self._modules[kinds] = module
        self._last_module = module
        return module

    def __srcad_source__(self, *args: Any, **kwargs: Any) -> str:
        """The generated source: for these example arguments, else of the last call,
        else for arguments of any kind."""
        if args or kwargs:
            values, kinds = self._prepare(args, kwargs)
            return self._module(kinds, array_shapes(values)).source
        if self._last_module is not None:
            return self._last_module.source
        return self._module(tuple(NUMERIC for _ in self.param_names)).source
