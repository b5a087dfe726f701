"""A 50-line array function (a small classifier with regularizers): the first-call benchmark
of benchmarks/overheads.py transforms it."""

import numpy as np


def layer(x, W, b):
    z = x @ W + b
    return np.tanh(z)


def fifty_lines(params, X, Y):
    W1, b1, W2, b2, W3, b3 = params
    h1 = layer(X, W1, b1)
    h2 = layer(h1, W2, b2)
    logits = h2 @ W3 + b3
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    nll = -np.mean(np.sum(Y * logp, axis=1))
    reg = 0.0
    for W in (W1, W2, W3):
        reg = reg + 0.5 * np.sum(W * W)
    probs = np.exp(logp)
    entropy = -np.mean(np.sum(probs * logp, axis=1))
    margin = np.mean(np.maximum(0.0, 1.0 - np.sum(Y * logits, axis=1)))
    smooth = np.mean(np.sqrt(1.0 + h1 ** 2)) + np.mean(np.abs(h2))
    center = np.mean(h1, axis=0)
    spread = np.mean((h1 - center) ** 2)
    scale = np.linalg.norm(W1) + np.linalg.norm(W2)
    ratio = scale / (1.0 + np.linalg.norm(W3))
    clipped = np.clip(logits, -5.0, 5.0)
    huber = np.where(np.abs(clipped) < 1.0, 0.5 * clipped ** 2, np.abs(clipped) - 0.5)
    cos = np.sum(h2[:, :4] * h2[:, 4:8], axis=1) / (
        np.linalg.norm(h2[:, :4], axis=1) * np.linalg.norm(h2[:, 4:8], axis=1) + 1e-8)
    total = nll + 1e-3 * reg
    total = total + 0.01 * entropy + 0.1 * margin
    total = total + 0.01 * smooth + 0.01 * spread
    total = total + 0.001 * ratio + 0.001 * np.mean(huber)
    total = total - 0.01 * np.mean(cos)
    acc = 0.0
    for i in range(3):
        acc = acc + np.mean(logits[:, i] * Y[:, i])
    total = total + 0.01 * acc
    diff = np.diff(logits, axis=1)
    total = total + 1e-3 * np.mean(diff ** 2)
    cum = np.cumsum(h2, axis=1)
    total = total + 1e-4 * np.mean(cum)
    sig = 1.0 / (1.0 + np.exp(-logits))
    total = total + 1e-3 * np.mean(sig * (1.0 - sig))
    return total
