"""Inlining at the call: local `def`s and lambdas, methods, and user functions called
with a container or a function as argument (or returning one) are lowered in place,
their parameters bound to the caller's values (handles included)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import types
from collections.abc import Callable
from typing import Any

from srcad.analysis.inference import is_user_function
from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.frontend.normalize import RESULT, RETURNED, normalize_body
from srcad.frontend.scopes import (
    bound_names,
    display_name,
    fresh_suffix,
    function_locals,
    renamed_copy,
    signature_args,
)
from srcad.frontend.source import ParsedFunction, parse_function
from srcad.ir.handles import LocalFunction, Lowered
from srcad.ir.nodes import Const
from srcad.lower.classes import is_namedtuple_class, is_user_class
from srcad.lower.containers import Containers
from srcad.lower.context import LoweringContext, known_value
from srcad.lower.mutation import check_mutations

# How deep one function may be inlined within itself (its calls reached through other
# objects or functions); deeper is taken for unbounded recursion and refused.
MAX_NESTED_INLINING = 8


def takes_packed_arguments(fn: types.FunctionType) -> bool:
    """Whether `fn` has `*args`, `**kwargs` or keyword-only parameters (then it is
    inlined: its arguments are bound while transforming)."""
    code = fn.__code__
    return bool(code.co_kwonlyargcount or
                code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS))


class Inliner:
    """Lowers the body of a called function into the caller's builder.

    Parameters
    ----------
    core : LoweringContext
        The lowering of the caller.
    containers : Containers
        Holds the `*args` and `**kwargs` of the inlined function.
    """

    def __init__(self, core: LoweringContext, containers: Containers):
        self.core = core
        self.containers = containers

    def parsed(self, fn: types.FunctionType) -> ParsedFunction:
        """`fn` parsed, once per lowering session."""
        cache = self.core.session.parsed
        parsed = cache.get(fn)
        if parsed is None:
            parsed = cache[fn] = parse_function(fn)
        return parsed

    def inline_local(self, fn: LocalFunction, args: list[Lowered], kwargs: dict[str, Lowered],
                     node: ast.AST) -> Lowered:
        """A call of a `def` or `lambda` written in the function."""
        scope = fn.scope
        return self._inline(fn.node, scope.resolve, scope.loc_for, scope.local_names,
                            fn.defaults, fn.kw_defaults, args, kwargs, node, label=fn.name,
                            key=fn.node)

    def inline_callable(self, fn: Any, args: list[Lowered], kwargs: dict[str, Lowered],
                        node: ast.AST, owner: type | None = None) -> Lowered:
        """Inline a module-level user function (or a method of `owner`) at this call."""
        core = self.core
        if not is_user_function(fn):
            raise UnsupportedSyntaxError(
                f"'{getattr(fn, '__qualname__', fn)}' cannot be called with a container or "
                "function argument here (srcad can only inline Python functions it can read)",
                core.loc_for(node), "pass plain numbers or arrays to it")
        parsed = self.parsed(fn)
        defaults: list[Lowered] = [known_value(d) for d in (fn.__defaults__ or ())]
        kw_defaults: dict[str, Lowered] = {k: known_value(v)
                                           for k, v in (fn.__kwdefaults__ or {}).items()}
        result = self._inline(parsed.node, parsed.resolve, parsed.loc, set(), defaults,
                              kw_defaults, args, kwargs, node, label=fn.__qualname__, key=fn,
                              owner=owner)
        core.session.captured.extend(parsed.captured)
        parsed.captured.clear()
        return result

    def returns_handle(self, fn: types.FunctionType) -> bool:
        """Whether a user function visibly returns a dict, an object, a function or a
        tuple holding one (then it is inlined: its result is resolved while
        transforming)."""
        parsed = self.parsed(fn)
        bound: dict[str, list[ast.AST]] = {}
        returned = []
        for node in ast.walk(parsed.node):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        bound.setdefault(t.id, []).append(node.value)
            elif isinstance(node, ast.FunctionDef) and node is not parsed.node:
                bound.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Return) and node.value is not None:
                returned.append(node.value)

        def is_handle(expr: ast.AST, depth: int = 0) -> bool:
            if depth > 4:
                return False
            if isinstance(expr, (ast.Dict, ast.DictComp, ast.Lambda, ast.FunctionDef)):
                return True
            if isinstance(expr, (ast.Tuple, ast.List)):
                return any(is_handle(e, depth + 1) for e in expr.elts)
            if isinstance(expr, ast.Name):
                return any(is_handle(v, depth + 1) for v in bound.get(expr.id, []))
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
                cls = parsed.resolve(expr.func.id)
                return isinstance(cls, type) and (is_user_class(cls) or
                                                  dataclasses.is_dataclass(cls) or
                                                  is_namedtuple_class(cls))
            return False

        return any(is_handle(r) for r in returned)

    def _inline(self, fn_node: ast.FunctionDef | ast.Lambda, resolve: Callable[[str], Any],
                loc_for: Callable[[ast.AST], SourceLoc], outer_locals: set[str],
                defaults: list[Lowered], kw_defaults: dict[str, Lowered], args: list[Lowered],
                kwargs: dict[str, Lowered], node: ast.AST, label: str, key: Any,
                owner: type | None = None) -> Lowered:
        core = self.core
        b, stack = core.b, core.session.stack
        if stack.count(key) >= MAX_NESTED_INLINING:
            # (a method inlined within itself for another object, as a Sequential layer's
            # __call__ calling its layers', is fine: only unbounded nesting is refused)
            raise UnsupportedSyntaxError(
                f"'{label}' calls itself with a container or function argument (it would be "
                "inlined forever)", core.loc_for(node),
                "pass plain numbers or arrays to recursive functions")
        if isinstance(fn_node, ast.FunctionDef) and fn_node.decorator_list and \
                key is fn_node:
            raise UnsupportedSyntaxError("decorated local functions are not supported",
                                         loc_for(fn_node), "remove the decorator")
        suffix = fresh_suffix()
        mapping = {n: n + suffix for n in function_locals(fn_node)}
        copy = renamed_copy(fn_node, mapping)
        bound = self._bind_args(copy.args, defaults, kw_defaults, args, kwargs, node, label)
        names = list(bound)
        body: list[ast.stmt] = copy.body if isinstance(copy, ast.FunctionDef) else \
            [ast.copy_location(ast.Return(copy.body), copy.body)]
        body = normalize_body(body, suffix)
        result_key, returned_key = RESULT + suffix, RETURNED + suffix
        local_names = set(names) | bound_names(body) | {result_key, returned_key} | \
            outer_locals
        synthetic = ast.FunctionDef(name=label, args=copy.args, body=body, decorator_list=[])
        mutations = check_mutations(synthetic, set(names), resolve)
        method_owner = (owner, bound[names[0]]) if owner is not None and names else None
        child = core.child(resolve, loc_for, local_names, mutations, method_owner)
        for name, value in bound.items():
            b.write(name, value)
        b.write(result_key, Const(None))
        b.write(returned_key, Const(False))
        stack.append(key)
        try:
            child.block(body)
        finally:
            stack.pop()
        result = b.read(result_key)
        # names a nested def or lambda reads stay: a closure it returns may be called later
        for name in list(local_names - outer_locals - _closed_over(body)):
            b.forget(name)
        assert result is not None  # RESULT is written on every path
        return result

    def _bind_args(self, params: ast.arguments, defaults: list[Lowered],
                   kw_defaults: dict[str, Lowered], args: list[Lowered],
                   kwargs: dict[str, Lowered], node: ast.AST,
                   label: str) -> dict[str, Lowered]:
        """The value of each parameter, in the signature's order, as Python binds them:
        positional, keyword, default; the rest in `*args` (a tuple) and `**kwargs` (a
        dict)."""
        loc = self.core.loc_for(node)
        positional = [a.arg for a in params.posonlyargs + params.args]
        keyword_only = [a.arg for a in params.kwonlyargs]
        values: dict[str, Lowered] = dict(zip(positional, args))
        extra = list(args[len(positional):])
        if extra and params.vararg is None:
            raise UnsupportedSyntaxError(
                f"'{label}' takes {len(positional)} positional arguments but this call "
                f"passes {len(args)}", loc, "pass the arguments the function takes")
        by_keyword = {display_name(n): n
                      for n in positional[len(params.posonlyargs):] + keyword_only}
        extra_keywords: list[tuple[Any, Lowered]] = []
        for k, v in kwargs.items():
            name = by_keyword.get(k)
            if name is None:
                if params.kwarg is None:
                    raise UnsupportedSyntaxError(f"'{label}' has no parameter '{k}'", loc,
                                                 "check the keyword")
                extra_keywords.append((k, v))
            elif name in values:
                raise UnsupportedSyntaxError(f"'{label}' got two values for '{k}'", loc,
                                             "pass it once")
            else:
                values[name] = v
        first_default = len(positional) - len(defaults)
        keyword_defaults = {display_name(k): v for k, v in kw_defaults.items()}
        for i, name in enumerate(positional + keyword_only):
            if name in values:
                continue
            if i < len(positional) and i >= first_default:
                values[name] = defaults[i - first_default]
            elif i >= len(positional) and display_name(name) in keyword_defaults:
                values[name] = keyword_defaults[display_name(name)]
            else:
                raise UnsupportedSyntaxError(
                    f"'{label}' is missing the argument '{display_name(name)}'", loc,
                    "pass every parameter without a default")
        if params.vararg is not None:
            values[params.vararg.arg] = self.containers.new(
                "tuple", list(enumerate(extra)), name=display_name(params.vararg.arg))
        if params.kwarg is not None:
            values[params.kwarg.arg] = self.containers.new(
                "dict", extra_keywords, name=display_name(params.kwarg.arg))
        return {a.arg: values[a.arg] for a in signature_args(params)}


def _closed_over(body: list[ast.stmt]) -> set[str]:
    """The names the `def`s and lambdas inside `body` read."""
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    return names
