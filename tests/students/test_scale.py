"""Larger solves (marked slow; `make smoke` runs them in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.io.generate import generate_county
from allocator.model.loading import parse_scenario
from allocator.verification import verify_result
from tests.conftest import solve_students

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("tight", [False, True])
def test_generated_county_solves_and_verifies(tight):
    sc = parse_scenario(generate_county(50, 1000, seed=3, tight=tight))
    r = solve_students(sc, time_limit=20)
    assert r.status in ("optimal", "feasible")
    assert r.lower_bound <= r.objective
    report = verify_result(sc, r)
    assert report.ok, [str(p) for p in report.problems[:10]]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rural-county", "urban-district"])
def test_example_scenarios_end_to_end(tmp_path, name):
    scenario = ROOT / "scenarios" / f"{name}.json"
    out = tmp_path / name
    r = CliRunner().invoke(app, ["solve", str(scenario), "-o", str(out), "-q",
                                 "--time-limit", "15"])
    assert r.exit_code == 0, r.output
    v = CliRunner().invoke(app, ["verify", str(scenario), str(out)])
    assert v.exit_code == 0, v.output
