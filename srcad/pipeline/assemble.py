"""The `assemble` pass: the sweeps of a transform wrapped into generated functions.

One function per mode of a `DerivativeUnit`: the value and gradients in one function
(`joint`), a forward function saving what a backward function reads (`split`), the
gradient alone (`gradient`, the IR of `srcad.grad(f)`), or the value and tangent
(`jvp`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from srcad import runtime
from srcad.ir.kinds import SCALAR
from srcad.ir.nodes import (
    COPY,
    Block,
    Call,
    Const,
    Function,
    Origin,
    Return,
    Var,
    all_uses,
    defined_vars,
    named_after,
    region_vars,
    substitute,
    walk,
)
from srcad.pipeline.unit import DerivativeUnit
from srcad.runtime.outputs import output_seed
from srcad.transforms.reverse import ReverseResult


def joint(unit: DerivativeUnit) -> list[Function]:
    """One function computing the value and the gradients."""
    primal, r = _swept(unit)
    grads = Var("gradients")
    out = Var("out")
    named, gradients = _named_gradients(primal, unit.wrt, r.gradients, r.adjoint)
    body = Block(r.forward.stmts + _checked_seed(unit, r) + r.reverse.stmts + named + [
        Call(grads, runtime.make_tuple, gradients),
        Call(out, runtime.make_tuple, [r.value, grads]),
        Return(out)])
    return [Function(unit.names[0], list(primal.params), body, primal.loc)]


def grad_only(unit: DerivativeUnit) -> list[Function]:
    """The gradients alone, as a tuple: what `srcad.grad(f)` calls. The value is computed
    only where the reverse sweep needs it (where the output is not known to be a real
    scalar, `output_seed` checks it)."""
    primal, r = _swept(unit)
    grads = Var("gradients")
    named, gradients = _named_gradients(primal, unit.wrt, r.gradients, r.adjoint)
    body = Block(r.forward.stmts + _checked_seed(unit, r) + r.reverse.stmts + named + [
        Call(grads, runtime.make_tuple, gradients), Return(grads)])
    return [Function(unit.names[0], list(primal.params), body, primal.loc)]


def gradient(unit: DerivativeUnit) -> list[Function]:
    """The gradient(s) alone: what `srcad.grad(f)` computes, as IR to transform again.
    Each is shaped like its parameter, zeros included: a derivative of it (a Hessian's
    column) takes its shape."""
    primal, r = _swept(unit)
    r.gradients = _shaped_gradients(primal, unit.wrt, unit.param_kinds(), r)
    named, gradients = _named_gradients(primal, unit.wrt, r.gradients, r.adjoint)
    stmts = r.forward.stmts + _checked_seed(unit, r) + r.reverse.stmts + named
    if unit.spec.single:
        result = gradients[0]
    else:
        result = Var("gradients")
        stmts.append(Call(result, runtime.make_tuple, gradients))
    return [Function(unit.names[0], list(primal.params), Block(stmts + [Return(result)]),
                     primal.loc)]


def split(unit: DerivativeUnit) -> list[Function]:
    """A forward function returning (value, saved) and a backward one taking
    (saved, output adjoint) and returning the gradients."""
    primal, r = _swept(unit)
    wrt, seed = unit.wrt, unit.seed
    r.gradients = _shaped_gradients(primal, wrt, unit.param_kinds(), r)
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
    fwd = Function(unit.names[0], list(primal.params), fwd_body, primal.loc)
    saved_in = Var("saved", keep=True)
    unpack, copies = [], []
    renames = {}
    stacks = set(r.stacks)
    for i, v in enumerate(needed):
        local = named_after(v, COPY, keep=True)
        unpack.append(Call(local, operator.getitem, [saved_in, Const(i)]))
        renames[v] = local
        if v in stacks:
            # Pop from a copy: the backward function can be called many times.
            copy = named_after(v, COPY, keep=True)
            copies.append(Call(copy, runtime.copy_stack, [local]))
            renames[v] = copy
    unpack += copies
    reverse = Block(list(r.reverse.stmts))
    substitute(reverse, renames)
    grads = [renames.get(g, g) if isinstance(g, Var) else g for g in r.gradients]
    named, grads = _named_gradients(primal, wrt, grads, r.adjoint)
    packed = Var("gradients")
    bwd_body = Block(unpack + reverse.stmts + named + [
        Call(packed, runtime.make_tuple, grads), Return(packed)])
    assert isinstance(seed, Var)
    bwd = Function(unit.names[1], [saved_in, seed], bwd_body, primal.loc,
                   arity={saved_in: len(needed)})
    return [fwd, bwd]


def jvp(unit: DerivativeUnit) -> list[Function]:
    """A function of (params..., tangents of wrt...) returning (value, tangent)."""
    primal, t = unit.primal, unit.tangents
    assert primal is not None and t is not None
    out = Var("out")
    body = Block(t.body.stmts + [Call(out, runtime.make_tuple, [t.value, t.tangent]),
                                 Return(out)])
    return [Function(unit.names[0], list(primal.params) + t.tangent_params, body, primal.loc)]


ASSEMBLERS: dict[str, Callable[[DerivativeUnit], list[Function]]] = {
    "joint": joint, "grad": grad_only, "split": split, "gradient": gradient, "jvp": jvp}


def _swept(unit: DerivativeUnit) -> tuple[Function, ReverseResult]:
    assert unit.primal is not None and unit.sweeps is not None
    return unit.primal, unit.sweeps


def _checked_seed(unit: DerivativeUnit, r: ReverseResult) -> list:
    """Where the seed of a gradient is not the constant 1.0, the call computing it from
    the output (checked there, after the forward sweep and before the reverse sweep)."""
    if not isinstance(unit.seed, Var):
        return []
    return [Call(unit.seed, output_seed, [r.value], loc=_return_loc(unit))]


def _return_loc(unit: DerivativeUnit):
    assert unit.primal is not None
    ret = unit.primal.body.stmts[-1]
    return ret.loc if isinstance(ret, Return) else unit.primal.loc


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
        shaped = named_after(param, r.adjoint, keep=True)
        r.reverse.stmts.append(Call(shaped, runtime.broadcast_like, [g, param]))
        out.append(shaped)
    return out


def _named_gradients(primal: Function, wrt, gradients: list,
                     adjoint: str) -> tuple[list, list]:
    """Give each returned gradient the name of its parameter's adjoint, `b<param>`
    (`adjoint` is the prefix; a copy where it had another name)."""
    stmts, out = [], []
    for pos, g in zip(wrt, gradients):
        param = primal.params[pos]
        if isinstance(g, Var) and g.origin != Origin(adjoint, param):
            named = named_after(param, adjoint, keep=True)
            stmts.append(Call(named, runtime.identity, [g]))
            g = named
        out.append(g)
    return stmts, out
