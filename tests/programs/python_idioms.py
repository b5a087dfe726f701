"""The examples of the issue on programs as people write them, one per idiom: in-place
code that shares no memory, objects as values, calls through variables, and everyday
Python (written as the programs they come from do, each checked by test_programs.py)."""

import functools  # noqa: F401
from typing import NamedTuple  # noqa: F401

import numpy as np
from corpus import Program

# --- len append

def len_append_loss(params, xs, ys):
    resid = []
    n = len(resid)
    for i in range(len(xs)):
        pred = params[0] + params[1] * xs[i] + params[2] * np.sin(xs[i])
        r = (pred - ys[i]) / (1.0 + n)
        resid.append(r)
    n = len(resid)
    return np.sum(np.array(resid) ** 2) / n

def len_append_make_args(rng):
    return (rng.normal(size=3), rng.normal(size=6), rng.normal(size=6))


# --- stiffness

def stiffness_loss(k, f):
    n_el = len(k)
    ndof = n_el + 1
    K = np.zeros((ndof, ndof))
    for e in range(n_el):
        ke = k[e] * np.array([[1.0, -1.0], [-1.0, 1.0]])
        idx = [e, e + 1]
        K[np.ix_(idx, idx)] += ke
    free = np.arange(1, ndof)
    K_free = K[np.ix_(free, free)]
    f_free = f[free]
    u = np.linalg.solve(K_free, f_free)
    return np.dot(f_free, u)

def stiffness_make_args(rng):
    return (1.0 + rng.random(4), rng.normal(size=5))


# --- path prev

def path_prev_loss(x0, v0, h):
    path = [x0 - h * v0, x0]
    for i in range(5):
        prev = path[-2]
        cur = path[-1]
        state = 2.0 * cur - prev - h * h * np.sin(cur)
        path.append(state)
    final = path[-1]
    return np.sum(final ** 2) + 0.1 * np.sum(path[3])

def path_prev_make_args(rng):
    return (rng.normal(size=3), rng.normal(size=3), 0.1)


# --- heat

def heat_laplacian(T, dx):
    L = np.zeros_like(T)
    L[1:-1] = (T[2:] - 2.0 * T[1:-1] + T[:-2]) / dx ** 2
    return L

def heat_loss(T0, kappa):
    T = T0.copy()
    dx = 0.1
    dt = 0.002
    for step in range(10):
        dTdt = kappa * heat_laplacian(T, dx)
        T += dt * dTdt
    return np.sum(T ** 2)

def heat_make_args(rng):
    return (rng.normal(size=8), 0.7)


# --- wave

def wave_loss(u0, c):
    n = u0.shape[0]
    u_prev = u0.copy()
    u = u0.copy()
    r2 = (c * 0.5) ** 2
    for step in range(6):
        u_next = np.zeros(n)
        u_next[1:-1] = 2 * u[1:-1] - u_prev[1:-1] + r2 * (u[2:] - 2 * u[1:-1] + u[:-2])
        u_prev, u = (u, u_next)
        u[0] = u[-1] = 0.0
    return np.sum(u ** 2) + np.sum(u_prev * u)

def wave_make_args(rng):
    return (rng.normal(size=8), 0.9)


# --- builder

class builder_FeatureBuilder:

    def __init__(self, degree):
        self.degree = degree

    def build(self, x):
        feats = []
        for d in range(1, self.degree + 1):
            feats.append(x ** d)
        return feats

    def stack(self, x):
        out = np.empty((self.degree, x.shape[0]))
        for d in range(self.degree):
            out[d] = np.cos(x * (d + 1))
        return out

def builder_loss(x, w):
    b = builder_FeatureBuilder(3)
    feats = b.build(x)
    s = 0.0
    for i, f in enumerate(feats):
        s = s + w[i] * np.sum(f)
    M = b.stack(x)
    return s + np.sum(M * M) * w[0]

def builder_make_args(rng):
    return (rng.normal(size=4), rng.normal(size=3))


# --- kernels

class kernels_Kernel:

    def __add__(self, other):
        return kernels_Sum(self, other)

    def __mul__(self, other):
        return kernels_Prod(self, other)

class kernels_RBF(kernels_Kernel):

    def __init__(self, ls):
        self.ls = ls

    def __call__(self, x1, x2):
        d = x1[:, None] - x2[None, :]
        return np.exp(-0.5 * d ** 2 / self.ls ** 2)

class kernels_Periodic(kernels_Kernel):

    def __init__(self, p):
        self.p = p

    def __call__(self, x1, x2):
        d = x1[:, None] - x2[None, :]
        return np.exp(-2.0 * np.sin(np.pi * np.abs(d) / self.p) ** 2)

class kernels_Sum(kernels_Kernel):

    def __init__(self, k1, k2):
        self.k1, self.k2 = (k1, k2)

    def __call__(self, x1, x2):
        return self.k1(x1, x2) + self.k2(x1, x2)

class kernels_Prod(kernels_Kernel):

    def __init__(self, k1, k2):
        self.k1, self.k2 = (k1, k2)

    def __call__(self, x1, x2):
        return self.k1(x1, x2) * self.k2(x1, x2)

def kernels_loss(ls, x, W):
    k = kernels_RBF(ls) + kernels_RBF(2.0 * ls) * kernels_Periodic(1.5)
    K = k(x, x)
    return np.sum(W * K)

def kernels_make_args(rng):
    return (0.8, rng.normal(size=5), rng.normal(size=(5, 5)))


# --- particles

class particles_Particle:

    def __init__(self, x, v):
        self.x = x
        self.v = v

    def step(self, dt):
        self.v = self.v - dt * self.x
        self.x += self.v * dt

def particles_loss(v0, x0):
    ps = [particles_Particle(x0[i].copy(), v0[i].copy()) for i in range(len(v0))]
    for t in range(5):
        for p in ps:
            p.step(0.1)
    return sum(np.sum(p.x ** 2) for p in ps)

def particles_make_args(rng):
    return (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)))


# --- polynomial

class polynomial_Polynomial:

    def __init__(self, coeffs):
        self.coeffs = np.asarray(coeffs, dtype=float)

    def __add__(self, other):
        n = max(len(self.coeffs), len(other.coeffs))
        a = np.zeros(n)
        b = np.zeros(n)
        a[:len(self.coeffs)] = self.coeffs
        b[:len(other.coeffs)] = other.coeffs
        return polynomial_Polynomial(a + b)

    def __mul__(self, other):
        return polynomial_Polynomial(np.convolve(self.coeffs, other.coeffs))

    def __call__(self, x):
        return np.polyval(self.coeffs[::-1], x)

class polynomial_Linear(polynomial_Polynomial):

    def __init__(self, a, b):
        super().__init__([b, a])

def polynomial_loss(c, x):
    p = polynomial_Polynomial(c)
    q = polynomial_Linear(c[0], 2.0)
    r = p * q + p
    return np.sum(r(x) ** 2)

def polynomial_make_args(rng):
    return (rng.normal(size=3), rng.normal(size=4))


# --- namedtuple

class namedtuple_State(NamedTuple):
    x: np.ndarray
    v: np.ndarray
    t: float

def namedtuple_loss(x0, v0, k):
    state = namedtuple_State(x=x0, v=v0, t=0.0)
    dt = 0.05
    for i in range(8):
        a = -k * state.x
        state = state._replace(v=state.v + dt * a)
        state = state._replace(x=state.x + dt * state.v, t=state.t + dt)
    return np.sum(state.x ** 2) + 0.5 * np.sum(state.v ** 2)

def namedtuple_make_args(rng):
    return (rng.normal(size=3), rng.normal(size=3), 1.3)


# --- closure layers

def closure_layers_make_model(W1, b1, W2):

    def dense1(h):
        return np.tanh(W1 @ h + b1)

    def dense2(h):
        return W2 @ h

    def act(h):
        return h * np.exp(-h ** 2)
    return [dense1, act, dense2]

def closure_layers_loss(W1, b1, W2, x):
    layers = closure_layers_make_model(W1, b1, W2)
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h ** 2)

def closure_layers_make_args(rng):
    return (rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(2, 4)),
            rng.normal(size=3))


# --- func dispatch

def func_dispatch_rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

def func_dispatch_sphere(x, scale=1.0):
    return scale * np.sum(x ** 2)
func_dispatch_PROBLEMS = {'rosen': func_dispatch_rosen, 'sphere': func_dispatch_sphere}

class func_dispatch_Objective:

    def __init__(self, fn):
        self.fn = fn

    def value(self, x):
        return self.fn(x)

def func_dispatch_loss(x):
    f = func_dispatch_PROBLEMS['rosen']
    obj = func_dispatch_Objective(func_dispatch_PROBLEMS['sphere'])
    g = functools.partial(func_dispatch_sphere, scale=3.0)
    return f(x) + obj.value(x) + g(x)

def func_dispatch_make_args(rng):
    return (rng.normal(size=4),)


# --- vectorize

def vectorize_soft(t):
    return np.log1p(np.exp(t))

def vectorize_rownorm(r):
    return np.sqrt(np.sum(r ** 2))

def vectorize_loss(x, A):
    a = np.sum(np.vectorize(vectorize_soft)(x))
    b = np.sum(np.apply_along_axis(vectorize_rownorm, 1, A))
    c = np.sum(np.piecewise(x, [x < 0, x >= 0], [lambda t: t ** 2, lambda t: np.sin(t)]))
    d = np.sum(np.fromfunction(lambda i, j: i + j, (2, 3)) * A[:2, :3])
    return a + b + c + d

def vectorize_make_args(rng):
    return (rng.normal(size=5), rng.normal(size=(3, 4)))


# --- rk4 tuple

def rk4_tuple_pend(s, g):
    theta, omega = s
    return (omega, -g * np.sin(theta))

def rk4_tuple_rk4(s, h, g):
    k1 = rk4_tuple_pend(s, g)
    k2 = rk4_tuple_pend(tuple(a + 0.5 * h * k for a, k in zip(s, k1)), g)
    k3 = rk4_tuple_pend(tuple(a + 0.5 * h * k for a, k in zip(s, k2)), g)
    k4 = rk4_tuple_pend(tuple(a + h * k for a, k in zip(s, k3)), g)
    return tuple(a + h / 6.0 * (p + 2 * q + 2 * r + w)
                 for a, p, q, r, w in zip(s, k1, k2, k3, k4))

def rk4_tuple_loss(theta0, omega0, g):
    state = (theta0, omega0)
    for i in range(10):
        state = rk4_tuple_rk4(state, 0.05, g)
    theta, omega = state
    return theta ** 2 + 0.5 * omega ** 2

def rk4_tuple_make_args(rng):
    return (0.4, -0.3, 9.81)


# --- runtime keys

def runtime_keys_loss(x, w):
    d = {}
    for i in range(len(x)):
        d['k%d' % i] = x[i] * w[i]  # noqa: UP031  (the issue's example)
    for i in range(1, len(x)):
        d['k%d' % i] = d['k%d' % i] + d['k%d' % (i - 1)] ** 2  # noqa: UP031  (the issue's example)
    names = ['k%d' % i for i in range(len(x))]  # noqa: UP031  (the issue's example)
    total = 0.0
    for name, wi in zip(names, w):
        total = total + wi * d[name]
    for a, b in zip(list(x), x[::-1]):
        total = total + a * b
    return total

def runtime_keys_make_args(rng):
    return (0.5 * rng.normal(size=4), 0.5 * rng.normal(size=4))


# --- losses mean

def losses_mean_loss(w, X, y):
    losses = []
    for i in range(X.shape[0]):
        z = X[i] @ w
        p = 1.0 / (1.0 + np.exp(-z))
        losses.append(-(y[i] * np.log(p) + (1 - y[i]) * np.log(1 - p)))
    return np.mean(losses)

def losses_mean_make_args(rng):
    return (rng.normal(size=3), rng.normal(size=(6, 3)), (rng.random(6) > 0.5).astype(float))


# --- complex

def complex_loss(x, y):
    spec = np.abs(np.fft.fft(x)) ** 2
    z = (x + 1j * y) * (y - 2j * x)
    w = np.exp(1j * x) * z
    return np.sum(spec) + np.sum(w.real) + np.sum(np.conj(z) * z).real

def complex_make_args(rng):
    return (rng.normal(size=6), rng.normal(size=6))


PROGRAMS = [
    Program("len_append", len_append_loss, len_append_make_args, wrt=(0,)),
    Program("stiffness", stiffness_loss, stiffness_make_args, wrt=(0,)),
    Program("path_prev", path_prev_loss, path_prev_make_args, wrt=(0, 1)),
    Program("heat", heat_loss, heat_make_args, wrt=(0, 1)),
    Program("wave", wave_loss, wave_make_args, wrt=(0, 1)),
    Program("builder", builder_loss, builder_make_args, wrt=(0, 1)),
    Program("kernels", kernels_loss, kernels_make_args, wrt=(0,)),
    Program("particles", particles_loss, particles_make_args, wrt=(0,)),
    Program("polynomial", polynomial_loss, polynomial_make_args, wrt=(0,)),
    Program("namedtuple", namedtuple_loss, namedtuple_make_args, wrt=(0, 1, 2)),
    Program("closure_layers", closure_layers_loss, closure_layers_make_args, wrt=(0, 1, 2)),
    Program("func_dispatch", func_dispatch_loss, func_dispatch_make_args, wrt=(0,)),
    Program("vectorize", vectorize_loss, vectorize_make_args, wrt=(0, 1)),
    Program("rk4_tuple", rk4_tuple_loss, rk4_tuple_make_args, wrt=(0, 1, 2)),
    Program("runtime_keys", runtime_keys_loss, runtime_keys_make_args, wrt=(0, 1)),
    Program("losses_mean", losses_mean_loss, losses_mean_make_args, wrt=(0,)),
    Program("complex", complex_loss, complex_make_args, wrt=(0, 1)),
]
