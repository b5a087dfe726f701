"""Derivatives of `eigh`, `eigvalsh`, `svd`, `eig` and `eigvals` of complex matrices.

srcad's convention (docs/complex.md): the adjoint of a complex value ``z = x + iy`` under
a real loss ``L`` is ``dL/dx + 1j * dL/dy``, so that ``dL = Re(sum(conj(gz) * dz))``;
tangents are ``dx + 1j * dy``. The formulas below are the real ones of
srcad/runtime/linalg.py with conjugate transposes (``^H``), plus the terms the phase
freedom of complex eigenvectors and singular vectors brings:

* `eigh` (Hermitian ``H = V diag(w) V^H``, w real): each eigenvector is defined up to a
  phase ``v_j -> v_j exp(i t_j)``, and LAPACK documents no rule that fixes it, so only a
  loss that does not depend on those phases (``abs(v)``, ``v_j v_j^H``, the eigenvalues)
  has a derivative. The tangent is the one with ``Im(v_j^H dv_j) = 0``; the adjoint
  refuses a loss whose gradient shows a phase dependence (``Im(diag(V^H gV)) != 0``).
* `svd` (``A = U diag(s) V^H``): the phases of ``u_j`` and ``v_j`` are free, jointly
  (``u_j v_j^H`` is fixed). The tangent has ``Im(u_j^H du_j) = -Im(v_j^H dv_j) =
  Im(u_j^H dA v_j) / (2 s_j)``; the adjoint gains ``1j * diag(Im(diag(U^H gU - V^H gV))
  / (2 s))`` and refuses a loss that depends on the common phase
  (``Im(diag(U^H gU + V^H gV)) != 0``). J. Townsend (2016) for the real formulas;
  Z.-Q. Wan and S.-X. Zhang, "Automatic differentiation for complex valued SVD" (2019),
  for the phase term.
* `eig` (general ``A = V diag(w) V^-1``): LAPACK's `zgeev` scales each eigenvector to
  unit length with its largest component (in modulus) real and positive, so the
  eigenvectors are functions of A and both constraints are differentiated exactly.

`eigh` and `eigvalsh` read one triangle of their input and the real part of its
diagonal, as LAPACK's `zheevd` does: the adjoint lands on that triangle (an entry there
collects ``q_ij + conj(q_ji)`` of the Hermitian matrix's adjoint ``q``) and on the real
part of the diagonal.
"""

from __future__ import annotations

import numpy as np

from srcad.errors import NoDerivativeError
from srcad.runtime.complex import norm_direction, spectral_norm
from srcad.runtime.linalg import (
    _as_array_like,
    _check_uplo,
    _diag_embed,
    _gap_inverse,
    _is_zero,
    transposed,
)
from srcad.runtime.linalg_decompositions import _svd_parts, nan_extra_vectors, svd_vector_terms
from srcad.runtime.linalg_norms import _spread, norm_adjoint, norm_tangent, singular_value_weights
from srcad.runtime.marks import check_only, differentiated_from_source

# A loss that does not depend on the eigenvector / singular-vector phases has a gradient
# whose phase component (Im(diag(V^H gV))) is zero up to rounding; larger than this,
# relative to the gradient, the loss depends on the phases.
_PHASE_RTOL = 1e-6


@differentiated_from_source
def adjoint_transposed(x):
    """The conjugate transpose of a (stack of) matrices."""
    return np.conjugate(transposed(x))


@differentiated_from_source
def _diagonal(x):
    return np.diagonal(x, axis1=-2, axis2=-1)


@check_only
def _check_phase(leak, scale, what: str) -> None:
    """Refuse a loss whose gradient depends on the free phases (`leak` is the phase
    component of the gradient, `scale` its size)."""
    size = float(np.max(np.abs(scale), initial=0.0))
    kind = np.result_type(leak, np.float32)
    rtol = max(_PHASE_RTOL, 1000.0 * float(np.finfo(kind).eps))  # single precision too
    if np.any(np.abs(leak) > rtol * max(size, np.finfo(float).tiny)):
        raise NoDerivativeError(
            f"{what} of a complex matrix are defined up to a phase each (LAPACK fixes it "
            "by no documented rule), and this loss depends on that phase: it has no "
            "derivative",
            hint="use only phase-independent quantities (abs(v), v v^H, u v^H, "
                 "the eigenvalues or singular values)")


# ----------------------------------------------------------------------------- eigh


@differentiated_from_source
def hermitian_from_triangle(a, uplo="L"):
    """The Hermitian matrix LAPACK works with when it reads `a`'s lower ('L') or upper
    ('U') triangle: the strict triangle, its conjugate transpose, and the real part of
    the diagonal."""
    a = np.asarray(a)
    part = np.tril(a, -1) if _check_uplo(uplo) == "L" else np.triu(a, 1)
    return part + adjoint_transposed(part) + _diag_embed(np.real(_diagonal(a)))


@differentiated_from_source
def hermitian_triangle_gradient(q, uplo="L"):
    """The adjoint of `a` given the adjoint `q` of `hermitian_from_triangle(a, uplo)`."""
    q = np.asarray(q)
    both = q + adjoint_transposed(q)
    off = np.tril(both, -1) if _check_uplo(uplo) == "L" else np.triu(both, 1)
    return off + _diag_embed(np.real(_diagonal(q)))


@differentiated_from_source
def eigh_adjoint_complex(g, result, uplo="L"):
    """The adjoint of `a` in (w, v) = eigh(a, uplo) of a complex `a`:
    V (diag(Re gw) + F * (V^H gv)) V^H on the triangle read, F[i, j] = 1/(w_j - w_i)."""
    w, v = result[0], result[1]
    gw, gv = g[0], g[1]
    inner = _diag_embed(np.real(_as_array_like(gw, w)))
    if not _is_zero(gv):
        b = adjoint_transposed(v) @ gv
        _check_phase(np.imag(_diagonal(b)), b, "np.linalg.eigh: the eigenvectors")
        inner = inner + _gap_inverse(w) * b
    return hermitian_triangle_gradient(v @ inner @ adjoint_transposed(v), uplo)


@differentiated_from_source
def eigh_tangent_complex(da, result, uplo="L"):
    """The tangents (dw, dv) of eigh(a, uplo) of a complex `a` along `da` (dv with
    Im(v_j^H dv_j) = 0)."""
    w, v = result[0], result[1]
    m = adjoint_transposed(v) @ hermitian_from_triangle(da, uplo) @ v
    return np.real(_diagonal(m)), v @ (_gap_inverse(w) * m)


@differentiated_from_source
def eigvalsh_adjoint_complex(g, a, uplo="L"):
    """The adjoint of a complex `a` in eigvalsh(a, uplo): V diag(Re g) V^H."""
    _, v = np.linalg.eigh(a, uplo)
    q = (v * np.real(np.asarray(g))[..., None, :]) @ adjoint_transposed(v)
    return hermitian_triangle_gradient(q, uplo)


@differentiated_from_source
def eigvalsh_tangent_complex(da, a, uplo="L"):
    """The tangent of eigvalsh(a, uplo) of a complex `a`: Re(diag(V^H dH V))."""
    _, v = np.linalg.eigh(a, uplo)
    m = adjoint_transposed(v) @ hermitian_from_triangle(da, uplo) @ v
    return np.real(_diagonal(m))


# ----------------------------------------------------------------------------- svd


@check_only
def _no_hermitian(hermitian) -> None:
    if hermitian:
        raise NoDerivativeError(
            "np.linalg.svd(a, hermitian=True) of a complex matrix: srcad differentiates "
            "hermitian=True for real matrices only",
            hint="call np.linalg.svd(a) (hermitian=False)")


@differentiated_from_source
def svd_adjoint_complex(g, result, a, full_matrices=True, compute_uv=True, hermitian=False):
    """The adjoint of a complex `a` in np.linalg.svd(a, ...), for distinct nonzero
    singular values (see the module's docstring for the phase term)."""
    _no_hermitian(hermitian)
    x, u, s, vt, gu, gs, gvt = _svd_parts(a, result, g, full_matrices, compute_uv, False)
    inner, extra, b, e = svd_vector_terms(np.shape(x), u, s, vt, gu, gvt, adjoint_transposed)
    inner = inner + _diag_embed(np.real(_as_array_like(gs, s)))
    if b is not None or e is not None:
        phase_u = 0.0 if b is None else np.imag(_diagonal(b))
        phase_v = 0.0 if e is None else np.imag(_diagonal(e))
        scale = [0.0] + [np.max(np.abs(t)) if np.size(t) else 0.0 for t in (b, e) if t is not None]
        _check_phase(np.asarray(phase_u + phase_v), np.asarray(scale),
                     "np.linalg.svd: the singular vectors")
        inner = inner + 1j * _diag_embed(np.asarray(phase_u - phase_v) / (2.0 * s))
    return u @ inner @ vt + extra


@differentiated_from_source
def svd_tangent_complex(da, result, a, full_matrices=True, compute_uv=True, hermitian=False):
    """The tangents (du, ds, dvt) of np.linalg.svd(a, ...) of a complex `a` along `da`
    (ds alone when compute_uv=False); NaN for the extra singular vectors of a non-square
    matrix with full_matrices=True, as in the real case."""
    _no_hermitian(hermitian)
    zero = (0.0, 0.0, 0.0) if compute_uv else 0.0
    x, u, s, vt, _, _, _ = _svd_parts(a, result, zero, full_matrices, compute_uv, False)
    dx = np.broadcast_to(da, np.shape(x))
    v = adjoint_transposed(vt)
    dp = adjoint_transposed(u) @ dx @ v
    ds = np.real(_diagonal(dp))
    if not compute_uv:
        return ds
    m, n = np.shape(x)[-2:]
    f = _gap_inverse(s, square=True)
    s_row = s[..., None, :]
    s_col = s[..., :, None]
    dph = adjoint_transposed(dp)
    du = u @ (f * (dp * s_row + s_col * dph))
    dv = v @ (f * (s_col * dp + dph * s_row))
    phase = (1j * np.imag(_diagonal(dp)) / (2.0 * s))[..., None, :]
    du = du + u * phase
    dv = dv - v * phase
    if m > n:
        du = du + (dx @ v - u @ dp) / s_row
    if m < n:
        dv = dv + (adjoint_transposed(dx) @ u - v @ dph) / s_row
    dvt = adjoint_transposed(dv)
    du, dvt = nan_extra_vectors(du, dvt, m, n, full_matrices)
    return du, ds, dvt


# ----------------------------------------------------------------------------- eig


@differentiated_from_source
def _largest(v):
    """For each eigenvector (column of v): the row of its largest component, and that
    component (real and positive after LAPACK's scaling), shaped (..., 1, n)."""
    k = np.argmax(np.abs(v), axis=-2)[..., None, :]
    return k, np.real(np.take_along_axis(v, k, axis=-2))


@differentiated_from_source
def eig_adjoint_complex(g, result, a):
    """The adjoint of a complex `a` in (w, v) = eig(a), for distinct eigenvalues:
    V^-H (diag(gw) + conj(F) * (V^H gv0)) V^H, F[i, j] = 1/(w_j - w_i), where gv0 is gv
    less the part the normalization (unit length, largest component real) takes."""
    w, v = result[0], result[1]
    gw, gv = g[0], g[1]
    inner = _diag_embed(_as_array_like(gw, w)).astype(complex)
    if not _is_zero(gv):
        gv = np.asarray(gv, dtype=complex)
        e = np.sum(np.conjugate(v) * gv, axis=-2, keepdims=True)    # v_j^H gv_j
        k, top = _largest(v)
        gv0 = gv - v * np.real(e)
        rows = np.arange(v.shape[-2]).reshape((1,) * (v.ndim - 2) + (-1, 1))
        gv0 = gv0 - (rows == k) * (1j * np.imag(e) / top)
        inner = inner + np.conjugate(_gap_inverse(w)) * (adjoint_transposed(v) @ gv0)
    vh = adjoint_transposed(v)
    return np.linalg.solve(vh, inner @ vh)


@differentiated_from_source
def eig_tangent_complex(da, result, a):
    """The tangents (dw, dv) of eig(a) of a complex `a` along `da`."""
    w, v = result[0], result[1]
    m = np.linalg.solve(v, da @ v)                    # V^-1 dA V
    dv = v @ (_gap_inverse(w) * m)
    k, top = _largest(v)
    c = (-np.real(np.sum(np.conjugate(v) * dv, axis=-2, keepdims=True))
         - 1j * np.imag(np.take_along_axis(dv, k, axis=-2)) / top)
    return _diagonal(m), dv + v * c


@check_only
def _check_eigenvalue_order(w2, w) -> None:
    """Refuse when np.linalg.eig's eigenvalues `w2` are not eigvals' `w` in order."""
    size = max(1.0, float(np.max(np.abs(w), initial=0.0)))
    if not np.allclose(w2, w, rtol=1e-10, atol=1e-12 * size):
        raise NoDerivativeError("np.linalg.eigvals: np.linalg.eig returns the eigenvalues "
                                "in another order, so their derivative cannot be matched")


@differentiated_from_source
def _eigenvectors(w, a):
    """The eigenvectors of `a`, in the order of the eigenvalues `w` (eigvals(a))."""
    w2, v = np.linalg.eig(a)
    _check_eigenvalue_order(w2, w)
    return v


@differentiated_from_source
def eigvals_adjoint_complex(g, w, a):
    """The adjoint of a complex `a` in eigvals(a): V^-H diag(g) V^H."""
    v = _eigenvectors(w, a)
    vh = adjoint_transposed(v)
    return np.linalg.solve(vh, _diag_embed(np.asarray(g, dtype=complex)) @ vh)


@differentiated_from_source
def eigvals_tangent_complex(da, w, a):
    """The tangent of eigvals(a) of a complex `a` along `da`: diag(V^-1 dA V)."""
    v = _eigenvectors(w, a)
    return _diagonal(np.linalg.solve(v, da @ v))



# ----------------------------------------------------------------------------- norm


def spectral_axes(x, axis):
    """The two axes a matrix norm of `x` runs over (`axis` None: a 2-d `x`)."""
    ndim = np.ndim(x)
    return (0, 1) if axis is None else tuple(int(a) % ndim for a in axis)


@differentiated_from_source
def _spectral_weights(x, ord, axes):
    """W with d(norm) = Re(sum(conj(W) * dx)) for the singular-value norms of a complex
    matrix over `axes`: U V^H for 'nuc', u_1 v_1^H for 2 (the last pair for -2)."""
    w = singular_value_weights(np.moveaxis(x, axes, (-2, -1)), ord)
    return np.moveaxis(w, (-2, -1), axes)


@differentiated_from_source
def norm_adjoint_complex(g, x, ord=None, axis=None, keepdims=False):
    """The adjoint of a complex `x` in np.linalg.norm(x, ord, axis, keepdims): unit(x)
    times the real norm's adjoint at abs(x), except for the singular-value norms
    ('nuc', 2, -2 of a matrix), whose adjoint is W (`_spectral_weights`) times g."""
    if spectral_norm(np.ndim(x), ord, axis):
        axes = spectral_axes(x, axis)
        return _spread(g, x, axes, keepdims) * _spectral_weights(x, ord, axes)
    return norm_direction(x, ord, axis) * norm_adjoint(g, np.abs(x), ord, axis, keepdims)


@differentiated_from_source
def norm_tangent_complex(dx, x, ord=None, axis=None, keepdims=False):
    """The tangent of np.linalg.norm(x, ord, axis, keepdims) of a complex `x`."""
    if spectral_norm(np.ndim(x), ord, axis):
        axes = spectral_axes(x, axis)
        w = _spectral_weights(x, ord, axes)
        return np.real(np.sum(np.conjugate(w) * dx, axis=axes, keepdims=keepdims))
    direction = np.real(np.conjugate(norm_direction(x, ord, axis)) * dx)
    return norm_tangent(direction, np.abs(x), ord, axis, keepdims)
