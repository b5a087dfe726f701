"""Train a two-layer ReLU network with mini-batch SGD, gradients by srcad.

The model is what Keras calls `Dense(512, activation="relu")` followed by
`Dense(10)` and a softmax, on flattened 28x28 inputs. The data is generated here: ten
random "digit" templates, each sample a noisy, shifted copy of one of them.

The parameters live in a dict; `srcad.value_and_grad(loss)(params, x, y)` returns the
gradient as a dict with the same keys. A second, shorter run keeps the parameters in a
small class: the gradient of `TwoLayer.loss` with respect to `self` is a `TwoLayer`
whose attributes are the gradients.

Progress: a tqdm bar per epoch when tqdm is installed, else one printed line per epoch.
Loss curve: when matplotlib is installed, the per-batch training loss is plotted to a PNG,
by default in the system's temporary directory (never next to the script or in the current
directory, so running the tests leaves nothing behind); `--plot PATH` or the environment
variable TRAIN_MLP_PLOT chooses the file, `--no-plot` skips it.

    python examples/train_mlp.py --plot loss_curve.png
"""

import argparse
import os
import pathlib
import tempfile

import numpy as np

import srcad

try:
    from tqdm import tqdm
except ImportError:  # tqdm is optional: a printed line per epoch instead
    tqdm = None

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
    """Mini-batch SGD; returns the parameters and the loss of every batch."""
    step = srcad.value_and_grad(loss)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        starts = range(0, len(x), batch)
        if tqdm is not None:
            starts = tqdm(starts, desc=f"epoch {epoch + 1}/{epochs}", unit="batch",
                          leave=False)
        losses = []
        for start in starts:
            idx = order[start:start + batch]
            value, grads = step(params, x[idx], labels[idx])
            for name in params:
                params[name] -= lr * grads[name]
            losses.append(value)
            if tqdm is not None:
                starts.set_postfix(loss=f"{value:.4f}")
        history.extend(losses)
        print(f"epoch {epoch + 1}/{epochs}: mean training loss {np.mean(losses):.4f}, "
              f"accuracy {accuracy(params, x, labels):.3f}")
    return params, history


def plot_losses(history, batches_per_epoch, path):
    """The per-batch loss and its running mean as a PNG; False without matplotlib."""
    try:
        import matplotlib
    except ImportError:  # matplotlib is optional
        return False
    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    steps = np.arange(1, len(history) + 1)
    window = max(1, batches_per_epoch // 4)
    smooth = np.convolve(history, np.ones(window) / window, mode="valid")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(steps, history, lw=0.8, alpha=0.4, label="batch loss")
    ax.plot(steps[window - 1:], smooth, lw=1.5, label=f"mean of {window} batches")
    for epoch in range(1, len(history) // batches_per_epoch):
        ax.axvline(epoch * batches_per_epoch, color="grey", lw=0.5, ls=":")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("cross-entropy")
    ax.set_yscale("log")
    ax.set_title("two-layer ReLU network, gradients by srcad")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--plot", metavar="PATH", default=os.environ.get("TRAIN_MLP_PLOT"),
                        help="where to write the loss-curve PNG (default: the temporary "
                             "directory; env TRAIN_MLP_PLOT)")
    parser.add_argument("--no-plot", action="store_true", help="write no loss curve")
    return parser.parse_args(argv)


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


def main(argv=None):
    args = parse_args(argv)
    x, labels = make_data(N_TRAIN)
    params = init_params()
    first = loss(params, x, labels)
    print(f"initial loss {first:.4f} (log 10 = {np.log(10):.4f})")
    check_one_entry(params, x[:32], labels[:32], "W1", (300, 7))
    check_one_entry(params, x[:32], labels[:32], "b2", (3,))
    params, history = sgd(params, x, labels, epochs=args.epochs)
    last = loss(params, x, labels)
    assert last < 0.5 * first, (first, last)
    if not args.no_plot:
        path = pathlib.Path(args.plot or pathlib.Path(tempfile.gettempdir())
                            / "srcad_train_mlp_loss.png")
        if plot_losses(history, -(-N_TRAIN // 64), path):
            print(f"loss curve written to {path}")
        else:
            print("(matplotlib is not installed: no loss curve)")

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
