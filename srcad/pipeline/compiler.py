"""Drives the pipeline: frontend -> lowering -> reverse transform -> optimizer -> codegen.

One `Compilation` produces one generated module: the requested function (joint
gradient or forward/backward pair) and a forward/backward pair for every user
subroutine it calls, recursively.
"""

from __future__ import annotations

import inspect
import operator
import types
from dataclasses import dataclass

from srcad import runtime
from srcad.analysis.inference import Kinds, is_user_function
from srcad.codegen.emit import Module, build_module
from srcad.errors import BadArgumentError, UnsupportedSyntaxError
from srcad.frontend.source import parse_function
from srcad.ir.kinds import NUMERIC, SCALAR
from srcad.ir.nodes import (
    Block,
    Call,
    Const,
    Function,
    Return,
    Var,
    all_uses,
    defined_vars,
    region_vars,
    substitute,
    verify,
    walk,
)
from srcad.lower.lowering import lower_function
from srcad.lower.pytree import TreeKind, leaves_of
from srcad.optimize.optimizer import GeneratedRef, optimize
from srcad.transforms.forward import ForwardTransform
from srcad.transforms.inline import inline_user_calls
from srcad.transforms.reverse import ReverseTransform, Subroutine


@dataclass(frozen=True)
class Derived:
    """A function made by srcad, as something to transform again.

    `kind` is "grad": the gradient(s) of `inner` with respect to `wrt` (a single
    gradient when `single`).
    """

    kind: str
    inner: object  # a Python function or another Derived
    wrt: tuple
    single: bool = True

    @property
    def base(self):
        inner = self.inner
        while isinstance(inner, Derived):
            inner = inner.inner
        return inner


class Compilation:
    """The state of one transformation request (shared by its subroutines)."""

    def __init__(self):
        self.functions: list[Function] = []
        self.lowered: dict = {}
        self.pairs: dict = {}
        self.kind_cache: dict = {}
        self.used_names: set = set()
        self.captured: list = []
        self._captured_keys: set = set()
        self.tree_specs: dict = {}  # function -> per-parameter kinds with TreeKinds

    # -- frontend + lowering, once per function
    def lower(self, fn: types.FunctionType) -> Function:
        if fn not in self.lowered:
            parsed = parse_function(fn)
            ir = lower_function(parsed, self.tree_specs.get(fn))
            for item in parsed.captured:
                key = (id(item[0]), item[1])
                if key not in self._captured_keys:
                    self._captured_keys.add(key)
                    self.captured.append(item)
            optimize(ir)
            verify(ir)
            self.lowered[fn] = ir
        return self.lowered[fn]

    def unique(self, name: str) -> str:
        base, n = name, 1
        while name in self.used_names:
            n += 1
            name = f"{base}{n}"
        self.used_names.add(name)
        return name

    # -- user subroutines
    def bind_call(self, fn, stmt: Call) -> list:
        return list(stmt.args)

    def callee_kind(self, fn, stmt: Call, arg_kinds: list):
        key = (fn, tuple(arg_kinds))
        if key not in self.kind_cache:
            self.kind_cache[key] = NUMERIC  # while in progress (recursion)
            ir = self.lower(fn)
            kinds = _pad_kinds(ir, arg_kinds)
            self.kind_cache[key] = Kinds(ir, kinds, self.callee_kind).result
        return self.kind_cache[key]

    def subroutine(self, fn, stmt: Call, arg_kinds: list, positions: list) -> Subroutine:
        ir = self.lower(fn)
        if len(stmt.args) != len(ir.params):
            raise BadArgumentError(
                f"'{fn.__name__}' takes {len(ir.params)} arguments but this call passes "
                f"{len(stmt.args)}", stmt.loc, "pass every argument by position")
        key = (fn, tuple(positions), tuple(arg_kinds))
        if key not in self.pairs:
            fwd = GeneratedRef(self.unique(f"{_stem(fn)}_fwd"), 2)
            bwd = GeneratedRef(self.unique(f"{_stem(fn)}_bwd"), len(positions))
            sub = Subroutine(fwd, bwd, list(positions), self.callee_kind(fn, stmt, arg_kinds))
            self.pairs[key] = sub
            pair = self.split(fn, positions, list(arg_kinds), fwd.name, bwd.name)
            self.functions.extend(pair)
        return self.pairs[key]

    # -- IR for what is transformed: a user function, or a function srcad made
    def ir(self, spec, kinds) -> Function:
        """The IR of `spec`; functions made by srcad are built (with helpers inlined,
        since they will be transformed again)."""
        if not isinstance(spec, Derived):
            return self.lower(spec)
        key = ("ir", spec, tuple(kinds))
        if key not in self.lowered:
            inner = self._inlined(spec.inner, kinds)
            rt = ReverseTransform(inner, list(spec.wrt), _pad_kinds(inner, kinds),
                                  self.subroutine, self.callee_kind)
            r = rt.run(Const(1.0))
            named, gradients = _named_gradients(inner, spec.wrt, r.gradients)
            stmts = r.forward.stmts + r.reverse.stmts + named
            if spec.single:
                result = gradients[0]
            else:
                result = Var("gradients")
                stmts.append(Call(result, runtime.make_tuple, gradients))
            name = _stem(spec.base)
            fn = Function(f"d_{name}", list(inner.params), Block(stmts + [Return(result)]),
                          inner.loc)
            self.lowered[key] = _finish(fn)
        return self.lowered[key]

    def _inlined(self, spec, kinds) -> Function:
        if isinstance(spec, Derived):
            return self.ir(spec, kinds)
        return inline_user_calls(self.lower(spec), self.lower, is_user_function)

    # -- the two shapes of a reverse-mode transform
    def _transform(self, fn, wrt, kinds, seed):
        primal = self.ir(fn, kinds)
        rt = ReverseTransform(primal, list(wrt), _pad_kinds(primal, kinds), self.subroutine,
                              self.callee_kind)
        return primal, rt.run(seed)

    # -- forward mode
    def jvp(self, spec, wrt, kinds, name: str) -> Function:
        """A function of (params..., tangents of wrt...) returning (value, tangent)."""
        primal = self.ir(spec, kinds) if isinstance(spec, Derived) else self.lower(spec)
        ft = ForwardTransform(primal, list(wrt), _pad_kinds(primal, kinds),
                              self.jvp_subroutine, self.callee_kind, is_user_function)
        body, tangent_params, value, tangent = ft.run()
        out = Var("out")
        body.stmts += [Call(out, runtime.make_tuple, [value, tangent]), Return(out)]
        return _finish(Function(name, list(primal.params) + tangent_params, body, primal.loc))

    def jvp_subroutine(self, fn, stmt: Call, arg_kinds: list, positions: list) -> GeneratedRef:
        key = ("jvp", fn, tuple(positions), tuple(arg_kinds))
        if key not in self.pairs:
            ref = GeneratedRef(self.unique(f"{_stem(fn)}_jvp"), 2)
            self.pairs[key] = ref
            self.functions.append(self.jvp(fn, positions, list(arg_kinds), ref.name))
        return self.pairs[key]

    def joint(self, fn, wrt, kinds, name: str) -> Function:
        """One function computing the value and the gradients (seed 1.0)."""
        primal, r = self._transform(fn, wrt, kinds, Const(1.0))
        grads = Var("gradients")
        out = Var("out")
        named, gradients = _named_gradients(primal, wrt, r.gradients)
        body = Block(r.forward.stmts + r.reverse.stmts + named + [
            Call(grads, runtime.make_tuple, gradients),
            Call(out, runtime.make_tuple, [r.value, grads]),
            Return(out)])
        result = Function(self.unique(name), list(primal.params), body, primal.loc)
        return _finish(result)

    def split(self, fn, wrt, kinds, fwd_name: str, bwd_name: str) -> list:
        """A forward function returning (value, saved) and a backward one taking
        (saved, output adjoint) and returning the gradients."""
        seed = Var("dresult", keep=True)
        primal, r = self._transform(fn, wrt, kinds, seed)
        r.gradients = _shaped_gradients(primal, wrt, _pad_kinds(primal, kinds), r)
        defined_in_reverse = set()
        for stmt in walk(r.reverse):
            defined_in_reverse.update(defined_vars(stmt))
            defined_in_reverse.update(region_vars(stmt))
        needed = []
        seen = set()
        for op in list(all_uses(r.reverse)) + list(r.gradients):
            if isinstance(op, Var) and op not in defined_in_reverse and op is not seed \
                    and op not in seen:
                seen.add(op)
                needed.append(op)
        needed.sort(key=lambda v: v.id)
        saved = Var("saved")
        out = Var("out")
        fwd_body = Block(r.forward.stmts + [
            Call(saved, runtime.make_tuple, list(needed)),
            Call(out, runtime.make_tuple, [r.value, saved]),
            Return(out)])
        fwd = Function(fwd_name, list(primal.params), fwd_body, primal.loc)
        saved_in = Var("saved", keep=True)
        unpack, copies = [], []
        renames = {}
        stacks = set(r.stacks)
        for i, v in enumerate(needed):
            local = Var(v.name, keep=True)
            unpack.append(Call(local, operator.getitem, [saved_in, Const(i)]))
            renames[v] = local
            if v in stacks:
                # Pop from a copy: the backward function can be called many times.
                copy = Var(v.name, keep=True)
                copies.append(Call(copy, runtime.copy_stack, [local]))
                renames[v] = copy
        unpack += copies
        reverse = Block(list(r.reverse.stmts))
        substitute(reverse, renames)
        grads = [renames.get(g, g) if isinstance(g, Var) else g for g in r.gradients]
        named, grads = _named_gradients(primal, wrt, grads)
        packed = Var("gradients")
        bwd_body = Block(unpack + reverse.stmts + named + [
            Call(packed, runtime.make_tuple, grads), Return(packed)])
        bwd = Function(bwd_name, [saved_in, seed], bwd_body, primal.loc)
        bwd.arity = {saved_in: len(needed)}
        return [_finish(fwd), _finish(bwd)]


def _shaped_gradients(primal: Function, wrt, kinds: list, r) -> list:
    """A subroutine's gradients, shaped like their parameters where they may be a
    merged or constant zero (0.0 stands for zeros only inside one sweep: the caller's
    rules need the shape)."""
    computed = {stmt.target for stmt in r.reverse.stmts if isinstance(stmt, Call)}
    out = []
    for pos, g in zip(wrt, r.gradients):
        if kinds[pos] == SCALAR or (isinstance(g, Var) and g in computed):
            out.append(g)
            continue
        param = primal.params[pos]
        shaped = Var(f"d{param.name}", keep=True)
        r.reverse.stmts.append(Call(shaped, runtime.broadcast_like, [g, param]))
        out.append(shaped)
    return out


def _named_gradients(primal: Function, wrt, gradients: list) -> tuple[list, list]:
    """Give each returned gradient the name `d<param>` (a copy where it had another)."""
    stmts, out = [], []
    for pos, g in zip(wrt, gradients):
        wanted = f"d{primal.params[pos].name}"
        if isinstance(g, Var) and g.name != wanted:
            named = Var(wanted, keep=True)
            stmts.append(Call(named, runtime.identity, [g]))
            g = named
        out.append(g)
    return stmts, out


def _stem(fn) -> str:
    """A name for generated functions: the function's own, or 'lambda'."""
    name = getattr(fn, "__name__", "f")
    return name if name.isidentifier() else "lambda"


def _pad_kinds(ir: Function, kinds: list) -> list:
    kinds = list(kinds)[: len(ir.params)]
    return kinds + [NUMERIC] * (len(ir.params) - len(kinds))


def _finish(fn: Function) -> Function:
    optimize(fn)
    verify(fn)
    return fn


def flat_signature(kinds: tuple, wrt: tuple) -> tuple[tuple, tuple]:
    """Structured arguments as their leaves: (differentiated leaf positions, leaf kinds)."""
    flat_kinds, flat_wrt = [], []
    for i, kind in enumerate(kinds):
        if isinstance(kind, TreeKind):
            for leaf in leaves_of(kind):
                if i in wrt and leaf.is_float:
                    flat_wrt.append(len(flat_kinds))
                flat_kinds.append(leaf.kind)
        else:
            if i in wrt:
                flat_wrt.append(len(flat_kinds))
            flat_kinds.append(kind)
    return tuple(flat_wrt), tuple(flat_kinds)


def _with_trees(comp: Compilation, fn, wrt: tuple, kinds: tuple) -> tuple[tuple, tuple]:
    if not any(isinstance(k, TreeKind) for k in kinds):
        return wrt, kinds
    if isinstance(fn, Derived):
        raise UnsupportedSyntaxError(
            "higher-order derivatives of functions taking dicts, objects or other "
            "structures are not supported yet", hint="pass the arrays as separate arguments",
            function=getattr(fn.base, "__name__", None))
    comp.tree_specs[fn] = kinds
    return flat_signature(kinds, wrt)


def compile_joint(fn, wrt: tuple, kinds: tuple) -> tuple[Module, list]:
    comp = Compilation()
    wrt, kinds = _with_trees(comp, fn, wrt, kinds)
    base = fn.base if isinstance(fn, Derived) else fn
    order = _order(fn)
    name = f"{_stem(base)}_value_and_grad" if order == 1 else \
        f"{_stem(base)}_value_and_grad{order}"
    top = comp.joint(fn, wrt, kinds, name)
    what = "value and gradient" if order == 1 else f"derivative of order {order}"
    header = (f"Generated by srcad: {what} of '{base.__qualname__}' "
              f"({_where(base)})\nwith respect to {_wrt_names(base, wrt, comp)}.")
    module = build_module(f"grad of {base.__name__}", [top] + comp.functions, header)
    return module, comp.captured


def _order(spec) -> int:
    order = 1
    while isinstance(spec, Derived):
        order += 1
        spec = spec.inner
    return order


def compile_jvp(spec, wrt: tuple, kinds: tuple) -> tuple[Module, list]:
    comp = Compilation()
    wrt, kinds = _with_trees(comp, spec, wrt, kinds)
    base = spec.base if isinstance(spec, Derived) else spec
    name = comp.unique(f"{_stem(base)}_jvp" if not isinstance(spec, Derived)
                       else f"d_{_stem(base)}_jvp")
    top = comp.jvp(spec, wrt, kinds, name)
    what = "forward-mode derivative (tangent)" if not isinstance(spec, Derived) else \
        "derivative of the gradient (forward over reverse)"
    header = (f"Generated by srcad: {what} of '{base.__qualname__}' ({_where(base)})\n"
              f"with respect to {_wrt_names(base, wrt, comp)}.")
    module = build_module(f"jvp of {base.__name__}", [top] + comp.functions, header)
    return module, comp.captured


def compile_split(fn, wrt: tuple, kinds: tuple) -> tuple[Module, list]:
    comp = Compilation()
    wrt, kinds = _with_trees(comp, fn, wrt, kinds)
    fwd = comp.unique(f"{_stem(fn)}_fwd")
    bwd = comp.unique(f"{_stem(fn)}_bwd")
    comp.pairs[(fn, tuple(wrt), tuple(kinds))] = None
    pair = comp.split(fn, list(wrt), list(kinds), fwd, bwd)
    header = (f"Generated by srcad: forward and backward sweeps of '{fn.__qualname__}' "
              f"({_where(fn)})\nwith respect to {_wrt_names(fn, wrt, comp)}.")
    module = build_module(f"vjp of {fn.__name__}", pair + comp.functions, header)
    return module, comp.captured


def _where(fn) -> str:
    try:
        line = inspect.getsourcelines(fn)[1]
    except (OSError, TypeError):
        line = fn.__code__.co_firstlineno
    return f"{fn.__code__.co_filename}:{line}"


def _wrt_names(fn, wrt, comp: Compilation) -> str:
    names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    if fn in comp.tree_specs and fn in comp.lowered:
        names = [p.name for p in comp.lowered[fn].params]
    return ", ".join(names[i] for i in wrt) if wrt else "nothing"
