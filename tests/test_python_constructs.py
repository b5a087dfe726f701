"""The Python people write: module-level constants used like literals, `for`/`while`
with `else`, every kind of parameter and starred unpacking, tuples and dicts built from
differentiated values, flow-sensitive aliasing for in-place updates, helpers taking
containers, `with` on objects, and functions held in module-level containers.

Each construct is checked against central finite differences in reverse mode and in
forward mode (`check_grad`), and on a small case against the Hessian; what stays refused
is checked for the error's type, line and message.
"""

from __future__ import annotations

import contextlib
import inspect

import numpy as np
import pytest
from gradcheck import check_grad, numerical_hessian

import srcad
from srcad.ir.nodes import Const

X = np.array([0.3, -1.2, 0.7, 1.5, -0.4])


def check_hessian(f, x, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(srcad.hessian(f)(x), numerical_hessian(f, x), rtol=rtol,
                               atol=atol, err_msg=f"Hessian of {f.__name__}")


def line_of(fn, marker):
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if marker in line)


def refusal(fn, *args):
    with pytest.raises(srcad.UnsupportedSyntaxError) as info:
        srcad.grad(fn)(*args)
    return info.value


# ====================================================== 1. module-level constants
IDX = np.array([0, 2, 4])
OTHER_IDX = np.array([1, 3])
TEMPLATE = np.array([1.0, -1.0, 2.0, -3.0, 0.5])
MASK = TEMPLATE > 0
ARRS = [np.arange(5.0), np.ones(5)]
PAIR = (np.arange(5.0), 2.0 * np.ones(5))
WEIGHTS = np.linspace(0.0, 1.0, 5)
TABLE = {"a": np.arange(5.0), "b": np.ones(5)}
NESTED = ((IDX, 1.0), (OTHER_IDX, 2.0))


def index_constant(x):
    return np.sum(x[IDX] ** 2)


def mask_constant(x):
    return np.sum(x[MASK] ** 3)


def list_and_tuple_of_arrays(x):
    return np.sum(x * ARRS[0] + ARRS[1] * x ** 2) + np.sum(PAIR[1] * np.sin(x))


def constant_in_comparisons(x):
    y = np.where(WEIGHTS > 0.5, x, 2.0 * x)
    if MASK is not None and IDX.size == 3:
        y = y * 1.5
    return np.sum(y ** 2)


def loops_over_constants(x):
    s = 0.0
    for a, b in zip(PAIR, ARRS):
        s = s + np.sum(a * b * x)
    for i, a in enumerate(ARRS):
        s = s + i * np.sum(a * x ** 2)
    for i in IDX:
        s = s + x[i] ** 2
    for idx, w in NESTED:
        s = s + w * np.sum(x[idx] ** 2)
    for k in range(len(ARRS)):
        s = s + np.sum(ARRS[k] * x)
    return s


def constants_as_dict_values(x):
    d = {"w": WEIGHTS, "i": IDX}
    return np.sum(x[d["i"]] * d["w"][d["i"]]) + np.sum(x * TABLE["a"] + TABLE["b"])


def helper_with_index(y, idx):
    return np.sum(y[idx] ** 2)


def helper_with_default(y, idx=IDX):
    return np.sum(y[idx] ** 2)


def constants_as_arguments_and_defaults(x):
    def local(y, m=MASK):
        return np.sum(y[m] * TEMPLATE[m])
    return helper_with_index(x, IDX) + helper_with_index(x, MASK) + \
        helper_with_default(x) + helper_with_default(x, OTHER_IDX) + local(x) * local(x)


def constant_chosen_by_branch(x, c):
    idx = IDX if c > 0 else OTHER_IDX
    if c > 1:
        idx = MASK
    return np.sum(x[idx] ** 2)


def constant_index_assignment(x):
    y = np.zeros(5)
    y[IDX] = x[IDX] ** 2
    y[MASK] += x[MASK]
    return np.sum(y * x) + np.sum(x[IDX]) * np.sum(x[IDX] * 2.0)


def make_closure(index, weights):
    def loss(x):
        return np.sum(x[index] * weights[index] * x[index])
    return loss


@pytest.mark.parametrize("fn", [index_constant, mask_constant, list_and_tuple_of_arrays,
                                constant_in_comparisons, loops_over_constants,
                                constants_as_dict_values, constants_as_arguments_and_defaults,
                                constant_index_assignment, make_closure(IDX, WEIGHTS),
                                make_closure(MASK, TEMPLATE)],
                         ids=lambda fn: fn.__name__)
def test_module_level_constants_work_like_literals(fn):
    check_grad(fn, X)


@pytest.mark.parametrize("fn", [index_constant, mask_constant, loops_over_constants,
                                constant_index_assignment], ids=lambda fn: fn.__name__)
def test_module_level_constants_second_derivatives(fn):
    check_hessian(fn, X)


@pytest.mark.parametrize("c", [-1.0, 0.5, 2.0])
def test_module_level_constant_picked_by_a_branch(c):
    check_grad(constant_chosen_by_branch, X, c)


def test_constants_holding_arrays_compare_by_identity():
    a = np.arange(3.0)
    assert Const(a) == Const(a) and Const(a) != Const(a.copy())
    assert Const([a]) != Const([a.copy()]) and Const((a, 1)) == Const((a, 1))
    assert Const(1) == Const(1.0) and Const(np.float64(2.0)) == Const(2.0)
    assert len({Const(a), Const(a), Const([a]), Const(slice(1, None))}) == 3


def array_as_a_key(x):
    d = {"a": x}
    return np.sum(d[IDX])


def module_array_changed_in_place(x):
    d = {"w": WEIGHTS}
    d["w"] += x
    return np.sum(d["w"])


def test_arrays_as_container_keys_and_module_arrays_changed_in_place_are_refused():
    err = refusal(array_as_a_key, X)
    assert "not hashable" in str(err) and err.lineno == line_of(array_as_a_key, "d[IDX]")
    err = refusal(module_array_changed_in_place, X)
    assert "module-level array" in str(err)
    assert err.lineno == line_of(module_array_changed_in_place, "+= x")


# ====================================================== 2. for ... else, while ... else
def for_else(x):
    s = 0.0
    for i in range(5):
        s = s + x[i] ** 2
        if s > 1.0:
            break
    else:
        s = s * 10.0
    return s


def while_else(x):
    s = 0.0
    i = 0
    while i < 5:
        s = s + x[i] ** 2
        if s > 100.0:
            break
        i += 1
    else:
        s = -s
    return s


def nested_else_with_continue(x):
    s = 0.0
    for i in range(3):
        for j in range(3):
            if x[j] * i > 1.0:
                break
            s = s + x[j] * x[i]
        else:
            s = s * 1.1
            continue
        s = s - x[i]
    return s


def else_that_returns(x):
    for i in range(5):
        if x[i] > 10.0:
            return x[i]
    else:
        return np.sum(x ** 2)


def else_over_a_container(x):
    s = 0.0
    for a in (x[0], x[1], x[2]):
        if a > 0.5:
            break
        s = s + a ** 2
    else:
        s = 2.0 * s
    return s


@pytest.mark.parametrize("fn", [for_else, while_else, nested_else_with_continue,
                                else_that_returns, else_over_a_container],
                         ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("scale", [0.1, 1.0, 3.0])
def test_loop_else_runs_when_the_loop_did_not_break(fn, scale):
    value, _ = srcad.value_and_grad(fn)(X * scale)
    assert value == pytest.approx(fn(X * scale))
    check_grad(fn, X * scale)


def test_loop_else_second_derivatives():
    check_hessian(for_else, X * 0.1)
    check_hessian(nested_else_with_continue, X)


# ====================================================== 3. parameters and unpacking
def keyword_only(x, *, scale=2.0):
    return np.sum(x ** 2) * scale


def positional_only(x, /, y):
    return np.sum(x * y ** 2)


def star_args(*xs):
    return sum(np.sum(x ** 2) for x in xs) * len(xs)


def star_kwargs(x, **options):
    return np.sum(x ** options.get("power", 2)) * options["scale"]


def test_keyword_only_positional_only_and_packed_parameters():
    check_grad(keyword_only, X)
    assert np.allclose(srcad.grad(keyword_only)(X, scale=3.0), 6.0 * X)
    value, tangent = srcad.jvp(keyword_only, (X,), (np.ones(5),), scale=3.0)
    assert value == pytest.approx(keyword_only(X, scale=3.0))
    assert tangent == pytest.approx(np.sum(6.0 * X))
    check_hessian(keyword_only, X)
    check_grad(positional_only, X, X + 1.0, wrt=(0, 1))
    g = srcad.grad(star_args)(X, 2.0 * X)  # the parameter `xs` is a tuple
    assert isinstance(g, tuple) and np.allclose(g[0], 4.0 * X) and np.allclose(g[1], 8.0 * X)
    g = srcad.grad(star_kwargs)(X, power=3, scale=2.0)
    assert np.allclose(g, 6.0 * X ** 2)


def squares(*arrays):
    return sum(np.sum(a ** 2) for a in arrays)


def forward_star_args(*args):
    return squares(*args)


def weighted(x, *, w, bias=0.0):
    return np.sum(x * w) + bias


def forward_kwargs(x, **kwargs):
    return weighted(x, **kwargs)


def packed_helpers(x):
    def local(*vals, k=2.0, **extra):
        return k * sum(vals) + extra["c"] * vals[0]
    opts = {"w": np.sin(x)}
    return forward_star_args(x, x ** 2) + forward_kwargs(x, **opts, bias=x[0]) + \
        weighted(x, w=x ** 2) + local(x[0], x[1] ** 2, c=x[2]) + local(x[3], k=0.5, c=1.0)


def test_helpers_with_packed_and_keyword_only_parameters():
    check_grad(packed_helpers, X)
    check_hessian(packed_helpers, X)


def starred_targets(x):
    first, *rest = [x[0], x[1] ** 2, x[2]]
    *init, last = rest
    a, *middle, b = (x[0], x[1], x[2], x[3])
    head, *tail = x                   # an array: `tail` is a list of its items
    return first * last + sum(init) + a * b * sum(middle) + head * np.sum(np.stack(tail))


def starred_run_time_targets(x, n):
    items = []
    for i in range(n):
        items.append(x[i] ** 2)
    first, *rest, last = items
    rest.append(2.0)
    return first * last + sum(rest) * first


def starred_arguments(x):
    xs = (x, 2.0 * x)
    pair = [x[0], x[1] ** 2]
    return squares(*xs) + np.arctan2(*pair) + squares(*PAIR, x) + \
        np.sum(np.stack([*xs, x ** 2])) + max(*pair)


def test_starred_targets_and_arguments():
    check_grad(starred_targets, X)
    check_grad(starred_run_time_targets, X, 4)
    check_grad(starred_arguments, X)
    check_hessian(starred_targets, X)
    check_hessian(starred_arguments, X)


def starred_run_time_length(x):
    xs = [x] * 2
    return weighted(*xs)


def unpack_too_few(x):
    first, *rest, last = [x[0]]
    return first


def test_starred_refusals():
    err = refusal(starred_run_time_length, X)
    assert "starred arguments (*args)" in str(err)
    assert err.lineno == line_of(starred_run_time_length, "weighted(*xs)")
    err = refusal(unpack_too_few, X)
    assert "cannot unpack 1 values into 3 targets" in str(err)
    with pytest.raises(ValueError, match="not enough values to unpack"):
        srcad.grad(starred_run_time_targets)(X, 1)


# ====================================================== 4. slices and tuples
def list_slices(x):
    items = [x[0], x[1] * 2.0, x[2] ** 2, x[3]]
    backwards = items[::-1]
    return sum(items[1:3]) * items[0] + backwards[0] * backwards[3] + sum(items[-2:])


def tuples_of_values(x):
    t = tuple(x[i] ** 2 for i in range(3))
    u = tuple([x[3], x[4]])
    return t[0] * t[1] + t[2] * sum(u)


def pendulum(x):
    state = (x[0], x[1])
    for _ in range(20):
        theta, omega = state
        state = (theta + 0.05 * omega, omega - 0.05 * np.sin(theta))
    return state[0] + state[1] ** 2


def tuple_of_arrays_through_a_loop(x):
    state = (x[:2], x[2:4])
    for _ in range(5):
        a, b = state
        state = (a + 0.1 * b, b - 0.1 * np.sin(a))
    return np.sum(state[0] * state[1])


@pytest.mark.parametrize("fn", [list_slices, tuples_of_values, pendulum,
                                tuple_of_arrays_through_a_loop], ids=lambda fn: fn.__name__)
def test_slices_and_tuples_of_differentiated_values(fn):
    check_grad(fn, X)
    check_hessian(fn, X)


# ====================================================== 5. dicts
def dict_builders(x):
    squares_by_name = {f"w{i}": x[i] ** 2 for i in range(3)}
    by_index = {i: x[i] * 2.0 for i in range(3)}
    made = dict(a=x[0], b=x[1] ** 2)
    zipped = dict(zip(("p", "q"), (x[2], np.sin(x[3]))))
    names = ["u", "v"]
    listed = dict(zip(names, [x[4], x[0] * x[1]]))
    merged = dict(made, c=x[2])
    return squares_by_name["w0"] * squares_by_name["w2"] + by_index[1] + \
        made["a"] * made["b"] + zipped["p"] * zipped["q"] + listed["u"] * listed["v"] + \
        merged["c"] * merged["b"]


def keys_from_loop_indices(x):
    d = {}
    for i in range(3):
        d["k%d" % i] = x[i] ** 2  # noqa: UP031 (the %-formatting people write)
        d[f"w{i}"] = x[i + 1] * d["k%d" % i]  # noqa: UP031
    total = 0.0
    for key in d:
        total = total + d[key]
    return total


def test_dicts_built_from_differentiated_values():
    check_grad(dict_builders, X)
    check_hessian(dict_builders, X)
    check_grad(keys_from_loop_indices, X)
    check_hessian(keys_from_loop_indices, X)


def run_time_keys(x, n):
    d = {}
    for i in range(n):
        d[f"w{i}"] = x[i]
    return d["w0"]


def test_keys_only_the_run_time_knows_are_refused():
    err = refusal(run_time_keys, X, 3)
    assert "computed at run time" in str(err)
    assert err.lineno == line_of(run_time_keys, 'd[f"w{i}"]')


# ====================================================== 6. in-place updates and aliases
def alias_no_longer_used(x):
    y = x * 2.0
    prev = y
    s = np.sum(prev ** 2)
    y += x
    y[0] = s
    return s + np.sum(y ** 2)


def alias_rebound_each_iteration(x):
    y = x * 1.0
    total = 0.0
    for _ in range(3):
        prev = y
        total = total + np.sum(prev * x)
        y += 0.5 * x
    return total + np.sum(y ** 2)


def alias_still_used(x):
    y = x * 2.0
    prev = y
    y += x
    return np.sum(prev * y)


def alias_escapes(x):
    y = x * 2.0
    prev = y
    kept = [prev]
    y += x
    return np.sum(kept[0] * y)


def test_an_alias_no_longer_read_does_not_block_an_update():
    check_grad(alias_no_longer_used, X)
    check_grad(alias_rebound_each_iteration, X)
    check_hessian(alias_no_longer_used, X)


@pytest.mark.parametrize("fn", [alias_still_used, alias_escapes], ids=lambda fn: fn.__name__)
def test_real_sharing_is_still_refused(fn):
    err = refusal(fn, X)
    assert "y += ..." in str(err) and err.lineno == line_of(fn, "y += x")


class Particle:
    def __init__(self, position):
        self.position = position


def item_shared_with_a_variable(x):
    y = x * 2.0
    d = {"a": y}
    d["a"] += x
    return np.sum(y * x)


def list_copy_shares_items(x):
    items = [x * 1.0, x * 2.0]
    copied = list(items)
    items[0] += x
    return np.sum(copied[0] * x)


def attribute_holding_the_argument(x):
    p = Particle(x)
    p.position += 1.0
    return np.sum(x * x)


def items_nobody_else_holds(x):
    d = {"a": x * 2.0, "n": 0.0}
    p = Particle(x * 1.0)
    for i in range(3):
        d["a"] += x
        d["n"] += x[i]
        p.position += 0.5 * x
    return np.sum(d["a"] * p.position) + d["n"]


@pytest.mark.parametrize("fn, marker", [(item_shared_with_a_variable, 'd["a"] += x'),
                                        (list_copy_shares_items, "items[0] += x"),
                                        (attribute_holding_the_argument, "p.position +=")],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_updating_a_shared_item_in_place_is_refused(fn, marker):
    err = refusal(fn, X)
    assert "would change an array in place" in str(err)
    assert err.lineno == line_of(fn, marker)


def test_updating_items_nobody_else_holds():
    check_grad(items_nobody_else_holds, X)
    check_hessian(items_nobody_else_holds, X)


# ====================================================== 7. helpers, containers, with
def sum_of_squares(arrays):
    s = 0.0
    for a in arrays:
        s = s + np.sum(a ** 2)
    return s


def from_dict(d):
    return d["a"] * np.sum(d["b"])


class Stack:
    def __init__(self):
        self.items = []


class Scaled:
    def __init__(self, k):
        self.k = k

    def __enter__(self):
        return self.k

    def __exit__(self, *exc):
        return False


def containers_built_in_loops(x):
    arrays = []
    for i in range(3):
        arrays.append(x * (i + 1))
    d = {"a": 0.0, "b": x}
    for i in range(3):
        d["a"] = d["a"] + x[i]
        d["b"] = d["b"] * 1.5
    stack = Stack()
    for i in range(3):
        stack.items.append(x[i] ** 2)
    with Scaled(2.0) as k:
        scaled = k * sum(stack.items)
    return sum_of_squares(arrays) + from_dict(d) + scaled


def with_passed_in(x, manager):
    with manager as k:
        y = np.sum(x ** 2) * k
    return y


def test_helpers_taking_containers_and_with_blocks():
    check_grad(containers_built_in_loops, X)
    check_hessian(containers_built_in_loops, X)
    check_grad(with_passed_in, X, contextlib.nullcontext(3.0), forward=False)
    g = srcad.grad(with_passed_in)(X, Scaled(3.0))
    assert np.allclose(g, 6.0 * X)


# ====================================================== 8. functions held in containers
def square(x):
    return np.sum(x ** 2)


def cube(x):
    return np.sum(x ** 3)


FUNCS = {"square": square, "cube": cube}
FUNC_LIST = [square, cube]


def functions_from_containers(x):
    f = FUNCS["cube"]
    total = f(x) + FUNCS["square"](x) * FUNC_LIST[1](x)
    for name in ("square", "cube"):
        total = total + FUNCS[name](x)
    return total


def test_functions_held_in_module_level_containers():
    check_grad(functions_from_containers, X)
    check_hessian(functions_from_containers, X)


def test_replacing_a_held_function_transforms_again():
    grad = srcad.grad(functions_from_containers)
    before = grad(X)
    FUNC_LIST[1] = square
    try:
        after = grad(X)
        np.testing.assert_allclose(after, srcad.grad(functions_from_containers)(X))
        assert not np.allclose(before, after)
    finally:
        FUNC_LIST[1] = cube


# ----------------------------------------------------------------------------- factories
# A local function returned by a helper (a factory or decorator called inside the
# differentiated function) keeps the helper's variables: its parameters and its other
# local functions (autograd's test_scipy symmetrize_matrix_arg).


def symmetrizing(fun, argnum):
    def transposed(m):
        return np.swapaxes(m, -1, -2) if np.ndim(m) > 1 else m

    def symmetrize(m):
        return 0.5 * (m + transposed(m))

    def symmetrized(*args):
        args = list(args)
        args[argnum] = symmetrize(args[argnum])
        return fun(*args)
    return symmetrized


def scaled_quadratic(v, m, scale):
    return scale * (v @ np.tanh(m) @ v)


def through_a_factory(m):
    return symmetrizing(scaled_quadratic, 1)(X[:3], m, 2.0)


def through_a_factory_held_in_a_name(m):
    f = symmetrizing(scaled_quadratic, 1)
    return f(X[:3], m, 0.5) + f(X[1:4], m * m, 1.5)


@pytest.mark.parametrize("fn", [through_a_factory, through_a_factory_held_in_a_name],
                         ids=lambda f: f.__name__)
def test_closures_returned_by_a_factory_keep_its_variables(fn):
    m = np.arange(9.0).reshape(3, 3) / 10.0
    check_grad(fn, m)
    check_hessian(fn, m)
