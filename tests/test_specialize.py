"""Generated code specialized on argument shapes (srcad/optimize/specialize.py).

The specialized code must compute exactly what the generic code computes: gradients
are checked against finite differences and against the generic code
(`SRCAD_SPECIALIZE=0`, here `wrapper.SPECIALIZE = False`) over broadcasting, reductions
and products of every rank combination; and the generic helpers must be gone where the
shapes make them plain NumPy.
"""

import re

import numpy as np
import pytest
from gradcheck import check_grad

import srcad
from srcad.api import wrapper

RNG = np.random.default_rng(12)
HELPERS = ("unbroadcast", "unreduce", "reduced_count", "broadcast_like", "matmul_adjoint")


def mlp(W1, b1, W2, b2, X, Y):
    H = np.maximum(X @ W1 + b1, 0.0)
    P = H @ W2 + b2
    return np.mean((P - Y) ** 2)


def logreg(W, b, X, Y):
    Z = X @ W + b
    Zs = Z - np.max(Z, axis=1, keepdims=True)
    logp = Zs - np.log(np.sum(np.exp(Zs), axis=1, keepdims=True))
    return -np.sum(Y * logp) / X.shape[0]


def mlp_args():
    return (RNG.standard_normal((4, 6)), RNG.standard_normal(6), RNG.standard_normal((6, 3)),
            RNG.standard_normal(3), RNG.standard_normal((5, 4)), RNG.standard_normal((5, 3)))


def logreg_args():
    return (RNG.standard_normal((4, 3)), RNG.standard_normal(3), RNG.standard_normal((6, 4)),
            np.eye(3)[RNG.integers(0, 3, 6)])


@pytest.mark.parametrize("f,args", [(mlp, mlp_args()), (logreg, logreg_args())],
                         ids=["mlp", "logreg"])
def test_the_generic_helpers_are_gone(f, args):
    code = srcad.source(srcad.grad(f, wrt=(0, 1, 2, 3) if f is mlp else (0, 1)), *args)
    assert "Specialized for the shapes" in code
    for helper in HELPERS:
        assert helper not in code, code
    # the bias gradients sum over the batch as one product with ones (BLAS)
    assert ".T @" in code and re.search(r"ones_\d+ @ b", code), code


def broadcast_rows(x, b):
    return np.sum(np.tanh(x + b) * x)


def broadcast_column(x, c):
    return np.sum(np.sin(x * c) ** 2)


def broadcast_scalar_array(x, s):
    return np.sum((x - s) ** 2) / np.size(x)


def reductions(x, w):
    m = np.mean(x * w, axis=0)
    k = np.sum(np.exp(x), axis=1, keepdims=True)
    return np.sum(m ** 2) + np.sum(np.log(k)) + np.max(x * w)


def products(a, v):
    return np.sum((a @ v) ** 2) + np.sum(v @ a.T) + (v @ v) + np.sum(np.outer(v, v) @ a.T)


def masked(x, w):
    keep = x[x > 0.0]                      # a shape known only at run time
    return np.sum(keep * keep) + np.sum(w * x)


def loop_carried(x, w):
    h = x
    for _ in range(3):
        h = np.tanh(h @ w + 0.1)
    return np.mean(h * h)


def rnn(W, U, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h @ U + b)
    return np.mean(h ** 2)


def growing_prefix(x, w):
    # x[:t + 1] has a different shape on every step: its stack keeps the generic helpers
    s = 0.0
    for t in range(x.shape[0]):
        s = s + np.sum(x[:t + 1] * w[t])
    return s


def index_as_axis(x, w):
    # the loop index used as an axis: the shape depends on its value
    s = 0.0
    for t in range(2):
        s = s + np.sum(np.sum(x, axis=t) * w[t])
    return s


def varying_pushes(x, w):
    # a carried value whose shape changes after the first step (a row becomes a matrix)
    h = x[0]
    for t in range(3):
        h = h * w + x
    return np.sum(np.sin(h))


def nested_rows(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            s = s + np.sum(np.cos(x[i][j] * w) * x[i])
    return s


def extrema_weighted(x, u):
    # (the autograd runner's objective for np.max at order 2: a rewritten unbroadcast fed
    # the spread of a sum's adjoint, and the spread was given the removed value)
    return np.sum(np.max(x, axis=None, keepdims=True) * u) + \
        np.sum(np.min(x, axis=0, keepdims=True) * u)


CASES = [
    (extrema_weighted, (RNG.standard_normal(3), RNG.standard_normal(1)), (0, 1)),
    (extrema_weighted, (RNG.standard_normal((2, 3)), RNG.standard_normal((1, 3))), (0, 1)),
    (broadcast_rows, (RNG.standard_normal((4, 3)), RNG.standard_normal(3)), (0, 1)),
    (broadcast_rows, (RNG.standard_normal((4, 3)), RNG.standard_normal((1, 3))), (0, 1)),
    (broadcast_column, (RNG.standard_normal((4, 3)), RNG.standard_normal((4, 1))), (0, 1)),
    (broadcast_column, (RNG.standard_normal((2, 4, 3)), RNG.standard_normal((4, 1))), (0, 1)),
    (broadcast_scalar_array, (RNG.standard_normal(5), 0.3), (0, 1)),
    (broadcast_scalar_array, (RNG.standard_normal((2, 3)), np.array(0.3)), (0, 1)),
    (reductions, (RNG.standard_normal((4, 3)), RNG.standard_normal(3)), (0, 1)),
    (products, (RNG.standard_normal((3, 4)), RNG.standard_normal(4)), (0, 1)),
    (masked, (RNG.standard_normal(6), RNG.standard_normal(6)), (0, 1)),
    (loop_carried, (RNG.standard_normal((2, 3)), 0.5 * RNG.standard_normal((3, 3))), (0, 1)),
    (rnn, (0.5 * RNG.standard_normal((2, 3)), 0.5 * RNG.standard_normal((3, 3)),
           RNG.standard_normal(3), RNG.standard_normal((4, 5, 2)), RNG.standard_normal((5, 3))),
     (0, 1, 2, 4)),
    (rnn, (0.5 * RNG.standard_normal((2, 3)), 0.5 * RNG.standard_normal((3, 3)),
           RNG.standard_normal((1, 3)), RNG.standard_normal((4, 1, 2)), RNG.standard_normal(3)),
     (0, 1, 2, 4)),
    (growing_prefix, (RNG.standard_normal((4, 2)), RNG.standard_normal(4)), (0, 1)),
    (index_as_axis, (RNG.standard_normal((3, 3)), RNG.standard_normal((2, 3))), (0, 1)),
    (varying_pushes, (RNG.standard_normal((3, 3)), RNG.standard_normal(3)), (0, 1)),
    (nested_rows, (RNG.standard_normal((2, 3, 4)), RNG.standard_normal(4)), (0, 1)),
]


@pytest.mark.parametrize("f,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_specialized_code_equals_generic_code(f, args, wrt, monkeypatch):
    specialized = check_grad(f, *args, wrt=wrt)
    monkeypatch.setattr(wrapper, "SPECIALIZE", False)
    generic = srcad.grad(f, wrt=wrt)(*args)
    for s, g in zip(specialized, generic):
        assert np.shape(s) == np.shape(g) and type(s) is type(g)
        np.testing.assert_allclose(s, g, rtol=1e-12, atol=1e-14)


def test_a_new_shape_gets_new_code_and_the_variants_are_bounded():
    g = srcad.grad(broadcast_rows, wrt=(0, 1))
    for n in range(1, wrapper.MAX_SHAPE_VARIANTS + 3):
        x, b = RNG.standard_normal((n, 3)), RNG.standard_normal(3)
        gx, gb = g(x, b)
        np.testing.assert_allclose(gb, np.sum((1 - np.tanh(x + b) ** 2) * x, axis=0))
        code = srcad.source(g, x, b)
        specialized = "Specialized for the shapes" in code
        assert specialized == (n <= wrapper.MAX_SHAPE_VARIANTS), n


# -- work the gradient does not need


def relu_loss(x, w):
    return np.sum(np.maximum(x * w, 0.0) ** 2) + np.sum(np.minimum(x, w))


def test_maximum_shares_the_adjoint_at_ties_and_keeps_float32():
    x = np.array([[1.0, 0.0, -2.0], [0.0, 3.0, -1.0]])
    w = np.array([1.0, 2.0, 0.5])
    gx, gw = srcad.grad(relu_loss, wrt=(0, 1))(x, w)
    # max(x*w, 0)**2 has derivative 2 * max(x*w, 0) * w (zero at the ties at 0);
    # minimum(x, w): 1 where x < w, 1/2 where x == w
    expect_x = 2 * np.maximum(x * w, 0.0) * w + (x < w) + 0.5 * (x == w)
    np.testing.assert_allclose(gx, expect_x)
    y = np.array([1.0, 0.0, 2.0])
    tie = srcad.grad(lambda a: np.sum(np.maximum(a, 0.0)))(y)
    np.testing.assert_array_equal(tie, [1.0, 0.5, 1.0])
    g32 = srcad.grad(relu_loss, wrt=(0, 1))(x.astype(np.float32), w.astype(np.float32))
    assert all(g.dtype == np.float32 for g in g32)
    np.testing.assert_allclose(g32[0], expect_x, rtol=1e-6)


@pytest.mark.parametrize("shape,bias", [((1000, 10), (10,)), ((7, 3), (7, 1)),
                                        ((3, 7), (1, 7)), ((5000, 2), (2,)),
                                        ((2, 5000), (2, 1))])
def test_sums_over_an_axis_as_products_with_ones(shape, bias, monkeypatch):
    x, b = RNG.standard_normal(shape), RNG.standard_normal(bias)
    g = srcad.grad(broadcast_rows, wrt=(0, 1))
    gx, gb = g(x, b)
    code = srcad.source(g, x, b)
    long_axis = max(shape) > 4096 and shape[0 if bias[0] != shape[0] else 1] > 4096
    assert ("ones_" in code) != long_axis, code  # (a long axis keeps NumPy's pairwise sum)
    monkeypatch.setattr(wrapper, "SPECIALIZE", False)
    generic = srcad.grad(broadcast_rows, wrt=(0, 1))(x, b)
    np.testing.assert_allclose(gx, generic[0], rtol=1e-12)
    np.testing.assert_allclose(gb, generic[1], rtol=1e-12, atol=1e-12)
    gx32, gb32 = g(x.astype(np.float32), b.astype(np.float32))
    assert gx32.dtype == gb32.dtype == np.float32


def test_grad_does_not_compute_the_value_it_does_not_return():
    args = mlp_args()
    code = srcad.source(srcad.grad(mlp, wrt=(0, 1, 2, 3)), *args)
    body = "\n".join(line for line in code.splitlines() if not line.strip().startswith("#"))
    assert "def mlp_grad(" in body and "np.mean" not in body, code
    assert re.search(r"bsub = [0-9.e-]+ \* \(P - Y\)", body), code  # (2 / n) * (P - Y)
    value, grads = srcad.value_and_grad(mlp, wrt=(0, 1, 2, 3))(*args)
    assert np.isclose(value, mlp(*args))
    for a, b in zip(grads, srcad.grad(mlp, wrt=(0, 1, 2, 3))(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_an_output_of_known_shape_needs_no_run_time_seed():
    code = srcad.source(srcad.grad(logreg, wrt=(0, 1)), *logreg_args())
    body = "\n".join(line for line in code.splitlines() if not line.strip().startswith("#"))
    assert "output_seed" not in body and "np.sum(Y * logp)" not in body, code


def returns_vector(x):
    return x * 2.0


def returns_comparison_of_unknown_kind(x):
    flag = np.sum(x) > 0.0
    return flag


@pytest.mark.parametrize("f", [returns_vector, returns_comparison_of_unknown_kind])
def test_grad_still_refuses_outputs_that_are_not_real_scalars(f):
    with pytest.raises(srcad.SrcadError, match="real scalar"):
        srcad.grad(f)(np.ones(3))


def test_a_loop_over_rows_is_specialized():
    args = CASES[12][1]
    code = srcad.source(srcad.grad(rnn, wrt=(0, 1, 2)), *args)
    for helper in HELPERS:
        assert helper not in code, code
    # U.T is taken once, before the reverse loop
    assert "U_T = U.T" in code and "@ U_T" in code, code
    assert code.index("U_T = U.T") < code.index("steps[::-1]"), code
