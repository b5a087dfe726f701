"""Which keyword arguments a rule's templates honour: a property of the registry.

A template lists the primal's parameters, so a call binds its arguments to them. A
parameter the template never reads (neither `p` nor `d<p>`) is ignored by it, and an
option the template does not list at all cannot be bound: either way the derivative
would silently leave the option out. `refusal` says, for one argument of a call, why
the rule cannot honour it, or None when it can:

* the template reads the parameter (or the argument equals the parameter's default);
* a required parameter: an input the rule sees through the others (`reshape`'s shape);
* `dtype` names a real floating dtype: the templates compute in the values' own dtype,
  and the derivative of a real function does not depend on its precision;
* a ufunc's `casting`, `order` and `subok`, which change how the result is stored,
  never its values (a cast that changes values needs a `dtype` or an `out`);
* a parameter a built-in rule reads through the output or the inputs' shapes
  (`READ_THROUGH`).

Everything else is refused; `out=` never reaches a rule (the lowering rewrites
`f(x, out=buf)` into `buf = f(x)`, srcad/lower/out_arguments.py), so one that does is
refused too. The rules derive this from the templates, so a newly registered rule is
covered without declaring anything.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from srcad.ir.nodes import Const, Operand
from srcad.rules.registry import Method
from srcad.rules.templates import Template

# How a ufunc's result is stored, never its values.
UFUNC_STORAGE = frozenset({"casting", "order", "subok"})

# Parameters a built-in rule's templates leave unread, by primal: the templates read
# their effect through the output `y` (a conversion's dtype), the inputs' shapes (a
# squeeze's axis, an FFT's length), or it is only how the result is stored.
READ_THROUGH: dict[Any, frozenset[str]] = {
    np.copy: frozenset({"order", "subok"}),
    Method("copy"): frozenset({"order"}),
    np.asarray: frozenset({"dtype", "order", "copy", "device"}),
    np.array: frozenset({"dtype", "copy", "order", "subok", "ndmin"}),
    Method("astype"): frozenset({"dtype", "order", "casting", "subok", "copy"}),
    np.nan_to_num: frozenset({"copy"}),
    np.squeeze: frozenset({"axis"}),
    Method("squeeze"): frozenset({"axis"}),
    np.fft.fft: frozenset({"n"}),
    np.fft.ifft: frozenset({"n"}),
    np.angle: frozenset({"deg"}),  # the angle of a real number is piecewise constant
    # the fill value is written in the result's dtype and shape, which the rules read
    # through the result (an integer result has a zero derivative)
    np.full: frozenset({"order"}),
    np.full_like: frozenset({"dtype", "order", "subok", "shape"}),
    np.bincount: frozenset({"minlength"}),  # the adjoint reads the bins of the output
}


@dataclass(frozen=True)
class Refusal:
    """Why a rule cannot honour one argument of a call, and what to do instead."""

    keyword: str
    reason: str
    hint: str


def refusal(primal: Any, template: Template, name: str, value: Operand,
            label: str) -> Refusal | None:
    """Why the derivative `template` of `primal` cannot honour the argument `name=value`
    of a call (None if it honours it, or the argument changes nothing it computes).

    Parameters
    ----------
    primal : callable
        The called function (`np.sum`, `Method("sum")`, ...).
    template : Template
        The adjoint or tangent template the call would use.
    name : str
        The parameter or keyword the call gives (by keyword or by position).
    value : Operand
        What the call gives for it.
    label : str
        How messages name the primal (`np.sum`).
    """
    params = template.signature.parameters
    param = params.get(name)
    if name == "out":
        if _is_none(value):
            return None
        return Refusal(name, f"'{label}' writes its result into the array given as 'out', "
                             "which srcad can only follow into a new array the function "
                             "itself created",
                       "assign the result instead: buf = f(...) (srcad rewrites out= into "
                       "that form where buf is a local array nothing else holds)")
    if param is not None:
        if param.kind is param.VAR_POSITIONAL or name in template_reads(template):
            return None
        if param.default is param.empty:
            return None
        if isinstance(value, Const) and _equal(value.value, param.default):
            return None
    elif any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return None
    if name in READ_THROUGH.get(_key(primal), ()):
        return None
    if name == "dtype":
        if _is_none(value) or _real_floating(value):
            return None
        return Refusal(name, f"'{label}' is given a dtype that is not a real floating "
                             "type (an integer dtype makes the result piecewise constant, a "
                             "complex one changes the derivative's convention), which its "
                             "derivative rule does not take into account",
                       "leave dtype out and convert the result afterwards "
                       "(f(x).astype(...)), or pass a real floating dtype such as "
                       "np.float64")
    if isinstance(primal, np.ufunc) and name in UFUNC_STORAGE:
        return None
    if isinstance(primal, np.ufunc) and name == "where":
        if isinstance(value, Const) and value.value is True:
            return None
        return Refusal(name, f"'{label}' is called with where= and no out=: NumPy leaves the "
                             "entries where the mask is False uninitialized",
                       "pass out= as well (np.f(x, out=buf, where=mask), with buf a new "
                       "local array), or write np.where(mask, np.f(x), fallback)")
    return Refusal(name, f"'{label}' is called with '{name}', which its derivative rule "
                         "does not take into account",
                   f"leave '{name}' out or compute the value another way; a rule that "
                   f"reads '{name}' can be registered with @srcad.adjoint and "
                   "@srcad.tangent")


def template_reads(template: Template) -> frozenset[str]:
    """The parameters `template` reads or differentiates: `p`, `d<p>` read or assigned."""
    cached = _READS.get(id(template))
    if cached is not None and cached[0] is template:
        return cached[1]
    names = {node.id for stmt in template.body for node in ast.walk(stmt)
             if isinstance(node, ast.Name)}
    reads = frozenset(p for p in template.params if p in names or "d" + p in names)
    _READS[id(template)] = (template, reads)
    return reads


_READS: dict[int, tuple[Template, frozenset[str]]] = {}


def explicit_arguments(template: Template, args: list, kwargs: dict) -> dict | None:
    """The arguments a call gives explicitly, by the template parameter (or keyword) they
    bind to: positions bound like the primal binds them, keywords the template does not
    list kept under their own name. None if the positions do not fit the template."""
    params = list(template.signature.parameters.values())
    known = {p.name for p in params}
    listed = {k: v for k, v in kwargs.items() if k in known}
    try:
        bound = template.signature.bind_partial(*args, **listed)
    except TypeError:
        return None
    given = {}
    for name, value in bound.arguments.items():
        kind = template.signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            given.update(value)
        else:
            given[name] = value
    given.update({k: v for k, v in kwargs.items() if k not in known})
    return given


def ignorable(primal: Any, name: str, value: Operand) -> bool:
    """Whether a keyword a template does not list may be left out of its binding: a
    ufunc's storage options and a real floating dtype, which change no value."""
    if not isinstance(primal, np.ufunc):
        return False
    return name in UFUNC_STORAGE or (name == "dtype" and (_is_none(value) or
                                                           _real_floating(value)))


def _key(primal: Any) -> Any:
    try:
        hash(primal)
        return primal
    except TypeError:
        return None


def _is_none(value: Operand) -> bool:
    if not isinstance(value, Const):
        return False
    if value.value is None:
        return True
    return isinstance(value.value, tuple) and all(v is None for v in value.value)


def _real_floating(value: Operand) -> bool:
    if not isinstance(value, Const):
        return False
    try:
        return np.dtype(value.value).kind == "f"
    except TypeError:
        return False


def _equal(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
