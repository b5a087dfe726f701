"""Derivatives of `np.fft` (srcad/rules/numpy_fft.py, srcad/runtime/fft.py).

Part 1 checks the adjoint helpers directly, on real and complex inputs: the
dot-product identity ``Re <dw, A dz> == Re <A^H dw, dz>`` and central finite
differences of a real loss. Part 2 differentiates real functions of real inputs
end to end through the compiler (reverse and forward mode). Part 3 checks the
registrations themselves.
"""

import warnings
import zlib

import numpy as np
import pytest
from gradcheck import check_grad, numerical_grad, numerical_jvp

import srcad
from srcad.rules import registry
from srcad.runtime import fft as F

NORMS = (None, "backward", "ortho", "forward")


def rng_for(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def random(rng, shape, complex_=False):
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if complex_ else x


# ============================================================================ part 1: helpers
# Each case: a label, the transform z -> A z, its adjoint helper (g, a) -> A^H g, the
# input shape, and whether the input may be complex (rfft and friends need real input).


def one_axis_cases():
    cases = []
    shapes = [((5,), -1), ((6,), 0), ((3, 4), 0), ((4, 5), -1), ((2, 3, 5), 1)]
    for norm in NORMS:
        for shape, axis in shapes:
            for n in (None, 3, 4, 8, 9):
                kw = dict(n=n, axis=axis, norm=norm)
                label = f"{shape}-n{n}-axis{axis}-{norm}"
                cases += [
                    ("fft-" + label, lambda z, kw=kw: np.fft.fft(z, **kw),
                     lambda g, a, kw=kw: F.fft_adjoint(g, a, kw["axis"], kw["norm"]),
                     shape, True),
                    ("ifft-" + label, lambda z, kw=kw: np.fft.ifft(z, **kw),
                     lambda g, a, kw=kw: F.ifft_adjoint(g, a, kw["axis"], kw["norm"]),
                     shape, True),
                    ("rfft-" + label, lambda z, kw=kw: np.fft.rfft(z, **kw),
                     lambda g, a, kw=kw: F.rfft_adjoint(g, a, **kw), shape, False),
                    ("irfft-" + label, lambda z, kw=kw: np.fft.irfft(z, **kw),
                     lambda g, a, kw=kw: F.irfft_adjoint(g, a, **kw), shape, True),
                    ("hfft-" + label, lambda z, kw=kw: np.fft.hfft(z, **kw),
                     lambda g, a, kw=kw: F.hfft_adjoint(g, a, **kw), shape, True),
                    ("ihfft-" + label, lambda z, kw=kw: np.fft.ihfft(z, **kw),
                     lambda g, a, kw=kw: F.ihfft_adjoint(g, a, **kw), shape, False),
                ]
    return cases


N_AXES_OPTIONS = [
    ((3, 4), None, None), ((4, 5), (3, 7), (0, 1)), ((3, 4), (5, 2), (1, 0)),
    ((3, 5), None, (1,)), ((3, 4), (6,), (0,)), ((2, 3, 4), None, (0, 2)),
    ((2, 3, 4), (3, 3), (-1, 1)), ((5,), None, None), ((6,), (4,), (0,)),
]


def n_axes_cases():
    cases = []
    transforms = [
        ("fftn", np.fft.fftn, F.fftn_adjoint, True),
        ("ifftn", np.fft.ifftn, F.ifftn_adjoint, True),
        ("rfftn", np.fft.rfftn, F.rfftn_adjoint, False),
        ("irfftn", np.fft.irfftn, F.irfftn_adjoint, True),
    ]
    for norm in NORMS:
        for shape, s, axes in N_AXES_OPTIONS:
            for name, primal, helper, complex_ok in transforms:
                kw = dict(s=s, axes=axes, norm=norm)
                cases.append((f"{name}-{shape}-s{s}-axes{axes}-{norm}",
                              lambda z, primal=primal, kw=kw: primal(z, **kw),
                              lambda g, a, helper=helper, kw=kw: helper(g, a, **kw),
                              shape, complex_ok))
    # the two-dimensional forms go through the same helpers with axes=(-2, -1)
    for name, primal, helper, complex_ok in [
            ("fft2", np.fft.fft2, F.fftn_adjoint, True),
            ("ifft2", np.fft.ifft2, F.ifftn_adjoint, True),
            ("rfft2", np.fft.rfft2, F.rfftn_adjoint, False),
            ("irfft2", np.fft.irfft2, F.irfftn_adjoint, True)]:
        for s in (None, (2, 6), (5, 3)):
            cases.append((f"{name}-s{s}", lambda z, primal=primal, s=s: primal(z, s),
                          lambda g, a, helper=helper, s=s: helper(g, a, s, (-2, -1)),
                          (2, 3, 4), complex_ok))
    return cases


HELPER_CASES = one_axis_cases() + n_axes_cases()
INPUT_KINDS = [False, True]  # real, complex


def helper_params():
    return [pytest.param(case, complex_, id=f"{case[0]}-{'complex' if complex_ else 'real'}")
            for case in HELPER_CASES for complex_ in INPUT_KINDS
            if case[4] or not complex_]


def output_adjoint(rng, y):
    """A random adjoint for `y`: complex for a complex output, real for a real one."""
    return random(rng, np.shape(y), np.iscomplexobj(y))


@pytest.mark.parametrize("case, complex_", helper_params())
def test_helper_dot_product_identity(case, complex_):
    label, forward, helper, shape, _ = case
    rng = rng_for("dot", label, complex_)
    a = random(rng, shape, complex_)
    dz = random(rng, shape, complex_)
    dw = output_adjoint(rng, forward(a))
    got = helper(dw, a)
    assert got.shape == a.shape
    assert np.iscomplexobj(got) == complex_, "a real input must get a real adjoint"
    lhs = np.real(np.vdot(dw, forward(dz)))
    rhs = np.real(np.vdot(got, dz))
    assert np.isclose(lhs, rhs, rtol=1e-10, atol=1e-10), (lhs, rhs)


@pytest.mark.parametrize("case, complex_", helper_params())
def test_helper_matches_finite_differences(case, complex_):
    """L(a) = sum(Re(c1 * y) + Im(c2 * y)) with y = A a has dL/dy = conj(c1) + 1j conj(c2)
    (the real part of that for a real y)."""
    label, forward, helper, shape, _ = case
    rng = rng_for("fd", label, complex_)
    a = random(rng, shape, complex_)
    y = forward(a)
    c1, c2 = random(rng, y.shape, True), random(rng, y.shape, True)

    def loss(z):
        w = forward(z)
        return float(np.sum(np.real(c1 * w) + np.imag(c2 * w)))

    dy = np.conj(c1) + 1j * np.conj(c2)
    if not np.iscomplexobj(y):
        dy = np.real(dy)
    np.testing.assert_allclose(helper(dy, a), numerical_grad(loss, [a], 0), rtol=1e-6, atol=1e-7)


def test_dual_norm():
    assert F.dual_norm(None) == "forward"
    assert F.dual_norm("backward") == "forward"
    assert F.dual_norm("forward") == "backward"
    assert F.dual_norm("ortho") == "ortho"
    with pytest.raises(ValueError):
        F.dual_norm("both")


def test_fit_pads_and_truncates():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(F.fit(a, [2], [1]), [[0, 1], [3, 4]])
    np.testing.assert_array_equal(F.fit(a, [4, 2], [1, 0]), [[0, 1, 2, 0], [3, 4, 5, 0]])
    assert F.fit(a, [3], [-1]) is a


@pytest.mark.parametrize("shape, s, axes", N_AXES_OPTIONS)
def test_fft_axes_as_numpy_picks_them(shape, s, axes):
    a = np.ones(shape)
    chosen = F.fft_axes(a, s, axes)
    lengths = [shape[ax] for ax in chosen] if s is None else list(s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = np.fft.fftn(a, s, axes)
    assert np.fft.fftn(a, lengths, chosen).shape == expected.shape


# ============================================================================ part 2: compiler


def rand(*shape, seed=0):
    return np.random.default_rng(seed + 31 * len(shape)).uniform(-1.0, 1.0, size=shape)


def power(z):
    """Sum of |z|^2."""
    return np.sum(np.abs(z) ** 2)


def f_rfft_power(x):
    X = np.fft.rfft(x)
    return np.sum(np.abs(X) ** 2)


def f_fft_real_imag(x):
    X = np.fft.fft(x)
    return np.sum(np.real(X) * x) + np.sum(np.imag(X) ** 2)


def f_fft_attributes(x):
    X = np.fft.fft(x, 8)
    return np.sum(X.real ** 3) - np.sum(X.imag * X.real)


def f_fft_complex_weights(x):
    w = np.exp(1j * np.arange(x.shape[-1]))
    X = np.fft.fft(x, norm="ortho")
    return np.sum(np.real(X * w) ** 2)


def f_ifft_truncated(x):
    return power(np.fft.ifft(x, 4, norm="forward")) + np.sum(np.fft.ifft(x).real * x)


def f_lowpass(x):
    X = np.fft.rfft(x)
    keep = np.arange(X.shape[0]) < 3
    y = np.fft.irfft(X * keep, x.shape[0])
    return np.sum(y ** 3)


def f_irfft_odd(x):
    return np.sum(np.fft.irfft(np.fft.rfft(x * x), 7) ** 2)


def f_axis0(x):
    X = np.fft.fft(x, 5, axis=0, norm="ortho")
    return power(X * np.arange(1.0, 4.0))


def f_fft2(x):
    X = np.fft.fft2(x, norm="forward")
    return power(X) + np.sum(np.fft.ifft2(X * X).real)


def f_fftn_s(x):
    return power(np.fft.fftn(x, (4, 2), (0, 1))) + power(np.fft.ifftn(x * x, axes=(1,)))


def f_rfftn(x):
    X = np.fft.rfftn(x, axes=(1, 0), norm="ortho")
    return np.sum(np.fft.irfftn(X * X, x.shape[::-1], (1, 0)) ** 2)


def f_rfft2(x):
    X = np.fft.rfft2(x, (3, 6))
    return power(X) + np.sum(np.fft.irfft2(X, (3, 6)) * np.fft.irfft2(X, (3, 6)))


def f_shift(x):
    spectrum = np.abs(np.fft.fftshift(np.fft.fft(x))) ** 2
    return np.sum(spectrum * np.arange(x.shape[0])) + np.sum(np.fft.ifftshift(x) * x[::-1])


def f_shift_2d(x):
    return np.sum(np.fft.fftshift(x, axes=0) * np.fft.ifftshift(x * x))


def f_frequencies(x):
    X = np.fft.rfft(x)
    return np.sum(np.fft.rfftfreq(x.shape[0], 0.5) * np.abs(X) ** 2)


def f_hermitian(x):
    return np.sum(np.fft.hfft(np.fft.ihfft(x) * 2.0, 8) ** 2)


def f_complex_signal(x, y):
    return power(np.fft.fft(x + 1j * y, norm="ortho") * np.arange(1.0, 7.0))


ONE_D = [f_rfft_power, f_fft_real_imag, f_fft_attributes, f_fft_complex_weights,
         f_ifft_truncated, f_lowpass, f_irfft_odd, f_shift, f_frequencies, f_hermitian]
TWO_D = [f_axis0, f_fft2, f_fftn_s, f_rfftn, f_rfft2, f_shift_2d]


@pytest.mark.parametrize("f", ONE_D, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n", [6, 7])
def test_grad_1d(f, n):
    check_grad(f, rand(n))


@pytest.mark.parametrize("f", TWO_D, ids=lambda f: f.__name__)
def test_grad_2d(f):
    check_grad(f, rand(4, 3))


def test_grad_of_a_complex_intermediate():
    check_grad(f_complex_signal, rand(6), rand(6, seed=1), wrt=(0, 1))


@pytest.mark.parametrize("f", [f_rfft_power, f_lowpass, f_fft2], ids=lambda f: f.__name__)
def test_jvp_matches_finite_differences(f):
    x = rand(4, 6) if f is f_fft2 else rand(6)
    v = np.random.default_rng(5).standard_normal(x.shape)
    value, tangent = srcad.jvp(f, [x], [v])
    assert np.isclose(value, f(x))
    expected = numerical_jvp(f, [x], [v])
    assert np.isclose(tangent, expected, rtol=1e-6, atol=1e-8)


def test_grad_matches_parseval():
    """sum |fft(x)|^2 == n * sum x^2, so the gradient is 2 n x."""
    x = rand(7)

    def f(x):
        return np.sum(np.abs(np.fft.fft(x)) ** 2)

    np.testing.assert_allclose(srcad.grad(f)(x), 2 * 7 * x, rtol=1e-10)
    np.testing.assert_allclose(numerical_grad(f, [x], 0), 2 * 7 * x, rtol=1e-6)


def f_second_order(x):
    X = np.fft.rfft(np.sin(x), 8, norm="ortho")
    return np.sum(np.abs(X) ** 2 * np.arange(5.0)) + f_rfft2(x * x[::-1])


def test_hvp_through_the_adjoint_helpers():
    """Forward over reverse differentiates the helpers of srcad/runtime/fft.py."""
    x = rand(4, 3)
    v = np.random.default_rng(8).standard_normal(x.shape)
    grad = srcad.grad(f_second_order)
    expected = numerical_jvp(grad, [x], [v], eps=1e-5)
    np.testing.assert_allclose(srcad.hvp(f_second_order)(x, v), expected, rtol=1e-5, atol=1e-6)


BASE = np.random.default_rng(9).uniform(-1.0, 1.0, (3, 4))


def f_scalar_path(t):
    x = np.sin(t * BASE)
    X = np.fft.fft2(x, (3, 5), norm="ortho")
    y = np.fft.irfftn(np.fft.rfftn(x * x, axes=(1, 0)), x.shape[::-1], (1, 0))
    z = np.fft.hfft(np.fft.ihfft(x[0]), 6) + np.fft.ifft(x[1], 3).imag.sum()
    return np.sum(np.abs(np.fft.fftshift(X)) ** 2) + np.sum(y ** 2) + np.sum(z ** 2)


def test_grad_of_grad_through_the_adjoint_helpers():
    """Reverse over reverse: the helpers' own adjoints are the transforms again."""
    t, e = 0.7, 1e-4
    expected = (f_scalar_path(t + e) - 2 * f_scalar_path(t) + f_scalar_path(t - e)) / e ** 2
    got = srcad.grad(srcad.grad(f_scalar_path))(t)
    assert np.isclose(got, expected, rtol=1e-6)


# ============================================================================ part 3: registry

TRANSFORMS = [np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.irfft, np.fft.hfft, np.fft.ihfft,
              np.fft.fft2, np.fft.ifft2, np.fft.rfft2, np.fft.irfft2, np.fft.fftn,
              np.fft.ifftn, np.fft.rfftn, np.fft.irfftn]
REAL_OUTPUTS = {np.fft.irfft, np.fft.hfft, np.fft.irfft2, np.fft.irfftn}


@pytest.mark.parametrize("primal", TRANSFORMS + [np.fft.fftshift, np.fft.ifftshift],
                         ids=lambda p: p.__name__)
def test_registered_with_both_templates(primal):
    rule = registry.lookup(primal)
    assert rule is not None and rule.adjoint is not None and rule.tangent is not None
    assert not rule.nondifferentiable and rule.examples


@pytest.mark.parametrize("primal", TRANSFORMS, ids=lambda p: p.__name__)
def test_complex_declarations(primal):
    rule = registry.lookup(primal)
    assert rule.complex == "native"
    assert rule.output_dtype == ("real" if primal in REAL_OUTPUTS else "complex")


def test_shifts_are_linear_and_frequencies_constant():
    for primal in (np.fft.fftshift, np.fft.ifftshift):
        rule = registry.lookup(primal)
        assert rule.complex == "linear" and rule.output_dtype is None
    for primal in (np.fft.fftfreq, np.fft.rfftfreq):
        rule = registry.lookup(primal)
        assert rule.nondifferentiable and rule.output_dtype == "real"


@pytest.mark.parametrize("primal", TRANSFORMS, ids=lambda p: p.__name__)
def test_examples_cover_every_norm(primal):
    norms = set()
    for example in registry.lookup(primal).examples:
        positional = example.args[3] if len(example.args) > 3 else None
        norms.add(example.kwargs.get("norm", positional))
    assert norms >= set(NORMS)
