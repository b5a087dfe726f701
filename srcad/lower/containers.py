"""Containers resolved while transforming: dicts, lists, tuples and objects as `Struct`
handles whose items are separate values (`params["W"]`, `len(layers)`, `d.items()`)."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from srcad import runtime
from srcad.errors import UnsupportedSyntaxError
from srcad.ir.handles import Lowered, Static, Struct
from srcad.ir.nodes import Const, Operand
from srcad.lower.classes import is_namedtuple_class
from srcad.lower.context import LoweringContext

MAX_UNROLL = 256  # items of a container a loop is unrolled over

# the Python type of a container handle without a class of its own
CONTAINER_TYPES: dict[str, type] = {"dict": dict, "list": list, "tuple": tuple}


class Containers:
    """Builds container handles and reads, writes and converts their items.

    Parameters
    ----------
    core : LoweringContext
        The lowering the containers belong to.
    """

    def __init__(self, core: LoweringContext):
        self.core = core

    # ------------------------------------------------------------------ items
    def new(self, kind: str, items: list[tuple[Any, Lowered]], cls: type | None = None,
            name: str = "items") -> Struct:
        """A container the function builds: `items` are (key, value) pairs."""
        b = self.core.b
        struct = Struct(kind, [k for k, _ in items], cls, name, mutable=True, region=b.block)
        for k, v in items:
            b.write(struct.item_key(k), v)
        return struct

    def get(self, struct: Struct, key: Any, node: ast.AST) -> Lowered:
        """The item `key` of `struct`, refused if it has none (on this path)."""
        core = self.core
        if key not in struct.keys:
            what = "attribute" if struct.kind == "object" else "key"
            raise UnsupportedSyntaxError(
                f"{struct.describe()} has no {what} {key!r} here", core.loc_for(node),
                f"its {what}s are {struct.keys}")
        value = core.b.read(struct.item_key(key))
        if value is None:
            raise UnsupportedSyntaxError(
                f"item {key!r} of {struct.describe()} is not set on every path here",
                core.loc_for(node), "set it before the branch or loop")
        core.check_handle(value, node)
        return value

    def set(self, struct: Struct, key: Any, value: Lowered, node: ast.AST) -> None:
        """`struct[key] = value` (or `struct.key = value`) while transforming."""
        core = self.core
        if not struct.mutable:
            raise UnsupportedSyntaxError(
                f"cannot assign into {struct.describe()} the caller passed in: the "
                "caller's object would change", core.loc_for(node),
                "build a new container (e.g. new = dict(d); new['k'] = v) or return the "
                "new value")
        if key not in struct.keys:
            if struct.region is not core.b.block:
                raise UnsupportedSyntaxError(
                    f"cannot add the new key {key!r} to {struct.describe()} inside a "
                    "branch or loop (it would exist on some paths only)", core.loc_for(node),
                    "give the container all its keys where it is created")
            struct.keys.append(key)
        core.b.write(struct.item_key(key), value)

    def static_key(self, node: ast.expr, struct: Struct) -> Any:
        """The key `node` names in `struct`; None for a position computed at run time."""
        core = self.core
        lowered = core.expr(node)
        if isinstance(lowered, Static):
            lowered = Const(lowered.value)
        if not isinstance(lowered, Const):
            if struct.kind in ("tuple", "list") or is_namedtuple_class(struct.cls):
                return None  # a computed index: read from the run-time sequence
            raise UnsupportedSyntaxError(
                f"a key of {struct.describe()} computed at run time", core.loc_for(node),
                "use constant keys (d['W']); srcad resolves them while transforming")
        key = lowered.value
        if struct.kind != "dict" and isinstance(key, int) and not isinstance(key, bool):
            n = len(struct.keys)
            if not -n <= key < n:
                raise UnsupportedSyntaxError(f"index {key} is out of range for "
                                             f"{struct.describe()} of length {n}",
                                             core.loc_for(node), "check the index")
            return struct.keys[key % n]
        return key

    def subscript(self, struct: Struct, node: ast.Subscript) -> Lowered:
        """`struct[key]` or `struct[i:j]`."""
        core = self.core
        if isinstance(node.slice, ast.Slice) and struct.kind in ("tuple", "list"):
            part = core.value(node.slice)
            if isinstance(part, Const):
                keys = struct.keys[part.value]
                return self.new(struct.kind, [
                    (i, self.get(struct, k, node)) for i, k in enumerate(keys)],
                    name=struct.name)
        key = self.static_key(node.slice, struct)
        if key is None:
            base = self.materialize(struct, node)
            return core.b.call(operator.getitem, [base, core.value(node.slice)],
                               loc=core.loc_for(node), name=f"{struct.name}_item")
        return self.get(struct, key, node)

    def assign_into(self, struct: Struct, target: ast.Subscript | ast.Attribute,
                    value: Lowered) -> None:
        """`struct[key] = value` or `struct.attr = value` written in the function."""
        if isinstance(target, ast.Subscript):
            key = self.static_key(target.slice, struct)
            if key is None:
                raise UnsupportedSyntaxError(
                    f"assignment into {struct.describe()} at a computed position",
                    self.core.loc_for(target), "use a constant index, or a NumPy array")
        else:
            key = target.attr
        self.set(struct, key, value, target)

    def unpack(self, struct: Struct, target: ast.Tuple | ast.List) -> None:
        """`a, b = struct`."""
        if len(struct.keys) != len(target.elts):
            raise UnsupportedSyntaxError(
                f"cannot unpack {struct.describe()} of length {len(struct.keys)} into "
                f"{len(target.elts)} names", self.core.loc_for(target), "match the counts")
        for key, elt in zip(struct.keys, target.elts):
            self.core.assign(elt, self.get(struct, key, target), None)

    # ------------------------------------------------------------------ as values
    def materialize(self, struct: Struct, node: ast.AST) -> Operand:
        """A tuple or list handle as a run-time tuple or list of its items."""
        core = self.core
        if struct.kind not in ("tuple", "list") and not is_namedtuple_class(struct.cls):
            raise UnsupportedSyntaxError(
                f"{struct.describe()} cannot be used as a single run-time value here",
                core.loc_for(node),
                "use its items (d['key'], obj.attr) where a value is needed; containers "
                "are resolved while srcad transforms the function")
        items = [core.operand(self.get(struct, k, node), node) for k in struct.keys]
        fn = runtime.make_list if struct.kind == "list" else runtime.make_tuple
        if fn is runtime.make_tuple and all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items if isinstance(i, Const)))
        return core.b.call(fn, items, loc=core.loc_for(node), name=struct.name)

    def items(self, struct: Struct, node: ast.AST) -> list[Lowered]:
        """The items a loop over `struct` visits (the keys of a dict)."""
        if len(struct.keys) > MAX_UNROLL:
            raise UnsupportedSyntaxError(
                f"a loop over {struct.describe()} of {len(struct.keys)} items would be "
                f"unrolled (more than {MAX_UNROLL})", self.core.loc_for(node),
                "keep long sequences in a NumPy array or a list of numbers")
        if struct.kind == "dict":
            return [Const(k) for k in struct.keys]
        return [self.get(struct, k, node) for k in struct.keys]

    # ------------------------------------------------------------------ displays
    def dict_display(self, node: ast.Dict) -> Struct:
        """`{"W": w, **other}` with keys known while transforming."""
        core = self.core
        items: list[tuple[Any, Lowered]] = []
        for k, v in zip(node.keys, node.values):
            if k is None:  # {**other}
                other = core.expr(v)
                if not isinstance(other, Struct) or other.kind != "dict":
                    raise core.unsupported(v, "'**' of something that is not a dict here",
                                           "list the keys one by one")
                items += [(key, self.get(other, key, v)) for key in other.keys]
                continue
            key = core.expr(k)
            if not isinstance(key, Const):
                raise UnsupportedSyntaxError(
                    "dict keys computed at run time", core.loc_for(k),
                    "use constant keys; srcad resolves them while transforming")
            items = [(a, b) for a, b in items if a != key.value]
            items.append((key.value, core.call_argument(v)))
        return self.new("dict", items, name="d")

    # ------------------------------------------------------------------ calls
    def call_method(self, struct: Struct, name: str, args: list[Lowered],
                    kwargs: dict[str, Lowered], node: ast.Call) -> Lowered:
        """`d.items()`, `d.get(k)`, `d.update(e)`, `xs.append(v)`... on a container."""
        loc_for = self.core.loc_for
        if struct.kind == "dict":
            if name in ("items", "keys", "values") and not args:
                pairs: list[Lowered] = []
                for k in struct.keys:
                    v = self.get(struct, k, node)
                    item = {"keys": Const(k), "values": v}.get(name)
                    if item is None:
                        item = self.new("tuple", [(0, Const(k)), (1, v)], name="pair")
                    pairs.append(item)
                return self.new("list", list(enumerate(pairs)), name=struct.name)
            if name == "get" and args:
                key = args[0]
                if not isinstance(key, Const):
                    raise UnsupportedSyntaxError("dict.get() with a key computed at run time",
                                                 loc_for(node), "use a constant key")
                if key.value in struct.keys:
                    return self.get(struct, key.value, node)
                return args[1] if len(args) > 1 else Const(None)
            if name == "copy" and not args:
                return self.new("dict", [(k, self.get(struct, k, node)) for k in struct.keys],
                                name=struct.name)
            if name == "update" and len(args) == 1 and isinstance(args[0], Struct):
                other = args[0]
                for k in other.keys:
                    self.set(struct, k, self.get(other, k, node), node)
                return Const(None)
        if struct.kind == "list" and name == "append" and len(args) == 1:
            self.set(struct, len(struct.keys), args[0], node)
            return Const(None)
        if struct.kind == "list" and name == "extend" and len(args) == 1 and \
                isinstance(args[0], Struct):
            for item in self.items(args[0], node):
                self.set(struct, len(struct.keys), item, node)
            return Const(None)
        if name == "copy" and not args and struct.kind == "list":
            return self.new("list", [(i, self.get(struct, k, node))
                                     for i, k in enumerate(struct.keys)])
        raise UnsupportedSyntaxError(
            f"the method '{name}' of {struct.describe()} is not supported here",
            loc_for(node), "use indexing, .items(), .keys(), .values(), .get() or a loop")

    def call_builtin(self, fn: Callable[..., Any], args: list[Lowered],
                     kwargs: dict[str, Lowered], node: ast.Call) -> Lowered:
        """`len`, `isinstance`, `type`, `list`, `tuple`, `dict`, `sum`... whose first
        argument is a container."""
        core = self.core
        struct = args[0]
        if isinstance(struct, Struct):
            if fn is len and len(args) == 1:
                return Const(len(struct.keys))
            if fn is isinstance and len(args) == 2:
                cls = struct.cls or CONTAINER_TYPES[struct.kind]
                spec: Any = args[1]
                return Const(issubclass(cls, spec.value if isinstance(spec, (Static, Const))
                                        else spec))
            if fn is type and len(args) == 1:
                return Static(struct.cls or CONTAINER_TYPES[struct.kind])
            if fn in (list, tuple) and len(args) == 1:
                items = self.items(struct, node)
                return self.new("list" if fn is list else "tuple", list(enumerate(items)),
                                name=struct.name)
            if fn is dict and len(args) == 1 and struct.kind == "dict":
                return self.new("dict", [(k, self.get(struct, k, node)) for k in struct.keys],
                                name=struct.name)
            if fn is sum and struct.kind in ("list", "tuple"):
                addends = [core.operand(self.get(struct, k, node), node)
                           for k in struct.keys]
                total = core.operand(args[1], node) if len(args) > 1 else \
                    core.operand(kwargs.get("start", Const(0)), node)
                for item in addends:
                    total = core.b.call(operator.add, [total, item], loc=core.loc_for(node),
                                        name="total")
                return total
        operands = [core.operand(a, node) for a in args]
        return core.b.call(fn, operands, {k: core.operand(v, node) for k, v in kwargs.items()},
                           loc=core.loc_for(node), name=getattr(fn, "__name__", "t"))

