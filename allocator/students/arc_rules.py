"""What an arc costs and whether it may be taken: travel and stability, young pupils beyond
the day radius (`rules.day_radius`), pupils outside their group (`rules.group_intake`), the
strict-mode admissibility and the value of an arc under the bound's dual prices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from allocator.rules.day_radius import young_beyond_units
from allocator.rules.group_intake import cross_group_units, is_cross_group
from allocator.rules.objective import assignment_units

from .instance import Instance

if TYPE_CHECKING:
    from .arcs import Arcs, Units


def cross_group_mask(inst: Instance, units: Units, unit: np.ndarray,
                     school: np.ndarray) -> np.ndarray:
    """Whether arcs (unit and school arrays, broadcast) leave the block's group (rule
    group_intake; all False without `options.enrol_within_group`)."""
    if inst.block_group is None or inst.school_group is None:
        return np.zeros(np.broadcast(unit, school).shape, dtype=bool)
    return is_cross_group(inst.block_group[units.block[unit]], inst.school_group[school])


def arc_costs(inst: Instance, units: Units, unit: np.ndarray, school: np.ndarray,
              km: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """Integer cost of arcs (`unit`, `school`, `km`, `moved` broadcast alike): travel and
    stability (`objective.assignment_units`), the young pupils beyond the day radius
    (`day_radius.young_beyond_units`) and the pupils outside their group
    (`group_intake.cross_group_units`)."""
    total = units.total[unit]
    cost = assignment_units(np.broadcast_to(total, np.shape(km)), km, moved,
                            inst.scenario.options.weights)
    cost = cost + young_beyond_units(units.young[unit], km, units.radius[unit], inst.policy)
    return cost + cross_group_units(total, cross_group_mask(inst, units, unit, school),
                                    inst.policy)


def admissible_mask(inst: Instance, units: Units, unit: np.ndarray, school: np.ndarray,
                    km: np.ndarray) -> np.ndarray:
    """Whether arcs (unit, school and km arrays) may be taken: always in elastic mode; in
    strict mode within the day radius for units with young pupils and within the block's
    group under group intake."""
    if units.soft:
        return np.ones(len(unit), dtype=bool)
    return ~young_beyond_mask(units, unit, km) & ~cross_group_mask(inst, units, unit, school)


def young_beyond_mask(units: Units, unit: np.ndarray, km: np.ndarray) -> np.ndarray:
    """Whether arcs (unit and km arrays) take young pupils beyond their day radius (rule
    young_beyond_day_radius)."""
    return (units.young[unit] > 0) & (km > units.radius[unit] + 1e-9)


def young_far_mask(units: Units, arcs: Arcs) -> np.ndarray:
    """Arcs that take young pupils beyond the day radius (rule young_beyond_day_radius)."""
    return arcs.board & (units.young[arcs.unit] > 0)


def priced_value(cost: np.ndarray, total: np.ndarray, young: np.ndarray,
                 boarders: np.ndarray, board: np.ndarray, day_price: np.ndarray,
                 bed_price: np.ndarray) -> np.ndarray:
    """Value per pupil of arcs under dual prices (all arguments broadcast alike): cost per
    pupil, plus the day price for day arcs, the bed price for boarding arcs, and for arcs
    taking young pupils beyond the radius the young pupils' day price and the boarders'
    bed price averaged over the unit; rounded down (integers)."""
    t = np.maximum(total, 1)
    far = board & (young > 0)
    mix = (young * day_price + boarders * bed_price) // t
    return cost // t + np.where(far, mix, np.where(board, bed_price, day_price))
