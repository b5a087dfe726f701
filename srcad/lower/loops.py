"""`for` and `while` loops: unrolled over items known while transforming, else
`ForRange` over `range(...)`, `enumerate`, `zip` or a run-time sequence, and `While`."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Sequence
from typing import Any

from srcad import runtime
from srcad.errors import SourceLoc
from srcad.ir.handles import Lowered, Static, Struct
from srcad.ir.nodes import Const, Operand, Var
from srcad.lower.comprehensions import makes_objects
from srcad.lower.containers import Containers
from srcad.lower.context import LoweringContext
from srcad.lower.iteration import StaticIteration


def stored_names(nodes: Sequence[ast.AST]) -> set[str]:
    """The names assigned anywhere inside `nodes`."""
    return {node.id for s in nodes for node in ast.walk(s)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def _flag_names(stmts: Sequence[ast.stmt]) -> set[str]:
    """The control flags (`.broke...`) normalization assigns in `stmts`."""
    return {name for name in stored_names(stmts) if name.startswith(".")}


class Loops:
    """Lowers loops.

    Parameters
    ----------
    core : LoweringContext
        The lowering the loops belong to.
    containers : Containers
        Packs the items of `zip(...)` loops.
    iteration : StaticIteration
        Finds the items of loops that are unrolled.
    """

    def __init__(self, core: LoweringContext, containers: Containers,
                 iteration: StaticIteration):
        self.core = core
        self.containers = containers
        self.iteration = iteration

    def for_stmt(self, s: ast.For) -> None:
        core = self.core
        b = core.b
        if s.orelse:
            raise core.unsupported(s, "'for ... else' loops",
                                   "use a flag variable set before 'break'")
        loc = core.loc_for(s)
        it = s.iter
        items = self.iteration.items(it, ranges=self._writes_computed_keys(s.body) or
                                     makes_objects(core, _appended(s.body)))
        if items is not None:
            self._unrolled_for(s, items)
            return
        call = it.func if isinstance(it, ast.Call) else None
        head = core.expr(call) if call is not None else None
        exit_key = getattr(s, "srcad_exit", None)
        assigned = stored_names(s.body) | stored_names([s.target]) | \
            ({exit_key} if exit_key else set()) | _flag_names(s.body)

        body: Callable[[Var], None]
        if isinstance(it, ast.Call) and isinstance(head, Static) and head.value is range \
                and not it.keywords:
            args = [core.expr_value(a) for a in it.args]
            rng = b.call(range, args, loc=loc, name="steps")

            def body(index: Var) -> None:
                index.name = s.target.id if isinstance(s.target, ast.Name) else "i"
                index.keep = True
                core.assign(s.target, index, None)
                core.block(s.body)
        elif isinstance(it, ast.Call) and isinstance(head, Static) and \
                head.value in (enumerate, zip) and \
                not any(k.arg != "start" for k in it.keywords):
            rng, body = self._enumerate_or_zip(s, it, head.value, loc)
        else:
            seq = b.call(runtime.as_sequence, [core.expr_value(it)], loc=loc, name="items")
            n = b.call(len, [seq], loc=loc, name="n")
            rng = b.call(range, [n], loc=loc, name="steps")

            def body(index: Var) -> None:
                index.name = "k"
                name = s.target.id if isinstance(s.target, ast.Name) else "item"
                item = b.call(operator.getitem, [seq, index], loc=loc, name=name)
                core.assign(s.target, item, None)
                core.block(s.body)

        b.build_for(rng, "i", body, assigned=sorted(assigned), exit_key=exit_key, loc=loc)

    def _writes_computed_keys(self, body: list[ast.stmt]) -> bool:
        """Whether `body` assigns into a container srcad resolves while transforming at a
        key it computes (`d[f"w{i}"] = v`): then a loop over a constant range is
        unrolled, so that each key is known."""
        core = self.core
        for node in (n for s in body for n in ast.walk(s)):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for t in targets:
                if isinstance(t, ast.Subscript) and not isinstance(t.slice, ast.Constant) and \
                        isinstance(t.value, ast.Name) and t.value.id in core.local_names and \
                        isinstance(core.b.read(t.value.id), Struct):
                    return True
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and \
                    isinstance(node.slice, ast.JoinedStr) and \
                    isinstance(node.value, ast.Name) and node.value.id in core.local_names:
                held = core.b.read(node.value.id)
                if isinstance(held, Struct) and held.kind == "dict":
                    return True  # params[f"W{i}"]: each key must be known
        return False

    def _enumerate_or_zip(self, s: ast.For, it: ast.Call, fn: object,
                          loc: SourceLoc | None) -> tuple[Var, Callable[[Var], None]]:
        """`for i, x in enumerate(xs)`, `for a, b in zip(xs, ys)` (and enumerate of a
        zip): one loop over an index, reading each sequence at it."""
        core = self.core
        b = core.b
        zipped = None
        if fn is enumerate and len(it.args) == 1 and \
                isinstance(it.args[0], ast.Call) and not it.args[0].keywords:
            inner = core.expr(it.args[0].func)
            if isinstance(inner, Static) and inner.value is zip:
                zipped = it.args[0].args  # enumerate(zip(a, b)): one loop over both
        sources = zipped if zipped is not None else it.args
        # zip(zip(a, b), c): one loop over a, b and c, whose items nest as written
        seqs: list[Var] = []

        def layout(node: ast.expr) -> Any:
            head = core.expr(node.func) if isinstance(node, ast.Call) and \
                isinstance(node.func, ast.Name) and node.func.id == "zip" and \
                not node.keywords else None
            if isinstance(head, Static) and head.value is zip:
                assert isinstance(node, ast.Call)
                return [layout(a) for a in node.args]
            seqs.append(b.call(runtime.as_sequence, [core.expr_value(node)], loc=loc,
                               name="items"))
            return len(seqs) - 1

        layouts = [layout(a) for a in sources]
        start: Operand = Const(0)
        for k in it.keywords:
            start = core.expr_value(k.value)
        if fn is enumerate and len(seqs) != 1 and zipped is None:
            raise core.unsupported(s, "enumerate() with several sequences",
                                   "call enumerate on one sequence")
        lengths = [b.call(len, [q], loc=loc, name="n") for q in seqs]
        n = lengths[0] if len(lengths) == 1 else b.call(min, lengths, loc=loc, name="n")
        rng = b.call(range, [n], loc=loc, name="steps")
        is_enum = fn is enumerate

        def body(index: Var) -> None:
            index.name = "k"
            read: list[Lowered] = [b.call(operator.getitem, [q, index], loc=loc, name="item")
                                   for q in seqs]

            def nested(shape: Any) -> Lowered:
                if isinstance(shape, int):
                    return read[shape]
                return self.containers.new("tuple", list(enumerate(nested(x) for x in shape)),
                                           name="item")

            items: list[Lowered] = [nested(x) for x in layouts]
            if zipped is not None:
                items = [self.containers.new("tuple", list(enumerate(items)), name="item")]
            if is_enum:
                counter = index if start == Const(0) else b.call(
                    operator.add, [index, start], loc=loc, name="i")
                items = [counter] + items
            self._assign_items(s.target, items, loc)
            core.block(s.body)

        return rng, body

    def _assign_items(self, target: ast.expr, items: list[Lowered],
                      loc: SourceLoc | None) -> None:
        core = self.core
        if isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == len(items):
            for elt, item in zip(target.elts, items):
                core.assign(elt, item, None)
        else:
            operands = [core.operand(i, target) for i in items]
            packed = core.b.call(runtime.make_tuple, operands, loc=loc, name="item")
            core.assign(target, packed, None)

    def _unrolled_for(self, s: ast.For, items: list[Lowered]) -> None:
        """A loop over a container: its body, once per item."""
        core = self.core
        exit_key = getattr(s, "srcad_exit", None)
        for item in items:
            def iteration(item: Lowered = item) -> None:
                core.assign(s.target, item, None)
                core.block(s.body)
            if exit_key is None:
                iteration()
                continue
            flag = core.b.read(exit_key)
            if isinstance(flag, Const) and flag.value:
                break
            if isinstance(flag, Const):
                iteration()
            else:
                assert isinstance(flag, Var)  # a `break` ran on some paths: a run-time flag
                core.b.build_if(flag, lambda: None, iteration, loc=core.loc_for(s))

    def while_stmt(self, s: ast.While) -> None:
        core = self.core
        if s.orelse:
            raise core.unsupported(s, "'while ... else' loops",
                                   "use a flag variable set before 'break'")
        assigned = stored_names(s.body) | _flag_names(s.body)
        exit_key = getattr(s, "srcad_exit", None)
        if exit_key:
            assigned.add(exit_key)
        core.b.build_while(lambda: core.expr_value(s.test), lambda: core.block(s.body),
                           assigned=sorted(assigned), exit_key=exit_key, loc=core.loc_for(s))


def _appended(body: list[ast.stmt]) -> list[ast.expr]:
    """What `body` appends to lists (`ps.append(Particle(...))`)."""
    return [node.args[0] for s in body for node in ast.walk(s)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and
            node.func.attr == "append" and len(node.args) == 1]
