"""The investments of compared runs: their totals as KPI rows, one table of what each run
builds where (investments.csv, compare.md, compare.html), and the comparison's indicator of
schools newly over the size cap. Nothing here solves."""

from __future__ import annotations

from typing import Any

import pandas as pd

from allocator.i18n import translate
from allocator.metrics.indicators import new_over_size_cap
from allocator.model.result import Result

COLUMNS = ["run", "school", "what", "level", "count", "cost_yuan", "annual_cost_yuan"]


def investment_figures(r: Result) -> dict[str, Any]:
    """The investment totals of a result solved with `invest` as dotted KPI keys (none for
    a plain solve)."""
    if not (r.invest or r.investments):
        return {}
    t = r.investments_total
    return {"investments.classrooms": t.classrooms, "investments.beds": t.beds,
            "investments.schools": len({i.school for i in r.investments}),
            "investments.cost_yuan": t.cost_yuan,
            "investments.annual_cost_yuan": t.annual_cost_yuan}


def comparison_indicators(base: Result, run: Result) -> dict[str, Any]:
    """Indicators of a run against the base (KPI id `new_schools_over_size_cap`)."""
    return {"indicators.new_schools_over_size_cap": len(new_over_size_cap(base, run))}


def investment_table(runs: list[tuple[str, Result]]) -> pd.DataFrame:
    """One row per investment of each (label, result): columns `COLUMNS`."""
    rows = [{"run": label, **i.model_dump(mode="json")} for label, r in runs
            for i in r.investments]
    return pd.DataFrame(rows, columns=COLUMNS)


def investment_markdown(table: pd.DataFrame, lang: str = "en") -> list[str]:
    """Markdown lines of the investments table (none when no run invests), labels in
    `lang`."""
    if table.empty:
        return []
    out = ["", "## " + translate("investment.table_title", lang), "",
           translate("investment.table_header", lang), "|---|---|---|---|---|---|---|"]
    for _, i in table.iterrows():
        out.append(f"| {i['run']} | {i['school']} | {i['what']} | {i['level'] or ''} | "
                   f"{i['count']:,} | {i['cost_yuan']:,.0f} | {i['annual_cost_yuan']:,.0f} |")
    return out


def investment_html_title(lang: str = "en") -> str:
    """The heading of the investments table in compare.html."""
    return translate("investment.html_title", lang)
