"""Templates built from other statements, so that each derivative is stated once.

* `linear_tangent`: the tangent of a linear (or bilinear) primitive is the primal
  applied to the tangents, built from the parameters its adjoint differentiates.
* `elementwise_templates`: an elementwise function's adjoint and tangent, built from
  its partial derivatives (`dx = dy * f'(x)` and `dy = dx * f'(x)`).
* `renamed`: another primal's templates with some free names read differently (the
  `math` twin of a NumPy rule reads `np.cos` as `math.cos`).

The results are ordinary `Template`s: the transforms splice them like written ones.
"""

from __future__ import annotations

import ast
import copy
import inspect
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from srcad.errors import RuleError
from srcad.rules.templates import Template, stored_names

# How derived code spells the primal applied to arguments and keywords.
PrimalCall = Callable[[list[ast.expr], list[ast.keyword]], ast.expr]

# Parameters a derived tangent does not pass on to the primal: a tangent is never
# written into the caller's `out` array and keeps the tangents' own precision.
NOT_PASSED_ON = frozenset({"out", "dtype"})

# The name a derived template calls a primal by when its module has no name for it.
PRIMAL_NAME = "_primal_"


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _assign(name: str, value: ast.expr, like: ast.AST) -> ast.stmt:
    stmt = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)
    return ast.fix_missing_locations(ast.copy_location(stmt, like))


def call_function(function: Any, names: Mapping[str, Any]) -> PrimalCall:
    """`f(args...)`, `f` spelled as the module with globals `names` spells it (`np.sum`,
    `np.fft.fft`, `unreduce`), else as `PRIMAL_NAME`."""
    spelled = _spelling(function, names)
    return lambda args, keywords: ast.Call(func=copy.deepcopy(spelled), args=args,
                                           keywords=keywords)


def _spelling(function: Any, names: Mapping[str, Any]) -> ast.expr:
    """A public name bound to `function` in `names`, or an attribute path to it from a
    module bound there; `PRIMAL_NAME` if there is none."""
    for name, value in names.items():
        if value is function and not name.startswith("_"):
            return _load(name)
    short = getattr(function, "__name__", None)
    home = (getattr(function, "__module__", None) or "").split(".")
    for name, value in names.items():
        if not (short and inspect.ismodule(value)):
            continue
        path = value.__name__.split(".")
        inner = home[len(path):] if home[:len(path)] == path else []
        owner: Any = value
        spelled: ast.expr = _load(name)
        for part in [None, *inner]:
            if part is not None:
                owner = getattr(owner, part, None)
                spelled = ast.Attribute(value=spelled, attr=part, ctx=ast.Load())
            if getattr(owner, short, None) is function:
                return ast.Attribute(value=spelled, attr=short, ctx=ast.Load())
    return _load(PRIMAL_NAME)


def call_method(name: str) -> PrimalCall:
    """`receiver.<name>(args...)`, the receiver being the first argument."""
    return lambda args, keywords: ast.Call(
        func=ast.Attribute(value=args[0], attr=name, ctx=ast.Load()), args=args[1:],
        keywords=keywords)


def read_attribute(name: str) -> PrimalCall:
    """`receiver.<name>`, the receiver being the only argument."""
    return lambda args, keywords: ast.Attribute(value=args[0], attr=name, ctx=ast.Load())


# ----------------------------------------------------------------------------- linear


def differentiated(adjoint: Template) -> list[str]:
    """The parameters an adjoint template assigns a derivative to."""
    stored = stored_names(adjoint.body)
    return [p for p in adjoint.params if "d" + p in stored]


def linear_tangent(adjoint: Template, spell: PrimalCall, primal: Any, *,
                   bilinear: bool) -> Template:
    """The tangent of a linear primitive, `dy = f(dx1, x2, ...)` with each
    differentiated parameter's tangent in its place, or of a bilinear one (linear in
    each differentiated parameter separately), `dy = f(dx1, x2) + f(x1, dx2)`.

    The other parameters are passed as the call gave them, those without a default
    by position and the others by keyword (`out` and `dtype` are not passed on).
    """
    wrt = differentiated(adjoint)
    if not wrt:
        raise RuleError(f"the adjoint rule '{adjoint.function.__name__}' assigns no "
                        "d<parameter>, so no tangent can be derived from it")
    groups = [[p] for p in wrt] if bilinear else [wrt]
    terms = [_primal_applied(adjoint.signature, spell, set(group)) for group in groups]
    total = terms[0]
    for term in terms[1:]:
        total = ast.BinOp(left=total, op=ast.Add(), right=term)
    body = [_assign("d" + adjoint.output, total, adjoint.body[0])]
    return Template(adjoint.function, adjoint.output, adjoint.signature, body,
                    adjoint.filename, ChainMap({PRIMAL_NAME: primal}, adjoint.globals))


def _primal_applied(signature: inspect.Signature, spell: PrimalCall,
                    tangents: set[str]) -> ast.expr:
    """The primal called with `signature`'s parameters, d<p> in place of each p in
    `tangents`."""
    args: list[ast.expr] = []
    keywords: list[ast.keyword] = []
    by_keyword = False
    for p in signature.parameters.values():
        value = _load("d" + p.name if p.name in tangents else p.name)
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise RuleError(f"no tangent can be derived for a primal taking '{p}' (a template "
                            "cannot pass arguments on with * or **)",
                            hint="write the tangent rule with srcad.tangent")
        if p.name in NOT_PASSED_ON and p.name not in tangents:
            by_keyword = True
        elif p.kind is p.KEYWORD_ONLY:
            keywords.append(ast.keyword(arg=p.name, value=value))
        elif p.kind is p.POSITIONAL_ONLY or not by_keyword and (
                p.default is p.empty or p.name in tangents):
            if by_keyword:
                raise RuleError(f"cannot pass parameter '{p.name}' by position after one "
                                "passed by keyword in a derived tangent")
            args.append(value)
        else:
            by_keyword = True
            keywords.append(ast.keyword(arg=p.name, value=value))
    return spell(args, keywords)


# ----------------------------------------------------------------------------- elementwise


def elementwise_templates(statement: Template, wrt: Sequence[str] | None,
                          selecting: bool = False) -> tuple[Template, Template]:
    """The adjoint and tangent of an elementwise function from the statement of its
    partial derivatives.

    The statement returns one factor per parameter in `wrt` (default: every
    parameter), after any statements computing what the factors share. The adjoint
    is ``d<p> = d<out> * factor_p`` for each p, and the tangent
    ``d<out> = sum(d<p> * factor_p)``.

    The derivative is multiplied in at the left end of a factor's product: a factor
    `2.0 * x / y` gives ``dy * 2.0 * x / y``, `1.0 / g` gives ``dy / g`` and `-g`
    gives ``-dy * g`` (parts that read no parameter, like `(np.pi / 180.0)`, stay
    whole). So the spliced code reads as if written by hand.

    With `selecting`, the factors are weights in [0, 1] saying how much of the output
    each input is (maximum, minimum, clip): the products are ``share(dy, w)``, which is
    0 where the weight is 0 even if ``dy`` is infinite or NaN.
    """
    name = statement.function.__name__
    params = statement.signature.parameters
    wrt = list(params) if wrt is None else list(wrt)
    if not wrt:
        raise RuleError(f"the derivative rule '{name}' differentiates no parameter")
    for p in wrt:
        if p not in params or params[p].kind in (params[p].VAR_POSITIONAL,
                                                 params[p].VAR_KEYWORD):
            raise RuleError(f"the derivative rule '{name}' has no plain parameter '{p}'")
    *prelude, last = statement.body
    if not isinstance(last, ast.Return) or last.value is None or \
            any(isinstance(node, ast.Return) for stmt in prelude for node in ast.walk(stmt)):
        raise RuleError(f"the derivative rule '{name}' must end with its only 'return'",
                        hint="return the partial derivatives, one per parameter")
    factors = [last.value] if len(wrt) == 1 else _items(last.value)
    if len(factors) != len(wrt):
        raise RuleError(f"the derivative rule '{name}' returns {len(factors)} partial "
                        f"derivatives for {len(wrt)} parameters ({', '.join(wrt)})",
                        hint="return one per parameter, or name them with wrt=")
    local = set(params) | {statement.output} | stored_names(prelude)
    seed = "d" + statement.output

    if selecting and "share" not in statement.globals:
        raise RuleError(f"the selecting derivative rule '{name}' needs 'share' "
                        "(srcad.runtime.elementwise.share) among its module's names")
    scaled = _shared if selecting else _scaled
    adjoint_body = copy.deepcopy(prelude)
    for p, factor in zip(wrt, factors):
        adjoint_body.append(_assign("d" + p, scaled(seed, factor, local), last))

    total = scaled("d" + wrt[0], factors[0], local)
    for p, factor in zip(wrt[1:], factors[1:]):
        if selecting:
            term, negative = _shared("d" + p, factor, local), False
        else:
            term, negative = _product(_load("d" + p), copy.deepcopy(factor), local)
        total = ast.BinOp(left=total, op=ast.Sub() if negative else ast.Add(), right=term)
    tangent_body = copy.deepcopy(prelude) + [_assign(seed, total, last)]

    def template(body: list) -> Template:
        return Template(statement.function, statement.output, statement.signature, body,
                        statement.filename, statement.globals)

    return template(adjoint_body), template(tangent_body)


def _items(value: ast.expr) -> list[ast.expr]:
    return list(value.elts) if isinstance(value, ast.Tuple) else [value]


def _shared(seed: str, factor: ast.expr, local: set[str]) -> ast.expr:
    """``share(seed, factor)``."""
    return ast.Call(func=_load("share"), args=[_load(seed), copy.deepcopy(factor)],
                    keywords=[])


def _scaled(seed: str, factor: ast.expr, local: set[str]) -> ast.expr:
    """`seed` times `factor`, with a leading minus sign of the factor on the seed."""
    expr, negative = _product(_load(seed), copy.deepcopy(factor), local)
    if negative:
        negated = ast.UnaryOp(op=ast.USub(), operand=_load(seed))
        expr, _ = _product(negated, copy.deepcopy(factor), local)
    return expr


def _product(seed: ast.expr, factor: ast.expr, local: set[str]) -> tuple[ast.expr, bool]:
    """`seed * factor` multiplied in at the left end of the factor's product, and
    whether the factor's leading minus signs make it negative (they are left out)."""
    if isinstance(factor, ast.Constant) and type(factor.value) in (int, float) and \
            factor.value == 1:
        return seed, False
    if isinstance(factor, ast.UnaryOp) and isinstance(factor.op, ast.USub):
        expr, negative = _product(seed, factor.operand, local)
        return expr, not negative
    if isinstance(factor, ast.BinOp) and isinstance(factor.op, (ast.Mult, ast.Div)) and \
            _reads(factor, local):
        expr, negative = _product(seed, factor.left, local)
        return ast.BinOp(left=expr, op=factor.op, right=factor.right), negative
    return ast.BinOp(left=seed, op=ast.Mult(), right=factor), False


def _reads(expr: ast.expr, names: set[str]) -> bool:
    return any(isinstance(node, ast.Name) and node.id in names for node in ast.walk(expr))


# ----------------------------------------------------------------------------- renamed


def renamed(template: Template, names: Mapping[str, Any]) -> Template:
    """`template` with each free name in `names` resolving to its value there instead
    (a module is then spelled by its own name: `np.cos` read as `math.cos` reads
    ``math.cos``).

    Every attribute the template reads from a renamed name must exist on its new
    value.
    """
    local = set(template.params) | {template.output} | stored_names(template.body)
    spelled = {old: _own_name(value) or old for old, value in names.items() if old not in local}
    body = copy.deepcopy(template.body)
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id in spelled and not hasattr(names[node.value.id], node.attr):
                raise RuleError(f"the rule '{template.function.__name__}' reads "
                                f"'{node.value.id}.{node.attr}', which "
                                f"{names[node.value.id]!r} does not have")
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and node.id in spelled:
                node.id = spelled[node.id]
    bound = {spelled[old]: names[old] for old in spelled}
    return Template(template.function, template.output, template.signature, body,
                    template.filename, ChainMap(bound, template.globals))


def _own_name(value: Any) -> str | None:
    """The name a module goes by, if it is a plain identifier."""
    name = getattr(value, "__name__", None) if inspect.ismodule(value) else None
    return name if name is not None and name.isidentifier() else None
