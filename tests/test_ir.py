"""The SSA IR: the printer, the verifier, walking and substitution."""

import operator

import numpy as np
import pytest

from srcad.analysis.inference import Kinds
from srcad.frontend.source import parse_function
from srcad.ir.kinds import NUMERIC, OTHER, SCALAR, ArrayKind, ListKind, TupleKind
from srcad.ir.nodes import (
    Block,
    Call,
    Carried,
    Comment,
    Const,
    ForRange,
    Function,
    If,
    Phi,
    Return,
    Var,
    While,
    all_uses,
    defined_vars,
    format_function,
    region_vars,
    substitute,
    walk,
)
from srcad.ir.verify import IRVerificationError, is_kind, verify
from srcad.lower.lowering import lower_function
from srcad.rules.registry import Method


def lowered(fn):
    return lower_function(parse_function(fn))


# ----------------------------------------------------------------------------- inputs


def straight(x, y):
    a = np.sin(x)
    b = a * y
    return b.sum()


def branchy(x):
    if x > 0:
        y = x * 2.0
    else:
        y = -x
    return y


def loopy(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    k = n
    while k > 0:
        k = k - 1
        s = s + 1.0
    return s


def everything(x, n):
    s = 0.0
    for i in range(n):
        if i == 2:
            continue
        for j in range(i):
            if j > 3:
                break
            s = s + x * j
        if s > 100.0:
            return s
    while n > 0:
        n = n - 1
        if n == 1:
            break
    return s + n


# ----------------------------------------------------------------------------- printer


def test_printer_shows_statements_with_absolute_line_numbers():
    text = format_function(lowered(straight))
    first = straight.__code__.co_firstlineno
    lines = text.splitlines()
    assert lines[0].startswith("function straight(%x.")
    assert ", %y." in lines[0]
    sin_line = next(line for line in lines if "np.sin(" in line)
    assert sin_line.strip().startswith("%a.")
    assert sin_line.rstrip().endswith(f"# line {first + 1}")
    mul_line = next(line for line in lines if " mul(" in line)
    assert f"# line {first + 2}" in mul_line
    sum_line = next(line for line in lines if ".sum(" in line)
    assert f"# line {first + 3}" in sum_line
    assert lines[-1].strip().startswith("return %")
    assert lines[-1].rstrip().endswith(f"# line {first + 3}")


def test_str_of_function_is_the_listing():
    fn = lowered(straight)
    assert str(fn) == format_function(fn)


def test_printer_shows_branches_and_phis():
    text = format_function(lowered(branchy))
    first = branchy.__code__.co_firstlineno
    assert "if %cond." in text
    assert f"# line {first + 1}" in text
    assert "else:" in text
    assert "= phi(%" in text
    phi_line = next(line for line in text.splitlines() if "phi(" in line)
    assert phi_line.strip().startswith("%y.")


def test_printer_shows_loops_with_carried_values():
    text = format_function(lowered(loopy))
    lines = text.splitlines()
    for_line = next(line for line in lines if line.strip().startswith("for "))
    assert " in %steps." in for_line and "[%s." in for_line and "=0.0->%s." in for_line
    assert "while [" in text
    assert "cond:" in text and "body:" in text and "-> %cond." in text
    assert any("= exit(%s." in line for line in lines)


def test_printer_shows_empty_blocks_as_pass_and_comments():
    x = Var("x")
    fn = Function("f", [x], Block([Comment("hello there"),
                                   If(x, Block(), Block(), []),
                                   Return(Const(1.5))]))
    text = format_function(fn)
    assert "# hello there" in text
    assert text.count("pass") == 2
    assert "return 1.5" in text


def test_printer_labels_constants_and_primitives():
    x = Var("x")
    t = Var("t")
    u = Var("u")
    fn = Function("f", [x], Block([
        Call(t, operator.getitem, [x, Const((slice(1, None), 0))]),
        Call(u, Method("mean"), [t], {"axis": Const(0)}),
        Call(None, print, [Const("hi")]),
        Return(u)]))
    text = format_function(fn)
    assert "getitem(%x." in text and "<tuple>" in text
    assert ".mean(%t." in text and "axis=0" in text
    assert "print('hi')" in text
    assert "None = " not in text


# ----------------------------------------------------------------------------- verifier


@pytest.mark.parametrize("fn", [straight, branchy, loopy, everything])
def test_verify_accepts_lowered_functions(fn):
    verify(lowered(fn))


def test_verify_accepts_hand_built_valid_ir():
    x = Var("x")
    cond, a, b, y = Var("cond"), Var("a"), Var("b"), Var("y")
    s_var, s_next, s_out, i = Var("s"), Var("s"), Var("s"), Var("i")
    fn = Function("f", [x], Block([
        Call(cond, operator.gt, [x, Const(0)]),
        If(cond, Block([Call(a, operator.mul, [x, Const(2)])]), Block([]),
           [Phi(y, a, x)]),
        ForRange(i, Const(range(3)), [Carried(s_var, y, s_next, s_out)],
                 Block([Call(s_next, operator.add, [s_var, i])])),
        Call(b, operator.add, [s_out, y]),
        Return(b)]))
    verify(fn)


def test_verify_rejects_a_var_assigned_twice():
    x, t = Var("x"), Var("t")
    fn = Function("f", [x], Block([
        Call(t, operator.add, [x, Const(1)]),
        Call(t, operator.mul, [x, Const(2)]),
        Return(t)]))
    with pytest.raises(IRVerificationError, match="more than once"):
        verify(fn)


def test_verify_rejects_a_parameter_reassigned():
    x = Var("x")
    fn = Function("f", [x], Block([Call(x, operator.add, [x, Const(1)]), Return(x)]))
    with pytest.raises(IRVerificationError, match="more than once"):
        verify(fn)


def test_verify_rejects_use_before_definition():
    x, a, b = Var("x"), Var("a"), Var("b")
    fn = Function("f", [x], Block([
        Call(a, operator.add, [b, Const(1)]),
        Call(b, operator.mul, [x, Const(2)]),
        Return(a)]))
    with pytest.raises(IRVerificationError, match="not defined"):
        verify(fn)


def test_verify_rejects_return_of_undefined_var():
    x = Var("x")
    fn = Function("f", [x], Block([Return(Var("ghost"))]))
    with pytest.raises(IRVerificationError, match="not defined"):
        verify(fn)


def test_verify_rejects_branch_value_used_after_if_without_phi():
    x, c, a, b = Var("x"), Var("c"), Var("a"), Var("b")
    fn = Function("f", [x], Block([
        Call(c, operator.gt, [x, Const(0)]),
        If(c, Block([Call(a, operator.mul, [x, Const(2)])]), Block([]), []),
        Call(b, operator.add, [a, Const(1)]),
        Return(b)]))
    with pytest.raises(IRVerificationError, match="not defined"):
        verify(fn)


def test_verify_rejects_phi_reading_the_other_branch():
    x, c, a, y = Var("x"), Var("c"), Var("a"), Var("y")
    fn = Function("f", [x], Block([
        Call(c, operator.gt, [x, Const(0)]),
        If(c, Block([Call(a, operator.mul, [x, Const(2)])]), Block([]), [Phi(y, x, a)]),
        Return(y)]))
    with pytest.raises(IRVerificationError, match="not defined"):
        verify(fn)


def test_verify_rejects_a_loop_value_without_next():
    x, s, out, i = Var("x"), Var("s"), Var("s_out"), Var("i")
    fn = Function("f", [x], Block([
        ForRange(i, Const(range(3)), [Carried(s, x, None, out)], Block([])),
        Return(out)]))
    with pytest.raises(IRVerificationError, match="no next value"):
        verify(fn)


def test_verify_rejects_a_while_value_without_next():
    x, s, out, c = Var("x"), Var("s"), Var("s_out"), Var("c")
    fn = Function("f", [x], Block([
        While([Carried(s, x, None, out)],
              Block([Call(c, operator.gt, [s, Const(0)])]), c, Block([])),
        Return(out)]))
    with pytest.raises(IRVerificationError, match="no next value"):
        verify(fn)


def test_verify_rejects_loop_body_value_used_after_the_loop():
    x, s, nxt, out, i, t = Var("x"), Var("s"), Var("n"), Var("o"), Var("i"), Var("t")
    fn = Function("f", [x], Block([
        ForRange(i, Const(range(3)), [Carried(s, x, nxt, out)],
                 Block([Call(nxt, operator.add, [s, i])])),
        Call(t, operator.add, [nxt, Const(1)]),
        Return(t)]))
    with pytest.raises(IRVerificationError, match="not defined"):
        verify(fn)


def test_verify_rejects_loop_index_used_after_the_loop():
    x, i = Var("x"), Var("i")
    fn = Function("f", [x], Block([
        ForRange(i, Const(range(3)), [], Block([])),
        Return(i)]))
    with pytest.raises(IRVerificationError, match="not defined"):
        verify(fn)


def test_verify_rejects_while_cond_from_the_body():
    x, s, nxt, out, c = Var("x"), Var("s"), Var("n"), Var("o"), Var("c")
    fn = Function("f", [x], Block([
        While([Carried(s, x, nxt, out)], Block([]), c,
              Block([Call(c, operator.gt, [s, Const(0)]),
                     Call(nxt, operator.sub, [s, Const(1)])])),
        Return(out)]))
    with pytest.raises(IRVerificationError, match="not defined"):
        verify(fn)


def test_verify_rejects_bad_operands():
    x, t = Var("x"), Var("t")
    fn = Function("f", [x], Block([Call(t, operator.add, [x, 3]), Return(t)]))
    with pytest.raises(IRVerificationError, match="bad operand"):
        verify(fn)


def test_verify_rejects_a_return_that_does_not_end_the_function():
    x, t = Var("x"), Var("t")
    early = Function("f", [x], Block([Return(x), Call(t, operator.neg, [x]), Return(t)]))
    with pytest.raises(IRVerificationError, match="does not end the function"):
        verify(early)
    c = Var("c")
    nested = Function("f", [x], Block([
        Call(c, operator.gt, [x, Const(0)]),
        If(c, Block([Return(x)]), Block([]), []),
        Return(x)]))
    with pytest.raises(IRVerificationError, match="does not end the function"):
        verify(nested)


def test_verify_rejects_a_stray_statement():
    x = Var("x")
    fn = Function("f", [x], Block([Phi(Var("y"), x, x), Return(x)]))
    with pytest.raises(IRVerificationError, match="unknown statement"):
        verify(fn)


def test_verify_errors_name_the_function():
    x = Var("x")
    fn = Function("broken_fn", [x], Block([Return(Var("ghost"))]))
    with pytest.raises(IRVerificationError, match="in broken_fn:"):
        verify(fn)


# ----------------------------------------------------------------------------- verifier: kinds


def inferred_kinds(fn, *param_kinds):
    ir = lowered(fn)
    return ir, Kinds(ir, list(param_kinds), lambda *args: NUMERIC).kinds


@pytest.mark.parametrize("fn, param_kinds", [
    (straight, (ArrayKind(1), SCALAR)), (branchy, (SCALAR,)), (loopy, (SCALAR, SCALAR)),
    (everything, (ArrayKind(2), SCALAR))], ids=lambda v: getattr(v, "__name__", ""))
def test_verify_accepts_inferred_kinds(fn, param_kinds):
    verify(*inferred_kinds(fn, *param_kinds))


def _loop_with_kinds(**overrides):
    """`s = x; for i in range(3): s = s + i` with its kinds, some replaced."""
    x, s, nxt, out, i = Var("x"), Var("s"), Var("n"), Var("o"), Var("i")
    fn = Function("f", [x], Block([
        ForRange(i, Const(range(3)), [Carried(s, x, nxt, out)],
                 Block([Call(nxt, operator.add, [s, i])])),
        Return(out)]))
    kinds = {x: SCALAR, s: SCALAR, nxt: SCALAR, out: SCALAR, i: SCALAR}
    names = {"x": x, "s": s, "nxt": nxt, "out": out, "i": i}
    for name, kind in overrides.items():
        if kind is None:
            del kinds[names[name]]
        else:
            kinds[names[name]] = kind
    return fn, kinds


def test_verify_accepts_consistent_kinds():
    verify(*_loop_with_kinds())


def test_verify_rejects_a_value_read_without_a_kind():
    with pytest.raises(IRVerificationError, match="has no kind"):
        verify(*_loop_with_kinds(nxt=None))


def test_verify_rejects_something_that_is_not_a_kind():
    for bad in ("vector", ArrayKind(-1), TupleKind((SCALAR, "vector")), ListKind(3), 2.0):
        with pytest.raises(IRVerificationError, match="not a kind"):
            verify(*_loop_with_kinds(out=bad, s=bad))


def test_verify_rejects_a_loop_value_narrower_than_what_it_carries():
    with pytest.raises(IRVerificationError, match="merges"):
        verify(*_loop_with_kinds(nxt=ArrayKind(1)))


def test_verify_rejects_a_loop_exit_with_another_kind():
    with pytest.raises(IRVerificationError, match="leaves the loop"):
        verify(*_loop_with_kinds(s=NUMERIC, nxt=NUMERIC, out=SCALAR))


def test_verify_rejects_a_loop_index_that_is_not_a_scalar():
    with pytest.raises(IRVerificationError, match="loop index"):
        verify(*_loop_with_kinds(i=ArrayKind(1)))


def test_verify_rejects_a_phi_contradicting_its_inputs():
    ir, kinds = inferred_kinds(branchy, SCALAR)
    phi = next(s for s in walk(ir.body) if isinstance(s, If)).outputs[0]
    kinds[phi.target] = TupleKind((SCALAR,))
    with pytest.raises(IRVerificationError, match="phi"):
        verify(ir, kinds)


def test_verify_ignores_none_on_a_path_that_does_not_assign():
    x, c, a, y = Var("x"), Var("c"), Var("a"), Var("y")
    fn = Function("f", [x], Block([
        Call(c, operator.gt, [x, Const(0)]),
        If(c, Block([Call(a, operator.mul, [x, Const(2)])]), Block([]),
           [Phi(y, a, Const(None))]),
        Return(y)]))
    verify(fn, {x: ArrayKind(1), c: OTHER, a: ArrayKind(1), y: ArrayKind(1)})


def test_is_kind():
    for kind in (SCALAR, NUMERIC, OTHER, ArrayKind(None), ArrayKind(2, True),
                 TupleKind((SCALAR, ListKind(None))), ListKind(ArrayKind(1))):
        assert is_kind(kind), kind
    for bad in (None, "array", ArrayKind(1.5), TupleKind([SCALAR]), object()):
        assert not is_kind(bad), bad


# ----------------------------------------------------------------------------- walking


def _nested():
    x = Var("x")
    c, a, b, y = Var("c"), Var("a"), Var("b"), Var("y")
    i, s, s2, so = Var("i"), Var("s"), Var("s2"), Var("so")
    inner = Call(a, operator.mul, [x, Const(2)])
    loop_stmt = Call(s2, operator.add, [s, a])
    if_stmt = If(c, Block([inner]), Block([]), [Phi(y, a, x)])
    loop = ForRange(i, Const(range(2)), [Carried(s, x, s2, so)],
                    Block([loop_stmt]), exit=None)
    first = Call(c, operator.gt, [x, Const(0)])
    ret = Return(so)
    fn = Function("f", [x], Block([first, if_stmt, loop, ret]))
    return fn, dict(x=x, c=c, a=a, y=y, s=s, s2=s2, so=so, i=i, first=first, inner=inner,
                    if_stmt=if_stmt, loop=loop, loop_stmt=loop_stmt, ret=ret)


def test_walk_yields_nested_statements_in_textual_order():
    fn, v = _nested()
    assert list(walk(fn.body)) == [v["first"], v["if_stmt"], v["inner"], v["loop"],
                                   v["loop_stmt"], v["ret"]]


def test_walk_visits_while_condition_block_before_body():
    c, d, e = Var("c"), Var("d"), Var("e")
    cond_stmt = Call(c, operator.gt, [Const(1), Const(0)])
    body_stmt = Call(d, operator.neg, [Const(1)])
    after = Call(e, operator.neg, [Const(2)])
    w = While([], Block([cond_stmt]), c, Block([body_stmt]))
    assert list(walk(Block([w, after]))) == [w, cond_stmt, body_stmt, after]


def test_defined_region_and_used_vars():
    fn, v = _nested()
    assert defined_vars(v["if_stmt"]) == [v["y"]]
    assert defined_vars(v["loop"]) == [v["so"]]
    assert region_vars(v["loop"]) == [v["i"], v["s"]]
    assert defined_vars(Call(None, print, [])) == []
    uses = [op for op in all_uses(fn.body) if isinstance(op, Var)]
    for name in ("x", "c", "a", "s", "s2", "so"):
        assert v[name] in uses


def test_substitute_replaces_operands_everywhere():
    fn, v = _nested()
    z = Var("z")
    substitute(fn.body, {v["x"]: z})
    assert v["first"].args[0] is z
    assert v["inner"].args[0] is z
    assert v["if_stmt"].outputs[0].orelse is z
    assert v["loop"].carried[0].init is z
    assert v["x"] not in [op for op in all_uses(fn.body)]


def test_substitute_reaches_phis_carried_exit_and_return():
    fn, v = _nested()
    new_a, new_s2, new_so, flag = Var("a2"), Var("s3"), Var("so2"), Var("flag")
    v["loop"].exit = flag
    substitute(fn.body, {v["a"]: new_a, v["s2"]: new_s2, v["so"]: new_so,
                         flag: Const(True)})
    assert v["if_stmt"].outputs[0].then is new_a
    assert v["loop_stmt"].args[1] is new_a
    assert v["loop"].carried[0].next is new_s2
    assert v["loop"].exit == Const(True)
    assert v["ret"].value is new_so


def test_substitute_follows_chains_and_handles_kwargs_and_while():
    a, b, c, t, w_c = Var("a"), Var("b"), Var("c"), Var("t"), Var("wc")
    call = Call(t, np.sum, [a], {"axis": b})
    cond_call = Call(w_c, operator.gt, [a, Const(0)])
    w = While([Carried(Var("s"), a, b, Var("o"))], Block([cond_call]), a, Block([]), exit=b)
    block = Block([call, w])
    substitute(block, {a: b, b: c})
    assert call.args == [c] and call.kwargs == {"axis": c}
    assert cond_call.args[0] is c
    assert w.cond is c and w.exit is c
    assert w.carried[0].init is c and w.carried[0].next is c


def test_substitute_with_empty_mapping_changes_nothing():
    fn, v = _nested()
    before = format_function(fn)
    substitute(fn.body, {})
    assert format_function(fn) == before


def test_vars_are_distinct_even_with_the_same_name():
    a, b = Var("x"), Var("x")
    assert a != b and a.id != b.id
    assert repr(a) == f"%x.{a.id}"
    assert Const(2.0) == Const(2.0, name="two")
    assert repr(Const(np.ones(2))) == "<ndarray>"
