"""The objective, defined once: what one assignment row and one broken rule cost.

The solver works in integer units (`SCALE` per pupil-km) and the verifier recomputes the
same numbers from a result, so both call these functions. Distances count to 10 m.
"""

from __future__ import annotations

import numpy as np

from allocator.model.policy import Policy
from allocator.model.scenario import Weights

SCALE = 100  # objective units per pupil-km
PENALTY_RULES = ("class_size_cap", "classrooms", "school_size_cap", "boarding_beds")


def round_km(km: np.ndarray | float) -> np.ndarray:
    """Distances as reported and charged: km rounded to 0.01 (10 m)."""
    return np.round(np.asarray(km, dtype=float) * 100.0) / 100.0


def assignment_units(
    pupils: np.ndarray, km: np.ndarray, moved: np.ndarray, weights: Weights
) -> np.ndarray:
    """Integer cost of assignment rows: travel weight x pupil-km + stability x pupils moved."""
    value = weights.travel * np.asarray(pupils) * round_km(km) + weights.stability * np.asarray(
        moved
    )
    return np.rint(SCALE * value).astype(np.int64)


def fixed_cost_units(yuan: float, weight: float) -> int:
    """Integer cost of keeping a `choose` candidate open (rule `choose`): its annual fixed
    cost in yuan x `options.weights.fixed_cost` (pupil-km per yuan)."""
    return int(round(SCALE * weight * yuan))


def penalty_units(policy: Policy) -> dict[str, int]:
    """Integer elastic cost of one unit of each penalised rule."""
    p = policy.penalties
    return {r: int(round(SCALE * getattr(p, r))) for r in PENALTY_RULES}


def to_objective(units: int | float) -> float:
    """Integer units back to pupil-km equivalents."""
    return float(units) / SCALE


def relative_gap(objective: int | float, bound: int | float) -> float:
    """(objective - bound) / |objective|, 0 when the bound reaches the objective."""
    if objective <= bound:
        return 0.0
    return (objective - bound) / max(abs(objective), 1)
