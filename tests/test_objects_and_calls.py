"""Objects as values and calls through variables (srcad/lower/objects.py, calls.py,
containers.py, iteration.py): operators and protocols of user classes, property setters,
namedtuple and dataclass updates, functions taken from containers, functools.partial,
tuple(), zip() of a container and a run-time sequence. Each against finite differences,
or a located refusal where Python would raise or srcad cannot follow."""

from __future__ import annotations

import dataclasses
import functools
from collections import namedtuple

import numpy as np
import pytest
from gradcheck import check_grad

import srcad

RNG = np.random.default_rng(11)


class Kernel:
    def __add__(self, other):
        return Sum(self, other)

    def __mul__(self, other):
        return Prod(self, other)


class RBF(Kernel):
    def __init__(self, ls):
        self.ls = ls

    def __call__(self, a, b):
        return np.exp(-0.5 * (a[:, None] - b[None, :]) ** 2 / self.ls ** 2)


class Periodic(Kernel):
    def __init__(self, p):
        self.p = p

    def __call__(self, a, b):
        return np.exp(-2.0 * np.sin(np.pi * np.abs(a[:, None] - b[None, :]) / self.p) ** 2)


class Sum(Kernel):
    def __init__(self, k1, k2):
        self.k1, self.k2 = k1, k2

    def __call__(self, a, b):
        return self.k1(a, b) + self.k2(a, b)


class Prod(Kernel):
    def __init__(self, k1, k2):
        self.k1, self.k2 = k1, k2

    def __call__(self, a, b):
        return self.k1(a, b) * self.k2(a, b)


def kernel_algebra(ls, x, w):
    k = RBF(ls) + RBF(2.0 * ls) * Periodic(1.5)
    return np.sum(w * k(x, x))


class Poly:
    def __init__(self, c):
        self.c = c

    def __mul__(self, other):
        if isinstance(other, Poly):
            return Poly(np.convolve(self.c, other.c))
        return Poly(self.c * other)

    __rmul__ = __mul__

    def __neg__(self):
        return Poly(-self.c)

    def __len__(self):
        return len(self.c)

    def __getitem__(self, i):
        return self.c[i]


def polynomial_objects(c):
    p = Poly(c) * Poly(c) * 2.0
    q = -(3.0 * Poly(c))
    return np.sum(p.c ** 2) + q[1] * len(p)


class Celsius:
    def __init__(self, kelvin):
        self._kelvin = kelvin

    @property
    def celsius(self):
        return self._kelvin - 273.15

    @celsius.setter
    def celsius(self, value):
        self._kelvin = value + 273.15


def property_setter(x):
    t = Celsius(300.0)
    t.celsius = 2.0 * x
    return t._kelvin * x


class Pairs:
    def __init__(self, a):
        self.a = a

    def __iter__(self):
        yield self.a


def iterates_over_object(x):
    total = 0.0
    p = Pairs(x)
    for v in p:
        total = total + v
    return total


class Plain:
    def __init__(self, a):
        self.a = a


def len_of_plain_object(x):
    return len(Plain(x)) * x


State = namedtuple("State", ["x", "v"])


def namedtuple_replace(x0, v0):
    s = State(x0, v0)
    for _ in range(3):
        s = s._replace(x=s.x + 0.1 * s.v, v=s.v - 0.1 * s.x)
    return np.sum(s.x ** 2) + np.sum(s._asdict()["v"])


def namedtuple_field_set(x):
    s = State(x, x)
    s.x = 2.0 * x
    return s.x


@dataclasses.dataclass
class Config:
    scale: float
    shift: float = 0.0


def dataclass_replace(x):
    c = Config(2.0 * x)
    d = dataclasses.replace(c, shift=x * x)
    return d.scale * d.shift


@dataclasses.dataclass(frozen=True)
class Frozen:
    a: float


def frozen_set(x):
    f = Frozen(x)
    f.a = 2.0
    return f.a


def booth(x):
    return (x[0] + 2 * x[1] - 7) ** 2


def beale(x):
    return (1.5 - x[0] + x[0] * x[1]) ** 2


PROBLEMS = {"booth": booth, "beale": beale}
CONSTRAINTS = [
    {"type": "eq", "fun": lambda x: x[0] + x[1] - 1.0},
    {"type": "ineq", "fun": lambda x: 1.0 - x[0] ** 2},
]


def functions_from_containers(x, names=("booth", "beale")):
    total = 0.0
    for name in names:
        f = PROBLEMS[name]
        total = total + f(x)
    for con in CONSTRAINTS:
        value = con["fun"](x)
        total = total + (value ** 2 if con["type"] == "eq" else min(value, 0.0) ** 2)
    return total


def scaled_residual(r, delta, power=2.0):
    return delta * np.abs(r) ** power


def partial_calls(x):
    huber = functools.partial(scaled_residual, delta=0.5)
    cube = functools.partial(scaled_residual, power=3.0)
    return np.sum(huber(x)) + np.sum(cube(x, 2.0))


def rk4_step(s, h):
    k1 = (s[1], -s[0])
    mid = tuple(a + 0.5 * h * k for a, k in zip(s, k1))
    k2 = (mid[1], -mid[0])
    return tuple(a + h * k for a, k in zip(s, k2))


def tuple_of_generator(theta, omega):
    s = (theta, omega)
    for _ in range(4):
        s = rk4_step(s, 0.1)
    return s[0] ** 2 + s[1]


Band = namedtuple("Band", ["lo", "hi"])


def zip_container_and_array(t, measured):
    total = 0.0
    bands = [Band(0.1, 0.3), Band(0.3, 0.6), Band(0.6, 1.0)]
    for band, m in zip(bands, measured):
        total = total + (t * (band.hi - band.lo) - m) ** 2
    return total


def list_of_namedtuples_by_index(y, bonds):
    total = 0.0
    for i in range(len(bonds)):
        total += bonds[i].hi * bonds[i].lo / (1.0 + y[i])
    return total


GRADIENT_CASES = [
    (kernel_algebra, (0.8, RNG.normal(size=4), RNG.normal(size=(4, 4))), (0,)),
    (polynomial_objects, (RNG.normal(size=3),), (0,)),
    (property_setter, (1.5,), (0,)),
    (namedtuple_replace, (RNG.normal(size=2), RNG.normal(size=2)), (0, 1)),
    (dataclass_replace, (0.7,), (0,)),
    (functions_from_containers, (np.array([0.7, -0.4]),), (0,)),
    (partial_calls, (RNG.normal(size=3),), (0,)),
    (tuple_of_generator, (0.3, -0.2), (0, 1)),
    (zip_container_and_array, (1.3, RNG.normal(size=3)), (0, 1)),
    (list_of_namedtuples_by_index, (np.array([0.02, 0.04]), [Band(0.03, 100.0),
                                                             Band(0.05, 100.0)]), (0,)),
]


@pytest.mark.parametrize("f,args,wrt", GRADIENT_CASES, ids=[c[0].__name__ for c in GRADIENT_CASES])
def test_gradients(f, args, wrt):
    check_grad(f, *args, wrt=wrt)


def test_property_setter_value_is_the_setters():
    value, grad = srcad.value_and_grad(property_setter)(1.5)
    assert value == pytest.approx(property_setter(1.5)) and grad == pytest.approx(279.15)


@pytest.mark.parametrize("f,message", [
    (iterates_over_object, "runs its __iter__"),
    (len_of_plain_object, "has no len"),
    (namedtuple_field_set, "read-only"),
    (frozen_set, "frozen dataclass"),
], ids=lambda v: getattr(v, "__name__", str(v)[:12]))
def test_what_python_would_not_do_is_refused(f, message):
    with pytest.raises(srcad.SrcadError, match=message) as info:
        srcad.grad(f)(0.7)
    assert info.value.lineno is not None


def test_a_shorter_sequence_zipped_with_a_container_is_refused_when_the_code_runs():
    with pytest.raises(ValueError, match="zip"):
        srcad.grad(zip_container_and_array)(1.3, np.ones(2))
