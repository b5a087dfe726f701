"""Run autograd's own test modules against srcad.

    python tests/external/autograd_suite.py [--autograd PATH] [--files test_numpy.py ...]
        [--report report.md] [-k EXPR] [--timeout SECONDS] [--self-test]

The autograd checkout is `--autograd PATH`, else `$AUTOGRAD_SRC`, else the snapshot at
/work/.mirror/HIPS+autograd/repo. A git repository (bare or not) is exported with
`git archive` into a temporary folder; a plain folder is copied. autograd's code and
tests are read from there at run time; nothing of it is kept in this repository.

Inside this process only, a package named `autograd` is installed in `sys.modules`:
`autograd.numpy` is NumPy itself, `autograd.scipy.*` SciPy, `grad`, `value_and_grad`,
`elementwise_grad`, `jacobian`, `hessian`, `make_vjp`, `make_jvp` and
`hessian_vector_product` call srcad, and `autograd.test_util.check_grads` /
`combo_check` are srcad-based checkers (see `extcheck.check_derivatives`). autograd's
container constructors (`autograd.list`, `tuple`, `dict`) are Python's own, which is
what srcad differentiates; the rest of autograd's API (`primitive`, `defvjp`,
`isinstance`, vspaces, ...) has no srcad equivalent and makes a test that uses it N/A.
Inside a function srcad differentiates, `grad(fun, argnum)` is `srcad.grad(fun,
wrt=argnum)` (srcad's nested differentiation), not the shim.

pytest collects and runs the modules (parametrized tests count one per case, as in
autograd's own runs). Each test is classified:

- PASS: every check agreed with finite differences and the test's assertions held;
- WRONG: srcad returned a derivative or value that disagrees with finite differences, or
  the test's own assertion on srcad's result failed;
- REFUSED: srcad raised a `srcad.SrcadError`;
- CRASH: any other exception raised inside srcad or the code it generated (or in the
  test, on what srcad returned); a test over the time limit counts here too;
- N/A: the test uses autograd API with no srcad equivalent, tests autograd's internals,
  takes no derivative, or fails without srcad (its own inputs or autograd-only NumPy
  functions). N/A tests are left out of the counts.

Second-order checks run after the first-order ones and do not stop the test: a test
whose first-order checks all pass but whose second-order check fails is counted under
the category of that failure and in the "order-2 only" column.
"""

from __future__ import annotations

import argparse
import ast
import atexit
import datetime
import inspect
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import types
import zlib
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import extcheck as xc  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from extcheck import CRASH, NA, PASS, REFUSED, WRONG  # noqa: E402

import srcad  # noqa: E402  (after extcheck, which puts the working tree first)

SNAPSHOT = "/work/.mirror/HIPS+autograd/repo"
DEFAULT_FILES = ["test_numpy.py", "test_systematic.py", "test_linalg.py", "test_scipy.py",
                 "test_builtins.py", "test_list.py", "test_dict.py", "test_tuple.py",
                 "test_binary_ops.py"]
# autograd's other modules of numeric derivative tests (--extended adds them)
EXTENDED_FILES = ["test_fft.py", "test_scalar_ops.py", "test_complex.py", "test_truediv.py",
                  "test_jacobian.py"]

# Tests of autograd's own machinery, recognised by name (the rest is found by what they
# use): the reason is printed in the report.
AUTOGRAD_INTERNALS = {
    "test_numpy.py::test_scalar_array_box_attributes":
        "tests autograd's ArrayBox (a boxed float presented as a 0-d array)",
}


# ----------------------------------------------------------------------------------------
# Locating autograd
# ----------------------------------------------------------------------------------------

def locate_autograd(path: str | None) -> str | None:
    """The checkout to use: an explicit path, $AUTOGRAD_SRC, or the snapshot (None if absent)."""
    explicit = path or os.environ.get("AUTOGRAD_SRC")
    if explicit:
        if not os.path.exists(explicit):
            raise SystemExit(f"autograd checkout not found: {explicit}")
        return explicit
    return SNAPSHOT if os.path.exists(SNAPSHOT) else None


def export_tests(source: str, into: str) -> str:
    """Copy or export autograd's tests/ folder into `into`; returns the tests folder."""
    tests = os.path.join(source, "tests")
    if os.path.isdir(tests):
        shutil.copytree(tests, os.path.join(into, "tests"),
                        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    else:  # a git repository without a work tree
        archive = subprocess.run(["git", "-C", source, "archive", "HEAD", "tests"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    return os.path.join(into, "tests")


def describe_checkout(source: str) -> str:
    try:
        commit = subprocess.run(["git", "-C", source, "rev-parse", "--short", "HEAD"],
                                check=True, capture_output=True, text=True).stdout.strip()
        return f"{source} (commit {commit})"
    except (subprocess.CalledProcessError, FileNotFoundError):
        return source


# ----------------------------------------------------------------------------------------
# The shim
# ----------------------------------------------------------------------------------------

# The shim's public callables are instances of a class compiled from a string, so srcad
# cannot read their source: a function srcad transforms that calls `grad(...)` gets
# srcad's ordinary refusal for a callable it cannot see into, not a trip into the shim.
_OPAQUE = '''
class Opaque:
    def __init__(self, impl, name, kind=None, fun=None, argnum=None):
        self.impl, self.__name__, self.kind, self.fun, self.argnum = impl, name, kind, fun, argnum
    def __call__(self, *args, **kwargs):
        return self.impl(*args, **kwargs)
    def __repr__(self):
        return "<autograd shim " + self.__name__ + ">"
'''
_ns: dict = {}
exec(compile(_OPAQUE, "<autograd shim>", "exec"), _ns)
Opaque = _ns["Opaque"]


class NAStub:
    """A piece of autograd with no srcad equivalent: using it makes the test N/A."""

    def __init__(self, name: str):
        self.name = name
        self.__name__ = name.rsplit(".", 1)[-1]

    def __call__(self, *args, **kwargs):
        raise xc.NotApplicable(f"uses {self.name}, which has no srcad equivalent")

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return NAStub(f"{self.name}.{attr}")

    def __repr__(self):
        return f"<N/A {self.name}>"


WRAPPERS: xc.Wrappers | None = None


def _positions(argnum) -> tuple[tuple, bool]:
    if isinstance(argnum, int):
        return (argnum,), True
    return tuple(argnum), False


# Complex numbers. autograd's gradient with respect to z = x + 1j*y is dL/dx - 1j*dL/dy,
# the conjugate of srcad's dL/dx + 1j*dL/dy (docs/complex.md); autograd's VJP of a
# complex output takes and gives covectors, srcad's pullback vectors:
# autograd_vjp(g) = conj(srcad_pullback(conj(g))). Tangents (JVPs) agree. The shim's
# grad, value_and_grad, elementwise_grad, jacobian, make_vjp and hessian_vector_product
# convert srcad's results to autograd's convention, so that a test's own assertions
# (written for autograd) hold; `extcheck.check_derivatives` checks srcad's own results
# against finite differences in srcad's convention (a real check, independent of both).

def to_autograd(tree):
    """srcad's derivative (a tree) as autograd gives it: complex leaves conjugated."""
    def one(leaf):
        if xc.leaf_kind(leaf) != "complex":
            return leaf
        if type(leaf) is complex:
            return leaf.conjugate()
        return np.conj(leaf)
    return xc.tree_map(one, tree)


def _is_complex_arg(value) -> bool:
    return any(xc.leaf_kind(leaf) == "complex" for leaf in xc.tree_leaves(value))


def _srcad_fn(fun, args: tuple, kwargs: dict, positions: tuple):
    """(function for srcad, its arguments, wrt, conjugated) for `fun(*args, **kwargs)`.
    `conjugated`: the function for srcad is autograd's `grad(f)` taken in srcad's
    convention, whose values are the conjugates of the function autograd's test calls."""
    if isinstance(fun, Opaque) and fun.kind == "grad" and xc.has_own_source(fun.fun):
        inner_positions, inner_single = _positions(fun.argnum)
        inner = srcad.grad(fun.fun, wrt=inner_positions[0] if inner_single
                           else inner_positions)
        conjugated = any(_is_complex_arg(args[p]) for p in inner_positions if p < len(args))
        return inner, list(args), kwargs, positions, conjugated
    if xc.has_own_source(fun):
        return fun, list(args), kwargs, positions, False
    wrapped = WRAPPERS.call(fun, list(args), dict(kwargs), positions)
    return wrapped, [args[p] for p in positions], {}, tuple(range(len(positions))), False


def _guard(fun, args, kwargs, thunk):
    """Run a srcad call; an exception that the plain function raises too is N/A."""
    xc.STATE.srcad_calls += 1
    try:
        return thunk()
    except Exception as exc:
        if isinstance(exc, (srcad.SrcadError, xc.NotApplicable)) or isinstance(fun, Opaque):
            raise
        try:
            fun(*args, **kwargs)
        except Exception as plain:
            if isinstance(plain, srcad.SrcadError) or xc.from_srcad(plain):
                raise exc from None
            raise xc.PrimalFailed(f"the function raises without srcad too: "
                                  f"{xc.short(plain)}") from exc
        raise


def _grad_like(api: str, fun, argnum):
    positions, single = _positions(argnum)

    def impl(*args, **kwargs):
        fn, call_args, call_kwargs, wrt, _ = _srcad_fn(fun, args, kwargs, positions)
        # (a conjugated function has a complex output: srcad's grad refuses it)
        maker = srcad.value_and_grad if api == "value_and_grad" else srcad.grad
        g = maker(fn, wrt=wrt[0] if single else wrt)
        result = _guard(fun, args, kwargs, lambda: g(*call_args, **call_kwargs))
        if api == "value_and_grad":
            return result[0], to_autograd(result[1])
        return to_autograd(result)
    return Opaque(impl, api, kind=api, fun=fun, argnum=argnum)


def ag_grad(fun, argnum=0):
    return _grad_like("grad", fun, argnum)


def ag_value_and_grad(fun, argnum=0):
    return _grad_like("value_and_grad", fun, argnum)


def _grad_in_traced_code(fun, argnum=0):
    """autograd's grad(fun, argnum) inside a function srcad differentiates: srcad.grad,
    which srcad makes while transforming (nested differentiation), conjugated for one
    argument (autograd's gradient of a complex argument is the conjugate of srcad's; a
    real one is unchanged)."""
    inner = srcad.grad(fun, wrt=argnum)
    if not isinstance(argnum, int):
        return inner

    def autograd_convention(*args):
        return np.conj(inner(*args))
    return autograd_convention


# The hook tells srcad what to call inside traced code instead of inlining the shim above.
ag_grad.__srcad_factory__ = _grad_in_traced_code
ag_value_and_grad.__srcad_factory__ = lambda fun, argnum=0: srcad.value_and_grad(fun, wrt=argnum)


def ag_elementwise_grad(fun, argnum=0):
    positions, single = _positions(argnum)

    def impl(*args, **kwargs):
        summed = WRAPPERS.summed(fun, list(args), dict(kwargs), positions)
        g = srcad.grad(summed, wrt=0 if single else tuple(range(len(positions))))
        return to_autograd(_guard(fun, args, kwargs, lambda: g(*[args[p] for p in positions])))
    return Opaque(impl, "elementwise_grad")


def _matrix_like(api, fun, argnum):
    positions, single = _positions(argnum)

    def impl(*args, **kwargs):
        fn, call_args, call_kwargs, wrt, conjugated = _srcad_fn(fun, args, kwargs, positions)
        g = getattr(srcad, api)(fn, wrt=wrt[0] if single else wrt)
        result = _guard(fun, args, kwargs, lambda: g(*call_args, **call_kwargs))
        if conjugated:  # d conj(G) = conj(dG) (srcad refuses it for a complex argument)
            return to_autograd(result)
        # srcad refuses a complex output with respect to a complex argument; a complex
        # Jacobian with respect to a complex argument holds gradients (autograd's: their
        # conjugates), with respect to a real one du/dx + 1j*dv/dx (left as it is)
        parts = (result,) if single else tuple(result)
        parts = tuple(to_autograd(part) if _is_complex_arg(args[p]) else part
                      for part, p in zip(parts, positions))
        return parts[0] if single else parts
    return Opaque(impl, api)


def ag_jacobian(fun, argnum=0):
    return _matrix_like("jacobian", fun, argnum)


def ag_hessian(fun, argnum=0):
    return _matrix_like("hessian", fun, argnum)


def ag_make_vjp(fun, argnum=0):
    positions, single = _positions(argnum)

    def impl(*args, **kwargs):
        fn, call_args, call_kwargs, wrt, conjugated = _srcad_fn(fun, args, kwargs, positions)
        out, pullback = _guard(fun, args, kwargs, lambda: srcad.vjp(
            fn, *call_args, wrt=wrt, **call_kwargs))

        def vjp(g):
            # autograd's VJP: conj(srcad's pullback of conj(g)); of a function whose
            # values srcad computes conjugated, F = conj(G): conj(pullback_G(g))
            grads = to_autograd(pullback(g if conjugated else to_autograd(g)))
            return grads[0] if single else grads
        return vjp, to_autograd(out) if conjugated else out
    return Opaque(impl, "make_vjp")


def ag_make_jvp(fun, argnum=0):
    positions, single = _positions(argnum)

    def impl(*args, **kwargs):
        fn, call_args, call_kwargs, wrt, conjugated = _srcad_fn(fun, args, kwargs, positions)
        if call_kwargs:
            raise xc.NotApplicable("make_jvp with keyword arguments")

        def jvp(v):
            vs = (v,) if single else tuple(v)
            tangents = [None] * len(call_args)
            for p, t in zip(wrt, vs):
                tangents[p] = t
            value, tangent = _guard(fun, args, kwargs,
                                    lambda: srcad.jvp(fn, call_args, tangents))
            # tangents agree in both conventions; a conjugated function's do not
            return (to_autograd(value), to_autograd(tangent)) if conjugated \
                else (value, tangent)
        return jvp
    return Opaque(impl, "make_jvp")


def ag_hessian_vector_product(fun, argnum=0):
    def impl(*args):
        *primals, v = args
        if _is_complex_arg(primals[argnum]) or _is_complex_arg(v):
            # autograd's is its grad of tensordot(grad f, v): a complex scalar, which
            # autograd's grad refuses (srcad.hvp takes it: docs/complex.md)
            raise xc.NotApplicable("autograd's hessian_vector_product of a complex "
                                   "argument fails in autograd itself")
        return _guard(fun, primals, {}, lambda: srcad.hvp(fun, wrt=argnum)(*primals, v))
    return Opaque(impl, "hessian_vector_product")


def ag_holomorphic_grad(fun, argnum=0):
    positions, single = _positions(argnum)
    if not single:
        return NAStub("autograd.holomorphic_grad of several arguments")

    def impl(*args, **kwargs):
        # autograd's holomorphic_grad(f) is its grad of np.real(f): for a holomorphic f,
        # f'(z) (srcad's gradient of Re f is conj(f'(z)))
        real_part = WRAPPERS.real_part(fun, list(args), dict(kwargs), positions)
        g = srcad.grad(real_part, wrt=0)
        return to_autograd(_guard(fun, args, kwargs, lambda: g(args[positions[0]])))
    return Opaque(impl, "holomorphic_grad")


def ag_check_grads(fun, argnum=0, modes=None, order=2):
    modes = ("fwd", "rev") if modes is None else tuple(modes)
    positions, _ = _positions(argnum)

    def impl(*args, **kwargs):
        xc.check_derivatives(WRAPPERS, fun, list(args), dict(kwargs), positions,
                             modes=modes, order=order)
    return Opaque(impl, "check_grads")


def ag_check_equivalent(x, y):
    """Two values (one of them from srcad) agree in structure, shape and value."""
    problem = xc.structure_problem(x, y, "value") or xc.values_differ(x, y)
    assert problem is None, problem


def ag_combo_check(fun, *check_args, **check_kwargs):
    """Check `fun` on every combination of the given argument and keyword values."""
    def run(*arg_choices, **kwarg_choices):
        import itertools
        names = list(kwarg_choices)
        for chosen_args in itertools.product(*arg_choices):
            for chosen in itertools.product(*[kwarg_choices[n] for n in names]):
                ag_check_grads(fun, *check_args, **check_kwargs)(
                    *chosen_args, **dict(zip(names, chosen)))
    return Opaque(run, "combo_check")


class _ShimModule(types.ModuleType):
    """A shim module: unknown names are autograd API with no srcad equivalent."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return NAStub(f"{self.__name__}.{name}")


def install_shim() -> None:
    """Put the `autograd` shim into `sys.modules` (this process only)."""
    import scipy
    import scipy.integrate
    import scipy.linalg
    import scipy.signal
    import scipy.special
    import scipy.stats

    def module(name, **attrs):
        mod = _ShimModule(name)
        mod.__path__ = []  # a package: submodules come from sys.modules
        mod.__dict__.update(attrs)
        sys.modules[name] = mod
        return mod

    api = dict(grad=ag_grad, value_and_grad=ag_value_and_grad,
               elementwise_grad=ag_elementwise_grad, jacobian=ag_jacobian,
               hessian=ag_hessian, make_vjp=ag_make_vjp, make_jvp=ag_make_jvp,
               hessian_vector_product=ag_hessian_vector_product,
               hessian_tensor_product=ag_hessian_vector_product,
               holomorphic_grad=ag_holomorphic_grad,
               list=list, tuple=tuple, dict=dict)
    ag = module("autograd", **api)
    builtins_mod = module("autograd.builtins", list=list, tuple=tuple, dict=dict)
    ag.builtins = builtins_mod
    ag.extend = module("autograd.extend")
    ag.test_util = module("autograd.test_util", check_grads=Opaque(
        lambda *a, **k: ag_check_grads(*a, **k), "check_grads"),
        combo_check=Opaque(lambda *a, **k: ag_combo_check(*a, **k), "combo_check"),
        check_equivalent=Opaque(ag_check_equivalent, "check_equivalent"),
        scalar_close=xc.scalar_close)
    for name in ("core", "tracer", "wrap_util", "util", "misc", "differential_operators"):
        setattr(ag, name, module(f"autograd.{name}"))

    ag.numpy = np
    sys.modules["autograd.numpy"] = np
    for sub in ("random", "linalg", "fft"):
        sys.modules[f"autograd.numpy.{sub}"] = getattr(np, sub)
    ag.scipy = scipy
    sys.modules["autograd.scipy"] = scipy
    for sub in ("special", "stats", "linalg", "signal", "integrate"):
        sys.modules[f"autograd.scipy.{sub}"] = getattr(scipy, sub)
    for dist in ("norm", "beta", "chi2", "gamma", "poisson", "t", "dirichlet",
                 "multivariate_normal"):
        sys.modules[f"autograd.scipy.stats.{dist}"] = getattr(scipy.stats, dist)


# ----------------------------------------------------------------------------------------
# Static look at each test: what of autograd does it use?
# ----------------------------------------------------------------------------------------

def _autograd_imports(tree: ast.AST) -> dict[str, str]:
    """Local name -> 'autograd.X' for `from autograd[.builtins] import X [as name]`."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split(".")[0] == "autograd":
            for alias in node.names:
                out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


_module_imports: dict[str, dict[str, str]] = {}


def static_look(item) -> tuple[str | None, bool]:
    """(reason the test is N/A, or None; whether it uses autograd's containers)."""
    function = getattr(item, "obj", None)
    module = getattr(item, "module", None)
    if function is None or module is None:
        return None, False
    path = getattr(module, "__file__", "")
    if path not in _module_imports:
        try:
            _module_imports[path] = _autograd_imports(ast.parse(Path(path).read_text()))
        except (OSError, SyntaxError):
            _module_imports[path] = {}
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None, False
    imported = dict(_module_imports[path])
    imported.update(_autograd_imports(tree))
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    containers = False
    for name in sorted(used):
        value = function.__globals__.get(name)
        origin = imported.get(name)
        if isinstance(value, NAStub):
            return f"uses {value.name}, which has no srcad equivalent", containers
        if origin and origin.rsplit(".", 1)[-1] in ("isinstance", "type"):
            return f"uses {origin}, which has no srcad equivalent", containers
        if origin and origin.rsplit(".", 1)[-1] in ("list", "tuple", "dict"):
            containers = True
    return None, containers


# ----------------------------------------------------------------------------------------
# The pytest plugin
# ----------------------------------------------------------------------------------------

class Result:
    def __init__(self, nodeid: str):
        self.nodeid = nodeid
        self.file = nodeid.split("::")[0]
        self.category: str | None = None  # None: never ran
        self.reason = ""
        self.order2_only = False
        self.containers = False
        self.notes: list[str] = []
        self.seconds = 0.0


class Plugin:
    def __init__(self, timeout: float):
        self.timeout = timeout
        self.results: dict[str, Result] = {}
        self.collect_errors: list[tuple[str, str]] = []

    def _result(self, item) -> Result:
        key = _short_id(item.nodeid)
        if key not in self.results:
            self.results[key] = Result(key)
        return self.results[key]

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append((report.nodeid, str(report.longrepr).splitlines()[-1]))

    def pytest_collection_modifyitems(self, session, config, items):
        for item in items:
            result = self._result(item)
            reason, result.containers = static_look(item)
            reason = AUTOGRAD_INTERNALS.get(_short_id(item.nodeid).split("[")[0], reason)
            if reason:
                item.add_marker(pytest.mark.skip(reason="srcad-na: " + reason))

    def pytest_runtest_setup(self, item):
        xc.STATE = xc.RunState(seed=zlib.crc32(item.nodeid.encode()), collect_order2=True)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item):
        def expire(signum, frame):
            raise xc.TestTimeout(f"timed out after {self.timeout:.0f} s")
        signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, self.timeout)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item):
        signal.setitimer(signal.ITIMER_REAL, 0)

    def pytest_runtest_makereport(self, item, call):
        result = self._result(item)
        if call.when == "call":
            signal.setitimer(signal.ITIMER_REAL, 0)
            result.seconds = call.duration
        if call.when == "teardown" or (call.when == "setup" and call.excinfo is None):
            return
        state = xc.STATE
        excinfo = call.excinfo
        if excinfo is not None and excinfo.errisinstance(_skip_exception()):
            text = str(excinfo.value.msg if hasattr(excinfo.value, "msg") else excinfo.value)
            result.category = NA
            result.reason = text[len("srcad-na: "):] if text.startswith("srcad-na: ") \
                else f"skipped by the test: {text}"
            return
        result.notes = sorted(set(state.notes))
        if excinfo is None:
            category, reason = PASS, ""
        else:
            category, reason = xc.classify(excinfo.value, state.srcad_calls > 0)
        if category in (PASS, NA) and state.order2:
            category, reason = state.order2[0]
            result.order2_only = True
        elif category == PASS and state.srcad_calls == 0:
            category, reason = NA, "takes no derivative with srcad"
        result.category, result.reason = category, reason


def _skip_exception():
    return pytest.skip.Exception


def _short_id(nodeid: str) -> str:
    return nodeid.split("/")[-1]


def run_pytest(test_dir: str, files: list[str], keyword: str | None, timeout: float,
               verbose: bool) -> Plugin:
    plugin = Plugin(timeout)
    ini = os.path.join(test_dir, "srcad_external_pytest.ini")
    Path(ini).write_text("[pytest]\n")
    args = [os.path.join(test_dir, f) for f in files]
    args += ["-c", ini, "--rootdir", test_dir, "-p", "no:cacheprovider", "-p", "no:randomly",
             "-W", "ignore", "-q" if verbose else "-qq", "--tb=no", "-rN",
             "--continue-on-collection-errors", "--no-header",
             "-o", "console_output_style=classic"]
    if keyword:
        args += ["-k", keyword]
    old_cwd = os.getcwd()
    os.chdir(test_dir)
    try:
        pytest.main(args, plugins=[plugin])
    finally:
        os.chdir(old_cwd)
    return plugin


# ----------------------------------------------------------------------------------------
# The report
# ----------------------------------------------------------------------------------------

COLUMNS = ["file", "tests", "N/A", "applicable", "PASS", "WRONG", "CRASH", "REFUSED",
           "order-2 only"]


def _row(name: str, results: list[Result]) -> list:
    applicable = [r for r in results if r.category != NA]
    count = lambda c: sum(r.category == c for r in applicable)  # noqa: E731
    return [name, len(results), len(results) - len(applicable), len(applicable),
            count(PASS), count(WRONG), count(CRASH), count(REFUSED),
            sum(r.order2_only for r in applicable)]


def make_report(plugin: Plugin, files: list[str], checkout: str, seconds: float) -> str:
    not_run = [r for r in plugin.results.values() if r.category is None]
    results = [r for r in plugin.results.values() if r.category is not None]
    by_file = {f: [r for r in results if r.file == f] for f in files}
    rows = [_row(f, rs) for f, rs in by_file.items()]
    total = _row("**total**", results)
    applicable = [r for r in results if r.category != NA]
    out = ["# srcad against autograd's test suite",
           "",
           f"- autograd: {checkout}",
           f"- srcad: {_srcad_version()}",
           f"- run: finished {datetime.datetime.now():%Y-%m-%d %H:%M}, {seconds:.0f} s, "
           f"Python {sys.version.split()[0]}, NumPy {np.__version__}",
           f"- files: {', '.join(files)}",
           "",
           xc.md_table(COLUMNS, rows + [total]),
           ""]
    container = [r for r in applicable if r.containers]
    if container:
        passed = sum(r.category == PASS for r in container)
        out += [f"{len(container)} applicable tests use autograd's container constructors "
                f"(`autograd.tuple`/`list`/`dict`), run here as Python's own ({passed} of "
                f"them pass). Counted as N/A instead, the totals would be "
                f"{len(applicable) - len(container)} applicable, "
                f"{total[4] - passed} PASS.", ""]
    o3 = [r for r in applicable if any(n.startswith("order 3") for n in r.notes)]
    if o3:
        out += [f"{len(o3)} applicable tests ask for order-3 checks; they are checked to "
                "order 2.", ""]
    if plugin.collect_errors:
        out += ["## Collection errors", "",
                "Modules that fail to import under the shim (their tests are not counted):",
                ""]
        out += [f"- `{n}`: {e}" for n, e in plugin.collect_errors]
        out.append("")
    if not_run:
        out += [f"{len(not_run)} collected tests did not run (not counted): "
                + ", ".join(f"`{r.nodeid}`" for r in not_run[:20]), ""]
    for category in (WRONG, CRASH):
        listed = sorted((r for r in applicable if r.category == category),
                        key=lambda r: r.nodeid)
        out += [f"## {category} ({len(listed)})", ""]
        out += [f"- `{r.nodeid}`: {r.reason}" for r in listed] or ["(none)"]
        out.append("")
    refused = [(r.nodeid, xc.refusal_group(r.reason)) for r in applicable
               if r.category == REFUSED]
    out += [f"## REFUSED ({len(refused)}), grouped by reason", ""]
    out += [xc.md_table(["tests", "reason (first line of the SrcadError)", "e.g."],
                        [[n, _cell(reason), f"`{ex}`"] for n, reason, ex in
                         xc.grouped(refused)])] if refused else ["(none)"]
    out.append("")
    order2 = sorted((r for r in applicable if r.order2_only), key=lambda r: r.nodeid)
    out += [f"## Order-2 only ({len(order2)})", "",
            "First-order checks pass; the second-order check fails.", ""]
    out += [f"- `{r.nodeid}` ({r.category}): {r.reason}" for r in order2] or ["(none)"]
    out.append("")
    na = [(r.nodeid, r.reason) for r in results if r.category == NA]
    out += [f"## N/A ({len(na)}), grouped by reason", ""]
    out += [xc.md_table(["tests", "reason", "e.g."],
                        [[n, _cell(reason), f"`{ex}`"] for n, reason, ex in xc.grouped(na)])] \
        if na else ["(none)"]
    out += ["", "<details><summary>Every test</summary>", "",
            xc.md_table(["test", "result", "seconds", "reason"],
                        [[f"`{r.nodeid}`", r.category + (" (order 2 only)" if r.order2_only
                                                         else ""),
                          f"{r.seconds:.1f}", _cell(r.reason)]
                         for r in sorted(results, key=lambda r: r.nodeid)]),
            "", "</details>", ""]
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _srcad_version() -> str:
    try:
        commit = subprocess.run(["git", "-C", str(xc.REPO_ROOT), "rev-parse", "--short",
                                 "HEAD"], check=True, capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(xc.REPO_ROOT), "status", "--porcelain",
                                "--", "srcad"], check=True, capture_output=True,
                               text=True).stdout.strip()
        return f"{srcad.__version__}, working tree at {commit}" + \
            (" with uncommitted changes under srcad/" if dirty else "")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return srcad.__version__


# ----------------------------------------------------------------------------------------
# Self-test: the checker and the classification on cases whose answer is known
# ----------------------------------------------------------------------------------------

_SELFTEST_TESTS = '''
import autograd.numpy as np
import autograd.numpy.random as npr
from autograd import grad
from autograd.extend import primitive
from autograd.test_util import check_grads, combo_check
from selftest_rules import bad_sin, crashy, square, unconjugated


def test_pass_expected():
    check_grads(lambda x: np.sum(np.tanh(x) * x))(npr.randn(3, 2))
    check_grads(lambda x, y: x * y)(npr.randn(3), 2.5)
    combo_check(np.var, [0])([npr.randn(3, 4)], axis=[None, 1], keepdims=[True, False])


def test_wrong_expected():
    check_grads(lambda x: np.sum(bad_sin(x)))(npr.randn(3))


def test_wrong_assertion_expected():
    assert grad(lambda x: x * x)(3.0) == 7.0


def test_refused_expected():
    def f(x):
        try:
            return np.sin(x)
        except ValueError:
            return 0.0
    check_grads(f)(0.5)


def test_crash_expected():
    check_grads(lambda x: np.sum(crashy(x)), modes=["rev"])(npr.randn(3))


def test_order2_only_expected():
    check_grads(lambda x: np.sum(square(x)))(npr.randn(3))


def test_na_primitive_expected():
    @primitive
    def f(x):
        return x
    check_grads(f)(1.0)


def test_na_numpy_only_expected():
    check_grads(lambda x: np.make_diagonal(x, axis1=-1, axis2=-2))(npr.randn(3))


def test_complex_convention_expected():
    # autograd's grad of a complex argument: dL/dx - 1j*dL/dy (srcad's, conjugated)
    assert np.allclose(grad(lambda z: np.abs(z) ** 2)(1.0 + 2.0j), 2.0 - 4.0j)
    a = np.array([0.3, -1.2, 0.7])
    assert np.allclose(grad(lambda z: np.sum(np.imag(z * z)))(a + 0.5j), 1.0 - 2.0j * a)
    check_grads(lambda z: np.sum(np.abs(np.exp(z) * np.conj(z))))(npr.randn(3) + 1j * npr.randn(3))


def test_complex_wrong_expected():
    check_grads(lambda z: np.sum(np.real(unconjugated(z))))(npr.randn(3) + 1j * npr.randn(3))
'''


def self_test(verbose: bool = True) -> int:
    """Check the checker: known-correct derivatives pass, deliberately wrong ones are
    WRONG (first order, and second order only), and the classification of a small
    synthetic test module comes out as expected. Returns the number of failures."""
    global WRAPPERS
    failures = 0
    folder = tempfile.mkdtemp(prefix="srcad_autograd_selftest_")
    atexit.register(shutil.rmtree, folder, True)
    WRAPPERS = xc.Wrappers(os.path.join(folder, "wrappers"))
    os.makedirs(WRAPPERS.folder, exist_ok=True)
    Path(folder, "test_selftest.py").write_text(_SELFTEST_TESTS)
    rules = xc.selftest_rules(folder)
    install_shim()

    def expect(label, thunk, error):
        nonlocal failures
        try:
            thunk()
            got = None
        except Exception as exc:  # noqa: BLE001
            got = exc
        ok = (got is None) if error is None else isinstance(got, error)
        failures += not ok
        if verbose or not ok:
            print(f"  {'ok  ' if ok else 'FAIL'} {label}: "
                  f"{'no error' if got is None else xc.short(got)}")

    rng = np.random.RandomState(0)
    xc.STATE = xc.RunState(seed=1)

    def check(f, args, positions=(0,), kwargs=None, **options):
        return lambda: xc.check_derivatives(WRAPPERS, f, args, kwargs or {}, positions,
                                            **options)

    def tanh_x(x):
        return np.tanh(x) * x

    def product(x, y):
        return x * y

    def two_outputs(x):
        return np.sin(x), np.sum(x ** 2)

    def list_argument(xs):
        return np.sum(xs[0] * xs[1])

    def uses_bad_sin(x):
        return np.sum(rules.bad_sin(x))

    def uses_square(x):
        return np.sum(rules.square(x))

    def complex_mix(z, x):
        return np.exp(z) * np.conj(z) + np.abs(z) * x

    def uses_unconjugated(z):
        return np.sum(np.abs(rules.unconjugated(z)))

    print("checker on known-correct derivatives:")
    expect("tanh(x) * x, array", check(tanh_x, [rng.randn(3, 2)]), None)
    expect("x * y broadcast, both", check(product, [rng.randn(3), rng.randn(2, 1)], (0, 1)),
           None)
    expect("np.var with keywords (wrapper)",
           check(np.var, [rng.randn(3, 4)], kwargs={"axis": 1, "keepdims": True}), None)
    expect("tuple output", check(two_outputs, [rng.randn(4)]), None)
    expect("list argument, reverse mode",
           check(list_argument, [[rng.randn(2), rng.randn(2)]], modes=("rev",), order=1),
           None)
    cz = rng.randn(3) + 1j * rng.randn(3)
    expect("complex and real arguments, complex output",
           check(complex_mix, [cz, rng.randn(3)], (0, 1)), None)
    expect("the unconjugated rule on real values", check(uses_unconjugated, [rng.randn(3)]),
           None)
    print("checker on deliberately wrong derivatives:")
    expect("an adjoint in autograd's complex convention, reverse mode",
           check(uses_unconjugated, [cz], modes=("rev",), order=1), xc.GradientMismatch)
    expect("same function, forward mode (its tangent rule is right)",
           check(uses_unconjugated, [cz], modes=("fwd",), order=1), None)
    expect("wrong adjoint rule, reverse mode",
           check(uses_bad_sin, [rng.randn(3)], modes=("rev",), order=1), xc.GradientMismatch)
    expect("same function, forward mode (its tangent rule is right)",
           check(uses_bad_sin, [rng.randn(3)], modes=("fwd",), order=1), None)
    expect("right first derivative, wrong second", check(uses_square, [rng.randn(3)]),
           xc.GradientMismatch)
    expect("same, first order only", check(uses_square, [rng.randn(3)], order=1), None)
    xc.STATE = xc.RunState(seed=2, collect_order2=True)
    expect("same, order 2 collected", check(uses_square, [rng.randn(3)]), None)
    ok = [c for c, _ in xc.STATE.order2] == [WRONG]
    failures += not ok
    print(f"  {'ok  ' if ok else 'FAIL'} the order-2 failure is recorded: {xc.STATE.order2}")

    print("classification of a synthetic test module:")
    plugin = run_pytest(folder, ["test_selftest.py"], None, 120.0, verbose=False)
    expected = {"pass": PASS, "wrong": WRONG, "wrong_assertion": WRONG, "refused": REFUSED,
                "crash": CRASH, "order2_only": WRONG, "na_primitive": NA,
                "na_numpy_only": NA, "complex_convention": PASS, "complex_wrong": WRONG}
    for name, want in expected.items():
        result = plugin.results.get(f"test_selftest.py::test_{name}_expected")
        got = result.category if result else "missing"
        ok = got == want and (name != "order2_only" or result.order2_only)
        failures += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} test_{name}_expected: {got}"
              f"{' (order 2 only)' if result and result.order2_only else ''}"
              f"{': ' + result.reason if result and result.reason else ''}")
    sys.path.remove(folder)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"self-test: {'passed' if not failures else f'{failures} FAILED'}")
    return failures


# ----------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    global WRAPPERS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--autograd", help="autograd checkout or git repository "
                        "(default: $AUTOGRAD_SRC, else the snapshot in /work/.mirror)")
    parser.add_argument("--files", nargs="+", default=DEFAULT_FILES,
                        help="test modules under autograd's tests/ to run")
    parser.add_argument("--extended", action="store_true",
                        help=f"also run {', '.join(EXTENDED_FILES)}")
    parser.add_argument("--report", help="write the markdown report here")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds per test before it counts as CRASH (default 300)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the checker on known cases, then exit")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.self_test:
        return 1 if self_test() else 0
    if args.extended:
        args.files = list(args.files) + [f for f in EXTENDED_FILES if f not in args.files]
    source = locate_autograd(args.autograd)
    if source is None:
        print("no autograd checkout: pass --autograd PATH or set AUTOGRAD_SRC")
        return 2
    work = tempfile.mkdtemp(prefix="srcad_autograd_")
    try:
        test_dir = export_tests(source, work)
        missing = [f for f in args.files if not os.path.exists(os.path.join(test_dir, f))]
        if missing:
            print(f"not in {source}/tests: {', '.join(missing)}")
            return 2
        WRAPPERS = xc.Wrappers(os.path.join(work, "wrappers"))
        os.makedirs(WRAPPERS.folder, exist_ok=True)
        install_shim()
        start = datetime.datetime.now()
        plugin = run_pytest(test_dir, args.files, args.keyword, args.timeout, args.verbose)
        seconds = (datetime.datetime.now() - start).total_seconds()
        report = make_report(plugin, args.files, describe_checkout(source), seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report)
    if args.report:
        Path(args.report).write_text(report + "\n")
        print(f"report written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
