"""Contiguous catchments: the block adjacency of a scenario, the closer-neighbour rule as
CP-SAT clauses, a repair that makes any plan obey it, and each catchment's number of parts.

Rule `contiguity` (option `contiguity`): a unit (block, level or grade segment) may attend
school j only if at least one neighbouring block's unit of the same level that could attend j
and is closer to j attends j too. Exempt, so a plan obeying the rule always exists:
- the unit's nearest candidate school (就近入学: a block may always attend its nearest school);
- today's school where the block is an island today (no closer neighbour attends it today);
- locked assignments.
A unit with no closer eligible neighbour (it is nearest to j among its neighbours) is free.
Only candidate arcs exist in the model, so a closer neighbour without an arc to j cannot
support it. In the regional search, units outside the region are fixed: their part of a
clause is a constant (`region_clauses`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.model.result import CatchmentSummary
from geo.adjacency import adjacency_lists, count_components

from .arcs import Arcs, Units
from .instance import Instance

LEVEL_NAMES = ("primary", "junior")


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR rows given by (starts, counts): (row of each item, position of each item)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(starts, counts) + offs


def unit_lists(units: Units, n_blocks: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR over key level * n_blocks + block: (indptr, unit ids)."""
    key = units.level * n_blocks + units.block
    order = np.argsort(key, kind="stable")
    return np.searchsorted(key[order], np.arange(2 * n_blocks + 1)), order


@dataclass
class ContiguityRule:
    """Per candidate arc: whether it needs support, and its support arcs (CSR)."""

    constrained: np.ndarray  # (A,) bool
    ptr: np.ndarray  # (A + 1,)
    support: np.ndarray  # arcs of closer neighbours to the same school
    exempt: np.ndarray  # (A,) bool

    def supports(self, a: int) -> np.ndarray:
        return self.support[self.ptr[a]: self.ptr[a + 1]]

    def stats(self) -> dict:
        return {"contiguity_constrained_arcs": int(self.constrained.sum()),
                "contiguity_forbidden_arcs": int((self.constrained
                                                  & (np.diff(self.ptr) == 0)).sum()),
                "contiguity_exempt_arcs": int(self.exempt.sum())}


def build_rule(inst: Instance, units: Units, arcs: Arcs, edges: np.ndarray) -> ContiguityRule:
    """The closer-neighbour rule over the candidate arcs (see the module docstring)."""
    n_arcs, nb = len(arcs), inst.n_blocks
    bptr, bnbr = adjacency_lists(nb, edges)
    uptr, uids = unit_lists(units, nb)
    blk = units.block[arcs.unit]
    a1, pos = _expand(bptr[blk], bptr[blk + 1] - bptr[blk])
    nblock = bnbr[pos]
    key = units.level[arcs.unit[a1]] * nb + nblock
    a2_idx, upos = _expand(uptr[key], uptr[key + 1] - uptr[key])
    a2, v = a1[a2_idx], uids[upos]
    j = arcs.school[a2]
    eligible = np.all(inst.serves[j] | ~units.grades[v], axis=1)
    dist_v = inst.distance.pairs(units.block[v], j)
    closer = eligible & (dist_v < arcs.km[a2] - 1e-9)
    has_closer = np.bincount(a2[closer], minlength=n_arcs) > 0
    # today's plan and its islands
    cur = inst.current[units.block]  # (U, 9)
    today_arc = np.any((cur[arcs.unit] == arcs.school[:, None]) & units.grades[arcs.unit],
                       axis=1)
    v_today = np.any((cur[v] == j[:, None]) & units.grades[v], axis=1)
    supported_today = np.bincount(a2[closer & v_today], minlength=n_arcs) > 0
    start = arcs.start(len(units))
    nearest = np.zeros(n_arcs, dtype=bool)
    nearest[start[:-1][np.diff(start) > 0]] = True
    exempt = nearest | (units.locked[arcs.unit] >= 0) | (today_arc & ~supported_today)
    # support arcs: the closer neighbour's candidate arc to the same school
    n_s = inst.n_schools
    akey = arcs.unit * n_s + arcs.school
    aorder = np.argsort(akey, kind="stable")
    want = v * n_s + j
    hit = np.searchsorted(akey[aorder], want)
    hit = np.minimum(hit, len(akey) - 1)
    found = closer & (akey[aorder][hit] == want)
    sup_owner, sup_arc = a2[found], aorder[hit][found]
    constrained = has_closer & ~exempt
    keep = constrained[sup_owner]
    sup_owner, sup_arc = sup_owner[keep], sup_arc[keep]
    ptr = np.searchsorted(sup_owner, np.arange(n_arcs + 1))
    return ContiguityRule(constrained=constrained, ptr=ptr.astype(np.int64),
                          support=sup_arc.astype(np.int64), exempt=exempt)


@dataclass
class Clauses:
    """x[lhs[c]] implies OR(x[rhs[ptr[c]:ptr[c+1]]]); lhs -1: the OR must hold."""

    lhs: np.ndarray
    ptr: np.ndarray
    rhs: np.ndarray

    def __len__(self) -> int:
        return len(self.lhs)


def whole_clauses(rule: ContiguityRule) -> Clauses:
    """Clauses of the whole model (arc numbering of the rule)."""
    lhs = np.flatnonzero(rule.constrained)
    counts = rule.ptr[lhs + 1] - rule.ptr[lhs]
    _, pos = _expand(rule.ptr[lhs], counts)
    return Clauses(lhs=lhs, ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                   rhs=rule.support[pos])


def region_clauses(rule: ContiguityRule, arcs: Arcs, choice: np.ndarray, free: np.ndarray,
                   local: np.ndarray, in_region: np.ndarray) -> Clauses:
    """Clauses of a region sub-model: `free` marks the freed units, `local[a]` is the sub-model
    index of global arc a (-1 outside), `in_region[j]` marks its schools, `choice` the plan.

    Units outside stay as `choice` says: a support arc they use satisfies the clause, other
    arcs of theirs are absent. Fixed units attending a region school get a must-hold clause
    over the free units that could support them.
    """
    chosen_fixed = np.zeros(len(arcs), dtype=bool)
    fixed_units = np.flatnonzero(~free)
    chosen_fixed[choice[fixed_units]] = True
    lhs, rhs, ptr = [], [], [0]

    def add(head: int, a: int) -> None:
        sup = rule.supports(a)
        if chosen_fixed[sup].any():
            return
        loc = local[sup]
        loc = loc[loc >= 0]
        lhs.append(head)
        rhs.extend(loc.tolist())
        ptr.append(len(rhs))

    for a in np.flatnonzero(local >= 0):
        if rule.constrained[a]:
            add(int(local[a]), int(a))
    held = choice[fixed_units]
    for a in held[in_region[arcs.school[held]] & rule.constrained[held]]:
        add(-1, int(a))
    return Clauses(lhs=np.array(lhs, dtype=np.int64), ptr=np.array(ptr, dtype=np.int64),
                   rhs=np.array(rhs, dtype=np.int64))


def add_closer_neighbour_rule(m, x: list, clauses: Clauses) -> None:
    """Rule contiguity on a CP-SAT model `m` with arc variables `x`."""
    for c in range(len(clauses)):
        ors = [x[r] for r in clauses.rhs[clauses.ptr[c]: clauses.ptr[c + 1]]]
        head = int(clauses.lhs[c])
        if head >= 0:
            m.add_bool_or([x[head].Not(), *ors])
        else:
            m.add_bool_or(ors)


def violating_units(rule: ContiguityRule, arcs: Arcs, choice: np.ndarray) -> np.ndarray:
    """Units whose chosen arc breaks the rule (no supporting arc chosen)."""
    chosen = np.zeros(len(arcs), dtype=bool)
    chosen[choice] = True
    owner = np.repeat(np.arange(len(arcs)), np.diff(rule.ptr))
    supported = np.bincount(owner[chosen[rule.support]], minlength=len(arcs)) > 0
    return np.flatnonzero(rule.constrained[choice] & ~supported[choice])


def repair_plan(inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                rule: ContiguityRule, max_rounds: int = 200) -> np.ndarray:
    """A plan obeying the rule: units that break it move to their nearest school (exempt),
    linked upper segments follow a lower segment to a school serving them; repeated until
    nothing breaks (or `max_rounds`)."""
    choice = choice.copy()
    start = arcs.start(len(units))
    for _ in range(max_rounds):
        bad = violating_units(rule, arcs, choice)
        if len(bad) == 0:
            break
        choice[bad] = start[bad]
        for lo, hi in units.links:
            j = arcs.school[choice[lo]]
            if np.all(inst.serves[j, units.grades[hi]]) and arcs.school[choice[hi]] != j:
                cand = np.flatnonzero(arcs.school[start[hi]: start[hi + 1]] == j)
                if len(cand):
                    choice[hi] = start[hi] + cand[0]
    return choice


def catchment_parts(inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                    edges: np.ndarray) -> list[CatchmentSummary]:
    """One row per (school, level) catchment: school, level, blocks, pupils, parts (connected
    groups of its blocks under the block adjacency), sorted by level then school."""
    nb = inst.n_blocks
    uptr, uids = unit_lists(units, nb)
    school = arcs.school[choice]
    pairs = []
    for lv in (0, 1):
        for b1, b2 in ((edges[:, 0], edges[:, 1]), (np.arange(nb), np.arange(nb))):
            k1, k2 = lv * nb + b1, lv * nb + b2
            c1, c2 = uptr[k1 + 1] - uptr[k1], uptr[k2 + 1] - uptr[k2]
            e, p1 = _expand(uptr[k1], c1)
            f, p2 = _expand(uptr[k2[e]], c2[e])
            pairs.append(np.column_stack([uids[p1][f], uids[p2]]))
    uedges = np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)
    uedges = uedges[uedges[:, 0] != uedges[:, 1]]
    labels = np.array([f"{lv}|{s}" for lv, s in zip(units.level, school, strict=True)],
                      dtype=object)
    parts = count_components(labels, uedges)
    rows = []
    for key in sorted(parts, key=lambda k: (int(k.split("|")[0]), int(k.split("|")[1]))):
        lv, j = (int(t) for t in key.split("|"))
        mine = (units.level == lv) & (school == j)
        rows.append(CatchmentSummary(
            school=inst.school_ids[j], level=LEVEL_NAMES[lv],
            blocks=int(len(np.unique(units.block[mine]))),
            pupils=int(units.total[mine].sum()), parts=parts[key]))
    return rows
