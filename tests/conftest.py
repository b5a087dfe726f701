import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

# The IR verifier runs after every compiler pass in the tests (SRCAD_VERIFY_IR=0 turns
# it off, to compare timings); subprocesses inherit the setting.
os.environ.setdefault("SRCAD_VERIFY_IR", "1")


def pytest_configure(config):
    # A srcad run never casts a complex value to a real one (docs/complex.md): NumPy's
    # ComplexWarning is an error in every test.
    if hasattr(np, "exceptions") and hasattr(np.exceptions, "ComplexWarning"):
        config.addinivalue_line("filterwarnings", "error::numpy.exceptions.ComplexWarning")
