"""Build SSA IR from code that assigns named variables more than once.

Both the lowering (user variables) and the reverse transform (adjoint variables)
use this: they read and write *names*; the builder hands out fresh SSA values and
inserts the `Phi` and `Carried` merges that structured control flow needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeGuard

from srcad.errors import UnsupportedSyntaxError
from srcad.ir.handles import Ambiguous, Lowered, Struct, same_layout
from srcad.ir.nodes import (
    Block,
    Call,
    Carried,
    Const,
    ForRange,
    If,
    Operand,
    Origin,
    Phi,
    Var,
    While,
    defined_vars,
    region_vars,
    substitute,
    walk,
)

_SIMPLE = (int, float, bool, str, type(None))

Env = dict[Any, Lowered]
"""What each name (a variable, or a container's item key) is bound to."""


def is_operand(value: object) -> TypeGuard[Operand]:
    """True for run-time values (as opposed to handles the lowering resolves itself)."""
    return isinstance(value, (Var, Const))


def same_operand(a: Lowered, b: Lowered) -> bool:
    """Whether `a` and `b` are one value: the same object, or equal simple constants."""
    if a is b:
        return True
    if isinstance(a, Const) and isinstance(b, Const):
        # repr tells 0.0 from -0.0 (and keeps NaN equal to itself)
        return (type(a.value) is type(b.value) and isinstance(a.value, _SIMPLE)
                and repr(a.value) == repr(b.value))
    return False


class Builder:
    """Appends statements to a current block and tracks name -> current SSA value.

    Parameters
    ----------
    missing : Const
        The value a name has on a path where it was never assigned (None for user
        variables, 0.0 for adjoints).
    hint : callable
        Maps a name to the readable hint of the SSA values that hold it.
    origin : callable
        Maps a name to the `Origin` of the SSA values that hold it, for names of
        derived values (the reverse transform's adjoints); None for the others.
    """

    def __init__(self, missing: Const = Const(None), hint: Callable[[Any], str] = str,
                 origin: Callable[[Any], Origin | None] = lambda key: None):
        self.block = Block()
        self.env: Env = {}
        self.missing = missing
        self.hint = hint
        self.origin = origin
        self.call_targets: set = set()  # values computed by a call (not merged)
        self._merged: set = set()  # containers made by the merge in progress

    # -- straight-line code
    def append(self, stmt) -> None:
        self.block.stmts.append(stmt)

    def call(self, fn, args: Iterable[Operand], kwargs: dict | None = None, loc=None,
             name: str = "t", origin: Origin | None = None) -> Var:
        """`fn(*args, **kwargs)`, a value with the hint `name`, or named after the value
        `origin` gives."""
        target = Var(name) if origin is None else Var(origin.hint, origin=origin)
        self.append(Call(target, fn, list(args), dict(kwargs or {}), loc))
        self.call_targets.add(target)
        return target

    def effect(self, fn, args: Iterable[Operand], kwargs: dict | None = None, loc=None) -> None:
        self.append(Call(None, fn, list(args), dict(kwargs or {}), loc))

    def read(self, key) -> Lowered | None:
        return self.env.get(key)

    def read_operand(self, key) -> Operand | None:
        """`read` for a name only ever bound to run-time values (an adjoint)."""
        value = self.env.get(key)
        assert value is None or is_operand(value), f"{key!r} is bound to {value!r}"
        return value

    def write(self, key, value: Lowered) -> None:
        self.env[key] = value

    def forget(self, key) -> None:
        self.env.pop(key, None)

    def new_var(self, key) -> Var:
        """A fresh SSA value for the name `key` (a merge of its values)."""
        return Var(self.hint(key), origin=self.origin(key))

    # -- regions
    def build_if(self, cond: Operand, build_then: Callable[[], None],
                 build_else: Callable[[], None], loc=None) -> If:
        outer_block, outer_env = self.block, self.env
        then_block, then_env = self._run(build_then, dict(outer_env))
        else_block, else_env = self._run(build_else, dict(outer_env))
        self.block, self.env = outer_block, dict(outer_env)
        stmt = If(cond, then_block, else_block, [], loc)
        for key in _ordered_union(then_env, else_env):
            t = then_env.get(key, self.missing)
            e = else_env.get(key, self.missing)
            if same_operand(t, e):
                self.env[key] = t
            elif isinstance(t, Struct) and isinstance(e, Struct) and same_layout(t, e):
                self.env[key] = self._merge_structs(t, e, then_env, else_env, stmt)
            elif not (is_operand(t) and is_operand(e)):
                # a function or container on one path, something else on the other
                self.env[key] = Ambiguous(key)
            else:
                out = self.new_var(key)
                stmt.outputs.append(Phi(out, t, e))
                self.env[key] = out
        for key in list(self.env):
            if key not in then_env and key not in else_env and not (
                    isinstance(key, tuple) and key and key[0] in self._merged):
                del self.env[key]
        self._merged.clear()
        self.append(stmt)
        return stmt

    def build_for(self, rng: Operand, index_name: str, build_body: Callable[[Var], None],
                  assigned: Iterable = (), exit_key=None, loc=None) -> ForRange:
        index = Var(index_name)
        phis, outer_env = self._open_loop(assigned)
        body_block, body_env = self._run(lambda: build_body(index), dict(self.env))
        stmt = ForRange(index, rng, [], body_block, None, loc)
        if exit_key is not None:
            stmt.exit = _exit_flag(body_env, exit_key)
        self._close_loop(stmt, phis, outer_env, body_env)
        return stmt

    def build_while(self, build_cond: Callable[[], Operand], build_body: Callable[[], None],
                    assigned: Iterable = (), exit_key=None, loc=None) -> While:
        phis, outer_env = self._open_loop(assigned)
        holder: dict[str, Operand] = {}

        def cond() -> None:
            holder["cond"] = build_cond()

        cond_block, cond_env = self._run(cond, dict(self.env))
        body_block, body_env = self._run(build_body, dict(cond_env))
        stmt = While([], cond_block, holder["cond"], body_block, None, loc)
        if exit_key is not None:
            stmt.exit = _exit_flag(body_env, exit_key)
        self._close_loop(stmt, phis, outer_env, body_env)
        return stmt

    def _run(self, build: Callable[[], Any], env: Env) -> tuple[Block, Env]:
        outer_block, outer_env = self.block, self.env
        self.block, self.env = Block(), env
        try:
            build()
            return self.block, self.env
        finally:
            self.block, self.env = outer_block, outer_env

    def _merge_structs(self, t: Struct, e: Struct, then_env: Env, else_env: Env,
                       stmt: If) -> Struct:
        """Two containers of one layout, one per branch: a container of merged items.
        (It cannot be assigned into: the names bound to `t` or `e` would not see it.)"""
        merged = Struct(t.kind, list(t.keys), t.cls, t.name, mutable=False, region=self.block)
        self._merged.add(merged)
        for k in t.keys:
            ti, ei = then_env.get(t.item_key(k)), else_env.get(e.item_key(k))
            value: Lowered
            if ti is None or ei is None:
                value = Ambiguous(merged.item_key(k), "a value set on one path only")
            elif same_operand(ti, ei):
                value = ti
            elif isinstance(ti, Struct) and isinstance(ei, Struct) and same_layout(ti, ei):
                value = self._merge_structs(ti, ei, then_env, else_env, stmt)
            elif is_operand(ti) and is_operand(ei):
                out = self.new_var(merged.item_key(k))
                stmt.outputs.append(Phi(out, ti, ei))
                value = out
            else:
                value = Ambiguous(merged.item_key(k))
            self.env[merged.item_key(k)] = value
        return merged

    def _loop_copy(self, struct: Struct) -> Struct:
        """A container a loop rebinds: a copy whose items the loop carries."""
        copy = Struct(struct.kind, list(struct.keys), struct.cls, struct.name, mutable=False,
                      region=self.block)
        for k in struct.keys:
            item = self.env.get(struct.item_key(k))
            if isinstance(item, Struct):
                item = self._loop_copy(item)
            if item is not None:
                self.env[copy.item_key(k)] = item
        return copy

    def _redirect(self, old: Struct, new: Struct, body_env: Env) -> bool:
        """Make the items of `old` (carried by the loop) take the values of `new`'s."""
        if old is new:
            return True
        if not same_layout(old, new):
            return False
        for k in old.keys:
            o, n = body_env.get(old.item_key(k)), body_env.get(new.item_key(k))
            if isinstance(o, Struct):
                if not (isinstance(n, Struct) and self._redirect(o, n, body_env)):
                    return False
            elif n is None or not is_operand(n):
                return False
            else:
                body_env[old.item_key(k)] = n
        return True

    def _open_loop(self, assigned: Iterable) -> tuple[dict, dict]:
        assigned = list(assigned)
        for key in assigned:
            current = self.env.get(key)
            if isinstance(current, Struct):
                self.env[key] = self._loop_copy(current)
        phis = {}
        keys = [k for k in self.env if is_operand(self.env[k])] + \
            [k for k in assigned if k not in self.env]
        outer_env = dict(self.env)
        for key in keys:
            init = self.env.get(key, self.missing)
            var = self.new_var(key)
            phis[key] = (var, init)
        for key, (var, _) in phis.items():
            self.env[key] = var
        return phis, outer_env

    def _close_loop(self, stmt, phis: dict, outer_env: dict, body_env: dict) -> None:
        for key, value in outer_env.items():
            new = body_env.get(key)
            if is_operand(value) or new is value:
                continue
            if isinstance(value, Struct) and isinstance(new, Struct) and \
                    self._redirect(value, new, body_env):
                body_env[key] = value  # the carried items now hold the new container's
                continue
            raise UnsupportedSyntaxError(
                f"'{self.hint(key)}' is bound to another function, or to a container with "
                "other keys, inside a loop", stmt.loc,
                "bind it once before the loop, or rebind it to a container with the same "
                "keys on every iteration")
        trivial = {}
        for key, (var, init) in phis.items():
            nxt = body_env.get(key, self.missing)
            if not is_operand(nxt):
                # made inside the loop body: usable there, not after the loop
                self.env[key] = Ambiguous(key, "a function or container made inside a loop")
                continue
            if nxt is var or same_operand(nxt, init):
                trivial[var] = init
                if key in outer_env:
                    self.env[key] = init
                else:
                    self.env.pop(key, None)
                continue
            out = self.new_var(key)
            stmt.carried.append(Carried(var, init, nxt, out))
            self.env[key] = out
        # A trivial value never changes: its uses read the initial value instead.
        if trivial:
            substitute(stmt.body, trivial)
            if isinstance(stmt, While):
                substitute(stmt.cond_block, trivial)
                stmt.cond = _resolve(stmt.cond, trivial)
            if stmt.exit is not None:
                stmt.exit = _resolve(stmt.exit, trivial)
            for c in stmt.carried:
                c.next = _resolve(c.next, trivial)
        self.append(stmt)


def rename_after(var: Var, origin: Origin) -> None:
    """Name an existing value after another: a template's result that turns out to be
    an adjoint or a tangent."""
    var.origin = origin
    var.name = origin.hint


def name_template_values(stmts: list, mark: int, operands: dict, prefix: str) -> None:
    """Values a derivative template made for `d<name>` (`mark`: the last value made
    before it) are named after the operand bound to `name`: in the adjoint template
    `dx = dy * np.cos(x)` of a call `np.sin(h)`, `dx` is the adjoint `bh`. For
    `*args` (a tuple of operands) the name keeps the template's: `bargs`."""
    for stmt in walk(Block(stmts)):
        for var in defined_vars(stmt) + region_vars(stmt):
            if var.id <= mark or var.origin is not None or not var.name.startswith("d"):
                continue
            name = var.name[1:]
            operand = operands.get(name)
            if isinstance(operand, Var):
                rename_after(var, Origin(prefix, operand))
            elif isinstance(operand, tuple):
                var.name = prefix + name


def _exit_flag(body_env: Env, exit_key: Any) -> Operand:
    """A loop's exit flag as its body leaves it (False if no `break` sets it)."""
    flag = body_env.get(exit_key, Const(False))
    assert is_operand(flag), f"the exit flag of a loop is {flag!r}, not a run-time value"
    return flag


def _resolve(op, mapping):
    while isinstance(op, Var) and op in mapping:
        op = mapping[op]
    return op


def _ordered_union(a: dict, b: dict) -> list:
    keys = list(a)
    seen = set(keys)
    keys.extend(k for k in b if k not in seen)
    return keys
