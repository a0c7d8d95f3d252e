"""The compiled tabu walk: exact bookkeeping, optima of small instances, deadlines, validity
by the independent GAP checker."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocator.engine import AssignmentProblem
from allocator.engine import tabu_kernel as kern
from allocator.engine.core import build_core, is_feasible, loads, opened, plan_cost
from allocator.engine.tabu import tabu_search
from allocator.engine.tabu_walk import kernel_search
from benchmarks.checkers import checker
from benchmarks.generate import type_d_gap
from benchmarks.published import default_data_dir
from tests.engine.gap_cases import feasible_plans, small_gap

DATA = default_data_dir()


def test_the_kernel_compiles_and_says_so():
    kern.warm_up(background=False)
    assert kern.ready()


def test_chunks_keep_loads_counts_and_cost_exact():
    """After every chunk the walked plan's loads, job counts and cost equal a fresh count,
    and the kept best plan is overload-free at the recorded cost."""
    core = build_core(small_gap(3, 4, 30, 0.7, "k"))
    C, W, cap = core.C.astype(np.int64), core.W.astype(np.int64), core.cap.astype(np.int64)
    rng = np.random.default_rng(3)
    a = rng.integers(0, core.m, size=core.n).astype(np.int64)
    load, count = loads(core, a), np.bincount(a, minlength=core.m).astype(np.int64)
    cost = int(C[a, np.arange(core.n)].sum())
    st = np.array([0, 0, cost, 10**12, 0, 10**12], dtype=np.int64)
    best, run = a.copy(), a.copy()
    tabu, wt = np.zeros((core.m, core.n), dtype=np.int64), np.ones(core.m)
    usable = np.ones((core.m, core.n), dtype=bool)
    for chunk in range(30):
        kern.walk_chunk(C, W, cap, usable, a, load, count, wt, tabu, best, run, st, 7, 0,
                        3, 5, 1.1, 1.1, 1e-3, 1e6, 0 if chunk % 2 else 10**6, 3, False, chunk)
        assert np.array_equal(load, loads(core, a))
        assert np.array_equal(count, np.bincount(a, minlength=core.m))
        assert st[kern.COST] == int(C[a, np.arange(core.n)].sum())
    assert st[kern.BEST] < 10**12, "a 0.7-tight instance has overload-free plans nearby"
    assert is_feasible(core, best)
    assert plan_cost(core, best) == st[kern.BEST]


@pytest.mark.parametrize("seed", range(5))
def test_the_kernel_reaches_the_optimum_from_the_worst_plan(seed):
    """Tight 3 x 9 instances: from the most expensive feasible plan to the brute-force
    optimum."""
    p = small_gap(seed, 3, 9, 0.85, "k")
    plans = feasible_plans(p)
    core = build_core(p)
    found, stats = kernel_search(core, core.allowed, np.array(plans[-1][1]),
                                 deadline=time.perf_counter() + 10, seed=seed,
                                 target=int(plans[0][0]))
    assert is_feasible(core, found)
    assert plan_cost(core, found) == plans[0][0], stats


def test_a_restricted_arc_set_is_kept():
    """Jobs move only along the given arcs (the plan's own included)."""
    p = small_gap(11, 4, 40, 0.8, "k")
    core = build_core(p)
    start = np.argmin(core.W, axis=0)
    core.cap[:] = np.maximum(core.cap, loads(core, start))
    arcs = np.random.default_rng(0).random((core.m, core.n)) < 0.5
    arcs[start, np.arange(core.n)] = True
    found, _ = kernel_search(core, arcs, start, deadline=time.perf_counter() + 0.3)
    assert arcs[found, np.arange(core.n)].all()
    assert plan_cost(core, found) <= plan_cost(core, start)


def test_the_deadline_is_kept_and_the_plan_never_worse():
    p = type_d_gap(20, 400, seed=5)
    core = build_core(p)
    start = np.argmin(core.W, axis=0)  # lightest agents: feasible with the caps raised
    core.cap[:] = np.maximum(core.cap, loads(core, start))
    kern.warm_up(background=False)
    for limit in (0.05, 0.4):
        t0 = time.perf_counter()
        found, stats = kernel_search(core, core.allowed, start, deadline=t0 + limit)
        assert time.perf_counter() - t0 < limit + 0.1
        assert stats.iterations > 0
        assert is_feasible(core, found)
        assert plan_cost(core, found) <= plan_cost(core, start)


def test_should_stop_ends_the_walk():
    core = build_core(type_d_gap(10, 200, seed=6))
    start = np.argmin(core.W, axis=0)
    core.cap[:] = np.maximum(core.cap, loads(core, start))
    t0 = time.perf_counter()
    kernel_search(core, core.allowed, start, deadline=t0 + 30,
                  should_stop=lambda: time.perf_counter() > t0 + 0.2)
    assert time.perf_counter() - t0 < 1.0


def test_facility_plans_keep_every_open_agent():
    """With facilities, jobs move among the open agents only and none is emptied."""
    rng = np.random.default_rng(2)
    m, n = 6, 40
    p = AssignmentProblem(cost=rng.integers(1, 50, size=(m, n)), weight=np.ones((m, n)),
                          capacity=np.full(m, 12), fixed_cost=np.full(m, 30), open_count=4)
    core = build_core(p)
    start = np.repeat(np.arange(4), 10)
    assert is_feasible(core, start)
    found, _ = kernel_search(core, core.allowed, start, deadline=time.perf_counter() + 0.3)
    assert is_feasible(core, found)
    assert np.array_equal(opened(core, found), opened(core, start))
    assert plan_cost(core, found) <= plan_cost(core, start)


@pytest.mark.skipif(not (DATA / "check_gap.py").is_file(),
                    reason=f"shared benchmark folder not found at {DATA}")
def test_the_independent_checker_agrees_on_a_type_d_plan():
    p = type_d_gap(10, 100, seed=7)
    core = build_core(p)
    start = np.argmin(core.W, axis=0)
    core.cap[:] = np.maximum(core.cap, loads(core, start))
    found, _ = tabu_search(core, core.allowed, start, deadline=time.perf_counter() + 0.5,
                           compiled=True)
    check = checker(DATA, "check_gap")
    inst = {"m": core.m, "n": core.n, "cost": core.C.tolist(), "weight": core.W.tolist(),
            "cap": core.cap.tolist()}
    out = check.evaluate(inst, [int(i) for i in found])
    assert out["feasible"], out["errors"]
    assert out["objective"] == plan_cost(core, found)
