"""Solve an assignment problem: sparse arcs, bounds, complete hint, CP-SAT, neighbourhoods.

The same design as the planner's student solve, for any jobs-to-agents problem:
1. candidate arcs: the k cheapest allowed agents per job (all when the problem is small);
2. LP relaxation with pricing (`relax`): grows the arcs where the duals ask, gives a lower
   bound valid for every allowed arc, reduced costs and job prices;
3. a complete hint: rounded, filled and locally improved (`construct`); CP-SAT repairs it
   when no complete plan was found;
4. Lagrangian relaxation (`lagrange`) from the LP prices: a stronger bound, plans rounded
   from its knapsacks (a better hint), and a lower bound per arc;
5. working arcs: every arc that can still appear in a better plan, cut to about k per job
   (by cost and by reduced cost) when there are more;
6. without facilities: the tabu search (`tabu`: shift and swap chains through overloaded
   plans with a penalty weight per agent that adapts, restarts relinked between elite
   plans; what tight GAP capacities need) races CP-SAT on the whole working model, run in
   another thread (one CP-SAT worker on large models, where the tabu finds the plans), in
   two rounds (the second from the better plan, over re-pruned arcs);
   with facilities: CP-SAT on the whole working model (small problems: to optimality), the
   neighbourhood search (`neighbourhood`: CP-SAT on freed regions, swapping open agents),
   then CP-SAT again from the best plan, over re-pruned arcs, to raise the bound.
The reported bound is valid for the unpruned problem: CP-SAT's bound on the working arcs
counts only up to the least bound of a plan that uses an arc outside them.

The time limit is kept at any size (a solve returns within it plus the last step's check
interval): every long loop reads the clock, each step has its share (LP 20 %, construction
to 15-30 %, Lagrangian to 35 %, the search the rest). When a step cannot finish, a cheaper
one stands in and `stats` says which: `lp_method` "cheapest" (the LP found no optimum in
time, or a facility LP over more than `FACILITY_LP_ARCS` arcs is not tried: each job priced
at its cheapest arc, raised by the Lagrangian), `repair` "greedy" (CP-SAT's repair was
too large or too late). Memory stays bounded: knapsacks are exact only up to
`knapsack.EXACT_CELLS` cells, then Dantzig's bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import lagrange, tabu_kernel
from .construct import (
    choose_open,
    construct_plan,
    fill_empty_open,
    greedy_fill,
    local_search,
    plan_from_knapsacks,
)
from .core import Core, build_core, is_feasible, opened, plan_cost
from .model import solve_sub, whole
from .neighbourhood import improve_by_neighbourhoods
from .problem import AssignmentProblem, evaluate
from .relax import Relaxation, arc_bounds, relax
from .swap import assign_to, swap_search, uniform_weights
from .working import (
    TINY_ARCS,
    WHOLE_FIRST_ARCS,
    cheapest_arcs,
    race,
    take_outcome,
    working_arcs,
)

DENSE_ARCS = 20_000  # up to this many allowed arcs the LP starts from all of them
WHOLE_ONLY_ARCS = 1_500  # up to this many working arcs CP-SAT on the whole model gets all time
FACILITY_LP_ARCS = 50_000  # facility LPs with more candidate arcs are not solved
REPAIR_ARCS = 200_000  # larger arc sets are not modelled for CP-SAT's repair


@dataclass
class AssignmentResult:
    """A plan (agent per job), its exact objective, a valid lower bound, the gap."""

    status: str  # optimal | feasible | infeasible | unknown
    assign: np.ndarray | None  # agent per job
    objective: float | None  # exact objective of `assign` in the problem's cost units
    bound: float  # lower bound on the optimum, valid for the whole problem
    gap: float | None  # (objective - bound) / objective
    wall_s: float
    stats: dict = field(default_factory=dict)


class _Best:
    """The incumbent plan and its cost."""

    def __init__(self, core: Core, assign: np.ndarray):
        self.core, self.assign, self.cost = core, assign, plan_cost(core, assign)

    def offer(self, assign: np.ndarray) -> bool:
        """Keep `assign` when it is feasible and cheaper; True when kept."""
        if is_feasible(self.core, assign):
            c = plan_cost(self.core, assign)
            if c < self.cost:
                self.assign, self.cost = assign, c
                return True
        return False


def solve_assignment(
    problem: AssignmentProblem, *, time_limit: float = 10.0, workers: int = 8, seed: int = 0,
    k: int = 24, lns_workers: int = 8, scale: int | None = None,
    race_workers: int = 2,
    log: Callable[[str], None] | None = None,
) -> AssignmentResult:
    """Best plan found within `time_limit` seconds and a lower bound valid for the problem.

    `workers` CP-SAT workers solve whole models and facility neighbourhoods; while the tabu
    search runs (GAP), CP-SAT gets `race_workers` so that the search keeps a core.

    Guarantees: a returned plan is complete, allowed, within every capacity and opens exactly
    `open_count` agents (checked by `problem.evaluate`); status `optimal` means its cost
    equals the bound (for real costs: of the integer-scaled costs, see `problem`).
    """
    run = _Run(problem, build_core(problem, scale), time.perf_counter(), time_limit, k,
               workers, seed, log or (lambda _m: None))
    core, stats, say = run.core, run.stats, run.say
    if not core.facilities:
        tabu_kernel.warm_up()  # compiles (or loads) the tabu kernel while the bounds run
    dense = int(core.allowed.sum()) <= DENSE_ARCS
    start = core.allowed.copy() if dense else cheapest_arcs(core, k)
    # facilities: one pricing round; the Lagrangian bound (over every arc) does the rest.
    # Large facility LPs (a link row per arc) do not finish in time: the Lagrangian starts
    # from the cheapest-arc prices instead
    lp_time = 0.0 if core.facilities and int(start.sum()) > FACILITY_LP_ARCS else max(
        0.2, 0.2 * time_limit)
    rel = relax(core, start, time_limit=lp_time, max_rounds=2 if core.facilities else 60)
    lb = rel.int_bound()
    stats.update(lp_bound=rel.bound / core.scale, lp_rounds=rel.rounds,
                 lp_arcs=int(rel.arcs.sum()), lp_s=round(rel.wall_s, 3), lp_method=rel.method)
    say(f"LP bound {rel.bound / core.scale:.2f} ({rel.rounds} rounds, {rel.arcs.sum()} arcs)")
    assign = _first_plan(run, rel)
    if assign is None:
        return _finish(problem, core, None, lb, "infeasible" if rel.artificial > 1e-6
                       else "unknown", run.t0, stats)
    best = _Best(core, assign)
    stats["hint"] = best.cost / core.scale
    lb, arc_lb, attractive = _bound_by_lagrangian(run, rel, best, lb)
    say(f"hint {best.cost / core.scale:.2f}, bound {lb / core.scale:.2f}")
    assign, ub, bound = best.assign, best.cost, lb
    stats["working_arcs"] = int(working_arcs(core, arc_lb, rel, ub, assign, k).sum())
    if not core.facilities:
        assign, ub, bound = race(core, rel, arc_lb, assign, ub, bound, run.deadline, k,
                                  race_workers, seed, stats)
        say(f"tabu search and CP-SAT: {ub / core.scale:.2f}, bound {bound / core.scale:.2f}")
        return _finish(problem, core, assign, bound, None, run.t0, stats)
    assign, bound = _facility_search(run, rel, arc_lb, assign, bound, attractive, lns_workers)
    return _finish(problem, core, assign, bound, None, run.t0, stats)


@dataclass
class _Run:
    """One solve: the problem, its integer form, the clock and the search settings."""

    problem: AssignmentProblem
    core: Core
    t0: float
    time_limit: float
    k: int
    workers: int
    seed: int
    say: Callable[[str], None]
    stats: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stats.update(agents=self.core.m, jobs=self.core.n, scale=self.core.scale)

    @property
    def deadline(self) -> float:
        return self.t0 + self.time_limit

    def at(self, share: float) -> float:
        """The moment `share` of the time limit has passed (perf_counter)."""
        return self.t0 + share * self.time_limit

    def left(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.perf_counter()


def _first_plan(run: _Run, rel: Relaxation) -> np.ndarray | None:
    """A complete feasible plan: constructed from the relaxation (facilities with uniform
    weights: also the LP's open set assigned by CP-SAT), else repaired; None when no plan
    was found (by the repair's deadline, half the time limit)."""
    core, t = run.core, run.time_limit
    build_end = min(run.at(0.3), max(run.at(0.15), time.perf_counter() + 0.1 * t))
    assign = construct_plan(core, rel, rel.arcs, deadline=build_end)
    if core.facilities and uniform_weights(core):  # the LP's open set, assigned by CP-SAT
        plan = assign_to(core, np.flatnonzero(choose_open(core, rel)), assign, rel.arcs,
                         min(2.0, 0.05 * t), run.workers, run.seed)
        if plan is not None and (not is_feasible(core, assign)
                                 or plan_cost(core, plan) < plan_cost(core, assign)):
            assign = plan
    if is_feasible(core, assign):
        return assign
    assign = _repair(core, rel, assign, run.at(0.5), run.workers, run.seed, run.stats)
    if assign is None:
        return None
    return local_search(core, assign, rel.arcs | _plan_arcs(core, assign),
                        opened(core, assign), deadline=run.at(0.3))


def _bound_by_lagrangian(run: _Run, rel: Relaxation, best: _Best,
                         lb: int) -> tuple[int, np.ndarray, np.ndarray | None]:
    """(bound, lower bound per arc, Lagrangian value per agent or None): the LP's, raised
    by the Lagrangian relaxation while the plan is above the bound (until about a third of
    the time limit; a late start still gets a share, more when the LP fell back)."""
    core = run.core
    arc_lb = arc_bounds(core, rel)
    if best.cost <= lb:
        return lb, arc_lb, None
    now = time.perf_counter()
    lag_end = min(run.at(0.35), max(run.at(0.25), now + 0.1 * run.time_limit))
    lag_end = max(lag_end, now + (0.15 if rel.method == "cheapest" else 0.05) * run.time_limit)
    lag = _lagrangian(core, rel, best, lag_end, run.stats)
    lb = max(lb, math.ceil(lag.bound - 1e-6 * max(1.0, abs(lag.bound))))
    if best.cost > lb:
        arc_lb = np.maximum(arc_lb, lagrange.arc_bounds(core, lag, best.cost,
                                                        max(run.at(0.35), lag_end)))
    return lb, arc_lb, lag.value


def _facility_search(run: _Run, rel: Relaxation, arc_lb: np.ndarray, assign: np.ndarray,
                     bound: int, attractive: np.ndarray | None,
                     lns_workers: int) -> tuple[np.ndarray, int]:
    """(plan, bound) after swaps of open agents, CP-SAT on the whole working model when
    small, neighbourhoods, then CP-SAT again from the best plan; never a worse plan."""
    core, stats, say, k, seed = run.core, run.stats, run.say, run.k, run.seed
    ub = plan_cost(core, assign)
    work = working_arcs(core, arc_lb, rel, ub, assign, k)
    if ub > bound and run.left() > 0.1 and uniform_weights(core):
        found, sstats = swap_search(core, work, assign, deadline=run.at(0.75),
                                    workers=run.workers, seed=seed, attractive=attractive,
                                    exact_time=min(4.0, max(1.0, core.n / 100)))
        if plan_cost(core, found) < ub:
            assign, ub = found, plan_cost(core, found)
            work = working_arcs(core, arc_lb, rel, ub, assign, k)
        stats.update(swap_sweeps=sstats.sweeps, swap_flows=sstats.flows,
                     swap_exact=sstats.exact, swap_improved=sstats.improved)
        say(f"swaps: {ub / core.scale:.2f} ({sstats.improved} in {sstats.sweeps} sweeps)")
    n_work = int(work.sum())
    if ub > bound and n_work <= WHOLE_FIRST_ARCS and run.left() > 0.02:
        # CP-SAT on the whole working model: the proof for small problems
        share = run.left() if n_work <= WHOLE_ONLY_ARCS else 0.3 * run.left()
        out = solve_sub(core, whole(core, work), assign, time_limit=share,
                        workers=1 if n_work <= TINY_ARCS else run.workers, seed=seed,
                        stop_at=bound)
        assign, ub, bound = take_outcome(core, arc_lb, work, out, assign, ub, bound)
        stats["cp_first"] = out.status
        say(f"CP-SAT {out.status}: {ub / core.scale:.2f}, bound {bound / core.scale:.2f}")
    if ub > bound and run.left() > 0.05:
        reserve = 0.15 * run.left() if n_work <= WHOLE_FIRST_ARCS else 0.0
        assign, lstats = improve_by_neighbourhoods(
            core, work, assign, deadline=run.deadline - reserve, workers=lns_workers,
            seed=seed, start_size=3, target=bound, rc=rel.rc, sub_time=1.0)
        ub = plan_cost(core, assign)
        stats.update(lns_solved=lstats.solved, lns_improved=lstats.improved,
                     lns_sizes=lstats.sizes)
        say(f"neighbourhoods: {ub / core.scale:.2f} ({lstats.improved}/{lstats.solved})")
    if ub > bound and run.left() > 0.05:
        work = working_arcs(core, arc_lb, rel, ub, assign, k)
        if int(work.sum()) <= WHOLE_FIRST_ARCS:
            out = solve_sub(core, whole(core, work), assign, time_limit=run.left(),
                            workers=run.workers, seed=seed + 1, stop_at=bound)
            assign, ub, bound = take_outcome(core, arc_lb, work, out, assign, ub, bound)
            stats["cp_last"] = out.status
    return assign, bound


def _lagrangian(core: Core, rel: Relaxation, best: _Best, deadline: float,
                stats: dict) -> lagrange.Lagrangian:
    """Subgradient from the LP prices; knapsack solutions are rounded into plans."""
    plans = {"tried": 0, "better": 0}

    def on_take(it: int, take: np.ndarray, chosen: np.ndarray) -> float | None:
        if it % 2 != 1 or time.perf_counter() >= deadline:
            return None
        plan = plan_from_knapsacks(core, take, chosen, rel.arcs, deadline)
        if (plan < 0).any():
            return None
        plans["tried"] += 1
        cost = plan_cost(core, plan)
        if cost < best.cost or (it % 10 == 1 and cost <= best.cost * 1.01):
            plan = local_search(core, plan, rel.arcs | take, opened(core, plan),
                                deadline=deadline)
            if best.offer(plan):
                plans["better"] += 1
                return float(best.cost)
        return None

    lag = lagrange.subgradient(core, rel.u, float(best.cost), deadline=deadline,
                               on_take=on_take)
    stats.update(lr_bound=lag.bound / core.scale, lr_iterations=lag.iterations,
                 lr_s=round(lag.wall_s, 3), lr_plans=plans["tried"],
                 lr_better=plans["better"])
    return lag


def _repair(core: Core, rel: Relaxation, assign: np.ndarray, deadline: float, workers: int,
            seed: int, stats: dict) -> np.ndarray | None:
    """A complete plan from CP-SAT on the LP's arcs (then every allowed arc), first found;
    an arc set larger than `REPAIR_ARCS` is not modelled, and no try starts after
    `deadline`. Then, failing that, jobs still unplaced go greedily to any allowed agent
    with room (`greedy_fill`); None when even that leaves a job without an agent."""
    for arcs in (rel.arcs, core.allowed):
        use = arcs | _plan_arcs(core, assign)
        left = deadline - time.perf_counter()
        if int(use.sum()) > REPAIR_ARCS or left < 0.1:
            stats["repair"] = "skipped"
            continue
        hint = np.where(assign >= 0, assign, -1)
        out = solve_sub(core, whole(core, use), hint, time_limit=0.5 * left,
                        workers=workers, seed=seed, stop_at=np.iinfo(np.int64).max // 4)
        stats["repair"] = out.status
        if out.assign is not None:
            return out.assign
    open_ = choose_open(core, rel)  # the agents `construct_plan` opened
    plan = fill_empty_open(core, greedy_fill(core, assign, core.allowed, open_),
                           core.allowed, open_)
    stats["repair"] = "greedy"
    return plan if is_feasible(core, plan) else None


def _plan_arcs(core: Core, assign: np.ndarray) -> np.ndarray:
    out = np.zeros((core.m, core.n), dtype=bool)
    ok = assign >= 0
    out[assign[ok], np.flatnonzero(ok)] = True
    return out


def _finish(problem: AssignmentProblem, core: Core, assign: np.ndarray | None, bound: int,
            status: str | None, t0: float, stats: dict) -> AssignmentResult:
    wall = time.perf_counter() - t0
    real_bound = bound / core.scale
    if assign is None:
        return AssignmentResult(status or "unknown", None, None, real_bound, None, wall, stats)
    ev = evaluate(problem, assign)
    if not ev.feasible:
        raise RuntimeError(f"internal error: the plan breaks a rule: {ev.errors[:3]}")
    ub = plan_cost(core, assign)
    status = "optimal" if ub <= bound else "feasible"
    gap = 0.0 if ev.objective <= real_bound else (ev.objective - real_bound) / max(
        abs(ev.objective), 1e-12)
    stats["integer_objective"] = ub
    return AssignmentResult(status, assign, ev.objective, real_bound, gap, wall, stats)
