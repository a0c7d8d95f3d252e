"""Balance report: the seven resource indicators of the national evaluation (rule
`balance_standard`) per school and level, and their enrolment-weighted CVs (rule `balance_cv`).

Indicators (县域义务教育优质均衡发展督导评估办法, 教督〔2017〕6号; numbers in
`policy.balance.standard`): teachers above the required degree, county-level backbone
teachers, PE and art teachers and networked multimedia rooms per 100 pupils; teaching area,
sports area and equipment value per pupil. A school with both levels (nine-year) is judged
as a primary and a junior part: its teachers by their `level`, its buildings and equipment
split in proportion to its pupils of each level.

Nothing is invented: an indicator is missing for a school whose record lacks the stock,
for teacher counts when the scenario has no roster, for the degree count where a teacher's
degree is unknown, and for backbone teachers when no teacher in the roster says whether
they are one. Pure functions over result rows, school records and a roster; `verify`
recomputes the report the same way. `count_teachers` takes any roster, so the report can be
made again for the roster after rotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allocator.model.kpis import LevelBalanceSummary
from allocator.model.policy import DEGREES, Policy
from allocator.model.result import SchoolResult
from allocator.model.scenario import School, Teacher
from allocator.model.sections import BalanceReport
from allocator.rules.statistics import weighted_cv

# (key, label, pupils per unit of the indicator, data source)
INDICATORS: tuple[tuple[str, str, int, str], ...] = (
    ("higher_degree_teachers", "higher-degree teachers per 100 pupils", 100, "teachers"),
    ("backbone_teachers", "backbone teachers per 100 pupils", 100, "teachers"),
    ("pe_art_teachers", "PE / art teachers per 100 pupils", 100, "teachers"),
    ("teaching_area_m2", "teaching area m2 per pupil", 1, "teaching_area_m2"),
    ("sports_area_m2", "sports area m2 per pupil", 1, "sports_area_m2"),
    ("equipment_value", "equipment yuan per pupil", 1, "equipment_value"),
    ("multimedia_rooms", "multimedia rooms per 100 pupils", 100, "multimedia_rooms"),
)
PE_ART_SUBJECTS = frozenset({"pe", "physical_education", "sports", "music", "art", "arts",
                             "fine_art", "体育", "音乐", "美术", "艺术"})
LEVEL_SLICES = {"primary": slice(0, 6), "junior": slice(6, 9)}


@dataclass
class TeacherCounts:
    """Teachers of one school and level; None where the roster cannot say."""

    teachers: int = 0
    higher_degree: int | None = 0
    backbone: int | None = 0
    pe_art: int = 0
    degree_unknown: int = 0


def is_pe_art(t: Teacher) -> bool:
    """PE, music or fine-art teacher: the `pe_art` flag or the subject says so."""
    return t.pe_art or t.subject.strip().lower() in PE_ART_SUBJECTS


def count_teachers(roster: list[Teacher],
                   policy: Policy) -> tuple[dict[tuple[str, str], TeacherCounts], list[str]]:
    """Counts per (school, level) from `roster` as given (today's, or after rotation), and
    notes on data the roster lacks. A degree count is None where any teacher's degree is
    unknown; backbone counts are None when no teacher in the roster states `backbone`."""
    rank = {d: i for i, d in enumerate(DEGREES)}
    need = {lv: rank[d] for lv, d in policy.balance.standard.higher_degree_min.items()}
    backbone_known = any("backbone" in t.model_fields_set for t in roster)
    out: dict[tuple[str, str], TeacherCounts] = {}
    for t in roster:
        c = out.setdefault((t.school, t.level), TeacherCounts(
            backbone=0 if backbone_known else None))
        c.teachers += 1
        if t.degree is None:
            c.degree_unknown += 1
            c.higher_degree = None
        elif c.higher_degree is not None and rank[t.degree] >= need.get(t.level, 99):
            c.higher_degree += 1
        if c.backbone is not None and t.backbone:
            c.backbone += 1
        c.pe_art += int(is_pe_art(t))
    notes = []
    if roster and not backbone_known:
        notes.append("no teacher in the roster states `backbone`: backbone teachers missing")
    unknown = sum(c.degree_unknown for c in out.values())
    if unknown:
        notes.append(f"{unknown} teachers have no `degree`: higher-degree teachers missing at "
                     "their schools")
    return out, notes


def _standard(policy: Policy, key: str, level: str) -> float:
    return float(getattr(getattr(policy.balance.standard, key), level))


def school_indicators(row: SchoolResult, record: School, level: str,
                      counts: TeacherCounts | None, policy: Policy) -> dict[str, Any]:
    """One school's part of `level`: its pupils, the seven values (None: missing), which
    meet the standard, whether at least `min_met` do (None: missing data decides), and its
    status under the whole standard (meets: >= min_met met and the rest >= rest_floor of
    the standard; fails; undetermined when missing data decides)."""
    sl = LEVEL_SLICES[level]
    pupils = sum(row.enrolment_by_grade[sl])
    share = pupils / row.enrolment if row.enrolment else 0.0
    raw: dict[str, float | None] = {}
    if counts is None:
        raw.update(higher_degree_teachers=None, backbone_teachers=None, pe_art_teachers=None)
    else:
        raw.update(higher_degree_teachers=counts.higher_degree,
                   backbone_teachers=counts.backbone, pe_art_teachers=counts.pe_art)
    for key in ("teaching_area_m2", "sports_area_m2", "equipment_value", "multimedia_rooms"):
        stock = getattr(record, key)
        raw[key] = None if stock is None else float(stock) * share
    values: dict[str, float | None] = {}
    met: dict[str, bool | None] = {}
    unmet_low = 0
    for key, _, per, _ in INDICATORS:
        v = raw[key]
        values[key] = None if v is None or pupils == 0 else round(per * float(v) / pupils, 4)
        std = _standard(policy, key, level)
        met[key] = None if values[key] is None else values[key] >= std - 1e-9
        if met[key] is False and values[key] < policy.balance.standard.rest_floor * std - 1e-9:
            unmet_low += 1
    n_met = sum(1 for m in met.values() if m)
    n_missing = sum(1 for m in met.values() if m is None)
    need = policy.balance.standard.min_met
    six = True if n_met >= need else (False if n_met + n_missing < need else None)
    if unmet_low or six is False:
        status = "fails"
    elif six and n_missing == 0:
        status = "meets"
    else:
        status = "undetermined"
    return {"school": row.id, "level": level, "pupils": pupils, "values": values, "met": met,
            "indicators_met": n_met, "indicators_missing": n_missing,
            "meets_min_indicators": six, "status": status}


def build_balance_report(schools: list[SchoolResult], records: dict[str, School],
                         roster: list[Teacher] | None, policy: Policy) -> BalanceReport:
    """The balance report of a plan: per school and level the seven indicators and status,
    per level and indicator the enrolment-weighted CV against `balance.cv_max`, the
    standard and how many schools meet it. `roster` None or empty: teacher indicators are
    missing. `records` are the effective school records (layout applied)."""
    counts, notes = count_teachers(roster or [], policy)
    rows: list[dict[str, Any]] = []
    for s in schools:
        for level, sl in LEVEL_SLICES.items():
            if sum(s.enrolment_by_grade[sl]) == 0:
                continue
            c = counts.get((s.id, level), TeacherCounts()) if roster else None
            rows.append(school_indicators(s, records[s.id], level, c, policy))
    if not roster:
        notes.insert(0, "the scenario has no teacher roster: the three teacher indicators "
                        "are missing")
    levels: dict[str, Any] = {}
    for level in LEVEL_SLICES:
        mine = [r for r in rows if r["level"] == level]
        cv_max = float(getattr(policy.balance.cv_max, level))
        inds: dict[str, Any] = {}
        for key, label, _, _ in INDICATORS:
            have = [r for r in mine if r["values"][key] is not None]
            vals = [r["values"][key] for r in have]
            w = [r["pupils"] for r in have]
            cv = weighted_cv(vals, w) if have else None
            mean = (sum(v * x for v, x in zip(vals, w, strict=True)) / sum(w)) if have else None
            inds[key] = {
                "label": label, "standard": _standard(policy, key, level),
                "mean": None if mean is None else round(mean, 4), "cv": cv,
                "cv_max": cv_max, "cv_ok": None if cv is None else cv <= cv_max + 1e-12,
                "schools_meeting": sum(1 for r in have if r["met"][key]),
                "schools_with_data": len(have), "schools_missing": len(mine) - len(have)}
            if have and len(have) < len(mine):
                notes.append(f"{level} {key}: missing at {len(mine) - len(have)} of "
                             f"{len(mine)} schools (CV over the others)")
        known = [v["cv_ok"] for v in inds.values() if v["cv_ok"] is not None]
        levels[level] = {
            "schools": len(mine), "indicators": inds,
            "min_met": policy.balance.standard.min_met,
            "schools_meeting_min_met": sum(1 for r in mine if r["meets_min_indicators"]),
            "schools_meeting_standard": sum(1 for r in mine if r["status"] == "meets"),
            "schools_failing": sum(1 for r in mine if r["status"] == "fails"),
            "schools_undetermined": sum(1 for r in mine if r["status"] == "undetermined"),
            "cv_ok": (all(known) if len(known) == len(inds) else (False if not all(known)
                                                                     else None))}
    return BalanceReport.model_validate({
        "source": "县域义务教育优质均衡发展督导评估办法 (教督〔2017〕6号)",
        "levels": levels, "schools": rows, "notes": notes})


def summarize_balance(report: BalanceReport) -> dict[str, LevelBalanceSummary]:
    """The compact form kept in `kpis.balance`: per level the CV of each indicator (None:
    missing), the CV limit, whether all CVs hold, and the schools meeting the standard."""
    out: dict[str, LevelBalanceSummary] = {}
    for level, lv in report.levels.items():
        out[level] = LevelBalanceSummary(
            schools=lv.schools, min_met=lv.min_met,
            cv={k: v.cv for k, v in lv.indicators.items()},
            cv_max=next(iter(lv.indicators.values())).cv_max, cv_ok=lv.cv_ok,
            schools_meeting_min_met=lv.schools_meeting_min_met,
            schools_meeting_standard=lv.schools_meeting_standard,
            schools_failing=lv.schools_failing,
            schools_undetermined=lv.schools_undetermined)
    return out
