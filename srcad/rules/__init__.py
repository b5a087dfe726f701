"""Built-in derivative rules, one module per family. Importing this registers them."""

from . import builtin_rules, math_rules, numpy_elementwise, numpy_linalg, numpy_reductions  # noqa: F401
from . import numpy_shape, operators, structural  # noqa: F401
