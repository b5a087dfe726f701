"""How each rule treats complex values (the convention is in docs/complex.md).

A rule listed here has been checked on complex inputs by the registry's complex sweep
(tests/rules/test_complex_sweep.py): "linear" rules are real-coefficient linear maps
whose templates hold unchanged, "holomorphic" rules are complex-analytic functions whose
real templates the reverse transform conjugates around, and "native" rules have
templates written for the convention. Every other rule refuses complex values.
"""

import builtins
import operator
from typing import Any

import numpy as np

from srcad import runtime
from srcad.rules import (  # noqa: F401  (the rules declared below; np.conjugate's shared)
    numpy_elementwise,
    numpy_linalg,
    numpy_reductions,
    scipy_special,
)
from srcad.rules.registry import (
    Attribute,
    Example,
    Method,
    Rand,
    adjoint,
    complex_adjoint,
    complex_tangent,
    complex_values,
    derivative,
    nondifferentiable,
    register_when_imported,
    share_rules,
    tangent,
)
from srcad.runtime import elementwise as elementwise_rt
from srcad.runtime import linalg as linalg_rt
from srcad.runtime import products as products_rt
from srcad.runtime import python as pyrt
from srcad.runtime import reductions
from srcad.runtime.complex import (
    abs_tangent,
    norm_direction,
    real_if_close_tangent,
    unit,
    unit_projection,
)
from srcad.runtime.lazy_modules import HAVE_SCIPY
from srcad.runtime.lazy_modules import scipy_special as lazy_special
from srcad.runtime.linalg_complex import norm_adjoint_complex, norm_tangent_complex
from srcad.runtime.linalg_norms import norm_order_adjoint, norm_order_tangent
from srcad.runtime.reductions import deviation

sp: Any = lazy_special  # (imported on first use; SciPy is optional)

# ----------------------------------------------------------------------------- linear
complex_values(
    operator.add, operator.sub, operator.neg, operator.pos, operator.getitem,
    np.add, np.subtract, np.negative, np.positive,
    np.sum, Method("sum"), np.mean, Method("mean"), np.cumsum, Method("cumsum"),
    np.reshape, Method("reshape"), np.ravel, Method("ravel"), Method("flatten"),
    np.transpose, Method("transpose"), Attribute("T"), np.swapaxes, Method("swapaxes"),
    np.moveaxis, np.squeeze, Method("squeeze"), np.expand_dims,
    np.concatenate, np.stack, np.hstack, np.vstack, np.dstack, np.column_stack,
    np.split, np.array_split, np.flip, np.fliplr, np.flipud, np.roll, np.tile, np.repeat,
    Method("repeat"), np.diag, np.diagonal, np.trace, Method("trace"), np.tril, np.triu,
    np.broadcast_to, np.atleast_1d, np.atleast_2d, np.atleast_3d, np.copy, Method("copy"),
    np.asarray, np.array, Method("astype"), np.take_along_axis, np.where,
    runtime.setitem, runtime.as_sequence, runtime.identity, runtime.grad_hook,
    runtime.unbroadcast, runtime.unreduce, runtime.index_adjoint, runtime.broadcast_like,
    runtime.add_adjoints, runtime.add_items, runtime.add_at, runtime.transpose_adjoint,
    reductions.cumsum_adjoint,
    pyrt.list_append, pyrt.list_extend, pyrt.as_list, pyrt.as_tuple, pyrt.list_insert,
    pyrt.list_delete,
    pyrt.list_setitem, pyrt.repeat_items, pyrt.reversed_items, pyrt.sum_items,
    pyrt.append_adjoint_head, pyrt.append_adjoint_last, pyrt.spread_adjoint,
    pyrt.reverse_adjoint,
    how="linear")

# ----------------------------------------------------------------------------- holomorphic
complex_values(
    operator.mul, operator.truediv, operator.pow, operator.matmul,
    np.multiply, np.divide, np.power, np.matmul, np.dot, Method("dot"),
    np.exp, np.log, np.sqrt, np.sin, np.cos, np.tan, np.sinh, np.cosh, np.tanh,
    np.square, np.reciprocal, np.expm1, np.log1p, np.exp2, np.log2, np.log10,
    np.einsum, np.tensordot, np.inner, np.outer, np.kron, np.prod, Method("prod"),
    np.linalg.inv, np.linalg.solve, np.linalg.det, np.linalg.matrix_power,
    # principal branches; arccosh's template is 1 / (sqrt(z - 1) * sqrt(z + 1))
    np.arcsinh, np.arccosh, np.arctanh,
    runtime.matmul_adjoint_left, runtime.matmul_adjoint_right,
    runtime.dot_adjoint_left, runtime.dot_adjoint_right,
    how="holomorphic")

# Helpers the adjoint templates of np.trace, np.linalg.inv / solve and np.prod call: the
# second derivative (srcad.hvp / hessian of a complex np.trace, inv, prod) goes through
# them. trace_adjoint and transposed are real-coefficient linear maps; the product of
# the other entries is complex-analytic.
complex_values(products_rt.trace_adjoint, linalg_rt.transposed, how="linear")
complex_values(reductions.prod_of_others, how="holomorphic")
def _complex_special() -> None:  # d erf = 2 / sqrt(pi) exp(-z**2) dz, analytic like erfc
    complex_values(sp.erf, sp.erfc, how="holomorphic")


if HAVE_SCIPY:
    register_when_imported("scipy.special", _complex_special)

# max / min: NumPy orders complex numbers lexicographically (real part, then imaginary
# part); the derivative is the selected element's (ties: exactly equal complex values
# share it evenly), a selection with real weights.
complex_values(np.max, np.amax, Method("max"), np.min, np.amin, Method("min"), how="linear")
# (a - mean(a)) / (n - ddof): a real-coefficient linear map (var's and std's adjoints).
complex_values(deviation, how="linear")
# The terms of the derivatives of x**y (numpy_elementwise.py) are complex-analytic.
complex_values(elementwise_rt.power_slope, elementwise_rt.power_log, elementwise_rt.power_term,
               how="holomorphic")

# ----------------------------------------------------------------------------- native
# conj is its own adjoint under the convention: dz = conj(dw).
complex_values(np.conjugate, how="native")


share_rules(np.conjugate, Method("conj"), Method("conjugate"),
            examples=[Example((Rand((3,)),))])
complex_values(Method("conj"), Method("conjugate"), how="native")


# |z|: dz = dw * z / |z|; its tangent is the part of dz along z.
for _abs in (np.absolute, builtins.abs):
    @complex_adjoint(_abs)
    def _(y, x):
        dx = dy * unit(x)

    @complex_tangent(_abs)
    def _(y, x):
        dy = abs_tangent(dx, x)

    complex_values(_abs, how="native", output="real")


# unit(z) = z / |z| (0 at 0), the direction in abs's adjoint.
@adjoint(unit, kind="first", examples=[Example((Rand((3,), 0.2, 1.5),))])
def _(u, z):
    dz = unit_projection(du, z)


@tangent(unit)
def _(u, z):
    du = unit_projection(dz, z)


complex_values(unit, how="native")


# The real and imaginary parts: Re(z) has adjoint dw, Im(z) has adjoint 1j * dw.
@adjoint(np.real, linear=True, kind="first",
         examples=[Example((Rand((3,)),)), Example((Rand(()),))])
def _(y, val):
    dval = dy


@adjoint(np.imag, linear=True, kind="first",
         examples=[Example((Rand((3,)),)), Example((Rand(()),))])
def _(y, val):
    dval = dy * 0.0


share_rules(np.real, Attribute("real"), examples=[Example((Rand((3,)),))])
share_rules(np.imag, Attribute("imag"), examples=[Example((Rand((3,)),))])


for _part in (np.imag, Attribute("imag")):
    @complex_adjoint(_part)
    def _(y, val):
        dval = 1j * dy

complex_values(np.real, Attribute("real"), np.imag, Attribute("imag"), how="native",
               output="real")


# np.real_if_close(z, tol) is z, or Re(z) when every imaginary part is below tol
# machine epsilons: either way the adjoint of z is the output's (its imaginary part has
# no effect there, so no adjoint).
@adjoint(np.real_if_close, kind="first", nondiff_params=("tol",),
         examples=[Example((Rand((3,)),)), Example((Rand((2, 2)), 1000))])
def _(y, a, tol=100):
    da = dy


@tangent(np.real_if_close)
def _(y, a, tol=100):
    dy = real_if_close_tangent(da, y)


complex_values(np.real_if_close, how="native")


# The angle of a real number is 0 or pi: piecewise constant.
@derivative(np.angle, wrt=("z",), kind="first", examples=[Example((Rand((3,), 0.2, 1.5),))])
def _(y, z, deg=False):
    return 0.0


# d angle = Im(conj(z) dz) / |z|^2; the adjoint is 1j * z * dw / |z|^2 (infinite at 0).
@complex_adjoint(np.angle)
def _(y, z, deg=False):
    dz = 1j * dy * (np.pi / 180.0 if deg else 1.0) * unit(z) / np.abs(z)


@complex_tangent(np.angle)
def _(y, z, deg=False):
    dy = np.imag(np.conjugate(unit(z)) * dz) / np.abs(z) * (180.0 / np.pi if deg else 1.0)


complex_values(np.angle, how="native", output="real")


# vdot(a, b) = sum(conj(a) * b): da = b * conj(dw), db = a * dw.
@complex_adjoint(np.vdot)
def _(y, a, b):
    da = np.conjugate(dy) * np.reshape(b, np.shape(a))
    db = dy * np.reshape(a, np.shape(b))


@complex_tangent(np.vdot)
def _(y, a, b):
    dy = np.vdot(da, b) + np.vdot(a, db)


# complex(x, y) = x + 1j * y, holomorphic in each argument (Python takes complex ones
# too): dx = dz, dy = conj(1j) * dz; a real argument's adjoint is the real part
# (Re dz and Im dz), which the reverse transform takes.
@adjoint(builtins.complex, kind="numeric", examples=[Example((Rand(()), Rand(())))])
def _(z, real=0, imag=0):
    dreal = dz
    dimag = -1j * dz


@tangent(builtins.complex)
def _(z, real=0, imag=0):
    dz = dreal + 1j * dimag


complex_values(builtins.complex, how="native", output="complex")
nondifferentiable(np.iscomplexobj, np.isrealobj, examples=[
    Example((Rand((3,)),)), Example((np.array([1.0 + 2.0j, 3.0]),))])


# ----------------------------------------------------------------------------- var / std
# NumPy's var of a complex array is mean(abs(a - mean(a)) ** 2) (real): its gradient is
# 2 (a - mean) / (n - ddof), complex, the real template's adjoint unchanged (std's is
# that over 2 std); the tangent is the real part of conj(gradient) * da.
@complex_tangent(np.var)
@complex_tangent(Method("var"))
def _(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    dy = 2.0 * np.sum(np.real(np.conjugate(deviation(a, axis, ddof)) * da), axis=axis,
                      keepdims=keepdims)


@complex_tangent(np.std)
@complex_tangent(Method("std"))
def _(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    dy = np.sum(np.real(np.conjugate(deviation(a, axis, ddof)) * da), axis=axis,
                keepdims=keepdims) / np.where(y == 0.0, 1.0, y)


for _reduction in (np.var, Method("var"), np.std, Method("std")):
    complex_values(_reduction, how="native", output="real")


# ----------------------------------------------------------------------------- norms
# Every norm np.linalg.norm computes but the singular-value ones ('nuc', 2, -2 of a
# matrix) is the same norm of abs(x): its gradient is unit(x) times the real norm's
# gradient at abs(x) (and d/dord is the real one at abs(x)); norm_direction is unit(x).
# The singular-value norms go through the complex SVD (runtime.linalg_complex, whose
# helpers are differentiated from their source at second order).
@adjoint(norm_direction, kind="first", examples=[
    Example((Rand((3,), 0.2, 1.5),)), Example((Rand((2, 3), 0.2, 1.5), "fro")),
    Example((Rand((2, 3), 0.2, 1.5), None, 1))])
def _(u, x, ord=None, axis=None):
    dx = unit_projection(du, x)


@tangent(norm_direction)
def _(u, x, ord=None, axis=None):
    du = unit_projection(dx, x)


complex_values(norm_direction, how="native")


@complex_adjoint(np.linalg.norm)
def _(y, x, ord=None, axis=None, keepdims=False):
    dx = norm_adjoint_complex(dy, x, ord, axis, keepdims)
    dord = norm_order_adjoint(dy, np.abs(x), ord, axis, keepdims)


@complex_tangent(np.linalg.norm)
def _(y, x, ord=None, axis=None, keepdims=False):
    dy = norm_tangent_complex(dx, x, ord, axis, keepdims) + \
        norm_order_tangent(dord, np.abs(x), ord, axis, keepdims)


complex_values(np.linalg.norm, how="native", output="real")
