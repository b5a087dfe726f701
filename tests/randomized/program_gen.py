"""Random well-formed programs for srcad, as Hypothesis strategies.

`programs(config)` draws a module: a few helper functions and a main function `f`
whose float / float-array arguments are differentiated. Every program is built so
that it runs without errors on inputs in [-2, 2]:

* shapes are tracked: every value is a scalar, a (3,) or (2,) vector or a (2, 3)
  matrix, operands of elementwise operations broadcast, matrix products agree, indices
  and slices are in range, and `f` returns a scalar;
* magnitudes are tracked as (loose) upper bounds: `exp` only sees bounded arguments,
  `log`/`sqrt` only positive ones, divisors are bounded away from zero, and any
  expression whose bound grows past `CAP` is squashed (`tanh`, `sin`, `cos`);
* loops have constant trip counts (`for ... in range(k)`, counted `while` loops),
  and values carried around loops only grow additively by small amounts;
* assignments into arrays only target arrays the function created itself, and no
  other name ever refers to such an array (srcad's documented rule); so do NumPy
  calls writing into an `out=` array (stmt_outkw), whose result has exactly the
  array's shape and dtype, which is when srcad's `buf = f(x)` is NumPy's meaning;
* module-level constants (stmt_consts: integer index arrays, boolean masks, tuples /
  lists / dicts of arrays, plain arrays) are only read, or used to index an array the
  function created (`y[IDX] += v`; an index array may repeat a position, where NumPy
  keeps the last write);
* a functools.wraps decorator may wrap f or a helper (`decorator`), and a copy
  `f_multi` of f may return f's value in a tuple / list / dict with more values
  (`with_container_output`; harness.check_container_output checks it);
* every assigned variable is read later (no dead assignments), every helper is
  called, and `break` / `continue` / `return` only end `if` bodies.

The drawing is recursive (`st.composite`), so Hypothesis shrinks programs by
simplifying the choices: fewer statements, shallower expressions, leaves first.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field, replace

import feature_snippets as fsn
import numpy as np
from hypothesis import strategies as st

S = ()
V2 = (2,)
V3 = (3,)
M = (2, 3)
R = (1, 3)  # a row: m[0:1], v[None, :], np.sum(m, axis=0, keepdims=True)
C = (2, 1)  # a column: m[:, 1:2], w[:, None], np.sum(m, axis=1, keepdims=True)
ALL_SHAPES = (S, V3, V2, M, R, C)
ARRAYS = (V3, V2, M, R, C)

CAP = 30.0  # expressions whose magnitude bound exceeds this are squashed
ADD_MAX = 1.0  # largest increment of a loop-carried value per update
PARAM_BOUND = 2.0  # inputs and helper arguments lie in [-2, 2]
CONSTS = (0.5, 2.0, 1.5, 0.25, 3.0, 0.1, 0.75, 1.25, 0.3)

# Calls srcad (and NumPy) guarantee return a new array: assigning one of these keeps an
# array writable. Kept a little narrower than srcad's own list on purpose.
FRESH_NP = {"zeros", "ones", "zeros_like", "ones_like", "copy", "sin", "cos", "tanh",
            "exp", "log", "sqrt", "abs", "maximum", "minimum", "where", "dot"}


# ----------------------------------------------------------------------------- config


@dataclass(frozen=True)
class Config:
    """Knobs of one family of programs."""

    arg_shapes: tuple = (S, V3, M)
    min_args: int = 1
    max_args: int = 3
    max_helpers: int = 2
    max_stmts: int = 4  # statements per block
    max_nest: int = 2  # nesting of if / for / while
    expr_depth: int = 3
    # statement kinds and their weights
    # (Hypothesis draws the first option, the simplest, far more often than its weight)
    stmt_weights: tuple = (("assign", 1), ("reassign", 2), ("aug", 2), ("array", 2),
                           ("write", 3), ("if", 2), ("for", 2), ("while", 1), ("exit", 2),
                           ("swap", 1), ("accloop", 1), ("lists", 1), ("complex", 1),
                           ("consts", 1), ("outkw", 1))
    # expression kinds and their weights (those that do not apply are skipped)
    expr_weights: tuple = (("leaf", 1), ("arith", 6), ("unary", 3), ("neg", 1), ("div", 2),
                           ("pow", 2), ("ifexp", 1), ("maxmin", 1), ("abs", 1), ("where", 1),
                           ("reduce", 3), ("call", 2), ("index", 2))
    recursion: bool = True
    math_scalars: float = 0.7  # share of scalar unary functions spelled math.*
    unary_fns: tuple = ("sin", "cos", "tanh", "exp", "log", "sqrt")
    squash_fns: tuple = ("tanh", "sin", "cos")
    vjp_percent: int = 25  # share of programs also checked through srcad.vjp
    max_globals: int = 2  # module-level constants read by the functions
    int_param_percent: int = 20  # share of programs where f takes an int `n` too
    # Statements per program (all functions) before only simple ones are drawn: srcad's
    # transformation time grows quickly with size.
    max_total_stmts: int = 14
    subset_percent: int = 25  # share of programs differentiated w.r.t. some arguments only
    # share of programs where f or a helper is wrapped by a functools.wraps decorator
    wraps_percent: int = 10
    # share of programs with a copy `f_multi` of f returning a tuple / list / dict (the
    # value and more): grad must refuse it, srcad.vjp's pullback is checked
    multi_percent: int = 8


# ----------------------------------------------------------------------------- program


@dataclass
class Program:
    source: str
    arg_shapes: tuple
    wrt: tuple  # argument positions to differentiate
    use_vjp: bool = False  # also check srcad.vjp
    single: bool = False  # wrt=k instead of wrt=(k,)
    int_arg: int | None = None  # value of f's last argument `n`, if it has one
    entry: str = "f"
    features: tuple = ()  # feature_snippets drawn (lists at run time, complex values)
    # the constructs of stmt_consts / stmt_outkw / wraps drawn (counted in the summary;
    # a refusal of these is not acceptable)
    constructs: tuple = ()
    multi: str | None = None  # the container f_multi returns: tuple, list, nested, dict

    @property
    def refusal_ok(self) -> bool:
        """A clear srcad.SrcadError refusal is an acceptable outcome for this program
        (only programs using feature_snippets)."""
        return bool(self.features)

    def __str__(self) -> str:
        return self.source


# ----------------------------------------------------------------------------- blocks


@dataclass
class Compound:
    """`header:` with a body, and optional `elif ...:` / `else:` tails."""

    header: str
    body: list
    tails: list = field(default_factory=list)  # [(header, body)]


def render(items: list, indent: int = 1) -> list:
    pad = "    " * indent
    lines = []
    for item in items:
        if isinstance(item, str):
            lines.append(pad + item)
        else:
            lines.append(pad + item.header)
            lines.extend(render(item.body, indent + 1))
            for header, body in item.tails:
                lines.append(pad + header)
                lines.extend(render(body, indent + 1))
    return lines


# ----------------------------------------------------------------------------- values


@dataclass
class Var:
    name: str
    shape: tuple
    bound: float
    param: bool = False
    writable: bool = False  # an array this function created: may be assigned into
    unread: bool = True  # assigned since it was last read
    level: int = 0  # loop nesting at creation
    glob: bool = False  # a module-level constant: read only
    active: bool = False  # depends on the arguments (else a constant)
    version: int = 0  # bumped by every assignment (to it or into it)


@dataclass
class IntVar:
    name: str
    lo: int
    hi: int


@dataclass
class E:
    """A generated expression."""

    src: str
    shape: tuple
    bound: float


@dataclass
class Helper:
    name: str
    params: list  # [(name, shape)]
    depth_param: bool
    ret_shape: tuple
    ret_bound: float
    calls: set = field(default_factory=set)
    poly: bool = False  # elementwise only: called with scalars and arrays
    default: str | None = None  # the last parameter has this default value


@dataclass
class Loop:
    kind: str
    exits: list = field(default_factory=list)  # variable states at break / continue


def sub_shapes(shape):
    """Shapes that broadcast into `shape` without changing it."""
    return {S: [S], V3: [V3, S], V2: [V2, S], M: [M, V3, S, R, C], R: [R, V3, S],
            C: [C, S]}[shape]


def operand_pairs(shape):
    """(a, b) shape pairs whose broadcast is exactly `shape`."""
    return [(a, b) for a in sub_shapes(shape) for b in sub_shapes(shape)
            if np.broadcast_shapes(a, b) == shape]


def is_fresh(node: ast.expr) -> bool:
    """True if `node` always evaluates to a new array (never an existing one)."""
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "math"):
        return node.func.attr in FRESH_NP
    return False


def may_hold(node: ast.expr, names: set) -> bool:
    """True if the value of `node` may be (or share memory with) one of `names`."""
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, (ast.Subscript, ast.Attribute, ast.Starred)):
        return may_hold(node.value, names)
    if isinstance(node, (ast.Tuple, ast.List)):
        return any(may_hold(e, names) for e in node.elts)
    if isinstance(node, ast.IfExp):
        return may_hold(node.body, names) or may_hold(node.orelse, names)
    if isinstance(node, ast.BoolOp):
        return any(may_hold(v, names) for v in node.values)
    if isinstance(node, ast.Call):
        if is_fresh(node):
            return False
        args = list(node.args) + [k.value for k in node.keywords]
        if isinstance(node.func, ast.Attribute):
            args.append(node.func.value)
        return any(may_hold(a, names) for a in args)
    return False


_INTEGERS: dict = {}


def integers(lo: int, hi: int):
    """st.integers(lo, hi), built once (building strategies is slow)."""
    s = _INTEGERS.get((lo, hi))
    if s is None:
        s = _INTEGERS[(lo, hi)] = st.integers(lo, hi)
    return s


_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def chance(draw, percent: int) -> bool:
    """True with probability about `percent`%. Hypothesis draws zeros more often than
    uniform (and shrinks towards them): zero means False, the simpler program."""
    return draw(integers(0, 99)) >= 100 - percent


def mentions_variable(src: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id not in ("np", "math", "abs", "max", "min")
               for n in ast.walk(ast.parse(src, mode="eval")))


def fmt(c: float) -> str:
    return repr(float(c))


# ----------------------------------------------------------------------------- generator


class FunctionGen:
    """Draws the body of one function."""

    def __init__(self, draw, cfg: Config, helpers: list, ret_shape: tuple,
                 ret_bound: float | None, me: Helper | None = None, poly: bool = False):
        # poly: the body only uses elementwise NumPy operations (no branches, indexing,
        # reductions or math.*), so the function works for scalars and arrays alike and
        # callers may pass either: srcad must specialize it per argument kind.
        self.poly = poly
        self.globals: list = []  # [(name, shape)] of module-level constants
        self.budget = [cfg.max_total_stmts]  # statements left (shared by a program)
        self.int_param = None  # (name, value): an int argument (not differentiated)
        self.draw = draw
        self.cfg = cfg
        self.helpers = helpers  # callable from here
        self.ret_shape = ret_shape
        self.ret_bound = ret_bound  # None: no limit beyond CAP
        self.me = me
        self.vars: dict = {}
        self.ints: dict = {}
        self.loops: list = []
        self.counter = 0
        self.nest = 0
        self.writable: set = set()  # names of arrays that may be assigned into
        self.calls: set = set()
        self.module_defs: list = []  # module-level definitions (shared by a program)
        self.features: list = []  # feature_snippets drawn (shared by a program)
        self.constructs: list = []  # stmt_consts / stmt_outkw forms drawn (shared)

    # -- helpers for drawing

    def pick(self, options):
        options = list(options)
        return options[self.draw(integers(0, len(options) - 1))] if len(options) > 1 \
            else options[0]

    def chance(self, percent: int) -> bool:
        return chance(self.draw, percent)

    def weighted(self, weights, allowed):
        opts = [k for k, w in weights if k in allowed for _ in range(w)]
        return self.pick(opts)

    def fresh_name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- state

    def snapshot(self):
        return {k: replace(v) for k, v in self.vars.items()}

    def restore(self, state):
        self.vars = {k: replace(v) for k, v in state.items()}

    def float_vars(self, shape=None):
        return [v for v in self.vars.values() if shape is None or v.shape == shape]

    def can_make(self, shape) -> bool:
        shapes = {v.shape for v in self.vars.values()}
        if shape == S:
            return True
        if shape == V3:
            return bool(shapes & {V3, M, R})
        if shape in (V2, C):
            return bool(shapes & {V2, V3, M, C})
        if shape == R:
            return bool(shapes & {V3, M, R})
        return M in shapes

    def makeable(self):
        return [s for s in ALL_SHAPES if self.can_make(s)]

    def active_in(self, src: str) -> bool:
        """True if `src` reads a variable that depends on the arguments."""
        return any(self.vars[n].active for n in _IDENT.findall(src) if n in self.vars)

    def read(self, v: Var) -> str:
        v.unread = False
        return v.name

    def outer(self, v: Var) -> bool:
        """True if `v` lives outside the innermost loop being generated."""
        return v.level < len(self.loops)

    # -- expressions

    def squash(self, e: E) -> E:
        fn = self.pick(self.cfg.squash_fns)
        return E(f"{self.fn_prefix(e.shape)}.{fn}({e.src})", e.shape, 1.0)

    def fit(self, e: E, limit: float = CAP) -> E:
        return e if e.bound <= limit else self.squash(e)

    def fn_prefix(self, shape) -> str:
        if shape == S and not self.poly and self.chance(int(self.cfg.math_scalars * 100)):
            return "math"
        return "np"

    def const(self) -> E:
        c = self.pick(CONSTS)
        if self.chance(20):
            return E(f"(-{fmt(c)})", S, c)
        return E(fmt(c), S, c)

    def index_options(self, length: int) -> list:
        """Index expressions always in range for an axis of `length`."""
        opts = [str(k) for k in range(length)] + ["-1"]
        for iv in self.ints.values():
            if iv.lo >= 0 and iv.hi < length:
                opts.append(iv.name)
            if iv.lo >= 1 and iv.hi <= length:
                opts.append(f"{iv.name} - 1")
            if iv.lo >= 0 and iv.hi + 1 < length:
                opts.append(f"{iv.name} + 1")
            if iv.lo >= 0 and iv.hi < length:
                opts.append(f"{length - 1} - {iv.name}")
            if iv.lo >= 0:
                opts.append(f"{iv.name} % {length}")
        return opts

    def index(self, length: int) -> str:
        return self.pick(self.index_options(length))

    def pair_slices(self) -> list:
        """Slices of a length-3 axis with 2 elements."""
        opts = ["0:2", "1:3", "1:", ":2", "-2:", "::2"]
        for iv in self.ints.values():
            if iv.lo >= 0 and iv.hi + 2 <= 3:
                opts.append(f"{iv.name}:{iv.name} + 2")
        return opts

    def leaf(self, shape) -> E:
        cands = []
        for v in self.vars.values():
            if v.shape == shape:
                cands += [("var", v)] * ((3 if v.unread else 2) + (3 if v.active else 0))
        if shape == S:
            cands.append(("const", None))
            for iv in self.ints.values():
                cands.append(("int", iv))
        for v in self.vars.values():
            if shape == R and v.shape in (V3, M):
                cands += [("row1", v)] * (3 if v.active else 1)
            elif shape == C and v.shape in (V2, V3, M):
                cands += [("col1", v)] * (3 if v.active else 1)
            elif shape == V3 and v.shape == R:
                cands += [("flat", v)] * (3 if v.active else 1)
            elif shape == V2 and v.shape == C:
                cands += [("flat", v)] * (3 if v.active else 1)
            if shape == S and v.shape in ARRAYS:
                cands += [("item", v)] * (3 if v.active else 1)
            elif shape == V3 and v.shape == M:
                cands += [("row", v)] * (3 if v.active else 1)
            elif shape == V3 and v.shape == V3:
                cands += [("rev", v)] * (3 if v.active else 1)
            elif shape == V2 and v.shape == M:
                cands += [("col", v)] * (3 if v.active else 1)
            elif shape == V2 and v.shape == V3:
                cands += [("pair", v)] * (3 if v.active else 1)
            elif shape == M and v.shape == M:
                cands += [("revm", v)] * (3 if v.active else 1)
        kind, v = self.pick(cands)
        if kind == "var":
            return E(self.read(v), shape, v.bound)
        if kind == "const":
            return self.const()
        if kind == "int":
            return E(v.name, S, max(abs(v.lo), abs(v.hi), 1))
        name = self.read(v)
        if kind == "row1":
            if v.shape == V3:
                src = self.pick([f"{name}[None, :]", f"{name}[np.newaxis]",
                                 f"{name}.reshape(1, 3)", f"np.reshape({name}, (1, 3))"])
            else:
                i = self.pick(["0", "1"])
                src = self.pick([f"{name}[{i}:{int(i) + 1}]", f"{name}[{i}:{int(i) + 1}, :]",
                                 f"np.sum({name}, axis=0, keepdims=True)",
                                 f"np.mean({name}, axis=0, keepdims=True)"])
            return E(src, R, v.bound * (2 if "sum" in src else 1))
        if kind == "col1":
            if v.shape == V2:
                src = self.pick([f"{name}[:, None]", f"{name}.reshape(2, 1)"])
            elif v.shape == V3:
                src = self.pick([f"{name}[:2, None]", f"{name}[1:][:, np.newaxis]"])
            else:
                j = self.index(3)
                src = self.pick([f"{name}[:, 1:2]", f"{name}[:, {j}:][:, :1]",
                                 f"np.sum({name}, axis=1, keepdims=True)",
                                 f"np.mean({name}, axis=-1, keepdims=True)"])
            return E(src, C, v.bound * (3 if "sum" in src else 1))
        if kind == "flat":
            src = f"{name}[0]" if v.shape == R else f"{name}[:, 0]"
            return E(self.pick([src, f"{name}.ravel()" if v.shape == R else src]), shape, v.bound)
        if kind == "item":
            if v.shape in (R, C):
                i, j = ("0", self.index(3)) if v.shape == R else (self.index(2), "0")
                return E(f"{name}[{i}, {j}]", S, v.bound)
            if v.shape == M:
                i, j = self.index(2), self.index(3)
                src = self.pick([f"{name}[{i}, {j}]", f"{name}[{i}][{j}]"])
            else:
                src = f"{name}[{self.index(v.shape[0])}]"
            return E(src, S, v.bound)
        if kind == "row":
            i = self.index(2)
            return E(self.pick([f"{name}[{i}]", f"{name}[{i}, :]"]), V3, v.bound)
        if kind == "rev":
            return E(f"{name}[::-1]", V3, v.bound)
        if kind == "col":
            return E(f"{name}[:, {self.index(3)}]", V2, v.bound)
        if kind == "pair":
            return E(f"{name}[{self.pick(self.pair_slices())}]", V2, v.bound)
        return E(self.pick([f"{name}[::-1]", f"{name}[:, ::-1]"]), M, v.bound)

    def callable_helpers(self, shape) -> list:
        return [h for h in self.helpers if h.poly or (
            h.ret_shape == shape and all(self.can_make(s) for _, s in h.params))]

    def expr(self, shape, depth: int, top: bool = False) -> E:
        """An expression of `shape`; `top`: not a bare leaf (for right-hand sides)."""
        cfg = self.cfg
        allowed = {"leaf"}
        if depth > 0:
            if top:
                allowed = set()
            allowed |= {"arith", "unary", "neg", "div", "pow", "ifexp", "maxmin", "abs"}
            if shape != S:
                allowed.add("where")
            if shape == S and any(self.can_make(s) for s in ARRAYS):
                allowed.add("reduce")
            if shape in (V3, V2) and self.can_make(M):
                allowed.add("reduce")
            if self.callable_helpers(shape):
                allowed.add("call")
            if (shape == S and any(self.can_make(s) for s in (V3, V2, M))) or \
                    (shape == V3 and (self.can_make(M) or self.can_make(R))) or \
                    (shape == V2 and self.can_make(V3)):
                allowed.add("index")
        if self.poly:
            allowed &= {"leaf", "arith", "unary", "neg", "div", "pow", "maxmin", "abs"}
        kind = self.weighted(cfg.expr_weights, allowed)
        d = depth - 1
        pre = "np" if shape != S else None
        if kind == "leaf":
            return self.leaf(shape)
        if kind == "arith":
            sa, sb = self.pick(operand_pairs(shape))
            a, b = self.expr(sa, d), self.expr(sb, d)
            op = self.pick(["+", "-", "*"])
            bound = a.bound * b.bound if op == "*" else a.bound + b.bound
            return self.fit(E(f"({a.src} {op} {b.src})", shape, bound))
        if kind == "neg":
            a = self.expr(shape, d)
            return E(f"(-{a.src})", shape, a.bound)
        if kind == "unary":
            pre = pre or self.fn_prefix(shape)
            fn = self.pick(cfg.unary_fns)
            a = self.expr(shape, d)
            if fn in ("sin", "cos", "tanh"):
                return E(f"{pre}.{fn}({a.src})", shape, 1.0)
            if fn == "exp":
                if a.bound > 2.5:
                    a = self.squash(a)
                return E(f"{pre}.exp({a.src})", shape, float(np.exp(a.bound)))
            c = self.pick([1.0, 1.5, 0.5, 2.0])
            form = self.pick(["sq", "trig"])
            if form == "sq":
                inner, hi = f"({fmt(c)} + {a.src} ** 2)", c + a.bound ** 2
            else:
                c = c + 1.5
                inner, hi = f"({fmt(c)} + {pre}.sin({a.src}))", c + 1.0
            if fn == "log":
                return E(f"{pre}.log{inner}", shape, max(abs(np.log(c)), np.log(hi), 1.0))
            return E(f"{pre}.sqrt{inner}", shape, float(np.sqrt(hi)))
        if kind == "div":
            sa, sb = self.pick(operand_pairs(shape))
            a, b = self.expr(sa, d), self.expr(sb, d)
            c = self.pick([1.0, 1.5, 2.0, 0.5])
            p = "math" if sb == S and not self.poly and self.chance(50) else "np"
            den = self.pick([f"({fmt(c)} + {b.src} ** 2)", f"({fmt(c + 1.5)} + {p}.cos({b.src}))",
                             f"({fmt(c + 1.5)} - {p}.tanh({b.src}))"])
            low = c if "**" in den else c + 0.5
            return self.fit(E(f"({a.src} / {den})", shape, a.bound / low))
        if kind == "pow":
            k = self.pick([2, 3, 4, 1])
            a = self.expr(shape, d)
            if a.bound ** k > CAP:
                a = self.squash(a)
            return E(f"({a.src} ** {k})", shape, a.bound ** k)
        if kind == "ifexp":
            c = self.cond(0)
            a, b = self.expr(shape, d), self.expr(shape, d)
            return E(f"({a.src} if {c} else {b.src})", shape, max(a.bound, b.bound))
        if kind == "maxmin":
            sa, sb = self.pick(operand_pairs(shape))
            a, b = self.expr(sa, d), self.expr(sb, d)
            fns = ["np.maximum", "np.minimum"] + \
                (["max", "min"] if shape == S and not self.poly else [])
            return E(f"{self.pick(fns)}({a.src}, {b.src})", shape, max(a.bound, b.bound))
        if kind == "abs":
            a = self.expr(shape, d)
            return E(f"{self.pick(['np.abs', 'abs'])}({a.src})", shape, a.bound)
        if kind == "where":
            c = self.expr(shape, d)
            other = self.pick(sub_shapes(shape))
            rhs = self.const().src if other == S and self.chance(50) else self.expr(other, d).src
            op = self.pick([">", "<"])
            a = self.expr(self.pick(sub_shapes(shape)), d)
            b = self.expr(self.pick(sub_shapes(shape)), d)
            return E(f"np.where({c.src} {op} {rhs}, {a.src}, {b.src})", shape,
                     max(a.bound, b.bound))
        if kind == "reduce":
            return self.reduce(shape, d)
        if kind == "call":
            return self.call(self.pick(self.callable_helpers(shape)), d, shape=shape)
        return self.index_expr(shape, d)

    def reduce(self, shape, d) -> E:
        if shape == S:
            arrays = [s for s in ARRAYS if self.can_make(s)]
            form = self.pick(["sum", "mean", "dot", "matmul", "method"])
            vecs = [s for s in (V3, V2) if s in arrays]
            if form in ("dot", "matmul") and vecs:
                s = self.pick(vecs)
                a, b = self.expr(s, d), self.expr(s, d)
                src = f"np.dot({a.src}, {b.src})" if form == "dot" else f"({a.src} @ {b.src})"
                return self.fit(E(src, S, s[0] * a.bound * b.bound))
            s = self.pick(arrays)
            a = self.expr(s, d)
            if form == "mean":
                return E(f"np.mean({a.src})", S, a.bound)
            if form == "method":
                m = self.pick(["sum", "mean"])
                return self.fit(E(f"({a.src}).{m}()", S, int(np.prod(s)) * a.bound))
            return self.fit(E(f"np.sum({a.src})", S, int(np.prod(s)) * a.bound))
        # shape is V3 or V2, and a matrix can be made
        axis = 0 if shape == V3 else 1
        form = self.pick(["sum", "mean", "matmul", "dot", "method", "transposed"])
        if form in ("sum", "mean", "method"):
            a = self.expr(M, d)
            ax = self.pick([str(axis), str(axis - 2)])
            bound = a.bound * (M[axis] if form != "mean" else 1)
            if form == "method":
                return self.fit(E(f"({a.src}).{self.pick(['sum', 'mean'])}(axis={ax})",
                                  shape, bound))
            return self.fit(E(f"np.{form}({a.src}, axis={ax})", shape, bound))
        m = self.expr(M, d)
        if shape == V3:  # (2,) @ (2, 3), or (2, 3).T @ (2,)
            v = self.expr(V2, d)
            # every form parenthesized: `a * m.T @ v` would be `(a * m.T) @ v`
            src = {"matmul": f"({v.src} @ {m.src})", "dot": f"np.dot({v.src}, {m.src})",
                   "transposed": f"(({m.src}).T @ {v.src})"}[form]
            return self.fit(E(src, V3, 2 * v.bound * m.bound))
        v = self.expr(V3, d)
        src = {"matmul": f"({m.src} @ {v.src})", "dot": f"np.dot({m.src}, {v.src})",
               "transposed": self.pick([f"({v.src} @ ({m.src}).T)",
                                        f"np.dot({v.src}, np.transpose({m.src}))"])}[form]
        return self.fit(E(src, V2, 3 * v.bound * m.bound))

    def index_expr(self, shape, d) -> E:
        """An index or slice of a computed array (not just of a variable)."""
        if shape == S:
            s = self.pick([s for s in (V3, V2, M) if self.can_make(s)])
            a = self.expr(s, d)
            if s == M:
                return E(f"({a.src})[{self.index(2)}, {self.index(3)}]", S, a.bound)
            return E(f"({a.src})[{self.index(s[0])}]", S, a.bound)
        if shape == V3:
            if not self.can_make(M):
                a = self.expr(R, d)
                return E(f"({a.src})[0]", V3, a.bound)
            a = self.expr(M, d)
            return E(f"({a.src})[{self.index(2)}]", V3, a.bound)
        if self.can_make(M) and (not self.can_make(V3) or self.chance(50)):
            a = self.expr(M, d)
            return E(f"({a.src})[:, {self.index(3)}]", V2, a.bound)
        a = self.expr(V3, d)
        return E(f"({a.src})[{self.pick(self.pair_slices())}]", V2, a.bound)

    def call(self, h: Helper, d, depth_arg: str | None = None, shape=None) -> E:
        args = []
        shapes = [s for _, s in h.params]
        ret_shape = h.ret_shape
        if h.poly:
            ret_shape = shape if shape is not None else self.pick(self.makeable())
            shapes = [ret_shape] if len(shapes) == 1 else list(self.pick(operand_pairs(ret_shape)))
        last = len(shapes) - 1
        for k, s in enumerate(shapes):
            if k == last and h.default is not None:
                form = self.pick(["omit", "positional", "keyword"])
                if form == "omit":
                    continue
                a = self.fit(self.expr(S, d), PARAM_BOUND)
                args.append(a.src if form == "positional" else f"{h.params[k][0]}={a.src}")
                continue
            if self.can_make(s):
                a = self.expr(s, d)
            else:
                a = self.expr(S, d)
                a = E(f"{a.src} * np.ones({s[0] if len(s) == 1 else s})", s, a.bound)
            if a.bound > PARAM_BOUND:
                a = self.squash(a)
            args.append(a.src)
        if h is self.me:
            depth_arg = "n - 1"
        if h.depth_param:
            if depth_arg is None:
                opts = ["0", "1", "2", "3"] + [iv.name for iv in self.ints.values()
                                              if iv.lo >= 0 and iv.hi <= 3]
                depth_arg = self.pick(opts)
            args.append(depth_arg)
        self.calls.add(h.name)
        return E(f"{h.name}({', '.join(args)})", ret_shape, h.ret_bound)

    def cond(self, depth: int) -> str:
        opts = ["cmp", "cmp"]
        if self.ints:
            opts.append("int")
        if depth > 0:
            opts += ["and", "or", "not"]
        kind = self.pick(opts)
        if kind == "cmp":
            a = self.expr(S, 1)
            if not mentions_variable(a.src):  # a constant condition is a dead branch
                a = self.leaf(S)
            b = self.const() if self.chance(50) else self.expr(S, 1)
            return f"{a.src} {self.pick(['>', '<', '>=', '<='])} {b.src}"
        if kind == "int":
            iv = self.pick(list(self.ints.values()))
            k = self.draw(integers(iv.lo, max(iv.lo, iv.hi)))
            return self.pick([f"{iv.name} == {k}", f"{iv.name} > {k}", f"{iv.name} < {k}",
                              f"{iv.name} % 2 == 0"])
        if kind == "not":
            return f"not ({self.cond(depth - 1)})"
        return f"({self.cond(depth - 1)}) {kind} ({self.cond(depth - 1)})"

    # -- statements

    def assign_rhs(self, target: str, e: E) -> str:
        """`e`, wrapped if needed so that srcad's no-alias rule for writable arrays holds."""
        node = ast.parse(e.src, mode="eval").body
        must_be_fresh = target in self.writable
        if (must_be_fresh and not is_fresh(node)) or \
                (not is_fresh(node) and may_hold(node, self.writable)):
            return f"{fmt(self.pick(CONSTS))} * {e.src}"
        return e.src

    def new_var(self, shape, e: E, writable=False) -> tuple:
        name = self.fresh_name("v" if shape == S else ("w" if writable else "u"))
        if writable:
            self.writable.add(name)
        src = f"{name} = {self.assign_rhs(name, e)}"
        self.vars[name] = Var(name, shape, max(e.bound, 1.0), writable=writable,
                              level=len(self.loops), active=self.active_in(e.src))
        return [src]

    def stmt_assign(self) -> list:
        shape = self.pick(self.makeable())
        d = self.draw(integers(1, self.cfg.expr_depth))
        return self.new_var(shape, self.expr(shape, d, top=not self.chance(10)))

    def stmt_array(self) -> list:
        """A new array the function may assign into (and, mostly, an assignment into it)."""
        shape = self.pick([V3, M, V2])
        like = [v for v in self.vars.values() if v.shape == shape]
        forms = ["zeros", "ones", "expr"] + (["like", "copy"] if like else [])
        form = self.pick(forms)
        if form == "expr" and self.can_make(shape):
            e = self.expr(shape, 2)
            e = self.fit(E(f"{fmt(self.pick(CONSTS))} * {e.src}", shape, e.bound * 3.0))
        elif form in ("like", "copy"):
            v = self.pick(like)
            fn = "np.copy" if form == "copy" else self.pick(["np.zeros_like", "np.ones_like"])
            e = E(f"{fn}({self.read(v)})", shape, v.bound if form == "copy" else 1.0)
        else:
            dims = str(shape[0]) if len(shape) == 1 else str(shape)
            e = E(f"np.{'ones' if form == 'ones' else 'zeros'}({dims})", shape, 1.0)
        out = self.new_var(shape, e, writable=True)
        if self.chance(70):
            out += self.stmt_write(self.vars[out[0].split(" =")[0]])
        return out

    def update_rhs(self, v: Var, allow_plain=True) -> tuple:
        """A new value for `v`: (source, bound)."""
        d = self.draw(integers(1, self.cfg.expr_depth))
        forms = ["add", "scale", "squash"] + (["plain"] if allow_plain and not v.unread else [])
        form = self.pick(forms)
        if form == "plain":
            e = self.expr(v.shape, d, top=True)
            if self.outer(v):
                e = self.fit(e, v.bound)
            return self.assign_rhs(v.name, e), max(e.bound, 1.0)
        if form == "add":
            e = self.expr(self.pick(sub_shapes(v.shape)), d)
            if self.outer(v) and e.bound > ADD_MAX:
                e = self.squash(e)
            op = self.pick(["+", "-"])
            order = self.chance(50)
            src = f"{self.read(v)} {op} {e.src}" if order or op == "-" else \
                f"{e.src} + {self.read(v)}"
            return src, v.bound + e.bound
        if form == "scale":
            e = self.expr(self.pick(sub_shapes(v.shape)), d)
            if self.outer(v) or v.bound * e.bound > CAP:
                e = self.squash(e)
            return f"{self.read(v)} * {e.src}", v.bound * e.bound
        e = self.expr(self.pick(sub_shapes(v.shape)), d)
        inner = E(f"({self.read(v)} + {e.src})", v.shape, v.bound + e.bound)
        return self.squash(inner).src, 1.0

    def targets(self, writable_only=False, scalar_ok=True, params=True):
        out = []
        for v in self.vars.values():
            if v.glob or (writable_only and not v.writable):
                continue
            if v.param and (not params or (v.shape != S and writable_only)):
                continue  # arrays passed in are never assigned into
            if not scalar_ok and v.shape == S:
                continue
            out.append(v)
        return out

    def stmt_reassign(self) -> list:
        cands = self.targets(params=False)
        if not cands or self.chance(20):
            cands = self.targets()
        v = self.pick(cands)
        src, bound = self.update_rhs(v)
        v.bound, v.unread, v.active = max(bound, 1.0), True, self.active_in(src)
        v.version += 1
        return [f"{v.name} = {src}"]

    def stmt_aug(self) -> list:
        # `x += e` on an array argument would change the caller's array: scalars only
        cands = [v for v in self.targets(params=False) if v.shape == S or v.writable]
        if not cands or self.chance(20):
            cands = [v for v in self.targets() if v.shape == S or v.writable]
        v = self.pick(cands)
        op = self.pick(["+=", "-=", "*=", "/="])
        d = self.draw(integers(1, self.cfg.expr_depth))
        e = self.expr(self.pick(sub_shapes(v.shape)), d)
        if op == "/=":
            c = self.pick([1.0, 1.5, 2.0])
            src = f"{fmt(c)} + {e.src} ** 2"
            if self.outer(v):
                src = f"{fmt(max(c, 1.0))} + {e.src} ** 2"
            bound = v.bound / c
        elif op == "*=":
            if self.outer(v) or v.bound * e.bound > CAP:
                e = self.squash(e)
            src, bound = e.src, v.bound * e.bound
        else:
            if self.outer(v) and e.bound > ADD_MAX:
                e = self.squash(e)
            src, bound = e.src, v.bound + e.bound
        self.read(v)
        v.bound, v.unread = max(bound, 1.0), True
        v.active = v.active or self.active_in(src)
        v.version += 1
        return [f"{v.name} {op} {src}"]

    def stmt_write(self, y=None) -> list:
        if y is None:
            y = self.pick(self.targets(writable_only=True, scalar_ok=False))
        if y.shape == M:
            form = self.pick(["elem", "row", "col", "elem2", "block"])
            if form == "elem":
                target, slot = f"{y.name}[{self.index(2)}, {self.index(3)}]", S
            elif form == "elem2":
                target, slot = f"{y.name}[{self.index(2)}][{self.index(3)}]", S
            elif form == "row":
                target = self.pick([f"{y.name}[{self.index(2)}]", f"{y.name}[{self.index(2)}, :]"])
                slot = V3
            elif form == "col":
                target, slot = f"{y.name}[:, {self.index(3)}]", V2
            else:
                target, slot = self.pick([f"{y.name}[::-1]", f"{y.name}[:, ::-1]",
                                          f"{y.name}[:]"]), M
        else:
            n = y.shape[0]
            form = self.pick(["elem", "slice", "all", "reverse"] if n == 3 else ["elem", "all"])
            if form == "elem":
                target, slot = f"{y.name}[{self.index(n)}]", S
            elif form == "all":
                target, slot = f"{y.name}[:]", y.shape
            elif form == "reverse":
                target, slot = f"{y.name}[::-1]", V3
            else:
                target, slot = f"{y.name}[{self.pick(self.pair_slices())}]", V2
        op = self.pick(["=", "+=", "=", "-=", "*="])
        d = self.draw(integers(1, self.cfg.expr_depth))
        e = self.expr(self.pick(sub_shapes(slot)), d)
        e, bound = self.bounded_update(y, op, e)
        y.bound, y.unread = max(bound, 1.0), True
        y.active = y.active or self.active_in(e.src) or self.active_in(target)
        y.version += 1
        return [f"{target} {op} {e.src}"]

    def consume(self, names: list) -> list:
        """Statements reading the variables `names` into an outer accumulator."""
        out = []
        for name in names:
            v = self.vars[name]
            if not v.unread:
                continue
            acc = self.vars["acc"]
            term = self.read(v) if v.shape == S else f"np.sum({self.read(v)})"
            c = self.pick([0.5, 0.25, 0.1])
            p = "math" if v.shape == S and not self.poly and self.chance(50) else "np"
            out.append(f"acc = acc + {fmt(c)} * {p}.tanh({term})")
            acc.bound += c
            acc.unread = True
            acc.active = acc.active or v.active
            acc.version += 1
        return out

    def return_expr(self, consume_all: bool, local: set) -> str:
        """A value to return (shape `ret_shape`) that reads what would be left unread."""
        e = self.expr(self.ret_shape, self.draw(integers(1, self.cfg.expr_depth)))
        terms = [e.src]
        bound = e.bound
        for v in list(self.vars.values()):
            if v.unread and (consume_all or v.name in local):
                c = self.pick([1.0, 0.5, 0.25])
                t = self.read(v) if v.shape in (S, self.ret_shape) else f"np.sum({self.read(v)})"
                terms.append(f"{fmt(c)} * {t}")
                bound += c * v.bound * (6 if v.shape not in (S, self.ret_shape) else 1)
        e = E(" + ".join(terms), self.ret_shape, bound)
        if self.ret_bound is not None:
            e = self.fit(E(f"({e.src})", e.shape, e.bound), self.ret_bound)
        return e.src

    def exit_stmt(self, local: set) -> list:
        """The end of an `if` body: break, continue or return."""
        opts = ["return"]
        if self.loops:
            opts = ["break", "continue", "return"]
        kind = self.pick(opts)
        if kind == "return":
            # Reads what this block assigned and nothing read since. Values assigned
            # before the block may stay unread here: on this path they get no gradient
            # (half of the time, such values are not read at all).
            hidden = {}
            if self.chance(50):
                hidden = {n: v for n, v in self.vars.items()
                          if v.unread and n not in local and not v.param}
                for n in hidden:
                    del self.vars[n]
            src = self.return_expr(False, local)
            self.vars.update(hidden)
            return [f"return {src}"]
        pre = self.consume([n for n in self.vars if n in local])
        self.loops[-1].exits.append(self.snapshot())
        return pre + [kind]

    def block(self, allow_exit=False, min_stmts=1) -> list:
        """Statements of a nested block; its new variables are read before it ends."""
        before = set(self.vars)
        n = self.draw(integers(min_stmts, self.cfg.max_stmts if self.budget[0] > 0 else 1))
        items = []
        for _ in range(n):
            items += self.stmt()
        local = set(self.vars) - before
        if allow_exit and self.chance(40):
            return items + self.exit_stmt(local), True
        items += self.consume([n for n in self.vars if n in local])
        for n in local:
            del self.vars[n]
        return items, False

    def stmt(self) -> list:
        allowed = {"assign", "array"}
        if self.targets():
            allowed |= {"reassign"}
        if [v for v in self.targets() if v.shape == S or v.writable]:
            allowed.add("aug")
        if self.targets(writable_only=True, scalar_ok=False):
            allowed.add("write")
        self.budget[0] -= 1
        if self.nest < self.cfg.max_nest and self.budget[0] > 0:
            allowed |= {"if", "for", "while", "exit", "accloop", "lists", "complex"}
        allowed |= {"consts", "outkw"}
        if len([v for v in self.targets(params=False) if not v.writable]) >= 2:
            allowed.add("swap")
        if self.poly:
            allowed &= {"assign", "reassign", "for", "while", "swap", "accloop"}
        kind = self.weighted(self.cfg.stmt_weights, allowed)
        return getattr(self, f"stmt_{kind}")()

    def stmt_if(self, exits=False) -> list:
        form = self.pick(["if", "if-else", "if-elif-else", "if-elif"])
        n_conds = 2 if "elif" in form else 1
        conds = [self.cond(1) for _ in range(n_conds)]
        headers = [f"if {conds[0]}:"] + ([f"elif {conds[1]}:"] if n_conds == 2 else [])
        has_else = form.endswith("else")
        if has_else:
            headers.append("else:")
        entry = self.snapshot()
        phi = None
        mixed = False  # the phi variable's shape differs between branches
        if has_else and self.chance(40):
            shape = self.pick(self.makeable())
            phi = (self.fresh_name("v" if shape == S else "u"), shape)
            mixed = not self.poly and self.chance(25)
        self.nest += 1
        bodies, falls = [], []  # falls: (body index, state) of branches that fall through
        for k, _ in enumerate(headers):
            self.restore(entry)
            is_else = has_else and k == len(headers) - 1
            may_exit = not is_else and (exits or self.chance(25))
            before = set(self.vars)
            n = self.draw(integers(1, self.cfg.max_stmts if self.budget[0] > 0 else 1))
            items = []
            for _ in range(n):
                items += self.stmt()
            local = set(self.vars) - before
            local |= {n for n in entry if self.vars[n].version != entry[n].version}
            if may_exit:
                items += self.exit_stmt(local)
            else:
                if phi is not None:
                    if mixed:
                        phi = (phi[0], self.pick(self.makeable()))
                    e = self.expr(phi[1], self.draw(integers(0, self.cfg.expr_depth)))
                    items.append(f"{phi[0]} = {self.assign_rhs(phi[0], e)}")
                    self.vars[phi[0]] = Var(phi[0], phi[1], max(e.bound, 1.0),
                                            level=len(self.loops),
                                            active=self.active_in(e.src))
                falls.append((k, self.snapshot(), local))
            bodies.append(items)
        self.nest -= 1
        states = [s for _, s, _ in falls] + ([entry] if not has_else else [])
        # variables assigned on every path that falls through survive the `if`
        keep = set.intersection(*(set(s) for s in states))
        keep = {n for n in keep if len({s[n].shape for s in states}) == 1}
        after = []
        if mixed and len({s[phi[0]].shape for s in states}) > 1:
            # a variable that is a scalar on one path and an array on another: reduce it
            for s in states:
                s[phi[0]].unread = False
            after = [f"acc = acc + 0.5 * np.tanh(np.sum({phi[0]}))"]
        for k, state, _ in falls:
            self.vars = state
            bodies[k] += self.consume([n for n in state if n not in keep])
        merged = {}
        for n in keep:
            vs = [s[n] for s in states]
            m = replace(vs[0])
            m.bound = max(v.bound for v in vs)
            m.unread = any(v.unread for v in vs)
            m.active = any(v.active for v in vs)
            m.version = max(v.version for v in vs)
            m.level = min(v.level for v in vs)
            merged[n] = m
        self.vars = merged
        if after:
            self.vars["acc"].bound += 0.5
            self.vars["acc"].unread = True
            self.vars["acc"].version += 1
        tails = [(h, b) for h, b in zip(headers[1:], bodies[1:])]
        return [Compound(headers[0], bodies[0], tails)] + after

    def stmt_exit(self) -> list:
        return self.stmt_if(exits=True)

    def loop_body(self, loop: Loop, entry) -> list:
        self.loops.append(loop)
        self.nest += 1
        items, _ = self.block()
        self.nest -= 1
        self.loops.pop()
        return items

    def merge_loop(self, entry, loop: Loop, trips: int):
        end = self.vars
        merged = {}
        for n, v in entry.items():
            states = [end[n]] + [s[n] for s in loop.exits if n in s]
            m = replace(v)
            grow = max(s.bound for s in states) - v.bound
            m.bound = v.bound + max(grow, 0.0) * trips
            m.unread = v.unread or any(s.unread for s in states)
            m.active = v.active or any(s.active for s in states)
            m.version = max([v.version] + [s.version for s in states])
            merged[n] = m
        self.vars = merged

    def stmt_for(self) -> list:
        forms = ["range", "range2", "reverse", "step"]
        if self.int_param is not None:
            forms += ["param", "param"]
        form = self.pick(forms)
        k = self.draw(integers(1, 4))
        if form == "param":  # a trip count known only at run time
            n, value = self.int_param
            if self.chance(50):
                header, lo, hi = f"range({n})", 0, value - 1
            else:
                header, lo, hi = f"range(1, {n} + 1)", 1, value
            trips = max(value, 1)
        elif form == "range":
            header, lo, hi, trips = f"range({k})", 0, k - 1, k
        elif form == "range2":
            a = self.draw(integers(0, 2))
            header, lo, hi, trips = f"range({a}, {a + k})", a, a + k - 1, k
        elif form == "reverse":
            header, lo, hi, trips = f"range({k - 1}, -1, -1)", 0, k - 1, k
        else:
            header, lo, hi, trips = f"range(0, {2 * k - 1}, 2)", 0, 2 * k - 2, k
        name = self.fresh_name("i")
        entry = self.snapshot()
        loop = Loop("for")
        self.ints[name] = IntVar(name, lo, hi)
        body = self.loop_body(loop, entry)
        del self.ints[name]
        self.merge_loop(entry, loop, trips)
        return [Compound(f"for {name} in {header}:", body)]

    def stmt_accloop(self) -> list:
        """`s = 0.0; for i in range(k): s = s + <array>; ...`: s changes kind in the loop."""
        shapes = [s for s in (V3, V2, M) if self.can_make(s)] or [S]
        shape = self.pick(shapes)
        name, iv = self.fresh_name("s"), self.fresh_name("i")
        k = self.draw(integers(1, 4))
        entry = self.snapshot()
        loop = Loop("for")
        self.ints[iv] = IntVar(iv, 0, k - 1)
        self.loops.append(loop)
        self.nest += 1
        e = self.expr(shape, self.draw(integers(1, self.cfg.expr_depth)), top=True)
        if e.bound > ADD_MAX:
            e = self.squash(e)
        first = self.pick([f"{name} = {name} + {e.src}", f"{name} += {e.src}",
                           f"{name} = {e.src} + {name}"])
        self.vars[name] = Var(name, shape, 1.0 + k, level=len(self.loops) - 1,
                              active=self.active_in(e.src))
        entry[name] = replace(self.vars[name])
        items, _ = self.block()
        self.nest -= 1
        self.loops.pop()
        del self.ints[iv]
        self.merge_loop(entry, loop, k)
        return [f"{name} = 0.0", Compound(f"for {iv} in range({k}):", [first] + items)]

    def stmt_lists(self) -> list:
        """A Python list built at run time, consumed by NumPy or builtins
        (feature_snippets.py)."""
        return self.feature(fsn.LIST_SNIPPETS)

    def stmt_complex(self) -> list:
        """Complex intermediates ending in a real value (feature_snippets.py)."""
        return self.feature(fsn.COMPLEX_SNIPPETS)

    def feature(self, names) -> list:
        name = self.pick(names)
        self.features.append(name)
        em = _Emitter(self)
        t, shape = fsn.snippet(em, name)
        self.budget[0] -= 1  # these are several statements
        self.vars[t] = Var(t, S if shape == fsn.S else V3, 3.0, level=len(self.loops),
                           active=em.active)
        return em.lines

    # -- module-level constant arrays and out= arrays

    def define(self, stem: str, value: str) -> str:
        """A module-level constant (`stem` and a number unique in the program)."""
        name = f"{stem}{len(self.module_defs)}"
        self.module_defs.append(f"{name} = {value}")
        return name

    def const_array(self, shape) -> str:
        """A float array of `shape` (entries of magnitude at most 3)."""
        vals = [-c if self.chance(30) else c
                for c in (self.pick(CONSTS) for _ in range(int(np.prod(shape))))]
        return f"np.array({np.array(vals).reshape(shape).tolist()!r})"

    def int_list(self, n: int, lo: int, hi: int) -> list:
        """`n` integers in [lo, hi] (repeated entries allowed)."""
        return [self.draw(integers(lo, hi)) for _ in range(n)]

    def bounded_update(self, y, op: str, e):
        """`e` fitted or squashed so that `y op= e` (op one of =, +=, -=, *=) keeps y's
        values bounded, and the bound y has afterwards."""
        if op == "=":
            if self.outer(y):
                e = self.fit(e, y.bound)
            return e, max(y.bound, e.bound)
        if op == "*=":
            if self.outer(y) or y.bound * e.bound > CAP:
                e = self.squash(e)
            return e, y.bound * e.bound
        if self.outer(y) and e.bound > ADD_MAX:
            e = self.squash(e)
        return e, y.bound + e.bound

    def int_array(self, n: int, lo: int, hi: int) -> str:
        """An integer index array of length `n`."""
        return f"np.array({self.int_list(n, lo, hi)!r})"

    def write_index(self, n: int, length: int) -> str:
        """An index array for a write into an axis of `length`: `n` positions, each
        written as k or k - length, distinct or (one time in four) drawn freely, so
        that a position may repeat (NumPy keeps the last write)."""
        if self.chance(25):
            return self.int_array(n, -length, length - 1)
        free = list(range(length))
        ks = [free.pop(self.draw(integers(0, len(free) - 1))) for _ in range(n)]
        return f"np.array({[k - length if self.chance(30) else k for k in ks]!r})"

    def mask_array(self, shape, trues: int) -> str:
        """A boolean array of `shape` with exactly `trues` True entries."""
        free = list(range(int(np.prod(shape))))
        on = {free.pop(self.draw(integers(0, len(free) - 1))) for _ in range(trues)}
        flat = [k in on for k in range(int(np.prod(shape)))]
        return f"np.array({np.array(flat).reshape(shape).tolist()!r})"

    def operand(self, shape, d: int) -> E:
        """An expression of exactly `shape`: a scalar times a module-level array where no
        variable gives that shape."""
        if self.can_make(shape):
            return self.expr(shape, d)
        e = self.expr(S, d)
        k = self.define("K", self.const_array(shape))
        return E(f"({e.src} * {k})", shape, e.bound * 3.0)

    def stmt_consts(self) -> list:
        """Module-level constants read like literals: an integer index array (`x[IDX]`,
        a pair of them, a 2-d one), a boolean mask (`x[MASK]`, `np.where(MASK, ...)`,
        arithmetic with a mask), a tuple / list / dict of arrays (indexed, summed,
        stacked, iterated), a plain array in arithmetic, and writes into an array the
        function created through an index array or a mask (`y[IDX] += v`, with repeated
        indices: NumPy's buffered semantics)."""
        forms = ["gather", "mask", "table", "arith"]
        if [v for v in self.targets(writable_only=True, scalar_ok=False)
                if v.shape in (V3, M)]:
            forms += ["write", "write"]
        form = self.pick(forms)
        if form == "write":
            return self.consts_write()
        d = self.draw(integers(0, self.cfg.expr_depth - 1))
        if form == "table":
            return self.consts_table(d)
        if form == "gather":
            if self.can_make(M) and self.chance(50):
                a = self.operand(M, d)
                sub = self.pick(["rows", "cols", "pair", "row_cols"])
                if sub == "rows":
                    idx, shape = self.define("IDX", self.int_array(2, -2, 1)), M
                elif sub == "cols":
                    idx, shape = ":, " + self.define("IDX", self.int_array(3, -3, 2)), M
                elif sub == "pair":
                    n = self.pick([2, 3])
                    rows = self.define("IDX", self.int_array(n, -2, 1))
                    idx = f"{rows}, {self.define('IDX', self.int_array(n, -3, 2))}"
                    shape = V2 if n == 2 else V3
                else:
                    idx = f"{self.index(2)}, {self.define('IDX', self.int_array(3, -3, 2))}"
                    shape = V3
            else:
                a = self.operand(V3, d)
                sub = self.pick(["vec", "grid"])
                if sub == "vec":
                    n = self.pick([3, 2])
                    idx, shape = self.define("IDX", self.int_array(n, -3, 2)), V3 if n == 3 else V2
                else:  # a (2, 3) array of indices into a vector gives a matrix
                    rows = [self.int_list(3, 0, 2) for _ in range(2)]
                    idx, shape = self.define("IDX", f"np.array({rows!r})"), M
            self.constructs.append(f"consts_gather_{sub}")
            return self.new_var(shape, E(f"({a.src})[{idx}]", shape, a.bound))
        if form == "mask":
            sub = self.pick(["select", "where", "mul"] + (["select2d", "rows"]
                                                          if self.can_make(M) else []))
            self.constructs.append(f"consts_mask_{sub}")
            if sub == "select":
                n = self.pick([2, 3, 1])
                a = self.operand(V3, d)
                e = E(f"({a.src})[{self.define('MASK', self.mask_array(V3, n))}]",
                      V2 if n == 2 else V3, a.bound)
                if n == 1:
                    e = E(f"np.sum({e.src})", S, a.bound)
                return self.new_var(e.shape, e)
            if sub == "select2d":
                n = self.pick([3, 2])
                a = self.operand(M, d)
                e = E(f"({a.src})[{self.define('MASK', self.mask_array(M, n))}]",
                      V3 if n == 3 else V2, a.bound)
                return self.new_var(e.shape, e)
            if sub == "rows":  # a mask of rows: one row is a (1, 3) row, two the matrix
                n = self.pick([1, 2])
                a = self.operand(M, d)
                e = E(f"({a.src})[{self.define('MASK', self.mask_array(V2, n))}]",
                      R if n == 1 else M, a.bound)
                return self.new_var(e.shape, e)
            shape = self.pick([V3, M] if self.can_make(M) else [V3])
            mask = self.define("MASK", self.mask_array(self.pick([V3, shape]),
                                                       self.draw(integers(1, 2))))
            a = self.operand(shape, d)
            if sub == "where":
                other = self.pick(sub_shapes(shape))
                b = self.const() if other == S and self.chance(50) else self.operand(other, d)
                if self.chance(50):
                    mask = f"~{mask}"
                e = E(f"np.where({mask}, {a.src}, {b.src})", shape, max(a.bound, b.bound))
            else:
                m = self.pick([mask, f"(1.0 - {mask})", f"~{mask}"])
                e = E(f"({a.src}) * {m}", shape, a.bound)
            return self.new_var(shape, e)
        # arith: a module-level array of any shape, with an expression it broadcasts into
        shape = self.pick(ARRAYS)
        sub = self.pick(["mul", "shift", "div", "max"] +
                        (["matvec"] if shape == V2 else []))
        self.constructs.append(f"consts_arith_{sub}")
        if sub == "matvec":  # (2, 3) constant @ (3,) vector
            k = self.define("K", self.const_array(M))
            a = self.operand(V3, d)
            return self.new_var(V2, self.fit(E(f"{k} @ ({a.src})", V2, 9.0 * a.bound)))
        k = self.define("K", self.const_array(self.pick([s for s in sub_shapes(shape)
                                                           if s != S])))
        a = self.operand(shape, d)
        if sub == "mul":
            e = E(f"({a.src}) * {k}", shape, 3.0 * a.bound)
        elif sub == "shift":
            e = E(f"({a.src} - {k}) ** 2", shape, (a.bound + 3.0) ** 2)
        elif sub == "div":
            e = E(f"({a.src}) / (1.0 + {k} ** 2)", shape, a.bound)
        else:
            e = E(f"np.maximum({a.src}, {k})", shape, max(a.bound, 3.0))
        return self.new_var(shape, self.fit(e))

    def consts_table(self, d: int) -> list:
        """A module-level tuple, list or dict of (3,) arrays."""
        n = self.pick([2, 3])
        arrays = [self.const_array(V3) for _ in range(n)]
        kind = self.pick(["tuple", "list", "dict"])
        if kind == "dict":
            tab = self.define("TAB", "{" + ", ".join(f"{k!r}: {a}" for k, a in
                                                     zip("pqr", arrays)) + "}")
            key = repr(self.pick("pqr"[:n]))
            a = self.operand(self.pick([V3, S]), d)
            sub = self.pick(["item", "dot"] if a.shape == V3 else ["item"])
            self.constructs.append(f"consts_table_dict_{sub}")
            if sub == "dot":
                return self.new_var(S, self.fit(E(f"np.dot({tab}[{key}], {a.src})", S,
                                                  9.0 * a.bound)))
            return self.new_var(V3, self.fit(E(f"{tab}[{key}] * ({a.src})", V3,
                                               3.0 * a.bound)))
        tab = self.define("TAB", ("(" + ", ".join(arrays) + ",)") if kind == "tuple"
                          else "[" + ", ".join(arrays) + "]")
        subs = ["item", "sum", "stack", "dot"]
        if self.nest < self.cfg.max_nest and self.budget[0] > 0:
            subs.append("loop")
        sub = self.pick(subs)
        self.constructs.append(f"consts_table_{kind}_{sub}")
        if sub == "loop":  # a loop over the constant container
            t, w = self.fresh_name("u"), self.fresh_name("w")
            a = self.operand(self.pick([V3, S]), d)
            self.vars[t] = Var(t, V3, float(n), level=len(self.loops),
                               active=self.active_in(a.src))
            return [f"{t} = 0.0",
                    Compound(f"for {w} in {tab}:", [f"{t} = {t} + np.tanh({w} * ({a.src}))"])]
        if sub == "item":
            j = self.pick([str(k) for k in range(n)] + ["-1"])
            a = self.operand(self.pick([V3, S]), d)
            e = E(f"{tab}[{j}] * ({a.src})", V3, 3.0 * a.bound)
        elif sub == "sum":
            a = self.operand(self.pick([V3, S]), d)
            e = E(f"sum({tab}) * ({a.src})", V3, 3.0 * n * a.bound)
        elif sub == "stack":  # (n, 3) @ (3,): a (2,) or (3,) vector
            a = self.operand(V3, d)
            e = E(f"np.stack({tab}) @ ({a.src})", V2 if n == 2 else V3, 9.0 * a.bound)
        else:
            a = self.operand(V3, d)
            e = E(f"np.dot({tab}[{self.pick(['0', '1'])}], {a.src})", S, 9.0 * a.bound)
        return self.new_var(e.shape, self.fit(e))

    def consts_write(self) -> list:
        """`y[IDX] op= v` or `y[MASK] op= v` into an array the function created."""
        y = self.pick([v for v in self.targets(writable_only=True, scalar_ok=False)
                       if v.shape in (V3, M)])
        if y.shape == V3:
            if self.chance(50):
                n = self.pick([3, 2])
                target, slot = f"{y.name}[{self.define('IDX', self.write_index(n, 3))}]", \
                    V3 if n == 3 else V2
                sub = "idx"
            else:
                n = self.pick([2, 3, 1])
                target = f"{y.name}[{self.define('MASK', self.mask_array(V3, n))}]"
                slot, sub = (V2 if n == 2 else V3) if n > 1 else S, "mask"
        else:
            sub = self.pick(["rows", "cols", "mask"])
            if sub == "rows":
                target = f"{y.name}[{self.define('IDX', self.write_index(2, 2))}]"
            elif sub == "cols":
                target = f"{y.name}[:, {self.define('IDX', self.write_index(3, 3))}]"
            else:
                target = f"{y.name}[{self.define('MASK', self.mask_array(M, 3))}]"
            slot = V3 if sub == "mask" else M
        self.constructs.append(f"consts_write_{sub}")
        op = self.pick(["=", "+=", "-=", "*="])
        e = self.operand(self.pick(sub_shapes(slot)),
                         self.draw(integers(1, self.cfg.expr_depth)))
        e, bound = self.bounded_update(y, op, e)
        self.read(y)
        y.bound, y.unread = max(bound, 1.0), True
        y.active = y.active or self.active_in(e.src)
        y.version += 1
        return [f"{target} {op} {e.src}"]

    def out_call(self, shape, d: int, bounded: bool = False) -> tuple:
        """A ufunc call whose result has exactly `shape`, without its out array:
        (function, argument sources, bound). `bounded`: the result is at most 1."""
        if bounded or self.chance(40):
            fn = self.pick(["sin", "cos", "tanh"] if bounded else
                           ["exp", "sin", "tanh", "cos", "negative", "square"])
            a = self.operand(shape, d)
            if (fn == "exp" and a.bound > 2.5) or (fn == "square" and a.bound > 5.0):
                a = self.squash(a)
            bound = {"exp": float(np.exp(a.bound)), "negative": a.bound,
                     "square": a.bound ** 2}.get(fn, 1.0)
            return f"np.{fn}", [a.src], bound
        fn = self.pick(["multiply", "add", "subtract"])
        sa, sb = self.pick(operand_pairs(shape))
        a, b = self.operand(sa, d), self.operand(sb, d)
        if fn == "multiply" and a.bound * b.bound > CAP:
            a, b = self.fit(a, 5.0), self.fit(b, 5.0)
        bound = a.bound * b.bound if fn == "multiply" else a.bound + b.bound
        return f"np.{fn}", [a.src, b.src], bound

    def out_spelled(self, fn: str, args: list, target: str) -> str:
        """`fn(*args)` writing into `target`: out=target, out=(target,) or by position."""
        form = self.pick(["kw", "tuple", "positional"])
        out = {"kw": f"out={target}", "tuple": f"out=({target},)", "positional": target}[form]
        self.constructs.append(f"out_{form}")
        return f"{fn}({', '.join(args + [out])})"

    def alloc(self, shape, filled: bool = False) -> tuple:
        """A new array of `shape` (`filled`: not np.empty): (source, bound)."""
        like = [v for v in self.vars.values() if v.shape == shape]
        forms = ["zeros", "ones", "full"] + ([] if filled else ["empty"]) + \
            (["zeros_like"] + ([] if filled else ["empty_like"]) if like else [])
        form = self.pick(forms)
        dims = str(shape[0]) if len(shape) == 1 else str(shape)
        if form.endswith("_like"):
            return f"np.{form}({self.read(self.pick(like))})", 1.0
        if form == "full":
            return f"np.full({dims}, {fmt(self.pick(CONSTS))})", 3.0
        return f"np.{form}({dims})", 1.0

    def stmt_outkw(self) -> list:
        """NumPy calls writing into an `out=` array (srcad rewrites `f(x, out=buf)` into
        `buf = f(x)`): a new buffer read later, the call's value used as well, an
        accumulator updated in a loop (out= one of the inputs), rows of a matrix buffer,
        and arrays the function already writes into."""
        forms = ["new", "value", "row"]
        if self.nest < self.cfg.max_nest and self.budget[0] > 0:
            forms.append("loop")
        existing = [v for v in self.targets(writable_only=True, scalar_ok=False)
                    if v.shape in (V3, V2, M)]
        if existing:
            forms += ["existing", "existing"]
        form = self.pick(forms)
        self.constructs.append(f"out_{form}")
        d = self.draw(integers(0, self.cfg.expr_depth - 1))
        if form == "existing":
            return self.outkw_existing(self.pick(existing), d)
        shape = M if form == "row" else self.pick([V3, M, V2])
        buf = self.fresh_name("buf")
        if form == "row":  # out= a row of a matrix: lowered as buf[i] = ...
            alloc, bound = self.alloc(M, filled=True)
            lines = [f"{buf} = {alloc}"]
            rows = self.pick([["0", "1"], [self.index(2)]])
            for i in rows:
                fn, args, b = self.out_call(V3, d)
                lines.append(self.out_spelled(fn, args, f"{buf}[{i}]"))
                bound = max(bound, b)
            self.writable.add(buf)
            self.vars[buf] = Var(buf, M, max(bound, 1.0), writable=True,
                                 level=len(self.loops), active=self.active_in(" ".join(lines)))
            return lines
        if form == "loop":
            alloc, _ = self.alloc(shape, filled=True)
            iv, k = self.fresh_name("i"), self.draw(integers(1, 4))
            self.ints[iv] = IntVar(iv, 0, k - 1)
            self.loops.append(Loop("for"))
            e = self.operand(self.pick(sub_shapes(shape)), d)
            if e.bound > ADD_MAX:
                e = self.squash(e)
            body = [f"np.{self.pick(['add', 'subtract'])}({buf}, {e.src}, out={buf})"]
            if self.chance(40):
                g = self.squash(self.operand(self.pick(sub_shapes(shape)), d))
                body.append(f"np.multiply({buf}, {g.src}, out={buf})")
            self.loops.pop()
            del self.ints[iv]
            self.writable.add(buf)
            self.vars[buf] = Var(buf, shape, 3.0 + k * ADD_MAX, writable=True,
                                 level=len(self.loops), active=self.active_in(" ".join(body)))
            return [f"{buf} = {alloc}", Compound(f"for {iv} in range({k}):", body)]
        alloc, _ = self.alloc(shape)
        fn, args, bound = self.out_call(shape, d)
        call = self.out_spelled(fn, args, buf)
        active = self.active_in(call)
        if form == "value":  # the call's value is the buffer too: neither is written again
            r = self.fresh_name("u")
            self.vars[r] = Var(r, shape, max(bound, 1.0), level=len(self.loops), active=active)
            self.vars[buf] = Var(buf, shape, max(bound, 1.0), level=len(self.loops),
                                 active=active)
            return [f"{buf} = {alloc}", f"{r} = {call}"]
        self.writable.add(buf)
        self.vars[buf] = Var(buf, shape, max(bound, 1.0), writable=True, level=len(self.loops),
                             active=active)
        return [f"{buf} = {alloc}", call]

    def outkw_existing(self, y: Var, d: int) -> list:
        """out= an array the function created earlier (and may have written into)."""
        outer = self.outer(y)
        sub = self.pick(["replace", "update"] + (["row"] if y.shape == M else []))
        self.constructs.append(f"out_existing_{sub}")
        if sub == "update":  # out= one of the inputs
            fn = self.pick(["add", "subtract", "multiply"])
            e = self.operand(self.pick(sub_shapes(y.shape)), d)
            if fn == "multiply":
                if outer or y.bound * e.bound > CAP:
                    e = self.squash(e)
                bound = y.bound * e.bound
            else:
                if outer and e.bound > ADD_MAX:
                    e = self.squash(e)
                bound = y.bound + e.bound
            args = [self.read(y), e.src] if self.chance(70) or fn == "subtract" else \
                [e.src, self.read(y)]
            line = self.out_spelled(f"np.{fn}", args, y.name)
        elif sub == "row":
            fn, args, b = self.out_call(V3, d, bounded=outer)
            line = self.out_spelled(fn, args, f"{y.name}[{self.index(2)}]")
            bound = max(y.bound, b)
        else:
            fn, args, bound = self.out_call(y.shape, d, bounded=outer)
            line = self.out_spelled(fn, args, y.name)
        self.read(y)
        y.bound, y.unread = max(bound, 1.0), True
        y.active = y.active or self.active_in(line)
        y.version += 1
        return [line]

    def stmt_swap(self) -> list:
        """`a, b = <new a>, <new b>`: both right-hand sides see the old values."""
        cands = [v for v in self.targets(params=False) if not v.writable]
        a, b = self.pick(cands), self.pick(cands)
        if a is b:
            return self.stmt_reassign()
        src_a, bound_a = self.update_rhs(a)
        src_b, bound_b = self.update_rhs(b)
        act_a, act_b = self.active_in(src_a), self.active_in(src_b)
        a.bound, a.unread, a.active = max(bound_a, 1.0), True, act_a
        b.bound, b.unread, b.active = max(bound_b, 1.0), True, act_b
        a.version += 1
        b.version += 1
        return [f"{a.name}, {b.name} = {src_a}, {src_b}"]

    def stmt_while(self) -> list:
        k = self.draw(integers(1, 4))
        name = self.fresh_name("k")
        init = f"{name} = 0"
        cond = f"{name} < {k}"
        forever = self.chance(25)
        if forever:
            cond = "True"
        elif self.chance(40) and not self.poly:
            cond += f" and {self.cond(0)}"
        entry = self.snapshot()
        loop = Loop("while")
        self.ints[name] = IntVar(name, 1, k)
        inc = [self.pick([f"{name} = {name} + 1", f"{name} += 1"])]
        if forever:
            inc.append(Compound(f"if {name} > {k}:", ["break"]))
        body = inc + self.loop_body(loop, entry)
        del self.ints[name]
        self.merge_loop(entry, loop, k)
        return [init, Compound(f"while {cond}:", body)]

    # -- whole functions

    def prologue(self, params: list) -> list:
        for name, shape in self.globals:
            self.vars[name] = Var(name, shape, PARAM_BOUND, param=True, unread=False,
                                  glob=True)
        for name, shape in params:
            # unread: preferred as leaves, and read by the final return if nothing else does
            self.vars[name] = Var(name, shape, PARAM_BOUND, param=True, active=True)
        if self.int_param is not None:
            name, value = self.int_param
            self.ints[name] = IntVar(name, value, value)
        e = self.const() if self.chance(25) or self.poly else self.expr(S, 1)
        self.vars["acc"] = Var("acc", S, max(e.bound, 1.0), active=self.active_in(e.src))
        return [f"acc = {e.src}"]

    def body(self, params: list, min_stmts=1) -> list:
        items = self.prologue(params)
        n = self.draw(integers(min_stmts, self.cfg.max_stmts + 1))
        for _ in range(n):
            items += self.stmt()
        if self.chance(30) and not self.poly:
            c = self.cond(1)
            a = self.return_expr(True, set())
            b = self.return_expr(False, set())
            items.append(Compound(f"if {c}:", [f"return {a}"], [("else:", [f"return {b}"])]))
        else:
            items.append(f"return {self.return_expr(True, set())}")
        return items


class _Emitter:
    """feature_snippets' view of a FunctionGen: operands are small expressions."""

    def __init__(self, gen: FunctionGen):
        self.gen = gen
        self.draw = gen.draw
        self.lines: list = []
        self.active = False

    def fresh(self, stem: str) -> str:
        return self.gen.fresh_name(stem)

    def operand(self, shape: str) -> str:
        gen = self.gen
        d = self.draw(integers(0, 1))
        if shape == fsn.S:
            e = gen.expr(S, d)
        elif gen.can_make(V3):
            e = gen.expr(V3, d)
        else:
            e = gen.expr(S, d)
            e = E(f"{e.src} * np.ones(3)", V3, e.bound)
        e = gen.fit(e, PARAM_BOUND)
        self.active = self.active or gen.active_in(e.src)
        node = ast.parse(e.src, mode="eval").body
        # a list must not hold an array the function may assign into later
        if not is_fresh(node) and may_hold(node, gen.writable):
            return f"(1.0 * {e.src})"
        return f"({e.src})" if not isinstance(node, (ast.Name, ast.Constant, ast.Subscript,
                                                         ast.Call)) else e.src

    def line(self, text: str):
        self.lines.append(text)

    def define(self, text: str):
        self.gen.module_defs.append(text.strip("\n"))


def normalize(source: str) -> str:
    """Canonical formatting (redundant parentheses removed)."""
    return ast.unparse(ast.parse(source)) + "\n"


@st.composite
def programs(draw, cfg: Config = Config()) -> Program:
    """A module: helpers h0, h1, ... and the differentiated entry point f."""
    n_helpers = draw(st.integers(0, cfg.max_helpers))
    budget = [cfg.max_total_stmts]
    module_defs: list = []  # classes written by feature_snippets
    features: list = []
    constructs: list = []  # stmt_consts / stmt_outkw forms, wrappers
    signatures: list = []  # (helper, or None for f; parameter list) of every function
    helpers: list = []
    chunks = []
    glob, glob_src = [], []
    n_globals = (draw(st.integers(1, cfg.max_globals))
                 if cfg.max_globals and chance(draw, 40) else 0)
    for k in range(n_globals):
        shape = draw(st.sampled_from([S, V3, M]))
        vals = draw(grid_values(int(np.prod(shape)) if shape else 1))
        name = f"G{k}" if shape == S else f"W{k}"
        glob.append((name, shape))
        glob_src.append(f"{name} = {vals[0]!r}" if shape == S else
                        f"{name} = np.array({np.array(vals).reshape(shape).tolist()!r})")
    for k in range(n_helpers):
        n_params = draw(st.integers(1, 2))
        params = [(f"a{j}", draw(st.sampled_from(cfg.arg_shapes))) for j in range(n_params)]
        recursive = cfg.recursion and chance(draw, 35)
        poly = not recursive and chance(draw, 25)
        if poly:
            params = [(name, S) for name, _ in params]
        ret_shape = draw(st.sampled_from([S] + [s for _, s in params if s != S]))
        ret_bound = 4.0 if recursive else CAP
        if poly:
            ret_shape = S
        default = None
        if not poly and not recursive and chance(draw, 30):
            default = fmt(draw(st.sampled_from(CONSTS)))
            params = params + [("c", S)]
        h = Helper(f"h{k}", params, recursive, ret_shape, ret_bound, poly=poly,
                   default=default)
        gen = FunctionGen(draw, replace(cfg, max_nest=1, max_stmts=min(cfg.max_stmts, 3),
                                        expr_depth=min(cfg.expr_depth, 2)),
                          [g for g in helpers if not poly], ret_shape, ret_bound, me=h,
                          poly=poly)
        gen.globals = [] if poly else glob
        gen.budget = budget
        gen.module_defs, gen.features = module_defs, features
        gen.constructs = constructs
        names = [p for p, _ in params] + (["n"] if recursive else [])
        if default is not None:
            names[-1] = f"c={default}"
        if recursive:
            items = gen.prologue(params)
            base_ret = gen.fit(gen.expr(ret_shape, 2), ret_bound - 1.0)
            acc = gen.vars["acc"]
            items.append(Compound("if n <= 0:", [f"return {gen.read(acc)} * 0.5 + {base_ret.src}"]))
            acc.unread = False
            gen.helpers = gen.helpers + [h]
            for _ in range(draw(st.integers(0, 2))):
                items += gen.stmt()
            rec = gen.call(h, 1)
            rest = gen.return_expr(True, set())
            combine = draw(st.sampled_from(["scale", "squash", "mul"]))
            p = "math" if ret_shape == S and draw(st.integers(0, 1)) else "np"
            if combine == "scale":
                src = f"0.5 * {rec.src} + 0.5 * {p}.tanh({rest})"
            elif combine == "mul":
                src = f"{rec.src} * {p}.cos({rest})"
            else:
                src = f"{p}.tanh({rec.src} + {rest})"
            items.append(f"return {src}")
        else:
            items = gen.body(params)
            if poly:  # the result has the broadcast shape of all the arguments
                items[-1] += "".join(f" + {fmt(draw(st.sampled_from(CONSTS)))} * {name}"
                                     for name, _ in params)
        h.calls = set(gen.calls)
        chunks.append(f"def {h.name}({', '.join(names)}):\n" + "\n".join(render(items)))
        signatures.append((h, names))
        helpers.append(h)
    n_args = draw(st.integers(cfg.min_args, cfg.max_args))
    shapes = tuple(draw(st.sampled_from(cfg.arg_shapes)) for _ in range(n_args))
    params = [(f"x{j}", s) for j, s in enumerate(shapes)]
    gen = FunctionGen(draw, cfg, helpers, S, None)
    gen.globals = glob
    gen.budget = budget
    gen.module_defs, gen.features = module_defs, features
    gen.constructs = constructs
    int_value = None
    if chance(draw, cfg.int_param_percent):
        int_value = draw(st.integers(0, 3))
        gen.int_param = ("n", int_value)
    items = gen.body(params)
    # every helper is reachable from f
    reach = set()
    todo = list(gen.calls)
    while todo:
        name = todo.pop()
        if name not in reach:
            reach.add(name)
            todo += list(next(h for h in helpers if h.name == name).calls)
    extra = []
    for h in reversed(helpers):
        if h.name in reach:
            continue
        call = gen.fit(gen.call(h, 1), CAP)
        extra.append(call.src if call.shape == S else f"np.sum({call.src})")
        reach.add(h.name)
        todo = list(h.calls)
        while todo:
            name = todo.pop()
            if name not in reach:
                reach.add(name)
                todo += list(next(g for g in helpers if g.name == name).calls)
    if extra:
        last = items[-1]
        if isinstance(last, str):
            items[-1] = last + " + " + " + ".join(f"0.5 * {x}" for x in extra)
        else:
            last.body[-1] = last.body[-1] + " + " + " + ".join(f"0.5 * {x}" for x in extra)
    names = [p for p, _ in params] + (["n"] if int_value is not None else [])
    chunks.append(f"def f({', '.join(names)}):\n" + "\n".join(render(items)))
    signatures.append((None, names))
    imports = "import math\nimport numpy as np\n"
    if cfg.wraps_percent and chance(draw, cfg.wraps_percent):
        k = draw(st.integers(0, len(signatures) - 1))
        h, names = signatures[k]
        deco = f"wrapping{len(module_defs)}"
        text, form = decorator(draw, deco, names, helper=h)
        module_defs.append(text)
        chunks[k] = f"@{deco}\n" + chunks[k]
        constructs.append(f"wraps_{'f' if h is None else 'helper'}_{form}")
        imports = "import functools\n" + imports
    source = imports + "".join(f"{g}\n" for g in glob_src) + \
        "\n\n" + "\n\n\n".join(module_defs + chunks) + "\n"
    source = normalize(source)
    multi = None
    if cfg.multi_percent and chance(draw, cfg.multi_percent):
        multi = draw(st.sampled_from(MULTI_KINDS))
        floats = [p for p, _ in params]
        source = with_container_output(source, multi, draw(st.sampled_from(floats)),
                                       draw(st.sampled_from(AUX_FORMS)))
    wrt = tuple(range(n_args))
    if n_args > 1 and chance(draw, cfg.subset_percent):
        wrt = tuple(sorted(set(draw(st.lists(st.integers(0, n_args - 1), min_size=1,
                                             max_size=n_args)))))
    use_vjp = chance(draw, cfg.vjp_percent)
    single = len(wrt) == 1 and draw(integers(0, 1)) == 1
    return Program(source, shapes, wrt, use_vjp, single, int_value,
                   features=tuple(features), constructs=tuple(constructs), multi=multi)


WRAP_FORMS = ("scale", "shift", "squash", "twice")


def decorator(draw, deco: str, names: list, helper: Helper | None) -> tuple:
    """A decorator made with functools.wraps whose wrapper does math of its own around
    the call (srcad differentiates the wrapper, not the function it wraps). `names`: the
    parameters of the wrapped function (`helper`; None for f). A helper that does not
    call itself may get a `*args, **kwargs` wrapper. Returns (source, form)."""
    star = helper is not None and not helper.depth_param and draw(st.integers(0, 2)) == 0
    form = draw(st.sampled_from(WRAP_FORMS))
    c = fmt(draw(st.sampled_from((0.5, 1.5) if helper is not None else (0.5, 1.5, 2.0))))
    if star:
        sig = call = "*args, **kwargs"
        first = "args[0]"
    else:
        sig = ", ".join(names)
        call = ", ".join(n.split("=")[0] for n in names)
        first = names[0].split("=")[0]
    body = {"scale": [f"return {c} * fn({call})"],
            "shift": [f"return fn({call}) + {c} * np.sum(np.sin({first}))"],
            "squash": [f"return np.tanh(fn({call}))"],
            "twice": [f"value = fn({call})", f"return value + {c} * np.sin(value)"]}[form]
    lines = [f"def {deco}(fn):", "", "    @functools.wraps(fn)", f"    def wrapper({sig}):"]
    lines += [f"        {b}" for b in body] + ["", "    return wrapper"]
    return "\n".join(lines), form + ("_star" if star else "")


# The containers f_multi returns: f's value and an array or scalar of an argument.
MULTI_KINDS = ("tuple", "list", "nested", "dict")
MULTI_TEMPLATES = {"tuple": "(VALUE, AUX)", "list": "[VALUE, AUX]",
                   "nested": "(VALUE, (AUX, 0.5 * VALUE))",
                   "dict": "{'value': VALUE, 'aux': AUX}"}
AUX_FORMS = ("np.tanh({p}) * 0.5", "{p} * 2.0", "np.sin({p}) + 1.0")


class _Fill(ast.NodeTransformer):
    def __init__(self, **parts):
        self.parts = parts

    def visit_Name(self, node):
        part = self.parts.get(node.id)
        return copy.deepcopy(part) if part is not None else node


def with_container_output(source: str, kind: str, param: str, aux_form: str) -> str:
    """`source` and `f_multi`, a copy of f whose every `return v` returns a container
    (MULTI_KINDS) of v and `aux_form` of the argument `param`."""
    aux = ast.parse(aux_form.format(p=param), mode="eval").body
    tree = ast.parse(source)
    f = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f")
    g = copy.deepcopy(f)
    g.name, g.decorator_list = "f_multi", []
    for node in ast.walk(g):
        if isinstance(node, ast.Return):
            template = ast.parse(MULTI_TEMPLATES[kind], mode="eval").body
            node.value = _Fill(VALUE=node.value, AUX=aux).visit(template)
    tree.body.append(g)
    return normalize(ast.unparse(ast.fix_missing_locations(tree)))


def grid_values(n: int):
    """n inputs in [-2, 2], on a grid that avoids 0 (shrinks towards 0.005)."""
    return st.lists(st.integers(-200, 199), min_size=n, max_size=n).map(
        lambda ks: [(k + 0.5) / 100 for k in ks])


@st.composite
def arguments(draw, shapes: tuple, int_arg=None) -> tuple:
    out = []
    for s in shapes:
        vals = draw(grid_values(int(np.prod(s)) if s else 1))
        out.append(float(vals[0]) if s == S else np.array(vals, dtype=np.float64).reshape(s))
    if int_arg is not None:
        out.append(int_arg)
    return tuple(out)


@st.composite
def cases(draw, cfg: Config = Config()):
    """(program, arguments)."""
    prog = draw(programs(cfg))
    return prog, draw(arguments(prog.arg_shapes, prog.int_arg))
