#!/usr/bin/env python
"""The cost of `check_finite=True` (docs/nan.md): srcad.grad with and without the checks.

Usage:
    python benchmarks/check_finite.py            # a few seconds per workload
    python benchmarks/check_finite.py --quick    # smoke run

Workloads, each timed with and without the checks in the same run, interleaved:

1. mlp       -- mean((tanh(X @ W1 + b1) @ W2 + b2 - Y)**2), X (64, 32), 64 hidden, 10
                outputs; gradient w.r.t. W1, b1, W2, b2.
2. logreg    -- logistic regression, X (256, 20); gradient w.r.t. the weights.
3. rnn       -- 50 steps of h = tanh(W @ h + x_t) on a 16-vector; gradient w.r.t. W.
4. recur100  -- 100 steps of x = sin(x) * w + 0.1 on Python floats; gradient w.r.t. x, w.

Prints the median time per call of each and the ratio checked / unchecked.
"""

from __future__ import annotations

import argparse
import math
import timeit

import numpy as np

import srcad


def mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - Y) ** 2)


def logreg_loss(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def rnn_loss(W, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h * h)


def recur_loss(x, w):
    for _ in range(100):
        x = math.sin(x) * w + 0.1
    return x


def workloads(rng: np.random.Generator) -> list:
    X, Y = rng.standard_normal((64, 32)), rng.standard_normal((64, 10))
    mlp = (rng.standard_normal((32, 64)) * 0.1, np.zeros(64),
           rng.standard_normal((64, 10)) * 0.1, np.zeros(10), X, Y)
    Xl = rng.standard_normal((256, 20))
    logreg = (rng.standard_normal(20) * 0.1, Xl, (Xl[:, 0] > 0).astype(float))
    rnn = (rng.standard_normal((16, 16)) * 0.2, rng.standard_normal((50, 16)))
    return [("mlp", mlp_loss, (0, 1, 2, 3), mlp), ("logreg", logreg_loss, 0, logreg),
            ("rnn", rnn_loss, 0, rnn), ("recur100", recur_loss, (0, 1), (0.3, 0.9))]


def median_time(fn, args, repeat: int, number: int) -> float:
    times = timeit.repeat(lambda: fn(*args), repeat=repeat, number=number)
    return sorted(times)[len(times) // 2] / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()
    repeat = 5 if opts.quick else 15
    rng = np.random.default_rng(opts.seed)
    print(f"{'workload':10} {'unchecked':>12} {'checked':>12} {'ratio':>7}")
    for name, fn, wrt, args in workloads(rng):
        plain = srcad.grad(fn, wrt=wrt, check_finite=False)
        checked = srcad.grad(fn, wrt=wrt, check_finite=True)
        a, b = plain(*args), checked(*args)  # transform both, and compare
        for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            assert np.allclose(x, y), name
        once = median_time(plain, args, 3, 3)
        number = max(1, int((0.02 if opts.quick else 0.1) / max(once, 1e-7)))
        t_plain, t_checked = [], []
        for _ in range(repeat):  # interleaved: both see the same machine load
            t_plain.append(median_time(plain, args, 1, number))
            t_checked.append(median_time(checked, args, 1, number))
        p = sorted(t_plain)[repeat // 2]
        c = sorted(t_checked)[repeat // 2]
        print(f"{name:10} {p * 1e6:10.1f}us {c * 1e6:10.1f}us {c / p:6.2f}x")


if __name__ == "__main__":
    main()
