"""Randomized differential testing of srcad: generated programs, srcad's reverse-mode
gradient against central finite differences.

The default run checks a few hundred small programs in five families (scalar
control flow, arrays, helpers and recursion, a mix, run-time lists and complex
intermediates from feature_snippets.py); `-m slow` checks thousands of larger ones.
Every family also draws, with modest weights, module-level constant arrays (index
arrays, boolean masks, tuples / lists / dicts of arrays: program_gen's stmt_consts),
NumPy calls writing into `out=` arrays (stmt_outkw), functools.wraps wrappers of f or
a helper, and a copy `f_multi` of f returning a tuple / list / dict (grad must refuse
it, vjp's pullback is checked: harness.check_container_output); the summary counts
them.
A clear refusal (srcad.SrcadError, not RuleError) is accepted for programs using
feature_snippets (counted and, with SRCAD_RANDOM_SHOW_REFUSALS=1, shown in the
summary); for the others, and any crash or wrong gradient, it is a failure.
Generation is derandomized: every run checks the same programs.
A failure prints the (shrunk) program, its arguments and what differed; copy it
into test_regressions.py.

Run: python -m pytest tests/randomized -q          (default run)
     python -m pytest -m slow tests/randomized -q  (long run)
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import replace

import harness
import numpy as np
import program_gen as pg
import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, seed, settings

import srcad
from srcad.rules import registry

COMMON = dict(
    derandomize=True,  # the same programs on every run
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)
if os.environ.get("SRCAD_RANDOM_NO_SHRINK"):
    COMMON["phases"] = [Phase.explicit, Phase.generate]
# Other programs than the fixed default ones: SRCAD_RANDOM_SEED=<int>.
SEED = os.environ.get("SRCAD_RANDOM_SEED")
if SEED:
    COMMON["derandomize"] = False

S, V2, V3, M = pg.S, pg.V2, pg.V3, pg.M

# Small programs: srcad's transformation time grows quickly with program size, and the
# default run must stay short. The slow run uses larger ones.
FAMILIES = {
    "scalar_control": pg.Config(
        arg_shapes=(S,), max_helpers=1, max_stmts=2, max_nest=2, expr_depth=2,
        vjp_percent=10,
        stmt_weights=(("assign", 1), ("reassign", 3), ("aug", 2), ("array", 1),
                      ("write", 2), ("if", 3), ("for", 3), ("while", 2), ("exit", 3),
                      ("swap", 1), ("accloop", 1), ("consts", 1), ("outkw", 1))),
    "arrays": pg.Config(
        arg_shapes=(V3, M, S), max_helpers=0, max_stmts=3, max_nest=1, expr_depth=2,
        vjp_percent=10,
        stmt_weights=(("assign", 1), ("reassign", 2), ("aug", 2), ("array", 3),
                      ("write", 5), ("if", 1), ("for", 2), ("while", 1), ("exit", 1),
                      ("swap", 1), ("accloop", 2), ("consts", 2), ("outkw", 2))),
    "helpers": pg.Config(
        arg_shapes=(S, V3), max_helpers=2, max_stmts=1, max_nest=1, expr_depth=2,
        vjp_percent=10),
    "mixed": pg.Config(max_helpers=1, max_stmts=2, max_nest=2, expr_depth=2, vjp_percent=10),
    # Run-time lists consumed by NumPy / builtins and complex intermediates
    # (feature_snippets.py), mixed with the other statements; also drawn, less often,
    # by "mixed" and "helpers". A clear refusal of these programs is accepted.
    "lists_complex": pg.Config(
        arg_shapes=(S, V3), max_helpers=1, max_stmts=2, max_nest=1, expr_depth=2,
        vjp_percent=10, max_total_stmts=8,
        stmt_weights=(("assign", 1), ("reassign", 1), ("aug", 1), ("array", 1),
                      ("write", 1), ("if", 1), ("for", 1), ("lists", 4), ("complex", 4),
                      ("consts", 1), ("outkw", 1))),
}
DEFAULT_EXAMPLES = {"scalar_control": 80, "arrays": 95, "helpers": 65, "mixed": 80,
                    "lists_complex": 35}

SLOW_FAMILIES = {
    "slow_mixed": pg.Config(max_helpers=2, max_stmts=3, max_nest=2, expr_depth=3,
                            vjp_percent=40, max_total_stmts=24),
    "slow_scalar_control": replace(FAMILIES["scalar_control"], max_helpers=2, max_stmts=3,
                                   expr_depth=3, vjp_percent=40, max_total_stmts=24),
    "slow_arrays": replace(FAMILIES["arrays"], max_helpers=1, max_stmts=4, max_nest=2,
                           expr_depth=3, vjp_percent=40, max_total_stmts=24),
    "slow_helpers": replace(FAMILIES["helpers"], max_stmts=2, vjp_percent=40),
    "slow_small": replace(FAMILIES["mixed"], vjp_percent=40),
    "slow_lists_complex": replace(FAMILIES["lists_complex"], max_helpers=2, max_stmts=3,
                                  max_nest=2, vjp_percent=40, max_total_stmts=16),
}
SLOW_EXAMPLES = {"slow_mixed": 800, "slow_scalar_control": 1000, "slow_arrays": 1200,
                 "slow_helpers": 800, "slow_small": 1400, "slow_lists_complex": 800}


@dataclasses.dataclass
class Tally:
    checked: int = 0  # programs differentiated and compared (failures included)
    discarded: int = 0
    reasons: dict = dataclasses.field(default_factory=dict)
    failures: dict = dataclasses.field(default_factory=dict)  # signature -> [reports]
    refused: dict = dataclasses.field(default_factory=dict)  # accepted refusals, by kind
    refusal_examples: dict = dataclasses.field(default_factory=dict)  # reason -> report
    features: dict = dataclasses.field(default_factory=dict)  # feature snippet -> count
    constructs: dict = dataclasses.field(default_factory=dict)  # construct -> count
    notes: dict = dataclasses.field(default_factory=dict)  # Outcome.notes -> count

    def summary(self) -> str:
        lines = [f"{self.checked} programs checked, {self.discarded} draws discarded "
                 f"{self.reasons}, {sum(map(len, self.failures.values()))} failures, "
                 f"{sum(self.refused.values())} accepted refusals {self.refused}"]
        if self.features:
            lines.append(f"feature snippets checked: {self.features}")
        if self.constructs:
            lines.append(f"constructs checked: {dict(sorted(self.constructs.items()))}")
        if self.notes:
            lines.append(f"notes (container outputs, finer differences): {self.notes}")
        if os.environ.get("SRCAD_RANDOM_SHOW_REFUSALS"):
            for reason, (count, smallest) in sorted(self.refusal_examples.items()):
                lines.append(f"--- refused ({count}): {reason}; the smallest:\n{smallest}")
        for sig, reports in sorted(self.failures.items()):
            smallest = min(reports, key=len)
            lines.append(f"--- {sig}: {len(reports)} programs; the smallest:\n{smallest}")
        return "\n".join(lines)


# Only this kind of failure counts (others are skipped): lets Hypothesis shrink one bug.
TARGET = os.environ.get("SRCAD_RANDOM_TARGET")


def run_family(cfg: pg.Config, examples: int, directory: str, collect=False) -> Tally:
    """Check `examples` generated programs.

    Without `collect`, the first failure is raised (Hypothesis shrinks it and reports the
    smallest program); with it, failures are recorded by kind and the run goes on.
    """
    tally = Tally()

    @settings(max_examples=examples, **COMMON)
    @given(case=pg.cases(cfg))
    def check(case):
        prog, args = case
        note(harness.describe(prog.source, args, prog.wrt))
        problems = harness.structure_problems(prog.source)
        assert not problems, "malformed program (a generator bug): " + "; ".join(problems)
        outcome = harness.check_program(prog.source, args, prog.wrt, directory,
                                        use_vjp=prog.use_vjp, single=prog.single,
                                        multi=prog.multi)
        if outcome.status == "discard":
            tally.discarded += 1
            reason = outcome.detail.split(":")[0]
            tally.reasons[reason] = tally.reasons.get(reason, 0) + 1
        assume(outcome.status != "discard")
        accepted = harness.acceptable(outcome, prog.refusal_ok)
        if not accepted and TARGET:
            assume(harness.signature(outcome) == TARGET)
        tally.checked += 1
        for name in prog.features:
            tally.features[name] = tally.features.get(name, 0) + 1
        for name in prog.constructs + ((f"multi_{prog.multi}",) if prog.multi else ()):
            tally.constructs[name] = tally.constructs.get(name, 0) + 1
        for remark in outcome.notes:
            key = remark.split(":")[0]
            tally.notes[key] = tally.notes.get(key, 0) + 1
        if outcome.status == "refused" and accepted:
            sig = harness.signature(outcome)
            tally.refused[sig] = tally.refused.get(sig, 0) + 1
            reason = harness.refusal_reason(outcome)
            text = harness.report(outcome, prog.source, args, prog.wrt)
            count, smallest = tally.refusal_examples.get(reason, (0, text))
            tally.refusal_examples[reason] = (count + 1, min(smallest, text, key=len))
        if not accepted:
            if collect:
                tally.failures.setdefault(harness.signature(outcome), []).append(
                    harness.report(outcome, prog.source, args, prog.wrt))
            else:
                harness.fail(outcome, prog.source, args, prog.wrt)

    if SEED:
        check = seed(int(SEED))(check)
    check()
    return tally


@pytest.mark.parametrize("family", list(FAMILIES))
def test_random_programs(family, tmp_path):
    examples = DEFAULT_EXAMPLES[family]
    tally = run_family(FAMILIES[family], examples, str(tmp_path))
    print(f"{family}: {tally.summary()}")
    assert tally.checked >= examples


@pytest.mark.slow
@pytest.mark.parametrize("family", list(SLOW_FAMILIES))
def test_random_programs_long(family, tmp_path):
    """Thousands of programs. Failures are collected by kind, not shrunk, so that one bug
    does not hide the others; the smallest program of each kind is reported. To shrink
    one kind, run the default tests (or this one) with SRCAD_RANDOM_TARGET=<kind>."""
    examples = SLOW_EXAMPLES[family]
    tally = run_family(SLOW_FAMILIES[family], examples, str(tmp_path), collect=True)
    print(f"{family}: {tally.summary()}")
    assert tally.checked >= examples
    assert not tally.failures, tally.summary()


# ----------------------------------------------------------------------------- structure


def test_generated_programs_are_well_formed():
    """Many programs (not differentiated): they compile and have no dead assignments."""
    count = 0

    @settings(max_examples=100, **COMMON)
    @given(prog=pg.programs(pg.Config()))
    def check(prog):
        nonlocal count
        assert harness.structure_problems(prog.source) == [], prog.source
        count += 1

    check()
    assert count == 100


def test_structure_check_finds_dead_assignments():
    dead = "def f(x):\n    a = x * 2.0\n    a = x + 1.0\n    return a\n"
    unread = "def f(x):\n    a = x * 2.0\n    b = a + 1.0\n    return a\n"
    before_return = "def f(x):\n    a = x * 2.0\n    if x > 0:\n        a = a * x\n" \
                    "        return x\n    return a\n"
    assert "overwritten" in harness.structure_problems(dead)[0]
    assert "never read" in harness.structure_problems(unread)[0]
    assert "not read before the return" in harness.structure_problems(before_return)[0]
    assert harness.structure_problems("def f(x)\n    return x\n")[0].startswith("does not")


# ----------------------------------------------------------------------------- negative control


@pytest.fixture
def broken_rule():
    """Replace a primal's rule by a copy with a wrong adjoint; restore it exactly after."""
    replaced = []

    def install(primal, template):
        original = registry._rules[primal]
        registry._rules[primal] = dataclasses.replace(original)
        replaced.append((primal, original))
        srcad.adjoint(primal)(template)  # updates the copy, bumps the generation

    yield install
    with registry._lock:
        for primal, original in reversed(replaced):
            registry._rules[primal] = original
        registry._generation[0] += 1


def _wrong_sin(y, x):
    dx = dy * np.cos(x) * 1.25


def _wrong_mul(z, x, y):
    dx = dz * y
    dy = dz * x * 0.5


# Straight-line code and loops (no branches, no helpers), so that most programs send a
# nonzero adjoint through the broken rule.
CONTROL = pg.Config(max_helpers=0, max_stmts=2, max_nest=1, expr_depth=2,
                    unary_fns=("sin",), squash_fns=("sin",), math_scalars=0.0,
                    vjp_percent=0, int_param_percent=0, max_globals=0, wraps_percent=0,
                    multi_percent=0,
                    expr_weights=(("leaf", 1), ("arith", 5), ("unary", 6), ("neg", 1),
                                  ("div", 1), ("pow", 1), ("reduce", 2), ("index", 1)),
                    stmt_weights=(("assign", 1), ("reassign", 2), ("aug", 2), ("array", 1),
                                  ("write", 2), ("for", 1), ("accloop", 1)))


def _control_outcomes(cfg, directory, examples=25):
    outcomes = []

    @settings(max_examples=examples, **{**COMMON, "phases": [Phase.generate]})
    @given(case=pg.cases(cfg))
    def run(case):
        prog, args = case
        outcome = harness.check_program(prog.source, args, prog.wrt, directory,
                                        single=prog.single)
        assume(outcome.status != "discard")
        outcomes.append((outcome, prog))

    run()
    return outcomes


@pytest.mark.parametrize("primal, template, marker", [
    (np.sin, _wrong_sin, "np.sin("),
    (__import__("operator").mul, _wrong_mul, "*"),
], ids=["np.sin", "operator.mul"])
def test_harness_reports_a_broken_adjoint(primal, template, marker, broken_rule, tmp_path):
    broken_rule(primal, template)
    # 40 programs: with 25, one program more or less that srcad accepts shifts the
    # sequence enough to move the share caught by several points
    outcomes = _control_outcomes(CONTROL, str(tmp_path), examples=40)
    using = [(o, p) for o, p in outcomes if marker in p.source]
    mismatches = [o for o, _ in using if o.status == "mismatch"]
    others = [o for o, _ in using if o.status not in ("mismatch", "ok")]
    assert len(using) >= 15
    # Not every program exercises the rule with a nonzero adjoint (a branch may bypass
    # it, or its input may be a constant), but most must be caught.
    assert len(mismatches) >= 0.6 * len(using), (len(mismatches), len(using), others)


def test_rules_are_restored_after_the_negative_control(tmp_path):
    """The broken rules above are gone: a program using both is correct again."""
    source = ("import numpy as np\n\n\ndef f(x, y):\n"
              "    return np.sum(np.sin(x) * y)\n")
    outcome = harness.check_program(source, (np.array([0.3, -0.7, 1.1]), 0.4), (0, 1),
                                    str(tmp_path))
    assert outcome.ok, outcome.detail
