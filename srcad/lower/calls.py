"""Calls: of functions and methods the generated code calls at run time, and of what is
resolved while transforming (local functions, methods, classes, container methods,
builtins on containers), which is inlined or evaluated in place."""

from __future__ import annotations

import abc
import ast
import builtins
import dataclasses
import functools
import inspect
import types
from typing import Any

import numpy as np

from srcad.analysis.inference import derived_function, is_user_function
from srcad.errors import UnsupportedSyntaxError
from srcad.frontend.scopes import display_name
from srcad.ir.handles import (
    BoundMethod,
    Handle,
    LocalFunction,
    Lowered,
    Partial,
    Static,
    Struct,
    SuperRef,
)
from srcad.ir.nodes import Const, Operand, Var
from srcad.lower.classes import is_user_class
from srcad.lower.constructors import Constructors
from srcad.lower.containers import Containers
from srcad.lower.context import LoweringContext
from srcad.lower.inlining import Inliner, takes_packed_arguments
from srcad.lower.lists import LIST_METHODS, Lists
from srcad.lower.objects import Objects, no_init
from srcad.lower.out_arguments import OutArguments
from srcad.rules.registry import Method
from srcad.runtime import functional
from srcad.runtime import python as pyrt
from srcad.runtime.definitions import DEFINITIONS
from srcad.runtime.shape import index_concatenate

_IN_PLACE_METHODS = {"insert", "reverse", "sort", "pop", "remove", "clear", "fill", "resize",
                     "put", "itemset", "partition", "setdefault", "popitem", "update"}

_INTROSPECTION = tuple(getattr(builtins, name) for name in (
    "eval", "exec", "compile", "locals", "globals", "vars", "__import__"))

_ON_CONTAINERS = (len, isinstance, type, list, tuple, dict, sum, sorted, min, max)

Callee = Static | LocalFunction | BoundMethod | Partial


class Calls:
    """Lowers calls.

    Parameters
    ----------
    core : LoweringContext
        The lowering the calls belong to.
    containers, objects, inliner, lists, constructors
        What calls of handles, classes, user functions, list methods, `tuple` and `dict`
        go to.
    """

    def __init__(self, core: LoweringContext, containers: Containers, objects: Objects,
                 inliner: Inliner, lists: Lists, constructors: Constructors):
        self.core = core
        self.containers = containers
        self.objects = objects
        self.inliner = inliner
        self.lists = lists
        self.constructors = constructors
        self.out_arguments = OutArguments(core)

    def call(self, node: ast.Call) -> Lowered:
        core = self.core
        loc = core.loc_for(node)
        func = node.func
        receiver, head = self._callee(func, node)
        listed = node.args[0].elts if len(node.args) == 1 and isinstance(
            node.args[0], (ast.List, ast.Tuple)) else node.args if len(node.args) > 2 else []
        if isinstance(head, Static) and head.value in (min, max) and listed and \
                not node.keywords and not any(isinstance(e, ast.Starred) for e in listed):
            # min([a, b, c]) and min(a, b, c): pairwise, with the two-argument rule
            items = [core.value(e) for e in listed]
            result = items[0]
            for item in items[1:]:
                result = core.b.call(head.value, [result, item], loc=loc,
                                     name=head.value.__name__)
            return result
        if isinstance(head, Static) and head.value in (tuple, dict):
            made = self.constructors.call(head.value, node)
            if made is not None:
                return made
        if isinstance(head, Static) and head.value is functools.partial and node.args:
            return self._partial(node)
        args: list[Lowered] = [] if receiver is None else [receiver]
        bound_kwargs: dict[str, Lowered] = {}
        while isinstance(head, Partial):  # the partial's arguments come first
            args = list(head.args) + args
            bound_kwargs = {**head.kwargs, **bound_kwargs}
            head = head.callee
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self.containers.unpacked(core.expr(a.value), a,
                                                       "starred arguments (*args)"))
            else:
                args.append(core.call_argument(a))
        kwargs: dict[str, Lowered] = bound_kwargs
        for k in node.keywords:
            given = [(k.arg, core.call_argument(k.value))] if k.arg is not None else \
                self.containers.keywords(core.expr(k.value), k.value)
            for name, value in given:
                if name in kwargs and name not in bound_kwargs:
                    raise UnsupportedSyntaxError(
                        f"this call passes the keyword argument '{name}' twice", loc,
                        "pass each keyword once")
                kwargs[name] = value
        special = self._resolved_call(head, args, kwargs, node)
        if special is not None:
            return special
        assert isinstance(head, Static)  # handles are resolved above
        fn = head.value
        if isinstance(fn, Method) and receiver is not None and isinstance(func, ast.Attribute):
            if fn.name in LIST_METHODS:
                return self.lists.call_method(func.value, receiver, args[1:], node, fn.name)
            if fn.name in _IN_PLACE_METHODS and isinstance(func.value, ast.Name) and \
                    func.value.id in core.local_names and func.value.id not in core.params:
                name = display_name(func.value.id)
                raise UnsupportedSyntaxError(
                    f"'{name}.{fn.name}(...)' changes '{name}' in place", loc,
                    f"build a new value instead (for lists: {name} = sorted({name}), "
                    f"{name}[::-1], {name}[:i] + [v] + {name}[i:]; append, extend and "
                    f"{name}[i] = v are supported)")
        operands = [core.operand(a, node) for a in args]
        keywords = {k: core.operand(v, node) for k, v in kwargs.items()}
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "t")
        if any(fn is f for f in _INTROSPECTION):
            raise core.unsupported(node, f"calls to {fn.__name__}() (they read or run code "
                                         "srcad cannot see)",
                                   "compute the value with ordinary Python in the function")
        fn = _runtime_version(fn, len(operands), keywords)
        written = self.out_arguments.call(fn, operands, keywords, node, receiver is not None,
                                          display_name(name))
        if written is not None:
            return written
        if is_user_function(fn):
            operands, keywords = self._bind_user_call(fn, operands, keywords, node)
        return core.b.call(fn, operands, keywords, loc=loc, name=display_name(name))

    def index_concatenation(self, concatenator: Any, node: ast.Subscript) -> Operand:
        """`np.r_[a, 3.0, 0:2]` or `np.c_[a, b]`: a call of `index_concatenate` with the
        items as its arguments, so that each gets a derivative. Slices (ranges) must be
        constants; np.r_'s matrix directives 'r' and 'c' are refused."""
        core = self.core
        which = "r" if concatenator is np.r_ else "c"
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        items: list[Operand] = []
        for elt in elts:
            if isinstance(elt, ast.Starred):
                raise core.unsupported(elt, f"starred items in np.{which}_[...]",
                                       "list the items one by one")
            item = core.value(elt)
            if isinstance(elt, ast.Slice) and not isinstance(item, Const):
                raise UnsupportedSyntaxError(
                    f"a range in np.{which}_[...] with bounds computed at run time is not "
                    "supported", core.loc_for(elt),
                    "use constant bounds, or build the range with np.arange / np.linspace")
            items.append(item)
        first = items[0] if items else None
        if isinstance(first, Const) and isinstance(first.value, str) and \
                first.value.strip() in ("r", "c"):
            raise UnsupportedSyntaxError(
                f"np.{which}_ with the matrix directive {first.value!r} (an np.matrix "
                "result) is not supported", core.loc_for(node),
                "leave out the directive and reshape the result with np.atleast_2d")
        return core.b.call(index_concatenate, [Const(which), *items], loc=core.loc_for(node),
                           name="joined")

    def _callee(self, func: ast.expr, node: ast.Call) -> tuple[Operand | None, Callee]:
        """What `func` calls, and the receiver of a run-time method call (`x.sum()`)."""
        core = self.core
        receiver = None
        head: Lowered | None
        if isinstance(func, ast.Attribute):
            base = core.expr(func.value)
            core.check_handle(base, func)
            head = self.objects.attribute(base, func)
            if head is None and isinstance(base, Static):
                head = _static_callee(self.objects.static_attribute(base, func))
            elif head is None:
                receiver = core.operand(base, func.value)
                head = Static(Method(func.attr))
        else:
            head = core.expr(func)
        core.check_handle(head, func)
        if isinstance(head, Struct):
            called = self.objects.call_attribute(head, node)
            if called is not None:
                head = called
        if isinstance(head, Const) and _is_function(head.value):
            head = _constant_callee(head.value)  # a function taken from a dict or list
        if not isinstance(head, (Static, LocalFunction, BoundMethod, Partial)):
            raise core.unsupported(
                node, "calls to functions held in variables",
                "call the function by its name (module-level, local or a method)")
        return receiver, head

    def _partial(self, node: ast.Call) -> Partial:
        """`functools.partial(f, *args, **kwargs)` of a function srcad can call."""
        core = self.core
        callee = core.expr(node.args[0])
        if isinstance(callee, Const) and _is_function(callee.value):
            callee = _constant_callee(callee.value)
        if not isinstance(callee, (Static, LocalFunction, BoundMethod, Partial)) or \
                any(isinstance(a, ast.Starred) for a in node.args) or \
                any(k.arg is None for k in node.keywords):
            raise UnsupportedSyntaxError(
                "functools.partial of this function", core.loc_for(node),
                "pass a function by its name and the bound arguments one by one")
        return Partial(callee, [core.call_argument(a) for a in node.args[1:]],
                       {k.arg: core.call_argument(k.value) for k in node.keywords})

    def _resolved_call(self, head: Callee, args: list[Lowered], kwargs: dict[str, Lowered],
                       node: ast.Call) -> Lowered | None:
        """A call whose callee or arguments are handles, or of a class; None if it is an
        ordinary call."""
        if isinstance(head, LocalFunction):
            return self.inliner.inline_local(head, args, kwargs, node)
        if isinstance(head, BoundMethod):
            if isinstance(head.function, str):
                return self.containers.call_method(head.receiver, head.function, args, kwargs,
                                                   node)
            return self.inliner.inline_callable(head.function, [head.receiver] + args, kwargs,
                                                node, head.owner)
        assert isinstance(head, Static)  # (a partial's arguments were bound before)
        fn = head.value
        if fn is np.vectorize and len(args) == 1 and not kwargs:
            # np.vectorize(f)(*arrays): f on each element (runtime.functional)
            return Partial(Static(functional.vectorized_call), [args[0]], {})
        defined = _definition(fn)
        if defined is not fn:  # np.polyval, np.piecewise, ...: their plain-NumPy definitions
            head, fn = Static(defined), defined  # (inlined below where given a function)
        factory = getattr(fn, "__srcad_factory__", None)
        if callable(factory):
            return self._derive_now(factory, fn, args, kwargs, node)
        if derived_function(fn):
            self._check_nested(fn, args, kwargs, node)
            return None
        if fn is super and not args and not kwargs:
            context = self.core.method_owner
            if context is None:
                raise UnsupportedSyntaxError(
                    "super() outside a method srcad inlines", self.core.loc_for(node),
                    "call the base class's method explicitly (Base.method(self, ...))")
            return SuperRef(*context)
        if fn is no_init:
            return Const(None)
        if fn is dataclasses.replace:
            replaced = self.objects.replace(args, kwargs, node)
            if replaced is not None:
                return replaced
        if isinstance(fn, type):
            made = self.objects.construct(fn, args, kwargs, node)
            if made is not None:
                return made
        else:
            called = self.objects.call_instance(fn, args, kwargs, node)
            if called is not None:
                return called
        if fn is isinstance and len(args) == 2 and not kwargs and isinstance(args[0], Var):
            known = _never_a_run_time_value(args[1])
            if known:
                return Const(False)  # objects of user classes are never run-time values
        if fn is isinstance and len(args) == 2 and not kwargs and \
                isinstance(args[0], Const) and isinstance(args[1], (Const, Static)):
            try:
                return Const(isinstance(args[0].value, args[1].value))
            except TypeError:  # (not a class: Python raises, at run time)
                pass
        if fn in (len, np.shape, np.ndim, np.size) and len(args) == 1 and not kwargs and \
                isinstance(args[0], Var) and args[0] in self.core.session.shapes and \
                (fn is not len or self.core.session.shapes[args[0]]):
            shape = self.core.session.shapes[args[0]]  # an argument specialized on
            return Const(shape[0] if fn is len else shape if fn is np.shape else
                         len(shape) if fn is np.ndim else int(np.prod(shape, dtype=np.int64)))
        if fn is len and len(args) == 1 and not kwargs and isinstance(args[0], Const) and \
                isinstance(args[0].value, (tuple, list, str, dict)):
            if isinstance(args[0].value, list):  # a module-level list may grow later
                self.core.session.captured.append((args[0].value, len, len(args[0].value)))
            return Const(len(args[0].value))
        if fn in _ON_CONTAINERS and any(isinstance(a, Struct) for a in args):
            return self.containers.call_builtin(fn, args, kwargs, node)
        passes_handles = any(isinstance(a, Handle) or (isinstance(a, Static) and callable(
            a.value)) for a in list(args) + list(kwargs.values()))
        if is_user_function(fn) and (passes_handles or self.inliner.returns_handle(fn) or
                                     takes_packed_arguments(fn)):
            return self.inliner.inline_callable(fn, args, kwargs, node)
        return None

    def _derive_now(self, factory: Any, fn: Any, args: list[Lowered],
                    kwargs: dict[str, Lowered], node: ast.Call) -> Static:
        """`srcad.grad(f, wrt=...)` inside the differentiated function: made now, from
        the function and options it is given (they must be known while transforming)."""
        name = getattr(fn, "__name__", "grad")
        own = (getattr(fn, "__module__", "") or "").startswith("srcad")
        label = f"srcad.{name}" if own else name  # (a wrapper names itself)
        values = []
        for item in list(args) + list(kwargs.values()):
            if isinstance(item, LocalFunction):
                raise UnsupportedSyntaxError(
                    f"{label} of a function defined inside the differentiated "
                    "function is not supported", self.core.loc_for(node),
                    f"define '{item.name}' at module level and call "
                    f"{label}({item.name}) on it")
            if isinstance(item, Static):
                values.append(item.value)
            elif isinstance(item, Const):
                values.append(item.value)
            else:
                raise UnsupportedSyntaxError(
                    f"the arguments of {label} inside a differentiated function must "
                    "be known while srcad transforms it (a function and constant options)",
                    self.core.loc_for(node),
                    f"pass {label} a module-level function and constant options")
        positional = values[:len(args)]
        keywords = dict(zip(kwargs, values[len(args):]))
        return Static(factory(*positional, **keywords))

    def _check_nested(self, fn: Any, args: list[Lowered], kwargs: dict[str, Lowered],
                      node: ast.Call) -> None:
        """A call of a function srcad made (`srcad.grad(f)(x)`): what is supported."""
        loc = self.core.loc_for(node)
        name = getattr(fn, "__name__", "f")
        if getattr(fn, "with_value", False):
            raise UnsupportedSyntaxError(
                "srcad.value_and_grad(...) called inside a differentiated function is not "
                "supported", loc, f"call {name}(...) and srcad.grad({name})(...)")
        if getattr(fn, "bound", ()):
            raise UnsupportedSyntaxError(
                f"srcad.grad of a bound method ('{name}') called inside a differentiated "
                "function is not supported", loc,
                "differentiate a module-level function that takes the object")
        if any(isinstance(a, Handle) or isinstance(a, Static)
               for a in list(args) + list(kwargs.values())):
            raise UnsupportedSyntaxError(
                f"srcad.grad({name}) called inside a differentiated function takes numbers, "
                "arrays and tuples of them here, not dicts, objects or functions", loc,
                f"pass the arrays one by one (as separate parameters of '{name}')")

    def _bind_user_call(self, fn: Any, args: list[Operand],
                        kwargs: dict[str, Operand],
                        node: ast.AST) -> tuple[list[Operand], dict[str, Operand]]:
        """A call to a user function, with keywords and defaults made positional."""
        # srcad.grad(f) binds f's parameters
        target = getattr(fn, "fn", fn) if derived_function(fn) else fn
        try:
            sig = inspect.signature(target, follow_wrapped=False)  # a wrapper's own
        except (TypeError, ValueError):
            return args, kwargs
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY)
               for p in sig.parameters.values()):
            return args, kwargs
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise UnsupportedSyntaxError(f"this call to '{fn.__name__}' does not match its "
                                         f"parameters: {exc}", self.core.loc_for(node),
                                         "pass the arguments the function takes") from None
        bound.apply_defaults()
        return [v if isinstance(v, (Var, Const)) else Const(v) for v in bound.args], {}


def _static_callee(value: Any) -> Static | BoundMethod:
    """A function or method found while transforming (`Cls.method`, `module.f`)."""
    if isinstance(value, types.MethodType) and is_user_function(value.__func__):
        owner = value.__self__
        return BoundMethod(value.__func__, Static(owner) if isinstance(owner, type)
                           else Const(owner))
    return Static(value)


def _is_function(value: Any) -> bool:
    """A function or class a constant holds (taken from a module-level dict or list)."""
    return isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                              np.ufunc, type, functools.partial))


def _constant_callee(value: Any) -> Static | BoundMethod | Partial:
    """What calling a constant function calls (a module-level `functools.partial` as
    its function with its arguments first)."""
    if isinstance(value, functools.partial):
        return Partial(_constant_callee(value.func), [Const(a) for a in value.args],
                       {k: Const(v) for k, v in value.keywords.items()})
    return _static_callee(value)


def _never_a_run_time_value(spec: Lowered) -> bool:
    """Whether `isinstance(v, spec)` is False for every run-time value `v`: `spec` is a
    user class (or a tuple of them) not derived from a built-in type. srcad keeps the
    objects of such classes as handles, never as run-time values."""
    value = spec.value if isinstance(spec, (Static, Const)) else None
    classes = value if isinstance(value, tuple) else (value,)
    return bool(classes) and all(
        isinstance(c, type) and is_user_class(c) and
        all(base in (object, abc.ABC) or is_user_class(base) for base in c.__mro__[1:])
        for c in classes)


def _runtime_version(fn: Any, n_args: int, kwargs: dict[str, Operand]) -> Any:
    """The runtime helper that computes `sum`, `max`, `sorted`... of a sequence the way
    srcad differentiates it; `fn` itself for other calls."""
    if fn is sum and n_args in (1, 2) and not kwargs:
        return pyrt.sum_items
    if fn in (max, min) and n_args == 1 and not kwargs:
        return pyrt.max_item if fn is max else pyrt.min_item
    if fn is sorted and n_args == 1 and set(kwargs) <= {"reverse"}:
        return pyrt.sorted_items
    if fn is reversed and n_args == 1 and not kwargs:
        return pyrt.reversed_items
    if fn is list and n_args == 1 and not kwargs:
        return pyrt.as_list
    if fn is tuple and n_args == 1 and not kwargs:
        return pyrt.as_tuple
    return _definition(fn)  # (the call emitted for np.polyval, np.cov, ...)


def _definition(fn: Any) -> Any:
    """The plain-NumPy definition srcad transforms for `fn` (runtime/definitions.py), or
    `fn` itself."""
    try:
        return DEFINITIONS.get(fn, fn)
    except TypeError:  # an unhashable callee
        return fn
