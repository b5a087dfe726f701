"""A finite-difference sweep over every rule in srcad's derivative registry.

The test parameters are the registry itself (`registry.all_rules()`), so a newly
registered rule is swept automatically. For each differentiable rule, every call
case (random inputs drawn from the rule's `test_domain`, for several shapes) checks

* the adjoint template against central differences of <u, f(x)> (a VJP check,
  summing broadcast adjoints back with `runtime.unbroadcast` for broadcasting rules),
* the tangent template against central differences of f along v (a JVP check),
* the dot-product identity <u, J v> (tangent) == sum_p <J_p^T u, v_p> (adjoint),
* that the output does not depend on any float parameter the adjoint leaves out.

Nondifferentiable rules are checked to be piecewise constant (inputs chosen away
from jumps) or non-float-valued.

A rule is covered either generically (math scalar functions, NumPy unary ufuncs,
unary operators, binary broadcasting rules) or by an explicit entry in `SPECS` /
`ND_SPECS`. A rule with neither makes `test_rule_is_covered` FAIL.

Complex values follow srcad's convention (docs/complex.md): the adjoint of a complex
``z = x + iy`` under a real loss is ``dL/dx + 1j * dL/dy``, a tangent is ``dx + 1j*dy``.
Outputs are paired with cotangents by the real inner product ``Re(sum(conj(u) * y))``,
complex inputs are differenced in their real and imaginary parts separately, and the
templates run as srcad runs them (`Rule.adjoint_for` / `tangent_for`; a "holomorphic"
adjoint conjugated around, ``dz = conj(T(conj(dw)))``; the real part of the adjoint of a
real operand). A rule declaring complex support (`rule.complex`) is also swept on
*complexified* cases: its cases with the float inputs made complex (all of them, and
each one alone). A case that sees a complex value in a rule without a declaration fails.
No ComplexWarning may appear (it is an error in this file).
"""

from __future__ import annotations

import ast
import builtins
import math
import operator
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest
from gradcheck import central_difference, numerical_grad
from numpy.exceptions import ComplexWarning

import srcad  # noqa: F401  (registers the built-in rules)
from srcad import runtime
from srcad.rules import registry
from srcad.rules.registry import Attribute, Method

pytestmark = pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")

DEFAULT_DOMAIN = (-1.5, 1.5)  # keeps np.tan / math.tan away from pi/2
EPS = 1e-6
RTOL, ATOL = 1e-5, 1e-6


# ============================================================================ helpers


def rule_id(rule) -> str:
    primal = rule.primal
    if isinstance(primal, (Method, Attribute)):
        return f"{type(primal).__name__}({primal.name})"
    owner = getattr(primal, "__self__", None)
    if owner is not None and type(owner).__module__.startswith("scipy.stats"):
        name = getattr(owner, "name", type(owner).__name__.removesuffix("_gen"))
        return f"scipy.stats.{name}.{primal.__name__}"  # a distribution's method
    module = getattr(primal, "__module__", None) or type(primal).__module__
    module = {"_operator": "operator", "numpy.core.numeric": "numpy"}.get(module, module)
    if isinstance(primal, np.ufunc):
        module = "numpy"
    name = getattr(primal, "__name__", repr(primal))
    return f"{module}.{name}"


def template_of(rule):
    return rule.adjoint if rule.adjoint is not None else rule.tangent


def assigned_names(template) -> set:
    names = set()
    for stmt in template.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def read_names(template) -> set:
    names = set()
    for stmt in template.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
    return names


def differentiable_params(rule) -> list:
    """Params the adjoint assigns d<param> for (or, tangent-only, whose d<param> it reads)."""
    if rule.adjoint is not None:
        stored = assigned_names(rule.adjoint)
        return [p for p in rule.adjoint.params if "d" + p in stored]
    loaded = read_names(rule.tangent)
    return [p for p in rule.tangent.params if "d" + p in loaded]


def run_template(template, namespace: dict) -> dict:
    ns = dict(template.globals)
    ns.update(namespace)
    code = compile(ast.Module(body=list(template.body), type_ignores=[]), template.filename, "exec")
    exec(code, ns)
    return ns


def is_math_function(primal) -> bool:
    return getattr(primal, "__module__", None) == "math"


def is_structured(v) -> bool:
    """A list or tuple holding arrays or other lists (say, np.concatenate's first
    argument, or np.split's result): handled item by item."""
    return isinstance(v, (list, tuple)) and \
        any(isinstance(i, (np.ndarray, list, tuple)) for i in v)


def is_passive(v) -> bool:
    """A value without coordinates, passed through unchanged where the sweep moves the
    values around it: a string, slice, None or Ellipsis, or a tuple or list of ints (an
    einsum sublist). Such items sit among the arrays of `*args` parameters
    (`np.einsum(a, (0, 1), b, (1, 2))`, np.r_'s items); their adjoint is None."""
    if v is None or v is Ellipsis or isinstance(v, (str, slice)):
        return True
    return isinstance(v, (list, tuple)) and bool(v) and all(
        is_passive(i) or isinstance(i, (int, np.integer)) and not isinstance(i, bool)
        for i in v)


def is_float_value(v) -> bool:
    """A float or complex value (number, array, list of them): one with a derivative.
    A list or tuple of arrays may hold passive items too (`is_passive`)."""
    if is_structured(v):
        return any(not is_passive(i) for i in v) and \
            all(is_passive(i) or is_float_value(i) for i in v)
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (float, complex, np.floating, np.complexfloating)):
        return True
    if isinstance(v, np.ndarray):
        return np.issubdtype(v.dtype, np.inexact)
    if isinstance(v, (list, tuple)) and v:
        return all(isinstance(i, (float, complex)) for i in v)
    return False


def is_complex_value(v) -> bool:
    """Whether `v` (a number, an array, a list or tuple of them) holds a complex value."""
    if isinstance(v, (list, tuple)):
        return any(is_complex_value(i) for i in v)
    if isinstance(v, (complex, np.complexfloating)):
        return True
    return isinstance(v, np.ndarray) and np.iscomplexobj(v)


def as_array(v) -> np.ndarray:
    """A float64 array, or complex128 when `v` is complex (never a lossy cast)."""
    a = np.asarray(v)
    return a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)


def flat(v) -> np.ndarray:
    """All the entries of `v` (a number, an array, or a list or tuple of them) in one
    float64 vector (complex128 if any entry is complex)."""
    if is_structured(v):
        parts = [flat(i) for i in v]
        return np.concatenate(parts) if parts else np.zeros(0)
    if is_passive(v):
        return np.zeros(0)
    return as_array(v).ravel()


def real_coords(v) -> np.ndarray:
    """The real coordinates of `v` in one float64 vector: a complex entry contributes
    its real and imaginary parts (an array's real parts first, then its imaginary
    parts; lists and tuples item by item)."""
    if is_passive(v):
        return np.zeros(0)
    if isinstance(v, (list, tuple)):
        parts = [real_coords(i) for i in v]
        return np.concatenate(parts) if parts else np.zeros(0)
    a = as_array(v).ravel()
    if np.iscomplexobj(a):
        return np.concatenate([a.real, a.imag])
    return a


def from_real_coords(coords: np.ndarray, template_value):
    """The inverse of `real_coords`: a value shaped and typed like `template_value`.
    Applied to the finite-difference gradient over the real coordinates of a complex
    input, it gives the convention's adjoint dL/dx + 1j * dL/dy."""
    if is_passive(template_value):
        return template_value
    if isinstance(template_value, (list, tuple)):
        items, start = [], 0
        for item in template_value:
            n = real_coords(item).size
            items.append(from_real_coords(coords[start:start + n], item))
            start += n
        return items if isinstance(template_value, list) else tuple(items)
    n = int(np.size(template_value))
    if is_complex_value(template_value):
        return like(coords[:n] + 1j * coords[n:2 * n], template_value)
    return like(coords, template_value)


def _number_like(value, template_value):
    """A Python or NumPy number like `template_value` (complex only if it is)."""
    if isinstance(template_value, (np.floating, np.complexfloating)):
        return type(template_value)(value)
    if isinstance(template_value, complex):
        return complex(value)
    if np.iscomplexobj(value):
        raise AssertionError(f"a complex value {value!r} for the real {template_value!r}")
    return float(value)


def shape_of(v):
    """np.shape, extended to lists and tuples of arrays of different shapes."""
    if is_passive(v):
        return "passive"
    if is_structured(v):
        shapes = [shape_of(i) for i in v]
        if shapes and all(s == shapes[0] for s in shapes) and isinstance(shapes[0], tuple) \
                and shapes[0][:1] != ("items",):
            return (len(v),) + shapes[0]  # as np.shape gives it
        return ("items", tuple(shapes))
    return np.shape(v)


def like(values: np.ndarray, template_value):
    """A value shaped and typed like `template_value` from a float64 (or, for a complex
    `template_value`, complex128) array of its entries, as `flat` lists them."""
    if isinstance(template_value, np.ndarray):
        if np.iscomplexobj(values) and not np.iscomplexobj(template_value):
            raise AssertionError("a complex value for a real array")
        return values.reshape(template_value.shape).astype(template_value.dtype)
    if is_structured(template_value):
        items, start = [], 0
        for item in template_value:
            n = flat(item).size
            items.append(like(values[start:start + n], item))
            start += n
        return items if isinstance(template_value, list) else tuple(items)
    if is_passive(template_value):
        return template_value
    if isinstance(template_value, list):
        return [_number_like(v, t) for v, t in zip(values.ravel(), template_value)]
    if isinstance(template_value, tuple):
        return tuple(_number_like(v, t) for v, t in zip(values.ravel(), template_value))
    return _number_like(values.reshape(()), template_value)


def inner(a, b) -> float:
    """The real inner product Re(sum(conj(a) * b)) (the plain one for real values)."""
    if is_structured(a) or is_structured(b):
        # (0.0 stands for a zero adjoint of a whole list, as srcad passes it)
        a = [a] * len(b) if not isinstance(a, (list, tuple)) and np.ndim(a) == 0 else a
        b = [b] * len(a) if not isinstance(b, (list, tuple)) and np.ndim(b) == 0 else b
        assert len(a) == len(b), f"{len(a)} items against {len(b)}"
        return sum(inner(x, y) for x, y in zip(a, b))
    if is_passive(a) or is_passive(b):
        return 0.0
    return float(np.real(np.sum(np.conj(as_array(a)) * as_array(b))))


def map_values(fn, v):
    """`fn` applied to each number or array of `v` (lists and tuples kept)."""
    if isinstance(v, (list, tuple)):
        items = [map_values(fn, i) for i in v]
        return items if isinstance(v, list) else tuple(items)
    return fn(v)


def _conj(v):
    return map_values(lambda a: np.conj(a) if np.iscomplexobj(a) else a, v)


def _real(v):
    return map_values(lambda a: np.real(a) if np.iscomplexobj(a) else a, v)


def seed_for(*parts) -> int:
    return zlib.crc32(repr(parts).encode())


# ============================================================================ call cases


@dataclass
class Case:
    """One call of a primal: `primal(*args, **kwargs)` (method/attribute on args[0])."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""

    def __repr__(self) -> str:
        if self.label:
            return self.label
        def show(v):
            if isinstance(v, np.ndarray):
                return f"arr{v.shape}" if v.dtype != bool else f"bool{v.shape}"
            if isinstance(v, float):
                return "float"
            if is_structured(v):
                items = ", ".join(show(i) for i in v)
                return f"[{items}]" if isinstance(v, list) else f"({items},)"
            return repr(v)
        parts = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items()]
        return "(" + ", ".join(parts) + ")"


def call_primal(primal, args, kwargs):
    if isinstance(primal, Method):
        return getattr(args[0], primal.name)(*args[1:], **kwargs)
    if isinstance(primal, Attribute):
        assert not kwargs and len(args) == 1
        return getattr(args[0], primal.name)
    return primal(*args, **kwargs)


def locate(template, case: Case) -> dict:
    """Map each template parameter bound by the case to ('arg', i) or ('kw', name)."""
    where = {}
    positional = [p for p in template.signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for i, p in enumerate(positional[:len(case.args)]):
        where[p.name] = ("arg", i)
    for k in case.kwargs:
        where[k] = ("kw", k)
    return where


def bind(template, case: Case) -> dict:
    bound = template.signature.bind(*case.args, **case.kwargs)
    bound.apply_defaults()
    out = {}
    for name, param in template.signature.parameters.items():
        value = bound.arguments[name]
        if param.kind is param.VAR_POSITIONAL:
            value = tuple(value)
        out[name] = value
    return out


def with_value(case: Case, where: dict, name: str, value) -> tuple:
    args, kwargs = list(case.args), dict(case.kwargs)
    kind, key = where[name]
    if kind == "arg":
        args[key] = value
    else:
        kwargs[key] = value
    return tuple(args), kwargs


def get_value(case: Case, where: dict, name: str):
    kind, key = where[name]
    return case.args[key] if kind == "arg" else case.kwargs[key]


class Draw:
    """Random inputs inside a rule's test domain."""

    def __init__(self, rule, *key):
        self.rule = rule
        self.rng = np.random.default_rng(seed_for(rule_id(rule), *key))

    def __call__(self, name, shape):
        low, high = self.rule.test_domain.get(name, DEFAULT_DOMAIN)
        if shape == ():
            return float(self.rng.uniform(low, high))
        return self.rng.uniform(low, high, size=shape)

    def bools(self, shape):
        return self.rng.random(shape) < 0.5


UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3))]
BROADCAST_SHAPES = [((2, 1), (1, 3)), ((3,), (2, 3)), ((2, 3), (3,)), ((2, 3), ()),
                    ((), (2, 3)), ((2, 3), (2, 1))]


def unary_cases(rule, shapes):
    name = template_of(rule).params[0]
    draw = Draw(rule, "unary")
    return [Case((draw(name, s),)) for s in shapes]


def binary_cases(rule):
    names = template_of(rule).params
    draw = Draw(rule, "binary")
    shapes = BINARY_SHAPES + (BROADCAST_SHAPES if rule.broadcasting else [])
    return [Case((draw(names[0], s0), draw(names[1], s1))) for s0, s1 in shapes]


# ---------------------------------------------------------------- explicit call specs


def _spec_float(rule):
    draw = Draw(rule)
    return [Case((draw("x", ()),))]


def _spec_as_sequence(rule):
    draw = Draw(rule)
    return [Case((draw("obj", (3,)),)), Case((draw("obj", (2, 3)),))]


def _spec_where(rule):
    draw = Draw(rule)
    cases = []
    for (sx, sy) in BINARY_SHAPES[1:] + BROADCAST_SHAPES:
        full = np.broadcast_shapes(sx, sy)
        cases.append(Case((draw.bools(full), draw("x", sx), draw("y", sy))))
    # The condition itself broadcasts against the branches.
    cases.append(Case((draw.bools((2, 1)), draw("x", (1, 3)), draw("y", (2, 3)))))
    cases.append(Case((draw.bools((3,)), draw("x", (2, 3)), draw("y", ()))))
    return cases


DOT_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
              ((), (3,)), ((2, 3), ()), ((2, 3, 4), (4,)), ((2, 3, 4), (4, 5)),
              ((2, 3), (4, 3, 5)), ((2, 3, 4), (5, 4, 2))]
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((1, 3, 4), (2, 4, 5)),
                 ((2, 3, 4), (4,)), ((4,), (2, 4, 5))]


def _product_cases(shapes, methods_only_arrays=False):
    def build(rule):
        names = template_of(rule).params
        draw = Draw(rule)
        cases = []
        for sa, sb in shapes:
            a, b = draw(names[0], sa), draw(names[1], sb)
            if methods_only_arrays:
                if sa == ():
                    continue
            cases.append(Case((a, b)))
        return cases
    return build


REDUCTION_OPTIONS = [
    ((), {}),
    ((3,), {}), ((3,), {"axis": 0}), ((3,), {"axis": -1, "keepdims": True}),
    ((2, 3), {}), ((2, 3), {"axis": 0}), ((2, 3), {"axis": 1}), ((2, 3), {"axis": -1}),
    ((2, 3), {"axis": (0, 1)}), ((2, 3), {"axis": 0, "keepdims": True}),
    ((2, 3), {"axis": None, "keepdims": True}), ((2, 3), {"axis": (0, -1), "keepdims": True}),
    ((2, 3, 4), {"axis": (0, 2)}), ((2, 3, 4), {"axis": 1, "keepdims": True}),
    ((2, 3, 4), {"axis": (-1, 0)}), ((2, 3, 4), {"axis": (2, 1), "keepdims": True}),
]


def _reduction_cases(method: bool):
    def build(rule):
        draw = Draw(rule)
        cases = []
        for shape, kwargs in REDUCTION_OPTIONS:
            x = draw("x", shape)
            if method and shape == ():
                x = np.asarray(x)  # a 0-d array has the method
            cases.append(Case((x,), dict(kwargs)))
        # axis passed positionally
        cases.append(Case((draw("x", (2, 3)), 1)))
        return cases
    return build


def _spec_np_reshape(rule):
    draw = Draw(rule)
    return [Case((draw("a", (2, 3)), (3, 2))), Case((draw("a", (2, 3)), (6,))),
            Case((draw("a", (2, 3)), (-1,))), Case((draw("a", (2, 3)), (1, 6))),
            Case((draw("a", (6,)), (2, 3))), Case((draw("a", (2, 3, 4)), (4, -1))),
            Case((draw("a", ()), (1, 1)))]


def _spec_method_reshape(rule):
    draw = Draw(rule)
    return [Case((draw("a", (2, 3)), 3, 2)), Case((draw("a", (2, 3)), 6)),
            Case((draw("a", (2, 3)), -1)), Case((draw("a", (2, 3)), (3, 2))),
            Case((draw("a", (6,)), 2, 3)), Case((draw("a", (2, 3, 4)), 4, -1))]


def _spec_transpose(rule):
    draw = Draw(rule)
    return [Case((draw("a", (3,)),)), Case((draw("a", (2, 3)),)),
            Case((draw("a", (2, 3)), (1, 0))), Case((draw("a", (2, 3, 4)),)),
            Case((draw("a", (2, 3, 4)), (1, 0, 2))), Case((draw("a", (2, 3, 4)), (2, 0, 1))),
            Case((draw("a", (2, 3, 4)),), {"axes": (0, 2, 1)}),
            # negative axes, as NumPy allows
            Case((draw("a", (2, 3, 4)), (-1, 0, 1))), Case((draw("a", (2, 3)), (-1, -2))),
            Case((draw("a", (2, 2, 2)), (-1, 0, 1)))]


def _spec_T(rule):
    draw = Draw(rule)
    return [Case((draw("a", (3,)),)), Case((draw("a", (2, 3)),)),
            Case((draw("a", (2, 3, 4)),))]


def _spec_getitem(rule):
    draw = Draw(rule)
    cases = []
    for index in [2, -1, slice(1, 4), slice(None, None, 2), slice(None, None, -1),
                  np.array([0, 0, 2]), np.array([4, 1, 4, 4])]:
        cases.append(Case((draw("x", (5,)), index)))
    for index in [1, (1, 2), (slice(None), 1), (slice(1, None), slice(None, 2)),
                  (-1, slice(None, None, 2)), np.array([0, 2, 0]),
                  (np.array([0, 1, 1]), np.array([2, 2, 3])), (Ellipsis, 0),
                  (None, slice(None), 1)]:
        cases.append(Case((draw("x", (3, 4)), index)))
    mask = np.array([[True, False, True, False], [False, False, True, True],
                     [True, True, False, False]])
    cases.append(Case((draw("x", (3, 4)), mask), label="(arr(3, 4), boolmask)"))
    # Python sequences of floats
    cases.append(Case(([draw("x", ()) for _ in range(4)], 1), label="(list, 1)"))
    cases.append(Case(([draw("x", ()) for _ in range(4)], -2), label="(list, -2)"))
    cases.append(Case(([draw("x", ()) for _ in range(5)], slice(1, 4)),
                      label="(list, 1:4)"))
    return cases


SPECS = {
    builtins.float: _spec_float,
    runtime.as_sequence: _spec_as_sequence,
    np.where: _spec_where,
    np.dot: _product_cases(DOT_SHAPES),
    Method("dot"): _product_cases(DOT_SHAPES, methods_only_arrays=True),
    np.matmul: _product_cases(MATMUL_SHAPES),
    operator.matmul: _product_cases(MATMUL_SHAPES),
    np.sum: _reduction_cases(method=False),
    np.mean: _reduction_cases(method=False),
    Method("sum"): _reduction_cases(method=True),
    Method("mean"): _reduction_cases(method=True),
    np.reshape: _spec_np_reshape,
    Method("reshape"): _spec_method_reshape,
    np.transpose: _spec_transpose,
    Attribute("T"): _spec_T,
    operator.getitem: _spec_getitem,
}


def example_cases(rule, examples) -> list:
    """Cases from the `examples=` a rule was registered with (Rand entries drawn)."""
    rng = np.random.default_rng(seed_for(rule_id(rule), "examples"))

    def draw(v):
        if isinstance(v, registry.Rand):
            if v.shape == ():
                return float(rng.uniform(v.low, v.high))
            return rng.uniform(v.low, v.high, size=v.shape)
        if isinstance(v, list):
            return [draw(x) for x in v]
        if isinstance(v, tuple) and has_rand(v):
            return tuple(draw(x) for x in v)
        return v

    def has_rand(v):
        if isinstance(v, (list, tuple)):
            return any(has_rand(x) for x in v)
        return isinstance(v, registry.Rand)

    return [Case(tuple(draw(a) for a in ex.args), {k: draw(v) for k, v in ex.kwargs.items()})
            for ex in examples]


def diff_cases(rule):
    """The call cases for a differentiable rule (empty if the sweep does not cover it)."""
    if rule.examples:
        return example_cases(rule, rule.examples)
    spec = SPECS.get(rule.primal) if _hashable(rule.primal) else None
    if spec is not None:
        return spec(rule)
    template = template_of(rule)
    if template is None:
        return []
    params = template.signature.parameters.values()
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY) for p in params):
        return []
    n = len(template.params)
    if is_math_function(rule.primal):
        # math.* take Python floats only; bind every parameter (defaults included).
        draw = Draw(rule, "math")
        cases = [Case(tuple(draw(p, ()) for p in template.params))]
        required = [p for p in params if p.default is p.empty]
        if len(required) < n:
            cases.append(Case(tuple(draw(p.name, ()) for p in required), label="defaults"))
        return cases
    if isinstance(rule.primal, np.ufunc) and rule.primal.nin == 1 and n == 1:
        return unary_cases(rule, UNARY_SHAPES)
    if rule.kind is registry.KIND_RULES["first"] and n == 1:  # unary operators, abs
        return unary_cases(rule, UNARY_SHAPES)
    if rule.broadcasting and n == 2:
        return binary_cases(rule)
    return []


def complexify(rng, value):
    """`value` (a float, a float array, or a list or tuple of them) plus an imaginary
    part of magnitude in [0.2, 0.6] and random sign: far enough from the real axis to
    stay off the branch cuts of log, sqrt, power and angle (on the real axis) and
    away from the zero of abs and angle."""
    if isinstance(value, (list, tuple)):
        items = [complexify(rng, v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (float, np.floating)):
        return complex(value, rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 0.6))
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        shape = value.shape
        return value + 1j * rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 0.6, shape)
    return value


def _primal_takes(rule, case) -> bool:
    """Whether the primal itself accepts the (complexified) case: NumPy refuses complex
    input to np.fft.rfft, say, and casting into a real array warns."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ComplexWarning)
            call_primal(rule.primal, case.args, case.kwargs)
    except (TypeError, ValueError, ComplexWarning):
        return False
    return True


# Rules whose complex outputs are defined up to a phase per eigenvector / singular vector:
# random cotangents and finite differences of the raw outputs depend on that phase (which
# srcad refuses to differentiate), so their complex values are checked end to end with
# phase-independent losses instead (test_complex_sweep.py, test_linalg_complex.py).
PHASE_FREE_OUTPUTS = (np.linalg.eigh, np.linalg.svd)


def complex_cases(rule) -> list:
    """For a rule declaring complex support, its cases with complex inputs: every float
    input of a differentiable parameter made complex, then (with several) each alone.
    Variants the primal itself does not accept are left out."""
    if rule.complex is None or rule.nondifferentiable or template_of(rule) is None:
        return []
    if any(rule.primal is p for p in PHASE_FREE_OUTPUTS):
        return []
    out = []
    for n, case in enumerate(diff_cases(rule)):
        rng = np.random.default_rng(seed_for(rule_id(rule), "complex", n))
        where = locate(template_of(rule), case)
        names = [p for p in active_params(rule, case)
                 if is_float_value(get_value(case, where, p))]
        groups = [names] + ([[p] for p in names] if len(names) > 1 else [])
        for group in groups:
            if not group:
                continue
            cur = case
            for p in group:
                args, kwargs = with_value(cur, where, p, complexify(rng, get_value(case, where, p)))
                cur = Case(args, kwargs)
            label = f"{case!r} with {', '.join(group)} complex"
            cur = Case(cur.args, cur.kwargs, label=label)
            if _primal_takes(rule, cur):
                out.append(cur)
    return out


def sweep_cases(rule) -> list:
    """The cases the VJP / JVP checks run: `diff_cases`, then the complexified ones."""
    cases = diff_cases(rule)
    return cases + complex_cases(rule) if cases else cases


def _hashable(v) -> bool:
    try:
        hash(v)
        return True
    except TypeError:
        return False


# ============================================================================ parametrization

ALL_RULES = registry.all_rules()
DIFF_RULES = [r for r in ALL_RULES if not r.nondifferentiable and
              (r.adjoint is not None or r.tangent is not None)]
ND_RULES = [r for r in ALL_RULES if r.nondifferentiable]


def _params(rules):
    return [pytest.param(r, id=rule_id(r)) for r in rules]


# ============================================================================ coverage


@pytest.mark.parametrize("rule", _params(ALL_RULES))
def test_rule_is_covered(rule):
    """Every registered rule must be swept: no silent gaps when a rule is added."""
    if rule.nondifferentiable:
        assert nd_cases(rule), (f"nondifferentiable rule {rule_id(rule)} has no entry in "
                                "ND_SPECS and is not handled generically")
        return
    assert rule.adjoint is not None or rule.tangent is not None, \
        f"rule {rule_id(rule)} has neither a template nor nondifferentiable=True"
    assert diff_cases(rule), (f"rule {rule_id(rule)} has no call spec in SPECS and is not "
                              "handled generically: add one so the sweep covers it")


@pytest.mark.parametrize("rule", _params(DIFF_RULES))
def test_templates_agree(rule):
    """Adjoint and tangent templates spell the primal's parameters identically."""
    assert rule.adjoint is not None, f"{rule_id(rule)} has no adjoint template"
    assert rule.tangent is not None, f"{rule_id(rule)} has no tangent template"
    a, t = rule.adjoint.signature, rule.tangent.signature
    assert [(p.name, p.kind, p.default) for p in a.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in t.parameters.values()]
    assert rule.adjoint.output == rule.tangent.output
    assert differentiable_params(rule), f"{rule_id(rule)}'s adjoint assigns no d<param>"
    loaded = read_names(rule.tangent)
    assert "d" + rule.tangent.output in assigned_names(rule.tangent)
    for p in differentiable_params(rule):
        assert "d" + p in loaded, f"tangent of {rule_id(rule)} ignores d{p}"
    for extra in (rule.complex_adjoint, rule.complex_tangent):
        if extra is not None:
            assert [(p.name, p.kind, p.default) for p in extra.signature.parameters.values()] \
                == [(p.name, p.kind, p.default) for p in a.parameters.values()], \
                f"a complex template of {rule_id(rule)} spells the parameters differently"
            assert extra.output == rule.adjoint.output


# ============================================================================ VJP / JVP


def _fd_vjp(primal, case, where, name, u):
    """Central differences of <u, f(x)> w.r.t. parameter `name`: over the real and
    imaginary parts of a complex `x` separately, giving dL/dRe + 1j * dL/dIm."""
    x0 = get_value(case, where, name)

    def loss(coords):
        args, kwargs = with_value(case, where, name, from_real_coords(coords, x0))
        return inner(u, call_primal(primal, args, kwargs))

    g = numerical_grad(loss, [real_coords(x0)], 0, eps=EPS)
    if isinstance(x0, (list, tuple)):
        return from_real_coords(g, x0)
    out = from_real_coords(g, x0)
    return np.reshape(out, np.shape(x0))


def _fd_jvp(primal, case, where, tangents):
    """Central differences of f along the tangents."""
    def path(h):
        moved = Case(case.args, case.kwargs)
        for name, v in tangents.items():
            x0 = get_value(case, where, name)
            moved = Case(*with_value(moved, where, name, like(flat(x0) + h * flat(v), x0)))
        return flat(call_primal(primal, moved.args, moved.kwargs))

    return central_difference(path, EPS)


def _random_like(rng, value):
    """Random values shaped like `value`; complex where `value` is complex (None for a
    passive item)."""
    if is_passive(value):
        return None
    if isinstance(value, (list, tuple)) and (is_structured(value) or is_complex_value(value)):
        items = [_random_like(rng, v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, list):
        return [float(v) for v in rng.standard_normal(len(value))]
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        if is_complex_value(value):
            return complex(rng.standard_normal(), rng.standard_normal())
        return float(rng.standard_normal())
    r = rng.standard_normal(np.shape(value))
    if is_complex_value(value):
        r = r + 1j * rng.standard_normal(np.shape(value))
    return r


def sees_complex(case, y) -> bool:
    """Whether a call sees a complex value (an argument or its result), as srcad decides
    which templates a call uses."""
    return any(is_complex_value(v) for v in (*case.args, *case.kwargs.values(), y))


def _check_complex_support(rule, case, y):
    if sees_complex(case, y) and rule.complex is None:
        raise AssertionError(f"{rule_id(rule)} sees a complex value in {case!r} but declares "
                             "no complex treatment (srcad refuses such calls)")


def active_params(rule, case) -> list:
    """Differentiable params the case passes (a defaulted parameter is a constant)."""
    where = locate(template_of(rule), case)
    return [p for p in differentiable_params(rule)
            if p in where and not is_passive(get_value(case, where, p))]


def _adjoint(rule, case, y, u):
    """Run the adjoint template as srcad's reverse transform does; return {param: adjoint
    summed to the param's shape}. On complex values: the rule's complex template, a
    holomorphic template conjugated around (dz = conj(T(conj(dw)))), and the real part
    of the adjoint of a real operand."""
    complex_values = sees_complex(case, y)
    _check_complex_support(rule, case, y)
    template = rule.adjoint_for(complex_values)
    conjugate = complex_values and rule.complex == "holomorphic" and template is rule.adjoint
    bindings = bind(template, case)
    dy = _conj(u) if conjugate else u
    ns = run_template(template, {**bindings, template.output: y, "d" + template.output: dy})
    grads = {}
    for p in active_params(rule, case):
        assert "d" + p in ns, f"adjoint of {rule_id(rule)} does not assign d{p} for {case!r}"
        g = ns["d" + p]
        if complex_values:
            g = _real(g) if not is_complex_value(bindings[p]) else _conj(g) if conjugate else g
        if rule.broadcasting:
            g = runtime.unbroadcast(g, bindings[p])
        grads[p] = g
    return grads


def _tangent(rule, case, y, tangents):
    """Run the tangent template (the rule's complex one on complex values); differentiable
    params the case leaves at their defaults get a zero tangent."""
    _check_complex_support(rule, case, y)
    template = rule.tangent_for(sees_complex(case, y))
    bindings = bind(template, case)
    zeros = {"d" + p: 0.0 for p in differentiable_params(rule)}
    ns = run_template(template, {**bindings, template.output: y, **zeros,
                                 **{"d" + p: v for p, v in tangents.items()}})
    key = "d" + template.output
    assert key in ns, f"tangent of {rule_id(rule)} does not assign {key}"
    return ns[key]


def _cases_or_fail(rule):
    cases = sweep_cases(rule)
    if not cases:
        pytest.fail(f"no sweep spec for {rule_id(rule)}")
    return cases


@pytest.mark.parametrize("rule", _params(DIFF_RULES))
def test_adjoint_matches_finite_differences(rule):
    if rule.adjoint is None:
        pytest.fail(f"{rule_id(rule)} has no adjoint template (srcad's reverse mode needs one)")
    failures = []
    for n, case in enumerate(_cases_or_fail(rule)):
        rng = np.random.default_rng(seed_for(rule_id(rule), "vjp", n))
        where = locate(rule.adjoint, case)
        y = call_primal(rule.primal, case.args, case.kwargs)
        u = _random_like(rng, y)
        cotangents = [(u, "")]
        if is_structured(y) and len(y) >= 2:
            # srcad passes the adjoint of a tuple result as a tuple with 0.0 for the
            # items nobody used
            cotangents.append(((0.0,) + tuple(u[1:]), " (first cotangent 0.0)"))
        grads = None
        for cotangent, note in cotangents:
            try:
                grads = _adjoint(rule, case, y, cotangent)
            except Exception as exc:  # noqa: BLE001 - report every case, then fail
                failures.append(f"{case!r}{note}: adjoint raised {type(exc).__name__}: {exc}")
                grads = None
                continue
            for p, g in grads.items():
                x = get_value(case, where, p)
                if is_complex_value(g) and not sees_complex(case, y):
                    failures.append(f"{case!r}{note}: d{p} is complex in a call that sees no "
                                    "complex value (srcad takes no real part there)")
                    continue
                expected = _fd_vjp(rule.primal, case, where, p, cotangent)
                if shape_of(g) != shape_of(x):
                    failures.append(f"{case!r}{note}: d{p} has shape {shape_of(g)}, "
                                    f"{p} has shape {shape_of(x)}")
                    continue
                if not np.allclose(flat(g), flat(expected), rtol=RTOL, atol=ATOL):
                    failures.append(f"{case!r}{note}: d{p} = {g!r}, finite differences give "
                                    f"{expected!r}")
        if grads is None:
            continue  # reported above
        # Float parameters the adjoint ignores must not influence the output.
        for p, (kind, key) in where.items():
            if p in grads or not is_float_value(get_value(case, where, p)):
                continue
            fd = _fd_vjp(rule.primal, case, where, p, u)
            if not np.allclose(flat(fd), 0.0, atol=ATOL):
                failures.append(f"{case!r}: the adjoint gives no d{p}, but the output depends "
                                f"on {p} (finite differences {fd!r})")
    assert not failures, f"{rule_id(rule)}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("rule", _params(DIFF_RULES))
def test_tangent_matches_finite_differences(rule):
    if rule.tangent is None:
        pytest.fail(f"{rule_id(rule)} has no tangent template")
    failures = []
    for n, case in enumerate(_cases_or_fail(rule)):
        rng = np.random.default_rng(seed_for(rule_id(rule), "jvp", n))
        where = locate(rule.tangent, case)
        y = call_primal(rule.primal, case.args, case.kwargs)
        tangents = {p: _random_like(rng, get_value(case, where, p))
                    for p in active_params(rule, case)}
        try:
            dy = _tangent(rule, case, y, tangents)
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{case!r}: tangent raised {type(exc).__name__}: {exc}")
            continue
        expected = _fd_jvp(rule.primal, case, where, tangents)
        if shape_of(dy) != shape_of(y):
            failures.append(f"{case!r}: tangent has shape {shape_of(dy)}, output has shape "
                            f"{shape_of(y)}")
        elif not np.allclose(flat(dy), expected, rtol=RTOL, atol=ATOL):
            failures.append(f"{case!r}: tangent {dy!r}, finite differences give "
                            f"{expected!r}")
    assert not failures, f"{rule_id(rule)}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("rule", _params(DIFF_RULES))
def test_adjoint_and_tangent_are_transposes(rule):
    """<u, J v> from the tangent equals sum_p <J_p^T u, v_p> from the adjoint."""
    if rule.adjoint is None or rule.tangent is None:
        pytest.fail(f"{rule_id(rule)} lacks an adjoint or a tangent template")
    failures = []
    for n, case in enumerate(_cases_or_fail(rule)):
        rng = np.random.default_rng(seed_for(rule_id(rule), "dot", n))
        where = locate(rule.adjoint, case)
        y = call_primal(rule.primal, case.args, case.kwargs)
        u = _random_like(rng, y)
        tangents = {p: _random_like(rng, get_value(case, where, p))
                    for p in active_params(rule, case)}
        try:
            grads = _adjoint(rule, case, y, u)
            dy = _tangent(rule, case, y, tangents)
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{case!r}: {type(exc).__name__}: {exc}")
            continue
        if is_structured(y):
            lhs = inner(u, dy)
        else:
            lhs = inner(u, np.broadcast_to(as_array(dy), np.shape(y)))
        rhs = sum(inner(grads[p], tangents[p]) for p in grads)
        if not math.isclose(lhs, rhs, rel_tol=1e-9, abs_tol=1e-9):
            failures.append(f"{case!r}: <u, Jv> = {lhs!r} but <J^T u, v> = {rhs!r}")
    assert not failures, f"{rule_id(rule)}:\n  " + "\n  ".join(failures)


# ============================================================================ nondifferentiable


def away_from_jumps(rng, shape):
    """Values at least 0.1 from every integer and half-integer (floor/round/sign jumps)."""
    whole = rng.integers(-2, 2, size=shape)
    frac = rng.uniform(0.1, 0.4, size=shape)
    v = whole + frac
    return float(v) if shape == () else v


@dataclass
class NDCase:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    shape_only: bool = False  # np.empty*: values are unspecified, only shape/dtype matter

    def __repr__(self):
        return f"NDCase{Case(self.args, self.kwargs)!r}"


def _nd(*args, **kwargs):
    return NDCase(args, kwargs)


def _nd_specs():
    r = np.random.default_rng(7)
    a = lambda shape=(2, 3): away_from_jumps(r, shape)  # noqa: E731
    s = lambda: away_from_jumps(r, ())  # noqa: E731
    ints = np.array([3, 5, 6])
    return {
        # builtins
        builtins.len: [_nd(a((4,))), _nd([s(), s()])],
        builtins.range: [_nd(3), _nd(1, 7, 2)],
        builtins.int: [_nd(s()), _nd(np.float64(s()))],
        builtins.bool: [_nd(s())],
        builtins.round: [_nd(s()), _nd(s(), 0)],
        builtins.isinstance: [_nd(s(), float), _nd(a(), np.ndarray)],
        builtins.print: [_nd(s())],
        builtins.type: [_nd(s()), _nd(a())],
        builtins.str: [_nd(s())],
        builtins.repr: [_nd(s())],
        builtins.id: [_nd(s())],
        builtins.hash: [_nd(s())],
        # numpy.round is a function, not a ufunc
        np.round: [_nd(a()), _nd(s())],
        # shapes and constructors
        np.shape: [_nd(a())], np.ndim: [_nd(a())], np.size: [_nd(a())],
        Attribute("shape"): [_nd(a())], Attribute("ndim"): [_nd(a())],
        Attribute("size"): [_nd(a())], Attribute("dtype"): [_nd(a())],
        np.zeros: [_nd((2, 3))], np.ones: [_nd((2, 3))],
        np.empty: [NDCase(((2, 3),), shape_only=True)],
        # np.full / np.arange / np.linspace depend on float arguments; kept here so
        # that declaring them nondifferentiable again is caught.
        np.full: [_nd((2, 3), s())],
        np.arange: [_nd(5), _nd(1, 7, 2), _nd(s(), 3.0)],
        np.linspace: [_nd(s(), s() + 3.0, 5)],
        np.eye: [_nd(3)],
        np.zeros_like: [_nd(a())], np.ones_like: [_nd(a())],
        np.empty_like: [NDCase((a(),), shape_only=True)],
        np.argmax: [_nd(a()), _nd(a(), axis=0)], np.argmin: [_nd(a()), _nd(a(), axis=1)],
        np.argsort: [_nd(a())], np.nonzero: [_nd(a())],
        # operators
        operator.floordiv: [_nd(a(), 1.0), _nd(s(), 1.0), _nd(a((3,)), a((2, 3)) + 3.0)],
        operator.lt: [_nd(a(), a())], operator.le: [_nd(a(), a())],
        operator.gt: [_nd(s(), s())], operator.ge: [_nd(a(), s())],
        operator.eq: [_nd(a(), a())], operator.ne: [_nd(s(), s())],
        operator.not_: [_nd(s())],
        operator.is_: [_nd(s(), s())], operator.is_not: [_nd(s(), None)],
        operator.contains: [_nd(a(), s()), _nd([s(), s()], s())],
        operator.invert: [_nd(5), _nd(ints), _nd(a() > 0)],
        operator.and_: [_nd(5, 3), _nd(ints, 1), _nd(a() > 0, a() > 0)],
        operator.or_: [_nd(5, 3), _nd(a() > 0, a() > 0)],
        operator.xor: [_nd(5, 3), _nd(ints, ints)],
        operator.lshift: [_nd(5, 2), _nd(ints, 1)],
        operator.rshift: [_nd(5, 1), _nd(ints, 1)],
        runtime.make_slice: [_nd(1, 5, 2), _nd(None, -1, None)],
        runtime.landed: [_nd(a(), np.array([0, 1, 0])), _nd(a(), (1, [2, 0, 2])),
                         _nd(a(), 1)],
    }


ND_SPECS = _nd_specs()


def nd_cases(rule):
    primal = rule.primal
    if rule.examples:
        return [NDCase(c.args, c.kwargs) for c in example_cases(rule, rule.examples)]
    if _hashable(primal) and primal in ND_SPECS:
        return ND_SPECS[primal]
    rng = np.random.default_rng(seed_for(rule_id(rule), "nd"))
    if is_math_function(primal):
        return [_nd(away_from_jumps(rng, ()))]
    if isinstance(primal, np.ufunc) and primal.nin in (1, 2):
        cases = []
        for shape in UNARY_SHAPES:
            args = tuple(away_from_jumps(rng, shape) for _ in range(primal.nin))
            cases.append(NDCase(args))
        if primal.nin == 2:
            cases.append(NDCase((away_from_jumps(rng, (2, 1)), away_from_jumps(rng, (3,)))))
        return cases
    return []


def _non_float(out) -> bool:
    if out is None or isinstance(out, (bool, int, str, type, range, slice, np.dtype,
                                       np.bool_, np.integer)):
        return True
    if isinstance(out, np.ndarray):
        return not np.issubdtype(out.dtype, np.floating) and \
            not np.issubdtype(out.dtype, np.complexfloating)
    if isinstance(out, (tuple, list)):
        return all(_non_float(o) for o in out)
    return False


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and \
            all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.all(np.asarray(a) == np.asarray(b)))
    return a == b


def _perturb(rng, v, delta=1e-3):
    if isinstance(v, (bool, np.bool_)):
        return v
    if isinstance(v, (float, np.floating)):
        return type(v)(v + delta * rng.choice([-1.0, 1.0]))
    if isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating):
        return v + delta * rng.choice([-1.0, 1.0], size=v.shape)
    if isinstance(v, list):
        return [_perturb(rng, i, delta) for i in v]
    return v


# Deliberate derivative stops: they return their argument unchanged, and dropping its
# derivative is what they are for (so they are not piecewise constant).
DERIVATIVE_STOPS = {runtime.stop_gradient}


@pytest.mark.parametrize("rule", _params(ND_RULES))
def test_nondifferentiable_is_piecewise_constant_or_not_float(rule):
    cases = nd_cases(rule)
    if not cases:
        pytest.fail(f"no ND_SPECS entry for nondifferentiable rule {rule_id(rule)}")
    if _hashable(rule.primal) and rule.primal in DERIVATIVE_STOPS:
        for case in cases:
            out = call_primal(rule.primal, case.args, case.kwargs)
            assert len(case.args) == 1 and not case.kwargs and out is case.args[0]
        return
    rng = np.random.default_rng(seed_for(rule_id(rule), "perturb"))
    failures = []
    for case in cases:
        out0 = call_primal(rule.primal, case.args, case.kwargs)
        args = tuple(_perturb(rng, v) for v in case.args)
        kwargs = {k: _perturb(rng, v) for k, v in case.kwargs.items()}
        out1 = call_primal(rule.primal, args, kwargs)
        if case.shape_only:
            if np.shape(out0) != np.shape(out1) or out0.dtype != out1.dtype:
                failures.append(f"{case!r}: shape/dtype changed under perturbation")
            continue
        if _non_float(out0) and _non_float(out1):
            continue
        if not _same(out0, out1):
            failures.append(f"{case!r}: float-valued output {out0!r} changes to {out1!r} "
                            "under a 1e-3 perturbation of its float inputs, so it is "
                            "differentiable there; declaring it nondifferentiable makes "
                            "srcad silently drop that derivative")
    assert not failures, f"{rule_id(rule)}:\n  " + "\n  ".join(failures)


# ============================================================================ no mutation


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_snapshot(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_snapshot(v) for v in value)
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("rule", _params(DIFF_RULES))
def test_rules_never_modify_their_inputs(rule):
    """Neither the primal call nor the adjoint or tangent templates (the code spliced
    into generated functions) may write into an input or a cotangent."""
    for n, case in enumerate(_cases_or_fail(rule)):
        rng = np.random.default_rng(seed_for(rule_id(rule), "mutation", n))
        before = _snapshot((case.args, case.kwargs))
        y = call_primal(rule.primal, case.args, case.kwargs)
        y_before = _snapshot(y)
        u = _random_like(rng, y)
        u_before = _snapshot(u)
        if rule.adjoint is not None:
            _adjoint(rule, case, y, u)
        tangents = {p: _random_like(rng, get_value(case, locate(rule.tangent, case), p))
                    for p in active_params(rule, case)}
        t_before = _snapshot(tangents)
        if rule.tangent is not None:
            _tangent(rule, case, y, tangents)
        args, kwargs = before
        assert _same(case.args, args) and all(_same(case.kwargs[k], kwargs[k]) for k in kwargs), \
            f"{case!r}: an input changed"
        assert _same(y, y_before), f"{case!r}: the output was modified"
        assert _same(u, u_before), f"{case!r}: the cotangent was modified"
        for p in tangents:
            assert _same(tangents[p], t_before[p]), f"{case!r}: the tangent of {p} changed"
