"""The sweep ranking as one self-contained HTML page: a scatter of the first two Pareto KPIs
(marker size: the third; the front in colour and numbered by rank), the ranking table, the
front, failed and skipped variants, and a link to the comparison of the best ones. No
scripts, fonts or images from anywhere else (it opens offline). Styles and number formats
are `allocator compare`'s.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import pandas as pd

from allocator.report.compare import fmt
from allocator.report.compare_html import CSS

from .spec import Sweep, Variant

EXTRA_CSS = ("th.l{text-align:left}tr.front td{background:#fff4e5}"
             "circle.front{fill:#f28e2b;stroke:#b35c00}circle.other{fill:#fff;stroke:#4e79a7}")


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def nice_ticks(lo: float, hi: float, n: int = 5) -> tuple[list[float], float]:
    """About `n` round tick values (steps of 1, 2, 2.5 or 5 x 10^k) within [lo, hi], and
    the step."""
    raw = (hi - lo) / max(n, 1)
    if raw <= 0:
        return [lo], 1.0
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(v)
        v = first + len(ticks) * step
    return ticks, step


def tick(v: float, step: float, top: float) -> str:
    """An axis label with as many decimals as the tick step needs, in M / k for large
    axes (1.25M, 2.2, 35k)."""
    scale, suffix = (1e6, "M") if top >= 1e6 else (1e3, "k") if top >= 1e4 else (1.0, "")
    unit = step / scale
    digits = max(0, -math.floor(math.log10(unit) + 1e-9)) if unit > 0 else 0
    if round(unit / 10 ** math.floor(math.log10(unit)), 3) == 2.5:
        digits += 1  # 2.5 x 10^-k needs one more
    return f"{v / scale:,.{min(digits, 6)}f}{suffix}"


def scatter(table: pd.DataFrame, x: str, y: str, size: str | None,
            width: int = 720, height: int = 420) -> str:
    """An SVG scatter of the variants with a plan: `x` against `y`, radius growing with
    `size`, Pareto-front points in colour and labelled with their rank."""
    pts = []
    for _, r in table.iterrows():
        if not r.get("_has_plan", True):
            continue
        px, py = _num(r.get(x)), _num(r.get(y))
        if px is None or py is None:
            continue
        pts.append((px, py, _num(r.get(size)) if size else None, bool(r["pareto"]),
                    int(r["rank"]), str(r["label"])))
    if not pts:
        return "<p>No finished variant with both figures to plot.</p>"
    left, right, top, bottom = 78, 20, 20, 46
    pw, ph = width - left - right, height - top - bottom
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]

    def span(vals: list[float]) -> tuple[float, float]:
        lo, hi = min(vals), max(vals)
        pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
        return lo - pad, hi + pad

    (x0, x1), (y0, y1) = span(xs), span(ys)
    sizes = [p[2] for p in pts if p[2] is not None]
    smin, smax = (min(sizes), max(sizes)) if sizes else (0.0, 0.0)

    def sx(v: float) -> float:
        return left + pw * (v - x0) / (x1 - x0)

    def sy(v: float) -> float:
        return top + ph - ph * (v - y0) / (y1 - y0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(x)} vs {escape(y)}">']
    xtop, ytop = max(abs(x0), abs(x1)), max(abs(y0), abs(y1))
    yticks, ystep = nice_ticks(y0, y1)
    for gy in yticks:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(gy):.1f}" '
                   f'y2="{sy(gy):.1f}" stroke="#eee"/><text x="{left - 4}" '
                   f'y="{sy(gy) + 4:.1f}" text-anchor="end" font-size="11" fill="#555">'
                   f'{tick(gy, ystep, ytop)}</text>')
    xticks, xstep = nice_ticks(x0, x1)
    for gx in xticks:
        out.append(f'<line x1="{sx(gx):.1f}" x2="{sx(gx):.1f}" y1="{top}" y2="{top + ph}" '
                   f'stroke="#f3f3f3"/><text x="{sx(gx):.1f}" y="{top + ph + 15}" '
                   f'text-anchor="middle" font-size="11" fill="#555">'
                   f'{tick(gx, xstep, xtop)}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" '
               f'font-size="12">{escape(x)}</text><text x="14" y="{top + ph / 2:.1f}" '
               f'text-anchor="middle" font-size="12" transform="rotate(-90 14 '
               f'{top + ph / 2:.1f})">{escape(y)}</text>')
    for px, py, ps, front, rank, label in sorted(pts, key=lambda p: p[3]):
        rad = 4 + (8 * (ps - smin) / (smax - smin) if ps is not None and smax > smin else 3)
        tip = f"#{rank} {label}: {x} {fmt(px)}, {y} {fmt(py)}" + (
            f", {size} {fmt(ps)}" if ps is not None and size else "")
        out.append(f'<circle class="{"front" if front else "other"}" cx="{sx(px):.1f}" '
                   f'cy="{sy(py):.1f}" r="{rad:.1f}"><title>{escape(tip)}</title></circle>')
        if front:
            out.append(f'<text x="{sx(px) + rad + 2:.1f}" y="{sy(py) + 4:.1f}" '
                       f'font-size="11">#{rank}</text>')
    out.append("</svg>")
    caption = (f"{escape(x)} against {escape(y)}" + (f"; marker size: {escape(size)}"
               if size else "") + "; orange: the Pareto front (numbered by rank)")
    return f"<figure><figcaption>{caption}</figcaption>{''.join(out)}</figure>"


def _cell(v: Any) -> str:
    from .summary import format_cell

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
    from .summary import kpi_direction, public

    spec = sweep.spec
    keys = [kpi_direction(k)[0] for k in spec.pareto]
    pub = public(table)
    text_cols = {"id", "label", "base", "plan", "closures", "status"}
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
                  scatter(table, keys[0], keys[1], keys[2] if len(keys) > 2 else None)]
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

