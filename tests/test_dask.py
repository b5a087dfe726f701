"""srcad gradients on dask arrays and on a dask.distributed cluster (docs/integrations_dask.md).

The generated code runs on NumPy chunks; dask runs it once per chunk and adds the
chunks' gradients (examples/dask_gradient.py). Both ways are compared with the gradient
srcad computes in one process on the whole NumPy data.
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
from dask.callbacks import Callback  # noqa: E402

import srcad  # noqa: E402

# The loss and the per-chunk gradient live in an importable module: worker processes
# import it by name (a LocalCluster's workers start with the client's sys.path).
EXAMPLES = str(pathlib.Path(__file__).resolve().parent.parent / "examples")
if EXAMPLES not in sys.path:
    sys.path.insert(0, EXAMPLES)
import dask_gradient as dg  # noqa: E402


class _Computes(Callback):
    """Counts the dask computations started while it is active."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def _start(self, dsk):
        self.count += 1


def _data(rows=1000, cols=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, cols))
    y = rng.normal(size=rows)
    w = 0.3 * rng.normal(size=cols)
    return w, X, y


def _close(got, expected):
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.max(np.abs(expected)))


@pytest.mark.parametrize("chunks", [(250, 5), (300, 5), (250, 2)],
                         ids=["even", "uneven-last-chunk", "column-chunks"])
def test_lazy_gradient_equals_numpy_gradient(chunks):
    w, X_np, y_np = _data()
    X = da.from_array(X_np, chunks=chunks)
    y = da.from_array(y_np, chunks=chunks[0])
    with _Computes() as computes, dask.config.set(scheduler="sync"):
        lazy = dg.lazy_gradient(w, X, y)
        assert computes.count == 0  # nothing ran: the gradient is a graph
        assert isinstance(lazy, da.Array)
        assert lazy.shape == w.shape and lazy.dtype == w.dtype
        got = lazy.compute()
    _close(got, srcad.grad(dg.loss)(w, X_np, y_np))
    # the mean's gradient is the sum's over n
    _close(got / len(y_np), srcad.grad(dg.mean_loss)(w, X_np, y_np))


def test_lazy_gradient_with_unknown_chunk_sizes():
    # selecting rows by a mask leaves dask with NaN chunk sizes: the chunks still pair
    w, X_np, y_np = _data()
    keep = X_np[:, 0] > -0.5
    X = da.from_array(X_np, chunks=(200, 5))[da.from_array(keep, chunks=200)]
    y = da.from_array(y_np, chunks=200)[da.from_array(keep, chunks=200)]
    assert np.isnan(X.shape[0])
    with dask.config.set(scheduler="sync"):
        got = dg.lazy_gradient(w, X, y).compute()
    _close(got, srcad.grad(dg.loss)(w, X_np[keep], y_np[keep]))


def test_threaded_scheduler_gives_the_same_gradient():
    w, X_np, y_np = _data(rows=4000)
    X = da.from_array(X_np, chunks=(500, 5))
    y = da.from_array(y_np, chunks=500)
    with dask.config.set(scheduler="threads"):
        got = dg.lazy_gradient(w, X, y).compute()
    _close(got, srcad.grad(dg.loss)(w, X_np, y_np))


def test_a_dask_array_passed_to_a_gradient_is_refused():
    # srcad does not run its generated code on dask arrays itself (it would read them as
    # objects with attributes, and its runtime helpers call np.asarray, which computes
    # them): it refuses them with a SrcadError, never returning a wrong gradient.
    w, X_np, y_np = _data(rows=40)
    X = da.from_array(X_np, chunks=(10, 5))
    y = da.from_array(y_np, chunks=10)
    with pytest.raises(srcad.SrcadError):
        srcad.grad(dg.mean_loss)(w, X, y)
    with pytest.raises(srcad.SrcadError):
        srcad.grad(dg.mean_loss)(da.from_array(w), X_np, y_np)


# ----------------------------------------------------------------- dask.distributed


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as c:
        c.wait_for_workers(2)
        yield c


def test_distributed_gradient_equals_single_process_gradient(client):
    rows, cols, count = 500, 6, 6
    w = np.linspace(-0.5, 0.5, cols)
    # each chunk is made on a worker: the data never passes through this process
    chunks = [client.submit(dg.make_chunk, seed, rows, cols) for seed in range(count)]
    got = dg.distributed_gradient(client, w, chunks)
    pairs = [dg.make_chunk(seed, rows, cols) for seed in range(count)]
    X = np.concatenate([p[0] for p in pairs])
    y = np.concatenate([p[1] for p in pairs])
    _close(got, srcad.grad(dg.loss)(w, X, y))
    # the gradients were computed in the worker processes, not here
    pids = client.run(lambda: __import__("os").getpid())
    assert len(set(pids.values())) == 2
    assert __import__("os").getpid() not in pids.values()


def test_lazy_gradient_computed_on_the_cluster(client):
    w, X_np, y_np = _data(rows=3000, cols=4, seed=1)
    X = da.from_array(X_np, chunks=(500, 4))
    y = da.from_array(y_np, chunks=500)
    got = client.compute(dg.lazy_gradient(w, X, y)).result()
    _close(got, srcad.grad(dg.loss)(w, X_np, y_np))


def test_namespace_generic_helpers_keep_dask_arrays_lazy():
    # srcad.runtime.matmul_adjoint_right calls np.asarray, which computes a dask array;
    # its namespace-generic version (srcad/runtime/array_api.py) builds a graph instead
    import srcad.runtime as np_runtime
    from srcad.runtime import array_api as aa

    w, X_np, y_np = _data(rows=200)
    X = da.from_array(X_np, chunks=(50, 5))
    g = da.from_array(y_np, chunks=50)
    with _Computes() as computes, dask.config.set(scheduler="sync"):
        outs = [aa.matmul_adjoint_right(g, X, w), aa.matmul_adjoint_left(g, X, w),
                aa.unbroadcast(X, w), aa.above_weight(X, 0.5), aa.share(X, X > 0.5)]
        assert computes.count == 0
        assert all(isinstance(o, da.Array) for o in outs)
        got = dask.compute(*outs)
    with _Computes() as computes, dask.config.set(scheduler="sync"):
        assert isinstance(np_runtime.matmul_adjoint_right(g, X, w), np.ndarray)
        assert computes.count > 0  # (the NumPy helper computed X and g)
    _close(got[0], np_runtime.matmul_adjoint_right(y_np, X_np, w))
    _close(got[1], np_runtime.matmul_adjoint_left(y_np, X_np, w))
    _close(got[2], X_np.sum(axis=0))


def test_shape_specialized_generated_code_is_lazy_on_dask_arrays():
    # what srcad would run if it took dask arrays (docs/integrations_dask.md): the code
    # it generates for these shapes is plain operators and np.* calls, which dask runs
    # lazily through __array_function__ / __array_ufunc__
    w, X_np, y_np = _data(rows=400)
    source = srcad.source(srcad.grad(dg.mean_loss), w, X_np, y_np)
    assert "Specialized for the shapes" in source
    namespace: dict = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    X = da.from_array(X_np, chunks=(100, 5))
    y = da.from_array(y_np, chunks=100)
    with _Computes() as computes, dask.config.set(scheduler="sync"):
        (bw,) = namespace["mean_loss_grad"](w, X, y)
        assert computes.count == 0 and isinstance(bw, da.Array)
        got = bw.compute()
    _close(got, srcad.grad(dg.mean_loss)(w, X_np, y_np))
