"""What every edit of one job needs, built once: the scenario's student instance and units,
and the job's own plan as a school per unit.

`prepare_edits` builds the instance and the assignment units exactly as the solve did
(`students.problem.build_instance_checked`, `students.arcs.build_units` with the scenario's
locks), reads the job's plan from its assignment rows, the schools a `choose` kept open and
their fixed cost, and never builds candidate arcs or solves anything. The block adjacency
(catchment parts only) is built on request.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from allocator.layout import Layout, apply_layout
from allocator.model.findings import Finding, ScenarioError
from allocator.model.geometry import block_adjacency
from allocator.model.policy import Policy, resolve_policy
from allocator.model.result import Result
from allocator.model.scenario import Scenario
from allocator.rules.objective import SCALE, fixed_cost_units
from allocator.students.arcs import Units, build_units
from allocator.students.instance import Instance
from allocator.students.nearest import nearest_school_km
from allocator.students.problem import build_instance_checked, lock_map
from allocator.students.rows import LEVEL_NAMES, grade_texts


@dataclass
class EditBase:
    """A job's scenario and plan ready for edits: the instance, the units, the block
    adjacency, each unit's school index in the job's own plan (`school`), the open schools
    (`open_mask`, all but those a `choose` closed), the kept candidates and their fixed cost
    (objective units), the job's lower bound (objective units), each unit's km to its
    nearest open school serving its grades (`nearest_km`) and, when asked for, the block
    adjacency (`edges`, for the catchment parts)."""

    scenario: Scenario
    result: Result
    policy: Policy
    layout: Layout
    instance: Instance
    units: Units
    edges: np.ndarray | None
    school: np.ndarray
    open_mask: np.ndarray | None
    kept: dict[int, list[str]] | None
    fixed: int
    bound: int
    nearest_km: np.ndarray
    seconds: float

    def unit_keys(self) -> dict[tuple[str, str], np.ndarray]:
        """(block id, level) -> its unit indices."""
        if not hasattr(self, "_keys"):
            keys: dict[tuple[str, str], list[int]] = {}
            for u, (b, lv) in enumerate(zip(self.units.block, self.units.level, strict=True)):
                keys.setdefault((self.instance.block_ids[b], LEVEL_NAMES[lv]), []).append(u)
            self._keys = {k: np.array(v, dtype=np.int64) for k, v in keys.items()}
        return self._keys


def plan_schools(inst: Instance, units: Units, result: Result) -> np.ndarray:
    """The school index of every unit in `result`'s assignment rows; raises ScenarioError
    naming the first unit the rows do not place at an open school (a result of another
    scenario)."""
    index = inst.school_index()
    rows = {(r.block, r.level, r.grades): r.school for r in result.assignments}
    out = np.full(len(units), -1, dtype=np.int64)
    for u, (b, lv, grades) in enumerate(zip(units.block.tolist(), units.level.tolist(),
                                            grade_texts(units), strict=True)):
        key = (inst.block_ids[b], LEVEL_NAMES[lv], grades)
        j = index.get(rows.get(key, ""), -1)
        if j < 0:
            raise ScenarioError([Finding(
                severity="error", code="edits_plan", record=f"block '{key[0]}'",
                field=f"{key[1]} grades {key[2]}",
                message=f"the job's result does not place {key[1]} grades {key[2]} of block "
                        f"'{key[0]}' at an open school; it is not a result of this scenario")])
        out[u] = j
    return out


def choose_state(inst: Instance, layout: Layout, result: Result,
                 weights_fixed: float) -> tuple[np.ndarray | None, dict[int, list[str]] | None,
                                                int]:
    """The open schools, kept candidates and their fixed cost (objective units) of the
    `choose` operations as the result reports them; (None, None, 0) without any."""
    if not layout.choose:
        return None, None, 0
    reported = {c.index: c for c in (result.layout.choose if result.layout else [])}
    kept: dict[int, list[str]] = {}
    closed: set[str] = set()
    fixed = 0
    for spec in layout.choose:
        row = reported.get(spec.index)
        kept[spec.index] = list(row.kept or []) if row else []
        closed |= set(row.closed or []) if row else set()
        fixed += sum(fixed_cost_units(spec.fixed_cost[c], weights_fixed)
                     for c in kept[spec.index])
    mask = np.array([s not in closed for s in inst.school_ids], dtype=bool)
    return mask, kept, fixed


def prepare_edits(scenario: Scenario, result: Result, catchments: bool = False) -> EditBase:
    """The edit base of a job (see the module docstring); raises ScenarioError when the
    scenario is invalid or the result has no student plan of it. With `catchments` the
    block adjacency is built too (seconds on large counties), so that edited results
    carry their catchment parts; without it their `catchments` are empty."""
    t0 = time.perf_counter()
    if "students" not in result.stages or not result.assignments:
        raise ScenarioError([Finding(severity="error", code="edits_plan", record="result",
                                     field="students.assignments",
                                     message="the job's result has no student plan to edit")])
    policy = resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    layout = apply_layout(scenario, policy)
    inst, _ = build_instance_checked(scenario, policy, layout)
    units = dataclasses.replace(build_units(inst, lock_map(inst)), soft=not result.strict)
    school = plan_schools(inst, units, result)
    open_mask, kept, fixed = choose_state(inst, layout, result,
                                          scenario.options.weights.fixed_cost)
    bound = round((result.lower_bound or 0.0) * SCALE)
    edges = block_adjacency(scenario) if catchments else None
    return EditBase(scenario, result, policy, layout, inst, units, edges, school, open_mask,
                    kept, fixed, bound, nearest_school_km(inst, units, open_mask),
                    time.perf_counter() - t0)
