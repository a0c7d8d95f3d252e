"""KPIs of the planning rules, from the result's violations alone.

`young_beyond_kpis`: the young pupils a plan sends beyond the day radius (rule
`young_beyond_day_radius`), counted from its violations (one per block and school).
"""

from __future__ import annotations

from allocator.model.kpis import YoungBeyondRadius
from allocator.model.result import Violation
from allocator.rules.day_radius import RULE


def young_beyond_kpis(violations: list[Violation]) -> YoungBeyondRadius:
    """Pupils, blocks, pupil-km and the largest km beyond the radius over the plan's
    `young_beyond_day_radius` violations (all zero without any)."""
    rows = [v for v in violations if v.rule == RULE]
    return YoungBeyondRadius(
        pupils=int(sum(v.amount for v in rows)),
        blocks=len({v.subject for v in rows}),
        pupil_km_beyond=round(sum(v.amount * (v.km_beyond or 0.0) for v in rows), 2),
        max_km_beyond=max((v.km_beyond or 0.0 for v in rows), default=0.0))
