"""np.linalg.eigh / eigvalsh / svd / eig / eigvals of complex matrices, end to end.

Gradients (`srcad.grad`) and tangents (`srcad.jvp`) of real losses of a complex matrix
against central finite differences that move the real and the imaginary part of each
entry separately (the gradient is dL/dx + 1j * dL/dy, docs/complex.md). The losses of
eigenvectors and singular vectors read only what does not depend on their free phases
(abs(v), V diag(c) V^H, U diag(c) V^H, the reconstruction U diag(s) V^H), except for
`eig`, whose eigenvectors LAPACK normalizes (unit length, largest component real): their
real and imaginary parts have a derivative. A loss that depends on the free phases is
refused, as are hermitian=True SVDs of complex matrices. Second derivatives go through
the rules' helpers, differentiated from their source.
"""

import numpy as np
import pytest

import srcad

RNG = np.random.default_rng(20261207)
W4 = RNG.standard_normal((4, 4))
W5 = RNG.standard_normal((5, 5))
C4 = RNG.standard_normal(4)
C3 = RNG.standard_normal(3)
Z5 = RNG.standard_normal((5, 5)) + 1j * RNG.standard_normal((5, 5))


def crand(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def fd_grad(f, z, h=1e-6):
    """dL/dx + 1j * dL/dy by central differences."""
    g = np.zeros(z.shape, complex)
    for idx in np.ndindex(z.shape):
        for unit in (1.0, 1j):
            e = np.zeros(z.shape, complex)
            e[idx] = unit * h
            g[idx] += unit * (f(z + e) - f(z - e)) / (2 * h)
    return g


def check(f, z):
    g = srcad.grad(f)(z)
    expected = fd_grad(f, z)
    assert np.iscomplexobj(g) and g.shape == z.shape
    assert np.allclose(g, expected, rtol=1e-5, atol=1e-6), (g, expected)
    dz = crand(*z.shape)
    value, t = srcad.jvp(f, (z,), (dz,))
    assert np.isclose(value, f(z))
    assert np.isclose(t, np.sum(np.real(np.conj(expected) * dz)), rtol=1e-5, atol=1e-6)


def _hermitian_part(v, c):
    """V diag(c) V^H: independent of the eigenvectors' phases."""
    return (v * c[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2))


# ----------------------------------------------------------------------------- eigh


def eigh_lower(a):
    w, v = np.linalg.eigh(a)
    p = _hermitian_part(v, C4)
    return (np.sum(w * C4) + np.sum(np.abs(v) * W4) + np.sum(np.real(p) * W4)
            + np.sum(np.imag(p) * W4.T))


def eigh_upper(a):
    w, v = np.linalg.eigh(a, "U")
    p = _hermitian_part(v, C4)
    return np.sum(w ** 2) + np.sum(np.abs(v) ** 2 * W4) + np.sum(np.imag(p) * W4)


def eigh_batched(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(w * C3) + np.sum(np.abs(v[..., :, :3]))


def eigvalsh_both(a):
    return np.sum(np.linalg.eigvalsh(a) * C4) + np.sum(np.linalg.eigvalsh(a, "U") ** 2)


@pytest.mark.parametrize("f,shape", [(eigh_lower, (4, 4)), (eigh_upper, (4, 4)),
                                     (eigh_batched, (2, 3, 3)), (eigvalsh_both, (4, 4))],
                         ids=["lower", "upper", "batched", "eigvalsh"])
def test_eigh(f, shape):
    check(f, crand(*shape))


def eigh_real_part(a):
    w, v = np.linalg.eigh(a)
    return np.sum(np.real(v) * W4)


def test_eigh_phase_dependent_loss_is_refused():
    with pytest.raises(srcad.NoDerivativeError, match="phase"):
        srcad.grad(eigh_real_part)(crand(4, 4))


def eigh_values(a):
    w, v = np.linalg.eigh(a)
    return np.max(w)  # w is real: real-only functions of it are fine


def test_eigh_eigenvalues_are_real():
    check(eigh_values, crand(4, 4))


# ----------------------------------------------------------------------------- svd


def svd_reconstruct(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    b = (u * s[..., None, :]) @ vh
    return np.sum(np.real(b) * W4[:b.shape[-2], :b.shape[-1]]) + np.sum(np.imag(b))


def svd_polar(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    k = s.shape[-1]
    p = (u * C4[:k]) @ vh   # U diag(c) V^H: independent of the common phases
    return np.sum(np.real(p) * W4[:p.shape[-2], :p.shape[-1]]) + np.sum(np.imag(p) ** 2)


def svd_abs(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.abs(u)) + np.sum(s * s) + np.sum(np.abs(vh) * W4[:vh.shape[-2], :vh.shape[-1]])


def svd_full_square(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(np.abs(u) * W4) + np.sum(np.real(u @ vh) * W4.T) + np.sum(s)


def svd_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) * C3)


SVD_CASES = [(svd_reconstruct, (3, 4)), (svd_reconstruct, (4, 3)), (svd_reconstruct, (2, 3, 3)),
             (svd_polar, (4, 4)), (svd_polar, (3, 4)), (svd_polar, (4, 3)), (svd_polar, (2, 2, 3)),
             (svd_abs, (4, 3)), (svd_abs, (3, 4)), (svd_abs, (2, 4, 4)),
             (svd_full_square, (4, 4)), (svd_values, (3, 5)), (svd_values, (2, 4, 3))]


@pytest.mark.parametrize("f,shape", SVD_CASES,
                         ids=[f"{f.__name__}-{'x'.join(map(str, s))}" for f, s in SVD_CASES])
def test_svd(f, shape):
    check(f, crand(*shape))


def test_svd_reconstruction_gradient_is_exact():
    """U diag(s) V^H is `a` itself: the gradient of Re(sum(conj(C) * a)) is C (this needs
    the phase term of the singular-vector adjoint)."""
    a = crand(3, 4)
    expected = np.zeros((3, 4)) + W4[:3] + 1j
    assert np.allclose(srcad.grad(svd_reconstruct)(a), expected, rtol=1e-10, atol=1e-10)


def svd_real_part(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.real(u))


def svd_hermitian(a):
    return np.sum(np.linalg.svd(a, hermitian=True, compute_uv=False))


def test_svd_refusals():
    with pytest.raises(srcad.NoDerivativeError, match="phase"):
        srcad.grad(svd_real_part)(crand(3, 4))
    with pytest.raises(srcad.NoDerivativeError, match="hermitian"):
        srcad.grad(svd_hermitian)(crand(3, 3))


# ----------------------------------------------------------------------------- eig


def eig_parts(a):
    w, v = np.linalg.eig(a)
    return (np.sum(np.real(w) * C4) + np.sum(np.imag(w) ** 2) + np.sum(np.real(v) * W4)
            + np.sum(np.imag(v) * W4.T) + np.sum(np.abs(v)))


def eig_batched(a):
    w, v = np.linalg.eig(a)
    return np.sum(np.abs(w)) + np.sum(np.imag(v) * W4[:3, :3])


def eigvals_sum(a):
    return np.sum(np.real(np.linalg.eigvals(a) * (1.0 + 2.0j)))


@pytest.mark.parametrize("f,shape", [(eig_parts, (4, 4)), (eig_batched, (2, 3, 3)),
                                     (eigvals_sum, (5, 5))],
                         ids=["eig", "batched", "eigvals"])
def test_eig(f, shape):
    check(f, crand(*shape))


def eig_of_real(a):
    w, v = np.linalg.eig(a + 0j)   # complex, so complex eigenvalues are allowed
    return np.sum(np.abs(w) * C4) + np.sum(np.abs(v) * W4)


def test_eig_of_a_real_matrix_made_complex():
    a = np.array([[0.5, -2.0, 0.1, 0.3], [1.5, 0.2, -0.4, 0.0],
                  [0.3, 0.1, 1.2, -0.6], [0.0, 0.7, 0.2, -1.1]])
    assert np.iscomplexobj(np.linalg.eigvals(a))
    g = srcad.grad(eig_of_real)(a)
    assert not np.iscomplexobj(g)
    assert np.allclose(g, np.real(fd_grad(eig_of_real, a + 0j)), rtol=1e-5, atol=1e-6)


def svd_full_wide(a):
    u, s, vh = np.linalg.svd(a)   # full_matrices=True: only the first rows of vh are read
    return np.sum(np.abs(u) * W4[:3, :3]) + np.sum(np.real(u @ vh[:3]) * W5[:3]) + np.sum(s)


def test_svd_full_matrices_non_square():
    check(svd_full_wide, crand(3, 5))


def svd_single(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.abs(u)) + np.sum(np.abs(vh)) + np.sum(s)


def test_single_precision():
    a = crand(3, 3).astype(np.complex64)
    g = srcad.grad(svd_single)(a)
    assert np.allclose(g, fd_grad(svd_single, a.astype(complex)), rtol=2e-2, atol=2e-2)


# ----------------------------------------------------------------------------- order 2
# The complex rules' helpers (srcad/runtime/linalg_complex.py) are differentiated from
# their source: forward over reverse (hvp) and reverse over reverse (the gradient of a
# loss of the gradient) against finite differences of srcad's own gradient.


def nuclear(a):
    return np.linalg.norm(a, "nuc") + np.linalg.norm(a, 2) ** 2


def nuclear_axes(a):
    return np.sum(np.linalg.norm(a, "nuc", axis=(0, 2)) * C3[:2])


SECOND_ORDER = [(eigh_lower, (4, 4)), (eigvalsh_both, (4, 4)), (svd_polar, (3, 4)),
                (svd_abs, (4, 3)), (svd_values, (3, 5)), (eig_parts, (4, 4)),
                (eigvals_sum, (5, 5)), (nuclear, (3, 3)), (nuclear, (2, 4)),
                (nuclear_axes, (3, 2, 4))]


@pytest.mark.parametrize("f,shape", SECOND_ORDER,
                         ids=[f"{f.__name__}-{'x'.join(map(str, s))}" for f, s in SECOND_ORDER])
def test_second_order(f, shape):
    z, dz = crand(*shape), crand(*shape)
    g = srcad.grad(f)
    h = 1e-6
    expected = (g(z + h * dz) - g(z - h * dz)) / (2 * h)
    assert np.allclose(srcad.hvp(f)(z, dz), expected, rtol=1e-5, atol=1e-6)
    weights = crand(*shape)

    def loss_of_gradient(a):
        return np.sum(np.real(np.conj(weights) * g(a)))

    assert np.allclose(srcad.grad(loss_of_gradient)(z), fd_grad(loss_of_gradient, z),
                       rtol=1e-4, atol=1e-5)


def test_first_order_of_the_nuclear_norm():
    check(nuclear, crand(3, 4))
    check(nuclear_axes, crand(3, 2, 4))
