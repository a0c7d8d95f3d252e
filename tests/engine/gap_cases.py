"""Small random GAP instances and their brute-force plans, shared by the tabu tests."""

from __future__ import annotations

import itertools

import numpy as np

from allocator.engine import AssignmentProblem, evaluate


def small_gap(seed: int, m: int, n: int, tight: float, prefix: str = "t") -> AssignmentProblem:
    """m agents, n jobs, weights 1-19, costs 5-59, capacity `tight` x the mean load (at
    least the largest weight)."""
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 20, size=(m, n))
    c = rng.integers(5, 60, size=(m, n))
    cap = np.full(m, max(int(w.max()), int(tight * w.sum() / m)))
    return AssignmentProblem(cost=c, weight=w, capacity=cap, name=f"{prefix}{seed}")


def feasible_plans(p: AssignmentProblem) -> list[tuple[float, tuple[int, ...]]]:
    """Every feasible plan of `p` with its objective, cheapest first (brute force)."""
    out = []
    for a in itertools.product(range(p.m), repeat=p.n):
        ev = evaluate(p, np.array(a))
        if ev.feasible:
            out.append((ev.objective, a))
    return sorted(out)
