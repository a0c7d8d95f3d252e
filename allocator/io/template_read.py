"""`allocator import template.xlsx -o scenario.json`: the planner's workbook (the layout
`allocator template` writes, headers in Chinese or English) into a scenario, with no mapping
file.

Guaranteed: every problem (a missing sheet or column, a renamed header, a wrong unit, text in a
number cell, a formula, merged cells, a block or school the other sheets do not know, a
scenario rule) is a finding naming the sheet, the row and the column, all of them at once;
then nothing is written. Importing the template of a scenario gives the scenario back.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook import Workbook

from allocator.model.findings import Finding, ScenarioError
from allocator.model.grades import parse_grade_key
from allocator.model.loading import parse_scenario
from allocator.model.scenario import Scenario

from .scenario_file import write_scenario
from .template_cells import SheetTable, finding, read_cell
from .template_spec import (
    OPTION_ROWS,
    OVERRIDE_PREFIX,
    REQUIRED_SHEETS,
    SHEETS,
    Column,
    sheet_names,
    sheet_title,
)

SCHOOL_FIELDS = ("id", "name", "kind", "township", "urban", "grades", "classrooms",
                 "boarding_beds", "max_students", "group", "strength", "annual_fixed_cost",
                 "teaching_area_m2", "sports_area_m2", "equipment_value", "multimedia_rooms",
                 "status", "year")
OP_FIELDS = {"close": ("school", "year"), "merge": ("from", "into", "year"),
             "open": ("school", "year"),
             "expand": ("school", "classrooms", "classrooms_primary", "classrooms_junior",
                        "boarding_beds", "max_students", "year"),
             "convert": ("school", "kind", "grades", "year"),
             "add_beds": ("school", "boarding_beds", "year"),
             "choose": ("candidates", "keep", "close_at_most", "fixed_cost", "year")}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
MERGED = re.compile(rb'<mergeCell ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def open_workbook(path: Path) -> Workbook:
    """The workbook, read-only, formulas kept as formulas; ScenarioError when it is missing
    or is not an .xlsx workbook (a CSV, an old .xls, a GBK text file...)."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise ScenarioError([Finding(severity="error", code="template", message=(
            f"'{path.name}' is not an Excel workbook (.xlsx): import a workbook written by "
            "`allocator template`, or map CSV files with a mapping file (.toml / .json)"))],
            str(path))
    try:
        return load_workbook(path, read_only=True, data_only=False)
    except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ScenarioError([Finding(severity="error", code="file", message=(
            f"cannot read the workbook: {exc}"))], str(path)) from None


def sheet_tables(path: Path) -> tuple[dict[str, SheetTable], list[Finding]]:
    """The template's sheets found in the workbook (tab names in either language), and a
    finding for every required sheet missing."""
    names = sheet_names()
    tables: dict[str, SheetTable] = {}
    wb = open_workbook(path)
    try:
        with zipfile.ZipFile(path) as z:
            for ws in wb.worksheets:
                sheet = names.get(ws.title.strip().casefold())
                if sheet in SHEETS and sheet not in tables:
                    xml = z.read(ws._worksheet_path)  # merged ranges: not in read-only cells
                    merged = [m.decode() for m in MERGED.findall(xml)]
                    tables[sheet] = SheetTable(ws.title, sheet,
                                               list(ws.iter_rows(values_only=True)), merged)
        present = list(wb.sheetnames)
    finally:
        wb.close()
    problems = [finding(sheet_title(s, "zh-CN"), "required sheet is missing (sheets in the "
                        "workbook: " + ", ".join(present) + ")")
                for s in REQUIRED_SHEETS if s not in tables]
    return tables, problems


def school_record(values: dict[str, Any]) -> dict[str, Any]:
    """A school record from a schools / new schools row."""
    rec = {f: values[f] for f in SCHOOL_FIELDS if f in values}
    if "x" in values or "y" in values:
        rec["location"] = [values.get("x"), values.get("y")]
    if "classrooms_primary" in values or "classrooms_junior" in values:
        rec["classrooms_by_level"] = {"primary": values.get("classrooms_primary", 0),
                                      "junior": values.get("classrooms_junior", 0)}
    return rec


def block_records(tables: dict[str, SheetTable]) -> list[dict[str, Any]]:
    """Blocks with their pupils, then today's plan and the projections folded in."""
    blocks: dict[str, dict[str, Any]] = {}
    t = tables["blocks"]
    for r, v in t.rows():
        rec = {f: v[f] for f in ("id", "name", "township", "urban", "left_behind", "geometry")
               if f in v}
        if "x" in v or "y" in v:
            rec["location"] = [v.get("x"), v.get("y")]
        rec["students"] = [v.get(f"g{g}", 0) for g in range(1, 10)]
        if any(f"age{a}" in v for a in range(6)):
            rec["children_by_age"] = [v.get(f"age{a}", 0) for a in range(6)]
        if str(rec.get("id")) in blocks:
            t.problems.append(finding(t.title, f"block '{rec.get('id')}' appears twice",
                                      row=r, column="id"))
            continue
        blocks[str(rec.get("id"))] = rec
    for sheet, key in (("plan", "current_school"), ("projections", "students_by_year")):
        if sheet not in tables:
            continue
        t = tables[sheet]
        for r, v in t.rows():
            b = blocks.get(str(v.get("block")))
            if b is None:
                t.problems.append(finding(t.title, f"block '{v.get('block')}' is not on the "
                                          "blocks sheet", row=r, column="block"))
            elif sheet == "plan":
                plan_entry(t, r, v, b)
            elif "year" in v:
                b.setdefault(key, {})[v["year"]] = [v.get(f"g{g}", 0) for g in range(1, 10)]
    return list(blocks.values())


def development_record(values: dict[str, Any]) -> dict[str, Any]:
    """A development record from a new-housing row (x / y as its location, the rates per
    level as pupils_per_100)."""
    rec = {f: values[f] for f in ("id", "block", "dwellings", "year") if f in values}
    if "x" in values or "y" in values:
        rec["location"] = [values.get("x"), values.get("y")]
    if "pupils_primary" in values or "pupils_junior" in values:
        rec["pupils_per_100"] = {level: values[f"pupils_{level}"]
                                 for level in ("primary", "junior")
                                 if f"pupils_{level}" in values}
    return rec


def housing_records(tables: dict[str, SheetTable], data: dict[str, Any],
                    origin: dict[str, list[tuple[str, int]]]) -> None:
    """Births and new housing into the scenario document, with the sheet and row of each."""
    for sheet, read in (("births", dict), ("developments", development_record)):
        if sheet not in tables or not tables[sheet].rows():
            continue
        rows = tables[sheet].rows()
        data[sheet] = [read(v) for _, v in rows]
        origin[sheet] = [(tables[sheet].title, r) for r, _ in rows]


def plan_entry(t: SheetTable, r: int, v: dict[str, Any], block: dict[str, Any]) -> None:
    """One row of today's plan into the block's current_school (level or grades)."""
    key = v.get("grades")
    if key is None or "school" not in v:
        return
    try:
        parse_grade_key(str(key))
    except ValueError as exc:
        t.problems.append(finding(t.title, str(exc), row=r, column="grades"))
        return
    block.setdefault("current_school", {})[str(key)] = v["school"]


def layout_ops(tables: dict[str, SheetTable]) -> list[dict[str, Any]]:
    """Layout operations in row order; an `open` row takes its school from the new schools
    sheet; a value in a column the operation does not use is a finding."""
    if "layout" not in tables:
        return []
    new = {}
    if "new_schools" in tables:
        new = {str(v.get("id")): school_record(v) for _, v in tables["new_schools"].rows()}
    t = tables["layout"]
    ops = []
    for r, v in t.rows():
        op = v.get("op")
        if op is None:
            t.problems.append(finding(t.title, "the operation is missing", row=r,
                                      column="op"))
            continue
        extra = sorted(set(v) - {"op", *OP_FIELDS[op]})
        if extra:
            t.problems.append(finding(t.title, f"operation '{op}' does not use "
                                      f"{', '.join(extra)}: leave those cells empty", row=r))
        rec: dict[str, Any] = {"op": op, **{f: v[f] for f in OP_FIELDS[op] if f in v}}
        if op == "open":
            rec["school"] = new.get(str(v.get("school")))
            if rec["school"] is None:
                t.problems.append(finding(t.title, f"new school '{v.get('school')}' is not on "
                                          "the new schools sheet", row=r, column="school"))
        if op == "add_beds" and "boarding_beds" in rec:
            rec["beds"] = rec.pop("boarding_beds")
        if op == "expand" and ("classrooms_primary" in rec or "classrooms_junior" in rec):
            rec["classrooms_by_level"] = {"primary": rec.pop("classrooms_primary", 0),
                                          "junior": rec.pop("classrooms_junior", 0)}
        ops.append(rec)
    return ops


def apply_options(t: SheetTable, data: dict[str, Any]) -> None:
    """The options sheet's rows into the scenario: name, year, crs, policy, options,
    boundary and `policy.overrides.<path>` rows; an unknown key is a finding."""
    kinds = {key: kind for key, kind, _ in OPTION_ROWS}
    for r, v in t.rows():
        key, value = v.get("key"), v.get("value")
        if key is None or value is None:
            continue
        kind = "override" if key.startswith(OVERRIDE_PREFIX) else kinds.get(key)
        if kind is None:
            t.problems.append(finding(t.title, f"unknown setting '{key}' (known: "
                                      f"{', '.join(kinds)}, {OVERRIDE_PREFIX}<path>)", row=r,
                                      column="key"))
            continue
        col = Column("value", "choice", choices="yes_no") if kind == "bool" else Column(
            "value", kind)
        try:
            value = override_value(value) if kind == "override" else read_cell(value, col)
        except ValueError as exc:
            t.problems.append(finding(t.title, f"{key}: {exc}", row=r, column="value"))
            continue
        if kind == "override":
            data.setdefault("policy", {}).setdefault("overrides", {})[
                key[len(OVERRIDE_PREFIX):]] = value
            continue
        *path, last = key.split(".")
        node = data
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value


def override_value(value: Any) -> Any:
    """A policy override: a number or yes/no as typed, text as JSON when it reads as JSON
    (numbers typed as text included), else as text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value.strip()
    return value


Origin = dict[str, list[tuple[str, int]]]


def template_data(path: Path) -> tuple[dict[str, Any], Origin]:
    """The scenario document a workbook holds and, per record list, the sheet and row of
    each record; ScenarioError with every finding."""
    tables, problems = sheet_tables(path)
    data: dict[str, Any] = {}
    origin: Origin = {}
    if not problems:
        rows = tables["schools"].rows()
        data["schools"] = [school_record(v) for _, v in rows]
        origin["schools"] = [(tables["schools"].title, r) for r, _ in rows]
        data["blocks"] = block_records(tables)
        origin["blocks"] = [(tables["blocks"].title, r) for r in tables["blocks"].row_numbers]
        if "teachers" in tables:
            rows = tables["teachers"].rows()
            data["teachers"] = [v for _, v in rows]
            origin["teachers"] = [(tables["teachers"].title, r) for r, _ in rows]
        data["layout"] = layout_ops(tables)
        housing_records(tables, data, origin)
        if "layout" in tables:
            origin["layout"] = [(tables["layout"].title, r)
                                for r in tables["layout"].row_numbers]
        apply_options(tables["options"], data)
    problems += [p for t in tables.values() for p in t.problems]
    if problems:
        raise ScenarioError(problems[:200], str(path))
    return data, origin


def locate(exc: ScenarioError, origin: Origin) -> ScenarioError:
    """The scenario's findings with the sheet and row of their record in front."""
    out = []
    for f in exc.findings:
        parts = (f.path or "").split(".")
        rows = origin.get(parts[0], [])
        if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(rows):
            title, row = rows[int(parts[1])]
            where = f"sheet '{title}' row {row}"
            f = f.model_copy(update={"record": f"{where} ({f.record})" if f.record else where})
        out.append(f)
    return ScenarioError(out, exc.source)


def checked_scenario(path: Path) -> tuple[dict[str, Any], Scenario]:
    """The workbook's document and its validated scenario; ScenarioError naming sheet and
    row of every problem."""
    data, origin = template_data(path)
    try:
        return data, parse_scenario(data, str(path))
    except ScenarioError as exc:
        raise locate(exc, origin) from None


def read_template(path: str | Path) -> Scenario:
    """The scenario a workbook holds (see the module docstring); ScenarioError naming sheet,
    row and column of every problem."""
    return checked_scenario(Path(path))[1]


def import_template(path: str | Path, output: str | Path) -> str:
    """Read the workbook, validate the scenario and write it to `output` atomically; nothing
    is written when anything is wrong. Returns a one-line summary."""
    data, _ = checked_scenario(Path(path))
    write_scenario(output, data)
    return (f"{len(data['schools'])} schools, {len(data['blocks'])} blocks, "
            f"{len(data.get('teachers', []))} teachers, {len(data['layout'])} layout "
            f"operations")
