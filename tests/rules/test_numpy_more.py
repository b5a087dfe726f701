"""End-to-end derivatives through np.full / np.full_like, the integer-valued searches
(np.searchsorted, np.digitize, np.argpartition, np.bincount), order statistics
(np.median, np.percentile, np.quantile and their NaN-skipping versions) and the
in-place np.add.at / np.fill_diagonal, against central differences: gradients (reverse
and forward mode) and Hessian-vector products (against differences of srcad's
gradient), on small checks and on realistic programs (a robust regression loss, a
Monte-Carlo value at risk, a k-means step, a kernel density bandwidth).
"""

import numpy as np
import pytest
from gradcheck import check_grad, numerical_grad, numerical_hessian, numerical_jacobian

import srcad
from srcad.runtime.fill import added_at, diagonal_values, filled_diagonal

RNG = np.random.default_rng(20240611)
W23 = RNG.standard_normal((2, 3))


def rand(*shape, low=-1.5, high=1.5):
    return RNG.uniform(low, high, size=shape)


def check_hvp(f, *args, wrt=0, rtol=1e-5, atol=1e-6):
    """srcad.hvp(f) at `args` along a random direction against central differences of
    srcad.grad(f) (the argument `wrt` moves, the others stay)."""
    x = args[wrt]
    v = RNG.standard_normal(np.shape(x))
    v = float(v) if np.ndim(x) == 0 else v
    grad = srcad.grad(f, wrt=wrt)
    h = 1e-5

    def moved(step):
        return [a + step * v if i == wrt else a for i, a in enumerate(args)]

    expected = (grad(*moved(h)) - grad(*moved(-h))) / (2 * h)
    got = srcad.hvp(f, wrt=wrt)(*args, v)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    return got


# ============================================================================ np.full, np.full_like


def full_scalar(x):
    return np.sum(np.full((2, 3), x) * W23) + np.sum(np.full((2, 3), x) ** 2)


def full_broadcast(v):
    return np.sum(np.tanh(np.full((2, 3), v)) * W23)


def full_like_both(a, x):
    return np.sum(np.full_like(a, x) * a ** 2)


def full_like_integer(x):
    return np.sum(np.full_like(np.arange(3), x) * 1.0) + x


def full_in_a_loop(v0, xs):
    """A Heston-like update: the variance path starts as np.full(n, v0)."""
    v = np.full(len(xs), v0)
    for _ in range(3):
        v = np.maximum(v + 0.1 * (0.5 - v) + 0.2 * np.sqrt(v) * xs, 1e-3)
    return np.sum(np.sqrt(v))


def ones_and_zeros_like(x):
    return np.sum(np.ones_like(x) * x ** 2 + np.zeros_like(x) * np.exp(x))


@pytest.mark.parametrize("f, args, wrt", [
    (full_scalar, (0.7,), 0), (full_broadcast, (rand(3),), 0),
    (full_like_both, (rand(2, 3), 0.4), (0, 1)), (full_like_integer, (0.3,), 0),
    (full_in_a_loop, (0.4, rand(5, low=-0.5, high=0.5)), 0),
    (ones_and_zeros_like, (rand(4),), 0)])
def test_full(f, args, wrt):
    check_grad(f, *args, wrt=wrt)


@pytest.mark.parametrize("f, args", [
    (full_scalar, (0.7,)), (full_broadcast, (rand(3),)), (full_in_a_loop, (0.4, rand(5) * 0.3)),
    (ones_and_zeros_like, (rand(4),))])
def test_full_second_order(f, args):
    check_hvp(f, *args)


def test_full_integer_result_has_zero_derivative():
    assert srcad.grad(full_like_integer)(0.3) == pytest.approx(1.0)


def full_options(x):
    return np.sum(np.full((2, 2), x, dtype=np.float64, order="F") ** 2) + \
        np.sum(np.full_like(W23, x, shape=(3,)) * np.arange(3.0))


def test_full_options_are_honoured():
    check_grad(full_options, 0.6)


def full_int_dtype(x):
    return np.sum(np.full(3, x, dtype=int)) + x


def test_full_with_an_integer_dtype_is_refused():
    with pytest.raises(srcad.SrcadError, match="dtype"):
        srcad.grad(full_int_dtype)(0.5)


# ============================================================================ integer results


GRID = np.array([-2.0, -0.5, 0.3, 1.1, 2.5])


def interpolate(x, values):
    """Piecewise-linear interpolation of `values` on GRID at the points `x`."""
    i = np.clip(np.searchsorted(GRID, x), 1, len(GRID) - 1)
    w = (x - GRID[i - 1]) / (GRID[i] - GRID[i - 1])
    return np.sum((values[i - 1] * (1.0 - w) + values[i] * w) ** 2)


def interpolate_method(x, values):
    i = np.clip(GRID.searchsorted(x, side="right"), 1, len(GRID) - 1)
    w = (x - GRID[i - 1]) / (GRID[i] - GRID[i - 1])
    return np.sum(values[i - 1] * (1.0 - w) + values[i] * w)


def binned_weights(x, weights):
    bins = np.digitize(x, GRID)
    return np.sum(weights[bins] * x ** 2)


def top_k_energy(x):
    top = np.argpartition(x, -3)[-3:]
    return np.sum(x[top] ** 2) + np.sum(x[x.argpartition(2)[:2]])


def grouped_sums(x, labels):
    sums = np.bincount(labels, weights=x ** 2, minlength=4)
    counts = np.bincount(labels, minlength=4)
    return np.sum(np.sin(sums) / np.maximum(counts, 1))


@pytest.mark.parametrize("f, args, wrt", [
    (interpolate, (np.array([-1.2, 0.1, 0.9, 2.0]), rand(5)), (0, 1)),
    (interpolate_method, (np.array([-1.2, 0.1, 0.9, 2.0]), rand(5)), (0, 1)),
    (binned_weights, (np.array([-1.2, 0.1, 0.9, 2.0, 3.0]), rand(6)), (0, 1)),
    (top_k_energy, (rand(7),), 0),
    (grouped_sums, (rand(6), np.array([0, 3, 3, 1, 0, 3])), 0)])
def test_integer_results_pass_no_derivative(f, args, wrt):
    check_grad(f, *args, wrt=wrt)


@pytest.mark.parametrize("f, args", [
    (interpolate, (np.array([-1.2, 0.1, 0.9, 2.0]), rand(5))),
    (top_k_energy, (rand(7),)), (grouped_sums, (rand(6), np.array([0, 3, 3, 1, 0, 3])))])
def test_integer_results_second_order(f, args):
    check_hvp(f, *args)


def test_searchsorted_of_a_number_is_a_number():
    def f(x):
        i = np.searchsorted(GRID, x)
        return x * GRID[i] + x ** 2

    assert srcad.grad(f)(0.5) == pytest.approx(GRID[3] + 1.0)
    assert srcad.jvp(f, (0.5,), (1.0,))[1] == pytest.approx(GRID[3] + 1.0)


# ============================================================================ quantiles


def median_sq(x):
    return np.median(x) ** 2 + np.sum(x) * np.median(x)


@pytest.mark.parametrize("n", [1, 2, 5, 6])
def test_median(n):
    x = rand(n)
    check_grad(median_sq, x)
    check_hvp(median_sq, x)


def median_axis(x):
    return np.sum(np.median(x, axis=1) ** 2) + np.sum(np.median(x, axis=0, keepdims=True) * x)


def percentile_list(x):
    return np.sum(np.percentile(x, [10, 50, 95], axis=-1) ** 2)


def percentile_tuple_axis(x):
    return np.sum(np.sin(np.percentile(x, 37.5, axis=(0, 2), keepdims=True)) * x)


def quantile_fractional(x):
    return np.sum(np.quantile(x, np.array([0.05, 0.33, 0.5, 0.9])) ** 3)


def quantile_matrix_q(x):
    q = np.array([[0.2, 0.7], [0.45, 0.99]])
    return np.sum(np.quantile(x, q, axis=0) ** 2 * np.arange(3.0))


def quantile_positional(x):
    return np.quantile(x, 0.25, None, None, False, "linear", False) ** 2


@pytest.mark.parametrize("f, shape", [
    (median_axis, (4, 5)), (percentile_list, (3, 7)), (percentile_tuple_axis, (2, 3, 4)),
    (quantile_fractional, (9,)), (quantile_matrix_q, (6, 3)), (quantile_positional, (5,))])
def test_quantiles(f, shape):
    x = rand(*shape)
    check_grad(f, x)
    check_hvp(f, x)


def test_quantile_hessian_and_jacobian():
    x = rand(7)
    H = srcad.hessian(quantile_fractional)(x)
    np.testing.assert_allclose(H, numerical_hessian(quantile_fractional, x), atol=1e-5)

    def qs(x):
        return np.quantile(x, [0.1, 0.5, 0.9])

    expected = numerical_jacobian(qs, x)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(srcad.jacobian(qs, mode=mode)(x), expected, atol=1e-7)


BASE = np.array([0.3, -1.2, 0.8, 2.0, 0.1, -0.5])


def scaled_order_stats(s):
    return (np.median(np.sin(s * BASE)) ** 2 + np.percentile(s * BASE, 30) ** 3 +
            np.nanquantile(np.exp(s * BASE), 0.7) * s + np.sum(np.full(3, s) ** 3))


def test_reverse_over_reverse():
    """grad of grad (and of that) through the order statistics and np.full."""
    h = 1e-5
    for order in (1, 2):
        f = scaled_order_stats
        for _ in range(order):
            f = srcad.grad(f)
        expected = (f(0.7 + h) - f(0.7 - h)) / (2 * h)
        assert srcad.grad(f)(0.7) == pytest.approx(expected, rel=1e-6)


def test_median_ties_follow_the_stable_sort():
    """Of equal values, the one first in the array takes the lower sorted place."""
    x = np.array([1.0, 2.0, 2.0, 3.0, 2.0])  # sorted places 0 1 2 3 4: x0 x1 x2 x4 x3
    np.testing.assert_array_equal(srcad.grad(lambda x: np.median(x))(x), [0, 0, 1, 0, 0])
    x4 = np.array([2.0, 2.0, 2.0, 2.0])  # places 1 and 2 of an even count: x1 and x2
    np.testing.assert_array_equal(srcad.grad(lambda x: np.median(x))(x4), [0, 0.5, 0.5, 0])


def nan_stats(x):
    return (np.sum(np.nanmedian(x, axis=1) ** 2) + np.sum(np.nanpercentile(x, [20, 80]) ** 2)
            + np.sum(np.nanquantile(x, 0.3, axis=0) * np.arange(4.0)))


def test_nan_skipping_quantiles():
    x = rand(3, 4)
    x[0, 1] = x[2, 3] = np.nan
    g = srcad.grad(nan_stats)(x)
    assert g[0, 1] == 0.0 and g[2, 3] == 0.0
    finite = ~np.isnan(x)

    def on_finite(values):
        y = x.copy()
        y[finite] = values
        return nan_stats(y)

    np.testing.assert_allclose(g[finite], numerical_grad(on_finite, [x[finite]], 0),
                               rtol=1e-6, atol=1e-8)
    v = np.where(finite, RNG.standard_normal(x.shape), 0.0)
    hv = srcad.hvp(nan_stats)(x, v)
    grad = srcad.grad(nan_stats)
    expected = (grad(x + 1e-5 * np.where(finite, v, 0.0)) -
                grad(x - 1e-5 * np.where(finite, v, 0.0))) / 2e-5
    np.testing.assert_allclose(hv[finite], expected[finite], rtol=1e-5, atol=1e-6)


def test_nan_skipping_all_nan_slice_has_zero_derivative():
    x = np.array([[np.nan, np.nan], [1.0, 2.0]])
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        g = srcad.grad(lambda x: np.nansum(np.nanmedian(x, axis=1)))(x)
    np.testing.assert_array_equal(g, [[0, 0], [0.5, 0.5]])


def test_nan_skipping_quantiles_of_a_matrix_q_over_several_axes_are_refused():
    def f(x):
        return np.sum(np.nanquantile(x, [[0.2], [0.8]], axis=(0, 2)))

    with pytest.raises(srcad.SrcadError, match="q"):
        srcad.grad(f)(rand(2, 3, 4))


@pytest.mark.parametrize("call, word", [
    ("np.quantile(x, 0.5, method='nearest')", "method"),
    ("np.percentile(x, 50, method='midpoint')", "method"),
    ("np.median(x, overwrite_input=True)", "overwrite_input"),
    ("np.quantile(x, 0.5, weights=np.ones(5), method='inverted_cdf')", "method")])
def test_quantile_options_refused_by_name(call, word, tmp_path):
    from gradcheck import module_from_source
    module = module_from_source(f"import numpy as np\n\n\ndef loss(x):\n    return {call}\n",
                                str(tmp_path), f"quantile_option_{word}_{abs(hash(call))}")
    with pytest.raises(srcad.SrcadError, match=word):
        srcad.grad(module.loss)(rand(5))
    with pytest.raises(srcad.SrcadError, match=word):
        srcad.jvp(module.loss, (rand(5),), (np.ones(5),))


def test_differentiated_quantile_levels_are_refused():
    def f(x, q):
        return np.quantile(x, q)

    with pytest.raises(srcad.SrcadError, match="'q'"):
        srcad.grad(f, wrt=(0, 1))(rand(5), 0.3)
    with pytest.raises(srcad.SrcadError, match="'q'"):
        srcad.jvp(f, (rand(5), 0.3), (np.ones(5), 1.0))
    assert np.shape(srcad.grad(f)(rand(5), 0.3)) == (5,)  # q held constant: fine


def robust_regression(w, X, y):
    """Least median of squares with a MAD-scaled Huber penalty: a robust fit."""
    r = y - X @ w
    scale = 1.4826 * np.median(np.abs(r - np.median(r))) + 1e-3
    z = r / scale
    huber = np.where(np.abs(z) < 1.0, 0.5 * z ** 2, np.abs(z) - 0.5)
    return np.median(r ** 2) + np.mean(huber)


def monte_carlo_var(w, returns):
    """95% value at risk and expected shortfall of a softmax-weighted portfolio."""
    weights = np.exp(w) / np.sum(np.exp(w))
    losses = -(returns @ weights)
    var = np.percentile(losses, 95)
    tail = losses >= var
    es = np.sum(np.where(tail, losses, 0.0)) / np.sum(tail)
    return var + 0.5 * es + 0.1 * np.quantile(losses, 0.5) ** 2


def test_robust_regression():
    X = RNG.standard_normal((15, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * RNG.standard_normal(15)
    y[[2, 7]] += 5.0  # outliers
    w = np.array([0.8, -1.7, 0.3])
    check_grad(robust_regression, w, X, y)
    check_hvp(robust_regression, w, X, y)


def test_monte_carlo_var():
    returns = 0.01 + 0.05 * RNG.standard_normal((200, 4))
    w = np.array([0.1, -0.3, 0.2, 0.0])
    check_grad(monte_carlo_var, w, returns)
    check_hvp(monte_carlo_var, w, returns)


def running_median_penalty(x):
    """A running median filter (spike removal), then a smoothness penalty."""
    out = np.zeros(len(x))
    for i in range(len(x)):
        lo, hi = max(0, i - 2), min(len(x), i + 3)
        out[i] = np.median(x[lo:hi])
    return np.sum(np.diff(out) ** 2) + 0.1 * np.sum((x - out) ** 2)


def test_running_median():
    x = np.sin(np.linspace(0, 3, 12)) + 0.1 * RNG.standard_normal(12)
    x[5] += 2.0
    check_grad(running_median_penalty, x)
    check_hvp(running_median_penalty, x)


# ============================================================================ in place


def counts_in_place(x, labels):
    """np.add.at on values no derivative flows through: NumPy's own call."""
    counts = np.zeros(3)
    np.add.at(counts, labels, 1.0)
    return np.sum(x / counts[labels])


def diagonal_in_place(x):
    mask = np.ones((3, 3))
    np.fill_diagonal(mask, 0.0)
    return np.sum(mask @ x ** 2)


def test_in_place_calls_on_constant_arrays_still_work():
    check_grad(counts_in_place, rand(4), np.array([0, 2, 2, 1]))
    check_grad(diagonal_in_place, rand(3))


def scatter_add(x):
    acc = np.zeros(4)
    np.add.at(acc, np.array([0, 1, 1, 3]), x)
    return np.sum(acc ** 2 * np.arange(1.0, 5.0))


def kmeans_after_lloyd_step(X, C):
    """Assign points to the nearest centroid, recompute the centroids with a scatter-add,
    and return the inertia."""
    k, d = C.shape
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(d2, axis=1)
    sums = np.zeros((k, d))
    np.add.at(sums, labels, X)
    counts = np.bincount(labels, minlength=k).astype(float)
    C_new = sums / np.maximum(counts, 1.0)[:, None]
    return np.sum((X - C_new[labels]) ** 2)


def zero_diagonal(x):
    K = np.exp(-(x[:, None] - x[None, :]) ** 2)
    np.fill_diagonal(K, 2.0 * x[0])
    return np.sum(np.log(K.sum(axis=1)))


def kde_loo_nll(log_h, data):
    """Leave-one-out likelihood of a Gaussian kernel density bandwidth."""
    h = np.exp(log_h)
    n = len(data)
    diff = (data[:, None] - data[None, :]) / h
    K = np.exp(-0.5 * diff ** 2) / np.sqrt(2 * np.pi)
    np.fill_diagonal(K, 0.0)
    dens = K.sum(axis=1) / ((n - 1) * h)
    return -np.sum(np.log(dens))


_X = np.concatenate([RNG.standard_normal((5, 2)) + [3, 0], RNG.standard_normal((5, 2)) - [3, 0]])


@pytest.mark.parametrize("f, args, name", [
    (scatter_add, (rand(4),), "np.add.at"),
    (kmeans_after_lloyd_step, (_X, np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 4.0]])),
     "np.add.at"),
    (zero_diagonal, (rand(4),), "np.fill_diagonal"),
    (kde_loo_nll, (np.log(0.4), RNG.standard_normal(10)), "np.fill_diagonal")])
def test_in_place_updates_differentiated_or_refused_by_name(f, args, name):
    """np.add.at / np.fill_diagonal into a new local array are lowered to
    `a = added_at(a, i, b)` / `a = filled_diagonal(a, v)` (srcad/lower/out_arguments.py)
    where srcad's mutation analysis clears the write; until srcad/lower/mutation.py knows
    that these calls write into their first argument, they are NumPy's own calls and
    differentiating through them is refused with a message naming them."""
    try:
        check_grad(f, *args)
    except srcad.SrcadError as exc:
        assert f"'{name}'" in str(exc) and exc.lineno is not None
        return
    check_hvp(f, *args)


def test_add_at_and_filled_diagonal_are_numpy_in_place_made_new():
    a = rand(4, 3)
    index = (np.array([0, 2, 0]), np.array([1, 1, 1]))
    expected = a.copy()
    np.add.at(expected, index, np.array([1.0, 2.0, 3.0]))
    before = a.copy()
    np.testing.assert_array_equal(added_at(a, index, np.array([1.0, 2.0, 3.0])), expected)
    expected = a.copy()
    np.fill_diagonal(expected, [5.0, 6.0], wrap=True)
    np.testing.assert_array_equal(filled_diagonal(a, [5.0, 6.0], wrap=True), expected)
    np.testing.assert_array_equal(a, before)
    # the adjoint of the value written: each diagonal entry back to the item written there
    g = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(diagonal_values(g, np.ones(2)), [0.0 + 8.0, 4.0])
    with pytest.raises(TypeError):
        added_at([1.0, 2.0], [0], 1.0)


def augmented_with_repeats(x):
    a = np.zeros(4)
    a[np.array([0, 1, 1])] += x
    return np.sum(a ** 2 * np.arange(1.0, 5.0))


def test_augmented_assignment_with_repeated_indices_keeps_the_last_write():
    """`a[i] += b` is NumPy's buffered update: of repeated indices the last write stays
    (np.add.at adds them up); srcad differentiates what NumPy computes."""
    x = np.array([1.0, 2.0, 3.0])
    assert augmented_with_repeats(x) == pytest.approx(1.0 + 2.0 * 9.0)
    np.testing.assert_allclose(check_grad(augmented_with_repeats, x), [2.0, 0.0, 12.0])
