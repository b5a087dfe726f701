"""srcad.grad called inside a function srcad differentiates (nested differentiation).

`srcad.grad(f)(x)` inside the differentiated function is made while transforming: its
IR is srcad's gradient of `f`, differentiated again like a helper (a forward/backward
pair in reverse mode, a tangent function in forward mode, inlined at higher order).
Every derivative is checked against central differences of the plain Python function.
"""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(7)
X = RNG.standard_normal(4)
P = RNG.standard_normal((3, 2))
A = RNG.standard_normal((5, 3))
Y = RNG.standard_normal((5, 2))


def fd_grad(f, x, *rest, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * h)
    return g


def energy(x):
    return np.sum(np.sin(x)) + 0.25 * np.sum(x ** 4)


def fit_loss(p, a, y):
    return np.sum((np.tanh(a @ p) - y) ** 2)


FORCE = srcad.grad(energy)


def inline_call(x):
    g = srcad.grad(energy)(x)
    return np.sum(g * g) + np.sum(np.sin(g))


def through_a_name(x):
    force = srcad.grad(energy)
    return np.sum(force(x) ** 2 * x)


def module_level(x):
    return np.sum(np.cos(FORCE(x)))


def one_inner_step(p, a, y):
    g = srcad.grad(fit_loss)(p, a, y)
    return fit_loss(p - 0.1 * g, a, y)


def three_inner_steps(p, a, y):
    for _ in range(3):
        p = p - 0.05 * srcad.grad(fit_loss)(p, a, y)
    return fit_loss(p, a, y)


def wrt_second(a, p, y):
    return np.sum(srcad.grad(fit_loss, wrt=1)(p, a, y) ** 2)


def second_derivative_inside(x):
    curvature = srcad.grad(lambda_free_sum)(x)
    return np.sum(curvature * x)


def lambda_free_sum(x):
    return np.sum(srcad.grad(energy)(x) ** 2)


def make_gradient(f):
    return srcad.grad(f)


def through_a_helper_factory(x):
    return np.sum(make_gradient(energy)(x) * x)


CASES = [inline_call, through_a_name, module_level, second_derivative_inside,
         through_a_helper_factory]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_gradient_hessian_and_tangent(f):
    g = srcad.grad(f)(X)
    assert np.allclose(g, fd_grad(f, X), rtol=1e-6, atol=1e-7)
    dx = RNG.standard_normal(4)
    value, tangent = srcad.jvp(f, (X,), (dx,))
    assert np.isclose(value, f(X)) and np.isclose(tangent, g @ dx)
    hessian = srcad.hessian(f)(X)
    expected = np.array([fd_grad(lambda x, i=i: srcad.grad(f)(x)[i], X) for i in range(4)])
    assert np.allclose(hessian, expected, rtol=1e-5, atol=1e-6)
    assert np.allclose(srcad.hvp(f)(X, dx), expected @ dx, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", [one_inner_step, three_inner_steps], ids=lambda f: f.__name__)
def test_differentiating_through_inner_gradient_steps(f):
    g = srcad.grad(f)(P, A, Y)
    assert np.allclose(g, fd_grad(f, P, A, Y), rtol=1e-6, atol=1e-7)


def test_nested_gradient_with_respect_to_another_argument():
    g = srcad.grad(wrt_second)(A, P, Y)
    assert np.allclose(g, fd_grad(wrt_second, A, P, Y), rtol=1e-6, atol=1e-7)


def constant_inner(x, c):
    return np.sum(x * srcad.grad(energy)(c))


def test_a_nested_gradient_of_constants_is_a_value():
    c = RNG.standard_normal(4)
    assert np.allclose(srcad.grad(constant_inner)(X, c), srcad.grad(energy)(c))


def test_the_generated_code_calls_the_inner_gradient_by_name():
    code = srcad.source(srcad.grad(inline_call), X)
    assert "grad_energy_fwd(x)" in code and "grad_energy_bwd(" in code


# ----------------------------------------------------------------------------- refusals


def with_value_inside(x):
    value, g = srcad.value_and_grad(energy)(x)
    return value + np.sum(g)


def local_function_inside(x):
    def inner(y):
        return np.sum(y ** 3)
    return np.sum(srcad.grad(inner)(x))


def run_time_wrt(x, k):
    return np.sum(srcad.grad(fit_loss, wrt=k)(P, A, Y)) * np.sum(x)


def pair_loss(t):
    return np.sum(t[0] * t[1] ** 2)


def tuple_argument(x):
    g = srcad.grad(pair_loss)((x, 2 * x))
    return np.sum(g[0] * g[1])


def test_a_tuple_argument_gets_a_tuple_of_gradients():
    assert np.allclose(srcad.grad(tuple_argument)(X), fd_grad(tuple_argument, X), rtol=1e-6,
                       atol=1e-6)


def dict_loss(d):
    return np.sum(d["a"] * d["b"] ** 2)


def dict_argument(x):
    return np.sum(srcad.grad(dict_loss)({"a": x, "b": x})["a"])


@pytest.mark.parametrize("f,args,message", [
    (with_value_inside, (X,), "value_and_grad"),
    (local_function_inside, (X,), "defined inside"),
    (run_time_wrt, (X, 1), "known while srcad transforms"),
    (dict_argument, (X,), "not dicts"),
], ids=["value_and_grad", "local def", "run-time wrt", "dict"])
def test_refusals_name_the_line(f, args, message):
    with pytest.raises(srcad.UnsupportedSyntaxError, match=message) as info:
        srcad.grad(f)(*args)
    assert info.value.loc is not None and info.value.loc.function == f.__name__


# Two lambdas share the name '<lambda>': the inliner told them apart by name and refused
# the Hessian as "recursive" (autograd's test_complex d_fun = lambda x: grad(fun)(x)).
square_sine = lambda x: np.sum(np.sin(x) ** 2)  # noqa: E731
gradient_norm = lambda x: np.sum(srcad.grad(square_sine)(x) ** 2)  # noqa: E731


def test_hessian_through_lambdas():
    hessian = srcad.hessian(gradient_norm)(X)
    grad = srcad.grad(gradient_norm)
    expected = np.array([fd_grad(lambda x, i=i: grad(x)[i], X) for i in range(4)])
    np.testing.assert_allclose(hessian, expected, rtol=1e-5, atol=1e-6)
