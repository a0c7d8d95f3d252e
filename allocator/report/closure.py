"""The closure study's tables: what a closure does to each block, and boarding per township.

`closure_table` lists, per compared run and block, the pupils whose school changes against
the base, their km before and after, the extra km, and the young pupils the run sends beyond
the day radius (rule `young_beyond_day_radius`, from the run's violations) - the table a
bureau takes to parents' consultations. `township_boarding_table` counts, per township and
run, the open boarding schools and whether the township meets rule
`township_boarding_schools`. Both come from results alone; labels come from the
`planning` catalog through `translate`.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from allocator.i18n import translate
from allocator.rules.day_radius import RULE as YOUNG_RULE

from .compare import Comparison, Run

CLOSURE_COLUMNS = ["run", "block", "township", "level", "pupils", "schools", "km_before",
                   "km_after", "extra_km", "young", "km_beyond"]
TOWNSHIP_RULE = "township_boarding_schools"


def _young_beyond(run: Run) -> dict[str, tuple[int, float]]:
    """block -> (young pupils beyond the day radius, largest km beyond) of a run."""
    out: dict[str, tuple[int, float]] = {}
    for v in run.result.violations:
        if v.rule == YOUNG_RULE:
            n, km = out.get(v.subject, (0, 0.0))
            out[v.subject] = (n + int(v.amount), max(km, v.km_beyond or 0.0))
    return out


def closure_table(cmp: Comparison) -> pd.DataFrame:
    """One row per run (not the base) and block that changes school or has young pupils
    beyond the radius: pupils moved, schools, km before / after, extra km (pupil-weighted
    mean over the block's moves), young pupils beyond the radius and km beyond."""
    rows = []
    for run in cmp.runs[1:]:
        moves = cmp.blocks[cmp.blocks["run"] == run.label]
        young = _young_beyond(run)
        towns = {b.id: b.township or "" for b in run.scenario.blocks}
        for bid in sorted(set(moves["block"]) | set(young)):
            m = moves[moves["block"] == bid]
            n = int(m["pupils"].sum())
            before = float((m["pupils"] * m["km_before"]).sum() / n) if n else 0.0
            after = float((m["pupils"] * m["km_after"]).sum() / n) if n else 0.0
            y, kmb = young.get(bid, (0, 0.0))
            rows.append({"run": run.label, "block": bid, "township": towns.get(bid, ""),
                         "level": ", ".join(sorted(set(m["level"]))), "pupils": n,
                         "schools": ", ".join(f"{a} -> {b}" for a, b in sorted(set(
                             zip(m["from_school"], m["to_school"], strict=True)))),
                         "km_before": round(before, 2), "km_after": round(after, 2),
                         "extra_km": round(after - before, 2), "young": y,
                         "km_beyond": round(kmb, 2)})
    return pd.DataFrame(rows, columns=CLOSURE_COLUMNS)


def township_boarding_table(cmp: Comparison) -> pd.DataFrame:
    """Per township (of any run's schools) and run: open boarding schools (the result's
    `kpis.township_boarding`, else open schools with beds) and whether the township meets
    rule `township_boarding_schools` (no violation of it in that run)."""
    towns = sorted({s.township for r in cmp.runs for s in r.scenario.schools if s.township})
    rows = []
    for town in towns:
        row: dict[str, object] = {"township": town}
        for run in cmp.runs:
            kpi = run.result.kpis.township_boarding if run.result.kpis else None
            n = (kpi.by_township.get(town, 0) if kpi is not None else sum(
                1 for s in run.result.schools if s.township == town and s.beds > 0))
            short = {v.subject for v in run.result.violations if v.rule == TOWNSHIP_RULE}
            row[run.label] = n
            row[f"{run.label} ok"] = town not in short
        rows.append(row)
    return pd.DataFrame(rows)


def closure_summary(cmp: Comparison, table: pd.DataFrame, lang: str = "en") -> list[str]:
    """One line per compared run: blocks, pupils moved, extra pupil-km, young beyond."""
    out = []
    for run in cmp.runs[1:]:
        t = table[table["run"] == run.label]
        out.append(translate("planning.closure.summary", lang, run=run.label,
                             blocks=len(t), pupils=int(t["pupils"].sum()),
                             extra_km=round(float((t["pupils"] * t["extra_km"]).sum()), 1),
                             young=int(t["young"].sum())))
    return out


def closure_markdown(cmp: Comparison, lang: str = "en", top: int = 60) -> list[str]:
    """Markdown lines of both tables (the closure table's largest `top` rows)."""
    table = closure_table(cmp)
    cols = [c for c in CLOSURE_COLUMNS]
    out = ["", f"## {translate('planning.closure.title', lang)}", ""]
    out += [f"- {line}" for line in closure_summary(cmp, table, lang)]
    if table.empty:
        out += ["", translate("planning.closure.none", lang)]
    else:
        out += ["", "| " + " | ".join(translate(f"planning.col.{c}", lang) for c in cols)
                + " |", "|" + "---|" * len(cols)]
        for _, r in table.sort_values("pupils", ascending=False, kind="stable").head(
                top).iterrows():
            out.append("| " + " | ".join(_cell(r[c]) for c in cols) + " |")
    towns = township_boarding_table(cmp)
    out += ["", f"## {translate('planning.township.title', lang)}",
            "", "| " + translate("planning.col.township", lang) + " | "
            + " | ".join(r.label for r in cmp.runs) + " |", "|---|" + "---|" * len(cmp.runs)]
    for _, r in towns.iterrows():
        out.append(f"| {r['township']} | " + " | ".join(
            f"{r[run.label]} ({_ok(bool(r[f'{run.label} ok']), lang)})" for run in cmp.runs)
            + " |")
    return out


def closure_html(cmp: Comparison, lang: str = "en", top: int = 60) -> str:
    """Both tables as an HTML fragment (headings, summary, tables)."""
    table = closure_table(cmp)
    head = "".join(f"<th>{escape(translate(f'planning.col.{c}', lang))}</th>"
                   for c in CLOSURE_COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(r[c]))}</td>" for c in CLOSURE_COLUMNS)
                   + "</tr>" for _, r in table.sort_values(
                       "pupils", ascending=False, kind="stable").head(top).iterrows())
    summary = "".join(f"<li>{escape(x)}</li>" for x in closure_summary(cmp, table, lang))
    towns = township_boarding_table(cmp)
    thead = f"<th>{escape(translate('planning.col.township', lang))}</th>" + "".join(
        f"<th>{escape(r.label)}</th>" for r in cmp.runs)
    tbody = "".join(f"<tr><td>{escape(str(t['township']))}</td>" + "".join(
        f"<td>{t[run.label]} ({escape(_ok(bool(t[f'{run.label} ok']), lang))})</td>"
        for run in cmp.runs) + "</tr>" for _, t in towns.iterrows())
    return "\n".join([
        f'<h2 id="closure">{escape(translate("planning.closure.title", lang))}</h2>',
        f"<ul>{summary}</ul>", f"<table><tr>{head}</tr>{body}</table>",
        '<h2 id="township-boarding">' + escape(translate(
            "planning.township.title", lang)) + "</h2>",
        f"<table><tr>{thead}</tr>{tbody}</table>"])


def _ok(ok: bool, lang: str) -> str:
    return translate("planning.township.ok" if ok else "planning.township.short", lang)


def _cell(value: object) -> str:
    """A table cell: km to 0.01, counts as integers, text as it is."""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
