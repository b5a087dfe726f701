"""The compiler as lists of named passes (`runner.py` runs them).

Three lists, each run on its own kind of unit (`unit.py`):

- `SOURCE_PASSES`, once per user function a compilation needs: source to IR;
- `DERIVATIVE_PASSES`, once per generated function (or forward/backward pair): the
  primal IR to the derivative's optimized IR. Transforming a call to a user function
  runs these passes for the callee too, and `grad(grad(f))` runs them on the IR
  they built for `grad(f)`;
- `MODULE_PASSES`, once per compilation: the generated functions to Python.
"""

from __future__ import annotations

import operator
import types
from typing import Any

import numpy as np

from srcad.analysis.inference import Kinds, activity, is_user_function
from srcad.analysis.keywords import check_keywords
from srcad.analysis.sequences import has_sequences, make_sequences_explicit
from srcad.codegen.emit import build_module
from srcad.errors import UnsupportedSyntaxError
from srcad.frontend.source import parse_function
from srcad.ir.kinds import SCALAR
from srcad.ir.nodes import Call, Function, walk
from srcad.ir.verify import verify
from srcad.lower.lowering import lower_function
from srcad.optimize.optimizer import optimize
from srcad.optimize.specialize import specialize
from srcad.pipeline.assemble import ASSEMBLERS
from srcad.pipeline.runner import Pass
from srcad.pipeline.seeds import reverse_seed
from srcad.pipeline.unit import (
    DerivativeUnit,
    Derived,
    ModuleUnit,
    SourceUnit,
    TangentSweep,
    pad_kinds,
)
from srcad.transforms.checkpoint import segment_loops
from srcad.transforms.forward import ForwardTransform
from srcad.transforms.inline import inline_user_calls
from srcad.transforms.reverse import ReverseTransform

# ----------------------------------------------------------------------------- source


def parse(unit: SourceUnit) -> None:
    unit.parsed = parse_function(unit.fn)


def lower(unit: SourceUnit) -> None:
    assert unit.parsed is not None
    unit.ir = lower_function(unit.parsed, unit.tree_spec, unit.shapes, unit.output)


def optimize_source(unit: SourceUnit) -> None:
    assert unit.ir is not None
    optimize(unit.ir)


def verify_source(unit: SourceUnit) -> None:
    assert unit.ir is not None
    verify(unit.ir)


SOURCE_PASSES: tuple[Pass[SourceUnit], ...] = (
    Pass("parse", "read the function's source and parse it; free names are resolved "
         "later, while lowering", parse),
    Pass("lower", "rewrite early exits into flags, then lower the AST to SSA IR, one "
         "primitive per statement", lower),
    Pass("optimize", "fold constants, simplify, share common subexpressions, drop dead "
         "code", optimize_source),
    Pass("verify", "check single assignment and scoping", verify_source),
)


# ----------------------------------------------------------------------------- derivatives


def primal(unit: DerivativeUnit) -> None:
    spec = unit.spec.inner if unit.mode == "gradient" else unit.spec
    if isinstance(spec, Derived):
        unit.primal = unit.services.derived_ir(spec, unit.arg_kinds)
    else:
        unit.primal = unit.services.lower(spec)


def differentiates_user_code_twice(unit: DerivativeUnit) -> bool:
    return unit.mode == "gradient" and not isinstance(unit.spec.inner, Derived)


def inline(unit: DerivativeUnit) -> None:
    assert unit.primal is not None
    services = unit.services

    def kinds_of(fn: Function, param_kinds: list) -> Kinds:
        return Kinds(fn, pad_kinds(fn, param_kinds), services.callee_kind)

    unit.primal = inline_user_calls(unit.primal, services.callee_ir, is_user_function,
                                    kinds_of, unit.param_kinds(), (unit.spec.inner,))


def infer_kinds(unit: DerivativeUnit) -> None:
    assert unit.primal is not None
    unit.kinds = Kinds(unit.primal, unit.param_kinds(), unit.services.callee_kind)


def find_activity(unit: DerivativeUnit) -> None:
    assert unit.primal is not None
    unit.varied, unit.useful = activity(unit.primal, [unit.primal.params[i] for i in unit.wrt])


def make_sequences(unit: DerivativeUnit) -> None:
    assert unit.primal is not None and unit.kinds is not None
    for _ in range(4):  # a rewrite can reveal more lists (xs + ys is a list)
        if not (has_sequences(unit.kinds) and
                make_sequences_explicit(unit.primal, unit.kinds, unit.varied)):
            break
        infer_kinds(unit)
        find_activity(unit)


def checkpoint(unit: DerivativeUnit) -> None:
    """Split the checkpointed loops into segments (transforms/checkpoint.py); kinds and
    activity again for the values it made. Part of the `reverse` pass."""
    assert unit.primal is not None and unit.checkpoint is not None
    spec = unit.spec.inner if unit.mode == "gradient" else unit.spec
    if isinstance(spec, Derived):
        raise UnsupportedSyntaxError(
            "checkpoint= applies to the loops of your own function, not to the loops of a "
            "gradient srcad generated", hint="pass checkpoint= to the innermost srcad.grad "
            "(srcad.grad(srcad.grad(f, checkpoint=True)))",
            function=getattr(spec.base, "__name__", None))
    services = unit.services

    def callee_ir(fn: Any) -> Function | None:
        """A user helper's IR, for `check_replayable` (None where it has no source)."""
        return services.lower(fn) if isinstance(fn, types.FunctionType) else None

    unit.primal, unit.segments = segment_loops(unit.primal, unit.checkpoint,
                                               unit.varied & unit.useful, callee_ir)
    if unit.segments:
        infer_kinds(unit)
        find_activity(unit)


def reverse(unit: DerivativeUnit) -> None:
    if unit.checkpoint is not None:
        checkpoint(unit)
    assert unit.primal is not None and unit.kinds is not None
    unit.seed = reverse_seed(unit)
    check_keywords(unit.primal.body, unit.kinds, unit.varied, "adjoint", unit.useful)
    transform = ReverseTransform(unit.primal, list(unit.wrt), unit.kinds, unit.varied,
                                 unit.useful, unit.services.subroutine, unit.segments)
    unit.sweeps = transform.run(unit.seed)


def forward(unit: DerivativeUnit) -> None:
    assert unit.primal is not None and unit.kinds is not None
    check_keywords(unit.primal.body, unit.kinds, unit.varied, "tangent", unit.useful)
    transform = ForwardTransform(unit.primal, list(unit.wrt), unit.kinds, unit.varied,
                                 unit.useful, unit.services.jvp_subroutine, is_user_function)
    unit.tangents = TangentSweep(*transform.run())


def assemble(unit: DerivativeUnit) -> None:
    unit.functions = ASSEMBLERS[unit.mode](unit)
    if unit.kinds is not None and unit.primal is not None:
        # (not the results of `**`: a negative float to a fractional power is complex)
        powers = {s.target for s in walk(unit.primal.body)
                  if isinstance(s, Call) and s.fn in (operator.pow, np.power)}
        scalars = {v for v, kind in unit.kinds.kinds.items()
                   if kind == SCALAR and v not in powers}
        for fn in unit.functions:
            fn.scalars = scalars


def optimize_generated(unit: DerivativeUnit) -> None:
    for fn in unit.functions:
        optimize(fn)


def specialize_generated(unit: DerivativeUnit) -> None:
    assert unit.arg_shapes is not None
    for fn in unit.functions:
        shapes = list(unit.arg_shapes)[: len(fn.params)]
        specialize(fn, shapes + [None] * (len(fn.params) - len(shapes)))


def verify_generated(unit: DerivativeUnit) -> None:
    for fn in unit.functions:
        verify(fn)


DERIVATIVE_PASSES: tuple[Pass[DerivativeUnit], ...] = (
    Pass("primal", "the IR to differentiate: the lowered user function, or the gradient "
         "function these passes built for srcad.grad(f)", primal),
    Pass("inline", "inline user helpers into a function that will be differentiated "
         "twice", inline, differentiates_user_code_twice),
    Pass("kinds", "infer each value's kind (scalar, array of rank n, tuple, list, "
         "complex) from the arguments'", infer_kinds),
    Pass("activity", "find the values that depend on a differentiated input and reach "
         "the result", find_activity),
    Pass("sequences", "make explicit where a differentiated list or tuple meets NumPy or "
         "list arithmetic; kinds and activity again", make_sequences),
    Pass("reverse", "build the forward and reverse sweeps from the adjoint templates "
         "(checkpointed loops split into segments first)",
         reverse, lambda unit: unit.mode != "jvp"),
    Pass("forward", "build the tangent sweep from the tangent templates", forward,
         lambda unit: unit.mode == "jvp"),
    Pass("assemble", "wrap the sweeps into the generated function(s): value and "
         "gradients, a forward/backward pair, the gradient alone, or value and tangent",
         assemble),
    Pass("optimize", "fold constants, simplify, share common subexpressions, drop dead "
         "code", optimize_generated),
    Pass("specialize", "replace the generic adjoint helpers by plain NumPy for the "
         "arguments' shapes, then optimize again", specialize_generated,
         lambda unit: unit.arg_shapes is not None),
    Pass("verify", "check single assignment and scoping", verify_generated),
)


# ----------------------------------------------------------------------------- module


def codegen(unit: ModuleUnit) -> None:
    unit.module = build_module(unit.title, unit.functions, unit.header, unit.check_finite)


MODULE_PASSES: tuple[Pass[ModuleUnit], ...] = (
    Pass("codegen", "name values, render the IR as Python source and compile it as one "
         "module", codegen),
)
