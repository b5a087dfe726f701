"""Differentiation with respect to complex arguments (docs/complex.md).

For a real loss L of z = x + 1j * y, srcad's gradient is dL/dx + 1j * dL/dy, shaped
like z; a tangent is dx + 1j * dy; a pullback's cotangent bw of a complex output w
stands for the real loss Re(sum(conj(bw) * w)). Every derivative here is compared with
central finite differences that move the real and the imaginary part of each entry
separately (`gradcheck.numerical_grad`), never with srcad itself. NumPy's
ComplexWarning is an error (tests/conftest.py): nothing is cast to real silently.
"""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import (
    HESSIAN_EPS,
    check_grad,
    numerical_grad,
    numerical_jvp,
    numerical_vjp,
)

import srcad
from srcad.rules import registry

RTOL, ATOL = 1e-5, 1e-7

Z = 0.7 - 0.4j
ZS = np.array([0.7 - 0.4j, -0.3 + 1.1j, 0.2 + 0.5j, -0.9 - 0.6j])
XS = np.array([0.5, -1.2, 0.9, 0.3])
DZ = np.array([0.1 - 0.3j, 0.5 + 0.2j, -0.4 + 0.9j, 0.6 - 0.2j])


def assert_close(got, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- functions
# holomorphic maps read through a real part

def exp_sin(z):
    return np.sum(np.real(np.exp(z) * np.sin(z)) + np.imag(z ** 3))


def rational(z):
    w = (z * z + 1.0) / (z - 2.0j)
    return np.sum(w.real + 3.0 * w.imag)


def logs_and_roots(z):
    return np.sum(np.real(np.log(z) * np.sqrt(z + 2.0)) - np.imag(np.tanh(z)))


# not holomorphic: abs, real, imag, conj, angle

def squared_modulus(z):
    return np.sum(np.abs(z) ** 2)


def modulus(z):
    return np.sum(np.abs(z))


def real_part(z):
    return np.sum(np.real(z))


def imag_part(z):
    return np.sum(z.imag)


def angle(z):
    return np.sum(np.angle(z))


def conj_product(z):
    return np.sum(np.real(np.conj(z) * z * z) + np.imag(np.conjugate(z) * 1.5j))


def mixed_parts(z):
    return np.sum(z.real * z.imag ** 2 + np.abs(z - 0.1j) * np.angle(z + 0.3))


def through_fft(z):
    return np.sum(np.abs(np.fft.fft(z)) ** 2) + np.real(np.vdot(z, np.fft.ifft(z)))


def helper(w, c):
    return w * c + 0.2 * np.conj(w)


def loop_and_helper(z):
    total = 0.0
    w = z
    for _ in range(3):
        w = helper(w, 0.6 + 0.3j)
        total = total + np.abs(w) ** 2
    return np.sum(total)


def branches(z):
    if np.sum(np.real(z)) > 0:
        w = z * z
    else:
        w = np.conj(z)
    return np.sum(np.abs(w + 1j))


HOLOMORPHIC = [exp_sin, rational, logs_and_roots]
NON_HOLOMORPHIC = [squared_modulus, modulus, real_part, imag_part, angle, conj_product,
                   mixed_parts, through_fft, loop_and_helper, branches]
ALL = HOLOMORPHIC + NON_HOLOMORPHIC


# ----------------------------------------------------------------------------- grad

@pytest.mark.parametrize("f", ALL, ids=lambda f: f.__name__)
def test_grad_of_a_complex_array(f):
    g = srcad.grad(f)(ZS)
    assert isinstance(g, np.ndarray) and g.dtype == np.complex128 and g.shape == ZS.shape
    assert_close(g, numerical_grad(f, [ZS], 0))


@pytest.mark.parametrize("f", [f for f in ALL if f is not through_fft],
                         ids=lambda f: f.__name__)
def test_grad_of_a_complex_scalar(f):
    g = srcad.grad(f)(Z)
    assert type(g) is complex
    assert_close(g, numerical_grad(f, [Z], 0))


@pytest.mark.parametrize("f", [exp_sin, mixed_parts, loop_and_helper],
                         ids=lambda f: f.__name__)
def test_check_grad_with_forward_mode(f):
    # gradcheck's check_grad: finite differences, and forward mode's <grad, v> (v complex)
    check_grad(f, ZS)
    check_grad(f, Z)


def test_closed_forms():
    z = 0.6 - 0.8j
    assert_close(srcad.grad(squared_modulus)(z), 2 * z)  # 2x + 2iy
    assert_close(srcad.grad(modulus)(z), z / abs(z))
    assert_close(srcad.grad(real_part)(z), 1.0)
    assert_close(srcad.grad(imag_part)(z), 1.0j)
    assert_close(srcad.grad(angle)(z), 1j * z / abs(z) ** 2)
    # holomorphic h: the gradient of Re h is conj(h'(z)); of Im h = Re(-1j * h),
    # conj(-1j * h'(z))
    assert_close(srcad.grad(lambda w: np.real(w ** 3))(z), np.conj(3 * z ** 2))
    assert_close(srcad.grad(lambda w: np.imag(w ** 3))(z), np.conj(-3j * z ** 2))


def test_real_gradient_of_a_real_part_is_complex_typed():
    # f(z) = Re(z): dL/dx = 1, dL/dy = 0; still complex, shaped like z
    g = srcad.grad(real_part)(ZS)
    assert g.dtype == np.complex128
    assert_close(g, np.ones(4))
    assert type(srcad.grad(real_part)(0.5 + 0.0j)) is complex


def test_complex64_and_numpy_scalars_keep_their_type():
    z64 = ZS.astype(np.complex64)
    g = srcad.grad(squared_modulus)(z64)
    assert g.dtype == np.complex64
    assert_close(g, 2 * ZS, rtol=1e-5, atol=1e-5)
    g = srcad.grad(squared_modulus)(np.complex128(Z))
    assert isinstance(g, np.complex128)
    assert_close(g, 2 * Z)


def test_value_and_grad():
    value, g = srcad.value_and_grad(mixed_parts)(ZS)
    assert_close(value, mixed_parts(ZS))
    assert_close(g, numerical_grad(mixed_parts, [ZS], 0))


def test_a_complex_argument_is_not_given_the_real_part_of_its_adjoint():
    source = srcad.source(srcad.grad(lambda x, z: np.sum(np.abs(x * z)), wrt=(0, 1)), XS, ZS)
    returned = source[source.rindex("return"):]
    assert "np.real(bx)" in returned  # the real argument's gradient is real
    assert "np.real(bz)" not in returned


# ----------------------------------------------------------------------------- mixed

def mixed(x, z, n):
    w = x * z + x ** 2 * np.conj(z)
    return np.sum(np.abs(w) + np.real(w * z)) * n


def test_mixed_real_and_complex_arguments():
    gx, gz = srcad.grad(mixed, wrt=(0, 1))(XS, ZS, 2)
    assert gx.dtype == np.float64 and gz.dtype == np.complex128
    assert_close(gx, numerical_grad(mixed, [XS, ZS, 2], 0))
    assert_close(gz, numerical_grad(mixed, [XS, ZS, 2], 1))


def test_mixed_scalars_keep_a_real_gradient_real():
    gx, gz = srcad.grad(mixed, wrt=(0, 1))(0.8, Z, 1)
    assert type(gx) is float and type(gz) is complex
    assert_close(gx, numerical_grad(mixed, [0.8, Z, 1], 0))
    assert_close(gz, numerical_grad(mixed, [0.8, Z, 1], 1))


def test_only_the_real_argument_differentiated():
    gx = srcad.grad(mixed)(XS, ZS, 1)
    assert gx.dtype == np.float64
    assert_close(gx, numerical_grad(mixed, [XS, ZS, 1], 0))


def test_complex_leaves_of_a_structure():
    def f(params):
        return np.sum(np.abs(params["z"] * params["w"]) ** 2) + np.real(params["c"] ** 2)

    params = {"z": ZS, "w": XS, "c": 0.3 + 0.4j}
    g = srcad.grad(f)(params)
    assert g["z"].dtype == np.complex128 and g["w"].dtype == np.float64
    assert type(g["c"]) is complex
    for key in params:
        def along(v, key=key):
            return f({**params, key: v})
        assert_close(g[key], numerical_grad(along, [params[key]], 0))


# ----------------------------------------------------------------------------- vjp

def holomorphic_out(z):
    return np.exp(z) * z + z ** 2


def non_holomorphic_out(z):
    return np.conj(z) * z ** 2 + 1j * np.abs(z) + np.real(z)


def mixed_out(x, z):
    return x * np.conj(z) + np.exp(1j * x) * z


BW = np.array([0.3 + 0.2j, -1.0 + 0.5j, 0.7 - 0.1j, 0.2 + 0.9j])


@pytest.mark.parametrize("f", [holomorphic_out, non_holomorphic_out],
                         ids=lambda f: f.__name__)
def test_vjp_cotangent_means_the_real_loss_re_conj_bw_w(f):
    out, pullback = srcad.vjp(f, ZS)
    assert_close(out, f(ZS))
    (g,) = pullback(BW)
    assert g.dtype == np.complex128
    assert_close(g, numerical_vjp(f, [ZS], 0, BW))
    # a cotangent 1 reads the real part of the output, 1j its imaginary part
    (g_re,) = pullback(np.ones(4))
    (g_im,) = pullback(1j * np.ones(4))
    assert_close(g_re, numerical_grad(lambda z: np.sum(np.real(f(z))), [ZS], 0))
    assert_close(g_im, numerical_grad(lambda z: np.sum(np.imag(f(z))), [ZS], 0))


def test_vjp_of_a_holomorphic_function_is_conj_derivative_times_cotangent():
    _, pullback = srcad.vjp(holomorphic_out, ZS)
    derivative = np.exp(ZS) * (ZS + 1) + 2 * ZS
    assert_close(pullback(BW)[0], np.conj(derivative) * BW)


def test_vjp_mixed_arguments_and_default_wrt():
    out, pullback = srcad.vjp(mixed_out, XS, ZS)  # both are differentiated by default
    gx, gz = pullback(BW)
    assert gx.dtype == np.float64 and gz.dtype == np.complex128
    assert_close(gx, numerical_vjp(mixed_out, [XS, ZS], 0, BW))
    assert_close(gz, numerical_vjp(mixed_out, [XS, ZS], 1, BW))


def test_vjp_of_a_complex_scalar():
    _, pullback = srcad.vjp(lambda z: z * np.conj(z) * z, Z)
    (g,) = pullback(0.4 - 0.7j)
    assert type(g) is complex
    assert_close(g, numerical_vjp(lambda z: z * np.conj(z) * z, [Z], 0, 0.4 - 0.7j))


# ----------------------------------------------------------------------------- jvp

def _partials(f, args, i):
    """The tangents along the real and along the imaginary part of every entry of
    args[i] (each moved alone), by finite differences and by srcad.jvp."""
    z = args[i]
    for index in np.ndindex(np.shape(z)):
        for step in (1.0, 1j):
            if isinstance(z, np.ndarray):
                dz = np.zeros_like(z)
                dz[index] = step
            else:
                dz = complex(step)
            tangents = [None] * len(args)
            tangents[i] = dz
            _, t = srcad.jvp(f, tuple(args), tuple(tangents))
            yield t, numerical_jvp(f, args, tangents)


@pytest.mark.parametrize("f", ALL + [holomorphic_out, non_holomorphic_out],
                         ids=lambda f: f.__name__)
def test_jvp_with_a_complex_tangent(f):
    value, t = srcad.jvp(f, (ZS,), (DZ,))
    assert_close(value, f(ZS))
    assert_close(t, numerical_jvp(f, [ZS], [DZ]))
    for got, expected in _partials(f, [ZS], 0):
        assert_close(got, expected)


def test_jvp_of_a_real_function_is_the_real_inner_product_with_the_gradient():
    g = srcad.grad(mixed_parts)(ZS)
    _, t = srcad.jvp(mixed_parts, (ZS,), (DZ,))
    assert isinstance(t, float)
    assert_close(t, np.real(np.sum(np.conj(g) * DZ)))


def test_jvp_scalar_and_mixed_arguments():
    _, t = srcad.jvp(squared_modulus, (Z,), (0.3 + 0.2j,))
    assert_close(t, numerical_jvp(squared_modulus, [Z], [0.3 + 0.2j]))
    dx = np.array([0.2, -0.1, 0.4, 0.3])
    for tangents in [(dx, DZ), (None, DZ), (dx, None)]:
        _, t = srcad.jvp(mixed_out, (XS, ZS), tangents)
        assert_close(t, numerical_jvp(mixed_out, [XS, ZS], list(tangents)))
    for got, expected in _partials(mixed_out, [XS, ZS], 1):
        assert_close(got, expected)


def test_a_real_tangent_for_a_complex_argument_moves_its_real_part():
    _, t = srcad.jvp(non_holomorphic_out, (ZS,), (np.ones(4),))
    assert_close(t, numerical_jvp(non_holomorphic_out, [ZS], [np.ones(4)]))


def test_a_complex_tangent_for_a_real_argument_is_refused():
    with pytest.raises(srcad.BadArgumentError, match="complex"):
        srcad.jvp(mixed_out, (XS, ZS), (DZ, None))


# ----------------------------------------------------------------------------- jacobian

def elementwise_real(z):
    return np.abs(z) ** 2 + np.real(z[::-1] * z)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_real_output_holds_gradients(mode):
    jac = srcad.jacobian(elementwise_real, mode=mode)(ZS)
    assert jac.shape == (4, 4) and jac.dtype == np.complex128
    for k in range(4):
        assert_close(jac[k], numerical_grad(lambda z, k=k: elementwise_real(z)[k], [ZS], 0))


def test_jacobian_of_a_scalar_is_its_gradient():
    assert_close(srcad.jacobian(squared_modulus)(Z), 2 * Z)
    assert type(srcad.jacobian(squared_modulus, mode="forward")(Z)) is complex


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_complex_output_of_a_complex_argument_is_refused(mode):
    with pytest.raises(srcad.BadArgumentError, match="holomorphic") as info:
        srcad.jacobian(holomorphic_out, mode=mode)(ZS)
    assert "jvp" in info.value.hint


def test_jacobian_of_a_complex_output_of_a_real_argument_still_works():
    x = np.array([0.3, 0.5])
    jac = srcad.jacobian(lambda x: np.exp(1j * x) * x)(x)
    assert_close(jac, np.diag(np.exp(1j * x) * (1j * x + 1)))


# ----------------------------------------------------------------------------- order 2

@pytest.mark.parametrize("f", [exp_sin, squared_modulus, mixed_parts, conj_product, angle],
                         ids=lambda f: f.__name__)
def test_hvp_with_respect_to_a_complex_argument(f):
    # the real Hessian of (x, y) times (vx, vy), packed as a complex array: the
    # derivative of srcad's gradient along v, checked by finite differences of it
    hv = srcad.hvp(f)(ZS, DZ)
    assert hv.dtype == np.complex128
    assert_close(hv, numerical_jvp(srcad.grad(f), [ZS], [DZ], eps=HESSIAN_EPS),
                 rtol=1e-5, atol=1e-6)


def test_hvp_of_squared_modulus_is_twice_the_direction():
    assert_close(srcad.hvp(squared_modulus)(ZS, DZ), 2 * DZ)


def test_forward_over_reverse_with_mixed_arguments():
    grad_z = srcad.grad(mixed, wrt=1)
    _, t = srcad.jvp(grad_z, (0.8, Z, 1), (0.3, 0.2 - 0.1j, None))
    assert_close(t, numerical_jvp(grad_z, [0.8, Z, 1], [0.3, 0.2 - 0.1j, None],
                                  eps=HESSIAN_EPS), rtol=1e-5, atol=1e-6)


def test_grad_of_a_real_gradient_with_respect_to_a_complex_argument():
    # d/dz of dL/dx: a real function of z, so grad applies again
    grad_x = srcad.grad(mixed, wrt=0)
    second = srcad.grad(grad_x, wrt=1)(0.8, Z, 1)
    assert type(second) is complex
    assert_close(second, numerical_grad(grad_x, [0.8, Z, 1], 1, eps=HESSIAN_EPS),
                 rtol=1e-5, atol=1e-6)


def test_grad_of_a_complex_gradient_is_refused():
    with pytest.raises(srcad.SrcadError, match="real scalar"):
        srcad.grad(srcad.grad(squared_modulus))(Z)


def test_hessian_with_respect_to_a_complex_argument_is_refused():
    with pytest.raises(srcad.BadArgumentError, match="complex argument") as info:
        srcad.hessian(squared_modulus)(ZS)
    assert "hvp" in info.value.hint


# ----------------------------------------------------------------------------- refusals

def test_a_rule_without_complex_support_refuses_a_complex_argument():
    def f(z):
        return np.sum(np.real(np.maximum(z, 0.5)))

    with pytest.raises(srcad.NoDerivativeError, match="complex"):
        srcad.grad(f)(ZS)


def test_complex_output_of_grad_is_refused():
    with pytest.raises(srcad.SrcadError, match="real scalar"):
        srcad.grad(lambda z: z * z)(Z)


def test_a_rule_without_complex_support_is_named_before_the_complex_output_kind():
    # the rule's output kind follows its input's (complex), so the output looks
    # complex; the refusal to report is the rule's, not "returns a complex value"
    def local_norm(z):
        return np.sqrt(np.sum(np.abs(z) ** 2))

    @srcad.adjoint(local_norm)
    def _(y, z):
        dz = dy * z / y  # noqa: F821, F841

    def f(z):
        return local_norm(z)

    try:
        assert_close(srcad.grad(f)(XS), XS / np.linalg.norm(XS))
        with pytest.raises(srcad.NoDerivativeError, match="local_norm"):
            srcad.grad(f)(ZS)
    finally:
        with registry._lock:
            registry._rules.pop(local_norm, None)
            registry._generation[0] += 1


def test_a_complex_adjoint_for_a_real_output_is_refused():
    _, pullback = srcad.vjp(lambda z: np.abs(z), ZS)
    with pytest.raises(srcad.BadArgumentError, match="real output"):
        pullback(1j * np.ones(4))
    assert_close(pullback(np.ones(4) + 0j)[0], ZS / np.abs(ZS))  # a zero imaginary part


def _abs_and_angle(z):
    return np.sum(np.abs(z) ** 3) + np.sum(np.angle(z) * np.abs(z))


def test_second_derivatives_through_abs_and_angle_of_complex_values():
    # the helpers of abs/angle's complex rules (unit_projection, abs_tangent) are
    # differentiated from their source
    rng = np.random.default_rng(5)
    z = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    dz = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    g = srcad.grad(_abs_and_angle)
    h = 1e-6
    expected = (g(z + h * dz) - g(z - h * dz)) / (2 * h)
    np.testing.assert_allclose(srcad.hvp(_abs_and_angle)(z, dz), expected, rtol=1e-5,
                               atol=1e-7)
