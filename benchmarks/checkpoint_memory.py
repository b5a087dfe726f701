"""Memory and time of a long loop's gradient, plain and checkpointed.

A 10,000-step loop over a 64-float state vector (`h = np.tanh(h * a + b + x[t])`):
the plain gradient saves every step's values for its reverse sweep; the
checkpointed one (`srcad.grad(f, checkpoint=True)`, segments of about sqrt(n) =
100 steps) saves one snapshot per segment and recomputes each segment's values
during the reverse sweep (docs/checkpointing.md).

Peak memory is measured with `tracemalloc` (Python and NumPy allocations during
one call of the gradient, after a first call that transformed the function);
time is the best of a few calls without tracemalloc.

    python benchmarks/checkpoint_memory.py            # 10,000 steps, 64 floats
    python benchmarks/checkpoint_memory.py --steps 100000 --size 64
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import srcad


def loop(a: np.ndarray, b: np.ndarray, xs: np.ndarray, h0: np.ndarray) -> float:
    """The function differentiated: a long recurrence over an array state."""
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(h * a + b + xs[t])
    return np.sum(h * h)


@dataclass
class Measurement:
    peak_bytes: int  # tracemalloc's peak during one call
    seconds: float  # best of `repeat` calls
    gradient: tuple


def problem(steps: int, size: int, seed: int = 0) -> tuple:
    """The arguments of `loop`: weights near 1, small inputs (a stable recurrence)."""
    rng = np.random.default_rng(seed)
    a = 0.9 + 0.1 * rng.random(size)
    b = 0.1 * rng.normal(size=size)
    xs = 0.1 * rng.normal(size=(steps, size))
    h0 = rng.normal(size=size)
    return a, b, xs, h0


def measure(gradient: Callable, args: tuple, repeat: int = 3) -> Measurement:
    """Peak memory (one traced call) and best time (untraced calls) of `gradient`."""
    result = gradient(*args)  # transform and compile first
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        gradient(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        gradient(*args)
        best = min(best, time.perf_counter() - start)
    return Measurement(peak, best, tuple(result))


def compare(steps: int = 10_000, size: int = 64,
            checkpoint: bool | int = True, repeat: int = 3) -> dict:
    """Both gradients of `loop` on the same problem, and how they compare."""
    args = problem(steps, size)
    plain = measure(srcad.grad(loop, wrt=(0, 1, 3)), args, repeat)
    checkpointed = measure(srcad.grad(loop, wrt=(0, 1, 3), checkpoint=checkpoint), args,
                           repeat)
    difference = max(float(np.max(np.abs(p - c)))
                     for p, c in zip(plain.gradient, checkpointed.gradient))
    return {"plain": plain, "checkpointed": checkpointed, "difference": difference,
            "memory_ratio": checkpointed.peak_bytes / plain.peak_bytes,
            "time_ratio": checkpointed.seconds / plain.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--every", type=int, default=0,
                        help="steps per segment (default: about sqrt(steps))")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    result = compare(options.steps, options.size, options.every or True, options.repeat)
    plain, checkpointed = result["plain"], result["checkpointed"]
    mb = 1024 * 1024
    print(f"{options.steps} steps of h = tanh(h * a + b + x[t]), {options.size} floats of "
          f"state, gradient w.r.t. a, b, h0")
    print()
    print("| gradient | peak memory (MB) | time (ms) |")
    print("|---|---:|---:|")
    print(f"| plain | {plain.peak_bytes / mb:.2f} | {plain.seconds * 1e3:.1f} |")
    print(f"| checkpoint={options.every or True} | {checkpointed.peak_bytes / mb:.2f} | "
          f"{checkpointed.seconds * 1e3:.1f} |")
    print()
    print(f"memory ratio {result['memory_ratio']:.3f}, time ratio "
          f"{result['time_ratio']:.2f}, max abs difference {result['difference']:.2e}")


if __name__ == "__main__":
    main()
