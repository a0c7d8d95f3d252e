"""The county relaxation with whole classes (`students.county_bound`): whole classes and
unsplittable blocks raise it above the flow bound, it never exceeds a proven optimum
(every option of the rules: soft day radius, investment mode, group intake, strict), and
it keeps its deadline."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocator import generate_scenario, parse_scenario
from allocator.pipeline.prepare import prepare
from allocator.rules.objective import SCALE
from allocator.students.county_bound import build_county_model, prove_county_bound
from allocator.students.flow_bound import relax_with_pricing
from allocator.verification import verify_result
from tests.conftest import block, scenario, school, solve_students


def bounds_of(sc, strict: bool = False, seconds: float = 5.0) -> tuple[int, int | None]:
    """(flow bound, county bound) of a scenario, objective units."""
    pr = prepare(sc, stage="students").students
    rel, arcs = relax_with_pricing(pr.instance, pr.units, pr.arcs, elastic=not strict)
    cb = prove_county_bound(pr.instance, pr.units, arcs, rel, strict=strict,
                            deadline=time.perf_counter() + seconds)
    return rel.bound, cb.bound


def test_one_grade_of_46_pupils_at_a_45_cap():
    # A has one classroom; two blocks of 23 grade-1 pupils live at A; B, 2 km away, has
    # room. The flow fills A with 45 pupils and sends one on (1 x 2 km = 2). Whole blocks:
    # a block of 23 goes to B (46), or both stay at A with a pupil over the cap (100) or a
    # second class without a room (1,000): the optimum is 46.
    sc = scenario([school("A", 0, rooms=1), school("B", 2000)],
                  [block("b1", 0, grades={1: 23}), block("b2", 0, grades={1: 23})])
    flow, cb = bounds_of(sc)
    r = solve_students(sc)
    assert r.status == "optimal" and r.objective == pytest.approx(46.0)
    assert flow == pytest.approx(2 * SCALE)
    assert cb == pytest.approx(46 * SCALE)


def test_whole_classes_per_grade_raise_the_bound():
    # A: 2 rooms; one block with 50 pupils in grade 1 and 40 in grade 2 needs 3 classes at
    # A: an extra room (1,000) or 5 over the cap (500); the flow pays nothing
    sc = scenario([school("A", 0, rooms=2), school("B", 20000)],
                  [block("b", 0, grades={1: 50, 2: 40})])
    flow, cb = bounds_of(sc)
    assert flow == 0 and cb == pytest.approx(500 * SCALE)


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
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_bound_never_exceeds_the_proven_optimum(seed, options):
    sc = _random_county(seed, **options)
    r = solve_students(sc)
    assert r.status == "optimal", r.message
    flow, cb = bounds_of(sc)
    assert cb is not None
    assert flow <= cb <= round(r.objective * SCALE), (flow, cb, r.objective)


def test_young_pupils_beyond_the_radius_keep_the_bound_valid():
    # the only school is 8 km away: young pupils attend beyond the radius (priced), older
    # ones board in 10 beds; 20 older pupils in two blocks that cannot split
    sc = scenario([school("A", 0, beds=10)],
                  [block("y", 8000, grades={2: 10, 5: 6}), block("z", 8000, grades={5: 14})])
    r = solve_students(sc)
    assert r.status == "optimal"
    flow, cb = bounds_of(sc)
    assert flow <= cb <= round(r.objective * SCALE)


def test_strict_mode_bound_meets_the_strict_optimum():
    # strict: the rooms are hard, so one block of 30 must go to B (60)
    sc = scenario([school("A", 0, rooms=1), school("B", 2000)],
                  [block("b1", 0, grades={1: 30}), block("b2", 0, grades={1: 30})],
                  options={"strict": True})
    r = solve_students(sc)
    assert r.status == "optimal" and r.objective == pytest.approx(60.0)
    flow, cb = bounds_of(sc, strict=True)
    assert flow == pytest.approx(30 * SCALE)
    assert cb == pytest.approx(60 * SCALE)


def test_the_bound_keeps_its_deadline():
    sc = parse_scenario(generate_scenario(20, 600, seed=5))
    pr = prepare(sc, stage="students").students
    rel, arcs = relax_with_pricing(pr.instance, pr.units, pr.arcs, elastic=True)
    for seconds in (0.5, 2.0):
        t = time.perf_counter()
        cb = prove_county_bound(pr.instance, pr.units, arcs, rel, strict=False,
                                deadline=t + seconds)
        assert time.perf_counter() - t < seconds + 1.0
        assert cb.bound is None or cb.bound <= 10**15


def test_the_student_stage_reports_the_whole_class_bound():
    # ~400 units: above the size CP-SAT takes whole, so the stage runs the relaxation;
    # when CP-SAT still proves the optimum (a quiet machine) its proof is reported instead
    sc = parse_scenario(generate_scenario(8, 200, seed=3) | {
        "options": {"time_limit_s": 8, "workers": 2}})
    r = solve_students(sc)
    assert r.solver.units > 300
    flow, cb = bounds_of(sc, seconds=3.0)
    assert cb is not None and flow <= cb <= r.objective * SCALE + 1e-6
    if r.status == "optimal":
        assert r.lower_bound == pytest.approx(r.objective, rel=1e-6)
    elif (r.solver.bound_method or "").startswith("flow (the warm start is within"):
        assert r.solver.class_bound is None  # the search took the time
        assert r.lower_bound >= r.solver.flow_bound - 1e-6
    else:
        assert r.solver.bound_method in ("county relaxation with whole classes", "flow")
        assert r.solver.class_bound is not None
        assert r.lower_bound >= r.solver.class_bound - 1e-6
        assert r.lower_bound >= r.solver.flow_bound - 1e-6
    assert r.lower_bound <= r.objective + 1e-6
    assert verify_result(sc, r).ok


def test_a_model_past_its_deadline_is_not_built():
    sc = parse_scenario(generate_scenario(8, 200, seed=3))
    pr = prepare(sc, stage="students").students
    out = np.zeros(len(pr.units), dtype=np.int64)
    assert build_county_model(pr.instance, pr.units, pr.arcs, out, False,
                              deadline=time.perf_counter() - 1.0) is None
    assert build_county_model(pr.instance, pr.units, pr.arcs, out, False) is not None
