"""The shortest call path, for gradients of functions of Python floats.

A scalar optimizer calls `srcad.grad(f)(a, b, c)` thousands of times; the generated
code for eight floats runs in about half a microsecond, so the general call path
(a key of the arguments' types, a cache lookup, a loop converting each gradient)
would cost several times the work itself. Once a call with `n` positional floats has
been transformed, the gradient function gets an entry made for exactly that call: it
unpacks the arguments, tests their types, tests that the names the function read at
transformation still hold the same objects, runs the generated code and checks that
every gradient is a float, all in straight-line code; anything else declines
(`SLOW`), and the general path handles the call as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from srcad.frontend.source import MISSING

SLOW = object()  # the entry declines: take the general path


def float_entry(generated: Callable, n_args: int, n_grads: int, with_value: bool,
                single: bool, captured: list) -> Callable[[tuple], Any] | None:
    """An entry running `generated` for `n_args` positional floats, or None where the
    names captured at transformation are not all plain namespace entries."""
    if not all(isinstance(holder, dict) and isinstance(name, str)
               for holder, name, _ in captured):
        return None
    params = [f"a{i}" for i in range(n_args)]
    grads = [f"g{i}" for i in range(n_grads)]
    namespace: dict[str, Any] = {"generated": generated, "SLOW": SLOW, "MISSING": MISSING}
    # (type, float and the captured objects as defaults: locals, not global lookups)
    lines = ["def entry(args, type=type, float=float, generated=generated, SLOW=SLOW):",
             f"    if len(args) != {n_args}:",
             "        return SLOW"]
    if params:
        lines += [f"    {', '.join(params)}, = args",
                  f"    if {' or '.join(f'type({p}) is not float' for p in params)}:",
                  "        return SLOW"]
    for i, (holder, name, value) in enumerate(captured):
        namespace[f"holder{i}"], namespace[f"value{i}"] = holder, value
        lines += [f"    if holder{i}.get({name!r}, MISSING) is not value{i}:",
                  "        return SLOW"]
    result = "value, gradients" if with_value else "gradients"
    lines += ["    try:",
              f"        {result} = generated({', '.join(params)})",
              "    except Exception:",
              "        return SLOW  # (the general path raises it, pointing at the user's line)"]
    checks = [f"type({g}) is not float" for g in grads]
    if with_value:
        checks.append("type(value) is not float")
    if grads:
        lines.append(f"    {', '.join(grads)}, = gradients")
    if checks:
        lines += [f"    if {' or '.join(checks)}:", "        return SLOW"]
    out = "g0" if single else "gradients"
    lines.append(f"    return value, {out}" if with_value else f"    return {out}")
    exec(compile("\n".join(lines) + "\n", "<srcad float entry>", "exec"), namespace)
    return namespace["entry"]
