"""From a complete warm start to the best plan found: full CP-SAT when small, regions after.

Small models go to CP-SAT whole first (all the time up to `WHOLE_TIME_UNITS` units, 40 % of
it up to `FULL_MODEL_UNITS`: it can prove optimality); the regional search (`regions`) then
improves the plan until the gap to the bound reaches the target or the time is up.
Measured on 2 shared cores, CP-SAT on the whole urban-district model (900 units) found
24,993 in 12 s where the regions reach 24,601 (the best plan known) in the same 12 s; it
stays first because on a quiet machine it proves such models optimal (the golden
urban-district result, one worker). On rural-county (1,473 units, the demo) its 11.7 s of a
30 s solve beside the whole-class bound ended at the warm start (194,904; load 2-4), and
the regions given that time too ended at 189,157 instead of 189,511: above 1,200 units
the regions start at once. In strict mode the heuristics weigh broken rules far above
travel, and a final strict CP-SAT run (up to `STRICT_FINAL_UNITS`) decides the cases that
still break a rule.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from allocator.model.budget import Budget
from allocator.rules.objective import SCALE
from allocator.rules.objective import relative_gap as gap_of

from .arcs import Arcs, Units
from .contiguity import ContiguityRule, whole_clauses
from .cpsat import solve_students
from .instance import Instance
from .regions import improve_by_regions
from .repair import Loads, loads_cost, search_penalties

FULL_MODEL_UNITS = 1200  # up to this, CP-SAT whole first
STRICT_FINAL_UNITS = 2000  # up to this, strict mode ends with CP-SAT on the whole model
WHOLE_TIME_UNITS = 300  # up to this, CP-SAT on the whole model gets all the time


@dataclass
class Outcome:
    choice: np.ndarray
    cp_bound: int | None = None  # CP-SAT bound on the candidate arcs (None if not run)
    cp_status: str = "skipped"
    stats: dict = field(default_factory=dict)


def search_cost(inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                pen: dict[str, int]) -> int:
    """The search objective of plan `choice` (`repair.loads_cost`) with penalties `pen`."""
    return loads_cost(Loads(inst, units, arcs, choice, pen), choice)


def search_plan(
    inst: Instance, units: Units, arcs: Arcs, hint: np.ndarray, *, bound: int, strict: bool,
    budget: Budget, contiguity: ContiguityRule | None = None, lanes: int = 1,
) -> Outcome:
    """Improve `hint` until the budget's deadline or its target gap to `bound`; every
    improvement is reported as a "search" progress event.

    With `contiguity` every model keeps the closer-neighbour rule (`hint` must obey it).
    `lanes` regions are solved at once (`regions.improve_by_regions`).
    """
    clauses = None if contiguity is None else whole_clauses(contiguity)
    pen = search_penalties(inst, strict)
    out = Outcome(choice=hint)
    cost = search_cost(inst, units, arcs, hint, pen)
    target_gap = budget.target_gap
    if gap_of(cost, bound) <= target_gap:
        return out

    def report(message: str, c: int) -> bool:
        """Report an incumbent; True once it is within the target gap."""
        budget.say("search", message, c / SCALE, bound / SCALE, gap_of(c, bound))
        return gap_of(c, bound) <= target_gap

    def on_solution(obj: int, _cp_bound: int) -> bool:
        return report("CP-SAT", obj)

    left = budget.remaining()
    if len(units) <= FULL_MODEL_UNITS and left > 0.05:
        share = left if len(units) <= WHOLE_TIME_UNITS else 0.4 * left
        sol = solve_students(inst, units, arcs, hint, strict=strict, time_limit=share,
                             workers=budget.workers, seed=budget.seed,
                             on_solution=on_solution, clauses=clauses)
        out.cp_status, out.stats = sol.status, dict(sol.stats)
        if sol.status == "infeasible":
            return out
        if sol.choice is not None:  # else (no solution in its time) the regions go on
            out.choice, out.cp_bound = sol.choice, sol.cp_bound
            cost = search_cost(inst, units, arcs, sol.choice, pen)
            if sol.status == "optimal" or gap_of(cost, bound) <= target_gap:
                return out
    if budget.remaining() > 0.1:
        t0 = time.perf_counter()
        out.choice, region_stats = improve_by_regions(
            inst, units, arcs, out.choice, strict=strict, budget=budget,
            on_improve=lambda c: report("regions", c), contiguity=contiguity, lanes=lanes)
        out.stats.update(region_stats, regions_s=round(time.perf_counter() - t0, 3))
    if strict and len(units) <= STRICT_FINAL_UNITS:
        left = budget.remaining()
        if search_cost(inst, units, arcs, out.choice, pen) > int(
                arcs.cost[out.choice].sum()) and left > 0.05:
            sol = solve_students(inst, units, arcs, out.choice, strict=True, time_limit=left,
                                 workers=budget.workers, seed=budget.seed,
                                 on_solution=on_solution, clauses=clauses)
            out.cp_status = sol.status
            if sol.choice is not None:
                out.choice, out.cp_bound = sol.choice, sol.cp_bound
    return out
