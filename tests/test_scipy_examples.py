"""The SciPy examples (examples/scipy_*.py) run, and their numbers say what they claim:
srcad's derivatives reach the same optimum as finite differences with no more function
evaluations, and equal finite-difference derivatives to their accuracy."""

import pathlib
import runpy
import sys

import numpy as np
import pytest

import srcad

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"


def load(name):
    """The example's globals (run as a module, not as __main__)."""
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"example_{name}")


@pytest.fixture(scope="module")
def minimize_example():
    return load("scipy_minimize")


@pytest.fixture(scope="module")
def minimize_results(minimize_example):
    return minimize_example["run_comparison"](repeats=1)


@pytest.fixture(scope="module")
def least_squares_example():
    return load("scipy_least_squares")


@pytest.fixture(scope="module")
def solve_ivp_example():
    return load("scipy_solve_ivp")


@pytest.fixture(scope="module")
def solve_ivp_results(solve_ivp_example):
    return solve_ivp_example["run_comparison"](repeats=1)


@pytest.mark.parametrize("name, expected", [
    ("scipy_minimize", ["extended Rosenbrock", "logistic regression", "trust-krylov",
                        "2-point"]),
    ("scipy_least_squares", ["nfev", "njev", "centre3", "central differences"]),
    ("scipy_solve_ivp", ["sensitivity eqs", "central diff", "RK4"]),
])
def test_script_prints_its_table(name, expected, capsys, monkeypatch):
    path = EXAMPLES / f"{name}.py"
    monkeypatch.setattr(sys, "argv", [str(path)])
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    for text in expected:
        assert text in out


# scipy.optimize.minimize


def test_minimize_srcad_reaches_the_same_optimum_as_2_point(minimize_results):
    for name, rows in minimize_results.items():
        by_key = {(r["method"], r["derivatives"]): r for r in rows}
        for r in rows:
            assert r["success"], (name, r["method"], r["derivatives"])
        for method in ("BFGS", "L-BFGS-B"):
            ours, fd = by_key[method, "srcad"], by_key[method, "2-point"]
            assert ours["fun"] <= fd["fun"] + 1e-7 * max(1.0, abs(fd["fun"]))
            assert ours["nfev"] <= fd["nfev"]
            assert np.allclose(ours["x"], fd["x"], atol=1e-3), (name, method)
        # every srcad run ends at the same point
        reference = by_key["trust-krylov", "srcad"]["x"]
        for r in rows:
            assert np.allclose(r["x"], reference, atol=1e-3), (name, r["method"])


def test_minimize_rosenbrock_optimum_is_all_ones(minimize_results):
    (rows,) = [rows for name, rows in minimize_results.items() if "Rosenbrock" in name]
    for r in rows:
        if r["derivatives"] == "srcad":
            assert np.allclose(r["x"], 1.0, atol=1e-3), r["method"]
            assert r["fun"] < 1e-7


def test_minimize_gradient_and_hessp_are_exact(minimize_example):
    ex = minimize_example
    features, labels = ex["make_classification"]()
    lam = 1e-3
    rng = np.random.default_rng(3)
    w = 0.3 * rng.normal(size=features.shape[1])
    # the logistic loss's gradient by hand: X^T (sigmoid(Xw) - y) / n + lam * w (no bias)
    sigmoid = 1.0 / (1.0 + np.exp(-(features @ w)))
    by_hand = features.T @ (sigmoid - labels) / len(labels) + lam * np.r_[0.0, w[1:]]
    ours = srcad.grad(ex["logistic_loss"])(w, features, labels, lam)
    assert np.allclose(ours, by_hand, rtol=1e-12, atol=1e-14)
    # the Hessian by hand: X^T diag(s (1 - s)) X / n + lam * I (no bias)
    hessian = (features.T * (sigmoid * (1 - sigmoid))) @ features / len(labels)
    hessian += lam * np.diag(np.r_[0.0, np.ones(len(w) - 1)])
    p = rng.normal(size=len(w))
    hessp = ex["make_hessp"](ex["logistic_loss"])
    assert np.allclose(hessp(w, p, features, labels, lam), hessian @ p, rtol=1e-10,
                       atol=1e-13)
    # and on the Rosenbrock function, against srcad.hessian
    x, v = rng.normal(size=30), rng.normal(size=30)
    rosen = ex["extended_rosenbrock"]
    assert np.allclose(ex["make_hessp"](rosen)(x, v), srcad.hessian(rosen)(x) @ v)


# scipy.optimize.least_squares


def test_least_squares_jacobian_equals_finite_differences_at_start(least_squares_example):
    exact, central = least_squares_example["jacobian_check"]()
    assert exact.shape == (400, 11)
    assert np.allclose(exact, central, rtol=1e-7, atol=1e-7 * np.max(np.abs(exact)))
    # and forward differences (what jac='2-point' computes), to their lower accuracy
    ex = least_squares_example
    t, observed = ex["make_data"]()
    x0 = ex["START"]
    f0 = ex["residuals"](x0, t, observed)
    columns = []
    for i in range(len(x0)):
        step = 1e-8 * max(1.0, abs(x0[i]))
        x = x0.copy()
        x[i] += step
        columns.append((ex["residuals"](x, t, observed) - f0) / step)
    two_point = np.stack(columns, axis=1)
    assert np.allclose(exact, two_point, rtol=1e-5, atol=1e-5 * np.max(np.abs(exact)))


def test_least_squares_srcad_fit_matches_2_point(least_squares_example):
    rows = least_squares_example["run_comparison"](repeats=1)
    ours, fd = rows["srcad"], rows["2-point"]
    assert ours["success"] and fd["success"]
    assert ours["nfev"] <= fd["nfev"]
    assert ours["cost"] <= fd["cost"] * (1 + 1e-8)
    assert np.allclose(ours["x"], fd["x"], rtol=1e-5, atol=1e-6)
    # the fit recovers the generating parameters to the noise level
    assert np.allclose(ours["x"], least_squares_example["TRUE_PARAMS"], atol=0.03)


# scipy.integrate.solve_ivp


def test_solve_ivp_sensitivities_agree_with_finite_differences(solve_ivp_results):
    r = solve_ivp_results
    sens, fd = r["sensitivities"], r["finite_differences"]
    assert sens.shape == fd.shape == (2, 4)
    assert r["rel_diff_fd"] < 1e-5
    assert np.allclose(sens, fd, rtol=1e-5, atol=1e-5 * np.max(np.abs(fd)))


def test_solve_ivp_rk4_loop_derivatives_agree(solve_ivp_results):
    r = solve_ivp_results
    # RK4 with 1000 steps is accurate to about 1e-10 relative here
    assert r["rel_diff_rk4"] < 1e-7
    assert np.allclose(r["loss_grad_rk4"], r["loss_grad_sensitivities"], rtol=1e-7)


def test_solve_ivp_rhs_jacobians_are_exact(solve_ivp_example):
    ex = solve_ivp_example
    y = np.array([3.0, 2.0])
    a, b, c, d = p = np.array([1.1, 0.3, 0.2, 0.5])
    j_y, j_p = ex["rhs_jacobians"](0.0, y, p)
    prey, predator = y
    assert np.allclose(j_y, [[a - b * predator, -b * prey],
                             [c * predator, c * prey - d]])
    assert np.allclose(j_p, [[prey, -prey * predator, 0.0, 0.0],
                             [0.0, 0.0, prey * predator, -predator]])
