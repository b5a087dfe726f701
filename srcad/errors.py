"""Errors raised by srcad.

Every error names the function being transformed, the file and line, shows the
offending source line with a caret, and says what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLoc:
    """A position in the user's source file."""

    filename: str
    line: int
    col: int
    function: str
    text: str = ""
    role: str = ""  # "" for the primal, "adjoint"/"tangent" for code derived from it

    def describe(self) -> str:
        return f"{self.filename}:{self.line}"


class SrcadError(Exception):
    """Base class of every error srcad raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong.
    loc : SourceLoc, optional
        Where in the user's source it went wrong.
    hint : str, optional
        What the user can do about it.
    function : str, optional
        The name of the function being transformed, when there is no location.
    """

    def __init__(self, message: str, loc: SourceLoc | None = None, hint: str = "",
                 function: str | None = None):
        self.message = message
        self.loc = loc
        self.hint = hint
        self.function = function or (loc.function if loc else None)
        self.filename = loc.filename if loc else None
        self.lineno = loc.line if loc else None
        self.col = loc.col if loc else None
        super().__init__(self._render())

    def _render(self) -> str:
        head = self.message
        if self.function:
            head = f"in function '{self.function}': {head}"
        parts = [head]
        if self.loc is not None:
            parts.append(
                f'  File "{self.loc.filename}", line {self.loc.line}, column {self.loc.col + 1}, '
                f"in {self.loc.function}")
            if self.loc.text:
                stripped = self.loc.text.rstrip("\n")
                indent = len(stripped) - len(stripped.lstrip())
                caret_col = max(self.loc.col, indent)
                parts.append("    " + stripped)
                parts.append("    " + " " * caret_col + "^")
        if self.hint:
            parts.append(f"  What to do: {self.hint}")
        return "\n".join(parts)


class UnsupportedSyntaxError(SrcadError):
    """A construct srcad cannot (yet) differentiate."""


class NoDerivativeError(SrcadError):
    """A call to a function that has no derivative rule and no Python source."""


class SourceUnavailableError(SrcadError):
    """The source of a function cannot be found."""


class BadArgumentError(SrcadError):
    """A wrong use of the API: a bad `wrt`, a non-scalar output for `grad`, ..."""


class RuleError(SrcadError):
    """A derivative rule that is malformed."""


class NonFiniteError(SrcadError):
    """A NaN or Inf in generated code run with `check_finite=True` (docs/nan.md).

    Raised by the generated function itself, right after the statement that computed the
    value, so `pdb.pm()` lands on the generated line with every local visible. Besides
    `filename`, `lineno` and `col` (the user's line), it has:

    Attributes
    ----------
    sweep : str
        "forward" or "reverse".
    variable : str
        The value's name for the user (`y`; an adjoint `by`, a tangent `dy`).
    name : str
        Its name in the generated code.
    counts : dict
        How many entries are NaN, +Inf and -Inf (keys "nan", "+inf", "-inf").
    first_index : tuple or None
        The index of the first non-finite entry (None for a scalar).
    created : bool
        Whether this statement created the non-finite value from finite inputs (else it
        only propagated one).
    iteration : dict
        The loop variables of the enclosing loops and their values.
    cause : str
        Why, where srcad can tell ("" otherwise).
    generated : tuple
        (file, line, function) of the generated code that raised.
    callers : tuple
        (generated function, user line, sweep, {loop variable: value}) of the generated
        code calling it, innermost first.
    value : object
        The value itself.
    """

    def __init__(self, message: str, loc: SourceLoc | None = None, hint: str = "",
                 function: str | None = None, *, sweep: str = "", variable: str = "",
                 name: str = "", counts: dict | None = None,
                 first_index: tuple | None = None, created: bool = True,
                 iteration: dict | None = None, cause: str = "",
                 generated: tuple = (), callers: tuple = (), value: object = None):
        self.sweep = sweep
        self.variable = variable
        self.name = name
        self.counts = counts or {}
        self.first_index = first_index
        self.created = created
        self.iteration = iteration or {}
        self.cause = cause
        self.generated = generated
        self.callers = callers
        self.value = value
        super().__init__(message, loc, hint, function)

    def _render(self) -> str:
        text = super()._render()
        lines = text.split("\n")
        # after the source line and caret, before "What to do"
        at = next((i for i, line in enumerate(lines) if line.startswith("  What to do:")),
                  len(lines))
        extra = []
        if self.cause:
            extra.append(f"  Cause: {self.cause}")
        for function, line, sweep, loops in self.callers:
            where = "".join(f", in iteration {k} = {v!r}" for k, v in loops.items())
            extra.append(f"  Called from line {line} ({sweep} sweep; generated {function})"
                         + where)
        if self.generated:
            file, line, function = self.generated
            extra.append(f"  Generated code: {file}, line {line}, in {function}")
        return "\n".join(lines[:at] + extra + lines[at:])
