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
