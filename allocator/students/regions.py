"""Regional large-neighbourhood search: free a few neighbouring schools, solve exactly, repeat.

A region is a school and its nearest schools. The units attending a region's schools are
freed (with their arcs into the region); everything else stays as it is, so the region's
CP-SAT sub-model is exact for the change it makes and a better sub-solution is a better
plan. Regions around schools with a penalty (a broken rule, a binding room) come first, then
every school in turn. Regions double when a whole sweep finds nothing (up to 400 units),
then alternate with regions of other shapes; a region proven optimal is not solved again
until one of its schools changes. One neighbourhood in five (plans of more than 40 units,
no contiguity rule) is of the "units" kind instead, like the engine's jobs kind: random units
(those above their cheapest arc drawn more often) freed over their few cheapest arcs, with
every unit of the schools they touch in the sub-model, fixed, so loads stay exact; it finds
move chains across schools that no region of neighbours holds. The loop, the clock, the
adaptive sizes and the worker choice are the generic engine's LNS driver
(`allocator.engine.lns`), the same code as the published-instance benchmarks run; this module
supplies the neighbourhoods and their exact sub-solve. Solver objects stay in `students`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from allocator.engine.lns import Interleave, InTurn, Kind, search, search_lanes, sub_workers
from allocator.model.budget import Budget

from .arcs import Arcs, Units, subset_units
from .contiguity import Clauses, ContiguityRule, region_clauses
from .cpsat import StudentSolve, solve_students
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


@dataclass
class RegionJob:
    """A region's sub-model, ready to solve in any thread (`run` reads only its own
    arrays and the read-only instance)."""

    footprint: np.ndarray  # the region's schools
    idx: np.ndarray  # the units in the sub-model (global numbers)
    global_of: np.ndarray  # sub-model arc -> global arc
    whole: bool  # every unit free over every arc (an optimal solve proves the region)
    inst: Instance
    units: Units
    arcs: Arcs
    hint: np.ndarray
    time_limit: float
    workers: int
    seed: int
    pen: dict[str, int]
    clauses: Clauses | None

    def run(self) -> StudentSolve:
        """CP-SAT on the sub-model from its hint (the current plan)."""
        return solve_students(self.inst, self.units, self.arcs, self.hint, strict=False,
                              time_limit=self.time_limit, workers=self.workers,
                              seed=self.seed, penalties=self.pen, clauses=self.clauses)


MAX_REGION_UNITS = 400  # measured: CP-SAT improved no region of 430-1,226 units in 5 s
REGION_LOW = 100  # "near" regions never shrink below this many units
REGION_FAST = 0.3  # a region proven optimal within this share of its time: the next is larger
MIXED_DROP = 0.3  # regions of other shapes pass over a near school with this probability


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
        # a region proven optimal stays so while none of its schools changes
        self.version = np.zeros(inst.n_schools, dtype=np.int64)
        self.proven: dict[bytes, bytes] = {}
        # linked units move together: a unit is free only if its partners are free
        self.partner = [[] for _ in range(len(units))]
        for lo, hi in units.links:
            self.partner[lo].append(hi)
            self.partner[hi].append(lo)

    def cost(self) -> int:
        """The search objective of the current plan (`repair.loads_cost`)."""
        return loads_cost(self.loads, self.choice)

    def solve_region(self, schools: np.ndarray, time_limit: float, workers: int,
                     movers: np.ndarray | None = None, arc_ok: np.ndarray | None = None,
                     ) -> tuple[int, str, float]:
        """Re-solve the units attending `schools` among those schools; returns the gain,
        CP-SAT's status ("skipped" when there was nothing to solve) and its wall time
        (`prepare_region`, then `commit_region`)."""
        job = self.prepare_region(schools, time_limit, workers, movers, arc_ok)
        if job is None:
            return 0, "skipped", 0.0
        return self.commit_region(job, job.run())

    def prepare_region(self, schools: np.ndarray, time_limit: float, workers: int,
                       movers: np.ndarray | None = None, arc_ok: np.ndarray | None = None,
                       ) -> RegionJob | None:
        """The sub-model of the units attending `schools` among those schools, from the
        current plan (None: nothing to solve, or a region proven optimal as it stands).

        Every unit attending a region school enters the sub-model, so its schools' loads are
        exact; units that may not move (locked, linked to a segment outside the region, or
        outside the `movers` mask when given) keep only their current arc there; with
        `arc_ok` a moving unit uses only those arcs (and its current one). Only a region
        solved with every unit free and every arc counts as proven optimal.
        """
        whole = movers is None and arc_ok is None
        if whole and self.is_proven(schools):
            return None
        arcs, units = self.arcs, self.units
        in_region = np.zeros(self.inst.n_schools, dtype=bool)
        in_region[schools] = True
        inside = in_region[arcs.school[self.choice]]
        free = inside & (units.locked < 0)
        if movers is not None:
            free &= movers
        for u in np.flatnonzero(free):
            if any(not free[p] for p in self.partner[u]):
                free[u] = False
        if free.sum() < 2:
            return None
        idx = np.flatnonzero(inside)
        pos = np.full(len(units), -1, dtype=np.int64)
        pos[idx] = np.arange(len(idx))
        current = np.zeros(len(arcs), dtype=bool)
        current[self.choice[idx]] = True
        keep = (pos[arcs.unit] >= 0) & in_region[arcs.school] & (free[arcs.unit] | current)
        if arc_ok is not None:
            keep &= arc_ok | current
        global_of = np.flatnonzero(keep)
        local = np.full(len(arcs), -1, dtype=np.int64)  # sub-arc numbering
        local[global_of] = np.arange(len(global_of))
        clauses = (None if self.contiguity is None else
                   region_clauses(self.contiguity, arcs, self.choice, free, local, in_region))
        return RegionJob(
            footprint=np.asarray(schools), idx=idx, global_of=global_of, whole=whole,
            inst=self.inst, units=subset_units(units, idx), arcs=subset_arcs(arcs, keep, pos),
            hint=local[self.choice[idx]], time_limit=time_limit, workers=workers,
            seed=int(self.rng.integers(1 << 30)), pen=self.pen, clauses=clauses)

    def commit_region(self, job: RegionJob, sol: StudentSolve) -> tuple[int, str, float]:
        """Apply the sub-solution `sol` of `job` when it lowers the cost (no job sharing a
        school may have committed since `job` was prepared); returns the gain, CP-SAT's
        status and its wall time."""
        self.stats["regions_solved"] += 1
        gain = (0 if sol.choice is None
                else self.accept(job.footprint, job.idx, job.global_of[sol.choice]))
        if sol.status == "optimal" and self.contiguity is None and job.whole:
            key = np.sort(job.footprint)
            self.proven[key.tobytes()] = self.version[key].tobytes()
        return gain, sol.status, sol.wall_s

    def is_proven(self, schools: np.ndarray) -> bool:
        """Whether the region `schools` was solved to optimality as it stands now."""
        key = np.sort(schools)
        return self.proven.get(key.tobytes()) == self.version[key].tobytes()

    def accept(self, schools: np.ndarray, idx: np.ndarray, new_choice: np.ndarray) -> int:
        """Take arcs `new_choice` for units `idx` (all attending `schools`, before and
        after) when that lowers the cost; returns the gain (0: the plan is unchanged)."""
        arcs = self.arcs
        before = int(arcs.cost[self.choice[idx]].sum() + self.loads.penalty[schools].sum())
        P, Bd, pen = self.loads.rows_for(schools, idx, new_choice)
        after = int(arcs.cost[new_choice].sum() + pen.sum())
        if after >= before:
            return 0
        self.stats["regions_improved"] += 1
        self.choice[idx] = new_choice
        self.loads.set_rows(schools, P, Bd, pen)
        self.version[schools] += 1
        if self.contiguity is not None:  # outside units shape a region's clauses
            self.proven.clear()
        return before - after


def pick_region(rs: RegionSearch, center: int, neigh: np.ndarray, target_units: int,
                drop: float = 0.0) -> np.ndarray:
    """The center school and its nearest schools until they hold `target_units` units;
    with `drop` > 0 each other school is passed over with that probability (regions of
    other shapes once those of the nearest schools are exhausted)."""
    counts = np.bincount(rs.arcs.school[rs.choice], minlength=rs.inst.n_schools)
    row = neigh[center]
    if drop > 0:
        keep = rs.rng.random(len(row)) >= drop
        keep[0] = True
        row = row[keep]
    total = np.cumsum(counts[row])
    k = int(np.searchsorted(total, target_units)) + 1
    return row[: max(2, min(k, len(row)))]


def region_time(target_units: int, left: float = math.inf) -> float:
    """Time for one region of `target_units` units: 1 s per 150 units, 0.5-4 s, within
    the `left` seconds."""
    return min(left, max(0.5, min(4.0, target_units / 150.0)))


def region_kinds(start: int, high: int, n_schools: int) -> list[Kind]:
    """The region sizes (units) of the search, taken in turn (`lns.InTurn`): "near"
    (a school and its nearest schools) from `start` units, following how hard its regions
    without gain are (`Kind.fast`: x1.25 after one proven optimal within `REGION_FAST` of
    its time, /1.25 after one cut by its time, within `REGION_LOW`..`high`) and doubled
    after a sweep (one region per school) without gain; then "mixed" (other shapes,
    `MIXED_DROP`) at `high`; the two alternate after each sweep without gain.

    Measured on 2 cores (load 1-2), regions alone from the same warm start, fixed 150 units
    (growing only after an idle sweep) against following hardness: M 40 s 521,567 ->
    515,322; rural-county 25 s 188,009 -> 185,188; S-tight 50 s 181,610 -> 179,926; S 45 s
    126,390 -> 126,441; gen-60-1500-s11 45 s 188,203 -> 188,409; M-tight 45 s 651,212 ->
    660,083 (650,429 with two lanes, 650,822 fixed). Fixed sizes: M was best at 400 units
    (515,678; 600: 524,046), rural-county and S-tight at 300, S, gen-60 and M-tight at 150:
    no one size wins, and growing on every region proven fast (with or without gain) lost
    on M-tight (667,827)."""
    sweep = max(1, n_schools)
    return [Kind("near", start, min(start, REGION_LOW), high, patience=sweep, step=0,
                 factor=2.0, shrink=False, fast=REGION_FAST),
            Kind("mixed", high, high, high, patience=sweep, shrink=False)]


def sweep_order(rs: RegionSearch) -> np.ndarray:
    """Region centres of one sweep: schools with a penalty (a broken rule, a binding room,
    a class one pupil over a multiple of the cap), dearest first, then the others in a
    random order."""
    hot = np.flatnonzero(rs.loads.penalty > 0)
    hot = hot[np.argsort(-rs.loads.penalty[hot], kind="stable")]
    rest = rs.rng.permutation(np.setdiff1d(np.arange(rs.inst.n_schools), hot))
    return np.concatenate([hot, rest]).astype(np.int64)


UNITS_ARCS = 4  # a freed unit of the "units" kind may take its few cheapest arcs
UNITS_EVERY = 5  # one neighbourhood in five is of the "units" kind
UNITS_MIN = 40  # plans of fewer units get no "units" kind (a region holds them all)


def units_kind(n_units: int) -> Kind:
    """The "units" kind: 30 random units freed over their cheapest arcs (10-200, +-10:
    larger after 8 attempts in a row without gain, smaller when CP-SAT cannot finish).

    Measured on 2 shared cores (load 2-4), every=5 against regions alone, same commands:
    S-tight 60 s, five runs each: mean 181,996 against 182,650 (-0.36%; every run but one
    below the regions' runs); rural-county 30 s, three runs: 189,842 against 189,874;
    M-tight 60 s, two runs: 651,928 against 652,883. One in three or one in two
    neighbourhoods did worse on S-tight (182,725; 182,844)."""
    return Kind("units", 30, 10, min(200, n_units), patience=8, step=10)


def cheapest_arcs(arcs: Arcs, n_units: int, k: int = UNITS_ARCS) -> np.ndarray:
    """Mask of each unit's `k` cheapest arcs (ties: the nearer first)."""
    order = np.lexsort((np.arange(len(arcs)), arcs.cost, arcs.unit))
    rank = np.empty(len(arcs), dtype=np.int64)
    rank[order] = np.arange(len(arcs)) - arcs.start(n_units)[arcs.unit[order]]
    return rank < k


class Regions:
    """The regional neighbourhoods of a `RegionSearch` for the shared LNS driver
    (`lns.Neighbourhoods`): sweeps of region centres (`sweep_order`), a new sweep whenever
    the previous one is done or the kind or its size changed."""

    def __init__(self, rs: RegionSearch, neigh: np.ndarray):
        self.rs, self.neigh, self.rng = rs, neigh, rs.rng
        self.queue: list[int] = []
        self.shape = ""
        self.all_schools = np.arange(rs.inst.n_schools)
        self.cheap = cheapest_arcs(rs.arcs, len(rs.units))

    def pick_units(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(schools, movers): `size` random units (those above their cheapest arc drawn
        more often) and the schools of their current and few cheapest arcs."""
        rs = self.rs
        n = len(rs.units)
        start = rs.arcs.start(n)
        cur = rs.arcs.cost[rs.choice]
        best = np.minimum.reduceat(rs.arcs.cost, start[:-1]) if n else cur
        extra = (cur - best).astype(float)
        w = 1.0 + extra / (extra.mean() + 1.0)
        pick = rs.rng.choice(n, size=min(size, n), replace=False, p=w / w.sum())
        movers = np.zeros(n, dtype=bool)
        movers[pick] = True
        schools = np.union1d(rs.arcs.school[rs.choice[pick]],
                             rs.arcs.school[self.cheap & movers[rs.arcs.unit]])
        return schools, movers

    def cost(self) -> int:
        """The search objective of the current plan."""
        return self.rs.cost()

    def pick(self, kind: Kind) -> tuple[np.ndarray, np.ndarray | None]:
        """The region around the next centre of the sweep (kind "mixed": other shapes), or
        for kind "units" random units over their cheapest arcs (`pick_units`)."""
        if kind.name == "units":
            return self.pick_units(kind.size)
        if not self.queue or self.shape != kind.name:
            self.queue = sweep_order(self.rs).tolist()[::-1]
            self.shape = kind.name
        drop = MIXED_DROP if kind.name == "mixed" else 0.0
        return pick_region(self.rs, self.queue.pop(), self.neigh, kind.size, drop), None

    def time_for(self, kind: Kind) -> float:
        """`region_time` of the kind's size (units freed: three times the time)."""
        return region_time(3 * kind.size if kind.name == "units" else kind.size)

    def solve(self, hood: tuple[np.ndarray, np.ndarray | None], time_limit: float,
              workers: int) -> tuple[int, str]:
        """`RegionSearch.solve_region` of the region `hood`."""
        job = self.prepare(hood, time_limit, workers)
        return (0, "skipped") if job is None else self.commit(job, job.run())

    def prepare(self, hood: tuple[np.ndarray, np.ndarray | None], time_limit: float,
                workers: int) -> RegionJob | None:
        """`RegionSearch.prepare_region` of the region `hood` (a "units" hood keeps only
        the movers' cheapest arcs)."""
        schools, movers = hood
        return self.rs.prepare_region(schools, time_limit, workers, movers=movers,
                                      arc_ok=None if movers is None else self.cheap)

    def commit(self, job: RegionJob, sol: StudentSolve) -> tuple[int, str]:
        """`RegionSearch.commit_region`: (gain, status)."""
        gain, status, _ = self.rs.commit_region(job, sol)
        return gain, status

    def settled(self) -> bool:
        """The whole plan is one region proven optimal as it stands."""
        return self.rs.is_proven(self.all_schools)


def improve_by_regions(
    inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray, *, strict: bool,
    budget: Budget, target_units: int = 150, max_units: int = MAX_REGION_UNITS,
    on_improve: Callable[[int], bool] | None = None, contiguity: ContiguityRule | None = None,
    lanes: int = 1,
) -> tuple[np.ndarray, dict]:
    """Regional LNS from `choice` on the shared driver (`lns.search`) until the budget's
    deadline (checked before every region; a region's solve is limited to the time left);
    never returns a worse plan. Returns the plan and counters (regions solved and improved,
    final region size in units).

    Regions hold about `target_units` units and double after a sweep without gain, up to
    `max_units` (`region_kinds`); one neighbourhood in five frees random units over their
    cheapest arcs instead (`units_kind`); a region gets 1 s per 150 units (0.5-4 s) and
    `lns.sub_workers` CP-SAT workers. At the largest size a sweep without gain switches
    between regions of the nearest schools and regions of other shapes (`pick_region`
    with `drop`). A region whose schools have not changed since it was last solved to
    optimality is skipped, and the search ends before the deadline only when the whole plan
    is one region proven optimal. `on_improve(cost)` is called after each improvement (cost
    in search-penalty units); returning True stops the search. With `contiguity`, every
    region sub-model keeps the closer-neighbour rule (`choice` must obey it already). With
    `lanes` > 1 that many regions (sharing no school) are solved at once, one CP-SAT
    worker each (`lns.search_lanes`).
    """
    rs = RegionSearch(inst, units, arcs, choice, strict, budget.seed, contiguity)
    hoods = Regions(rs, school_neighbours(inst, inst.n_schools))
    kinds = region_kinds(target_units, min(max_units, len(units)), inst.n_schools)
    policy: InTurn | Interleave = InTurn()
    if contiguity is None and len(units) > UNITS_MIN:
        kinds.append(units_kind(len(units)))
        policy = Interleave(InTurn(), "units", UNITS_EVERY)
    if lanes > 1:
        stats = search_lanes(hoods, kinds, deadline=budget.deadline, workers=1, lanes=lanes,
                             policy=policy, on_improve=on_improve)
    else:
        stats = search(hoods, kinds, deadline=budget.deadline,
                       workers=sub_workers(budget.workers), policy=policy,
                       on_improve=on_improve)
    return rs.choice, {**rs.stats, "region_units": stats.sizes["near"]}
