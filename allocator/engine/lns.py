"""The one large-neighbourhood-search driver: pick a kind of neighbourhood, free part of the
plan, re-solve it exactly, keep it when better, adapt the sizes, watch the clock.

A search supplies a `Neighbourhoods` object (its plan, how it picks a neighbourhood of a
given kind and size, and its exact sub-solve; the sub-solve applies a sub-solution only when
it lowers the cost, so the plan never gets worse) and a list of `Kind`s (the adaptive size
controller of each kind of neighbourhood). `search` runs the loop: the clock is read before
every neighbourhood and each sub-solve is limited to the time left; it stops at the deadline,
at a plan of cost <= `target`, when `on_improve` asks, when every kind is exhausted (largest
size, `patience` attempts in a row without gain) under the `alternate` policy, or when the
neighbourhoods say the plan is settled (proven optimal as it stands).

With `lanes` > 1 (`search_lanes`) up to that many sub-solves run at once in threads (CP-SAT
releases the GIL while it solves): a `Concurrent` search splits its sub-solve into `prepare`
(read the plan, in the calling thread), `Job.run` (the solve, in a lane, touching no shared
state) and `commit` (apply when still better, in the calling thread). Jobs in flight never
share a school (`Job.footprint`), so each one's sub-model stays exact until it commits.

The generic engine (`neighbourhood.py`: agents / split / jobs neighbourhoods of GAP and
p-median) and the planner's student search (`students/regions.py`: school regions) both run
on it; the engine knows no domain package, so the students import it, never the reverse.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

TIMED_OUT = ("feasible", "unknown")  # the sub-solve stopped on its time limit


@dataclass
class Kind:
    """Adaptive size of one kind of neighbourhood (in the search's own unit: agents, jobs,
    pupils' units). The size stays within [low, high]: it grows (by `step`, or times
    `factor`, whichever is larger) after `patience` attempts in a row without gain, and
    with `shrink` it drops by `step` when a sub-solve stops on its time limit. With `fast`
    > 0 the size also follows how hard the sub-solves without gain are: times `scale` after
    one proven optimal within `fast` of its time limit (the neighbourhood was easy and
    held nothing better), divided by `scale` after one stopped by it."""

    name: str
    size: int
    low: int
    high: int
    patience: int
    step: int = 1
    factor: float = 1.0
    shrink: bool = True
    fast: float = 0.0
    scale: float = 1.25
    idle: int = 0
    tries: int = 0
    wins: int = 0

    def __post_init__(self) -> None:
        self.high = max(1, self.high)
        self.low = max(1, min(self.low, self.high))
        self.size = max(self.low, min(self.size, self.high))

    @property
    def exhausted(self) -> bool:
        """At the largest size and `patience` attempts in a row without gain."""
        return self.size >= self.high and self.idle >= self.patience

    def grow(self) -> bool:
        """Enlarge the size (at most `high`); False when it is already there."""
        if self.size >= self.high:
            return False
        bigger = max(self.size + self.step, math.ceil(self.size * self.factor))
        self.size = min(self.high, bigger)
        return True

    def record(self, gain: int, status: str, share: float | None = None) -> None:
        """Count an attempt: a gain resets the idle count; a sub-solve stopped by its time
        shrinks the size (with `shrink`); any other attempt without gain counts as idle,
        and `patience` of them in a row grow the size (the count restarts). `share`: the
        part of its time limit the sub-solve used (for `fast`)."""
        if status != "skipped":
            self.tries += 1
        if self.fast > 0 and share is not None and gain == 0:
            self.follow_hardness(status, share)
        if gain > 0:
            self.wins += 1
            self.idle = 0
        elif self.shrink and status in TIMED_OUT:
            self.size = max(self.low, self.size - self.step)
        else:
            self.idle += 1
            if self.idle >= self.patience and self.grow():
                self.idle = 0

    def follow_hardness(self, status: str, share: float) -> None:
        """After a sub-solve without gain: size times `scale` when it was proven optimal
        within `fast` of its time, divided by `scale` when it stopped on its time (within
        [low, high])."""
        if status == "optimal" and share < self.fast:
            self.size = min(self.high, math.ceil(self.size * self.scale))
        elif status in TIMED_OUT:
            self.size = max(self.low, math.floor(self.size / self.scale))


class Neighbourhoods(Protocol):
    """What a search supplies to the driver."""

    rng: np.random.Generator

    def cost(self) -> int:
        """The cost of the current plan (integer, the search's own units)."""

    def pick(self, kind: Kind) -> object:
        """A neighbourhood of this kind and size around the current plan."""

    def time_for(self, kind: Kind) -> float:
        """Seconds for one sub-solve of this kind at its current size."""

    def solve(self, hood: object, time_limit: float, workers: int) -> tuple[int, str]:
        """Re-solve `hood` exactly from the current plan, applied only when strictly better:
        (gain >= 0, status; "skipped" when nothing was solved)."""

    def settled(self) -> bool:
        """True when no neighbourhood can improve the plan any more (proven optimal)."""


class Job(Protocol):
    """A prepared sub-solve: the schools (or agents) it may change and the solve itself."""

    footprint: np.ndarray

    def run(self) -> object:
        """Solve the sub-model (in a lane thread: reads nothing that a commit changes)."""


class Concurrent(Neighbourhoods, Protocol):
    """Neighbourhoods whose sub-solve is split for `search_lanes`."""

    def prepare(self, hood: object, time_limit: float, workers: int) -> Job | None:
        """The sub-solve of `hood` from the current plan (None: nothing to solve)."""

    def commit(self, job: Job, outcome: object) -> tuple[int, str]:
        """Apply `job`'s outcome when it lowers the cost: (gain >= 0, status)."""


@dataclass
class LnsStats:
    """Counters of a neighbourhood search."""

    solved: int = 0
    improved: int = 0
    sizes: dict = field(default_factory=dict)
    trace: list = field(default_factory=list)  # (seconds, cost) after each improvement


Policy = Callable[[Sequence[Kind], int, np.random.Generator], "Kind | None"]


def alternate(kinds: Sequence[Kind], turn: int, rng: np.random.Generator) -> Kind | None:
    """The live kinds (not exhausted) in turn on even turns; on odd turns one drawn with
    weight (wins + 1) / (tries + 2). None when every kind is exhausted."""
    live = [k for k in kinds if not k.exhausted]
    if not live:
        return None
    if turn % 2 == 0:
        return live[turn % len(live)]
    weights = np.array([(k.wins + 1) / (k.tries + 2) for k in live])
    return live[int(rng.choice(len(live), p=weights / weights.sum()))]


class InTurn:
    """One kind at a time, in order, each until it is exhausted; then the next one starts
    afresh (its idle count cleared), cycling through the kinds until the search ends."""

    def __init__(self) -> None:
        self.at = 0

    def __call__(self, kinds: Sequence[Kind], turn: int,
                 rng: np.random.Generator) -> Kind | None:
        kind = kinds[self.at % len(kinds)]
        if kind.exhausted:
            self.at += 1
            kind = kinds[self.at % len(kinds)]
            kind.idle = 0
        return kind


class Interleave:
    """Kind `side` on every `every`-th turn while it is not exhausted, and on every turn
    the `base` policy (over the other kinds) has no kind to give; otherwise the base's."""

    def __init__(self, base: Policy, side: str, every: int):
        self.base, self.side, self.every = base, side, max(2, every)

    def __call__(self, kinds: Sequence[Kind], turn: int,
                 rng: np.random.Generator) -> Kind | None:
        side = [k for k in kinds if k.name == self.side]
        rest = [k for k in kinds if k.name != self.side]
        if side and turn % self.every == self.every - 1 and not side[0].exhausted:
            return side[0]
        kind = self.base(rest, turn, rng)
        if kind is None and side and not side[0].exhausted:
            return side[0]
        return kind


def sub_workers(workers: int) -> int:
    """CP-SAT workers for one neighbourhood: one per two cores of the machine, at most
    `workers`.

    Measured on 2 shared cores (rural-county, 17 s of regions of 300 units, load 6.5-8.6):
    1 worker 187,517, 2 workers 192,244, 8 workers 191,710 -- a neighbourhood is small, and
    parallel workers only share the cores that the next one would use."""
    return max(1, min(workers, (os.cpu_count() or 2) // 2))


def search(
    hoods: Neighbourhoods, kinds: Sequence[Kind], *, deadline: float, workers: int,
    policy: Policy = alternate, target: int | None = None, min_left: float = 0.05,
    on_improve: Callable[[int], bool | None] | None = None,
) -> LnsStats:
    """Run neighbourhoods from `hoods`' current plan until `deadline` (perf_counter, read
    before every neighbourhood; a sub-solve gets at most the time left), a plan of cost
    <= `target`, `on_improve(cost)` returning True, the policy finding every kind exhausted,
    or `hoods.settled()` (asked when a kind is exhausted). The plan never gets worse (each
    sub-solve applies only strictly better sub-solutions). Returns the counters and the
    improvement trace; the final sizes are in `stats.sizes`."""
    t0 = time.perf_counter()
    stats = LnsStats()
    turn = 0
    while time.perf_counter() < deadline and (target is None or hoods.cost() > target):
        kind = policy(kinds, turn, hoods.rng)
        if kind is None:
            break
        turn += 1
        hood = hoods.pick(kind)
        left = deadline - time.perf_counter()
        if left <= min_left:
            break
        limit = min(hoods.time_for(kind), left)
        t = time.perf_counter()
        gain, status = hoods.solve(hood, limit, workers)
        stats.solved += status != "skipped"
        kind.record(gain, status, (time.perf_counter() - t) / max(limit, 1e-9))
        if gain > 0:
            stats.improved += 1
            cost = hoods.cost()
            stats.trace.append((round(time.perf_counter() - t0, 3), cost))
            if on_improve is not None and on_improve(cost):
                break
        elif kind.exhausted and hoods.settled():
            break
    stats.sizes = {k.name: k.size for k in kinds}
    return stats


def timed(job: Job) -> tuple[object, float]:
    """`job.run()` and its wall time in seconds."""
    t = time.perf_counter()
    return job.run(), time.perf_counter() - t


class _Flight:
    """The jobs in flight of `search_lanes` and what committing them does."""

    def __init__(self, hoods: Concurrent, on_improve: Callable[[int], bool | None] | None):
        self.hoods, self.on_improve = hoods, on_improve
        self.jobs: dict[Future, tuple[Job, Kind, float]] = {}
        self.stats, self.stop, self.t0 = LnsStats(), False, time.perf_counter()

    def settle(self, block: bool) -> None:
        """Commit the finished jobs (with `block`, wait for one first)."""
        done, _ = wait(list(self.jobs), timeout=None if block else 0,
                       return_when=FIRST_COMPLETED)
        for fut in done:
            job, kind, limit = self.jobs.pop(fut)
            outcome, seconds = fut.result()
            gain, status = self.hoods.commit(job, outcome)
            self.stats.solved += status != "skipped"
            kind.record(gain, status, seconds / max(limit, 1e-9))
            if gain > 0:
                self.stats.improved += 1
                cost = self.hoods.cost()
                self.stats.trace.append((round(time.perf_counter() - self.t0, 3), cost))
                self.stop |= bool(self.on_improve is not None and self.on_improve(cost))
            elif kind.exhausted and self.hoods.settled():
                self.stop = True

    def prepare_clear(self, kind: Kind, hood: object, deadline: float, workers: int,
                      min_left: float) -> tuple[Job | None, float]:
        """The job of `hood`, prepared again after each job in flight sharing a school
        with it has committed (None: nothing to solve, or no time left)."""
        while True:
            limit = min(self.hoods.time_for(kind), deadline - time.perf_counter())
            job = None if limit <= min_left else self.hoods.prepare(hood, limit, workers)
            if job is None or not any(np.intersect1d(job.footprint, j.footprint).size
                                      for j, _, _ in self.jobs.values()):
                return job, limit
            self.settle(block=True)


def search_lanes(
    hoods: Concurrent, kinds: Sequence[Kind], *, deadline: float, workers: int, lanes: int,
    policy: Policy = alternate, min_left: float = 0.05,
    on_improve: Callable[[int], bool | None] | None = None,
) -> LnsStats:
    """`search` with up to `lanes` sub-solves at once (threads), ending on the same
    conditions but `target`. A neighbourhood sharing a school with one in flight waits for
    it to commit; each job is limited to the time left when it starts and all have
    committed on return. The plan never gets worse; the result depends on thread timing."""
    fl = _Flight(hoods, on_improve)
    turn = 0
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        while not fl.stop and time.perf_counter() < deadline - min_left:
            if len(fl.jobs) >= lanes:
                fl.settle(block=True)
                continue
            kind = policy(kinds, turn, hoods.rng)
            if kind is None:
                break
            turn += 1
            job, limit = fl.prepare_clear(kind, hoods.pick(kind), deadline, workers, min_left)
            if job is None:
                kind.record(0, "skipped")
            elif not fl.stop:
                fl.jobs[pool.submit(timed, job)] = (job, kind, limit)
            fl.settle(block=False)
        while fl.jobs:
            fl.settle(block=True)
    fl.stats.sizes = {k.name: k.size for k in kinds}
    return fl.stats
