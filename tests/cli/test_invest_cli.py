"""Investment mode and the policy's sources through the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from allocator import resolve_policy
from allocator.cli.main import app
from allocator.rules.catalog import RULES, describe_policy
from tests.cli.test_cli import small, write
from tests.conftest import block

runner = CliRunner()


def short_of_beds() -> dict:
    data = small()
    data["blocks"].append(block("far", 9000, grades={5: 30, 6: 30}))  # B has 10 beds
    return data


def test_solve_invest_builds_beds_and_verify_accepts(tmp_path):
    sc = write(tmp_path, short_of_beds())
    plain, inv = tmp_path / "plain", tmp_path / "inv"
    assert runner.invoke(app, ["solve", str(sc), "-o", str(plain), "-q"]).exit_code == 0
    r = runner.invoke(app, ["solve", str(sc), "-o", str(inv), "-q", "--invest"])
    assert r.exit_code == 0, r.output
    assert "investments: 0 classrooms, 50 beds at 1 schools" in r.output
    before = json.loads((plain / "result.json").read_text())
    after = json.loads((inv / "result.json").read_text())
    [v] = before["violations"]
    assert v["rule"] == "boarding_beds" and v["relief"]["beds"] == 50
    assert after["invest"] and after["violations"] == []
    assert after["investments"] == [{"school": "B", "what": "beds", "level": None, "count": 50,
                                     "cost_yuan": 600000.0, "annual_cost_yuan": 30000.0}]
    assert after["investments_total"]["beds"] == 50
    for out in (plain, inv):
        v = runner.invoke(app, ["verify", str(sc), str(out)])
        assert v.exit_code == 0, v.output


def test_invest_with_strict_is_an_input_error(tmp_path):
    data = short_of_beds()
    data["options"]["invest"] = True
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(write(tmp_path, data)), "-o", str(out), "-q",
                            "--strict"])
    assert r.exit_code == 2 and "invest" in r.output and not out.exists()
    data["options"]["strict"] = True
    r = runner.invoke(app, ["validate", str(write(tmp_path, data))])
    assert r.exit_code == 2 and "options" in r.output and "invest" in r.output


def test_negative_unit_costs_name_the_setting(tmp_path):
    data = short_of_beds()
    data["policy"] = {"profile": "cn-national", "overrides": {"investment.bed_yuan": -5}}
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(write(tmp_path, data)), "-o", str(out), "-q"])
    assert r.exit_code == 2 and "investment.bed_yuan" in r.output and not out.exists()


def test_policy_marks_assumptions_and_cites_the_2014_opinion():
    rows = {row["rule"]: row for row in describe_policy(resolve_policy("cn-national"))}
    for rule, part in (("boarding_beds", "day_radius_km"), ("young_beyond_day_radius",
                                                            "day_radius_km"),
                       ("staffing_ratio", "staffing.small_school"),
                       ("investment", "investment")):
        assert rows[rule]["source"].startswith(f"assumption: no cited text gives {part}")
        assert f"{part}=" in rows[rule]["value"] and "[assumption]" in rows[rule]["value"]
    assert "[assumption]" not in rows["class_size_cap"]["value"]
    assert not RULES["class_size_cap"].assumed
    assert "2014" in rows["rotation_eligibility"]["source"]
    assert "交流轮岗" in rows["rotation_eligibility"]["source"]
    r = runner.invoke(app, ["policy"])
    assert r.exit_code == 0 and "assumption" in r.output
