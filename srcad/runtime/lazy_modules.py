"""SciPy modules imported on first use: `import srcad` does not import SciPy.

`scipy_special` stands for `scipy.special` in srcad's rules and runtime helpers: the first
attribute read imports SciPy's module (about 200 ms) and copies its names in, so later
reads cost what a module's do. Rules on SciPy's functions are registered once the user's
code has imported the module (`registry.register_when_imported`).
"""

from __future__ import annotations

import importlib
import importlib.util
import types
from typing import Any

HAVE_SCIPY = importlib.util.find_spec("scipy") is not None
"""Whether SciPy is installed (found without importing it)."""


class LazyModule(types.ModuleType):
    """The module `name`, imported the first time one of its attributes is read."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)  # (later reads find the names directly)
        return getattr(module, attr)


scipy_special = LazyModule("scipy.special")
