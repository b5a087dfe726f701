"""Transforming the same function twice does the work once."""

import math
import threading

import numpy as np

import srcad
from srcad.pipeline import cache


def cached_target(x):
    return math.sin(x) * x


def test_grad_of_the_same_function_twice_transforms_once():
    cache.clear()
    before = cache.stats["transforms"]
    first = srcad.grad(cached_target)(0.5)
    second = srcad.grad(cached_target)(0.5)
    again = srcad.grad(cached_target)(0.7)
    assert first == second
    assert again != first
    assert cache.stats["transforms"] - before == 1


def test_different_options_or_argument_kinds_transform_separately():
    cache.clear()
    before = cache.stats["transforms"]
    srcad.grad(cached_target)(0.5)
    srcad.value_and_grad(cached_target)(0.5)  # the value too: its own code
    srcad.value_and_grad(cached_target)(0.7)  # shared with the call before
    srcad.grad(np_target)(np.ones(3))
    srcad.grad(np_target)(2.0)  # a scalar instead of an array: new specialization
    assert cache.stats["transforms"] - before == 4


def np_target(x):
    return np.sum(np.tanh(x))


SCALE = 2.0


def uses_global(x):
    return SCALE * x * x


def test_rebinding_a_global_the_function_reads_retransforms():
    global SCALE
    g = srcad.grad(uses_global)
    assert g(1.0) == 4.0
    SCALE = 5.0
    try:
        assert g(1.0) == 10.0
    finally:
        SCALE = 2.0


def test_threads_share_one_transformation():
    cache.clear()
    before = cache.stats["transforms"]
    results = []

    def work():
        results.append(srcad.grad(cached_target)(0.5))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results) == 8
    assert cache.stats["transforms"] - before == 1
