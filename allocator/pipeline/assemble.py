"""One way from a finished search to a Result, for plain layouts and `choose` alike, and the
teacher stage merged into it.

The student part: result rows of the plan (only the schools left open by a `choose`), each
open school's annual fixed cost, the objective (travel, stability, penalties and the kept
candidates' fixed costs), status, KPIs, catchment parts, the `layout` section and the balance
report. The teacher part: the `teachers` section, its violations, teachers per school before
and after, and the worse of the two statuses.
"""

from __future__ import annotations

import numpy as np

from allocator.layout import Layout, describe_layout
from allocator.metrics.balance import build_balance_report, summarize_balance
from allocator.metrics.kpis import compute_kpis
from allocator.metrics.planning import (
    left_behind_kpis,
    township_boarding,
    young_beyond_kpis,
)
from allocator.model.findings import Finding
from allocator.model.result import Result, SchoolResult, StudentsSection
from allocator.model.sections import SolverStats
from allocator.rules.investment import layout_capital_yuan
from allocator.rules.objective import SCALE, relative_gap
from allocator.students.contiguity import catchment_parts
from allocator.students.day_radius import young_beyond_violations
from allocator.students.group_intake import group_violations
from allocator.students.invest import settle_capacity
from allocator.students.nearest import count_nearest_pupils
from allocator.students.rows import build_assignments, build_objective, build_schools
from allocator.students.stage import StudentOutcome
from allocator.teachers.stage import RotationRun

from .prepare import PreparedScenario

STATUS_ORDER = ("optimal", "feasible", "unknown", "infeasible", "error")


def plan_status(strict: bool, broken: bool, objective: int, bound: int) -> tuple[str, str | None]:
    """Status and message of a finished plan: in strict mode a plan that breaks a rule is
    `unknown` (none meeting every rule was found in time); else `optimal` when the objective
    reaches the bound, `feasible` otherwise."""
    if strict and broken:
        return "unknown", ("no plan that meets every rule was found within the time limit; "
                           "the violations show the best plan found")
    return ("optimal" if objective <= bound else "feasible"), None


def worse(a: str, b: str) -> str:
    """The worse of two statuses (optimal < feasible < unknown < infeasible < error)."""
    return max(a, b, key=STATUS_ORDER.index)


def with_fixed_costs(schools: list[SchoolResult], layout: Layout) -> list[SchoolResult]:
    """School rows with `fixed_cost_yuan` set from the layout (0 for unknown ids)."""
    return [s.model_copy(update={"fixed_cost_yuan": layout.fixed_cost.get(s.id, 0.0)})
            for s in schools]


def assemble_result(prepared: PreparedScenario, outcome: StudentOutcome, *, strict: bool,
                    solver_info: dict, timings: dict[str, float], warnings: list[Finding],
                    catchments: bool = True, nearest_km: np.ndarray | None = None) -> Result:
    """The Result of a finished student search (see the module docstring). Without
    `catchments` the catchment parts are left out (empty); `nearest_km` is each unit's km
    to its nearest open school when already known (`students.nearest`)."""
    problem = prepared.students
    assert problem is not None, "the student stage ran"
    inst, units, layout, policy = problem.instance, problem.units, prepared.layout, prepared.policy
    arcs, choice = outcome.arcs, outcome.choice
    rows_all, violations, pen_total = build_schools(inst, units, arcs, choice)
    violations += young_beyond_violations(inst, units, arcs, choice)
    violations += group_violations(inst, units, arcs, choice)
    schools = with_fixed_costs(rows_all if outcome.open_mask is None else [
        s for j, s in enumerate(rows_all) if outcome.open_mask[j]], layout)
    violations, investments, invested = settle_capacity(inst, schools, violations)
    objective = int(arcs.cost[choice].sum()) + pen_total + outcome.fixed
    status, message = plan_status(strict, bool(violations), objective, outcome.bound)
    towns, town_violations = township_boarding(prepared.scenario, schools, policy)
    terms = build_objective(inst, units, arcs, choice, violations, pen_total).model_copy(
        update={"fixed_cost": outcome.fixed / SCALE, "investment": invested.objective,
                "total": objective / SCALE})
    rows = build_assignments(inst, units, arcs, choice)
    roster = layout.teachers if prepared.scenario.teachers else None
    balance = build_balance_report(schools, layout.school_map(), roster, policy)
    capital = layout_capital_yuan(policy, prepared.scenario.layout, {s.id for s in schools})
    nearest = count_nearest_pupils(inst, units, arcs, choice, outcome.open_mask, nearest_km)
    kpis = compute_kpis(rows, schools, policy, capital, invested.annual_cost_yuan,
                        nearest).model_copy(
        update={"balance": summarize_balance(balance),
                "young_beyond_day_radius": young_beyond_kpis(violations),
                "left_behind": left_behind_kpis(prepared.scenario, rows, schools, policy),
                "township_boarding": towns})
    return Result(
        scenario=prepared.scenario.name, status=status, strict=strict,
        invest=prepared.scenario.options.invest, message=message,
        objective=objective / SCALE, lower_bound=outcome.bound / SCALE,
        gap=round(relative_gap(objective, outcome.bound), 6), objective_terms=terms,
        timings=timings, solver=SolverStats(**{**solver_info, **outcome.stats}),
        students=StudentsSection(assignments=rows), schools=schools,
        catchments=(catchment_parts(inst, units, arcs, choice, problem.edges)
                    if catchments else []),
        violations=violations + town_violations, investments=investments,
        investments_total=invested, kpis=kpis, layout=describe_layout(layout, outcome.kept),
        balance=balance, warnings=warnings)


def merge_rotation(result: Result, run: RotationRun, warnings: list[Finding]) -> Result:
    """`result` with the teacher stage of `run`: the `teachers` section, its violations after
    the students', teachers before / after per school, the worse status, both messages,
    `warnings` (placing the roster, staffing the plan) and the rotation's own."""
    totals = run.totals
    schools = [s.model_copy(update={"teachers_before": totals[s.id][0],
                                    "teachers_after": totals[s.id][1]})
               if s.id in totals else s for s in result.schools]
    messages = [m for m in (result.message, run.section.message) if m]
    return result.model_copy(update=dict(
        status=worse(result.status, run.section.status), message=" ".join(messages) or None,
        teachers=run.section, violations=result.violations + run.violations,
        schools=schools, warnings=result.warnings + warnings + run.warnings,
        timings={**result.timings, "teachers": run.seconds},
        stages=[*result.stages, "teachers"]))
