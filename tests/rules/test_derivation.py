"""Rules derived from one statement (srcad/rules/derivation.py): linear primitives'
tangents from their adjoints, elementwise functions' adjoints and tangents from their
partial derivatives, and twins sharing an original's templates.

The derived rules are ordinary registry rules, so the registry sweep
(test_registry_sweep.py) checks each against finite differences and checks that its
derived tangent is the transpose of its adjoint (<u, J v> == <J^T u, v>). The tests here
check how the derived templates read and how wrong statements are refused.
"""

import ast
import math
import operator

import numpy as np
import pytest

import srcad
from srcad.errors import RuleError
from srcad.rules import registry
from srcad.rules.registry import Attribute, Method


def body(template) -> str:
    return "\n".join(ast.unparse(stmt) for stmt in template.body)


def derived_tangent(rule) -> bool:
    """Whether the rule's tangent template was built from the same statement as its
    adjoint (derived), rather than written on its own."""
    return rule.tangent is not None and rule.adjoint is not None and \
        rule.tangent.function is rule.adjoint.function


@pytest.fixture
def scratch_rules():
    """Rules registered by a test are removed afterwards (the registry is global)."""
    before = set(registry._rules)
    yield
    with registry._lock:
        for key in set(registry._rules) - before:
            del registry._rules[key]
        registry._generation[0] += 1


# ----------------------------------------------------------------------------- elementwise


@pytest.mark.parametrize("primal, adjoint, tangent", [
    (np.sin, "dx = dy * np.cos(x)", "dy = dx * np.cos(x)"),
    (np.cos, "dx = -dy * np.sin(x)", "dy = -dx * np.sin(x)"),
    (np.arcsin, "dx = dy / np.sqrt(1.0 - x * x)", "dy = dx / np.sqrt(1.0 - x * x)"),
    (np.arccos, "dx = -dy / np.sqrt(1.0 - x * x)", "dy = -dx / np.sqrt(1.0 - x * x)"),
    (np.reciprocal, "dx = -dy * y * y", "dy = -dx * y * y"),
    (np.rad2deg, "dx = dy * (180.0 / np.pi)", "dy = dx * (180.0 / np.pi)"),
    (np.positive, "dx = dy", "dy = dx"),
    (np.subtract, "dx = dz\ndy = -dz", "dz = dx - dy"),
    (np.power, "dx = dz * power_slope(x, y)\ndy = dz * power_log(x, y)",
     "dz = dx * power_slope(x, y) + dy * power_log(x, y)"),
    (np.fmod, "dx1 = dz\ndx2 = -dz * multiple_of(x1, z, x2)",
     "dz = dx1 - dx2 * multiple_of(x1, z, x2)"),
])
def test_elementwise_templates_read_as_written_by_hand(primal, adjoint, tangent):
    rule = registry.lookup(primal)
    assert derived_tangent(rule)
    assert body(rule.adjoint) == adjoint
    assert body(rule.tangent) == tangent


def test_statements_before_the_return_are_shared():
    sp = pytest.importorskip("scipy.special")
    rule = registry.lookup(sp.betainc)
    assert body(rule.adjoint).splitlines()[0] == "d_ab = betainc_dab(a, b, x)"
    assert body(rule.tangent) == ("d_ab = betainc_dab(a, b, x)\n"
                                  "dy = da * d_ab[0] + db * d_ab[1] + dx * betainc_dx(a, b, x)")


def test_parameters_outside_wrt_get_no_derivative():
    sp = pytest.importorskip("scipy.special")
    rule = registry.lookup(sp.polygamma)
    assert body(rule.adjoint) == "dx = dy * sp.polygamma(n + 1, x)"
    assert body(rule.tangent) == "dy = dx * sp.polygamma(n + 1, x)"


def test_user_derivative_statement(scratch_rules):
    def smooth(x, eps):
        return np.sqrt(x * x + eps)

    @srcad.derivative(smooth, kind="elementwise", broadcasting=True)
    def _(y, x, eps):
        return x / y, 0.5 / y

    rule = registry.lookup(smooth)
    assert body(rule.adjoint) == "dx = dy * x / y\ndeps = dy * 0.5 / y"
    assert body(rule.tangent) == "dy = dx * x / y + deps * 0.5 / y"

    def loss(x, eps):
        return np.sum(smooth(x, eps))

    x = np.array([0.5, -1.0, 2.0])
    gx, geps = srcad.grad(loss, wrt=(0, 1))(x, 0.1)
    assert np.allclose(gx, x / np.sqrt(x * x + 0.1))
    assert np.isclose(geps, np.sum(0.5 / np.sqrt(x * x + 0.1)))
    _, tangent = srcad.jvp(loss, (x, 0.1), (np.ones(3), 1.0))
    assert np.isclose(tangent, np.sum(gx) + geps)


# ----------------------------------------------------------------------------- linear


@pytest.mark.parametrize("primal, tangent", [
    (np.sum, "dy = np.sum(dx, axis=axis, keepdims=keepdims)"),  # no out=, no dtype=
    (np.reshape, "dy = np.reshape(da, shape)"),
    (np.fft.fft, "dy = np.fft.fft(da, n=n, axis=axis, norm=norm)"),
    (np.where, "dz = np.where(condition, dx, dy)"),
    (operator.getitem, "dy = operator.getitem(dx, index)"),
    (Attribute("T"), "dy = da.T"),
    (np.dot, "dz = np.dot(da, b) + np.dot(a, db)"),
    (operator.mul, "dz = operator.mul(dx, y) + operator.mul(x, dy)"),
])
def test_linear_tangents_apply_the_primal_to_the_tangents(primal, tangent):
    rule = registry.lookup(primal)
    assert derived_tangent(rule)
    assert body(rule.tangent) == tangent


def test_user_linear_rule(scratch_rules):
    def halves(x, shift):
        return 0.5 * x + shift

    @srcad.adjoint(halves, linear=True, kind="first")
    def _(y, x, shift):
        dx = 0.5 * dy  # noqa: F821
        dshift = np.sum(dy)  # noqa: F821

    # `halves` has no name in this module's globals: the template binds one of its own
    assert body(registry.lookup(halves).tangent) == "dy = _primal_(dx, dshift)"

    def f(x):
        return np.sum(halves(x, 1.0) ** 2)

    x = np.array([1.0, 2.0])
    _, tangent = srcad.jvp(f, (x,), (np.array([1.0, 0.0]),))
    assert np.isclose(tangent, srcad.grad(f)(x)[0])


# ----------------------------------------------------------------------------- twins


def test_method_and_operator_twins_share_the_function_rules():
    assert registry.lookup(Method("sum")).adjoint is registry.lookup(np.sum).adjoint
    assert registry.lookup(Method("sum")).tangent is registry.lookup(np.sum).tangent
    assert registry.lookup(operator.add).tangent is registry.lookup(np.add).tangent
    assert registry.lookup(np.multiply).adjoint is registry.lookup(operator.mul).adjoint


def test_math_twins_read_math_functions():
    rule = registry.lookup(math.sin)
    assert body(rule.adjoint) == "dx = dy * math.cos(x)"
    assert rule.adjoint.globals["math"] is math
    assert rule.adjoint.function is registry.lookup(np.sin).adjoint.function

    def f(x):
        return math.sin(x) * math.exp(x)

    g = srcad.grad(f)(0.3)
    assert type(g) is float  # noqa: E721  (a Python float, not np.float64)
    assert g == math.cos(0.3) * math.exp(0.3) + math.sin(0.3) * math.exp(0.3)
    assert type(srcad.jvp(f, (0.3,), (1.0,))[1]) is float  # noqa: E721


# ----------------------------------------------------------------------------- refusals


def test_wrong_statements_are_refused(scratch_rules):
    def f(x, y):
        return x * y

    with pytest.raises(RuleError, match="returns 1 partial derivatives for 2"):
        @srcad.derivative(f)
        def _(z, x, y):
            return y

    with pytest.raises(RuleError, match="must end with its only 'return'"):
        @srcad.derivative(f)
        def _(z, x, y):
            t = x * y  # noqa: F841

    with pytest.raises(RuleError, match="no plain parameter 'w'"):
        @srcad.derivative(f, wrt=("w",))
        def _(z, x, y):
            return y

    with pytest.raises(RuleError, match="either linear or bilinear"):
        srcad.adjoint(f, linear=True, bilinear=True)

    with pytest.raises(RuleError, match="assigns no d<parameter>"):
        @srcad.adjoint(f, linear=True)
        def _(z, x, y):
            t = dz  # noqa: F821, F841

    with pytest.raises(RuleError, match=r"a primal taking '\*shape'"):
        @srcad.adjoint(Method("never_registered"), linear=True)
        def _(y, a, *shape):
            da = np.reshape(dy, np.shape(a))  # noqa: F821

    with pytest.raises(RuleError, match="no adjoint and tangent rules to share"):
        registry.share_rules(f, Method("never_registered"))

    with pytest.raises(RuleError, match="'np.sign'"):
        registry.share_rules(np.abs, f, names={"np": math})  # math has no sign
