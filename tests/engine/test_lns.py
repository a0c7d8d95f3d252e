"""The shared LNS driver (`allocator.engine.lns`): sizes adapt, the clock is kept, the plan
never gets worse, and the search ends when its kinds are exhausted or the plan settled."""

from __future__ import annotations

import time

import numpy as np

from allocator.engine.lns import Interleave, InTurn, Kind, alternate, search


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
