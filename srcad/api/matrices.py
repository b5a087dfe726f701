"""Derivative matrices: `jacobian`, `hessian` and Hessian-vector products (`hvp`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from srcad.api.arguments import WrtSpec, flat_values, fn_loc, tangent_like
from srcad.api.results import as_like, regroup
from srcad.api.reverse import GradFunction
from srcad.api.structures import build_output, output_tree, tree_tangents
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
    that leaf (output shape + leaf shape), None for integer leaves and functions. A
    structured output (or the gradient of a structure, for a Hessian) is the outer
    structure, the arguments' the inner one, as in `jax.jacobian`.
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
        flat = flat_values(values, kinds)
        if self._reverse_mode(values, kinds, flat, (args, kwargs)):
            return self._reverse(values, kinds, flat)
        return self._forward(values, kinds, flat)

    def __srcad_source__(self, *args: Any, **kwargs: Any) -> str:
        """The generated code a call uses: one tangent function per differentiated
        argument in forward mode, a forward/backward pair in reverse mode. In "auto"
        mode, the choice runs the function once on the example arguments."""
        if args or kwargs:
            values, kinds = self._prepare(args, kwargs)
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
        """Nothing to refuse any more: a Jacobian (or Hessian) with respect to a
        structured argument is a structure of blocks. Kept for callers that check."""

    def _reverse_mode(self, values: list, kinds: tuple, flat: list, call: tuple) -> bool:
        """Whether this call builds the Jacobian by rows (reverse mode). A derivative
        made by srcad has no forward/backward pair: it is always done by columns.
        `call`: the call's arguments and keywords, as given."""
        if self.mode != "auto":
            return self.mode == "reverse" and not isinstance(self.inner, Derived)
        if isinstance(self.inner, Derived):
            return False
        n_in = sum(np.size(x) for p in self.positions for x in _wrt_leaves(values, kinds, p))
        args, kwargs = call
        output = self.fn(*args, **kwargs)
        if isinstance(output, (tuple, list)):
            return False  # (by columns, as it always was)
        return n_in >= _output_size(output)

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

    def _layout(self, output: Any, module: Module, values: list, kinds: tuple) -> _Layout:
        """How the output is laid out (see `_Layout`)."""
        inner = self.inner
        if isinstance(inner, Derived) and (len(inner.wrt) > 1 or any(
                isinstance(kinds[p], TreeKind) for p in inner.wrt)):
            # the gradient of srcad.grad(f): generated code gives the float leaves of
            # the structures it differentiates; the Jacobian's outer structure is theirs
            parts = output if isinstance(output, (tuple, list)) else (output,)
            return _Layout(list(parts), lambda blocks: _gradient_structure(
                blocks, values, kinds, inner.wrt, inner.single), parts)
        tree = output_tree(module)
        if tree is not None:  # a dict, object or namedtuple output: its leaves
            leaves, build = _leaves(output)
            return _Layout(leaves, lambda blocks: build_output(
                tree, build(iter(blocks)), statics=False), output)
        if isinstance(output, (tuple, list)):
            leaves, build = _leaves(output)
            stacked = _stacked_shape(output, leaves)
            if stacked is not None:
                # the array NumPy makes of a tuple or list of equally shaped items
                return _Layout(leaves, None, output, stacked)
            return _Layout(leaves, lambda blocks: build(iter(blocks)), output)
        return _Layout([output], None, output, np.shape(output))

    def _forward(self, values: list, kinds: tuple, flat: list) -> Any:
        self._last_used = [self._column_module(p, kinds) for p in self.positions]
        blocks: list = []  # per argument, per float leaf: one block per output leaf
        layout = None
        for module, p in zip(self._last_used, self.positions):
            leaves = _wrt_leaves(values, kinds, p)
            if layout is None:
                layout = self._layout(self._value(module, flat, leaves), module, values,
                                      kinds)
            blocks.append([[self._as_dtype(b, x) for b in
                            self._columns(module, flat, leaves, j, layout)]
                           for j, x in enumerate(leaves)])
        assert layout is not None
        return self._assemble(blocks, layout, values, kinds)

    def _value(self, module: Module, flat: list, leaves: list) -> Any:
        """The output, from the tangent function along one argument (`leaves`: its
        float leaves, or the argument itself)."""
        return self._call(module.functions[0], [*flat, *map(_zero, leaves)])[0]

    def _columns(self, module: Module, flat: list, leaves: list, j: int,
                 layout: _Layout) -> list:
        """The Jacobian of each output leaf along leaf `j` of one argument (`leaves`:
        its float leaves, or the argument itself), one tangent per unit vector."""
        x = leaves[j]
        tangents = [_zero(leaf) for leaf in leaves]
        columns: list[list] = [[] for _ in layout.leaves]
        for k in range(np.size(x)):
            tangents[j] = _basis(x, k)
            value, t = self._call(module.functions[0], [*flat, *tangents])
            ts = _split_like(t, layout.template)
            if np.iscomplexobj(x):
                # z = x + 1j * y: dw/dx + 1j * dw/dy of a real output w (the tangents
                # along 1 and 1j), the gradient of w under srcad's convention
                self._check_complex_output(layout.leaves)
                tangents[j] = 1j * _basis(x, k)
                _, t_imag = self._call(module.functions[0], [*flat, *tangents])
                ts = [np.asarray(a, dtype=np.float64) + 1j * np.asarray(b, dtype=np.float64)
                      for a, b in zip(ts, _split_like(t_imag, layout.template))]
            for i, (ti, out) in enumerate(zip(ts, layout.leaves)):
                ti = np.asarray(ti) if np.iscomplexobj(ti) else np.asarray(ti, dtype=np.float64)
                columns[i].append(np.broadcast_to(ti, np.shape(out)))
        return [(np.stack(col, axis=-1) if col else np.zeros(np.shape(out) + (0,)))
                .reshape(np.shape(out) + np.shape(x))
                for col, out in zip(columns, layout.leaves)]

    def _reverse(self, values: list, kinds: tuple, flat: list) -> Any:
        module = self._split_module(kinds)
        self._last_used = [module]
        output, saved = self._call(module.functions[0], flat)
        layout = self._layout(output, module, values, kinds)
        # the float leaves of each differentiated argument, in the order of the gradients
        leaves = [x for p in self.positions for x in _wrt_leaves(values, kinds, p)]
        if any(np.iscomplexobj(x) for x in leaves):
            self._check_complex_output(layout.leaves)
        per_output = []  # per output leaf, per argument leaf: a block
        for i, out in enumerate(layout.leaves):
            rows: list[list] = [[] for _ in leaves]
            for k in range(np.size(out)):
                seed = _seed(layout.template, i, k, 1.0)
                grads = self._call(module.functions[1], [saved, seed])
                if np.iscomplexobj(out):
                    # the adjoint of seed 1 gives the real part's gradient, of 1j the
                    # imaginary part's
                    imag = self._call(module.functions[1],
                                      [saved, _seed(layout.template, i, k, 1j)])
                    grads = [np.asarray(g) + 1j * np.asarray(h) for g, h in zip(grads, imag)]
                for j, g in enumerate(grads):
                    g = np.asarray(g) if np.iscomplexobj(g) else np.asarray(g, dtype=np.float64)
                    rows[j].append(np.broadcast_to(g, np.shape(leaves[j])))
            blocks = []
            for row, x in zip(rows, leaves):
                shape = np.shape(out) + np.shape(x)
                jac = np.stack(row, axis=0).reshape(shape) if row else np.zeros(shape)
                blocks.append(jac)
            per_output.append(blocks)
        # per argument, per float leaf: one block per output leaf
        by_argument: list = []
        start = 0
        for p in self.positions:
            n = len(_wrt_leaves(values, kinds, p))
            by_argument.append([[self._as_dtype(per_output[i][start + j], leaves[start + j])
                                 for i in range(len(layout.leaves))] for j in range(n)])
            start += n
        return self._assemble(by_argument, layout, values, kinds)

    def _assemble(self, blocks: list, layout: _Layout, values: list, kinds: tuple) -> Any:
        """The Jacobian from its blocks (`blocks[a][j][i]`: of output leaf `i` along
        float leaf `j` of differentiated argument `a`): the output's structure outside,
        the arguments' (a tuple of them for a tuple `wrt`) inside, JAX's layout."""
        n_out = len(layout.leaves)
        if layout.build is None:  # an array or a number (or a tuple NumPy stacks)
            per_arg = []
            for a, p in enumerate(self.positions):
                leaves = _wrt_leaves(values, kinds, p)
                parts = []
                for j, x in enumerate(leaves):
                    items = [blocks[a][j][i] for i in range(n_out)]
                    jac = items[0] if n_out == 1 and layout.shape == np.shape(
                        layout.leaves[0]) else self._as_dtype(
                        np.stack([np.asarray(b) for b in items]).reshape(
                            layout.shape + np.shape(x)), x)
                    parts.append(jac)
                per_arg.append(_structured(parts, values, kinds, p))
            return per_arg[0] if self.single else tuple(per_arg)
        per_leaf = []
        for i in range(n_out):
            per_arg = [_structured([blocks[a][j][i] for j in range(len(blocks[a]))],
                                   values, kinds, p) for a, p in enumerate(self.positions)]
            per_leaf.append(per_arg[0] if self.single else tuple(per_arg))
        return layout.build(per_leaf)

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


class _Layout:
    """An output as a Jacobian sees it: its leaves (numbers and arrays), `build` putting
    one block per leaf into the output's structure (None for an array or a number, or
    a tuple or list of equally shaped ones, stacked into an array of `shape`, as NumPy
    would), and `template`: what a tangent or an adjoint of the output looks like."""

    def __init__(self, leaves: list, build: Callable[[list], Any] | None, template: Any,
                 shape: tuple = ()):
        self.leaves = leaves
        self.build = build
        self.template = template
        self.shape = shape


def _leaves(value: Any) -> tuple[list, Callable[[Iterator], Any]]:
    """The numbers and arrays in a (nested) tuple or list, and a function putting new
    items (from an iterator, in the same order) into the same tuples and lists."""
    if type(value) not in (tuple, list):
        return [value], next
    subs = [_leaves(v) for v in value]
    kind = type(value)
    return [x for leaves, _ in subs for x in leaves], \
        lambda it: kind(build(it) for _, build in subs)


def _split_like(tangent: Any, template: Any) -> list:
    """The items of a tangent (or an adjoint), laid out like `template`, in order."""
    if type(template) in (tuple, list):
        if type(tangent) not in (tuple, list):  # a zero kept as one number
            return [x for t in template for x in _split_like(tangent, t)]
        return [x for t, v in zip(tangent, template) for x in _split_like(t, v)]
    return [tangent]


def _seed(template: Any, i: int, k: int, one: Any) -> Any:
    """An output adjoint laid out like `template`: zero except entry `k` of leaf `i`."""
    counter = iter(range(1 << 62))

    def make(t: Any) -> Any:
        if type(t) in (tuple, list):
            return type(t)(make(x) for x in t)
        mine = next(counter)
        if mine != i:
            return np.zeros(np.shape(t)) if np.ndim(t) else 0.0
        seed = one * _basis(t, k) if np.ndim(t) else one
        return seed

    return make(template)


def _stacked_shape(output: Any, leaves: list) -> tuple | None:
    """The shape of the array NumPy makes of a tuple or list of equally shaped numbers
    and arrays, or None (its items differ in shape, or it holds none)."""
    if not leaves or len({np.shape(x) for x in leaves}) != 1:
        return None
    try:
        array = np.asarray(output)
    except ValueError:
        return None
    if array.dtype == object or array.size != len(leaves) * np.size(leaves[0]):
        return None
    return array.shape


def _output_size(output: Any) -> int:
    """The number of entries of an output (summed over a structure's values)."""
    if isinstance(output, (str, type(None))) or callable(output):
        return 0
    if isinstance(output, dict):
        return sum(_output_size(v) for v in output.values())
    if isinstance(output, (tuple, list)):
        return sum(_output_size(v) for v in output)
    if dataclasses.is_dataclass(output) and not isinstance(output, type):
        return sum(_output_size(getattr(output, f.name)) for f in dataclasses.fields(output))
    if hasattr(output, "__dict__") and not isinstance(output, np.ndarray):
        return sum(_output_size(v) for v in vars(output).values())
    return int(np.size(output))


def _gradient_structure(blocks: list, values: list, kinds: tuple, wrt: tuple,
                        single: bool) -> Any:
    """One block per float leaf of the arguments a gradient differentiates, in their
    structures (None for their other leaves): one structure, or a tuple of them."""
    it = iter(blocks)
    out = []
    for p in wrt:
        kind = kinds[p]
        if isinstance(kind, TreeKind):
            out.append(unflatten(kind, [next(it) if is_float else None
                                        for is_float in float_leaves(kind)], values[p]))
        else:
            out.append(next(it))
    return out[0] if single else tuple(out)


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
        A Python function returning a scalar, an array or a structure of them.
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
        (a tuple of them for a tuple `wrt`). A structured argument (a dict, list,
        tuple, dataclass, namedtuple or object with float leaves) gets blocks in its
        structure, one per float leaf (`output.shape + leaf.shape`; None for integer
        leaves). A structured output (a dict, dataclass, namedtuple, object, or a tuple
        or list whose items differ in shape) gives the output's structure outside and
        the arguments' inside, as `jax.jacobian` does; a tuple or list of equally shaped
        items is stacked into one array, as NumPy would.
    """
    return JacobianFunction(fn, wrt, mode, check_finite=check_finite)


def hessian(fn: Callable, wrt: WrtSpec = 0, check_finite: bool | None = None) -> Callable:
    """The Hessian of a scalar function: forward mode over the generated gradient.

    Parameters
    ----------
    fn : callable
        A Python function returning a real scalar.
    wrt : int, str or tuple of them, default 0
        The argument(s) to differentiate with respect to (twice). With a tuple, the
        Hessian is a tuple of tuples of blocks: `H[i][j]` has the shape
        `shape(arg_i) + shape(arg_j)`, as in `jax.hessian`.
    check_finite : bool, optional
        Check every value, adjoint and tangent for NaN and Inf where it is computed (see
        `srcad.grad`; docs/nan.md).

    Returns
    -------
    callable
        Takes `fn`'s arguments; returns an array of shape `x.shape + x.shape`. For a
        structured argument (a dict, list, tuple, dataclass, namedtuple or object with
        float leaves), a structure of structures of blocks: `H[a][b]` (for leaves `a`
        and `b`) has the shape `shape(a) + shape(b)`; integer and bool leaves are not
        differentiated (None in their places).

    Examples
    --------
    >>> import numpy as np, srcad
    >>> def f(p):
    ...     return np.sum(p["w"] ** 2) * p["b"]
    >>> H = srcad.hessian(f)({"w": np.ones(3), "b": 2.0})  # doctest: +SKIP
    >>> H["w"]["b"].shape  # doctest: +SKIP
    (3,)
    """
    if isinstance(wrt, list):
        wrt = tuple(wrt)
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
