"""What a function carries through the compiler's passes (`passes.py`).

A unit is the state of one piece of work: a user function on its way to IR
(`SourceUnit`), a generated function on its way from the primal IR to optimized IR
(`DerivativeUnit`), or the generated functions on their way to Python
(`ModuleUnit`). Each pass fills in the next part of its unit. A unit can also show
its current IR (for `SRCAD_DUMP_IR`) and say what the verifier should check.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from srcad.analysis.inference import Kinds
from srcad.codegen.emit import Module
from srcad.frontend.source import ParsedFunction
from srcad.ir.kinds import NUMERIC
from srcad.ir.nodes import Block, Call, Comment, Function, Operand, Var
from srcad.optimize.optimizer import GeneratedRef
from srcad.transforms.reverse import ReverseResult, Subroutine


@dataclass(frozen=True)
class Derived:
    """A function made by srcad, as something to transform again.

    `kind` is "grad": the gradient(s) of `inner` with respect to `wrt` (a single
    gradient when `single`).
    """

    kind: str
    inner: Any  # a Python function or another Derived
    wrt: tuple
    single: bool = True
    checkpoint: int | str | tuple | None = None  # checkpointed loops (transforms/checkpoint.py)

    @property
    def base(self) -> Any:
        """The user's function at the bottom of the chain of derivatives."""
        inner = self.inner
        while isinstance(inner, Derived):
            inner = inner.inner
        return inner


class Services(Protocol):
    """What passes ask of the compilation they run in (`compiler.Compilation`)."""

    def lower(self, fn: types.FunctionType) -> Function:
        """The optimized IR of a user function (lowered once per compilation)."""
        ...

    def callee_ir(self, fn: Any, arg_kinds: list | tuple) -> Function:
        """The IR of a called user function (or of `srcad.grad(f)`) for these kinds."""
        ...

    def derived_ir(self, spec: Derived, kinds: tuple) -> Function:
        """The IR of a function srcad made, to be transformed again."""
        ...

    def callee_kind(self, fn: Any, stmt: Call, arg_kinds: list) -> Any:
        """The result kind of a call to a user function."""
        ...

    def subroutine(self, fn: Any, stmt: Call, arg_kinds: list,
                   positions: list) -> Subroutine:
        """The forward/backward pair of a user function called by the one transformed."""
        ...

    def jvp_subroutine(self, fn: Any, stmt: Call, arg_kinds: list,
                       positions: list) -> GeneratedRef:
        """The tangent function of a user function called by the one transformed."""
        ...


def pad_kinds(fn: Function, kinds: tuple | list) -> list:
    """`kinds` for the parameters of `fn`: cut to their number, NUMERIC where missing."""
    padded = list(kinds)[: len(fn.params)]
    return padded + [NUMERIC] * (len(fn.params) - len(padded))


@dataclass
class SourceUnit:
    """A user function on its way to IR."""

    fn: types.FunctionType
    tree_spec: tuple | None = None  # per parameter: a TreeKind for structured arguments
    shapes: tuple | None = None  # per parameter: the shape specialized on, or None
    output: Any = None  # lowering.OutputTree: flatten a structured output, record it
    parsed: ParsedFunction | None = None
    ir: Function | None = None

    @property
    def title(self) -> str:
        return self.fn.__name__

    def listing(self) -> str:
        if self.ir is not None:
            return str(self.ir)
        if self.parsed is not None:
            return ast.unparse(self.parsed.node)
        return "(nothing yet)"

    def checked(self) -> list[tuple[Function, Mapping | None]]:
        return [(self.ir, None)] if self.ir is not None else []


@dataclass
class TangentSweep:
    """What the forward transform builds: the body computing values and tangents."""

    body: Block
    tangent_params: list[Var]
    value: Operand
    tangent: Operand


@dataclass
class DerivativeUnit:
    """A function srcad generates, from the primal IR to optimized IR.

    `mode` says what is generated: "joint" (value and gradients in one function),
    "grad" (the gradients alone, as a tuple: what `srcad.grad(f)` calls), "split" (a
    forward function and a backward function), "gradient" (a function returning the
    gradient(s) only, shaped like their parameters: the IR of `srcad.grad(f)` when it is
    transformed again) or "jvp" (value and tangent). `names` are the generated functions' names.
    """

    services: Services
    mode: str
    spec: Any  # a Python function or a Derived
    wrt: tuple
    arg_kinds: tuple
    names: tuple[str, ...]
    arg_shapes: tuple | None = None  # the arguments' shapes the code is specialized on
    # checkpointed loops: their segment length, or "sqrt" (transforms/checkpoint.py)
    checkpoint: int | str | tuple | None = None
    primal: Function | None = None
    kinds: Kinds | None = None
    varied: set = field(default_factory=set)
    useful: set = field(default_factory=set)
    seed: Operand | None = None  # the output adjoint the reverse sweep starts from
    segments: frozenset = frozenset()  # ids of the segment loops of checkpointed loops
    sweeps: ReverseResult | None = None
    tangents: TangentSweep | None = None
    functions: list[Function] = field(default_factory=list)

    @property
    def title(self) -> str:
        return " + ".join(self.names)

    def param_kinds(self) -> list:
        """The argument kinds, one per parameter of the primal."""
        assert self.primal is not None
        return pad_kinds(self.primal, self.arg_kinds)

    def current(self) -> list[Function]:
        """The IR as it stands: the generated functions, else the sweeps, else the
        primal. Sweeps are shown as one function (they share one scope)."""
        if self.functions:
            return self.functions
        if self.sweeps is not None and self.primal is not None:
            r = self.sweeps
            seed = [self.seed] if isinstance(self.seed, Var) else []
            body = Block(r.forward.stmts + [Comment("reverse sweep")] + r.reverse.stmts)
            return [Function(f"{self.names[0]} (sweeps)", list(self.primal.params) + seed,
                             body, self.primal.loc)]
        if self.tangents is not None and self.primal is not None:
            t = self.tangents
            return [Function(f"{self.names[0]} (tangent sweep)",
                             list(self.primal.params) + t.tangent_params, t.body,
                             self.primal.loc)]
        return [self.primal] if self.primal is not None else []

    def _analyzed_primal(self) -> Function | None:
        """The primal, while its kinds describe the IR (until a transform runs)."""
        transformed = self.sweeps is not None or self.tangents is not None or self.functions
        if self.kinds is None or transformed:
            return None
        return self.primal

    def listing(self) -> str:
        text = "\n\n".join(map(str, self.current())) or "(nothing yet)"
        if self.kinds is None or self._analyzed_primal() is None:
            return text
        active = self.varied & self.useful
        kinds = [f"  {v!r}: {kind}" + (" (active)" if v in active else "")
                 for v, kind in sorted(self.kinds.kinds.items(), key=lambda item: item[0].id)]
        return "\n".join([text, "kinds:"] + kinds)

    def checked(self) -> list[tuple[Function, Mapping | None]]:
        """The functions to verify, with their kinds while the primal is analyzed."""
        primal = self._analyzed_primal()
        if primal is not None and self.kinds is not None:
            return [(primal, self.kinds.kinds)]
        return [(fn, None) for fn in self.current()]


@dataclass
class ModuleUnit:
    """The generated functions of one compilation, on their way to Python."""

    title: str
    header: str
    functions: list[Function]
    module: Module | None = None
    check_finite: bool = False  # every value checked for NaN and Inf (docs/nan.md)

    def listing(self) -> str:
        return self.module.source if self.module is not None else "(nothing yet)"

    def checked(self) -> list[tuple[Function, Mapping | None]]:
        return [(fn, None) for fn in self.functions]
