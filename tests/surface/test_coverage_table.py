"""docs/coverage.md cannot drift: every name of the JAX surface that the installed NumPy
and SciPy have is in the table, and probing it again gives what the table says. No name
may give a silently wrong derivative or an internal error."""

from __future__ import annotations

import pathlib
import re

import pytest

from srcad.surface import calls, probe, table
from srcad.surface.names import NAMES

DOC = pathlib.Path(__file__).parent.parent.parent / "docs" / "coverage.md"
ROWS = table.rows(DOC.read_text())
SURFACE = probe.surface()
_PREFIX = {"numpy": "np", "numpy.fft": "np.fft", "numpy.linalg": "np.linalg",
           "scipy.special": "special", "scipy.linalg": "linalg", "scipy.signal": "signal",
           "scipy.integrate": "integrate", "scipy.ndimage": "ndimage", "scipy.fft": "sfft",
           "scipy.stats": "stats"}
REGENERATE = "regenerate it with `python -m srcad coverage-md > docs/coverage.md`"


def test_every_installed_name_of_the_surface_is_in_the_table():
    missing = [f"{m}.{n}" for m, n in SURFACE if (m, n) not in ROWS]
    assert not missing, f"docs/coverage.md lacks {missing}: {REGENERATE}"


def test_the_table_lists_only_names_of_the_surface():
    extra = [f"{m}.{n}" for m, n in ROWS if n not in NAMES.get(m, ())]
    assert not extra, f"docs/coverage.md lists {extra}, not in the surface: {REGENERATE}"


@pytest.mark.parametrize("module, name", [(m, n) for m, ns in NAMES.items() for n in ns],
                         ids=lambda v: v)
def test_each_name_has_a_probe_call_of_that_name(module, name):
    call = calls.call(module, name)
    if isinstance(call, calls.Utility):
        return
    callee = f"{_PREFIX[module]}.{name}("
    assert callee in call or (module == "scipy.stats" and f"stats.{name}(" in call), call


def _status_category(cell: str) -> str:
    if cell.startswith("not differentiable"):
        return re.sub(r" \(srcad: .*\)$", "", cell)
    if cell == "first and second order":
        return cell
    if cell.startswith("first order; second order "):
        return "first order; second " + cell.split("second order ")[1].split(":")[0]
    return cell.split(":")[0]


@pytest.mark.parametrize("module, name", SURFACE, ids=lambda v: v)
def test_probing_again_gives_what_the_table_says(module, name):
    result = probe.probe(module, name)
    for outcome in (result.first, result.second):
        assert not outcome.startswith(("wrong", "error")), f"{module}.{name}: {outcome}"
    assert (module, name) in ROWS, f"{module}.{name} is not in docs/coverage.md: {REGENERATE}"
    assert table.category(result) == _status_category(ROWS[(module, name)]), (
        f"{module}.{name}: the probe finds '{table.status(result)}', docs/coverage.md says "
        f"'{ROWS[(module, name)]}': {REGENERATE}")


def test_the_summary_meets_the_coverage_floor():
    """At least 90% of the differentiable names at first order and 80% at second order;
    numpy.fft, scipy.linalg, scipy.signal and scipy.stats at least 80% each."""
    results = {}
    for (module, name), cell in ROWS.items():
        results.setdefault(module, []).append(_status_category(cell))
    diff = {m: [c for c in cs if not c.startswith("not differentiable")]
            for m, cs in results.items()}
    first = {m: sum(c.startswith("first") for c in cs) for m, cs in diff.items()}
    second = {m: sum(c == "first and second order" for c in cs) for m, cs in diff.items()}
    total = sum(len(cs) for cs in diff.values())
    assert sum(first.values()) >= 0.9 * total
    assert sum(second.values()) >= 0.8 * total
    for module in ("numpy.fft", "scipy.linalg", "scipy.signal", "scipy.stats"):
        assert first[module] >= 0.8 * len(diff[module]), module
