"""Parameter sensitivities of an ODE solved by scipy.integrate.solve_ivp, Jacobians by srcad.

The ODE is the Lotka-Volterra predator-prey model, its right-hand side ordinary Python:

    prey'     = a * prey - b * prey * predator
    predator' = c * prey * predator - d * predator

We want S(T) = d y(T) / d p, the derivative of the state at time T with respect to the
four parameters p = (a, b, c, d). Three ways:

1. Forward sensitivity equations. S(t) obeys S' = J_y S + J_p with S(0) = 0, where
   J_y = d rhs / d y and J_p = d rhs / d p are the right-hand side's Jacobians. srcad
   gives both from one call, `srcad.jacobian(rhs, wrt=("y", "p"))`; the state and S are
   integrated together in one solve_ivp call (2 + 2 * 4 = 10 equations).
2. Central finite differences of repeated solve_ivp solves with tight tolerances (two
   solves per parameter): the reference everyone can write, and its cost.
3. A hand-written fixed-step RK4 loop, differentiated by srcad as ordinary Python
   (`srcad.jacobian(rk4_final)`), and `srcad.grad` of a fitting loss computed by the
   loop, against the gradient the sensitivities give.

`run_comparison()` returns the numbers for tests/test_scipy_examples.py.
"""

import time

import numpy as np
from scipy.integrate import solve_ivp

import srcad

PARAMS = np.array([1.0, 0.4, 0.1, 0.4])   # a, b, c, d
Y0 = np.array([10.0, 5.0])                 # prey, predator at t = 0
T_END = 10.0
N_STATE, N_PARAMS = 2, 4
RTOL, ATOL = 1e-11, 1e-11
RK4_STEPS = 1000


def rhs(t, y, p):
    """Lotka-Volterra right-hand side, in solve_ivp's fun(t, y, *args) form."""
    prey = y[0]
    predator = y[1]
    return np.array([p[0] * prey - p[1] * prey * predator,
                     p[2] * prey * predator - p[3] * predator])


rhs_jacobians = srcad.jacobian(rhs, wrt=("y", "p"))  # (d rhs / d y, d rhs / d p)


def augmented_rhs(t, z, p):
    """The state and its sensitivities S (N_STATE x N_PARAMS, flattened) together."""
    y = z[:N_STATE]
    s = z[N_STATE:].reshape(N_STATE, N_PARAMS)
    j_y, j_p = rhs_jacobians(t, y, p)
    return np.concatenate([rhs(t, y, p), (j_y @ s + j_p).ravel()])


def sensitivities(p=PARAMS, y0=Y0, t_end=T_END):
    """y(T), d y(T) / d p and the number of right-hand-side evaluations, from one
    solve_ivp call on the sensitivity equations."""
    z0 = np.concatenate([y0, np.zeros(N_STATE * N_PARAMS)])
    sol = solve_ivp(augmented_rhs, (0.0, t_end), z0, args=(p,), method="DOP853",
                    rtol=RTOL, atol=ATOL)
    z = sol.y[:, -1]
    return z[:N_STATE], z[N_STATE:].reshape(N_STATE, N_PARAMS), sol.nfev


def final_state(p, y0=Y0, t_end=T_END):
    sol = solve_ivp(rhs, (0.0, t_end), y0, args=(p,), method="DOP853", rtol=RTOL, atol=ATOL)
    return sol.y[:, -1], sol.nfev


def finite_difference_sensitivities(p=PARAMS, y0=Y0, t_end=T_END, rel_step=1e-5):
    """Central differences of y(T), two tight solves per parameter."""
    columns = []
    nfev = 0
    for i in range(len(p)):
        h = rel_step * max(1.0, abs(p[i]))
        plus, minus = p.copy(), p.copy()
        plus[i] += h
        minus[i] -= h
        y_plus, n_plus = final_state(plus, y0, t_end)
        y_minus, n_minus = final_state(minus, y0, t_end)
        columns.append((y_plus - y_minus) / (2 * h))
        nfev += n_plus + n_minus
    return np.stack(columns, axis=1), nfev


def rk4_final(p, y0, t_end, n_steps):
    """y(t_end) by n_steps classical Runge-Kutta steps: plain Python srcad differentiates."""
    h = t_end / n_steps
    y = y0
    t = 0.0
    for _ in range(n_steps):
        k1 = rhs(t, y, p)
        k2 = rhs(t + 0.5 * h, y + 0.5 * h * k1, p)
        k3 = rhs(t + 0.5 * h, y + 0.5 * h * k2, p)
        k4 = rhs(t + h, y + h * k3, p)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        t = t + h
    return y


TARGET = np.array([11.0, 1.5])  # an observation of y(T) to fit


def rk4_loss(p, y0, t_end, n_steps):
    """Half the squared distance of the RK4 y(T) from TARGET."""
    r = rk4_final(p, y0, t_end, n_steps) - TARGET
    return 0.5 * np.sum(r ** 2)


def timed(fn, *args, repeats=1):
    """fn(*args) and its time, the best of `repeats` runs (the machine may be busy)."""
    seconds = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(*args)
        seconds = min(seconds, time.perf_counter() - start)
    return out, seconds


def run_comparison(repeats=3):
    """The sensitivities d y(T)/dp by each method, their costs and agreement."""
    rhs_jacobians(0.0, Y0, PARAMS)  # generate the tangent code once, outside the timing
    (y_end, sens, sens_nfev), sens_s = timed(sensitivities, repeats=repeats)
    (fd, fd_nfev), fd_s = timed(finite_difference_sensitivities, repeats=repeats)
    rk4_jac = srcad.jacobian(rk4_final)
    loss_grad_fn = srcad.grad(rk4_loss)
    # the first calls generate the code (timed separately); the timed calls reuse it
    _, generate_s = timed(lambda: (rk4_jac(PARAMS, Y0, T_END, 10),
                                   loss_grad_fn(PARAMS, Y0, T_END, 10)))
    rk4_sens, rk4_s = timed(rk4_jac, PARAMS, Y0, T_END, RK4_STEPS, repeats=repeats)
    loss_grad, grad_s = timed(loss_grad_fn, PARAMS, Y0, T_END, RK4_STEPS, repeats=repeats)
    # the same gradient from the sensitivity equations: S^T (y(T) - target)
    loss_grad_sens = sens.T @ (y_end - TARGET)
    scale = np.max(np.abs(fd))
    return {
        "y_end": y_end,
        "sensitivities": sens,
        "finite_differences": fd,
        "rk4": rk4_sens,
        "loss_grad_rk4": loss_grad,
        "loss_grad_sensitivities": loss_grad_sens,
        "rel_diff_fd": float(np.max(np.abs(sens - fd)) / scale),
        "rel_diff_rk4": float(np.max(np.abs(sens - rk4_sens)) / scale),
        "rel_diff_loss_grad": float(np.max(np.abs(loss_grad - loss_grad_sens))
                                    / np.max(np.abs(loss_grad_sens))),
        "generate_seconds": generate_s,
        "costs": [
            ("sensitivity equations (srcad J_y, J_p)", sens_nfev, sens_s),
            ("central differences, 8 solves", fd_nfev, fd_s),
            (f"RK4 loop, {RK4_STEPS} steps, srcad.jacobian", 4 * RK4_STEPS, rk4_s),
            (f"RK4 loop, {RK4_STEPS} steps, srcad.grad(loss)", 4 * RK4_STEPS, grad_s),
        ],
    }


def main():
    print("Lotka-Volterra, p = (a, b, c, d) =", PARAMS, " y(0) =", Y0, " T =", T_END)
    r = run_comparison()
    print(f"y(T) = {r['y_end']}\n")
    names = ["a", "b", "c", "d"]
    print(f"{'d y_i(T) / d p_j':<20}{'sensitivity eqs':>18}{'central diff':>18}"
          f"{'RK4 + srcad':>18}")
    for i, state in enumerate(["prey", "predator"]):
        for j, name in enumerate(names):
            label = f"d {state}/d {name}"
            print(f"{label:<20}{r['sensitivities'][i, j]:>18.9f}"
                  f"{r['finite_differences'][i, j]:>18.9f}{r['rk4'][i, j]:>18.9f}")
    print(f"\nlargest difference / largest entry: sensitivity eqs vs central differences "
          f"{r['rel_diff_fd']:.1e}, vs RK4 {r['rel_diff_rk4']:.1e}")
    print(f"gradient of 0.5 |y(T) - {TARGET}|^2: srcad.grad through RK4 "
          f"{np.array2string(r['loss_grad_rk4'], precision=6)}, S^T r "
          f"{np.array2string(r['loss_grad_sensitivities'], precision=6)} "
          f"(relative difference {r['rel_diff_loss_grad']:.1e})\n")
    print(f"{'method':<44}{'rhs evals':>10}{'time [ms]':>11}")
    for name, nfev, seconds in r["costs"]:
        print(f"{name:<44}{nfev:>10}{1000 * seconds:>11.1f}")
    print("(an rhs evaluation of the sensitivity equations also takes J_y and J_p; "
          f"generating the RK4 loop's derivative code took {1000 * r['generate_seconds']:.0f} "
          "ms once, before the timed calls)")


if __name__ == "__main__":
    main()
