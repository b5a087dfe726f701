"""Rich display of generated code in Jupyter/IPython (`srcad.show` prints it in a terminal).

A function made by srcad displays its generated code in a notebook (`_repr_html_`, syntax
highlighted by pygments when it is installed; `_repr_markdown_` otherwise): the code of
its most recent call, or a version for arguments of any kind before the first call.
"""

from __future__ import annotations

import html
from typing import Any

from srcad.errors import SrcadError


def pygments_or_none() -> Any:
    """The pygments package, or None where it is not installed."""
    try:
        import pygments
        import pygments.formatters
        import pygments.lexers
    except ImportError:  # pygments is optional
        return None
    return pygments


class Displayed:
    """Notebook display of a srcad function: its generated code."""

    def _shown_source(self) -> str | None:
        try:
            return self.__srcad_source__()  # type: ignore[attr-defined]
        except SrcadError:
            return None  # (nothing to show before a call: IPython falls back to repr)

    def _repr_markdown_(self) -> str | None:
        text = self._shown_source()
        return None if text is None else f"```python\n{text}\n```"

    def _repr_html_(self) -> str | None:
        text = self._shown_source()
        if text is None:
            return None
        pygments = pygments_or_none()
        if pygments is None:
            return f"<pre>{html.escape(text)}</pre>"
        return pygments.highlight(text, pygments.lexers.PythonLexer(),
                                  pygments.formatters.HtmlFormatter(noclasses=True))
