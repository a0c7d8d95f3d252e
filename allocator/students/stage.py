"""The student stage's search, after the flow relaxation: a plan and a valid bound.

Plain layouts: a rounded and repaired hint (made to obey contiguity when asked), then CP-SAT
and the regional search (`search.search_plan`). Layouts with `choose` operations go to
`choose.stage`. The bound reported is valid for the unpruned problem: the flow bound, raised
by the county relaxation with whole classes (SCIP, in a thread beside the search:
`bound_race`) and to CP-SAT's bound on the candidate arcs only as far as reduced costs prove
that no excluded arc can appear in a better plan.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass, field

import numpy as np

from allocator.model.budget import Budget
from allocator.rules.objective import SCALE, relative_gap

from .arcs import Arcs, Units, price_units
from .bound_race import BoundRace, racing
from .contiguity import build_rule, repair_plan
from .flow_bound import FlowRelaxation
from .hint import warm_start
from .instance import Instance
from .problem import StudentProblem
from .rows import build_schools
from .search import WHOLE_TIME_UNITS, search_plan

MAX_LANES = 4  # regions solved at once at most (`region_lanes`)
RACE_MARGIN = 0.3  # seconds before the deadline at which SCIP is told to stop
CLASS_BOUND_MAX_UNITS = 3000  # choose's decomposition by school runs up to this
# The county relaxation raced beside the search, measured on generated counties (25 s of
# SCIP, load 4): 3,388 units +2.0 % over the flow bound in 18 s, 4,040 units +1.5 %; 5,039
# units stayed below it even in 55 s (its root LP does not finish), as did M (10,000).
COUNTY_BOUND_MAX_UNITS = 4000
CLASS_BOUND_SKIP_GAP = 0.02  # warm start this close to the flow bound: no whole-class bound
CLASS_BOUND_KEYS = ("class_bound", "bound_method", "class_bound_steps", "class_bound_models",
                    "class_bound_inexact", "class_bound_s", "class_bound_arcs",
                    "class_bound_unfinished")


@dataclass
class StudentOutcome:
    """A finished student search: a candidate arc per unit on `arcs`, a lower bound valid
    for the whole problem (objective units), and what the search did. For `choose`
    layouts also the schools left open, the candidates kept per operation index and their
    fixed cost (objective units)."""

    arcs: Arcs
    choice: np.ndarray
    bound: int
    cp_status: str
    stats: dict = field(default_factory=dict)
    open_mask: np.ndarray | None = None
    kept: dict[int, list[str]] | None = None
    fixed: int = 0
    proven_infeasible: bool = False


def excluded_margin(inst: Instance, units: Units, arcs: Arcs, rel: FlowRelaxation) -> int:
    """Least increase over the flow bound of any plan that uses a non-candidate arc."""
    best_ex, val = price_units(inst, units, rel.school_value, rel.board_value, exclude=arcs)
    has = best_ex >= 0
    if not has.any():
        return np.iinfo(np.int64).max // 4
    return int((units.total[has] * (val[has] - rel.unit_best[has])).min())


def all_arcs_present(inst: Instance, units: Units, arcs: Arcs) -> bool:
    """Whether the candidate arcs are every admissible arc (infeasibility is then proven)."""
    z = np.zeros((inst.n_schools, 2), dtype=np.int64)
    best, _ = price_units(inst, units, z, z, exclude=arcs)
    return bool((best < 0).all())


def region_lanes(workers: int, racing: bool) -> int:
    """Regions solved at once: one per core the bound race leaves free (at least one), at
    most `workers` and `MAX_LANES`.

    Measured on 2 cores, 20 regions of 300 units of M at 1 s each: 8.4 s one after the
    other, 4.6 s in two threads."""
    free = (os.cpu_count() or 1) - (1 if racing else 0)
    return max(1, min(workers, free, MAX_LANES))


def bound_skip_reason(problem: StudentProblem, rel: FlowRelaxation, upper: int,
                      stats: dict) -> tuple[str | None, dict]:
    """Why the whole-class county bound is not raced beside the search (None: it is),
    with the stats to report. Small models (CP-SAT solves them whole with all the time;
    its bound, raised as far as reduced costs allow, is reported) add no stats. When the
    warm start (`upper`) is within `CLASS_BOUND_SKIP_GAP` of the flow bound, the search
    keeps both cores (whole classes could raise the bound by that much at most)."""
    if len(problem.units) <= WHOLE_TIME_UNITS:
        return "small", stats
    if relative_gap(upper, rel.bound) <= CLASS_BOUND_SKIP_GAP:
        return "close", {**stats, "bound_method": "flow (the warm start is within "
                         f"{CLASS_BOUND_SKIP_GAP:.0%} of it: the search gets the time)"}
    if len(problem.units) > COUNTY_BOUND_MAX_UNITS:
        return "large", {**stats, "bound_method": "flow (the whole-class relaxation runs "
                         f"up to {COUNTY_BOUND_MAX_UNITS} units; above, SCIP was measured "
                         "not to finish its root LP within a minute)"}
    return None, stats


def raced_bound(race: BoundRace | None, rel: FlowRelaxation, stats: dict) -> tuple[int, dict]:
    """The flow bound raised by what `race` proved (none: the flow bound), with the stats
    saying which bound is reported (`bound_method`) and, on a fallback, why. Stops the
    race first if it still runs."""
    if race is None:
        return rel.bound, stats
    cb = race.finish()
    stats = {**stats, **cb.stats}
    if cb.bound is None:
        stats["bound_method"] = ("flow (the whole-class relaxation proved no bound within "
                                 "the time limit)")
        return rel.bound, stats
    stats["class_bound"] = cb.bound / SCALE
    if cb.bound <= rel.bound:
        stats["bound_method"] = "flow"
        return rel.bound, stats
    stats["bound_method"] = "county relaxation with whole classes"
    return cb.bound, stats


def search_students(problem: StudentProblem, arcs: Arcs, rel: FlowRelaxation, *, strict: bool,
                    budget: Budget, laps) -> StudentOutcome:
    """Hint, then CP-SAT and regions within `budget` (see the module docstring). `arcs` are
    the candidates after pricing; `laps(name)` records the time of each step."""
    inst, units = problem.instance, problem.units
    budget.say("hint", "rounding and repairing the relaxation", bound=rel.bound / SCALE)
    hint = warm_start(inst, units, arcs, rel, strict, time_limit=0.2 * budget.remaining())
    rule, stats = None, {}
    if inst.scenario.options.contiguity:  # rule contiguity: the hint and every model obey it
        rule = build_rule(inst, units, arcs, problem.edges)
        hint = repair_plan(inst, units, arcs, hint, rule)
        stats.update(rule.stats())
    _, _, hint_pen = build_schools(inst, units, arcs, hint)
    hint_cost = int(arcs.cost[hint].sum()) + hint_pen
    laps("hint")
    skip, stats = bound_skip_reason(problem, rel, hint_cost, stats)
    budget.say("hint", "warm start ready", hint_cost / SCALE, rel.bound / SCALE,
               relative_gap(hint_cost, rel.bound))
    with ExitStack() as stack:
        race = None
        if skip is None:  # SCIP runs beside the search and stops with it
            budget.say("bound", "county relaxation with whole classes (SCIP's cutting "
                       "planes), beside the search")
            race = stack.enter_context(racing(
                inst, units, arcs, rel, strict=strict,
                deadline=budget.deadline - RACE_MARGIN))
        budget.say("search", f"improving, {budget.remaining():.0f} s left")
        found = search_plan(inst, units, arcs, hint, bound=rel.bound, strict=strict,
                            budget=budget, contiguity=rule,
                            lanes=region_lanes(budget.workers, racing=race is not None))
        laps("search")
        bound, stats = raced_bound(race, rel, stats)
        laps("class_bound")
    if found.cp_status == "optimal":  # CP-SAT's proof supersedes the decomposition's figures
        stats = {k: v for k, v in stats.items() if k not in CLASS_BOUND_KEYS}
    out = StudentOutcome(arcs=arcs, choice=found.choice, bound=bound,
                         cp_status=found.cp_status, stats={**stats, "cp_status":
                                                           found.cp_status, **found.stats})
    if strict and found.cp_status == "infeasible" and all_arcs_present(inst, units, arcs):
        out.proven_infeasible = True
    elif found.cp_bound is not None:
        margin = excluded_margin(inst, units, arcs, rel)
        out.bound = max(bound, min(found.cp_bound, rel.bound + margin))
    return out
