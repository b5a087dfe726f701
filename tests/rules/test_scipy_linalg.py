"""scipy.linalg.sqrtm / solve_sylvester / solve_banded, scipy.signal.convolve and
np.real_if_close, end to end: gradients, tangents and Hessian-vector products against
central differences of the plain functions (and of srcad's own gradient)."""

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.signal as ss

import srcad

RNG = np.random.default_rng(2026)
W3 = RNG.standard_normal((3, 3))
A = np.eye(3) * 2.0 + 0.3 * RNG.standard_normal((3, 3))
B = np.eye(3) * 1.5 + 0.3 * RNG.standard_normal((3, 3))
Q = RNG.standard_normal((3, 3))
AB = RNG.standard_normal((3, 5)) + np.array([[0.0], [4.0], [0.0]])
BB = RNG.standard_normal(5)


def fd_grad(f, args, wrt, h=1e-6):
    x = np.asarray(args[wrt], dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        up = list(args)
        down = list(args)
        up[wrt], down[wrt] = x + e, x - e
        g[i] = (f(*up) - f(*down)) / (2 * h)
    return g


def check(f, args, wrt, rtol=1e-5, atol=1e-7, order2=True):
    g = srcad.grad(f, wrt=wrt)(*args)
    assert np.allclose(g, fd_grad(f, args, wrt), rtol=rtol, atol=atol)
    direction = RNG.standard_normal(np.shape(args[wrt]))
    tangents = tuple(direction if i == wrt else None for i in range(len(args)))
    _, t = srcad.jvp(f, tuple(args), tangents)
    assert np.isclose(t, np.sum(g * direction), rtol=rtol, atol=atol)
    if order2:
        grad_f = srcad.grad(f, wrt=wrt)
        expected = fd_grad(lambda *xs: np.sum(grad_f(*xs) * direction), args, wrt)
        assert np.allclose(srcad.hvp(f, wrt=wrt)(*args, direction), expected,
                           rtol=1e-4, atol=1e-6)


def sqrtm_loss(a):
    s = 0.5 * (a + a.T) + 3.0 * np.eye(3)
    return np.sum(sla.sqrtm(s) * W3)


def sylvester_loss(a, b, q):
    return np.sum(sla.solve_sylvester(a, b, q) ** 2)


def banded_loss(ab, b):
    return np.sum(sla.solve_banded((1, 1), ab, b) ** 2)


def banded_matrix_loss(ab, b):
    return np.sum(np.sin(sla.solve_banded((2, 1), ab, b)))


def test_sqrtm():
    check(sqrtm_loss, [A], 0)


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_solve_sylvester(wrt):
    check(sylvester_loss, [A, B, Q], wrt)


@pytest.mark.parametrize("wrt", [0, 1])
def test_solve_banded(wrt):
    check(banded_loss, [AB, BB], wrt)
    ab = RNG.standard_normal((4, 5)) + np.array([[0.0], [4.0], [0.0], [0.0]])  # u = 1
    check(banded_matrix_loss, [ab, RNG.standard_normal((5, 2))], wrt)


def test_sqrtm_of_a_real_matrix_with_a_complex_root_is_refused():
    def f(a):
        return np.sum(np.real(sla.sqrtm(a)))

    with pytest.raises(srcad.NoDerivativeError, match="negative eigenvalues"):
        srcad.grad(f)(np.diag([1.0, -2.0, 3.0]))


def test_overwriting_keywords_are_refused():
    def f(ab, b):
        return np.sum(sla.solve_banded((1, 1), ab, b, overwrite_ab=True))

    with pytest.raises(srcad.SrcadError, match="overwrite_ab"):
        srcad.grad(f)(AB, BB)


CONVOLVE = [((4,), (2,)), ((2,), (5,)), ((4, 3), (2, 2)), ((5, 4), (3, 2)), ((4, 3), (4, 1))]


def convolve_loss(a, v, mode):
    return np.sum(ss.convolve(a, v, mode) ** 2 * 0.7)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("s1,s2", CONVOLVE, ids=str)
def test_convolve(s1, s2, mode):
    a, v = RNG.standard_normal(s1), RNG.standard_normal(s2)
    for wrt in (0, 1):
        check(convolve_loss, [a, v, mode], wrt, order2=mode != "valid")


def test_complex_convolution():
    a = RNG.standard_normal(5) + 1j * RNG.standard_normal(5)
    v = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)

    def f(z):
        return np.sum(np.abs(ss.convolve(z, v, "same")) ** 2)

    g = srcad.grad(f)(a)
    h = 1e-6
    expected = np.zeros(5, complex)
    for i in range(5):
        for unit in (1.0, 1j):
            e = np.zeros(5, complex)
            e[i] = unit * h
            expected[i] += unit * (f(a + e) - f(a - e)) / (2 * h)
    assert np.allclose(g, expected, rtol=1e-6, atol=1e-7)


def real_if_close_loss(x):
    return np.sum(np.real_if_close(x * x) ** 3)


def test_real_if_close():
    check(real_if_close_loss, [RNG.standard_normal(4)], 0)
