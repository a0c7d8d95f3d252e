"""The sweep ranking as one self-contained HTML page: a scatter of the first two Pareto KPIs
(marker size: the third; the front in colour and numbered by rank), the ranking table, the
front, failed and skipped variants, and a link to the comparison of the best ones. No
scripts, fonts or images from anywhere else (it opens offline). Styles and number formats
are `allocator compare`'s.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from allocator.report.charts import CSS, Point, number, scatter

from .ranking import format_cell, kpi_direction, public
from .variants import Sweep, Variant

EXTRA_CSS = ("th.l{text-align:left}tr.front td{background:#fff4e5}"
             "circle.front{fill:#f28e2b;stroke:#b35c00}circle.other{fill:#fff;stroke:#4e79a7}")


def points(table: pd.DataFrame, x: str, y: str, size: str | None) -> list[Point]:
    """The variants with a plan and both figures, as scatter points (the Pareto front
    highlighted and numbered by rank)."""
    pts = []
    for _, r in table.iterrows():
        if not r.get("_has_plan", True):
            continue
        px, py = number(r.get(x)), number(r.get(y))
        if px is None or py is None:
            continue
        pts.append(Point(px, py, number(r.get(size)) if size else None, bool(r["pareto"]),
                         int(r["rank"]), str(r["label"])))
    return pts


def _cell(v: Any) -> str:
    return escape(format_cell(v))


def _table(df: pd.DataFrame, cols: list[str], left: set[str]) -> str:
    head = "".join(f'<th{" class=l" if c in left else ""}>{escape(str(c))}</th>'
                   for c in cols)
    body = []
    for _, r in df.iterrows():
        cls = ' class="front"' if bool(r.get("pareto", False)) else ""
        body.append(f'<tr{cls} data-id="{escape(str(r.get("id", "")))}">' + "".join(
            f'<td{" class=l" if c in left else ""}>{_cell(r[c])}</td>' for c in cols)
            + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead>{''.join(body)}</table>"


def render_ranking(sweep: Sweep, table: pd.DataFrame, failed: list[dict[str, str]],
                   missing: list[Variant], compared: list[str] | None) -> str:
    """The whole page (UTF-8 text)."""
    spec = sweep.spec
    keys = [kpi_direction(k)[0] for k in spec.pareto]
    pub = public(table)
    text_cols = {"id", "label", "base", "plan", "closures", "phasing", "status"}
    cols = [c for c in pub.columns if c != "id"]
    title = f"Sweep {sweep.name}: ranking"
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="src">Spec {escape(str(sweep.source))}: {len(sweep.variants)} variants; '
        f"{len(table)} finished, {len(failed)} failed, {len(missing)} not run. Ranked by "
        + ", then ".join(escape(k) for k in spec.rank) + "; Pareto front of "
        + " / ".join(escape(k) for k in spec.pareto) + " (minimised; '-' maximised).</p>"]
    if len(keys) >= 2 and not table.empty:
        parts += ['<h2 id="pareto">Pareto front</h2>',
                  scatter(points(table, keys[0], keys[1], keys[2] if len(keys) > 2 else None),
                          keys[0], keys[1], keys[2] if len(keys) > 2 else None)]
        front = table[table["pareto"]]
        parts.append(_table(front, [c for c in ["rank", "id", "label", *keys]
                                    if c in front], {"id", "label"}))
    if compared:
        parts.append(f'<p>Comparison of the best variants ({escape(", ".join(compared))}; '
                     'the first is the reference): <a href="compare/compare.html">'
                     "compare/compare.html</a></p>")
    parts += ['<h2 id="ranking">Ranking</h2>', _table(pub, cols, text_cols & set(cols))
              if not pub.empty else "<p>No variant has finished.</p>"]
    if failed:
        parts += [f'<h2 id="failed">Failed ({len(failed)})</h2><p>The whole message is in '
                  "&lt;id&gt;/error.txt.</p>",
                  _table(pd.DataFrame(failed), ["id", "label", "error"], {"id", "label",
                                                                          "error"})]
    if missing:
        items = "".join(f"<li>{escape(v.label)} ({escape(v.id)})</li>" for v in missing[:200])
        parts.append(f'<h2 id="missing">Not run yet ({len(missing)})</h2><ul>{items}</ul>')
    if sweep.skipped:
        items = "".join(f"<li>{escape(s['label'])}: {escape(s['reason'])}</li>"
                        for s in sweep.skipped)
        parts.append(f'<h2 id="skipped">Skipped combinations ({len(sweep.skipped)})</h2>'
                     f"<ul>{items}</ul>")
    parts += ["</body></html>", ""]
    return "\n".join(parts)

