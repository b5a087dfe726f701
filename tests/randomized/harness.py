"""Checks one generated program: srcad's reverse gradient against central finite
differences, srcad's value against the program's, and the program's own shape.

Finite differences are only meaningful where the function is smooth along each
coordinate step. Programs branch (`if`, `while` conditions, `break`), take
`np.maximum` / `np.where` / `abs`, and so may have kinks. Each program is therefore
also run *instrumented*: every comparison and every max/min/abs records its
decision, and a draw is discarded when any decision differs between the point and
the points finite differences evaluate. The instrumented run also records the
largest magnitude of any assigned value; the absolute tolerance scales with it
(round-off in the differences is proportional to it). Where the gradients differ from
the differences, these are taken again with smaller steps (a sharply curving function
has a large truncation error); a draw whose differences do not converge is discarded.

A program may also hold `f_multi`, a copy of f returning its value in a tuple, list or
dict with other values: `check_container_output` checks that grad refuses it (a
srcad.SrcadError naming it) and that srcad.vjp's pullback matches finite differences.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import numbers
import os
import re
import traceback
from dataclasses import dataclass, replace

import numpy as np
from gradcheck import numerical_grad

import srcad
import srcad.pipeline.cache

FD_STEP = 1e-6
RTOL = 1e-5
ATOL = 1e-7  # times max(1, largest intermediate magnitude)
MAX_MAGNITUDE = 1e6

_ids = itertools.count()


# ----------------------------------------------------------------------------- structure


def structure_problems(source: str) -> list:
    """Ways the source is malformed: does not compile, dead or unreachable code."""
    try:
        compile(source, "<generated>", "exec")
    except SyntaxError as exc:
        return [f"does not compile: {exc}"]
    tree = ast.parse(source)
    problems = []
    for fn in [n for n in tree.body if isinstance(n, ast.FunctionDef)]:
        stored, loaded = set(), set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Name):
                (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                loaded.add(node.target.id)
            if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                loaded.add(node.target.id)  # loop variables may go unused
        for name in sorted(stored - loaded):
            problems.append(f"{fn.name}: '{name}' is assigned but never read")
        for node in ast.walk(fn):
            for stmts in (getattr(node, "body", None), getattr(node, "orelse", None)):
                if isinstance(stmts, list):
                    problems += _dead_in_block(fn.name, stmts)
    return problems


def _loads(node, name) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load):
            return True
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and \
                n.target.id == name:
            return True
    return False


def _jumps(node) -> bool:
    return any(isinstance(n, (ast.Return, ast.Break, ast.Continue)) for n in ast.walk(node))


def _dead_in_block(fname, stmts) -> list:
    problems = []
    for i, s in enumerate(stmts):
        if isinstance(s, (ast.Return, ast.Break, ast.Continue)) and i + 1 < len(stmts):
            problems.append(f"{fname}: unreachable code after line {s.lineno}")
        if not (isinstance(s, ast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], ast.Name)):
            continue
        name = s.targets[0].id
        for t in stmts[i + 1:]:
            if _loads(t, name):
                break
            if isinstance(t, ast.Return):
                problems.append(f"{fname}: line {s.lineno} assigns '{name}', not read before "
                                f"the return on line {t.lineno}")
                break
            if _jumps(t):
                break
            if isinstance(t, ast.Assign) and any(
                    isinstance(x, ast.Name) and x.id == name for x in t.targets):
                problems.append(f"{fname}: line {s.lineno} assigns '{name}', overwritten "
                                f"on line {t.lineno} before it is read")
                break
    return problems


# ----------------------------------------------------------------------------- instrumenting


class Recorder:
    """Collects branch decisions and magnitudes of one instrumented run."""

    def __init__(self):
        self.events: list = []
        self.magnitude = 0.0

    def reset(self):
        self.events = []
        self.magnitude = 0.0

    def _record(self, tag, value):
        if isinstance(value, np.ndarray):
            self.events.append((tag, value.shape, value.tobytes()))
        else:
            self.events.append((tag, value.item() if hasattr(value, "item") else value))

    def cmp(self, value):
        self._record("cmp", np.asarray(value) if isinstance(value, np.ndarray) else bool(value))
        return value

    def minmax(self, fn, a, b):
        self._record("mm", np.sign(np.subtract(a, b)))
        return fn(a, b)

    def abs(self, fn, a):
        # abs of a complex value is smooth away from 0 (the generators keep it there);
        # its sign z / |z| changes with every step, so it is no decision
        if not np.iscomplexobj(a):
            self._record("abs", np.sign(a))
        return fn(a)

    def order(self, fn, a, *rest, **kw):
        """max(xs), min(xs), sorted(xs), np.max, np.min, np.sort: the order of the
        elements decides which of them the result is."""
        try:
            flat = np.asarray(a, dtype=float).ravel()
        except (TypeError, ValueError):
            flat = None
        if flat is not None:
            self._record("order", np.argsort(flat, kind="stable"))
        return fn(a, *rest, **kw)

    def angle(self, fn, z, *rest, **kw):
        """np.angle jumps across the negative real axis."""
        self._record("angle", np.where(np.real(z) < 0, np.sign(np.imag(z)), 0.0))
        return fn(z, *rest, **kw)

    def mag(self, value):
        try:
            m = float(np.max(np.abs(value)))
        except (TypeError, ValueError):
            return value
        if not m <= self.magnitude:  # also records nan
            self.magnitude = m
        return value


def _dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    return ""


def _rec(method: str, args: list, keywords=()) -> ast.Call:
    return ast.Call(ast.Attribute(ast.Name("_T", ast.Load()), method, ast.Load()), args,
                    list(keywords))


class Instrument(ast.NodeTransformer):
    def visit_Compare(self, node):
        self.generic_visit(node)
        return _rec("cmp", [node])

    def visit_Call(self, node):
        self.generic_visit(node)
        name = _dotted(node.func)
        if name in ("np.maximum", "np.minimum", "max", "min") and len(node.args) == 2:
            return _rec("minmax", [node.func] + node.args)
        if name in ("abs", "np.abs") and len(node.args) == 1:
            return _rec("abs", [node.func] + node.args)
        if (name in ("max", "min", "sorted") and len(node.args) == 1) or \
                (name in ("np.max", "np.min", "np.amax", "np.amin", "np.sort")
                 and node.args):
            return _rec("order", [node.func] + node.args, node.keywords)
        if name == "np.angle" and node.args:
            return _rec("angle", [node.func] + node.args, node.keywords)
        return node

    def _value(self, node):
        self.generic_visit(node)
        if node.value is not None and not _uninitialized(node.value):
            node.value = _rec("mag", [node.value])
        return node

    visit_Assign = visit_AugAssign = visit_Return = _value

    def visit_Expr(self, node):
        """A NumPy call as a statement (`np.add(a, b, out=buf)`): its value's magnitude."""
        if isinstance(node.value, ast.Call) and _dotted(node.value.func).startswith("np."):
            return self._value(node)
        self.generic_visit(node)
        return node


def _uninitialized(node) -> bool:
    """`np.empty(...)`: its entries are whatever the memory held (overwritten before use)."""
    return isinstance(node, ast.Call) and _dotted(node.func) in ("np.empty", "np.empty_like")


# ----------------------------------------------------------------------------- loading


@dataclass
class Loaded:
    f: object  # the program's entry point, imported from a file
    f_instrumented: object
    recorder: Recorder
    path: str


def load(source: str, directory: str, entry: str = "f") -> Loaded:
    tag = next(_ids)
    path = os.path.join(directory, f"randprog_{os.getpid()}_{tag}.py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(f"randprog_{os.getpid()}_{tag}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recorder = Recorder()
    tree = Instrument().visit(ast.parse(source))
    ast.fix_missing_locations(tree)
    namespace = {"_T": recorder, "__name__": f"instrumented_{tag}"}
    exec(compile(tree, path + " (instrumented)", "exec"), namespace)
    return Loaded(getattr(module, entry), namespace[entry], recorder, path)


# ----------------------------------------------------------------------------- checking


@dataclass
class Outcome:
    status: str  # ok | discard | refused | mismatch | error | value | type | mutated
    detail: str = ""
    # what an `ok` outcome accepted on the way: a documented refusal (vjp of a dict
    # output), gradients matching only finer finite differences
    notes: tuple = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def is_refusal(exc: BaseException) -> bool:
    """A clear refusal: an error srcad raises on purpose (srcad.SrcadError), not a
    malformed derivative rule (RuleError) and not an internal exception (TypeError,
    ValueError, AttributeError, AssertionError, ... from inside srcad or the generated
    code)."""
    return isinstance(exc, srcad.SrcadError) and not isinstance(exc, srcad.errors.RuleError)


def acceptable(outcome: Outcome, refusal_ok: bool) -> bool:
    """`ok`, or a clear refusal of a program for which a refusal is acceptable (the
    generators' feature snippets: run-time lists, complex intermediates)."""
    return outcome.ok or (refusal_ok and outcome.status == "refused")


class GeneratorError(AssertionError):
    """The generator produced a program that does not run: a bug in the tests."""


class Discard(Exception):
    """Finite differences cannot check the draw (the message says why)."""


def _copy(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _run(loaded: Loaded, args):
    rec = loaded.recorder
    rec.reset()
    value = loaded.f_instrumented(*_copy(args))
    return value, tuple(rec.events), rec.magnitude


def describe(source: str, args, wrt) -> str:
    shown = ", ".join(f"np.array({a.tolist()!r})" if isinstance(a, np.ndarray) else repr(a)
                      for a in args)
    return f"program:\n{source}\narguments: ({shown},)\nwrt: {wrt}"


def check_program(source: str, args: tuple, wrt: tuple, directory: str,
                  use_vjp: bool = False, single: bool = False, entry: str = "f",
                  multi: str | None = None) -> Outcome:
    """Compare srcad's gradient of `entry` with finite differences at `args`.

    `wrt` lists the argument positions to differentiate (passed as `wrt=wrt[0]` if
    `single`); `use_vjp` also checks the pullback of `srcad.vjp`; `multi` (the kind of
    container `f_multi` returns, program_gen.MULTI_KINDS) also checks `f_multi`, a copy
    of the entry point returning its value in a container (`check_container_output`).
    """
    try:
        outcome = _check_program(source, args, wrt, directory, use_vjp, single, entry)
        if multi and outcome.ok:
            outcome = check_container_output(load(source, directory, MULTI_ENTRY), args,
                                             wrt, single, multi)
        return outcome
    finally:
        # Each program is a new function: nothing cached for it is ever reused, and
        # keeping thousands of transformed modules alive slows the garbage collector.
        srcad.pipeline.cache.clear()


def _check_program(source, args, wrt, directory, use_vjp, single, entry) -> Outcome:
    loaded = load(source, directory, entry)
    # 1. the program itself: runs, finite, moderate, not at a kink
    try:
        with np.errstate(all="raise"):
            f0 = loaded.f(*_copy(args))
            v0, events0, mag0 = _run(loaded, args)
    except (FloatingPointError, OverflowError, ZeroDivisionError) as exc:
        return Outcome("discard", f"domain: {exc!r}")
    except ValueError as exc:
        if "math domain" in str(exc):
            return Outcome("discard", f"domain: {exc!r}")
        raise GeneratorError(f"{exc!r}\n{describe(source, args, wrt)}") from exc
    except Exception as exc:
        raise GeneratorError(f"{exc!r}\n{describe(source, args, wrt)}") from exc
    if not (np.ndim(f0) == 0 and isinstance(f0, (numbers.Real, np.ndarray))
            and not isinstance(f0, bool)):
        raise GeneratorError(f"f returned {f0!r}\n{describe(source, args, wrt)}")
    if not (np.isfinite(f0) and mag0 < MAX_MAGNITUDE):
        return Outcome("discard", f"magnitude {mag0}")
    assert f0 == v0, "instrumenting changed the value"

    # 2. finite differences, with the decisions fixed along every step
    magnitude = max(1.0, mag0)

    def value_at(*moved):
        nonlocal magnitude
        try:
            with np.errstate(all="raise"):
                v, events, mag = _run(loaded, moved)
        except (FloatingPointError, OverflowError, ZeroDivisionError, ValueError) as e:
            raise Discard(f"domain near the point: {e!r}") from e
        if events != events0:
            raise Discard("kink: a decision changes within the step")
        magnitude = max(magnitude, mag)
        return v

    try:
        expected = finite_differences(value_at, args, wrt, FD_STEP)
    except Discard as reason:
        return Outcome("discard", str(reason))
    atol = ATOL * magnitude

    # 3. srcad
    originals = _copy(args)
    spec = wrt[0] if single else wrt
    try:
        value, grads = srcad.value_and_grad(loaded.f, wrt=spec)(*args)
        again = srcad.grad(loaded.f, wrt=spec)(*args)
        if single:
            grads, again = (grads,), (again,)
        if use_vjp:
            out, pullback = srcad.vjp(loaded.f, *args, wrt=spec)
            pulled = pullback(1.0)
    except Exception as exc:
        if is_refusal(exc):
            return Outcome("refused", f"{type(exc).__name__}: {exc}")
        tb = traceback.format_exc()
        return Outcome("error", "srcad raised:\n" + "\n".join(tb.splitlines()[-12:]))
    for a, b in zip(args, originals):
        if isinstance(a, np.ndarray) and not np.array_equal(a, b):
            return Outcome("mutated", f"srcad changed an argument: {b} -> {a}")
    if not np.isclose(value, f0, rtol=1e-9, atol=1e-12 * magnitude):
        return Outcome("value", f"srcad value {value!r}, Python value {f0!r}")
    if use_vjp and not np.isclose(out, f0, rtol=1e-9, atol=1e-12 * magnitude):
        return Outcome("value", f"srcad.vjp output {out!r}, Python value {f0!r}")

    # 4. the gradients
    sets = [("value_and_grad", grads), ("grad", again)] + ([("vjp", pulled)] if use_vjp else [])
    return compare_all(sets, args, wrt, expected, atol, value_at, lambda: ATOL * magnitude)


def finite_differences(value_at, args, wrt, eps) -> list:
    """Central differences of `value_at` w.r.t. each argument in `wrt` (raises Discard)."""
    expected = []
    for pos in wrt:
        fd = numerical_grad(value_at, args, pos, eps=eps)
        expected.append(fd if isinstance(args[pos], np.ndarray) else float(fd))
    return expected


def compare_all(sets, args, wrt, expected, atol, value_at, atol_now) -> Outcome:
    """Compare each (api, gradients) of `sets` with the finite differences `expected`.

    Where a function curves sharply (an iterated cube, say) the truncation error of the
    differences (step ** 2 times the third derivative) exceeds the tolerance: on a
    mismatch the differences are taken again with steps 10 and 100 times smaller
    (`atol_now()`: the tolerance after those runs). The gradients pass if they match
    either; the draw is discarded if those two do not agree with each other."""
    def first_problem(reference, tol):
        return next((p for api, got in sets
                     if (p := compare_gradients(api, got, args, wrt, reference, tol))), None)

    problem = first_problem(expected, atol)
    if problem is None or problem.status != "mismatch":
        return problem or Outcome("ok")
    try:
        finer = [finite_differences(value_at, args, wrt, FD_STEP / k) for k in (10, 100)]
    except Discard as reason:
        return Outcome("discard", str(reason))
    atol = atol_now()
    if any(first_problem(reference, atol) is None for reference in finer):
        return Outcome("ok", notes=("matched finer finite differences",))
    for a, b in zip(*finer):
        if np.any(np.abs(np.asarray(a) - b) > RTOL * np.abs(b) + atol):
            return Outcome("discard", "steep: finite differences do not converge")
    return problem


def compare_gradients(api: str, got, args, wrt, expected, atol) -> Outcome | None:
    """None if srcad's gradients `got` (one per position in `wrt`) have the types and
    shapes of the arguments and match the finite differences `expected`."""
    for pos, g, fd in zip(wrt, got, expected):
        x = args[pos]
        if isinstance(x, np.ndarray):
            if not (isinstance(g, np.ndarray) and g.shape == x.shape and g.dtype == x.dtype):
                return Outcome("type", f"{api}: gradient of x{pos} is {g!r}, argument has "
                                       f"shape {x.shape}")
        elif not isinstance(g, float):
            return Outcome("type", f"{api}: gradient of scalar x{pos} is {type(g)}: {g!r}")
        err = np.abs(np.asarray(g, dtype=float) - fd)
        if not np.all(np.isfinite(g)) or np.any(err > RTOL * np.abs(fd) + atol):
            return Outcome("mismatch", f"{api}: gradient of x{pos}\n  srcad:  {g!r}\n"
                                       f"  finite differences: {fd!r}\n"
                                       f"  (atol {atol:.2g}, rtol {RTOL})")
    return None


# ----------------------------------------------------------------------------- container outputs


MULTI_ENTRY = "f_multi"


def cotangent(out):
    """A fixed cotangent with the structure of the output `out`."""
    if isinstance(out, dict):
        return {k: cotangent(v) for k, v in out.items()}
    if isinstance(out, (tuple, list)):
        return type(out)(cotangent(v) for v in out)
    if isinstance(out, np.ndarray):
        return np.linspace(0.7, -0.4, out.size).reshape(out.shape)
    return 0.8


def inner(cot, out) -> float:
    """<cot, out>, summed over the leaves of matching containers."""
    if isinstance(cot, dict):
        return sum(inner(cot[k], out[k]) for k in cot)
    if isinstance(cot, (tuple, list)):
        return sum(inner(c, o) for c, o in zip(cot, out))
    return float(np.sum(cot * out))


def structure_differs(got, like, magnitude: float) -> str:
    """'' if `got` has the containers of `like` (the same types, keys and lengths) and
    close leaves."""
    if isinstance(like, (dict, tuple, list)):
        if type(got) is not type(like) or len(got) != len(like) or \
                (isinstance(like, dict) and set(got) != set(like)):
            return f"expected {like!r}, got {got!r}"
        pairs = [(got[k], like[k]) for k in like] if isinstance(like, dict) else zip(got, like)
        return next((m for a, b in pairs if (m := structure_differs(a, b, magnitude))), "")
    if np.shape(got) != np.shape(like) or not np.allclose(got, like, rtol=1e-9,
                                                            atol=1e-12 * magnitude):
        return f"expected {like!r}, got {got!r}"
    return ""


def check_container_output(loaded: Loaded, args: tuple, wrt: tuple, single: bool,
                           kind: str) -> Outcome:
    """`f_multi` returns f's value and more in a container (`kind`: tuple, list, nested
    tuple, dict). A gradient needs a scalar output: `grad` (`value_and_grad` for a list)
    must refuse it with a srcad.SrcadError naming f_multi. `srcad.vjp` supports tuple-
    and list-valued outputs: its output must equal Python's and its pullback of a fixed
    cotangent u must match the finite differences of <u, f_multi>. vjp refuses a dict
    output (a clear refusal, accepted and noted)."""
    fm = loaded.f
    spec = wrt[0] if single else wrt
    grad = srcad.value_and_grad if kind == "list" else srcad.grad
    try:
        grad(fm, wrt=spec)(*_copy(args))
    except Exception as exc:
        if not is_refusal(exc):
            tb = traceback.format_exc()
            return Outcome("error", f"{grad.__name__} of {MULTI_ENTRY} (a {kind} output) "
                                    "raised:\n" + "\n".join(tb.splitlines()[-12:]))
        if f"'{MULTI_ENTRY}'" not in str(exc):
            return Outcome("type", f"{grad.__name__} of {MULTI_ENTRY} refused a {kind} output "
                                   f"without naming the function: {exc}")
    else:
        return Outcome("type", f"{grad.__name__} of {MULTI_ENTRY} accepted a {kind} output")

    rec = loaded.recorder
    rec.reset()
    with np.errstate(all="raise"):
        out0 = fm(*_copy(args))
        loaded.f_instrumented(*_copy(args))
    events0, magnitude = tuple(rec.events), max(1.0, rec.magnitude)
    cot = cotangent(out0)
    try:
        out, pullback = srcad.vjp(fm, *_copy(args), wrt=spec)
        pulled = pullback(cot)
    except Exception as exc:
        if is_refusal(exc):
            if kind == "dict":
                return Outcome("ok", notes=(f"vjp refused a dict output: {exc}",))
            return Outcome("refused", f"{MULTI_ENTRY}, a {kind} output: "
                                      f"{type(exc).__name__}: {exc}")
        tb = traceback.format_exc()
        return Outcome("error", f"srcad.vjp of {MULTI_ENTRY} (a {kind} output) raised:\n" +
                                "\n".join(tb.splitlines()[-12:]))
    problem = structure_differs(out, out0, magnitude)
    if problem:
        return Outcome("value", f"srcad.vjp output of {MULTI_ENTRY}: {problem}")

    def value_at(*moved):
        nonlocal magnitude
        rec.reset()
        try:
            with np.errstate(all="raise"):
                v = loaded.f_instrumented(*_copy(moved))
        except (FloatingPointError, OverflowError, ZeroDivisionError, ValueError) as e:
            raise Discard(f"domain near the point: {e!r}") from e
        if tuple(rec.events) != events0:
            raise Discard("kink: a decision changes within the step")
        magnitude = max(magnitude, rec.magnitude)
        return inner(cot, v)

    try:
        expected = finite_differences(value_at, args, wrt, FD_STEP)
    except Discard as reason:
        return Outcome("discard", str(reason))
    outcome = compare_all([(f"vjp of {MULTI_ENTRY} ({kind})", pulled)], args, wrt, expected,
                          ATOL * magnitude, value_at, lambda: ATOL * magnitude)
    return replace(outcome, notes=outcome.notes + (f"vjp of a {kind} output",)) \
        if outcome.ok else outcome


def refusal_reason(outcome: Outcome) -> str:
    """The first line of a refusal's message, without the function's name."""
    first = outcome.detail.splitlines()[0] if outcome.detail else ""
    if ": in function '" in first:
        kind, rest = first.split(": in function '", 1)
        first = kind + ": " + rest.split("': ", 1)[-1]
    return re.sub(r"'([A-Za-z_]+?)\d+'", r"'\1<k>'", first)[:160]  # names, not numbers


def report(outcome: Outcome, source: str, args, wrt) -> str:
    return f"{outcome.status}: {outcome.detail}\n{describe(source, args, wrt)}"


_FAILURE_TYPES: dict = {}


def signature(outcome: Outcome) -> str:
    """A short name for the kind of failure (errors: exception type and raising site)."""
    if outcome.status == "refused":
        return "refused_" + outcome.detail.split(":")[0]
    if outcome.status != "error":
        return outcome.status
    lines = outcome.detail.splitlines()
    exc = next((ln.split(":")[0].split(".")[-1] for ln in reversed(lines)
                if ln and not ln.startswith(" ") and ":" in ln and "Error" in ln.split(":")[0]),
               "Exception")
    site = next((ln.strip().split(",")[-1].replace(" in ", "") for ln in reversed(lines)
                 if ln.strip().startswith("File ")), "")
    return f"{exc}_in_{site}"


def fail(outcome: Outcome, source: str, args, wrt):
    """Raise an AssertionError whose type names the kind of failure, so that Hypothesis
    shrinks (and reports) each kind separately."""
    name = "".join(c if c.isalnum() else "_" for c in signature(outcome))
    cls = _FAILURE_TYPES.get(name)
    if cls is None:
        cls = _FAILURE_TYPES[name] = type(f"SrcadFailure_{name}", (AssertionError,), {})
    raise cls(report(outcome, source, args, wrt))
