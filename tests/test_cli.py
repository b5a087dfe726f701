"""`python -m srcad` (srcad/cli.py): show, check, the listings, help and bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from srcad import cli

MODEL = '''import numpy as np


def loss(W, b, X):
    h = np.tanh(X @ W + b)
    return np.sum(h ** 2)


def scalar(a, b):
    return a * a * b
'''


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return str(path)


def test_show_prints_the_generated_gradient(model, capsys):
    shapes = ["--shape", "W=3x2", "--shape", "b=2", "--shape", "X=4x3"]
    assert cli.main(["show", f"{model}:loss", "--wrt", "W,b", *shapes]) == 0
    out = capsys.readouterr().out
    assert "def loss_grad(W, b, X):" in out
    assert "# line 5: h = np.tanh(X @ W + b)" in out
    assert "W (3, 2), b (2,), X (4, 3)" in out


@pytest.mark.parametrize("mode, header", [("hvp", "def "), ("hessian", "def "),
                                           ("jacobian", "def "),
                                           ("forward", "forward-mode derivative (tangent)")])
def test_show_other_modes(model, capsys, mode, header):
    assert cli.main(["show", f"{model}:scalar", "--mode", mode]) == 0
    out = capsys.readouterr().out
    assert header in out and "def " in out
    if mode == "forward":
        assert "_jvp(" in out, out


def test_show_the_checked_variant(model, capsys):
    assert cli.main(["show", f"{model}:scalar", "--check-finite"]) == 0
    assert "NonFiniteError" in capsys.readouterr().out


def test_check_agrees_with_differences(model, capsys):
    shapes = ["--shape", "W=3x2", "--shape", "b=2", "--shape", "X=4x3"]
    assert cli.main(["check", f"{model}:loss", "--wrt", "W,b", *shapes]) == 0
    out = capsys.readouterr().out
    assert out.count(" ok") == 2 and "3x2" in out


def test_check_fails_when_the_gradient_differs(model, capsys, monkeypatch):
    class Wrong:
        def __call__(self, *args):
            return (np.float64(99.0),)

    monkeypatch.setattr(cli.srcad, "grad", lambda fn, wrt: Wrong())
    assert cli.main(["check", f"{model}:scalar"]) == 1
    assert "DIFFERS" in capsys.readouterr().out


def test_srcad_errors_are_reported_not_raised(tmp_path, capsys):
    path = tmp_path / "bad.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    return np.spacing(x) * x\n")
    assert cli.main(["show", f"{path}:f"]) == 1
    assert "srcad:" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["show", "nowhere.py:f"], "FILE.py:FUNCTION"),
    (["show", "MODEL:missing"], "no function 'missing'"),
    (["show", "MODEL:loss", "--shape", "Q=3"], "no parameter Q"),
    (["show", "MODEL:loss", "--shape", "W3"], "name=3x4"),
])
def test_bad_input_gets_a_clear_message(model, argv, message):
    argv = [a.replace("MODEL", model) for a in argv]
    with pytest.raises(SystemExit, match=message):
        cli.main(argv)


@pytest.mark.parametrize("command", ["show", "check", "rules", "rules-md", "coverage-md"])
def test_every_command_has_help(command):
    out = subprocess.run([sys.executable, "-m", "srcad", command, "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "usage: python -m srcad" in out
