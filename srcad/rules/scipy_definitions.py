"""SciPy functions srcad differentiates from plain-NumPy definitions
(srcad/runtime/distances.py): `scipy.spatial.distance.cdist`, `pdist` and `squareform`
(metrics 'euclidean' and 'sqeuclidean') and `scipy.optimize.rosen`.

A call of one of them is transformed as a call of its definition, which srcad
differentiates from source at any order (srcad/runtime/definitions.py). SciPy's
submodules are slow to import, so the definitions are added to the table only once the
user's code has imported them (`register_definitions_when_imported`); srcad never
imports them. (The definitions of scipy.signal's `filtfilt` and `hilbert` are
registered in srcad/rules/scipy_signal.py.)
"""

from srcad.runtime import distances
from srcad.runtime.definitions import register_definitions_when_imported


def _distance_definitions() -> dict:
    import scipy.spatial.distance as ssd

    return {ssd.cdist: distances.cdist, ssd.pdist: distances.pdist,
            ssd.squareform: distances.squareform}


def _optimize_definitions() -> dict:
    import scipy.optimize as so

    return {so.rosen: distances.rosen}


register_definitions_when_imported("scipy.spatial.distance", _distance_definitions)
register_definitions_when_imported("scipy.optimize", _optimize_definitions)
