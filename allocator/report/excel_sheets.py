"""The tables of the Excel report, from a result alone (never solving): schools, assignments,
violations, teacher moves and quota, staffing and balance indicators.

A `Sheet` is a sheet id, its columns (a catalog key `excel.col.<key>` and a number format)
and its rows; `allocator.report.excel` lays them out. Fixed values a planner reads (kind,
level, status, yes/no) are translated here; ids and numbers are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from allocator.i18n import translate
from allocator.io.result_folder import staffing_frame
from allocator.model.result import Result
from allocator.rules.catalog import RULES, rule_title

# number formats by short name
FORMATS = {"int": "#,##0", "km": "0.00", "dec": "0.0##", "pct": "0.0%", "yuan": "#,##0",
           "text": "@"}
GRADE_COLS = [f"g{g}" for g in range(1, 10)]
EXCEL_LISTS = ("status", "unit", "indicator", "demand_rule")  # lists of the excel catalog


@dataclass
class Sheet:
    """One table of the report: sheet id, (column key, format) pairs, rows of values, and
    extra headers shown as given (subject columns of the staffing sheet)."""

    sheet: str
    columns: list[tuple[str, str | None]]
    rows: list[list[Any]]
    raw_headers: dict[str, str] = field(default_factory=dict)

    def headers(self, lang: str) -> list[str]:
        """The header row in `lang`."""
        return [self.raw_headers.get(k) or translate(f"excel.col.{k}", lang)
                for k, _ in self.columns]


def label(kind: str, value: Any, lang: str) -> Any:
    """A fixed value in `lang` (kind of school, level, status, yes/no, unit, indicator,
    staffing rule); a value the catalog does not list as is."""
    if value is None:
        return None
    if isinstance(value, bool):
        return translate(f"template.choice.yes_no.{'yes' if value else 'no'}", lang)
    key = (f"excel.{kind}.{value}" if kind in EXCEL_LISTS
           else f"template.choice.{kind}.{value}")
    try:
        return translate(key, lang)
    except KeyError:
        return value


def schools_sheet(r: Result, lang: str) -> Sheet:
    """One row per open school: enrolment, classes and rooms, utilisation, largest class,
    boarders and beds, teachers, then pupils and classes by grade."""
    cols = [("school", "text"), ("name", None), ("kind", None), ("township", None),
            ("enrolment", "int"), ("classes", "int"), ("classrooms", "int"),
            ("utilisation", "pct"), ("max_class_size", "int"), ("size_cap", "int"),
            ("boarders", "int"), ("beds", "int"), ("teachers_before", "int"),
            ("teachers_after", "int"), ("fixed_cost_yuan", "yuan")]
    cols += [(f"pupils_{g}", "int") for g in GRADE_COLS] + [(f"classes_{g}", "int")
                                                           for g in GRADE_COLS]
    rows = [[s.id, s.name, label("kind", s.kind, lang), s.township, s.enrolment, s.classes,
             s.classrooms, s.utilisation, s.max_class_size, s.size_cap, s.boarders, s.beds,
             s.teachers_before, s.teachers_after, s.fixed_cost_yuan,
             *s.enrolment_by_grade, *s.classes_by_grade] for s in r.schools]
    return Sheet("schools", cols, rows)


def assignments_sheet(r: Result, lang: str) -> Sheet:
    """One row per block, level (or grade segment) and school."""
    cols = [("block", "text"), ("level", None), ("grades", "text"), ("school", "text"),
            ("pupils", "int"), ("boarders", "int"), ("distance_km", "km"), ("moved", "int")]
    rows = [[a.block, label("level", a.level, lang), a.grades, a.school, a.pupils, a.boarders,
             a.distance_km, a.moved] for a in r.assignments]
    return Sheet("assignments", cols, rows)


def violations_sheet(r: Result, lang: str) -> Sheet:
    """One row per broken rule and record: the rule's stable id and its title in `lang`, and
    its relief (classrooms, beds and one-off yuan that remove it; empty where none does)."""
    cols = [("rule", "text"), ("rule_title", None), ("record", "text"), ("grade", "int"),
            ("amount", "dec"), ("unit", None), ("cost", "dec"), ("relief_classrooms", "int"),
            ("relief_beds", "int"), ("relief_yuan", "yuan"), ("message", None)]
    rows = [[v.rule, rule_title(v.rule, lang) if v.rule in RULES else v.rule, v.subject,
             v.grade, v.amount, label("unit", v.unit, lang), v.cost,
             *((v.relief.classrooms, v.relief.beds, v.relief.cost_yuan) if v.relief is not None
               else (None, None, None)), v.message]
            for v in r.violations]
    return Sheet("violations", cols, rows)


def investments_sheet(r: Result, lang: str) -> Sheet:
    """One row per investment of an `invest` solve (school, what, level, how many, one-off
    and annual yuan), then the total."""
    cols = [("school", "text"), ("what", None), ("level", None), ("count", "int"),
            ("cost_yuan", "yuan"), ("annual_cost_yuan", "yuan")]
    rows: list[list[Any]] = [
        [i.school, translate(f"excel.what.{i.what}", lang), label("level", i.level, lang),
         i.count, i.cost_yuan, i.annual_cost_yuan]
        for i in r.investments]
    t = r.investments_total
    if t is not None:
        rows.append([translate("excel.total", lang), None, None, None, t.cost_yuan,
                     t.annual_cost_yuan])
    return Sheet("investments", cols, rows)


def moves_sheet(r: Result, lang: str) -> Sheet:
    """One row per teacher move."""
    cols = [("teacher", "text"), ("level", None), ("subject_taught", None), ("from", "text"),
            ("to", "text"), ("backbone", None), ("title", None), ("volunteer", None),
            ("distance_km", "km"), ("reason", None)]
    rows = [[m.teacher, label("level", m.level, lang), m.subject, m.from_school, m.to,
             label("yes_no", m.backbone, lang), label("title", m.title, lang),
             label("yes_no", m.volunteer, lang), m.distance_km, m.reason] for m in r.moves]
    return Sheet("moves", cols, rows)


def quota_sheet(r: Result, lang: str) -> Sheet:
    """The rotation quota: county figures first, then one row per school."""
    q = r.teachers.quota  # type: ignore[union-attr]
    cols = [("school", "text"), ("eligible", "int"), ("required", "int"), ("rotating", "int")]
    rows: list[list[Any]] = [
        [translate("excel.quota.county", lang), q.eligible, q.required, q.rotating]]
    rows += [[s.school, s.eligible, s.required, s.rotating] for s in q.per_school or []]
    rows += [[]]
    for key, value in (("attainment", q.attainment), ("backbone_required", q.backbone_required),
                       ("backbone_rotating", q.backbone_rotating),
                       ("backbone_share", q.backbone_share),
                       ("volunteers_rotating", q.volunteers_rotating)):
        rows.append([translate(f"excel.quota.{key}", lang), value])
    for reason, n in q.not_eligible.items():
        rows.append([translate("excel.quota.not_eligible", lang, reason=reason), n])
    return Sheet("quota", cols, rows)


def staffing_sheet(r: Result, lang: str) -> Sheet:
    """One row per school and level: demand and teachers before / after, by subject too."""
    frame = staffing_frame(r.teachers.schools)  # type: ignore[union-attr]
    cols: list[tuple[str, str | None]] = []
    raw: dict[str, str] = {}
    for c in frame.columns:
        subject, _, figure = c.rpartition("_")
        if c in STAFFING_KEYS:
            cols.append((c, "text" if c == "school" else None if c in ("level", "demand_rule")
                         else "dec" if "_per_100_" in c else "int"))
        else:
            cols.append((c, "int"))
            raw[c] = f"{subject} {translate(f'excel.col.{figure}', lang)}" if figure in (
                "demand", "before", "after") else c
    rows = []
    for rec in frame.to_dict("records"):
        row = [None if _missing(v) else v for v in rec.values()]
        for kind in ("level", "demand_rule"):
            if kind in frame.columns:
                i = list(frame.columns).index(kind)
                row[i] = label(kind, row[i], lang)
        rows.append(row)
    return Sheet("staffing", cols, rows, raw)


STAFFING_KEYS = ("school", "level", "pupils", "classes", "demand", "demand_rule",
                 "teachers_before", "teachers_after", "backbone_before", "backbone_after",
                 "senior_before", "senior_after", "teachers_per_100_before",
                 "teachers_per_100_after", "backbone_per_100_before", "backbone_per_100_after",
                 "senior_per_100_before", "senior_per_100_after")


def balance_sheet(r: Result, lang: str) -> Sheet:
    """The balance indicators: per level and indicator the standard, mean and CV against its
    maximum, then the rotation's CVs of teachers per 100 pupils before and after."""
    cols = [("level", None), ("indicator", None), ("standard", "dec"), ("mean", "dec"),
            ("cv", "dec"), ("cv_max", "dec"), ("cv_ok", None), ("schools_meeting", "int"),
            ("schools_with_data", "int"), ("schools_missing", "int")]
    rows: list[list[Any]] = []
    for level, lb in (r.balance.levels.items() if r.balance else []):
        for key, ind in lb.indicators.items():
            rows.append([label("level", level, lang), label("indicator", key, lang), ind.standard,
                         ind.mean,
                         ind.cv, ind.cv_max, label("yes_no", ind.cv_ok, lang),
                         ind.schools_meeting, ind.schools_with_data, ind.schools_missing])
    if r.teachers is not None:
        rows.append([])
        rows.append([None, None, translate("excel.col.before", lang),
                     translate("excel.col.after", lang), None, translate("excel.col.cv_max",
                                                                        lang)])
        for level, b in r.teachers.balance.items():
            for key in ("teachers_per_100", "backbone_per_100", "senior_per_100"):
                v = getattr(b, key)
                rows.append([label("level", level, lang), translate(f"excel.cv.{key}", lang),
                             v.before, v.after, None, b.cv_max])
    return Sheet("balance", cols, rows)


def layout_sheet(r: Result, lang: str) -> Sheet:
    """The layout operations in scenario order with their effect, then each `choose`
    operation's candidates kept and closed."""
    cols = [("index", "int"), ("op", None), ("schools", None), ("effect", None)]
    ops = r.layout.operations if r.layout is not None else []
    rows = [[o.index + 1, label("op", o.op, lang), ", ".join(o.schools), o.effect]
            for o in ops]
    for c in r.layout.choose if r.layout is not None else []:
        rows.append([c.index + 1, label("op", "choose", lang), ", ".join(c.candidates),
                     translate("excel.layout.choose", lang, rule=c.rule,
                               kept=", ".join(c.kept or []) or "-",
                               closed=", ".join(c.closed or []) or "-")])
    return Sheet("layout", cols, rows)


def result_sheets(r: Result, lang: str) -> list[Sheet]:
    """Every table of the report in sheet order; layout operations only when the scenario
    has them; teacher moves, quota and staffing only when the rotation ran."""
    sheets = [schools_sheet(r, lang), assignments_sheet(r, lang), violations_sheet(r, lang)]
    if r.investments:
        sheets.append(investments_sheet(r, lang))
    if r.layout is not None and r.layout.operations:
        sheets.append(layout_sheet(r, lang))
    if r.teachers is not None:
        sheets += [moves_sheet(r, lang), quota_sheet(r, lang), staffing_sheet(r, lang)]
    return sheets + [balance_sheet(r, lang)]


def _missing(v: Any) -> bool:
    try:
        return v is None or bool(v != v)
    except (TypeError, ValueError):
        return v is None or str(v) == "<NA>"
