"""The compiled inner loop of the warm start's repair (numba): single-unit moves out of
schools with a penalty, priced by each school's exact elastic penalty.

`school_cost` is `rules.classes.load_penalty` on plain arrays (the classes per grade that
minimise the penalties: whole classes, then greedy drops while a drop costs less than a
room; the cost of dropping a class in a grade is convex, so greedy is optimal); a test holds
the two equal on random loads. `move_units` is one stretch of `repair.improve_plan`'s pass:
the same movers in the same order, the same best-improving move, the same loads updated in
place. Compiled with `cache=True` and `nogil=True`; `warm_up` compiles in the background
(`engine.compiled.Warm`) and `repair` uses the Python loop until `ready()`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from allocator.engine.compiled import Warm


@njit(cache=True, nogil=True)
def _drop_classes(P, cap, c, lo, hi, rooms, w_over, w_room):
    """Drop classes among grades lo..hi-1 (in place) down to `rooms` while a drop costs
    less than a room; returns the classes left beyond the rooms."""
    tot = 0
    for g in range(lo, hi):
        tot += c[g]
    excess = tot - rooms
    while excess > 0:
        best, best_cost = -1, w_room
        for g in range(lo, hi):
            if c[g] > 1:
                d = (max(0, P[g] - cap[g] * (c[g] - 1)) - max(0, P[g] - cap[g] * c[g])) * w_over
                if d < best_cost:
                    best, best_cost = g, d
        if best < 0:
            break
        c[best] -= 1
        excess -= 1
        tot -= 1
    return max(0, tot - rooms)


@njit(cache=True, nogil=True)
def school_cost(P, boarders, cap, rooms, r0, r1, size_cap, beds, w):
    """Elastic penalty of a school holding pupils P (9 grades) and `boarders`; `r0` >= 0:
    classrooms per level (r0 primary, r1 junior), else `rooms` shared; w = (class size,
    classrooms, school size, beds) prices."""
    c = np.empty(9, dtype=np.int64)
    for g in range(9):
        c[g] = -(-P[g] // cap[g])
    if r0 >= 0:
        extra = (_drop_classes(P, cap, c, 0, 6, r0, w[0], w[1])
                 + _drop_classes(P, cap, c, 6, 9, r1, w[0], w[1]))
    else:
        extra = _drop_classes(P, cap, c, 0, 9, rooms, w[0], w[1])
    over = 0
    total = 0
    for g in range(9):
        over += max(0, P[g] - cap[g] * c[g])
        total += P[g]
    return (w[0] * over + w[1] * extra + w[2] * max(0, total - size_cap)
            + w[3] * max(0, boarders - beds))


@njit(cache=True, nogil=True)
def move_units(movers, choice, P, Bd, pen, start, a_school, a_cost, a_bd, pupils, cap,
               rooms, rl, size_cap, beds, w):
    """Move each unit of `movers` in turn (while its school has a penalty) to its candidate
    arc that lowers the objective most, if any; `choice`, P, Bd and pen are updated in
    place. Returns whether any unit moved."""
    moved = False
    Pj = np.empty(9, dtype=np.int64)
    Pk = np.empty(9, dtype=np.int64)
    for u in movers:
        a = choice[u]
        j = a_school[a]
        if pen[j] == 0:
            continue
        for g in range(9):
            Pj[g] = P[j, g] - pupils[u, g]
        cost_j = school_cost(Pj, Bd[j] - a_bd[a], cap, rooms[j], rl[j, 0], rl[j, 1],
                             size_cap[j], beds[j], w)
        best_delta, best, best_cost_k = 0, -1, 0
        for b in range(start[u], start[u + 1]):
            k = a_school[b]
            if k == j:
                continue
            for g in range(9):
                Pk[g] = P[k, g] + pupils[u, g]
            cost_k = school_cost(Pk, Bd[k] + a_bd[b], cap, rooms[k], rl[k, 0], rl[k, 1],
                                 size_cap[k], beds[k], w)
            delta = a_cost[b] - a_cost[a] + cost_j - pen[j] + cost_k - pen[k]
            if delta < best_delta:
                best_delta, best, best_cost_k = delta, b, cost_k
        if best >= 0:
            k = a_school[best]
            for g in range(9):
                P[j, g] -= pupils[u, g]
                P[k, g] += pupils[u, g]
            Bd[j] -= a_bd[a]
            Bd[k] += a_bd[best]
            pen[j] = cost_j
            pen[k] = best_cost_k
            choice[u] = best
            moved = True
    return moved


def _compile() -> None:
    """Compile (or load from the cache) both kernels on a one-unit, two-school instance."""
    i = np.zeros(1, dtype=np.int64)
    P = np.zeros((2, 9), dtype=np.int64)
    two = np.zeros(2, dtype=np.int64)
    move_units(i, i.copy(), P, two.copy(), np.ones(2, dtype=np.int64),
               np.array([0, 2], dtype=np.int64), np.array([0, 1], dtype=np.int64), two.copy(),
               two.copy(), np.ones((1, 9), dtype=np.int64), np.full(9, 45, dtype=np.int64),
               np.ones(2, dtype=np.int64), np.full((2, 2), -1, dtype=np.int64),
               np.full(2, 2000, dtype=np.int64), two.copy(), np.ones(4, dtype=np.int64))


_warm = Warm(_compile)
warm_up = _warm.warm_up  # compile in the background (or wait, background=False)
ready = _warm.ready  # whether a call runs without compiling
