"""The generic assignment core: small instances with brute-forced optima, bounds, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from allocator.engine import AssignmentProblem, ProblemError, evaluate, solve_assignment
from allocator.engine.core import build_core, plan_cost
from allocator.engine.lagrange import arc_bounds, subgradient
from allocator.engine.relax import relax


def random_gap(seed: int, m: int = 3, n: int = 7, tight: float = 0.7) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 10, size=(m, n))
    c = rng.integers(5, 40, size=(m, n))
    cap = np.maximum(w.max(axis=0).max(), (tight * w.sum() / m).astype(int)).repeat(m)
    return AssignmentProblem(cost=c, weight=w, capacity=cap, name=f"gap{seed}")


def brute_force(p: AssignmentProblem) -> float:
    """Least cost over every assignment (inf when none is feasible)."""
    best = math.inf
    for a in itertools.product(range(p.m), repeat=p.n):
        ev = evaluate(p, np.array(a))
        if ev.feasible:
            best = min(best, ev.objective)
    return best


def random_pmedian(seed: int, n: int = 8, p: int = 2) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(n, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    demand = rng.integers(1, 10, size=n)
    cap = np.full(n, int(demand.sum() * 0.65))
    return AssignmentProblem(cost=d, weight=np.tile(demand, (n, 1)), capacity=cap,
                             open_count=p, name=f"pmed{seed}")


@pytest.mark.parametrize("seed", range(6))
def test_gap_matches_brute_force_and_is_proven(seed):
    p = random_gap(seed)
    opt = brute_force(p)
    r = solve_assignment(p, time_limit=10, workers=2)
    if math.isinf(opt):
        assert r.assign is None and r.status in ("infeasible", "unknown")
        return
    assert evaluate(p, r.assign).feasible
    assert r.objective == opt
    assert r.status == "optimal"
    assert r.bound <= opt + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_pmedian_matches_brute_force(seed):
    p = random_pmedian(seed)
    best = math.inf
    for med in itertools.combinations(range(p.n), p.open_count):
        for a in itertools.product(med, repeat=p.n):
            ev = evaluate(p, np.array(a))
            if ev.feasible:
                best = min(best, ev.objective)
    r = solve_assignment(p, time_limit=10, workers=2)
    ev = evaluate(p, r.assign)
    assert ev.feasible and ev.opened.sum() == p.open_count
    # real distances are scaled to 1/1000: optimal up to that rounding, bound still valid
    assert r.objective <= best + p.n / 1000 + 1e-9
    assert r.bound <= best + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_bounds_and_arc_bounds_are_valid(seed):
    p = random_gap(seed + 10, m=3, n=8, tight=0.75)
    opt = brute_force(p)
    if math.isinf(opt):
        pytest.skip("infeasible draw")
    core = build_core(p)
    rel = relax(core, core.allowed.copy(), 5.0)
    assert rel.bound <= opt + 1e-6
    lag = subgradient(core, rel.u, opt + 5, deadline=float("inf"))
    assert rel.bound - p.n / 1024 <= lag.bound <= opt + 1e-6  # profits rounded up by 1/1024
    # every arc of an optimal plan has an arc bound <= the optimum
    for a in itertools.product(range(p.m), repeat=p.n):
        a = np.array(a)
        ev = evaluate(p, a)
        if ev.feasible and ev.objective == opt:
            lb = arc_bounds(core, lag, opt + 1, float("inf"))
            assert (lb[a, np.arange(p.n)] <= opt + 1e-6).all()
            assert plan_cost(core, a) == opt
            break


def test_infeasible_capacities_are_reported():
    p = AssignmentProblem(cost=np.ones((2, 3)), weight=np.full((2, 3), 5),
                          capacity=np.array([5, 5]))
    r = solve_assignment(p, time_limit=3, workers=1)
    assert r.assign is None
    assert r.status in ("infeasible", "unknown")


def test_forbidden_pairs_are_never_used():
    c = np.array([[1, 1, 1], [9, 9, 9]])
    allowed = np.array([[True, False, True], [True, True, True]])
    p = AssignmentProblem(cost=c, weight=np.ones((2, 3), int), capacity=np.array([3, 3]),
                          allowed=allowed)
    r = solve_assignment(p, time_limit=3, workers=1)
    assert r.assign.tolist() == [0, 1, 0]
    assert r.objective == 11 and r.status == "optimal"


@pytest.mark.parametrize("kw, msg", [
    (dict(cost=np.ones(3), weight=np.ones(3), capacity=np.ones(1)), "cost must be"),
    (dict(cost=np.ones((2, 3)), weight=np.ones((3, 2)), capacity=np.ones(2)), "weight has"),
    (dict(cost=np.ones((2, 3)), weight=-np.ones((2, 3)), capacity=np.ones(2)), "non-negative"),
    (dict(cost=np.ones((2, 3)), weight=np.ones((2, 3)), capacity=np.ones(3)), "capacity has"),
    (dict(cost=np.ones((2, 3)), weight=np.ones((2, 3)), capacity=np.ones(2), open_count=3),
     "open_count"),
    (dict(cost=np.full((2, 3), np.nan), weight=np.ones((2, 3)), capacity=np.ones(2)),
     "non-finite"),
])
def test_bad_problems_are_named(kw, msg):
    with pytest.raises(ProblemError, match=msg):
        AssignmentProblem(**kw)
