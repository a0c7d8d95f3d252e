"""End to end through the command line: exit codes, messages, outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from allocator import result_schema
from allocator.cli.main import app
from allocator.model.loading import scenario_json_schema
from tests.conftest import block, school

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def write(tmp_path: Path, data: dict, name: str = "s.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def small(**kw) -> dict:
    data = {"name": "cli", "crs": "EPSG:32649",
            "schools": [school("A", 0), school("B", 2000, beds=10)],
            "blocks": [block("b1", 100, grades={1: 20, 5: 20}),
                       block("b2", 1900, grades={2: 30, 6: 10})],
            "options": {"time_limit_s": 5, "workers": 2}}
    data.update(kw)
    return data


def test_solve_writes_outputs_and_verify_accepts(tmp_path):
    sc = write(tmp_path, small())
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(sc), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert "optimal" in r.output
    assert {p.name for p in out.iterdir()} >= {"result.json", "assignments.csv", "schools.csv"}
    res = json.loads((out / "result.json").read_text())
    assert res["status"] == "optimal" and len(res["students"]["assignments"]) == 2
    v = runner.invoke(app, ["verify", str(sc), str(out)])
    assert v.exit_code == 0, v.output


def test_malformed_json_exits_2_naming_file_and_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"schools": [', encoding="utf-8")
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(p), "-o", str(out)])
    assert r.exit_code == 2
    assert "bad.json" in r.output and "line 1" in r.output
    assert "Traceback" not in r.output
    assert not out.exists()


def test_wrong_type_names_record_and_field(tmp_path):
    data = small()
    data["blocks"][1]["students"][3] = "many"
    r = runner.invoke(app, ["validate", str(write(tmp_path, data))])
    assert r.exit_code == 2
    assert "block 'b2'" in r.output and "students (grade 4)" in r.output


def test_unknown_id_and_missing_location(tmp_path):
    data = small()
    data["blocks"][0]["current_school"] = {"primary": "NOPE"}
    del data["schools"][1]["location"]
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(write(tmp_path, data)), "-o", str(out), "-q"])
    assert r.exit_code == 2
    assert "NOPE" in r.output and "block 'b1'" in r.output
    assert "school 'B'" in r.output and "location" in r.output
    assert not out.exists()


def test_impossible_grade_is_reported(tmp_path):
    data = small()
    data["blocks"][0]["students"][7] = 5  # grade 8, and no junior school
    r = runner.invoke(app, ["validate", str(write(tmp_path, data))])
    assert r.exit_code == 2
    assert "grade 8" in r.output


def test_strict_infeasible_exits_1_with_explanation(tmp_path):
    data = small()
    data["blocks"].append(block("far", 9000, grades={5: 30, 6: 30}))
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(write(tmp_path, data)), "-o", str(out), "-q",
                            "--strict"])
    assert r.exit_code == 1, r.output
    assert "boarding_beds" in r.output
    assert json.loads((out / "result.json").read_text())["status"] == "infeasible"


def test_existing_output_folder_keeps_user_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    r = runner.invoke(app, ["solve", str(write(tmp_path, small())), "-o", str(out), "-q"])
    assert r.exit_code == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "result.json").exists()


def test_schema_files_match_the_models():
    committed = json.loads((ROOT / "scenarios" / "scenario.schema.json").read_text())
    assert committed == scenario_json_schema(), "run `make schema` to regenerate"
    committed = json.loads((ROOT / "scenarios" / "result.schema.json").read_text())
    assert committed == result_schema(), "run `make schema` to regenerate"


def test_policy_prints_rules():
    r = runner.invoke(app, ["policy"])
    assert r.exit_code == 0
    for rule in ("class_size_cap", "school_size_cap", "boarding_beds", "rotation_quota"):
        assert rule in r.output


def test_console_script_plain_progress_when_piped(tmp_path):
    sc = write(tmp_path, small())
    exe = Path(sys.executable).with_name("allocator")
    p = subprocess.run([str(exe), "solve", str(sc), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "checks" in p.stderr and "done" in p.stderr  # plain progress lines on stderr
    assert "\x1b[" not in p.stderr
