"""The Python subset srcad differentiates, checked against central finite differences:
closures and nested functions, classes and structured parameters, containers,
mutation, statements that do no math, and gradient hooks."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import logging
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pytest
from gradcheck import check_grad, numerical_grad

import srcad

H = 1e-6
RTOL = 1e-6
ATOL = 1e-8


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------- structured FD helpers
def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _is_dataclass_instance(x):
    return dataclasses.is_dataclass(x) and not isinstance(x, type)


def map_leaves(obj, fn):
    """Rebuild `obj` (dicts, lists, tuples, namedtuples, dataclasses) with fn(leaf)."""
    if isinstance(obj, dict):
        return {k: map_leaves(v, fn) for k, v in obj.items()}
    if _is_namedtuple(obj):
        return type(obj)(*(map_leaves(v, fn) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(map_leaves(v, fn) for v in obj)
    if _is_dataclass_instance(obj):
        return dataclasses.replace(obj, **{f.name: map_leaves(getattr(obj, f.name), fn)
                                           for f in dataclasses.fields(obj)})
    return fn(obj)


def _leaves(obj):
    out = []
    map_leaves(obj, lambda v: out.append(v) or v)
    return out


def _is_float_leaf(x):
    return (isinstance(x, np.ndarray) and x.dtype.kind == "f") or isinstance(x, float)


def fd_tree(f, args, i, h=H):
    """Central differences of scalar f(*args) w.r.t. every float leaf of args[i], in the
    structure of args[i] (None for leaves that are not floats)."""
    tree = args[i]
    leaves = _leaves(tree)

    def loss_of_leaf(value, k):
        """f(*args) with the k-th leaf of args[i] replaced by `value`."""
        counter = iter(range(len(leaves)))
        moved = list(args)
        moved[i] = map_leaves(tree, lambda v: value if next(counter) == k else v)
        return float(f(*moved))

    grads = []
    for k, leaf in enumerate(leaves):
        if not _is_float_leaf(leaf):
            grads.append(None)
            continue
        point = leaf if isinstance(leaf, np.ndarray) else float(leaf)
        g = numerical_grad(lambda value, k=k: loss_of_leaf(value, k), [point], 0, eps=h)
        grads.append(g if isinstance(leaf, np.ndarray) else float(g))
    it = iter(grads)
    return map_leaves(tree, lambda v: next(it))


def assert_tree_close(got, expected, rtol=RTOL, atol=ATOL, path="grad"):
    """Same structure and types; arrays and floats close."""
    if expected is None:
        assert got is None, f"{path}: expected None, got {got!r}"
        return
    if isinstance(expected, dict):
        assert isinstance(got, dict), f"{path}: expected a dict, got {type(got)}"
        assert list(got.keys()) == list(expected.keys()), f"{path}: keys {list(got)}"
        for k in expected:
            assert_tree_close(got[k], expected[k], rtol, atol, f"{path}[{k!r}]")
        return
    if isinstance(expected, (list, tuple)):
        assert type(got) is type(expected), \
            f"{path}: expected {type(expected).__name__}, got {type(got).__name__}"
        assert len(got) == len(expected), f"{path}: length {len(got)} != {len(expected)}"
        for k, (a, b) in enumerate(zip(got, expected)):
            assert_tree_close(a, b, rtol, atol, f"{path}[{k}]")
        return
    if _is_dataclass_instance(expected):
        assert type(got) is type(expected), \
            f"{path}: expected {type(expected).__name__}, got {type(got).__name__}"
        for fld in dataclasses.fields(expected):
            assert_tree_close(getattr(got, fld.name), getattr(expected, fld.name), rtol, atol,
                              f"{path}.{fld.name}")
        return
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray), f"{path}: expected an array, got {type(got)}"
        assert got.shape == expected.shape, f"{path}: shape {got.shape} != {expected.shape}"
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=path)
        return
    assert isinstance(got, float), f"{path}: expected a float, got {type(got)}"
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=path)


def assert_tree_equal(a, b, path="arg"):
    """`a` (after the call) equals its deep copy `b` (taken before); plain objects are
    compared attribute by attribute."""
    la, lb = _leaves(a), _leaves(b)
    assert len(la) == len(lb), path
    for k, (x, y) in enumerate(zip(la, lb)):
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f"{path} leaf {k} was modified")
        elif hasattr(x, "__dict__") and not isinstance(x, type):
            assert type(x) is type(y), f"{path} leaf {k} changed type"
            assert sorted(vars(x)) == sorted(vars(y)), f"{path} leaf {k} attributes changed"
            for name in vars(x):
                assert_tree_equal(getattr(x, name), getattr(y, name), f"{path}.{name}")
        else:
            assert x == y, f"{path} leaf {k} was modified"


def check_tree(f, *args, wrt=0):
    """srcad.grad(f, wrt) against central differences, for structured arguments too;
    also checks the caller's arguments are left untouched. Returns the gradient(s)."""
    before = copy.deepcopy(args)
    got = srcad.grad(f, wrt=wrt)(*args)
    for k, (a, b) in enumerate(zip(args, before)):
        assert_tree_equal(a, b, f"argument {k}")
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = got if isinstance(wrt, tuple) else (got,)
    assert len(grads) == len(positions)
    for pos, g in zip(positions, grads):
        assert_tree_close(g, fd_tree(f, args, pos), path=f"grad of {f.__name__} arg {pos}")
    return got


def line_of(fn, text):
    lines, start = inspect.getsourcelines(fn)
    for k, line in enumerate(lines):
        if text in line:
            return start + k
    raise AssertionError(f"{text!r} not in {fn.__name__}")


# =============================================================== 1. closures
def make(scale, W):
    shift = np.arange(W.shape[0], dtype=float) * 0.1

    def act(z):
        return np.tanh(z) * scale

    def loss(x):
        return np.sum(act(W @ x + shift) ** 2) + scale * np.sum(x)

    return loss


def test_closure_factory():
    loss = make(1.7, rand(3, 4))
    check_grad(loss, rand(4, seed=1))


def nested_late_binding(x, y):
    def inner(v, p=2.0):
        return a * v ** p + b

    a = np.sin(y)  # bound after the def, before the call
    b = x * 0.5
    s = np.sum(inner(x))
    a = a * 2.0  # rebinding: the next call sees the new value
    return s + np.sum(inner(x, 3.0))


def test_nested_def_late_binding_and_default():
    x, y = rand(3, seed=2), rand(3, seed=3)
    check_grad(nested_late_binding, x, y, wrt=(0, 1))
    # the default and the late binding were honoured (not just self-consistent)
    expected = np.sum(np.sin(y) * x ** 2 + 0.5 * x) + np.sum(2 * np.sin(y) * x ** 3 + 0.5 * x)
    assert np.isclose(nested_late_binding(x, y), expected)


def apply(f, v):
    return f(v)


def lambda_called_once(x, w):
    sq = lambda t: np.sum((t * w) ** 2)
    return sq(x) + 1.0


def lambda_through_helper(x, w):
    sq = lambda t: np.sum(np.sin(t * w))
    return apply(sq, x) * 2.0


def test_lambda_called_once():
    check_grad(lambda_called_once, rand(3, seed=4), rand(3, seed=5), wrt=(0, 1))


def test_lambda_passed_to_helper():
    check_grad(lambda_through_helper, rand(3, seed=4), rand(3, seed=5), wrt=(0, 1))


def captured_argument(x, w):
    def f(t):
        return np.sum(np.cos(t * w)) + w[0] ** 2

    return f(x)


def test_wrt_argument_captured_by_inner_function():
    check_grad(captured_argument, rand(3, seed=6), rand(3, seed=7), wrt=1)


# =============================================================== 2. classes
class Dense:
    SCALE = 0.5

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return self.W @ x + self.b

    def __call__(self, x):
        return np.tanh(self.forward(x))

    @staticmethod
    def act(z):
        return np.tanh(z) * 2.0

    @classmethod
    def scaled(cls, z):
        return cls.SCALE * z

    def loss(self, x):
        return np.sum(self.act(self.forward(x)) ** 2)


LAYER = Dense(rand(2, 3, seed=10), rand(2, seed=11))


def uses_method(x):
    return np.sum(LAYER.forward(x) ** 2)


def uses_static_and_class_methods(x):
    return np.sum(Dense.act(x) * Dense.scaled(x)) + np.sum(LAYER.act(x) + LAYER.scaled(x))


def uses_call(x):
    return np.sum(LAYER(x) ** 2)


def test_method_as_callee():
    check_grad(uses_method, rand(3, seed=12))


def test_staticmethod_and_classmethod():
    check_grad(uses_static_and_class_methods, rand(3, seed=12))


def uses_call_local(x):
    layer = Dense(np.ones((2, 3)) * 0.3 + x, np.array([0.1, -0.2]))  # W depends on x
    return np.sum(layer(x) ** 2)


def test_dunder_call_on_module_level_instance():
    check_grad(uses_call, rand(3, seed=12))


def test_dunder_call_on_local_instance():
    check_grad(uses_call_local, rand(3, seed=12))


def layer_arg_loss(x, layer):
    return np.sum(layer(x) * layer.forward(x))


def test_layer_object_as_argument():
    layer = Dense(rand(2, 3, seed=13), rand(2, seed=14))
    check_tree(layer_arg_loss, rand(3, seed=12), layer)


def test_bound_method():
    layer = Dense(rand(2, 3, seed=13), rand(2, seed=14))
    x = rand(3, seed=15)
    W0 = layer.W.copy()
    g = srcad.grad(layer.loss)(x)
    assert isinstance(g, np.ndarray) and g.shape == x.shape
    np.testing.assert_allclose(g, fd_tree(layer.loss, (x,), 0), rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(layer.W, W0)


@dataclass
class Params:
    W: np.ndarray
    b: np.ndarray
    scale: float = 1.0


def dataclass_loss(p, x):
    return np.sum(np.tanh(p.W @ x + p.b) * p.scale)


def test_dataclass_parameters():
    p = Params(rand(2, 3, seed=20), rand(2, seed=21), 1.3)
    g = check_tree(dataclass_loss, p, rand(3, seed=22))
    assert isinstance(g, Params)


def test_dataclass_built_inside():
    def f(x):
        p = Params(x * 2.0, x[:2], 0.5)
        return np.sum(p.W ** 2) * p.scale + np.sum(p.b)

    check_grad(f, rand(3, seed=23))


Pair = namedtuple("Pair", ["u", "v"])


def namedtuple_loss(q, x):
    p = Pair(x, x * 2.0)
    return np.sum(p.u * p.v) + np.sum(q.u * x) + q[1] * np.sum(x)


def test_namedtuple():
    q = Pair(rand(3, seed=24), 0.7)
    x = rand(3, seed=25)
    check_tree(namedtuple_loss, q, x, wrt=1)
    g = check_tree(namedtuple_loss, q, x, wrt=0)
    assert type(g) is Pair


class Config:
    pass


def config_loss(x, cfg):
    return np.sum(x ** cfg.power) * cfg.alpha + cfg.beta


def test_plain_object_attribute_reads():
    cfg = Config()
    cfg.alpha, cfg.beta, cfg.power = 0.3, 1.5, 3
    check_tree(config_loss, rand(3, seed=26), cfg)


def mlp(params, batch):
    X, y = batch
    h = np.tanh(X @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - y) ** 2)


def make_batch():
    return rand(4, 3, seed=30), rand(4, seed=31)


def test_dict_params():
    params = {"W1": rand(3, 2, seed=32), "b1": rand(2, seed=33),
              "W2": rand(2, seed=34), "b2": 0.1}
    g = check_tree(mlp, params, make_batch())
    assert set(g) == set(params)
    assert g["W1"].shape == (3, 2) and isinstance(g["b2"], float)


def test_dataclass_params_mlp():
    def loss(p, batch):
        X, y = batch
        return np.mean((np.tanh(X @ p.W + p.b) @ np.ones(2) * p.scale - y) ** 2)

    p = Params(rand(3, 2, seed=35), rand(2, seed=36), 0.9)
    g = check_tree(loss, p, make_batch())
    assert isinstance(g, Params)


def deep_net(layers, x):
    h = x
    for W, b in layers:
        h = np.tanh(h @ W + b)
    return np.sum(h ** 2)


def test_list_of_tuples_params():
    layers = [(rand(3, 3, seed=40), rand(3, seed=41)), (rand(3, 2, seed=42), rand(2, seed=43))]
    g = check_tree(deep_net, layers, rand(3, seed=44))
    assert type(g) is list and all(type(t) is tuple for t in g)


def nested_loss(params, x):
    h = deep_net(params["layers"], x) * params["head"]["c"]
    s = h + np.sum(params["head"]["w"] * x)
    for i in range(params["n"]):
        s = s + 0.1 * i * np.sum(params["layers"][0][1])
    return s


def test_nested_mix_and_int_leaf():
    params = {"layers": [(rand(3, 3, seed=50), rand(3, seed=51)),
                         (rand(3, 2, seed=52), rand(2, seed=53))],
              "head": {"w": rand(3, seed=54), "c": 1.2},
              "n": 3}
    g = check_tree(nested_loss, params, rand(3, seed=55))
    assert g["n"] is None


def int_leaf_loss(params, x):
    return np.sum(params["w"] * x) * params["k"]


def test_int_leaf_gets_none():
    g = check_tree(int_leaf_loss, {"w": rand(3, seed=56), "k": 2}, rand(3, seed=57))
    assert g["k"] is None and g["w"].shape == (3,)


# =============================================================== 3. containers
def tuples_and_lists(x, y):
    t = (x, y, x * y)
    a, b, c = t
    lst = [a, b]
    s = 0.0
    for i in range(len(lst)):
        s = s + np.sum(lst[i] * t[i + 1])  # computed positions
    first, last = lst[0], t[-1]
    return s + np.sum(first * last) + np.sum(t[1])


def test_tuples_lists_index_unpack():
    check_grad(tuples_and_lists, rand(3, seed=60), rand(3, seed=61), wrt=(0, 1))


def dict_items(x):
    d = {"a": x, "bb": x ** 2, "ccc": np.sin(x)}
    s = 0.0
    for k, v in d.items():
        s = s + np.sum(v) * len(k)
    return s + np.sum(d["bb"])


def test_dict_items_iteration():
    check_grad(dict_items, rand(3, seed=62))


def zip_enumerate_reversed(xs_arr, w):
    ws = [w, 2.0 * w, w ** 2]
    xs = [xs_arr[0], xs_arr[1], xs_arr[2]]
    s = 0.0
    for a, b in zip(xs, ws):
        s = s + a * b
    for i, a in enumerate(xs):
        s = s + i * a ** 2
    for a in reversed(xs):
        s = s * 0.5 + a
    return s


def test_zip_enumerate_reversed():
    check_grad(zip_enumerate_reversed, rand(3, seed=63), 0.7, wrt=(0, 1))


def append_then_sum(x):
    out = []
    for i in range(x.shape[0]):
        out.append(x[i] ** 2 * (i + 1))
    return sum(out) + len(out)


def test_append_in_loop_then_sum():
    check_grad(append_then_sum, rand(4, seed=64))


def min_max_two(x, y):
    return max(x, y) * min(x * 2.0, y) + max(x ** 2, 0.1) - min(y, 5.0)


def test_builtin_min_max_of_two():
    check_grad(min_max_two, 0.8, 1.3, wrt=(0, 1))
    check_grad(min_max_two, 1.6, -0.4, wrt=(0, 1))


def list_comprehension(x):
    parts = [x[i] * (i + 1.0) for i in range(3)]
    squares = [p ** 2 for p in parts]
    return squares[0] + squares[2] * parts[1]


def test_list_comprehension():
    check_grad(list_comprehension, rand(3, seed=65))


def dict_comprehension(x):
    d = {"p": x[0], "q": x[1], "r": x[2]}
    d2 = {k: v * 3.0 + d["p"] for k, v in d.items()}
    return d2["p"] * d2["q"] + d2["r"]


def test_dict_comprehension():
    check_grad(dict_comprehension, rand(3, seed=66))


def generator_in_sum(x):
    vals = [x[0], x[1] ** 2, np.sin(x[2])]
    return sum(v * v for v in vals) + sum(x[i] * i for i in range(3))


def test_generator_expression_in_sum():
    check_grad(generator_in_sum, rand(3, seed=67))


def split_stats(xs):
    return {"mean": sum(xs) / len(xs), "parts": [xs[0] * xs[1], xs[-1]]}, (xs[0], xs[-1])


def combine(pair, d):
    a, b = pair
    return [a + d["u"], b * d["v"]]


def containers_through_helpers(x):
    parts = [x[0], x[1] ** 2, np.sin(x[2])]
    stats, (lo, hi) = split_stats(parts)
    out = combine((lo, hi), {"u": stats["mean"], "v": x[1]})
    return stats["mean"] * stats["parts"][0] + stats["parts"][1] * lo - hi + out[0] * out[1]


def make_list(xs):
    return [xs[0] * 2.0, xs[1] + xs[2]]


def take_dict(d):
    return d["u"] * d["v"]


def lists_and_dicts_into_helpers(x):
    a, b = make_list((x[0], x[1], np.sin(x[2])))
    return take_dict({"u": a, "v": b}) + take_dict({"u": x[2], "v": a})


def make_dict(x):
    return {"p": x[0] * x[1], "q": x[2]}


def dict_from_helper(x):
    d = make_dict(x)
    return d["p"] * d["q"]


def test_list_from_helper_dict_into_helper():
    check_grad(lists_and_dicts_into_helpers, rand(3, seed=68))


def test_dict_returned_from_helper():
    check_grad(dict_from_helper, rand(3, seed=68))


def test_containers_to_and_from_helpers():
    check_grad(containers_through_helpers, rand(3, seed=68))


# =============================================================== 4. mutation
def setitem_arrays(x):
    y = np.zeros(4)
    for i in range(4):
        if i % 2 == 0:
            y[i] = x[i] ** 2
        else:
            y[i] = np.sin(x[i]) * y[i - 1]
    y[1:3] += x[:2] * 3.0
    if x[0] > -100.0:
        y[0] = y[0] * y[3]  # overwrite a value that was already used
    return np.sum(y * y)


def test_setitem_and_slice_augassign_on_local_array():
    check_grad(setitem_arrays, rand(4, seed=70))


def setitem_matrix_loop(x):
    m = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            if i >= j:
                m[i, j] = x[i] * x[j]
        m[i, :] += x[i]
    return np.sum(m @ x)


def test_setitem_2d_in_nested_loops():
    check_grad(setitem_matrix_loop, rand(3, seed=71))


def list_setitem_and_append(x):
    ys = [0.0, 0.0, 0.0]
    for i in range(3):
        ys[i] = x[i] * (i + 1.0)
    ys[0] = ys[0] * ys[2]
    ys.append(x[0] * x[1])
    return sum(ys)


def list_setitem_straight_line(x):
    ys = [0.0, x[1], 0.0]
    ys[0] = x[0] * 2.0
    ys[2] = ys[0] * ys[1]
    if x[2] > -100.0:
        ys[1] = np.sin(x[2])
    ys.append(x[0] * x[1])
    return sum(ys) + ys[1] * ys[3]


def test_list_setitem_in_loop():
    check_grad(list_setitem_and_append, rand(3, seed=72))


def test_list_setitem_outside_loops():
    check_grad(list_setitem_straight_line, rand(3, seed=72))


def dict_augassign(x):
    d = {"k": 0.0, "m": x[0]}
    for i in range(3):
        d["k"] += x[i] ** 2
    d["m"] *= x[1]
    return d["k"] + d["m"]


def test_dict_augassign():
    check_grad(dict_augassign, rand(3, seed=73))


def mutates_arg_array(x):
    y = x * 2.0
    x[0] = 1.0
    return np.sum(x * y)


def mutates_arg_slice(x):
    x[1:3] += 1.0
    return np.sum(x ** 2)


def mutates_arg_dict(d, x):
    d["a"] = x * 2.0
    return np.sum(d["a"])


@pytest.mark.parametrize("fn, args, wrt, text", [
    (mutates_arg_array, lambda: (rand(3),), 0, "x[0] = 1.0"),
    (mutates_arg_slice, lambda: (rand(3),), 0, "x[1:3] += 1.0"),
    (mutates_arg_dict, lambda: ({"a": rand(3)}, rand(3)), 1, 'd["a"] = x * 2.0'),
])
def test_assigning_into_arguments_is_refused(fn, args, wrt, text):
    args = args()
    before = copy.deepcopy(args)
    with pytest.raises(srcad.SrcadError) as err:
        srcad.grad(fn, wrt=wrt)(*args)
    message = str(err.value)
    assert fn.__name__ in message
    assert f"line {line_of(fn, text)}" in message, message
    for k, (a, b) in enumerate(zip(args, before)):
        assert_tree_equal(a, b, f"argument {k}")


def augassign_arg_array(x):
    x += 1.0  # in-place on the caller's ndarray in plain Python
    return np.sum(x ** 2)


def test_augassign_on_argument_array_is_refused():
    x = rand(3)
    x0 = x.copy()
    with pytest.raises(srcad.SrcadError) as err:
        srcad.grad(augassign_arg_array)(x)
    assert "augassign_arg_array" in str(err.value)
    assert f"line {line_of(augassign_arg_array, 'x += 1.0')}" in str(err.value)
    np.testing.assert_array_equal(x, x0)


def inplace_add_on_aliased_local(x):
    y = np.zeros(3)
    z = y  # z and y are the same array
    y += x  # in place: z changes too
    return np.sum(z * x)


def inplace_add_on_aliased_argument(x):
    y = x
    x += 1.0  # in place: y (the caller's array) changes too
    return np.sum(x * y)


def inplace_add_then_append(x):
    h = np.zeros(2)
    hs = []
    for t in range(3):
        h += x * t  # in place: every entry of hs is the same array
        hs.append(h)
    return np.sum(hs[0] * x)


@pytest.mark.parametrize("fn", [inplace_add_on_aliased_local, inplace_add_then_append])
def test_inplace_augassign_with_aliases(fn):
    """`a += b` on an ndarray is in place: the gradient must see every alias change
    (or srcad must refuse, as it does for `y[0] = v` on an aliased array)."""
    x = rand(3, seed=74)[: 3 if fn is inplace_add_on_aliased_local else 2]
    try:
        g = srcad.grad(fn)(x.copy())
    except srcad.SrcadError:
        return  # refusing is fine
    expected = fd_tree(lambda v: fn(v.copy()), (x,), 0)
    np.testing.assert_allclose(g, expected, rtol=RTOL, atol=ATOL)


def test_inplace_augassign_on_aliased_argument():
    x = rand(3, seed=75)
    try:
        g = srcad.grad(inplace_add_on_aliased_argument)(x.copy())
    except srcad.SrcadError:
        return  # refusing is fine
    expected = fd_tree(lambda v: inplace_add_on_aliased_argument(v.copy()), (x,), 0)
    np.testing.assert_allclose(g, expected, rtol=RTOL, atol=ATOL)


# =============================================================== 5. statements without math
def with_assert(x):
    assert x.ndim == 1, "x must be a vector"
    assert np.all(np.isfinite(x))
    return np.sum(np.sin(x) * x)


def test_assert():
    check_grad(with_assert, rand(3, seed=80))
    with pytest.raises(AssertionError, match="x must be a vector"):
        srcad.grad(with_assert)(rand(2, 2, seed=80))


def with_print(x):
    y = x ** 2
    print("with_print: sum =", np.sum(y) > -1.0)
    return np.sum(y * x)


def test_print(capsys):
    x = rand(3, seed=81)
    capsys.readouterr()
    g = srcad.grad(with_print)(x)
    out = capsys.readouterr().out
    assert "with_print: sum = True" in out
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-12)
    check_grad(with_print, x)


LOG = logging.getLogger(__name__)


def with_logging(x):
    logging.getLogger(__name__).debug("x has %d entries", x.shape[0])
    log = logging.getLogger(__name__)
    log.debug("first entry %s", x[0])
    return np.sum(np.exp(x))


def with_module_logger(x):
    LOG.debug("first entry %s", x[0])
    return np.sum(np.exp(x))


@pytest.mark.parametrize("fn", [with_logging, with_module_logger])
def test_logging(caplog, fn):
    x = rand(3, seed=82)
    with caplog.at_level(logging.DEBUG, logger=__name__):
        g = srcad.grad(fn)(x)
    np.testing.assert_allclose(g, np.exp(x), rtol=1e-12)
    assert "first entry" in caplog.text
    check_grad(fn, x)


def with_raise(x, n):
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x has non-finite entries")
    return np.sum(x ** n)


def test_raise_in_validation_branch():
    x = rand(3, seed=83)
    check_grad(with_raise, x, 3)
    with pytest.raises(ValueError, match="n must be non-negative, got -1"):
        srcad.grad(with_raise)(x, -1)
    with pytest.raises(ValueError, match="non-finite"):
        srcad.grad(with_raise)(np.array([1.0, np.inf]), 2)


def with_type_checks(x, k):
    if isinstance(k, int):
        x = x * k
    if isinstance(x, np.ndarray) and type(k) is int:
        return np.sum(x ** 2)
    return np.sum(x)


def test_isinstance_and_type():
    x = rand(3, seed=84)
    check_grad(with_type_checks, x, 3)
    np.testing.assert_allclose(srcad.grad(with_type_checks)(x, 3), 18 * x, rtol=1e-12)
    np.testing.assert_allclose(srcad.grad(with_type_checks)(x, 3.0), np.ones(3), rtol=1e-12)


def with_fstring(x, n):
    label = f"{n:d} items, first={x[0]:.3f}, name={'loss'!r}"
    if len(label) > 0:
        return np.sum(x ** 2) * len(label)
    return np.sum(x)


def test_fstring():
    x = rand(3, seed=85)
    check_grad(with_fstring, x, 4)
    n_chars = len(f"{4:d} items, first={x[0]:.3f}, name={'loss'!r}")
    np.testing.assert_allclose(srcad.grad(with_fstring)(x, 4), 2 * x * n_chars, rtol=1e-12)


def with_annotations(x: np.ndarray, c: float) -> float:
    y: float = c * 2.0
    z: np.ndarray = np.sin(x) * y
    total: float
    total = np.sum(z)
    return total


def test_type_annotations():
    check_grad(with_annotations, rand(3, seed=86), 0.4, wrt=(0, 1))


def with_errstate(x):
    with np.errstate(divide="ignore"):
        y = np.log(x)
        r = np.where(x > 0.5, 1.0 / x, 0.0)
    return np.sum(y * x) + np.sum(r)


def test_np_errstate_block():
    x = np.abs(rand(4, seed=87)) + 0.1
    check_grad(with_errstate, x)


# =============================================================== 6. gradient hooks
def rnn_plain(w, xs):
    h = 0.5
    for t in range(xs.shape[0]):
        h = np.tanh(w * h + xs[t])
    return 3.0 * h


def rnn_hooked(w, xs, c):
    """The clip bound is an argument of the differentiated function."""
    h = 0.5
    for t in range(xs.shape[0]):
        h = np.tanh(w * h + xs[t])
        with srcad.insert_grad_of(h) as dh:
            dh = np.clip(dh, -c, c)
    return 3.0 * h


def make_rnn(c):
    """The clip bound is captured by a closure."""
    def rnn_hooked_closure(w, xs):
        h = 0.5
        for t in range(xs.shape[0]):
            h = np.tanh(w * h + xs[t])
            with srcad.insert_grad_of(h) as dh:
                dh = np.clip(dh, -c, c)
        return 3.0 * h

    return rnn_hooked_closure


def rnn_hooked_local(w, xs):
    """The clip bound is a local variable of the differentiated function."""
    lim = 0.4
    h = 0.5
    for t in range(xs.shape[0]):
        h = np.tanh(w * h + xs[t])
        with srcad.insert_grad_of(h) as dh:
            dh = np.clip(dh, -lim, lim)
    return 3.0 * h


def make_rnn_vec(c):
    def rnn_vec_hooked(W, U, xs):
        h = np.zeros(W.shape[0])
        for t in range(xs.shape[0]):
            h = np.tanh(W @ h + U @ xs[t])
            with srcad.insert_grad_of(h) as dh:
                dh = np.clip(dh, -c, c)
        return np.sum(h ** 2)

    return rnn_vec_hooked


def rnn_vec_hooked_arg(W, U, xs, c):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
        with srcad.insert_grad_of(h) as dh:
            dh = np.clip(dh, -c, c)
    return np.sum(h ** 2)


def rnn_vec_plain(W, U, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h ** 2)


def rnn_inputs():
    return rand(3, 3, seed=90), rand(3, 2, seed=91), rand(4, 2, seed=92)


def test_hook_with_huge_clip_is_identity_closure_bound():
    W, U, xs = rnn_inputs()
    plain = check_grad(rnn_vec_plain, W, U, xs, wrt=(0, 1))
    hooked = srcad.grad(make_rnn_vec(1e6), wrt=(0, 1))(W, U, xs)
    for a, b in zip(hooked, plain):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_hook_with_huge_clip_is_identity_argument_bound():
    W, U, xs = rnn_inputs()
    plain = srcad.grad(rnn_vec_plain, wrt=(0, 1))(W, U, xs)
    hooked = srcad.grad(rnn_vec_hooked_arg, wrt=(0, 1))(W, U, xs, 1e6)
    for a, b in zip(hooked, plain):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_hook_scalar_huge_clip_matches_fd():
    check_grad(make_rnn(1e6), 1.5, np.array([0.3, -0.2, 0.1]), wrt=(0, 1))


def clipped_by_hand(w, xs, c, h0=0.5):
    """Reverse sweep of rnn_hooked for two steps, the hook clipping the adjoint of h."""
    h1 = np.tanh(w * h0 + xs[0])
    h2 = np.tanh(w * h1 + xs[1])
    g2 = np.clip(3.0, -c, c)  # adjoint of h2 (3.0 from `return 3.0 * h`), clipped
    da2 = g2 * (1 - h2 ** 2)
    g1 = np.clip(da2 * w, -c, c)  # adjoint of h1 reaching the hook of step 1, clipped
    da1 = g1 * (1 - h1 ** 2)
    return da2 * h1 + da1 * h0, np.array([da1, da2])


@pytest.mark.parametrize("how", ["closure", "local", "argument"])
def test_hook_small_clip_matches_hand_derivation(how):
    w, xs, c = 1.5, np.array([0.3, -0.2]), 0.4
    dw, dxs = clipped_by_hand(w, xs, c)
    if how == "closure":
        got_w, got_xs = srcad.grad(make_rnn(c), wrt=(0, 1))(w, xs)
    elif how == "local":
        got_w, got_xs = srcad.grad(rnn_hooked_local, wrt=(0, 1))(w, xs)
    else:
        got_w, got_xs = srcad.grad(rnn_hooked, wrt=(0, 1))(w, xs, c)
    assert isinstance(got_w, float)
    np.testing.assert_allclose(got_w, dw, rtol=1e-12)
    np.testing.assert_allclose(got_xs, dxs, rtol=1e-12)
    # both clips bite: the plain gradient differs
    plain_w, plain_xs = srcad.grad(rnn_plain, wrt=(0, 1))(w, xs)
    assert abs(plain_w - got_w) > 1e-3 and abs(plain_xs[0] - got_xs[0]) > 1e-3


def rnn_print_hook(w, xs):
    h = 0.5
    for t in range(xs.shape[0]):
        h = np.tanh(w * h + xs[t])
        print("fwd", t)
        with srcad.insert_grad_of(h) as dh:
            print("hook", dh)
    return 3.0 * h


def test_printing_hook(capsys):
    w, xs = 1.5, np.array([0.3, -0.2])
    capsys.readouterr()
    got = srcad.grad(rnn_print_hook, wrt=(0, 1))(w, xs)
    lines = [ln for ln in capsys.readouterr().out.split("\n") if ln]
    expected = srcad.grad(rnn_plain, wrt=(0, 1))(w, xs)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-12)
    assert [ln.split()[0] for ln in lines] == ["fwd", "fwd", "hook", "hook"], lines
    assert lines[:2] == ["fwd 0", "fwd 1"]
    # the reverse sweep reaches the last step first: adjoint 3.0, then 3 (1 - h2^2) w
    h1 = np.tanh(w * 0.5 + xs[0])
    h2 = np.tanh(w * h1 + xs[1])
    assert float(lines[2].split()[1]) == pytest.approx(3.0)
    assert float(lines[3].split()[1]) == pytest.approx(3.0 * (1 - h2 ** 2) * w)


# ------------------------------------------------------- found by probing (regressions)
State = namedtuple("State", "p v")


def leapfrog(p0, v0, dt):
    s = State(p0, v0)
    for _ in range(8):
        s = State(s.p + dt * s.v, s.v - dt * np.sin(s.p))
    return s.p ** 2 + 0.5 * s.v


def state_dict_loop(state0, dt):
    s = state0
    for _ in range(4):
        s = {"x": s["x"] + dt * s["v"], "v": s["v"] - dt * s["x"]}
    return np.sum(s["x"] ** 2) + np.sum(s["v"])


def inner_sgd(p, g, lr):
    for _ in range(3):
        p = {k: v - lr * g[k] * v for k, v in p.items()}
    return sum(np.sum(v ** 2) for v in p.values())


def container_chosen_in_branch(x):
    s = {"a": x, "b": 2.0 * x}
    if x > 0:
        s = {"a": x * x, "b": s["a"]}
    return s["a"] + s["b"]


def test_containers_rebound_in_loops_and_branches():
    check_grad(leapfrog, 0.3, 0.2, 0.1, wrt=(0, 1))
    state = {"x": rand(2, seed=3), "v": rand(2, seed=4)}
    check_tree(state_dict_loop, state, 0.1)
    check_tree(inner_sgd, {"w": rand(2, seed=5), "b": rand(1, seed=6)},
               {"w": rand(2, seed=7), "b": rand(1, seed=8)}, 0.1)
    check_grad(container_chosen_in_branch, 0.7)
    check_grad(container_chosen_in_branch, -0.7)


class Base:
    def __init__(self, a):
        self.a = a

    def energy(self, x):
        return self.a * x


class Derived(Base):
    def __init__(self, a, b):
        super().__init__(a)
        self.b = b

    def energy(self, x):
        return super().energy(x) + self.b * x * x


class NoInit:
    def cube(self, x):
        return x ** 3


def uses_inheritance(x):
    return Derived(2.0, x).energy(x) + NoInit().cube(x)


def inherited_on_argument(obj, x):
    return obj.energy(x)


def test_super_inheritance_and_classes_without_init():
    check_grad(uses_inheritance, 0.7)
    dobj, dx = srcad.grad(inherited_on_argument, wrt=(0, 1))(Derived(1.5, 0.5), 0.3)
    assert isinstance(dobj, Derived)
    assert (dobj.a, dobj.b) == pytest.approx((0.3, 0.09))  # energy = a x + b x^2
    assert dx == pytest.approx(1.5 + 2 * 0.5 * 0.3)


def dict_values_penalty(params, x):
    return np.sum(params["W"] @ x) + 0.1 * sum(np.sum(w ** 2) for w in params.values())


def dict_items_loop(params, x):
    total = 0.0
    for name, w in params.items():
        total = total + np.sum(w) * np.sum(x[: w.size]) * (2.0 if name == "W" else 1.0)
    for k in params.keys():
        total = total + np.sum(params[k])
    return total


def test_methods_of_argument_dicts():
    params = {"W": rand(2, 2, seed=1), "b": rand(2, seed=2)}
    check_tree(dict_values_penalty, params, rand(2, seed=3))
    check_tree(dict_items_loop, params, rand(4, seed=4))


def extend_local(x):
    ys = [x]
    ys.extend([x, x * x])
    ys.extend(np.array([1.0, 2.0]) * x)
    return sum(ys)


def static_pairs(a, b):
    d = {k: v * 2.0 for k, v in (("a", a), ("b", b))}
    return d["a"] * d["b"] + min([a, b, 0.5]) + max(a, b, 0.1)


def list_of_array(x):
    xs = list(x)
    return sum(v * v for v in list(xs)) + xs[1]


def test_extend_list_min_max_and_static_pairs():
    check_grad(extend_local, 0.3)
    check_grad(static_pairs, 0.3, 0.7, wrt=(0, 1))
    check_grad(list_of_array, np.array([1.0, 2.0, 3.0]))


def insert_local(x):
    ys = [1.0, 2.0]
    ys.insert(0, x)
    return ys[0] * ys[1]


def sort_local(x):
    ys = x * 2.0
    ys.sort()
    return np.sum(ys)


def extend_argument(x, xs):
    xs.extend([x])
    return sum(xs) * x


def append_differentiated_list(xs):
    xs.append(1.0)
    return sum(xs)


def setdefault_argument(x, d):
    d.setdefault("b", x)
    return d["a"] * x


@pytest.mark.parametrize("f, args, words", [
    (sort_local, (np.array([0.3, 0.1]),), "in place"),
    (extend_argument, (0.3, [0.5]), "argument"),
    (append_differentiated_list, ([0.5, 0.2],), "caller"),
    (setdefault_argument, (0.3, {"a": 1.0}), "setdefault"),
], ids=lambda v: getattr(v, "__name__", None))
def test_in_place_container_changes_are_refused(f, args, words):
    before = copy.deepcopy(args)
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(f)(*args)
    assert words in str(info.value) and f.__name__ in str(info.value)
    assert info.value.lineno is not None
    for a, b in zip(args, before):
        assert_tree_equal(a, b)


class Coefficient:
    alpha = 1.0

    def __init__(self):
        self.w = 2.0

    def value(self, x):
        return x * x


def uses_class_attribute(x):
    return Coefficient.alpha * x * x + Coefficient().value(x)


def test_changed_class_attributes_and_methods_are_seen_by_cached_gradients():
    g = srcad.grad(uses_class_attribute)
    assert g(0.5) == pytest.approx(2.0)
    old_alpha, old_value = Coefficient.alpha, Coefficient.value
    try:
        Coefficient.alpha = 3.0
        assert g(0.5) == pytest.approx(4.0)
        Coefficient.value = lambda self, x: x ** 3
        assert g(0.5) == pytest.approx(3.0 + 0.75)
    finally:
        Coefficient.alpha, Coefficient.value = old_alpha, old_value


def test_vjp_differentiates_structured_arguments_by_default():
    def f(p, x):
        return np.sum(p["w"] * x)
    out, pullback = srcad.vjp(f, {"w": np.ones(2)}, np.array([1.0, 2.0]))
    dp, dx = pullback(1.0)
    np.testing.assert_allclose(dp["w"], [1.0, 2.0])
    np.testing.assert_allclose(dx, [1.0, 1.0])


def enumerate_zip_and_filtered_pairs(xs, ys):
    t = 0.0
    for i, (a, b) in enumerate(zip(xs, ys), start=1):
        t = t + i * a * b
    return t + sum(a * b for a in xs for b in ys if a != b)


def loop_over_a_helper_result(x):
    total = 0.0
    for v in doubled_items(x):
        total = total + v * v
    return total


def doubled_items(x):
    print("called once")
    return [2.0 * v for v in x]


def test_enumerate_of_zip_filtered_comprehensions_and_loops_over_calls(capsys):
    check_grad(enumerate_zip_and_filtered_pairs, np.array([0.5, 1.5, -0.3]),
               np.array([1.0, 2.0, 3.0]), wrt=(0, 1))
    capsys.readouterr()
    srcad.grad(loop_over_a_helper_result)(np.array([0.5, 1.5]))
    assert capsys.readouterr().out.count("called once") == 1
