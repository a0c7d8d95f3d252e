"""Rule `young_beyond_day_radius`: the day radius as planners apply it.

Pupils below the policy's `min_boarding_grade` never board. A young pupil attends a school
within the day radius of its block when one can take it; otherwise (a closure, a full
school) it may attend any open school serving its grades as a day pupil, and every km beyond
the radius costs `policy.penalties.young_beyond_day_radius` per pupil (pupil-km units). The
older pupils of the same unit beyond the radius board as usual (rule `boarding_beds`).
In strict mode the rule is hard: a plan must keep every young pupil within the radius.

The solver, the result rows and `verify` all call these functions, so the numbers agree.
"""

from __future__ import annotations

import numpy as np

from allocator.model.policy import Policy

from .objective import SCALE, round_km

RULE = "young_beyond_day_radius"


def km_beyond(km: np.ndarray | float, radius: np.ndarray | float) -> np.ndarray:
    """km beyond the day radius, as charged: the reported distance (0.01 km) minus the
    radius, never negative, rounded to 0.01 km."""
    return np.round(np.maximum(0.0, round_km(km) - np.asarray(radius, dtype=float)) * 100.0
                    ) / 100.0


def is_beyond(km: np.ndarray | float, radius: np.ndarray | float) -> np.ndarray:
    """Whether a distance lies beyond the day radius (pupils of the boarding grades board)."""
    return np.asarray(km, dtype=float) > np.asarray(radius, dtype=float) + 1e-9


def young_beyond_units(young: np.ndarray, km: np.ndarray, radius: np.ndarray,
                       policy: Policy) -> np.ndarray:
    """Integer objective units of young pupils attending beyond the radius: penalty x
    young pupils x km beyond (0 within the radius or without young pupils)."""
    beyond = np.where(is_beyond(km, radius), km_beyond(km, radius), 0.0)
    value = policy.penalties.young_beyond_day_radius * np.asarray(young) * beyond
    return np.rint(SCALE * value).astype(np.int64)


def boarders_on_arc(total: np.ndarray, young: np.ndarray, km: np.ndarray,
                    radius: np.ndarray) -> np.ndarray:
    """Boarders of a unit at a school: beyond the radius every pupil of the boarding grades
    boards, young pupils never; within it nobody."""
    return np.where(is_beyond(km, radius), np.asarray(total) - np.asarray(young), 0
                    ).astype(np.int64)
