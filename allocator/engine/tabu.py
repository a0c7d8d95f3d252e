"""Tabu search with strategic oscillation: improve a complete plan by shifts and swaps.

Tight capacities leave few feasible single moves; the search therefore walks through plans
that overload agents, paying `alpha` per unit of overload, and tunes `alpha` as it goes
(up while the current plan is overloaded, down while it is feasible), so it oscillates
around the capacity boundary and crosses it where feasible moves alone cannot (the chains of
shifts tight capacities need). Each iteration takes the best non-tabu shift or swap, both
evaluated for every job with numpy; moving a job off an agent forbids moving it back for a
few iterations unless that gives a feasible plan better than the best. The best feasible plan
seen is returned. For facilities, jobs move only among open agents and never empty one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .core import Core, is_feasible, loads, opened, plan_cost

BIG = np.float64(1e18)


@dataclass
class TabuStats:
    """Counters of a tabu search."""

    iterations: int = 0
    improved: int = 0
    best: int = 0


def _shift_deltas(C, W, cap, load, a, jobs, alpha):
    """(cost delta, overload delta) of moving each job j to each agent i: (m, n) arrays."""
    ex = np.maximum(0, load - cap)
    la = load[a]
    d_src = np.maximum(0, la - W[a, jobs] - cap[a]) - ex[a]
    d_dst = np.maximum(0, load[:, None] + W - cap[:, None]) - ex[:, None]
    dc = C - C[a, jobs][None, :]
    dx = d_src[None, :] + d_dst
    return dc, dx


def _swap_deltas(C, W, cap, load, a, js, ks):
    """(cost delta, overload delta) of swapping the agents of jobs js (rows) and ks (cols)."""
    ex = np.maximum(0, load - cap)
    aj, ak = a[js][:, None], a[ks][None, :]
    jj, kk = js[:, None], ks[None, :]
    new_aj = load[aj] - W[aj, jj] + W[aj, kk]
    new_ak = load[ak] - W[ak, kk] + W[ak, jj]
    dx = (np.maximum(0, new_aj - cap[aj]) - ex[aj] + np.maximum(0, new_ak - cap[ak])
          - ex[ak])
    dc = C[ak, jj] + C[aj, kk] - C[aj, jj] - C[ak, kk]
    return dc, dx


@dataclass
class _Walk:
    """The current plan of a tabu walk: agent per job, loads, job counts, arc cost."""

    a: np.ndarray
    load: np.ndarray
    count: np.ndarray
    cost: float

    @classmethod
    def of(cls, core: Core, C: np.ndarray, assign: np.ndarray) -> _Walk:
        """The walk at plan `assign`."""
        a = assign.copy()
        return cls(a, loads(core, a), np.bincount(a, minlength=core.m),
                   float(C[a, np.arange(core.n)].sum()))


def tabu_search(core: Core, arcs: np.ndarray, assign: np.ndarray, *, deadline: float,
                seed: int = 0, target: int | None = None, max_idle: int = 20000,
                swap_rows: int = 64, restart: int = 100, tenure: int = 3,
                alpha_rate: float = 1.1, should_stop: Callable[[], bool] | None = None,
                ) -> tuple[np.ndarray, TabuStats]:
    """Improve the complete feasible plan `assign` until `deadline` (perf_counter), a plan of
    cost <= `target`, or `max_idle` iterations without a better feasible plan. Returns the
    best feasible plan seen (never worse than `assign`). Moves use `arcs` only; every
    `restart` idle iterations the walk restarts from the best plan; a job moved off an
    agent stays off it for 3 to 3 + `tenure` iterations; `alpha` changes by `alpha_rate`.
    `should_stop()` is polled every few iterations (another search may have finished)."""
    rng = np.random.default_rng(seed)
    open_ = opened(core, assign) if core.facilities else np.ones(core.m, dtype=bool)
    usable = arcs & core.allowed & open_[:, None]
    C = core.C.astype(np.float64)
    W = core.W.astype(np.int64)
    walk = _Walk.of(core, C, assign)
    best, best_cost = assign.copy(), plan_cost(core, assign)
    fixed = best_cost - walk.cost  # opening costs do not change: agents never open or close
    stats = TabuStats(best=best_cost)
    tabu = np.zeros((core.m, core.n), dtype=np.int64)
    alpha = max(1.0, float(np.abs(C[usable]).mean() / max(1.0, W[usable].mean())))
    it, idle = 0, 0
    while idle < max_idle and (target is None or best_cost > target):
        if it % 16 == 0 and (time.perf_counter() >= deadline or (
                should_stop is not None and should_stop())):
            break
        it += 1
        if not _move(core, C, W, usable, walk, tabu, it, alpha, best_cost - fixed, rng,
                     swap_rows, tenure):
            break
        over = int(np.maximum(0, walk.load - core.cap).sum())
        alpha = max(1e-3, alpha / alpha_rate) if over == 0 else alpha * alpha_rate
        if over == 0 and walk.cost + fixed < best_cost - 1e-9:
            best, best_cost = walk.a.copy(), int(round(walk.cost + fixed))
            stats.improved += 1
            idle = 0
            continue
        idle += 1
        if restart and idle % restart == 0:  # back to the best plan, fresh tabu list
            walk = _Walk.of(core, C, best)
            tabu[:] = 0
    stats.iterations, stats.best = it, best_cost
    if not is_feasible(core, best):  # cannot happen: only overload-free plans are kept
        raise RuntimeError("tabu search kept an infeasible plan")
    return best, stats


def _move(core: Core, C: np.ndarray, W: np.ndarray, usable: np.ndarray, walk: _Walk,
          tabu: np.ndarray, it: int, alpha: float, best_arc_cost: float,
          rng: np.random.Generator, swap_rows: int, tenure: int) -> bool:
    """Make the best non-tabu shift or swap (a tabu one when it gives a feasible plan with
    arc cost below `best_arc_cost`), priced as cost + alpha x overload; the moved jobs
    stay off their agents for 3 to 3 + `tenure` iterations. False when no move is
    allowed."""
    n, a, load, cap = core.n, walk.a, walk.load, core.cap
    jobs = np.arange(n)
    total_ex = int(np.maximum(0, load - cap).sum())
    dc, dx = _shift_deltas(C, W, cap, load, a, jobs, alpha)
    ok = usable.copy()
    ok[a, jobs] = False
    if core.facilities:
        ok[:, walk.count[a] <= 1] = False
    asp = ((total_ex + dx) == 0) & (walk.cost + dc < best_arc_cost)
    val = np.where(ok & ((tabu <= it) | asp), dc + alpha * dx, BIG)
    s_flat = int(np.argmin(val))
    s_val = val.flat[s_flat]
    js = jobs if n <= swap_rows else rng.choice(n, swap_rows, replace=False)
    wc, wx = _swap_deltas(C, W, cap, load, a, js, jobs)
    aj, ak = a[js][:, None], a[None, :]
    wok = (aj != ak) & usable[ak, js[:, None]] & usable[aj, jobs[None, :]]
    wfree = (tabu[ak, js[:, None]] <= it) & (tabu[aj, jobs[None, :]] <= it)
    wasp = ((total_ex + wx) == 0) & (walk.cost + wc < best_arc_cost)
    wval = np.where(wok & (wfree | wasp), wc + alpha * wx, BIG)
    w_flat = int(np.argmin(wval))
    if min(s_val, wval.flat[w_flat]) >= BIG:
        return False
    hold = int(rng.integers(3, 3 + tenure))
    if s_val <= wval.flat[w_flat]:
        i, j = divmod(s_flat, n)
        src = a[j]
        load[src] -= W[src, j]
        load[i] += W[i, j]
        walk.count[src] -= 1
        walk.count[i] += 1
        walk.cost += dc[i, j]
        tabu[src, j] = it + hold
        a[j] = i
        return True
    r, k = divmod(w_flat, n)
    j = js[r]
    p, q = a[j], a[k]
    load[p] += W[p, k] - W[p, j]
    load[q] += W[q, j] - W[q, k]
    walk.cost += wc[r, k]
    tabu[p, j] = it + hold
    tabu[q, k] = it + hold
    a[j], a[k] = q, p
    return True
