"""Assignment units and their candidate arcs to schools.

A unit is (block, level) or, where a school serving only part of a level (a teaching point)
is within reach, (block, grade segment): the lower segment may attend that school while the
upper one goes elsewhere (rule `one_school_per_level`, see `Units.links`).

An arc (unit, school) is admissible when the school serves every grade of the unit. Pupils
of the boarding grades on an arc beyond the day radius board (rule `boarding_beds`); young
pupils never board: beyond the radius they attend as day pupils and the arc's cost carries
the penalty of rule `young_beyond_day_radius` (`rules.day_radius`). Units with `soft` unset
(strict mode) may not take such arcs at all.
`build_candidates` keeps the k nearest admissible schools per unit plus today's and locked
schools; `price_units` scans every admissible school of given units, so the bound can add
the arcs the relaxation needs (column generation) and stay valid for the unpruned problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.rules.day_radius import boarders_on_arc

from .arc_rules import admissible_mask, arc_costs, cross_group_mask, priced_value
from .instance import Instance

NO_ARC = np.int64(1) << 60
ALL_ARCS_UP_TO = 4000  # units x schools: small problems take every admissible arc
LEVEL_GRADE_MASK = np.array([[g < 6 for g in range(9)], [g >= 6 for g in range(9)]])


@dataclass
class Units:
    block: np.ndarray  # (U,) block index
    level: np.ndarray  # (U,) 0 primary, 1 junior
    grades: np.ndarray  # (U, 9) bool: the unit's nominal grades
    pupils: np.ndarray  # (U, 9) int
    total: np.ndarray  # (U,) int
    young: np.ndarray  # (U,) int pupils below the boarding grade
    radius: np.ndarray  # (U,) km
    locked: np.ndarray  # (U,) school index or -1
    links: np.ndarray  # (L, 2): (lower segment unit, next segment unit) of one block-level
    soft: bool = True  # young pupils may attend beyond the day radius (elastic mode)

    def __len__(self) -> int:
        return len(self.block)


@dataclass
class Arcs:
    """Candidate arcs, sorted by unit then distance."""

    unit: np.ndarray
    school: np.ndarray
    km: np.ndarray
    board: np.ndarray  # bool: beyond the day radius (pupils of the boarding grades board)
    cost: np.ndarray  # int objective units: travel + stability + young beyond the radius
    moved: np.ndarray  # pupils whose school changes
    boarders: np.ndarray  # pupils who board when the unit takes the arc

    def __len__(self) -> int:
        return len(self.unit)

    def start(self, n_units: int) -> np.ndarray:
        """Offsets: arcs of unit u are [start[u], start[u+1])."""
        return np.searchsorted(self.unit, np.arange(n_units + 1))


def segment_partition(inst: Instance, level: int) -> list[np.ndarray]:
    """The coarsest split of a level's grades that every school's served set respects."""
    mask = LEVEL_GRADE_MASK[level]
    grades = np.flatnonzero(mask)
    sig = [tuple(inst.serves[:, g]) for g in grades]
    segments: list[list[int]] = []
    for g, s in zip(grades, sig, strict=True):
        if segments and tuple(inst.serves[:, segments[-1][-1]]) == s:
            segments[-1].append(int(g))
        else:
            segments.append([int(g)])
    return [np.array(s) for s in segments]


def eligible_schools(inst: Instance, grades: np.ndarray) -> np.ndarray:
    """Schools that serve every grade in the boolean mask `grades`."""
    return np.flatnonzero(np.all(inst.serves | ~grades[None, :], axis=1))


def build_units(inst: Instance, locks: dict[tuple[int, int], int], k_partial: int = 3) -> Units:
    """Units of all blocks: one per (block, level) with pupils, split into grade segments
    where a partial-level school is admissible for the lower segment of that block."""
    min_board = inst.policy.min_boarding_grade
    young_mask = np.arange(1, 10) < min_board
    rows: list[tuple[int, int, np.ndarray]] = []
    links: list[tuple[int, int]] = []
    for lv in (0, 1):
        lmask = LEVEL_GRADE_MASK[lv]
        has = inst.pupils[:, lmask].sum(axis=1) > 0
        segs = segment_partition(inst, lv)
        full = eligible_schools(inst, lmask)
        split = np.zeros(inst.n_blocks, dtype=bool)
        if len(segs) > 1:
            for seg in segs:
                smask = np.zeros(9, dtype=bool)
                smask[seg] = True
                partial = np.setdiff1d(eligible_schools(inst, smask), full)
                if len(partial) == 0:
                    continue
                b_idx = np.flatnonzero(has & (inst.pupils[:, smask].sum(axis=1) > 0))
                young = (inst.pupils[b_idx][:, smask & young_mask].sum(axis=1) > 0)
                lim = np.where(young, inst.radius[b_idx, lv], np.inf)
                tg, _ = inst.distance.nearest(b_idx, partial, k_partial, lim)
                split[b_idx[(tg >= 0).any(axis=1)]] = True
        for b in np.flatnonzero(has):
            locked = locks.get((int(b), lv), -1)
            if split[b] and locked < 0:
                prev = -1
                for seg in segs:
                    smask = np.zeros(9, dtype=bool)
                    smask[seg] = True
                    if inst.pupils[b, smask].sum() == 0:
                        continue
                    rows.append((int(b), lv, smask))
                    if prev >= 0:
                        links.append((prev, len(rows) - 1))
                    prev = len(rows) - 1
            elif locked >= 0:  # a school teaching part of the level holds only those grades
                rows.append((int(b), lv, lmask & inst.serves[locked]))
            else:
                rows.append((int(b), lv, lmask.copy()))
    block = np.array([r[0] for r in rows], dtype=np.int64)
    level = np.array([r[1] for r in rows], dtype=np.int64)
    grades = np.array([r[2] for r in rows], dtype=bool).reshape(-1, 9)
    pupils = np.where(grades, inst.pupils[block], 0)
    return Units(
        block=block, level=level, grades=grades, pupils=pupils, total=pupils.sum(axis=1),
        young=pupils[:, young_mask].sum(axis=1), radius=inst.radius[block, level],
        locked=np.array([locks.get((int(b), int(lv)), -1) for b, lv in zip(block, level,
                                                                             strict=True)],
                        dtype=np.int64),
        links=np.array(links, dtype=np.int64).reshape(-1, 2),
    )


def unit_groups(units: Units) -> dict[bytes, np.ndarray]:
    """Units grouped by nominal grade set (units of one group share eligible schools)."""
    keys = np.packbits(units.grades, axis=1)
    groups: dict[bytes, list[int]] = {}
    for u, k in enumerate(keys):
        groups.setdefault(k.tobytes(), []).append(u)
    return {k: np.array(v, dtype=np.int64) for k, v in groups.items()}


def make_arcs(inst: Instance, units: Units, unit: np.ndarray, school: np.ndarray,
              km: np.ndarray | None = None) -> Arcs:
    """Arcs for the given (unit, school) pairs with distances, boarding and costs, sorted."""
    unit = np.asarray(unit, dtype=np.int64)
    school = np.asarray(school, dtype=np.int64)
    if km is None:
        km = inst.distance.pairs(units.block[unit], school)
    cur = inst.current[units.block[unit]]
    moved = np.where((cur != -1) & (cur != school[:, None]), units.pupils[unit],
                     0).sum(axis=1)  # a school closed by the layout (-2) always moves them
    cost = arc_costs(inst, units, unit, school, km, moved)
    order = np.lexsort((km, unit))
    board = km > units.radius[unit] + 1e-9
    boarders = boarders_on_arc(units.total[unit], units.young[unit], km, units.radius[unit])
    return Arcs(unit=unit[order], school=school[order], km=km[order], board=board[order],
                cost=cost[order], moved=moved[order], boarders=boarders[order])


def build_candidates(inst: Instance, units: Units, k: int) -> Arcs:
    """k nearest admissible schools per unit, plus today's schools and linked closure.

    Locked units get exactly their locked school. For linked segments, the upper segment
    also gets every candidate of the lower one that serves it, so a plan where both attend
    the same school is always available. Units with young pupils also get their k nearest
    schools beyond the day radius (soft radius). When units x schools is at most
    `ALL_ARCS_UP_TO`, every admissible arc is a candidate (CP-SAT's proof is then final).
    """
    if len(units) * inst.n_schools <= ALL_ARCS_UP_TO:
        k = max(k, inst.n_schools)
    us: list[np.ndarray] = []
    ss: list[np.ndarray] = []
    for _, members in unit_groups(units).items():
        elig = eligible_schools(inst, units.grades[members[0]])
        free = members[units.locked[members] < 0]
        if len(free) and len(elig):
            lim = np.where(units.young[free] > 0, units.radius[free], np.inf)
            tg, _ = inst.distance.nearest(units.block[free], elig, k, lim)
            ok = tg >= 0
            us.append(np.repeat(free, tg.shape[1])[ok.ravel()])
            ss.append(tg.ravel()[ok.ravel()])
            far = free[units.young[free] > 0] if units.soft else free[:0]
            if len(far):  # young pupils: also the nearest schools beyond the radius
                tg, _ = inst.distance.nearest(units.block[far], elig, k)
                ok = tg >= 0
                us.append(np.repeat(far, tg.shape[1])[ok.ravel()])
                ss.append(tg.ravel()[ok.ravel()])
        # today's schools for the unit's grades, when admissible
        cur = inst.current[units.block[members]]
        for g in range(9):
            has = units.grades[members, g] & (cur[:, g] >= 0)
            if has.any():
                m = members[has]
                m = m[units.locked[m] < 0]
                s = inst.current[units.block[m], g]
                good = np.all(inst.serves[s][:, :] | ~units.grades[m], axis=1)
                us.append(m[good])
                ss.append(s[good])
    locked = np.flatnonzero(units.locked >= 0)
    us.append(locked)
    ss.append(units.locked[locked])
    unit = np.concatenate(us) if us else np.zeros(0, np.int64)
    school = np.concatenate(ss) if ss else np.zeros(0, np.int64)
    unit, school = _unique_pairs(unit, school)
    unit, school = _close_links(inst, units, unit, school)
    km = inst.distance.pairs(units.block[unit], school)
    keep = admissible_mask(inst, units, unit, school, km) | (units.locked[unit] >= 0)
    return make_arcs(inst, units, unit[keep], school[keep], km[keep])


def _unique_pairs(unit: np.ndarray, school: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    key = np.unique(unit.astype(np.int64) * (1 << 20) + school.astype(np.int64))
    return key >> 20, key & ((1 << 20) - 1)


def _close_links(inst: Instance, units: Units, unit: np.ndarray, school: np.ndarray):
    """Give each upper segment every school its lower segment may attend that serves it."""
    if len(units.links) == 0 or len(unit) == 0:
        return unit, school
    order = np.argsort(unit, kind="stable")
    u_sorted, s_sorted = unit[order], school[order]
    lo, hi = units.links[:, 0], units.links[:, 1]
    first = np.searchsorted(u_sorted, lo, side="left")
    count = np.searchsorted(u_sorted, lo, side="right") - first
    link = np.repeat(np.arange(len(lo)), count)  # one row per arc of a lower segment
    pos = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    s = s_sorted[np.repeat(first, count) + pos]
    up = hi[link]
    serves = np.all(inst.serves[s] | ~units.grades[up], axis=1)
    return _unique_pairs(np.concatenate([unit, up[serves]]),
                         np.concatenate([school, s[serves]]))


def add_arcs(inst: Instance, units: Units, arcs: Arcs, unit: np.ndarray,
             school: np.ndarray) -> Arcs:
    """The arcs plus new (unit, school) pairs (duplicates dropped), with link closure."""
    u = np.concatenate([arcs.unit, unit])
    s = np.concatenate([arcs.school, school])
    u, s = _unique_pairs(u, s)
    u, s = _close_links(inst, units, u, s)
    km = inst.distance.pairs(units.block[u], s)
    keep = admissible_mask(inst, units, u, s, km) | (units.locked[u] >= 0)
    return make_arcs(inst, units, u[keep], s[keep], km[keep])


def _priced_chunks(inst: Instance, units: Units, school_value: np.ndarray,
                   board_value: np.ndarray, exclude: Arcs | None, chunk: int):
    """Yield (unit ids, eligible schools, value matrix) over every admissible arc.

    value = cost per pupil + school_value (day arc) or board_value (boarding arc), both
    indexed [school, level]; NO_ARC marks inadmissible (or excluded) pairs.
    """
    for _, members in unit_groups(units).items():
        elig = eligible_schools(inst, units.grades[members[0]])
        if len(elig) == 0:
            continue
        lv = units.level[members[0]]
        for start in range(0, len(members), chunk):
            m = members[start:start + chunk]
            km = inst.distance.dense(units.block[m], elig)
            p = units.total[m][:, None]
            cur = inst.current[units.block[m]]  # (m, 9)
            moved = np.zeros(km.shape, dtype=np.int64)
            for g in np.flatnonzero(units.grades[m[0]]):
                c = cur[:, g][:, None]
                moved += np.where((c != -1) & (c != elig[None, :]),  # -2: closed by the layout
                                  units.pupils[m, g][:, None],
                                  0)
            cost = arc_costs(inst, units, m[:, None], elig[None, :], km, moved)
            young = np.broadcast_to(units.young[m][:, None], km.shape)
            radius = units.radius[m][:, None]
            board = km > radius + 1e-9
            total = np.broadcast_to(p, km.shape)
            val = priced_value(cost, total, young, boarders_on_arc(total, young, km, radius),
                               board, school_value[elig, lv][None, :],
                               board_value[elig, lv][None, :])
            if not units.soft:  # strict: the day radius and group intake are hard
                bad = (board & (young > 0)) | cross_group_mask(inst, units, m[:, None],
                                                               elig[None, :])
            else:
                bad = np.zeros(km.shape, dtype=bool)
            locked = units.locked[m]
            bad |= (locked[:, None] >= 0) & (elig[None, :] != locked[:, None])
            if exclude is not None:
                bad |= _candidate_matrix(exclude, m, elig, inst.n_schools)
            yield m, elig, np.where(bad, NO_ARC, val)


def price_units(inst: Instance, units: Units, school_value: np.ndarray,
                board_value: np.ndarray, exclude: Arcs | None = None,
                chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """For every unit, the admissible school minimising cost per pupil + a school value.

    `school_value[j, level]` is added for day arcs and `board_value[j, level]` for boarding
    arcs (values are dual prices from the bound). Scans every admissible school, in chunks,
    so the answer holds for the unpruned problem; with `exclude`, only schools that are not
    already candidate arcs of the unit are considered. Returns (best school, best value per
    pupil); -1 / NO_ARC for units with no admissible school. Integer arithmetic throughout.
    """
    best_s = np.full(len(units), -1, dtype=np.int64)
    best_v = np.full(len(units), NO_ARC, dtype=np.int64)
    for m, elig, val in _priced_chunks(inst, units, school_value, board_value, exclude, chunk):
        j = np.argmin(val, axis=1)
        v = val[np.arange(len(m)), j]
        best_s[m] = np.where(v < NO_ARC, elig[j], -1)
        best_v[m] = v
    return best_s, best_v


def improving_arcs(inst: Instance, units: Units, school_value: np.ndarray,
                   board_value: np.ndarray, threshold: np.ndarray, per_unit: int = 4,
                   chunk: int = 2048, exclude: Arcs | None = None,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(unit, school) pairs whose priced value is below the unit's `threshold`, at most
    `per_unit` per unit (the best ones); with `exclude`, none of its arcs."""
    us, ss = [], []
    for m, elig, val in _priced_chunks(inst, units, school_value, board_value, exclude,
                                       chunk):
        k = min(per_unit, val.shape[1])
        idx = np.argpartition(val, k - 1, axis=1)[:, :k]
        v = np.take_along_axis(val, idx, axis=1)
        ok = v < threshold[m][:, None]
        us.append(np.repeat(m, k)[ok.ravel()])
        ss.append(elig[idx].ravel()[ok.ravel()])
    if not us:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(us), np.concatenate(ss)


def _candidate_matrix(arcs: Arcs, m: np.ndarray, elig: np.ndarray, n: int) -> np.ndarray:
    """Boolean (len(m), len(elig)): whether (unit m[i], school elig[k]) is a candidate arc."""
    row = np.full(int(max(arcs.unit.max(initial=0), m.max(initial=0))) + 1, -1, dtype=np.int64)
    row[m] = np.arange(len(m))
    col = np.full(n, -1, dtype=np.int64)
    col[elig] = np.arange(len(elig))
    r = row[arcs.unit]
    c = col[arcs.school]
    ok = (r >= 0) & (c >= 0)
    out = np.zeros((len(m), len(elig)), dtype=bool)
    out[r[ok], c[ok]] = True
    return out


def subset_units(units: Units, idx: np.ndarray) -> Units:
    """Units `idx` (sorted) renumbered 0..len-1; links kept when both ends are inside."""
    pos = np.full(len(units), -1, dtype=np.int64)
    pos[idx] = np.arange(len(idx))
    links = units.links
    if len(links):
        keep = (pos[links[:, 0]] >= 0) & (pos[links[:, 1]] >= 0)
        links = pos[links[keep]]
    return Units(block=units.block[idx], level=units.level[idx], grades=units.grades[idx],
                 pupils=units.pupils[idx], total=units.total[idx], young=units.young[idx],
                 radius=units.radius[idx], locked=units.locked[idx], links=links,
                 soft=units.soft)
