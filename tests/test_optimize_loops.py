"""Loop-invariant code motion (srcad/optimize/loops.py): what moves out of a loop, what
stays, and that moving never changes a value or raises where the user's code does not."""

import math

import numpy as np
import pytest
from gradcheck import check_grad

import srcad


def pendulum(k, c, q0, dt, n):
    q = q0
    v = 0.0
    for _ in range(n):
        a = -k * math.sin(q) - c * v
        q = q + dt * v
        v = v + dt * a
    return q * q + v * v


def test_an_invariant_is_computed_once_and_not_stacked():
    code = srcad.source(srcad.grad(pendulum, wrt=(0, 1, 2)), 2.0, 0.1, 1.0, 0.01, 50)
    assert code.index("neg = -k") < code.index("for _ in steps:"), code
    assert "neg_stack" not in code, code
    check_grad(pendulum, 2.0, 0.1, 1.0, 0.01, 7, wrt=(0, 1, 2))


def divides_in_loop(x, d, n):
    s = x * x
    for _ in range(n):
        s = s + x / d          # a division may raise: it stays in the loop
    return s


def logs_in_loop(x, c, n):
    s = x * x
    for _ in range(n):
        s = s + math.log(c) * x  # a math domain error: stays in the loop
    return s


@pytest.mark.parametrize("f,bad", [(divides_in_loop, 0.0), (logs_in_loop, -1.0)])
def test_operations_that_may_raise_stay_in_a_loop_that_runs_no_step(f, bad):
    assert srcad.grad(f)(1.5, bad, 0) == 3.0
    assert srcad.value_and_grad(f)(1.5, bad, 0) == (2.25, 3.0)
    check_grad(f, 1.5, 2.0, 3, wrt=(0, 1))


def branch_in_loop(x, w, n):
    h = x
    for t in range(n):
        if t % 2 == 0:
            h = np.tanh(h * w + (-w))   # -w: invariant, but inside a branch
        else:
            h = h * (w + 1.0)
    return np.sum(h)


def nested_invariants(x, w, n):
    h = x
    for i in range(n):
        for j in range(2):
            h = np.sin(h * (w * 2.0) + np.exp(-w))   # invariant of both loops
    return np.sum(h * h)


@pytest.mark.parametrize("n", [0, 1, 4])
def test_values_are_unchanged(n):
    x, w = np.linspace(-1.0, 1.0, 5), np.linspace(0.2, 0.6, 5)
    check_grad(branch_in_loop, x, w, n, wrt=(0, 1))
    check_grad(nested_invariants, x, w, n, wrt=(0, 1))
    srcad.hessian(nested_invariants)(x, w, n)  # (second order through the moved values)


def test_nested_invariants_leave_both_loops():
    x, w = np.linspace(-1.0, 1.0, 5), np.linspace(0.2, 0.6, 5)
    code = srcad.source(srcad.grad(nested_invariants, wrt=1), x, w, 3)
    first_loop = code.index("for i in steps:")
    assert code.index("exp = np.exp(-w)") < first_loop, code
    assert code.index("mul = w * 2.0") < first_loop, code
    # the inner loop's constant range is made once, not stacked per outer step
    assert code.index("range(2)") < first_loop and "steps_1_stack" not in code, code


def test_transposes_leave_the_reverse_loop():
    def rnn(W, U, xs, h0):
        h = h0
        for t in range(xs.shape[0]):
            h = np.tanh(xs[t] @ W + h @ U)
        return np.sum(h)

    rng = np.random.default_rng(0)
    args = (rng.standard_normal((2, 3)), 0.4 * rng.standard_normal((3, 3)),
            rng.standard_normal((6, 4, 2)), rng.standard_normal((4, 3)))
    code = srcad.source(srcad.grad(rnn, wrt=(0, 1)), *args)
    reverse_loop = code.index("steps[::-1]")
    assert code.index("U_T = U.T") < reverse_loop, code
    check_grad(rnn, *args, wrt=(0, 1))


def test_the_reverse_loop_reads_its_stacks_in_its_header():
    code = srcad.source(srcad.grad(pendulum, wrt=(0, 1, 2)), 2.0, 0.1, 1.0, 0.01, 50)
    assert "zip(steps[::-1], reversed(q_stack), reversed(" in code, code
    assert ".pop()" not in code, code
    # adjoints of subtractions are subtractions, not additions of negations
    assert "bc = bc - " in code and "= -ba" not in code, code


def nested_rows(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):     # its stacks hold every outer step's values
            s = s + math.sin(x[i, j] * w) * s
    return s


def breaks_early(x, n):
    s = x
    for i in range(n):
        if s > 3.0:
            break
        s = s * math.cos(s) + x
    return s


@pytest.mark.parametrize("f,args", [(nested_rows, (np.linspace(0.1, 0.9, 6).reshape(2, 3),
                                                   0.7)),
                                    (breaks_early, (0.9, 6))])
def test_stacks_shared_or_cut_short_are_popped(f, args):
    code = srcad.source(srcad.grad(f, wrt=(0, 1) if f is nested_rows else 0), *args)
    assert "s = s_stack.pop()" in code, code
    check_grad(f, *args, wrt=(0, 1) if f is nested_rows else 0)
