"""The compiled inner loop of the tabu search (numba): shifts and swaps priced incrementally.

`walk_chunk` runs up to a given number of iterations of the adaptive-penalty tabu walk of
`tabu` (same moves, same penalties, same tabu rule) on plain arrays and returns; the caller
checks the clock between chunks, so a chunk must stay short (the driver sizes it to a few
milliseconds). Each iteration prices every shift (job to another usable agent) and the swaps
of every pair of jobs on different agents when there are at most `full_pairs` pairs, else the
swaps of `swap_rows` jobs (jobs on overloaded agents while there are any) with every job. A
move is priced as arc cost change plus the weighted change of overload, where agent i's
overload counts `wt[i]` per unit; ties are broken at random. The walk state (plan, loads, job
counts, penalty weights, tabu table) lives in the caller's arrays and is updated in place,
so consecutive chunks continue one walk.

Compiled with `cache=True` (the machine code is kept beside this file, or in numba's user
cache when this folder is read-only) and `nogil=True` (CP-SAT's thread keeps running).
`warm_up` compiles in a background thread; `ready()` says whether a call will not compile.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .compiled import Warm

# st (int64 state array) slots
IT, IDLE, COST, BEST, IMPROVED, RUN_BEST = range(6)
# reasons a chunk returns
DONE, RESTART, STUCK = 0, 1, 2


@njit(cache=True, nogil=True)
def _adapt(wt, load, cap, rate, down, lo, hi):
    """Raise the weights of overloaded agents (more for more overload); when none is
    overloaded, divide every weight by `down`; weights stay within [lo, hi]. True when
    overloaded."""
    m = load.size
    worst = 0
    for i in range(m):
        if load[i] - cap[i] > worst:
            worst = load[i] - cap[i]
    for i in range(m):
        if worst > 0:
            if load[i] > cap[i]:
                wt[i] *= 1.0 + (rate - 1.0) * (load[i] - cap[i]) / worst
        else:
            wt[i] /= down
        wt[i] = min(hi, max(lo, wt[i]))
    return worst > 0


@njit(cache=True, nogil=True)
def _swap_rows(a, load, cap, rows):
    """Jobs whose swaps are priced: up to `rows` jobs on overloaded agents (reservoir
    sampled) when any agent is overloaded, else `rows` jobs drawn at random."""
    n = a.size
    out = np.empty(rows, dtype=np.int64)
    seen = 0
    for j in range(n):
        if load[a[j]] > cap[a[j]]:
            if seen < rows:
                out[seen] = j
            else:
                r = np.random.randint(0, seen + 1)
                if r < rows:
                    out[r] = j
            seen += 1
    if seen > 0:
        return out[:min(seen, rows)]
    for r in range(rows):
        out[r] = np.random.randint(0, n)
    return out


@njit(cache=True, nogil=True)
def _price_swap(C, W, cap, load, ex, wt, tabu, a, j, k, it, tex, cost, best, bv):
    """Penalised value of swapping the agents of jobs j and k (inf when tabu and not
    aspirated); `bv` is unused except to skip obviously worse swaps cheaply."""
    p = a[j]
    q = a[k]
    dc = C[q, j] + C[p, k] - C[p, j] - C[q, k]
    np_ = load[p] - W[p, j] + W[p, k]
    nq = load[q] - W[q, k] + W[q, j]
    xp = max(0, np_ - cap[p]) - ex[p]
    xq = max(0, nq - cap[q]) - ex[q]
    v = dc + wt[p] * xp + wt[q] * xq
    if v > bv:
        return v
    if tabu[q, j] > it or tabu[p, k] > it:
        if not (tex + xp + xq == 0 and cost + dc < best):
            return np.inf
    return v


@njit(cache=True, nogil=True)
def _best_shift(C, W, cap, usable, a, load, count, ex, wt, tabu, it, tex, cost, best,
                facilities):
    """(value, job, agent) of the best allowed shift (ties at random); job -1 when none."""
    m, n = C.shape
    bv, bj, bi, ties = np.inf, -1, -1, 0
    for j in range(n):
        p = a[j]
        if facilities and count[p] <= 1:
            continue
        dsrc = max(0, load[p] - W[p, j] - cap[p]) - ex[p]
        vsrc = wt[p] * dsrc
        for i in range(m):
            if i == p or not usable[i, j]:
                continue
            ddst = max(0, load[i] + W[i, j] - cap[i]) - ex[i]
            dc = C[i, j] - C[p, j]
            v = dc + vsrc + wt[i] * ddst
            if v > bv:
                continue
            if tabu[i, j] > it and not (tex + dsrc + ddst == 0 and cost + dc < best):
                continue
            if v < bv:
                bv, bj, bi, ties = v, j, i, 1
            else:
                ties += 1
                if np.random.randint(0, ties) == 0:
                    bj, bi = j, i
    return bv, bj, bi


@njit(cache=True, nogil=True)
def _best_swap(C, W, cap, usable, a, load, ex, wt, tabu, it, tex, cost, best, full,
               swap_rows, bound):
    """(value, job, job) of the best allowed swap among every pair (`full`) or the rows of
    `_swap_rows` against every job, if one is worth at most `bound` (the best shift's
    value, which counts as one of the ties drawn from at random); jobs -1 when none."""
    n = a.size
    rows = np.arange(n) if full else _swap_rows(a, load, cap, swap_rows)
    bv, bj, bk, ties = bound, -1, -1, 1 if bound < np.inf else 0
    for j in rows:
        for k in range(j + 1 if full else 0, n):
            if a[j] == a[k] or not usable[a[k], j] or not usable[a[j], k]:
                continue
            v = _price_swap(C, W, cap, load, ex, wt, tabu, a, j, k, it, tex, cost, best, bv)
            if v < bv:
                bv, bj, bk, ties = v, j, k, 1
            elif v == bv and v < np.inf:
                ties += 1
                if np.random.randint(0, ties) == 0:
                    bj, bk = j, k
    return bv, bj, bk


@njit(cache=True, nogil=True)
def _make_move(C, W, a, load, count, tabu, until, swap, j, k):
    """Shift job j to agent k, or (`swap`) exchange the agents of jobs j and k; the moved
    jobs may not return before iteration `until`. Returns the arc cost change."""
    p = a[j]
    tabu[p, j] = until
    if not swap:
        load[p] -= W[p, j]
        load[k] += W[k, j]
        count[p] -= 1
        count[k] += 1
        a[j] = k
        return C[k, j] - C[p, j]
    q = a[k]
    tabu[q, k] = until
    load[p] += W[p, k] - W[p, j]
    load[q] += W[q, j] - W[q, k]
    a[j] = q
    a[k] = p
    return C[q, j] + C[p, k] - C[p, j] - C[q, k]


@njit(cache=True, nogil=True)
def walk_chunk(C, W, cap, usable, a, load, count, wt, tabu, best_a, run_a, st, iters,
               restart, tenure_lo, tenure_hi, rate, down, lo, hi, full_pairs, swap_rows,
               facilities, seed):
    """Run up to `iters` iterations of the walk; returns DONE, RESTART (after `restart`
    idle iterations in a row; 0: never) or STUCK (no allowed move). Guarantees: `a`,
    `load`, `count` and st[COST] stay exact for the plan walked; `best_a` / st[BEST] hold
    the cheapest overload-free plan seen (arc cost), `run_a` / st[RUN_BEST] the cheapest
    since the last reset of st[RUN_BEST]; with `facilities` no agent is ever emptied."""
    np.random.seed(seed)
    m, n = C.shape
    ex = np.zeros(m, dtype=np.int64)
    it, idle, cost, best = st[IT], st[IDLE], st[COST], st[BEST]
    full = n * (n - 1) // 2 <= full_pairs
    why = DONE
    for _ in range(iters):
        it += 1
        tex = 0
        for i in range(m):
            ex[i] = max(0, load[i] - cap[i])
            tex += ex[i]
        sv, sj, si = _best_shift(C, W, cap, usable, a, load, count, ex, wt, tabu, it, tex,
                                 cost, best, facilities)
        wv, wj, wk = _best_swap(C, W, cap, usable, a, load, ex, wt, tabu, it, tex, cost,
                                best, full, swap_rows, sv)
        if sj < 0 and wj < 0:
            why = STUCK
            break
        swap = wj >= 0
        until = it + np.random.randint(tenure_lo, tenure_hi + 1)
        cost += _make_move(C, W, a, load, count, tabu, until, swap, wj if swap else sj,
                           wk if swap else si)
        over = _adapt(wt, load, cap, rate, down, lo, hi)
        if not over and cost < st[RUN_BEST]:
            st[RUN_BEST] = cost
            run_a[:] = a
        if not over and cost < best:
            best = cost
            best_a[:] = a
            st[IMPROVED] += 1
            idle = 0
            continue
        idle += 1
        if restart > 0 and idle % restart == 0:
            why = RESTART
            break
    st[IT], st[IDLE], st[COST], st[BEST] = it, idle, cost, best
    return why


def _compile() -> None:
    """Compile (or load from the cache) `walk_chunk` by running it on a 2 x 3 instance."""
    C = np.array([[1, 2, 3], [3, 2, 1]], dtype=np.int64)
    W = np.ones((2, 3), dtype=np.int64)
    cap = np.array([2, 2], dtype=np.int64)
    usable = np.ones((2, 3), dtype=np.bool_)
    a = np.array([0, 0, 1], dtype=np.int64)
    load = np.array([2, 1], dtype=np.int64)
    count = np.array([2, 1], dtype=np.int64)
    st = np.array([0, 0, 6, 6, 0, 6], dtype=np.int64)
    walk_chunk(C, W, cap, usable, a, load, count, np.ones(2), np.zeros((2, 3), np.int64),
               a.copy(), a.copy(), st, 4, 0, 1, 2, 1.1, 1.1, 1e-3, 1e6, 100, 4, False, 0)


_warm = Warm(_compile)
warm_up = _warm.warm_up  # compile in the background (or wait, background=False)
ready = _warm.ready  # whether a call runs without compiling
