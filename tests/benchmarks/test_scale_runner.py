"""`python -m benchmarks.scale`: instance specs, the allowed wall, one small run end to end."""

from __future__ import annotations

import json

import pytest

from benchmarks.scale import allowed_wall, build, main


def test_specs_build_the_generated_instances():
    gap = build("gap:3x12")
    assert gap.cost.shape == (3, 12) and gap.name == "typeD-3x12-s7"
    assert build("gap:3x12:8").name == "typeD-3x12-s8"
    pm = build("pmedian:30:4")
    assert pm.cost.shape == (30, 30) and pm.open_count == 4
    with pytest.raises(ValueError, match="unknown instance spec"):
        build("knapsack:3")


def test_allowed_wall_is_limit_plus_two_seconds_or_five_percent():
    assert allowed_wall(10) == 12 and allowed_wall(60) == 63 and allowed_wall(100) == 105


def test_a_small_run_reports_wall_memory_and_fallbacks(capsys):
    assert main(["--gap", "3x12", "--time-limit", "1", "--workers", "1"]) == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["instance"] == "typeD-3x12-s7" and row["within_limit"] is True
    assert row["peak_rss_mb"] > 0 and row["bound"] <= row["value"] + 1e-9
    assert row["solver"]["lp_method"] in ("lp", "cheapest")
