"""Frontend: from a Python function object to its parsed, located AST.

Free names are resolved through the function's closure cells, globals and builtins
when the function is transformed; line numbers are absolute in the user's file.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import linecache
import re
import types
from dataclasses import dataclass, field
from typing import Any, cast

from srcad.errors import BadArgumentError, SourceLoc, SourceUnavailableError, UnsupportedSyntaxError

MISSING = object()


@dataclass
class ParsedFunction:
    """A user function, parsed: its AST and how to resolve its free names."""

    fn: types.FunctionType
    name: str
    filename: str
    node: ast.FunctionDef
    col_offset: int  # the indentation of the 'def' line
    globals: dict
    closure: dict = field(default_factory=dict)
    # (namespace dict or cell, name, object) for every free name read: cache validation
    captured: list = field(default_factory=list)

    def loc(self, node: ast.AST | None) -> SourceLoc:
        return _source_loc(self.filename, self.name, node if node is not None else self.node,
                           self.node.lineno)

    def resolve(self, name: str) -> Any:
        """The object a free name refers to, or MISSING."""
        if name in self.closure:
            cell = self.closure[name]
            try:
                value = cell.cell_contents
            except ValueError:
                return MISSING
            self.captured.append((cell, None, value))
            return value
        if name in self.globals:
            value = self.globals[name]
            self.captured.append((self.globals, name, value))
            return value
        # a builtin: stale if a global of that name appears later
        self.captured.append((self.globals, name, MISSING))
        return getattr(builtins, name, MISSING)


def _source_loc(filename: str, function: str, node: ast.AST, fallback_line: int) -> SourceLoc:
    """Where `node` of `function` is in `filename` (at `fallback_line` if it has no line)."""
    line = getattr(node, "lineno", None) or fallback_line
    col = getattr(node, "col_offset", 0) or 0  # absolute: the source is not dedented
    return SourceLoc(filename, line, col, function, linecache.getline(filename, line))


def captured_still_valid(captured: list) -> bool:
    """True if every free name still refers to the object seen at transformation.

    Each entry is (holder, key, object): a closure cell (key None), a namespace or other
    dict (the object under key), or a list (the object at an index; with the key `len`,
    the list's length).
    """
    for holder, name, value in captured:
        if name is None:
            try:
                if holder.cell_contents is not value:
                    return False
            except ValueError:
                return False
        elif isinstance(holder, list):
            if name is len:
                if len(holder) != value:
                    return False
            elif not -len(holder) <= name < len(holder) or holder[name] is not value:
                return False
        elif holder.get(name, MISSING) is not value:
            return False
    return True


def unwrap_function(fn: Any, api_name: str = "srcad") -> types.FunctionType:
    """The plain Python function behind `fn`, or a clear error.

    A wrapper made with `functools.wraps` is the function itself: its own code is
    what runs, so it is what srcad reads (never the function it wraps).
    """
    api = api_name if api_name.startswith("srcad") else f"srcad.{api_name}"
    original = getattr(fn, "__srcad_original__", None)
    if original is not None:
        return original
    if isinstance(fn, types.FunctionType):
        _check_plain_def(fn, api)
        return fn
    name = getattr(fn, "__name__", None)
    if hasattr(fn, "__srcad_source__"):
        raise UnsupportedSyntaxError(
            f"{api} of a function made by srcad is not supported",
            hint="srcad.grad, jvp, jacobian, hessian and hvp take a function made by "
                 "srcad.grad; otherwise differentiate the original function",
            function=name)
    if isinstance(fn, types.MethodType):
        raise UnsupportedSyntaxError(
            f"{api} cannot differentiate the bound method {fn.__qualname__}",
            hint="srcad.grad, value_and_grad and vjp take bound methods; elsewhere pass "
                 "the class's function and the object as its first argument",
            function=name)
    if not callable(fn):
        raise BadArgumentError(f"{api} needs a function; got {type(fn).__name__} {fn!r}",
                               hint="pass a function defined with 'def' (or a lambda)")
    raise BadArgumentError(f"{api} needs a Python function (written with 'def' or "
                           f"'lambda'); got {_describe_callable(fn)}", hint=_hint_for(fn),
                           function=name)


def _check_plain_def(fn: types.FunctionType, api: str) -> None:
    """Refuse an async function before anything calls it (generators are refused at
    their `yield`, while lowering)."""
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        code = fn.__code__
        loc = SourceLoc(code.co_filename, code.co_firstlineno, 0, code.co_name,
                        linecache.getline(code.co_filename, code.co_firstlineno))
        raise UnsupportedSyntaxError(f"{api}: async functions cannot be differentiated", loc,
                                     "use a plain 'def' function that returns its result")


def python_call_method(obj: Any) -> types.FunctionType | None:
    """The `__call__` function of an object whose class defines it in Python (not of a
    function, a class or a function made by srcad)."""
    if isinstance(obj, (type, types.FunctionType)) or hasattr(obj, "__srcad_source__"):
        return None
    for klass in type(obj).__mro__:
        call = klass.__dict__.get("__call__")
        if call is not None:
            return call if isinstance(call, types.FunctionType) else None
    return None


def _describe_callable(fn: Any) -> str:
    if isinstance(fn, functools.partial):
        return f"the functools.partial object {fn!r}"
    if isinstance(fn, type):
        return f"the class {fn.__qualname__}"
    if python_call_method(fn) is not None:
        return f"an object of class {type(fn).__qualname__}"
    return f"{fn!r}, which has no Python source to transform"


def _hint_for(fn: Any) -> str:
    if isinstance(fn, functools.partial):
        return ("write the call as a function and differentiate that: "
                "`def g(x): return f(x, <the bound arguments>)`")
    if isinstance(fn, type):
        return "differentiate a function (or a method) that computes the number"
    if python_call_method(fn) is not None:
        return ("srcad.grad, value_and_grad and vjp take callable objects; elsewhere write "
                "`def g(x): return obj(x)`")
    return "call it from a function written in Python: `def f(x): return np.sin(x)`"


def parse_function(fn: types.FunctionType) -> ParsedFunction:
    """Read, dedent and parse `fn`'s source, with absolute line numbers."""
    name = fn.__code__.co_name  # the name its `def` has (a wrapper may carry another)
    filename = fn.__code__.co_filename
    try:
        # the code's own source: `getsourcelines(fn)` would follow `functools.wraps` to
        # the wrapped function and silently drop what the wrapper does
        lines, first_line = inspect.getsourcelines(fn.__code__)
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"the source code of '{name}' cannot be found ({exc})",
            hint="srcad reads a function's source: define it in a .py file, a Jupyter "
                 "cell or an IPython session, not in a plain REPL or through exec()",
            function=name) from None
    source = "".join(lines)
    indent = _indent_of(lines[0])
    module: ast.AST
    try:
        if indent:
            # Parsed inside an `if 1:` block, the lines keep their exact text and columns
            # (dedenting would fail on, or change, multi-line strings at column 0).
            module = ast.parse("if 1:\n" + source)
            ast.increment_lineno(module, max(first_line - 2, 0))
            body = cast(ast.If, cast(ast.Module, module).body[0]).body
        else:
            module = ast.parse(source)
            ast.increment_lineno(module, max(first_line - 1, 0))
            body = cast(ast.Module, module).body
    except SyntaxError as exc:
        if name != "<lambda>":
            raise SourceUnavailableError(
                f"the source of '{name}' could not be parsed on its own ({exc.msg})",
                hint="define the function with 'def' at the start of its own line",
                function=name) from None
        # a lambda inside a larger expression (a dict display, a call's arguments)
        module, body = _lambda_expressions(source, first_line), []
    col_offset = indent
    node = body[0] if body else None
    if name == "<lambda>":
        node = _lambda_as_def(fn, module, name)
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != name:
        raise SourceUnavailableError(
            f"could not find the 'def {name}' statement in its source",
            hint="define the function with 'def' (lambdas and generated functions are "
                 "not supported)",
            function=name)
    if isinstance(node, ast.AsyncFunctionDef):
        raise UnsupportedSyntaxError("async functions cannot be differentiated",
                                     _source_loc(filename, name, node, node.lineno),
                                     hint="use a plain 'def' function")
    closure = {}
    if fn.__closure__:
        closure = dict(zip(fn.__code__.co_freevars, fn.__closure__))
    parsed = ParsedFunction(fn=fn, name=name, filename=filename, node=node,
                            col_offset=col_offset, globals=fn.__globals__, closure=closure)
    node.decorator_list = []
    return parsed


def _lambda_as_def(fn, module: ast.AST, name: str) -> ast.FunctionDef:
    """The one `lambda` in `fn`'s source lines with `fn`'s parameters, as a `def`."""
    params = list(fn.__code__.co_varnames[: fn.__code__.co_argcount])
    found = [n for n in ast.walk(module) if isinstance(n, ast.Lambda)
             and [a.arg for a in n.args.args] == params]
    if len(found) != 1:
        raise SourceUnavailableError(
            f"could not tell which lambda on line {fn.__code__.co_firstlineno} is being "
            f"differentiated ({len(found)} candidates)",
            hint="define the function with 'def' (or put the lambda on its own line)",
            function=name)
    lam = found[0]
    ret = ast.copy_location(ast.Return(value=lam.body), lam.body)
    node = ast.FunctionDef(name=name, args=lam.args, body=[ret], decorator_list=[],
                           returns=None, type_comment=None)
    return ast.copy_location(node, lam)


def _lambda_expressions(source: str, first_line: int) -> ast.Module:
    """The lambdas in source lines that do not parse on their own: after each `lambda`,
    the longest text that parses as one lambda, located in the user's file."""
    found: list[ast.stmt] = []
    for match in re.finditer(r"\blambda\b", source):
        start = match.start()
        line = first_line + source.count("\n", 0, start)
        col = start - (source.rfind("\n", 0, start) + 1)
        rest = source[start:]
        for end in range(len(rest), 0, -1):
            try:
                expr = ast.parse("(" + rest[:end] + "\n)", mode="eval").body
            except SyntaxError:
                continue
            if isinstance(expr, ast.Lambda):
                for node in ast.walk(expr):  # columns on the first line: in the file's
                    if isinstance(node, (ast.expr, ast.arg)) and node.lineno == 1:
                        node.col_offset += col - 1
                        if node.end_lineno == 1 and node.end_col_offset is not None:
                            node.end_col_offset += col - 1
                ast.increment_lineno(expr, line - 1)
                found.append(ast.Expr(expr))
                break
    return ast.Module(body=found, type_ignores=[])


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())
