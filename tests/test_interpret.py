"""The reference IR interpreter (srcad.ir.interpret)."""

import operator

import numpy as np
import pytest

from srcad.frontend.source import parse_function
from srcad.ir.interpret import IRInterpretationError, apply_primitive, run_ir
from srcad.ir.nodes import Block, Call, Carried, Const, ForRange, Function, Return, Var, While
from srcad.lower.lowering import lower_function
from srcad.optimize.optimizer import GeneratedRef
from srcad.rules.registry import Attribute, Method


def lowered(fn):
    return lower_function(parse_function(fn))


def loops_and_branches(x, n):
    s = 0.0
    for i in range(n):
        if i == 3:
            break
        s = s + x * i
    while s > 10.0:
        s = s / 2.0
    return s


def methods_and_attributes(a):
    return a.T.sum(axis=0).max()


@pytest.mark.parametrize("x, n", [(1.5, 0), (1.5, 2), (7.0, 5), (-2.0, 6)])
def test_runs_lowered_control_flow(x, n):
    assert run_ir(lowered(loops_and_branches), x, n) == loops_and_branches(x, n)


def test_runs_methods_and_attribute_reads():
    a = np.arange(6.0).reshape(2, 3)
    assert run_ir(lowered(methods_and_attributes), a) == methods_and_attributes(a)
    assert apply_primitive(Method("reshape"), [a, 3, 2], {}).shape == (3, 2)
    assert apply_primitive(Attribute("ndim"), [a], {}) == 2


def test_trace_holds_every_value():
    x, n, s, nxt, out, i = Var("x"), Var("n"), Var("s"), Var("s"), Var("s"), Var("i")
    fn = Function("f", [x, n], Block([
        ForRange(i, Const(range(3)), [Carried(s, x, nxt, out)],
                 Block([Call(nxt, operator.add, [s, n])])),
        Return(out)]))
    trace = {}
    assert run_ir(fn, 1.0, 2.0, trace=trace) == 7.0
    assert trace[i] == 2 and trace[nxt] == 7.0 and trace[out] == 7.0 and trace[x] == 1.0


def test_a_while_loop_with_an_exit_flag():
    s, nxt, out, c, done = Var("s"), Var("n"), Var("o"), Var("c"), Var("done")
    x = Var("x")
    fn = Function("f", [x], Block([
        While([Carried(s, x, nxt, out)], Block([Call(c, operator.gt, [s, Const(0)])]), c,
              Block([Call(nxt, operator.sub, [s, Const(1)]),
                     Call(done, operator.eq, [nxt, Const(5)])]), exit=done),
        Return(out)]))
    assert run_ir(fn, 9) == 5
    assert run_ir(fn, 3) == 0


def test_errors():
    x = Var("x")
    with pytest.raises(TypeError, match="takes 1 arguments, not 2"):
        run_ir(Function("f", [x], Block([Return(x)])), 1.0, 2.0)
    with pytest.raises(IRInterpretationError, match="did not return"):
        run_ir(Function("f", [x], Block([])), 1.0)
    t = Var("t")
    calls_generated = Function("f", [x], Block([Call(t, GeneratedRef("g_fwd"), [x]),
                                                Return(t)]))
    with pytest.raises(IRInterpretationError, match="cannot interpret a call to g_fwd"):
        run_ir(calls_generated, 1.0)
