"""Built-in derivative rules, one module per family. Importing this registers them."""

from srcad.rules import (  # noqa: F401
    builtin_rules,
    complex_linalg,
    complex_rules,
    keywords,
    math_rules,
    numpy_elementwise,
    numpy_fft,
    numpy_grids,
    numpy_linalg,
    numpy_products,
    numpy_reductions,
    numpy_shape,
    numpy_signal,
    operators,
    python_rules,
    runtime_rules,
    scipy_linalg,
    scipy_special,
    scipy_stats,
    structural,
)
