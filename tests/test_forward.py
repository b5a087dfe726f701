"""Forward mode: jvp, and Jacobians in both modes."""

import math

import numpy as np
import pytest
from gradcheck import numerical_grad, numerical_jacobian, numerical_jvp

import srcad


def poly(x, y):
    z = x * y + math.sin(x)
    return z * z


def test_jvp_matches_the_reverse_gradient():
    out, t = srcad.jvp(poly, (1.5, 2.0), (1.0, None))
    assert out == pytest.approx(poly(1.5, 2.0))
    assert t == pytest.approx(srcad.grad(poly)(1.5, 2.0))
    _, t = srcad.jvp(poly, (1.5, 2.0), (0.3, -2.0))
    dx, dy = srcad.grad(poly, wrt=(0, 1))(1.5, 2.0)
    assert t == pytest.approx(0.3 * dx - 2.0 * dy)


def branchy(x, n):
    s = 0.0
    i = 0
    while i < n:
        if s > 1.0:
            s = s * 0.5 + math.cos(x * i)
        else:
            s = s + x * x
        i += 1
        if s > 50.0:
            break
    return s


@pytest.mark.parametrize("x, n", [(0.3, 6), (1.7, 9), (-0.8, 4), (0.5, 0)])
def test_jvp_through_loops_and_branches_matches_finite_differences(x, n):
    _, t = srcad.jvp(branchy, (x, n), (1.0, None))
    assert t == pytest.approx(numerical_grad(branchy, (x, n), 0), rel=1e-6, abs=1e-8)


def helper(a, b):
    return a * math.exp(b)


def calls_helpers(x, y):
    return helper(x, y) + helper(y, x) * helper(x, 2.0)


def test_jvp_through_user_functions():
    _, t = srcad.jvp(calls_helpers, (0.5, 0.7), (1.0, 0.0))
    assert t == pytest.approx(numerical_grad(calls_helpers, (0.5, 0.7), 0), rel=1e-7)


def elementwise(x, w):
    return np.tanh(x * w + np.sum(x))


def test_jvp_of_an_array_function_with_broadcasting():
    x = np.array([0.1, -0.4, 0.9])
    v = np.array([1.0, 0.5, -2.0])
    out, t = srcad.jvp(elementwise, (x, 0.7), (v, None))
    np.testing.assert_allclose(t, numerical_jvp(elementwise, (x, 0.7), (v, None)), rtol=1e-6)
    # the tangent of a scalar input broadcasts to the output's shape
    _, tw = srcad.jvp(elementwise, (x, 0.7), (None, 1.0))
    assert tw.shape == (3,)
    np.testing.assert_allclose(tw, numerical_jvp(elementwise, (x, 0.7), (None, 1.0)),
                               rtol=1e-6)


def constant_output(x):
    return np.ones(3) * 2.0


def test_jvp_of_an_output_that_does_not_depend_on_the_input_is_zero_shaped():
    _, t = srcad.jvp(constant_output, (1.0,), (1.0,))
    np.testing.assert_array_equal(t, np.zeros(3))


def test_forward_source_is_readable():
    text = srcad.source(srcad.hvp(poly), 1.5, 2.0)
    assert "def grad_poly_jvp(x, y, dx):" in text
    # one meaning per name: `bx` the adjoint of x, `dx` its tangent, `dbx` the tangent of bx
    assert "dbz = " in text and "dbx = " in text and "ddx" not in text
    assert "return bx, dbx" in text


def test_jvp_argument_errors():
    with pytest.raises(srcad.BadArgumentError, match="every tangent is None"):
        srcad.jvp(poly, (1.0, 2.0), (None, None))
    with pytest.raises(srcad.BadArgumentError, match="2 arguments"):
        srcad.jvp(poly, (1.0,), (1.0,))
    with pytest.raises(srcad.BadArgumentError, match="shape"):
        srcad.jvp(elementwise, (np.ones(3), 1.0), (np.ones(2), None))


FREQUENCIES = np.array([1.0, 2.0, 3.0, 4.0, 5.0])


def tall(x):          # R^2 -> R^5
    return np.sin(FREQUENCIES * x[0]) * x[1] + x[0]


def square_map(x):    # R^3 -> R^3
    return np.tanh(x) * np.sum(x ** 2)


def wide(x):          # R^4 -> R^2
    return np.array([1.0, 2.0]) * np.sum(np.sin(x)) + np.sum(x * x)


@pytest.mark.parametrize("f, n", [(tall, 2), (square_map, 3), (wide, 4)],
                         ids=["n<m", "n=m", "n>m"])
def test_jacobians_agree_in_both_modes_and_with_finite_differences(f, n):
    x = np.linspace(0.2, 0.9, n)
    forward = srcad.jacobian(f, mode="forward")(x)
    reverse = srcad.jacobian(f, mode="reverse")(x)
    auto = srcad.jacobian(f)(x)
    expected = numerical_jacobian(f, x)
    assert forward.shape == reverse.shape == expected.shape
    np.testing.assert_allclose(forward, reverse, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(forward, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(auto, forward, rtol=1e-10)


def two_inputs(x, y):
    return np.sin(x) * y


def test_jacobian_with_respect_to_several_arguments():
    x, y = np.array([0.1, 0.5]), np.array([1.0, 2.0])
    jx, jy = srcad.jacobian(two_inputs, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(jx, np.diag(np.cos(x) * y))
    np.testing.assert_allclose(jy, np.diag(np.sin(x)))


def test_jacobian_mode_must_be_known():
    with pytest.raises(srcad.BadArgumentError, match="mode"):
        srcad.jacobian(wide, mode="sideways")
