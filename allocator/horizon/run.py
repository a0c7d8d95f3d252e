"""The horizon solve: the plan's years in order, each a single-year solve through the
pipeline of a scenario whose units are the year's cohorts (see `cohorts`), enrolled cohorts
kept at their school, then the cohorts read back from the result with the year's targets.

A `choose` is decided in its own year (by that year's solve) and kept after it: later years
see the closures it chose. It is judged on that year's pupils only (the honest simple rule;
the years after inherit its decision).

Each year costs what a single-year solve costs: what depends on the county alone (the block
adjacency of its sites) is computed once per plan (`YearContext.cache`), and the year's time
limit covers the whole year: the solve gets what is left after building the year's cohort
units, less what assembling the result and reading the cohorts back took the year before
(in the first year, an estimate from the time building the units took: both grow with the
cohorts). When the plan folder is written as the plan runs (`write`, see `folder`), each
year's files are written inside that year, and that time is kept free the same way.

Python's cyclic garbage collector is paused while a plan runs (`collector_paused`): the plan
keeps every year's scenario and result, millions of objects, and each full collection
walked them all again (5.5 s of a 29 s three-year plan of the benchmark county). The plan
makes no reference cycles (a collection after a plan finds none), so memory is freed by
reference counting as before.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from allocator.model.budget import Progress
from allocator.model.findings import ScenarioError
from allocator.model.geometry import AdjacencyCache
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


FIRST_RESERVE = 4.0  # assembly and read-back / building the units (benchmark county: 3-4.5)
FIRST_WRITE = 1.5  # writing the year's files / building the units (benchmark county: ~1-1.5)
MARGIN = 1.2  # on last year's assembly and read-back: the machine may be busier


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off inside the block, as it was after (see the module
    docstring)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class YearContext:
    """What every year of one plan shares: the plan's scenario and years, the per-year time
    limit (seconds), progress, whether each year's files are written as it is solved, the
    county cache and the seconds that assembling the result, reading the cohorts back and
    writing the year's files took last year (kept free at the end of the next year's
    limit, since the search runs up to the solve's limit)."""

    plan_sc: Scenario
    years: list[int]
    time_limit: float
    progress: Progress | None = None
    writes: bool = False
    cache: AdjacencyCache = field(default_factory=AdjacencyCache)
    after_solve: float = 0.0

    def solve_limit(self, started: float) -> float:
        """The solve's share of a year started at `started` (`time.perf_counter()`): the
        limit less the time spent so far and the time reading back needs, at least a fifth
        of the limit."""
        spent = time.perf_counter() - started
        return max(0.2 * self.time_limit, self.time_limit - spent - self.after_solve)


def solve_year(ys: YearScenario, state: CohortState, ctx: YearContext,
               started: float) -> tuple[Scenario, Result]:
    """Solve one year of the plan (student stage) within `ctx.time_limit` from `started`;
    its result carries the `horizon` section and `state` moves on to this year. Raises
    ScenarioError naming the plan's records when the year cannot be solved."""
    t = time.perf_counter()
    scenario, drafts = cohort_scenario(ys.scenario, ys.year, ys.layout, state,
                                       first=ys.year == ctx.years[0])
    if ys.year == ctx.years[0]:
        reserve = FIRST_RESERVE + (FIRST_WRITE if ctx.writes else 0.0)
        ctx.after_solve = reserve * (time.perf_counter() - t)
    try:
        result = solve(scenario, stage="students", time_limit=ctx.solve_limit(started),
                       progress=ctx.progress, cache=ctx.cache)
    except ScenarioError as exc:
        raise ScenarioError(relabel(exc.findings, ys.positions, ys.year)) from None
    if not result.assignments:
        return scenario, result
    t = time.perf_counter()
    cohorts = place_cohorts(drafts, result, ys.layout, state)
    section = horizon_section(ctx.plan_sc, ys.year, ctx.years, cohorts, result)
    ctx.after_solve = MARGIN * (time.perf_counter() - t + result.timings.get("report", 0.0))
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
                 announce: Callable[[PlanYear], None] | None = None,
                 write: Callable[[PlanYear], None] | None = None) -> Plan:
    """Solve the plan's years in order with continuity, each within `time_limit` (default:
    the scenario's `options.time_limit_s`; see the module docstring). `write`, when given,
    files each year as soon as it is solved (e.g. `PlanWriter.add_year`), inside the
    year's time: its seconds count in the year's `seconds` and are kept free in the next
    year's limit. Raises ScenarioError for bad input before any year is solved (and for a
    year that cannot be solved, naming it); nothing is written here but through `write`."""
    span = plan_years(sc, years)
    built = check_plan(sc, span)  # each year as it stands while no `choose` is decided
    plan, state, decided = Plan(sc), CohortState.for_plan(sc, span), {}
    limit = sc.options.time_limit_s if time_limit is None else time_limit
    ctx = YearContext(sc, span, limit, progress, writes=write is not None)
    with collector_paused():
        for year in span:
            t0 = time.perf_counter()
            ys = build_year(sc, year, span[0], decided) if decided else built[year]
            scenario, result = solve_year(ys, state, ctx, t0)
            decided.update(decided_closures(result, ys.positions))
            plan.years.append(PlanYear(year, scenario, result, 0.0))
            if write is not None:
                t = time.perf_counter()
                write(plan.years[-1])
                ctx.after_solve += MARGIN * (time.perf_counter() - t)
            plan.years[-1].seconds = round(time.perf_counter() - t0, 3)
            if announce is not None:
                announce(plan.years[-1])
    return plan
