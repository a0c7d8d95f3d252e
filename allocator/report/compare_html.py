"""The comparison as one self-contained HTML page, in English or Chinese: inline SVG charts
drawn here, tables, and no scripts, fonts or images from anywhere else (it opens offline).

Charts: travel per level, boarding, classes per size band, annual cost, balance CVs against
their limit, open / small / oversize schools, pupils changing school; per-school enrolment
bars in the schools table. Every KPI of every run is a row of the KPI table
(`<tr data-key="...">`). Every title, header, chart label, status and note comes from the
catalog (`compare.json`) in the language asked; the data (ids, names, labels) as given.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from allocator.i18n import catalog, resolve_lang, translate

from .charts import CSS, bar_chart, fmt, number
from .closure import closure_html
from .compare import Comparison, changed_pupils, notes_in
from .investments import investment_html_title
from .labels import column_name, label_of, level_name, section_of, status_text

LEVELS = ("primary", "junior")


def cell(v: Any, lang: str, key: str = "") -> str:
    """A table cell's text: booleans as yes / no and the solve status (KPI `key`
    solve.status) in `lang`, numbers as `fmt` writes them."""
    if isinstance(v, bool):
        return translate("compare.yes" if v else "compare.no", lang)
    if key == "solve.status" and isinstance(v, str):
        return status_word(v, lang)
    return fmt(v)


def status_word(status: str, lang: str) -> str:
    """A solve status (optimal, feasible, ...) in `lang`; unknown ones as given."""
    key = f"cli.status.{status}"
    return translate(key, lang) if key in catalog() else status


def _series(cmp: Comparison):
    """(get(key) -> one value per run, per_run(named keys) -> one series per run)."""
    labels = [r.label for r in cmp.runs]
    k = cmp.kpis.set_index("key")

    def get(key: str) -> list[float | None]:
        return [number(k.at[key, lb]) if key in k.index else None for lb in labels]

    def per_run(keys: list[tuple[str, str]]) -> list[tuple[str, list[float | None]]]:
        cols = {name: get(key) for name, key in keys}
        return [(lb, [cols[name][i] for name, _ in keys]) for i, lb in enumerate(labels)]

    return k, get, per_run


def travel_and_boarding(cmp: Comparison, lang: str) -> list[str]:
    """The travel chart, the boarding chart and the class-band charts."""
    t = lambda key, **f: translate(key, lang, **f)  # noqa: E731
    k, get, per_run = _series(cmp)
    labels = [r.label for r in cmp.runs]
    travel = [(t("compare.chart.travel_group", level=level_name(lv, lang),
                 stat=t(f"compare.chart.stat.{m}")), f"travel.{lv}.{m}_km")
              for lv in LEVELS for m in ("mean", "p95", "max")]
    out = [bar_chart(t("compare.chart.travel"), [n for n, _ in travel], per_run(travel))]
    board = [(t("compare.chart.boarders"), "boarding.boarders"),
             (t("compare.chart.beds"), "boarding.beds"),
             (t("compare.chart.without_bed"), "boarding.beds_short")] + [
        (t("compare.chart.beyond_radius", level=level_name(lv, lang)), f"beyond_day_radius.{lv}")
        for lv in LEVELS]
    out.append(bar_chart(t("compare.chart.boarding"), [n for n, _ in board], per_run(board)))
    for lv in LEVELS:
        bands = [key for key in k.index if key.startswith(f"classes.{lv}.bands.")]
        if bands:
            out.append(bar_chart(t("compare.chart.bands", level=level_name(lv, lang)), labels,
                                 [(key.split(".", 3)[-1], get(key)) for key in bands],
                                 stacked=True))
    return out


def cost_and_balance(cmp: Comparison, lang: str) -> list[str]:
    """The annual cost chart and the balance CV charts with their limit."""
    t = lambda key, **f: translate(key, lang, **f)  # noqa: E731
    k, get, per_run = _series(cmp)
    labels = [r.label for r in cmp.runs]
    out = []
    cost = [(t(f"compare.chart.cost.{n}"), f"funding.{key}") for n, key in (
        ("per_pupil", "per_pupil_total_yuan"), ("topup", "small_school_topup_yuan"),
        ("boarding", "boarding_subsidy_yuan"), ("fixed", "fixed_cost_yuan"),
        ("capital", "capital_yuan"), ("investments", "investment_yuan"))]
    if any(v is not None for _, key in cost for v in get(key)):
        out.append(bar_chart(t("compare.chart.cost"), labels, [(n, get(key)) for n, key in cost],
                             stacked=True))
    for lv in LEVELS:
        inds = [key for key in k.index if key.startswith(f"balance.{lv}.cv.")]
        inds = [key for key in inds if any(v is not None for v in get(key))]
        if inds:
            limit = next((r.result.kpis.balance[lv].cv_max for r in cmp.runs
                          if r.result.kpis is not None and r.result.kpis.balance
                          and lv in r.result.kpis.balance), None)
            names = [(indicator_name(key.split(".")[-1], lang), key) for key in inds]
            out.append(bar_chart(t("compare.chart.balance", level=level_name(lv, lang)),
                                 [n for n, _ in names], per_run(names), limit=limit,
                                 limit_label=t("compare.chart.limit", limit=limit) if limit else "",
                                 width=620))
    return out


def indicator_name(name: str, lang: str) -> str:
    """A balance indicator's short name for a chart axis."""
    if resolve_lang(lang) == "en":
        return name.replace("_", " ").replace(" teachers", "").replace(" m2", "")
    return translate(f"compare.indicator.{name}", lang)


def schools_and_moves(cmp: Comparison, lang: str) -> list[str]:
    """The schools chart (open, small, over the cap, short of rooms / beds) and the pupils
    changing school."""
    t = lambda key, **f: translate(key, lang, **f)  # noqa: E731
    _, _, per_run = _series(cmp)
    schools = [(t(f"compare.chart.schools.{n}"), key) for n, key in (
        ("open", "open_schools"), ("small", "small_schools"),
        ("over_cap", "schools_over_size_cap"), ("short_rooms", "utilisation.schools_over_rooms"),
        ("short_beds", "boarding.schools_short"))]
    out = [bar_chart(t("compare.chart.schools"), [n for n, _ in schools], per_run(schools))]
    moved = changed_pupils(cmp)
    if moved:
        out.append(bar_chart(t("compare.chart.moved", base=cmp.runs[0].label), list(moved),
                             [(t("compare.chart.pupils"), [float(v) for v in moved.values()])]))
    return out


def charts(cmp: Comparison, lang: str = "en") -> list[str]:
    """Every chart of the page, as SVG figures, labelled in `lang`."""
    return (travel_and_boarding(cmp, lang) + cost_and_balance(cmp, lang)
            + schools_and_moves(cmp, lang))


def kpi_rows(cmp: Comparison, lang: str = "en") -> str:
    """The KPI table: a header row per section, a row per KPI with the difference from the
    base in brackets."""
    labels = [r.label for r in cmp.runs]
    rows, section = [], None
    for _, row in cmp.kpis.iterrows():
        title = section_of(row["key"], lang)
        if title != section:
            section = title
            rows.append(f'<tr class="sec"><th colspan="{len(labels) + 1}">'
                        f"{escape(section)}</th></tr>")
        base = number(row[labels[0]])
        cells = []
        for i, lb in enumerate(labels):
            v = row[lb]
            text = escape(cell(v, lang, row["key"]))
            n = number(v)
            if i and base is not None and n is not None and n != base:
                text += f' <small class="d">({"+" if n > base else ""}{fmt(n - base)})</small>'
            cells.append(f"<td>{text}</td>")
        rows.append(f'<tr data-key="{escape(row["key"])}"><th>'
                    f'{escape(label_of(row["key"], lang))}</th>' + "".join(cells) + "</tr>")
    head = "".join(f"<th>{escape(lb)}</th>" for lb in labels)
    return (f'<table class="kpis"><thead><tr><th>{escape(column_name("kpi", lang))}</th>'
            f'{head}</tr></thead>{"".join(rows)}</table>')


def table(df: pd.DataFrame, cols: list[str], left: int = 1, lang: str = "en") -> str:
    """A plain table of `cols` (headers in `lang`), the first `left` columns left-aligned;
    levels in `lang`."""
    head = "".join(f"<th>{escape(column_name(c, lang))}</th>" for c in cols)
    body = []
    for _, r in df.iterrows():
        body.append("<tr>" + "".join(
            f'<td{" class=l" if i < left else ""}>'
            f'{escape(level_name(r[c], lang) if c == "level" else cell(r[c], lang))}</td>'
            for i, c in enumerate(cols)) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead>{''.join(body)}</table>"


def school_cell(r: pd.Series, top: float, lang: str) -> str:
    """One school in one run: enrolment with a bar, classes / rooms, boarders / beds; or its
    status when it is not open."""
    if r["status"] not in ("open", "new"):
        return f'<td class="st">{escape(status_text(str(r["status"]), lang))}</td>'
    e = int(r["enrolment"])
    w = 80 * e / max(top, 1)
    rooms = translate("compare.rooms", lang, classes=int(r["classes"]),
                      classrooms=int(r["classrooms"]))
    beds = translate("compare.beds", lang, boarders=int(r["boarders"]), beds=int(r["beds"]))
    new = f", {translate('compare.status.new_tag', lang)}" if r["status"] == "new" else ""
    return (f'<td>{e:,} <svg width="82" height="10"><rect width="{w:.1f}" height="10" '
            f'fill="#4e79a7"/></svg><br><small class="d">{escape(rooms)}, {escape(beds)}'
            f"{escape(new)}</small></td>")


def school_rows(cmp: Comparison, lang: str = "en") -> str:
    """Schools table: per run the status or enrolment with a bar scaled to the largest."""
    labels = [r.label for r in cmp.runs]
    s = cmp.schools
    top = float(s["enrolment"].max()) if "enrolment" in s and s["enrolment"].notna().any() \
        else 1.0
    rows = []
    for sid, grp in s.groupby("school", sort=False):
        by = grp.set_index("run")
        cells = "".join(school_cell(by.loc[lb], top, lang) for lb in labels)
        name = escape(str(grp["name"].iloc[0] or ""))
        rows.append(f'<tr data-school="{escape(str(sid))}"><td class="l">{escape(str(sid))} '
                    f"{name}</td>{cells}</tr>")
    head = "".join(f"<th>{escape(lb)}</th>" for lb in labels)
    return (f'<table><thead><tr><th>{escape(column_name("school", lang))}</th>{head}</tr>'
            f'</thead>{"".join(rows)}</table>')


def render_html(cmp: Comparison, top: int = 60, lang: str = "en") -> str:
    """The whole page (UTF-8 text) in `lang` (`en` / `zh`; `<html lang>` set to match)."""
    lang = resolve_lang(lang)
    t = lambda key, **f: translate(key, lang, **f)  # noqa: E731
    labels = [r.label for r in cmp.runs]
    title = t("compare.title", labels=" / ".join(labels))
    src = escape(t("compare.list_sep")).join(
        escape(t("compare.source_item", label="\0", source=r.source)).replace(
            "\0", f"<b>{escape(r.label)}</b>")
        + (f" ({escape(t('compare.solved_here'))})" if r.solved_here else "")
        for r in cmp.runs)
    src_line = escape(t("compare.src_line", base="\1", sources="\2")).replace(
        "\1", f"<b>{escape(labels[0])}</b>").replace("\2", src)
    moved = "".join(f"<li>{escape(t('compare.moved_item', label=lb, n=f'{n:,}'))}</li>"
                    for lb, n in changed_pupils(cmp).items())
    pairs = cmp.pairs.groupby("run", sort=False).head(top)
    blocks = cmp.blocks.sort_values("pupils", ascending=False, kind="stable").head(top * 2)
    notes = "".join(f"<li>{escape(n)}</li>" for n in notes_in(cmp, lang))
    return "\n".join([
        "<!doctype html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>", f'<p class="src">{src_line}</p>',
        f'<h2 id="charts">{escape(t("compare.h.charts"))}</h2><div class="charts">',
        *charts(cmp, lang), "</div>",
        f'<h2 id="kpis">{escape(t("compare.h.kpis"))}</h2>', kpi_rows(cmp, lang),
        f'<h2 id="changes">{escape(t("compare.h.changes"))}</h2>',
        f"<ul>{moved or '<li>' + escape(t('compare.only_one')) + '</li>'}</ul>",
        f"<h3>{escape(t('compare.h.pairs', top=top))}</h3>",
        table(pairs, ["run", "from_school", "to_school", "pupils", "blocks"], 3, lang),
        f"<h3>{escape(t('compare.h.blocks', top=2 * top))}</h3>",
        table(blocks, ["run", "block", "township", "level", "grades", "pupils",
                       "from_school", "to_school", "km_before", "km_after"], 5, lang),
        f'<h2 id="schools">{escape(t("compare.h.schools"))}</h2>', school_rows(cmp, lang),
        closure_html(cmp, lang),
        *([f'<h2 id="investments">{escape(investment_html_title(lang))}</h2>',
            table(cmp.investments, list(cmp.investments.columns), 4, lang)]
          if not cmp.investments.empty else []),
        f'<h2 id="notes">{escape(t("compare.h.notes"))}</h2>'
        f'<ul>{notes or "<li>" + escape(t("compare.none")) + "</li>"}</ul>',
        "</body></html>", ""])
