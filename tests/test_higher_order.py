"""Higher-order derivatives: grad of grad (reverse over reverse), Hessians and
Hessian-vector products (forward over reverse), worked examples with exact values."""

import math

import numpy as np
import pytest
from gradcheck import numerical_hessian

import srcad


def square(x):
    return x ** 2


def square_twice(x):
    return (x ** 2) ** 2


def square_thrice(x):
    return ((x ** 2) ** 2) ** 2


def sum_squared(x):
    return np.sum(x) ** 2


def scaled(x):
    return 4 * (3 * x)


def test_worked_examples_come_out_exactly():
    assert srcad.grad(square)(5.0) == 10.0
    assert srcad.grad(srcad.grad(square))(5.0) == 2.0
    assert srcad.grad(square_twice)(5.0) == 500.0
    assert srcad.grad(square_thrice)(5.0) == 625000.0
    np.testing.assert_array_equal(srcad.grad(sum_squared)(np.ones((2, 2))), np.full((2, 2), 8.0))
    assert srcad.grad(scaled)(1.7) == 12.0


def mml(x):
    """Mathematics for Machine Learning, section 5.6."""
    return math.sqrt(x ** 2 + math.exp(x ** 2)) + math.cos(x ** 2 + math.exp(x ** 2))


def mml_first(x):
    a = x ** 2 + math.exp(x ** 2)
    da = 2 * x + 2 * x * math.exp(x ** 2)
    return da / (2 * math.sqrt(a)) - math.sin(a) * da


def mml_second(x):
    a = x ** 2 + math.exp(x ** 2)
    da = 2 * x + 2 * x * math.exp(x ** 2)
    dda = 2 + (2 + 4 * x ** 2) * math.exp(x ** 2)
    return (dda / (2 * math.sqrt(a)) - da ** 2 / (4 * a ** 1.5)
            - math.cos(a) * da ** 2 - math.sin(a) * dda)


@pytest.mark.parametrize("x", [0.3, -0.8, 1.1])
def test_mml_first_and_second_derivatives_match_closed_forms(x):
    assert srcad.grad(mml)(x) == pytest.approx(mml_first(x), rel=1e-12)
    assert srcad.grad(srcad.grad(mml))(x) == pytest.approx(mml_second(x), rel=1e-10)
    assert srcad.hessian(mml)(x) == pytest.approx(mml_second(x), rel=1e-10)


def sine(x):
    return math.sin(x)


def exponential(x):
    return np.exp(2.0 * x)


def looped(x):
    s = 0.0
    for i in range(3):
        s = s + math.sin(x * i) * x
    return s


def looped_derivative(x, order):
    """d^order/dx^order of sum_i x sin(i x), i = 0, 1, 2, by hand (Leibniz rule)."""
    total = 0.0
    for i in range(3):
        # x sin(ix): the n-th derivative is
        #   x i^n sin(ix + n pi/2) + n i^(n-1) sin(ix + (n-1) pi/2)
        n = order
        total += x * i ** n * math.sin(i * x + n * math.pi / 2)
        if i or n == 1:
            total += n * i ** (n - 1) * math.sin(i * x + (n - 1) * math.pi / 2)
    return total


def nth(fn, n):
    for _ in range(n):
        fn = srcad.grad(fn)
    return fn


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_derivatives_of_any_order(order):
    x = 0.7
    assert nth(sine, order)(x) == pytest.approx(math.sin(x + order * math.pi / 2), rel=1e-12)
    assert nth(exponential, order)(x) == pytest.approx(2.0 ** order * math.exp(2 * x),
                                                       rel=1e-12)
    assert nth(looped, order)(x) == pytest.approx(looped_derivative(x, order), rel=1e-10)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i, i + 1] -= 400 * x[i]
        H[i + 1, i] -= 400 * x[i]
        H[i + 1, i + 1] += 200
    return H


def test_rosenbrock_hessian_matches_its_closed_form():
    x = np.array([0.5, -0.3, 1.2, 0.8, -1.1])
    H = srcad.hessian(rosenbrock)(x)
    assert H.shape == (5, 5)
    np.testing.assert_allclose(H, rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)


def test_hvp_matches_hessian_times_vector():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(6)
    v = rng.standard_normal(6)
    np.testing.assert_allclose(srcad.hvp(rosenbrock)(x, v), rosenbrock_hessian(x) @ v,
                               rtol=1e-12, atol=1e-9)


def weighted(x, w):
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0.0:
            s = s + w * x[i] ** 3
        else:
            s = s + np.sin(x[i]) * x[i]
    return s


def test_hessian_and_hvp_through_loops_and_branches_and_wrt_by_name():
    x = np.array([0.4, -0.7, 1.3])
    H = srcad.hessian(weighted, wrt="x")(x, 2.0)
    expected = np.diag([12.0 * 0.4, 2 * np.cos(-0.7) - (-0.7) * np.sin(-0.7), 12.0 * 1.3])
    np.testing.assert_allclose(H, expected, rtol=1e-12, atol=1e-12)
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(srcad.hvp(weighted)(x, 2.0, v), expected @ v, rtol=1e-12)
    # second derivative with respect to the scalar argument
    assert srcad.hessian(weighted, wrt=1)(x, 2.0) == 0.0


def test_second_order_source_is_readable():
    g2 = srcad.grad(srcad.grad(looped))
    g2(0.7)
    text = srcad.source(g2)
    assert "derivative of order 2" in text
    # the second sweep's adjoints are b2<name>, apart from the first sweep's b<name>
    assert "return b2x," in text
    compile(text, "<check>", "exec")


def value_and_grad_pair(x):
    return x * x


def test_grad_of_value_and_grad_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="value_and_grad"):
        srcad.grad(srcad.value_and_grad(value_and_grad_pair))(1.0)


def fact(x, n):
    if n == 0:
        return 1.0
    return x * fact(x, n - 1)


def uses_recursion(x):
    return fact(x, 3)


def test_higher_order_through_recursion_is_refused_clearly():
    assert srcad.grad(uses_recursion)(2.0) == pytest.approx(12.0)
    with pytest.raises(srcad.UnsupportedSyntaxError, match="recursive function 'fact'"):
        srcad.grad(srcad.grad(uses_recursion))(2.0)


def helper(a, b):
    return a * np.tanh(b * a)


def uses_helper(x):
    return helper(x, 0.5) + helper(x * x, 1.5)


def test_higher_order_through_helpers_inlines_them():
    x = 0.8
    fd = numerical_hessian(uses_helper, x, eps=1e-5)
    assert srcad.grad(srcad.grad(uses_helper))(x) == pytest.approx(fd, rel=1e-7)
    assert srcad.hessian(uses_helper)(x) == pytest.approx(fd, rel=1e-7)


# ----------------------------------------------------------------------------- a whole program
# The Hessian of a program that mixes stack, clip, norm, solve, einsum, cumsum, where, a
# for loop and a while loop (every helper its gradient calls has second derivatives).

_SPD = np.array([[3.0, 0.5, 0.2], [0.5, 2.0, 0.1], [0.2, 0.1, 1.5]])


def _whole_program(x):
    features = np.stack([x, x ** 2, np.sin(x)])
    clipped = np.clip(features, -1.5, 1.5)
    lengths = np.linalg.norm(clipped, axis=0)
    solved = np.linalg.solve(_SPD, x)
    mixed = np.einsum("ij,j->i", clipped, solved)
    running = np.cumsum(mixed)
    leaky = np.where(running > 0, running, 0.1 * running)
    total = 0.0
    for k in range(3):
        total = total + np.tanh(leaky[k]) * lengths[k]
    scale, steps = 1.0, 0
    while steps < 4:
        scale = scale * (1.0 + 0.1 * np.tanh(np.sum(solved) * scale))
        steps += 1
    quadratic = solved @ _SPD @ solved
    return total * scale + 0.5 * quadratic + np.sum(np.exp(-leaky ** 2))


def test_hessian_of_a_whole_program():
    x = np.array([0.3, -0.4, 0.8])
    hessian = srcad.hessian(_whole_program)(x)
    grad = srcad.grad(_whole_program)
    h = 1e-5
    expected = np.array([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(hessian, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-9, atol=1e-10)


def test_hvp_through_a_negated_reshaped_adjoint_whose_tangent_is_zero():
    # The tangent of `-b` for a zero tangent of `b` folded to the scalar -0.0 and was then
    # reshaped to an array's shape (a ValueError): a folded zero is a zero tangent.
    def f(x):
        return np.sum(np.concatenate([x[:5], -np.atleast_1d(x[5:8])]) * np.arange(8.0))

    np.testing.assert_allclose(srcad.hvp(f)(np.ones(8), np.ones(8)), np.zeros(8))
