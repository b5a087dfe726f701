"""The lowering's parts: collaborators that see the core only through its protocol, and
gradient hooks whose bodies travel in the IR (no process-wide registry)."""

from __future__ import annotations

import ast
import gc
import pathlib
import weakref

import numpy as np
import pytest

import srcad
from srcad import runtime
from srcad.errors import UnsupportedSyntaxError
from srcad.frontend.source import parse_function
from srcad.ir.builder import Builder
from srcad.ir.handles import Struct
from srcad.ir.nodes import Call, Const, Var, walk
from srcad.lower.containers import Containers
from srcad.lower.context import Session
from srcad.lower.hooks import HookBody
from srcad.lower.lowering import lower_function, lower_hook

LOWER = pathlib.Path(srcad.__file__).parent / "lower"

# The modules that build the core (and so may name it); collaborators may not.
_BUILDERS_OF_THE_CORE = {"core", "lowering"}


def _srcad_imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.module for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and
            node.module.startswith("srcad.")}


@pytest.mark.parametrize("path", sorted(LOWER.glob("*.py")), ids=lambda p: p.stem)
def test_collaborators_do_not_import_the_core(path):
    if path.stem in _BUILDERS_OF_THE_CORE:
        return
    imported = _srcad_imports(path)
    assert not imported & {"srcad.lower.core", "srcad.lower.lowering"}, imported


class _Context:
    """Just what `Containers` needs of the core: a builder, locations, handle checks."""

    def __init__(self):
        self.b = Builder()
        self.session = Session()

    def loc_for(self, node):
        return None

    def check_handle(self, value, node):
        pass


def test_containers_work_with_a_minimal_context():
    containers = Containers(_Context())
    node = ast.Name(id="d", ctx=ast.Load())
    w = Var("w")
    d = containers.new("dict", [("W", w)], name="params")
    assert containers.get(d, "W", node) is w
    containers.set(d, "b", Const(1.0), node)
    assert d.keys == ["W", "b"]
    with pytest.raises(UnsupportedSyntaxError, match="has no key 'x'"):
        containers.get(d, "x", node)


def test_containers_refuse_to_change_a_callers_container():
    containers = Containers(_Context())
    passed_in = Struct("dict", ["W"], name="params", mutable=False)
    with pytest.raises(UnsupportedSyntaxError, match="the caller's object would change"):
        containers.set(passed_in, "W", Const(0.0), ast.Name(id="d", ctx=ast.Load()))


# ---------------------------------------------------------------------- gradient hooks
def clipped(x, c):
    y = x * x
    with srcad.insert_grad_of(y) as dy:
        dy = np.clip(dy, -c, c)
    return 3.0 * y


def _hook_calls(fn):
    return [s for s in walk(fn.body) if isinstance(s, Call) and s.fn is runtime.grad_hook]


def test_the_hook_body_travels_in_the_ir():
    ir = lower_function(parse_function(clipped))
    (call,) = _hook_calls(ir)
    hook = call.args[1]
    assert isinstance(hook, Const) and isinstance(hook.value, HookBody)
    assert hook.value.adjoint_name == "dy" and hook.value.label == "y"
    assert hook.value.captured == ["c"]
    assert len(call.args) == 3  # y, the hook, and the captured c


def test_lower_hook_splices_the_body_from_the_ir():
    ir = lower_function(parse_function(clipped))
    hook = _hook_calls(ir)[0].args[1].value
    builder = Builder(Const(0.0))
    adjoint, bound = Var("dy"), Var("c")
    new = lower_hook(hook, builder, adjoint, [bound])
    negate, clip = builder.block.stmts  # -c, then np.clip(dy, -c, c)
    assert negate.args == [bound]
    assert clip.fn is np.clip and clip.args == [adjoint, negate.target, bound]
    assert new is clip.target
    assert builder.env == {}  # the builder's own names are left as they were


def test_hook_bodies_are_not_kept_after_their_ir():
    ir = lower_function(parse_function(clipped))
    hook = weakref.ref(_hook_calls(ir)[0].args[1].value)
    del ir
    gc.collect()
    assert hook() is None


def test_each_lowering_has_its_own_hook():
    first = _hook_calls(lower_function(parse_function(clipped)))[0].args[1].value
    second = _hook_calls(lower_function(parse_function(clipped)))[0].args[1].value
    assert first is not second


@pytest.mark.parametrize("c, expected", [(100.0, 3.0 * 2 * 1.5), (1.0, 1.0 * 2 * 1.5)])
def test_hook_clips_the_gradient(c, expected):
    assert srcad.grad(clipped)(1.5, c) == pytest.approx(expected)


def test_a_hook_must_leave_an_adjoint():
    def leaves_a_dict(x):
        with srcad.insert_grad_of(x) as dx:
            dx = {"a": dx}
        return x * 2.0

    with pytest.raises(UnsupportedSyntaxError, match="other than a number or an array"):
        srcad.grad(leaves_a_dict)(0.5)


def test_enumerate_of_zip_into_one_name():
    def f(xs, ys):
        s = 0.0
        for t in enumerate(zip(xs, ys)):
            i, (x, y) = t
            s = s + x * y * i
        return s

    xs, ys = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    np.testing.assert_allclose(srcad.grad(f)(xs, ys), ys * np.arange(3))
