"""Objects resolved while transforming: attributes, methods, properties, `super()`, and
construction of namedtuples, dataclasses and user classes (as `Struct` handles)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import types
from typing import Any

from srcad.analysis.inference import is_user_function
from srcad.errors import UnsupportedSyntaxError
from srcad.frontend.source import MISSING
from srcad.ir.handles import BoundMethod, Handle, Lowered, Static, Struct, SuperRef
from srcad.ir.nodes import Const, Var
from srcad.lower.classes import is_namedtuple_class, is_plain_object, is_user_class
from srcad.lower.containers import CONTAINER_TYPES, Containers
from srcad.lower.context import LoweringContext
from srcad.lower.inlining import Inliner


def no_init(*args: Any, **kwargs: Any) -> None:
    """What `super().__init__()` resolves to when only `object` defines it."""


class Objects:
    """Resolves attributes and builds objects.

    Parameters
    ----------
    core : LoweringContext
        The lowering the objects belong to.
    containers : Containers
        Holds the objects' attributes.
    inliner : Inliner
        Runs methods, properties and `__init__`.
    """

    def __init__(self, core: LoweringContext, containers: Containers, inliner: Inliner):
        self.core = core
        self.containers = containers
        self.inliner = inliner

    def capture_class_attr(self, cls: type, name: str) -> None:
        """Record what `cls.name` resolved to, so the cache notices a class attribute or
        method changed later (in `cls` or the base class it came from)."""
        for c in getattr(cls, "__mro__", ()):
            if c is object:
                break
            value = c.__dict__.get(name, MISSING)
            self.core.session.captured.append((c.__dict__, name, value))
            if value is not MISSING:
                break

    # ------------------------------------------------------------------ attributes
    def attribute(self, base: Lowered, node: ast.Attribute) -> Lowered | None:
        """`base.name` where `base` is a container, `super()` or an object with user
        methods; None when it is an ordinary attribute."""
        name = node.attr
        if isinstance(base, Struct):
            if name in base.keys and (base.kind == "object"):
                return self.containers.get(base, name, node)
            cls = base.cls if base.cls is not None else CONTAINER_TYPES[base.kind]
            if base.kind in ("dict", "list", "tuple") or \
                    is_namedtuple_class(cls) and name in ("_replace", "_asdict"):
                return BoundMethod(name, base)  # a container method: items(), append()...
            try:
                attr = inspect.getattr_static(cls, name)
            except AttributeError:
                raise UnsupportedSyntaxError(
                    f"{base.describe()} has no attribute '{name}' here",
                    self.core.loc_for(node), f"its attributes are {base.keys}") from None
            self.capture_class_attr(cls, name)
            return self.class_attribute(cls, attr, base, node, _owner(cls, name))
        if isinstance(base, SuperRef):
            return self._super_attribute(base, name, node)
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

    def static_attribute(self, base: Static, node: ast.Attribute) -> Any:
        """`module.name` or `Class.name`, looked up now."""
        value = base.value
        if isinstance(value, type) and is_user_class(value):
            self.capture_class_attr(value, node.attr)
        try:
            return getattr(value, node.attr)
        except AttributeError:
            raise UnsupportedSyntaxError(
                f"'{getattr(value, '__name__', type(value).__name__)}' has no attribute "
                f"'{node.attr}'", self.core.loc_for(node),
                "check the spelling of the name") from None

    def call_attribute(self, obj: Struct, node: ast.AST) -> Lowered | None:
        """What calling the object `obj` calls: its class's `__call__`; None if the
        class defines none."""
        cls = obj.cls
        if cls is None or not any("__call__" in c.__dict__ for c in cls.__mro__[:-1]):
            return None
        self.capture_class_attr(cls, "__call__")
        return self.class_attribute(cls, inspect.getattr_static(cls, "__call__"), obj, node)

    def _super_attribute(self, ref: SuperRef, name: str, node: ast.AST) -> Lowered:
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
            return Static(no_init)  # object.__init__: nothing to do
        raise UnsupportedSyntaxError(f"super() has no attribute '{name}' here",
                                     self.core.loc_for(node), "check the base classes")

    def class_attribute(self, cls: type, attr: Any, receiver: Lowered, node: ast.AST,
                        owner: type | None = None) -> Lowered:
        """The attribute `attr` of `cls`, as read through `receiver`."""
        if isinstance(attr, staticmethod):
            return Static(attr.__func__)
        if isinstance(attr, classmethod):
            return BoundMethod(attr.__func__, Static(cls))
        if isinstance(attr, property):
            return self.inliner.inline_callable(attr.fget, [receiver], {}, node, owner)
        if isinstance(attr, types.FunctionType):
            return BoundMethod(attr, receiver, owner)
        if callable(attr) or isinstance(attr, type):
            return Static(attr)
        return Const(attr)

    # ------------------------------------------------------------------ calls
    def call_special(self, obj: Struct, name: str, args: list[Lowered],
                     node: ast.AST) -> Lowered:
        """`obj.name(*args)` for a special method Python calls itself (`__enter__` and
        `__exit__` of a `with` block), inlined."""
        cls = obj.cls
        method = inspect.getattr_static(cls, name, None) if cls is not None else None
        if not (isinstance(method, types.FunctionType) and is_user_function(method)):
            raise UnsupportedSyntaxError(
                f"{obj.describe()} has no {name} method srcad can read", self.core.loc_for(node),
                "use a context manager whose class defines __enter__ and __exit__ in Python")
        assert cls is not None  # a method was found in it
        self.capture_class_attr(cls, name)
        return self.inliner.inline_callable(method, [obj] + args, {}, node, _owner(cls, name))

    def call_instance(self, obj: Any, args: list[Lowered], kwargs: dict[str, Lowered],
                      node: ast.Call) -> Lowered | None:
        """A call of a constant object whose class has a user `__call__`; None for
        other objects."""
        call = type(obj).__dict__.get("__call__")
        if not (is_plain_object(obj) and is_user_function(call)):
            return None
        self.capture_class_attr(type(obj), "__call__")
        return self.inliner.inline_callable(type(obj).__call__, [Const(obj)] + args, kwargs,
                                            node)

    def operator(self, op: type, operands: list[Lowered], node: ast.AST) -> Lowered | None:
        """`a + b`, `a * b`, `-a`, ... where an operand is an object whose class defines
        the operator (`__add__`, then the other operand's `__radd__`): the method,
        inlined. None where no operand is such an object."""
        names = _OPERATOR_METHODS.get(op)
        if names is None:
            return None
        orders: list[tuple[Lowered, list[Lowered], str]]
        if len(operands) == 1:
            orders = [(operands[0], [], names[0])]
        else:
            left, right = operands
            orders = [(left, [right], names[0]), (right, [left], names[1])]
        for receiver, others, name in orders:
            cls = receiver.cls if isinstance(receiver, Struct) else \
                type(receiver.value) if isinstance(receiver, Const) and \
                is_plain_object(receiver.value) else None
            if cls is None or not is_user_class(cls):
                continue
            owner = _owner(cls, name)
            if owner is None or owner is object:
                continue
            self.capture_class_attr(cls, name)
            method = owner.__dict__[name]
            if not is_user_function(method):
                continue
            result = self.inliner.inline_callable(method, [receiver] + others, {}, node,
                                                  owner)
            if isinstance(result, Const) and result.value is NotImplemented:
                continue
            return result
        return None

    # ------------------------------------------------------------------ protocols
    def dunder(self, struct: Struct, name: str, args: list[Lowered], node: ast.AST,
               what: str, hint: str) -> Lowered:
        """`len(obj)`, `obj[k]`, `obj[k] = v` on an object of a user class or a
        dataclass: its class's `name` method (`__len__`, ...), inlined; refused (`what`,
        `hint`) where the class defines none, as Python raises there."""
        cls = struct.cls
        assert cls is not None  # (an object's class)
        owner = _owner(cls, name)
        method = owner.__dict__[name] if owner not in (None, object) else None
        if method is None or not is_user_function(method):
            raise UnsupportedSyntaxError(f"{struct.describe()} {what}", self.core.loc_for(node),
                                         hint)
        self.capture_class_attr(cls, name)
        return self.inliner.inline_callable(method, [struct] + args, {}, node, owner)

    def refuse_iteration(self, struct: Struct, node: ast.AST) -> None:
        """A loop, unpacking, list() or sum() over an object: Python runs its class's
        `__iter__` (a generator, which srcad does not transform) or raises."""
        assert struct.cls is not None
        if _owner(struct.cls, "__iter__") not in (None, object):
            raise UnsupportedSyntaxError(
                f"iterating over {struct.describe()} runs its __iter__, which srcad does "
                "not transform", self.core.loc_for(node),
                "iterate over the list or array the object holds (for v in obj.items)")
        raise UnsupportedSyntaxError(f"{struct.describe()} is not iterable",
                                     self.core.loc_for(node),
                                     "iterate over one of its attributes")

    def set_attribute(self, struct: Struct, name: str, value: Lowered,
                      node: ast.AST) -> bool:
        """`obj.name = value` where the class decides what that does: a property's setter
        (inlined; True), or refused (read-only properties, other descriptors, a custom
        `__setattr__`, namedtuples and frozen dataclasses, where Python raises or runs
        code). False for an ordinary attribute."""
        cls = struct.cls
        assert cls is not None
        loc = self.core.loc_for(node)
        if is_namedtuple_class(cls):
            raise UnsupportedSyntaxError(
                f"cannot set the attribute '{name}' of {struct.describe()} (a namedtuple's "
                "fields are read-only)", loc, f"make a new one: obj = obj._replace({name}=...)")
        params = getattr(cls, "__dataclass_params__", None)
        if params is not None and params.frozen:
            raise UnsupportedSyntaxError(
                f"cannot set the attribute '{name}' of {struct.describe()} (a frozen "
                "dataclass)", loc, f"make a new one: dataclasses.replace(obj, {name}=...)")
        if _owner(cls, "__setattr__") not in (None, object):
            raise UnsupportedSyntaxError(
                f"{struct.describe()} defines __setattr__: srcad does not run it when an "
                "attribute is set", loc, "set the attributes in a method instead")
        try:
            attr = inspect.getattr_static(cls, name)
        except AttributeError:
            return False
        if not hasattr(type(attr), "__set__"):
            return False  # (a method or class attribute: the instance's own hides it)
        if isinstance(attr, property) and is_user_function(attr.fset):
            self.capture_class_attr(cls, name)
            self.inliner.inline_callable(attr.fset, [struct, value], {}, node,
                                         _owner(cls, name))
            return True
        what = "a read-only property" if isinstance(attr, property) else \
            f"a {type(attr).__name__} descriptor"
        raise UnsupportedSyntaxError(
            f"cannot set the attribute '{name}' of {struct.describe()}: it is {what}", loc,
            "set the attribute the property reads, or give the property a setter")

    def replace(self, args: list[Lowered], kwargs: dict[str, Lowered],
                node: ast.Call) -> Struct | None:
        """`dataclasses.replace(obj, field=value, ...)`: a new object built from the
        old one's init fields and the changes; None where `obj` is no dataclass handle."""
        if len(args) != 1 or not isinstance(args[0], Struct) or \
                not dataclasses.is_dataclass(args[0].cls):
            return None
        old = args[0]
        cls = old.cls
        assert isinstance(cls, type)
        values = {f.name: self.containers.get(old, f.name, node)
                  for f in dataclasses.fields(cls) if f.init}
        values.update(kwargs)
        return self.construct(cls, [], values, node)

    def construct(self, cls: type, args: list[Lowered], kwargs: dict[str, Lowered],
                  node: ast.Call) -> Struct | None:
        """`Cls(...)` for a namedtuple, a dataclass or a user class; None for others."""
        loc_for = self.core.loc_for
        if is_namedtuple_class(cls):
            try:
                bound = _namedtuple_signature(cls).bind(*args, **kwargs)
            except TypeError as exc:
                raise UnsupportedSyntaxError(f"{cls.__name__}(...): {exc}", loc_for(node),
                                             "pass one value per field") from None
            bound.apply_defaults()
            items = [(f, _as_value(v)) for f, v in bound.arguments.items()]
            return self.containers.new("object", items, cls, cls.__name__.lower())
        if dataclasses.is_dataclass(cls):
            return self._construct_dataclass(cls, args, kwargs, node)
        if not is_user_class(cls):
            return None
        self.capture_class_attr(cls, "__init__")
        owner = _owner(cls, "__init__")
        obj = self.containers.new("object", [], cls, cls.__name__.lower())
        if owner is object:
            if args or kwargs:
                raise UnsupportedSyntaxError(f"{cls.__name__}() takes no arguments",
                                             loc_for(node), "define __init__")
            return obj
        init = owner.__dict__["__init__"] if owner is not None else None
        if not is_user_function(init):
            return None
        self.inliner.inline_callable(init, [obj] + list(args), kwargs, node, owner)
        return obj

    def _construct_dataclass(self, cls: type, args: list[Lowered],
                             kwargs: dict[str, Lowered], node: ast.Call) -> Struct:
        loc_for = self.core.loc_for
        fields = [f for f in dataclasses.fields(cls) if f.init]
        factory = object()  # (stands for a default made by a default_factory)
        params = [inspect.Parameter(
            f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=f.default if f.default is not dataclasses.MISSING else
            factory if f.default_factory is not dataclasses.MISSING else
            inspect.Parameter.empty) for f in fields]
        try:
            bound = inspect.Signature(params).bind(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise UnsupportedSyntaxError(f"{cls.__name__}(...): {exc}", loc_for(node),
                                         "pass one value per field") from None
        bound.apply_defaults()
        by_name = {f.name: f for f in dataclasses.fields(cls)}
        items = [(name, self._made_default(by_name[name], node) if v is factory
                  else _as_value(v)) for name, v in bound.arguments.items()]
        for f in dataclasses.fields(cls):
            if not f.init and f.default is not dataclasses.MISSING:
                items.append((f.name, _as_value(f.default)))
            elif not f.init and f.default_factory is not dataclasses.MISSING:
                items.append((f.name, self._made_default(f, node)))
        obj = self.containers.new("object", items, cls, cls.__name__.lower())
        owner = _owner(cls, "__post_init__")
        if owner is not None:
            self.capture_class_attr(cls, "__post_init__")
            self.inliner.inline_callable(owner.__dict__["__post_init__"], [obj], {}, node,
                                         owner)
        missing = [f.name for f in dataclasses.fields(cls) if f.name not in obj.keys]
        if missing:
            raise UnsupportedSyntaxError(
                f"{cls.__name__}(...) leaves the field '{missing[0]}' (init=False) unset",
                loc_for(node), "give it a default, or set it in __post_init__")
        return obj

    def _made_default(self, f: dataclasses.Field, node: ast.Call) -> Lowered:
        """The value a field's `default_factory` makes for a new object: a new list or
        dict for `list` / `dict`, a call of the factory otherwise."""
        make = f.default_factory
        if make is list or make is dict:
            return self.containers.new("list" if make is list else "dict", [],
                                       name=f.name)
        return self.core.b.call(make, [], loc=self.core.loc_for(node), name=f.name)


# The methods that implement each operator (the reflected one second).
_OPERATOR_METHODS: dict[type, tuple[str, ...]] = {
    ast.Add: ("__add__", "__radd__"), ast.Sub: ("__sub__", "__rsub__"),
    ast.Mult: ("__mul__", "__rmul__"), ast.Div: ("__truediv__", "__rtruediv__"),
    ast.FloorDiv: ("__floordiv__", "__rfloordiv__"), ast.Mod: ("__mod__", "__rmod__"),
    ast.Pow: ("__pow__", "__rpow__"), ast.MatMult: ("__matmul__", "__rmatmul__"),
    ast.USub: ("__neg__",), ast.UAdd: ("__pos__",),
}


def _owner(cls: type, name: str) -> type | None:
    """The class in `cls`'s MRO that defines `name`."""
    return next((c for c in getattr(cls, "__mro__", ()) if name in c.__dict__), None)


def _as_value(v: Any) -> Lowered:
    return v if isinstance(v, (Var, Const, Handle, Static)) else Const(v)


def _namedtuple_signature(cls: Any) -> inspect.Signature:
    defaults = getattr(cls, "_field_defaults", {})
    return inspect.Signature([
        inspect.Parameter(f, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=defaults.get(f, inspect.Parameter.empty))
        for f in cls._fields])
