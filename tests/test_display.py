"""Generated code shown by `srcad.show` and in notebooks (srcad/api/display.py)."""

from __future__ import annotations

import io

import numpy as np
import pytest

import srcad


def loss(w, x):
    return np.sum(np.tanh(w * x) ** 2)


def test_show_prints_the_generated_code():
    out = io.StringIO()
    srcad.show(srcad.grad(loss), np.ones(3), np.ones(3), file=out)
    assert "def loss_grad(w, x):" in out.getvalue()
    assert "# line 14: return np.sum(np.tanh(w * x) ** 2)" in out.getvalue()


def test_notebook_display_is_the_code_of_the_last_call():
    g = srcad.grad(loss)
    g(np.ones(3), np.full(3, 0.5))
    markdown = g._repr_markdown_()
    assert markdown.startswith("```python\n") and "def loss_grad(w, x):" in markdown
    page = g._repr_html_()
    assert "loss_grad" in page and page.lstrip().startswith("<")


def test_html_without_pygments_is_escaped_text(monkeypatch):
    from srcad.api import display

    monkeypatch.setattr(display, "pygments_or_none", lambda: None)
    g = srcad.grad(loss)
    g(np.ones(2), np.ones(2))
    page = g._repr_html_()
    assert page.startswith("<pre>") and "&gt;" not in page.split("def")[0]


def test_ipython_formats_a_gradient_as_its_code():
    ipython = pytest.importorskip("IPython.core.formatters")
    g = srcad.grad(loss)
    g(np.ones(2), np.ones(2))
    formatted, _ = ipython.DisplayFormatter().format(g)
    assert "loss_grad" in formatted["text/markdown"]
    assert "loss_grad" in formatted["text/html"]
