"""Helpers for the derivative rules of products (`srcad/rules/numpy_products.py`).

Most products here are tensor contractions: every operand's axes carry labels, the
output keeps some labels and sums over the others (`np.einsum` notation). The adjoint
of one operand is then again a contraction: of the output's adjoint with the other
operands, onto that operand's labels. `contraction_adjoint` does that for any labels,
including the cases a plain einsum cannot write:

* a label that appears only in that operand (summed over, `'ij->i'`): the adjoint is
  constant along it (broadcast);
* a label repeated within the operand (a diagonal or trace, `'ii->i'`, `'ii'`): the
  adjoint lives on that diagonal, zero elsewhere;
* an axis of size 1 broadcast against a longer one: summed back to size 1.

Labels are small ints (NumPy's einsum accepts at most 52 distinct ones).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from srcad.errors import UnsupportedSyntaxError
from srcad.runtime.adjoints import unbroadcast

_MAX_LABELS = 52


# ----------------------------------------------------------------------------- contractions


def _label_sizes(shapes, labels) -> dict:
    """The length of each label: that of its axes other than 1 (which broadcast), else 1.
    (A length 0 wins over 1: zero-size operands broadcast too.)"""
    sizes: dict = {}
    for shape, labs in zip(shapes, labels):
        for n, lab in zip(shape, labs):
            if n != 1 or lab not in sizes:
                sizes[lab] = n
    return sizes


def _split_broadcast(shapes, labels, sizes, next_label):
    """Give each axis of size 1 that broadcasts against a longer one a label of its own
    (the primal's result is the same: such an axis is summed over, with one term)."""
    out = []
    for shape, labs in zip(shapes, labels):
        labs = list(labs)
        for pos, (n, lab) in enumerate(zip(shape, labs)):
            if n == 1 and sizes[lab] != 1:
                labs[pos] = next_label
                sizes[next_label] = 1
                next_label += 1
        out.append(labs)
    if next_label > _MAX_LABELS:
        raise UnsupportedSyntaxError(
            "this contraction has too many axes for srcad's einsum-based derivative "
            f"(at most {_MAX_LABELS} distinct labels)", hint="contract fewer axes at once")
    return out


def contraction_adjoint(g, out_labels, operands, labels, k, optimize=False):
    """The adjoint of `operands[k]` in `np.einsum` of `operands` with the int label lists
    `labels` (one per operand) onto `out_labels`, given the output's adjoint `g`.

    Axes of size 1 must not broadcast against longer axes with the same label (see
    `_split_broadcast`); labels may repeat within an operand.
    """
    shapes = [np.shape(op) for op in operands]
    sizes = _label_sizes(shapes, labels)
    g = np.broadcast_to(g, tuple(sizes[lab] for lab in out_labels))
    own = list(dict.fromkeys(labels[k]))  # distinct labels, in order of appearance
    elsewhere = set(out_labels)
    args = [g, list(out_labels)]
    for j, (op, labs) in enumerate(zip(operands, labels)):
        if j != k:
            elsewhere.update(labs)
            args += [op, list(labs)]
    kept = [lab for lab in own if lab in elsewhere]
    grad = np.einsum(*args, kept, optimize=optimize)
    # Labels only this operand has were summed over: the adjoint is constant along them.
    missing = tuple(i for i, lab in enumerate(own) if lab not in elsewhere)
    own_shape = tuple(sizes[lab] for lab in own)
    if missing:
        grad = np.broadcast_to(np.expand_dims(grad, missing), own_shape)
    if len(own) == len(labels[k]):
        out = np.asarray(grad, dtype=np.result_type(grad, float))
    else:
        # A repeated label (a diagonal): write the adjoint on that diagonal of zeros.
        out = np.zeros(shapes[k], dtype=np.result_type(grad, float))
        strides = [sum(s for s, lab2 in zip(out.strides, labels[k]) if lab2 == lab)
                   for lab in own]
        np.lib.stride_tricks.as_strided(out, own_shape, strides, writeable=True)[...] = grad
    if np.ndim(operands[k]) == 0 and not isinstance(operands[k], np.ndarray):
        return complex(out) if np.iscomplexobj(out) else float(out)
    return out


# ----------------------------------------------------------------------------- einsum


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_terms(term: str, subscripts: str) -> list:
    """The labels of one subscripts term: letters, and '...' as None."""
    parts = term.split("...")
    if len(parts) > 2:
        raise UnsupportedSyntaxError(
            f"np.einsum subscripts {subscripts!r}: '...' appears twice in {term!r}",
            hint="use '...' at most once per operand")
    out: list = []
    for i, part in enumerate(parts):
        if i:
            out.append(None)
        for ch in part:
            if ch not in _LETTERS:
                raise UnsupportedSyntaxError(
                    f"np.einsum subscripts {subscripts!r}: srcad's derivative rule does not "
                    f"understand the character {ch!r}",
                    hint="use letters, ',', '->' and '...' only")
            out.append(ch)
    return out


def _sublist_term(sublist) -> str:
    """One sublist of np.einsum's interleaved form ((0, 1), [Ellipsis, 2]) as letters."""
    term = ""
    for item in sublist:
        if item is Ellipsis:
            term += "..."
        elif isinstance(item, (int, np.integer)) and not isinstance(item, bool) and \
                0 <= item < len(_LETTERS):
            term += _LETTERS[item]
        else:
            raise UnsupportedSyntaxError(
                f"np.einsum sublist {sublist!r}: srcad's derivative rule takes labels 0 to "
                f"{len(_LETTERS) - 1} and Ellipsis only")
    return term


def einsum_call(subscripts, operands) -> tuple[str, list, list[int]]:
    """A call `np.einsum(subscripts, *operands)` in its string form.

    The interleaved form `np.einsum(a, [0, 1], b, [1, 2], [0, 2])` arrives with its first
    operand as `subscripts`; it is converted to ``'ab,bc->ac'``. Returns (the subscripts,
    the array operands, and the position of each among the call's arguments after the
    first: -1 for the first argument itself).
    """
    if isinstance(subscripts, str):
        return subscripts, list(operands), list(range(len(operands)))
    args = [subscripts, *operands]
    arrays = args[0::2][:(len(args) // 2)]
    sublists = args[1::2]
    spec = ",".join(_sublist_term(sub) for sub in sublists)
    if len(args) % 2:
        spec += "->" + _sublist_term(args[-1])
    return spec, arrays, list(range(-1, 2 * len(arrays) - 2, 2))


def einsum_labels(subscripts: object,
                  shapes: Sequence[tuple[int, ...]]) -> tuple[list[list[int]], list[int]]:
    """Parse einsum `subscripts` (a string) for operands of the given shapes.

    Returns (one int label list per operand, the output's labels), with '...' expanded
    into explicit labels and broadcast size-1 axes given labels of their own. Raises
    `UnsupportedSyntaxError` for forms the derivative rule does not handle.
    """
    if not isinstance(subscripts, str):
        raise UnsupportedSyntaxError(
            f"np.einsum subscripts {subscripts!r} are not a string",
            hint="write the subscripts as one string, e.g. 'ij,jk->ik'")
    spec = subscripts.replace(" ", "")
    if spec.count("->") > 1:
        raise UnsupportedSyntaxError(f"np.einsum subscripts {subscripts!r}: more than one '->'")
    lhs, arrow, rhs = spec.partition("->")
    terms = [_einsum_terms(t, subscripts) for t in lhs.split(",")]
    if len(terms) != len(shapes):
        raise UnsupportedSyntaxError(
            f"np.einsum subscripts {subscripts!r} name {len(terms)} operand(s), but "
            f"{len(shapes)} were given")
    ids = {ch: i for i, ch in enumerate(_LETTERS)}
    ell_ndims = [len(shape) - (len(t) - 1) for shape, t in zip(shapes, terms) if None in t]
    if any(n < 0 for n in ell_ndims):
        raise UnsupportedSyntaxError(
            f"np.einsum subscripts {subscripts!r} name more axes than an operand has")
    ell_ndim = max(ell_ndims, default=0)
    ellipsis = list(range(len(_LETTERS), len(_LETTERS) + ell_ndim))
    labels = []
    for shape, term in zip(shapes, terms):
        labs: list = []
        for item in term:
            if item is None:
                n = len(shape) - (len(term) - 1)
                labs += ellipsis[ell_ndim - n:]
            else:
                labs.append(ids[item])
        if len(labs) != len(shape):
            raise UnsupportedSyntaxError(
                f"np.einsum subscripts {subscripts!r}: an operand of shape {shape} does not "
                f"have {len(labs)} axes")
        labels.append(labs)
    if arrow:
        out = []
        for item in _einsum_terms(rhs, subscripts):
            out += ellipsis if item is None else [ids[item]]
    else:
        counts: dict = {}
        for term in terms:
            for ch in term:
                if ch is not None:
                    counts[ch] = counts.get(ch, 0) + 1
        out = ellipsis + [ids[ch] for ch in sorted(counts) if counts[ch] == 1]
    # Re-number the labels compactly (np.einsum takes ints below 52).
    order = {lab: i for i, lab in enumerate(dict.fromkeys([x for labs in labels for x in labs]
                                                           + out))}
    labels = [[order[x] for x in labs] for labs in labels]
    out = [order[x] for x in out]
    sizes = _label_sizes(shapes, labels)
    labels = _split_broadcast(shapes, labels, sizes, len(order))
    return labels, out


def einsum_adjoint(g, subscripts, operands, optimize=False):
    """The adjoints of the arguments of `np.einsum(subscripts, *operands)` given the
    adjoint `g` of its result: (that of `subscripts`, a tuple with that of each operand).

    `subscripts` is a string (its adjoint is None), or the first operand of the
    interleaved form `np.einsum(a, [0, 1], b, [1, 2], [0, 2])` (see `einsum_call`); a
    sublist's adjoint is None. Handles explicit ('->') and implicit outputs, any number
    of operands, repeated labels (traces and diagonals such as 'ii', 'ii->i', 'iij->j'),
    '...', broadcasting of size-1 axes and zero-size operands.
    """
    spec, arrays, positions = einsum_call(subscripts, operands)
    labels, out = einsum_labels(spec, [np.shape(op) for op in arrays])
    grads: list = [None] * (len(operands) + 1)
    for k, position in enumerate(positions):
        grads[position + 1] = contraction_adjoint(g, out, arrays, labels, k, optimize)
    return grads[0], tuple(grads[1:])


def einsum_tangent(y, subscripts, operands, dsubscripts, doperands, optimize=False):
    """The tangent of `y = np.einsum(subscripts, *operands)` along the tangents of its
    arguments: `dsubscripts` (that of the first operand in the interleaved form) and
    `doperands` (a tuple; zero entries, or a plain 0.0 for all of them, are skipped)."""
    spec, arrays, positions = einsum_call(subscripts, operands)
    if not isinstance(doperands, (tuple, list)):
        doperands = (doperands,) * len(operands)
    tangents = [dsubscripts, *doperands]
    dy = np.zeros(np.shape(y), dtype=np.result_type(y, float))
    for k, position in enumerate(positions):
        d = tangents[position + 1]
        if np.ndim(d) == 0 and d == 0:
            continue
        ops = list(arrays)
        ops[k] = np.broadcast_to(d, np.shape(arrays[k]))
        dy = dy + np.einsum(spec, *ops, optimize=optimize)
    return dy


def _einsum_parts(subscripts, operands):
    """(subscripts string, arrays, their positions among all the arguments, labels, output
    labels) for a call `np.einsum(subscripts, *operands)` in either form."""
    spec, arrays, positions = einsum_call(subscripts, operands)
    labels, out = einsum_labels(spec, [np.shape(op) for op in arrays])
    return spec, arrays, [p + 1 for p in positions], labels, out


def _by_argument(values, positions, count):
    """Values per array operand as (first argument's, tuple of the others'), None for
    the arguments that are no arrays (as `einsum_adjoint` returns them)."""
    out: list = [None] * count
    for value, position in zip(values, positions):
        out[position] = value
    return out[0], tuple(out[1:])


def _tangent_list(d_first, d_rest, positions):
    """The tangents of the array operands, from those of all the arguments (0.0 for a
    zero one, or 0.0 for all the others)."""
    if not isinstance(d_rest, (tuple, list)):
        d_rest = (d_rest,) * max(positions, default=0)
    tangents = [d_first, *d_rest]
    return [tangents[p] for p in positions]


def _is_zero(d) -> bool:
    if isinstance(d, (tuple, list)):
        return False
    return d is None or (np.ndim(d) == 0 and d == 0)


def einsum_adjoint_tangent(g, subscripts, operands, dg, dsubscripts, doperands,
                           optimize=False):
    """The tangent of `einsum_adjoint(g, subscripts, operands)` along the tangents of `g`
    and of the operands: each operand's adjoint is linear in `g` and in every other
    operand (second derivatives of np.einsum)."""
    spec, arrays, positions, labels, out = _einsum_parts(subscripts, operands)
    tangents = _tangent_list(dsubscripts, doperands, positions)
    results = []
    for k in range(len(arrays)):
        total = 0.0 if _is_zero(dg) else contraction_adjoint(dg, out, arrays, labels, k, optimize)
        for j, d in enumerate(tangents):
            if j != k and not _is_zero(d):
                ops = list(arrays)
                ops[j] = np.broadcast_to(d, np.shape(arrays[j]))
                total = total + contraction_adjoint(g, out, ops, labels, k, optimize)
        results.append(total)
    return _by_argument(results, positions, len(operands) + 1)


def einsum_adjoint_transpose(d, g, subscripts, operands, optimize=False):
    """The adjoints of `g`, `subscripts` and `operands` in `einsum_adjoint(g, subscripts,
    operands)` given the adjoint `d` of its result ((first, others), as it returns):
    with d_k the adjoint of operand k's adjoint, `g` gets the sum over k of the einsum
    with d_k in place of operand k, and operand j the sum over k != j of the adjoint of
    operand j in that einsum."""
    spec, arrays, positions, labels, out = _einsum_parts(subscripts, operands)
    d_first, d_rest = (d, d) if _is_zero(d) else d
    adjoints = _tangent_list(d_first, d_rest, positions)
    dtype = np.result_type(g, *arrays, *[x for x in adjoints if not _is_zero(x)], float)
    dg = np.zeros(np.shape(g), dtype=dtype)
    d_arrays = [np.zeros(np.shape(x), dtype=dtype) for x in arrays]
    for k, d_k in enumerate(adjoints):
        if _is_zero(d_k):
            continue
        ops = list(arrays)
        ops[k] = np.broadcast_to(d_k, np.shape(arrays[k]))
        dg = dg + np.einsum(spec, *ops, optimize=optimize)
        for j in range(len(arrays)):
            if j != k:
                d_arrays[j] = d_arrays[j] + contraction_adjoint(g, out, ops, labels, j,
                                                                optimize)
    d_arrays = [x if isinstance(op, np.ndarray) else x[()] for x, op in zip(d_arrays, arrays)]
    d_first, d_rest = _by_argument(d_arrays, positions, len(operands) + 1)
    return dg if isinstance(g, np.ndarray) else dg[()], d_first, d_rest


# ----------------------------------------------------------------------------- tensordot etc.


def _tensordot_labels(a_ndim, b_ndim, axes):
    """Labels for `np.tensordot(a, b, axes)`: (a's, b's, the output's)."""
    if np.ndim(axes) == 0:
        n = int(axes)
        axes_a, axes_b = list(range(a_ndim - n, a_ndim)), list(range(n))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if np.ndim(axes_a) == 0 else list(axes_a)
        axes_b = [axes_b] if np.ndim(axes_b) == 0 else list(axes_b)
    axes_a = [int(i) % a_ndim for i in axes_a]
    axes_b = [int(i) % b_ndim for i in axes_b]
    a_labels = list(range(a_ndim))
    b_labels = list(range(a_ndim, a_ndim + b_ndim))
    for i, j in zip(axes_a, axes_b):
        b_labels[j] = a_labels[i]
    out = [a_labels[i] for i in range(a_ndim) if i not in axes_a] + \
        [b_labels[j] for j in range(b_ndim) if j not in axes_b]
    return a_labels, b_labels, out


def tensordot_adjoint(g, a, b, axes, k):
    """The adjoint of `a` (k=0) or `b` (k=1) in `np.tensordot(a, b, axes)`."""
    a_labels, b_labels, out = _tensordot_labels(np.ndim(a), np.ndim(b), axes)
    return contraction_adjoint(g, out, [a, b], [a_labels, b_labels], k)


def inner_adjoint(g, a, b, k):
    """The adjoint of `a` (k=0) or `b` (k=1) in `np.inner(a, b)` (a product over the last
    axes; a plain product when either is a scalar)."""
    na, nb = np.ndim(a), np.ndim(b)
    a_labels = list(range(na))
    b_labels = list(range(na, na + nb))
    if na and nb:
        b_labels[-1] = a_labels[-1]
    out = [x for x in a_labels + b_labels if not (na and nb and x == a_labels[-1])]
    return contraction_adjoint(g, out, [a, b], [a_labels, b_labels], k)


def kron_adjoint(g, a, b, k):
    """The adjoint of `a` (k=0) or `b` (k=1) in `np.kron(a, b)`.

    With both padded to the same rank n, kron(a, b) is the outer product reshaped from
    axes (a_0, b_0, a_1, b_1, ...) to (a_0 b_0, a_1 b_1, ...): undo the reshape and
    contract.
    """
    a_shape, b_shape = np.shape(a), np.shape(b)
    n = max(len(a_shape), len(b_shape))
    a_full = (1,) * (n - len(a_shape)) + a_shape
    b_full = (1,) * (n - len(b_shape)) + b_shape
    pairs = np.reshape(g, [size for pair in zip(a_full, b_full) for size in pair])
    a_labels, b_labels = list(range(0, 2 * n, 2)), list(range(1, 2 * n, 2))
    ops = [np.reshape(a, a_full), np.reshape(b, b_full)]
    grad = contraction_adjoint(pairs, list(range(2 * n)), ops, [a_labels, b_labels], k)
    shape = (a_shape, b_shape)[k]
    if not shape and not isinstance((a, b)[k], np.ndarray):
        grad = np.reshape(grad, ())
        return complex(grad) if np.iscomplexobj(grad) else float(grad)
    return np.reshape(grad, shape)


def trace_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """The adjoint of `a` in `np.trace(a, offset, axis1, axis2)`: `g` on that diagonal,
    zero elsewhere."""
    out = np.zeros(np.shape(a), dtype=np.result_type(a, g, float))
    planes = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view of `out`
    rows, cols = planes.shape[-2:]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    n = max(min(rows - start_row, cols - start_col), 0)
    i = np.arange(n)
    planes[..., start_row + i, start_col + i] = np.asarray(g)[..., None]
    return out


# ----------------------------------------------------------------------------- cross


def cross_axes(a, b, c, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The vector axes of `a`, `b` and `c = np.cross(a, b, axisa, axisb, axisc, axis)`,
    each counted from the end of its own array (so that a result with more leading axes
    keeps them in front, where `unbroadcast` sums them).

    The rule handles 3-vectors only (NumPy 2 deprecates 2-vectors in np.cross).
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    out = []
    for x, ax in ((a, axisa), (b, axisb), (c, axisc)):
        ndim = np.ndim(x)
        ax = ax % ndim
        if np.shape(x)[ax] != 3:
            raise UnsupportedSyntaxError(
                "srcad differentiates np.cross of 3-vectors only (NumPy 2 deprecates "
                "2-vectors)", hint="pad 2-vectors with a zero third component")
        out.append(ax - ndim)
    return tuple(out)


# ----------------------------------------------------------------------------- second derivatives
#
# tensordot_adjoint(g, a, b, axes, k) and inner_adjoint(g, a, b, k) are linear in g and in
# the operand other than k; operand k gives only its shape. With T the product,
# <d, adjoint_k(g)> = <g, T(operands with d in place of operand k)>, which gives the
# adjoints below. (Their tangents need no helper: the rules add adjoint_k(dg, a, b) and
# adjoint_k(g, da, db), in which operand k's tangent again gives only its shape.)


def _zeros_of(x):
    """Zeros shaped like `x` (0.0 for a number that is not an array)."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return 0.0
    return np.zeros(np.shape(x), dtype=np.result_type(x, float))


def tensordot_adjoint_transpose(d, g, a, b, axes, k):
    """The adjoints (of g, a, b) in y = tensordot_adjoint(g, a, b, axes, k), given the
    adjoint `d` of y (shaped like operand k)."""
    if k == 0:
        return (unbroadcast(np.tensordot(d, b, axes), g), _zeros_of(a),
                tensordot_adjoint(g, d, b, axes, 1))
    return (unbroadcast(np.tensordot(a, d, axes), g), tensordot_adjoint(g, a, d, axes, 0),
            _zeros_of(b))


def inner_adjoint_transpose(d, g, a, b, k):
    """The adjoints (of g, a, b) in y = inner_adjoint(g, a, b, k), given the adjoint `d`
    of y (shaped like operand k)."""
    if k == 0:
        return unbroadcast(np.inner(d, b), g), _zeros_of(a), inner_adjoint(g, d, b, 1)
    return unbroadcast(np.inner(a, d), g), inner_adjoint(g, a, d, 0), _zeros_of(b)


def kron_adjoint_transpose(d, g, a, b, k):
    """The adjoints (of g, a, b) in y = kron_adjoint(g, a, b, k), given the adjoint `d`
    of y (shaped like operand k)."""
    if k == 0:
        return unbroadcast(np.kron(d, b), g), _zeros_of(a), kron_adjoint(g, d, b, 1)
    return unbroadcast(np.kron(a, d), g), kron_adjoint(g, a, d, 0), _zeros_of(b)
