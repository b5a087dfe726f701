#!/usr/bin/env python
"""Benchmark srcad gradients against the primal, hand-written gradients and peers.

Usage:
    python benchmarks/bench_grad.py            # full run (well under a minute)
    python benchmarks/bench_grad.py --quick    # smoke run, a few hundred ms

Three problems are timed side by side:

1. toy1d     -- the 1-D toy network of *Understanding Deep Learning* ch. 7 on
                scalar Python floats; gradient w.r.t. its 8 parameters.
2. mlp       -- a small NumPy MLP (64x32 inputs, 64 hidden units, 10 outputs);
                gradient w.r.t. W1, b1, W2, b2.
3. recur100  -- a 100-step scalar recurrence x <- sin(x) * w + 0.1;
                gradient w.r.t. x and w.

Every srcad gradient (and every installed peer) is checked against the
hand-written gradient before anything is timed; a srcad mismatch aborts.
See benchmarks/README.md for what the columns mean.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import math
import os
import platform
import sys
import time
import timeit

import numpy as np

import srcad

# ---------------------------------------------------------------------------
# 1. The 1-D toy network (UDL ch. 7), scalar Python floats.
# ---------------------------------------------------------------------------

TOY_PARAMS = ("w0", "b0", "w1", "b1", "w2", "b2", "w3", "b3")


def toy_loss(w0, b0, w1, b1, w2, b2, w3, b3, x, y):
    f = b3 + w3 * math.cos(b2 + w2 * math.exp(b1 + w1 * math.sin(b0 + w0 * x)))
    return (f - y) ** 2


def toy_hand(w0, b0, w1, b1, w2, b2, w3, b3, x, y):
    """Loss and all 8 derivatives, chain rule written out by hand."""
    h0 = b0 + w0 * x
    s0 = math.sin(h0)
    h1 = b1 + w1 * s0
    e1 = math.exp(h1)
    h2 = b2 + w2 * e1
    c2 = math.cos(h2)
    r = b3 + w3 * c2 - y
    loss = r * r
    # reverse sweep
    dr = 2.0 * r
    db3 = dr
    dw3 = dr * c2
    dh2 = -dr * w3 * math.sin(h2)
    db2 = dh2
    dw2 = dh2 * e1
    dh1 = dh2 * w2 * e1
    db1 = dh1
    dw1 = dh1 * s0
    dh0 = dh1 * w1 * math.cos(h0)
    db0 = dh0
    dw0 = dh0 * x
    return loss, (dw0, db0, dw1, db1, dw2, db2, dw3, db3)


# ---------------------------------------------------------------------------
# 2. A small NumPy MLP.
# ---------------------------------------------------------------------------

def mlp_loss(W1, b1, W2, b2, X, Y):
    H = np.tanh(X @ W1 + b1)
    P = H @ W2 + b2
    return np.mean((P - Y) ** 2)


def mlp_hand(W1, b1, W2, b2, X, Y):
    """Loss and gradients by hand-written NumPy backprop."""
    H = np.tanh(X @ W1 + b1)
    R = H @ W2 + b2 - Y
    loss = np.mean(R * R)
    dP = (2.0 / R.size) * R
    dW2 = H.T @ dP
    db2 = dP.sum(axis=0)
    dZ = (dP @ W2.T) * (1.0 - H * H)
    dW1 = X.T @ dZ
    db1 = dZ.sum(axis=0)
    return loss, (dW1, db1, dW2, db2)


def mlp_loss_dict(params, X, Y):
    """The same MLP with its parameters in a dict (gradient: a dict)."""
    H = np.tanh(X @ params["W1"] + params["b1"])
    P = H @ params["W2"] + params["b2"]
    return np.mean((P - Y) ** 2)


class MLP:
    """The same MLP as a class; its loss differentiated with respect to `self`."""

    def __init__(self, W1, b1, W2, b2):
        self.W1, self.b1, self.W2, self.b2 = W1, b1, W2, b2

    def loss(self, X, Y):
        H = np.tanh(X @ self.W1 + self.b1)
        return np.mean((H @ self.W2 + self.b2 - Y) ** 2)


# ---------------------------------------------------------------------------
# 3. A loop-heavy scalar recurrence.
# ---------------------------------------------------------------------------

RECUR_STEPS = 100


def recur(x, w):
    for _ in range(100):
        x = math.sin(x) * w + 0.1
    return x


def recur_hand(x, w):
    """Forward pass storing the trajectory, then a reverse loop."""
    xs = [0.0] * RECUR_STEPS
    ss = [0.0] * RECUR_STEPS
    for i in range(RECUR_STEPS):
        xs[i] = x
        s = math.sin(x)
        ss[i] = s
        x = s * w + 0.1
    dx, dw = 1.0, 0.0
    for i in range(RECUR_STEPS - 1, -1, -1):
        dw += dx * ss[i]
        dx = dx * w * math.cos(xs[i])
    return x, (dx, dw)


# ---------------------------------------------------------------------------
# Problem data.
# ---------------------------------------------------------------------------

def make_benchmarks():
    rng = np.random.default_rng(0)
    toy_args = (1.1, -0.3, 0.7, 0.2, -0.9, 0.4, 1.3, -0.1, 0.6, 0.8)
    X = rng.standard_normal((64, 32))
    W1 = rng.standard_normal((32, 64)) / math.sqrt(32)
    b1 = 0.1 * rng.standard_normal(64)
    W2 = rng.standard_normal((64, 10)) / math.sqrt(64)
    b2 = 0.1 * rng.standard_normal(10)
    Y = rng.standard_normal((64, 10))
    return [
        dict(name="toy1d", primal=toy_loss, hand=toy_hand, args=toy_args,
             wrt=tuple(range(8)), grad_names=TOY_PARAMS),
        dict(name="mlp", primal=mlp_loss, hand=mlp_hand, args=(W1, b1, W2, b2, X, Y),
             wrt=(0, 1, 2, 3), grad_names=("W1", "b1", "W2", "b2")),
        dict(name="recur100", primal=recur, hand=recur_hand, args=(0.5, 0.9),
             wrt=(0, 1), grad_names=("x", "w")),
    ]


# ---------------------------------------------------------------------------
# Peers (optional). Each builder returns {label: (callable, args)} or raises
# ImportError. Inputs are converted to the framework's arrays once, outside
# the timed call; every timed call waits for its result.
# ---------------------------------------------------------------------------

def peers_autograd(name, args):
    import autograd
    import autograd.numpy as anp

    if name == "toy1d":
        def loss(w0, b0, w1, b1, w2, b2, w3, b3, x, y):
            f = b3 + w3 * anp.cos(b2 + w2 * anp.exp(b1 + w1 * anp.sin(b0 + w0 * x)))
            return (f - y) ** 2
        argnum = tuple(range(8))
    elif name == "mlp":
        def loss(W1, b1, W2, b2, X, Y):
            H = anp.tanh(anp.dot(X, W1) + b1)
            P = anp.dot(H, W2) + b2
            return anp.mean((P - Y) ** 2)
        argnum = (0, 1, 2, 3)
    else:
        def loss(x, w):
            for _ in range(RECUR_STEPS):
                x = anp.sin(x) * w + 0.1
            return x
        argnum = (0, 1)
    return {"autograd value_and_grad": (autograd.value_and_grad(loss, argnum), args)}


def peers_jax(name, args):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    if name == "toy1d":
        def loss(w0, b0, w1, b1, w2, b2, w3, b3, x, y):
            f = b3 + w3 * jnp.cos(b2 + w2 * jnp.exp(b1 + w1 * jnp.sin(b0 + w0 * x)))
            return (f - y) ** 2
        argnums = tuple(range(8))
    elif name == "mlp":
        def loss(W1, b1, W2, b2, X, Y):
            H = jnp.tanh(X @ W1 + b1)
            P = H @ W2 + b2
            return jnp.mean((P - Y) ** 2)
        argnums = (0, 1, 2, 3)
    else:
        def loss(x, w):
            for _ in range(RECUR_STEPS):
                x = jnp.sin(x) * w + 0.1
            return x
        argnums = (0, 1)
    jargs = tuple(jnp.asarray(a, dtype=jnp.float64) for a in args)
    vg = jax.value_and_grad(loss, argnums=argnums)
    jvg = jax.jit(vg)

    def eager(*a):
        return jax.block_until_ready(vg(*a))

    def jitted(*a):
        return jax.block_until_ready(jvg(*a))

    return {"jax value_and_grad (no jit)": (eager, jargs),
            "jax value_and_grad (jax.jit)": (jitted, jargs)}


def peers_torch(name, args):
    import torch
    # One intra-op thread: these ops are tiny, and with 2 threads torch's OpenMP
    # workers spin-wait and slow down by 10-50x whenever the machine is busy.
    torch.set_num_threads(1)

    if name == "toy1d":
        def loss(w0, b0, w1, b1, w2, b2, w3, b3, x, y):
            f = b3 + w3 * torch.cos(b2 + w2 * torch.exp(b1 + w1 * torch.sin(b0 + w0 * x)))
            return (f - y) ** 2
        n = 8
    elif name == "mlp":
        def loss(W1, b1, W2, b2, X, Y):
            H = torch.tanh(X @ W1 + b1)
            P = H @ W2 + b2
            return torch.mean((P - Y) ** 2)
        n = 4
    else:
        def loss(x, w):
            for _ in range(RECUR_STEPS):
                x = torch.sin(x) * w + 0.1
            return x
        n = 2
    targs = tuple(torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=i < n)
                  for i, a in enumerate(args))

    def value_and_grad(*a):
        value = loss(*a)
        return value, torch.autograd.grad(value, a[:n])

    return {"torch autograd.grad (1 thread)": (value_and_grad, targs)}


PEERS = [("autograd", peers_autograd, ["autograd value_and_grad"]),
         ("jax", peers_jax, ["jax value_and_grad (no jit)", "jax value_and_grad (jax.jit)"]),
         ("torch", peers_torch, ["torch autograd.grad (1 thread)"])]


# ---------------------------------------------------------------------------
# Helpers.
# ---------------------------------------------------------------------------

def to_numpy(v):
    if hasattr(v, "detach"):  # torch
        v = v.detach()
    return np.asarray(v, dtype=np.float64)


def split_result(out, with_value):
    """(value or None, tuple of numpy gradients) from a method's return value."""
    if with_value:
        value, grads = out
        value = float(to_numpy(value))
    else:
        value, grads = None, out
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    return value, tuple(to_numpy(g) for g in grads)


def compare(bench, label, out, with_value, ref):
    """A list of human-readable mismatches against the hand-written reference."""
    ref_value, ref_grads = ref
    value, grads = split_result(out, with_value)
    problems = []
    if value is not None and not np.allclose(value, ref_value, rtol=1e-7, atol=0.0):
        problems.append(f"value {value!r} != hand-written {ref_value!r}")
    if len(grads) != len(ref_grads):
        return problems + [f"{len(grads)} gradients, expected {len(ref_grads)}"]
    for gname, g, r in zip(bench["grad_names"], grads, ref_grads, strict=True):
        if g.shape != r.shape:
            problems.append(f"d{gname}: shape {g.shape} != hand-written {r.shape}")
            continue
        atol = 1e-10 * float(np.max(np.abs(r))) if r.size else 0.0
        if not np.allclose(g, r, rtol=1e-7, atol=atol):
            err = float(np.max(np.abs(g - r)))
            problems.append(f"d{gname}: max abs error {err:.3e} "
                            f"(hand-written max |d{gname}| = {np.max(np.abs(r)):.3e})")
    return problems


def generated_function(grad_fn, args):
    """The raw function from srcad.source(grad_fn), executed as a module, or None."""
    try:
        src = srcad.source(grad_fn, *args)
        names = [n.name for n in ast.parse(src).body if isinstance(n, ast.FunctionDef)]
        if len(names) != 1:
            return None
        namespace = {"__name__": "srcad_generated"}
        exec(compile(src, "<srcad generated>", "exec"), namespace)
        return namespace[names[0]]
    except Exception:  # noqa: BLE001 -- an optional row; never fatal
        return None


def measure(fn, args, target, repeat):
    """Best time per call (s): `repeat` runs of `number` calls, each ~`target` s."""
    timer = timeit.Timer("fn(*args)", globals={"fn": fn, "args": args})
    floor = target / 10
    number = 1
    while True:
        t = timer.timeit(number)
        if t >= floor:
            break
        number *= 10 if t < floor / 10 else 2
    if number == 1 and t >= target:  # a single call is already long enough: reuse it
        return min([t] + timer.repeat(repeat=repeat - 1, number=1))
    number = max(1, round(target * number / t))
    return min(timer.repeat(repeat=repeat, number=number)) / number


def fmt_time(seconds):
    us = seconds * 1e6
    if us >= 1e5:
        return f"{us:,.0f}"
    if us >= 100:
        return f"{us:.1f}"
    return f"{us:.2f}"


def abort(msg):
    bar = "!" * 78
    print(f"\n{bar}\nBENCHMARK ABORTED: {msg}\n{bar}", file=sys.stderr, flush=True)
    sys.exit(1)


# ---------------------------------------------------------------------------
# Main.
# ---------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: short measurements, fewer repeats")
    opts = parser.parse_args(argv)
    target, repeat = (0.002, 3) if opts.quick else (0.2, 5)

    print(f"Python {platform.python_version()} ({platform.python_implementation()}), "
          f"NumPy {np.__version__}, srcad {srcad.__version__}, "
          f"{platform.system()} {platform.machine()}")
    peer_status = {}
    for mod, _, _ in PEERS:
        try:
            module = __import__(mod)
        except ImportError:
            peer_status[mod] = None
            continue
        try:
            peer_status[mod] = importlib.metadata.version(mod)
        except importlib.metadata.PackageNotFoundError:
            peer_status[mod] = getattr(module, "__version__", "(version unknown)")
    print("Peers: " + ", ".join(f"{m} {v or 'not installed'}" for m, v in peer_status.items()))
    load = ""
    if hasattr(os, "getloadavg"):
        load = f"; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPU(s)"
    print(f"Timing: best of {repeat} repeats, each ~{target * 1e3:g} ms of calls"
          + (" (--quick)" if opts.quick else "") + load)
    print()

    wall0 = time.perf_counter()
    rows, notes, plan = [], [], []
    # Phase 1: build and verify everything, so a wrong gradient aborts at once.
    for bench in make_benchmarks():
        name, args, wrt = bench["name"], bench["args"], bench["wrt"]
        hand_out = bench["hand"](*args)
        ref = split_result(hand_out, True)
        primal_value = float(bench["primal"](*args))
        if not np.allclose(primal_value, ref[0], rtol=1e-12, atol=0.0):
            abort(f"{name}: hand-written loss {ref[0]!r} != primal {primal_value!r} "
                  "(the benchmark itself is wrong)")

        vg = srcad.value_and_grad(bench["primal"], wrt=wrt)
        g = srcad.grad(bench["primal"], wrt=wrt)
        t0 = time.perf_counter()
        vg_out = vg(*args)
        first_call = time.perf_counter() - t0
        notes.append(f"{name}: first srcad.value_and_grad call (source transform + run) "
                     f"took {first_call * 1e3:.1f} ms")

        # (label, fn, args, with_value, must_match)
        methods = [("primal (no gradient)", bench["primal"], args, None, False),
                   ("hand-written", bench["hand"], args, True, False),
                   ("srcad value_and_grad", vg, args, True, True),
                   ("srcad grad", g, args, False, True)]
        raw = generated_function(vg, args)
        if raw is not None:
            methods.append(("srcad generated code (no wrapper)", raw, args, True, True))
        else:
            notes.append(f"{name}: could not exec srcad.source(...); row skipped")
        for mod, builder, labels in PEERS:
            if peer_status[mod] is None:
                methods += [(label, None, None, None, False) for label in labels]
                continue
            try:
                built = builder(name, args)
            except Exception as exc:  # noqa: BLE001 -- a broken peer must not stop the run
                notes.append(f"{name}: {mod} failed to set up: {type(exc).__name__}: {exc}")
                continue
            methods += [(label, fn, a, True, False) for label, (fn, a) in built.items()]

        # Verify before timing.
        checked = []
        for label, fn, margs, with_value, must_match in methods:
            if fn is None or with_value is None:
                checked.append((label, fn, margs))
                continue
            out = vg_out if fn is vg else fn(*margs)
            problems = compare(bench, label, out, with_value, ref)
            if problems and must_match:
                abort(f"{name}: {label} disagrees with the hand-written gradient:\n  "
                      + "\n  ".join(problems))
            if problems:
                notes.append(f"{name}: {label} disagrees with hand-written, not timed: "
                             + "; ".join(problems))
                continue
            checked.append((label, fn, margs))
        plan.append((name, checked))

    # Phase 2: time.
    for name, checked in plan:
        times = {}
        for label, fn, margs in checked:
            times[label] = None if fn is None else measure(fn, margs, target, repeat)
        t_primal, t_hand = times["primal (no gradient)"], times["hand-written"]
        for label, _, _ in checked:
            t = times[label]
            if t is None:
                rows.append((name, label, "not installed", "", ""))
            else:
                rows.append((name, label, fmt_time(t), f"{t / t_primal:.2f}x",
                             f"{t / t_hand:.2f}x"))
        rows.append(None)
    wall = time.perf_counter() - wall0

    header = ("benchmark", "method", "time/call (µs)", "vs primal", "vs hand-written")
    body = [r for r in rows if r is not None]
    widths = [max(len(str(r[i])) for r in body + [header]) for i in range(5)]
    align = ["<", "<", ">", ">", ">"]

    def line(r):
        cells = zip(r, align, widths, strict=True)
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in cells).rstrip()

    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows[:-1]:
        print("" if r is None else line(r))
    print()
    for n in notes:
        print("note: " + n)
    print(f"total benchmark time: {wall:.1f} s")
    structures(target, repeat)


def structures(target, repeat):
    """The mlp problem with its parameters in a dict and in an object, next to the
    positional version: the cost of splitting structures into leaves on every call."""
    W1, b1, W2, b2, X, Y = make_benchmarks()[1]["args"]
    positional = srcad.value_and_grad(mlp_loss, wrt=(0, 1, 2, 3))
    as_dict = srcad.value_and_grad(mlp_loss_dict)
    as_object = srcad.value_and_grad(MLP.loss)
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    model = MLP(W1, b1, W2, b2)
    ref = positional(W1, b1, W2, b2, X, Y)[1]
    got_dict = as_dict(params, X, Y)[1]
    got_object = as_object(model, X, Y)[1]
    for k, name in enumerate(("W1", "b1", "W2", "b2")):
        if not (np.allclose(got_dict[name], ref[k], rtol=1e-12, atol=0.0) and
                np.allclose(getattr(got_object, name), ref[k], rtol=1e-12, atol=0.0)):
            abort(f"mlp with structured parameters: gradient of {name} differs")
    t_pos = measure(positional, (W1, b1, W2, b2, X, Y), target, repeat)
    t_dict = measure(as_dict, (params, X, Y), target, repeat)
    t_obj = measure(as_object, (model, X, Y), target, repeat)
    print()
    print("mlp with structured parameters (srcad value_and_grad, µs per call):")
    print(f"  positional arrays  {fmt_time(t_pos)}")
    print(f"  dict of arrays     {fmt_time(t_dict)}  ({t_dict / t_pos:.2f}x positional)")
    print(f"  object (self)      {fmt_time(t_obj)}  ({t_obj / t_pos:.2f}x positional)")


if __name__ == "__main__":
    main()
