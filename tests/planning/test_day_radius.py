"""Rule young_beyond_day_radius on small instances whose answer is known by hand."""

from __future__ import annotations

import pytest

from allocator.verification import verify_result
from tests.conftest import block, by_block, scenario, school, solve_students


def _far_block():
    # one primary 8 km from the block: 3 km rural radius, so 5 km beyond it
    return scenario([school("A", 0, beds=100)], [block("far", 8000, grades={2: 10, 5: 10})])


def test_young_pupils_beyond_the_radius_attend_as_day_pupils():
    r = solve_students(_far_block())
    assert r.status == "optimal"
    (a,) = r.assignments
    assert (a.school, a.pupils, a.boarders) == ("A", 20, 10)  # grade 5 boards, grade 2 not
    (v,) = r.violations
    assert (v.rule, v.subject, v.school, v.amount, v.km_beyond) == (
        "young_beyond_day_radius", "far", "A", 10, 5.0)
    assert v.cost == pytest.approx(50 * 10 * 5.0)  # policy penalty 50 per pupil-km beyond
    assert r.objective == pytest.approx(20 * 8.0 + 2500.0)
    assert r.lower_bound == pytest.approx(r.objective)
    assert r.objective_terms.penalties == {"young_beyond_day_radius": 2500.0}
    assert r.kpis.young_beyond_day_radius.pupils == 10
    assert r.kpis.young_beyond_day_radius.pupil_km_beyond == pytest.approx(50.0)
    assert verify_result(_far_block(), r).ok


def test_a_school_within_the_radius_wins_when_it_has_room():
    sc = scenario([school("A", 0, beds=100), school("B", 9000, rooms=1)],
                  [block("b", 7000, grades={1: 40})])
    r = solve_students(sc)
    assert by_block(r) == {("b", "1-6"): "B"} and r.violations == []
    # grades 1 and 2 at B need 2 classes in its 1 room (penalty 1000 + 2 km x 60 = 1120);
    # at A they would be 4 km beyond the radius (50 x 60 x 4 + 7 x 60 = 12420): B still
    full = scenario([school("A", 0, beds=100), school("B", 9000, rooms=1)],
                    [block("b", 7000, grades={1: 40, 2: 20})])
    r = solve_students(full)
    assert by_block(r) == {("b", "1-6"): "B"}
    assert [v.rule for v in r.violations] == ["classrooms"] and verify_result(full, r).ok


def test_strict_mode_makes_the_radius_hard_and_explains_it():
    r = solve_students(_far_block(), strict=True)
    assert r.status == "infeasible"
    assert "young_beyond_day_radius" in r.message and "far" in r.message
    assert [v.rule for v in r.violations] == ["young_beyond_day_radius"]


def test_verify_recomputes_the_violation_independently():
    sc = _far_block()
    r = solve_students(sc)
    r.violations[0].km_beyond = 1.0
    report = verify_result(sc, r)
    assert not report.ok
    assert "young_beyond_day_radius" in {p.rule for p in report.problems}
    r2 = solve_students(sc)
    r2.violations = []
    assert "young_beyond_day_radius" in {p.rule for p in verify_result(sc, r2).problems}
    r3 = solve_students(sc)
    r3.assignments[0].boarders = 20  # young pupils never board
    assert "boarding_beds" in {p.rule for p in verify_result(sc, r3).problems}


def test_choose_keeps_a_plan_when_no_range_serves_every_young_block():
    layout = [{"op": "choose", "candidates": ["V1", "V2"], "keep": 1}]
    sc = scenario([school("C", 0, beds=500), school("V1", 4000), school("V2", 8000)],
                  [block("y", 8000, grades={1: 10}), block("z", 4000, grades={1: 10})],
                  layout=layout)
    r = solve_students(sc)
    assert r.status in ("optimal", "feasible")
    (v,) = [v for v in r.violations if v.rule == "young_beyond_day_radius"]
    assert v.amount == 10 and verify_result(sc, r).ok
    strict = solve_students(sc, strict=True)
    assert strict.status == "infeasible" and "young_beyond_day_radius" in strict.message
