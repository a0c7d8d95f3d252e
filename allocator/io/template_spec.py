"""The planner's workbook (`allocator template` / `allocator import template.xlsx`): its sheets,
columns, units and fixed value lists, in one place for the writer and the reader.

Every sheet and column has a stable id (`schools`, `classrooms`, ...); what a person sees
(the header in Chinese or English, the unit in brackets, the validation list) comes from the
catalog `allocator/i18n/catalogs/template.json` through `translate`. The reader accepts the
headers and value labels of either language, so a workbook written in Chinese reads the same
as one written in English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from allocator.i18n import LANGUAGES, translate


@dataclass(frozen=True)
class Column:
    """One column: its field id, how its cells read (`text`, `int`, `float`, `choice`,
    `grades` "1-3,5", `ids` "S1, S2", `json`, `raw`: as typed, `plan_key`: a level
    (小学 / 初中) or grades "1-3"), its unit key and its value list."""

    field: str
    kind: str = "text"
    unit: str | None = None
    choices: str | None = None
    required: bool = False


# value lists: stable value -> catalog key template.choice.<list>.<value>
CHOICES: dict[str, tuple[object, ...]] = {
    "kind": ("primary", "junior", "nine_year", "teaching_point"),
    "convert_kind": ("primary", "junior", "nine_year", "teaching_point", "closed"),
    "yes_no": (True, False),
    "urban": (True, False),
    "title": ("senior", "intermediate", "junior", "none"),
    "sex": ("male", "female"),
    "degree": ("doctor", "master", "bachelor", "associate", "secondary", "other"),
    "status": ("open", "closed", "planned"),
    "level": ("primary", "junior"),
    "op": ("close", "merge", "open", "expand", "convert", "add_beds", "choose"),
}

_SCHOOL = (
    Column("id", required=True), Column("name"),
    Column("kind", "choice", choices="kind", required=True),
    Column("x", "float", "coordinate"), Column("y", "float", "coordinate"), Column("township"),
    Column("urban", "choice", choices="urban"), Column("grades", "grades"),
    Column("classrooms", "int", "rooms"), Column("classrooms_primary", "int", "rooms"),
    Column("classrooms_junior", "int", "rooms"), Column("boarding_beds", "int", "beds"),
    Column("max_students", "int", "pupils"), Column("group"), Column("strength", "float"),
    Column("annual_fixed_cost", "float", "yuan_year"),
    Column("teaching_area_m2", "float", "m2"), Column("sports_area_m2", "float", "m2"),
    Column("equipment_value", "float", "yuan"), Column("multimedia_rooms", "int", "rooms"),
    Column("status", "choice", choices="status"), Column("year", "int", "school_year"),
)
_GRADES = tuple(Column(f"g{g}", "int", "pupils") for g in range(1, 10))
_AGES = tuple(Column(f"age{a}", "int", "children") for a in range(6))  # children_by_age

SHEETS: dict[str, tuple[Column, ...]] = {
    "schools": _SCHOOL,
    "blocks": (Column("id", required=True), Column("name"), Column("x", "float", "coordinate"),
               Column("y", "float", "coordinate"), Column("township"),
               Column("urban", "choice", choices="urban"), *_GRADES,
               Column("left_behind", "int", "pupils"), Column("geometry", "json"),
               *_AGES),
    "plan": (Column("block", required=True), Column("grades", "plan_key", required=True),
             Column("school", required=True)),
    "teachers": (Column("id", required=True), Column("name"), Column("school", required=True),
                 Column("subject", required=True),
                 Column("level", "choice", choices="level", required=True),
                 Column("title", "choice", choices="title"),
                 Column("backbone", "choice", choices="yes_no"),
                 Column("years_at_school", "float", "years"), Column("age", "int", "age"),
                 Column("sex", "choice", choices="sex"),
                 Column("degree", "choice", choices="degree"), Column("exempt"),
                 Column("volunteer", "choice", choices="yes_no"),
                 Column("pe_art", "choice", choices="yes_no")),
    "layout": (Column("op", "choice", choices="op", required=True), Column("school"),
               Column("from", "ids"), Column("into"),
               Column("kind", "choice", choices="convert_kind"), Column("grades", "grades"),
               Column("classrooms", "int", "rooms"), Column("classrooms_primary", "int", "rooms"),
               Column("classrooms_junior", "int", "rooms"), Column("boarding_beds", "int", "beds"),
               Column("max_students", "int", "pupils"), Column("candidates", "ids"),
               Column("keep", "int", "schools"), Column("close_at_most", "int", "schools"),
               Column("fixed_cost", "float", "yuan_year"), Column("year", "int", "school_year")),
    "new_schools": _SCHOOL,
    "projections": (Column("block", required=True), Column("year", required=True), *_GRADES),
    "births": (Column("township", required=True), Column("year", "int", required=True),
               Column("births", "int", "children", required=True)),
    "developments": (Column("id", required=True), Column("block"),
                     Column("x", "float", "coordinate"), Column("y", "float", "coordinate"),
                     Column("dwellings", "int", "dwellings", required=True),
                     Column("year", "int", required=True),
                     Column("pupils_primary", "float", "per_100_dwellings"),
                     Column("pupils_junior", "float", "per_100_dwellings")),
    "options": (Column("key", required=True), Column("description"), Column("value", "raw")),
}
SHEET_ORDER = ("instructions", "schools", "blocks", "plan", "teachers", "layout",
               "new_schools", "projections", "births", "developments", "options")
REQUIRED_SHEETS = ("schools", "blocks", "options")

# the options sheet: one row per setting, (key, how its value reads, unit)
OPTION_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("name", "text", None), ("year", "int", None), ("crs", "text", None),
    ("policy.profile", "text", None),
    ("options.time_limit_s", "float", "seconds"), ("options.workers", "int", None),
    ("options.seed", "int", None), ("options.strict", "bool", None),
    ("options.relative_gap", "float", None), ("options.candidates_k", "int", "schools"),
    ("options.weights.travel", "float", None), ("options.weights.stability", "float", None),
    ("options.weights.balance", "float", None), ("options.weights.fixed_cost", "float", None),
    ("options.contiguity", "bool", None), ("options.distance.metric", "text", None),
    ("options.distance.roads", "text", None), ("options.distance.matrix", "text", None),
    ("options.distance.speed_attribute", "text", None), ("options.distance.unit", "text", None),
    ("options.year", "text", None), ("options.locked", "json", None),
    ("boundary", "json", None), ("projection", "json", None),
    ("options.continuity", "text", None), ("policy.by_year", "json", None),
    ("targets", "json", None),
)
OVERRIDE_PREFIX = "policy.overrides."
_LABELS = {"new_schools": "schools"}  # sheets sharing another sheet's column labels
_UNIT = re.compile(r"^(.*?)\s*[（(]([^（）()]*)[）)]\s*$")


def sheet_title(sheet: str, lang: str) -> str:
    """The tab name of a sheet in `lang`."""
    return translate(f"template.sheet.{sheet}", lang)


def unit_text(unit: str | None, lang: str) -> str:
    """A unit as the header shows it in `lang` ("" for none)."""
    return translate(f"template.unit.{unit}", lang) if unit else ""


def header(sheet: str, col: Column, lang: str) -> str:
    """The header of a column in `lang`: its name and, when it has one, its unit in
    brackets (Chinese brackets in Chinese)."""
    name = translate(f"template.col.{_LABELS.get(sheet, sheet)}.{col.field}", lang)
    unit = unit_text(col.unit, lang)
    if not unit:
        return name
    return f"{name}（{unit}）" if lang == "zh-CN" else f"{name} ({unit})"


def split_header(text: str) -> tuple[str, str | None]:
    """A header's name and its bracketed unit (None without brackets)."""
    m = _UNIT.match(text.strip())
    return (m.group(1).strip(), m.group(2).strip()) if m else (text.strip(), None)


@cache
def choice_label(name: str, value: object, lang: str) -> str:
    """What a fixed value looks like in a cell in `lang` (e.g. primary -> 小学)."""
    return translate(f"template.choice.{name}.{_value_key(value)}", lang)


@cache
def choice_values(name: str) -> dict[str, object]:
    """Every label of a value list in every language (case-folded) -> the stable value;
    the stable value itself is accepted too (one shared dict: do not change it)."""
    out: dict[str, object] = {}
    for value in CHOICES[name]:
        out[str(value).casefold()] = value
        for lang in LANGUAGES:
            out[choice_label(name, value, lang).casefold()] = value
    return out


def sheet_names() -> dict[str, str]:
    """Every tab name in every language (case-folded) -> the sheet id."""
    return {sheet_title(s, lang).casefold(): s for s in SHEET_ORDER for lang in LANGUAGES}


def _value_key(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)
