"""The refusal the plain-NumPy definitions raise for an option they do not implement."""

from __future__ import annotations

from srcad.errors import UnsupportedSyntaxError
from srcad.runtime.marks import check_only


@check_only
def refuse_option(function: str, option: str) -> None:
    """Refuse an option of `function` these definitions do not implement."""
    raise UnsupportedSyntaxError(
        f"srcad differentiates {function} without its '{option}' option",
        hint=f"leave out '{option}', or compute the value another way")
