"""The rotation stage through the command line: both stages, outputs, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.cli.main import app
from tests.conftest import block, school
from tests.rotation_helpers import staff, teacher

runner = CliRunner()


def data(**kw) -> dict:
    """A town school with teachers to spare and a village school one short."""
    roster = ([teacher("U01", "U", backbone=True, title="senior"),
               teacher("U02", "U", title="senior", volunteer=True)] + staff("U1", "U", 11)
              + [teacher("R01", "R", title="senior")] + staff("R1", "R", 4))
    d = {"name": "rotation-cli", "crs": "EPSG:32649",
         "schools": [school("U", 0, urban=True, strength=80),
                     school("R", 3000, strength=40)],
         "blocks": [block("bu", 100, grades={g: 32 for g in range(1, 7)}, urban=True,
                          current_school={"primary": "U"}),
                    block("br", 2900, grades={g: 19 for g in range(1, 7)},
                          current_school={"primary": "R"})],
         "teachers": roster,
         "policy": {"overrides": {"rotation.max_sending_share": 0.2}},
         "options": {"time_limit_s": 5, "workers": 2}}
    d.update(kw)
    return d


def write(tmp_path: Path, d: dict) -> Path:
    p = tmp_path / "s.json"
    p.write_text(json.dumps(d), encoding="utf-8")
    return p


@pytest.mark.parametrize("stage, files", [
    (None, {"result.json", "assignments.csv", "schools.csv", "rotation.csv", "staffing.csv"}),
    ("teachers", {"result.json", "rotation.csv", "staffing.csv"}),
])
def test_solve_runs_the_rotation_and_verify_accepts(tmp_path, stage, files):
    sc = write(tmp_path, data())
    out = tmp_path / "out"
    args = ["solve", str(sc), "-o", str(out), "-q"] + (["--stage", stage] if stage else [])
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert files <= {p.name for p in out.iterdir()}
    assert "teachers: optimal" in r.output and "quota 2/2" in r.output
    res = json.loads((out / "result.json").read_text())
    assert res["stages"] == (["students", "teachers"] if stage is None else ["teachers"])
    rows = list(csv.DictReader((out / "rotation.csv").open(encoding="utf-8")))
    assert {r["teacher"] for r in rows} == {m["teacher"] for m in res["teachers"]["moves"]}
    assert len(rows) == 2 and all(r["from"] == "U" and r["to"] == "R" for r in rows)
    if stage is None:
        teachers = {s["id"]: (s["teachers_before"], s["teachers_after"])
                    for s in res["schools"]}
        assert teachers == {"U": (13, 11), "R": (5, 7)}
    v = runner.invoke(app, ["verify", str(sc), str(out)])
    assert v.exit_code == 0, v.output
    assert "rotation_moves 2" in v.output


def test_students_stage_alone_ignores_the_roster(tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(write(tmp_path, data())), "-o", str(out), "-q",
                            "--stage", "students"])
    assert r.exit_code == 0, r.output
    res = json.loads((out / "result.json").read_text())
    assert res["stages"] == ["students"] and res["teachers"] == {"moves": []}
    assert not (out / "rotation.csv").exists()


@pytest.mark.parametrize("change, expect", [
    (lambda d: d["teachers"][0].update(school="NOPE"),
     ["teacher 'U01'", "field 'school'", "NOPE"]),
    (lambda d: d["teachers"][1].update(subject="latin"),
     ["teacher 'U02'", "field 'subject'", "no school needs subject 'latin'"]),
    (lambda d: d["teachers"][2].update(level="junior"),
     ["teacher 'U101'", "field 'level'", "teaches no junior grades"]),
    (lambda d: d["teachers"].append(dict(d["teachers"][0])),
     ["teacher 'U01'", "ids must be unique"]),
    (lambda d: d["schools"].append(school("X", 500, status="closed"))
     or d["teachers"][3].update(school="X"), ["teacher 'U102'", "school 'X' is closed"]),
])
def test_bad_rosters_exit_2_naming_teacher_and_field(tmp_path, change, expect):
    d = data()
    change(d)
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(write(tmp_path, d)), "-o", str(out), "-q"])
    assert r.exit_code == 2, r.output
    said = " ".join(r.output.split())  # the console wraps long lines
    for text in expect:
        assert text in said, r.output
    assert "Traceback" not in r.output
    assert not out.exists()
    v = runner.invoke(app, ["validate", str(write(tmp_path, d))])
    assert v.exit_code == 2 and expect[0] in v.output


@pytest.mark.parametrize("d, args, expect", [
    (data(teachers=[]), ["--stage", "teachers"], "no teacher roster"),
    (data(blocks=[block("bu", 100, grades={1: 30})]), ["--stage", "teachers"],
     "no block has a current_school"),
    (data(), ["--stage", "everything"], "--stage 'everything'"),
])
def test_stage_errors_exit_2(tmp_path, d, args, expect):
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(write(tmp_path, d)), "-o", str(out), "-q", *args])
    assert r.exit_code == 2 and expect in " ".join(r.output.split()), r.output
    assert not out.exists()


def test_strict_impossible_quota_exits_1_naming_rule_and_teachers(tmp_path):
    d = data(policy={"overrides": {"rotation.max_sending_share": 0.1}})
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(write(tmp_path, d)), "-o", str(out), "-q",
                            "--strict", "--stage", "teachers"])
    assert r.exit_code == 1, r.output
    res = json.loads((out / "result.json").read_text())
    assert res["status"] == "infeasible" and res["teachers"]["status"] == "infeasible"
    quota = next(v for v in res["violations"] if v["rule"] == "rotation_quota")
    assert quota["subject"] == "county" and quota["amount"] == 1
    assert "at R (R01, R101" in quota["message"] and "U may send 1 of 13" in quota["message"]
    assert "rotation_quota" in r.output


def test_policy_lists_rotation_rules_and_presets():
    from allocator.model.policy import resolve_policy
    from allocator.rules.catalog import describe_policy

    r = runner.invoke(app, ["policy", "--profile", "cn-rotation-group"])
    assert r.exit_code == 0
    for text in ("rotation_direction", "rotation_exchange", "rotation_eligibility"):
        assert text in r.output
    rows = {row["rule"]: row["value"] for row in describe_policy(
        resolve_policy("cn-rotation-group"))}
    assert rows["rotation_direction"] == "rotation.direction=within_group"
    assert "rotation.quota_per_school=True" in rows["rotation_quota"]
    assert resolve_policy("cn-rotation-9y").rotation.min_years_at_school == 9
