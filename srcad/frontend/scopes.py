"""Python scoping on the AST: which names a function binds, and renaming them.

A function inlined into another (a local `def`, a `lambda`, a method) gets its local
names renamed to `name#N`, so they can never collide with the caller's variables in
the shared environment; generated code shows them as `name` again.
"""

from __future__ import annotations

import ast
import copy
import itertools

SEP = "#"
_counter = itertools.count(1)

Comprehension = ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def fresh_suffix() -> str:
    return f"{SEP}{next(_counter)}"


def signature_args(args: ast.arguments) -> list[ast.arg]:
    """The parameters in the order of the function's signature: positional-only, plain,
    `*args`, keyword-only, `**kwargs`."""
    return args.posonlyargs + args.args + ([args.vararg] if args.vararg else []) + \
        args.kwonlyargs + ([args.kwarg] if args.kwarg else [])


def param_names(args: ast.arguments) -> list:
    """The parameters' names, in the order of the signature."""
    return [a.arg for a in signature_args(args)]


def bound_names(stmts: list) -> set:
    """The names a block of statements binds in its own scope (not in nested ones)."""
    found: set = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
            for d in getattr(node, "decorator_list", []):
                visit(d)
            if not isinstance(node, ast.ClassDef):
                for d in node.args.defaults + [d for d in node.args.kw_defaults if d]:
                    visit(d)
            return
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                             ast.GeneratorExp)):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                found.add((alias.asname or alias.name).split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    for s in stmts:
        visit(s)
    return found


def function_locals(node: ast.FunctionDef | ast.Lambda) -> set:
    body = node.body if isinstance(node.body, list) else [ast.Expr(node.body)]
    return set(param_names(node.args)) | bound_names(body)


class _Renamer(ast.NodeTransformer):
    def __init__(self, mapping: dict):
        self.mapping = mapping

    def visit_Name(self, node: ast.Name):
        new = self.mapping.get(node.id)
        if new is not None:
            node.id = new
        return node

    def _defaults(self, args: ast.arguments) -> None:
        """Default values are evaluated in the enclosing scope."""
        args.defaults = [self.visit(d) for d in args.defaults]
        args.kw_defaults = [self.visit(d) if d is not None else None for d in args.kw_defaults]

    def _inner(self, shadowed: set) -> _Renamer:
        return _Renamer({k: v for k, v in self.mapping.items() if k not in shadowed})

    def visit_FunctionDef(self, node):
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        self._defaults(node.args)
        if node.name in self.mapping:
            node.name = self.mapping[node.name]
        inner = self._inner(function_locals(node))
        node.body = [inner.visit(s) for s in node.body]
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self._defaults(node.args)
        node.body = self._inner(set(param_names(node.args))).visit(node.body)
        return node

    def _comprehension(self, node, parts: list):
        # The first iterable is evaluated in the enclosing scope.
        gens = node.generators
        gens[0].iter = self.visit(gens[0].iter)
        targets = set()
        for g in gens:
            targets |= {n.id for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        inner = self._inner(targets)
        for i, g in enumerate(gens):
            g.target = inner.visit(g.target)
            if i:
                g.iter = inner.visit(g.iter)
            g.ifs = [inner.visit(c) for c in g.ifs]
        for part in parts:
            setattr(node, part, inner.visit(getattr(node, part)))
        return node

    def visit_ListComp(self, node):
        return self._comprehension(node, ["elt"])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        return self._comprehension(node, ["key", "value"])


def renamed_copy(node, mapping: dict):
    """A deep copy of `node` with the names in `mapping` renamed (respecting scopes)."""
    node = copy.deepcopy(node)
    renamer = _Renamer(mapping)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        node.body = [renamer.visit(s) for s in node.body]
        for a in signature_args(node.args):
            a.arg = mapping.get(a.arg, a.arg)
    elif isinstance(node, ast.Lambda):
        node.body = renamer.visit(node.body)
        for a in signature_args(node.args):
            a.arg = mapping.get(a.arg, a.arg)
    else:
        node = renamer.visit(node)
    return node


def rename_targets(comp: Comprehension) -> Comprehension:
    """A comprehension with its loop variables renamed apart (they are local to it)."""
    targets = set()
    for g in comp.generators:
        targets |= {n.id for n in ast.walk(g.target) if isinstance(n, ast.Name)}
    suffix = fresh_suffix()
    mapping = {t: t + suffix for t in targets}
    comp = copy.deepcopy(comp)
    renamer = _Renamer(mapping)
    for i, g in enumerate(comp.generators):
        g.target = renamer.visit(g.target)
        if i:
            g.iter = renamer.visit(g.iter)
        g.ifs = [renamer.visit(c) for c in g.ifs]
    for part in ("elt", "key", "value"):
        if hasattr(comp, part):
            setattr(comp, part, renamer.visit(getattr(comp, part)))
    return comp


def display_name(key: str) -> str:
    """The readable name of a (possibly renamed or internal) variable."""
    return key.lstrip(".").split(SEP)[0]
