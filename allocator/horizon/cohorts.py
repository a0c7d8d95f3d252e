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

The bookkeeping is array-wise: the plan's state is where each (block, level, entry year)
attended, an array over the plan's blocks and entry years (`CohortState`); a year's cohorts
are the cells (block, grade) with pupils (`Drafts`), grouped into units with numpy; only the
unit records, their locks and the result's cohort rows are built one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from allocator.layout import Layout
from allocator.model.grades import parse_grade_key
from allocator.model.horizon import Cohort
from allocator.model.result import Result
from allocator.model.scenario import Block, Lock, Scenario

GRADE = np.arange(1, 10)
LEVEL = np.array([0] * 6 + [1] * 3)  # 0 primary, 1 junior
LEVEL_NAMES = ("primary", "junior")
FREE, LOCK, FROM = 0, 1, 2


def level_of(grade: int) -> str:
    """The level of grade 1..9."""
    return "primary" if grade <= 6 else "junior"


def entry_year(year: int, grade: int) -> int:
    """The school year the cohort in `grade` in `year` entered its level."""
    return year - (grade - 1) if grade <= 6 else year - (grade - 7)


@dataclass
class SchoolIds:
    """School ids as small integers (in order of first use), and their rank in id order."""

    ids: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def of(self, sid: str) -> int:
        """The number of school id `sid` (a new one is added)."""
        i = self.index.get(sid)
        if i is None:
            i = self.index[sid] = len(self.ids)
            self.ids.append(sid)
        return i

    def ranks(self) -> np.ndarray:
        """Each number's rank when the ids are sorted as strings."""
        out = np.empty(len(self.ids), dtype=np.int64)
        out[sorted(range(len(self.ids)), key=self.ids.__getitem__)] = np.arange(len(self.ids))
        return out


@dataclass
class CohortState:
    """Where each cohort (block, level, entry year) of the plan's blocks attended last
    (`school`: a number of `schools`, -1 none yet) and which the plan already moved
    (`reassigned`); entry years from `first_entry` on."""

    blocks: list[str]
    first_entry: int
    school: np.ndarray
    reassigned: np.ndarray
    schools: SchoolIds = field(default_factory=SchoolIds)

    @classmethod
    def for_plan(cls, sc: Scenario, years: list[int]) -> CohortState:
        """An empty state for the blocks of `sc` over the plan's `years` (in order)."""
        first, n = years[0] - 5, years[-1] - years[0] + 6
        shape = (len(sc.blocks), 2, n)
        return cls([b.id for b in sc.blocks], first, np.full(shape, -1, dtype=np.int64),
                   np.zeros(shape, dtype=bool))

    def columns(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """The (level, entry) index of grades 1..9 in `year`."""
        entries = np.array([entry_year(year, g) for g in range(1, 10)]) - self.first_entry
        return LEVEL, entries


@dataclass
class Drafts:
    """The year's cohorts before the solve, one per (block, grade) with pupils, in block
    then grade order: the block's number, grade, pupils, unit number and last year's
    school number (-1: none); `unit_ids` names the units."""

    year: int
    block: np.ndarray
    grade: np.ndarray
    pupils: np.ndarray
    unit: np.ndarray
    previous: np.ndarray
    unit_ids: list[str]


@dataclass
class YearView:
    """What deciding a cohort's unit needs of the year, as arrays over school numbers:
    which grades each open school teaches, the candidates of a `choose` of the year, the
    known ids."""

    teaches: np.ndarray  # (schools, 9) bool
    candidate: np.ndarray  # (schools,) bool
    known: np.ndarray  # (schools,) bool
    whole: bool
    first: bool

    @classmethod
    def of(cls, sc: Scenario, layout: Layout, first: bool, ids: SchoolIds) -> YearView:
        grades = {ids.of(s.id): s.served_grades() for s in layout.schools}
        known = [ids.of(s.id) for s in sc.schools] + list(grades)
        candidates = [ids.of(c) for c in sorted(layout.candidates())]
        teaches = np.zeros((len(ids.ids), 9), dtype=bool)
        for i, gs in grades.items():
            teaches[i, [g - 1 for g in gs]] = True
        candidate, known_mask = np.zeros(len(ids.ids), bool), np.zeros(len(ids.ids), bool)
        candidate[candidates], known_mask[known] = True, True
        return cls(teaches, candidate, known_mask, sc.options.continuity == "whole", first)


def current_numbers(sc: Scenario, ids: SchoolIds, view: YearView) -> np.ndarray:
    """The blocks' current_school numbers by grade (-1: none, or an unknown id)."""
    out = np.full((len(sc.blocks), 9), -1, dtype=np.int64)
    for i, b in enumerate(sc.blocks):
        if b.current_school:
            for g, sid in enumerate(b.current_by_grade()):
                if sid is not None and sid in ids.index and view.known[ids.index[sid]]:
                    out[i, g] = ids.index[sid]
    return out


def cohort_kinds(sc: Scenario, counts: np.ndarray, year: int, state: CohortState,
                 view: YearView) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the year's cohorts (cells with pupils, block then grade order): their cells
    (block, grade index), last year's school number and kind (FREE: no known school;
    LOCK: kept at it; FROM: placed again, priced from it)."""
    lv, en = state.columns(year)
    prev = state.school[:, lv, en]
    moved = state.reassigned[:, lv, en]
    if view.first:
        fallback = (prev < 0) & ~np.isin(GRADE, (1, 7))[None, :]
        prev = np.where(fallback, current_numbers(sc, state.schools, view), prev)
    b, g = np.nonzero(counts)
    p, m = prev[b, g], moved[b, g]
    at = np.maximum(p, 0)
    keep = view.teaches[at, g] & ~(view.whole & ~m)
    kind = np.where(p < 0, FREE, np.where(view.candidate[at] | ~keep, FROM, LOCK))
    return np.stack([b, g]), p, kind


def _rank_in_block(b: np.ndarray, key: np.ndarray) -> np.ndarray:
    """For cells of blocks `b` with small keys: the rank of each cell's key among the
    distinct keys of its block (ascending)."""
    if not len(b):
        return np.zeros(0, dtype=np.int64)
    big = int(key.max()) + 1
    uniq, inv = np.unique(b * big + key, return_inverse=True)
    owner = uniq // big
    start = np.searchsorted(owner, owner, side="left")
    return (np.arange(len(uniq)) - start)[inv.ravel()]


def unit_slots(nb: int, blocks: np.ndarray, grade: np.ndarray, prev: np.ndarray,
               kind: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Each cohort's slot in its block's units: 0 the free unit, 1.. the locked units
    (the k-th school of each level by id, primary and junior paired), then one per
    former school (by id)."""
    slot = np.zeros(len(kind), dtype=np.int64)
    n_lock = np.zeros(nb, dtype=np.int64)
    for lv in (0, 1):
        cells = np.flatnonzero((kind == LOCK) & (LEVEL[grade] == lv))
        r = _rank_in_block(blocks[cells], rank[prev[cells]])
        slot[cells] = 1 + r
        np.maximum.at(n_lock, blocks[cells], r + 1)
    cells = np.flatnonzero(kind == FROM)
    r = _rank_in_block(blocks[cells], rank[prev[cells]])
    slot[cells] = 1 + n_lock[blocks[cells]] + r
    return slot


def _unit_id(block: str, kind: int, schools: list[str], taken: set[str]) -> str:
    if kind == FREE:  # the block's own id (unique among the blocks)
        return block
    base = f"{block}{'@' if kind == LOCK else '^'}{'+'.join(schools)}"
    uid, n = base, 1
    while uid in taken:
        n += 1
        uid = f"{base}#{n}"
    return uid


@dataclass
class Units:
    """The year's units as arrays: block number, kind, school number by level (-1: none),
    pupils and left-behind pupils by grade."""

    block: np.ndarray
    kind: np.ndarray
    schools: np.ndarray
    students: np.ndarray
    left: np.ndarray


def group_units(sc: Scenario, year: int, state: CohortState, view: YearView
                ) -> tuple[Drafts, Units]:
    """The year's cohorts and the units they form (see the module docstring)."""
    nb = len(sc.blocks)
    counts = np.array([b.pupils(str(year)) for b in sc.blocks], dtype=np.int64).reshape(nb, 9)
    (b, g), prev, kind = cohort_kinds(sc, counts, year, state, view)
    slot = unit_slots(nb, b, g, prev, kind, state.schools.ranks())
    width = int(slot.max()) + 1 if len(slot) else 1
    keys, unit = np.unique(b * width + slot, return_inverse=True)
    unit = unit.ravel()
    n = len(keys)
    ukind, uschools = np.zeros(n, dtype=np.int64), np.full((n, 2), -1, dtype=np.int64)
    ukind[unit], uschools[unit, LEVEL[g]] = kind, prev
    left = np.zeros((nb, 9), dtype=np.int64)
    for i, blk in enumerate(sc.blocks):
        if blk.left_behind is not None:
            left[i] = blk.left_behind_by_grade(str(year))
    students, uleft = np.zeros((n, 9), dtype=np.int64), np.zeros((n, 9), dtype=np.int64)
    students[unit, g], uleft[unit, g] = counts[b, g], left[b, g]
    drafts = Drafts(year, b, g + 1, counts[b, g], unit, prev, [])
    return drafts, Units(keys // width, ukind, uschools, students, uleft)


def unit_records(sc: Scenario, units: Units, state: CohortState
                 ) -> tuple[list[Block], list[Lock], list[str]]:
    """A block record per unit (its pupils and left-behind pupils, its former school as
    `current_school` for a unit placed again), the locks (enrolled cohorts at their
    school; the plan's own locks on the free units at the levels they hold) and the ids."""
    ids, taken = state.schools.ids, set(state.blocks)
    user_locks: dict[str, list[Lock]] = {}
    for lk in sc.options.locked:
        user_locks.setdefault(lk.block, []).append(lk)
    records, locks, uids = [], [], []
    rows = zip(units.block.tolist(), units.kind.tolist(), units.schools.tolist(),
               units.students.tolist(), units.left.tolist(), strict=True)
    for bi, kind, (sp, sj), students, left in rows:
        b = sc.blocks[bi]
        schools = {lv: ids[s] for lv, s in (("primary", sp), ("junior", sj)) if s >= 0}
        uid = _unit_id(b.id, kind, list(dict.fromkeys(schools.values())), taken)
        taken.add(uid)
        uids.append(uid)
        records.append(b.model_copy(update={
            "id": uid, "students": students, "students_by_year": None, "left_behind": left,
            "current_school": schools if kind == FROM else None}))
        if kind == LOCK:
            locks += [Lock(block=uid, level=lv, school=sid)
                      for lv, sid in sorted(schools.items())]
        elif kind == FREE and b.id in user_locks:
            levels = {lv for lv, n in (("primary", sum(students[:6])),
                                       ("junior", sum(students[6:]))) if n}
            locks += [lk for lk in user_locks[b.id] if lk.level in levels]
    return records, locks, uids


def cohort_scenario(sc: Scenario, year: int, layout: Layout, state: CohortState, *,
                    first: bool) -> tuple[Scenario, Drafts]:
    """The year's scenario `sc` with its blocks replaced by cohort units (see the module
    docstring), enrolled cohorts locked to their school; the plan's own locks kept on the
    free units; and the cohorts."""
    view = YearView.of(sc, layout, first, state.schools)
    drafts, units = group_units(sc, year, state, view)
    blocks, locks, drafts.unit_ids = unit_records(sc, units, state)
    options = sc.options.model_copy(update={"locked": locks})
    return sc.model_copy(update={"blocks": blocks, "options": options}), drafts


STATUS = ("new", "kept", "moved", "reassigned")


def assigned_schools(drafts: Drafts, result: Result, ids: SchoolIds) -> np.ndarray:
    """Each cohort's school number under the year's result. Raises ValueError when a
    cohort's unit has no assignment row."""
    index = {uid: u for u, uid in enumerate(drafts.unit_ids)}
    parsed: dict[str, list[int]] = {}
    rows, cols, vals = [], [], []
    for a in result.assignments:
        u = index.get(a.block)
        grades = parsed.get(a.grades)
        if grades is None:
            grades = parsed[a.grades] = [g - 1 for g in parse_grade_key(a.grades)]
        if u is not None:
            rows += [u] * len(grades)
            cols += grades
            vals += [ids.of(a.school)] * len(grades)
    at = np.full((len(drafts.unit_ids), 9), -1, dtype=np.int64)
    at[rows, cols] = vals
    school = at[drafts.unit, drafts.grade - 1]
    missing = np.flatnonzero(school < 0)
    if len(missing):
        i = int(missing[0])
        raise ValueError(f"no assignment of unit '{drafts.unit_ids[drafts.unit[i]]}' grade "
                         f"{int(drafts.grade[i])}")
    return school


def place_cohorts(drafts: Drafts, result: Result, layout: Layout,
                  state: CohortState) -> list[Cohort]:
    """Each cohort's school under the year's result, its status, and `state` moved on to
    this year. Raises ValueError when a cohort's unit has no assignment row."""
    ids = state.schools
    school = assigned_schools(drafts, result, ids)
    candidates = layout.candidates()
    teaches = np.zeros((len(ids.ids), 9), dtype=bool)
    for s in layout.schools:
        if s.id not in candidates:
            teaches[ids.of(s.id), [g - 1 for g in s.served_grades()]] = True
    prev, g = drafts.previous, drafts.grade - 1
    status = np.where(prev < 0, 0, np.where(school == prev, 1, np.where(
        teaches[np.maximum(prev, 0), g], 3, 2)))
    lv, en = state.columns(drafts.year)
    cell = (drafts.block, lv[g], en[g])
    state.school[cell] = school
    state.reassigned[cell] |= status == 3
    names, blocks, levels = ids.ids, state.blocks, [LEVEL_NAMES[x] for x in LEVEL]
    entries = (en + state.first_entry).tolist()
    return [Cohort(block=blocks[b], level=levels[gi], entry_year=entries[gi], grade=gi + 1,
                   pupils=n, school=names[s], previous_school=names[p] if p >= 0 else None,
                   status=STATUS[st], unit=drafts.unit_ids[u])
            for b, gi, n, s, p, st, u in zip(
                drafts.block.tolist(), g.tolist(), drafts.pupils.tolist(), school.tolist(),
                prev.tolist(), status.tolist(), drafts.unit.tolist(), strict=True)]
