"""Object-oriented models, as people write them.

Programs whose numerics are wrapped in Python's object machinery: a Layer/Model class
hierarchy with ``__call__`` and ``super().__init__``, dataclass parameter containers,
namedtuple states advanced with ``_replace``, kernel objects composed with ``+`` and
``*``, a Polynomial class with arithmetic operators, a list of Particle objects whose
``step`` mutates ``self.x``, a builder appending layers, a Portfolio with properties,
an optimizer object updating ``self.params``, strategy functions stored in dicts and
attributes, ``functools.partial``, closures returning lists of functions, an abstract
base class, ``@staticmethod``/``@classmethod`` constructors, a 2-D vector class with
operator overloading, and an iterable batch loader.
"""

from __future__ import annotations

import functools
import operator
from abc import ABC, abstractmethod
from collections import namedtuple
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.linalg
from corpus import Program
from scipy.special import gammaln, logsumexp

# --------------------------------------------------------------------------------------
# 1. Layer / Model hierarchy with __call__ and super().__init__
# --------------------------------------------------------------------------------------

class Layer:
    """Base class: subclasses implement forward."""

    def __init__(self, name):
        self.name = name
        self.training = False

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def parameters(self):
        return []


class Dense(Layer):
    def __init__(self, W, b, name="dense"):
        super().__init__(name)
        self.W = W
        self.b = b

    def forward(self, x):
        return x @ self.W + self.b

    def parameters(self):
        return [self.W, self.b]


class Tanh(Layer):
    def __init__(self):
        super().__init__("tanh")

    def forward(self, x):
        return np.tanh(x)


class Sequential(Layer):
    def __init__(self, layers):
        super().__init__("sequential")
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        params = []
        for layer in self.layers:
            params.extend(layer.parameters())
        return params


def mlp_loss(params, x, y):
    model = Sequential([
        Dense(params["W1"], params["b1"], name="hidden"),
        Tanh(),
        Dense(params["W2"], params["b2"], name="out"),
    ])
    pred = model(x)[:, 0]
    mse = np.mean((pred - y) ** 2)
    l2 = sum(np.sum(p ** 2) for p in model.parameters())
    return mse + 1e-3 * l2


def mlp_args(rng):
    params = {"W1": 0.5 * rng.standard_normal((3, 5)), "b1": 0.1 * rng.standard_normal(5),
              "W2": 0.5 * rng.standard_normal((5, 1)), "b2": np.array([0.05])}
    x = rng.standard_normal((12, 3))
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1]
    return params, x, y


# --------------------------------------------------------------------------------------
# 2. Residual block reusing the parent's forward via super(); LayerNorm as a Layer
# --------------------------------------------------------------------------------------

class ResidualDense(Dense):
    def forward(self, x):
        return x + np.tanh(super().forward(x))


class LayerNorm(Layer):
    def __init__(self, gamma, beta, eps=1e-5):
        super().__init__("layernorm")
        self.gamma = gamma
        self.beta = beta
        self.eps = eps

    def forward(self, x):
        mu = x.mean(axis=-1, keepdims=True)
        var = x.var(axis=-1, keepdims=True)
        return self.gamma * (x - mu) / np.sqrt(var + self.eps) + self.beta


def residual_loss(weights, gamma, x, target):
    blocks = []
    for i, W in enumerate(weights):
        blocks.append(ResidualDense(W, np.zeros(W.shape[1]), name=f"res{i}"))
        blocks.append(LayerNorm(gamma, np.zeros_like(gamma)))
    net = Sequential(blocks)
    out = net(x)
    return 0.5 * np.mean(np.sum((out - target) ** 2, axis=1))


def residual_args(rng):
    weights = [0.4 * rng.standard_normal((4, 4)) for _ in range(3)]
    gamma = 1.0 + 0.1 * rng.standard_normal(4)
    x = rng.standard_normal((6, 4))
    target = rng.standard_normal((6, 4))
    return weights, gamma, x, target


# --------------------------------------------------------------------------------------
# 3. Dataclass parameter containers with derived properties, dataclasses.replace
# --------------------------------------------------------------------------------------

@dataclass
class OscillatorParams:
    k: float
    c: float
    m: float = 1.0

    @property
    def omega0(self):
        return np.sqrt(self.k / self.m)

    @property
    def zeta(self):
        return self.c / (2.0 * np.sqrt(self.k * self.m))


@dataclass
class SimConfig:
    dt: float = 0.01
    n_steps: int = 100
    x0: float = 1.0
    v0: float = 0.0
    tags: list = field(default_factory=list)


def oscillator_fit(theta, t_obs, y_obs):
    p = OscillatorParams(k=np.exp(theta[0]), c=np.exp(theta[1]))
    cfg = replace(SimConfig(), dt=0.05, n_steps=60)
    x, v = cfg.x0, cfg.v0
    traj = []
    for _ in range(cfg.n_steps):
        a = -p.k / p.m * x - p.c / p.m * v
        v = v + cfg.dt * a
        x = x + cfg.dt * v
        traj.append(x)
    t_grid = cfg.dt * np.arange(1, cfg.n_steps + 1)
    pred = np.interp(t_obs, t_grid, np.array(traj))
    prior = 0.01 * (p.zeta - 0.2) ** 2 + 0.01 * (p.omega0 - 2.0) ** 2
    return np.sum((pred - y_obs) ** 2) + prior


def oscillator_args(rng):
    theta = np.array([np.log(4.2), np.log(0.7)])
    t_obs = np.linspace(0.13, 2.9, 9)
    y_obs = np.exp(-0.3 * t_obs) * np.cos(2.0 * t_obs) + 0.01 * rng.standard_normal(9)
    return theta, t_obs, y_obs


# --------------------------------------------------------------------------------------
# 4. namedtuple state advanced with _replace in a simulation loop
# --------------------------------------------------------------------------------------

Body = namedtuple("Body", ["pos", "vel", "mass", "t"])


def gravity(pos, mass):
    r = np.sqrt(np.sum(pos ** 2))
    return -mass * pos / r ** 3


def orbit_loss(v0, pos0, target):
    state = Body(pos=pos0, vel=v0, mass=1.0, t=0.0)
    dt = 0.02
    for _ in range(80):
        acc = gravity(state.pos, state.mass)
        state = state._replace(vel=state.vel + dt * acc)
        state = state._replace(pos=state.pos + dt * state.vel, t=state.t + dt)
    miss = state.pos - target
    return np.sum(miss ** 2) + 0.1 * state.t * np.sum(state.vel ** 2)


def orbit_args(rng):
    return np.array([0.05, 1.1]), np.array([1.0, 0.0]), np.array([-0.2, 0.9])


# --------------------------------------------------------------------------------------
# 5. GP kernels composed with __add__ / __mul__ (RBF * Periodic + White)
# --------------------------------------------------------------------------------------

class Kernel:
    def __add__(self, other):
        return SumKernel(self, other)

    def __mul__(self, other):
        return ProductKernel(self, other)


class SumKernel(Kernel):
    def __init__(self, k1, k2):
        self.k1, self.k2 = k1, k2

    def __call__(self, X1, X2):
        return self.k1(X1, X2) + self.k2(X1, X2)


class ProductKernel(Kernel):
    def __init__(self, k1, k2):
        self.k1, self.k2 = k1, k2

    def __call__(self, X1, X2):
        return self.k1(X1, X2) * self.k2(X1, X2)


class RBF(Kernel):
    def __init__(self, lengthscale, variance=1.0):
        self.lengthscale = lengthscale
        self.variance = variance

    def __call__(self, X1, X2):
        d2 = (X1[:, None] - X2[None, :]) ** 2
        return self.variance * np.exp(-0.5 * d2 / self.lengthscale ** 2)


class Periodic(Kernel):
    def __init__(self, lengthscale, period):
        self.lengthscale = lengthscale
        self.period = period

    def __call__(self, X1, X2):
        d = np.abs(X1[:, None] - X2[None, :])
        return np.exp(-2.0 * np.sin(np.pi * d / self.period) ** 2 / self.lengthscale ** 2)


class Linear(Kernel):
    def __init__(self, variance):
        self.variance = variance

    def __call__(self, X1, X2):
        return self.variance * np.outer(X1, X2)


def gp_nlml(log_hyp, X, y):
    ell, var, p_ell, period, noise = np.exp(log_hyp)
    kernel = RBF(ell, var) * Periodic(p_ell, period) + Linear(0.01)
    K = kernel(X, X) + noise * np.eye(len(X))
    L = np.linalg.cholesky(K)
    alpha = scipy.linalg.cho_solve((L, True), y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(X) * np.log(2 * np.pi)


def gp_args(rng):
    X = np.sort(rng.uniform(0.0, 5.0, 12))
    y = np.sin(2 * np.pi * X / 1.3) * np.exp(-0.1 * X) + 0.1 * rng.standard_normal(12)
    log_hyp = np.log(np.array([2.0, 1.0, 0.9, 1.3, 0.05]))
    return log_hyp, X, y


# --------------------------------------------------------------------------------------
# 6. A Polynomial class with __add__ / __mul__ / __call__ / deriv
# --------------------------------------------------------------------------------------

class Polynomial:
    def __init__(self, coeffs):
        self.coeffs = np.asarray(coeffs, dtype=float)   # lowest degree first

    @property
    def degree(self):
        return len(self.coeffs) - 1

    def __add__(self, other):
        if not isinstance(other, Polynomial):
            other = Polynomial([other])
        n = max(len(self.coeffs), len(other.coeffs))
        a = np.zeros(n)
        a[:len(self.coeffs)] = self.coeffs
        b = np.zeros(n)
        b[:len(other.coeffs)] = other.coeffs
        return Polynomial(a + b)

    __radd__ = __add__

    def __mul__(self, other):
        if isinstance(other, Polynomial):
            return Polynomial(np.convolve(self.coeffs, other.coeffs))
        return Polynomial(self.coeffs * other)

    __rmul__ = __mul__

    def __call__(self, x):
        result = np.zeros_like(x)
        for c in self.coeffs[::-1]:      # Horner
            result = result * x + c
        return result

    def deriv(self):
        return Polynomial(self.coeffs[1:] * np.arange(1, len(self.coeffs)))


def polynomial_loss(a, b, x, y):
    p = Polynomial(a)
    q = Polynomial(b)
    r = p * q + 0.5 * p + 1.0
    fit = np.mean((r(x) - y) ** 2)
    slope = r.deriv()
    smooth = np.mean(slope.deriv()(x) ** 2)
    return fit + 1e-3 * smooth + 1e-2 * r.degree * np.sum(q.coeffs ** 2)


def polynomial_args(rng):
    x = np.linspace(-1.0, 1.0, 15)
    y = np.cos(2 * x) + 0.3 * x ** 3
    return 0.5 * rng.standard_normal(3), 0.5 * rng.standard_normal(3), x, y


# --------------------------------------------------------------------------------------
# 7. A list of Particle objects; step(dt) mutates self.x and self.v in place
# --------------------------------------------------------------------------------------

class Particle:
    def __init__(self, x, v, m):
        self.x = np.array(x, dtype=float)
        self.v = np.array(v, dtype=float)
        self.m = m

    def step(self, dt, force):
        self.v += dt * force / self.m
        self.x += dt * self.v

    @property
    def kinetic(self):
        return 0.5 * self.m * np.sum(self.v ** 2)


def softened_force(p, q, eps=0.1):
    d = q.x - p.x
    r2 = np.sum(d ** 2) + eps
    return p.m * q.m * d / r2 ** 1.5


def particles_loss(x0, v0, masses):
    particles = [Particle(x0[i], v0[i], masses[i]) for i in range(len(masses))]
    dt = 0.02
    for _ in range(15):
        forces = []
        for i, p in enumerate(particles):
            f = np.zeros(2)
            for j, q in enumerate(particles):
                if i != j:
                    f += softened_force(p, q)
            forces.append(f)
        for p, f in zip(particles, forces):
            p.step(dt, f)
    kinetic = sum(p.kinetic for p in particles)
    com = sum(p.m * p.x for p in particles) / np.sum(masses)
    return kinetic + np.sum(com ** 2)


def particles_args(rng):
    x0 = np.array([[0.0, 0.0], [1.0, 0.2], [-0.3, 0.9]])
    v0 = 0.2 * rng.standard_normal((3, 2))
    return x0, v0, np.array([1.0, 0.7, 1.3])


# --------------------------------------------------------------------------------------
# 8. A fluent builder that appends layers (closures) to a list
# --------------------------------------------------------------------------------------

class MLPBuilder:
    def __init__(self, params):
        self.params = params
        self.layers = []

    def dense(self, name):
        W = self.params[name + "_W"]
        b = self.params[name + "_b"]
        self.layers.append(lambda h: h @ W + b)
        return self

    def activation(self, fn):
        self.layers.append(fn)
        return self

    def dropout_free(self):
        return self

    def build(self):
        layers = list(self.layers)

        def forward(x):
            for f in layers:
                x = f(x)
            return x
        return forward


def builder_loss(params, X, labels):
    net = (MLPBuilder(params)
           .dense("l1").activation(np.tanh)
           .dense("l2").activation(lambda z: z / (1.0 + np.exp(-z)))
           .dense("out")
           .build())
    logits = net(X)
    log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def builder_args(rng):
    params = {"l1_W": 0.5 * rng.standard_normal((2, 4)), "l1_b": np.zeros(4),
              "l2_W": 0.5 * rng.standard_normal((4, 4)), "l2_b": 0.1 * np.ones(4),
              "out_W": 0.5 * rng.standard_normal((4, 3)), "out_b": np.zeros(3)}
    X = rng.standard_normal((10, 2))
    labels = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 1])
    return params, X, labels


# --------------------------------------------------------------------------------------
# 9. A Portfolio class with properties
# --------------------------------------------------------------------------------------

class Portfolio:
    def __init__(self, logits, mu, cov, risk_free=0.01):
        self.logits = logits
        self.mu = mu
        self.cov = cov
        self.risk_free = risk_free

    @property
    def weights(self):
        e = np.exp(self.logits - np.max(self.logits))
        return e / np.sum(e)

    @property
    def expected_return(self):
        return self.weights @ self.mu

    @property
    def volatility(self):
        w = self.weights
        return np.sqrt(w @ self.cov @ w)

    @property
    def sharpe(self):
        return (self.expected_return - self.risk_free) / self.volatility

    def turnover(self, previous):
        return np.sum(np.sqrt((self.weights - previous) ** 2 + 1e-6))


def portfolio_loss(logits, mu, cov, w_prev):
    pf = Portfolio(logits, mu, cov)
    return -pf.sharpe + 0.05 * pf.turnover(w_prev)


def portfolio_args(rng):
    n = 5
    A = rng.standard_normal((n, n))
    cov = 0.02 * (A @ A.T / n + np.eye(n))
    mu = np.array([0.05, 0.08, 0.03, 0.11, 0.06])
    return 0.3 * rng.standard_normal(n), mu, cov, np.full(n, 1.0 / n)


# --------------------------------------------------------------------------------------
# 10. A small optimizer object whose step updates self.params (unrolled, for
#     hyperparameter tuning by differentiating the validation loss)
# --------------------------------------------------------------------------------------

class Momentum:
    def __init__(self, params, lr=0.1, beta=0.9):
        self.params = {k: v.copy() for k, v in params.items()}
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()}
        self.lr = lr
        self.beta = beta
        self.n_steps = 0

    def step(self, grads):
        for k in self.params:
            self.velocity[k] = self.beta * self.velocity[k] + grads[k]
            self.params[k] -= self.lr * self.velocity[k]
        self.n_steps += 1


def ridge_grads(params, X, y, lam):
    r = X @ params["w"] + params["b"] - y
    return {"w": X.T @ r / len(y) + lam * params["w"], "b": np.mean(r)}


def unrolled_loss(log_lam, X, y, X_val, y_val):
    opt = Momentum({"w": np.zeros(X.shape[1]), "b": np.array(0.0)}, lr=0.05, beta=0.8)
    lam = np.exp(log_lam)
    for _ in range(20):
        opt.step(ridge_grads(opt.params, X, y, lam))
    pred = X_val @ opt.params["w"] + opt.params["b"]
    return np.mean((pred - y_val) ** 2)


def unrolled_args(rng):
    X = rng.standard_normal((10, 3))
    w_true = np.array([1.0, -0.5, 0.3])
    y = X @ w_true + 0.2 + 0.3 * rng.standard_normal(10)
    X_val = rng.standard_normal((6, 3))
    y_val = X_val @ w_true + 0.2
    return -1.0, X, y, X_val, y_val


# --------------------------------------------------------------------------------------
# 11. Strategy pattern: functions stored in module dicts and in attributes
# --------------------------------------------------------------------------------------

def _softplus(z):
    return np.logaddexp(0.0, z)


ACTIVATIONS = {
    "tanh": np.tanh,
    "softplus": _softplus,
    "swish": lambda z: z / (1.0 + np.exp(-z)),
}

LOSSES = {
    "mse": lambda pred, y: np.mean((pred - y) ** 2),
    "logcosh": lambda pred, y: np.mean(np.log(np.cosh(pred - y))),
}


class Regressor:
    def __init__(self, W, activation="tanh", loss="mse", readout=None):
        self.W = W
        self.act = ACTIVATIONS[activation]
        self.loss_fn = LOSSES[loss]
        self.readout = readout if readout is not None else np.sum

    def predict(self, X):
        return self.readout(self.act(X @ self.W), axis=1)

    def score(self, X, y):
        return self.loss_fn(self.predict(X), y)


def strategy_loss(W, X, y):
    total = 0.0
    for act, loss in [("tanh", "mse"), ("softplus", "logcosh"), ("swish", "mse")]:
        model = Regressor(W, activation=act, loss=loss)
        total = total + model.score(X, y)
    averaged = Regressor(W, activation="swish", loss="logcosh", readout=np.mean)
    return total + averaged.score(X, y)


def strategy_args(rng):
    X = rng.standard_normal((8, 3))
    return 0.5 * rng.standard_normal((3, 4)), X, np.tanh(X[:, 0]) - 0.5 * X[:, 2]


# --------------------------------------------------------------------------------------
# 12. functools.partial and functools.reduce
# --------------------------------------------------------------------------------------

def pseudo_huber(r, delta):
    return delta ** 2 * (np.sqrt(1.0 + (r / delta) ** 2) - 1.0)


def exp_decay(t, amplitude, rate, offset):
    return amplitude * np.exp(-rate * t) + offset


def robust_fit(theta, t, y):
    penalty = functools.partial(pseudo_huber, delta=0.3)
    model = functools.partial(exp_decay, amplitude=theta[0], rate=theta[1])
    pred = model(t, offset=theta[2])
    terms = [penalty(pred - y), 0.01 * theta ** 2]
    return functools.reduce(operator.add, [np.sum(v) for v in terms])


def robust_args(rng):
    t = np.linspace(0.0, 3.0, 14)
    y = 2.0 * np.exp(-0.8 * t) + 0.1 + 0.05 * rng.standard_normal(14)
    y[4] += 1.5   # an outlier
    return np.array([1.5, 0.5, 0.0]), t, y


# --------------------------------------------------------------------------------------
# 13. Closures returning lists of functions (a Fourier basis factory)
# --------------------------------------------------------------------------------------

def make_fourier_basis(n_harmonics, period):
    basis = [lambda t: np.ones_like(t)]
    for k in range(1, n_harmonics + 1):
        basis.append(lambda t, k=k: np.cos(2 * np.pi * k * t / period))
        basis.append(lambda t, k=k: np.sin(2 * np.pi * k * t / period))
    return basis


def make_weighted(functions, weights):
    return [lambda t, f=f, w=w: w * f(t) for f, w in zip(functions, weights)]


def basis_loss(coef, t, y):
    basis = make_fourier_basis(3, 2.0)
    design = np.column_stack([phi(t) for phi in basis])
    pred = design @ coef
    damped = make_weighted(basis, 1.0 / (1.0 + np.arange(len(basis))))
    rough = sum(np.mean(g(t) * c) ** 2 for g, c in zip(damped, coef))
    return np.mean((pred - y) ** 2) + 1e-2 * rough


def basis_args(rng):
    t = np.linspace(0.0, 2.0, 20, endpoint=False)
    y = 0.5 + np.sin(np.pi * t) - 0.3 * np.cos(3 * np.pi * t) + 0.05 * rng.standard_normal(20)
    return 0.2 * rng.standard_normal(7), t, y


# --------------------------------------------------------------------------------------
# 14. An abstract base class with subclasses overriding log_prob
# --------------------------------------------------------------------------------------

class Distribution(ABC):
    @abstractmethod
    def log_prob(self, x):
        ...

    def nll(self, data):
        return -np.sum(self.log_prob(data))


class Normal(Distribution):
    def __init__(self, loc, scale):
        self.loc = loc
        self.scale = scale

    def log_prob(self, x):
        z = (x - self.loc) / self.scale
        return -0.5 * z ** 2 - np.log(self.scale) - 0.5 * np.log(2 * np.pi)


class StudentT(Distribution):
    def __init__(self, loc, scale, nu):
        self.loc = loc
        self.scale = scale
        self.nu = nu

    def log_prob(self, x):
        z = (x - self.loc) / self.scale
        nu = self.nu
        return (gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
                - np.log(self.scale) - (nu + 1) / 2 * np.log1p(z ** 2 / nu))


class Mixture(Distribution):
    def __init__(self, components, weights):
        self.components = components
        self.weights = weights

    def log_prob(self, x):
        parts = np.stack([np.log(w) + c.log_prob(x)
                          for c, w in zip(self.components, self.weights)])
        return logsumexp(parts, axis=0)


def mixture_loss(theta, data):
    logits = np.array([0.0, theta[4]])
    weights = np.exp(logits) / np.sum(np.exp(logits))
    components = [Normal(theta[0], np.exp(theta[1])),
                  StudentT(theta[2], np.exp(theta[3]), nu=4.0)]
    model = Mixture(components, weights)
    return model.nll(data) / len(data)


def mixture_args(rng):
    data = np.concatenate([rng.normal(-1.0, 0.5, 10), 2.0 + 0.8 * rng.standard_t(4, 10)])
    return np.array([-0.8, np.log(0.6), 1.7, np.log(0.9), 0.2]), data


# --------------------------------------------------------------------------------------
# 15. @staticmethod and @classmethod constructors: a planar arm's forward kinematics
# --------------------------------------------------------------------------------------

class Rotation2D:
    def __init__(self, matrix):
        self.matrix = matrix

    @classmethod
    def from_angle(cls, theta):
        c, s = np.cos(theta), np.sin(theta)
        return cls(np.array([[c, -s], [s, c]]))

    @classmethod
    def identity(cls):
        return cls(np.eye(2))

    @staticmethod
    def wrap(angle):
        return np.arctan2(np.sin(angle), np.cos(angle))

    def __matmul__(self, other):
        if isinstance(other, Rotation2D):
            return Rotation2D(self.matrix @ other.matrix)
        return self.matrix @ other

    @property
    def angle(self):
        return np.arctan2(self.matrix[1, 0], self.matrix[0, 0])


def arm_loss(joint_angles, link_lengths, target):
    R = Rotation2D.identity()
    tip = np.zeros(2)
    elbows = []
    for theta, length in zip(joint_angles, link_lengths):
        R = R @ Rotation2D.from_angle(theta)
        tip = tip + R @ np.array([length, 0.0])
        elbows.append(tip)
    heading_error = Rotation2D.wrap(R.angle - 0.3)
    clearance = sum(np.exp(-np.sum(e ** 2)) for e in elbows[:-1])
    return np.sum((tip - target) ** 2) + 0.1 * heading_error ** 2 + 0.05 * clearance


def arm_args(rng):
    return np.array([0.4, 0.3, -0.2, 0.5]), np.array([1.0, 0.8, 0.6, 0.4]), np.array([1.2, 1.5])


# --------------------------------------------------------------------------------------
# 16. Properties computing derived quantities: a series RLC filter fitted to a response
# --------------------------------------------------------------------------------------

class SeriesRLC:
    def __init__(self, R, L, C):
        self.R = R
        self.L = L
        self.C = C

    @classmethod
    def from_log(cls, log_values):
        R, L, C = np.exp(log_values)
        return cls(R, L, C)

    @property
    def omega0(self):
        return 1.0 / np.sqrt(self.L * self.C)

    @property
    def quality(self):
        return np.sqrt(self.L / self.C) / self.R

    @property
    def bandwidth(self):
        return self.omega0 / self.quality

    def impedance(self, omega):
        return self.R + 1j * omega * self.L + 1.0 / (1j * omega * self.C)

    def gain(self, omega):
        # voltage across the resistor: a band-pass response
        return np.abs(self.R / self.impedance(omega))


def rlc_loss(log_values, omega, measured_db):
    circuit = SeriesRLC.from_log(log_values)
    model_db = 20.0 * np.log10(circuit.gain(omega))
    fit = np.mean((model_db - measured_db) ** 2)
    return fit + 0.1 * (circuit.bandwidth - 0.5) ** 2


def rlc_args(rng):
    omega = np.logspace(-0.5, 0.7, 16)
    true = SeriesRLC(0.8, 1.2, 0.6)
    measured = 20.0 * np.log10(true.gain(omega)) + 0.1 * rng.standard_normal(16)
    return np.log(np.array([1.0, 1.0, 0.5])), omega, measured


# --------------------------------------------------------------------------------------
# 17. A 2-D vector class with operator overloading in a spring-chain simulation
# --------------------------------------------------------------------------------------

class Vec2:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vec2(self.x + other.x, self.y + other.y)

    def __sub__(self, other):
        return Vec2(self.x - other.x, self.y - other.y)

    def __mul__(self, s):
        return Vec2(self.x * s, self.y * s)

    __rmul__ = __mul__

    def __truediv__(self, s):
        return Vec2(self.x / s, self.y / s)

    def __neg__(self):
        return Vec2(-self.x, -self.y)

    def dot(self, other):
        return self.x * other.x + self.y * other.y

    @property
    def norm(self):
        return np.sqrt(self.dot(self))


GRAVITY = Vec2(0.0, -9.81)


def spring_chain_loss(stiffness, rest, damping):
    n = len(stiffness)
    pos = [Vec2(float(i), 0.0) for i in range(n + 1)]
    vel = [Vec2(0.0, 0.0) for _ in range(n + 1)]
    dt = 0.01
    for _ in range(40):
        forces = [GRAVITY for _ in range(n + 1)]
        for i in range(n):
            d = pos[i + 1] - pos[i]
            length = d.norm
            f = stiffness[i] * (length - rest[i]) * d / length
            forces[i] = forces[i] + f
            forces[i + 1] = forces[i + 1] - f
        for i in range(1, n + 1):        # node 0 is pinned
            vel[i] = vel[i] + dt * (forces[i] - damping * vel[i])
            pos[i] = pos[i] + dt * vel[i]
    tip = pos[-1]
    return (tip.x - 2.5) ** 2 + (tip.y + 1.0) ** 2


def spring_chain_args(rng):
    return np.array([50.0, 40.0, 60.0]), np.array([0.9, 1.1, 1.0]), 0.5


# --------------------------------------------------------------------------------------
# 18. An iterable mini-batch loader (__iter__ / __len__) feeding a model object
# --------------------------------------------------------------------------------------

class Batches:
    def __init__(self, X, y, batch_size):
        self.X = X
        self.y = y
        self.batch_size = batch_size

    def __len__(self):
        return (len(self.y) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        for start in range(0, len(self.y), self.batch_size):
            stop = start + self.batch_size
            yield self.X[start:stop], self.y[start:stop]


class LogisticModel:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def log_likelihood(self, X, y):
        z = X @ self.w + self.b
        return np.sum(y * z - np.logaddexp(0.0, z))


def batched_loss(w, b, X, y):
    model = LogisticModel(w, b)
    loader = Batches(X, y, batch_size=4)
    total = 0.0
    for xb, yb in loader:
        total += -model.log_likelihood(xb, yb)
    return total / len(loader) + 0.01 * np.sum(w ** 2)


def batched_args(rng):
    X = rng.standard_normal((14, 3))
    y = (X[:, 0] - 0.5 * X[:, 1] + 0.3 * rng.standard_normal(14) > 0).astype(float)
    return 0.3 * rng.standard_normal(3), 0.1, X, y


# --------------------------------------------------------------------------------------
# 19. A namedtuple subclass with methods; a leapfrog integrator with a staticmethod
# --------------------------------------------------------------------------------------

class PhaseState(namedtuple("PhaseStateBase", ["q", "p"])):
    __slots__ = ()

    def kinetic(self, mass):
        return 0.5 * np.sum(self.p ** 2) / mass

    def potential(self, k):
        return 0.5 * k * np.sum(self.q ** 2) + 0.25 * np.sum(self.q ** 4)

    def energy(self, mass, k):
        return self.kinetic(mass) + self.potential(k)


class Leapfrog:
    def __init__(self, mass, k, dt):
        self.mass = mass
        self.k = k
        self.dt = dt

    @staticmethod
    def force(q, k):
        return -k * q - q ** 3

    def step(self, s):
        p_half = s.p + 0.5 * self.dt * self.force(s.q, self.k)
        q_new = s.q + self.dt * p_half / self.mass
        p_new = p_half + 0.5 * self.dt * self.force(q_new, self.k)
        return PhaseState(q_new, p_new)


def hamiltonian_loss(q0, p0, k):
    integrator = Leapfrog(mass=1.5, k=k, dt=0.05)
    state = PhaseState(q0, p0)
    e0 = state.energy(integrator.mass, integrator.k)
    for _ in range(40):
        state = integrator.step(state)
    drift = state.energy(integrator.mass, integrator.k) - e0
    return np.sum(state.q * np.array([1.0, -0.5, 0.25])) + 100.0 * drift ** 2


def hamiltonian_args(rng):
    return np.array([0.3, -0.2, 0.5]), np.array([0.1, 0.4, -0.3]), 2.0


# --------------------------------------------------------------------------------------
# 20. A dataclass with __post_init__ computing derived fields (linear elasticity)
# --------------------------------------------------------------------------------------

@dataclass
class Material:
    youngs: float
    poisson: float

    def __post_init__(self):
        E, nu = self.youngs, self.poisson
        self.lame = E * nu / ((1 + nu) * (1 - 2 * nu))
        self.shear = E / (2 * (1 + nu))

    @property
    def bulk(self):
        return self.lame + 2.0 * self.shear / 3.0

    def stress(self, strain):
        return self.lame * np.trace(strain) * np.eye(3) + 2.0 * self.shear * strain


def elastic_energy(E_log, nu, strains, measured_stress):
    mat = Material(youngs=np.exp(E_log), poisson=nu)
    total = 0.0
    for i in range(len(strains)):
        eps = 0.5 * (strains[i] + strains[i].T)
        sigma = mat.stress(eps)
        total += np.sum((sigma - measured_stress[i]) ** 2)
    return total / len(strains) + 1e-3 * mat.bulk


def elastic_args(rng):
    strains = 0.01 * rng.standard_normal((4, 3, 3))
    true = Material(2.0, 0.3)
    stress = np.array([true.stress(0.5 * (s + s.T)) for s in strains])
    stress = stress + 1e-3 * rng.standard_normal(stress.shape)
    return np.log(1.6), 0.27, strains, stress


# --------------------------------------------------------------------------------------
# 21. A Vec3 class with operator overloading: a spinning ball with drag and Magnus lift
# --------------------------------------------------------------------------------------

class Vec3:
    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    @classmethod
    def from_array(cls, a):
        return cls(a[0], a[1], a[2])

    def __add__(self, o):
        return Vec3(self.x + o.x, self.y + o.y, self.z + o.z)

    def __sub__(self, o):
        return Vec3(self.x - o.x, self.y - o.y, self.z - o.z)

    def __mul__(self, s):
        return Vec3(self.x * s, self.y * s, self.z * s)

    def __rmul__(self, s):
        return self * s

    def cross(self, o):
        return Vec3(self.y * o.z - self.z * o.y,
                    self.z * o.x - self.x * o.z,
                    self.x * o.y - self.y * o.x)

    def norm(self):
        return np.sqrt(self.x ** 2 + self.y ** 2 + self.z ** 2)


def ball_flight_loss(v0, spin, target):
    pos = Vec3(0.0, 0.0, 1.0)
    vel = Vec3.from_array(v0)
    omega = Vec3.from_array(spin)
    g = Vec3(0.0, 0.0, -9.81)
    drag, lift, dt = 0.02, 0.005, 0.01
    for _ in range(60):
        speed = vel.norm()
        acc = g - drag * speed * vel + lift * omega.cross(vel)
        vel = vel + dt * acc
        pos = pos + dt * vel
    miss = pos - Vec3.from_array(target)
    return miss.norm() ** 2


def ball_flight_args(rng):
    return np.array([8.0, 1.0, 4.0]), np.array([0.0, 20.0, 5.0]), np.array([4.5, 0.4, 2.0])


# --------------------------------------------------------------------------------------
# 22. Class attributes and a property with a setter: a battery model fitted to voltage
# --------------------------------------------------------------------------------------

class Battery:
    capacity_ah = 2.5
    v_min, v_max = 3.0, 4.2

    def __init__(self, r_internal, ocv_slope, soc=1.0):
        self.r_internal = r_internal
        self.ocv_slope = ocv_slope
        self._soc = soc

    @property
    def soc(self):
        return self._soc

    @soc.setter
    def soc(self, value):
        self._soc = np.clip(value, 0.0, 1.0)

    def open_circuit(self):
        return self.v_min + (self.v_max - self.v_min) * self.soc ** self.ocv_slope

    def discharge(self, current, dt_h):
        self.soc = self.soc - current * dt_h / self.capacity_ah
        return self.open_circuit() - current * self.r_internal


def battery_loss(theta, currents, measured):
    cell = Battery(r_internal=np.exp(theta[0]), ocv_slope=np.exp(theta[1]))
    voltages = []
    for current in currents:
        voltages.append(cell.discharge(current, 0.1))
    return np.mean((np.array(voltages) - measured) ** 2)


def battery_args(rng):
    currents = 1.0 + 0.5 * np.sin(np.arange(12) / 2.0)
    ref = Battery(0.08, 0.7)
    measured = np.array([ref.discharge(c, 0.1) for c in currents])
    noise = 0.005 * rng.standard_normal(12)
    return np.array([np.log(0.1), np.log(0.5)]), currents, measured + noise


# --------------------------------------------------------------------------------------
# 23. A property with a unit-converting setter: an ideal gas set up in Celsius
# --------------------------------------------------------------------------------------

class IdealGas:
    R = 8.314

    def __init__(self, moles, volume):
        self.moles = moles
        self.volume = volume
        self._kelvin = 293.15

    @property
    def celsius(self):
        return self._kelvin - 273.15

    @celsius.setter
    def celsius(self, value):
        self._kelvin = value + 273.15

    @property
    def pressure(self):
        return self.moles * self.R * self._kelvin / self.volume


def gas_loss(t_celsius, moles, volume, p_target):
    gas = IdealGas(moles, volume)
    gas.celsius = t_celsius
    return (gas.pressure / p_target - 1.0) ** 2


def gas_args(rng):
    return 35.0, 0.9, 0.02, 1.2e5


PROGRAMS = [
    Program("mlp_layers", mlp_loss, mlp_args),
    Program("residual_layernorm", residual_loss, residual_args, wrt=(0, 1)),
    Program("dataclass_oscillator", oscillator_fit, oscillator_args, second_order=True),
    Program("namedtuple_orbit", orbit_loss, orbit_args, wrt=(0, 1), second_order=True),
    Program("gp_kernel_algebra", gp_nlml, gp_args, second_order=True, rtol=1e-4),
    Program("polynomial_class", polynomial_loss, polynomial_args, wrt=(0, 1),
            second_order=True),
    Program("particle_objects", particles_loss, particles_args, wrt=(0, 1)),
    Program("layer_builder", builder_loss, builder_args,
            refused="a lambda appended to a list held by an object"),
    Program("portfolio_properties", portfolio_loss, portfolio_args, wrt=(0, 1),
            second_order=True),
    Program("optimizer_object", unrolled_loss, unrolled_args, wrt=(0, 1)),
    Program("strategy_dicts", strategy_loss, strategy_args),
    Program("functools_partial", robust_fit, robust_args,
            refused="functools.reduce over a run-time list (partial itself works)"),
    Program("closure_basis_list", basis_loss, basis_args, second_order=True,
            refused="lambdas appended to a list in a loop"),
    Program("abc_mixture", mixture_loss, mixture_args, second_order=True),
    Program("classmethod_arm", arm_loss, arm_args, wrt=(0, 1), second_order=True),
    Program("rlc_properties", rlc_loss, rlc_args),
    Program("vec2_spring_chain", spring_chain_loss, spring_chain_args, wrt=(0, 1, 2),
            refused="lists of Vec2 objects read and replaced at run-time positions in a loop"),
    Program("batch_loader", batched_loss, batched_args, wrt=(0, 1),
            refused="iterates over an object with a generator __iter__"),
    Program("namedtuple_subclass_leapfrog", hamiltonian_loss, hamiltonian_args,
            wrt=(0, 1, 2), second_order=True),
    Program("dataclass_post_init", elastic_energy, elastic_args, wrt=(0, 1)),
    Program("vec3_ball_flight", ball_flight_loss, ball_flight_args, wrt=(0, 1)),
    Program("battery_property_setter", battery_loss, battery_args),
    Program("gas_property_setter", gas_loss, gas_args, wrt=(0, 1)),
]
