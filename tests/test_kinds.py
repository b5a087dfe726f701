"""Value kinds and kind rules."""

import numpy as np
import pytest

from srcad.ir.kinds import (
    ARRAY,
    KIND_RULES,
    NUMERIC,
    OTHER,
    SCALAR,
    ArrayKind,
    ListKind,
    TupleKind,
    array_of_rank,
    elementwise,
    first,
    indexed,
    is_array,
    join_kinds,
    kind_of_value,
    numeric,
    product,
    reduction,
    reshaped,
    same_rank,
)
from srcad.ir.nodes import Const, Var

A0, A1, A2, A3 = ArrayKind(0), ArrayKind(1), ArrayKind(2), ArrayKind(3)


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("value, kind", [
    (1.5, SCALAR),
    (3, SCALAR),
    (np.float64(2.0), SCALAR),
    (np.float32(2.0), SCALAR),
    (np.int64(2), SCALAR),
    (True, OTHER),
    (np.bool_(True), OTHER),
    (None, OTHER),
    ("text", OTHER),
    ([1.0, 2.0], OTHER),
    (np.zeros(3), A1),
    (np.zeros((2, 3)), A2),
    (np.zeros((1, 1, 1)), A3),
    (np.zeros(()), A0),
    (np.zeros((1,) * 9), ArrayKind(9)),
    (np.zeros((2, 2)).view(np.matrix), A2),
    ((1.0, np.zeros(2)), TupleKind((SCALAR, A1))),
    ((), TupleKind(())),
    ((1.0, (2, True)), TupleKind((SCALAR, TupleKind((SCALAR, OTHER))))),
])
def test_kind_of_value(value, kind):
    assert kind_of_value(value) == kind


def test_kind_of_0d_subclass_array_is_an_array():
    class Sub(np.ndarray):
        pass
    assert kind_of_value(np.zeros(()).view(Sub)) == A0
    assert kind_of_value(np.zeros(4).view(Sub)) == A1


def test_array_of_rank():
    assert array_of_rank(0) == SCALAR
    assert array_of_rank(2) == A2
    assert array_of_rank(None) == ARRAY
    assert is_array(ARRAY) and is_array(A0) and not is_array(SCALAR)


# ----------------------------------------------------------------------------- join


@pytest.mark.parametrize("a, b, joined", [
    (SCALAR, SCALAR, SCALAR),
    (A2, A2, A2),
    (None, A1, A1),
    (SCALAR, None, SCALAR),
    (A1, A2, ARRAY),
    (ARRAY, A2, ARRAY),
    (SCALAR, A1, NUMERIC),
    (NUMERIC, SCALAR, NUMERIC),
    (NUMERIC, ARRAY, NUMERIC),
    (SCALAR, OTHER, OTHER),
    (A1, OTHER, OTHER),
    (TupleKind((SCALAR, A1)), TupleKind((SCALAR, A2)), TupleKind((SCALAR, ARRAY))),
    # list displays of different lengths merge into a run-time list
    (TupleKind((SCALAR,)), TupleKind((SCALAR, SCALAR)), ListKind(SCALAR)),
    (ListKind(SCALAR), TupleKind((A1,)), ListKind(NUMERIC)),
    (TupleKind((SCALAR,)), SCALAR, OTHER),
])
def test_join_kinds(a, b, joined):
    assert join_kinds(a, b) == joined
    assert join_kinds(b, a) == joined


def test_join_is_idempotent_and_absorbing():
    kinds = [SCALAR, NUMERIC, OTHER, A1, A2, ARRAY, TupleKind((SCALAR, A1))]
    for k in kinds:
        assert join_kinds(k, k) == k
        assert join_kinds(k, OTHER) == OTHER
        for j in kinds:
            assert join_kinds(join_kinds(k, j), j) == join_kinds(k, j)


# ----------------------------------------------------------------------------- rules


@pytest.mark.parametrize("kinds, result", [
    ([SCALAR, SCALAR], SCALAR),
    ([SCALAR], SCALAR),
    ([SCALAR, A2], A2),
    ([A1, A2], A2),
    ([A3, SCALAR, A1], A3),
    ([A2, ARRAY], ARRAY),
    ([NUMERIC, SCALAR], NUMERIC),
    ([NUMERIC, A2], ARRAY),
    ([OTHER, SCALAR], NUMERIC),
    ([OTHER, A1], ARRAY),
    ([], NUMERIC),
])
def test_elementwise(kinds, result):
    assert elementwise(kinds, {}) == result


def test_elementwise_matches_numpy_ranks():
    values = [2.0, np.ones(3), np.ones((2, 3)), np.ones((4, 2, 3))]
    for a in values:
        for b in values:
            expected = array_of_rank(np.ndim(np.add(a, b)))
            assert elementwise([kind_of_value(a), kind_of_value(b)], {}) == expected


def test_first_numeric_and_constant_rules():
    assert first([A2, SCALAR], {}) == A2
    assert first([], {}) == NUMERIC
    assert numeric([SCALAR, SCALAR], {}) == SCALAR
    assert numeric([SCALAR, A1], {}) == NUMERIC
    assert KIND_RULES["scalar"]([A2], {}) == SCALAR
    assert KIND_RULES["array"]([SCALAR], {}) == ARRAY
    assert KIND_RULES["other"]([SCALAR], {}) == OTHER
    assert set(KIND_RULES) >= {"elementwise", "first", "numeric", "reduction", "product",
                               "same_rank", "reshaped", "indexed"}


def _reduce(x_kind, axis=None, keepdims=False, axis_op=None, name="x"):
    named = {name: (Var("x"), x_kind),
             "axis": (axis_op if axis_op is not None else Const(axis), NUMERIC),
             "keepdims": (Const(keepdims), OTHER)}
    return reduction([x_kind], named)


@pytest.mark.parametrize("shape, axis, keepdims", [
    ((2, 3), None, False),
    ((2, 3), None, True),
    ((2, 3), 0, False),
    ((2, 3), 1, False),
    ((2, 3), -1, False),
    ((2, 3), 0, True),
    ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), (0, 1, 2), False),
    ((2, 3, 4), (1,), True),
    ((3,), 0, False),
    ((3,), None, False),
])
def test_reduction_matches_numpy(shape, axis, keepdims):
    x = np.ones(shape)
    result = np.sum(x, axis=axis, keepdims=keepdims)
    expected = array_of_rank(np.ndim(result))
    assert _reduce(kind_of_value(x), axis, keepdims) == expected


def test_reduction_defaults_and_unknowns():
    x = (Var("x"), A2)
    assert reduction([A2], {"x": x}) == SCALAR  # no axis given: all axes
    assert reduction([A2], {"a": x, "axis": (Const(1), SCALAR)}) == A1  # np.mean(a=...)
    assert _reduce(A2, axis_op=Var("axis")) == NUMERIC  # run-time axis
    assert _reduce(ARRAY, axis=0) == NUMERIC  # unknown rank
    assert _reduce(NUMERIC, axis=0) == NUMERIC
    assert _reduce(SCALAR, axis=None) == SCALAR
    keep = {"x": x, "axis": (Const(0), SCALAR), "keepdims": (Var("k"), OTHER)}
    assert reduction([A2], keep) == NUMERIC  # run-time keepdims


@pytest.mark.parametrize("a, b", [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
])
def test_product_ranks_match_numpy(a, b):
    x, y = np.ones(a), np.ones(b)
    expected = array_of_rank(np.ndim(np.dot(x, y)))
    assert product([kind_of_value(x), kind_of_value(y)], {}) == expected
    assert product([kind_of_value(x), kind_of_value(y)], {}) == \
        array_of_rank(np.ndim(x @ y))


def test_product_of_scalars_and_unknown_ranks():
    assert product([SCALAR, SCALAR], {}) == SCALAR
    assert product([A3, A2], {}) == NUMERIC  # batched: not ranks 1/2
    assert product([SCALAR, A2], {}) == NUMERIC
    assert product([ARRAY, A1], {}) == NUMERIC


def test_same_rank_and_reshaped():
    assert same_rank([A3], {}) == A3
    assert same_rank([SCALAR], {}) == ARRAY
    assert same_rank([], {}) == ARRAY
    shape = lambda value: {"shape": (Const(value), OTHER)}  # noqa: E731
    assert reshaped([A2], shape(6)) == A1
    assert reshaped([A2], shape((2, 3))) == A2
    assert reshaped([A1], shape((1, 2, 3))) == A3
    assert reshaped([A1], shape(())) == SCALAR
    assert reshaped([A1], {"newshape": (Const((3, 1)), OTHER)}) == A2
    assert reshaped([A1], {"shape": (Var("s"), OTHER)}) == ARRAY
    assert reshaped([A1], {}) == ARRAY


def _index(x_kind, index_value=None, index_op=None, index_kind=None):
    op = index_op if index_op is not None else Const(index_value)
    kind = index_kind if index_kind is not None else kind_of_value(index_value)
    return indexed([x_kind, kind], {"x": (Var("x"), x_kind), "index": (op, kind)})


@pytest.mark.parametrize("index", [
    0, -1, np.int64(1), slice(None), slice(1, None), (0, 1), (0, slice(None)),
    (slice(None), 1), (slice(0, 1), slice(None)), (1, 0, 2), (slice(None),) * 3,
])
def test_indexed_with_constant_indices_matches_numpy(index):
    x = np.ones((2, 3, 4))
    expected = array_of_rank(np.ndim(x[index]))
    assert _index(A3, index) == expected


@pytest.mark.parametrize("index", [
    None, Ellipsis, (Ellipsis, 0), (None, 0), True, [0, 1], np.array([0, 1]),
])
def test_indexed_with_other_constant_indices_is_unknown(index):
    assert _index(A2, index) == NUMERIC


def test_indexed_with_run_time_indices():
    i, j = Var("i"), Var("j")
    assert _index(A2, index_op=i, index_kind=SCALAR) == A1
    assert _index(A1, index_op=i, index_kind=SCALAR) == SCALAR
    pair = TupleKind((SCALAR, SCALAR))
    assert _index(A2, index_op=j, index_kind=pair) == SCALAR
    assert _index(A3, index_op=j, index_kind=pair) == A1
    assert _index(A2, index_op=j, index_kind=TupleKind((SCALAR, OTHER))) == NUMERIC
    assert _index(A2, index_op=j, index_kind=A1) == NUMERIC  # fancy indexing
    assert _index(A2, index_op=j, index_kind=OTHER) == NUMERIC


def test_indexed_too_many_ints_or_unknown_base():
    assert _index(A1, (0, 0)) == NUMERIC
    assert _index(ARRAY, 0) == NUMERIC
    assert _index(SCALAR, 0) == NUMERIC
    assert indexed([A2, SCALAR], {"index": (Const(0), SCALAR)}) == NUMERIC
