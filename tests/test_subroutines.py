"""Gradients through calls to user-defined Python functions (helpers), including recursion.

Every gradient is compared with central finite differences (`check_grad`), and with
hand-computed values where those are easy to state.
"""

import math

import numpy as np
import pytest
from gradcheck import check_grad

import srcad


def approx(v):
    return pytest.approx(v, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def sq(u):
    return u * u


def mul(u, v):
    return u * v


def cube_via_helpers(u):
    return sq(u) * u


def combo(u, v):
    return cube_via_helpers(u) + sq(v) * u + mul(u, math.sin(v))


def constant_helper(u):
    return 3.0


# ---------------------------------------------------------------------------
# A helper called once / many times
# ---------------------------------------------------------------------------

def call_once(x):
    return sq(x) + x


@pytest.mark.parametrize("x", [0.5, -1.7, 3.0])
def test_helper_called_once(x):
    assert check_grad(call_once, x) == approx(2 * x + 1)


def call_many(x, y):
    return sq(x) + sq(y) + sq(x * y) + sq(2.0) + mul(x, x) + mul(x, 3.0) + mul(y, x) + mul(4.0, 5.0)


@pytest.mark.parametrize("x, y", [(0.5, 1.5), (-1.2, 0.3), (2.0, -0.7)])
def test_helper_called_many_times(x, y):
    gx, gy = check_grad(call_many, x, y, wrt=(0, 1))
    assert gx == approx(2 * x + 2 * x * y * y + 2 * x + 3.0 + y)
    assert gy == approx(2 * y + 2 * y * x * x + x)


def same_arg_twice(x):
    return mul(x, x) * mul(x, 2.0)


def test_helper_with_same_argument_twice():
    # 2x^3 -> 6x^2
    assert check_grad(same_arg_twice, 1.5) == approx(6 * 1.5 ** 2)


def helper_with_constant_result(x):
    return constant_helper(x) * x + constant_helper(2.0)


def test_helper_ignoring_its_argument():
    assert check_grad(helper_with_constant_result, 0.8) == approx(3.0)


def helpers_calling_helpers(x, y):
    return combo(x, y) * combo(y, 0.5)


@pytest.mark.parametrize("x, y", [(0.4, 1.1), (-0.9, 0.6), (1.3, -2.0)])
def test_helpers_calling_helpers(x, y):
    check_grad(helpers_calling_helpers, x, y, wrt=(0, 1))


def test_helpers_calling_helpers_exact():
    def f(x):
        return cube_via_helpers(x)
    assert check_grad(f, 2.0) == approx(12.0)


# ---------------------------------------------------------------------------
# Helpers with control flow, helpers called in loops
# ---------------------------------------------------------------------------

def piecewise(u, n):
    if u > 1.0:
        r = math.log(u)
    elif u > -1.0:
        r = u * u * u
    else:
        r = -u
    for i in range(n):
        if i % 2 == 0:
            r = r * u + i
        else:
            r = math.sin(r)
    return r


def calls_piecewise(x, n):
    return piecewise(x, n) + piecewise(x * 0.5, n + 1) * x


@pytest.mark.parametrize("x", [2.5, 0.4, -0.6, -3.0, 1.5])
@pytest.mark.parametrize("n", [0, 1, 4])
def test_helper_with_loops_and_branches(x, n):
    check_grad(calls_piecewise, x, n)


def early_return_helper(u):
    v = u
    for i in range(10):
        v = v * 1.5
        if v > 4.0:
            return v - i
    return v * 0.5


def calls_early_return_helper(x):
    return early_return_helper(x) * early_return_helper(x + 1.0)


@pytest.mark.parametrize("x", [0.3, 1.0, 5.0, -0.2])
def test_helper_with_early_return_in_loop(x):
    check_grad(calls_early_return_helper, x)


def step(state, x):
    return state * x + math.sin(state)


def helper_in_loop(x, n):
    s = x
    for i in range(n):
        s = step(s, x)
    return s


@pytest.mark.parametrize("n", [0, 1, 3, 6])
@pytest.mark.parametrize("x", [0.7, -1.1])
def test_helper_called_inside_loop(x, n):
    check_grad(helper_in_loop, x, n)


def test_helper_called_inside_loop_exact():
    def f(x, n):
        s = 1.0
        for i in range(n):
            s = mul(s, x)
        return s
    assert check_grad(f, 1.5, 4) == approx(4 * 1.5 ** 3)


def helper_in_while(x):
    y = x
    while sq(y) < 50.0:
        y = mul(y, 1.5) + x
    return y


@pytest.mark.parametrize("x", [0.6, 2.0, 8.0])
def test_helper_in_while_condition_and_body(x):
    check_grad(helper_in_while, x)


def helper_in_branches(x, y):
    if sq(x) > y:
        r = mul(x, y)
    else:
        r = sq(y) - x
    return r if mul(x, y) > 0.0 else -r


@pytest.mark.parametrize("x, y", [(2.0, 1.0), (0.5, 1.0), (-2.0, 1.0), (0.5, -1.0)])
def test_helper_in_branches_and_conditional_expression(x, y):
    check_grad(helper_in_branches, x, y, wrt=(0, 1))


# ---------------------------------------------------------------------------
# Recursion
# ---------------------------------------------------------------------------

def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


@pytest.mark.parametrize("x, n", [(2.0, 3), (1.5, 0), (1.5, 1), (-0.8, 5), (1.1, 10)])
def test_recursive_power(x, n):
    g = check_grad(power, x, n)
    assert g == approx(n * x ** (n - 1) if n > 0 else 0.0)


def fast_power(x, n):
    if n == 0:
        return 1.0
    if n % 2 == 0:
        h = fast_power(x, n // 2)
        return h * h
    return x * fast_power(x, n - 1)


@pytest.mark.parametrize("x, n", [(1.3, 1), (1.3, 2), (0.9, 7), (-1.1, 8), (1.05, 13)])
def test_recursive_fast_power(x, n):
    g = check_grad(fast_power, x, n)
    assert g == pytest.approx(n * x ** (n - 1), rel=1e-12)


def fib_float(x, n):
    if n <= 1:
        return x if n == 1 else 1.0
    return fib_float(x, n - 1) + x * fib_float(x, n - 2)


@pytest.mark.parametrize("x", [0.5, 1.2, -0.7])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 6])
def test_recursive_fibonacci_like(x, n):
    check_grad(fib_float, x, n)


def test_recursive_fibonacci_like_exact():
    # F0 = 1, F1 = x, F2 = x + x = 2x, F3 = 2x + x^2 -> 2 + 2x
    assert srcad.grad(fib_float)(0.5, 2) == approx(2.0)
    assert srcad.grad(fib_float)(0.5, 3) == approx(2.0 + 2 * 0.5)


def fib_pair(x, n):
    if n == 0:
        return 1.0, x
    a, b = fib_pair(x, n - 1)
    return b, a + b * x


def uses_fib_pair(x, n):
    a, b = fib_pair(x, n)
    return a + 2.0 * b


@pytest.mark.parametrize("x, n", [(0.6, 0), (0.6, 2), (-1.4, 5)])
def test_recursive_helper_returning_tuple(x, n):
    g = check_grad(uses_fib_pair, x, n)
    if n == 2:
        assert g == approx(2 * x + 4 + 6 * x * x)


def recursive_sum(x, n, acc):
    if n == 0:
        return acc
    return recursive_sum(x, n - 1, acc + math.sin(x * n))


def test_recursive_with_accumulator():
    x, n = 0.7, 5
    gx, gacc = check_grad(recursive_sum, x, n, 0.3, wrt=(0, 2))
    assert gx == approx(sum(k * math.cos(x * k) for k in range(1, n + 1)))
    assert gacc == approx(1.0)


def recursive_array(v, n):
    if n == 0:
        return v
    return np.sin(recursive_array(v, n - 1)) * v


def sum_recursive_array(v, n):
    return np.sum(recursive_array(v, n))


@pytest.mark.parametrize("n", [0, 1, 4])
def test_recursive_helper_on_arrays(n):
    v = np.array([0.3, -1.2, 0.8])
    check_grad(sum_recursive_array, v, n)


def is_even_path(x, n):
    if n == 0:
        return x
    return is_odd_path(x * 1.1, n - 1) + 0.5 * x


def is_odd_path(x, n):
    if n == 0:
        return math.sin(x)
    return is_even_path(math.sin(x) * x, n - 1)


@pytest.mark.parametrize("x", [0.4, -1.3])
@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_mutual_recursion(x, n):
    check_grad(is_even_path, x, n)


def test_mutual_recursion_exact():
    # n = 1: is_odd_path(1.1x, 0) + 0.5x = sin(1.1x) + 0.5x
    x = 0.4
    assert srcad.grad(is_even_path)(x, 1) == approx(1.1 * math.cos(1.1 * x) + 0.5)


# ---------------------------------------------------------------------------
# Tuples, defaults, keyword arguments
# ---------------------------------------------------------------------------

def polar(x, y):
    r = math.sqrt(x * x + y * y)
    theta = math.tanh(y / x)
    return r, theta


def uses_polar(x, y):
    r, t = polar(x, y)
    return r * t + r


@pytest.mark.parametrize("x, y", [(1.0, 2.0), (-1.5, 0.5), (3.0, -1.0)])
def test_helper_returning_tuple_unpacked(x, y):
    check_grad(uses_polar, x, y, wrt=(0, 1))


def divmod_like(u, v):
    return u * v, u + v, u - v


def uses_divmod_like(x, y):
    a, b, c = divmod_like(x, y)
    p = divmod_like(a, c)
    return a * b + c * c + p[0] - p[2]


def test_helper_returning_tuple_unpacked_and_indexed():
    x, y = 0.7, -1.3
    gx, gy = check_grad(uses_divmod_like, x, y, wrt=(0, 1))
    # a = xy, b = x + y, c = x - y; p0 = a c, p2 = a - c
    # f = xy(x + y) + (x - y)^2 + xy(x - y) - xy + (x - y) = 2x^2 y + (x - y)^2 - xy + x - y
    assert gx == approx(4 * x * y + 2 * (x - y) - y + 1)
    assert gy == approx(2 * x * x - 2 * (x - y) - x - 1)


def scaled(u, k=2.0, shift=0.0):
    return u * k + shift


def uses_defaulted_helper_all_positional(x, y):
    return scaled(x, 2.0, 0.0) + scaled(x, y, 1.0) + scaled(y, x, x * y)


@pytest.mark.parametrize("x, y", [(0.5, 1.5), (-1.0, 0.25)])
def test_helper_with_defaults_every_argument_positional(x, y):
    gx, gy = check_grad(uses_defaulted_helper_all_positional, x, y, wrt=(0, 1))
    # f = 2x + xy + 1 + xy + xy = 2x + 3xy + 1
    assert gx == approx(2 + 3 * y)
    assert gy == approx(3 * x)


def uses_defaults(x, y):
    return scaled(x) + scaled(x, y) + scaled(y, x, x * y)


@pytest.mark.parametrize("x, y", [(0.5, 1.5), (-1.0, 0.25)])
def test_helper_with_defaults_omitted_in_positional_call(x, y):
    # Omitting defaulted trailing arguments is an ordinary positional call.
    gx, gy = check_grad(uses_defaults, x, y, wrt=(0, 1))
    # f = 2x + xy + xy + xy = 2x + 3xy
    assert gx == approx(2 + 3 * y)
    assert gy == approx(3 * x)


def uses_keyword_call(x, y):
    return scaled(x, k=y) + scaled(y, shift=x)


def test_helper_called_with_keyword_arguments_correct_or_refused():
    x, y = 0.5, 1.5
    try:
        g = srcad.grad(uses_keyword_call, wrt=(0, 1))(x, y)
    except srcad.SrcadError as exc:
        msg = str(exc)
        assert "uses_keyword_call" in msg or "scaled" in msg
        assert "keyword" in msg.lower()
        return
    # f = xy + 2y + x
    gx, gy = check_grad(uses_keyword_call, x, y, wrt=(0, 1))
    assert g[0] == approx(y + 1) and gx == approx(y + 1)
    assert g[1] == approx(x + 2) and gy == approx(x + 2)


# ---------------------------------------------------------------------------
# Helper results not differentiated (used only in conditions)
# ---------------------------------------------------------------------------

def norm2(u, v):
    return math.sqrt(u * u + v * v)


def count_positive(v):
    c = 0
    for e in v:
        if e > 0.0:
            c = c + 1
    return c


def helper_only_in_condition(x, y):
    if norm2(x, y) > 2.0:
        r = x * y
    else:
        r = x + y * y
    while norm2(r, 0.0) < 0.5:
        r = r * 2.0
    return r


@pytest.mark.parametrize("x, y", [(2.0, 1.5), (0.5, 0.3), (0.1, 0.1), (-3.0, 0.2)])
def test_helper_result_used_only_in_condition(x, y):
    check_grad(helper_only_in_condition, x, y, wrt=(0, 1))


def test_helper_result_used_only_in_condition_exact():
    gx, gy = srcad.grad(helper_only_in_condition, wrt=(0, 1))(2.0, 1.5)
    assert gx == approx(1.5) and gy == approx(2.0)


def int_helper_in_condition(v, x):
    if count_positive(v) >= 2:
        return np.sum(v * v) * x
    return np.sum(v) * x


@pytest.mark.parametrize("v", [[0.5, -1.0, 2.0], [-0.5, -1.0, 2.0]])
def test_int_valued_helper_in_condition(v):
    v = np.array(v)
    check_grad(int_helper_in_condition, v, 0.8, wrt=(0, 1))


# ---------------------------------------------------------------------------
# Helpers with numpy arrays
# ---------------------------------------------------------------------------

def layer(W, b, x):
    return np.tanh(W @ x + b)


def mlp_loss(W1, b1, W2, b2, x, n):
    h = layer(W1, b1, x)
    for i in range(n):
        h = layer(W2, b2, h) + h
    return np.sum(h * h)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_helper_with_numpy_arrays(n):
    rng = np.random.default_rng(n)
    W1, b1 = rng.normal(size=(3, 4)) * 0.5, rng.normal(size=3) * 0.1
    W2, b2 = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3) * 0.1
    x = rng.normal(size=4)
    grads = check_grad(mlp_loss, W1, b1, W2, b2, x, n, wrt=(0, 1, 2, 3, 4))
    assert [g.shape for g in grads] == [(3, 4), (3,), (3, 3), (3,), (4,)]


def array_stats(v):
    m = np.mean(v)
    c = v - m
    return m, np.sum(c * c)


def uses_array_stats(A):
    total = 0.0
    for row in A:
        m, ss = array_stats(row)
        total = total + m * ss
    return total


def test_helper_with_arrays_returning_tuple_called_in_loop():
    A = np.array([[0.3, -1.2, 0.8, 2.0], [1.5, 0.1, -0.4, 0.9]])
    check_grad(uses_array_stats, A)


def sq_scalar_and_array(x, v):
    return sq(x) + np.sum(sq(v)) + np.sum(mul(v, x))


def test_same_helper_with_scalar_and_array_arguments():
    x, v = 0.7, np.array([1.0, -2.0, 0.5])
    gx, gv = check_grad(sq_scalar_and_array, x, v, wrt=(0, 1))
    assert gx == approx(2 * x + np.sum(v))
    np.testing.assert_allclose(gv, 2 * v + x, rtol=1e-12)


def broadcast_helper(A, b):
    return np.sum(mul(A, b) + sq(b))


def test_helper_with_broadcasting_arguments():
    A = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.7]])
    b = np.array([0.1, 0.6, -0.3])
    gA, gb = check_grad(broadcast_helper, A, b, wrt=(0, 1))
    np.testing.assert_allclose(gA, np.broadcast_to(b, A.shape), rtol=1e-12)
    np.testing.assert_allclose(gb, A.sum(axis=0) + 2 * 2 * b, rtol=1e-12)


def test_helper_float32_arrays():
    W = np.array([[0.5, -0.3], [0.2, 0.8]], dtype=np.float32)
    b = np.array([0.1, -0.1], dtype=np.float32)
    x = np.array([1.0, -0.5], dtype=np.float32)

    def loss(W, b, x):
        return np.sum(layer(W, b, x) * 2.0)

    g32 = srcad.grad(loss, wrt=(0, 1))(W, b, x)
    g64 = srcad.grad(loss, wrt=(0, 1))(W.astype(np.float64), b.astype(np.float64),
                                       x.astype(np.float64))
    for a, e in zip(g32, g64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, e, rtol=1e-3, atol=1e-5)
    check_grad(loss, W, b, x, wrt=(0, 1), rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------------------
# Helpers defined inside the test body, value_and_grad
# ---------------------------------------------------------------------------

def test_helper_defined_in_test_body():
    def inner_helper(u, k):
        r = u
        for i in range(k):
            r = r * u
        return r

    def f(x):
        return inner_helper(x, 2) + inner_helper(x * 2.0, 0)

    # x^3 + 2x -> 3x^2 + 2
    assert check_grad(f, 1.5) == approx(3 * 1.5 ** 2 + 2)


def test_value_and_grad_through_helpers():
    v, (gx, gy) = srcad.value_and_grad(combo, wrt=(0, 1))(0.8, 1.3)
    assert v == pytest.approx(combo(0.8, 1.3), rel=1e-14)
    gx2, gy2 = check_grad(combo, 0.8, 1.3, wrt=(0, 1))
    assert gx == gx2 and gy == gy2
    assert gx == approx(3 * 0.64 + 1.3 ** 2 + math.sin(1.3))
    assert gy == approx(2 * 1.3 * 0.8 + 0.8 * math.cos(1.3))
