"""Helpers for the rules of complex values (srcad's convention: the adjoint of
`z = x + iy` is `dL/dx + 1j * dL/dy`; see docs/complex.md)."""

from __future__ import annotations

import numpy as np

from srcad.errors import NoDerivativeError
from srcad.runtime.marks import differentiated_from_source


def unit(z):
    """`z / abs(z)`, and 0 where `z` is 0 (the direction abs() grows in)."""
    magnitude = np.abs(z)
    safe = np.where(magnitude == 0, 1.0, magnitude)
    return np.where(magnitude == 0, 0.0, z / safe)


@differentiated_from_source
def abs_tangent(dz, z):
    """The tangent of `abs(z)` for a complex `z`: the part of `dz` along `z`."""
    return np.real(np.conj(unit(z)) * dz)


@differentiated_from_source
def unit_projection(g, z):
    """The tangent of `unit(z)` along `g` (also its adjoint: the map is self-adjoint):
    the part of `g` across `z`, over `abs(z)`; 0 where `z` is 0."""
    u = unit(z)
    magnitude = np.abs(z)
    safe = np.where(magnitude == 0, 1.0, magnitude)
    return np.where(magnitude == 0, 0.0, (g - u * np.real(np.conj(u) * g)) / safe)


def spectral_norm(ndim, ord, axis) -> bool:
    """Whether np.linalg.norm(x, ord, axis) of an `ndim`-dimensional x is a norm of the
    singular values ('nuc', 2 or -2 over two axes), which |x| does not determine."""
    if isinstance(ord, str):
        if ord != "nuc":
            return False
    elif ord is None or ord not in (2, -2):
        return False
    if axis is None:
        return ndim == 2
    return np.ndim(axis) != 0 and len(tuple(axis)) == 2


def norm_direction(x, ord=None, axis=None):
    """`unit(x)` for np.linalg.norm(x, ord, axis) of a complex `x`: every norm but the
    spectral matrix norms is the same norm of `abs(x)`, so its gradient is `unit(x)` times
    the real norm's gradient at `abs(x)`. The singular-value norms ('nuc', 2, -2 of a
    matrix) are refused here (runtime.linalg_complex differentiates them)."""
    if spectral_norm(np.ndim(x), ord, axis):
        raise NoDerivativeError(
            f"np.linalg.norm(x, ord={ord!r}) of a matrix (a norm of its singular values) has "
            "no direction of abs(x)", None, "use norm_adjoint_complex")
    return unit(x)


@differentiated_from_source
def real_if_close_tangent(dz, y):
    """The tangent of `y = np.real_if_close(z)`: `dz`, or its real part where NumPy
    dropped the (negligible) imaginary part."""
    if np.iscomplexobj(y):
        return dz
    return np.real(dz)
