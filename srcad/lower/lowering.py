"""Lowering: a function's (normalized) AST to SSA IR.

Each Python expression becomes a sequence of `Call` statements, one primitive each;
variables become SSA values through `Builder`; `if`, `for` and `while` become
structured regions. Anything not supported is refused with a located error.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import operator
import types
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from srcad import runtime
from srcad.analysis.inference import is_user_function
from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.frontend.normalize import RESULT, RETURNED, normalize_body
from srcad.frontend.scopes import bound_names, display_name
from srcad.frontend.source import MISSING, ParsedFunction
from srcad.ir.builder import Builder
from srcad.ir.handles import Ambiguous, BoundMethod, Handle, LocalFunction, Struct
from srcad.ir.nodes import Block, Const, Function, Operand, Return, Var
from srcad.lower.handles import HandleLowering, InlineContext, Static, is_user_class
from srcad.lower.mutation import check_mutations
from srcad.lower.pytree import StaticLeaf, TreeKind
from srcad.lower.syntax import SyntaxLowering
from srcad.rules.registry import Attribute, Method
from srcad.runtime import python as pyrt

BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
UNARYOPS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
            ast.Invert: operator.invert}
CMPOPS = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_,
    ast.IsNot: operator.is_not, ast.In: operator.contains, ast.NotIn: "not in",
}
OP_HINTS = {
    operator.add: "add", operator.sub: "sub", operator.mul: "mul", operator.truediv: "div",
    operator.floordiv: "floordiv", operator.mod: "mod", operator.pow: "pow",
    operator.matmul: "matmul", operator.neg: "neg", operator.pos: "pos",
    operator.getitem: "item", operator.not_: "not_",
}

_UNSUPPORTED_STMTS = {
    ast.Try: ("'try' statements", "move the try/except outside the differentiated function"),
    ast.Global: ("'global' declarations", "pass the value in as an argument and return it"),
    ast.Nonlocal: ("'nonlocal' declarations", "pass the value in as an argument and return it"),
    ast.ClassDef: ("class definitions", "define the class outside the function"),
    ast.AsyncFunctionDef: ("async functions", "use a plain 'def' function"),
    ast.AsyncFor: ("'async for' loops", "use a plain 'for' loop"),
    ast.AsyncWith: ("'async with' blocks", "remove it from the differentiated function"),
    ast.Delete: ("'del' statements", "remove the 'del'; srcad manages variables itself"),
    ast.Import: ("'import' statements", "import at module level"),
    ast.ImportFrom: ("'import' statements", "import at module level"),
}
if hasattr(ast, "Match"):
    _UNSUPPORTED_STMTS[ast.Match] = ("'match' statements", "use if/elif/else")
if hasattr(ast, "TryStar"):
    _UNSUPPORTED_STMTS[ast.TryStar] = ("'try' statements",
                                       "move the try/except outside the function")

_UNSUPPORTED_EXPRS = {
    ast.SetComp: ("set comprehensions", "use a list comprehension"),
    ast.Yield: ("generators ('yield')", "return a value (or a tuple of values) instead"),
    ast.YieldFrom: ("generators ('yield from')", "return a value instead"),
    ast.Await: ("'await' expressions", "use a plain function"),
    ast.NamedExpr: ("assignment expressions (':=')", "assign in a separate statement"),
    ast.Set: ("set displays", "use a tuple"),
    ast.Starred: ("starred expressions (*x)", "pass arguments explicitly"),
}


def hint_for(key) -> str:
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], Struct):
        return key[0].hint(key[1])
    return display_name(key) if isinstance(key, str) else str(key)


def _stored_names(stmts: list) -> set:
    names = set()
    for s in stmts:
        for node in ast.walk(s):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


class Lowerer(HandleLowering, SyntaxLowering):
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
    """

    def __init__(self, builder: Builder, resolve: Callable[[str], Any],
                 loc_for: Callable[[ast.AST], SourceLoc], local_names: set,
                 mutations: dict | None = None, ctx: InlineContext | None = None):
        self.mutations = mutations or {}
        self.ctx = ctx if ctx is not None else InlineContext()
        self.b = builder
        self.resolve = resolve
        self.loc_for = loc_for
        self.local_names = local_names

    # ------------------------------------------------------------------ errors
    def unsupported(self, node: ast.AST, what: str, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(f"{what} are not supported", self.loc_for(node), hint)

    # ------------------------------------------------------------------ statements
    def block(self, stmts: list) -> None:
        for s in stmts:
            self.stmt(s)

    def stmt(self, s: ast.stmt) -> None:
        for prologue in getattr(s, "srcad_prologue", ()) or ():
            self.stmt(prologue)
        kind = type(s)
        if kind in _UNSUPPORTED_STMTS:
            what, hint = _UNSUPPORTED_STMTS[kind]
            raise self.unsupported(s, what, hint)
        if isinstance(s, ast.Assign):
            value = self.expr_or_handle(s.value, s)
            for target in s.targets:
                self.assign(target, value, s.value)
        elif isinstance(s, ast.AugAssign):
            if isinstance(s.target, (ast.Subscript, ast.Attribute)):
                op = BINOPS.get(type(s.op))
                current = self.value(s.target)
                value = self.expr_value(s.value, s)
                updated = self.b.call(op, [current, value], loc=self.loc_for(s),
                                      name=OP_HINTS.get(op, "t"))
                self.assign(s.target, updated, None)
                return
            op = BINOPS.get(type(s.op))
            current = self.load_name(s.target)
            value = self.expr_value(s.value, s)
            verdict = self.mutations.get(s.target.id)
            if verdict is not None and not verdict.allowed:
                loc = self.loc_for(s)
                where = Const((loc.filename, loc.line, loc.col, loc.function))
                name = Const(display_name(s.target.id))
                if getattr(verdict, "aliases", ()):
                    # the objection is other variables assigned from it: check whether
                    # their current values really share its memory
                    held = [v for v in (self.b.read(a) for a in verdict.aliases)
                            if isinstance(v, Var)]
                    if held:
                        self.b.effect(pyrt.check_not_shared, [current, name, where] + held,
                                      loc=loc)
                else:
                    self.b.effect(pyrt.check_unshared, [current, name,
                                                        Const(verdict.reason), where],
                                  loc=loc)
            result = self.b.call(op, [current, value], loc=self.loc_for(s), name=s.target.id)
            result.keep = True
            self.b.write(s.target.id, result)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.assign(s.target, self.expr_or_handle(s.value, s), s.value)
        elif isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant):
                return
            self.expr(s.value)
        elif isinstance(s, ast.Pass):
            return
        elif isinstance(s, ast.If):
            self.if_stmt(s)
        elif isinstance(s, ast.For):
            self.for_stmt(s)
        elif isinstance(s, ast.While):
            self.while_stmt(s)
        elif isinstance(s, ast.FunctionDef):
            if s.decorator_list:
                raise self.unsupported(s.decorator_list[0], "decorators on local functions",
                                       "remove the decorator or define the function at "
                                       "module level")
            defaults = [self.expr(d) for d in s.args.defaults]
            self.b.write(s.name, LocalFunction(s, self, defaults))
        elif isinstance(s, ast.Assert):
            cond = self.expr_value(s.test, s)
            args = [cond] + ([self.expr_value(s.msg, s)] if s.msg is not None else [])
            self.b.effect(pyrt.check_assertion, args, loc=self.loc_for(s))
        elif isinstance(s, ast.Raise):
            if s.exc is None:
                raise self.unsupported(s, "bare 'raise' statements",
                                       "raise a specific exception")
            self.b.effect(pyrt.raise_error, [self.expr_value(s.exc, s)], loc=self.loc_for(s))
        elif isinstance(s, ast.With):
            self.with_stmt(s, s.items)
        elif isinstance(s, (ast.Return, ast.Break, ast.Continue)):
            raise AssertionError("return/break/continue must be normalized before lowering")
        else:
            raise self.unsupported(s, f"'{type(s).__name__}' statements",
                                   "rewrite it with assignments, if, for and while")

    def assign(self, target: ast.expr, value, value_node: ast.AST | None) -> None:
        if isinstance(target, ast.Name) and isinstance(value, (Handle, Static)):
            self.b.write(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, Struct):
            self.unpack_handle(value, target)
        elif isinstance(target, (ast.Subscript, ast.Attribute)) and \
                isinstance(self._container_of(target), Struct):
            self.assign_into_handle(self._container_of(target), target, value)
        elif isinstance(target, ast.Subscript):
            self.assign_item(target, self.operand(value, target))
        elif isinstance(value, (Handle, Static)):
            self.assign(target, self.operand(value, target), value_node)
        elif isinstance(target, ast.Name):
            if isinstance(value, Var) and value_node is not None and \
                    getattr(value_node, "_srcad_fresh", False):
                value.name = hint_for(target.id)
                value.keep = not target.id.startswith(".")
            self.b.write(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in target.elts):
                raise self.unsupported(target, "starred assignment targets",
                                       "unpack the values one by one")
            for i, elt in enumerate(target.elts):
                item = self.b.call(operator.getitem, [value, Const(i)], loc=self.loc_for(elt),
                                   name=elt.id if isinstance(elt, ast.Name) else "item")
                item.keep = isinstance(elt, ast.Name)
                self.assign(elt, item, None)
        elif isinstance(target, ast.Attribute):
            raise UnsupportedSyntaxError(
                "cannot assign to an attribute of this object", self.loc_for(target),
                "assign attributes only of objects the function creates (srcad resolves "
                "them while transforming); keep other values in local variables")
        else:
            raise self.unsupported(target, f"assignments to {type(target).__name__}",
                                   "assign to a plain variable name")

    def _container_of(self, target: ast.Subscript | ast.Attribute):
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

    def assign_item(self, target: ast.Subscript, value: Operand) -> None:
        """`y[index] = value` becomes `y = setitem(y, index, value)`: a new array."""
        base = target.value
        root = base
        while isinstance(root, ast.Subscript):
            root = root.value
        if not isinstance(root, ast.Name):
            raise self.unsupported(target, "assignments into this kind of target",
                                   "assign into a local array variable")
        verdict = self.mutations.get(root.id)
        if verdict is None or not verdict.allowed:
            reason = verdict.reason if verdict is not None else "it is not a local array"
            raise UnsupportedSyntaxError(
                f"cannot assign into '{root.id}': {reason}", self.loc_for(target),
                f"assign into a new array the function creates, e.g. "
                f"{root.id} = np.copy({root.id}) first (list({root.id}) for a list)")
        loc = self.loc_for(target)
        index = self.index(target.slice)
        if isinstance(base, ast.Name):
            old = self.load_name(base)
            new = self.b.call(runtime.setitem, [old, index, value], loc=loc, name=base.id)
            new.keep = True
            self.b.write(base.id, new)
        else:
            inner = self.value(base)
            updated = self.b.call(runtime.setitem, [inner, index, value], loc=loc,
                                  name="part")
            self.assign_item(base, updated)

    def if_stmt(self, s: ast.If) -> None:
        cond = self.expr_value(s.test, s)
        self.b.build_if(cond, lambda: self.block(s.body), lambda: self.block(s.orelse),
                        loc=self.loc_for(s))

    def for_stmt(self, s: ast.For) -> None:
        if s.orelse:
            raise self.unsupported(s, "'for ... else' loops",
                                   "use a flag variable set before 'break'")
        loc = self.loc_for(s)
        it = s.iter
        items = self.static_iteration(it)
        if items is not None:
            self.unrolled_for(s, items)
            return
        call = it.func if isinstance(it, ast.Call) else None
        head = self.expr(call) if call is not None else None
        assigned = _stored_names(s.body) | _stored_names([s.target]) | \
            ({s.srcad_exit} if getattr(s, "srcad_exit", None) else set())
        assigned |= {k for k in _flag_names(s.body)}

        if isinstance(head, Static) and head.value is range and not it.keywords:
            args = [self.expr_value(a, s) for a in it.args]
            rng = self.b.call(range, args, loc=loc, name="steps")

            def body(index: Var) -> None:
                index.name = s.target.id if isinstance(s.target, ast.Name) else "i"
                index.keep = True
                self.assign(s.target, index, None)
                self.block(s.body)
        elif isinstance(head, Static) and head.value in (enumerate, zip) and \
                not any(k.arg != "start" for k in it.keywords):
            zipped = None
            if head.value is enumerate and len(it.args) == 1 and \
                    isinstance(it.args[0], ast.Call) and not it.args[0].keywords and \
                    isinstance(self.expr(it.args[0].func), Static) and \
                    self.expr(it.args[0].func).value is zip:
                zipped = it.args[0].args  # enumerate(zip(a, b)): one loop over both
            sources = zipped if zipped is not None else it.args
            seqs = [self.b.call(runtime.as_sequence, [self.expr_value(a, s)], loc=loc,
                                name="items") for a in sources]
            start = Const(0)
            for k in it.keywords:
                start = self.expr_value(k.value, s)
            if head.value is enumerate and len(seqs) != 1 and zipped is None:
                raise self.unsupported(s, "enumerate() with several sequences",
                                       "call enumerate on one sequence")
            lengths = [self.b.call(len, [q], loc=loc, name="n") for q in seqs]
            n = lengths[0] if len(lengths) == 1 else self.b.call(min, lengths, loc=loc,
                                                                   name="n")
            rng = self.b.call(range, [n], loc=loc, name="steps")
            is_enum = head.value is enumerate

            def body(index: Var) -> None:
                index.name = "k"
                items = [self.b.call(operator.getitem, [q, index], loc=loc, name="item")
                         for q in seqs]
                if zipped is not None:
                    items = [self.new_struct("tuple", list(enumerate(items)), name="item")]
                if is_enum:
                    counter = index if start == Const(0) else self.b.call(
                        operator.add, [index, start], loc=loc, name="i")
                    items = [counter] + items
                self._assign_items(s.target, items, loc)
                self.block(s.body)
        else:
            seq = self.b.call(runtime.as_sequence, [self.expr_value(it, s)], loc=loc,
                              name="items")
            n = self.b.call(len, [seq], loc=loc, name="n")
            rng = self.b.call(range, [n], loc=loc, name="steps")

            def body(index: Var) -> None:
                index.name = "k"
                name = s.target.id if isinstance(s.target, ast.Name) else "item"
                item = self.b.call(operator.getitem, [seq, index], loc=loc, name=name)
                self.assign(s.target, item, None)
                self.block(s.body)

        self.b.build_for(rng, "i", body, assigned=sorted(assigned),
                         exit_key=getattr(s, "srcad_exit", None), loc=loc)

    def _assign_items(self, target: ast.expr, items: list, loc) -> None:
        if isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == len(items):
            for elt, item in zip(target.elts, items):
                self.assign(elt, item, None)
        else:
            packed = self.b.call(runtime.make_tuple, items, loc=loc, name="item")
            self.assign(target, packed, None)

    def while_stmt(self, s: ast.While) -> None:
        if s.orelse:
            raise self.unsupported(s, "'while ... else' loops",
                                   "use a flag variable set before 'break'")
        assigned = _stored_names(s.body) | _flag_names(s.body)
        exit_key = getattr(s, "srcad_exit", None)
        if exit_key:
            assigned.add(exit_key)
        self.b.build_while(lambda: self.expr_value(s.test, s), lambda: self.block(s.body),
                           assigned=sorted(assigned), exit_key=exit_key, loc=self.loc_for(s))

    # ------------------------------------------------------------------ expressions
    def expr_value(self, node: ast.expr, stmt: ast.AST | None = None) -> Operand:
        """Lower an expression that must produce a run-time value."""
        mark = _peek_id()
        value = self.operand(self.expr(node), node)
        if isinstance(value, Var) and value.id > mark:
            node._srcad_fresh = True
        return value

    def expr(self, node: ast.expr):
        kind = type(node)
        if kind in _UNSUPPORTED_EXPRS:
            what, hint = _UNSUPPORTED_EXPRS[kind]
            raise self.unsupported(node, what, hint)
        loc = self.loc_for(node)
        if isinstance(node, ast.Constant):
            return Const(node.value)
        if isinstance(node, ast.Name):
            return self.load_name(node)
        if isinstance(node, ast.BinOp):
            op = BINOPS[type(node.op)]
            if op is operator.add and (_is_list_expr(node.left) or _is_list_expr(node.right)):
                return self.concatenate(node)
            left, right = self.value(node.left), self.value(node.right)
            return self.b.call(op, [left, right], loc=loc, name=OP_HINTS.get(op, "t"))
        if isinstance(node, ast.UnaryOp):
            op = UNARYOPS[type(node.op)]
            operand = self.value(node.operand)
            if op is operator.neg and isinstance(operand, Const) and \
                    isinstance(operand.value, (int, float)):
                return Const(-operand.value)
            return self.b.call(op, [operand], loc=loc, name=OP_HINTS.get(op, "t"))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node.op, node.values, loc)
        if isinstance(node, ast.IfExp):
            return self.ifexp(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            base = self.expr(node.value)
            self.check_handle(base, node)
            found = self.attribute_of(base, node)
            if found is not None:
                return found
            if isinstance(base, Handle):
                raise UnsupportedSyntaxError(
                    f"'{node.attr}' of a function cannot be read", loc,
                    "call the function instead")
            if isinstance(base, Static):
                if isinstance(base.value, type) and is_user_class(base.value):
                    self.capture_class_attr(base.value, node.attr)
                try:
                    return Static(getattr(base.value, node.attr))
                except AttributeError:
                    raise UnsupportedSyntaxError(
                        f"'{_describe(base.value)}' has no attribute '{node.attr}'", loc,
                        "check the spelling of the name") from None
            return self.b.call(Attribute(node.attr), [base], loc=loc, name=node.attr)
        if isinstance(node, ast.Subscript):
            base = self.expr(node.value)
            if isinstance(base, Struct):
                return self.subscript_handle(base, node)
            base = self.operand(base, node.value)
            index = self.index(node.slice)
            return self.b.call(operator.getitem, [base, index], loc=loc,
                               name=_subscript_hint(node))
        if isinstance(node, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                raise self.unsupported(node, "starred items in displays",
                                       "list the items one by one")
            raw = [self.expr(e) for e in node.elts]
            if any(isinstance(r, (Handle, Static)) and not (
                    isinstance(r, Static) and not callable(r.value)) for r in raw):
                kind = "tuple" if isinstance(node, ast.Tuple) else "list"
                return self.new_struct(kind, list(enumerate(raw)))
            items = [self.operand(r, e) for r, e in zip(raw, node.elts)]
            fn = runtime.make_tuple if isinstance(node, ast.Tuple) else runtime.make_list
            if isinstance(node, ast.Tuple) and all(isinstance(i, Const) for i in items):
                return Const(tuple(i.value for i in items))
            return self.b.call(fn, items, loc=loc, name="items")
        if isinstance(node, ast.Lambda):
            defaults = [self.expr(d) for d in node.args.defaults]
            return LocalFunction(node, self, defaults)
        if isinstance(node, ast.Dict):
            return self.dict_display(node)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node)
        if isinstance(node, ast.Slice):
            parts = [self.value(p) if p is not None else Const(None)
                     for p in (node.lower, node.upper, node.step)]
            if all(isinstance(p, Const) for p in parts):
                return Const(slice(*(p.value for p in parts)))
            return self.b.call(runtime.make_slice, parts, loc=loc, name="part")
        raise self.unsupported(node, f"'{type(node).__name__}' expressions",
                               "rewrite it with supported operations")

    def value(self, node: ast.expr) -> Operand:
        return self.operand(self.expr(node), node)

    def expr_or_handle(self, node: ast.expr, stmt: ast.AST | None = None):
        """Like `expr_value`, but containers and functions stay handles."""
        mark = _peek_id()
        value = self.expr(node)
        if isinstance(value, Ambiguous):
            self.check_handle(value, node)
        if isinstance(value, Static) and not callable(value.value):
            value = Const(value.value)
        if isinstance(value, Var) and value.id > mark:
            node._srcad_fresh = True
        return value

    def index(self, node: ast.expr) -> Operand:
        if isinstance(node, ast.Tuple):
            parts = [self.index(e) for e in node.elts]
            if all(isinstance(p, Const) for p in parts):
                return Const(tuple(p.value for p in parts))
            return self.b.call(runtime.make_tuple, parts, loc=self.loc_for(node), name="index")
        return self.value(node)

    def load_name(self, node: ast.Name):
        name = node.id
        if name in self.local_names:
            value = self.b.read(name)
            if value is None:
                raise UnsupportedSyntaxError(
                    f"variable '{display_name(name)}' is used before it is assigned",
                    self.loc_for(node), "assign it on every path before this line")
            self.check_handle(value, node)
            return value
        value = self.resolve(name)
        if value is MISSING:
            raise UnsupportedSyntaxError(f"name '{name}' is not defined", self.loc_for(node),
                                         "define it, or import it at module level")
        if isinstance(value, (types.ModuleType, type)) or callable(value):
            return Static(value)
        return Const(value, name)

    def compare(self, node: ast.Compare) -> Operand:
        loc = self.loc_for(node)
        left = self.value(node.left)
        results = []
        # Chained comparisons evaluate left to right and stop at the first false one.
        pairs = list(zip(node.ops, node.comparators))

        def one(left, op, right_node):
            right = self.value(right_node)
            fn = CMPOPS[type(op)]
            if fn is operator.contains:
                return self.b.call(operator.contains, [right, left], loc=loc, name="cond"), right
            if fn == "not in":
                inside = self.b.call(operator.contains, [right, left], loc=loc, name="cond")
                return self.b.call(operator.not_, [inside], loc=loc, name="cond"), right
            if isinstance(left, Const) and isinstance(right, Const) and \
                    isinstance(left.value, _FOLDABLE_KEYS) and \
                    isinstance(right.value, _FOLDABLE_KEYS):
                return Const(fn(left.value, right.value)), right  # "k" != "q"
            return self.b.call(fn, [left, right], loc=loc, name="cond"), right

        if len(pairs) == 1:
            return one(left, *pairs[0])[0]
        # a < b < c  ==  (a < b) and (b < c), with b evaluated once.
        state = {"left": left}

        def chain(i):
            op, right_node = pairs[i]
            result, right = one(state["left"], op, right_node)
            state["left"] = right
            if i == len(pairs) - 1:
                return result
            return self._short_circuit(result, lambda: chain(i + 1), is_and=True, loc=loc)

        results.append(chain(0))
        return results[0]

    def boolop(self, op: ast.boolop, values: list, loc) -> Operand:
        first = self.value(values[0])
        if len(values) == 1:
            return first
        rest = lambda: self.boolop(op, values[1:], loc)
        return self._short_circuit(first, rest, isinstance(op, ast.And), loc)

    def _short_circuit(self, first: Operand, rest: Callable[[], Operand], is_and: bool,
                       loc) -> Operand:
        key = object()
        self.b.write(key, first)

        def evaluate_rest():
            self.b.write(key, rest())

        if is_and:
            self.b.build_if(first, evaluate_rest, lambda: None, loc=loc)
        else:
            self.b.build_if(first, lambda: None, evaluate_rest, loc=loc)
        result = self.b.read(key)
        self.b.forget(key)
        if isinstance(result, Var):
            result.name = "cond"
        return result

    def ifexp(self, node: ast.IfExp) -> Operand:
        cond = self.value(node.test)
        if isinstance(cond, Const):  # decided while transforming
            return self.expr(node.body if cond.value else node.orelse)
        key = object()
        self.b.build_if(cond, lambda: self.b.write(key, self.call_argument(node.body)),
                        lambda: self.b.write(key, self.call_argument(node.orelse)),
                        loc=self.loc_for(node))
        result = self.b.read(key)
        self.b.forget(key)
        self.check_handle(result, node)
        return result

    def call(self, node: ast.Call):
        loc = self.loc_for(node)
        func = node.func
        receiver = None
        if isinstance(func, ast.Attribute):
            base = self.expr(func.value)
            self.check_handle(base, func)
            found = self.attribute_of(base, func)
            if found is not None:
                head = found
            elif isinstance(base, Static):
                if isinstance(base.value, type) and is_user_class(base.value):
                    self.capture_class_attr(base.value, func.attr)
                try:
                    head = _static_callee(getattr(base.value, func.attr))
                except AttributeError:
                    raise UnsupportedSyntaxError(
                        f"'{_describe(base.value)}' has no attribute '{func.attr}'", loc,
                        "check the spelling of the name") from None
            else:
                receiver = self.operand(base, func.value)
                head = Static(Method(func.attr))
        else:
            head = self.expr(func)
        self.check_handle(head, func)
        if isinstance(head, Struct) and head.cls is not None and \
                any("__call__" in c.__dict__ for c in head.cls.__mro__[:-1]):
            self.capture_class_attr(head.cls, "__call__")
            head = self.class_attribute(head.cls, inspect.getattr_static(
                head.cls, "__call__"), head, node)
        if not isinstance(head, (Static, LocalFunction, BoundMethod)):
            raise self.unsupported(
                node, "calls to functions held in variables",
                "call the function by its name (module-level, local or a method)")
        listed = node.args[0].elts if len(node.args) == 1 and isinstance(
            node.args[0], (ast.List, ast.Tuple)) else node.args if len(node.args) > 2 else []
        if isinstance(head, Static) and head.value in (min, max) and listed and \
                not node.keywords and not any(isinstance(e, ast.Starred) for e in listed):
            # min([a, b, c]) and min(a, b, c): pairwise, with the two-argument rule
            items = [self.value(e) for e in listed]
            result = items[0]
            for item in items[1:]:
                result = self.b.call(head.value, [result, item], loc=loc,
                                     name=head.value.__name__)
            return result
        args = [] if receiver is None else [receiver]
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.unsupported(a, "starred call arguments (*args)",
                                       "pass the arguments one by one")
            args.append(self.call_argument(a))
        kwargs = {}
        for k in node.keywords:
            if k.arg is None:
                raise self.unsupported(k.value, "keyword unpacking (**kwargs) in calls",
                                       "pass keyword arguments one by one")
            kwargs[k.arg] = self.call_argument(k.value)
        special = self.call_handle(head, args, kwargs, node)
        if special is not None:
            return special
        fn = head.value
        if isinstance(fn, Method) and fn.name in _LIST_METHODS and receiver is not None:
            return self.list_method(func.value, receiver, args[1:], node, fn.name)
        if isinstance(fn, Method) and fn.name in _IN_PLACE_METHODS and receiver is not None \
                and isinstance(func.value, ast.Name) and func.value.id in self.local_names \
                and not self.is_param(func.value.id):
            name = display_name(func.value.id)
            raise UnsupportedSyntaxError(
                f"'{name}.{fn.name}(...)' changes '{name}' in place", loc,
                f"build a new value instead (for lists: {name} = sorted({name}), "
                f"{name}[::-1], {name}[:i] + [v] + {name}[i:]; append, extend and "
                f"{name}[i] = v are supported)")
        args = [self.operand(a, node) for a in args]
        kwargs = {k: self.operand(v, node) for k, v in kwargs.items()}
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "t")
        if any(fn is getattr(builtins, n) for n in _INTROSPECTION):
            raise self.unsupported(node, f"calls to {fn.__name__}() (they read or run code "
                                         "srcad cannot see)",
                                   "compute the value with ordinary Python in the function")
        if fn is sum and len(args) in (1, 2) and not kwargs:
            fn = pyrt.sum_items
        elif fn in (max, min) and len(args) == 1 and not kwargs:
            fn = pyrt.max_item if fn is max else pyrt.min_item
        elif fn is sorted and len(args) == 1 and set(kwargs) <= {"reverse"}:
            fn = pyrt.sorted_items
        elif fn is reversed and len(args) == 1 and not kwargs:
            fn = pyrt.reversed_items
        elif fn is list and len(args) == 1 and not kwargs:
            fn = pyrt.as_list
        if is_user_function(fn):
            args, kwargs = self._bind_user_call(fn, args, kwargs, node)
        return self.b.call(fn, args, kwargs, loc=loc, name=display_name(name))

    def concatenate(self, node: ast.BinOp):
        """`xs + [v, w]`: a new list (its adjoint splits at the seam)."""
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(left, Struct) and isinstance(right, Struct) and \
                {left.kind, right.kind} <= {"list", "tuple"} and left.kind == right.kind:
            items = [self.struct_get(left, k, node) for k in left.keys] + \
                [self.struct_get(right, k, node) for k in right.keys]
            return self.new_struct(left.kind, list(enumerate(items)), name="items")
        left, right = self.operand(left, node.left), self.operand(right, node.right)
        return self.b.call(pyrt.list_extend, [left, right], loc=self.loc_for(node),
                           name="items")

    def call_argument(self, node: ast.expr):
        value = self.expr(node)
        self.check_handle(value, node)
        return value

    def is_param(self, name: str) -> bool:
        return name in getattr(self, "params", ())

    def list_method(self, target: ast.expr, receiver: Operand, args: list, node: ast.Call,
                    method: str):
        """`xs.append(v)`, `xs.extend(seq)`, `xs.insert(i, v)` and `xs.pop(i)` on a run-time
        list: `xs` is rebound to a new list (`xs = list_append(xs, v)`); pop returns the
        item. `xs` is a local name, or an item of a dict or object the function made."""
        loc = self.loc_for(node)
        arity = {"append": (1,), "extend": (1,), "insert": (2,), "pop": (0, 1)}[method]
        if len(args) not in arity:
            raise self.unsupported(node, f"{method}() with {len(args)} arguments",
                                   f"call {method} as Python does")
        self._check_list_update(target, receiver, node, method)
        operands = [self.operand(a, node) for a in args]
        name = display_name(target.id) if isinstance(target, ast.Name) else "items"
        if method == "pop":
            index = operands[0] if operands else Const(-1)
            item = self.b.call(operator.getitem, [receiver, index], loc=loc, name="item")
            new = self.b.call(pyrt.list_delete, [receiver, index], loc=loc, name=name)
        else:
            fn = {"append": pyrt.list_append, "extend": pyrt.list_extend,
                  "insert": pyrt.list_insert}[method]
            item = Const(None)
            new = self.b.call(fn, [receiver] + operands, loc=loc, name=name)
        new.keep = True
        if isinstance(target, ast.Name):
            self.b.write(target.id, new)
        else:
            self.assign(target, new, None)
        return item

    def _check_list_update(self, target: ast.expr, receiver: Operand, node: ast.Call,
                           method: str) -> None:
        """Refuse `xs.append(...)` where rebinding `xs` would not be what Python does: the
        list is not the function's own, or something else still holds it."""
        if isinstance(target, ast.Name) and target.id in self.local_names:
            verdict = self.mutations.get(target.id)
            if verdict is None or not verdict.allowed:
                reason = verdict.reason if verdict is not None else "it is not a local list"
                raise UnsupportedSyntaxError(
                    f"cannot {method} to '{display_name(target.id)}': {reason}",
                    self.loc_for(node),
                    f"change a new list the function creates, e.g. "
                    f"{display_name(target.id)} = list({display_name(target.id)}) first")
            return
        owner = self._container_of(target) if isinstance(
            target, (ast.Attribute, ast.Subscript)) else None
        if not isinstance(owner, Struct) or not owner.mutable:
            raise self.unsupported(node, f"this use of {method}()",
                                   f"{method} to a list variable of the function, or to a "
                                   "list held by a dict or object the function creates")
        holders = [key for key, value in self.b.env.items()
                   if isinstance(value, Var) and value is receiver]
        if len(holders) > 1:
            raise UnsupportedSyntaxError(
                f"cannot {method} to this list: another variable or container holds the same "
                "list, and srcad builds a new list instead of changing it in place",
                self.loc_for(node), "copy the list first (list(...)) or keep one reference")

    def _bind_user_call(self, fn, args: list, kwargs: dict, node: ast.AST):
        """A call to a user function, with keywords and defaults made positional."""
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            return args, kwargs
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY)
               for p in sig.parameters.values()):
            return args, kwargs
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise UnsupportedSyntaxError(f"this call to '{fn.__name__}' does not match its "
                                         f"parameters: {exc}", self.loc_for(node),
                                         "pass the arguments the function takes") from None
        bound.apply_defaults()
        return [v if isinstance(v, (Var, Const)) else Const(v) for v in bound.args], {}


def _is_list_expr(node: ast.expr) -> bool:
    """A list display or comprehension: `+` on it concatenates lists."""
    return isinstance(node, (ast.List, ast.ListComp))


def _static_callee(value):
    """A function or method found while transforming (`Cls.method`, `module.f`)."""
    if isinstance(value, types.MethodType) and is_user_function(value.__func__):
        owner = value.__self__
        return BoundMethod(value.__func__, Static(owner) if isinstance(owner, type)
                           else Const(owner))
    return Static(value)


def _peek_id() -> int:
    """The newest SSA id so far: values created later have larger ids."""
    return Var("peek").id


_FOLDABLE_KEYS = (str, int, bool, type(None))

_LIST_METHODS = ("append", "extend", "insert", "pop")

_IN_PLACE_METHODS = {"insert", "reverse", "sort", "pop", "remove", "clear", "fill", "resize",
                     "put", "itemset", "partition", "setdefault", "popitem", "update"}

_INTROSPECTION = ("eval", "exec", "compile", "locals", "globals", "vars", "__import__")


def _flag_names(stmts: list) -> set:
    names = set()
    for s in stmts:
        for node in ast.walk(s):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and \
                    node.id.startswith("."):
                names.add(node.id)
    return names


def _describe(value: Any) -> str:
    return getattr(value, "__name__", type(value).__name__)


def _subscript_hint(node: ast.Subscript) -> str:
    base = node.value
    if isinstance(base, ast.Name):
        return f"{base.id}_item"
    return "item"


# ---------------------------------------------------------------------------- entry points


def lower_function(parsed: ParsedFunction, specs: tuple | None = None) -> Function:
    """Lower a parsed user function to an IR `Function`.

    `specs` gives, per parameter, a `pytree.TreeKind` for structured arguments (their
    leaves become separate parameters of the IR function) or anything else for plain ones.
    """
    node = parsed.node
    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise UnsupportedSyntaxError(
            "functions with *args, **kwargs, keyword-only or positional-only parameters are "
            "not supported", parsed.loc(node), "use plain positional parameters")
    body = normalize_body(node.body)
    builder = Builder(Const(None), hint_for)
    params = []
    for i, a in enumerate(args.args):
        spec = specs[i] if specs is not None and i < len(specs) else None
        if isinstance(spec, TreeKind):
            builder.write(a.arg, _tree_param(spec, a.arg, params, builder))
            continue
        v = Var(a.arg, keep=True)
        params.append(v)
        builder.write(a.arg, v)
    local_names = {a.arg for a in args.args} | bound_names(body) | {RESULT, RETURNED}
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Global, ast.Nonlocal)):
            what, hint = _UNSUPPORTED_STMTS[type(sub)]
            raise UnsupportedSyntaxError(f"{what} are not supported", parsed.loc(sub), hint)
    mutations = check_mutations(node, {a.arg for a in args.args})
    ctx = InlineContext()
    lowerer = Lowerer(builder, parsed.resolve, parsed.loc, local_names, mutations, ctx)
    lowerer.params = {a.arg for a in args.args}
    builder.write(RESULT, Const(None))
    builder.write(RETURNED, Const(False))
    lowerer.block(body)
    parsed.captured.extend(ctx.captured)
    result = builder.read(RESULT)
    if not isinstance(result, (Var, Const)):
        returns = [r for r in ast.walk(node) if isinstance(r, ast.Return) and r.value]
        result = lowerer.operand(result, returns[-1].value if returns else node)
    builder.append(Return(result, parsed.loc(node.body[-1]) if node.body else None))
    return Function(parsed.name, params, Block(builder.block.stmts), parsed.loc(node))


def _tree_param(kind: TreeKind, name: str, params: list, builder: Builder) -> Struct:
    """A structured parameter: a container handle whose leaves are new parameters."""
    struct = Struct(kind.node, list(kind.keys), kind.cls, name, mutable=False,
                    region=builder.block)
    for key, child in zip(kind.keys, kind.children):
        if isinstance(child, TreeKind):
            value = _tree_param(child, struct.hint(key), params, builder)
        elif isinstance(child, StaticLeaf):
            value = Static(child.value)
        else:
            value = Var(struct.hint(key), keep=True)
            params.append(value)
        builder.write(struct.item_key(key), value)
    return struct


def lower_template(template, builder: Builder, bindings: dict, loc: SourceLoc | None) -> dict:
    """Splice a rule template's body into `builder`; returns the template's final names.

    `bindings` maps the template's parameter names (and `d<name>` adjoints) to operands.
    All generated statements carry `loc` (the user line the rule differentiates).
    """
    import builtins as _b

    saved_env = builder.env
    builder.env = dict(bindings)

    def resolve(name):
        if name in template.globals:
            return template.globals[name]
        return getattr(_b, name, MISSING)

    local_names = set(bindings) | _stored_names(template.body)
    lowerer = Lowerer(builder, resolve, lambda node: loc, local_names)
    try:
        lowerer.block(template.body)
        return builder.env
    finally:
        builder.env = saved_env


def with_role(loc: SourceLoc | None, role: str) -> SourceLoc | None:
    """The same location, tagged with the role of the code generated for it."""
    return replace(loc, role=role) if loc is not None else None
