"""The schools a block's level could attend after the current edits, and the scenario of a
re-solve that keeps the edits.

`block_options` lists every open school serving a grade of the level, nearest first, with
its distance, its pupils of the level after the edits, its capacity for the level and
whether the move is admissible (`rules.move_rules`). `scenario_with_locks` is the job's
scenario with every edit as a locked assignment (`options.locked`), a lock without a school
keeping the block's level where the edits left it.
"""

from __future__ import annotations

import numpy as np

from allocator.model.findings import Finding, ScenarioError
from allocator.model.scenario import Lock, Scenario
from allocator.rules.objective import round_km
from allocator.students.instance import LEVEL_INDEX

from .base import EditBase
from .models import BlockOptions, Edit, SchoolOption
from .rules import level_capacity, move_rules


def level_loads(base: EditBase, school: np.ndarray, level: str) -> np.ndarray:
    """Pupils of `level` per school index when every unit attends `school`."""
    sel = base.units.level == LEVEL_INDEX[level]
    return np.bincount(school[sel], weights=base.units.total[sel],
                       minlength=base.instance.n_schools).astype(np.int64)


def block_options(base: EditBase, school: np.ndarray, block: str, level: str) -> BlockOptions:
    """The options of `block`'s `level` under the plan `school` (a school index per unit,
    e.g. `apply.edited_schools`); raises ScenarioError naming the block or level when the
    scenario has no such block or it has no pupils of the level."""
    units = base.unit_keys().get((block, level))
    if units is None:
        field = "level" if block in base.instance.block_index() else "block"
        raise ScenarioError([Finding(severity="error", code="edit", record=f"block '{block}'",
                                     field=field, message=f"no {level} pupils of block "
                                     f"'{block}' in the job's plan")])
    inst = base.instance
    grades = base.units.grades[units].any(axis=0)
    cand = np.flatnonzero(inst.serves[:, grades].any(axis=1))
    if base.open_mask is not None:
        cand = cand[base.open_mask[cand]]
    km = inst.distance.pairs(np.full(len(cand), base.units.block[units[0]]), cand)
    loads = level_loads(base, school, level)
    options = []
    for i in np.argsort(km, kind="stable"):
        j = int(cand[i])
        ok, rule = move_rules(base, units, j, float(km[i]))
        cap = level_capacity(base, j, level)
        options.append(SchoolOption(
            school=inst.school_ids[j], name=inst.schools[j].name,
            distance_km=float(round_km(km[i])), load=int(loads[j]), capacity=cap,
            utilisation=round(int(loads[j]) / cap, 4) if cap else 0.0,
            admissible=ok, reason=rule))
    return BlockOptions(block=block, level=level,  # type: ignore[arg-type]
                        current=inst.school_ids[school[units[-1]]], options=options)


def scenario_with_locks(base: EditBase, school: np.ndarray, edits: list[Edit]) -> Scenario:
    """The job's scenario with each edited block's level locked to its school under the plan
    `school` (the edits applied); a later lock of the same block's level replaces an earlier
    one, the scenario's own locks stay."""
    locks = {(lk.block, lk.level): lk for lk in base.scenario.options.locked}
    for edit in edits:
        units = base.unit_keys()[(edit.block, edit.level)]
        locks[(edit.block, edit.level)] = Lock(
            block=edit.block, level=edit.level,
            school=base.instance.school_ids[school[units[-1]]])
    options = base.scenario.options.model_copy(update={"locked": list(locks.values())})
    return base.scenario.model_copy(update={"options": options})
