"""Python lists in place of arrays: a sweep over srcad's derivative registry.

NumPy and SciPy functions take array-likes, so `np.mean(losses)` with a list
`losses` built at run time is ordinary user code. This sweep makes sure srcad
differentiates such calls wherever it differentiates the array version.

The parameters come from the registry (`registry.all_rules()`), so a newly registered
rule is swept too. A rule is swept when its primal is a NumPy/SciPy function that
converts array-likes (`srcad.analysis.sequences.takes_arrays`) or one of the functions whose
argument *is* a sequence of arrays (np.stack, np.concatenate, np.array, ...). Its call
cases are the rule's `examples` (or the generic cases of `test_registry_sweep`). In
each case, an argument that is

* a 1-D float array (or, for the sequence functions, a list or tuple of arrays or
  floats) is passed instead as a Python list built inside the differentiated function
  in each of these ways: a literal `[x[0], x[1], ...]`, `append` in straight-line
  code, `append` in a `for` loop, `extend` and `+=`, a preallocated `[0.0] * n` with
  item assignment in a loop, `insert`, a list comprehension, `list(d.values())` of a
  dict built in the function, an attribute list grown by a method
  (`self.values.append(v)`), and a tuple;
* a 2-D float array (or a list of lists of floats) is passed as a list of lists whose
  rows are built with `append` (`nested`), or as a list of row arrays (`rows`).

For each case the sweep generates the Python source of a function of one flat float
vector `x` (all the case's random inputs), writes it to a temporary module, imports
it and differentiates it with `srcad.grad`:

    def f(x):
        xs = []
        for i in range(3):
            xs.append(x[0 + i] * 1.0)
        out = np.exp(xs)
        total = 0.0
        total = total + np.sum(out * W0) + np.sum(out * out * V0)
        return total

The gradient is compared with central differences of the same function; where srcad
gives a Hessian, it is compared with central differences of the gradient. A refusal
(`srcad.SrcadError`) fails the test when the same call with a plain array argument
(`x[0:3] * 1.0`) is differentiated (lists must work wherever arrays do); an internal
exception or a wrong derivative always fails.

Calls where NumPy itself rejects a list (np.take_along_axis reads `arr.ndim`) are not
generated: there is no such user code to differentiate.

Size: the default run takes one case per primal (about 200, under a minute on two
cores; a gradient and a Hessian are compiled for each), its construction chosen so
that every construction is swept about equally often over the registry.
`pytest -m slow tests/rules/test_list_sweep.py` runs the exhaustive product (about
6,300 more cases): every example of every rule, every eligible argument, every
construction.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import tempfile
import zlib
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.linalg
import scipy.special
from gradcheck import numerical_grad, numerical_hessian

import srcad
from srcad.analysis import inference as analysis
from srcad.analysis import sequences
from srcad.rules import registry
from srcad.rules.registry import Attribute, Method
from srcad.runtime import python as pyrt
from srcad.runtime.adjoints import AdjointStructureError

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
import test_registry_sweep as sweep  # noqa: E402  (the registry sweep's call cases)
from sweep_inputs import Inp, hashable, inputs, plain_value  # noqa: E402

EPS = 1e-6
RTOL, ATOL = 1e-5, 1e-6           # the registry sweep's tolerances
H_EPS = 1e-5
H_RTOL, H_ATOL = 1e-4, 1e-5       # Hessian against differences of the gradient

# np.stack, np.concatenate, np.array...: the argument is itself a sequence of arrays.
SEQUENCE_FUNCTIONS = set(analysis.SEQUENCE_FUNCTIONS) | {
    np.stack, np.concatenate, np.hstack, np.vstack, np.dstack, np.column_stack,
    np.block, np.array, np.asarray, np.asanyarray, np.ascontiguousarray}

FLAT = ["literal", "append", "append_loop", "extend_iadd", "prealloc", "insert",
        "comprehension", "dict_values", "attribute", "tuple"]
NESTED = ["nested", "rows"]
CONSTRUCTIONS = FLAT + NESTED


# ============================================================================ primals



def is_sequence_function(primal) -> bool:
    return hashable(primal) and primal in SEQUENCE_FUNCTIONS


def takes_array_likes(primal) -> bool:
    if isinstance(primal, (Method, Attribute)):
        return False
    return sequences.takes_arrays(primal) or is_sequence_function(primal)


# np.dsplit takes arrays of 3 or more dimensions only: no 1-D or 2-D list to pass it.
THREE_D_ONLY = {np.dsplit}

ARRAY_RULES = [r for r in registry.all_rules()
               if not r.nondifferentiable and r.adjoint is not None
               and takes_array_likes(r.primal) and r.primal not in THREE_D_ONLY]


def _candidates(name):
    mods = [np, np.linalg, np.fft, scipy.special, scipy.linalg]
    prefixes = ["np", "np.linalg", "np.fft", "scipy.special", "scipy.linalg"]
    return [(p, m, name) for p, m in zip(prefixes, mods)]


def primal_expr(primal):
    """Source text naming `primal` (`np.exp`, `np.linalg.solve`, `scipy.special.gammaln`),
    or None (then the module gets it as a global)."""
    name = getattr(primal, "__name__", None)
    if not name:
        return None
    for prefix, module, attr in _candidates(name):
        if getattr(module, attr, None) is primal:
            return f"{prefix}.{attr}"
    return None


# ============================================================================ call cases


def _mark(value, rng=None):
    """Replace random inputs by `Inp`: `Rand` placeholders (examples) or, for the
    generic cases, every float and float array."""
    if isinstance(value, registry.Rand):
        if value.shape == ():
            return Inp(float(rng.uniform(value.low, value.high)))
        return Inp(rng.uniform(value.low, value.high, size=value.shape))
    if rng is None:
        if isinstance(value, (bool, np.bool_)):
            return value
        if isinstance(value, float):
            return Inp(value)
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
            return Inp(value)
    if isinstance(value, list):
        return [_mark(v, rng) for v in value]
    if isinstance(value, tuple) and _has_inp_or_rand(value):
        return tuple(_mark(v, rng) for v in value)
    return value


def _has_inp_or_rand(v) -> bool:
    if isinstance(v, (list, tuple)):
        return any(_has_inp_or_rand(i) for i in v)
    return isinstance(v, (registry.Rand, Inp, float, np.ndarray))


@dataclass
class Call:
    rule: object
    index: int
    args: list      # marked
    kwargs: dict    # marked

    def slots(self):
        return [("arg", i) for i in range(len(self.args))] + \
            [("kw", k) for k in self.kwargs]

    def get(self, slot):
        kind, key = slot
        return self.args[key] if kind == "arg" else self.kwargs[key]

    def inputs(self):
        return list(inputs(self.args)) + list(inputs(list(self.kwargs.values())))

    def x0(self) -> np.ndarray:
        parts = [np.ravel(np.asarray(i.value, dtype=np.float64)) for i in self.inputs()]
        return np.concatenate(parts) if parts else np.zeros(0)


def calls_of(rule) -> list:
    """The rule's call cases with their random inputs marked (`Inp`) and laid out in x."""
    if rule.examples:
        rng = np.random.default_rng(zlib.crc32(repr(("lists", sweep.rule_id(rule))).encode()))
        raw = [(list(ex.args), dict(ex.kwargs)) for ex in rule.examples]
        marked = [([_mark(a, rng) for a in args], {k: _mark(v, rng) for k, v in kw.items()})
                  for args, kw in raw]
    else:
        marked = [([_mark(a) for a in c.args], {k: _mark(v) for k, v in c.kwargs.items()})
                  for c in sweep.diff_cases(rule)]
    calls = []
    for n, (args, kwargs) in enumerate(marked):
        call = Call(rule, n, args, kwargs)
        start = 0
        for inp in call.inputs():
            inp.start = start
            start += inp.size
        if start:
            calls.append(call)
    return calls


# ---------------------------------------------------------------- targets


def target_kind(value, primal):
    """'flat' (a list of scalars or, for sequence functions, of arrays), 'nested' (a
    2-D array or a list of lists of floats), or None."""
    if isinstance(value, Inp):
        if len(value.shape) == 1 and value.size >= 1:
            return "flat"
        if len(value.shape) == 2 and value.size >= 1:
            return "nested"
        return None
    if isinstance(value, (list, tuple)) and value:
        if all(isinstance(v, Inp) for v in value):
            if all(v.shape == () for v in value) or is_sequence_function(primal):
                return "flat"
            return None
        if all(isinstance(v, (list, tuple)) and v and all(isinstance(i, Inp) and i.shape == ()
                                                          for i in v) for v in value) \
                and len({len(v) for v in value}) == 1:
            return "nested"
    return None


def constructions_for(kind) -> list:
    return FLAT if kind == "flat" else NESTED if kind == "nested" else []


# ============================================================================ source


class Source:
    """The generated module: source lines plus globals injected after import."""

    def __init__(self):
        self.globals = {}
        self.lines = ["import numpy as np", "import scipy.linalg", "import scipy.special", "",
                      "", "class Collector:",
                      "    def __init__(self):",
                      "        self.values = []",
                      "",
                      "    def add(self, v):",
                      "        self.values.append(v)", ""]

    def constant(self, value) -> str:
        if value is None or isinstance(value, (bool, int, str)):
            return repr(value)
        if isinstance(value, float) and np.isfinite(value):
            return repr(value)
        if value is float:
            return "float"
        if isinstance(value, type) and getattr(np, value.__name__, None) is value:
            return f"np.{value.__name__}"
        if isinstance(value, tuple) and all(isinstance(v, (int, type(None))) and
                                            not isinstance(v, bool) for v in value):
            return repr(value)
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


def _loop_item(items, index: str, src: Source) -> str:
    """The expression of item `index` (a loop variable expression) of a flat target."""
    shapes = {i.shape for i in items}
    sizes = [i.size for i in items]
    contiguous = all(items[j + 1].start == items[j].start + sizes[j]
                     for j in range(len(items) - 1))
    a = items[0].start
    if contiguous and shapes == {()}:
        return f"x[{a} + {index}] * 1.0"
    if contiguous and len(shapes) == 1:
        (shape,) = shapes
        n = sizes[0]
        body = f"x[{a} + ({index}) * {n}:{a} + ({index} + 1) * {n}]"
        return body + (" * 1.0" if len(shape) == 1 else f".reshape({shape!r}) * 1.0")
    # items of different shapes: index tables
    k = len(src.globals)
    starts, stops, shp = f"STARTS{k}", f"STOPS{k}", f"SHAPES{k}"
    src.globals[starts] = [i.start for i in items]
    src.globals[stops] = [i.start + i.size for i in items]
    src.globals[shp] = [i.shape for i in items]
    return f"x[{starts}[{index}]:{stops}[{index}]].reshape({shp}[{index}]) * 1.0"


def _flat_items(target):
    if isinstance(target, Inp):  # a 1-D array: its entries
        return [Inp(float(v), target.start + j) for j, v in enumerate(target.value)]
    return list(target)


def build_list(target, construction: str, src: Source) -> list:
    """Statements that leave the target's list in `xs`."""
    if construction in NESTED:
        return _build_nested(target, construction)
    items = _flat_items(target)
    n = len(items)
    e = [it.expr() for it in items]
    if construction == "literal":
        return ["xs = [" + ", ".join(e) + "]"]
    if construction == "tuple":
        return ["xs = (" + "".join(v + ", " for v in e) + ")"]
    if construction == "append":
        return ["xs = []"] + [f"xs.append({v})" for v in e]
    if construction == "extend_iadd":
        h = max(1, n // 2)
        return ["xs = []", "xs.extend([" + ", ".join(e[:h]) + "])",
                "xs += [" + ", ".join(e[h:]) + "]"]
    if construction == "dict_values":
        return ["d = {}"] + [f"d['k{j}'] = {v}" for j, v in enumerate(e)] + \
            ["xs = list(d.values())"]
    item = _loop_item(items, "i", src)
    if construction == "append_loop":
        return ["xs = []", f"for i in range({n}):", f"    xs.append({item})"]
    if construction == "prealloc":
        return [f"xs = [0.0] * {n}", f"for i in range({n}):", f"    xs[i] = {item}"]
    if construction == "insert":
        rev = _loop_item(items, f"{n - 1} - i", src)
        return ["xs = []", f"for i in range({n}):", f"    xs.insert(0, {rev})"]
    if construction == "comprehension":
        return [f"xs = [{item} for i in range({n})]"]
    if construction == "attribute":
        return ["acc = Collector()", f"for i in range({n}):", f"    acc.add({item})",
                "xs = acc.values"]
    raise AssertionError(construction)


def _build_nested(target, construction):
    if isinstance(target, Inp):
        m, k = target.shape
        a = target.start
    else:
        m, k = len(target), len(target[0])
        a = target[0][0].start
    if construction == "nested":
        return ["xs = []", f"for r in range({m}):", "    row = []",
                f"    for c in range({k}):", f"        row.append(x[{a} + r * {k} + c] * 1.0)",
                "    xs.append(row)"]
    return ["xs = []", f"for r in range({m}):",
            f"    xs.append(x[{a} + r * {k}:{a} + (r + 1) * {k}] * 1.0)"]


def array_version(target):
    """The target as one array expression (None where the items differ in shape)."""
    items = list(inputs(target))
    shapes = {i.shape for i in items}
    if isinstance(target, Inp):
        return target.expr()
    if len(shapes) != 1:
        return None
    a = items[0].start
    b = items[-1].start + items[-1].size
    if b - a != sum(i.size for i in items):
        return None
    shape = np.shape(plain_value(target))
    return f"np.asarray(x[{a}:{b}].reshape({tuple(shape)!r}) * 1.0)"


# ---------------------------------------------------------------- outputs


def _float_leaves(out, path=""):
    """(source path, value) of the float leaves of an output; ints and bools skipped."""
    if isinstance(out, (tuple, list)):
        for j, item in enumerate(out):
            yield from _float_leaves(item, f"{path}[{j}]")
        return
    if isinstance(out, (bool, np.bool_, int, np.integer)):
        return
    if isinstance(out, (float, np.floating, complex, np.complexfloating)):
        yield path, out
        return
    if isinstance(out, np.ndarray) and out.dtype.kind in "fc":
        yield path, out


def reduction_lines(out, src: Source, rng) -> list:
    lines = ["total = 0.0"]
    for path, leaf in _float_leaves(out):
        parts = [f"out{path}"]
        if np.iscomplexobj(leaf):
            parts = [f"np.real(out{path})", f"np.imag(out{path})"]
        for p in parts:
            k = len(src.globals)
            w, v = f"W{k}", f"V{k}"
            if np.ndim(leaf) == 0:
                src.globals[w] = float(rng.standard_normal())
                src.globals[v] = float(rng.uniform(0.1, 0.3))
            else:
                src.globals[w] = rng.standard_normal(np.shape(leaf))
                src.globals[v] = rng.uniform(0.1, 0.3, size=np.shape(leaf))
            lines.append(f"total = total + np.sum({p} * {w}) + np.sum({p} * {p} * {v})")
    return lines


# ============================================================================ test cases


@dataclass
class ListCase:
    call: Call
    slot: tuple
    construction: str

    @property
    def rule(self):
        return self.call.rule

    def id(self, long: bool) -> str:
        name = sweep.rule_id(self.rule)
        base = f"{name}-{self.construction}"
        if not long:
            return base
        kind, key = self.slot
        return f"{base}-case{self.call.index}-{'arg' if kind == 'arg' else ''}{key}"


def as_python_list(target, kind):
    """The plain value of a target built as a list (what NumPy gets from the generated
    code), to check that NumPy itself accepts a list there."""
    value = plain_value(target)
    if isinstance(value, np.ndarray):
        return value.tolist() if kind == "nested" else list(value)
    return [list(v) if isinstance(v, (list, tuple)) else v for v in value]


def numpy_accepts_list(call, slot, kind) -> bool:
    """False where NumPy itself rejects a list for that argument (np.split reads
    `ary.shape`): such calls are no user code to differentiate."""
    args = [plain_value(a) for a in call.args]
    kwargs = {k: plain_value(v) for k, v in call.kwargs.items()}
    value = as_python_list(call.get(slot), kind)
    if slot[0] == "arg":
        args[slot[1]] = value
    else:
        kwargs[slot[1]] = value
    try:
        call.rule.primal(*args, **kwargs)
    except Exception:  # noqa: BLE001
        return False
    return True


def list_cases(rule) -> list:
    out = []
    for call in calls_of(rule):
        for slot in call.slots():
            kind = target_kind(call.get(slot), rule.primal)
            if kind is None or not numpy_accepts_list(call, slot, kind):
                continue
            for construction in constructions_for(kind):
                out.append(ListCase(call, slot, construction))
    return out


def _collect():
    """The default run: one case per primal, its construction chosen so that every
    construction is swept about equally often over the registry (a compiled gradient
    and Hessian cost about 0.25 s a case, so the full product is `-m slow`)."""
    default, slow = [], []
    used = {c: 0 for c in CONSTRUCTIONS}
    for rule in ARRAY_RULES:
        cases = list_cases(rule)
        first = {}
        for case in cases:
            first.setdefault(case.construction, case)
        pick = None
        if first:
            pick = min(first, key=lambda c: (used[c], CONSTRUCTIONS.index(c)))
            used[pick] += 1
            default.append(pytest.param(first[pick], id=first[pick].id(False)))
        for case in cases:
            if case is not first.get(pick):
                slow.append(pytest.param(case, id=case.id(True)))
    return default, slow


DEFAULT_CASES, SLOW_CASES = _collect()

_TMP = tempfile.mkdtemp(prefix="srcad_list_sweep_")
_counter = itertools.count()


def generate(case: ListCase):
    """Write and import the module for `case`: returns (f_list, f_array or None)."""
    call, rule = case.call, case.rule
    src = Source()
    primal = primal_expr(rule.primal)
    if primal is None:
        src.globals["PRIMAL"] = rule.primal
        primal = "PRIMAL"
    target = call.get(case.slot)

    def call_text(target_expr):
        args = []
        for i, a in enumerate(call.args):
            args.append(target_expr if ("arg", i) == case.slot else src.expr(a))
        for k, v in call.kwargs.items():
            args.append(f"{k}=" + (target_expr if ("kw", k) == case.slot else src.expr(v)))
        return f"{primal}({', '.join(args)})"

    # the output of the list version (NumPy treats a list like the array it makes, with
    # rare exceptions: np.array_split(rows, 3, axis=1) cuts len(rows), not axis 1)
    kind = target_kind(target, rule.primal)
    args = [plain_value(a) for a in call.args]
    kwargs = {k: plain_value(v) for k, v in call.kwargs.items()}
    if case.slot[0] == "arg":
        args[case.slot[1]] = as_python_list(target, kind)
    else:
        kwargs[case.slot[1]] = as_python_list(target, kind)
    out = rule.primal(*args, **kwargs)
    if not any(True for _ in _float_leaves(out)):
        return None, None, None
    rng = np.random.default_rng(zlib.crc32(case.id(True).encode()))
    reduce = reduction_lines(out, src, rng)
    list_stmts = build_list(target, case.construction, src)
    body = list_stmts + [f"out = {call_text('xs')}"] + reduce + ["return total"]
    src.lines += ["", "def f(x):"] + ["    " + s for s in body]
    array = array_version(target)
    if array is not None:
        body = [f"out = {call_text(array)}"] + reduce + ["return total"]
        src.lines += ["", "", "def f_array(x):"] + ["    " + s for s in body]
    text = "\n".join(src.lines) + "\n"
    name = f"list_sweep_{next(_counter)}_{zlib.crc32(text.encode()):08x}"
    path = os.path.join(_TMP, name + ".py")
    with open(path, "w") as fh:
        fh.write(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    for k, v in src.globals.items():
        setattr(module, k, v)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    for k, v in src.globals.items():  # exec_module keeps them, but be explicit
        setattr(module, k, v)
    return module.f, getattr(module, "f_array", None), text


# ============================================================================ checks


def _try(fn, x):
    """(result, None) or (None, exception)."""
    try:
        return fn(x), None
    except Exception as exc:  # noqa: BLE001 - classified by the caller
        return None, exc


def _describe(exc) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _same_in_python(f, f_array, x) -> bool:
    """Whether plain Python computes the same value with the list and with the array."""
    try:
        return bool(np.isclose(float(f(x)), float(f_array(x)), rtol=1e-12, atol=1e-12))
    except (TypeError, ValueError, IndexError):
        return False


def run_case(case: ListCase):
    f, f_array, text = generate(case)
    if f is None:
        pytest.skip("the output has no float values")
    x = case.call.x0()
    where = f"\n--- generated source ---\n{text}"

    # ------------------------------------------------------------ first order
    vg, exc = _try(srcad.value_and_grad(f), x)
    if exc is None:
        value, g = vg
        if not np.isclose(float(value), float(f(x)), rtol=1e-12, atol=1e-12):
            raise AssertionError(f"srcad computes the value {value!r}, Python computes "
                                 f"{f(x)!r}{where}")
    if exc is not None:
        if not isinstance(exc, srcad.SrcadError):
            raise AssertionError(f"srcad.grad raised an internal {_describe(exc)}{where}") \
                from exc
        if f_array is None:
            raise AssertionError(f"srcad.grad refused the list version ({_describe(exc)}), "
                                 f"and there is no array version to excuse it{where}") from exc
        if not _same_in_python(f, f_array, x):
            # NumPy itself treats the list differently from the array (np.split of a list
            # along axis 1 splits the list's length): the array version is no reference,
            # and a refusal is what srcad must do
            return "refused: NumPy gives the list and the array different results"
        _, exc_a = _try(srcad.grad(f_array), x)
        if exc_a is None:
            raise AssertionError(f"srcad.grad refused the list version ({_describe(exc)}) "
                                 f"but differentiates the array version{where}") from exc
        if isinstance(exc_a, srcad.SrcadError):
            pytest.skip(f"refused for the array version too: {_describe(exc_a)}")
        raise AssertionError(f"srcad.grad refused the list version ({_describe(exc)}); "
                             f"the array version raised {_describe(exc_a)}{where}") from exc
    g = np.asarray(g, dtype=np.float64)
    expected = numerical_grad(lambda v: float(f(v)), [x], 0, eps=EPS)
    assert g.shape == x.shape, f"gradient shape {g.shape}, x has {x.shape}{where}"
    if not np.allclose(g, expected, rtol=RTOL, atol=ATOL):
        raise AssertionError(f"wrong gradient:\n  srcad      {g}\n  finite diff {expected}"
                             f"{where}")

    # ------------------------------------------------------------ second order
    h, exc = _try(srcad.hessian(f), x)
    if exc is not None:
        if not isinstance(exc, srcad.SrcadError):
            raise AssertionError(f"srcad.hessian raised an internal {_describe(exc)}{where}") \
                from exc
        if f_array is None:
            raise AssertionError(f"srcad.hessian refused the list version ({_describe(exc)}), "
                                 f"and there is no array version to excuse it{where}") from exc
        _, exc_a = _try(srcad.hessian(f_array), x)
        if exc_a is None:
            raise AssertionError(f"srcad.hessian refused the list version ({_describe(exc)}) "
                                 f"but differentiates the array version twice{where}") from exc
        if isinstance(exc_a, srcad.SrcadError):
            return "first order only (the array version has no Hessian either)"
        raise AssertionError(f"srcad.hessian refused the list version ({_describe(exc)}); "
                             f"the array version raised {_describe(exc_a)}{where}") from exc
    h = np.asarray(h, dtype=np.float64)
    expected_h = numerical_hessian(f, x, eps=H_EPS)
    assert h.shape == (x.size, x.size), f"Hessian shape {h.shape}{where}"
    if not np.allclose(h, expected_h, rtol=H_RTOL, atol=H_ATOL):
        raise AssertionError(f"wrong Hessian:\n  srcad\n{h}\n  finite diff of the gradient\n"
                             f"{expected_h}{where}")
    return "first and second order"


@pytest.mark.parametrize("case", DEFAULT_CASES)
def test_list_argument(case):
    run_case(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES)
def test_list_argument_exhaustive(case):
    run_case(case)


@pytest.mark.parametrize("rule", [pytest.param(r, id=sweep.rule_id(r)) for r in ARRAY_RULES])
def test_array_primal_is_swept(rule):
    """Every NumPy/SciPy rule taking array-likes has a case with a 1-D or 2-D float
    array (or a sequence) argument to pass as a list: no silent gaps."""
    kinds = {target_kind(c.get(s), rule.primal) for c in calls_of(rule) for s in c.slots()}
    assert kinds - {None}, (f"{sweep.rule_id(rule)} has no example with a 1-D or 2-D float "
                            "array argument: add one so the list sweep covers it")
    # (NumPy itself may still reject a list there, as np.take_along_axis does: then
    # `list_cases` is empty and there is nothing to differentiate.)


# ============================================================================ structure errors


def test_mismatched_list_adjoint_raises():
    """An adjoint that does not fit its list is a bug to report, never zeros."""
    with pytest.raises(AdjointStructureError):
        pyrt.append_adjoint_head(np.ones(2), [1.0, 2.0, 3.0])
    with pytest.raises(AdjointStructureError):
        srcad.runtime.broadcast_like(np.ones(3), [1.0, 2.0])
    with pytest.raises(AdjointStructureError):
        pyrt.append_adjoint_head([1.0, 2.0], [1.0, 2.0, 3.0])
