"""The funding model (annual cost) and the balance report (seven resource indicators, CVs)
on hand-made schools whose numbers are known."""

from __future__ import annotations

import pytest

from allocator.metrics.balance import build_balance_report, count_teachers, summarize_balance
from allocator.metrics.kpis import funding_kpis
from allocator.model.policy import resolve_policy
from allocator.model.result import Assignment, SchoolResult
from allocator.model.scenario import School, Teacher
from allocator.rules.catalog import RULES, describe_policy
from allocator.rules.statistics import weighted_cv
from allocator.verification import verify_result
from tests.conftest import block, doc, scenario, school, solve_students

POLICY = resolve_policy()


def row(sid: str, by_grade: list[int], kind: str = "primary", fixed: float = 0.0,
        boarders: int = 0) -> SchoolResult:
    return SchoolResult(id=sid, kind=kind, enrolment=sum(by_grade), enrolment_by_grade=by_grade,
                        classes_by_grade=[1 if p else 0 for p in by_grade],
                        classes=sum(1 for p in by_grade if p), classrooms=12,
                        max_class_size=max(by_grade), size_cap=2000, boarders=boarders,
                        beds=0, utilisation=0.5, fixed_cost_yuan=fixed)


def record(sid: str, kind: str = "primary", **stock) -> School:
    return School(id=sid, kind=kind, location=(0, 0), classrooms=12, **stock)


def teacher(tid: str, sid: str, level: str = "primary", **kw) -> Teacher:
    return Teacher(id=tid, school=sid, subject=kw.pop("subject", "math"), level=level, **kw)


def test_funding_small_school_floor_boarding_and_fixed_costs():
    schools = [row("A", [100, 100, 0, 0, 0, 0, 50, 0, 0], kind="nine_year", fixed=500_000),
               row("B", [10, 10, 10, 0, 0, 0, 0, 0, 0], fixed=200_000),
               row("E", [0] * 9, fixed=100_000)]
    rows = [Assignment(block="x", level="primary", grades="1-6", school="A", pupils=200,
                       boarders=20, distance_km=6.0),
            Assignment(block="x", level="junior", grades="7-9", school="A", pupils=50,
                       boarders=50, distance_km=9.0),
            Assignment(block="y", level="primary", grades="1-6", school="B", pupils=30,
                       boarders=0, distance_km=1.0)]
    f = funding_kpis(rows, schools, POLICY)
    assert f["per_pupil_total_yuan"] == 230 * 650 + 50 * 850
    assert f["small_school_topup_yuan"] == 70 * 650  # B: 30 pupils funded as 100
    assert f["schools_funded_at_floor"] == 1 and f["funded_pupils"] == 280 + 70
    assert f["boarding_subsidy_yuan"] == 70 * 200  # one national value per boarder
    assert f["fixed_cost_yuan"] == 800_000  # the empty school still costs its fixed cost
    assert f["total_yuan"] == pytest.approx(sum(f[k] for k in (
        "per_pupil_total_yuan", "small_school_topup_yuan", "boarding_subsidy_yuan",
        "fixed_cost_yuan")))


def test_funding_follows_policy_overrides_in_a_solve():
    sc = scenario([school("A", 0, annual_fixed_cost=300_000)],
                  [block("b", 100, grades={1: 20, 2: 20})],
                  policy={"overrides": {"funding.per_pupil_yuan.primary": 1000,
                                        "funding.small_school_floor": 50}})
    r = solve_students(sc)
    f = doc(r)["kpis"]["funding"]
    assert (f["per_pupil_total_yuan"], f["small_school_topup_yuan"], f["fixed_cost_yuan"]) == (
        40_000, 10_000, 300_000)
    assert r.schools[0].fixed_cost_yuan == 300_000
    assert verify_result(sc, r).ok


def test_policy_holds_the_national_thresholds_with_their_source():
    std = POLICY.balance.standard
    expect = {"higher_degree_teachers": (4.2, 5.3), "backbone_teachers": (1, 1),
              "pe_art_teachers": (0.9, 0.9), "teaching_area_m2": (4.5, 5.8),
              "sports_area_m2": (7.5, 10.2), "equipment_value": (2000, 2500),
              "multimedia_rooms": (2.3, 2.4)}
    for key, (p, j) in expect.items():
        assert (getattr(std, key).primary, getattr(std, key).junior) == (p, j)
    assert (std.min_met, std.rest_floor) == (6, 0.85)
    assert "教督〔2017〕6号" in RULES["balance_standard"].source
    row_ = next(r for r in describe_policy(POLICY) if r["rule"] == "balance_standard")
    assert "teaching_area_m2" in row_["value"]


def test_indicators_of_one_school_and_the_six_of_seven_rule():
    # 200 primary pupils; 10 higher-degree teachers (5 per 100 >= 4.2), 2 backbone (1 per
    # 100), 2 PE/art (1 >= 0.9); 1000 m2 teaching area (5 >= 4.5), 1400 m2 sports (7 < 7.5
    # but >= 85% of it), 500,000 yuan equipment (2500), 5 multimedia rooms (2.5 >= 2.3)
    roster = [teacher(f"T{i}", "A", degree="bachelor" if i < 10 else "secondary",
                      backbone=i < 2, subject="pe" if i in (2, 3) else "math")
              for i in range(12)]
    rep = build_balance_report(
        [row("A", [40, 40, 30, 30, 30, 30, 0, 0, 0])],
        {"A": record("A", teaching_area_m2=1000, sports_area_m2=1400, equipment_value=500_000,
                     multimedia_rooms=5)}, roster, POLICY).model_dump()
    (r,) = rep["schools"]
    assert r["values"] == {"higher_degree_teachers": 5.0, "backbone_teachers": 1.0,
                           "pe_art_teachers": 1.0, "teaching_area_m2": 5.0,
                           "sports_area_m2": 7.0, "equipment_value": 2500.0,
                           "multimedia_rooms": 2.5}
    assert r["indicators_met"] == 6 and r["meets_min_indicators"] and r["status"] == "meets"
    low = build_balance_report(
        [row("A", [40, 40, 30, 30, 30, 30, 0, 0, 0])],
        {"A": record("A", teaching_area_m2=1000, sports_area_m2=1000, equipment_value=500_000,
                     multimedia_rooms=5)}, roster, POLICY).model_dump()
    assert low["schools"][0]["status"] == "fails"  # 5 m2 sports < 85% of 7.5


def test_missing_data_is_reported_missing_never_invented():
    schools = [row("A", [50] * 6 + [0] * 3), row("B", [20] * 6 + [0] * 3)]
    records = {"A": record("A", teaching_area_m2=1500), "B": record("B")}
    rep = build_balance_report(schools, records, None, POLICY).model_dump()
    a, b = rep["schools"]
    assert a["values"]["higher_degree_teachers"] is None  # no roster
    assert a["values"]["teaching_area_m2"] == 5.0 and b["values"]["teaching_area_m2"] is None
    assert a["values"]["sports_area_m2"] is None and a["indicators_missing"] == 6
    assert a["status"] == "undetermined" and a["meets_min_indicators"] is None
    ind = rep["levels"]["primary"]["indicators"]
    assert ind["teaching_area_m2"]["schools_missing"] == 1
    assert ind["teaching_area_m2"]["cv"] == 0.0  # one school with data
    assert ind["sports_area_m2"]["cv"] is None and ind["sports_area_m2"]["cv_ok"] is None
    assert any("no teacher roster" in n for n in rep["notes"])
    # a teacher of unknown degree makes that school's degree count missing; a roster that
    # never states `backbone` makes backbone counts missing everywhere
    roster = [teacher("T1", "A", degree=None), teacher("T2", "B", degree="master")]
    counts, notes = count_teachers(roster, POLICY)
    assert counts[("A", "primary")].higher_degree is None
    assert counts[("B", "primary")].higher_degree == 1
    assert counts[("A", "primary")].backbone is None and len(notes) == 2


def test_degree_threshold_depends_on_the_level():
    roster = [teacher("P", "N", degree="associate"), teacher("J", "N", level="junior",
                                                             degree="associate"),
              teacher("K", "N", level="junior", degree="bachelor", backbone=True)]
    counts, _ = count_teachers(roster, POLICY)
    assert counts[("N", "primary")].higher_degree == 1  # associate is above secondary
    assert counts[("N", "junior")].higher_degree == 1  # junior needs a bachelor's


def test_nine_year_school_is_judged_as_two_parts_and_cvs_are_enrolment_weighted():
    schools = [row("N", [50] * 6 + [100] * 3, kind="nine_year"),
               row("P", [20] * 6 + [0] * 3)]
    records = {"N": record("N", kind="nine_year", teaching_area_m2=3000, sports_area_m2=6000,
                           equipment_value=1_200_000, multimedia_rooms=12),
               "P": record("P", teaching_area_m2=240, sports_area_m2=1200,
                           equipment_value=120_000, multimedia_rooms=2)}
    report = build_balance_report(schools, records, [], POLICY)
    rep = report.model_dump()
    parts = {(r["school"], r["level"]): r for r in rep["schools"]}
    assert set(parts) == {("N", "primary"), ("N", "junior"), ("P", "primary")}
    # N: 300 primary and 300 junior pupils share its stock half and half
    assert parts[("N", "primary")]["values"]["teaching_area_m2"] == 5.0
    assert parts[("N", "junior")]["values"]["sports_area_m2"] == 10.0
    primary = rep["levels"]["primary"]["indicators"]["teaching_area_m2"]
    assert primary["cv"] == weighted_cv([5.0, 2.0], [300, 120])
    assert primary["cv_max"] == 0.5 and primary["cv_ok"] == (primary["cv"] <= 0.5)
    summary = summarize_balance(report)
    assert summary["junior"].cv_max == 0.45
    assert summary["primary"].cv["teaching_area_m2"] == primary["cv"]


def test_solve_reports_balance_and_verify_recomputes_it():
    teachers = [{"id": f"T{i}", "school": "A" if i < 3 else "B", "subject": "art",
                 "level": "primary", "degree": "bachelor", "backbone": i == 0}
                for i in range(5)]
    sc = scenario([school("A", 0, teaching_area_m2=600, multimedia_rooms=2),
                   school("B", 3000, teaching_area_m2=200, multimedia_rooms=1)],
                  [block("a", 0, grades={1: 60}), block("b", 3000, grades={1: 40})],
                  teachers=teachers)
    r = solve_students(sc)
    assert verify_result(sc, r).ok
    lv = doc(r)["kpis"]["balance"]["primary"]
    assert lv["cv"]["teaching_area_m2"] == weighted_cv([10.0, 5.0], [60, 40])
    assert lv["cv"]["sports_area_m2"] is None
    bad = r.model_copy(deep=True)
    bad.balance.schools[0].values["teaching_area_m2"] = 99.0
    assert "balance_cv" in {p.rule for p in verify_result(sc, bad).problems}


def test_floor_for_rural_small_schools_and_one_boarding_subsidy():
    urban = row("U", [10, 10, 0, 0, 0, 0, 0, 0, 0]).model_copy(update={"urban": True})
    rural = row("R", [10, 10, 0, 0, 0, 0, 0, 0, 0])
    rows = [Assignment(block="x", level="junior", grades="7-9", school="R", pupils=10,
                       boarders=10, distance_km=9.0)]
    f = funding_kpis(rows, [urban, rural], POLICY)
    assert f["schools_funded_at_floor"] == 1 and f["small_school_topup_yuan"] == 80 * 650
    assert f["boarding_subsidy_yuan"] == 10 * 200
    everywhere = resolve_policy(overrides={"funding.small_school_floor_rural_only": False,
                                           "funding.boarding_subsidy_yuan": 300})
    f = funding_kpis(rows, [urban, rural], everywhere)
    assert f["schools_funded_at_floor"] == 2 and f["boarding_subsidy_yuan"] == 10 * 300
    by_level = resolve_policy(overrides={"funding.boarding_subsidy_by_level":
                                         {"primary": 250, "junior": 350}})
    assert funding_kpis(rows, [rural], by_level)["boarding_subsidy_yuan"] == 10 * 350


def test_capital_of_the_layout_and_investments_in_the_annual_cost():
    sc = scenario([school("A", 0, rooms=2), school("B", 900, rooms=4)],
                  [block("b", 100, grades={1: 45, 2: 45, 3: 45, 4: 45})],
                  layout=[{"op": "expand", "school": "B", "classrooms": 2, "boarding_beds": 10},
                          {"op": "close", "school": "B"}],
                  options={"invest": True})
    r = solve_students(sc)
    f = r.kpis.funding
    assert f.capital_yuan == 0  # B's expansion is closed with it
    assert f.investment_yuan == r.investments_total.annual_cost_yuan == 2 * 15000
    assert f.total_yuan == pytest.approx(f.per_pupil_total_yuan + f.small_school_topup_yuan
                                         + f.boarding_subsidy_yuan + f.fixed_cost_yuan
                                         + f.investment_yuan)
    assert verify_result(sc, r).ok
    sc = scenario([school("A", 0, rooms=2)], [block("b", 100, grades={1: 45})],
                  layout=[{"op": "expand", "school": "A", "classrooms": 2, "boarding_beds": 10}])
    f = solve_students(sc).kpis.funding
    assert f.capital_yuan == (2 * 300_000 + 10 * 12_000) / 20
