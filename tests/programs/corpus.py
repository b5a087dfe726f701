"""The program corpus: realistic programs from several fields, as practitioners write
them, each checked against finite differences (`test_programs.py`).

Each field module (`deep_learning.py`, `physics.py`, ...) defines `PROGRAMS`, a list of
`Program`s. A program is a loss function written as a person in that field writes it
(helpers, loops, in-place updates, classes, SciPy), a function making its arguments, the
arguments it is differentiated with respect to, and what is expected of srcad:

- "gradient": a gradient that agrees with central differences;
- "second order" as well: the Hessian-vector product agrees with differences of the
  gradient;
- a refusal, stated as `refused="why"`: srcad must raise a `SrcadError`; the reason
  is recorded in the corpus table (docs and the closing note list every one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Program:
    """One program of the corpus.

    Parameters
    ----------
    name : str
        A short identifier, unique within its field.
    loss : callable
        The function differentiated; returns a real scalar.
    make_args : callable
        ``make_args(rng)`` returns the tuple of arguments (NumPy arrays, floats, ...).
    wrt : tuple of int
        The positions of the arguments differentiated.
    second_order : bool
        Whether the Hessian-vector product is checked too.
    refused : str
        Empty when srcad must differentiate the program; else why srcad refuses it
        (it must raise a `srcad.SrcadError`).
    rtol : float
        Relative tolerance against central differences.
    """

    name: str
    loss: Callable
    make_args: Callable
    wrt: tuple = (0,)
    second_order: bool = False
    refused: str = ""
    rtol: float = 1e-5


# The field modules, in the order of the corpus table.
FIELDS = ("deep_learning", "machine_learning", "statistical_models", "optimization",
          "physics", "signal_processing", "finance", "scientific_computing", "object_models",
          "python_idioms")


def all_programs() -> list[tuple[str, Program]]:
    """(field, program) for every program of every field module that exists."""
    import importlib

    out = []
    for field in FIELDS:
        try:
            module = importlib.import_module(field)
        except ModuleNotFoundError as exc:
            if exc.name != field:
                raise
            continue
        out.extend((field, p) for p in module.PROGRAMS)
    return out


def table() -> str:
    """The corpus table by field: programs, second-order ones, refusals (and why)."""
    import numpy as np

    import srcad

    rows = ["| field | programs | gradient | second order | refused |", "|---|---|---|---|---|"]
    refusals = []
    for field in FIELDS:
        programs = [p for f, p in all_programs() if f == field]
        if not programs:
            continue
        ok = [p for p in programs if not p.refused]
        for p in programs:
            if p.refused:
                try:
                    srcad.grad(p.loss, wrt=p.wrt)(*p.make_args(np.random.default_rng(0)))
                    message = "(no longer refused: mark it)"
                except srcad.SrcadError as exc:
                    message = str(exc).splitlines()[0]
                refusals.append(f"- {field}.{p.name}: {p.refused} -- {message}")
        rows.append(f"| {field} | {len(programs)} | {len(ok)} | "
                    f"{sum(p.second_order for p in ok)} | {len(programs) - len(ok)} |")
    return "\n".join(rows + ([""] + refusals if refusals else []))


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    print(table())
