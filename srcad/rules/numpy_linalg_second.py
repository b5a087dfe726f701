"""Second derivatives for `np.linalg`: rules for the helpers the adjoint templates in
numpy_linalg.py and numpy_linalg_decompositions.py emit (srcad/runtime/linalg*.py), so
that a gradient calling them can be differentiated again.
"""

import numpy as np

from srcad.ir.kinds import ARRAY, NUMERIC, TupleKind
from srcad.rules.numpy_linalg import _SIGNED, _matrix, _separated, _separated_positive
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_values,
    tangent,
)
from srcad.runtime import (
    unbroadcast,
)
from srcad.runtime.linalg import (
    cholesky_adjoint,
    det_adjoint,
    det_tangent,
    solve_adjoint_a,
    solve_tangent,
    solve_transposed,
    transposed,
)
from srcad.runtime.linalg_decompositions import (
    eigh_adjoint,
    pinv_adjoint,
    svd_adjoint,
)
from srcad.runtime.linalg_norms import (
    matrix_norm_adjoint,
    matrix_norm_adjoint_curvature,
    matrix_norm_tangent,
    norm_adjoint,
    norm_adjoint_curvature,
    norm_tangent,
    vector_norm_adjoint,
    vector_norm_adjoint_curvature,
    vector_norm_tangent,
)
from srcad.runtime.linalg_second import (
    cholesky_adjoint_tangent,
    cholesky_adjoint_transpose,
    det_adjoint_curvature,
    eigh_adjoint_tangent,
    eigh_adjoint_transpose,
    pinv_adjoint_tangent,
    pinv_adjoint_transpose,
    solve_adjoint_a_transpose,
    svd_adjoint_tangent,
    svd_adjoint_transpose,
)

# ============================================================================ second derivatives
#
# Rules for the helpers the adjoint templates above emit (srcad/runtime/linalg*.py), so
# that a gradient calling them can be differentiated again: Hessians and Hessian-vector
# products (forward over reverse), grad of grad (reverse over reverse). Each helper is
# differentiated as a function of all its inputs: the adjoint it is given, the primal's
# inputs and, where it takes them, the primal's results (the SVD and eigendecomposition
# factors, the pseudo-inverse), as independent values; the chain rule through the primal
# connects them. The same conditions hold as for the first derivatives (distinct
# eigenvalues and singular values where eigenvectors and singular vectors are used,
# matrices of full rank for pinv), and where a first derivative does not exist the
# second is NaN (a norm at 0, its weights jumping there). A varied `ord` of a norm is
# refused: the order derivative of the norm's gradient has no rule.


def _like(param, item=None):
    """A kind rule: the output has the kind of parameter `param` (or of its item)."""

    def kind(kinds, named):
        if param not in named:
            return NUMERIC
        k = named[param][1]
        if item is not None:
            return k.items[item] if isinstance(k, TupleKind) and len(k.items) > item else ARRAY
        return k

    return kind


# solve_transposed(a, g, b) = inv(a).T @ g (b: the solution's layout). Its tangent is the
# tangent of solve(a.T, g) (srcad's own helper for np.linalg.solve's tangent); its
# adjoints are z = inv(a) @ d for g and -y z^T (summed over a's broadcast axes) for a.
@adjoint(solve_transposed, kind=_like("g"), nondiff_params=("b",), examples=[
    Example((_matrix((3, 3)), Rand((3,)), np.ones(3))),
    Example((_matrix((3, 3)), Rand((3, 2)), np.ones((3, 2)))),
    Example((_matrix((2, 3, 3)), Rand((2, 3)), np.ones(3))),
    Example((_matrix((2, 3, 3)), Rand((2, 3, 1)), np.ones((2, 3, 1)))),
    Example((_matrix((3, 3)), Rand((2, 3, 2)), np.ones((2, 3, 2)))),
    Example((_matrix((1, 3, 3)), Rand((2, 3, 2)), np.ones((2, 3, 2))))])
def _(y, a, g, b):
    z = solve_transposed(transposed(a), dy, b)
    dg = unbroadcast(z, g)
    da = solve_adjoint_a(y, z, a, b)


@tangent(solve_transposed)
def _(y, a, g, b):
    dy = solve_tangent(y, transposed(a), b, transposed(da), dg)


# solve_adjoint_a(gb, x, a, b) = -gb x^T summed to a's shape: bilinear in gb and x.
@adjoint(solve_adjoint_a, bilinear=True, kind=_like("a"), nondiff_params=("a", "b"), examples=[
    Example((Rand((3,)), Rand((3,)), np.ones((3, 3)), np.ones(3))),
    Example((Rand((3, 2)), Rand((3, 2)), np.ones((3, 3)), np.ones((3, 2)))),
    Example((Rand((2, 3)), Rand((2, 3)), np.ones((2, 3, 3)), np.ones(3))),
    Example((Rand((2, 3, 2)), Rand((2, 3, 2)), np.ones((3, 3)), np.ones((2, 3, 2)))),
    Example((Rand((2, 3, 2)), Rand((2, 3, 2)), np.ones((1, 3, 3)), np.ones((2, 3, 2))))])
def _(y, gb, x, a, b):
    dgb, dx = solve_adjoint_a_transpose(dy, gb, x, a, b)


# det_adjoint(g, a) = g * cofactor(a): linear in g; in a, the derivative of the cofactor
# matrix is the Hessian of det (symmetric, so it gives the adjoint too).
@adjoint(det_adjoint, kind=_like("a"), examples=[
    Example((Rand(()), Rand((3, 3)))), Example((Rand((2,)), Rand((2, 2, 2)))),
    Example((Rand(()), Rand((1, 1)))), Example((Rand(()), _matrix((4, 4)))),
    Example((Rand(()), Rand((3, 3), ((-1.0, -1.0, -1.0), (0.5, 0.5, 0.5), (-1.0, -1.0, -1.0)),
                            ((1.0, 1.0, 1.0), (0.5, 0.5, 0.5), (1.0, 1.0, 1.0)))))])
def _(y, g, a):
    dg = det_tangent(dy, a)
    da = det_adjoint_curvature(g, dy, a)


@tangent(det_adjoint)
def _(y, g, a):
    dy = det_adjoint(dg, a) + det_adjoint_curvature(g, da, a)


# Like np.linalg.solve and det (complex_rules.py), the helpers are complex-analytic and
# their templates are the real formulas (transposes, never conjugates): the Hessian of
# det is a symmetric bilinear form also for complex matrices.
complex_values(solve_transposed, solve_adjoint_a, det_adjoint, how="holomorphic")


# norm_adjoint(g, x, ...) = spread(g) * W(x): linear in g (its transpose is the norm's
# tangent); in x, the derivative of W (the norm's Hessian, symmetric slice by slice).
_NORM_HELPER_CASES = [
    ((3,), ()), ((3,), (2,)), ((3,), (1,)), ((3,), (np.inf,)), ((3,), (-np.inf,)),
    ((4,), (3,)), ((4,), (-1,)), ((3,), (), {"keepdims": True}), ((4,), (3,), {"keepdims": True}),
    ((2, 3), ()), ((2, 3), ("fro",)), ((2, 3), (np.inf,)), ((3, 2), ("nuc",)), ((2, 3), ("nuc",)),
    ((3, 2), (2,)), ((2, 3), (-2,)), ((2, 3), (1,)), ((2, 3), (), {"keepdims": True}),
    ((2, 3, 4), ()), ((2, 3, 4), (), {"keepdims": True}),
    ((2, 3), (None, 1)), ((2, 3), (None, -1)), ((2, 3), (1, 0)), ((2, 3), (np.inf, 1, True)),
    ((2, 3), (3, 0)), ((2, 3, 4), (None, (0, 2))), ((2, 3, 4), ("nuc", (2, 1))),
    ((2, 3, 4), (None, (-1, 0), True)), ((2, 3, 4), (2, (0, 1))), ((2, 3, 4), (4, (1,)))]


def _norm_helper_examples():
    out = []
    for case in _NORM_HELPER_CASES:
        shape, args = case[0], case[1]
        kwargs = case[2] if len(case) > 2 else {}
        sample = np.linspace(0.3, 1.5, int(np.prod(shape))).reshape(shape)
        g_shape = np.shape(np.linalg.norm(sample, *args, **kwargs))
        x = _SIGNED if shape == (4,) else _separated(shape) if "nuc" in args or \
            (len(args) and args[0] in (2, -2) and len(shape) - (len(args) > 1 and
                                                                np.ndim(args[1]) == 0) >= 2) \
            else Rand(shape, 0.3, 1.5)
        out.append(Example((Rand(g_shape), x, *args), kwargs))
    return out


@adjoint(norm_adjoint, kind=_like("x"), examples=_norm_helper_examples())
def _(y, g, x, ord=None, axis=None, keepdims=False):
    dg = norm_tangent(dy, x, ord, axis, keepdims)
    dx = norm_adjoint_curvature(g, dy, x, ord, axis, keepdims)


@tangent(norm_adjoint)
def _(y, g, x, ord=None, axis=None, keepdims=False):
    dy = norm_adjoint(dg, x, ord, axis, keepdims) + norm_adjoint_curvature(g, dx, x, ord, axis,
                                                                           keepdims)


# eigh_adjoint(g, (w, v), uplo) = T(v B v^T), B = diag(gw) + F * (v^T gv), F_ij =
# 1/(w_j - w_i): a formula in gw, gv, w and v (distinct eigenvalues where gv is used).
_W_SPREAD = Rand((3,), (-6.0, 3.0, 9.0), (-5.0, 4.0, 10.0))


@adjoint(eigh_adjoint, kind=_like("result", 1), nondiff_params=("uplo",), examples=[
    Example(((Rand((3,)), Rand((3, 3))), (_W_SPREAD, Rand((3, 3))))),
    Example(((Rand((3,)), Rand((3, 3))), (_W_SPREAD, Rand((3, 3))), "U")),
    Example(((Rand((2, 3)), Rand((2, 3, 3))),
             (Rand((2, 3), ((-6.0, 3.0, 9.0),) * 2, ((-5.0, 4.0, 10.0),) * 2), Rand((2, 3, 3))))),
    Example(((Rand((2,)), Rand((2, 2))), (Rand((2,), (-2.0, 1.0), (-1.0, 2.0)), Rand((2, 2)))),
            {"uplo": "U"}),
    Example(((Rand((1,)), Rand((1, 1))), (Rand((1,)), Rand((1, 1)))))])
def _(y, g, result, uplo="L"):
    dg, dresult = eigh_adjoint_transpose(dy, g, result, uplo)


@tangent(eigh_adjoint)
def _(y, g, result, uplo="L"):
    dy = eigh_adjoint_tangent(dg, dresult, g, result, uplo)


# cholesky_adjoint(g, L, upper) = T(L^-T phi(L^T g) L^-1): a formula in g and any
# invertible L.
@adjoint(cholesky_adjoint, kind=_like("factor"), nondiff_params=("upper",), examples=[
    Example((Rand((3, 3)), _matrix((3, 3)))), Example((Rand((2, 3, 3)), _matrix((2, 3, 3)))),
    Example((Rand((1, 1)), Rand((1, 1), 0.5, 2.0))), Example((Rand((3, 3)), _matrix((3, 3)), True)),
    Example((Rand((2, 2, 2)), _matrix((2, 2, 2))), {"upper": True})])
def _(y, g, factor, upper=False):
    dg, dfactor = cholesky_adjoint_transpose(dy, g, factor, upper)


@tangent(cholesky_adjoint)
def _(y, g, factor, upper=False):
    dy = cholesky_adjoint_tangent(dg, dfactor, g, factor, upper)


# pinv_adjoint(g, y, a) is a polynomial in g, y (the pseudo-inverse) and a.
@adjoint(pinv_adjoint, kind=_like("a"), nondiff_params=("hermitian",), examples=[
    Example((Rand((2, 3)), Rand((2, 3)), Rand((3, 2)))),
    Example((Rand((3, 2)), Rand((3, 2)), Rand((2, 3)))),
    Example((Rand((3, 3)), Rand((3, 3)), Rand((3, 3)))),
    Example((Rand((2, 2, 3)), Rand((2, 2, 3)), Rand((2, 3, 2)))),
    Example((Rand((3, 3)), Rand((3, 3)), Rand((3, 3)), True))])
def _(r, g, y, a, hermitian=False):
    dg, dy, da = pinv_adjoint_transpose(dr, g, y, a, hermitian)


@tangent(pinv_adjoint)
def _(r, g, y, a, hermitian=False):
    dr = pinv_adjoint_tangent(dg, dy, da, g, y, a, hermitian)


# svd_adjoint(g, (u, s, vt), a, ...): with compute_uv, a formula in the adjoints and the
# (thin) factors (a gives shapes only); without, U diag(gs) V^T of the SVD of a, whose
# derivative in a is the Hessian of sum(gs * s(a)). Distinct nonzero singular values.
def _svd_helper_example(shape, full_matrices=False, hermitian=False):
    m, n = shape[-2:]
    k = min(m, n)
    u_shape = shape[:-2] + ((m, m) if full_matrices else (m, k))
    vt_shape = shape[:-2] + ((n, n) if full_matrices else (k, n))
    lows = [4.0 * i + 2.0 for i in range(k)]
    s = Rand(shape[:-2] + (k,), _broadcast_bounds(lows, shape[:-2]),
             _broadcast_bounds([x + 1.0 for x in lows], shape[:-2]))
    g = (Rand(u_shape), Rand(shape[:-2] + (k,)), Rand(vt_shape))
    return Example((g, (Rand(u_shape), s, Rand(vt_shape)), np.ones(shape), full_matrices,
                    True, hermitian))


def _broadcast_bounds(values, batch):
    out = tuple(values)
    for size in reversed(batch):
        out = (out,) * size
    return out


@adjoint(svd_adjoint, kind=_like("a"),
         nondiff_params=("full_matrices", "compute_uv", "hermitian"), examples=[
    _svd_helper_example((3, 2)), _svd_helper_example((2, 3)), _svd_helper_example((3, 3), True),
    _svd_helper_example((2, 3, 2)), _svd_helper_example((2, 2, 3)),
    _svd_helper_example((3, 3), True, True),
    Example((Rand((2,)), np.ones(2), _separated((3, 2)), False, False)),
    Example((Rand((2,)), np.ones(2), _separated((2, 3)), True, False)),
    Example((Rand((2, 2)), np.ones((2, 2)), _separated((2, 2, 3)), True, False)),
    Example((Rand((3,)), np.ones(3), _separated_positive((3, 3)), True, False, True))])
def _(y, g, result, a, full_matrices=True, compute_uv=True, hermitian=False):
    dg, dresult, da = svd_adjoint_transpose(dy, g, result, a, full_matrices, compute_uv,
                                            hermitian)


@tangent(svd_adjoint)
def _(y, g, result, a, full_matrices=True, compute_uv=True, hermitian=False):
    dy = svd_adjoint_tangent(dg, dresult, da, g, result, a, full_matrices, compute_uv, hermitian)



# The helpers of NumPy 2's vector_norm and matrix_norm: as norm_adjoint.
if hasattr(np.linalg, "vector_norm"):
    @adjoint(vector_norm_adjoint, kind=_like("x"), examples=[
        Example((Rand(()), Rand((3,), 0.3, 1.5))), Example((Rand(()), Rand((2, 3), 0.3, 1.5))),
        Example((Rand((2,)), Rand((2, 3), 0.3, 1.5), 1)),
        Example((Rand((3,)), Rand((2, 3, 4), 0.3, 1.5), (0, 2), False, 1)),
        Example((Rand((2, 1)), Rand((2, 3)), -1, True, np.inf)),
        Example((Rand((2,)), Rand((2, 3), 0.3, 1.5), -1, False, 3)),
        Example((Rand(()), _SIGNED), {"ord": -1})])
    def _(y, g, x, axis=None, keepdims=False, ord=2):
        dg = vector_norm_tangent(dy, x, axis, keepdims, ord)
        dx = vector_norm_adjoint_curvature(g, dy, x, axis, keepdims, ord)

    @tangent(vector_norm_adjoint)
    def _(y, g, x, axis=None, keepdims=False, ord=2):
        dy = vector_norm_adjoint(dg, x, axis, keepdims, ord) + \
            vector_norm_adjoint_curvature(g, dx, x, axis, keepdims, ord)

if hasattr(np.linalg, "matrix_norm"):
    @adjoint(matrix_norm_adjoint, kind=_like("x"), examples=[
        Example((Rand(()), Rand((2, 3)))), Example((Rand((1, 1)), Rand((2, 3)), True)),
        Example((Rand((2,)), _separated((2, 2, 3)), False, "nuc")),
        Example((Rand(()), _separated((3, 2)), False, 2)),
        Example((Rand((2,)), _separated((2, 2, 3)), False, -2)),
        Example((Rand((2,)), Rand((2, 2, 3)), False, 1)),
        Example((Rand(()), Rand((2, 3)), False, np.inf))])
    def _(y, g, x, keepdims=False, ord="fro"):
        dg = matrix_norm_tangent(dy, x, keepdims, ord)
        dx = matrix_norm_adjoint_curvature(g, dy, x, keepdims, ord)

    @tangent(matrix_norm_adjoint)
    def _(y, g, x, keepdims=False, ord="fro"):
        dy = matrix_norm_adjoint(dg, x, keepdims, ord) + \
            matrix_norm_adjoint_curvature(g, dx, x, keepdims, ord)
