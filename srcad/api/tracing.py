"""Point exceptions raised inside generated code back at the user's source line."""

from __future__ import annotations

import linecache
import re

_COMMENT = re.compile(r"#\s*(grad of )?line (\d+):\s*(.*)$")
_NOTE = "srcad: raised in the "  # how the note added to an exception starts


def user_line_of(filename: str, lineno: int) -> tuple[int, str, bool] | None:
    """The user source line a generated line comes from: (line, text, in the gradient)."""
    for n in range(lineno, 0, -1):
        match = _COMMENT.search(linecache.getline(filename, n).strip())
        if match:
            return int(match.group(2)), match.group(3), bool(match.group(1))
    return None


def annotate(exc: BaseException, function) -> None:
    """Add a note naming the user's function and line to an exception that passed
    through generated code (Python 3.11+; a no-op before)."""
    if not hasattr(exc, "add_note") or \
            any(note.startswith(_NOTE) for note in getattr(exc, "__notes__", ())):
        return
    tb = exc.__traceback__
    where = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith("<srcad"):
            where = user_line_of(filename, tb.tb_lineno)
        tb = tb.tb_next
    if where is None:
        return
    line, text, in_gradient = where
    code = getattr(function, "__code__", None)
    file = code.co_filename if code else "?"
    sweep = "reverse sweep" if in_gradient else "forward sweep"
    exc.add_note(f"{_NOTE}{sweep} of the code generated for "
                 f"'{function.__name__}', from {file}, line {line}: {text}")
