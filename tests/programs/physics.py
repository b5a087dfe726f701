"""Physics programs for the srcad corpus.

Losses written the way a computational physicist writes them: pairwise loops for
Lennard-Jones and gravitational energies, explicit time stepping (Euler, velocity
Verlet, RK4, Boris) with state arrays updated in place, finite-difference heat and
wave equations whose boundary values are set in place, a continuous-spin lattice,
ray transfer (ABCD) matrices, rigid-body rotations, a shooting-method loss and a
small particle class with a ``step`` method.
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import scipy.integrate
import scipy.linalg
from corpus import Program

# ---------------------------------------------------------------------------
# Lennard-Jones cluster energy: double loop over pairs
# ---------------------------------------------------------------------------

def lj_pair(r2, epsilon, sigma):
    sr6 = (sigma * sigma / r2) ** 3
    return 4.0 * epsilon * (sr6 * sr6 - sr6)


def lennard_jones_energy(pos, epsilon=1.0, sigma=1.0):
    n = pos.shape[0]
    energy = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = pos[i] - pos[j]
            r2 = np.dot(d, d)
            energy += lj_pair(r2, epsilon, sigma)
    return energy


def lj_args(rng):
    # a slightly perturbed octahedron near the LJ minimum distance
    base = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0],
                     [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=float) * 0.79
    return (base + 0.03 * rng.standard_normal(base.shape),)


# ---------------------------------------------------------------------------
# Gravitational N-body with velocity Verlet; fit initial velocities
# ---------------------------------------------------------------------------

G = 1.0


def accelerations(pos, masses, softening=0.05):
    acc = np.zeros_like(pos)
    n = len(masses)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            dr = pos[j] - pos[i]
            inv_r3 = (dr @ dr + softening ** 2) ** -1.5
            acc[i] += G * masses[j] * dr * inv_r3
    return acc


def nbody_final_positions(vel0, masses, pos0, target, dt=0.01, steps=40):
    pos = pos0.copy()
    vel = vel0.copy()
    acc = accelerations(pos, masses)
    for _ in range(steps):
        vel += 0.5 * dt * acc
        pos += dt * vel
        acc = accelerations(pos, masses)
        vel += 0.5 * dt * acc
    return np.sum((pos - target) ** 2)


def nbody_args(rng):
    pos0 = np.array([[0.0, 0.0], [1.0, 0.0], [-0.5, 0.8], [0.3, -0.9]])
    vel0 = 0.3 * rng.standard_normal((4, 2))
    masses = np.array([1.0, 0.3, 0.2, 0.25])
    target = pos0 + 0.2 * rng.standard_normal((4, 2))
    return vel0, masses, pos0, target


# ---------------------------------------------------------------------------
# Damped driven pendulum, RK4, parameters in a dict
# ---------------------------------------------------------------------------

def pendulum_rhs(state, t, p):
    theta, omega = state
    dtheta = omega
    domega = (-p["g"] / p["length"] * np.sin(theta) - p["damping"] * omega
              + p["drive"] * np.cos(p["freq"] * t))
    return np.array([dtheta, domega])


def rk4_step(f, y, t, dt, p):
    k1 = f(y, t, p)
    k2 = f(y + 0.5 * dt * k1, t + 0.5 * dt, p)
    k3 = f(y + 0.5 * dt * k2, t + 0.5 * dt, p)
    k4 = f(y + dt * k3, t + dt, p)
    return y + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def pendulum_fit(params, theta_obs, dt=0.05):
    y = np.array([0.4, 0.0])
    t = 0.0
    loss = 0.0
    for k in range(len(theta_obs)):
        y = rk4_step(pendulum_rhs, y, t, dt, params)
        t += dt
        loss += (y[0] - theta_obs[k]) ** 2
    return loss / len(theta_obs)


def pendulum_args(rng):
    params = {"g": 9.81, "length": 1.2, "damping": 0.3, "drive": 0.5, "freq": 2.0}
    theta_obs = 0.4 * np.cos(2.8 * np.arange(1, 31) * 0.05) * np.exp(-0.1 * np.arange(30))
    return params, theta_obs


# ---------------------------------------------------------------------------
# Spring-mass chain, semi-implicit Euler, forces filled in a loop
# ---------------------------------------------------------------------------

def chain_forces(x, k, rest, x_left, x_right):
    n = len(x)
    f = np.zeros(n)
    for i in range(n):
        left = x_left if i == 0 else x[i - 1]
        right = x_right if i == n - 1 else x[i + 1]
        f[i] = k[i] * (right - x[i] - rest) - k[i] * (x[i] - left - rest)
    return f


def spring_chain(k, mass, x0, dt=0.02, steps=60):
    x = x0.copy()
    v = np.zeros_like(x)
    energy_trace = []
    for _ in range(steps):
        f = chain_forces(x, k, 1.0, 0.0, len(x) + 1.0)
        v = v + dt * f / mass
        x = x + dt * v
        energy_trace.append(0.5 * mass * np.sum(v ** 2))
    # mean kinetic energy and a penalty on the final displacement of the middle mass
    mid = len(x) // 2
    return np.mean(energy_trace) + (x[mid] - (mid + 1.0)) ** 2


def spring_args(rng):
    k = 2.0 + rng.uniform(0.0, 1.0, 6)
    x0 = np.arange(1.0, 7.0) + 0.1 * rng.standard_normal(6)
    return k, 1.5, x0


# ---------------------------------------------------------------------------
# 1-D heat equation, explicit finite differences, Dirichlet + Neumann ends
# ---------------------------------------------------------------------------

def heat_solve(u0, alpha, t_left, nx_steps=80, dx=0.1, dt=0.002):
    u = u0.copy()
    r = alpha * dt / dx ** 2
    for _ in range(nx_steps):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2 * u[1:-1] + u[:-2]
        u[1:-1] += r * lap[1:-1]
        u[0] = t_left          # fixed temperature on the left
        u[-1] = u[-2]          # insulated right end
    return u


def heat_inverse(u0, alpha, t_left, u_measured):
    u = heat_solve(u0, alpha, t_left)
    return 0.5 * np.sum((u - u_measured) ** 2)


def heat_args(rng):
    x = np.linspace(0.0, 1.0, 12)
    u0 = np.sin(np.pi * x) + 0.1 * rng.standard_normal(12)
    u_measured = 0.6 * np.sin(np.pi * x) + 0.2
    return u0, 1.3, 0.4, u_measured


# ---------------------------------------------------------------------------
# 1-D wave equation, leapfrog, fixed ends; fit the initial displacement
# ---------------------------------------------------------------------------

def wave_step(u, u_prev, c2):
    u_next = np.empty_like(u)
    u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + c2 * (u[2:] - 2 * u[1:-1] + u[:-2])
    u_next[0] = 0.0
    u_next[-1] = 0.0
    return u_next


def wave_loss(u_init, c, observed, dx=0.05, dt=0.02, steps=25):
    c2 = (c * dt / dx) ** 2
    u_prev = u_init.copy()
    u_prev[0] = u_prev[-1] = 0.0
    # first step with zero initial velocity
    u = u_prev.copy()
    u[1:-1] = u_prev[1:-1] + 0.5 * c2 * (u_prev[2:] - 2 * u_prev[1:-1] + u_prev[:-2])
    for _ in range(steps - 1):
        u, u_prev = wave_step(u, u_prev, c2), u
    return np.mean((u - observed) ** 2)


def wave_args(rng):
    x = np.linspace(0.0, 1.0, 16)
    u_init = np.exp(-((x - 0.4) / 0.1) ** 2) + 0.05 * rng.standard_normal(16)
    observed = 0.5 * np.exp(-((x - 0.6) / 0.15) ** 2)
    return u_init, 1.8, observed


# ---------------------------------------------------------------------------
# XY model (continuous spins) on a periodic lattice with an external field
# ---------------------------------------------------------------------------

def xy_energy(theta, J=1.0, h=0.3, field_angle=0.2):
    e_bond = -J * (np.sum(np.cos(theta - np.roll(theta, 1, axis=0)))
                   + np.sum(np.cos(theta - np.roll(theta, 1, axis=1))))
    e_field = -h * np.sum(np.cos(theta - field_angle))
    return e_bond + e_field


def xy_args(rng):
    return (rng.uniform(-math.pi, math.pi, (5, 5)),)


# ---------------------------------------------------------------------------
# Ray transfer matrices: a thick-lens doublet, fit focal length
# ---------------------------------------------------------------------------

def propagate(d):
    return np.array([[1.0, d], [0.0, 1.0]])


def refract(radius, n1, n2):
    return np.array([[1.0, 0.0], [(n1 - n2) / (radius * n2), n1 / n2]])


def system_matrix(radii, thicknesses, indices):
    M = np.eye(2)
    n_prev = 1.0
    for k, R in enumerate(radii):
        n_next = indices[k]
        M = refract(R, n_prev, n_next) @ M
        if k < len(thicknesses):
            M = propagate(thicknesses[k]) @ M
        n_prev = n_next
    return M


def lens_design(radii, thicknesses, target_f=50.0):
    indices = [1.52, 1.62, 1.0]
    M = system_matrix(radii, thicknesses, indices)
    C = M[1, 0]
    focal = -1.0 / C
    # also trace a marginal ray and penalize its spread at the focal plane
    ray = np.array([5.0, 0.0])
    out = propagate(focal) @ (M @ ray)
    return (focal - target_f) ** 2 / target_f ** 2 + 0.1 * out[0] ** 2


def lens_args(rng):
    radii = np.array([40.0, -30.0, -120.0]) + rng.uniform(-1, 1, 3)
    thicknesses = np.array([6.0, 2.5])
    return radii, thicknesses


# ---------------------------------------------------------------------------
# Charged particle in uniform E and B fields: Boris pusher
# ---------------------------------------------------------------------------

def boris_push(x, v, q_over_m, E, B, dt):
    v_minus = v + 0.5 * q_over_m * dt * E
    t = 0.5 * q_over_m * dt * B
    s = 2.0 * t / (1.0 + np.dot(t, t))
    v_prime = v_minus + np.cross(v_minus, t)
    v_plus = v_minus + np.cross(v_prime, s)
    v_new = v_plus + 0.5 * q_over_m * dt * E
    return x + dt * v_new, v_new


def charged_particle(E, B, x_target, q_over_m=1.0, dt=0.05, steps=50):
    x = np.zeros(3)
    v = np.array([1.0, 0.0, 0.2])
    path = [x]
    for _ in range(steps):
        x, v = boris_push(x, v, q_over_m, E, B, dt)
        path.append(x)
    path = np.array(path)
    return np.sum((path[-1] - x_target) ** 2) + 0.01 * np.sum(path[:, 2] ** 2)


def charged_args(rng):
    E = np.array([0.1, 0.05, 0.0]) + 0.02 * rng.standard_normal(3)
    B = np.array([0.0, 0.0, 1.0]) + 0.1 * rng.standard_normal(3)
    return E, B, np.array([0.5, 1.0, 0.3])


# ---------------------------------------------------------------------------
# Rigid body: torque-free Euler equations with rotation matrix kept in sync
# ---------------------------------------------------------------------------

def hat(w):
    return np.array([[0.0, -w[2], w[1]], [w[2], 0.0, -w[0]], [-w[1], w[0], 0.0]])


def rigid_body(omega0, inertia, body_points, dt=0.02, steps=30):
    I_body = np.diag(inertia)
    I_inv = np.diag(1.0 / inertia)
    R = np.eye(3)
    omega = omega0.copy()
    for _ in range(steps):
        L = I_body @ omega
        domega = I_inv @ (-np.cross(omega, L))
        omega = omega + dt * domega
        R = R @ scipy.linalg.expm(hat(omega) * dt)
    world = body_points @ R.T
    # kinetic energy plus a target orientation of the body points
    kinetic = 0.5 * omega @ I_body @ omega
    return kinetic + np.sum((world - body_points[::-1]) ** 2)


def rigid_args(rng):
    omega0 = np.array([0.3, 1.0, 0.2]) + 0.05 * rng.standard_normal(3)
    inertia = np.array([1.0, 2.0, 3.0])
    body_points = rng.standard_normal((4, 3))
    return omega0, inertia, body_points


# ---------------------------------------------------------------------------
# Shooting method: projectile with quadratic drag, hit a target distance
# ---------------------------------------------------------------------------

def flight_range(speed, angle, drag, dt=0.01, g=9.81):
    x, y = 0.0, 0.0
    vx, vy = speed * math.cos(angle), speed * math.sin(angle)
    while True:
        v = math.sqrt(vx * vx + vy * vy)
        ax = -drag * v * vx
        ay = -g - drag * v * vy
        x_new = x + dt * vx
        y_new = y + dt * vy
        vx += dt * ax
        vy += dt * ay
        if y_new < 0.0:
            # linear interpolation to the ground crossing
            frac = y / (y - y_new)
            return x + frac * (x_new - x)
        x, y = x_new, y_new


def shooting_loss(launch, target=12.0, drag=0.05):
    speed, angle = launch
    return (flight_range(speed, angle, drag) - target) ** 2


def shooting_args(rng):
    return ([13.0 + rng.uniform(-0.3, 0.3), 0.7 + rng.uniform(-0.05, 0.05)],)


# ---------------------------------------------------------------------------
# A particle class with a step method in a harmonic trap with friction
# ---------------------------------------------------------------------------

@dataclass
class Particle:
    pos: np.ndarray
    vel: np.ndarray
    mass: float

    def force(self, k, gamma):
        return -k * self.pos - gamma * self.vel

    def step(self, dt, k, gamma):
        a = self.force(k, gamma) / self.mass
        self.vel = self.vel + dt * a
        self.pos = self.pos + dt * self.vel

    def kinetic(self):
        return 0.5 * self.mass * np.sum(self.vel ** 2)


def trap_loss(stiffness, gamma, start, dt=0.05, steps=40):
    particles = [Particle(start[i].copy(), np.zeros(2), 1.0 + 0.5 * i)
                 for i in range(len(start))]
    total = 0.0
    for _ in range(steps):
        for p in particles:
            p.step(dt, stiffness, gamma)
        total += sum(p.kinetic() for p in particles) * dt
    return total


def trap_args(rng):
    return 2.0, 0.3, rng.standard_normal((3, 2))


# ---------------------------------------------------------------------------
# Quantum particle in a box: ground state energy of a finite-difference Hamiltonian
# ---------------------------------------------------------------------------

def ground_state_energy(v_coeffs, n=40, box=1.0):
    x = np.linspace(0.0, box, n + 2)[1:-1]
    dx = x[1] - x[0]
    V = np.zeros(n)
    for k, c in enumerate(v_coeffs):
        V += c * np.cos(2 * np.pi * k * x / box)
    H = (np.diag(np.full(n, 2.0)) - np.diag(np.ones(n - 1), 1)
         - np.diag(np.ones(n - 1), -1)) / (2 * dx ** 2) + np.diag(V)
    energies = np.linalg.eigvalsh(H)
    return energies[0] + 0.1 * (energies[1] - energies[0] - 15.0) ** 2


def qbox_args(rng):
    return (rng.standard_normal(4) * 5.0,)


# ---------------------------------------------------------------------------
# Elastic spring network (2-D), edges as a namedtuple list, relaxed energy
# ---------------------------------------------------------------------------

Spring = namedtuple("Spring", ["i", "j", "k", "rest"])


def network_energy(nodes, springs, pinned, gravity=0.1):
    energy = 0.0
    for s in springs:
        d = nodes[s.i] - nodes[s.j]
        length = np.linalg.norm(d)
        energy += 0.5 * s.k * (length - s.rest) ** 2
    energy += gravity * np.sum(nodes[:, 1])
    for idx, anchor in pinned.items():
        energy += 50.0 * np.sum((nodes[idx] - anchor) ** 2)
    return energy


def network_args(rng):
    nodes = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0],
                      [0.0, -1.0], [1.0, -1.0], [2.0, -1.0]])
    nodes = nodes + 0.05 * rng.standard_normal(nodes.shape)
    springs = [Spring(0, 1, 10.0, 1.0), Spring(1, 2, 10.0, 1.0), Spring(3, 4, 8.0, 1.0),
               Spring(4, 5, 8.0, 1.0), Spring(0, 3, 5.0, 1.0), Spring(1, 4, 5.0, 1.0),
               Spring(2, 5, 5.0, 1.0), Spring(0, 4, 3.0, 1.4), Spring(2, 4, 3.0, 1.4)]
    pinned = {0: np.array([0.0, 0.0]), 2: np.array([2.0, 0.0])}
    return nodes, springs, pinned


# ---------------------------------------------------------------------------
# Blackbody: fit a temperature and emissivity to a band-integrated spectrum
# ---------------------------------------------------------------------------

H_PLANCK = 6.62607015e-34
C_LIGHT = 2.99792458e8
K_BOLTZ = 1.380649e-23


def planck(wavelength, T):
    a = 2.0 * H_PLANCK * C_LIGHT ** 2 / wavelength ** 5
    b = H_PLANCK * C_LIGHT / (wavelength * K_BOLTZ * T)
    return a / np.expm1(b)


def band_flux(T, emissivity, lo, hi, n=50):
    lam = np.linspace(lo, hi, n)
    spectrum = emissivity * planck(lam, T)
    return np.trapezoid(spectrum, lam)


def blackbody_fit(theta, bands, measured):
    T = 1000.0 * theta[0]
    eps = 1.0 / (1.0 + np.exp(-theta[1]))
    resid = []
    for (lo, hi), m in zip(bands, measured):
        model = band_flux(T, eps, lo, hi)
        resid.append(np.log(model) - np.log(m))
    return np.sum(np.array(resid) ** 2)


def blackbody_args(rng):
    bands = [(1e-6, 2e-6), (2e-6, 3e-6), (3e-6, 5e-6), (8e-6, 12e-6)]
    measured = [band_flux(1500.0, 0.8, lo, hi) * (1 + 0.02 * rng.standard_normal())
                for lo, hi in bands]
    return np.array([1.3, 0.9]), bands, measured


# ---------------------------------------------------------------------------
# Vectorized LJ molecular dynamics with a cutoff, velocity Verlet
# ---------------------------------------------------------------------------

def lj_forces_vectorized(pos, r_cut=2.5):
    diff = pos[:, None, :] - pos[None, :, :]
    r2 = np.sum(diff ** 2, axis=-1)
    np.fill_diagonal(r2, 1.0)
    inv6 = 1.0 / r2 ** 3
    mag = 24.0 * (2.0 * inv6 ** 2 - inv6) / r2
    mag = np.where(r2 < r_cut ** 2, mag, 0.0)
    np.fill_diagonal(mag, 0.0)
    return np.einsum("ij,ijk->ik", mag, diff)


def md_temperature(vel0, pos0, dt=0.005, steps=20, target_temp=0.5):
    pos, vel = pos0.copy(), vel0.copy()
    f = lj_forces_vectorized(pos)
    temps = []
    for _ in range(steps):
        vel += 0.5 * dt * f
        pos += dt * vel
        f = lj_forces_vectorized(pos)
        vel += 0.5 * dt * f
        temps.append(np.mean(vel ** 2))
    return (np.mean(temps) - target_temp) ** 2


def md_args(rng):
    grid = np.array([[i, j] for i in range(3) for j in range(3)], dtype=float) * 1.12
    pos0 = grid + 0.02 * rng.standard_normal(grid.shape)
    vel0 = 0.4 * rng.standard_normal(grid.shape)
    return vel0, pos0


# ---------------------------------------------------------------------------
# Classical Heisenberg spins: unit vectors renormalized in place, ring + anisotropy
# ---------------------------------------------------------------------------

def heisenberg_energy(spins, J=1.0, D=0.4, B=(0.0, 0.0, 0.3)):
    s = spins.copy()
    s /= np.linalg.norm(s, axis=1, keepdims=True)
    n = s.shape[0]
    energy = 0.0
    for i in range(n):
        energy -= J * s[i] @ s[(i + 1) % n]
    energy -= D * np.sum(s[:, 2] ** 2)
    energy -= np.sum(s @ np.asarray(B))
    return energy


def heisenberg_args(rng):
    return (rng.standard_normal((8, 3)),)


# ---------------------------------------------------------------------------
# 2-D heat equation with insulated walls via ghost cells (np.pad, edge copies)
# ---------------------------------------------------------------------------

def heat2d_step(T, kappa, dt, h):
    G = np.pad(T, 1, mode="edge")       # ghost cells: zero-flux walls
    lap = (G[2:, 1:-1] + G[:-2, 1:-1] + G[1:-1, 2:] + G[1:-1, :-2] - 4 * T) / h ** 2
    return T + dt * kappa * lap


def heat2d_loss(T0, kappa, heater, steps=30, dt=0.01, h=0.25):
    T = T0.copy()
    history = []
    for _ in range(steps):
        T = heat2d_step(T, kappa, dt, h)
        T[2, 2] += dt * heater          # point source
        T[:, -1] = T[:, -2]             # extra zero-flux column copy
        history.append(T[0, 0])
    probe = np.array(history)
    return np.sum((probe - 0.5) ** 2) + np.var(T)


def heat2d_args(rng):
    return rng.uniform(0.0, 1.0, (6, 6)), 0.8, 3.0


# ---------------------------------------------------------------------------
# Kepler orbit with scipy.integrate.solve_ivp: hit a point after a fixed time
# ---------------------------------------------------------------------------

def kepler_rhs(t, y, mu):
    r = y[:2]
    v = y[2:]
    a = -mu * r / np.linalg.norm(r) ** 3
    return np.concatenate([v, a])


def orbit_loss(v0, target, mu=1.0, t_final=2.0):
    y0 = np.concatenate([[1.0, 0.0], v0])
    sol = scipy.integrate.solve_ivp(kepler_rhs, (0.0, t_final), y0, args=(mu,),
                                    rtol=1e-10, atol=1e-12)
    return np.sum((sol.y[:2, -1] - target) ** 2)


def orbit_args(rng):
    return np.array([0.0, 1.1]) + 0.02 * rng.standard_normal(2), np.array([-0.3, 0.9])


# ---------------------------------------------------------------------------
# 1-D electrostatic particle-in-cell: cloud-in-cell deposit, FFT Poisson, gather
# ---------------------------------------------------------------------------

def deposit_cic(x, q, n_grid, length):
    dx = length / n_grid
    rho = np.zeros(n_grid)
    for p in range(len(x)):
        s = x[p] / dx
        j = int(np.floor(s))
        f = s - j
        rho[j % n_grid] += q[p] * (1.0 - f) / dx
        rho[(j + 1) % n_grid] += q[p] * f / dx
    return rho


def poisson_fft(rho, length):
    n = len(rho)
    k = 2 * np.pi * np.fft.rfftfreq(n, d=length / n)
    rho_k = np.fft.rfft(rho - np.mean(rho))
    phi_k = np.zeros_like(rho_k)
    phi_k[1:] = rho_k[1:] / k[1:] ** 2
    return np.fft.irfft(phi_k, n)


def pic_energy(x, q, n_grid=16, length=1.0):
    rho = deposit_cic(x, q, n_grid, length)
    phi = poisson_fft(rho, length)
    dx = length / n_grid
    E = -(np.roll(phi, -1) - np.roll(phi, 1)) / (2 * dx)
    field_energy = 0.5 * np.sum(E ** 2) * dx
    # gather the field back to the particles (same CIC weights)
    E_p = np.zeros(len(x))
    for p in range(len(x)):
        s = x[p] / dx
        j = int(s)
        f = s - j
        E_p[p] = (1.0 - f) * E[j % n_grid] + f * E[(j + 1) % n_grid]
    return field_energy + 0.1 * np.sum(q * E_p)


def pic_args(rng):
    x = np.sort(rng.uniform(0.05, 0.95, 10))
    q = np.where(np.arange(10) % 2 == 0, 1.0, -0.8) + 0.05 * rng.standard_normal(10)
    return x, q


PROGRAMS = [
    Program("lennard_jones_cluster", lennard_jones_energy, lj_args, second_order=True),
    Program("nbody_verlet", nbody_final_positions, nbody_args, wrt=(0, 1)),
    Program("pendulum_rk4_dict", pendulum_fit, pendulum_args),
    Program("spring_chain_euler", spring_chain, spring_args, wrt=(0, 1, 2)),
    Program("heat_equation_fd", heat_inverse, heat_args, wrt=(0, 1, 2), second_order=True),
    Program("wave_equation_leapfrog", wave_loss, wave_args, wrt=(0, 1)),
    Program("xy_model_energy", xy_energy, xy_args, second_order=True),
    Program("ray_transfer_lens", lens_design, lens_args, wrt=(0, 1), second_order=True),
    Program("boris_pusher", charged_particle, charged_args, wrt=(0, 1)),
    Program("rigid_body_expm", rigid_body, rigid_args, wrt=(0, 1)),
    Program("shooting_projectile", shooting_loss, shooting_args),
    Program("particle_class_trap", trap_loss, trap_args, wrt=(0, 1, 2)),
    Program("particle_in_box_eig", ground_state_energy, qbox_args, second_order=True),
    Program("spring_network", network_energy, network_args, second_order=True),
    Program("blackbody_band_fit", blackbody_fit, blackbody_args, second_order=True),
    Program("lj_md_cutoff_vectorized", md_temperature, md_args, wrt=(0, 1)),
    Program("heisenberg_spins", heisenberg_energy, heisenberg_args, second_order=True),
    Program("heat_2d_ghost_cells", heat2d_loss, heat2d_args, wrt=(0, 1, 2)),
    Program("kepler_solve_ivp", orbit_loss, orbit_args,
            refused="scipy.integrate.solve_ivp has no derivative rule"),
    Program("pic_cloud_in_cell", pic_energy, pic_args, wrt=(0, 1), second_order=True),
]
