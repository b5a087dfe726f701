"""Second derivatives through adjoint helpers that srcad differentiates from their source
(srcad/runtime/marks.py): hvp against central differences of srcad's gradient."""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(31)
W = RNG.standard_normal((3, 3))
# a nonsymmetric matrix with well separated real eigenvalues
A = np.array([[3.0, 0.4, 0.2], [0.1, 1.5, 0.3], [0.2, -0.1, 0.4]])


def eig_loss(a):
    w, v = np.linalg.eig(a)
    return np.sum(w ** 2) + np.sum(np.abs(v) * W)


def eigvals_loss(a):
    return np.sum(np.linalg.eigvals(a) ** 3)


def svdvals_loss(a):
    return np.sum(np.linalg.svdvals(a) ** 2 * np.array([1.0, 0.5, 0.25]))


def qr_loss(a):
    q, r = np.linalg.qr(a)
    return np.sum(q * W) + np.sum(r ** 2)


def matrix_power_loss(a):
    return np.sum(np.linalg.matrix_power(a, 3) * W)


def trace_diagonal_loss(a):
    return np.linalg.trace(a @ a) + np.sum(np.linalg.diagonal(a) ** 3)


def clip_method_loss(a):
    return np.sum(np.sin(a).clip(-0.5, 0.6) ** 2)


def eigvalsh_loss(a):
    return np.sum(np.linalg.eigvalsh(a + a.T) ** 3)


@pytest.mark.parametrize("f", [eig_loss, eigvals_loss, svdvals_loss, qr_loss,
                               matrix_power_loss, trace_diagonal_loss, clip_method_loss,
                               eigvalsh_loss], ids=lambda f: f.__name__)
def test_hvp_matches_differences_of_the_gradient(f):
    a = A + 0.05 * RNG.standard_normal((3, 3))
    v = RNG.standard_normal((3, 3))
    grad = srcad.grad(f)
    h = 1e-6
    expected = (grad(a + h * v) - grad(a - h * v)) / (2 * h)
    np.testing.assert_allclose(srcad.hvp(f)(a, v), expected, rtol=1e-5, atol=1e-6)
