"""End-to-end gradients through srcad.grad for the elementwise family
(srcad/rules/numpy_elementwise.py, math_rules.py, builtin_rules.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradcheck import check_grad, numerical_jvp

import srcad
from srcad.rules import registry

RNG = np.random.default_rng(20240611)


def vec(n=5, low=-1.5, high=1.5, dtype=np.float64):
    return RNG.uniform(low, high, size=n).astype(dtype)


# ============================================================================ unary ufuncs


def f_arcsinh(x):
    return np.sum(np.arcsinh(x) * x)


def f_arccosh(x):
    return np.sum(np.arccosh(x) ** 2)


def f_arctanh(x):
    return np.sum(np.arctanh(x) * 3.0)


def f_logs(x):
    return np.sum(np.log2(x) + np.log10(x) * x)


def f_exp2(x):
    return np.sum(np.exp2(x) * x)


def f_reciprocal(x):
    return np.sum(np.reciprocal(x) * np.sin(x))


def f_cbrt(x):
    return np.sum(np.cbrt(x) * x)


def f_sinc(x):
    return np.sum(np.sinc(x) * np.cos(x))


def f_signs(x):
    return np.sum(np.positive(x) * np.fabs(x) + np.conjugate(x) * np.conj(x))


def f_angles(x):
    return np.sum(np.deg2rad(x) * np.radians(x) + np.rad2deg(x) + np.degrees(x) ** 2)


def f_square(x):
    return np.sum(np.square(x) * x)


def f_modf(x):
    frac, whole = np.modf(x)
    return np.sum(frac * frac + whole * x)


def f_modf_whole_only(x):
    frac, whole = np.modf(x)
    return np.sum(whole * 2.0)


def f_frexp(x):
    mantissa, exponent = np.frexp(x)
    return np.sum(mantissa ** 2 + exponent * x)


@pytest.mark.parametrize("f, x", [
    (f_arcsinh, vec()),
    (f_arccosh, vec(low=1.2, high=3.0)),
    (f_arctanh, vec(low=-0.9, high=0.9)),
    (f_logs, vec(low=0.3, high=3.0)),
    (f_exp2, vec()),
    (f_reciprocal, vec(low=0.5, high=2.0)),
    (f_cbrt, np.array([-2.0, -0.5, 0.3, 1.7])),
    (f_sinc, vec()),
    (f_signs, np.array([-1.2, -0.3, 0.4, 1.1])),
    (f_angles, vec()),
    (f_square, vec()),
    (f_modf, np.array([-2.7, -0.4, 0.3, 1.6, 3.3])),
    (f_frexp, np.array([-3.1, -0.4, 0.3, 1.6, 5.2])),
], ids=lambda v: getattr(v, "__name__", ""))
def test_unary(f, x):
    check_grad(f, x)


def test_unary_scalar_inputs():
    assert isinstance(check_grad(f_arcsinh, 0.7), float)
    check_grad(f_cbrt, -0.8)
    check_grad(f_sinc, 0.35)
    check_grad(f_modf, 2.3)


def test_modf_unused_fraction_gives_zero_gradient_of_the_right_shape():
    g = srcad.grad(f_modf_whole_only)(np.array([0.5, 1.5, 2.5]))
    assert g.shape == (3,) and np.all(g == 0.0)


def test_sinc_at_and_near_zero():
    x = np.array([0.0, 1e-9, -1e-6, 5e-4, -2e-3, 0.5])
    g = srcad.grad(f_sinc)(x)
    assert np.all(np.isfinite(g))
    # d/dx [sinc(x) cos(x)] = sinc'(x) cos(x) - sinc(x) sin(x); sinc'(0) = 0
    expected_sinc_prime = np.array([0.0] + [
        (np.cos(np.pi * v) - np.sinc(v)) / v for v in x[1:]])
    small = x[1:4]  # cancellation-free values from the series
    expected_sinc_prime[1:4] = -np.pi ** 2 * small / 3.0 + np.pi ** 4 * small ** 3 / 30.0
    expected = expected_sinc_prime * np.cos(x) - np.sinc(x) * np.sin(x)
    np.testing.assert_allclose(g, expected, rtol=1e-9, atol=1e-15)
    assert srcad.grad(f_sinc)(0.0) == 0.0


# ============================================================================ binary ufuncs


def f_arctan2(x, y):
    return np.sum(np.arctan2(x, y) * x)


def f_hypot(x, y):
    return np.sum(np.hypot(x, y) * 2.0)


def f_logaddexp(x, y):
    return np.sum(np.logaddexp(x, y) * y)


def f_logaddexp2(x, y):
    return np.sum(np.logaddexp2(x, y) ** 2)


def f_fmax(x, y):
    return np.sum(np.fmax(x, y) * x)


def f_fmin(x, y):
    return np.sum(np.fmin(x, y) * x)


def f_float_power(x, y):
    return np.sum(np.float_power(x, y))


def f_fmod(x, y):
    return np.sum(np.fmod(x, y) * x)


def f_remainder(x, y):
    return np.sum(np.remainder(x, y) ** 2 + np.mod(x, y))


def f_divmod(x, y):
    q, r = np.divmod(x, y)
    return np.sum(r * r + q * x)


def f_true_divide(x, y):
    return np.sum(np.true_divide(x, y) * x)


def f_copysign(x, y):
    return np.sum(np.copysign(x, y) * x + np.copysign(x, y))


def f_heaviside(x, h0):
    return np.sum(np.heaviside(x, h0) * 3.0)


def f_ldexp(x):
    return np.sum(np.ldexp(x, np.array([1, -2, 0, 3])) * x)


@pytest.mark.parametrize("f, x, y", [
    (f_arctan2, vec(), vec()),
    (f_arctan2, vec(), 0.7),
    (f_hypot, vec(), vec()),
    (f_hypot, vec((2, 3)), vec(3)),
    (f_logaddexp, vec(), vec()),
    (f_logaddexp, vec((2, 1)), vec(3)),
    (f_logaddexp2, vec(), vec()),
    (f_fmax, vec(), vec()),
    (f_fmin, vec(), 0.2),
    (f_float_power, vec(low=0.5, high=2.0), vec(low=-2.0, high=2.0)),
    (f_fmod, np.array([-2.7, -0.4, 0.3, 1.6, 3.3]), np.array([0.7, 1.1, 0.9, 1.3, 0.8])),
    (f_fmod, np.array([-2.7, -0.4, 0.3, 1.6, 3.3]), 0.7),
    (f_remainder, np.array([-2.7, -0.4, 0.3, 1.6, 3.3]), np.array([0.7, 1.1, 0.9, 1.3, 0.8])),
    (f_divmod, np.array([-2.7, -0.4, 0.3, 1.6, 3.3]), np.array([0.7, 1.1, 0.9, 1.3, 0.8])),
    (f_true_divide, vec(), vec(low=0.5, high=2.0)),
    (f_copysign, vec(), vec()),
], ids=lambda v: getattr(v, "__name__", ""))
def test_binary(f, x, y):
    check_grad(f, x, y, wrt=(0, 1))


def test_binary_scalars():
    check_grad(f_arctan2, 0.3, -1.2, wrt=(0, 1))
    check_grad(f_hypot, 0.3, -1.2, wrt=(0, 1))
    check_grad(f_fmod, 2.5, 0.7, wrt=(0, 1))
    check_grad(f_remainder, -2.5, 0.7, wrt=(0, 1))


def test_logaddexp_does_not_overflow():
    x, y = np.array([1000.0, -1000.0]), np.array([999.0, -1001.0])
    gx, gy = srcad.grad(f_logaddexp, wrt=(0, 1))(x, y)
    w = 1.0 / (1.0 + np.exp(-1.0))  # e^x / (e^x + e^y) with x - y = 1
    np.testing.assert_allclose(gx, y * w)
    np.testing.assert_allclose(gy, np.logaddexp(x, y) + y * (1.0 - w))


def test_hypot_at_origin_uses_subgradient_zero():
    gx, gy = srcad.grad(f_hypot, wrt=(0, 1))(np.array([0.0, 3.0]), np.array([0.0, 4.0]))
    np.testing.assert_allclose(gx, [0.0, 1.2])
    np.testing.assert_allclose(gy, [0.0, 1.6])


def f_fmax_plain(x, y):
    return np.sum(np.fmax(x, y))


def f_fmin_plain(x, y):
    return np.sum(np.fmin(x, y))


def test_fmax_fmin_ties_split_and_nans_lose():
    x = np.array([1.0, 2.0, np.nan, 0.5, np.nan])
    y = np.array([1.0, 1.0, 3.0, np.nan, np.nan])
    gx, gy = srcad.grad(f_fmax_plain, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0.5, 1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(gy, [0.5, 0.0, 1.0, 0.0, 0.0])
    gx, gy = srcad.grad(f_fmin_plain, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0.5, 0.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(gy, [0.5, 1.0, 1.0, 0.0, 0.0])


def test_copysign_has_no_derivative_in_the_sign_argument():
    gx, gy = srcad.grad(f_copysign, wrt=(0, 1))(np.array([0.5, -0.5, 0.0]),
                                                np.array([-2.0, -2.0, 1.0]))
    np.testing.assert_array_equal(gy, 0.0)
    np.testing.assert_allclose(gx, [-2.0, 0.0, 0.0])


def test_heaviside_value_at_zero():
    x = np.array([-1.0, 0.0, 2.0, 0.0])
    g = srcad.grad(f_heaviside, wrt=1)(x, 0.5)
    assert g == 6.0
    g = srcad.grad(f_heaviside, wrt=1)(x, np.array([0.1, 0.2, 0.3, 0.4]))
    np.testing.assert_array_equal(g, [0.0, 3.0, 0.0, 3.0])


def test_ldexp():
    check_grad(f_ldexp, vec(4))


# ============================================================================ clip


def f_clip(x):
    return np.sum(np.clip(x, -0.5, 0.8) * x)


def f_clip_upper_only(x):
    return np.sum(np.clip(x, None, 0.3) ** 2)


def f_clip_lower_only(x):
    return np.sum(np.clip(x, -0.2, None) * 3.0)


def f_clip_keywords(x):
    return np.sum(np.clip(x, min=-0.4, max=0.6) ** 2)


def f_clip_bounds(x, low, high):
    return np.sum(np.clip(x, low, high) ** 2)


def f_clip_keyword_bounds(x, low, high):
    return np.sum(np.clip(x, a_min=low, a_max=high) * x)


def f_clip_method(x, low):
    return np.sum(x.clip(low, 0.9) ** 2 + x.clip(max=low) + x.clip(min=low))


def f_clip_scalar(x):
    return np.clip(x, -1.0, 1.0) * x


X_CLIP = np.array([-1.3, -0.45, 0.1, 0.25, 0.55, 1.2])


@pytest.mark.parametrize("f", [f_clip, f_clip_upper_only, f_clip_lower_only,
                               f_clip_keywords], ids=lambda f: f.__name__)
def test_clip_constant_bounds(f):
    check_grad(f, X_CLIP)


def test_clip_array_bounds():
    x = vec((3, 4))
    low, high = vec(4, -1.0, 0.0), vec((3, 1), 0.0, 1.0)
    check_grad(f_clip_bounds, x, low, high, wrt=(0, 1, 2))
    check_grad(f_clip_bounds, x, -0.3, high, wrt=(0, 1, 2))
    check_grad(f_clip_keyword_bounds, x, low, 0.4, wrt=(0, 1, 2))
    check_grad(f_clip_method, x, -0.2, wrt=(0, 1))
    check_grad(f_clip_scalar, 0.4)
    check_grad(f_clip_scalar, 1.4)


def f_clip_sum(x, low, high):
    return np.sum(np.clip(x, low, high))


def test_clip_ties_split():
    gx, glow, ghigh = srcad.grad(f_clip_sum, wrt=(0, 1, 2))(
        np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), -0.5, 0.5)
    np.testing.assert_array_equal(gx, [0.0, 0.5, 1.0, 0.5, 0.0])
    assert glow == 1.5 and ghigh == 1.5


# ============================================================================ nan_to_num


def f_nan_to_num(x, v):
    return np.sum(np.nan_to_num(x, nan=v, posinf=10.0, neginf=-10.0) * 2.0)


def test_nan_to_num():
    x = np.array([0.5, np.nan, np.inf, -np.inf, -1.5, np.nan])
    gx, gv = srcad.grad(f_nan_to_num, wrt=(0, 1))(x, 3.0)
    np.testing.assert_array_equal(gx, [2.0, 0.0, 0.0, 0.0, 2.0, 0.0])
    assert gv == 4.0
    check_grad(f_nan_to_num, vec(), 0.0)


# ============================================================================ float32


def f_mix32(x, y):
    return np.sum(np.hypot(x, y) + np.arcsinh(x) * np.clip(y, -0.5, 0.5) + np.sinc(x) +
                  np.logaddexp(x, y) + np.fmax(x, y) * np.cbrt(y))


def test_float32_gradients_stay_float32():
    x, y = vec(6, dtype=np.float32), vec(6, dtype=np.float32)
    gx, gy = check_grad(f_mix32, x, y, wrt=(0, 1), rtol=2e-3, atol=2e-4)
    assert gx.dtype == np.float32 and gy.dtype == np.float32


def f_unary32(x):
    return np.sum(np.log2(x) * np.exp2(x) + np.reciprocal(x) + np.rad2deg(x))


def test_float32_unary():
    g = check_grad(f_unary32, vec(5, 0.5, 2.0, dtype=np.float32), rtol=2e-3, atol=2e-4)
    assert g.dtype == np.float32


# ============================================================================ aliases


def test_aliases_share_rules():
    for alias, name in [(np.true_divide, "divide"), (np.mod, "remainder"),
                        (np.abs, "absolute"), (np.conj, "conjugate")]:
        assert alias is getattr(np, name) and registry.lookup(alias) is not None
    for new in ("acos", "asin", "atan", "acosh", "asinh", "atanh", "atan2", "pow"):
        if hasattr(np, new):
            assert registry.lookup(getattr(np, new)) is not None, new
    # distinct objects with their own (identical) rules
    for fn in (np.fabs, np.radians, np.degrees, np.deg2rad, np.rad2deg):
        assert registry.lookup(fn).adjoint is not None


def f_acosh_alias(x):
    return np.sum(np.acosh(x) + np.atan2(x, 2.0))


@pytest.mark.skipif(not hasattr(np, "acosh"), reason="NumPy < 2.0")
def test_numpy2_alias_names():
    check_grad(f_acosh_alias, vec(low=1.2, high=3.0))


# ============================================================================ math


def f_math_fmod(x, y):
    return math.fmod(x, y) * x


def f_math_remainder(x, y):
    return math.remainder(x, y) ** 2


def f_math_copysign(x, y):
    return math.copysign(x, y) * x + math.copysign(x, y)


def f_math_ldexp(x):
    return math.ldexp(x, 3) * x


def f_math_dist(x, y):
    return math.dist([x, 2.0 * y, 1.0], [y, 0.5, x * x])


def f_math_dist_array(p, q):
    return math.dist(p, q) * 2.0


@pytest.mark.parametrize("f, x, y", [
    (f_math_fmod, 2.5, 0.7), (f_math_fmod, -2.5, 0.7),
    (f_math_remainder, 2.5, 0.7), (f_math_remainder, -2.2, 0.9),
    (f_math_copysign, 0.5, -2.0), (f_math_copysign, -0.5, -2.0),
    (f_math_dist, 0.3, -0.8),
], ids=lambda v: getattr(v, "__name__", ""))
def test_math_binary(f, x, y):
    check_grad(f, x, y, wrt=(0, 1))


def test_math_ldexp_and_dist_arrays():
    check_grad(f_math_ldexp, 0.3)
    check_grad(f_math_dist_array, vec(3), vec(3), wrt=(0, 1))


def f_math_modf_frexp(x):
    frac, whole = math.modf(x)
    mantissa, exponent = math.frexp(x)
    return frac * frac + whole * x + mantissa * exponent


def f_math_modf_whole(x):
    frac, whole = math.modf(x)
    return whole * 2.0


def test_math_modf_frexp():
    check_grad(f_math_modf_frexp, 2.7)
    check_grad(f_math_modf_frexp, -0.3)
    assert srcad.grad(f_math_modf_whole)(1.5) == 0.0


def f_math_cbrt_exp2(x):
    return math.cbrt(x) * math.exp2(x)


@pytest.mark.skipif(not hasattr(math, "cbrt"), reason="math.cbrt / math.exp2 need 3.11")
def test_math_cbrt_exp2():
    check_grad(f_math_cbrt_exp2, 0.7)
    check_grad(f_math_cbrt_exp2, -1.3)


def f_math_gamma(x):
    return math.gamma(x) + math.lgamma(x) * x


def test_math_gamma_lgamma():
    pytest.importorskip("scipy")
    check_grad(f_math_gamma, 1.7)
    check_grad(f_math_gamma, 0.4)
    check_grad(f_math_gamma, -1.5)  # lgamma = log|gamma| for negative x


# ============================================================================ builtins


def f_max2(x, y):
    return max(x, y) * x + min(x, y)


def f_max_const(x):
    return max(x, 0.0) + min(x * x, 1.0)


def test_builtin_max_min_two_scalars():
    check_grad(f_max2, 0.3, 1.2, wrt=(0, 1))
    check_grad(f_max2, 1.3, -1.2, wrt=(0, 1))
    check_grad(f_max_const, 0.6)
    check_grad(f_max_const, -0.6)
    check_grad(f_max_const, 1.5)


def test_builtin_max_min_ties_split():
    gx, gy = srcad.grad(f_max2, wrt=(0, 1))(2.0, 2.0)
    # max(x, y) * x + min(x, y) at x == y == 2: x gets 2/2 + 2 + 1/2, y gets 2/2 + 1/2
    assert gx == 3.5 and gy == 1.5


def f_max3(x, y):
    return max(x, y, 1.0)


def f_max_iterable(x, y):
    return max([x, y])


@pytest.mark.parametrize("f", [f_max3, f_max_iterable], ids=lambda f: f.__name__)
def test_builtin_max_of_a_list_or_of_three_values_is_pairwise(f):
    assert srcad.grad(f, wrt=(0, 1))(1.0, 2.0) == (0.0, 1.0)
    assert srcad.grad(f, wrt=(0, 1))(3.0, 2.0) == (1.0, 0.0)


def f_max_key(x, y):
    return max([x, y], key=abs)


def test_builtin_max_with_a_key_is_refused():
    with pytest.raises(srcad.SrcadError):
        srcad.grad(f_max_key)(1.0, 2.0)


# ============================================================================ nondifferentiable


def f_uses_piecewise_constant(x):
    q = np.floor_divide(x, 0.5)
    s = np.signbit(x)
    return np.sum(x * q + np.fix(x) * x + np.around(x) + np.where(s, x, 2.0 * x))


def test_nondifferentiable_functions_pass_through():
    check_grad(f_uses_piecewise_constant, np.array([-1.3, -0.35, 0.1, 0.8, 1.65]))


def test_nondifferentiable_declared():
    for fn in (np.floor_divide, np.fix, np.signbit, np.logical_xor, np.bitwise_and,
               np.invert, np.isclose, np.isposinf, np.isneginf, np.iscomplex, np.isreal,
               np.gcd, np.lcm, np.left_shift, np.right_shift, np.around, np.isnat,
               math.isclose, math.factorial, math.comb, math.gcd):
        assert registry.lookup(fn).nondifferentiable, fn
    assert registry.lookup(np.spacing) is None


# ============================================================================ forward mode


def check_jvp(f, *args, rtol=1e-5, atol=1e-7):
    """srcad.jvp along random tangents against central differences."""
    rng = np.random.default_rng(len(args))
    tangents = [rng.standard_normal(np.shape(a)) if isinstance(a, np.ndarray)
                else float(rng.standard_normal()) for a in args]
    value, tangent = srcad.jvp(f, args, tangents)
    np.testing.assert_allclose(tangent, numerical_jvp(f, args, tangents), rtol=rtol, atol=atol)


@pytest.mark.parametrize("f, args", [
    (f_modf, (np.array([-2.7, 0.3, 1.6]),)),
    (f_frexp, (np.array([-3.1, 0.3, 5.2]),)),
    (f_divmod, (np.array([-2.7, 0.3, 1.6]), np.array([0.7, 0.9, 1.3]))),
    (f_clip_bounds, (vec((3, 4)), vec(4, -1.0, 0.0), vec((3, 1), 0.0, 1.0))),
    (f_clip_upper_only, (X_CLIP,)),
    (f_clip_method, (vec((3, 4)), -0.2)),
    (f_nan_to_num, (vec(), 0.0)),
    (f_copysign, (vec(), vec())),
    (f_ldexp, (vec(4),)),
    (f_sinc, (np.array([0.0, 0.3, -1.2]),)),
    (f_hypot, (vec((2, 3)), vec(3))),
    (f_fmax, (vec(), vec())),
    (f_logaddexp2, (vec(), vec())),
    (f_angles, (vec(),)),
    (f_signs, (vec(),)),
    (f_math_dist, (0.3, -0.8)),
    (f_math_dist_array, (vec(3), vec(3))),
    (f_math_copysign, (0.5, -2.0)),
    (f_math_fmod, (2.5, 0.7)),
    (f_max2, (0.3, 1.2)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_forward_mode(f, args):
    check_jvp(f, *args)


def gather_by_integer_conversion(W):
    # autograd's test_cast_to_int: an index made by np.int64 of a differentiated column
    new_W = W[:, :-1]
    new_inds = np.int64(W[:, -1])
    return new_W[new_inds].sum() + np.sum(W * np.int32(W * 3))


def test_integer_conversions_are_piecewise_constant():
    W = np.random.default_rng(0).normal(size=(5, 3))
    W[:, -1] = [0.2, 1.3, 2.5, 3.1, 4.6]
    check_grad(gather_by_integer_conversion, W)
    _, tangent = srcad.jvp(gather_by_integer_conversion, (W,), (np.ones_like(W),))
    np.testing.assert_allclose(tangent, np.sum(srcad.grad(gather_by_integer_conversion)(W)))
