"""The comparison as one self-contained HTML page: inline SVG charts drawn here, tables, and
no scripts, fonts or images from anywhere else (it opens offline).

Charts: travel per level, boarding, classes per size band, annual cost, balance CVs against
their limit, open / small / oversize schools, pupils changing school; per-school enrolment
bars in the schools table. Every KPI of every run is a row of the KPI table
(`<tr data-key="...">`).
"""

from __future__ import annotations

from html import escape

import pandas as pd

from .charts import CSS, bar_chart, fmt, number
from .closure import closure_html
from .compare import Comparison, changed_pupils


def charts(cmp: Comparison) -> list[str]:
    """Every chart of the page, as SVG figures."""
    labels = [r.label for r in cmp.runs]
    k = cmp.kpis.set_index("key")

    def get(key: str) -> list[float | None]:
        return [number(k.at[key, lb]) if key in k.index else None for lb in labels]

    def per_run(keys: list[tuple[str, str]]) -> list[tuple[str, list[float | None]]]:
        cols = {name: get(key) for name, key in keys}
        return [(lb, [cols[name][i] for name, _ in keys]) for i, lb in enumerate(labels)]

    out = []
    travel = [(f"{lv} {m}", f"travel.{lv}.{m}_km") for lv in ("primary", "junior")
              for m in ("mean", "p95", "max")]
    out.append(bar_chart("Travel per pupil (km)", [n for n, _ in travel], per_run(travel)))
    board = [("boarders", "boarding.boarders"), ("beds", "boarding.beds"),
             ("without a bed", "boarding.beds_short"),
             ("primary beyond radius", "beyond_day_radius.primary"),
             ("junior beyond radius", "beyond_day_radius.junior")]
    out.append(bar_chart("Boarding", [n for n, _ in board], per_run(board)))
    for lv in ("primary", "junior"):
        bands = [key for key in k.index if key.startswith(f"classes.{lv}.bands.")]
        if bands:
            out.append(bar_chart(f"{lv.capitalize()} classes per size band", labels,
                                 [(key.split(".")[-1], get(key)) for key in bands],
                                 stacked=True))
    cost = [(n, f"funding.{key}") for n, key in (
        ("per pupil", "per_pupil_yuan"), ("small-school top-up", "small_school_topup_yuan"),
        ("boarding subsidy", "boarding_subsidy_yuan"), ("fixed costs", "fixed_cost_yuan"))]
    if any(v is not None for _, key in cost for v in get(key)):
        out.append(bar_chart("Annual cost (yuan)", labels,
                             [(n, get(key)) for n, key in cost], stacked=True))
    for lv in ("primary", "junior"):
        inds = [key for key in k.index if key.startswith(f"balance.{lv}.cv.")]
        inds = [key for key in inds if any(v is not None for v in get(key))]
        if inds:
            limit = next((r.result.kpis.balance[lv].cv_max for r in cmp.runs
                          if r.result.kpis is not None and r.result.kpis.balance
                          and lv in r.result.kpis.balance), None)
            names = [(key.split(".")[-1].replace("_", " "), key) for key in inds]
            out.append(bar_chart(f"{lv.capitalize()} balance: CV across schools",
                                 [n.replace(" teachers", "").replace(" m2", "")
                                  for n, _ in names], per_run(names), limit=limit,
                                 limit_label=f"limit {limit}" if limit else "", width=620))
    schools = [("open", "open_schools"), ("small", "small_schools"),
               ("over size cap", "schools_over_size_cap"),
               ("short of rooms", "utilisation.schools_over_rooms"),
               ("short of beds", "boarding.schools_short")]
    out.append(bar_chart("Schools", [n for n, _ in schools], per_run(schools)))
    moved = changed_pupils(cmp)
    if moved:
        out.append(bar_chart(f"Pupils whose school changes against {labels[0]}",
                             list(moved), [("pupils", [float(v) for v in moved.values()])]))
    return out


def kpi_rows(cmp: Comparison) -> str:
    labels = [r.label for r in cmp.runs]
    rows, section = [], None
    for _, row in cmp.kpis.iterrows():
        if row["section"] != section:
            section = row["section"]
            rows.append(f'<tr class="sec"><th colspan="{len(labels) + 1}">'
                        f"{escape(section)}</th></tr>")
        base = number(row[labels[0]])
        cells = []
        for i, lb in enumerate(labels):
            v = row[lb]
            cell = escape(fmt(v))
            n = number(v)
            if i and base is not None and n is not None and n != base:
                cell += f' <small class="d">({"+" if n > base else ""}{fmt(n - base)})</small>'
            cells.append(f"<td>{cell}</td>")
        rows.append(f'<tr data-key="{escape(row["key"])}"><th>{escape(row["label"])}</th>'
                    + "".join(cells) + "</tr>")
    head = "".join(f"<th>{escape(lb)}</th>" for lb in labels)
    return f'<table class="kpis"><thead><tr><th>KPI</th>{head}</tr></thead>{"".join(rows)}' \
           "</table>"


def table(df: pd.DataFrame, cols: list[str], left: int = 1) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = []
    for _, r in df.iterrows():
        body.append("<tr>" + "".join(
            f'<td{" class=l" if i < left else ""}>{escape(fmt(r[c]))}</td>'
            for i, c in enumerate(cols)) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead>{''.join(body)}</table>"


def school_rows(cmp: Comparison) -> str:
    """Schools table: per run the status or enrolment with a bar scaled to the largest."""
    labels = [r.label for r in cmp.runs]
    s = cmp.schools
    top = float(s["enrolment"].max()) if "enrolment" in s and s["enrolment"].notna().any() \
        else 1.0
    rows = []
    for sid, grp in s.groupby("school", sort=False):
        by = grp.set_index("run")
        cells = []
        for lb in labels:
            r = by.loc[lb]
            if r["status"] in ("open", "new"):
                e = int(r["enrolment"])
                w = 80 * e / max(top, 1)
                cells.append(f'<td>{e:,} <svg width="82" height="10"><rect width="{w:.1f}" '
                             f'height="10" fill="#4e79a7"/></svg><br><small class="d">'
                             f'{int(r["classes"])}/{int(r["classrooms"])} rooms, '
                             f'{int(r["boarders"])}/{int(r["beds"])} beds'
                             f'{", new" if r["status"] == "new" else ""}</small></td>')
            else:
                cells.append(f'<td class="st">{escape(str(r["status"]))}</td>')
        name = escape(str(grp["name"].iloc[0] or ""))
        rows.append(f'<tr data-school="{escape(str(sid))}"><td class="l">{escape(str(sid))} '
                    f"{name}</td>{''.join(cells)}</tr>")
    head = "".join(f"<th>{escape(lb)}</th>" for lb in labels)
    return f'<table><thead><tr><th>school</th>{head}</tr></thead>{"".join(rows)}</table>'


def render_html(cmp: Comparison, top: int = 60) -> str:
    """The whole page (UTF-8 text)."""
    labels = [r.label for r in cmp.runs]
    title = "Layout comparison: " + " / ".join(labels)
    src = "; ".join(f"<b>{escape(r.label)}</b> = {escape(r.source)}"
                    + (" (solved here)" if r.solved_here else "") for r in cmp.runs)
    moved = changed_pupils(cmp)
    moved_txt = "".join(f"<li>{escape(lb)}: {n:,} pupils</li>" for lb, n in moved.items())
    pairs = cmp.pairs.groupby("run", sort=False).head(top)
    blocks = cmp.blocks.sort_values("pupils", ascending=False, kind="stable").head(top * 2)
    notes = "".join(f"<li>{escape(n)}</li>" for n in cmp.notes)
    return "\n".join([
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>", f'<p class="src">Base: <b>{escape(labels[0])}</b>. '
        f"Sources: {src}. Differences from the base in brackets.</p>",
        '<h2 id="charts">Charts</h2><div class="charts">', *charts(cmp), "</div>",
        '<h2 id="kpis">KPIs</h2>', kpi_rows(cmp),
        '<h2 id="changes">Pupils whose school changes</h2>',
        f"<ul>{moved_txt or '<li>only one scenario</li>'}</ul>",
        f"<h3>Between schools (largest {top} per scenario; all in changes_pairs.csv)</h3>",
        table(pairs, ["run", "from_school", "to_school", "pupils", "blocks"], left=3),
        f"<h3>Blocks (largest {2 * top}; all in changes_blocks.csv)</h3>",
        table(blocks, ["run", "block", "township", "level", "grades", "pupils",
                       "from_school", "to_school", "km_before", "km_after"], left=5),
        '<h2 id="schools">Schools before / after</h2>', school_rows(cmp), closure_html(cmp),
        f'<h2 id="notes">Notes</h2><ul>{notes or "<li>none</li>"}</ul>',
        "</body></html>", ""])
