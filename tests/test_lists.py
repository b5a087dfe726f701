"""Python lists built at run time and handed to NumPy (issue: silently zero gradients).

Each case compares srcad's gradient (and forward mode, through `check_grad`) with
central finite differences; second derivatives are checked where the case is smooth.
"""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import check_grad, numerical_hessian
from scipy.special import logsumexp

import srcad
from srcad.runtime import add_adjoints, broadcast_like
from srcad.runtime.adjoints import AdjointStructureError, list_adjoint
from srcad.runtime.python import append_adjoint_head

X = np.array([0.3, -0.7, 1.1, 0.5, 0.9])


def softmax_loss(W, docs, labels):
    losses = []
    for i in range(len(labels)):
        logits = docs[i] @ W
        losses.append(logsumexp(logits) - logits[labels[i]])
    return np.mean(losses)


def test_losses_appended_in_a_loop_then_averaged():
    rng = np.random.default_rng(0)
    W, docs = rng.normal(size=(4, 3)), rng.normal(size=(5, 4))
    labels = np.array([0, 1, 2, 1, 0])
    g = check_grad(softmax_loss, W, docs, labels)
    assert np.abs(g).max() > 1e-3  # the bug was an all-zero gradient
    source = srcad.source(srcad.grad(softmax_loss), W, docs, labels)
    assert "np.asarray(losses" in source  # the conversion is explicit in the code


def appended(x):
    out = []
    out.append(x[0] * 2.0)
    out.append(np.sin(x[1]))
    for i in range(2, 4):
        out.append(x[i] * x[i + 1])
    return out


def preallocated(x):
    out = [0.0] * 4
    for i in range(4):
        out[i] = x[i] ** 2
    return out


def extended(x):
    out = [x[0]]
    out.extend([x[1] * 2.0, x[2]])
    out += [x[3] * x[4]]
    return out


def inserted(x):
    out = [x[0], x[1]]
    out.insert(0, x[2] * 3.0)
    out.insert(-1, x[3])
    return out


def comprehension(x):
    return [np.sin(v) * x[0] for v in x]


class Recorder:
    def __init__(self):
        self.values = []

    def record(self, v):
        self.values.append(v)


def attribute_list(x):
    r = Recorder()
    for i in range(4):
        r.record(x[i] * x[0])
    return r.values


def dict_values(x):
    d = {"a": x[0] * 2.0, "b": x[1], "c": x[2] ** 2}
    return list(d.values())


def dict_held_list(x):
    d = {"hist": []}
    for i in range(3):
        d["hist"].append(x[i] + x[i + 1])
    return d["hist"]


BUILDERS = [appended, preallocated, extended, inserted, comprehension, attribute_list,
            dict_values, dict_held_list]

def cumsum_weighted(v):
    return np.sum(np.cumsum(v) * np.arange(1.0, len(v) + 1))


def dot_itself(v):
    return np.dot(v, v)


def stacked(v):
    return np.sum(np.stack(v) ** 2)


def mean_and_stack(v):
    return np.mean(v) + np.mean(np.stack(v))


def cubed_array(v):
    return np.sum(np.array(v) ** 3)


def exp_sum(v):
    return np.sum(np.exp(v))


def sorted_weighted(v):
    return np.sum(np.array(sorted(v)) * np.arange(1.0, len(v) + 1))


def reversed_weighted(v):
    return np.sum(np.array(list(reversed(v))) * np.arange(1.0, len(v) + 1))


def sliced(v):
    return np.mean(v[1:]) * v[0]


def by_length(v):
    return np.sum(v) / len(v)


REDUCERS = {
    "mean": np.mean, "sum": np.sum, "prod": np.prod, "std": np.std, "var": np.var,
    "max": np.max, "min": np.min, "norm": np.linalg.norm, "cumsum": cumsum_weighted,
    "dot": dot_itself, "stack": stacked, "mean_and_stack": mean_and_stack,
    "array": cubed_array, "exp": exp_sum, "builtin_sum": sum, "builtin_max": max,
    "builtin_min": min, "sorted": sorted_weighted, "reversed": reversed_weighted,
    "slice": sliced, "len": by_length,
}


def _compose(builder, reducer):
    def f(x):
        return reducer(builder(x))
    return f


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
@pytest.mark.parametrize("reduce", list(REDUCERS), ids=str)
def test_numpy_functions_of_built_lists(builder, reduce):
    reducer = REDUCERS[reduce]
    f = _compose(builder, reducer)
    check_grad(f, X.copy())


def popped(x):
    xs = [x[0], x[1] * 2.0, x[2], x[3] ** 2]
    last = xs.pop()
    first = xs.pop(0)
    return last * first + np.sum(xs)


def iterated(x):
    xs = []
    for i in range(4):
        xs.append(x[i] * x[4])
    total = 0.0
    for v in xs:
        total = total + v * v
    for i, v in enumerate(xs):
        total = total + i * v
    return total


def lists_of_lists(x):
    rows = []
    for i in range(2):
        row = []
        for j in range(2):
            row.append(x[2 * i + j] * x[4])
        rows.append(row)
    m = np.array(rows)
    return np.sum(m @ m)


def item_read_back(x):
    xs = [0.0] * 3
    xs[0] = x[0]
    xs[1] = xs[0] * x[1]
    xs[2] = xs[1] * x[2]
    return xs[2] + xs[-1]


def repeated(x):
    xs = [x[0], x[1]] * 2
    return np.dot(np.array(xs), np.arange(1.0, 5.0))


@pytest.mark.parametrize("f", [popped, iterated, lists_of_lists, item_read_back, repeated],
                         ids=lambda f: f.__name__)
def test_list_operations(f):
    check_grad(f, X.copy())


@pytest.mark.parametrize("f", [_compose(appended, np.mean), _compose(extended, np.std),
                               _compose(comprehension, np.prod), popped, lists_of_lists])
def test_second_derivatives_through_lists(f):
    h = srcad.hessian(f)(X.copy())
    expected = numerical_hessian(f, X.copy(), eps=1e-6)
    np.testing.assert_allclose(h, expected, rtol=1e-4, atol=1e-6)


def test_mismatched_adjoint_structure_raises_instead_of_zeroing():
    with pytest.raises(AdjointStructureError):
        append_adjoint_head(np.ones(2), [1.0, 2.0, 3.0])
    with pytest.raises(AdjointStructureError):
        broadcast_like(np.ones(3), [1.0, 2.0])
    with pytest.raises(AdjointStructureError):
        add_adjoints([1.0, 2.0], np.ones(3))
    with pytest.raises(AdjointStructureError):
        list_adjoint(2.5, 3, "test")  # a non-zero scalar is not a list adjoint
    assert list_adjoint(0.0, 2, "test") == [0.0, 0.0]
    assert add_adjoints([1.0, 2.0], np.array([1.0, 1.0])) == [2.0, 3.0]


def aliased_append(x):
    xs = [x[0]]
    ys = xs
    ys.append(x[1])
    return np.sum(xs)


def test_append_through_an_alias_is_refused():
    with pytest.raises(srcad.SrcadError):
        srcad.grad(aliased_append)(X.copy())


def sliced_display_loop(a):
    xs = [np.sin(a), a * a, a ** 3]
    t = 0.0
    for v in xs[::-1]:
        t = t * v + v
    return t + sum(p for p in xs[1:]) + np.mean(xs[:2])


def zipped_slices(a):
    xs = [np.sin(a), a * a]
    return sum(p * q for p, q in zip(xs[1:], reversed(xs[1:])))


@pytest.mark.parametrize("f", [sliced_display_loop, zipped_slices], ids=lambda f: f.__name__)
def test_loops_over_slices_of_list_displays(f):
    # found by the randomized tester: the slice's adjoint was added as a number
    check_grad(f, 0.3)


def sliced_by_slice_object(x):
    out = [x[0] * 2.0, x[1], x[2] ** 2, x[3]][slice(1, 4, None)]
    return np.sum(np.array(out) ** 2) + np.sum(x[slice(0, 2)])


def test_a_constant_slice_object_indexes_a_list_display():
    # found by the complex sweep: xs[slice(1, 4)] was refused, xs[1:4] was not
    check_grad(sliced_by_slice_object, X.copy())


def filled_then_iterated(a):
    xs = [0.0] * 2
    for i in range(2):
        xs[i] = np.sin(a + i)
    return sum(p * q for p, q in zip(xs, reversed(xs)))


def iterated_then_replaced(a):
    xs = [a, a * 2.0]
    t = 0.0
    for v in xs:
        t = t + v * v
    xs[0] = a ** 3
    return t + xs[0] + np.mean(xs)


@pytest.mark.parametrize("f", [filled_then_iterated, iterated_then_replaced],
                         ids=lambda f: f.__name__)
def test_item_assignment_and_loops_over_the_list(f):
    # a list's items are objects, not views: a loop that read them sees no later change
    check_grad(f, 0.3)


def grows_while_iterated(a):
    xs = [a, a * 2.0]
    for v in xs:
        xs.append(v * 2.0)
        if len(xs) > 4:
            break
    return np.sum(xs)


def test_a_list_changed_while_iterated_is_refused():
    with pytest.raises(srcad.SrcadError, match="changes it"):
        srcad.grad(grows_while_iterated)(0.3)


def test_nested_comprehension_over_a_list_of_lists_of_arrays():
    # The adjoint of a list of lists accumulates item by item (it raised a TypeError).
    def f(x):
        a = x[:4].reshape((2, 2))
        b = x[4:8].reshape((2, 2))
        grid = [[a, b], [b, a]]
        rows = [np.concatenate([np.atleast_2d(m) for m in row], axis=-1) for row in grid]
        return np.sum(np.concatenate(rows, axis=0) * np.arange(16.0).reshape(4, 4))

    got = srcad.grad(f)(np.ones(8))
    np.testing.assert_allclose(got, [10.0, 12.0, 18.0, 20.0] * 2)
