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
    python benchmarks/checkpoint_memory.py --steps 100000 --checkpoint sqrt
    python benchmarks/checkpoint_memory.py --checkpoint 100 --checkpoint 1000,100,10

(the ratios of each row are against a plain gradient measured in the same row's run)
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


def _setting(text: str) -> bool | int | tuple:
    """`sqrt` -> True, `100` -> 100, `400,20` -> (400, 20)."""
    if text == "sqrt":
        return True
    parts = tuple(int(p) for p in text.split(","))
    return parts[0] if len(parts) == 1 else parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--checkpoint", action="append", default=None,
                        help="a checkpoint= setting to measure: sqrt (the default), the "
                             "steps per segment (100), or segments of segments (400,20); "
                             "repeat the option for several rows (default: sqrt, 400,20)")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    settings = [_setting(t) for t in (options.checkpoint or ["sqrt", "400,20"])]
    mb = 1024 * 1024
    print(f"{options.steps} steps of h = tanh(h * a + b + x[t]), {options.size} floats of "
          f"state, gradient w.r.t. a, b, h0")
    print()
    print("| gradient | peak memory (MB) | time (ms) | memory ratio | time ratio | "
          "max abs difference |")
    print("|---|---:|---:|---:|---:|---:|")
    for i, setting in enumerate(settings):
        result = compare(options.steps, options.size, setting, options.repeat)
        plain, checkpointed = result["plain"], result["checkpointed"]
        if i == 0:
            print(f"| plain | {plain.peak_bytes / mb:.2f} | {plain.seconds * 1e3:.1f} | "
                  f"1 | 1 | |")
        print(f"| checkpoint={setting!r} | {checkpointed.peak_bytes / mb:.2f} | "
              f"{checkpointed.seconds * 1e3:.1f} | {result['memory_ratio']:.4f} | "
              f"{result['time_ratio']:.2f} | {result['difference']:.1e} |")


if __name__ == "__main__":
    main()
