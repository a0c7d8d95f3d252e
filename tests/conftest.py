"""Shared builders for small hand-made scenarios (projected CRS, coordinates in metres)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from allocator import parse_scenario, resolve_policy, result_to_json, solve
from allocator.layout import apply_layout
from allocator.students.problem import build_instance_checked

CRS = "EPSG:32649"  # UTM 49N: metres, Euclidean distances


def school(sid: str, x: float, y: float = 0.0, kind: str = "primary", rooms: int = 12,
           beds: int = 0, **kw: Any) -> dict:
    return {"id": sid, "kind": kind, "location": [x, y], "classrooms": rooms,
            "boarding_beds": beds, **kw}


def block(bid: str, x: float, y: float = 0.0, grades: dict[int, int] | None = None,
          **kw: Any) -> dict:
    counts = [0] * 9
    for g, n in (grades or {}).items():
        counts[g - 1] = n
    return {"id": bid, "location": [x, y], "students": counts, **kw}


def scenario(schools: list[dict], blocks: list[dict], **kw: Any):
    data = {"name": kw.pop("name", "test"), "crs": kw.pop("crs", CRS), "schools": schools,
            "blocks": blocks}
    options = {"time_limit_s": 10, "workers": 2, "relative_gap": 0.0}
    options.update(kw.pop("options", {}))
    data["options"] = options
    data.update(kw)
    return parse_scenario(data)


def by_block(result) -> dict[tuple[str, str], str]:
    """(block, grades) -> school of a result."""
    return {(a.block, a.grades): a.school for a in result.assignments}


@pytest.fixture
def make():
    return scenario


def doc(result) -> dict:
    """A result as result.json holds it (plain JSON values), to read or to tamper with."""
    return json.loads(result_to_json(result))


def solve_students(sc, **kw):
    """The student stage alone (what `allocator solve --stage students` runs)."""
    return solve(sc, stage="students", **kw)


def instance_of(sc):
    """The checked numeric instance of a scenario (its layout applied)."""
    policy = resolve_policy(sc.policy.profile, sc.policy.overrides)
    return build_instance_checked(sc, policy, apply_layout(sc, policy))[0]
