"""Structured arguments and outputs everywhere: `hessian` and `jacobian` with respect to
dicts, lists, tuples, namedtuples, dataclasses and objects (blocks in the arguments'
structure, JAX's layout), and outputs that are structures for `jvp`, `vjp` and
`jacobian` (the output's structure outside, the arguments' inside).

Every derivative is checked against central differences (gradcheck.central_difference)
and against the same call on plain arguments and outputs."""

import copy
import dataclasses
import re
from collections import namedtuple

import numpy as np
import pytest
from gradcheck import HESSIAN_EPS, central_difference

import srcad

Pair = namedtuple("Pair", "u v")


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    scale: float
    depth: int = 2


class Box:
    def __init__(self, lo, hi):
        self.lo = lo
        self.hi = hi


# ----------------------------------------------------------------------------- helpers


def items(tree):
    """(key, value) pairs of one level of a structure, or None for a leaf."""
    if isinstance(tree, dict):
        return list(tree.items())
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return list(zip(tree._fields, tree))
    if isinstance(tree, (list, tuple)):
        return list(enumerate(tree))
    if dataclasses.is_dataclass(tree) or hasattr(tree, "__dict__"):
        return list(vars(tree).items())
    return None


def paths(tree, prefix=()):
    """The paths of a structure's leaves, in order (strings left out)."""
    level = items(tree)
    if level is None:
        return [] if isinstance(tree, str) else [prefix]
    return [p for k, v in level for p in paths(v, prefix + (k,))]


def get(tree, path):
    for key in path:
        tree = getattr(tree, key) if isinstance(key, str) and not isinstance(tree, dict) \
            else tree[key]
    return tree


def put(tree, path, value):
    """A copy of `tree` with the leaf at `path` replaced."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(tree, dict):
        out = dict(tree)
        out[key] = put(tree[key], rest, value)
        return out
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return tree._replace(**{key: put(getattr(tree, key), rest, value)})
    if isinstance(tree, (list, tuple)):
        out = list(tree)
        out[key] = put(tree[key], rest, value)
        return type(tree)(out)
    out = copy.copy(tree)
    setattr(out, key, put(getattr(tree, key), rest, value))
    return out


def is_float_leaf(x):
    return isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")


def numerical_block(f, tree, in_path, out_path=(), eps=1e-6):
    """d f(tree)[out_path] / d tree[in_path] by central differences: shape
    out.shape + leaf.shape."""
    x = get(tree, in_path)
    columns = []
    for k in range(np.size(x)):
        e = np.zeros(np.shape(x))
        e.reshape(-1)[k] = 1.0

        def path(h, e=e):
            moved = x + h * e if isinstance(x, np.ndarray) else x + h * float(e)
            return np.asarray(get(f(put(tree, in_path, moved)), out_path), dtype=float)
        columns.append(central_difference(path, eps))
    out_shape = np.shape(get(f(tree), out_path))
    return np.stack(columns, axis=-1).reshape(out_shape + np.shape(x))


def assert_blocks(got, f, tree, out_paths, rtol=1e-5, atol=1e-7, eps=1e-6):
    """Each block got[out][in] (for every float leaf `in` of `tree`) against central
    differences; None where `in` is an integer leaf."""
    for op in out_paths:
        for ip in paths(tree):
            block = get(get(got, op), ip)
            if not is_float_leaf(get(tree, ip)):
                assert block is None, (op, ip)
                continue
            expected = numerical_block(f, tree, ip, op, eps)
            assert np.shape(block) == expected.shape, (op, ip, np.shape(block))
            np.testing.assert_allclose(block, expected, rtol=rtol, atol=atol,
                                       err_msg=f"block {op} x {ip}")


def same_structure(a, b):
    """Whether two structures have the same containers and keys."""
    if type(a) is not type(b):
        return False
    la, lb = items(a), items(b)
    if la is None or lb is None:
        return la is lb
    return [k for k, _ in la] == [k for k, _ in lb] and \
        all(same_structure(x, y) for (_, x), (_, y) in zip(la, lb))


# ----------------------------------------------------------------------------- functions


def loss(p):
    layer = p["layer"]
    h = np.tanh(layer.W @ p["x"]) * layer.scale
    r = p["pair"].u * np.sum(h ** 2) + p["pair"].v ** 3 + np.sum(p["x"] ** 2) * p["pair"].v
    for _ in range(layer.depth):
        r = r + np.sin(p["bias"][0]) * np.sum(p["bias"][1] * h)
    return r * p["n"]


def loss_flat(W, scale, x, u, v, b0, b1, depth=2, n=3):
    """`loss` on plain arguments: the same computation."""
    h = np.tanh(W @ x) * scale
    r = u * np.sum(h ** 2) + v ** 3 + np.sum(x ** 2) * v
    for _ in range(depth):
        r = r + np.sin(b0) * np.sum(b1 * h)
    return r * n


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    return {"layer": Layer(rng.normal(size=(2, 3)) * 0.5, 0.7, 2),
            "x": rng.normal(size=3),
            "pair": Pair(0.3, -0.4),
            "bias": [0.2, rng.normal(size=2)],
            "n": 3}


def flat_of(p):
    return (p["layer"].W, p["layer"].scale, p["x"], p["pair"].u, p["pair"].v,
            p["bias"][0], p["bias"][1])


def vector_out(p):
    """An array-valued function of a structure."""
    layer = p["layer"]
    h = np.tanh(layer.W @ p["x"]) * layer.scale
    return np.concatenate([h * p["pair"].u, p["bias"][1] * p["pair"].v]) * p["n"]


def vector_out_flat(W, scale, x, u, v, b0, b1):
    h = np.tanh(W @ x) * scale
    return np.concatenate([h * u, b1 * v]) * 3


def structured_out(w, b):
    """A structured output: a dict holding an array, a namedtuple, a list of items of
    different shapes, a dataclass, an object and a string."""
    h = np.sin(w) * b
    return {"h": h,
            "pair": Pair(np.sum(h ** 2), b ** 2),
            "rows": [w[0] * w[1], np.cos(w[1:]) * b],
            "layer": Layer(np.outer(w[:2], w[:2]), b * 3.0, 4),
            "box": Box(w[2] - b, np.exp(w * 0.1)),
            "tag": "ok"}


def structured_out_flat(w, b):
    """`structured_out`'s leaves as a tuple, in order."""
    h = np.sin(w) * b
    return (h, np.sum(h ** 2), b ** 2, w[0] * w[1], np.cos(w[1:]) * b,
            np.outer(w[:2], w[:2]), b * 3.0, 4, w[2] - b, np.exp(w * 0.1))


W0 = np.array([0.3, -0.8, 1.1])
B0 = 0.6
OUT_PATHS = [p for p in paths(structured_out(W0, B0))]


# ----------------------------------------------------------------------------- hessian


def test_hessian_of_a_dict_is_a_dict_of_dicts_of_blocks_like_jax():
    def f(p):
        return np.sum(p["w"] ** 2) * p["b"]

    p = {"w": np.arange(3.0), "b": 2.0}
    H = srcad.hessian(f)(p)
    assert list(H) == ["w", "b"] and list(H["w"]) == ["w", "b"]
    assert H["w"]["w"].shape == (3, 3) and H["w"]["b"].shape == (3,)
    assert H["b"]["w"].shape == (3,) and type(H["b"]["b"]) is float
    np.testing.assert_allclose(H["w"]["w"], 4.0 * np.eye(3))
    np.testing.assert_allclose(H["w"]["b"], 2.0 * p["w"])
    np.testing.assert_allclose(H["b"]["w"], 2.0 * p["w"])
    assert H["b"]["b"] == 0.0


def test_hessian_of_nested_dataclasses_namedtuples_lists_and_integers():
    p = make_params()
    H = srcad.hessian(loss)(p)
    assert list(H) == list(p)
    assert isinstance(H["layer"], Layer) and isinstance(H["pair"], Pair)
    assert H["n"] is None and H["layer"].depth is None  # integer leaves: no derivative
    assert H["x"]["n"] is None and H["layer"].W["layer"].depth is None
    g = srcad.grad(loss)
    for out_path in paths(p):
        if not is_float_leaf(get(p, out_path)):
            continue
        for in_path in paths(p):
            block = get(get(H, out_path), in_path)
            if not is_float_leaf(get(p, in_path)):
                assert block is None
                continue
            # central differences of the gradient (leaf out_path) along leaf in_path
            expected = numerical_block(g, p, in_path, out_path, HESSIAN_EPS)
            shape = np.shape(get(p, out_path)) + np.shape(get(p, in_path))
            assert np.shape(block) == shape, (out_path, in_path)
            np.testing.assert_allclose(block, expected, rtol=1e-5, atol=1e-7,
                                       err_msg=f"H{out_path}{in_path}")


def test_hessian_of_a_structure_equals_the_tuple_of_tuples_on_plain_arguments():
    p = make_params(1)
    H = srcad.hessian(loss)(p)
    flat_paths = [("layer", "W"), ("layer", "scale"), ("x",), ("pair", "u"), ("pair", "v"),
                  ("bias", 0), ("bias", 1)]
    Hf = srcad.hessian(loss_flat, wrt=tuple(range(7)))(*flat_of(p))
    assert isinstance(Hf, tuple) and all(isinstance(row, tuple) and len(row) == 7
                                         for row in Hf)
    for i, a in enumerate(flat_paths):
        for j, b in enumerate(flat_paths):
            np.testing.assert_allclose(get(get(H, a), b), Hf[i][j], rtol=1e-12, atol=1e-14)


def test_hessian_with_a_tuple_wrt_is_a_tuple_of_tuples():
    def f(w, c, b):
        return np.sum(w ** 2) * b + np.sin(c * b) * np.sum(w)

    w, c, b = np.array([0.5, -1.0, 2.0]), 0.3, 1.2
    H = srcad.hessian(f, wrt=(0, 2))(w, c, b)
    assert len(H) == 2 and all(len(row) == 2 for row in H)
    assert H[0][0].shape == (3, 3) and H[0][1].shape == (3,) and H[1][0].shape == (3,)
    assert np.ndim(H[1][1]) == 0
    args = {"w": w, "b": b}

    def g(t):
        gw, gb = srcad.grad(f, wrt=(0, 2))(t["w"], c, t["b"])
        return {"w": gw, "b": gb}

    for i, a in enumerate(("w", "b")):
        for j, bb in enumerate(("w", "b")):
            np.testing.assert_allclose(H[i][j], numerical_block(g, args, (bb,), (a,),
                                                                HESSIAN_EPS),
                                       rtol=1e-5, atol=1e-7)
    # a structure among several arguments: as jax.hessian(f, argnums=(0, 1)), the
    # gradient's structure outside ((gp, gb), gp a dict), the arguments' tuple inside
    Hs = srcad.hessian(lambda p, b: np.sum(p["w"] ** 2) * b, wrt=(0, 1))({"w": w}, b)
    np.testing.assert_allclose(Hs[0]["w"][0]["w"], 2 * b * np.eye(3))
    np.testing.assert_allclose(Hs[0]["w"][1], 2 * w)
    np.testing.assert_allclose(Hs[1][0]["w"], 2 * w)
    assert Hs[1][1] == 0.0


@pytest.mark.parametrize("label", ["list", "tuple", "namedtuple", "object"])
def test_hessian_of_lists_tuples_namedtuples_and_objects(label):
    w, s = np.array([0.4, -0.3]), 0.9
    arg = {"list": [w, s], "tuple": (w, s), "namedtuple": Pair(w, s),
           "object": Box(w, s)}[label]

    def f(a):
        first, second = (a.lo, a.hi) if isinstance(a, Box) else (a[0], a[1])
        return np.sum(np.sin(first) * second ** 2) + np.prod(first)

    H = srcad.hessian(f)(arg)
    assert type(H) is type(arg) and type(get(H, paths(arg)[0])) is type(arg)
    assert_blocks(H, srcad.grad(f), arg, paths(arg), eps=HESSIAN_EPS)


# ----------------------------------------------------------------------------- jacobian


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_of_an_array_output_with_respect_to_a_structure(mode):
    p = make_params(2)
    J = srcad.jacobian(vector_out, mode=mode)(p)
    assert isinstance(J["layer"], Layer) and J["n"] is None and isinstance(J["pair"], Pair)
    assert J["layer"].W.shape == (4, 2, 3) and J["pair"].u.shape == (4,)
    assert_blocks(J, vector_out, p, [()])
    Jf = srcad.jacobian(vector_out_flat, wrt=tuple(range(7)), mode=mode)(*flat_of(p))
    for block, path in zip(Jf, [("layer", "W"), ("layer", "scale"), ("x",), ("pair", "u"),
                                ("pair", "v"), ("bias", 0), ("bias", 1)]):
        np.testing.assert_allclose(get(J, path), block, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_of_a_structured_output_is_the_output_structure_outside(mode):
    J = srcad.jacobian(structured_out, wrt=(0, 1), mode=mode)(W0, B0)
    out = structured_out(W0, B0)
    assert list(J) == list(out) and J["tag"] is None
    assert isinstance(J["pair"], Pair) and isinstance(J["layer"], Layer)
    assert isinstance(J["box"], Box) and isinstance(J["rows"], list)
    args = {"w": W0, "b": B0}

    def f(t):
        return structured_out(t["w"], t["b"])

    for op in OUT_PATHS:
        jw, jb = get(J, op)  # the arguments' tuple inside, as jax.jacobian(argnums=...)
        leaf = get(out, op)
        assert np.shape(jw) == np.shape(leaf) + (3,) and np.shape(jb) == np.shape(leaf)
        np.testing.assert_allclose(jw, numerical_block(f, args, ("w",), op), rtol=1e-5,
                                   atol=1e-7, err_msg=str(op))
        np.testing.assert_allclose(jb, numerical_block(f, args, ("b",), op), rtol=1e-5,
                                   atol=1e-7, err_msg=str(op))
    # the same blocks as the Jacobian of the plain tuple of leaves
    flat = srcad.jacobian(structured_out_flat, wrt=(0, 1), mode="forward")(W0, B0)
    assert isinstance(flat, tuple)  # items of different shapes: a tuple of blocks
    for op, (fw, fb) in zip(OUT_PATHS, flat):
        np.testing.assert_allclose(get(J, op)[0], fw, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(get(J, op)[1], fb, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_structured_output_with_respect_to_a_structure(mode):
    def f(p):
        return {"a": p["w"] * 2.0, "c": [p["b"], p["w"][0] * p["b"]]}

    p = {"w": np.arange(3.0), "b": 2.0, "k": 4}
    J = srcad.jacobian(f, mode=mode)(p)
    assert J["a"]["w"].shape == (3, 3) and J["a"]["b"].shape == (3,) and J["a"]["k"] is None
    assert_blocks(J, f, p, [("a",), ("c", 0), ("c", 1)])


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_tuple_of_equally_shaped_outputs_is_still_stacked(mode):
    def f(w):
        return (w[0] * w[1], np.sum(w ** 2), w[2])

    w = np.array([0.5, 2.0, -1.0])
    J = srcad.jacobian(f, mode=mode)(w)
    assert isinstance(J, np.ndarray) and J.shape == (3, 3)
    np.testing.assert_allclose(J, [[2.0, 0.5, 0.0], 2 * w, [0.0, 0.0, 1.0]])


# ----------------------------------------------------------------------------- jvp and vjp


def test_jvp_of_a_structured_output_is_laid_out_like_it():
    v = (np.array([0.2, -1.0, 0.5]), 0.7)
    out, tangent = srcad.jvp(structured_out, (W0, B0), v)
    expected_out = structured_out(W0, B0)
    assert same_structure(out, expected_out) and out["tag"] == "ok"
    assert out["layer"].depth == 4 and tangent["tag"] is None
    assert isinstance(tangent["pair"], Pair) and isinstance(tangent["box"], Box)
    for op in OUT_PATHS:
        np.testing.assert_allclose(get(out, op), get(expected_out, op), rtol=1e-12)
        numerical = central_difference(lambda h, op=op: np.asarray(get(
            structured_out(W0 + h * v[0], B0 + h * v[1]), op), dtype=float))
        assert np.shape(get(tangent, op)) == np.shape(get(expected_out, op)), op
        np.testing.assert_allclose(get(tangent, op), numerical, rtol=1e-6, atol=1e-8,
                                   err_msg=str(op))
    _, flat_tangent = srcad.jvp(structured_out_flat, (W0, B0), v)
    for op, t in zip(OUT_PATHS, flat_tangent):
        np.testing.assert_allclose(get(tangent, op), t, rtol=1e-12, atol=1e-14)


def test_jvp_with_structures_in_and_out():
    def f(p):
        return {"a": p["w"] * 2.0, "c": [p["b"], p["w"][0]], "n": p["n"] * p["b"]}

    p = {"w": np.arange(3.0), "b": 2.0, "n": 5}
    t = {"w": np.ones(3), "b": 1.0, "n": None}  # integer leaves take None
    out, tangent = srcad.jvp(f, (p,), (t,))
    np.testing.assert_allclose(out["a"], [0.0, 2.0, 4.0])
    assert out["c"] == [2.0, 0.0] and out["n"] == 10.0
    np.testing.assert_allclose(tangent["a"], [2.0, 2.0, 2.0])
    assert tangent["c"] == [1.0, 1.0] and tangent["n"] == 5.0


def test_vjp_pullback_takes_an_adjoint_laid_out_like_the_output():
    out, pullback = srcad.vjp(structured_out, W0, B0)
    assert same_structure(out, structured_out(W0, B0))
    rng = np.random.default_rng(3)
    adjoint = {"h": rng.normal(size=3), "pair": Pair(0.5, -1.5),
               "rows": [2.0, rng.normal(size=2)],
               "layer": Layer(rng.normal(size=(2, 2)), 0.25, 0),
               "box": Box(-0.5, rng.normal(size=3)), "tag": None}
    gw, gb = pullback(adjoint)
    # central differences of the loss sum(adjoint * output)
    def dotted(w, b):
        o = structured_out(w, b)
        return sum(float(np.sum(np.asarray(get(adjoint, op)) * get(o, op)))
                   for op in OUT_PATHS if op != ("layer", "depth"))
    nw = [central_difference(lambda h, e=e: dotted(W0 + h * e, B0)) for e in np.eye(3)]
    nb = central_difference(lambda h: dotted(W0, B0 + h))
    np.testing.assert_allclose(gw, nw, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, nb, rtol=1e-6, atol=1e-8)
    # the same as the pullback of the plain tuple of leaves
    _, flat_pullback = srcad.vjp(structured_out_flat, W0, B0)
    flat_adjoint = tuple(get(adjoint, op) for op in OUT_PATHS)
    fw, fb = flat_pullback(flat_adjoint)
    np.testing.assert_allclose(gw, fw, rtol=1e-12)
    np.testing.assert_allclose(gb, fb, rtol=1e-12)
    again = pullback(adjoint)  # a pullback can be called many times
    np.testing.assert_allclose(again[0], gw, rtol=1e-12)


def test_vjp_of_a_dict_in_and_out():
    def f(p):
        return {"s": np.sum(p["w"] ** 2) * p["b"], "v": p["w"] * p["b"]}

    p = {"w": np.array([1.0, 2.0]), "b": 3.0, "k": 2}
    out, pullback = srcad.vjp(f, p)
    assert out["s"] == 15.0
    (g,) = pullback({"s": 1.0, "v": np.array([1.0, 0.0])})
    np.testing.assert_allclose(g["w"], 2 * p["w"] * 3.0 + [3.0, 0.0])
    assert g["b"] == 5.0 + 1.0 and g["k"] is None


# ----------------------------------------------------------------------------- refusals


def branchy(w, b):
    if b > 0:
        return {"a": w}
    return {"b": w * 2.0}


def test_a_return_laid_out_differently_on_different_paths_is_refused():
    with pytest.raises(srcad.BadArgumentError) as info:
        srcad.jvp(branchy, (W0, B0), (np.ones(3), 1.0))
    text = str(info.value)
    line = branchy.__code__.co_firstlineno
    assert "'branchy'" in text and "different paths" in text, text
    assert f"lines {line + 2}, {line + 3}" in text and "same structure" in text, text
    with pytest.raises(srcad.BadArgumentError, match="different paths"):
        srcad.vjp(branchy, W0, B0)


def test_grad_of_a_dict_output_is_refused_with_what_to_do():
    def returns_dict(w):
        return {"a": np.sum(w)}

    with pytest.raises(srcad.BadArgumentError) as info:
        srcad.grad(returns_dict)(W0)
    text = str(info.value)
    assert "'returns_dict' returns a dict" in text and "real scalar" in text, text
    assert "srcad.vjp" in text and re.search(r"line \d+", text), text


def test_a_pullback_refuses_an_adjoint_laid_out_unlike_the_output():
    _, pullback = srcad.vjp(structured_out, W0, B0)
    with pytest.raises(srcad.BadArgumentError) as info:
        pullback({"h": np.ones(3)})
    text = str(info.value)
    assert "adjoint for 'output'" in text and "laid out like the output" in text, text
    assert "'structured_out'" in text
    with pytest.raises(srcad.BadArgumentError, match="shape"):
        pullback({"h": np.ones(2), "pair": Pair(0.0, 0.0), "rows": [0.0, np.ones(2)],
                  "layer": Layer(np.ones((2, 2)), 0.0, 0), "box": Box(0.0, np.ones(3)),
                  "tag": None})


def test_a_differentiated_structure_of_integers_is_still_refused():
    with pytest.raises(srcad.BadArgumentError, match="holds no floats"):
        srcad.hessian(lambda p: p["a"] * 1.0)({"a": 2})


def rebinds(w, b):
    d = {"a": w}
    if b > 0:
        d = {"a": w * 2.0, "q": b}
    return d


def test_a_name_bound_to_different_containers_on_different_paths_is_refused():
    # refused where the name is read (the return line), before the output is laid out
    with pytest.raises(srcad.SrcadError) as info:
        srcad.jvp(rebinds, (W0, B0), (np.ones(3), 1.0))
    text = str(info.value)
    line = rebinds.__code__.co_firstlineno + 4
    assert "'rebinds'" in text and f"line {line}" in text, text
    assert "depending on the path" in text and "every path" in text, text


def test_an_integer_leaf_of_the_output_has_zero_derivatives():
    def f(w):
        return {"w": w * 2.0, "count": 3}

    out, tangent = srcad.jvp(f, (W0,), (np.ones(3),))
    assert out["count"] == 3 and tangent["count"] == 0.0
    J = srcad.jacobian(f, mode="reverse")(W0)
    np.testing.assert_allclose(J["count"], np.zeros(3))
    np.testing.assert_allclose(J["w"], 2.0 * np.eye(3))
    (g,) = srcad.vjp(f, W0)[1]({"w": np.ones(3), "count": 0.0})
    np.testing.assert_allclose(g, 2.0 * np.ones(3))
