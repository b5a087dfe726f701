"""`python -m srcad`: show generated code, check gradients, list rules and coverage.

    python -m srcad show FILE.py:FUNCTION [--wrt a,b]
                         [--mode reverse|forward|hvp|hessian|jacobian]
                         [--shape x=3x4 ...] [--check-finite]
    python -m srcad check FILE.py:FUNCTION [--wrt a,b] [--shape x=3x4 ...] [--seed N]
    python -m srcad rules | rules-md | coverage-md

The function's arguments are random floats (NumPy's default generator, `--seed`), numbers
unless `--shape name=3x4` gives an array's shape; `--shape name=` keeps a number.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import pathlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import srcad
from srcad.rules import coverage
from srcad.surface import table

MODES = ("reverse", "forward", "hvp", "hessian", "jacobian")


def load_function(target: str) -> Callable:
    """The function `FILE.py:NAME` names (the file is run as a module of its own)."""
    path_text, _, name = target.rpartition(":")
    path = pathlib.Path(path_text)
    if not path_text or not name or not path.is_file():
        raise SystemExit(f"srcad: expected FILE.py:FUNCTION with an existing file, got "
                         f"{target!r}")
    spec = importlib.util.spec_from_file_location(f"srcad_cli_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise SystemExit(f"srcad: {path} has no function {name!r}")
    return fn


def parse_shapes(items: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """`["x=3x4", "s="]` -> {"x": (3, 4), "s": ()}."""
    shapes = {}
    for item in items:
        name, sep, dims = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"srcad: --shape takes name=3x4, got {item!r}")
        try:
            shapes[name] = tuple(int(d) for d in dims.split("x") if d)
        except ValueError:
            raise SystemExit(f"srcad: --shape takes name=3x4, got {item!r}") from None
    return shapes


def example_arguments(fn: Callable, shapes: dict, seed: int) -> list:
    """Random floats (uniform in [0.5, 1.5)) for each parameter of `fn`."""
    rng = np.random.default_rng(seed)
    params = [p.name for p in inspect.signature(fn).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    unknown = sorted(set(shapes) - set(params))
    if unknown:
        raise SystemExit(f"srcad: {fn.__name__} has no parameter {', '.join(unknown)}")
    args: list[Any] = []
    for name in params:
        shape = shapes.get(name, ())
        args.append(float(rng.uniform(0.5, 1.5)) if shape == () else
                    rng.uniform(0.5, 1.5, shape))
    return args


def _wrt(text: str | None) -> Any:
    if not text:
        return 0
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    return names[0] if len(names) == 1 else names


def show(args: argparse.Namespace) -> int:
    fn = load_function(args.target)
    values = example_arguments(fn, parse_shapes(args.shape), args.seed)
    wrt = _wrt(args.wrt)
    check = args.check_finite or None
    if args.mode == "reverse":
        derived = srcad.grad(fn, wrt=wrt, check_finite=check)
    elif args.mode == "forward":  # (the tangent code srcad.jvp runs)
        derived = srcad.jacobian(fn, wrt=wrt, mode="forward", check_finite=check)
    elif args.mode == "hvp":
        derived = srcad.hvp(fn, wrt=wrt, check_finite=check)
    elif args.mode == "hessian":
        derived = srcad.hessian(fn, wrt=wrt, check_finite=check)
    else:
        derived = srcad.jacobian(fn, wrt=wrt, check_finite=check)
    print(srcad.source(derived, *values))
    return 0


def check(args: argparse.Namespace) -> int:
    """Compare srcad's gradient with central differences, argument by argument."""
    fn = load_function(args.target)
    values = example_arguments(fn, parse_shapes(args.shape), args.seed)
    wrt = _wrt(args.wrt)
    names = [p for p in inspect.signature(fn).parameters]
    positions = [w if isinstance(w, int) else names.index(w)
                 for w in (wrt if isinstance(wrt, tuple) else (wrt,))]
    grads = srcad.grad(fn, wrt=tuple(positions))(*values)
    failed = False
    print(f"{'argument':<12} {'shape':<12} {'max |error|':>12} {'max |gradient|':>15}  result")
    for position, got in zip(positions, grads):
        want = _differences(fn, values, position, args.eps)
        error = float(np.max(np.abs(np.asarray(got) - want), initial=0.0))
        scale = float(np.max(np.abs(want), initial=0.0))
        ok = error <= args.rtol * max(1.0, scale)
        failed |= not ok
        shape = "x".join(map(str, np.shape(values[position]))) or "number"
        print(f"{names[position]:<12} {shape:<12} {error:12.3g} {scale:15.3g}  "
              f"{'ok' if ok else 'DIFFERS'}")
    return 1 if failed else 0


def _differences(fn: Callable, values: list, position: int, eps: float) -> np.ndarray:
    x = np.asarray(values[position], dtype=float)
    out = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        moved = []
        for step in (eps, -eps):
            y = x.copy()
            y[index] += step
            args = list(values)
            args[position] = float(y) if y.shape == () else y
            moved.append(float(fn(*args)))
        out[index] = (moved[0] - moved[1]) / (2 * eps)
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m srcad", description="srcad: show generated derivative code, check "
        "gradients against finite differences, list rules and coverage.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def target_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("target", metavar="FILE.py:FUNCTION", help="the function")
        sub.add_argument("--wrt", help="the arguments, by name (a,b; default: the first)")
        sub.add_argument("--shape", action="append", default=[], metavar="NAME=3x4",
                         help="an argument's array shape (repeat; default: a number)")
        sub.add_argument("--seed", type=int, default=0, help="seed of the random arguments")

    sub = commands.add_parser("show", help="print the generated code",
                              description="Print the code srcad generates for FUNCTION.")
    target_options(sub)
    sub.add_argument("--mode", choices=MODES, default="reverse",
                     help="reverse (srcad.grad), forward (the tangent code of srcad.jvp), "
                          "hvp, hessian or jacobian")
    sub.add_argument("--check-finite", action="store_true",
                     help="the variant that checks every value for NaN and Inf")
    sub.set_defaults(run=show)
    sub = commands.add_parser("check", help="compare the gradient with finite differences",
                              description="Compare srcad.grad of FUNCTION with central "
                              "differences at random arguments; exit 1 if they differ.")
    target_options(sub)
    sub.add_argument("--eps", type=float, default=1e-6, help="the differences' step")
    sub.add_argument("--rtol", type=float, default=1e-5, help="tolerance, relative")
    sub.set_defaults(run=check)
    for name, text in (("rules", "list every rule"), ("rules-md", "docs/rules.md"),
                       ("coverage-md", "probe the NumPy/SciPy surface: docs/coverage.md")):
        commands.add_parser(name, help=text, description=text).set_defaults(run=_listing)
    return parser


def _listing(args: argparse.Namespace) -> int:
    if args.command == "rules":
        print(coverage.text_table())
    elif args.command == "rules-md":
        sys.stdout.write(coverage.markdown())
    else:
        sys.stdout.write(table.generate())
    return 0


def main(argv: Sequence[str]) -> int:
    """Run `python -m srcad` with the arguments `argv`; the exit status."""
    args = _parser().parse_args(list(argv) or ["rules"])
    try:
        return int(args.run(args))
    except srcad.SrcadError as exc:
        print(f"srcad: {exc}", file=sys.stderr)
        return 1
