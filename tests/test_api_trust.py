"""The API level: clear errors before anything is differentiated, and derivatives of the
documented shape (zeros included), for every API function.

Each behaviour is checked across grad, value_and_grad, vjp, jvp, jacobian, hessian and
hvp: outputs a gradient cannot start from, integer and other non-float arguments in
`wrt`, lists and tuples, wrappers and other callables, defaults and keyword arguments,
the shape of zero derivatives, and a table of bad inputs where the only outcomes allowed
are a result, a `srcad.SrcadError`, or a TypeError for a wrong number of arguments.
"""

import functools
import math
import sys

import numpy as np
import pytest
import scipy.special
from gradcheck import numerical_grad, numerical_hessian, numerical_jacobian, numerical_jvp

import srcad

X3 = np.array([0.3, 1.2, -0.7])

# ----------------------------------------------------------------------------- outputs


def returns_tuple(x):
    return np.sum(x), np.sum(x ** 2)


def returns_list(x):
    return [np.sum(x), np.sum(x ** 2)]


def returns_str(x):
    return "done"


def returns_none(x):
    y = np.sum(x)
    print(y, end="")
    return None


def returns_complex(x):
    return np.sum(x) * 1j


def returns_complex_array(x):
    return x * (1.0 + 2.0j)


def returns_bool(x):
    return np.sum(x) > 0.0


def returns_str_of_unknown_kind(x):
    label = "positive" if np.sum(x) > 0.0 else "negative"
    return label


def returns_array_with_a_hook(x):
    y = x * 2.0
    with srcad.insert_grad_of(y) as dy:
        print("reverse sweep ran", end="")  # the hook runs in the reverse sweep
    return y


def as_hessian(f):
    return srcad.hessian(f)


def as_hvp(f):
    return lambda x: srcad.hvp(f)(x, np.ones_like(x))


def as_grad_of_grad(f):
    return srcad.grad(srcad.grad(f))


GRADIENT_APIS = {
    "grad": srcad.grad,
    "value_and_grad": srcad.value_and_grad,
    "hessian": as_hessian,
    "hvp": as_hvp,
    "grad of grad": as_grad_of_grad,
}

BAD_OUTPUTS = [
    # (function, fragment of what it returned, fragment of what to do)
    (returns_tuple, "tuple", "vjp"),
    (returns_list, "list", "vjp"),
    (returns_str, "'done'", "real scalar"),
    (returns_none, "None", "real scalar"),
    (returns_complex, "complex", "np.abs"),
    (returns_complex_array, "complex", "np.abs"),
    (returns_bool, "bool", "real scalar"),
    (returns_str_of_unknown_kind, "str", "real scalar"),
    (returns_array_with_a_hook, "shape (3,)", "np.sum"),
]


@pytest.mark.parametrize("api", list(GRADIENT_APIS))
@pytest.mark.parametrize("fn, what, todo", BAD_OUTPUTS, ids=[b[0].__name__ for b in BAD_OUTPUTS])
def test_an_output_a_gradient_cannot_start_from_is_refused_naming_it(api, fn, what, todo):
    with pytest.raises(srcad.BadArgumentError) as info:
        GRADIENT_APIS[api](fn)(X3)
    text = str(info.value)
    assert fn.__name__ in text and what in text and todo in text, text
    assert __file__ in text and "line" in text, text


@pytest.mark.parametrize("api", list(GRADIENT_APIS))
def test_an_array_output_is_refused_before_the_reverse_sweep_runs(api, capsys):
    with pytest.raises(srcad.BadArgumentError, match="return"):
        GRADIENT_APIS[api](returns_array_with_a_hook)(X3)
    assert "reverse sweep ran" not in capsys.readouterr().out
    srcad.vjp(returns_array_with_a_hook, X3)[1](np.ones(3))  # a pullback does run it
    assert "reverse sweep ran" in capsys.readouterr().out


def test_a_refused_output_names_the_return_line():
    line = returns_tuple.__code__.co_firstlineno + 1
    with pytest.raises(srcad.BadArgumentError) as info:
        srcad.grad(returns_tuple)(X3)
    assert info.value.lineno == line
    line = returns_array_with_a_hook.__code__.co_firstlineno + 4
    with pytest.raises(srcad.BadArgumentError) as info:
        srcad.grad(returns_array_with_a_hook)(X3)
    assert info.value.lineno == line


def size_one(x):
    return np.array([np.sum(np.sin(x) * x)])


def size_one_by_one(x):
    return np.reshape(np.sum(x ** 3), (1, 1))


@pytest.mark.parametrize("fn", [size_one, size_one_by_one])
def test_a_size_one_array_output_is_a_scalar_for_grad(fn):
    def scalar(x):
        return np.sum(fn(x))
    g = srcad.grad(fn)(X3)
    np.testing.assert_allclose(g, numerical_grad(scalar, [X3], 0), rtol=1e-6)
    value, g2 = srcad.value_and_grad(fn)(X3)
    assert np.shape(value) == np.shape(fn(X3)) and np.allclose(g2, g)
    H = srcad.hessian(fn)(X3)
    assert H.shape == (3, 3)
    np.testing.assert_allclose(H, numerical_hessian(scalar, X3), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(srcad.hvp(fn)(X3, np.ones(3)), H @ np.ones(3), rtol=1e-8)


# ----------------------------------------------------------------------------- integers


def power_by_loop(x, n):
    s = x
    for _ in range(n):
        s = s * x
    return s


def tagged(x, flag, name, nothing):
    return x * 2.0


@pytest.mark.parametrize("wrt", [1, (0, 1), "n"])
@pytest.mark.parametrize("api", ["grad", "value_and_grad", "jacobian", "vjp", "jvp",
                                 "hessian", "hvp"])
def test_an_integer_argument_in_wrt_is_refused_saying_it_has_no_gradient(api, wrt):
    if api in ("hessian", "hvp") and isinstance(wrt, tuple):
        wrt = 1
    with pytest.raises(srcad.BadArgumentError) as info:
        if api == "vjp":
            srcad.vjp(power_by_loop, 2.0, 3, wrt=wrt)
        elif api == "jvp":
            srcad.jvp(power_by_loop, (2.0, 3), (1.0, 1.0))
        elif api == "hvp":
            srcad.hvp(power_by_loop, wrt=wrt)(2.0, 3, 1.0)
        else:
            getattr(srcad, api)(power_by_loop, wrt=wrt)(2.0, 3)
    text = str(info.value)
    assert "'n'" in text and "integer 3" in text and "no gradient" in text, text
    assert "3.0" in text and "leave it out of wrt" in text and "power_by_loop" in text


def test_an_integer_loop_count_left_out_of_wrt_works():
    assert srcad.grad(power_by_loop)(2.0, 3) == pytest.approx(4 * 2.0 ** 3)
    assert srcad.hessian(power_by_loop)(2.0, 3) == pytest.approx(12 * 2.0 ** 2)
    out, (dx,) = srcad.vjp(power_by_loop, 2.0, 3)[0], srcad.vjp(power_by_loop, 2.0, 3)[1](1.0)
    assert out == 16.0 and dx == pytest.approx(32.0)  # the default wrt skips the int


@pytest.mark.parametrize("pos, what", [(1, "bool"), (2, "str"), (3, "NoneType")])
@pytest.mark.parametrize("api", ["grad", "value_and_grad", "jacobian", "vjp", "jvp",
                                 "hessian", "hvp"])
def test_bool_str_and_none_arguments_in_wrt_are_refused(api, pos, what):
    args = (1.5, True, "label", None)
    with pytest.raises(srcad.BadArgumentError, match=what):
        if api == "vjp":
            srcad.vjp(tagged, *args, wrt=pos)
        elif api == "jvp":
            srcad.jvp(tagged, args, tuple(1.0 if i == pos else None for i in range(4)))
        elif api == "hvp":
            srcad.hvp(tagged, wrt=pos)(*args, 1.0)
        else:
            getattr(srcad, api)(tagged, wrt=pos)(*args)


# ----------------------------------------------------------------------------- lists


def sum_of_squares(x):
    return np.sum(np.square(x))


def first_times_second(x):
    return x[0] * x[1] + x[2]


def squares(x):
    return np.square(x)


LISTS = {
    "list": [1.0, 2.0, 3.0],
    "tuple": (1.0, 2.0, 3.0),
    "nested list": [[1.0, 2.0], [3.0, 4.0]],
}


@pytest.mark.parametrize("label", list(LISTS))
def test_grad_value_and_grad_and_vjp_differentiate_lists_as_lists(label):
    x = LISTS[label]
    expected = numerical_grad(sum_of_squares, [np.array(x)], 0)
    for g in (srcad.grad(sum_of_squares)(x), srcad.value_and_grad(sum_of_squares)(x)[1],
              srcad.vjp(sum_of_squares, x)[1](1.0)[0]):
        assert type(g) is type(x)  # the gradient has the argument's structure
        np.testing.assert_allclose(np.array(g), expected, rtol=1e-6)
    flat = list(np.ravel(x))
    if label != "nested list":
        g = srcad.grad(first_times_second)(x)
        np.testing.assert_allclose(g, numerical_grad(first_times_second, [np.array(flat)], 0),
                                   rtol=1e-6)


@pytest.mark.parametrize("label", list(LISTS))
def test_jvp_jacobian_and_hvp_differentiate_lists_as_lists(label):
    x = LISTS[label]
    arr = np.array(x)
    v = [[0.5 * a - 1.0 for a in row] for row in x] if label == "nested list" else \
        type(x)(0.5 * a - 1.0 for a in x)
    _, tangent = srcad.jvp(squares, (x,), (v,))
    np.testing.assert_allclose(tangent, numerical_jvp(squares, [arr], [np.array(v)]),
                               rtol=1e-6)
    jac = srcad.jacobian(squares)(x)  # one Jacobian per item, in the list's structure
    assert type(jac) is type(x)
    expected = numerical_jacobian(squares, arr)  # shape: output shape + x's shape
    for idx in np.ndindex(arr.shape):
        item = jac
        for i in idx:
            item = item[i]
        np.testing.assert_allclose(item, expected[(...,) + idx], rtol=1e-6, atol=1e-8)
    product = srcad.hvp(sum_of_squares)(x, v)  # laid out like x
    assert type(product) is type(x)
    np.testing.assert_allclose(np.array(product), 2.0 * np.array(v), rtol=1e-6)


@pytest.mark.parametrize("label", list(LISTS))
def test_hessian_of_a_list_is_a_list_of_lists_of_blocks(label):
    x = LISTS[label]
    H = srcad.hessian(sum_of_squares)(x)  # H[i][j]: d2f / dx[i] dx[j], as jax.hessian
    flat_x = np.ravel(np.array(x))
    leaves = list(np.ndindex(np.shape(x)))

    def block(tree, idx):
        for i in idx:
            tree = tree[i]
        return tree

    assert type(H) is type(x)
    for a, ia in enumerate(leaves):
        for b, ib in enumerate(leaves):
            assert block(block(H, ia), ib) == (2.0 if a == b else 0.0), (ia, ib)
    assert len(flat_x) == len(leaves)


@pytest.mark.parametrize("api", ["grad", "value_and_grad", "vjp"])
def test_a_list_holding_no_floats_is_refused(api):
    with pytest.raises(srcad.BadArgumentError, match="no floats|holds floats"):
        if api == "vjp":
            srcad.vjp(sum_of_squares, [1, 2, 3])
        else:
            getattr(srcad, api)(sum_of_squares)([1, 2, 3])


# ----------------------------------------------------------------------------- callables


def doubling(f):
    @functools.wraps(f)
    def wrapper(x):
        return 2.0 * f(x)
    return wrapper


def doubling_any(f):
    @functools.wraps(f)
    def forwarding(*args):
        return 2.0 * f(*args)
    return forwarding


@doubling
def doubled_cube(x):
    return x ** 3


@doubling_any
def doubled_square(x):
    return x * x


def test_a_functools_wraps_wrapper_is_differentiated_itself_never_the_wrapped_function():
    x = 1.5
    assert srcad.grad(doubled_cube)(x) == pytest.approx(6 * x ** 2)  # not 3 x^2
    assert srcad.value_and_grad(doubled_cube)(x) == pytest.approx((2 * x ** 3, 6 * x ** 2))
    assert srcad.vjp(doubled_cube, x)[1](1.0) == (pytest.approx(6 * x ** 2),)
    assert srcad.jvp(doubled_cube, (x,), (1.0,)) == pytest.approx((2 * x ** 3, 6 * x ** 2))
    assert srcad.jacobian(doubled_cube)(x) == pytest.approx(6 * x ** 2)
    assert srcad.hessian(doubled_cube)(x) == pytest.approx(12 * x)
    assert srcad.hvp(doubled_cube)(x, 1.0) == pytest.approx(12 * x)
    assert "2.0" in srcad.source(srcad.grad(doubled_cube), x)


@pytest.mark.parametrize("api", ["grad", "value_and_grad", "vjp", "jvp", "jacobian",
                                 "hessian", "hvp"])
def test_a_forwarding_wrapper_is_differentiated_with_its_factor_or_refused(api):
    x = 1.5
    try:
        if api == "vjp":
            result = srcad.vjp(doubled_square, x)[1](1.0)
        elif api == "jvp":
            result = srcad.jvp(doubled_square, (x,), (1.0,))[1]
        elif api == "hvp":
            result = srcad.hvp(doubled_square)(x, 1.0)
        else:
            result = getattr(srcad, api)(doubled_square)(x)
    except srcad.SrcadError as exc:
        assert "doubled_square" in str(exc) or "forwarding" in str(exc)
        return
    if api == "value_and_grad":
        result = result[1]
    expected = 4.0 if api in ("hessian", "hvp") else 4 * x
    assert np.ravel(np.array(result, dtype=object).tolist()) == pytest.approx([expected])


class Quadratic:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return self.k * x * x

    def energy(self, x):
        return self.k * x * x


def scaled(x, k=3.0):
    return k * x * x


CALLABLES = {
    "bound method": Quadratic(3.0).energy,
    "callable object": Quadratic(3.0),
    "functools.partial": functools.partial(scaled, k=3.0),
    "builtin": math.sin,
    "numpy ufunc": np.sin,
    "numpy function": np.sum,
    "class": Quadratic,
    "not callable": 3.0,
}


@pytest.mark.parametrize("label", list(CALLABLES))
@pytest.mark.parametrize("api", ["grad", "value_and_grad", "vjp", "jvp", "jacobian",
                                 "hessian", "hvp"])
def test_every_kind_of_callable_works_or_is_refused_clearly(api, label):
    fn, x = CALLABLES[label], 1.5
    try:
        if api == "vjp":
            result = srcad.vjp(fn, x)[1](1.0)[0]
        elif api == "jvp":
            result = srcad.jvp(fn, (x,), (1.0,))[1]
        elif api == "hvp":
            result = srcad.hvp(fn)(x, 1.0)
        else:
            result = getattr(srcad, api)(fn)(x)
    except srcad.SrcadError as exc:
        assert "What to do" in str(exc), str(exc)
        return
    if api == "value_and_grad":
        result = result[1]
    expected = 6.0 if api in ("hessian", "hvp") else 6 * x
    assert label in ("bound method", "callable object")
    assert result == pytest.approx(expected)


def test_grad_and_vjp_take_callable_objects_and_bound_methods():
    model = Quadratic(3.0)
    for fn in (model, model.energy):
        assert srcad.grad(fn)(1.5) == pytest.approx(9.0)
        assert srcad.vjp(fn, 1.5)[1](1.0) == (pytest.approx(9.0),)


def test_lambdas_inside_a_dict_display_are_found():
    losses = {
        "floor": lambda x: np.sum(np.floor(x) * 2.0),
        "cube": lambda x: np.sum(
            x ** 3),
    }
    np.testing.assert_allclose(srcad.grad(losses["cube"])(X3), 3 * X3 ** 2)
    assert srcad.hessian(losses["floor"])(X3).shape == (3, 3)


# ----------------------------------------------------------------------------- defaults


def with_defaults(x, y=3.0, scale=2.0):
    return scale * np.sum(np.sin(x) * y) + np.sum(x ** 2) * y


def test_every_api_fills_defaults_and_takes_keyword_arguments():
    x = np.array([0.4, -1.1])

    def at(y, scale):
        return lambda v: with_defaults(v, y, scale)
    for y, scale, kwargs in [(3.0, 2.0, {}), (3.0, 5.0, {"scale": 5.0}),
                             (1.5, 5.0, {"y": 1.5, "scale": 5.0})]:
        f = at(y, scale)
        g = numerical_grad(f, [x], 0)
        H = numerical_hessian(f, x)
        v = np.array([0.3, -0.8])
        np.testing.assert_allclose(srcad.grad(with_defaults)(x, **kwargs), g, rtol=1e-6)
        np.testing.assert_allclose(srcad.grad(with_defaults)(x=x, **kwargs), g, rtol=1e-6)
        np.testing.assert_allclose(srcad.value_and_grad(with_defaults)(x, **kwargs)[1], g,
                                   rtol=1e-6)
        np.testing.assert_allclose(srcad.vjp(with_defaults, x, **kwargs)[1](1.0)[0], g,
                                   rtol=1e-6)
        np.testing.assert_allclose(srcad.jvp(with_defaults, (x,), (v,), **kwargs)[1],
                                   numerical_jvp(f, [x], [v]), rtol=1e-6)
        for mode in ("forward", "reverse"):
            np.testing.assert_allclose(srcad.jacobian(with_defaults, mode=mode)(x, **kwargs),
                                       g, rtol=1e-6)
        np.testing.assert_allclose(srcad.hessian(with_defaults)(x, **kwargs), H, rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(srcad.hvp(with_defaults)(x, v, **kwargs), H @ v,
                                   rtol=1e-5, atol=1e-6)


def test_a_differentiated_default_is_a_constant_unless_named_in_wrt():
    x = np.array([0.4, -1.1])
    dy = srcad.grad(with_defaults, wrt="y")(x)
    assert dy == pytest.approx(numerical_grad(lambda y: with_defaults(x, y), [3.0], 0))
    assert len(srcad.vjp(with_defaults, x, scale=2.0)[1](1.0)) == 1  # positional only


def test_jvp_refuses_primals_that_do_not_match_the_function():
    with pytest.raises(srcad.BadArgumentError, match="3 arguments"):
        srcad.jvp(with_defaults, (), ())
    with pytest.raises(srcad.BadArgumentError, match="2 tangents"):
        srcad.jvp(with_defaults, (X3,), (X3, None))
    with pytest.raises(srcad.BadArgumentError, match="tuples"):
        srcad.jvp(with_defaults, X3, X3)


# ----------------------------------------------------------------------------- zero shapes


def floor_sum(x):
    return np.sum(np.floor(x) * 2.0)


def ceil_sum(x):
    return np.sum(np.ceil(x))


def sign_sum(x):
    return np.sum(np.sign(x))


def gammasgn_sum(x):
    return np.sum(scipy.special.gammasgn(x))


def constant(x):
    return 3.0


def floor_helper(x):
    return np.sum(np.floor(x))


def through_helper(x):
    return floor_helper(x) + 1.0


def linear(x):
    return np.sum(2.0 * x)


CONSTANT_GRADIENT = [floor_sum, ceil_sum, sign_sum, gammasgn_sum, constant, through_helper]


@pytest.mark.parametrize("fn", CONSTANT_GRADIENT + [linear], ids=lambda f: f.__name__)
def test_every_zero_derivative_has_the_documented_shape(fn):
    x, v = X3, np.array([1.0, -2.0, 0.5])
    slope = 2.0 if fn is linear else 0.0
    g = srcad.grad(fn)(x)
    assert g.shape == (3,) and np.all(g == slope)
    assert srcad.vjp(fn, x)[1](1.0)[0].shape == (3,)
    assert np.shape(srcad.jacobian(fn)(x)) == (3,)
    assert np.shape(srcad.jacobian(fn, mode="reverse")(x)) == (3,)
    H = srcad.hessian(fn)(x)
    assert H.shape == (3, 3) and np.all(H == 0.0)
    hv = srcad.hvp(fn)(x, v)
    assert hv.shape == (3,) and np.all(hv == 0.0)
    value, tangent = srcad.jvp(srcad.grad(fn), (x,), (v,))  # the Hessian's route
    assert np.shape(value) == (3,) and np.shape(tangent) == (3,) and np.all(tangent == 0.0)
    J = srcad.jacobian(srcad.grad(fn))(x)
    assert J.shape == (3, 3) and np.all(J == 0.0)
    assert np.shape(srcad.jvp(fn, (x,), (v,))[1]) == ()


def constant_array(x):
    return np.ones(3)


def linear_map(x):
    return np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]) @ x


def test_zero_jacobians_and_tangents_of_array_outputs_have_their_shapes():
    x, v = X3, np.ones(3)
    for mode in ("forward", "reverse"):
        J = srcad.jacobian(constant_array, mode=mode)(x)
        assert J.shape == (3, 3) and np.all(J == 0.0)
    _, t = srcad.jvp(constant_array, (x,), (v,))
    assert np.shape(t) == (3,) and np.all(t == 0.0)
    pullback = srcad.vjp(constant_array, x)[1]
    assert pullback(np.ones(3))[0].shape == (3,)
    np.testing.assert_allclose(srcad.jacobian(linear_map)(x), numerical_jacobian(linear_map, x),
                               rtol=1e-7)


def test_zero_second_derivatives_of_scalars_are_scalars():
    for fn in CONSTANT_GRADIENT + [linear]:
        assert srcad.grad(srcad.grad(fn))(0.4) == 0.0
        assert srcad.hessian(fn)(0.4) == 0.0
        assert srcad.hvp(fn)(0.4, 1.0) == 0.0


def test_a_jacobian_over_an_empty_argument_has_the_output_shape():
    def on_empty(x, w):
        return w * np.sum(x)
    J = srcad.jacobian(on_empty)(np.zeros(0), np.ones(2))
    assert J.shape == (2, 0)


# ----------------------------------------------------------------------------- isinstance


def weighted_if_a(params, kind):
    if isinstance(params, kind):
        return params["w"] * 2.0
    return params["w"] * 3.0


def weighted_if_one_of(params, kind):
    kinds = (kind, list)
    if isinstance(params, kinds):
        return params["w"] * 2.0
    return params["w"] * 3.0


@pytest.mark.parametrize("fn", [weighted_if_a, weighted_if_one_of])
def test_isinstance_against_a_class_passed_at_run_time(fn):
    assert srcad.grad(fn)({"w": 1.5}, dict) == {"w": 2.0}
    assert srcad.grad(fn)({"w": 1.5}, float) == {"w": 3.0}
    assert srcad.vjp(fn, {"w": 1.5}, dict)[1](1.0) == ({"w": 2.0},)


# ----------------------------------------------------------------------------- sweep


def two_args(x, y):
    return np.sum(np.sin(x) * y)


def generator_fn(x):
    yield x


async def coroutine_fn(x):
    return x


def _exec_lambda():
    namespace: dict = {}
    exec("f = lambda x: x * 2.0", namespace)
    return namespace["f"]


def _calls(fn, args, wrt=0):
    """One call of every API function on `fn` at `args` (the direction of hvp and the
    tangents of jvp are shaped like the first argument)."""
    first = args[0] if args else 1.0
    direction = np.ones_like(first) if isinstance(first, np.ndarray) else 1.0
    return {
        "grad": lambda: srcad.grad(fn, wrt=wrt)(*args),
        "value_and_grad": lambda: srcad.value_and_grad(fn, wrt=wrt)(*args),
        "vjp": lambda: srcad.vjp(fn, *args, wrt=wrt)[1](1.0),
        "jvp": lambda: srcad.jvp(fn, args, (direction,) + (None,) * (len(args) - 1)),
        "jacobian": lambda: srcad.jacobian(fn, wrt=wrt)(*args),
        "hessian": lambda: srcad.hessian(fn, wrt=wrt)(*args),
        "hvp": lambda: srcad.hvp(fn, wrt=wrt)(*args, direction),
        "source": lambda: srcad.source(srcad.grad(fn, wrt=wrt), *args),
    }


SWEEP = [
    ("too few arguments", two_args, (X3,), 0),
    ("too many arguments", two_args, (X3, 1.0, 2.0), 0),
    ("wrt out of range", two_args, (X3, 1.0), 5),
    ("wrt a float", two_args, (X3, 1.0), 1.5),
    ("wrt unknown name", two_args, (X3, 1.0), "z"),
    ("wrt empty", two_args, (X3, 1.0), ()),
    ("not callable", "two_args", (X3, 1.0), 0),
    ("generator function", generator_fn, (1.0,), 0),
    ("async function", coroutine_fn, (1.0,), 0),
    ("lambda made by exec", _exec_lambda(), (1.0,), 0),
    ("integer array", two_args, (np.arange(3), 1.0), 0),
    ("object array", two_args, (np.array([1.0, "a"], dtype=object), 1.0), 0),
    ("empty array", two_args, (np.zeros(0), 1.0), 0),
    ("NaN input", two_args, (np.array([np.nan, 1.0]), 1.0), 0),
    ("complex scalar", two_args, (1.0 + 2.0j, 1.0), 0),
    ("complex array", two_args, (X3 * 1j, 1.0), 0),
    ("string argument", two_args, ("abc", 1.0), 0),
    ("None argument", two_args, (None, 1.0), 0),
    ("ragged list", two_args, ([np.ones(2), np.ones(3)], 1.0), 0),
    ("0-d array", two_args, (np.array(0.5), 1.0), 0),
    ("float32 array", two_args, (X3.astype(np.float32), 1.0), 0),
    ("integer scalar", two_args, (2, 1.0), 0),
    ("bool scalar", two_args, (True, 1.0), 0),
]

ARITY = ("too few arguments", "too many arguments")


@pytest.mark.parametrize("label, fn, args, wrt", SWEEP, ids=[s[0] for s in SWEEP])
def test_bad_inputs_get_a_result_or_a_clear_error_from_every_api(label, fn, args, wrt):
    for api, call in _calls(fn, args, wrt).items():
        try:
            call()
        except srcad.SrcadError as exc:
            assert str(exc), (label, api)
        except TypeError as exc:
            if label in ARITY:
                continue
            plain = _plain_error(fn, args)
            assert plain is not None and type(plain) is type(exc), \
                f"{label}, {api}: raw {type(exc).__name__}: {exc}"
        except Exception as exc:  # the function's own error on these inputs is its own
            plain = _plain_error(fn, args)
            assert plain is not None and type(plain) is type(exc), \
                f"{label}, {api}: raw {type(exc).__name__}: {exc}"


def _plain_error(fn, args):
    try:
        result = fn(*args)
        if hasattr(result, "__next__") or hasattr(result, "__await__"):
            getattr(result, "close", lambda: None)()
    except Exception as exc:
        return exc
    return None


def test_the_sweep_covers_every_api_function():
    assert set(_calls(two_args, (X3, 1.0))) == {
        "grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp", "source"}
    assert sys.version_info >= (3, 10)


def summed_n_times(x, n):
    s = 0.0
    for _ in range(n):
        s = s + np.sum(np.sin(x))
    return s


def test_zero_derivatives_through_a_loop_that_does_not_run_have_their_shapes():
    x = X3
    assert srcad.grad(summed_n_times)(x, 0).shape == (3,)
    assert srcad.hessian(summed_n_times)(x, 0).shape == (3, 3)
    assert srcad.hvp(summed_n_times)(x, 0, x).shape == (3,)
    assert srcad.jacobian(srcad.grad(summed_n_times))(x, 0).shape == (3, 3)
    H = srcad.hessian(summed_n_times)(x, 2)
    np.testing.assert_allclose(H, np.diag(-2.0 * np.sin(x)), rtol=1e-12)
