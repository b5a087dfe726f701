"""scipy.optimize.minimize with gradients and Hessian-vector products from srcad.

Two problems written as ordinary NumPy:

- the extended Rosenbrock function in 30 dimensions (15 uncoupled Rosenbrock valleys),
- an L2-regularized logistic regression on generated data (2000 samples, 40 features).

Each is minimized with BFGS and L-BFGS-B given `jac=srcad.grad(f)`, with Newton-CG and
trust-krylov given also `hessp=` built from `srcad.hvp(f)`, and, for comparison, with
BFGS and L-BFGS-B given `jac='2-point'` (forward finite differences, one extra function
evaluation per coordinate per gradient). The table shows iterations (nit), function
evaluations (nfev, the finite-difference ones included), gradient evaluations (njev),
Hessian-vector products (nhev), the final objective and the wall time.

`run_comparison()` returns the rows, so tests (tests/test_scipy_examples.py) can check
the numbers without reading the printed table.
"""

import time

import numpy as np
from scipy.optimize import minimize

import srcad

N_ROSEN = 30
N_SAMPLES, N_FEATURES = 2000, 40


def extended_rosenbrock(x):
    """Sum of 100 (x[2i+1] - x[2i]^2)^2 + (1 - x[2i])^2: minimum 0 at x = 1."""
    odd = x[0::2]
    even = x[1::2]
    return np.sum(100.0 * (even - odd ** 2) ** 2 + (1.0 - odd) ** 2)


def logistic_loss(w, features, labels, lam):
    """Mean binary cross-entropy of a linear classifier plus lam/2 |w|^2 (bias unpenalized:
    w[0] is the bias, features[:, 0] is all ones)."""
    z = features @ w
    data_term = np.mean(np.logaddexp(0.0, z) - labels * z)
    return data_term + 0.5 * lam * np.sum(w[1:] ** 2)


def make_classification(seed=0):
    """A noisy linear classification problem; column 0 is the bias feature."""
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(N_SAMPLES, N_FEATURES - 1))
    true_w = rng.normal(size=N_FEATURES - 1) * (rng.random(N_FEATURES - 1) < 0.5)
    p = 1.0 / (1.0 + np.exp(-(raw @ true_w + 0.3)))
    labels = (rng.random(N_SAMPLES) < p).astype(float)
    features = np.hstack([np.ones((N_SAMPLES, 1)), raw])
    return features, labels


def make_hessp(f):
    """scipy's hessp(x, p, *args) from srcad's hvp(f)(x, *args, v)."""
    hv = srcad.hvp(f)

    def hessp(x, p, *args):
        return hv(x, *args, p)

    return hessp


def problems():
    """(name, function, x0, extra args) for each problem."""
    features, labels = make_classification()
    return [
        ("extended Rosenbrock, n=30", extended_rosenbrock,
         np.tile([-1.2, 1.0], N_ROSEN // 2), ()),
        ("logistic regression, 2000 x 40", logistic_loss,
         np.zeros(N_FEATURES), (features, labels, 1e-3)),
    ]


def solve(f, x0, args, method, derivatives, repeats=3):
    """One minimize call (timed as the best of `repeats`); derivatives is "srcad" or
    "2-point". Returns a result row."""
    options = {"maxiter": 2000}
    kwargs = {}
    if derivatives == "srcad":
        kwargs["jac"] = srcad.grad(f)
        if method in ("Newton-CG", "trust-krylov"):
            kwargs["hessp"] = make_hessp(f)
        kwargs["jac"](x0, *args)  # generate the code once, outside the timing
        if "hessp" in kwargs:
            kwargs["hessp"](x0, x0, *args)
    else:
        kwargs["jac"] = "2-point"
    if method == "trust-krylov":
        options = {"maxiter": 2000, "gtol": 1e-8}
    seconds = np.inf
    for _ in range(repeats):  # the best of a few runs: the machine may be busy
        start = time.perf_counter()
        result = minimize(f, x0, args=args, method=method, options=options, **kwargs)
        seconds = min(seconds, time.perf_counter() - start)
    return {
        "method": method,
        "derivatives": derivatives,
        "nit": int(result.nit),
        "nfev": int(result.nfev),
        "njev": int(result.get("njev", 0)),
        "nhev": int(result.get("nhev", 0)),
        "fun": float(result.fun),
        "x": result.x,
        "success": bool(result.success),
        "seconds": seconds,
    }


RUNS = [
    ("BFGS", "srcad"),
    ("BFGS", "2-point"),
    ("L-BFGS-B", "srcad"),
    ("L-BFGS-B", "2-point"),
    ("Newton-CG", "srcad"),
    ("trust-krylov", "srcad"),
]


def run_comparison(repeats=3):
    """{problem name: [row, ...]} for every method and derivative source in RUNS."""
    return {name: [solve(f, x0, args, method, derivatives, repeats)
                   for method, derivatives in RUNS]
            for name, f, x0, args in problems()}


def print_table(name, rows):
    print(f"\n{name}")
    header = (f"{'method':<13}{'jac':<9}{'nit':>5}{'nfev':>7}{'njev':>6}{'nhev':>6}"
              f"{'final f':>14}{'time [ms]':>11}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['method']:<13}{r['derivatives']:<9}{r['nit']:>5}{r['nfev']:>7}"
              f"{r['njev']:>6}{r['nhev']:>6}{r['fun']:>14.6e}{1000 * r['seconds']:>11.1f}")


def main():
    print("scipy.optimize.minimize: jac=srcad.grad(f), hessp from srcad.hvp(f), "
          "against jac='2-point'")
    for name, rows in run_comparison().items():
        print_table(name, rows)


if __name__ == "__main__":
    main()
