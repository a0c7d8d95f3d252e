"""KPIs of a plan, computed from result rows alone (so `verify` can recompute them).

Travel per level (pupil-weighted mean / p95 / max km), pupils beyond the day radius (all of
them board), boarders against beds, classes per size band, schools over their size cap,
classroom utilisation, pupils moved, small schools, open schools and the annual cost under
the funding model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.model.kpis import Kpis
from allocator.model.policy import Policy
from allocator.model.result import Assignment, SchoolResult
from allocator.rules.classes import class_sizes

from .indicators import target_indicators


def weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value v with weight(values <= v) >= q x total weight (0 when empty)."""
    if len(values) == 0 or weights.sum() <= 0:
        return 0.0
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, q * cum[-1] - 1e-9)])


def travel_kpis(rows: list[Assignment]) -> dict[str, Any]:
    """Mean, p95 and max distance per level, weighted by pupils."""
    out: dict[str, Any] = {}
    for level in ("primary", "junior"):
        sel = [r for r in rows if r.level == level and r.pupils > 0]
        d = np.array([r.distance_km for r in sel], dtype=float)
        w = np.array([r.pupils for r in sel], dtype=float)
        total = float(w.sum())
        out[level] = {
            "pupils": int(total),
            "mean_km": round(float((d * w).sum() / total), 3) if total else 0.0,
            "p95_km": round(weighted_percentile(d, w, 0.95), 3),
            "max_km": round(float(d.max()), 3) if len(d) else 0.0,
            "pupil_km": round(float((d * w).sum()), 2),
        }
    return out


def band_labels(cap: int, policy: Policy) -> list[tuple[str, int, int]]:
    """(label, low, high) class-size bands: within cap, above cap below 大班额, 大班额, 超大班额."""
    large, very = policy.large_class_band.large, policy.large_class_band.very_large
    return [
        (f"<={cap}", 0, cap),
        (f"{cap + 1}-{large - 1}", cap + 1, large - 1),
        (f"{large}-{very - 1}", large, very - 1),
        (f"{very}+", very, 10**9),
    ]


def class_band_kpis(schools: list[SchoolResult], policy: Policy) -> dict[str, Any]:
    """Number of classes per size band and level (pupils shared evenly within a grade)."""
    out: dict[str, Any] = {}
    for level, grades, cap in (("primary", range(6), policy.class_size_cap.primary),
                               ("junior", range(6, 9), policy.class_size_cap.junior)):
        bands = band_labels(cap, policy)
        counts = {label: 0 for label, _, _ in bands}
        largest = 0
        for s in schools:
            for g in grades:
                for size in class_sizes(s.enrolment_by_grade[g], s.classes_by_grade[g]):
                    largest = max(largest, size)
                    for label, lo, hi in bands:
                        if lo <= size <= hi:
                            counts[label] += 1
        out[level] = {"bands": counts, "largest_class": largest}
    return out


def funding_kpis(rows: list[Assignment], schools: list[SchoolResult], policy: Policy,
                 capital_yuan: float = 0.0, investment_yuan: float = 0.0) -> dict[str, Any]:
    """Annual cost of the plan under the policy's funding model (rule `funding`), yuan.

    Per-pupil funding by level; a school with pupils but fewer than
    `funding.small_school_floor` is funded as that many (rural schools only while
    `small_school_floor_rural_only`; the top-up at its primary rate when it has primary
    pupils, else junior); one boarding subsidy per boarder (`boarding_subsidy_yuan`, or
    `boarding_subsidy_by_level` when given); each open school's annual fixed cost
    (`SchoolResult.fixed_cost_yuan`); the annual capital of the layout's new classrooms and
    beds and of the plan's investments, as given. Empty schools get only their fixed cost."""
    f = policy.funding
    rate = (f.per_pupil_yuan.primary, f.per_pupil_yuan.junior)
    per_pupil = topup = 0.0
    topped = topup_pupils = 0
    for s in schools:
        p, j = sum(s.enrolment_by_grade[:6]), sum(s.enrolment_by_grade[6:])
        per_pupil += p * rate[0] + j * rate[1]
        floored = not (f.small_school_floor_rural_only and s.urban)
        if 0 < s.enrolment < f.small_school_floor and floored:
            extra = f.small_school_floor - s.enrolment
            topup += extra * (rate[0] if p > 0 else rate[1])
            topped += 1
            topup_pupils += extra
    by_level = f.boarding_subsidy_by_level
    sub = ({"primary": by_level.primary, "junior": by_level.junior} if by_level is not None
           else {"primary": f.boarding_subsidy_yuan, "junior": f.boarding_subsidy_yuan})
    boarding = sum(r.boarders * sub[r.level] for r in rows)
    fixed = sum(s.fixed_cost_yuan for s in schools)
    return {
        "per_pupil_total_yuan": round(per_pupil, 2),
        "small_school_topup_yuan": round(topup, 2),
        "boarding_subsidy_yuan": round(boarding, 2),
        "fixed_cost_yuan": round(fixed, 2),
        "capital_yuan": round(capital_yuan, 2),
        "investment_yuan": round(investment_yuan, 2),
        "total_yuan": round(per_pupil + topup + boarding + fixed + capital_yuan
                            + investment_yuan, 2),
        "funded_pupils": sum(s.enrolment for s in schools) + topup_pupils,
        "schools_funded_at_floor": topped,
    }


def compute_kpis(rows: list[Assignment], schools: list[SchoolResult], policy: Policy,
                 capital_yuan: float = 0.0, investment_yuan: float = 0.0,
                 nearest_pupils: int | None = None) -> Kpis:
    """All student-plan KPIs, rounded for stable output (without the balance summary);
    `capital_yuan` and `investment_yuan` (per year) enter the funding total,
    `nearest_pupils` (pupils at their nearest school) the indicators."""
    boarders = sum(r.boarders for r in rows)
    beds = sum(s.beds for s in schools)
    short = sum(max(0, s.boarders - s.beds) for s in schools)
    util = [s.utilisation for s in schools if s.classrooms > 0]
    floor = policy.funding.small_school_floor
    return Kpis.model_validate({
        "pupils": sum(r.pupils for r in rows),
        "travel": travel_kpis(rows),
        "beyond_day_radius": {
            lv: sum(r.boarders for r in rows if r.level == lv) for lv in ("primary", "junior")
        },
        "boarding": {"boarders": boarders, "beds": beds, "beds_short": short,
                     "schools_short": sum(1 for s in schools if s.boarders > s.beds)},
        "classes": class_band_kpis(schools, policy),
        "schools_over_size_cap": sum(1 for s in schools if s.enrolment > s.size_cap),
        "utilisation": {
            "mean": round(float(np.mean(util)), 4) if util else 0.0,
            "max": round(float(np.max(util)), 4) if util else 0.0,
            "schools_over_rooms": sum(1 for s in schools if s.classes > s.classrooms),
        },
        "moved_pupils": sum(r.moved for r in rows),
        "small_schools": sum(1 for s in schools if 0 < s.enrolment < floor),
        "empty_schools": sum(1 for s in schools if s.enrolment == 0),
        "open_schools": len(schools),
        "funding": funding_kpis(rows, schools, policy, capital_yuan, investment_yuan),
        "indicators": target_indicators(schools, policy, nearest_pupils),
    })
