"""Forward mode and derivative matrices on structured arguments (dicts, lists, tuples,
namedtuples, dataclasses, objects): `jvp` takes a tangent laid out like the argument,
`hvp` a direction laid out like it, `jacobian` returns one Jacobian per float leaf in
the argument's structure; `hessian` a structure of structures of blocks.

Every derivative is checked against central differences (gradcheck.central_difference)."""

import copy
import dataclasses
from collections import namedtuple

import numpy as np
import pytest
from gradcheck import HESSIAN_EPS, central_difference

import srcad

rng = np.random.default_rng(7)

Pair = namedtuple("Pair", "w b")


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    scale: float
    depth: int = 2


class Bag:
    def __init__(self, a, b):
        self.a = a
        self.b = b


# ----------------------------------------------------------------------------- helpers


def moved(tree, tangent, h):
    """`tree` moved by `h` along `tangent` (laid out like it; None: held fixed)."""
    if tangent is None:
        return tree
    if isinstance(tree, dict):
        return {k: moved(v, tangent[k], h) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*[moved(v, t, h) for v, t in zip(tree, tangent)])
    if isinstance(tree, (list, tuple)):
        return type(tree)(moved(v, t, h) for v, t in zip(tree, tangent))
    if dataclasses.is_dataclass(tree) or hasattr(tree, "__dict__"):
        out = copy.copy(tree)
        for k, v in vars(tree).items():
            setattr(out, k, moved(v, getattr(tangent, k), h))
        return out
    if isinstance(tree, (int, np.integer)) and not isinstance(tree, float):
        return tree
    return tree + h * tangent


def numerical_tree_jvp(f, args, tangents):
    """The derivative of f(*args) along the tangents (structures included), item by
    item for a tuple or list output."""
    def path(h):
        return f(*[moved(x, t, h) for x, t in zip(args, tangents)])
    out = f(*args)
    if isinstance(out, (tuple, list)):
        return type(out)(central_difference(lambda h, i=i: path(h)[i])
                         for i in range(len(out)))
    return central_difference(path)


def leaves(tree):
    """The numeric leaves of a structure, in order (None leaves left out)."""
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in leaves(v)]
    if isinstance(tree, (list, tuple)):
        return [x for v in tree for x in leaves(v)]
    if dataclasses.is_dataclass(tree) or hasattr(tree, "__dict__"):
        return [x for v in vars(tree).values() for x in leaves(v)]
    return [] if tree is None else [tree]


def assert_close_trees(got, expected, rtol=1e-6, atol=1e-8):
    assert type(got) is type(expected), (type(got), type(expected))
    a, b = leaves(got), leaves(expected)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert np.shape(x) == np.shape(y)
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


def random_like(tree):
    """A random tangent laid out like `tree` (None for integer leaves)."""
    if isinstance(tree, dict):
        return {k: random_like(v) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*[random_like(v) for v in tree])
    if isinstance(tree, (list, tuple)):
        return type(tree)(random_like(v) for v in tree)
    if dataclasses.is_dataclass(tree) or hasattr(tree, "__dict__"):
        out = copy.copy(tree)
        for k, v in vars(tree).items():
            setattr(out, k, random_like(v))
        return out
    if isinstance(tree, (int, np.integer)):
        return None
    r = rng.normal(size=np.shape(tree))
    return r if isinstance(tree, np.ndarray) else float(r)


# ----------------------------------------------------------------------------- functions


def mlp(params, x):
    h = np.tanh(params["W1"] @ x + params["b1"])
    return np.sum((params["W2"] @ h) ** 2) * params["scale"] ** params["power"]


def stacked(xs):
    return np.concatenate(xs) * np.sum(xs[0])


def nested(tree, x):
    (a, b), c = tree["pair"], tree["list"]
    return np.sin(a * x) + b * c[0] - c[1] ** 2


def two_outputs(xs):
    return xs[0] * xs[1], [np.sum(xs[1]), np.sum(xs[0] ** 2)]


def of_objects(p, layer, bag):
    return np.sum(np.cos(layer.W @ p.w + p.b)) * layer.scale ** layer.depth + bag.a * bag.b


def with_constants(x, table):
    return np.sum(table["A"] @ x) * table["k"]


def loss(params, x):
    return np.sum(np.sin(params["W"] @ x) ** 2 * params["b"]) + params["c"] ** 3 * params["n"]


def vector_valued(params, x):
    return np.sin(params["W"] @ x) * params["b"] + params["c"]


def loss_of_list(xs):
    return xs[0] ** 2 * xs[1] + np.sum(np.exp(xs[2]))


CASES = {
    "dict with an integer leaf": (mlp, lambda: (
        {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=4),
         "W2": rng.normal(size=(2, 4)), "scale": 1.3, "power": 2},
        rng.normal(size=3)), (0,)),
    "tuple of arrays": (stacked, lambda: (
        (rng.normal(size=2), rng.normal(size=3), rng.normal(size=1)),), (0,)),
    "list of arrays": (stacked, lambda: (
        [rng.normal(size=(2, 2)), rng.normal(size=(1, 2))],), (0,)),
    "nested dict, tuple and list, and an array": (nested, lambda: (
        {"pair": (rng.normal(size=3), 0.7), "list": [1.5, rng.normal(size=3)]},
        rng.normal(size=3)), (0, 1)),
    "tuple and list outputs": (two_outputs, lambda: (
        [rng.normal(size=3), rng.normal(size=3)],), (0,)),
    "namedtuple, dataclass and object": (of_objects, lambda: (
        Pair(rng.normal(size=3), rng.normal(size=2)), Layer(rng.normal(size=(2, 3)), 0.9),
        Bag(0.5, -1.5)), (0, 1, 2)),
    "a dict held constant": (with_constants, lambda: (
        rng.normal(size=3), {"A": rng.normal(size=(2, 3)), "k": 2.0}), (0,)),
}


@pytest.mark.parametrize("label", list(CASES))
def test_jvp_of_structured_arguments_matches_central_differences(label):
    f, make, positions = CASES[label]
    args = make()
    tangents = tuple(random_like(a) if i in positions else None for i, a in enumerate(args))
    out, tangent = srcad.jvp(f, args, tangents)
    expected_out = f(*args)
    if isinstance(expected_out, (tuple, list)):
        # the output tangent follows the output's structure
        assert type(tangent) is type(expected_out) and len(tangent) == len(expected_out)
        for got, want, value in zip(tangent, numerical_tree_jvp(f, args, tangents),
                                    expected_out):
            if isinstance(got, list):
                got, want = np.array(got), np.array(want)
            assert np.shape(got) == np.shape(value)
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    else:
        np.testing.assert_allclose(out, expected_out, rtol=1e-12)
        assert np.shape(tangent) == np.shape(expected_out)
        np.testing.assert_allclose(tangent, numerical_tree_jvp(f, args, tangents),
                                   rtol=1e-6, atol=1e-8)


def test_jvp_agrees_with_the_gradient_of_a_dict():
    params, x = CASES["dict with an integer leaf"][1]()
    t = random_like(params)
    _, tangent = srcad.jvp(mlp, (params, x), (t, None))
    g = srcad.grad(mlp)(params, x)
    assert g["power"] is None and t["power"] is None
    assert tangent == pytest.approx(sum(np.sum(g[k] * t[k]) for k in ("W1", "b1", "W2",
                                                                         "scale")))


def test_integer_leaves_take_none_or_zero_and_updated_leaves_are_read():
    params, x = CASES["dict with an integer leaf"][1]()
    t = random_like(params)
    _, with_none = srcad.jvp(mlp, (params, x), (t, None))
    _, with_zero = srcad.jvp(mlp, (params, x), (dict(t, power=0), None))
    assert with_none == with_zero
    params["W1"] = params["W1"] * 2.0  # the same layout: the generated code is reused
    _, moved_t = srcad.jvp(mlp, (params, x), (t, None))
    assert moved_t == pytest.approx(numerical_tree_jvp(mlp, (params, x), (t, None)),
                                    rel=1e-6)


BAD_TANGENTS = [
    ("a key missing", lambda p: {k: v for k, v in p.items() if k != "b1"},
     "the tangent for 'params' must be laid out like the argument: a dict with the keys"),
    ("a list for a dict", lambda p: list(p.values()),
     "the tangent for 'params' must be laid out like the argument: a dict"),
    ("an array for a dict", lambda p: np.ones(3), "got an array of shape (3,)"),
    ("a leaf of the wrong shape", lambda p: dict(p, b1=np.ones(5)),
     "the tangent for 'params['b1']' has shape (5,) but the argument has shape (4,)"),
    ("a tangent for an integer", lambda p: dict(p, power=1.0),
     "the tangent for 'params['power']' must be None"),
    ("a string leaf", lambda p: dict(p, scale="x"), "the tangent for 'params['scale']'"),
]


@pytest.mark.parametrize("label, bad, message", BAD_TANGENTS, ids=[b[0] for b in BAD_TANGENTS])
def test_a_tangent_not_laid_out_like_its_argument_is_refused_by_name(label, bad, message):
    params, x = CASES["dict with an integer leaf"][1]()
    t = bad(random_like(params))
    with pytest.raises(srcad.BadArgumentError) as info:
        srcad.jvp(mlp, (params, x), (t, None))
    assert message in str(info.value) and "mlp" in str(info.value), str(info.value)


def test_sequence_and_object_tangent_mismatches_are_refused_by_name():
    xs = (np.ones(2), np.ones(3))
    with pytest.raises(srcad.BadArgumentError, match=r"'xs' .*a tuple of 2 items, got a "
                                                     r"tuple of 3 items"):
        srcad.jvp(stacked, (xs,), ((np.ones(2), np.ones(3), np.ones(1)),))
    # a list for a tuple lays out the same items: taken
    _, t = srcad.jvp(stacked, (xs,), ([np.ones(2), np.zeros(3)],))
    assert np.shape(t) == (5,)
    p, layer, bag = CASES["namedtuple, dataclass and object"][1]()
    tangents = (random_like(p), random_like(layer), random_like(bag))
    with pytest.raises(srcad.BadArgumentError, match=r"'p' .*a Pair with the attributes"):
        srcad.jvp(of_objects, (p, layer, bag), ((tangents[0].w, tangents[0].b),) +
                  tangents[1:])
    with pytest.raises(srcad.BadArgumentError, match=r"'layer.W' has shape"):
        srcad.jvp(of_objects, (p, layer, bag),
                  (tangents[0], Layer(np.ones(3), 1.0, None), tangents[2]))


def test_a_structure_holding_no_floats_is_refused_in_jvp():
    with pytest.raises(srcad.BadArgumentError, match="holds no floats"):
        srcad.jvp(stacked, ([np.arange(2), np.arange(3)],), ([None, None],))


# ----------------------------------------------------------------------------- derivatives of grad


def numerical_grad_jvp(g, args, tangents):
    """The derivative of the structured gradient g(*args) along the tangents, leaf by
    leaf (as a list)."""
    plus = g(*[moved(x, t, HESSIAN_EPS) for x, t in zip(args, tangents)])
    minus = g(*[moved(x, t, -HESSIAN_EPS) for x, t in zip(args, tangents)])
    return [(np.asarray(a) - np.asarray(b)) / (2 * HESSIAN_EPS)
            for a, b in zip(leaves(plus), leaves(minus))]


def loss_point():
    params = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2), "c": 0.5, "n": 3}
    return params, rng.normal(size=3)


def test_jvp_of_the_gradient_of_a_dict_is_laid_out_like_the_dict():
    params, x = loss_point()
    t = random_like(params)
    g = srcad.grad(loss)
    value, tangent = srcad.jvp(g, (params, x), (t, None))
    assert_close_trees(value, g(params, x), rtol=1e-12)
    assert tangent["n"] is None and value["n"] is None
    for got, want in zip(leaves(tangent), numerical_grad_jvp(g, (params, x), (t, None))):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    # the gradient with respect to x, along a direction of the dict
    gx = srcad.grad(loss, wrt=1)
    _, tx = srcad.jvp(gx, (params, x), (t, None))
    np.testing.assert_allclose(tx, numerical_grad_jvp(gx, (params, x), (t, None))[0],
                               rtol=1e-5, atol=1e-7)


def test_hvp_takes_and_returns_the_structure_of_its_argument():
    params, x = loss_point()
    v = random_like(params)
    product = srcad.hvp(loss)(params, x, v)
    assert product["n"] is None and product["W"].shape == (2, 3)
    expected = numerical_grad_jvp(srcad.grad(loss), (params, x), (v, None))
    for got, want in zip(leaves(product), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    xs = [0.7, -0.4, np.array([0.1, 0.2])]
    d = [0.3, 1.0, np.array([-1.0, 0.5])]
    product = srcad.hvp(loss_of_list)(xs, d)
    assert type(product) is list and product[2].shape == (2,)
    expected = numerical_grad_jvp(srcad.grad(loss_of_list), (xs,), (d,))
    for got, want in zip(leaves(product), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    with pytest.raises(srcad.BadArgumentError, match=r"the tangent for 'xs' must be laid out"):
        srcad.hvp(loss_of_list)(xs, np.ones(4))


def test_grad_of_grad_with_respect_to_a_number_next_to_a_dict():
    def scaled(params, s):
        return np.sum(params["W"] ** 2) * s ** 3

    params = {"W": rng.normal(size=(2, 2)), "k": 1}
    g2 = srcad.grad(srcad.grad(scaled, wrt=1), wrt=1)
    assert g2(params, 0.5) == pytest.approx(6 * 0.5 * np.sum(params["W"] ** 2))


# ----------------------------------------------------------------------------- matrices


def numerical_leaf_jacobian(f, params, key, x):
    leaf = np.asarray(params[key], dtype=float)
    out = np.asarray(f(params, x))
    jac = np.zeros(out.shape + leaf.shape)
    for idx in np.ndindex(leaf.shape):
        def path(h, idx=idx):
            e = np.zeros(leaf.shape)
            e[idx] = h
            return f(dict(params, **{key: leaf + e if leaf.shape else float(leaf + e)}), x)
        jac[(...,) + idx] = central_difference(path)
    return jac


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_of_a_dict_is_a_dict_of_jacobians(mode):
    params, x = loss_point()
    jac = srcad.jacobian(vector_valued, mode=mode)(params, x)
    assert set(jac) == set(params) and jac["n"] is None
    for key in ("W", "b", "c"):
        expected = numerical_leaf_jacobian(vector_valued, params, key, x)
        assert np.shape(jac[key]) == (2,) + np.shape(params[key])
        np.testing.assert_allclose(jac[key], expected, rtol=1e-6, atol=1e-8)
    jx, jp = srcad.jacobian(vector_valued, wrt=(1, 0), mode=mode)(params, x)
    assert jx.shape == (2, 3) and isinstance(jp, dict)
    np.testing.assert_allclose(jp["W"], jac["W"], rtol=1e-12)


def test_hessian_of_a_structured_argument_and_of_one_held_constant():
    params, x = loss_point()
    H = srcad.hessian(loss)(params, x)  # blocks H[a][b] (tests/test_pytree_everywhere.py)
    assert set(H) == set(params) and H["n"] is None and H["W"]["n"] is None
    assert np.shape(H["W"]["b"]) == np.shape(params["W"]) + np.shape(params["b"])
    J = srcad.jacobian(srcad.grad(loss))(params, x)
    np.testing.assert_allclose(J["W"]["b"], H["W"]["b"], rtol=1e-12)
    H = srcad.hessian(loss, wrt=1)(params, x)  # params held constant: an array Hessian
    gx = srcad.grad(loss, wrt=1)
    columns = [central_difference(lambda h, e=e: gx(params, x + h * e), HESSIAN_EPS)
               for e in np.eye(3)]
    np.testing.assert_allclose(H, np.stack(columns, axis=-1), rtol=1e-5, atol=1e-7)


def test_gradients_of_two_structures_come_back_in_the_order_of_wrt():
    def f(a, b):
        return np.sum(a["u"] ** 2) + 3.0 * np.sum(b["v"])

    a, b = {"u": np.array([1.0, 2.0])}, {"v": np.ones(3)}
    gb, ga = srcad.grad(f, wrt=(1, 0))(a, b)
    np.testing.assert_allclose(ga["u"], [2.0, 4.0])
    np.testing.assert_allclose(gb["v"], [3.0, 3.0, 3.0])
    ja, jb = srcad.jacobian(f, wrt=(0, 1), mode="reverse")(a, b)
    np.testing.assert_allclose(jb["v"], [3.0, 3.0, 3.0])
    np.testing.assert_allclose(ja["u"], [2.0, 4.0])
