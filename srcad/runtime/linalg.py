"""Helpers that the `np.linalg` rules (srcad/rules/numpy_linalg.py) call: the shared basics
(transposes, triangles, zero adjoints), det, solve, cholesky, matrix_power and the array
API's trace and diagonal. The decompositions (eigh, eig, svd, qr), lstsq and pinv are in
linalg_decompositions.py, the norms in linalg_norms.py, and the second derivatives of
these helpers in linalg_second.py.

Conventions shared by all of them:

* Matrices may be stacked: the last two axes are the matrix, leading axes are a batch.
* A function that returns several arrays (eigh, svd, slogdet) gets its adjoint as a
  tuple whose unused entries are the scalar 0.0: `_is_zero` spots those.
* `eigh`, `eigvalsh`, `cholesky` and `svd`/`pinv` with `hermitian=True` read only one
  triangle of their input (NumPy documents this). Their derivatives are those of NumPy's
  function as it is: the adjoint lands on the triangle that is read, each off-diagonal
  entry there standing for both symmetric entries. For an input built symmetrically
  (B + B.T, B @ B.T, ...) this is the same as the usual symmetrized gradient.

Formulas: M. Giles, "An extended collection of matrix derivative results for forward
and reverse mode AD" (2008); I. Murray, "Differentiation of the Cholesky decomposition"
(2016); J. Townsend, "Differentiating the singular value decomposition" (2016);
G. Golub and V. Pereyra (1973) for the pseudo-inverse.
"""

from __future__ import annotations

import numpy as np

from srcad.runtime import unbroadcast
from srcad.runtime.marks import differentiated_from_source

_NUMPY2 = int(np.__version__.split(".")[0]) >= 2


# ----------------------------------------------------------------------------- basics


@differentiated_from_source
def transposed(x):
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    return np.swapaxes(x, -1, -2)


def _is_zero(g) -> bool:
    """True for the scalar 0.0 that stands for an unused output's adjoint."""
    return np.ndim(g) == 0 and not np.any(g)


@differentiated_from_source
def _as_array_like(g, value):
    """The adjoint `g` as an array shaped like `value` (a scalar 0.0 becomes zeros)."""
    return np.broadcast_to(np.asarray(g, dtype=np.result_type(g, value, np.float64)),
                           np.shape(value))


@differentiated_from_source
def _diag_embed(d):
    """A stack of diagonal matrices with diagonals `d` (..., n) -> (..., n, n)."""
    d = np.asarray(d)
    return d[..., :, None] * np.eye(d.shape[-1])


def _eye_like(x):
    return np.eye(np.shape(x)[-1])


@differentiated_from_source
def _gap_inverse(w, square=False):
    """F with F[..., i, j] = 1 / (w_j - w_i) off the diagonal and 0 on it
    (1 / (w_j**2 - w_i**2) when `square`)."""
    w = np.asarray(w)
    if square:
        w = w * w
    gap = w[..., None, :] - w[..., :, None]
    eye = np.eye(w.shape[-1], dtype=bool)
    with np.errstate(divide="ignore"):
        return np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, gap))


def _check_uplo(uplo) -> str:
    uplo = str(uplo).upper()
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return uplo


@differentiated_from_source
def symmetric_from_triangle(a, uplo="L"):
    """The symmetric matrix NumPy works with when it reads only `a`'s lower ('L')
    or upper ('U') triangle."""
    if _check_uplo(uplo) == "L":
        return np.tril(a) + transposed(np.tril(a, -1))
    return np.triu(a) + transposed(np.triu(a, 1))


@differentiated_from_source
def triangle_gradient(q, uplo="L"):
    """The adjoint of `a` for a function that reads only one triangle of `a`, given the
    adjoint `q` of the symmetric matrix built from it (see `symmetric_from_triangle`):
    an off-diagonal entry that is read collects q[i, j] + q[j, i]."""
    q = np.asarray(q)
    both = q + transposed(q)
    off = np.tril(both, -1) if _check_uplo(uplo) == "L" else np.triu(both, 1)
    return off + q * _eye_like(q)


def _solve_vector(a, b):
    """Whether np.linalg.solve(a, b) treats `b` as a (stack of) vector(s)."""
    if _NUMPY2:
        return np.ndim(b) == 1
    return np.ndim(b) == np.ndim(a) - 1


# ----------------------------------------------------------------------------- det


def cofactor(a):
    """The cofactor matrix of `a`: det(a) * inv(a).T for an invertible `a`, and still
    well defined (and computed stably, from an SVD) when `a` is singular."""
    a = np.asarray(a, dtype=np.result_type(a, np.float64))
    u, s, vt = np.linalg.svd(a)
    n = s.shape[-1]
    if n == 0:
        return np.zeros_like(a)
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    # products of all singular values but the i-th, without dividing
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = before * after
    sign = np.sign(np.linalg.det(u) * np.linalg.det(vt))
    if np.iscomplexobj(a):
        # a = u s vt with unitary u, vt: inv(a).T = conj(u) s^-1 conj(vt), and
        # det(u) det(vt) is a unit complex number (np.sign keeps it).
        u, vt = np.conj(u), np.conj(vt)
    return sign[..., None, None] * ((u * others[..., None, :]) @ vt)


def det_adjoint(g, a):
    """The adjoint of `a` in det(a)."""
    return np.asarray(g)[..., None, None] * cofactor(a)


def det_tangent(da, a):
    """The tangent of det(a) along `da`: trace(adj(a) @ da)."""
    return np.sum(cofactor(a) * da, axis=(-2, -1))


def logdet_tangent(da, a):
    """The tangent of log|det(a)| along `da`: trace(inv(a) @ da)."""
    return np.sum(transposed(np.linalg.inv(a)) * da, axis=(-2, -1))


# ----------------------------------------------------------------------------- solve


def solve_transposed(a, g, b):
    """inv(a).T @ g, with g shaped like the solution of np.linalg.solve(a, b)."""
    if _solve_vector(a, b):
        return np.linalg.solve(transposed(a), np.asarray(g)[..., None])[..., 0]
    return np.linalg.solve(transposed(a), g)


def solve_adjoint_a(gb, x, a, b):
    """The adjoint of `a` in x = solve(a, b), from gb = inv(a).T @ (the adjoint of x)."""
    if _solve_vector(a, b):
        return unbroadcast(-gb[..., :, None] * x[..., None, :], a)
    return unbroadcast(-(gb @ transposed(x)), a)


def solve_tangent(x, a, b, da, db):
    """The tangent of x = solve(a, b): solve(a, db - da @ x)."""
    vector = _solve_vector(a, b)
    if vector:
        rhs = db - (np.asarray(da) @ x[..., None])[..., 0] if np.ndim(da) else db - da * x
        rhs = np.broadcast_to(rhs, np.shape(x))
        return np.linalg.solve(a, rhs[..., None])[..., 0]
    rhs = db - (da @ x if np.ndim(da) else da * x)
    return np.linalg.solve(a, np.broadcast_to(rhs, np.shape(x)))


# ----------------------------------------------------------------------------- cholesky


def _phi(x):
    """The lower triangle of `x` with its diagonal halved."""
    return np.tril(x) - 0.5 * x * _eye_like(x)


def cholesky_adjoint(g, factor, upper=False):
    """The adjoint of `a` in factor = cholesky(a, upper=upper) (Murray 2016).

    With a = L L^T: S = L^-T phi(L^T gL) L^-1 is the adjoint of the symmetric matrix;
    NumPy reads only one triangle of `a` (the lower one, the upper one if `upper`)."""
    low = transposed(factor) if upper else factor
    g_low = transposed(g) if upper else g
    p = _phi(transposed(low) @ g_low)
    left = np.linalg.solve(transposed(low), p)                         # L^-T P
    s = transposed(np.linalg.solve(transposed(low), transposed(left)))  # L^-T P L^-1
    return triangle_gradient(s, "U" if upper else "L")


def cholesky_tangent(da, factor, upper=False):
    """The tangent of cholesky(a, upper=upper) along `da`: L phi(L^-1 dS L^-T)."""
    low = transposed(factor) if upper else factor
    ds = symmetric_from_triangle(da, "U" if upper else "L")
    m = np.linalg.solve(low, transposed(np.linalg.solve(low, ds)))  # L^-1 dS L^-T
    d_low = low @ _phi(m)
    return transposed(d_low) if upper else d_low


# ----------------------------------------------------------------------------- matrix_power


@differentiated_from_source
def _powers(a, count):
    """[I, a, a @ a, ...] (count matrices)."""
    out = [np.broadcast_to(_eye_like(a), np.shape(a))]
    for _ in range(count - 1):
        out.append(out[-1] @ a)
    return out


@differentiated_from_source
def matrix_power_adjoint(g, a, n):
    """The adjoint of `a` in matrix_power(a, n) = a^n (inverse powers for n < 0)."""
    base = np.linalg.inv(a) if n < 0 else np.asarray(a)
    k = abs(int(n))
    if k == 0:
        return np.zeros(np.shape(a))
    powers = [transposed(p) for p in _powers(base, k)]
    g_base = sum(powers[i] @ g @ powers[k - 1 - i] for i in range(k))
    if n < 0:
        bt = transposed(base)
        return -(bt @ g_base @ bt)
    return g_base


def matrix_power_tangent(da, a, n):
    """The tangent of matrix_power(a, n) along `da`."""
    base = np.linalg.inv(a) if n < 0 else np.asarray(a)
    k = abs(int(n))
    if k == 0:
        return np.zeros(np.shape(a))
    d_base = -(base @ da @ base) if n < 0 else da
    powers = _powers(base, k)
    return sum(powers[i] @ d_base @ powers[k - 1 - i] for i in range(k))


# ----------------------------------------------------------------------------- array API


@differentiated_from_source
def trace_last_adjoint(g, x, offset=0):
    """The adjoint of `x` in np.linalg.trace(x, offset=offset) (over the last two axes)."""
    m, n = np.shape(x)[-2:]
    return np.broadcast_to(np.asarray(g)[..., None, None] * np.eye(m, n, k=offset),
                           np.shape(x))


@differentiated_from_source
def diagonal_last_adjoint(g, x, offset=0):
    """The adjoint of `x` in np.linalg.diagonal(x, offset=offset): g on that diagonal."""
    m, n = np.shape(x)[-2:]
    rows = np.arange(np.shape(g)[-1]) + max(-offset, 0)
    out = np.zeros(np.shape(x), dtype=np.result_type(g, np.float64))
    out[..., rows, rows + offset] = g
    return out
