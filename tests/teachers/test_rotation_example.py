"""The example scenario scenarios/teacher-rotation.json: a county whose rotation quota, backbone
share and rural staffing shortage interact.

It is the generator's county (30 schools, 420 villages and estates, 730 teachers) whose town
backbone teachers mostly cannot rotate this year (rotated last term or new to their school),
with a 15% quota and per-class needs for English and PE. To rewrite the file, run
    python -c "import sys; sys.path[:0] = ['tests']; import test_rotation_example as t; \\
               t.write_example()"
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from allocator import solve as solve_all
from allocator.cli.main import app
from allocator.io.generate import Knobs, build_scenario
from allocator.io.scenario_file import write_scenario
from allocator.model.loading import load_scenario
from allocator.verification import verify_result
from tests.conftest import doc

ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / "scenarios" / "teacher-rotation.json"


def example() -> dict:
    """The example as the generator and these tweaks make it."""
    rng = np.random.default_rng(11)
    data = build_scenario(rng, 30, 420, Knobs(spare=0.15, crowded_share=0.5,
                                              spare_per_area=False), "EPSG:4326",
                          teachers=True, name="teacher-rotation")
    town = {s["id"] for s in data["schools"] if s["urban"]}
    for t in data["teachers"]:  # town backbone teachers: most cannot rotate this year
        if t["school"] in town and t["backbone"] and t.get("exempt") is None:
            u = rng.random()
            if u < 0.7:
                t["exempt"] = "rotated_this_term"
            elif u < 0.97:
                t["years_at_school"] = min(t["years_at_school"], 4)
    data["policy"] = {"profile": "cn-national", "overrides": {
        "rotation.quota": 0.15,
        "staffing.subject_teachers_per_class": {"primary": {"english": 0.2, "pe": 0.15},
                                                "junior": {"english": 0.3}}}}
    data["options"] = {"time_limit_s": 30}
    return data


def write_example() -> None:
    print(write_scenario(PATH, example()))


def test_example_file_is_what_the_builder_makes():
    assert json.loads(PATH.read_text(encoding="utf-8")) == example(), (
        "regenerate with test_rotation_example.write_example()")


def test_example_rotation_meets_quota_and_backbone_share_and_names_shortages():
    sc = load_scenario(PATH)
    r = solve_all(sc, stage="teachers", time_limit=20)
    t = doc(r)["teachers"]
    assert t["status"] in ("optimal", "feasible") and t["gap"] <= 0.01
    q = t["quota"]
    assert q["rotating"] == q["required"] == 47 and q["attainment"] == 1.0
    assert q["backbone_rotating"] >= q["backbone_required"] == 10  # binds: few can go
    assert len(t["moves"]) == 47
    for level in ("primary", "junior"):
        b = t["balance"][level]
        assert b["backbone_per_100"]["after"] <= b["backbone_per_100"]["before"]
        assert b["senior_per_100"]["after"] < b["senior_per_100"]["before"]
    short = [v for v in r.violations if v.rule == "staffing_ratio"]
    assert short and all("short" in v.message for v in short)
    assert any(":english" in v.subject for v in short)
    report = verify_result(sc, r)
    assert report.ok, [str(p) for p in report.problems[:10]]


@pytest.mark.slow
def test_example_end_to_end_both_stages(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["solve", str(PATH), "-o", str(out), "-q", "--time-limit", "15"])
    assert r.exit_code == 0, r.output
    res = json.loads((out / "result.json").read_text())
    assert res["stages"] == ["students", "teachers"] and res["teachers"]["moves"]
    assert (out / "rotation.csv").exists() and (out / "staffing.csv").exists()
    v = CliRunner().invoke(app, ["verify", str(PATH), str(out)])
    assert v.exit_code == 0, v.output
