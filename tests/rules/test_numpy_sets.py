"""NumPy's set functions, histograms, np.sort_complex and the in-place np.put, np.place
and np.put_along_axis (srcad/runtime/set_definitions.py, histogram_definitions.py):
values against NumPy's own (the definitions run as plain NumPy), and derivatives through
srcad against central differences (reverse and forward mode, and Hessian-vector
products).
"""

import itertools

import numpy as np
import pytest
from gradcheck import check_grad

import srcad
from srcad.runtime import histogram_definitions as hd
from srcad.runtime import set_definitions as sd

RNG = np.random.default_rng(20261207)


def same(got, want):
    """Equal values, shapes, dtypes and containers (NaN equal to NaN)."""
    if isinstance(want, (tuple, list)):
        assert type(got) is type(want) or (isinstance(got, tuple) and isinstance(want, tuple))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    assert np.array_equal(got, want, equal_nan=True), (got, want)


def check_hvp(f, x, rtol=1e-5, atol=1e-6):
    """srcad.hvp(f) at x along a random direction against differences of srcad.grad."""
    v = RNG.standard_normal(np.shape(x))
    grad, h = srcad.grad(f), 1e-5
    want = (grad(x + h * v) - grad(x - h * v)) / (2 * h)
    np.testing.assert_allclose(srcad.hvp(f)(x, v), want, rtol=rtol, atol=atol)


# ============================================================================ values

SAMPLES = [np.array([0.5, -0.25, 0.5, 1.5, -0.25, 0.75]),
           np.array([[3.0, 1.0], [np.nan, 1.0], [np.nan, 2.0]]),
           np.array([3, 1, 3, 2, 7, -5]), np.array([1 + 2j, 0.5 + 1j, 1 + 2j, -1 + 0j]),
           np.array([]), np.array([2.0, -0.0, 0.0])]


@pytest.mark.parametrize("a", SAMPLES, ids=range(len(SAMPLES)))
def test_unique_values_match_numpy(a):
    for flags in itertools.product([False, True], repeat=3):
        for equal_nan in (True, False):
            same(sd.unique(a, *flags, equal_nan=equal_nan),
                 np.unique(a, *flags, equal_nan=equal_nan))
    same(sd.unique(a, sorted=False), np.unique(a, sorted=False))
    same(sd.unique_values(a), np.unique_values(a))
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        got, want = getattr(sd, name)(a), getattr(np, name)(a)
        assert type(got) is type(want) and got._fields == want._fields
        same(tuple(got), tuple(want))


def test_set_operations_match_numpy():
    b = np.array([1.5, 0.3, -0.25, 2.0, 0.5])
    for a in (SAMPLES[0], np.array([4.0, 2.0, 0.3, 9.0]), np.array([[0.3, 1.5], [7.0, 0.5]])):
        same(sd.union1d(a, b), np.union1d(a, b))
        for assume_unique in (False, True):
            if assume_unique and a is SAMPLES[0]:
                continue
            for indices in (False, True):
                same(sd.intersect1d(a, b, assume_unique, indices),
                     np.intersect1d(a, b, assume_unique, indices))
            same(sd.setdiff1d(a, b, assume_unique), np.setdiff1d(a, b, assume_unique))
            same(sd.setxor1d(a, b, assume_unique), np.setxor1d(a, b, assume_unique))


def test_sort_complex_matches_numpy():
    for a in (RNG.standard_normal(5), np.array([3, 1, 2], np.int8),
              np.array([3.0, 1.0], np.float32),
              RNG.standard_normal((3, 4)) + 1j * RNG.integers(0, 2, (3, 4))):
        same(sd.sort_complex(a), np.sort_complex(a))


def test_in_place_forms_match_numpy():
    for shape, ind, v, mode in [((2, 3), [0, -1, 4], [1.0, 2.0], "raise"),
                                ((5,), [7, -6, 2], [3.0], "wrap"),
                                ((5,), [9, -1], [3.0, 4.0], "clip"), ((4,), [], [2.0], "raise"),
                                ((4,), [1, 1], [5.0, 6.0], "raise"), ((3,), [0, 2], [], "raise")]:
        a = RNG.standard_normal(shape)
        want = a.copy()
        np.put(want, ind, v, mode)
        same(sd.put(a, ind, np.array(v), mode), want)
    a = RNG.standard_normal((2, 3))
    mask = np.array([[True, False, True], [False, True, True]])
    for target, vals in ((a, [1.0, 2.0, 3.0]), (a, [7.0]), (np.arange(6).reshape(2, 3), [1.5])):
        want = target.copy()
        np.place(want, mask, vals)
        same(sd.place(target, mask, np.array(vals)), want)
    for indices, values, axis in [(np.array([[0], [2]]), np.array([[5.0], [6.0]]), 1),
                                  (np.array([[1, 0, 1]]), 9.0, 0),
                                  (np.array([5, 0, -1]), np.array([1.0, 2.0, 3.0]), None)]:
        want = a.copy()
        np.put_along_axis(want, indices, values, axis)
        same(sd.put_along_axis(a, indices, values, axis), want)
    with pytest.raises(IndexError):
        sd.put(a, [6], np.ones(1))
    with pytest.raises(ValueError, match="empty"):
        sd.place(a, mask, np.ones(0))


def test_histograms_match_numpy():
    x, y, w = RNG.standard_normal(50), RNG.standard_normal(50), RNG.uniform(0, 1, 50)
    for case in [{}, {"bins": 4, "range": (-1, 1)}, {"bins": 5, "weights": w, "density": True},
                 {"bins": [-1, 0, 0.5, 2]}, {"bins": np.array([-1, 0, 0.5, 2.0]), "weights": w},
                 {"bins": "auto"}, {"bins": "fd", "range": (-1, 1)}, {"density": True},
                 {"bins": 7, "weights": w.astype(np.float32)},
                 {"bins": 3, "weights": np.arange(50)},
                 {"bins": 3, "weights": w.astype(np.longdouble)}]:
        same(hd.histogram(x, **case), np.histogram(x, **case))
        if "density" not in case:
            same(hd.histogram_bin_edges(x, **case), np.histogram_bin_edges(x, **case))
    for data in (x.astype(np.float32), np.array([1, 5, 2, 2, 9]), np.array([2.0, 2.0]),
                 np.array([]), np.array([0.0, 1.0, 2.0, 3.0])):  # 3.0: the right-most edge
        for case in [{"bins": 3}, {"bins": 3, "range": (0, 3)}, {"bins": [0, 1, 3]}]:
            same(hd.histogram(data, **case), np.histogram(data, **case))
    many, weights = RNG.standard_normal(140000), RNG.uniform(0, 1, 140000)  # several blocks
    same(hd.histogram(many, 11, weights=weights), np.histogram(many, 11, weights=weights))
    same(hd.histogram(many, [-3, 0, 1, 3], weights=weights),
         np.histogram(many, [-3, 0, 1, 3], weights=weights))
    for case in [{}, {"bins": [2, 4]}, {"bins": [[-1, 0, 1], [-2, 0, 0.5, 2]]},
                 {"bins": np.array([-1, 0, 1.0])}, {"bins": 3, "weights": w, "density": True},
                 {"bins": 4, "range": [[-1, 1], [0, 1]], "density": True}]:
        same(hd.histogram2d(x, y, **case), np.histogram2d(x, y, **case))
    sample = RNG.standard_normal((40, 3))
    for case in [{"bins": 2}, {"bins": (2, 3, 4), "weights": w[:40], "density": True},
                 {"bins": [np.array([-1.0, 0, 1]), 3, 2], "range": [None, (0, 1), None]}]:
        same(hd.histogramdd(sample, **case), np.histogramdd(sample, **case))
    same(hd.histogramdd([x, y], bins=3), np.histogramdd([x, y], bins=3))


# ============================================================================ derivatives

W4 = np.array([0.7, -1.3, 2.1, 0.4])


def unique_all_fields(x):
    r = np.unique_all(np.concatenate([x, x[:2]]))
    return np.sum(r.values * np.arange(1, 6)) + np.sum(r.values ** 2 * r.counts)


def unique_inverse_rebuilds(x):
    values, inverse = np.unique(np.round(x * 2) / 2 + x * 0.01, return_inverse=True)
    return np.sum(np.sin(values[inverse]) * np.arange(5))


def sets_of_shared_values(x):
    ar2 = np.concatenate([x[:2], x[3:] + 5.0])
    common = np.intersect1d(x, ar2)
    either = np.union1d(x, ar2)
    only = np.setxor1d(x, ar2)
    rest = np.setdiff1d(x, ar2)
    return np.sum(common ** 2) + np.sum(np.cos(either) * np.arange(either.size)) + \
        np.sum(only ** 3) + np.sum(np.exp(rest))


def test_unique_and_sets_derivatives():
    x = np.array([0.3, 1.7, -0.8, 0.9, 2.2])
    check_grad(unique_all_fields, x)
    check_grad(unique_inverse_rebuilds, x)
    check_grad(sets_of_shared_values, x)
    check_hvp(sets_of_shared_values, x)


def sorted_complex(x):
    z = x[:4] + 1j * x[4:]
    s = np.sort_complex(z)
    return np.sum(np.real(s) * W4) + np.sum(np.imag(s) ** 2 * W4)


def test_sort_complex_derivatives():
    x = np.array([0.3, -1.1, 0.8, 2.0, 0.5, 0.2, -0.7, 1.4])
    check_grad(sorted_complex, x)
    check_hvp(sorted_complex, x)


def weighted_histograms(x):
    u, v, g = x[:6], x[6:12], x[12:]
    counts, edges = np.histogram(u, bins=3, weights=v ** 2, density=True)
    plane, xe, ye = np.histogram2d(u, g, bins=2, weights=v)
    space, ranges = np.histogramdd(np.stack([u, g], axis=1), bins=(2, 3), density=True)
    return np.sum(counts * np.arange(1, 4)) + np.sum(edges ** 2) + \
        np.sum(plane * np.array([[1.0, 2.0], [3.0, -1.0]])) + np.sum(xe * ye) + \
        np.sum(space) + np.sum(ranges[1] ** 3)


def test_histogram_derivatives():
    x = RNG.uniform(0.1, 0.9, 18)
    check_grad(weighted_histograms, x)
    check_hvp(weighted_histograms, x)


def written_in_place(x):
    a = x[:6].reshape(2, 3) * 1.0
    np.put(a, [0, 4, -1, 4], x[6:9] ** 2)  # 4 twice: the last write stays
    b = np.zeros(5)
    np.place(b, np.array([True, False, True, True, False]), x[:2])
    c = np.ones((3, 2)) * x[9]
    np.put_along_axis(c, np.array([[1], [0], [1]]), np.sin(x[:3]).reshape(3, 1), axis=1)
    return np.sum(a * np.arange(6).reshape(2, 3)) + np.sum(b ** 2 * np.arange(5)) + \
        np.sum(c * a[0, 0] * np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 1.0]]))


def written_into_integers(x):
    a = np.zeros(3, dtype=np.int64)
    np.put(a, [0, 1], x * 3.0)  # truncated: no derivative
    b = np.zeros(3, dtype=np.int64)
    np.place(b, np.array([True, False, True]), x * 3.0)
    return np.sum((a + b) * 1.0) + np.sum(x ** 2)


def test_in_place_derivatives():
    x = RNG.uniform(-1.0, 1.0, 10)
    check_grad(written_in_place, x)
    check_hvp(written_in_place, x)
    np.testing.assert_allclose(srcad.grad(written_into_integers)(x[:2] + 2.0),
                               2.0 * (x[:2] + 2.0))


# ============================================================================ refusals


def put_into_argument(x):
    np.put(x, [0], 2.0)
    return np.sum(x)


def unique_rows(x):
    return np.sum(np.unique(x.reshape(2, 2), axis=0))


def complex_weights(x):
    return np.sum(np.abs(np.histogram(x, bins=2, weights=x * 1j)[0]))


@pytest.mark.parametrize("f, message", [(put_into_argument, "np.put"),
                                        (unique_rows, "axis"),
                                        (complex_weights, "complex")])
def test_refusals(f, message):
    with pytest.raises(srcad.SrcadError, match=message):
        srcad.grad(f)(np.array([0.5, 1.5, -0.5, 2.5]))
