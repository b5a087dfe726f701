"""Frontend: from a Python function object to its parsed, located AST.

Free names are resolved through the function's closure cells, globals and builtins
when the function is transformed; line numbers are absolute in the user's file.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
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
    """True if every free name still refers to the object seen at transformation."""
    for holder, name, value in captured:
        if name is None:
            try:
                if holder.cell_contents is not value:
                    return False
            except ValueError:
                return False
        elif holder.get(name, MISSING) is not value:
            return False
    return True


def unwrap_function(fn: Any, api_name: str = "srcad") -> types.FunctionType:
    """The plain Python function behind `fn`, or a clear error."""

    original = getattr(fn, "__srcad_original__", None)
    if original is not None:
        return original
    if isinstance(fn, types.FunctionType):
        return fn
    if hasattr(fn, "__srcad_source__"):
        raise UnsupportedSyntaxError(
            f"{api_name} of a function made by srcad (a higher-order derivative) is not "
            "supported yet",
            hint="differentiate the original function once; for second derivatives, "
                 "differentiate a hand-written first derivative",
            function=getattr(fn, "__name__", None))
    if isinstance(fn, types.MethodType):
        raise UnsupportedSyntaxError(
            f"{api_name} cannot differentiate the bound method {fn.__qualname__}",
            hint="srcad.grad, value_and_grad and vjp take bound methods; elsewhere pass "
                 "the class's function and the object as its first argument",
            function=getattr(fn, "__name__", None))
    if isinstance(fn, (types.BuiltinFunctionType, types.BuiltinMethodType)) or callable(fn):
        raise BadArgumentError(
            f"{api_name} needs a Python function defined with 'def'; got {fn!r}",
            hint="pass a function written in Python (its source is read and transformed)",
            function=getattr(fn, "__name__", None))
    raise BadArgumentError(f"{api_name} needs a function; got {type(fn).__name__} {fn!r}",
                           hint="pass a function defined with 'def'")


def parse_function(fn: types.FunctionType) -> ParsedFunction:
    """Read, dedent and parse `fn`'s source, with absolute line numbers."""
    name = fn.__name__
    filename = fn.__code__.co_filename
    try:
        lines, first_line = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"the source code of '{name}' cannot be found ({exc})",
            hint="srcad reads a function's source: define it in a .py file, a Jupyter "
                 "cell or an IPython session, not in a plain REPL or through exec()",
            function=name) from None
    source = "".join(lines)
    indent = _indent_of(lines[0])
    try:
        if indent:
            # Parsed inside an `if 1:` block, the lines keep their exact text and columns
            # (dedenting would fail on, or change, multi-line strings at column 0).
            module = ast.parse("if 1:\n" + source)
            ast.increment_lineno(module, max(first_line - 2, 0))
            body = cast(ast.If, module.body[0]).body
        else:
            module = ast.parse(source)
            ast.increment_lineno(module, max(first_line - 1, 0))
            body = module.body
    except SyntaxError as exc:
        raise SourceUnavailableError(
            f"the source of '{name}' could not be parsed on its own ({exc.msg})",
            hint="define the function with 'def' at the start of its own line",
            function=name) from None
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


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())
