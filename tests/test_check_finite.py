"""check_finite=True: NaN and Inf traced to the user's line, in either sweep (docs/nan.md)."""

import inspect
import linecache
import math
import pathlib
import re
import sys

import numpy as np
import pytest

import srcad
from srcad.runtime.finite import all_finite

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

HERE = __file__


def line_of(fn, text):
    """The absolute line number of the first line of `fn` containing `text`."""
    lines, first = inspect.getsourcelines(fn)
    for i, line in enumerate(lines):
        if text in line:
            return first + i
    raise AssertionError(f"{text!r} not in {fn.__name__}")


def raised(fn, *args, **kwargs):
    with pytest.raises(srcad.NonFiniteError) as info:
        fn(*args, **kwargs)
    return info.value


def assert_at(err, fn, text, sweep, variable):
    """The error names the file, line, sweep and variable."""
    assert err.filename == HERE
    assert err.lineno == line_of(fn, text)
    assert err.sweep == sweep
    assert err.variable == variable
    message = str(err)
    assert f'File "{HERE}", line {err.lineno}' in message
    assert f"{sweep} sweep" in message
    assert f"`{variable}`" in message
    assert text in message  # the source line, shown with a caret under it
    assert "^" in message


# ----------------------------------------------------------------------------- programs


def softmax_loss(z):
    e = np.exp(z)
    p = e / np.sum(e)
    return -np.log(p[0])


def norm(x):
    s = np.sum(x * x)
    r = np.sqrt(s)
    return r


def masked_log(x):
    y = np.where(x > 0, np.log(x), 0.0)
    return np.sum(y)


def masked_log_fixed(x):
    y = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), 0.0)
    return np.sum(y)


def masked_exp(x):
    y = np.where(x < 100.0, np.exp(x), 0.0)
    return np.sum(y)


def sines(x):
    y = np.sin(x)
    return np.sum(y * y)


def helper_norm(v):
    total = np.sum(v ** 2)
    return np.sqrt(total)


def calls_helper(x):
    scaled = 2.0 * x
    return helper_norm(scaled) + np.sum(x)


def powers(x):
    s = 0.0
    for i in range(5):
        s = s + np.sum(np.exp(x * i))
    return s


def damped(x):
    s = 0.0
    for i in range(4):
        s = s + np.sqrt(x - i)
    return s


def halving(x):
    k = 0.0
    while k < 3.0:
        x = np.log(x)
        k = k + 1.0
    return x


def scalar_log(x):
    return math.log(x) * x


# ----------------------------------------------------------------------------- forward


def test_forward_origin_names_the_line_and_variable():
    err = raised(srcad.grad(softmax_loss, check_finite=True), np.array([1.0, 800.0, 2.0]))
    assert_at(err, softmax_loss, "e = np.exp(z)", "forward", "e")
    assert err.created
    assert err.counts == {"nan": 0, "+inf": 1, "-inf": 0}
    assert err.first_index == (1,)
    assert "1 of 3 entries" in str(err)
    assert "created it from finite inputs (`z`)" in str(err)
    assert "overflows" in err.cause


def test_value_and_grad_checks_too():
    err = raised(srcad.value_and_grad(softmax_loss, check_finite=True), np.array([900.0]))
    assert_at(err, softmax_loss, "e = np.exp(z)", "forward", "e")


def test_scalars_are_checked():
    err = raised(srcad.grad(softmax_loss, check_finite=True), np.array([1.0, 1000.0]))
    assert err.first_index == (1,)
    err = raised(srcad.grad(halving, check_finite=True), 1.0)
    assert_at(err, halving, "x = np.log(x)", "forward", "x")
    assert err.first_index is None and err.counts["-inf"] == 1
    assert "`x` = np.log(x) is -Inf" in str(err)


# ----------------------------------------------------------------------------- reverse


def test_reverse_origin_names_the_adjoint():
    err = raised(srcad.grad(norm, check_finite=True), np.zeros(3))
    assert_at(err, norm, "r = np.sqrt(s)", "reverse", "bs")
    assert "the adjoint of `s`" in str(err)
    assert err.created
    assert err.counts["+inf"] == 1 and err.first_index is None
    assert "divides by zero" in err.cause and "np.sqrt(s)" in err.cause


def test_created_versus_propagated():
    x = np.array([0.5, np.nan, 1.0])
    err = raised(srcad.grad(sines, check_finite=True), x)
    assert not err.created
    assert err.lineno == line_of(sines, "y = np.sin(x)")
    assert "only propagated it" in str(err)
    assert "`x` (an argument) is already non-finite in 1 of 3 entries (1 NaN)" in str(err)
    assert "called with non-finite values in `x`" in str(err)
    assert err.first_index == (1,)
    # from finite inputs the same program is fine, and an overflow is created
    assert np.allclose(srcad.grad(sines, check_finite=True)(np.array([0.5, 1.0])),
                       srcad.grad(sines)(np.array([0.5, 1.0])))


def test_masked_where_branch_is_explained():
    err = raised(srcad.grad(masked_log, check_finite=True), np.array([0.0, 1.0, 2.0]))
    assert_at(err, masked_log, "y = np.where(x > 0, np.log(x), 0.0)", "reverse", "bx")
    line = line_of(masked_log, "np.where")
    assert err.cause == (f"the gradient of `np.log(x)` on line {line} is Inf where `np.where` "
                         f"on line {line} masked it; multiply by zero gives NaN")
    assert err.created and err.counts["nan"] == 1 and err.first_index == (0,)
    # the caret points at np.log, and the fix is suggested
    assert err.col == line_of_text_col(masked_log, "np.log(x)")
    assert "np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), 0.0)" in str(err)
    # the forward value (finite: the where masks the log) raised nothing
    fixed = srcad.grad(masked_log_fixed, check_finite=True)(np.array([0.0, 1.0, 2.0]))
    assert np.allclose(fixed, [0.0, 1.0, 0.5])


def test_masked_branch_read_by_its_adjoint():
    # exp's adjoint reads exp(x) itself (inf where masked): 0 * inf
    err = raised(srcad.grad(masked_exp, check_finite=True), np.array([1.0, 1000.0]))
    line = line_of(masked_exp, "np.where")
    assert err.sweep == "reverse" and err.lineno == line
    assert err.cause.startswith(f"the gradient of `np.exp(x)` on line {line} is Inf where "
                                f"`np.where` on line {line} masked it")
    assert not err.created  # the masked (unchecked) forward value is the Inf it multiplies
    assert "np.where on line" in str(err) and "so it was not checked" in str(err)


def line_of_text_col(fn, text):
    lines, _ = inspect.getsourcelines(fn)
    return next(line.index(text) for line in lines if text in line)


# ----------------------------------------------------------------------------- structure


def test_nested_helper_names_its_own_line_and_the_call():
    err = raised(srcad.grad(calls_helper, check_finite=True), np.zeros(2))
    assert_at(err, helper_norm, "return np.sqrt(total)", "reverse", "btotal")
    assert err.function == "helper_norm"
    call = line_of(calls_helper, "helper_norm(scaled)")
    assert any(line == call and sweep == "reverse" for _, line, sweep, _ in err.callers)
    assert f"Called from line {call} (reverse sweep" in str(err)


def calls_helper_in_a_loop(x):
    s = 0.0
    for j in range(4):
        s = s + helper_norm(x - j)
    return s


def test_helper_in_a_loop_names_the_callers_iteration():
    err = raised(srcad.grad(calls_helper_in_a_loop, check_finite=True), np.full(2, 2.0))
    assert_at(err, helper_norm, "return np.sqrt(total)", "reverse", "btotal")
    call = line_of(calls_helper_in_a_loop, "helper_norm(x - j)")
    (_, line, sweep, loops), = err.callers
    assert (line, sweep, loops) == (call, "reverse", {"j": 2})
    assert f"Called from line {call} (reverse sweep; generated " in str(err)
    assert "in iteration j = 2" in str(err)


def test_loop_names_the_iteration():
    err = raised(srcad.grad(powers, check_finite=True), np.array([1.0, 200.0]))
    assert_at(err, powers, "np.exp(x * i)", "forward", "exp")
    assert err.iteration == {"i": 4}
    assert "iteration i = 4 of the loop on line " + str(line_of(powers, "for i")) in str(err)


def test_loop_in_reverse_names_the_iteration():
    # sqrt(x - i) at x = 3: its derivative is infinite in iteration i = 3 only
    err = raised(srcad.grad(damped, check_finite=True), 3.0)
    assert err.sweep == "reverse"
    assert err.lineno == line_of(damped, "np.sqrt(x - i)")
    assert err.iteration == {"i": 3}
    assert "iteration i = 3" in str(err)


def test_while_loop_is_named():
    err = raised(srcad.grad(halving, check_finite=True), 1.0)
    assert f"the loop on line {line_of(halving, 'while')}" in str(err)


# ----------------------------------------------------------------------------- the frame


def test_raising_frame_is_the_generated_code():
    try:
        srcad.grad(masked_log, check_finite=True)(np.array([0.0, 1.0]))
    except srcad.NonFiniteError:
        tb = sys.exc_info()[2]
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    filename = frame.f_code.co_filename
    assert filename.startswith("<srcad grad of masked_log")
    assert "raise non_finite(" in linecache.getline(filename, tb.tb_lineno)
    assert {"x", "blog", "bx", "cond"} <= set(frame.f_locals)
    assert np.isnan(frame.f_locals["bx"][0])


def test_pdb_post_mortem_lands_on_the_generated_line(monkeypatch):
    import pdb

    seen = []

    class Recorder(pdb.Pdb):
        def interaction(self, frame, tb):
            self.setup(frame, tb)  # (what pdb shows first: the innermost frame)
            here, lineno = self.stack[self.curindex]
            seen.append((here.f_code.co_filename, lineno, dict(self.curframe_locals)))
            self.forget()

    monkeypatch.setattr(pdb, "Pdb", Recorder)
    try:
        srcad.grad(norm, check_finite=True)(np.zeros(2))
    except srcad.NonFiniteError as exc:
        pdb.post_mortem(exc.__traceback__)
    (filename, lineno, local), = seen
    assert filename.startswith("<srcad grad of norm")
    assert "raise non_finite(" in linecache.getline(filename, lineno)
    assert "bs" in local and np.isinf(local["bs"])


# ----------------------------------------------------------------------------- the code


def test_source_shows_the_checks_readably():
    x = np.array([1.0, 2.0])
    checked = srcad.source(srcad.grad(masked_log, check_finite=True), x)
    assert "from srcad.runtime.finite import all_finite, non_finite" in checked
    assert "    y = np.where(cond, np.log(x), 0.0)\n    if not all_finite(y):\n" \
        "        raise non_finite(" in checked
    assert "if not all_finite(bx):" in checked
    assert "# grad of line" in checked and "Checked for NaN and Inf" in checked
    # the masked log is not checked (it is Inf where the where discards it)
    assert "all_finite(log" not in checked


def test_off_by_default_and_the_code_is_unchanged(monkeypatch):
    monkeypatch.delenv("SRCAD_CHECK_FINITE", raising=False)
    x = np.array([1.0, 2.0])
    plain = srcad.source(srcad.grad(masked_log), x)
    assert "all_finite" not in plain and "non_finite" not in plain
    assert srcad.source(srcad.grad(masked_log, check_finite=False), x) == plain
    # the default grad gives NaN quietly
    assert np.isnan(srcad.grad(masked_log)(np.array([0.0, 1.0]))[0])


def test_environment_variable_turns_it_on(monkeypatch):
    monkeypatch.setenv("SRCAD_CHECK_FINITE", "1")
    err = raised(srcad.grad(masked_log), np.array([0.0, 1.0]))
    assert err.sweep == "reverse"
    assert "all_finite" in srcad.source(srcad.value_and_grad(masked_log), np.ones(2))
    assert "all_finite" not in srcad.source(srcad.grad(masked_log, check_finite=False),
                                            np.ones(2))
    monkeypatch.setenv("SRCAD_CHECK_FINITE", "0")
    assert "all_finite" not in srcad.source(srcad.grad(masked_log), np.ones(2))


def test_checked_code_computes_the_same_gradients():
    for fn, x in [(calls_helper, np.array([1.0, -2.0])), (powers, np.array([0.1, 0.2])),
                  (damped, 7.5), (halving, 50.0), (softmax_loss, np.array([1.0, 2.0]))]:
        assert np.allclose(srcad.grad(fn, check_finite=True)(x), srcad.grad(fn)(x))


# ----------------------------------------------------------------------------- other entry points


def test_vjp_forward_and_pullback():
    out, pullback = srcad.vjp(norm, np.zeros(2), check_finite=True)
    assert out == 0.0
    err = raised(pullback, 1.0)
    assert_at(err, norm, "r = np.sqrt(s)", "reverse", "bs")
    err = raised(srcad.vjp, softmax_loss, np.array([1e4]), check_finite=True)
    assert err.sweep == "forward" and err.variable == "e"


def test_jvp_checks_tangents():
    err = raised(srcad.jvp, norm, (np.zeros(2),), (np.ones(2),), True)
    assert err.sweep == "forward" and err.variable == "dr"
    assert "the tangent of `r`" in str(err)
    assert err.lineno == line_of(norm, "r = np.sqrt(s)")


def test_hessian_and_hvp():
    err = raised(srcad.hessian(masked_log, check_finite=True), np.array([0.0, 1.0]))
    assert err.lineno == line_of(masked_log, "np.where")
    err = raised(srcad.hvp(norm, check_finite=True), np.zeros(2), np.ones(2))
    assert err.lineno == line_of(norm, "r = np.sqrt(s)")
    assert np.allclose(srcad.hessian(sines, check_finite=True)(np.array([0.3, 0.4])),
                       srcad.hessian(sines)(np.array([0.3, 0.4])))


def test_a_grad_of_a_checked_grad_is_checked():
    g = srcad.grad(srcad.grad(scalar_log, check_finite=True))
    assert g.check_finite
    assert "raise non_finite(" in srcad.source(g, 2.0)


def recurrence(x, w):
    for _ in range(10):
        x = math.sin(x) * w + 0.1
    return x


def test_real_scalars_are_checked_inline():
    checked = srcad.source(srcad.grad(recurrence, wrt=(0, 1), check_finite=True), 0.3, 0.9)
    assert "if not math.isfinite(sin):" in checked
    assert "if not math.isfinite(bx):" in checked  # a loop-carried adjoint of floats
    assert "all_finite(" not in checked
    arrays = srcad.source(srcad.grad(masked_log, check_finite=True), np.ones(2))
    assert "math.isfinite" not in arrays
    err = raised(srcad.grad(recurrence, wrt=(0, 1), check_finite=True), 0.3, math.inf)
    assert err.sweep == "forward" and not err.created  # (w is the Inf)
    assert err.lineno == line_of(recurrence, "math.sin(x) * w")
    loop = line_of(recurrence, "for _ in")
    assert err.iteration == {f"loop on line {loop}": 0}
    assert f"iteration 0 of the loop on line {loop}" in str(err)


def over_items(ws, x):
    s = 0.0
    for w in ws:
        s = s + np.sum(np.log(w * x))
    return s


def test_loop_over_items_names_the_iteration():
    ws = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, 1.0]])
    err = raised(srcad.grad(over_items, wrt=1, check_finite=True), ws, np.ones(2))
    assert err.sweep == "forward" and err.variable == "log"
    assert f"iteration 1 of the loop on line {line_of(over_items, 'for w')}" in str(err)


def test_all_finite():
    assert all_finite(1.0) and not all_finite(math.inf) and not all_finite(math.nan)
    assert all_finite(3) and all_finite(True) and all_finite(None) and all_finite((1.0,))
    assert not all_finite(complex(1.0, math.nan)) and all_finite(1j)
    assert all_finite(np.arange(3)) and not all_finite(np.array([1.0, -np.inf]))
    assert not all_finite(np.array([1j, complex(np.inf, 0)]))
    assert not all_finite(np.float64("nan")) and all_finite(np.float32(2.0))


def complex_log(z):
    return np.abs(np.log(z)) ** 2


def test_complex_values_are_checked():
    err = raised(srcad.grad(complex_log, check_finite=True), np.array([1.0 + 1j, 0j]))
    assert err.lineno == line_of(complex_log, "np.log(z)")
    assert err.first_index == (1,)


def test_nan_doc_shows_what_srcad_prints(tmp_path, capsys, monkeypatch):
    """docs/nan.md's messages and generated code are what its examples print (the
    examples run as tests/test_docs.py runs them: from doc_nan.py)."""
    monkeypatch.delenv("SRCAD_CHECK_FINITE", raising=False)
    text = (pathlib.Path(__file__).parent.parent / "docs" / "nan.md").read_text()
    script = tmp_path / "doc_nan.py"
    script.write_text("\n\n".join(re.findall(r"```python\n(.*?)```", text, re.S)))
    exec(compile(script.read_text(), str(script), "exec"),
         {"__name__": "doc_nan", "__file__": str(script)})
    printed = capsys.readouterr().out.replace(f"{tmp_path}/", "")

    def normalize(t):
        return re.sub(r" #\d+>", " #N>", t.strip())

    shown = re.findall(r"```text\n((?:in function|def ).*?)```", text, re.S)
    assert len(shown) == 5
    for block in shown:
        assert normalize(block) in normalize(printed)
