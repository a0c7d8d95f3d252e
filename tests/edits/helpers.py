"""Solved plans to edit, solved once per test session (short limits, one or two workers)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from allocator import Scenario, load_scenario, parse_scenario, solve
from allocator.io.generate import generate_county
from allocator.model.result import Result

ROOT = Path(__file__).resolve().parents[2]


@cache
def rural() -> tuple[Scenario, Result]:
    """The rural example, solved (students and teachers) within 3 s."""
    sc = load_scenario(ROOT / "scenarios" / "rural-county.json")
    return sc, solve(sc, time_limit=3)


@cache
def county(schools: int = 8, blocks: int = 60, seed: int = 4) -> tuple[Scenario, Result]:
    """A generated county, the student stage solved within 3 s."""
    data = generate_county(schools, blocks, seed=seed)
    data["options"].update(time_limit_s=3, workers=2)
    sc = parse_scenario(data)
    return sc, solve(sc, stage="students")


@cache
def chosen() -> tuple[Scenario, Result]:
    """A generated county where the solver keeps 5 of 7 candidate schools."""
    data = generate_county(10, 80, seed=2)
    ids = [s["id"] for s in data["schools"] if s["kind"] == "primary"][:7]
    data["layout"] = [{"op": "choose", "candidates": ids, "keep": len(ids) - 2}]
    data["options"].update(time_limit_s=3, workers=2)
    sc = parse_scenario(data)
    return sc, solve(sc, stage="students")
