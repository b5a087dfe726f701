"""Shared test helpers: central finite differences and gradient comparison.

Every finite difference in the tests is a `central_difference`: the derivative at 0 of a
path ``h -> f(point moved by h)``. The entry points build the path:

- `numerical_grad`: the gradient of a real scalar function w.r.t. one argument;
- `numerical_vjp`: J^T u, the gradient of the real inner product <u, f>;
- `numerical_jvp`: J v, along tangents for any of the arguments;
- `numerical_jacobian`: the Jacobian of a function of one array;
- `numerical_hessian`: the Jacobian of srcad's gradient.

A complex argument is moved along the real and the imaginary part of each entry
separately and gets the gradient dL/dx + 1j * dL/dy, srcad's convention (docs/complex.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import srcad

EPS = 1e-6
"""The step of first derivatives: on inputs of size about one it keeps both the
truncation error (eps ** 2) and the rounding error (1e-16 / eps) near 1e-10."""

HESSIAN_EPS = 1e-5
"""The step of differences of srcad's gradient, whose values carry more rounding than
the function's."""


def central_difference(path: Callable[[float], Any], eps: float = EPS) -> Any:
    """The derivative at 0 of `path`, by central differences.

    Parameters
    ----------
    path : callable
        ``path(h)`` is the value (a number or an array) of the function at the point
        moved by ``h`` along the direction of interest.
    eps : float
        The step.

    Returns
    -------
    numpy scalar or ndarray
        ``(path(eps) - path(-eps)) / (2 * eps)``.
    """
    return (np.asarray(path(eps)) - np.asarray(path(-eps))) / (2 * eps)


def _moved(x: Any, index: tuple[int, ...], delta: complex) -> Any:
    """`x` with its entry at `index` moved by `delta`: a float64 (complex128 for a complex
    array) copy of an array, or the number ``x + delta``."""
    if not isinstance(x, np.ndarray):
        return x + delta
    moved = x.astype(np.complex128 if np.iscomplexobj(x) else np.float64)
    moved[index] += delta
    return moved


def _partial(f: Callable[..., Any], args: Sequence[Any], i: int, index: tuple[int, ...],
             step: complex, eps: float) -> Any:
    """The derivative of ``f(*args)`` as the entry `index` of ``args[i]`` moves along
    `step` (1.0 for its real part, 1j for its imaginary part)."""
    def path(h: float) -> Any:
        moved = list(args)
        moved[i] = _moved(args[i], index, h * step)
        return f(*moved)
    return central_difference(path, eps)


def numerical_grad(f: Callable[..., Any], args: Sequence[Any], i: int,
                   eps: float = EPS) -> Any:
    """The gradient of the real scalar ``f(*args)`` w.r.t. ``args[i]``, by central
    differences.

    Parameters
    ----------
    f : callable
        The function; its value is a real number.
    args : sequence
        The point; ``args[i]`` is a number or an array, real or complex.
    i : int
        The position of the argument to differentiate.
    eps : float
        The step.

    Returns
    -------
    number or ndarray
        A number for a number, otherwise a float64 array (complex128 for a complex
        argument, holding dL/dx + 1j * dL/dy) shaped like ``args[i]``.
    """
    x = args[i]
    is_complex = bool(np.iscomplexobj(x))

    def derivative(index: tuple[int, ...]) -> Any:
        along_real = _partial(f, args, i, index, 1.0, eps)
        if not is_complex:
            return along_real
        return along_real + 1j * _partial(f, args, i, index, 1j, eps)

    if not isinstance(x, np.ndarray):
        return derivative(())
    grad = np.zeros(x.shape, dtype=np.complex128 if is_complex else np.float64)
    for index in np.ndindex(x.shape):
        grad[index] = derivative(index)
    return grad


def numerical_vjp(f: Callable[..., Any], args: Sequence[Any], i: int, cotangent: Any,
                  eps: float = EPS) -> Any:
    """J^T u for ``args[i]``: the `numerical_grad` of the real inner product
    ``Re sum(conj(cotangent) * f(*args))``.

    Parameters
    ----------
    f : callable
        The function; its value is a number or an array.
    args : sequence
        The point.
    i : int
        The position of the argument to differentiate.
    cotangent : number or ndarray
        u, broadcastable against the value of `f`.
    eps : float
        The step.

    Returns
    -------
    number or ndarray
        Shaped like ``args[i]``, as `numerical_grad` gives it.
    """
    def inner_with_cotangent(*point: Any) -> Any:
        return np.real(np.sum(np.conj(cotangent) * f(*point)))
    return numerical_grad(inner_with_cotangent, args, i, eps)


def numerical_jvp(f: Callable[..., Any], args: Sequence[Any],
                  tangents: Sequence[Any | None], eps: float = EPS) -> Any:
    """J v: the derivative of ``f(*args)`` as each argument moves along its tangent, by
    central differences.

    Parameters
    ----------
    f : callable
        The function; its value is a number or an array.
    args : sequence
        The point.
    tangents : sequence
        One tangent per argument, shaped like it (or broadcasting against it); None
        holds the argument fixed.
    eps : float
        The step.

    Returns
    -------
    numpy scalar or ndarray
        Shaped like the value of `f`.
    """
    def path(h: float) -> Any:
        return f(*[x if tangent is None else x + h * tangent
                   for x, tangent in zip(args, tangents, strict=True)])
    return central_difference(path, eps)


def numerical_jacobian(f: Callable[[Any], Any], x: Any, eps: float = EPS) -> np.ndarray:
    """The Jacobian of `f` at the real `x`, by central differences along each entry.

    Parameters
    ----------
    f : callable
        A function of one number or array; its value is a number or an array.
    x : number or ndarray
        The point.
    eps : float
        The step.

    Returns
    -------
    ndarray
        Shaped ``np.shape(f(x)) + np.shape(x)``: entry ``[..., j]`` is the derivative
        w.r.t. ``x[j]``.
    """
    columns = [_partial(f, [x], 0, index, 1.0, eps) for index in np.ndindex(np.shape(x))]
    if not columns:
        return np.zeros(np.shape(f(x)) + np.shape(x))
    return np.stack(columns, axis=-1).reshape(np.shape(columns[0]) + np.shape(x))


def numerical_hessian(f: Callable[[Any], Any], x: Any, eps: float = HESSIAN_EPS) -> np.ndarray:
    """The Hessian of the real scalar `f` at `x`: central differences of ``srcad.grad(f)``
    (checking srcad's second derivatives against its first).

    Parameters
    ----------
    f : callable
        A function of one number or array, with a real scalar value.
    x : number or ndarray
        The point.
    eps : float
        The step.

    Returns
    -------
    ndarray
        Shaped ``np.shape(x) + np.shape(x)``.
    """
    return numerical_jacobian(srcad.grad(f), x, eps)


def check_jvp_matches(f, args, positions, grads, rtol=1e-6, atol=1e-9, seed=0):
    """The dot-product test: forward mode's <grad, v> equals the reverse gradient's (for
    a complex argument, the real inner product Re(sum(conj(grad) * v)) with a complex
    tangent v = vx + 1j * vy)."""
    rng = np.random.default_rng(seed)
    tangents = [None] * len(args)
    expected = 0.0
    for pos, g in zip(positions, grads):
        x = args[pos]
        v = rng.standard_normal(np.shape(x))
        if np.iscomplexobj(x):
            v = v + 1j * rng.standard_normal(np.shape(x))
            tangents[pos] = v.astype(x.dtype) if isinstance(x, np.ndarray) else complex(v)
            expected += float(np.real(np.sum(np.conj(g) * tangents[pos])))
            continue
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
            number = complex if isinstance(x, (complex, np.complexfloating)) else float
            assert isinstance(g, number), f"gradient of arg {pos} is {type(g)}"
        np.testing.assert_allclose(g, expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {f.__name__} w.r.t. arg {pos}")
    if forward:
        low_precision = any(getattr(args[p], "dtype", np.float64) != np.float64
                            for p in positions)
        check_jvp_matches(f, args, positions, grads,
                          rtol=1e-4 if low_precision else 1e-6)
    return got


def module_from_source(text: str, directory: str, name: str, **namespace: Any) -> Any:
    """Write `text` to `directory/name.py` and import it (srcad reads a function's source
    from its file), with `namespace` set as globals before the module runs."""
    import importlib.util
    import os
    import sys

    path = os.path.join(directory, name + ".py")
    with open(path, "w") as handle:
        handle.write(text)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    for key, value in namespace.items():
        setattr(module, key, value)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
