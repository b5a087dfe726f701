"""Scope analysis and renaming used when functions are inlined (srcad/scopes.py)."""

import ast

from srcad.frontend.scopes import SEP, bound_names, display_name, function_locals, renamed_copy


def parse_def(src: str) -> ast.FunctionDef:
    return ast.parse(src).body[0]


def test_bound_names_skip_nested_scopes():
    fn = parse_def(
        "def f(a):\n"
        "    b = a\n"
        "    def g(c):\n"
        "        d = c\n"
        "        return d\n"
        "    e = [t for t in range(3)]\n"
        "    for i in range(2):\n"
        "        k, m = 1, 2\n"
        "    return lambda z: z + b\n")
    assert bound_names(fn.body) == {"b", "g", "e", "i", "k", "m"}
    assert function_locals(fn) == {"a", "b", "g", "e", "i", "k", "m"}


def test_renaming_respects_shadowing_in_nested_functions_and_comprehensions():
    fn = parse_def(
        "def f(x):\n"
        "    y = x + 1\n"
        "    def g(y):\n"
        "        return y + x\n"
        "    h = lambda x: x * y\n"
        "    return [x for x in range(3)] + [y]\n")
    mapping = {n: n + SEP + "1" for n in function_locals(fn)}
    new = renamed_copy(fn, mapping)
    src = ast.unparse(new)
    assert "def g#1(y):" in src                 # the local def's name is renamed
    assert "return y + x#1" in src             # its own parameter is not, the free x is
    assert "lambda x: x * y#1" in src          # the lambda's parameter shadows x
    assert "[x for x in range(3)]" in src      # comprehension variables are local
    assert "[y#1]" in src
    assert ast.unparse(fn).count("#") == 0     # the original is untouched


def test_display_names_hide_scopes_and_internal_markers():
    assert display_name("x#12") == "x"
    assert display_name(".result#3") == "result"
    assert display_name("plain") == "plain"
