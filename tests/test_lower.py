"""Lowering Python functions to SSA IR, checked by interpreting the IR."""

import math
import operator

import numpy as np
import pytest

from srcad import runtime
from srcad.errors import UnsupportedSyntaxError
from srcad.frontend.source import parse_function
from srcad.ir.interpret import run_ir
from srcad.ir.nodes import Call, Const, ForRange, While, walk
from srcad.ir.verify import verify
from srcad.lower.lowering import lower_function
from srcad.rules.registry import Attribute, Method

# ----------------------------------------------------------------------------- helpers


def same(a, b) -> bool:
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(b, np.ndarray) and isinstance(a, np.ndarray) and \
            a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


def lowered(fn):
    ir = lower_function(parse_function(fn))
    verify(ir)
    return ir


def calls(ir):
    return [s for s in walk(ir.body) if isinstance(s, Call)]


# ----------------------------------------------------------------------------- inputs


def helper(a, b=2.0, c=3.0):
    return a * b + c


def helper_twice(x, n):
    return helper(x) + helper(x, 1.0) + helper(x, c=n) + helper(b=0.5, a=x)


def arithmetic(x, n):
    y = x * 2.0 + 1.0
    y += n
    y -= 0.5
    y *= 3
    z = -y + (+x) - (y / 4.0) + y ** 2 - (n // 2) + (n % 3)
    w: float = z - 1.0
    return w


def branches(x, n):
    if x > 1.0:
        y = x * 2.0
    elif x > -1.0:
        y = x - 7.0
        if n > 2:
            y = y * n
    else:
        y = 0.5
    return y + x


def for_break_continue(x, n):
    s = 0.0
    for i in range(n + 3):
        if i == 1:
            continue
        s = s + x * i
        if s > 8.0:
            break
    return s, i


def while_with_return(x, n):
    k = n
    while k > 0:
        if x > 50.0:
            return x
        x = x * 2.0
        k = k - 1
    return -x


def nested_loop_return(x, n):
    s = 0.0
    for i in range(n + 1):
        for j in range(i, n + 2, 2):
            if i * j > x:
                return s + i - j
            s = s + j
    return s


def early_returns(x, n):
    if n == 0:
        return 0.0
    if x < -2:
        return x * 10
    t = x
    for i in range(n):
        t = t * 0.5 + i
    return t


def tuples_and_lists(x, n):
    a, b = x, x + 1.0
    b, a = a, b
    pair = (a, b, n)
    items = [a, b, 3.0]
    first, (second, third) = items[0], (pair[1], pair[2])
    return first + second * third + items[-1] + len(items)


def comparisons(x, n):
    inside = 0 < x < 3 <= n + 3
    also = x > n or n < 0
    both = n and x
    maybe = None
    known = maybe is None and x is not None
    member = n in (1, 2, 3)
    outside = n not in (1, 2)
    pick = x if n > 1 else -x
    return inside, also, both, known, member, outside, pick, not inside


def loop_values_after_loop(x, n):
    for i in range(n):
        last = x * i
    total = 0.0
    k = 0
    while k < n:
        k = k + 1
        if k % 2 == 0:
            continue
        total = total + k
    return i if n > 0 else -1, last if n > 0 else None, total, k


def enumerate_and_zip(x, n):
    values = [x, x * 2.0, x * 3.0]
    weights = (1.0, 0.5, 0.25, 9.0)
    s = 0.0
    for i, v in enumerate(values):
        s = s + i * v
    for i, v in enumerate(values, start=n):
        s = s + i * v
    for v, w in zip(values, weights):
        s = s + v * w
    for pair in zip(values, weights):
        s = s + pair[0] - pair[1]
    for k, (v, w) in enumerate(zip(values, weights)):
        s = s + k * v * w
    return s


def math_functions(x, n):
    y = math.sin(x) + math.exp(-abs(x)) + math.sqrt(abs(x) + 1.0)
    return math.atan2(y, 1.0 + n) + float(n) + max(x, 0.5) + min(n, 2)


def numpy_basics(a, b):
    y = np.sin(a) * 2.0 + np.exp(b)
    s = y.sum(axis=0, keepdims=True)
    m = np.mean(y, axis=1)
    t = a.T[1:, ::2]
    corner = a[0, 1] + a[-1][-1]
    return s, m, t, corner, np.dot(a, b.T), a @ b.T, a.shape[0]


def numpy_loops(a, b):
    out = np.zeros(a.shape[1])
    for row in a:
        out = out + row * 2.0
    acc = 0.0
    for i in range(a.shape[0]):
        acc = acc + np.sum(a[i, :] * b[i])
    k = 0
    while k < 2:
        acc = acc + a[k:k + 2, 0].sum()
        k += 1
    return out, acc, np.where(a > 0.5, a, b).sum()


def while_break_in_nested_if(x, n):
    k = 0
    s = 0.0
    while True:
        k += 1
        if k > n + 2:
            break
        if k % 2 == 1:
            if s > x:
                break
            s = s + k
        else:
            s = s - 0.5
    return s, k


def returns_none_sometimes(x, n):
    if x > 0:
        return
    return x


def docstring_and_pass(x, n):
    """Docstring."""
    pass
    if x > 0:
        pass
    return x + n


SCALAR_FUNCTIONS = [
    arithmetic, branches, for_break_continue, while_with_return, nested_loop_return,
    early_returns, tuples_and_lists, comparisons, loop_values_after_loop, enumerate_and_zip,
    math_functions, helper_twice, while_break_in_nested_if, returns_none_sometimes,
    docstring_and_pass,
]
SCALAR_INPUTS = [(x, n) for x in (-3.0, -0.5, 0.0, 0.7, 2.5, 9.0, 60.0) for n in (0, 1, 2, 4)]

rng = np.random.default_rng(0)
ARRAY_INPUTS = [(rng.random((3, 4)), rng.random((3, 4))) for _ in range(3)] + [
    (rng.standard_normal((4, 4)), rng.standard_normal((4, 4)))]


# ----------------------------------------------------------------------------- interpretation


@pytest.mark.parametrize("fn", SCALAR_FUNCTIONS, ids=lambda f: f.__name__)
def test_interpreted_ir_equals_python(fn):
    ir = lowered(fn)
    for args in SCALAR_INPUTS:
        expected = fn(*args)
        got = run_ir(ir, *args)
        assert same(got, expected), (args, got, expected)


@pytest.mark.parametrize("fn", [numpy_basics, numpy_loops], ids=lambda f: f.__name__)
def test_interpreted_numpy_ir_equals_python(fn):
    ir = lowered(fn)
    for args in ARRAY_INPUTS:
        expected = fn(*args)
        got = run_ir(ir, *args)
        assert same(got, expected)


def test_interpreter_detects_wrong_ir():
    # the check itself can fail: a changed constant changes the result
    ir = lowered(arithmetic)
    mul = next(s for s in calls(ir) if s.fn is operator.mul and Const(2.0) in s.args)
    mul.args = [a if a != Const(2.0) else Const(2.5) for a in mul.args]
    assert not same(run_ir(ir, 1.0, 1), arithmetic(1.0, 1))


# ----------------------------------------------------------------------------- primitives


def test_binary_operators_become_operator_calls():
    ir = lowered(arithmetic)
    fns = {s.fn for s in calls(ir)}
    for op in (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
               operator.neg, operator.pos, operator.floordiv, operator.mod):
        assert op in fns, op


def test_numpy_calls_methods_and_attributes():
    ir = lowered(numpy_basics)
    stmts = calls(ir)
    fns = [s.fn for s in stmts]
    assert np.sin in fns and np.exp in fns and np.mean in fns and np.dot in fns
    assert operator.matmul in fns
    total = next(s for s in stmts if s.fn == Method("sum"))
    assert total.kwargs.keys() == {"axis", "keepdims"}
    assert total.kwargs["axis"] == Const(0) and total.kwargs["keepdims"] == Const(True)
    mean = next(s for s in stmts if s.fn is np.mean)
    assert mean.kwargs == {"axis": Const(1)}
    assert any(s.fn == Attribute("T") for s in stmts)
    assert any(s.fn == Attribute("shape") for s in stmts)


def test_subscripts_use_getitem_with_constant_slices_and_tuples():
    ir = lowered(numpy_basics)
    indices = [s.args[1] for s in calls(ir) if s.fn is operator.getitem]
    consts = [i.value for i in indices if isinstance(i, Const)]
    assert (slice(1, None, None), slice(None, None, 2)) in consts
    assert (0, 1) in consts
    assert -1 in consts and 0 in consts


def test_dynamic_slices_use_make_slice():
    ir = lowered(numpy_loops)
    slices = [s for s in calls(ir) if s.fn is runtime.make_slice]
    assert slices
    tuple_index = [s for s in calls(ir) if s.fn is runtime.make_tuple
                   and any(a is slices[0].target for a in s.args)]
    assert tuple_index and tuple_index[0].args[1] == Const(0)


def test_module_attributes_are_resolved_statically():
    ir = lowered(numpy_basics)
    for s in calls(ir):
        assert s.fn is not np
        assert not (isinstance(s.fn, Attribute) and s.fn.name in ("sin", "exp", "mean"))


def test_keyword_arguments_are_kept_for_library_calls():
    def f(x):
        return np.sum(x, axis=1, keepdims=True)
    stmt = next(s for s in calls(lowered(f)) if s.fn is np.sum)
    assert stmt.kwargs == {"axis": Const(1), "keepdims": Const(True)}


def test_user_helper_calls_get_defaults_filled_positionally():
    ir = lowered(helper_twice)
    hcalls = [s for s in calls(ir) if s.fn is helper]
    assert len(hcalls) == 4
    x = ir.params[0]
    n = ir.params[1]
    assert all(s.kwargs == {} and len(s.args) == 3 for s in hcalls)
    assert hcalls[0].args == [x, Const(2.0), Const(3.0)]
    assert hcalls[1].args == [x, Const(1.0), Const(3.0)]
    assert hcalls[2].args == [x, Const(2.0), n]
    assert hcalls[3].args == [x, Const(0.5), Const(3.0)]


def test_bad_helper_call_is_a_located_error():
    def f(x):
        return helper(x, 1.0, 2.0, 3.0)
    with pytest.raises(UnsupportedSyntaxError, match="does not match") as info:
        lowered(f)
    assert info.value.lineno == f.__code__.co_firstlineno + 1


def test_statements_carry_source_lines():
    ir = lowered(branches)
    first = branches.__code__.co_firstlineno
    lines = {s.loc.line for s in walk(ir.body) if getattr(s, "loc", None)}
    assert first + 1 in lines and first + 2 in lines and first + 9 in lines
    assert ir.loc.line == first


def test_user_variable_names_are_kept():
    ir = lowered(arithmetic)
    kept = {s.target.name for s in calls(ir) if s.target is not None and s.target.keep}
    assert {"y", "z", "w"} <= kept
    assert all(not s.target.name.startswith(".") for s in calls(ir) if s.target is not None)


def test_for_over_range_has_no_sequence_helper():
    ir = lowered(for_break_continue)
    loop = next(s for s in walk(ir.body) if isinstance(s, ForRange))
    assert loop.exit is not None  # the break
    assert not any(s.fn is runtime.as_sequence for s in calls(ir))


def test_for_over_an_array_iterates_by_index():
    ir = lowered(numpy_loops)
    assert any(s.fn is runtime.as_sequence for s in calls(ir))
    assert any(isinstance(s, While) for s in walk(ir.body))


def test_constant_tuples_fold_and_negative_constants_fold():
    def f(x):
        return x + -2.0, (1, 2)
    ir = lowered(f)
    add = next(s for s in calls(ir) if s.fn is operator.add)
    assert add.args[1] == Const(-2.0)
    make = next(s for s in calls(ir) if s.fn is runtime.make_tuple)
    assert Const((1, 2)) in make.args


FACTOR = 1.5


def test_global_constants_become_named_constants():
    def f(x):
        return x * FACTOR + math.pi
    stmts = calls(lowered(f))
    mul = next(s for s in stmts if s.fn is operator.mul)
    assert mul.args[1] == Const(1.5) and mul.args[1].name == "FACTOR"
    add = next(s for s in stmts if s.fn is operator.add)
    assert add.args[1] == Const(math.pi)


# ----------------------------------------------------------------------------- refusals


def _try(fn):
    with pytest.raises(UnsupportedSyntaxError) as info:
        lowered(fn)
    return info.value


def test_unsupported_constructs_are_refused_with_locations():
    def attribute_assign(x):
        x.a = 1.0
        return x

    def set_comprehension(x):
        return {v for v in x}

    def escaping_def(x):
        def g(y):
            return y
        return g

    def call_variable(x, f):
        return f(x)

    def undefined(x):
        return x + no_such_name  # noqa: F821

    def used_before(x):
        if x > 0:
            y = 1.0
        return y + z  # noqa: F821

    for fn, match in [(attribute_assign, "cannot assign to an attribute"),
                      (set_comprehension, "set comprehensions"),
                      (escaping_def, "other than calling it"),
                      (call_variable, "held in variables"),
                      (undefined, "not defined")]:
        err = _try(fn)
        assert match in str(err)
        assert err.lineno is not None and err.lineno > fn.__code__.co_firstlineno
    assert "not defined" in str(_try(used_before))


def test_star_args_of_a_run_time_sequence_are_refused():
    def f(x):
        return np.add(*([x] * 2))
    with pytest.raises(UnsupportedSyntaxError, match=r"\*args"):
        lowered(f)
