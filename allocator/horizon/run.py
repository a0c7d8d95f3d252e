"""The horizon solve: the plan's years in order, each a single-year solve through the
pipeline of a scenario whose units are the year's cohorts (see `cohorts`), enrolled cohorts
kept at their school, then the cohorts read back from the result with the year's targets.

A `choose` is decided in its own year (by that year's solve) and kept after it: later years
see the closures it chose. It is judged on that year's pupils only (the honest simple rule;
the years after inherit its decision).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from allocator.model.budget import Progress
from allocator.model.findings import ScenarioError
from allocator.model.horizon import Cohort, HorizonSection
from allocator.model.result import Result
from allocator.model.scenario import Scenario
from allocator.pipeline import solve

from .checks import check_plan, plan_years
from .cohorts import CohortState, cohort_scenario, place_cohorts
from .phasing import YearScenario, build_year, relabel
from .targets import judge_targets
from .timeline import timeline_row


@dataclass
class PlanYear:
    """One solved year: the year's scenario (cohort units) and its result."""

    year: int
    scenario: Scenario
    result: Result
    seconds: float


@dataclass
class Plan:
    """A solved horizon plan: the plan's scenario and every year in order."""

    scenario: Scenario
    years: list[PlanYear] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """The timeline: one row of KPIs per year (`timeline.COLUMNS`)."""
        return [timeline_row(py.year, py.result, py.seconds) for py in self.years]


def horizon_section(sc: Scenario, year: int, years: list[int], cohorts: list[Cohort],
                    result: Result) -> HorizonSection:
    """The `horizon` section of one year's result: cohorts, continuity figures, targets."""
    def pupils(*status: str) -> int:
        return sum(c.pupils for c in cohorts if c.status in status)

    return HorizonSection(
        year=year, first_year=years[0], last_year=years[-1],
        continuity=sc.options.continuity, cohorts_kept=pupils("kept"),
        pupils_new=pupils("new"), pupils_moved=pupils("moved", "reassigned"),
        pupils_reassigned=pupils("reassigned"),
        targets=judge_targets(sc.targets, result, year), cohorts=cohorts)


def solve_year(ys: YearScenario, state: CohortState, years: list[int], plan_sc: Scenario, *,
               time_limit: float | None, progress: Progress | None) -> tuple[Scenario, Result]:
    """Solve one year of the plan (student stage); its result carries the `horizon`
    section and `state` moves on to this year. Raises ScenarioError naming the plan's
    records when the year cannot be solved."""
    scenario, drafts = cohort_scenario(ys.scenario, ys.year, ys.layout, state,
                                       first=ys.year == years[0])
    try:
        result = solve(scenario, stage="students", time_limit=time_limit, progress=progress)
    except ScenarioError as exc:
        raise ScenarioError(relabel(exc.findings, ys.positions, ys.year)) from None
    if not result.assignments:
        return scenario, result
    cohorts = place_cohorts(drafts, result, ys.layout, state)
    section = horizon_section(plan_sc, ys.year, years, cohorts, result)
    return scenario, result.model_copy(update={"horizon": section})


def decided_closures(result: Result, positions: list[int]) -> dict[int, list[str]]:
    """The candidates each `choose` of the year closed, by its position in the plan's
    scenario."""
    if result.layout is None:
        return {}
    return {positions[c.index]: list(c.closed or []) for c in result.layout.choose
            if c.closed is not None}


def plan_horizon(sc: Scenario, *, years: tuple[int, int] | None = None,
                 time_limit: float | None = None, progress: Progress | None = None,
                 announce: Callable[[PlanYear], None] | None = None) -> Plan:
    """Solve the plan's years in order with continuity (see the module docstring). Raises
    ScenarioError for bad input before any year is solved (and for a year that cannot be
    solved, naming it); nothing is written here."""
    span = plan_years(sc, years)
    check_plan(sc, span)
    plan, state, decided = Plan(sc), CohortState(), {}
    for year in span:
        t0 = time.perf_counter()
        ys = build_year(sc, year, span[0], decided)
        scenario, result = solve_year(ys, state, span, sc, time_limit=time_limit,
                                      progress=progress)
        decided.update(decided_closures(result, ys.positions))
        seconds = round(time.perf_counter() - t0, 3)
        plan.years.append(PlanYear(year, scenario, result, seconds))
        if announce is not None:
            announce(plan.years[-1])
    return plan
