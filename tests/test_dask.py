"""srcad gradients on dask arrays and on a dask.distributed cluster (docs/integrations_dask.md).

The generated code runs on NumPy chunks; dask runs it once per chunk and adds the
chunks' gradients (examples/dask_gradient.py). Both ways are compared with the gradient
srcad computes in one process on the whole NumPy data.
"""

from __future__ import annotations

import pathlib
import sys

import dask
import dask.array as da
import distributed  # noqa: F401  (the cluster tests need it: missing, they fail, not skip)
import numpy as np
import pytest
from dask.callbacks import Callback

import srcad

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
    # srcad/runtime/array_api.py builds a graph on dask arrays
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
    _close(got[0], np_runtime.matmul_adjoint_right(y_np, X_np, w))
    _close(got[1], np_runtime.matmul_adjoint_left(y_np, X_np, w))
    _close(got[2], X_np.sum(axis=0))


def _helper_calls(X_np, y_np, w, W):
    """(name, call) for the NumPy runtime helpers that generic generated code calls,
    on arrays of the kinds given (NumPy or dask)."""
    import srcad.runtime as rt
    from srcad.runtime import elementwise as el
    from srcad.runtime import outputs, reductions

    Xw = X_np @ w
    XW = X_np @ W
    return [
        ("matmul_adjoint_left", lambda: rt.matmul_adjoint_left(y_np, X_np, w)),
        ("matmul_adjoint_right", lambda: rt.matmul_adjoint_right(y_np, X_np, w)),
        ("matmul_adjoint_right 2-D", lambda: rt.matmul_adjoint_right(XW, X_np, W)),
        ("matmul_adjoint_left 2-D", lambda: rt.matmul_adjoint_left(XW, X_np, W)),
        ("dot_adjoint_left", lambda: rt.dot_adjoint_left(y_np, X_np, w)),
        ("dot_adjoint_right", lambda: rt.dot_adjoint_right(y_np, X_np, w)),
        ("dot_adjoint_right 2-D", lambda: rt.dot_adjoint_right(XW, X_np, W)),
        ("above_weight", lambda: el.above_weight(X_np, 0.5)),
        ("below_weight", lambda: el.below_weight(X_np, 0.5)),
        ("share", lambda: el.share(Xw, Xw > 0.0)),
        ("share of weights", lambda: el.share(X_np, el.above_weight(X_np, 0.5))),
        ("max_weights_given", lambda: reductions.max_weights_given(
            XW, np.max(XW, axis=1, keepdims=True), 1)),
        ("min_weights_given", lambda: reductions.min_weights_given(
            XW, np.min(XW, axis=0, keepdims=True), 0)),
        ("is_real_scalar", lambda: outputs.is_real_scalar(np.sum(Xw))),
    ]


def test_runtime_helpers_stay_lazy_on_dask_arrays():
    # the NumPy helpers of generic generated code take dask arrays without np.asarray
    # and without branches on the data; on NumPy arrays they are unchanged
    rng = np.random.default_rng(3)
    X_np = np.round(rng.normal(size=(40, 5)) * 2) / 2  # ties with 0.5 and within rows
    y_np, w, W = rng.normal(size=40), rng.normal(size=5), rng.normal(size=(5, 3))
    W[0] = 0.0  # ties in the rows of X @ W
    X = da.from_array(X_np, chunks=(10, 5))
    y = da.from_array(y_np, chunks=10)
    expected = [call() for _, call in _helper_calls(X_np, y_np, w, W)]
    with _Computes() as computes, dask.config.set(scheduler="sync"):
        got = [call() for _, call in _helper_calls(X, y, w, W)]
        assert computes.count == 0
    for (name, _), g, e in zip(_helper_calls(X_np, y_np, w, W), got, expected):
        if name == "is_real_scalar":
            assert g is True and e is True
            continue
        assert isinstance(g, da.Array), name
        with dask.config.set(scheduler="sync"):
            np.testing.assert_allclose(g.compute(), e, rtol=1e-12, atol=1e-12, err_msg=name)


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
