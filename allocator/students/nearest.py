"""就近入学: how many pupils of a plan attend the nearest open school serving their grades.

Every open school counts, candidate arc or not; a unit attends its nearest school when the
distance it travels is within 10 m (the reported rounding) of the nearest one's.
"""

from __future__ import annotations

import numpy as np

from allocator.rules.objective import round_km

from .arcs import Arcs, Units
from .instance import Instance


def nearest_school_km(inst: Instance, units: Units, open_mask: np.ndarray | None) -> np.ndarray:
    """(U,) km from each unit's block to the nearest open school serving all its grades
    (inf when none does)."""
    out = np.full(len(units), np.inf)
    is_open = np.ones(inst.n_schools, dtype=bool) if open_mask is None else open_mask
    masks = units.grades.astype(bool)
    keys, inverse = np.unique(masks, axis=0, return_inverse=True)
    for k, grades in enumerate(keys):
        elig = np.flatnonzero(is_open & inst.serves[:, grades].all(axis=1))
        members = np.flatnonzero(inverse.ravel() == k)
        if len(elig) and len(members):
            _, km = inst.distance.nearest(units.block[members], elig, 1)
            out[members] = km[:, 0]
    return out


def count_nearest_pupils(inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                         open_mask: np.ndarray | None = None,
                         nearest_km: np.ndarray | None = None) -> int:
    """Pupils whose chosen school lies no farther (to 10 m) than the nearest open school
    serving their grades (`nearest_km`: `nearest_school_km` of the same open schools, when
    already known)."""
    if nearest_km is None:
        nearest_km = nearest_school_km(inst, units, open_mask)
    near = round_km(nearest_km)
    at = round_km(arcs.km[choice])
    return int(units.total[at <= near + 1e-9].sum())
