"""The teacher stage of a solve: staff a plan's enrolment and rotate teachers under the
rules, within a budget. Returns the `teachers` section, the rotation violations and the
teachers per school before and after; the caller merges them into the result."""

from __future__ import annotations

from dataclasses import dataclass, field

from allocator.model.budget import Budget
from allocator.model.findings import Finding
from allocator.model.policy import Policy
from allocator.model.result import Violation
from allocator.model.rotation import TeachersSection
from allocator.model.scenario import Scenario, School
from allocator.rules.staffing import Plan

from .roster import build_roster
from .section import build_rotation_section
from .solve import solve_rotation


@dataclass
class RotationRun:
    """A finished teacher stage."""

    section: TeachersSection
    violations: list[Violation]
    totals: dict[str, tuple[int, int]]  # school id -> (teachers before, after)
    warnings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def run_rotation(placed: Scenario, policy: Policy, schools: list[School], plan: Plan, *,
                 strict: bool, budget: Budget) -> RotationRun:
    """Rotate the roster of `placed` (the layout applied, teachers after merges) among the
    open `schools` for the enrolment of `plan`, within `budget` (its clock starts here)."""
    budget = budget.started()
    budget.say("staffing", f"teacher rotation: {len(placed.teachers)} teachers, "
                           f"{len(schools)} schools ({plan.source.replace('_', ' ')})")
    roster = build_roster(placed, policy, schools, plan)
    outcome = solve_rotation(roster, strict=strict, budget=budget)
    section, violations, totals = build_rotation_section(outcome, strict)
    return RotationRun(section, violations, totals, list(roster.warnings),
                       round(budget.elapsed(), 3))
