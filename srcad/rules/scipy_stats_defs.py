"""`scipy.stats` methods that srcad differentiates from plain-NumPy definitions, one
table: the continuous distributions of srcad/runtime/stats_definitions.py (gumbel_r,
gumbel_l, pareto, truncnorm, vonmises, wrapcauchy, gennorm, logistic.isf and chi2's
logcdf, sf, logsf) and the discrete distributions and sample statistics of
srcad/runtime/stats_definitions_discrete.py (bernoulli, betabinom, geom, nbinom,
multinomial, `sem`, `mode`).

Each method is written as its density or distribution function over scipy.special
functions with derivative rules, so srcad differentiates it from source at any order
(except where a gammainc / betainc derivative in a shape parameter is needed: those are
first order). scipy.stats is slow to import: the table is added once the user's code has
imported it (`register_definitions_when_imported`).
"""

from srcad.runtime.definitions import register_definitions_when_imported
from srcad.runtime.lazy_modules import HAVE_SCIPY

if HAVE_SCIPY:
    from srcad.runtime.stats_definitions import continuous_definitions
    from srcad.runtime.stats_definitions_discrete import discrete_definitions


def _stats_definitions() -> dict:
    import scipy.stats as st

    return {**continuous_definitions(st), **discrete_definitions(st)}


if HAVE_SCIPY:
    register_definitions_when_imported("scipy.stats", _stats_definitions)
