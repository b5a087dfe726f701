"""Refused constructs and bad uses: a located SrcadError, never an internal exception."""

import inspect
import math

import numpy as np
import pytest

import srcad
from srcad.errors import (
    BadArgumentError,
    NoDerivativeError,
    SourceUnavailableError,
    UnsupportedSyntaxError,
)


def line_of(fn, text):
    """The absolute line number of the first line of `fn` containing `text`."""
    lines, first = inspect.getsourcelines(fn)
    for i, line in enumerate(lines):
        if text in line:
            return first + i
    raise AssertionError(f"{text!r} not in {fn.__name__}")


def uses_try(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open(__file__) as handle:
        handle.read()
    return x


def uses_yield(x):
    yield x * 2


def uses_lambda(x):
    double = lambda v: v * 2  # noqa: E731
    return double(x)


def uses_nested_def(x):
    def inner(v):
        return v * 2
    return inner(x)


def uses_global(x):
    global SOME_GLOBAL
    SOME_GLOBAL = x
    return x


def uses_nonlocal_free(x):
    return x


def uses_class(x):
    class Holder:
        pass
    return x


def uses_subscript_assignment(x):
    x[0] = 2.0
    return np.sum(x)


def uses_list_comprehension(x):
    return sum([x * i for i in range(3)])


def uses_raise(x):
    if x < 0:
        raise ValueError("negative")
    return x


def uses_assert(x):
    assert x > 0
    return x


def uses_walrus(x):
    if (y := x * 2) > 1:
        return y
    return x


def uses_star_args(x):
    return np.add(*([x] * 2))  # how many items only the run time knows


def uses_dict(x):
    d = {"a": x}
    return d["a"]


def uses_fstring(x):
    label = f"{x}"
    return x


def uses_import(x):
    from . import helpers  # noqa: F401  (a relative import: refused)
    return x


def uses_undefined(x):
    return x * not_defined_anywhere  # noqa: F821


def uses_set_comprehension(x):
    return x * len({i for i in range(3)})


def uses_attribute_assignment(x):
    x.value = 2
    return x


REFUSED = [
    (uses_try, "try:", "'try' statements"),
    (uses_yield, "yield x", "generators"),
    (uses_global, "global SOME", "'global' declarations"),
    (uses_class, "class Holder", "class definitions"),
    (uses_subscript_assignment, "x[0] = 2.0", "cannot assign into 'x'"),
    (uses_walrus, ":=", "assignment expressions"),
    (uses_set_comprehension, "len({", "set comprehensions"),
    (uses_star_args, "np.add(*(", "starred arguments (*args)"),
    (uses_import, "from . import helpers", "relative and star imports"),
    (uses_undefined, "not_defined_anywhere", "is not defined"),
]


@pytest.mark.parametrize("fn, marker, message", REFUSED, ids=[r[0].__name__ for r in REFUSED])
def test_refused_construct_names_function_line_and_fix(fn, marker, message):
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcad.grad(fn)(1.5)
    err = info.value
    assert err.function == fn.__name__
    assert err.filename == __file__
    assert err.lineno == line_of(fn, marker)
    text = str(err)
    assert message in text, text
    assert fn.__name__ in text
    assert f"line {err.lineno}" in text
    assert "^" in text  # the caret under the offending source line
    assert "What to do:" in text


def test_error_shows_the_source_line_with_a_caret_at_the_column():
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcad.grad(uses_set_comprehension)(1.0)
    lines = str(info.value).splitlines()
    source_line = next(i for i, line in enumerate(lines) if "len({" in line)
    caret = lines[source_line + 1]
    assert caret.strip() == "^"
    assert lines[source_line][caret.index("^")] == "{"


def test_star_args_are_refused():
    with pytest.raises(UnsupportedSyntaxError, match=r"\*args"):
        srcad.grad(uses_star_args)(1.0)


def test_attribute_assignment_is_refused():
    with pytest.raises(UnsupportedSyntaxError, match="attributes"):
        srcad.grad(uses_attribute_assignment)(1.0)


def no_rule(x):
    return np.spacing([x, 2.0 * x])[1] * 2


def test_call_without_rule_or_source_names_the_function():
    with pytest.raises(NoDerivativeError) as info:
        srcad.grad(no_rule)(1.5)
    assert "np.spacing" in str(info.value)
    assert info.value.lineno == line_of(no_rule, "np.spacing")
    assert "srcad.adjoint" in str(info.value)


def vector_valued(x):
    return x * 2


def returns_string(x):
    return "text"


def returns_none(x):
    x * 2


def test_grad_of_non_scalar_output_is_refused():
    with pytest.raises(BadArgumentError, match="real scalar") as info:
        srcad.grad(vector_valued)(np.ones(3))
    assert "vjp" in str(info.value)
    assert "vector_valued" in str(info.value)


@pytest.mark.parametrize("fn", [returns_string, returns_none])
def test_grad_of_non_numeric_output_is_refused(fn):
    with pytest.raises(BadArgumentError, match="real scalar"):
        srcad.grad(fn)(1.0)


def two(x, y):
    return x * y


@pytest.mark.parametrize("wrt, message", [
    (2, "out of range"), (-3, "out of range"), ("z", "no argument named 'z'"),
    ((0, 0), "listed twice"), ((), "empty"), (1.5, "index or name"), (True, "index or name"),
])
def test_bad_wrt(wrt, message):
    with pytest.raises(BadArgumentError, match=message) as info:
        srcad.grad(two, wrt=wrt)
    assert info.value.function == "two"


@pytest.mark.parametrize("value, message", [
    (np.array([1, 2]), "dtype is int64"),
    (True, "bool"),
    ("text", "str"),
    (None, "NoneType"),
])
def test_arguments_that_cannot_be_differentiated(value, message):
    with pytest.raises(BadArgumentError, match=message):
        srcad.grad(two)(value, 2.0)


@pytest.mark.parametrize("value", [np.array([1 + 2j]), 1 + 2j])
def test_a_complex_argument_is_differentiated_but_a_complex_output_is_refused(value):
    # (tests/test_complex_arguments.py: gradients with respect to complex arguments)
    with pytest.raises(BadArgumentError, match="real scalar") as info:
        srcad.grad(two)(value, 2.0)
    assert "cannot differentiate with respect to" not in str(info.value)


def test_wrong_number_of_arguments_is_a_type_error_naming_the_function():
    with pytest.raises(TypeError, match="two"):
        srcad.grad(two)(1.0)


def test_builtin_function_is_refused():
    with pytest.raises(BadArgumentError, match="Python function"):
        srcad.grad(math.sin)


def test_lambda_is_differentiated():
    assert srcad.grad(lambda x: x * 2)(1.0) == 2.0


def test_function_without_source_is_refused():
    namespace = {}
    exec("def made_by_exec(x):\n    return x * 2\n", namespace)
    with pytest.raises(SourceUnavailableError) as info:
        srcad.grad(namespace["made_by_exec"])(1.0)
    assert "exec" in str(info.value) and "made_by_exec" in str(info.value)


def test_source_of_a_plain_function_is_refused():
    with pytest.raises(BadArgumentError):
        srcad.source(two)


def test_every_error_is_a_srcad_error():
    for cls in (BadArgumentError, NoDerivativeError, SourceUnavailableError,
                UnsupportedSyntaxError):
        assert issubclass(cls, srcad.SrcadError)


def divides(x, y):
    return x / y


def test_user_exceptions_propagate_with_the_generated_line_in_the_traceback():
    import traceback

    g = srcad.grad(divides)
    with pytest.raises(ZeroDivisionError) as info:
        g(1.0, 0.0)
    frames = traceback.extract_tb(info.tb)
    generated = [f for f in frames if f.filename.startswith("<srcad")]
    assert generated, "the traceback should pass through the generated function"
    assert generated[-1].line and "/" in generated[-1].line


def scalar_sqrt_of_max(x):
    return math.sqrt(max(x, 0.0))


def numpy_sqrt_of_maximum(x):
    return np.sqrt(np.maximum(x, 0.0))


def test_an_infinite_scalar_derivative_says_why():
    # Python floats raise ZeroDivisionError in the reverse sweep where NumPy gives inf:
    # the error keeps its type (as the user's own code would raise) and says why
    with pytest.raises(ZeroDivisionError) as info:
        srcad.grad(scalar_sqrt_of_max)(-1.0)
    notes = "\n".join(getattr(info.value, "__notes__", ()))
    assert f"line {line_of(scalar_sqrt_of_max, 'math.sqrt')}" in notes
    assert "infinite at this point" in notes and "np.sqrt" in notes
    with np.errstate(divide="ignore"):
        assert srcad.grad(numpy_sqrt_of_maximum)(-1.0) == 0.0  # not selected: 0, not NaN
