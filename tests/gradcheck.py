"""Shared test helpers: central finite differences and gradient comparison."""

from __future__ import annotations

import numpy as np

import srcad


def numerical_grad(f, args, i, eps=1e-6):
    """Central finite-difference gradient of scalar `f(*args)` with respect to args[i]."""
    args = list(args)
    x = args[i]
    if isinstance(x, np.ndarray):
        g = np.zeros(x.shape, dtype=np.float64)
        for idx in np.ndindex(x.shape):
            plus, minus = x.astype(np.float64).copy(), x.astype(np.float64).copy()
            plus[idx] += eps
            minus[idx] -= eps
            a, b = list(args), list(args)
            a[i], b[i] = plus, minus
            g[idx] = (f(*a) - f(*b)) / (2 * eps)
        return g
    a, b = list(args), list(args)
    a[i], b[i] = x + eps, x - eps
    return (f(*a) - f(*b)) / (2 * eps)


def check_jvp_matches(f, args, positions, grads, rtol=1e-6, atol=1e-9, seed=0):
    """The dot-product test: forward mode's <grad, v> equals the reverse gradient's."""
    rng = np.random.default_rng(seed)
    tangents = [None] * len(args)
    expected = 0.0
    for pos, g in zip(positions, grads):
        x = args[pos]
        v = rng.standard_normal(np.shape(x))
        tangents[pos] = v.astype(x.dtype) if isinstance(x, np.ndarray) else float(v)
        expected += float(np.sum(np.asarray(g, dtype=np.float64) * tangents[pos]))
    _, t = srcad.jvp(f, args, tangents)
    scale = max(1.0, abs(expected))
    assert abs(float(t) - expected) <= atol * scale + rtol * scale, \
        f"forward mode disagrees with reverse mode for {f.__name__}: {float(t)} vs {expected}"


def check_grad(f, *args, wrt=0, rtol=1e-5, atol=1e-7, forward=True):
    """Assert srcad.grad(f, wrt) matches central finite differences and forward mode
    (the dot-product test); return the gradients."""
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    got = srcad.grad(f, wrt=wrt)(*args)
    grads = got if isinstance(wrt, tuple) else (got,)
    assert len(grads) == len(positions)
    for pos, g in zip(positions, grads):
        expected = numerical_grad(f, args, pos)
        x = args[pos]
        if isinstance(x, np.ndarray):
            assert isinstance(g, np.ndarray), f"gradient of arg {pos} is {type(g)}"
            assert g.shape == x.shape and g.dtype == x.dtype
        else:
            assert isinstance(g, float), f"gradient of arg {pos} is {type(g)}"
        np.testing.assert_allclose(g, expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {f.__name__} w.r.t. arg {pos}")
    if forward:
        low_precision = any(getattr(args[p], "dtype", np.float64) != np.float64
                            for p in positions)
        check_jvp_matches(f, args, positions, grads,
                          rtol=1e-4 if low_precision else 1e-6)
    return got
