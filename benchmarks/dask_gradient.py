"""Wall time of a data-parallel srcad gradient on dask.distributed: 1 vs 2 worker processes.

The loss and the per-chunk gradient are examples/dask_gradient.py's: the squared error
of a tanh model summed over the examples, whose gradient is the sum of the chunks'.
The dataset is made on the workers and kept there (`client.persist`), so the times
are of the gradient alone: each worker differentiates the chunks it holds (srcad's
generated code on NumPy chunks) and the sum is taken on the cluster. Each time is the
best of `--repeat` runs, after one warm-up run (which compiles the gradient on each
worker). The single-process row is `srcad.grad(loss)` on the whole NumPy arrays in
this process.

    python benchmarks/dask_gradient.py                   # 8 chunks of 50,000 x 256, w 256 x 128
    python benchmarks/dask_gradient.py --rows 5000 --repeat 1   # a quick look
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

# before numpy is imported: one BLAS thread here, as dask's nanny gives each worker
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

# examples/ first: this script's own folder holds a module of the same name
EXAMPLES = str(pathlib.Path(__file__).resolve().parent.parent / "examples")
sys.path.insert(0, EXAMPLES)
import dask_gradient as dg  # noqa: E402

import srcad  # noqa: E402


def _best(fn, repeat):
    fn()  # warm-up: compiles the gradient where it runs
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def _cluster_time(workers, w, rows, cols, outputs, count, repeat):
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(workers)
        chunks = [client.submit(dg.make_chunk, seed, rows, cols, outputs)
                  for seed in range(count)]
        client.gather(client.map(len, chunks))  # the data exists before timing
        futures_time, futures_grad = _best(
            lambda: dg.distributed_gradient(client, w, chunks), repeat)
        # the same data as dask arrays held on the workers: lazy_gradient's graph
        X = da.concatenate([da.from_delayed(client.submit(_first, c), (rows, cols), float)
                            for c in chunks])
        y_shape = (rows, outputs) if outputs else (rows,)
        y = da.concatenate([da.from_delayed(client.submit(_second, c), y_shape, float)
                            for c in chunks])
        X, y = client.persist([X, y])
        lazy_time, lazy_grad = _best(
            lambda: client.compute(dg.lazy_gradient(w, X, y)).result(), repeat)
    return futures_time, futures_grad, lazy_time, lazy_grad


def _first(pair):
    return pair[0]


def _second(pair):
    return pair[1]


def _single_process(w, rows, cols, outputs, count, repeat):
    pairs = [dg.make_chunk(seed, rows, cols, outputs) for seed in range(count)]
    X = np.concatenate([p[0] for p in pairs])
    y = np.concatenate([p[1] for p in pairs])
    del pairs
    grad = srcad.grad(dg.loss)
    return _best(lambda: grad(w, X, y), repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows per chunk")
    parser.add_argument("--cols", type=int, default=256)
    parser.add_argument("--outputs", type=int, default=128, help="0: w is a vector")
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows, cols, outputs, count = args.rows, args.cols, args.outputs, args.chunks
    w = np.linspace(-0.5, 0.5, cols * max(outputs, 1)).reshape((cols, outputs) if outputs
                                                                else (cols,))

    single_time, whole = _single_process(w, rows, cols, outputs, count, args.repeat)

    def diff(g):
        return float(np.max(np.abs(g - whole) / np.max(np.abs(whole))))

    print(f"{count} chunks of {rows} x {cols} float64 ({count * rows * cols * 8 / 1e6:.0f} MB), "
          f"w of shape {w.shape}; best of {args.repeat}; {os.cpu_count()} CPUs")
    print()
    print("| setup | wall time (s) | max abs. difference / max abs. gradient |")
    print("|---|---|---|")
    print(f"| one process, srcad.grad on the whole arrays | {single_time:.3f} | 0 |")
    results = {}
    for workers in (1, 2):
        results[workers] = _cluster_time(workers, w, rows, cols, outputs, count,
                                         args.repeat)
    for workers in (1, 2):
        t, g, _, _ = results[workers]
        print(f"| {workers} worker process{'es' * (workers > 1)}, futures + client.submit(sum) "
              f"| {t:.3f} | {diff(g):.1e} |")
    for workers in (1, 2):
        _, _, t, g = results[workers]
        print(f"| {workers} worker process{'es' * (workers > 1)}, lazy_gradient (dask array) "
              f"| {t:.3f} | {diff(g):.1e} |")
    print()
    print(f"speed-up 1 -> 2 workers: futures {results[1][0] / results[2][0]:.2f}x, "
          f"lazy {results[1][2] / results[2][2]:.2f}x")


if __name__ == "__main__":
    main()
