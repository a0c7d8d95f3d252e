"""Indicators phrased like the targets, and the registry of stable KPI ids.

`KPI_IDS` names every indicator a dated target may refer to: its id (never renamed), where
its value sits in result.json (a dotted path) or in a comparison, what it says, and which
direction is better. `target_indicators` computes the `kpis.indicators` section from result
rows (the pupils at their nearest school come from the student stage, which knows every
distance); `new_over_size_cap` is the comparison's indicator against the base.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from allocator.model.policy import Policy
from allocator.model.result import Result, SchoolResult
from allocator.rules.classes import class_sizes


@dataclass(frozen=True)
class KpiId:
    """A KPI a target can name: where its value is and which way is better."""

    id: str
    path: str  # dotted path in result.json, or "compare:<key>" for a comparison figure
    says: str
    better: Literal["higher", "lower"]


KPI_IDS: dict[str, KpiId] = {k.id: k for k in [
    KpiId("schools_without_large_classes_share",
          "kpis.indicators.schools_without_large_classes_share",
          "share of schools free of classes over 55 pupils (消除大班额)", "higher"),
    KpiId("schools_within_class_cap_share", "kpis.indicators.schools_within_class_cap_share",
          "share of schools whose classes all keep the class size cap", "higher"),
    KpiId("nearest_school_share", "kpis.indicators.nearest_school_share",
          "share of pupils attending their nearest school (就近入学)", "higher"),
    KpiId("nearest_school_pupils", "kpis.indicators.nearest_school_pupils",
          "pupils attending their nearest school (就近入学)", "higher"),
    KpiId("schools_over_size_cap", "kpis.schools_over_size_cap",
          "schools over the school size cap", "lower"),
    KpiId("new_schools_over_size_cap", "compare:new_schools_over_size_cap",
          "schools over the size cap that were not over it in the base scenario", "lower"),
    KpiId("beds_short", "kpis.boarding.beds_short", "boarders without a bed", "lower"),
    KpiId("annual_cost_yuan", "kpis.funding.total_yuan", "annual cost of the plan, yuan",
          "lower"),
    KpiId("investment_yuan", "investments_total.cost_yuan",
          "one-off cost of the classrooms and beds the plan builds, yuan", "lower"),
]}


def kpi_value(result: Result, kpi_id: str) -> Any:
    """The value of KPI `kpi_id` in `result` (None where the result lacks it). Raises
    KeyError naming an unknown id, ValueError for a comparison-only one."""
    kpi = KPI_IDS[kpi_id]
    if kpi.path.startswith("compare:"):
        raise ValueError(f"KPI '{kpi_id}' compares two results: see new_over_size_cap")
    node: Any = result.model_dump(mode="json")
    for part in kpi.path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def share(count: int, total: int) -> float:
    """count / total rounded to 1e-4 (1.0 when there is nothing to count)."""
    return round(count / total, 4) if total else 1.0


def target_indicators(schools: list[SchoolResult], policy: Policy,
                      nearest_pupils: int | None) -> dict[str, Any]:
    """The `kpis.indicators` section: schools with pupils free of classes over 55 (the
    policy's large-class band) and within the cap, and the pupils at their nearest school
    when the student stage counted them."""
    over_55 = policy.large_class_band.large - 1
    caps = [policy.class_size_cap.primary] * 6 + [policy.class_size_cap.junior] * 3
    taught = [s for s in schools if s.enrolment > 0]
    largest = [[max(class_sizes(s.enrolment_by_grade[g], s.classes_by_grade[g]), default=0)
                for g in range(9)] for s in taught]
    pupils = sum(s.enrolment for s in schools)
    return {
        "schools_without_large_classes_share": share(
            sum(1 for sizes in largest if max(sizes) <= over_55), len(taught)),
        "schools_within_class_cap_share": share(
            sum(1 for sizes in largest if all(c <= k for c, k in zip(sizes, caps, strict=True))),
            len(taught)),
        "nearest_school_pupils": nearest_pupils,
        "nearest_school_share": None if nearest_pupils is None else share(nearest_pupils,
                                                                          pupils),
    }


def new_over_size_cap(base: Result, run: Result) -> list[str]:
    """Schools over the size cap in `run` that were not over it in `base` (or not open)."""
    before = {s.id for s in base.schools if s.enrolment > s.size_cap}
    return sorted(s.id for s in run.schools if s.enrolment > s.size_cap and s.id not in before)
