"""Helpers for the rules of complex values (srcad's convention: the adjoint of
`z = x + iy` is `dL/dx + 1j * dL/dy`; see docs/complex.md)."""

from __future__ import annotations

import numpy as np


def unit(z):
    """`z / abs(z)`, and 0 where `z` is 0 (the direction abs() grows in)."""
    magnitude = np.abs(z)
    safe = np.where(magnitude == 0, 1.0, magnitude)
    return np.where(magnitude == 0, 0.0, z / safe)


def abs_tangent(dz, z):
    """The tangent of `abs(z)` for a complex `z`: the part of `dz` along `z`."""
    return np.real(np.conj(unit(z)) * dz)


def unit_projection(g, z):
    """The tangent of `unit(z)` along `g` (also its adjoint: the map is self-adjoint):
    the part of `g` across `z`, over `abs(z)`; 0 where `z` is 0."""
    u = unit(z)
    magnitude = np.abs(z)
    safe = np.where(magnitude == 0, 1.0, magnitude)
    return np.where(magnitude == 0, 0.0, (g - u * np.real(np.conj(u) * g)) / safe)
