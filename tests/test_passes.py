"""The compiler as lists of named passes: the runner, IR dumps, verification after
every pass."""

import operator

import numpy as np
import pytest

import srcad
from srcad.ir.kinds import ArrayKind
from srcad.ir.nodes import Call, Const, If, Var, walk
from srcad.ir.verify import IRVerificationError
from srcad.pipeline import cache, passes, runner
from srcad.pipeline.compiler import Compilation
from srcad.pipeline.runner import Pass, run_passes
from srcad.pipeline.unit import DerivativeUnit, SourceUnit


@pytest.fixture(autouse=True)
def switches_follow_the_environment():
    yield
    runner.dump_ir(None)
    runner.verify_ir(None)


def poly(x, y):
    z = x * y + np.sin(x)
    if y > 0:
        z = z * 2.0
    return np.sum(z)


def helper(x):
    return x * x


def calls_helper(x):
    return helper(x) + 1.0


def names(pass_list):
    return [p.name for p in pass_list]


def test_the_pass_lists():
    assert names(passes.SOURCE_PASSES) == ["parse", "lower", "optimize", "verify"]
    assert names(passes.DERIVATIVE_PASSES) == [
        "primal", "inline", "kinds", "activity", "sequences", "reverse", "forward",
        "assemble", "optimize", "specialize", "verify"]
    assert names(passes.MODULE_PASSES) == ["codegen"]
    for p in passes.SOURCE_PASSES + passes.DERIVATIVE_PASSES + passes.MODULE_PASSES:
        assert p.summary and "\n" not in p.summary


def dumped_passes(text):
    return [line.split("'")[1] + " " + line.split("(")[1].rstrip(") -")
            for line in text.splitlines() if line.startswith("--- srcad: after pass")]


def test_dump_shows_every_pass_of_a_gradient_in_order(capsys):
    cache.clear()
    runner.dump_ir(True)
    srcad.grad(calls_helper)(1.5)
    dumped = dumped_passes(capsys.readouterr().err)
    assert dumped == [
        "parse calls_helper", "lower calls_helper", "optimize calls_helper",
        "verify calls_helper",
        "primal calls_helper_grad",
        # kind inference meets the call to `helper`: it is lowered, to infer its kinds
        "parse helper", "lower helper", "optimize helper", "verify helper",
        "kinds calls_helper_grad", "activity calls_helper_grad",
        "sequences calls_helper_grad",
        # the reverse transform meets it: its forward/backward pair is built first
        "primal helper_fwd + helper_bwd", "kinds helper_fwd + helper_bwd",
        "activity helper_fwd + helper_bwd", "sequences helper_fwd + helper_bwd",
        "reverse helper_fwd + helper_bwd", "assemble helper_fwd + helper_bwd",
        "optimize helper_fwd + helper_bwd", "verify helper_fwd + helper_bwd",
        "reverse calls_helper_grad", "assemble calls_helper_grad",
        "optimize calls_helper_grad", "verify calls_helper_grad",
        "codegen grad of calls_helper"]


def test_dump_of_forward_over_reverse_inlines_and_runs_forward(capsys):
    cache.clear()
    runner.dump_ir(True)
    srcad.hvp(calls_helper)(1.5, 1.0)
    dumped = dumped_passes(capsys.readouterr().err)
    assert "inline grad_calls_helper" in dumped
    assert "forward grad_calls_helper_jvp" in dumped
    assert not any(d.startswith("reverse grad_calls_helper_jvp") for d in dumped)


def test_dump_shows_the_ir_and_the_kinds(capsys):
    cache.clear()
    runner.dump_ir(True)
    srcad.grad(poly)(np.ones(3), 2.0)
    err = capsys.readouterr().err
    after_lower = err.split("after pass 'lower' (poly) ---\n")[1].split("--- srcad")[0]
    assert after_lower.startswith("function poly(%x.")
    after_activity = err.split("after pass 'activity'")[1].split("--- srcad")[0]
    assert "kinds:" in after_activity and "ArrayKind(ndim=1" in after_activity
    assert "(active)" in after_activity
    assert "# reverse sweep" in err.split("after pass 'reverse'")[1].split("--- srcad")[0]
    assert "def poly_grad(x, y):" in err.split("after pass 'codegen'")[1]


def test_dump_follows_the_environment_variable(capsys, monkeypatch):
    cache.clear()
    monkeypatch.setenv("SRCAD_DUMP_IR", "1")
    srcad.grad(helper)(2.0)
    assert "--- srcad: after pass 'lower' (helper) ---" in capsys.readouterr().err
    monkeypatch.setenv("SRCAD_DUMP_IR", "0")
    cache.clear()
    srcad.grad(helper)(2.0)
    assert capsys.readouterr().err == ""


def test_verification_after_every_pass_follows_its_switch(monkeypatch):
    monkeypatch.setenv("SRCAD_VERIFY_IR", "1")
    assert runner._is_on("SRCAD_VERIFY_IR")
    monkeypatch.delenv("SRCAD_VERIFY_IR")
    assert not runner._is_on("SRCAD_VERIFY_IR")  # off by default
    runner.verify_ir(True)
    assert runner._is_on("SRCAD_VERIFY_IR")


def reassign_a_value(unit):
    """A broken pass: the first call's target is assigned twice."""
    first = next(s for s in unit.ir.body.stmts if isinstance(s, Call))
    unit.ir.body.stmts.insert(1, Call(first.target, operator.neg, [Const(1.0)]))


def test_a_pass_that_breaks_the_ir_is_named():
    broken = passes.SOURCE_PASSES[:2] + (Pass("reassign", "breaks SSA", reassign_a_value),)
    runner.verify_ir(True)
    with pytest.raises(IRVerificationError, match="after pass 'reassign': in poly: .* more "
                                                  "than once"):
        run_passes(broken, SourceUnit(poly))
    runner.verify_ir(False)
    run_passes(broken, SourceUnit(poly))  # unchecked


def test_a_pass_that_breaks_scoping_is_caught():
    def use_branch_value_outside(unit):
        branch = next(s for s in unit.ir.body.stmts if isinstance(s, If))
        inner = next(s for s in walk(branch.then) if isinstance(s, Call))
        unit.ir.body.stmts.insert(-1, Call(Var("t"), operator.neg, [inner.target]))

    broken = passes.SOURCE_PASSES[:2] + (Pass("leak", "breaks scoping",
                                                use_branch_value_outside),)
    runner.verify_ir(True)
    with pytest.raises(IRVerificationError, match="after pass 'leak': .* not defined"):
        run_passes(broken, SourceUnit(poly))


def test_kinds_are_verified_once_inferred():
    def contradict_a_kind(unit):
        branch = next(s for s in unit.primal.body.stmts if isinstance(s, If))
        unit.kinds.kinds[branch.outputs[0].target] = ArrayKind(5)

    def forget_a_kind(unit):
        del unit.kinds.kinds[unit.primal.params[0]]

    runner.verify_ir(True)
    for breaks, message in [(contradict_a_kind, "phi .* merges"),
                            (forget_a_kind, "has no kind")]:
        broken = passes.DERIVATIVE_PASSES[:3] + (Pass("break", "", breaks),)
        unit = DerivativeUnit(Compilation(), "joint", poly, (0,), (ArrayKind(1), "scalar"),
                              ("poly_value_and_grad",))
        with pytest.raises(IRVerificationError, match=f"after pass 'break': .*{message}"):
            run_passes(broken, unit)


def test_passes_that_do_not_apply_are_skipped():
    seen = []
    steps = (Pass("always", "", lambda unit: seen.append("always")),
             Pass("never", "", lambda unit: seen.append("never"), lambda unit: False))
    unit = run_passes(steps, SourceUnit(poly))
    assert seen == ["always"] and unit.ir is None


def countdown(x, n):
    if n == 0:
        return x
    return x * countdown(x, n - 1)


def test_vjp_of_a_recursive_function():
    out, pullback = srcad.vjp(countdown, 2.0, 3, wrt=0)
    assert out == 16.0
    assert pullback(1.0) == (pytest.approx(32.0),)
