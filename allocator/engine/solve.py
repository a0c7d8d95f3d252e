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
   plans, what tight GAP capacities need) races CP-SAT on the whole working model, run in
   another thread, in two rounds (the second from the better plan, over re-pruned arcs);
   with facilities: CP-SAT on the whole working model (small problems: to optimality), the
   neighbourhood search (`neighbourhood`: CP-SAT on freed regions, swapping open agents),
   then CP-SAT again from the best plan, over re-pruned arcs, to raise the bound.
The reported bound is valid for the unpruned problem: CP-SAT's bound on the working arcs
counts only up to the least bound of a plan that uses an arc outside them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import lagrange
from .construct import (
    choose_open,
    construct_plan,
    fill_empty_open,
    greedy_fill,
    local_search,
    plan_from_knapsacks,
)
from .core import Core, build_core, is_feasible, opened, plan_cost
from .model import CpOutcome, Stopper, solve_sub, whole
from .neighbourhood import improve_by_neighbourhoods
from .problem import AssignmentProblem, evaluate
from .relax import Relaxation, arc_bounds, excluded_bound, prune_arcs, relax
from .swap import assign_to, swap_search, uniform_weights
from .tabu import tabu_search

DENSE_ARCS = 20_000  # up to this many allowed arcs the LP starts from all of them
WHOLE_ONLY_ARCS = 1_500  # up to this many working arcs CP-SAT on the whole model gets all time
WHOLE_FIRST_ARCS = 12_000  # up to this many, CP-SAT on the whole model runs first, briefly
TINY_ARCS = 400  # models this small are proved fastest by a single CP-SAT worker
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


def cheapest_arcs(core: Core, k: int) -> np.ndarray:
    """(m, n) bool: the k cheapest allowed agents of every job."""
    if k >= core.m:
        return core.allowed.copy()
    c = np.where(core.allowed, core.C, np.iinfo(np.int64).max)
    idx = np.argpartition(c, k - 1, axis=0)[:k]
    out = np.zeros((core.m, core.n), dtype=bool)
    out[idx, np.broadcast_to(np.arange(core.n), idx.shape)] = True
    return out & core.allowed


def working_arcs(core: Core, arc_lb: np.ndarray, rel: Relaxation, upper: int,
                 assign: np.ndarray, per_job: int) -> np.ndarray:
    """Arcs that can appear in a plan cheaper than `upper`, plus the plan's own; when more
    than `per_job` per job on average, each job keeps its `per_job` cheapest arcs, its
    `per_job // 2` best by reduced cost and its LP arcs."""
    keep = prune_arcs(core, arc_lb, upper)
    jobs = np.arange(core.n)
    if keep.sum() > per_job * core.n:
        cut = np.zeros_like(keep)
        for score, t in ((core.C.astype(float), per_job), (rel.rc, max(1, per_job // 2))):
            s = np.where(keep, score, np.inf)
            t = min(t, core.m)
            idx = np.argpartition(s, t - 1, axis=0)[:t]
            cols = np.broadcast_to(jobs, idx.shape)
            ok = np.isfinite(s[idx, cols])
            cut[idx[ok], cols[ok]] = True
        keep = cut | (keep & (rel.x > 1e-9))
    ok = assign >= 0
    keep[assign[ok], jobs[ok]] = True
    return keep


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
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    say = log or (lambda _m: None)
    core = build_core(problem, scale)
    stats: dict = {"agents": core.m, "jobs": core.n, "scale": core.scale}

    def left() -> float:
        return deadline - time.perf_counter()

    dense = int(core.allowed.sum()) <= DENSE_ARCS
    # facilities: one pricing round; the Lagrangian bound (over every arc) does the rest
    rel = relax(core, core.allowed.copy() if dense else cheapest_arcs(core, k),
                time_limit=max(0.2, 0.2 * time_limit), max_rounds=2 if core.facilities else 60)
    lb = rel.int_bound()
    stats.update(lp_bound=rel.bound / core.scale, lp_rounds=rel.rounds,
                 lp_arcs=int(rel.arcs.sum()), lp_s=round(rel.wall_s, 3), lp_method=rel.method)
    say(f"LP bound {rel.bound / core.scale:.2f} ({rel.rounds} rounds, {rel.arcs.sum()} arcs)")
    build_end = min(t0 + 0.3 * time_limit, max(t0 + 0.15 * time_limit,
                                               time.perf_counter() + 0.1 * time_limit))
    assign = construct_plan(core, rel, rel.arcs, deadline=build_end)
    if core.facilities and uniform_weights(core):  # the LP's open set, assigned by CP-SAT
        plan = assign_to(core, np.flatnonzero(choose_open(core, rel)), assign, rel.arcs,
                         min(2.0, 0.05 * time_limit), workers, seed)
        if plan is not None and (not is_feasible(core, assign)
                                 or plan_cost(core, plan) < plan_cost(core, assign)):
            assign = plan
    if not is_feasible(core, assign):
        assign = _repair(core, rel, assign, t0 + 0.5 * time_limit, workers, seed, stats)
        if assign is None:
            return _finish(problem, core, None, lb, "infeasible" if rel.artificial > 1e-6
                           else "unknown", t0, stats)
        assign = local_search(core, assign, rel.arcs | _plan_arcs(core, assign),
                              opened(core, assign), deadline=t0 + 0.3 * time_limit)
    best = _Best(core, assign)
    stats["hint"] = best.cost / core.scale
    arc_lb = arc_bounds(core, rel)
    attractive = None
    if best.cost > lb:
        now = time.perf_counter()
        lag_end = min(t0 + 0.35 * time_limit, max(t0 + 0.25 * time_limit,
                                                  now + 0.1 * time_limit))
        # a late start still gets a share: without the LP this is the only bound
        lag_end = max(lag_end, now + (0.15 if rel.method == "cheapest" else 0.05) * time_limit)
        lag = _lagrangian(core, rel, best, lag_end, stats)
        lb = max(lb, math.ceil(lag.bound - 1e-6 * max(1.0, abs(lag.bound))))
        attractive = lag.value
        if best.cost > lb:
            arc_lb = np.maximum(arc_lb, lagrange.arc_bounds(
                core, lag, best.cost, max(t0 + 0.35 * time_limit, lag_end)))
    say(f"hint {best.cost / core.scale:.2f}, bound {lb / core.scale:.2f}")
    assign, ub, bound = best.assign, best.cost, lb
    work = working_arcs(core, arc_lb, rel, ub, assign, k)
    n_work = int(work.sum())
    stats["working_arcs"] = n_work
    if not core.facilities:
        assign, ub, bound = _race(core, rel, arc_lb, assign, ub, bound, deadline, k,
                                  race_workers, seed, stats)
        say(f"tabu search and CP-SAT: {ub / core.scale:.2f}, bound {bound / core.scale:.2f}")
        return _finish(problem, core, assign, bound, None, t0, stats)
    if ub > bound and left() > 0.1 and uniform_weights(core):
        found, sstats = swap_search(core, work, assign, deadline=t0 + 0.75 * time_limit,
                                    workers=workers, seed=seed, attractive=attractive,
                                    exact_time=min(4.0, max(1.0, core.n / 100)))
        if plan_cost(core, found) < ub:
            assign, ub = found, plan_cost(core, found)
            work = working_arcs(core, arc_lb, rel, ub, assign, k)
            n_work = int(work.sum())
        stats.update(swap_sweeps=sstats.sweeps, swap_flows=sstats.flows,
                     swap_exact=sstats.exact, swap_improved=sstats.improved)
        say(f"swaps: {ub / core.scale:.2f} ({sstats.improved} in {sstats.sweeps} sweeps)")
    if ub > bound and n_work <= WHOLE_FIRST_ARCS and left() > 0.02:
        # CP-SAT on the whole working model: the proof for small problems
        share = left() if n_work <= WHOLE_ONLY_ARCS else 0.3 * left()
        out = solve_sub(core, whole(core, work), assign, time_limit=share,
                        workers=1 if n_work <= TINY_ARCS else workers, seed=seed,
                        stop_at=bound)
        assign, ub, bound = _take(core, arc_lb, work, out, assign, ub, bound)
        stats["cp_first"] = out.status
        say(f"CP-SAT {out.status}: {ub / core.scale:.2f}, bound {bound / core.scale:.2f}")
    if ub > bound and left() > 0.05:
        reserve = 0.15 * left() if n_work <= WHOLE_FIRST_ARCS else 0.0
        assign, lstats = improve_by_neighbourhoods(
            core, work, assign, deadline=deadline - reserve, workers=lns_workers, seed=seed,
            start_size=3, target=bound, rc=rel.rc, sub_time=1.0)
        ub = plan_cost(core, assign)
        stats.update(lns_solved=lstats.solved, lns_improved=lstats.improved,
                     lns_sizes=lstats.sizes)
        say(f"neighbourhoods: {ub / core.scale:.2f} ({lstats.improved}/{lstats.solved})")
    if ub > bound and left() > 0.05:
        work = working_arcs(core, arc_lb, rel, ub, assign, k)
        if int(work.sum()) <= WHOLE_FIRST_ARCS:
            out = solve_sub(core, whole(core, work), assign, time_limit=left(),
                            workers=workers, seed=seed + 1, stop_at=bound)
            assign, ub, bound = _take(core, arc_lb, work, out, assign, ub, bound)
            stats["cp_last"] = out.status
    return _finish(problem, core, assign, bound, None, t0, stats)


def _race(core: Core, rel: Relaxation, arc_lb: np.ndarray, assign: np.ndarray, ub: int,
          bound: int, deadline: float, k: int, workers: int, seed: int,
          stats: dict) -> tuple[np.ndarray, int, int]:
    """Tabu search in this thread while CP-SAT solves the whole working model in another
    (it releases the GIL), in two rounds: the second starts CP-SAT from the better plan,
    over arcs re-pruned by its cost. Either finishing the proof ends the round."""
    tabu_its = tabu_better = 0
    for r in range(2):
        now = time.perf_counter()
        if ub <= bound or deadline - now <= 0.05:
            break
        round_end = now + (deadline - now) * (0.5 if r == 0 else 1.0)
        work = working_arcs(core, arc_lb, rel, ub, assign, k)
        n_work = int(work.sum())
        box: dict[str, CpOutcome] = {}
        stopper = Stopper()
        thread = None
        if n_work <= WHOLE_FIRST_ARCS:
            thread = threading.Thread(target=_solve_into, daemon=True, args=(
                box, core, whole(core, work), assign.copy(),
                dict(time_limit=round_end - now, workers=1 if n_work <= TINY_ARCS else workers,
                     seed=seed + r, stop_at=bound, stopper=stopper)))
            thread.start()
        found, tstats = tabu_search(
            core, work, assign, deadline=round_end, seed=seed + r, target=bound,
            should_stop=None if thread is None else (lambda t=thread: not t.is_alive()))
        tabu_its += tstats.iterations
        tabu_better += tstats.improved
        if thread is not None:
            if plan_cost(core, found) <= bound:
                stopper.stop()  # the tabu plan meets the bound: nothing left to prove
            thread.join()  # else CP-SAT keeps its time even if the tabu search ran dry
        if plan_cost(core, found) < ub:
            assign, ub = found, plan_cost(core, found)
        if "out" in box:
            assign, ub, bound = _take(core, arc_lb, work, box["out"], assign, ub, bound)
            stats[f"cp_round{r + 1}"] = box["out"].status
    stats.update(tabu_iterations=tabu_its, tabu_improved=tabu_better)
    return assign, ub, bound


def _solve_into(box: dict, core: Core, sub, hint: np.ndarray, kw: dict) -> None:
    box["out"] = solve_sub(core, sub, hint, **kw)


def _lagrangian(core: Core, rel: Relaxation, best: _Best, deadline: float,
                stats: dict) -> lagrange.Lagrangian:
    """Subgradient from the LP prices; knapsack solutions are rounded into plans."""
    plans = {"tried": 0, "better": 0}

    def on_take(it: int, take: np.ndarray, chosen: np.ndarray) -> float | None:
        if it % 2 != 1:
            return None
        plan = plan_from_knapsacks(core, take, chosen, rel.arcs)
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


def _take(core: Core, arc_lb: np.ndarray, work: np.ndarray, out: CpOutcome,
          assign: np.ndarray, ub: int, bound: int) -> tuple[np.ndarray, int, int]:
    """Adopt a CP-SAT outcome on the whole working model: a better plan, a higher bound."""
    if out.assign is not None and out.objective is not None and out.objective < ub:
        assign, ub = out.assign, plan_cost(core, out.assign)
    if out.bound is not None:
        outside = excluded_bound(core, arc_lb, work)
        outside_int = math.inf if math.isinf(outside) else math.ceil(
            outside - 1e-6 * max(1.0, abs(outside)))
        bound = max(bound, int(min(out.bound, outside_int, ub)))
    return assign, ub, bound


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
