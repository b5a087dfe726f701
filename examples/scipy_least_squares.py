"""scipy.optimize.least_squares with the residuals' Jacobian from srcad.

The problem: a spectrum with three overlapping Gaussian peaks on a linear baseline,
sampled at 400 points with noise, fitted by its 11 parameters (baseline offset and slope,
then height, centre and width of each peak). The model is plain Python: a loop over the
peaks, indexing into the parameter vector.

The fit runs with `jac=srcad.jacobian(residuals)` (forward mode: one tangent sweep per
parameter, exact to rounding) and with `jac='2-point'` (forward differences), both with
the trust-region reflective method, and prints function evaluations, Jacobian
evaluations, final cost, time and the fitted parameters next to the true ones.

`run_comparison()` returns the numbers for tests/test_scipy_examples.py.
"""

import time

import numpy as np
from scipy.optimize import least_squares

import srcad

N_PEAKS = 3
TRUE_PARAMS = np.array([0.20, 0.05,            # baseline: offset, slope
                        1.00, 3.00, 0.60,      # peak 1: height, centre, width
                        0.70, 4.20, 0.50,      # peak 2
                        0.45, 7.00, 1.10])     # peak 3
START = np.array([0.0, 0.0,
                  0.8, 2.6, 1.0,
                  0.8, 4.6, 1.0,
                  0.8, 6.5, 1.0])
NAMES = ["offset", "slope"] + [f"{q}{k + 1}" for k in range(N_PEAKS)
                               for q in ("height", "centre", "width")]


def model(p, t):
    """Baseline plus N_PEAKS Gaussian peaks at the sample positions t."""
    y = p[0] + p[1] * t
    for k in range(N_PEAKS):
        height = p[2 + 3 * k]
        centre = p[3 + 3 * k]
        width = p[4 + 3 * k]
        y = y + height * np.exp(-0.5 * ((t - centre) / width) ** 2)
    return y


def residuals(p, t, observed):
    return model(p, t) - observed


def make_data(seed=1, n=400):
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 10.0, n)
    observed = model(TRUE_PARAMS, t) + 0.02 * rng.normal(size=n)
    return t, observed


def fit(derivatives, t, observed, repeats=3):
    """One least_squares fit (timed as the best of `repeats`); derivatives is "srcad" or
    "2-point"."""
    if derivatives == "srcad":
        jac = srcad.jacobian(residuals)
        jac(START, t, observed)  # generate the tangent code once, outside the timing
    else:
        jac = "2-point"
    seconds = np.inf
    for _ in range(repeats):  # the best of a few runs: the machine may be busy
        start = time.perf_counter()
        result = least_squares(residuals, START, jac=jac, args=(t, observed), method="trf",
                               x_scale="jac")
        seconds = min(seconds, time.perf_counter() - start)
    return {
        "derivatives": derivatives,
        "nfev": int(result.nfev),
        "njev": int(result.njev),
        "cost": float(result.cost),
        "x": result.x,
        "status": int(result.status),
        "success": bool(result.success),
        "seconds": seconds,
    }


def central_difference_jacobian(f, x, *args, h=1e-6):
    """Columns (f(x + h e_i) - f(x - h e_i)) / 2h, scaled to each entry of x."""
    columns = []
    for i in range(len(x)):
        step = h * max(1.0, abs(x[i]))
        plus, minus = x.copy(), x.copy()
        plus[i] += step
        minus[i] -= step
        columns.append((f(plus, *args) - f(minus, *args)) / (2 * step))
    return np.stack(columns, axis=1)


def jacobian_check():
    """srcad's Jacobian of the residuals at the start, and central differences there."""
    t, observed = make_data()
    exact = srcad.jacobian(residuals)(START, t, observed)
    return exact, central_difference_jacobian(residuals, START, t, observed)


def run_comparison(repeats=3):
    """{"srcad": row, "2-point": row} for the Gaussian-peaks fit."""
    t, observed = make_data()
    return {d: fit(d, t, observed, repeats) for d in ("srcad", "2-point")}


def main():
    print("scipy.optimize.least_squares: jac=srcad.jacobian(residuals) against "
          "jac='2-point'")
    print(f"{N_PEAKS} Gaussian peaks + linear baseline, 400 noisy samples, "
          f"{len(START)} parameters\n")
    rows = run_comparison()
    header = (f"{'jac':<9}{'nfev':>6}{'njev':>6}{'residual evals':>16}{'cost':>14}"
              f"{'time [ms]':>11}")
    print(header)
    print("-" * len(header))
    for r in rows.values():
        # 2-point spends len(x) extra residual evaluations per Jacobian
        evals = r["nfev"] + (len(START) * r["njev"] if r["derivatives"] == "2-point" else 0)
        print(f"{r['derivatives']:<9}{r['nfev']:>6}{r['njev']:>6}{evals:>16}"
              f"{r['cost']:>14.8f}{1000 * r['seconds']:>11.1f}")
    exact, central = jacobian_check()
    print(f"\nJacobian at the start ({exact.shape[0]} x {exact.shape[1]}): largest "
          f"|srcad - central differences| = {np.max(np.abs(exact - central)):.1e} "
          f"(largest entry {np.max(np.abs(exact)):.2f})")
    print(f"\n{'parameter':<10}{'true':>9}{'start':>9}{'srcad':>12}{'2-point':>12}")
    for i, name in enumerate(NAMES):
        print(f"{name:<10}{TRUE_PARAMS[i]:>9.3f}{START[i]:>9.3f}"
              f"{rows['srcad']['x'][i]:>12.6f}{rows['2-point']['x'][i]:>12.6f}")


if __name__ == "__main__":
    main()
