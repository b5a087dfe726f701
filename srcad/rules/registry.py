"""The derivative-rule registry.

One registry maps a primal (an operator, `np.sin`, `math.exp`, an ndarray method,
a user's function) to its rules. A rule is a short Python *template* whose body is
spliced into generated code:

    @srcad.adjoint(np.tanh)
    def _(y, x):
        dx = dy * (1.0 - y * y)

The template's first parameter names the primal's output, the others mirror the
primal's parameters (defaults included). An adjoint template reads `d<output>`
and assigns `d<param>` for each differentiable parameter; a tangent template reads
`d<param>` and assigns `d<output>`. Built-in and user rules use this same mechanism.

Most rules are stated once and the rest derived (srcad/rules/derivation.py): a linear
primitive's tangent from its adjoint (`adjoint(..., linear=True)`), an elementwise
function's adjoint and tangent from its partial derivatives (`derivative`), and a twin
primal's rules from the original's (`share_rules`: `x.sum()` from `np.sum`, `math.sin`
from `np.sin`).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from srcad.errors import RuleError
from srcad.ir.kinds import ARRAY, KIND_RULES, NUMERIC, OTHER, SCALAR, TupleKind, join_kinds  # noqa: F401
from srcad.rules import derivation
from srcad.rules.templates import Template, parse_template

# ----------------------------------------------------------------------------- primal keys


@dataclass(frozen=True)
class Method:
    """The primal `obj.<name>(...)`: a method looked up on the receiver at run time."""

    name: str

    @property
    def srcad_label(self) -> str:
        return f".{self.name}"

    def srcad_apply(self, obj: Any, *args: Any, **kwargs: Any) -> Any:
        """`obj.<name>(*args, **kwargs)` (how `srcad.ir.interpret` runs it)."""
        return getattr(obj, self.name)(*args, **kwargs)


@dataclass(frozen=True)
class Attribute:
    """The primal `obj.<name>`: an attribute read."""

    name: str

    @property
    def srcad_label(self) -> str:
        return f".{self.name}"

    def srcad_apply(self, obj: Any) -> Any:
        """`obj.<name>` (how `srcad.ir.interpret` runs it)."""
        return getattr(obj, self.name)


# ----------------------------------------------------------------------------- examples


@dataclass(frozen=True)
class Rand:
    """A random float input for a rule's tests: a scalar (`shape=()`) or an array."""

    shape: tuple = ()
    low: float | tuple = -1.5  # a bound for every entry, or nested tuples shaped like one
    high: float | tuple = 1.5


@dataclass(frozen=True)
class Example:
    """One call of a primal used to test its rules: `Rand` entries are drawn at random
    (and differentiated), every other entry is passed as it is."""

    args: tuple
    kwargs: dict = field(default_factory=dict, hash=False, compare=False)


# ----------------------------------------------------------------------------- rules


class Deferred:
    """A template parsed (or derived) on first use, once: reading the source of some
    thousand templates when srcad is imported took most of the import's time. (Also what a
    parse shared by two templates is kept in.)"""

    def __init__(self, make: Callable[[], Any]):
        self._make: Callable[[], Any] | None = make
        self._value: Any = None

    def __call__(self) -> Any:
        with _lock:
            if self._make is not None:
                self._value, self._make = self._make(), None
        return self._value


class _ParsedOnUse:
    """A template attribute of `Rule` (`adjoint`, ...) kept in `_<name>`: a `Deferred` there
    is parsed on the first read and replaced by its template."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, rule: Any, owner: type | None = None) -> Any:
        if rule is None:
            return self
        value = getattr(rule, self.slot)
        if isinstance(value, Deferred):
            value = value()
            setattr(rule, self.slot, value)
        return value

    def __set__(self, rule: Any, value: Template | Deferred | None) -> None:
        setattr(rule, self.slot, value)


def _template_of(function: Callable,
                 make: Callable[[], Template | None]) -> Template | Deferred | None:
    """`make()` now for a rule the user registers (a wrong template is refused where it is
    written), on first use for srcad's own (parsed at import, they took most of its time)."""
    if getattr(function, "__module__", "").startswith("srcad."):
        return Deferred(make)
    return make()


@dataclass
class Rule:
    primal: Any
    # The templates, or `Deferred` parses of them (parsed on first use, not at import).
    _adjoint: Template | Deferred | None = None
    _tangent: Template | Deferred | None = None
    nondifferentiable: bool = False
    broadcasting: bool = False
    kind: Callable = field(default=KIND_RULES["numeric"])
    pure: bool = True
    # Domain for the automatic finite-difference sweep over the registry.
    test_domain: dict = field(default_factory=dict)
    # Calls the sweep tests the rules on, for primals it cannot call generically.
    examples: list = field(default_factory=list)
    # Parameters that carry no derivative (read only for their shape, an index, ...).
    nondiff_params: frozenset = frozenset()
    # How the templates treat complex values (see `complex_values`); None: refused.
    complex: str | None = None
    # The output's dtype: None when it is complex exactly if an input is, else
    # "real" or "complex" whatever the inputs; a tuple gives one per item of a tuple
    # output (see `complex_values`).
    output_dtype: str | tuple | None = None
    # Templates used instead of `adjoint` / `tangent` when a value is complex.
    _complex_adjoint: Template | Deferred | None = None
    _complex_tangent: Template | Deferred | None = None

    adjoint = _ParsedOnUse()
    tangent = _ParsedOnUse()
    complex_adjoint = _ParsedOnUse()
    complex_tangent = _ParsedOnUse()

    def adjoint_for(self, complex_values: bool) -> Template | None:
        if complex_values and self.complex_adjoint is not None:
            return self.complex_adjoint
        return self.adjoint

    def tangent_for(self, complex_values: bool) -> Template | None:
        if complex_values and self.complex_tangent is not None:
            return self.complex_tangent
        return self.tangent


_rules: dict = {}
_lock = threading.RLock()
_generation = [0]


def generation() -> int:
    """A counter bumped whenever rules change (part of every cache key)."""
    return _generation[0]


def _rule_for(primal) -> Rule:
    rule = _rules.get(_key(primal))
    if rule is None:
        rule = Rule(primal)
        _rules[_key(primal)] = rule
    return rule


def _key(primal):
    try:
        hash(primal)
        return primal
    except TypeError:
        return ("id", id(primal))


# Functions whose arguments may be tuples that are not arrays (scipy.linalg.cho_solve's
# (factor, lower) pair): srcad does not convert a tuple display passed to them.
TAKES_TUPLES: set = set()


def takes_tuples(*primals) -> None:
    """Declare that `primals` take tuple arguments as such (see `TAKES_TUPLES`)."""
    TAKES_TUPLES.update(primals)


def lookup(primal) -> Rule | None:
    try:
        rule = _rules.get(_key(primal))
        if rule is None and _deferred and _register_deferred(importing=False):
            rule = _rules.get(_key(primal))
        return rule
    except TypeError:
        return None


def all_rules() -> list[Rule]:
    """Every rule, those of modules registered when imported included (importing them:
    for listings and tests)."""
    _register_deferred(importing=True)
    return list(_rules.values())


# Rules for modules that take long to import (scipy.stats): registered once the user's
# code has imported the module, never importing it for them.
_deferred: dict[str, list[Callable[[], None]]] = {}


def register_when_imported(module: str, register: Callable[[], None]) -> None:
    """Call `register` (which registers rules for functions of `module`) once `module` is
    imported, the first time a rule is looked up after that."""
    with _lock:
        _deferred.setdefault(module, []).append(register)


def _register_deferred(importing: bool) -> bool:
    """Run the deferred registrations of the modules imported by now (with `importing`,
    of every installed one); whether any ran."""
    ran = False
    with _lock:
        for module in list(_deferred):
            if module in sys.modules or importing and importlib.util.find_spec(module):
                for register in _deferred.pop(module):
                    register()
                ran = True
    return ran


def _configure(rule: Rule, broadcasting, kind, domain, examples=None,
               nondiff_params=None) -> None:
    if nondiff_params:
        rule.nondiff_params = frozenset(nondiff_params)
    if examples:
        rule.examples = list(examples)
    if broadcasting is not None:
        rule.broadcasting = broadcasting
    if kind is not None:
        rule.kind = KIND_RULES[kind] if isinstance(kind, str) else kind
    if domain:
        rule.test_domain = dict(domain)


def adjoint(primal, *, broadcasting: bool | None = None, kind: str | Callable | None = None,
            domain: dict | None = None, examples: list | None = None,
            nondiff_params: tuple = (), linear: bool = False,
            bilinear: bool = False) -> Callable:
    """Register an adjoint (reverse-mode) rule for `primal`.

    Parameters
    ----------
    primal : callable
        The function the rule differentiates.
    broadcasting : bool, optional
        True for elementwise functions of several arguments: each input's adjoint
        is summed back to that input's shape.
    kind : str or callable, optional
        How the output's kind (scalar, array, ...) follows from the inputs':
        'elementwise', 'scalar', 'array', 'numeric', 'first' or 'reduction'.
    domain : dict, optional
        Input ranges for the registry's finite-difference test sweep.
    examples : list of Example, optional
        Calls to test the rule on, for primals the sweep cannot call generically
        (anything but unary and broadcasting binary elementwise functions).
    nondiff_params : tuple of str, optional
        Parameters the output does not depend on smoothly (read for their shape, as
        an index, ...): they get no adjoint even when they are differentiated values.
    linear : bool, optional
        `primal` is linear in the parameters the adjoint differentiates (together):
        its tangent rule is derived, the primal applied to their tangents
        (``dy = np.reshape(da, shape)``). The other parameters are passed on as the
        call gave them (except `out` and `dtype`).
    bilinear : bool, optional
        `primal` is linear in each differentiated parameter separately (a product):
        the derived tangent is ``dy = f(da, b) + f(a, db)`` (the product rule).

    Returns
    -------
    callable
        A decorator taking the template function.
    """
    if linear and bilinear:
        raise RuleError("a rule is either linear or bilinear, not both")

    def register(template: Callable) -> Callable:
        parsed = Deferred(lambda: parse_template(template, "adjoint"))

        def derived() -> Template:
            spell = _primal_call(primal, parsed().globals)
            return derivation.linear_tangent(parsed(), spell, primal, bilinear=bilinear)

        with _lock:
            rule = _rule_for(primal)
            rule.adjoint = _template_of(template, parsed)
            if linear or bilinear:
                rule.tangent = _template_of(template, derived)
            rule.nondifferentiable = False
            _configure(rule, broadcasting, kind, domain, examples, nondiff_params)
            _generation[0] += 1
        return template

    return register


def _primal_call(primal, names: Mapping[str, Any]) -> derivation.PrimalCall:
    """How a template with globals `names` spells a call of `primal`."""
    if isinstance(primal, Method):
        return derivation.call_method(primal.name)
    if isinstance(primal, Attribute):
        return derivation.read_attribute(primal.name)
    return derivation.call_function(primal, names)


def derivative(primal, *, wrt: Sequence[str] | None = None, broadcasting: bool | None = None,
               kind: str | Callable | None = None, domain: dict | None = None,
               examples: list | None = None, nondiff_params: tuple = (),
               selecting: bool = False) -> Callable:
    """Register the adjoint and tangent rules of an elementwise function from a
    statement of its partial derivatives.

    The statement is written like a template and returns the derivative of the output
    with respect to each parameter in `wrt`::

        @srcad.derivative(np.sin, kind="first")
        def _(y, x):
            return np.cos(x)

    From it the adjoint ``dx = dy * np.cos(x)`` and the tangent ``dy = dx * np.cos(x)``
    are built (with several parameters, the tangent adds their terms). Statements
    before the `return` compute what the derivatives share.

    Parameters
    ----------
    primal : callable
        The function the rule differentiates.
    wrt : sequence of str, optional
        The parameters the returned derivatives belong to, in order (default: all).
        The others carry no derivative.
    broadcasting, kind, domain, examples, nondiff_params
        As for `adjoint`.
    selecting : bool, optional
        The derivatives are weights in [0, 1] of a function that selects among its
        inputs (maximum, clip): an input with weight 0 gets no adjoint, not
        ``inf * 0``, where the output's adjoint is infinite or NaN.

    Returns
    -------
    callable
        A decorator taking the statement function.
    """

    def register(statement: Callable) -> Callable:
        derived = Deferred(lambda: derivation.elementwise_templates(
            parse_template(statement, "derivative"), wrt, selecting))
        with _lock:
            rule = _rule_for(primal)
            rule.adjoint = _template_of(statement, lambda: derived()[0])
            rule.tangent = _template_of(statement, lambda: derived()[1])
            rule.nondifferentiable = False
            _configure(rule, broadcasting, kind, domain, examples, nondiff_params)
            _generation[0] += 1
        return statement

    return register


def share_rules(original, *primals, names: Mapping[str, Any] | None = None,
                broadcasting: bool | None = None, kind: str | Callable | None = None,
                domain: dict | None = None, examples: list | None = None) -> None:
    """Give `primals` the adjoint and tangent rules of `original` (registered already).

    For twins that compute the same function: `x.sum()` and `np.sum(x)`,
    `operator.add` and `np.add`, `math.sin` and `np.sin`.

    Parameters
    ----------
    original : callable
        The primal whose rules are shared.
    primals : callables
        The twins.
    names : mapping, optional
        Free names the twins' templates read differently: with ``{"np": math}``,
        `math.sin` gets `np.sin`'s templates reading ``np.cos`` as ``math.cos`` (so
        that its derivatives stay Python floats).
    broadcasting, kind, domain, examples
        As for `adjoint`; by default the original's (its examples excepted).
    """
    source = lookup(original)
    if source is None or source._adjoint is None or source._tangent is None:
        raise RuleError(f"share_rules: {original!r} has no adjoint and tangent rules to share")

    by_srcad = sys._getframe(1).f_globals.get("__name__", "").startswith("srcad.")

    def shared(direction: str) -> Template | Deferred | None:
        if not names:
            return Deferred(lambda: getattr(source, direction))
        renamed = Deferred(lambda: derivation.renamed(getattr(source, direction), names))
        return renamed if by_srcad else renamed()  # (the user's: refused where written)

    adjoint, tangent = shared("adjoint"), shared("tangent")
    with _lock:
        for primal in primals:
            rule = _rule_for(primal)
            rule.adjoint, rule.tangent = adjoint, tangent
            rule.nondifferentiable = False
            rule.nondiff_params = source.nondiff_params
            _configure(rule, source.broadcasting if broadcasting is None else broadcasting,
                       kind or source.kind, domain or source.test_domain, examples)
        _generation[0] += 1


def tangent(primal, *, broadcasting: bool | None = None, kind: str | Callable | None = None,
            domain: dict | None = None, examples: list | None = None,
            nondiff_params: tuple = ()) -> Callable:
    """Register a tangent (forward-mode) rule for `primal`; see `adjoint`."""

    def register(template: Callable) -> Callable:
        with _lock:
            rule = _rule_for(primal)
            rule.tangent = _template_of(template, lambda: parse_template(template, "tangent"))
            rule.nondifferentiable = False
            _configure(rule, broadcasting, kind, domain, examples, nondiff_params)
            _generation[0] += 1
        return template

    return register


def nondifferentiable(*primals, kind: str | Callable | None = "other", pure: bool = True,
                      examples: list | None = None) -> None:
    """Declare functions whose outputs carry no derivative (e.g. `np.floor`, `len`).

    Calls to them are kept in the forward sweep and produce no adjoint.
    """
    with _lock:
        for primal in primals:
            rule = _rule_for(primal)
            rule.nondifferentiable = True
            rule.pure = pure
            _configure(rule, None, kind, None, examples)
        _generation[0] += 1


# ----------------------------------------------------------------------------- complex values

COMPLEX_MODES = ("linear", "holomorphic", "native")


def complex_values(*primals, how: str, output: str | tuple | None = None) -> None:
    """Declare how the rules of `primals` treat complex values (see docs/complex.md).

    srcad's convention: the adjoint of a complex value ``z = x + iy`` is
    ``dz = dL/dx + 1j * dL/dy`` (so a holomorphic ``w = f(z)`` has
    ``dz = conj(f'(z)) * dw``), and a tangent is ``dx + 1j * dy``. The adjoint of a real
    operand of a complex result is the real part of its contribution (the reverse
    transform takes it). A rule without a declaration refuses complex values.

    Parameters
    ----------
    primals : callables
        Functions whose rules are already registered.
    how : str
        "linear": the templates are linear maps with real coefficients (sum, reshape,
        add...), valid for complex values unchanged. "holomorphic": the function is
        complex-analytic and its adjoint template is the real formula, linear in the
        output adjoint; the reverse transform conjugates around it
        (``dz = conj(template(conj(dw)))``) and the tangent template is used unchanged.
        "native": the adjoint and tangent templates (or those given with
        `complex_adjoint` / `complex_tangent`) follow the convention themselves.
    output : {None, "real", "complex"} or a tuple of them
        The output's dtype: None when it is complex exactly if an input is. A tuple
        gives the dtype of each item of a tuple output (np.linalg.eigh's eigenvalues
        are real, its eigenvectors complex for a complex input); a call that returns
        one array instead (svd with compute_uv=False) is real if any item is.
    """
    if how not in COMPLEX_MODES:
        raise RuleError(f"complex_values: 'how' must be one of {COMPLEX_MODES}, not {how!r}")
    items = output if isinstance(output, tuple) else (output,)
    if not items or any(o not in (None, "real", "complex") for o in items):
        raise RuleError("complex_values: 'output' must be None, 'real' or 'complex', or "
                        "a tuple of them")
    with _lock:
        for primal in primals:
            rule = _rule_for(primal)
            rule.complex = how
            rule.output_dtype = output
        _generation[0] += 1


def output_dtype(*primals, output: str) -> None:
    """Declare the output dtype of functions that refuse complex values or carry no
    derivative (np.fft.fftfreq is "real", `complex(x, y)` is "complex")."""
    with _lock:
        for primal in primals:
            _rule_for(primal).output_dtype = output
        _generation[0] += 1


def complex_adjoint(primal) -> Callable:
    """Register the adjoint template `primal` uses when a value is complex ("native")."""
    return _complex_template(primal, "adjoint")


def complex_tangent(primal) -> Callable:
    """Register the tangent template `primal` uses when a value is complex ("native")."""
    return _complex_template(primal, "tangent")


def _complex_template(primal, direction: str) -> Callable:
    def register(template: Callable) -> Callable:
        parsed = _template_of(template, lambda: parse_template(template, f"complex {direction}"))
        with _lock:
            rule = _rule_for(primal)
            setattr(rule, f"complex_{direction}", parsed)
            rule.complex = "native"
            _generation[0] += 1
        return template

    return register
