"""Assignment into arrays: correct gradients where Python semantics allow it, clear
refusals where another reference could observe the change."""

import numpy as np
import pytest
from gradcheck import check_grad

import srcad

RNG = np.random.default_rng(5)


def fill_in_loop(x):
    y = np.zeros(4)
    for i in range(4):
        y[i] = x[i] * x[(i + 1) % 4]
    return np.sum(y ** 2)


def slice_add_and_mask(x):
    y = np.copy(x) * 1.0
    y[1:3] += x[0]
    y[y > 0.5] = 0.5
    return np.sum(y * x)


def overwrite_twice(x, w):
    y = np.ones(3)
    y[0] = x * w
    y[0] = y[0] * x  # the first value is read, then overwritten
    y[2] = w
    return np.sum(np.sin(y))


def nested_target(x):
    m = np.zeros((2, 3))
    m[1][2] = x
    m[0, :] = x * 2.0
    return np.sum(m * m)


def column_update(X):
    Y = X * 1.0
    Y[:, 1] = Y[:, 0] * Y[:, 2]
    return np.sum(Y ** 2)


def in_branch(x, flag):
    y = np.zeros(2)
    if flag:
        y[0] = x
    else:
        y[1] = x * 3.0
    return np.sum(y) * x


def running_update(x, n):
    state = np.zeros(3)
    for k in range(n):
        state[k % 3] += np.tanh(x * k + state[(k + 1) % 3])
    return np.sum(state)


@pytest.mark.parametrize("fn, args", [
    (fill_in_loop, (np.array([0.3, 0.9, -0.4, 0.7]),)),
    (slice_add_and_mask, (np.array([0.2, 0.4, 0.1, 0.6]),)),
    (nested_target, (0.7,)),
    (column_update, (np.arange(6.0).reshape(2, 3) / 5,)),
    (in_branch, (1.3, True)),
    (in_branch, (1.3, False)),
    (running_update, (0.4, 7)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_assignment_gradients_match_finite_differences(fn, args):
    check_grad(fn, *args)


def test_overwritten_value_gradients():
    dx, dw = check_grad(overwrite_twice, 0.7, 1.3, wrt=(0, 1))
    assert dx == pytest.approx(np.cos(0.7 * 0.7 * 1.3) * 2 * 0.7 * 1.3)
    assert dw == pytest.approx(np.cos(0.7 * 0.7 * 1.3) * 0.49 + np.cos(1.3))


def test_the_callers_array_is_not_modified():
    x = np.array([0.3, 0.9, -0.4, 0.7])
    before = x.copy()
    srcad.grad(slice_add_and_mask)(x)
    np.testing.assert_array_equal(x, before)


def into_argument(x):
    x[0] = 1.0
    return np.sum(x)


def into_alias(x):
    y = np.zeros(3)
    z = y
    y[0] = x
    return z[0]


def into_view(x):
    y = np.zeros((2, 2))
    row = y[0]
    y[0, 0] = x
    return row[0] * x


def into_global(x):
    GLOBAL_ARRAY[0] = x
    return np.sum(GLOBAL_ARRAY)


def into_list(x):
    y = [0.0, 0.0]
    y[0] = x
    return y[0] + y[1]


def chained_names(x):
    a = b = np.zeros(2)
    a[0] = x
    return b[0]


def kept_in_container(x):
    y = np.zeros(2)
    pair = (y, 1.0)
    y[0] = x
    return pair[0][0]


GLOBAL_ARRAY = np.zeros(3)


@pytest.mark.parametrize("fn, message", [
    (into_argument, "is an argument"),
    (into_alias, "share memory"),
    (into_view, "share memory"),
    (into_global, "not created in this function"),
    (chained_names, "together with another name"),
    (kept_in_container, "share memory"),
], ids=lambda v: getattr(v, "__name__", str(v)[:10]))
def test_assignments_another_reference_could_observe_are_refused(fn, message):
    arg = np.ones(3) if fn is into_argument else 0.5
    with pytest.raises(srcad.UnsupportedSyntaxError, match=message) as info:
        srcad.grad(fn)(arg)
    assert info.value.lineno is not None and "np.copy" in str(info.value)


def test_assignment_into_a_local_list_is_differentiated():
    assert srcad.grad(into_list)(0.5) == 1.0


def rows_filled_over_a_range_of_its_length(x):
    # Tangent's init_array_grad_maybe_active: `range(len(h))` does not iterate over h
    h = np.zeros((len(x), 3))
    for t in range(len(h)):
        h[t] = x[t]
    return np.sum(h * h)


def rows_filled_while_iterating_over_it(x):
    h = np.zeros((len(x), 3))
    for row in h:
        h[0] = x[0] * row
    return np.sum(h)


def test_a_loop_over_a_range_of_the_length_is_not_a_loop_over_the_array():
    check_grad(rows_filled_over_a_range_of_its_length, np.array([0.5, 1.0, 2.0]))
    with pytest.raises(srcad.UnsupportedSyntaxError, match="a loop iterates over 'h'"):
        srcad.grad(rows_filled_while_iterating_over_it)(np.array([0.5, 1.0, 2.0]))


def written_then_rebound_to_a_view(x):
    # found by the long randomized run: `buf` is new where it is written into; the
    # later binding to a view of the argument is only read
    buf = np.zeros(2)
    np.subtract(x[:2] ** 2, x[2], buf)
    total = np.sum(buf ** 2)
    for _ in range(2):
        buf = x[1:]
        total = total + np.sum(np.cos(buf))
    return total


def rebound_to_a_view_in_the_loop_that_writes(x):
    buf = np.zeros(3)
    for _ in range(2):
        np.multiply(x, 2.0, out=buf)
        buf = x[:]
    return np.sum(buf)


def view_written_before_rebinding(x):
    buf = x[:]
    buf[0] = 1.0
    buf = np.zeros(3)
    return np.sum(buf)


def test_a_view_bound_after_the_last_write_does_not_block_it():
    check_grad(written_then_rebound_to_a_view, np.array([0.3, -0.2, 0.7]))
    for fn in (rebound_to_a_view_in_the_loop_that_writes, view_written_before_rebinding):
        with pytest.raises(srcad.UnsupportedSyntaxError, match="not known to be a new array"):
            srcad.grad(fn)(np.array([0.3, -0.2, 0.7]))


# -- aliases between arrays the function made itself (the wave equation's swap), told
# apart when the code runs


def wave_swap(u0, c):
    n = u0.shape[0]
    u_prev = u0.copy()
    u = u0.copy()
    r2 = (c * 0.5) ** 2
    for _ in range(6):
        u_next = np.zeros(n)
        u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + r2 * (u[2:] - 2 * u[1:-1] + u[:-2])
        u_prev, u = u, u_next
        u[0] = u[-1] = 0.0          # u_next holds the same array, but is not read again
    return np.sum(u ** 2) + np.sum(u_prev * u)


def shape_ints_to_a_helper(e):
    x = e.copy()
    rows, cols = x.shape
    y = _positional(rows, cols)
    x[:, :1] *= 0.5
    return np.sum(x ** 2) + np.sum(y * e)


def _positional(rows, cols):
    pe = np.zeros((rows, cols))
    pe[:, 0] = 1.0
    return pe


def aliased_then_read(x):
    a = x * 2.0
    b = a                           # really the same array, read after the write
    a[0] = 0.0
    return np.sum(a * b)


def test_owned_aliases_are_checked_when_the_code_runs():
    check_grad(wave_swap, RNG.standard_normal(8), 0.9, wrt=(0, 1))
    check_grad(shape_ints_to_a_helper, RNG.standard_normal((3, 4)))
    with pytest.raises(srcad.SrcadError, match=r"another variable still holds: they share"):
        srcad.grad(aliased_then_read)(RNG.standard_normal(3))


def accumulate_then_hand_over(x):
    forces = []
    for i in range(3):
        f = np.zeros(2)                 # a new array before each write into it
        for j in range(3):
            if i != j:
                f += (x[j] - x[i]) * x[j]
        forces.append(f)                # handed over after its last write
    total = 0.0
    for p, f in zip(x, forces):         # `f` rebound by another loop: never written
        total = total + np.sum(p * f)
    return total


def written_after_a_fresh_binding_in_a_branch(x, flags=(True, False, True)):
    h = x                               # the argument: never written through `h`
    for flag in flags:
        h = h * 1.5 + 0.1
        if flag:
            h = np.tanh(h)
            h *= 0.5                    # sees only the new array of the line above
    return np.sum(h ** 2)


def test_writes_that_only_see_a_new_array_are_accepted():
    check_grad(accumulate_then_hand_over, RNG.standard_normal((3, 2)))
    x = RNG.standard_normal(4)
    before = x.copy()
    check_grad(written_after_a_fresh_binding_in_a_branch, x)
    np.testing.assert_array_equal(x, before)


def test_floats_written_into_an_integer_array_are_refused_not_differentiated():
    # NumPy truncates them: differentiating through the write gave a wrong gradient.
    def f(x):
        a = np.zeros(3, dtype=int)
        a[[0, 1]] = x * 3.0
        return np.sum(a * x[0]) + np.sum(x)

    with pytest.raises(srcad.SrcadError, match="truncates") as info:
        srcad.grad(f)(np.array([0.7, 1.4]))
    assert "line" in "".join(getattr(info.value, "__notes__", [])) + str(info.value)

    def g(x):
        counts = np.zeros(3, dtype=int)
        counts[1] = 2  # integers into an integer array stay allowed
        return np.sum(counts * x)

    np.testing.assert_allclose(srcad.grad(g)(np.ones(3)), [0.0, 2.0, 0.0])
