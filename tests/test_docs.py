"""The Python code blocks in docs/ and the README run (each file's blocks in order)."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
DOCS = [p for p in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
        if BLOCK.search(p.read_text())]


def test_docs_have_runnable_examples():
    assert len(DOCS) >= 2


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_doc_code_runs(path, tmp_path, monkeypatch):
    blocks = BLOCK.findall(path.read_text())
    # srcad reads function source, so the blocks are run from a real file.
    script = tmp_path / f"doc_{path.stem}.py"
    script.write_text("\n\n".join(blocks))
    monkeypatch.syspath_prepend(str(tmp_path))
    code = compile(script.read_text(), str(script), "exec")
    exec(code, {"__name__": f"doc_{path.stem}", "__file__": str(script)})
