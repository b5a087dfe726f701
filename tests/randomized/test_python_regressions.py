"""Programs from the idiomatic-Python randomized tester (test_random_python.py) that
srcad gets wrong or refuses, reduced by hand.

The snippets that produce them are left out of the default random programs
(python_gen.KNOWN_BUG_SNIPPETS, python_gen.REFUSED_SNIPPETS; SRCAD_RANDOM_PY_ALL=1
draws them too). The known bugs are strict xfails: when srcad is fixed they pass,
pytest reports XPASS as a failure, and the xfail marker and the snippet's exclusion
should both be removed.
"""

from collections import namedtuple

import numpy as np
import pytest

import srcad
from gradcheck import check_grad

Choice = namedtuple("Choice", "gain bias")


# ----------------------------------------------------------------------------- srcad bugs


def namedtuple_from_conditional_expression(w, x):
    ch = Choice(x, 0.5) if w < 0.1 else Choice(0.8, x)
    return ch.gain * ch.bias + w


@pytest.mark.xfail(strict=True, raises=AttributeError,
                   reason="srcad bug: a namedtuple chosen by a conditional expression "
                          "reaches the generated code as a plain tuple: AttributeError: "
                          "'tuple' object has no attribute 'gain' in the forward sweep")
@pytest.mark.parametrize("w", [0.7, -0.7])
def test_namedtuple_chosen_by_a_conditional_expression_wrt_the_condition(w):
    dw = check_grad(namedtuple_from_conditional_expression, w, 0.3, wrt=0)
    assert dw == 1.0


@pytest.mark.xfail(strict=True, raises=srcad.NoDerivativeError,
                   reason="srcad bug: the same program with respect to an item raises "
                          "NoDerivativeError(\"'.gain' has no derivative rule\"), a misleading "
                          "error for an attribute read")
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


@pytest.mark.xfail(strict=True, raises=ValueError,
                   reason="srcad bug: the reverse sweep of `list + list` unbroadcasts the "
                          "adjoint of the joined list (length 3) onto each part (length 2): "
                          "ValueError: operands could not be broadcast together")
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


@pytest.mark.parametrize("fn, message", [
    (fstring_keys, "dict keys computed at run time"),
    (fstring_keys_range, "dict comprehensions over a run-time sequence"),
    (fstring_keys_loop, "a key of a dict computed at run time"),
    (dict_comprehension_key_filter, "a condition on run-time values in a comprehension"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_refused_with_a_clear_error(fn, message):
    """Valid Python with constant keys that srcad refuses (not in docs/python.md's
    "Still refused" list). If one becomes supported, move its snippet in python_gen.py
    from REFUSED_SNIPPETS to SNIPPETS."""
    with pytest.raises(srcad.UnsupportedSyntaxError, match=message):
        srcad.grad(fn)(0.7)
