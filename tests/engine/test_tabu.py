"""The tabu search: delta bookkeeping against full re-evaluation, optimum from a poor start."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.engine.core import build_core, is_feasible, loads, plan_cost
from allocator.engine.tabu import Walk, shift_deltas, swap_deltas, tabu_search
from tests.engine.gap_cases import feasible_plans, small_gap


def _overload(core, a) -> int:
    return int(np.maximum(0, loads(core, a) - core.cap).sum())


def _cost(core, a) -> float:
    return float(core.C[a, np.arange(core.n)].sum())


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(2, 5), n=st.integers(2, 12),
       moves=st.lists(st.tuples(st.booleans(), st.integers(0, 10_000), st.integers(0, 10_000)),
                      min_size=1, max_size=25))
def test_deltas_and_walk_match_full_re_evaluation(seed, m, n, moves):
    core = build_core(small_gap(seed, m, n, 0.6))
    rng = np.random.default_rng(seed)
    walk = Walk.of(core, core.C.astype(float), rng.integers(0, m, size=n))
    C, W = core.C.astype(float), core.W.astype(np.int64)
    wt = rng.uniform(0.5, 3.0, size=m)
    jobs = np.arange(n)
    for is_shift, x, y in moves:
        a0, cost0, over0 = walk.a.copy(), _cost(core, walk.a), _overload(core, walk.a)
        ex0 = np.maximum(0, loads(core, a0) - core.cap)
        if is_shift:
            j, i = x % n, y % m
            if i == walk.a[j]:  # not a move: the search never prices it
                continue
            dc, dw, dx = shift_deltas(C, W, core.cap, walk.load, walk.a, jobs, wt)
            walk.shift(C, W, j, i)
            got = (dc[i, j], dw[i, j], dx[i, j])
        else:
            j, k = x % n, y % n
            if walk.a[j] == walk.a[k]:  # not a move: the search never prices it
                continue
            dc, dw, dx = swap_deltas(C, W, core.cap, walk.load, walk.a, jobs, wt)
            walk.swap(C, W, j, k)
            got = (dc[j, k], dw[j, k], dx[j, k])
        ex1 = np.maximum(0, loads(core, walk.a) - core.cap)
        assert got[0] == _cost(core, walk.a) - cost0
        assert got[2] == _overload(core, walk.a) - over0
        assert np.isclose(got[1], float((wt * (ex1 - ex0)).sum()))
        fresh = Walk.of(core, C, walk.a)
        assert np.array_equal(fresh.load, walk.load)
        assert np.array_equal(fresh.count, walk.count)
        assert np.isclose(fresh.cost, walk.cost)


def test_tabu_reaches_the_optimum_from_the_worst_plan():
    """Tight 3 x 9 instances: from the most expensive feasible plan to the brute-force
    optimum, moves through overloaded plans allowed."""
    for seed in range(4):
        p = small_gap(seed, 3, 9, 0.85)
        plans = feasible_plans(p)
        assert plans, "the instance must have a feasible plan"
        core = build_core(p)
        worst = np.array(plans[-1][1])
        found, stats = tabu_search(core, core.allowed, worst,
                                   deadline=time.perf_counter() + 20, seed=seed,
                                   max_idle=3000)
        assert is_feasible(core, found)
        assert plan_cost(core, found) == plans[0][0], (seed, stats)
        assert stats.improved >= 1


def test_tabu_never_returns_a_worse_plan_and_keeps_its_deadline():
    p = small_gap(5, 10, 120, 0.8)
    core = build_core(p)
    # a feasible start: each job on its lightest agent, capacities loose enough by design
    start = np.argmin(core.W, axis=0)
    if not is_feasible(core, start):
        core.cap[:] = loads(core, start).max()
    t0 = time.perf_counter()
    found, _ = tabu_search(core, core.allowed, start, deadline=t0 + 0.5)
    assert time.perf_counter() - t0 < 1.5
    assert is_feasible(core, found)
    assert plan_cost(core, found) <= plan_cost(core, start)
