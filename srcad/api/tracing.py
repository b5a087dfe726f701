"""Point exceptions raised inside generated code back at the user's source line."""

from __future__ import annotations

import linecache
import re
from collections.abc import Callable, Sequence
from typing import Any

from srcad.api.arguments import fn_loc
from srcad.api.results import describe, output_hint
from srcad.errors import BadArgumentError, NonFiniteError, SourceLoc
from srcad.runtime.outputs import NotScalarOutput

_COMMENT = re.compile(r"#\s*(grad of )?line (\d+):\s*(.*)$")
_NOTE = "srcad: raised in the "  # how the note added to an exception starts


def user_line_of(filename: str, lineno: int) -> tuple[int, str, bool] | None:
    """The user source line a generated line comes from: (line, text, in the gradient)."""
    for n in range(lineno, 0, -1):
        match = _COMMENT.search(linecache.getline(filename, n).strip())
        if match:
            return int(match.group(2)), match.group(3), bool(match.group(1))
    return None


def _raised_at(exc: BaseException) -> tuple[int, str, bool] | None:
    """The user line of the innermost generated code `exc` passed through."""
    tb = exc.__traceback__
    where = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith("<srcad"):
            where = user_line_of(filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


def annotate(exc: BaseException, function) -> None:
    """Add a note naming the user's function and line to an exception that passed
    through generated code (Python 3.11+; a no-op before)."""
    if not hasattr(exc, "add_note") or \
            any(note.startswith(_NOTE) for note in getattr(exc, "__notes__", ())):
        return
    where = _raised_at(exc)
    if where is None:
        return
    line, text, in_gradient = where
    code = getattr(function, "__code__", None)
    file = code.co_filename if code else "?"
    sweep = "reverse sweep" if in_gradient else "forward sweep"
    exc.add_note(f"{_NOTE}{sweep} of the code generated for "
                 f"'{function.__name__}', from {file}, line {line}: {text}")


def call_generated(generated: Callable, args: Sequence, function: Any, api: str) -> Any:
    """Call a generated function, pointing its errors at the user's source: an output a
    gradient cannot start from becomes a `BadArgumentError` naming the function, its
    return line and what it returned; anything else gets a note (see `annotate`)."""
    try:
        return generated(*args)
    except NotScalarOutput as exc:
        raise output_error(exc.value, function, api, _user_loc(exc, function)) from None
    except NonFiniteError:
        raise  # (it names the user's line itself)
    except ZeroDivisionError as exc:
        annotate(exc, function)
        where = _raised_at(exc)
        if where is not None and where[2] and hasattr(exc, "add_note"):
            # a derivative of Python floats that is infinite here (math.sqrt at 0): Python
            # raises where NumPy gives inf (which max/where/clip may then not select)
            exc.add_note(
                f"srcad: the derivative of line {where[0]} is infinite at this point and "
                "Python floats raise; with NumPy's functions (np.sqrt, np.log, np.maximum) "
                "it is inf, and a maximum, where or clip that does not select the value "
                "gives 0")
        raise
    except Exception as exc:
        annotate(exc, function)
        raise


def output_error(value: Any, function: Any, api: str,
                 loc: SourceLoc | None = None) -> BadArgumentError:
    """The error for a function whose output `srcad.<api>` cannot take the gradient of."""
    return BadArgumentError(
        f"srcad.{api} needs '{function.__name__}' to return a real scalar; it returned "
        f"{describe(value)}", loc or fn_loc(function), output_hint(value))


def _user_loc(exc: BaseException, function: Any) -> SourceLoc | None:
    where = _raised_at(exc)
    code = getattr(function, "__code__", None)
    if where is None or code is None:
        return None
    line = where[0]
    return SourceLoc(code.co_filename, line, 0, function.__name__,
                     linecache.getline(code.co_filename, line))
