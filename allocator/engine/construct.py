"""A complete plan from the relaxation: choose the open agents, round, fill, improve locally.

Facilities open the `open_count` agents the LP opens most (ties: LP job mass). Jobs then go
where the LP puts most of them while capacity lasts; the rest are placed greedily by regret
(the job that loses most by waiting goes first, to its cheapest agent with room). A local
search of single-job shifts and pairwise swaps then lowers the cost. Every function keeps a
plan within capacity; a job that fits nowhere stays at -1 for the caller to repair.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .core import Core, loads
from .relax import Relaxation

INF = np.iinfo(np.int64).max // 4
REGRET_WORK = 20_000_000  # cell updates the exact regret loop may spend


def choose_open(core: Core, rel: Relaxation) -> np.ndarray:
    """(m,) bool: agents to open; all agents when the problem has no facilities."""
    if not core.facilities:
        return np.ones(core.m, dtype=bool)
    mass = rel.x.sum(axis=1)
    order = np.lexsort((-mass, -np.round(rel.y, 6)))
    out = np.zeros(core.m, dtype=bool)
    if core.open_count is not None:
        out[order[: core.open_count]] = True
    else:
        out[rel.y > 0.5] = True
        if not out.any():
            out[order[0]] = True
    return out


def round_relaxation(core: Core, rel: Relaxation, arcs: np.ndarray,
                     open_: np.ndarray) -> np.ndarray:
    """Each job to the open agent holding most of it in the LP, largest shares first, while
    capacity lasts; jobs that do not fit are left at -1."""
    usable = arcs & core.allowed & open_[:, None]
    x = np.where(usable, rel.x, -1.0)
    best = np.argmax(x, axis=0)
    share = x[best, np.arange(core.n)]
    assign = np.full(core.n, -1, dtype=np.int64)
    room = core.cap.copy()
    for j in np.argsort(-share, kind="stable"):
        i = best[j]
        if share[j] <= 1e-9:
            break
        if core.W[i, j] <= room[i]:
            assign[j] = i
            room[i] -= core.W[i, j]
    return assign


def greedy_fill(core: Core, assign: np.ndarray, arcs: np.ndarray, open_: np.ndarray,
                score: np.ndarray | None = None, deadline: float = math.inf) -> np.ndarray:
    """Place the unplaced jobs by regret, each at its best open agent with room by `score`
    (lower is better; default the cost). Jobs with no agent left stay at -1. Regrets are
    recomputed after every placement while that costs at most `REGRET_WORK` cell updates
    in all and `deadline` (perf_counter) has not passed; otherwise the remaining jobs go
    in the order of their regrets at that moment."""
    assign = assign.copy()
    score = core.C if score is None else score
    usable = arcs & core.allowed & open_[:, None]
    room = core.cap - loads(core, assign)
    todo = np.flatnonzero(assign < 0)
    if len(todo) * len(todo) * core.m > REGRET_WORK:
        return _fill_in_order(core, assign, usable, room, todo, score)
    while len(todo):
        if len(todo) % 64 == 0 and time.perf_counter() > deadline:
            return _fill_in_order(core, assign, usable, room, todo, score)
        fits = usable[:, todo] & (core.W[:, todo] <= room[:, None])
        c = np.where(fits, score[:, todo], INF)
        two = np.partition(c, 1, axis=0)[:2] if core.m > 1 else np.vstack([c, c])
        regret = np.where(two[0] >= INF, -1, two[1] - two[0])
        pick = int(np.argmax(regret))
        if two[0, pick] >= INF:
            todo = np.delete(todo, pick)  # fits nowhere now
            continue
        j = todo[pick]
        i = int(np.argmin(c[:, pick]))
        assign[j] = i
        room[i] -= core.W[i, j]
        todo = np.delete(todo, pick)
    return assign


def _fill_in_order(core: Core, assign: np.ndarray, usable: np.ndarray, room: np.ndarray,
                   todo: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Jobs by their regret at the start (largest first), each to its best agent with room."""
    c = np.where(usable[:, todo], score[:, todo], INF)
    two = np.partition(c, 1, axis=0)[:2] if core.m > 1 else np.vstack([c, c])
    regret = np.where(two[0] >= INF, -1, two[1] - two[0])
    for j in todo[np.argsort(-regret, kind="stable")]:
        ok = usable[:, j] & (core.W[:, j] <= room)
        if not ok.any():
            continue
        i = int(np.argmin(np.where(ok, score[:, j], INF)))
        assign[j] = i
        room[i] -= core.W[i, j]
    return assign


def fill_empty_open(core: Core, assign: np.ndarray, arcs: np.ndarray,
                    open_: np.ndarray) -> np.ndarray:
    """Give every open agent without a job its cheapest movable job (from an agent keeping
    at least one), so the open agents are exactly the used ones."""
    if not core.facilities:
        return assign
    assign = assign.copy()
    jobs = np.arange(core.n)
    for i in np.flatnonzero(open_):
        count = np.bincount(assign[assign >= 0], minlength=core.m)
        if count[i] > 0:
            continue
        room = core.cap[i] - loads(core, assign)[i]
        ok = (arcs[i] & core.allowed[i] & (core.W[i] <= room)
              & ((assign < 0) | (count[np.maximum(assign, 0)] > 1)))
        if not ok.any():
            continue
        cur = np.where(assign >= 0, core.C[np.maximum(assign, 0), jobs], 0)
        delta = np.where(ok, core.C[i] - cur, INF)
        assign[int(np.argmin(delta))] = i
    return assign


def local_search(core: Core, assign: np.ndarray, arcs: np.ndarray, open_: np.ndarray,
                 max_passes: int = 30, deadline: float = math.inf) -> np.ndarray:
    """Best-improvement shifts and swaps until none lowers the cost or `deadline`
    (perf_counter, checked every 32 jobs); never breaks capacity, never empties an open
    agent. Unplaced jobs are left as they are."""
    assign = assign.copy()
    usable = arcs & core.allowed & open_[:, None]
    W, C = core.W, core.C
    room = core.cap - loads(core, assign)
    count = np.bincount(assign[assign >= 0], minlength=core.m)
    placed = np.flatnonzero(assign >= 0)
    for _ in range(max_passes):
        improved = False
        for t, j in enumerate(placed):
            if t % 32 == 0 and time.perf_counter() > deadline:
                return assign
            a = assign[j]
            # shift j to another agent
            can = usable[:, j] & (W[:, j] <= room)
            can[a] = False
            if core.facilities and count[a] <= 1:
                can[:] = False
            if can.any():
                delta = np.where(can, C[:, j] - C[a, j], INF)
                i = int(np.argmin(delta))
                if delta[i] < 0:
                    assign[j] = i
                    room[a] += W[a, j]
                    room[i] -= W[i, j]
                    count[a] -= 1
                    count[i] += 1
                    improved = True
                    continue
            # swap j with a job k on another agent b
            k_all = placed[assign[placed] != a]
            if len(k_all) == 0:
                continue
            b = assign[k_all]
            ok = (usable[b, j] & usable[a, k_all]
                  & (W[b, j] - W[b, k_all] <= room[b])
                  & (W[a, k_all] - W[a, j] <= room[a]))
            if not ok.any():
                continue
            delta = np.where(ok, C[b, j] + C[a, k_all] - C[a, j] - C[b, k_all], INF)
            t = int(np.argmin(delta))
            if delta[t] < 0:
                k, bb = int(k_all[t]), int(b[t])
                room[a] += W[a, j] - W[a, k]
                room[bb] += W[bb, k] - W[bb, j]
                assign[j], assign[k] = bb, a
                improved = True
        if not improved:
            break
    return assign


def construct_plan(core: Core, rel: Relaxation, arcs: np.ndarray,
                   deadline: float = math.inf) -> np.ndarray:
    """Round, fill and improve: an agent per job within capacity (-1 where none fits).

    Tries the LP rounding completed by cost, and greedy constructions from scratch by cost,
    by weight relative to capacity and by reduced cost; keeps the plan placing most jobs,
    then the cheapest, after local search. After `deadline` (perf_counter) no further start
    is tried once one plan places every job, and local search stops where it is."""
    open_ = choose_open(core, rel)
    empty = np.full(core.n, -1, dtype=np.int64)
    rel_w = core.W / np.maximum(core.cap, 1)[:, None]
    scale = float(np.abs(core.C).max() + 1)
    starts = [(lambda: round_relaxation(core, rel, arcs, open_), None),
              (lambda: empty, None),
              (lambda: empty, (rel_w * scale + core.C / scale)),
              (lambda: empty, np.where(np.isfinite(rel.rc), rel.rc, INF))]
    best, best_key = empty, (core.n + 1, 0)
    for start, score in starts:
        if best_key[0] == 0 and time.perf_counter() > deadline:
            break
        assign = greedy_fill(core, start(), arcs, open_, score, deadline)
        assign = fill_empty_open(core, assign, arcs, open_)
        assign = local_search(core, assign, arcs, open_, deadline=deadline)
        placed = assign >= 0
        key = (int((~placed).sum()), int(core.C[assign[placed], np.flatnonzero(placed)].sum()))
        if key < best_key:
            best, best_key = assign, key
    return best


def plan_from_knapsacks(core: Core, take: np.ndarray, chosen: np.ndarray,
                        arcs: np.ndarray, deadline: float = math.inf) -> np.ndarray:
    """A plan from Lagrangian knapsack solutions: each job to the cheapest open agent whose
    knapsack took it, the rest placed greedily (-1 where none fits). Within capacity, since
    each knapsack is."""
    open_ = chosen if core.facilities else np.ones(core.m, dtype=bool)
    t = take & open_[:, None] & core.allowed
    c = np.where(t, core.C, INF)
    assign = np.where(t.any(axis=0), np.argmin(c, axis=0), -1).astype(np.int64)
    assign = greedy_fill(core, assign, arcs | t, open_, deadline=deadline)
    return fill_empty_open(core, assign, arcs | t, open_)
