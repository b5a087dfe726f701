"""Checks for NaN and Inf that generated code runs with `check_finite=True`.

With the option on (docs/nan.md), codegen follows every value and adjoint the generated
code computes by

    if not all_finite(bx):
        raise non_finite(12, bx)

`all_finite` is the check (`np.isfinite(v).all()` for an array, a comparison for a
float, nothing for an int; codegen writes `math.isfinite(v)` instead for a value known to
be a real scalar); `non_finite` runs only on a failure: it builds the `NonFiniteError`
from the static description of the statement (a `Site`, made when the code was
generated and kept in the generated module's namespace) and the generated frame's
locals, which say whether the statement's inputs were finite (it *created* the
non-finite value, or only *propagated* it) and which iteration of each enclosing loop
it was in. The generated code raises it, so the frame that raises is the generated
function's: `pdb.pm()` lands on the generated line with every local value visible.
"""

from __future__ import annotations

import cmath
import linecache
import re
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from srcad.errors import NonFiniteError, SourceLoc


@dataclass(frozen=True)
class Mask:
    """A value `np.where` masks: non-finite values in it are expected (not checked)."""

    expression: str  # its source: "np.log(x)"
    line: int  # the line computing it
    where_line: int  # the line of the np.where masking it
    fix: str = ""  # the double-where idiom for this where, when it could be written


@dataclass(frozen=True)
class Site:
    """What the error of one check says, decided when the code is generated."""

    sweep: str  # "forward" or "reverse"
    loc: SourceLoc  # the user's line
    name: str  # the value's name in the generated code ("bx_1")
    variable: str  # its name for the user: "y", an adjoint "by", a tangent "dy"
    meaning: str  # "", "the adjoint of y", "the tangent of y"
    expression: str  # the source text of the operation ("np.log(x)")
    operation: str  # the primitive ("np.log", "truediv")
    inputs: tuple = ()  # (name in the generated code, description) per input value
    masked_inputs: tuple = ()  # (name, Mask): inputs np.where masks, never checked
    masked_adjoints: tuple = ()  # (name, Mask): inputs holding a masked value's adjoint
    constants: tuple = ()  # non-finite constants the statement reads, as written
    loops: tuple = ()  # (index name or "", user name, line) per enclosing loop, outermost first
    divisor: str = ""  # the name of a division's divisor


ARGUMENT = " (an argument)"  # how a site describes an input that is a parameter

# The name of the list of a generated module's sites, in its namespace: generated code
# passes a site's position in it to `non_finite`.
SITES = "__srcad_sites__"


def all_finite(value: Any, _isfinite: Any = np.isfinite) -> bool:
    """Whether `value` holds no NaN or Inf (ints, bools, tuples and lists: yes; their
    items were checked where they were computed).

    For an array, `np.isfinite(value).all()` (not a cheaper sum, which could overflow
    and warn, or raise under `np.seterr(all="raise")`)."""
    t = type(value)
    if t is np.ndarray:
        return value.dtype.kind not in "fc" or bool(_isfinite(value).all())
    if t is float:
        return value - value == 0.0  # (inf - inf and nan - nan are nan)
    if t is int or t is bool:
        return True
    if t is complex:
        return cmath.isfinite(value)
    if isinstance(value, (np.floating, np.complexfloating)):
        return bool(np.isfinite(value))
    if isinstance(value, np.ndarray):  # a subclass
        return value.dtype.kind not in "fc" or bool(np.isfinite(value).all())
    return True


def non_finite(site_id: int, value: Any) -> NonFiniteError:
    """The error for a failed check at site `site_id` of the generated module calling."""
    frame = sys._getframe(1)
    site = frame.f_globals[SITES][site_id]
    local = frame.f_locals
    summary = describe(value)
    sources, arguments = [], []
    for name, what in site.inputs:
        if name == site.name or name not in local:
            continue  # (an input whose name the result now holds was checked finite)
        v = local[name]
        if holds_non_finite(v):
            text = "non-finite" if isinstance(v, (list, tuple)) else \
                describe(v).text.removeprefix("is ")
            sources.append(f"`{name}`{what} is already {text}")
            if what == ARGUMENT:
                arguments.append(name)
    sources += [f"the constant {c}" for c in site.constants]
    created = not sources
    iteration = {}
    loop_text = []
    for index, user, line in site.loops:
        if index and index in local:
            step = local[index]
            iteration[user or f"loop on line {line}"] = step
            label = f"{user} = {step!r}" if user else f"{step!r}"
            loop_text.append(f"iteration {label} of the loop on line {line}")
        else:
            loop_text.append(f"the loop on line {line}")
    what = f"`{site.variable}`" + (f" ({site.meaning})" if site.meaning else "")
    if site.expression and not site.meaning:
        # a value of the program, or a part of a derivative rule
        what += f" (in the gradient of `{site.expression}`)" if site.sweep == "reverse" \
            else f" = {site.expression}"
    message = f"{summary.first} in the {site.sweep} sweep: {what} {summary.text}"
    if loop_text:
        message += ", in " + ", in ".join(reversed(loop_text))
    if created:
        inputs = ", ".join(f"`{n}`" for n, _ in site.inputs)
        message += "; this statement created it" + (
            f" from finite inputs ({inputs})" if inputs else "")
    else:
        message += "; this statement only propagated it: " + "; ".join(sources)
    cause, hint = _cause(site, local, value, summary, created)
    if arguments:
        names = ", ".join(f"`{n}`" for n in arguments)
        hint = (f"the function was called with non-finite values in {names}: check the "
                "arguments (np.isfinite(x).all()) before differentiating")
    chain = _callers(frame)
    generated = (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
    return NonFiniteError(
        message, site.loc, hint, sweep=site.sweep, variable=site.variable, name=site.name,
        counts=summary.counts, first_index=summary.index, created=created,
        iteration=iteration, cause=cause, generated=generated, callers=chain, value=value)


def holds_non_finite(value: Any) -> bool:
    """Whether `value`, or an item of it (a list or tuple), holds a NaN or an Inf."""
    if isinstance(value, (list, tuple)):
        return any(holds_non_finite(item) for item in value)
    try:
        return not all_finite(value)
    except (TypeError, ValueError):
        return False


@dataclass
class _Summary:
    text: str  # "is NaN in 1 of 3 entries ..."
    first: str  # "NaN", "+Inf", "-Inf"
    counts: dict
    index: tuple | None


def describe(value: Any) -> _Summary:
    """How many entries of `value` are NaN, +Inf and -Inf, and where the first one is."""
    a = np.asarray(value)
    if a.dtype.kind not in "fc":
        return _Summary("finite", "", {"nan": 0, "+inf": 0, "-inf": 0}, None)
    nan = np.isnan(a)
    if a.dtype.kind == "c":
        pos = np.isinf(a) & ~nan
        neg = np.zeros(a.shape, dtype=bool)
    else:
        pos, neg = np.isposinf(a), np.isneginf(a)
    counts = {"nan": int(nan.sum()), "+inf": int(pos.sum()), "-inf": int(neg.sum())}
    bad = ~np.isfinite(a)
    labels = {"nan": "NaN", "+inf": "+Inf" if a.dtype.kind == "f" else "Inf", "-inf": "-Inf"}
    if a.ndim == 0:
        kind = "nan" if nan else "+inf" if pos else "-inf"
        return _Summary(f"is {labels[kind]}", labels[kind], counts, None)
    flat = int(np.flatnonzero(bad)[0]) if bad.any() else 0
    index = tuple(int(i) for i in np.unravel_index(flat, a.shape))
    kind = "nan" if nan.flat[flat] else "+inf" if pos.flat[flat] else "-inf"
    parts = [f"{n} {labels[k]}" for k, n in counts.items() if n]
    text = (f"is non-finite in {int(bad.sum())} of {a.size} entries ({', '.join(parts)}); "
            f"the first is {labels[kind]}, at index {index}")
    return _Summary(text, labels[kind], counts, index)


def _entry(value: Any, shape: tuple, index: tuple | None) -> Any:
    """The entry of `value` (broadcast to `shape`) at `index`, or None."""
    try:
        a = np.broadcast_to(np.asarray(value), shape)
        return a[index] if index is not None else a[()]
    except (ValueError, TypeError, IndexError):
        return None


def _is_zero(x: Any) -> bool:
    try:
        return x is not None and bool(x == 0)
    except (TypeError, ValueError):
        return False


def _cause(site: Site, local: dict, value: Any, summary: _Summary,
           created: bool) -> tuple[str, str]:
    """(the cause, what to do) where srcad can tell."""
    shape = np.shape(value)
    index = summary.index
    pdb_hint = ("run under `python -m pdb` (or call `pdb.pm()` after the error) to see "
                "every local of the generated code at this line; docs/nan.md walks "
                "through common causes")
    if summary.first == "NaN":
        for name, mask in site.masked_adjoints:
            if name in local and name != site.name and \
                    _is_zero(_entry(local[name], shape, index)):
                cause = (f"the gradient of `{mask.expression}` on line {mask.line} is Inf "
                         f"where `np.where` on line {mask.where_line} masked it; multiply "
                         "by zero gives NaN")
                fix = f": `{mask.fix}`" if mask.fix else ""
                hint = ("give the masked function an input where it is finite wherever "
                        f"the np.where discards it (the double-where idiom){fix}; "
                        "docs/nan.md")
                return cause, hint
    if site.divisor and site.divisor in local and created and \
            _is_zero(_entry(local[site.divisor], shape, index)):
        where = f"`{site.divisor}` is 0 there"
        if site.sweep == "reverse":
            return (f"the gradient of `{site.expression}` on line {site.loc.line} divides "
                    f"by zero ({where}): its derivative is infinite at this point",
                    "keep the argument away from the point where the derivative is "
                    "infinite (add a small epsilon, or use the double-where idiom); "
                    "docs/nan.md")
        return f"division by zero ({where})", pdb_hint
    if not created:
        return "", pdb_hint
    derivative = site.sweep == "reverse" or bool(site.meaning)
    subject = f"the derivative of `{site.expression}`" if derivative and site.expression \
        else f"`{site.expression}`" if site.expression else "this operation"
    if summary.first == "NaN":
        return (f"{subject} is NaN at finite inputs (outside its domain, or 0 * Inf, "
                "Inf - Inf, 0 / 0)", pdb_hint)
    zeros = [name for name, _ in site.inputs if name != site.name and name in local and
             _is_zero(_entry(local[name], shape, index))]
    if zeros:
        return (f"{subject} is infinite where its input `{zeros[0]}` is 0 (a pole, such as "
                "log(0) or 1 / 0)", pdb_hint)
    return (f"{subject} overflows: it exceeds the largest float at finite inputs (such "
            "as exp of a number above 709)", pdb_hint)


_COMMENT = re.compile(r"#\s*(grad of )?line (\d+):")
_FOR = re.compile(r"\s*for (\w+) in ")


def _callers(frame: Any) -> tuple:
    """The user lines of the generated code calling the raising function, innermost
    first: ((generated function, user line, sweep, {loop variable: value}), ...)."""
    out = []
    caller = frame.f_back
    while caller is not None and caller.f_code.co_filename.startswith("<srcad"):
        filename = caller.f_code.co_filename
        for n in range(caller.f_lineno, 0, -1):
            match = _COMMENT.search(linecache.getline(filename, n))
            if match:
                out.append((caller.f_code.co_name, int(match.group(2)),
                            "reverse" if match.group(1) else "forward",
                            _loops_around(filename, caller.f_lineno, caller.f_locals)))
                break
        caller = caller.f_back
    return tuple(out)


def _loops_around(filename: str, lineno: int, local: dict) -> dict:
    """The variables of the generated `for` loops around line `lineno` and their values
    (outermost first; not `_`, which counts the trips of a while loop backwards)."""
    text = linecache.getline(filename, lineno)
    indent = len(text) - len(text.lstrip())
    found = []
    for n in range(lineno - 1, 0, -1):
        text = linecache.getline(filename, n)
        stripped = text.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(text) - len(stripped) < indent:
            indent = len(text) - len(stripped)
            match = _FOR.match(text)
            if match and match.group(1) != "_" and match.group(1) in local:
                found.append((match.group(1), local[match.group(1)]))
            if stripped.startswith("def ") or indent == 0:
                break
    return dict(reversed(found))

