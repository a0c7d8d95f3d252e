"""Regional search over plans and open sets for `choose` layouts, on the shared LNS driver.

A region is a school and its nearest schools: the pupils attending them are freed over arcs
into the region, and the region's candidates may open or close within each operation's
range (`choose.open_extension`); a better sub-solution is a better plan. The loop, the clock
and the region size are the engine's (`allocator.engine.lns`, one "near" kind that doubles
after a sweep without gain); the search ends at the deadline or once a sweep over regions
holding every unit finds nothing. Regions run one at a time: an operation's range spans
regions, so two regions solved at once could both open its candidates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from allocator.engine.lns import Kind, alternate, search
from allocator.students.arcs import Arcs, Units, subset_units
from allocator.students.cpsat import solve_students
from allocator.students.instance import Instance
from allocator.students.regions import region_time, school_neighbours, subset_arcs
from allocator.students.repair import Loads, search_penalties

from .model import (
    ChooseModel,
    complete_in_region,
    complete_open,
    fixed_cost_of,
    open_extension,
    open_groups,
)


class OpenRegions:
    """State of the regional search over plans and open sets."""

    def __init__(self, inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                 cm: ChooseModel, strict: bool, seed: int):
        self.inst, self.units, self.arcs, self.cm = inst, units, arcs, cm
        self.choice = choice.copy()
        self.rng = np.random.default_rng(seed)
        self.pen = search_penalties(inst, strict)
        self.loads = Loads(inst, units, arcs, self.choice, self.pen)
        used = np.zeros(inst.n_schools, dtype=bool)
        used[arcs.school[self.choice]] = True
        self.open = complete_open(cm, used)
        self.stats = {"regions_solved": 0, "regions_improved": 0, "open_changes": 0}
        self.partner: list[list[int]] = [[] for _ in range(len(units))]
        for lo, hi in units.links:
            self.partner[lo].append(hi)
            self.partner[hi].append(lo)

    def cost(self) -> int:
        return int(self.arcs.cost[self.choice].sum() + self.loads.penalty.sum()
                   + fixed_cost_of(self.cm, self.open))

    def solve_region(self, schools: np.ndarray, time_limit: float, workers: int
                     ) -> tuple[int, str]:
        """Re-solve the units attending `schools` among them, with their candidates free to
        open or close; returns the gain (search-penalty units) and CP-SAT's status
        ("skipped": nothing to solve)."""
        arcs, units, cm = self.arcs, self.units, self.cm
        region = np.zeros(self.inst.n_schools, dtype=bool)
        region[schools] = True
        free = region[arcs.school[self.choice]] & (units.locked < 0)
        for u in np.flatnonzero(free):
            if any(not free[p] for p in self.partner[u]):
                free[u] = False
        idx = np.flatnonzero(free)
        if len(idx) < 2:
            return 0, "skipped"
        pos = np.full(len(units), -1, dtype=np.int64)
        pos[idx] = np.arange(len(idx))
        keep = (pos[arcs.unit] >= 0) & region[arcs.school]
        sub_arcs = subset_arcs(arcs, keep, pos)
        global_of = np.flatnonzero(keep)
        local = np.full(len(arcs), -1, dtype=np.int64)
        local[global_of] = np.arange(len(global_of))
        in_cand = region & cm.is_cand
        groups = open_groups(cm, self.open, region)
        before = int(arcs.cost[self.choice[idx]].sum() + self.loads.penalty[schools].sum()
                     + cm.fc[self.open & in_cand].sum())
        sol = solve_students(self.inst, subset_units(units, idx), sub_arcs,
                             local[self.choice[idx]], strict=False, time_limit=time_limit,
                             workers=workers, seed=int(self.rng.integers(1 << 30)),
                             penalties=self.pen,
                             extend=open_extension(groups, sub_arcs.school, cm.fc, self.open))
        self.stats["regions_solved"] += 1
        if sol.choice is None:
            return 0, sol.status
        trial = self.choice.copy()
        trial[idx] = global_of[sol.choice]
        used = np.zeros(self.inst.n_schools, dtype=bool)
        used[arcs.school[trial]] = True
        opened = complete_in_region(cm, self.open, used, region)
        if opened is None:
            return 0, sol.status
        loads = Loads(self.inst, units, arcs, trial, self.pen)
        after = int(arcs.cost[trial[idx]].sum() + loads.penalty[schools].sum()
                    + cm.fc[opened & in_cand].sum())
        if after >= before:
            return 0, sol.status
        self.stats["regions_improved"] += 1
        self.stats["open_changes"] += int((opened != self.open).sum())
        self.choice, self.loads, self.open = trial, loads, opened
        return before - after, sol.status


class OpenHoods:
    """The regions of an `OpenRegions` for the LNS driver: sweeps of region centres (schools
    with a penalty first, then the others at random), a school's nearest schools until they
    hold the kind's size in units (more neighbours looked up as regions grow)."""

    def __init__(self, rs: OpenRegions, neighbours: int = 12):
        self.rs, self.rng = rs, rs.rng
        self.m = min(rs.inst.n_schools, neighbours)
        self.neigh = school_neighbours(rs.inst, self.m)
        self.queue: list[int] = []

    def cost(self) -> int:
        return self.rs.cost()

    def pick(self, kind: Kind) -> np.ndarray:
        """The region around the next centre of the sweep, of about `kind.size` units."""
        rs = self.rs
        if not self.queue:
            hot = np.flatnonzero(rs.loads.penalty > 0)
            rest = rs.rng.permutation(np.setdiff1d(np.arange(rs.inst.n_schools), hot))
            self.queue = np.concatenate([hot, rest]).astype(np.int64).tolist()[::-1]
        center = self.queue.pop()
        counts = np.bincount(rs.arcs.school[rs.choice], minlength=rs.inst.n_schools)
        while True:
            row = self.neigh[center]
            k = int(np.searchsorted(np.cumsum(counts[row]), kind.size)) + 1
            if k < len(row) or self.m >= rs.inst.n_schools:
                return row[: max(2, min(k, len(row)))]
            self.m = min(rs.inst.n_schools, 2 * self.m)
            self.neigh = school_neighbours(rs.inst, self.m)

    def time_for(self, kind: Kind) -> float:
        return region_time(kind.size)

    def solve(self, hood: np.ndarray, time_limit: float, workers: int) -> tuple[int, str]:
        return self.rs.solve_region(hood, time_limit, workers)

    def settled(self) -> bool:
        return False  # the kind's exhaustion ends the search (`lns.alternate`)


def improve_open_regions(rs: OpenRegions, deadline: float, workers: int,
                         on_improve: Callable[[int], bool], target_units: int = 150) -> None:
    """Regional search on `rs` until `deadline` (perf_counter), `on_improve(cost)` returning
    True, or a sweep without gain over regions holding every unit. Regions start at
    `target_units` units and double after a sweep without gain, up to every unit; each
    gets 1 s per 150 units (0.5-4 s) and at most the time left.

    Regions do not follow how hard they are here (`Kind.fast`, as the planner's do):
    measured on choose-150 (120 s, load 5-7), they grew, took 1.2 s each instead of 0.37 s
    and ended at 474,272 against 467,460."""
    kind = Kind("near", target_units, target_units, len(rs.units),
                patience=max(1, rs.inst.n_schools), step=0, factor=2.0, shrink=False)
    search(OpenHoods(rs), [kind], deadline=deadline, workers=workers, policy=alternate,
           on_improve=on_improve)
