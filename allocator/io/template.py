"""`allocator template`: the planner's workbook, empty or filled from a scenario.

One sheet per table of the scenario (schools, residential blocks with pupils by grade, the
current plan, teachers, layout operations and the schools they open, pupils by projection
year) plus the options and an instructions sheet. Headers carry their unit; fields with fixed
values get a drop-down list; every text comes from the catalog in the chosen language. The
columns are those of `allocator.io.template_spec`, which `allocator.io.template_read` reads
back: importing the template of a scenario gives the scenario back.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from allocator.i18n import translate
from allocator.model.findings import Finding, ScenarioError
from allocator.model.scenario import Development, Options, Scenario, School

from .atomic import write_file
from .template_spec import (
    CHOICES,
    OPTION_ROWS,
    OVERRIDE_PREFIX,
    SHEET_ORDER,
    SHEETS,
    Column,
    choice_label,
    header,
    sheet_title,
    unit_text,
)

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SPARE_ROWS = 1000  # rows below the data that keep the drop-down lists
CELL_LIMIT = 32767  # characters an Excel cell holds


def school_row(s: School) -> dict[str, Any]:
    """A school's cells by column id."""
    d = s.model_dump(exclude={"location", "classrooms_by_level"})
    if s.location is not None:
        d["x"], d["y"] = s.location
    if s.classrooms_by_level is not None:
        d["classrooms_primary"] = s.classrooms_by_level.primary
        d["classrooms_junior"] = s.classrooms_by_level.junior
    return d


def development_row(dev: Development) -> dict[str, Any]:
    """A development's cells by column id (location as x / y, rates per level)."""
    d = dev.model_dump(exclude={"location", "pupils_per_100"})
    if dev.location is not None:
        d["x"], d["y"] = dev.location
    if dev.pupils_per_100 is not None:
        d["pupils_primary"] = dev.pupils_per_100.primary
        d["pupils_junior"] = dev.pupils_per_100.junior
    return d


def scenario_rows(sc: Scenario) -> dict[str, list[dict[str, Any]]]:
    """The rows of every data sheet for a scenario, by sheet id."""
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in SHEETS if k != "options"}
    rows["schools"] = [school_row(s) for s in sc.schools]
    for b in sc.blocks:
        d = b.model_dump(exclude={"location", "students", "students_by_year",
                                  "children_by_age"})
        if b.location is not None:
            d["x"], d["y"] = b.location
        d.update({f"g{g + 1}": n for g, n in enumerate(b.students)})
        d.update({f"age{a}": n for a, n in enumerate(b.children_by_age or [])})
        rows["blocks"].append(d)
        rows["plan"] += [{"block": b.id, "grades": key, "school": school}
                         for key, school in (b.current_school or {}).items()]
        for year, counts in (b.students_by_year or {}).items():
            rows["projections"].append({"block": b.id, "year": year,
                                        **{f"g{g + 1}": n for g, n in enumerate(counts)}})
    rows["teachers"] = [t.model_dump() for t in sc.teachers]
    rows["births"] = [x.model_dump() for x in sc.births]
    rows["developments"] = [development_row(d) for d in sc.developments]
    for op in sc.layout:
        d = op.model_dump(by_alias=True)
        if d["op"] == "open":
            rows["new_schools"].append(school_row(op.school))
            d["school"] = op.school.id
        if d["op"] == "add_beds":
            d["boarding_beds"] = d.pop("beds")
        by_level = d.pop("classrooms_by_level", None)
        if by_level is not None:
            d["classrooms_primary"], d["classrooms_junior"] = (by_level["primary"],
                                                               by_level["junior"])
        rows["layout"].append(d)
    return rows


def cell_value(col: Column, value: Any, lang: str) -> Any:
    """What a cell holds for a value: a value list's label, grades and ids as text, JSON
    as text, None for an absent value."""
    if value is None:
        return None
    if col.choices is not None:
        return choice_label(col.choices, value, lang)
    if col.kind == "plan_key" and value in CHOICES["level"]:
        return choice_label("level", value, lang)
    if col.kind == "grades":
        return ",".join(str(g) for g in value)
    if col.kind == "ids":
        return ", ".join(value)
    if col.kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return value


def fit_cell(value: Any, sheet: str, row: int, field: str) -> Any:
    """A value that fits an Excel cell; ScenarioError naming sheet, row and field for text
    longer than a cell holds (a detailed polygon: keep it in the scenario JSON)."""
    if isinstance(value, str) and len(value) > CELL_LIMIT:
        raise ScenarioError([Finding(
            severity="error", code="template", record=f"sheet '{sheet}' row {row}",
            field=field, message=f"{len(value):,} characters do not fit an Excel cell "
            f"({CELL_LIMIT:,}): simplify the geometry or keep this scenario in JSON")])
    return value


def option_values(sc: Scenario | None) -> list[tuple[str, Any, str, str | None]]:
    """The options sheet's rows (key, value, kind, unit): every setting of the scenario
    (its defaults for an empty template), then one row per policy override."""
    data = sc.model_dump(mode="json") if sc is not None else {
        "name": "scenario", "year": None, "crs": "EPSG:4326",
        "policy": {"profile": "cn-national"}, "options": Options().model_dump(mode="json"),
        "boundary": None}
    out = []
    for key, kind, unit in OPTION_ROWS:
        value: Any = data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if key == "options.locked" and not value:
            value = None
        out.append((key, value, kind, unit))
    for key, value in (sc.policy.overrides if sc is not None else {}).items():
        out.append((OVERRIDE_PREFIX + key, value, "override", None))
    return out


def style_sheet(ws: Worksheet, headers: list[str], columns: tuple[Column, ...]) -> None:
    """Bold, shaded, frozen header row; widths from the headers; text and whole-number
    formats on the data cells."""
    for i, text in enumerate(headers, start=1):
        c = ws.cell(row=1, column=i, value=text)
        c.font, c.fill = Font(bold=True), HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(10, min(40, 2 * len(text) + 2))
        fmt = {"int": "0", "text": "@"}.get(columns[i - 1].kind) if i <= len(columns) else None
        if fmt:
            ws.column_dimensions[letter].number_format = fmt
            for row in ws.iter_rows(min_row=2, max_row=ws.max_row, min_col=i, max_col=i):
                row[0].number_format = fmt
    ws.freeze_panes = "A2"


def add_lists(ws: Worksheet, columns: tuple[Column, ...], lang: str, last_row: int) -> None:
    """A drop-down list on every column with fixed values."""
    for i, col in enumerate(columns, start=1):
        if col.choices is None:
            continue
        labels = [choice_label(col.choices, v, lang) for v in CHOICES[col.choices]]
        dv = DataValidation(type="list", formula1='"' + ",".join(labels) + '"',
                            allow_blank=True, showErrorMessage=True)
        letter = get_column_letter(i)
        dv.add(f"{letter}2:{letter}{last_row + SPARE_ROWS}")
        ws.add_data_validation(dv)


def fill_table(ws: Worksheet, sheet: str, rows: list[dict[str, Any]], lang: str) -> None:
    """A data sheet: headers, one row per record, formats and drop-down lists."""
    columns = SHEETS[sheet]
    for r, record in enumerate(rows, start=2):
        for i, col in enumerate(columns, start=1):
            value = cell_value(col, record.get(col.field), lang)
            ws.cell(row=r, column=i, value=fit_cell(value, sheet, r, col.field))
    style_sheet(ws, [header(sheet, c, lang) for c in columns], columns)
    add_lists(ws, columns, lang, len(rows) + 1)


def fill_options(ws: Worksheet, sc: Scenario | None, lang: str) -> None:
    """The options sheet: key, its meaning (with unit) and its value."""
    yes_no = Column("value", "choice", choices="yes_no")
    for r, (key, value, kind, unit) in enumerate(option_values(sc), start=2):
        what = translate("template.option.override" if kind == "override"
                         else f"template.option.{key}", lang)
        if unit:
            what += f" ({unit_text(unit, lang)})"
        if kind == "bool":
            value = cell_value(yes_no, value, lang)
        elif kind in ("json", "override") and isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        for i, v in enumerate((key, what, fit_cell(value, "options", r, key)), start=1):
            ws.cell(row=r, column=i, value=v)
    style_sheet(ws, [header("options", c, lang) for c in SHEETS["options"]], SHEETS["options"])
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 24


def fill_instructions(ws: Worksheet, lang: str) -> None:
    """The instructions sheet: how to fill in the workbook and what each sheet holds."""
    ws.append([translate("template.instructions.title", lang)])
    ws["A1"].font = Font(bold=True, size=14)
    for i in range(1, 5):
        ws.append([translate(f"template.instructions.{i}", lang)])
    ws.append([])
    ws.append([translate("template.instructions.sheet", lang),
               translate("template.instructions.content", lang)])
    for c in ws[ws.max_row]:
        c.font, c.fill = Font(bold=True), HEADER_FILL
    for sheet in SHEET_ORDER[1:]:
        ws.append([sheet_title(sheet, lang), translate(f"template.help.{sheet}", lang)])
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100


def template_workbook(sc: Scenario | None, lang: str) -> Workbook:
    """The workbook (see the module docstring), empty when `sc` is None."""
    wb = Workbook()
    wb.remove(wb.active)
    rows = scenario_rows(sc) if sc is not None else {k: [] for k in SHEETS}
    for sheet in SHEET_ORDER:
        ws = wb.create_sheet(sheet_title(sheet, lang))
        if sheet == "instructions":
            fill_instructions(ws, lang)
        elif sheet == "options":
            fill_options(ws, sc, lang)
        else:
            fill_table(ws, sheet, rows[sheet], lang)
    return wb


def write_template(output: str | Path, scenario: Scenario | None = None,
                   lang: str = "zh-CN") -> Path:
    """Write the planner's workbook to `output` atomically (complete or not at all): empty,
    or holding `scenario` so that `import_template` of it gives the scenario back.
    ScenarioError (nothing written) when a geometry is too long for a cell."""
    buf = io.BytesIO()
    template_workbook(scenario, lang).save(buf)
    return write_file(output, buf.getvalue())
