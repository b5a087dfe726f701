"""Complex values end to end: a sweep over the rules that declare complex support.

The parameters come from the registry (`registry.all_rules()`): every differentiable
rule with `rule.complex is not None` ("linear", "holomorphic" or "native", see
`srcad.rules.complex_values` and docs/complex.md) is swept, so a rule that starts
declaring complex support is swept automatically.

For each call case of a rule (its `examples`, or the generic cases of the registry
sweep, `test_registry_sweep.diff_cases`), the sweep generates the Python source of a
REAL loss of ONE flat REAL vector `x` that reaches the primal through COMPLEX
intermediates, writes it to a temporary module and imports it (srcad reads source):

    def loss(x):
        a0 = x[0:3] * 1.0 + 1j * x[3:6]      # a complex argument
        a1 = x[6:9] * 1.0                    # a real argument
        out = np.multiply(a0, a1)
        total = 0.0
        total = total + np.sum(np.real(out) * W0) + np.sum(np.real(out) * np.real(out) * V0)
        total = total + np.sum(np.imag(out) * W1) + np.sum(np.imag(out) * np.imag(out) * V1)
        return total

with fixed random weights (module globals). The float arguments of the rule's
differentiable parameters are made complex (imaginary parts of magnitude 0.2 to 0.6,
off the real axis where log, sqrt, power and angle have their branch cuts and away from
the zero of abs and angle), in these variants: all of them; with several, each one
alone (one complex and the others real); and, when the primal gives a complex result
for real arguments (np.fft.fft, complex()), none. Variants the primal itself refuses
(np.fft.rfft of a complex array) are left out.

Checks, against central finite differences of the loss over `x`:

* first order: `srcad.grad(loss)(x)`;
* forward mode: `srcad.jvp(loss, [x], [v])` along a random `v`;
* second order: `srcad.hvp(loss)(x, v)` against central differences of the srcad
  gradient along `v` (`-m slow`: the full `srcad.hessian` against the Jacobian of the
  gradient by differences).

A refusal (`srcad.SrcadError`) fails: the rule declares complex support. Separately, rules
WITHOUT complex support must refuse complex values with a `srcad.SrcadError` instead of
computing, and no ComplexWarning may be emitted anywhere (an error in this file).

The default run takes, per rule, the first call case in every variant; `-m slow` runs
every case of every rule in every variant, with full Hessians.
"""

from __future__ import annotations

import builtins
import importlib.util
import itertools
import operator
import os
import sys
import tempfile
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.special
from gradcheck import numerical_grad, numerical_jacobian, numerical_jvp

import srcad
from srcad.rules import registry
from srcad.rules.registry import Attribute, Method

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
import test_registry_sweep as sweep  # noqa: E402  (the registry sweep's call cases)
from sweep_inputs import Inp, inputs, plain_value  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")

EPS = 1e-6
RTOL, ATOL = 1e-5, 1e-6           # gradient and JVP against differences of the loss
H_EPS = 1e-5
H_RTOL, H_ATOL = 1e-4, 1e-5       # second order against differences of the gradient

def _is_internal(primal) -> bool:
    """srcad's own run-time helpers (runtime.unbroadcast, the list helpers, the adjoint
    helpers): generated code calls them, user code does not, so they are swept at the
    template level (the registry sweep's complexified cases) and reached end to end by
    this sweep's second-order checks, which differentiate the generated adjoint code."""
    module = getattr(primal, "__module__", None) or ""
    return module == "srcad" or module.startswith("srcad.")


COMPLEX_RULES = [r for r in registry.all_rules()
                 if r.complex is not None and not r.nondifferentiable
                 and (r.adjoint is not None or r.tangent is not None)
                 and not _is_internal(r.primal)]


# ============================================================================ inputs


def _mark(value):
    """Each float or complex number / array of `value` (lists and tuples walked) as an Inp."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (float, complex, np.floating, np.complexfloating)):
        return Inp(value)
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.inexact):
        return Inp(value)
    if isinstance(value, list):
        return [_mark(v) for v in value]
    if isinstance(value, tuple) and any(isinstance(i, (float, np.ndarray, list, tuple))
                                        for i in value):
        return tuple(_mark(v) for v in value)
    return value


# ============================================================================ cases


@dataclass
class ComplexCase:
    rule: object
    index: int                 # the call case's number among the rule's cases
    variant: str               # which parameters are complex: "a, b", "a", "none"
    args: list                 # marked (Inp) arguments
    kwargs: dict = field(default_factory=dict)
    n_params: int = 0          # how many differentiable float parameters the call has

    def id(self) -> str:
        return f"{sweep.rule_id(self.rule)}-case{self.index}-complex({self.variant})"

    def inputs(self) -> list:
        return list(inputs(self.args)) + list(inputs(list(self.kwargs.values())))

    def x0(self) -> np.ndarray:
        parts = [i.coords() for i in self.inputs()]
        return np.concatenate(parts) if parts else np.zeros(0)


def _variants(rule, case):
    """(label, case) for each complexified version of a registry-sweep case."""
    template = sweep.template_of(rule)
    where = sweep.locate(template, case)
    names = [p for p in sweep.active_params(rule, case)
             if sweep.is_float_value(sweep.get_value(case, where, p))]
    star = [i for i, p in enumerate(template.signature.parameters.values())
            if p.kind is p.VAR_POSITIONAL]
    if star:  # np.einsum(subscripts, *operands): one name per float operand
        for i in range(star[0], len(case.args)):
            if sweep.is_float_value(case.args[i]):
                where[f"operand{i}"] = ("arg", i)
                names.append(f"operand{i}")
    rng = np.random.default_rng(zlib.crc32(repr(("complex-sweep", sweep.rule_id(rule),
                                                 repr(case))).encode()))
    groups = [names] + ([[p] for p in names] if len(names) > 1 else [])
    out = []
    y = sweep.call_primal(rule.primal, case.args, case.kwargs)
    if sweep.is_complex_value(y):
        out.append(("none", case, len(names)))   # a complex result of real arguments
    for group in groups:
        if not group:
            continue
        cur = case
        for p in group:
            args, kwargs = sweep.with_value(cur, where, p,
                                            sweep.complexify(rng, sweep.get_value(case, where, p)))
            cur = sweep.Case(args, kwargs)
        if rule.primal is np.linalg.svd and cur.kwargs.get("hermitian"):
            continue  # refused for complex matrices (tests/rules/test_linalg_complex.py)
        if sweep._primal_takes(rule, cur):
            out.append((", ".join(group), cur, len(names)))
    return out


def complex_cases(rule) -> list:
    cases = []
    for n, case in enumerate(sweep.diff_cases(rule)):
        for label, c, n_params in _variants(rule, case):
            cc = ComplexCase(rule, n, label, [_mark(a) for a in c.args],
                             {k: _mark(v) for k, v in c.kwargs.items()}, n_params=n_params)
            start = 0
            for inp in cc.inputs():
                inp.start = start
                start += inp.width
            if start:
                cases.append(cc)
    return cases


def _collect():
    default, slow = [], []
    for rule in COMPLEX_RULES:
        cases = complex_cases(rule)
        first = min((c.index for c in cases), default=None)
        for c in cases:
            (default if c.index == first else slow).append(pytest.param(c, id=c.id()))
    return default, slow


DEFAULT_CASES, SLOW_CASES = _collect()


# ============================================================================ source


class Source:
    def __init__(self):
        self.globals = {}
        self.lines = ["import builtins", "import operator", "",
                      "import numpy as np", "import scipy.special", ""]

    def constant(self, value) -> str:
        if value is None or isinstance(value, (bool, int, str)):
            return repr(value)
        if isinstance(value, tuple) and all(isinstance(v, (int, type(None), str)) and
                                            not isinstance(v, bool) for v in value):
            return repr(value)
        if isinstance(value, slice) and all(isinstance(v, (int, type(None)))
                                            for v in (value.start, value.stop, value.step)):
            return f"slice({value.start!r}, {value.stop!r}, {value.step!r})"
        name = f"C{len(self.globals)}"
        self.globals[name] = value
        return name

    def expr(self, value) -> str:
        if isinstance(value, Inp):
            return value.expr()
        if isinstance(value, list) and any(True for _ in inputs(value)):
            return "[" + ", ".join(self.expr(v) for v in value) + "]"
        if isinstance(value, tuple) and any(True for _ in inputs(value)):
            return "(" + "".join(self.expr(v) + ", " for v in value) + ")"
        return self.constant(value)

    def weight(self, prefix: str, like, rng, low=None, high=None) -> str:
        name = f"{prefix}{len(self.globals)}"
        if np.ndim(like) == 0:
            value = float(rng.standard_normal() if low is None else rng.uniform(low, high))
        else:
            shape = np.shape(like)
            value = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
        self.globals[name] = value
        return name


_INFIX = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
          operator.pow: "**", operator.matmul: "@"}
_PREFIX = {operator.neg: "-", operator.pos: "+"}


def primal_expr(primal):
    """Source text naming `primal`, or None (the module then gets it as a global)."""
    if primal is builtins.abs:
        return "abs"
    if primal is builtins.complex:
        return "complex"
    name = getattr(primal, "__name__", None)
    if not name:
        return None
    for prefix, module in [("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft),
                           ("scipy.special", scipy.special)]:
        if getattr(module, name, None) is primal:
            return f"{prefix}.{name}"
    return None


def call_text(primal, args: list, kwargs: dict, src: Source) -> str:
    texts = [src.expr(a) for a in args]
    kw = [f"{k}={src.expr(v)}" for k, v in kwargs.items()]
    if isinstance(primal, Attribute):
        return f"{texts[0]}.{primal.name}"
    if isinstance(primal, Method):
        return f"{texts[0]}.{primal.name}({', '.join(texts[1:] + kw)})"
    if not kw and len(texts) == 2 and primal in _INFIX:
        return f"({texts[0]}) {_INFIX[primal]} ({texts[1]})"
    if not kw and len(texts) == 1 and primal in _PREFIX:
        return f"{_PREFIX[primal]}({texts[0]})"
    if not kw and len(texts) == 2 and primal is operator.getitem:
        return f"({texts[0]})[{texts[1]}]"
    name = primal_expr(primal)
    if name is None:
        src.globals["PRIMAL"] = primal
        name = "PRIMAL"
    return f"{name}({', '.join(texts + kw)})"


def _float_leaves(out, path=""):
    if isinstance(out, (tuple, list)):
        for j, item in enumerate(out):
            yield from _float_leaves(item, f"{path}[{j}]")
        return
    if isinstance(out, (bool, np.bool_, int, np.integer)):
        return
    if isinstance(out, (float, complex, np.floating, np.complexfloating)):
        yield path, out
    elif isinstance(out, np.ndarray) and out.dtype.kind in "fc":
        yield path, out


_TMP = tempfile.mkdtemp(prefix="srcad_complex_sweep_")
_counter = itertools.count()


def real_counterpart(case: ComplexCase) -> ComplexCase:
    """The same call with every argument real (the registry sweep's case)."""
    c = sweep.diff_cases(case.rule)[case.index]
    real = ComplexCase(case.rule, case.index, "real", [_mark(a) for a in c.args],
                       {k: _mark(v) for k, v in c.kwargs.items()}, n_params=case.n_params)
    start = 0
    for inp in real.inputs():
        inp.start = start
        start += inp.width
    return real


def _phase_free_parts(primal, path: str, out, src: Source, rng):
    """For an output whose columns (eigh's eigenvectors) or columns and rows (svd's u and
    vh, jointly) are defined up to a phase each, the phase-independent quantities the
    loss reads instead of its real and imaginary parts (a loss of those has no
    derivative, and srcad refuses it): abs(v) and V diag(c) V^H; abs(u), abs(vh) and
    u diag(c) vh, as (source text, a value of its shape). None for other outputs."""
    if primal is np.linalg.eigh and path == "[1]":
        c = src.weight("C", out[0], rng)
        p = f"((out[1] * {c}[..., None, :]) @ np.conj(np.swapaxes(out[1], -1, -2)))"
        v = out[1]
        return [("np.abs(out[1])", v), (f"np.real({p})", v), (f"np.imag({p})", v)]
    if primal is np.linalg.svd and isinstance(out, tuple) and path in ("[0]", "[2]"):
        if path == "[2]":
            return [("np.abs(out[2])", out[2])]
        k = np.shape(out[1])[-1]
        c = src.weight("C", out[1], rng)
        p = f"((out[0][..., :, :{k}] * {c}[..., None, :]) @ out[2][..., :{k}, :])"
        like = out[0][..., :, :k] @ out[2][..., :k, :]
        return [("np.abs(out[0])", out[0]), (f"np.real({p})", like), (f"np.imag({p})", like)]
    return None


# Rules differentiated to first order only for complex values: their second derivative
# (of the complex adjoint helpers) is refused, which the sweep accepts.
FIRST_ORDER_ONLY = {np.linalg.eigh, np.linalg.eigvalsh, np.linalg.svd, np.linalg.eig,
                    np.linalg.eigvals}


def generate(case: ComplexCase):
    """Write and import the loss of `case`; returns (loss, source text) or (None, None)
    when the result has no float values."""
    rule = case.rule
    src = Source()
    rng = np.random.default_rng(zlib.crc32(case.id().encode()))
    out = sweep.call_primal(rule.primal, [plain_value(a) for a in case.args],
                            {k: plain_value(v) for k, v in case.kwargs.items()})
    leaves = list(_float_leaves(out))
    if not leaves:
        return None, None
    body = [f"out = {call_text(rule.primal, case.args, case.kwargs, src)}", "total = 0.0"]
    for path, leaf in leaves:
        parts = [(f"out{path}", leaf)]
        if np.iscomplexobj(leaf):
            parts = [(f"np.real(out{path})", leaf), (f"np.imag(out{path})", leaf)]
            free = _phase_free_parts(rule.primal, path, out, src, rng)
            if free is not None:
                parts = free
        for p, like in parts:
            w = src.weight("W", like, rng)
            v = src.weight("V", like, rng, 0.1, 0.3)
            body.append(f"total = total + np.sum({p} * {w}) + np.sum({p} * {p} * {v})")
    body.append("return total")
    src.lines += ["", "def loss(x):"] + ["    " + s for s in body]
    text = "\n".join(src.lines) + "\n"
    name = f"complex_sweep_{next(_counter)}_{zlib.crc32(text.encode()):08x}"
    path = os.path.join(_TMP, name + ".py")
    with open(path, "w") as fh:
        fh.write(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    for k, v in src.globals.items():
        setattr(module, k, v)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.loss, text


# ============================================================================ checks


def _call(what, fn, where, *args):
    try:
        return fn(*args)
    except srcad.SrcadError as exc:
        raise AssertionError(f"{what} refused a rule declared complex: "
                             f"{type(exc).__name__}: {exc}{where}") from exc


def _as_real_vector(value, what, where) -> np.ndarray:
    arr = np.asarray(value)
    assert not np.iscomplexobj(arr), f"{what} is complex: {value!r}{where}"
    return arr.astype(np.float64)


def run_case(case: ComplexCase, full_hessian: bool = False):
    loss, text = generate(case)
    if loss is None:
        pytest.skip("the result has no float values")
    x = case.x0()
    where = f"\n--- generated source ---\n{text}"
    value = float(loss(x))
    assert np.isfinite(value), f"the loss is not finite{where}"
    rng = np.random.default_rng(zlib.crc32(("direction", case.id()).__repr__().encode()))
    v = rng.standard_normal(x.shape)

    # ------------------------------------------------------------ first order (reverse)
    grad = srcad.grad(loss)
    g = _as_real_vector(_call("srcad.grad", grad, where, x), "the gradient", where)
    expected = numerical_grad(lambda v: float(loss(v)), [x], 0, eps=EPS)
    assert g.shape == x.shape, f"gradient shape {g.shape}, x has {x.shape}{where}"
    assert np.allclose(g, expected, rtol=RTOL, atol=ATOL), \
        f"wrong gradient:\n  srcad       {g}\n  finite diff {expected}{where}"

    # ------------------------------------------------------------ forward mode
    val, t = _call("srcad.jvp", srcad.jvp, where, loss, [x], [v])
    assert np.isclose(float(val), value, rtol=1e-12, atol=1e-12), f"jvp value {val}{where}"
    t = float(_as_real_vector(t, "the tangent", where))
    fd_t = float(expected @ v)
    assert np.isclose(t, fd_t, rtol=RTOL, atol=ATOL), \
        f"wrong tangent: srcad.jvp gives {t}, finite differences {fd_t}{where}"

    # ------------------------------------------------------------ second order
    try:
        hv = srcad.hvp(loss)(x, v)
    except srcad.SrcadError as exc:
        if case.rule.primal in FIRST_ORDER_ONLY and case.variant != "none":
            return "first order only (complex second derivatives are refused)"
        # Excused only when srcad has no second derivative of the all-real call either
        # (the rule's adjoint helper has no tangent rule): not a complex limitation.
        real_case = real_counterpart(case)
        real_loss, real_text = generate(real_case)
        try:
            srcad.hvp(real_loss)(real_case.x0(), np.ones(real_case.x0().shape))
        except srcad.SrcadError:
            return "first order only (no second order for real arguments either)"
        raise AssertionError(f"srcad.hvp refused the complex call ({type(exc).__name__}: "
                             f"{exc}) but not the real one{where}") from exc
    hv = _as_real_vector(hv, "the Hessian-vector product", where)
    fd_hv = numerical_jvp(grad, [x], [v], eps=H_EPS)
    assert np.allclose(hv, fd_hv, rtol=H_RTOL, atol=H_ATOL), \
        f"wrong Hessian-vector product:\n  srcad.hvp   {hv}\n  finite diff {fd_hv}{where}"
    if full_hessian:
        h = _as_real_vector(_call("srcad.hessian", srcad.hessian(loss), where, x),
                            "the Hessian", where)
        fd_h = numerical_jacobian(grad, x, eps=H_EPS)
        assert h.shape == (x.size, x.size), f"Hessian shape {h.shape}{where}"
        assert np.allclose(h, fd_h, rtol=H_RTOL, atol=H_ATOL), \
            f"wrong Hessian:\n  srcad\n{h}\n  finite diff of the gradient\n{fd_h}{where}"
    return "first and second order"


@pytest.mark.parametrize("case", DEFAULT_CASES)
def test_complex_rule(case):
    run_case(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", DEFAULT_CASES + SLOW_CASES)
def test_complex_rule_exhaustive(case):
    run_case(case, full_hessian=True)


@pytest.mark.parametrize("rule", [pytest.param(r, id=sweep.rule_id(r)) for r in COMPLEX_RULES])
def test_complex_rule_is_swept(rule):
    """Every rule declaring complex support has a case with a complex value (no silent
    gaps: a rule whose primal refuses every complexified case is reported)."""
    assert complex_cases(rule), (f"{sweep.rule_id(rule)} declares complex support but no "
                                 "call case with a complex value could be built from its "
                                 "examples: add one")


def test_sweep_has_mixed_binary_cases():
    """Binary rules are swept with one real and one complex operand, and both complex."""
    cases = [p.values[0] for p in DEFAULT_CASES]
    mixed = {c.rule.primal for c in cases if c.n_params == 2 and "," not in c.variant
             and c.variant != "none"}
    both = {c.rule.primal for c in cases if c.n_params == 2 and "," in c.variant}
    for primal in (operator.add, operator.mul, operator.truediv, operator.pow, np.multiply,
                   np.divide, np.power, np.matmul, np.dot, np.linalg.solve, np.vdot,
                   builtins.complex):
        assert primal in mixed and primal in both, sweep.rule_id(registry.lookup(primal))


# ============================================================================ refusals


def _write(text: str):
    name = f"complex_refusal_{next(_counter)}_{zlib.crc32(text.encode()):08x}"
    path = os.path.join(_TMP, name + ".py")
    with open(path, "w") as fh:
        fh.write(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


REFUSED = [("np.maximum", "np.maximum(z, 0.5)"), ("np.cumprod", "np.cumprod(z)"),
           ("np.arctan2", "np.arctan2(z, 1.5)"), ("np.sort", "np.sort(z)"),
           ("np.linalg.qr", "np.linalg.qr(np.outer(z, z))[0]")]


@pytest.mark.parametrize("primal,call", REFUSED, ids=[r[0] for r in REFUSED])
def test_rule_without_complex_support_refuses(primal, call):
    """A rule without a complex declaration raises a SrcadError on a complex value instead
    of computing (in reverse, forward and second-order mode)."""
    fn = eval(primal, {"np": np, "scipy": scipy})  # noqa: S307 - a fixed table
    rule = registry.lookup(fn)
    assert rule is not None and rule.complex is None, \
        f"{primal} now declares complex support: pick another refused rule"
    module = _write("import numpy as np\nimport scipy.special\n\n\n"
                    "def loss(x):\n"
                    "    z = x[0:3] * 1.0 + 1j * x[3:6]\n"
                    f"    w = {call}\n"
                    "    return np.sum(np.real(w) * np.arange(1.0, 1.0 + np.size(w)))\n")
    x = np.linspace(0.3, 0.9, 6)
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.grad(module.loss)(x)
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.jvp(module.loss, [x], [np.ones(6)])
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.hvp(module.loss)(x, np.ones(6))
