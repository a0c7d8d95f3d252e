"""timeline.html: a plan's years on one self-contained page (no scripts, fonts or images
from anywhere else; it opens offline) in zh-CN or English, labels from the `horizon.json`
catalog: a year x KPI table (`<tr data-year="...">`, one per year), the targets judged per
year, and SVG charts drawn with the report chart kit (pupils by level, classes over the
cap, boarders against beds, schools open, annual cost, targets met)."""

from __future__ import annotations

from html import escape
from typing import Any

from allocator.i18n import resolve_lang, translate
from allocator.report.charts import CSS, bar_chart, fmt, number

from .timeline import COLUMNS, horizon_totals

TABLE = [c for c in COLUMNS if c != "solve_s"]


def _t(key: str, lang: str, **fields: Any) -> str:
    return translate(f"horizon.{key}", lang, **fields)


def _values(rows: list[dict[str, Any]], key: str) -> list[float | None]:
    return [number(r.get(key)) for r in rows]


def timeline_charts(rows: list[dict[str, Any]], lang: str) -> list[str]:
    """The six charts of the page, one group per year."""
    years = [str(r["year"]) for r in rows]

    def series(*keys: str) -> list[tuple[str, list[float | None]]]:
        return [(_t(f"series.{k}", lang), _values(rows, k)) for k in keys]

    return [
        bar_chart(_t("chart.pupils", lang), years, series("pupils_primary", "pupils_junior"),
                  stacked=True),
        bar_chart(_t("chart.over_cap", lang), years, series("classes_over_cap",
                                                            "large_classes")),
        bar_chart(_t("chart.boarding", lang), years, series("boarders", "beds")),
        bar_chart(_t("chart.schools", lang), years, series("schools_open")),
        bar_chart(_t("chart.cost", lang), years, series("annual_cost_yuan")),
        bar_chart(_t("chart.targets", lang), years, series("targets_met", "targets_missed"),
                  stacked=True),
    ]


def _cell_text(column: str, v: Any, lang: str) -> str:
    """A table cell: the year as written, the status in `lang`, the gap in percent, other
    numbers as the chart kit writes them."""
    if column == "year":
        return str(v)
    if column == "status" and v:
        return _t(f"status.{v}", lang)
    if column == "gap" and isinstance(v, (int, float)):
        return f"{v:.2%}"
    return fmt(v)


def timeline_table(rows: list[dict[str, Any]], lang: str) -> str:
    """The year x KPI table: a header of column names, one `<tr data-year>` per year."""
    head = "".join(f"<th>{escape(_t(f'col.{c}', lang))}</th>" for c in TABLE)
    body = []
    for r in rows:
        cells = []
        for c in TABLE:
            text = _cell_text(c, r.get(c), lang)
            cells.append(f'<td class="l">{escape(text)}</td>' if c == "status"
                         else f"<td>{escape(text)}</td>")
        body.append(f'<tr data-year="{r["year"]}">' + "".join(cells) + "</tr>")
    return (f'<table class="timeline"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table>")


def targets_table(targets: list[dict[str, Any]], lang: str) -> str:
    """Every target judged per year: met or missed and by how much."""
    if not targets:
        return f"<p>{escape(_t('no_targets', lang))}</p>"
    cols = ["year", "id", "kpi", "op", "value", "actual", "met", "amount"]
    head = "".join(f"<th>{escape(_t(f'target.{c}', lang))}</th>" for c in cols)
    body = []
    for t in targets:
        word = _t("met" if t["met"] else "missed", lang)
        vals = {**t, "met": word, "value": fmt(t["value"]), "actual": fmt(t["actual"]),
                "amount": fmt(t["amount"])}
        cls = "" if t["met"] else ' class="st"'
        body.append(f"<tr{cls}>" + "".join(
            f'<td class="l">{escape(str(vals[c]))}</td>' if c in ("id", "kpi", "met")
            else f"<td>{escape(str(vals[c]))}</td>" for c in cols) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def timeline_html(name: str, rows: list[dict[str, Any]], targets: list[dict[str, Any]],
                  lang: str | None = None) -> str:
    """The whole page (UTF-8 text) in `lang` (`<html lang>` set to match)."""
    lang = resolve_lang(lang)
    totals = horizon_totals(rows)
    total_line = " · ".join(f"{_t(f'col.{k}', lang)}: {fmt(v)}" for k, v in totals.items())
    title = _t("title", lang, name=name)
    return "".join([
        "<!doctype html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="src">{escape(_t("totals", lang))}: {escape(total_line)}</p>',
        f"<h2>{escape(_t('h.table', lang))}</h2>", timeline_table(rows, lang),
        f"<h2>{escape(_t('h.targets', lang))}</h2>", targets_table(targets, lang),
        f"<h2>{escape(_t('h.charts', lang))}</h2>",
        '<div class="charts">', *timeline_charts(rows, lang), "</div>",
        "</body></html>\n"])
