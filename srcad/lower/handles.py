"""Lowering of what is resolved while transforming: containers, local functions, methods.

A mixin of `Lowerer` (see lower.py). Containers with known keys (dict displays,
parameter structures, objects, tuples holding functions or containers) are `Struct`
handles; `def` and `lambda` inside the function, methods, and user functions called
with a container or a function as argument are inlined at the call.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import operator
import sys
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from srcad import runtime
from srcad.analysis.inference import _LIBRARY_ROOTS, is_user_function
from srcad.errors import UnsupportedSyntaxError
from srcad.ir.handles import Ambiguous, BoundMethod, Handle, LocalFunction, Struct, SuperRef
from srcad.ir.nodes import Const, Operand, Var

MAX_UNROLL = 256  # items of a container a loop is unrolled over


@dataclass(frozen=True)
class Static:
    """A value known while transforming: a module, a function, a class."""

    value: Any


@dataclass
class InlineContext:
    """Shared by the lowering of a function and of everything inlined into it."""

    captured: list = field(default_factory=list)  # free names read (cache validation)
    stack: list = field(default_factory=list)  # functions being inlined (recursion)
    parsed: dict = field(default_factory=dict)  # user function -> ParsedFunction


def is_namedtuple_class(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def is_user_class(cls) -> bool:
    """A class defined in user code (not in NumPy, SciPy, srcad or the standard library)."""
    module = (getattr(cls, "__module__", "") or "")
    root = module.split(".")[0]
    return root not in _LIBRARY_ROOTS and root not in sys.stdlib_module_names


def is_plain_object(value) -> bool:
    """An instance of a user class whose attributes srcad may read as a container."""
    cls = type(value)
    known = _PLAIN_CLASSES.get(cls)
    if known is None:
        known = _PLAIN_CLASSES[cls] = _is_plain_class(cls)
    return known and (hasattr(value, "__dict__") or is_namedtuple_class(cls) or
                      dataclasses.is_dataclass(cls))


_PLAIN_CLASSES: dict = {}  # class -> whether its instances are plain objects


def _is_plain_class(cls) -> bool:
    if cls in (float, int, bool, str, complex, type(None), list, tuple, dict) or \
            issubclass(cls, (np.ndarray, np.generic, type, types.ModuleType,
                             types.FunctionType)):
        return False
    if dataclasses.is_dataclass(cls) or is_namedtuple_class(cls):
        return True
    return is_user_class(cls)


class HandleLowering:
    """Mixin: expects `b`, `loc_for`, `unsupported`, `expr`, `value`, `block`, `assign`."""

    def capture_class_attr(self, cls, name: str) -> None:
        """Record what `cls.name` resolved to, so the cache notices a class attribute or
        method changed later (in `cls` or the base class it came from)."""
        from srcad.frontend.source import MISSING

        for c in getattr(cls, "__mro__", ()):
            if c is object:
                break
            value = c.__dict__.get(name, MISSING)
            self.ctx.captured.append((c.__dict__, name, value))
            if value is not MISSING:
                break

    # ------------------------------------------------------------------ operands
    def operand(self, value, node: ast.AST) -> Operand:
        """`value` as a run-time value of the generated code."""
        if isinstance(value, (Var, Const)):
            return value
        if isinstance(value, Static):
            return Const(value.value)
        if isinstance(value, Struct):
            return self.materialize(value, node)
        self.check_handle(value, node)
        what = "a function defined inside the differentiated function" \
            if isinstance(value, LocalFunction) else "a method"
        raise self.unsupported(node, f"uses of {what} other than calling it",
                               "call it directly where it is needed")

    def check_handle(self, value, node: ast.AST) -> None:
        if isinstance(value, Ambiguous):
            raise UnsupportedSyntaxError(
                f"'{self.b.hint(value.key)}' refers to {value.what} depending on the path "
                "taken", self.loc_for(node),
                "bind the name to one function or container on every path")

    def materialize(self, struct: Struct, node: ast.AST) -> Operand:
        """A tuple or list handle as a run-time tuple or list of its items."""
        if struct.kind not in ("tuple", "list") and not is_namedtuple_class(struct.cls):
            raise UnsupportedSyntaxError(
                f"{struct.describe()} cannot be used as a single run-time value here",
                self.loc_for(node),
                "use its items (d['key'], obj.attr) where a value is needed; containers "
                "are resolved while srcad transforms the function")
        items = [self.operand(self.struct_get(struct, k, node), node) for k in struct.keys]
        fn = runtime.make_list if struct.kind == "list" else runtime.make_tuple
        if fn is runtime.make_tuple and all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items))
        return self.b.call(fn, items, loc=self.loc_for(node), name=struct.name)

    # ------------------------------------------------------------------ items
    def new_struct(self, kind: str, items: list, cls=None, name: str = "items") -> Struct:
        """A container the function builds: `items` are (key, value) pairs."""
        struct = Struct(kind, [k for k, _ in items], cls, name, mutable=True,
                        region=self.b.block)
        for k, v in items:
            self.b.write(struct.item_key(k), v)
        return struct

    def struct_get(self, struct: Struct, key, node: ast.AST):
        if key not in struct.keys:
            what = "attribute" if struct.kind == "object" else "key"
            raise UnsupportedSyntaxError(
                f"{struct.describe()} has no {what} {key!r} here", self.loc_for(node),
                f"its {what}s are {struct.keys}")
        value = self.b.read(struct.item_key(key))
        if value is None:
            raise UnsupportedSyntaxError(
                f"item {key!r} of {struct.describe()} is not set on every path here",
                self.loc_for(node), "set it before the branch or loop")
        self.check_handle(value, node)
        return value

    def struct_set(self, struct: Struct, key, value, node: ast.AST) -> None:
        if not struct.mutable:
            raise UnsupportedSyntaxError(
                f"cannot assign into {struct.describe()} the caller passed in: the "
                "caller's object would change", self.loc_for(node),
                "build a new container (e.g. new = dict(d); new['k'] = v) or return the "
                "new value")
        if key not in struct.keys:
            if struct.region is not self.b.block:
                raise UnsupportedSyntaxError(
                    f"cannot add the new key {key!r} to {struct.describe()} inside a "
                    "branch or loop (it would exist on some paths only)", self.loc_for(node),
                    "give the container all its keys where it is created")
            struct.keys.append(key)
        self.b.write(struct.item_key(key), value)

    def static_key(self, node: ast.expr, struct: Struct):
        key = self.expr(node)
        if isinstance(key, Static):
            key = Const(key.value)
        if not isinstance(key, Const):
            if struct.kind in ("tuple", "list") or is_namedtuple_class(struct.cls):
                return None  # a computed index: read from the run-time sequence
            raise UnsupportedSyntaxError(
                f"a key of {struct.describe()} computed at run time", self.loc_for(node),
                "use constant keys (d['W']); srcad resolves them while transforming")
        key = key.value
        if struct.kind != "dict" and isinstance(key, int) and not isinstance(key, bool):
            n = len(struct.keys)
            if not -n <= key < n:
                raise UnsupportedSyntaxError(f"index {key} is out of range for "
                                             f"{struct.describe()} of length {n}",
                                             self.loc_for(node), "check the index")
            return struct.keys[key % n]
        return key

    def subscript_handle(self, struct: Struct, node: ast.Subscript):
        if isinstance(node.slice, ast.Slice) and struct.kind in ("tuple", "list"):
            part = self.value(node.slice)
            if isinstance(part, Const):
                keys = struct.keys[part.value]
                return self.new_struct(struct.kind, [
                    (i, self.struct_get(struct, k, node)) for i, k in enumerate(keys)],
                    name=struct.name)
        key = self.static_key(node.slice, struct)
        if key is None:
            base = self.materialize(struct, node)
            return self.b.call(operator.getitem, [base, self.value(node.slice)],
                               loc=self.loc_for(node), name=f"{struct.name}_item")
        return self.struct_get(struct, key, node)

    def assign_into_handle(self, struct: Struct, target: ast.expr, value) -> None:
        if isinstance(target, ast.Subscript):
            key = self.static_key(target.slice, struct)
            if key is None:
                raise UnsupportedSyntaxError(
                    f"assignment into {struct.describe()} at a computed position",
                    self.loc_for(target), "use a constant index, or a NumPy array")
        else:
            key = target.attr
        self.struct_set(struct, key, value, target)

    def unpack_handle(self, struct: Struct, target: ast.expr) -> None:
        if len(struct.keys) != len(target.elts):
            raise UnsupportedSyntaxError(
                f"cannot unpack {struct.describe()} of length {len(struct.keys)} into "
                f"{len(target.elts)} names", self.loc_for(target), "match the counts")
        for key, elt in zip(struct.keys, target.elts):
            self.assign(elt, self.struct_get(struct, key, target), None)

    # ------------------------------------------------------------------ attributes
    def attribute_of(self, base, node: ast.Attribute):
        name = node.attr
        if isinstance(base, Struct):
            if name in base.keys and (base.kind == "object"):
                return self.struct_get(base, name, node)
            cls = base.cls if base.cls is not None else {"dict": dict, "list": list,
                                                         "tuple": tuple}[base.kind]
            if base.kind in ("dict", "list", "tuple"):
                return BoundMethod(name, base)  # a container method: items(), append()...
            try:
                attr = inspect.getattr_static(cls, name)
            except AttributeError:
                raise UnsupportedSyntaxError(
                    f"{base.describe()} has no attribute '{name}' here", self.loc_for(node),
                    f"its attributes are {base.keys}") from None
            self.capture_class_attr(cls, name)
            return self.class_attribute(cls, attr, base, node, _owner(cls, name))
        if isinstance(base, SuperRef):
            return self.super_attribute(base, name, node)
        if isinstance(base, Const) and is_plain_object(base.value):
            cls = type(base.value)
            try:
                attr = inspect.getattr_static(cls, name)
            except AttributeError:
                attr = None
            if isinstance(attr, (types.FunctionType, staticmethod, classmethod, property)):
                function = attr.fget if isinstance(attr, property) else \
                    getattr(attr, "__func__", attr)
                if is_user_function(function):
                    self.capture_class_attr(cls, name)
                    return self.class_attribute(cls, attr, base, node, _owner(cls, name))
        return None

    def super_attribute(self, ref: SuperRef, name: str, node: ast.AST):
        """`super().name`: looked up in the receiver's classes after the method's own."""
        receiver = ref.receiver
        cls = receiver.cls if isinstance(receiver, Struct) else \
            receiver.value if isinstance(receiver, Static) else type(getattr(receiver,
                                                                          "value", None))
        mro = list(getattr(cls, "__mro__", ()))
        start = mro.index(ref.owner) + 1 if ref.owner in mro else len(mro)
        for c in mro[start:]:
            if name in c.__dict__ and c is not object:
                self.capture_class_attr(c, name)
                return self.class_attribute(c, c.__dict__[name], receiver, node, c)
        if name == "__init__":
            return Static(_no_init)  # object.__init__: nothing to do
        raise UnsupportedSyntaxError(f"super() has no attribute '{name}' here",
                                     self.loc_for(node), "check the base classes")

    def class_attribute(self, cls, attr, receiver, node: ast.AST, owner=None):
        if isinstance(attr, staticmethod):
            return Static(attr.__func__)
        if isinstance(attr, classmethod):
            return BoundMethod(attr.__func__, Static(cls))
        if isinstance(attr, property):
            return self.inline_callable(attr.fget, [receiver], {}, node, owner)
        if isinstance(attr, types.FunctionType):
            return BoundMethod(attr, receiver, owner)
        if callable(attr) or isinstance(attr, type):
            return Static(attr)
        return Const(attr)

    # ------------------------------------------------------------------ calls
    def call_handle(self, head, args: list, kwargs: dict, node: ast.Call):
        """A call whose callee or arguments are handles; None if it is an ordinary call."""
        if isinstance(head, LocalFunction):
            return self.inline_local(head, args, kwargs, node)
        if isinstance(head, BoundMethod):
            if isinstance(head.function, str):
                return self.container_method(head.receiver, head.function, args, kwargs, node)
            return self.inline_callable(head.function, [head.receiver] + args, kwargs, node,
                                        head.owner)
        fn = head.value
        if fn is super and not args and not kwargs:
            context = getattr(self, "method_owner", None)
            if context is None:
                raise UnsupportedSyntaxError(
                    "super() outside a method srcad inlines", self.loc_for(node),
                    "call the base class's method explicitly (Base.method(self, ...))")
            return SuperRef(*context)
        if fn is _no_init:
            return Const(None)
        if isinstance(fn, type):
            made = self.construct(fn, args, kwargs, node)
            if made is not None:
                return made
        elif is_plain_object(fn) and is_user_function(type(fn).__dict__.get("__call__")):
            self.capture_class_attr(type(fn), "__call__")
            return self.inline_callable(type(fn).__call__, [Const(fn)] + args, kwargs, node)
        if fn in (len, isinstance, type, list, tuple, dict, sum, sorted, min, max) and \
                any(isinstance(a, Struct) for a in args):
            return self.builtin_on_struct(fn, args, kwargs, node)
        passes_handles = any(isinstance(a, Handle) or (isinstance(a, Static) and callable(
            a.value)) for a in list(args) + list(kwargs.values()))
        if is_user_function(fn) and (passes_handles or self.returns_handle(fn)):
            return self.inline_callable(fn, args, kwargs, node)
        return None

    def returns_handle(self, fn) -> bool:
        """Whether a user function visibly returns a dict, an object, a function or a
        tuple holding one (then it is inlined: its result is resolved while
        transforming)."""
        from srcad.frontend.source import parse_function

        parsed = self.ctx.parsed.get(fn)
        if parsed is None:
            parsed = self.ctx.parsed[fn] = parse_function(fn)
        bound: dict = {}
        returned = []
        for node in ast.walk(parsed.node):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        bound.setdefault(t.id, []).append(node.value)
            elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not parsed.node:
                if isinstance(node, ast.FunctionDef):
                    bound.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Return) and node.value is not None:
                returned.append(node.value)

        def is_handle(expr, depth=0) -> bool:
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

    def builtin_on_struct(self, fn, args: list, kwargs: dict, node: ast.Call):
        struct = args[0]
        if fn is len and len(args) == 1:
            return Const(len(struct.keys))
        if fn is isinstance and len(args) == 2:
            cls = struct.cls or {"dict": dict, "list": list, "tuple": tuple}[struct.kind]
            spec = args[1]
            spec = spec.value if isinstance(spec, (Static, Const)) else spec
            return Const(issubclass(cls, spec))
        if fn is type and len(args) == 1:
            return Static(struct.cls or {"dict": dict, "list": list,
                                         "tuple": tuple}[struct.kind])
        if fn in (list, tuple) and len(args) == 1:
            items = self.iteration_items(struct, node)
            return self.new_struct("list" if fn is list else "tuple",
                                   list(enumerate(items)), name=struct.name)
        if fn is dict and len(args) == 1 and struct.kind == "dict":
            return self.new_struct("dict", [(k, self.struct_get(struct, k, node))
                                            for k in struct.keys], name=struct.name)
        if fn is sum and struct.kind in ("list", "tuple"):
            items = [self.operand(self.struct_get(struct, k, node), node) for k in struct.keys]
            total = self.operand(args[1], node) if len(args) > 1 else \
                self.operand(kwargs.get("start", Const(0)), node)
            for item in items:
                total = self.b.call(operator.add, [total, item], loc=self.loc_for(node),
                                    name="total")
            return total
        args = [self.operand(a, node) for a in args]
        return self.b.call(fn, args, {k: self.operand(v, node) for k, v in kwargs.items()},
                           loc=self.loc_for(node), name=getattr(fn, "__name__", "t"))

    def container_method(self, struct: Struct, name: str, args: list, kwargs: dict,
                         node: ast.Call):
        if struct.kind == "dict":
            if name in ("items", "keys", "values") and not args:
                pairs = []
                for k in struct.keys:
                    v = self.struct_get(struct, k, node)
                    item = {"keys": Const(k), "values": v}.get(name)
                    if item is None:
                        item = self.new_struct("tuple", [(0, Const(k)), (1, v)], name="pair")
                    pairs.append(item)
                return self.new_struct("list", list(enumerate(pairs)), name=struct.name)
            if name == "get" and args:
                key = args[0]
                if not isinstance(key, Const):
                    raise UnsupportedSyntaxError("dict.get() with a key computed at run time",
                                                 self.loc_for(node), "use a constant key")
                if key.value in struct.keys:
                    return self.struct_get(struct, key.value, node)
                return args[1] if len(args) > 1 else Const(None)
            if name == "copy" and not args:
                return self.new_struct("dict", [(k, self.struct_get(struct, k, node))
                                                for k in struct.keys], name=struct.name)
            if name == "update" and len(args) == 1 and isinstance(args[0], Struct):
                for k in args[0].keys:
                    self.struct_set(struct, k, self.struct_get(args[0], k, node), node)
                return Const(None)
        if struct.kind == "list" and name == "append" and len(args) == 1:
            self.struct_set(struct, len(struct.keys), args[0], node)
            return Const(None)
        if struct.kind == "list" and name == "extend" and len(args) == 1 and \
                isinstance(args[0], Struct):
            for item in self.iteration_items(args[0], node):
                self.struct_set(struct, len(struct.keys), item, node)
            return Const(None)
        if name == "copy" and not args and struct.kind == "list":
            return self.new_struct("list", [(i, self.struct_get(struct, k, node))
                                            for i, k in enumerate(struct.keys)])
        raise UnsupportedSyntaxError(
            f"the method '{name}' of {struct.describe()} is not supported here",
            self.loc_for(node), "use indexing, .items(), .keys(), .values(), .get() or a loop")

    # ------------------------------------------------------------------ objects
    def construct(self, cls: type, args: list, kwargs: dict, node: ast.Call):
        """`Cls(...)` for a namedtuple, a dataclass or a user class; None for others."""
        if is_namedtuple_class(cls):
            try:
                bound = _namedtuple_signature(cls).bind(*args, **kwargs)
            except TypeError as exc:
                raise UnsupportedSyntaxError(f"{cls.__name__}(...): {exc}", self.loc_for(node),
                                             "pass one value per field") from None
            bound.apply_defaults()
            items = [(f, _as_value(v)) for f, v in bound.arguments.items()]
            return self.new_struct("object", items, cls, cls.__name__.lower())
        if dataclasses.is_dataclass(cls):
            return self.construct_dataclass(cls, args, kwargs, node)
        if not is_user_class(cls):
            return None
        self.capture_class_attr(cls, "__init__")
        owner = _owner(cls, "__init__")
        obj = self.new_struct("object", [], cls, cls.__name__.lower())
        if owner is object:
            if args or kwargs:
                raise UnsupportedSyntaxError(f"{cls.__name__}() takes no arguments",
                                             self.loc_for(node), "define __init__")
            return obj
        init = owner.__dict__["__init__"]
        if not is_user_function(init):
            return None
        self.inline_callable(init, [obj] + list(args), kwargs, node, owner)
        return obj

    def construct_dataclass(self, cls, args: list, kwargs: dict, node: ast.Call):
        fields = [f for f in dataclasses.fields(cls) if f.init]
        if "__post_init__" in dir(cls):
            raise UnsupportedSyntaxError(
                f"dataclasses with __post_init__ ({cls.__name__}) cannot be built inside "
                "differentiated code", self.loc_for(node), "build the object outside")
        params = [inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    default=f.default if f.default is not dataclasses.MISSING
                                    else inspect.Parameter.empty) for f in fields]
        try:
            bound = inspect.Signature(params).bind(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise UnsupportedSyntaxError(f"{cls.__name__}(...): {exc}", self.loc_for(node),
                                         "pass one value per field") from None
        bound.apply_defaults()
        items = [(f, _as_value(v)) for f, v in bound.arguments.items()]
        for f in dataclasses.fields(cls):
            if not f.init:
                raise UnsupportedSyntaxError(
                    f"dataclass field '{f.name}' with init=False", self.loc_for(node),
                    "build the object outside the differentiated function")
        return self.new_struct("object", items, cls, cls.__name__.lower())

    # ------------------------------------------------------------------ iteration
    def iteration_items(self, value, node: ast.AST) -> list | None:
        """The items a loop over `value` visits, if they are known while transforming."""
        if isinstance(value, Struct):
            if len(value.keys) > MAX_UNROLL:
                raise UnsupportedSyntaxError(
                    f"a loop over {value.describe()} of {len(value.keys)} items would be "
                    f"unrolled (more than {MAX_UNROLL})", self.loc_for(node),
                    "keep long sequences in a NumPy array or a list of numbers")
            if value.kind == "dict":
                return [Const(k) for k in value.keys]
            return [self.struct_get(value, k, node) for k in value.keys]
        return None

    def static_iteration(self, it: ast.expr) -> list | None:
        """Items of `for ... in it` when `it` is a container handle, or zip / enumerate /
        reversed of them; None when the loop runs at run time."""
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and not it.keywords:
            head = self.expr(it.func)
            if isinstance(head, Static) and head.value in (zip, enumerate, reversed):
                if not all(isinstance(a, (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple))
                           for a in it.args):
                    return None  # evaluated by the run-time loop (no speculative code)
                parts = [self.known_items(a) for a in it.args]
                if not any(isinstance(p, Struct) for p in parts) and not all(
                        isinstance(p, list) for p in parts):
                    return None
                if not all(isinstance(p, (Struct, list)) for p in parts):
                    raise UnsupportedSyntaxError(
                        f"{head.value.__name__}() of a container and a run-time sequence",
                        self.loc_for(it), "iterate over containers only, or sequences only")
                lists = [p if isinstance(p, list) else self.iteration_items(p, it)
                         for p in parts]
                if head.value is reversed:
                    return list(reversed(lists[0]))
                if head.value is enumerate:
                    return [self.new_struct("tuple", [(0, Const(i)), (1, v)], name="pair")
                            for i, v in enumerate(lists[0])]
                return [self.new_struct("tuple", list(enumerate(group)), name="pair")
                        for group in zip(*lists)]
        if isinstance(it, ast.Call) and not (
                isinstance(it.func, ast.Attribute) and it.func.attr in ("items", "keys",
                                                                         "values")):
            return None  # a run-time call: evaluated once, by the run-time loop
        value = self.known_items(it)
        if isinstance(value, list):
            return value
        return self.iteration_items(value, it) if isinstance(value, Struct) else None

    def static_display(self, node: ast.expr):
        """A tuple display as a container handle (its items stay separate values)."""
        if isinstance(node, ast.Tuple) and not any(isinstance(e, ast.Starred)
                                                   for e in node.elts):
            items = [self.static_display(e) for e in node.elts]
            return self.new_struct("tuple", list(enumerate(items)), name="items")
        return self.expr(node)

    def known_items(self, node: ast.expr):
        """A tuple display or constant tuple as the list of its items; else the value."""
        if isinstance(node, ast.Tuple) and not any(isinstance(e, ast.Starred)
                                                   for e in node.elts):
            return [self.static_display(e) for e in node.elts]
        value = self.expr(node)
        if isinstance(value, Const) and isinstance(value.value, tuple) and \
                len(value.value) <= MAX_UNROLL:
            return [Const(v) for v in value.value]
        return value

    def unrolled_for(self, s: ast.For, items: list) -> None:
        """A loop over a container: its body, once per item."""
        exit_key = getattr(s, "srcad_exit", None)
        for item in items:
            def iteration(item=item):
                self.assign(s.target, item, None)
                self.block(s.body)
            if exit_key is None:
                iteration()
                continue
            flag = self.b.read(exit_key)
            if isinstance(flag, Const) and flag.value:
                break
            if isinstance(flag, Const):
                iteration()
            else:
                self.b.build_if(flag, lambda: None, iteration, loc=self.loc_for(s))

    # ------------------------------------------------------------------ inlining
    def inline_local(self, fn: LocalFunction, args: list, kwargs: dict, node: ast.Call):
        scope = fn.scope
        return self.inline_node(fn.node, scope.resolve, scope.loc_for, scope.local_names,
                                fn.defaults, args, kwargs, node, label=fn.name,
                                key=fn.node)

    def inline_callable(self, fn, args: list, kwargs: dict, node: ast.AST, owner=None):
        """Inline a module-level user function (or a method of `owner`) at this call."""
        if not is_user_function(fn):
            raise UnsupportedSyntaxError(
                f"'{getattr(fn, '__qualname__', fn)}' cannot be called with a container or "
                "function argument here (srcad can only inline Python functions it can read)",
                self.loc_for(node), "pass plain numbers or arrays to it")
        from srcad.frontend.source import parse_function

        parsed = self.ctx.parsed.get(fn)
        if parsed is None:
            parsed = self.ctx.parsed[fn] = parse_function(fn)
        defaults = [Const(d) for d in (fn.__defaults__ or ())]
        result = self.inline_node(parsed.node, parsed.resolve, parsed.loc, set(), defaults,
                                  args, kwargs, node, label=fn.__qualname__, key=fn,
                                  owner=owner)
        self.ctx.captured.extend(parsed.captured)
        parsed.captured.clear()
        return result

    def inline_node(self, fn_node, resolve, loc_for, outer_locals: set, defaults: list,
                    args: list, kwargs: dict, node: ast.AST, label: str, key, owner=None):
        from srcad.frontend.normalize import RESULT, RETURNED, normalize_body
        from srcad.frontend.scopes import fresh_suffix, function_locals, param_names, renamed_copy
        from srcad.lower.lowering import Lowerer
        from srcad.lower.mutation import check_mutations

        if key in self.ctx.stack:
            raise UnsupportedSyntaxError(
                f"'{label}' calls itself with a container or function argument (it would be "
                "inlined forever)", self.loc_for(node),
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
        local = function_locals(fn_node)
        mapping = {n: n + suffix for n in local}
        copy = renamed_copy(fn_node, mapping)
        names = param_names(copy.args)
        bound = self.bind_inline_args(names, defaults, args, kwargs, node, label)
        body = copy.body if isinstance(copy, ast.FunctionDef) else \
            [ast.copy_location(ast.Return(copy.body), copy.body)]
        body = normalize_body(body, suffix)
        result_key, returned_key = RESULT + suffix, RETURNED + suffix
        from srcad.frontend.scopes import bound_names
        local_names = set(names) | bound_names(body) | {result_key, returned_key} | \
            outer_locals
        synthetic = ast.FunctionDef(name=label, args=copy.args, body=body, decorator_list=[])
        mutations = check_mutations(synthetic, set(names))
        child = Lowerer(self.b, resolve, loc_for, local_names, mutations, ctx=self.ctx)
        if owner is not None and bound:
            child.method_owner = (owner, bound[0])
        for name, value in zip(names, bound):
            self.b.write(name, value)
        self.b.write(result_key, Const(None))
        self.b.write(returned_key, Const(False))
        self.ctx.stack.append(key)
        try:
            child.block(body)
        finally:
            self.ctx.stack.pop()
        result = self.b.read(result_key)
        for name in list(local_names - outer_locals):
            self.b.forget(name)
        return result

    def bind_inline_args(self, names: list, defaults: list, args: list, kwargs: dict,
                         node: ast.AST, label: str) -> list:
        if len(args) > len(names):
            raise UnsupportedSyntaxError(
                f"'{label}' takes {len(names)} arguments but this call passes {len(args)}",
                self.loc_for(node), "pass the arguments the function takes")
        values = list(args) + [None] * (len(names) - len(args))
        base = {n: i for i, n in enumerate(names)}
        for k, v in kwargs.items():
            plain = {n.split("#")[0]: i for n, i in base.items()}
            if k not in plain:
                raise UnsupportedSyntaxError(f"'{label}' has no parameter '{k}'",
                                             self.loc_for(node), "check the keyword")
            if values[plain[k]] is not None:
                raise UnsupportedSyntaxError(f"'{label}' got two values for '{k}'",
                                             self.loc_for(node), "pass it once")
            values[plain[k]] = v
        first_default = len(names) - len(defaults)
        for i, v in enumerate(values):
            if v is None:
                if i < first_default:
                    raise UnsupportedSyntaxError(
                        f"'{label}' is missing the argument '{names[i].split('#')[0]}'",
                        self.loc_for(node), "pass every parameter without a default")
                values[i] = defaults[i - first_default]
        return values


def _owner(cls, name: str):
    """The class in `cls`'s MRO that defines `name`."""
    return next((c for c in getattr(cls, "__mro__", ()) if name in c.__dict__), None)


def _no_init(*args, **kwargs):
    """What `super().__init__()` resolves to when only `object` defines it."""


def _as_value(v):
    return v if isinstance(v, (Var, Const, Handle, Static)) else Const(v)


def _namedtuple_signature(cls) -> inspect.Signature:
    defaults = getattr(cls, "_field_defaults", {})
    return inspect.Signature([
        inspect.Parameter(f, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=defaults.get(f, inspect.Parameter.empty))
        for f in cls._fields])
