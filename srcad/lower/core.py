"""The core of the lowering: statements and expressions to SSA IR.

Each Python expression becomes a sequence of `Call` statements, one primitive each;
variables become SSA values through `Builder`; `if`, `for` and `while` become
structured regions. What is resolved while transforming (containers, objects, local
functions) and the less common syntax go to collaborators, each with one job.
Anything not supported is refused with a located error.
"""

from __future__ import annotations

import ast
import importlib
import operator
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from srcad import runtime
from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.frontend.scopes import display_name
from srcad.frontend.source import MISSING
from srcad.ir.builder import Builder
from srcad.ir.handles import Ambiguous, Handle, LocalFunction, Lowered, Static, Struct
from srcad.ir.nodes import Const, Operand, Var
from srcad.lower.calls import Calls
from srcad.lower.comprehensions import Comprehensions
from srcad.lower.conditions import Conditions
from srcad.lower.constructors import Constructors
from srcad.lower.containers import Containers
from srcad.lower.context import LoweringContext, Session, known_value
from srcad.lower.folding import fold
from srcad.lower.fstrings import FStrings
from srcad.lower.hooks import GradientHooks
from srcad.lower.inlining import Inliner
from srcad.lower.item_updates import ItemUpdates
from srcad.lower.iteration import StaticIteration
from srcad.lower.lists import Lists, is_list_expr
from srcad.lower.loops import Loops
from srcad.lower.mutation import Verdict
from srcad.lower.objects import Objects
from srcad.lower.syntax_tables import (
    BINOPS,
    OP_HINTS,
    UNARYOPS,
    UNSUPPORTED_EXPRS,
    UNSUPPORTED_STMTS,
)
from srcad.lower.with_blocks import WithBlocks
from srcad.rules.registry import Attribute
from srcad.runtime import python as pyrt

# np.r_ and np.c_: their subscripts are calls (`Calls.index_concatenation`).
INDEX_JOINS = (np.r_, np.c_)

# what a constant array's layout attributes are (known while transforming)
_LAYOUT = ("shape", "size", "ndim", "dtype")

# Set on an expression node whose value is a new SSA value (not a variable's): the
# variable assigned from it may take over its name.
_FRESH = "_srcad_fresh"


class Lowerer:
    """Lowers statements into a `Builder`.

    Parameters
    ----------
    builder : Builder
        Where statements go.
    resolve : callable
        Maps a free name to the object it refers to (or MISSING).
    loc_for : callable
        Maps an AST node to its SourceLoc.
    local_names : set
        Names that are local to the function being lowered.
    mutations : dict, optional
        Local name -> `Verdict` on whether it may be changed in place.
    session : Session, optional
        Shared with the lowering of the enclosing function, when inlining.
    method_owner : tuple, optional
        (class, receiver) when lowering a method (what `super()` means).
    params : set, optional
        The names of the function's parameters.
    """

    def __init__(self, builder: Builder, resolve: Callable[[str], Any],
                 loc_for: Callable[[ast.AST], SourceLoc | None], local_names: set[str],
                 mutations: dict[str, Verdict] | None = None, session: Session | None = None,
                 method_owner: tuple[type, Lowered] | None = None,
                 params: set[str] | None = None):
        self.b = builder
        self.resolve = resolve
        self.loc_for = loc_for
        self.local_names = local_names
        self.mutations = mutations or {}
        self.session = session if session is not None else Session()
        self.method_owner = method_owner
        self.params = params or set()
        self.containers = Containers(self)
        self.inliner = Inliner(self, self.containers)
        self.objects = Objects(self, self.containers, self.inliner)
        self.iteration = StaticIteration(self, self.containers)
        self.loops = Loops(self, self.containers, self.iteration)
        self.lists = Lists(self, self.containers)
        self.comprehensions = Comprehensions(self, self.containers, self.iteration)
        self.calls = Calls(self, self.containers, self.objects, self.inliner, self.lists,
                           Constructors(self, self.containers, self.comprehensions))
        self.conditions = Conditions(self)
        self.fstrings = FStrings(self)
        self.item_updates = ItemUpdates(self, self.containers)
        self.with_blocks = WithBlocks(self, GradientHooks(self), self.objects)

    def child(self, resolve: Callable[[str], Any], loc_for: Callable[[ast.AST], SourceLoc | None],
              local_names: set[str], mutations: dict[str, Verdict],
              method_owner: tuple[type, Lowered] | None) -> LoweringContext:
        """A lowering into the same builder and session, of an inlined function."""
        return Lowerer(self.b, resolve, loc_for, local_names, mutations, self.session,
                       method_owner)

    def unsupported(self, node: ast.AST, what: str, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(f"{what} are not supported", self.loc_for(node), hint)

    # ------------------------------------------------------------------ statements
    def block(self, stmts: list[ast.stmt]) -> None:
        for s in stmts:
            self.stmt(s)

    def stmt(self, s: ast.stmt) -> None:
        for prologue in getattr(s, "srcad_prologue", ()) or ():
            self.stmt(prologue)
        kind = type(s)
        if kind in UNSUPPORTED_STMTS:
            what, hint = UNSUPPORTED_STMTS[kind]
            raise self.unsupported(s, what, hint)
        if isinstance(s, ast.Assign):
            value = self._expr_or_handle(s.value)
            for target in s.targets:
                self.assign(target, value, s.value)
        elif isinstance(s, ast.AugAssign):
            self._aug_assign(s)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.assign(s.target, self._expr_or_handle(s.value), s.value)
        elif isinstance(s, ast.Expr):
            if not isinstance(s.value, ast.Constant):
                self.expr(s.value)
        elif isinstance(s, ast.Pass):
            return
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            self._import(s)
        elif isinstance(s, ast.If):
            cond = self.expr_value(s.test)
            if isinstance(cond, Const) and type(cond.value) in (bool, int, type(None)):
                # known while transforming (`isinstance(other, Poly)`, a flag): only the
                # branch taken is transformed; the other may not even make sense here
                self.block(s.body if cond.value else s.orelse)
                return
            self.b.build_if(cond, lambda: self.block(s.body), lambda: self.block(s.orelse),
                            loc=self.loc_for(s))
        elif isinstance(s, ast.For):
            self.loops.for_stmt(s)
        elif isinstance(s, ast.While):
            self.loops.while_stmt(s)
        elif isinstance(s, ast.FunctionDef):
            if s.decorator_list:
                raise self.unsupported(s.decorator_list[0], "decorators on local functions",
                                       "remove the decorator or define the function at "
                                       "module level")
            self.b.write(s.name, self._local_function(s))
        elif isinstance(s, ast.Assert):
            cond = self.expr_value(s.test)
            args = [cond] + ([self.expr_value(s.msg)] if s.msg is not None else [])
            self.b.effect(pyrt.check_assertion, args, loc=self.loc_for(s))
        elif isinstance(s, ast.Raise):
            if s.exc is None:
                raise self.unsupported(s, "bare 'raise' statements",
                                       "raise a specific exception")
            self.b.effect(pyrt.raise_error, [self.expr_value(s.exc)], loc=self.loc_for(s))
        elif isinstance(s, ast.With):
            self.with_blocks.with_stmt(s, s.items)
        elif isinstance(s, (ast.Return, ast.Break, ast.Continue)):
            raise AssertionError("return/break/continue must be normalized before lowering")
        else:
            raise self.unsupported(s, f"'{type(s).__name__}' statements",
                                   "rewrite it with assignments, if, for and while")

    def _aug_assign(self, s: ast.AugAssign) -> None:
        """`x += v`; for a variable that may share its memory with another, checked at
        run time (NumPy's `+=` would change both)."""
        op = BINOPS[type(s.op)]
        target = s.target
        loc = self.loc_for(s)
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            current = self.value(target)
            value = self.expr_value(s.value)
            self.item_updates.check(target, current, loc)
            updated = self.b.call(op, [current, value], loc=loc, name=OP_HINTS.get(op, "t"))
            self.assign(target, updated, None)
            return
        assert isinstance(target, ast.Name)
        current = self.operand(self.load_name(target), target)
        value = self.expr_value(s.value)
        verdict = self.mutations.get(target.id)
        if verdict is not None and not verdict.allows(target):
            assert loc is not None  # user code (rule templates change no variables)
            where = Const((loc.filename, loc.line, loc.col, loc.function))
            name = Const(display_name(target.id))
            if verdict.aliases:
                # the objection is other variables assigned from it that may still be
                # read: check whether their current values really share its memory
                held = [v for v in (self.b.read(a) for a in verdict.holders(target))
                        if isinstance(v, Var)]
                if held:
                    self.b.effect(pyrt.check_not_shared, [current, name, where, *held],
                                  loc=loc)
            else:
                self.b.effect(pyrt.check_unshared,
                              [current, name, Const(verdict.reason), where], loc=loc)
        result = self.b.call(op, [current, value], loc=loc, name=target.id)
        result.keep = True
        self.b.write(target.id, result)

    def _import(self, s: ast.Import | ast.ImportFrom) -> None:
        """`import m`, `import m as n`, `from m import f`: the names are bound while
        transforming, to the module or the object imported."""
        for alias in s.names:
            try:
                if isinstance(s, ast.ImportFrom):
                    if s.level or alias.name == "*" or s.module is None:
                        raise self.unsupported(s, "relative and star imports",
                                               "import the names by their module's full name")
                    module = importlib.import_module(s.module)
                    value = getattr(module, alias.name, None)
                    if value is None:
                        value = importlib.import_module(f"{s.module}.{alias.name}")
                    name = alias.asname or alias.name
                elif alias.asname:
                    value, name = importlib.import_module(alias.name), alias.asname
                else:
                    importlib.import_module(alias.name)
                    name = alias.name.split(".")[0]
                    value = importlib.import_module(name)
            except ImportError as exc:
                raise UnsupportedSyntaxError(f"cannot import '{alias.name}': {exc}",
                                             self.loc_for(s), "check the module name") from None
            self.b.write(name, Static(value) if callable(value) or
                         isinstance(value, types.ModuleType) else Const(value))

    def assign(self, target: ast.expr, value: Lowered, value_node: ast.AST | None) -> None:
        if isinstance(target, ast.Name) and isinstance(value, (Handle, Static)):
            self.b.write(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value)
        elif isinstance(target, (ast.Subscript, ast.Attribute)) and \
                isinstance(owner := self.container_of(target), Struct):
            self.containers.assign_into(owner, target, value)
        elif isinstance(target, ast.Subscript):
            self._assign_item(target, self.operand(value, target))
        elif isinstance(value, (Handle, Static)):
            self.assign(target, self.operand(value, target), value_node)
        elif isinstance(target, ast.Name):
            if isinstance(value, Var) and value_node is not None and \
                    getattr(value_node, _FRESH, False):
                value.name = hint_for(target.id)
                value.keep = not target.id.startswith(".")
            self.b.write(target.id, value)
        elif isinstance(target, ast.Attribute):
            raise UnsupportedSyntaxError(
                "cannot assign to an attribute of this object", self.loc_for(target),
                "assign attributes only of objects the function creates (srcad resolves "
                "them while transforming); keep other values in local variables")
        else:
            raise self.unsupported(target, f"assignments to {type(target).__name__}",
                                   "assign to a plain variable name")

    def _unpack(self, target: ast.Tuple | ast.List, value: Lowered) -> None:
        """`a, b = value` and `first, *rest = value` (`rest` is a list)."""
        elts = target.elts
        star = next((i for i, e in enumerate(elts) if isinstance(e, ast.Starred)), None)
        items = self.containers.items(value, target) if isinstance(value, Struct) else \
            self.containers.sequence_items(value, target)
        if items is None:
            self._unpack_at_run_time(target, self.operand(value, target), star)
            return
        if len(items) < len(elts) - (star is not None) or (star is None and
                                                             len(items) > len(elts)):
            raise UnsupportedSyntaxError(
                f"cannot unpack {len(items)} values into {len(elts)} targets",
                self.loc_for(target), "match the number of targets to the values")
        if star is None:
            for elt, item in zip(elts, items):
                self.assign(elt, item, None)
            return
        after = len(elts) - star - 1
        for elt, item in zip(elts[:star], items):
            self.assign(elt, item, None)
        starred = elts[star]
        assert isinstance(starred, ast.Starred)
        rest = self.containers.sequence("list", items[star:len(items) - after], starred,
                                        name=hint_for(getattr(starred.value, "id", "rest")))
        self.assign(starred.value, rest, None)
        for elt, item in zip(elts[star + 1:], items[len(items) - after:]):
            self.assign(elt, item, None)

    def _unpack_at_run_time(self, target: ast.Tuple | ast.List, value: Operand,
                            star: int | None) -> None:
        """Unpacking a sequence whose length only the run time knows: its items read by
        index (the starred target gets a slice, made a list)."""
        elts = target.elts
        loc = self.loc_for(target)
        if star is not None:
            self.b.effect(pyrt.check_unpack, [value, Const(len(elts) - 1)], loc=loc)
        after = len(elts) - star - 1 if star is not None else 0
        for i, elt in enumerate(elts):
            if i == star:
                assert isinstance(elt, ast.Starred)
                part = self.b.call(operator.getitem,
                                   [value, Const(slice(star, -after if after else None))],
                                   loc=loc, name="part")
                rest = self.b.call(pyrt.as_list, [part], loc=loc,
                                   name=hint_for(getattr(elt.value, "id", "rest")))
                self.assign(elt.value, rest, None)
                continue
            index = i if star is None or i < star else i - len(elts)
            item = self.b.call(operator.getitem, [value, Const(index)], loc=self.loc_for(elt),
                               name=elt.id if isinstance(elt, ast.Name) else "item")
            item.keep = isinstance(elt, ast.Name)
            self.assign(elt, item, None)

    def container_of(self, target: ast.Subscript | ast.Attribute) -> Lowered | None:
        """The container handle `target` assigns into, if it is one."""
        base = target.value
        if isinstance(base, ast.Name) and base.id in self.local_names:
            return self.b.read(base.id)
        if isinstance(base, ast.Name) or isinstance(target, ast.Attribute) or \
                isinstance(base, (ast.Subscript, ast.Attribute)):
            try:
                return self.expr(base)
            except UnsupportedSyntaxError:
                return None
        return None

    def _assign_item(self, target: ast.Subscript, value: Operand,
                     site: ast.Subscript | None = None) -> None:
        """`y[index] = value` becomes `y = setitem(y, index, value)`: a new array.
        (`site`: the whole target of `y[i][j] = value`.)"""
        site = site if site is not None else target
        base = target.value
        root = base
        while isinstance(root, ast.Subscript):
            root = root.value
        if not isinstance(root, ast.Name):
            raise self.unsupported(target, "assignments into this kind of target",
                                   "assign into a local array variable")
        verdict = self.mutations.get(root.id)
        loc = self.loc_for(target)
        if verdict is not None and not verdict.allows(site) and verdict.aliases:
            # the only objection: other variables assigned from it, which may still be
            # read: check when the code runs whether they really share its memory now
            held = [v for v in (self.b.read(a) for a in verdict.holders(site))
                    if isinstance(v, Var)]
            assert loc is not None
            where = Const((loc.filename, loc.line, loc.col, loc.function))
            current = self.operand(self.load_name(root), root)
            if held:
                self.b.effect(pyrt.check_write_unshared,
                              [current, Const(display_name(root.id)), where, *held], loc=loc)
        elif verdict is None or not verdict.allows(site):
            reason = verdict.reason if verdict is not None else "it is not a local array"
            raise UnsupportedSyntaxError(
                f"cannot assign into '{root.id}': {reason}", self.loc_for(target),
                f"assign into a new array the function creates, e.g. "
                f"{root.id} = np.copy({root.id}) first (list({root.id}) for a list)")
        index = self._index(target.slice)
        if isinstance(base, ast.Name):
            old = self.operand(self.load_name(base), base)
            new = self.b.call(runtime.setitem, [old, index, value], loc=loc, name=base.id)
            new.keep = True
            self.b.write(base.id, new)
        else:
            assert isinstance(base, ast.Subscript)  # the loop above stopped at a Name
            inner = self.value(base)
            updated = self.b.call(runtime.setitem, [inner, index, value], loc=loc,
                                  name="part")
            self._assign_item(base, updated, site)

    # ------------------------------------------------------------------ expressions
    def expr_value(self, node: ast.expr) -> Operand:
        """Lower an expression that must produce a run-time value."""
        mark = _peek_id()
        value = self.operand(self.expr(node), node)
        if isinstance(value, Var) and value.id > mark:
            setattr(node, _FRESH, True)
        return value

    def _expr_or_handle(self, node: ast.expr) -> Lowered:
        """Like `expr_value`, but containers and functions stay handles."""
        mark = _peek_id()
        value = self.expr(node)
        if isinstance(value, Ambiguous):
            self.check_handle(value, node)
        if isinstance(value, Static) and not callable(value.value):
            value = Const(value.value)
        if isinstance(value, Var) and value.id > mark:
            setattr(node, _FRESH, True)
        return value

    def value(self, node: ast.expr) -> Operand:
        return self.operand(self.expr(node), node)

    def call_argument(self, node: ast.expr) -> Lowered:
        value = self.expr(node)
        self.check_handle(value, node)
        return value

    def expr(self, node: ast.expr) -> Lowered:
        kind = type(node)
        if kind in UNSUPPORTED_EXPRS:
            what, hint = UNSUPPORTED_EXPRS[kind]
            raise self.unsupported(node, what, hint)
        loc = self.loc_for(node)
        if isinstance(node, ast.Constant):
            return Const(node.value)
        if isinstance(node, ast.Name):
            return self.load_name(node)
        if isinstance(node, ast.BinOp):
            op = BINOPS[type(node.op)]
            if op is operator.add and (is_list_expr(node.left) or is_list_expr(node.right)):
                return self.lists.concatenate(node)
            left_expr, right_expr = self.expr(node.left), self.expr(node.right)
            overloaded = self.objects.operator(type(node.op), [left_expr, right_expr], node)
            if overloaded is not None:
                return overloaded  # the operand's class defines the operator
            left = self.operand(left_expr, node.left)
            right = self.operand(right_expr, node.right)
            return fold(op, [left, right]) or \
                self.b.call(op, [left, right], loc=loc, name=OP_HINTS.get(op, "t"))
        if isinstance(node, ast.UnaryOp):
            unary = UNARYOPS[type(node.op)]
            operand_expr = self.expr(node.operand)
            overloaded = self.objects.operator(type(node.op), [operand_expr], node)
            if overloaded is not None:
                return overloaded
            operand = self.operand(operand_expr, node.operand)
            return fold(unary, [operand]) or \
                self.b.call(unary, [operand], loc=loc, name=OP_HINTS.get(unary, "t"))
        if isinstance(node, ast.Compare):
            return self.conditions.compare(node)
        if isinstance(node, ast.BoolOp):
            return self.conditions.boolop(node.op, node.values, loc)
        if isinstance(node, ast.IfExp):
            return self.conditions.ifexp(node)
        if isinstance(node, ast.Call):
            return self.calls.call(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Subscript):
            base = self.expr(node.value)
            if isinstance(base, Struct):
                return self.containers.subscript(base, node)
            if isinstance(base, (Static, Const)) and any(base.value is c for c in INDEX_JOINS):
                return self.calls.index_concatenation(base.value, node)  # np.r_[x, 0.0]
            array = self.operand(base, node.value)
            index = self._index(node.slice)
            held = self.containers.constant_function(array, index)
            if held is not None:
                return held
            part = self.containers.sliced(array, index, node)
            if part is not None:
                return part
            return self.b.call(operator.getitem, [array, index], loc=loc,
                               name=_subscript_hint(node))
        if isinstance(node, (ast.Tuple, ast.List)):
            return self._display(node)
        if isinstance(node, ast.Lambda):
            return self._local_function(node)
        if isinstance(node, ast.Dict):
            return self.containers.dict_display(node)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehensions.comprehension(node)
        if isinstance(node, ast.JoinedStr):
            return self.fstrings.fstring(node)
        if isinstance(node, ast.Slice):
            parts = [self.value(p) if p is not None else Const(None)
                     for p in (node.lower, node.upper, node.step)]
            constants = [p.value for p in parts if isinstance(p, Const)]
            if len(constants) == len(parts):
                return Const(slice(*constants))
            return self.b.call(runtime.make_slice, parts, loc=loc, name="part")
        raise self.unsupported(node, f"'{type(node).__name__}' expressions",
                               "rewrite it with supported operations")

    def _local_function(self, node: ast.FunctionDef | ast.Lambda) -> LocalFunction:
        """A `def` or `lambda`: its default values are evaluated where it is defined."""
        a = node.args
        defaults = [self.expr(d) for d in a.defaults]
        kw_defaults = {p.arg: self.expr(d) for p, d in zip(a.kwonlyargs, a.kw_defaults)
                       if d is not None}
        return LocalFunction(node, self, defaults, kw_defaults)

    def _attribute(self, node: ast.Attribute) -> Lowered:
        base = self.expr(node.value)
        self.check_handle(base, node)
        found = self.objects.attribute(base, node)
        if found is not None:
            return found
        if isinstance(base, Handle):
            raise UnsupportedSyntaxError(f"'{node.attr}' of a function cannot be read",
                                         self.loc_for(node), "call the function instead")
        if isinstance(base, Static):
            return Static(self.objects.static_attribute(base, node))
        if isinstance(base, Const) and isinstance(base.value, np.ndarray) and \
                node.attr in _LAYOUT:
            return Const(getattr(base.value, node.attr))  # `IDX.size` of a constant array
        if isinstance(base, Var) and base in self.session.shapes and node.attr in _LAYOUT:
            # an argument's shape the code is specialized on
            stand_in = np.broadcast_to(np.zeros(()), self.session.shapes[base])
            return Const(getattr(stand_in, node.attr))
        return self.b.call(Attribute(node.attr), [base], loc=self.loc_for(node),
                           name=node.attr)

    def _display(self, node: ast.Tuple | ast.List) -> Lowered:
        """A tuple or list display (`*xs` items unpacked): a run-time value, or a
        container handle when an item is a handle or a function."""
        items: list[Lowered] = []
        for e in node.elts:
            if isinstance(e, ast.Starred):
                items += self.containers.unpacked(self.expr(e.value), e,
                                                  "starred items (*items)")
            else:
                items.append(self.expr(e))
        kind = "tuple" if isinstance(node, ast.Tuple) else "list"
        return self.containers.sequence(kind, items, node)

    def _index(self, node: ast.expr) -> Operand:
        if isinstance(node, ast.Tuple):
            parts = [self._index(e) for e in node.elts]
            constants = [p.value for p in parts if isinstance(p, Const)]
            if len(constants) == len(parts):
                return Const(tuple(constants))
            return self.b.call(runtime.make_tuple, parts, loc=self.loc_for(node), name="index")
        return self.value(node)

    def load_name(self, node: ast.Name) -> Lowered:
        name = node.id
        if name in self.local_names:
            value = self.b.read(name)
            if value is None:
                raise UnsupportedSyntaxError(
                    f"variable '{display_name(name)}' is used before it is assigned",
                    self.loc_for(node), "assign it on every path before this line")
            self.check_handle(value, node)
            return value
        found = self.resolve(name)
        if found is MISSING:
            raise UnsupportedSyntaxError(f"name '{name}' is not defined", self.loc_for(node),
                                         "define it, or import it at module level")
        value = known_value(found)
        return Const(found, name) if isinstance(value, Const) else value

    # ------------------------------------------------------------------ handles
    def operand(self, value: Lowered, node: ast.AST) -> Operand:
        """`value` as a run-time value of the generated code."""
        if isinstance(value, (Var, Const)):
            return value
        if isinstance(value, Static):
            return Const(value.value)
        if isinstance(value, Struct):
            return self.containers.materialize(value, node)
        self.check_handle(value, node)
        what = "a function defined inside the differentiated function" \
            if isinstance(value, LocalFunction) else "a method"
        raise self.unsupported(node, f"uses of {what} other than calling it",
                               "call it directly where it is needed")

    def check_handle(self, value: Lowered | None, node: ast.AST) -> None:
        if isinstance(value, Ambiguous):
            raise UnsupportedSyntaxError(
                f"'{self.b.hint(value.key)}' refers to {value.what} depending on the path "
                "taken", self.loc_for(node),
                "bind the name to one function or container on every path")


def hint_for(key: Any) -> str:
    """The readable stem of the SSA values a builder key holds: a variable's name, or
    `params_W` for the item "W" of a container named params."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], Struct):
        return key[0].hint(key[1])
    return display_name(key) if isinstance(key, str) else str(key)


def _peek_id() -> int:
    """The newest SSA id so far: values created later have larger ids."""
    return Var("peek").id


def _subscript_hint(node: ast.Subscript) -> str:
    base = node.value
    if isinstance(base, ast.Name):
        return f"{base.id}_item"
    return "item"
