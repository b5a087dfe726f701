"""The bad-input corpus: every wrong use gets a clear error naming the function.

Each case is a wrong use of srcad or a function srcad cannot differentiate; each must
raise a srcad.SrcadError (or the standard Python error a user expects for a wrong
call) whose message names the function and, where there is one, the line. No internal
exception (KeyError, AttributeError, AssertionError from inside srcad) may escape.
"""

import math
import sys

import numpy as np
import pytest

import srcad

SHARED = np.zeros(3)
COUNTER = 0


def two(x, y):
    return x * y


def vector_out(x):
    return x * 2.0


def string_out(x):
    return "text"


def none_out(x):
    x * 2.0


def bool_out(x):
    return x > 0


def complex_out(x):
    return x * 1j


def writes_global(x):
    global COUNTER
    COUNTER = COUNTER + 1
    return x


def mutates_global_array(x):
    SHARED[0] = x
    return np.sum(SHARED)


def mutates_argument(x):
    x[0] = 2.0
    return np.sum(x)


def no_rule(x):
    return np.spacing([x, 2.0 * x])[1] * 2.0


def no_rule_method(x):
    return x.item() * 2.0


def no_source_call(x):
    return np.sum(np.spacing(x))


def bad_broadcast(x, y):
    return np.sum(x + y)


def wrong_helper_arity(x):
    return two(x)


TWO_LAMBDAS = (lambda x: x * 2.0, lambda x: x * 3.0)  # noqa: E731


def try_block(x):
    try:
        return x * 2.0
    except ValueError:
        return x


def with_block(x):
    with open(__file__) as handle:
        return x * handle


def generator(x):
    yield x


async def coroutine(x):
    return x


def escaping_lambda(x):
    scale = lambda v: v * 2.0  # noqa: E731
    return np.sum(scale)


def recursive_local(x):
    def inner(v):
        return inner(v - 1.0) if v > 5.0 else v
    return inner(x)


def dict_runtime_key(x):
    return {str(x): x}["a"]


def bare_raise(x):
    if x > 100.0:
        raise
    return x


def set_comprehension(x):
    return len({x * i for i in range(3)})


def walrus(x):
    if (y := x * 2.0) > 1.0:
        return y
    return x


def class_def(x):
    class Local:
        pass
    return x


def eval_call(x):
    return eval("x * 2.0")


def import_inside(x):
    from . import helpers  # noqa: F401  (relative: refused)
    return x


def undefined_name(x):
    return x * not_defined  # noqa: F821


def calls_variable(x, f):
    return f(x)


def higher_through_recursion(x):
    return recursive(x, 2)


def recursive(x, n):
    if n == 0:
        return x
    return x * recursive(x, n - 1)


CASES = [
    # (name, thunk, expected error, fragment of the message, function named in it)
    ("wrt index out of range", lambda: srcad.grad(two, wrt=5), srcad.BadArgumentError,
     "out of range", "two"),
    ("wrt negative out of range", lambda: srcad.grad(two, wrt=-3), srcad.BadArgumentError,
     "out of range", "two"),
    ("wrt names no argument", lambda: srcad.grad(two, wrt="z"), srcad.BadArgumentError,
     "no argument named 'z'", "two"),
    ("wrt listed twice", lambda: srcad.grad(two, wrt=(0, "x")), srcad.BadArgumentError,
     "twice", "two"),
    ("wrt empty", lambda: srcad.grad(two, wrt=()), srcad.BadArgumentError, "empty", "two"),
    ("wrt of a wrong type", lambda: srcad.grad(two, wrt=1.0), srcad.BadArgumentError,
     "index or name", "two"),
    ("missing call argument", lambda: srcad.grad(two)(1.0), TypeError, "missing", "two"),
    ("too many call arguments", lambda: srcad.grad(two)(1.0, 2.0, 3.0), TypeError,
     "too many", "two"),
    ("non-scalar output", lambda: srcad.grad(vector_out)(np.ones(3)), srcad.BadArgumentError,
     "real scalar", "vector_out"),
    ("string output", lambda: srcad.grad(string_out)(1.0), srcad.BadArgumentError,
     "real scalar", "string_out"),
    ("None output", lambda: srcad.grad(none_out)(1.0), srcad.BadArgumentError,
     "real scalar", "none_out"),
    ("bool output", lambda: srcad.grad(bool_out)(1.0), srcad.BadArgumentError,
     "real scalar", "bool_out"),
    ("complex output", lambda: srcad.grad(complex_out)(1.0), srcad.SrcadError, "", "complex_out"),
    ("integer array argument", lambda: srcad.grad(two)(np.arange(3), 1.0),
     srcad.BadArgumentError, "int", "two"),
    ("complex argument, complex output", lambda: srcad.grad(two)(1 + 2j, 1.0),
     srcad.BadArgumentError, "complex", "two"),
    ("string argument", lambda: srcad.grad(two)("a", 1.0), srcad.BadArgumentError, "str", "two"),
    ("bool argument", lambda: srcad.grad(two)(True, 1.0), srcad.BadArgumentError, "bool", "two"),
    ("global write", lambda: srcad.grad(writes_global)(1.0), srcad.UnsupportedSyntaxError,
     "global", "writes_global"),
    ("global array mutation", lambda: srcad.grad(mutates_global_array)(1.0),
     srcad.UnsupportedSyntaxError, "SHARED", "mutates_global_array"),
    ("argument mutation", lambda: srcad.grad(mutates_argument)(np.ones(3)),
     srcad.UnsupportedSyntaxError, "argument", "mutates_argument"),
    ("call with no rule", lambda: srcad.grad(no_rule)(1.5), srcad.NoDerivativeError,
     "np.spacing", "no_rule"),
    ("method with no rule", lambda: srcad.grad(no_rule_method)(np.float64(1.5)),
     srcad.NoDerivativeError, ".item", "no_rule_method"),
    ("builtin without source", lambda: srcad.grad(no_source_call)(np.ones(3)),
     srcad.NoDerivativeError, "np.spacing", "no_source_call"),
    ("builtin without source, forward mode",
     lambda: srcad.jvp(no_source_call, (np.ones(3),), (np.ones(3),)),
     srcad.NoDerivativeError, "np.spacing", "no_source_call"),
    ("shapes that do not broadcast", lambda: srcad.grad(bad_broadcast)(np.ones(3), np.ones(4)),
     ValueError, "broadcast", "bad_broadcast"),
    ("helper called with the wrong arity", lambda: srcad.grad(wrong_helper_arity)(1.0),
     srcad.UnsupportedSyntaxError, "does not match", "wrong_helper_arity"),
    ("try", lambda: srcad.grad(try_block)(1.0), srcad.UnsupportedSyntaxError, "try",
     "try_block"),
    ("with over a file, used as a number", lambda: srcad.grad(with_block)(1.0), TypeError,
     "", "with_block"),
    ("generator", lambda: srcad.grad(generator)(1.0), srcad.UnsupportedSyntaxError, "yield",
     "generator"),
    ("async", lambda: srcad.grad(coroutine)(1.0), srcad.UnsupportedSyntaxError, "async",
     "coroutine"),
    ("a local lambda used as a value", lambda: srcad.grad(escaping_lambda)(1.0),
     srcad.UnsupportedSyntaxError, "other than calling it", "escaping_lambda"),
    ("recursive local function", lambda: srcad.grad(recursive_local)(1.0),
     srcad.UnsupportedSyntaxError, "calls itself", "recursive_local"),
    ("dict key computed at run time", lambda: srcad.grad(dict_runtime_key)(1.0),
     srcad.UnsupportedSyntaxError, "dict keys", "dict_runtime_key"),
    ("bare raise", lambda: srcad.grad(bare_raise)(1.0), srcad.UnsupportedSyntaxError, "raise",
     "bare_raise"),
    ("set comprehension", lambda: srcad.grad(set_comprehension)(1.0),
     srcad.UnsupportedSyntaxError, "set comprehension", "set_comprehension"),
    ("walrus", lambda: srcad.grad(walrus)(1.0), srcad.UnsupportedSyntaxError, ":=", "walrus"),
    ("class definition", lambda: srcad.grad(class_def)(1.0), srcad.UnsupportedSyntaxError,
     "class", "class_def"),
    ("eval", lambda: srcad.grad(eval_call)(1.0), srcad.UnsupportedSyntaxError, "eval",
     "eval_call"),
    ("import inside", lambda: srcad.grad(import_inside)(1.0), srcad.UnsupportedSyntaxError,
     "import", "import_inside"),
    ("undefined name", lambda: srcad.grad(undefined_name)(1.0), srcad.UnsupportedSyntaxError,
     "not defined", "undefined_name"),
    ("calling a function held in a variable", lambda: srcad.grad(calls_variable)(1.0, math.sin),
     srcad.UnsupportedSyntaxError, "held in variables", "calls_variable"),
    ("builtin function", lambda: srcad.grad(math.sin), srcad.BadArgumentError,
     "Python function", "sin"),
    ("one of two lambdas on a line", lambda: srcad.grad(TWO_LAMBDAS[1])(1.0),
     srcad.SourceUnavailableError, "which lambda", "<lambda>"),
    ("not a function", lambda: srcad.grad(3.0), srcad.BadArgumentError, "function", ""),
    ("exec-made function", lambda: srcad.grad(_exec_made())(1.0),
     srcad.SourceUnavailableError, "exec", "made_by_exec"),
    ("source of a plain function", lambda: srcad.source(two), srcad.BadArgumentError,
     "made by srcad", ""),
    ("pullback with the wrong shape", lambda: srcad.vjp(vector_out, np.ones(3))[1](np.ones(2)),
     srcad.BadArgumentError, "shape", "vector_out"),
    ("jvp with all tangents None", lambda: srcad.jvp(two, (1.0, 2.0), (None, None)),
     srcad.BadArgumentError, "None", "two"),
    ("hessian of a recursive helper", lambda: srcad.hessian(higher_through_recursion)(1.0),
     srcad.UnsupportedSyntaxError, "recursive", "recursive"),
    ("jacobian mode", lambda: srcad.jacobian(two, mode="x"), srcad.BadArgumentError, "mode", ""),
]


def _exec_made():
    namespace = {}
    exec("def made_by_exec(x):\n    return x * 2.0\n", namespace)
    return namespace["made_by_exec"]


def test_the_corpus_is_large():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name, thunk, error, fragment, function", CASES,
                         ids=[c[0] for c in CASES])
def test_wrong_use_gets_a_clear_error(name, thunk, error, fragment, function):
    with pytest.raises(Exception) as info:
        thunk()
    exc = info.value
    assert isinstance(exc, error), f"{name}: got {type(exc).__name__}: {exc}"
    text = str(exc) + "\n".join(getattr(exc, "__notes__", []))
    assert fragment in text, f"{name}: {fragment!r} not in {text!r}"
    assert function in text, f"{name}: function {function!r} not named in {text!r}"
    if isinstance(exc, srcad.SrcadError) and exc.lineno is not None:
        assert f"line {exc.lineno}" in text
    if not isinstance(exc, srcad.SrcadError) and sys.version_info >= (3, 11) and \
            not isinstance(exc, TypeError):
        # errors raised by the user's own code inside generated code point back at it
        assert "line" in text and __file__ in text
