"""Search for `choose` solves: an open set, a plan on it, then CP-SAT and regions that may
open and close candidates.

1. Arcs for every open set the search may visit (`choose.choose_arcs`).
2. A first open set from the all-open flow (the value of keeping each candidate), repaired
   so every block keeps a school within its day radius; its plan comes from the flow on that
   open set, rounded and repaired (`warmstart`).
3. The Lagrangian bound (`choose.bound`, fractional classes), then from its prices the
   decomposition by school with whole classes (`choose.class_terms`) on models too large
   for CP-SAT to solve whole; the school values of the stronger one give a second open set
   and plan; the better plan is the hint.
   Then open/closed swaps ordered by those values, screened by the flow on the changed
   open set and priced by its plan (`swaps`).
4. Small models: CP-SAT on the whole model with open variables, strong links and fixed costs
   (`choose.open_extension`, passed to `students.solve_students`), from a complete hint.
5. Regions: a school and its nearest schools, their pupils freed and their candidates'
   open variables free within each operation's range; a better sub-solution is a better
   plan. Regions grow after a sweep without gain.
Solver objects stay in `students`; this module handles arrays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from allocator.model.budget import Budget
from allocator.rules.objective import SCALE, relative_gap
from allocator.students.arcs import Arcs, Units
from allocator.students.class_bound import flow_multipliers
from allocator.students.cpsat import solve_students
from allocator.students.flow_bound import FlowRelaxation
from allocator.students.instance import Instance
from allocator.students.repair import Loads, search_penalties
from allocator.students.search import FULL_MODEL_UNITS, WHOLE_TIME_UNITS
from allocator.students.stage import CLASS_BOUND_MAX_UNITS

from .bound import LagrangeResult, lagrangian_bound
from .class_terms import ChooseClassBound, choose_class_bound
from .model import (
    ChooseModel,
    arc_index,
    choose_arcs,
    complete_open,
    fixed_cost_of,
    keep_values,
    needy_units,
    open_by_value,
    open_extension,
    open_groups,
    repair_cover,
)
from .regions import OpenRegions, improve_open_regions
from .swaps import SwapState, improve_by_swaps, plan_on

SWAP_SHARE = 0.1  # of the time left: open/closed swaps after the bound
BOUND_SHARE = 0.25  # of the time left: the decomposition by school (0.4 measured: a worse
# plan, no better bound, consolidation-choose 20 s)


@dataclass
class ChooseOutcome:
    arcs: Arcs  # every arc the search used (all candidates)
    choice: np.ndarray  # an arc of `arcs` per unit
    open_mask: np.ndarray  # (n,) schools open: the cheapest completion of the plan
    lagrange_bound: int | None = None
    class_bound: int | None = None  # decomposition by school (`class_terms`), where it ran
    cp_bound: int | None = None  # CP-SAT bound on `arcs` (whole model), None if not run
    cp_status: str = "skipped"
    stats: dict = field(default_factory=dict)


def open_plan_cost(inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                   cm: ChooseModel, pen: dict[str, int]) -> int:
    """The cost of plan `choice` with the open set it needs: arc costs + penalties (`pen`)
    + fixed costs of the cheapest completion of its schools (2^50 when none exists)."""
    used = np.zeros(inst.n_schools, dtype=bool)
    used[arcs.school[choice]] = True
    opened = complete_open(cm, used)
    fixed = fixed_cost_of(cm, opened) if opened is not None else 1 << 50
    return int(arcs.cost[choice].sum() + Loads(inst, units, arcs, choice, pen).penalty.sum()
               + fixed)


@dataclass
class ChooseSearch:
    """What the steps of `search_choose` share: the problem, the search penalties and the
    bound each incumbent is reported against (it rises with the Lagrangian bound)."""

    inst: Instance
    units: Units
    cm: ChooseModel
    strict: bool
    budget: Budget
    pen: dict[str, int]
    bound: int
    class_bound: int | None = None  # the decomposition's bound, where it ran
    worth: np.ndarray | None = None  # (n,) the bound's worth of keeping each school open

    def report(self, message: str, cost: int) -> None:
        """Say incumbent `cost` as a "search" progress event, with the bound and the gap."""
        self.budget.say("search", message, cost / SCALE, self.bound / SCALE,
                        relative_gap(cost, self.bound))

    def is_done(self, cost: int) -> bool:
        """Whether `cost` is within the budget's target gap of the bound."""
        return cost - self.bound <= self.budget.target_gap * max(abs(cost), 1)

    def price_plan(self, arcs: Arcs, choice: np.ndarray) -> int:
        """`open_plan_cost` of plan `choice` on `arcs`."""
        return open_plan_cost(self.inst, self.units, arcs, choice, self.cm, self.pen)


def plan_first_open_set(cs: ChooseSearch, arcs: Arcs, rel: FlowRelaxation, k: int,
                    needy: np.ndarray) -> tuple[Arcs, np.ndarray, np.ndarray]:
    """Steps 1-2: (arcs grown for the search, a complete plan as indices into them, the
    open set it was made for): the all-open flow's keep values, repaired to cover every
    needy unit, and the plan on that open set with a tenth of the time left."""
    inst, units, cm = cs.inst, cs.units, cs.cm
    full = choose_arcs(inst, units, arcs, cm, k, needy)
    value = keep_values(inst, units, arcs, rel.arc_flow, cm)
    first = repair_cover(inst, units, cm, open_by_value(cm, value), value, needy)
    left = cs.budget.deadline - time.perf_counter()
    full, choice = plan_on(inst, units, full, first, k, cs.strict, 0.1 * left)
    return full, choice, first


def raise_class_bound(cs: ChooseSearch, rel: FlowRelaxation, full: Arcs, lag: LagrangeResult,
                      cost: int, stats: dict) -> ChooseClassBound | None:
    """Step 3b: the decomposition by school with whole classes (`class_terms`) from the
    Lagrangian's best prices, within `BOUND_SHARE` of the time left, raising
    `cs.bound`; its figures go to `stats`. None (not run) outside the sizes where it pays:
    small models get CP-SAT on the whole model with all the time, and above
    `CLASS_BOUND_MAX_UNITS` the school models do not fit in the time."""
    units = cs.units
    if not WHOLE_TIME_UNITS < len(units) <= CLASS_BOUND_MAX_UNITS or cs.is_done(cost):
        return None
    lam0 = (lag.mu * units.total if lag.mu is not None
            else flow_multipliers(units, rel))
    now = time.perf_counter()
    share = BOUND_SHARE * max(0.0, cs.budget.deadline - now)
    cs.budget.say("bound", "choose: decomposition by school (whole classes, open or closed)")
    cb = choose_class_bound(cs.inst, units, full, cs.cm, lam0, strict=cs.strict, upper=cost,
                            deadline=now + share,
                            hard_deadline=min(now + 2 * share, cs.budget.deadline))
    stats.update(cb.stats)
    if cb.bound is not None:
        stats["class_bound"] = cb.bound / SCALE
        cs.class_bound = cb.bound
        cs.bound = max(cs.bound, cb.bound)
    return cb


def plan_lagrangian_open_set(cs: ChooseSearch, rel: FlowRelaxation, full: Arcs,
                         choice: np.ndarray, cost: int, first: np.ndarray, k: int,
                         needy: np.ndarray, stats: dict,
                         ) -> tuple[LagrangeResult, Arcs, np.ndarray, int]:
    """Step 3: the Lagrangian bound (raising `cs.bound`) and, when its school values give
    another open set and time allows, that set's plan if it is cheaper. Returns (the bound's
    result, the arcs, the better plan as indices into them, its cost)."""
    inst, units, cm, deadline = cs.inst, cs.units, cs.cm, cs.budget.deadline
    left = deadline - time.perf_counter()
    lag = lagrangian_bound(inst, units, cm, rel.unit_best, cost, cs.strict,
                           time_limit=min(0.25 * left, 60.0), target_gap=cs.budget.target_gap)
    stats.update(lagrange_iterations=lag.iterations, lagrange_s=lag.seconds)
    cs.bound = max(cs.bound, lag.bound)
    worth = lag.value
    cb = raise_class_bound(cs, rel, full, lag, cost, stats)
    if cb is not None and cb.bound is not None:
        worth = cb.value
    cs.worth = worth
    second = repair_cover(inst, units, cm, open_by_value(cm, worth), worth, needy)
    if (second != first).any() and deadline - time.perf_counter() > 1.0:
        full2, choice2 = plan_on(inst, units, full, second, k, cs.strict,
                                 0.1 * (deadline - time.perf_counter()))
        cost2 = cs.price_plan(full2, choice2)
        stats["lagrange_open_set_better"] = bool(cost2 < cost)
        if cost2 < cost:
            choice, cost = choice2, cost2
        else:  # the same plan in the grown arc set
            choice = arc_index(full2, inst.n_schools, np.arange(len(units)),
                               full.school[choice])
        full = full2
    return lag, full, choice, cost


def swap_open_sets(cs: ChooseSearch, full: Arcs, choice: np.ndarray, cost: int, k: int,
                   stats: dict) -> tuple[Arcs, np.ndarray, int]:
    """Step 3c: open/closed swaps (`swaps`) guided by the bound's school values, within
    `SWAP_SHARE` of the time left, on the sizes the decomposition runs on (choose-150,
    14,000 units, measured: 16 s for about 30 screened moves of 5,000, none better).
    Returns (arcs, plan as indices into them, its cost)."""
    left = cs.budget.deadline - time.perf_counter()
    if (left <= 1.0 or cs.is_done(cost) or cs.worth is None
            or not WHOLE_TIME_UNITS < len(cs.units) <= CLASS_BOUND_MAX_UNITS):
        return full, choice, cost  # small: CP-SAT decides; large: a flow per move is too slow
    inst, units, cm = cs.inst, cs.units, cs.cm
    used = np.zeros(inst.n_schools, dtype=bool)
    used[full.school[choice]] = True

    def plan(arcs: Arcs, open_mask: np.ndarray, seconds: float) -> tuple[Arcs, np.ndarray, int]:
        grown, plan_choice = plan_on(inst, units, arcs, open_mask, k, cs.strict, seconds)
        return grown, plan_choice, cs.price_plan(grown, plan_choice)

    st = improve_by_swaps(inst, units, cm, SwapState(full, choice, cost, complete_open(cm, used)),
                          cs.worth, k, time.perf_counter() + SWAP_SHARE * left, plan, stats)
    if st.cost < cost:
        cs.report("open/closed swaps", st.cost)
    return st.arcs, st.choice, st.cost


def solve_whole_open(cs: ChooseSearch, out: ChooseOutcome, choice: np.ndarray,
                     cost: int) -> np.ndarray:
    """Step 4: CP-SAT on the whole model over `out.arcs` with open variables, from plan
    `choice` of cost `cost`, when the model is small, time is left and the plan is not
    within the gap; records its status, bound and statistics in `out`. Returns its plan
    when it costs no more, else `choice`."""
    inst, units, cm, budget, full = cs.inst, cs.units, cs.cm, cs.budget, out.arcs
    left = budget.deadline - time.perf_counter()
    if len(units) > FULL_MODEL_UNITS or left <= 0.05 or cs.is_done(cost):
        return choice
    share = left if len(units) <= WHOLE_TIME_UNITS else 0.4 * left
    rs = OpenRegions(inst, units, full, choice, cm, cs.strict, budget.seed)

    def on_solution(obj: int, _cp_b: int) -> bool:
        # CP-SAT's bound holds on these arcs only; the final bound caps it (choose.stage)
        cs.report("CP-SAT", obj)
        return cs.is_done(obj)

    sol = solve_students(inst, units, full, choice, strict=cs.strict, time_limit=share,
                         workers=budget.workers, seed=budget.seed, on_solution=on_solution,
                         extend=open_extension(open_groups(cm, rs.open), full.school,
                                               cm.fc, rs.open))
    out.cp_status, out.stats = sol.status, dict(sol.stats)
    if sol.choice is not None:
        out.cp_bound = sol.cp_bound
        if cs.price_plan(full, sol.choice) <= cost:
            return sol.choice
    return choice


def improve_until_done(cs: ChooseSearch, rs: OpenRegions, cp_status: str,
                       stats: dict) -> None:
    """Step 5: the regional search on `rs` until the deadline or the target gap, unless
    CP-SAT proved its plan optimal or it is already within the gap; its statistics go to
    `stats`."""
    deadline = cs.budget.deadline
    if deadline - time.perf_counter() > 0.1 and cp_status != "optimal" and not cs.is_done(
            rs.cost()):
        t0 = time.perf_counter()

        def on_improve(c: int) -> bool:
            cs.report("regions", c)
            return cs.is_done(c)

        improve_open_regions(rs, deadline, cs.budget.workers, on_improve)
        stats.update(rs.stats, regions_s=round(time.perf_counter() - t0, 3))


def search_choose(inst: Instance, units: Units, arcs: Arcs, rel: FlowRelaxation,
                  cm: ChooseModel, *, strict: bool, budget: Budget, k: int,
                  bound: int) -> ChooseOutcome:
    """Pick an open set and a plan for it (module docstring) until the budget's deadline.

    `rel` is the flow relaxation with every candidate open on `arcs`, `bound` a valid lower
    bound so far; each incumbent is reported as a "search" progress event.
    """
    cs = ChooseSearch(inst, units, cm, strict, budget, search_penalties(inst, strict), bound)
    stats: dict = {}
    needy = needy_units(inst, units, cm)
    full, choice, first = plan_first_open_set(cs, arcs, rel, k, needy)
    cost = cs.price_plan(full, choice)
    cs.report("first open set", cost)
    lag, full, choice, cost = plan_lagrangian_open_set(cs, rel, full, choice, cost, first, k,
                                                   needy, stats)
    cs.report("Lagrangian bound", cost)
    full, choice, cost = swap_open_sets(cs, full, choice, cost, k, stats)
    out = ChooseOutcome(arcs=full, choice=choice, open_mask=first, lagrange_bound=lag.bound,
                        class_bound=cs.class_bound)
    choice = solve_whole_open(cs, out, choice, cost)
    rs = OpenRegions(inst, units, full, choice, cm, strict, budget.seed)
    improve_until_done(cs, rs, out.cp_status, stats)
    out.choice = rs.choice
    out.open_mask = rs.open
    out.stats.update(stats, needy_units=len(needy), candidates=int(cm.is_cand.sum()))
    return out
