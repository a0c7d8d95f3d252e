"""Random instances of published recipes, for scale and memory tests of the engine.

`type_d_gap(m, n, seed)` follows Chu & Beasley's type D recipe for the generalised assignment
problem: weights r_ij uniform in [1, 100], costs c_ij = 111 - r_ij + e_ij with e_ij uniform
in [-10, 10], capacities b_i = floor(0.8 x sum_j r_ij / m). Draws come from one
`random.Random(seed)`: all of r first (row by row, agent i's n jobs), then every cost row by
row. The same (m, n, seed) always gives the same instance.

`random_pmedian(n, p, seed)` is a capacitated p-median of the Osman & Christofides kind at any
size: n points uniform in a 1000 x 1000 square, each a candidate site, demands uniform in
[1, 20], one capacity Q = ceil(sum of demands / (0.8 p)) for every site (so the p open sites
are about 80 % full), floor Euclidean distances; exactly p sites open.
"""

from __future__ import annotations

import random

import numpy as np

from allocator.engine import AssignmentProblem


def type_d_gap(m: int, n: int, seed: int = 7) -> AssignmentProblem:
    """A type D GAP of m agents and n jobs (recipe in the module docstring)."""
    if m < 1 or n < 1:
        raise ValueError(f"agents and jobs must be positive, got m={m} n={n}")
    rng = random.Random(seed)
    r = [[rng.randint(1, 100) for _ in range(n)] for _ in range(m)]
    c = [[111 - r[i][j] + rng.randint(-10, 10) for j in range(n)] for i in range(m)]
    weight = np.array(r, dtype=np.int64)
    cap = np.floor(0.8 * weight.sum(axis=1) / m).astype(np.int64)
    return AssignmentProblem(cost=np.array(c, dtype=np.int64), weight=weight, capacity=cap,
                             name=f"typeD-{m}x{n}-s{seed}")


def random_pmedian(n: int, p: int, seed: int = 7) -> AssignmentProblem:
    """A capacitated p-median of n candidate sites opening exactly p (module docstring)."""
    if not 1 <= p <= n:
        raise ValueError(f"p must be between 1 and n={n}, got {p}")
    rng = random.Random(seed)
    xy = np.array([[rng.uniform(0, 1000), rng.uniform(0, 1000)] for _ in range(n)])
    demand = np.array([rng.randint(1, 20) for _ in range(n)], dtype=np.int64)
    q = -(-5 * int(demand.sum()) // (4 * p))  # ceil(sum / (0.8 p)) in integers
    d = np.floor(np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]))
    return AssignmentProblem(cost=d, weight=np.broadcast_to(demand, (n, n)).copy(),
                             capacity=np.full(n, q, dtype=np.int64), open_count=p,
                             name=f"pmedian-{n}-p{p}-s{seed}")
