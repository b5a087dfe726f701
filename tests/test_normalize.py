"""Normalization of return/break/continue into flags.

Each normalized body is executed as Python (with the loop exits the lowering adds)
and must compute what the original function computes.
"""

import ast
import copy
import itertools

import pytest

from srcad.frontend.normalize import RESULT, RETURNED, normalize_body
from srcad.frontend.source import parse_function

# ----------------------------------------------------------------------------- inputs


def early_return(x, n):
    if x > 0:
        return x * 2
    y = x + 1
    return y * 3


def elif_chain(x, n):
    if x > 2:
        return 1
    elif x > 0:
        return 2
    elif x == 0:
        y = 10
    else:
        return 3
    return y + n


def return_in_one_branch_then_loop(x, n):
    if n == 0:
        return -1.0
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s


def for_break(x, n):
    s = 0
    for i in range(n + 3):
        if s > x:
            break
        s = s + i
    return s * 10 + n


def for_continue(x, n):
    s = 0
    for i in range(n + 4):
        if i % 2 == 0:
            continue
        s = s + i * x
    return s


def while_break_continue(x, n):
    k = 0
    s = 0.0
    while k < n + 5:
        k = k + 1
        if k == 2:
            continue
        if s > x + 4:
            break
        s = s + k
    return s + 100 * k


def return_in_nested_loops(x, n):
    s = 0
    for i in range(n + 1):
        for j in range(n + 1):
            if i * j > x:
                return i * 10 + j
            s = s + j
        s = s + 100
    return -s


def inner_break_outer_continue(x, n):
    s = 0
    for i in range(n + 2):
        if i == 1:
            continue
        for j in range(5):
            if j > x:
                break
            s = s + j
        s = s * 2
    return s


def both_branches_exit(x, n):
    s = 0
    for i in range(n + 3):
        s = s + i
        if i > x:
            break
        else:
            continue
        s = s + 1000
    return s


def bare_return(x, n):
    if x < 0:
        return
    return x


def return_in_loop_in_if(x, n):
    if x > 1:
        for i in range(n):
            if i > x:
                return i
        x = x + 0.5
    return x * n


def continue_then_break(x, n):
    s = 0
    for i in range(10):
        if i < n:
            continue
        s = s + i
        if s > x:
            break
        s = s + 1
    return s


def deep_return_without_else(x, n):
    s = 0
    for i in range(n + 2):
        if i > 0:
            if x > i:
                if i % 2 == 1:
                    return s - i
        s = s + i
    return s


def break_then_early_return_after_loop(x, n):
    s = 0
    for i in range(n + 3):
        s = s + i
        if s > x:
            break
    if s > 5:
        return s
    s = s - 1
    return s * 2


def while_true_break(x, n):
    k = 0
    while True:
        k = k + 1
        if k > n:
            break
    return k + x


def loop_over_list_with_return(x, n):
    for v in [1, 3, 5, 7]:
        if v * n > x:
            return v
    return 0


def dead_code_after_return(x, n):
    return x + n
    x = 100
    return x


def with_docstring(x, n):
    """A docstring is not a statement to keep."""
    if x > n:
        return x
    return n


def return_in_while_in_for_with_continue(x, n):
    total = 0
    for i in range(n + 2):
        if i == 0:
            continue
        k = i
        while k > 0:
            if k * x > 6:
                return total + k
            k = k - 1
            total = total + 1
        total = total + 10
    return total


def return_in_both_loop_branches(x, n):
    s = 0
    for i in range(n + 1):
        if i > x:
            return s
        else:
            s = s + i
    return s * 100


def nested_while_with_breaks(x, n):
    a = 0
    i = 0
    while i < n + 2:
        j = 0
        while True:
            j = j + 1
            if j > i:
                break
            if j + i > x:
                break
            a = a + j
        i = i + 1
        if a > 20:
            break
    return a * 1000 + i


def continue_in_else(x, n):
    s = 0
    for i in range(n + 3):
        if i < x:
            s = s + 1
        else:
            continue
        s = s + i
    return s


def pass_statements(x, n):
    if x > 0:
        pass
    else:
        return 0
    for i in range(n):
        pass
    return x + n


FUNCTIONS = [
    early_return, elif_chain, return_in_one_branch_then_loop, for_break, for_continue,
    while_break_continue, return_in_nested_loops, inner_break_outer_continue,
    both_branches_exit, bare_return, return_in_loop_in_if, continue_then_break,
    deep_return_without_else, break_then_early_return_after_loop, while_true_break,
    loop_over_list_with_return, dead_code_after_return, with_docstring,
    return_in_while_in_for_with_continue, return_in_both_loop_branches,
    nested_while_with_breaks, continue_in_else, pass_statements,
]

XS = [-3, -1.5, 0, 0.5, 1, 2, 3.5, 7, 20]
NS = [0, 1, 2, 3, 5]


# ----------------------------------------------------------------------------- executing


class _Rename(ast.NodeTransformer):
    def visit_Name(self, node):
        if node.id.startswith("."):
            node.id = "_srcad_" + node.id[1:]
        return node


def _materialize(stmts: list) -> list:
    """Make loop exits and flag prologues explicit, as the lowering does."""
    out = []
    for s in stmts:
        out.extend(copy.deepcopy(p) for p in getattr(s, "srcad_prologue", None) or ())
        if isinstance(s, (ast.For, ast.While)):
            new = copy.copy(s)
            new.body = _materialize(s.body)
            exit_flag = getattr(s, "srcad_exit", None)
            if exit_flag:
                new.body.append(ast.If(test=ast.Name(id=exit_flag, ctx=ast.Load()),
                                       body=[ast.Break()], orelse=[]))
            if not new.body:
                new.body = [ast.Pass()]
            out.append(new)
        elif isinstance(s, ast.If):
            new = copy.copy(s)
            new.body = _materialize(s.body) or [ast.Pass()]
            new.orelse = _materialize(s.orelse)
            out.append(new)
        else:
            out.append(s)
    return out


def _assign(name, value):
    return ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=ast.Constant(value))


def normalized_function(fn):
    """(normalized body, a Python function executing it and returning RESULT)."""
    parsed = parse_function(fn)
    body = normalize_body(parsed.node.body)
    runnable = [_assign(RESULT, None), _assign(RETURNED, False)] + _materialize(body) + [
        ast.Return(value=ast.Name(id=RESULT, ctx=ast.Load()))]
    node = ast.FunctionDef(name=fn.__name__, args=copy.deepcopy(parsed.node.args),
                           body=runnable, decorator_list=[], returns=None, type_comment=None,
                           type_params=[])
    module = ast.Module(body=[node], type_ignores=[])
    module = _Rename().visit(copy.deepcopy(module))
    ast.fix_missing_locations(module)
    namespace = dict(fn.__globals__)
    exec(compile(module, "<normalized>", "exec"), namespace)
    return body, namespace[fn.__name__]


def _all_nodes(stmts):
    for s in stmts:
        yield from ast.walk(s)
        for p in getattr(s, "srcad_prologue", None) or ():
            yield from ast.walk(p)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_normalized_body_has_no_jumps(fn):
    body, _ = normalized_function(fn)
    kinds = {type(n) for n in _all_nodes(body)}
    assert not kinds & {ast.Return, ast.Break, ast.Continue}


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_normalized_body_computes_the_same_result(fn):
    _, run = normalized_function(fn)
    for x, n in itertools.product(XS, NS):
        expected = fn(x, n)
        got = run(x, n)
        assert got == expected and type(got) is type(expected), (x, n, got, expected)


def test_the_original_ast_is_not_modified():
    parsed = parse_function(return_in_nested_loops)
    before = ast.dump(parsed.node)
    normalize_body(parsed.node.body)
    assert ast.dump(parsed.node) == before


def test_always_returning_branch_needs_no_flag():
    # `if c: return a` then more code: the rest moves into the else branch.
    body, _ = normalized_function(early_return)
    names = {n.id for n in _all_nodes(body) if isinstance(n, ast.Name)}
    assert RESULT in names
    assert RETURNED not in {n.id for n in _all_nodes(body)
                            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    assert isinstance(body[0], ast.If) and body[0].orelse


def test_loops_that_exit_early_are_marked():
    parsed = parse_function(for_break)
    body = normalize_body(parsed.node.body)
    loop = next(s for s in body if isinstance(s, ast.For))
    assert loop.srcad_exit and loop.srcad_exit.startswith(".")
    prologue = loop.srcad_prologue
    assert len(prologue) == 1 and prologue[0].targets[0].id == loop.srcad_exit
    assert prologue[0].value.value is False


def test_loops_without_jumps_are_not_marked():
    parsed = parse_function(return_in_one_branch_then_loop)
    body = normalize_body(parsed.node.body)
    loops = [n for n in _all_nodes(body) if isinstance(n, ast.For)]
    assert loops and all(getattr(lp, "srcad_exit", None) is None for lp in loops)


def test_continue_flag_is_reset_each_iteration():
    parsed = parse_function(for_continue)
    body = normalize_body(parsed.node.body)
    loop = next(s for s in body if isinstance(s, ast.For))
    first = loop.body[0]
    assert isinstance(first, ast.Assign) and first.targets[0].id.startswith(".continue")
    assert first.value.value is False
    assert getattr(loop, "srcad_exit", None) is None


def test_return_inside_nested_loops_stops_both_loops():
    parsed = parse_function(return_in_nested_loops)
    body = normalize_body(parsed.node.body)
    outer = next(s for s in body if isinstance(s, ast.For))
    inner = next(n for n in ast.walk(outer) if isinstance(n, ast.For) and n is not outer)
    assert outer.srcad_exit and inner.srcad_exit and outer.srcad_exit != inner.srcad_exit
    stored = {n.targets[0].id for n in ast.walk(inner) if isinstance(n, ast.Assign)}
    assert {outer.srcad_exit, inner.srcad_exit, RESULT, RETURNED} <= stored


def test_docstring_is_dropped():
    parsed = parse_function(with_docstring)
    body = normalize_body(parsed.node.body)
    assert not any(isinstance(s, ast.Expr) for s in body)


def test_internal_assignments_keep_source_lines():
    parsed = parse_function(for_break)
    body = normalize_body(parsed.node.body)
    for node in _all_nodes(body):
        if isinstance(node, ast.stmt):
            assert node.lineno >= parsed.node.lineno
