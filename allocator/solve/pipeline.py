"""Both stages of a solve: the student allocation, then the teacher rotation on its plan.

`solve_all(scenario, stage=...)` runs `students` (the student stage alone), `teachers` (the
rotation alone, on today's enrolment from each block's `current_school`) or `all` (students,
then the rotation on the student plan); the default is `all` when the scenario has a
teacher roster. The roster is checked before anything is solved, so bad input stops the
run before any work. Each stage gets the time limit. The result's `status` is the worse of
the stages' statuses; the student stage keeps `objective`, `lower_bound` and `gap`, the
rotation reports its own in `teachers`.
"""

from __future__ import annotations

import time
from typing import Literal

from allocator.layout.operations import roster_scenario
from allocator.model.policy import resolve_policy
from allocator.model.result import Result
from allocator.model.scenario import Finding, Scenario, ScenarioError
from allocator.rules.rotation_objective import UNITS
from allocator.rules.staffing import plan_from_schools, plan_from_today
from allocator.teachers.roster import build_roster, check_roster
from allocator.teachers.section import build_rotation_section
from allocator.teachers.solve import solve_rotation

from .student_stage import Event, Progress, effective_schools, solve_scenario, validate_scenario

Stage = Literal["students", "teachers", "all"]
STATUS_ORDER = ("optimal", "feasible", "unknown", "infeasible", "error")


def default_stage(scenario: Scenario) -> Stage:
    """`all` when the scenario has teachers, else `students`."""
    return "all" if scenario.teachers else "students"


def check_teachers(scenario: Scenario, stage: Stage) -> list[Finding]:
    """Errors that stop a run with the rotation stage, before anything is solved."""
    if not scenario.teachers:
        return [Finding(severity="error", code="no_teachers", field="teachers",
                        message=f"stage '{stage}' rotates teachers but the scenario has no "
                                "teacher roster; add teachers or use --stage students")]
    policy = resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    try:
        placed, findings = roster_scenario(scenario)  # merged schools' teachers moved
    except ScenarioError as exc:
        return exc.findings
    findings += check_roster(placed, policy)
    if stage == "teachers" and not any(b.current_school for b in scenario.blocks):
        findings.append(Finding(
            severity="error", code="no_current_school", field="blocks.current_school",
            message="stage 'teachers' staffs today's enrolment, but no block has a "
                    "current_school; give them or use --stage all"))
    return findings


def validate_all(scenario: Scenario) -> list[Finding]:
    """Every finding a solve of the default stage would stop on or carry."""
    findings = validate_scenario(scenario)
    if scenario.teachers:
        findings += check_teachers(scenario, "all")
    return findings


def worse(a: str, b: str) -> str:
    """The worse of two statuses (optimal < feasible < unknown < infeasible < error)."""
    return max(a, b, key=STATUS_ORDER.index)


def solve_all(scenario: Scenario, *, stage: Stage | None = None, time_limit: float | None = None,
              strict: bool | None = None, progress: Progress | None = None) -> Result:
    """Run the stages asked for; raises ScenarioError for bad input (nothing solved)."""
    stage = stage or default_stage(scenario)
    if stage == "students":
        return solve_scenario(scenario, time_limit=time_limit, strict=strict, progress=progress)
    errors = [f for f in check_teachers(scenario, stage) if f.severity == "error"]
    if errors:
        raise ScenarioError(errors)
    strict = scenario.options.strict if strict is None else strict
    limit = scenario.options.time_limit_s if time_limit is None else time_limit
    say = progress or (lambda e: None)
    policy = resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    schools = effective_schools(scenario)
    placed, placed_warnings = roster_scenario(scenario)  # the roster after the layout
    if stage == "all":
        def students(e: Event) -> None:  # the first stage's end is not the run's
            say(Event("students", e.message, e.objective, e.bound, e.gap)
                if e.stage == "done" else e)

        result = solve_scenario(scenario, time_limit=limit, strict=strict, progress=students)
        if not result.schools:
            return result.model_copy(update={"message": (result.message or "") + " The "
                                     "teacher rotation did not run: no student plan."})
        plan, plan_warnings = plan_from_schools(result.schools, schools), []
    else:
        result = Result(scenario=scenario.name, status="optimal", strict=strict, stages=[])
        plan, plan_warnings = plan_from_today(placed, policy, schools)
    t0 = time.perf_counter()
    say(Event("staffing", f"teacher rotation: {len(placed.teachers)} teachers, "
                          f"{len(schools)} schools ({plan.source.replace('_', ' ')})"))
    roster = build_roster(placed, policy, schools, plan)

    def report(step: str, message: str, obj, bound, gap) -> None:
        scale = 1 if step == "tier 1" else UNITS
        say(Event("rotation", f"{step}: {message}", None if obj is None else obj / scale,
                  None if bound is None else bound / scale, gap))

    outcome = solve_rotation(roster, strict=strict, time_limit=limit,
                             workers=scenario.options.workers, seed=scenario.options.seed,
                             relative_gap=scenario.options.relative_gap, report=report)
    section, violations, totals = build_rotation_section(outcome, strict)
    schools_rows = [s.model_copy(update={"teachers_before": totals[s.id][0],
                                         "teachers_after": totals[s.id][1]})
                    if s.id in totals else s for s in result.schools]
    messages = [m for m in (result.message, section["message"]) if m]
    timings = {**result.timings, "teachers": round(time.perf_counter() - t0, 3)}
    merged = result.model_copy(update=dict(
        status=worse(result.status, outcome.status), message=" ".join(messages) or None,
        teachers=section, violations=result.violations + violations, schools=schools_rows,
        warnings=result.warnings + placed_warnings + plan_warnings + roster.warnings,
        timings=timings,
        stages=[*result.stages, "teachers"]))
    say(Event("done", f"rotation {outcome.status}: {len(section['moves'])} moves",
              section["objective"], section["lower_bound"], section["gap"]))
    return merged
