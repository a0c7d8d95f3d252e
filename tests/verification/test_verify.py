"""The verifier accepts honest results and catches each kind of tampering."""

from __future__ import annotations

import pytest

from allocator.verification import verify_result
from tests.conftest import block, scenario, school, solve_students

ALL = {g: 10 for g in range(1, 10)}


@pytest.fixture(scope="module")
def case():
    sc = scenario(
        [school("A", 0, kind="nine_year", rooms=10, beds=20),
         school("B", 2500, beds=10, rooms=2),
         school("T", 9000, kind="teaching_point", rooms=3)],
        [block("b1", 100, grades=ALL, current_school={"primary": "B", "junior": "A"}),
         block("b2", 2400, grades={1: 40, 2: 40}),
         block("far", 9100, grades={1: 5, 2: 5, 3: 5, 4: 8, 5: 8, 6: 8})])
    return sc, solve_students(sc)


def rules(report) -> set[str]:
    return {p.rule for p in report.problems}


def tampered(result, fn):
    r = result.model_copy(deep=True)
    fn(r)
    return r


def test_honest_result_passes(case):
    sc, r = case
    report = verify_result(sc, r)
    assert report.ok, [str(p) for p in report.problems]
    assert r.violations  # the instance breaks rules: B lacks rooms and beds
    assert report.checked["assignments"] == len(r.assignments)


@pytest.mark.parametrize("change, rule", [
    (lambda r: setattr(r.assignments[0], "school", "T"), "served_grades"),
    (lambda r: setattr(r.assignments[0], "distance_km", r.assignments[0].distance_km + 1),
     "distance"),
    (lambda r: setattr(r.assignments[0], "boarders", 3), "boarding_beds"),
    (lambda r: r.assignments.pop(), "assignment_coverage"),
    (lambda r: r.assignments.append(r.assignments[0].model_copy()), "assignment_coverage"),
    (lambda r: r.violations.pop(), "boarding_beds"),
    (lambda r: setattr(r, "objective", r.objective - 5), "objective"),
    (lambda r: setattr(r.kpis, "moved_pupils", 0), "kpis"),
    (lambda r: setattr(r.assignments[0], "moved", 0), "moved"),
    (lambda r: setattr(r.schools[0], "classes_by_grade", [0] * 9), "class_size_cap"),
    (lambda r: setattr(r, "lower_bound", r.objective + 10), "bound"),
])
def test_tampering_is_caught(case, change, rule):
    sc, r = case
    report = verify_result(sc, tampered(r, change))
    assert not report.ok
    assert rule in rules(report), [str(p) for p in report.problems]


def test_young_pupils_beyond_the_radius_are_caught(case):
    sc, r = case

    def move_far_young(res):
        row = next(a for a in res.assignments if a.block == "far" and a.grades == "1-3")
        row.school = "A"

    report = verify_result(sc, tampered(r, move_far_young))
    assert "young_beyond_day_radius" in rules(report)


def test_split_level_at_full_schools_is_caught(case):
    sc, r = case

    def split(res):
        row = next(a for a in res.assignments if a.block == "b1" and a.level == "primary")
        lo = row.model_copy(update={"grades": "1-3", "pupils": 30, "moved": 30})
        hi = row.model_copy(update={"grades": "4-6", "pupils": 30, "school": "B"})
        res.assignments.remove(row)
        res.assignments.extend([lo, hi])

    assert "one_school_per_level" in rules(verify_result(sc, tampered(r, split)))


def test_strict_result_with_violations_is_caught(case):
    sc, r = case
    assert "status" in rules(verify_result(sc, tampered(r, lambda x: setattr(x, "strict",
                                                                             True))))
