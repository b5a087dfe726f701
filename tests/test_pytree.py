"""Parameter structures at the API boundary (srcad/pytree.py)."""

from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pytest

import srcad
from srcad.ir.kinds import SCALAR, ArrayKind
from srcad.lower.pytree import (
    Leaf,
    StaticLeaf,
    TreeKind,
    flatten,
    float_leaves,
    is_structured,
    leaf_count,
    tree_kind,
    unflatten,
)

Point = namedtuple("Point", "x y")


@dataclass
class Holder:
    w: np.ndarray
    n: int = 3


class Plain:
    def __init__(self):
        self.a = 1.5
        self.fn = np.tanh


def test_which_arguments_are_structures():
    assert is_structured({"a": 1.0}, False)
    assert is_structured(Holder(np.ones(2)), False)
    assert not is_structured((1.0, np.ones(2)), False)  # data: a run-time tuple
    assert is_structured((1.0, np.ones(2)), True)       # differentiated: its leaves
    assert is_structured([(np.ones(2), 1.0)], False)     # nested containers
    assert not is_structured(np.ones(3), True)


def test_layout_and_leaves_round_trip():
    value = {"p": Point(1.0, np.ones(2)), "h": Holder(np.zeros((2, 2))), "o": Plain(),
             "layers": [(np.ones(3), 2)]}
    kind = tree_kind(value, True)
    assert isinstance(kind, TreeKind) and kind.keys == ("p", "h", "o", "layers")
    assert kind.children[2].children[1] == StaticLeaf(np.tanh)
    leaves = flatten(value, kind)
    assert leaf_count(kind) == len(leaves) == 7
    assert float_leaves(kind) == [True, True, True, False, True, True, False]
    assert kind.children[0].children[0] == Leaf(SCALAR, True)
    assert kind.children[1].children[0] == Leaf(ArrayKind(2), True)
    rebuilt = unflatten(kind, leaves, value)
    assert isinstance(rebuilt["p"], Point) and isinstance(rebuilt["h"], Holder)
    assert isinstance(rebuilt["o"], Plain) and rebuilt["o"].fn is None
    assert rebuilt["layers"][0][1] == 2 and rebuilt["h"].w is value["h"].w


def test_layouts_are_hashable_cache_keys():
    a = tree_kind({"w": np.ones(3), "f": np.sin}, True)
    b = tree_kind({"w": np.zeros(3), "f": np.sin}, True)
    c = tree_kind({"w": np.zeros((3, 1)), "f": np.sin}, True)
    assert hash(a) == hash(b) and a == b and a != c


def test_cycles_and_odd_keys_are_refused():
    loop = {}
    loop["self"] = loop
    with pytest.raises(srcad.BadArgumentError, match="contains itself"):
        tree_kind(loop, True)
    with pytest.raises(srcad.BadArgumentError, match="keys"):
        tree_kind({(1, 2): 1.0}, True)
