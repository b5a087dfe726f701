"""Lowering of Python syntax beyond arithmetic and control flow: `with` blocks, gradient
hooks, dict displays, comprehensions and f-strings. A mixin of `Lowerer` (lower.py)."""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass

from srcad import runtime
from srcad.errors import UnsupportedSyntaxError
from srcad.frontend.scopes import rename_targets
from srcad.ir.handles import Handle, Struct
from srcad.ir.nodes import Const, Var
from srcad.lower.handles import Static
from srcad.runtime import python as pyrt

_comprehensions = itertools.count(1)


@dataclass(eq=False)
class HookBody:
    """The body of `with srcad.insert_grad_of(x) as dx:`, run in the reverse sweep."""

    body: list  # AST statements
    adjoint_name: str  # the name the body reads and assigns (`dx`)
    resolve: object  # how the user's function resolves free names
    loc_for: object  # the source location of a node of the body
    label: str  # the variable whose adjoint it receives
    captured: list  # local variables of the function the body reads


HOOKS: dict = {}  # hook id -> HookBody (ids are what generated code carries)
_hook_ids = itertools.count(1)


class SyntaxLowering:
    """Mixin: expects the members of `Lowerer` and `HandleLowering`."""

    # ------------------------------------------------------------------ with
    def with_stmt(self, s: ast.With, items: list) -> None:
        if not items:
            self.block(s.body)
            return
        item, rest = items[0], items[1:]
        head = item.context_expr
        if isinstance(head, ast.Call):
            fn = self.expr(head.func)
            if isinstance(fn, Static) and fn.value is runtime.insert_grad_of:
                self.grad_hook(s, item)
                if rest:
                    raise self.unsupported(s, "other context managers in the same 'with' "
                                              "as insert_grad_of", "use a separate 'with'")
                return
        manager = self.expr_value(head, s)
        entered = self.b.call(pyrt.enter_context, [manager], loc=self.loc_for(s),
                              name="context")
        if item.optional_vars is not None:
            self.assign(item.optional_vars, entered, None)
        self.with_stmt(s, rest)
        self.b.effect(pyrt.exit_context, [manager], loc=self.loc_for(s))

    def grad_hook(self, s: ast.With, item: ast.withitem) -> None:
        call = item.context_expr
        if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Name):
            raise self.unsupported(call, "insert_grad_of() of anything but one variable",
                                   "pass the variable whose adjoint the body handles")
        target = item.optional_vars
        if not isinstance(target, ast.Name):
            raise self.unsupported(s, "insert_grad_of() without 'as <name>'",
                                   "write: with srcad.insert_grad_of(x) as dx:")
        for node in ast.walk(ast.Module(body=s.body, type_ignores=[])):
            if isinstance(node, (ast.Return, ast.Break, ast.Continue, ast.Yield)):
                raise self.unsupported(node, "return/break/continue in a gradient hook",
                                       "the hook's body only computes the new adjoint")
        name = call.args[0].id
        value = self.value(call.args[0])
        from srcad.frontend.scopes import bound_names
        assigned = bound_names(s.body) | {target.id}
        captured = sorted({n.id for st in s.body for n in ast.walk(st)
                           if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                           and n.id in self.local_names and n.id not in assigned})
        values = [self.load_name(ast.copy_location(ast.Name(id=n, ctx=ast.Load()), s))
                  for n in captured]
        values = [self.operand(v, s) for v in values]
        hook = HookBody(s.body, target.id, self.resolve, self.loc_for, name.split("#")[0],
                        captured)
        hook_id = next(_hook_ids)
        HOOKS[hook_id] = hook
        hooked = self.b.call(runtime.grad_hook, [value, Const(hook_id)] + values,
                             loc=self.loc_for(s), name=hook.label)
        hooked.keep = True
        self.b.write(name, hooked)

    # ------------------------------------------------------------------ displays
    def dict_display(self, node: ast.Dict) -> Struct:
        items = []
        for k, v in zip(node.keys, node.values):
            if k is None:  # {**other}
                other = self.expr(v)
                if not isinstance(other, Struct) or other.kind != "dict":
                    raise self.unsupported(v, "'**' of something that is not a dict here",
                                           "list the keys one by one")
                items += [(key, self.struct_get(other, key, v)) for key in other.keys]
                continue
            key = self.expr(k)
            if not isinstance(key, Const):
                raise UnsupportedSyntaxError(
                    "dict keys computed at run time", self.loc_for(k),
                    "use constant keys; srcad resolves them while transforming")
            items = [(a, b) for a, b in items if a != key.value]
            items.append((key.value, self.call_argument(v)))
        return self.new_struct("dict", items, name="d")

    def fstring(self, node: ast.JoinedStr):
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(Const(part.value))
                continue
            parts.append(self.fstring_part(part))
        if all(isinstance(p, Const) for p in parts):
            return Const("".join(p.value for p in parts))
        return self.b.call(pyrt.join_strings, parts, loc=self.loc_for(node), name="text")

    def fstring_part(self, part: ast.FormattedValue):
        """One `{value!r:spec}` field: folded when the value is known while transforming
        (so f"layer{i}" can be a dict key in a loop srcad unrolls)."""
        value = self.value(part.value)
        spec = self.fstring(part.format_spec) if part.format_spec is not None \
            else Const("")
        if isinstance(value, Const) and isinstance(spec, Const) and \
                isinstance(value.value, (str, int, float, bool, type(None))):
            return Const(pyrt.format_value(value.value, part.conversion, spec.value))
        return self.b.call(pyrt.format_value, [value, Const(part.conversion), spec],
                           loc=self.loc_for(part), name="text")

    # ------------------------------------------------------------------ comprehensions
    def comprehension(self, node):
        """List/dict comprehensions and generator expressions (made into lists)."""
        node = rename_targets(node)
        for g in node.generators:
            if g.is_async:
                raise self.unsupported(node, "async comprehensions", "use a plain loop")
        for g in node.generators:
            self.local_names |= {n.id for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        conditional = any(g.ifs for g in node.generators)
        if conditional and not isinstance(node, ast.DictComp):
            # which items are kept is known only at run time: build a run-time list
            return self.runtime_comprehension(node)
        first = self.static_iteration(node.generators[0].iter)
        if first is not None:
            return self.unrolled_comprehension(node, node.generators, first)
        if isinstance(node, ast.DictComp):
            raise UnsupportedSyntaxError(
                "dict comprehensions over a run-time sequence", self.loc_for(node),
                "build the dict from a container srcad can see (a dict or tuple), or use "
                "a list")
        return self.runtime_comprehension(node)

    def unrolled_comprehension(self, node, generators: list, first: list):
        out = []

        def visit(level: int, items) -> None:
            g = generators[level]
            if items is None:
                items = self.static_iteration(g.iter)
                if items is None:
                    raise UnsupportedSyntaxError(
                        "a comprehension mixing containers and run-time sequences",
                        self.loc_for(g.iter), "write the loops out with 'for' statements")
            for item in items:
                self.assign(g.target, item, None)
                keep = True
                for cond in g.ifs:
                    c = self.expr(cond)
                    if not isinstance(c, Const):
                        raise UnsupportedSyntaxError(
                            "a condition on run-time values in a comprehension over a "
                            "container", self.loc_for(cond),
                            "use np.where, or write the loop out with 'for' and 'if'")
                    keep = keep and bool(c.value)
                if not keep:
                    continue
                if level + 1 < len(generators):
                    visit(level + 1, None)
                elif isinstance(node, ast.DictComp):
                    key = self.expr(node.key)
                    if not isinstance(key, Const):
                        raise UnsupportedSyntaxError(
                            "dict keys computed at run time", self.loc_for(node.key),
                            "use keys known while transforming (constants or the keys "
                            "of another dict)")
                    out.append((key.value, self.call_argument(node.value)))
                else:
                    out.append(self.call_argument(node.elt))

        visit(0, first)
        if isinstance(node, ast.DictComp):
            return self.new_struct("dict", out, name="d")
        if all(isinstance(v, (Var, Const)) for v in out) and not any(
                isinstance(v, (Handle, Static)) for v in out):
            return self.b.call(runtime.make_list, out, loc=self.loc_for(node), name="items")
        return self.new_struct("list", list(enumerate(out)), name="items")

    def runtime_comprehension(self, node):
        """`[elt for x in xs if c]` as `acc = []; for x in xs: if c: acc.append(elt)`."""
        acc = f".comprehension{next(_comprehensions)}"
        self.local_names.add(acc)
        self.mutations[acc] = _ALLOWED
        loc_node = node

        def append_stmt():
            call = ast.Call(func=ast.Attribute(value=ast.Name(id=acc, ctx=ast.Load()),
                                               attr="append", ctx=ast.Load()),
                            args=[node.elt], keywords=[])
            return ast.Expr(value=call)

        body: list = [append_stmt()]
        for g in reversed(node.generators):
            for cond in reversed(g.ifs):
                body = [ast.If(test=cond, body=body, orelse=[])]
            body = [ast.For(target=g.target, iter=g.iter, body=body, orelse=[])]
        loop = body[0]
        for n in ast.walk(loop):
            if not hasattr(n, "lineno"):
                ast.copy_location(n, loc_node)
        self.b.write(acc, self.b.call(runtime.make_list, [], loc=self.loc_for(node),
                                      name="items"))
        self.stmt(loop)
        result = self.b.read(acc)
        self.b.forget(acc)
        if isinstance(result, Var):
            result.name = "items"
        return result


class _Allowed:
    allowed = True
    reason = ""


_ALLOWED = _Allowed()


def lower_hook(hook: HookBody, builder, adjoint, captured: list) -> object:
    """Splice a hook's body into `builder` (the reverse sweep); returns the new adjoint.

    `captured` holds the values of the function's variables the body reads."""
    from srcad.frontend.scopes import bound_names
    from srcad.lower.lowering import Lowerer

    saved = builder.env
    builder.env = {hook.adjoint_name: adjoint, **dict(zip(hook.captured, captured))}
    local_names = {hook.adjoint_name} | bound_names(hook.body) | set(hook.captured)

    def resolve(name):
        return hook.resolve(name)

    lowerer = Lowerer(builder, resolve, hook.loc_for, local_names)
    try:
        lowerer.block(hook.body)
        return builder.env[hook.adjoint_name]
    finally:
        builder.env = saved
