"""Shared machinery of the external-corpus runners (`autograd_suite.py`, `tangent_corpus.py`).

Nothing here is copied from the corpora: it is srcad's side of the comparison.

- outcome categories and the classification of an exception (did srcad refuse, crash,
  or return a wrong derivative?);
- small pytree helpers (lists, tuples, dicts of floats and arrays) and finite differences;
- `Wrappers`: Python functions generated into a temporary folder, so that srcad (which
  reads source with `inspect`) can differentiate a call with constants and keyword
  arguments bound, or a NumPy/SciPy callable that has no Python source of its own;
- `check_derivatives`: a derivative checker in the manner of autograd's `check_grads`
  (random-direction inner products against central differences), built on srcad's
  `vjp`, `jvp` and `grad`;
- complex values, in srcad's convention (docs/complex.md) throughout: a complex leaf
  `z = x + 1j*y` is a point of R^2, moved along random directions `vx + 1j*vy` in both
  parts at once (`rand_like`, `axpy`); `inner` is the real inner product
  `Re(sum(conj(a) * b))`. So a VJP check compares `<v, pullback(u)>` (srcad's gradient
  dL/dx + 1j*dL/dy of L = Re<u, f>, the cotangent's meaning in srcad) with the central
  difference of `Re<u, f(x + h v)>`, and a JVP check `<w, jvp(v)>` with that of
  `Re<w, f(x + h v)>`: both are real checks against finite differences, so a
  conjugated (autograd's or JAX's convention) or otherwise wrong complex derivative is
  WRONG. (The autograd shim converts srcad's results to autograd's convention only
  where a test's own assertions read them; see `autograd_suite.to_autograd`.)
- markdown report helpers.
"""

from __future__ import annotations

import collections
import copy
import importlib.util
import inspect
import math
import os
import re
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import srcad  # noqa: E402  (the working tree's srcad, not an installed copy)

SRCAD_DIR = os.path.dirname(os.path.abspath(srcad.__file__))

PASS, WRONG, REFUSED, CRASH, NA, PRIMAL = "PASS", "WRONG", "REFUSED", "CRASH", "N/A", \
    "PRIMAL FAILS"


# ----------------------------------------------------------------------------------------
# Outcomes
# ----------------------------------------------------------------------------------------

class NotApplicable(Exception):
    """The test or function measures something srcad has no equivalent for."""


class PrimalFailed(NotApplicable):
    """The function itself fails on its inputs, without srcad."""


class GradientMismatch(AssertionError):
    """srcad returned a derivative (or value) that disagrees with finite differences."""


class TestTimeout(Exception):
    """A test ran past the runner's per-test limit."""

    __test__ = False  # not a pytest class


def first_line(exc_or_text: Any) -> str:
    text = str(exc_or_text).strip()
    return text.splitlines()[0] if text else type(exc_or_text).__name__


def short(exc: BaseException, limit: int = 160) -> str:
    text = f"{type(exc).__name__}: {first_line(exc)}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def from_srcad(exc: BaseException) -> bool:
    """Whether `exc` was raised inside srcad or inside code srcad generated."""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith("<srcad") or os.path.abspath(name).startswith(SRCAD_DIR + os.sep):
            return True
        tb = tb.tb_next
    return False


_AUTOGRAD_ONLY = re.compile(r"module '(numpy|scipy)[\w.]*' has no attribute '(\w+)'")


def classify(exc: BaseException, srcad_called: bool) -> tuple[str, str]:
    """(category, reason) for an exception that ended a check or a test."""
    if isinstance(exc, NotApplicable):
        return NA, first_line(exc)
    tag = f"[{exc.srcad_stage}] " if getattr(exc, "srcad_stage", None) else ""
    note = f" ({exc.srcad_note})" if getattr(exc, "srcad_note", None) else ""
    if isinstance(exc, srcad.SrcadError):
        return REFUSED, f"{tag}{type(exc).__name__}: {first_line(exc)}{note}"
    if isinstance(exc, GradientMismatch):
        return WRONG, tag + first_line(exc) + note
    if isinstance(exc, TestTimeout):
        return CRASH, first_line(exc)
    if from_srcad(exc):
        return CRASH, tag + short(exc) + note
    match = _AUTOGRAD_ONLY.search(str(exc)) if isinstance(exc, AttributeError) else None
    if match:
        return NA, f"uses {match.group(2)!r}, which plain {match.group(1)} does not have"
    if type(exc).__name__ == "Failed" and str(exc).startswith("DID NOT RAISE"):
        return NA, f"the test expects autograd to raise; srcad does not ({first_line(exc)})"
    if isinstance(exc, AssertionError):
        if srcad_called:
            return WRONG, f"the test's own assertion fails: {short(exc)}"
        return NA, f"the test's assertion fails before srcad is called: {short(exc)}"
    if not srcad_called:
        return NA, f"the test fails before srcad is called: {short(exc)}"
    return CRASH, f"raised in the test after srcad returned: {short(exc)}"


def refusal_group(reason: str) -> str:
    """A refusal reason without the name of the function it happened in."""
    return re.sub(r"in function '[^']*': ", "", reason)


# ----------------------------------------------------------------------------------------
# Pytrees and finite differences
# ----------------------------------------------------------------------------------------

def is_container(x: Any) -> bool:
    return isinstance(x, (list, tuple, dict))


def leaf_kind(x: Any) -> str | None:
    """'float', 'complex' or None (a constant: ints, bools, strings, None, ...)."""
    if isinstance(x, bool) or x is None:
        return None
    if isinstance(x, float) or (isinstance(x, np.generic) and np.issubdtype(x.dtype, np.floating)):
        return "float"
    if isinstance(x, complex) or (isinstance(x, np.generic)
                                  and np.issubdtype(x.dtype, np.complexfloating)):
        return "complex"
    if isinstance(x, np.ndarray):
        if np.issubdtype(x.dtype, np.floating):
            return "float"
        if np.issubdtype(x.dtype, np.complexfloating):
            return "complex"
    return None


def tree_map(fn, tree: Any, *rest: Any) -> Any:
    """Apply `fn` leafwise; `rest` trees follow `tree`'s structure (None: missing)."""
    if isinstance(tree, dict):
        return type(tree)((k, tree_map(fn, v, *[_child(r, k) for r in rest]))
                          for k, v in tree.items())
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*[tree_map(fn, v, *[_child(r, i) for r in rest])
                            for i, v in enumerate(tree)])
    if isinstance(tree, (list, tuple)):
        return type(tree)(tree_map(fn, v, *[_child(r, i) for r in rest])
                          for i, v in enumerate(tree))
    return fn(tree, *rest)


def _child(tree: Any, key: Any) -> Any:
    if tree is None or not is_container(tree):
        return None
    try:
        return tree[key]
    except (KeyError, IndexError, TypeError):
        return None


def tree_leaves(tree: Any) -> list:
    out: list = []
    tree_map(out.append, tree)
    return out


def leaf_paths(tree: Any, prefix: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, leaf) for every leaf; a path is a tuple of keys and indices."""
    if isinstance(tree, dict):
        return [p for k, v in tree.items() for p in leaf_paths(v, prefix + (k,))]
    if isinstance(tree, (list, tuple)):
        return [p for i, v in enumerate(tree) for p in leaf_paths(v, prefix + (i,))]
    return [(prefix, tree)]


def rand_like(tree: Any, rng: np.random.RandomState) -> Any:
    """A random direction in the space of `tree`'s float and complex leaves."""
    def one(x):
        kind = leaf_kind(x)
        if kind is None:
            return None
        shape = np.shape(x)
        r = rng.randn(*shape)
        if kind == "complex":
            r = r + 1j * rng.randn(*shape)
        return r if shape or isinstance(x, np.ndarray) else complex(r) if kind == "complex" \
            else float(r)
    return tree_map(one, tree)


def axpy(tree: Any, direction: Any, scale: float) -> Any:
    """`tree + scale * direction` on the float and complex leaves, a new object."""
    def one(x, d):
        if d is None or leaf_kind(x) is None:
            return copy.deepcopy(x)
        y = x + scale * d
        if isinstance(x, float):
            return float(y)
        if isinstance(x, complex):
            return complex(y)
        if isinstance(x, np.ndarray):
            return np.asarray(y, dtype=x.dtype)
        return type(x)(y)
    return tree_map(one, tree, direction)


def inner(a: Any, b: Any) -> float:
    """The real inner product of two trees (missing or constant leaves count as 0)."""
    total = 0.0
    def one(x, y):
        nonlocal total
        if x is None or y is None or leaf_kind(x) is None and not _is_number(x):
            return
        if leaf_kind(y) is None and not _is_number(y):
            return
        total += float(np.real(np.sum(np.conj(np.asarray(x)) * np.asarray(y))))
    tree_map(one, a, b)
    return total


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, complex, np.number, np.ndarray)) and not isinstance(x, bool)


def scalar_close(a: float, b: float, tol: float = 1e-6, rtol: float = 1e-6) -> bool:
    """autograd's criterion: absolute difference under tol, or relative under rtol."""
    d = abs(a - b)
    return d < tol or (abs(a + b) > 0 and d / abs(a + b) < rtol)


_STENCILS = {2: ((0.5, 1.0), (-0.5, -1.0)),                 # (f(x+h/2) - f(x-h/2)) / h
             4: ((2.0, -1 / 12), (1.0, 8 / 12), (-1.0, -8 / 12), (-2.0, 1 / 12))}


def fd_directional(F, xs: list, vs: list, h: float, order: int = 2) -> Any:
    """The derivative of the tree `F(*xs)` along `vs`, by central differences."""
    total = None
    for offset, weight in _STENCILS[order]:
        point = [axpy(x, v, offset * h) for x, v in zip(xs, vs)]
        value = F(*point)
        term = tree_map(lambda y, w=weight: (w / h) * np.asarray(y)
                        if leaf_kind(y) is not None else None, value)
        total = term if total is None else tree_map(
            lambda a, b: None if a is None or b is None else a + b, total, term)
    return total


def derivative_agrees(exact: float, numeric) -> tuple[bool, float]:
    """Whether `exact` matches `numeric(h, order)`: first autograd's own test (step 1e-6,
    tolerances 1e-6); where that fails, fourth-order differences at larger steps with a
    relative tolerance of 1e-5, so that rounding in the differences alone never makes a
    WRONG."""
    first = numeric(1e-6, 2)
    if math.isfinite(first) and scalar_close(exact, first):
        return True, first
    for h in (1e-3, 1e-4, 1e-5):
        value = numeric(h, 4)
        if math.isfinite(value) and abs(exact - value) <= 1e-6 + 1e-5 * max(abs(exact),
                                                                              abs(value)):
            return True, value
    return False, first


def structure_problem(got: Any, ref: Any, what: str) -> str | None:
    """Why `got` (a derivative srcad returned) cannot be shaped like `ref`, or None."""
    if isinstance(ref, dict):
        if not isinstance(got, dict) or set(got) != set(ref):
            return f"{what}: expected a dict with keys {sorted(map(str, ref))}, got {_desc(got)}"
        for k in ref:
            problem = structure_problem(got[k], ref[k], f"{what}[{k!r}]")
            if problem:
                return problem
        return None
    if isinstance(ref, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(ref):
            return f"{what}: expected a {type(ref).__name__} of {len(ref)}, got {_desc(got)}"
        for i, (g, r) in enumerate(zip(got, ref)):
            problem = structure_problem(g, r, f"{what}[{i}]")
            if problem:
                return problem
        return None
    kind = leaf_kind(ref)
    if kind is None:
        return None  # a constant: srcad returns None (or zeros) for it
    if got is None:
        return f"{what}: got None for a differentiable value"
    if is_container(got):
        return f"{what}: expected {_desc(ref)}, got {_desc(got)}"
    if np.shape(got) != np.shape(ref):
        if np.ndim(got) == 0 and np.all(np.asarray(got) == 0):
            return None  # a zero standing for zeros
        return f"{what}: expected shape {np.shape(ref)}, got shape {np.shape(got)}"
    if kind == "float" and np.iscomplexobj(got) and np.any(np.imag(got) != 0):
        return f"{what}: a real value got a complex derivative"
    return None


def _desc(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"array{x.shape} {x.dtype}"
    if isinstance(x, (list, tuple, dict)):
        return f"{type(x).__name__} of {len(x)}"
    return type(x).__name__


def values_differ(got: Any, ref: Any) -> str | None:
    """Why srcad's primal output `got` differs from the plain function's `ref`, or None."""
    gl, rl = leaf_paths(got), leaf_paths(ref)
    if len(gl) != len(rl):
        return f"srcad's output has {len(gl)} leaves, the function's {len(rl)}"
    for (path, g), (_, r) in zip(gl, rl):
        if leaf_kind(r) is None and not _is_number(r):
            continue
        try:
            same = np.shape(g) == np.shape(r) and np.allclose(
                np.asarray(g), np.asarray(r), rtol=1e-7, atol=1e-10, equal_nan=True)
        except TypeError:
            same = False
        if not same:
            return f"srcad computes a different value at output{list(path)}"
    return None


# ----------------------------------------------------------------------------------------
# Generated wrappers
# ----------------------------------------------------------------------------------------

class Wrappers:
    """Python functions written to a temporary folder, so srcad can read their source.

    `call(f, nargs, positions, kwnames)` makes `make(f, *consts)`, returning a function
    of the differentiated arguments (`x0`, `x1`, ...) that calls `f` with the constants
    in the other positions and the keyword arguments; `objective(...)` the same with
    extra parameters `u...` and the inner product of the output with them (a scalar
    whose gradient is the vector-Jacobian product); `summed(...)` returns `np.sum` of
    the output; `real_part(...)` its real part.
    """

    def __init__(self, folder: str | None = None):
        self.folder = folder or tempfile.mkdtemp(prefix="srcad_external_")
        self._made: dict[str, Any] = {}

    def _module(self, text: str) -> Any:
        make = self._made.get(text)
        if make is None:
            name = f"srcad_ext_wrapper_{len(self._made)}"
            path = os.path.join(self.folder, name + ".py")
            with open(path, "w") as fh:
                fh.write(text)
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            make = self._made[text] = module.make
        return make

    @staticmethod
    def _pieces(nargs: int, positions: tuple, kwnames: tuple) -> tuple[list, list]:
        args = [f"x{positions.index(j)}" if j in positions else f"c{j}" for j in range(nargs)]
        args += [f"{k}=kw_{k}" for k in kwnames]
        consts = [f"c{j}" for j in range(nargs) if j not in positions]
        consts += [f"kw_{k}" for k in kwnames]
        return args, consts

    def _build(self, name: str, params: list, body: list, consts: list) -> Any:
        text = ("import numpy as np\n\n\n"
                f"def make({', '.join(['f'] + consts)}):\n"
                f"    def {name}({', '.join(params)}):\n"
                + "".join(f"        {line}\n" for line in body)
                + f"    return {name}\n")
        return self._module(text)

    @staticmethod
    def _bind(make, f, args: list, kwargs: dict, positions: tuple):
        consts = [a for j, a in enumerate(args) if j not in positions]
        return make(f, *consts, *kwargs.values())

    def call(self, f, args: list, kwargs: dict, positions: tuple) -> Any:
        call, consts = self._pieces(len(args), positions, tuple(kwargs))
        params = [f"x{i}" for i in range(len(positions))]
        make = self._build("checked", params, [f"return f({', '.join(call)})"], consts)
        return self._bind(make, f, args, kwargs, positions)

    def summed(self, f, args: list, kwargs: dict, positions: tuple) -> Any:
        call, consts = self._pieces(len(args), positions, tuple(kwargs))
        params = [f"x{i}" for i in range(len(positions))]
        make = self._build("summed", params, [f"return np.sum(f({', '.join(call)}))"], consts)
        return self._bind(make, f, args, kwargs, positions)

    def real_part(self, f, args: list, kwargs: dict, positions: tuple) -> Any:
        call, consts = self._pieces(len(args), positions, tuple(kwargs))
        params = [f"x{i}" for i in range(len(positions))]
        make = self._build("real_part", params, [f"return np.real(f({', '.join(call)}))"],
                           consts)
        return self._bind(make, f, args, kwargs, positions)

    def objective(self, f, args: list, kwargs: dict, positions: tuple,
                  out_leaves: list[tuple[tuple, str]]) -> tuple[Any, list[tuple]]:
        """phi(x..., u...) = <f(...), u>; returns phi and, per u parameter, the output
        leaf path and which part (None: real leaf; 'real'/'imag' of a complex leaf)."""
        call, consts = self._pieces(len(args), positions, tuple(kwargs))
        params = [f"x{i}" for i in range(len(positions))]
        terms, us = [], []
        for j, (path, kind) in enumerate(out_leaves):
            ref = "out" + "".join(f"[{k!r}]" for k in path)
            if kind == "complex":
                params += [f"u{j}r", f"u{j}i"]
                us += [(path, "real"), (path, "imag")]
                terms.append(f"np.sum(np.real({ref}) * u{j}r + np.imag({ref}) * u{j}i)")
            else:
                params.append(f"u{j}")
                us.append((path, None))
                terms.append(f"np.sum({ref} * u{j})")
        body = [f"out = f({', '.join(call)})", f"return {' + '.join(terms)}"]
        make = self._build("vjp_objective", params, body, consts)
        return self._bind(make, f, args, kwargs, positions), us


def has_own_source(f: Any) -> bool:
    """A Python function of the code under test (not NumPy's or SciPy's own Python)."""
    if not isinstance(f, types.FunctionType):
        return False
    module = getattr(f, "__module__", "") or ""
    return module.split(".")[0] not in ("numpy", "scipy", "functools")


def plain_signature(f: Any, nargs: int) -> bool:
    """`f` takes exactly `nargs` positional parameters (no defaults left, no *args)."""
    code = f.__code__
    if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or \
            code.co_kwonlyargcount:
        return False
    return code.co_argcount == nargs


# ----------------------------------------------------------------------------------------
# The checker
# ----------------------------------------------------------------------------------------

class RunState:
    """What the current test did: srcad calls, order-2 failures, notes."""

    def __init__(self, seed: int = 0, collect_order2: bool = False):
        self.srcad_calls = 0
        self.checks = 0
        self.order2: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.collect_order2 = collect_order2
        self.rng = np.random.RandomState(seed)


STATE = RunState()


def srcad_call(fn, *args, **kwargs):
    STATE.srcad_calls += 1
    return fn(*args, **kwargs)


class Target:
    """The function handed to srcad for f(*args, **kwargs) differentiated at `positions`:
    `f` itself where srcad can read it and call it as given, else a generated wrapper."""

    def __init__(self, wrappers: Wrappers, f, args: list, kwargs: dict, positions: tuple):
        self.f, self.args, self.kwargs, self.positions = f, list(args), dict(kwargs), positions
        self.direct = has_own_source(f) and not kwargs and plain_signature(f, len(args))
        self.fn = f if self.direct else wrappers.call(f, self.args, self.kwargs, positions)

    def full(self, xs: list) -> list:
        if not self.direct:
            return list(xs)
        out = list(self.args)
        for p, x in zip(self.positions, xs):
            out[p] = x
        return out

    @property
    def wrt(self) -> tuple:
        return self.positions if self.direct else tuple(range(len(self.positions)))

    def tangents(self, vs: list) -> list:
        if not self.direct:
            return list(vs)
        out: list = [None] * len(self.args)
        for p, v in zip(self.positions, vs):
            out[p] = v
        return out

    def plain(self, *xs):
        """The function of the differentiated arguments, run without srcad."""
        full = list(copy.deepcopy(self.args))
        for p, x in zip(self.positions, xs):
            full[p] = x
        return self.f(*full, **self.kwargs)


def check_derivatives(wrappers: Wrappers, f, args: list, kwargs: dict, positions: tuple,
                      modes: tuple = ("fwd", "rev"), order: int = 2) -> None:
    """Check srcad's derivatives of `f(*args, **kwargs)` with respect to `args[p]` for
    `p` in `positions`, in the manner of autograd's `check_grads`.

    First order: the VJP from `srcad.vjp` (and, with "fwd" in `modes`, the JVP from
    `srcad.jvp`) against central differences, through random-vector inner products.
    Order 2: the VJP function `(x, u) -> J(x)^T u`, made by `srcad.grad` of
    `<f(x), u>`, differentiated again by `srcad.jvp` with respect to both `x` and `u`,
    against central differences of that VJP function. (srcad transforms a function made
    by `srcad.grad` again with `jvp` or `grad`, not one made by `jvp`, and `grad` needs a
    scalar: so forward-over-reverse is its second-order route for array functions, and
    it is used for both modes.) Orders above 2 are checked to order 2.

    Raises GradientMismatch (WRONG), PrimalFailed (the function fails without srcad), or
    whatever srcad raised. With `STATE.collect_order2`, an order-2 failure is recorded in
    `STATE.order2` instead of raised.
    """
    STATE.checks += 1
    target = Target(wrappers, f, args, kwargs, positions)
    xs = [args[p] for p in positions]
    try:
        y = target.plain(*copy.deepcopy(xs))
    except Exception as exc:
        raise PrimalFailed(f"the function raises without srcad on these inputs: "
                           f"{short(exc)}") from exc
    if "fwd" in modes:
        try:
            with stage("forward mode"):
                _check_jvp(target, xs, y)
        except Exception as exc:
            # autograd's order: the forward-mode failure decides the test; how reverse
            # mode does on the same input is noted in the reason
            if "rev" in modes and not isinstance(exc, (NotApplicable, TestTimeout)):
                try:
                    _check_vjp(target, xs, y)
                    note = "reverse mode passes"
                except Exception as rev_exc:  # noqa: BLE001
                    category = classify(rev_exc, True)[0]
                    same = category == REFUSED and isinstance(exc, srcad.SrcadError)
                    note = None if same else f"reverse mode: {category}"
                try:
                    exc.srcad_note = note
                except AttributeError:
                    pass
            raise
    if "rev" in modes:
        with stage("reverse mode"):
            _check_vjp(target, xs, y)
    if order > 1:
        if order > 2:
            STATE.notes.append(f"order {order} checked to order 2")
        try:
            with stage("order 2"):
                _check_order2(wrappers, target, xs, y)
        except Exception as exc:
            if not STATE.collect_order2:
                raise
            STATE.order2.append(classify(exc, True))


class stage:
    """Tags an exception raised by srcad within it with the check it happened in."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is not None and not hasattr(exc, "srcad_stage"):
            try:
                exc.srcad_stage = self.name
            except AttributeError:
                pass
        return False


def _numeric(F, xs, vs, weights):
    return lambda h, order: inner(weights, fd_directional(F, xs, vs, h, order))


def _check_vjp(target: Target, xs: list, y: Any) -> None:
    rng = STATE.rng
    out, pullback = srcad_call(srcad.vjp, target.fn, *target.full(copy.deepcopy(xs)),
                               wrt=target.wrt)
    problem = values_differ(out, y)
    if problem:
        raise GradientMismatch(f"srcad.vjp: {problem}")
    u = rand_like(y, rng)
    cot = tree_map(lambda leaf, d: d if d is not None else
                   (None if not _is_number(leaf) else np.zeros_like(leaf)), y, u)
    grads = srcad_call(pullback, cot)
    if not isinstance(grads, tuple) or len(grads) != len(xs):
        raise GradientMismatch(f"srcad.vjp's pullback returned {_desc(grads)}, expected a "
                               f"tuple of {len(xs)}")
    for i, (g, x) in enumerate(zip(grads, xs)):
        problem = structure_problem(g, x, f"gradient of argument {target.positions[i]}")
        if problem:
            raise GradientMismatch(f"srcad.vjp: {problem}")
    vs = [rand_like(x, rng) for x in xs]
    exact = sum(inner(v, g) for v, g in zip(vs, grads))
    ok, numeric = derivative_agrees(exact, _numeric(target.plain, xs, vs, u))
    if not ok:
        raise GradientMismatch(f"the VJP disagrees with finite differences: "
                               f"srcad {exact:.9g}, numeric {numeric:.9g}")


def _check_jvp(target: Target, xs: list, y: Any) -> None:
    rng = STATE.rng
    vs = [rand_like(x, rng) for x in xs]
    out, tangent = srcad_call(srcad.jvp, target.fn, target.full(copy.deepcopy(xs)),
                              target.tangents(vs))
    problem = values_differ(out, y)
    if problem:
        raise GradientMismatch(f"srcad.jvp: {problem}")
    problem = structure_problem(tangent, y, "output tangent")
    if problem:
        raise GradientMismatch(f"srcad.jvp: {problem}")
    w = rand_like(y, rng)
    exact = inner(w, tangent)
    ok, numeric = derivative_agrees(exact, _numeric(target.plain, xs, vs, w))
    if not ok:
        raise GradientMismatch(f"the JVP disagrees with finite differences: "
                               f"srcad {exact:.9g}, numeric {numeric:.9g}")


def _check_order2(wrappers: Wrappers, target: Target, xs: list, y: Any) -> None:
    rng = STATE.rng
    out_leaves = [(path, leaf_kind(leaf)) for path, leaf in leaf_paths(y)
                  if leaf_kind(leaf) is not None]
    if not out_leaves:
        return  # no differentiable output: nothing of second order to check
    phi, us_spec = wrappers.objective(target.f, target.args, target.kwargs,
                                      target.positions, out_leaves)
    k = len(xs)
    vjp_fn = srcad.grad(phi, wrt=tuple(range(k)))
    leaves = dict(leaf_paths(y))
    us = []
    for path, _part in us_spec:
        shape = np.shape(leaves[path])
        r = rng.randn(*shape)
        us.append(r if shape or isinstance(leaves[path], np.ndarray) else float(r))
    primals = list(xs) + us
    directions = [rand_like(x, rng) for x in xs] + [rand_like(u, rng) for u in us]
    value, tangent = srcad_call(srcad.jvp, vjp_fn, copy.deepcopy(primals), directions)
    problem = structure_problem(tangent, value, "tangent of the VJP function")
    if problem:
        raise GradientMismatch(problem)
    w = rand_like(value, rng)
    exact = inner(w, tangent)

    def evaluate(*point):
        return srcad_call(vjp_fn, *copy.deepcopy(point))

    ok, numeric = derivative_agrees(exact, _numeric(evaluate, primals, directions, w))
    if not ok:
        raise GradientMismatch(f"the derivative of the VJP function disagrees with finite "
                               f"differences: srcad {exact:.9g}, numeric {numeric:.9g}")


# ----------------------------------------------------------------------------------------
# Rules with deliberately wrong derivatives, for the runners' self-tests
# ----------------------------------------------------------------------------------------

# bad_sin: a wrong adjoint (1.5 cos x), a right tangent. square: right first derivatives
# whose templates call twice(), whose tangent is wrong (3 instead of 2): only second
# derivatives are wrong. crashy: templates that raise at run time for vectors.
# unconjugated: z * z whose adjoint is declared "native" but forgets the conjugate of
# srcad's convention (2 z dy, not 2 conj(z) dy): right for real z and in forward mode,
# wrong in reverse mode for complex z (autograd's convention, read as srcad's).
SELFTEST_RULES = '''
import numpy as np
import srcad
from srcad.rules.registry import complex_values


def bad_sin(x):
    return np.sin(x)


@srcad.adjoint(bad_sin, kind="first")
def _(y, x):
    dx = 1.5 * dy * np.cos(x)


@srcad.tangent(bad_sin)
def _(y, x):
    dy = dx * np.cos(x)


def twice(x):
    return 2.0 * x


@srcad.adjoint(twice, kind="first")
def _(y, x):
    dx = 2.0 * dy


@srcad.tangent(twice)
def _(y, x):
    dy = 3.0 * dx


def square(x):
    return x * x


@srcad.adjoint(square, kind="first")
def _(y, x):
    dx = twice(x) * dy


@srcad.tangent(square)
def _(y, x):
    dy = twice(x) * dx


def crashy(x):
    return x


@srcad.adjoint(crashy, kind="first")
def _(y, x):
    dx = np.linalg.inv(dy)


@srcad.tangent(crashy)
def _(y, x):
    dy = np.linalg.inv(dx)


def unconjugated(z):
    return z * z


@srcad.adjoint(unconjugated, kind="first")
def _(y, z):
    dz = 2.0 * z * dy


@srcad.tangent(unconjugated)
def _(y, z):
    dy = 2.0 * z * dz


complex_values(unconjugated, how="native")
'''



def selftest_rules(folder: str) -> types.ModuleType:
    """Write `SELFTEST_RULES` to `folder` as `selftest_rules.py` and import it (the
    module is importable by that name while `folder` is on sys.path)."""
    Path(folder, "selftest_rules.py").write_text(SELFTEST_RULES)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import selftest_rules
    return selftest_rules


# ----------------------------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------------------------

def md_table(header: list[str], rows: list[list[Any]]) -> str:
    numeric = [bool(rows) and all(isinstance(row[i], int) for row in rows)
               for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def grouped(reasons: list[tuple[str, str]]) -> list[tuple[int, str, str]]:
    """(count, reason, example) for each distinct reason, most frequent first."""
    counts: collections.Counter = collections.Counter()
    example: dict[str, str] = {}
    for name, reason in reasons:
        counts[reason] += 1
        example.setdefault(reason, name)
    return [(n, r, example[r]) for r, n in counts.most_common()]
