"""The sweep's ranking table: each finished variant's figures, ranked by the spec's KPIs, its
Pareto front marked, and the table as Markdown (ranking.md). A horizon variant's figures
are its plan's horizon totals (`horizon.pupil_km`, `horizon.pupils_moved`,
`horizon.annual_cost_yuan`, `horizon.targets_missed`) and its last year's KPIs under the
keys of a single-year result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.io.result_folder import load_result
from allocator.model.result import Result
from allocator.report.charts import fmt
from allocator.report.compare import result_figures

from .paths import short_path
from .phasings import HORIZON_KEYS
from .task import plan_status
from .variants import Sweep, Variant

PLAN_STATUSES = ("optimal", "feasible", "unknown")
LAST_YEAR = ("open_schools", "travel.mean_km", "funding.total_yuan")  # shown for plans


def sweep_figures(result: Result) -> dict[str, Any]:
    """`allocator compare`'s figures of a result plus the sweep's derived ones: mean travel
    and pupil-km over all pupils of both levels, and the number of violations."""
    f = result_figures(result)
    travel = result.kpis.travel if result.kpis is not None else None
    pupils = pkm = 0
    if travel is not None:
        pupils = travel.primary.pupils + travel.junior.pupils
        pkm = travel.primary.pupil_km + travel.junior.pupil_km
    f["travel.pupil_km"] = round(pkm, 2) if travel else None
    f["travel.mean_km"] = round(pkm / pupils, 3) if pupils else None
    f["violations"] = len(result.violations)
    return f


def plan_figures(folder: Path) -> tuple[str, bool, dict[str, Any]]:
    """(status, whether it has a plan, figures) of a horizon variant's plan folder: the
    worst status of its years, the horizon totals of timeline.json and the figures of
    its last year's result."""
    timeline = json.loads((folder / "timeline.json").read_text(encoding="utf-8"))
    rows = timeline.get("rows") or []
    status = plan_status([r.get("status") or "unknown" for r in rows])
    if not rows:
        return status, False, {}
    last = load_result(folder / str(rows[-1]["year"]))
    figures = sweep_figures(last)
    figures.update({f"horizon.{k}": v for k, v in (timeline.get("totals") or {}).items()})
    return status, status in PLAN_STATUSES and bool(last.schools), figures


def kpi_direction(k: str) -> tuple[str, bool]:
    """(KPI key, descending) of a spec rank / pareto entry."""
    return (k[1:], True) if k.startswith("-") else (k, False)


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Rows of `values` (n x m, all minimised) that no other row dominates (at least as
    good on every column and better on one). Equal rows are all kept."""
    n = len(values)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        better_eq = (values <= values[i]).all(axis=1)
        strictly = (values < values[i]).any(axis=1)
        if (better_eq & strictly).any():
            keep[i] = False
    return keep


def _error_line(folder: Path) -> str:
    try:
        text = (folder / "error.txt").read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    lines = [ln.strip().removeprefix("- ").removeprefix("error: ")
             for ln in text.splitlines() if ln.strip()]
    return ": ".join(lines[:2])[:300]


def collect(sweep: Sweep, outdir: Path) -> tuple[pd.DataFrame, list[dict[str, str]],
                                                  list[Variant]]:
    """(finished variants' figures, failed variants with their error, variants not run)."""
    rows, failed, missing = [], [], []
    batch = len(sweep.bases) > 1
    for v in sweep.variants:
        folder = outdir / v.id
        if (folder / "result.json").is_file() or (folder / "timeline.json").is_file():
            row: dict[str, Any] = {"id": v.id, "label": v.label}
            if batch:
                row["base"] = sweep.bases[v.base].label
            row["plan"] = v.plan or ""
            row["closures"] = " ".join(v.closures)
            if sweep.horizon:
                row["phasing"] = v.phasing or ""
            row.update({short_path(k): val for k, val in v.settings.items()})
            row["_base"] = v.base
            if (folder / "timeline.json").is_file():
                row["status"], row["_has_plan"], row["figures"] = plan_figures(folder)
            else:
                r = load_result(folder)
                row["_has_plan"] = r.status in PLAN_STATUSES and bool(r.schools)
                row["status"] = r.status
                row["figures"] = sweep_figures(r)
            rows.append(row)
        elif (folder / "error.txt").is_file():
            failed.append({"id": v.id, "label": v.label, "error": _error_line(folder)})
        else:
            missing.append(v)
    return pd.DataFrame(rows), failed, missing


def rank_table(sweep: Sweep, found: pd.DataFrame) -> pd.DataFrame:
    """The finished variants ranked (column `rank`), with the KPI columns of the spec's
    rank and pareto keys (of a horizon sweep also every horizon total and the last
    year's open schools, mean travel and annual cost), objective, gap, moved pupils,
    violations and `pareto`."""
    spec = sweep.spec
    totals = [*sorted(HORIZON_KEYS), *LAST_YEAR] if sweep.horizon else []
    kpis = list(dict.fromkeys([kpi_direction(k)[0] for k in spec.rank + spec.pareto] + [
        *totals, "solve.objective", "solve.gap", "moved_pupils", "violations"]))
    if found.empty:
        return pd.DataFrame(columns=["rank", "id", "label", "status", *kpis, "pareto"])
    df = found.copy()
    for k in kpis:
        df[k] = pd.to_numeric(pd.Series([f.get(k) for f in df["figures"]], index=df.index),
                              errors="coerce")
    df = df.drop(columns="figures")
    sort_cols, ascending = ["_no_plan"], [True]
    df["_no_plan"] = ~df["_has_plan"]
    for k in spec.rank:
        key, desc = kpi_direction(k)
        sort_cols.append(key)
        ascending.append(not desc)
    df = df.sort_values(sort_cols + ["label"], ascending=ascending + [True],
                        na_position="last", kind="stable").reset_index(drop=True)
    df.insert(0, "rank", range(1, len(df) + 1))
    df["pareto"] = False
    pkeys = [kpi_direction(k) for k in spec.pareto]
    for _, grp in df[df["_has_plan"]].groupby("_base"):
        vals = grp[[k for k, _ in pkeys]].to_numpy(dtype=float)
        ok = ~np.isnan(vals).any(axis=1)
        signs = np.array([-1.0 if d else 1.0 for _, d in pkeys])
        if ok.any():
            mask = pareto_mask(vals[ok] * signs)
            df.loc[grp.index[ok][mask], "pareto"] = True
    return df.drop(columns=["_no_plan"])


def public(df: pd.DataFrame) -> pd.DataFrame:
    """The table without its internal columns (for CSV and display)."""
    return df[[c for c in df.columns if not str(c).startswith("_")]]


def markdown(sweep: Sweep, table: pd.DataFrame, failed: list[dict[str, str]],
             missing: list[Variant], compared: list[str] | None) -> str:
    """The ranking, the Pareto front, failed / missing / skipped variants as Markdown."""
    spec = sweep.spec
    show = [c for c in public(table).columns if c not in ("id",)]
    out = [f"# Sweep {sweep.name}: ranking", "",
           f"Spec `{sweep.source}`: {len(sweep.variants)} variants; {len(table)} finished, "
           f"{len(failed)} failed, {len(missing)} not run. Ranked by "
           + ", then ".join(f"`{k}`" for k in spec.rank) + " (smallest first unless marked "
           "with -); variants without a plan last. Pareto front of "
           + " / ".join(f"`{k}`" for k in spec.pareto) + " (all minimised unless marked "
           "with -).", ""]
    if sweep.horizon:
        out[-1:] = ["Each variant is a horizon plan: `horizon.*` are its totals over the "
                    "years (annual cost summed), the other KPIs those of its last year.", ""]
    out += _md_table(public(table), show)
    front = table[table["pareto"]] if not table.empty else table
    out += ["", f"## Pareto front ({len(front)} variants)", ""]
    pcols = ["rank", "label", *[kpi_direction(k)[0] for k in spec.pareto]]
    out += _md_table(front, [c for c in pcols if c in front.columns]) if len(front) else [
        "No finished variant with a plan."]
    if failed:
        out += ["", f"## Failed ({len(failed)}; the whole message in <id>/error.txt)", "",
                "| id | label | error |", "|---|---|---|"]
        out += [f"| {f['id']} | {f['label']} | {f['error'].replace('|', '/')} |"
                for f in failed]
    if missing:
        out += ["", f"## Not run yet ({len(missing)}; rerun the sweep to solve them)", ""]
        out += [f"- {v.label} (`{v.id}`)" for v in missing[:50]]
        if len(missing) > 50:
            out.append(f"- ... and {len(missing) - 50} more")
    if sweep.skipped:
        out += ["", f"## Skipped combinations ({len(sweep.skipped)}: a plan and closures "
                "that are each possible but not together)", ""]
        out += [f"- {s['label']}: {s['reason']}" for s in sweep.skipped]
    if compared:
        files = ("`compare/compare.html` and `compare/totals.csv` (plans year by year and "
                 "over the horizon)" if sweep.horizon else
                 "`compare/compare.html` and `compare/compare.md`")
        out += ["", "## Comparison of the best variants", "",
                files + ": " + ", ".join(compared) + " (the first is the reference)."]
    return "\n".join(out) + "\n"


def _md_table(df: pd.DataFrame, cols: list[str]) -> list[str]:
    lines = ["| " + " | ".join(str(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join(format_cell(row[c]).replace("|", "/") for c in cols) + " |")
    return lines


def format_cell(v: Any) -> str:
    """A table cell: yes / empty for flags, whole numbers without decimals, else compare's
    format."""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else ""
    if isinstance(v, float) and not np.isnan(v) and float(v).is_integer() and abs(v) < 1e15:
        return fmt(int(v))
    return fmt(v.item() if isinstance(v, np.generic) else v)
