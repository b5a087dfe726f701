"""Static analyses on IR: value kinds (scalar/array/tuple) and activity."""

from __future__ import annotations

import inspect
import operator
import sysconfig
import types
from collections.abc import Callable

import numpy as np

from srcad import runtime
from srcad.errors import NoDerivativeError, SrcadError
from srcad.ir.kinds import (
    ARRAY,
    NUMERIC,
    OTHER,
    SCALAR,
    ArrayKind,
    ListKind,
    TupleKind,
    as_complex,
    as_real,
    is_array,
    is_complex,
    is_sequence,
    item_kind,
    join_kinds,
    kind_of_value,
)
from srcad.ir.nodes import (
    Block,
    Call,
    Const,
    ForRange,
    Function,
    If,
    Operand,
    Return,
    Var,
    While,
    fn_label,
    walk,
)
from srcad.optimize.optimizer import GeneratedRef
from srcad.rules import keywords, registry
from srcad.rules.registry import Method
from srcad.runtime import out_arguments
from srcad.runtime import python as pyrt

STRUCTURAL = (runtime.make_tuple, runtime.make_list)



# Library code is never differentiated by reading its source: it needs a rule.
_LIBRARY_ROOTS = {"numpy", "scipy", "srcad", "math", "builtins", "functools", "itertools",
                  "operator", "typing", "collections", "abc", "copy", "inspect"}
_STDLIB = sysconfig.get_paths().get("stdlib", "\0")


def derived_function(fn) -> bool:
    """Whether `fn` is a function srcad made (`srcad.grad(f)`) that the differentiated
    code calls: its IR is srcad's derivative of `f`, transformed again."""
    return not isinstance(fn, types.FunctionType) and \
        getattr(type(fn), "__srcad_spec__", None) is not None


def is_user_function(fn) -> bool:
    """A Python function srcad differentiates from its source (user code), or a
    function srcad made from one (`derived_function`)."""
    if derived_function(fn):
        return True
    if not isinstance(fn, types.FunctionType) or registry.lookup(fn) is not None:
        return False
    if getattr(fn, "__srcad_source__", False):
        return True  # a runtime helper differentiated from its source (runtime.marks)
    root = (getattr(fn, "__module__", None) or "").split(".")[0]
    if root in _LIBRARY_ROOTS:
        return False
    return not fn.__code__.co_filename.startswith(_STDLIB)


def bind_template_args(template, stmt: Call) -> dict | None:
    """Bind a call's operands to a rule template's parameter names (None if they don't fit)."""
    params = template.signature.parameters
    kwargs = {k: v for k, v in stmt.kwargs.items()
              if k in params or not keywords.ignorable(stmt.fn, k, v)}
    try:
        bound = template.signature.bind(*stmt.args, **kwargs)
    except TypeError:
        return None
    out = {}
    for name, param in template.signature.parameters.items():
        if name in bound.arguments:
            value = bound.arguments[name]
            if param.kind is inspect.Parameter.VAR_POSITIONAL:
                value = tuple(value)
            out[name] = value
        elif param.default is not inspect.Parameter.empty:
            out[name] = Const(param.default)
        elif param.kind is inspect.Parameter.VAR_POSITIONAL:
            out[name] = ()
    return out


class Kinds:
    """Infers the kind of every value of a function, given its parameters' kinds."""

    def __init__(self, fn: Function, param_kinds: list, callee_kind: Callable):
        self.kinds: dict = dict(zip(fn.params, param_kinds))
        self.stack_kinds: dict = {}
        self.callee_kind = callee_kind
        for _ in range(6):  # loops: iterate to a fixed point (the lattice is shallow)
            before = dict(self.kinds)
            self._block(fn.body)
            if before == self.kinds:
                break
        self.result = OTHER
        for stmt in fn.body.stmts:
            if isinstance(stmt, Return):
                self.result = self.of(stmt.value)

    def of(self, op: Operand):
        if isinstance(op, Const):
            return kind_of_value(op.value)
        return self.kinds.get(op, None) or NUMERIC

    def of_array(self, op: Operand):
        """The kind of `op` as NumPy sees it: a list or tuple is the array it converts to
        (sequences.py makes that conversion explicit)."""
        kind = self.of(op)
        if not is_sequence(kind):
            return kind
        item = item_kind(kind)
        if is_array(item) and item.ndim is not None:
            array = ArrayKind(item.ndim + 1)
        elif as_real(item) == SCALAR:
            array = ArrayKind(1)
        else:
            array = ARRAY
        return as_complex(array) if is_complex(item) else array

    def _set(self, var: Var, kind) -> None:
        self.kinds[var] = join_kinds(self.kinds.get(var), kind) if var in self.kinds else kind

    def _block(self, block: Block) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, Call):
                kind = self._call(stmt)
                if stmt.target is not None:
                    self.kinds[stmt.target] = kind
            elif isinstance(stmt, If):
                self._block(stmt.then)
                self._block(stmt.orelse)
                for p in stmt.outputs:
                    # `None` stands for "not assigned on this path": it adds no kind
                    sides = [self.of(v) for v in (p.then, p.orelse)
                             if not (isinstance(v, Const) and v.value is None)]
                    kind = None
                    for k in sides:
                        kind = join_kinds(kind, k)
                    self.kinds[p.target] = kind if kind is not None else OTHER
            elif isinstance(stmt, (ForRange, While)):
                for c in stmt.carried:
                    k = self.of(c.init)
                    if c.var in self.kinds:
                        k = join_kinds(k, self.kinds[c.var])
                    self.kinds[c.var] = k
                if isinstance(stmt, ForRange):
                    self.kinds[stmt.index] = SCALAR
                else:
                    self._block(stmt.cond_block)
                self._block(stmt.body)
                for c in stmt.carried:
                    assert c.next is not None, f"loop value {c.var!r} has no next value"
                    k = join_kinds(self.kinds[c.var], self.of(c.next))
                    self.kinds[c.var] = k
                    self.kinds[c.out] = k

    def _call(self, stmt: Call):
        rule = registry.lookup(stmt.fn)
        kind = self._call_kind(stmt, rule)
        if rule is None or kind == OTHER:
            return kind
        if stmt.fn is operator.getitem and stmt.args and \
                isinstance(self.of(stmt.args[0]), TupleKind):
            return kind  # an item of a tuple keeps its own dtype (eigh's real eigenvalues)
        dtype = rule.output_dtype
        if isinstance(dtype, tuple):
            if isinstance(kind, TupleKind) and len(kind.items) == len(dtype):
                return TupleKind(tuple(self._call_dtype(stmt, k, d)
                                       for k, d in zip(kind.items, dtype)))
            dtype = "real" if "real" in dtype else None
        return self._call_dtype(stmt, kind, dtype)

    def _call_dtype(self, stmt: Call, kind, dtype):
        """`kind` with the dtype `dtype` ("real", "complex", or None: from the dtype
        argument, else complex exactly if an input is)."""
        if dtype is None:
            dtype = _dtype_argument(stmt)
        if dtype is None:
            inputs = list(stmt.args) + list(stmt.kwargs.values())
            dtype = "complex" if any(is_complex(self.of(a)) for a in inputs) else "real"
        return _with_dtype(kind, dtype == "complex")

    def _call_kind(self, stmt: Call, rule):
        fn = stmt.fn
        arg_kinds = [self.of(a) for a in stmt.args]
        lists = _LIST_RESULTS.get(fn)
        if lists is not None:
            return ListKind(lists(arg_kinds))
        if fn in (operator.add, operator.mul) and len(arg_kinds) == 2 and \
                any(is_sequence(k) for k in arg_kinds) and not stmt.kwargs and \
                not any(is_array(k) for k in arg_kinds):
            # list concatenation and repetition (sequences.py makes them explicit)
            if fn is operator.mul or all(is_sequence(k) for k in arg_kinds):
                return ListKind(_joined_items(*[k for k in arg_kinds if is_sequence(k)]))
        if fn is operator.getitem and arg_kinds and isinstance(arg_kinds[0], ListKind):
            item = arg_kinds[0].item if arg_kinds[0].item is not None else NUMERIC
            return item if arg_kinds[1] == SCALAR else arg_kinds[0]
        if fn is runtime.push:
            stack = stmt.args[0]
            self.stack_kinds[stack] = join_kinds(self.stack_kinds.get(stack), arg_kinds[1])
            return OTHER
        if fn is runtime.pop:
            return self.stack_kinds.get(stmt.args[0]) or NUMERIC
        if fn in (runtime.new_stack, runtime.copy_stack):
            return OTHER
        if fn in STRUCTURAL:
            return TupleKind(tuple(arg_kinds))
        if fn is operator.getitem and arg_kinds and isinstance(arg_kinds[0], TupleKind) and \
                isinstance(stmt.args[1], Const) and isinstance(stmt.args[1].value, slice):
            return TupleKind(arg_kinds[0].items[stmt.args[1].value])
        if fn is operator.getitem and arg_kinds and isinstance(arg_kinds[0], TupleKind):
            index = stmt.args[1]
            if isinstance(index, Const) and isinstance(index.value, int):
                items = arg_kinds[0].items
                if -len(items) <= index.value < len(items):
                    return items[index.value]
                return OTHER
            joined = None
            for item in arg_kinds[0].items:
                joined = join_kinds(joined, item)
            return joined if joined is not None else OTHER
        if rule is not None:
            template = rule.adjoint or rule.tangent
            bound = bind_template_args(template, stmt) if template else None
            if bound is not None:
                of = self.of_array if takes_arrays(fn) else self.of
                named = {n: (v, of(v)) for n, v in bound.items() if not isinstance(v, tuple)}
                kinds = [named[n][1] for n in template.signature.parameters if n in named]
                return _located(lambda: rule.kind(kinds, named), stmt)
            return _located(lambda: rule.kind(
                arg_kinds, {k: (v, self.of(v)) for k, v in stmt.kwargs.items()}), stmt)
        if is_user_function(fn):
            return self.callee_kind(fn, stmt, arg_kinds)
        return OTHER


def _located(kind_of, stmt: Call):
    """`kind_of()`; a refusal raised by a rule's kind function gets the call's line."""
    try:
        return kind_of()
    except SrcadError as exc:
        if exc.loc is not None or stmt.loc is None:
            raise
        raise type(exc)(exc.message, stmt.loc, exc.hint) from None


def _with_dtype(kind, complex_values: bool):
    """`kind` with a complex (or real) dtype, item by item for tuples and lists."""
    if isinstance(kind, TupleKind):
        return TupleKind(tuple(_with_dtype(k, complex_values) for k in kind.items))
    if isinstance(kind, ListKind):
        return ListKind(_with_dtype(kind.item, complex_values)) if kind.item else kind
    if kind == OTHER:
        return kind
    return as_complex(kind) if complex_values else as_real(kind)


# Functions whose parameters take a sequence of arrays as such (their rules return
# one adjoint per item).
SEQUENCE_FUNCTIONS = {np.stack, np.concatenate, np.hstack, np.vstack, np.dstack,
                       np.column_stack, np.block, np.asarray, np.array, np.asanyarray,
                       np.ascontiguousarray, np.linalg.multi_dot, np.meshgrid,
                       np.broadcast_arrays, np.select,
                       *([np.row_stack] if hasattr(np, "row_stack") else [])}
ARITHMETIC = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
               operator.matmul, operator.floordiv, operator.mod}


def takes_arrays(fn) -> bool:
    """A NumPy or SciPy function that converts list arguments to arrays."""
    if fn in SEQUENCE_FUNCTIONS or fn in registry.TAKES_TUPLES:
        return False
    if isinstance(fn, np.ufunc):
        return True
    if isinstance(fn, registry.Method):
        return False
    root = (getattr(fn, "__module__", None) or "").split(".")[0]
    return root in ("numpy", "scipy") and callable(fn)


def _dtype_argument(stmt: Call) -> str | None:
    """'complex' or 'real' when the call names a constant `dtype` (np.zeros(n, dtype=complex),
    x.astype(np.complex128)); None otherwise."""
    value = stmt.kwargs.get("dtype")
    if value is None and getattr(stmt.fn, "name", None) == "astype" and len(stmt.args) > 1:
        value = stmt.args[1]
    if not isinstance(value, Const) or value.value is None:
        return None
    try:
        return "complex" if np.dtype(value.value).kind == "c" else "real"
    except TypeError:
        return None


def _joined_items(*kinds):
    joined = None
    for kind in kinds:
        joined = join_kinds(joined, item_kind(kind) if is_sequence(kind) else kind)
    return joined


def _list_results() -> dict:
    """The helpers whose result is a run-time list, and the kind of its items."""

    return {
        pyrt.list_append: lambda k: _joined_items(k[0], k[1]) if len(k) > 1 else None,
        pyrt.list_extend: lambda k: _joined_items(*k),
        pyrt.list_insert: lambda k: _joined_items(k[0], k[2]) if len(k) > 2 else None,
        pyrt.list_delete: lambda k: _joined_items(k[0]),
        pyrt.repeat_items: lambda k: _joined_items(k[0]),
        pyrt.as_list: lambda k: _joined_items(k[0]) if is_sequence(k[0]) else None,
        pyrt.sorted_items: lambda k: _joined_items(k[0]),
    }


_LIST_RESULTS = _list_results()


def flow_edges(fn: Function) -> list[tuple[Operand, Var]]:
    """(source, target) pairs along which a derivative can flow."""
    edges: list = []

    def differentiable(stmt: Call) -> bool:
        if stmt.fn in STRUCTURAL:
            return True
        rule = registry.lookup(stmt.fn)
        if rule is not None:
            return not rule.nondifferentiable
        return is_user_function(stmt.fn)

    def run(block: Block) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, Call) and stmt.fn is runtime.push:
                edges.append((stmt.args[1], stmt.args[0]))  # a saved value flows into its stack
            elif isinstance(stmt, Call) and stmt.fn in (runtime.pop, runtime.copy_stack):
                edges.append((stmt.args[0], stmt.target))
            elif isinstance(stmt, Call):
                if stmt.target is not None and differentiable(stmt):
                    for a in list(stmt.args) + list(stmt.kwargs.values()):
                        edges.append((a, stmt.target))
            elif isinstance(stmt, If):
                run(stmt.then)
                run(stmt.orelse)
                for p in stmt.outputs:
                    edges.append((p.then, p.target))
                    edges.append((p.orelse, p.target))
            elif isinstance(stmt, (ForRange, While)):
                if isinstance(stmt, While):
                    run(stmt.cond_block)
                run(stmt.body)
                for c in stmt.carried:
                    edges.extend([(c.init, c.var), (c.next, c.var), (c.var, c.out),
                                  (c.next, c.out), (c.init, c.out)])
    run(fn.body)
    return edges


def activity(fn: Function, wrt: list[Var]) -> tuple[set, set]:
    """The values that depend on `wrt` (varied) and that reach the result (useful)."""
    edges = flow_edges(fn)
    forward: dict = {}
    backward: dict = {}
    for src, dst in edges:
        if isinstance(src, Var):
            forward.setdefault(src, []).append(dst)
            backward.setdefault(dst, []).append(src)
    varied = _reach(wrt, forward)
    roots = [s.value for s in fn.body.stmts if isinstance(s, Return) and isinstance(s.value, Var)]
    useful = _reach(roots, backward)
    return varied, useful


def _reach(start: list, graph: dict) -> set:
    seen = set()
    stack = [v for v in start if isinstance(v, Var)]
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        stack.extend(w for w in graph.get(v, ()) if isinstance(w, Var) and w not in seen)
    return seen


def check_calls(block: Block, varied: set, needs: str, useful: set | None = None) -> None:
    """Refuse calls that receive a differentiated value but have no rule of the kind
    `needs` ("adjoint" or "tangent") and no Python source: never a silent zero.

    Calls whose result cannot reach the output (`useful`: print, logging, checks,
    messages) need no derivative."""

    for stmt in walk(block):
        if not isinstance(stmt, Call):
            continue
        args = list(stmt.args) + list(stmt.kwargs.values())
        if not any(isinstance(a, Var) and a in varied for a in args):
            continue
        if stmt.fn in STRUCTURAL or is_user_function(stmt.fn) or stmt.fn in _STACK_OPS:
            continue
        if isinstance(stmt.fn, GeneratedRef):
            continue
        rule = registry.lookup(stmt.fn)
        if rule is not None and (rule.nondifferentiable or getattr(rule, needs) is not None):
            continue
        if (stmt.target is None or (useful is not None and stmt.target not in useful)) and \
                (rule is not None or is_inert(stmt.fn)):
            continue  # its result cannot reach the output, and it changes nothing
        reason = getattr(stmt.fn, "__srcad_no_derivative__", None)
        if reason is not None:
            raise NoDerivativeError(reason, stmt.loc, "keep the parameter out of the values "
                                    "you differentiate twice, or differentiate once")
        name = fn_label(stmt.fn)
        mode = "reverse" if needs == "adjoint" else "forward"
        kind = "derivative" if rule is None else f"{needs} (for {mode} mode)"
        raise NoDerivativeError(
            f"'{name}' has no {kind} rule and no Python source to differentiate",
            stmt.loc,
            f"register one with @srcad.{needs}({name.split('.')[-1]}), or keep this call "
            "away from the values you differentiate")


_STACK_OPS = (runtime.new_stack, runtime.push, runtime.pop, runtime.copy_stack)

# Methods that report or log and never modify their arguments.
_INERT_METHODS = {"debug", "info", "warning", "warn", "error", "critical", "exception", "log",
                  "write", "flush", "format"}


def is_inert(fn) -> bool:
    """Calls that only report (print, log, format, raise): they need no derivative even
    when given differentiated values. Anything else without a rule may change its
    arguments in place (`xs.extend(...)`, `a.sort()`), so it is refused."""

    if isinstance(fn, Method):
        return fn.name in _INERT_METHODS
    if getattr(fn, "__srcad_check__", False):
        return True  # a runtime helper that only checks (runtime.marks.check_only)
    if isinstance(fn, type) and issubclass(fn, BaseException):
        return True
    if fn in (pyrt.check_assertion, pyrt.raise_error, pyrt.check_unshared,
              pyrt.check_not_shared, pyrt.check_item_unshared, pyrt.check_unpack,
              pyrt.enter_context, pyrt.exit_context, out_arguments.check_out):
        return True
    module = getattr(fn, "__module__", None) or ""
    return module in ("logging", "warnings") or module.startswith("logging.")
