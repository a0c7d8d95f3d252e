"""A scenario prepared once per solve: the policy resolved, the layout applied, the student
problem built and the roster placed after the layout.

`prepare` raises ScenarioError for bad input before anything is solved: the roster first
(for the stages that rotate teachers), then the student problem. `validate` collects the
same findings (and the warnings) without raising.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from allocator.layout import Layout, apply_layout, roster_scenario
from allocator.model.findings import Finding, ScenarioError
from allocator.model.geometry import AdjacencyCache
from allocator.model.policy import Policy, resolve_policy
from allocator.model.scenario import Scenario
from allocator.students.problem import StudentProblem, build_problem, problem_findings
from allocator.teachers.roster import check_roster

Stage = Literal["students", "teachers", "all"]


@dataclass
class PreparedScenario:
    """Everything a solve of `stage` needs, built once. `students` is None for the teacher
    stage alone; `placed` (the roster after the layout) is None for the student stage
    alone."""

    scenario: Scenario
    policy: Policy
    layout: Layout
    stage: Stage
    students: StudentProblem | None = None
    placed: Scenario | None = None
    placed_warnings: list[Finding] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def default_stage(scenario: Scenario) -> Stage:
    """`all` when the scenario has teachers, else `students`."""
    return "all" if scenario.teachers else "students"


def teacher_findings(scenario: Scenario, policy: Policy, layout: Layout,
                     stage: Stage) -> list[Finding]:
    """What stops a run with the rotation stage (and its warnings), before any solve."""
    if not scenario.teachers:
        return [Finding(severity="error", code="no_teachers", field="teachers",
                        message=f"stage '{stage}' rotates teachers but the scenario has no "
                                "teacher roster; add teachers or use --stage students")]
    placed, findings = roster_scenario(scenario, layout)  # merged schools' teachers moved
    findings += check_roster(placed, policy)
    if stage == "teachers" and not any(b.current_school for b in scenario.blocks):
        findings.append(Finding(
            severity="error", code="no_current_school", field="blocks.current_school",
            message="stage 'teachers' staffs today's enrolment, but no block has a "
                    "current_school; give them or use --stage all"))
    return findings


def prepare(scenario: Scenario, stage: Stage | None = None, say=None,
            cache: AdjacencyCache | None = None) -> PreparedScenario:
    """The prepared scenario for `stage` (default: `default_stage`); raises ScenarioError
    naming every record and field at fault. `say(stage, message)` reports progress; `cache`
    (one per county, e.g. a horizon plan) shares what depends on the county's sites alone
    between solves, with the same prepared problem as without it."""
    stage = stage or default_stage(scenario)
    t0 = time.perf_counter()
    policy = resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    layout = apply_layout(scenario, policy)
    prepared = PreparedScenario(scenario, policy, layout, stage)
    if stage != "students":
        errors = [f for f in teacher_findings(scenario, policy, layout, stage)
                  if f.severity == "error"]
        if errors:
            raise ScenarioError(errors)
        prepared.placed, prepared.placed_warnings = roster_scenario(scenario, layout)
    if stage != "teachers":
        prepared.students = build_problem(scenario, policy, layout, say=say,
                                          adjacency=cache)
        prepared.timings.update(prepared.students.timings)
    else:
        prepared.timings["checks"] = round(time.perf_counter() - t0, 3)
    return prepared


def validate(scenario: Scenario) -> list[Finding]:
    """Every finding a solve of the default stage would stop on or carry, without solving."""
    policy = resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    try:
        layout = apply_layout(scenario, policy)
    except ScenarioError as exc:
        return exc.findings
    findings = problem_findings(scenario, policy, layout)
    if scenario.teachers:
        findings += teacher_findings(scenario, policy, layout, "all")
    return findings
