#!/usr/bin/env python
"""srcad's fixed costs, side by side in one run: import, first call, per-call overhead.

Usage:
    python benchmarks/overheads.py

* **import**: `import srcad` against `import numpy`, each in fresh interpreters (median of 7,
  bytecode cached as in an installed package).
* **first call**: `srcad.grad(f)(...)` of benchmarks/fifty_lines.py (parse, lower,
  differentiate, optimize, generate and compile the code, then run it), in a fresh
  interpreter; the second call beside it.
* **per call**: a scalar toy function's gradient through `srcad.grad` against a
  hand-written gradient.
"""

from __future__ import annotations

import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import timeit

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def _fresh(code: str, cache: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout
    return float(out.strip().splitlines()[-1])


IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
FIRST_CALL = """
import time, numpy as np, srcad
from fifty_lines import fifty_lines
rng = np.random.default_rng(0)
params = (rng.standard_normal((10, 16)), rng.standard_normal(16), rng.standard_normal((16, 8)),
          rng.standard_normal(8), rng.standard_normal((8, 5)), rng.standard_normal(5))
X = rng.standard_normal((32, 10)); Y = np.eye(5)[rng.integers(0, 5, 32)]
g = srcad.grad(fifty_lines)
t = time.perf_counter(); g(params, X, Y); first = time.perf_counter() - t
t = time.perf_counter(); g(params, X, Y); second = time.perf_counter() - t
print(first); print(second); print(first)
"""


def toy(w, b, x):
    return (w * x + b - 1.0) ** 2


def toy_hand(w, b, x):
    r = w * x + b - 1.0
    return 2.0 * r * x, 2.0 * r


def main() -> None:
    import srcad

    with tempfile.TemporaryDirectory() as cache:
        for module in ("numpy", "srcad"):  # fill the bytecode cache
            _fresh(IMPORT.format(module=module), cache)
        numpy_t = statistics.median(_fresh(IMPORT.format(module="numpy"), cache)
                                    for _ in range(7))
        srcad_t = statistics.median(_fresh(IMPORT.format(module="srcad"), cache)
                                    for _ in range(7))
        first = statistics.median(_fresh(FIRST_CALL, cache) for _ in range(3))
    print(f"import numpy           {1000 * numpy_t:8.1f} ms")
    print(f"import srcad           {1000 * srcad_t:8.1f} ms   ({srcad_t / numpy_t:.1f}x numpy; "
          "numpy included)")
    print(f"first call, 50 lines   {1000 * first:8.1f} ms   (transform + compile + run)")

    grad = srcad.grad(toy, wrt=(0, 1))
    grad(0.3, 0.2, 1.5)
    rows = [("hand-written", lambda: toy_hand(0.3, 0.2, 1.5)),
            ("srcad.grad", lambda: grad(0.3, 0.2, 1.5))]
    hand = None
    for name, call in rows:
        t = min(timeit.repeat(call, number=20000, repeat=7)) / 20000
        hand = hand or t
        print(f"per call, {name:<14}{1e6 * t:8.2f} us   ({t / hand:.1f}x hand)")


if __name__ == "__main__":
    main()
