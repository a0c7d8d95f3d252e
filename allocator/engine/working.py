"""The working model: arcs kept for the search, CP-SAT outcomes adopted, the GAP race.

`working_arcs` keeps every arc that can still appear in a better plan (cut to about k per
job when there are more); `take_outcome` adopts a CP-SAT result on them, raising the bound
only as far as the arcs left out allow; `race` runs the tabu search against CP-SAT on the
whole working model (problems without facilities).
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from .core import Core, plan_cost
from .model import CpOutcome, Stopper, solve_sub, whole
from .relax import Relaxation, excluded_bound, prune_arcs
from .tabu import tabu_search

WHOLE_FIRST_ARCS = 12_000  # up to this many, CP-SAT on the whole model runs first, briefly
TINY_ARCS = 400  # models this small are proved fastest by a single CP-SAT worker
# larger working models: CP-SAT races with one worker, so that the tabu search (which finds
# the plans there: CP-SAT did not improve the hint of 20 x 100 type D/E in 7 s) keeps a core
RACE_ONE_WORKER_ARCS = 1500


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


def take_outcome(core: Core, arc_lb: np.ndarray, work: np.ndarray, out: CpOutcome,
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


def race(core: Core, rel: Relaxation, arc_lb: np.ndarray, assign: np.ndarray, ub: int,
          bound: int, deadline: float, k: int, workers: int, seed: int,
          stats: dict) -> tuple[np.ndarray, int, int]:
    """Tabu search in this thread while CP-SAT solves the whole working model in another
    (it releases the GIL; one worker beyond `RACE_ONE_WORKER_ARCS` arcs), in two rounds:
    the second starts CP-SAT from the better plan, over arcs re-pruned by its cost. Either
    finishing the proof ends the round."""
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
        cp_workers = 1 if n_work <= TINY_ARCS or n_work > RACE_ONE_WORKER_ARCS else workers
        if n_work <= WHOLE_FIRST_ARCS:
            thread = threading.Thread(target=_solve_into, daemon=True, args=(
                box, core, whole(core, work), assign.copy(),
                dict(time_limit=round_end - now, workers=cp_workers, seed=seed + r,
                     stop_at=bound, stopper=stopper)))
            thread.start()
        # large models: the compiled walk (when ready) walks twice, in two threads
        found, tstats = tabu_search(
            core, work, assign, deadline=round_end, seed=seed + r, target=bound,
            should_stop=None if thread is None else (lambda t=thread: not t.is_alive()),
            walkers=2 if n_work > RACE_ONE_WORKER_ARCS and workers >= 2 else 1)
        tabu_its += tstats.iterations
        tabu_better += tstats.improved
        if thread is not None:
            if plan_cost(core, found) <= bound:
                stopper.stop()  # the tabu plan meets the bound: nothing left to prove
            thread.join()  # else CP-SAT keeps its time even if the tabu search ran dry
        if plan_cost(core, found) < ub:
            assign, ub = found, plan_cost(core, found)
        if "out" in box:
            assign, ub, bound = take_outcome(core, arc_lb, work, box["out"], assign, ub, bound)
            stats[f"cp_round{r + 1}"] = box["out"].status
    stats.update(tabu_iterations=tabu_its, tabu_improved=tabu_better)
    return assign, ub, bound


def _solve_into(box: dict, core: Core, sub, hint: np.ndarray, kw: dict) -> None:
    box["out"] = solve_sub(core, sub, hint, **kw)
