"""The compiled tabu walk, driven from Python in short chunks that keep the deadline.

`kernel_search` runs `tabu_kernel.walk_chunk` (shifts and swaps with adaptive overload
penalties, compiled) in chunks sized to about `CHUNK_S` seconds of work, reading the clock,
`should_stop()` and the target between chunks; restarts (from a plan relinked between two
elite plans, or the best plan kicked) and the elite plans are kept here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import tabu_kernel as kern
from .core import Core, is_feasible, opened, plan_cost
from .elite import Elite, TabuStats, Walk, restart_plan

CHUNK_S = 0.005  # seconds of walking between clock checks
FULL_PAIRS = 400  # up to this many job pairs every swap is priced each iteration
SWAP_ROWS = 48  # else the swaps of this many jobs (on overloaded agents first)
RESTART = 50  # idle iterations before a restart
TENURE = (3, 5)  # a job moved off an agent stays off it this many iterations (drawn)
RATE = 1.1  # penalty weights change by this factor per iteration


@dataclass(frozen=True)
class WalkSettings:
    """How the compiled walk moves (see `tabu_kernel.walk_chunk`)."""

    restart: int = RESTART
    tenure: tuple[int, int] = TENURE
    rate: float = RATE  # overloaded agents' weights rise by up to this factor
    down: float = RATE  # every weight falls by this factor while the plan is feasible
    full_pairs: int = FULL_PAIRS
    swap_rows: int = SWAP_ROWS


def kernel_search(core: Core, arcs: np.ndarray, assign: np.ndarray, *, deadline: float,
                  seed: int = 0, target: int | None = None, max_idle: int | None = None,
                  should_stop: Callable[[], bool] | None = None, walkers: int = 1,
                  settings: WalkSettings = WalkSettings()) -> tuple[np.ndarray, TabuStats]:
    """Improve the complete feasible plan `assign` over `arcs` until `deadline`
    (perf_counter; overrun at most one chunk, about `CHUNK_S`), a plan of cost <= `target`,
    `max_idle` iterations without a better plan or `should_stop()`. Returns the best
    feasible plan seen, never worse than `assign`. `walkers` > 1 walks that many
    independent walks (seeds differ) in threads, the kernel releasing the GIL; the first
    to reach `target` stops the others. Compiles the kernel first when needed."""
    kern.warm_up(background=False)
    open_ = opened(core, assign) if core.facilities else np.ones(core.m, dtype=bool)
    usable = np.ascontiguousarray(arcs & core.allowed & open_[:, None])
    done = threading.Event()

    def stop() -> bool:
        return done.is_set() or (should_stop is not None and should_stop())

    def walk(k: int, box: list) -> None:
        box.append(_walk(core, usable, assign, deadline, seed + 7919 * k, target, max_idle,
                         stop, settings))
        if target is not None and box[-1][1].best <= target:
            done.set()

    boxes: list[list] = [[] for _ in range(max(1, walkers))]
    threads = [threading.Thread(target=walk, args=(k, boxes[k]), daemon=True)
               for k in range(1, len(boxes))]
    for t in threads:
        t.start()
    walk(0, boxes[0])
    for t in threads:
        t.join()
    found = [b[0] for b in boxes if b]
    best, stats = min(found, key=lambda r: r[1].best)
    stats = TabuStats(iterations=sum(r[1].iterations for r in found),
                      improved=sum(r[1].improved for r in found), best=stats.best,
                      restarts=sum(r[1].restarts for r in found))
    return best, stats


def _walk(core: Core, usable: np.ndarray, assign: np.ndarray, deadline: float, seed: int,
          target: int | None, max_idle: int | None, should_stop: Callable[[], bool],
          ws: WalkSettings) -> tuple[np.ndarray, TabuStats]:
    """One walk of `kernel_search` (same guarantees)."""
    rng = np.random.default_rng(seed)
    m, n = core.m, core.n
    C = np.ascontiguousarray(core.C, dtype=np.int64)
    W = np.ascontiguousarray(core.W, dtype=np.int64)
    cap = np.ascontiguousarray(core.cap, dtype=np.int64)
    walk = Walk.of(core, C, assign)
    best_cost = plan_cost(core, assign)
    fixed = best_cost - int(walk.cost)  # opening costs do not change: agents never open or close
    elite, stats = Elite(), TabuStats(best=best_cost)
    elite.offer(best_cost, assign)
    best_a = walk.a.copy()
    st = np.array([0, 0, int(walk.cost), int(walk.cost), 0, np.iinfo(np.int64).max], dtype=np.int64)
    run_a = walk.a.copy()
    tabu = np.zeros((m, n), dtype=np.int64)
    base = max(1.0, float(np.abs(C[usable]).mean() / max(1.0, W[usable].mean())))
    wt = np.full(m, base)
    chunk, improved = 16, 0
    while True:
        now = time.perf_counter()
        if now >= deadline or should_stop():
            break
        if (target is not None and st[kern.BEST] + fixed <= target) or (
                max_idle is not None and st[kern.IDLE] >= max_idle):
            break
        why = kern.walk_chunk(C, W, cap, usable, walk.a, walk.load, walk.count, wt, tabu,
                              best_a, run_a, st, chunk, ws.restart, ws.tenure[0],
                              ws.tenure[1], ws.rate, ws.down, 1e-3 * base, 1e6 * base,
                              ws.full_pairs, ws.swap_rows, core.facilities,
                              int(rng.integers(1 << 31)))
        spent = time.perf_counter() - now
        per_it = spent / max(1, chunk)
        chunk = int(min(max(8, CHUNK_S / max(per_it, 1e-9)), 1 << 20))
        if st[kern.IMPROVED] > improved:
            improved = int(st[kern.IMPROVED])
            elite.offer(int(st[kern.BEST] + fixed), best_a)
        if why == kern.STUCK:
            break
        if why == kern.RESTART:
            if st[kern.RUN_BEST] < np.iinfo(np.int64).max:
                elite.offer(int(st[kern.RUN_BEST] + fixed), run_a)
            walk = Walk.of(core, C, restart_plan(core, usable, elite, rng))
            st[kern.COST] = int(walk.cost)
            st[kern.RUN_BEST] = np.iinfo(np.int64).max
            tabu[:] = 0
            stats.restarts += 1
    best = best_a if st[kern.BEST] + fixed < best_cost else assign.copy()
    stats.iterations, stats.improved = int(st[kern.IT]), improved
    stats.best = plan_cost(core, best)
    if not is_feasible(core, best):  # cannot happen: only overload-free plans are kept
        raise RuntimeError("the compiled tabu search kept an infeasible plan")
    return best, stats

