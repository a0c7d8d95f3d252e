"""Bounded memory and kept time limits: knapsacks at any size, the LP's fallback, overruns."""

from __future__ import annotations

import itertools
import random
import time

import numpy as np
import pytest

from allocator.engine import evaluate, solve_assignment
from allocator.engine.core import build_core
from allocator.engine.knapsack import best_knapsack, dantzig_knapsack, dp_knapsack
from allocator.engine.relax import cheapest_bound, relax
from benchmarks.generate import random_pmedian, type_d_gap


def brute_knapsack(p: np.ndarray, w: np.ndarray, cap: int) -> int:
    best = 0
    for take in itertools.product((0, 1), repeat=len(p)):
        t = np.array(take, dtype=bool)
        if w[t].sum() <= cap:
            best = max(best, int(p[t].sum()))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_knapsacks_exact_and_bounded_agree_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    p = rng.integers(1, 50, 10)
    w = rng.integers(0, 20, 10)
    cap = int(rng.integers(5, 60))
    opt = brute_knapsack(p, w, cap)
    val, took = dp_knapsack(p, w, cap)
    assert val == opt and int(p[took].sum()) == opt and int(w[took].sum()) <= cap
    ub, greedy = dantzig_knapsack(p, w, cap)
    assert ub >= opt and int(w[greedy].sum()) <= cap and int(p[greedy].sum()) <= opt
    val, took, exact = best_knapsack(p, w, cap, exact_cells=0)
    assert not exact and val >= opt and int(w[took].sum()) <= cap


def test_dantzig_bound_on_a_known_knapsack():
    # ratios 6, 5, 4; capacity 50 takes items 0 and 1 whole and 20/30 of item 2
    p, w = np.array([60, 100, 120]), np.array([10, 20, 30])
    ub, took = dantzig_knapsack(p, w, 50)
    assert ub == 240 and took.tolist() == [True, True, False]
    assert dp_knapsack(p, w, 50)[0] == 220


def test_lp_without_time_falls_back_to_a_valid_bound():
    p = type_d_gap(4, 12, seed=3)
    core = build_core(p)
    rel = relax(core, core.allowed.copy(), time_limit=10.0)
    fb = cheapest_bound(core, core.allowed.copy(), 1e9)
    assert rel.method == "lp" and fb.method == "cheapest"
    assert fb.bound == core.C.min(axis=0).sum() <= rel.bound + 1e-6
    r = solve_assignment(p, time_limit=5, workers=1)
    assert r.bound <= r.objective + 1e-9 and evaluate(p, r.assign).feasible


def test_type_d_generator_is_deterministic_and_follows_the_recipe():
    a, b, c = type_d_gap(5, 40), type_d_gap(5, 40), type_d_gap(5, 40, seed=8)
    assert np.array_equal(a.cost, b.cost) and np.array_equal(a.weight, b.weight)
    assert not np.array_equal(a.cost, c.cost)
    assert a.cost.shape == a.weight.shape == (5, 40)
    assert a.weight.min() >= 1 and a.weight.max() <= 100
    e = a.cost - (111 - a.weight)
    assert e.min() >= -10 and e.max() <= 10
    assert np.array_equal(a.capacity, np.floor(0.8 * a.weight.sum(axis=1) / 5))
    # the first draw of random.Random(7) in [1, 100] is agent 0's weight of job 0
    assert a.weight[0, 0] == random.Random(7).randint(1, 100)


def test_pmedian_generator_shape_and_capacity_rule():
    p = random_pmedian(60, 6, seed=2)
    assert p.cost.shape == (60, 60) and p.open_count == 6
    assert np.all(p.weight == p.weight[0]) and np.all(np.diag(p.cost) == 0)
    demand = int(p.weight[0].sum())
    assert p.capacity[0] == -(-demand * 10 // 48)  # ceil(demand / (0.8 x 6))
    assert np.array_equal(random_pmedian(60, 6, seed=2).cost, p.cost)


def allowed_wall(limit: float) -> float:
    return limit + max(2.0, 0.05 * limit)


@pytest.mark.parametrize("m, n, limit", [(15, 900, 3.0), (20, 1600, 4.0)])
def test_mid_size_gap_keeps_its_time_limit(m, n, limit):
    p = type_d_gap(m, n)
    t0 = time.perf_counter()
    r = solve_assignment(p, time_limit=limit, workers=1, lns_workers=1, race_workers=1)
    wall = time.perf_counter() - t0
    assert wall <= allowed_wall(limit), f"{wall:.1f} s at a {limit} s limit"
    assert evaluate(p, r.assign).feasible and r.bound <= r.objective + 1e-9


def test_large_pmedian_returns_a_plan_and_bound_within_its_limit():
    p = random_pmedian(800, 160, seed=5)
    t0 = time.perf_counter()
    r = solve_assignment(p, time_limit=5.0, workers=1, lns_workers=1)
    wall = time.perf_counter() - t0
    assert wall <= allowed_wall(5.0), f"{wall:.1f} s at a 5 s limit"
    assert r.assign is not None and evaluate(p, r.assign).feasible
    assert 0 < r.bound <= r.objective + 1e-9
