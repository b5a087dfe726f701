"""How the coverage probe calls each name of the surface (srcad/surface/names.py).

Each entry is the text of one call (or a few statements ending in ``out = ...``) over the
probe's inputs, or, for a name with no array output at all, `Utility` with what it is. The
probe's inputs (srcad/surface/probe.py) are float arrays named by their domain:

    u, v   (5,) in (0.1, 0.9)        w      (5,) in (-2, 2)       g   (5,) in (1.2, 3)
    r      (4,) in (-1, 1)           q      a float in (0.2, 0.8)
    U      (3, 5) in (0.1, 0.9)      W      (3, 5) in (-2, 2)
    A      (4, 4), well conditioned  B      (4, 4)                S   (4, 4), positive definite
    z      (5,) complex              Z      (4, 4) complex        sig (32,) a signal

Integer, boolean and index arguments are written as constants. Where a function has both
float and integer outputs, the probe differentiates through its float ones.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Utility:
    """A name whose result is not an array of numbers (I/O, printing, dtypes, shapes)."""

    what: str


IO = Utility("reads or writes files or buffers")
PRINTING = Utility("printing options")
DTYPES = Utility("dtype query")
K5 = "np.array([0, 1, 1, 3, 2])"
# An eigenvector's sign is arbitrary, and SciPy's default driver ('evr') flips it between
# nearby points: the probe weighs the eigenvectors' squares, which do not depend on it.
_SIGN_FREE_EIGH = "w, V = {module}.eigh(S)\nout = (w, V * V)"

NUMPY: dict[str, str | Utility] = {
    "abs": "np.abs(w)", "absolute": "np.absolute(w)", "acos": "np.acos(u)",
    "acosh": "np.acosh(g)", "add": "np.add(u, v)", "all": "np.all(u > 0.5)",
    "allclose": "np.allclose(u, v)", "amax": "np.amax(W, axis=0)",
    "amin": "np.amin(W, axis=1)", "angle": "np.angle(z)", "any": "np.any(u > 0.5)",
    "append": "np.append(u, v)", "apply_along_axis": "np.apply_along_axis(np.cumsum, 1, W)",
    "apply_over_axes": "np.apply_over_axes(np.sum, W, [0])", "arange": "np.arange(5)",
    "arccos": "np.arccos(u)", "arccosh": "np.arccosh(g)", "arcsin": "np.arcsin(u)",
    "arcsinh": "np.arcsinh(w)", "arctan": "np.arctan(w)", "arctan2": "np.arctan2(w, g)",
    "arctanh": "np.arctanh(u)", "argmax": "np.argmax(w)", "argmin": "np.argmin(w)",
    "argpartition": "np.argpartition(w, 2)", "argsort": "np.argsort(w)",
    "argwhere": "np.argwhere(w > 0.0)", "around": "np.around(w, 1)",
    "array": "np.array([u[0], v[1], q])", "array_equal": "np.array_equal(u, v)",
    "array_equiv": "np.array_equiv(u, v)", "array_repr": "np.array_repr(u)",
    "array_split": "np.array_split(u, 2)", "array_str": "np.array_str(u)",
    "asarray": "np.asarray(u)", "asin": "np.asin(u)", "asinh": "np.asinh(w)",
    "astype": "np.astype(U, np.complex128)", "atan": "np.atan(w)", "atan2": "np.atan2(w, g)",
    "atanh": "np.atanh(u)", "atleast_1d": "np.atleast_1d(q)", "atleast_2d": "np.atleast_2d(u)",
    "atleast_3d": "np.atleast_3d(u)", "average": "np.average(u, weights=v)",
    "bartlett": "np.bartlett(5)", "bincount": f"np.bincount({K5}, weights=u)",
    "bitwise_and": f"np.bitwise_and({K5}, 3)", "bitwise_count": f"np.bitwise_count({K5})",
    "bitwise_invert": f"np.bitwise_invert({K5})", "bitwise_left_shift":
    f"np.bitwise_left_shift({K5}, 1)", "bitwise_not": f"np.bitwise_not({K5})",
    "bitwise_or": f"np.bitwise_or({K5}, 3)", "bitwise_right_shift":
    f"np.bitwise_right_shift({K5}, 1)", "bitwise_xor": f"np.bitwise_xor({K5}, 3)",
    "blackman": "np.blackman(5)", "block": "np.block([[A, B], [B, A]])",
    "broadcast_arrays": "np.broadcast_arrays(u, W)",
    "broadcast_shapes": Utility("shape arithmetic"), "broadcast_to": "np.broadcast_to(u, (3, 5))",
    "can_cast": DTYPES, "cbrt": "np.cbrt(w)", "ceil": "np.ceil(w)",
    "choose": "np.choose(np.array([0, 1, 0, 1, 0]), [u, v])", "clip": "np.clip(w, -1.0, 1.0)",
    "column_stack": "np.column_stack([u, v])",
    "compress": "np.compress([True, False, True, True, False], u)",
    "concat": "np.concat([u, v])", "concatenate": "np.concatenate([U, W], axis=1)",
    "conj": "np.conj(z)", "conjugate": "np.conjugate(z)", "convolve": "np.convolve(u, v[:3])",
    "copy": "np.copy(u)", "copysign": "np.copysign(u, w)", "corrcoef": "np.corrcoef(W)",
    "correlate": "np.correlate(u, v[:3], 'full')", "cos": "np.cos(w)", "cosh": "np.cosh(w)",
    "count_nonzero": "np.count_nonzero(w > 0.0)", "cov": "np.cov(W)",
    "cross": "np.cross(u[:3], v[:3])", "cumprod": "np.cumprod(W, axis=1)",
    "cumsum": "np.cumsum(W, axis=0)", "cumulative_prod": "np.cumulative_prod(u)",
    "cumulative_sum": "np.cumulative_sum(W, axis=1)", "deg2rad": "np.deg2rad(w)",
    "degrees": "np.degrees(w)", "delete": "np.delete(u, 1)", "diag": "np.diag(A)",
    "diag_indices": "np.diag_indices(4)", "diag_indices_from": "np.diag_indices_from(A)",
    "diagflat": "np.diagflat(u)", "diagonal": "np.diagonal(A)", "diff": "np.diff(W, axis=1)",
    "digitize": "np.digitize(u, np.array([0.25, 0.5, 0.75]))", "divide": "np.divide(u, v)",
    "divmod": "np.divmod(w, v)", "dot": "np.dot(A, B)",
    "dsplit": "np.dsplit(W.reshape((1, 3, 5)), 5)", "dstack": "np.dstack([u, v])",
    "ediff1d": "np.ediff1d(u)", "einsum": "np.einsum('ij,jk->ik', A, B)",
    "einsum_path": Utility("contraction order planner"), "empty": Utility("uninitialized array"),
    "empty_like": Utility("uninitialized array"), "equal": "np.equal(u, v)",
    "exp": "np.exp(w)", "exp2": "np.exp2(w)", "expand_dims": "np.expand_dims(u, 0)",
    "expm1": "np.expm1(w)", "extract": "np.extract(w > 0.0, u)", "eye": "np.eye(3)",
    "fabs": "np.fabs(w)",
    "fill_diagonal": "out = A.copy()\nnp.fill_diagonal(out, r)",
    "flatnonzero": "np.flatnonzero(w > 0.0)", "flip": "np.flip(W, axis=1)",
    "fliplr": "np.fliplr(W)", "flipud": "np.flipud(W)", "float_power": "np.float_power(u, v)",
    "floor": "np.floor(w)", "floor_divide": "np.floor_divide(w, v)",
    "fmax": "np.fmax(u, v)", "fmin": "np.fmin(u, v)", "fmod": "np.fmod(w, 0.7)",
    "frexp": "np.frexp(g)", "from_dlpack": "np.from_dlpack(u)", "frombuffer": IO,
    "fromfile": IO, "fromfunction": "np.fromfunction(lambda i, j: i + j, (3, 3))",
    "fromiter": "np.fromiter(u, float)", "frompyfunc": Utility("makes a ufunc object"),
    "fromstring": IO, "full": "np.full(3, q)", "full_like": "np.full_like(u, q)",
    "gcd": f"np.gcd({K5}, 2)", "geomspace": "np.geomspace(q, g[0], 5)",
    "get_printoptions": PRINTING, "gradient": "np.gradient(u)", "greater": "np.greater(u, v)",
    "greater_equal": "np.greater_equal(u, v)", "hamming": "np.hamming(5)",
    "hanning": "np.hanning(5)", "heaviside": "np.heaviside(w, 0.5)",
    "histogram": "np.histogram(u, bins=3, weights=v)",
    "histogram2d": "np.histogram2d(u, v, bins=2, weights=g)",
    "histogram_bin_edges": "np.histogram_bin_edges(u, bins=3)",
    "histogramdd": "np.histogramdd(np.stack([u, v], axis=1), bins=2, weights=g)",
    "hsplit": "np.hsplit(W, 5)", "hstack": "np.hstack([u, v])", "hypot": "np.hypot(w, g)",
    "i0": "np.i0(w)", "identity": "np.identity(3)", "imag": "np.imag(z)",
    "indices": "np.indices((2, 3))", "inner": "np.inner(u, v)", "insert": "np.insert(u, 1, q)",
    "interp": "np.interp(u, np.linspace(0.0, 1.0, 5), v)",
    "intersect1d": "np.intersect1d(u, np.concatenate([u[:2], v]))",
    "invert": f"np.invert({K5})", "isclose": "np.isclose(u, v)",
    "iscomplex": "np.iscomplex(z)", "iscomplexobj": "np.iscomplexobj(z)", "isdtype": DTYPES,
    "isfinite": "np.isfinite(w)", "isin": "np.isin(u, v)", "isinf": "np.isinf(w)",
    "isnan": "np.isnan(w)", "isneginf": "np.isneginf(w)", "isposinf": "np.isposinf(w)",
    "isreal": "np.isreal(z)", "isrealobj": "np.isrealobj(z)", "isscalar": "np.isscalar(q)",
    "issubdtype": DTYPES, "iterable": "np.iterable(u)", "ix_": "np.ix_([0, 1], [2, 3])",
    "kaiser": "np.kaiser(6, g[0])", "kron": "np.kron(A[:2, :2], B)",
    "lcm": f"np.lcm({K5}, 2)", "ldexp": "np.ldexp(w, 2)", "left_shift": f"np.left_shift({K5}, 1)",
    "less": "np.less(u, v)", "less_equal": "np.less_equal(u, v)",
    "lexsort": "np.lexsort((u, v))", "linspace": "np.linspace(q, g[0], 5)", "load": IO,
    "log": "np.log(g)", "log10": "np.log10(g)", "log1p": "np.log1p(w * 0.4)",
    "log2": "np.log2(g)", "logaddexp": "np.logaddexp(w, v)", "logaddexp2": "np.logaddexp2(w, v)",
    "logical_and": "np.logical_and(u > 0.5, v > 0.5)", "logical_not": "np.logical_not(u > 0.5)",
    "logical_or": "np.logical_or(u > 0.5, v > 0.5)",
    "logical_xor": "np.logical_xor(u > 0.5, v > 0.5)", "logspace": "np.logspace(q, 1.0, 4)",
    "mask_indices": "np.mask_indices(3, np.triu)", "matmul": "np.matmul(A, B)",
    "matrix_transpose": "np.matrix_transpose(W)", "matvec": "np.matvec(A, r)",
    "max": "np.max(W, axis=1)", "maximum": "np.maximum(u, v)", "mean": "np.mean(W, axis=0)",
    "median": "np.median(W, axis=1)", "meshgrid": "np.meshgrid(u, r)", "min": "np.min(W)",
    "minimum": "np.minimum(u, v)", "mod": "np.mod(w, 0.7)", "modf": "np.modf(w)",
    "moveaxis": "np.moveaxis(W, 0, 1)", "multiply": "np.multiply(u, v)",
    "nan_to_num": "np.nan_to_num(w)", "nanargmax": "np.nanargmax(w)",
    "nanargmin": "np.nanargmin(w)", "nancumprod": "np.nancumprod(w)",
    "nancumsum": "np.nancumsum(W, axis=1)", "nanmax": "np.nanmax(W, axis=0)",
    "nanmean": "np.nanmean(W, axis=1)", "nanmedian": "np.nanmedian(u)",
    "nanmin": "np.nanmin(w)", "nanpercentile": "np.nanpercentile(u, 30)",
    "nanprod": "np.nanprod(W, axis=0)", "nanquantile": "np.nanquantile(u, 0.3)",
    "nanstd": "np.nanstd(W, axis=1)", "nansum": "np.nansum(W)", "nanvar": "np.nanvar(u)",
    "ndim": "np.ndim(W)", "negative": "np.negative(w)", "nextafter": "np.nextafter(w, 10.0)",
    "nonzero": "np.nonzero(w > 0.0)", "not_equal": "np.not_equal(u, v)", "ones": "np.ones(3)",
    "ones_like": "np.ones_like(u)", "outer": "np.outer(u, r)", "packbits": f"np.packbits({K5})",
    "pad": "np.pad(u, 2)", "partition": "np.partition(w, 2)",
    "percentile": "np.percentile(W, 30, axis=1)", "permute_dims": "np.permute_dims(W, (1, 0))",
    "piecewise": "np.piecewise(w, [w < 0.0, w >= 0.0], [lambda t: -t, lambda t: t * t])",
    "place": "out = w.copy()\nnp.place(out, np.array([True, False, True, False, False]), v[:2])",
    "poly": "np.poly(u)", "polyadd": "np.polyadd(u, v[:3])", "polyder": "np.polyder(u)",
    "polydiv": "np.polydiv(u, g[:3])", "polyfit": "np.polyfit(u, v, 2)",
    "polyint": "np.polyint(u)", "polymul": "np.polymul(u, v[:3])",
    "polysub": "np.polysub(u, v[:3])", "polyval": "np.polyval(u, q)", "positive":
    "np.positive(w)", "pow": "np.pow(u, v)", "power": "np.power(u, v)", "printoptions": PRINTING,
    "prod": "np.prod(W, axis=1)", "promote_types": DTYPES, "ptp": "np.ptp(W, axis=1)",
    "put": "out = u.copy()\nnp.put(out, [0, 2], v[:2])",
    "put_along_axis": "out = W.copy()\nnp.put_along_axis(out, np.array([[0], [2], [1]]), "
                      "u[:3].reshape((3, 1)), axis=1)",
    "quantile": "np.quantile(u, 0.3)", "rad2deg": "np.rad2deg(w)", "radians": "np.radians(w)",
    "ravel": "np.ravel(W)", "ravel_multi_index": "np.ravel_multi_index(([0, 1], [2, 3]), (3, 5))",
    "real": "np.real(z)", "reciprocal": "np.reciprocal(g)", "remainder": "np.remainder(w, 0.7)",
    "repeat": "np.repeat(u, 2)", "reshape": "np.reshape(W, (5, 3))", "resize": "np.resize(u, 7)",
    "result_type": DTYPES, "right_shift": f"np.right_shift({K5}, 1)", "rint": "np.rint(w)",
    "roll": "np.roll(u, 2)", "rollaxis": "np.rollaxis(W, 1)", "roots": "np.roots(g[:3])",
    "rot90": "np.rot90(W)", "round": "np.round(w, 1)", "save": IO, "savez": IO,
    "searchsorted": "np.searchsorted(np.array([0.25, 0.5, 0.75]), u)",
    "select": "np.select([w < 0.0, w >= 0.0], [w * 2.0, w * w])", "set_printoptions": PRINTING,
    "setdiff1d": "np.setdiff1d(u, np.concatenate([u[:2], v]))",
    "setxor1d": "np.setxor1d(u, v)", "shape": "np.shape(W)", "sign": "np.sign(w)",
    "signbit": "np.signbit(w)", "sin": "np.sin(w)", "sinc": "np.sinc(w)", "sinh": "np.sinh(w)",
    "size": "np.size(W)", "sort": "np.sort(W, axis=1)", "sort_complex": "np.sort_complex(z)",
    "spacing": "np.spacing(w)", "split": "np.split(W, 3)", "sqrt": "np.sqrt(g)",
    "square": "np.square(w)", "squeeze": "np.squeeze(W.reshape((3, 1, 5)))",
    "stack": "np.stack([u, v], axis=1)", "std": "np.std(W, axis=0)",
    "subtract": "np.subtract(u, v)", "sum": "np.sum(W, axis=1)", "swapaxes": "np.swapaxes(W, 0, 1)",
    "take": "np.take(u, [0, 2, 2])",
    "take_along_axis": "np.take_along_axis(W, np.array([[0], [2], [4]]), axis=1)",
    "tan": "np.tan(u)", "tanh": "np.tanh(w)", "tensordot": "np.tensordot(A, B, axes=1)",
    "tile": "np.tile(u, 2)", "trace": "np.trace(A)", "transpose": "np.transpose(W)",
    "trapezoid": "np.trapezoid(u, np.cumsum(g))", "tri": "np.tri(3)", "tril": "np.tril(A)",
    "tril_indices": "np.tril_indices(4)", "tril_indices_from": "np.tril_indices_from(A)",
    "trim_zeros": "np.trim_zeros(np.concatenate([np.zeros(2), u, np.zeros(1)]))",
    "triu": "np.triu(A)", "triu_indices": "np.triu_indices(4)",
    "triu_indices_from": "np.triu_indices_from(A)", "true_divide": "np.true_divide(u, v)",
    "trunc": "np.trunc(w)", "union1d": "np.union1d(u, v)", "unique": "np.unique(u)",
    "unique_all": "np.unique_all(u)", "unique_counts": "np.unique_counts(u)",
    "unique_inverse": "np.unique_inverse(u)", "unique_values": "np.unique_values(u)",
    "unpackbits": "np.unpackbits(np.array([3, 5], dtype=np.uint8))",
    "unravel_index": "np.unravel_index([3, 7], (3, 5))", "unstack": "np.unstack(W)",
    "unwrap": "np.unwrap(w * 3.0)", "vander": "np.vander(u, 3)", "var": "np.var(W, axis=1)",
    "vdot": "np.vdot(u, v)", "vecdot": "np.vecdot(W, u)", "vecmat": "np.vecmat(u[:3], W)",
    "vsplit": "np.vsplit(W, 3)", "vstack": "np.vstack([u, v])",
    "where": "np.where(w > 0.0, w, v * 2.0)", "zeros": "np.zeros(3)",
    "zeros_like": "np.zeros_like(u)",
}

NUMPY_FFT: dict[str, str | Utility] = {
    "fft": "np.fft.fft(u)", "fft2": "np.fft.fft2(W)", "fftfreq": "np.fft.fftfreq(5)",
    "fftn": "np.fft.fftn(W)", "fftshift": "np.fft.fftshift(u)", "hfft": "np.fft.hfft(z)",
    "ifft": "np.fft.ifft(z)", "ifft2": "np.fft.ifft2(Z)", "ifftn": "np.fft.ifftn(Z)",
    "ifftshift": "np.fft.ifftshift(u)", "ihfft": "np.fft.ihfft(u)", "irfft": "np.fft.irfft(z)",
    "irfft2": "np.fft.irfft2(Z)", "irfftn": "np.fft.irfftn(Z)", "rfft": "np.fft.rfft(u)",
    "rfft2": "np.fft.rfft2(W)", "rfftfreq": "np.fft.rfftfreq(5)", "rfftn": "np.fft.rfftn(W)",
}

NUMPY_LINALG: dict[str, str | Utility] = {
    "cholesky": "np.linalg.cholesky(S)", "cond": "np.linalg.cond(A)",
    "cross": "np.linalg.cross(u[:3], v[:3])", "det": "np.linalg.det(A)",
    "diagonal": "np.linalg.diagonal(A)", "eig": "np.linalg.eig(S)",
    "eigh": "np.linalg.eigh(S)", "eigvals": "np.linalg.eigvals(A)",
    "eigvalsh": "np.linalg.eigvalsh(S)", "inv": "np.linalg.inv(A)",
    "lstsq": "np.linalg.lstsq(W.T, u)", "matmul": "np.linalg.matmul(A, B)",
    "matrix_norm": "np.linalg.matrix_norm(A)", "matrix_power": "np.linalg.matrix_power(A, 3)",
    "matrix_rank": "np.linalg.matrix_rank(A)", "matrix_transpose":
    "np.linalg.matrix_transpose(W)", "multi_dot": "np.linalg.multi_dot([A, B, A])",
    "norm": "np.linalg.norm(W)", "outer": "np.linalg.outer(u, r)", "pinv": "np.linalg.pinv(W)",
    "qr": "np.linalg.qr(A)", "slogdet": "np.linalg.slogdet(A)", "solve": "np.linalg.solve(A, r)",
    "svd": "np.linalg.svd(W, full_matrices=False)", "svdvals": "np.linalg.svdvals(W)",
    "tensordot": "np.linalg.tensordot(A, B, axes=1)",
    "tensorinv": "np.linalg.tensorinv(A.reshape((2, 2, 4)), ind=2)",
    "tensorsolve": "np.linalg.tensorsolve(A, r)", "trace": "np.linalg.trace(A)",
    "vecdot": "np.linalg.vecdot(W, u)", "vector_norm": "np.linalg.vector_norm(W, axis=1)",
}

SCIPY_SPECIAL: dict[str, str | Utility] = {
    "bernoulli": "special.bernoulli(4)", "beta": "special.beta(g, u + 1.0)",
    "betainc": "special.betainc(g, v + 1.0, u)", "betaln": "special.betaln(g, u + 1.0)",
    "boxcox": "special.boxcox(g, q)", "boxcox1p": "special.boxcox1p(u, q)",
    "comb": "special.comb(g + 3.0, 2.0)", "dawsn": "special.dawsn(w)",
    "digamma": "special.digamma(g)", "entr": "special.entr(u)", "erf": "special.erf(w)",
    "erfc": "special.erfc(w)", "erfcx": "special.erfcx(w)", "erfinv": "special.erfinv(u)",
    "exp1": "special.exp1(g)", "expi": "special.expi(g)", "expit": "special.expit(w)",
    "expn": "special.expn(2, g)", "factorial": "special.factorial(g)",
    "fresnel": "special.fresnel(w)", "gamma": "special.gamma(g)",
    "gammainc": "special.gammainc(g, u)", "gammaincc": "special.gammaincc(g, u)",
    "gammaln": "special.gammaln(g)", "gammasgn": "special.gammasgn(w)",
    # (hyp1f1, hyp2f1 and zeta have no closed-form derivative in their parameters: srcad
    # refuses it, as JAX does, and differentiates them in x, z and q)
    "hyp1f1": "special.hyp1f1(0.5, 1.5, v)", "hyp2f1": "special.hyp2f1(0.5, 0.7, 2.5, w * 0.2)",
    "i0": "special.i0(w)", "i0e": "special.i0e(w)", "i1": "special.i1(w)",
    "i1e": "special.i1e(w)", "kl_div": "special.kl_div(u, v)", "log_ndtr": "special.log_ndtr(w)",
    "log_softmax": "special.log_softmax(W, axis=1)", "loggamma": "special.loggamma(g)",
    "logit": "special.logit(u)", "logsumexp": "special.logsumexp(W, axis=1)",
    "multigammaln": "special.multigammaln(g[0] + 1.0, 2)", "ndtr": "special.ndtr(w)",
    "ndtri": "special.ndtri(u)", "owens_t": "special.owens_t(w, v)",
    "poch": "special.poch(g, u)", "polygamma": "special.polygamma(1, g)",
    "rel_entr": "special.rel_entr(u, v)", "sici": "special.sici(g)",
    "softmax": "special.softmax(W, axis=1)", "spence": "special.spence(g)",
    "sph_harm_y": "special.sph_harm_y(2, 1, u, v)", "wofz": "special.wofz(z)",
    "xlog1py": "special.xlog1py(u, v)", "xlogy": "special.xlogy(u, v)",
    "zeta": "special.zeta(2.5, u + 1.0)",
}

SCIPY_LINALG: dict[str, str | Utility] = {
    "block_diag": "linalg.block_diag(A, W)", "cho_factor": "linalg.cho_factor(S)",
    "cho_solve": "linalg.cho_solve(linalg.cho_factor(S), r)", "cholesky": "linalg.cholesky(S)",
    "circulant": "linalg.circulant(u)", "companion": "linalg.companion(g)",
    "convolution_matrix": "linalg.convolution_matrix(u, 3)", "det": "linalg.det(A)",
    "dft": "linalg.dft(4)", "eigh": _SIGN_FREE_EIGH.format(module="linalg"),
    "eigh_tridiagonal": "linalg.eigh_tridiagonal(g[:4] * 2.0, u[:3])",
    "expm": "linalg.expm(A * 0.3)", "expm_frechet": "linalg.expm_frechet(A * 0.3, B)",
    "fiedler": "linalg.fiedler(u)", "fiedler_companion": "linalg.fiedler_companion(g)",
    "funm": "linalg.funm(S * 0.1, np.sin)", "hadamard": "linalg.hadamard(4)",
    "hankel": "linalg.hankel(u, v)", "helmert": "linalg.helmert(4)",
    "hessenberg": "linalg.hessenberg(A)", "hilbert": "linalg.hilbert(4)",
    "inv": "linalg.inv(A)", "invhilbert": "linalg.invhilbert(4)",
    "invpascal": "linalg.invpascal(4)", "leslie": "linalg.leslie(u, v[:4])", "lu": "linalg.lu(A)",
    "lu_factor": "linalg.lu_factor(A)", "lu_solve": "linalg.lu_solve(linalg.lu_factor(A), r)",
    "pascal": "linalg.pascal(4)", "polar": "linalg.polar(A)", "qr": "linalg.qr(A)",
    "qr_multiply": "linalg.qr_multiply(A, B)", "rsf2csf": "linalg.rsf2csf(*linalg.schur(S))",
    "schur": "linalg.schur(S)", "solve": "linalg.solve(A, r)",
    "solve_sylvester": "linalg.solve_sylvester(A, S, B)",
    "solve_triangular": "linalg.solve_triangular(np.triu(A), r)", "sqrtm": "linalg.sqrtm(S)",
    "svd": "linalg.svd(W, full_matrices=False)", "toeplitz": "linalg.toeplitz(u, v)",
}

SCIPY_SIGNAL: dict[str, str | Utility] = {
    "convolve": "signal.convolve(u, v)", "convolve2d": "signal.convolve2d(W, A[:2, :2])",
    "correlate": "signal.correlate(u, v)", "correlate2d": "signal.correlate2d(W, A[:2, :2])",
    "csd": "signal.csd(sig, sig[::-1] * 0.5, nperseg=8)", "detrend": "signal.detrend(w)",
    "fftconvolve": "signal.fftconvolve(u, v)",
    "istft": "signal.istft(signal.stft(sig, nperseg=8)[2], nperseg=8)",
    "stft": "signal.stft(sig, nperseg=8)", "welch": "signal.welch(sig, nperseg=8)",
}

SCIPY_OTHER: dict[tuple[str, str], str] = {
    ("scipy.integrate", "trapezoid"): "integrate.trapezoid(u, np.cumsum(g))",
    ("scipy.ndimage", "map_coordinates"):
        "ndimage.map_coordinates(W, np.stack([u * 2.0, g]), order=1)",
    ("scipy.fft", "dct"): "sfft.dct(u)", ("scipy.fft", "dctn"): "sfft.dctn(W)",
    ("scipy.fft", "idct"): "sfft.idct(u)", ("scipy.fft", "idctn"): "sfft.idctn(W)",
}

# scipy.stats: each distribution's arguments after the point, and the point per method kind.
_LOC_SCALE = "u, g"
_STATS_ARGS = {
    "bernoulli": ("np.array([0, 1, 0, 1, 1])", "u"),
    "beta": ("u", "g, g * 0.5 + 1.0"),
    "betabinom": ("np.array([0, 1, 3, 5, 2])", "5, g, g + 0.5"),
    "binom": ("np.array([0, 1, 3, 5, 2])", "5, u"),
    "cauchy": ("w", _LOC_SCALE), "chi2": ("g * 2.0", "g"),
    "dirichlet": ("u / np.sum(u)", "g"), "expon": ("g", "0.5, u + 1.0"),
    "gamma": ("g", "v + 1.0, 0.0, u + 0.5"), "gennorm": ("w", "g"),
    "geom": ("np.array([1, 2, 3, 1, 4])", "u"), "gumbel_l": ("w", _LOC_SCALE),
    "gumbel_r": ("w", _LOC_SCALE), "laplace": ("w", _LOC_SCALE), "logistic": ("w", _LOC_SCALE),
    "multinomial": ("np.array([1, 2, 0, 1, 1])", "5, u / np.sum(u)"),
    "multivariate_normal": ("r", "u[:4], S"),
    "nbinom": ("np.array([0, 1, 3, 5, 2])", "g, u"), "norm": ("w", _LOC_SCALE),
    "pareto": ("g + 1.0", "u + 1.0"), "poisson": ("np.array([0, 1, 3, 5, 2])", "g"),
    "t": ("w", "g"), "truncnorm": ("w * 0.4", "-1.0, 1.5, v * 0.1, g"),
    "uniform": ("u", "-v, g"), "vonmises": ("w", "g"), "wrapcauchy": ("g", "v"),
}
_QUANTILE_METHODS = ("ppf", "isf")
STATS_FUNCTIONS = {"mode": "stats.mode(W, axis=1)", "rankdata": "stats.rankdata(w)",
                   "sem": "stats.sem(W, axis=1)"}


def stats_call(name: str) -> str:
    if name in STATS_FUNCTIONS:
        return STATS_FUNCTIONS[name]
    dist, method = name.split(".")
    point, args = _STATS_ARGS[dist]
    if method in _QUANTILE_METHODS:
        point = "u"
    return f"stats.{dist}.{method}({point}, {args})"


def call(module: str, name: str) -> str | Utility:
    """The probe's call of `module.name` (a KeyError for a name without one)."""
    if module == "scipy.stats":
        return stats_call(name)
    table = _TABLES.get(module)
    return table[name] if table is not None else SCIPY_OTHER[(module, name)]


_TABLES: dict[str, dict[str, str | Utility]] = {
    "numpy": NUMPY, "numpy.fft": NUMPY_FFT, "numpy.linalg": NUMPY_LINALG,
    "scipy.special": SCIPY_SPECIAL, "scipy.linalg": SCIPY_LINALG, "scipy.signal": SCIPY_SIGNAL}
