"""One kit for the self-contained HTML pages (compare, sweep ranking): the palette and page
style, round axis ticks, value labels, SVG bar charts and scatter plots. Pure text: no
scripts, fonts or images from anywhere else, so the pages open offline."""

from __future__ import annotations

import math
from html import escape
from typing import Any, NamedTuple

import pandas as pd

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


def number(v: Any) -> float | None:
    """`v` as a float to plot, or None (missing, NaN, text, a bool)."""
    if isinstance(v, bool) or v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def fmt(v: Any) -> str:
    """A table cell: empty for missing, thousands separators, at most 4 decimals."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    return str(v)


class Point(NamedTuple):
    """A scatter point: position, marker size (None: the default), highlighted, rank,
    label."""

    x: float
    y: float
    size: float | None
    front: bool
    rank: int
    label: str


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


class Frame(NamedTuple):
    """A bar chart's plot area in pixels: left and right edges, top, height, and the value
    `ymax` drawn at the top (0 at the bottom)."""

    left: int
    right: int
    top: int
    height: int
    ymax: float

    def to_y(self, v: float) -> float:
        """The pixel row of value `v`."""
        return self.top + self.height - self.height * v / self.ymax


def open_svg(width: int, height: int, label: str) -> str:
    """The opening tag of a `width` x `height` SVG chart named `label` (escaped HTML)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}">')


def draw_y_gridline(left: int, right: int, at: float, label: str, stroke: str) -> str:
    """A horizontal grid line at pixel row `at` from `left` to `right`, its axis label left
    of it."""
    return (f'<line x1="{left}" x2="{right}" y1="{at:.1f}" y2="{at:.1f}" '
            f'stroke="{stroke}"/><text x="{left - 4}" y="{at + 4:.1f}" '
            f'text-anchor="end" font-size="11" fill="#555">{label}</text>')


def choose_bar_ticks(groups: list[str], series: list[tuple[str, list[float | None]]], stacked: bool,
              limit: float | None) -> tuple[list[float], float, float]:
    """(y ticks, their step, the value at the top) of a bar chart: round ticks from 0 that
    reach every bar (the stack's total when `stacked`) and the `limit`."""
    vals = [v for _, vs in series for v in vs if v is not None]
    if stacked:
        vals = [sum(vs[i] or 0 for _, vs in series) for i in range(len(groups))]
    yticks, ystep = nice_ticks(0.0, max(vals + ([limit] if limit is not None else []) + [0])
                               or 1.0, 4)
    ymax = yticks[-1] if yticks[-1] > 0 else 1.0
    if ymax < max(vals + [0]):
        ymax += ystep
        yticks.append(ymax)
    return yticks, ystep, ymax


def draw_legend(series: list[tuple[str, list[float | None]]], cols: int, left: int,
               pw: float) -> list[str]:
    """A colour swatch and the name of each series, `cols` per row above the plot."""
    out = []
    for i, (name, _) in enumerate(series):
        lx, ly = left + (i % cols) * (pw / cols), 14 + 16 * (i // cols)
        out.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" '
                   f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{lx + 14:.1f}" y="{ly}" '
                   f'font-size="11">{escape(name)}</text>')
    return out


def draw_stacked_bar(fr: Frame, series: list[tuple[str, list[float | None]]], g: int, gname: str,
                gx: float, gw: float) -> list[str]:
    """Group g's bar in a stacked chart: a segment per positive value (None counts 0), the
    total above it."""
    out = []
    base = 0.0
    for i, (_, vs) in enumerate(series):
        v = vs[g] or 0.0
        if v > 0:
            out.append(f'<rect x="{gx + gw * 0.2:.1f}" y="{fr.to_y(base + v):.1f}" '
                       f'width="{gw * 0.6:.1f}" height="{fr.to_y(base) - fr.to_y(base + v):.1f}" '
                       f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(gname)}: '
                       f'{escape(series[i][0])} {short(v)}</title></rect>')
        base += v
    out.append(f'<text x="{gx + gw / 2:.1f}" y="{fr.to_y(base) - 3:.1f}" font-size="11" '
               f'text-anchor="middle">{short(base)}</text>')
    return out


def draw_grouped_bars(fr: Frame, series: list[tuple[str, list[float | None]]], g: int,
                 gname: str, gx: float, gw: float) -> list[str]:
    """Group g's bars side by side, one per series: "n/a" for None, the value above bars
    wide enough to hold it."""
    out = []
    bw = gw * 0.8 / max(len(series), 1)
    for i, (_, vs) in enumerate(series):
        v = vs[g]
        bx = gx + gw * 0.1 + i * bw
        if v is None:
            out.append(f'<text x="{bx + bw / 2:.1f}" y="{fr.top + fr.height - 3}" '
                       f'font-size="9" text-anchor="middle" fill="#999">n/a</text>')
            continue
        out.append(f'<rect x="{bx:.1f}" y="{fr.to_y(v):.1f}" width="{bw * 0.92:.1f}" '
                   f'height="{max(fr.to_y(0) - fr.to_y(v), 0):.1f}" fill="'
                   f'{PALETTE[i % len(PALETTE)]}"><title>{escape(gname)}: '
                   f'{escape(series[i][0])} {short(v)}</title></rect>')
        if bw >= 26:  # narrower bars: the value is in the tooltip and the table
            out.append(f'<text x="{bx + bw / 2:.1f}" y="{fr.to_y(v) - 3:.1f}" '
                       f'font-size="10" text-anchor="middle">{short(v)}</text>')
    return out


def draw_limit_line(fr: Frame, limit: float, label: str) -> str:
    """A dashed red line at value `limit` across the plot, `label` above its left end."""
    return (f'<line x1="{fr.left}" x2="{fr.right}" y1="{fr.to_y(limit):.1f}" '
            f'y2="{fr.to_y(limit):.1f}" stroke="#c00" stroke-dasharray="5,4"/>'
            f'<text x="{fr.left + 4}" y="{fr.to_y(limit) - 4:.1f}" font-size="11" '
            f'fill="#c00" stroke="#fff" stroke-width="3" paint-order="stroke">'
            f'{escape(label)}</text>')


def bar_chart(title: str, groups: list[str], series: list[tuple[str, list[float | None]]],
              *, stacked: bool = False, limit: float | None = None, limit_label: str = "",
              width: int = 560, height: int = 280) -> str:
    """An SVG bar chart: `groups` along x, one bar per series in each (or one stacked bar),
    value labels, a legend, and an optional dashed `limit` line. None values draw nothing."""
    cols = min(max(len(series), 1), 4)
    left, right, top, bottom = 52, 10, 30 + 16 * ((len(series) + cols - 1) // cols), 46
    pw, ph = width - left - right, height - top - bottom
    yticks, ystep, ymax = choose_bar_ticks(groups, series, stacked, limit)
    fr = Frame(left, width - right, top, ph, ymax)
    out = [open_svg(width, height, escape(title))]
    for v in yticks:
        out.append(draw_y_gridline(left, width - right, fr.to_y(v), tick(v, ystep, ymax),
                                   "#e6e6e6"))
    out += draw_legend(series, cols, left, pw)
    gw = pw / max(len(groups), 1)
    for g, gname in enumerate(groups):
        gx = left + g * gw
        if stacked:
            out += draw_stacked_bar(fr, series, g, gname, gx, gw)
        else:
            out += draw_grouped_bars(fr, series, g, gname, gx, gw)
        out.append(x_label(gx + gw / 2, top + ph + 15, gname, gw))
    if limit is not None:
        out.append(draw_limit_line(fr, limit, limit_label))
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{fr.to_y(0):.1f}" '
               f'y2="{fr.to_y(0):.1f}" stroke="#888"/></svg>')
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(out)}</figure>"


def x_label(x: float, y: float, text: str, room: float) -> str:
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


def pad_span(vals: list[float]) -> tuple[float, float]:
    """The range of `vals` widened by 8% of its length on each side (5% of the value, or
    1, when all are equal)."""
    lo, hi = min(vals), max(vals)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
    return lo - pad, hi + pad


def scatter(pts: list[Point], x: str, y: str, size: str | None,
            width: int = 720, height: int = 420) -> str:
    """An SVG scatter of `pts`: `x` against `y`, radius growing with `size`, highlighted
    points in colour and labelled with their rank."""
    if not pts:
        return "<p>No finished variant with both figures to plot.</p>"
    left, right, top, bottom = 78, 20, 20, 46
    pw, ph = width - left - right, height - top - bottom
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    (x0, x1), (y0, y1) = pad_span(xs), pad_span(ys)
    sizes = [p[2] for p in pts if p[2] is not None]
    smin, smax = (min(sizes), max(sizes)) if sizes else (0.0, 0.0)

    def sx(v: float) -> float:
        return left + pw * (v - x0) / (x1 - x0)

    def sy(v: float) -> float:
        return top + ph - ph * (v - y0) / (y1 - y0)

    out = [open_svg(width, height, f"{escape(x)} vs {escape(y)}")]
    xtop, ytop = max(abs(x0), abs(x1)), max(abs(y0), abs(y1))
    yticks, ystep = nice_ticks(y0, y1)
    for gy in yticks:
        out.append(draw_y_gridline(left, width - right, sy(gy), tick(gy, ystep, ytop), "#eee"))
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


