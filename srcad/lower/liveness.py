"""Which variables a function may still read after each of its statements.

A backward analysis on the AST, conservative in one direction only: a name is reported
live unless no path from the statement reads it before rebinding it. Loops are iterated
to a fixed point; `break`, `continue` and `return` jump where Python jumps. A name a
nested function or lambda reads is live everywhere (the function may run later).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass
class _Loop:
    exit: set[str]  # live where a `break` lands
    head: set[str]  # live where a `continue` lands


class _Liveness:
    def __init__(self, always: set[str]):
        self.always = always
        self.after: dict[ast.stmt, set[str]] = {}

    def block(self, stmts: list[ast.stmt], live: set[str], loop: _Loop | None) -> set[str]:
        for s in reversed(stmts):
            live = self.stmt(s, live, loop)
        return live

    def stmt(self, s: ast.stmt, out: set[str], loop: _Loop | None) -> set[str]:
        out = out | self.always
        self.after[s] = self.after.get(s, set()) | out
        if isinstance(s, ast.If):
            return _reads(s.test) | self.block(s.body, out, loop) | \
                self.block(s.orelse, out, loop)
        if isinstance(s, (ast.For, ast.While)):
            return self._loop(s, out, loop)
        if isinstance(s, ast.With):
            return set().union(*(_reads(i.context_expr) for i in s.items)) | \
                self.block(s.body, out, loop)
        if isinstance(s, ast.Return):
            return (_reads(s.value) if s.value is not None else set()) | self.always
        if isinstance(s, ast.Break):
            return set(loop.exit) if loop is not None else set(out)
        if isinstance(s, ast.Continue):
            return set(loop.head) if loop is not None else set(out)
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            outer = s.decorator_list + (s.args.defaults + [
                d for d in s.args.kw_defaults if d is not None]
                if not isinstance(s, ast.ClassDef) else [])
            return (out - {s.name}) | set().union(set(), *(_reads(e) for e in outer))
        return (out - _kills(s)) | _reads(s)

    def _loop(self, s: ast.For | ast.While, out: set[str], outer: _Loop | None) -> set[str]:
        exit_live = out | self.block(s.orelse, out, outer)  # `else:` breaks the outer loop
        head = set(exit_live)
        while True:
            context = _Loop(exit=out, head=head)
            body = self.block(s.body, head, context)
            if isinstance(s, ast.For):
                new = exit_live | (body - _target_names(s.target)) | _reads(s.target)
            else:
                new = exit_live | body | _reads(s.test)
            if new <= head:
                break
            head = head | new
        return head | (_reads(s.iter) if isinstance(s, ast.For) else set())


def _reads(node: ast.AST) -> set[str]:
    """Names `node` reads (an augmented assignment reads its target too)."""
    found = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and
             isinstance(n.ctx, ast.Load)}
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        found.add(node.target.id)
    return found


def _target_names(target: ast.expr) -> set[str]:
    """The names a target binds (not those inside a subscript or attribute)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(set(), *(_target_names(e) for e in target.elts))
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return set()


def _kills(s: ast.stmt) -> set[str]:
    """Names a simple statement rebinds before anything after it reads them."""
    if isinstance(s, ast.Assign):
        return set().union(set(), *(_target_names(t) for t in s.targets))
    if isinstance(s, ast.AnnAssign) and s.value is not None:
        return _target_names(s.target)
    return set()


def live_after(function: ast.FunctionDef) -> dict[ast.stmt, set[str]]:
    """For every statement of `function` (outside nested functions), the names that may
    be read after it."""
    always: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, _NESTED) and node is not function:
            inner = node.body if isinstance(node.body, list) else [node.body]
            always |= set().union(set(), *(_reads(b) for b in inner))
    analysis = _Liveness(always)
    analysis.block(function.body, set(always), None)
    return analysis.after
