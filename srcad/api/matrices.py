"""Derivative matrices: `jacobian`, `hessian` and Hessian-vector products (`hvp`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from srcad.api.arguments import WrtSpec, fn_loc, tangent_like
from srcad.api.results import as_like
from srcad.api.reverse import GradFunction
from srcad.api.tracing import call_generated
from srcad.api.wrapper import Differentiated
from srcad.codegen.emit import Module
from srcad.errors import BadArgumentError
from srcad.frontend.source import unwrap_function
from srcad.ir.kinds import NUMERIC
from srcad.pipeline.compiler import compile_jvp, compile_split
from srcad.pipeline.unit import Derived


def _basis(x: Any, k: int) -> Any:
    """The k-th unit vector shaped like `x` (a float for a scalar `x`)."""
    e = np.zeros(np.shape(x), dtype=np.result_type(np.asarray(x).dtype, np.float64))
    e.reshape(-1)[k] = 1.0
    return e if isinstance(x, np.ndarray) else e.item()


class JacobianFunction(Differentiated):
    """The Jacobian of `fn` with respect to `wrt` (shape: output shape + input shape)."""

    def __init__(self, fn: Callable, wrt: WrtSpec, mode: str, api: str = "jacobian"):
        if mode not in ("forward", "reverse", "auto"):
            raise BadArgumentError(f"srcad.jacobian: mode must be 'forward', 'reverse' or "
                                   f"'auto', not {mode!r}")
        self.api = api
        super().__init__(plain_function(fn, api), wrt)
        self.mode = mode
        self._last_used: list[Module] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        values, kinds = self._prepare(args, kwargs)
        if self._reverse_mode(values, kinds):
            result = self._reverse(values, kinds)
        else:
            result = self._forward(values, kinds)
        return result[0] if self.single else tuple(result)

    def __srcad_source__(self, *args: Any, **kwargs: Any) -> str:
        """The generated code a call uses: one tangent function per differentiated
        argument in forward mode, a forward/backward pair in reverse mode. In "auto"
        mode, the choice runs the function once on the example arguments."""
        if args or kwargs:
            values, kinds = self._prepare(args, kwargs)
            if self._reverse_mode(values, kinds):
                modules = [self._split_module(kinds)]
            else:
                modules = [self._column_module(p, kinds) for p in self.positions]
        else:
            kinds = tuple(NUMERIC for _ in self.param_names)
            modules = self._last_used or [self._column_module(p, kinds)
                                          for p in self.positions]
        return "\n\n".join(module.source for module in modules)

    def _reverse_mode(self, values: list, kinds: tuple) -> bool:
        """Whether this call builds the Jacobian by rows (reverse mode). A derivative
        made by srcad has no forward/backward pair: it is always done by columns."""
        if self.mode != "auto":
            return self.mode == "reverse" and not isinstance(self.inner, Derived)
        n_in = sum(np.size(values[p]) for p in self.positions)
        output = self._output(values, kinds)
        if isinstance(output, (tuple, list)):
            return False  # a tuple or list output is the array NumPy would make of it
        return n_in >= np.size(output) and not isinstance(self.inner, Derived)

    def _output(self, values: list, kinds: tuple) -> Any:
        if isinstance(self.inner, Derived):
            pos = self.positions[0]
            return self._value(self._column_module(pos, kinds), values, pos)
        return self.fn(*values)

    def _value(self, module: Module, values: list, pos: int) -> Any:
        """The output, from the tangent function along argument `pos`."""
        zero = np.zeros(np.shape(values[pos]))
        return self._call(module.functions[0], [*values, zero if np.ndim(zero) else 0.0])[0]

    def _call(self, generated: Callable, args: list) -> Any:
        # the Jacobian of srcad.grad(f): an output of f it cannot take is grad's refusal
        api = "grad" if self.api == "jacobian" and isinstance(self.inner, Derived) else self.api
        return call_generated(generated, args, self.fn, api)

    def _column_module(self, pos: int, kinds: tuple) -> Module:
        """The tangent function along argument `pos` alone."""
        return self._cached_module(("one", pos) + kinds, ("jvp", self.inner, (pos,), kinds),
                                   lambda: compile_jvp(self.inner, (pos,), kinds))

    def _split_module(self, kinds: tuple) -> Module:
        return self._cached_module(("split",) + kinds, ("split", self.fn, self.positions, kinds),
                                   lambda: compile_split(self.fn, self.positions, kinds))

    def _forward(self, values: list, kinds: tuple) -> list:
        self._last_used = [self._column_module(p, kinds) for p in self.positions]
        return [self._as_dtype(self._columns(module, values, p), values[p])
                for module, p in zip(self._last_used, self.positions)]

    def _columns(self, module: Module, values: list, pos: int) -> Any:
        """The Jacobian along argument `pos`, one tangent per unit vector (each shaped
        like the output, zeros included)."""
        x = values[pos]
        columns = []
        value: Any = self._value(module, values, pos) if np.size(x) == 0 else None
        for k in range(np.size(x)):
            value, t = self._call(module.functions[0], [*values, _basis(x, k)])
            t = np.asarray(t)
            t = t if np.iscomplexobj(t) else np.asarray(t, dtype=np.float64)
            columns.append(np.broadcast_to(t, np.shape(value)))
        out_shape = np.shape(value)
        jac = np.stack(columns, axis=-1) if columns else np.zeros(out_shape + (0,))
        return jac.reshape(out_shape + np.shape(x))

    def _reverse(self, values: list, kinds: tuple) -> list:
        module = self._split_module(kinds)
        self._last_used = [module]
        output, saved = self._call(module.functions[0], values)
        if isinstance(output, (tuple, list)):
            raise BadArgumentError(f"srcad.jacobian needs an array or scalar output, not a "
                                   f"{type(output).__name__} in reverse mode",
                                   fn_loc(self.fn), "take the Jacobian of each output "
                                   "separately, or use mode='forward'")
        rows: list[list] = [[] for _ in self.positions]
        for k in range(np.size(output)):
            seed = _basis(output, k)
            grads = self._call(module.functions[1], [saved, seed])
            if np.iscomplexobj(output):
                # the adjoint of seed 1 gives the real part's gradient, of 1j the imaginary
                imag = self._call(module.functions[1], [saved, 1j * seed])
                grads = [np.asarray(g) + 1j * np.asarray(h) for g, h in zip(grads, imag)]
            for j, g in enumerate(grads):
                g = np.asarray(g) if np.iscomplexobj(g) else np.asarray(g, dtype=np.float64)
                rows[j].append(np.broadcast_to(g, np.shape(values[self.positions[j]])))
        out = []
        for j, p in enumerate(self.positions):
            shape = np.shape(output) + np.shape(values[p])
            jac = np.stack(rows[j], axis=0).reshape(shape) if rows[j] else np.zeros(shape)
            out.append(self._as_dtype(jac, values[p]))
        return out

    @staticmethod
    def _as_dtype(jac: Any, x: Any) -> Any:
        if np.iscomplexobj(jac):  # a complex output: a complex Jacobian
            return np.asarray(jac, dtype=np.result_type(np.asarray(x).dtype, np.complex64))
        if isinstance(x, np.ndarray):
            return np.asarray(jac, dtype=x.dtype)
        return float(jac) if np.ndim(jac) == 0 else jac


def jacobian(fn: Callable, wrt: WrtSpec = 0, mode: str = "auto") -> Callable:
    """The Jacobian of an array-valued function.

    Parameters
    ----------
    fn : callable
        A Python function returning a scalar or an array.
    wrt : int, str or tuple of them, default 0
        The argument(s) to differentiate with respect to.
    mode : {"auto", "forward", "reverse"}
        Forward mode builds the Jacobian one input direction at a time, reverse mode one
        output at a time; "auto" picks forward when there are fewer inputs than outputs.

    Returns
    -------
    callable
        Takes `fn`'s arguments; returns an array of shape `output.shape + input.shape`
        (a tuple of them for a tuple `wrt`).
    """
    return JacobianFunction(fn, wrt, mode)


def hessian(fn: Callable, wrt: WrtSpec = 0) -> Callable:
    """The Hessian of a scalar function: forward mode over the generated gradient.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar.
    wrt : int or str, default 0
        The argument to differentiate with respect to (twice).

    Returns
    -------
    callable
        Takes `fn`'s arguments; returns an array of shape `x.shape + x.shape`.
    """
    if isinstance(wrt, (tuple, list)):
        raise BadArgumentError("srcad.hessian takes a single argument in 'wrt'",
                               hint="use srcad.jacobian(srcad.grad(f, wrt=...)) for blocks")
    gradient = GradFunction(plain_function(fn, "hessian"), wrt, with_value=False,
                            api="hessian")
    return JacobianFunction(gradient, wrt, "forward", api="hessian")


class HvpFunction(Differentiated):
    """Hessian-vector products: takes `fn`'s arguments, then the direction vector."""

    def __init__(self, fn: Callable, wrt: WrtSpec):
        if isinstance(wrt, (tuple, list)):
            raise BadArgumentError("srcad.hvp takes a single argument in 'wrt'",
                                   hint="use srcad.jacobian(srcad.grad(f, wrt=...)) for "
                                        "blocks of the Hessian")
        self.api = "hvp"
        super().__init__(GradFunction(plain_function(fn, "hvp"), wrt, with_value=False,
                                      api="hvp"), wrt)

    def _module(self, kinds: tuple) -> Module:
        return self._cached_module(kinds, ("jvp", self.inner, self.positions, kinds),
                                   lambda: compile_jvp(self.inner, self.positions, kinds))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The Hessian of `fn` at `args[:-1]` (and `kwargs`) times `args[-1]`."""
        if not args:
            raise TypeError(f"{self.fn.__name__} hvp: expected the arguments of "
                            f"{self.fn.__name__}, then a direction vector")
        *primal, direction = args
        try:
            values, kinds = self._prepare(tuple(primal), kwargs)
        except TypeError as exc:
            raise TypeError(f"{exc} (an hvp takes the arguments of {self.fn.__name__}, "
                            "then a direction vector)") from None
        pos = self.positions[0]
        module = self._module(kinds)
        v = tangent_like(direction, values[pos], self.fn, self.param_names[pos])
        _, tangent = call_generated(module.functions[0], [*values, v], self.fn, self.api)
        return as_like(tangent, values[pos], values)

    def __srcad_source__(self, *args: Any, **kwargs: Any) -> str:
        """The generated source, for example arguments given as to a call (the
        direction may be left out)."""
        if len(args) == len(self.param_names) + 1 and not kwargs:
            args = args[:-1]
        return super().__srcad_source__(*args, **kwargs)


def plain_function(fn: Callable, api: str) -> Callable:
    """`fn` if these derivative matrices can take it: a Python function or a function
    made by srcad (bound methods and other callables are refused here, clearly)."""
    if not hasattr(fn, "__srcad_spec__"):
        unwrap_function(fn, api)
    return fn


def hvp(fn: Callable, wrt: WrtSpec = 0) -> Callable:
    """Hessian-vector products by forward mode over reverse mode.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar.
    wrt : int or str, default 0
        The argument the Hessian is taken with respect to.

    Returns
    -------
    callable
        `hvp(f)(*args, v)` returns the Hessian of `f` at `args` times `v`.
    """
    return HvpFunction(fn, wrt)
