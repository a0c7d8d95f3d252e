"""A comparison solves scenario files the way `allocator solve` does: the teacher stage runs
too, and the run folders hold every file `solve` writes."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

import allocator
from allocator.cli.main import app


def county_with_roster(tmp_path, name: str, layout: list | None = None):
    data = allocator.generate_scenario(8, 60, seed=5, teachers=True)
    data["name"] = name
    data["options"] = {"time_limit_s": 10, "workers": 1}
    if layout:
        data["layout"] = layout
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path, data


def test_compare_of_scenario_files_runs_the_teacher_stage(tmp_path):
    base, data = county_with_roster(tmp_path, "base")
    junior = next(s["id"] for s in data["schools"] if s["kind"] == "junior")
    plan, _ = county_with_roster(tmp_path, "plan", [{"op": "expand", "school": junior,
                                                     "classrooms": 3}])
    out = tmp_path / "cmp"
    r = CliRunner().invoke(app, ["compare", str(base), str(plan), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    for label in ("base", "plan"):
        folder = out / "runs" / label
        assert {"result.json", "rotation.csv", "staffing.csv", "scenario.json"} <= {
            p.name for p in folder.iterdir()}
        result = allocator.load_result(folder)
        assert result.stages == ["students", "teachers"] and result.teachers is not None
        direct = allocator.solve(allocator.load_scenario(tmp_path / f"{label}.json"))
        assert direct.stages == result.stages
    with open(out / "kpis.csv", encoding="utf-8") as f:
        keys = {row["key"] for row in csv.DictReader(f)}
    assert {"rotation.moves", "rotation.backbone_moves"} <= keys
