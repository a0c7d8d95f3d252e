"""The parts of a result that come from the layout and the roster rather than the solver:
each open school's annual fixed cost, the `layout` section (choose outcome included), and
the balance report with its summary in `kpis["balance"]`.
"""

from __future__ import annotations

from allocator.layout.operations import Layout, describe_layout
from allocator.metrics.balance import build_balance_report, summarize_balance
from allocator.model.policy import Policy
from allocator.model.result import Result, SchoolResult
from allocator.model.scenario import Scenario


def with_fixed_costs(schools: list[SchoolResult], layout: Layout) -> list[SchoolResult]:
    """School rows with `fixed_cost_yuan` set from the layout (0 for unknown ids)."""
    return [s.model_copy(update={"fixed_cost_yuan": layout.fixed_cost.get(s.id, 0.0)})
            for s in schools]


def attach_reports(result: Result, scenario: Scenario, policy: Policy, layout: Layout,
                   kept: dict[int, list[str]] | None = None) -> Result:
    """`result` with its `layout` section (and, given `kept` per choose operation index,
    the candidates kept and closed), its balance report over today's roster after merges,
    and `kpis["balance"]`. Result rows are not changed."""
    roster = layout.teachers if scenario.teachers else None
    report = build_balance_report(result.schools, layout.school_map(), roster, policy)
    kpis = {**result.kpis, "balance": summarize_balance(report)} if result.kpis else {}
    return result.model_copy(update={"layout": describe_layout(layout, kept),
                                     "balance": report, "kpis": kpis})
