"""The warm start's compiled moves (`students.repair_kernel`) equal the Python ones: the
school penalty on random loads, and `repair.improve_plan` on generated counties."""

from __future__ import annotations

import numpy as np
import pytest

from allocator import generate_scenario, parse_scenario
from allocator.pipeline.prepare import prepare
from allocator.rules.classes import load_penalty
from allocator.students import repair, repair_kernel
from allocator.students.repair import Loads, loads_cost, search_penalties

repair_kernel.warm_up(background=False)


def test_the_compiled_school_penalty_is_the_rules_one_on_random_loads():
    assert repair_kernel.ready()
    rng = np.random.default_rng(3)
    cap = np.array([45] * 6 + [50] * 3, dtype=np.int64)
    pen = {"class_size_cap": 10_000, "classrooms": 100_000, "school_size_cap": 10_000,
           "boarding_beds": 10_000}
    w = np.array([pen["class_size_cap"], pen["classrooms"], pen["school_size_cap"],
                  pen["boarding_beds"]], dtype=np.int64)
    for _ in range(3000):
        P = rng.integers(0, 200, 9) * (rng.random(9) < 0.8)
        rooms, r0, r1 = int(rng.integers(0, 40)), -1, -1
        if rng.random() < 0.4:
            r0, r1 = int(rng.integers(0, 25)), int(rng.integers(0, 15))
        size_cap, beds, boarders = (int(rng.integers(100, 2500)), int(rng.integers(0, 300)),
                                    int(rng.integers(0, 400)))
        if rng.random() < 0.3:
            w = np.array([int(rng.integers(1, 20_000)), int(rng.integers(1, 200_000)),
                          int(rng.integers(1, 20_000)), int(rng.integers(1, 20_000))],
                         dtype=np.int64)
            pen = dict(zip(["class_size_cap", "classrooms", "school_size_cap",
                            "boarding_beds"], w.tolist(), strict=True))
        want = load_penalty(P.tolist(), boarders, cap.tolist(), rooms, r0, r1, size_cap, beds,
                            pen)
        got = repair_kernel.school_cost(P.astype(np.int64), boarders, cap, rooms, r0, r1,
                                        size_cap, beds, w)
        assert got == want, (P.tolist(), rooms, r0, r1, size_cap, beds, boarders, pen)


@pytest.mark.parametrize("seed,tight", [(1, False), (2, True), (5, True)])
def test_the_compiled_repair_makes_the_python_moves(seed, tight, monkeypatch):
    pr = prepare(parse_scenario(generate_scenario(25, 500, seed=seed, tight=tight)),
                 stage="students").students
    inst, units, arcs = pr.instance, pr.units, pr.arcs
    start = arcs.start(len(units))
    rng = np.random.default_rng(seed)
    poor = start[:-1] + (rng.random(len(units)) * np.diff(start)).astype(np.int64)
    fast = repair.improve_plan(inst, units, arcs, poor.copy(), strict=tight)
    monkeypatch.setattr(repair_kernel, "ready", lambda: False)
    slow = repair.improve_plan(inst, units, arcs, poor.copy(), strict=tight)
    assert (fast == slow).all()
    pen = search_penalties(inst, tight)
    cost = [loads_cost(Loads(inst, units, arcs, c, pen), c) for c in (poor, fast)]
    assert cost[1] < cost[0]
