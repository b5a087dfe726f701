"""Complex values through np.linalg.norm, np.max / np.min, np.var / np.std, the inverse
hyperbolic functions and scipy.special.erf / erfc (srcad/rules/complex_rules.py).

The registry's complex sweep (test_complex_sweep.py) checks these rules on their
examples; this file covers what it does not: complex arguments end to end (the gradient
``dL/dx + 1j * dL/dy`` against central differences of the real and imaginary parts, the
tangent, the Hessian-vector product), norms over axes and orders with ties, the
lexicographic order NumPy gives complex numbers in max / min, exact ties, branch cuts,
and the refusal of the singular-value norms.
"""

import zlib

import numpy as np
import pytest
import scipy.special as sp

import srcad


def rng_for(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def crandom(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def complex_fd_grad(f, z, eps=1e-6):
    """dL/dx + 1j * dL/dy by central differences, entry by entry."""
    z = np.asarray(z, dtype=complex)
    out = np.zeros(z.shape, dtype=complex)
    for i in np.ndindex(z.shape):
        for step, unit in ((eps, 1.0), (eps * 1j, 1j)):
            up, down = z.copy(), z.copy()
            up[i] += step
            down[i] -= step
            out[i] += unit * (f(up) - f(down)) / (2 * eps)
    return out


def check_complex(f, z, rtol=1e-5, atol=1e-7, seed=0):
    """Reverse, forward and second order of a real `f` of a complex array `z`."""
    rng = rng_for("direction", seed)
    g = srcad.grad(f)(z)
    expected = complex_fd_grad(f, z)
    assert np.iscomplexobj(g) and np.shape(g) == np.shape(z)
    assert np.allclose(g, expected, rtol=rtol, atol=atol), (g, expected)
    v = crandom(rng, np.shape(z))
    value, t = srcad.jvp(f, (z,), (v,))
    assert np.isclose(value, f(z))
    assert np.isclose(t, np.real(np.sum(np.conj(expected) * v)), rtol=rtol, atol=atol)
    hv = srcad.hvp(f)(z, v)
    h = 1e-5
    fd = (srcad.grad(f)(z + h * v) - srcad.grad(f)(z - h * v)) / (2 * h)
    assert np.allclose(hv, fd, rtol=1e-4, atol=1e-6), (hv, fd)


# ============================================================================ norms

W2 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
W3 = np.array([0.5, -1.0, 2.0])


def norm_2(z):
    return np.linalg.norm(z)


def norm_fro(z):
    return np.linalg.norm(z, "fro") ** 2 + np.linalg.norm(z, "fro")


def norm_fro_axes(z):
    return np.sum(np.linalg.norm(z, "fro", (0, 2)) * W3)


def norm_axis0(z):
    return np.sum(np.linalg.norm(z, axis=0) * W3)


def norm_axis1_keepdims(z):
    return np.sum(np.linalg.norm(z, axis=1, keepdims=True) ** 3)


def norm_ord3(z):
    return np.linalg.norm(z, 3)


def norm_ord_half(z):
    return np.linalg.norm(z, 0.5)


def norm_ord1(z):
    return np.linalg.norm(z, 1)


def norm_inf(z):
    return np.linalg.norm(z, np.inf)


def norm_matrix_1(z):
    return np.linalg.norm(z, 1)


def norm_matrix_inf(z):
    return np.linalg.norm(z, -np.inf)


@pytest.mark.parametrize("f,shape", [
    (norm_2, (4,)), (norm_2, (2, 3)), (norm_2, (2, 3, 3)), (norm_fro, (2, 3)),
    (norm_fro_axes, (2, 3, 4)), (norm_axis0, (2, 3)), (norm_axis1_keepdims, (2, 3)),
    (norm_ord3, (4,)), (norm_ord_half, (4,)), (norm_ord1, (4,)), (norm_inf, (4,)),
    (norm_matrix_1, (2, 3)), (norm_matrix_inf, (2, 3))],
    ids=lambda v: getattr(v, "__name__", str(v)))
def test_norm_of_complex(f, shape):
    z = crandom(rng_for("norm", f.__name__, shape), shape)
    check_complex(f, z, seed=f.__name__)


def test_norm_2_gradient_is_z_over_norm():
    z = np.array([0.6 - 0.8j, 1.0 + 0.5j, -0.3j])
    assert np.allclose(srcad.grad(norm_2)(z), z / np.linalg.norm(z))


def test_inf_norm_ties_share_the_derivative():
    # |3+4j| == |-5| == |5j|: the three largest moduli tie and share the gradient evenly
    z = np.array([3.0 + 4.0j, -5.0 + 0.0j, 0.5 - 0.5j, 5.0j])
    expected = np.array([(3 + 4j) / 5, -1.0, 0.0, 1j]) / 3
    assert np.allclose(srcad.grad(norm_inf)(z), expected)


def norm_with_order(z, p):
    return np.linalg.norm(z, p)


def test_norm_order_is_differentiable_for_complex_vectors():
    z = np.array([0.6 - 0.8j, 1.0 + 0.5j, -0.3 + 0.2j])
    dp = srcad.grad(norm_with_order, wrt=1)(z, 3.0)
    h = 1e-6
    assert np.isclose(dp, (np.linalg.norm(z, 3.0 + h) - np.linalg.norm(z, 3.0 - h)) / (2 * h))


def norm_at_zero(z):
    return np.linalg.norm(z)


def test_norm_gradient_at_zero_is_zero():
    assert np.allclose(srcad.grad(norm_at_zero)(np.zeros(3, dtype=complex)), 0.0)


def norm_nuc(z):
    return np.linalg.norm(z, "nuc")


def norm_spectral(z):
    return np.linalg.norm(z, 2)


def norm_spectral_axes(z):
    return np.sum(np.linalg.norm(z, -2, (1, 2)))


@pytest.mark.parametrize("f,shape", [(norm_nuc, (2, 3)), (norm_spectral, (3, 2)),
                                     (norm_spectral_axes, (2, 3, 3))],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_singular_value_norms_of_complex_matrices(f, shape):
    # through the complex SVD: W = U V^H ('nuc'), u_1 v_1^H (2), the last pair (-2)
    check_complex(f, crandom(rng_for("spectral", shape), shape))


def test_singular_value_norms_of_real_matrices_still_work():
    x = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]])
    u, _, vt = np.linalg.svd(x, full_matrices=False)
    assert np.allclose(srcad.grad(norm_nuc)(x), u @ vt)


# ============================================================================ max / min


def max_all(z):
    return np.real(np.max(z)) + 2.0 * np.imag(np.max(z))


def min_all(z):
    return np.real(np.min(z)) - 3.0 * np.imag(np.min(z))


def max_axis(z):
    m = np.max(z, axis=1)
    return np.sum(np.real(m) * np.array([1.0, -2.0])) + np.sum(np.imag(m) ** 2)


def min_method(z):
    m = z.min(axis=0)
    return np.sum(np.abs(m) ** 2)


def test_max_min_select_lexicographically():
    # equal real parts: NumPy compares the imaginary parts
    z = np.array([1.0 + 0.5j, 1.0 + 2.0j, -3.0 + 9.0j, 1.0 - 4.0j])
    assert np.max(z) == 1.0 + 2.0j and np.min(z) == -3.0 + 9.0j
    assert np.allclose(srcad.grad(max_all)(z), [0, 1 + 2j, 0, 0])
    assert np.allclose(srcad.grad(min_all)(z), [0, 0, 1 - 3j, 0])
    _, t = srcad.jvp(max_all, (z,), (np.array([5.0, 1.0 + 1.0j, 7.0, 7.0j]),))
    assert np.isclose(t, 1.0 + 2.0)  # Re(conj(1 + 2j) * (1 + 1j))


def test_max_ties_share_the_derivative():
    z = np.array([1.0 + 2.0j, 0.5 + 0.0j, 1.0 + 2.0j])
    assert np.allclose(srcad.grad(max_all)(z), np.array([1 + 2j, 0, 1 + 2j]) / 2)


@pytest.mark.parametrize("f,shape", [(max_all, (5,)), (min_all, (2, 3)), (max_axis, (2, 3)),
                                     (min_method, (3, 2))],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_max_min_of_complex(f, shape):
    check_complex(f, crandom(rng_for("extreme", f.__name__), shape), seed=f.__name__)


# ============================================================================ var / std


def var_all(z):
    return np.var(z)


def var_axis_ddof(z):
    return np.sum(np.var(z, axis=0, ddof=1) * W3)


def std_all(z):
    return np.std(z)


def std_method_axis(z):
    return np.sum(z.std(axis=1, keepdims=True) ** 2 + z.std(axis=1, keepdims=True))


def var_method_ddof(z):
    return z.var(ddof=1)


def test_var_of_complex_is_mean_squared_modulus():
    z = np.array([0.6 - 0.8j, 1.0 + 0.5j, -0.3j, 2.0])
    assert np.isrealobj(np.var(z))
    assert np.allclose(srcad.grad(var_all)(z), 2 * (z - np.mean(z)) / z.size)


@pytest.mark.parametrize("f,shape", [(var_all, (4,)), (var_axis_ddof, (2, 3)), (std_all, (2, 3)),
                                     (std_method_axis, (2, 3)), (var_method_ddof, (5,))],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_var_std_of_complex(f, shape):
    check_complex(f, crandom(rng_for("spread", f.__name__), shape), seed=f.__name__)


# ============================================================================ holomorphic


def re_arcsinh(z):
    return np.sum(np.real(np.arcsinh(z)) * W3 + np.imag(np.arcsinh(z)))


def re_arccosh(z):
    return np.sum(np.real(np.arccosh(z)) * W3 + np.imag(np.arccosh(z)))


def re_arctanh(z):
    return np.sum(np.real(np.arctanh(z)) * W3 + np.imag(np.arctanh(z)))


def re_erf(z):
    return np.sum(np.real(sp.erf(z)) * W3 + np.imag(sp.erf(z)))


def re_erfc(z):
    return np.sum(np.real(sp.erfc(z)) * W3 + np.imag(sp.erfc(z)))


# off the branch cuts (arcsinh: the imaginary axis past +-i; arccosh: the real axis left
# of 1; arctanh: the real axis past +-1), including Re z < 0 where
# 1 / sqrt(z**2 - 1) is not arccosh's derivative
Z = np.array([-0.7 + 0.4j, 0.3 - 1.2j, 1.5 + 0.6j])


@pytest.mark.parametrize("f", [re_arcsinh, re_arccosh, re_arctanh, re_erf, re_erfc],
                         ids=lambda f: f.__name__)
def test_holomorphic_functions_of_complex(f):
    check_complex(f, Z, seed=f.__name__)


def sum_real(fn):
    def loss(z):
        return np.real(fn(z))
    return loss


@pytest.mark.parametrize("fn,derivative", [
    (np.arcsinh, lambda z: 1 / np.sqrt(z * z + 1)),
    (np.arccosh, lambda z: 1 / (np.sqrt(z - 1) * np.sqrt(z + 1))),
    (np.arctanh, lambda z: 1 / (1 - z * z)),
    (sp.erf, lambda z: 2 / np.sqrt(np.pi) * np.exp(-z * z)),
    (sp.erfc, lambda z: -2 / np.sqrt(np.pi) * np.exp(-z * z))],
    ids=lambda v: getattr(v, "__name__", ""))
def test_gradient_of_real_part_is_conjugate_derivative(fn, derivative):
    for z in Z:
        g = srcad.grad(sum_real(fn))(complex(z))
        assert np.isclose(g, np.conj(derivative(z)))


def test_arccosh_derivative_is_not_the_naive_formula():
    z = -0.7 + 0.4j
    g = srcad.grad(sum_real(np.arccosh))(z)
    naive = np.conj(1 / np.sqrt(z * z - 1))
    assert not np.isclose(g, naive)
    assert np.isclose(g, complex_fd_grad(lambda w: np.real(np.arccosh(w[0])), np.array([z]))[0])
