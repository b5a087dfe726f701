"""Complex rules for np.linalg's decompositions: eigh, eigvalsh, svd, eig, eigvals.

Templates written for srcad's convention (docs/complex.md); the formulas, the phase
freedom of eigenvectors and singular vectors, and what is refused are described in
srcad/runtime/linalg_complex.py. First order (reverse and forward mode); the helpers
the templates call are differentiated from their source (runtime.marks) at second and
higher order. The real rules and their second derivatives are in numpy_linalg.py.
"""

import numpy as np

from srcad.rules import (  # noqa: F401  (the real rules these extend)
    numpy_linalg,
    numpy_linalg_decompositions,
)
from srcad.rules.registry import (
    Example,
    Rand,
    complex_adjoint,
    complex_tangent,
    complex_values,
    nondifferentiable,
)
from srcad.runtime import linalg as linalg_rt
from srcad.runtime import linalg_complex as complex_rt
from srcad.runtime import linalg_decompositions as decompositions_rt
from srcad.runtime.linalg_complex import (
    eig_adjoint_complex,
    eig_tangent_complex,
    eigh_adjoint_complex,
    eigh_tangent_complex,
    eigvals_adjoint_complex,
    eigvals_tangent_complex,
    eigvalsh_adjoint_complex,
    eigvalsh_tangent_complex,
    svd_adjoint_complex,
    svd_tangent_complex,
)


@complex_adjoint(np.linalg.eigh)
def _(y, a, UPLO="L"):
    da = eigh_adjoint_complex(dy, y, UPLO)


@complex_tangent(np.linalg.eigh)
def _(y, a, UPLO="L"):
    dy = eigh_tangent_complex(da, y, UPLO)


@complex_adjoint(np.linalg.eigvalsh)
def _(y, a, UPLO="L"):
    da = eigvalsh_adjoint_complex(dy, a, UPLO)


@complex_tangent(np.linalg.eigvalsh)
def _(y, a, UPLO="L"):
    dy = eigvalsh_tangent_complex(da, a, UPLO)


@complex_adjoint(np.linalg.svd)
def _(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    da = svd_adjoint_complex(dy, y, a, full_matrices, compute_uv, hermitian)


@complex_tangent(np.linalg.svd)
def _(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    dy = svd_tangent_complex(da, y, a, full_matrices, compute_uv, hermitian)


@complex_adjoint(np.linalg.eig)
def _(y, a):
    da = eig_adjoint_complex(dy, y, a)


@complex_tangent(np.linalg.eig)
def _(y, a):
    dy = eig_tangent_complex(da, y, a)


@complex_adjoint(np.linalg.eigvals)
def _(y, a):
    da = eigvals_adjoint_complex(dy, y, a)


@complex_tangent(np.linalg.eigvals)
def _(y, a):
    dy = eigvals_tangent_complex(da, y, a)


# Eigenvalues and singular values are real; eigenvectors and singular vectors are complex
# exactly if the matrix is.
complex_values(np.linalg.eigh, how="native", output=("real", None))
complex_values(np.linalg.eigvalsh, how="native", output="real")
complex_values(np.linalg.svd, how="native", output=(None, "real", None))
complex_values(np.linalg.eig, np.linalg.eigvals, how="native")


# Flags and options inside those helpers, never a value to differentiate (the helpers
# that only check and raise are marked runtime.marks.check_only).
for _check, _example in [
        (linalg_rt._is_zero, Example((0.0,))),
        (decompositions_rt._extra_is_zero, Example((Rand((3, 4)), -1, 2))),
        (linalg_rt._check_uplo, Example(("L",))),
        (linalg_rt._eye_like, Example((Rand((2, 3, 3)),))),
        (complex_rt.spectral_axes, Example((Rand((2, 3, 4)), (0, 2)))),
        (complex_rt.spectral_norm, Example((2, "nuc", None)))]:
    nondifferentiable(_check, examples=[_example])
