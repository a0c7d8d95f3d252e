"""The decomposition bound by school (`students.class_bound`): whole classes and
unsplittable blocks raise it above the flow bound, and it never exceeds a proven optimum
(every option of the rules: soft day radius, investment mode, group intake, strict)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocator.pipeline.prepare import prepare
from allocator.rules.objective import SCALE
from allocator.students.class_bound import class_bound
from allocator.students.flow_bound import relax_with_pricing
from allocator.students.hint import warm_start
from allocator.students.rows import build_schools
from tests.conftest import block, scenario, school, solve_students


def bounds_of(sc, strict: bool = False, seconds: float = 5.0) -> tuple[int, int | None, int]:
    """(flow bound, class bound, warm start cost) of a scenario, objective units."""
    pr = prepare(sc, stage="students").students
    inst, units = pr.instance, pr.units
    rel, arcs = relax_with_pricing(inst, units, pr.arcs, elastic=not strict)
    hint = warm_start(inst, units, arcs, rel, strict, time_limit=1.0)
    _, _, pen = build_schools(inst, units, arcs, hint)
    upper = int(arcs.cost[hint].sum()) + pen
    now = time.perf_counter()
    cb = class_bound(inst, units, arcs, rel, strict=strict, upper=upper,
                     deadline=now + seconds, hard_deadline=now + 2 * seconds)
    return rel.bound, cb.bound, upper


def _two_blocks_one_room():
    # A has one classroom (45 pupils of grade 1); two blocks of 30 grade-1 pupils live at
    # A; B, 2 km away (within the day radius), has room. The flow fills A with 45 pupils
    # and sends 15 on to B (15 x 2 km = 30); whole blocks send one block of 30 (60).
    # Staying at A costs a second class (1,000 for the room) or 15 pupils over the cap
    # (1,500) -- so the optimum is 60.
    return scenario([school("A", 0, rooms=1), school("B", 2000)],
                    [block("b1", 0, grades={1: 30}), block("b2", 0, grades={1: 30})])


def test_whole_blocks_raise_the_bound_to_the_optimum():
    sc = _two_blocks_one_room()
    flow, cb, _ = bounds_of(sc)
    assert flow == pytest.approx(30 * SCALE)
    assert cb == pytest.approx(60 * SCALE)  # integer sub-problems: the optimum
    r = solve_students(sc)
    assert r.status == "optimal" and r.objective == pytest.approx(60.0)
    assert r.lower_bound == pytest.approx(60.0, abs=1e-6)
    assert r.solver.bound_method is None  # small model: CP-SAT solves it whole and proves


def test_whole_classes_per_grade_raise_the_bound():
    # A: 2 rooms; one block with 50 pupils in grade 1 and 40 in grade 2 needs 3 classes
    # at A (2 for grade 1): an extra room (1,000) or 5 over the cap (5 x 100 = 500); the
    # flow sees 90 pupils in 2 x 45 seats and pays nothing. B is 20 km away.
    sc = scenario([school("A", 0, rooms=2), school("B", 20000)],
                  [block("b", 0, grades={1: 50, 2: 40})])
    flow, cb, _ = bounds_of(sc)
    r = solve_students(sc)
    assert r.status == "optimal" and r.objective == pytest.approx(500.0)
    assert flow == 0
    assert cb == pytest.approx(500 * SCALE)


def _random_county(seed: int, **options) -> object:
    """A small random county whose optimum CP-SAT proves on every admissible arc."""
    rng = np.random.default_rng(seed)
    schools = [school(f"S{i}", float(rng.uniform(0, 6000)), float(rng.uniform(0, 6000)),
                      rooms=int(rng.integers(1, 4)), beds=int(rng.integers(0, 30)),
                      group="g1" if i % 2 else "g2")
               for i in range(4)]
    blocks = [block(f"B{i}", float(rng.uniform(0, 9000)), float(rng.uniform(0, 9000)),
                    grades={g: int(rng.integers(0, 25)) for g in (1, 2, 3, 4, 5)},
                    group="g1" if i % 3 else "g2")
              for i in range(8)]
    return scenario(schools, blocks, options={"time_limit_s": 20, **options})


OPTIONS = [
    pytest.param({}, id="elastic"),
    pytest.param({"invest": True}, id="invest"),
    pytest.param({"enrol_within_group": True}, id="group-intake"),
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_bound_never_exceeds_the_proven_optimum(seed, options):
    sc = _random_county(seed, **options)
    r = solve_students(sc)
    assert r.status == "optimal", r.message
    flow, cb, upper = bounds_of(sc)
    assert cb is not None
    assert flow <= r.objective * SCALE + 1
    assert cb <= round(r.objective * SCALE), (cb, r.objective)
    assert upper >= round(r.objective * SCALE) - 1
    assert r.lower_bound <= r.objective + 1e-6


def test_young_pupils_beyond_the_radius_keep_the_bound_valid():
    # the only school is 8 km away: young pupils attend beyond the radius (priced), older
    # ones board in 10 beds; 20 older pupils in two blocks that cannot split
    sc = scenario([school("A", 0, beds=10)],
                  [block("y", 8000, grades={2: 10, 5: 6}), block("z", 8000, grades={5: 14})])
    r = solve_students(sc)
    assert r.status == "optimal"
    flow, cb, _ = bounds_of(sc)
    assert flow <= cb <= round(r.objective * SCALE)


def test_strict_mode_bound_meets_the_strict_optimum():
    # strict: the rooms are hard, so one block must go to B (60); the bound sees it
    sc = scenario([school("A", 0, rooms=1), school("B", 2000)],
                  [block("b1", 0, grades={1: 30}), block("b2", 0, grades={1: 30})],
                  options={"strict": True})
    r = solve_students(sc)
    assert r.status == "optimal" and r.objective == pytest.approx(60.0)
    flow, cb, _ = bounds_of(sc, strict=True)
    assert flow == pytest.approx(30 * SCALE)
    assert cb == pytest.approx(60 * SCALE)


def test_the_bound_keeps_its_deadline():
    sc = _random_county(5)
    t = time.perf_counter()
    bounds_of(sc, seconds=0.3)
    assert time.perf_counter() - t < 5.0
