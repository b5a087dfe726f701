"""The names generated code uses, written out as standalone Python (for `srcad.export`).

A `Collector` is given the names a generated module's code refers to (its namespace)
and writes each one as source that needs no srcad: a module or a NumPy / SciPy /
standard-library object becomes an import, a small array or number a literal, a Python
function of srcad's runtime (or of the user) a copy of its source, read with
`inspect.getsource`. A copied function's own global names are followed the same way,
so only what is used is written. Decorators that only mark srcad's helpers are dropped,
annotations are dropped (the copies import no typing names), and a global name that
would collide with another is renamed in the copy.
"""

from __future__ import annotations

import ast
import builtins
import collections
import dis
import inspect
import io
import keyword
import math
import sys
import textwrap
import tokenize
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from srcad.errors import BadArgumentError
from srcad.ir import constants

# Where an object without a usable `__module__` (a SciPy ufunc) is looked for, and
# where an object is imported from in preference to the private module defining it.
PUBLIC_MODULES = ("numpy", "numpy.linalg", "numpy.fft", "numpy.lib.stride_tricks", "math",
                  "cmath", "operator", "functools", "itertools", "scipy.special",
                  "scipy.linalg", "scipy.signal", "scipy.stats", "scipy.fft",
                  "scipy.ndimage", "scipy.spatial.distance", "scipy.optimize",
                  "scipy.integrate", "scipy.interpolate")
MAX_LITERAL_SIZE = 1000  # larger captured arrays are refused, not written out
_MODULE_ALIASES = {"numpy": "np"}


class ExportError(BadArgumentError):
    """What `srcad.export` cannot write as standalone Python."""


@dataclass
class Definition:
    """One module-level definition of the exported module."""

    name: str
    source: str  # its Python source (without a trailing newline)
    origin: str = ""  # where it comes from, said in a comment above it


@dataclass
class Collector:
    """The module-level names of an exported module and the source defining each.

    `names` maps every module-level name to its object. Definitions come in four
    groups, written in this order so the module imports cleanly: imports, constants,
    classes (a base class before its subclasses), functions (in the order they were
    first used).
    """

    names: dict[str, Any] = field(default_factory=dict)
    by_id: dict[int, str] = field(default_factory=dict)
    reserved: set = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)  # name -> import statement
    constants: list[Definition] = field(default_factory=list)
    classes: list[Definition] = field(default_factory=list)
    functions: list[Definition] = field(default_factory=list)
    _keep: list = field(default_factory=list)  # objects named here stay alive (ids)

    def fixed(self, namespace: dict[str, Any]) -> None:
        """Give each object of `namespace` exactly its name there (names generated code
        already uses), then define them: all are claimed first, so a helper using one
        of them finds it under its name."""
        claimed = []
        for name, obj in namespace.items():
            if self.names.get(name, obj) is not obj:
                raise ExportError(f"internal error: two objects named '{name}' in the "
                                  "exported module; please report this with your function")
            self.names[name] = obj
            self._keep.append(obj)
            first = self.by_id.setdefault(id(obj), name)
            if first != name:  # one object under two names: an alias
                self.constants.append(Definition(name, f"{name} = {first}"))
            else:
                claimed.append((name, obj))
        for name, obj in claimed:
            self._define(name, obj, "")

    def ref(self, wanted: str, obj: Any, user: str = "") -> str:
        """The module-level name of `obj` (defined on first use), `wanted` if free.
        `user` names the code that uses it, for errors."""
        known = self.by_id.get(id(obj))
        if known is not None:
            return known
        name, n = wanted, 1
        while name in self.names or name in self.reserved or keyword.iskeyword(name):
            n += 1
            name = f"{wanted}_{n}"
        self.names[name] = obj
        self.by_id[id(obj)] = name
        self._keep.append(obj)
        self._define(name, obj, user)
        return name

    def source(self) -> tuple[list[str], list[str], list[str]]:
        """(the import lines, sorted: standard library first, then NumPy/SciPy; the
        constants' lines; the classes' source blocks, a base class first)."""
        statements = set()
        names_from: dict[str, list[str]] = {}  # `from m import a, b as c`: one line per m
        for s in self.imports.values():
            if s.startswith("from "):
                module, _, what = s[len("from "):].partition(" import ")
                names_from.setdefault(module, []).append(what)
            else:
                statements.add(s)
        statements |= {f"from {m} import {', '.join(sorted(names))}"
                       for m, names in names_from.items()}
        order = lambda s: (s.startswith("from "), s.split()[1])  # noqa: E731  (isort's)
        stdlib = sorted((s for s in statements if not _third_party(s)), key=order)
        third = sorted((s for s in statements if _third_party(s)), key=order)
        lines = stdlib + ([""] if stdlib and third else []) + third
        values: list[str] = []
        origin = ""
        for d in self.constants:  # (one comment for consecutive ones of one origin)
            if d.origin and d.origin != origin:
                values.append(f"# {d.origin}")
            origin = d.origin
            values.append(d.source)
        return lines, values, [_with_origin(d) for d in self.classes]

    # -- one object
    def _define(self, name: str, obj: Any, user: str) -> None:
        if isinstance(obj, types.ModuleType):
            self.imports[name] = _import_module(name, obj, user)
            return
        defined = constants.definition(obj)
        if defined is not None:
            self.ref("np", np)
            self.constants.append(Definition(name, f"{name} = {defined[1]}"))
            return
        if getattr(builtins, name, None) is obj:
            return  # (a builtin under its own name: nothing to define)
        place = _public_place(obj)
        if place is not None and not _copied(obj):
            module, attr = place
            if module == "builtins":
                self.constants.append(Definition(name, f"{name} = {attr}"))
            else:
                self.imports[name] = f"from {module} import {attr}" + (
                    f" as {name}" if attr != name else "")
            return
        owner = getattr(obj, "__self__", None)
        if isinstance(obj, types.MethodType) and _public_place(owner) is not None:
            # a method of an object NumPy or SciPy defines: `cdf = norm.cdf`
            held = self.ref(_public_place(owner)[1], owner, user)  # type: ignore[index]
            self.constants.append(Definition(name, f"{name} = {held}.{obj.__name__}"))
            return
        if inspect.isclass(obj) and _copied(obj):
            if issubclass(obj, tuple) and hasattr(obj, "_fields") and \
                    getattr(obj, "_field_defaults", None) == {}:
                # a collections.namedtuple: made, not written (it has no source)
                self.ref("namedtuple", collections.namedtuple, user)
                self.constants.append(Definition(
                    name, f"{name} = namedtuple({obj.__name__!r}, {list(obj._fields)!r})",
                    _origin(obj)))
                return
            self._copy_class(name, obj)
            return
        if _is_python_function(obj):
            self._copy_function(name, obj, user)
            return
        text = literal(obj)
        if text is not None:
            if "np." in text:
                self.ref("np", np)
            self.constants.append(Definition(name, f"{name} = {text}", _value_origin(user)))
            return
        raise _refusal(name, obj, user)

    def _copy_function(self, name: str, fn: Any, user: str) -> None:
        inner = inspect.unwrap(fn)
        if getattr(inner, "__closure__", None):
            raise ExportError(
                f"cannot export: '{name}' (used by {user or 'the generated code'}) is a "
                "local function that reads variables of the function around it",
                hint="define it at module level (taking those values as arguments)")
        slot = Definition(name, "", _origin(inner))
        self.functions.append(slot)  # (here: the functions keep the order of first use)
        try:
            text = textwrap.dedent(inspect.getsource(fn))
        except (OSError, TypeError):
            raise ExportError(f"cannot export: the source of '{name}' is not available",
                              hint="define it in a file") from None
        try:
            tree = ast.parse(text)
        except SyntaxError:
            tree = ast.Module(body=[], type_ignores=[])
        node = tree.body[0] if tree.body else None
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or \
                node.name != inner.__name__:
            raise ExportError(
                f"cannot export: '{inner.__qualname__}' (called by "
                f"{user or 'the generated code'}) is a lambda or a function whose source "
                "cannot be copied on its own",
                hint="define it with def at module level")
        scope = inner.__globals__
        renames, cut = self._decorators(node, scope, name)
        for g in sorted(_global_names(inner.__code__) | _names_in(
                [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]])):
            self._follow(g, scope, renames, name)
        if node.name != name:
            renames[node.name] = name
        slot.source = _rewrite(text, tree, renames, cut)

    def _copy_class(self, name: str, cls: type) -> None:
        try:
            text = textwrap.dedent(inspect.getsource(cls))
        except (OSError, TypeError):
            raise ExportError(f"cannot export: the source of class '{name}' is not "
                              "available") from None
        tree = ast.parse(text)
        node = tree.body[0]
        assert isinstance(node, ast.ClassDef)
        scope = vars(sys.modules[cls.__module__])
        renames, cut = self._decorators(node, scope, name)
        used: set[str] = set()
        for item in vars(cls).values():
            for part in (item, getattr(item, "__func__", None), getattr(item, "fget", None)):
                if isinstance(part, types.FunctionType):
                    used |= _global_names(part.__code__)
        local = {n for stmt in node.body for n in _assigned(stmt)}
        header = [*node.bases, *[k.value for k in node.keywords]]
        body = [s for s in node.body if not isinstance(s, (ast.FunctionDef,
                                                            ast.AsyncFunctionDef))]
        used |= _names_in(header) | (_names_in(body) - local)
        for g in sorted(used):
            self._follow(g, scope, renames, name)
        if node.name != name:
            renames[node.name] = name
        self.classes.append(Definition(name, _rewrite(text, tree, renames, cut),
                                       _origin(cls)))

    def _decorators(self, node: Any, scope: dict, user: str) -> tuple[dict, list]:
        """(renames for the decorators kept, the decorators to drop): those of srcad's
        own (marks on runtime helpers) go."""
        renames: dict[str, str] = {}
        cut = []
        for dec in node.decorator_list:
            root = dec.func if isinstance(dec, ast.Call) else dec
            while isinstance(root, ast.Attribute):
                root = root.value
            obj = scope.get(root.id) if isinstance(root, ast.Name) else None
            if (getattr(obj, "__module__", "") or "").startswith("srcad."):
                cut.append(dec)
                continue
            for g in sorted(_names_in([dec])):
                self._follow(g, scope, renames, user)
        return renames, cut

    def _follow(self, g: str, scope: dict, renames: dict, user: str) -> None:
        """Define the object the global name `g` of a copied definition refers to."""
        if g in scope:
            obj = scope[g]
        elif hasattr(builtins, g):
            if g in self.names and self.names[g] is not getattr(builtins, g):
                raise ExportError(f"internal error: the builtin '{g}' is shadowed in the "
                                  "exported module; please report this")
            return
        else:
            return  # (a name the code never reaches defined: Python would fail there too)
        if isinstance(obj, types.ModuleType) and obj.__name__.startswith("srcad"):
            raise ExportError(f"cannot export: '{user}' uses srcad's module '{obj.__name__}'",
                              hint="please report this with your function")
        got = self.ref(g, obj, user)
        if got != g:
            renames[g] = got


# ----------------------------------------------------------------------------- objects


def _copied(obj: Any) -> bool:
    """Whether `obj` is written out as source (srcad's own, or the user's code), not
    imported."""
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("srcad."):
        return True
    top = module.split(".")[0]
    return bool(module) and not _importable_top(top)


def _importable_top(top: str) -> bool:
    return top in ("numpy", "scipy") or top in sys.stdlib_module_names or top == "builtins"


def _is_python_function(obj: Any) -> bool:
    return isinstance(inspect.unwrap(obj), types.FunctionType) if callable(obj) else False


def _public_place(obj: Any) -> tuple[str, str] | None:
    """(module, name) where `obj` can be imported from (a public module where it is one
    of its names), or None."""
    if isinstance(obj, (bool, int, float, complex, str, bytes, tuple, list, dict,
                        np.ndarray, np.generic)) or obj is None:
        return None
    attr = getattr(obj, "__name__", None)
    if not isinstance(attr, str) or not attr.isidentifier():
        return _instance_place(obj)
    own = getattr(obj, "__module__", None) or ""
    if own.startswith("srcad.") or (own and not _importable_top(own.split(".")[0])):
        return None
    if own == "builtins" and getattr(builtins, attr, None) is obj:
        return "builtins", attr
    public = own and not any(part.startswith("_") for part in own.split("."))
    for module in ((own,) if public else ()) + (*PUBLIC_MODULES, own):
        loaded = sys.modules.get(module)
        if loaded is not None and getattr(loaded, attr, None) is obj:
            return module, attr
    return None


def _instance_place(obj: Any) -> tuple[str, str] | None:
    """(module, name) of an object (not a function or class) that a public module
    holds under a name: `scipy.stats.norm`."""
    if (getattr(type(obj), "__module__", "") or "").split(".")[0] not in ("numpy", "scipy"):
        return None
    for module in PUBLIC_MODULES:
        loaded = sys.modules.get(module)
        for attr, value in vars(loaded).items() if loaded is not None else ():
            if value is obj and not attr.startswith("_"):
                return module, attr
    return None


def _import_module(name: str, module: types.ModuleType, user: str) -> str:
    real = module.__name__  # (a LazyModule of srcad's has the real module's name)
    top = real.split(".")[0]
    if not _importable_top(top):
        raise ExportError(
            f"cannot export: {user or 'the generated code'} uses the module '{real}', and "
            "the exported module imports only NumPy, SciPy and the standard library",
            hint="pass what the function reads from it as arguments")
    if name == real:
        return f"import {real}"
    if "." in real and real.rsplit(".", 1)[1] == name:
        parent, last = real.rsplit(".", 1)
        return f"from {parent} import {last}"
    if "." in real:
        parent, last = real.rsplit(".", 1)
        return f"from {parent} import {last} as {name}"
    return f"import {real} as {name}"


def _third_party(statement: str) -> bool:
    words = statement.split()
    return words[1].split(".")[0] in ("numpy", "scipy")


def literal(value: Any) -> str | None:
    """Python source making `value`, for numbers, strings, small arrays and literal
    containers; None for anything else."""
    if value is None or isinstance(value, (bool, str, bytes)):
        return repr(value)
    if type(value) in (int, float, complex):
        return _number(value)
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return f"np.{type(value).__name__}({_number(value.item())})"
    if isinstance(value, np.dtype) and value.kind in "biufc":
        return f"np.dtype({str(value)!r})"
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc" or value.size > MAX_LITERAL_SIZE:
            return None
        if value.ndim == 0:
            return f"np.array({_number(value.item())}, dtype=np.{value.dtype.name})"
        return f"np.array({_nested(value.tolist())}, dtype=np.{value.dtype.name})"
    if type(value) in (tuple, list):
        items = [literal(v) for v in value]
        if any(i is None for i in items):
            return None
        if type(value) is tuple:
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"  # type: ignore[arg-type]
        return "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    if type(value) is dict:
        pairs = [(literal(k), literal(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    return None


def _number(x: Any) -> str:
    if isinstance(x, bool) or isinstance(x, int):
        return repr(x)
    if isinstance(x, complex):
        return f"complex({_number(x.real)}, {_number(x.imag)})"
    if math.isnan(x):
        return "float('nan')"
    if math.isinf(x):
        return "float('inf')" if x > 0 else "-float('inf')"
    return repr(float(x))


def _nested(items: Any) -> str:
    if isinstance(items, list):
        return "[" + ", ".join(_nested(i) for i in items) + "]"
    return _number(items)


def _refusal(name: str, obj: Any, user: str) -> ExportError:
    where = f"used by {user}" if user else "captured by the function"
    if isinstance(obj, np.ndarray) and obj.size > MAX_LITERAL_SIZE:
        return ExportError(
            f"cannot export: '{name}' ({where}) is an array of {obj.size} elements, too "
            f"large to write into the module (at most {MAX_LITERAL_SIZE})",
            hint="pass it to the function as an argument instead of reading it from a "
                 "global or closure variable")
    return ExportError(
        f"cannot export: '{name}' ({where}) is a {type(obj).__name__}, which the "
        "exported module cannot define without srcad or your own modules",
        hint="pass it as an argument, or make it a number, a small array or a function "
             "defined at module level")


def _origin(obj: Any) -> str:
    module = getattr(obj, "__module__", "") or ""
    if module.startswith("srcad."):
        path = getattr(sys.modules.get(module), "__file__", None) or ""
        tail = path.replace("\\", "/").rsplit("/srcad/", 1)[-1] if path else ""
        return f"copied from srcad/{tail}" if tail else f"copied from {module}"
    try:
        filename = inspect.getsourcefile(obj) or "?"
    except TypeError:
        filename = "?"
    return f"copied from {filename}"


def _value_origin(user: str) -> str:
    return f"read by {user}" if user else "captured when srcad transformed the function"


def _with_origin(d: Definition) -> str:
    return f"# {d.origin}\n{d.source}" if d.origin else d.source


# ----------------------------------------------------------------------------- source


def _global_names(code: types.CodeType) -> set[str]:
    """The global names a function's code reads (nested functions and comprehensions
    included)."""
    out = set()
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            out.add(ins.argval)
        elif ins.opname in ("STORE_GLOBAL", "DELETE_GLOBAL"):
            raise ExportError(f"cannot export: '{code.co_name}' assigns the global "
                              f"'{ins.argval}'", hint="please report this")
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out |= _global_names(const)
    return out


def _names_in(nodes: list) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _assigned(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)}


def _rewrite(text: str, tree: ast.Module, renames: dict[str, str], cut: list) -> str:
    """`text` without the decorators in `cut` and the annotations of its functions (and
    of assignments inside them), with global names renamed as `renames` says."""
    lines = text.splitlines(True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def at(row: int | None, col_bytes: int | None) -> int:  # (ast columns: UTF-8 bytes)
        assert row is not None and col_bytes is not None
        return starts[row - 1] + len(lines[row - 1].encode()[:col_bytes].decode(errors="ignore"))

    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in `text`
    for dec in cut:  # whole lines: `@mark` or `@mark(...)`
        edits.append((starts[dec.lineno - 1], starts[dec.end_lineno], ""))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                if arg is not None and arg.annotation is not None:
                    ann = arg.annotation
                    edits.append((at(arg.lineno, arg.col_offset) + len(arg.arg),
                                  at(ann.end_lineno, ann.end_col_offset), ""))
            if node.returns is not None:
                ret = node.returns
                arrow = text.rfind("->", 0, at(ret.lineno, ret.col_offset))
                edits.append((len(text[:arrow].rstrip()),
                               at(ret.end_lineno, ret.end_col_offset), ""))
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.AnnAssign) and stmt.value is not None and \
                        isinstance(stmt.target, ast.Name):
                    ann = stmt.annotation
                    edits.append((at(stmt.target.end_lineno, stmt.target.end_col_offset),
                                  at(ann.end_lineno, ann.end_col_offset), ""))
    for (r0, c0), (r1, c1), new in _rename_spans(text, renames):
        edits.append((starts[r0] + c0, starts[r1] + c1, new))
    for begin, end, new in sorted(edits, reverse=True):
        text = text[:begin] + new + text[end:]
    return text.rstrip("\n")


def _rename_spans(text: str, renames: dict[str, str]) -> list:
    """(start, end, new name) for each NAME token to rename: not an attribute after a
    dot, not a keyword argument's name."""
    if not renames:
        return []
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
              if t.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT,
                                tokenize.DEDENT, tokenize.NEWLINE)]
    spans = []
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type != tokenize.NAME or tok.string not in renames:
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if before is not None and before.string == ".":
            continue
        if depth and after is not None and after.string == "=":
            continue
        (r0, c0), (r1, c1) = tok.start, tok.end
        spans.append(((r0 - 1, c0), (r1 - 1, c1), renames[tok.string]))
    return spans
