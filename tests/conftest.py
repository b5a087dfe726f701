import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))


def pytest_configure(config):
    # A srcad run never casts a complex value to a real one (docs/complex.md): NumPy's
    # ComplexWarning is an error in every test.
    if hasattr(np, "exceptions") and hasattr(np.exceptions, "ComplexWarning"):
        config.addinivalue_line("filterwarnings", "error::numpy.exceptions.ComplexWarning")
