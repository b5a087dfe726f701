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


# ------------------------------------------------- dask arrays passed to srcad directly


def mse(w, X, y):
    return np.mean((np.tanh(X @ w) - y) ** 2)


def logistic(w, X, y):
    z = X @ w
    hinge = np.sum(np.maximum(z, 0.0)) / len(y)  # (np.maximum: its weights on dask)
    leaky = np.where(z > 0, z, 0.1 * z)
    return np.mean(np.logaddexp(0.0, z) - y * z) + 0.01 * hinge + 0.001 * np.mean(leaky ** 2)


def softmax(W, X, Y):
    z = X @ W
    z = z - np.max(z, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * log_p, axis=1))


def axis_sum(w, X, y):
    return np.sum(np.sum(X * w, axis=0) ** 2) + np.sum(np.sum(X, axis=1) * y)


def mlp(W1, b1, W2, X, y):
    h = np.maximum(X @ W1 + b1, 0.0)  # ReLU
    return np.mean((h @ W2 - y) ** 2)


def _problem(name, rows=60, seed=5):
    """(loss, NumPy arguments, positions that are data) for one of the losses above."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 5))
    if name == "softmax":
        Y = np.eye(3)[rng.integers(0, 3, size=rows)]
        return softmax, [rng.normal(size=(5, 3)), X, Y], (1, 2)
    if name == "mlp":
        W1, b1, W2 = rng.normal(size=(5, 8)), 0.1 * rng.normal(size=8), rng.normal(size=8)
        return mlp, [W1, b1, W2, X, rng.normal(size=rows)], (3, 4)
    y = (rng.normal(size=rows) > 0).astype(float) if name == "logistic" else \
        rng.normal(size=rows)
    return {"mse": mse, "logistic": logistic, "axis_sum": axis_sum}[name], \
        [0.5 * rng.normal(size=5), X, y], (1, 2)


def _dask(a, rows=15):
    return da.from_array(a, chunks=(rows,) + a.shape[1:])


def _lazy_call(fn, *args, **kwargs):
    """fn(*args) with the dask computations it starts counted: (result, count)."""
    with _Computes() as computes, dask.config.set(scheduler="sync"):
        result = fn(*args, **kwargs)
    return result, computes.count


def _computed(value):
    with dask.config.set(scheduler="sync"):
        return value.compute() if isinstance(value, da.Array) else value


def _check_lazy_equal(got, expected):
    got = got if isinstance(got, tuple) else (got,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert isinstance(g, da.Array), type(g)  # a lazy gradient
        assert g.shape == np.shape(e) and g.dtype == np.asarray(e).dtype
        _close(_computed(g), e)


LOSSES = ["mse", "logistic", "softmax", "axis_sum", "mlp"]


@pytest.mark.parametrize("specialized", [True, False], ids=["specialized", "generic"])
@pytest.mark.parametrize("params_too", [False, True], ids=["data", "data-and-params"])
@pytest.mark.parametrize("name", LOSSES)
def test_grad_of_dask_arrays_is_lazy_and_equals_numpy(name, params_too, specialized,
                                                      monkeypatch):
    # the data (and the parameters too) as dask arrays: the gradient is a dask array,
    # nothing is computed until .compute(), and it equals the NumPy gradient; both in
    # the code specialized on the shapes and in the code for any shape (past 8 shapes,
    # or SRCAD_SPECIALIZE=0), which calls the runtime helpers
    import srcad.api.wrapper as wrapper

    monkeypatch.setattr(wrapper, "SPECIALIZE", specialized)
    loss, args, data = _problem(name)
    wrt = tuple(i for i in range(len(args)) if i not in data)
    expected = srcad.grad(loss, wrt=wrt)(*args)
    dargs = [_dask(a) if i in data or (params_too and a.ndim) else a
             for i, a in enumerate(args)]
    gradient = srcad.grad(loss, wrt=wrt)
    got, computes = _lazy_call(gradient, *dargs)
    assert computes == 0
    _check_lazy_equal(got, expected)
    source = srcad.source(gradient, *dargs)
    assert ("Specialized for the shapes" in source) == specialized


@pytest.mark.parametrize("name", LOSSES)
def test_value_and_grad_of_dask_arrays_is_lazy(name):
    loss, args, data = _problem(name)
    wrt = tuple(i for i in range(len(args)) if i not in data)
    value_np, expected = srcad.value_and_grad(loss, wrt=wrt)(*args)
    dargs = [_dask(a) if i in data else a for i, a in enumerate(args)]
    (value, got), computes = _lazy_call(srcad.value_and_grad(loss, wrt=wrt), *dargs)
    assert computes == 0
    assert isinstance(value, da.Array) and value.ndim == 0  # the loss: a 0-d dask array
    _close(_computed(value), value_np)
    _check_lazy_equal(got, expected)


def test_gradient_with_respect_to_the_data_is_lazy():
    loss, args, _ = _problem("mlp")
    expected = srcad.grad(loss, wrt=(0, 3, 4))(*args)
    dargs = [_dask(a) if a.ndim else a for a in args]
    got, computes = _lazy_call(srcad.grad(loss, wrt=(0, 3, 4)), *dargs)
    assert computes == 0
    _check_lazy_equal(got, expected)


@pytest.mark.parametrize("name", ["mse", "mlp", "softmax"])
def test_vjp_of_dask_arrays_is_lazy(name):
    loss, args, data = _problem(name)
    wrt = tuple(i for i in range(len(args)) if i not in data)
    _, pullback_np = srcad.vjp(loss, *args, wrt=wrt)
    dargs = [_dask(a) for a in args]  # (vjp's code is for any shape)
    with _Computes() as computes, dask.config.set(scheduler="sync"):
        output, pullback = srcad.vjp(loss, *dargs, wrt=wrt)
        got = pullback(1.0)
        assert computes.count == 0
    assert isinstance(output, da.Array)
    _check_lazy_equal(got, pullback_np(1.0))


def test_jvp_of_dask_arrays_is_lazy():
    _, (w, X_np, y_np), _ = _problem("mse")
    tangent = np.linspace(-1.0, 1.0, 5)
    expected = srcad.jvp(mse, (w, X_np, y_np), (tangent, None, None))
    (value, derivative), computes = _lazy_call(
        srcad.jvp, mse, (_dask(w, 5), _dask(X_np), _dask(y_np)), (tangent, None, None))
    assert computes == 0 and isinstance(derivative, da.Array)
    _close(_computed(value), expected[0])
    _close(_computed(derivative), expected[1])


def test_float32_dask_arrays_keep_their_dtype():
    _, (w, X_np, y_np), _ = _problem("logistic")
    args32 = [a.astype(np.float32) for a in (w, X_np, y_np)]
    expected = srcad.grad(logistic)(*args32)
    got, computes = _lazy_call(srcad.grad(logistic), _dask(args32[0], 5), _dask(args32[1]),
                               _dask(args32[2]))
    assert computes == 0 and isinstance(got, da.Array) and got.dtype == np.float32
    np.testing.assert_allclose(_computed(got), expected, rtol=1e-5)


def test_ties_are_shared_as_in_numpy():
    # np.maximum and np.max at ties (their weights have no branch on dask data)
    rng = np.random.default_rng(7)
    X_np = np.round(rng.normal(size=(30, 4)) * 2) / 2
    W = np.zeros((4, 3))
    W[1:, 1:] = np.round(rng.normal(size=(3, 2)))
    Y = np.eye(3)[rng.integers(0, 3, size=30)]
    for loss, args in ((softmax, (W, X_np, Y)),
                       (mlp, (np.round(rng.normal(size=(4, 6))), np.zeros(6), np.ones(6),
                              X_np, np.zeros(30)))):
        expected = srcad.grad(loss)(*args)
        dargs = [_dask(a, 10) if a.shape[0] == 30 else a for a in args]
        got, computes = _lazy_call(srcad.grad(loss), *dargs)
        assert computes == 0
        _check_lazy_equal(got, expected)


def test_float_argument_gets_a_0d_dask_gradient():
    def scaled(s, X):
        return np.sum(np.tanh(s * X))

    X_np = np.random.default_rng(2).normal(size=(20, 3))
    got, computes = _lazy_call(srcad.grad(scaled), 0.7, _dask(X_np, 5))
    assert computes == 0 and isinstance(got, da.Array) and got.shape == ()
    _close(_computed(got), srcad.grad(scaled)(0.7, X_np))


def basic_index_loss(w, X):
    z = X @ w
    head = np.sum(z[:7] ** 2) + np.sum(z[-5:][::-1] * z[3:8])
    return head + np.sum((X * w)[:, 1:3] ** 2) + np.sum(z[4] * (w[:, None] * X.T))


def test_basic_indexing_stays_lazy():
    # integers, slices of step 1 or -1, None and Ellipsis select each element once: their
    # adjoint is the adjoint padded with zeros, lazy
    w, X_np, _ = _data(rows=40)
    expected = srcad.grad(basic_index_loss)(w, X_np)
    for w_arg in (w, _dask(w, 5)):
        got, computes = _lazy_call(srcad.grad(basic_index_loss), w_arg, _dask(X_np, 10))
        assert computes == 0
        _check_lazy_equal(got, expected)


def test_operations_that_compute_still_give_the_numpy_gradient():
    # np.ptp's weights, the adjoint of an index with a step or an index array (np.add.at)
    # and others call np.asarray: they compute the dask arrays they get, and the
    # gradient is still the NumPy one
    def ptp_loss(w, X):
        return np.sum(np.ptp(X * w, axis=0))

    def step_index_loss(w, X):
        return np.sum((X @ w)[::2] ** 2) + np.sum((X @ w)[[0, 3, 3]])

    def cumsum_loss(w, X):
        return np.sum(np.cumsum(X @ w) ** 2) + np.var(X @ w)

    w, X_np, _ = _data(rows=40)
    for loss in (ptp_loss, step_index_loss, cumsum_loss):
        got, computes = _lazy_call(srcad.grad(loss), w, _dask(X_np, 10))
        assert computes > 0
        _close(_computed(got), srcad.grad(loss)(w, X_np))


def test_dask_arrays_srcad_cannot_take_are_refused():
    w, X_np, y_np = _data(rows=40)
    keep = X_np[:, 0] > -0.5
    mask = da.from_array(keep, chunks=10)
    X_masked, y_masked = _dask(X_np, 10)[mask], _dask(y_np, 10)[mask]
    assert np.isnan(X_masked.shape[0])
    # unknown chunk sizes: the adjoints of reductions and broadcasts need the shapes
    with pytest.raises(srcad.SrcadError, match="compute_chunk_sizes"):
        srcad.grad(mse)(w, X_masked, y_masked)
    # ... which compute_chunk_sizes() gives (computing the mask)
    got = srcad.grad(mse)(w, X_masked.compute_chunk_sizes(), y_masked.compute_chunk_sizes())
    _close(_computed(got), srcad.grad(mse)(w, X_np[keep], y_np[keep]))
    # a complex dask array (srcad knows complex arguments by NumPy's types)
    Z = _dask(X_np + 1j * X_np[::-1], 10)
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.grad(complex_loss)(w, Z)
    with pytest.raises(srcad.SrcadError, match="complex"):
        srcad.vjp(complex_loss, w, Z, wrt=0)[1](1.0)
    # an integer dask array differentiated
    with pytest.raises(srcad.SrcadError, match="dtype int64"):
        srcad.grad(mse, wrt=1)(w, _dask(X_np.astype(np.int64), 10), y_np)


def test_check_finite_does_not_check_dask_values():
    # (documented: a check would compute every value) the gradient holds the NaN
    w, X_np, y_np = _data(rows=40)
    X_np[3, 2] = np.nan
    got, computes = _lazy_call(srcad.grad(mse, check_finite=True), w, _dask(X_np, 10),
                               _dask(y_np, 10))
    assert computes == 0
    assert not np.isfinite(_computed(got)).all()
    with pytest.raises(srcad.NonFiniteError):
        srcad.grad(mse, check_finite=True)(w, X_np, y_np)


def complex_loss(w, Z):
    return np.sum(np.abs(Z @ w) ** 2)


def dict_loss(params, data):
    z = np.tanh(data["X"] @ params["w"]) * params["scale"]
    return np.mean((z - data["y"]) ** 2)


def test_dask_arrays_in_structures():
    w, X_np, y_np = _data(rows=40)
    params = {"w": w, "scale": 0.5}
    expected = srcad.grad(dict_loss)(params, {"X": X_np, "y": y_np})
    # data in a dict (not differentiated): a leaf passed as it is, lazy
    got, computes = _lazy_call(srcad.grad(dict_loss), params,
                               {"X": _dask(X_np, 10), "y": _dask(y_np, 10)})
    assert computes == 0 and isinstance(got["w"], da.Array)
    _close(_computed(got["w"]), expected["w"])
    _close(_computed(got["scale"]), expected["scale"])
    # a dask array inside a differentiated structure: refused (it would get no gradient)
    with pytest.raises(srcad.SrcadError, match=r"params\['w'\] is a dask array"):
        srcad.grad(dict_loss)({"w": _dask(w, 5), "scale": 0.5}, {"X": X_np, "y": y_np})
    with pytest.raises(srcad.SrcadError, match="dask array"):
        srcad.vjp(dict_loss, {"w": _dask(w, 5), "scale": 0.5}, {"X": X_np, "y": y_np},
                  wrt=0)


def test_hessian_and_jacobian_of_dask_arrays_compute():
    # jacobian and hessian assemble their matrices in NumPy: they compute the dask
    # arrays (and return NumPy arrays), with the NumPy result
    w, X_np, y_np = _data(rows=40)
    X, y = _dask(X_np, 10), _dask(y_np, 10)
    for make in (srcad.hessian, srcad.jacobian):
        _close(np.asarray(make(mse)(w, X, y)), make(mse)(w, X_np, y_np))


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


def test_direct_gradient_computed_on_the_cluster(client):
    # the graph of a gradient of dask arrays holds dask's and NumPy's tasks only
    w, X_np, y_np = _data(rows=3000, cols=4, seed=2)
    X = da.from_array(X_np, chunks=(500, 4))
    y = da.from_array(y_np, chunks=500)
    lazy = srcad.grad(dg.mean_loss)(w, X, y)
    assert isinstance(lazy, da.Array)
    assert "srcad" not in repr(dict(lazy.__dask_graph__()))
    _close(client.compute(lazy).result(), srcad.grad(dg.mean_loss)(w, X_np, y_np))


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
