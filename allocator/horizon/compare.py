"""Plan folders side by side (`allocator compare PLAN_A PLAN_B ...`): year by year and the
horizon totals (pupil-km, pupils moved, annual cost, targets missed), as compare.csv
(one line per plan and year), totals.csv, compare.json and a self-contained compare.html
with one chart per KPI (years along x, one bar per plan)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.i18n import resolve_lang, translate
from allocator.io.atomic import staged_folder, write_files
from allocator.report.charts import CSS, bar_chart, fmt, number

from .folder import read_plan
from .timeline import COLUMNS, TOTALS

KPIS = ["pupil_km", "pupils_moved", "annual_cost_yuan", "targets_missed", "classes_over_cap",
        "schools_open", "beds_short"]


@dataclass
class PlanComparison:
    """Plans by label (the folder name, made unique), their timeline rows and totals."""

    labels: list[str]
    rows: dict[str, list[dict[str, Any]]]
    totals: dict[str, dict[str, float]]


def compare_plans(paths: list[str | Path]) -> PlanComparison:
    """Read the plan folders; raises ScenarioError naming one that cannot be read."""
    labels, rows, totals = [], {}, {}
    for p in paths:
        folder = read_plan(p)
        label, n = Path(p).name or str(p), 1
        while label in rows:
            n += 1
            label = f"{Path(p).name}#{n}"
        labels.append(label)
        rows[label] = folder.timeline.get("rows", [])
        totals[label] = folder.timeline.get("totals", {})
    return PlanComparison(labels, rows, totals)


def _csv(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue()


def comparison_page(cmp: PlanComparison, lang: str) -> str:
    """compare.html: the totals table, then one chart per KPI over the years."""
    years = sorted({r["year"] for rows in cmp.rows.values() for r in rows})
    head = "".join(f"<th>{escape(translate(f'horizon.col.{k}', lang))}</th>" for k in TOTALS)
    body = "".join(f'<tr data-plan="{escape(lb)}"><td class="l">{escape(lb)}</td>' + "".join(
        f"<td>{fmt(cmp.totals[lb].get(k))}</td>" for k in TOTALS) + "</tr>" for lb in cmp.labels)
    charts = []
    for k in KPIS:
        series = []
        for lb in cmp.labels:
            by_year = {r["year"]: r.get(k) for r in cmp.rows[lb]}
            series.append((lb, [number(by_year.get(y)) for y in years]))
        charts.append(bar_chart(translate(f"horizon.col.{k}", lang), [str(y) for y in years],
                                series))
    title = translate("horizon.compare.title", lang, labels=", ".join(cmp.labels))
    return "".join([
        "<!doctype html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><h2>{escape(translate('horizon.totals', lang))}</h2>",
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>",
        f"<h2>{escape(translate('horizon.h.charts', lang))}</h2>",
        '<div class="charts">', *charts, "</div></body></html>\n"])


def comparison_files(cmp: PlanComparison, lang: str) -> dict[str, str]:
    """Every file of the comparison folder by name."""
    long = pd.DataFrame([{"plan": lb, **r} for lb in cmp.labels for r in cmp.rows[lb]],
                        columns=["plan", *COLUMNS])
    totals = pd.DataFrame([{"plan": lb, **cmp.totals[lb]} for lb in cmp.labels],
                          columns=["plan", *TOTALS])
    doc = {"plans": cmp.labels, "totals": cmp.totals, "rows": cmp.rows}
    return {"compare.csv": _csv(long), "totals.csv": _csv(totals),
            "compare.json": json.dumps(doc, ensure_ascii=False, indent=2) + "\n",
            "compare.html": comparison_page(cmp, lang)}


def write_plan_comparison(cmp: PlanComparison, outdir: str | Path,
                          lang: str | None = None) -> Path:
    """Write the comparison folder whole (files of other names left alone)."""
    with staged_folder(outdir, merge=True) as tmp:
        write_files(tmp, comparison_files(cmp, resolve_lang(lang)))
    return Path(outdir)
