"""The peers' models: GAP / p-median and the county student model, each as one MILP.

Plain textbook formulations with no bound, no hint and no reduction beyond the candidate arcs
(dense, or each job's k cheapest agents for large p-median instances; for counties the same
k-nearest candidate arcs the planner starts from). Objectives equal the engine's, so values
compare directly; every peer plan is re-costed independently before it is reported.
"""

from __future__ import annotations

import numpy as np

from allocator.engine import AssignmentProblem
from allocator.engine.problem import integer_costs
from allocator.rules.classes import binding_room_groups

from .mip import INF, Milp, MilpBuilder

DENSE_ARCS = 20_000  # p-median peers get every arc up to this many
PEER_K = 50  # beyond, each point's 50 nearest sites


def peer_arcs(p: AssignmentProblem) -> tuple[np.ndarray, str]:
    """(m, n) bool arcs the peers get, and how they were chosen (for the table)."""
    allowed = p.allowed_mask()
    if allowed.sum() <= DENSE_ARCS or p.m <= PEER_K:
        return allowed, "dense"
    c = np.where(allowed, np.asarray(p.cost, dtype=float), np.inf)
    idx = np.argpartition(c, PEER_K - 1, axis=0)[:PEER_K]
    out = np.zeros_like(allowed)
    out[idx, np.broadcast_to(np.arange(p.n), idx.shape)] = True
    return out & allowed, f"{PEER_K} nearest"


def assignment_milp(p: AssignmentProblem, arcs: np.ndarray) -> Milp:
    """x_ij binary per arc; each job once; weight within capacity (x capacity y_i for
    facilities, with x_ij <= y_i, sum y = open_count, an open agent serves a job)."""
    ic = integer_costs(p)
    b = MilpBuilder()
    jj, ii = np.nonzero(arcs.T)  # sorted by job
    cost = np.asarray(p.cost, dtype=float)
    x = b.add_vars(cost[ii, jj], ic.cost[ii, jj], 0.0, 1.0, True)
    fac = p.has_facilities
    if fac:
        fixed = (np.zeros(p.m) if p.fixed_cost is None else np.asarray(p.fixed_cost, float))
        y = b.add_vars(fixed, ic.fixed, 0.0, 1.0, True)
    starts = np.searchsorted(jj, np.arange(p.n + 1))
    for j in range(p.n):
        b.add_row(x[starts[j]: starts[j + 1]], 1.0, 1.0, 1.0)
    order = np.argsort(ii, kind="stable")
    a_starts = np.searchsorted(ii[order], np.arange(p.m + 1))
    w = np.asarray(p.weight)[ii, jj].astype(float)
    for i in range(p.m):
        idx = order[a_starts[i]: a_starts[i + 1]]
        if fac:
            b.add_row(np.r_[x[idx], y[i]], np.r_[w[idx], -float(p.capacity[i])], -INF, 0.0)
            b.add_row(np.r_[x[idx], y[i]], np.r_[np.ones(len(idx)), -1.0], 0.0, INF)
        elif w[idx].sum() > p.capacity[i]:
            b.add_row(x[idx], w[idx], -INF, float(p.capacity[i]))
    if fac:
        for a in range(len(x)):
            b.add_row([x[a], y[ii[a]]], [1.0, -1.0], -INF, 0.0)
        if p.open_count is not None:
            b.add_row(y, 1.0, float(p.open_count), float(p.open_count))
    return b.build(p.name, jj, ii, ic.scale)


def county_milp(inst, units, arcs, pen: dict[str, int], elastic: bool = True) -> Milp:
    """The planner's student model (allocator.students) as a MILP over the same arcs: one
    school per unit, segment links, whole classes per grade within caps and rooms, size cap
    and beds; in elastic mode each rule has a slack priced by the policy penalty. Costs are
    the engine's integer objective units."""
    b = MilpBuilder()
    x = b.add_vars(arcs.cost, arcs.cost, 0.0, 1.0, True)
    start = arcs.start(len(units))
    for u in range(len(units)):
        b.add_row(x[start[u]: start[u + 1]], 1.0, 1.0, 1.0)
    for lo, hi in units.links:
        hi_at = {int(arcs.school[a]): a for a in range(start[hi], start[hi + 1])}
        for a in range(start[lo], start[lo + 1]):
            j = int(arcs.school[a])
            if np.all(inst.serves[j, units.grades[hi]]):
                b.add_row([x[a], x[hi_at[j]]], [1.0, -1.0], -INF, 0.0)

    def slack(ub: float, penalty: int):
        return b.add_vars([penalty], [penalty], 0.0, ub, True)[0]

    order = np.argsort(arcs.school, kind="stable")
    s_starts = np.searchsorted(arcs.school[order], np.arange(inst.n_schools + 1))
    cap = inst.class_cap
    for j in range(inst.n_schools):
        idx = order[s_starts[j]: s_starts[j + 1]]
        if len(idx) == 0:
            continue
        pu = units.pupils[arcs.unit[idx]]
        max_p = pu.sum(axis=0)
        for _, grades, rooms, need_max in binding_room_groups(int(inst.rooms[j]),
                                                              inst.rooms_level[j], max_p, cap):
            classes = []
            for g in grades:
                ub = -(-int(max_p[g]) // int(cap[g]))
                c = b.add_vars([0.0], [0], 0.0, float(ub), True)[0]
                nz = np.flatnonzero(pu[:, g])
                cols, vals = list(x[idx[nz]]), list(pu[nz, g].astype(float))
                if elastic:
                    over = slack(float(max_p[g]), pen["class_size_cap"])
                    b.add_row(cols + [c, over], vals + [-float(cap[g]), -1.0], -INF, 0.0)
                    b.add_row(cols + [c], vals + [-float(max_p[g])], -INF, 0.0)
                else:
                    b.add_row(cols + [c], vals + [-float(cap[g])], -INF, 0.0)
                classes.append(c)
            if elastic:
                extra = slack(float(need_max), pen["classrooms"])
                b.add_row(classes + [extra], [1.0] * len(classes) + [-1.0], -INF, float(rooms))
            else:
                b.add_row(classes, 1.0, -INF, float(rooms))
        tot = units.total[arcs.unit[idx]].astype(float)
        size_cap = float(inst.size_cap[j])
        if tot.sum() > size_cap:
            if elastic:
                z = slack(float(tot.sum()), pen["school_size_cap"])
                b.add_row(np.r_[x[idx], z], np.r_[tot, -1.0], -INF, size_cap)
            else:
                b.add_row(x[idx], tot, -INF, size_cap)
        bd = arcs.boarders[idx].astype(float)  # young pupils beyond the radius never board
        board = bd > 0
        if board.any() and bd.sum() > inst.beds[j]:
            bi = idx[board]
            if elastic:
                d = slack(float(bd.sum()), pen["boarding_beds"])
                b.add_row(np.r_[x[bi], d], np.r_[bd[board], -1.0], -INF, float(inst.beds[j]))
            else:
                b.add_row(x[bi], bd[board], -INF, float(inst.beds[j]))
    return b.build(inst.scenario.name, arcs.unit, arcs.school, 1)
