"""The rotation objective, defined once (the model and the verifier both call these).

Lexicographic: tier 1 is the weighted teacher shortfall on the elastic rules
(`rotation.penalties`: staffing_ratio, senior_title, rotation_quota,
rotation_backbone_share); tiers 2-3, in integer `UNITS` per km-equivalent, are the balance of
backbone and senior teachers per 100 pupils across schools, then the moves' commuting
distance and involuntary moves (`rotation.weights`). The solver minimises tier 1 first, then
tiers 2-3 with tier 1 held at its best value.

Balance: for each level and indicator (backbone, senior title) and each school with pupils
p of the level holding x such teachers, the school adds p (r - m)^2 with r = 100 x / p its
teachers per 100 pupils and m = 100 X / P the county's (X the level's teachers of the
indicator anywhere, P its pupils; both fixed by a rotation). The sum is the enrolment-
weighted variance of r times P, so minimising it lowers the weighted CV. In integer units,
a school's term is its value at x = 0 plus the rounded increments of each further teacher
(`balance_units`), which keeps it convex in x.
"""

from __future__ import annotations

import numpy as np

from allocator.model.policy import RotationWeights

from .objective import round_km

UNITS = 10  # objective units per km-equivalent (distances count to 100 m)
INDICATORS = ("backbone", "senior")


def move_units(km: np.ndarray, volunteer: np.ndarray, weights: RotationWeights) -> np.ndarray:
    """Integer cost of moves: distance weight x km (rounded to 0.01) plus the involuntary
    weight for each non-volunteer."""
    value = (weights.distance * round_km(km)
             + weights.involuntary * (~np.asarray(volunteer, dtype=bool)))
    return np.rint(UNITS * value).astype(np.int64)


def county_mean(count: int, pupils: int) -> float:
    """Teachers of an indicator per 100 pupils county-wide (0 without pupils)."""
    return 100.0 * count / pupils if pupils > 0 else 0.0


def balance_units(pupils: int, mean: float, weight: float, upto: int) -> np.ndarray:
    """A school's balance term in integer units for x = 0..upto teachers of an indicator
    (see the module docstring); zeros for a school without pupils."""
    upto = max(int(upto), 0)
    if pupils <= 0 or weight <= 0:
        return np.zeros(upto + 1, dtype=np.int64)
    scale = UNITS * weight
    k = np.arange(upto, dtype=float)
    steps = np.rint(scale * (1e4 * (2 * k + 1) - 200.0 * mean * pupils) / pupils)
    first = np.rint(scale * mean * mean * pupils)
    return np.concatenate([[first], first + np.cumsum(steps)]).astype(np.int64)


def balance_value(pupils: int, mean: float, weight: float, x: int) -> int:
    """A school's balance term in integer units at x teachers of an indicator."""
    return int(balance_units(pupils, mean, weight, x)[x])
