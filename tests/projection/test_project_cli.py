"""`allocator project` end to end, and bad input: exit 2, record and field named, nothing
written."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from allocator import (
    ScenarioError,
    describe_policy,
    parse_scenario,
    project_scenario,
    resolve_policy,
)
from allocator.cli.main import app
from tests.projection.helpers import county, town_block

runner = CliRunner()


def declining() -> dict:
    births = [{"township": "T1", "year": 2019 + i, "births": 60 - 6 * i} for i in range(8)]
    return county([town_block("b1", grades={g: 50 for g in range(1, 10)}),
                   town_block("b2", x=900, town="T2", urban=False, grades={1: 20, 7: 20},
                              left_behind=3, name="二村")],
                  births=births,
                  developments=[{"id": "D1", "block": "b2", "dwellings": 300, "year": 2028}],
                  options={"time_limit_s": 3, "workers": 1})


def run(tmp_path, data: dict, *args: str):
    src = tmp_path / "s.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out, table = tmp_path / "projected.json", tmp_path / "projection.csv"
    r = runner.invoke(app, ["project", str(src), "-o", str(out), "--table", str(table),
                            *args])
    return r, out, table


def test_project_writes_the_scenario_and_the_table(tmp_path):
    data = declining()
    r, out, table = run(tmp_path, data, "--years", "2026-2032", "--lang", "zh")
    assert r.exit_code == 0, r.output
    assert "小学" in r.output and "2032" in r.output and "已写入" in r.output
    written = json.loads(out.read_text(encoding="utf-8"))
    for b in written["blocks"]:
        assert sorted(b["students_by_year"]) == [str(y) for y in range(2026, 2033)]
        assert all(len(v) == 9 for v in b["students_by_year"].values())
    # nothing the user gave is lost, nothing else is added
    for key, value in data.items():
        if key != "blocks":
            assert written[key] == value
    for given, back in zip(data["blocks"], written["blocks"], strict=True):
        assert {k: v for k, v in back.items() if k != "students_by_year"} == given
    rows = list(csv.DictReader(table.read_text(encoding="utf-8-sig").splitlines()))
    assert list(rows[0]) == ["year", "township", "primary", "junior", "grade_1", "total"]
    assert len(rows) == 7 * 3  # T1, T2 and the county, every year
    t1 = [int(x["grade_1"]) for x in rows if x["township"] == "T1"]
    assert t1 == sorted(t1, reverse=True) and t1[0] > t1[5]  # births decline
    again = parse_scenario(written)  # the output is a valid scenario
    assert again.blocks[1].students_by_year["2028"][0] > again.blocks[1].students_by_year[
        "2027"][0]


def test_project_in_english_with_a_variant_and_a_json_table(tmp_path):
    src = tmp_path / "s.json"
    data = declining()
    data["developments"][0]["year"] = 2027
    src.write_text(json.dumps(data), encoding="utf-8")
    out, table = tmp_path / "p.json", tmp_path / "t.json"
    r = runner.invoke(app, ["project", str(src), "--years", "2026-2027", "--variant", "low",
                            "-o", str(out), "--table", str(table), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "low" in r.output and "primary" in r.output
    assert json.loads(table.read_text())["variant"] == "low"


BAD = [
    (lambda d: d, ["--years", "2020-2030"], "option --years", "before the base year"),
    (lambda d: d, ["--years", "soon"], "option --years", "not a range of years"),
    (lambda d: d.update(births=[{"township": "T9", "year": 2020, "births": 5}]),
     ["--years", "2026-2030"], "births[0]", "field 'township'"),
    (lambda d: d.update(projection={"survival": {"T1": -0.5}}), ["--years", "2026-2030"],
     "projection.survival.T1", "greater than or equal to 0"),
    (lambda d: d.update(policy={"overrides": {"projection.trend": -1}}),
     ["--years", "2026-2030"], "projection.trend", "greater than or equal to 0"),
    (lambda d: d["developments"][0].update(block="nowhere"), ["--years", "2026-2030"],
     "development 'D1'", "field 'block'"),
    (lambda d: d["developments"][0].update(year=2035), ["--years", "2026-2030"],
     "development 'D1'", "outside the horizon"),
    (lambda d: d["blocks"][0].update(children_by_age=[1, 2, 3, 4, 5]),
     ["--years", "2026-2030"], "block 'b1'", "needs 6 counts"),
    (lambda d: d.pop("year"), ["--years", "2026-2030"], "projection.base_year",
     "base year is unknown"),
    (lambda d: d, ["--years", "2026-2030", "--variant", "huge"], "--variant", "low, medium"),
]


@pytest.mark.parametrize(("change", "args", "where", "what"), BAD,
                         ids=["before-base", "bad-years", "unknown-township", "negative",
                              "negative-policy", "unknown-block", "dev-outside", "ages-5",
                              "no-base-year", "variant"])
def test_bad_input_exits_2_naming_record_and_field_and_writes_nothing(
        tmp_path, change, args, where, what):
    data = declining()
    change(data)
    r, out, table = run(tmp_path, data, *args)
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.split())  # the console wraps long lines
    assert where in text and what in text, r.output
    assert "Traceback" not in r.output
    assert not out.exists() and not table.exists()


def test_every_finding_at_once_from_the_api():
    data = declining()
    data["births"].append({"township": "T8", "year": 2020, "births": 1})
    data["developments"].append({"id": "D2", "block": "b0", "dwellings": 1, "year": 2027})
    with pytest.raises(ScenarioError) as exc:
        project_scenario(parse_scenario(data), "2026-2030")
    assert {(f.record, f.field) for f in exc.value.findings} == {
        ("births[8]", "township"), ("development 'D2'", "block")}


def test_policy_lists_the_projection_numbers_as_assumptions():
    [row] = [r for r in describe_policy(resolve_policy()) if r["rule"] == "projection"]
    assert "projection.pupils_per_100_dwellings" in row["value"]
    assert "[assumption]" in row["value"] and row["source"].startswith("assumption:")


def test_one_projection_number_can_be_overridden_alone():
    policy = resolve_policy("cn-national", {"projection.variants.low.births": 0.8,
                                            "projection.survival.rural": [0.95] * 8,
                                            "projection.pupils_per_100_dwellings.junior": 9})
    p = policy.projection
    assert p.variants["low"].births == 0.8 and p.variants["low"].migration == 0.98
    assert p.survival.rural == [0.95] * 8 and p.survival.urban == [1.0] * 8
    assert (p.pupils_per_100_dwellings.primary, p.pupils_per_100_dwellings.junior) == (12, 9)
    assert resolve_policy().projection == resolve_policy("cn-rotation-9y").projection


def test_policy_command_shows_the_assumption_marks():
    r = runner.invoke(app, ["policy", "--lang", "en"], env={"COLUMNS": "240"})
    assert r.exit_code == 0 and "projection" in r.output
    assert "[assumption]" in r.output  # printed as text, not taken for markup


def test_settings_and_records_naming_unknown_townships_or_repeating_are_refused():
    data = declining()
    data["births"].append({"township": "T1", "year": 2020, "births": 9})
    data["developments"].append({"id": "D1", "block": "b1", "dwellings": 1, "year": 2027})
    data["projection"] = {"survival": {"urban": 1.0, "T7": 0.9}, "migrant": {"rural": 1.1}}
    with pytest.raises(ScenarioError) as exc:
        project_scenario(parse_scenario(data), "2026-2030")
    assert {(f.record, f.field) for f in exc.value.findings} == {
        ("births[8]", "year"), ("development 'D1'", "id"), ("projection", "survival.T7"),
        ("projection", "migrant.rural")}
