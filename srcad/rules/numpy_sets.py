"""NumPy's set functions (`np.unique` and its Array API forms, `np.union1d`,
`np.intersect1d`, `np.setdiff1d`, `np.setxor1d`), histograms (`np.histogram`,
`np.histogram_bin_edges`, `np.histogram2d`, `np.histogramdd`), `np.sort_complex`, and the
in-place `np.put`, `np.place` and `np.put_along_axis`.

All are differentiated from their definitions in plain NumPy
(srcad/runtime/set_definitions.py, histogram_definitions.py), added here to the table of
definitions. The integer helpers those use (which entry a value comes from, which bin a
sample falls into) are NumPy's own computations and carry no derivative.

The in-place functions are lowered like `a[i] = v` (srcad/lower/out_arguments.py):
`np.put(a, ind, v)` becomes `a = put(a, ind, v)`, where nothing else can see `a`.
"""

import numpy as np

from srcad.ir.kinds import ArrayKind, TupleKind
from srcad.rules.registry import Example, Rand, nondifferentiable, output_dtype
from srcad.runtime import histogram_definitions as hd
from srcad.runtime import set_definitions as sd
from srcad.runtime.definitions import DEFINITIONS

dict.update(DEFINITIONS, {
    np.unique: sd.unique, np.unique_values: sd.unique_values,
    np.unique_counts: sd.unique_counts, np.unique_inverse: sd.unique_inverse,
    np.unique_all: sd.unique_all, np.union1d: sd.union1d, np.intersect1d: sd.intersect1d,
    np.setdiff1d: sd.setdiff1d, np.setxor1d: sd.setxor1d, np.sort_complex: sd.sort_complex,
    np.histogram: hd.histogram, np.histogram_bin_edges: hd.histogram_bin_edges,
    np.histogram2d: hd.histogram2d, np.histogramdd: hd.histogramdd,
})


def _vectors(count):
    """A kind rule: a tuple of `count` arrays."""
    return lambda kinds, named: TupleKind(tuple(ArrayKind(None) for _ in range(count)))


def _vector(kinds, named):
    """A kind rule: a 1-D array."""
    return ArrayKind(1)


def _array(kinds, named):
    """A kind rule: an array of any rank."""
    return ArrayKind(None)


_REPEATS = np.array([0.5, -0.25, 0.5, 1.5, -0.25, 0.75])
_OTHER = np.array([1.5, 0.3, -0.25, 2.0])

nondifferentiable(sd.unique_positions, kind=_vectors(4), examples=[
    Example((_REPEATS,)), Example((_REPEATS.reshape(2, 3), True, False)),
    Example((np.array([0.5, np.nan, 0.5, np.nan]), False)),
    Example((np.array([3, 1, 3, 2]), True, False)), Example((Rand((4,)),))])
nondifferentiable(sd.intersect_positions, kind=_vectors(2), examples=[
    Example((_REPEATS, _OTHER)), Example((_OTHER, _REPEATS[:3], True))])
nondifferentiable(sd.setdiff_positions, sd.setxor_positions, kind=_vector, examples=[
    Example((_REPEATS, _OTHER)), Example((_OTHER, _REPEATS[:3], True)),
    Example((Rand((3,)), Rand((2,))))])
nondifferentiable(sd.put_positions, kind=_vectors(2), examples=[
    Example(((2, 3), [0, -1, 4], 2)), Example(((5,), np.array([7, -6]), 3, "wrap")),
    Example(((5,), [9], 1, "clip")), Example(((4,), [], 2))])
nondifferentiable(sd.place_positions, kind=_vectors(2), examples=[
    Example(((2, 2), np.array([[True, False], [True, True]]), 2))])
nondifferentiable(sd.along_axis_positions, kind=_array, examples=[
    Example(((3, 4), np.array([[0], [2], [1]]), 1)),
    Example(((3, 4), np.array([[0, 1, 2, 0]]), 0)), Example(((6,), np.array([5, 0]), None))])

_DATA = np.array([0.3, -1.2, 0.3, 2.5, 0.9, -0.4, 1.7])
_EDGES = np.linspace(-1.2, 2.5, 4)
nondifferentiable(hd.bin_number, kind="scalar", examples=[
    Example((_DATA, 3)), Example((_DATA, "auto")), Example((_DATA, "sturges", (0.0, 1.0)))])
nondifferentiable(hd.has_length, examples=[Example((3,)), Example(([_EDGES, _EDGES[:2]],))])
nondifferentiable(hd.edge_dtype, examples=[
    Example((-1.2, 2.5, _DATA)), Example((np.int64(1), np.int64(4), np.arange(3)))])
nondifferentiable(hd.simple_weights, examples=[
    Example((Rand((3,)),)), Example((None,)), Example((np.ones(2, np.longdouble),))])
nondifferentiable(hd.uniform_bins, kind=_vectors(2), examples=[
    Example((_DATA, -1.2, 2.5, 3, _EDGES)),
    Example((_DATA, 0.0, 1.0, 2, np.linspace(0.0, 1.0, 3))),
    Example((np.array([1, 4, 2, 2]), 1, 4, 3, np.linspace(1.0, 4.0, 4)))])
nondifferentiable(hd.sorted_bins, kind=_vectors(2), examples=[
    Example((_DATA, np.array([-1.0, 0.3, 0.5, 2.5]))), Example((Rand((5,)), _EDGES))])
nondifferentiable(hd.dd_bins, kind=_vectors(2), examples=[
    Example((np.stack([_DATA, _DATA[::-1]], axis=1), [_EDGES, np.array([0.0, 1.0, 3.0])]))])
output_dtype(hd.bin_number, hd.uniform_bins, hd.sorted_bins, hd.dd_bins, output="real")
output_dtype(sd.unique_positions, sd.intersect_positions, sd.setdiff_positions,
             sd.setxor_positions, sd.put_positions, sd.place_positions,
             sd.along_axis_positions, output="real")
