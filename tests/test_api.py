"""The public API: grad, value_and_grad, vjp, source, and what they return."""

import math

import numpy as np
import pytest
from gradcheck import check_grad, numerical_grad, numerical_vjp

import srcad


def poly(x, y):
    return x ** 3 * y + 2.0 * y


def test_grad_defaults_to_the_first_argument():
    assert srcad.grad(poly)(2.0, 3.0) == pytest.approx(36.0)


def test_wrt_by_name_and_tuple():
    assert srcad.grad(poly, wrt="y")(2.0, 3.0) == pytest.approx(10.0)
    dx, dy = srcad.grad(poly, wrt=(0, "y"))(2.0, 3.0)
    assert (dx, dy) == (pytest.approx(36.0), pytest.approx(10.0))
    assert srcad.grad(poly, wrt=-1)(2.0, 3.0) == pytest.approx(10.0)


def test_decorator_forms():
    @srcad.grad
    def d_square(x):
        return x * x

    @srcad.grad(wrt=(0, 1))
    def d_product(x, y):
        return x * y

    assert d_square(3.0) == pytest.approx(6.0)
    assert d_product(3.0, 4.0) == (pytest.approx(4.0), pytest.approx(3.0))


def test_value_and_grad():
    value, (dx, dy) = srcad.value_and_grad(poly, wrt=(0, 1))(2.0, 3.0)
    assert value == pytest.approx(30.0)
    assert (dx, dy) == (pytest.approx(36.0), pytest.approx(10.0))
    value, dx = srcad.value_and_grad(poly)(2.0, 3.0)
    assert value == pytest.approx(30.0) and dx == pytest.approx(36.0)


def scaled_norm(x, scale, flag):
    if flag:
        return scale * np.sum(x * x)
    return np.sum(x)


def test_gradient_types_follow_the_arguments():
    x = np.array([1.0, 2.0, 3.0])
    g = srcad.grad(scaled_norm)(x, 2, True)
    assert isinstance(g, np.ndarray) and g.dtype == np.float64 and g.shape == (3,)
    np.testing.assert_allclose(g, 4.0 * x)
    g32 = srcad.grad(scaled_norm)(x.astype(np.float32), 2, True)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, 4.0 * x, rtol=1e-6)
    gs = srcad.grad(scaled_norm, wrt=1)(x, 2.0, True)
    assert isinstance(gs, float) and gs == pytest.approx(14.0)


def test_integer_argument_has_no_gradient_and_is_refused_with_what_to_pass():
    # an int may be a count or an index: never differentiated as the float it rounds to
    with pytest.raises(srcad.BadArgumentError, match=r"(?s)integer 2.*no gradient.*2\.0"):
        srcad.grad(poly)(2, 3)
    assert srcad.grad(poly)(2.0, 3) == pytest.approx(36.0)  # not differentiated: kept


def test_non_differentiated_arguments_pass_through():
    x = np.array([1.0, 2.0])
    assert np.all(srcad.grad(scaled_norm)(x, 3, False) == 1.0)


def unused(x, y):
    return y * 2.0


def test_unused_argument_has_a_zero_gradient_of_its_shape():
    g = srcad.grad(unused)(np.ones((2, 3)), 1.0)
    assert g.shape == (2, 3) and np.all(g == 0.0)
    assert srcad.grad(unused)(1.0, 1.0) == 0.0


def mutating_candidate(x):
    y = x
    y += 1.0
    return np.sum(y * x)


def test_user_arrays_are_never_modified():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    srcad.grad(scaled_norm)(x, 1.0, False)
    out, pullback = srcad.vjp(scaled_norm, x, 1.0, False)
    pullback(1.0)
    np.testing.assert_array_equal(x, before)


def test_in_place_update_of_an_alias_of_an_argument_is_refused():
    # `y += 1.0` would change the caller's `x` through the alias `y` (plain Python
    # does): srcad refuses rather than differentiate a different function.
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    with pytest.raises(srcad.UnsupportedSyntaxError, match="in place"):
        srcad.grad(mutating_candidate)(x)
    np.testing.assert_array_equal(x, before)


def test_returned_gradients_are_fresh_writable_arrays():
    x = np.ones(3)
    g = srcad.grad(scaled_norm)(x, 1.0, False)
    g[0] = 5.0  # a read-only broadcast view would raise here
    assert srcad.grad(scaled_norm)(x, 1.0, False)[0] == 1.0


def elementwise(x, w):
    return np.sin(x) * w + x ** 2


def test_vjp_pullback_can_be_called_many_times():
    x = np.array([0.1, 0.5, 1.5])
    w = 2.0
    out, pullback = srcad.vjp(elementwise, x, w)
    np.testing.assert_allclose(out, elementwise(x, w))
    for u in (np.ones(3), np.array([1.0, -2.0, 0.5]), np.zeros(3)):
        dx, dw = pullback(u)
        np.testing.assert_allclose(dx, numerical_vjp(elementwise, [x, w], 0, u), rtol=1e-6)
        assert dw == pytest.approx(float(np.dot(u, np.sin(x))))


def two_outputs(x):
    s = 0.0
    for i in range(3):
        s = s + x[i] * s + math.cos(x[i])
    return s * 2.0, x * s


def test_vjp_tuple_output_two_pullbacks_from_one_forward_sweep():
    x = np.array([0.3, -0.2, 0.7])
    (first, second), pullback = srcad.vjp(two_outputs, x)
    (d_first,) = pullback((1.0, np.zeros(3)))
    (d_second,) = pullback((0.0, np.ones(3)))
    np.testing.assert_allclose(
        d_first, numerical_grad(lambda v: two_outputs(v)[0], [x], 0), rtol=1e-6)
    np.testing.assert_allclose(
        d_second, numerical_grad(lambda v: np.sum(two_outputs(v)[1]), [x], 0), rtol=1e-6)


def test_vjp_default_wrt_is_every_float_argument():
    out, pullback = srcad.vjp(scaled_norm, np.ones(2), 2.0, True)
    assert len(pullback(1.0)) == 2
    out, pullback = srcad.vjp(scaled_norm, np.ones(2), 2.0, True, wrt="scale")
    assert pullback(1.0) == (pytest.approx(2.0),)


def test_vjp_checks_the_adjoint_shape():
    out, pullback = srcad.vjp(elementwise, np.ones(3), 1.0)
    with pytest.raises(srcad.BadArgumentError, match="shape"):
        pullback(np.ones(4))
    out, pullback = srcad.vjp(two_outputs, np.ones(3))
    with pytest.raises(srcad.BadArgumentError, match="tuple"):
        pullback(1.0)


def test_source_returns_readable_python():
    g = srcad.grad(poly)
    g(1.0, 2.0)
    text = srcad.source(g)
    assert "def poly_grad(x, y):" in text
    assert "bx = " in text
    compile(text, "<check>", "exec")
    out, pullback = srcad.vjp(poly, 1.0, 2.0)
    assert "def poly_fwd" in srcad.source(pullback)
    assert "def poly_bwd(saved, bresult):" in srcad.source(pullback)


def test_source_can_be_specialized_by_example_arguments():
    g = srcad.grad(scaled_norm)
    scalar = srcad.source(g, 1.0, 2.0, True)
    array = srcad.source(g, np.ones(3), 2.0, True)
    assert scalar != array


def sum_of_squares(x):
    return np.sum(np.sin(x) ** 2)


def test_source_of_forward_mode_and_matrix_functions():
    x, v = np.ones(3), np.ones(3)
    hvp = srcad.hvp(sum_of_squares)
    # example arguments as a call takes them (the direction too), or without it
    with_direction = srcad.source(hvp, x, v)
    assert "def grad_sum_of_squares_jvp(x, dx):" in with_direction
    assert srcad.source(hvp, x) == with_direction
    assert "def grad_sum_of_squares_jvp(x, dx):" in srcad.source(srcad.hessian(sum_of_squares), x)
    # the Jacobian shows the code its mode uses: tangent functions, or a fwd/bwd pair
    assert "def elementwise_jvp(x, w, dx):" in srcad.source(
        srcad.jacobian(elementwise, mode="forward"), x, 2.0)
    both = srcad.source(srcad.jacobian(elementwise, wrt=(0, 1), mode="forward"), x, 2.0)
    assert "def elementwise_jvp(x, w, dx):" in both and "def elementwise_jvp(x, w, dw):" in both
    reverse = srcad.jacobian(elementwise, mode="reverse")
    assert "def elementwise_bwd(saved, bresult):" in srcad.source(reverse, x, 2.0)
    reverse(x, 2.0)
    assert "def elementwise_bwd(saved, bresult):" in srcad.source(reverse)


def test_source_of_something_that_has_no_generated_function_is_a_clear_error():
    with pytest.raises(srcad.BadArgumentError, match="srcad.jvp computes values"):
        srcad.source(srcad.jvp)
    with pytest.raises(srcad.BadArgumentError, match="srcad.vjp computes values"):
        srcad.source(srcad.vjp)
    with pytest.raises(srcad.BadArgumentError, match="needs a function made by srcad"):
        srcad.source(poly)
    _, pullback = srcad.vjp(poly, 1.0, 2.0)
    with pytest.raises(srcad.BadArgumentError, match="takes no example arguments"):
        srcad.source(pullback, 1.0, 2.0)


def test_grad_of_a_function_defined_in_a_test_body():
    def local(x):
        return math.exp(x) * x

    check_grad(local, 0.3)
