"""The generated code is a product surface: readable, commented, no dead code."""

import ast
import builtins
import inspect
import linecache
import math

import numpy as np

import srcad


def network(x, y, w0, b0, w1, b1):
    h = math.tanh(w0 * x + b0)
    f = w1 * h + b1
    return (f - y) ** 2


def generated(fn, *args, wrt=0):
    g = srcad.grad(fn, wrt=wrt)
    g(*args)
    return srcad.source(g)


def unused_assignments(source: str) -> set:
    """Names assigned in a function but never read afterwards (dead stores)."""
    dead = set()
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef):
            continue
        stored = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store)}
        loaded = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Load)}
        dead |= {name for name in stored - loaded if name != "_"}
    return dead


def undefined_names(source: str, namespace_names: set) -> set:
    tree = ast.parse(source)
    defined = set(namespace_names) | set(dir(builtins)) | {"np", "math"}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef,)):
            defined.add(node.name)
            defined |= {a.arg for a in node.args.args}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.ImportFrom):
            defined |= {a.name for a in node.names}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)} - defined


def test_uses_the_users_names_and_names_adjoints_after_them():
    text = generated(network, 0.5, 1.0, 0.1, 0.2, 0.3, 0.4, wrt=(2, 3, 4, 5))
    for name in ("h =", "f =", "bw0", "bb0", "bw1", "bb1", "bh"):
        assert name in text, name
    assert "return bw0, bb0, bw1, bb1" in text


def two_adds(w, b, x):
    a = math.sin(w * x + b)
    c = math.cos(w * a + b)
    return a * c + w


def test_adjoints_follow_the_name_their_value_is_printed_with():
    text = generated(two_adds, 0.3, 0.2, 1.1, wrt=(0, 1))
    assert "add = w * x + b" in text and "add_1 = w * a + b" in text
    # the adjoint of add_1 is badd_1: never dadd, nor badd for another value
    assert "badd_1 = " in text and "badd = " in text and "dadd" not in text
    assert "return bw, bb" in text


def test_split_mode_takes_the_output_adjoint_as_bresult():
    _, pullback = srcad.vjp(two_adds, 0.3, 0.2, 1.1)
    text = srcad.source(pullback)
    assert "def two_adds_bwd(saved, bresult):" in text
    assert "return bw, bb, bx" in text


def test_tangents_are_d_names_and_tangents_of_adjoints_db_names():
    text = srcad.source(srcad.hvp(two_adds), 0.3, 0.2, 1.1)
    assert "def grad_two_adds_jvp(w, b, x, dw):" in text
    assert "dba = " in text and "dbadd = " in text and "return bw, dbw" in text
    assert not any(name.startswith("dd") for name in assigned_names(text))


def carried(x, acc):
    for i in range(2):
        acc = acc * x + acc
        x = x - 0.5
    return 0.25 * x + 0.5 * acc


def test_a_gradient_held_under_its_name_is_not_copied_to_itself():
    text = generated(carried, 1.5, 2.0, wrt=(0, 1))
    assert "return bx, bacc" in text
    assert not any(line.strip() in ("bx = bx", "bacc = bacc") for line in text.splitlines())


def assigned_names(source: str) -> set:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)}


def test_scalar_arithmetic_is_inline():
    text = generated(network, 0.5, 1.0, 0.1, 0.2, 0.3, 0.4, wrt=(2, 3, 4, 5))
    assert "w1 * h + b1" in text
    tree = ast.parse(text)
    called = {ast.unparse(c.func) for c in ast.walk(tree) if isinstance(c, ast.Call)}
    assert called <= {"math.tanh"}, called


def test_one_comment_per_source_line_block_pointing_back_to_the_user_source():
    text = generated(network, 0.5, 1.0, 0.1, 0.2, 0.3, 0.4, wrt=(2, 3, 4, 5))
    lines, first = inspect.getsourcelines(network)
    h_line = first + 1
    assert f"# line {h_line}: h = math.tanh(w0 * x + b0)" in text
    assert f"# grad of line {h_line}: h = math.tanh(w0 * x + b0)" in text
    assert text.count(f"# grad of line {h_line}:") == 1


def looping(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i)
        if s > 10.0:
            break
    k = 0
    while x < 5.0:
        x = x * 2.0
        k += 1
    return s * x


def test_no_dead_statements_and_no_undefined_names():
    for fn, args in [(network, (0.5, 1.0, 0.1, 0.2, 0.3, 0.4)), (looping, (0.7, 5))]:
        g = srcad.grad(fn)
        g(*args)
        text = srcad.source(g)
        assert not unused_assignments(text), text
        module = g._last_module
        assert not undefined_names(text, set(module.namespace)), text


def test_loop_variables_keep_one_name():
    text = generated(looping, 0.7, 5)
    assert "s = s + math.sin(x * i)" in text
    assert "x = x * 2.0" in text
    assert not any(line.strip().startswith(("s_1 ", "x_1 ")) for line in text.splitlines())


def test_generated_source_is_registered_with_linecache_and_inspect():
    g = srcad.grad(network)
    g(0.5, 1.0, 0.1, 0.2, 0.3, 0.4)
    fn = g._last_module.functions[0]
    assert inspect.getsource(fn).startswith("def network_grad")
    filename = fn.__code__.co_filename
    assert filename.startswith("<srcad grad of network")
    assert linecache.getline(filename, fn.__code__.co_firstlineno).startswith("def ")


def arrays(x, b):
    return np.sum(np.tanh(x + b) * 2.0)


def test_broadcast_reduction_only_where_shapes_can_differ():
    scalar_b = generated(arrays, np.ones(3), 2.0, wrt=(0, 1))
    assert "unbroadcast" not in scalar_b
    array_b = generated(arrays, np.ones((2, 3)), np.ones(3), wrt=(0, 1))
    # specialized on the shapes: the broadcast sum is plain NumPy (a sum over the rows
    # as one product with ones)
    assert "unbroadcast(" not in array_b and "ones_2 @ badd" in array_b
    assert "ones_2 = np.ones(2)" in array_b
