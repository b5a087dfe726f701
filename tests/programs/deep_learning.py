"""Deep learning: small networks written in plain NumPy the way people prototype them
before reaching for a framework -- MLPs with parameters in dicts, convolutions as
nested loops or einsum over sliding windows, attention with a numerically stable
softmax, layer/batch norm, dropout with a mask passed in, RNN/LSTM/GRU cells stepped
in Python loops, softmax cross-entropy on integer labels, embeddings gathered with
index arrays, residual blocks, and a MAML-style inner SGD step inside the loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from corpus import Program
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import erf, expit, log_softmax, logsumexp

# --- helpers

def relu(x):
    return np.maximum(x, 0.0)


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def softmax(z, axis=-1):
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


# --- MLP

def mlp_forward(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]


def mlp_mse(params, x, y):
    pred = mlp_forward(params, x)
    return np.mean((pred - y) ** 2)


def make_mlp(rng):
    params = {
        "W1": 0.5 * rng.standard_normal((3, 5)),
        "b1": 0.1 * rng.standard_normal(5),
        "W2": 0.5 * rng.standard_normal((5, 2)),
        "b2": np.zeros(2),
    }
    return params, rng.standard_normal((8, 3)), rng.standard_normal((8, 2))


# --- conv loops

def conv2d_naive(img, kernels, bias):
    """Valid cross-correlation, (C, H, W) * (F, C, kh, kw) -> (F, H', W')."""
    C, H, W = img.shape
    F, _, kh, kw = kernels.shape
    out = np.zeros((F, H - kh + 1, W - kw + 1))
    for f in range(F):
        for i in range(H - kh + 1):
            for j in range(W - kw + 1):
                patch = img[:, i:i + kh, j:j + kw]
                out[f, i, j] = np.sum(patch * kernels[f]) + bias[f]
    return out


def conv_relu_pool_loss(kernels, bias, img, target):
    feat = relu(conv2d_naive(img, kernels, bias))
    # 2x2 average pooling
    F, Ho, Wo = feat.shape
    pooled = feat.reshape(F, Ho // 2, 2, Wo // 2, 2).mean(axis=(2, 4))
    return 0.5 * np.sum((pooled - target) ** 2)


def make_conv(rng):
    kernels = 0.4 * rng.standard_normal((2, 2, 3, 3))
    bias = np.array([0.05, -0.03])
    img = rng.standard_normal((2, 6, 6))
    target = rng.standard_normal((2, 2, 2))
    return kernels, bias, img, target


# --- conv einsum

def conv1d_einsum_loss(w, b, x, y):
    """Temporal conv net: (batch, time, ch_in) -> (batch, time', ch_out), then max-pool
    over time and a linear readout."""
    k = w.shape[0]
    windows = sliding_window_view(x, k, axis=1)          # (B, T-k+1, Cin, k)
    h = np.einsum("btck,kco->bto", windows, w) + b
    h = gelu(h)
    pooled = h.max(axis=1)                               # (B, Cout)
    return np.mean((pooled.sum(axis=1) - y) ** 2)


def make_conv1d(rng):
    return (0.3 * rng.standard_normal((3, 2, 4)), 0.1 * rng.standard_normal(4),
            rng.standard_normal((5, 9, 2)), rng.standard_normal(5))


# --- attention

def self_attention(X, Wq, Wk, Wv):
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    d = Q.shape[-1]
    scores = Q @ K.T / np.sqrt(d)
    A = softmax(scores, axis=-1)
    return A @ V


def attention_block_loss(params, X, target):
    h = X + self_attention(X, params["Wq"], params["Wk"], params["Wv"])
    h = layer_norm(h, params["gamma"], params["beta"])
    return np.mean((h - target) ** 2)


def make_attention(rng):
    d = 4
    params = {"Wq": 0.5 * rng.standard_normal((d, d)),
              "Wk": 0.5 * rng.standard_normal((d, d)),
              "Wv": 0.5 * rng.standard_normal((d, d)),
              "gamma": np.ones(d) + 0.1 * rng.standard_normal(d),
              "beta": 0.1 * rng.standard_normal(d)}
    return params, rng.standard_normal((5, d)), rng.standard_normal((5, d))


# --- multi-head causal

def causal_mha_loss(W_qkv, W_o, x, n_heads):
    T, D = x.shape
    hd = D // n_heads
    qkv = x @ W_qkv                                  # (T, 3D)
    q, k, v = np.split(qkv, 3, axis=-1)
    q = q.reshape(T, n_heads, hd).transpose(1, 0, 2)
    k = k.reshape(T, n_heads, hd).transpose(1, 0, 2)
    v = v.reshape(T, n_heads, hd).transpose(1, 0, 2)
    att = q @ k.transpose(0, 2, 1) / np.sqrt(hd)     # (H, T, T)
    mask = np.triu(np.ones((T, T), dtype=bool), k=1)
    att = np.where(mask, -1e9, att)
    att = softmax(att, axis=-1)
    out = (att @ v).transpose(1, 0, 2).reshape(T, D)
    out = out @ W_o
    # next-token style regression onto shifted inputs
    return np.mean((out[:-1] - x[1:]) ** 2)


def make_mha(rng):
    D = 4
    return (0.4 * rng.standard_normal((D, 3 * D)), 0.4 * rng.standard_normal((D, D)),
            rng.standard_normal((5, D)), 2)


# --- dropout

def dropout_mlp_loss(params, x, y, masks, keep_prob=0.8):
    h = x
    n_layers = len(params) // 2
    for k in range(n_layers):
        h = h @ params[f"W{k}"] + params[f"b{k}"]
        if k < n_layers - 1:
            h = relu(h)
            h *= masks[k] / keep_prob          # inverted dropout
    return np.mean((h - y) ** 2)


def make_dropout(rng):
    sizes = [3, 4, 4, 1]
    params = {}
    for k, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"W{k}"] = 0.6 * rng.standard_normal((m, n))
        params[f"b{k}"] = 0.1 + 0.05 * rng.standard_normal(n)
    x = rng.standard_normal((6, 3))
    y = rng.standard_normal((6, 1))
    masks = [(rng.random((6, 4)) < 0.8).astype(float) for _ in range(2)]
    return params, x, y, masks


# --- vanilla RNN

def rnn_sequence_loss(Wxh, Whh, Why, xs, ys):
    h = np.zeros(Whh.shape[0])
    loss = 0.0
    outputs = []
    for t in range(len(xs)):
        h = np.tanh(Wxh @ xs[t] + Whh @ h)
        y_hat = Why @ h
        outputs.append(y_hat)
        loss += 0.5 * np.sum((y_hat - ys[t]) ** 2)
    return loss / len(xs) + 1e-3 * np.sum(np.stack(outputs) ** 2)


def make_rnn(rng):
    return (0.5 * rng.standard_normal((4, 2)), 0.4 * rng.standard_normal((4, 4)),
            0.5 * rng.standard_normal((1, 4)), rng.standard_normal((6, 2)),
            rng.standard_normal((6, 1)))


# --- LSTM

def lstm_step(W, b, x, h, c):
    H = h.shape[0]
    z = W @ np.concatenate([x, h]) + b
    i = expit(z[:H])
    f = expit(z[H:2 * H])
    o = expit(z[2 * H:3 * H])
    g = np.tanh(z[3 * H:])
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, c


def lstm_classifier_loss(W, b, w_out, seq, label):
    H = w_out.shape[0]
    h, c = np.zeros(H), np.zeros(H)
    for x in seq:
        h, c = lstm_step(W, b, x, h, c)
    logit = h @ w_out
    # binary cross-entropy
    return np.logaddexp(0.0, logit) - label * logit


def make_lstm(rng):
    H, D = 2, 2
    W = 0.4 * rng.standard_normal((4 * H, D + H))
    b = np.zeros(4 * H)
    b[H:2 * H] = 1.0               # forget-gate bias
    return W, b, rng.standard_normal(H), rng.standard_normal((5, D)), 1.0


# --- GRU class

class GRUCell:
    def __init__(self, Wz, Wr, Wh, Uz, Ur, Uh):
        self.Wz, self.Wr, self.Wh = Wz, Wr, Wh
        self.Uz, self.Ur, self.Uh = Uz, Ur, Uh

    def __call__(self, x, h):
        z = expit(self.Wz @ x + self.Uz @ h)
        r = expit(self.Wr @ x + self.Ur @ h)
        h_tilde = np.tanh(self.Wh @ x + self.Uh @ (r * h))
        return (1 - z) * h + z * h_tilde


def gru_regression_loss(weights, xs, target):
    cell = GRUCell(*weights)
    h = np.zeros(weights[3].shape[0])
    states = []
    for x in xs:
        h = cell(x, h)
        states.append(h)
    H = np.array(states)
    return np.sum((H.mean(axis=0) - target) ** 2)


def make_gru(rng):
    D, Hd = 2, 3
    weights = tuple(0.5 * rng.standard_normal((Hd, D)) for _ in range(3)) + \
        tuple(0.5 * rng.standard_normal((Hd, Hd)) for _ in range(3))
    return list(weights), rng.standard_normal((4, D)), rng.standard_normal(Hd)


# --- softmax CE

def softmax_cross_entropy(W, b, X, labels, weight_decay=1e-2):
    logits = X @ W + b
    log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
    n = X.shape[0]
    nll = -np.mean(log_probs[np.arange(n), labels])
    return nll + 0.5 * weight_decay * np.sum(W * W)


def make_softmax_ce(rng):
    return (0.3 * rng.standard_normal((4, 3)), np.zeros(3), rng.standard_normal((10, 4)),
            rng.integers(0, 3, size=10))


def label_smoothing_ce(logits_w, X, labels, smoothing=0.1):
    logits = X @ logits_w
    K = logits.shape[1]
    targets = one_hot(labels, K) * (1 - smoothing) + smoothing / K
    logp = logits - logsumexp(logits, axis=1, keepdims=True)
    return -np.sum(targets * logp) / len(labels)


def make_label_smoothing(rng):
    return (0.3 * rng.standard_normal((5, 4)), rng.standard_normal((7, 5)),
            rng.integers(0, 4, size=7))


# --- MAML

def inner_loss_and_grad(w, X, y):
    r = X @ w - y
    loss = 0.5 * np.mean(r ** 2)
    grad = X.T @ r / len(y)
    return loss, grad


def maml_loss(w, tasks, inner_lr=0.1, inner_steps=2):
    meta_loss = 0.0
    for X_tr, y_tr, X_val, y_val in tasks:
        w_task = w.copy()
        for _ in range(inner_steps):
            _, g = inner_loss_and_grad(w_task, X_tr, y_tr)
            w_task -= inner_lr * g
        val_loss, _ = inner_loss_and_grad(w_task, X_val, y_val)
        meta_loss += val_loss
    return meta_loss / len(tasks)


def make_maml(rng):
    tasks = []
    for _ in range(3):
        w_true = rng.standard_normal(3)
        X_tr, X_val = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
        tasks.append((X_tr, X_tr @ w_true, X_val, X_val @ w_true))
    return rng.standard_normal(3), tasks


# --- embeddings

def embedding_bag_loss(E, w, token_ids, offsets, y):
    """Bag-of-embeddings text classifier; offsets mark where each document starts."""
    bags = []
    for d in range(len(offsets)):
        start = offsets[d]
        end = offsets[d + 1] if d + 1 < len(offsets) else len(token_ids)
        bags.append(E[token_ids[start:end]].mean(axis=0))
    doc_vecs = np.vstack(bags)
    logits = doc_vecs @ w
    return np.mean(np.logaddexp(0.0, -y * logits))


def make_embedding(rng):
    vocab, dim = 8, 4
    token_ids = rng.integers(0, vocab, size=14)
    offsets = np.array([0, 3, 7, 10])
    return (0.5 * rng.standard_normal((vocab, dim)), rng.standard_normal(dim), token_ids,
            offsets, np.array([1.0, -1.0, 1.0, -1.0]))


def skipgram_negative_sampling(W_in, W_out, centers, contexts, negatives):
    v = W_in[centers]                                   # (B, d)
    u_pos = W_out[contexts]                             # (B, d)
    u_neg = W_out[negatives]                            # (B, K, d)
    pos = np.log(expit(np.sum(v * u_pos, axis=1)))
    neg = np.log(expit(-np.einsum("bkd,bd->bk", u_neg, v))).sum(axis=1)
    return -np.mean(pos + neg)


def make_skipgram(rng):
    V, d = 6, 3
    return (0.5 * rng.standard_normal((V, d)), 0.5 * rng.standard_normal((V, d)),
            np.array([0, 1, 2, 2, 5]), np.array([1, 2, 3, 0, 4]),
            rng.integers(0, V, size=(5, 2)))


# --- residual + BN

@dataclass
class ResBlock:
    W1: np.ndarray
    W2: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray


def batch_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta


def resnet_loss(block_params, x, y):
    blocks = [ResBlock(**p) for p in block_params]
    h = x
    for blk in blocks:
        out = batch_norm(h @ blk.W1, blk.gamma, blk.beta)
        out = relu(out)
        out = out @ blk.W2
        h = relu(h + out)
    return np.mean((h.sum(axis=1) - y) ** 2)


def make_resnet(rng):
    d = 3
    blocks = [{"W1": 0.5 * rng.standard_normal((d, d)),
               "W2": 0.5 * rng.standard_normal((d, d)),
               "gamma": 1.0 + 0.1 * rng.standard_normal(d),
               "beta": 0.2 + 0.1 * rng.standard_normal(d)}
              for _ in range(2)]
    return blocks, rng.standard_normal((6, d)) + 0.5, rng.standard_normal(6)


# --- unrolled Adam

def unrolled_adam_loss(log_lr, w0, X, y, steps=4, b1=0.9, b2=0.999, eps=1e-8):
    """Hyper-gradient of the final training loss with respect to the log learning rate."""
    lr = np.exp(log_lr)
    w = w0.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):
        r = X @ w - y
        g = X.T @ r / len(y)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return 0.5 * np.mean((X @ w - y) ** 2)


def make_adam(rng):
    X = rng.standard_normal((8, 3))
    return np.log(0.05), rng.standard_normal(3), X, X @ np.array([1.0, -2.0, 0.5])


# --- layer list

def mlp_layer_list_nll(layers, X, labels):
    h = X
    for W, b in layers[:-1]:
        h = np.tanh(h @ W + b)
    W_out, b_out = layers[-1]
    logp = log_softmax(h @ W_out + b_out, axis=1)
    picked = np.take_along_axis(logp, labels[:, None], axis=1)
    return -picked.mean()


def make_layer_list(rng):
    sizes = [3, 4, 4, 3]
    layers = [(0.5 * rng.standard_normal((m, n)), 0.1 * rng.standard_normal(n))
              for m, n in zip(sizes[:-1], sizes[1:])]
    return layers, rng.standard_normal((9, 3)), rng.integers(0, 3, size=9)


# --- padded conv + maxpool

def conv_same_maxpool_loss(k, x, y):
    """Single-channel 'same' convolution (zero padding), 2x2 max pooling, linear head."""
    kh, kw = k.shape
    xp = np.pad(x, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    H, W = x.shape
    out = np.empty((H, W))
    for i in range(H):
        for j in range(W):
            out[i, j] = np.sum(xp[i:i + kh, j:j + kw] * k)
    out = np.tanh(out)
    pooled = out.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3))
    return np.sum((pooled - y) ** 2)


def make_conv_same(rng):
    return 0.5 * rng.standard_normal((3, 3)), rng.standard_normal((4, 6)), \
        rng.standard_normal((2, 3))


# --- MAML, dict params, manual backprop

def net_forward_backward(p, X, y):
    """Two-layer tanh net: MSE and its hand-derived gradients (numpy-style backprop)."""
    a1 = X @ p["W1"] + p["b1"]
    h1 = np.tanh(a1)
    out = h1 @ p["w2"]
    err = out - y
    loss = np.mean(err ** 2)
    d_out = 2 * err / len(y)
    grads = {"w2": h1.T @ d_out}
    d_a1 = np.outer(d_out, p["w2"]) * (1 - h1 ** 2)
    grads["W1"] = X.T @ d_a1
    grads["b1"] = d_a1.sum(axis=0)
    return loss, grads


def maml_dict_loss(params, support, query, inner_lr=0.05, max_norm=1.0):
    _, grads = net_forward_backward(params, *support)
    total_norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    scale = min(1.0, max_norm / (total_norm + 1e-6))
    fast = {k: v - inner_lr * scale * grads[k] for k, v in params.items()}
    query_loss, _ = net_forward_backward(fast, *query)
    return query_loss


def make_maml_dict(rng):
    params = {"W1": 0.5 * rng.standard_normal((2, 4)), "b1": 0.1 * rng.standard_normal(4),
              "w2": 0.5 * rng.standard_normal(4)}
    Xs, Xq = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    f = lambda X: np.sin(X[:, 0]) + 0.5 * X[:, 1]  # noqa: E731
    return params, (Xs, f(Xs)), (Xq, f(Xq))


# --- positional encoding + in-place slices

def sinusoidal_positions(T, d):
    pe = np.zeros((T, d))
    pos = np.arange(T)[:, None]
    div = np.exp(np.arange(0, d, 2) * (-np.log(10000.0) / d))
    pe[:, 0::2] = np.sin(pos * div)
    pe[:, 1::2] = np.cos(pos * div)
    return pe


def token_mixer_loss(E, W_mix, tokens, targets):
    x = E[tokens].copy()                              # (T, d)
    T, d = x.shape
    x += sinusoidal_positions(T, d)
    x[:, :d // 2] *= 0.5                              # damp the first half of channels
    h = np.tanh(W_mix @ x)                            # mix across time
    logits = h @ E.T                                  # tied output embedding
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -logp[np.arange(T), targets].mean()


def make_token_mixer(rng):
    V, d, T = 6, 4, 5
    return (0.5 * rng.standard_normal((V, d)), 0.4 * rng.standard_normal((T, T)),
            rng.integers(0, V, size=T), rng.integers(0, V, size=T))


PROGRAMS = [
    Program("mlp_params_dict", mlp_mse, make_mlp),
    Program("conv2d_loops_relu_pool", conv_relu_pool_loss, make_conv, wrt=(0, 1)),
    Program("conv1d_einsum_windows", conv1d_einsum_loss, make_conv1d, wrt=(0, 1)),
    Program("attention_layernorm", attention_block_loss, make_attention),
    Program("causal_multihead_attention", causal_mha_loss, make_mha, wrt=(0, 1)),
    Program("dropout_mask_mlp", dropout_mlp_loss, make_dropout),
    Program("rnn_loop", rnn_sequence_loss, make_rnn, wrt=(0, 1, 2), second_order=True),
    Program("lstm_classifier", lstm_classifier_loss, make_lstm, wrt=(0, 1, 2),
            second_order=True),
    Program("gru_class", gru_regression_loss, make_gru),
    Program("softmax_cross_entropy", softmax_cross_entropy, make_softmax_ce, wrt=(0, 1),
            second_order=True),
    Program("label_smoothing_ce", label_smoothing_ce, make_label_smoothing,
            second_order=True),
    Program("maml_inner_sgd", maml_loss, make_maml, second_order=True),
    Program("embedding_bag", embedding_bag_loss, make_embedding, wrt=(0, 1)),
    Program("skipgram_negative_sampling", skipgram_negative_sampling, make_skipgram,
            wrt=(0, 1)),
    Program("resnet_batchnorm_dataclass", resnet_loss, make_resnet),
    Program("unrolled_adam_lr", unrolled_adam_loss, make_adam, wrt=(0, 1),
            second_order=True),
    Program("mlp_layer_list_log_softmax", mlp_layer_list_nll, make_layer_list),
    Program("conv_same_pad_maxpool", conv_same_maxpool_loss, make_conv_same,
            second_order=True),
    Program("maml_dict_manual_backprop", maml_dict_loss, make_maml_dict,
            refused="*support: starred tuple argument of run-time length"),
    Program("token_mixer_inplace_slices", token_mixer_loss, make_token_mixer, wrt=(0, 1)),
]
