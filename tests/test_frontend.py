"""The frontend: reading, dedenting and parsing functions; resolving free names."""

import ast
import builtins
import functools
import math
import sys

import numpy as np
import pytest

import srcad
from srcad.errors import BadArgumentError, SourceUnavailableError, UnsupportedSyntaxError
from srcad.frontend.source import MISSING, captured_still_valid, parse_function, unwrap_function

SCALE = 2.0
OFFSET = 1.0


def deco(fn):
    return fn


def top_level(x):
    y = x * SCALE
    return y + OFFSET


@deco
@deco
def decorated(x):
    return x + 1.0


class Holder:
    @staticmethod
    def method(x):
        z = x * 3.0
        return z

    class Inner:
        @staticmethod
        @deco
        def deeper(x):
            w = np.sin(x)
            return w


def make_closure(k):
    bias = 0.5

    def inner(x):
        return x * k + bias + SCALE
    return inner


def make_rebindable():
    k = 1.0

    def inner(x):
        return x * k

    def set_k(v):
        nonlocal k
        k = v
    return inner, set_k


def uses_builtin_and_missing(x):
    return abs(x) + not_defined_anywhere  # noqa: F821


# ----------------------------------------------------------------------------- parsing


def test_line_numbers_are_absolute():
    parsed = parse_function(top_level)
    first = top_level.__code__.co_firstlineno
    assert parsed.node.lineno == first
    assert parsed.node.body[0].lineno == first + 1
    assert parsed.node.body[1].lineno == first + 2
    assert parsed.filename == __file__
    loc = parsed.loc(parsed.node.body[1])
    assert loc.line == first + 2
    assert loc.text.strip() == "return y + OFFSET"
    assert loc.function == "top_level"


def test_line_number_of_a_function_defined_inside_a_test():
    def local(x):
        return x - 1.0
    line = sys._getframe().f_lineno - 2
    parsed = parse_function(local)
    assert parsed.node.lineno == line
    assert parsed.node.body[0].lineno == line + 1


def test_decorators_are_stripped_and_def_line_is_kept():
    parsed = parse_function(decorated)
    assert parsed.node.decorator_list == []
    # the decorated function's code starts at the first decorator; the node at 'def'
    assert parsed.node.lineno == decorated.__code__.co_firstlineno + 2
    assert parsed.node.name == "decorated"


def test_indented_method_is_dedented_with_correct_columns():
    parsed = parse_function(Holder.method)
    assert parsed.col_offset == 4
    assert parsed.node.col_offset == 4  # columns stay absolute in the user's file
    stmt = parsed.node.body[0]
    loc = parsed.loc(stmt)
    assert loc.col == 8
    assert loc.text.startswith("        z = x * 3.0")
    mul = stmt.value
    assert parsed.loc(mul).col == 12  # 'x * 3.0' starts at column 12 of the file


def test_doubly_nested_decorated_function():
    parsed = parse_function(Holder.Inner.deeper)
    assert parsed.col_offset == 8
    assert parsed.node.decorator_list == []
    assert parsed.loc(parsed.node.body[0]).col == 12
    assert parsed.node.lineno == Holder.Inner.deeper.__code__.co_firstlineno + 2


def test_closure_function_columns():
    inner = make_closure(2.0)
    parsed = parse_function(inner)
    ret = parsed.node.body[0]
    assert parsed.col_offset == 4
    assert parsed.loc(ret).col == 8
    assert parsed.loc(ret.value).col == 15


def test_loc_of_none_is_the_def_line():
    parsed = parse_function(Holder.method)
    loc = parsed.loc(None)
    assert loc.line == parsed.node.lineno
    assert loc.col == 4


def test_indented_function_with_unindented_string_continuation():
    # A multi-line string whose continuation line starts at column 0 is legal Python
    # inside an indented function; textwrap.dedent cannot remove any indentation then.
    def inner(x):
        label = """first
second"""
        return x * 2.0
    parsed = parse_function(inner)
    assert parsed.node.name == "inner"
    assert parsed.loc(parsed.node.body[1]).col == 8


# ----------------------------------------------------------------------------- refusals


def test_lambda_is_parsed_as_a_def():
    parsed = parse_function(lambda x: x + 1)
    assert parsed.node.name == "<lambda>" and isinstance(parsed.node.body[0], ast.Return)


def test_exec_made_function_is_refused():
    namespace = {}
    exec("def made(x):\n    return x * 2\n", namespace)
    with pytest.raises(SourceUnavailableError) as info:
        parse_function(namespace["made"])
    assert info.value.function == "made"
    assert "exec" in str(info.value)


def test_async_function_is_refused():
    async def coro(x):
        return x
    with pytest.raises(UnsupportedSyntaxError, match="async"):
        parse_function(coro)


@pytest.mark.parametrize("obj", [len, print, np.sin, math.exp, functools.partial(abs)])
def test_builtins_and_non_functions_are_refused(obj):
    with pytest.raises(BadArgumentError):
        unwrap_function(obj)


def test_non_callable_is_refused():
    with pytest.raises(BadArgumentError, match="needs a function"):
        unwrap_function(3)


def test_bound_method_is_refused():
    class A:
        def f(self, x):
            return x
    with pytest.raises(UnsupportedSyntaxError, match="bound method"):
        unwrap_function(A().f)


def test_builtin_refused_through_the_api():
    with pytest.raises(srcad.SrcadError):
        srcad.grad(math.exp)(1.0)


def test_unwrap_function_returns_plain_functions():
    assert unwrap_function(top_level) is top_level

    def f(x):
        return x
    f.__srcad_original__ = top_level
    assert unwrap_function(f) is top_level


# ----------------------------------------------------------------------------- free names


def test_free_names_resolve_through_globals_and_are_captured():
    parsed = parse_function(top_level)
    assert parsed.resolve("SCALE") == 2.0
    assert parsed.captured == [(top_level.__globals__, "SCALE", 2.0)]
    assert parsed.resolve("np") is np
    assert (top_level.__globals__, "np", np) in parsed.captured


def test_free_names_resolve_through_closure_cells():
    inner = make_closure(7.0)
    parsed = parse_function(inner)
    assert set(parsed.closure) == {"k", "bias"}
    assert parsed.resolve("k") == 7.0
    assert parsed.resolve("bias") == 0.5
    holders = [h for h, name, _ in parsed.captured]
    assert all(name is None for _, name, _ in parsed.captured)
    assert inner.__closure__[0] in holders or inner.__closure__[1] in holders
    # a global read by the closure goes through the module namespace
    assert parsed.resolve("SCALE") == 2.0
    assert parsed.captured[-1] == (inner.__globals__, "SCALE", 2.0)


def test_builtins_resolve_and_missing_names_are_missing():
    parsed = parse_function(uses_builtin_and_missing)
    assert parsed.resolve("abs") is builtins.abs
    assert parsed.resolve("not_defined_anywhere") is MISSING


def test_empty_cell_resolves_to_missing():
    def outer():
        def inner(x):
            return x * later
        parsed = parse_function(inner)
        before = parsed.resolve("later")
        later = 3.0
        return parsed, before
    parsed, before = outer()
    assert before is MISSING
    assert parsed.resolve("later") == 3.0


def test_captured_still_valid_after_rebinding_a_global(monkeypatch):
    parsed = parse_function(top_level)
    parsed.resolve("SCALE")
    assert captured_still_valid(parsed.captured)
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "SCALE", 3.0)
    assert not captured_still_valid(parsed.captured)
    monkeypatch.undo()
    assert captured_still_valid(parsed.captured)


def test_captured_still_valid_after_deleting_a_global(monkeypatch):
    parsed = parse_function(top_level)
    parsed.resolve("OFFSET")
    monkeypatch.delattr(sys.modules[__name__], "OFFSET")
    assert not captured_still_valid(parsed.captured)


def test_captured_still_valid_after_rebinding_a_cell():
    inner, set_k = make_rebindable()
    parsed = parse_function(inner)
    assert parsed.resolve("k") == 1.0
    assert captured_still_valid(parsed.captured)
    set_k(1.0)  # the same object: still valid
    assert captured_still_valid(parsed.captured)
    set_k(2.5)
    assert not captured_still_valid(parsed.captured)


def test_captured_uses_identity_not_equality(monkeypatch):
    parsed = parse_function(top_level)
    parsed.resolve("SCALE")
    monkeypatch.setattr(sys.modules[__name__], "SCALE", float("2.0") + 0.0 * 1)
    equal_but_new = sys.modules[__name__].SCALE
    assert equal_but_new == 2.0
    if equal_but_new is not parsed.captured[0][2]:
        assert not captured_still_valid(parsed.captured)


def test_captured_detects_a_global_shadowing_a_builtin(monkeypatch):
    # The function reads the builtin 'abs'; a module-level 'abs' defined later changes
    # what the name refers to, so the transformation is stale.
    parsed = parse_function(uses_builtin_and_missing)
    assert parsed.resolve("abs") is builtins.abs
    assert captured_still_valid(parsed.captured)
    monkeypatch.setattr(sys.modules[__name__], "abs", lambda v: -v, raising=False)
    assert not captured_still_valid(parsed.captured)


def test_parsed_node_is_a_functiondef_with_the_right_arguments():
    parsed = parse_function(make_closure(1.0))
    assert isinstance(parsed.node, ast.FunctionDef)
    assert [a.arg for a in parsed.node.args.args] == ["x"]
    assert parsed.name == "inner"
