"""Which classes and objects srcad reads as containers: namedtuples, dataclasses and
instances of classes the user defined (not NumPy's, srcad's or the standard library's)."""

from __future__ import annotations

import dataclasses
import sys
import types
from typing import Any

import numpy as np

from srcad.analysis.inference import _LIBRARY_ROOTS


def is_namedtuple_class(cls: Any) -> bool:
    """A class made by `collections.namedtuple` or `typing.NamedTuple`."""
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def is_user_class(cls: Any) -> bool:
    """A class defined in user code (not in NumPy, SciPy, srcad or the standard library)."""
    module = (getattr(cls, "__module__", "") or "")
    root = module.split(".")[0]
    return root not in _LIBRARY_ROOTS and root not in sys.stdlib_module_names


def is_plain_object(value: Any) -> bool:
    """An instance of a user class whose attributes srcad may read as a container."""
    cls = type(value)
    known = _PLAIN_CLASSES.get(cls)
    if known is None:
        known = _PLAIN_CLASSES[cls] = _is_plain_class(cls)
    return known and (hasattr(value, "__dict__") or is_namedtuple_class(cls) or
                      dataclasses.is_dataclass(cls))


_PLAIN_CLASSES: dict[type, bool] = {}  # class -> whether its instances are plain objects


def _is_plain_class(cls: type) -> bool:
    if cls in (float, int, bool, str, complex, type(None), list, tuple, dict) or \
            issubclass(cls, (np.ndarray, np.generic, type, types.ModuleType,
                             types.FunctionType)):
        return False
    if hasattr(cls, "__array_function__"):
        return False  # another library's array (dask's): an array, not a container
    if dataclasses.is_dataclass(cls) or is_namedtuple_class(cls):
        return True
    return is_user_class(cls)
