"""Marked random inputs shared by the registry sweeps that write real Python source
(tests/rules/test_complex_sweep.py, tests/rules/test_list_sweep.py): each input of a
generated function is read from one flat float vector `x`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Inp:
    """A random input read from x: real (`x[a:b]`) or complex (`x[a:b] + 1j * x[b:c]`)."""

    value: object              # the float or complex number / array passed to the primal
    start: int = 0

    @property
    def is_complex(self) -> bool:
        return bool(np.iscomplexobj(self.value))

    @property
    def shape(self):
        return np.shape(self.value)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=int))

    @property
    def width(self) -> int:
        return self.size * (2 if self.is_complex else 1)

    def coords(self) -> np.ndarray:
        v = np.ravel(np.asarray(self.value))
        return np.concatenate([v.real, v.imag]) if self.is_complex else v.astype(float)

    def _part(self, a: int) -> str:
        b = a + self.size
        if self.shape == ():
            return f"x[{a}]"
        if len(self.shape) == 1:
            return f"x[{a}:{b}]"
        return f"x[{a}:{b}].reshape({self.shape!r})"

    def expr(self) -> str:
        real = f"{self._part(self.start)} * 1.0"
        if not self.is_complex:
            return real
        return f"({real} + 1j * {self._part(self.start + self.size)})"


def inputs(value):
    if isinstance(value, Inp):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from inputs(v)


def plain_value(value):
    """The plain call value of a marked argument."""
    if isinstance(value, Inp):
        return value.value
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    if isinstance(value, tuple) and any(True for _ in inputs(value)):
        return tuple(plain_value(v) for v in value)
    return value


def hashable(v) -> bool:
    try:
        hash(v)
        return True
    except TypeError:
        return False
