"""The coverage probe: differentiate one name of the surface as a user would call it.

For each name the probe writes a small Python function of one flat float vector ``x``
(its inputs read from ``x``, one call of the name, the call's float outputs reduced to a
number with fixed weights), runs it in NumPy to learn what the name returns, and then checks
srcad at both orders against central differences:

* first order: `srcad.grad` (reverse) and `srcad.jvp` (forward) along two random directions;
* second order: `srcad.hvp` against differences of srcad's gradient.

A name whose outputs hold no float number (integers, booleans, indices, strings), or whose
float outputs do not move with its float inputs (constants such as `np.hanning(5)`,
piecewise constants such as `np.floor`), is not differentiable; the probe says which.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import os
import re
import sys
import tempfile
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

import srcad
from srcad.surface import calls
from srcad.surface.names import NAMES

INPUTS = {  # name: (shape, low, high)
    "u": ((5,), 0.1, 0.9), "v": ((5,), 0.1, 0.9), "w": ((5,), -2.0, 2.0),
    "g": ((5,), 1.2, 3.0), "r": ((4,), -1.0, 1.0), "q": ((), 0.2, 0.8),
    "U": ((3, 5), 0.1, 0.9), "W": ((3, 5), -2.0, 2.0), "A": ((4, 4), -1.0, 1.0),
    "B": ((4, 4), -1.0, 1.0), "S": ((4, 4), -1.0, 1.0), "z": ((5, 2), -1.0, 1.0),
    "Z": ((4, 4, 2), -1.0, 1.0), "sig": ((32,), -1.0, 1.0),
}
_BUILD = {  # how an input is made from its slice `p` of x
    "A": "{p}.reshape((4, 4)) + 4.0 * np.eye(4)", "B": "{p}.reshape((4, 4))",
    "S": "{p}.reshape((4, 4)) @ {p}.reshape((4, 4)).T + 4.0 * np.eye(4)",
    "U": "{p}.reshape((3, 5))", "W": "{p}.reshape((3, 5))",
    "z": "{p}.reshape((5, 2)) @ np.array([1.0, 1.0j])",
    "Z": "{p}.reshape((4, 4, 2)) @ np.array([1.0, 1.0j])",
}
HEADER = ("import numpy as np\nimport scipy.fft as sfft\nimport scipy.special as special\n"
          "from scipy import integrate, linalg, ndimage, signal, stats\n")
EPS, HESSIAN_EPS = 1e-6, 1e-5
FIRST_TOL, SECOND_TOL = 1e-5, 1e-4
_INDEX_NAMES = re.compile(r"arg|indices|index|nonzero|searchsorted|digitize|ix_|lexsort|"
                          r"argwhere|mask_")
_counter = itertools.count()


@dataclass(frozen=True)
class Result:
    """What the probe found for one name.

    `kind` is "differentiable" or why not ("integer output", "boolean output", "index
    output", "string output", "constant output", "piecewise constant", or a `Utility`'s
    description); `first` and `second` are "ok", "refused: <srcad's reason>", "wrong: ..."
    or "error: ..." for a differentiable name (for a piecewise constant or constant one,
    `first` says whether srcad's gradient is the zero it should be).
    """

    module: str
    name: str
    call: str
    kind: str
    first: str = ""
    second: str = ""

    @property
    def differentiable(self) -> bool:
        return self.kind == "differentiable"


# ============================================================================ the function


def _used_inputs(text: str) -> list[str]:
    used = set(re.findall(r"\b[A-Za-z]+\b", text))
    return [name for name in INPUTS if name in used]


def _layout(used: list[str]) -> dict[str, tuple[int, int]]:
    spans, start = {}, 0
    for name in used:
        size = int(np.prod(INPUTS[name][0], dtype=int))
        spans[name] = (start, start + size)
        start += size
    return spans


def point(text: str, seed: int = 0) -> np.ndarray:
    """The probe's x for a call: each input drawn uniformly in its domain."""
    rng = np.random.default_rng(seed)
    parts = [rng.uniform(INPUTS[n][1], INPUTS[n][2], INPUTS[n][0]).ravel()
             for n in _used_inputs(text)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _statements(text: str) -> list[str]:
    return text.split("\n") if "out =" in text else [f"out = {text}"]


def _prologue(text: str) -> list[str]:
    lines = []
    for name, (a, b) in _layout(_used_inputs(text)).items():
        piece = f"x[{a}]" if INPUTS[name][0] == () else f"x[{a}:{b}]"
        lines.append(f"{name} = " + _BUILD.get(name, "{p} * 1.0").format(p=piece))
    return lines


def _leaves(value, path: str = "out"):
    """(path, value) of every leaf of a result: arrays, numbers, strings."""
    if isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    elif isinstance(value, (np.ndarray, np.generic, int, float, complex, bool, str)):
        yield path, value
    elif hasattr(value, "_fields") or hasattr(value, "__getitem__"):
        try:
            items = list(value)
        except TypeError:
            yield path, value
            return
        for i, item in enumerate(items):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def _is_float(value) -> bool:
    return np.asarray(value).dtype.kind in "fc" and not isinstance(value, str)


def _weights(shape, seed: int) -> np.ndarray:
    size = int(np.prod(shape, dtype=int))
    return np.cos(0.7 * np.arange(size) + seed).reshape(shape) + 1.5


def _reduction(out) -> tuple[list[str], dict]:
    """Lines summing the float leaves of `out` with fixed weights, and the weights."""
    terms, weights = [], {}
    for k, (path, leaf) in enumerate(p for p in _leaves(out) if _is_float(p[1])):
        shape = np.shape(leaf)
        weights[f"WEIGHT_{k}"] = _weights(shape, k)
        terms.append(f"np.sum(np.real({path}) * WEIGHT_{k})")
        if np.iscomplexobj(leaf):
            weights[f"WEIGHT_{k}_IMAG"] = _weights(shape, k + 17)
            terms.append(f"np.sum(np.imag({path}) * WEIGHT_{k}_IMAG)")
    return ["total = " + " + ".join(terms), "return total"], weights


@functools.cache
def _directory() -> str:
    """Where the probe's functions are written (made on first use, not at import)."""
    return tempfile.mkdtemp(prefix="srcad_surface_")


def _module(text: str, body: list[str], weights: dict):
    source = HEADER + "\n\ndef f(x):\n" + "".join(f"    {line}\n" for line in body)
    name = f"surface_probe_{next(_counter)}_{zlib.crc32(source.encode()):08x}"
    path = os.path.join(_directory(), name + ".py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    for key, value in weights.items():
        setattr(module, key, value)
    return module.f, source


def plain_output(text: str, x: np.ndarray):
    """What the call returns in NumPy at x."""
    body = _prologue(text) + _statements(text) + ["return out"]
    fn, _ = _module(text, body, {})
    return fn(x)


def function(text: str, out) -> tuple:
    """The probe's f(x) for a call whose NumPy result looks like `out`, and its source."""
    reduce, weights = _reduction(out)
    return _module(text, _prologue(text) + _statements(text) + reduce, weights)


# ============================================================================ the checks


def _directions(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n) for _ in range(2)]


def _difference(fn, x, d, eps):
    return (np.asarray(fn(x + eps * d)) - np.asarray(fn(x - eps * d))) / (2 * eps)


def _close(got, want, scale, tol) -> bool:
    return bool(np.all(np.abs(np.asarray(got) - np.asarray(want)) <= tol * max(1.0, scale)))


def _outcome(check) -> str:
    try:
        with np.errstate(all="ignore"):
            return check()
    except srcad.SrcadError as exc:
        return "refused: " + _first_line(exc)
    except Exception as exc:  # noqa: BLE001 - reported as srcad's bug, not a refusal
        return f"error: {type(exc).__name__}: {_first_line(exc)}"


def _first_line(exc) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else ""


def _first_order(f, x) -> str:
    g = np.asarray(srcad.grad(f)(x), dtype=float)
    for d in _directions(x.size, 1):
        want = float(_difference(f, x, d, EPS))
        scale = float(np.linalg.norm(g) * np.linalg.norm(d))
        if not _close(g @ d, want, scale, FIRST_TOL):
            return f"wrong: reverse mode gives {g @ d:.8g} along a direction, " \
                   f"differences {want:.8g}"
        _, tangent = srcad.jvp(f, (x,), (d,))
        if not _close(tangent, want, scale, FIRST_TOL):
            return f"wrong: forward mode gives {float(tangent):.8g} along a direction, " \
                   f"differences {want:.8g}"
    return "ok"


def _second_order(f, x) -> str:
    grad, hvp = srcad.grad(f), srcad.hvp(f)
    for d, e in zip(_directions(x.size, 2), _directions(x.size, 3)):
        got = np.asarray(hvp(x, d), dtype=float)
        want = _difference(lambda y: np.asarray(grad(y), dtype=float), x, d, HESSIAN_EPS)
        scale = float(np.linalg.norm(want) * np.linalg.norm(e))
        if not _close(got @ e, want @ e, scale, SECOND_TOL):
            return f"wrong: hvp gives {got @ e:.8g} along directions, differences " \
                   f"{want @ e:.8g}"
    return "ok"


def _zero_gradient(f, x) -> str:
    g = np.asarray(srcad.grad(f)(x), dtype=float)
    return "ok" if np.all(g == 0.0) else f"wrong: nonzero gradient {np.abs(g).max():.3g}"


def _kind_without_floats(name: str, out) -> str:
    leaves = [leaf for _, leaf in _leaves(out)]
    if any(isinstance(leaf, str) for leaf in leaves):
        return "string output"
    if all(np.asarray(leaf).dtype.kind == "b" for leaf in leaves):
        return "boolean output"
    return "index output" if _INDEX_NAMES.search(name) else "integer output"


def probe(module: str, name: str) -> Result:
    """Probe `module.name` (a name of srcad/surface/names.py)."""
    text = calls.call(module, name)
    if isinstance(text, calls.Utility):
        return Result(module, name, "", text.what)
    x = point(text)
    with np.errstate(all="ignore"):
        out = plain_output(text, x)
        if not any(_is_float(leaf) for _, leaf in _leaves(out)):
            return Result(module, name, text, _kind_without_floats(name, out))
        f, _ = function(text, out)
        moves = [float(_difference(f, x, d, EPS)) for d in _directions(x.size, 1)]
    if all(abs(m) < 1e-9 for m in moves):
        kind = "piecewise constant" if x.size else "constant output"
        first = _outcome(lambda: _zero_gradient(f, x)) if x.size else ""
        return Result(module, name, text, kind, first)
    first = _outcome(lambda: _first_order(f, x))
    second = _outcome(lambda: _second_order(f, x)) if first == "ok" else ""
    return Result(module, name, text, "differentiable", first, second)


def surface() -> list[tuple[str, str]]:
    """(module, name) of every name of the surface that the installed NumPy/SciPy has."""
    out = []
    for module, names in NAMES.items():
        for name in names:
            if _exists(module, name):
                out.append((module, name))
    return out


def _exists(module: str, name: str) -> bool:
    try:
        owner: Any = importlib.import_module(module)
    except ImportError:
        return False
    for part in name.split("."):
        owner = getattr(owner, part, None)
        if owner is None:
            return False
    return True
