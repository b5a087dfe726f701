"""Differentiate Google Tangent's test corpus (tests/functions.py) with srcad.

    python tests/external/tangent_corpus.py [--tangent PATH] [--functions NAME ...]
        [--report report.md] [--short]

The Tangent checkout is `--tangent PATH`, else `$TANGENT_SRC`, else the snapshot at
/work/.mirror/google+tangent/repo (a git repository is read with `git show`). Its
tests/functions.py is imported at run time with a stand-in `tangent` module in
`sys.modules` (this process only): `tangent.insert_grad_of` is `srcad.insert_grad_of`
(the same construct), `tangent.trace` leaves a function as it is, and the rest of
Tangent (its runtime stack `Stack`/`push`/`pop`) makes a function that uses it N/A.
TensorFlow is kept out, so the `tfe_*` functions are N/A.

Inputs follow Tangent's own tests: parameters named a, b, c take the scalars of its
conftest.py, n its integers, x its random vectors and sqm its square matrices (read
from the checkout's conftest.py; built-in defaults if that cannot be read), and the
functions that Tangent's test_reverse_mode.py tests on their own get the inputs made
there. A few functions whose parameters no Tangent test fills get inputs chosen here;
the report marks them.

For every input, srcad's gradient with respect to each float argument (floats, float
arrays, and tuples or dicts of them) is compared with central finite differences:
`srcad.value_and_grad` for a scalar output, else `srcad.vjp` with a cotangent of ones
(as Tangent's tests seed a non-scalar output). Per function: PASS (every input agrees),
WRONG (some input gets a gradient or value that disagrees), CRASH (a non-srcad
exception from srcad or its code), REFUSED (a srcad.SrcadError), PRIMAL FAILS (the
function itself fails, or gives a non-finite value, on every input), N/A (see above).
"""

from __future__ import annotations

import argparse
import ast
import atexit
import copy
import datetime
import importlib.util
import inspect
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import types
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import extcheck as xc  # noqa: E402
import numpy as np  # noqa: E402
from extcheck import CRASH, NA, PASS, PRIMAL, REFUSED, WRONG  # noqa: E402

import srcad  # noqa: E402

SNAPSHOT = "/work/.mirror/google+tangent/repo"

# Defaults if the checkout's conftest.py cannot be read.
DEFAULT_SETS = {"scalars": [-2.0, -1.5, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 1.5, 2.0],
                "integers": [1, 2, 3], "vectors": [3, 5, 10], "square_matrices": [(1, 1), (5, 5)]}


# ----------------------------------------------------------------------------------------
# The checkout
# ----------------------------------------------------------------------------------------

def read_checkout_file(source: str, relpath: str) -> str:
    plain = os.path.join(source, relpath)
    if os.path.isfile(plain):
        return Path(plain).read_text()
    return subprocess.run(["git", "-C", source, "show", f"HEAD:{relpath}"], check=True,
                          capture_output=True, text=True).stdout


def locate_tangent(path: str | None) -> str | None:
    """The checkout to use: an explicit path, $TANGENT_SRC, or the snapshot (None if absent)."""
    explicit = path or os.environ.get("TANGENT_SRC")
    if explicit:
        if not os.path.exists(explicit):
            raise SystemExit(f"Tangent checkout not found: {explicit}")
        return explicit
    return SNAPSHOT if os.path.exists(SNAPSHOT) else None


def input_sets(conftest: str) -> tuple[dict, str]:
    """The long (not --short) input choices of Tangent's conftest.py."""
    sets = dict(DEFAULT_SETS)
    try:
        tree = ast.parse(conftest)
    except SyntaxError:
        return sets, "built-in defaults (conftest.py did not parse)"
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in DEFAULT_SETS):
            continue
        choices = [n for n in ast.walk(node.value) if isinstance(n, ast.IfExp)]
        if not choices:
            continue
        try:
            value = ast.literal_eval(choices[0].orelse)
        except ValueError:
            continue
        sets[node.targets[0].id] = list(value)
        found.append(node.targets[0].id)
    where = "conftest.py" if len(found) == len(DEFAULT_SETS) else \
        f"conftest.py ({', '.join(found) or 'nothing'}) and built-in defaults"
    return sets, where


# ----------------------------------------------------------------------------------------
# The stand-in `tangent` module and the import of functions.py
# ----------------------------------------------------------------------------------------

class TangentOnly:
    """A piece of Tangent's runtime: using it makes the function N/A."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args, **kwargs):
        raise xc.NotApplicable(f"uses {self.name}, Tangent's own runtime")


class _TangentModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return TangentOnly(f"tangent.{name}")


def import_corpus(source: str, folder: str) -> types.ModuleType:
    shim = _TangentModule("tangent")
    shim.insert_grad_of = srcad.insert_grad_of
    shim.trace = lambda fn: fn
    sys.modules["tangent"] = shim
    sys.modules["tensorflow"] = None  # `import tensorflow` raises ImportError: tf is None
    path = os.path.join(folder, "functions.py")
    Path(path).write_text(read_checkout_file(source, "tests/functions.py"))
    spec = importlib.util.spec_from_file_location("functions", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["functions"] = module
    spec.loader.exec_module(module)
    return module


def corpus_functions(module: types.ModuleType) -> list[types.FunctionType]:
    fns = [f for f in vars(module).values()
           if isinstance(f, types.FunctionType) and f.__module__ == module.__name__]
    return sorted(fns, key=lambda f: f.__code__.co_firstlineno)


def not_applicable(fn: types.FunctionType) -> str | None:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, SyntaxError):
        return None
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if "tf" in names:
        return "a TensorFlow function (TensorFlow is not used here)"
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "tangent"}
    if used:
        return f"uses Tangent's runtime ({', '.join(f'tangent.{u}' for u in sorted(used))})"
    for name in names:
        value = fn.__globals__.get(name)
        if isinstance(value, TangentOnly):
            return f"uses {value.name}, Tangent's own runtime"
    return None


# ----------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------

def dedicated_inputs(rng: np.random.RandomState, sets: dict) -> dict[str, tuple[list, str]]:
    """Inputs for the functions Tangent tests on their own, or that no test fills:
    name -> (list of argument tuples, where they come from)."""
    scalars = sets["scalars"]
    triples = list(itertools.product(scalars, scalars, scalars))
    label = np.zeros(5)
    label[1] = 1.0
    D = 3
    return {
        "logistic_regression": ([(rng.rand(3), label, rng.randn(3, 5), rng.randn(5))],
                                "as in Tangent's test_logistic_regression"),
        "rnn": ([(rng.randn(3, 2), rng.randn(2, 3))], "as in Tangent's test_rnn"),
        "bilinear": ([(rng.randn(1, D), rng.randn(1, D), rng.randn(D, D), rng.randn(D, D),
                       rng.randn(1, D))], "as in Tangent's test_bilinear"),
        "dict_saxpy": ([(dict(a=a, b=b, c=c),) for a, b, c in triples],
                       "as in Tangent's test_dict_saxpy"),
        "unpacking_args_saxpy": ([((a, b, c),) for a, b, c in triples],
                                 "as in Tangent's test_unpacking_args_saxpy"),
        "nested_dict": ([(dict(i=dict(j=3.0, k=4.0)),)], "as in Tangent's test_nested_dict"),
        "dict_wrapper": ([((a, b, c),) for a, b, c in triples],
                         "chosen here: a tuple of three scalars, like unpacking_args_saxpy"),
        "passthru_unpack": ([((a, b, c),) for a, b, c in triples],
                            "chosen here: a tuple of three scalars, like "
                            "unpacking_args_saxpy"),
    }


def generic_inputs(fn, rng: np.random.RandomState, sets: dict,
                   cache: dict) -> tuple[list, str] | None:
    """The product of Tangent's choices for each parameter name, or None."""
    choices = []
    chosen_here = False
    for name in inspect.signature(fn).parameters:
        if name in ("a", "b", "c"):
            choices.append(sets["scalars"])
        elif name == "n":
            choices.append(sets["integers"])
        elif name == "x":
            if "x" not in cache:
                cache["x"] = [rng.randn(k) for k in sets["vectors"]]
            choices.append(cache["x"])
        elif name == "sqm":
            if "sqm" not in cache:
                cache["sqm"] = [rng.randn(*s) for s in sets["square_matrices"]]
            choices.append(cache["sqm"])
        elif name == "i":
            choices.append([0, 1, 2])
            chosen_here = True
        else:
            return None
    where = "Tangent's conftest choices" + (" (and i in 0, 1, 2 chosen here)"
                                            if chosen_here else "")
    return list(itertools.product(*choices)), where


# ----------------------------------------------------------------------------------------
# One function, one input
# ----------------------------------------------------------------------------------------

# A function whose gradient is deliberately changed by a hook has no finite-difference
# reference: the expected gradient follows from the hook's semantics (shared by Tangent
# and srcad): after `b = a * a`, the gradient reaching `a` from `c = b * a` (a**2) is
# scaled by 0.9, then `b = a * a` adds 2 a * a: 2.9 a**2.
HOOK_REFERENCE = {"inlining_contextmanager": lambda a: 2.9 * a ** 2}


def float_positions(args: tuple) -> tuple:
    return tuple(i for i, a in enumerate(args)
                 if any(xc.leaf_kind(leaf) == "float" for leaf in xc.tree_leaves(a)))


def _objective(fn, args: tuple, positions: tuple, weights):
    """The scalar finite differences act on: the output, or its inner product with ones."""
    def L(*xs):
        full = list(copy.deepcopy(args))
        for p, x in zip(positions, xs):
            full[p] = x
        return xc.inner(weights, fn(*full)) if weights is not None else float(fn(*full))
    return L


_STENCIL = {2: ((0.5, 1.0), (-0.5, -1.0)),
            4: ((2.0, -1 / 12), (1.0, 8 / 12), (-1.0, -8 / 12), (-2.0, 1 / 12)),
            "right": ((1.0, 1.0), (0.0, -1.0)),
            "left": ((0.0, 1.0), (-1.0, -1.0))}


def fd_gradient(L, xs: list, h: float, order: int | str) -> list:
    """Elementwise central differences of the scalar L(*xs), shaped like xs (None for
    leaves that are not floats)."""
    out = []
    for i, x in enumerate(xs):
        values = {}
        for path, leaf in xc.leaf_paths(x):
            if xc.leaf_kind(leaf) != "float":
                continue
            arr = np.array(leaf, dtype=float)
            grad = np.zeros_like(arr)
            for idx in np.ndindex(arr.shape):
                total = 0.0
                for offset, weight in _STENCIL[order]:
                    bumped = arr.copy()
                    bumped[idx] += offset * h
                    point = list(xs)
                    point[i] = _replace(x, path, bumped if isinstance(leaf, np.ndarray)
                                        else float(bumped))
                    total += weight * L(*point)
                grad[idx] = total / h
            values[path] = grad if isinstance(leaf, np.ndarray) else float(grad)
        out.append(_fill(x, values))
    return out


def _replace(tree, path: tuple, value):
    """A copy of `tree` with the leaf at `path` replaced."""
    if not path:
        return value
    if isinstance(tree, dict):
        new = dict(tree)
        new[path[0]] = _replace(tree[path[0]], path[1:], value)
        return new
    items = list(tree)
    items[path[0]] = _replace(tree[path[0]], path[1:], value)
    return type(tree)(items) if isinstance(tree, tuple) else items


def _fill(tree, values: dict, prefix: tuple = ()):
    if isinstance(tree, dict):
        return {k: _fill(v, values, prefix + (k,)) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_fill(v, values, prefix + (j,)) for j, v in enumerate(tree))
    return values.get(prefix)


def _close(got, want, rtol=1e-5, atol=1e-6) -> bool:
    ok = True
    def one(g, w):
        nonlocal ok
        if w is None:
            return
        if g is None:
            ok = False
            return
        if not np.allclose(np.asarray(g, dtype=complex), np.asarray(w, dtype=complex),
                           rtol=rtol, atol=atol):
            ok = False
    xc.tree_map(one, got, want)
    return ok


def _close_either(got, right, left, rtol=1e-4, atol=1e-5) -> bool:
    ok = True
    def one(g, r, lf):
        nonlocal ok
        if r is None:
            return
        if g is None:
            ok = False
            return
        g, r, lf = (np.asarray(v, dtype=float) for v in (g, r, lf))
        if not np.all(np.isclose(g, r, rtol=rtol, atol=atol)
                      | np.isclose(g, lf, rtol=rtol, atol=atol)):
            ok = False
    xc.tree_map(one, got, right, left)
    return ok


def check_one(fn, args: tuple) -> tuple[str, str]:
    """(category, reason) for srcad's gradient of fn at args."""
    try:
        with np.errstate(all="ignore"):
            y = fn(*copy.deepcopy(args))
    except Exception as exc:  # noqa: BLE001
        return PRIMAL, f"the function raises: {xc.short(exc)}"
    leaves = [leaf for leaf in xc.tree_leaves(y) if xc.leaf_kind(leaf) is not None]
    if not leaves:
        return PRIMAL, f"no float output ({xc._desc(y)})"
    if not all(np.all(np.isfinite(leaf)) for leaf in leaves):
        return PRIMAL, "a non-finite output"
    positions = float_positions(args)
    if not positions:
        return NA, "no float argument"
    scalar = xc.leaf_kind(y) == "float" and np.ndim(y) == 0
    with np.errstate(all="ignore"):
        return _check_gradient(fn, args, y, positions, scalar)


def _check_gradient(fn, args: tuple, y, positions: tuple, scalar: bool) -> tuple[str, str]:
    try:
        if scalar:
            value, grads = srcad.value_and_grad(fn, wrt=positions)(*copy.deepcopy(args))
            weights = None
        else:
            weights = xc.tree_map(lambda leaf: np.ones_like(leaf)
                                  if xc.leaf_kind(leaf) is not None else None, y)
            value, pullback = srcad.vjp(fn, *copy.deepcopy(args), wrt=positions)
            cot = xc.tree_map(lambda leaf, w: w if w is not None else
                              (np.zeros_like(leaf) if xc._is_number(leaf) else None), y,
                              weights)
            grads = pullback(cot)
    except Exception as exc:  # noqa: BLE001
        return xc.classify(exc, True)
    problem = xc.values_differ(value, y)
    if problem:
        return WRONG, problem
    for g, p in zip(grads, positions):
        problem = xc.structure_problem(g, args[p], f"gradient of argument {p}")
        if problem:
            return WRONG, problem
    xs = [args[p] for p in positions]
    if fn.__name__ in HOOK_REFERENCE:
        want = [HOOK_REFERENCE[fn.__name__](*xs)]
        if _close(list(grads), want):
            return PASS, ""
        return WRONG, f"gradient {grads} differs from the hook's expected {want}"
    L = _objective(fn, args, positions, weights)
    numeric = fd_gradient(L, xs, 1e-6, 2)
    if not all(np.all(np.isfinite(leaf)) for leaf in xc.tree_leaves(numeric)
               if leaf is not None):
        return PRIMAL, ("the function is not finite next to this input (finite "
                        "differences undefined)")
    if _close(list(grads), numeric):
        return PASS, ""
    for h in (1e-3, 1e-4):
        if _close(list(grads), fd_gradient(L, xs, h, 4)):
            return PASS, ""
    # At a kink (a branch boundary, a tie) srcad takes the derivative of the branch
    # taken: accept either one-sided difference, element by element.
    right = fd_gradient(L, xs, 1e-7, "right")
    left = fd_gradient(L, xs, 1e-7, "left")
    if _close_either(list(grads), right, left):
        return PASS, "kink"
    return WRONG, (f"srcad's gradient {_show(grads)} differs from finite differences "
                   f"{_show(numeric)}")


def _show(tree) -> str:
    text = repr(xc.tree_map(lambda leaf: np.round(leaf, 6) if leaf is not None else None,
                            list(tree)))
    text = " ".join(text.split())
    return text if len(text) < 120 else text[:117] + "..."


def _kind_key(args: tuple) -> tuple:
    """What srcad specializes on: types and shapes, and the values of integers."""
    def one(leaf):
        if isinstance(leaf, (bool, int, np.integer)):
            return ("int", int(leaf))
        return (type(leaf).__name__, np.shape(leaf))
    return tuple(tuple(map(one, xc.tree_leaves(a))) for a in args)


class FunctionResult:
    def __init__(self, name: str):
        self.name = name
        self.category = NA
        self.reason = ""
        self.inputs = 0
        self.counts: dict[str, int] = {}
        self.kinks: list[str] = []
        self.where = ""


def run_function(fn, inputs: list, where: str) -> FunctionResult:
    result = FunctionResult(fn.__name__)
    result.where = where
    result.inputs = len(inputs)
    first: dict[str, str] = {}
    known_refusals: dict[tuple, tuple[str, str]] = {}
    for args in inputs:
        key = _kind_key(args)
        if key in known_refusals:
            category, reason = known_refusals[key]
        else:
            category, reason = check_one(fn, args)
            if category in (REFUSED, CRASH):
                known_refusals[key] = (category, reason)
        result.counts[category] = result.counts.get(category, 0) + 1
        if category == PASS and reason == "kink":
            result.kinks.append(_describe_args(args))
        if category != PASS and category not in first:
            first[category] = f"{reason} (at {_describe_args(args)})"
    for category in (WRONG, CRASH, REFUSED, PASS, PRIMAL, NA):
        if result.counts.get(category):
            result.category = category
            break
    if result.category != PASS:
        result.reason = first.get(result.category, "")
    return result


def _describe_args(args: tuple) -> str:
    def one(a):
        if isinstance(a, np.ndarray):
            return f"array{a.shape}"
        if isinstance(a, float):
            return f"{a:g}"
        if isinstance(a, (tuple, list, dict)):
            return type(a).__name__
        return repr(a)
    return "(" + ", ".join(one(a) for a in args) + ")"


# ----------------------------------------------------------------------------------------
# The report
# ----------------------------------------------------------------------------------------

CATEGORIES = [PASS, WRONG, CRASH, REFUSED, PRIMAL]


def make_report(results: list[FunctionResult], checkout: str, sets_from: str,
                seconds: float) -> str:
    applicable = [r for r in results if r.category != NA]
    count = {c: sum(r.category == c for r in applicable) for c in CATEGORIES}
    out = ["# srcad against Tangent's test corpus (tests/functions.py)", "",
           f"- Tangent: {checkout}",
           f"- srcad: {_srcad_version()}",
           f"- inputs: {sets_from}",
           f"- run: finished {datetime.datetime.now():%Y-%m-%d %H:%M}, {seconds:.0f} s, "
           f"NumPy {np.__version__}", "",
           xc.md_table(["functions", "N/A", "applicable"] + CATEGORIES,
                       [[len(results), len(results) - len(applicable), len(applicable)]
                        + [count[c] for c in CATEGORIES]]), ""]
    kinks = [r for r in applicable if r.kinks]
    if kinks:
        out += ["At a kink (a branch boundary or a tie among the inputs) central differences "
                "straddle two branches; srcad's gradient there is checked against the "
                "one-sided differences and passes if it matches one of them, element by "
                "element. Inputs where that was needed: "
                + "; ".join(f"`{r.name}` {len(r.kinks)} of {r.inputs} (e.g. at "
                            f"{r.kinks[0]})" for r in kinks) + ".", ""]
    for category in (WRONG, CRASH, PRIMAL):
        listed = [r for r in applicable if r.category == category]
        out += [f"## {category} ({len(listed)})", ""]
        out += [f"- `{r.name}` ({_counts(r)}): {r.reason}" for r in listed] or ["(none)"]
        out.append("")
    refused = [r for r in applicable if r.category == REFUSED]
    out += [f"## REFUSED ({len(refused)})", ""]
    if refused:
        out += [xc.md_table(["function", "reason (first line of the SrcadError)"],
                            [[f"`{r.name}`", _cell(r.reason)] for r in refused]), "",
                "Grouped:", "",
                xc.md_table(["functions", "reason"],
                            [[n, _cell(reason)] for n, reason, _ in xc.grouped(
                                [(r.name, xc.refusal_group(r.reason.split(" (at ")[0]))
                                 for r in refused])])]
    else:
        out.append("(none)")
    out.append("")
    out += ["## Every function", "",
            xc.md_table(["function", "result", "inputs", "per input", "inputs from"],
                        [[f"`{r.name}`", r.category, r.inputs, _counts(r), r.where]
                         for r in results]), ""]
    na = [(r.name, r.reason) for r in results if r.category == NA]
    out += [f"## N/A ({len(na)})", "",
            xc.md_table(["functions", "reason", "e.g."],
                        [[n, _cell(reason), f"`{ex}`"] for n, reason, ex in xc.grouped(na)])
            if na else "(none)", ""]
    return "\n".join(out)


def _counts(r: FunctionResult) -> str:
    return ", ".join(f"{n} {c}" for c, n in sorted(r.counts.items(), key=lambda kv: -kv[1]))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _srcad_version() -> str:
    try:
        commit = subprocess.run(["git", "-C", str(xc.REPO_ROOT), "rev-parse", "--short",
                                 "HEAD"], check=True, capture_output=True,
                                text=True).stdout.strip()
        return f"{srcad.__version__}, working tree at {commit}"
    except (subprocess.CalledProcessError, FileNotFoundError):
        return srcad.__version__


def describe_checkout(source: str) -> str:
    try:
        commit = subprocess.run(["git", "-C", source, "rev-parse", "--short", "HEAD"],
                                check=True, capture_output=True, text=True).stdout.strip()
        return f"{source} (commit {commit})"
    except (subprocess.CalledProcessError, FileNotFoundError):
        return source


# ----------------------------------------------------------------------------------------
# Self-test
# ----------------------------------------------------------------------------------------

_SELFTEST_FUNCTIONS = '''
import numpy as np
from selftest_rules import bad_sin


def smooth(a, b):
    return np.sin(a) * b + a ** 3


def vector(x):
    return np.sum(np.tanh(x) * x)


def branch(a, b):
    if a > b:
        return a * a
    return a * b


def tuple_arg(t):
    a, b = t
    return a * b


def array_out(x):
    return np.sin(x) * 2.0


def wrong(a):
    return bad_sin(a) * 2.0


def wrong_vector(x):
    return np.sum(bad_sin(x))


def refused(a):
    try:
        return a * 2.0
    except ValueError:
        return 0.0
'''


def self_test() -> int:
    """The checker on functions whose answer is known: srcad's correct gradients pass
    (kinks included), a deliberately wrong rule is WRONG, a refusal is REFUSED."""
    folder = tempfile.mkdtemp(prefix="srcad_tangent_selftest_")
    atexit.register(shutil.rmtree, folder, True)
    xc.selftest_rules(folder)
    path = os.path.join(folder, "selftest_functions.py")
    Path(path).write_text(_SELFTEST_FUNCTIONS)
    spec = importlib.util.spec_from_file_location("selftest_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rng = np.random.RandomState(0)
    scalars = [-1.0, 0.5, 2.0]
    pairs = list(itertools.product(scalars, scalars))
    cases = {
        "smooth": (pairs, PASS), "vector": ([(rng.randn(4),)], PASS),
        "branch": (pairs, PASS), "tuple_arg": ([((a, b),) for a, b in pairs], PASS),
        "array_out": ([(rng.randn(3),)], PASS), "wrong": ([(a,) for a in scalars], WRONG),
        "wrong_vector": ([(rng.randn(4),)], WRONG), "refused": ([(0.5,)], REFUSED),
    }
    failures = 0
    for name, (inputs, want) in cases.items():
        result = run_function(getattr(module, name), inputs, "self-test")
        ok = result.category == want and (name != "branch" or result.kinks)
        failures += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: {result.category} ({_counts(result)})"
              f"{'; kinks at ' + ', '.join(result.kinks) if result.kinks else ''}"
              f"{': ' + result.reason if result.reason else ''}")
    sys.path.remove(folder)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"self-test: {'passed' if not failures else f'{failures} FAILED'}")
    return failures


# ----------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tangent", help="Tangent checkout or git repository (default: "
                        "$TANGENT_SRC, else the snapshot in /work/.mirror)")
    parser.add_argument("--functions", nargs="+", help="only these functions")
    parser.add_argument("--report", help="write the markdown report here")
    parser.add_argument("--short", action="store_true",
                        help="one input per parameter (like Tangent's --short)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the checker on known cases, then exit")
    args = parser.parse_args(argv)
    if args.self_test:
        return 1 if self_test() else 0
    source = locate_tangent(args.tangent)
    if source is None:
        print("no Tangent checkout: pass --tangent PATH or set TANGENT_SRC")
        return 2
    folder = tempfile.mkdtemp(prefix="srcad_tangent_")
    start = datetime.datetime.now()
    try:
        sets, sets_from = input_sets(read_checkout_file(source, "tests/conftest.py"))
        if args.short:
            sets = {k: v[-1:] for k, v in sets.items()}
            sets_from += ", one of each (--short)"
        module = import_corpus(source, folder)
        rng = np.random.RandomState(0)
        dedicated = dedicated_inputs(rng, sets)
        cache: dict = {}
        results = []
        for fn in corpus_functions(module):
            if args.functions and fn.__name__ not in args.functions:
                continue
            reason = not_applicable(fn)
            made = dedicated.get(fn.__name__) or generic_inputs(fn, rng, sets, cache)
            if reason is None and made is None:
                reason = "no Tangent test gives inputs for its parameters"
            if reason is not None:
                result = FunctionResult(fn.__name__)
                result.reason = reason
                results.append(result)
                continue
            inputs, where = made
            if args.short:
                inputs = inputs[:1]
            result = run_function(fn, inputs, where)
            print(f"{fn.__name__:34} {result.category:12} {_counts(result)}", flush=True)
            results.append(result)
        seconds = (datetime.datetime.now() - start).total_seconds()
        report = make_report(results, describe_checkout(source), sets_from, seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(report)
    if args.report:
        Path(args.report).write_text(report + "\n")
        print(f"report written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
