"""The coverage listing is generated from the registry and kept in sync with docs."""

import pathlib
import subprocess
import sys

from srcad.rules import coverage, registry

DOC = pathlib.Path(__file__).parent.parent / "docs" / "rules.md"


def test_docs_rules_is_generated_from_the_registry():
    assert DOC.read_text() == coverage.markdown(), (
        "docs/rules.md is stale: regenerate it with "
        "`python -m srcad rules-md > docs/rules.md`")


def test_every_rule_is_listed_once():
    assert len(coverage.rows()) == len(registry.all_rules())
    names = [(r.family, r.name) for r in coverage.rows()]
    assert len(set(names)) == len(names)


def test_differentiable_rules_have_both_templates():
    for row in coverage.rows():
        if not row.nondifferentiable:
            assert row.adjoint and row.tangent, row


def test_cli_lists_rules():
    out = subprocess.run([sys.executable, "-m", "srcad", "rules"], capture_output=True,
                         text=True, check=True).stdout
    assert "np.sin" in out and "adjoint + tangent" in out
    assert "differentiable" in out.splitlines()[-1]


def test_cli_rejects_unknown_commands():
    proc = subprocess.run([sys.executable, "-m", "srcad", "nonsense"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "usage" in proc.stderr
