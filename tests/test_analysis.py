"""Static analyses: value kinds of a lowered function, and activity (varied/useful)."""

import math
import operator
import textwrap

import numpy as np
import pytest
from test_lower import run_ir

from srcad import runtime
from srcad.analysis.inference import (
    Kinds,
    activity,
    bind_template_args,
    flow_edges,
    is_user_function,
)
from srcad.frontend.source import parse_function
from srcad.ir.kinds import ARRAY, NUMERIC, OTHER, SCALAR, ArrayKind, TupleKind, kind_of_value
from srcad.ir.nodes import Call, Const, ForRange, If, Var, While, walk
from srcad.lower.lowering import lower_function
from srcad.rules.registry import lookup

A1, A2 = ArrayKind(1), ArrayKind(2)


def lowered(fn):
    return lower_function(parse_function(fn))


def by_name(ir, name):
    """Every SSA value of `ir` whose readable name is `name`."""
    found = [p for p in ir.params if p.name == name]
    for stmt in walk(ir.body):
        if isinstance(stmt, Call) and stmt.target is not None and stmt.target.name == name:
            found.append(stmt.target)
        elif isinstance(stmt, If):
            found += [p.target for p in stmt.outputs if p.target.name == name]
        elif isinstance(stmt, (ForRange, While)):
            for c in stmt.carried:
                found += [v for v in (c.var, c.out) if v.name == name]
    return found


def one(ir, name):
    found = by_name(ir, name)
    assert len(found) == 1, (name, found)
    return found[0]


def no_callee(fn, stmt, kinds):
    raise AssertionError("no user function expected")


# ----------------------------------------------------------------------------- inputs


def helper(a, b):
    return a * b


def kinds_mix(x, A, v):
    s = np.sum(A)
    row = A[0]
    col = A[:, 1]
    cell = A[1, 2]
    Av = A @ v
    vv = np.dot(v, v)
    scaled = A * x
    shifted = x + 1.0
    means = A.mean(axis=0)
    kept = A.sum(axis=1, keepdims=True)
    pair = (x, v)
    first = pair[0]
    second = pair[1]
    n = len(v)
    flag = x > 0
    return s, row, col, cell, Av, vv, scaled, shifted, means, kept, first, second, n, flag


def kinds_branches(x, v):
    if x > 0:
        y = x * 2.0
    else:
        y = v * 2.0
    if x > 1:
        z = x
    else:
        z = 3.0
    return y, z


def kinds_loop(x, A):
    s = 0.0
    for row in A:
        s = s + row
    t = 0.0
    for i in range(3):
        t = t + x * i
    return s, t


def kinds_helper(x, v):
    return helper(x, v) + 1.0


def activity_basic(x, y):
    a = y * 2.0
    b = x * a
    unused = np.sin(x) + y
    c = y + 1.0
    return b * c


def activity_nondifferentiable(x, y):
    n = len(x)
    k = np.floor(x)
    flag = x > 0
    s = np.sum(x) * n
    return s + k.sum() + y


def activity_control(x, y):
    if x > 0:
        r = y * 2.0
    else:
        r = y - 1.0
    return r


def activity_loop(x, y):
    a = y
    b = y
    for i in range(3):
        b = a
        a = x * 2.0
    return b


def activity_loop_unused(x, y):
    s = 0.0
    waste = 0.0
    for i in range(4):
        s = s + y * i
        waste = waste + x
    return s


def activity_while(x, y):
    k = 0
    acc = y
    while k < 3:
        acc = acc * x
        k = k + 1
    return acc


# ----------------------------------------------------------------------------- kinds


def test_kinds_of_numpy_values():
    ir = lowered(kinds_mix)
    k = Kinds(ir, [SCALAR, A2, A1], no_callee)
    expect = {"s": SCALAR, "row": A1, "col": A1, "cell": SCALAR, "Av": A1, "vv": SCALAR,
              "scaled": A2, "shifted": SCALAR, "means": A1, "kept": A2, "first": SCALAR,
              "second": A1, "pair": TupleKind((SCALAR, A1))}
    for name, kind in expect.items():
        assert k.of(one(ir, name)) == kind, name
    assert k.of(one(ir, "n")) == OTHER
    assert isinstance(k.result, TupleKind) and len(k.result.items) == 14


SOUNDNESS_CASES = [
    (kinds_mix, (0.5, np.arange(12.0).reshape(3, 4), np.arange(4.0))),
    (kinds_loop, (0.5, np.arange(6.0).reshape(2, 3))),
    (kinds_branches, (2.0, np.arange(3.0))),
    (kinds_branches, (-2.0, np.arange(3.0))),
    (activity_nondifferentiable, (np.arange(3.0), 1.5)),
    (activity_while, (1.5, 2.0)),
]


@pytest.mark.parametrize("fn, args", SOUNDNESS_CASES)
def test_kinds_are_sound_on_actual_values(fn, args):
    """Every value claimed to be a scalar or an array of rank n really is one."""
    ir = lowered(fn)
    k = Kinds(ir, [kind_of_value(a) for a in args], no_callee)
    trace = {}
    run_ir(ir, *args, trace=trace)
    checked = 0
    for var, value in trace.items():
        claimed = k.kinds.get(var)
        if claimed == SCALAR:
            assert np.ndim(value) == 0, var
            checked += 1
        elif isinstance(claimed, ArrayKind) and claimed.ndim is not None:
            assert isinstance(value, np.ndarray) and value.ndim == claimed.ndim, var
            checked += 1
        elif isinstance(claimed, TupleKind):
            assert isinstance(value, tuple) and len(value) == len(claimed.items), var
    assert checked >= 3


def test_kinds_join_branches():
    ir = lowered(kinds_branches)
    k = Kinds(ir, [SCALAR, A1], no_callee)
    assert k.of(one(ir, "z")) == SCALAR
    phi_y = next(s.outputs[0].target for s in ir.body.stmts
                 if isinstance(s, If) and s.outputs and s.outputs[0].target.name == "y")
    assert k.of(phi_y) == NUMERIC
    assert k.result == TupleKind((NUMERIC, SCALAR))


def test_kinds_reach_a_fixed_point_in_loops():
    ir = lowered(kinds_loop)
    k = Kinds(ir, [SCALAR, A2], no_callee)
    row = next(s.target for s in walk(ir.body) if isinstance(s, Call)
               and s.fn is operator.getitem and s.target.name == "row")
    assert k.of(row) == A1
    s_values = [v for v in by_name(ir, "s") if k.kinds.get(v) is not None]
    # s starts as a float and becomes an array: the carried value is a join
    assert all(k.of(v) in (NUMERIC, A1, ARRAY) for v in s_values)
    loop = next(s for s in ir.body.stmts if isinstance(s, ForRange)
                and any(c.var.name == "s" for c in s.carried))
    c = next(c for c in loop.carried if c.var.name == "s")
    assert k.of(c.var) == NUMERIC and k.of(c.out) == NUMERIC
    t_loop = next(s for s in ir.body.stmts if isinstance(s, ForRange)
                  and any(c.var.name == "t" for c in s.carried))
    assert k.of(t_loop.index) == SCALAR
    assert k.of(t_loop.carried[0].out) == SCALAR


def test_kinds_ask_the_callee_for_user_functions():
    ir = lowered(kinds_helper)
    asked = []

    def callee(fn, stmt, kinds):
        asked.append((fn, list(kinds)))
        inner = lowered(fn)
        return Kinds(inner, kinds, callee).result

    k = Kinds(ir, [SCALAR, A1], callee)
    assert asked and all(a == (helper, [SCALAR, A1]) for a in asked)
    assert k.of(one(ir, "helper")) == A1
    assert k.result == A1


def test_kinds_of_constants_and_unknowns():
    ir = lowered(kinds_helper)
    k = Kinds(ir, [SCALAR, A1], lambda fn, stmt, kinds: NUMERIC)
    assert k.of(Const(2.0)) == SCALAR
    assert k.of(Const(np.zeros((2, 2)))) == A2
    assert k.of(Var("never_seen")) == NUMERIC
    assert k.result == NUMERIC


# ----------------------------------------------------------------------------- activity


def test_value_from_a_non_wrt_argument_is_not_varied():
    ir = lowered(activity_basic)
    x, y = ir.params
    varied, useful = activity(ir, [x])
    assert one(ir, "b") in varied
    assert one(ir, "a") not in varied
    assert one(ir, "c") not in varied
    assert y not in varied
    assert one(ir, "unused") in varied
    # with respect to y, everything derived from y is varied
    varied_y, _ = activity(ir, [y])
    assert {one(ir, "a"), one(ir, "b"), one(ir, "c"), one(ir, "unused")} <= varied_y


def test_value_not_reaching_the_result_is_not_useful():
    ir = lowered(activity_basic)
    x, y = ir.params
    _, useful = activity(ir, [x])
    assert {x, y, one(ir, "a"), one(ir, "b"), one(ir, "c")} <= useful
    assert one(ir, "unused") not in useful
    sin = next(s.target for s in walk(ir.body) if isinstance(s, Call) and s.fn is np.sin)
    assert sin not in useful


def test_nondifferentiable_calls_stop_variation():
    ir = lowered(activity_nondifferentiable)
    x, y = ir.params
    varied, useful = activity(ir, [x])
    assert one(ir, "n") not in varied
    assert one(ir, "k") not in varied
    assert one(ir, "flag") not in varied
    assert one(ir, "s") in varied
    assert one(ir, "flag") not in useful


def test_control_dependence_is_not_variation():
    ir = lowered(activity_control)
    x, y = ir.params
    varied, _ = activity(ir, [x])
    phi = next(s.outputs[0].target for s in ir.body.stmts if isinstance(s, If))
    assert phi not in varied
    varied_y, useful = activity(ir, [y])
    assert phi in varied_y
    cond = next(s.cond for s in ir.body.stmts if isinstance(s, If))
    assert cond not in useful


def test_loop_carried_flow_is_tracked():
    # b only gets x's value in the second iteration, through the carried a
    ir = lowered(activity_loop)
    x, y = ir.params
    varied, useful = activity(ir, [x])
    loop = next(s for s in ir.body.stmts if isinstance(s, ForRange))
    carried = {c.var.name: c for c in loop.carried}
    assert carried["a"].var in varied and carried["b"].var in varied
    assert carried["b"].out in varied
    assert carried["a"].var in useful  # reaches the result through b, one iteration later
    assert x in useful and y in useful


def test_loop_value_not_reaching_the_result_is_not_useful():
    ir = lowered(activity_loop_unused)
    x, y = ir.params
    varied, useful = activity(ir, [x])
    loop = next(s for s in ir.body.stmts if isinstance(s, ForRange))
    carried = {c.var.name: c for c in loop.carried}
    assert carried["waste"].var in varied
    assert carried["waste"].var not in useful and carried["waste"].out not in useful
    assert carried["s"].var not in varied
    assert carried["s"].out in useful
    assert x not in useful


def test_while_loop_flow():
    ir = lowered(activity_while)
    x, y = ir.params
    varied, useful = activity(ir, [x])
    loop = next(s for s in ir.body.stmts if isinstance(s, While))
    carried = {c.var.name: c for c in loop.carried}
    assert carried["acc"].out in varied
    assert carried["k"].var not in varied
    assert carried["k"].var not in useful
    assert x in useful


def test_flow_edges_follow_structure():
    ir = lowered(activity_loop)
    edges = flow_edges(ir)
    loop = next(s for s in ir.body.stmts if isinstance(s, ForRange))
    for c in loop.carried:
        assert (c.init, c.var) in edges
        assert (c.next, c.var) in edges
        assert (c.var, c.out) in edges


# ----------------------------------------------------------------------------- helpers


def test_is_user_function():
    assert is_user_function(helper)
    assert is_user_function(kinds_mix)
    assert not is_user_function(np.sin)
    assert not is_user_function(math.exp)
    assert not is_user_function(len)
    assert not is_user_function(textwrap.dedent)  # standard library source
    assert not is_user_function(np.linspace)  # numpy is written in Python but needs rules
    assert not is_user_function(runtime.unbroadcast)
    assert not is_user_function(operator.add)


def test_user_function_with_a_rule_is_not_user_code():
    import srcad

    def scaled(x):
        return x * 3.0

    assert is_user_function(scaled)

    @srcad.adjoint(scaled)
    def _(y, x):
        dx = dy * 3.0  # noqa: F821

    try:
        assert not is_user_function(scaled)
    finally:
        from srcad.rules import registry
        with registry._lock:
            registry._rules.pop(scaled, None)
            registry._generation[0] += 1


def test_bind_template_args_fills_defaults():
    template = lookup(np.sum).adjoint
    x, t = Var("x"), Var("t")
    bound = bind_template_args(template, Call(t, np.sum, [x], {"axis": Const(1)}))
    assert bound["x"] is x
    assert bound["axis"] == Const(1)
    assert bound["keepdims"] == Const(False)
    assert bind_template_args(template, Call(t, np.sum, [x], {"bogus": Const(1)})) is None
    assert bind_template_args(template, Call(t, np.sum, [], {})) is None


@pytest.mark.parametrize("fn", [activity_basic, activity_loop, activity_while])
def test_everything_reaching_the_result_from_wrt_is_varied_and_useful(fn):
    ir = lowered(fn)
    x = ir.params[0]
    varied, useful = activity(ir, [x])
    ret = ir.body.stmts[-1].value
    assert x in varied
    assert ret in varied and ret in useful
