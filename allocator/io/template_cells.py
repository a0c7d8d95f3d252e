"""Reading the planner's workbook cell by cell: which sheet is which, which column holds which
field, and what each cell's value is, with a finding naming sheet, row and column for every
cell that cannot be read (a missing sheet or column, a renamed header, a wrong unit, text in
a number cell, a formula, merged cells). Used by `allocator.io.template_read`."""

from __future__ import annotations

import json
import re
from typing import Any

from openpyxl.utils import get_column_letter, range_boundaries

from allocator.i18n import LANGUAGES
from allocator.model.findings import Finding

from .import_mapping import FALSE, TRUE, VALUES
from .template_spec import (
    CHOICES,
    SHEETS,
    Column,
    choice_label,
    choice_values,
    header,
    split_header,
    unit_text,
)

_SPLIT = re.compile(r"[,，、;；\s]+")
_SYNONYMS = {"kind": "kind", "convert_kind": "kind", "title": "title", "sex": "sex",
             "degree": "degree", "status": "status", "level": "level"}


def finding(sheet: str, message: str, row: int | None = None, column: str | None = None
            ) -> Finding:
    """An error naming the sheet (its tab name), the row and the column."""
    record = f"sheet '{sheet}'" + (f" row {row}" if row is not None else "")
    return Finding(severity="error", code="template", message=message, record=record,
                   field=column)


class SheetTable:
    """One data sheet read from its rows of values (row 1 the header) and its merged
    ranges: its columns by field and its non-empty rows; `problems` collects every finding
    about it."""

    def __init__(self, title: str, sheet: str, values: list[tuple[Any, ...]],
                 merged: list[str]):
        self.sheet, self.title, self.values = sheet, title, values
        self.problems: list[Finding] = []
        self.columns: dict[str, tuple[int, Column, str]] = {}
        self.row_numbers: list[int] = []
        self._rows: list[tuple[int, dict[str, Any]]] | None = None
        for ref in merged:
            self.problems.append(finding(title, f"merged cells {ref}: unmerge them (one "
                                         "value per cell, one record per row)",
                                         row=range_boundaries(ref)[1]))
        self.read_header()

    def read_header(self) -> None:
        """Match row 1 to the sheet's columns in either language; a header that matches no
        column, a unit other than the template's and a required column absent are findings."""
        known = {}
        for col in SHEETS[self.sheet]:
            for lang in LANGUAGES:
                name, _ = split_header(header(self.sheet, col, lang))
                known[name.casefold()] = col
            known[col.field.casefold()] = col
        for i, value in enumerate(self.values[0] if self.values else (), start=1):
            if value is None or str(value).strip() == "":
                continue
            text = str(value).strip()
            letter = get_column_letter(i)
            name, unit = split_header(text)
            col = known.get(name.casefold()) or known.get(text.casefold())
            if col is None:
                self.problems.append(finding(self.title, "this header is not a column of the "
                                             "template (expected one of: " + ", ".join(
                                                 header(self.sheet, c, "zh-CN")
                                                 for c in SHEETS[self.sheet]) + ")", row=1,
                                             column=f"{letter} '{text}'"))
                continue
            self.check_unit(col, unit, f"{letter} '{text}'")
            if col.field in self.columns:
                self.problems.append(finding(self.title, "the same column appears twice",
                                             row=1, column=f"{letter} '{text}'"))
            self.columns[col.field] = (i, col, text)
        for col in SHEETS[self.sheet]:
            if col.required and col.field not in self.columns:
                self.problems.append(finding(self.title, "required column is missing",
                                             row=1, column=header(self.sheet, col, "zh-CN")))

    def check_unit(self, col: Column, unit: str | None, where: str) -> None:
        if unit is None or col.unit is None and col.kind != "json":
            return
        allowed = {unit_text(col.unit, lang).casefold() for lang in LANGUAGES}
        if col.kind == "json":
            allowed.add("geojson")
        if unit.casefold() not in allowed:
            shown = " / ".join(unit_text(col.unit, lang) for lang in LANGUAGES) or "GeoJSON"
            self.problems.append(finding(self.title, f"unit '{unit}' where the template reads "
                                         f"{shown}: convert the values and fix the header",
                                         row=1, column=where))

    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        """(row number, value by field) for every row holding a value (read once);
        unreadable cells are findings (and left out of the row)."""
        if self._rows is None:
            self._rows = [(r, v) for r, v in ((r, self.read_row(r, row)) for r, row in
                                              enumerate(self.values[1:], start=2)) if v]
            self.row_numbers = [r for r, _ in self._rows]
        return self._rows

    def read_row(self, r: int, row: tuple[Any, ...]) -> dict[str, Any] | None:
        """The values of one row by field; None when it holds nothing."""
        values: dict[str, Any] = {}
        empty = True
        for field, (idx, col, text) in self.columns.items():
            value = row[idx - 1] if idx <= len(row) else None
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            empty = False
            where = f"{get_column_letter(idx)} '{text}'"
            if isinstance(value, str) and value.startswith("="):
                self.problems.append(finding(self.title, f"formula {value!r} where a value "
                                             "belongs: paste the values instead", row=r,
                                             column=where))
                continue
            try:
                values[field] = read_cell(value, col)
            except ValueError as exc:
                self.problems.append(finding(self.title, str(exc), row=r, column=where))
        return None if empty else values


def read_cell(value: Any, col: Column) -> Any:
    """The value of a non-empty cell for a column; ValueError saying what is wrong."""
    if col.choices is not None:
        return read_choice(value, col.choices)
    if col.kind == "int":
        return read_int(value)
    if col.kind == "float":
        return read_float(value)
    if col.kind == "grades":
        return read_grades(value)
    if col.kind == "ids":
        return [t for t in _tokens(value)]
    if col.kind == "json":
        try:
            return json.loads(str(value))
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg})") from None
    if col.kind == "raw":
        return value.strip() if isinstance(value, str) else value
    if col.kind == "plan_key":
        text = read_text(value)
        level = choice_values("level").get(text.casefold())
        return level if level is not None else text
    return read_text(value)


def read_text(value: Any) -> str:
    """Text as the cell shows it (a whole number typed as a number loses no '.0')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_int(value: Any) -> int:
    """A whole number; text or a fraction is a ValueError."""
    number = read_float(value)
    if not float(number).is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


def read_float(value: Any) -> float | int:
    """A number (numeric text accepted); other text or yes/no is a ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value).strip().replace(",", ""))
    except ValueError:
        raise ValueError(f"text {str(value)!r} in a number cell") from None


def read_choice(value: Any, name: str) -> Any:
    """A value of a fixed list from any of its labels (Chinese, English, the stable value,
    the usual Chinese synonyms); else a ValueError listing the labels."""
    text = read_text(value) if not isinstance(value, bool) else str(value).lower()
    known = choice_values(name)
    if text.casefold() in known:
        return known[text.casefold()]
    synonyms = VALUES.get(_SYNONYMS.get(name, ""), {})
    if text in synonyms:
        return synonyms[text]
    if name in ("yes_no", "urban") and text.lower() in TRUE | FALSE:
        return text.lower() in TRUE
    labels = " / ".join(choice_label(name, v, "zh-CN") for v in CHOICES[name])
    raise ValueError(f"{text!r} is not one of {labels}")


def read_grades(value: Any) -> list[int]:
    """Grades "1,2,3", "1-3" or "1-3,5" as a list (ranges expanded)."""
    out: list[int] = []
    for token in _tokens(value):
        lo, _, hi = token.partition("-")
        out += range(read_int(lo), read_int(hi) + 1) if hi else [read_int(lo)]
    return out


def _tokens(value: Any) -> list[str]:
    return [t for t in _SPLIT.split(read_text(value)) if t]
