"""Closure studies: closing any single school yields a plan naming the young pupils beyond
the day radius; the compare shows them per block and the boarding schools per township."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator import generate_scenario, parse_scenario, solve
from allocator.cli.main import app
from allocator.verification import verify_result

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["rural-county", "urban-district", "teacher-rotation"]
FAST = {"time_limit_s": 1, "workers": 1, "seed": 0}


def closures(data: dict) -> list[tuple[str, str]]:
    """(scenario label, school id) for every school of a scenario dict."""
    return [(data.get("name", "county"), s["id"]) for s in data["schools"]
            if s.get("status", "open") == "open"]


def closed(data: dict, sid: str) -> dict:
    out = json.loads(json.dumps(data))
    out["layout"] = [*out.get("layout", []), {"op": "close", "school": sid}]
    out["options"] = {**out.get("options", {}), **FAST}
    return out


def all_cases() -> list[tuple[dict, str]]:
    cases = []
    for name in EXAMPLES:
        data = json.loads((ROOT / "scenarios" / f"{name}.json").read_text("utf-8"))
        cases += [(data, sid) for _, sid in closures(data)]
    for seed in (3, 5):
        data = generate_scenario(12, 150, seed=seed)
        cases += [(data, sid) for _, sid in closures(data)]
    return cases


CASES = all_cases()
SAMPLE = random.Random(0).sample(range(len(CASES)), 4)


def check_closure(data: dict, sid: str) -> None:
    sc = parse_scenario(closed(data, sid))
    r = solve(sc, stage="students")
    assert r.status in ("optimal", "feasible"), (sid, r.status, r.message)
    young = [v for v in r.violations if v.rule == "young_beyond_day_radius"]
    for v in young:  # named: block, school, pupils, km beyond
        assert v.school and v.amount > 0 and v.km_beyond is not None
    assert r.kpis.young_beyond_day_radius.pupils == sum(int(v.amount) for v in young)
    report = verify_result(sc, r)
    assert report.ok, report.problems[:3]


@pytest.mark.parametrize("case", SAMPLE)
def test_closing_a_sampled_school_yields_a_plan(case):
    check_closure(*CASES[case])


@pytest.mark.slow
@pytest.mark.parametrize("case", range(len(CASES)))
def test_closing_any_single_school_yields_a_plan(case):
    check_closure(*CASES[case])


def test_compare_of_a_closure_study_names_young_pupils_and_township_boarding(tmp_path):
    # the example, smaller: close an urban primary of a generated county
    data = generate_scenario(40, 300, seed=3)
    data["options"] = {**data.get("options", {}), **FAST, "time_limit_s": 2}
    base = tmp_path / "county.json"
    base.write_text(json.dumps(data), "utf-8")
    urban = next(s["id"] for s in data["schools"] if s["kind"] == "primary" and s["urban"])
    study = closed(data, urban)
    study["name"] = "close"
    study["options"]["time_limit_s"] = 2
    (tmp_path / "close.json").write_text(json.dumps(study), "utf-8")
    out = tmp_path / "cmp"
    res = CliRunner().invoke(app, ["compare", str(base), str(tmp_path / "close.json"), "-o",
                                   str(out), "-q"])
    assert res.exit_code == 0, res.output
    result = json.loads((out / "runs" / "close" / "result.json").read_text("utf-8"))
    young = {v["subject"]: v for v in result["violations"]
             if v["rule"] == "young_beyond_day_radius"}
    table = (out / "closure_blocks.csv").read_text("utf-8").splitlines()
    assert table[0] == ("run,block,township,level,pupils,schools,km_before,km_after,"
                        "extra_km,young,km_beyond")
    rows = {line.split(",")[1]: line for line in table[1:]}
    assert set(young) <= set(rows)  # every young pupil beyond the radius is in the table
    md = (out / "compare.md").read_text("utf-8")
    assert "Closure: affected blocks" in md and "Boarding schools per township" in md
    assert urban in md
    towns = (out / "township_boarding.csv").read_text("utf-8").splitlines()
    assert towns[0] == "township,county,county ok,close,close ok"
    assert len(towns) - 1 == len({s["township"] for s in data["schools"] if s.get("township")})
