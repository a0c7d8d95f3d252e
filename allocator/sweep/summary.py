"""A sweep's summary: the ranking of its variants, the Pareto front, and the comparison of
the best ones (`allocator compare`'s tables and page), in OUTDIR/summary/.

- `ranking.csv` / `ranking.md` / `ranking.html`: every variant of the spec, finished ones
  ranked by the spec's `rank` KPIs in order ('-key': largest first; variants without a plan
  last), with the swept settings, status, objective, gap, the Pareto KPIs and whether the
  variant is on the front; failed variants with the first line of their error.txt; variants
  not run yet; skipped plan + closure combinations.
- `pareto.csv`: the Pareto front of the spec's `pareto` KPIs (default: mean travel over all
  pupils, annual cost, open schools; all minimised, '-key' maximised). A variant is on the
  front when no other variant of the same base scenario is at least as good on every KPI
  and better on one (counties of a batch are not traded off against each other).
- `compare/`: `allocator compare` of the best-ranked base scenario's reference variant (the
  one without swept changes, else the best) and its `top` best variants (plan folders of a
  horizon sweep: year by year and the horizon totals, as `allocator compare` of plans).
Written into a temporary folder and renamed into place whole.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.horizon import compare_plans, write_plan_comparison
from allocator.io.atomic import staged_folder, write_files
from allocator.io.result_folder import read_result_folder
from allocator.report.compare import Run, compare_runs, unique_labels
from allocator.report.write import write_comparison

from .html import render_ranking
from .outputs import TMP_PREFIX
from .ranking import collect, markdown, public, rank_table
from .variants import Sweep, Variant


def best_ids(sweep: Sweep, table: pd.DataFrame) -> list[str]:
    """Ids of the variants compared: the reference variant of the best-ranked base (no
    swept change, else the best) and its `top` best variants; empty when fewer than two."""
    if table.empty or sweep.spec.top == 0 or not table["_has_plan"].any():
        return []
    best_base = int(table.loc[table["_has_plan"]].iloc[0]["_base"])
    grp = table[(table["_base"] == best_base) & table["_has_plan"]]
    plain = {sweep.bases[best_base].label, "base"}
    ref = grp[grp["label"].isin(plain)]
    chosen = [ref.iloc[0]["id"]] if len(ref) else []
    chosen += [i for i in grp["id"] if i not in chosen][:sweep.spec.top]
    return chosen if len(chosen) >= 2 else []


def compare_best(sweep: Sweep, table: pd.DataFrame, outdir: Path) -> list[Run]:
    """Runs of the comparison of single-year variants (`best_ids`); empty when fewer
    than two."""
    chosen = best_ids(sweep, table)
    if not chosen:
        return []
    labels = dict(zip(table["id"], table["label"], strict=True))
    names = unique_labels([labels[i].replace(", ", "_").replace(" ", "-") for i in chosen])
    runs = []
    for name, vid in zip(names, chosen, strict=True):
        sc, res, text = read_result_folder(outdir / vid)
        runs.append(Run(label=name, source=str(outdir / vid), scenario=sc, result=res,
                        scenario_text=text))
    return runs


def write_summary(sweep: Sweep, outdir: Path) -> tuple[Path, pd.DataFrame,
                                                         list[dict[str, str]], list[Variant]]:
    """Write OUTDIR/summary (ranking.csv/.md/.html, pareto.csv, compare/) whole; returns
    the folder, the ranked table, the failed variants and those not run."""
    found, failed, missing = collect(sweep, outdir)
    table = rank_table(sweep, found)
    plans = best_ids(sweep, table) if sweep.horizon else []
    runs = [] if sweep.horizon else compare_best(sweep, table, outdir)
    with staged_folder(outdir / "summary", prefix=f"{TMP_PREFIX}summary-") as tmp:
        labels = dict(zip(table["id"], table["label"], strict=True)) if plans else {}
        names = [r.label for r in runs] or [labels[i] for i in plans] or None
        front = public(table[table["pareto"]]) if not table.empty else public(table)
        write_files(tmp, {
            "ranking.csv": public(table).to_csv(index=False),
            "pareto.csv": front.to_csv(index=False),
            "ranking.md": markdown(sweep, table, failed, missing, names),
            "ranking.html": render_ranking(sweep, table, failed, missing, names)})
        if runs:
            write_comparison(compare_runs(runs), tmp / "compare")
        if plans:
            write_plan_comparison(compare_plans([outdir / i for i in plans]), tmp / "compare")
    return outdir / "summary", table, failed, missing
