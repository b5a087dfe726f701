"""End-to-end gradients through vdot, inner, outer, tensordot, einsum, kron and trace
(srcad.grad against finite differences), and the einsum helpers on their own.

The registry sweep checks einsum's rule on its examples; `test_einsum_rule_examples`
checks the helpers on their own too, on every example the rule is registered with
(string subscripts and the interleaved form).
"""

import numpy as np
import pytest
from gradcheck import check_grad, numerical_hessian, numerical_jvp, numerical_vjp

import srcad
from srcad.rules import registry
from srcad.runtime.products import (
    contraction_adjoint,
    einsum_adjoint,
    einsum_labels,
    einsum_tangent,
    trace_adjoint,
)

RNG = np.random.default_rng(4321)
A23 = RNG.standard_normal((2, 3))
B34 = RNG.standard_normal((3, 4))
C3 = RNG.standard_normal(3)


def rand(*shape):
    return RNG.uniform(-1.5, 1.5, size=shape)


def weighted(y):
    return np.sum(np.sin(y) * np.arange(1.0, 1.0 + np.size(y)).reshape(np.shape(y)))


# ============================================================================ vdot / inner / outer


def vdot_same(x, y):
    return np.vdot(x, y) * np.vdot(x, x)


def vdot_reshaped(x, y):
    return np.sin(np.vdot(x, y))


def inner_vec(x, y):
    return np.inner(x, y) ** 2


def inner_mat(x, y):
    return weighted(np.inner(x, y))


def inner_scalar(x, y):
    return weighted(np.inner(x, y))


def outer_vec(x, y):
    return weighted(np.outer(x, y))


def outer_mat(x, y):
    return weighted(np.outer(x, y) + 1.0)


@pytest.mark.parametrize("f, sx, sy", [
    (vdot_same, (3,), (3,)), (vdot_reshaped, (2, 3), (3, 2)), (vdot_reshaped, (2, 3), (6,)),
    (inner_vec, (3,), (3,)), (inner_mat, (2, 3), (4, 3)), (inner_mat, (2, 2, 3), (3,)),
    (inner_scalar, (), (2, 3)), (inner_scalar, (2, 3), ()),
    (outer_vec, (3,), (4,)), (outer_mat, (2, 2), (3,)), (outer_mat, (), (3,))])
def test_vdot_inner_outer(f, sx, sy):
    x = rand(*sx) if sx else 0.7
    y = rand(*sy) if sy else -1.1
    check_grad(f, x, y, wrt=(0, 1))


# ============================================================================ tensordot


def tensordot_default(x, y):
    return weighted(np.tensordot(x, y))


def tensordot_one(x, y):
    return weighted(np.tensordot(x, y, 1))


def tensordot_pairs(x, y):
    return weighted(np.tensordot(x, y, axes=([1, 0], [0, 1])))


def tensordot_zero(x, y):
    return weighted(np.tensordot(x, y, axes=0))


def tensordot_negative(x, y):
    return weighted(np.tensordot(x, y, axes=([-1], [0])))


def tensordot_const(x):
    return weighted(np.tensordot(A23, x, axes=(1, 0)))


@pytest.mark.parametrize("f, sx, sy", [
    (tensordot_default, (2, 3, 4), (3, 4, 2)), (tensordot_one, (2, 3), (3, 4)),
    (tensordot_pairs, (2, 3, 4), (3, 2, 2)), (tensordot_zero, (2,), (3,)),
    (tensordot_negative, (2, 3), (3, 2))])
def test_tensordot(f, sx, sy):
    check_grad(f, rand(*sx), rand(*sy), wrt=(0, 1))


def test_tensordot_constant_operand():
    check_grad(tensordot_const, rand(3, 2))


# ============================================================================ einsum


def einsum_matmul(x, y):
    return weighted(np.einsum("ij,jk->ik", x, y))


def einsum_implicit(x, y):
    return weighted(np.einsum("ij,jk", x, y))


def einsum_dot(x, y):
    return np.einsum("i,i", x, y) ** 2


def einsum_three(x, y):
    return weighted(np.einsum("ij,jk,k->i", x, y, C3 * 1.0))


def einsum_three_active(x, y):
    return weighted(np.einsum("ij,jk,kl->il", x, y, x.T))


def einsum_const_first(x):
    return weighted(np.einsum("ij,jk->ik", A23, x))


def einsum_trace(x):
    return np.sin(np.einsum("ii", x))


def einsum_diag(x):
    return weighted(np.einsum("ii->i", x))


def einsum_partial_trace(x):
    return weighted(np.einsum("iij->j", x))


def einsum_sum(x):
    return weighted(np.einsum("ij->j", x))


def einsum_transpose(x):
    return weighted(np.einsum("ij->ji", x))


def einsum_ellipsis(x, y):
    return weighted(np.einsum("...ij,...jk->...ik", x, y))


def einsum_ellipsis_implicit(x):
    return weighted(np.einsum("i...", x))


def einsum_broadcast(x, y):
    return weighted(np.einsum("ij,ij->ij", x, y))


def einsum_optimize(x, y):
    return weighted(np.einsum("ij,jk,kl->il", x, y, B34.T, optimize=True))


def einsum_scalar_operand(s, x):
    return weighted(np.einsum(",ij->ij", s, x))


def einsum_spaces(x, y):
    return weighted(np.einsum("ij, jk -> ik", x, y))


def einsum_uppercase(x, y):
    return weighted(np.einsum("Ba,aA", x, y))


@pytest.mark.parametrize("f, sx, sy", [
    (einsum_matmul, (2, 3), (3, 4)), (einsum_implicit, (2, 3), (3, 2)),
    (einsum_dot, (3,), (3,)), (einsum_three, (2, 3), (3, 3)),
    (einsum_three_active, (2, 3), (3, 3)),
    (einsum_ellipsis, (2, 1, 2, 3), (4, 3, 2)), (einsum_ellipsis, (2, 3), (3, 2)),
    (einsum_broadcast, (2, 1), (2, 3)), (einsum_optimize, (2, 3), (3, 4)),
    (einsum_spaces, (2, 3), (3, 4)), (einsum_uppercase, (2, 3), (3, 4))])
def test_einsum_two_operands(f, sx, sy):
    check_grad(f, rand(*sx), rand(*sy), wrt=(0, 1))


@pytest.mark.parametrize("f, shape", [
    (einsum_const_first, (3, 2)), (einsum_trace, (3, 3)), (einsum_diag, (3, 3)),
    (einsum_partial_trace, (2, 2, 3)), (einsum_sum, (2, 3)), (einsum_transpose, (2, 3)),
    (einsum_ellipsis_implicit, (2, 3, 2))])
def test_einsum_one_operand(f, shape):
    check_grad(f, rand(*shape))


def test_einsum_scalar_operand():
    check_grad(einsum_scalar_operand, 0.8, rand(2, 3), wrt=(0, 1))


def einsum_interleaved(x):
    return weighted(np.einsum(A23, [0, 1], x, [1, 2], [0, 2]))


def einsum_interleaved_first(x):
    return weighted(np.einsum(x, (0, 1), (1, 0)) + np.einsum(x, [0, 1], B34[:2, :2], [1, 2]))


@pytest.mark.parametrize("fn, shape", [(einsum_interleaved, (3, 2)),
                                       (einsum_interleaved_first, (2, 2))])
def test_einsum_interleaved_form(fn, shape):
    """np.einsum(a, [0, 1], b, [1, 2], [0, 2]): both modes and the Hessian (the forward
    mode gave a zero tangent, the reverse mode refused)."""
    x = rand(*shape)
    check_grad(fn, x)
    v = rand(*shape)
    _, tangent = srcad.jvp(fn, (x,), (v,))
    assert tangent == pytest.approx(numerical_jvp(fn, (x,), (v,)), rel=1e-6, abs=1e-8)
    np.testing.assert_allclose(srcad.hessian(fn)(x).reshape(x.size, x.size),
                               numerical_hessian(fn, x).reshape(x.size, x.size), atol=1e-5)


def _einsum_cases():
    rule = registry.lookup(np.einsum)
    return [ex for ex in rule.examples]


def _draw(v, rng):
    if isinstance(v, registry.Rand):
        return float(rng.uniform(v.low, v.high)) if v.shape == () else \
            rng.uniform(v.low, v.high, size=v.shape)
    return v


def _is_array_argument(v) -> bool:
    return isinstance(v, (float, np.ndarray))


@pytest.mark.parametrize("example", _einsum_cases(),
                         ids=lambda ex: ex.args[0] if isinstance(ex.args[0], str) else "sublists")
def test_einsum_rule_examples(example):
    """The einsum adjoint and tangent helpers against finite differences, on each of the
    rule's examples. The adjoint comes as (that of the first argument, those of the
    others); sublists and string subscripts get None."""
    rng = np.random.default_rng(7)
    args = [_draw(v, rng) for v in example.args]
    optimize = example.kwargs.get("optimize", False)
    y = np.einsum(*args, optimize=optimize)
    u = rng.standard_normal(np.shape(y))

    def f(*values):
        return np.einsum(*values, optimize=optimize)

    first, rest = einsum_adjoint(u, args[0], tuple(args[1:]), optimize)
    grads = [first, *rest]
    assert len(grads) == len(args)
    tangents = []
    for k, (arg, g) in enumerate(zip(args, grads)):
        if not _is_array_argument(arg):
            assert g is None
            tangents.append(0.0)
            continue
        assert np.shape(g) == np.shape(arg)
        np.testing.assert_allclose(g, numerical_vjp(f, args, k, u), rtol=1e-6, atol=1e-8)
        tangents.append(rng.standard_normal(np.shape(arg)) if np.ndim(arg) else 0.3)
    dy = einsum_tangent(y, args[0], tuple(args[1:]), tangents[0], tuple(tangents[1:]),
                        optimize)
    assert np.shape(dy) == np.shape(y)
    lhs = float(np.sum(u * dy))
    rhs = sum(float(np.sum(g * t)) for g, t in zip(grads, tangents) if g is not None)
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


def test_einsum_tangent_zero():
    x = rand(2, 3)
    dy = einsum_tangent(np.einsum("ij->i", x), "ij->i", (x,), 0.0, 0.0)
    np.testing.assert_array_equal(dy, np.zeros(2))


@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii", [(3, 3)]),
    ("...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]), ("i...", [(2, 3, 4)]),
    ("Ba,aA", [(2, 3), (3, 4)]), ("ij,ij", [(2, 1), (2, 3)]), ("i,i", [(1,), (3,)])])
def test_einsum_labels_give_numpys_result(subscripts, shapes):
    """The parsed labels, run through np.einsum's sublist form, give the same result."""
    ops = [rand(*s) for s in shapes]
    labels, out = einsum_labels(subscripts, shapes)
    args = [x for op, labs in zip(ops, labels) for x in (op, labs)]
    np.testing.assert_allclose(np.einsum(*args, out), np.einsum(subscripts, *ops))


@pytest.mark.parametrize("subscripts, shapes, message", [
    (A23, [(2, 3)], "not a string"),
    ("i.j", [(2, 3)], "character"),
    ("i...j...", [(2, 3, 4)], "twice"),
    ("ij->i->j", [(2, 3)], "more than one"),
    ("ij,jk", [(2, 3)], "operand"),
    ("ijk", [(2, 3)], "axes")])
def test_einsum_unsupported_forms_raise(subscripts, shapes, message):
    with pytest.raises(srcad.UnsupportedSyntaxError, match=message):
        einsum_labels(subscripts, shapes)


def test_contraction_adjoint_diagonal_and_broadcast():
    # 'iij->j' style: adjoint on the diagonal of the first two axes, zero elsewhere.
    x = rand(3, 3, 2)
    g = rand(2)
    out = contraction_adjoint(g, [1], [x], [[0, 0, 1]], 0)
    expected = np.zeros((3, 3, 2))
    for i in range(3):
        expected[i, i] = g
    np.testing.assert_array_equal(out, expected)
    # a label only this operand has: the adjoint is constant along it
    out = contraction_adjoint(g, [1], [rand(4, 2)], [[0, 1]], 0)
    np.testing.assert_array_equal(out, np.broadcast_to(g, (4, 2)))


# ============================================================================ kron


def kron_vec(x, y):
    return weighted(np.kron(x, y))


@pytest.mark.parametrize("sx, sy", [((2,), (3,)), ((2, 3), (2, 2)), ((2,), (2, 3)),
                                    ((2, 2, 2), (3,)), ((2, 3), (3, 1, 2))])
def test_kron(sx, sy):
    check_grad(kron_vec, rand(*sx), rand(*sy), wrt=(0, 1))


def test_kron_with_float():
    check_grad(kron_vec, 0.4, rand(2, 3), wrt=(0, 1))


# ============================================================================ trace


def trace_plain(x):
    return np.sin(np.trace(x))


def trace_offset(x):
    return np.trace(x, 1) ** 2 + np.trace(x, offset=-1)


def trace_axes(x):
    return weighted(np.trace(x, 0, 1, 2))


def trace_neg_axes(x):
    return weighted(np.trace(x, offset=1, axis1=-1, axis2=0))


def trace_method(x):
    return x.trace() * x.trace(offset=1)


@pytest.mark.parametrize("f, shape", [
    (trace_plain, (3, 3)), (trace_plain, (3, 5)), (trace_offset, (3, 4)),
    (trace_offset, (4, 3)), (trace_axes, (2, 3, 4)), (trace_neg_axes, (3, 2, 4)),
    (trace_method, (3, 3))])
def test_trace(f, shape):
    check_grad(f, rand(*shape))


def test_trace_adjoint_offset_beyond_the_matrix():
    np.testing.assert_array_equal(trace_adjoint(2.0, np.ones((2, 3)), 5), np.zeros((2, 3)))
    np.testing.assert_array_equal(trace_adjoint(2.0, np.ones((2, 3)), -4), np.zeros((2, 3)))


# ============================================================================ in a model


def bilinear_model(w, x):
    h = np.tanh(np.einsum("ij,bj->bi", w, x))
    return np.sum(np.inner(h, h)) + np.trace(np.outer(h[0], h[1])) + np.vdot(w, w)


def test_products_in_a_model():
    check_grad(bilinear_model, rand(3, 2), rand(4, 2), wrt=(0, 1))


def kinds_mix(x, y):
    t = np.tensordot(x, y[:3], 1)  # a 0-d array
    v = np.inner(x, x)
    e = np.einsum("i,j->ij", x, y)
    k = np.kron(x, y)
    return np.sum(e * t + v * np.cumsum(y)) + np.sum(k * np.trace(e[:, :3])) + np.vdot(y, y) * t


def test_scalar_results_broadcast_in_expressions():
    check_grad(kinds_mix, rand(3), rand(4), wrt=(0, 1))


# ======================================================================== forward mode, hessians


@pytest.mark.parametrize("f, sx, sy", [
    (vdot_reshaped, (2, 3), (3, 2)), (inner_mat, (2, 3), (4, 3)), (inner_scalar, (), (2, 3)),
    (outer_vec, (3,), (4,)), (tensordot_default, (2, 3, 4), (3, 4, 2)),
    (tensordot_pairs, (2, 3, 4), (3, 2, 2)), (einsum_matmul, (2, 3), (3, 4)),
    (einsum_three_active, (2, 3), (3, 3)), (einsum_ellipsis, (2, 1, 2, 3), (4, 3, 2)),
    (einsum_broadcast, (2, 1), (2, 3)), (kron_vec, (2, 3), (2, 2))])
def test_jvp(f, sx, sy):
    x = rand(*sx) if sx else 0.7
    y = rand(*sy)
    tx = RNG.standard_normal(sx) if sx else 0.3
    ty = RNG.standard_normal(sy)
    value, tangent = srcad.jvp(f, [x, y], [tx, ty])
    assert value == pytest.approx(f(x, y))
    assert tangent == pytest.approx(numerical_jvp(f, [x, y], [tx, ty]), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("f, shape", [
    (einsum_trace, (3, 3)), (einsum_diag, (3, 3)), (einsum_partial_trace, (2, 2, 3)),
    (trace_axes, (2, 3, 4)), (trace_neg_axes, (3, 2, 4)), (trace_method, (3, 3))])
def test_jvp_one_operand(f, shape):
    x, t = rand(*shape), RNG.standard_normal(shape)
    _, tangent = srcad.jvp(f, [x], [t])
    assert tangent == pytest.approx(numerical_jvp(f, [x], [t]), rel=1e-6, abs=1e-8)


def trace_squared(x):
    return np.trace(x) ** 2 + np.sin(np.trace(x, 1))


def test_hessian_through_trace():
    x = rand(3, 3)
    np.testing.assert_allclose(srcad.hessian(trace_squared)(x),
                               numerical_hessian(trace_squared, x, eps=1e-5),
                               rtol=1e-5, atol=1e-6)
