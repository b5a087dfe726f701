"""The transformation cache: the same function, options and argument kinds are
transformed once. Entries are checked against the free names they captured, so
rebinding a global the function reads makes the next call transform again."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

from srcad.codegen.emit import Module
from srcad.frontend.source import captured_still_valid
from srcad.rules import registry

_entries: dict = {}
_lock = threading.RLock()
stats = {"transforms": 0, "hits": 0}


def get_or_build(key: tuple, build: Callable[[], tuple[Module, list]]) -> Module:
    """The cached value for `key`, building it (once, even across threads) if needed."""
    full_key = key + (registry.generation(),)
    entry = _entries.get(full_key)
    if entry is not None and captured_still_valid(entry[1]):
        stats["hits"] += 1
        return entry[0]
    with _lock:
        entry = _entries.get(full_key)
        if entry is not None and captured_still_valid(entry[1]):
            stats["hits"] += 1
            return entry[0]
        value, captured = _without_collections(build)
        stats["transforms"] += 1
        value.captured = captured
        _entries[full_key] = (value, captured)
        return value


def _without_collections(build: Callable[[], tuple[Module, list]]) -> tuple[Module, list]:
    """`build()` with Python's cyclic garbage collector paused. A transformation makes
    tens of thousands of short-lived objects (syntax trees, IR), which trigger full
    collections of the whole heap (each several milliseconds, a fifth of a first call);
    what it leaves behind is collected afterwards as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return build()
    finally:
        if enabled:
            gc.enable()


def clear() -> None:
    """Forget every transformed function."""
    with _lock:
        _entries.clear()
