"""Random idiomatic-Python programs for srcad, as Hypothesis strategies.

`programs(config)` draws a module whose entry point is `f(params, x)`:

* `params` is a dict of float arrays and floats, a namedtuple, a @dataclass (with a
  method), or a list of (W, b) tuples (a small network); `x` is a (3,) vector or a float;
* the body of `f` is a sequence of *snippets*, each reading values computed before it
  (a pool of scalars and (3,) vectors) and producing a new local value. The snippets
  exercise the Python srcad documents as supported (docs/python.md): local `def`s and
  `lambda`s reading enclosing variables and with default arguments, module-level
  helpers taking and returning dicts and tuples, classes with `__init__`, methods,
  `@staticmethod`, `@property` and a subclass calling `super()`, lists built with
  `append` in loops and consumed by `sum` / indexing, list / dict comprehensions and
  generator expressions (with and without `if`), `for k, v in d.items()`, `zip`,
  `enumerate`, `reversed`, namedtuple / dict state rebound in a loop, a branch choosing
  between two dicts with the same keys, `y = np.zeros(3); y[i] = ...`, `min` / `max` of
  two values, `assert`, `print`, f-strings and `srcad.insert_grad_of` hooks that leave
  the gradient unchanged;
* snippets "lists" and "complex" (feature_snippets.py, shared with program_gen.py):
  run-time lists (append / extend / += / insert / pop / preallocation / comprehension /
  dict values / an attribute list grown by a method / a list in a dict) consumed by
  NumPy reductions and builtins, and complex intermediates (arithmetic, exp(1j t),
  conj, abs, angle, vdot, a complex recurrence, np.fft) ending in a real value; a clear
  srcad.SrcadError refusal of a program using them is accepted, a crash or a wrong
  gradient is not;
* snippets "module_consts" (module-level index arrays, boolean masks, tuples / lists /
  dicts of arrays read like literals), "out_kw" (NumPy calls writing into `out=`
  arrays: new buffers, an accumulator in a loop, a local def filling a buffer) and
  "wraps" (a helper wrapped by a functools.wraps decorator or decorator factory whose
  wrapper does math of its own): srcad documents them as supported, so a refusal is a
  failure;
* `f` returns a scalar reading every value it computed.

`calls()` draws something else: one call of a srcad API on a small generated function
(`Call`), either one srcad must refuse with a srcad.SrcadError naming the function
(grad / value_and_grad / hessian / hvp / grad of grad of a function returning a tuple,
list, dict, str, complex value, None, bool or array; `wrt=` an argument holding an int,
bool, str or None; a list of ints; an out= write NumPy and srcad's `buf = f(x)` would
disagree on), or one that must match finite differences (a list
argument in array arithmetic, whose gradient is a list; a functools.wraps wrapper).

Values stay bounded (every snippet squashes its result with tanh / sin, weights are
small), so central differences are accurate. Branches, `if` filters and min / max may
sit on kinks: the checker (test_random_python.py) discards such draws, like harness.py.

Params are described, not built: their namedtuple / dataclass types live in the
generated module, so `Program.build_params(module)` makes them after it is imported.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field

import feature_snippets as fsn
import numpy as np
from hypothesis import strategies as st

S = "s"  # a scalar
V = "v"  # a (3,) vector
KINDS = ("dict", "namedtuple", "dataclass", "layers")
KEY_SHAPES = {"w": V, "b": V, "a": S, "c": S, "M": "m"}
CONSTS = ("0.5", "0.25", "1.5", "0.75", "0.3", "1.25", "0.8", "2.0")

SNIPPETS = ("local_def", "lambda", "late_lambda", "helper_dict", "helper_tuple",
            "helper_params", "klass", "append_loop", "list_comp", "dict_comp", "genexpr",
            "items_loop", "zip_enum_rev", "state_nt", "state_dict", "branch_dicts",
            "zeros_write", "minmax", "objects_list",
            # these four found srcad bugs (fixed; tests in test_python_regressions.py)
            "ifexp_nt", "list_concat", "fstring_keys", "dict_comp_filter",
            # run-time lists consumed by NumPy / builtins, and complex intermediates
            # (feature_snippets.py; a clear refusal of these is accepted)
            "lists", "complex",
            # module-level constant arrays, out= arrays, functools.wraps wrappers
            "module_consts", "out_kw", "wraps")
# Snippets whose programs may be refused (srcad.SrcadError) without counting as failures.
REFUSAL_OK_SNIPPETS = ("lists", "complex")
# Valid Python that srcad does not handle, left out of the default programs (set
# SRCAD_RANDOM_PY_ALL=1 to draw them too). Each has a test in test_python_regressions.py.
KNOWN_BUG_SNIPPETS: tuple = ()  # srcad crashes (internal errors)
REFUSED_SNIPPETS: tuple = ()  # clear UnsupportedSyntaxErrors
ALL_SNIPPETS = SNIPPETS + KNOWN_BUG_SNIPPETS + REFUSED_SNIPPETS
SIDE = ("assert", "print", "hook")


@dataclass(frozen=True)
class Config:
    min_snippets: int = 1
    max_snippets: int = 4
    snippets: tuple = ALL_SNIPPETS if os.environ.get("SRCAD_RANDOM_PY_ALL") else SNIPPETS
    side_percent: int = 35  # chance of an assert / print / hook after a snippet
    kinds: tuple = KINDS


@dataclass
class Program:
    source: str
    kind: str  # one of KINDS
    leaves: dict  # dict / namedtuple / dataclass: key -> value; layers: [(W, b)]
    x: object  # np.ndarray (3,) or float
    features: tuple = ()  # the snippets drawn (feature_snippets names for lists / complex)

    @property
    def refusal_ok(self) -> bool:
        """A clear srcad.SrcadError refusal is an acceptable outcome for this program."""
        return any(f in fsn.ALL for f in self.features)

    def build_params(self, module):
        if self.kind == "dict":
            return {k: _copy(v) for k, v in self.leaves.items()}
        if self.kind == "namedtuple":
            return module.Params(**{k: _copy(v) for k, v in self.leaves.items()})
        if self.kind == "dataclass":
            return module.ParamsDC(**{k: _copy(v) for k, v in self.leaves.items()})
        return [(_copy(W), _copy(b)) for W, b in self.leaves]

    def describe_args(self) -> str:
        if self.kind == "layers":
            params = "[" + ", ".join(f"({_show(W)}, {_show(b)})" for W, b in self.leaves) + "]"
        else:
            items = ", ".join(f"{k}={_show(v)}" for k, v in self.leaves.items())
            params = {"dict": f"dict({items})", "namedtuple": f"Params({items})",
                      "dataclass": f"ParamsDC({items})"}[self.kind]
        return f"params = {params}\nx = {_show(self.x)}"

    def __str__(self) -> str:
        return f"{self.source}\n{self.describe_args()}"


def _copy(v):
    return v.copy() if isinstance(v, np.ndarray) else v


def _show(v) -> str:
    return f"np.array({v.tolist()!r})" if isinstance(v, np.ndarray) else repr(v)


# ----------------------------------------------------------------------------- state


@dataclass
class Val:
    src: str
    shape: str  # S or V
    local: bool = False  # a local variable of f (must be read before the return)
    used: bool = False


@dataclass
class Gen:
    draw: object
    kind: str
    keys: tuple
    body: list = field(default_factory=list)  # lines of f, with their indentation
    module: list = field(default_factory=list)  # module-level definitions
    pool: list = field(default_factory=list)
    n: int = 0
    features: list = field(default_factory=list)

    def fresh(self, stem: str) -> str:
        self.n += 1
        return f"{stem}{self.n}"

    def acc(self, obj: str, key: str) -> str:
        return f'{obj}["{key}"]' if self.kind == "dict" else f"{obj}.{key}"

    def pick(self, shape: str | None = None) -> Val:
        cands = [v for v in self.pool if shape is None or v.shape == shape]
        if not cands:  # make one of the wanted shape
            src = self.pick()
            cands = [Val(f"np.sum({src.src})" if shape == S else f"({src.src} * np.ones(3))",
                         shape)]
        # unused values first, recent ones first: the simplest draw reads those
        order = sorted(range(len(cands)), key=lambda i: (cands[i].used, -i))
        val = cands[order[self.draw(st.integers(0, len(order) - 1))]]
        val.used = True
        return val

    def local_name(self, v: Val) -> Val:
        """A value that is a plain local name (f-strings, hooks): bind it if needed."""
        if v.local and v.src.isidentifier():
            return v
        name = self.fresh("u")
        self.line(f"{name} = {v.src}")
        return Val(name, v.shape, local=True, used=True)

    def const(self) -> str:
        return self.draw(st.sampled_from(CONSTS))

    def line(self, text: str, indent: int = 1):
        self.body.append("    " * indent + text)

    def define(self, text: str):
        self.module.append(text.strip("\n"))

    def result(self, name: str, shape: str):
        self.pool.append(Val(name, shape, local=True))


def shape_of(*vals) -> str:
    return V if any(v.shape == V for v in vals) else S


def elem(v: Val, i: str) -> str:
    return f"{v.src}[{i}]" if v.shape == V else v.src


# ----------------------------------------------------------------------------- snippets


def snip_local_def(g: Gen):
    a, b, enc = g.pick(), g.pick(), g.pick()
    fn, t = g.fresh("inner"), g.fresh("t")
    c1, c2 = g.const(), g.const()
    g.line(f"def {fn}(u, c={c1}):")
    g.line(f"    return np.tanh(c * u + 0.5 * {enc.src})")
    call2 = g.draw(st.sampled_from([f"{fn}({b.src}, {c2})", f"{fn}({b.src}, c={c2})",
                                    f"{fn}(u={b.src})"]))
    g.line(f"{t} = {fn}({a.src}) - 0.5 * {call2}")
    g.result(t, shape_of(a, b, enc))


def snip_lambda(g: Gen):
    a, b, enc = g.pick(), g.pick(), g.pick()
    fn, t = g.fresh("lam"), g.fresh("t")
    g.line(f"{fn} = lambda u, k={g.const()}: np.sin(k * u) * (1.0 + 0.3 * np.tanh({enc.src}))")
    g.line(f"{t} = {fn}({a.src}) + 0.5 * {fn}({b.src}, k={g.const()})")
    g.result(t, shape_of(a, b, enc))


def snip_late_lambda(g: Gen):
    """A lambda reading a variable rebound after its definition (late binding)."""
    a, b = g.pick(), g.pick()
    z, fn, t = g.fresh("z"), g.fresh("lam"), g.fresh("t")
    g.line(f"{z} = 0.5 * {a.src}")
    g.line(f"{fn} = lambda u: np.tanh(u + {z})")
    g.line(f"{z} = np.sin({z}) + {g.const()}")
    g.line(f"{t} = {fn}({b.src})")
    g.result(t, shape_of(a, b))


def snip_helper_dict(g: Gen):
    a, b, c = g.pick(), g.pick(), g.pick()
    fn, r, t = g.fresh("step"), g.fresh("r"), g.fresh("t")
    g.define(f'''
def {fn}(d, s):
    return {{"u": np.tanh(d["u"] * s + d["v"]), "v": d["v"] * {g.const()}}}
''')
    g.line(f'{r} = {fn}({{"u": {a.src}, "v": {b.src}}}, {c.src})')
    use = g.draw(st.sampled_from(["index", "items", "genexpr"]))
    if use == "index":
        g.line(f'{t} = {r}["u"] + np.sin({r}["v"])')
    elif use == "items":
        g.line(f"{t} = 0.0")
        g.line(f"for key, val in {r}.items():")
        g.line(f'    {t} = {t} + np.tanh(val) * (0.5 if key == "u" else 1.5)')
    else:
        g.line(f'{t} = sum(np.sin(val) for key, val in {r}.items() if key != "v")')
    g.result(t, shape_of(a, b, c))


def snip_helper_tuple(g: Gen):
    a, b = g.pick(), g.pick()
    fn, t = g.fresh("pair"), g.fresh("t")
    g.define(f'''
def {fn}(a, b):
    return np.sin(a) * b, np.tanh(a + {g.const()} * b)
''')
    if g.draw(st.booleans()):
        p, q = g.fresh("p"), g.fresh("q")
        g.line(f"{p}, {q} = {fn}({a.src}, {b.src})")
        g.line(f"{t} = {p} * {q} + {q}")
    else:
        pr = g.fresh("pr")
        g.line(f"{pr} = {fn}({a.src}, {b.src})")
        g.line(f"{t} = {pr}[0] - {pr}[1] * {pr}[0]")
    g.result(t, shape_of(a, b))


def snip_helper_params(g: Gen):
    """A module-level helper reading the params structure (or a layer of it)."""
    u = g.pick()
    fn, t = g.fresh("feat"), g.fresh("t")
    if g.kind == "layers":
        g.define(f'''
def {fn}(layer, u):
    W, b = layer
    return np.tanh(W @ (u * np.ones(3)) + b)
''')
        idx = g.draw(st.sampled_from(["0", "-1"]))
        g.line(f"{t} = {fn}(params[{idx}], {u.src})")
        g.result(t, V)
        return
    key = g.draw(st.sampled_from(g.keys))
    shp = KEY_SHAPES[key]
    if shp == "m":
        expr, shape = f"np.tanh({g.acc('p', key)} @ (u * np.ones(3)))", V
    else:
        expr, shape = f"np.tanh({g.acc('p', key)} * u)", shape_of(u, Val("", shp))
    g.define(f'''
def {fn}(p, u):
    return {expr}
''')
    g.line(f"{t} = {fn}(params, {u.src})")
    g.result(t, shape)


def snip_klass(g: Gen):
    a, b, u = g.pick(), g.pick(), g.pick()
    cls, obj, t = g.fresh("Unit"), g.fresh("obj"), g.fresh("t")
    g.define(f'''
class {cls}:
    def __init__(self, w, c):
        self.w = w
        self.c = c

    def apply(self, u):
        return np.tanh(self.w * u + self.c)

    @staticmethod
    def squash(u):
        return np.sin(u) * {g.const()}

    @property
    def scale(self):
        return 0.5 * np.tanh(self.c)
''')
    sub = g.draw(st.sampled_from(["none", "init", "init_override"]))
    if sub == "none":
        g.line(f"{obj} = {cls}({a.src}, {b.src})")
    else:
        override = '''
    def apply(self, u):
        return super().apply(u) * self.k
''' if sub == "init_override" else ""
        g.define(f'''
class {cls}Sub({cls}):
    def __init__(self, w, c, k):
        super().__init__(w, c)
        self.k = k
{override}''')
        g.line(f"{obj} = {cls}Sub({a.src}, {b.src}, {g.const()})")
    static = g.draw(st.sampled_from([f"{cls}.squash", f"{obj}.squash"]))
    g.line(f"{t} = {obj}.apply({u.src}) * {obj}.scale + {static}({u.src})")
    g.result(t, shape_of(a, b, u))


def snip_objects_list(g: Gen):
    """Objects built in a comprehension, consumed by a generator expression."""
    a, b, u = g.pick(), g.pick(), g.pick()
    cls, objs, t = g.fresh("Gain"), g.fresh("objs"), g.fresh("t")
    g.define(f'''
class {cls}:
    def __init__(self, g, shift={g.const()}):
        self.g = g
        self.shift = shift

    def __call__(self, u):
        return np.tanh(self.g * u - self.shift)
''')
    if g.draw(st.booleans()):
        g.line(f"{objs} = [{cls}(v) for v in ({a.src}, {b.src})]")
    else:
        g.line(f"{objs} = [{cls}({a.src}), {cls}({b.src}, shift=0.1)]")
    g.line(f"{t} = sum(o({u.src}) for o in {objs})")
    g.result(t, shape_of(a, b, u))


def snip_append_loop(g: Gen):
    a, b = g.pick(), g.pick()
    acc, t = g.fresh("acc"), g.fresh("t")
    k = g.draw(st.integers(2, 4))
    g.line(f"{acc} = []")
    header = g.draw(st.sampled_from(["range", "reversed", "enumerate"]))
    elems = [shape_of(a, b)] * k  # the shapes of the items
    if header == "range":
        g.line(f"for i in range({k}):")
        g.line(f"    {acc}.append(np.sin({a.src} * ({g.const()} + 0.5 * i)) * {b.src})")
    elif header == "reversed":
        g.line(f"for i in reversed(range({k})):")
        g.line(f"    {acc}.append(np.tanh({a.src} - 0.25 * i) * {b.src})")
    else:
        c = g.pick()
        g.line(f"for i, v in enumerate([{a.src}, {b.src}, {c.src}]):")
        g.line(f"    {acc}.append(np.sin(v) * (1.0 + 0.5 * i))")
        k, elems = 3, [a.shape, b.shape, c.shape]
    idx = g.draw(st.sampled_from(["0", "-1", str(k - 1)]))
    use = g.draw(st.sampled_from(["sum", "zip_rev", "len"]))
    if use == "sum":
        g.line(f"{t} = sum({acc}) + {acc}[{idx}]")
    elif use == "zip_rev":
        g.line(f"{t} = sum(p * q for p, q in zip({acc}, reversed({acc})))")
    else:
        g.line(f"{t} = {acc}[{idx}] * len({acc}) * 0.25")
        elems = [elems[int(idx)]]
    g.result(t, V if V in elems else S)


def snip_list_comp(g: Gen):
    a = g.pick()
    vals, t = g.fresh("vals"), g.fresh("t")
    cs = ", ".join(g.draw(st.lists(st.sampled_from(CONSTS), min_size=2, max_size=4)))
    filt = g.draw(st.sampled_from(["", " if i != 1", " if i % 2 == 0"]))
    g.line(f"{vals} = [np.tanh({a.src} * c) for i, c in enumerate(({cs},)){filt}]")
    use = g.draw(st.sampled_from(["sum", "ends"]))
    g.line(f"{t} = sum({vals})" if use == "sum" else f"{t} = {vals}[0] * {vals}[-1]")
    g.result(t, a.shape)


def snip_dict_comp(g: Gen, filt=False):
    a, b, c = g.pick(), g.pick(), g.pick()
    dd, t = g.fresh("dd"), g.fresh("t")
    g.line(f'{dd} = {{k: np.sin(v) * {g.const()} for k, v in zip(("p", "q", "r"), '
           f'({a.src}, {b.src}, {c.src})){" if k != " + repr("q") if filt else ""}}}')
    if g.draw(st.booleans()):
        g.line(f'{t} = {dd}["p"] + {dd}["r"]')
        shape = shape_of(a, c)
    else:
        g.line(f"{t} = 0.0")
        g.line(f"for k, v in {dd}.items():")
        g.line(f"    {t} = {t} + np.tanh(v)")
        shape = shape_of(a, c) if filt else shape_of(a, b, c)
    g.result(t, shape)


def snip_dict_comp_filter(g: Gen):
    """A dict comprehension over a zip of displays with a filter on the (constant) key:
    srcad refuses it ('a condition on run-time values in a comprehension over a
    container')."""
    snip_dict_comp(g, filt=True)


def snip_genexpr(g: Gen):
    t = g.fresh("t")
    form = g.draw(st.sampled_from(["const_filter", "value_filter", "plain"]))
    a = g.pick()
    if form != "value_filter":
        b, c = g.pick(), g.pick()
    if form == "plain":
        g.line(f"{t} = sum(np.tanh(u * w) for u, w in zip([{a.src}, {b.src}], "
               f"({g.const()}, -{g.const()})))")
        shape = shape_of(a, b)
    elif form == "const_filter":
        g.line(f"{t} = sum(np.sin(u * w) for u, w in zip(({a.src}, {b.src}, {c.src}), "
               f"(0.5, -0.3, 0.8)) if w > 0)")
        shape = shape_of(a, c)
    else:  # a data-dependent filter (kinks are discarded by the checker)
        b, c = g.pick(a.shape), g.pick(a.shape)  # any subset sums to one shape
        g.line(f"{t} = {c.src} * 0.1 + sum(np.tanh(u) for u in ({a.src}, {b.src}) "
               f"if np.sum(u) > 0.0)")
        shape = shape_of(a, b, c)
    g.result(t, shape)


def snip_items_loop(g: Gen):
    t = g.fresh("t")
    if g.kind == "dict" and g.draw(st.booleans()):
        skip = g.draw(st.sampled_from(g.keys))
        g.line(f"{t} = 0.0")
        g.line("for key, val in params.items():")
        if g.draw(st.booleans()):
            g.line(f'    if key == "{skip}":')
            g.line("        continue")
        g.line(f"    {t} = {t} + np.tanh(np.sum(val) * {g.const()})")
        g.result(t, S)
        return
    a, b = g.pick(), g.pick()
    d = g.fresh("d")
    g.line(f'{d} = {{"p": {a.src}, "q": {b.src}}}')
    g.line(f"{t} = 0.0")
    g.line(f"for k, v in {d}.items():")
    g.line(f'    {t} = {t} + np.tanh(v) * (0.5 if k == "p" else 1.5)')
    g.result(t, shape_of(a, b))


def snip_zip_enum_rev(g: Gen):
    a, b, c, e = g.pick(), g.pick(), g.pick(), g.pick()
    t = g.fresh("t")
    g.line(f"{t} = 0.0")
    g.line(f"for i, (u, w) in enumerate(zip([{a.src}, {b.src}], "
           f"reversed([{c.src}, {e.src}]))):")
    g.line(f"    {t} = {t} + np.sin(u * w) * (i + 1) * 0.5")
    g.result(t, shape_of(a, b, c, e))


def _same_shape_pair(g: Gen):
    p, v = g.pick(), g.pick()
    if p.shape != v.shape:
        return Val(f"{p.src} * np.ones(3)", V) if p.shape == S else p, \
            Val(f"{v.src} * np.ones(3)", V) if v.shape == S else v
    return p, v


def snip_state_nt(g: Gen):
    p, v = _same_shape_pair(g)
    cls, s, t = g.fresh("State"), g.fresh("s"), g.fresh("t")
    g.define(f'{cls} = namedtuple("{cls}", ["p", "v"])')
    dt = g.draw(st.sampled_from(["0.1", "0.2"]))
    k = g.draw(st.integers(1, 4))
    g.line(f"{s} = {cls}({p.src}, {v.src})")
    g.line(f"for _ in range({k}):")
    g.line(f"    {s} = {cls}({s}.p + {dt} * {s}.v, {s}.v - {dt} * np.sin({s}.p))")
    g.line(f"{t} = np.tanh({s}.p) * {s}.v")
    g.result(t, p.shape)


def snip_state_dict(g: Gen):
    p, v = _same_shape_pair(g)
    s, t = g.fresh("st"), g.fresh("t")
    k = g.draw(st.integers(1, 4))
    g.line(f'{s} = {{"x": {p.src}, "v": {v.src}}}')
    g.line(f"for i in range({k}):")
    g.line(f'    {s} = {{"x": {s}["x"] + 0.1 * {s}["v"], "v": {s}["v"] * 0.9 - 0.1 * {s}["x"]}}')
    g.line(f'{t} = np.tanh({s}["x"] + {s}["v"])')
    g.result(t, p.shape)


def snip_branch_dicts(g: Gen):
    a, b = g.pick(), g.pick()
    c, d = g.pick(b.shape), g.pick(b.shape)  # the items have one shape in both branches
    cfg, t = g.fresh("cfg"), g.fresh("t")
    g.line(f"if np.sum({a.src}) > {g.draw(st.sampled_from(['0.0', '0.3', '-0.2']))}:")
    g.line(f'    {cfg} = {{"k": {b.src}, "m": {g.const()}}}')
    g.line("else:")
    g.line(f'    {cfg} = {{"k": np.sin({c.src}), "m": {d.src} * 0.5}}')
    g.line(f'{t} = np.tanh({cfg}["k"] * {cfg}["m"])')
    g.result(t, b.shape)


def snip_ifexp_nt(g: Gen):
    """Two namedtuples of one type chosen by a conditional expression."""
    a, b, c = g.pick(), g.pick(), g.pick()
    cls, pick, t = g.fresh("Choice"), g.fresh("ch"), g.fresh("t")
    g.define(f'{cls} = namedtuple("{cls}", "gain bias")')
    g.line(f"{pick} = {cls}({b.src}, 0.5) if np.sum({a.src}) < 0.1 else "
           f"{cls}({g.const()}, {c.src})")
    # both branches give the same shape (the result's shape must not depend on the path)
    g.line(f"{t} = np.tanh({pick}.gain * {a.src} + {pick}.bias) + 0.0 * ({b.src} + {c.src})")
    g.result(t, shape_of(a, b, c))


def snip_list_concat(g: Gen):
    """Lists joined with `+`: srcad's reverse sweep crashes (it unbroadcasts the adjoint
    of the joined list onto each part)."""
    a, b = g.pick(), g.pick()
    vals, t = g.fresh("vals"), g.fresh("t")
    g.line(f"{vals} = [np.sin(v) for v in ({a.src}, {b.src})] + [{a.src} * 0.5]")
    g.line(f"{t} = sum({vals}) * 0.5")
    g.result(t, shape_of(a, b))


def snip_zeros_write(g: Gen):
    a, b = g.pick(), g.pick()
    y, t = g.fresh("y"), g.fresh("t")
    g.line(f"{y} = np.zeros(3)")
    form = g.draw(st.sampled_from(["loop", "items", "aug"]))
    if form == "loop":
        g.line("for i in range(3):")
        g.line(f"    {y}[i] = np.sin({elem(a, 'i')}) * {elem(b, 'i')}")
    elif form == "items":
        g.line(f"{y}[0] = np.sum({a.src}) * 0.5")
        g.line(f"{y}[2] = np.tanh({elem(b, '1')})")
    else:
        g.line(f"{y}[1] = {elem(a, '0')}")
        g.line("for i in range(3):")
        g.line(f"    {y}[i] += 0.5 * np.tanh({elem(b, 'i')})")
    g.line(f"{t} = np.tanh({y})")
    g.result(t, V)


def snip_minmax(g: Gen):
    a, b = g.pick(), g.pick()
    t = g.fresh("t")
    fn = g.draw(st.sampled_from(["max", "min"]))
    other = g.draw(st.sampled_from([f"np.sum({b.src}) * 0.5", g.const()]))
    g.line(f"{t} = {fn}(np.tanh(np.sum({a.src})), {other})")
    g.result(t, S)


class _Emitter:
    """feature_snippets' view of a Gen: operands come from the pool."""

    def __init__(self, g: Gen):
        self.g = g
        self.draw = g.draw

    def fresh(self, stem: str) -> str:
        return self.g.fresh(stem)

    def operand(self, shape: str) -> str:
        return self.g.pick(shape).src

    def line(self, text: str):
        self.g.line(text)

    def define(self, text: str):
        self.g.define(text)


def _feature(g: Gen, names: tuple):
    name = g.draw(st.sampled_from(names))
    g.features.append(name)
    t, shape = fsn.snippet(_Emitter(g), name)
    g.result(t, shape)


def snip_lists(g: Gen):
    """A Python list built at run time (append, extend, +=, insert, pop, comprehension,
    dict values, an attribute grown by a method, ...) consumed by NumPy or builtins."""
    _feature(g, fsn.LIST_SNIPPETS)


def snip_complex(g: Gen):
    """Complex intermediates (arithmetic, exp(1j * t), conj, abs, angle, vdot, a complex
    recurrence, np.fft) ending in a real value."""
    _feature(g, fsn.COMPLEX_SNIPPETS)


def snip_fstring_keys(g: Gen):
    """Dict keys made by f-strings: srcad refuses them ('dict keys computed at run time')."""
    a = g.pick()
    feats, t = g.fresh("feats"), g.fresh("t")
    g.line(f'{feats} = {{f"f{{i}}": np.sin({a.src} * c) for i, c in enumerate((1.0, 0.5, 2.0))}}')
    g.line(f'{t} = {feats}["f0"] + 0.5 * {feats}["f2"]')
    g.result(t, a.shape)


def _ints(g: Gen, n: int, lo: int, hi: int) -> list:
    return [g.draw(st.integers(lo, hi)) for _ in range(n)]


def _consts(g: Gen, n: int) -> str:
    return "np.array([" + ", ".join(g.const() for _ in range(n)) + "])"


def snip_module_consts(g: Gen):
    """Module-level constants read like literals: an integer index array (repeated
    indices too), a boolean mask, a tuple or list of arrays, a dict of arrays."""
    a, b = g.pick(V), g.pick()
    t = g.fresh("t")
    form = g.draw(st.sampled_from(["index", "mask", "where", "table", "dict"]))
    if form == "index":
        idx = g.fresh("IDX")
        g.define(f"{idx} = np.array({_ints(g, 3, -3, 2)!r})")
        g.line(f"{t} = np.tanh({a.src}[{idx}] * {b.src})")
        g.result(t, V)
    elif form == "mask":
        mask = g.fresh("MASK")
        on = g.draw(st.integers(0, 2))
        g.define(f"{mask} = np.array({[k != on for k in range(3)]!r})")
        g.line(f"{t} = np.sum(np.sin({a.src}[{mask}])) * {b.src}")
        g.result(t, b.shape)
    elif form == "where":
        mask = g.fresh("MASK")
        g.define(f"{mask} = np.array({[g.draw(st.booleans()) for _ in range(3)]!r})")
        g.line(f"{t} = np.where({mask}, np.sin({a.src}), {b.src} * {g.const()})")
        g.result(t, V)
    elif form == "table":
        tab = g.fresh("TABLE")
        n = g.draw(st.integers(2, 3))
        items = ", ".join(_consts(g, 3) for _ in range(n))
        g.define(f"{tab} = ({items},)" if g.draw(st.booleans()) else f"{tab} = [{items}]")
        use = g.draw(st.sampled_from(["genexpr", "stack", "index"]))
        if use == "genexpr":
            g.line(f"{t} = sum(np.tanh(w * {a.src}) for w in {tab})")
            g.result(t, V)
        elif use == "stack":
            g.line(f"{t} = np.tanh(np.sum(np.stack({tab}) @ {a.src}) * 0.25)")
            g.result(t, S)
        else:
            g.line(f"{t} = np.sin({tab}[-1] * {a.src} + {tab}[0])")
            g.result(t, V)
    else:
        d = g.fresh("SCALES")
        g.define(f'{d} = {{"gain": {_consts(g, 3)}, "shift": {g.const()}}}')
        g.line(f'{t} = np.tanh({a.src} * {d}["gain"] - {d}["shift"])')
        g.result(t, V)


def snip_out_kw(g: Gen):
    """NumPy calls writing into out= arrays: a new buffer, an accumulator in a loop (out=
    one of the inputs), a local helper filling a buffer it allocates."""
    a, b = g.pick(V), g.pick()
    buf, t = g.fresh("buf"), g.fresh("t")
    form = g.draw(st.sampled_from(["new", "loop", "local_def", "value"]))
    if form == "new":
        alloc = g.draw(st.sampled_from(["np.zeros(3)", "np.empty(3)", f"np.zeros_like({a.src})"]))
        g.line(f"{buf} = {alloc}")
        fn = g.draw(st.sampled_from(["multiply", "add", "subtract"]))
        g.line(f"np.{fn}(np.tanh({a.src}), {b.src}, out={buf})")
        g.line(f"np.sin({buf}, out={buf})")
    elif form == "loop":
        k = g.draw(st.integers(1, 3))
        g.line(f"{buf} = np.ones(3)")
        g.line(f"for i in range({k}):")
        g.line(f"    np.add({buf}, np.sin({a.src} * (0.5 + 0.25 * i)), out={buf})")
        g.line(f"    np.multiply({buf}, np.tanh({b.src}) * 0.5, out={buf})")
    elif form == "local_def":
        fn = g.fresh("fill")
        g.line(f"def {fn}(u):")
        g.line("    out = np.empty(3)")
        g.line(f"    np.exp(np.tanh(u) * {g.const()}, out=out)")
        g.line("    return out")
        g.line(f"{buf} = {fn}({a.src}) * {b.src}")
    else:
        r = g.fresh("r")
        g.line(f"{buf} = np.zeros(3)")
        g.line(f"{r} = np.multiply(np.sin({a.src}), {b.src}, out=({buf},))")
        g.line(f"{buf} = {r} + {buf}")
    g.line(f"{t} = np.tanh({buf})")
    g.result(t, V)


def snip_wraps(g: Gen):
    """A module-level helper wrapped by a functools.wraps decorator (or a decorator
    factory) whose wrapper does math of its own around the call."""
    a, b = g.pick(), g.pick()
    deco, fn, t = g.fresh("wrapping"), g.fresh("wrapped"), g.fresh("t")
    c = g.const()
    star = g.draw(st.booleans())
    sig = call = "*args, **kwargs" if star else "u, c=0.5"
    if not star:
        call = "u, c"
    first = "args[0]" if star else "u"
    body = g.draw(st.sampled_from([f"{c} * fn({call})", f"np.tanh(fn({call}))",
                                   f"fn({call}) + 0.25 * np.sin({first})"]))
    factory = g.draw(st.booleans())
    if factory:
        g.define(f'''
def {deco}(factor):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper({sig}):
            return factor * ({body})
        return wrapper
    return decorate


@{deco}({g.const()})
def {fn}(u, c=0.5):
    return np.sin(c * u) + 0.5 * u
''')
    else:
        g.define(f'''
def {deco}(fn):
    @functools.wraps(fn)
    def wrapper({sig}):
        return {body}
    return wrapper


@{deco}
def {fn}(u, c=0.5):
    return np.sin(c * u) + 0.5 * u
''')
    g.line(f"{t} = np.tanh({fn}({a.src}) - {fn}({b.src}, c={g.const()}))")
    g.result(t, shape_of(a, b))


# ----------------------------------------------------------------------------- side statements


def side_assert(g: Gen):
    v = g.pool[-1]
    form = g.draw(st.sampled_from(["finite", "shape", "fmsg"]))
    if form == "finite":
        g.line(f'assert np.all(np.isfinite({v.src})), "not finite"')
    elif form == "shape":
        g.line(f"assert np.shape({v.src}) == {(3,) if v.shape == V else ()}")
    else:
        u = g.local_name(v)
        g.line(f'assert np.all(np.abs({u.src}) < 1e6), f"too large: {{np.sum({u.src}):.3g}}"')


def side_print(g: Gen):
    u = g.local_name(g.pool[-1])
    g.line(f'print(f"{u.src} = {{np.sum({u.src}):.4f}}")')


def side_hook(g: Gen):
    u = g.local_name(g.pool[-1])
    d = "d_" + u.src
    g.line(f"with srcad.insert_grad_of({u.src}) as {d}:")
    form = g.draw(st.sampled_from(["scale", "print", "clip"]))
    if form == "scale":
        g.line(f"    {d} = {d} * 1.0")
    elif form == "print":
        g.line(f'    print(f"grad of {u.src}: {{np.sum({d}):.3g}}")')
    else:  # never fires: the gradient stays the true one
        g.line(f"    if np.sum({d} * {d}) > 1e12:")
        g.line(f"        {d} = {d} * 0.0")


# ----------------------------------------------------------------------------- program


def _start(g: Gen, x: Val):
    """Statements reading `params` that every program starts with."""
    if g.kind == "layers":
        form = g.draw(st.sampled_from(["for", "enumerate", "reversed", "helper", "comp"]))
        h0 = "x" if x.shape == V else "(x * np.ones(3))"
        if form == "comp":
            g.line(f"hs = [np.tanh(W @ {h0} + b) for W, b in params]")
            g.line("h = sum(hs) * 0.5")
        else:
            g.line(f"h = {h0}")
            if form == "for":
                g.line("for W, b in params:")
                g.line("    h = np.tanh(W @ h + b)")
            elif form == "enumerate":
                g.line("for i, (W, b) in enumerate(params):")
                g.line("    h = np.tanh(W @ h + b) * (1.0 - 0.1 * i)")
            elif form == "reversed":
                g.line("for W, b in reversed(params):")
                g.line("    h = np.tanh(W.T @ h + b)")
            else:
                g.define('''
def dense(layer, h):
    W, b = layer
    return np.tanh(W @ h + b)
''')
                g.line("for layer in params:")
                g.line("    h = dense(layer, h)")
        g.result("h", V)
        g.pool.append(Val("params[0][1]", V))
        g.pool.append(x)
        return
    g.pool.append(x)
    for key in g.keys:
        if KEY_SHAPES[key] == "m":
            xv = "x" if x.shape == V else "(x * np.ones(3))"
            g.line(f"z0 = np.tanh({g.acc('params', key)} @ {xv})")
            g.result("z0", V)
        else:
            g.pool.append(Val(g.acc("params", key), KEY_SHAPES[key]))
    if g.kind == "dataclass" and g.draw(st.booleans()):
        g.line(f"lin0 = params.lin({g.pick().src})")
        g.result("lin0", V)


def _module_header(g: Gen) -> str:
    lines = ["import functools"] if any("functools." in d for d in g.module) else []
    lines += ["from collections import namedtuple",
             "from dataclasses import dataclass",
             "",
             "import numpy as np",
             "",
             "import srcad"]
    defs = []
    if g.kind == "namedtuple":
        defs.append(f'Params = namedtuple("Params", {list(g.keys)!r})')
    elif g.kind == "dataclass":
        fields = "\n".join(f"    {k}: {'float' if KEY_SHAPES[k] == S else 'np.ndarray'}"
                           for k in g.keys)
        lin = "self.w" if "w" in g.keys else "0.5"
        defs.append(f'''@dataclass
class ParamsDC:
{fields}

    def lin(self, u):
        return np.tanh({lin} * u)''')
    return "\n".join(lines) + "\n\n\n" + "".join(d + "\n\n\n" for d in defs)


def _vector(draw, shape, scale=0.8):
    vals = draw(st.lists(st.integers(-100, 100), min_size=int(np.prod(shape)),
                         max_size=int(np.prod(shape))))
    return (np.array(vals, dtype=float) * (scale / 100)).reshape(shape)


@st.composite
def programs(draw, config: Config = Config()) -> Program:
    kind = draw(st.sampled_from(config.kinds))
    x_vec = draw(st.integers(0, 3)) > 0
    x = _vector(draw, (3,), 1.0) if x_vec else draw(st.integers(-100, 100)) / 100
    if kind == "layers":
        nl = draw(st.integers(1, 2))
        leaves = [(_vector(draw, (3, 3), 0.6), _vector(draw, (3,), 0.5)) for _ in range(nl)]
        keys = ()
    else:
        extra = draw(st.lists(st.sampled_from(("b", "a", "c", "M")), unique=True, max_size=3))
        keys = tuple(["w"] + sorted(extra, key="wbacM".index))
        leaves = {}
        for k in keys:
            shp = KEY_SHAPES[k]
            if shp == S:
                leaves[k] = draw(st.integers(-100, 100)) / 125
            else:
                leaves[k] = _vector(draw, (3, 3) if shp == "m" else (3,), 0.6)
    g = Gen(draw, kind, keys)
    _start(g, Val("x", V if x_vec else S))
    count = draw(st.integers(config.min_snippets, config.max_snippets))
    for _ in range(count):
        name = draw(st.sampled_from(config.snippets))
        g.features.append(name)
        globals()["snip_" + name](g)
        if draw(st.integers(0, 99)) < config.side_percent:
            globals()["side_" + draw(st.sampled_from(SIDE))](g)
    # the result reads every local value not read yet, and the last one
    outs = [v for v in g.pool if v.local and not v.used]
    if g.pool[-1] not in outs:
        outs.append(g.pool[-1])
    terms = [f"np.sum({v.src})" if v.shape == V else v.src for v in outs]
    coefs = [draw(st.sampled_from(("", "0.5 * ", "1.5 * ", "-0.75 * "))) for _ in terms]
    g.line("return " + " + ".join(c + t for c, t in zip(coefs, terms)))
    source = _module_header(g) + "".join(d + "\n\n\n" for d in g.module)
    source += "def f(params, x):\n" + "\n".join(g.body) + "\n"
    return Program(source, kind, leaves, x, tuple(g.features))


def with_config(**kw) -> Config:
    return dataclasses.replace(Config(), **kw)


# ----------------------------------------------------------------------------- API calls
#
# Calls of srcad's APIs that must be refused (a srcad.SrcadError naming the function),
# and two documented kinds of call that must work: a Python list argument used in
# array arithmetic (its gradient is a list), and a functools.wraps wrapper (srcad
# differentiates the wrapper's own code).

# What a gradient cannot start from (docs/derivatives.md, "What a gradient needs").
BAD_OUTPUTS = ("tuple", "list", "dict", "str", "complex", "none", "bool", "array")
BAD_ROUTES = ("direct", "local", "branch", "helper", "wrapped")
OUTPUT_APIS = ("grad", "value_and_grad", "hessian", "hvp", "grad_grad")
# An argument in `wrt` with no gradient: an int count / index / size / factor, a bool
# flag, a str mode, None.
ARG_ROLES = ("count", "index", "size", "factor", "flag", "mode", "none")
WRT_APIS = ("grad", "value_and_grad", "vjp", "jacobian", "hessian", "jvp")
LIST_APIS = ("grad", "value_and_grad", "vjp", "jvp", "hvp")
CALL_KINDS = ("bad_output", "int_wrt", "int_list", "out_refused", "list_arg", "wraps")
# out= writes srcad's `buf = f(x)` cannot reproduce (NumPy would change another
# variable's array too, or broadcast / cast into the buffer): refused where they are.
OUT_REFUSALS = ("alias", "value_kept", "broadcast", "cast", "argument", "global", "view")
# Calls srcad gets wrong, left out of the default draws (SRCAD_RANDOM_PY_ALL=1 draws
# them); each has a strict xfail in test_python_regressions.py. (output kind, route, api)
KNOWN_BUG_CALLS: tuple = ()
DRAW_KNOWN_BUGS = bool(os.environ.get("SRCAD_RANDOM_PY_ALL"))
NAMES = ("loss", "energy", "model", "objective", "score", "potential")


@dataclass
class Call:
    """A srcad API called on the module-level function `name`, and what it must do.

    `refused`: raise a srcad.SrcadError (not a RuleError) whose message names the
    function; otherwise return a result matching finite differences (these functions
    are smooth); `either`: one or the other (a call whose support is still being
    decided: forward-mode APIs on a list argument).
    """

    source: str
    name: str
    api: str
    args: tuple
    wrt: object = None  # None: the API's default
    kind: str = ""  # CALL_KINDS, with details
    refused: bool = True
    either: bool = False
    # other functions a refusal may name instead: a dict is refused where it is built
    # (test_python_regressions.py::test_dict_output_is_refused_as_documented)
    also_named: tuple = ()

    def __str__(self) -> str:
        shown = ", ".join(_show(a) if not isinstance(a, list) else
                          "[" + ", ".join(_show(v) for v in a) + "]" for a in self.args)
        wrt = "" if self.wrt is None else f", wrt={self.wrt!r}"
        return f"{self.source}\n{self.kind}: srcad.{self.api}({self.name}{wrt})({shown})"


_HEADER = "import functools\n\nimport numpy as np\n\n\n"


def _value_lines(draw, x: str) -> list:
    """Lines binding `v`, a smooth real scalar of `x` (a float or a (3,) vector)."""
    c = draw(st.sampled_from(CONSTS))
    form = draw(st.sampled_from(["sin", "quad", "loop"]))
    if form == "sin":
        return [f"v = np.sum(np.sin({x}) * {c})"]
    if form == "quad":
        return [f"v = np.sum({x} ** 2) * {c} + 0.5"]
    return ["v = 0.0", "for i in range(3):", f"    v = v + np.sum(np.tanh({x} * (i + {c})))"]


def _bad_return(draw, kind: str, vec: bool) -> str | None:
    """The source of a return value of `kind` (None: no value)."""
    options = {
        "tuple": ["v, v * 2.0", "(v, x)", "(v,)", "(v, (x, 1.0))"],
        "list": ["[v, x * 2.0]", "[v]"],
        "dict": ['{"value": v, "x": x}', "dict(value=v)"],
        "str": ['f"{v:.3f}"', "str(v)", "repr(v)"],
        "complex": ["v + 1j * v", "complex(v, 0.5)", "np.exp(1j * v)", "v * (1.0 - 0.5j)"] +
                   (["np.exp(1j * x) * v"] if vec else []),
        "none": ["", "None"],
        "bool": ["v > 0.0", "np.isfinite(v)"],
        "array": ["np.sin(x) * v", "x * 2.0"],
    }[kind]
    return draw(st.sampled_from(options))


def _arg(draw, vec: bool):
    if vec:
        return np.array([draw(st.integers(-90, 90)) / 100 for _ in range(3)])
    return draw(st.integers(-90, 90)) / 100


def _bad_output(draw, name: str) -> Call:
    kind = draw(st.sampled_from(BAD_OUTPUTS))
    vec = kind == "array" or draw(st.booleans())
    route = draw(st.sampled_from(BAD_ROUTES))
    api = draw(st.sampled_from(OUTPUT_APIS))
    if (kind, route, api) in KNOWN_BUG_CALLS and not DRAW_KNOWN_BUGS:
        route = "direct"
    body = _value_lines(draw, "x")
    ret = _bad_return(draw, kind, vec)
    ret_line = "return" + (f" {ret}" if ret else "")
    if kind == "none" and draw(st.booleans()):
        ret_line = "print(v)"  # falls off the end
    defs = []
    if route == "local" and ret:
        body += [f"out = {ret}", "return out"]
    elif route == "branch":
        other = _bad_return(draw, kind, vec)
        body += ["if np.sum(x) > 0.0:", f"    {ret_line}",
                 "return" + (f" {other}" if other else "")]
    elif route == "helper":
        defs.append("def helper(x):\n" + "".join(f"    {b}\n" for b in body) +
                    f"    {ret_line}\n")
        body = ["return helper(x * 1.0)"]
    else:
        body.append(ret_line)
    deco = ""
    if route == "wrapped":
        defs.append("def passthrough(fn):\n    @functools.wraps(fn)\n    def wrapper(x):\n"
                    "        return fn(x)\n    return wrapper\n")
        deco = "@passthrough\n"
    source = _HEADER + "".join(d + "\n\n" for d in defs) + \
        f"{deco}def {name}(x):\n" + "".join(f"    {b}\n" for b in body)
    wrt = draw(st.sampled_from([None, 0])) if api in ("grad", "value_and_grad") else None
    return Call(source, name, api, (_arg(draw, vec),), wrt, f"bad_output_{kind}_{route}",
                also_named=("helper",) if kind == "dict" and route == "helper" else ())


def _int_wrt(draw, name: str) -> Call:
    role = draw(st.sampled_from(ARG_ROLES))
    vec = role == "index" or draw(st.booleans())
    param = {"flag": "flag", "mode": "mode", "none": "scale"}.get(role, "n")
    body = {
        "count": ["v = 0.0", "for i in range(n):", "    v = v + np.sum(np.sin(x * (i + 1.0)))",
                  "return v"],
        "index": ["return np.sum(x * x[n % 3])"],
        "size": ["return np.sum(np.ones(n) * np.sum(x))"],
        "factor": ["return np.sum(np.tanh(x) * n)"],
        "flag": ["if flag:", "    return np.sum(x ** 2)", "return np.sum(np.sin(x))"],
        "mode": ['if mode == "square":', "    return np.sum(x ** 2)", "return np.sum(np.sin(x))"],
        "none": ["s = 1.5 if scale is None else scale", "return np.sum(x * s)"],
    }[role]
    value = {"flag": draw(st.booleans()), "mode": draw(st.sampled_from(["square", "sine"])),
             "none": None}.get(role)
    if role in ("count", "index", "size", "factor"):
        value = draw(st.integers(1, 3))
        if draw(st.booleans()):
            value = np.int64(value)
    api = draw(st.sampled_from(WRT_APIS))
    wrts = [1, param] if api in ("hessian", "jacobian") else [1, (1,), (0, 1), param]
    wrt = draw(st.sampled_from(wrts))
    source = _HEADER + f"def {name}(x, {param}):\n" + "".join(f"    {b}\n" for b in body)
    return Call(source, name, api, (_arg(draw, vec), value), wrt, f"int_wrt_{role}")


def _list_body(draw, arrays: bool) -> list:
    if arrays:  # xs: a list of two (3,) arrays
        return draw(st.sampled_from([
            ["return np.sum(np.stack(xs) @ np.array([0.5, -1.0, 1.5]))"],
            ["return np.sum(xs[0] * xs[1]) + np.sum(np.sin(xs[-1]))"],
            ["return np.sum(sum(xs) ** 2)"],
            ["return np.sum(np.asarray(xs) * np.array([[1.0, 2.0, 3.0], [0.5, -0.5, 0.25]]))"],
            ["v = 0.0", "for a in xs:", "    v = v + np.sum(np.tanh(a) * a)", "return v"],
        ]))
    return draw(st.sampled_from([  # xs: a list of three floats
        ["return np.dot(xs, np.array([1.0, -2.0, 0.5])) + np.sum(np.sin(xs))"],
        ["return np.sum(np.asarray(xs) ** 2) + xs[0] * xs[1]"],
        ["return np.sum(xs + np.ones(3) * 0.5) * np.sum(np.tanh(xs))"],
        ["return np.sum(np.array(xs) * np.array([0.5, 1.5, -1.0])) ** 2"],
        ["return sum(np.sin(v) * v for v in xs)"],
    ]))


def _list_arg(draw, name: str, ints: bool = False) -> Call:
    arrays = not ints and draw(st.booleans())
    body = _list_body(draw, arrays)
    if arrays:
        xs = [_arg(draw, True) for _ in range(2)]
    elif ints:
        xs = [draw(st.integers(-3, 3)) for _ in range(3)]
    else:
        xs = [float(_arg(draw, False)) for _ in range(3)]
    source = _HEADER + f"def {name}(xs):\n" + "".join(f"    {b}\n" for b in body)
    if ints:  # a list holding no floats has nothing to differentiate
        return Call(source, name, draw(st.sampled_from(["grad", "value_and_grad", "vjp"])),
                    (xs,), None, "int_list")
    api = draw(st.sampled_from(LIST_APIS))
    return Call(source, name, api, (xs,), None,
                f"list_arg_{'arrays' if arrays else 'floats'}", refused=False,
                either=api in ("jvp", "hvp"))


def _wraps(draw, name: str) -> Call:
    form = draw(st.sampled_from(["explicit", "star", "factory"]))
    body = draw(st.sampled_from(["2.0 * fn({call})", "fn({call}) + 0.5 * np.sum({x} ** 2)",
                                 "np.tanh(fn({call}))", "fn({call}) * fn({call}) * 0.5"]))
    sig, x = ("*args, **kwargs", "args[0]") if form == "star" else ("x", "x")
    body = body.format(call=sig, x=x) if form == "star" else body.format(call="x", x="x")
    if form == "factory":
        deco = ("def scaled(factor):\n    def decorate(fn):\n        @functools.wraps(fn)\n"
                f"        def wrapper({sig}):\n            return factor * ({body})\n"
                "        return wrapper\n    return decorate\n")
        use = f"@scaled({draw(st.sampled_from(CONSTS))})\n"
    else:
        deco = (f"def decorate(fn):\n    @functools.wraps(fn)\n    def wrapper({sig}):\n"
                f"        return {body}\n    return wrapper\n")
        use = "@decorate\n"
    inner = _value_lines(draw, "x") + ["return v"]
    source = _HEADER + deco + "\n\n" + use + f"def {name}(x):\n" + \
        "".join(f"    {b}\n" for b in inner)
    # grad of a `*args` function takes the tuple of arguments as one (docs/python.md)
    api = "grad" if form == "star" else draw(st.sampled_from(["grad", "value_and_grad",
                                                              "vjp"]))
    return Call(source, name, api, (_arg(draw, draw(st.booleans())),), None,
                f"wraps_{form}", refused=False)


def _out_refused(draw, name: str) -> Call:
    form = draw(st.sampled_from(OUT_REFUSALS))
    fn = draw(st.sampled_from(["np.multiply(x, np.sin(x), out={b})", "np.add(x, 1.5, out={b})",
                               "np.exp(np.tanh(x), out={b})", "np.sin(x, out=({b},))"]))
    params, args, defs = "x", (_arg(draw, True),), ""
    if form == "alias":
        body = ["buf = np.zeros(3)", "kept = buf", fn.format(b="buf"),
                "return np.sum(kept * x)"]
    elif form == "value_kept":
        body = ["buf = np.zeros(3)", "r = " + fn.format(b="buf"), "np.cos(x, out=buf)",
                "return np.sum(r * buf)"]
    elif form == "broadcast":
        body = ["buf = np.zeros((2, 3))", fn.format(b="buf"), "return np.sum(buf)"]
    elif form == "cast":
        body = ["buf = np.zeros(3, dtype=np.float32)", fn.format(b="buf"),
                "return np.sum(buf * x)"]
    elif form == "argument":
        params, args = "x, buf", args + (np.zeros(3),)
        body = [fn.format(b="buf"), "return np.sum(buf)"]
    elif form == "global":
        defs = "BUFFER = np.zeros(3)\n\n\n"
        body = [fn.format(b="BUFFER"), "return np.sum(BUFFER)"]
    else:
        body = ["base = np.zeros(6)", "view = base[1:4]", fn.format(b="view"),
                "return np.sum(base)"]
    source = _HEADER + defs + f"def {name}({params}):\n" + "".join(f"    {b}\n" for b in body)
    api = draw(st.sampled_from(["grad", "value_and_grad", "vjp", "hessian"]))
    return Call(source, name, api, args, 0 if form == "argument" else None,
                f"out_refused_{form}")


@st.composite
def calls(draw, kinds: tuple = CALL_KINDS) -> Call:
    """A srcad API call on a generated function (see `Call`)."""
    name = draw(st.sampled_from(NAMES)) + str(draw(st.integers(0, 9)))
    kind = draw(st.sampled_from(kinds))
    if kind == "bad_output":
        return _bad_output(draw, name)
    if kind == "int_wrt":
        return _int_wrt(draw, name)
    if kind == "int_list":
        return _list_arg(draw, name, ints=True)
    if kind == "out_refused":
        return _out_refused(draw, name)
    if kind == "list_arg":
        return _list_arg(draw, name)
    return _wraps(draw, name)
