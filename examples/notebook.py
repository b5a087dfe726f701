# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # srcad in a notebook
#
# A notebook in jupytext's "percent" format: open it in Jupyter with jupytext installed,
# or convert it with `jupytext --to ipynb examples/notebook.py`. It also runs as a plain
# script (`python examples/notebook.py`), which prints the gradient.
#
# A function made by srcad displays its generated code when it is the last expression of
# a cell (the code of its most recent call, syntax-highlighted when pygments is
# installed).

# %%
import numpy as np

import srcad


def loss(w, x, y):
    """Mean squared error of a one-layer tanh model."""
    prediction = np.tanh(x @ w)
    return np.mean((prediction - y) ** 2)


w = np.array([0.1, -0.2, 0.3])
x = np.arange(12.0).reshape(4, 3) / 10
y = np.array([0.0, 0.5, 1.0, 0.5])

# %%
g = srcad.grad(loss)
dw = g(w, x, y)
print("gradient of loss with respect to w:", dw)

# %% [markdown]
# The generated code (the adjoint of `w`, the gradient, is named `bw`):

# %%
g  # noqa: B018 (the last expression of a cell: Jupyter displays it)

# %% [markdown]
# The same gradient by central differences, as a check:

# %%
h = 1e-6
central = np.array([(loss(w + h * e, x, y) - loss(w - h * e, x, y)) / (2 * h)
                    for e in np.eye(3)])
print("central differences:", central)
print("largest difference:", np.max(np.abs(dw - central)))
