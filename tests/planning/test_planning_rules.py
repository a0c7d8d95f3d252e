"""Left-behind children first for beds, boarding schools per township and group intake,
each on a small instance whose answer is known by hand, broken, and caught by `verify`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.model.findings import ScenarioError
from allocator.verification import verify_result
from tests.conftest import block, by_block, scenario, school, solve_students


def rules_of(report) -> set[str]:
    return {p.rule for p in report.problems}


# -- left-behind children first ---------------------------------------------------------------
def _left_behind(left_behind=None):
    # 15 grade-5 pupils 8 km from A (beyond the 3 km radius: they board), A has 10 beds
    lb = {"5": 12} if left_behind is None else left_behind
    return scenario([school("A", 0, beds=10)],
                    [block("far", 8000, grades={5: 15}, left_behind=lb)])


def test_beds_go_to_left_behind_boarders_first():
    sc = _left_behind()
    r = solve_students(sc)
    lb = r.kpis.left_behind
    assert (lb.pupils, lb.boarders, lb.with_bed, lb.without_bed, lb.schools_short) == (
        12, 12, 10, 2, 1)
    assert verify_result(sc, r).ok
    r.kpis.left_behind.with_bed, r.kpis.left_behind.without_bed = 12, 0
    assert "left_behind_first" in rules_of(verify_result(sc, r))


def test_a_left_behind_total_is_spread_over_the_grades():
    sc = scenario([school("A", 0, beds=50)],
                  [block("b", 8000, grades={2: 10, 5: 10}, left_behind=6)])
    r = solve_students(sc)
    assert (r.kpis.left_behind.pupils, r.kpis.left_behind.boarders) == (6, 3)
    assert verify_result(sc, r).ok


def test_left_behind_above_the_pupils_is_an_input_error(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        solve_students(_left_behind({"5": 20}))
    (f,) = exc.value.findings
    assert (f.record, f.field, f.code) == ("block 'far'", "left_behind.5",
                                           "left_behind_above_pupils")
    with pytest.raises(ScenarioError) as exc:
        solve_students(_left_behind(16))
    assert exc.value.findings[0].field == "left_behind"
    data = json.loads(_left_behind({"5": 20}).model_dump_json(exclude_none=True))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), "utf-8")
    res = CliRunner().invoke(app, ["solve", str(path), "-o", str(tmp_path / "out"), "-q"])
    assert res.exit_code == 2 and "left_behind" in res.output
    assert not (tmp_path / "out").exists()


# -- boarding schools per township ----------------------------------------------------------------
def _towns(**options):
    return scenario([school("A", 0, beds=30, township="T1"), school("B", 2000, township="T1"),
                     school("C", 6000, township="T2")],
                    [block("b1", 500, grades={1: 10}, township="T1"),
                     block("b2", 6000, grades={1: 10}, township="T2")], options=options)


def test_each_township_keeps_a_boarding_school():
    sc = _towns()
    r = solve_students(sc)
    assert r.kpis.township_boarding.by_township == {"T1": 1, "T2": 0}
    (v,) = [v for v in r.violations if v.rule == "township_boarding_schools"]
    assert (v.subject, v.amount) == ("T2", 1)
    assert r.status == "optimal" and verify_result(sc, r).ok
    r.violations = [v for v in r.violations if v.rule != "township_boarding_schools"]
    assert "township_boarding_schools" in rules_of(verify_result(sc, r))


def test_a_township_may_ask_for_two_and_unknown_townships_are_errors():
    sc = _towns(township_boarding={"T1": 2, "T2": 0})
    r = solve_students(sc)
    assert [(v.subject, v.amount) for v in r.violations] == [("T1", 1)]
    assert verify_result(sc, r).ok
    with pytest.raises(ScenarioError) as exc:
        solve_students(_towns(township_boarding={"T9": 1}))
    (f,) = exc.value.findings
    assert (f.record, f.field, f.code) == ("options.township_boarding", "T9",
                                           "unknown_township")


def test_strict_plans_are_not_refused_for_a_township_without_beds():
    sc = _towns(strict=True)
    r = solve_students(sc)
    assert r.status == "optimal" and verify_result(sc, r).ok


# -- group intake (学区) -------------------------------------------------------------------------
def _groups(**options):
    # A (group G1) is 30 km away with beds; B (group G2) next door
    return scenario([school("A", 0, beds=100, group="G1"), school("B", 30000, group="G2")],
                    [block("b", 30000, grades={4: 60}, group="G1")], options=options)


def test_group_intake_prices_a_school_of_another_group():
    assert by_block(solve_students(_groups())) == {("b", "1-6"): "B"}  # rule off
    sc = _groups(enrol_within_group=True)
    r = solve_students(sc)
    # A costs 60 x 30 km = 1800; B outside the group 20 x 60 = 1200
    assert by_block(r) == {("b", "1-6"): "B"}
    (v,) = r.violations
    assert (v.rule, v.subject, v.school, v.amount, v.cost) == ("group_intake", "b", "B", 60,
                                                               1200.0)
    assert r.objective == pytest.approx(1200.0) and verify_result(sc, r).ok
    r.violations = []
    assert "group_intake" in rules_of(verify_result(sc, r))


def test_strict_group_intake_keeps_pupils_in_their_group():
    sc = _groups(enrol_within_group=True, strict=True)
    r = solve_students(sc)
    assert by_block(r) == {("b", "1-6"): "A"} and r.status == "optimal"
    assert r.violations == [] and verify_result(sc, r).ok


def test_choose_keeps_a_boarding_school_in_each_township():
    def case(**options):
        return scenario(
            [school("C", 0, beds=100, township="T1"),
             school("V1", 10000, beds=20, township="T2"), school("V2", 9000, township="T2")],
            [block("y", 9000, grades={4: 20}, township="T2")],
            layout=[{"op": "choose", "candidates": ["V1", "V2"], "keep": 1}], options=options)

    free = solve_students(case(township_boarding={"T2": 0}))
    assert free.layout.choose[0].kept == ["V2"]  # next to the pupils
    sc = case()
    r = solve_students(sc)
    assert r.layout.choose[0].kept == ["V1"]  # T2's only boarding school stays open
    assert r.kpis.township_boarding.by_township == {"T1": 1, "T2": 1}
    assert not [v for v in r.violations if v.rule == "township_boarding_schools"]
    assert verify_result(sc, r).ok
