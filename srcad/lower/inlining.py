"""Inlining at the call: local `def`s and lambdas, methods, and user functions called
with a container or a function as argument (or returning one) are lowered in place,
their parameters bound to the caller's values (handles included)."""

from __future__ import annotations

import ast
import dataclasses
import types
from collections.abc import Callable
from typing import Any

from srcad.analysis.inference import is_user_function
from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.frontend.normalize import RESULT, RETURNED, normalize_body
from srcad.frontend.scopes import (
    bound_names,
    fresh_suffix,
    function_locals,
    param_names,
    renamed_copy,
)
from srcad.frontend.source import ParsedFunction, parse_function
from srcad.ir.handles import LocalFunction, Lowered
from srcad.ir.nodes import Const
from srcad.lower.classes import is_user_class
from srcad.lower.context import LoweringContext
from srcad.lower.mutation import check_mutations


class Inliner:
    """Lowers the body of a called function into the caller's builder.

    Parameters
    ----------
    core : LoweringContext
        The lowering of the caller.
    """

    def __init__(self, core: LoweringContext):
        self.core = core

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
                            fn.defaults, args, kwargs, node, label=fn.name, key=fn.node)

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
        defaults: list[Lowered] = [Const(d) for d in (fn.__defaults__ or ())]
        result = self._inline(parsed.node, parsed.resolve, parsed.loc, set(), defaults,
                              args, kwargs, node, label=fn.__qualname__, key=fn, owner=owner)
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
                                                  dataclasses.is_dataclass(cls))
            return False

        return any(is_handle(r) for r in returned)

    def _inline(self, fn_node: ast.FunctionDef | ast.Lambda, resolve: Callable[[str], Any],
                loc_for: Callable[[ast.AST], SourceLoc], outer_locals: set[str],
                defaults: list[Lowered], args: list[Lowered], kwargs: dict[str, Lowered],
                node: ast.AST, label: str, key: Any, owner: type | None = None) -> Lowered:
        core = self.core
        b, stack = core.b, core.session.stack
        if key in stack:
            raise UnsupportedSyntaxError(
                f"'{label}' calls itself with a container or function argument (it would be "
                "inlined forever)", core.loc_for(node),
                "pass plain numbers or arrays to recursive functions")
        a = fn_node.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
            raise UnsupportedSyntaxError(
                f"'{label}' has *args, **kwargs or keyword-only parameters", loc_for(fn_node),
                "use plain positional parameters")
        if isinstance(fn_node, ast.FunctionDef) and fn_node.decorator_list and \
                key is fn_node:
            raise UnsupportedSyntaxError("decorated local functions are not supported",
                                         loc_for(fn_node), "remove the decorator")
        suffix = fresh_suffix()
        mapping = {n: n + suffix for n in function_locals(fn_node)}
        copy = renamed_copy(fn_node, mapping)
        names = param_names(copy.args)
        bound = self._bind_args(names, defaults, args, kwargs, node, label)
        body: list[ast.stmt] = copy.body if isinstance(copy, ast.FunctionDef) else \
            [ast.copy_location(ast.Return(copy.body), copy.body)]
        body = normalize_body(body, suffix)
        result_key, returned_key = RESULT + suffix, RETURNED + suffix
        local_names = set(names) | bound_names(body) | {result_key, returned_key} | \
            outer_locals
        synthetic = ast.FunctionDef(name=label, args=copy.args, body=body, decorator_list=[])
        mutations = check_mutations(synthetic, set(names))
        method_owner = (owner, bound[0]) if owner is not None and bound else None
        child = core.child(resolve, loc_for, local_names, mutations, method_owner)
        for name, value in zip(names, bound):
            b.write(name, value)
        b.write(result_key, Const(None))
        b.write(returned_key, Const(False))
        stack.append(key)
        try:
            child.block(body)
        finally:
            stack.pop()
        result = b.read(result_key)
        for name in list(local_names - outer_locals):
            b.forget(name)
        assert result is not None  # RESULT is written on every path
        return result

    def _bind_args(self, names: list[str], defaults: list[Lowered], args: list[Lowered],
                   kwargs: dict[str, Lowered], node: ast.AST, label: str) -> list[Lowered]:
        """The value of each parameter: positional, keyword, or its default."""
        loc_for = self.core.loc_for
        if len(args) > len(names):
            raise UnsupportedSyntaxError(
                f"'{label}' takes {len(names)} arguments but this call passes {len(args)}",
                loc_for(node), "pass the arguments the function takes")
        values: list[Lowered | None] = list(args) + [None] * (len(names) - len(args))
        base = {n: i for i, n in enumerate(names)}
        for k, v in kwargs.items():
            plain = {n.split("#")[0]: i for n, i in base.items()}
            if k not in plain:
                raise UnsupportedSyntaxError(f"'{label}' has no parameter '{k}'",
                                             loc_for(node), "check the keyword")
            if values[plain[k]] is not None:
                raise UnsupportedSyntaxError(f"'{label}' got two values for '{k}'",
                                             loc_for(node), "pass it once")
            values[plain[k]] = v
        first_default = len(names) - len(defaults)
        bound: list[Lowered] = []
        for i, given in enumerate(values):
            if given is not None:
                bound.append(given)
            elif i >= first_default:
                bound.append(defaults[i - first_default])
            else:
                raise UnsupportedSyntaxError(
                    f"'{label}' is missing the argument '{names[i].split('#')[0]}'",
                    loc_for(node), "pass every parameter without a default")
        return bound
