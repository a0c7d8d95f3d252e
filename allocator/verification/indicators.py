"""就近入学 recomputed: the pupils of a result attending the nearest open school serving their
grades, from the scenario's points and straight-line distances alone (no solver code)."""

from __future__ import annotations

import numpy as np

from allocator.model.geometry import block_point
from allocator.model.grades import parse_grade_key
from allocator.model.result import Result
from allocator.model.scenario import Scenario, School
from allocator.rules.objective import round_km
from geo.distance import StraightLine


def row_grades(text: str) -> tuple[int, ...]:
    """The grades of an assignment row ("1-6", "4,5" or "7")."""
    if "," in text:
        return tuple(int(x) for x in text.split(","))
    return tuple(parse_grade_key(text))


def recount_nearest(scenario: Scenario, result: Result, schools: dict[str, School]) -> int:
    """Pupils whose school is, to 10 m, the nearest of `schools` (the open ones) serving
    every grade of their row."""
    bindex = {b.id: i for i, b in enumerate(scenario.blocks)}
    ids = list(schools)
    if not ids:
        return 0
    bxy = np.array([block_point(b) for b in scenario.blocks], dtype=float).reshape(-1, 2)
    sxy = np.array([schools[s].location for s in ids], dtype=float).reshape(-1, 2)
    line = StraightLine(bxy, sxy, scenario.crs)
    served = [set(schools[s].served_grades()) for s in ids]
    count = 0
    for r in result.assignments:
        if r.block not in bindex or r.school not in schools:
            continue
        grades = set(row_grades(r.grades))
        elig = [j for j, g in enumerate(served) if grades <= g]
        km = round_km(line.dense(np.array([bindex[r.block]]), np.array(elig))[0])
        if r.distance_km <= km.min() + 1e-9:
            count += r.pupils
    return count
