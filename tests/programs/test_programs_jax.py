"""The corpus against JAX (a marked slow run, where JAX is installed): each program's
module is rebuilt with `np` meaning `jax.numpy` (float64), and where the program then
runs under `jax.grad` (no in-place NumPy updates, no SciPy, no objects of its own
classes), its JAX gradient must equal srcad's. Programs JAX cannot run are skipped with
the reason; run with `python -m pytest -m slow tests/programs/test_programs_jax.py`."""

from __future__ import annotations

import importlib
import os
import sys
import types

import numpy as np
import pytest

import srcad

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from corpus import all_programs  # noqa: E402

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

PROGRAMS = [(f, p) for f, p in all_programs() if not p.refused]


def _with_jax_numpy(fn: types.FunctionType, field: str) -> types.FunctionType:
    """`fn` and every function of its module it can reach by name, reading `np` as
    `jax.numpy`."""
    module = importlib.import_module(field)
    namespace = dict(module.__dict__)
    namespace["np"] = jnp
    for name, value in module.__dict__.items():
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            namespace[name] = types.FunctionType(value.__code__, namespace, value.__name__,
                                                 value.__defaults__, value.__closure__)
    return namespace[fn.__name__] if fn.__name__ in namespace and \
        getattr(module, fn.__name__, None) is fn else \
        types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__,
                           fn.__closure__)


@pytest.mark.slow
@pytest.mark.parametrize("field,program", PROGRAMS,
                         ids=[f"{field}-{p.name}" for field, p in PROGRAMS])
def test_program_against_jax(field, program):
    args = program.make_args(np.random.default_rng(0))
    if not all(isinstance(args[i], (float, np.ndarray)) for i in program.wrt):
        pytest.skip("structured arguments")
    as_jax = _with_jax_numpy(program.loss, field)
    try:
        expected = jax.grad(as_jax, argnums=program.wrt)(
            *[jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args])
    except Exception as exc:  # noqa: BLE001  (what JAX cannot run is reported, not failed)
        pytest.skip(f"JAX cannot run it as written: {type(exc).__name__}")
    ours = srcad.grad(program.loss, wrt=program.wrt)(*args)
    for got, want in zip(ours, expected):
        np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want),
                                   rtol=1e-6, atol=1e-9)
