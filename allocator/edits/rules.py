"""Whether a block's level may move to a school, and which rule a move breaks.

The same rules the solver's arcs obey (`students.arc_rules`): the school must be open and
serve every grade of the block's level; a scenario lock keeps a block's level where it is
(rule `locked_assignment`); young pupils beyond the day radius (rule
`young_beyond_day_radius`) and pupils outside their group (rule `group_intake`) are hard in a
strict plan and priced violations in an elastic one.
"""

from __future__ import annotations

import numpy as np

from allocator.rules.day_radius import RULE as DAY_RULE
from allocator.rules.group_intake import RULE as GROUP_RULE
from allocator.students.arc_rules import cross_group_mask, young_beyond_mask
from allocator.students.checks import level_seats
from allocator.students.instance import LEVEL_INDEX

from .base import EditBase


def scenario_lock(base: EditBase, block: str, level: str) -> str | None:
    """The school a scenario lock keeps this block's level at (None when unlocked)."""
    for lock in base.scenario.options.locked:
        if lock.block == block and lock.level == level:
            return lock.school
    return None


def move_rules(base: EditBase, units: np.ndarray, school: int,
               km: float) -> tuple[bool, str | None]:
    """(admissible, rule) of moving the units (one block's level) to open school index
    `school` at `km`: the rule the move breaks, hard (not admissible) or elastic."""
    inst, u = base.instance, base.units
    if base.open_mask is not None and not base.open_mask[school]:
        return False, "choose"
    if not inst.serves[school, u.grades[units].any(axis=0)].all():
        return False, "served_grades"
    block = inst.block_ids[u.block[units[0]]]
    level = ("primary", "junior")[int(u.level[units[0]])]
    locked = scenario_lock(base, block, level)
    if locked is not None and locked != inst.school_ids[school]:
        return False, "locked_assignment"
    if young_beyond_mask(u, units, np.full(len(units), km)).any():
        return u.soft, DAY_RULE
    if cross_group_mask(inst, u, units, np.full(len(units), school)).any():
        return u.soft, GROUP_RULE
    return True, None


def level_capacity(base: EditBase, school: int, level: str) -> int:
    """Pupils of `level` school index `school` can seat (`students.checks.level_seats`)."""
    return int(level_seats(base.instance, LEVEL_INDEX[level])[school])
