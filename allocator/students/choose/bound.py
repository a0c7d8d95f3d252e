"""A lower bound for `choose` solves: Lagrangian relaxation of "each unit attends one school".

Problem: minimise sum_a c_a x_a + penalties + sum_j f_j open_j over plans with one arc per
unit, x_a <= open[school of a], capacities per school, and each `choose` operation's range
on how many of its candidates are open (non-candidates are always open).

Relax "each unit attends exactly one school" with a price mu_u per pupil (any sign). For
fixed mu the problem splits by school: school j, if open, takes any pupils it likes at
reduced cost per pupil r_a = c_a / pupils - mu_u, within its capacities (elastic mode: beyond
them at the cheapest per-pupil penalty any integer plan pays, as in `bounds`). Letting those
pupils be fractional and the penalties be that lower envelope can only lower each school's
value H_j(mu) <= 0, so
    L(mu) = sum_u pupils_u mu_u + sum_{j not a candidate} H_j
            + min over open sets in the ranges of sum_{j candidate open} (f_j + H_j)
is a lower bound on the optimum for every mu (weak duality). The last term is exact: per
operation the `lo` smallest f_j + H_j and then any negative ones up to `hi`. All school
values come from one min-cost flow (schools share only the source and sink, so its optimum
is every school's optimum). Arc costs are floored to whole units per pupil (never above the
true cost), so the bound stays valid.

Validity for the unpruned problem: every admissible (unit, school) pair is priced, not only
candidate arcs. On very large instances only each unit's `K` cheapest pairs are kept and
mu_u is capped at the cost of the last kept one; a dropped pair then has r_a >= 0 and could
not lower any H_j, so the bound still holds. The same holds for non-integer mu rounding:
any mu gives a valid bound.

mu starts at the flow relaxation's per-pupil unit values (with all candidates open the bound
is then close to the flow bound) and follows Polyak subgradient steps towards a known plan's
cost; the best L seen is returned, and 0 <= gap claims rest on it only through `solve`.
Compared with "flow bound with all candidates open plus the cheapest admissible fixed costs"
(always computed too, the larger is reported), it charges closures: a unit whose nearby
candidates are closed must pay for the longer trip.

Planning rules: a pair's cost per pupil includes the young pupils' penalty beyond the day
radius and the group-intake penalty (`arc_rules.arc_costs`), and a pair taking young pupils
beyond the radius is a day pair (its older boarders skip the bed capacity): a relaxation of
the plan's bed use, so L(mu) stays a lower bound. Township boarding constraints on the open
set (`townships`) only remove open sets, which cannot lower the optimum: the bound holds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from allocator.students.arc_rules import arc_costs, cross_group_mask
from allocator.students.arcs import Units, eligible_schools, unit_groups
from allocator.students.instance import Instance
from allocator.students.invest import rule_prices

from .model import ChooseModel

NO_CAP = np.iinfo(np.int64).max // 8


@dataclass
class PairTable:
    """Admissible (unit, school) pairs with integer cost per pupil and boarding flag."""

    unit: np.ndarray
    school: np.ndarray
    per: np.ndarray
    board: np.ndarray
    mu_cap: np.ndarray  # (U,) highest price a unit may take (NO_CAP: every pair kept)


@dataclass
class LagrangeResult:
    bound: int  # valid lower bound, objective units
    value: np.ndarray  # (n,) -(f_j + H_j) at the best prices: worth of keeping j open
    iterations: int
    seconds: float
    mu: np.ndarray | None = None  # (U,) per-pupil prices of the best L (None: no step ran)


def price_pairs(inst: Instance, units: Units, max_pairs: int = 4_000_000,
                chunk: int = 1024) -> PairTable:
    """Every admissible pair of every unit (or its cheapest K when there would be more
    than `max_pairs`), with cost per pupil floored, as the assignment model charges."""
    us, ss, ps, bs = [], [], [], []
    mu_cap = np.full(len(units), NO_CAP, dtype=np.int64)
    k_max = max(16, max_pairs // max(len(units), 1))
    for _, members in unit_groups(units).items():
        elig = eligible_schools(inst, units.grades[members[0]])
        if len(elig) == 0:
            continue
        grades = np.flatnonzero(units.grades[members[0]])
        for lo in range(0, len(members), chunk):
            m = members[lo: lo + chunk]
            km = inst.distance.dense(units.block[m], elig)
            cur = inst.current[units.block[m]]
            moved = np.zeros(km.shape, dtype=np.int64)
            for g in grades:
                c = cur[:, g][:, None]
                moved += np.where((c != -1) & (c != elig[None, :]), units.pupils[m, g][:, None],
                                  0)
            p = units.total[m][:, None]
            young = units.young[m][:, None]
            per = arc_costs(inst, units, m[:, None], elig[None, :], km, moved) // np.maximum(
                p, 1)
            board = km > units.radius[m][:, None] + 1e-9
            far = board & (young > 0)  # soft day radius: a day pair (see flow_bound)
            board = board & ~far
            if not units.soft:  # strict: group intake is hard too
                far = far | cross_group_mask(inst, units, m[:, None], elig[None, :])
            bad = (far & (not units.soft)) | (
                (units.locked[m][:, None] >= 0) & (elig[None, :] != units.locked[m][:, None]))
            per = np.where(bad, NO_CAP, per)
            if len(elig) > k_max:
                idx = np.argpartition(per, k_max - 1, axis=1)[:, :k_max]
                kept = np.take_along_axis(per, idx, axis=1)
                mu_cap[m] = np.where(kept < NO_CAP, kept, -1).max(axis=1)
                per, board = kept, np.take_along_axis(board, idx, axis=1)
                sch = elig[idx]
            else:
                sch = np.broadcast_to(elig[None, :], per.shape)
            ok = per < NO_CAP
            us.append(np.broadcast_to(m[:, None], per.shape)[ok])
            ss.append(sch[ok])
            ps.append(per[ok])
            bs.append(board[ok])
    def cat(xs: list[np.ndarray], t: type) -> np.ndarray:
        return np.concatenate(xs).astype(t) if xs else np.zeros(0, t)

    return PairTable(unit=cat(us, np.int64), school=cat(ss, np.int64), per=cat(ps, np.int64),
                     board=cat(bs, bool), mu_cap=mu_cap)


@dataclass
class _Schools:
    """The capacity network of every school: nodes 2 + 5j .. 6 + 5j (L0, L1, Bed, R, S),
    source 0, sink 1; arcs with the school they belong to."""

    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    cost: np.ndarray
    school: np.ndarray
    nodes: int


def school_network(inst: Instance, elastic: bool, big: int) -> _Schools:
    """Per school: day pupils enter L(level), boarders Bed; rooms x class cap per level,
    beds, shared rooms and the size cap, each overflowing (elastic mode) at the least
    per-pupil penalty an integer plan pays for it. Where two levels share classrooms a
    level's overflow goes straight to S, so no pupil pays twice for the same missing room
    (pupils beyond a level's rooms pay >= its per-pupil room penalty; the shared arc charges
    only what fits each level yet not the rooms together; both are implied by
    classes >= P_primary / 45 + P_junior / 50)."""
    pen = rule_prices(inst)
    cap = inst.class_cap
    lvl_cap = np.array([cap[0], cap[6]], dtype=np.int64)
    room_pen = [min(pen["class_size_cap"], pen["classrooms"] // int(c)) for c in lvl_cap]
    serves = np.column_stack([inst.serves[:, :6].any(axis=1), inst.serves[:, 6:].any(axis=1)])
    rows: list[tuple[int, int, int, int, int]] = []
    for j in range(inst.n_schools):
        L, Bed, R, S = 2 + 5 * j, 4 + 5 * j, 5 + 5 * j, 6 + 5 * j

        def add(t: int, h: int, c: int, over: int | None, j: int = j) -> None:
            rows.append((t, h, max(0, int(c)), 0, j))
            if elastic and over is not None:
                rows.append((t, h, big, int(over), j))

        levels = [lv for lv in (0, 1) if serves[j, lv]]
        shared = inst.rooms_level[j, 0] < 0
        both = shared and len(levels) == 2  # a level's overflow skips the shared R -> S arc
        for lv in levels:
            rooms = inst.rooms[j] if shared else inst.rooms_level[j, lv]
            add(L + lv, R, rooms * lvl_cap[lv], None if both else room_pen[lv])
            if both and elastic:
                rows.append((L + lv, S, big, int(room_pen[lv]), j))
        add(Bed, L + levels[0] if len(levels) == 1 else R, inst.beds[j], pen["boarding_beds"])
        if shared and len(levels) == 2:
            add(R, S, inst.rooms[j] * lvl_cap.max(), min(room_pen))
        else:
            add(R, S, big, None)
        add(S, 1, inst.size_cap[j], pen["school_size_cap"])
    a = np.array(rows, dtype=np.int64).reshape(-1, 5)
    return _Schools(a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 4], 2 + 5 * inst.n_schools)


def cheapest_open(cm: ChooseModel, v: np.ndarray) -> np.ndarray:
    """The open set (n bool) minimising the sum of `v` over its candidates within each
    operation's range: per operation its `lo` smallest terms, then any further negative ones
    up to `hi`; non-candidates always open. Township requirements are left out (dropping a
    constraint can only lower the minimum, so a bound built on it stays valid)."""
    keep = ~cm.is_cand.copy()
    for m, lo, hi in zip(cm.members, cm.lo, cm.hi, strict=True):
        order = m[np.lexsort((m, v[m]))]
        take = int(lo) + int((v[order[lo:hi]] < 0).sum())
        keep[order[:take]] = True
    return keep


def evaluate(inst: Instance, units: Units, pairs: PairTable, net: _Schools, cm: ChooseModel,
             mu: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """L(mu) (exact integer), the school values f_j + H_j (n,), and pupils of each unit
    placed at the schools the bound keeps open (U,)."""
    r = pairs.per - mu[pairs.unit]
    neg = np.flatnonzero(r < 0)
    pu = units.total[pairs.unit[neg]]
    lv = units.level[pairs.unit[neg]]
    head = np.where(pairs.board[neg], 4 + 5 * pairs.school[neg], 2 + 5 * pairs.school[neg] + lv)
    total = int(pu.sum())
    tail = np.concatenate([np.zeros(len(neg), np.int64), net.tail, [0]])
    heads = np.concatenate([head, net.head, [1]])
    caps = np.concatenate([pu, np.minimum(net.cap, total), [total]])
    costs = np.concatenate([r[neg], net.cost, [0]])
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(tail, heads, caps, costs)
    supply = np.zeros(net.nodes, dtype=np.int64)
    supply[0], supply[1] = total, -total
    mcf.set_nodes_supplies(np.arange(net.nodes), supply)
    if mcf.solve() != mcf.OPTIMAL:
        raise RuntimeError("Lagrangian subproblem flow failed")
    flow = mcf.flows(np.arange(len(tail)))
    fp = flow[: len(neg)]
    fn = flow[len(neg): len(neg) + len(net.tail)]
    n = inst.n_schools
    H = (np.bincount(pairs.school[neg], weights=r[neg] * fp, minlength=n)
         + np.bincount(net.school, weights=net.cost * fn, minlength=n)).round().astype(np.int64)
    v = cm.fc + H
    keep = cheapest_open(cm, v)
    value = int((units.total * mu).sum()) + int(v[keep].sum())
    at_open = keep[pairs.school[neg]]
    placed = np.bincount(pairs.unit[neg][at_open], weights=fp[at_open],
                         minlength=len(units)).astype(np.int64)
    return value, v, placed


def lagrangian_bound(inst: Instance, units: Units, cm: ChooseModel, mu0: np.ndarray,
                     upper: int, strict: bool, time_limit: float, pairs: PairTable | None = None,
                     target_gap: float = 0.001, max_iter: int = 300,
                     patience: int = 6) -> LagrangeResult:
    """The best L(mu) found by subgradient steps from `mu0` (per-pupil prices) towards the
    plan cost `upper`, within `time_limit` seconds (see the module docstring)."""
    t0 = time.perf_counter()
    pairs = pairs if pairs is not None else price_pairs(inst, units)
    big = int(units.total.sum()) + 1
    net = school_network(inst, elastic=not strict, big=big)
    mu = np.minimum(np.asarray(mu0, dtype=np.int64), pairs.mu_cap)
    best, best_v = -(1 << 62), np.zeros(inst.n_schools, dtype=np.int64)
    best_mu = None
    theta, idle, it = 2.0, 0, 0
    while it < max_iter and time.perf_counter() - t0 < time_limit:
        it += 1
        value, v, placed = evaluate(inst, units, pairs, net, cm, mu)
        if value > best:
            best, best_v, best_mu, idle = value, v, mu, 0
        else:
            idle += 1
            if idle >= patience:
                theta, idle = theta / 2, 0
        if theta < 1e-3 or upper - best <= target_gap * max(abs(upper), 1):
            break
        g = (units.total - placed).astype(float)
        norm = float((g * g).sum())
        if norm == 0:
            break  # every unit placed exactly once at open schools: L is optimal
        step = theta * max(upper - value, 0.01 * max(abs(upper), 1)) / norm
        mu = np.minimum(np.rint(mu + step * g).astype(np.int64), pairs.mu_cap)
    bound = math.ceil(best - 1e-9 * max(abs(best), 1)) if best > -(1 << 62) else -(1 << 62)
    return LagrangeResult(bound=int(bound), value=-best_v, iterations=it,
                          seconds=round(time.perf_counter() - t0, 3), mu=best_mu)
