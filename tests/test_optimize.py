"""IR optimizations: constant folding, identities, CSE and dead code elimination."""

import dataclasses
import math
import operator

import numpy as np
import pytest
from test_lower import (
    ARRAY_INPUTS,
    SCALAR_FUNCTIONS,
    SCALAR_INPUTS,
    numpy_basics,
    numpy_loops,
    run_ir,
    same,
)

from srcad import runtime
from srcad.errors import SourceLoc
from srcad.frontend.source import parse_function
from srcad.ir.nodes import (
    Block,
    Call,
    Const,
    ForRange,
    Function,
    If,
    Return,
    Var,
    While,
    walk,
)
from srcad.ir.verify import verify
from srcad.lower.lowering import lower_function
from srcad.optimize.optimizer import (
    GeneratedRef,
    eliminate_common_subexpressions,
    eliminate_dead_code,
    is_pure,
    optimize,
    simplify,
)


def lowered(fn):
    return lower_function(parse_function(fn))


def calls(ir, fn=None):
    return [s for s in walk(ir.body) if isinstance(s, Call) and (fn is None or s.fn is fn)]


def result(ir):
    ret = ir.body.stmts[-1]
    assert isinstance(ret, Return)
    return ret.value


# ----------------------------------------------------------------------------- simplify


def test_constant_folding():
    def f(x):
        return x * (2 * 3)
    ir = lowered(f)
    simplify(ir)
    verify(ir)
    muls = calls(ir, operator.mul)
    assert len(muls) == 1
    assert muls[0].args[1] == Const(6) and type(muls[0].args[1].value) is int


def test_constant_folding_chains_through_values():
    def f(x):
        a = 2 * 3
        b = a + 1.5
        c = math.sqrt(b - 3.5)
        return x * c
    ir = lowered(f)
    simplify(ir)
    muls = calls(ir, operator.mul)
    assert len(muls) == 1 and muls[0].args[1] == Const(2.0)
    assert not calls(ir, operator.add) and not calls(ir, math.sqrt)
    assert run_ir(ir, 3.0) == f(3.0)


def test_folding_comparisons_and_not():
    def f(x):
        if 2 > 1:
            y = x
        else:
            y = -x
        return y, not (1 == 2)
    ir = lowered(f)
    simplify(ir)
    # the condition folds to True, so only the branch taken is kept
    assert not any(isinstance(s, If) for s in ir.body.stmts)
    assert run_ir(ir, 4.0) == f(4.0)


def test_folding_skips_operations_that_raise():
    def f(x):
        if x > 0:
            return 1 / 0
        return math.log(0.0) + 10.0 ** 400
    ir = lowered(f)
    simplify(ir)
    assert calls(ir, operator.truediv)
    assert calls(ir, math.log)
    assert calls(ir, operator.pow)
    with pytest.raises(ZeroDivisionError):
        run_ir(ir, 1.0)


@pytest.mark.parametrize("expr", [
    lambda x: x * 1.0, lambda x: 1.0 * x, lambda x: x * 1, lambda x: x + 0,
    lambda x: 0.0 + x, lambda x: x - 0, lambda x: x / 1.0, lambda x: x ** 1,
])
def test_identities_return_the_operand(expr):
    x = Var("x")
    t = Var("t")
    probe = expr(_Recorder())
    fn = Function("f", [x], Block([
        Call(t, probe.op, [x if a is None else Const(a) for a in probe.args], {},
             DERIVATIVE_LOC),
        Return(t)]))
    simplify(fn)
    assert len(fn.body.stmts) == 1 and result(fn) is x


DERIVATIVE_LOC = SourceLoc("<test>", 1, 0, "f", "", role="adjoint")


def as_derivative_code(ir):
    """Mark every statement as generated derivative code (whose values are floats)."""
    for stmt in walk(ir.body):
        if isinstance(stmt, Call) and stmt.loc is not None:
            stmt.loc = dataclasses.replace(stmt.loc, role="adjoint")
    return ir


def test_identities_are_kept_in_user_code_where_they_convert_types():
    def f(x):
        mask = (x > 0) * 1.0
        n = 7 // 2
        return mask, n / 1
    ir = lowered(f)
    simplify(ir)
    assert calls(ir, operator.mul)  # (n / 1 is folded to the float 3.0: exact)
    assert same(run_ir(ir, np.array([1.0, -1.0])), f(np.array([1.0, -1.0])))


class _Recorder:
    """Records `x <op> c` / `c <op> x` as (operator, args with None for x)."""

    def _rec(self, op, args):
        self.op, self.args = op, args
        return self

    def __mul__(self, c):
        return self._rec(operator.mul, [None, c])

    def __rmul__(self, c):
        return self._rec(operator.mul, [c, None])

    def __add__(self, c):
        return self._rec(operator.add, [None, c])

    def __radd__(self, c):
        return self._rec(operator.add, [c, None])

    def __sub__(self, c):
        return self._rec(operator.sub, [None, c])

    def __truediv__(self, c):
        return self._rec(operator.truediv, [None, c])

    def __pow__(self, c):
        return self._rec(operator.pow, [None, c])


def test_identities_in_lowered_code():
    def f(x):
        a = x * 1.0
        b = a + 0
        c = b ** 1
        d = c - 0.0
        return d / 1
    ir = as_derivative_code(lowered(f))
    simplify(ir)
    verify(ir)
    assert result(ir) is ir.params[0]
    assert calls(ir) == []


def test_non_identities_are_kept():
    def f(x):
        a = x * 0.0       # NaN * 0 is NaN, not 0
        b = 0.0 - x
        c = x ** 0
        d = x * True
        e = 1.0 / x
        return a, b, c, d, e
    ir = lowered(f)
    simplify(ir)
    kept = {s.fn for s in calls(ir)}
    assert {operator.mul, operator.sub, operator.pow, operator.truediv} <= kept
    assert len(calls(ir, operator.mul)) == 2
    assert same(run_ir(ir, 2.0), f(2.0))


def test_identities_inside_branches_and_loops_feed_phis_and_carried():
    def f(x, n):
        if n > 1:
            y = x * 1.0
        else:
            y = x + 2.0
        s = y
        for i in range(n):
            s = s * 1
        return s
    ir = as_derivative_code(lowered(f))
    simplify(ir)
    verify(ir)
    assert not [s for s in calls(ir, operator.mul)]
    for n in range(4):
        assert run_ir(ir, 1.5, n) == f(1.5, n)


def test_identity_keeps_the_result_dtype_of_an_int_array():
    # `counts * 1.0` is the usual way to get floats; dropping it leaves an int array,
    # and ints cannot be raised to negative powers.
    def f(counts):
        c = counts * 1.0
        return c ** -1
    ir = lowered(f)
    simplify(ir)
    counts = np.array([1, 2, 4])
    assert same(run_ir(ir, counts), f(counts))


def test_identity_keeps_the_result_dtype_of_a_mask():
    # `(x > 0) * 1.0` turns a boolean mask into floats; a boolean array cannot be negated.
    def f(x):
        m = (x > 0) * 1.0
        return np.sum(x * -m)
    ir = lowered(f)
    simplify(ir)
    x = np.array([1.0, -2.0, 3.0])
    assert same(run_ir(ir, x), f(x))


def test_identity_keeps_true_division_of_ints():
    def f(n):
        half = n / 1
        return half, type(half) is float
    ir = lowered(f)
    simplify(ir)
    assert same(run_ir(ir, 3), f(3))


# ----------------------------------------------------------------------------- CSE


def test_cse_merges_identical_pure_calls():
    def f(x):
        a = np.sin(x)
        b = np.sin(x)
        c = np.sum(x, axis=0)
        d = np.sum(x, axis=0)
        e = np.sum(x, axis=1)
        return a + b + c + d + e
    ir = lowered(f)
    eliminate_common_subexpressions(ir)
    verify(ir)
    assert len(calls(ir, np.sin)) == 1
    assert len(calls(ir, np.sum)) == 2
    x = np.arange(4.0).reshape(2, 2)
    assert same(run_ir(ir, x), f(x))


def test_cse_merges_chains():
    def f(x):
        a = np.exp(x * 2.0)
        b = np.exp(x * 2.0)
        return a - b
    ir = lowered(f)
    eliminate_common_subexpressions(ir)
    assert len(calls(ir, operator.mul)) == 1 and len(calls(ir, np.exp)) == 1
    sub = calls(ir, operator.sub)[0]
    assert sub.args[0] is sub.args[1]


def test_cse_keeps_impure_calls():
    def f(x):
        a = print(x)
        b = print(x)
        c = np.random.rand()
        d = np.random.rand()
        return a, b, c, d
    ir = lowered(f)
    eliminate_common_subexpressions(ir)
    assert len(calls(ir, print)) == 2
    assert len(calls(ir, np.random.rand)) == 2


def helper(x):
    return x * 2.0


def test_cse_keeps_user_function_calls():
    def f(x):
        return helper(x) + helper(x)
    ir = lowered(f)
    eliminate_common_subexpressions(ir)
    assert len(calls(ir, helper)) == 2


def test_cse_distinguishes_constants_by_type_and_sign():
    def f(x):
        a = x + 2
        b = x + 2.0
        c = x + True
        d = x * 0.0
        e = x * -0.0
        return a, b, c, d, e
    ir = lowered(f)
    eliminate_common_subexpressions(ir)
    assert len(calls(ir, operator.add)) == 3
    assert len(calls(ir, operator.mul)) == 2
    assert same(run_ir(ir, -1.0), f(-1.0))


def test_cse_does_not_reuse_branch_values_after_the_branch():
    def f(x, c):
        if c:
            a = np.sin(x)
        else:
            a = 0.0
        b = np.sin(x)
        return a + b
    ir = lowered(f)
    eliminate_common_subexpressions(ir)
    verify(ir)
    assert len(calls(ir, np.sin)) == 2
    assert run_ir(ir, 1.0, False) == f(1.0, False)


def test_cse_does_not_share_between_branches():
    def f(x, c):
        if c:
            a = np.cos(x)
        else:
            a = np.cos(x) + 1.0
        return a
    ir = lowered(f)
    eliminate_common_subexpressions(ir)
    verify(ir)
    assert len(calls(ir, np.cos)) == 2


def test_cse_reuses_outer_values_inside_branches_and_loops():
    def f(x, n):
        a = np.tanh(x)
        if n > 1:
            b = np.tanh(x)
        else:
            b = 0.0
        s = 0.0
        for i in range(n):
            s = s + np.tanh(x)
        return a + b + s
    ir = lowered(f)
    eliminate_common_subexpressions(ir)
    verify(ir)
    assert len(calls(ir, np.tanh)) == 1
    for n in range(4):
        assert run_ir(ir, 0.3, n) == f(0.3, n)


def test_cse_does_not_merge_loop_dependent_values():
    def f(x, n):
        s = 0.0
        for i in range(n):
            s = s + np.sin(x * i)
        return s + np.sin(x * i)
    ir = lowered(f)
    eliminate_common_subexpressions(ir)
    assert len(calls(ir, np.sin)) == 2


# ----------------------------------------------------------------------------- DCE


def test_dce_removes_unused_pure_statements():
    def f(x):
        unused = np.sin(x) * 3.0
        also = x + 1.0
        return x * 2.0
    ir = lowered(f)
    eliminate_dead_code(ir)
    verify(ir)
    assert [s.fn for s in calls(ir)] == [operator.mul]
    assert calls(ir)[0].args[1] == Const(2.0)


def test_dce_keeps_impure_calls_and_their_inputs():
    def f(x):
        shown = np.cos(x)
        print(shown)
        ignored = print(x)
        return x
    ir = lowered(f)
    eliminate_dead_code(ir)
    assert len(calls(ir, print)) == 2
    assert calls(ir, np.cos)


def test_dce_keeps_user_function_calls():
    def f(x):
        unused = helper(x)
        return x
    ir = lowered(f)
    eliminate_dead_code(ir)
    assert calls(ir, helper)


def test_dce_removes_unused_phis_and_empty_ifs():
    def f(x, c):
        if c:
            y = x * 2.0
            z = x + 1.0
        else:
            y = x
            z = x - 1.0
        return z
    ir = lowered(f)
    eliminate_dead_code(ir)
    verify(ir)
    branch = next(s for s in ir.body.stmts if isinstance(s, If))
    assert [p.target.name for p in branch.outputs] == ["z"]
    assert not calls(ir, operator.mul)

    def g(x, c):
        if c:
            y = x * 2.0
        else:
            y = x
        return x
    ir = lowered(g)
    eliminate_dead_code(ir)
    assert not any(isinstance(s, If) for s in walk(ir.body))


def test_dce_removes_unused_loop_values_and_empty_loops():
    def f(x, n):
        s = 0.0
        waste = 0.0
        for i in range(n):
            s = s + x
            waste = waste + np.sin(x)
        for j in range(n):
            nothing = x * j
        return s
    ir = lowered(f)
    eliminate_dead_code(ir)
    verify(ir)
    loops = [s for s in walk(ir.body) if isinstance(s, ForRange)]
    assert len(loops) == 1
    assert [c.var.name for c in loops[0].carried] == ["s"]
    assert not calls(ir, np.sin)
    for n in range(3):
        assert run_ir(ir, 1.5, n) == f(1.5, n)


def test_dce_keeps_loops_feeding_the_result_and_loops_with_effects():
    def f(x, n):
        s = 0.0
        for i in range(n):
            s = s * x + i
        for j in range(n):
            print(j)
        return s
    ir = lowered(f)
    eliminate_dead_code(ir)
    loops = [s for s in ir.body.stmts if isinstance(s, ForRange)]
    assert len(loops) == 2
    assert loops[0].carried and calls(ir, print)


def test_dce_keeps_while_condition_values():
    def f(x, n):
        k = 0
        waste = 0.0
        while k < n:
            k = k + 1
            waste = waste + x
        return x
    ir = lowered(f)
    eliminate_dead_code(ir)
    verify(ir)
    loop = next(s for s in ir.body.stmts if isinstance(s, While))
    assert [c.var.name for c in loop.carried] == ["k"]


def test_dce_keeps_break_flags():
    def f(x, n):
        s = 0.0
        for i in range(10):
            s = s + x
            if i >= n:
                break
        return s
    ir = lowered(f)
    optimize(ir)
    verify(ir)
    loop = next(s for s in ir.body.stmts if isinstance(s, ForRange))
    assert loop.exit is not None
    for n in range(4):
        assert run_ir(ir, 2.0, n) == f(2.0, n)


def test_is_pure():
    assert is_pure(operator.add) and is_pure(np.sin) and is_pure(len)
    assert is_pure(runtime.make_tuple)
    assert not is_pure(runtime.push) and not is_pure(runtime.pop)
    assert not is_pure(print)
    assert not is_pure(GeneratedRef("f_fwd", 2))
    assert not is_pure(helper)


# ----------------------------------------------------------------------------- all together


@pytest.mark.parametrize("fn", SCALAR_FUNCTIONS, ids=lambda f: f.__name__)
def test_optimize_preserves_results(fn):
    ir = optimize(lowered(fn))
    verify(ir)
    for args in SCALAR_INPUTS:
        assert same(run_ir(ir, *args), fn(*args)), args


@pytest.mark.parametrize("fn", [numpy_basics, numpy_loops], ids=lambda f: f.__name__)
def test_optimize_preserves_numpy_results(fn):
    ir = optimize(lowered(fn))
    verify(ir)
    for args in ARRAY_INPUTS:
        assert same(run_ir(ir, *args), fn(*args))


def test_optimize_is_idempotent():
    from test_lower import numpy_loops as g

    from srcad.ir.nodes import format_function
    ir = optimize(lowered(g))
    once = format_function(ir)
    optimize(ir)
    assert format_function(ir) == once
