"""Every construct srcad still refuses raises a located SrcadError.

For each construct, `srcad.grad(f)(args)` must raise an `UnsupportedSyntaxError` (a
`srcad.SrcadError` subclass) whose message names the function, the file and the exact
line of the offending construct. The expected line is computed from this file's own
source, never hard-coded.

Constructs that srcad is being taught to differentiate (lambda, nested def, dict
displays, list/dict comprehensions, generator expressions, assert, raise, with,
f-strings, print) are deliberately not listed here.
"""

import inspect
import math

import numpy as np
import pytest

import srcad

# ---------------------------------------------------------------------------- helpers


def line_of(fn, marker):
    """The absolute line number of the one line of `fn`'s source that contains `marker`."""
    lines, first = inspect.getsourcelines(fn)
    hits = [first + i for i, line in enumerate(lines) if marker in line]
    assert len(hits) == 1, f"{marker!r} occurs {len(hits)} times in {fn.__name__}"
    return hits[0]


def helper(a, b):
    return a * b


async def coroutine_helper(v):
    return v


async def async_numbers():
    yield 1.0


class AsyncContext:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


SOME_GLOBAL = 0.0
OTHER_GLOBAL = 1.0


# ---------------------------------------------------------------------------- generators


def gen_yield(x):
    y = x * 2
    yield y


def gen_yield_from(x):
    y = x * 2
    yield from [y]


def gen_yield_expression(x):
    y = x * 2
    z = yield y
    return z


# ---------------------------------------------------------------------------- async


async def async_plain(x):
    y = x * 2
    return y


async def async_await(x):
    y = x * 2
    z = await coroutine_helper(y)
    return z


async def async_for_loop(x):
    y = x
    async for i in async_numbers():
        y = y * 2
    return y


async def async_with_block(x):
    y = x
    async with AsyncContext():
        y = y * 2
    return y


# ---------------------------------------------------------------------------- scopes


def writes_global(x):
    global SOME_GLOBAL
    SOME_GLOBAL = x * 2
    return x


def reads_and_writes_global(x):
    global OTHER_GLOBAL
    OTHER_GLOBAL = 2.0
    return x * OTHER_GLOBAL


def make_nonlocal_writer():
    acc = 0.0

    def writes_nonlocal(x):
        nonlocal acc
        acc = x * 2
        return x

    return writes_nonlocal


writes_nonlocal = make_nonlocal_writer()


# ---------------------------------------------------------------------------- try


def try_except(x):
    y = x
    try:
        y = x * 2
    except ValueError:
        y = x
    return y


def try_except_else(x):
    try:
        y = x * 2
    except Exception:
        y = 0.0
    else:
        y = y + 1
    return y


def try_finally(x):
    y = x
    try:
        y = x * 2
    finally:
        y = y + 1
    return y


def try_finally_in_loop(x):
    s = x
    for i in range(2):
        try:
            s = s * x
        finally:
            s = s + 1
    return s


# ---------------------------------------------------------------------------- dynamic code


def calls_exec(x):
    y = x * 2
    exec("z = 1")
    return y


def calls_exec_in_untaken_branch(x):
    if x > 100.0:
        exec("pass")
    return x * 2


def calls_eval(x):
    y = eval("x * 2")
    return y


def calls_compile(x):
    code = compile("x * 2", "<string>", "eval")
    return x


def calls_locals(x):
    y = x * 2
    names = locals()
    return y


def calls_globals(x):
    y = x * 2
    names = globals()
    return y


# ---------------------------------------------------------------------------- statements


def uses_del(x):
    y = x * 2
    z = y + 1
    del y
    return z


def uses_del_in_untaken_branch(x):
    y = x * 2
    if x > 100.0:
        del y
        y = 1.0
    return y


def uses_del_item(x):
    y = [x, x]
    del y[0]
    return y[0]


def uses_import(x):
    y = x * 2
    import math as m
    return m.sin(y)


def uses_import_from(x):
    from math import sin
    return sin(x)


def uses_relative_import(x):
    from . import helpers  # noqa: F401  (refused: resolved only in a package)
    return x


def test_imports_in_the_function_bind_while_transforming():
    # (an import inside the function is what the module-level import would bind)
    assert srcad.grad(uses_import)(0.3) == pytest.approx(2 * math.cos(0.6))
    assert srcad.grad(uses_import_from)(0.3) == pytest.approx(math.cos(0.3))
    with pytest.raises(srcad.SrcadError, match="relative"):
        srcad.grad(uses_relative_import)(0.3)


def uses_match(x):
    y = x * 2
    match 1:
        case 1:
            y = y + 1
    return y


def uses_match_on_argument(x):
    match x:
        case _:
            y = x * 2
    return y


def defines_class(x):
    y = x * 2
    class Holder:
        pass
    return y


def defines_class_in_untaken_branch(x):
    y = x * 2
    if x > 100.0:
        class Kept:
            pass
    return y


# ---------------------------------------------------------------------------- expressions


def set_comprehension(x):
    s = {x * i for i in range(3)}
    return x


def set_comprehension_in_return(x):
    return len({i for i in range(3)}) * x


def walrus(x):
    y = (z := x * 2) + 1
    return y + z


def walrus_in_condition(x):
    if (y := x * 2) > 1.0:
        return y
    return x


# starred arguments whose number only the run time knows (`[x] * 2` is a run-time list)
def starred_user_call(x):
    xs = [x] * 2
    return helper(*xs)


def starred_numpy_call(x):
    xs = [x] * 2
    return np.add(*xs)


def starred_builtin_call(x):
    xs = [x, 2.0] * 1
    return max(*xs)


def starred_after_positional(x):
    xs = [x] * 1
    return np.add(x, *xs)


# ---------------------------------------------------------------------------- the table

# (function, a marker that occurs on exactly one line of it: the offending line,
#  a word the message must contain)
REFUSED = [
    (gen_yield, "yield y", "yield"),
    (gen_yield_from, "yield from", "yield from"),
    (gen_yield_expression, "z = yield y", "yield"),
    # An async function is refused as a whole, at its 'async def' line: 'await',
    # 'async for' and 'async with' can only occur inside one.
    (async_plain, "async def", "async"),
    (async_await, "async def", "async"),
    (async_for_loop, "async def", "async"),
    (async_with_block, "async def", "async"),
    (writes_global, "global SOME_GLOBAL", "global"),
    (reads_and_writes_global, "global OTHER_GLOBAL", "global"),
    (writes_nonlocal, "nonlocal acc", "nonlocal"),
    (try_except, "try:", "try"),
    (try_except_else, "try:", "try"),
    (try_finally, "try:", "try"),
    (try_finally_in_loop, "try:", "try"),
    (calls_exec, 'exec("z = 1")', "exec()"),
    (calls_exec_in_untaken_branch, 'exec("pass")', "exec()"),
    (calls_eval, 'eval("x * 2")', "eval()"),
    (calls_compile, "= compile(", "compile()"),
    (calls_locals, "locals()", "locals()"),
    (calls_globals, "globals()", "globals()"),
    (uses_del, "del y", "del"),
    (uses_del_in_untaken_branch, "del y", "del"),
    (uses_del_item, "del y[0]", "del"),
    (uses_match, "match 1:", "match"),
    (uses_match_on_argument, "match x:", "match"),
    (defines_class, "class Holder", "class"),
    (defines_class_in_untaken_branch, "class Kept", "class"),
    (set_comprehension, "s = {", "set comprehension"),
    (set_comprehension_in_return, "len({", "set comprehension"),
    (walrus, ":=", ":="),
    (walrus_in_condition, ":=", ":="),
    (starred_user_call, "helper(*xs)", "*args"),
    (starred_numpy_call, "np.add(*xs)", "*args"),
    (starred_builtin_call, "max(*xs)", "*args"),
    (starred_after_positional, "np.add(x, *xs)", "*args"),
]

IDS = [fn.__name__ for fn, _, _ in REFUSED]


@pytest.mark.parametrize("fn, marker, word", REFUSED, ids=IDS)
def test_refusal_names_function_file_and_line(fn, marker, word):
    expected_line = line_of(fn, marker)
    with pytest.raises(srcad.SrcadError) as info:
        srcad.grad(fn)(1.5)
    err = info.value
    assert isinstance(err, srcad.UnsupportedSyntaxError), type(err)
    text = str(err)
    # The message itself names the function, the file and the line.
    assert f"'{fn.__name__}'" in text, text
    assert __file__ in text, text
    assert f"line {expected_line}," in text, text
    assert word in text, text
    # ... and so do the structured attributes.
    assert err.function == fn.__name__
    assert err.filename == __file__
    assert err.lineno == expected_line, (err.lineno, expected_line, text)
    assert err.hint, "a refusal should say what to do instead"


@pytest.mark.parametrize("fn, marker, word", REFUSED, ids=IDS)
def test_refusal_is_repeated_on_every_call(fn, marker, word):
    for _ in range(2):
        # an async function is refused when it is wrapped; the rest when called
        with pytest.raises(srcad.UnsupportedSyntaxError):
            srcad.grad(fn)(1.5)


@pytest.mark.parametrize("fn", [try_except, uses_del, walrus, starred_user_call],
                         ids=lambda fn: fn.__name__)
def test_other_entry_points_refuse_too(fn):
    expected_line = line_of(fn, dict((f, m) for f, m, _ in REFUSED)[fn])
    for run in (lambda: srcad.value_and_grad(fn)(1.5),
                lambda: srcad.vjp(fn, 1.5)):
        with pytest.raises(srcad.UnsupportedSyntaxError) as info:
            run()
        assert info.value.lineno == expected_line
        assert f"line {expected_line}," in str(info.value)
