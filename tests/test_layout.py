"""The package layout: stage folders, imports pointing one way, no cycles."""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "srcad"

# Lowest first: a module may import only from its own folder or from folders listed
# before its own. `errors` is below everything; the top-level package is above all.
LAYERS = ["errors", "ir", "runtime", "rules", "frontend", "optimize", "analysis", "lower",
          "transforms", "codegen", "pipeline", "api", ""]

# Function-level imports are allowed only for heavy or optional third-party modules.
LAZY_ALLOWED = {"scipy", "IPython", "astor", "cupy", "dask", "numba", "mpmath", "pygments"}


def _module_name(path: pathlib.Path) -> tuple[str, bool]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _imports(path: pathlib.Path) -> list[tuple[str, bool, int]]:
    """(imported module or module.name, at function level, line) for each import."""
    name, is_package = _module_name(path)
    tree = ast.parse(path.read_text())
    found = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ""
                for alias in child.names:
                    found.append((f"{module}.{alias.name}", nested, child.lineno))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    found.append((alias.name, nested, child.lineno))
            visit(child, nested or isinstance(child, (ast.FunctionDef,
                                                       ast.AsyncFunctionDef)))

    visit(tree, False)
    return found


def import_graph() -> tuple[dict[str, set[str]], list[str]]:
    """Module -> srcad modules it imports (anywhere in the file); and the lazy imports
    of srcad modules or of modules outside LAZY_ALLOWED, as messages."""
    modules = {_module_name(p)[0]: p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    lazy = []
    for module, path in modules.items():
        for target, nested, line in _imports(path):
            resolved = target if target in modules else target.rsplit(".", 1)[0]
            inside = resolved in modules
            if nested and (inside or target.split(".")[0] not in LAZY_ALLOWED):
                lazy.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
            if inside and resolved != module:
                graph[module].add(resolved)
    return graph, lazy


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def _layer(module: str) -> int:
    parts = module.split(".")
    folder = parts[1] if len(parts) > 1 else ""
    return LAYERS.index(folder) if folder in LAYERS else LAYERS.index("")


def test_no_import_cycles():
    graph, _ = import_graph()
    assert cycles(graph) == []


def test_imports_point_one_way():
    graph, _ = import_graph()
    upward = [f"{m} imports {t}" for m, targets in sorted(graph.items()) for t in sorted(targets)
              if _layer(t) > _layer(m)]
    assert upward == []


def test_no_function_level_imports_of_srcad_or_light_modules():
    _, lazy = import_graph()
    assert lazy == []


def test_top_level_holds_few_modules():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 6, top


@pytest.mark.parametrize("folder", [f for f in LAYERS if f and f != "errors"])
def test_each_stage_is_a_folder(folder):
    assert (PACKAGE / folder / "__init__.py").is_file()


def test_cycle_detection_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
