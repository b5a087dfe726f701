"""List and dict comprehensions and generator expressions (made into lists): unrolled
over containers known while transforming, else a run-time loop appending to a list."""

from __future__ import annotations

import ast
import dataclasses
import itertools

from srcad import runtime
from srcad.errors import UnsupportedSyntaxError
from srcad.frontend.scopes import rename_targets
from srcad.ir.handles import Lowered, Static
from srcad.ir.nodes import Const, Var
from srcad.lower.classes import is_namedtuple_class, is_user_class
from srcad.lower.containers import Containers
from srcad.lower.context import LoweringContext
from srcad.lower.iteration import StaticIteration
from srcad.lower.mutation import Verdict

Comprehension = ast.ListComp | ast.GeneratorExp | ast.DictComp

_accumulators = itertools.count(1)


class Comprehensions:
    """Lowers comprehensions.

    Parameters
    ----------
    core : LoweringContext
        The lowering the comprehensions belong to.
    containers : Containers
        Builds the results that are container handles.
    iteration : StaticIteration
        Finds the items of comprehensions that are unrolled.
    """

    def __init__(self, core: LoweringContext, containers: Containers,
                 iteration: StaticIteration):
        self.core = core
        self.containers = containers
        self.iteration = iteration

    def comprehension(self, node: Comprehension, unroll_ranges: bool = False) -> Lowered:
        """The comprehension's value. A dict comprehension (and, with `unroll_ranges`,
        any) over a range of constant length is unrolled: its items are then known while
        transforming."""
        core = self.core
        elements = [node.elt] if not isinstance(node, ast.DictComp) else []
        ranges = unroll_ranges or isinstance(node, ast.DictComp) or \
            makes_objects(core, elements) or any(_makes_string(e) for e in elements)
        renamed = rename_targets(node)
        assert isinstance(renamed, (ast.ListComp, ast.GeneratorExp, ast.DictComp))
        node = renamed
        for g in node.generators:
            if g.is_async:
                raise core.unsupported(node, "async comprehensions", "use a plain loop")
        for g in node.generators:
            core.local_names |= {n.id for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        conditional = any(g.ifs for g in node.generators)
        if conditional and not isinstance(node, ast.DictComp):
            # which items are kept is known only at run time: build a run-time list
            return self._runtime(node)
        first = self.iteration.items(node.generators[0].iter, ranges)
        if first is not None:
            return self._unrolled(node, first, ranges)
        if isinstance(node, ast.DictComp):
            raise UnsupportedSyntaxError(
                "dict comprehensions over a run-time sequence", core.loc_for(node),
                "build the dict from a container srcad can see (a dict or tuple), or use "
                "a list")
        return self._runtime(node)

    def _unrolled(self, node: Comprehension, first: list[Lowered], ranges: bool) -> Lowered:
        core = self.core
        generators = node.generators
        out: list[Lowered] = []
        pairs: list[tuple[object, Lowered]] = []

        def visit(level: int, items: list[Lowered] | None) -> None:
            g = generators[level]
            if items is None:
                items = self.iteration.items(g.iter, ranges)
                if items is None:
                    raise UnsupportedSyntaxError(
                        "a comprehension mixing containers and run-time sequences",
                        core.loc_for(g.iter), "write the loops out with 'for' statements")
            for item in items:
                core.assign(g.target, item, None)
                keep = True
                for cond in g.ifs:
                    c = core.expr(cond)
                    if not (isinstance(c, Const) and
                            isinstance(c.value, (bool, int, float, str, type(None)))):
                        raise UnsupportedSyntaxError(
                            "a condition on run-time values in a comprehension over a "
                            "container", core.loc_for(cond),
                            "use np.where, or write the loop out with 'for' and 'if'")
                    keep = keep and bool(c.value)
                if not keep:
                    continue
                if level + 1 < len(generators):
                    visit(level + 1, None)
                elif isinstance(node, ast.DictComp):
                    key = core.expr(node.key)
                    if not isinstance(key, Const):
                        raise UnsupportedSyntaxError(
                            "dict keys computed at run time", core.loc_for(node.key),
                            "use keys known while transforming (constants or the keys "
                            "of another dict)")
                    pairs.append((key.value, core.call_argument(node.value)))
                else:
                    out.append(core.call_argument(node.elt))

        visit(0, first)
        if isinstance(node, ast.DictComp):
            return self.containers.new("dict", pairs, name="d")
        return self.containers.sequence("list", out, node)

    def _runtime(self, node: ast.ListComp | ast.GeneratorExp) -> Lowered:
        """`[elt for x in xs if c]` as `acc = []; for x in xs: if c: acc.append(elt)`."""
        core = self.core
        b = core.b
        acc = f".comprehension{next(_accumulators)}"
        core.local_names.add(acc)
        core.mutations[acc] = Verdict(True)
        append = ast.Call(func=ast.Attribute(value=ast.Name(id=acc, ctx=ast.Load()),
                                             attr="append", ctx=ast.Load()),
                          args=[node.elt], keywords=[])
        body: list[ast.stmt] = [ast.Expr(value=append)]
        for g in reversed(node.generators):
            for cond in reversed(g.ifs):
                body = [ast.If(test=cond, body=body, orelse=[])]
            body = [ast.For(target=g.target, iter=g.iter, body=body, orelse=[])]
        loop = body[0]
        for n in ast.walk(loop):
            if not hasattr(n, "lineno"):
                ast.copy_location(n, node)
        b.write(acc, b.call(runtime.make_list, [], loc=core.loc_for(node), name="items"))
        core.stmt(loop)
        result = b.read(acc)
        b.forget(acc)
        assert result is not None  # written before the loop
        if isinstance(result, Var):
            result.name = "items"
        return result


def makes_objects(core, nodes: list) -> bool:
    """Whether any of `nodes` builds an object of a user class, a dataclass or a
    namedtuple (`Particle(x[i])`): a loop making a list of them is unrolled, so that each
    object stays one srcad resolves (objects are not run-time values)."""
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, (ast.Name, ast.Attribute)):
                try:
                    head = core.expr(sub.func) if isinstance(sub.func, ast.Name) else None
                except UnsupportedSyntaxError:
                    continue
                value = head.value if isinstance(head, Static) else None
                if isinstance(value, type) and (is_user_class(value) or
                                                dataclasses.is_dataclass(value) or
                                                is_namedtuple_class(value)):
                    return True
    return False


def _makes_string(node: ast.expr) -> bool:
    """`'k%d' % i`, `f"w{i}"`, `str(i)`: keys are being made (they must be known)."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)) and \
            isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "str"
