"""The comparison as one self-contained HTML page: inline SVG charts drawn here, tables, and
no scripts, fonts or images from anywhere else (it opens offline).

Charts: travel per level, boarding, classes per size band, annual cost, balance CVs against
their limit, open / small / oversize schools, pupils changing school; per-school enrolment
bars in the schools table. Every KPI of every run is a row of the KPI table
(`<tr data-key="...">`).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import pandas as pd

from .compare import Comparison, changed_pupils, fmt

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#9c755f", "#bab0ac", "#ff9da7")
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",
sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:2px solid #4e79a7;padding-bottom:4px;
margin-top:32px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:top}
th:first-child,td.l{text-align:left}tr.sec th{background:#eef3f8;text-align:left}
thead th{background:#4e79a7;color:#fff;position:sticky;top:0}small.d{color:#777}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;border:1px solid #e3e3e3;
padding:6px;background:#fff}figcaption{font-weight:600;margin-bottom:2px}
.st{color:#a33}.src{color:#555;font-size:12px}svg text{font-family:inherit}
"""


def short(v: float) -> str:
    """Axis / bar label: 1.2M, 35k, 0.42."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e4:
        return f"{v / 1e3:.3g}k"
    if a >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}"


def nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    return next(m * mag for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * mag >= v)


def bar_chart(title: str, groups: list[str], series: list[tuple[str, list[float | None]]],
              *, stacked: bool = False, limit: float | None = None, limit_label: str = "",
              width: int = 560, height: int = 280) -> str:
    """An SVG bar chart: `groups` along x, one bar per series in each (or one stacked bar),
    value labels, a legend, and an optional dashed `limit` line. None values draw nothing."""
    cols = min(max(len(series), 1), 4)
    left, right, top, bottom = 52, 10, 30 + 16 * ((len(series) + cols - 1) // cols), 46
    pw, ph = width - left - right, height - top - bottom
    vals = [v for _, vs in series for v in vs if v is not None]
    if stacked:
        vals = [sum(vs[i] or 0 for _, vs in series) for i in range(len(groups))]
    ymax = nice_max(max(vals + ([limit] if limit is not None else []) + [0]))

    def y(v: float) -> float:
        return top + ph - ph * v / ymax

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    for k in range(5):
        v = ymax * k / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                   f'stroke="#e6e6e6"/><text x="{left - 4}" y="{y(v) + 4:.1f}" '
                   f'text-anchor="end" font-size="11" fill="#555">{short(v)}</text>')
    for i, (name, _) in enumerate(series):
        lx, ly = left + (i % cols) * (pw / cols), 14 + 16 * (i // cols)
        out.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" '
                   f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{lx + 14:.1f}" y="{ly}" '
                   f'font-size="11">{escape(name)}</text>')
    gw = pw / max(len(groups), 1)
    for g, gname in enumerate(groups):
        gx = left + g * gw
        if stacked:
            base = 0.0
            for i, (_, vs) in enumerate(series):
                v = vs[g] or 0.0
                if v > 0:
                    out.append(f'<rect x="{gx + gw * 0.2:.1f}" y="{y(base + v):.1f}" '
                               f'width="{gw * 0.6:.1f}" height="{y(base) - y(base + v):.1f}" '
                               f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(gname)}: '
                               f'{escape(series[i][0])} {short(v)}</title></rect>')
                base += v
            out.append(f'<text x="{gx + gw / 2:.1f}" y="{y(base) - 3:.1f}" font-size="11" '
                       f'text-anchor="middle">{short(base)}</text>')
        else:
            bw = gw * 0.8 / max(len(series), 1)
            for i, (_, vs) in enumerate(series):
                v = vs[g]
                bx = gx + gw * 0.1 + i * bw
                if v is None:
                    out.append(f'<text x="{bx + bw / 2:.1f}" y="{top + ph - 3}" font-size="9" '
                               f'text-anchor="middle" fill="#999">n/a</text>')
                    continue
                out.append(f'<rect x="{bx:.1f}" y="{y(v):.1f}" width="{bw * 0.92:.1f}" '
                           f'height="{max(y(0) - y(v), 0):.1f}" fill="'
                           f'{PALETTE[i % len(PALETTE)]}"><title>{escape(gname)}: '
                           f'{escape(series[i][0])} {short(v)}</title></rect>')
                if bw >= 26:  # narrower bars: the value is in the tooltip and the table
                    out.append(f'<text x="{bx + bw / 2:.1f}" y="{y(v) - 3:.1f}" '
                               f'font-size="10" text-anchor="middle">{short(v)}</text>')
        out.append(_label(gx + gw / 2, top + ph + 15, gname, gw))
    if limit is not None:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(limit):.1f}" '
                   f'y2="{y(limit):.1f}" stroke="#c00" stroke-dasharray="5,4"/>'
                   f'<text x="{left + 4}" y="{y(limit) - 4:.1f}" font-size="11" '
                   f'fill="#c00" stroke="#fff" stroke-width="3" paint-order="stroke">'
                   f'{escape(limit_label)}</text>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
               'stroke="#888"/></svg>')
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(out)}</figure>"


def _label(x: float, y: float, text: str, room: float) -> str:
    """An x-axis label, on two lines when it is wider than `room` pixels."""
    words = text.split()
    if len(text) * 6.2 <= room or len(words) < 2:
        return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="middle">'
                f"{escape(text)}</text>")
    cut = min(range(1, len(words)), key=lambda k: abs(len(" ".join(words[:k]))
                                                      - len(" ".join(words[k:]))))
    a, b = " ".join(words[:cut]), " ".join(words[cut:])
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="middle">'
            f'<tspan x="{x:.1f}">{escape(a)}</tspan><tspan x="{x:.1f}" dy="13">{escape(b)}'
            "</tspan></text>")


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
        return float(v)
    return None


def charts(cmp: Comparison) -> list[str]:
    """Every chart of the page, as SVG figures."""
    labels = [r.label for r in cmp.runs]
    k = cmp.kpis.set_index("key")

    def get(key: str) -> list[float | None]:
        return [_num(k.at[key, lb]) if key in k.index else None for lb in labels]

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
            limit = next((r.result.kpis.get("balance", {}).get(lv, {}).get("cv_max")
                          for r in cmp.runs if r.result.kpis.get("balance")), None)
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
        base = _num(row[labels[0]])
        cells = []
        for i, lb in enumerate(labels):
            v = row[lb]
            cell = escape(fmt(v))
            n = _num(v)
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
        '<h2 id="schools">Schools before / after</h2>', school_rows(cmp),
        f'<h2 id="notes">Notes</h2><ul>{notes or "<li>none</li>"}</ul>',
        "</body></html>", ""])
