"""What the generated code of a checkpointed loop calls (transforms/checkpoint.py)."""

from __future__ import annotations

import math


def segment_length(steps: range) -> int:
    """The number of steps of each segment of a checkpointed loop over `steps`, when
    the user asked for the automatic choice: about the square root of the trip count
    (at least 1), so that the snapshots (one per segment) and the values one segment
    saves for its reverse sweep both number about sqrt(n)."""
    n = len(steps)
    return max(1, math.isqrt(n - 1) + 1) if n > 0 else 1
