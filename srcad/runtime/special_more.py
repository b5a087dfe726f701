"""Helpers and definitions for the `scipy.special` rules of srcad/rules/scipy_special_more.py.

Three sorts of functions live here:

- *wrappers* (`fresnel_s`, `hurwitz_zeta`, `hyp1f1_in_x`, ...): one output or one set of
  differentiated parameters of a SciPy function, each with a derivative rule;
- *held parameters* (`zeta_order`, `hyp1f1_parameter`, ...): identities marked
  `no_derivative`, put around a parameter whose derivative has no closed form, so that
  differentiating through it is refused with the reason (never a silent zero);
- *definitions* (`fresnel`, `sici`, `comb`, `factorial`, `zeta`, `hyp1f1`, `hyp2f1`,
  `sph_harm_y`): what a call of the SciPy function is transformed as, differentiated
  from source, built from the wrappers.

Imported only when SciPy is installed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from srcad.runtime.definitions import refuse_option
from srcad.runtime.lazy_modules import scipy_special as sp
from srcad.runtime.marks import differentiated_from_source, no_derivative
from srcad.runtime.special import integer_order

# ----------------------------------------------------------------------------- held parameters


def _held(name: str, reason: str) -> Callable:
    """An identity marked `no_derivative(reason)`: srcad refuses to differentiate
    through it (at any order), naming `reason`."""

    @no_derivative(reason)
    def held(value):
        return value

    held.__name__ = held.__qualname__ = name
    held.__doc__ = f"The identity; srcad refuses to differentiate it: {reason}."
    return held


zeta_order = _held(
    "zeta_order", "scipy.special.zeta(x, q) has no closed-form derivative in x: srcad "
    "differentiates it in q only (keep x constant)")
hyp1f1_parameter = _held(
    "hyp1f1_parameter", "scipy.special.hyp1f1(a, b, x) has no closed-form derivative in a "
    "or b: srcad differentiates it in x only (keep a and b constant)")
hyp2f1_parameter = _held(
    "hyp2f1_parameter", "scipy.special.hyp2f1(a, b, c, z) has no closed-form derivative in "
    "a, b or c: srcad differentiates it in z only (keep a, b and c constant)")


# ----------------------------------------------------------------------------- wrappers


def fresnel_s(z):
    """The Fresnel integral S(z) = integral_0^z sin(pi t**2 / 2) dt (sp.fresnel's first)."""
    return sp.fresnel(z)[0]


def fresnel_c(z):
    """The Fresnel integral C(z) = integral_0^z cos(pi t**2 / 2) dt (sp.fresnel's second)."""
    return sp.fresnel(z)[1]


def sine_integral(x):
    """Si(x) = integral_0^x sin(t) / t dt (sp.sici's first output)."""
    return sp.sici(x)[0]


def cosine_integral(x):
    """Ci(x) (sp.sici's second output; even in x for real x, as SciPy computes it)."""
    return sp.sici(x)[1]


def hurwitz_zeta(x, q):
    """sp.zeta(x, q), differentiated in q only."""
    return sp.zeta(x, q)


def riemann_zeta(x):
    """sp.zeta(x) (no derivative: its order x is held by `zeta_order`)."""
    return sp.zeta(x)


def hyp1f1_in_x(a, b, x):
    """sp.hyp1f1(a, b, x), differentiated in x only."""
    return sp.hyp1f1(a, b, x)


def hyp2f1_in_z(a, b, c, z):
    """sp.hyp2f1(a, b, c, z), differentiated in z only."""
    return sp.hyp2f1(a, b, c, z)


def sph_harm_y_value(n, m, theta, phi):
    """sp.sph_harm_y(n, m, theta, phi) (without `diff_n`), differentiated in theta, phi."""
    return sp.sph_harm_y(n, m, theta, phi)


def comb_exact(N, k, repetition=False):
    """sp.comb(N, k, exact=True, repetition=...): an integer, without derivative."""
    return sp.comb(N, k, exact=True, repetition=repetition)


def factorial_exact(n, extend="zero"):
    """sp.factorial(n, exact=True, extend=...): integers, without derivative."""
    return sp.factorial(n, exact=True, extend=extend)


# ----------------------------------------------------------------------------- derivatives


@differentiated_from_source
def _series(t, coefficients):
    """sum_j coefficients[j] * t**j by Horner's scheme (differentiable from source)."""
    out = np.zeros(np.shape(t)) + coefficients[-1]
    for c in coefficients[-2::-1]:
        out = out * t + c
    return out


# log1p(t) / t = sum_j (-t)**j / (j + 1); 30 terms reach 1e-19 for |t| < 1/4
_LOG1P_RATIO = tuple((-1.0) ** j / (j + 1.0) for j in range(30))


@differentiated_from_source
def spence_derivative(z):
    """d/dz spence(z) = log(z) / (1 - z) (-1 at z = 1), finite and smooth through z = 1.

    Near z = 1 the closed form -log1p(t) / t (t = z - 1) is 0 / 0 and its derivatives
    cancel, so a power series is used there (and differentiated for second order)."""
    t = z - 1.0
    near = np.abs(t) < 0.25
    t_far = np.where(near, 1.0, t)
    t_near = np.where(near, t, 0.0)
    return np.where(near, -_series(t_near, _LOG1P_RATIO), -np.log1p(t_far) / t_far)


# h(t) = expm1(t) / t = sum_k t**k / (k + 1)!; h'(t) = sum_j (j + 1) t**j / (j + 2)!
_H_PRIME = tuple((j + 1.0) / float(np.prod(np.arange(1.0, j + 3.0))) for j in range(20))


@differentiated_from_source
def boxcox_lmbda_factor(t):
    """h'(t) with h(t) = expm1(t) / t: the Box-Cox transform is L h(lmbda L) (L = log x,
    or log1p x), so its derivative in lmbda is L**2 h'(lmbda L), h'(0) = 1/2.

    For |t| < 1/2 a power series (the closed form (t e**t - expm1(t)) / t**2 cancels);
    the closed form elsewhere."""
    near = np.abs(t) < 0.5
    t_far = np.where(near, 1.0, t)
    t_near = np.where(near, t, 0.0)
    far = (t_far * np.exp(t_far) - np.expm1(t_far)) / (t_far * t_far)
    return np.where(near, _series(t_near, _H_PRIME), far)


# sin(x) / x = sum_j (-1)**j x**(2j) / (2j + 1)!, in x**2; 12 terms for |x| < 1/2
_SINC = tuple((-1.0) ** j / float(np.prod(np.arange(1.0, 2.0 * j + 2.0))) for j in range(12))


@differentiated_from_source
def sine_integral_derivative(x):
    """d/dx Si(x) = sin(x) / x (1 at x = 0), by a series in x**2 near 0."""
    near = np.abs(x) < 0.5
    x_far = np.where(near, 1.0, x)
    x_near = np.where(near, x, 0.0)
    return np.where(near, _series(x_near * x_near, _SINC), np.sin(x_far) / x_far)


@differentiated_from_source
def cosine_integral_adjoint(g, x):
    """g cos(x) / x, the adjoint of Ci(x) for the output adjoint g: 0 where g is 0, also
    at x = 0 where Ci' is infinite (so that Si alone, of sici(0), has its derivative)."""
    unused = g == 0
    x_safe = np.where(unused, 1.0, x)
    return np.where(unused, 0.0, g * np.cos(x_safe) / x_safe)


@differentiated_from_source
def expn_derivative(n, x):
    """d/dx expn(n, x) = -expn(n - 1, x) for n >= 1; expn(0, x) = exp(-x) / x, whose
    derivative is -exp(-x) (x + 1) / x**2; NaN for n < 0 (as expn itself)."""
    k = integer_order(n)
    lower = -sp.expn(np.maximum(k - 1, 0), x)
    zeroth = -np.exp(-x) * (x + 1.0) / (x * x)
    return np.where(k < 0, np.nan, np.where(k >= 1, lower, zeroth))


# ----------------------------------------------------------------------------- definitions


@differentiated_from_source
def fresnel(z):
    """scipy.special.fresnel: (S(z), C(z))."""
    return fresnel_s(z), fresnel_c(z)


@differentiated_from_source
def sici(x):
    """scipy.special.sici: (Si(x), Ci(x))."""
    return sine_integral(x), cosine_integral(x)


@differentiated_from_source
def comb(N, k, *, exact=False, repetition=False):
    """scipy.special.comb: binom(N, k) where 0 <= k <= N and N >= 0, else 0 (with
    `repetition`, binom(N + k - 1, k), 1 where k == 0 and N >= 0)."""
    if exact:
        return comb_exact(N, k, repetition)
    N, k = np.asarray(N), np.asarray(k)
    if repetition:
        one = (k == 0) & (N >= 0)
        return np.where(one, 1.0, sp.binom(N + k - 1.0, k))[()]
    inside = (k <= N) & (N >= 0) & (k >= 0)
    # (binom's derivative is NaN at its zeros k > N: those entries are masked twice)
    n_safe = np.where(inside, N, 1.0)
    k_safe = np.where(inside, k, 0.0)
    return np.where(inside, sp.binom(n_safe, k_safe), 0.0)[()]


@differentiated_from_source
def factorial(n, exact=False, extend="zero"):
    """scipy.special.factorial: gamma(n + 1), 0 for n < 0 (extend='zero'), NaN at -1
    with extend='complex' (real n only)."""
    if exact:
        return factorial_exact(n, extend)
    n = np.asarray(n)
    if extend == "complex":
        at_pole = n == -1
        return np.where(at_pole, np.nan, sp.gamma(np.where(at_pole, 0.0, n) + 1.0))[()]
    if extend != "zero":
        refuse_option("scipy.special.factorial", "extend")
    negative = n < 0
    return np.where(negative, 0.0, sp.gamma(np.where(negative, 0.0, n) + 1.0))[()]


@differentiated_from_source
def zeta(x, q=None, out=None):
    """scipy.special.zeta: Riemann's zeta(x), or Hurwitz's zeta(x, q); differentiated in
    q only."""
    if out is not None:
        refuse_option("scipy.special.zeta", "out")
    order = zeta_order(x)
    if q is None:
        return riemann_zeta(order)
    return hurwitz_zeta(order, q)


@differentiated_from_source
def hyp1f1(a, b, x):
    """scipy.special.hyp1f1, differentiated in x only."""
    return hyp1f1_in_x(hyp1f1_parameter(a), hyp1f1_parameter(b), x)


@differentiated_from_source
def hyp2f1(a, b, c, z):
    """scipy.special.hyp2f1, differentiated in z only."""
    return hyp2f1_in_z(hyp2f1_parameter(a), hyp2f1_parameter(b), hyp2f1_parameter(c), z)


@differentiated_from_source
def sph_harm_y(n, m, theta, phi, *, diff_n=0):
    """scipy.special.sph_harm_y (complex), differentiated in theta and phi."""
    if diff_n != 0:
        refuse_option("scipy.special.sph_harm_y", "diff_n")
    return sph_harm_y_value(n, m, theta, phi)
