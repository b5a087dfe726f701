"""Programs the idiomatic-Python randomized tester (test_random_python.py) found srcad
getting wrong or refusing, reduced by hand; all fixed and kept as regression tests.

Snippets that produce a known bug or a refusal go to python_gen.KNOWN_BUG_SNIPPETS or
python_gen.REFUSED_SNIPPETS (left out of the default programs; SRCAD_RANDOM_PY_ALL=1
draws them) with a strict xfail here until srcad is fixed.
"""

from collections import namedtuple

import numpy as np
import pytest
from gradcheck import check_grad

import srcad

Choice = namedtuple("Choice", "gain bias")


# ----------------------------------------------------------------------------- srcad bugs


def namedtuple_from_conditional_expression(w, x):
    ch = Choice(x, 0.5) if w < 0.1 else Choice(0.8, x)
    return ch.gain * ch.bias + w


@pytest.mark.parametrize("w", [0.7, -0.7])
def test_namedtuple_chosen_by_a_conditional_expression_wrt_the_condition(w):
    dw = check_grad(namedtuple_from_conditional_expression, w, 0.3, wrt=0)
    assert dw == 1.0


@pytest.mark.parametrize("w", [0.7, -0.7])
def test_namedtuple_chosen_by_a_conditional_expression_wrt_an_item(w):
    check_grad(namedtuple_from_conditional_expression, w, 0.3, wrt=1)


def if_statement_equivalent(w, x):
    if w < 0.1:
        ch = Choice(x, 0.5)
    else:
        ch = Choice(0.8, x)
    return ch.gain * ch.bias + w


@pytest.mark.parametrize("w", [0.7, -0.7])
def test_namedtuple_chosen_by_an_if_statement(w):
    """The same choice written as an `if` statement is differentiated correctly."""
    check_grad(if_statement_equivalent, w, 0.3, wrt=(0, 1))


def list_concatenation(a, u):
    vals = [a, u] + [a * u]
    return sum(vals)


def comprehension_concatenation(a, u):
    vals = [np.sin(v) for v in (a, u)] + [a * 0.5]
    return sum(vals) * 0.5


@pytest.mark.parametrize("fn", [list_concatenation, comprehension_concatenation],
                         ids=lambda fn: fn.__name__)
def test_list_concatenation(fn):
    check_grad(fn, 0.4, 0.3, wrt=(0, 1))


# ----------------------------------------------------------------------------- clear refusals


def fstring_keys(x):
    d = {f"f{i}": x * c for i, c in enumerate((1.0, 2.0))}
    return d["f0"] + d["f1"]


def fstring_keys_range(x):
    d = {f"f{i}": x * (i + 1) for i in range(2)}
    return d["f0"] + d["f1"]


def fstring_keys_loop(x):
    d = {}
    for i in range(2):
        d[f"f{i}"] = x * (i + 1)
    return d["f0"] + d["f1"]


def dict_comprehension_key_filter(x):
    d = {k: v * 2.0 for k, v in zip(("p", "q"), (x, x * x)) if k != "q"}
    return d["p"]


@pytest.mark.parametrize("fn", [fstring_keys, dict_comprehension_key_filter,
                                fstring_keys_range, fstring_keys_loop],
                         ids=lambda fn: fn.__name__)
def test_constant_keys_made_by_fstrings_and_constant_filters(fn):
    check_grad(fn, 0.7)


def fstring_keys_run_time_range(x):
    d = {f"f{i}": x * (i + 1) for i in range(int(x * 3))}
    return d["f0"] + d["f1"]


def fstring_keys_run_time_loop(x):
    d = {}
    for i in range(int(x * 3)):
        d[f"f{i}"] = x * (i + 1)
    return d["f0"] + d["f1"]


@pytest.mark.parametrize("fn, message", [
    (fstring_keys_run_time_range, "dict comprehensions over a run-time sequence"),
    (fstring_keys_run_time_loop, "a key of a dict computed at run time"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_refused_with_a_clear_error(fn, message):
    """Keys only the run time knows (the loop's length is computed): refused, as
    docs/python.md's "Still refused" list says. If one becomes supported, move its
    snippet in python_gen.py from REFUSED_SNIPPETS to SNIPPETS."""
    with pytest.raises(srcad.UnsupportedSyntaxError, match=message):
        srcad.grad(fn)(0.7)


# ----------------------------------------------------------------------------- API calls
# Found by test_random_python.py::test_random_api_calls (python_gen.KNOWN_BUG_CALLS).


def bool_output_through_a_branch(x):
    if x > 0.0:
        return np.sin(x) > 0.0
    return np.sin(x) > 0.5


def test_bool_output_through_a_branch_is_refused_by_grad():
    with pytest.raises(srcad.BadArgumentError, match="bool"):
        srcad.grad(bool_output_through_a_branch)(0.3)


@pytest.mark.parametrize("api", ["hessian", "hvp", "grad_grad"])
def test_bool_output_through_a_branch_is_refused(api):
    """docs/derivatives.md: hessian, hvp and grad of grad need a real scalar output; a
    bool is refused with a BadArgumentError, also where it reaches the return through a
    branch (found by test_random_api_calls: these returned 0.0)."""
    with pytest.raises(srcad.BadArgumentError, match="bool"):
        if api == "hessian":
            srcad.hessian(bool_output_through_a_branch)(0.3)
        elif api == "hvp":
            srcad.hvp(bool_output_through_a_branch)(0.3, 1.0)
        else:
            srcad.grad(srcad.grad(bool_output_through_a_branch))(0.3)


def dict_output(x):
    return {"value": np.sum(np.sin(x)), "x": x}


def test_dict_output_is_refused_by_grad():
    with pytest.raises(srcad.SrcadError, match="dict_output"):
        srcad.grad(dict_output)(np.array([0.1, 0.2]))


def test_dict_output_is_refused_as_documented():
    """docs/derivatives.md: a tuple, list or dict output is refused with a
    BadArgumentError saying what was returned and to use srcad.vjp or srcad.jacobian
    (srcad.vjp refuses a dict output too: harness.check_container_output notes it)."""
    with pytest.raises(srcad.BadArgumentError, match="dict"):
        srcad.grad(dict_output)(np.array([0.1, 0.2]))
