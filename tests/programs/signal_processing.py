"""Signal-processing programs for the srcad corpus.

Losses written the way a DSP engineer writes them: direct-form FIR and IIR filters as
sample loops with delay lines, ``np.convolve`` and ``scipy.signal.lfilter``, FFT power
spectra with windows (``np.fft.rfft``), autocorrelation, regularized deconvolution, a
Wiener filter, a matched filter, fractional delays with ``np.interp``, FFT resampling,
the envelope from the analytic signal, a total-variation denoising objective,
integration with ``np.cumsum`` and a Goertzel detector.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.signal
from corpus import Program

# ---------------------------------------------------------------------------
# FIR filter, direct form, explicit sample loop: least-squares equalizer taps
# ---------------------------------------------------------------------------

def fir_filter(h, x):
    y = np.zeros(len(x))
    for n in range(len(x)):
        acc = 0.0
        for k in range(len(h)):
            if n - k >= 0:
                acc += h[k] * x[n - k]
        y[n] = acc
    return y


def fir_equalizer(h, x, desired):
    y = fir_filter(h, x)
    err = y - desired
    return np.mean(err ** 2) + 1e-3 * np.sum(h ** 2)


def fir_args(rng):
    x = rng.standard_normal(40)
    channel = np.array([1.0, 0.5, -0.2])
    desired = np.convolve(x, channel)[:40]
    return rng.standard_normal(6) * 0.3, x, desired


# ---------------------------------------------------------------------------
# Biquad (direct form I) with a delay line, coefficients in a dict
# ---------------------------------------------------------------------------

def biquad(coeffs, x):
    b0, b1, b2 = coeffs["b"]
    a1, a2 = coeffs["a"]
    x1 = x2 = y1 = y2 = 0.0
    out = []
    for xn in x:
        yn = b0 * xn + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2, x1 = x1, xn
        y2, y1 = y1, yn
        out.append(yn)
    return np.array(out)


def biquad_fit(coeffs, x, target):
    y = biquad(coeffs, x)
    return np.sum((y - target) ** 2) / len(x)


def biquad_args(rng):
    x = rng.standard_normal(50)
    target = scipy.signal.lfilter([0.2, 0.4, 0.2], [1.0, -0.5, 0.2], x)
    coeffs = {"b": np.array([0.25, 0.35, 0.15]), "a": np.array([-0.45, 0.15])}
    return coeffs, x, target


# ---------------------------------------------------------------------------
# One-pole smoother through scipy.signal.lfilter
# ---------------------------------------------------------------------------

def smoother_loss(alpha, x, reference):
    b = [1.0 - alpha]
    a = [1.0, -alpha]
    y = scipy.signal.lfilter(b, a, x)
    return np.mean((y - reference) ** 2)


def smoother_args(rng):
    t = np.linspace(0, 1, 60)
    reference = np.sin(2 * np.pi * 2 * t)
    x = reference + 0.3 * rng.standard_normal(60)
    return 0.6, x, reference


# ---------------------------------------------------------------------------
# FIR design by frequency sampling: match an ideal low-pass magnitude response
# ---------------------------------------------------------------------------

def freq_response(taps, nfft=128):
    padded = np.zeros(nfft)
    padded[:len(taps)] = taps
    return np.fft.rfft(padded)


def lowpass_design(taps, cutoff=0.2, nfft=128):
    H = freq_response(taps, nfft)
    f = np.fft.rfftfreq(nfft)
    ideal = (f <= cutoff).astype(float)
    weight = np.where(np.abs(f - cutoff) < 0.03, 0.0, 1.0)  # don't care band
    mag = np.abs(H)
    return np.sum(weight * (mag - ideal) ** 2) / nfft


def lowpass_args(rng):
    n = 15
    m = np.arange(n) - (n - 1) / 2
    taps = 0.4 * np.sinc(0.4 * m) * np.hamming(n) + 0.01 * rng.standard_normal(n)
    return (taps,)


# ---------------------------------------------------------------------------
# Windowed power spectrum: spectral leakage of a two-tone signal
# ---------------------------------------------------------------------------

def power_spectrum(x, window):
    xw = x * window
    X = np.fft.rfft(xw)
    return (X.real ** 2 + X.imag ** 2) / np.sum(window ** 2)


def leakage_loss(params, n=64, fs=1.0):
    amp1, amp2, f1, f2 = params
    t = np.arange(n) / fs
    x = amp1 * np.sin(2 * np.pi * f1 * t) + amp2 * np.cos(2 * np.pi * f2 * t)
    window = np.hanning(n)
    P = power_spectrum(x, window)
    freqs = np.fft.rfftfreq(n, d=1.0 / fs)
    in_band = (np.abs(freqs - 0.1) < 0.04) | (np.abs(freqs - 0.3) < 0.04)
    leak = np.sum(P[~in_band])
    total = np.sum(P)
    return leak / total + 0.01 * (amp1 - 1.0) ** 2


def leakage_args(rng):
    return (np.array([1.1, 0.5, 0.103, 0.29]) + 0.001 * rng.standard_normal(4),)


# ---------------------------------------------------------------------------
# Autocorrelation sidelobes of a phase code (radar waveform design)
# ---------------------------------------------------------------------------

def autocorr(x):
    n = len(x)
    r = np.zeros(n)
    for lag in range(n):
        r[lag] = np.sum(x[:n - lag] * x[lag:])
    return r


def phase_code_loss(phases):
    re = np.cos(phases)
    im = np.sin(phases)
    r_re = autocorr(re) + autocorr(im)
    # cross terms of the complex autocorrelation
    n = len(phases)
    r_im = np.array([np.sum(re[:n - k] * im[k:] - im[:n - k] * re[k:]) for k in range(n)])
    side = r_re[1:] ** 2 + r_im[1:] ** 2
    return np.sum(side) / r_re[0] ** 2


def phase_code_args(rng):
    return (rng.uniform(-math.pi, math.pi, 13),)


# ---------------------------------------------------------------------------
# Deconvolution with a smoothness penalty (np.convolve 'same', np.diff)
# ---------------------------------------------------------------------------

def deconv_objective(x, observed, kernel, lam=0.05):
    blurred = np.convolve(x, kernel, mode="same")
    data = 0.5 * np.sum((blurred - observed) ** 2)
    smooth = 0.5 * lam * np.sum(np.diff(x) ** 2)
    return data + smooth


def deconv_args(rng):
    kernel = np.exp(-0.5 * (np.arange(-3, 4) / 1.2) ** 2)
    kernel /= kernel.sum()
    truth = np.zeros(30)
    truth[8:14] = 1.0
    truth[20] = 2.0
    observed = np.convolve(truth, kernel, mode="same") + 0.02 * rng.standard_normal(30)
    return rng.standard_normal(30) * 0.1, observed, kernel


# ---------------------------------------------------------------------------
# Wiener deconvolution in the frequency domain; tune noise-to-signal and blur width
# ---------------------------------------------------------------------------

def gaussian_psf(width, n):
    k = np.arange(n)
    k = np.minimum(k, n - k)  # circular distance
    psf = np.exp(-0.5 * (k / width) ** 2)
    return psf / np.sum(psf)


def wiener_restore(y, psf, nsr):
    Y = np.fft.fft(y)
    K = np.fft.fft(psf)
    G = np.conj(K) / (np.abs(K) ** 2 + nsr)
    return np.real(np.fft.ifft(G * Y))


def wiener_loss(params, y, clean):
    width, log_nsr = params["width"], params["log_nsr"]
    psf = gaussian_psf(width, len(y))
    x_hat = wiener_restore(y, psf, np.exp(log_nsr))
    return np.mean((x_hat - clean) ** 2)


def wiener_args(rng):
    n = 48
    clean = np.zeros(n)
    clean[10:18] = 1.0
    clean[30] = 1.5
    psf = gaussian_psf(1.8, n)
    y = np.real(np.fft.ifft(np.fft.fft(clean) * np.fft.fft(psf))) + 0.01 * rng.standard_normal(n)
    return {"width": 1.5, "log_nsr": -4.0}, y, clean


# ---------------------------------------------------------------------------
# Matched filter: learn a template that peaks at known arrival times
# ---------------------------------------------------------------------------

def matched_filter(signal, template):
    t = template - np.mean(template)
    t = t / np.linalg.norm(t)
    return np.correlate(signal, t, mode="valid")


def detection_loss(template, signal, arrivals, temperature=0.2):
    score = matched_filter(signal, template)
    logits = score / temperature
    logits = logits - np.max(logits)
    log_p = logits - np.log(np.sum(np.exp(logits)))
    return -np.mean(log_p[arrivals])


def detection_args(rng):
    n, m = 80, 9
    pulse = np.sin(np.linspace(0, 2 * np.pi, m)) * np.hanning(m)
    signal = 0.3 * rng.standard_normal(n)
    arrivals = np.array([12, 47])
    for a in arrivals:
        signal[a:a + m] += pulse
    return pulse + 0.2 * rng.standard_normal(m), signal, arrivals


# ---------------------------------------------------------------------------
# Fractional-delay alignment with np.interp (time-delay estimation)
# ---------------------------------------------------------------------------

def delayed(x, t, delay):
    return np.interp(t - delay, t, x, left=0.0, right=0.0)


def alignment_loss(delays, gains, channels, reference, t):
    total = 0.0
    for c in range(channels.shape[0]):
        aligned = gains[c] * delayed(channels[c], t, -delays[c])
        total += np.sum((aligned - reference) ** 2)
    return total / channels.shape[0]


def alignment_args(rng):
    t = np.linspace(0.0, 1.0, 50)
    reference = np.exp(-((t - 0.5) / 0.1) ** 2)
    true_delays = np.array([0.05, -0.07, 0.11])
    channels = np.array([0.9 * np.exp(-((t - 0.5 - d) / 0.1) ** 2) for d in true_delays])
    channels += 0.01 * rng.standard_normal(channels.shape)
    # delays at generic points between samples (np.interp is piecewise linear)
    delays = np.array([0.0431, -0.0612, 0.0987])
    gains = np.array([1.05, 1.1, 0.95])
    return delays, gains, channels, reference, t


# ---------------------------------------------------------------------------
# FFT resampling (scipy.signal.resample) then comparison on a fine grid
# ---------------------------------------------------------------------------

def upsample_loss(coarse, fine_target, factor=3):
    fine = scipy.signal.resample(coarse, len(coarse) * factor)
    return np.sum((fine - fine_target) ** 2)


def upsample_args(rng):
    t_fine = np.arange(48) / 48
    fine_target = np.sin(2 * np.pi * 3 * t_fine) + 0.5 * np.cos(2 * np.pi * 5 * t_fine)
    coarse = fine_target[::3] + 0.05 * rng.standard_normal(16)
    return coarse, fine_target


# ---------------------------------------------------------------------------
# Zero-stuffing interpolator: upsample by inserting zeros then FIR smoothing
# ---------------------------------------------------------------------------

def zero_stuff(x, L):
    up = np.zeros(len(x) * L)
    up[::L] = x
    return up


def interpolator_loss(h, x, target, L=2):
    up = zero_stuff(x, L)
    y = L * np.convolve(up, h)[:len(up)]
    delay = (len(h) - 1) // 2
    return np.mean((y[delay:] - target[:len(y) - delay]) ** 2)


def interpolator_args(rng):
    t = np.arange(60) / 60
    target = np.sin(2 * np.pi * 2 * t)
    x = target[::2]
    h = np.array([0.05, 0.3, 0.5, 0.3, 0.05]) + 0.02 * rng.standard_normal(5)
    return h, x, target


# ---------------------------------------------------------------------------
# Envelope from the analytic signal (scipy.signal.hilbert): AM demodulation
# ---------------------------------------------------------------------------

def am_envelope_loss(mod, carrier_freq, n=64):
    t = np.arange(n) / n
    depth, mod_freq = mod[0], mod[1]
    message = 1.0 + depth * np.cos(2 * np.pi * mod_freq * t)
    x = message * np.cos(2 * np.pi * carrier_freq * t)
    env = np.abs(scipy.signal.hilbert(x))
    target = 1.0 + 0.5 * np.cos(2 * np.pi * 2.0 * t)
    return np.mean((env[8:-8] - target[8:-8]) ** 2)


def am_args(rng):
    return np.array([0.4, 2.0]) + 0.01 * rng.standard_normal(2), 16.0


# ---------------------------------------------------------------------------
# Envelope via the analytic signal built by hand with np.fft
# ---------------------------------------------------------------------------

def analytic_signal(x):
    n = len(x)
    X = np.fft.fft(x)
    h = np.zeros(n)
    h[0] = 1.0
    h[1:n // 2] = 2.0
    h[n // 2] = 1.0
    return np.fft.ifft(X * h)


def envelope_smoothness(x):
    env = np.abs(analytic_signal(x))
    return np.sum(np.diff(env) ** 2) + 0.1 * np.sum((env - 1.0) ** 2)


def envelope_args(rng):
    t = np.arange(32) / 32
    return (np.cos(2 * np.pi * 6 * t) * (1 + 0.3 * rng.standard_normal(32)),)


# ---------------------------------------------------------------------------
# Total-variation denoising objective (smoothed TV)
# ---------------------------------------------------------------------------

def tv_objective(x, y, lam=0.3, eps=1e-2):
    fidelity = 0.5 * np.sum((x - y) ** 2)
    dx = np.diff(x)
    tv = np.sum(np.sqrt(dx ** 2 + eps ** 2))
    return fidelity + lam * tv


def tv_args(rng):
    clean = np.repeat([0.0, 1.0, -0.5, 0.5], 10)
    y = clean + 0.1 * rng.standard_normal(40)
    return y + 0.05 * rng.standard_normal(40), y


# ---------------------------------------------------------------------------
# Inertial navigation: integrate accelerometer samples with cumsum, bias correction
# ---------------------------------------------------------------------------

def integrate_imu(accel, bias, scale, dt):
    a = (accel - bias) * scale
    vel = np.cumsum(a) * dt
    pos = np.cumsum(vel) * dt
    return vel, pos


def imu_loss(calib, accel, gps_pos, gps_idx, dt=0.1):
    bias, scale = calib["bias"], calib["scale"]
    vel, pos = integrate_imu(accel, bias, scale, dt)
    err = pos[gps_idx] - gps_pos
    return np.sum(err ** 2) + 0.1 * vel[-1] ** 2


def imu_args(rng):
    n = 50
    t = np.arange(n) * 0.1
    true_acc = np.sin(t)
    accel = true_acc / 1.02 + 0.05 + 0.01 * rng.standard_normal(n)
    pos = np.cumsum(np.cumsum(true_acc) * 0.1) * 0.1
    gps_idx = np.arange(4, n, 5)
    return {"bias": 0.0, "scale": 1.0}, accel, pos[gps_idx], gps_idx


# ---------------------------------------------------------------------------
# Goertzel detector (DTMF-style): recursive loop, power at one frequency
# ---------------------------------------------------------------------------

def goertzel_power(x, freq, fs):
    w = 2.0 * math.pi * freq / fs
    coeff = 2.0 * math.cos(w)
    s_prev = 0.0
    s_prev2 = 0.0
    for sample in x:
        s = sample + coeff * s_prev - s_prev2
        s_prev2 = s_prev
        s_prev = s
    return s_prev2 ** 2 + s_prev ** 2 - coeff * s_prev * s_prev2


def dtmf_loss(x, fs=8000.0):
    tones = [697.0, 1209.0]
    other = [770.0, 852.0, 1336.0, 1477.0]
    on = sum(goertzel_power(x, f, fs) for f in tones)
    off = sum(goertzel_power(x, f, fs) for f in other)
    return off / on + 1e-3 * np.sum(x ** 2)


def dtmf_args(rng):
    t = np.arange(40) / 8000.0
    x = np.sin(2 * np.pi * 697 * t) + np.sin(2 * np.pi * 1209 * t)
    return (x + 0.2 * rng.standard_normal(40),)


# ---------------------------------------------------------------------------
# IIR magnitude response in dB evaluated by hand on the unit circle
# ---------------------------------------------------------------------------

def iir_response(b, a, w):
    z_inv = np.exp(-1j * w)
    num = np.zeros(len(w), dtype=complex)
    den = np.zeros(len(w), dtype=complex)
    for k in range(len(b)):
        num += b[k] * z_inv ** k
    for k in range(len(a)):
        den += a[k] * z_inv ** k
    return num / den


def iir_spec_loss(b, a_tail, w, spec_db):
    a = np.concatenate(([1.0], a_tail))
    H = iir_response(b, a, w)
    mag_db = 20.0 * np.log10(np.abs(H) + 1e-9)
    excess = np.maximum(mag_db - spec_db, 0.0)
    return np.mean((mag_db - spec_db) ** 2) * 1e-3 + np.sum(excess ** 2)


def iir_spec_args(rng):
    w = np.linspace(0.01, np.pi - 0.01, 40)
    spec_db = np.where(w < 0.8, 0.0, -30.0)
    b = np.array([0.06, 0.12, 0.06]) + 0.005 * rng.standard_normal(3)
    a_tail = np.array([-1.2, 0.45])
    return b, a_tail, w, spec_db


# ---------------------------------------------------------------------------
# Overlap-add block convolution with rfft/irfft, output accumulated in slices
# ---------------------------------------------------------------------------

def overlap_add(x, h, block=16):
    m = len(h)
    nfft = 1
    while nfft < block + m - 1:
        nfft *= 2
    H = np.fft.rfft(h, nfft)
    out = np.zeros(len(x) + m - 1)
    for start in range(0, len(x), block):
        seg = x[start:start + block]
        y = np.fft.irfft(np.fft.rfft(seg, nfft) * H, nfft)
        stop = min(start + nfft, len(out))
        out[start:stop] += y[:stop - start]
    return out


def ola_loss(h, x, desired):
    y = overlap_add(x, h)
    return np.sum((y[:len(desired)] - desired) ** 2) / len(desired)


def ola_args(rng):
    x = rng.standard_normal(64)
    true_h = np.array([0.5, -0.3, 0.2, 0.1, -0.05])
    desired = np.convolve(x, true_h)[:64]
    return true_h + 0.1 * rng.standard_normal(5), x, desired


# ---------------------------------------------------------------------------
# Welch PSD estimate with sliding_window_view; fit an AR(1) spectrum
# ---------------------------------------------------------------------------

def welch_psd(x, nperseg=16, step=8):
    segs = np.lib.stride_tricks.sliding_window_view(x, nperseg)[::step]
    win = np.hanning(nperseg)
    segs = (segs - segs.mean(axis=1, keepdims=True)) * win
    spec = np.abs(np.fft.rfft(segs, axis=1)) ** 2
    return spec.mean(axis=0) / np.sum(win ** 2)


def ar1_psd(phi, sigma2, nperseg=16):
    w = 2 * np.pi * np.fft.rfftfreq(nperseg)
    return sigma2 / np.abs(1.0 - phi * np.exp(-1j * w)) ** 2


def welch_fit(x, theta):
    psd = welch_psd(x)
    model = ar1_psd(np.tanh(theta[0]), np.exp(theta[1]))
    # Whittle-style log-spectral distance
    return np.mean(psd / model + np.log(model))


def welch_args(rng):
    e = rng.standard_normal(56)
    x = np.zeros(56)
    for n in range(1, 56):
        x[n] = 0.7 * x[n - 1] + e[n]
    return x, np.array([0.6, 0.1])


# ---------------------------------------------------------------------------
# Running median filter (spike removal) followed by a smoothness penalty
# ---------------------------------------------------------------------------

def median_filter(x, k=2):
    n = len(x)
    out = np.empty(n)
    for i in range(n):
        lo = max(0, i - k)
        hi = min(n, i + k + 1)
        out[i] = np.median(x[lo:hi])
    return out


def despike_loss(x, clean):
    y = median_filter(x)
    return np.sum((y - clean) ** 2) + 0.5 * np.sum(np.diff(y) ** 2)


def despike_args(rng):
    t = np.linspace(0, 1, 30)
    clean = np.sin(2 * np.pi * t)
    x = clean + 0.05 * rng.standard_normal(30)
    x[[5, 17, 23]] += np.array([1.5, -2.0, 1.0])
    return x, clean


PROGRAMS = [
    Program("fir_direct_form_loop", fir_equalizer, fir_args, second_order=True),
    Program("biquad_delay_line", biquad_fit, biquad_args),
    Program("one_pole_lfilter", smoother_loss, smoother_args),
    Program("fir_lowpass_design_rfft", lowpass_design, lowpass_args),
    Program("spectral_leakage_hann", leakage_loss, leakage_args, second_order=True),
    Program("phase_code_autocorr", phase_code_loss, phase_code_args),
    Program("deconvolution_tikhonov", deconv_objective, deconv_args, second_order=True),
    Program("wiener_filter_fft", wiener_loss, wiener_args),
    Program("matched_filter_detect", detection_loss, detection_args),
    Program("interp_time_delay", alignment_loss, alignment_args, wrt=(0, 1)),
    Program("fft_resample", upsample_loss, upsample_args, second_order=True),
    Program("zero_stuff_interpolator", interpolator_loss, interpolator_args,
            second_order=True),
    Program("hilbert_am_envelope", am_envelope_loss, am_args, wrt=(0, 1)),
    Program("analytic_signal_fft", envelope_smoothness, envelope_args),
    Program("tv_denoising", tv_objective, tv_args, second_order=True),
    Program("imu_cumsum", imu_loss, imu_args),
    Program("goertzel_dtmf", dtmf_loss, dtmf_args),
    Program("iir_response_db", iir_spec_loss, iir_spec_args, wrt=(0, 1)),
    Program("overlap_add_fft", ola_loss, ola_args, second_order=True),
    Program("welch_sliding_window", welch_fit, welch_args, wrt=(0, 1)),
    Program("running_median", despike_loss, despike_args),
]
