"""Randomized differential testing of srcad on idiomatic Python (python_gen.py):
programs `f(params, x)` with structured params (dict, namedtuple, dataclass, list of
(W, b) tuples), closures, classes, containers, comprehensions and hooks.

For each program, `srcad.grad(f, wrt=0)(params, x)` must have the structure and type
of `params` and match central finite differences on every float leaf, and
`srcad.grad(f, wrt=1)(params, x)` must match them on `x`. As in harness.py, each
program also runs instrumented (comparisons, min / max / abs record their decisions)
and a draw is discarded when a decision changes within a finite-difference step.

`test_random_api_calls` checks single API calls (python_gen.calls): calls srcad must
refuse with a srcad.SrcadError naming the function (not a TypeError or the like), and
list arguments and functools.wraps wrappers, compared with finite differences.

A failure prints the (shrunk) program and its arguments. Generation is derandomized:
every run checks the same programs.

Run: python -m pytest tests/randomized/test_random_python.py -q
     python -m pytest -m slow tests/randomized/test_random_python.py -q   (long run)
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib.util
import io
import itertools
import numbers
import os
import sys
import traceback

import harness
import numpy as np
import pytest
import python_gen as pyg
from gradcheck import numerical_grad
from hypothesis import HealthCheck, Phase, assume, given, seed, settings

import srcad
import srcad.pipeline.cache
from srcad.rules import registry

COMMON = dict(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)
if os.environ.get("SRCAD_RANDOM_NO_SHRINK"):
    COMMON["phases"] = [Phase.explicit, Phase.generate]
SEED = os.environ.get("SRCAD_RANDOM_SEED")
if SEED:
    COMMON["derandomize"] = False
# Only this kind of failure counts (others are skipped): lets Hypothesis shrink one bug.
TARGET = os.environ.get("SRCAD_RANDOM_TARGET")

DEFAULT_EXAMPLES = 60
SLOW_EXAMPLES = 1000
SLOW_CONFIG = pyg.Config(min_snippets=2, max_snippets=6)
# Programs made only of the run-time-list and complex snippets (they are also drawn,
# less often, by the programs above).
FEATURES_CONFIG = pyg.Config(snippets=("lists", "complex"), min_snippets=1, max_snippets=2)
FEATURES_EXAMPLES = 30
SLOW_FEATURES_CONFIG = pyg.Config(snippets=("lists", "complex"), min_snippets=1,
                                  max_snippets=4)
SLOW_FEATURES_EXAMPLES = 600

FD_STEP, RTOL, ATOL, MAX_MAGNITUDE = harness.FD_STEP, harness.RTOL, harness.ATOL, 1e6
_ids = itertools.count()


# ----------------------------------------------------------------------------- pytrees


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def _is_dataclass(obj) -> bool:
    return dataclasses.is_dataclass(obj) and not isinstance(obj, type)


def leaf_paths(obj, path=()):
    """[(path, leaf)] of the float / array leaves of dicts, lists, tuples, namedtuples
    and dataclasses."""
    if isinstance(obj, dict):
        items = obj.items()
    elif _is_dataclass(obj):
        items = ((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj))
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return [(path, obj)]
    return [pl for k, v in items for pl in leaf_paths(v, path + (k,))]


def get_leaf(obj, path):
    for k in path:
        obj = getattr(obj, k) if _is_dataclass(obj) else obj[k]
    return obj


def replace_leaf(obj, path, new):
    """A copy of `obj` with the leaf at `path` replaced (the containers are new)."""
    if not path:
        return new
    k, rest = path[0], path[1:]
    if isinstance(obj, dict):
        return {**obj, k: replace_leaf(obj[k], rest, new)}
    if _is_dataclass(obj):
        return dataclasses.replace(obj, **{k: replace_leaf(getattr(obj, k), rest, new)})
    items = list(obj)
    items[k] = replace_leaf(items[k], rest, new)
    if _is_namedtuple(obj):
        return type(obj)(*items)
    return type(obj)(items)


def structure_mismatch(got, like) -> str:
    """'' if `got` has the containers of `like` (same types, keys, lengths)."""
    if isinstance(like, dict):
        if not isinstance(got, dict) or set(got) != set(like):
            return f"expected a dict with keys {sorted(like)}, got {got!r}"
        return next((m for k in like if (m := structure_mismatch(got[k], like[k]))), "")
    if _is_dataclass(like) or _is_namedtuple(like) or isinstance(like, (list, tuple)):
        if type(got) is not type(like):
            return f"expected a {type(like).__name__}, got {type(got).__name__}: {got!r}"
        if _is_dataclass(like):
            return next((m for f in dataclasses.fields(like) if (m := structure_mismatch(
                getattr(got, f.name), getattr(like, f.name)))), "")
        if len(got) != len(like):
            return f"expected length {len(like)}, got {got!r}"
        return next((m for a, b in zip(got, like) if (m := structure_mismatch(a, b))), "")
    return ""


# ----------------------------------------------------------------------------- loading


def load(source: str, directory: str):
    """Import the program from a file (srcad reads its source) and build an instrumented
    copy. Returns (module, instrumented f, recorder)."""
    name = f"randpy_{os.getpid()}_{next(_ids)}"
    path = os.path.join(directory, name + ".py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # classes find their source (and dataclasses their module)
    spec.loader.exec_module(module)
    recorder = harness.Recorder()
    tree = harness.Instrument().visit(ast.parse(source))
    ast.fix_missing_locations(tree)
    namespace = {"_T": recorder, "__name__": name + "_instrumented"}
    sys.modules[name + "_instrumented"] = module
    exec(compile(tree, path + " (instrumented)", "exec"), namespace)
    return module, namespace["f"], recorder


def _quiet():
    return contextlib.redirect_stdout(io.StringIO())


# ----------------------------------------------------------------------------- checking


def check(prog: pyg.Program, directory: str) -> harness.Outcome:
    module = None
    try:
        module, f_inst, rec = load(prog.source, directory)
        return _check(prog, module, f_inst, rec)
    finally:
        srcad.pipeline.cache.clear()
        if module is not None:
            sys.modules.pop(module.__name__, None)
            sys.modules.pop(module.__name__ + "_instrumented", None)


def _run(f_inst, rec, params, x):
    rec.reset()
    with _quiet(), np.errstate(all="raise"):
        value = f_inst(params, x)
    return value, tuple(rec.events), rec.magnitude


def _check(prog, module, f_inst, rec) -> harness.Outcome:
    params, x = prog.build_params(module), prog.x
    describe = str(prog)
    # 1. the program itself
    try:
        with _quiet(), np.errstate(all="raise"):
            f0 = module.f(params, x)
        v0, events0, mag0 = _run(f_inst, rec, params, x)
    except (FloatingPointError, OverflowError, ZeroDivisionError) as exc:
        return harness.Outcome("discard", f"domain: {exc!r}")
    except Exception as exc:
        raise harness.GeneratorError(f"{exc!r}\n{describe}") from exc
    if not (np.ndim(f0) == 0 and isinstance(f0, (numbers.Real, np.ndarray))):
        raise harness.GeneratorError(f"f returned {f0!r}\n{describe}")
    if not (np.isfinite(f0) and mag0 < MAX_MAGNITUDE):
        return harness.Outcome("discard", f"magnitude {mag0}")
    assert f0 == v0, "instrumenting changed the value"

    # 2. finite differences on every float leaf of params, and on x
    magnitude = max(1.0, mag0)

    def fd_of(value, call):
        def value_at(moved):
            nonlocal magnitude
            v, events, mag = call(moved)
            if events != events0:
                raise harness.Discard("kink: a decision changes within the step")
            magnitude = max(magnitude, mag)
            return v

        grad = numerical_grad(value_at, [value], 0, eps=FD_STEP)
        return grad if isinstance(value, np.ndarray) else float(grad)

    try:
        fd_params = [(path, fd_of(leaf, lambda m, p=path: _run(
            f_inst, rec, replace_leaf(params, p, m), x)))
            for path, leaf in leaf_paths(params)]
        fd_x = fd_of(x, lambda m: _run(f_inst, rec, params, m))
    except harness.Discard as reason:
        return harness.Outcome("discard", str(reason))
    except (FloatingPointError, OverflowError, ZeroDivisionError) as exc:
        return harness.Outcome("discard", f"domain near the point: {exc!r}")
    atol = ATOL * magnitude

    # 3. srcad
    originals = [(p, np.copy(v)) for p, v in leaf_paths(params)]
    try:
        with _quiet():
            g_params = srcad.grad(module.f, wrt=0)(params, x)
            g_x = srcad.grad(module.f, wrt=1)(params, x)
    except Exception as exc:
        if harness.is_refusal(exc):
            return harness.Outcome("refused", f"{type(exc).__name__}: {exc}")
        tb = traceback.format_exc()
        return harness.Outcome("error", "srcad raised:\n" + "\n".join(tb.splitlines()[-12:]))
    if any(not np.array_equal(get_leaf(params, p), v) for p, v in originals):
        return harness.Outcome("mutated", "srcad changed a leaf of params")

    # 4. the gradients: structure, types, values
    problem = structure_mismatch(g_params, params)
    if problem:
        return harness.Outcome("type", f"gradient of params: {problem}")
    pairs = [(f"params{''.join(f'[{k!r}]' for k in p)}", get_leaf(g_params, p),
              get_leaf(params, p), fd) for p, fd in fd_params] + [("x", g_x, x, fd_x)]
    for label, g, like, fd in pairs:
        if isinstance(like, np.ndarray):
            if not (isinstance(g, np.ndarray) and g.shape == like.shape
                    and g.dtype == like.dtype):
                return harness.Outcome("type", f"gradient of {label} is {g!r}, the leaf has "
                                               f"shape {like.shape}")
        elif not isinstance(g, float):
            return harness.Outcome("type", f"gradient of float {label} is {type(g)}: {g!r}")
        err = np.abs(np.asarray(g, dtype=float) - fd)
        if not np.all(np.isfinite(g)) or np.any(err > RTOL * np.abs(fd) + atol):
            return harness.Outcome("mismatch", f"gradient of {label}\n  srcad:  {g!r}\n"
                                               f"  finite differences: {fd!r}\n"
                                               f"  (atol {atol:.2g}, rtol {RTOL})")
    return harness.Outcome("ok")


def report(outcome: harness.Outcome, prog: pyg.Program) -> str:
    return f"{outcome.status}: {outcome.detail}\nprogram:\n{prog}"


def signature(outcome: harness.Outcome) -> str:
    if outcome.status == "refused":
        return "refused_" + outcome.detail.split(":")[0]
    return harness.signature(outcome)


def fail(outcome: harness.Outcome, prog: pyg.Program):
    """Raise an AssertionError whose type names the kind of failure, so that Hypothesis
    shrinks (and reports) each kind separately."""
    name = "".join(c if c.isalnum() else "_" for c in signature(outcome))
    cls = harness._FAILURE_TYPES.get(name)
    if cls is None:
        cls = harness._FAILURE_TYPES[name] = type(f"SrcadFailure_{name}", (AssertionError,),
                                                  {})
    raise cls(report(outcome, prog))


# ----------------------------------------------------------------------------- runs


@dataclasses.dataclass
class Tally:
    checked: int = 0
    discarded: int = 0
    reasons: dict = dataclasses.field(default_factory=dict)
    failures: dict = dataclasses.field(default_factory=dict)  # signature -> [reports]
    kinds: dict = dataclasses.field(default_factory=dict)  # params kind -> count
    refused: dict = dataclasses.field(default_factory=dict)  # accepted refusals, by kind
    refusal_examples: dict = dataclasses.field(default_factory=dict)  # reason -> report
    features: dict = dataclasses.field(default_factory=dict)  # feature snippet -> count

    def summary(self) -> str:
        lines = [f"{self.checked} programs checked {self.kinds}, {self.discarded} draws "
                 f"discarded {self.reasons}, {sum(map(len, self.failures.values()))} "
                 f"failures, {sum(self.refused.values())} accepted refusals {self.refused}"]
        if self.features:
            lines.append(f"feature snippets checked: {self.features}")
        if os.environ.get("SRCAD_RANDOM_SHOW_REFUSALS"):
            for reason, (count, smallest) in sorted(self.refusal_examples.items()):
                lines.append(f"--- refused ({count}): {reason}; the smallest:\n{smallest}")
        for sig, reports in sorted(self.failures.items()):
            smallest = min(reports, key=len)
            lines.append(f"--- {sig}: {len(reports)} programs; the smallest:\n{smallest}")
        return "\n".join(lines)


def run(config: pyg.Config, examples: int, directory: str, collect=False) -> Tally:
    tally = Tally()

    @settings(max_examples=examples, **COMMON)
    @given(prog=pyg.programs(config))
    def check_one(prog):
        outcome = check(prog, directory)
        if outcome.status == "discard":
            tally.discarded += 1
            reason = outcome.detail.split(":")[0]
            tally.reasons[reason] = tally.reasons.get(reason, 0) + 1
        assume(outcome.status != "discard")
        accepted = harness.acceptable(outcome, prog.refusal_ok)
        if not accepted and TARGET:
            assume(signature(outcome) == TARGET)
        tally.checked += 1
        tally.kinds[prog.kind] = tally.kinds.get(prog.kind, 0) + 1
        for name in prog.features:
            if name in pyg.fsn.ALL:
                tally.features[name] = tally.features.get(name, 0) + 1
        if outcome.status == "refused" and accepted:
            sig = signature(outcome)
            tally.refused[sig] = tally.refused.get(sig, 0) + 1
            reason = harness.refusal_reason(outcome)
            text = report(outcome, prog)
            count, smallest = tally.refusal_examples.get(reason, (0, text))
            tally.refusal_examples[reason] = (count + 1, min(smallest, text, key=len))
        if not accepted:
            if collect:
                tally.failures.setdefault(signature(outcome), []).append(
                    report(outcome, prog))
            else:
                fail(outcome, prog)

    if SEED:
        check_one = seed(int(SEED))(check_one)
    check_one()
    return tally


def test_random_python_programs(tmp_path):
    tally = run(pyg.Config(), DEFAULT_EXAMPLES, str(tmp_path))
    print(tally.summary())
    assert tally.checked >= DEFAULT_EXAMPLES


def test_random_python_lists_and_complex(tmp_path):
    """Run-time lists consumed by NumPy and builtins, complex intermediates: a clear
    refusal (srcad.SrcadError) is accepted, a wrong gradient or a crash is not."""
    tally = run(FEATURES_CONFIG, FEATURES_EXAMPLES, str(tmp_path))
    print(tally.summary())
    assert tally.checked >= FEATURES_EXAMPLES


@pytest.mark.slow
def test_random_python_lists_and_complex_long(tmp_path):
    tally = run(SLOW_FEATURES_CONFIG, SLOW_FEATURES_EXAMPLES, str(tmp_path), collect=True)
    print(tally.summary())
    assert tally.checked >= SLOW_FEATURES_EXAMPLES
    assert not tally.failures, tally.summary()


@pytest.mark.slow
def test_random_python_programs_long(tmp_path):
    """About a thousand larger programs; failures are collected by kind (the smallest
    program of each is reported), not shrunk. To shrink one kind, run the default test
    with SRCAD_RANDOM_TARGET=<kind>."""
    tally = run(SLOW_CONFIG, SLOW_EXAMPLES, str(tmp_path), collect=True)
    print(tally.summary())
    assert tally.checked >= SLOW_EXAMPLES
    assert not tally.failures, tally.summary()


def test_generated_programs_run(tmp_path):
    """Programs of every snippet kind compile and run (not differentiated)."""
    seen = set()

    @settings(max_examples=150, **{**COMMON, "phases": [Phase.generate]})
    @given(prog=pyg.programs(pyg.Config(min_snippets=2, max_snippets=5)))
    def run_one(prog):
        module, _, _ = load(prog.source, str(tmp_path))
        try:
            with _quiet(), np.errstate(all="ignore"):
                value = module.f(prog.build_params(module), prog.x)
        finally:
            sys.modules.pop(module.__name__, None)
            sys.modules.pop(module.__name__ + "_instrumented", None)
        assert np.ndim(value) == 0, prog
        seen.add(prog.kind)

    run_one()
    assert seen == set(pyg.KINDS)


# ----------------------------------------------------------------------------- negative control


@pytest.fixture
def broken_rule():
    """Replace a primal's rule by a copy with a wrong adjoint; restore it exactly after."""
    replaced = []

    def install(primal, template):
        original = registry._rules[primal]
        registry._rules[primal] = dataclasses.replace(original)
        replaced.append((primal, original))
        srcad.adjoint(primal)(template)

    yield install
    with registry._lock:
        for primal, original in reversed(replaced):
            registry._rules[primal] = original
        registry._generation[0] += 1


def _wrong_tanh(y, x):
    dx = dy * (1.0 - y * y) * 1.25  # noqa: F821  (the template reads the adjoint dy)


def test_harness_reports_a_broken_tanh_adjoint(broken_rule, tmp_path):
    broken_rule(np.tanh, _wrong_tanh)
    outcomes = []

    @settings(max_examples=20, **{**COMMON, "phases": [Phase.generate]})
    @given(prog=pyg.programs(pyg.Config()))
    def run_one(prog):
        outcome = check(prog, str(tmp_path))
        assume(outcome.status != "discard")
        outcomes.append(outcome)

    run_one()
    mismatches = [o for o in outcomes if o.status == "mismatch"]
    others = [o for o in outcomes if o.status not in ("mismatch", "ok")]
    assert len(outcomes) >= 15
    # Nearly every program sends a nonzero adjoint through np.tanh.
    assert len(mismatches) >= 0.8 * len(outcomes), (len(mismatches), len(outcomes), others)


def test_rules_are_restored_after_the_negative_control(tmp_path):
    source = ("import numpy as np\n\n\ndef f(params, x):\n"
              "    return np.sum(np.tanh(params['w'] * x))\n")
    prog = pyg.Program(source, "dict", {"w": np.array([0.3, -0.7, 1.1])}, 0.4)
    outcome = check(prog, str(tmp_path))
    assert outcome.ok, outcome.detail


# ----------------------------------------------------------------------------- API calls

CALL_EXAMPLES = 120
SLOW_CALL_EXAMPLES = 1500


def _tangent(value):
    """A fixed tangent shaped like `value` (a float, an array, a list of them)."""
    if isinstance(value, list):
        return [_tangent(v) for v in value]
    if isinstance(value, np.ndarray):
        return np.linspace(0.9, -0.6, value.size).reshape(value.shape)
    return 0.7


def _moved(value, direction, h):
    if isinstance(value, list):
        return [_moved(v, d, h) for v, d in zip(value, direction)]
    return value + h * direction


def _fd(fun, value):
    """The central-difference derivative of the real scalar `fun` at `value` (a float,
    as a float)."""
    d = numerical_grad(fun, [value], 0, eps=FD_STEP)
    return d if isinstance(value, np.ndarray) else float(d)


def _invoke(call: pyg.Call, fn):
    """Call the API. Returns (kind of result, result): "grads" (a tuple, one gradient
    per argument differentiated), "jvp" (value, tangent) or "hvp" (the product)."""
    args, api = call.args, call.api
    kw = {} if call.wrt is None else {"wrt": call.wrt}
    if api == "grad":
        g = srcad.grad(fn, **kw)(*args)
        return "grads", g if isinstance(call.wrt, tuple) else (g,)
    if api == "value_and_grad":
        _, g = srcad.value_and_grad(fn, **kw)(*args)
        return "grads", g if isinstance(call.wrt, tuple) else (g,)
    if api == "vjp":
        _, pullback = srcad.vjp(fn, *args, **kw)
        return "grads", pullback(1.0)
    if api == "grad_grad":
        return "grads", (srcad.grad(srcad.grad(fn))(*args),)
    if api == "hessian":
        return "other", srcad.hessian(fn, **kw)(*args)
    if api == "jacobian":
        return "other", srcad.jacobian(fn, **kw)(*args)
    if api == "hvp":
        return "hvp", srcad.hvp(fn)(*args, _tangent(args[0]))
    return "jvp", srcad.jvp(fn, args, tuple(_tangent(a) for a in args))


def _close(got, want, what: str) -> str:
    """'' if `got` has the structure of `want` (lists, floats, arrays) and close values."""
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{what}: expected a list of {len(want)}, got {got!r}"
        return next((m for k, (a, b) in enumerate(zip(got, want))
                     if (m := _close(a, b, f"{what}[{k}]"))), "")
    if isinstance(want, np.ndarray) and not (isinstance(got, np.ndarray)
                                             and got.shape == want.shape):
        return f"{what}: expected an array of shape {want.shape}, got {got!r}"
    if not isinstance(want, np.ndarray) and not isinstance(got, numbers.Real):
        return f"{what}: expected a float, got {got!r}"
    if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
        return f"{what}: srcad {got!r}, finite differences {want!r}"
    return ""


def check_call(call: pyg.Call, directory: str) -> harness.Outcome:
    name = f"randcall_{os.getpid()}_{next(_ids)}"
    path = os.path.join(directory, name + ".py")
    with open(path, "w") as fh:
        fh.write(call.source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        fn = getattr(module, call.name)
        try:
            with _quiet():
                result = _invoke(call, fn)
        except Exception as exc:
            if not harness.is_refusal(exc):
                tb = traceback.format_exc()
                return harness.Outcome("error", "srcad raised:\n" +
                                       "\n".join(tb.splitlines()[-12:]))
            if not (call.refused or call.either):
                return harness.Outcome("refused", f"{type(exc).__name__}: {exc}")
            # the function srcad was given (a functools.wraps wrapper keeps the name of
            # the function it wraps), or the code it differentiates
            names = {fn.__name__, fn.__code__.co_name, *call.also_named}
            if not any(f"'{n}'" in str(exc) for n in names):
                return harness.Outcome("type", f"the refusal does not name {call.name}: {exc}")
            if exc.lineno is None:
                return harness.Outcome("type", f"the refusal names no line: {exc}")
            return harness.Outcome("ok", notes=(f"refused: {type(exc).__name__}",))
        if call.refused:
            return harness.Outcome("type", f"srcad.{call.api} accepted the call: {result!r}")
        return _check_call_result(call, fn, *result)
    finally:
        srcad.pipeline.cache.clear()
        sys.modules.pop(name, None)


def _check_call_result(call: pyg.Call, fn, kind: str, result) -> harness.Outcome:
    """Compare an accepted call's result with central differences (the functions are
    smooth, and print nothing)."""
    args = call.args
    with _quiet():
        if kind == "jvp":
            value, tangent = result
            direction = tuple(_tangent(a) for a in args)
            want = _fd(lambda h: fn(*(_moved(a, d, h) for a, d in zip(args, direction))),
                       0.0)
            problem = _close(value, fn(*args), "jvp value") or _close(tangent, want, "tangent")
        elif kind == "hvp":
            v = _tangent(args[0])
            g_at = lambda h: srcad.grad(fn)(_moved(args[0], v, h), *args[1:])  # noqa: E731
            plus, minus = g_at(FD_STEP), g_at(-FD_STEP)
            want = [(p - m) / (2 * FD_STEP) for p, m in zip(plus, minus)] \
                if isinstance(plus, list) else (plus - minus) / (2 * FD_STEP)
            problem = _close(result, want, "hvp")
        else:
            if call.kind == "wraps_star":  # the gradient of the tuple of arguments
                if not (isinstance(result, tuple) and len(result) == 1 and
                        isinstance(result[0], tuple) and len(result[0]) == 1):
                    return harness.Outcome("type", f"expected ((dx,),), got {result!r}")
                result = result[0]
            problem = ""
            for pos, got in enumerate(result):
                def at(value, path=()):
                    return fn(*args[:pos], replace_leaf(args[pos], path, value),
                              *args[pos + 1:])

                want = [_fd(lambda leaf, k=k: at(leaf, (k,)), v)
                        for k, v in enumerate(args[pos])] if isinstance(args[pos], list) \
                    else _fd(at, args[pos])
                problem = problem or _close(got, want, f"gradient of argument {pos}")
    return harness.Outcome("mismatch", problem) if problem else harness.Outcome("ok")


def run_calls(examples: int, directory: str, collect=False) -> dict:
    """Check `examples` calls; returns {kind: count} (and the failures, if `collect`)."""
    seen: dict = {}
    failures: dict = {}

    @settings(max_examples=examples, **COMMON)
    @given(call=pyg.calls())
    def check_one(call):
        outcome = check_call(call, directory)
        if not outcome.ok and TARGET:
            assume(signature(outcome) == TARGET)
        key = next(k for k in pyg.CALL_KINDS if call.kind.startswith(k))
        seen[key] = seen.get(key, 0) + 1
        for remark in outcome.notes:
            seen[remark] = seen.get(remark, 0) + 1
        if not outcome.ok:
            text = f"{outcome.status}: {outcome.detail}\n{call}"
            if not collect:
                name = "".join(c if c.isalnum() else "_" for c in signature(outcome))
                cls = harness._FAILURE_TYPES.setdefault(
                    name, type(f"SrcadFailure_{name}", (AssertionError,), {}))
                raise cls(text)
            failures.setdefault(signature(outcome), []).append(text)

    if SEED:
        check_one = seed(int(SEED))(check_one)
    check_one()
    return {"seen": seen, "failures": failures}


def test_random_api_calls(tmp_path):
    """Calls that must be refused with a srcad.SrcadError naming the function (not a
    TypeError or the like): grad / value_and_grad / hessian / hvp / grad of grad of a
    function returning a tuple, list, dict, str, complex value, None, bool or array
    (directly, through a local, a branch, a helper or a functools.wraps wrapper);
    `wrt=` an int (loop count, index, size, factor), bool, str or None argument with
    grad / value_and_grad / vjp / jacobian / hessian / jvp; a list of ints; out= writes
    srcad cannot reproduce (another variable holds the buffer, or the call's value is
    kept while the buffer is written again; a result NumPy would broadcast or cast into
    it; out= an argument, a module-level array or a view). Each refusal must name the
    function and a line. And calls
    that must work: a list argument in array arithmetic (its gradient is a list; jvp and
    hvp on it may be refused), a functools.wraps wrapper (its own code is
    differentiated)."""
    result = run_calls(CALL_EXAMPLES, str(tmp_path))
    print(result["seen"])
    assert set(pyg.CALL_KINDS) <= set(result["seen"])


@pytest.mark.slow
def test_random_api_calls_long(tmp_path):
    result = run_calls(SLOW_CALL_EXAMPLES, str(tmp_path), collect=True)
    print(result["seen"])
    assert not result["failures"], "\n\n".join(min(v, key=len) for v in
                                                result["failures"].values())
