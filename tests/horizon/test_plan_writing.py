"""The plan folder written as the plan runs (each year's files as soon as it is solved,
into a staged folder): the same files as a folder written at the end, read back by
`read_plan` and `verify`, and nothing left behind when a later year fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import allocator.horizon.run as run
from allocator import (
    Finding,
    ScenarioError,
    parse_scenario,
    plan_horizon,
    plan_writer,
    read_plan,
    write_plan,
)
from allocator.cli.main import app
from allocator.model.result import parse_result, result_to_json
from tests.horizon.helpers import closing_school_data

runner = CliRunner()


def folder_files(root: Path) -> dict[str, object]:
    """Every file under `root` by relative path: JSON parsed, other files as text."""
    out: dict[str, object] = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            text = p.read_text(encoding="utf-8")
            out[str(p.relative_to(root))] = json.loads(text) if p.suffix == ".json" else text
    return out


def test_streamed_plan_folder_equals_the_one_written_at_the_end(tmp_path):
    sc = parse_scenario(closing_school_data())
    streamed, seen = tmp_path / "streamed", []

    def write_year(py):
        seen.append(py.year)
        writer.add_year(py)
        assert (writer.folder / str(py.year) / "result.json").is_file()
        assert not streamed.exists()  # the folder appears only when the plan is whole

    with plan_writer(streamed) as writer:
        plan = plan_horizon(sc, time_limit=5, write=write_year)
        writer.finish(plan, lang="en")
    assert seen == [2026, 2027, 2028]
    at_end = write_plan(plan, tmp_path / "at_end", lang="en")
    got, want = folder_files(streamed), folder_files(at_end)
    assert sorted(got) == sorted(want)
    assert len([k for k in got if k.endswith("/result.json")]) == 3
    assert got == want
    back = read_plan(streamed)
    assert [y for y, _, _ in back.years] == [2026, 2027, 2028]
    for (year, year_sc, result), py in zip(back.years, plan.years, strict=True):
        assert year == py.year and result == py.result and year_sc == py.scenario
    assert back.scenario == sc
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staged leftovers


def test_result_json_reads_back_identically_and_holds_the_same_keys_and_values():
    """result.json (pydantic's JSON writer) parses back to the same Result and holds what
    `model_dump(mode="json")` holds, number lists on one line."""
    plan = plan_horizon(parse_scenario(closing_school_data()), time_limit=5, years=(2026, 2027))
    for py in plan.years:
        text = result_to_json(py.result)
        assert parse_result(text) == py.result
        assert json.loads(text) == py.result.model_dump(mode="json", by_alias=True)
        assert '"enrolment_by_grade": [' in text and text.endswith("}\n")


def failing_in(year_index: int, monkeypatch) -> list[int]:
    """Make the `year_index`-th solve of a plan raise ScenarioError; the calls so far."""
    calls: list[int] = []
    solve = run.solve

    def solve_or_fail(scenario, **kw):
        calls.append(len(calls))
        if len(calls) == year_index:
            raise ScenarioError([Finding(severity="error", code="test", path="blocks[0]",
                                         message="cannot be solved (made to fail)")])
        return solve(scenario, **kw)

    monkeypatch.setattr(run, "solve", solve_or_fail)
    return calls


def test_an_error_in_year_three_leaves_no_folder(tmp_path, monkeypatch):
    calls = failing_in(3, monkeypatch)
    out = tmp_path / "plan"
    with pytest.raises(ScenarioError), plan_writer(out) as writer:
        plan = plan_horizon(parse_scenario(closing_school_data()), time_limit=5,
                            write=writer.add_year)
        writer.finish(plan)
    assert len(calls) == 3
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_an_error_in_year_three_keeps_the_earlier_plan_folder_through_the_cli(
        tmp_path, monkeypatch):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(closing_school_data()), encoding="utf-8")
    out = tmp_path / "plan"
    r = runner.invoke(app, ["plan", str(scenario), "-o", str(out), "--time-limit", "5",
                            "--years", "2026-2027"])
    assert r.exit_code == 0, r.output
    before = folder_files(out)
    assert sorted(k.split("/")[0] for k in before if k.endswith("result.json")) == [
        "2026", "2027"]
    failing_in(3, monkeypatch)
    r = runner.invoke(app, ["plan", str(scenario), "-o", str(out), "--time-limit", "5"])
    assert r.exit_code == 2, r.output
    assert "made to fail" in r.output and "Traceback" not in r.output
    assert folder_files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan", "s.json"]


def test_a_plan_writer_left_unfinished_publishes_nothing(tmp_path):
    plan = plan_horizon(parse_scenario(closing_school_data()), time_limit=5, years=(2026, 2027))
    out = tmp_path / "plan"
    with pytest.raises(RuntimeError, match="unfinished"), plan_writer(out) as writer:
        writer.add_year(plan.years[0])
    assert not out.exists() and list(tmp_path.iterdir()) == []
