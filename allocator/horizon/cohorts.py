"""Cohorts: the unit of assignment of a horizon plan is (block, level, entry cohort).

Each year a block's pupils are split by grade into cohorts (grade g of year t entered grade 1
in t - g + 1, or grade 7 in t - g + 7). A cohort enrolled the year before whose school is
still open and teaches its grade stays there: it joins the block's unit locked to that
school (`<block>@<school>`, pinned through `options.locked`; one unit may pin its primary
cohorts to one school and its junior cohorts to another, `<block>@<school>+<school>`).
Cohorts placed for the first time (grade 1 and grade 7 intakes, and pupils with no known
school) share the block's own unit (`<block>`), free. Cohorts whose school closed (or, with
`continuity: whole`, enrolled cohorts not yet moved) form a free unit per former school
(`<block>^<school>`) whose `current_school` is that school, so the stability weight prices
moving them. In the plan's first year the block's `current_school` stands for last year's
school of every grade but the intakes. Cohorts at a candidate of this year's `choose` are
free (`<block>^<school>`): the solve decides whether their school stays.
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


@dataclass
class YearView:
    """What deciding a cohort's unit needs of the year, computed once: the open schools
    and the grades they teach, the candidates of a `choose` of the year, the known ids."""

    teaches: dict[str, tuple[int, ...]]
    candidates: set[str]
    known: set[str]
    whole: bool
    first: bool

    @classmethod
    def of(cls, sc: Scenario, layout: Layout, first: bool) -> YearView:
        teaches = {s.id: s.served_grades() for s in layout.schools}
        return cls(teaches, layout.candidates(), {s.id for s in sc.schools} | set(teaches),
                   sc.options.continuity == "whole", first)


def _previous(b: Block, grade: int, key: Key, state: CohortState, view: YearView
              ) -> str | None:
    """Last year's school of a cohort (the block's current_school in the first year)."""
    if key in state.school:
        return state.school[key]
    if view.first and grade not in (1, 7):
        sid = b.current_by_grade()[grade - 1]
        return sid if sid in view.known else None
    return None


def _group(prev: str | None, grade: int, key: Key, view: YearView,
           state: CohortState) -> tuple[str, str | None]:
    """("free", None), ("lock", school) or ("from", former school) for one cohort."""
    if prev is None:
        return "free", None
    if prev in view.candidates:  # a `choose` of this year may close it
        return "from", prev
    if grade in view.teaches.get(prev, ()) and not (view.whole and key not in state.reassigned):
        return "lock", prev
    return "from", prev


def _unit_id(block: str, kind: str, schools: list[str], taken: set[str]) -> str:
    if kind == "free":  # the block's own id (unique among the blocks)
        return block
    base = f"{block}{'@' if kind == 'lock' else '^'}{'+'.join(schools)}"
    uid, n = base, 1
    while uid in taken:
        n += 1
        uid = f"{base}#{n}"
    return uid


Unit = tuple[str, dict[str, str], list[int]]  # kind, school by level, grades


def _units(groups: dict[tuple[str, str | None], list[int]]) -> list[Unit]:
    """The block's units: the free cohorts, then units of locked cohorts pairing one
    primary and one junior school each, then one unit per former school."""
    out: list[Unit] = []
    if ("free", None) in groups:
        out.append(("free", {}, groups["free", None]))
    by_level: dict[str, list[tuple[str, list[int]]]] = {"primary": [], "junior": []}
    for (kind, school), grades in sorted(groups.items(), key=lambda kv: str(kv[0][1])):
        if kind == "lock" and school is not None:
            for lv in ("primary", "junior"):
                mine = [g for g in grades if level_of(g) == lv]
                if mine:
                    by_level[lv].append((school, mine))
    for k in range(max(len(by_level["primary"]), len(by_level["junior"]))):
        pair = {lv: by_level[lv][k] for lv in by_level if k < len(by_level[lv])}
        out.append(("lock", {lv: p[0] for lv, p in pair.items()},
                    sorted(g for p in pair.values() for g in p[1])))
    for (kind, school), grades in sorted(groups.items(), key=lambda kv: str(kv[0][1])):
        if kind == "from" and school is not None:
            out.append(("from", {level_of(g): school for g in grades}, grades))
    return out


def split_block(b: Block, year: int, drafts_out: list[Draft], state: CohortState,
                view: YearView, taken: set[str]) -> list[tuple[Block, str, dict[str, str]]]:
    """The units of block `b` in `year` as (block record, kind, school by level),
    appending its cohorts to `drafts_out`. Every pupil of the year is in exactly one
    unit."""
    counts = b.pupils(str(year))
    left = b.left_behind_by_grade(str(year))
    groups: dict[tuple[str, str | None], list[int]] = {}
    mine: list[Draft] = []
    for g in range(1, 10):
        if counts[g - 1]:
            key = (b.id, level_of(g), entry_year(year, g))
            prev = _previous(b, g, key, state, view)
            groups.setdefault(_group(prev, g, key, view, state), []).append(g)
            mine.append(Draft(b.id, key[1], key[2], g, counts[g - 1], "", prev))
    drafts_out += mine
    units = []
    for kind, schools, grades in _units(groups):
        uid = _unit_id(b.id, kind, list(dict.fromkeys(schools.values())), taken)
        taken.add(uid)
        record = b.model_copy(update={
            "id": uid, "students": [counts[g - 1] if g in grades else 0 for g in range(1, 10)],
            "students_by_year": None,
            "left_behind": [left[g - 1] if g in grades else 0 for g in range(1, 10)],
            "current_school": schools if kind == "from" else None})
        for d in mine:
            if d.grade in grades:
                d.unit = uid
        units.append((record, kind, schools))
    return units


def cohort_scenario(sc: Scenario, year: int, layout: Layout, state: CohortState, *,
                    first: bool) -> tuple[Scenario, list[Draft]]:
    """The year's scenario `sc` with its blocks replaced by cohort units (see the module
    docstring), enrolled cohorts locked to their school; the plan's own locks kept on the
    free units; and the cohorts."""
    view = YearView.of(sc, layout, first)
    taken = {b.id for b in sc.blocks}
    drafts: list[Draft] = []
    blocks, locks = [], []
    user_locks: dict[str, list[Lock]] = {}
    for lk in sc.options.locked:
        user_locks.setdefault(lk.block, []).append(lk)
    for b in sc.blocks:
        for record, kind, schools in split_block(b, year, drafts, state, view, taken):
            blocks.append(record)
            if kind == "lock":
                locks += [Lock(block=record.id, level=lv, school=sid)
                          for lv, sid in sorted(schools.items())]
            elif kind == "free":
                levels = {lv for lv, n in (("primary", sum(record.students[:6])),
                                           ("junior", sum(record.students[6:]))) if n}
                locks += [lk for lk in user_locks.get(record.id, []) if lk.level in levels]
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
    open_now, candidates = layout.school_map(), layout.candidates()
    out = []
    for d in drafts:
        school = where.get((d.unit, d.grade))
        if school is None:
            raise ValueError(f"no assignment of unit '{d.unit}' grade {d.grade}")
        if d.previous is None:
            status = "new"
        elif school == d.previous:
            status = "kept"
        elif (d.previous in open_now and d.grade in open_now[d.previous].served_grades()
              and d.previous not in candidates):
            status = "reassigned"
            state.reassigned.add(d.key)
        else:
            status = "moved"
        state.school[d.key] = school
        out.append(Cohort(block=d.block, level=d.level, entry_year=d.entry, grade=d.grade,
                          pupils=d.pupils, school=school, previous_school=d.previous,
                          status=status, unit=d.unit))
    return out
