"""Regional large-neighbourhood search: free a few neighbouring schools, solve exactly, repeat.

A region is a school and its nearest schools. The units attending a region's schools are
freed (with their arcs into the region); everything else stays as it is, so the region's
CP-SAT sub-model is exact for the change it makes and a better sub-solution is a better
plan. Regions around schools that break a rule come first, then every school in turn;
regions grow when a full sweep finds nothing. Solver objects stay in `students`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from allocator.model.budget import Budget

from .arcs import Arcs, Units, subset_units
from .contiguity import ContiguityRule, region_clauses
from .cpsat import solve_students
from .instance import Instance
from .repair import Loads, loads_cost, search_penalties


def subset_arcs(arcs: Arcs, keep: np.ndarray, unit_pos: np.ndarray) -> Arcs:
    """Arcs where `keep`, their units renumbered by `unit_pos` (order preserved)."""
    return Arcs(unit=unit_pos[arcs.unit[keep]], school=arcs.school[keep], km=arcs.km[keep],
                board=arcs.board[keep], cost=arcs.cost[keep], moved=arcs.moved[keep],
                boarders=arcs.boarders[keep])


def school_neighbours(inst: Instance, m: int) -> np.ndarray:
    """(n, m') nearest schools of each school, itself first."""
    from scipy.spatial import cKDTree

    xy = inst.school_xy
    if inst.scenario.crs.upper() in ("EPSG:4326", "OGC:CRS84"):
        xy = np.column_stack([xy[:, 0] * np.cos(np.radians(xy[:, 1].mean())), xy[:, 1]])
    k = min(m, inst.n_schools)
    _, idx = cKDTree(xy).query(xy, k=k)
    return np.asarray(idx).reshape(inst.n_schools, k)


class RegionSearch:
    """State of the regional search: the plan, school loads and penalties."""

    def __init__(self, inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                 strict: bool, seed: int, contiguity: ContiguityRule | None = None):
        self.inst, self.units, self.arcs = inst, units, arcs
        self.contiguity = contiguity  # rule contiguity: outside units are constants
        self.choice = choice.copy()
        self.strict = strict
        self.rng = np.random.default_rng(seed)
        self.pen = search_penalties(inst, strict)
        self.loads = Loads(inst, units, arcs, self.choice, self.pen)
        self.stats = {"regions_solved": 0, "regions_improved": 0}
        # linked units move together: a unit is free only if its partners are free
        self.partner = [[] for _ in range(len(units))]
        for lo, hi in units.links:
            self.partner[lo].append(hi)
            self.partner[hi].append(lo)

    def cost(self) -> int:
        """The search objective of the current plan (`repair.loads_cost`)."""
        return loads_cost(self.loads, self.choice)

    def solve_region(self, schools: np.ndarray, time_limit: float, workers: int) -> int:
        """Re-solve the units attending `schools` among those schools; returns the gain.

        Every unit attending a region school enters the sub-model, so its schools' loads are
        exact; units that may not move (locked, or linked to a segment outside the region)
        keep only their current arc there.
        """
        arcs, units = self.arcs, self.units
        in_region = np.zeros(self.inst.n_schools, dtype=bool)
        in_region[schools] = True
        inside = in_region[arcs.school[self.choice]]
        free = inside & (units.locked < 0)
        for u in np.flatnonzero(free):
            if any(not free[p] for p in self.partner[u]):
                free[u] = False
        if free.sum() < 2:
            return 0
        idx = np.flatnonzero(inside)
        pos = np.full(len(units), -1, dtype=np.int64)
        pos[idx] = np.arange(len(idx))
        current = np.zeros(len(arcs), dtype=bool)
        current[self.choice[idx]] = True
        keep = (pos[arcs.unit] >= 0) & in_region[arcs.school] & (free[arcs.unit] | current)
        sub_units = subset_units(units, idx)
        sub_arcs = subset_arcs(arcs, keep, pos)
        global_of = np.flatnonzero(keep)
        # the current plan as a hint, in sub-arc numbering
        local = np.full(len(arcs), -1, dtype=np.int64)
        local[global_of] = np.arange(len(global_of))
        hint = local[self.choice[idx]]
        before = int(arcs.cost[self.choice[idx]].sum() + self.loads.penalty[schools].sum())
        clauses = (None if self.contiguity is None else
                   region_clauses(self.contiguity, arcs, self.choice, free, local, in_region))
        sol = solve_students(self.inst, sub_units, sub_arcs, hint, strict=False,
                             time_limit=time_limit, workers=workers,
                             seed=int(self.rng.integers(1 << 30)), penalties=self.pen,
                             clauses=clauses)
        self.stats["regions_solved"] += 1
        if sol.choice is None:
            return 0
        new_choice = global_of[sol.choice]
        P, Bd, pen = self.loads.rows_for(schools, idx, new_choice)
        after = int(arcs.cost[new_choice].sum() + pen.sum())
        if after < before:
            self.stats["regions_improved"] += 1
            self.choice[idx] = new_choice
            self.loads.set_rows(schools, P, Bd, pen)
            return before - after
        return 0


def pick_region(rs: RegionSearch, center: int, neigh: np.ndarray, target_units: int,
                ) -> np.ndarray:
    """The center school and its nearest schools until they hold `target_units` units."""
    counts = np.bincount(rs.arcs.school[rs.choice], minlength=rs.inst.n_schools)
    row = neigh[center]
    total = np.cumsum(counts[row])
    k = int(np.searchsorted(total, target_units)) + 1
    return row[: max(2, min(k, len(row)))]


def improve_by_regions(
    inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray, *, strict: bool,
    budget: Budget, target_units: int = 150, max_schools: int = 12, sub_time: float = 1.0,
    on_improve: Callable[[int], bool] | None = None, contiguity: ContiguityRule | None = None,
) -> tuple[np.ndarray, dict]:
    """Regional LNS from `choice` until the budget's deadline; never returns a worse plan.
    Returns the plan and counters (regions solved and improved, final region size).

    Regions hold about `target_units` units (at most `max_schools` schools); after a sweep
    without gain they double. `on_improve(cost)` is called after each improvement (cost in
    search-penalty units); returning True stops the search. With `contiguity`, every region
    sub-model keeps the closer-neighbour rule (`choice` must obey it already).
    """
    t_end = budget.deadline
    rs = RegionSearch(inst, units, arcs, choice, strict, budget.seed, contiguity)
    neigh = school_neighbours(inst, max_schools)
    target = target_units
    while time.perf_counter() < t_end:
        hot = np.flatnonzero(rs.loads.penalty > 0)
        hot = hot[np.argsort(-rs.loads.penalty[hot], kind="stable")]
        rest = rs.rng.permutation(np.setdiff1d(np.arange(inst.n_schools), hot))
        gained = 0
        for center in np.concatenate([hot, rest]):
            left = t_end - time.perf_counter()
            if left <= 0.05:
                break
            region = pick_region(rs, int(center), neigh, target)
            g = rs.solve_region(region, min(sub_time, left), budget.workers)
            if g > 0:
                gained += g
                if on_improve and on_improve(rs.cost()):
                    return rs.choice, {**rs.stats, "region_units": target}
        if gained == 0:
            if target >= len(units) and max_schools >= inst.n_schools:
                break
            target *= 2
            max_schools = min(inst.n_schools, max_schools * 2)
            neigh = school_neighbours(inst, max_schools)
    return rs.choice, {**rs.stats, "region_units": target}
