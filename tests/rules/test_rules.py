"""Each rule on a small instance whose answer is known by hand."""

from __future__ import annotations

import pytest

from tests.conftest import block, by_block, scenario, school, solve_students

ALL_PRIMARY = {g: 10 for g in range(1, 7)}


def test_nearest_school_when_nothing_binds():
    sc = scenario([school("A", 0), school("B", 2000)],
                  [block("b1", 500, grades=ALL_PRIMARY), block("b2", 1600, grades=ALL_PRIMARY)])
    r = solve_students(sc)
    assert r.status == "optimal"
    assert by_block(r) == {("b1", "1-6"): "A", ("b2", "1-6"): "B"}
    assert r.objective == pytest.approx(60 * 0.5 + 60 * 0.4)
    assert r.lower_bound == pytest.approx(r.objective)
    assert r.violations == []


def test_served_grades_send_juniors_to_a_junior_school():
    sc = scenario([school("P", 0), school("J", 4000, kind="junior", beds=100)],
                  [block("b", 100, grades={1: 5, 7: 5})])
    r = solve_students(sc)
    assert by_block(r) == {("b", "1-6"): "P", ("b", "7-9"): "J"}
    junior = next(a for a in r.assignments if a.level == "junior")
    assert junior.distance_km == pytest.approx(3.9)
    assert junior.boarders == 0  # 3.9 km is inside the 5 km junior radius


def test_class_size_cap_moves_pupils_when_cheaper_than_the_penalty():
    # 50 grade-1 pupils; A has one classroom (one class of at most 45), B is 2 km further
    sc = scenario([school("A", 0, rooms=1), school("B", 2000, rooms=2)],
                  [block("b", 0, grades={1: 50})])
    r = solve_students(sc)
    assert by_block(r) == {("b", "1-6"): "B"}
    assert r.violations == []
    assert r.objective == pytest.approx(50 * 2.0)


def test_class_size_cap_elastic_names_the_school_grade_and_amount():
    sc = scenario([school("A", 0, rooms=1)], [block("b", 0, grades={1: 50})])
    r = solve_students(sc)
    (v,) = r.violations
    assert (v.rule, v.subject, v.grade, v.amount) == ("class_size_cap", "A", 1, 5)
    s = r.schools[0]
    assert s.classes_by_grade[0] == 1 and s.max_class_size == 50
    assert r.objective == pytest.approx(5 * 100)


def test_classrooms_penalty_is_preferred_to_oversize_classes():
    # 90 pupils in grade 1 at a one-room school: 2 classes in 1 room (1 extra class, 1000)
    # beats 45 pupils over the cap (4500)
    sc = scenario([school("A", 0, rooms=1)], [block("b", 0, grades={1: 90})])
    r = solve_students(sc)
    (v,) = r.violations
    assert (v.rule, v.amount) == ("classrooms", 1)
    assert r.schools[0].classes_by_grade[0] == 2


def test_school_size_cap_sends_the_overflow_elsewhere():
    sc = scenario([school("A", 0, max_students=100), school("B", 3000)],
                  [block("b1", 100, grades=ALL_PRIMARY), block("b2", 200, grades=ALL_PRIMARY)])
    r = solve_students(sc)
    schools = sorted(by_block(r).values())
    assert schools == ["A", "B"]  # 60 + 60 > 100: one block must leave A
    # b1->A, b2->B costs 60 x (0.1 + 2.8) = 174 < 60 x (2.9 + 0.2) = 186
    assert by_block(r) == {("b1", "1-6"): "A", ("b2", "1-6"): "B"}
    assert r.violations == []


def test_boarding_and_bed_shortage_elastic_and_strict():
    # grades 5-6 only, 8 km from the only school: they board; 10 beds for 20 boarders
    sc = scenario([school("A", 0, beds=10)], [block("far", 8000, grades={5: 10, 6: 10})])
    r = solve_students(sc)
    (a,) = r.assignments
    assert a.boarders == 20
    (v,) = r.violations
    assert (v.rule, v.subject, v.amount) == ("boarding_beds", "A", 10)
    strict = solve_students(sc, strict=True)
    assert strict.status == "infeasible"
    assert "boarding_beds" in strict.message and "A" in strict.message


def test_teaching_point_takes_the_young_while_the_older_board():
    sc = scenario(
        [school("C", 0, beds=50), school("T", 9000, kind="teaching_point", rooms=3)],
        [block("v", 9200, grades=ALL_PRIMARY)])
    r = solve_students(sc)
    assert by_block(r) == {("v", "1-3"): "T", ("v", "4-6"): "C"}
    upper = next(a for a in r.assignments if a.grades == "4-6")
    assert upper.boarders == 30 and r.violations == []


def test_one_school_per_level_when_the_central_school_is_near():
    # both schools within the radius: the teaching point may take 1-3 only if 4-6 go
    # elsewhere; the central school is nearer, so the whole level goes there
    sc = scenario([school("C", 0), school("T", 1500, kind="teaching_point", rooms=3)],
                  [block("v", 500, grades=ALL_PRIMARY)])
    r = solve_students(sc)
    assert set(by_block(r).values()) == {"C"}


def test_lower_segment_cannot_join_a_full_school_apart_from_the_upper():
    # 1-3 at full school A while 4-6 at full school B would break one_school_per_level
    sc = scenario([school("A", 0), school("B", 2500, beds=100),
                   school("T", 5000, kind="teaching_point", rooms=3)],
                  [block("v", 500, grades=ALL_PRIMARY)],
                  options={"locked": []})
    r = solve_students(sc)
    schools = {a.grades: a.school for a in r.assignments}
    full = [s for s in schools.values() if s in ("A", "B")]
    assert len(set(full)) == 1


def test_locked_assignment_is_kept():
    sc = scenario([school("A", 0), school("B", 2000)], [block("b", 100, grades=ALL_PRIMARY)],
                  options={"locked": [{"block": "b", "level": "primary", "school": "B"}]})
    r = solve_students(sc)
    assert by_block(r) == {("b", "1-6"): "B"}


def test_stability_weight_keeps_todays_school():
    blocks = [block("b", 900, grades=ALL_PRIMARY, current_school={"primary": "B"})]
    schools = [school("A", 0), school("B", 2000)]
    moved = solve_students(scenario(schools, blocks, options={"weights": {"stability": 0.0}}))
    assert by_block(moved)[("b", "1-6")] == "A"
    assert moved.assignments[0].moved == 60
    kept = solve_students(scenario(schools, blocks, options={"weights": {"stability": 1.0}}))
    assert by_block(kept)[("b", "1-6")] == "B"  # 60 x 0.2 km saved < 60 pupils moved


def test_strict_mode_holds_every_rule_or_says_which_cannot():
    schools = [school("A", 0, rooms=1), school("B", 2500, rooms=1)]
    ok = solve_students(scenario(schools, [block("b", 0, grades={1: 40}),
                                           block("c", 500, grades={1: 40})]), strict=True)
    assert ok.status == "optimal" and ok.violations == []
    assert sorted(by_block(ok).values()) == ["A", "B"]
    bad = solve_students(scenario(schools, [block("b", 0, grades={1: 40}),
                                            block("c", 500, grades={1: 40}),
                                            block("d", 900, grades={1: 40})]), strict=True)
    assert bad.status == "infeasible"
    assert bad.violations and bad.message.startswith("the rules cannot all hold")


def test_geographic_crs_uses_great_circle_km():
    sc = scenario([school("A", 112.9, 28.2)], [block("b", 112.91, 28.2, grades={1: 10})],
                  crs="EPSG:4326")
    r = solve_students(sc)
    assert r.assignments[0].distance_km == pytest.approx(0.98, abs=0.01)


def test_bound_never_exceeds_objective_with_pruned_candidates():
    schools = [school(f"S{i}", 1500 * i, rooms=2) for i in range(12)]
    blocks = [block(f"b{i}", 900 * i, grades={1: 30, 2: 30}) for i in range(20)]
    sc = scenario(schools, blocks, options={"candidates_k": 2, "relative_gap": 0.0})
    r = solve_students(sc)
    assert r.lower_bound <= r.objective + 1e-6
    assert r.status in ("optimal", "feasible")


def test_bound_charges_shared_classrooms_of_a_nine_year_school_once():
    # one shared classroom for 45 grade-1 and 100 grade-7 pupils: three classes, two of them
    # beyond the room (2000); the flow bound must not charge the junior overflow twice
    sc = scenario([school("N", 0, kind="nine_year", rooms=1)],
                  [block("b", 0, grades={1: 45, 7: 100})])
    r = solve_students(sc)
    assert r.objective == pytest.approx(2000)
    assert r.lower_bound <= r.objective + 1e-6
    assert [(v.rule, v.amount) for v in r.violations] == [("classrooms", 2)]
