"""The timeline of a plan: one row per school year of KPIs read from that year's result
(timeline.json, timeline.csv, the rows of timeline.html), and the horizon totals that
`allocator compare` sets side by side."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd

from allocator.model.result import Result

COLUMNS = ["year", "status", "objective", "gap", "pupils", "pupils_primary", "pupils_junior",
           "classes_over_cap", "large_classes", "largest_class", "boarders", "beds",
           "beds_short", "schools_open", "annual_cost_yuan", "pupil_km", "pupils_new",
           "cohorts_kept", "pupils_moved", "targets_met", "targets_missed", "solve_s"]
TOTALS = ["pupil_km", "pupils_moved", "annual_cost_yuan", "targets_missed"]


def _over_cap(result: Result) -> tuple[int, int, int]:
    """(classes over the cap, classes of 56 or more, the largest class) of a result."""
    over = large = largest = 0
    if result.kpis is None:
        return 0, 0, 0
    for level in (result.kpis.classes.primary, result.kpis.classes.junior):
        counts = list(level.bands.values())
        over += sum(counts[1:])
        large += sum(counts[2:])
        largest = max(largest, level.largest_class)
    return over, large, largest


def timeline_row(year: int, result: Result, seconds: float) -> dict[str, Any]:
    """One year's row (see COLUMNS): figures absent from the result are None."""
    k, h = result.kpis, result.horizon
    over, large, largest = _over_cap(result)
    travel = k.travel if k is not None else None
    return {
        "year": year, "status": result.status, "objective": result.objective,
        "gap": result.gap, "pupils": k.pupils if k else None,
        "pupils_primary": travel.primary.pupils if travel else None,
        "pupils_junior": travel.junior.pupils if travel else None,
        "classes_over_cap": over, "large_classes": large, "largest_class": largest,
        "boarders": k.boarding.boarders if k else None,
        "beds": k.boarding.beds if k else None,
        "beds_short": k.boarding.beds_short if k else None,
        "schools_open": k.open_schools - k.empty_schools if k else None,
        "annual_cost_yuan": k.funding.total_yuan if k else None,
        "pupil_km": round(travel.primary.pupil_km + travel.junior.pupil_km, 3)
        if travel else None,
        "pupils_new": h.pupils_new if h else None,
        "cohorts_kept": h.cohorts_kept if h else None,
        "pupils_moved": h.pupils_moved if h else None,
        "targets_met": sum(t.met for t in h.targets) if h else None,
        "targets_missed": sum(not t.met for t in h.targets) if h else None,
        "solve_s": seconds}


def horizon_totals(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The plan's totals over its years (TOTALS): pupil-km, pupils moved, annual cost,
    targets missed."""
    return {key: round(sum(r.get(key) or 0 for r in rows), 3) for key in TOTALS}


def targets_table(results: list[tuple[int, Result]]) -> list[dict[str, Any]]:
    """Every target judged in every year: year, id, KPI, bound, actual, met, amount."""
    out = []
    for year, result in results:
        for t in (result.horizon.targets if result.horizon else []):
            out.append({"year": year, **t.model_dump(mode="json")})
    return out


def timeline_json(name: str, continuity: str, rows: list[dict[str, Any]],
                  targets: list[dict[str, Any]]) -> str:
    """timeline.json: the plan's name, continuity, years, rows, targets and totals."""
    doc = {"scenario": name, "continuity": continuity,
           "years": [r["year"] for r in rows], "rows": rows, "targets": targets,
           "totals": horizon_totals(rows)}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def timeline_csv(rows: list[dict[str, Any]]) -> str:
    """timeline.csv: one line per year, the COLUMNS."""
    buf = io.StringIO()
    pd.DataFrame(rows, columns=COLUMNS).to_csv(buf, index=False)
    return buf.getvalue()
