"""np.linalg and scipy.linalg functions differentiated from plain-NumPy definitions
(srcad/rules/linalg_extra.py, srcad/runtime/linalg_definitions*.py): values against the
libraries, then gradients (reverse), tangents (forward) and Hessian-vector products
against central differences, and the options the definitions refuse."""

import numpy as np
import pytest
import scipy.linalg as sla

import srcad
from srcad.runtime import linalg_definitions as defs
from srcad.runtime import linalg_definitions_more as more

RNG = np.random.default_rng(7)
N4 = 16


def _mat(x, shift=4.0):
    return x[:N4].reshape((4, 4)) + shift * np.eye(4)


def _spd(x):
    p = x[:N4].reshape((4, 4))
    return p @ p.T + 4.0 * np.eye(4)


def _real_spectrum(x):
    """A non-symmetric 4x4 matrix with real, well separated eigenvalues."""
    return np.diag(np.array([1.0, 2.5, 4.0, 6.0])) + 0.3 * x[:N4].reshape((4, 4))


# ============================================================================ values

_A = _mat(RNG.uniform(-1.0, 1.0, N4))
_S = _spd(RNG.uniform(-1.0, 1.0, N4))
_R = _real_spectrum(RNG.uniform(-1.0, 1.0, N4))
_TALL = RNG.uniform(-1.0, 1.0, (5, 3))
_V = RNG.uniform(0.5, 2.0, 5)

VALUE_CASES = [
    (lambda m: m.cond(_A), np.linalg.cond(_A), "cond"),
    (lambda m: m.cond(_A, "fro"), np.linalg.cond(_A, "fro"), "cond fro"),
    (lambda m: m.cond(_A, -2), np.linalg.cond(_A, -2), "cond -2"),
    (lambda m: m.multi_dot([_V[:4], _A, _S, _A, _V[:4]]),
     np.linalg.multi_dot([_V[:4], _A, _S, _A, _V[:4]]), "multi_dot"),
    (lambda m: m.multi_dot([_TALL, _TALL.T, _TALL]), np.linalg.multi_dot([_TALL, _TALL.T, _TALL]),
     "multi_dot three"),
    (lambda m: m.tensordot(_A, _S, axes=1), np.linalg.tensordot(_A, _S, axes=1), "tensordot"),
    (lambda m: m.tensorinv(_A.reshape((4, 2, 2)), ind=1),
     np.linalg.tensorinv(_A.reshape((4, 2, 2)), ind=1), "tensorinv"),
    (lambda m: m.tensorsolve(_A.reshape((2, 2, 2, 2)), _V[:4].reshape(2, 2), axes=(0,)),
     np.linalg.tensorsolve(_A.reshape((2, 2, 2, 2)), _V[:4].reshape(2, 2), axes=(0,)),
     "tensorsolve"),
]
_NUMPY_DEFS = {"cond": defs.cond, "multi_dot": defs.multi_dot, "tensordot": defs.tensordot,
               "tensorinv": defs.tensorinv, "tensorsolve": defs.tensorsolve}


class _Namespace:
    def __init__(self, table):
        self.__dict__.update(table)


@pytest.mark.parametrize("call, want, name", VALUE_CASES, ids=[c[2] for c in VALUE_CASES])
def test_numpy_values(call, want, name):
    np.testing.assert_allclose(call(_Namespace(_NUMPY_DEFS)), want, rtol=1e-12, atol=1e-12)


SCIPY_CASES = [
    ("companion", (np.array([[2.0, -1.0, 3.0, 0.5], [1.0, 2.0, -1.0, 4.0]]),), {}),
    ("convolution_matrix", (_V, 3), {}),
    ("convolution_matrix", (_V, 4), {"mode": "same"}),
    ("convolution_matrix", (_V[:3], 5), {"mode": "valid"}),
    ("convolution_matrix", (np.array([1, 2, 3]), 2), {}),
    ("fiedler", (_V,), {}), ("fiedler", (_V[:1],), {}),
    ("fiedler_companion", (np.array([2.0, -1.0, 3.0, 0.5, 1.5, -2.0]),), {}),
    ("fiedler_companion", (np.array([2.0, -1.0, 3.0, 0.5, 1.5]),), {}),
    ("fiedler_companion", (np.array([2.0, -1.0]),), {}),
    ("hankel", (_V,), {}), ("hankel", (_V[:3], _V[1:]), {}),
    ("leslie", (_V, _V[:4] / 3), {}), ("leslie", (np.stack([_V, 2 * _V]), _V[:4] / 3), {}),
    ("svd", (_TALL,), {}), ("svd", (_TALL.T,), {"full_matrices": False}),
    ("svd", (_TALL,), {"full_matrices": False, "lapack_driver": "gesvd"}),
    ("svd", (_A,), {"compute_uv": False}),
    ("qr", (_A,), {}), ("qr", (_TALL,), {"mode": "economic"}), ("qr", (_TALL,), {"mode": "r"}),
    ("qr", (_TALL.T,), {}),
    ("qr_multiply", (_TALL, _TALL.T), {}), ("qr_multiply", (_TALL, _A[:3]), {"mode": "left"}),
    ("qr_multiply", (_A, _V[:4]), {}),
    ("polar", (_A,), {}), ("polar", (_TALL,), {"side": "left"}),
    ("lu", (_A,), {}), ("lu", (_A,), {"permute_l": True}), ("lu", (_A,), {"p_indices": True}),
    ("eigh_tridiagonal", (_V, _V[:4] - 1.0), {}),
    ("eigh_tridiagonal", (_V, _V[:4] - 1.0), {"eigvals_only": True}),
    ("eigh_tridiagonal", (_V, _V[:4] - 1.0), {"select": "i", "select_range": (1, 3)}),
    ("eigh_tridiagonal", (_V, _V[:4] - 1.0), {"lapack_driver": "stemr"}),
    ("expm_frechet", (0.3 * _A, _S), {}),
    ("expm_frechet", (0.3 * _A, _S), {"compute_expm": False}),
    ("funm", (0.1 * _S, np.sin), {}), ("funm", (0.3 * _R, np.exp), {}),
    ("hessenberg", (_A,), {}), ("hessenberg", (_R,), {"calc_q": True}),
    ("hessenberg", (_A[:2, :2],), {"calc_q": True}),
    ("schur", (_R,), {}), ("schur", (_S,), {}),
    ("rsf2csf", sla.schur(_R), {}),
]


@pytest.mark.parametrize("name, args, kwargs", SCIPY_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SCIPY_CASES)])
def test_scipy_values(name, args, kwargs):
    definition = getattr(more, name, None) or getattr(defs, name)
    got, want = definition(*args, **kwargs), getattr(sla, name)(*args, **kwargs)
    if not isinstance(want, tuple):
        got, want = (got,), (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        assert np.iscomplexobj(g) == np.iscomplexobj(w)
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


# ============================================================================ derivatives
# Each function reads its inputs from one flat vector and sums nonlinear functions of
# every float output (so that second derivatives see each output).


def f_cond(x):
    a = _mat(x)
    return np.linalg.cond(a) + np.linalg.cond(a, 1)


def f_multi_dot(x):
    a, b = _mat(x), x[:N4].reshape((4, 4))
    return np.sum(np.sin(np.linalg.multi_dot([x[:4], a, b, a, x[4:8]])))


def f_tensor(x):
    a = _mat(x)
    inv = np.linalg.tensorinv(a.reshape((2, 2, 4)), ind=2)
    sol = np.linalg.tensorsolve(a.reshape((2, 2, 2, 2)), x[:4].reshape((2, 2)), axes=(1,))
    dot = np.linalg.tensordot(a, x[:N4].reshape((4, 4)), axes=([0], [1]))
    return np.sum(np.sin(inv)) + np.sum(np.cos(sol)) + np.sum(np.sin(dot))


def f_lstsq(x):
    a = x[:N4].reshape((4, 4))[:, :3] + np.eye(4)[:, :3] * 3.0
    y, res, rank, s = np.linalg.lstsq(a, x[:8].reshape((4, 2)))
    return np.sum(np.sin(y)) + np.sum(res) + np.sum(np.cos(s))


def f_structured(x):
    c = sla.companion(x[:5] + 2.0)
    k = sla.convolution_matrix(x[:5], 3, "same")
    fc = sla.fiedler_companion(x[:6] + 2.0)
    h = sla.hankel(x[:3], x[2:7])
    lz = sla.leslie(x[:4], x[4:7])
    fi = sla.fiedler(x[:4] * np.array([1.0, 2.0, 3.0, 4.0]))
    return np.sum(np.sin(c)) + np.sum(np.sin(k)) + np.sum(np.sin(fc)) + \
        np.sum(np.sin(h)) + np.sum(np.cos(lz)) + np.sum(np.sin(fi))


def f_svd_qr(x):
    a = _mat(x)
    tall = x[:15].reshape((5, 3))
    u, s, vh = sla.svd(tall, full_matrices=False, lapack_driver="gesvd")
    q, r = sla.qr(a)
    (r2,) = sla.qr(tall, mode="r")
    cq, r3 = sla.qr_multiply(tall, x[:10].reshape((2, 5)))
    return (np.sum(np.sin(u)) + np.sum(s) + np.sum(np.cos(vh)) + np.sum(np.sin(q))
            + np.sum(np.sin(r)) + np.sum(np.sin(r2)) + np.sum(np.sin(cq)) + np.sum(r3 * r3))


def f_polar_lu(x):
    a = _mat(x)
    u, p = sla.polar(a)
    u2, p2 = sla.polar(x[:15].reshape((5, 3)) + np.eye(5, 3), side="left")
    perm, low, up = sla.lu(a - 4.5 * np.eye(4))
    pl, up2 = sla.lu(a, permute_l=True)
    return (np.sum(np.sin(u)) + np.sum(np.sin(p)) + np.sum(np.sin(u2)) + np.sum(np.sin(p2))
            + np.sum(np.sin(low)) + np.sum(np.sin(up)) + np.sum(perm) + np.sum(np.sin(pl))
            + np.sum(np.sin(up2)))


def f_tridiagonal(x):
    d = x[:5] * 2.0 + np.arange(5.0)
    e = x[5:9]
    w, v = sla.eigh_tridiagonal(d, e)
    w2 = sla.eigh_tridiagonal(d, e, eigvals_only=True)
    w3, v3 = sla.eigh_tridiagonal(d, e, select="i", select_range=(1, 2))
    return np.sum(np.sin(w)) + np.sum(np.sin(v)) + np.sum(np.cos(w2)) + \
        np.sum(np.sin(w3)) + np.sum(np.sin(v3))


def f_expm_frechet(x):
    a = 0.3 * _mat(x)
    e = x[:N4].reshape((4, 4)).T
    ea, big_l = sla.expm_frechet(a, e)
    return np.sum(np.sin(ea)) + np.sum(np.sin(big_l)) + \
        np.sum(np.sin(sla.expm_frechet(a, a, compute_expm=False)))


def f_funm(x):
    return np.sum(np.sin(sla.funm(0.1 * _spd(x), np.sin))) + \
        np.sum(np.sin(sla.funm(0.3 * _real_spectrum(x), np.exp)))


def f_hessenberg(x):
    a = _mat(x)
    h, q = sla.hessenberg(a, calc_q=True)
    return np.sum(np.sin(h)) + np.sum(np.sin(q))


def f_schur(x):
    t, z = sla.schur(_real_spectrum(x))
    t2, z2 = sla.schur(_spd(x))
    tc, zc = sla.rsf2csf(t, z)
    return (np.sum(np.sin(t)) + np.sum(np.sin(z)) + np.sum(np.sin(t2)) + np.sum(np.sin(z2))
            + np.sum(np.sin(np.real(tc))) + np.sum(np.cos(np.real(zc))) + np.sum(np.imag(zc)))


DERIVATIVE_CASES = [f_cond, f_multi_dot, f_tensor, f_lstsq, f_structured, f_svd_qr, f_polar_lu,
                    f_tridiagonal, f_expm_frechet, f_funm, f_hessenberg, f_schur]


def _difference(f, x, d, eps):
    return (np.asarray(f(x + eps * d)) - np.asarray(f(x - eps * d))) / (2 * eps)


@pytest.mark.parametrize("f", DERIVATIVE_CASES, ids=[f.__name__ for f in DERIVATIVE_CASES])
def test_derivatives(f):
    rng = np.random.default_rng(3)
    x = rng.uniform(-1.0, 1.0, N4)
    d, e = rng.standard_normal(N4), rng.standard_normal(N4)
    grad = srcad.grad(f)
    g = grad(x)
    want = _difference(f, x, d, 1e-6)
    scale = max(1.0, float(np.linalg.norm(g) * np.linalg.norm(d)))
    assert abs(g @ d - want) <= 1e-6 * scale
    _, t = srcad.jvp(f, (x,), (d,))
    assert abs(t - want) <= 1e-6 * scale
    h = srcad.hvp(f)(x, e)
    want_h = _difference(grad, x, e, 1e-5)
    np.testing.assert_allclose(h, want_h, rtol=1e-5,
                               atol=1e-5 * max(1.0, float(np.abs(want_h).max())))


# ============================================================================ refusals


def f_schur_complex(x):
    a = np.array([[0.0, -1.0], [1.0, 0.0]]) + 0.1 * x[:4].reshape((2, 2))
    t, z = sla.schur(a)
    return np.sum(t) + np.sum(z)


def f_qr_pivoting(x):
    q, r, p = sla.qr(_mat(x), pivoting=True)
    return np.sum(r)


def f_funm_disp(x):
    f, err = sla.funm(0.1 * _spd(x), np.sin, disp=False)
    return np.sum(f)


def f_lu_wide(x):
    p, low, up = sla.lu(x[:6].reshape((2, 3)))
    return np.sum(up)


def f_schur_sorted(x):
    t, z, k = sla.schur(_spd(x), sort="lhp")
    return np.sum(t)


@pytest.mark.parametrize("f, words", [
    (f_schur_complex, "complex eigenvalues"), (f_qr_pivoting, "pivoting"),
    (f_funm_disp, "disp"), (f_lu_wide, "non-square"), (f_schur_sorted, "sort")])
def test_refusals(f, words):
    x = np.random.default_rng(5).uniform(-1.0, 1.0, N4)
    with pytest.raises(srcad.SrcadError, match=words):
        srcad.grad(f)(x)
