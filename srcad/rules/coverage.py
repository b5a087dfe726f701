"""What the rule registry covers, as a table (for `python -m srcad rules` and docs/rules.md)."""

from __future__ import annotations

import operator
from dataclasses import dataclass

from srcad.rules import registry
from srcad.rules.registry import Attribute, Method

_OPERATORS = {
    operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
    operator.floordiv: "//", operator.mod: "%", operator.pow: "**", operator.matmul: "@",
    operator.neg: "unary -", operator.pos: "unary +", operator.getitem: "x[i]",
    operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=",
    operator.eq: "==", operator.ne: "!=", operator.not_: "not", operator.invert: "~",
    operator.and_: "&", operator.or_: "|", operator.xor: "^", operator.lshift: "<<",
    operator.rshift: ">>", operator.is_: "is", operator.is_not: "is not",
    operator.contains: "in",
}


@dataclass(frozen=True)
class Row:
    family: str
    name: str
    adjoint: bool
    tangent: bool
    nondifferentiable: bool
    complex: str | None = None  # how the rules treat complex values (docs/complex.md)

    @property
    def status(self) -> str:
        if self.nondifferentiable:
            return "no derivative (declared)"
        parts = [p for p, ok in (("adjoint", self.adjoint), ("tangent", self.tangent)) if ok]
        text = " + ".join(parts)
        return f"{text}; complex: {self.complex}" if self.complex else text


def describe(primal) -> tuple[str, str]:
    """(family, readable name) of a primal."""
    if isinstance(primal, Method):
        return "ndarray methods", f"x.{primal.name}()"
    if isinstance(primal, Attribute):
        return "ndarray attributes", f"x.{primal.name}"
    if primal in _OPERATORS:
        return "Python operators", _OPERATORS[primal]
    module = getattr(primal, "__module__", None) or ""
    name = getattr(primal, "__name__", repr(primal))
    subpackage = _scipy_subpackage(module)
    if subpackage not in (None, "scipy.special", "scipy.stats"):
        return subpackage, f"{subpackage}.{name}"  # scipy.linalg, scipy.signal, ...
    special = _scipy_special()
    if special is not None and getattr(special, name, None) is primal and \
            getattr(__import__("numpy"), name, None) is not primal:
        return "scipy.special", f"scipy.special.{name}"
    if module.startswith("srcad"):
        return "srcad", f"srcad.{name}" if name == "stop_gradient" else f"(internal) {name}"
    if module == "math":
        return "math", f"math.{name}"
    if module == "builtins":
        return "builtins", name
    if module.startswith("scipy.stats"):
        dist = getattr(primal, "__self__", None)
        owner = getattr(dist, "name", None) or type(dist).__name__.removesuffix("_gen")
        return "scipy.stats", f"scipy.stats.{owner}.{name}"
    if module.startswith("scipy"):
        return "scipy.special", f"scipy.special.{name}"
    if module.startswith("numpy.linalg"):
        return "np.linalg", f"np.linalg.{name}"
    if module.startswith("numpy.fft"):
        return "np.fft", f"np.fft.{name}"
    if module.startswith("numpy") or type(primal).__name__ == "ufunc":
        return "np", f"np.{name}"
    return module or "other", name


def _scipy_subpackage(module: str) -> str | None:
    """The public SciPy subpackage a function's module belongs to (`scipy.linalg` for
    `scipy.linalg._basic`), or None outside SciPy."""
    parts = module.split(".")
    if parts[0] != "scipy":
        return None
    return ".".join(parts[:2])


def _scipy_special():
    try:
        import scipy.special
    except ImportError:
        return None
    return scipy.special


def rows() -> list[Row]:
    out = []
    for rule in registry.all_rules():
        family, name = describe(rule.primal)
        out.append(Row(family, name, rule.adjoint is not None, rule.tangent is not None,
                       rule.nondifferentiable, rule.complex))
    return sorted(out, key=lambda r: (r.family, r.name))


def counts() -> dict:
    """Per family: (differentiable primals, declared non-differentiable primals)."""
    result: dict = {}
    for r in rows():
        diff, nondiff = result.get(r.family, (0, 0))
        result[r.family] = (diff + (not r.nondifferentiable), nondiff + r.nondifferentiable)
    return result


def text_table() -> str:
    lines = []
    width = max(len(r.name) for r in rows()) + 2
    for family in sorted({r.family for r in rows()}):
        lines.append(f"{family}:")
        for r in rows():
            if r.family == family:
                lines.append(f"  {r.name:<{width}}{r.status}")
    lines.append("")
    for family, (diff, nondiff) in sorted(counts().items()):
        lines.append(f"{family:<20} {diff:4d} differentiable, {nondiff:4d} declared without "
                     "derivative")
    return "\n".join(lines)


def markdown() -> str:
    """docs/rules.md, generated from the registry."""
    lines = ["# srcad's derivative rules", "",
             "Generated from the rule registry by `python -m srcad rules-md`; a test keeps "
             "it in sync. Every rule listed is checked against finite differences by the "
             "registry sweep (`tests/rules/test_registry_sweep.py`). \"complex\" names how "
             "a rule treats complex values (docs/complex.md); rules without it refuse them.",
             "",
             "| family | differentiable | declared without derivative |", "|---|---|---|"]
    for family, (diff, nondiff) in sorted(counts().items()):
        lines.append(f"| {family} | {diff} | {nondiff} |")
    for family in sorted({r.family for r in rows()}):
        lines += ["", f"## {family}", "", "| primal | rules |", "|---|---|"]
        for r in rows():
            if r.family == family:
                lines.append(f"| `{r.name}` | {r.status} |")
    return "\n".join(lines) + "\n"
