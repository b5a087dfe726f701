"""Calls that write their result into an `out=` array.

`np.multiply(x, y, out=buf)` means: compute the product, write it into `buf`, return
`buf`. srcad lowers it to `buf = np.multiply(x, y)`: the result becomes a new array
named `buf`, and the call's value is that array. This is NumPy's meaning when nothing
else can see the old array, the condition `buf[i] = v` needs (srcad/lower/mutation.py):
`buf` is an array the function created, not an argument, a global or a view, and no
other name holds it (where one may, a run-time check refuses the call if it does). A
run-time check also refuses a result whose shape or dtype differs from `buf`'s, which
NumPy would broadcast or cast into it (srcad/runtime/out_arguments.py).

The forms: `out=buf`, `out=(buf,)`, a ufunc's outputs by position (`np.add(a, b, buf)`),
`out=buf[i]` (lowered as `buf[i] = ...`), `out=np.empty(n)` (a new array nobody else
holds), and a ufunc's `where=mask` with `out=`:
`buf = np.where(mask, f(np.where(mask, x, c)), buf)`, where `c` is a point of the rule's
domain, so that the entries the mask leaves out neither warn nor give NaN derivatives.

NumPy functions that change their first argument in place are lowered the same way,
with a functional form that returns a new array (srcad/runtime/fill.py):
`np.add.at(a, i, b)` becomes `a = added_at(a, i, b)` (repeated indices add up) and
`np.fill_diagonal(a, v)` becomes `a = filled_diagonal(a, v)`, where the mutation
analysis says nothing else can see `a` (as for `a[i] += b`); the call's value is None.
Where it objects, the call is refused with its reason; where it has no verdict on `a`
(srcad/lower/mutation.py does not know the call writes into it), the call is kept as
NumPy's own: fine for arrays nothing differentiated flows through, and refused by the
transforms ('np.add.at' has no derivative rule) for the others.
"""

from __future__ import annotations

import ast
import inspect
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from srcad import runtime
from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.frontend.scopes import display_name
from srcad.ir.nodes import Const, Operand, Var, fn_label
from srcad.lower.context import LoweringContext
from srcad.lower.mutation import is_new_array
from srcad.rules import registry
from srcad.rules.derivation import differentiated
from srcad.rules.registry import Method
from srcad.runtime import array_definitions, set_definitions
from srcad.runtime.fill import added_at, filled_diagonal
from srcad.runtime.out_arguments import check_in_place, check_out

# NumPy functions that accept out= but return a new array without writing into it
# (NumPy 2.x): srcad's `buf = f(x)` would not be what the program computes.
_IGNORES_OUT = frozenset({np.fft.hfft, np.fft.ifft2, np.fft.irfft2})

# The share of a rule's test domain the masked-out inputs of a `where=` are moved to:
# an interior point, away from the special points (0, 1) of most domains.
_DOMAIN_POINT = 0.618
_DEFAULT_DOMAIN = (-1.5, 1.5)


@dataclass
class _Target:
    """One array a call writes into: its expression and its value before the write."""

    node: ast.expr
    old: Operand


class OutArguments:
    """Lowers calls that write into `out=` arrays.

    Parameters
    ----------
    core : LoweringContext
        The lowering the calls belong to.
    """

    def __init__(self, core: LoweringContext):
        self.core = core

    def call(self, fn: Any, operands: list[Operand], keywords: dict[str, Operand],
             node: ast.Call, receiver: bool, name: str) -> Operand | None:
        """Lower `fn(*operands, **keywords)` (the AST `node`; `receiver`: operands[0]
        is a method's receiver) if it writes into an `out=` array, or into its first
        argument (np.add.at, np.fill_diagonal); None if it does not."""
        in_place = _in_place(fn)
        if in_place is not None and not receiver:
            return self._in_place(in_place, operands, keywords, node, name)
        if not _takes_out(fn):
            return None
        positions = _positional_outs(fn, len(operands), keywords)
        if "out" not in keywords and not positions:
            return None
        targets = self._targets(fn, operands, keywords, node, receiver, positions)
        if fn in _IGNORES_OUT and any(t is not None for t in targets):
            raise UnsupportedSyntaxError(
                f"'{fn_label(fn)}' does not write into its out= array in this NumPy "
                "version (it returns a new array), so srcad cannot tell what the "
                "program computes", self.core.loc_for(node),
                "assign the result instead: buf = f(...)")
        operands, keywords = _without_outs(fn, operands, keywords, positions, node,
                                           self.core.loc_for(node))
        if all(t is None for t in targets):
            return self.core.b.call(fn, operands, keywords, loc=self.core.loc_for(node),
                                    name=name)
        for target in targets:
            if target is not None:
                self._check_target(target.node, node)
        mask = None
        if isinstance(fn, np.ufunc) and "where" in keywords:
            mask = keywords.pop("where")
            if isinstance(mask, Const) and mask.value is True:
                mask = None
            else:
                operands = self._masked_inputs(fn, operands, mask, node)
        loc = self.core.loc_for(node)
        value = self.core.b.call(fn, operands, keywords, loc=loc, name=name)
        if len(targets) == 1 and not (isinstance(fn, np.ufunc) and fn.nout > 1):
            return self._write(targets[0], value, mask, node)
        pieces: list[Operand] = []
        for i, target in enumerate(targets):
            piece = self.core.b.call(operator.getitem, [value, Const(i)], loc=loc, name=name)
            pieces.append(piece if target is None else self._write(target, piece, mask, node))
        return self.core.b.call(runtime.make_tuple, pieces, loc=loc, name=name)

    # ------------------------------------------------------------------ in place
    def _in_place(self, spec: _InPlace, operands: list[Operand], keywords: dict[str, Operand],
                  node: ast.Call, name: str) -> Operand:
        """`np.add.at(a, i, b)` or `np.fill_diagonal(a, v)`: `a = <functional form>`
        where `a` is a local array nothing else can see; NumPy's own call where the
        mutation analysis has no verdict on `a`; refused where it objects."""
        core = self.core
        loc = core.loc_for(node)
        target = node.args[0] if node.args and not any(
            isinstance(a, ast.Starred) for a in node.args) else None
        verdict = core.mutations.get(target.id) if isinstance(target, ast.Name) else None
        if verdict is None or set(keywords) - spec.keywords:
            # (kept as NumPy's call: srcad/lower/mutation.py has not cleared the write)
            return core.b.call(spec.call, operands, keywords, loc=loc, name=name)
        assert isinstance(target, ast.Name)
        shown = display_name(target.id)
        if not (verdict.allows(node) or verdict.aliases):
            raise UnsupportedSyntaxError(
                f"'{spec.label}' changes '{shown}' in place, which srcad follows only into "
                f"a new local array nothing else holds: {verdict.reason}", loc,
                spec.hint.format(a=shown))
        if getattr(spec.functional, "__srcad_source__", False):
            # (a definition differentiated from its source takes its arguments by position)
            operands, keywords = _by_position(spec, operands, keywords, loc), {}
        value = core.b.call(spec.functional, operands, keywords, loc=loc, name=shown)
        if not verdict.allows(node):
            # the only objection: other names assigned from it; refused when the code
            # runs if one of them really shares its memory (NumPy's write changes both)
            others = [v for v in (core.b.read(a) for a in verdict.holders(node))
                      if isinstance(v, Var)]
            if others:
                core.b.effect(check_in_place, [operands[0], Const(shown), Const(spec.label),
                                               Const(_location(loc)), *others], loc=loc)
        if isinstance(value, Var):
            value.name = shown
            value.keep = True
        core.b.write(target.id, value)
        return Const(None)

    # ------------------------------------------------------------------ targets
    def _targets(self, fn: Any, operands: list[Operand], keywords: dict[str, Operand],
                 node: ast.Call, receiver: bool, positions: list[int]) -> list[_Target | None]:
        """The arrays the call writes into (None for an output it returns as new)."""
        core = self.core
        if "out" in keywords:
            out_node = next((k.value for k in node.keywords if k.arg == "out"), None)
            if out_node is None:
                raise UnsupportedSyntaxError(
                    f"'{fn_label(fn)}' is given out= inside **keywords: srcad cannot tell "
                    "which array it writes into", core.loc_for(node),
                    "pass out= by name, with a local array variable")
            if isinstance(out_node, ast.Tuple) and isinstance(fn, np.ufunc):
                if len(out_node.elts) != fn.nout:
                    raise UnsupportedSyntaxError(
                        f"'{fn_label(fn)}' has {fn.nout} outputs, and out= gives "
                        f"{len(out_node.elts)}", core.loc_for(out_node),
                        "give one array (or None) per output")
                return [None if _is_none(e) else _Target(e, core.value(e))
                        for e in out_node.elts]
            if isinstance(fn, np.ufunc) and fn.nout > 1:
                raise UnsupportedSyntaxError(
                    f"'{fn_label(fn)}' has {fn.nout} outputs: out= takes a tuple of arrays",
                    core.loc_for(out_node), "write out=(a, b)")
            return [None if _is_none(out_node) else _Target(out_node, keywords["out"])]
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise UnsupportedSyntaxError(
                f"'{fn_label(fn)}' is given its output array inside *arguments: srcad "
                "cannot tell which array it writes into", core.loc_for(node),
                "pass out= by name, with a local array variable")
        shift = 1 if receiver else 0
        targets: list[_Target | None] = [
            None if _is_none(node.args[i - shift]) else _Target(node.args[i - shift], operands[i])
            for i in positions]
        if isinstance(fn, np.ufunc):
            targets += [None] * (fn.nout - len(targets))
        return targets

    def _check_target(self, target: ast.expr, call: ast.Call) -> None:
        """Refuse a write into an array other code may see (or when that is unknown)."""
        root = target
        while isinstance(root, ast.Subscript):
            root = root.value
        if isinstance(root, ast.Call) and root is target and is_new_array(target):
            return  # out=np.empty(n): a new array only the call's value holds
        where = self.core.loc_for(target)
        if not isinstance(root, ast.Name):
            raise UnsupportedSyntaxError(
                f"cannot write into '{ast.unparse(target)}' with out=: srcad follows such "
                "writes only into local array variables", where,
                f"assign the result instead ({ast.unparse(target)} = f(...) is not "
                "needed: use the call's value)")
        verdict = self.core.mutations.get(root.id)
        if verdict is None or not (verdict.allowed or verdict.aliases):
            reason = verdict.reason if verdict is not None else \
                "it is not known to be a new array the function created"
            name = display_name(root.id)
            raise UnsupportedSyntaxError(
                f"cannot write into '{name}' with out=: {reason}", where,
                f"assign the result instead ({name} = f(...)), or write into a new array "
                f"the function creates ({name} = np.copy({name}) first)")

    # ------------------------------------------------------------------ writes
    def _write(self, target: _Target | None, value: Operand, mask: Operand | None,
               call: ast.Call) -> Operand:
        """Write `value` into `target` (masked by `mask`); the array written."""
        core = self.core
        if target is None:
            return value
        loc = core.loc_for(call)
        if mask is not None:
            value = core.b.call(np.where, [mask, value, target.old], loc=loc, name="where")
        root = target.node
        while isinstance(root, ast.Subscript):
            root = root.value
        others: list[Operand] = []
        verdict = core.mutations.get(root.id) if isinstance(root, ast.Name) else None
        if verdict is not None and not verdict.allowed:
            others = [v for v in (core.b.read(a) for a in verdict.aliases)
                      if isinstance(v, Var)]
        core.b.effect(check_out, [value, target.old, Const(ast.unparse(target.node)),
                                  Const(_location(loc)), *others], loc=loc)
        if isinstance(target.node, ast.Name):
            if isinstance(value, Var):
                value.name = display_name(target.node.id)
                value.keep = True
            core.b.write(target.node.id, value)
        elif isinstance(target.node, ast.Subscript):
            core.assign(target.node, value, None)
        return value

    def _masked_inputs(self, fn: np.ufunc, operands: list[Operand], mask: Operand,
                       node: ast.Call) -> list[Operand]:
        """The inputs of a masked ufunc with each differentiated one moved, where the
        mask is False, to a point of its rule's domain: those entries are not used, and
        there the derivative is finite (so its zero adjoint stays zero)."""
        rule = registry.lookup(fn)
        if rule is None or rule.nondifferentiable or rule.adjoint is None:
            return operands
        params = rule.adjoint.params
        wrt = set(differentiated(rule.adjoint)) - set(rule.nondiff_params)
        moved = list(operands)
        for i, op in enumerate(operands[:fn.nin]):
            if i >= len(params) or params[i] not in wrt or not isinstance(op, Var):
                continue
            low, high = rule.test_domain.get(params[i], _DEFAULT_DOMAIN)
            point = float(low + _DOMAIN_POINT * (high - low))
            moved[i] = self.core.b.call(np.where, [mask, op, Const(point)],
                                        loc=self.core.loc_for(node), name="where")
        return moved


# ----------------------------------------------------------------------------- in place


@dataclass(frozen=True)
class _InPlace:
    """A NumPy function that writes into its first argument."""

    label: str
    call: Any  # what a call is lowered to where srcad cannot follow the write
    functional: Any  # the same computation into a new array
    keywords: frozenset  # the keywords the functional form takes
    hint: str  # what to write instead ({a}: the array's name)


def np_add_at(a, indices, b):
    """NumPy's `np.add.at(a, indices, b)`, called where srcad cannot follow the write (a
    function of its own, so that messages name it)."""
    np.add.at(a, indices, b)


np_add_at.srcad_label = "np.add.at"  # type: ignore[attr-defined]

_ADD_AT = _InPlace(
    "np.add.at", np_add_at, added_at, frozenset(),
    "add into a new array the function creates (acc = np.zeros_like({a}); "
    "np.add.at(acc, indices, values); {a} = {a} + acc), or for a 1-D {a} write "
    "{a} = {a} + np.bincount(indices, weights=values, minlength={a}.size)")
_FILL_DIAGONAL = _InPlace(
    "np.fill_diagonal", np.fill_diagonal, filled_diagonal, frozenset({"wrap"}),
    "build the result as a new array: {a} = {a} * (1 - np.eye(n)) + value * np.eye(n), "
    "or fill a copy made under a new name (b = np.copy({a}); np.fill_diagonal(b, value))")


_PUT = _InPlace("np.put", np.put, set_definitions.put, frozenset({"ind", "v", "mode"}),
                "call it on a copy made under a new name (b = np.copy({a}); "
                "np.put(b, ind, v))")
_PLACE = _InPlace("np.place", np.place, set_definitions.place, frozenset({"mask", "vals"}),
                  "call it on a copy made under a new name (b = np.copy({a}); "
                  "np.place(b, mask, vals)), or write b[mask] = vals")
_PUT_ALONG_AXIS = _InPlace(
    "np.put_along_axis", np.put_along_axis, set_definitions.put_along_axis,
    frozenset({"indices", "values", "axis"}),
    "call it on a copy made under a new name (b = np.copy({a}); "
    "np.put_along_axis(b, indices, values, axis))")
_COPYTO = _InPlace("np.copyto", np.copyto, array_definitions.copyto,
                   frozenset({"src", "casting", "where"}),
                   "copy into a new array instead ({a} = np.where(where, src, {a}))")
_IN_PLACE_NUMPY = {np.fill_diagonal: _FILL_DIAGONAL, np.put: _PUT, np.place: _PLACE,
                   np.put_along_axis: _PUT_ALONG_AXIS, np.copyto: _COPYTO}


def _by_position(spec: _InPlace, operands: list[Operand], keywords: dict[str, Operand],
                 loc: SourceLoc | None) -> list[Operand]:
    """The arguments of a call of `spec`'s functional form, all by position, with the
    defaults of those the call leaves out."""
    params = list(inspect.signature(spec.functional).parameters.values())
    args = list(operands)
    for param in params[len(args):]:
        if param.name in keywords:
            args.append(keywords[param.name])
        elif param.default is not inspect.Parameter.empty:
            args.append(Const(param.default))
        else:
            raise UnsupportedSyntaxError(
                f"'{spec.label}' is called without its argument '{param.name}'", loc,
                f"pass '{param.name}'")
    return args


def _in_place(fn: Any) -> _InPlace | None:
    """How srcad lowers `fn` if it is a NumPy function that writes into its first argument
    (np.add.at, np.fill_diagonal, np.put, np.place, np.put_along_axis); None for any
    other."""
    try:
        spec = _IN_PLACE_NUMPY.get(fn)
    except TypeError:  # an unhashable callee
        spec = None
    if spec is not None:
        return spec
    if getattr(fn, "__self__", None) is np.add and getattr(fn, "__name__", None) == "at":
        return _ADD_AT
    return None


# ----------------------------------------------------------------------------- signatures


def _takes_out(fn: Any) -> bool:
    """NumPy's and SciPy's functions and ufuncs, and ndarray methods, that have `out`."""
    if isinstance(fn, np.ufunc):
        return True
    if isinstance(fn, Method):
        return "out" in _parameters(getattr(np.ndarray, fn.name, None))
    root = (getattr(fn, "__module__", None) or "").split(".")[0]
    return root in ("numpy", "scipy") and "out" in _parameters(fn)


def _parameters(fn: Any) -> list[str]:
    """The names of `fn`'s parameters, in order (empty if they cannot be read)."""
    if fn is None:
        return []
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []


def _signature(fn: Any) -> inspect.Signature | None:
    target = getattr(np.ndarray, fn.name, None) if isinstance(fn, Method) else fn
    if target is None:
        return None
    try:
        return inspect.signature(target)
    except (TypeError, ValueError):
        return None


def _positional_outs(fn: Any, count: int, keywords: dict[str, Operand]) -> list[int]:
    """The positions of the operands that are outputs (`np.add(a, b, buf)`)."""
    if "out" in keywords:
        return []
    if isinstance(fn, np.ufunc):
        return list(range(fn.nin, min(count, fn.nin + fn.nout)))
    signature = _signature(fn)
    if signature is None:
        return []
    positional = [p.name for p in signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    index = positional.index("out") if "out" in positional else None
    return [index] if index is not None and index < count else []


def _without_outs(fn: Any, operands: list[Operand], keywords: dict[str, Operand],
                  positions: list[int], node: ast.Call,
                  loc: SourceLoc | None) -> tuple[list[Operand], dict[str, Operand]]:
    """The call's arguments without its outputs; arguments given by position after an
    output are given by keyword instead."""
    keywords = {k: v for k, v in keywords.items() if k != "out"}
    if not positions:
        return list(operands), keywords
    after = operands[positions[-1] + 1:]
    if after and isinstance(fn, np.ufunc):
        raise UnsupportedSyntaxError(f"too many arguments for '{fn_label(fn)}'", loc,
                                     "pass the inputs, then out= by keyword")
    if after:
        signature = _signature(fn)
        assert signature is not None  # it gave the output's position
        params = list(signature.parameters.values())[positions[-1] + 1:]
        for param, value in zip(params, after):
            if param.kind is not param.POSITIONAL_OR_KEYWORD:
                raise UnsupportedSyntaxError(
                    f"srcad cannot pass the arguments after the output of '{fn_label(fn)}'",
                    loc, "pass out= and the options after it by keyword")
            keywords[param.name] = value
    return list(operands[:positions[0]]), keywords


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _location(loc: SourceLoc | None) -> tuple:
    if loc is None:
        return ("<unknown>", 0, 0, "?")
    return (loc.filename, loc.line, loc.col, loc.function)
