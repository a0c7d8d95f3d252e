"""Solver-chosen consolidation (layout `choose`, rule `choose`): the pieces of the model.

Every candidate school j gets a variable open[j]; the strong formulation links each
assignment arc a into j by x[a] <= open[j] (an implication), not by the weak aggregate
sum(x into j) <= M open[j], so the linear relaxation CP-SAT works with is tight. Each
`choose` operation bounds how many of its candidates stay open (exactly `keep`, or at least
|candidates| - `close_at_most`); a kept candidate costs its fixed cost in objective units
(yuan x `options.weights.fixed_cost` pupil-km per yuan x `SCALE`).

The objective of a plan (a candidate arc per unit) is the arc costs, the elastic penalties
and the fixed costs of the cheapest open set that contains every candidate the plan uses and
obeys each operation's range (`complete_open`); CP-SAT reaches the same value at its
optimum for the plan, and `verify` recomputes it from the reported kept candidates.

Arcs: a plan may only use open schools, so besides the usual k nearest schools every unit
gets arcs to its k nearest admissible non-candidates (always open) and "needy" units -
those whose young pupils have no non-candidate within the day radius - get arcs to every
admissible candidate; `restrict_arcs` gives the arcs of one open set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from allocator.layout import ChooseSpec, Layout
from allocator.model.findings import Finding, ScenarioError
from allocator.rules.objective import SCALE, fixed_cost_units
from allocator.students.arcs import Arcs, Units, add_arcs, eligible_schools, make_arcs, unit_groups
from allocator.students.instance import Instance

from .townships import fill_towns, towns_met, township_groups


@dataclass
class ChooseModel:
    """The `choose` operations of a layout in instance indices."""

    specs: list[ChooseSpec]
    members: list[np.ndarray]  # per operation: instance indices of its candidates
    lo: np.ndarray  # per operation: fewest candidates open
    hi: np.ndarray  # per operation: most candidates open
    fc: np.ndarray  # (n,) fixed cost units of each school when kept (0: not a candidate)
    is_cand: np.ndarray  # (n,) bool
    towns: list[tuple[np.ndarray, int]] = field(default_factory=list)  # boarding candidates
    # of a township and how many of them stay open (rule township_boarding_schools)

    def min_fixed(self) -> int:
        """Least fixed cost any admissible open set pays: the `lo` cheapest per operation."""
        return int(sum(np.sort(self.fc[m])[:lo].sum() for m, lo in zip(self.members, self.lo,
                                                                       strict=True)))


def build_choose_model(inst: Instance, layout: Layout) -> ChooseModel:
    """The candidates, open ranges and fixed-cost units of every `choose` operation."""
    sidx = inst.school_index()
    weight = inst.scenario.options.weights.fixed_cost
    fc = np.zeros(inst.n_schools, dtype=np.int64)
    is_cand = np.zeros(inst.n_schools, dtype=bool)
    members, lo, hi = [], [], []
    for spec in layout.choose:
        idx = np.array([sidx[c] for c in spec.candidates], dtype=np.int64)
        for c, j in zip(spec.candidates, idx, strict=True):
            fc[j] = fixed_cost_units(spec.fixed_cost[c], weight)
        is_cand[idx] = True
        members.append(idx)
        a, b = spec.open_range()
        lo.append(a)
        hi.append(b)
    return ChooseModel(specs=list(layout.choose), members=members,
                       lo=np.array(lo, dtype=np.int64), hi=np.array(hi, dtype=np.int64),
                       fc=fc, is_cand=is_cand,
                       towns=township_groups(inst, is_cand, members, np.array(hi)))


def complete_open(cm: ChooseModel, used: np.ndarray) -> np.ndarray | None:
    """The cheapest open set holding the schools `used` (n bool): non-candidates, used
    candidates, the boarding candidates townships need (rule township_boarding_schools) and
    per operation the cheapest unused ones up to its `lo`. None when a plan uses more
    candidates of an operation than it may keep, or leaves no room for a township's."""
    out = ~cm.is_cand | used
    if any(int(used[m].sum()) > hi for m, hi in zip(cm.members, cm.hi, strict=True)):
        return None
    fill_towns(cm, out)  # rule township_boarding_schools
    if not towns_met(cm, out):
        return None
    for m, lo in zip(cm.members, cm.lo, strict=True):
        n_open = int(out[m].sum())
        idle = m[~out[m]]
        idle = idle[np.lexsort((idle, cm.fc[idle]))]
        out[idle[: max(0, lo - n_open)]] = True
    return out


def complete_in_region(cm: ChooseModel, open_mask: np.ndarray, used: np.ndarray,
                       region: np.ndarray) -> np.ndarray | None:
    """`open_mask` outside `region`; inside it the candidates `used`, then per operation the
    cheapest unused ones of the region until the operation's `lo` is reached. None when the
    region's used candidates exceed what the operation allows."""
    out = (open_mask & ~region) | (used & region) | ~cm.is_cand
    if any(int(out[m].sum()) > hi for m, hi in zip(cm.members, cm.hi, strict=True)):
        return None
    inside = out | ~region
    fill_towns(cm, inside)  # rule township_boarding_schools, within the region
    out |= inside & region
    if not towns_met(cm, out):
        return None
    for m, lo, hi in zip(cm.members, cm.lo, cm.hi, strict=True):
        if int(out[m].sum()) > hi:
            return None
        idle = m[region[m] & ~out[m]]
        idle = idle[np.lexsort((idle, cm.fc[idle]))]
        out[idle[: max(0, int(lo) - int(out[m].sum()))]] = True
        if int(out[m].sum()) < lo:
            return None
    return out


def fixed_cost_of(cm: ChooseModel, open_mask: np.ndarray) -> int:
    """Fixed cost units of the candidates open in `open_mask`."""
    return int(cm.fc[open_mask & cm.is_cand].sum())


def open_groups(cm: ChooseModel, open_mask: np.ndarray,
                region: np.ndarray | None = None) -> list[tuple[np.ndarray, int, int]]:
    """(candidates, fewest open, most open) per operation; with `region` (n bool) only its
    candidates, with the range shifted by those open outside it in `open_mask`."""
    out = []
    for m, lo, hi in zip(cm.members, cm.lo, cm.hi, strict=True):
        if region is None:
            out.append((m, int(lo), int(hi)))
            continue
        inside = m[region[m]]
        if len(inside) == 0:
            continue
        outside = int(open_mask[m[~region[m]]].sum())
        out.append((inside, max(0, int(lo) - outside), int(hi) - outside))
    for m, need in cm.towns:  # rule township_boarding_schools: at least `need` open
        inside = m if region is None else m[region[m]]
        outside = 0 if region is None else int(open_mask[m[~region[m]]].sum())
        if len(inside) and need - outside > 0:
            out.append((inside, min(need - outside, len(inside)), len(inside)))
    return out


def open_extension(groups: list[tuple[np.ndarray, int, int]], arc_school: np.ndarray,
                   fc: np.ndarray, hint_open: np.ndarray
                   ) -> Callable[[object, list], list[tuple[object, int, int]]]:
    """A `students.solve_students(extend=...)` hook: open[j] per candidate of `groups`, the
    strong link x[a] => open[school of a] for every arc into one, each group's range, and
    the fixed costs; returns (variable, objective coefficient, hint) for every new variable.
    """

    def extend(m, x) -> list[tuple[object, int, int]]:
        terms, var = [], {}
        for members, lo, hi in groups:  # groups may share candidates (townships)
            vs = []
            for j in members:
                if int(j) not in var:
                    var[int(j)] = m.new_bool_var(f"open_{int(j)}")
                    terms.append((var[int(j)], int(fc[j]), int(bool(hint_open[j]))))
                vs.append(var[int(j)])
            m.add_linear_constraint(sum(vs), lo, hi)
        for a, j in enumerate(arc_school.tolist()):
            v = var.get(j)
            if v is not None:
                m.add_implication(x[a], v)  # strong formulation: x[a] <= open[j]
        return terms

    return extend


# -- arcs ------------------------------------------------------------------------------------
def nearest_pairs(inst: Instance, units: Units, allowed: np.ndarray, k: int,
                  only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(unit, school) pairs: for each unit (of `only`, default all) its k nearest admissible
    schools among `allowed` (n bool), within the day radius where the unit has young pupils
    and, when none lies within it and the radius is soft, beyond it; locked units get their
    school if allowed."""
    us, ss = [], []
    pick = np.ones(len(units), dtype=bool) if only is None else np.isin(np.arange(len(units)),
                                                                       only)
    for _, members in unit_groups(units).items():
        members = members[pick[members] & (units.locked[members] < 0)]
        elig = eligible_schools(inst, units.grades[members[0]]) if len(members) else []
        elig = np.asarray(elig, dtype=np.int64)
        elig = elig[allowed[elig]]
        if len(members) == 0 or len(elig) == 0:
            continue
        lim = np.where(units.young[members] > 0, units.radius[members], np.inf)
        tg, _ = inst.distance.nearest(units.block[members], elig, k, lim)
        ok = tg >= 0
        us.append(np.repeat(members, tg.shape[1])[ok.ravel()])
        ss.append(tg.ravel()[ok.ravel()])
        far = members[~ok.any(axis=1)] if units.soft else members[:0]
        if len(far):  # soft day radius: the nearest ones beyond it
            tg, _ = inst.distance.nearest(units.block[far], elig, k)
            ok = tg >= 0
            us.append(np.repeat(far, tg.shape[1])[ok.ravel()])
            ss.append(tg.ravel()[ok.ravel()])
    lk = np.flatnonzero((units.locked >= 0) & pick)
    lk = lk[allowed[units.locked[lk]]]
    us.append(lk)
    ss.append(units.locked[lk])
    return np.concatenate(us).astype(np.int64), np.concatenate(ss).astype(np.int64)


def needy_units(inst: Instance, units: Units, cm: ChooseModel) -> np.ndarray:
    """Units with no admissible school outside the candidates (their young pupils have no
    non-candidate within the day radius, or they are locked to a candidate)."""
    u, _ = nearest_pairs(inst, units, ~cm.is_cand, 1)
    has = np.zeros(len(units), dtype=bool)
    has[u] = True
    return np.flatnonzero(~has)


def choose_arcs(inst: Instance, units: Units, arcs: Arcs, cm: ChooseModel, k: int,
                needy: np.ndarray) -> Arcs:
    """`arcs` plus, per unit, its k nearest admissible non-candidates and, for `needy`
    units, every admissible candidate (so any open set that serves them is reachable)."""
    u1, s1 = nearest_pairs(inst, units, ~cm.is_cand, k)
    u2, s2 = nearest_pairs(inst, units, cm.is_cand, int(cm.is_cand.sum()), only=needy)
    return add_arcs(inst, units, arcs, np.concatenate([u1, u2]), np.concatenate([s1, s2]))


def restrict_arcs(inst: Instance, units: Units, arcs: Arcs, open_mask: np.ndarray,
                  k: int) -> tuple[Arcs, np.ndarray, np.ndarray]:
    """Arcs of one open set: those of `arcs` into open schools plus each unit's k nearest
    admissible open schools. Returns (arcs, the new pairs' units and schools)."""
    keep = open_mask[arcs.school]
    base = make_arcs(inst, units, arcs.unit[keep], arcs.school[keep], arcs.km[keep])
    u, s = nearest_pairs(inst, units, open_mask, k)
    return add_arcs(inst, units, base, u, s), u, s


def arc_index(arcs: Arcs, n_schools: int, unit: np.ndarray, school: np.ndarray) -> np.ndarray:
    """Index in `arcs` of each (unit, school) pair; -1 where it is not an arc."""
    key = arcs.unit.astype(np.int64) * n_schools + arcs.school
    order = np.argsort(key, kind="stable")
    want = np.asarray(unit, dtype=np.int64) * n_schools + np.asarray(school, dtype=np.int64)
    pos = np.minimum(np.searchsorted(key[order], want), max(len(key) - 1, 0))
    hit = (len(key) > 0) & (key[order][pos] == want) if len(key) else np.zeros(len(want), bool)
    return np.where(hit, order[pos], -1)


# -- open sets ---------------------------------------------------------------------------------
def keep_values(inst: Instance, units: Units, arcs: Arcs, arc_flow: np.ndarray,
                cm: ChooseModel) -> np.ndarray:
    """(n,) estimated value of keeping each candidate open: the extra cost of sending its
    flow pupils to their next-best arc, minus its fixed cost (higher: keep first)."""
    per = arcs.cost // np.maximum(units.total[arcs.unit], 1)
    start = arcs.start(len(units))
    extra = np.zeros(inst.n_schools, dtype=np.int64)
    for a in np.flatnonzero((arc_flow > 0) & cm.is_cand[arcs.school]):
        u = arcs.unit[a]
        rng = np.arange(start[u], start[u + 1])
        other = rng[arcs.school[rng] != arcs.school[a]]
        alt = int(per[other].min()) if len(other) else int(per[a]) + 10 * SCALE
        extra[arcs.school[a]] += int(arc_flow[a]) * max(0, alt - int(per[a]))
    return extra - cm.fc


def open_by_value(cm: ChooseModel, value: np.ndarray) -> np.ndarray:
    """Per operation its `lo` most valuable candidates, plus any further one whose value is
    positive up to `hi`; non-candidates open."""
    out = ~cm.is_cand.copy()
    for m, lo, hi in zip(cm.members, cm.lo, cm.hi, strict=True):
        order = m[np.lexsort((m, -value[m]))]
        n = int(lo) + int((value[order[lo:hi]] > 0).sum())
        out[order[:n]] = True
    return out


def repair_cover(inst: Instance, units: Units, cm: ChooseModel, open_mask: np.ndarray,
                 value: np.ndarray, needy: np.ndarray) -> np.ndarray:
    """`open_mask` changed so every needy unit has an admissible open candidate and every
    operation's range holds: the most valuable missing covers are opened and the least
    valuable candidates no unit needs closed; when that greedy repair fails, a small CP-SAT
    cover model decides. Raises ScenarioError (naming the operation) when no open set
    within the ranges gives every block a school within the day radius."""
    out = open_mask.copy()
    pairs_u, pairs_s = nearest_pairs(inst, units, cm.is_cand, int(cm.is_cand.sum()),
                                     only=needy)
    options = {}
    for u in needy:
        opts = pairs_s[pairs_u == u]
        options.setdefault(tuple(sorted(opts.tolist())), int(u))
    for opts in options:
        if not out[list(opts)].any() and opts:
            out[max(opts, key=lambda j: (value[j], -j))] = True
    fill_towns(cm, out, value)  # rule township_boarding_schools
    for m, lo, hi in zip(cm.members, cm.lo, cm.hi, strict=True):
        while int(out[m].sum()) > hi:
            sole = {on[0] for on in ([j for j in o if out[j]] for o in options) if len(on) == 1}
            sole |= {int(j) for tm, need in cm.towns if int(out[tm].sum()) <= need
                     for j in tm}
            drop = [int(j) for j in m[out[m]] if int(j) not in sole]
            if not drop:
                break
            out[min(drop, key=lambda j: (value[j], j))] = False
        if int(out[m].sum()) < lo:
            rest = m[~out[m]]
            out[rest[np.lexsort((rest, -value[rest]))][: lo - int(out[m].sum())]] = True
    if all(lo <= out[m].sum() <= hi for m, lo, hi in zip(cm.members, cm.lo, cm.hi,
                                                         strict=True)):
        return out
    return _cover_model(inst, units, cm, value, options, out)


def _cover_model(inst: Instance, units: Units, cm: ChooseModel, value: np.ndarray,
                 options: dict[tuple[int, ...], int], hint: np.ndarray) -> np.ndarray:
    """The most valuable open set (by `value`) within the ranges covering every needy
    option set, from the greedy attempt `hint`; ScenarioError when none exists."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    y = {int(j): m.new_bool_var(f"y{j}") for j in np.flatnonzero(cm.is_cand)}
    for j, v in y.items():  # a complete hint (it may break a range: CP-SAT repairs it)
        m.add_hint(v, bool(hint[j]))
    for opts in options:
        m.add_bool_or([y[j] for j in opts])
    for mem, lo, hi in zip(cm.members, cm.lo, cm.hi, strict=True):
        m.add_linear_constraint(sum(y[int(j)] for j in mem), int(lo), int(hi))
    short = []  # rule township_boarding_schools, as far as the ranges allow
    for k, (mem, need) in enumerate(cm.towns):
        s_k = m.new_int_var(0, int(need), f"town_short_{k}")
        m.add(sum(y[int(j)] for j in mem) + s_k >= int(need))
        short.append(s_k)
    scale = max(1, int(np.abs(value[cm.is_cand]).max(initial=1)) // 10**6 + 1)
    m.maximize(sum(int(value[j]) // scale * v for j, v in y.items()) - 10**8 * sum(short))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10.0
    solver.parameters.num_workers = 8
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bad = [k for k, mem in enumerate(cm.members) if any(set(o) & set(mem.tolist())
                                                            for o in options)] or [0]
        spec = cm.specs[bad[0]]
        blocks = sorted({inst.block_ids[units.block[u]] for u in options.values()})[:5]
        raise ScenarioError([Finding(
            severity="error", code="layout", record=spec.label,
            field="keep" if spec.keep is not None else "close_at_most",
            message=f"{spec.rule_text()} cannot give every block a school within the day "
                    f"radius for its young pupils (rule young_beyond_day_radius, strict), e.g. "
                    f"{', '.join(blocks)}: keep more candidates")])
    out = ~cm.is_cand.copy()
    for j, v in y.items():
        out[j] = bool(solver.value(v))
    return out


def check_choose_cover(inst: Instance, units: Units, layout: Layout) -> list[Finding]:
    """Findings (errors naming the operation) when some `choose` range cannot give every
    block a school within the day radius for its young pupils; [] otherwise or without
    `choose` operations. What `allocator validate` reports before any solve."""
    if not layout.choose:
        return []
    cm = build_choose_model(inst, layout)
    zero = np.zeros(inst.n_schools, dtype=np.int64)
    try:
        repair_cover(inst, units, cm, open_by_value(cm, zero), zero,
                     needy_units(inst, units, cm))
    except ScenarioError as exc:
        return exc.findings
    return []
