"""Train a two-layer ReLU network with mini-batch SGD, gradients by srcad.

The model is what Keras calls `Dense(512, activation="relu")` followed by
`Dense(10)` and a softmax, on flattened 28x28 inputs. The data is generated here: ten
random "digit" templates, each sample a noisy, shifted copy of one of them.

The parameters live in a dict; `srcad.value_and_grad(loss)(params, x, y)` returns the
gradient as a dict with the same keys. A second, shorter run keeps the parameters in a
small class: the gradient of `TwoLayer.loss` with respect to `self` is a `TwoLayer`
whose attributes are the gradients.
"""

import numpy as np

import srcad

rng = np.random.default_rng(0)
N_TRAIN, N_PIXELS, N_HIDDEN, N_CLASSES = 2048, 28 * 28, 512, 10


def make_data(n):
    templates = rng.random((N_CLASSES, 28, 28)) > 0.7
    labels = rng.integers(0, N_CLASSES, n)
    shifts = rng.integers(-2, 3, (n, 2))
    images = np.empty((n, 28, 28))
    for i in range(n):
        images[i] = np.roll(templates[labels[i]], tuple(shifts[i]), axis=(0, 1))
    images += 0.3 * rng.normal(size=images.shape)
    return images.reshape(n, N_PIXELS), labels


def init_params():
    return {
        "W1": rng.normal(0.0, np.sqrt(2.0 / N_PIXELS), (N_PIXELS, N_HIDDEN)),
        "b1": np.zeros(N_HIDDEN),
        "W2": rng.normal(0.0, np.sqrt(1.0 / N_HIDDEN), (N_HIDDEN, N_CLASSES)),
        "b2": np.zeros(N_CLASSES),
    }


def loss(params, x, labels):
    """Mean softmax cross-entropy of the two-layer ReLU network."""
    hidden = np.maximum(0.0, x @ params["W1"] + params["b1"])
    logits = hidden @ params["W2"] + params["b2"]
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    picked = np.take_along_axis(log_probs, labels[:, None], axis=1)
    return -np.mean(picked)


def accuracy(params, x, labels):
    hidden = np.maximum(0.0, x @ params["W1"] + params["b1"])
    return np.mean(np.argmax(hidden @ params["W2"] + params["b2"], axis=1) == labels)


def sgd(params, x, labels, epochs, batch=64, lr=0.1):
    step = srcad.value_and_grad(loss)
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        losses = []
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            value, grads = step(params, x[idx], labels[idx])
            for name in params:
                params[name] -= lr * grads[name]
            losses.append(value)
        print(f"epoch {epoch + 1}: mean training loss {np.mean(losses):.4f}, "
              f"accuracy {accuracy(params, x, labels):.3f}")
    return params


class TwoLayer:
    """The same network, its parameters held by an object."""

    def __init__(self, params):
        self.W1, self.b1 = params["W1"], params["b1"]
        self.W2, self.b2 = params["W2"], params["b2"]

    def logits(self, x):
        return np.maximum(0.0, x @ self.W1 + self.b1) @ self.W2 + self.b2

    def loss(self, x, labels):
        z = self.logits(x)
        z = z - np.max(z, axis=1, keepdims=True)
        log_probs = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
        return -np.mean(np.take_along_axis(log_probs, labels[:, None], axis=1))


def check_one_entry(params, x, labels, name, index, h=1e-6):
    """A central finite difference of one parameter entry against srcad's gradient."""
    grads = srcad.grad(loss)(params, x, labels)
    plus = {k: v.copy() for k, v in params.items()}
    minus = {k: v.copy() for k, v in params.items()}
    plus[name][index] += h
    minus[name][index] -= h
    fd = (loss(plus, x, labels) - loss(minus, x, labels)) / (2 * h)
    print(f"d loss / d {name}{list(index)}: srcad {grads[name][index]:.8f}, "
          f"finite differences {fd:.8f}")
    assert abs(grads[name][index] - fd) <= 1e-6 * max(1.0, abs(fd))


def main():
    x, labels = make_data(N_TRAIN)
    params = init_params()
    first = loss(params, x, labels)
    print(f"initial loss {first:.4f} (log 10 = {np.log(10):.4f})")
    check_one_entry(params, x[:32], labels[:32], "W1", (300, 7))
    check_one_entry(params, x[:32], labels[:32], "b2", (3,))
    params = sgd(params, x, labels, epochs=3)
    last = loss(params, x, labels)
    assert last < 0.5 * first, (first, last)

    print("\nThe same model as a class (the gradient of TwoLayer.loss with respect to self):")
    model = TwoLayer(init_params())
    before = model.loss(x, labels)
    for _ in range(60):
        idx = rng.integers(0, N_TRAIN, 64)
        # wrt=0 is `self`: the gradient is a TwoLayer holding the gradients
        grads = srcad.grad(TwoLayer.loss)(model, x[idx], labels[idx])
        for name in ("W1", "b1", "W2", "b2"):
            setattr(model, name, getattr(model, name) - 0.1 * getattr(grads, name))
    after = model.loss(x, labels)
    print(f"loss {before:.4f} -> {after:.4f} after 60 steps")
    assert after < before

    print("\nThe generated gradient of `loss` (dict parameters):\n")
    print(srcad.source(srcad.grad(loss), params, x[:4], labels[:4]))


if __name__ == "__main__":
    main()
