"""Derivative matrices: `jacobian`, `hessian` and Hessian-vector products (`hvp`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from srcad.api.arguments import WrtSpec, flat_values, fn_loc, tangent_like
from srcad.api.results import as_like, regroup
from srcad.api.reverse import GradFunction
from srcad.api.structures import tree_tangents
from srcad.api.tracing import call_generated
from srcad.api.wrapper import Differentiated, check_finite_option, finite_key
from srcad.codegen.emit import Module
from srcad.errors import BadArgumentError
from srcad.frontend.source import unwrap_function
from srcad.ir.kinds import NUMERIC
from srcad.lower.pytree import TreeKind, flatten, float_leaves, unflatten
from srcad.pipeline.compiler import compile_jvp, compile_split
from srcad.pipeline.unit import Derived


def _basis(x: Any, k: int) -> Any:
    """The k-th unit vector shaped like `x` (a float for a scalar `x`)."""
    e = np.zeros(np.shape(x), dtype=np.result_type(np.asarray(x).dtype, np.float64))
    e.reshape(-1)[k] = 1.0
    return e if isinstance(x, np.ndarray) else e.item()


class JacobianFunction(Differentiated):
    """The Jacobian of `fn` with respect to `wrt` (shape: output shape + input shape).

    A structured argument (a dict, list, tuple or object with float leaves) gets a
    Jacobian of the same structure: for each float leaf, the Jacobian with respect to
    that leaf (output shape + leaf shape), None for integer leaves and functions.
    """

    takes_trees = True

    def __init__(self, fn: Callable, wrt: WrtSpec, mode: str, api: str = "jacobian",
                 check_finite: bool | None = None):
        if mode not in ("forward", "reverse", "auto"):
            raise BadArgumentError(f"srcad.jacobian: mode must be 'forward', 'reverse' or "
                                   f"'auto', not {mode!r}")
        self.api = api
        self.check_finite = check_finite_option(check_finite, fn)
        super().__init__(plain_function(fn, api), wrt)
        self.mode = mode
        self._last_used: list[Module] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        values, kinds = self._prepare(args, kwargs)
        self._check_layout(values, kinds)
        flat = flat_values(values, kinds)
        if self._reverse_mode(values, kinds, flat, (args, kwargs)):
            result = self._reverse(values, kinds, flat)
        else:
            result = self._forward(values, kinds, flat)
        return result[0] if self.single else tuple(result)

    def __srcad_source__(self, *args: Any, **kwargs: Any) -> str:
        """The generated code a call uses: one tangent function per differentiated
        argument in forward mode, a forward/backward pair in reverse mode. In "auto"
        mode, the choice runs the function once on the example arguments."""
        if args or kwargs:
            values, kinds = self._prepare(args, kwargs)
            self._check_layout(values, kinds)
            if self._reverse_mode(values, kinds, flat_values(values, kinds), (args, kwargs)):
                modules = [self._split_module(kinds)]
            else:
                modules = [self._column_module(p, kinds) for p in self.positions]
        else:
            kinds = tuple(NUMERIC for _ in self.param_names)
            modules = self._last_used or [self._column_module(p, kinds)
                                          for p in self.positions]
        return "\n\n".join(module.source for module in modules)

    def _check_layout(self, values: list, kinds: tuple) -> None:
        """Refuse a Jacobian whose rows would be structures: that of a gradient with
        respect to a structured argument (its Hessian, say)."""
        if not isinstance(self.inner, Derived):
            return
        for p in self.inner.wrt:
            if isinstance(kinds[p], TreeKind):
                name = self.param_names[p]
                raise BadArgumentError(
                    f"srcad.{self.api} does not take structured arguments: '{name}' is a "
                    f"{type(values[p]).__name__}, and the derivative of a gradient with "
                    "respect to it would be a structure of structures of blocks",
                    fn_loc(self.fn), "use srcad.hvp (it takes and returns directions laid "
                    f"out like '{name}'), or pass " + (
                        "np.array(...) if the function uses it as an array"
                        if isinstance(values[p], (list, tuple)) else
                        "the arrays as separate arguments"))

    def _reverse_mode(self, values: list, kinds: tuple, flat: list, call: tuple) -> bool:
        """Whether this call builds the Jacobian by rows (reverse mode). A derivative
        made by srcad has no forward/backward pair: it is always done by columns.
        `call`: the call's arguments and keywords, as given."""
        if self.mode != "auto":
            return self.mode == "reverse" and not isinstance(self.inner, Derived)
        n_in = sum(np.size(x) for p in self.positions for x in _wrt_leaves(values, kinds, p))
        output = self._output(values, kinds, flat, call)
        if isinstance(output, (tuple, list)):
            return False  # a tuple or list output is the array NumPy would make of it
        return n_in >= np.size(output) and not isinstance(self.inner, Derived)

    def _output(self, values: list, kinds: tuple, flat: list, call: tuple) -> Any:
        if isinstance(self.inner, Derived):
            pos = self.positions[0]
            return self._value(self._column_module(pos, kinds), flat,
                               _wrt_leaves(values, kinds, pos))
        args, kwargs = call
        return self.fn(*args, **kwargs)

    def _value(self, module: Module, flat: list, leaves: list) -> Any:
        """The output, from the tangent function along one argument (`leaves`: its
        float leaves, or the argument itself)."""
        return self._call(module.functions[0], [*flat, *map(_zero, leaves)])[0]

    def _call(self, generated: Callable, args: list) -> Any:
        # the Jacobian of srcad.grad(f): an output of f it cannot take is grad's refusal
        api = "grad" if self.api == "jacobian" and isinstance(self.inner, Derived) else self.api
        return call_generated(generated, args, self.fn, api)

    def _column_module(self, pos: int, kinds: tuple) -> Module:
        """The tangent function along argument `pos` alone."""
        check = self.check_finite
        return self._cached_module(("one", pos) + kinds,
                                   ("jvp", self.inner, (pos,), kinds) + finite_key(check),
                                   lambda: compile_jvp(self.inner, (pos,), kinds, check))

    def _split_module(self, kinds: tuple) -> Module:
        check = self.check_finite
        return self._cached_module(("split",) + kinds,
                                   ("split", self.fn, self.positions, kinds) + finite_key(check),
                                   lambda: compile_split(self.fn, self.positions, kinds, check))

    def _forward(self, values: list, kinds: tuple, flat: list) -> list:
        self._last_used = [self._column_module(p, kinds) for p in self.positions]
        out = []
        for module, p in zip(self._last_used, self.positions):
            leaves = _wrt_leaves(values, kinds, p)
            jacs = [self._as_dtype(self._columns(module, flat, leaves, j), x)
                    for j, x in enumerate(leaves)]
            out.append(_structured(jacs, values, kinds, p))
        return out

    def _columns(self, module: Module, flat: list, leaves: list, j: int) -> Any:
        """The Jacobian along leaf `j` of one argument (`leaves`: its float leaves, or
        the argument itself), one tangent per unit vector (each shaped like the output,
        zeros included)."""
        x = leaves[j]
        tangents = [_zero(leaf) for leaf in leaves]
        columns = []
        value: Any = self._value(module, flat, leaves) if np.size(x) == 0 else None
        for k in range(np.size(x)):
            tangents[j] = _basis(x, k)
            value, t = self._call(module.functions[0], [*flat, *tangents])
            t = np.asarray(t)
            if np.iscomplexobj(x):
                # z = x + 1j * y: dw/dx + 1j * dw/dy of a real output w (the tangents
                # along 1 and 1j), the gradient of w under srcad's convention
                self._check_complex_output(value)
                tangents[j] = 1j * _basis(x, k)
                _, t_imag = self._call(module.functions[0], [*flat, *tangents])
                t = np.asarray(t, dtype=np.float64) + 1j * np.asarray(t_imag, dtype=np.float64)
            t = t if np.iscomplexobj(t) else np.asarray(t, dtype=np.float64)
            columns.append(np.broadcast_to(t, np.shape(value)))
        out_shape = np.shape(value)
        jac = np.stack(columns, axis=-1) if columns else np.zeros(out_shape + (0,))
        return jac.reshape(out_shape + np.shape(x))

    def _reverse(self, values: list, kinds: tuple, flat: list) -> list:
        module = self._split_module(kinds)
        self._last_used = [module]
        output, saved = self._call(module.functions[0], flat)
        if isinstance(output, (tuple, list)):
            raise BadArgumentError(f"srcad.jacobian needs an array or scalar output, not a "
                                   f"{type(output).__name__} in reverse mode",
                                   fn_loc(self.fn), "take the Jacobian of each output "
                                   "separately, or use mode='forward'")
        # the float leaves of each differentiated argument, in the order of the gradients
        leaves = [x for p in self.positions for x in _wrt_leaves(values, kinds, p)]
        if any(np.iscomplexobj(x) for x in leaves):
            self._check_complex_output(output)
        rows: list[list] = [[] for _ in leaves]
        for k in range(np.size(output)):
            seed = _basis(output, k)
            grads = self._call(module.functions[1], [saved, seed])
            if np.iscomplexobj(output):
                # the adjoint of seed 1 gives the real part's gradient, of 1j the imaginary
                imag = self._call(module.functions[1], [saved, 1j * seed])
                grads = [np.asarray(g) + 1j * np.asarray(h) for g, h in zip(grads, imag)]
            for j, g in enumerate(grads):
                g = np.asarray(g) if np.iscomplexobj(g) else np.asarray(g, dtype=np.float64)
                rows[j].append(np.broadcast_to(g, np.shape(leaves[j])))
        jacs = []
        for row, x in zip(rows, leaves):
            shape = np.shape(output) + np.shape(x)
            jac = np.stack(row, axis=0).reshape(shape) if row else np.zeros(shape)
            jacs.append(self._as_dtype(jac, x))
        out = []
        for p in self.positions:
            n = len(_wrt_leaves(values, kinds, p))
            out.append(_structured(jacs[:n], values, kinds, p))
            jacs = jacs[n:]
        return out

    def _check_complex_output(self, output: Any) -> None:
        """Refuse the Jacobian of a complex output with respect to a complex argument:
        each entry would hold four real derivatives (du/dx, du/dy, dv/dx, dv/dy), one
        complex number only where the function is holomorphic."""
        if not any(np.iscomplexobj(o) for o in (
                output if isinstance(output, (tuple, list)) else (output,))):
            return
        if self.api == "hessian":
            raise BadArgumentError(
                "srcad.hessian cannot differentiate twice with respect to a complex "
                "argument: its Hessian is a real matrix over the real and imaginary parts, "
                "not a complex one", fn_loc(self.fn),
                "use srcad.hvp(f)(z, v): for v = vx + 1j * vy it gives that real Hessian "
                "times (vx, vy), packed as a complex array; or split the argument into "
                "real and imaginary parts")
        raise BadArgumentError(
            f"srcad.{self.api} of a complex output with respect to a complex argument is "
            "not defined: each entry would hold four real derivatives, a single complex "
            "number only where the function is holomorphic", fn_loc(self.fn),
            "use srcad.jvp (tangent dx + 1j * dy) or srcad.vjp, or split the argument or "
            "the output into real and imaginary parts")

    @staticmethod
    def _as_dtype(jac: Any, x: Any) -> Any:
        if np.iscomplexobj(x) and not isinstance(x, np.ndarray) and np.ndim(jac) == 0:
            return complex(jac)  # a complex number: its gradient, as srcad.grad gives it
        if np.iscomplexobj(jac) or np.iscomplexobj(x):  # a complex Jacobian
            return np.asarray(jac, dtype=np.result_type(np.asarray(x).dtype, np.complex64))
        if isinstance(x, np.ndarray):
            return np.asarray(jac, dtype=x.dtype)
        return float(jac) if np.ndim(jac) == 0 else jac


def _wrt_leaves(values: list, kinds: tuple, pos: int) -> list:
    """What argument `pos` is differentiated as: its float leaves (a structure), or
    itself."""
    kind = kinds[pos]
    if not isinstance(kind, TreeKind):
        return [values[pos]]
    return [x for x, is_float in zip(flatten(values[pos], kind), float_leaves(kind))
            if is_float]


def _structured(parts: list, values: list, kinds: tuple, pos: int) -> Any:
    """One derivative per float leaf of argument `pos` (`_wrt_leaves`) in the argument's
    structure (None for its other leaves), or the only one for an array or a float."""
    kind = kinds[pos]
    if not isinstance(kind, TreeKind):
        return parts[0]
    it = iter(parts)
    return unflatten(kind, [next(it) if is_float else None for is_float in float_leaves(kind)],
                     values[pos])


def _zero(x: Any) -> Any:
    """A zero tangent for `x`."""
    return np.zeros(np.shape(x)) if np.ndim(x) else 0.0


def jacobian(fn: Callable, wrt: WrtSpec = 0, mode: str = "auto",
             check_finite: bool | None = None) -> Callable:
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
    check_finite : bool, optional
        Check every value, tangent and adjoint for NaN and Inf where it is computed (see
        `srcad.grad`; docs/nan.md).

    Returns
    -------
    callable
        Takes `fn`'s arguments; returns an array of shape `output.shape + input.shape`
        (a tuple of them for a tuple `wrt`).
    """
    return JacobianFunction(fn, wrt, mode, check_finite=check_finite)


def hessian(fn: Callable, wrt: WrtSpec = 0, check_finite: bool | None = None) -> Callable:
    """The Hessian of a scalar function: forward mode over the generated gradient.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar.
    wrt : int or str, default 0
        The argument to differentiate with respect to (twice).
    check_finite : bool, optional
        Check every value, adjoint and tangent for NaN and Inf where it is computed (see
        `srcad.grad`; docs/nan.md).

    Returns
    -------
    callable
        Takes `fn`'s arguments; returns an array of shape `x.shape + x.shape`.
    """
    if isinstance(wrt, (tuple, list)):
        raise BadArgumentError("srcad.hessian takes a single argument in 'wrt'",
                               hint="use srcad.jacobian(srcad.grad(f, wrt=...)) for blocks")
    gradient = GradFunction(plain_function(fn, "hessian"), wrt, with_value=False,
                            api="hessian", check_finite=check_finite)
    return JacobianFunction(gradient, wrt, "forward", api="hessian",
                            check_finite=check_finite)


class HvpFunction(Differentiated):
    """Hessian-vector products: takes `fn`'s arguments, then the direction vector (laid
    out like the argument for a structured one, and so is the product)."""

    takes_trees = True

    def __init__(self, fn: Callable, wrt: WrtSpec, check_finite: bool | None = None):
        if isinstance(wrt, (tuple, list)):
            raise BadArgumentError("srcad.hvp takes a single argument in 'wrt'",
                                   hint="use srcad.jacobian(srcad.grad(f, wrt=...)) for "
                                        "blocks of the Hessian")
        self.api = "hvp"
        self.check_finite = check_finite_option(check_finite, fn)
        super().__init__(GradFunction(plain_function(fn, "hvp"), wrt, with_value=False,
                                      api="hvp", check_finite=self.check_finite), wrt)

    def _module(self, kinds: tuple, shapes: tuple | None = None) -> Module:
        check = self.check_finite
        return self._cached_module(kinds,
                                   ("jvp", self.inner, self.positions, kinds) + finite_key(check),
                                   lambda: compile_jvp(self.inner, self.positions, kinds, check))

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
        name = self.param_names[pos]
        if isinstance(kinds[pos], TreeKind):
            # a direction laid out like the argument; the product comes back so too
            vs = tree_tangents(direction, values[pos], kinds[pos], self.fn, name)
            flat = flat_values(values, kinds)
            _, tangent = call_generated(module.functions[0], [*flat, *vs], self.fn, self.api)
            return regroup(tangent, values, kinds, (pos,), flat)[0]
        v = tangent_like(direction, values[pos], self.fn, name)
        flat = flat_values(values, kinds)
        _, tangent = call_generated(module.functions[0], [*flat, v], self.fn, self.api)
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


def hvp(fn: Callable, wrt: WrtSpec = 0, check_finite: bool | None = None) -> Callable:
    """Hessian-vector products by forward mode over reverse mode.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar.
    wrt : int or str, default 0
        The argument the Hessian is taken with respect to.
    check_finite : bool, optional
        Check every value, adjoint and tangent for NaN and Inf where it is computed (see
        `srcad.grad`; docs/nan.md).

    Returns
    -------
    callable
        `hvp(f)(*args, v)` returns the Hessian of `f` at `args` times `v`.
    """
    return HvpFunction(fn, wrt, check_finite)
