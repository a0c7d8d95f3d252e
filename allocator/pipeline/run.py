"""The one way through: a scenario in, a Result out, for every stage.

`solve(scenario, stage=...)` prepares the scenario once (`prepare`: policy, layout, student
problem, roster after the layout; bad input raises ScenarioError before any work), then runs
`students` (the student stage alone), `teachers` (the rotation alone, on today's enrolment
from each block's `current_school`) or `all` (students, then the rotation on their plan; the
default when the scenario has a teacher roster). Each stage gets the time limit. The result's
`status` is the worse of the stages' statuses; the student stage keeps `objective`,
`lower_bound` and `gap`, the rotation reports its own in `teachers`.
"""

from __future__ import annotations

from allocator.model.budget import Budget, Progress
from allocator.model.findings import Finding, ScenarioError
from allocator.model.geometry import AdjacencyCache
from allocator.model.result import Result
from allocator.model.scenario import Scenario
from allocator.rules.staffing import plan_from_schools, plan_from_today
from allocator.teachers.stage import run_rotation

from .assemble import merge_rotation
from .prepare import Stage, prepare
from .student_stage import run_student_stage


def solve(scenario: Scenario, *, stage: Stage | None = None, strict: bool | None = None,
          time_limit: float | None = None, progress: Progress | None = None,
          budget: Budget | None = None, cache: AdjacencyCache | None = None) -> Result:
    """Solve the stages asked for (see the module docstring). `budget` (default: from the
    scenario's options) may be overridden by `time_limit` and `progress`; `strict` None:
    the scenario's option; `cache` shares county geometry between solves (`prepare`).
    Raises ScenarioError for bad input (nothing solved)."""
    budget = budget or Budget.from_options(scenario.options)
    if time_limit is not None:
        budget = budget.with_limit(time_limit)
    if progress is not None:
        budget = budget.with_progress(progress)
    budget = budget.started()
    strict = scenario.options.strict if strict is None else strict
    if strict and scenario.options.invest:
        raise ScenarioError([Finding(
            severity="error", code="invest", record="options", field="invest",
            message="invest prices new classrooms and beds against the elastic penalties: "
                    "solve without strict, or without invest")])
    budget.say("checks", "checking the scenario")
    prepared = prepare(scenario, stage, say=budget.say, cache=cache)
    if prepared.stage == "students":
        result = run_student_stage(prepared, budget, strict)
        budget.say("done", result.status, result.objective, result.lower_bound, result.gap)
        return result
    schools = prepared.layout.schools
    if prepared.stage == "all":
        result = run_student_stage(prepared, budget, strict)
        budget.say("students", result.status, result.objective, result.lower_bound,
                   result.gap)
        if not result.schools:
            return result.model_copy(update={"message": (result.message or "") + " The "
                                     "teacher rotation did not run: no student plan."})
        plan, plan_warnings = plan_from_schools(result.schools, schools), []
    else:
        result = Result(scenario=scenario.name, status="optimal", strict=strict, stages=[])
        plan, plan_warnings = plan_from_today(prepared.placed, prepared.policy, schools)
    run = run_rotation(prepared.placed, prepared.policy, schools, plan, strict=strict,
                       budget=budget)
    merged = merge_rotation(result, run, prepared.placed_warnings + plan_warnings)
    section = run.section
    budget.say("done", f"rotation {section.status}: {len(section.moves)} moves",
               section.objective, section.lower_bound, section.gap)
    return merged
