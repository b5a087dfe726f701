"""Snippets shared by both generators: Python lists built at run time and consumed by
NumPy (or builtins), and complex intermediates inside real functions of real inputs.

A snippet writes a few statements that read *operands* (real scalars or (3,) vectors
the host generator supplies) and bind one new real local, a scalar or a (3,) vector,
whose magnitude stays small (every result is squashed). The host is an `Emitter`:

* `draw(strategy)`: Hypothesis' draw;
* `fresh(stem)`: a new local name;
* `operand(shape)`: the source of a real value of shape `S` or `V`, at most about 3 in
  magnitude, that may be read more than once (a name or a side-effect-free expression);
* `line(text)`: a statement of the body (nested lines carry their own 4-space indents);
* `define(text)`: a module-level definition (a small class).

Inputs of non-differentiable operations are kept away from their kinks: `abs` and
`angle` of complex values see a real part bounded away from zero (or the smooth
`abs(z) ** 2`), `np.std` and `np.linalg.norm` see at least two distinct elements;
the orderings chosen by `max(xs)`, `min(xs)`, `sorted`, `np.max`, `np.min` are
recorded by the harness's instrumented run (a draw where they change within the
finite-difference step is discarded).

`snippet(em, name)` runs one snippet by name; `LIST_SNIPPETS` and `COMPLEX_SNIPPETS`
name them.
"""

from __future__ import annotations

from hypothesis import strategies as st

S = "s"
V = "v"
CONSTS = ("0.5", "0.25", "1.5", "0.75", "0.3", "1.25", "0.8")

# How a list is built.
LIST_BUILDERS = ("literal", "append", "append_loop", "extend", "iadd", "prealloc",
                 "insert", "comp", "dict_values", "attr_method", "dict_list", "pop",
                 "comp_iter_array")
# Snippets without a builder: lists of lists, and builtins on a list of scalars.
LIST_OTHERS = ("nested", "builtins")
LIST_SNIPPETS = tuple("rtlist_" + b for b in LIST_BUILDERS + LIST_OTHERS)
COMPLEX_SNIPPETS = ("cplx_arith", "cplx_expi", "cplx_vdot", "cplx_recurrence", "cplx_fft",
                    "cplx_polar")
ALL = LIST_SNIPPETS + COMPLEX_SNIPPETS


def _pick(em, options):
    options = list(options)
    return options[em.draw(st.integers(0, len(options) - 1))] if len(options) > 1 \
        else options[0]


def _const(em) -> str:
    return _pick(em, CONSTS)


def _shape(em) -> str:
    return _pick(em, (S, V))


def elem(em, sh: str, i: str | None = None) -> str:
    """A new element of shape `sh`, bounded by 1, reading operands (and `i`)."""
    a = em.operand(sh)
    b = em.operand(_pick(em, (S, sh)))
    c = _const(em)
    k = f"({c} + 0.25 * {i})" if i is not None else c
    form = _pick(em, ("sin", "tanh", "cos"))
    if form == "sin":
        return f"np.sin({a} * {k} + {b})"
    if form == "tanh":
        return f"np.tanh({a} - {k} * {b})"
    return f"np.cos({a} + {k}) * np.tanh({b})"


# ----------------------------------------------------------------------------- building


def build(em, builder: str, sh: str):
    """Statements building a list of `sh` elements. Returns (list expression, length)."""
    xs = em.fresh("xs")
    if builder == "literal":
        n = em.draw(st.integers(1, 4))
        em.line(f"{xs} = [{', '.join(elem(em, sh) for _ in range(n))}]")
        return xs, n
    if builder == "append":
        n = em.draw(st.integers(1, 3))
        em.line(f"{xs} = []")
        for _ in range(n):
            em.line(f"{xs}.append({elem(em, sh)})")
        return xs, n
    if builder == "append_loop":
        n = em.draw(st.integers(1, 4))
        i = em.fresh("i")
        em.line(f"{xs} = []")
        em.line(f"for {i} in range({n}):")
        em.line(f"    {xs}.append({elem(em, sh, i)})")
        return xs, n
    if builder in ("extend", "iadd"):
        m = em.draw(st.integers(1, 2))
        em.line(f"{xs} = [{elem(em, sh)}]")
        other = _pick(em, ("display", "named", "loop"))
        if other == "display":
            rhs = f"[{', '.join(elem(em, sh) for _ in range(m))}]"
        else:
            ys = em.fresh("ys")
            if other == "named":
                em.line(f"{ys} = [{', '.join(elem(em, sh) for _ in range(m))}]")
            else:
                i = em.fresh("i")
                em.line(f"{ys} = []")
                em.line(f"for {i} in range({m}):")
                em.line(f"    {ys}.append({elem(em, sh, i)})")
            rhs = ys
        em.line(f"{xs}.extend({rhs})" if builder == "extend" else f"{xs} += {rhs}")
        return xs, 1 + m
    if builder == "prealloc":
        n = em.draw(st.integers(1, 4))
        i = em.fresh("i")
        em.line(f"{xs} = [0.0] * {n}")
        em.line(f"for {i} in range({n}):")
        em.line(f"    {xs}[{i}] = {elem(em, sh, i)}")
        return xs, n
    if builder == "insert":
        em.line(f"{xs} = [{elem(em, sh)}, {elem(em, sh)}]")
        pos = _pick(em, ("0", "1", "2", "-1"))
        em.line(f"{xs}.insert({pos}, {elem(em, sh)})")
        return xs, 3
    if builder in ("comp", "comp_iter_array"):
        if builder == "comp_iter_array":  # iterating a (3,) vector gives its scalars
            src = em.operand(V)
            c = _const(em)
            fn = _pick(em, ("np.sin", "np.tanh", "np.cos"))
            if sh == S:
                em.line(f"{xs} = [{fn}({c} * v) for v in {src}]")
            else:
                w = em.operand(V)
                em.line(f"{xs} = [np.tanh(v * {w}) for v in {src}]")
            return xs, 3
        n = em.draw(st.integers(1, 3))
        srcs = [em.operand(sh) for _ in range(n)]
        b = em.operand(_pick(em, (S, sh)))
        c = _const(em)
        tail = "," if n == 1 else ""
        form = _pick(em, ("plain", "enumerate", "filter"))
        if form == "plain":
            em.line(f"{xs} = [np.sin({c} * v + {b}) for v in ({', '.join(srcs)}{tail})]")
        elif form == "enumerate":
            em.line(f"{xs} = [np.tanh(v * (1.0 + 0.5 * j) - {b}) "
                    f"for j, v in enumerate(({', '.join(srcs)}{tail}))]")
        else:  # a constant filter: the length is known
            srcs.append(em.operand(sh))
            em.line(f"{xs} = [np.sin(v - {c} * {b}) for j, v in enumerate(({', '.join(srcs)},))"
                    f" if j != 1]")
            n = len(srcs) - 1
        return xs, n
    if builder == "dict_values":
        n = em.draw(st.integers(1, 3))
        d = em.fresh("dv")
        keys = ("p", "q", "r")[:n]
        em.line(f"{d} = {{{', '.join(f'{k!r}: {elem(em, sh)}' for k in keys)}}}")
        em.line(f"{xs} = list({d}.values())")
        return xs, n
    if builder == "attr_method":
        cls, obj = em.fresh("Recorder"), em.fresh("rec")
        em.define(f'''
class {cls}:
    def __init__(self, scale):
        self.values = []
        self.scale = scale

    def add(self, v):
        self.values.append(np.tanh(self.scale * v))
''')
        n = em.draw(st.integers(1, 3))
        em.line(f"{obj} = {cls}({_const(em)})")
        if em.draw(st.booleans()):
            i = em.fresh("i")
            em.line(f"for {i} in range({n}):")
            em.line(f"    {obj}.add({elem(em, sh, i)})")
        else:
            for _ in range(n):
                em.line(f"{obj}.add({elem(em, sh)})")
        return f"{obj}.values", n
    if builder == "dict_list":
        d = em.fresh("logs")
        n = em.draw(st.integers(1, 3))
        em.line(f'{d} = {{"hist": [], "scale": {_const(em)}}}')
        i = em.fresh("i")
        em.line(f"for {i} in range({n}):")
        em.line(f'    {d}["hist"].append({d}["scale"] * {elem(em, sh, i)})')
        return f'{d}["hist"]', n
    if builder == "pop":
        n = em.draw(st.integers(3, 4))
        em.line(f"{xs} = [{', '.join(elem(em, sh) for _ in range(n))}]")
        last = em.fresh("last")
        em.line(f"{last} = {xs}.{_pick(em, ('pop()', 'pop(0)', 'pop(1)'))}")
        # the popped value goes back in, scaled: the list keeps its length
        em.line(f"{xs}.append(0.5 * {last})")
        return xs, n
    raise ValueError(builder)


def view(em, xs: str, n: int, sh: str):
    """Maybe a derived list: a slice, reversed, sorted. Returns (expression, length)."""
    form = _pick(em, ("same", "tail", "head", "rev", "reversed") +
                 (("sorted",) if sh == S else ()))
    if form == "tail" and n >= 2:
        return f"{xs}[1:]", n - 1
    if form == "head" and n >= 2:
        return f"{xs}[:-1]", n - 1
    if form == "rev":
        return f"{xs}[::-1]", n
    if form == "reversed":
        return f"list(reversed({xs}))", n
    if form == "sorted":
        return f"sorted({xs})", n
    return xs, n


# ----------------------------------------------------------------------------- consuming


def consume(em, xs: str, n: int, sh: str) -> tuple:
    """A real expression reading the list `xs` (n elements of shape `sh`, each bounded by
    1). Returns (source, shape, bound)."""
    forms = ["np.mean", "np.sum", "np.stack", "np.prod", "np.max", "np.min", "np.var",
             "np.dot", "np.cumsum", "np.array", "sum", "for", "index", "len", "zip_rev"]
    if n >= 2:
        forms += ["np.std", "np.linalg.norm"]
    if sh == S:
        forms += ["max", "min", "sorted"]
    form = _pick(em, forms)
    ws = "np.array([" + ", ".join(_pick(em, ("0.5", "-0.3", "0.8", "1.25", "-0.6"))
                                  for _ in range(n)) + "])"
    axis = ", axis=0" if sh == V and em.draw(st.booleans()) else ""
    out = sh if axis else S
    if form in ("np.mean", "np.max", "np.min", "np.var", "np.std"):
        return f"{form}({xs}{axis})", out, 1.0
    if form == "np.sum":
        return f"np.sum({xs}{axis})", out, float(n * (1 if axis or sh == S else 3))
    if form == "np.prod":
        return f"np.prod({xs}{axis})", out, 1.0
    if form == "np.linalg.norm":
        return f"np.linalg.norm({xs})", S, float(n * 3)
    if form == "np.stack":
        k = _pick(em, ("plain", "axis1", "matvec"))
        if k == "plain":
            return f"np.sum(np.sin(np.stack({xs})) * {_const(em)})", S, float(3 * n)
        if k == "axis1" and sh == V:
            return f"np.stack({xs}, axis=1) @ {ws}", V, float(2 * n)
        return f"{ws} @ np.stack({xs})", sh, float(2 * n)
    if form == "np.dot":
        if n == 3 and sh == S and em.draw(st.booleans()):
            return f"np.dot({em.operand(V)}, {xs})", S, 9.0
        return f"np.dot({ws}, {xs})", sh, float(2 * n)
    if form == "np.cumsum":
        if sh == S:
            return _pick(em, (f"np.cumsum({xs})[-1]",
                              f"np.sum(np.tanh(np.cumsum({xs})))")), S, float(n)
        return f"np.cumsum({xs}, axis=0)[-1]", V, float(n)
    if form == "np.array":
        return f"np.sum(np.array({xs}) ** 2)", S, float(3 * n)
    if form == "sum":
        return f"sum({xs})", sh, float(n)
    if form in ("max", "min"):
        return f"{form}({xs})", S, 1.0
    if form == "sorted":
        return f"sorted({xs})[0] - 0.5 * sorted({xs})[-1]", S, 2.0
    if form == "for":
        acc, v = em.fresh("tot"), em.fresh("item")
        em.line(f"{acc} = 0.0")
        em.line(f"for {v} in {xs}:")
        em.line(f"    {acc} = {acc} + np.tanh({v}) * {_const(em)}")
        return acc, sh, float(2 * n)
    if form == "index":
        return f"{xs}[0] * {xs}[-1] + {xs}[{n // 2}]", sh, 2.0
    if form == "len":
        return f"np.sum({xs}) / len({xs})", S, 3.0
    return f"sum(p * q for p, q in zip({xs}, reversed({xs})))", sh, float(n)


def finish(em, src: str, shape: str, bound: float) -> tuple:
    t = em.fresh("t")
    em.line(f"{t} = np.tanh({src})" if bound > 3.0 or em.draw(st.booleans())
            else f"{t} = {src}")
    return t, shape


def snip_list(em, builder: str) -> tuple:
    sh = _shape(em)
    xs, n = build(em, builder, sh)
    if builder != "pop" and em.draw(st.integers(0, 3)) == 0:
        xs, n = view(em, xs, n, sh)
    src, shape, bound = consume(em, xs, n, sh)
    return finish(em, src, shape, bound)


def snip_nested(em) -> tuple:
    """A list of lists of scalars made into a matrix."""
    m = em.fresh("mat")
    rows = [[elem(em, S) for _ in range(2)] for _ in range(2)]
    if em.draw(st.booleans()):
        em.line(f"{m} = np.array([{', '.join('[' + ', '.join(r) + ']' for r in rows)}])")
    else:
        rr = em.fresh("rows")
        em.line(f"{rr} = []")
        for r in rows:
            em.line(f"{rr}.append([{', '.join(r)}])")
        em.line(f"{m} = np.array({rr})")
    use = _pick(em, ("matvec", "matmul", "trace", "sum_axis"))
    if use == "matvec":
        return finish(em, f"np.sum(np.sin({m} @ np.array([{_const(em)}, -{_const(em)}])))",
                      S, 2.0)
    if use == "matmul":
        return finish(em, f"np.sum({m} @ {m}.T)", S, 8.0)
    if use == "trace":
        return finish(em, f"np.trace({m}) * {_const(em)}", S, 2.0)
    return finish(em, f"np.sum(np.mean({m}, axis=0) * {m}[1])", S, 2.0)


def snip_builtins(em) -> tuple:
    """Builtins with one iterable argument on a list of scalars."""
    xs, n = build(em, _pick(em, ("literal", "append_loop", "comp")), S)
    parts = []
    for _ in range(em.draw(st.integers(1, 2))):
        parts.append(_pick(em, (f"sum({xs})", f"max({xs})", f"min({xs})",
                                f"sorted({xs})[{n - 1}]", f"sum(reversed({xs}))",
                                f"{xs}[-1] * len({xs})")))
    return finish(em, " - 0.5 * ".join(parts), S, 2.0 * n)


# ----------------------------------------------------------------------------- complex


def base(em, sh: str) -> str:
    """A complex value with real and imaginary parts in [-1, 1]."""
    a, b = em.operand(sh), em.operand(_pick(em, (S, sh)))
    form = _pick(em, ("plus", "complex_mul", "expi"))
    if form == "plus":
        return f"(np.tanh({a}) + 1j * np.sin({b}))"
    if form == "complex_mul":
        return f"(0.5 + 0.5j) * (np.sin({a}) - 1j * np.tanh({b}))"
    return f"np.tanh({b}) * np.exp(1j * {a})"


def real_of(em, z: str, bound: float, offset_ok: bool = True) -> tuple:
    """A real expression of the complex `z` (|z| <= bound). Returns (src, bound)."""
    off = f"{bound + 1.0:.1f}"
    forms = ["real_attr", "imag_attr", "np.real", "np.imag", "abs2", "conj"]
    if offset_ok:
        forms += ["abs_off", "angle_off"]
    form = _pick(em, forms)
    if form == "real_attr":
        return f"({z}).real", bound
    if form == "imag_attr":
        return f"({z}).imag", bound
    if form in ("np.real", "np.imag"):
        return f"{form}({z})", bound
    if form == "abs2":
        return f"np.abs({z}) ** 2", bound * bound
    if form == "conj":
        return f"np.real(np.conj({z}) * ({z}) * (0.5 - 0.25j))", bound * bound
    if form == "abs_off":  # the real part of z + off is at least 1: away from abs's kink
        return f"np.abs({z} + {off})", 2 * bound + 1
    # ... and away from angle's branch cut (the negative real axis)
    return f"np.angle({z} + {off})", 1.6


def snip_cplx_arith(em) -> tuple:
    sh = _shape(em)
    z, w = em.fresh("z"), em.fresh("zw")
    em.line(f"{z} = {base(em, sh)}")  # |z| <= 1.5
    terms, bound = [], 0.0
    for _ in range(em.draw(st.integers(1, 3))):
        op = _pick(em, ("mul", "pow", "div", "add", "conj_mul", "real_scale"))
        if op == "mul":
            terms.append(f"{z} * ({_const(em)} - {_const(em)}j)")
            bound += 1.5 * 1.8
        elif op == "pow":
            k = _pick(em, ("2", "3"))
            terms.append(f"{z} ** {k}")
            bound += 1.5 ** int(k)
        elif op == "div":  # |0.3 z| <= 0.45 < |1.5 + 0.5j|: never near zero
            terms.append(f"{z} / (1.5 + 0.5j + 0.3 * {z})")
            bound += 1.5
        elif op == "add":
            terms.append(f"({z} - 0.25j + {_const(em)})")
            bound += 3.0
        elif op == "conj_mul":
            terms.append(f"np.conj({z}) * {z} * 1j")
            bound += 2.25
        else:
            terms.append(f"{em.operand(sh)} * {z}")
            bound += 4.5
    sign = _pick(em, (" + ", " - "))
    em.line(f"{w} = {sign.join(terms)}")
    src, b = real_of(em, w, bound)
    return finish(em, src, sh, b)


def snip_cplx_expi(em) -> tuple:
    sh = _shape(em)
    e = em.fresh("ph")
    theta = em.operand(sh)
    em.line(f"{e} = np.exp(1j * {theta})")
    amp = em.operand(_pick(em, (S, sh)))
    form = _pick(em, ("mul", "conj", "imag"))
    if form == "mul":
        src, b = real_of(em, f"{e} * ({amp} + 0.5j)", 4.0)
    elif form == "conj":
        src, b = f"np.real({e} * np.conj({e} * {e}) * {amp})", 3.0
    else:
        src, b = f"np.imag({e}) * {amp} + np.real({e} ** 2)", 4.0
    return finish(em, src, sh, b)


def snip_cplx_vdot(em) -> tuple:
    u, v = em.fresh("cu"), em.fresh("cv")
    em.line(f"{u} = {em.operand(V)} + 1j * {em.operand(_pick(em, (S, V)))}")
    if em.draw(st.booleans()):
        em.line(f"{v} = np.exp(1j * {em.operand(V)}) * {_const(em)}")
    else:
        em.line(f"{v} = {base(em, V)}")
    src, b = real_of(em, f"np.vdot({u}, {v})", 30.0, offset_ok=False)
    return finish(em, src, S, b)


def snip_cplx_recurrence(em) -> tuple:
    sh = _shape(em)
    z, w, c, i = em.fresh("zr"), em.fresh("wr"), em.fresh("cr"), em.fresh("i")
    k = em.draw(st.integers(1, 4))
    form = _pick(em, ("polar", "parts"))
    if form == "polar":  # |w| = 0.6
        em.line(f"{w} = 0.6 * np.exp(1j * {em.operand(sh)})")
    else:  # |w| <= 0.5 * sqrt(2)
        em.line(f"{w} = 0.5 * (np.cos({em.operand(sh)}) + 1j * np.sin({em.operand(sh)}))")
    em.line(f"{c} = {base(em, sh)}")  # |c| <= 1.5
    em.line(f"{z} = {_pick(em, ('0j', c, '0.5 + 0j'))}")
    em.line(f"for {i} in range({k}):")
    em.line(f"    {z} = {z} * {w} + {c}")
    src, b = real_of(em, z, 5.2)  # |z| <= 1.5 / (1 - 0.71)
    return finish(em, src, sh, b)


def snip_cplx_polar(em) -> tuple:
    """abs and angle of a value with a positive real part, and the value rebuilt."""
    sh = _shape(em)
    z = em.fresh("zp")
    em.line(f"{z} = 2.0 + {base(em, sh)}")
    r, a = em.fresh("rad"), em.fresh("ang")
    em.line(f"{r} = np.abs({z})")
    em.line(f"{a} = np.angle({z})")
    form = _pick(em, ("rebuild", "combine"))
    if form == "rebuild":
        return finish(em, f"np.real({r} * np.exp(1j * {a}) * np.conj({z})) * 0.1", sh, 1.0)
    return finish(em, f"np.log({r}) + {a} * {_const(em)}", sh, 2.0)


def snip_cplx_fft(em) -> tuple:
    sig = em.fresh("sig")
    form = _pick(em, ("vector", "four", "concat"))
    if form == "vector":
        em.line(f"{sig} = np.tanh({em.operand(V)}) * {_const(em)}")
        n = 3
    elif form == "four":
        em.line(f"{sig} = np.array([{', '.join(elem(em, S) for _ in range(4))}])")
        n = 4
    else:
        em.line(f"{sig} = np.concatenate([np.tanh({em.operand(V)}), "
                f"np.sin({em.operand(V)})])")
        n = 6
    spec = em.fresh("spec")
    kind = _pick(em, ("fft", "rfft", "ifft", "fft_ifft", "rfft_irfft"))
    if kind in ("fft", "rfft", "ifft"):
        em.line(f"{spec} = np.fft.{kind}({sig})")
        loss = _pick(em, ("power", "real", "bin", "offset"))
        if loss == "power":
            return finish(em, f"np.sum(np.abs({spec}) ** 2)", S, 9.0 * n)
        if loss == "real":
            return finish(em, f"np.sum(np.real({spec}) * {_const(em)} - np.imag({spec}))", S,
                          9.0 * n)
        if loss == "bin":
            return finish(em, f"np.real({spec}[1]) * np.imag({spec}[-1])", S, 9.0 * n)
        off = 1.5 * n + 1.0  # every |sig[k]| <= 1.5: the real part stays >= 1
        return finish(em, f"np.sum(np.abs({spec} + {off:.1f}))", S, 3.0 * n * n)
    m = n // 2 + 1 if kind == "rfft_irfft" else n
    fil = em.fresh("filt")
    coefs = ", ".join(_pick(em, ("1.0", "0.5 - 0.25j", "0.25j", "0.8 + 0.1j", "-0.5"))
                      for _ in range(m))
    em.line(f"{fil} = np.array([{coefs}])")
    y = em.fresh("filtered")
    if kind == "rfft_irfft":
        em.line(f"{spec} = np.fft.rfft({sig})")
        em.line(f"{y} = np.fft.irfft({spec} * {fil}, n={n})")
        return finish(em, f"np.sum(np.sin({y}))", S, float(n))
    em.line(f"{spec} = np.fft.fft({sig})")
    em.line(f"{y} = np.fft.ifft({spec} * {fil})")
    return finish(em, _pick(em, (f"np.sum(np.real({y}) ** 2)",
                                 f"np.sum(np.abs({y}) ** 2)",
                                 f"np.sum(np.imag({y}) * {sig})")), S, 9.0 * n)


def snippet(em, name: str) -> tuple:
    """Write snippet `name`; returns (result name, S or V)."""
    if name.startswith("rtlist_"):
        kind = name[len("rtlist_"):]
        if kind == "nested":
            return snip_nested(em)
        if kind == "builtins":
            return snip_builtins(em)
        return snip_list(em, kind)
    return globals()["snip_" + name](em)
