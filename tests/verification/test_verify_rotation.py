"""`verify` re-derives every rotation rule: an honest rotation passes, each tampering with a
rule is caught under that rule's name."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from allocator import parse_result
from allocator.verification import verify_result
from tests.conftest import doc
from tests.rotation_helpers import county, rotate, school, staff, teacher


def build(one_for_one: bool = False):
    schools = [school("U", 0, urban=True, strength=80), school("R", 3000, strength=40),
               school("F", 10000, strength=30), school("J", 0, 2000, kind="junior",
                                                        strength=20)]
    roster = ([teacher("U01", "U", backbone=True), teacher("U02", "U", volunteer=True),
               teacher("U03", "U", title="senior"), teacher("U04", "U", years=3)]
              + staff("U1", "U", 8) + [teacher("R01", "R", title="senior")]
              + staff("R1", "R", 4) + [teacher("F01", "F", title="senior")] + staff("F1", "F", 5)
              + [teacher("J01", "J", level="junior", title="senior")]
              + staff("J1", "J", 9, level="junior"))
    policy = {"rotation.max_distance_km": 5.0, "rotation.max_sending_share": 0.3,
              "rotation.one_for_one": one_for_one}
    return county(schools, {"U": 190, "R": 114, "F": 114, "J": {7: 45, 8: 45, 9: 45}},
                  roster, policy)


@pytest.fixture(scope="module")
def case():
    sc = build()
    return sc, rotate(sc)


def problems(sc, result) -> set[str]:
    return {p.rule for p in verify_result(sc, result).problems}


def tampered(result, change):
    """`result` after `change` edited it as result.json holds it (sections as JSON)."""
    r = SimpleNamespace(**doc(result))
    change(r)
    return parse_result(json.dumps(vars(r)))


def add_move(teacher_id: str, frm: str, to: str, km: float, **kw):
    def change(r):
        r.teachers["moves"].append({"teacher": teacher_id, "from": frm, "to": to,
                                    "subject": kw.get("subject", "math"),
                                    "backbone": kw.get("backbone", False),
                                    "title": kw.get("title", "intermediate"),
                                    "distance_km": km, "reason": "", "level": "primary",
                                    "volunteer": kw.get("volunteer", False)})
    return change


def test_honest_rotation_passes(case):
    sc, r = case
    report = verify_result(sc, r)
    assert report.ok, [str(p) for p in report.problems]
    assert report.checked["rotation_moves"] == len(r.teachers.moves) == 2
    assert {m.teacher for m in r.teachers.moves} == {"U01", "U02"}


def set_move(field: str, value, who: str = "U02"):
    def change(r):
        next(m for m in r.teachers["moves"] if m["teacher"] == who)[field] = value
    return change


def drop_move(who: str):
    def change(r):
        r.teachers["moves"] = [m for m in r.teachers["moves"] if m["teacher"] != who]
    return change


@pytest.mark.parametrize("change, rule", [
    (add_move("U04", "U", "R", 3.0), "rotation_eligibility"),
    (add_move("R101", "R", "U", 3.0), "rotation_direction"),
    (add_move("U106", "U", "F", 10.0), "rotation_distance"),
    (set_move("distance_km", 4.0), "distance"),
    (add_move("U107", "U", "J", 2.0), "served_grades"),
    (add_move("U03", "U", "R", 3.0, title="senior"), "senior_title"),
    (drop_move("U01"), "rotation_backbone_share"),
    (drop_move("U02"), "rotation_quota"),
    (set_move("backbone", True), "rotation_moves"),
    (set_move("to", "F"), "rotation_distance"),
    (lambda r: r.teachers["moves"].append(dict(r.teachers["moves"][0])), "rotation_moves"),
    (lambda r: r.teachers.__setitem__("objective", r.teachers["objective"] + 5),
     "rotation_objective"),
    (lambda r: r.teachers["schools"][0].__setitem__("teachers_after", 99), "rotation_rows"),
    (lambda r: r.teachers["balance"]["primary"]["backbone_per_100"].__setitem__("after", 0.01),
     "balance_cv"),
    (lambda r: r.teachers["quota"].__setitem__("eligible", 3), "rotation_quota"),
    (lambda r: r.teachers.__setitem__("lower_bound", r.teachers["objective"] + 1), "bound"),
    (lambda r: r.schools[0].__setitem__("teachers_after", 3) if r.schools else
     r.teachers["schools"].pop(), "rotation_rows"),
])
def test_tampering_is_caught(case, change, rule):
    sc, r = case
    assert rule in problems(sc, tampered(r, change))


def test_sending_share_and_staffing_floor(case):
    sc, r = case
    extra = [add_move(f"U1{i:02d}", "U", "R", 3.0) for i in range(3, 9)]

    def many(res):
        for c in extra:
            c(res)

    found = problems(sc, tampered(r, many))
    assert {"rotation_sending_share", "staffing_ratio"} <= found


def test_unreported_and_invented_violations(case):
    sc, r = case
    assert r.violations  # the quota cannot be met: U is the only school with teachers to spare
    found = problems(sc, tampered(r, lambda res: res.violations.pop()))
    assert found & {"staffing_ratio", "senior_title", "rotation_quota",
                    "rotation_backbone_share"}


def test_strict_result_claiming_success_with_shortfalls_is_caught(case):
    sc, r = case

    def claim(res):
        res.teachers["strict"] = True
        res.teachers["status"] = "optimal"
    assert "status" in problems(sc, tampered(r, claim))


def test_exchange_must_be_one_for_one():
    sc = build(one_for_one=True)
    r = rotate(sc)
    assert verify_result(sc, r).ok
    back = next(m.teacher for m in r.teachers.moves if m.to == "U")
    assert "rotation_exchange" in problems(sc, tampered(r, drop_move(back)))
