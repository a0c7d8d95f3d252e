"""Whole pupils from fractional projections, keeping each township's totals.

Rounding every block on its own biases a county of small blocks (a factor of 0.98 turns
many 0.5s into 0.49s and the county loses hundreds of pupils). Instead, per township, year
and grade the blocks' counts are floored and the township's remaining pupils (its rounded
total less the floors) go one each to the blocks with the largest remainders (the earlier
block first on a tie). Guaranteed: each block's count is its fraction rounded down or up,
and a township's count per grade is its fractional total rounded half up.
"""

from __future__ import annotations

import math

Counts = dict[str, dict[int, list[float]]]  # block -> year -> nine fractional counts


def apportion(counts: Counts, township: dict[str, str]) -> dict[str, dict[int, list[int]]]:
    """Whole pupils per block, year and grade (see the module docstring); `township` maps
    each block to its township (blocks of no township form one group)."""
    out = {b: {y: [math.floor(c) for c in grades] for y, grades in years.items()}
           for b, years in counts.items()}
    groups: dict[str, list[str]] = {}
    for b in counts:
        groups.setdefault(township[b], []).append(b)
    for members in groups.values():
        for year in counts[members[0]]:
            for g in range(9):
                spread(members, counts, out, year, g)
    return out


def spread(members: list[str], counts: Counts, out: dict[str, dict[int, list[int]]],
           year: int, g: int) -> None:
    """Give one township's pupils left after flooring (grade g, one year) to its blocks
    with the largest remainders."""
    total = sum(counts[b][year][g] for b in members)
    left = int(total + 0.5 + 1e-9) - sum(out[b][year][g] for b in members)
    if left <= 0:
        return
    order = sorted(range(len(members)), key=lambda i: -(
        counts[members[i]][year][g] - out[members[i]][year][g]))
    for i in order[:left]:
        out[members[i]][year][g] += 1
