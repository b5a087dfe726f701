"""NumPy functions differentiated from their plain-NumPy definitions
(srcad/runtime/definitions.py): values equal NumPy's, gradients and Hessian-vector
products agree with finite differences, unsupported options are refused by name."""

import numpy as np
import pytest
from gradcheck import check_grad, numerical_hessian

import srcad

RNG = np.random.default_rng(3)
KNOTS = np.linspace(0.0, 1.0, 5)


def polyval_loss(p, x):
    return np.sum(np.polyval(p, x) ** 2) + np.polyval(p, 0.3)


def polyder_loss(p):
    return np.sum(np.polyder(p) ** 2) + np.sum(np.polyder(p, 2))


def trapezoid_loss(y, x):
    return np.trapezoid(y ** 2, x) + np.trapezoid(np.sin(y), dx=0.3)


def trapezoid_axis_loss(y):
    return np.sum(np.trapezoid(y * y, axis=0)) + np.sum(np.trapezoid(y, dx=0.5, axis=1))


def interp_loss(x, fp):
    return np.sum(np.interp(x, KNOTS, fp) ** 2) + np.interp(0.4, KNOTS, fp, left=0.0)


def average_loss(a, w):
    return np.sum(np.average(a, axis=0, weights=w) ** 2) + np.average(a) + \
        np.average(a[0], weights=w[:3])


def cov_loss(x):
    return np.sum(np.cov(x) ** 2) + np.sum(np.cov(x, rowvar=False)) + \
        np.cov(x[0], x[1])[0, 1] + np.sum(np.cov(x, bias=True))


def corrcoef_loss(x):
    return np.sum(np.corrcoef(x) ** 3)


def vander_loss(x):
    return np.sum(np.vander(x, 4) @ np.arange(4.0)) + np.sum(np.vander(x, increasing=True))


def chebval_loss(x, c):
    return np.sum(np.polynomial.chebyshev.chebval(x, c) ** 2) + \
        np.polynomial.chebyshev.chebval(0.2, c[:2])


CASES = [
    (polyval_loss, (RNG.normal(size=4), RNG.normal(size=3)), (0, 1)),
    (polyder_loss, (RNG.normal(size=5),), (0,)),
    (trapezoid_loss, (RNG.normal(size=6), np.sort(RNG.random(6))), (0, 1)),
    (trapezoid_axis_loss, (RNG.normal(size=(3, 4)),), (0,)),
    (interp_loss, (np.array([-0.1, 0.13, 0.55, 0.77, 1.2]), RNG.normal(size=5)), (0, 1)),
    (average_loss, (RNG.normal(size=(4, 3)), RNG.random(4) + 0.5), (0, 1)),
    (cov_loss, (RNG.normal(size=(3, 5)),), (0,)),
    (corrcoef_loss, (RNG.normal(size=(3, 5)),), (0,)),
    (vander_loss, (RNG.normal(size=3),), (0,)),
    (chebval_loss, (RNG.normal(size=4), RNG.normal(size=5)), (0, 1)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_value_and_gradient(f, args, wrt):
    check_grad(f, *args, wrt=wrt)
    value, _ = srcad.value_and_grad(f, wrt=wrt)(*args)
    assert value == pytest.approx(f(*args), rel=1e-12)


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_second_order(f, args, wrt):
    x = args[0]
    rest = args[1:]
    hessian = srcad.hessian(f)(*args)
    expected = numerical_hessian(lambda z: f(z, *rest), x)
    np.testing.assert_allclose(np.reshape(hessian, expected.shape), expected, rtol=1e-4,
                               atol=1e-5)


def test_unsupported_options_are_refused_by_name():
    def uses_period(x):
        return np.sum(np.interp(x, KNOTS, KNOTS ** 2, period=1.0))

    with pytest.raises(srcad.SrcadError, match="period"):
        srcad.grad(uses_period)(np.array([0.2, 0.4]))
