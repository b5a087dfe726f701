"""Issue 11 (rule library): silent wrong derivatives, crashes and missing rules found by
running autograd's test suite.

Every derivative here is checked against central differences in both modes (reverse:
`check_grad` / `srcad.vjp`; forward: `check_grad`'s JVP check / `srcad.jvp`), and
against differences of the gradient at second order where the rule supports it.
"""

import math
import operator
import subprocess
import sys

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st
from gradcheck import check_grad, numerical_grad, numerical_hessian, numerical_jvp

import srcad

RNG = np.random.default_rng(1111)


def rand(*shape, low=-1.5, high=1.5):
    return RNG.uniform(low, high, size=shape)


def weighted(y):
    """A scalar loss reading every entry of `y` differently (and nonlinearly)."""
    y = np.asarray(y)
    return np.sum(np.sin(y) * np.arange(1.0, 1.0 + y.size).reshape(y.shape))


def check_both_modes(fn, *args, wrt=0, hessian=True, atol=1e-6):
    """check_grad (reverse against differences, forward against reverse) plus
    srcad.jvp against differences and, for one array argument, the Hessian."""
    check_grad(fn, *args, wrt=wrt, atol=1e-7)
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    tangents = tuple(rand(*np.shape(args[p])) if np.ndim(args[p]) else 0.7 for p in positions)
    full = [0.0 * np.asarray(a) if i not in positions else None for i, a in enumerate(args)]
    for p, t in zip(positions, tangents):
        full[p] = t
    _, got = srcad.jvp(fn, tuple(args), tuple(full))
    assert got == pytest.approx(numerical_jvp(fn, args, tuple(full)), rel=1e-6, abs=atol)
    if hessian and len(args) == 1:
        x = args[0]
        n = np.size(x)
        np.testing.assert_allclose(np.reshape(srcad.hessian(fn)(x), (n, n)),
                                   np.reshape(numerical_hessian(fn, x), (n, n)),
                                   rtol=1e-4, atol=1e-5)


# ============================================================================ np.r_, np.c_
# Forward mode gave all-zero tangents (np.r_[...] was a getitem on the np.r_ object, whose
# tangent rule ignores the index); reverse mode refused. Now a call of index_concatenate.

def r_basic(x):
    return weighted(np.r_[x, 3.0])


def r_double(x):
    return weighted(np.r_[x, x])


def c_mixed(x):
    return weighted(np.c_[x, np.ones(3), x])


def r_mixed(x):
    return weighted(np.r_[x[:2], 3.0, x])


def r_slices(x):
    return weighted(np.r_[x, 0:4, x[0], -1:1:5j])


def r_directive(x):
    return weighted(np.r_["0,2", x, x * 2.0])


def r_axis(x):
    return weighted(np.r_["-1", x, [x[1], 2.0]])


def c_matrix(x):
    return weighted(np.c_[np.outer(x, x), x])


def r_scalars(x):
    return weighted(np.r_[x[0], x[1] * 2.0, 4.0])


@pytest.mark.parametrize("fn", [r_basic, r_double, c_mixed, r_mixed, r_slices, r_directive,
                                r_axis, c_matrix, r_scalars])
def test_index_concatenation(fn):
    check_both_modes(fn, rand(3))


def r_matrix_directive(x):
    return np.sum(np.r_["r", x, x])


def r_computed_range(x, n):
    return np.sum(np.r_[x, 0:n])


def test_index_concatenation_refusals():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="matrix directive"):
        srcad.grad(r_matrix_directive)(rand(3))
    with pytest.raises(srcad.UnsupportedSyntaxError, match="bounds computed at run time"):
        srcad.grad(r_computed_range)(rand(3), 4)


# ============================================================================ forward mode
# Why forward mode gave a zero: a varied value bound to a parameter whose tangent the
# rule never reads was dropped silently. Such calls are now refused, as in reverse mode.
# And a *args tuple with some zero tangents lost all of them.

def roll_by_computed_shift(x, y):
    return np.sum(np.roll(x, (y * 2.0).astype(int)))


def test_a_varied_value_the_tangent_rule_ignores_is_refused():
    x, y = rand(4), np.array(1.2)
    with pytest.raises(srcad.RuleError, match="gives no derivative for its parameter 'shift'"):
        srcad.jvp(roll_by_computed_shift, (x, y), (np.ones(4), np.ones(())))
    with pytest.raises(srcad.RuleError, match="'shift'"):
        srcad.grad(roll_by_computed_shift, wrt=(0, 1))(x, y)


def einsum_scalar_first(a):
    return np.sum(np.einsum(",ij->ij", 2.0, a) ** 2)


def test_args_tuple_with_a_constant_keeps_the_tangents():
    check_both_modes(einsum_scalar_first, rand(2, 3))


# ============================================================================ einsum

def einsum_transpose_sublists(a):
    return weighted(np.einsum(a, (0, 1), (1, 0)))


def einsum_three_sublists(a):
    b, c = np.arange(12.0).reshape(4, 3) / 7.0, np.cos(np.arange(12.0)).reshape(4, 3)
    return weighted(np.einsum(a, [0, 1, 2], b, [3, 1], c, [3, 2], [3, 0]))


def einsum_ellipsis_sublists(a):
    return weighted(np.einsum(a, [Ellipsis, 0, 1], np.ones((3, 2)), [1, 2], [Ellipsis, 0, 2]))


@pytest.mark.parametrize("fn, shape", [(einsum_transpose_sublists, (3, 2)),
                                       (einsum_three_sublists, (2, 3, 3)),
                                       (einsum_ellipsis_sublists, (2, 2, 3))])
def test_einsum_sublist_form(fn, shape):
    check_both_modes(fn, rand(*shape))


def einsum_leading_zero(a, b):
    return np.sum(np.einsum("...ij,...jk->...ik", a, b))


def test_einsum_zero_size_operands():
    a, b = rand(0, 2, 3), rand(0, 3, 4)
    ga, gb = srcad.grad(einsum_leading_zero, wrt=(0, 1))(a, b)
    assert ga.shape == a.shape and gb.shape == b.shape
    _, t = srcad.jvp(einsum_leading_zero, (a, b), (a, b))
    assert t == 0.0


# ============================================================================ powers at 0
# x**y: d/dx = y * x**(y-1) gave 0 * inf = NaN at x = 0 for y = 0 (and a crash for Python
# floats); d/dy = x**y log(x) gave 0 * -inf = NaN at x = 0 < y.

def pow0(x):
    return x ** 0


def pow1(x):
    return x ** 1


def pow2(x):
    return x ** 2


def pow0_float(x):
    return x ** 0.0


def np_pow0(x):
    return np.sum(np.power(x, 0.0))


def math_pow1(x):
    return math.pow(x, 1.0)


def builtin_pow2(x):
    return pow(x, 2)


def operator_pow0(x):
    return operator.pow(x, 0.0)


def float_power1(x):
    return np.sum(np.float_power(x, 1.0))


@pytest.mark.parametrize("fn, first, second", [
    (pow0, 0.0, 0.0), (pow1, 1.0, 0.0), (pow2, 0.0, 2.0), (pow0_float, 0.0, 0.0),
    (math_pow1, 1.0, 0.0), (builtin_pow2, 0.0, 2.0), (operator_pow0, 0.0, 0.0)])
def test_powers_at_zero(fn, first, second):
    assert srcad.grad(fn)(0.0) == first
    assert srcad.jvp(fn, (0.0,), (1.0,))[1] == first
    assert srcad.grad(srcad.grad(fn))(0.0) == second
    assert srcad.hessian(fn)(0.0) == pytest.approx(second)


@pytest.mark.parametrize("fn, first, second", [(np_pow0, 0.0, 0.0), (float_power1, 1.0, 0.0)])
def test_numpy_powers_at_zero(fn, first, second):
    x = np.zeros(3)
    np.testing.assert_array_equal(srcad.grad(fn)(x), first)
    assert srcad.jvp(fn, (x,), (np.ones(3),))[1] == 3 * first
    np.testing.assert_array_equal(srcad.hessian(fn)(x), second * np.eye(3))


def zero_to_the(y):
    return np.sum(np.power(0.0, y))


def zero_float_power(y):
    return np.sum(np.float_power(0.0, y))


def zero_scalar_to_the(y):
    return 0.0 ** y


@pytest.mark.parametrize("fn", [zero_to_the, zero_float_power])
def test_derivative_in_the_exponent_at_zero_base(fn):
    y = np.array([0.5, 1.0, 2.5])
    np.testing.assert_array_equal(srcad.grad(fn)(y), 0.0)
    assert srcad.jvp(fn, (y,), (np.ones(3),))[1] == 0.0
    np.testing.assert_array_equal(srcad.hessian(fn)(y), np.zeros((3, 3)))
    assert srcad.grad(zero_scalar_to_the)(1.5) == 0.0


def general_power(x, y):
    return np.sum(np.power(x, y) * np.arange(1.0, 4.0))


def scalar_power(x, y):
    return x ** y


def test_power_elsewhere_and_mixed_second_derivatives():
    x, y = rand(3, low=0.3, high=2.0), rand(3)
    check_grad(general_power, x, y, wrt=(0, 1))
    # d^2/dx dy x**y = x**(y-1) (1 + y log x), also at y == 0 (x != 0)
    for x0, y0 in [(1.7, 0.0), (0.6, 1.0), (2.0, 2.5)]:
        g_x = srcad.grad(scalar_power, wrt=0)
        mixed = numerical_grad(g_x, (x0, y0), 1)
        assert srcad.grad(g_x, wrt=1)(x0, y0) == pytest.approx(mixed, rel=1e-5)
        assert mixed == pytest.approx(x0 ** (y0 - 1) * (1 + y0 * math.log(x0)), rel=1e-5)


def gammainc_in_x(x):
    return np.sum(sp.gammainc(1.0, x))


def betainc_in_x(x):
    return np.sum(sp.betainc(1.0, 2.5, x))


def kl_div_in_y(y):
    return np.sum(sp.kl_div(np.array([0.0, 0.5]), y))


def rel_entr_in_y(y):
    return np.sum(sp.rel_entr(np.array([0.0, 0.5]), y))


def test_other_zero_times_log_zero_derivatives():
    # d/dx P(1, x) = exp(-x): 1 at x = 0; d/dx I(1, 2.5, x) = 2.5 (1-x)**1.5: 2.5 at 0.
    np.testing.assert_allclose(srcad.grad(gammainc_in_x)(np.array([0.0, 0.5])),
                               np.exp(-np.array([0.0, 0.5])))
    assert srcad.grad(betainc_in_x)(np.array([0.0]))[0] == pytest.approx(2.5)
    # kl_div(0, y) = y, rel_entr(0, y) = 0: d/dy is 1 and 0 at y = 0 too.
    np.testing.assert_allclose(srcad.grad(kl_div_in_y)(np.array([0.0, 0.4])), [1.0, -0.25])
    np.testing.assert_allclose(srcad.grad(rel_entr_in_y)(np.array([0.0, 0.4])), [0.0, -1.25])


# ============================================================================ crashes

def uneven_array_split(x):
    return np.array_split(x, 3)


def uneven_split(x):
    return np.split(x, [1, 4], axis=1)


def test_pullback_of_parts_of_different_sizes():
    x = rand(7)
    out, pullback = srcad.vjp(uneven_array_split, x)
    u = [rand(3), rand(2), rand(2)]
    (g,) = pullback(u)
    np.testing.assert_allclose(g, np.concatenate(u))
    x = rand(2, 6)
    out, pullback = srcad.vjp(uneven_split, x)
    u = [rand(2, 1), rand(2, 3), rand(2, 2)]
    (g,) = pullback(u)
    np.testing.assert_allclose(g, np.concatenate(u, axis=1))
    with pytest.raises(srcad.BadArgumentError, match="list of 3"):
        pullback(u[:2])


def norm_of_list(x):
    return np.linalg.norm([x, x + 2])


def norm_of_tuple(x):
    return np.linalg.norm((x[0], x[1] + 2, 3.0))


def test_norm_of_a_list():
    assert srcad.grad(norm_of_list)(0.0) == 1.0
    assert srcad.jvp(norm_of_list, (0.0,), (1.0,))[1] == pytest.approx(1.0)
    check_grad(norm_of_tuple, rand(2))


# ============================================================================ new rules

def append_flat(x):
    return weighted(np.append(x, x[0] * 3.0))


def append_axis(x):
    return weighted(np.append(np.outer(x, x), x[None, :] ** 2, axis=0))


def diff_plain(x):
    return weighted(np.diff(x))


def diff_twice_ends(x):
    return weighted(np.diff(x, n=2, prepend=x[-1], append=[x[0], 2.0]))


def diff_axis(x):
    return weighted(np.diff(np.outer(x, x), axis=0))


def cross_3(x):
    return weighted(np.cross(x, x[::-1] ** 2))


def cross_axes(x):
    m = np.outer(x, x) + np.eye(3)
    return weighted(np.cross(m, x, axisa=0, axisc=0) + np.cross(x, m, axis=0))


def select_choices(x):
    return weighted(np.select([x > 0.3, x < -0.3], [x ** 2, np.sin(x)], x * 0.5))


def gradient_1d(x):
    return weighted(np.gradient(x))


def gradient_spacing(x):
    return weighted(np.gradient(x ** 2, 0.5, edge_order=2))


def gradient_coordinates(x):
    return weighted(np.gradient(x, np.array([0.0, 0.5, 1.5, 2.0]), edge_order=2))


def gradient_2d(x):
    parts = np.gradient(np.outer(x, x), 1.0, 2.0)
    return weighted(parts[0]) + weighted(parts[1] ** 2)


def linspace_ends(x):
    return weighted(np.linspace(x[0], x[1], 5))


def linspace_arrays(x):
    samples, step = np.linspace(x, x ** 2, 4, endpoint=False, retstep=True, axis=-1)
    return weighted(samples) + weighted(step)


def rot90_k(x):
    return weighted(np.rot90(np.outer(x, x[:2]), 3))


def rollaxis_start(x):
    return weighted(np.rollaxis(np.reshape(x, (1, 2, 2)), 2, 1))


def partition_kth(x):
    return weighted(np.partition(x, 2) * np.arange(4.0))


def argpartition_index(x):
    return weighted(x[np.argpartition(x, 1)][:2])


def hsplit_parts(x):
    left, right = np.hsplit(np.outer(x, x), [1])
    return weighted(left) + weighted(right ** 2)


def vsplit_parts(x):
    top, bottom = np.vsplit(np.outer(x, x), 2)
    return weighted(top) - weighted(bottom)


def dsplit_parts(x):
    a, b = np.dsplit(np.reshape(np.outer(x, x), (2, 2, 4)), [3])
    return weighted(a) + weighted(b * 2.0)


def row_stack_rows(x):
    return weighted(np.row_stack([x, x ** 2]))


def fftshift_both(x):
    return weighted(np.fft.ifftshift(np.fft.fftshift(x * np.arange(4.0))[::-1]))


def real_imag_arrays(x):
    z = np.exp(1j * x)
    return weighted(np.real(z) + np.imag(z) ** 2)


@pytest.mark.parametrize("fn", [
    append_flat, append_axis, diff_plain, diff_twice_ends, diff_axis, cross_3, cross_axes,
    select_choices, gradient_1d, gradient_spacing, gradient_coordinates, gradient_2d,
    linspace_ends, linspace_arrays, rot90_k, rollaxis_start, partition_kth,
    argpartition_index, hsplit_parts, vsplit_parts, dsplit_parts, fftshift_both,
    real_imag_arrays])
def test_new_rules(fn):
    check_both_modes(fn, rand(3) if fn in (cross_3, cross_axes) else rand(4))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_row_stack():
    if not hasattr(np, "row_stack"):
        pytest.skip("NumPy has no np.row_stack")
    check_grad(row_stack_rows, rand(3), forward=False)


def gradient_in_spacing(x, h):
    return np.sum(np.gradient(x, h))


def cross_of_2_vectors(x):
    return np.sum(np.cross(np.r_[x, 0.0][:2], x))


def test_refused_derivatives():
    with pytest.raises(srcad.RuleError, match="gives no derivative"):
        srcad.grad(gradient_in_spacing, wrt=(0, 1))(rand(4), 0.5)
    with pytest.raises(srcad.RuleError, match="gives no derivative"):
        srcad.jvp(gradient_in_spacing, (rand(4), 0.5), (rand(4), 1.0))
    with pytest.raises(srcad.SrcadError, match="3-vectors"):
        srcad.grad(cross_of_2_vectors)(rand(2))


# ============================================================================ scipy.stats

def norm_all(x, loc, scale):
    return sum(weighted(f(x, loc, scale)) for f in (
        st.norm.pdf, st.norm.logpdf, st.norm.cdf, st.norm.logcdf, st.norm.sf, st.norm.logsf))


def t_all(x, df, loc, scale):
    return weighted(st.t.pdf(x, df, loc, scale)) + weighted(st.t.logpdf(x, df, loc, scale))


def t_distribution(x, loc, scale):
    return sum(weighted(f(x, 4.5, loc, scale)) for f in (
        st.t.cdf, st.t.logcdf, st.t.sf, st.t.logsf))


def gamma_all(x, a, scale):
    return sum(weighted(f(x, a, 0.1, scale)) for f in (
        st.gamma.pdf, st.gamma.logpdf, st.gamma.cdf, st.gamma.logcdf, st.gamma.sf,
        st.gamma.logsf))


def beta_all(x, a, b):
    return sum(weighted(f(x, a, b)) for f in (
        st.beta.pdf, st.beta.logpdf, st.beta.cdf, st.beta.logcdf, st.beta.sf, st.beta.logsf))


K = np.array([0, 1, 3, 6])


def poisson_all(mu):
    return sum(weighted(f(K, mu)) for f in (
        st.poisson.pmf, st.poisson.logpmf, st.poisson.cdf, st.poisson.logcdf, st.poisson.sf,
        st.poisson.logsf))


@pytest.mark.parametrize("fn, args, wrt", [
    (norm_all, (rand(4), rand(4, low=-0.3, high=0.3), rand(4, low=0.6, high=2.0)), (0, 1, 2)),
    (t_all, (rand(4), rand(4, low=2.1, high=6.0), 0.2, 1.3), (0, 1, 2, 3)),
    (t_distribution, (rand(4), rand(4, low=-0.3, high=0.3), 1.4), (0, 1, 2)),
    (gamma_all, (rand(4, low=0.4, high=3.0), rand(4, low=0.6, high=3.0), 1.3), (0, 1, 2)),
    (beta_all, (rand(4, low=0.1, high=0.9), rand(4, low=0.6, high=3.0), 1.7), (0, 1, 2)),
    (poisson_all, (rand(4, low=0.5, high=4.0),), 0)])
def test_scipy_stats(fn, args, wrt):
    check_grad(fn, *args, wrt=wrt)


@pytest.mark.parametrize("fn, args", [
    (norm_all, (rand(3), 0.1, 1.3)), (t_all, (rand(3), 3.5, 0.1, 1.2)),
    (gamma_all, (rand(3, low=0.4, high=3.0), 1.7, 1.1))])
def test_scipy_stats_second_order(fn, args):
    def of_x(x):
        return fn(x, *args[1:])
    x = args[0]
    np.testing.assert_allclose(srcad.hessian(of_x)(x), numerical_hessian(of_x, x),
                               rtol=1e-4, atol=1e-5)


def t_cdf_in_df(x, df):
    return np.sum(st.t.cdf(x, df))


def poisson_in_k(k, mu):
    return np.sum(st.poisson.pmf(k, mu))


def test_scipy_stats_refusals():
    with pytest.raises(srcad.RuleError, match="'df'"):
        srcad.grad(t_cdf_in_df, wrt=(0, 1))(rand(3), 3.0)
    with pytest.raises(srcad.RuleError, match="'df'"):
        srcad.jvp(t_cdf_in_df, (rand(3), 3.0), (rand(3), 1.0))
    # poisson's k is piecewise constant: no derivative, and none is refused
    assert srcad.grad(poisson_in_k)(np.array([1.0, 2.0]), 1.5).tolist() == [0.0, 0.0]


COV = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.1], [-0.2, 0.1, 1.0]])


def mvn_logpdf(x, mean, cov):
    return weighted(st.multivariate_normal.logpdf(x, mean, cov))


def mvn_pdf(x, mean, cov):
    return weighted(st.multivariate_normal.pdf(x, mean, cov))


@pytest.mark.parametrize("fn", [mvn_logpdf, mvn_pdf])
@pytest.mark.parametrize("x, mean, cov", [
    (rand(3), rand(3), COV), (rand(5, 3), rand(3), COV + np.tril(rand(3, 3, low=0, high=0.1))),
    (rand(3), rand(3), rand(3, low=0.5, high=2.0)), (rand(4), 0.3, 1.7)])
def test_multivariate_normal(fn, x, mean, cov):
    check_grad(fn, x, mean, cov, wrt=(0, 1, 2))


def mvn_singular(x):
    return st.multivariate_normal.logpdf(x, np.zeros(2), np.zeros((2, 2)), allow_singular=True)


def test_multivariate_normal_singular_is_refused():
    with pytest.raises(NotImplementedError, match="singular"):
        srcad.grad(mvn_singular)(rand(2))


def test_stats_rules_registered_only_after_import():
    """srcad does not import scipy.stats (seconds): the rules come with the user's import."""
    code = ("import sys, srcad; from srcad.rules import registry; "
            "assert 'scipy.stats' not in sys.modules; import scipy.stats; "
            "assert registry.lookup(scipy.stats.norm.pdf) is not None")
    subprocess.run([sys.executable, "-c", code], check=True)
