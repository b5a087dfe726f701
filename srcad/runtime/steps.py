"""Values a reverse loop collects over its steps (`srcad/optimize/collect.py`)."""

from __future__ import annotations

import numpy as np


def steps_array(steps: list, tail: tuple) -> np.ndarray:
    """The values of a loop's steps joined along their first axis and seen as an array
    of items of shape `tail` (np.stack's result when `tail` is their shape); for a loop
    that ran no step, an empty one (its sums and products are zeros)."""
    if not steps:
        return np.zeros((0,) + tuple(tail))
    return np.concatenate(steps).reshape((-1,) + tuple(tail))
