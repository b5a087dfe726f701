"""srcad quick start: the gradient of a tiny neural network, generated as Python.

The network is the 1-D "shallow" model of *Understanding Deep Learning* (Prince),
chapter 7:

    f = b3 + w3*cos(b2 + w2*exp(b1 + w1*sin(b0 + w0*x)))
    loss = (f - y)**2

srcad reads `loss`'s source, differentiates it, and prints the generated gradient
code; the gradients are then compared with the chain rule written out by hand.
"""

import math

import srcad


def loss(x, y, w0, b0, w1, b1, w2, b2, w3, b3):
    f = b3 + w3 * math.cos(b2 + w2 * math.exp(b1 + w1 * math.sin(b0 + w0 * x)))
    return (f - y) ** 2


def hand_derived(x, y, w0, b0, w1, b1, w2, b2, w3, b3):
    """The same 8 derivatives, by the chain rule, as in UDL section 7.3."""
    f0 = b0 + w0 * x
    h1 = math.sin(f0)
    f1 = b1 + w1 * h1
    h2 = math.exp(f1)
    f2 = b2 + w2 * h2
    h3 = math.cos(f2)
    f3 = b3 + w3 * h3
    dl_df3 = 2.0 * (f3 - y)
    dl_df2 = dl_df3 * w3 * -math.sin(f2)
    dl_df1 = dl_df2 * w2 * math.exp(f1)
    dl_df0 = dl_df1 * w1 * math.cos(f0)
    return {
        "w0": dl_df0 * x, "b0": dl_df0,
        "w1": dl_df1 * h1, "b1": dl_df1,
        "w2": dl_df2 * h2, "b2": dl_df2,
        "w3": dl_df3 * h3, "b3": dl_df3,
    }


def main() -> None:
    names = ("w0", "b0", "w1", "b1", "w2", "b2", "w3", "b3")
    params = dict(w0=1.0, b0=-0.5, w1=0.8, b1=0.1, w2=-0.4, b2=0.3, w3=1.2, b3=-0.2)
    x, y = 0.7, 0.5

    grad_loss = srcad.value_and_grad(loss, wrt=names)
    value, grads = grad_loss(x, y, **params)

    print("The function:\n")
    import inspect
    print(inspect.getsource(loss))
    print("The gradient srcad generated for it:\n")
    print(srcad.source(grad_loss))

    expected = hand_derived(x, y, **params)
    print(f"loss = {value:.12f}\n")
    print(f"{'parameter':>9}  {'srcad':>20}  {'hand-derived':>20}  {'difference':>10}")
    worst = 0.0
    for name, g in zip(names, grads):
        diff = abs(g - expected[name])
        worst = max(worst, diff)
        print(f"{name:>9}  {g:20.15f}  {expected[name]:20.15f}  {diff:10.1e}")
    print(f"\nlargest difference: {worst:.1e}")
    if worst > 1e-12:
        raise SystemExit("srcad and the hand-derived gradient disagree")


if __name__ == "__main__":
    main()
