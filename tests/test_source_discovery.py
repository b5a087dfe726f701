"""Where srcad finds a function's source: files, linecache (IPython/Jupyter cells), and
the clear refusals when there is no source to read."""

import atexit
import builtins
import linecache
import math
import sys
import warnings

import numpy as np
import pytest

import srcad
from srcad.errors import SourceUnavailableError, UnsupportedSyntaxError

# ---------------------------------------------------------------------------- linecache


def define_in_fake_cell(source, filename, monkeypatch):
    """Register `source` in linecache under `filename` and exec it, as IPython does."""
    monkeypatch.setitem(linecache.cache, filename,
                        (len(source), None, source.splitlines(True), filename))
    namespace = {}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


CELL = '''\
import math

import numpy as np


def cell_loss(x, y):
    z = x * y + math.sin(x)
    return z * z


def cell_array_loss(w, a):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.tanh(w * a) ** 2)
    return s
'''


def test_function_from_a_linecache_cell_is_differentiated(monkeypatch):
    ns = define_in_fake_cell(CELL, "<ipython-input-3-abc>", monkeypatch)
    x, y = 1.5, 2.0
    dx, dy = srcad.grad(ns["cell_loss"], wrt=(0, 1))(x, y)
    z = x * y + math.sin(x)
    assert dx == pytest.approx(2 * z * (y + math.cos(x)), rel=1e-12)
    assert dy == pytest.approx(2 * z * x, rel=1e-12)

    w = np.array([0.1, -0.4, 0.7])
    a = np.array([1.0, 2.0, -0.5])
    dw = srcad.grad(ns["cell_array_loss"])(w, a)
    t = np.tanh(w * a)
    np.testing.assert_allclose(dw, 3 * 2 * t * (1 - t ** 2) * a, rtol=1e-12)


def test_generated_code_of_a_cell_function_names_the_cell(monkeypatch):
    ns = define_in_fake_cell(CELL, "<ipython-input-3-abc>", monkeypatch)
    g = srcad.grad(ns["cell_loss"])
    g(1.5, 2.0)
    assert "z = x * y + math.sin(x)" in srcad.source(g)


REFUSING_CELL = '''\
def cell_with_del(x):
    y = x * 2
    del y
    return x
'''


def test_refusal_in_a_cell_points_at_the_cell_and_line(monkeypatch):
    filename = "<ipython-input-7-def>"
    ns = define_in_fake_cell(REFUSING_CELL, filename, monkeypatch)
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcad.grad(ns["cell_with_del"])(1.0)
    err = info.value
    expected_line = REFUSING_CELL.splitlines().index("    del y") + 1
    assert err.filename == filename and err.lineno == expected_line
    text = str(err)
    assert filename in text and f"line {expected_line}," in text and "del y" in text


# ---------------------------------------------------------------------------- IPython


@pytest.fixture
def ipython_shell(tmp_path, monkeypatch):
    """A real IPython shell, with the process-wide state it changes put back afterwards."""
    recursion_limit = sys.getrecursionlimit()  # importing IPython raises it
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    # The shell installs its user module as __main__.
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    builtin_names = set(vars(builtins))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    with warnings.catch_warnings():  # the shell adds a warnings filter
        shell = InteractiveShell.instance(config=config)
        try:
            yield shell
        finally:
            atexit.unregister(shell.atexit_operations)
            shell.atexit_operations()
            InteractiveShell.clear_instance()
            sys.setrecursionlimit(recursion_limit)
            for name in set(vars(builtins)) - builtin_names:  # __IPYTHON__, display
                delattr(builtins, name)


def test_function_defined_in_an_ipython_cell_is_differentiated(ipython_shell):
    result = ipython_shell.run_cell(
        "import numpy as np\n"
        "\n"
        "def ipython_loss(w, a):\n"
        "    h = np.sin(w * a)\n"
        "    return np.sum(h ** 2) + w[0] * w[1]\n")
    result.raise_error()
    fn = ipython_shell.user_ns["ipython_loss"]
    assert fn.__code__.co_filename.startswith("<")  # the source lives only in linecache
    w = np.array([0.3, -1.2])
    a = np.array([2.0, 0.5])
    dw = srcad.grad(fn)(w, a)
    expected = 2 * np.sin(w * a) * np.cos(w * a) * a + np.array([w[1], w[0]])
    np.testing.assert_allclose(dw, expected, rtol=1e-12)


def test_function_redefined_in_a_later_ipython_cell_uses_the_new_source(ipython_shell):
    ipython_shell.run_cell("def ipython_redefined(x):\n    return x * x\n").raise_error()
    first = ipython_shell.user_ns["ipython_redefined"]
    assert srcad.grad(first)(3.0) == pytest.approx(6.0)
    ipython_shell.run_cell("def ipython_redefined(x):\n    return x * x * x\n").raise_error()
    second = ipython_shell.user_ns["ipython_redefined"]
    assert srcad.grad(second)(3.0) == pytest.approx(27.0)
    assert srcad.grad(first)(3.0) == pytest.approx(6.0)


# ---------------------------------------------------------------------------- no source


@pytest.mark.parametrize("filename", [None, "<ipython-input-99-not-in-linecache>"])
def test_function_without_source_is_refused_with_a_hint(filename):
    code = "def made_by_exec(x):\n    return x * 2\n"
    namespace = {}
    if filename is None:
        exec(code, namespace)  # filename "<string>", nothing in linecache
    else:
        exec(compile(code, filename, "exec"), namespace)
    fn = namespace["made_by_exec"]
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(fn)(1.0)
    err = info.value
    assert isinstance(err, SourceUnavailableError), type(err)
    assert err.function == "made_by_exec"
    text = str(err)
    assert "'made_by_exec'" in text
    assert "source" in text and "cannot be found" in text
    # The hint says where a differentiable function can come from, and what does not work.
    assert "What to do:" in text
    assert err.hint and err.hint in text
    for words in (".py file", "Jupyter", "IPython", "exec()"):
        assert words in err.hint, err.hint


# ---------------------------------------------------------------------------- lambda

module_level_lambda = lambda x: x * x * 3.0  # noqa: E731


two_lambdas = (lambda x: x * 2.0, lambda x: x * 3.0)  # noqa: E731


def test_module_level_lambda_is_differentiated():
    assert srcad.grad(module_level_lambda)(2.0) == pytest.approx(12.0)
    g = srcad.grad(lambda x, y: x * y ** 2, wrt=(0, 1))(3.0, 2.0)
    assert g == pytest.approx((4.0, 12.0))


def test_ambiguous_lambda_on_one_line_is_refused_clearly():
    with pytest.raises(srcad.SourceUnavailableError) as info:
        srcad.grad(two_lambdas[0])(2.0)
    assert "which lambda" in str(info.value) and "'def'" in info.value.hint
