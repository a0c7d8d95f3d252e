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
    m, n = core.m, core.n
    jobs = np.arange(n)
    open_ = opened(core, assign) if core.facilities else np.ones(m, dtype=bool)
    usable = arcs & core.allowed & open_[:, None]
    C = core.C.astype(np.float64)
    W = core.W.astype(np.int64)
    cap = core.cap.astype(np.int64)
    a = assign.copy()
    load = loads(core, a)
    count = np.bincount(a, minlength=m)
    cost = float(C[a, jobs].sum())
    best, best_cost = a.copy(), plan_cost(core, a)
    fixed = best_cost - cost  # opening costs do not change: agents never open or close
    stats = TabuStats(best=best_cost)
    tabu = np.zeros((m, n), dtype=np.int64)
    alpha = max(1.0, float(np.abs(C[usable]).mean() / max(1.0, W[usable].mean())))
    it, idle = 0, 0
    while idle < max_idle and (target is None or best_cost > target):
        if it % 16 == 0 and (time.perf_counter() >= deadline or (
                should_stop is not None and should_stop())):
            break
        it += 1
        total_ex = int(np.maximum(0, load - cap).sum())
        dc, dx = _shift_deltas(C, W, cap, load, a, jobs, alpha)
        ok = usable.copy()
        ok[a, jobs] = False
        if core.facilities:
            ok[:, count[a] <= 1] = False
        free = tabu <= it
        asp = ((total_ex + dx) == 0) & (cost + dc + fixed < best_cost)
        val = np.where(ok & (free | asp), dc + alpha * dx, BIG)
        s_flat = int(np.argmin(val))
        s_val = val.flat[s_flat]
        js = jobs if n <= swap_rows else rng.choice(n, swap_rows, replace=False)
        wc, wx = _swap_deltas(C, W, cap, load, a, js, jobs)
        aj, ak = a[js][:, None], a[None, :]
        wok = (aj != ak) & usable[ak, js[:, None]] & usable[aj, jobs[None, :]]
        wfree = (tabu[ak, js[:, None]] <= it) & (tabu[aj, jobs[None, :]] <= it)
        wasp = ((total_ex + wx) == 0) & (cost + wc + fixed < best_cost)
        wval = np.where(wok & (wfree | wasp), wc + alpha * wx, BIG)
        w_flat = int(np.argmin(wval))
        w_val = wval.flat[w_flat]
        if min(s_val, w_val) >= BIG:
            break
        hold = int(rng.integers(3, 3 + tenure))
        if s_val <= w_val:
            i, j = divmod(s_flat, n)
            src = a[j]
            load[src] -= W[src, j]
            load[i] += W[i, j]
            count[src] -= 1
            count[i] += 1
            cost += dc[i, j]
            tabu[src, j] = it + hold
            a[j] = i
        else:
            r, k = divmod(w_flat, n)
            j = js[r]
            p, q = a[j], a[k]
            load[p] += W[p, k] - W[p, j]
            load[q] += W[q, j] - W[q, k]
            cost += wc[r, k]
            tabu[p, j] = it + hold
            tabu[q, k] = it + hold
            a[j], a[k] = q, p
        over = int(np.maximum(0, load - cap).sum())
        alpha = max(1e-3, alpha / alpha_rate) if over == 0 else alpha * alpha_rate
        if over == 0 and cost + fixed < best_cost - 1e-9:
            best, best_cost = a.copy(), int(round(cost + fixed))
            stats.improved += 1
            idle = 0
            continue
        idle += 1
        if restart and idle % restart == 0:  # back to the best plan, fresh tabu list
            a = best.copy()
            load = loads(core, a)
            count = np.bincount(a, minlength=m)
            cost = float(C[a, jobs].sum())
            tabu[:] = 0
    stats.iterations, stats.best = it, best_cost
    if not is_feasible(core, best):  # cannot happen: only overload-free plans are kept
        raise RuntimeError("tabu search kept an infeasible plan")
    return best, stats
