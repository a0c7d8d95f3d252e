"""The shared LNS driver (`allocator.engine.lns`): sizes adapt, the clock is kept, the plan
never gets worse, and the search ends when its kinds are exhausted or the plan settled."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np

from allocator.engine.lns import Interleave, InTurn, Kind, alternate, search, search_lanes


class Toy:
    """A plan of `n` numbers; a neighbourhood of size s lowers the first s positive ones
    by one each (gain s) when it may; `sleep` seconds per sub-solve."""

    def __init__(self, values, sleep=0.0, status="optimal"):
        self.values = np.array(values, dtype=np.int64)
        self.rng = np.random.default_rng(0)
        self.sleep, self.status, self.limits = sleep, status, []

    def cost(self) -> int:
        return int(self.values.sum())

    def pick(self, kind):
        return np.flatnonzero(self.values > 0)[: kind.size]

    def time_for(self, kind):
        return 1.0

    def solve(self, hood, time_limit, workers):
        self.limits.append(time_limit)
        time.sleep(min(self.sleep, time_limit))
        if len(hood) == 0:
            return 0, "skipped"
        self.values[hood] -= 1
        return len(hood), self.status

    def settled(self) -> bool:
        return self.cost() == 0


def test_a_kind_grows_after_patience_idle_attempts_and_shrinks_on_time_outs():
    k = Kind("agents", 2, 2, 6, patience=2, step=1)
    k.record(0, "optimal")
    assert k.size == 2
    k.record(0, "optimal")
    assert k.size == 3 and k.idle == 0  # grown, the count restarts
    k.record(5, "optimal")
    assert k.wins == 1 and k.idle == 0
    k.record(0, "feasible")
    assert k.size == 2  # too big to finish in time
    k.record(0, "feasible")
    assert k.size == 2  # never below `low`
    d = Kind("near", 150, 150, 400, patience=1, step=0, factor=2.0, shrink=False)
    d.record(0, "feasible")
    assert d.size == 300
    d.record(0, "optimal")
    assert d.size == 400 and not d.exhausted
    d.record(0, "optimal")
    assert d.exhausted


def test_the_search_ends_when_settled_and_never_worsens_the_plan():
    toy = Toy([3, 1, 2])
    trace = []
    stats = search(toy, [Kind("a", 1, 1, 3, patience=2)], deadline=time.perf_counter() + 10,
                   workers=1, on_improve=trace.append)
    assert toy.cost() == 0 and stats.improved == len(trace) >= 3
    assert trace == sorted(trace, reverse=True)  # every improvement strictly lower
    assert [c for _, c in stats.trace] == trace


def test_the_search_keeps_its_deadline_and_stops_at_the_target():
    toy = Toy([100] * 5, sleep=0.05, status="feasible")
    t = time.perf_counter()
    search(toy, [Kind("a", 1, 1, 5, patience=3)], deadline=t + 0.3, workers=1)
    assert time.perf_counter() - t < 0.3 + 0.1
    assert max(toy.limits) <= 0.3  # no sub-solve longer than the time left
    toy = Toy([100] * 5)
    search(toy, [Kind("a", 5, 1, 5, patience=3)], deadline=time.perf_counter() + 10,
           workers=1, target=480)
    assert toy.cost() == 480


def test_policies_alternate_or_take_kinds_in_turn():
    a, b = Kind("a", 1, 1, 1, patience=1), Kind("b", 1, 1, 1, patience=1)
    rng = np.random.default_rng(0)
    assert alternate([a, b], 0, rng) is a
    b.idle = 1  # exhausted: only `a` is live
    assert all(alternate([a, b], t, rng) is a for t in range(5))
    a.idle = 1
    assert alternate([a, b], 0, rng) is None
    turns = InTurn()
    assert turns([a, b], 0, rng) is b and b.idle == 0  # a exhausted: b starts afresh
    b.idle = 1
    assert turns([a, b], 1, rng) is a and a.idle == 0  # and back again


def test_interleave_gives_the_side_kind_every_nth_turn():
    a, u = Kind("a", 1, 1, 1, patience=1), Kind("units", 1, 1, 1, patience=1)
    rng = np.random.default_rng(0)
    pick = Interleave(alternate, "units", 3)
    assert [pick([a, u], t, rng).name for t in range(6)] == ["a", "a", "units"] * 2
    a.idle = 1  # the base has nothing left: the side kind takes every turn
    assert pick([a, u], 0, rng) is u
    u.idle = 1
    assert pick([a, u], 2, rng) is None  # both exhausted: the search ends


class LaneToy(Toy):
    """`Toy` split for `search_lanes`: a job lowers its positions by one when it commits
    (if they are all still positive); `run` checks that no job in flight shares one."""

    def __init__(self, values, sleep=0.0, status="optimal", width=1):
        super().__init__(values, sleep, status)
        self.width, self.flying, self.clash, self.peak = width, set(), False, 0
        self.lock = threading.Lock()

    def pick(self, kind):
        live = np.flatnonzero(self.values > 0)
        return self.rng.permutation(live)[: kind.size * self.width]

    def prepare(self, hood, time_limit, workers):
        if len(hood) == 0:
            return None
        return SimpleNamespace(footprint=np.sort(hood), limit=time_limit, run=lambda: self.run(
            set(hood.tolist()), time_limit))

    def run(self, spots, time_limit):
        with self.lock:
            self.clash |= bool(self.flying & spots)
            self.flying |= spots
            self.peak = max(self.peak, len(self.flying))
        time.sleep(min(self.sleep, time_limit))
        with self.lock:
            self.flying -= spots
        return self.status

    def commit(self, job, status):
        self.limits.append(job.limit)
        spots = job.footprint
        if (self.values[spots] <= 0).any():
            return 0, status
        self.values[spots] -= 1
        return len(spots), status


def test_lanes_solve_at_once_without_sharing_a_position_and_keep_the_deadline():
    toy = LaneToy([1000] * 40, sleep=0.05, status="feasible")
    t = time.perf_counter()
    stats = search_lanes(toy, [Kind("a", 2, 2, 2, patience=5)], deadline=t + 0.6, workers=1,
                         lanes=2)
    assert time.perf_counter() - t < 0.6 + 0.1
    assert not toy.clash and toy.peak == 4  # two jobs of two positions in flight at once
    assert max(toy.limits) <= 0.6
    one = LaneToy([1000] * 40, sleep=0.05, status="feasible")
    search(one, [Kind("a", 2, 2, 2, patience=5)], deadline=time.perf_counter() + 0.6,
           workers=1)
    assert stats.solved >= 1.5 * len(one.limits)  # about twice the sub-solves
    assert toy.cost() == 40_000 - 2 * stats.improved


def test_lanes_end_when_settled_with_every_job_committed_and_the_plan_never_worse():
    toy = LaneToy([3, 1, 2, 4, 1], width=1)
    trace = []
    stats = search_lanes(toy, [Kind("a", 1, 1, 2, patience=3)],
                         deadline=time.perf_counter() + 10, workers=1, lanes=3,
                         on_improve=trace.append)
    assert toy.cost() == 0 and not toy.flying and not toy.clash
    assert trace == sorted(trace, reverse=True) and stats.improved == len(trace)


def test_a_kind_follows_how_hard_its_sub_solves_without_gain_are():
    k = Kind("near", 150, 100, 400, patience=50, step=0, shrink=False, fast=0.3)
    k.record(0, "optimal", share=0.1)  # easy and nothing better: larger
    assert k.size == 188
    k.record(5, "optimal", share=0.1)  # a gain: the size stays
    k.record(0, "optimal", share=0.5)  # proven, but not fast
    assert k.size == 188
    k.record(0, "feasible", share=1.0)  # cut by its time: smaller
    assert k.size == 150
    for _ in range(5):
        k.record(0, "unknown", share=1.0)
    assert k.size == 100  # never below `low`
    for _ in range(10):
        k.record(0, "optimal", share=0.0)
    assert k.size == 400  # never above `high`
    plain = Kind("near", 150, 100, 400, patience=50, step=0, shrink=False)
    plain.record(0, "optimal", share=0.0)
    assert plain.size == 150  # without `fast` the share is ignored
