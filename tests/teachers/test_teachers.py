"""Hand-made rosters whose best rotation is known by hand; each rule binds in one of them.

Distances: schools on a line, x in metres (UTM). Staffing demand is pupils / 19 (primary)
or / 13.5 (junior), so 114 primary pupils need 6 teachers and 190 need 10.
"""

from __future__ import annotations

import pytest

from allocator.verification import verify_result
from tests.conftest import doc
from tests.rotation_helpers import county, moves, rotate, rules, school, staff, teacher

NO_SHARE = {"rotation.backbone_share": 0.0}


def check(sc, result):
    report = verify_result(sc, result)
    assert report.ok, [str(p) for p in report.problems]
    t = doc(result)["teachers"]
    assert t["lower_bound"] <= t["objective"] + 1e-9
    assert t["shortfall"]["lower_bound"] <= t["shortfall"]["weighted"]
    return t


def town_and_village(u_staff: list[dict], r_staff: list[dict], policy: dict | None = None):
    return county([school("U", 0, urban=True, strength=80), school("R", 3000, strength=40)],
                  {"U": 190, "R": 114}, u_staff + r_staff, policy)


def test_quota_takes_a_backbone_teacher_and_prefers_the_volunteer():
    # U needs 10 and has 12, may send 2 (20%); R needs 6 and has 5; 17 eligible: quota 2,
    # of whom >= 1 backbone. U's only senior stays (every primary keeps one).
    u = [teacher("U01", "U", backbone=True), teacher("U02", "U", volunteer=True),
         teacher("U03", "U", title="senior")] + staff("U1", "U", 9)
    r = [teacher("R01", "R", title="senior")] + staff("R1", "R", 4)
    sc = town_and_village(u, r, {"rotation.max_sending_share": 0.2})
    res = rotate(sc)
    assert moves(res) == {"U01": "R", "U02": "R"}
    assert doc(res)["teachers"]["status"] == "optimal" and not rules(res)
    t = check(sc, res)
    assert t["quota"]["required"] == 2 and t["quota"]["rotating"] == 2
    assert t["quota"]["backbone_rotating"] == 1 and t["quota"]["attainment"] == 1.0
    move = {m["teacher"]: m for m in t["moves"]}
    assert move["U02"]["distance_km"] == 3.0 and move["U02"]["volunteer"]
    assert "volunteer" in move["U02"]["reason"] and "backbone" in move["U01"]["reason"]


def test_a_senior_title_shortage_outranks_the_volunteer():
    # R has no senior-title teacher; U has two, the longer-serving one goes
    u = [teacher("U01", "U", backbone=True), teacher("U02", "U", volunteer=True),
         teacher("U03", "U", title="senior", years=10),
         teacher("U04", "U", title="senior", years=7)] + staff("U1", "U", 8)
    sc = town_and_village(u, staff("R1", "R", 5), {"rotation.max_sending_share": 0.2})
    res = rotate(sc)
    assert moves(res) == {"U01": "R", "U03": "R"}
    assert not rules(res)
    check(sc, res)
    assert "senior" in {m["teacher"]: m for m in doc(res)["teachers"]["moves"]}["U03"]["reason"]


def test_a_shortage_two_schools_away_is_filled_by_a_chain():
    # A may reach B only and B may reach C only (5 km limit); C is one short, B has none to
    # spare: one teacher A -> B and one B -> C
    schools = [school("A", 0, strength=90), school("B", 4000, strength=60),
               school("C", 8000, strength=30)]
    roster = ([teacher("A01", "A", title="senior")] + staff("A1", "A", 7)
              + [teacher("B01", "B", title="senior")] + staff("B1", "B", 5)
              + [teacher("C01", "C", title="senior")] + staff("C1", "C", 4))
    sc = county(schools, {"A": 114, "B": 114, "C": 114}, roster, {
        "rotation.quota": 0.0, "rotation.backbone_share": 0.0, "rotation.max_sending_share": 0.2,
        "rotation.direction": "strong_to_weak", "rotation.max_distance_km": 5.0})
    res = rotate(sc)
    assert moves(res) == {"A101": "B", "B101": "C"}
    assert not rules(res)
    check(sc, res)


@pytest.mark.parametrize("direction, origin", [("urban_to_rural", "U"),
                                                ("strong_to_weak", "R")])
def test_direction_urban_to_rural_or_strong_to_weak(direction, origin):
    # the town school is the weaker one here: the two directions disagree
    schools = [school("U", 0, urban=True, strength=10), school("R", 3000, strength=90)]
    roster = ([teacher("U01", "U", title="senior")] + staff("U1", "U", 7)
              + [teacher("R01", "R", title="senior")] + staff("R1", "R", 7))
    sc = county(schools, {"U": 114, "R": 114}, roster, {
        "rotation.direction": direction, "rotation.quota": 0.05, **NO_SHARE})
    res = rotate(sc)
    got = moves(res)
    assert len(got) == 1 and all(t.startswith(origin) for t in got)
    check(sc, res)


def test_within_group_keeps_moves_in_the_school_group():
    # C is nearer and weaker, but in another group
    schools = [school("A", 0, strength=90, group="G1"), school("B", 6000, strength=50,
               group="G1"), school("C", 2000, strength=20, group="G2")]
    roster = ([teacher("A01", "A", title="senior")] + staff("A1", "A", 9)
              + [teacher("B01", "B", title="senior")] + staff("B1", "B", 5)
              + [teacher("C01", "C", title="senior")] + staff("C1", "C", 4))
    sc = county(schools, {"A": 114, "B": 114, "C": 114}, roster, {
        "rotation.direction": "within_group", "rotation.quota": 0.05,
        "rotation.max_sending_share": 0.2, **NO_SHARE})
    res = rotate(sc)
    got = moves(res)
    assert len(got) == 2 and all(dest == "B" for dest in got.values())
    assert rules(res) == {("staffing_ratio", "C:primary"): 1}
    assert "no eligible primary teachers may move there" in [
        v for v in res.violations if v.subject == "C:primary"][0].message
    check(sc, res)


def test_eligibility_years_retirement_and_listed_exemptions():
    u = [teacher("U01", "U", years=3), teacher("U02", "U", age=57, sex="male"),
         teacher("U03", "U", exempt="pregnancy", volunteer=True),
         teacher("U04", "U", exempt="training", volunteer=True),
         teacher("U05", "U", years=2, volunteer=True), teacher("U06", "U", title="senior")]
    u += staff("U1", "U", 6)
    sc = town_and_village(u, [teacher("R01", "R", title="senior")] + staff("R1", "R", 2),
                          {"rotation.max_sending_share": 0.3, **NO_SHARE})
    res = rotate(sc)
    got = moves(res)
    assert len(got) == 2 and "U04" in got  # an unlisted reason exempts no one
    assert not {"U01", "U02", "U03", "U05", "U06"} & set(got)
    t = check(sc, res)
    assert t["quota"]["not_eligible"] == {"near_retirement": 1, "pregnancy": 1,
                                          "years_at_school": 2}
    assert any(w.code == "unlisted_exemption" and "U04" in w.message for w in res.warnings)


def test_junior_senior_share_keeps_the_senders_only_senior():
    # J1: 20 junior teachers, 1 senior (5%), needs 18 (243 pupils); J2: 10, needs 12
    schools = [school("J1", 0, kind="junior", urban=True, strength=80),
               school("J2", 4000, kind="junior", strength=30)]
    roster = ([teacher("J101", "J1", level="junior", title="senior")]
              + staff("J1x", "J1", 19, level="junior") + staff("J2x", "J2", 10, level="junior"))
    sc = county(schools, {"J1": {7: 81, 8: 81, 9: 81}, "J2": {7: 54, 8: 54, 9: 54}}, roster,
                NO_SHARE)
    res = rotate(sc)
    got = moves(res)
    assert len(got) == 2 and "J101" not in got and set(got.values()) == {"J2"}
    assert rules(res) == {("senior_title", "J2:junior"): 1, ("rotation_quota", "county"): 1}
    check(sc, res)


def test_one_for_one_exchange_pairs_the_moves():
    roster = ([teacher("U01", "U", title="senior")] + staff("U1", "U", 9)
              + [teacher("R01", "R", title="senior")] + staff("R1", "R", 7))
    sc = town_and_village(roster[:10], roster[10:], {"rotation.one_for_one": True, **NO_SHARE})
    res = rotate(sc)
    got = moves(res)
    assert sorted(got.values()) == ["R", "U"]
    back = next(m for m in doc(res)["teachers"]["moves"] if m["to"] == "U")
    assert "exchange partner" in back["reason"]
    check(sc, res)


def test_subject_needs_send_the_english_teachers():
    u = ([teacher("U01", "U", title="senior")] + staff("UE", "U", 4, subject="english")
         + staff("UM", "U", 7))
    sc = town_and_village(u, [teacher("R01", "R", title="senior")] + staff("R1", "R", 4), {
        "rotation.max_sending_share": 0.2, "staffing.subject_teachers_per_class":
            {"primary": {"english": 0.3}}, **NO_SHARE})
    res = rotate(sc)
    got = moves(res)
    assert len(got) == 2 and all(t.startswith("UE") for t in got)
    assert not rules(res)
    rows = {(r["school"], r["level"]): r for r in doc(res)["teachers"]["schools"]}
    assert rows[("R", "primary")]["subjects"]["english"] == {"demand": 2, "before": 0,
                                                             "after": 2}
    check(sc, res)


def test_a_subject_shortage_nobody_can_fill_is_named():
    u = [teacher("U01", "U", title="senior")] + staff("UM", "U", 11)
    sc = town_and_village(u, [teacher("R01", "R", title="senior")] + staff("R1", "R", 5), {
        "staffing.subject_teachers_per_class": {"primary": {"english": 0.3}}, **NO_SHARE})
    res = rotate(sc)
    short = rules(res)
    assert short[("staffing_ratio", "R:primary:english")] == 2
    assert short[("staffing_ratio", "U:primary:english")] == 2
    check(sc, res)


def test_impossible_quota_elastic_names_the_shortfall_strict_is_infeasible():
    # 20 eligible: 2 must rotate; U may send 1 (15% of 10), R's teachers have nowhere to go
    roster = ([teacher("U01", "U", title="senior")] + staff("U1", "U", 9)
              + [teacher("R01", "R", title="senior")] + staff("R1", "R", 9))
    sc = county([school("U", 0, urban=True, strength=80), school("R", 3000, strength=40)],
                {"U": 114, "R": 114}, roster, NO_SHARE)
    res = rotate(sc)
    assert len(moves(res)) == 1
    assert rules(res) == {("rotation_quota", "county"): 1}
    v = next(v for v in res.violations if v.rule == "rotation_quota")
    assert "10 at R (R01, R101, R102, R103 and 6 more)" in v.message
    assert "U may send 1 of 10" in v.message
    assert doc(res)["teachers"]["status"] == "optimal"
    check(sc, res)
    strict = rotate(sc, strict=True)
    assert strict.status == doc(strict)["teachers"]["status"] == "infeasible"
    assert "rotation_quota at county" in strict.message
    assert doc(strict)["teachers"]["shortfall"]["lower_bound"] > 0
    check(sc, strict)


def test_sending_share_caps_each_school():
    u = [teacher("U01", "U", title="senior")] + staff("U1", "U", 19)
    sc = county([school("U", 0, urban=True, strength=80), school("R", 3000, strength=40)],
                {"U": 190, "R": 228}, u + staff("R1", "R", 6, title="senior"), NO_SHARE)
    res = rotate(sc)
    assert len(moves(res)) == 3  # 15% of 20, though R is 6 short and U has 10 to spare
    assert rules(res) == {("staffing_ratio", "R:primary"): 3}
    check(sc, res)


@pytest.mark.parametrize("basis, expect", [("rotating", 1), ("eligible_backbone", 2)])
def test_backbone_basis_rotating_or_eligible_backbone(basis, expect):
    # one teacher must rotate (3% of 26); 10 eligible backbone teachers: 20% of them is 2
    u = ([teacher("U01", "U", title="senior")] + staff("UB", "U", 10, backbone=True)
         + staff("UP", "U", 9))
    sc = town_and_village(u, [teacher("R01", "R", title="senior")] + staff("R1", "R", 5), {
        "rotation.quota": 0.03, "rotation.backbone_basis": basis,
        "rotation.weights.balance": 0.0})
    res = rotate(sc)
    got = moves(res)
    assert sorted(got) == [f"UB{i + 1:02d}" for i in range(expect)]
    assert doc(res)["teachers"]["quota"]["backbone_required"] == expect and not rules(res)
    check(sc, res)


def test_quota_per_sending_school():
    # U and M may each send one (15% of 10); R, the weakest, sends to no one
    schools = [school("U", 0, urban=True, strength=80), school("M", 3000, strength=60),
               school("R", 6000, strength=20)]
    roster = ([teacher("U01", "U", title="senior")] + staff("U1", "U", 9)
              + [teacher("M01", "M", title="senior")] + staff("M1", "M", 9)
              + [teacher("R01", "R", title="senior")] + staff("R1", "R", 5))
    sc = county(schools, {"U": 114, "M": 114, "R": 114}, roster, {
        "rotation.quota_per_school": True, "rotation.direction": "strong_to_weak",
        "rotation.weights.balance": 0.0, **NO_SHARE})
    res = rotate(sc)
    senders = sorted(t[0] for t in moves(res))
    assert senders == ["M", "U"]
    assert rules(res) == {("rotation_quota", "county"): 1}
    per = {r["school"]: (r["required"], r["rotating"]) for r in
           doc(res)["teachers"]["quota"]["per_school"]}
    assert per == {"U": (1, 1), "M": (1, 1)}
    check(sc, res)


def test_layout_moves_merged_teachers_and_leaves_out_a_closed_schools():
    # B merges into A (its 6 teachers go with it); C closes with 2 teachers, who get no school
    sc = county([school("A", 0), school("B", 1000), school("C", 2000)],
                {"A": 114, "B": 114, "C": 0},
                staff("A", "A", 6) + staff("B", "B", 6) + staff("C", "C", 2),
                layout=[{"op": "merge", "from": ["B"], "into": "A"},
                        {"op": "close", "school": "C"}])
    r = rotate(sc, stage="all")
    check(sc, r)
    (a,) = [s for s in r.schools if s.id == "A"]
    assert a.teachers_before == 12 and a.enrolment == 228
    (w,) = [w for w in r.warnings if w.code == "teachers_without_school"]
    assert "C01" in w.message and "C02" in w.message
