"""More `scipy.special` rules (registered only when SciPy is importable): `dawsn`, `exp1`,
`expi`, `expn`, `loggamma` (real), `spence`, `poch`, `binom`, `boxcox`, `boxcox1p`,
`owens_t`, `wofz` (complex); and, through definitions (srcad/runtime/special_more.py),
`fresnel`, `sici`, `comb`, `factorial`, `zeta`, `hyp1f1`, `hyp2f1` and `sph_harm_y`.

Parameters without a closed-form derivative are refused, never held constant silently:
the order x of `zeta(x, q)` (differentiated in q), a and b of `hyp1f1(a, b, x)` (in x),
a, b and c of `hyp2f1(a, b, c, z)` (in z). Integer parameters carry no derivative: the
order n of `expn`, the degree n and order m of `sph_harm_y` (differentiated in theta
and phi). Every derivative statement calls only functions with rules (or helpers
differentiated from source), so second derivatives exist.

Derivatives (DLMF): dawsn' = 1 - 2 x dawsn; exp1' = -exp(-x) / x; expi' = exp(x) / x;
expn(n, x)' = -expn(n - 1, x); S' = sin(pi x**2 / 2), C' = cos(pi x**2 / 2); Si' =
sin(x) / x, Ci' = cos(x) / x; spence(z)' = log(z) / (1 - z); poch(z, m) = gamma(z + m) /
gamma(z); w'(z) = -2 z w(z) + 2i / sqrt(pi); zeta(x, q) in q: -x zeta(x + 1, q);
1F1' = a / b 1F1(a + 1, b + 1, x); 2F1' = a b / c 2F1(a + 1, b + 1, c + 1, z);
dY_n^m / dtheta = m cot(theta) Y_n^m + sqrt((n - m)(n + m + 1)) exp(-i phi) Y_n^(m+1),
dY_n^m / dphi = i m Y_n^m.
"""

from typing import Any

import numpy as np

from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_values,
    derivative,
    nondifferentiable,
    register_when_imported,
    tangent,
)
from srcad.runtime import special_more as rt
from srcad.runtime.definitions import register_definitions_when_imported
from srcad.runtime.lazy_modules import HAVE_SCIPY
from srcad.runtime.lazy_modules import scipy_special as lazy_special

sp: Any = lazy_special  # (imported on first use; SciPy is optional)


_SQRT_PI = float(np.sqrt(np.pi))

_HALF_PI = float(np.pi / 2.0)

_TWO_PI = float(2.0 * np.pi)

_SQRT_2 = float(np.sqrt(2.0))

_TWO_SQRT_2PI = float(2.0 * np.sqrt(2.0 * np.pi))

def _unary(low: float, high: float) -> list:
    return [Example((Rand((), low, high),)), Example((Rand((4,), low, high),)),
            Example((Rand((2, 3), low, high),))]

def _binary(first: tuple, second: tuple) -> list:
    return [Example((Rand((), *first), Rand((), *second))),
            Example((Rand((3,), *first), Rand((3,), *second))),
            Example((Rand((2, 1), *first), Rand((3,), *second))),
            Example((Rand((2, 3), *first), Rand((), *second)))]

_EXPN_EXAMPLES = [
    Example((0, Rand((3,), 0.3, 4.0))), Example((1, Rand((), 0.3, 4.0))),
    Example((2, Rand((2, 3), 0.3, 4.0))), Example((5, Rand((3,), 0.3, 4.0))),
    Example((np.array([0, 1, 3]), Rand((2, 3), 0.3, 4.0))),
    Example((np.array([[1], [2]]), Rand((3,), 0.3, 4.0)))]

_SPH_EXAMPLES = [
    Example((2, 1, Rand((), 0.2, 2.9), Rand((), -3.0, 3.0))),
    Example((3, -2, Rand((3,), 0.2, 2.9), Rand((3,), -3.0, 3.0))),
    Example((4, 4, Rand((2, 3), 0.2, 2.9), Rand((3,), -3.0, 3.0))),
    Example((np.array([1, 2, 3]), np.array([0, -1, 3]), Rand((3,), 0.2, 2.9),
             Rand((2, 1), -3.0, 3.0)))]



def _register() -> None:
    """Register the rules (once the user's code has imported scipy.special)."""




    # ------------------------------------------------------------------ one argument

    @derivative(sp.dawsn, kind="elementwise", examples=_unary(-3.0, 3.0))
    def _(y, x):
        return 1.0 - 2.0 * x * y

    @derivative(sp.exp1, kind="elementwise", examples=_unary(0.2, 4.0))
    def _(y, x):
        return -np.exp(-x) / x

    # (also for x < 0, where expi is real)
    @derivative(sp.expi, kind="elementwise",
                examples=_unary(0.2, 4.0) + [Example((Rand((3,), -4.0, -0.2),))])
    def _(y, x):
        return np.exp(x) / x

    # real x > 0 (SciPy gives NaN for x < 0; complex values are refused)
    @derivative(sp.loggamma, kind="elementwise", examples=_unary(0.2, 5.0))
    def _(y, x):
        return sp.digamma(x)

    # spence(z) = integral_1^z log(t) / (1 - t) dt, z >= 0
    @derivative(sp.spence, kind="elementwise",
                examples=_unary(0.05, 4.0) + [Example((Rand((3,), 0.9, 1.1),))])
    def _(y, z):
        return rt.spence_derivative(z)

    # ------------------------------------------------------------------ integer order n


    @derivative(sp.expn, wrt=("x",), broadcasting=True, kind="elementwise",
                nondiff_params=("n",), examples=_EXPN_EXAMPLES)
    def _(y, n, x):
        return rt.expn_derivative(n, x)

    # ------------------------------------------------------------------ two arguments

    # poch(z, m) = gamma(z + m) / gamma(z)
    @derivative(sp.poch, broadcasting=True, kind="elementwise",
                examples=_binary((0.3, 3.0), (-0.2, 2.0)))
    def _(y, z, m):
        return y * (sp.digamma(z + m) - sp.digamma(z)), y * sp.digamma(z + m)

    # binom(n, k) = gamma(n + 1) / (gamma(k + 1) gamma(n - k + 1)) (NaN where it is 0
    # at a pole of gamma(n - k + 1): comb masks those)
    @derivative(sp.binom, broadcasting=True, kind="elementwise",
                examples=_binary((2.2, 6.0), (0.2, 2.0)))
    def _(y, n, k):
        middle = sp.digamma(n - k + 1.0)
        return y * (sp.digamma(n + 1.0) - middle), y * (middle - sp.digamma(k + 1.0))

    # boxcox(x, l) = expm1(l log x) / l (log x at l = 0); boxcox1p with log1p(x)
    @derivative(sp.boxcox, broadcasting=True, kind="elementwise",
                examples=_binary((0.2, 4.0), (-1.5, 1.5)) + [
                    Example((Rand((3,), 0.2, 4.0), 0.0)),
                    Example((Rand((3,), 0.2, 4.0), Rand((3,), -1e-3, 1e-3)))])
    def _(y, x, lmbda):
        log_x = np.log(x)
        return np.exp((lmbda - 1.0) * log_x), log_x * log_x * rt.boxcox_lmbda_factor(
            lmbda * log_x)

    @derivative(sp.boxcox1p, broadcasting=True, kind="elementwise",
                examples=_binary((-0.8, 3.0), (-1.5, 1.5)) + [
                    Example((Rand((3,), -0.8, 3.0), 0.0)),
                    Example((Rand((3,), -0.8, 3.0), Rand((3,), -1e-3, 1e-3)))])
    def _(y, x, lmbda):
        log_x = np.log1p(x)
        return np.exp((lmbda - 1.0) * log_x), log_x * log_x * rt.boxcox_lmbda_factor(
            lmbda * log_x)

    # Owen's T(h, a) = 1/(2 pi) integral_0^a exp(-h**2 (1 + t**2) / 2) / (1 + t**2) dt
    @derivative(sp.owens_t, broadcasting=True, kind="elementwise",
                examples=_binary((-2.5, 2.5), (-3.0, 3.0)))
    def _(y, h, a):
        return (-np.exp(-0.5 * h * h) * sp.erf(a * h / _SQRT_2) / _TWO_SQRT_2PI,
                np.exp(-0.5 * h * h * (1.0 + a * a)) / (_TWO_PI * (1.0 + a * a)))

    # ------------------------------------------------------------------ complex

    # Faddeeva w(z) = exp(-z**2) erfc(-i z): complex-analytic, complex for any input.
    @derivative(sp.wofz, kind="elementwise", examples=_unary(-2.0, 2.0))
    def _(y, z):
        return -2.0 * z * y + 2j / _SQRT_PI

    complex_values(sp.wofz, how="holomorphic", output="complex")


    # A function of real theta and phi with complex values: "holomorphic" applies the
    # complex partials (the adjoint of a real input is the real part).
    @derivative(rt.sph_harm_y_value, wrt=("theta", "phi"), broadcasting=True,
                kind="elementwise", nondiff_params=("n", "m"), examples=_SPH_EXAMPLES)
    def _(y, n, m, theta, phi):
        raising = np.sqrt(np.maximum((n - m) * (n + m + 1), 0))
        up = raising * np.exp(-1j * phi) * rt.sph_harm_y_value(n, m + 1, theta, phi)
        return m / np.tan(theta) * y + up, 1j * m * y

    complex_values(rt.sph_harm_y_value, how="holomorphic", output="complex")

    # ------------------------------------------------------------------ wrappers

    @derivative(rt.fresnel_s, kind="elementwise", examples=_unary(-2.0, 2.0))
    def _(y, z):
        return np.sin(_HALF_PI * z * z)

    @derivative(rt.fresnel_c, kind="elementwise", examples=_unary(-2.0, 2.0))
    def _(y, z):
        return np.cos(_HALF_PI * z * z)

    @derivative(rt.sine_integral, kind="elementwise",
                examples=_unary(-4.0, 4.0) + [Example((Rand((3,), -0.1, 0.1),))])
    def _(y, x):
        return rt.sine_integral_derivative(x)

    # (SciPy's Ci of a real x < 0 is Ci(|x|): cos(x) / x is its derivative too.) Ci'
    # is infinite at 0: the adjoint is 0 where the output's is, as when only Si is used.
    @adjoint(rt.cosine_integral, kind="elementwise",
             examples=_unary(0.2, 4.0) + [Example((Rand((3,), -4.0, -0.2),))])
    def _(y, x):
        dx = rt.cosine_integral_adjoint(dy, x)

    @tangent(rt.cosine_integral)
    def _(y, x):
        dy = dx * np.cos(x) / x

    @derivative(rt.hurwitz_zeta, wrt=("q",), broadcasting=True, kind="elementwise",
                examples=[
                    Example((3, Rand((3,), 0.5, 3.0))), Example((2, Rand((), 0.5, 3.0))),
                    Example((np.array([2, 3, 5]), Rand((2, 3), 0.5, 3.0)))])
    def _(y, x, q):
        return -x * rt.hurwitz_zeta(x + 1.0, q)

    @derivative(rt.hyp1f1_in_x, wrt=("x",), broadcasting=True, kind="elementwise",
                examples=[
                    Example((1, 2, Rand((3,), -2.0, 2.0))),
                    Example((-3, 2, Rand((), -2.0, 2.0))),
                    Example((np.array([1, 2, -1]), 3, Rand((2, 3), -2.0, 2.0)))])
    def _(y, a, b, x):
        return a / b * rt.hyp1f1_in_x(a + 1.0, b + 1.0, x)

    @derivative(rt.hyp2f1_in_z, wrt=("z",), broadcasting=True, kind="elementwise",
                examples=[
                    Example((1, 2, 3, Rand((3,), -0.8, 0.8))),
                    Example((-2, 1, 2, Rand((), -0.8, 0.8))),
                    Example((np.array([1, 2, 3]), 2, 4, Rand((2, 3), -0.8, 0.8)))])
    def _(y, a, b, c, z):
        return a * b / c * rt.hyp2f1_in_z(a + 1.0, b + 1.0, c + 1.0, z)

    nondifferentiable(rt.comb_exact, kind="other", examples=[Example((7, 3)),
                                                             Example((5, 2, True))])
    nondifferentiable(rt.factorial_exact, kind="other", examples=[Example((6,))])



def _definitions() -> dict:
    return {sp.fresnel: rt.fresnel, sp.sici: rt.sici, sp.comb: rt.comb,
            sp.factorial: rt.factorial, sp.zeta: rt.zeta, sp.hyp1f1: rt.hyp1f1,
            sp.hyp2f1: rt.hyp2f1, sp.sph_harm_y: rt.sph_harm_y}


if HAVE_SCIPY:
    register_when_imported("scipy.special", _register)
    register_definitions_when_imported("scipy.special", _definitions)
