"""How the compiler's passes run: in order, with an IR dump and verification after
each one when asked for.

`SRCAD_DUMP_IR=1` (or `dump_ir(True)`) prints the unit's IR to stderr after every pass,
headed by the pass name and the function's name. `SRCAD_VERIFY_IR=1` (or
`verify_ir(True)`; the test suite turns it on) runs the IR verifier after every pass,
with the value kinds once they are inferred. Without it, the IR is verified only by
the `verify` passes, which are cheap.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from srcad.ir.nodes import Function
from srcad.ir.verify import IRVerificationError, verify


class Unit(Protocol):
    """What the runner needs of a unit of work (see `unit.py`)."""

    @property
    def title(self) -> str: ...

    def listing(self) -> str: ...

    def checked(self) -> list[tuple[Function, Mapping | None]]: ...


U = TypeVar("U", bound=Unit)


def _always(unit: object) -> bool:
    return True


@dataclass(frozen=True)
class Pass(Generic[U]):
    """One step of the compiler: `run` updates the unit in place; the pass is skipped
    for units where `when` is false. `summary` says what it does, in one line."""

    name: str
    summary: str
    run: Callable[[U], None]
    when: Callable[[U], bool] = _always


_DUMP, _VERIFY = "SRCAD_DUMP_IR", "SRCAD_VERIFY_IR"
_forced: dict[str, bool | None] = {_DUMP: None, _VERIFY: None}


def dump_ir(on: bool | None = True) -> None:
    """Print the IR after every pass to stderr (None: as `SRCAD_DUMP_IR` says)."""
    _forced[_DUMP] = on


def verify_ir(on: bool | None = True) -> None:
    """Verify the IR after every pass (None: as `SRCAD_VERIFY_IR` says)."""
    _forced[_VERIFY] = on


def _is_on(switch: str) -> bool:
    forced = _forced[switch]
    if forced is not None:
        return forced
    return os.environ.get(switch, "") not in ("", "0")


def run_passes(passes: Sequence[Pass[U]], unit: U) -> U:
    """Run each pass that applies to `unit`, in order; returns the unit."""
    dump, check = _is_on(_DUMP), _is_on(_VERIFY)
    for step in passes:
        if not step.when(unit):
            continue
        step.run(unit)
        if dump:
            print(f"--- srcad: after pass '{step.name}' ({unit.title}) ---\n{unit.listing()}\n",
                  file=sys.stderr)
        if check and step.name != "verify":
            for fn, kinds in unit.checked():
                try:
                    verify(fn, kinds)
                except IRVerificationError as exc:
                    raise IRVerificationError(f"after pass '{step.name}': {exc}") from exc
    return unit
