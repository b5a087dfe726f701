"""End-to-end gradients through shape operations (srcad/rules/numpy_shape.py,
numpy_joining.py, numpy_reordering.py)."""

import numpy as np
import pytest
import test_registry_sweep as sweep
from gradcheck import check_grad, numerical_jvp

import srcad
from srcad.analysis.inference import bind_template_args
from srcad.ir.kinds import NUMERIC, OTHER, SCALAR, ArrayKind, TupleKind, kind_of_value
from srcad.ir.nodes import Call, Const, Var
from srcad.rules import registry


def rand(*shape, seed=0):
    return np.random.default_rng(seed + 17 * len(shape)).uniform(-1.0, 1.0, size=shape)


def weigh(v):
    """A scalar that depends on where each entry of `v` sits (so permutations show)."""
    w = np.reshape(np.arange(np.size(v)) + 1.0, np.shape(v))
    return np.sum(w * v * v) + np.sum(w * v)


# ============================================================================ reshaping


def f_ravel(x):
    return weigh(np.ravel(x * 2.0))


def f_ravel_f(x):
    return weigh(np.ravel(x, "F"))


def f_ravel_k_transposed(x):
    return weigh(np.ravel(x.T, order="K"))


def f_ravel_scalar(x):
    return weigh(np.ravel(x) * 3.0)


def f_method_ravel(x):
    return weigh(x.ravel() + x.ravel("F"))


def f_method_flatten(x):
    return weigh(x.flatten()) + weigh(x.flatten(order="F"))


@pytest.mark.parametrize("f", [f_ravel, f_ravel_f, f_ravel_k_transposed, f_method_ravel,
                               f_method_flatten])
def test_ravel(f):
    check_grad(f, rand(2, 3))


def test_ravel_scalar():
    check_grad(f_ravel_scalar, 0.7)


def f_swapaxes(x):
    return weigh(np.swapaxes(x, 0, 2))


def f_method_swapaxes(x):
    return weigh(x.swapaxes(-1, 1))


def f_moveaxis(x):
    return weigh(np.moveaxis(x, 0, -1)) + weigh(np.moveaxis(x, (0, 1), (2, 0)))


@pytest.mark.parametrize("f", [f_swapaxes, f_method_swapaxes, f_moveaxis])
def test_axes(f):
    check_grad(f, rand(2, 3, 4))


def f_expand_dims(x):
    return weigh(np.expand_dims(x, 0) * np.expand_dims(x, axis=-1))


def f_expand_dims_tuple(x):
    return weigh(np.expand_dims(x, (0, 2)))


def f_squeeze(x):
    return weigh(np.squeeze(x)) + weigh(np.squeeze(x, 0)) + weigh(np.squeeze(x, axis=(0, 2)))


def f_method_squeeze(x):
    return weigh(x.squeeze()) + weigh(x.squeeze(-1))


def test_expand_dims_and_squeeze():
    check_grad(f_expand_dims, rand(3))
    check_grad(f_expand_dims_tuple, rand(2, 3))
    check_grad(f_squeeze, rand(1, 3, 1))
    check_grad(f_method_squeeze, rand(1, 3, 1))


def f_atleast(x):
    return weigh(np.atleast_1d(x)) + weigh(np.atleast_2d(x)) + weigh(np.atleast_3d(x))


def test_atleast():
    check_grad(f_atleast, 0.3)
    check_grad(f_atleast, rand(3))
    check_grad(f_atleast, rand(2, 3))


def f_broadcast_to(x):
    return weigh(np.broadcast_to(x, (4, 2, 3)))


def test_broadcast_to():
    check_grad(f_broadcast_to, rand(2, 1))
    check_grad(f_broadcast_to, rand(3))
    check_grad(f_broadcast_to, 0.4)


def f_method_transpose(x):
    return weigh(x.transpose()) + weigh(x.transpose(1, 2, 0)) + weigh(x.transpose((2, 0, 1)))


def test_method_transpose():
    check_grad(f_method_transpose, rand(2, 3, 4))


# ============================================================================ joining


def f_concatenate(a, b):
    return weigh(np.concatenate([a, b * 2.0], axis=0))


def f_concatenate_axis1(a, b):
    return weigh(np.concatenate([a, np.sin(b), a], axis=1))


def f_concatenate_flat(a, b):
    return weigh(np.concatenate((a, b), axis=None))


def f_concatenate_with_constant(a):
    return weigh(np.concatenate([np.ones((1, 3)), a]))


def f_join_rows_of_an_array(x):
    y = x * 2.0
    return weigh(np.concatenate(y)) + weigh(np.stack(y, axis=1)) + weigh(np.vstack(y))


def test_join_the_rows_of_an_array():
    check_grad(f_join_rows_of_an_array, rand(3, 2))


def test_concatenate():
    a, b = rand(2, 3), rand(1, 3, seed=1)
    check_grad(f_concatenate, a, b, wrt=(0, 1))
    check_grad(f_concatenate_axis1, a, rand(2, 2, seed=2), wrt=(0, 1))
    check_grad(f_concatenate_flat, a, rand(4, seed=3), wrt=(0, 1))
    check_grad(f_concatenate_with_constant, a)


def f_stack(a, b):
    return weigh(np.stack([a, b * b])) + weigh(np.stack((a, b), axis=1))


def f_stack_scalars(s, t):
    return weigh(np.stack([s, t * 2.0, s * t]))


def test_stack():
    check_grad(f_stack, rand(2, 3), rand(2, 3, seed=1), wrt=(0, 1))
    check_grad(f_stack_scalars, 0.3, -0.8, wrt=(0, 1))


def f_hstack(a, b):
    return weigh(np.hstack([a, b]))


def f_vstack(a, b):
    return weigh(np.vstack([a, b]))


def f_dstack(a, b):
    return weigh(np.dstack([a, b]))


def f_column_stack(a, b):
    return weigh(np.column_stack([a, b]))


def test_hstack_vstack_dstack_column_stack():
    check_grad(f_hstack, rand(2), rand(3, seed=1), wrt=(0, 1))
    check_grad(f_hstack, rand(2, 3), rand(2, 1, seed=1), wrt=(0, 1))
    check_grad(f_vstack, rand(3), rand(2, 3, seed=1), wrt=(0, 1))
    check_grad(f_dstack, rand(2, 3), rand(2, 3, 2, seed=1), wrt=(0, 1))
    check_grad(f_column_stack, rand(3), rand(3, 2, seed=1), wrt=(0, 1))


# ============================================================================ splitting


def f_split_unpacked(x):
    p, q, r = np.split(x, 3)
    return weigh(p * r) + weigh(q)


def f_split_indices(x):
    parts = np.split(x, [1, 4])
    return weigh(parts[0]) + weigh(parts[2] ** 2)


def f_split_unused_part(x):
    a, b = np.split(x, 2, axis=1)
    return weigh(b)


def f_array_split(x):
    a, b, c = np.array_split(x, 3)
    return weigh(a) + weigh(c * 2.0)


def f_split_then_concatenate(x):
    return weigh(np.concatenate(np.split(x, 2)))


def f_split_variable_sections(x, n):
    parts = np.split(x, n)
    return weigh(parts[1])


def test_split():
    check_grad(f_split_unpacked, rand(6))
    check_grad(f_split_indices, rand(6))
    check_grad(f_split_unused_part, rand(2, 4))
    check_grad(f_array_split, rand(7))
    check_grad(f_split_then_concatenate, rand(4, 2))
    check_grad(f_split_variable_sections, rand(6), 3)


def test_split_kind_is_a_tuple_of_known_length():
    rule = registry.lookup(np.split)
    kind = rule.kind([ArrayKind(2), ArrayKind(0)], {
        "ary": (None, ArrayKind(2)), "indices_or_sections": (Const(3), ArrayKind(0)),
        "axis": (Const(0), ArrayKind(0))})
    assert kind == TupleKind((ArrayKind(2),) * 3)


# ============================================================================ repeating, padding


def f_tile(x):
    return weigh(np.tile(x, (2, 3)))


def f_repeat(x):
    return weigh(np.repeat(x, 2)) + weigh(np.repeat(x, 3, axis=1))


def f_repeat_array(x):
    return weigh(np.repeat(x, np.array([1, 0, 3]), axis=-1))


def f_method_repeat(x):
    return weigh(x.repeat(2, 0)) + weigh(x.repeat([2, 1, 1], axis=1))


def test_tile_and_repeat():
    check_grad(f_tile, rand(2, 3))
    check_grad(f_tile, rand(3))
    check_grad(f_repeat, rand(2, 3))
    check_grad(f_repeat_array, rand(2, 3))
    check_grad(f_method_repeat, rand(2, 3))


def f_pad(x):
    return weigh(np.pad(x, 1)) + weigh(np.pad(x, ((1, 0), (2, 1))))


def f_pad_constant(x, c):
    return weigh(np.pad(x, (1, 2), constant_values=c * 2.0))


def f_pad_constant_pairs(x, c):
    return weigh(np.pad(x, 1, mode="constant", constant_values=((c, 1.0), (0.5, c * c))))


def f_pad_modes(x):
    return (weigh(np.pad(x, 2, mode="edge")) + weigh(np.pad(x, (1, 2), "reflect"))
            + weigh(np.pad(x, 1, mode="symmetric")) + weigh(np.pad(x, ((0, 3), (2, 1)), "wrap")))


def f_pad_mean(x):
    return weigh(np.pad(x, 1, mode="mean"))


def test_pad():
    check_grad(f_pad, rand(2, 3))
    check_grad(f_pad_constant, rand(2, 3), 0.4, wrt=(0, 1))
    check_grad(f_pad_constant_pairs, rand(2, 3), 0.4, wrt=(0, 1))
    check_grad(f_pad_modes, rand(3, 3))


def test_pad_other_modes_are_refused():
    with pytest.raises(NotImplementedError, match="mode='mean'"):
        srcad.grad(f_pad_mean)(rand(2, 3))


# ============================================================================ reordering


def f_flip(x):
    return weigh(np.flip(x)) + weigh(np.flip(x, 0)) + weigh(np.flip(x, axis=(0, 2)))


def f_fliplr_flipud(x):
    return weigh(np.fliplr(x) * np.flipud(x))


def f_roll(x):
    return (weigh(np.roll(x, 2)) + weigh(np.roll(x, -1, axis=1))
            + weigh(np.roll(x, (1, 2), axis=(0, 2))))


def test_flip_and_roll():
    check_grad(f_flip, rand(2, 3, 2))
    check_grad(f_fliplr_flipud, rand(3, 3))
    check_grad(f_roll, rand(2, 3, 4))


def f_sort(x):
    return weigh(np.sort(x)) + weigh(np.sort(x, axis=0)) + weigh(np.sort(x, axis=None))


def test_sort():
    check_grad(f_sort, rand(3, 4))


# ============================================================================ diagonals


def f_diag_vector(v):
    return weigh(np.diag(v)) + weigh(np.diag(v * v, 1)) + weigh(np.diag(v, k=-2))


def f_diag_matrix(m):
    return weigh(np.diag(m)) + weigh(np.diag(m, 1)) + weigh(np.diag(m, k=-1))


def f_diagonal(a):
    return (weigh(np.diagonal(a)) + weigh(np.diagonal(a, 1, 1, 2))
            + weigh(np.diagonal(a, offset=-1, axis1=2, axis2=0)))


def f_triangles(m):
    return weigh(np.tril(m)) + weigh(np.triu(m, 1)) + weigh(np.tril(m * m, k=-1))


def test_diagonals_and_triangles():
    check_grad(f_diag_vector, rand(3))
    check_grad(f_diag_matrix, rand(3, 4))
    check_grad(f_diagonal, rand(3, 3, 4))
    check_grad(f_triangles, rand(3, 4))
    check_grad(f_triangles, rand(2, 3, 3))
    check_grad(f_triangles, rand(3))  # tril of a vector is a matrix


# ============================================================================ copies, conversions


def f_copy(x):
    return weigh(np.copy(x) * x.copy())


def f_asarray(x):
    return weigh(np.asarray(x) + np.asarray(x, dtype=float))


def f_asarray_list(s, t):
    return weigh(np.asarray([s, t * 2.0, s * t]))


def f_array(x):
    return weigh(np.array(x) * 2.0)


def f_array_list(s, t):
    return weigh(np.array([s, t, 1.0]) * np.array([[s * t, 2.0], [t, s]]).sum())


def f_array_ndmin(x):
    return weigh(np.array(x, ndmin=2))


def f_astype(x):
    return weigh(x.astype(float) + x.astype(np.float64, copy=False))


def f_astype_int(x):
    return np.sum(x.astype(int) * x)


def f_astype_float32(x):
    return np.sum(x.astype(np.float32) ** 2)


def test_copies_and_conversions():
    check_grad(f_copy, rand(2, 3))
    check_grad(f_asarray, rand(2, 3))
    check_grad(f_asarray_list, 0.3, -0.6, wrt=(0, 1))
    check_grad(f_array, rand(2, 3))
    check_grad(f_array, 0.5)
    check_grad(f_array_list, 0.3, -0.6, wrt=(0, 1))
    check_grad(f_array_ndmin, rand(3))
    check_grad(f_astype, rand(2, 3))
    check_grad(f_astype_int, rand(2, 3) * 3.0)


def test_astype_float32_gradient_comes_back_in_float64():
    x = rand(2, 3)
    g = srcad.grad(f_astype_float32)(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2.0 * x, rtol=1e-6)


# ============================================================================ clip


def f_clip(x):
    return weigh(x.clip(-0.5, 0.5)) + weigh(x.clip(min=0.0)) + weigh(x.clip(max=0.2))


def f_clip_bounds(x, low, high):
    return weigh(x.clip(low * 1.0, high))


def test_clip():
    check_grad(f_clip, rand(2, 3))
    x = np.array([[-0.9, -0.3, 0.1], [0.4, 0.8, -0.05]])
    low, high = np.array([-0.5, 0.0, -0.2]), np.array([[0.3], [0.6]])
    check_grad(f_clip_bounds, x, low, high, wrt=(0, 1, 2))
    check_grad(f_clip_bounds, x, -0.2, 0.35, wrt=(0, 1, 2))


# ============================================================================ never silently wrong


def f_split_variable_sections_twice(x, n):
    parts = np.split(x, n)
    return weigh(parts[0] * 3.0) + weigh(parts[1])


def test_split_with_variable_sections_is_right_or_refused():
    # the number of parts is unknown when compiling, so the parts' adjoints are summed
    # as one list; a wrong sum must be refused, not used
    try:
        check_grad(f_split_variable_sections_twice, rand(6), 2)
    except RuntimeError as err:
        assert "adjoint of a split into 2 parts" in str(err)


def test_ravel_in_memory_order_of_a_fortran_array():
    from srcad.runtime.shape import ravel_adjoint, ravel_tangent
    a = np.asfortranarray(rand(2, 3))
    g = np.arange(6.0)
    for order in "AK":
        y_index = np.ravel(np.arange(6).reshape(2, 3), order="F")  # the F order of a
        expected = np.zeros(6)
        expected[y_index] = g
        np.testing.assert_array_equal(ravel_adjoint(g, a, order), expected.reshape(2, 3))
        np.testing.assert_array_equal(ravel_tangent(a, a, order), np.ravel(a, order))


# ============================================================================ forward mode

R = rand
JVP_CASES = [
    (f_ravel, (R(2, 3),)), (f_ravel_k_transposed, (R(2, 3),)), (f_method_flatten, (R(2, 3),)),
    (f_swapaxes, (R(2, 3, 4),)), (f_moveaxis, (R(2, 3, 4),)), (f_expand_dims, (R(3),)),
    (f_squeeze, (R(1, 3, 1),)), (f_atleast, (0.3,)), (f_broadcast_to, (R(2, 1),)),
    (f_method_transpose, (R(2, 3, 4),)), (f_concatenate, (R(2, 3), R(1, 3))),
    (f_concatenate_with_constant, (R(2, 3),)), (f_join_rows_of_an_array, (R(3, 2),)),
    (f_stack, (R(2, 3), R(2, 3))),
    (f_stack_scalars, (0.3, -0.8)), (f_hstack, (R(2, 3), R(2, 1))), (f_vstack, (R(3), R(2, 3))),
    (f_dstack, (R(2, 3), R(2, 3, 2))), (f_column_stack, (R(3), R(3, 2))),
    (f_split_unpacked, (R(6),)), (f_split_indices, (R(6),)), (f_split_unused_part, (R(2, 4),)),
    (f_array_split, (R(7),)), (f_split_then_concatenate, (R(4, 2),)), (f_tile, (R(2, 3),)),
    (f_repeat, (R(2, 3),)), (f_method_repeat, (R(2, 3),)), (f_pad, (R(2, 3),)),
    (f_pad_constant, (R(2, 3), 0.4)), (f_pad_constant_pairs, (R(2, 3), 0.4)),
    (f_pad_modes, (R(3, 3),)), (f_flip, (R(2, 3, 2),)), (f_fliplr_flipud, (R(3, 3),)),
    (f_roll, (R(2, 3, 4),)), (f_sort, (R(3, 4),)), (f_diag_vector, (R(3),)),
    (f_diag_matrix, (R(3, 4),)), (f_diagonal, (R(3, 3, 4),)), (f_triangles, (R(3),)),
    (f_copy, (R(2, 3),)), (f_asarray, (R(2, 3),)), (f_asarray_list, (0.3, -0.6)),
    (f_array, (0.5,)), (f_array_list, (0.3, -0.6)), (f_array_ndmin, (R(3),)),
    (f_astype, (R(2, 3),)), (f_astype_int, (R(2, 3) * 3.0,)), (f_clip, (R(2, 3),)),
    (f_clip_bounds, (np.array([[-0.9, -0.3, 0.1], [0.4, 0.8, -0.05]]),
                     np.array([-0.5, 0.0, -0.2]), np.array([[0.3], [0.6]]))),
]


@pytest.mark.parametrize("f, args", JVP_CASES, ids=[f.__name__ for f, _ in JVP_CASES])
def test_jvp_matches_finite_differences(f, args):
    rng = np.random.default_rng(5)
    tangents = tuple(rng.standard_normal(np.shape(a)) if isinstance(a, np.ndarray)
                     else float(rng.standard_normal()) for a in args)
    value, tangent = srcad.jvp(f, args, tangents)
    assert np.isclose(value, f(*args))
    np.testing.assert_allclose(tangent, numerical_jvp(f, args, tangents), rtol=1e-5, atol=1e-6)


# ============================================================================ kinds


def _has_rand(v):
    if isinstance(v, (list, tuple)):
        return any(_has_rand(i) for i in v)
    return isinstance(v, registry.Rand)


def _operand_and_kind(written, value):
    """The operand srcad sees for an argument `written` in an example, and its kind:
    a list literal, a tuple holding inputs, or an input is a Var; the rest constants."""
    if not (isinstance(written, list) or _has_rand(written)):
        return Const(value), kind_of_value(value)

    def kind_of(w, v):
        if isinstance(w, (list, tuple)) and (isinstance(w, list) or _has_rand(w)):
            return TupleKind(tuple(kind_of(i, j) for i, j in zip(w, v)))
        return kind_of_value(v)

    return Var("arg"), kind_of(written, value)


def _compatible(kind, value):
    """Whether `value` is of `kind`."""
    if kind in (OTHER, NUMERIC):
        return True
    if kind == SCALAR:
        return np.ndim(value) == 0 and not isinstance(value, (list, tuple))
    if isinstance(kind, ArrayKind):
        return isinstance(value, np.ndarray) and kind.ndim in (None, value.ndim)
    if isinstance(kind, TupleKind):
        return isinstance(value, (list, tuple)) and len(value) == len(kind.items) and \
            all(_compatible(k, v) for k, v in zip(kind.items, value))
    return False


SHAPE_RULES = [r for r in registry.all_rules() if r.examples and r.adjoint is not None and
               r.adjoint.filename.endswith(("numpy_shape.py", "numpy_joining.py",
                                            "numpy_reordering.py"))]


@pytest.mark.parametrize("rule", SHAPE_RULES, ids=sweep.rule_id)
def test_kinds_agree_with_the_examples(rule):
    """The kind each rule claims for its result holds on all its examples."""
    for example, case in zip(rule.examples, sweep.example_cases(rule, rule.examples)):
        args = [_operand_and_kind(w, v) for w, v in zip(example.args, case.args)]
        kwargs = {k: _operand_and_kind(w, case.kwargs[k]) for k, w in example.kwargs.items()}
        kinds = {id(op): kind for op, kind in args + list(kwargs.values())}
        call = Call(Var("y"), rule.primal, [op for op, _ in args],
                    {k: op for k, (op, _) in kwargs.items()})
        bound = bind_template_args(rule.adjoint, call)
        named = {n: (op, kinds.get(id(op)) or kind_of_value(op.value))
                 for n, op in bound.items() if not isinstance(op, tuple)}
        claimed = rule.kind([named[n][1] for n in rule.adjoint.params if n in named], named)
        out = sweep.call_primal(rule.primal, case.args, case.kwargs)
        shapes = [np.shape(i) for i in out] if isinstance(out, (list, tuple)) else np.shape(out)
        assert _compatible(claimed, out), \
            f"{case!r}: claims {claimed}, gives a {type(out).__name__} of shape {shapes}"
