"""Dated targets judged on one year's result: the KPI's value, met or missed, by how much."""

from __future__ import annotations

from allocator.metrics.indicators import kpi_value
from allocator.model.horizon import TargetOutcome
from allocator.model.result import Result
from allocator.model.targets import Target


def target_id(target: Target, index: int) -> str:
    """A target's id: its own, else `targets[i]`."""
    return target.id or f"targets[{index}]"


def judge_targets(targets: list[Target], result: Result, year: int) -> list[TargetOutcome]:
    """One outcome per target judged in `year`: met when the KPI holds the bound; `amount`
    is how far it misses (0 when met). A KPI the result lacks counts as missed."""
    out = []
    for i, t in enumerate(targets):
        if not t.applies(year):
            continue
        raw = kpi_value(result, t.kpi)
        actual = float(raw) if isinstance(raw, (int, float)) else None
        if actual is None:
            met, amount = False, 0.0
        else:
            short = t.value - actual if t.op == ">=" else actual - t.value
            met, amount = short <= 1e-9, round(max(0.0, short), 6)
        out.append(TargetOutcome(id=target_id(t, i), kpi=t.kpi, op=t.op, value=t.value,
                                 actual=actual, met=met, amount=amount))
    return out
