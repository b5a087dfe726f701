"""Optimization: objectives, penalties and unrolled solvers as an optimizer writes them.

Rosenbrock and the classic test functions (picked from a dict of problems), quadratic
penalty, log-barrier and augmented-Lagrangian merit functions, log-sum-exp smoothing of
a minimax problem, a penalized portfolio quadratic program, nonlinear least squares
from a list of residuals, trust-region subproblem objectives, gradient descent, Newton
and Nesterov iterations unrolled inside the loss, and a backtracking line search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from corpus import Program
from scipy.optimize import rosen
from scipy.special import logsumexp

# ------------------------------------------------------------------ Rosenbrock

def rosenbrock(x, a=1.0, b=100.0):
    """The extended (chained) Rosenbrock function, vectorized."""
    return np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)


def _rosen_args(rng):
    return (np.array([-1.2, 1.0, 0.8, 0.5, 1.3, 0.9]),)


def rosenbrock_loop(x):
    """Same function, as written in a textbook exercise."""
    f = 0.0
    n = len(x)
    for i in range(n - 1):
        f += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2
        f += (1.0 - x[i]) ** 2
    return f


# ----------------------------------------------------------- dict of problems

def beale(x):
    x1, x2 = x[0], x[1]
    return ((1.5 - x1 + x1 * x2) ** 2 + (2.25 - x1 + x1 * x2 ** 2) ** 2
            + (2.625 - x1 + x1 * x2 ** 3) ** 2)


def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def booth(x):
    return (x[0] + 2 * x[1] - 7) ** 2 + (2 * x[0] + x[1] - 5) ** 2


def ackley(x):
    n = len(x)
    s1 = np.sum(x ** 2)
    s2 = np.sum(np.cos(2 * np.pi * x))
    return -20 * np.exp(-0.2 * np.sqrt(s1 / n)) - np.exp(s2 / n) + 20 + math.e


def rastrigin(x):
    return 10 * len(x) + np.sum(x ** 2 - 10 * np.cos(2 * np.pi * x))


TEST_PROBLEMS = {
    "beale": beale,
    "himmelblau": himmelblau,
    "booth": booth,
    "ackley": ackley,
    "rastrigin": rastrigin,
    "rosenbrock": rosenbrock,
}


def benchmark_suite(x, names=("beale", "himmelblau", "booth", "ackley", "rastrigin")):
    """Sum of several test functions at the same point, picked by name."""
    total = 0.0
    for name in names:
        f = TEST_PROBLEMS[name]
        total = total + f(x)
    return total


def _suite_args(rng):
    return (np.array([0.7, -0.4]),)


def styblinski_tang_shifted(z, shift):
    """A problem chosen by a string argument, with a shifted input."""
    problem = "rosenbrock" if len(z) > 2 else "beale"
    x = z - shift
    return TEST_PROBLEMS[problem](x) + 0.5 * np.sum(x ** 4 - 16 * x ** 2 + 5 * x)


def _shifted_args(rng):
    return (np.array([0.3, 1.1, 0.7, -0.2]), np.array([0.1, 0.0, -0.1, 0.05]))


# ------------------------------------------------------------------ penalties

def penalty_objective(x, mu=50.0):
    """Quadratic penalty method: min (x0-1)^2 + (x1-2)^2 + x2^2
    s.t. x0 + x1 + x2 = 2, x0^2 + x1^2 <= 3, x >= 0."""
    f = (x[0] - 1) ** 2 + (x[1] - 2) ** 2 + x[2] ** 2
    eq = [x[0] + x[1] + x[2] - 2.0]
    ineq = [x[0] ** 2 + x[1] ** 2 - 3.0, -x[0], -x[1], -x[2]]
    pen = 0.0
    for h in eq:
        pen += h ** 2
    for g in ineq:
        pen += max(0.0, g) ** 2
    return f + 0.5 * mu * pen


def _penalty_args(rng):
    return (np.array([0.8, 1.5, -0.1]),)


def log_barrier(x, A, b, c, t=10.0):
    """Interior-point barrier for the LP  min c^T x  s.t. A x <= b."""
    slack = b - A @ x
    if np.any(slack <= 0):
        return np.inf
    return t * (c @ x) - np.sum(np.log(slack))


def _barrier_args(rng):
    A = np.vstack([np.eye(3), -np.eye(3), rng.standard_normal((2, 3))])
    b = np.concatenate([np.ones(3), np.ones(3), np.array([2.0, 2.0])])
    x = np.array([0.1, -0.2, 0.3])
    b[6:] = np.maximum(b[6:], A[6:] @ x + 0.5)
    return (x, A, b, np.array([1.0, -0.5, 0.3]))


@dataclass
class ConstrainedProblem:
    """min f(x) s.t. c(x) = 0, with f a quadratic and c nonlinear."""
    Q: np.ndarray
    q: np.ndarray
    targets: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.5]))

    def objective(self, x):
        return 0.5 * x @ self.Q @ x + self.q @ x

    def constraints(self, x):
        return np.array([x @ x - self.targets[0], x[0] * x[1] - self.targets[1]])


def augmented_lagrangian(x, lam, problem, rho=5.0):
    c = problem.constraints(x)
    return problem.objective(x) + lam @ c + 0.5 * rho * (c @ c)


def _auglag_args(rng):
    M = rng.standard_normal((3, 3))
    problem = ConstrainedProblem(M @ M.T + np.eye(3), rng.standard_normal(3))
    return (np.array([0.6, 0.7, -0.2]), np.array([0.3, -0.1]), problem)


# ------------------------------------------------------------ minimax smoothing

def smoothed_minimax(x, A, b, temperature=0.1):
    """min_x max_i (a_i^T x + b_i), smoothed: T * logsumexp((A x + b) / T),
    plus a log-sum-exp soft-max of |x| as a regularizer."""
    z = (A @ x + b) / temperature
    smooth_max = temperature * logsumexp(z)
    reg = 0.1 * np.log(np.sum(np.exp(x)) + np.sum(np.exp(-x)))
    return smooth_max + reg


def _minimax_args(rng):
    return (rng.standard_normal(4) * 0.5, rng.standard_normal((6, 4)), rng.standard_normal(6))


# ------------------------------------------------------------------ portfolio

def portfolio_penalized(w, mu, Sigma, risk_aversion=3.0, w_max=0.4, penalty=100.0):
    """Mean-variance portfolio: budget, long-only and position limits as penalties,
    plus a turnover cost against the current holdings."""
    w_prev = np.full(len(w), 1.0 / len(w))
    ret = mu @ w
    risk = w @ Sigma @ w
    obj = -ret + 0.5 * risk_aversion * risk
    obj += penalty * (np.sum(w) - 1.0) ** 2
    obj += penalty * np.sum(np.minimum(w, 0.0) ** 2)
    obj += penalty * np.sum(np.maximum(w - w_max, 0.0) ** 2)
    turnover = np.sqrt((w - w_prev) ** 2 + 1e-6)  # smoothed |dw|
    obj += 0.002 * np.sum(turnover)
    return obj


def _portfolio_args(rng):
    F = rng.standard_normal((5, 2)) * 0.1
    Sigma = F @ F.T + np.diag(rng.uniform(0.01, 0.04, 5))
    mu = rng.uniform(0.02, 0.1, 5)
    w = np.array([0.35, 0.25, -0.05, 0.45, 0.1])
    return (w, mu, Sigma)


# --------------------------------------------------------------- least squares

def exp_decay_residuals(theta, t, y):
    """Residuals of y ~ A exp(-k t) + C, built one at a time."""
    A, k, C = theta
    res = []
    for ti, yi in zip(t, y):
        res.append(A * math.exp(-k * ti) + C - yi)
    return res


def nonlinear_least_squares(theta, t, y):
    r = np.array(exp_decay_residuals(theta, t, y))
    return 0.5 * np.dot(r, r)


def _nls_args(rng):
    t = np.linspace(0, 4, 15)
    y = 2.0 * np.exp(-0.8 * t) + 0.3 + 0.02 * rng.standard_normal(15)
    return (np.array([1.8, 0.7, 0.35]), t, y)


def gauss_newton_step_loss(theta, t, y):
    """Loss after one Gauss-Newton step from theta (Jacobian by hand)."""
    A, k, C = theta[0], theta[1], theta[2]
    e = np.exp(-k * t)
    r = A * e + C - y
    J = np.column_stack([e, -A * t * e, np.ones_like(t)])
    step = np.linalg.lstsq(J, -r, rcond=None)[0]
    new = theta + 0.5 * step
    r_new = new[0] * np.exp(-new[1] * t) + new[2] - y
    return 0.5 * np.sum(r_new ** 2)


# ------------------------------------------------------------- trust region

def trust_region_model(p, g, B, delta):
    """Quadratic model of the trust-region subproblem with a smooth boundary penalty."""
    m = g @ p + 0.5 * p @ B @ p
    norm_p = np.linalg.norm(p)
    if norm_p > delta:
        m = m + 10.0 * (norm_p - delta) ** 2
    return m


def _tr_model_args(rng):
    M = rng.standard_normal((4, 4))
    B = 0.5 * (M + M.T)
    return (np.array([0.3, -0.6, 0.4, 0.2]), rng.standard_normal(4), B, 0.6)


def secular_equation(lam, g, B, delta):
    """More-Sorensen: phi(lambda) = 1/delta - 1/||p(lambda)||, p = -(B + lambda I)^{-1} g.
    Squared, so Newton on it is a minimization; differentiated w.r.t. lambda and g."""
    n = len(g)
    p = np.linalg.solve(B + lam * np.eye(n), -g)
    phi = 1.0 / delta - 1.0 / np.linalg.norm(p)
    return phi ** 2


def _secular_args(rng):
    M = rng.standard_normal((4, 4))
    B = M @ M.T - 1.0 * np.eye(4)
    lam = 1.5 - np.linalg.eigvalsh(B)[0]
    return (lam, rng.standard_normal(4), B, 0.5)


# --------------------------------------------------- unrolled solvers in the loss

def quad_grad(x, A, b):
    return A @ x - b


def unrolled_gd_meta_loss(log_lr, x0, A, b, n_steps=15):
    """Meta-learning the step size: loss of the iterate after n gradient steps."""
    lr = np.exp(log_lr)
    x = x0.copy()
    for _ in range(n_steps):
        x -= lr * quad_grad(x, A, b)
    return 0.5 * x @ A @ x - b @ x


def _gd_args(rng):
    M = rng.standard_normal((4, 4))
    A = M @ M.T / 4 + 0.5 * np.eye(4)
    return (np.log(0.1), rng.standard_normal(4), A, rng.standard_normal(4))


def nesterov_unrolled(params, A, b, n_steps=20, lr=0.05, momentum=0.9):
    """Bilevel problem: the inner problem (ridge regression with weight lam) is solved by
    Nesterov's method; the outer loss is validation error of the result."""
    lam = np.exp(params["log_lam"])
    w = params["w0"]
    v = np.zeros_like(w)
    X_tr, y_tr, X_val, y_val = A[:12], b[:12], A[12:], b[12:]
    for k in range(n_steps):
        look = w + momentum * v
        grad = X_tr.T @ (X_tr @ look - y_tr) / len(y_tr) + lam * look
        v = momentum * v - lr * grad
        w = w + v
    resid = X_val @ w - y_val
    return np.mean(resid ** 2)


def _nesterov_args(rng):
    X = rng.standard_normal((20, 3))
    y = X @ np.array([1.0, -0.5, 0.25]) + 0.3 * rng.standard_normal(20)
    return ({"log_lam": np.log(0.1), "w0": np.zeros(3) + 0.1}, X, y)


def heavy_ball_rosenbrock(x0, lr, beta):
    """Polyak heavy-ball on the 2-D Rosenbrock function with hand-coded gradient, the
    trajectory kept in a list, loss = mean objective along the trajectory."""
    x = np.array(x0, dtype=float)
    x_prev = x.copy()
    history = []
    for _ in range(10):
        gx = np.array([-400.0 * x[0] * (x[1] - x[0] ** 2) - 2.0 * (1.0 - x[0]),
                       200.0 * (x[1] - x[0] ** 2)])
        x_new = x - lr * gx + beta * (x - x_prev)
        x_prev = x
        x = x_new
        history.append(rosenbrock(x))
    return sum(history) / len(history)


def _heavy_ball_args(rng):
    return (np.array([-0.5, 0.6]), 1e-3, 0.5)


def newton_unrolled(x0, c):
    """Three damped Newton steps on a smooth convex function f(x) = sum exp(c*x) - x."""
    x = x0
    for _ in range(3):
        g = c * np.exp(c * x) - 1.0
        H = np.diag(c ** 2 * np.exp(c * x)) + 0.1 * np.eye(len(x))
        x = x - 0.8 * np.linalg.solve(H, g)
    return np.sum(np.exp(c * x) - x)


def _newton_args(rng):
    return (np.array([0.2, -0.1, 0.3]), np.array([0.8, 1.2, 1.5]))


# ---------------------------------------------------------------- line search

def backtracking_line_search(f, x, d, g, alpha=1.0, rho=0.5, c1=1e-4):
    fx = f(x)
    slope = g @ d
    while f(x + alpha * d) > fx + c1 * alpha * slope:
        alpha *= rho
    return alpha


def line_search_step_loss(x):
    """One steepest-descent step with Armijo backtracking on Rosenbrock; the loss is the
    function value after the step (the accepted step length is piecewise constant)."""
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    d = -g
    alpha = backtracking_line_search(rosenbrock, x, d, g)
    return rosenbrock(x + alpha * d)


def _ls_args(rng):
    return (np.array([-1.2, 1.0, 0.7]),)


def exact_line_search_quadratic(x, A, b):
    """Steepest descent with the exact step on a quadratic: alpha = g'g / g'Ag."""
    for _ in range(4):
        g = A @ x - b
        alpha = (g @ g) / (g @ A @ g)
        x = x - alpha * g
    return 0.5 * x @ A @ x - b @ x


def _exact_ls_args(rng):
    M = rng.standard_normal((3, 3))
    return (rng.standard_normal(3), M @ M.T + np.eye(3), rng.standard_normal(3))


# ---------------------------------------------------------- entropic transport

def sinkhorn_cost(C, a, b, eps=0.5, n_iter=30):
    """Entropy-regularized optimal transport by Sinkhorn iterations; the transport cost
    <P, C> is differentiated w.r.t. the cost matrix and the source marginal."""
    K = np.exp(-C / eps)
    u = np.ones_like(a)
    v = np.ones_like(b)
    for _ in range(n_iter):
        u = a / (K @ v)
        v = b / (K.T @ u)
    P = u[:, None] * K * v[None, :]
    return np.sum(P * C)


def _sinkhorn_args(rng):
    x = rng.uniform(0, 1, 4)
    y = rng.uniform(0, 1, 5)
    C = (x[:, None] - y[None, :]) ** 2 * 4.0
    a = np.array([0.2, 0.3, 0.1, 0.4])
    b = np.full(5, 0.2)
    return (C, a, b)


# ------------------------------------------------------------------ L-BFGS

def two_loop(g, s_list, y_list):
    """L-BFGS two-loop recursion: approximates H^{-1} g from the stored pairs."""
    q = g.copy()
    alphas = []
    for s, y in zip(reversed(s_list), reversed(y_list)):
        rho = 1.0 / (y @ s)
        alpha = rho * (s @ q)
        q = q - alpha * y
        alphas.append(alpha)
    gamma = (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1])
    r = gamma * q
    for (s, y), alpha in zip(zip(s_list, y_list), reversed(alphas)):
        beta = (y @ r) / (y @ s)
        r = r + s * (alpha - beta)
    return r


def lbfgs_unrolled(x0, A, b, memory=3, n_iter=5, step=0.7):
    """A few L-BFGS iterations on a quadratic; the loss is the final objective."""
    def grad(x):
        return A @ x - b

    x = x0
    g = grad(x)
    s_hist, y_hist = [], []
    x_new = x - 0.1 * g
    for k in range(n_iter):
        g_new = grad(x_new)
        s_hist.append(x_new - x)
        y_hist.append(g_new - g)
        if len(s_hist) > memory:
            s_hist.pop(0)
            y_hist.pop(0)
        x, g = x_new, g_new
        x_new = x - step * two_loop(g, s_hist, y_hist)
    return 0.5 * x_new @ A @ x_new - b @ x_new


def _lbfgs_args(rng):
    M = rng.standard_normal((4, 4))
    A = M @ M.T + np.eye(4)
    return (rng.standard_normal(4), A, rng.standard_normal(4))


# --------------------------------------------------------- projected gradient

def projected_gradient_box(x0, Q, c, lo=-0.5, hi=0.5, lr=0.1, n_iter=12):
    """Box-constrained QP by projected gradient (np.clip); the final objective."""
    x = np.clip(x0, lo, hi)
    for _ in range(n_iter):
        x = np.clip(x - lr * (Q @ x + c), lo, hi)
    return 0.5 * x @ Q @ x + c @ x


def _pg_args(rng):
    M = rng.standard_normal((4, 4))
    Q = M @ M.T / 2 + np.eye(4)
    return (np.array([0.1, -0.2, 0.3, 0.05]), Q, np.array([0.3, -0.2, 0.1, 0.4]))


# ------------------------------------------------------------ scipy.optimize

def scipy_rosen_regularized(x, weight):
    """scipy.optimize's own Rosenbrock, as most people would reach for it."""
    return rosen(x) + weight * np.sum(x ** 2)


def _scipy_rosen_args(rng):
    return (np.array([-1.2, 1.0, 0.8, 0.5]), 0.1)


# --------------------------------------------------- scipy-style constraint dicts

CONSTRAINTS = [
    {"type": "eq", "fun": lambda x: x[0] + 2 * x[1] - 1.0},
    {"type": "ineq", "fun": lambda x: 1.0 - x[0] ** 2 - x[1] ** 2},
    {"type": "ineq", "fun": lambda x: x[1] + 0.25},
]


def sqp_merit(x, lam, rho=10.0):
    """L1-free smooth merit: Lagrangian with multipliers plus quadratic penalty, with
    constraints given the way scipy.optimize.minimize takes them."""
    f = (x[0] - 2.0) ** 2 + (x[1] - 1.0) ** 2
    merit = f
    for i, con in enumerate(CONSTRAINTS):
        val = con["fun"](x)
        if con["type"] == "eq":
            merit = merit + lam[i] * val + 0.5 * rho * val ** 2
        else:
            viol = min(val, 0.0)
            merit = merit - lam[i] * val + 0.5 * rho * viol ** 2
    return merit


def _sqp_args(rng):
    return (np.array([0.9, 0.2]), np.array([0.5, 0.3, 0.1]))


# -------------------------------------------------------------------- ADMM

def soft_threshold(v, k):
    return np.sign(v) * np.maximum(np.abs(v) - k, 0.0)


def admm_lasso_unrolled(A, b, log_rho, lam=0.1, n_iter=15):
    """ADMM for the lasso, unrolled; the loss is the final data-fit error (used to
    tune the penalty parameter rho and to get sensitivities to the data)."""
    rho = np.exp(log_rho)
    n = A.shape[1]
    x = np.zeros(n)
    z = np.zeros(n)
    u = np.zeros(n)
    M = A.T @ A + rho * np.eye(n)
    Atb = A.T @ b
    for _ in range(n_iter):
        x = np.linalg.solve(M, Atb + rho * (z - u))
        z = soft_threshold(x + u, lam / rho)
        u = u + x - z
    r = A @ z - b
    return 0.5 * r @ r + lam * np.sum(np.abs(z))


def _admm_args(rng):
    A = rng.standard_normal((8, 4))
    b = A @ np.array([1.0, 0.0, -0.8, 0.3]) + 0.1 * rng.standard_normal(8)
    return (A, b, 0.0)


PROGRAMS = [
    Program("rosenbrock", rosenbrock, _rosen_args, second_order=True),
    Program("rosenbrock_loop", rosenbrock_loop, _rosen_args, second_order=True),
    Program("benchmark_suite_dict", benchmark_suite, _suite_args),
    Program("problem_by_name", styblinski_tang_shifted, _shifted_args, wrt=(0, 1)),
    Program("quadratic_penalty", penalty_objective, _penalty_args),
    Program("log_barrier_lp", log_barrier, _barrier_args, second_order=True),
    Program("augmented_lagrangian", augmented_lagrangian, _auglag_args, wrt=(0, 1),
            second_order=True),
    Program("smoothed_minimax", smoothed_minimax, _minimax_args, wrt=(0, 2)),
    Program("portfolio_penalized", portfolio_penalized, _portfolio_args, wrt=(0, 1)),
    Program("nls_residual_list", nonlinear_least_squares, _nls_args, second_order=True),
    Program("gauss_newton_step", gauss_newton_step_loss, _nls_args),
    Program("trust_region_model", trust_region_model, _tr_model_args, wrt=(0, 1, 2)),
    Program("secular_equation", secular_equation, _secular_args, wrt=(0, 1), second_order=True),
    Program("unrolled_gd_meta", unrolled_gd_meta_loss, _gd_args, wrt=(0, 1, 2)),
    Program("nesterov_bilevel", nesterov_unrolled, _nesterov_args),
    Program("heavy_ball_trajectory", heavy_ball_rosenbrock, _heavy_ball_args,
            wrt=(0, 1, 2)),
    Program("newton_unrolled", newton_unrolled, _newton_args, wrt=(0, 1), second_order=True),
    Program("armijo_line_search", line_search_step_loss, _ls_args),
    Program("exact_line_search", exact_line_search_quadratic, _exact_ls_args,
            wrt=(0, 1, 2)),
    Program("sinkhorn_ot", sinkhorn_cost, _sinkhorn_args, wrt=(0, 1), second_order=True),
    Program("lbfgs_two_loop", lbfgs_unrolled, _lbfgs_args, wrt=(0, 1, 2)),
    Program("projected_gradient_box", projected_gradient_box, _pg_args, wrt=(0, 1, 2)),
    Program("scipy_optimize_rosen", scipy_rosen_regularized, _scipy_rosen_args,
            wrt=(0, 1)),
    Program("sqp_constraint_dicts", sqp_merit, _sqp_args, wrt=(0, 1)),
    Program("admm_lasso", admm_lasso_unrolled, _admm_args, wrt=(0, 1, 2)),
]
