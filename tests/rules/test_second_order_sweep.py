"""Second order over the registry: for every differentiable NumPy / SciPy / math rule with
call cases (the registry sweep's), the Hessian-vector product through a call of it agrees
with central differences of srcad's own gradient.

The loss is a fixed weighting of the call's output(s) plus a small square (so that a
linear function still has a second derivative to get wrong), differentiated with respect
to its first float or float-array argument. Rules whose second derivative srcad refuses
are listed
in `REFUSED_AT_SECOND_ORDER` with the reason; any other refusal, and any disagreement,
fails. srcad's own runtime helpers are covered through the rules that call them.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest
from gradcheck import module_from_source

import srcad
from srcad.rules import registry
from srcad.rules.registry import Attribute, Method

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
import test_registry_sweep as sweep  # noqa: E402  (the registry sweep's call cases)

# rule id -> why its second derivative is refused (a located NoDerivativeError or
# UnsupportedSyntaxError, never a silent value)
REFUSED_AT_SECOND_ORDER = {
    "numpy.gammainc": "the derivative in the shape parameter has no closed form",
    "numpy.gammaincc": "as numpy.gammainc",
    "numpy.betainc": "the derivatives in a and b have no closed form",
    "numpy.betaincc": "as numpy.betainc",
}


def _differentiable_rules():
    rules = []
    for rule in registry.all_rules():
        if rule.nondifferentiable or rule.adjoint is None:
            continue
        if sweep.rule_id(rule).startswith("srcad."):
            continue
        rules.append(rule)
    return rules


RULES = _differentiable_rules()


def _loss_case(rule):
    """(case, position of the differentiated argument, outputs) for the rule's first
    sweep case with a float or float-array argument, or None."""
    try:
        cases = sweep.diff_cases(rule)
    except Exception:  # noqa: BLE001  (a rule whose cases need the full sweep machinery)
        return None
    for case in cases[:2]:
        positions = [i for i, a in enumerate(case.args)
                     if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size or
                     type(a) is float]
        if not positions:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = sweep.call_primal(rule.primal, case.args, case.kwargs)
        except Exception:  # noqa: BLE001
            continue
        outs = out if isinstance(out, tuple) else (out,)
        if all(isinstance(o, (np.ndarray, float, np.floating)) for o in outs):
            return case, positions[0], outs, isinstance(out, tuple)
    return None


def _loss_module(rule, case, position, outs, is_tuple, directory):
    names = [f"A{i}" for i in range(len(case.args))]
    args = ["x" if i == position else names[i] for i in range(len(case.args))]
    keywords = [f"{k}=K_{k}" for k in case.kwargs]
    if isinstance(rule.primal, Method):
        call = f"{args[0]}.{rule.primal.name}({', '.join(args[1:] + keywords)})"
    elif isinstance(rule.primal, Attribute):
        call = f"{args[0]}.{rule.primal.name}"
    else:
        call = f"PRIMAL({', '.join(args + keywords)})"
    if is_tuple:
        terms = " + ".join(f"np.sum(np.real(out[{j}]) * C{j})" for j in range(len(outs)))
    else:
        terms = "np.sum(np.real(out) * C0) + 0.1 * np.sum(np.real(out) ** 2)"
    source = f"import numpy as np\n\n\ndef loss(x):\n    out = {call}\n    return {terms}\n"
    namespace = {"PRIMAL": rule.primal, **dict(zip(names, case.args)),
                 **{f"K_{key}": value for key, value in case.kwargs.items()}}
    module = module_from_source(source, directory,
                                f"second_order_{abs(hash(sweep.rule_id(rule)))}", **namespace)
    rng = np.random.default_rng(sweep.seed_for(sweep.rule_id(rule), "second order"))
    for j, o in enumerate(outs):
        setattr(module, f"C{j}", rng.standard_normal(np.shape(o)))
    return module.loss, rng


@pytest.mark.parametrize("rule", RULES, ids=[sweep.rule_id(r) for r in RULES])
def test_hvp_agrees_with_differences_of_the_gradient(rule, tmp_path):
    found = _loss_case(rule)
    if found is None:
        pytest.skip("no call case with a float argument (covered at first order by the "
                    "registry sweep)")
    case, position, outs, is_tuple = found
    loss, rng = _loss_module(rule, case, position, outs, is_tuple, str(tmp_path))
    x0 = case.args[position]
    v = rng.standard_normal(np.shape(x0))
    if type(x0) is float:
        v = float(v)
    rid = sweep.rule_id(rule)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grad = srcad.grad(loss)
            hv = srcad.hvp(loss)(np.copy(x0) if type(x0) is not float else x0, v)
            h = 1e-5
            expected = (grad(x0 + h * v) - grad(x0 - h * v)) / (2 * h)
    except srcad.SrcadError as exc:
        assert rid in REFUSED_AT_SECOND_ORDER, f"{rid}: refused at second order: {exc}"
        return
    assert rid not in REFUSED_AT_SECOND_ORDER, f"{rid} now has second derivatives: " \
        "remove it from REFUSED_AT_SECOND_ORDER"
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(hv, expected, rtol=1e-4, atol=1e-5 * scale,
                               err_msg=f"{rid}: hvp disagrees with differences of the gradient")
