"""Calls: of functions and methods the generated code calls at run time, and of what is
resolved while transforming (local functions, methods, classes, container methods,
builtins on containers), which is inlined or evaluated in place."""

from __future__ import annotations

import ast
import builtins
import inspect
import types
from typing import Any

from srcad.analysis.inference import is_user_function
from srcad.errors import UnsupportedSyntaxError
from srcad.frontend.scopes import display_name
from srcad.ir.handles import BoundMethod, Handle, LocalFunction, Lowered, Static, Struct, SuperRef
from srcad.ir.nodes import Const, Operand, Var
from srcad.lower.containers import Containers
from srcad.lower.context import LoweringContext
from srcad.lower.inlining import Inliner
from srcad.lower.lists import LIST_METHODS, Lists
from srcad.lower.objects import Objects, no_init
from srcad.rules.registry import Method
from srcad.runtime import python as pyrt

_IN_PLACE_METHODS = {"insert", "reverse", "sort", "pop", "remove", "clear", "fill", "resize",
                     "put", "itemset", "partition", "setdefault", "popitem", "update"}

_INTROSPECTION = tuple(getattr(builtins, name) for name in (
    "eval", "exec", "compile", "locals", "globals", "vars", "__import__"))

_ON_CONTAINERS = (len, isinstance, type, list, tuple, dict, sum, sorted, min, max)

Callee = Static | LocalFunction | BoundMethod


class Calls:
    """Lowers calls.

    Parameters
    ----------
    core : LoweringContext
        The lowering the calls belong to.
    containers, objects, inliner, lists
        What calls of handles, classes, user functions and list methods go to.
    """

    def __init__(self, core: LoweringContext, containers: Containers, objects: Objects,
                 inliner: Inliner, lists: Lists):
        self.core = core
        self.containers = containers
        self.objects = objects
        self.inliner = inliner
        self.lists = lists

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
        args: list[Lowered] = [] if receiver is None else [receiver]
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise core.unsupported(a, "starred call arguments (*args)",
                                       "pass the arguments one by one")
            args.append(core.call_argument(a))
        kwargs: dict[str, Lowered] = {}
        for k in node.keywords:
            if k.arg is None:
                raise core.unsupported(k.value, "keyword unpacking (**kwargs) in calls",
                                       "pass keyword arguments one by one")
            kwargs[k.arg] = core.call_argument(k.value)
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
        if is_user_function(fn):
            operands, keywords = self._bind_user_call(fn, operands, keywords, node)
        return core.b.call(fn, operands, keywords, loc=loc, name=display_name(name))

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
        if not isinstance(head, (Static, LocalFunction, BoundMethod)):
            raise core.unsupported(
                node, "calls to functions held in variables",
                "call the function by its name (module-level, local or a method)")
        return receiver, head

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
        fn = head.value
        if fn is super and not args and not kwargs:
            context = self.core.method_owner
            if context is None:
                raise UnsupportedSyntaxError(
                    "super() outside a method srcad inlines", self.core.loc_for(node),
                    "call the base class's method explicitly (Base.method(self, ...))")
            return SuperRef(*context)
        if fn is no_init:
            return Const(None)
        if isinstance(fn, type):
            made = self.objects.construct(fn, args, kwargs, node)
            if made is not None:
                return made
        else:
            called = self.objects.call_instance(fn, args, kwargs, node)
            if called is not None:
                return called
        if fn in _ON_CONTAINERS and any(isinstance(a, Struct) for a in args):
            return self.containers.call_builtin(fn, args, kwargs, node)
        passes_handles = any(isinstance(a, Handle) or (isinstance(a, Static) and callable(
            a.value)) for a in list(args) + list(kwargs.values()))
        if is_user_function(fn) and (passes_handles or self.inliner.returns_handle(fn)):
            return self.inliner.inline_callable(fn, args, kwargs, node)
        return None

    def _bind_user_call(self, fn: types.FunctionType, args: list[Operand],
                        kwargs: dict[str, Operand],
                        node: ast.AST) -> tuple[list[Operand], dict[str, Operand]]:
        """A call to a user function, with keywords and defaults made positional."""
        try:
            sig = inspect.signature(fn)
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
    return fn
