"""Run-time helpers for the parts of Python that are not math: lists, strings, checks,
`with` blocks. Generated code calls them; they never modify their arguments."""

from __future__ import annotations

import linecache

import numpy as np

from srcad.errors import SourceLoc, UnsupportedSyntaxError
from srcad.runtime.adjoints import (
    broadcast_like,
    is_zero,
    list_adjoint,
    shaped_items,
    unbroadcast,
    zeros_like,
)
from srcad.runtime.marks import check_only


def _like_sequence(adjoints: list, items):
    """Item adjoints in the container type of `items` (an array's rows stack)."""
    if isinstance(items, np.ndarray):
        if not adjoints:
            return zeros_like(items)
        return np.stack([np.broadcast_to(g, np.shape(x)) for g, x in zip(adjoints, items)])
    return tuple(adjoints) if isinstance(items, tuple) else adjoints


def list_append(items, value):
    """`items.append(value)` as a new list (the old one is unchanged)."""
    out = list(items)
    out.append(value)
    return out


def append_adjoint_head(d, items):
    """The adjoint of `items` from the adjoint `d` of `items + [value]`."""
    return shaped_items(list_adjoint(d, len(items) + 1, "append")[:-1], items)


def append_adjoint_last(d, value):
    """The adjoint of the appended value: the last item of `d`."""
    if is_zero(d):
        return zeros_like(value)
    return broadcast_like(d[-1], value)


def as_list(items):
    """`list(items)`."""
    return list(items)


def as_list_adjoint(d, items):
    """The adjoint of `items` from that of `list(items)`."""
    return _like_sequence(shaped_items(list_adjoint(d, len(items), "list()"), items), items)


def list_extend(items, more):
    """`items.extend(more)` (or `items + more`) as a new list (the old one is unchanged)."""
    return list(items) + list(more)


def extend_adjoint_head(d, items, more):
    """The adjoint of `items` from the adjoint `d` of `list_extend(items, more)`."""
    whole = list_adjoint(d, len(items) + len(more), "extend")
    return shaped_items(whole[:len(items)], items)


def extend_adjoint_tail(d, items, more):
    """The adjoint of `more` (a list; an array of rows for an array) in `list_extend`."""
    whole = list_adjoint(d, len(items) + len(more), "extend")
    return _like_sequence(shaped_items(whole[len(items):], more), more)


def list_insert(items, index, value):
    """`items.insert(index, value)` as a new list."""
    out = list(items)
    out.insert(index, value)
    return out


def _insert_position(count, index) -> int:
    """Where `list.insert(index, v)` puts `v` in a list of `count` items."""
    return min(max(index + count if index < 0 else index, 0), count)


def insert_adjoint_items(d, items, index):
    """The adjoint of `items` in `list_insert(items, index, value)`."""
    whole = list_adjoint(d, len(items) + 1, "insert")
    del whole[_insert_position(len(items), index)]
    return shaped_items(whole, items)


def insert_adjoint_value(d, items, index, value):
    """The adjoint of `value` in `list_insert(items, index, value)`."""
    whole = list_adjoint(d, len(items) + 1, "insert")
    g = whole[_insert_position(len(items), index)]
    return zeros_like(value) if is_zero(g) else broadcast_like(g, value)


def list_delete(items, index=-1):
    """`items` without the item at `index` (what is left after `items.pop(index)`)."""
    out = list(items)
    del out[index]
    return out


def delete_adjoint(d, items, index=-1):
    """The adjoint of `items` from that of `list_delete(items, index)`: zero at `index`."""
    rest = list_adjoint(d, len(items) - 1, "pop")
    position = index + len(items) if index < 0 else index
    rest.insert(position, 0.0)
    return shaped_items(rest, items)


def list_setitem(items, index, value):
    """`items[index] = value` on a list, as a new list."""
    out = list(items)
    out[index] = value
    return out


def setitem_adjoint_items(d, items, index):
    """The adjoint of `items` in `list_setitem`: zero where the item was replaced."""
    whole = list_adjoint(d, len(items), "item assignment")
    if isinstance(index, slice):
        for position in range(*index.indices(len(items))):
            whole[position] = 0.0
    else:
        whole[index] = 0.0
    return shaped_items(whole, items)


def setitem_adjoint_value(d, items, index, value):
    """The adjoint of `value` in `list_setitem(items, index, value)`."""
    whole = list_adjoint(d, len(items), "item assignment")
    if isinstance(index, slice):
        return _like_sequence(shaped_items(whole[index], value), value)
    g = whole[index]
    return zeros_like(value) if is_zero(g) else broadcast_like(g, value)


def repeat_items(items, count):
    """`items * count` for a list (count copies of its items, one after the other)."""
    return list(items) * count


def repeat_adjoint(d, items, count):
    """The adjoint of `items` in `repeat_items`: the copies' adjoints, summed."""
    n = len(items)
    whole = list_adjoint(d, n * max(count, 0), "list repetition")
    total = [0.0] * n
    for start in range(0, len(whole), max(n, 1)):
        total = [a + b for a, b in zip(total, whole[start:start + n])]
    return _like_sequence(shaped_items(total, items), items)


def sorted_items(items, reverse=False):
    """`sorted(items, reverse=reverse)` (numbers)."""
    return sorted(items, reverse=reverse)


def sort_order(items, reverse=False) -> list:
    """The positions `sorted(items, reverse=reverse)` takes its items from."""
    order = sorted(range(len(items)), key=lambda i: items[i], reverse=reverse)
    return order


def unsort_adjoint(d, items, reverse=False):
    """The adjoint of `items` from that of `sorted_items(items, reverse)`."""
    whole = list_adjoint(d, len(items), "sorted")
    out = [0.0] * len(items)
    for g, position in zip(whole, sort_order(items, reverse)):
        out[position] = g
    return _like_sequence(shaped_items(out, items), items)


def sort_like(d, items, reverse=False):
    """The tangent of `sorted_items(items, reverse)`: `d` reordered the same way."""
    whole = list_adjoint(d, len(items), "sorted")
    return [whole[position] for position in sort_order(items, reverse)]


def max_item(items):
    """`max(items)` over a sequence of numbers."""
    return max(items)


def min_item(items):
    """`min(items)` over a sequence of numbers."""
    return min(items)


def pick_adjoint(d, items, picked):
    """The adjoint of `items` in `max(items)` / `min(items)`: `d` at the first item equal
    to the picked one (the one Python returns), zero elsewhere."""
    out = [0.0] * len(items)
    for position, item in enumerate(items):
        if item == picked:
            out[position] = d
            break
    return _like_sequence(shaped_items(out, items), items)


def picked_tangent(d, items, picked):
    """The tangent of `max(items)` / `min(items)`: that of the item Python returns."""
    whole = list_adjoint(d, len(items), "max/min")
    for position, item in enumerate(items):
        if item == picked:
            return whole[position]
    return 0.0


def sum_items(items, start=0):
    """`sum(items, start)`."""
    return sum(items, start)


def spread_adjoint(d, items):
    """The adjoint of every item of a sum: `d`, shaped like each item."""
    return _like_sequence([unbroadcast(d, x) for x in items], items)


def reversed_items(items):
    """`reversed(items)` as a sequence (list, tuple or array) a loop can index."""
    if isinstance(items, np.ndarray):
        return items[::-1]
    return list(items)[::-1]


def reverse_adjoint(d, items):
    """The adjoint of `items` from that of `reversed_items(items)`."""
    if isinstance(items, np.ndarray):
        return np.asarray(d)[::-1] if np.ndim(d) else d
    return shaped_items(list_adjoint(d, len(items), "reversed")[::-1], items)


@check_only
def check_zip_length(items, required):
    """`zip(container, items)` unrolled over the container's `required` items: `items`
    must have that many (Python's zip would stop early, which srcad does not follow)."""
    if len(items) < required:
        raise ValueError(f"zip() of a container of {required} items and a sequence of "
                         f"{len(items)}: srcad unrolls the loop over the container, and "
                         "needs the sequence at least as long")


def check_unpack(items, required):
    """`a, *rest, b = items` needs at least `required` items, as Python checks."""
    if len(items) < required:
        raise ValueError(f"not enough values to unpack (expected at least {required}, "
                         f"got {len(items)})")


def as_tuple(items):
    """`tuple(items)`."""
    return tuple(items)


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
    if any(_holds(other, value) for other in others):
        check_unshared(value, name, "another variable holds it (or a view of it)", where)


@check_only
def check_write_unshared(value, name, where, *others):
    """Before `name[i] = v`: refuse if another variable holds `value` or a view of it
    (plain Python would change that one too; srcad makes a new array)."""
    if not isinstance(value, (np.ndarray, list)) or \
            not any(_holds(other, value) for other in others):
        return
    loc = None
    if where is not None:
        filename, line, col, function = where
        loc = SourceLoc(filename, line, col, function, linecache.getline(filename, line))
    raise UnsupportedSyntaxError(
        f"'{name}[...] = ...' would change {_what(value)} in place that another variable "
        "still holds: they share memory (Python would change both; srcad makes a new array)",
        loc, hint=f"copy it before writing into it ({name} = np.copy({name})), or build a "
                  "new value")


def check_item_unshared(container, item, text, where, *others):
    """Before `obj[k] += v` or `obj.attr += v`: Python changes the item itself in place
    when it is an array or a list, so every other holder sees the change; srcad makes a
    new item. Refuse if another variable or container (`others`) holds it or a view of
    it. An item of an array (`y[i] += v`) is written back into the array: no check."""
    if isinstance(container, np.ndarray) or not isinstance(item, (np.ndarray, list)):
        return
    if any(_holds(other, item) for other in others):
        check_unshared(item, text, "another variable or container holds it (or a view of "
                       "it)", where)


def _holds(other, item, depth: int = 4) -> bool:
    """Whether `other` is `item`, shares memory with it, or contains such a value."""
    if other is item:
        return True
    if isinstance(other, np.ndarray) and isinstance(item, np.ndarray):
        return np.shares_memory(other, item)
    if depth and isinstance(other, (list, tuple)):
        return any(_holds(o, item, depth - 1) for o in other)
    if depth and isinstance(other, dict):
        return any(_holds(o, item, depth - 1) for o in other.values())
    return False


def _what(value) -> str:
    return "an array" if isinstance(value, np.ndarray) else "a list"


# Rules for the helpers above (second derivatives differentiate reverse sweeps).

def last_item_adjoint(g, d):
    """The adjoint of `d` in `append_adjoint_last(d, value)`: `g` in the last place."""
    if is_zero(d):
        return 0.0
    out = [0.0] * len(d)
    out[-1] = g
    return shaped_items(out, d)


def head_adjoint(g, d):
    """The adjoint of `d` in `append_adjoint_head(d, items)`: `g` and a zero last item."""
    if is_zero(d):
        return 0.0
    return shaped_items(list_adjoint(g, len(d) - 1, "append") + [0.0], d)


def spread_sum(g, d):
    """The adjoint of `d` in `spread_adjoint(d, items)`: the items' adjoints, summed
    (each summed down to `d`'s shape)."""
    total = 0.0 * d
    for item in list_adjoint(g, len(g) if not is_zero(g) else 0, "sum"):
        total = total + unbroadcast(item, d)
    return total


def extend_head_transpose(g, items, more):
    """The adjoint of `d` in `extend_adjoint_head(d, items, more)`."""
    return shaped_items(list_adjoint(g, len(items), "extend") + [0.0] * len(more),
                   list(items) + list(more))


def extend_tail_transpose(g, items, more):
    """The adjoint of `d` in `extend_adjoint_tail(d, items, more)`."""
    return shaped_items([0.0] * len(items) + list_adjoint(g, len(more), "extend"),
                   list(items) + list(more))


def one_hot_items(g, count, position):
    """A list adjoint of `count` items: `g` at `position` (an index or a slice)."""
    out = [0.0] * count
    if isinstance(position, slice):
        for at, item in zip(range(*position.indices(count)), list_adjoint(g, len(
                range(*position.indices(count))), "item assignment")):
            out[at] = item
    else:
        out[position] = g
    return out


def insert_items_transpose(g, items, index):
    """The adjoint of `d` in `insert_adjoint_items(d, items, index)`."""
    return list_insert(list_adjoint(g, len(items), "insert"),
                       _insert_position(len(items), index), 0.0)


def insert_value_transpose(g, items, index):
    """The adjoint of `d` in `insert_adjoint_value(d, items, index, value)`."""
    return one_hot_items(g, len(items) + 1, _insert_position(len(items), index))


def delete_transpose(g, items, index=-1):
    """The adjoint of `d` in `delete_adjoint(d, items, index)`."""
    return list_delete(list_adjoint(g, len(items), "pop"), index)
