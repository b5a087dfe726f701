"""SSA construction: phis and loop-carried values only for names that change."""

import operator

import numpy as np

from srcad.ir.builder import Builder, same_operand
from srcad.ir.nodes import Call, Const, ForRange, Function, If, Return, Var, While
from srcad.ir.verify import verify


def new_builder(**names):
    b = Builder()
    params = []
    for name in names:
        v = Var(name)
        params.append(v)
        b.write(name, v)
    return b, params


def finish(b, params, result_key):
    b.append(Return(b.read(result_key)))
    fn = Function("f", params, b.block)
    verify(fn)
    return fn


# ----------------------------------------------------------------------------- helpers


def test_same_operand():
    v = Var("v")
    assert same_operand(v, v)
    assert not same_operand(v, Var("v"))
    assert same_operand(Const(1.0), Const(1.0))
    assert not same_operand(Const(1), Const(1.0))
    assert not same_operand(Const(True), Const(1))
    assert same_operand(Const(None), Const(None))
    assert not same_operand(Const("a"), Const("b"))
    # arrays are never compared by value (no elementwise truth values)
    assert not same_operand(Const(np.ones(2)), Const(np.ones(2)))


def test_same_operand_distinguishes_signed_zeros():
    # 0.0 == -0.0 in Python, but they are different values (1/x, atan2, copysign).
    assert not same_operand(Const(0.0), Const(-0.0))


def test_straight_line_code_reads_the_latest_value():
    b, (x,) = new_builder(x=None)
    t = b.call(operator.add, [b.read("x"), Const(1.0)], name="x")
    b.write("x", t)
    u = b.call(operator.mul, [b.read("x"), Const(2.0)])
    assert b.read("x") is t
    assert u is b.block.stmts[-1].target
    assert b.block.stmts[1].args[0] is t
    b.effect(print, [u])
    assert b.block.stmts[-1].target is None


# ----------------------------------------------------------------------------- if


def test_if_creates_phis_only_for_names_that_change():
    b, (x, y, c) = new_builder(x=None, y=None, c=None)

    def then():
        b.write("x", b.call(operator.mul, [b.read("x"), Const(2.0)]))
        b.write("z", b.call(operator.neg, [b.read("y")]))

    def orelse():
        b.write("x", b.call(operator.neg, [b.read("x")]))

    stmt = b.build_if(c, then, orelse)
    assert isinstance(stmt, If)
    targets = {p.target.name for p in stmt.outputs}
    assert targets == {"x", "z"}
    phi_x = next(p for p in stmt.outputs if p.target.name == "x")
    assert phi_x.then is stmt.then.stmts[0].target
    assert phi_x.orelse is stmt.orelse.stmts[0].target
    phi_z = next(p for p in stmt.outputs if p.target.name == "z")
    assert phi_z.orelse == Const(None)  # never assigned on the else path
    assert b.read("x") is phi_x.target
    assert b.read("y") is y  # unchanged: no phi
    b.write("r", b.call(operator.add, [b.read("x"), b.read("z")]))
    finish(b, [x, y, c], "r")


def test_if_with_identical_assignments_needs_no_phi():
    b, (x, c) = new_builder(x=None, c=None)
    b.build_if(c, lambda: b.write("k", Const(3.0)), lambda: b.write("k", Const(3.0)))
    stmt = b.block.stmts[-1]
    assert stmt.outputs == []
    assert b.read("k") == Const(3.0)


def test_if_assigning_a_name_to_itself_needs_no_phi():
    b, (x, c) = new_builder(x=None, c=None)
    b.build_if(c, lambda: b.write("x", b.read("x")), lambda: None)
    assert b.block.stmts[-1].outputs == []
    assert b.read("x") is x


def test_if_with_different_constants_gets_a_phi():
    b, (c,) = new_builder(c=None)
    b.build_if(c, lambda: b.write("k", Const(1)), lambda: b.write("k", Const(1.0)))
    stmt = b.block.stmts[-1]
    assert len(stmt.outputs) == 1
    assert stmt.outputs[0].then == Const(1) and stmt.outputs[0].orelse == Const(1.0)


def test_missing_value_is_configurable():
    b = Builder(missing=Const(0.0), hint=lambda k: "d" + k)
    c = Var("c")
    b.build_if(c, lambda: b.write("x", Var("v")), lambda: None)
    phi = b.block.stmts[-1].outputs[0]
    assert phi.orelse == Const(0.0) and type(phi.orelse.value) is float
    assert phi.target.name == "dx"


def test_nested_ifs_merge_inner_first():
    b, (x, c, d) = new_builder(x=None, c=None, d=None)

    def then():
        b.build_if(d, lambda: b.write("x", b.call(operator.neg, [b.read("x")])), lambda: None)

    b.build_if(c, then, lambda: None)
    outer = b.block.stmts[-1]
    inner = outer.then.stmts[-1]
    assert isinstance(inner, If) and len(inner.outputs) == 1
    assert outer.outputs[0].then is inner.outputs[0].target
    assert outer.outputs[0].orelse is x
    finish(b, [x, c, d], "x")


# ----------------------------------------------------------------------------- loops


def test_for_carries_only_names_that_change():
    b, (x, y) = new_builder(x=None, y=None)
    b.write("s", Const(0.0))

    def body(i):
        t = b.call(operator.mul, [b.read("y"), i])
        b.write("s", b.call(operator.add, [b.read("s"), t]))

    stmt = b.build_for(Const(range(3)), "i", body, assigned=["s"])
    assert isinstance(stmt, ForRange)
    assert [c.var.name for c in stmt.carried] == ["s"]
    c = stmt.carried[0]
    assert c.init == Const(0.0)
    assert c.next is stmt.body.stmts[-1].target
    assert b.read("s") is c.out
    # x and y did not change: their uses read the outer values, not loop values
    assert stmt.body.stmts[0].args[0] is y
    assert b.read("x") is x and b.read("y") is y
    finish(b, [x, y], "s")


def test_trivial_loop_values_are_removed_and_uses_substituted():
    b, (x,) = new_builder(x=None)
    seen = {}

    def body(i):
        seen["x_in_body"] = b.read("x")
        b.write("t", b.call(operator.add, [b.read("x"), i]))

    stmt = b.build_for(Const(range(2)), "i", body, assigned=["t"])
    # during the body, x was a loop value; it never changed, so it is not carried
    assert seen["x_in_body"] is not x
    assert [c.var.name for c in stmt.carried] == ["t"]
    assert stmt.body.stmts[0].args[0] is x  # the loop value was replaced by the outer x
    assert b.read("x") is x


def test_loop_value_reassigned_its_initial_constant_is_trivial():
    b, (x,) = new_builder(x=None)
    b.write("k", Const(2.0))
    stmt = b.build_for(Const(range(2)), "i", lambda i: b.write("k", Const(2.0)),
                       assigned=["k"])
    assert stmt.carried == []
    assert b.read("k") == Const(2.0)


def test_name_first_assigned_in_the_loop_starts_missing():
    b, (x,) = new_builder(x=None)
    stmt = b.build_for(Const(range(2)), "i",
                       lambda i: b.write("last", b.call(operator.mul, [x, i])),
                       assigned=["last"])
    assert len(stmt.carried) == 1
    assert stmt.carried[0].init == Const(None)
    assert b.read("last") is stmt.carried[0].out


def test_unchanged_new_name_is_forgotten_after_the_loop():
    b, (x,) = new_builder(x=None)
    b.build_for(Const(range(2)), "i", lambda i: None, assigned=["ghost"])
    assert b.read("ghost") is None


def test_for_exit_key():
    b, (x,) = new_builder(x=None)
    b.write("stop", Const(False))

    def body(i):
        b.write("stop", b.call(operator.gt, [i, x]))

    stmt = b.build_for(Const(range(5)), "i", body, assigned=["stop"], exit_key="stop")
    assert stmt.exit is stmt.body.stmts[0].target
    stmt2 = b.build_for(Const(range(5)), "j", lambda j: None, exit_key="never")
    assert stmt2.exit == Const(False)


def test_while_loop_substitutes_trivial_values_in_condition():
    b, (x, n) = new_builder(x=None, n=None)

    def cond():
        return b.call(operator.lt, [b.read("k"), b.read("n")])

    b.write("k", Const(0))

    def body():
        b.write("k", b.call(operator.add, [b.read("k"), Const(1)]))

    stmt = b.build_while(cond, body, assigned=["k"])
    assert isinstance(stmt, While)
    assert [c.var.name for c in stmt.carried] == ["k"]
    cond_call = stmt.cond_block.stmts[0]
    assert cond_call.args[0] is stmt.carried[0].var
    assert cond_call.args[1] is n  # n never changes: the outer value
    assert stmt.cond is cond_call.target
    assert b.read("k") is stmt.carried[0].out
    finish(b, [x, n], "k")


def test_nested_loops_carry_through_both_levels():
    b, (x,) = new_builder(x=None)
    b.write("s", Const(0.0))

    def outer(i):
        def inner(j):
            b.write("s", b.call(operator.add, [b.read("s"), x]))
        b.build_for(Const(range(2)), "j", inner, assigned=["s"])

    stmt = b.build_for(Const(range(3)), "i", outer, assigned=["s"])
    inner_loop = stmt.body.stmts[-1]
    assert len(stmt.carried) == 1 and len(inner_loop.carried) == 1
    assert inner_loop.carried[0].init is stmt.carried[0].var
    assert stmt.carried[0].next is inner_loop.carried[0].out
    finish(b, [x], "s")


def test_if_inside_loop_merges_before_carry():
    b, (x,) = new_builder(x=None)
    b.write("s", Const(0.0))

    def body(i):
        c = b.call(operator.gt, [i, Const(1)])
        b.build_if(c, lambda: b.write("s", b.call(operator.add, [b.read("s"), x])),
                   lambda: None)

    stmt = b.build_for(Const(range(3)), "i", body, assigned=["s"])
    phi = stmt.body.stmts[-1].outputs[0]
    assert stmt.carried[0].next is phi.target
    assert phi.orelse is stmt.carried[0].var
    finish(b, [x], "s")


def test_keys_need_not_be_strings():
    b, (x,) = new_builder(x=None)
    key = object()
    b.write(key, x)
    c = Var("c")
    b.build_if(c, lambda: b.write(key, Const(1.0)), lambda: None)
    assert b.read(key) is b.block.stmts[-1].outputs[0].target
    b.forget(key)
    assert b.read(key) is None


def test_builder_statements_are_calls():
    b, (x,) = new_builder(x=None)
    t = b.call(operator.neg, [x], name="neg")
    stmt = b.block.stmts[0]
    assert isinstance(stmt, Call) and stmt.target is t and t.name == "neg"


def test_handles_merge_only_when_both_paths_agree():
    from srcad.ir.builder import Builder
    from srcad.ir.handles import Ambiguous, Struct
    from srcad.ir.nodes import Const, Var

    b = Builder()
    same, other = Struct("dict", []), Struct("dict", ["k"])
    b.write("kept", same)
    b.write("d", same)
    b.build_if(Var("c"), lambda: b.write("d", other), lambda: None)
    assert b.read("kept") is same
    assert isinstance(b.read("d"), Ambiguous)
    b.write("x", Const(1.0))
    b.build_if(Var("c"), lambda: b.write("x", other), lambda: None)
    assert isinstance(b.read("x"), Ambiguous)


def test_rebinding_a_handle_inside_a_loop_is_refused():
    import pytest

    from srcad.errors import UnsupportedSyntaxError
    from srcad.ir.builder import Builder
    from srcad.ir.handles import Struct
    from srcad.ir.nodes import Const

    b = Builder()
    b.write("f", Struct("dict", []))
    with pytest.raises(UnsupportedSyntaxError, match="inside a loop"):
        b.build_for(Const(range(3)), "i", lambda i: b.write("f", Struct("dict", ["k"])))


def test_containers_of_one_layout_merge_item_by_item():
    from srcad.ir.builder import Builder
    from srcad.ir.handles import Struct
    from srcad.ir.nodes import Phi, Var

    b = Builder()
    a, c = Struct("dict", ["k"]), Struct("dict", ["k"])
    x, y = Var("x"), Var("y")
    b.write((a, "k"), x)
    b.write("d", a)

    def then():
        b.write((c, "k"), y)
        b.write("d", c)
    stmt = b.build_if(Var("cond"), then, lambda: None)
    merged = b.read("d")
    assert merged is not a and merged is not c and not merged.mutable
    phi = b.read((merged, "k"))
    assert any(isinstance(p, Phi) and p.target is phi and p.then is y and p.orelse is x
               for p in stmt.outputs)
