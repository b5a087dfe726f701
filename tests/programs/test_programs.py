"""Every program of the corpus (`corpus.py`) against central differences.

A program srcad differentiates: its gradient agrees with central differences of the
loss, the user's arguments are not modified, and for programs marked `second_order`
the Hessian-vector product agrees with central differences of the gradient. A program
marked `refused` raises a `srcad.SrcadError`.
"""

from __future__ import annotations

import copy
import importlib
import os
import sys

import numpy as np
import pytest

import srcad

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from corpus import FIELDS, Program, all_programs  # noqa: E402

EPS = 1e-6


def _leaves(tree):
    """The float leaves of an argument (a number, an array, or dicts/lists/tuples of
    them), as (path, value) pairs."""
    if isinstance(tree, dict):
        for key in tree:
            for path, leaf in _leaves(tree[key]):
                yield (key,) + path, leaf
    elif isinstance(tree, (list, tuple)):
        for i, item in enumerate(tree):
            for path, leaf in _leaves(item):
                yield (i,) + path, leaf
    else:
        yield (), tree


def _replaced(tree, path, value):
    if not path:
        return value
    if isinstance(tree, dict):
        out = dict(tree)
    else:
        out = list(tree)
    out[path[0]] = _replaced(tree[path[0]], path[1:], value)
    return out if isinstance(tree, (dict, list)) else type(tree)(out)


def _moved(leaf, index, delta):
    if isinstance(leaf, np.ndarray):
        moved = leaf.astype(np.float64)
        moved[index] += delta
        return moved
    return leaf + delta


def numerical_gradient(program: Program, args: tuple, position: int):
    """Central differences of the loss in every float entry of `args[position]`,
    shaped like srcad's gradient of it (a number, an array or the same structure)."""
    arg = args[position]

    def loss_at(new_arg):
        call = list(copy.deepcopy(args))
        call[position] = new_arg
        return float(program.loss(*call))

    results = {}
    for path, leaf in _leaves(arg):
        if isinstance(leaf, np.ndarray):
            grad = np.zeros(leaf.shape)
            for index in np.ndindex(leaf.shape):
                up = _replaced(arg, path, _moved(leaf, index, EPS))
                down = _replaced(arg, path, _moved(leaf, index, -EPS))
                grad[index] = (loss_at(up) - loss_at(down)) / (2 * EPS)
        else:
            up = _replaced(arg, path, leaf + EPS)
            down = _replaced(arg, path, leaf - EPS)
            grad = (loss_at(up) - loss_at(down)) / (2 * EPS)
        results[path] = grad
    return results


def _assert_close(ours, numerical, rtol, what):
    for path, expected in numerical.items():
        got = ours
        for key in path:
            got = got[key]
        got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
        assert got.shape == expected.shape, (what, path, got.shape, expected.shape)
        scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale,
                                   err_msg=f"{what} at {path}")


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return True  # (objects: compared through their arrays where they are arguments)


PROGRAMS = all_programs()


@pytest.mark.parametrize("field,program", PROGRAMS,
                         ids=[f"{field}-{p.name}" for field, p in PROGRAMS])
def test_program(field, program: Program):
    args = program.make_args(np.random.default_rng(0))
    if program.refused:
        with pytest.raises(srcad.SrcadError):
            srcad.grad(program.loss, wrt=program.wrt)(*args)
        return
    before = copy.deepcopy(args)
    grads = srcad.grad(program.loss, wrt=program.wrt)(*args)
    assert all(_same(a, b) for a, b in zip(args, before)), "the arguments were modified"
    for position, grad in zip(program.wrt, grads):
        _assert_close(grad, numerical_gradient(program, args, position), program.rtol,
                      f"gradient in argument {position}")
    if program.second_order:
        _check_hvp(program, args)


def _check_hvp(program: Program, args: tuple):
    position = program.wrt[0]
    x = args[position]
    rng = np.random.default_rng(1)
    v = rng.standard_normal(np.shape(x)) if isinstance(x, np.ndarray) else 0.7
    hv = srcad.hvp(program.loss, wrt=position)(*args, v)
    grad = srcad.grad(program.loss, wrt=position)
    step = 1e-5

    def at(h):
        moved = list(args)
        moved[position] = x + h * v
        return np.asarray(grad(*moved), dtype=float)

    expected = (at(step) - at(-step)) / (2 * step)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(np.asarray(hv, dtype=float), expected, rtol=1e-4,
                               atol=1e-4 * scale, err_msg="Hessian-vector product")


def test_every_field_module_is_listed():
    modules = {name[:-3] for name in os.listdir(HERE)
               if name.endswith(".py") and not name.startswith("test_") and
               name not in ("corpus.py", "__init__.py")}
    assert modules == set(FIELDS)
    for field in FIELDS:
        assert importlib.import_module(field).PROGRAMS
