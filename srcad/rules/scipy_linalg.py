"""Rules for `scipy.linalg.sqrtm`, `solve_sylvester`, `solve_banded` and
`scipy.signal.convolve` (formulas in srcad/runtime/scipy_linalg.py).

SciPy's submodules are slow to import, so srcad does not import them: these rules are
registered once the user's code has (`registry.register_when_imported`). The helpers
the templates call are differentiated from their source at second order (runtime.marks),
or have linear rules of their own (the band layout and its dense matrix).
"""

import numpy as np

from srcad.ir.kinds import NUMERIC
from srcad.rules.registry import (
    Example,
    Rand,
    adjoint,
    complex_values,
    nondifferentiable,
    register_when_imported,
    share_rules,
    tangent,
)
from srcad.rules.runtime_rules import same_kind_as
from srcad.runtime.scipy_linalg import (
    band_entries,
    banded_dense,
    convolve,
    convolve_adjoint,
    full_offsets,
    outer_columns,
    solve_banded,
    solve_banded_tangent,
    solve_banded_transposed,
    solve_sylvester,
    sqrtm_adjoint,
    sqrtm_tangent,
    sylvester_multiplier,
    sylvester_tangent,
)

# Matrices with well separated positive eigenvalues (sqrtm is smooth there): random
# entries in bands around a dominant diagonal.
_SPD = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.1], [-0.2, 0.1, 1.0]])
_NONSYMMETRIC = Rand((3, 3), ((2.4, 0.3, 0.0), (-0.4, 1.5, 0.1), (0.1, -0.2, 0.8)),
                     ((2.6, 0.5, 0.2), (-0.2, 1.7, 0.3), (0.3, 0.0, 1.0)))


# The band layout of a matrix and the matrix it stores: linear maps, each the other's
# adjoint.
@adjoint(banded_dense, linear=True, nondiff_params=("l_and_u",), kind=NUMERIC, examples=[
    Example(((1, 1), Rand((3, 4)))), Example(((0, 2), Rand((3, 4)))),
    Example(((2, 0), Rand((3, 3))))])
def _(y, l_and_u, ab):
    dab = band_entries(l_and_u, dy)


@adjoint(band_entries, linear=True, nondiff_params=("l_and_u",), kind=NUMERIC, examples=[
    Example(((1, 1), Rand((4, 4)))), Example(((0, 2), Rand((4, 4)))),
    Example(((2, 0), Rand((3, 3))))])
def _(y, l_and_u, m):
    dm = banded_dense(l_and_u, dy)


complex_values(banded_dense, band_entries, how="linear")
nondifferentiable(full_offsets, examples=[Example(((4,), (2,), "same"))])


# The SciPy functions the helpers call, by srcad's wrappers (SciPy is imported on their
# first call); SciPy's own functions share these rules once the user's code imports them.
@adjoint(solve_sylvester, kind=same_kind_as("q"), examples=[
    Example((_SPD, _NONSYMMETRIC, Rand((3, 3)))),
    Example((_NONSYMMETRIC, Rand((2, 2), 1.0, 2.0), Rand((3, 2))))])
def _(x, a, b, q):
    lam = sylvester_multiplier(dx, a, b)
    da = -(lam @ np.conjugate(np.transpose(x)))
    db = -(np.conjugate(np.transpose(x)) @ lam)
    dq = lam


@tangent(solve_sylvester)
def _(x, a, b, q):
    dx = sylvester_tangent(x, a, b, da, db, dq)


@adjoint(solve_banded, kind=same_kind_as("b"), nondiff_params=("l_and_u",), examples=[
    Example(((1, 1), Rand((3, 5), 2.0, 3.0), Rand((5,)))),
    Example(((1, 2), Rand((4, 5), 2.0, 3.0), Rand((5, 2)))),
    Example(((0, 0), Rand((1, 4), 1.0, 2.0), Rand((4,))))])
def _(x, l_and_u, ab, b, check_finite=True):
    gb = solve_banded_transposed(l_and_u, ab, dx)
    dab = -band_entries(l_and_u, outer_columns(gb, x))
    db = gb


@tangent(solve_banded)
def _(x, l_and_u, ab, b, check_finite=True):
    dx = solve_banded_tangent(x, l_and_u, ab, dab, db)


@adjoint(convolve, bilinear=True, kind="first", nondiff_params=("mode", "method"),
         examples=[Example((Rand((4,)), Rand((2,)), mode)) for mode in ("full", "same", "valid")] +
         [Example((Rand((2, 3)), Rand((4, 5)), mode)) for mode in ("full", "same", "valid")] +
         [Example((Rand((5, 4)), Rand((3, 2)), "same"))])
def _(y, in1, in2, mode="full", method="auto"):
    din1 = convolve_adjoint(dy, in2, np.shape(in1), np.shape(in2), mode, method)
    din2 = convolve_adjoint(dy, in1, np.shape(in1), np.shape(in2), mode, method)


complex_values(solve_sylvester, solve_banded, convolve, how="native")


def _register_linalg() -> None:
    import scipy.linalg as sla

    @adjoint(sla.sqrtm, kind="first", examples=[Example((_SPD,)), Example((_NONSYMMETRIC,))])
    def _(y, A):
        dA = sqrtm_adjoint(dy, y, A)

    @tangent(sla.sqrtm)
    def _(y, A):
        dy = sqrtm_tangent(dA, y, A)

    share_rules(solve_sylvester, sla.solve_sylvester,
                examples=[Example((_SPD, _NONSYMMETRIC, Rand((3, 3))))])
    share_rules(solve_banded, sla.solve_banded,
                examples=[Example(((1, 1), Rand((3, 5), 2.0, 3.0), Rand((5,))))])
    complex_values(sla.sqrtm, sla.solve_sylvester, sla.solve_banded, how="native")


def _register_signal() -> None:
    import scipy.signal as ss

    share_rules(convolve, ss.convolve, examples=[
        Example((Rand((5, 4)), Rand((3, 2)), "same", "direct")),
        Example((Rand((5, 4)), Rand((3, 2)), "full", "fft"))])
    complex_values(ss.convolve, how="native")


register_when_imported("scipy.linalg", _register_linalg)
register_when_imported("scipy.signal", _register_signal)
