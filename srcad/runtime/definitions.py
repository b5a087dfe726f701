"""NumPy functions that srcad differentiates from a definition in plain NumPy.

NumPy writes `np.polyval`, `np.trapezoid`, `np.average`, `np.cov`, ... in Python over
other NumPy functions; so does this module, one short function each, over functions
that have derivative rules. A call of the NumPy function is transformed as a call of
its definition here (`lower/calls.py`), which srcad differentiates from its source like
user code, at any order. Each definition computes what NumPy computes for the
arguments it accepts; other arguments are refused by name.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

from srcad.runtime import array_definitions, functional
from srcad.runtime.marks import differentiated_from_source
from srcad.runtime.refusals import refuse_option  # noqa: F401  (the definitions' modules use it)


@differentiated_from_source
def polyval(p, x):
    """np.polyval: Horner's scheme, highest power first."""
    p = np.asarray(p)
    y = np.zeros(np.shape(x))
    for i in range(len(p)):
        y = y * x + p[i]
    return y


@differentiated_from_source
def polyder(p, m=1):
    """np.polyder of a coefficient array (highest power first)."""
    p = np.asarray(p)
    for _ in range(m):
        n = len(p) - 1
        p = p[:-1] * np.arange(n, 0, -1)
    return p


@differentiated_from_source
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """np.trapezoid (np.trapz): the trapezoidal rule along `axis`."""
    y = np.moveaxis(np.asarray(y), axis, -1)
    if x is None:
        return np.sum(dx * (y[..., 1:] + y[..., :-1]), axis=-1) / 2.0
    x = np.asarray(x)
    if x.ndim == 1:
        d = np.diff(x)
    else:
        d = np.moveaxis(np.diff(x, axis=axis), axis, -1)
    return np.sum(d * (y[..., 1:] + y[..., :-1]), axis=-1) / 2.0


@differentiated_from_source
def interp(x, xp, fp, left=None, right=None, period=None):
    """np.interp: piecewise linear through (xp, fp); at a point of xp, the slope of the
    segment to its right (of the last segment at the last point)."""
    if period is not None:
        refuse_option("np.interp", "period")
    xp = np.asarray(xp)
    fp = np.asarray(fp)
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 2)
    x0 = xp[i]
    y0 = fp[i]
    t = (x - x0) / (xp[i + 1] - x0)
    y = y0 + t * (fp[i + 1] - y0)
    below = fp[0] if left is None else left
    above = fp[-1] if right is None else right
    return np.where(x < xp[0], below, np.where(x > xp[-1], above, y))


@differentiated_from_source
def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """np.average: the mean, or the weighted mean sum(a * w) / sum(w) along `axis`."""
    if returned:
        refuse_option("np.average", "returned")
    a = np.asarray(a)
    if weights is None:
        return np.mean(a, axis=axis, keepdims=keepdims)
    w = np.asarray(weights)
    if w.shape != a.shape:
        shape = [1] * a.ndim
        shape[axis] = -1
        w = np.reshape(w, shape)
    total = np.sum(a * w, axis=axis, keepdims=keepdims)
    return total / np.sum(w * np.ones(a.shape), axis=axis, keepdims=keepdims)


@differentiated_from_source
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):
    """np.cov of observations in rows (rowvar=False) or columns."""
    if fweights is not None:
        refuse_option("np.cov", "fweights")
    if aweights is not None:
        refuse_option("np.cov", "aweights")
    x = np.atleast_2d(m)
    if not rowvar and x.shape[0] != 1:
        x = np.transpose(x)
    if y is not None:
        y = np.atleast_2d(y)
        if not rowvar and y.shape[0] != 1:
            y = np.transpose(y)
        x = np.concatenate((x, y), axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    centered = x - np.mean(x, axis=1, keepdims=True)
    c = centered @ np.conjugate(np.transpose(centered)) / (x.shape[1] - ddof)
    return np.squeeze(c)


@differentiated_from_source
def corrcoef(x, y=None, rowvar=True):
    """np.corrcoef: the covariance scaled by the standard deviations (clipped to
    [-1, 1] as NumPy does)."""
    c = cov(x, y, rowvar)
    if np.ndim(c) == 0:
        return c / c
    d = np.sqrt(np.diag(c))
    return np.clip(c / d[:, None] / d[None, :], -1.0, 1.0)


@differentiated_from_source
def vander(x, N=None, increasing=False):
    """np.vander: columns of powers of x (decreasing unless `increasing`)."""
    x = np.asarray(x)
    n = len(x) if N is None else N
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    return x[:, None] ** powers


@differentiated_from_source
def chebval(x, c, tensor=True):
    """np.polynomial.chebyshev.chebval by Clenshaw's recurrence, for 1-D coefficients."""
    c = np.asarray(c)
    if c.ndim != 1:
        refuse_option("chebval", "coefficients of more than one dimension")
    if len(c) == 1:
        return c[0] + 0.0 * x
    if len(c) == 2:
        return c[0] + c[1] * x
    x2 = 2.0 * x
    b0 = c[-2] + 0.0 * x
    b1 = c[-1] + 0.0 * x
    for i in range(3, len(c) + 1):
        b0, b1 = c[-i] - b1, b0 + b1 * x2
    return b0 + b1 * x


def _definitions() -> dict:
    table = {np.polyval: polyval, np.polyder: polyder, np.interp: interp,
             np.average: average, np.cov: cov, np.corrcoef: corrcoef, np.vander: vander,
             np.polynomial.chebyshev.chebval: chebval,
             # taking the user's function (runtime/functional.py)
             np.apply_along_axis: functional.apply_along_axis,
             np.piecewise: functional.piecewise, np.fromfunction: functional.fromfunction}
    for name in ("trapezoid", "trapz"):
        if hasattr(np, name):
            table[getattr(np, name)] = trapezoid
    table.update(array_definitions.table())
    return table


class _Definitions(dict):
    """The table of definitions; reading it first adds the entries of optional modules
    imported since (`register_definitions_when_imported`)."""

    def get(self, key, default=None):
        if _pending and not dict.__contains__(self, key):
            _add_pending()
        return dict.get(self, key, default)

    def __contains__(self, key) -> bool:
        if _pending and not dict.__contains__(self, key):
            _add_pending()
        return dict.__contains__(self, key)

    def __missing__(self, key):
        if _pending and _add_pending() and dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        raise KeyError(key)


DEFINITIONS = _Definitions(_definitions())
"""NumPy function -> its definition here (and SciPy function -> its definition, once the
user's code has imported its module)."""

# Definitions of functions of modules slow to import (SciPy): module -> functions that
# return {function: definition}, added to DEFINITIONS once the user's code has imported
# the module (srcad never imports it for them).
_pending: dict[str, list] = {}
_pending_lock = threading.RLock()


def register_definitions_when_imported(module: str, entries) -> None:
    """Add the definitions ``entries()`` returns (a dict, function -> definition) to
    DEFINITIONS once `module` is imported: the first time DEFINITIONS is read after that.
    `entries` imports `module` itself; it is never called before the user's code has."""
    with _pending_lock:
        _pending.setdefault(module, []).append(entries)


def _add_pending() -> bool:
    """Add the pending definitions of the modules imported by now; whether any were."""
    added = False
    with _pending_lock:
        for module in [m for m in _pending if m in sys.modules]:
            for entries in _pending.pop(module):
                dict.update(DEFINITIONS, entries())
            added = True
    return added
