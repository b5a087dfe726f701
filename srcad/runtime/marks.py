"""Marks on runtime helpers that tell the compiler how to differentiate them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def differentiated_from_source(fn: F) -> F:
    """Mark a runtime helper written in primitives that have rules: when generated code
    that calls it is differentiated again (second and higher order), srcad reads the
    helper's source and differentiates it as it does user code, instead of needing a
    hand-written rule for it. Helpers with rules of their own keep using those."""
    fn.__srcad_source__ = True  # type: ignore[attr-defined]
    return fn


def check_only(fn: F) -> F:
    """Mark a runtime helper that only checks its arguments (it raises or returns None):
    calls to it need no derivative, whatever they are given."""
    fn.__srcad_check__ = True  # type: ignore[attr-defined]
    return fn


def no_derivative(reason: str) -> Callable[[F], F]:
    """Mark a runtime helper whose own derivative srcad does not take, with the reason
    (said where a derivative of higher order would need it)."""

    def mark(fn: F) -> F:
        fn.__srcad_no_derivative__ = reason  # type: ignore[attr-defined]
        return fn

    return mark
