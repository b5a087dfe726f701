"""`srcad.export`: generated derivative code as a standalone module that needs only NumPy.

The exported module holds the code srcad generates for example arguments (the same
code a call with them runs, comments pointing to the user's lines included), a copy of
every runtime helper that code calls (`export_sources.py`), and a public entry point
taking the user's function's arguments and returning what the srcad function returns.
"""

from __future__ import annotations

import copy
import math
import os
import re
import sys
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from srcad.api.arguments import fn_loc
from srcad.api.export_sources import Collector, ExportError, literal
from srcad.api.matrices import HvpFunction, JacobianFunction, _basis
from srcad.api.reverse import GradFunction, Pullback
from srcad.api.version import __version__
from srcad.api.wrapper import Differentiated, array_shapes
from srcad.codegen.emit import Module
from srcad.ir.kinds import NUMERIC, SCALAR, ArrayKind
from srcad.lower.classes import is_namedtuple_class
from srcad.lower.pytree import Leaf, StaticLeaf, TreeKind
from srcad.pipeline.compiler import derivative_order
from srcad.pipeline.unit import Derived

SUPPORTED = "srcad.grad, srcad.value_and_grad, srcad.hvp and srcad.hessian"


@dataclass
class Plan:
    """What to export: the generated module, and how the entry point calls it."""

    fn: Differentiated  # the srcad function exported
    module: Module
    what: str  # "grad", "value_and_grad", "hvp" or "hessian"
    values: list  # the example arguments, bound to the parameters
    kinds: tuple
    shapes: tuple | None  # the shapes the code is specialized on, or None (any)
    direction: Any = None  # hvp: the example direction
    entry: str = ""
    args: tuple = ()  # the example arguments as given (for hvp, without the direction)


def export(fn: Callable, path: str | os.PathLike, *example_args: Any,
           name: str | None = None, verify: bool = True) -> str:
    """Write a derivative srcad generated as a standalone Python module.

    The module needs only NumPy (and SciPy where the function itself uses SciPy); it
    does not import srcad. It holds the code srcad generates for arguments like
    `example_args` (the code a call with them runs, with its comments pointing to
    your lines), a readable copy of every srcad runtime helper that code calls, and
    an entry point taking the same arguments as `fn` and returning what `fn`
    returns.

    Supported: the functions `srcad.grad` and `srcad.value_and_grad` return (of
    any order: `srcad.grad(srcad.grad(f))` too), `srcad.hvp` (the entry point takes
    the direction last) and `srcad.hessian`. Structured arguments (dicts, lists,
    tuples, named tuples, dataclasses and objects) are flattened for the generated
    code by the entry point, which rebuilds gradients (and Hessian-vector products)
    in their structure; the argument of a Hessian must be a float or an array.
    Refused with a `srcad.BadArgumentError` saying what to do: `jacobian`, `vjp`
    pullbacks, `jvp`, functions made with `check_finite=True`, bound methods,
    functions with `*args`, `**kwargs` or keyword-only parameters, and captured
    values the module cannot define (arrays of more than 1000 elements, objects of
    your classes, your modules). See docs/export.md.

    Parameters
    ----------
    fn : callable
        What `srcad.grad`, `value_and_grad`, `hvp` or `hessian` returned.
    path : str or path-like
        The file to write (a `.py` file, to be imported or copied into a project).
    *example_args
        Arguments as `fn` takes them (for `hvp`, the direction may be left out).
        The code is specialized on their kinds and, for `grad` and
        `value_and_grad`, their shapes: the entry point raises `ValueError` for
        arguments of other shapes (export again for those).
    name : str, optional
        The entry point's name (default: `grad_<f>`, `value_and_grad_<f>`,
        `hvp_<f>` or `hessian_<f>`).
    verify : bool, default True
        Import the written module and check that its entry point gives what `fn`
        gives at `example_args`.

    Returns
    -------
    str
        The module's source (also written to `path`).

    Examples
    --------
    >>> import numpy as np, srcad
    >>> def loss(w, x):
    ...     return np.sum(np.tanh(x @ w) ** 2)
    >>> srcad.export(srcad.grad(loss), "grad_loss.py",
    ...              np.ones(3), np.ones((4, 3)))  # doctest: +SKIP
    """
    plan = _plan(fn, example_args, name)
    text = _module_text(plan)
    if verify:
        _verify(text, plan)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    return text


# ----------------------------------------------------------------------------- plans


def _plan(fn: Any, args: tuple, name: str | None) -> Plan:
    _refuse_unsupported(fn)
    assert isinstance(fn, Differentiated)
    if fn.check_finite:
        raise ExportError(
            "srcad.export does not write code made with check_finite=True (its checks "
            "report through srcad)", fn_loc(fn.fn),
            "export the function made without check_finite (the checks are for debugging)")
    if fn.bound:
        raise ExportError("srcad.export does not take a bound method or callable object",
                          fn_loc(fn.fn), "export the gradient of a plain function that takes "
                          "what it needs as arguments")
    if not fn.plain_signature:
        raise ExportError(
            f"srcad.export needs '{fn.fn.__name__}' to take plain positional parameters "
            "(no *args, **kwargs or keyword-only ones)", fn_loc(fn.fn),
            "differentiate a function with plain parameters that calls this one")
    direction = None
    if isinstance(fn, HvpFunction) and len(args) == len(fn.param_names) + 1:
        *primal, direction = args
        args = tuple(primal)
    values, kinds = fn._prepare(args, {})
    _refuse_structures(fn, values, kinds)
    stem = fn.fn.__name__ if fn.fn.__name__.isidentifier() else "lambda"
    if isinstance(fn, GradFunction):
        shapes = fn._shape_key(kinds, array_shapes(values))
        module = fn._module(kinds, shapes)
        what = "value_and_grad" if fn.with_value else "grad"
        default = f"{what}_{stem}" if not isinstance(fn.inner, Derived) else \
            f"{what}{derivative_order(fn.inner)}_{stem}"
    elif isinstance(fn, HvpFunction):
        shapes, module, what, default = None, fn._module(kinds), "hvp", f"hvp_{stem}"
    else:
        assert isinstance(fn, JacobianFunction)
        fn._check_layout(values, kinds)
        pos = fn.positions[0]
        if isinstance(kinds[pos], TreeKind):
            raise ExportError(
                f"srcad.export of srcad.hessian does not take structured arguments: "
                f"'{fn.param_names[pos]}' is a {type(values[pos]).__name__}", fn_loc(fn.fn),
                "export srcad.hvp(f) (it takes structured arguments), or the Hessian of a "
                "function taking the arrays as separate arguments")
        if np.iscomplexobj(values[pos]):
            raise ExportError("srcad.export does not write the Hessian of a complex "
                              "argument", fn_loc(fn.fn), "export srcad.hvp(f) instead")
        shapes, module, what = None, fn._column_module(pos, kinds), "hessian"
        default = f"hessian_{stem}"
    entry = name or default
    if not entry.isidentifier():
        raise ExportError(f"srcad.export: the entry point name {entry!r} is not a Python "
                          "identifier", hint="pass name='...' with a valid name")
    return Plan(fn, module, what, values, kinds, shapes, direction, entry, args=args)


def _refuse_unsupported(fn: Any) -> None:
    hint = f"export what {SUPPORTED} return"
    if isinstance(fn, Pullback):
        raise ExportError("srcad.export does not write a vjp pullback (its forward sweep "
                          "already ran)", hint=hint)
    if isinstance(fn, JacobianFunction) and fn.api != "hessian":
        raise ExportError("srcad.export does not write srcad.jacobian functions",
                          fn_loc(fn.fn), "export srcad.grad(f) (a scalar f), or srcad.hvp "
                          "for second derivatives")
    if not isinstance(fn, (GradFunction, HvpFunction, JacobianFunction)):
        what = getattr(fn, "__name__", type(fn).__name__)
        raise ExportError(f"srcad.export needs a function made by {SUPPORTED}; got "
                          f"{what!r}", hint=hint + " (srcad.jvp and srcad.vjp compute "
                          "values; they have no function to export)")


def _refuse_structures(fn: Differentiated, values: list, kinds: tuple) -> None:
    """Refuse the structured arguments the entry point cannot flatten or rebuild (it
    takes plain dicts, lists, tuples, named tuples and objects)."""
    for name, kind in zip(fn.param_names, kinds):
        if not isinstance(kind, TreeKind):
            continue
        for sub in _subtrees(kind):
            if sub.node == "dict" and sub.cls is not dict:
                raise ExportError(
                    f"srcad.export takes dicts, lists, tuples, named tuples and objects as "
                    f"arguments, not a {sub.cls.__name__} (in '{name}')", fn_loc(fn.fn),
                    "pass a plain dict")
            if sub.node == "object" and not all(isinstance(k, str) and k.isidentifier()
                                                for k in sub.keys):
                raise ExportError(f"srcad.export: an object in '{name}' has attributes "
                                  "that are not identifiers", fn_loc(fn.fn),
                                  "pass a dict instead")


def _subtrees(kind: TreeKind) -> list[TreeKind]:
    return [kind] + [t for c in kind.children if isinstance(c, TreeKind) for t in _subtrees(c)]


def _access(expr: str, kind: TreeKind, key: Any) -> str:
    """Source reading the item `key` of the structure `expr` (laid out as `kind`)."""
    return f"{expr}.{key}" if kind.node == "object" else f"{expr}[{key!r}]"


def _leaves(kind: TreeKind, expr: str) -> list[tuple[str, Leaf]]:
    """(source reading it, its Leaf) for each leaf of a structure, in the order the
    generated code takes them."""
    out: list[tuple[str, Leaf]] = []
    for key, child in zip(kind.keys, kind.children):
        if isinstance(child, TreeKind):
            out += _leaves(child, _access(expr, kind, key))
        elif isinstance(child, Leaf):
            out.append((_access(expr, kind, key), child))
    return out


def _static_strings(kind: TreeKind, expr: str) -> list[tuple[str, str]]:
    """(source reading it, its value) for each string in a structure: srcad resolved
    them while transforming (`if cfg["act"] == "relu"`), so the code holds their values."""
    out: list[tuple[str, str]] = []
    for key, child in zip(kind.keys, kind.children):
        if isinstance(child, TreeKind):
            out += _static_strings(child, _access(expr, kind, key))
        elif isinstance(child, StaticLeaf) and type(child.value) is str:
            out.append((_access(expr, kind, key), child.value))
    return out


def _rebuilt(kind: TreeKind, expr: str, gradient: Callable[[str], str],
             with_attributes: str, indent: int) -> str:
    """Source making a structure laid out like `expr` whose float leaves are their
    gradients (`gradient(leaf source)` for each, in order) and other items None."""
    items = []
    for key, child in zip(kind.keys, kind.children):
        sub = _access(expr, kind, key)
        if isinstance(child, TreeKind):
            value = _rebuilt(child, sub, gradient, with_attributes, indent + 4)
        elif isinstance(child, Leaf) and child.is_float:
            value = gradient(sub)
        else:
            value = "None"
        items.append((key, value))
    if kind.node == "dict":
        opening, closing, parts = "{", "}", [f"{k!r}: {v}" for k, v in items]
    elif kind.node == "list":
        opening, closing, parts = "[", "]", [v for _, v in items]
    elif kind.node == "tuple":
        opening, closing, parts = "(", ")", [v for _, v in items]
    elif is_namedtuple_class(kind.cls):
        opening, closing, parts = f"{expr}._replace(", ")", [f"{k}={v}" for k, v in items]
    else:
        opening, closing = f"{with_attributes}({expr}, {{", "})"
        parts = [f"{k!r}: {v}" for k, v in items]
    if not parts:
        return opening + closing
    pad = " " * (indent + 4)
    return opening + "\n" + "".join(f"{pad}{part},\n" for part in parts) + \
        " " * indent + closing


# ----------------------------------------------------------------------------- text


def _module_text(plan: Plan) -> str:
    module = plan.module
    header, body = _split_generated(module.source)
    generated = [n for n, v in module.namespace.items()
                 if getattr(getattr(v, "__code__", None), "co_filename", None) == module.filename]
    params = list(plan.fn.param_names)
    out = Collector()
    out.reserved |= set(generated) | set(params) | {plan.entry}
    if plan.entry in module.namespace:
        raise ExportError(f"srcad.export: the entry point name '{plan.entry}' is a name the "
                          "generated code uses", hint="pass another name='...'")
    out.ref("np", np)
    statements = re.sub(r"(?m)^\s*#.*$", "", body)
    names = {"math": math} if re.search(r"\bmath\.", statements) else {}
    names.update((n, v) for n, v in module.namespace.items()
                 if n not in ("__builtins__", "np", "math") and n not in generated)
    out.fixed(names)
    helpers = {h: out.ref(h, fn_, "the entry point") for h, fn_ in _entry_helpers(plan)}
    entry = _entry(plan, module.functions[0].__name__, params, helpers)
    functions = [f"# {d.origin}\n{d.source}" if d.origin else d.source for d in out.functions]
    imports, values, classes = out.source()
    scipy = any("scipy" in line for line in imports)
    text = "\n".join(_header(plan, header, scipy)) + "\n\n" + "\n".join(imports) + "\n"
    if values:
        text += "\n" + "\n".join(values) + "\n"
    if classes:
        text += "\n\n" + "\n\n\n".join(classes) + "\n"
    text += "\n\n" + body.strip("\n") + "\n\n\n" + entry + "\n"
    if functions:
        text += ("\n\n# " + "-" * 77 + "\n# The helpers the code above calls, copied from "
                 "srcad (names, comments and\n# docstrings are srcad's).\n\n\n"
                 + "\n\n\n".join(functions) + "\n")
    return text


def _split_generated(source: str) -> tuple[list[str], str]:
    """(the generated module's header comments, its functions' source)."""
    lines = source.split("\n")
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        if not line.startswith("# also in scope"):  # (defined in the module here)
            header.append(line)
    body = source.partition("\n\n\n")[2]
    return header, body


def _version() -> str:
    return __version__


def _describe(value: Any, kind: Any, shape: Any) -> str:
    """An argument the code was generated for, in a few words."""
    if isinstance(kind, TreeKind):
        leaves = _leaves(kind, "")
        floats = sum(leaf.is_float for _, leaf in leaves)
        return (f"{type(value).__name__} of {len(leaves)} leaves ({floats} float), any "
                "shapes")
    if isinstance(value, np.ndarray):
        if shape is None:
            return f"{value.dtype} array of {value.ndim} dimension(s), any shape"
        return f"{value.dtype} array {value.shape}"
    if isinstance(value, (float, np.floating)):
        return f"{type(value).__name__} scalar"
    if kind == SCALAR:
        return f"{type(value).__name__} (a number)"
    return f"{type(value).__name__} (passed on as it is)"


def _header(plan: Plan, generated: list[str], scipy: bool) -> list[str]:
    fn = plan.fn
    direction = "v"
    while direction in fn.param_names:  # (as the entry point names it)
        direction += "_"
    signature = ", ".join(fn.param_names) + (f", {direction}" if plan.what == "hvp" else "")
    shapes = plan.shapes or (None,) * len(plan.values)
    args = "; ".join(f"{n}: {_describe(v, k, s)}" for n, v, k, s in
                     zip(fn.param_names, plan.values, plan.kinds, shapes))
    needs = "NumPy and SciPy" if scipy else "only NumPy"
    return [
        f"# Exported by srcad {_version()} (srcad.export): a standalone module that needs",
        f"# {needs}; it does not import srcad.",
        *textwrap.wrap(f"Entry point: {plan.entry}({signature}), what {_api(plan)} "
                       "returns.", 86, initial_indent="# ", subsequent_indent="#   "),
        *textwrap.wrap(f"Generated for the arguments {args}.", 86, initial_indent="# ",
                       subsequent_indent="#   "),
        *textwrap.wrap("Comments 'line N: ...' (and 'grad of line N: ...') refer to lines "
                       f"of {fn.fn.__code__.co_filename}.", 86, initial_indent="# ",
                       subsequent_indent="#   "),
        "#",
        *generated,
    ]


def _api(plan: Plan) -> str:
    """How the exported function was made, as a call: `srcad.grad(srcad.grad(f))`."""
    name = plan.fn.fn.__name__
    order = derivative_order(plan.fn.inner) - (1 if plan.what in ("hvp", "hessian") else 0)
    return f"srcad.{plan.what}(" + "srcad.grad(" * (order - 1) + name + ")" * order


# ----------------------------------------------------------------------------- entry


def _entry_helpers(plan: Plan) -> list[tuple[str, Callable]]:
    helpers: list[tuple[str, Callable]] = [("check_argument", check_argument)]
    if plan.what == "hessian":
        return helpers + [("unit_vector", _basis), ("hessian_like", hessian_like)]
    helpers.append(("shaped_like", shaped_like))
    objects = [t for i in plan.fn.positions if isinstance(plan.kinds[i], TreeKind)
               for t in _subtrees(plan.kinds[i])
               if t.node == "object" and not is_namedtuple_class(t.cls)]
    return helpers + ([("with_attributes", with_attributes)] if objects else [])


def _entry(plan: Plan, generated: str, params: list[str], helpers: dict[str, str]) -> str:
    fn = plan.fn
    names = set(params)

    def fresh(word: str) -> str:
        while word in names:
            word += "_"
        names.add(word)
        return word

    signature = [_parameter(p, fn.fn) if plan.what != "hvp" else p for p in params]
    direction = fresh("v") if plan.what == "hvp" else ""
    lines = [f"def {plan.entry}({', '.join(signature + ([direction] if direction else []))}):",
             f'    """{_entry_doc(plan, direction)}"""']
    shapes = plan.shapes or (None,) * len(params)
    arguments = []  # what the generated code takes: structures as their leaves
    for p, kind, value, shape in zip(params, plan.kinds, plan.values, shapes):
        if isinstance(kind, TreeKind):
            for source, text in _static_strings(kind, p):
                message = f"{source} must be {text!r}: the code was generated for it"
                lines += [f"    if {source} != {text!r}:",
                          f"        raise ValueError({message!r})"]
            for source, leaf in _leaves(kind, p):
                arguments.append(source)
                expected = _expected_shape(leaf.kind, None, None)
                if expected is not None:
                    lines.append(f"    {helpers['check_argument']}({source!r}, {source}, "
                                 f"{expected})")
            continue
        arguments.append(p)
        expected = _expected_shape(kind, value, shape)
        if expected is not None:
            lines.append(f"    {helpers['check_argument']}({p!r}, {p}, {expected})")

    def call(*extra: str, indent: int = 4) -> str:
        """The call of the generated function (one argument a line where long)."""
        every = arguments + list(extra)
        if sum(len(a) + 2 for a in every) + len(generated) + indent < 70:
            return f"{generated}({', '.join(every)})"
        pad = " " * (indent + 4)
        return f"{generated}(\n" + "".join(f"{pad}{a},\n" for a in every) + \
            " " * indent + ")"

    shaped = helpers.get("shaped_like", "")
    wrt = [params[i] for i in fn.positions]
    if plan.what in ("grad", "value_and_grad"):
        grads = fresh("gradients")
        value = fresh("value") if plan.what == "value_and_grad" else ""
        target = f"{value}, {grads}" if value else grads
        lines.append(f"    {target} = {call()}")
        count = iter(range(len(arguments)))

        def gradient(source: str) -> str:
            return f"{shaped}({grads}[{next(count)}], {source})"

        parts = []
        for i in fn.positions:
            p, kind = params[i], plan.kinds[i]
            if not isinstance(kind, TreeKind):
                parts.append(gradient(p))
                continue
            local = fresh(f"grad_{p}")
            tree = _rebuilt(kind, p, gradient, helpers.get("with_attributes", ""), 4)
            lines.append(f"    {local} = {tree}")
            parts.append(local)
        result = parts[0] if fn.single else "(" + ", ".join(parts) + ("," if len(parts) == 1
                                                                       else "") + ")"
        lines.append(f"    return {f'{value}, ' if value else ''}{result}")
    elif plan.what == "hvp":
        x, kind = wrt[0], plan.kinds[fn.positions[0]]
        product = fresh("product")
        if not isinstance(kind, TreeKind):
            lines.append(f"    {helpers['check_argument']}({direction!r}, {direction}, "
                         f"np.shape({x}))")
            lines.append(f"    {fresh('_')}, {product} = {call(direction)}")
            lines.append(f"    return {shaped}({product}, {x})")
            return "\n".join(lines)
        # the direction is laid out like the argument: its float leaves are the tangents
        pairs = [(d, a) for (d, leaf), (a, _) in zip(_leaves(kind, direction), _leaves(kind, x))
                 if leaf.is_float]
        for d, a in pairs:
            lines.append(f"    {helpers['check_argument']}({d!r}, {d}, np.shape({a}))")
        lines.append(f"    {fresh('_')}, {product} = {call(*[d for d, _ in pairs])}")
        count = iter(range(len(pairs)))
        tree = _rebuilt(kind, x, lambda a: f"{shaped}({product}[{next(count)}], {a})",
                        helpers.get("with_attributes", ""), 4)
        lines.append(f"    return {tree}")
    else:
        x = wrt[0]
        columns, k, column = fresh("columns"), fresh("k"), fresh("column")
        lines += [
            f"    {columns} = []",
            f"    for {k} in range(np.size({x})):",
            f"        # the Hessian times the {k}-th unit vector: one column",
            f"        {fresh('_')}, {column} = "
            f"{call(helpers['unit_vector'] + f'({x}, {k})', indent=8)}",
            f"        {columns}.append(np.broadcast_to({column}, np.shape({x})))",
            f"    return {helpers['hessian_like']}({columns}, {x})",
        ]
    return "\n".join(lines)


def _parameter(name: str, fn: Any) -> str:
    """`name`, or `name=default` where the user's parameter has a literal default."""
    defaults = fn.__defaults__ or ()
    params = fn.__code__.co_varnames[: fn.__code__.co_argcount]
    index = params.index(name) - (len(params) - len(defaults))
    if index < 0:
        return name
    text = literal(defaults[index])
    return f"{name}={text}" if text is not None and "np." not in text else name


def _expected_shape(kind: Any, value: Any, shape: Any) -> str | None:
    """The shape an argument must have (None: any length on that axis), as source; None
    where the code does not depend on it (`value`: the example, None for a leaf)."""
    if shape is not None:
        return repr(tuple(shape))
    if isinstance(kind, ArrayKind):
        return repr((None,) * kind.ndim) if kind.ndim is not None else None
    if kind == SCALAR or (kind == NUMERIC and np.ndim(value) == 0 and
                          isinstance(value, (int, float, complex, np.number))):
        return "()"
    return None


def _entry_doc(plan: Plan, direction: str) -> str:
    fn = plan.fn
    name = fn.fn.__name__
    wrt = ", ".join(fn.param_names[i] for i in fn.positions)
    first = {
        "grad": f"The gradient of `{name}` with respect to {wrt}",
        "value_and_grad": f"`{name}`'s value and its gradient with respect to {wrt}",
        "hvp": f"The Hessian of `{name}` with respect to {wrt}, times `{direction}`",
        "hessian": f"The Hessian of `{name}` with respect to {wrt}",
    }[plan.what]
    if plan.what in ("grad", "value_and_grad") and isinstance(fn.inner, Derived):
        order = derivative_order(fn.inner)
        first = f"The derivative of order {order} of `{name}` (srcad.grad of " \
                f"srcad.grad) with respect to {wrt}"
    shaped = {"grad": "shaped like its argument" if fn.single else
              "each shaped like its argument",
              "value_and_grad": "the gradient(s) shaped like their arguments",
              "hvp": f"shaped like {wrt}",
              "hessian": f"of shape {wrt}.shape + {wrt}.shape"}[plan.what]
    rest = ("Arguments of other shapes raise ValueError: export again for them."
            if plan.shapes else "Arguments of other numbers of dimensions raise ValueError.")
    return f"{first}, {shaped}.\n\n    {rest}\n    "


# -- the entry point's helpers (copied into the exported module)


def check_argument(name: str, value: Any, shape: tuple) -> None:
    """Raise ValueError unless `value` has `shape` (None: any length on that axis), as
    the arguments the code was generated for."""
    actual = np.shape(value)
    if len(actual) != len(shape) or any(n is not None and n != m
                                        for n, m in zip(shape, actual)):
        expected = "(" + ", ".join("any" if n is None else str(n) for n in shape) + \
            ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"'{name}' has shape {actual}, but this code was generated for "
                         f"the shape {expected}: export it again with an example of that "
                         "shape")


def shaped_like(gradient: Any, argument: Any) -> Any:
    """`gradient` with the type, shape and dtype of the argument it is the gradient of
    (a zero the code kept as the number 0.0 becomes an array of zeros)."""
    if isinstance(argument, np.ndarray):
        return np.array(np.broadcast_to(gradient, argument.shape), dtype=argument.dtype)
    if isinstance(argument, (complex, np.complexfloating)):
        return type(argument)(complex(np.asarray(gradient).item()))
    if isinstance(argument, np.floating):
        return type(argument)(np.asarray(gradient).item())
    return float(gradient)


def with_attributes(obj: Any, values: dict) -> Any:
    """A copy of `obj` (a dataclass or other object) whose attributes named in `values`
    are set to them (a frozen dataclass too)."""
    out = copy.copy(obj)
    for name, value in values.items():
        object.__setattr__(out, name, value)
    return out


def hessian_like(columns: list, x: Any) -> Any:
    """The Hessian from its columns (each shaped like `x`): an array of shape
    `x.shape + x.shape` with `x`'s dtype, or a float for a scalar `x`."""
    shape = np.shape(x)
    if columns:
        hessian = np.stack(columns, axis=-1).reshape(shape + shape)
    else:
        hessian = np.zeros(shape + shape)
    if isinstance(x, np.ndarray):
        return np.asarray(hessian, dtype=x.dtype)
    return float(hessian)


# ----------------------------------------------------------------------------- checking


def _verify(text: str, plan: Plan) -> None:
    """Run the module's entry point at the example arguments and compare with srcad."""
    module = types.ModuleType(f"_srcad_export_check_{plan.entry}")
    sys.modules[module.__name__] = module  # (a dataclass looks its module up there)
    try:
        exec(compile(text, f"<srcad.export {plan.entry}>", "exec"), module.__dict__)
    except Exception as exc:  # an error in the module: say so, with what it was
        raise ExportError(f"internal error: the exported module does not import "
                          f"({type(exc).__name__}: {exc}); please report this with your "
                          "function", fn_loc(plan.fn.fn),
                          "pass verify=False to write it anyway") from exc
    finally:
        del sys.modules[module.__name__]
    entry = getattr(module, plan.entry)
    if plan.what == "hvp":
        direction = plan.direction
        if direction is None:
            x = plan.values[plan.fn.positions[0]]
            direction = np.ones_like(x) if isinstance(x, np.ndarray) else 1.0
        call = (*plan.values, direction)
        expected = plan.fn(*plan.args, direction)
    else:
        call = tuple(plan.values)
        expected = plan.fn(*plan.args)
    got = entry(*call)
    if not _same(got, expected):
        raise ExportError("internal error: the exported module's result differs from "
                          "srcad's at the example arguments; please report this with your "
                          "function", fn_loc(plan.fn.fn), "pass verify=False to write it "
                          "anyway")


def _same(a: Any, b: Any) -> bool:
    if b is None or a is None:
        return a is b
    if isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(b, dict):
        return type(a) is type(b) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    if not isinstance(b, (np.ndarray, np.generic, int, float, complex)):
        return type(a) is type(b) and _same(vars(a), vars(b))
    if type(a) is not type(b) and not (np.isscalar(a) and np.isscalar(b)):
        return False
    return bool(np.shape(a) == np.shape(b) and
                np.allclose(a, b, rtol=1e-12, atol=1e-300, equal_nan=True))
