"""examples/notebook.py (jupytext percent format) executed by a real IPython kernel: the
cell whose last expression is a srcad gradient displays its generated code as HTML, and
the printed gradient is right."""

import html
import pathlib
import re

import jupytext
import nbclient
import numpy as np
import pytest

NOTEBOOK = pathlib.Path(__file__).parent.parent / "examples" / "notebook.py"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = jupytext.read(NOTEBOOK)
    workdir = tmp_path_factory.mktemp("notebook")
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=60,
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return nb


def outputs(nb):
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def test_notebook_has_no_errors(executed):
    assert not [out for out in outputs(executed) if out.output_type == "error"]


def test_gradient_displays_its_generated_code_as_html(executed):
    results = [out for out in outputs(executed) if out.output_type == "execute_result"]
    shown = [out.data["text/html"] for out in results if "text/html" in out.data]
    assert len(shown) == 1
    text = html.unescape(re.sub(r"<[^>]+>", "", shown[0]))  # the code without markup
    assert "def loss_grad(w, x, y):" in text
    assert re.search(r"\bbw\b", text)  # the adjoint of w
    assert "np.tanh(x @ w)" in text
    # the plain-text and markdown forms are there too
    (result,) = [out for out in results if "text/html" in out.data]
    assert "def loss_grad(w, x, y):" in result.data["text/markdown"]


def test_printed_gradient_is_right(executed):
    printed = "".join(out.text for out in outputs(executed) if out.output_type == "stream")
    match = re.search(r"gradient of loss with respect to w: \[([^\]]*)\]", printed)
    assert match
    dw = np.array(match.group(1).split(), dtype=float)
    w = np.array([0.1, -0.2, 0.3])
    x = np.arange(12.0).reshape(4, 3) / 10
    y = np.array([0.0, 0.5, 1.0, 0.5])
    t = np.tanh(x @ w)
    by_hand = x.T @ (2 * (t - y) * (1 - t ** 2)) / len(y)
    assert np.allclose(dw, by_hand, rtol=1e-6)
    assert "largest difference:" in printed
