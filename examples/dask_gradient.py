"""Gradients of a sum-over-examples loss on data that dask holds in chunks.

srcad's generated gradient runs on NumPy arrays; dask runs it once per chunk and adds
the chunks' gradients (the gradient of a sum is the sum of the gradients). The result
stays lazy (a dask array) until it is computed, and the same graph runs on a
`dask.distributed` cluster, where each worker differentiates the chunks it holds.

This module is importable (workers import it to find `chunk_gradient` and the loss, and
srcad reads the loss's source from this file). See docs/integrations_dask.md.

    python examples/dask_gradient.py            # threads, no cluster (a second or two)
    python examples/dask_gradient.py --cluster  # a LocalCluster of 2 worker processes
"""

from __future__ import annotations

import operator
import sys

import numpy as np

import srcad


def loss(w, X, y):
    """The squared error of a one-layer tanh model, summed over the examples (rows)."""
    return np.sum((np.tanh(X @ w) - y) ** 2)


def mean_loss(w, X, y):
    """`loss` divided by the number of examples: its gradient is `loss`'s over n."""
    return np.mean((np.tanh(X @ w) - y) ** 2)


loss_gradient = srcad.grad(loss)  # made where the module is imported: on each worker too


def chunk_gradient(w, X, y):
    """The gradient of `loss` over one chunk of examples (NumPy arrays)."""
    return loss_gradient(w, np.asarray(X), np.asarray(y))


def make_chunk(seed, rows, cols, outputs=0):
    """A chunk of a synthetic dataset (`X`, `y`), made where it is called (on a worker:
    the data never passes through the client). `y` has one column per output, or is a
    vector when `outputs` is 0 (then `w` is a vector; else a `cols x outputs` matrix)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, cols)) / np.sqrt(cols)
    w = np.linspace(-1.0, 1.0, cols * max(outputs, 1)).reshape(cols, -1)
    y = np.tanh(X @ w) + 0.1 * rng.normal(size=(rows, w.shape[1]))
    return X, (y if outputs else y[:, 0])


def tree_sum(parts):
    """The sum of `parts` as a binary tree of dask.delayed additions (depth log2 n)."""
    import dask

    parts = list(parts)
    while len(parts) > 1:
        pairs = [dask.delayed(operator.add)(a, b) for a, b in zip(parts[::2], parts[1::2])]
        parts = pairs + (parts[-1:] if len(parts) % 2 else [])
    return parts[0]


def lazy_gradient(w, X, y, gradient=chunk_gradient):
    """The gradient of `loss` (a sum over the rows of `X`) with respect to `w` (NumPy),
    for a dask array `X` of examples and a dask array `y` of targets: a lazy dask array
    shaped like `w`. `gradient(w, X_chunk, y_chunk)` differentiates one chunk."""
    import dask
    import dask.array as da

    X = X.rechunk({axis: -1 for axis in range(1, X.ndim)})  # whole examples in each chunk
    y = y.rechunk({0: X.chunks[0], **{axis: -1 for axis in range(1, y.ndim)}})  # the same ones
    X_parts = X.to_delayed().reshape(-1)
    y_parts = y.to_delayed().reshape(-1)
    parts = [dask.delayed(gradient)(w, xb, yb) for xb, yb in zip(X_parts, y_parts)]
    return da.from_delayed(tree_sum(parts), shape=np.shape(w), dtype=np.result_type(w))


def distributed_gradient(client, w, chunks):
    """The gradient of `loss` over the chunks a `dask.distributed` cluster holds:
    `chunks` are futures of `(X, y)` pairs (from `client.submit(make_chunk, ...)`); each
    chunk's gradient is computed on the worker that holds it and the sum is taken on
    the cluster. Only `w` and the gradients travel."""
    w_future = client.scatter(w, broadcast=True, hash=False)  # a new key per call
    grads = [client.submit(_pair_gradient, w_future, c) for c in chunks]
    return client.submit(sum, grads).result()


def _pair_gradient(w, chunk):
    X, y = chunk
    return chunk_gradient(w, X, y)


def _demo(use_cluster: bool) -> None:
    import dask.array as da

    rows, cols, count = 2_000, 8, 4
    pairs = [make_chunk(seed, rows, cols) for seed in range(count)]
    X_np = np.concatenate([p[0] for p in pairs])
    y_np = np.concatenate([p[1] for p in pairs])
    w = np.full(cols, 0.1)
    X = da.from_array(X_np, chunks=(rows, cols))
    y = da.from_array(y_np, chunks=rows)
    whole = srcad.grad(loss)(w, X_np, y_np)

    lazy = lazy_gradient(w, X, y)
    print(f"lazy gradient: {type(lazy).__name__} of shape {lazy.shape}, "
          f"{X.numblocks[0]} chunks")
    got = lazy.compute()
    print("computed      :", np.array2string(got, precision=5))
    print("single NumPy  :", np.array2string(whole, precision=5))
    print(f"largest relative difference: {np.max(np.abs(got - whole) / np.abs(whole)):.1e}")
    mean = srcad.grad(mean_loss)(w, X_np, y_np)
    print(f"mean loss: gradient of the sum / n equals it: "
          f"{np.allclose(got / len(X_np), mean, rtol=1e-12, atol=0)}")
    if use_cluster:
        from dask.distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, \
                Client(cluster) as client:
            chunks = [client.submit(make_chunk, seed, rows, cols) for seed in range(count)]
            got = distributed_gradient(client, w, chunks)
            print(f"2 worker processes: largest relative difference "
                  f"{np.max(np.abs(got - whole) / np.abs(whole)):.1e}")


if __name__ == "__main__":
    _demo("--cluster" in sys.argv[1:])
