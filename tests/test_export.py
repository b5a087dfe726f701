"""srcad.export: standalone modules that run where srcad cannot be imported."""

from __future__ import annotations

import ast
import importlib
import math
import pickle
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.special

import srcad
from srcad.api import export_sources

RNG = np.random.default_rng(7)

# Runs in a fresh interpreter: `import srcad` (and any srcad.* import) fails there,
# then the exported module is imported from its folder and its entry point called on
# each argument tuple of a pickle; the results come back as a pickle.
RUNNER = textwrap.dedent("""
    import importlib, pickle, sys
    sys.modules["srcad"] = None  # any `import srcad...` raises ImportError
    folder, module, entry, inputs, outputs = sys.argv[1:]
    sys.path.insert(0, folder)
    mod = importlib.import_module(module)
    loaded = sorted(m for m, v in sys.modules.items() if m.startswith("srcad") and v)
    assert not loaded, loaded
    with open(inputs, "rb") as f:
        calls = pickle.load(f)
    results = [getattr(mod, entry)(*args) for args in calls]
    with open(outputs, "wb") as f:
        pickle.dump(results, f)
""")


def run_standalone(tmp_path, module: str, entry: str, calls: list) -> list:
    """The entry point's results on each argument tuple, computed in a subprocess
    where srcad is not importable."""
    runner = tmp_path / "run_exported.py"
    runner.write_text(RUNNER)
    inputs, outputs = tmp_path / "in.pkl", tmp_path / "out.pkl"
    inputs.write_bytes(pickle.dumps(calls))
    done = subprocess.run([sys.executable, str(runner), str(tmp_path), module, entry,
                           str(inputs), str(outputs)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return pickle.loads(outputs.read_bytes())


def assert_same(got, expected, rtol=1e-12):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e, rtol)
        return
    assert type(got) is type(expected), (type(got), type(expected))
    assert np.shape(got) == np.shape(expected)
    if isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-14)


def numeric_grad(f, args, pos, eps=1e-6):
    """Central differences of the scalar f with respect to args[pos]."""
    x = args[pos]
    if isinstance(x, float):
        up, down = list(args), list(args)
        up[pos], down[pos] = x + eps, x - eps
        return (f(*up) - f(*down)) / (2 * eps)
    out = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        up, down = list(args), list(args)
        up[pos], down[pos] = x + step, x - step
        out.flat[i] = (f(*up) - f(*down)) / (2 * eps)
    return out


def like(args):
    """Other arguments of the same types and shapes."""
    return tuple(float(RNG.normal()) if isinstance(a, float) else
                 RNG.normal(size=a.shape) if isinstance(a, np.ndarray) else a for a in args)


def check_exported(tmp_path, gradfn, f, args, wrt=(0,), module="exported",
                   fd: bool = True) -> str:
    """Export `gradfn` at `args`; its standalone entry point gives srcad's gradient there
    and at other arguments of the same shapes (and the finite differences)."""
    path = tmp_path / f"{module}.py"
    text = srcad.export(gradfn, path, *args)
    assert path.read_text() == text
    entry = re.search(r"^# Entry point: (\w+)\(", text, re.M).group(1)
    calls = [args, like(args), like(args)]
    results = run_standalone(tmp_path, module, entry, calls)
    for call, got in zip(calls, results):
        assert_same(got, gradfn(*call))
        if fd:
            grads = got if isinstance(got, tuple) else (got,)
            for g, pos in zip(grads, wrt):
                np.testing.assert_allclose(g, numeric_grad(f, call, pos), rtol=1e-5,
                                           atol=1e-7)
    return text


# ----------------------------------------------------------------------------- functions


def mlp_loss(w1, b1, w2, x, y):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2
    return np.mean((out - y) ** 2)


def loop_and_branch(w, x):
    s = 0.0
    for i in range(4):
        if s > 1.0:
            s = s + 0.5 * np.sum(w * x[i])
        else:
            s = s + np.sum(np.sin(w) * x[i]) ** 2
    return s


def squash(a, b):
    return np.sum(np.tanh(a) * b) + math.cos(a[0])


def calls_helper(w, x):
    return squash(w, x) * 2.0 + squash(x, w)


def selections(w, m):
    clipped = np.clip(w, -0.5, 0.5)
    top = np.maximum(w, 0.1 * m)
    picked = np.where(w > 0, w * w, -w)
    rows = np.sum(top * m, axis=1)
    return np.linalg.norm(clipped) + np.sum(rows ** 2) + np.sum(picked, axis=0)[1]


def scalar_fn(t, a):
    return a * math.sin(t) * t + math.exp(-t * t)


CAPTURED = np.array([0.5, -1.0, 2.0])


def uses_captured(x):
    return np.sum(CAPTURED * np.sin(x))


BIG = np.linspace(0.0, 1.0, 5000)


def uses_big(x):
    return np.sum(BIG[:3] * x)


middle = lambda n: n // 2  # noqa: E731  (a lambda the generated code calls)


def uses_lambda(x):
    return np.sum(x * x[middle(3)])


def with_scipy(x):
    return np.sum(scipy.special.gammaln(x) + scipy.special.expit(x))


# ----------------------------------------------------------------------------- exports


def test_mlp_loss(tmp_path):
    args = (RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=4),
            RNG.normal(size=(5, 3)), RNG.normal(size=5))
    g = srcad.grad(mlp_loss, wrt=(0, 1, 2))
    text = check_exported(tmp_path, g, mlp_loss, args, wrt=(0, 1, 2))
    assert "def grad_mlp_loss(w1, b1, w2, x, y):" in text
    assert re.search(r"# line \d+: h = np\.tanh\(x @ w1 \+ b1\)", text)


def test_loop_and_branch(tmp_path):
    args = (RNG.normal(size=3), RNG.normal(size=(4, 3)))
    text = check_exported(tmp_path, srcad.grad(loop_and_branch), loop_and_branch, args)
    assert "for " in text and "if " in text


def test_user_helper(tmp_path):
    args = (RNG.normal(size=3), RNG.normal(size=3))
    g = srcad.grad(calls_helper, wrt=(0, 1))
    text = check_exported(tmp_path, g, calls_helper, args, wrt=(0, 1))
    assert "def squash_fwd(" in text and "def squash_bwd(" in text


def test_selections_and_reductions(tmp_path):
    args = (RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3)))
    g = srcad.grad(selections, wrt=(0, 1))
    text = check_exported(tmp_path, g, selections, args, wrt=(0, 1))
    # the helpers the generated code calls are copied, with their own helpers
    assert "def norm_adjoint(" in text and "def clip_weights(" in text
    assert "# copied from srcad/runtime/" in text


def test_scalar_function_with_math(tmp_path):
    g = srcad.grad(scalar_fn, wrt=(0, 1))
    text = check_exported(tmp_path, g, scalar_fn, (0.7, 1.3), wrt=(0, 1))
    assert "import math" in text
    assert "def grad_scalar_fn(t, a):" in text


def test_value_and_grad(tmp_path):
    args = (RNG.normal(size=3), RNG.normal(size=(4, 3)))
    g = srcad.value_and_grad(loop_and_branch, wrt=(0, 1))
    path = tmp_path / "vag.py"
    srcad.export(g, path, *args)
    calls = [args, like(args)]
    for call, got in zip(calls, run_standalone(tmp_path, "vag", "value_and_grad_loop_and_branch",
                                               calls)):
        assert_same(got, g(*call))


def test_hvp_and_hessian(tmp_path):
    x = RNG.normal(size=3)
    hv = srcad.hvp(squash, wrt=0)
    v = RNG.normal(size=3)
    text = srcad.export(hv, tmp_path / "hvp_mod.py", x, x + 1.0, v)
    assert "def hvp_squash(a, b, v):" in text
    got = run_standalone(tmp_path, "hvp_mod", "hvp_squash", [(x, x + 1.0, v)])[0]
    assert_same(got, hv(x, x + 1.0, v))
    h = srcad.hessian(squash)
    srcad.export(h, tmp_path / "hess_mod.py", x, x + 1.0)
    y = RNG.normal(size=5)  # (not specialized on shapes: any length)
    calls = [(x, x + 1.0), (y, y * 2)]
    for call, got in zip(calls, run_standalone(tmp_path, "hess_mod", "hessian_squash", calls)):
        assert_same(got, h(*call))


def test_second_order_grad(tmp_path):
    def cube_sin(t):
        return t ** 3 * math.sin(t)

    g2 = srcad.grad(srcad.grad(cube_sin))
    text = srcad.export(g2, tmp_path / "second.py", 0.4)
    assert "srcad.grad(srcad.grad(cube_sin))" in text
    got = run_standalone(tmp_path, "second", "grad2_cube_sin", [(0.4,), (1.1,)])
    assert_same(got[0], g2(0.4))
    assert_same(got[1], g2(1.1))


def test_captured_array_becomes_a_literal(tmp_path):
    text = check_exported(tmp_path, srcad.grad(uses_captured), uses_captured,
                          (RNG.normal(size=3),))
    assert "CAPTURED = np.array([0.5, -1.0, 2.0], dtype=np.float64)" in text


def test_scipy_is_imported_only_when_used(tmp_path):
    text = check_exported(tmp_path, srcad.grad(with_scipy), with_scipy,
                          (RNG.uniform(1.0, 2.0, size=3),), fd=False)
    assert "from scipy.special import" in text and "NumPy and SciPy" in text
    plain = srcad.export(srcad.grad(mlp_loss), tmp_path / "plain.py",
                         *(np.ones((2, 2)), np.ones(2), np.ones(2), np.ones((3, 2)),
                           np.ones(3)))
    assert "scipy" not in plain and "only NumPy" in plain


def test_float32_arguments_keep_their_dtype(tmp_path):
    args = (RNG.normal(size=3).astype(np.float32), RNG.normal(size=(4, 3)).astype(np.float32))
    g = srcad.grad(loop_and_branch)
    srcad.export(g, tmp_path / "f32.py", *args)
    got = run_standalone(tmp_path, "f32", "grad_loop_and_branch", [args])[0]
    assert got.dtype == np.float32
    assert_same(got, g(*args), rtol=1e-6)


# ----------------------------------------------------------------------------- the text


def test_header_and_comments(tmp_path):
    args = (RNG.normal(size=3), RNG.normal(size=(4, 3)))
    text = srcad.export(srcad.grad(loop_and_branch), tmp_path / "m.py", *args)
    head = text.split("\n\n")[0]
    assert head.startswith(f"# Exported by srcad {srcad.__version__} (srcad.export)")
    assert "only NumPy; it does not import srcad" in head
    assert "Entry point: grad_loop_and_branch(w, x), what srcad.grad(loop_and_branch)" in head
    assert "w: float64 array (3,); x: float64 array (4, 3)" in head
    assert __file__ in head
    assert "Specialized for the shapes w (3,), x (4, 3)" in head
    # the comments pointing to the user's lines are kept
    line = loop_and_branch.__code__.co_firstlineno + 4
    assert f"# line {line}: s = s + 0.5 * np.sum(w * x[i])" in text
    assert f"# grad of line {line}:" in text


def test_module_text_is_standalone_and_tidy(tmp_path):
    args = (RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3)))
    path = tmp_path / "tidy.py"
    text = srcad.export(srcad.grad(selections, wrt=(0, 1)), path, *args)
    assert not re.search(r"^\s*(import|from)\s+srcad\b", text, re.M)
    assert "srcad.runtime" not in text.replace("copied from srcad/runtime", "")
    tree = ast.parse(text)
    compile(text, str(path), "exec")
    # every module-level function and class is used by some other code of the module
    defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    for name in defined:
        if name == "grad_selections":
            continue
        uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]
        assert uses, f"{name} is defined but not used"
    # the copies carry no srcad decorators and no annotations
    assert "@differentiated_from_source" not in text and "->" not in text
    ruff = shutil.which("ruff")
    if ruff is not None:
        done = subprocess.run([ruff, "check", "--isolated", "--no-cache", str(path)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout


def test_entry_point_checks_shapes(tmp_path):
    args = (RNG.normal(size=3), RNG.normal(size=(4, 3)))
    srcad.export(srcad.grad(loop_and_branch), tmp_path / "shapes.py", *args)
    code = (f"import sys; sys.modules['srcad'] = None; sys.path.insert(0, {str(tmp_path)!r})\n"
            "import numpy as np, shapes\n"
            "try:\n    shapes.grad_loop_and_branch(np.ones(4), np.ones((4, 4)))\n"
            "except ValueError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "'w' has shape (4,), but this code was generated for the shape (3,)" in done.stdout


def test_renamed_helpers_and_literals():
    out = export_sources.Collector()
    assert out.ref("np", np) == "np"
    assert export_sources.literal(np.array([[1.0, np.nan]])) == \
        "np.array([[1.0, float('nan')]], dtype=np.float64)"
    assert export_sources.literal((1, "a", None)) == "(1, 'a', None)"
    assert export_sources.literal(object()) is None
    # two helpers of one name: the second is renamed where it is defined and used
    text = "def f(x, axis=None):\n    return g(x, axis=axis) + h.g\n"
    tree = ast.parse(text)
    assert export_sources._rewrite(text, tree, {"g": "g_2"}, []) == \
        "def f(x, axis=None):\n    return g_2(x, axis=axis) + h.g"
    text = "def f(x: int, *a: str) -> list[int]:\n    y: float = 1.0\n    return y\n"
    assert export_sources._rewrite(text, ast.parse(text), {}, []) == \
        "def f(x, *a):\n    y = 1.0\n    return y"


# ----------------------------------------------------------------------------- refusals


def test_refusals(tmp_path):
    x = RNG.normal(size=3)
    path = tmp_path / "no.py"

    def refused(fn, *args, match):
        with pytest.raises(srcad.BadArgumentError, match=match):
            srcad.export(fn, path, *args)

    def dict_loss(params, x):
        return np.sum(params["w"] * x)

    refused(srcad.hessian(dict_loss), {"w": x}, x, match="does not take structured")
    def elementwise(v):
        return np.sin(v)

    refused(srcad.jacobian(elementwise), x, match="jacobian")
    _, pullback = srcad.vjp(uses_captured, x)
    refused(pullback, 1.0, match="pullback")
    refused(srcad.vjp, x, match="srcad.jvp and srcad.vjp compute values")
    refused(lambda t: t, 1.0, match="needs a function made by")
    refused(srcad.grad(uses_captured, check_finite=True), x, match="check_finite")
    refused(srcad.grad(uses_big), x, match="'BIG'.*5000 elements")
    refused(srcad.grad(uses_lambda), x, match="'<lambda>'.*is a lambda")

    class Model:
        def loss(self, w):
            return np.sum(w ** 2)

    refused(srcad.grad(Model().loss), x, match="bound method")

    def keyword_only(w, *, scale=1.0):
        return np.sum(w) * scale

    refused(srcad.grad(keyword_only), x, match="plain positional parameters")
    with pytest.raises(srcad.BadArgumentError, match="is a name the generated code uses"):
        srcad.export(srcad.grad(uses_captured), path, x, name="CAPTURED")
    with pytest.raises(srcad.BadArgumentError, match="not a Python identifier"):
        srcad.export(srcad.grad(uses_captured), path, x, name="not valid")
    assert not path.exists()


def test_hvp_of_a_structure(tmp_path):
    def dict_loss(params, x):
        return np.sum(np.sin(params["w"]) * x) * params["c"] + params["n"]

    hv = srcad.hvp(dict_loss)
    params, x = {"w": RNG.normal(size=3), "c": 0.5, "n": 2}, RNG.normal(size=3)
    v = {"w": RNG.normal(size=3), "c": 1.0, "n": None}
    text = srcad.export(hv, tmp_path / "hvp_tree.py", params, x, v)
    assert "check_argument(\"v['w']\", v['w'], np.shape(params['w']))" in text
    got = run_standalone(tmp_path, "hvp_tree", "hvp_dict_loss", [(params, x, v)])[0]
    want = hv(params, x, v)
    assert got.keys() == want.keys() and got["n"] is None
    assert_same(got["w"], want["w"])
    assert_same(got["c"], want["c"])


# ----------------------------------------------------------------------------- structures


# The argument types of `structured_loss`, in a module the subprocess can import too
# (it unpickles them; this test module imports srcad).
TREE_TYPES = textwrap.dedent("""
    import collections
    import dataclasses

    import numpy as np


    @dataclasses.dataclass(frozen=True)
    class Layer:
        w: np.ndarray
        b: np.ndarray
        act: str = "tanh"


    Pair = collections.namedtuple("Pair", ["first", "second"])
""")


def structured_loss(params, layers, pair, x, n):
    h = np.tanh(x @ params["w"] + params["b"][0])
    for layer in layers:
        if layer.act == "tanh":
            h = np.tanh(h @ layer.w + layer.b)
    return np.sum(h ** 2) * pair.first + pair.second * n + np.sum(params["b"][1])


def test_structured_arguments_are_flattened_and_rebuilt(tmp_path, monkeypatch):
    (tmp_path / "tree_types.py").write_text(TREE_TYPES)
    monkeypatch.syspath_prepend(str(tmp_path))
    tree_types = importlib.import_module("tree_types")
    Layer, Pair = tree_types.Layer, tree_types.Pair

    def make(rng):
        params = {"w": rng.normal(size=(3, 4)), "b": [rng.normal(size=4), rng.normal()]}
        layers = [Layer(rng.normal(size=(4, 4)), rng.normal(size=4)),
                  Layer(rng.normal(size=(4, 2)), rng.normal(size=2))]
        return params, layers, Pair(rng.normal(), 2.0), rng.normal(size=(5, 3)), 3

    g = srcad.value_and_grad(structured_loss, wrt=(0, 1, 2))
    args = make(RNG)
    text = srcad.export(g, tmp_path / "trees.py", *args)
    assert "params['b'][0]," in text and "layers[1].w," in text
    assert "'w': shaped_like(gradients[0], params['w'])," in text
    assert "pair._replace(" in text and "with_attributes(layers[0], {" in text
    calls = [args, make(np.random.default_rng(1))]
    for call, got in zip(calls, run_standalone(tmp_path, "trees", "value_and_grad_structured_loss",
                                               calls)):
        value, (gp, gl, gpair) = got
        want_value, (wp, wl, wpair) = g(*call)
        assert_same(value, want_value)
        assert_same(gp["w"], wp["w"])
        assert_same(gp["b"][0], wp["b"][0])
        assert_same(gp["b"][1], wp["b"][1])
        for a, b in zip(gl, wl):
            assert type(a).__name__ == "Layer" and a.act is None
            assert_same(a.w, b.w)
            assert_same(a.b, b.b)
        assert type(gpair).__name__ == "Pair"
        assert_same(tuple(gpair), tuple(wpair))


def test_strings_in_structures_are_checked(tmp_path):
    def configured(w, cfg):
        if cfg["act"] == "relu":
            return np.sum(np.maximum(w, 0.0) * cfg["scale"])
        return np.sum(np.tanh(w) * cfg["scale"])

    g = srcad.grad(configured)
    w = RNG.normal(size=3)
    srcad.export(g, tmp_path / "configured.py", w, {"act": "relu", "scale": 2.0})
    got = run_standalone(tmp_path, "configured", "grad_configured",
                         [(w, {"act": "relu", "scale": 3.0})])[0]
    assert_same(got, g(w, {"act": "relu", "scale": 3.0}))
    with pytest.raises(subprocess.CalledProcessError) as info:
        subprocess.run([sys.executable, "-c", (
            f"import sys; sys.modules['srcad'] = None; sys.path.insert(0, {str(tmp_path)!r})\n"
            "import numpy as np, configured\n"
            "configured.grad_configured(np.ones(3), {'act': 'tanh', 'scale': 1.0})")],
            capture_output=True, text=True, timeout=120, check=True)
    assert "cfg['act'] must be 'relu': the code was generated for it" in info.value.stderr
