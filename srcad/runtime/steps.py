"""Values a reverse loop collects over its steps (`srcad/optimize/collect.py`)."""

from __future__ import annotations

import numpy as np


def steps_array(steps: list, shape: tuple) -> np.ndarray:
    """The values of a loop's steps stacked along a new first axis; for a loop that ran
    no step, an empty array of the steps' `shape` (its sums are zeros)."""
    return np.stack(steps) if steps else np.zeros((0,) + tuple(shape))
