"""Scientific computing: classic numerical methods as numerical analysts write them.

RK4 integrators over tuple states, trapezoid and hand-written Simpson quadrature,
unrolled Newton iterations, a 1-D finite-element stiffness assembly with `np.ix_`,
finite-difference Poisson solves (dense and banded), polynomial least squares with
`np.vander` / `np.polyval`, a natural cubic spline, Chebyshev series by Clenshaw,
power iteration, Gauss-Seidel and Jacobi sweeps in place, explicit heat-equation
steps, and the trigonometric (Viete) cubic root formula.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
from corpus import Program

# --------------------------------------------------------------------------------------
# ODEs


def lotka_volterra(state, p):
    prey, pred = state
    dprey = p["alpha"] * prey - p["beta"] * prey * pred
    dpred = p["delta"] * prey * pred - p["gamma"] * pred
    return dprey, dpred


def rk4_step(f, state, p, h):
    k1 = f(state, p)
    s2 = tuple(s + 0.5 * h * k for s, k in zip(state, k1))
    k2 = f(s2, p)
    s3 = tuple(s + 0.5 * h * k for s, k in zip(state, k2))
    k3 = f(s3, p)
    s4 = tuple(s + h * k for s, k in zip(state, k3))
    k4 = f(s4, p)
    return tuple(s + h / 6.0 * (a + 2 * b + 2 * c + d)
                 for s, a, b, c, d in zip(state, k1, k2, k3, k4))


def lv_fit_loss(p, x0, y0, t_obs, prey_obs, pred_obs, h=0.05):
    state = (x0, y0)
    t = 0.0
    loss = 0.0
    j = 0
    n_steps = int(round(t_obs[-1] / h))
    for step in range(n_steps):
        state = rk4_step(lotka_volterra, state, p, h)
        t += h
        if j < len(t_obs) and abs(t - t_obs[j]) < 1e-9:
            loss += (state[0] - prey_obs[j]) ** 2 + (state[1] - pred_obs[j]) ** 2
            j += 1
    return loss


def make_lv(rng):
    p = {"alpha": 1.1, "beta": 0.4, "delta": 0.1, "gamma": 0.4}
    t_obs = np.array([1.0, 2.0, 3.0, 4.0])
    prey = np.array([12.0, 14.0, 11.0, 6.0]) + 0.1 * rng.standard_normal(4)
    pred = np.array([5.5, 8.0, 10.5, 10.0]) + 0.1 * rng.standard_normal(4)
    return p, 10.0, 5.0, t_obs, prey, pred


def pendulum_rk4_energy(theta0, omega0, damping, length, g=9.81, dt=0.02, n=100):
    th, om = theta0, omega0
    energies = []
    for _ in range(n):
        def rhs(a, b):
            return b, -(g / length) * math.sin(a) - damping * b
        k1 = rhs(th, om)
        k2 = rhs(th + 0.5 * dt * k1[0], om + 0.5 * dt * k1[1])
        k3 = rhs(th + 0.5 * dt * k2[0], om + 0.5 * dt * k2[1])
        k4 = rhs(th + dt * k3[0], om + dt * k3[1])
        th += dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        om += dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        energies.append(0.5 * length ** 2 * om ** 2 + g * length * (1 - math.cos(th)))
    return energies[-1] + 0.1 * max(energies)


def make_pendulum(rng):
    return 0.8, 0.1, 0.15, 1.3


# --------------------------------------------------------------------------------------
# Quadrature


def gaussian_mixture_density(x, centers, widths, weights):
    out = np.zeros_like(x)
    for c, w, a in zip(centers, widths, weights):
        out += a * np.exp(-0.5 * ((x - c) / w) ** 2) / (w * np.sqrt(2 * np.pi))
    return out


def trapezoid_moments(centers, widths, weights):
    x = np.linspace(-6.0, 6.0, 401)
    rho = gaussian_mixture_density(x, centers, widths, weights)
    mass = np.trapezoid(rho, x)
    mean = np.trapezoid(x * rho, x) / mass
    var = np.trapezoid((x - mean) ** 2 * rho, x) / mass
    return (mass - 1.0) ** 2 + var + 0.1 * mean ** 2


def make_mixture(rng):
    return (np.array([-1.0, 0.5, 2.0]), np.array([0.6, 0.4, 0.8]),
            np.array([0.3, 0.5, 0.2]) + 0.01 * rng.random(3))


def simpson(f_vals, a, b):
    n = len(f_vals) - 1
    h = (b - a) / n
    s = f_vals[0] + f_vals[n]
    for i in range(1, n, 2):
        s += 4 * f_vals[i]
    for i in range(2, n - 1, 2):
        s += 2 * f_vals[i]
    return s * h / 3


def simpson_action(q, t_end, mass):
    """Discrete action of a path given by its interior nodes (ends pinned)."""
    n = len(q) + 1
    path = np.concatenate(([0.0], q, [1.0]))
    t = np.linspace(0.0, t_end, n + 1)
    dt = t[1] - t[0]
    velocity = np.gradient(path, dt)
    lagrangian = 0.5 * mass * velocity ** 2 - 9.81 * mass * path
    return simpson(lagrangian, 0.0, t_end)


def make_action(rng):
    q = np.linspace(0.0, 1.0, 12)[1:-1] + 0.05 * rng.standard_normal(10)
    return q, 1.0, 2.0


# --------------------------------------------------------------------------------------
# Root finding


def kepler_newton(M, e, iters=8):
    """Eccentric anomaly from the mean anomaly, Newton unrolled."""
    E = M + e * np.sin(M)
    for _ in range(iters):
        f = E - e * np.sin(E) - M
        fp = 1.0 - e * np.cos(E)
        E = E - f / fp
    return E


def orbit_positions_loss(e, M, a, x_obs, y_obs):
    E = kepler_newton(M, e)
    x = a * (np.cos(E) - e)
    y = a * np.sqrt(1.0 - e ** 2) * np.sin(E)
    return np.sum((x - x_obs) ** 2 + (y - y_obs) ** 2)


def make_orbit(rng):
    M = np.linspace(0.2, 5.8, 9)
    E = kepler_newton(M, 0.31)
    x = 1.5 * (np.cos(E) - 0.31) + 0.01 * rng.standard_normal(9)
    y = 1.5 * np.sqrt(1 - 0.31 ** 2) * np.sin(E) + 0.01 * rng.standard_normal(9)
    return 0.3, M, 1.5, x, y


def cubic_real_roots(a, b, c, d):
    """Three real roots of a x^3 + b x^2 + c x + d by Viete's trigonometric formula."""
    p = (3 * a * c - b ** 2) / (3 * a ** 2)
    q = (2 * b ** 3 - 9 * a * b * c + 27 * a ** 2 * d) / (27 * a ** 3)
    r = 2 * math.sqrt(-p / 3)
    phi = math.acos(3 * q / (p * r))
    roots = []
    for k in range(3):
        t = r * math.cos((phi - 2 * math.pi * k) / 3)
        roots.append(t - b / (3 * a))
    return sorted(roots)


def vdw_volume_loss(coeffs):
    """Van der Waals-like cubic: liquid and vapour volumes (smallest/largest root)."""
    roots = cubic_real_roots(coeffs[0], coeffs[1], coeffs[2], coeffs[3])
    v_liquid, v_mid, v_vapour = roots
    return math.log(v_vapour / v_liquid) + 0.5 * v_mid ** 2


def make_cubic(rng):
    # (x - 0.5)(x - 1.5)(x - 4) with a perturbation
    return (np.array([1.0, -6.0, 8.75, -3.0]) + 0.01 * rng.standard_normal(4),)


# --------------------------------------------------------------------------------------
# Linear systems: FEM, Poisson, iterative sweeps


def fem_bar_compliance(k_elem, loads):
    """1-D bar of linear elements, fixed at node 0: compliance f.u."""
    n_el = len(k_elem)
    n_nodes = n_el + 1
    K = np.zeros((n_nodes, n_nodes))
    ke_ref = np.array([[1.0, -1.0], [-1.0, 1.0]])
    for e in range(n_el):
        dofs = np.array([e, e + 1])
        K[np.ix_(dofs, dofs)] += k_elem[e] * ke_ref
    free = np.arange(1, n_nodes)
    u = np.zeros(n_nodes)
    u[free] = np.linalg.solve(K[np.ix_(free, free)], loads[free])
    return loads @ u


def make_fem(rng):
    k = 1.0 + rng.random(8)
    f = np.zeros(9)
    f[4] = 0.5
    f[-1] = 1.0
    return k, f


def poisson_dirichlet_energy(source, kappa, h=0.1):
    """-(kappa u')' = s on (0, 1), u = 0 at both ends, second-order differences."""
    n = len(source)
    A = np.zeros((n, n))
    for i in range(n):
        A[i, i] = 2.0 * kappa / h ** 2
        if i > 0:
            A[i, i - 1] = -kappa / h ** 2
        if i < n - 1:
            A[i, i + 1] = -kappa / h ** 2
    u = np.linalg.solve(A, source)
    return 0.5 * h * np.sum(u ** 2) + h * np.sum(u * source)


def make_poisson(rng):
    x = np.linspace(0.1, 0.9, 9)
    return np.sin(np.pi * x) + 0.1 * rng.standard_normal(9), 0.7


def banded_diffusion_solve(conductivity, rhs, target):
    """Variable-coefficient diffusion with face conductivities, via solve_banded."""
    n = len(rhs)
    h = 1.0 / (n + 1)
    ab = np.zeros((3, n))
    ab[1, :] = (conductivity[:-1] + conductivity[1:]) / h ** 2
    ab[0, 1:] = -conductivity[1:-1] / h ** 2
    ab[2, :-1] = -conductivity[1:-1] / h ** 2
    u = scipy.linalg.solve_banded((1, 1), ab, rhs)
    return np.sum((u - target) ** 2) * h


def make_banded(rng):
    n = 10
    return (1.0 + 0.5 * rng.random(n + 1), np.ones(n),
            0.05 * np.sin(np.linspace(0.3, 2.8, n)))


def gauss_seidel_residual(A, b, sweeps=15):
    x = np.zeros_like(b)
    n = len(b)
    for _ in range(sweeps):
        for i in range(n):
            sigma = 0.0
            for j in range(n):
                if j != i:
                    sigma += A[i, j] * x[j]
            x[i] = (b[i] - sigma) / A[i, i]
    return np.sum(x ** 2) + np.sum(x)


def make_gs(rng):
    n = 5
    A = rng.standard_normal((n, n)) * 0.3 + 3.0 * np.eye(n)
    return A, rng.standard_normal(n)


def jacobi_laplace(boundary_top, n=8, sweeps=30):
    """Jacobi sweeps for Laplace's equation on a square, top edge prescribed."""
    u = np.zeros((n, n))
    u[0, :] = boundary_top
    for _ in range(sweeps):
        new = u.copy()
        new[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
        u = new
    return np.mean(u[1:-1, 1:-1] ** 2)


def make_jacobi(rng):
    return (np.sin(np.linspace(0, np.pi, 8)) + 0.1 * rng.standard_normal(8),)


def heat_explicit(u0, alpha, dx=0.1, dt=0.004, steps=40):
    u = u0.copy()
    r = alpha * dt / dx ** 2
    for _ in range(steps):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2 * u[1:-1] + u[:-2]
        u += r * lap
        u[0] = 0.0
        u[-1] = 0.0
    return np.sum(u ** 2) * dx


def make_heat(rng):
    x = np.linspace(0, 1, 11)
    return np.sin(np.pi * x) + 0.2 * rng.standard_normal(11), 1.0


# --------------------------------------------------------------------------------------
# Approximation


def polyfit_extrapolation(y, x, degree, x_new):
    V = np.vander(x, degree + 1)
    coef = np.linalg.solve(V.T @ V, V.T @ y)
    pred = np.polyval(coef, x_new)
    resid = V @ coef - y
    return np.sum(pred ** 2) + np.sum(resid ** 2)


def make_polyfit(rng):
    x = np.linspace(-1.0, 1.0, 12)
    y = np.cos(2 * x) + 0.05 * rng.standard_normal(12)
    return y, x, 3, np.array([1.1, 1.25, 1.5])


class NaturalCubicSpline:
    def __init__(self, x, y):
        n = len(x) - 1
        h = np.diff(x)
        A = np.zeros((n + 1, n + 1))
        rhs = np.zeros(n + 1)
        A[0, 0] = A[n, n] = 1.0
        for i in range(1, n):
            A[i, i - 1] = h[i - 1]
            A[i, i] = 2 * (h[i - 1] + h[i])
            A[i, i + 1] = h[i]
            rhs[i] = 3 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1])
        self.c = np.linalg.solve(A, rhs)
        self.b = (y[1:] - y[:-1]) / h - h * (2 * self.c[:-1] + self.c[1:]) / 3
        self.d = (self.c[1:] - self.c[:-1]) / (3 * h)
        self.x, self.y = x, y

    def __call__(self, t):
        i = np.clip(np.searchsorted(self.x, t) - 1, 0, len(self.x) - 2)
        dx = t - self.x[i]
        return self.y[i] + self.b[i] * dx + self.c[i] * dx ** 2 + self.d[i] * dx ** 3


def spline_curve_length(y, x, t):
    s = NaturalCubicSpline(x, y)
    vals = s(t)
    return np.sum(np.sqrt(np.diff(t) ** 2 + np.diff(vals) ** 2))


def make_spline(rng):
    x = np.linspace(0.0, 2.0, 7)
    return np.sin(2 * x) + 0.1 * rng.standard_normal(7), x, np.linspace(0.03, 1.97, 25)


def clenshaw_chebyshev(coef, x):
    b1 = np.zeros_like(x)
    b2 = np.zeros_like(x)
    for k in range(len(coef) - 1, 0, -1):
        b1, b2 = 2 * x * b1 - b2 + coef[k], b1
    return x * b1 - b2 + coef[0]


def chebyshev_fit_error(coef, x, target):
    approx = clenshaw_chebyshev(coef, x)
    check = np.polynomial.chebyshev.chebval(x, coef)
    return np.mean((approx - target) ** 2) + np.mean((check - target) ** 2)


def make_cheb(rng):
    x = np.cos(np.pi * (np.arange(20) + 0.5) / 20)
    return 0.3 * rng.standard_normal(8), x, np.exp(x) * np.sin(3 * x)


def power_iteration_rayleigh(M, iters=40):
    """Dominant eigenvalue of a symmetric matrix by power iteration."""
    A = 0.5 * (M + M.T)
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    for _ in range(iters):
        w = A @ v
        v = w / np.linalg.norm(w)
    return v @ A @ v


def make_power(rng):
    a = rng.standard_normal((5, 5))
    return (a @ a.T + np.diag([6.0, 0, 0, 0, 0]),)


PROGRAMS = [
    Program("lotka_volterra_rk4", lv_fit_loss, make_lv, wrt=(0, 1)),
    Program("pendulum_rk4_energy", pendulum_rk4_energy, make_pendulum, wrt=(0, 2, 3)),
    Program("trapezoid_moments", trapezoid_moments, make_mixture, wrt=(0, 1, 2)),
    Program("simpson_action", simpson_action, make_action, wrt=(0, 2),
            second_order=True),
    Program("kepler_newton_orbit", orbit_positions_loss, make_orbit, wrt=(0, 1),
            second_order=True),
    Program("cubic_viete_roots", vdw_volume_loss, make_cubic, wrt=(0,)),
    Program("fem_bar_compliance", fem_bar_compliance, make_fem, wrt=(0, 1),
            second_order=True),
    Program("poisson_dense", poisson_dirichlet_energy, make_poisson, wrt=(0, 1),
            second_order=True),
    Program("diffusion_solve_banded", banded_diffusion_solve, make_banded, wrt=(0, 1)),
    Program("gauss_seidel_inplace", gauss_seidel_residual, make_gs, wrt=(0, 1)),
    Program("jacobi_laplace", jacobi_laplace, make_jacobi, wrt=(0,), second_order=True),
    Program("heat_explicit_inplace", heat_explicit, make_heat, wrt=(0, 1),
            second_order=True),
    Program("polyfit_vander_polyval", polyfit_extrapolation, make_polyfit, wrt=(0, 3)),
    Program("natural_cubic_spline", spline_curve_length, make_spline, wrt=(0, 2)),
    Program("chebyshev_clenshaw", chebyshev_fit_error, make_cheb, wrt=(0, 1)),
    Program("power_iteration", power_iteration_rayleigh, make_power, wrt=(0,),
            second_order=True),
]
