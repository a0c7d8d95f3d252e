"""Indicators phrased like the targets, with stable ids: shares of schools free of classes
over 55 and over the cap, pupils at their nearest school, new schools over the size cap."""

from __future__ import annotations

import pytest

from allocator.metrics.indicators import KPI_IDS, kpi_value, new_over_size_cap, target_indicators
from allocator.model.policy import resolve_policy
from allocator.model.result import Result, SchoolResult
from allocator.verification import verify_result
from tests.conftest import block, scenario, school, solve_students

POLICY = resolve_policy()


def row(sid: str, pupils: int, classes: int, size_cap: int = 2000) -> SchoolResult:
    by_grade = [pupils] + [0] * 8
    return SchoolResult(id=sid, kind="primary", enrolment=pupils, enrolment_by_grade=by_grade,
                        classes_by_grade=[classes] + [0] * 8, classes=classes, classrooms=9,
                        max_class_size=-(-pupils // classes), size_cap=size_cap, boarders=0,
                        beds=0, utilisation=0.1)


def test_shares_of_schools_free_of_large_classes_and_within_the_cap():
    schools = [row("ok", 90, 2), row("over_cap", 50, 1), row("large", 112, 2),
               SchoolResult(**{**row("empty", 1, 1).model_dump(), "enrolment": 0,
                               "enrolment_by_grade": [0] * 9, "classes_by_grade": [0] * 9})]
    ind = target_indicators(schools, POLICY, nearest_pupils=126)
    assert ind["schools_without_large_classes_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert ind["schools_within_class_cap_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert ind["nearest_school_share"] == pytest.approx(126 / 252, abs=1e-4)


def test_nearest_school_pupils_in_a_solve_and_verify():
    # b2 is nearest to B, but B has 1 classroom for b2's 2 classes: b2 goes farther, to A
    sc = scenario([school("A", 0), school("B", 2000, rooms=1)],
                  [block("b1", 100, grades={1: 30}), block("b2", 1900, grades={1: 45, 2: 45})])
    r = solve_students(sc)
    ind = r.kpis.indicators
    assert ind.nearest_school_pupils == kpi_value(r, "nearest_school_pupils")
    assert ind.nearest_school_pupils == 30 and ind.nearest_school_share == pytest.approx(
        30 / 120, abs=1e-4)
    assert {a.block: a.school for a in r.assignments} == {"b1": "A", "b2": "A"}
    assert verify_result(sc, r).ok
    tampered = r.model_copy(deep=True)
    tampered.kpis.indicators.nearest_school_pupils += 1
    assert "kpis" in {p.rule for p in verify_result(sc, tampered).problems}


def test_new_schools_over_the_size_cap_against_the_base():
    base = Result(scenario="base", status="optimal", strict=False,
                  schools=[row("A", 120, 3, size_cap=100), row("B", 50, 2, size_cap=100)])
    run = Result(scenario="run", status="optimal", strict=False,
                 schools=[row("A", 130, 3, size_cap=100), row("B", 140, 4, size_cap=100)])
    assert new_over_size_cap(base, run) == ["B"]
    assert KPI_IDS["new_schools_over_size_cap"].path.startswith("compare:")


def test_every_kpi_id_resolves_in_a_result():
    sc = scenario([school("A", 0)], [block("b", 100, grades={1: 20})])
    r = solve_students(sc)
    for kpi_id, kpi in KPI_IDS.items():
        assert kpi.id == kpi_id and kpi.better in ("higher", "lower")
        if kpi.path.startswith("compare:"):
            with pytest.raises(ValueError):
                kpi_value(r, kpi_id)
        else:
            assert kpi_value(r, kpi_id) is not None, kpi_id
    with pytest.raises(KeyError):
        kpi_value(r, "no_such_kpi")
