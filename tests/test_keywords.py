"""Keyword arguments are differentiated correctly or refused, never ignored.

* `out=`: `np.multiply(x, y, out=buf)` is lowered to `buf = np.multiply(x, y)` where
  nothing else can see `buf` (srcad/lower/out_arguments.py); elsewhere it is refused.
* Options a derivative rule does not read (`np.sum(x, dtype=int)`, `np.exp(x, where=m)`)
  are refused with the function, the option and the line (srcad/rules/keywords.py,
  srcad/analysis/keywords.py).
* A sweep over the registry: for every user-facing differentiable primal and every
  keyword of its real signature (`inspect.signature`; a ufunc's `out where casting
  order dtype subok signature`, and a generalized ufunc's `axes axis keepdims`), a loss
  calling the primal with the keyword set is either differentiated correctly (against
  central differences, reverse and forward mode) or refused with a `srcad.SrcadError`.
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import os
import sys
import tempfile
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest
from gradcheck import check_grad, module_from_source, numerical_grad, numerical_jvp

import srcad
from srcad.rules.registry import Attribute, Method

_RULES_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules")
if _RULES_TESTS not in sys.path:
    sys.path.insert(0, _RULES_TESTS)
import test_registry_sweep as sweep  # noqa: E402  (the registry sweep's call cases)
from sweep_inputs import Inp, inputs  # noqa: E402

X = np.array([0.7, 1.3, -0.4])
A = np.array([[0.5, -0.2, 0.3], [0.1, 0.8, -0.6]])


def refused(f, *args, match: str | None = None):
    """The SrcadError srcad.grad(f) raises (and srcad.jvp too)."""
    with pytest.raises(srcad.SrcadError, match=match) as info:
        srcad.grad(f)(*args)
    with pytest.raises(srcad.SrcadError, match=match):
        srcad.jvp(f, list(args), [np.ones_like(args[0])] + [np.zeros_like(a) for a in args[1:]])
    return info.value


def check_hvp(f, x):
    v = np.linspace(0.3, 1.1, np.size(x)).reshape(np.shape(x))
    np.testing.assert_allclose(srcad.hvp(f)(x, v), numerical_jvp(srcad.grad(f), [x], [v]),
                               rtol=1e-4, atol=1e-6)


# ============================================================================ out=


def out_fresh(x):
    buf = np.zeros(3)
    np.multiply(x, x, out=buf)
    return np.sum(buf * np.arange(1.0, 4.0))


def out_value_used(x):
    buf = np.zeros(3)
    r = np.multiply(x, np.sin(x), out=buf)
    return np.sum(r) + np.sum(buf ** 2)


def out_accumulates_in_loop(x):
    acc = np.zeros(3)
    for i in range(4):
        np.add(acc, x * i, out=acc)
        np.multiply(acc, x, out=acc)
    return np.sum(acc)


def out_while_loop(x):
    acc = np.ones(3)
    k = 0
    while k < 3:
        np.multiply(acc, np.cos(x), out=acc)
        k += 1
    return np.sum(acc)


def out_in_branch(x):
    buf = np.zeros(3)
    if x[0] > 0:
        np.exp(x, out=buf)
    else:
        np.sin(x, out=buf)
    return np.sum(buf * x)


def out_tuple_form(x):
    buf = np.empty(3)
    np.exp(x, out=(buf,))
    return np.sum(buf)


def out_by_position(x):
    buf = np.empty(3)
    np.add(x, x * x, buf)
    return np.sum(buf ** 2)


def out_into_input(x):
    a = x * 1.0
    np.add(a, np.sin(a), out=a)
    return np.sum(a ** 2)


def out_new_temporary(x):
    return np.sum(np.multiply(x, x, out=np.empty(3)) ** 2)


def out_into_rows(x):
    buf = np.zeros((2, 3))
    np.multiply(x, 2.0, out=buf[0])
    np.sin(x, out=buf[1])
    return np.sum(buf ** 2)


def out_two_outputs(x):
    q = np.zeros(3)
    r = np.zeros(3)
    np.divmod(x, 0.3, out=(q, r))
    return np.sum(r ** 2) + np.sum(q * x)


def out_reduction(x):
    s = np.zeros(())
    np.sum(x * x, out=s)
    c = np.zeros(3)
    np.cumsum(x, out=c)
    return s * 2.0 + np.sum(c ** 2)


def out_reduction_by_position(x):
    s = np.zeros(())
    np.sum(x * x, None, None, s)
    return s * 2.0


def out_method(x):
    c = np.zeros(3)
    (x * 2.0).cumsum(out=c)
    m = np.zeros(())
    x.max(out=m)
    return np.sum(c * x) + m


def out_dot(A, x):
    y = np.zeros(2)
    np.dot(A, x, out=y)
    return np.sum(y * y)


def out_none(x):
    return np.sum(np.exp(x, out=None)) + np.sum(np.cumsum(x, out=None))


@pytest.mark.parametrize("f", [out_fresh, out_value_used, out_accumulates_in_loop,
                               out_while_loop, out_in_branch, out_tuple_form,
                               out_by_position, out_into_input, out_new_temporary,
                               out_into_rows, out_two_outputs, out_reduction,
                               out_reduction_by_position, out_method, out_none],
                         ids=lambda f: f.__name__)
def test_out_is_differentiated(f):
    check_grad(f, X.copy())


@pytest.mark.parametrize("f", [out_fresh, out_accumulates_in_loop, out_into_input,
                               out_into_rows, out_tuple_form], ids=lambda f: f.__name__)
def test_out_second_order(f):
    check_hvp(f, X.copy())


def test_out_dot():
    check_grad(out_dot, A, X.copy(), wrt=(0, 1))


def test_out_is_a_new_array_in_the_generated_code():
    """buf = x * x, not a write into buf; the caller's arrays are never written."""
    x = X.copy()
    source = srcad.source(srcad.grad(out_fresh), x)
    code = [line for line in source.splitlines() if not line.lstrip().startswith("#")]
    assert not any("out=" in line for line in code)
    assert any(line.strip().endswith("= np.multiply(x, x)") for line in code)
    assert any(line.strip().startswith("check_out(") for line in code)
    srcad.grad(out_into_input)(x)
    assert np.array_equal(x, X)


# ---------------------------------------------------------------------------- refused


def out_into_argument(x, buf):
    np.multiply(x, x, out=buf)
    return np.sum(buf)


def out_aliased(x):
    buf = np.zeros(3)
    b = buf
    np.multiply(x, x, out=buf)
    return np.sum(b)


def out_value_then_written_again(x):
    buf = np.zeros(3)
    r = np.multiply(x, x, out=buf)
    np.sin(x, out=buf)
    return np.sum(r)


def out_broadcasts(x):
    buf = np.zeros((2, 3))
    np.multiply(x, x, out=buf)
    return np.sum(buf)


def out_casts(x):
    buf = np.zeros(3, dtype=np.float32)
    np.multiply(x, x, out=buf)
    return np.sum(buf)


GLOBAL_BUFFER = np.zeros(3)


def out_into_global(x):
    np.multiply(x, x, out=GLOBAL_BUFFER)
    return np.sum(GLOBAL_BUFFER)


def out_into_view(x):
    base = np.zeros(6)
    view = base[:3]
    np.multiply(x, x, out=view)
    return np.sum(base)


def out_in_keyword_dict(x):
    buf = np.zeros(3)
    options = {"out": buf}
    np.multiply(x, x, **options)
    return np.sum(buf)


@pytest.mark.parametrize("f, args, match", [
    (out_into_argument, (X, np.zeros(3)), "'buf' is an argument"),
    (out_aliased, (X,), "another variable holds the 'out' array 'buf'"),
    (out_value_then_written_again, (X,), "another variable holds the 'out' array 'buf'"),
    (out_broadcasts, (X,), r"shape \(2, 3\)"),
    (out_casts, (X,), "dtype float32"),
    (out_into_global, (X,), "'GLOBAL_BUFFER' is not created in this function"),
    (out_into_view, (X,), "cannot write into 'view' with out="),
    (out_in_keyword_dict, (X,), "out="),
], ids=lambda v: getattr(v, "__name__", "") if callable(v) else "")
def test_out_refused(f, args, match):
    err = refused(f, *args, match=match)
    assert err.function == f.__name__ and err.lineno is not None and err.hint


def test_out_refusal_names_the_line():
    err = refused(out_into_argument, X, np.zeros(3))
    line = inspect.getsourcelines(out_into_argument)[1] + 1
    assert err.lineno == line and "np.multiply(x, x, out=buf)" in str(err)
    assert "assign the result instead" in err.hint


def test_out_into_argument_leaves_it_unchanged():
    buf = np.zeros(3)
    with pytest.raises(srcad.SrcadError):
        srcad.grad(out_into_argument)(X, buf)
    assert np.array_equal(buf, np.zeros(3))


# ============================================================================ where=


def where_log(x):
    buf = np.full(3, 0.5)
    np.log(x, out=buf, where=x > 0)
    return np.sum(buf * buf)


def where_divide(a, b):
    out = np.zeros_like(a)
    np.divide(a, b, out=out, where=b != 0)
    return np.sum(out ** 2)


def where_sqrt_at_zero(x):
    buf = np.zeros(3)
    np.sqrt(x, out=buf, where=x > 0)
    return np.sum(buf)


def where_without_out(x):
    return np.sum(np.exp(x, where=x > 0))


def where_in_reduction(x):
    return np.sum(x * x, where=x > 0)


def test_where_with_out():
    check_grad(where_log, X.copy())
    check_hvp(where_log, X.copy())
    check_grad(where_divide, X.copy(), np.array([0.5, 0.0, 2.0]), wrt=(0, 1))


def test_where_gives_zero_not_nan_where_the_mask_is_false():
    """The entries the mask leaves out are computed at a point of the rule's domain:
    no warning, and their derivative is exactly zero (not 0 * inf = nan)."""
    x = np.array([0.0, 0.25, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        g = srcad.grad(where_sqrt_at_zero)(x)
    np.testing.assert_allclose(g, [0.0, 1.0, 0.0])


def test_where_without_out_refused():
    err = refused(where_without_out, X, match="where= and no out=")
    assert "uninitialized" in str(err) and "np.where(mask" in err.hint


def test_where_in_a_reduction_refused():
    refused(where_in_reduction, X, match="'where'")


# ============================================================================ dtype= and options


def dtype_float(x):
    return np.sum(np.exp(x, dtype=np.float64)) + np.sum(x ** 2, dtype=float) + \
        np.mean(x, dtype="float64")


def dtype_int(x):
    return np.sum(x, dtype=int)


def dtype_complex(x):
    return np.real(np.sum(x, dtype=complex))


def dtype_ufunc_int(x):
    return np.sum(np.add(x, 1.0, dtype=np.int64, casting="unsafe"))


def storage_options(x):
    return np.sum(np.multiply(x, x, order="F", casting="same_kind", subok=False))


def conversion_dtype(x):
    return np.sum(np.asarray(x, dtype=np.float64) * np.array(x, dtype=float, copy=True))


def pinv_cutoff(a):
    return np.sum(np.linalg.pinv(a, rcond=0.5))


def max_with_key(x):
    return max(x[0], x[1], key=abs)


def test_real_floating_dtype_and_storage_options_are_honoured():
    check_grad(dtype_float, X.copy())
    check_grad(storage_options, X.copy())
    check_grad(conversion_dtype, X.copy())


@pytest.mark.parametrize("f, match", [
    (dtype_int, "dtype that is not a real floating type"),
    (dtype_complex, "dtype that is not a real floating type"),
    (dtype_ufunc_int, "dtype that is not a real floating type"),
    (max_with_key, "'key'"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_options_the_rule_ignores_are_refused(f, match):
    err = refused(f, X.copy(), match=match)
    assert err.lineno is not None and err.function == f.__name__ and err.hint


def test_unread_option_refused():
    refused(pinv_cutoff, A.copy(), match="'rcond'")


def test_option_equal_to_its_default_is_accepted():
    def f(x):
        return np.sum(np.cumsum(x, dtype=None)) + np.sum(x, keepdims=False)
    check_grad(f, X.copy())


# ============================================================================ the registry sweep
#
# For every user-facing differentiable primal and every keyword of its real signature,
# losses calling it with the keyword set to sample values are differentiated; each is
# honoured (gradient and tangent match central differences) or refused.


def _is_internal(primal) -> bool:
    """srcad's run-time helpers: generated code calls them, with the arguments their
    own templates list."""
    if isinstance(primal, (Method, Attribute)):
        return False
    module = getattr(primal, "__module__", None) or ""
    return module == "srcad" or module.startswith("srcad.")


SWEPT_RULES = [r for r in sweep.DIFF_RULES if not _is_internal(r.primal)]

UFUNC_KEYWORDS = ["out", "where", "casting", "order", "dtype", "subok", "signature"]
GUFUNC_KEYWORDS = ["axes", "axis", "keepdims"]
BUILTIN_KEYWORDS = {builtins.max: ["key", "default"], builtins.min: ["key", "default"]}


def real_keywords(primal) -> list[str]:
    """The keywords `primal` accepts, from its real signature."""
    if isinstance(primal, np.ufunc):
        return UFUNC_KEYWORDS + (GUFUNC_KEYWORDS if primal.signature else [])
    if isinstance(primal, Attribute):
        return []
    if primal in BUILTIN_KEYWORDS:
        return BUILTIN_KEYWORDS[primal]
    targets = [getattr(np.ndarray, primal.name, None), getattr(np, primal.name, None)] \
        if isinstance(primal, Method) else [primal]
    names: list[str] = []
    for target in targets:
        try:
            params = inspect.signature(target).parameters.values()
        except (TypeError, ValueError):
            continue
        for p in params:
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in names \
                    and not (isinstance(primal, Method) and p.name in ("self", "a")):
                names.append(p.name)
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


# Values a keyword is set to (each one NumPy accepts is tried), by name.
SAMPLES: dict[str, list] = {
    "axis": [0, -1, 1], "axes": [(1, 0), (0,), 1], "keepdims": [True], "initial": [0.5],
    "ddof": [1], "correction": [1], "dtype": [np.float64, np.int64, np.complex128],
    "casting": ["unsafe"], "order": ["F", "A"], "subok": [False], "copy": [False, True],
    "n": [5, 2], "s": [(2, 5)], "norm": ["ortho", "forward"], "deg": [True],
    "rcond": [0.5], "rtol": [0.5], "hermitian": [True], "UPLO": ["U"],
    "full_matrices": [False], "compute_uv": [False], "ord": [1, np.inf, "fro"],
    "offset": [1], "axis1": [1], "axis2": [0], "k": [1], "nan": [0.5], "posinf": [2.0],
    "neginf": [-2.0], "min": [0.1], "max": [0.2], "a_min": [0.1], "a_max": [0.2],
    "key": [builtins.abs], "default": [0.5], "device": ["cpu"], "like": [np.zeros(1)],
    "mean": [0.1], "optimize": [True], "decimals": [1], "mode": ["complete", "wrap"],
    "ndmin": [3], "stable": [True], "kind": ["stable"], "shift": [1], "reps": [2],
    "repeats": [2], "weights": [None], "signature": ["DD->D", "dd->d", "d->d", "ff->f"],
    "num": [4], "endpoint": [False], "return_sign": [True], "upper": [True],
    "indexing": ["ij"], "sparse": [True],
}
GENERIC_SAMPLES = [True, 1, 0.5]


@dataclass
class Trial:
    """One loss: the primal called on a sweep case with one keyword set."""

    rule: object
    keyword: str
    label: str
    args: tuple
    kwargs: dict
    out: str = ""              # "buffer": out=buf; "masked": out=buf and where=MASK
    mask: object = None
    extra: dict = field(default_factory=dict)


def _mark(value):
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (float, np.floating)):
        return Inp(float(value))
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return Inp(value)
    if isinstance(value, list):
        return [_mark(v) for v in value]
    if isinstance(value, tuple) and any(isinstance(v, (float, np.ndarray, list, tuple))
                                        for v in value):
        return tuple(_mark(v) for v in value)
    return value


def _bound_keywords(rule, case) -> set:
    template = sweep.template_of(rule)
    return set(sweep.locate(template, case)) | set(case.kwargs)


def _base_cases(rule, keyword: str) -> list:
    """A sweep case that leaves `keyword` unset (one that sets it by name, without it,
    when every case with an array input sets it): the largest one small enough for
    finite differences, so that options change the most."""

    def size(c):
        return sum(i.size for i in inputs([_mark(a) for a in c.args]))

    cases = [c for c in sweep.diff_cases(rule)[:8] if size(c) <= 30]
    free = [c for c in cases if keyword not in _bound_keywords(rule, c)]
    named = [sweep.Case(c.args, {k: v for k, v in c.kwargs.items() if k != keyword})
             for c in cases if keyword in c.kwargs]
    ranked = sorted(free, key=lambda c: (_has_array(c), size(c)), reverse=True)
    if (not ranked or not _has_array(ranked[0])) and named:
        ranked = sorted(named, key=size, reverse=True)
    return ranked[:1]


def _has_array(case) -> bool:
    return any(np.ndim(i.value) > 0 for i in inputs([_mark(a) for a in case.args]))


def _call(primal, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # where= without out=
        return sweep.call_primal(primal, list(args), dict(kwargs))


def _accepted(primal, args, kwargs) -> bool:
    try:
        value = _call(primal, args, kwargs)
    except Exception:  # noqa: BLE001  (NumPy refuses the sample: nothing to differentiate)
        return False
    return any(True for _ in _float_leaves(value))


def trials(rule, keyword: str) -> list[Trial]:
    """The losses the sweep builds for (rule, keyword)."""
    primal = rule.primal
    found = []
    for case in _base_cases(rule, keyword):
        if keyword == "out":
            found += _out_trials(rule, case)
            continue
        if keyword == "where" and isinstance(primal, np.ufunc):
            found += _where_trials(rule, case)
            continue
        samples = SAMPLES.get(keyword, GENERIC_SAMPLES)
        for value in samples:
            kwargs = {**case.kwargs, keyword: value}
            if _accepted(primal, case.args, kwargs):
                found.append(Trial(rule, keyword, f"{keyword}={value!r}", case.args, kwargs))
            if len(found) >= (3 if keyword == "dtype" else 2):
                break
    if not found:
        found += _by_keyword_trials(rule, keyword)
    return found


def _out_trials(rule, case) -> list[Trial]:
    try:
        y = _call(rule.primal, case.args, case.kwargs)
    except Exception:  # noqa: BLE001
        return []
    like = y if isinstance(y, tuple) else (y,)
    if not all(isinstance(v, (np.ndarray, np.generic)) for v in like):
        return []
    buffers = tuple(np.zeros(np.shape(v), dtype=np.result_type(v)) for v in like)
    out = buffers if isinstance(y, tuple) else buffers[0]
    if not _accepted(rule.primal, case.args, {**case.kwargs, "out": out}):
        return []
    return [Trial(rule, "out", "out=buf", case.args, dict(case.kwargs), out="buffer",
                  extra={"like": like, "tuple": isinstance(y, tuple)})]


def _scipy_ufunc(primal) -> bool:
    special = sys.modules.get("scipy.special")
    name = getattr(primal, "__name__", "")
    return special is not None and getattr(special, name, None) is primal and \
        getattr(np, name, None) is not primal


def _where_trials(rule, case) -> list[Trial]:
    if _scipy_ufunc(rule.primal):
        # SciPy's special ufuncs mishandle `where` (gammaln(x, out=buf, where=m) writes
        # the wrong entries, and past the buffer: glibc aborts on a corrupted heap).
        return []
    try:
        y = _call(rule.primal, case.args, case.kwargs)
    except Exception:  # noqa: BLE001
        return []
    like = y if isinstance(y, tuple) else (y,)
    shape = np.shape(like[0])
    mask = (np.arange(int(np.prod(shape, dtype=int))) % 2 == 0).reshape(shape)
    extra = {"like": like, "tuple": isinstance(y, tuple)}
    if not _accepted(rule.primal, case.args, {**case.kwargs, "where": mask}):
        return []
    return [Trial(rule, "where", "out=buf, where=MASK", case.args, dict(case.kwargs),
                  out="masked", mask=mask, extra=extra),
            Trial(rule, "where", "where=MASK without out", case.args,
                  {**case.kwargs, "where": mask}, extra={"must_refuse": True})]


def _by_keyword_trials(rule, keyword: str) -> list[Trial]:
    """A keyword a case gives by position (an input, `reshape`'s shape): given by name."""
    primal = rule.primal
    if isinstance(primal, (Method, Attribute, np.ufunc)):
        return []
    try:
        params = list(inspect.signature(primal).parameters.values())
    except (TypeError, ValueError):
        return []
    names = [p.name for p in params]
    if keyword not in names:
        return []
    index = names.index(keyword)
    for case in sweep.diff_cases(rule)[:8]:
        if index >= len(case.args) or any(p.kind is not p.POSITIONAL_OR_KEYWORD
                                          for p in params[index:len(case.args)]):
            continue
        kwargs = dict(case.kwargs)
        kwargs.update({p.name: v for p, v in zip(params[index:], case.args[index:])})
        if _accepted(primal, case.args[:index], kwargs):
            return [Trial(rule, keyword, f"{keyword} by name", case.args[:index], kwargs)]
    return []


# ---------------------------------------------------------------------------- losses


_TMP = tempfile.mkdtemp(prefix="srcad_keyword_sweep_")
_counter = itertools.count()


def _float_leaves(out, path=""):
    if isinstance(out, (tuple, list)):
        for j, item in enumerate(out):
            yield from _float_leaves(item, f"{path}[{j}]")
    elif isinstance(out, (float, complex, np.floating, np.complexfloating)) and \
            not isinstance(out, bool):
        yield path, out
    elif isinstance(out, np.ndarray) and out.dtype.kind in "fc":
        yield path, out


class _Code(str):
    """Source text passed as it is (not as a constant)."""


class _Source:
    def __init__(self):
        self.globals: dict = {"PRIMAL": None}
        self.body: list[str] = []

    def constant(self, value) -> str:
        if value is None or isinstance(value, (bool, int, str)):
            return repr(value)
        if isinstance(value, float) and np.isfinite(value):
            return repr(value)
        if isinstance(value, tuple) and all(isinstance(v, (int, type(None))) and
                                            not isinstance(v, bool) for v in value):
            return repr(value)
        name = f"C{len(self.globals)}"
        self.globals[name] = value
        return name

    def expr(self, value) -> str:
        if isinstance(value, Inp):
            name = f"a{value.start}"
            line = f"{name} = {value.expr()}"
            if line not in self.body:
                self.body.append(line)
            return name
        if isinstance(value, list) and any(True for _ in inputs(value)):
            return "[" + ", ".join(self.expr(v) for v in value) + "]"
        if isinstance(value, tuple) and any(True for _ in inputs(value)):
            return "(" + "".join(self.expr(v) + ", " for v in value) + ")"
        return self.constant(value)


def _callee(primal, src: _Source) -> str:
    name = getattr(primal, "__name__", None)
    for prefix, module in [("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft)]:
        if name and getattr(module, name, None) is primal:
            return f"{prefix}.{name}"
    if primal is builtins.max or primal is builtins.min or primal is builtins.abs:
        return name
    src.globals["PRIMAL"] = primal
    return "PRIMAL"


def _call_text(primal, args, kwargs, src: _Source) -> str:
    texts = [src.expr(a) for a in args]
    keywords = [f"{k}={v}" if isinstance(v, _Code) else f"{k}={src.expr(v)}"
                for k, v in kwargs.items()]
    if isinstance(primal, Method):
        return f"{texts[0]}.{primal.name}({', '.join(texts[1:] + keywords)})"
    return f"{_callee(primal, src)}({', '.join(texts + keywords)})"


def build_loss(trial: Trial):
    """Write and import the loss of `trial`: (loss, x0, source text)."""
    src = _Source()
    args = [_mark(a) for a in trial.args]
    kwargs = {k: _mark(v) for k, v in trial.kwargs.items()}
    start = 0
    for inp in list(inputs(args)) + list(inputs(list(kwargs.values()))):
        inp.start = start
        start += inp.width
    if trial.out:
        like = trial.extra["like"]
        names = [f"buf{i}" for i in range(len(like))]
        for name, v in zip(names, like):
            fill = "0.25" if trial.out == "masked" else "0.0"
            src.body.append(f"{name} = np.full({np.shape(v)!r}, {fill}, "
                            f"dtype=np.{np.result_type(v).name})")
        out_text = _Code("(" + ", ".join(names) + ",)" if trial.extra["tuple"] else names[0])
        kwargs["out"] = out_text
        if trial.out == "masked":
            kwargs["where"] = trial.mask
        src.body.append(_call_text(trial.rule.primal, args, kwargs, src))
        src.body.append(f"out = {out_text}")
    else:
        src.body.append(f"out = {_call_text(trial.rule.primal, args, kwargs, src)}")
    namespace = dict(src.globals, np=np, x=np.concatenate(
        [i.coords() for i in inputs(args)] + [i.coords() for i in inputs(list(kwargs.values()))]
        or [np.zeros(0)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        exec("\n".join(src.body), namespace)  # noqa: S102  (the sweep's own source)
    leaves = list(_float_leaves(namespace["out"]))
    rng = np.random.default_rng(zlib.crc32(repr((sweep.rule_id(trial.rule), trial.label))
                                           .encode()))
    lines = ["total = 0.0"]
    for path, leaf in leaves:
        parts = [f"np.real(out{path})", f"np.imag(out{path})"] if np.iscomplexobj(leaf) \
            else [f"out{path}"]
        for part in parts:
            w = src.constant(rng.standard_normal(np.shape(leaf)))
            v = src.constant(rng.uniform(0.1, 0.3, np.shape(leaf)))
            lines.append(f"total = total + np.sum({part} * {w}) + "
                         f"np.sum({part} * {part} * {v})")
    lines.append("return total")
    text = "import numpy as np\n\n\ndef loss(x):\n" + \
        "".join(f"    {line}\n" for line in src.body + lines)
    name = f"keyword_sweep_{next(_counter)}_{zlib.crc32(text.encode()):08x}"
    module = module_from_source(text, _TMP, name, **src.globals)
    return module.loss, namespace["x"], text, bool(leaves)


def _located(exc: srcad.SrcadError) -> bool:
    """A refusal names the user's line: its own, or (raised by generated code) the line
    the generated code came from."""
    return exc.lineno is not None or any("raised in the" in note
                                         for note in getattr(exc, "__notes__", ()))


def run_trial(trial: Trial) -> str:
    """'honoured', 'refused', 'partly' (one mode refuses) or 'n/a' (no float result)."""
    loss, x, text, has_leaves = build_loss(trial)
    where = f"\n{sweep.rule_id(trial.rule)} {trial.label}\n--- loss ---\n{text}"
    if not has_leaves or x.size == 0:
        return "n/a"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        value = loss(x)
    if not np.isfinite(value):
        return "n/a"
    expected = numerical_grad(loss, [x], 0)
    scale = max(1.0, float(np.max(np.abs(expected))))
    outcomes = []
    try:
        g = srcad.grad(loss)(x)
    except srcad.SrcadError as exc:
        assert _located(exc), f"a refusal without a line: {exc}{where}"
        outcomes.append("refused")
    else:
        assert not trial.extra.get("must_refuse"), f"not refused{where}"
        assert np.allclose(g, expected, rtol=1e-5, atol=1e-6 * scale), \
            f"wrong gradient:\n  srcad {g}\n  finite differences {expected}{where}"
        outcomes.append("honoured")
    v = np.random.default_rng(1).standard_normal(x.shape)
    try:
        _, t = srcad.jvp(loss, [x], [v])
    except srcad.SrcadError as exc:
        assert _located(exc), f"a refusal without a line: {exc}{where}"
        outcomes.append("refused")
    else:
        assert not trial.extra.get("must_refuse"), f"not refused in forward mode{where}"
        expected_t = float(expected @ v)
        assert np.isclose(float(np.real(t)), expected_t, rtol=1e-5,
                          atol=1e-6 * scale * x.size), \
            f"wrong tangent: srcad {t}, finite differences {expected_t}{where}"
        outcomes.append("honoured")
    return outcomes[0] if outcomes[0] == outcomes[1] else "partly"


# Findings of the sweep in other rules, not keyword handling (see the test ids):
KNOWN_ISSUES = {
    ("numpy.linalg.qr", "mode"): "qr(mode='complete') of a tall matrix: the tangent of the "
                                 "completed columns is NaN instead of a refusal",
}

# The ufunc options srcad leaves out of the binding (`keywords.ignorable`) take one path
# for every ufunc: the default run sweeps them on these, `-m slow` on all.
STORAGE_SAMPLE = {np.multiply, np.exp, np.divmod, np.matmul, np.arctan2}


def _pairs(exhaustive: bool):
    found = []
    for rule in SWEPT_RULES:
        for keyword in real_keywords(rule.primal):
            if not exhaustive and keyword in ("casting", "order", "subok") and \
                    isinstance(rule.primal, np.ufunc) and rule.primal not in STORAGE_SAMPLE:
                continue
            key = (sweep.rule_id(rule), keyword)
            marks = [pytest.mark.xfail(reason=KNOWN_ISSUES[key], strict=False)] \
                if key in KNOWN_ISSUES else []
            found.append(pytest.param(rule, keyword, id="-".join(key), marks=marks))
    return found


PAIRS = _pairs(exhaustive=False)
ALL_PAIRS = _pairs(exhaustive=True)
RESULTS: dict = {}


def _first_trials(rule, keyword: str) -> list[Trial]:
    """The default run's trials: the first one, and every one that must be refused."""
    found = trials(rule, keyword)
    return found[:1] + [t for t in found[1:] if t.extra.get("must_refuse")]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # np.fft's s= without axes=
@pytest.mark.parametrize("rule, keyword", PAIRS)
def test_keyword_is_honoured_or_refused(rule, keyword):
    RESULTS[(sweep.rule_id(rule), keyword)] = [run_trial(t)
                                               for t in _first_trials(rule, keyword)]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("rule, keyword", ALL_PAIRS)
def test_keyword_sweep_exhaustive(rule, keyword):
    """Every sample of every keyword of every primal."""
    RESULTS[(sweep.rule_id(rule), keyword)] = [run_trial(t) for t in trials(rule, keyword)]


def test_sweep_summary(capsys):
    """How the pairs came out (after the sweep), printed."""
    counts: dict = {}
    for outcomes in RESULTS.values():
        kinds = set(outcomes) - {"n/a"}
        key = "n/a" if not kinds else kinds.pop() if len(kinds) == 1 else "sample-dependent"
        counts[key] = counts.get(key, 0) + 1
    with capsys.disabled():
        print(f"\nkeyword sweep: {len(ALL_PAIRS)} (primal, keyword) pairs over "
              f"{len(SWEPT_RULES)} primals; swept {len(RESULTS)}: {counts}")


def test_every_user_facing_rule_is_swept():
    keys = {(r.primal, k) for r in SWEPT_RULES for k in real_keywords(r.primal)}
    assert {(np.sum, k) for k in ("out", "dtype", "where", "initial", "keepdims")} <= keys
    assert {(np.multiply, k) for k in UFUNC_KEYWORDS} <= keys
    assert {(Method("sum"), k) for k in ("out", "dtype", "where", "keepdims")} <= keys
    assert len(ALL_PAIRS) > 900
