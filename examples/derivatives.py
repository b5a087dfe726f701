"""Forward mode, higher-order derivatives, Jacobians and Hessians with srcad.

Prints the worked examples (each checked against its exact value) and the code srcad
generates for a Hessian-vector product.
"""

import math

import numpy as np

import srcad


def square(x):
    return x ** 2


def square_twice(x):
    return (x ** 2) ** 2


def square_thrice(x):
    return ((x ** 2) ** 2) ** 2


def sum_squared(x):
    return np.sum(x) ** 2


def scaled(x):
    return 4 * (3 * x)


def mml(x):
    """Mathematics for Machine Learning, section 5.6."""
    return math.sqrt(x ** 2 + math.exp(x ** 2)) + math.cos(x ** 2 + math.exp(x ** 2))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def two_outputs(x, y):
    return x * y + np.sin(x), np.sum(x ** 2) * y


def check(label, got, expected):
    ok = np.allclose(got, expected, rtol=1e-10, atol=1e-12)
    print(f"{label:<44} {np.array2string(np.asarray(got), precision=10):>24}   "
          f"{'exact' if ok else 'WRONG: expected ' + str(expected)}")
    if not ok:
        raise SystemExit(f"{label}: srcad gave {got}, expected {expected}")


def main() -> None:
    d = srcad.grad
    check("d/dx x**2 at 5", d(square)(5.0), 10.0)
    check("d2/dx2 x**2 at 5", d(d(square))(5.0), 2.0)
    check("d/dx (x**2)**2 at 5", d(square_twice)(5.0), 500.0)
    check("d/dx ((x**2)**2)**2 at 5", d(square_thrice)(5.0), 625000.0)
    check("d/dx (sum x)**2 at ones((2, 2))", d(sum_squared)(np.ones((2, 2))), np.full((2, 2), 8.0))
    check("d/dx 4 * (3 * x)", d(scaled)(1.0), 12.0)

    x = 0.5
    a = x ** 2 + math.exp(x ** 2)
    da = 2 * x + 2 * x * math.exp(x ** 2)
    dda = 2 + (2 + 4 * x ** 2) * math.exp(x ** 2)
    check("MML 5.6: f'(0.5)", d(mml)(x), da / (2 * math.sqrt(a)) - math.sin(a) * da)
    check("MML 5.6: f''(0.5)", d(d(mml))(x),
          dda / (2 * math.sqrt(a)) - da ** 2 / (4 * a ** 1.5) - math.cos(a) * da ** 2
          - math.sin(a) * dda)
    sin4 = d(d(d(d(np_sin))))
    check("d4/dx4 sin(x) at 0.3", sin4(0.3), math.sin(0.3))

    p = np.array([0.5, -0.3, 1.2])
    H = srcad.hessian(rosenbrock)(p)
    expected = np.array([[1200 * 0.25 + 120 + 2, -200.0, 0.0],
                         [-200.0, 200 + 1200 * 0.09 - 480 + 2, 120.0],
                         [0.0, 120.0, 200.0]])
    check("Hessian of Rosenbrock at (0.5, -0.3, 1.2)", H, expected)
    v = np.array([1.0, -1.0, 2.0])
    check("hvp(rosenbrock)(x, v) == H @ v", srcad.hvp(rosenbrock)(p, v), expected @ v)

    # One forward sweep, two pullbacks: gradients of both outputs.
    xs, y = np.array([0.1, 0.2]), 3.0
    (first, second), pullback = srcad.vjp(two_outputs, xs, y)
    check("d(first output)/dy from one vjp", pullback((np.ones(2), 0.0))[1], float(np.sum(xs)))
    check("d(second output)/dy from the same vjp", pullback((np.zeros(2), 1.0))[1],
          float(np.sum(xs ** 2)))

    print("\nThe Hessian-vector product srcad generated (forward mode over reverse mode;\n"
          "bx is the gradient, dx the direction v, dbx the Hessian-vector product):\n")
    print(srcad.source(srcad.hvp(rosenbrock), p))


def np_sin(x):
    return np.sin(x)


if __name__ == "__main__":
    main()
