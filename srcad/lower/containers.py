"""Containers resolved while transforming: dicts, lists, tuples and objects as `Struct`
handles whose items are separate values (`params["W"]`, `len(layers)`, `d.items()`)."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from srcad import runtime
from srcad.errors import UnsupportedSyntaxError
from srcad.ir.handles import Handle, Lowered, Static, Struct
from srcad.ir.nodes import Const, Operand, Var
from srcad.lower.classes import is_namedtuple_class
from srcad.lower.context import LoweringContext, known_value

MAX_UNROLL = 256  # items of a container a loop is unrolled over

# the Python type of a container handle without a class of its own
CONTAINER_TYPES: dict[str, type] = {"dict": dict, "list": list, "tuple": tuple}


def is_record(struct: Struct) -> bool:
    """An object of a user class or a dataclass (not a namedtuple): its keys are its
    attributes, and indexing, len() and iteration go through its class's methods."""
    return struct.kind == "object" and not is_namedtuple_class(struct.cls)


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
        key = self.hashable(lowered.value, node)
        if struct.kind != "dict" and isinstance(key, int) and not isinstance(key, bool):
            n = len(struct.keys)
            if not -n <= key < n:
                raise UnsupportedSyntaxError(f"index {key} is out of range for "
                                             f"{struct.describe()} of length {n}",
                                             core.loc_for(node), "check the index")
            return struct.keys[key % n]
        return key

    def hashable(self, key: Any, node: ast.AST) -> Any:
        """`key`, refused unless it can be a key or a position (an array cannot, as in
        Python)."""
        try:
            hash(key)
        except TypeError:
            raise UnsupportedSyntaxError(
                f"a key or index of type {type(key).__name__} into a container srcad "
                "resolves while transforming (it is not hashable)", self.core.loc_for(node),
                "use a string, a number or a tuple of them") from None
        return key

    def subscript(self, struct: Struct, node: ast.Subscript) -> Lowered:
        """`struct[key]` or `struct[i:j]`."""
        core = self.core
        if is_record(struct):
            return core.objects.dunder(
                struct, "__getitem__", [core.expr(node.slice)], node,
                "is not subscriptable (its class defines no __getitem__)",
                "read one of its attributes (obj.name)")
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
        if isinstance(target, ast.Subscript) and is_record(struct):
            self.core.objects.dunder(
                struct, "__setitem__", [self.core.expr(target.slice), value], target,
                "does not support item assignment (its class defines no __setitem__)",
                "assign to one of its attributes")
            return
        if isinstance(target, ast.Attribute) and struct.kind == "object" and \
                self.core.objects.set_attribute(struct, target.attr, value, target):
            return
        if isinstance(target, ast.Subscript):
            key = self.static_key(target.slice, struct)
            if key is None:
                raise UnsupportedSyntaxError(
                    f"assignment into {struct.describe()} at a computed position",
                    self.core.loc_for(target), "use a constant index, or a NumPy array")
        else:
            key = target.attr
        self.set(struct, key, value, target)

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
        if is_namedtuple_class(struct.cls):
            # rebuilt as the namedtuple, whose fields the run-time value is read by
            return core.b.call(struct.cls, items, loc=core.loc_for(node), name=struct.name)
        kind = "list" if struct.kind == "list" else "tuple"
        return self.run_time_sequence(kind, items, node, struct.name)

    def run_time_sequence(self, kind: str, items: list[Operand], node: ast.AST,
                          name: str = "items") -> Operand:
        """A run-time tuple or list of `items` (a constant for a tuple of constants),
        whose items stay known for `f(*xs)`, `a, *rest = xs` and `tuple(xs)`."""
        core = self.core
        if kind == "tuple" and all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items if isinstance(i, Const)))
        fn = runtime.make_list if kind == "list" else runtime.make_tuple
        made = core.b.call(fn, items, loc=core.loc_for(node), name=name)
        core.session.sequences[made] = list(items)
        if kind == "list":
            core.session.lists.add(made)
        return made

    def sliced(self, value: Operand, index: Operand, node: ast.AST) -> Operand | None:
        """`xs[i:j]` with a constant slice of a tuple or list whose items are known while
        transforming: again such a sequence (so `f(*xs[1:])` and `a, *b = xs[::2]` work);
        None for anything else."""
        if not (isinstance(index, Const) and isinstance(index.value, slice)):
            return None
        session = self.core.session
        if isinstance(value, Const) and isinstance(value.value, (tuple, list)):
            if isinstance(value.value, tuple):
                return Const(value.value[index.value])
            session.captured.append((value.value, len, len(value.value)))
            return self.run_time_sequence(
                "list", [Const(v) for v in value.value[index.value]], node)
        if isinstance(value, Var) and value in session.sequences:
            kind = "list" if value in session.lists else "tuple"
            return self.run_time_sequence(kind, session.sequences[value][index.value], node)
        return None

    def sequence(self, kind: str, items: list[Lowered], node: ast.AST,
                 name: str = "items") -> Lowered:
        """A tuple or list of `items`: a container handle when one of them is a handle or
        a function, else a run-time value."""
        if any(isinstance(i, Handle) or (isinstance(i, Static) and callable(i.value))
               for i in items):
            return self.new(kind, list(enumerate(items)), name=name)
        return self.run_time_sequence(kind, [self.core.operand(i, node) for i in items],
                                      node, name)

    def sequence_items(self, value: Lowered, node: ast.AST) -> list[Lowered] | None:
        """The items of a tuple or list known while transforming (a container handle, a
        constant, a run-time tuple or list built from known items); None if only the
        run time knows them."""
        if isinstance(value, Struct) and value.kind in ("tuple", "list"):
            return self.items(value, node)
        if isinstance(value, Const) and isinstance(value.value, (tuple, list)) and \
                len(value.value) <= MAX_UNROLL:
            if isinstance(value.value, list):
                self.core.session.captured.append((value.value, len, len(value.value)))
            return [known_value(v) for v in value.value]
        if isinstance(value, Var) and value in self.core.session.sequences:
            return list(self.core.session.sequences[value])
        return None

    def constant_function(self, container: Operand, key: Operand) -> Static | None:
        """`FUNCS[name]`: the function (class, module) a constant dict, list or tuple
        holds under a constant key, resolved while transforming; None for other items
        (numbers and arrays are read at run time)."""
        if not (isinstance(container, Const) and isinstance(key, Const) and
                isinstance(container.value, (dict, list, tuple))):
            return None
        holder = container.value
        try:
            item = holder[key.value]
        except (KeyError, IndexError, TypeError):
            return None  # Python's error, at run time
        found = known_value(item)
        if not isinstance(found, Static):
            return None
        if not isinstance(holder, tuple):  # the cache notices the item replaced later
            self.core.session.captured.append((holder, key.value, item))
        return found

    def unpacked(self, value: Lowered, node: ast.AST, what: str) -> list[Lowered]:
        """The items of `value` for `what` (starred arguments or items), refused where only
        the run time knows how many there are."""
        items = self.sequence_items(value, node)
        shape = self.core.session.shapes.get(value) if isinstance(value, Var) else None
        if items is None and shape and shape[0] <= MAX_UNROLL:
            # an argument array whose shape the code is specialized on: its rows
            assert isinstance(value, Var)
            items = [self.core.b.call(operator.getitem, [value, Const(i)],
                                      loc=self.core.loc_for(node), name="item")
                     for i in range(shape[0])]
        if items is None:
            raise UnsupportedSyntaxError(
                f"{what} of a sequence whose length only the run time knows",
                self.core.loc_for(node),
                "unpack a tuple or list written out in the function (xs = (a, b)), a "
                "module-level constant or a container, or pass the items one by one")
        return items

    def dict_items(self, value: Lowered, node: ast.AST) -> list[tuple[Any, Lowered]] | None:
        """The (key, value) pairs of a dict known while transforming (a dict handle or a
        constant dict); None for anything else."""
        if isinstance(value, Struct) and value.kind == "dict":
            return [(k, self.get(value, k, node)) for k in value.keys]
        if isinstance(value, Const) and isinstance(value.value, dict):
            pairs: list[tuple[Any, Lowered]] = []
            for k, v in value.value.items():
                self.core.session.captured.append((value.value, k, v))
                pairs.append((k, known_value(v)))
            return pairs
        return None

    def keywords(self, value: Lowered, node: ast.AST) -> list[tuple[str, Lowered]]:
        """The keyword arguments `f(**kw)` passes: the items of a dict known while
        transforming."""
        core = self.core
        pairs = self.dict_items(value, node)
        if pairs is None:
            raise core.unsupported(node, "'**' of something other than a dict srcad sees "
                                         "while transforming",
                                   "pass the keyword arguments one by one, or build the "
                                   "dict in the function with constant keys")
        for k, _ in pairs:
            if not isinstance(k, str):
                raise UnsupportedSyntaxError(f"'**' of a dict with the key {k!r}: keywords "
                                             "must be strings", core.loc_for(node),
                                             "use string keys")
        return pairs

    def items(self, struct: Struct, node: ast.AST) -> list[Lowered]:
        """The items a loop over `struct` visits (the keys of a dict)."""
        if is_record(struct):
            self.core.objects.refuse_iteration(struct, node)
        if len(struct.keys) > MAX_UNROLL:
            raise UnsupportedSyntaxError(
                f"a loop over {struct.describe()} of {len(struct.keys)} items would be "
                f"unrolled (more than {MAX_UNROLL})", self.core.loc_for(node),
                "keep long sequences in a NumPy array or a list of numbers")
        if struct.kind == "dict":
            return [Const(k) for k in struct.keys]
        return [self.get(struct, k, node) for k in struct.keys]

    def _namedtuple_method(self, struct: Struct, name: str, args: list[Lowered],
                           kwargs: dict[str, Lowered], node: ast.Call) -> Struct:
        """`nt._replace(field=value, ...)` (a new namedtuple) or `nt._asdict()`."""
        fields = {k: self.get(struct, k, node) for k in struct.keys}
        unknown = sorted(set(kwargs) - set(fields))
        if args or (name == "_asdict" and kwargs) or unknown:
            raise UnsupportedSyntaxError(
                f"{struct.describe()}.{name}(...) with these arguments"
                + (f" (it has no field {unknown[0]!r})" if unknown else ""),
                self.core.loc_for(node),
                "_replace takes the fields to change by keyword; _asdict takes none")
        if name == "_asdict":
            return self.new("dict", list(fields.items()), name=struct.name)
        fields.update(kwargs)
        return self.new("object", list(fields.items()), struct.cls, struct.name)

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
            self.hashable(key.value, k)
            items = [(a, b) for a, b in items if a != key.value]
            items.append((key.value, core.call_argument(v)))
        return self.new("dict", items, name="d")

    # ------------------------------------------------------------------ calls
    def call_method(self, struct: Struct, name: str, args: list[Lowered],
                    kwargs: dict[str, Lowered], node: ast.Call) -> Lowered:
        """`d.items()`, `d.get(k)`, `d.update(e)`, `xs.append(v)`... on a container."""
        loc_for = self.core.loc_for
        if is_namedtuple_class(struct.cls) and name in ("_replace", "_asdict"):
            return self._namedtuple_method(struct, name, args, kwargs, node)
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
                if self.hashable(key.value, node) in struct.keys:
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
                if is_record(struct):
                    return core.objects.dunder(
                        struct, "__len__", [], node,
                        "has no len() (its class defines no __len__)",
                        "take the len() of the sequence it holds")
                return Const(len(struct.keys))
            if fn is isinstance and len(args) == 2:
                cls = struct.cls or CONTAINER_TYPES[struct.kind]
                spec: Any = args[1]
                if isinstance(spec, (Static, Const)):
                    return Const(issubclass(cls, spec.value))
                # classes known only at run time (an argument, a tuple held in a variable)
                return core.b.call(issubclass, [Const(cls), core.operand(spec, node)],
                                   loc=core.loc_for(node), name="isinstance")
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

