"""Real functions of real inputs through complex intermediates (docs/complex.md).

Every case is compared with central finite differences of the real inputs, in reverse
and forward mode, and second order where smooth. NumPy's ComplexWarning is an error
here: a srcad run never casts a complex value to a real one silently.
"""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_grad, numerical_grad

import srcad

pytestmark = pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")


def distance_squared(x, y):
    z = x + 1j * y
    return np.abs(z - (0.3 - 0.7j)) ** 2


def rational(x, y):
    z = x + 1j * y
    w = (z * z + 1.0) / (z - 2.0j)
    return w.real + 3.0 * w.imag


def recurrence(x, y):
    z = x + 1j * y
    c = 0.5 + 0.2j
    for _ in range(4):
        z = z * c + 0.1j * z * z
    return np.abs(z)


def phasor(x, y):
    z = np.exp(1j * x) * y
    return np.real(z) * np.imag(np.conj(z)) + np.angle(z + 1.0)


def built_from_parts(x, y):
    z = complex(x, y)
    return abs(z) + (z ** 3).real + z.conjugate().imag


def analytic_functions(x, y):
    z = np.sin(x + 1j * y) * np.log(x + 2j) / np.sqrt(1j + y)
    return np.sum(np.abs(z) ** 2)


def inner_products(x, y):
    z = x + 1j * y
    return np.real(np.vdot(z, z * 2j + x)) + np.sum(np.abs(np.outer(z, np.conj(z)) @ z))


def spectrum(x, y):
    X = np.fft.rfft(x * y)
    Y = np.fft.fft(x + 1j * y)
    back = np.fft.irfft(X * np.conj(X), len(x))
    return np.sum(np.abs(Y) ** 2) + np.sum(back * x) + np.sum(np.fft.ifft(Y).real)


def helper_rotation(z, t):
    if t > 0:
        return z * np.exp(1j * t)
    return z


def through_helpers_and_containers(x, y):
    z = helper_rotation(x + 1j * y, x)
    d = {"z": z}
    d["z"] = d["z"] * d["z"]
    buf = np.zeros(2, dtype=complex)
    buf[0] = d["z"]
    buf[1] = np.asarray(y).astype(complex) * 1j
    zs = [np.exp(1j * v) for v in (x, y)]
    return np.sum(np.abs(buf * buf)) + np.abs(sum(zs)) ** 2


def transfer_fit(params, omegas, measured):
    k, tau = params[0], params[1]
    losses = []
    for i in range(len(omegas)):
        s = 1j * omegas[i]
        G = k / (tau * s + 1.0)
        losses.append(np.abs(G - measured[i]) ** 2)
    return np.mean(losses)


SCALAR_CASES = [distance_squared, rational, recurrence, phasor, built_from_parts,
                analytic_functions, through_helpers_and_containers]


@pytest.mark.parametrize("f", SCALAR_CASES, ids=lambda f: f.__name__)
def test_scalar_inputs(f):
    check_grad(f, 0.5, 0.2, wrt=(0, 1))
    h = srcad.hessian(f)(0.5, 0.2)
    expected = numerical_grad(lambda x, y: srcad.grad(f)(x, y), [0.5, 0.2], 0)
    np.testing.assert_allclose(h, expected, rtol=1e-5, atol=1e-7)


def test_the_sign_of_the_reported_example():
    dx, dy = srcad.grad(distance_squared, wrt=(0, 1))(0.5, 0.2)
    np.testing.assert_allclose([dx, dy], [0.4, 1.8])  # was (0.4, -1.8)


@pytest.mark.parametrize("f", [analytic_functions, inner_products, spectrum],
                         ids=lambda f: f.__name__)
def test_array_inputs(f):
    x = np.array([0.5, 0.1, -0.4, 0.8])
    y = np.array([0.2, -0.3, 0.6, 0.1])
    check_grad(f, x, y, wrt=(0, 1))


def test_a_loop_of_complex_residuals():
    omegas = np.linspace(0.2, 3.0, 6)
    measured = 1.3 / (0.6j * omegas + 1.0) + 0.01
    check_grad(transfer_fit, np.array([1.0, 0.5]), omegas, measured)


def test_rules_not_checked_on_complex_values_refuse():
    def f(x):
        return np.real(np.maximum(x + 1j, 0.5))

    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.grad(f)(0.3)


def fft_of(x):
    return np.fft.fft(x)


def list_of(x):
    out = []
    for i in range(3):
        out.append(x[i] * 2.0)
    return out


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_complex_output_is_complex(mode):
    x = np.array([0.3, 0.5, 0.7])
    jac = srcad.jacobian(fft_of, mode=mode)(x)
    np.testing.assert_allclose(jac, np.fft.fft(np.eye(3), axis=0), atol=1e-12)


def test_jacobian_of_a_list_output():
    x = np.array([0.3, 0.5, 0.7])
    np.testing.assert_allclose(srcad.jacobian(list_of)(x), 2.0 * np.eye(3))


def test_generated_code_shows_the_convention():
    source = srcad.source(srcad.grad(distance_squared, wrt=(0, 1)), 0.5, 0.2)
    assert "np.real(" in source  # real inputs take the real part of their adjoint
    assert "(0.3 - 0.7j)" in source  # constants print as written


def test_shapes_and_masks_of_complex_arrays_are_real():
    # `z.shape[0] - 1` of a complex z was typed complex, so np.clip of a real value with
    # it was refused as "sees a complex value".
    def f(x):
        z = x * (1.0 + 2.0j)
        n = z.shape[0]
        return np.sum(np.abs(z) ** 2) * np.clip(x[0], 0, n - 1) + \
            np.sum(np.where(np.abs(z) > 1.0, x, 0.0))

    check_grad(f, np.array([0.3, 0.5, 2.0]))
