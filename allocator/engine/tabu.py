"""Tabu search with adaptive capacity penalties: improve a complete plan by shifts and swaps.

Tight capacities leave few feasible single moves; the search therefore walks through plans
that overload agents, in the style of Yagiura, Ibaraki and Glover's ejection-chain search
for GAP: each agent has its own penalty weight per unit of overload, raised while that agent
is overloaded and lowered for all while the plan is feasible, so the walk oscillates around
the capacity boundary where it binds and crosses it where feasible moves alone cannot (the
chains of shifts tight capacities need). Each iteration takes the best non-tabu shift or
swap, priced for every job with numpy (a sample of `swap_rows` jobs for swaps); moving a job
off an agent forbids moving it back for a few iterations unless that gives a feasible plan
better than the best. Restarts start from a plan relinked between the best plan and another
elite plan (half their differences taken from the other), or, with one elite plan, from the
best plan with a few random shifts. The best feasible plan seen is returned. For facilities,
jobs move only among open agents and never empty one.

This numpy walk prices every move with array operations (about 1,000-2,000 iterations per
second on 20 x 100); `tabu_search` hands over to the compiled walk of `tabu_walk` /
`tabu_kernel` (the same moves and penalties, 10-30 times the iterations) once that is
compiled, and keeps this one for the first solves of a process whose kernel is still
compiling (`tabu_kernel.warm_up` compiles it in the background; numba caches the result).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from . import tabu_kernel
from .core import Core, is_feasible, opened, plan_cost
from .elite import Elite, TabuStats, Walk, restart_plan
from .tabu_walk import kernel_search

BIG = np.float64(1e18)
NUMPY_MAX_IDLE = 20000  # iterations without a better plan after which the numpy walk ends


def shift_deltas(C, W, cap, load, a, jobs, wt):
    """(cost delta, weighted overload delta, overload delta) of moving each job j of `jobs`
    to each other agent i: (m, len(jobs)) arrays, exact where i is not j's agent (the
    search masks those entries); agent i's overload counts `wt[i]` per unit."""
    ex = np.maximum(0, load - cap)
    aj = a[jobs]
    d_src = np.maximum(0, load[aj] - W[aj, jobs] - cap[aj]) - ex[aj]
    d_dst = np.maximum(0, load[:, None] + W[:, jobs] - cap[:, None]) - ex[:, None]
    dc = C[:, jobs] - C[aj, jobs][None, :]
    return dc, (wt[aj] * d_src)[None, :] + wt[:, None] * d_dst, d_src[None, :] + d_dst


def swap_deltas(C, W, cap, load, a, js, wt):
    """(cost delta, weighted overload delta, overload delta) of swapping the agents of jobs
    js (rows) with every job (columns): (len(js), n) arrays, exact where the two jobs have
    different agents (the search masks the others). Row gathers only: no 2-D fancy index."""
    ex = np.maximum(0, load - cap)
    n = a.size
    aj = a[js]
    own_c, own_w = C[a, np.arange(n)], W[a, np.arange(n)]
    cj_at_k = C[:, js][a].T  # job j (row) on job k's agent (column)
    wj_at_k = W[:, js][a].T
    ck_at_j, wk_at_j = C[aj], W[aj]  # job k (column) on job j's agent (row)
    new_aj = load[aj][:, None] - own_w[js][:, None] + wk_at_j
    new_ak = load[a][None, :] - own_w[None, :] + wj_at_k
    xj = np.maximum(0, new_aj - cap[aj][:, None]) - ex[aj][:, None]
    xk = np.maximum(0, new_ak - cap[a][None, :]) - ex[a][None, :]
    dc = cj_at_k + ck_at_j - own_c[js][:, None] - own_c[None, :]
    return dc, wt[aj][:, None] * xj + wt[a][None, :] * xk, xj + xk


def tabu_search(core: Core, arcs: np.ndarray, assign: np.ndarray, *, deadline: float,
                seed: int = 0, target: int | None = None, max_idle: int | None = None,
                swap_rows: int = 32, restart: int = 100, tenure: int = 3,
                alpha_rate: float = 1.1, should_stop: Callable[[], bool] | None = None,
                compiled: bool | None = None, walkers: int = 1,
                ) -> tuple[np.ndarray, TabuStats]:
    """Improve the complete feasible plan `assign` until `deadline` (perf_counter), a plan of
    cost <= `target`, or `max_idle` iterations without a better feasible plan (None: the
    numpy walk stops after `NUMPY_MAX_IDLE`, the compiled one does not). Returns the best
    feasible plan seen (never worse than `assign`). Moves use `arcs` only; every `restart`
    idle iterations the walk restarts from a relinked or kicked elite plan; a job moved off
    an agent stays off it for 3 to 3 + `tenure` iterations; weights change by `alpha_rate`.

    `compiled` None: the compiled walk (`tabu_kernel`, its own move counts, restart and
    tenure settings; `walkers` walks in threads) when it is compiled already, else this
    numpy walk; True / False force one (True waits for the compilation)."""
    if tabu_kernel.ready() if compiled is None else compiled:
        return kernel_search(core, arcs, assign, deadline=deadline, seed=seed, target=target,
                             max_idle=max_idle, should_stop=should_stop, walkers=walkers)
    rng = np.random.default_rng(seed)
    open_ = opened(core, assign) if core.facilities else np.ones(core.m, dtype=bool)
    usable = arcs & core.allowed & open_[:, None]
    C, W = core.C.astype(np.float64), core.W.astype(np.int64)
    walk = Walk.of(core, C, assign)
    best, best_cost = assign.copy(), plan_cost(core, assign)
    fixed = best_cost - walk.cost  # opening costs do not change: agents never open or close
    stats, elite = TabuStats(best=best_cost), Elite()
    elite.offer(best_cost, best)
    tabu = np.zeros((core.m, core.n), dtype=np.int64)
    base = max(1.0, float(np.abs(C[usable]).mean() / max(1.0, W[usable].mean())))
    wt = np.full(core.m, base)
    it, idle = 0, 0
    max_idle = NUMPY_MAX_IDLE if max_idle is None else max_idle
    while idle < max_idle and (target is None or best_cost > target):
        if it % 16 == 0 and (time.perf_counter() >= deadline or (
                should_stop is not None and should_stop())):
            break
        it += 1
        if not _move(core, C, W, usable, walk, tabu, it, wt, best_cost - fixed, rng,
                     swap_rows, tenure):
            break
        over = np.maximum(0, walk.load - core.cap)
        _adapt(wt, over, alpha_rate, base)
        if not over.any() and walk.cost + fixed < best_cost - 1e-9:
            best, best_cost = walk.a.copy(), int(round(walk.cost + fixed))
            elite.offer(best_cost, best)
            stats.improved += 1
            idle = 0
            continue
        idle += 1
        if restart and idle % restart == 0:
            if not over.any():
                elite.offer(int(round(walk.cost + fixed)), walk.a)
            walk = Walk.of(core, C, restart_plan(core, usable, elite, rng))
            tabu[:] = 0
            stats.restarts += 1
    stats.iterations, stats.best = it, best_cost
    if not is_feasible(core, best):  # cannot happen: only overload-free plans are kept
        raise RuntimeError("tabu search kept an infeasible plan")
    return best, stats


def _adapt(wt: np.ndarray, over: np.ndarray, rate: float, base: float) -> None:
    """Raise the weights of overloaded agents (more for more overload); when none is
    overloaded, lower every weight; weights stay within base x [1e-3, 1e6]."""
    if over.any():
        wt *= 1.0 + (rate - 1.0) * over / over.max()
    else:
        wt /= rate
    np.clip(wt, 1e-3 * base, 1e6 * base, out=wt)


def _swap_rows(walk: Walk, cap: np.ndarray, n: int, rows: int,
               rng: np.random.Generator) -> np.ndarray:
    """Jobs whose swaps are priced this iteration: all when few; while agents are
    overloaded, up to `rows` of the jobs on them (the swaps that can relieve them), else
    `rows` jobs at random."""
    if n <= rows:
        return np.arange(n)
    over = walk.load > cap
    if over.any():
        on = np.flatnonzero(over[walk.a])
        if on.size <= rows:
            return on
        return rng.choice(on, rows, replace=False)
    return rng.choice(n, rows, replace=False)


def _move(core: Core, C: np.ndarray, W: np.ndarray, usable: np.ndarray, walk: Walk,
          tabu: np.ndarray, it: int, wt: np.ndarray, best_arc_cost: float,
          rng: np.random.Generator, swap_rows: int, tenure: int) -> bool:
    """Make the best non-tabu shift or swap (a tabu one when it gives a feasible plan with
    arc cost below `best_arc_cost`), priced as cost + weighted overload; the moved jobs
    stay off their agents for 3 to 3 + `tenure` iterations. False when no move is
    allowed."""
    n, a, load, cap = core.n, walk.a, walk.load, core.cap
    jobs = np.arange(n)
    total_ex = int(np.maximum(0, load - cap).sum())
    dc, dw, dx = shift_deltas(C, W, cap, load, a, jobs, wt)
    ok = usable.copy()
    ok[a, jobs] = False
    if core.facilities:
        ok[:, walk.count[a] <= 1] = False
    asp = ((total_ex + dx) == 0) & (walk.cost + dc < best_arc_cost)
    val = np.where(ok & ((tabu <= it) | asp), dc + dw, BIG)
    s_flat = int(np.argmin(val))
    s_val = val.flat[s_flat]
    js = _swap_rows(walk, cap, n, swap_rows, rng)
    wc, ww, wx = swap_deltas(C, W, cap, load, a, js, wt)
    aj = a[js]
    wok = (aj[:, None] != a[None, :]) & usable[:, js][a].T & usable[aj]
    wfree = (tabu[:, js][a].T <= it) & (tabu[aj] <= it)
    wasp = ((total_ex + wx) == 0) & (walk.cost + wc < best_arc_cost)
    wval = np.where(wok & (wfree | wasp), wc + ww, BIG)
    w_flat = int(np.argmin(wval))
    if min(s_val, wval.flat[w_flat]) >= BIG:
        return False
    hold = int(rng.integers(3, 3 + tenure))
    if s_val <= wval.flat[w_flat]:
        i, j = divmod(s_flat, n)
        tabu[a[j], j] = it + hold
        walk.shift(C, W, j, i)
        return True
    r, k = divmod(w_flat, n)
    j = int(js[r])
    tabu[a[j], j] = it + hold
    tabu[a[k], k] = it + hold
    walk.swap(C, W, j, k)
    return True
