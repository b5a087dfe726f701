"""The shortest call path: an entry made for the argument types and shapes of a call.

A scalar optimizer calls `srcad.grad(f)(a, b, c)` thousands of times, a training loop
`grad(loss)(W1, b1, W2, b2, X, Y)` with the same shapes every step; the generated code
for eight floats runs in about half a microsecond, so the general call path (a key of
the arguments' types and shapes, a cache lookup, a loop converting each gradient) costs
several times the work itself. Once a call with positional floats and float arrays has
been transformed, the gradient function gets an entry made for exactly that call: it
unpacks the arguments, tests each one's type (and an array's shape and dtype), tests
that the names the function read at transformation still hold the same objects, runs
the generated code and checks each gradient (a float for a float; for an array, one
nothing else refers to, of the argument's shape and dtype, else a converted copy), all
in straight-line code. Anything else declines (`SLOW`) and the general path handles
the call as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from srcad.api.results import as_like, owned_arrays
from srcad.frontend.source import MISSING
from srcad.runtime.outputs import is_real_scalar

SLOW = object()  # the entry declines: take the general path


def float_entry(generated: Callable, args: tuple, positions: tuple, with_value: bool,
                single: bool, captured: list) -> Callable[[tuple], Any] | None:
    """An entry running `generated` for arguments like `args` (positional floats and
    float arrays), or None where the names captured at transformation are not all plain
    namespace entries."""
    if not all(isinstance(holder, dict) and isinstance(name, str)
               for holder, name, _ in captured):
        return None
    params = [f"a{i}" for i in range(len(args))]
    grads = [f"g{i}" for i in range(len(positions))]
    namespace: dict[str, Any] = {
        "generated": generated, "SLOW": SLOW, "MISSING": MISSING, "ndarray": np.ndarray,
        "float64": np.float64, "as_like": as_like, "owned_arrays": owned_arrays,
        "is_real_scalar": is_real_scalar}
    # (type, float and the other names as defaults: locals, not global lookups)
    defaults = ["type=type", "float=float", "generated=generated", "SLOW=SLOW",
                "ndarray=ndarray", "as_like=as_like", "owned_arrays=owned_arrays"]
    tests = []
    for i, (p, a) in enumerate(zip(params, args)):
        if type(a) is float:
            tests.append(f"type({p}) is not float")
        else:
            namespace[f"shape{i}"], namespace[f"dtype{i}"] = a.shape, a.dtype
            defaults += [f"shape{i}=shape{i}", f"dtype{i}=dtype{i}"]
            tests.append(f"type({p}) is not ndarray or {p}.shape != shape{i} or "
                         f"{p}.dtype is not dtype{i}")
    lines = [f"def entry(args, {', '.join(defaults)}):",
             f"    if len(args) != {len(args)}:",
             "        return SLOW"]
    if params:
        lines.append(f"    {', '.join(params)}, = args")
        lines += [f"    if {test}:\n        return SLOW" for test in tests]
    for i, (holder, name, value) in enumerate(captured):
        namespace[f"holder{i}"], namespace[f"value{i}"] = holder, value
        lines += [f"    if holder{i}.get({name!r}, MISSING) is not value{i}:",
                  "        return SLOW"]
    result = "value, gradients" if with_value else "gradients"
    lines += ["    try:",
              f"        {result} = generated({', '.join(params)})",
              "    except Exception:",
              "        return SLOW  # (the general path raises it, pointing at the user's line)"]
    if with_value:
        lines += ["    if type(value) is not float and type(value) is not float64 and \\",
                  "            not is_real_scalar(value):",
                  "        return SLOW  # (the general path says why)"]
    arrays = any(type(args[p]) is not float for p in positions)
    if arrays:  # (before anything else holds the gradients)
        lines.append("    owned = owned_arrays(gradients)")
    if grads:
        lines.append(f"    {', '.join(grads)}, = gradients")
    for j, (g, p) in enumerate(zip(grads, positions)):
        if type(args[p]) is float:
            lines += [f"    if type({g}) is not float:",
                      f"        {g} = as_like({g}, a{p}, args)"]
        else:
            lines += [f"    if not (owned[{j}] and {g}.shape == shape{p} and "
                      f"{g}.dtype is dtype{p}):",
                      f"        {g} = as_like({g}, a{p}, args, owned[{j}])"]
    out = "g0" if single else f"({', '.join(grads)},)"
    lines.append(f"    return value, {out}" if with_value else f"    return {out}")
    exec(compile("\n".join(lines) + "\n", "<srcad call entry>", "exec"), namespace)
    return namespace["entry"]
