"""Runs the compiler's passes (`passes.py`) for one request: a gradient, a
forward/backward pair or a tangent function, and everything it needs.

One `Compilation` produces one generated module: the requested function and a
forward/backward pair (or tangent function) for every user subroutine it calls,
recursively. It answers the passes' questions (`unit.Services`): the IR of a user
function (lowered once), the kind of a call's result, and the generated functions of
a callee, which it builds by running the passes again.
"""

from __future__ import annotations

import inspect
import types
from typing import Any

from srcad.analysis.inference import Kinds, derived_function
from srcad.codegen.emit import Module
from srcad.errors import BadArgumentError
from srcad.ir.kinds import NUMERIC
from srcad.ir.nodes import Call, Function
from srcad.lower.lowering import OutputTree
from srcad.lower.pytree import TreeKind, leaves_of
from srcad.optimize.optimizer import GeneratedRef
from srcad.pipeline.passes import DERIVATIVE_PASSES, MODULE_PASSES, SOURCE_PASSES
from srcad.pipeline.runner import run_passes
from srcad.pipeline.unit import DerivativeUnit, Derived, ModuleUnit, SourceUnit, pad_kinds
from srcad.transforms.reverse import Subroutine


class Compilation:
    """The state of one transformation request (shared by its subroutines)."""

    def __init__(self, check_finite: bool = False) -> None:
        self.check_finite = check_finite  # checks for NaN and Inf in the generated code
        self.functions: list[Function] = []  # generated for subroutines, in order
        self.lowered: dict = {}  # user function (or ("ir", Derived, kinds)) -> its IR
        self.pairs: dict = {}  # (callee, positions, kinds) -> its generated functions
        self.kind_cache: dict = {}
        self.used_names: set = set()
        self.captured: list = []
        self._captured_keys: set = set()
        self.tree_specs: dict = {}  # function -> per-parameter kinds with TreeKinds
        self.arg_shapes: dict = {}  # the differentiated function -> its arguments' shapes
        # the function whose structured output (a dict, an object) is returned as the
        # tuple of its leaves, and that output's layout (the API rebuilds it)
        self.flat_output: Any = None
        self.output_tree = OutputTree()

    def unique(self, name: str) -> str:
        """`name`, or `name2`, `name3`, ...: a name no other generated function has."""
        base, n = name, 1
        while name in self.used_names:
            n += 1
            name = f"{base}{n}"
        self.used_names.add(name)
        return name

    def derive(self, mode: str, spec: Any, wrt: tuple | list, kinds: tuple | list,
               names: tuple[str, ...], shapes: tuple | None = None,
               checkpoint: int | str | tuple | None = None) -> list[Function]:
        """The generated function(s) of one request (see `unit.DerivativeUnit`); with
        `checkpoint`, the loops of the function itself are checkpointed (not those of
        the subroutines it calls)."""
        unit = DerivativeUnit(self, mode, spec, tuple(wrt), tuple(kinds), names, shapes,
                              checkpoint)
        return run_passes(DERIVATIVE_PASSES, unit).functions

    def generate(self, title: str, top: list[Function], header: str) -> Module:
        """The module of `top` and every function generated for subroutines."""
        unit = run_passes(MODULE_PASSES, ModuleUnit(title, header, top + self.functions,
                                                    check_finite=self.check_finite))
        assert unit.module is not None
        return unit.module

    # -- the services passes ask for (unit.Services)
    def lower(self, fn: types.FunctionType) -> Function:
        if fn not in self.lowered:
            output = self.output_tree if fn is self.flat_output else None
            unit = run_passes(SOURCE_PASSES, SourceUnit(fn, self.tree_specs.get(fn),
                                                        self.arg_shapes.get(fn), output))
            assert unit.parsed is not None
            for item in unit.parsed.captured:
                key = (id(item[0]), item[1])
                if key not in self._captured_keys:
                    self._captured_keys.add(key)
                    self.captured.append(item)
            self.lowered[fn] = unit.ir
        return self.lowered[fn]

    def derived_ir(self, spec: Derived, kinds: tuple) -> Function:
        key = ("ir", spec, tuple(kinds))
        if key not in self.lowered:
            name = f"grad_{_stem(spec.base)}"
            self.lowered[key] = self.derive("gradient", spec, spec.wrt, kinds, (name,),
                                            checkpoint=spec.checkpoint)[0]
        return self.lowered[key]

    def callee_ir(self, fn: Any, arg_kinds: list | tuple) -> Function:
        """The IR of a called user function, or of a function srcad made
        (`srcad.grad(f)`, `derived_function`), for these argument kinds."""
        if derived_function(fn):
            return self.derived_ir(fn.__srcad_spec__, tuple(arg_kinds))
        return self.lower(fn)

    def callee_kind(self, fn: Any, stmt: Call | None, arg_kinds: list) -> Any:
        key = (fn, tuple(arg_kinds))
        if key not in self.kind_cache:
            self.kind_cache[key] = NUMERIC  # while in progress (recursion)
            ir = self.callee_ir(fn, arg_kinds)
            self.kind_cache[key] = Kinds(ir, pad_kinds(ir, arg_kinds), self.callee_kind).result
        return self.kind_cache[key]

    def subroutine(self, fn: Any, stmt: Call, arg_kinds: list, positions: list) -> Subroutine:
        ir = self.callee_ir(fn, arg_kinds)
        if len(stmt.args) != len(ir.params):
            raise BadArgumentError(
                f"'{fn.__name__}' takes {len(ir.params)} arguments but this call passes "
                f"{len(stmt.args)}", stmt.loc, "pass every argument by position")
        key = (fn, tuple(positions), tuple(arg_kinds))
        if key not in self.pairs:
            self.pairs[key] = self._pair(fn, stmt, positions, arg_kinds)
            names = (self.pairs[key].fwd.name, self.pairs[key].bwd.name)
            self.functions.extend(self.derive("split", _spec(fn), positions, arg_kinds, names))
        return self.pairs[key]

    def _pair(self, fn: Any, stmt: Call | None, positions: list | tuple,
              arg_kinds: list | tuple) -> Subroutine:
        """The names and result kind of a forward/backward pair, before it is built
        (so that a recursive call finds it)."""
        fwd = GeneratedRef(self.unique(f"{_stem(fn)}_fwd"), 2)
        bwd = GeneratedRef(self.unique(f"{_stem(fn)}_bwd"), len(positions))
        return Subroutine(fwd, bwd, list(positions),
                          self.callee_kind(fn, stmt, list(arg_kinds)))

    def jvp_subroutine(self, fn: Any, stmt: Call, arg_kinds: list,
                       positions: list) -> GeneratedRef:
        key = ("jvp", fn, tuple(positions), tuple(arg_kinds))
        if key not in self.pairs:
            ref = GeneratedRef(self.unique(f"{_stem(fn)}_jvp"), 2)
            self.pairs[key] = ref
            self.functions.extend(self.derive("jvp", _spec(fn), positions, arg_kinds,
                                              (ref.name,)))
        return self.pairs[key]


# ----------------------------------------------------------------------------- requests


def compile_joint(fn: Any, wrt: tuple, kinds: tuple, shapes: tuple | None = None,
                  with_value: bool = True, check_finite: bool = False,
                  checkpoint: int | str | tuple | None = None) -> tuple[Module, list]:
    """The module computing the value and gradients of `fn` (a function or a Derived),
    specialized on the arguments' `shapes` when given (optimize/specialize.py); without
    the value (its function returns the gradients' tuple) when not `with_value`; with
    every value checked for NaN and Inf with `check_finite` (docs/nan.md); with `fn`'s
    loops checkpointed with `checkpoint` (docs/checkpointing.md)."""
    comp = Compilation(check_finite)
    flat = _with_trees(comp, fn, wrt, kinds)
    if flat != (fn, wrt, kinds):
        shapes = None  # structured arguments: their leaves' shapes are not keyed
    fn, wrt, kinds = flat
    base = fn.base if isinstance(fn, Derived) else fn
    if shapes is not None and not isinstance(fn, Derived):
        comp.arg_shapes[fn] = shapes
    order = derivative_order(fn)
    stem = "value_and_grad" if with_value else "grad"
    name = f"{_stem(base)}_{stem}" if order == 1 else f"{_stem(base)}_{stem}{order}"
    top = comp.derive("joint" if with_value else "grad", fn, wrt, kinds,
                      (comp.unique(name),), shapes, checkpoint)
    what = ("value and gradient" if with_value else "gradient") if order == 1 else \
        f"derivative of order {order}"
    header = (f"Generated by srcad: {what} of '{base.__qualname__}' "
              f"({_where(base)})\nwith respect to {_wrt_names(base, wrt, comp)}.")
    if shapes is not None and any(s for s in shapes):
        header += "\nSpecialized for the shapes " + _shapes_text(base, shapes, comp) + "."
    return comp.generate(f"grad of {base.__name__}", top, header), comp.captured


def compile_jvp(spec: Any, wrt: tuple, kinds: tuple,
                check_finite: bool = False) -> tuple[Module, list]:
    """The module computing the value and tangent of `spec` (a function or a Derived)."""
    comp = Compilation(check_finite)
    spec, wrt, kinds = _with_trees(comp, spec, wrt, kinds)
    if not isinstance(spec, Derived):
        comp.flat_output = spec
    base = spec.base if isinstance(spec, Derived) else spec
    name = comp.unique(f"{_stem(base)}_jvp" if not isinstance(spec, Derived)
                       else f"grad_{_stem(base)}_jvp")
    top = comp.derive("jvp", spec, wrt, kinds, (name,))
    what = "forward-mode derivative (tangent)" if not isinstance(spec, Derived) else \
        "derivative of the gradient (forward over reverse)"
    header = (f"Generated by srcad: {what} of '{base.__qualname__}' ({_where(base)})\n"
              f"with respect to {_wrt_names(base, wrt, comp)}.")
    return _with_output(comp, comp.generate(f"jvp of {base.__name__}", top, header)), \
        comp.captured


def compile_split(fn: Any, wrt: tuple, kinds: tuple, check_finite: bool = False,
                  checkpoint: int | str | tuple | None = None) -> tuple[Module, list]:
    """The module of `fn`'s forward function (value, saved) and backward function
    (`fn`'s loops checkpointed with `checkpoint`: docs/checkpointing.md)."""
    comp = Compilation(check_finite)
    fn, wrt, kinds = _with_trees(comp, fn, wrt, kinds)
    if not isinstance(fn, Derived):
        comp.flat_output = fn
    pair = comp._pair(fn, None, wrt, kinds)
    comp.pairs[(fn, tuple(wrt), tuple(kinds))] = pair  # a recursive call uses it
    top = comp.derive("split", fn, wrt, kinds, (pair.fwd.name, pair.bwd.name),
                      checkpoint=checkpoint)
    header = (f"Generated by srcad: forward and backward sweeps of '{fn.__qualname__}' "
              f"({_where(fn)})\nwith respect to {_wrt_names(fn, wrt, comp)}.")
    return _with_output(comp, comp.generate(f"vjp of {fn.__name__}", top, header)), \
        comp.captured


def _with_output(comp: Compilation, module: Module) -> Module:
    """`module`, with `output_tree`: the layout of a structured output its function
    returns as the tuple of its leaves (`lowering.OutputTree`), or None."""
    module.output_tree = comp.output_tree.kind  # type: ignore[attr-defined]
    return module


def flat_signature(kinds: tuple, wrt: tuple) -> tuple[tuple, tuple]:
    """Structured arguments as their leaves: (differentiated leaf positions, leaf kinds).
    The leaf positions follow the order of `wrt` (gradients come back in that order)."""
    flat_kinds: list = []
    leaves: list[list[int]] = []  # per parameter, the positions of its float leaves
    for kind in kinds:
        if isinstance(kind, TreeKind):
            mine = []
            for leaf in leaves_of(kind):
                if leaf.is_float:
                    mine.append(len(flat_kinds))
                flat_kinds.append(leaf.kind)
            leaves.append(mine)
        else:
            leaves.append([len(flat_kinds)])
            flat_kinds.append(kind)
    return tuple(p for i in wrt for p in leaves[i]), tuple(flat_kinds)


def _with_trees(comp: Compilation, fn: Any, wrt: tuple,
                kinds: tuple) -> tuple[Any, tuple, tuple]:
    """A request on structured arguments as one on their leaves: the user's function is
    lowered with a parameter per leaf, and (for a function made by srcad) every level
    of derivatives differentiates the float leaves of its structured arguments, returning
    a tuple of their gradients (the API puts them back into structures)."""
    if not any(isinstance(k, TreeKind) for k in kinds):
        return fn, wrt, kinds
    comp.tree_specs[fn.base if isinstance(fn, Derived) else fn] = kinds
    flat_wrt, flat_kinds = flat_signature(kinds, wrt)
    return _flat_spec(fn, kinds), flat_wrt, flat_kinds


def _flat_spec(spec: Any, kinds: tuple) -> Any:
    """A `Derived` (every level of it) differentiating the leaves of structured
    arguments; a user function as it is (all levels share its parameters)."""
    if not isinstance(spec, Derived):
        return spec
    trees = any(isinstance(kinds[i], TreeKind) for i in spec.wrt)
    return Derived(spec.kind, _flat_spec(spec.inner, kinds), flat_signature(kinds, spec.wrt)[0],
                   spec.single and not trees)


def _spec(fn: Any) -> Any:
    """What to transform for a callee: the user's function, or the `Derived` spec of a
    function srcad made."""
    return fn.__srcad_spec__ if derived_function(fn) else fn


def _stem(fn: Any) -> str:
    """A name for generated functions: the function's own, or 'lambda'."""
    if derived_function(fn):
        return f"grad_{_stem(fn.fn)}"
    name = getattr(fn, "__name__", "f")
    return name if name.isidentifier() else "lambda"


def derivative_order(spec: Any) -> int:
    """How many times `spec` differentiates its function (grad of grad: 2)."""
    order = 1
    while isinstance(spec, Derived):
        order += 1
        spec = spec.inner
    return order


def _where(fn: Any) -> str:
    try:
        line = inspect.getsourcelines(fn.__code__)[1]
    except (OSError, TypeError):
        line = fn.__code__.co_firstlineno
    return f"{fn.__code__.co_filename}:{line}"


def _shapes_text(fn: Any, shapes: tuple, comp: Compilation) -> str:
    names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    return ", ".join(f"{n} {s}" for n, s in zip(names, shapes) if s)


def _wrt_names(fn: Any, wrt: tuple, comp: Compilation) -> str:
    names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    if fn in comp.tree_specs and fn in comp.lowered:
        names = [p.name for p in comp.lowered[fn].params]
    return ", ".join(names[i] for i in wrt) if wrt else "nothing"
