"""`obj[k] += v` and `obj.attr += v` where the item may be an array or a list.

Python runs `item = obj[k]; item += v; obj[k] = item`: the item itself changes in place,
and every other variable or container holding it (or a view of it) sees the change.
srcad makes a new item, which is the same only if nothing else holds the old one. An
item of a NumPy array is written back into the array (the array's own aliasing is
`mutation.py`'s business), so only items of containers are checked: a module-level
array is refused at once, anything else at run time against the values the function
holds.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.ir.handles import Lowered, Struct
from srcad.ir.nodes import Const, Operand, Var
from srcad.lower.containers import Containers
from srcad.lower.context import LoweringContext
from srcad.runtime import python as pyrt


class ItemUpdates:
    """Guards augmented assignments to items and attributes.

    Parameters
    ----------
    core : LoweringContext
        The lowering the statements belong to.
    containers : Containers
        Finds the key of an item of a container handle.
    """

    def __init__(self, core: LoweringContext, containers: Containers):
        self.core = core
        self.containers = containers

    def check(self, target: ast.Subscript | ast.Attribute, item: Operand,
              loc: SourceLoc | None) -> None:
        """Refuse (now, or at run time) `target += v` where changing `item` in place
        would change something else too."""
        core = self.core
        text = ast.unparse(target)
        if isinstance(item, Const):
            if isinstance(item.value, (np.ndarray, list)):
                raise UnsupportedSyntaxError(
                    f"'{text} += ...' would change a module-level array or list in place",
                    loc, f"write {text} = {text} + ... (a new value)")
            return
        owner = core.container_of(target)
        exclude: Any
        if isinstance(owner, Struct):
            container: Operand = Const(None)
            key = target.attr if isinstance(target, ast.Attribute) else \
                self.containers.static_key(target.slice, owner)
            exclude = owner.item_key(key)
        else:
            root = target.value
            while isinstance(root, (ast.Subscript, ast.Attribute)):
                root = root.value
            verdict = core.mutations.get(root.id) if isinstance(root, ast.Name) else None
            if isinstance(target, ast.Subscript) and verdict is not None and \
                    verdict.arrays_only:
                return  # an item of a new NumPy array
            container = core.operand(owner, target.value) if owner is not None else \
                core.value(target.value)
            exclude = None
        others = _distinct([v for k, v in core.b.env.items()
                            if k != exclude and v is not container and _may_hold(v)] +
                           list(core.session.arguments))
        assert loc is not None  # user code (rule templates change no items)
        where = Const((loc.filename, loc.line, loc.col, loc.function))
        core.b.effect(pyrt.check_item_unshared, [container, item, Const(text), where,
                                                 *others], loc=loc)


def _may_hold(value: Lowered) -> bool:
    """A run-time value that may be or hold an array: a variable, or a constant array
    or list."""
    return isinstance(value, Var) or (isinstance(value, Const) and
                                      isinstance(value.value, (np.ndarray, list, tuple)))


def _distinct(values: list[Lowered]) -> list[Operand]:
    seen: set[int] = set()
    out: list[Operand] = []
    for v in values:
        if isinstance(v, (Var, Const)) and id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out
