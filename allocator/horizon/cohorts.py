"""Cohorts: the unit of assignment of a horizon plan is (block, level, entry cohort).

Each year a block's pupils are split by grade into cohorts (grade g of year t entered grade 1
in t - g + 1, or grade 7 in t - g + 7). A cohort enrolled the year before whose school is
still open and teaches its grade stays there: it joins the block's unit locked to that
school (`<block>@<school>`, pinned through `options.locked`). Cohorts placed for the first
time (grade 1 and grade 7 intakes, and pupils with no known school) share the block's own
unit (`<block>`), free. Cohorts whose school closed (or, with `continuity: whole`, enrolled
cohorts not yet moved) form a free unit per former school (`<block>^<school>`) whose
`current_school` is that school, so the stability weight prices moving them. In the plan's
first year the block's `current_school` stands for last year's school of every grade but
the intakes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allocator.layout import Layout
from allocator.model.grades import parse_grade_key
from allocator.model.horizon import Cohort
from allocator.model.result import Result
from allocator.model.scenario import Block, Lock, Scenario

Key = tuple[str, str, int]  # block, level, entry year


def level_of(grade: int) -> str:
    """The level of grade 1..9."""
    return "primary" if grade <= 6 else "junior"


def entry_year(year: int, grade: int) -> int:
    """The school year the cohort in `grade` in `year` entered its level."""
    return year - (grade - 1) if grade <= 6 else year - (grade - 7)


@dataclass
class CohortState:
    """Where each cohort attended the year before, and which the plan already moved."""

    school: dict[Key, str] = field(default_factory=dict)
    reassigned: set[Key] = field(default_factory=set)


@dataclass
class Draft:
    """A cohort of this year before the solve: its unit and last year's school."""

    block: str
    level: str
    entry: int
    grade: int
    pupils: int
    unit: str
    previous: str | None

    @property
    def key(self) -> Key:
        return (self.block, self.level, self.entry)


def _previous(b: Block, grade: int, key: Key, state: CohortState, first: bool,
              known: set[str]) -> str | None:
    """Last year's school of a cohort (the block's current_school in the first year)."""
    if key in state.school:
        return state.school[key]
    if first and grade not in (1, 7):
        sid = b.current_by_grade()[grade - 1]
        return sid if sid in known else None
    return None


def _group(prev: str | None, grade: int, key: Key, layout: Layout, state: CohortState,
           whole: bool) -> tuple[str, str | None]:
    """("free", None), ("lock", school) or ("from", former school) for one cohort."""
    if prev is None:
        return "free", None
    school = layout.school_map().get(prev)
    teaches = school is not None and grade in school.served_grades()
    if teaches and not (whole and key not in state.reassigned):
        return "lock", prev
    return "from", prev


def _unit_id(block: str, kind: str, school: str | None, taken: set[str]) -> str:
    base = block if kind == "free" else f"{block}{'@' if kind == 'lock' else '^'}{school}"
    uid, n = base, 1
    while uid in taken:
        n += 1
        uid = f"{base}#{n}"
    return uid


def split_block(b: Block, year: int, drafts_out: list[Draft], state: CohortState,
                layout: Layout, *, first: bool, whole: bool, known: set[str],
                taken: set[str]) -> list[tuple[Block, str, str | None]]:
    """The units of block `b` in `year` as (block record, kind, school), appending its
    cohorts to `drafts_out`. Every pupil of the year is in exactly one unit."""
    counts = b.pupils(str(year))
    left = b.left_behind_by_grade(str(year))
    groups: dict[tuple[str, str | None], list[int]] = {}
    mine: list[Draft] = []
    for g in range(1, 10):
        if counts[g - 1]:
            key = (b.id, level_of(g), entry_year(year, g))
            prev = _previous(b, g, key, state, first, known)
            groups.setdefault(_group(prev, g, key, layout, state, whole), []).append(g)
            mine.append(Draft(b.id, key[1], key[2], g, counts[g - 1], "", prev))
    drafts_out += mine
    units = []
    for (kind, school), grades in sorted(groups.items(), key=lambda kv: (kv[0][0] != "free",
                                                                        kv[0][0], kv[0][1] or "")):
        uid = _unit_id(b.id, kind, school, taken)
        taken.add(uid)
        levels = sorted({level_of(g) for g in grades})
        record = b.model_copy(update={
            "id": uid, "students": [counts[g - 1] if g in grades else 0 for g in range(1, 10)],
            "students_by_year": None,
            "left_behind": [left[g - 1] if g in grades else 0 for g in range(1, 10)],
            "current_school": {lv: school for lv in levels} if kind == "from" else None})
        for d in mine:
            if d.grade in grades:
                d.unit = uid
        units.append((record, kind, school))
    return units


def cohort_scenario(sc: Scenario, year: int, layout: Layout, state: CohortState, *,
                    first: bool) -> tuple[Scenario, list[Draft]]:
    """The year's scenario `sc` with its blocks replaced by cohort units (see the module
    docstring), enrolled cohorts locked to their school; the plan's own locks kept on the
    free units; and the cohorts."""
    whole = sc.options.continuity == "whole"
    known = {s.id for s in sc.schools} | set(layout.school_map())
    taken = {b.id for b in sc.blocks}
    drafts: list[Draft] = []
    blocks, locks = [], []
    for b in sc.blocks:
        for record, kind, school in split_block(b, year, drafts, state, layout, first=first,
                                                whole=whole, known=known, taken=taken):
            blocks.append(record)
            levels = {lv for lv, n in (("primary", sum(record.students[:6])),
                                       ("junior", sum(record.students[6:]))) if n}
            if kind == "lock":
                locks += [Lock(block=record.id, level=lv, school=school) for lv in sorted(levels)]
            elif kind == "free":
                locks += [lk for lk in sc.options.locked
                          if lk.block == record.id and lk.level in levels]
    options = sc.options.model_copy(update={"locked": locks})
    return sc.model_copy(update={"blocks": blocks, "options": options}), drafts


def place_cohorts(drafts: list[Draft], result: Result, layout: Layout,
                  state: CohortState) -> list[Cohort]:
    """Each cohort's school under the year's result, its status, and `state` moved on to
    this year. Raises ValueError when a cohort's unit has no assignment row."""
    where: dict[tuple[str, int], str] = {}
    for a in result.assignments:
        for g in parse_grade_key(a.grades):
            where[(a.block, g)] = a.school
    open_now = layout.school_map()
    out = []
    for d in drafts:
        school = where.get((d.unit, d.grade))
        if school is None:
            raise ValueError(f"no assignment of unit '{d.unit}' grade {d.grade}")
        if d.previous is None:
            status = "new"
        elif school == d.previous:
            status = "kept"
        elif d.previous in open_now and d.grade in open_now[d.previous].served_grades():
            status = "reassigned"
            state.reassigned.add(d.key)
        else:
            status = "moved"
        state.school[d.key] = school
        out.append(Cohort(block=d.block, level=d.level, entry_year=d.entry, grade=d.grade,
                          pupils=d.pupils, school=school, previous_school=d.previous,
                          status=status, unit=d.unit))
    return out
