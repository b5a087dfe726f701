"""Reverse-mode correctness of srcad through control flow.

Every gradient is compared with central finite differences (`check_grad`), and with
hand-computed values where those are easy to state. Evaluation points are chosen
away from branch boundaries and kinks so finite differences are valid.
"""

import math

import numpy as np
import pytest
from gradcheck import check_grad

import srcad

RNG = np.random.default_rng(1234)


def approx(v):
    return pytest.approx(v, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------------
# Branches
# ---------------------------------------------------------------------------

def if_elif_else(x, y):
    if x > 1.0:
        z = x * y + math.sin(x)
    elif x > -1.0:
        z = x ** 2 * y
    else:
        z = math.exp(x) - y * y
    return z * 2.0


@pytest.mark.parametrize("x", [2.5, 1.7, 0.3, -0.6, -2.0, -3.1])
@pytest.mark.parametrize("y", [0.7, -1.3])
def test_if_elif_else_all_branches(x, y):
    check_grad(if_elif_else, x, y, wrt=(0, 1))


@pytest.mark.parametrize("x, y, dx, dy", [
    (2.0, 0.5, 2.0 * (0.5 + math.cos(2.0)), 2.0 * 2.0),      # if
    (0.3, 0.7, 2.0 * (2 * 0.3 * 0.7), 2.0 * 0.09),             # elif
    (-2.0, 1.5, 2.0 * math.exp(-2.0), 2.0 * (-2 * 1.5)),       # else
])
def test_if_elif_else_exact(x, y, dx, dy):
    gx, gy = srcad.grad(if_elif_else, wrt=(0, 1))(x, y)
    assert gx == pytest.approx(dx, rel=1e-12)
    assert gy == pytest.approx(dy, rel=1e-12)


def if_without_else(x):
    y = x * 3.0
    if x > 0.5:
        y = y * x
    return y + x


@pytest.mark.parametrize("x, expected", [(1.5, 6 * 1.5 + 1), (0.1, 4.0), (-2.0, 4.0)])
def test_if_without_else(x, expected):
    g = check_grad(if_without_else, x)
    assert g == approx(expected)


def nested_ifs(x, y):
    if x > 0.0:
        if y > 0.0:
            r = x * y
        else:
            r = x - y * x * x
    else:
        if y > x:
            r = math.sin(x * y)
        else:
            if y < -3.0:
                r = y * y * x
            else:
                r = math.cos(x) * y
    return r + x


@pytest.mark.parametrize("x, y", [
    (1.2, 0.5), (1.2, -0.5), (-1.0, 0.5), (-1.0, -2.0), (-0.5, -4.0), (2.0, 3.0),
])
def test_nested_ifs(x, y):
    check_grad(nested_ifs, x, y, wrt=(0, 1))


def conditional_expressions(x, y):
    a = x * x if x > y else y * 3.0
    b = math.exp(a) if a < 2.0 else math.log(a)
    c = (x if y > 0.0 else -x) * (y * y if x < 0.0 else (y if x < 1.0 else 2.0 * y))
    return a * b + c


@pytest.mark.parametrize("x, y", [
    (1.2, 0.3), (0.5, 0.4), (-0.5, 0.2), (-1.5, -0.2), (0.7, 1.1), (2.0, -1.0), (3.0, 2.0),
])
def test_conditional_expressions(x, y):
    check_grad(conditional_expressions, x, y, wrt=(0, 1))


def test_conditional_expression_exact():
    def f(x):
        return x * x * x if x > 0.0 else -2.0 * x
    g = srcad.grad(f)
    assert g(2.0) == approx(12.0)
    assert g(-1.0) == approx(-2.0)


def boolean_ops(x, y):
    if x > 0.0 and y > 0.0:
        r = x * y
    elif x > 0.0 or y > 1.0:
        r = x + y * y
    elif not (x < -1.0):
        r = x * x * x + y
    else:
        r = -x * y
    if not (x > 2.0 and y > 2.0) and (x < 5.0 or y < -5.0):
        r = r * 2.0
    return r


@pytest.mark.parametrize("x, y", [
    (1.0, 2.0),     # and
    (1.0, -2.0),    # or (x > 0)
    (-2.0, 1.5),    # or (y > 1)
    (-0.5, 0.5),    # not
    (-2.0, 0.5),    # else
    (3.0, 3.0),     # second condition false
    (6.0, -6.0),    # second condition true via `or` on y
])
def test_boolean_ops_in_conditions(x, y):
    check_grad(boolean_ops, x, y, wrt=(0, 1))


def chained_comparisons(x, y):
    if -1.0 < x < 1.0:
        r = x * y
    elif 1.0 <= x < 2.0 <= y:
        r = x ** 3 + y
    elif x > y > 0.0 > -x:
        r = x / y
    else:
        r = math.sin(x) * y
    return r


@pytest.mark.parametrize("x, y", [
    (0.5, 3.0), (-0.5, 2.0), (1.5, 2.5), (1.5, 1.0), (3.0, 2.0), (-2.0, 1.0), (2.5, 4.0),
])
def test_chained_comparisons(x, y):
    check_grad(chained_comparisons, x, y, wrt=(0, 1))


def test_chained_comparison_exact():
    gx, gy = srcad.grad(chained_comparisons, wrt=(0, 1))(1.5, 2.5)
    assert gx == approx(3 * 1.5 ** 2)
    assert gy == approx(1.0)


def return_every_branch(x, y):
    if x > y:
        return x * y
    elif x < -y:
        return x - y
    else:
        return math.sin(x) * math.cos(y)


@pytest.mark.parametrize("x, y", [(2.0, 1.0), (-3.0, 1.0), (0.2, 1.0), (0.3, -0.1)])
def test_return_in_every_branch(x, y):
    check_grad(return_every_branch, x, y, wrt=(0, 1))


def early_return(x):
    if x < 0.0:
        return x * x
    y = math.exp(x)
    if y > 3.0:
        return y * x
    return y + x


@pytest.mark.parametrize("x, expected", [
    (-1.5, -3.0),
    (0.5, math.exp(0.5) + 1.0),
    (2.0, math.exp(2.0) * 3.0),
])
def test_early_return_top_level(x, expected):
    g = check_grad(early_return, x)
    assert g == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------
# Loops
# ---------------------------------------------------------------------------

def range_start_stop_step(x, n):
    s = 0.0
    for i in range(2, n, 3):
        s = s + x ** i / (i + 1)
    for j in range(n, 0, -2):
        s = s + j * math.sin(x * j)
    return s


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 9, 12])
@pytest.mark.parametrize("x", [0.7, -1.1])
def test_range_start_stop_step(x, n):
    check_grad(range_start_stop_step, x, n)


def test_range_start_stop_step_exact():
    # n = 9: first loop i = 2, 5, 8; second loop j = 9, 7, 5, 3, 1
    x = 0.7
    expected = sum(i * x ** (i - 1) / (i + 1) for i in (2, 5, 8))
    expected += sum(j * j * math.cos(x * j) for j in (9, 7, 5, 3, 1))
    assert srcad.grad(range_start_stop_step)(x, 9) == pytest.approx(expected, rel=1e-12)


def loop_int_trips(x, n):
    y = x
    for i in range(n):
        y = y * x + 1.0
    return y


@pytest.mark.parametrize("n", [0, 1, 2, 5, 10])
@pytest.mark.parametrize("x", [0.9, -1.3, 1.1])
def test_loop_trip_count_from_int_argument(x, n):
    g = check_grad(loop_int_trips, x, n)
    # y_n = x^(n+1) + sum_{k=0}^{n-1} x^k
    expected = (n + 1) * x ** n + sum(k * x ** (k - 1) for k in range(1, n))
    assert g == pytest.approx(expected, rel=1e-12)


def power_by_loop(x, n):
    y = 1.0
    for i in range(n):
        y = y * x
    return y


@pytest.mark.parametrize("x, n", [(2.0, 3), (1.5, 1), (-2.0, 4), (3.0, 0), (0.5, 7)])
def test_power_by_loop_exact(x, n):
    g = check_grad(power_by_loop, x, n)
    assert g == approx(n * x ** (n - 1) if n > 0 else 0.0)


def test_cube_exact():
    def cube(x):
        return x ** 3
    assert srcad.grad(cube)(2.0) == 12.0
    v, g = srcad.value_and_grad(cube)(2.0)
    assert v == 8.0 and g == 12.0


def horner(x, c0, c1, c2, c3):
    y = 0.0
    for c in [c3, c2, c1, c0]:
        y = y * x + c
    return y


@pytest.mark.parametrize("x", [0.0, 1.0, 2.0, -1.5])
def test_polynomial_via_loop_over_list(x):
    # p(x) = 1 + 2x + 3x^2 + 4x^3, p'(x) = 2 + 6x + 12x^2
    grads = check_grad(horner, x, 1.0, 2.0, 3.0, 4.0, wrt=(0, 1, 2, 3, 4))
    assert grads[0] == approx(2 + 6 * x + 12 * x * x)
    assert grads[1] == approx(1.0)
    assert grads[2] == approx(x)
    assert grads[3] == approx(x * x)
    assert grads[4] == approx(x ** 3)


def horner_array(x, coeffs):
    y = 0.0
    for c in coeffs:
        y = y * x + c
    return y


@pytest.mark.parametrize("x", [0.5, -2.0])
def test_polynomial_via_loop_over_array(x):
    coeffs = np.array([4.0, 3.0, 2.0, 1.0])  # 4x^3 + 3x^2 + 2x + 1
    gx, gc = check_grad(horner_array, x, coeffs, wrt=(0, 1))
    assert gx == approx(12 * x * x + 6 * x + 2)
    np.testing.assert_allclose(gc, [x ** 3, x ** 2, x, 1.0], rtol=1e-12)


def while_on_value(x):
    y = x
    k = 0
    while y < 10.0:
        y = y * 1.5 + x
        k = k + 1
    return y * x + k


@pytest.mark.parametrize("x", [0.7, 1.3, 2.9, 12.0])
def test_while_trip_count_depends_on_value(x):
    check_grad(while_on_value, x)


def test_while_on_value_exact():
    # x = 12: zero trips, f = x*x -> 2x
    assert srcad.grad(while_on_value)(12.0) == approx(24.0)
    # x = 5: one trip (y = 2.5x = 12.5), f = 2.5 x^2 + 1 -> 5x
    assert srcad.grad(while_on_value)(5.0) == approx(25.0)


def while_two_conditions(x, n):
    y = x
    i = 0
    while i < n and y < 100.0:
        y = y * y + 1.0
        i += 1
    return y


@pytest.mark.parametrize("x, n", [(1.1, 2), (1.1, 10), (0.5, 0), (-0.3, 3), (3.0, 5)])
def test_while_with_compound_condition(x, n):
    check_grad(while_two_conditions, x, n)


def overwritten_in_loop(x, n):
    y = x
    for i in range(n):
        y = math.sin(y) * x
    return y


@pytest.mark.parametrize("n", [0, 1, 3, 8])
@pytest.mark.parametrize("x", [0.8, 1.9, -2.3])
def test_value_overwritten_in_loop(x, n):
    check_grad(overwritten_in_loop, x, n)


def test_overwritten_in_loop_exact():
    # n = 1: sin(x) * x -> cos(x) x + sin(x)
    x = 0.8
    assert srcad.grad(overwritten_in_loop)(x, 1) == approx(math.cos(x) * x + math.sin(x))


def tuple_swap(x, n):
    a, b = 1.0, x
    for i in range(n):
        a, b = b, a + b * x
    return a + 2.0 * b


@pytest.mark.parametrize("n", [0, 1, 2, 4, 7])
@pytest.mark.parametrize("x", [0.6, -1.4])
def test_loop_carried_tuple_swap(x, n):
    check_grad(tuple_swap, x, n)


def test_tuple_swap_exact():
    # n = 2: (a, b) = (1, x) -> (x, 1 + x^2) -> (1 + x^2, x + x + x^3)
    # f = 1 + x^2 + 2 (2x + x^3) -> 2x + 4 + 6x^2
    x = 0.6
    assert srcad.grad(tuple_swap)(x, 2) == approx(2 * x + 4 + 6 * x * x)


def tuple_rotate(x, y, n):
    a, b, c = x, y, x * y
    for i in range(n):
        a, b, c = c * 0.5, a + c, b * a
    return a + b + c


@pytest.mark.parametrize("x, y, n", [(0.7, 1.2, 0), (0.7, 1.2, 1), (0.7, 1.2, 5), (-0.4, 0.9, 4)])
def test_loop_carried_three_way_rotation(x, y, n):
    check_grad(tuple_rotate, x, y, n, wrt=(0, 1))


def nested_loops(x, n):
    s = 0.0
    for i in range(n):
        t = x
        for j in range(i):
            t = t * x + j
        s = s + t
    return s


@pytest.mark.parametrize("n", [0, 1, 2, 4, 6])
@pytest.mark.parametrize("x", [0.9, -0.7])
def test_nested_loops_inner_depends_on_outer(x, n):
    check_grad(nested_loops, x, n)


def test_nested_loops_exact():
    # n = 3: i=0: t = x; i=1: t = x^2; i=2: t = x^2 then x^3 + 1
    # s = x + x^2 + x^3 + 1 -> 1 + 2x + 3x^2
    x = 0.9
    assert srcad.grad(nested_loops)(x, 3) == approx(1 + 2 * x + 3 * x * x)


def triple_nested(x, n):
    s = x
    for i in range(n):
        for j in range(i, n):
            for k in range(j - i):
                s = s + math.sin(s * x) * 0.1
            s = s * 0.9 + x * j
    return s


@pytest.mark.parametrize("x, n", [(0.5, 0), (0.5, 3), (-0.8, 4), (1.3, 2)])
def test_triple_nested_loops(x, n):
    check_grad(triple_nested, x, n)


def while_inside_for(x, n):
    s = 0.0
    for i in range(n):
        j = 0
        while j < i + 1:
            s = s * x + 1.0
            j += 1
    return s


@pytest.mark.parametrize("x, n", [(0.5, 1), (0.5, 4), (-0.9, 3), (1.2, 0)])
def test_while_nested_inside_for(x, n):
    check_grad(while_inside_for, x, n)


def test_while_nested_inside_for_exact():
    # n = 2: three updates s -> s*x + 1 from 0: 1, x + 1, x^2 + x + 1 -> 2x + 1
    assert srcad.grad(while_inside_for)(0.5, 2) == approx(2.0)


def for_inside_while(x):
    y = x
    while y < 10.0:
        for j in range(2):
            y = y * 1.2 + x * j
    return y


@pytest.mark.parametrize("x", [0.8, 2.1, 11.0])
def test_for_nested_inside_while(x):
    check_grad(for_inside_while, x)


def break_in_inner_loop(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            s = s + x * j
            if s > 3.0:
                break
        s = s * 0.5
    return s


@pytest.mark.parametrize("x, n", [(0.3, 5), (1.1, 4), (0.7, 1), (-0.6, 3)])
def test_break_in_inner_loop(x, n):
    check_grad(break_in_inner_loop, x, n)


def continue_in_inner_loop(x, n):
    s = 0.0
    for i in range(n):
        for j in range(i + 2):
            if (i + j) % 2 == 0:
                continue
            s = s * x + j
    return s


@pytest.mark.parametrize("x, n", [(0.6, 0), (0.6, 4), (-1.2, 3)])
def test_continue_in_inner_loop(x, n):
    check_grad(continue_in_inner_loop, x, n)


def break_outer_with_inner_loop(x, n):
    s = x
    for i in range(n):
        for j in range(2):
            s = s * 1.1 + math.sin(x * j)
        if s > 2.0:
            break
    return s


@pytest.mark.parametrize("x, n", [(0.3, 10), (1.4, 10), (0.3, 2), (-0.5, 3)])
def test_break_outer_loop_containing_inner_loop(x, n):
    check_grad(break_outer_with_inner_loop, x, n)


def loop_with_break(x, n):
    y = x
    for i in range(n):
        y = y * 1.3 + math.sin(y)
        if y > 5.0:
            break
    return y * x


@pytest.mark.parametrize("x, n", [(0.5, 10), (0.5, 2), (3.0, 10), (-2.0, 4), (6.0, 3), (1.0, 0)])
def test_break(x, n):
    check_grad(loop_with_break, x, n)


def while_true_break(x):
    y = x
    while True:
        y = y * 2.0 + x
        if y > 20.0:
            break
    return y


@pytest.mark.parametrize("x, expected", [
    (30.0, 3.0),   # one trip: y = 3x
    (6.0, 7.0),    # two trips: y = 7x (18 -> 42)
    (1.5, 15.0),   # three trips: y = 15x (4.5 -> 10.5 -> 22.5)
])
def test_while_true_break_exact(x, expected):
    assert check_grad(while_true_break, x) == approx(expected)


def loop_with_continue(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 1:
            continue
        s = s + x ** i
        if math.sin(x * i) < 0.0:
            continue
        s = s * x
    return s


@pytest.mark.parametrize("n", [0, 1, 4, 7])
@pytest.mark.parametrize("x", [0.8, 1.7, -1.1])
def test_continue(x, n):
    check_grad(loop_with_continue, x, n)


def test_continue_exact():
    def f(x, n):
        s = 0.0
        for i in range(n):
            if i % 2 == 1:
                continue
            s = s + x ** i
        return s
    # n = 5: 1 + x^2 + x^4 -> 2x + 4x^3
    assert srcad.grad(f)(1.5, 5) == approx(3.0 + 4 * 1.5 ** 3)


def break_in_nested_ifs(x, n):
    y = x
    for i in range(n):
        if i > 1:
            if y > 2.0:
                y = y + 0.5 * x
                break
            else:
                y = y * x
        else:
            if x < 0.0:
                y = y - x * i
                if y < -3.0:
                    break
            else:
                y = y + x * i
    return y


@pytest.mark.parametrize("x, n", [
    (1.5, 6), (0.9, 6), (1.1, 3), (-1.0, 5), (-2.0, 5), (-0.5, 2), (3.0, 8),
])
def test_break_inside_nested_ifs(x, n):
    check_grad(break_in_nested_ifs, x, n)


def break_and_continue_while(x):
    y = x
    i = 0
    while i < 20:
        i += 1
        if i % 3 == 0:
            continue
        y = y * 1.1 + math.cos(y) * x
        if y > 8.0:
            break
    return y


@pytest.mark.parametrize("x", [0.3, 1.2, 2.5, -0.4])
def test_break_and_continue_in_while(x):
    check_grad(break_and_continue_while, x)


def return_in_loop(x, n):
    y = x
    for i in range(n):
        y = y * x
        if y > 4.0:
            return y + i
    return -y


@pytest.mark.parametrize("x, n", [(1.5, 10), (1.5, 2), (0.5, 5), (3.0, 3), (2.5, 0)])
def test_return_inside_loop(x, n):
    check_grad(return_in_loop, x, n)


def test_return_inside_loop_exact():
    # x = 1.5: y = 2.25, 3.375, 5.0625 > 4 -> return x^4 + 2 -> 4x^3
    assert srcad.grad(return_in_loop)(1.5, 10) == approx(4 * 1.5 ** 3)
    # no return in loop: -x^(n+1)
    assert srcad.grad(return_in_loop)(0.5, 2) == approx(-3 * 0.25)


def return_in_nested_loops(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            s = s + x * i + math.sin(x * j)
            if s > 3.0:
                return s * x
        s = s * 0.5
    return s


@pytest.mark.parametrize("x, n", [(0.3, 2), (0.3, 5), (1.1, 4), (-0.6, 3), (2.0, 6)])
def test_return_inside_nested_loops(x, n):
    check_grad(return_in_nested_loops, x, n)


def return_in_while(x):
    y = x
    while True:
        y = y * 2.0 + 1.0
        if y > 20.0:
            return y * x
        if y < -20.0:
            return -y


@pytest.mark.parametrize("x", [0.7, 5.0, 15.0, -3.0])
def test_return_inside_while(x):
    check_grad(return_in_while, x)


def loop_zero_trips(x, n):
    y = x * 2.0
    for i in range(n, 3):
        y = y * math.sin(x)
    for i in range(5, 2):
        y = y * 100.0
    while y > 1000.0:
        y = y * 0.0
    return y


@pytest.mark.parametrize("x", [0.4, -1.7])
def test_loops_with_zero_trips(x):
    g = check_grad(loop_zero_trips, x, 3)
    assert g == 2.0


def loop_over_empty_array(x, v):
    s = x * x
    for e in v:
        s = s + e * x
    return s


def test_loop_over_empty_array():
    gx, gv = check_grad(loop_over_empty_array, 1.5, np.zeros(0), wrt=(0, 1))
    assert gx == approx(3.0)
    assert gv.shape == (0,)


# ---------------------------------------------------------------------------
# Loops over arrays, lists, enumerate and zip
# ---------------------------------------------------------------------------

def loop_rows(A, w):
    s = 0.0
    for row in A:
        s = s + np.sum(np.tanh(row * w))
    return s


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loop_over_array_rows(seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(4, 3))
    w = rng.normal(size=3)
    gA, gw = check_grad(loop_rows, A, w, wrt=(0, 1))
    np.testing.assert_allclose(gA, (1 - np.tanh(A * w) ** 2) * w, rtol=1e-12)


def loop_elements(v, x):
    s = 0.0
    for e in v:
        if e > 0.0:
            s = s + e * x
        else:
            s = s - e * e
    return s


def test_loop_over_array_elements_with_branch():
    v = np.array([0.5, -1.2, 2.0, -0.3])
    gv, gx = check_grad(loop_elements, v, 0.7, wrt=(0, 1))
    np.testing.assert_allclose(gv, [0.7, 2.4, 0.7, 0.6], rtol=1e-12)
    assert gx == approx(2.5)


def loop_enumerate(v, x):
    s = 0.0
    for i, e in enumerate(v):
        s = s + e * x ** i
    return s


@pytest.mark.parametrize("x", [0.5, 1.3, -0.8])
def test_loop_enumerate(x):
    v = np.array([1.0, -2.0, 0.5, 3.0])
    gv, gx = check_grad(loop_enumerate, v, x, wrt=(0, 1))
    np.testing.assert_allclose(gv, [1.0, x, x * x, x ** 3], rtol=1e-12)
    assert gx == approx(-2.0 + 2 * 0.5 * x + 3 * 3.0 * x * x)


def loop_enumerate_rows(A, x):
    s = 0.0
    for i, row in enumerate(A):
        if i % 2 == 0:
            s = s + np.sum(row) * x
        else:
            s = s + np.dot(row, row)
    return s


def test_loop_enumerate_rows():
    A = RNG.normal(size=(3, 4))
    check_grad(loop_enumerate_rows, A, 0.6, wrt=(0, 1))


def loop_zip(a, b):
    s = 0.0
    for p, q in zip(a, b):
        s = s + p * q * q
    return s


@pytest.mark.parametrize("seed", [3, 4])
def test_loop_zip(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=5), rng.normal(size=5)
    ga, gb = check_grad(loop_zip, a, b, wrt=(0, 1))
    np.testing.assert_allclose(ga, b * b, rtol=1e-12)
    np.testing.assert_allclose(gb, 2 * a * b, rtol=1e-12)


def loop_zip_scalar_carry(a, b, x):
    y = x
    for p, q in zip(a, b):
        if p > q:
            y = y * p + q
        else:
            y = math.sin(y) * q
    return y


def test_loop_zip_with_branch():
    a = np.array([0.5, 1.5, -0.2, 0.9])
    b = np.array([0.1, 2.0, 0.4, -0.7])
    check_grad(loop_zip_scalar_carry, a, b, 1.1, wrt=(0, 1, 2))


def loop_list_of_values(x, y):
    s = 0.0
    for t in [x, y, x * y, 2.0]:
        s = s + t * t
    return s


def test_loop_over_list_of_values():
    gx, gy = check_grad(loop_list_of_values, 0.6, -1.3, wrt=(0, 1))
    assert gx == approx(2 * 0.6 + 2 * 0.6 * 1.3 ** 2)
    assert gy == approx(-2 * 1.3 - 2 * 1.3 * 0.36)


# ---------------------------------------------------------------------------
# Augmented assignment, accumulation, unused arguments
# ---------------------------------------------------------------------------

def augmented(x, y):
    z = x
    z += y
    z *= x
    z -= y * 2.0
    z /= y + 3.0
    z **= 2
    return z


@pytest.mark.parametrize("x, y", [(0.5, 1.0), (-1.2, 0.4), (2.0, -1.5)])
def test_augmented_assignment(x, y):
    check_grad(augmented, x, y, wrt=(0, 1))


def augmented_in_loop(x, n):
    s = 0.0
    p = 1.0
    for i in range(n):
        p *= x
        s += p / (i + 1)
        s -= 0.1 * x
    return s


@pytest.mark.parametrize("x, n", [(0.7, 0), (0.7, 4), (-1.2, 5)])
def test_augmented_assignment_in_loop(x, n):
    g = check_grad(augmented_in_loop, x, n)
    assert g == approx(sum(x ** i for i in range(n)) - 0.1 * n)


def augmented_arrays(a, b):
    c = a * 1.0
    c += b
    c *= a
    c -= 0.5 * b
    return np.sum(c)


def test_augmented_assignment_arrays():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    ga, gb = check_grad(augmented_arrays, a, b, wrt=(0, 1))
    np.testing.assert_allclose(ga, 2 * a + b, rtol=1e-12)
    np.testing.assert_allclose(gb, np.sum(a, axis=0) - 1.0, rtol=1e-12)


def many_uses(x):
    a = x * x
    return a + a * x + math.sin(a) * a + x + x + x


@pytest.mark.parametrize("x", [0.3, -1.4, 2.2])
def test_value_used_many_times(x):
    g = check_grad(many_uses, x)
    expected = 2 * x + 3 * x * x + (math.cos(x * x) * x * x + math.sin(x * x)) * 2 * x + 3
    assert g == approx(expected)


def accumulate_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x + x * x
    return s + x


def test_accumulation_in_loop_exact():
    assert check_grad(accumulate_in_loop, 1.5, 4) == approx(4 * (1 + 3.0) + 1)


def unused_args(x, y, z, w):
    if y > 0.0:
        return x * 2.0
    return x * 3.0


def test_unused_arguments_get_exact_zero():
    z = np.ones((2, 3))
    w = np.ones(4, dtype=np.float32)
    gx, gy, gz, gw = check_grad(unused_args, 1.0, 0.5, z, w, wrt=(0, 1, 2, 3), rtol=1e-3)
    assert gx == 2.0
    assert gy == 0.0 and isinstance(gy, float)
    assert gz.shape == (2, 3) and gz.dtype == np.float64 and np.all(gz == 0.0)
    assert gw.shape == (4,) and gw.dtype == np.float32 and np.all(gw == 0.0)


def overwritten_arg(x, y):
    y = 3.0
    for i in range(2):
        y = y * 2.0
    return x * y


def test_argument_overwritten_before_use_has_zero_gradient():
    gx, gy = check_grad(overwritten_arg, 1.5, 7.0, wrt=(0, 1))
    assert gx == 12.0
    assert gy == 0.0


def only_int_arg_in_loop(x, n, flag):
    y = x
    for i in range(n):
        if flag:
            y = y * 2.0
        else:
            y = y + 1.0
    return y


@pytest.mark.parametrize("n, flag, expected", [(3, True, 8.0), (3, False, 1.0), (0, True, 1.0)])
def test_non_differentiated_int_and_flag_args(n, flag, expected):
    assert check_grad(only_int_arg_in_loop, 0.4, n, flag) == approx(expected)


# ---------------------------------------------------------------------------
# Arrays with broadcasting through loops and branches
# ---------------------------------------------------------------------------

def bcast_loop(A, b, n):
    s = A * 0.0
    for i in range(n):
        if i % 2 == 0:
            s = s + A * b
        else:
            s = s * b - A
    return np.sum(s * s)


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_broadcast_2x3_with_3_in_loop(n):
    A = RNG.normal(size=(2, 3))
    b = RNG.normal(size=3)
    gA, gb = check_grad(bcast_loop, A, b, n, wrt=(0, 1))
    assert gb.shape == (3,)


def bcast_outer(u, v):
    M = u * v
    if np.sum(M) > 0.0:
        M = np.tanh(M) + u
    else:
        M = M * M - v
    return np.sum(M)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_broadcast_2x1_with_1x3_in_branch(sign):
    u = np.array([[0.5], [1.5]])
    v = sign * np.array([[0.3, 0.8, 1.1]])
    gu, gv = check_grad(bcast_outer, u, v, wrt=(0, 1))
    assert gu.shape == (2, 1) and gv.shape == (1, 3)
    if sign > 0:
        M = u * v
        np.testing.assert_allclose(gu, np.sum((1 - np.tanh(M) ** 2) * v, axis=1, keepdims=True) + 3,
                                   rtol=1e-12)


def bcast_scalar_array(s, x):
    y = x
    for i in range(3):
        if s > 0.0:
            y = y * s + np.sin(x)
        else:
            y = np.maximum(y, 0.25) - s
    return np.sum(y * y)


@pytest.mark.parametrize("s", [0.7, -0.4])
def test_broadcast_scalar_with_array(s):
    x = np.array([0.3, -0.9, 1.4, 0.6])
    gs, gx = check_grad(bcast_scalar_array, s, x, wrt=(0, 1))
    assert isinstance(gs, float)
    assert gx.shape == (4,)


def bcast_where_loop(A, b):
    out = 0.0
    for row in A:
        t = np.where(row > b, row * b, row - b)
        out = out + np.sum(t * t)
    return out


def test_broadcast_rows_with_where():
    A = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.7]])
    b = np.array([0.1, 0.6, -0.3])
    check_grad(bcast_where_loop, A, b, wrt=(0, 1))


def matrix_loop(W, x, n):
    h = x
    for i in range(n):
        h = np.tanh(W @ h)
    return np.sum(h)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_matmul_in_loop(n):
    W = RNG.normal(size=(3, 3)) * 0.5
    x = RNG.normal(size=3)
    check_grad(matrix_loop, W, x, n, wrt=(0, 1))


# ---------------------------------------------------------------------------
# float32
# ---------------------------------------------------------------------------

def f32_func(x, w):
    y = x
    for i in range(3):
        if i == 1:
            y = np.tanh(y * w) + x
        else:
            y = y * w
    return np.sum(y * y)


def test_float32_gradient_dtype_and_value():
    x64 = np.array([0.3, -0.7, 1.1])
    w64 = np.array([0.9, 0.5, -1.2])
    x32, w32 = x64.astype(np.float32), w64.astype(np.float32)
    g32 = srcad.grad(f32_func, wrt=(0, 1))(x32, w32)
    g64 = srcad.grad(f32_func, wrt=(0, 1))(x64, w64)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32 and a.shape == (3,)
        assert b.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    check_grad(f32_func, x32, w32, wrt=(0, 1), rtol=1e-3, atol=1e-3)


def f32_mixed(x, s):
    y = x * s
    if np.sum(y) > 0.0:
        y = y * y
    return np.sum(y)


def test_float32_array_with_float64_scalar():
    x32 = np.array([0.5, 1.5], dtype=np.float32)
    gx, gs = srcad.grad(f32_mixed, wrt=(0, 1))(x32, 2.0)
    assert gx.dtype == np.float32
    assert isinstance(gs, float)
    np.testing.assert_allclose(gx, 2 * x32 * 4.0, rtol=1e-5)
    assert gs == pytest.approx(2 * 2.0 * float(np.sum(x32 * x32)), rel=1e-5)


def test_an_index_computed_by_a_rule_with_a_tuple_output_has_no_derivative():
    # The pivots of lu_factor are an item of an active tuple: indexing with them asked
    # getitem's rule for a derivative in its index ("gives no derivative for 'index'").
    sl = pytest.importorskip("scipy.linalg")

    def f(a):
        lu, piv = sl.lu_factor(a)
        return np.sum(lu[piv] * np.arange(4.0)[:, None])

    a = np.random.default_rng(0).uniform(-1.0, 1.0, (4, 4)) + 4.0 * np.eye(4)
    check_grad(f, a)


def test_a_mask_returned_by_a_helper_has_no_derivative():
    # The mask is active (computed from x in a helper): np.where's rule asked for a
    # derivative in its condition (RuleError before).
    def parts(x):
        return x > 0, x * 2.0

    def mask_of(x):
        return x > 0

    def f(x):
        m, y = parts(x)
        return np.sum(np.where(m, y, x ** 2)) + np.sum(np.where(mask_of(x), x, 3.0 * x))

    check_grad(f, np.array([-1.0, 0.5, 2.0]))
    np.testing.assert_allclose(srcad.hvp(f)(np.array([-1.0, 0.5, 2.0]), np.ones(3)),
                               [2.0, 0.0, 0.0])
