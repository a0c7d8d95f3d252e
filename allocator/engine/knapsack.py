"""0-1 knapsacks in bounded memory: exact by dynamic programming when small, else a bound.

`best_knapsack(profit, weight, cap, exact_cells)` returns an upper bound on the best value
and a set of items within capacity. When items x (capacity + 1) is at most `exact_cells`,
a dynamic programme over capacities solves it exactly (numpy, one row of decisions per item:
memory is that many bytes). Otherwise the value is Dantzig's bound (items by profit per unit
of weight, the first that does not fit taken fractionally), which is never below the true
optimum, and the items are the greedy prefix that fits. Either way memory stays
O(items x capacity) below the cell limit and O(items) above it, and the value is a valid
upper bound, so Lagrangian bounds built from it stay valid lower bounds.
"""

from __future__ import annotations

import numpy as np

EXACT_CELLS = 8_000_000  # items x (capacity + 1) up to this are solved exactly (8 MB)


def best_knapsack(profit: np.ndarray, weight: np.ndarray, cap: int,
                  exact_cells: int = EXACT_CELLS) -> tuple[int, np.ndarray, bool]:
    """(value, taken (bool per item), exact) for positive integer `profit`, non-negative
    integer `weight` and capacity `cap` >= 0. `value` >= the optimum (equal when `exact`);
    the taken items weigh at most `cap`."""
    n = len(profit)
    if n == 0:
        return 0, np.zeros(0, dtype=bool), True
    if int(weight.sum()) <= cap:
        return int(profit.sum()), np.ones(n, dtype=bool), True
    if n * (cap + 1) <= exact_cells:
        value, took = dp_knapsack(profit, weight, cap)
        return value, took, True
    value, took = dantzig_knapsack(profit, weight, cap)
    return value, took, False


def dp_knapsack(profit: np.ndarray, weight: np.ndarray, cap: int) -> tuple[int, np.ndarray]:
    """Exact optimum and its items, by dynamic programming over capacities 0..cap."""
    n = len(profit)
    best = np.zeros(cap + 1, dtype=np.int64)
    keep = np.zeros((n, cap + 1), dtype=bool)
    for k in range(n):
        w, p = int(weight[k]), int(profit[k])
        if w > cap:
            continue
        cand = best[: cap + 1 - w] + p
        better = cand > best[w:]
        keep[k, w:] = better
        best[w:] = np.where(better, cand, best[w:])
    took = np.zeros(n, dtype=bool)
    c = cap  # best is non-decreasing in capacity: the optimum sits at cap
    for k in range(n - 1, -1, -1):
        if keep[k, c]:
            took[k] = True
            c -= int(weight[k])
    return int(best[cap]), took


def dantzig_knapsack(profit: np.ndarray, weight: np.ndarray,
                     cap: int) -> tuple[int, np.ndarray]:
    """(Dantzig's upper bound rounded up, greedy items that fit) in O(n log n)."""
    ratio = profit / np.maximum(weight, 1e-9)
    order = np.argsort(-ratio, kind="stable")
    cum = np.cumsum(weight[order])
    full = int(np.searchsorted(cum, cap, side="right"))  # items that fit whole, in order
    took = np.zeros(len(profit), dtype=bool)
    took[order[:full]] = True
    value = float(profit[order[:full]].sum())
    if full < len(order):
        k = order[full]
        room = cap - (int(cum[full - 1]) if full else 0)
        value += float(profit[k]) * room / max(int(weight[k]), 1)
    # the greedy prefix may leave room for later, lighter items: add those that still fit
    room = cap - int(weight[took].sum())
    for k in order[full:]:
        if weight[k] <= room:
            took[k] = True
            room -= int(weight[k])
    return int(np.ceil(value - 1e-9)), took
