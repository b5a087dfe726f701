"""Per-row work of constant-range loops done for all rows before the loop
(srcad/optimize/batch.py): same gradients and values as step by step, and the loops it
must leave alone."""

import numpy as np
import pytest
from gradcheck import check_grad

import srcad
from srcad.api import wrapper

RNG = np.random.default_rng(5)


def rnn(W, U, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h @ U + b)
    return np.mean(h ** 2)


def scaled_rows(x, w, c):
    s = 0.0
    for t in range(x.shape[0]):
        s = s + np.sum(np.exp(x[t] * c - w) * w)   # x[t] * c - w: per row
    return s


def row_broadcasts_within_a_step(x, v):
    # x[t] has shape (3,), v[t] has shape (2, 3): their sum broadcasts within a step,
    # which stacking would misalign; it must stay per step
    s = 0.0
    for t in range(x.shape[0]):
        s = s + np.sum(np.sin(x[t] + v[t]))
    return s


def invariant_of_higher_rank(x, m):
    # m has a higher rank than x[t]: batching x[t] * m would broadcast x's steps
    # axis against m's
    s = 0.0
    for t in range(x.shape[0]):
        s = s + np.sum(np.cos(x[t] * m))
    return s


def shorter_loop(x, w):
    # the loop reads only some rows: nothing is computed for the others
    h = np.zeros(3)
    for t in range(2):
        h = np.tanh(x[t] @ w + h)
    return np.sum(h)


def left_product(W, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.sin(W @ xs[t] + h)    # the weight on the left: not batched
    return np.sum(h)


CASES = [
    (rnn, (0.5 * RNG.standard_normal((2, 4)), 0.4 * RNG.standard_normal((4, 4)),
           RNG.standard_normal(4), RNG.standard_normal((6, 3, 2)),
           RNG.standard_normal((3, 4))), (0, 1, 2, 3, 4)),
    (scaled_rows, (RNG.standard_normal((5, 3)), RNG.standard_normal(3), 0.7), (0, 1, 2)),
    (row_broadcasts_within_a_step, (RNG.standard_normal((4, 3)),
                                    RNG.standard_normal((4, 2, 3))), (0, 1)),
    (invariant_of_higher_rank, (RNG.standard_normal((4, 3)), RNG.standard_normal((2, 3))),
     (0, 1)),
    (shorter_loop, (RNG.standard_normal((5, 2)), RNG.standard_normal((2, 3))), (0, 1)),
    (left_product, (0.5 * RNG.standard_normal((3, 2)), RNG.standard_normal((4, 2))), (0, 1)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_batched_rows_equal_step_by_step_rows(f, args, wrt, monkeypatch):
    batched = check_grad(f, *args, wrt=wrt)
    value, _ = srcad.value_and_grad(f, wrt=wrt)(*args)
    assert value == pytest.approx(f(*args), rel=1e-13)
    monkeypatch.setattr(wrapper, "SPECIALIZE", False)
    generic = srcad.grad(f, wrt=wrt)(*args)
    for b, g in zip(batched, generic):
        assert np.shape(b) == np.shape(g)
        np.testing.assert_allclose(b, g, rtol=1e-12, atol=1e-13)


def test_the_rnn_input_product_and_tanh_slope_are_batched():
    code = srcad.source(srcad.grad(rnn, wrt=(0, 1, 2)), *CASES[0][1])
    forward_loop = code.index("for t in steps:")
    assert code.index("xs @ W") < forward_loop, code
    reverse_loop = code.index("steps[::-1]")
    slope = code.index("1.0 - h_all * h_all")
    assert forward_loop < slope < reverse_loop, code


@pytest.mark.parametrize("f", [row_broadcasts_within_a_step, invariant_of_higher_rank,
                               shorter_loop, left_product])
def test_loops_that_must_stay_per_step(f):
    case = next(c for c in CASES if c[0] is f)
    code = srcad.source(srcad.grad(f, wrt=case[2]), *case[1])
    assert "_all" not in code.split("for t in steps:")[0], code
