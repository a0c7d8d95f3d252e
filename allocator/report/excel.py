"""`allocator export RESULT_DIR -o plan.xlsx --lang zh|en`: the bureau's Excel report of a
result, and `compare.xlsx` of a comparison. From results only: nothing here solves.

The first sheet is a written summary (what was solved, status, objective, bound and gap, the
main KPIs, the rules broken, the rotation) and the KPI table; then schools, assignments,
violations, layout operations (when there are any), teacher moves, quota and staffing (when
the rotation ran) and the balance indicators (`allocator.report.excel_sheets`). Every
sheet has a frozen, bold header row, number formats and column widths; schools with more
classes than classrooms or more boarders than beds are coloured. Texts come from the
catalog `excel.json` in the chosen language; the file is written atomically (complete or
not at all).
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from allocator.i18n import resolve_lang, translate
from allocator.io.atomic import write_file
from allocator.model.result import Result
from allocator.rules.catalog import RULES, rule_title

from .compare import Comparison
from .excel_sheets import FORMATS, Sheet, label, result_sheets

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
OVER_FILL = PatternFill("solid", fgColor="F8CBAD")  # more than the rooms / beds allow


def fmt_number(value: float | None, digits: int = 2) -> str:
    """A number for a sentence ("-" when absent), thousands separated."""
    return "-" if value is None else f"{value:,.{digits}f}"


def summary_lines(r: Result, lang: str) -> list[str]:
    """The written summary: what was solved, status and gap, the main KPIs, the rules
    broken and the rotation's outcome, in `lang`."""
    t = lambda key, **kw: translate(f"excel.summary.{key}", lang, **kw)  # noqa: E731
    stages, sep = ("、".join, "；") if lang == "zh-CN" else (", ".join, "; ")
    lines = [t("solved", scenario=r.scenario,
               stages=stages(translate(f"excel.stage.{s}", lang) for s in r.stages)),
             t("status", status=label("status", r.status, lang), objective=fmt_number(
                 r.objective), bound=fmt_number(r.lower_bound),
               gap="-" if r.gap is None else f"{100 * r.gap:.2f}")]
    k = r.kpis
    if k is not None:
        lines.append(t("pupils", pupils=f"{k.pupils:,}", schools=k.open_schools,
                       primary=k.travel.primary.mean_km, junior=k.travel.junior.mean_km,
                       moved=f"{k.moved_pupils:,}"))
        lines.append(t("capacity", boarders=f"{k.boarding.boarders:,}",
                       beds=f"{k.boarding.beds:,}", short=k.boarding.schools_short,
                       over=k.utilisation.schools_over_rooms,
                       largest=max(k.classes.primary.largest_class,
                                   k.classes.junior.largest_class)))
    counts = Counter(v.rule for v in r.violations)
    if counts:
        lines.append(t("broken", rules=sep.join(
            f"{rule_title(rule, lang) if rule in RULES else rule} ({rule}) × {n}"
            for rule, n in counts.items())))
    else:
        lines.append(t("none_broken"))
    if r.teachers is not None:
        q = r.teachers.quota
        lines.append(t("rotation", moves=len(r.teachers.moves), rotating=q.rotating,
                       required=q.required, eligible=q.eligible,
                       backbone=q.backbone_rotating))
    if r.message:
        lines.append(r.message)
    return lines


def kpi_rows(r: Result) -> list[tuple[str, Any, str]]:
    """(catalog key, value, format) of the main KPIs, for the summary sheet's table."""
    rows: list[tuple[str, Any, str]] = [
        ("objective", r.objective, "dec"), ("lower_bound", r.lower_bound, "dec"),
        ("gap", r.gap, "pct")]
    k = r.kpis
    if k is None:
        return rows
    tr, b = k.travel, k.boarding
    return rows + [
        ("pupils", k.pupils, "int"), ("open_schools", k.open_schools, "int"),
        ("primary_mean_km", tr.primary.mean_km, "km"), ("primary_p95_km", tr.primary.p95_km,
                                                        "km"),
        ("junior_mean_km", tr.junior.mean_km, "km"), ("junior_p95_km", tr.junior.p95_km, "km"),
        ("beyond_day_radius", k.beyond_day_radius.primary + k.beyond_day_radius.junior, "int"),
        ("boarders", b.boarders, "int"), ("beds", b.beds, "int"),
        ("beds_short", b.beds_short, "int"), ("largest_primary", k.classes.primary.largest_class,
                                              "int"),
        ("largest_junior", k.classes.junior.largest_class, "int"),
        ("utilisation_mean", k.utilisation.mean, "pct"),
        ("schools_over_rooms", k.utilisation.schools_over_rooms, "int"),
        ("schools_over_size_cap", k.schools_over_size_cap, "int"),
        ("moved_pupils", k.moved_pupils, "int"), ("small_schools", k.small_schools, "int"),
        ("funding_total", k.funding.total_yuan, "yuan"), ("violations", len(r.violations),
                                                          "int")]


def write_summary(ws: Worksheet, r: Result, lang: str) -> None:
    """The first sheet: title, the written summary, then the KPI table."""
    ws.append([translate("excel.summary.title", lang, scenario=r.scenario)])
    ws["A1"].font = Font(bold=True, size=14)
    for line in summary_lines(r, lang):
        ws.append([line])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True,
                                                                vertical="top")
        ws.row_dimensions[ws.max_row].height = 32
    ws.append([])
    ws.append([translate("excel.col.indicator", lang), translate("excel.col.value", lang)])
    for c in ws[ws.max_row]:
        c.font, c.fill = Font(bold=True), HEADER_FILL
    for key, value, f in kpi_rows(r):
        ws.append([translate(f"excel.kpi.{key}", lang), value])
        ws.cell(row=ws.max_row, column=2).number_format = FORMATS[f]
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 18
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 40


def write_table(ws: Worksheet, headers: list[str], rows: list[list[Any]],
                formats: list[str | None]) -> None:
    """A table: bold, shaded, frozen header row, a filter, number formats, widths."""
    ws.append(headers)
    for c in ws[1]:
        c.font, c.fill = Font(bold=True), HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        ws.append([v.item() if hasattr(v, "item") else v for v in row])
    for i, (text, f) in enumerate(zip(headers, formats, strict=True), start=1):
        letter = get_column_letter(i)
        widest = max([len(str(text))] + [len(str(row[i - 1])) for row in rows[:200]
                                         if len(row) >= i and row[i - 1] is not None])
        ws.column_dimensions[letter].width = max(8, min(50, widest * 1.6 + 2))
        if f:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = FORMATS[f]
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions


def colour_over_capacity(ws: Worksheet, sheet: Sheet) -> None:
    """Schools with more classes than classrooms, or more boarders than beds, in colour."""
    keys = [k for k, _ in sheet.columns]
    last = len(sheet.rows) + 1
    if last < 2:
        return
    col = {k: get_column_letter(keys.index(k) + 1) for k in keys}
    for a, b in (("classes", "classrooms"), ("boarders", "beds")):
        ws.conditional_formatting.add(
            f"{col[a]}2:{col[b]}{last}",
            FormulaRule(formula=[f"${col[a]}2>${col[b]}2"], fill=OVER_FILL))
    ws.conditional_formatting.add(
        f"{col['utilisation']}2:{col['utilisation']}{last}",
        FormulaRule(formula=[f"${col['classes']}2>${col['classrooms']}2"], fill=OVER_FILL))


def result_workbook(r: Result, lang: str) -> Workbook:
    """The report workbook of a result (see the module docstring)."""
    wb = Workbook()
    ws = wb.active
    ws.title = translate("excel.sheet.summary", lang)
    write_summary(ws, r, lang)
    for sheet in result_sheets(r, lang):
        ws = wb.create_sheet(translate(f"excel.sheet.{sheet.sheet}", lang))
        write_table(ws, sheet.headers(lang), sheet.rows, [f for _, f in sheet.columns])
        if sheet.sheet == "schools":
            colour_over_capacity(ws, sheet)
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx file of a workbook."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_workbook(result: Result, output: str | Path, lang: str | None = None) -> Path:
    """Write the Excel report of `result` to `output` in `lang` (default: the locale),
    atomically: the file is complete or not there."""
    return write_file(output, workbook_bytes(result_workbook(result, resolve_lang(lang))))


def comparison_workbook(cmp: Comparison, lang: str | None = None) -> bytes:
    """compare.xlsx: the KPI table, the schools, the blocks that change school and the
    flows between schools, one sheet each (columns as in the CSV files)."""
    lang = resolve_lang(lang)
    wb = Workbook()
    wb.remove(wb.active)
    for key, frame in (("kpis", cmp.kpis), ("compare_schools", cmp.schools),
                       ("changes_blocks", cmp.blocks), ("changes_pairs", cmp.pairs)):
        ws = wb.create_sheet(translate(f"excel.sheet.{key}", lang))
        rows = [[None if pd.isna(v) else v for v in rec] for rec in
                frame.astype(object).itertuples(index=False)]
        formats = ["dec" if pd.api.types.is_float_dtype(t) else None for t in frame.dtypes]
        write_table(ws, [str(c) for c in frame.columns], rows, formats)
    return workbook_bytes(wb)
