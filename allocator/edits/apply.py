"""Hand edits applied to a job's plan, and the plan's figures recomputed without a solve.

`apply_edits` moves each edited block's level to its school (or keeps it, for a lock), then
rebuilds the result rows, school rows, violations, KPIs and balance report of the plan with
`pipeline.assemble.assemble_result`, the very code that assembled the job's own result from
its search: applying no edits reproduces the job's figures exactly, and an edit followed by
its inverse gives them back. The catchment parts are recomputed only when the base has the
block adjacency (`prepare_edits(..., catchments=True)`), else the edited result has none.
The teacher stage is not re-run: its section, its violations
and teachers per school are the job's own. Bad edits raise ScenarioError with one finding
per edit at fault, naming `edits[i].block`, `.level` or `.school`.
"""

from __future__ import annotations

import time

import numpy as np

from allocator.model.findings import Finding, ScenarioError
from allocator.model.result import Result
from allocator.model.scenario import Scenario
from allocator.pipeline.assemble import assemble_result, worse
from allocator.pipeline.prepare import PreparedScenario
from allocator.students.arcs import make_arcs
from allocator.students.problem import StudentProblem
from allocator.students.rows import LEVEL_NAMES
from allocator.students.stage import StudentOutcome

from .base import EditBase, prepare_edits
from .models import Change, Edit, EditedPlan
from .rules import move_rules

STUDENT_RULES = frozenset({"class_size_cap", "classrooms", "school_size_cap", "boarding_beds",
                           "young_beyond_day_radius", "group_intake",
                           "township_boarding_schools"})


def _finding(i: int, field: str, message: str) -> Finding:
    return Finding(severity="error", code="edit", record=f"edits[{i}]", field=field,
                   path=f"edits.{i}.{field}", message=f"edits[{i}].{field}: {message}")


def check_edit(base: EditBase, i: int, edit: Edit, school: np.ndarray) -> Finding | None:
    """The finding of edit i against the plan `school` (a school index per unit) the edits
    before it made, or None when it may be applied."""
    units = base.unit_keys().get((edit.block, edit.level))
    if units is None:
        if edit.block not in base.instance.block_index():
            return _finding(i, "block", f"no block '{edit.block}' in the scenario")
        return _finding(i, "level", f"block '{edit.block}' has no {edit.level} pupils")
    if edit.school is None and not edit.lock:
        return _finding(i, "school", "give the school to move to, or lock: true to keep "
                        "the current one")
    target = edit.school if edit.school is not None else base.instance.school_ids[
        school[units[-1]]]
    j = base.instance.school_index().get(target)
    if j is None:
        return _finding(i, "school", f"no open school '{target}' after the layout")
    km = float(base.instance.distance.pairs(base.units.block[units[:1]], np.array([j]))[0])
    ok, rule = move_rules(base, units, j, km)
    if not ok:
        return _finding(i, "school", f"block '{edit.block}' {edit.level} may not attend "
                        f"'{target}' (rule {rule})")
    return None


def edited_schools(base: EditBase, edits: list[Edit]) -> np.ndarray:
    """The school index of every unit after `edits` in order; raises ScenarioError with a
    finding per edit at fault (nothing applied then)."""
    school = base.school.copy()
    findings = []
    index = base.instance.school_index()
    for i, edit in enumerate(edits):
        finding = check_edit(base, i, edit, school)
        if finding is not None:
            findings.append(finding)
        elif edit.school is not None:
            school[base.unit_keys()[(edit.block, edit.level)]] = index[edit.school]
    if findings:
        raise ScenarioError(findings)
    return school


def assemble_edited(base: EditBase, school: np.ndarray) -> Result:
    """The job's result with every unit at `school` (student figures recomputed by
    `assemble_result`, the teacher stage kept as the job's)."""
    inst, units, job = base.instance, base.units, base.result
    arcs = make_arcs(inst, units, np.arange(len(units)), school)
    edges = base.edges if base.edges is not None else np.zeros((0, 2), dtype=np.int64)
    problem = StudentProblem(inst, units, arcs, edges, base.layout)
    prepared = PreparedScenario(base.scenario, base.policy, base.layout, "students",
                                students=problem)
    outcome = StudentOutcome(arcs=arcs, choice=np.arange(len(units)), bound=base.bound,
                             cp_status="edited", open_mask=base.open_mask, kept=base.kept,
                             fixed=base.fixed)
    res = assemble_result(prepared, outcome, strict=job.strict,
                          solver_info=job.solver.model_dump(), timings=dict(job.timings),
                          warnings=list(job.warnings), catchments=base.edges is not None,
                          nearest_km=base.nearest_km)
    if "teachers" not in job.stages:
        return res
    teachers = {s.id: s for s in job.schools}
    schools = [s.model_copy(update={"teachers_before": teachers[s.id].teachers_before,
                                    "teachers_after": teachers[s.id].teachers_after})
               if s.id in teachers else s for s in res.schools]
    status = worse(res.status, job.teachers.status) if job.teachers else res.status
    return res.model_copy(update=dict(
        status=status, message=job.message if status == job.status else res.message,
        schools=schools, teachers=job.teachers, stages=list(job.stages),
        violations=res.violations + [v for v in job.violations
                                     if v.rule not in STUDENT_RULES]))


def changes(base: EditBase, school: np.ndarray) -> list[Change]:
    """The block levels whose school differs from the job's plan, in unit order."""
    ids, units = base.instance.school_ids, base.units
    out: dict[tuple[str, str], Change] = {}
    for u in np.flatnonzero(school != base.school):
        key = (base.instance.block_ids[units.block[u]], LEVEL_NAMES[units.level[u]])
        if key not in out:
            last = base.unit_keys()[key][-1]
            out[key] = Change(block=key[0], level=key[1], to=ids[school[last]],
                              **{"from": ids[base.school[last]]})
    return list(out.values())


def apply_edits(scenario: Scenario, result: Result, edits: list[Edit],
                base: EditBase | None = None) -> EditedPlan:
    """The job's plan after `edits` (see the module docstring). `base` (from
    `prepare_edits` of the same scenario and result) saves rebuilding the instance;
    raises ScenarioError for a bad edit, an invalid scenario or a result without a plan."""
    t0 = time.perf_counter()
    base = base or prepare_edits(scenario, result)
    school = edited_schools(base, edits)
    edited = assemble_edited(base, school)
    return EditedPlan(edits=list(edits), kpis=edited.kpis, kpis_base=result.kpis,
                      violations=edited.violations, schools=edited.schools,
                      changed=changes(base, school),
                      elapsed_s=round(time.perf_counter() - t0, 3)).with_result(edited)
