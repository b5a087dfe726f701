"""Run-time helpers for the parts of Python that are not math: lists, strings, checks,
`with` blocks. Generated code calls them; they never modify their arguments."""

from __future__ import annotations

import numpy as np


def list_append(items, value):
    """`items.append(value)` as a new list (the old one is unchanged)."""
    out = list(items)
    out.append(value)
    return out


def as_list(items):
    """`list(items)`."""
    return list(items)


def as_list_adjoint(d, items):
    """The adjoint of `items` from that of `list(items)` (0.0 stands for zeros)."""
    from . import broadcast_like, zeros_like
    if isinstance(items, np.ndarray):
        if not isinstance(d, (list, tuple)):
            return zeros_like(items)
        return np.array([broadcast_like(g, x) for g, x in zip(d, items)],
                        dtype=float).reshape(items.shape)
    if not isinstance(d, (list, tuple)):
        return zeros_like(list(items))
    out = [broadcast_like(g, x) for g, x in zip(d, items)]
    return tuple(out) if isinstance(items, tuple) else out


def list_extend(items, more):
    """`items.extend(more)` as a new list (the old one is unchanged)."""
    return list(items) + list(more)


def extend_adjoint_head(d, items):
    """The adjoint of `items` from the adjoint `d` of `list_extend(items, more)`."""
    from . import broadcast_like, zeros_like
    if isinstance(d, (list, tuple)):
        return [broadcast_like(g, x) for g, x in zip(d[:len(items)], items)]
    return zeros_like(list(items))


def extend_adjoint_tail(d, items, more):
    """The adjoint of `more` (a list; an array of rows for an array) in `list_extend`."""
    from . import broadcast_like, zeros_like
    if isinstance(d, (list, tuple)):
        tail = [broadcast_like(g, x) for g, x in zip(d[len(items):], more)]
    else:
        tail = zeros_like(list(more))
    if isinstance(more, np.ndarray):
        return np.array(tail, dtype=float).reshape(more.shape)
    return tuple(tail) if isinstance(more, tuple) else tail


def append_adjoint_head(d, items):
    """The adjoint of `items` from the adjoint `d` of `items + [value]` (0.0 is zero)."""
    from . import broadcast_like, zeros_like
    if isinstance(d, (list, tuple)):
        return [broadcast_like(g, x) for g, x in zip(d[:-1], items)]
    return zeros_like(list(items))


def append_adjoint_last(d, value):
    """The adjoint of the appended value (zeros when `d` stands for zeros)."""
    from . import broadcast_like, zeros_like
    if isinstance(d, (list, tuple)):
        return broadcast_like(d[-1], value)
    return zeros_like(value)


def sum_items(items, start=0):
    """`sum(items, start)`."""
    return sum(items, start)


def spread_adjoint(d, items):
    """The adjoint of every item of a sum: `d`, shaped like each item."""
    from . import unbroadcast
    return [unbroadcast(d, x) for x in items]


def reversed_items(items):
    """`reversed(items)` as a sequence (list, tuple or array) a loop can index."""
    if isinstance(items, np.ndarray):
        return items[::-1]
    return list(items)[::-1]


def reverse_adjoint(d, items):
    """The adjoint of `items` from that of `reversed_items(items)` (0.0 is zero)."""
    if isinstance(items, np.ndarray):
        return np.asarray(d)[::-1] if np.ndim(d) else d
    from . import broadcast_like, zeros_like
    if isinstance(d, (list, tuple)):
        return [broadcast_like(g, x) for g, x in zip(list(d)[::-1], items)]
    return zeros_like(list(items))


def format_value(value, conversion=-1, spec=""):
    """One `{value!r:spec}` field of an f-string."""
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    return format(value, spec)


def join_strings(*parts):
    """The text of an f-string from its parts."""
    return "".join(parts)


def check_assertion(condition, message=None):
    """`assert condition, message`."""
    if not condition:
        raise AssertionError(message) if message is not None else AssertionError()


def raise_error(error):
    """`raise error`."""
    raise error


def enter_context(manager):
    """The start of `with manager as value:`; returns `value`."""
    return manager.__enter__()


def exit_context(manager):
    """The end of a `with` block that finished normally."""
    manager.__exit__(None, None, None)


def check_unshared(value, name, reason, where=None):
    """Before `name += ...`: refuse to change an array or list in place when another
    name, a container or the caller may still hold it (srcad makes a new value).
    `where` is (file, line, column, function) of the statement."""
    if isinstance(value, (np.ndarray, list)):
        import linecache

        from ..errors import SourceLoc, UnsupportedSyntaxError
        loc = None
        if where is not None:
            filename, line, col, function = where
            text = linecache.getline(filename, line)
            loc = SourceLoc(filename, line, col, function, text)
        raise UnsupportedSyntaxError(
            f"'{name} += ...' would change {_what(value)} in place that something else may "
            f"still hold: {reason}",
            loc, hint=f"write {name} = {name} + ... (a new value), or copy it first "
                      f"({name} = np.copy({name}))")


def check_not_shared(value, name, where, *others):
    """Before `name += ...`: refuse if another variable holds `value` or a view of it
    (plain Python would change it too; srcad makes a new value)."""
    if not isinstance(value, (np.ndarray, list)):
        return
    for other in others:
        if other is value or (isinstance(value, np.ndarray) and
                              isinstance(other, np.ndarray) and
                              np.shares_memory(value, other)):
            check_unshared(value, name, "another variable holds it (or a view of it)",
                           where)


def _what(value) -> str:
    return "an array" if isinstance(value, np.ndarray) else "a list"


# Rules for the helpers above (second derivatives differentiate reverse sweeps).

def last_item_adjoint(g, d):
    """The adjoint of `d` in `append_adjoint_last(d, value)`: `g` in the last place."""
    from . import zeros_like
    if not isinstance(d, (list, tuple)):
        return 0.0
    out = zeros_like(list(d))
    out[-1] = g
    return out


def head_adjoint(g, d):
    """The adjoint of `d` in `append_adjoint_head(d, items)`: `g` and a zero last item."""
    from . import zeros_like
    if not isinstance(d, (list, tuple)):
        return 0.0
    head = list(g) if isinstance(g, (list, tuple)) else zeros_like(list(d[:-1]))
    return head + [zeros_like(d[-1])]


def spread_sum(g, d):
    """The adjoint of `d` in `spread_adjoint(d, items)`: the items' adjoints, summed."""
    from . import broadcast_like
    if not isinstance(g, (list, tuple)):
        return 0.0 * d
    total = 0.0 * d
    for item in g:
        total = total + broadcast_like(item, d) if np.ndim(item) <= np.ndim(d) else \
            total + np.sum(item)
    return total
