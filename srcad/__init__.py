"""srcad: source-transformation automatic differentiation for Python and NumPy.

`srcad.grad(f)` reads `f`'s source, lowers it to SSA IR, and generates a readable
Python function computing the gradient. See `srcad.source` to print it.
"""

from srcad import rules  # noqa: F401  (importing it registers the built-in derivative rules)
from srcad.api.export import export
from srcad.api.forward import jvp
from srcad.api.matrices import hessian, hvp, jacobian
from srcad.api.reverse import grad, value_and_grad, vjp
from srcad.api.source import show, source
from srcad.api.version import __version__ as __version__
from srcad.errors import (
    BadArgumentError,
    NoDerivativeError,
    NonFiniteError,
    RuleError,
    SourceUnavailableError,
    SrcadError,
    UnsupportedSyntaxError,
)
from srcad.rules.registry import Example, Rand, adjoint, derivative, nondifferentiable, tangent
from srcad.runtime import insert_grad_of, stop_gradient

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp", "source", "show",
    "export",
    "adjoint", "tangent", "derivative", "nondifferentiable",
    "stop_gradient", "insert_grad_of", "Example", "Rand",
    "SrcadError", "UnsupportedSyntaxError", "NoDerivativeError", "SourceUnavailableError",
    "BadArgumentError", "RuleError", "NonFiniteError",
]
