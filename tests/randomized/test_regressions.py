"""Programs from the randomized tester (test_random_programs.py) that exposed srcad bugs.

Each is kept as a plain test, even after the bug is fixed. The programs are the ones
Hypothesis reported (shrunk, with the generator's names), followed where useful by a
hand-reduced form of the same bug.

Root cause shared by all of them (as of this writing): when an array-valued variable
receives no gradient on the path actually taken (its value is unused there, or a loop
overwrites it before it is read), srcad represents its adjoint by the float 0.0, and
several reverse-mode rules and runtime helpers assume an adjoint with the array's
shape: `setitem` / indexing (`y[i] = v`), matmul / np.dot, np.mean(axis=...),
reshape / ravel.
"""

import math

import numpy as np
import pytest
from gradcheck import check_grad

import srcad

# ----------------------------------------------------------------------------- y[i] = v


def setitem_unused_on_taken_path(x, c):
    y = x * 1.0
    y[0] = 0.5
    if c > 0.0:
        return np.sum(y)
    return c


def setitem_then_unused_item(x, c):
    y = np.zeros(2)
    y[0] = x
    if c > 0.0:
        c = c + y[1]
    return c


@pytest.mark.parametrize("c", [0.3, -0.3])
def test_assignment_into_an_array_unused_on_the_taken_path(c):
    # c < 0: the reverse sweep runs setitem(0.0, 0, 0.0) and raises
    # UnsupportedSyntaxError("assignment into a float (x[i] = v) is not supported ...")
    dx, dc = check_grad(setitem_unused_on_taken_path, np.array([0.1, 0.2]), c, wrt=(0, 1))
    assert np.array_equal(dx, [0.0, 1.0] if c > 0 else [0.0, 0.0])


@pytest.mark.parametrize("c", [0.3, -0.3])
def test_item_of_an_assigned_array_unused_on_the_taken_path(c):
    # c < 0: TypeError: 'float' object is not subscriptable (dx = unbroadcast(dy[0], x))
    dx, dc = check_grad(setitem_then_unused_item, 0.4, c, wrt=(0, 1))
    assert dx == 0.0 and dc == 1.0


# ----------------------------------------------------------------------------- matmul / dot


def matmul_overwritten_in_loop(X, w):
    for i in range(2):
        v = X @ w
    return np.sum(v)


def transposed_matmul_overwritten_in_loop(X, w):
    v = 0.0
    for i in range(2):
        v = X.T @ w
    return np.sum(v)


def dot_overwritten_in_loop(X, w):
    for i in range(2):
        v = np.dot(X, w)
    return np.sum(v)


def matmul_unused_on_taken_path(X, w, c):
    v = X @ w
    if c > 0.0:
        return np.sum(v)
    return c


X23 = np.array([[0.1, 0.5, -0.3], [0.7, -0.2, 0.4]])


def test_matmul_result_overwritten_in_a_loop():
    # ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0 ...
    # (matmul_adjoint_left(0.0, X, w) in the second reverse iteration)
    check_grad(matmul_overwritten_in_loop, X23, np.array([0.3, -0.4, 0.2]), wrt=(0, 1))


def test_transposed_matmul_result_overwritten_in_a_loop():
    check_grad(transposed_matmul_overwritten_in_loop, X23, np.array([0.3, -0.4]), wrt=(0, 1))


def test_dot_result_overwritten_in_a_loop():
    # IndexError: tuple index out of range
    check_grad(dot_overwritten_in_loop, X23, np.array([0.3, -0.4, 0.2]), wrt=(0, 1))


@pytest.mark.parametrize("c", [0.5, -0.5])
def test_matmul_result_unused_on_the_taken_path(c):
    check_grad(matmul_unused_on_taken_path, X23, np.array([0.3, -0.4, 0.2]), c,
               wrt=(0, 1, 2))


# ----------------------------------------------------------------------------- reductions, shapes


def mean_axis_unused_on_taken_path(X, c):
    v = np.mean(X, axis=1)
    if c > 0.0:
        return np.sum(v)
    return c


def reshape_unused_on_taken_path(X, c):
    v = X.reshape(3, 2)
    if c > 0.0:
        return np.sum(v)
    return c


def ravel_unused_on_taken_path(X, c):
    v = X.ravel()
    if c > 0.0:
        return np.sum(v)
    return c


@pytest.mark.parametrize("fn", [
    mean_axis_unused_on_taken_path,  # AxisError: axis 1 is out of bounds for array of dim 1
    reshape_unused_on_taken_path,  # ValueError: cannot reshape array of size 1 into (2,3)
    ravel_unused_on_taken_path,  # ValueError: cannot reshape array of size 1 into (2,3)
], ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("c", [0.5, -0.5])
def test_shape_rules_with_an_unused_result(fn, c):
    check_grad(fn, X23, c, wrt=(0, 1))


# Found by the long run after `+=` started guarding aliases: a float accumulator that
# becomes an array, later reassigned by unpacking a tuple of new values, was refused.
def accumulator_reassigned_by_unpacking(x):
    acc = 0.5
    s = 0.0
    for i in range(2):
        s += np.cos(acc * x[0:2])
        s, acc = (s * 0.5, acc * np.cos(s[i]))
    return np.sum(s) + acc


def accumulator_that_starts_as_a_float(x):
    s = 0.0
    for i in range(3):
        s += np.tanh(x * i)
    return np.sum(s)


@pytest.mark.parametrize("fn", [accumulator_reassigned_by_unpacking,
                                accumulator_that_starts_as_a_float],
                         ids=lambda fn: fn.__name__)
def test_in_place_accumulators_that_start_as_floats(fn):
    check_grad(fn, np.array([0.3, -0.2, 0.5]))


# Found by the long run (a bug older than this session): a recursive helper whose base
# case does not use an argument returned the scalar 0.0 as that argument's gradient,
# and the caller's rules could not unbroadcast it.
def recursive_unused_in_base_case(a0, a1, n):
    if n <= 0:
        return 0.5 + np.cos(a0)
    return np.tanh(recursive_unused_in_base_case(a0, a1[-1, :] / (2.5 - np.tanh(a1[:, 1:2])),
                                                 n - 1))


def calls_the_recursive_helper(x0):
    m = np.tanh(x0 * np.ones((2, 3)))
    return np.sum(recursive_unused_in_base_case(m, m, 3))


def accumulator_then_rebound_to_a_view_of_a_temporary(x):
    s = 0.0
    for i in range(2):
        s += np.tanh(np.cos(x))
    s = (x * s)[::-1]
    return np.sum(s)


@pytest.mark.parametrize("fn", [calls_the_recursive_helper,
                                accumulator_then_rebound_to_a_view_of_a_temporary],
                         ids=lambda fn: fn.__name__)
def test_found_by_the_long_run(fn):
    check_grad(fn, np.array([0.045, 0.115, 0.075]))


def accumulator_read_through_a_scalar(x):
    s = 0.0
    acc = 0.0
    for i in range(3):
        s += np.tanh(x)
        v = s[1] if x[0] > -5.0 else acc
        acc = acc + v
    return acc + np.sum(s)


def accumulator_with_a_row_view_rebound_before_use(x):
    s = np.zeros((2, 3))
    for i in range(2):
        s += np.tanh(x)
        row = s[0]
    return np.sum(row * s)


def accumulator_with_a_live_row_view(x):
    s = np.zeros((2, 3))
    for i in range(2):
        s += np.tanh(x)
        row = s[0]
        s += x
    return np.sum(row * s)


def test_in_place_update_checks_aliases_at_run_time():
    # `v = s[1]` could be a view of `s` (it is a number here): checked when `s += ...`
    # runs, refused only if the value really shares memory
    check_grad(accumulator_read_through_a_scalar, np.array([0.1, 0.2, 0.3]))
    # the view `row` of the last round is rebound before the next `s += ...`: no sharing
    check_grad(accumulator_with_a_row_view_rebound_before_use, np.array([0.1, 0.2, 0.3]))
    with pytest.raises(srcad.SrcadError, match="holds it"):
        srcad.grad(accumulator_with_a_live_row_view)(np.array([0.1, 0.2, 0.3]))


# Found by stmt_consts' writes through a module-level index array (program_gen.py;
# srcad gave every repeated position the adjoint, a silently wrong gradient). NumPy
# writes `y[IDX] = v` and `y[IDX] += v` element by element: where IDX repeats a position,
# the last write wins (`+=` reads y[IDX] once, so it does not accumulate), and the
# values written earlier to that position do not reach the result.
REPEATED = np.array([0, 0])


def assign_through_repeated_indices(x):
    y = np.zeros(2)
    y[REPEATED] = x  # y[0] = x[1]
    return y[0]


def add_through_repeated_indices(x):
    y = np.zeros(2)
    y[REPEATED] += x  # y[0] = 0.0 + x[1]
    return y[0]


def multiply_through_repeated_indices(x):
    y = x + 1.0
    y[np.array([0, 2, 0])] *= x  # y[0] = (x[0] + 1) * x[2], y[2] = (x[2] + 1) * x[1]
    return np.sum(y ** 2)


@pytest.mark.parametrize("fn", [assign_through_repeated_indices,
                                add_through_repeated_indices,
                                multiply_through_repeated_indices],
                         ids=lambda fn: fn.__name__)
def test_writes_through_repeated_indices(fn):
    check_grad(fn, np.array([0.3, -0.4, 0.7]) if fn is multiply_through_repeated_indices
               else np.array([1.0, 2.0]))


# Found by stmt_outkw (program_gen.py):
# the value of a call with out= is the out array (here `other`, a new array), but srcad
# takes it for a value that may hold the call's inputs (a view of `buf`), and then
# refuses the write into `buf` while transforming, although nothing else holds `buf`.
def out_call_value_reading_a_view(x):
    buf = np.ones((2, 3))
    other = np.ones(3)
    u = np.subtract(x, buf[1, :], out=other)  # u is other
    buf[0] = np.exp(x)
    return np.sum(u) + np.sum(buf)


def out_call_value_reading_a_view_in_a_loop(x):
    acc = 0.0
    for k in range(2):
        buf = np.ones((2, 3))
        np.exp(x, out=buf[0])
        other = np.ones(3)
        u = np.subtract(x, buf[1, :], out=other)
        acc = acc + np.sum(u)
    return acc


@pytest.mark.parametrize("fn", [out_call_value_reading_a_view,
                                out_call_value_reading_a_view_in_a_loop],
                         ids=lambda fn: fn.__name__)
def test_value_of_an_out_call_is_the_out_array(fn):
    check_grad(fn, np.array([0.3, -0.4, 0.7]))


# Found by the long run (slow_scalar_control, 4 programs): an out= buffer rebound to a
# view by tuple unpacking in a branch, after its last write, was refused (the unpacking
# form did not get the "after the last write" judgement that `buf = view` had).
_K0 = np.array([-1.5, 2.0, 0.1])


def out_buffer_rebound_by_unpacking_after_its_last_write(x0):
    acc = min(x0, x0)
    buf = np.zeros(3)
    u = np.subtract((-x0) * _K0, x0, buf)
    if buf[2] * acc >= buf[0] - x0:
        acc = acc + np.sum(u)
    else:
        buf, acc = (buf[::-1] if math.sin(np.dot(u[-2:], u[::2])) < 1.25 else u[::-1],
                    acc * (x0 + x0))
        acc = np.cos(acc)
    return acc + np.sum(buf)


def write_into_a_view_bound_by_unpacking(x0):
    base = np.ones(3) * x0
    buf = np.zeros(3)
    buf, k = (base[::-1], 1.0)
    buf[0] = x0 * x0            # also changes base[2]: real sharing
    return np.sum(base * buf) * k


@pytest.mark.parametrize("x0", [0.845, -0.3])
def test_out_buffer_rebound_by_unpacking_after_its_last_write(x0):
    check_grad(out_buffer_rebound_by_unpacking_after_its_last_write, x0)


def test_a_write_into_a_view_bound_by_unpacking_is_still_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="not known to be a new array"):
        srcad.grad(write_into_a_view_bound_by_unpacking)(0.3)
