"""Sums over a reverse loop's steps collected into one product after the loop
(srcad/optimize/collect.py): the same gradients as the step-by-step sums, for every
shape of term it collects, and the cases it must leave alone."""

import numpy as np
import pytest
from gradcheck import check_grad

import srcad
from srcad.api import wrapper

RNG = np.random.default_rng(3)


def rnn(W, U, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h @ U + b)
    return np.mean(h ** 2)


def rnn_steps(W, U, b, xs, h0, n):
    h = h0
    for t in range(n):          # a trip count known only at run time (0 included)
        h = np.tanh(xs[t] @ W + h @ U + b)
    return np.sum(h * h)


def vector_rnn(W, U, xs, h0):
    h = h0                       # one sequence: vectors, outer products
    for t in range(xs.shape[0]):
        h = np.sin(W @ xs[t] + U @ h)
    return np.sum(h)


def bias_only(b, xs):
    s = 0.0
    for t in range(xs.shape[0]):
        s = s + np.sum(np.cos(xs[t] + b))
    return s


def reads_its_sum(W, xs):
    # the weight's gradient is not read in the loop, but the state's is: the state
    # keeps its step-by-step sum
    h = xs[0]
    for t in range(xs.shape[0]):
        h = np.tanh(h @ W) + xs[t]
    return np.sum(h)


def nested(W, xs):
    h = xs[0, 0]
    for i in range(xs.shape[0]):
        for j in range(xs.shape[1]):
            h = np.tanh(xs[i, j] @ W + h)
    return np.sum(h ** 2)


def rnn_args(batch=3):
    return (0.5 * RNG.standard_normal((2, 4)), 0.4 * RNG.standard_normal((4, 4)),
            RNG.standard_normal(4), RNG.standard_normal((5, batch, 2)),
            RNG.standard_normal((batch, 4)))


CASES = [
    (rnn, rnn_args(), (0, 1, 2, 4)),
    (rnn, rnn_args(1), (0, 1, 2, 4)),
    (vector_rnn, (0.5 * RNG.standard_normal((3, 2)), 0.4 * RNG.standard_normal((3, 3)),
                  RNG.standard_normal((6, 2)), RNG.standard_normal(3)), (0, 1, 3)),
    (bias_only, (RNG.standard_normal(3), RNG.standard_normal((4, 3))), (0, 1)),
    (reads_its_sum, (0.5 * RNG.standard_normal((3, 3)), RNG.standard_normal((4, 2, 3))),
     (0, 1)),
    (nested, (0.5 * RNG.standard_normal((3, 3)), RNG.standard_normal((2, 3, 2, 3))), (0,)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_collected_sums_equal_step_by_step_sums(f, args, wrt, monkeypatch):
    collected = check_grad(f, *args, wrt=wrt)
    monkeypatch.setattr(wrapper, "SPECIALIZE", False)
    generic = srcad.grad(f, wrt=wrt)(*args)
    for c, g in zip(collected, generic):
        assert np.shape(c) == np.shape(g)
        np.testing.assert_allclose(c, g, rtol=1e-12, atol=1e-13)


def test_the_rnn_weights_are_one_product_each():
    code = srcad.source(srcad.grad(rnn, wrt=(0, 1, 2)), *rnn_args())
    assert code.count(".T @ badd_all") == 2 and "badd_all.sum(axis=0)" in code, code
    reverse_loop = code[code.index("steps[::-1]"):code.index("badd_all = ")]
    assert "@ badd" not in reverse_loop and "bW =" not in reverse_loop, code


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_trip_counts_known_only_at_run_time(n):
    args = rnn_args()
    code = srcad.source(srcad.grad(rnn_steps, wrt=(0, 1, 2)), *args, n)
    assert "steps_array(" in code, code   # (np.stack of no steps raises)
    grads = srcad.grad(rnn_steps, wrt=(0, 1, 2))(*args, n)
    for g, a in zip(grads, args):
        assert np.shape(g) == np.shape(a)
        if n == 0:
            assert not np.any(g)
    if n:
        check_grad(rnn_steps, *args, n, wrt=(0, 1, 2))


def test_float32_stays_float32():
    args = tuple(a.astype(np.float32) for a in rnn_args())
    grads = srcad.grad(rnn, wrt=(0, 1, 2))(*args)
    assert all(g.dtype == np.float32 for g in grads)


def test_value_and_grad_and_vjp_agree():
    args = rnn_args()
    value, grads = srcad.value_and_grad(rnn, wrt=(0, 1, 2))(*args)
    assert value == pytest.approx(rnn(*args))
    for g, h in zip(grads, srcad.grad(rnn, wrt=(0, 1, 2))(*args)):
        np.testing.assert_allclose(g, h, rtol=1e-13)
