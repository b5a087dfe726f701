"""Checkpointed loops (`srcad.grad(f, checkpoint=...)`, docs/checkpointing.md): the
gradient equals the plain one to rounding, the generated code says what it saves and
recomputes, the refusals are clear, and a long loop's gradient takes a fraction of the
memory."""

import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest

import srcad
from srcad.pipeline import cache

RNG = np.random.default_rng(7)
# automatic (about sqrt(n)), steps per segment, and segments of segments
SEGMENTS = (True, 1, 3, 7, (6, 2))


def close(a, b):
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert np.shape(x) == np.shape(y)
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


def same_gradient(f, args, wrt=0, segments=SEGMENTS):
    plain = srcad.grad(f, wrt=wrt)(*args)
    for every in segments:
        close(srcad.grad(f, wrt=wrt, checkpoint=every)(*args), plain)
    return plain


# ----------------------------------------------------------------------------- loops


def pendulum(k, c, q0, dt, n):
    q = q0
    v = 0.0
    for _ in range(n):
        a = -k * math.sin(q) - c * v
        q = q + dt * v
        v = v + dt * a
    return q * q + v * v


def test_scalar_loop_of_python_floats():
    args = (2.0, 0.1, 1.0, 0.01, 1000)
    g = same_gradient(pendulum, args, wrt=(0, 1, 2), segments=(True, 7, 33, 1000, 5000))
    assert all(type(x) is float for x in g)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 31])
def test_trip_counts_small_and_not_a_multiple_of_the_segment(n):
    same_gradient(pendulum, (2.0, 0.1, 1.0, 0.05, n), wrt=(0, 1, 2),
                  segments=(True, 1, 2, 3, 4, 50, (4, 2), (3, 2, 1), (2, 2, 2, 2)))


def rnn(W, U, b, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ W + h @ U + b)
    return np.sum(h)


def rnn_by_hand(W, U, b, xs, h0):
    """Backpropagation through time, written out."""
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(xs[t] @ W + hs[-1] @ U + b))
    bW, bU, bb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    bh = np.ones_like(h0)
    for t in reversed(range(xs.shape[0])):
        badd = bh * (1.0 - hs[t + 1] ** 2)
        bW += np.outer(xs[t], badd)
        bU += np.outer(hs[t], badd)
        bb += badd
        bh = U @ badd
    return bW, bU, bb


def test_array_rnn_over_200_steps():
    W, U, b = RNG.normal(size=(3, 8)), 0.4 * RNG.normal(size=(8, 8)), RNG.normal(size=8)
    xs, h0 = RNG.normal(size=(200, 3)), RNG.normal(size=8)
    expected = rnn_by_hand(W, U, b, xs, h0)
    for every in (True, 7, 64, (50, 7)):
        grads = srcad.grad(rnn, wrt=(0, 1, 2), checkpoint=every)(W, U, b, xs, h0)
        for g, e in zip(grads, expected):
            np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)
    # no steps at all: the gradient of the initial state only
    grads = srcad.grad(rnn, wrt=(0, 4), checkpoint=True)(W, U, b, xs[:0], h0)
    np.testing.assert_array_equal(grads[0], np.zeros_like(W))
    np.testing.assert_array_equal(grads[1], np.ones_like(h0))


def damped(x, w):
    return math.tanh(w * x) + 0.1 * x


def branches_and_helpers(w, x0, n):
    x = x0
    s = 0.0
    for _ in range(n):
        if x > 0.3:
            x = damped(x, w)
        else:
            x = x * w + 0.5
        s = s + x * x
    return s


@pytest.mark.parametrize("n", [0, 1, 2, 10, 23])
def test_if_branches_and_helper_calls_in_the_body(n):
    same_gradient(branches_and_helpers, (0.9, 0.2, n), wrt=(0, 1))


def tuple_and_array_state(a, p0):
    state = (p0, np.zeros(3))
    total = 0.0
    for _ in range(17):
        p, v = state
        v = v + a * np.sin(p)
        p = p + 0.1 * v
        state = (p, v)
        total = total + np.sum(p) * 0.01
    return total + np.sum(state[0] ** 2)


def test_several_carried_values_arrays_and_tuples():
    same_gradient(tuple_and_array_state, (RNG.normal(size=3), RNG.normal(size=3)),
                  wrt=(0, 1))


def list_of_states(xs, w):
    ys = []
    h = 0.0
    for i in range(len(xs)):
        h = math.tanh(h * w + xs[i])
        ys.append(h)
    return sum(ys)


def test_a_list_carried_through_the_loop():
    same_gradient(list_of_states, (list(RNG.normal(size=8)), 0.7), wrt=(0, 1))


def nested_loops(w, x0):
    x = x0
    for i in range(9):
        for j in range(4):
            x = np.sin(w * x) + 0.1 * j
        for j in range(5):
            if j * i > 12:
                break  # (an inner loop that stops early is recomputed with its segment)
            x = x + w * 0.01
    return np.sum(x)


def test_nested_loops_are_recomputed_with_their_segment():
    same_gradient(nested_loops, (RNG.normal(size=2), RNG.normal(size=2)), wrt=(0, 1))


def loop_in_a_branch_and_two_loops(w, x, n, flag):
    a = 1.0
    for _ in range(n):
        a = a * w + 0.1
    if flag:
        y = x * a
        for _ in range(n + 3):
            y = np.cos(y * w)
        return np.sum(y)
    return np.sum(x) * a


@pytest.mark.parametrize("flag", [True, False])
def test_loops_after_one_another_and_inside_a_branch(flag):
    same_gradient(loop_in_a_branch_and_two_loops, (0.7, RNG.normal(size=3), 11, flag),
                  wrt=(0, 1))


def over_items(w, xs):
    s = 0.0
    for i, x in enumerate(xs):
        f = lambda z: z * w + x  # noqa: E731  (a local function, inlined)
        s = f(s) * 0.5 + w ** i
    return s * s


def test_loops_over_items_and_local_functions():
    same_gradient(over_items, (0.8, RNG.normal(size=10)), wrt=(0, 1))
    same_gradient(over_items, (0.8, [1.0, 2.0, 3.0]), wrt=(0, 1))


def test_value_and_grad_and_vjp():
    args = (2.0, 0.1, 1.0, 0.01, 50)
    value, grads = srcad.value_and_grad(pendulum, wrt=(0, 1), checkpoint=True)(*args)
    value0, grads0 = srcad.value_and_grad(pendulum, wrt=(0, 1))(*args)
    assert value == value0
    close(grads, grads0)
    out, pullback = srcad.vjp(pendulum, *args, checkpoint=6)
    out0, pullback0 = srcad.vjp(pendulum, *args)
    assert out == out0
    close(pullback(1.0), pullback0(1.0))
    close(pullback(2.5), pullback0(2.5))  # (a pullback recomputes on every call)
    out, pullback = srcad.vjp(pendulum, *args, checkpoint=(12, 5))
    assert out == out0
    close(pullback(-1.5), pullback0(-1.5))


# ----------------------------------------------------------------------------- second order

STEPS = 9


def map_loop(x):
    for _ in range(STEPS):
        x = np.sin(x) * 1.1 + 0.2 * x * x
    return np.sum(x * x)


def scalar_loop(x):
    for _ in range(STEPS):
        x = math.sin(x) * 1.1
    return x * x


def test_hessian_vector_product_of_a_checkpointed_gradient():
    x, v = RNG.normal(size=3) * 0.5, RNG.normal(size=3)
    expected = srcad.hvp(map_loop)(x, v)
    for every in (True, 2, (5, 2)):
        gradient, tangent = srcad.jvp(srcad.grad(map_loop, checkpoint=every), (x,), (v,))
        close(gradient, srcad.grad(map_loop)(x))
        close(tangent, expected)


def test_second_derivative_of_a_checkpointed_gradient():
    expected = srcad.grad(srcad.grad(scalar_loop))(0.4)
    for every in (True, 4, (3, 2, 1)):
        close(srcad.grad(srcad.grad(scalar_loop, checkpoint=every))(0.4), expected)


def test_checkpoint_of_a_generated_gradient_is_refused():
    with pytest.raises(srcad.UnsupportedSyntaxError, match="innermost srcad.grad"):
        srcad.grad(srcad.grad(scalar_loop), checkpoint=True)(0.4)


# ----------------------------------------------------------------------------- refusals


def stops_early(x):
    for _ in range(10):
        x = x * 1.1
        if x > 3:
            break
    return x


def while_loop(x):
    while x < 3:
        x = x * 1.1
    return x


def while_with_break(x, w):
    s = 0.0
    while s < 10.0:
        s = s + math.sin(x * s + 1.0) * w * 0.2 + 0.3
        if s * w > 7.0:
            break
    return s * x


def while_over_an_array(x, w):
    while np.sum(x) < 20.0:
        x = np.tanh(x) * w + x
    return np.sum(x * x)


def inactive_while(x, n):
    i = 0
    while i < n:
        i = i + 1
    return x * i


def returns_inside(x, w, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i) * w
        if s > 2.5:
            return s * x
    return s


def stops_early_array(x, w):
    for _ in range(40):
        x = np.tanh(x * w) + 0.3
        if np.sum(x) > 4.0:
            break
    return np.sum(x * x)


@pytest.mark.parametrize("x", [0.5, 1.0, 2.0, 4.0])
def test_a_loop_that_stops_early(x):
    # the segment loop stops after the segment whose loop broke; each segment's
    # recompute stops where the forward sweep did
    same_gradient(stops_early, (x,), segments=SEGMENTS + ((4, 3, 2),))


@pytest.mark.parametrize("w, n", [(0.5, 0), (0.5, 17), (1.3, 3), (1.3, 40)])
def test_a_return_inside_the_loop(w, n):
    same_gradient(returns_inside, (0.7, w, n), wrt=(0, 1))


@pytest.mark.parametrize("w", [0.5, 2.0])
def test_an_array_loop_that_stops_early(w):
    same_gradient(stops_early_array, (np.array([0.2, 0.4, 1.0, 0.1, 0.3]), w), wrt=(0, 1))


WHILE_SEGMENTS = (1, 2, 3, 7, 100, (6, 2), (4, 3, 2))


@pytest.mark.parametrize("x", [0.5, 2.9, 3.5])
def test_while_loops_in_segments_of_given_steps(x):
    same_gradient(while_loop, (x,), segments=WHILE_SEGMENTS)


@pytest.mark.parametrize("w", [0.5, 1.3])
def test_while_loops_that_break_and_carry_arrays(w):
    same_gradient(while_with_break, (0.7, w), wrt=(0, 1), segments=WHILE_SEGMENTS)
    same_gradient(while_over_an_array, (np.array([0.2, 0.5]), 1.0 + w / 2), wrt=(0, 1),
                  segments=WHILE_SEGMENTS)


def test_automatic_segments_of_a_while_loop_are_refused():
    # (its trip count, and so sqrt of it, is not known when it starts)
    with pytest.raises(srcad.UnsupportedSyntaxError, match="not known when it starts") \
            as info:
        srcad.grad(while_loop, checkpoint=True)(1.0)
    assert "while x < 3" in str(info.value) and "checkpoint=100" in str(info.value)
    assert srcad.grad(inactive_while, checkpoint=True)(1.0, 4) == 4.0


def noisy(w, n):
    x = 1.0
    for _ in range(n):
        x = x * w + np.random.normal() * 0.1
    return x


def noisy_generator(w, rng, n):
    x = 1.0
    for _ in range(n):
        x = x * w + rng.normal() * 0.1
    return x


def jitter(x):
    return x + np.random.uniform(-0.01, 0.01)


def noisy_helper(w, n):
    x = 1.0
    for _ in range(n):
        x = jitter(x * w)
    return x


@pytest.mark.parametrize("f, args", [
    (noisy, (0.9, 5)), (noisy_generator, (0.9, np.random.default_rng(0), 5)),
    (noisy_helper, (0.9, 5))])
def test_a_body_that_may_not_compute_the_same_values_twice_is_refused(f, args):
    # (recomputing a segment would draw other random numbers: a wrong gradient)
    with pytest.raises(srcad.UnsupportedSyntaxError, match="different value the second "
                       "time") as info:
        srcad.grad(f, checkpoint=True)(*args)
    assert "random" in str(info.value) and "drop checkpoint=" in str(info.value)


def printing(w, n):
    x = 1.0
    for i in range(n):
        x = x * w
        print("step", i)
    return x


def test_effects_in_the_body_happen_once(capsys):
    assert srcad.grad(printing, checkpoint=2)(0.9, 5) == srcad.grad(printing)(0.9, 5)
    printed = capsys.readouterr().out.split("\n")
    assert printed.count("step 3") == 2  # (once per gradient call: not in the recompute)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "sqrt", [4], (), (8, 0), (5, 4, 3, 2, 1)])
def test_bad_options_are_refused(bad):
    with pytest.raises(srcad.BadArgumentError, match="checkpoint=") as info:
        srcad.grad(pendulum, checkpoint=bad)
    assert "pendulum" in str(info.value) and "test_checkpoint.py" in str(info.value)
    with pytest.raises(srcad.BadArgumentError):
        srcad.vjp(pendulum, 1.0, 0.1, 1.0, 0.1, 3, checkpoint=bad)


def test_no_loops_to_split_is_fine():
    assert srcad.grad(lambda_free, checkpoint=True)(3.0) == 6.0


def lambda_free(x):
    return x * x


# ----------------------------------------------------------------------------- generated code


def test_the_generated_code_says_what_is_saved_and_recomputed():
    args = (2.0, 0.1, 1.0, 0.01, 100)
    text = srcad.source(srcad.grad(pendulum, wrt=(0, 1, 2), checkpoint=True), *args)
    assert "every = segment_length(steps)" in text
    forward, reverse = text.split("# grad of line", 1)
    assert "for start in starts:" in forward and "starts[::-1]" in reverse
    assert "q_snapshots.append(q)" in forward and "q_snapshots" in reverse
    assert "# checkpoint of line" in text and "# recompute of line" in text
    fixed = srcad.source(srcad.grad(pendulum, wrt=(0, 1, 2), checkpoint=10), *args)
    assert "range(0, len(steps), 10)" in fixed and "segment_length" not in fixed
    plain = srcad.source(srcad.grad(pendulum, wrt=(0, 1, 2)), *args)
    assert "snapshots" not in plain and "recompute" not in plain


def test_segments_of_segments_save_only_their_snapshots():
    args = (2.0, 0.1, 1.0, 0.01, 100)
    g = srcad.grad(pendulum, wrt=(0, 1, 2), checkpoint=(10, 3))
    close(g(*args), srcad.grad(pendulum, wrt=(0, 1, 2))(*args))
    text = srcad.source(g)
    assert "range(0, len(steps), 10)" in text and "range(0, len(steps_part), 3)" in text
    assert text.count("# recompute of line") == 2  # (the segment, then each sub-segment)
    assert srcad.grad(pendulum, checkpoint=(7,))(*args) == \
        srcad.grad(pendulum, checkpoint=7)(*args)


def test_the_option_is_part_of_the_cache_key():
    cache.clear()
    before = cache.stats["transforms"]
    args = (2.0, 0.1, 1.0, 0.01, 20)
    sources = set()
    for every in (None, True, 5, None, True, 5):
        g = srcad.grad(pendulum, checkpoint=every)
        g(*args)
        sources.add(srcad.source(g))
    assert len(sources) == 3
    assert cache.stats["transforms"] - before == 3


# ----------------------------------------------------------------------------- memory


def _benchmark():
    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / \
        "checkpoint_memory.py"
    spec = importlib.util.spec_from_file_location("checkpoint_memory", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclass looks its module up)
    spec.loader.exec_module(module)
    return module


def test_a_long_loop_takes_a_tenth_of_the_memory():
    result = _benchmark().compare(steps=10_000, size=64, repeat=1)
    assert result["memory_ratio"] <= 0.10
    for p, c in zip(result["plain"].gradient, result["checkpointed"].gradient):
        np.testing.assert_allclose(c, p, rtol=1e-12, atol=1e-14)
