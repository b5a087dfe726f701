"""scipy.signal.lfilter (rules), filtfilt and hilbert (plain-NumPy definitions), resample
(linear rules) and np.lib.stride_tricks.sliding_window_view: gradients and Hessian-vector
products against finite differences in realistic uses, values equal SciPy's, unsupported
options refused by name."""

import subprocess
import sys

import numpy as np
import pytest
from gradcheck import check_grad, numerical_hessian
from numpy.lib.stride_tricks import sliding_window_view

import srcad

ss = pytest.importorskip("scipy.signal")

RNG = np.random.default_rng(11)
B = np.array([0.3, -0.2, 0.4])
A = np.array([1.3, 0.4, -0.2])      # a[0] != 1: SciPy normalizes
X = RNG.normal(size=24)
TARGET = RNG.normal(size=24)


def _hvp_agrees(f, args, wrt, rtol=1e-4, atol=1e-6):
    """srcad.hvp of f in argument `wrt` against differences of srcad's gradient."""
    v = RNG.normal(size=np.shape(args[wrt]))
    got = srcad.hvp(f, wrt=wrt)(*args, v)

    def along(z):
        return f(*args[:wrt], z, *args[wrt + 1:])

    hessian = numerical_hessian(along, args[wrt])
    n = np.size(args[wrt])
    expected = np.reshape(np.reshape(hessian, (n, n)) @ np.ravel(v), np.shape(v))
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol * scale)


# ----------------------------------------------------------------------------- lfilter


def filter_loss(b, a, x):
    y = ss.lfilter(b, a, x)
    return np.sum((y - TARGET) ** 2) + np.sum(np.sin(y[::3]))


def test_lfilter_gradients_in_coefficients_and_signal():
    check_grad(filter_loss, B, A, X, wrt=(0, 1, 2))


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_lfilter_second_order(wrt):
    _hvp_agrees(filter_loss, (B, A, X), wrt)


def smoothing_loss(alpha, x):
    # exponential smoothing, coefficients in lists built from the parameter
    y = ss.lfilter([1.0 - alpha], [1.0, -alpha], x)
    return np.sum((y - TARGET) ** 2)


def test_lfilter_with_coefficient_lists():
    check_grad(smoothing_loss, 0.7, X, wrt=(0, 1))
    hessian = srcad.hessian(smoothing_loss)(0.7, X)

    def along(alpha):
        return smoothing_loss(alpha, X)

    assert hessian == pytest.approx(float(numerical_hessian(along, 0.7)), rel=1e-5)


def axis_loss(b, x):
    return np.sum(ss.lfilter(b, [1.0, -0.5], x, axis=0) ** 2) + \
        np.sum(np.cos(ss.lfilter(b, A, x)))


def test_lfilter_along_an_axis():
    x = RNG.normal(size=(9, 4))
    check_grad(axis_loss, B, x, wrt=(0, 1))
    _hvp_agrees(axis_loss, (B, x), 1)


def short_loss(b, a, x):
    return np.sum(ss.lfilter(b, a, x) ** 2)


def test_lfilter_with_more_taps_than_samples():
    check_grad(short_loss, RNG.normal(size=6), A[:2], RNG.normal(size=4), wrt=(0, 1, 2))


def complex_loss(b, a, x):
    y = ss.lfilter(b, a, x)
    return np.sum(np.abs(y) ** 2) + np.sum(np.real(y * np.conj(y[::-1])))


def test_lfilter_complex_coefficients_and_signal():
    b = B + 0.3j * RNG.normal(size=3)
    a = A + 0.1j * RNG.normal(size=3)
    x = X + 1j * RNG.normal(size=24)
    check_grad(complex_loss, b, a, x, wrt=(0, 1, 2))
    check_grad(complex_loss, B, a, X, wrt=(0, 2))  # real inputs, complex output


def test_lfilter_adjoint_of_a_long_signal_is_the_transposed_filter():
    b, a = ss.butter(4, 0.15)
    x = RNG.normal(size=400)
    g = RNG.normal(size=400)

    def weighted(x):
        return np.sum(ss.lfilter(b, a, x) * g)

    jacobian = ss.lfilter(b, a, np.eye(400), axis=0)  # column j: response to e_j
    np.testing.assert_allclose(srcad.grad(weighted)(x), jacobian.T @ g, atol=1e-10)


def test_lfilter_zi_is_refused_by_name():
    def with_state(x):
        y, _ = ss.lfilter(B, A, x, zi=np.zeros(2))
        return np.sum(y)

    with pytest.raises(srcad.SrcadError, match="zi"):
        srcad.grad(with_state)(X)


# ----------------------------------------------------------------------------- filtfilt


def zero_phase_loss(b, a, x):
    return np.sum((ss.filtfilt(b, a, x) - TARGET) ** 2) + \
        np.sum(ss.filtfilt(b, a, x, padtype="even", padlen=4) ** 3) + \
        np.sum(ss.filtfilt(b, a, x, padtype="constant")) + \
        np.sum(np.tanh(ss.filtfilt(b, a, x, padtype=None)))


def test_filtfilt_values_equal_scipy():
    for options in ({}, {"padtype": "even"}, {"padtype": "constant"}, {"padtype": None},
                    {"padlen": 5}):
        def f(x):
            return np.sum(ss.filtfilt(B, A, x, **options) * TARGET)

        value, _ = srcad.value_and_grad(f)(X)
        assert value == pytest.approx(float(np.sum(ss.filtfilt(B, A, X, **options) * TARGET)),
                                      rel=1e-12)


def test_filtfilt_gradients():
    check_grad(zero_phase_loss, B, A, X, wrt=(0, 1, 2))


@pytest.mark.parametrize("wrt", [0, 2])
def test_filtfilt_second_order(wrt):
    _hvp_agrees(zero_phase_loss, (B, A, X), wrt)


def filtfilt_axis_loss(x):
    return np.sum(ss.filtfilt([0.5, 0.5], [1.0, -0.2], x, axis=0) ** 2)


def test_filtfilt_along_an_axis():
    check_grad(filtfilt_axis_loss, RNG.normal(size=(20, 3)))


def test_filtfilt_gust_is_refused_by_name():
    def gust(x):
        return np.sum(ss.filtfilt(B, A, x, method="gust"))

    with pytest.raises(srcad.SrcadError, match="method"):
        srcad.grad(gust)(X)


# ----------------------------------------------------------------------------- hilbert


def envelope_loss(x):
    analytic = ss.hilbert(x)
    envelope = np.abs(analytic)
    return np.sum((envelope - 1.0) ** 2) + np.sum(np.cos(np.angle(analytic[3:8])))


def test_hilbert_envelope_gradient_and_second_order():
    x = np.cos(np.linspace(0.0, 6.0, 23)) + 0.1 * RNG.normal(size=23)
    check_grad(envelope_loss, x)
    _hvp_agrees(envelope_loss, (x,), 0)


def padded_hilbert_loss(x):
    return np.sum(np.abs(ss.hilbert(x, 12, axis=0)) ** 2) + \
        np.sum(np.imag(ss.hilbert(x, axis=-1)) ** 2)


def test_hilbert_with_length_and_axis():
    x = RNG.normal(size=(9, 4))
    check_grad(padded_hilbert_loss, x)
    value, _ = srcad.value_and_grad(padded_hilbert_loss)(x)
    assert value == pytest.approx(padded_hilbert_loss(x), rel=1e-12)


# ----------------------------------------------------------------------------- resample


def resample_loss(x):
    up = ss.resample(x, 37)
    down = ss.resample(x, 10)
    return np.sum(up ** 3) + np.sum(np.cos(down)) + np.sum(ss.resample(x, 11) * np.arange(11.0))


def test_resample_gradient_and_second_order():
    check_grad(resample_loss, X)
    _hvp_agrees(resample_loss, (X,), 0)


def complex_resample_loss(x):
    z = ss.resample(x * (1.0 + 0.5j), 16)
    return np.sum(np.abs(z) ** 2 * np.arange(16.0)) + np.sum(np.real(ss.resample(z, 33)) ** 3)


def test_resample_of_complex_signals():
    check_grad(complex_resample_loss, X[:15])
    _hvp_agrees(complex_resample_loss, (X[:15],), 0)


def resample_axis_loss(x):
    return np.sum(ss.resample(x, 7, axis=1) ** 2) + np.sum(ss.resample(x, 12) ** 2)


def test_resample_along_an_axis():
    check_grad(resample_axis_loss, RNG.normal(size=(6, 5)))


def test_resample_window_and_t_are_refused_by_name():
    def windowed(x):
        return np.sum(ss.resample(x, 10, window="hann"))

    def with_times(x):
        y, t = ss.resample(x, 10, np.arange(24.0))
        return np.sum(y)

    with pytest.raises(srcad.SrcadError, match="window"):
        srcad.grad(windowed)(X)
    with pytest.raises(srcad.SrcadError, match="'t'"):
        srcad.grad(with_times)(X)


# ----------------------------------------------------------------------------- windows


def pooling_loss(x):
    windows = sliding_window_view(x, 3)
    peaks = np.max(windows, axis=-1)
    means = np.mean(np.lib.stride_tricks.sliding_window_view(x * x, 4), axis=1)
    return np.sum(peaks ** 2) + np.sum(np.tanh(means))


def test_sliding_window_view_pooling():
    x = RNG.normal(size=15)
    check_grad(pooling_loss, x)
    _hvp_agrees(pooling_loss, (x,), 0)


def correlation_loss(image, kernel):
    patches = sliding_window_view(image, (3, 3))
    return np.sum(np.einsum("ijkl,kl->ij", patches, kernel) ** 2) + \
        np.sum(sliding_window_view(image, 2, axis=0)[::2] ** 3)


def test_sliding_window_view_two_dimensional():
    image = RNG.normal(size=(5, 6))
    kernel = RNG.normal(size=(3, 3))
    check_grad(correlation_loss, image, kernel, wrt=(0, 1))
    _hvp_agrees(correlation_loss, (image, kernel), 0)


def complex_window_loss(z):
    return np.sum(np.abs(np.sum(sliding_window_view(z, 4), axis=-1)) ** 2)


def test_sliding_window_view_complex():
    check_grad(complex_window_loss, RNG.normal(size=9) + 1j * RNG.normal(size=9))


def test_sliding_window_view_writeable_is_refused_by_name():
    def writeable(x):
        return np.sum(sliding_window_view(x, 3, writeable=True))

    with pytest.raises(srcad.SrcadError, match="writeable"):
        srcad.grad(writeable)(X)


# ----------------------------------------------------------------------------- importing


def test_importing_srcad_imports_no_scipy_submodule_of_these_rules():
    code = ("import sys, srcad; "
            "print([m for m in ('scipy.signal', 'scipy.stats', 'scipy.spatial', "
            "'scipy.optimize') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_convolve_of_numbers_at_second_order():
    # The adjoint placed numbers in the full output with np.pad and no widths (a TypeError
    # in the Hessian-vector product).
    def f(x):
        return np.sum(ss.convolve(x[0] * 2.0, x[1] + 1.0))

    x = np.array([0.3, 0.5])
    np.testing.assert_allclose(srcad.grad(f)(x), [2.0 * 1.5, 0.6])
    np.testing.assert_allclose(srcad.hvp(f)(x, np.array([1.0, 0.0])), [0.0, 2.0])
