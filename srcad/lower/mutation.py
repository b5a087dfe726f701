"""Which arrays a function may assign into (`y[i] = v`) with correct gradients.

srcad lowers `y[i] = v` to a functional update, `y = setitem(y, i, v)`: a new array.
That matches Python exactly when nothing else can observe the old array: `y` must be
an array the function created itself (not a parameter, a global, or a view of
another array), and no other name, container or view may hold it. This module
checks those conditions on the AST, conservatively.
"""

from __future__ import annotations

import ast
import builtins
import contextvars
import functools
import inspect
import textwrap
import types
from dataclasses import dataclass, field

import numpy as np

from srcad.analysis.inference import is_user_function
from srcad.lower.liveness import live_after

# Calls that always return a new array (never a view of an argument).
FRESH_FUNCTIONS = {
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "array", "copy", "eye", "identity", "arange", "linspace", "concatenate", "stack",
    "hstack", "vstack", "tile", "repeat", "outer", "dot", "matmul", "exp", "log", "sin",
    "cos", "tanh", "sqrt", "abs", "maximum", "minimum", "where", "square", "cumsum",
    "cumprod", "diag", "tril", "triu", "sort", "clip", "sum", "mean", "prod", "max", "min",
    "amax", "amin", "std", "var", "median", "einsum", "tensordot", "inner", "kron",
    "cross", "trace", "norm", "solve", "inv", "diff", "gradient", "convolve",
}
FRESH_METHODS = {"copy", "astype", "dot", "cumsum", "cumprod", "clip", "round"}
# Attributes of an array that are numbers or a dtype, never a view of it.
_NUMBER_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"}
# NumPy functions that write into their first argument (np.fill_diagonal(a, v), ...)
_WRITES_FIRST = {"fill_diagonal", "put", "place", "put_along_axis", "copyto"}
# Builtins whose result is a number, a string, a type or a range: never an array or a
# container holding one (`for t in range(len(h))` does not iterate over `h`).
SCALAR_BUILTINS = {"len", "range", "int", "float", "bool", "str", "repr", "isinstance",
                   "callable", "id", "hash", "type"}


@dataclass
class Verdict:
    allowed: bool
    reason: str = ""
    # the only objection: these variables were assigned from it (a `+=` can check at
    # run time whether they really share its memory)
    aliases: tuple = ()
    # per change (the target of `y[i] = v` or `y += v`, or the call `y.append(v)`): the
    # aliases that may still be read after it; a change no alias outlives is safe
    live: dict = field(default_factory=dict)
    # every binding makes a new NumPy array (so `y[i] += v` changes no other object)
    arrays_only: bool = False

    def holders(self, site: ast.AST) -> tuple:
        """The aliases that may still see the change at `site` (all of them where the
        analysis has no answer)."""
        return tuple(self.live.get(site, self.aliases))

    def allows(self, site: ast.AST) -> bool:
        """Whether changing the value in place at `site` is what Python does."""
        return self.allowed or (bool(self.aliases) and not self.holders(site))


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_fresh_view(node: ast.expr) -> bool:
    """A new array, or a view of one nobody else holds (`(a * b)[-1]`, `(a @ b).T`)."""
    if _is_fresh(node):
        return True
    if isinstance(node, (ast.Subscript, ast.Attribute)):
        return _is_fresh_view(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            not _is_module_like(node.func.value) and \
            node.func.attr in ("reshape", "ravel", "transpose", "squeeze", "swapaxes"):
        return _is_fresh_view(node.func.value)
    return False


def _is_fresh(node: ast.expr) -> bool:
    """True if evaluating `node` always produces a new array (or list), or an immutable
    number no other name can change."""
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.List, ast.ListComp, ast.GeneratorExp,
                         ast.Constant)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            (node.func.id == "list" or node.func.id in SCALAR_BUILTINS):
        return True
    if isinstance(node, ast.Call):
        name = _call_name(node)
        if isinstance(node.func, ast.Attribute) and not _is_module_like(node.func.value):
            return name in FRESH_METHODS
        if out_arguments(node):
            return False
        if name in FRESH_FUNCTIONS or isinstance(getattr(np, name, None), np.ufunc):
            return True
        return isinstance(node.func, ast.Name) and _helper_returns_fresh(node.func.id)
    return False


# How the analysis of the function being lowered resolves a free name (set while
# `check_mutations` runs): a helper it calls may be read to see what it returns.
_RESOLVE: contextvars.ContextVar = contextvars.ContextVar("srcad_mutation_resolve",
                                                          default=None)
# Answers already found while `check_mutations` runs (the questions repeat per binding).
_MEMO: contextvars.ContextVar = contextvars.ContextVar("srcad_mutation_memo", default=None)


def _helper_returns_fresh(name: str) -> bool:
    """Whether `name` is a user function every `return` of which makes a new array (its
    result is then owned by the caller: `T = step(T0)` may be written into)."""
    resolve = _RESOLVE.get()
    if resolve is None:
        return False
    try:
        fn = resolve(name)
    except Exception:  # noqa: BLE001  (a name the lowering will report itself)
        return False
    return _returns_fresh(fn) if isinstance(fn, types.FunctionType) else False


@functools.lru_cache(maxsize=256)
def _returns_fresh(fn: types.FunctionType) -> bool:
    if not is_user_function(fn) or derived_from_srcad(fn):
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return False
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if len(defs) != 1:
        return False
    returns = [n for n in ast.walk(defs[0]) if isinstance(n, ast.Return)]
    if not returns or any(r.value is None for r in returns):
        return False
    token = _RESOLVE.set(lambda n: fn.__globals__.get(n, getattr(builtins, n, None)))
    try:
        return all(_is_fresh(r.value) for r in returns)  # type: ignore[arg-type]
    finally:
        _RESOLVE.reset(token)


def derived_from_srcad(fn) -> bool:
    return getattr(fn, "__srcad_spec__", None) is not None


def is_new_array(node: ast.expr) -> bool:
    """True if evaluating `node` always produces a new array nobody else holds."""
    return _is_fresh(node)


def _is_module_like(node: ast.expr) -> bool:
    """`np.zeros`-style calls: a dotted name starting with a module alias."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in {"np", "numpy", "math", "scipy"}


def _may_hold(node: ast.expr, name: str, python_list: bool = False) -> bool:
    """True if the value of `node` may be, or share memory with, the array `name`
    (`python_list`: `name` is surely a Python list, which no NumPy result can hold)."""
    if python_list and isinstance(node, ast.Call) and _is_module_like(node.func):
        return False
    if isinstance(node, ast.Name):
        return node.id == name
    if isinstance(node, ast.Attribute) and node.attr in _NUMBER_ATTRIBUTES:
        return False  # `x.shape`, `x.ndim`: numbers, never the array
    if isinstance(node, (ast.Subscript, ast.Attribute, ast.Starred)):
        return _may_hold(node.value, name, python_list)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_may_hold(e, name, python_list) for e in node.elts)
    if isinstance(node, ast.Dict):
        return any(v is not None and _may_hold(v, name, python_list) for v in node.values)
    if isinstance(node, ast.IfExp):
        return _may_hold(node.body, name, python_list) or _may_hold(node.orelse, name, python_list)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)) and any(
            isinstance(side, (ast.List, ast.Tuple, ast.ListComp))
            for side in (node.left, node.right)):
        # `[y] + rest`, `(y,) * 2`: a new list or tuple holding the same objects
        return _may_hold(node.left, name, python_list) or \
            _may_hold(node.right, name, python_list)
    if isinstance(node, ast.BoolOp):
        return any(_may_hold(v, name, python_list) for v in node.values)
    if isinstance(node, ast.NamedExpr):
        return _may_hold(node.value, name, python_list)
    if isinstance(node, ast.Call):
        if _is_fresh(node):
            return False
        outs = out_arguments(node)
        if outs and _is_module_like(node.func):
            # NumPy returns its out= array (or a tuple of them), nothing of its inputs
            return any(_may_hold(o, name, python_list) for o in outs)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("pop", "index", "count") \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == name:
            # an item of the list (or its position), not the list
            return any(_may_hold(a, name, python_list) for a in node.args)
        args = list(node.args) + [k.value for k in node.keywords]
        if isinstance(node.func, ast.Attribute) and not _is_module_like(node.func.value):
            args.append(node.func.value)
        return any(_may_hold(a, name, python_list) for a in args)
    return False


def out_arguments(call: ast.Call) -> list[ast.expr]:
    """The arrays a NumPy call writes into: its `out=` (each item of an `out=(a, b)`
    tuple) and a ufunc's outputs passed by position (`np.add(a, b, buf)`)."""
    written: list[ast.expr] = []
    for k in call.keywords:
        if k.arg == "out":
            items = k.value.elts if isinstance(k.value, ast.Tuple) else [k.value]
            written += [e for e in items if not (isinstance(e, ast.Constant) and e.value is None)]
    if not _is_module_like(call.func):
        return written
    func = call.func
    if call.args and isinstance(func, ast.Attribute) and (
            func.attr in _WRITES_FIRST or func.attr == "at" and
            isinstance(func.value, ast.Attribute) and func.value.attr == "add"):
        return written + call.args[:1]  # np.fill_diagonal(a, v), np.add.at(a, i, b) write a
    function = getattr(np, _call_name(call), None)
    if isinstance(function, np.ufunc):
        return written + call.args[function.nin:]
    try:
        params = list(inspect.signature(function).parameters) if callable(function) else []
    except (TypeError, ValueError):
        params = []
    if "out" in params and params.index("out") < len(call.args):
        written.append(call.args[params.index("out")])
    return written


def _written_roots(node: ast.AST) -> list[str]:
    """The variables whose arrays the call `node` writes into with out=."""
    if not isinstance(node, ast.Call):
        return []
    roots = []
    for target in out_arguments(node):
        while isinstance(target, ast.Subscript):
            target = target.value
        if isinstance(target, ast.Name):
            roots.append(target.id)
    return roots


def _appends_to(node: ast.AST) -> str | None:
    """`name` for a call `name.append(...)` or `name.extend(...)`, else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in ("append", "extend", "insert", "pop") and \
            isinstance(node.func.value, ast.Name):
        return node.func.value.id
    return None


def _is_list_expr(node: ast.expr) -> bool:
    """An expression that always makes a new Python list."""
    if isinstance(node, (ast.List, ast.ListComp)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in ("list", "sorted"):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        return _is_list_expr(node.left) or _is_list_expr(node.right)
    return False


def _bound_values(function: ast.FunctionDef, name: str) -> list[ast.expr] | None:
    """The values `name` is bound to in `function` (`name = v`, and `a, name = x, v`
    unpacking a display of as many items); None where it is also bound another way (a
    loop or `with` target, `:=`, an annotation, unpacking a run-time value)."""
    values: list[ast.expr] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == name:
                    values.append(node.value)
                elif isinstance(t, (ast.Tuple, ast.List)) and any(
                        isinstance(e, ast.Name) and e.id == name for e in t.elts):
                    if not (isinstance(node.value, (ast.Tuple, ast.List)) and
                            len(node.value.elts) == len(t.elts)):
                        return None
                    values += [v for e, v in zip(t.elts, node.value.elts)
                               if isinstance(e, ast.Name) and e.id == name]
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and \
                isinstance(node.target, ast.Name) and node.target.id == name:
            return None
        elif isinstance(node, (ast.For, ast.comprehension, ast.withitem)):
            target = node.optional_vars if isinstance(node, ast.withitem) else node.target
            if target is not None and name in {n.id for n in ast.walk(target)
                                               if isinstance(n, ast.Name)}:
                return None
    return values


def _is_python_list(function: ast.FunctionDef, name: str) -> bool:
    """Whether every binding of `name` in `function` makes a new Python list."""
    values = _bound_values(function, name)
    return values is not None and bool(values) and all(_is_list_expr(v) for v in values)


def _assigns_into_items(function: ast.FunctionDef, name: str) -> bool:
    """`name[i][j] = v` or `name[i] += v` somewhere: an item itself changes in place."""
    for node in ast.walk(function):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                depth = 0
                while isinstance(t, ast.Subscript):
                    t, depth = t.value, depth + 1
                nested = depth > 1 or (depth == 1 and isinstance(node, ast.AugAssign))
                if nested and isinstance(t, ast.Name) and t.id == name:
                    return True
    return False


def _changes(node: ast.AST, name: str) -> bool:
    """Whether `node` changes the list or array `name` in place."""
    for sub in ast.walk(node):
        if _appends_to(sub) == name:
            return True
        if isinstance(sub, (ast.Assign, ast.AugAssign)):
            for t in sub.targets if isinstance(sub, ast.Assign) else [sub.target]:
                if isinstance(t, ast.Name) and isinstance(sub, ast.AugAssign) and t.id == name:
                    return True
                while isinstance(t, ast.Subscript):
                    t = t.value
                    if isinstance(t, ast.Name) and t.id == name:
                        return True
    return False


def _handed_over(function: ast.FunctionDef, stmt: ast.stmt, name: str) -> bool:
    """`rows.append(row)` as the end of `row`'s life: `row` was bound to a new list
    earlier in the same block, every change to it happens between that binding and
    this call, and nothing changes it afterwards (so nothing else sees a change)."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and
            _appends_to(stmt.value) not in (None, name) and
            all(isinstance(a, ast.Name) for a in stmt.value.args)):
        return False
    for block in _blocks(function):
        if stmt not in block:
            continue
        at = block.index(stmt)
        starts = [i for i, s in enumerate(block[:at]) if isinstance(s, ast.Assign) and
                  any(isinstance(t, ast.Name) and t.id == name for t in s.targets) and
                  _is_fresh(s.value)]
        if not starts:
            return False
        inside = block[starts[-1]:at]
        changes = [n for n in ast.walk(function) if isinstance(n, ast.stmt) and
                   not isinstance(n, (ast.For, ast.While, ast.If, ast.With, ast.FunctionDef))
                   and _changes(n, name)]
        allowed = {id(n) for s in inside for n in ast.walk(s)}
        return all(id(n) in allowed for n in changes)
    return False


def _blocks(function: ast.FunctionDef):
    for node in ast.walk(function):
        for field_name in ("body", "orelse", "finalbody"):
            block = getattr(node, field_name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block


def check_mutations(function: ast.FunctionDef, params: set, resolve=None) -> dict:
    """For every name assigned into (`name[...] = v`), whether that is allowed
    (`resolve`: the free names of `function`, to read the helpers it calls)."""
    token, memo = _RESOLVE.set(resolve), _MEMO.set({})
    try:
        return _check_mutations(function, params)
    finally:
        _RESOLVE.reset(token)
        _MEMO.reset(memo)


def _check_mutations(function: ast.FunctionDef, params: set) -> dict:
    targets: dict = {}
    for node in ast.walk(function):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            nodes = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in nodes:
                base = t
                while isinstance(base, ast.Subscript):
                    base = base.value
                if base is not t and isinstance(base, ast.Name):
                    targets.setdefault(base.id, Verdict(True))
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                # `y += v` changes an array (or list) in place: every alias sees it
                targets.setdefault(node.target.id, Verdict(True))
        elif _appends_to(node) is not None:
            targets.setdefault(_appends_to(node), Verdict(True))
        for root in _written_roots(node):
            targets.setdefault(root, Verdict(True))
    assigned_into = set()
    for node in ast.walk(function):
        assigned_into.update(_written_roots(node))
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            assigned_into.add(node.target.id)
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                while isinstance(t, ast.Subscript):
                    t = t.value
                    if isinstance(t, ast.Name):
                        assigned_into.add(t.id)
    after: dict | None = None
    for name, verdict in targets.items():
        found = _verdict(function, name, params, name not in assigned_into)
        verdict.allowed, verdict.reason = found[0], found[1]
        verdict.aliases = found[2] if len(found) > 2 else ()
        verdict.arrays_only = _binds_arrays_only(function, name)
        if verdict.aliases:
            after = live_after(function) if after is None else after
            verdict.live = _live_aliases(function, name, verdict.aliases, after)
    return targets


def _live_aliases(function: ast.FunctionDef, name: str, aliases: tuple,
                  after: dict) -> dict:
    """For each simple statement changing `name` in place, the aliases that may be read
    after it. An alias whose value may reach another variable or container stays live
    (the analysis follows names, not values)."""
    tracked = frozenset(aliases) | {name}
    escaping = {a for a in aliases if _escapes(function, a, tracked)}
    live: dict = {}
    for stmt in ast.walk(function):
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)):
            continue
        sites: list[ast.AST] = [n for n in ast.walk(stmt) if _appends_to(n) == name]
        for t in stmt.targets if isinstance(stmt, ast.Assign) else \
                [] if isinstance(stmt, ast.Expr) else [stmt.target]:
            root = t
            while isinstance(root, ast.Subscript):
                root = root.value
            if isinstance(root, ast.Name) and root.id == name and \
                    (root is not t or isinstance(stmt, ast.AugAssign)):
                sites.append(t)
        read_later = after.get(stmt, set(aliases))
        for site in sites:
            live[site] = tuple(a for a in aliases if a in escaping or a in read_later)
    return live


def _bound_names(target: ast.expr) -> list[str]:
    """The names a target of plain names binds (`a`, `a, b`, `a, *rest`); empty for any
    other target."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _bound_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        names = [_bound_names(e) for e in target.elts]
        return [n for group in names for n in group] if all(names) else []
    return []


def _binds_arrays_only(function: ast.FunctionDef, name: str) -> bool:
    """Whether every binding of `name` is NumPy arithmetic or a NumPy function that
    makes a new array (never a list, whose items are objects of their own)."""
    values = []
    for node in ast.walk(function):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id == name and node.value is not None:
                    values.append(node.value)
                elif not isinstance(t, (ast.Name, ast.Subscript, ast.Attribute)) and any(
                        isinstance(n, ast.Name) and n.id == name for n in ast.walk(t)):
                    return False  # unpacked: of unknown type
        elif isinstance(node, (ast.For, ast.comprehension, ast.withitem)):
            target = node.optional_vars if isinstance(node, ast.withitem) else node.target
            if target is not None and any(isinstance(n, ast.Name) and n.id == name
                                          for n in ast.walk(target)):
                return False
    return bool(values) and all(_surely_array(v) for v in values)


def _surely_array(node: ast.expr) -> bool:
    """A new NumPy array (or a number): a NumPy function making one, or arithmetic that
    lists do not support (lists only have `+` and `* n`)."""
    if isinstance(node, ast.Call):
        return _is_module_like(node.func) and _is_fresh(node)
    if isinstance(node, ast.UnaryOp):
        return True
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, (ast.Add, ast.Mult)):
            return True
        return any(_surely_array(side) or (isinstance(side, ast.Constant) and
                                            isinstance(side.value, float))
                   for side in (node.left, node.right))
    return False


def _escapes(function: ast.FunctionDef, name: str, tracked: frozenset = frozenset()) -> bool:
    """Whether the value of `name` may be kept anywhere but in `name` itself and the
    `tracked` variables (whose values the liveness of aliases follows): another variable
    or container, a loop's items, a call that may keep a reference."""
    for node in ast.walk(function):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound = [n for t in targets for n in _bound_names(t)]
            if node.value is not None and _may_hold(node.value, name) and not (
                    all(_bound_names(t) for t in targets) and
                    all(n == name or n in tracked for n in bound)):
                return True
        elif isinstance(node, (ast.For, ast.comprehension)) and _may_hold(node.iter, name):
            return True
        elif isinstance(node, ast.withitem) and _may_hold(node.context_expr, name):
            return True
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                _call_name(node.value) != "print":
            call = node.value
            arguments = list(call.args) + [k.value for k in call.keywords]
            if any(_may_hold(a, name) for a in arguments) or (
                    _appends_to(call) != name and _may_hold(call, name)):
                return True
    return False


def _writes_into(node: ast.AST, name: str) -> bool:
    """Whether the statement or call `node` changes the array or list `name` holds."""
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
            if isinstance(node, ast.AugAssign) and isinstance(t, ast.Name) and t.id == name:
                return True
            if isinstance(t, ast.Subscript):
                while isinstance(t, ast.Subscript):
                    t = t.value
                if isinstance(t, ast.Name) and t.id == name:
                    return True
    return name in _written_roots(node) or _appends_to(node) == name


def _reaches_a_write(function: ast.FunctionDef, binding: ast.stmt, name: str) -> bool:
    """Whether the array `binding` gives `name` may still be its value where something
    writes into `name`: a write after it in the source, or one in a loop around both
    (conservative: branches are not told apart)."""
    writes = [n for n in ast.walk(function)
              if isinstance(n, (ast.stmt, ast.expr)) and _writes_into(n, name)]
    start = (binding.lineno, binding.col_offset)
    if any((w.lineno, w.col_offset) > start for w in writes):
        return True
    loops = [n for n in ast.walk(function)
             if isinstance(n, (ast.For, ast.While, ast.comprehension))]
    for loop in loops:
        inside = set(map(id, ast.walk(loop)))
        if id(binding) in inside and any(id(w) in inside for w in writes):
            return True
    return False


def _call_sees_no_write(function: ast.FunctionDef, call: ast.stmt, name: str) -> bool:
    """Whether passing `name` to the call `call` cannot expose a later write: every write
    into `name` sees a fresh binding in its block, and the call does not run between
    that binding and the write (so what the call may keep is never written into)."""
    writes = [n for n in ast.walk(function)
              if isinstance(n, (ast.stmt, ast.expr)) and _writes_into(n, name)]
    for write in writes:
        spans = [span for block in _blocks(function)
                 if (span := _fresh_span(block, write, name)) is not None]
        if not spans:
            return False
        block, start, end = spans[0]
        if any(n is call for s in block[start:end + 1] for n in ast.walk(s)):
            return False
    return True


def _each_write_sees_a_fresh_binding(function: ast.FunctionDef, name: str) -> bool:
    """Whether every write into `name` comes after `name = <new array>` in the same
    block, with nothing between that may bind `name` otherwise: the write then changes
    that new array, whatever `name` was bound to elsewhere (a loop variable of another
    loop: `f = np.zeros(2)` then `f += ...` in a loop, and `for p, f in zip(...)` later)."""
    memo = _MEMO.get()
    key = ("fresh", id(function), name)
    if memo is not None and key in memo:
        return memo[key]
    found = _each_write_sees_a_fresh_binding_now(function, name)
    if memo is not None:
        memo[key] = found
    return found


def _each_write_sees_a_fresh_binding_now(function: ast.FunctionDef, name: str) -> bool:
    writes = [n for n in ast.walk(function)
              if isinstance(n, (ast.stmt, ast.expr)) and _writes_into(n, name)]
    if not writes:
        return True
    for write in writes:
        if not any(_fresh_before(block, write, name) for block in _blocks(function)):
            return False
    return True


def _fresh_before(block: list, write: ast.AST, name: str) -> bool:
    """`block` holds `write` (in one of its statements) after `name = <new array>`, and
    no statement between them nor the one holding it binds `name` as a loop variable,
    a `with` target or by unpacking."""
    return _fresh_span(block, write, name) is not None


def _fresh_span(block: list, write: ast.AST, name: str) -> tuple | None:
    """(block, index of the fresh binding, index of the statement holding `write`) for
    `_fresh_before`; None where it does not hold."""
    holder = next((i for i, s in enumerate(block) if any(n is write for n in ast.walk(s))),
                  None)
    if holder is None:
        return None
    for at in range(holder - 1, -1, -1):
        stmt = block[at]
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name:
            fresh = _is_fresh(stmt.value) and not _rebinds(block[holder], name)
            return (block, at, holder) if fresh else None
        if name in {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and
                    isinstance(n.ctx, ast.Store)}:
            return None
    return None


def _rebinds(stmt: ast.stmt, name: str) -> bool:
    """Whether `stmt` binds `name` anywhere (other than `name += ...`, which writes into
    the same array): then, around a loop, a write in it may see that other binding."""
    augmented = {id(n.target) for n in ast.walk(stmt) if isinstance(n, ast.AugAssign)}
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               and id(n) not in augmented for n in ast.walk(stmt))


def _owned_name(function: ast.FunctionDef, value: ast.expr, params: set, name: str,
                seen: frozenset = frozenset()) -> bool:
    """Whether `value` is another local variable holding only arrays this function made
    itself (every binding of it a new array, or such a variable): `name = value` then
    makes the two aliases of one owned array, which a run-time check tells apart."""
    if not isinstance(value, ast.Name) or value.id == name or value.id in params or \
            value.id in seen:
        return False
    other, seen = value.id, seen | {value.id}
    sources = _bound_values(function, other)
    return sources is not None and bool(sources) and all(
        _is_fresh(v) or (isinstance(v, ast.Name) and
                         (v.id == name or _owned_name(function, v, params, name, seen)))
        for v in sources)


def _verdict(function: ast.FunctionDef, name: str, params: set,
             append_only: bool = False) -> tuple:
    if name in params:
        return False, (f"'{name}' is an argument: changing it would change the caller's "
                       "array or list")
    bound = False
    aliases: set = set()
    python_list = _is_python_list(function, name)
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if name in names and len(node.targets) > 1:
                return False, f"'{name}' is assigned together with another name (a = b = ...)"
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == name:
                    bound = True
                    if _owned_name(function, node.value, params, name):
                        aliases.add(node.value.id)  # type: ignore[attr-defined]
                    elif not _is_fresh_view(node.value) and _reaches_a_write(function, node,
                                                                              name) \
                            and not _each_write_sees_a_fresh_binding(function, name):
                        return False, (f"'{name}' is not known to be a new array here "
                                       "(it may share memory with another array)")
                elif isinstance(t, (ast.Tuple, ast.List)) and any(
                        isinstance(e, ast.Starred) and isinstance(e.value, ast.Name) and
                        e.value.id == name for e in t.elts):
                    bound = True  # `first, *rest = ...`: `rest` is always a new list
                elif isinstance(t, (ast.Tuple, ast.List)) and any(
                        isinstance(e, ast.Name) and e.id == name for e in t.elts):
                    value = node.value
                    if not (isinstance(value, (ast.Tuple, ast.List)) and
                            len(value.elts) == len(t.elts)):
                        return False, f"'{name}' is assigned by unpacking"
                    # a, y = (expr_a, expr_y): as if y = expr_y
                    for e, v in zip(t.elts, value.elts):
                        if isinstance(e, ast.Name) and e.id == name:
                            bound = True
                            if _owned_name(function, v, params, name):
                                aliases.add(v.id)  # type: ignore[attr-defined]
                            elif not _is_fresh_view(v) and \
                                    _reaches_a_write(function, node, name) and \
                                    not _each_write_sees_a_fresh_binding(function, name):
                                return False, (f"'{name}' is not known to be a new array "
                                               "here (it may share memory with another "
                                               "array)")
            if _may_hold(node.value, name, python_list) and not all(
                    isinstance(t, ast.Name) and t.id == name or
                    isinstance(t, ast.Subscript) for t in node.targets):
                # names bound to it, or to its items (`a, *rest = y`)
                names = [n for t in node.targets for n in _bound_names(t)]
                if all(_bound_names(t) for t in node.targets):
                    aliases.update(n for n in names if n != name)
                else:
                    return False, (f"another variable may share memory with '{name}' (it "
                                   "is assigned from it)")
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == name and node.value is not None:
            bound = True
            if not _is_fresh_view(node.value) and _reaches_a_write(function, node, name) and \
                    not _each_write_sees_a_fresh_binding(function, name):
                return False, f"'{name}' is not known to be a new array here"
        elif isinstance(node, (ast.For, ast.comprehension)):
            target_names = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
            if name in target_names and not _each_write_sees_a_fresh_binding(function, name):
                return False, f"'{name}' is a loop variable"
            if _may_hold(node.iter, name, python_list):
                if python_list and not _assigns_into_items(function, name):
                    # a list's items are objects, not views: replacing an item later
                    # changes nothing a loop has read, but changing it while iterating does
                    body = node.body if isinstance(node, ast.For) else []
                    if any(_changes(s, name) for s in body):
                        return False, f"a loop over '{name}' changes it"
                    continue
                if not append_only:
                    return False, f"a loop iterates over '{name}' (its items are views)"
                body = node.body if isinstance(node, ast.For) else []
                if any(_appends_to(n) == name for s in body for n in ast.walk(s)):
                    return False, f"a loop over '{name}' appends to it"
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if _call_name(call) == "print":
                continue
            if _appends_to(call) == name:
                if any(_may_hold(a, name, python_list) for a in call.args):
                    return False, f"'{name}' is appended to itself"
                continue
            if out_arguments(call) and (_is_module_like(call.func) or (
                    isinstance(call.func, ast.Attribute) and
                    hasattr(np.ndarray, call.func.attr))):
                continue  # NumPy writing into out= keeps no reference to its arguments
            args = list(call.args) + [k.value for k in call.keywords]
            if any(_may_hold(a, name, python_list) for a in args) and \
                    not _handed_over(function, node, name) and \
                    not _call_sees_no_write(function, node, name):
                return False, (f"'{name}' is passed to a call that may keep a reference "
                               "to it")
    if not bound:
        return False, f"'{name}' is not created in this function"
    if aliases:
        listed = ", ".join(f"'{a}'" for a in sorted(aliases))
        return False, (f"another variable may share memory with '{name}' ({listed} is "
                       "assigned from it)"), tuple(sorted(aliases))
    return True, ""
