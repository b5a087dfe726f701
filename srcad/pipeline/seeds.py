"""The output adjoint a reverse sweep starts from (its seed), and the outputs a gradient
refuses before anything runs.

A gradient (`grad`, `value_and_grad`, `hessian`, `hvp`, `grad` of `grad`) needs a real
scalar output. What the kinds already show is refused while transforming: a tuple or
list, a complex value, a comparison, a constant that is not a number. A real scalar is
seeded with the constant 1.0; any other output (an array, a value of unknown kind) is
checked by `output_seed` in the generated code, after the forward sweep and before
the reverse sweep: it accepts an array of one element (seeded with ones, as autograd
does) and raises `NotScalarOutput` for anything else.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from srcad.errors import BadArgumentError
from srcad.ir.kinds import COMPLEX, COMPLEX_SCALAR, SCALAR, ListKind, TupleKind, is_complex
from srcad.ir.nodes import Call, Const, Function, If, Operand, Phi, Return, Var, walk
from srcad.pipeline.unit import DerivativeUnit
from srcad.rules import registry
from srcad.rules.complex_values import complex_rule
from srcad.runtime.outputs import is_real_scalar

_BOOLEAN = (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
            operator.not_, operator.contains, operator.is_, operator.is_not, bool,
            isinstance, callable, np.isnan, np.isinf, np.isfinite, np.all, np.any,
            np.allclose, np.array_equal, np.greater, np.greater_equal, np.less,
            np.less_equal, np.equal, np.not_equal, np.logical_and, np.logical_or,
            np.logical_not, np.logical_xor)  # functions whose result is a bool

_WHAT_TO_DO = ("return one real scalar (reduce an array with np.sum or np.mean, take "
               "np.abs(z) ** 2 or z.real of a complex value); for other outputs use "
               "srcad.vjp or srcad.jacobian")


def reverse_seed(unit: DerivativeUnit) -> Operand:
    """The output adjoint a reverse sweep starts from: for a forward/backward pair, the
    backward function's parameter; for a gradient, 1.0 where the output is known to be
    a real scalar, else the value `output_seed` gives at run time."""
    if unit.mode == "split":
        return Var("bresult", keep=True)
    assert unit.primal is not None and unit.kinds is not None
    ret = unit.primal.body.stmts[-1]
    assert isinstance(ret, Return)
    kind = unit.kinds.of(ret.value)
    refusal = _refused_output(unit.primal, ret.value, kind)
    if refusal is not None:
        if is_complex(kind):
            _refuse_calls_without_complex_rules(unit)
        name = unit.primal.name
        raise BadArgumentError(f"a gradient needs a real scalar output, but '{name}' "
                               f"returns {refusal}", ret.loc, _WHAT_TO_DO, function=name)
    if kind == SCALAR and not _is_boolean(unit.primal, ret.value, surely=False):
        return Const(1.0)
    return Var("bresult", keep=True)  # checked by `output_seed` when the code runs


def _refuse_calls_without_complex_rules(unit: DerivativeUnit) -> None:
    """A complex output kind may come from a call whose rule refuses complex values (its
    output kind follows its inputs': `np.linalg.norm` of a complex argument): where such
    a call is differentiated, its refusal is the one to report."""
    assert unit.primal is not None and unit.kinds is not None
    kinds = unit.kinds
    active = unit.varied & unit.useful
    for stmt in walk(unit.primal.body):
        if not isinstance(stmt, Call) or stmt.target not in active:
            continue
        rule = registry.lookup(stmt.fn)
        if rule is None or rule.complex is not None:
            continue
        operands = [*stmt.args, *stmt.kwargs.values()]
        if any(is_complex(kinds.of(op)) for op in operands):
            complex_rule(rule, True, "adjoint", stmt)  # raises its NoDerivativeError


def _refused_output(fn: Function, value: Operand, kind: Any) -> str | None:
    """What the output is, when its kind alone shows that a gradient cannot start from it."""
    if isinstance(kind, TupleKind):
        count = len(kind.items)
        return f"a tuple or list of {count} item{'' if count == 1 else 's'}"
    if isinstance(kind, ListKind):
        return "a list"
    if kind in (COMPLEX, COMPLEX_SCALAR) or is_complex(kind):
        return "a complex value"
    if isinstance(value, Const):
        if not is_real_scalar(value.value) and not isinstance(value.value, np.ndarray):
            return f"the constant {value.value!r} (a {type(value.value).__name__})"
        return None
    if _is_boolean(fn, value):
        return "a bool (the result of a comparison or test)"
    return None


def _is_boolean(fn: Function, value: Operand, surely: bool = True) -> bool:
    """Whether `value` is surely a bool: a comparison or test, a bool constant, or a
    branch's merge of such values (`if ...: return a < b` / `return c > d`); with
    `surely=False`, whether it may be one (one side of a merge is)."""
    defined: dict[Var, Any] = {}
    for stmt in walk(fn.body):
        if isinstance(stmt, Call) and stmt.target is not None:
            defined[stmt.target] = stmt
        elif isinstance(stmt, If):
            for phi in stmt.outputs:
                defined[phi.target] = phi
    seen: set[int] = set()

    def boolean(op: Operand) -> bool:
        if isinstance(op, Const):
            return isinstance(op.value, (bool, np.bool_))
        if id(op) in seen:
            return surely  # a merge through itself: decided by its other sides
        seen.add(id(op))
        stmt = defined.get(op)
        if isinstance(stmt, Phi):
            sides = (boolean(stmt.then), boolean(stmt.orelse))
            return all(sides) if surely else any(sides)
        return isinstance(stmt, Call) and any(stmt.fn is f for f in _BOOLEAN)

    return boolean(value)
