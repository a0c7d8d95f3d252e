"""Rule `group_intake` in the student stage: the violations of a plan (one per unit whose
school lies outside its block's group); the cost is in the arcs (`arcs.arc_costs`)."""

from __future__ import annotations

import numpy as np

from allocator.model.result import Violation
from allocator.rules.group_intake import RULE, cross_group_units
from allocator.rules.objective import SCALE

from .arc_rules import cross_group_mask
from .arcs import Arcs, Units
from .instance import Instance
from .rows import LEVEL_NAMES


def group_violations(inst: Instance, units: Units, arcs: Arcs,
                     choice: np.ndarray) -> list[Violation]:
    """The block (subject), school, pupils (amount) and penalty of each chosen arc outside
    the block's group; [] without `options.enrol_within_group`."""
    cross = cross_group_mask(inst, units, arcs.unit[choice], arcs.school[choice])
    out = []
    for u in np.flatnonzero(cross):
        a = choice[u]
        pupils = int(units.total[u])
        cost = int(cross_group_units(np.array([pupils]), np.array([True]), inst.policy)[0])
        block = inst.scenario.blocks[units.block[u]]
        sid = inst.school_ids[arcs.school[a]]
        out.append(Violation(
            rule=RULE, subject=block.id, school=sid, amount=pupils, unit="pupils",
            cost=cost / SCALE,
            message=f"block {block.id} (group {block.group}): {pupils} "
                    f"{LEVEL_NAMES[units.level[u]]} pupils attend {sid} (group "
                    f"{inst.schools[arcs.school[a]].group or 'none'})"))
    return out
