"""Entries for the external-corpus runners (slow: run with `pytest -m slow tests/external`).

Each runner runs in a subprocess (the autograd runner installs a stand-in `autograd`
package and runs pytest itself). The measurements are reports, not pass/fail gates: the
tests check that the runners work, that their checker is right on known cases, and that
a report with the expected shape comes out. The reports are printed (`pytest -s`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
AUTOGRAD = os.environ.get("AUTOGRAD_SRC") or "/work/.mirror/HIPS+autograd/repo"
TANGENT = os.environ.get("TANGENT_SRC") or "/work/.mirror/google+tangent/repo"

pytestmark = pytest.mark.slow


def _run(script: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, os.path.join(HERE, script), *args],
                          capture_output=True, text=True, timeout=timeout)


def test_autograd_checker_self_test():
    """Known-correct derivatives pass; deliberately wrong ones (first order, and second
    order only) are WRONG; a synthetic module is classified as expected."""
    proc = _run("autograd_suite.py", "--self-test", timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test: passed" in proc.stdout


def test_tangent_checker_self_test():
    """The Tangent runner's gradient check: right gradients pass (kinks too), a
    deliberately wrong rule is WRONG, a refusal is REFUSED."""
    proc = _run("tangent_corpus.py", "--self-test", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test: passed" in proc.stdout


@pytest.mark.skipif(not os.path.exists(AUTOGRAD), reason="no autograd checkout "
                    "(set AUTOGRAD_SRC)")
def test_autograd_suite(tmp_path):
    report = tmp_path / "autograd.md"
    proc = _run("autograd_suite.py", "--autograd", AUTOGRAD, "--report", str(report),
                timeout=7200)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    text = report.read_text()
    print(text)
    total = re.search(r"^\| \*\*total\*\* \| (\d+) \| (\d+) \| (\d+) \|", text, re.M)
    assert total, text
    tests, na, applicable = map(int, total.groups())
    assert tests >= 400 and applicable >= 300, total.group(0)
    assert "## Collection errors" not in text


@pytest.mark.skipif(not os.path.exists(TANGENT), reason="no Tangent checkout "
                    "(set TANGENT_SRC)")
def test_tangent_corpus(tmp_path):
    report = tmp_path / "tangent.md"
    proc = _run("tangent_corpus.py", "--tangent", TANGENT, "--report", str(report),
                timeout=3600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    text = report.read_text()
    print(text)
    row = re.search(r"^\| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", text, re.M)
    assert row, text
    functions, na, applicable, passed = map(int, row.groups())
    assert functions >= 100 and applicable >= 80, row.group(0)
