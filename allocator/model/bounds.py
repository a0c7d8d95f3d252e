"""Coordinates a scenario may hold: finite, and within the range of its CRS.

Python's JSON reader accepts `NaN` and `Infinity`; the models refuse non-finite numbers in
their fields, and `coordinate_findings` checks what the models cannot: a location or block
geometry vertex must lie within longitude [-180, 180] and latitude [-90, 90] for a
geographic CRS, and within |x|, |y| <= 1e8 (metres or feet) for a projected one. One
finding per record, naming it and the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from .findings import Finding
from .scenario import OpenOp, Scenario

MAX_PROJECTED = 1e8


def is_geographic(crs: str) -> bool:
    """True when `crs` counts in degrees of longitude and latitude."""
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).is_geographic)


def coordinate_problem(x: Any, y: Any, geographic: bool) -> str | None:
    """What is wrong with the point (x, y), or None."""
    try:
        fx, fy = float(x), float(y)
    except (TypeError, ValueError):
        return "coordinates must be numbers"
    if not (math.isfinite(fx) and math.isfinite(fy)):
        return "coordinates must be finite numbers"
    if geographic and not (-180 <= fx <= 180 and -90 <= fy <= 90):
        return (f"[{fx:g}, {fy:g}] lies outside longitude -180..180 / latitude -90..90 "
                "(the scenario's crs is geographic)")
    if not geographic and max(abs(fx), abs(fy)) > MAX_PROJECTED:
        return f"[{fx:g}, {fy:g}] lies beyond |x|, |y| <= 1e8 of a projected crs"
    return None


def vertices(coords: Any) -> Iterator[tuple[Any, Any]]:
    """Every [x, y, ...] position in a GeoJSON `coordinates` array, however nested."""
    if isinstance(coords, (list, tuple)):
        if len(coords) >= 2 and not isinstance(coords[0], (list, tuple)):
            yield coords[0], coords[1]
        else:
            for c in coords:
                yield from vertices(c)


def located_records(scenario: Scenario) -> Iterator[tuple[str, str, Any]]:
    """(record label, field, point or geometry) of every place the scenario gives."""
    for s in scenario.schools:
        yield f"school '{s.id}'", "location", s.location
    for i, op in enumerate(scenario.layout):
        if isinstance(op, OpenOp):
            yield f"layout[{i}] (open)", "school.location", op.school.location
    for b in scenario.blocks:
        yield f"block '{b.id}'", "location", b.location
        if isinstance(b.geometry, dict):
            yield f"block '{b.id}'", "geometry", b.geometry


def coordinate_findings(scenario: Scenario) -> list[Finding]:
    """An error for every location or geometry vertex that is not finite or lies outside
    the range of the scenario's CRS (see the module docstring)."""
    geographic = is_geographic(scenario.crs)
    findings = []
    for record, field, value in located_records(scenario):
        if value is None:
            continue
        points = vertices(value.get("coordinates")) if field == "geometry" else [value]
        for x, y in points:
            problem = coordinate_problem(x, y, geographic)
            if problem is not None:
                findings.append(Finding(severity="error", code="coordinates", message=problem,
                                        record=record, field=field))
                break
    return findings
