"""A greedy rotation: the warm start (complete hint) of the CP-SAT rotation model.

Starting from no move (or from a rounded LP solution, repaired), it repeatedly makes the
candidate move that most lowers the lexicographic objective (tier-1 shortfall first, then
balance and distance) among the moves every hard rule allows, and stops when no move
lowers it. Every hard rule holds after each
move, so the result is a feasible rotation of the elastic model. With one-for-one exchanges
it moves nothing (an exchange needs two moves at once; CP-SAT finds them).
"""

from __future__ import annotations

import numpy as np

from allocator.rules.rotation_objective import UNITS, county_mean

from .roster import Roster

TIER = 1 << 40  # one unit of tier 1 outweighs any tier-2/3 change of a single move


def _ceil_div(a: np.ndarray, b: int) -> np.ndarray:
    return -(-a // b)


class _State:
    def __init__(self, ro: Roster):
        self.ro = ro
        self.n = ro.n0.copy()
        self.b = ro.b0.copy()
        self.s = ro.s0.copy()
        self.ns = ro.ns0.copy()
        self.sent = np.zeros(ro.n_schools, dtype=np.int64)
        self.out_n = np.zeros(ro.n_schools, dtype=np.int64)  # junior teachers sent
        self.out_s = np.zeros(ro.n_schools, dtype=np.int64)  # junior seniors sent
        self.used = np.zeros(ro.n_groups, dtype=np.int64)
        self.rotating = 0
        self.backbone = 0
        d, p = ro.demand, ro.policy
        self.lb_n = np.minimum(ro.n0, d.teachers)
        self.lb_ns = np.minimum(ro.ns0, d.subjects)
        need = np.zeros_like(ro.s0)
        need[:, 0] = np.where(ro.senior_rule[:, 0], p.staffing.senior_min_primary, 0)
        self.need_s = need
        self.lb_s = np.minimum(ro.s0, need)
        num, den = ro.senior_num, ro.senior_den
        self.short_j0 = np.maximum(0, _ceil_div(num * ro.n0[:, 1], den) - ro.s0[:, 1])
        w = p.rotation.weights.balance
        self.scale = UNITS * w
        self.means = [[county_mean(int(x[:, lv].sum()), int(d.pupils[:, lv].sum()))
                       for lv in (0, 1)] for x in (ro.b0, ro.s0)]


def _short(have: np.ndarray, need: np.ndarray) -> np.ndarray:
    return np.maximum(0, need - have)


def _step(st: _State, ind: int, s: np.ndarray, lv: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Balance units of going from x to x + 1 teachers of indicator `ind` (0 without pupils)."""
    p = st.ro.demand.pupils[s, lv]
    m = np.where(lv == 0, st.means[ind][0], st.means[ind][1])
    raw = st.scale * (1e4 * (2 * x + 1) - 200.0 * m * p) / np.maximum(p, 1)
    return np.where(p > 0, np.rint(raw), 0).astype(np.int64)


def score_moves(st: _State, g: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(feasible, objective change) of one more move along each arc (g -> j)."""
    ro, pol = st.ro, st.ro.policy
    pen = pol.rotation.penalties
    s, lv, key = ro.groups.school[g], ro.groups.level[g], ro.groups.key[g]
    bb, sen = ro.groups.backbone[g].astype(np.int64), ro.groups.senior[g].astype(np.int64)
    d = ro.demand
    ok = (st.used[g] < ro.groups.size[g]) & (st.sent[s] < ro.send_cap[s])
    ok &= st.n[s, lv] - 1 >= st.lb_n[s, lv]
    ok &= st.s[s, lv] - sen >= st.lb_s[s, lv]
    t1 = pen.staffing_ratio * (_short(st.n[j, lv] + 1, d.teachers[j, lv])
                               - _short(st.n[j, lv], d.teachers[j, lv])
                               + _short(st.n[s, lv] - 1, d.teachers[s, lv])
                               - _short(st.n[s, lv], d.teachers[s, lv]))
    if st.ns.shape[1]:
        k = np.maximum(key, 0)
        has = key >= 0
        ok &= ~has | (st.ns[s, k] - 1 >= st.lb_ns[s, k])
        dk = d.subjects
        t1 += pen.staffing_ratio * has * (_short(st.ns[j, k] + 1, dk[j, k])
                                          - _short(st.ns[j, k], dk[j, k])
                                          + _short(st.ns[s, k] - 1, dk[s, k])
                                          - _short(st.ns[s, k], dk[s, k]))
    t1 += pen.senior_title * (_short(st.s[j, lv] + sen, st.need_s[j, lv])
                              - _short(st.s[j, lv], st.need_s[j, lv])
                              + _short(st.s[s, lv] - sen, st.need_s[s, lv])
                              - _short(st.s[s, lv], st.need_s[s, lv]))
    num, den = ro.senior_num, ro.senior_den
    for x, dn, ds in ((j, 1, sen), (s, -1, -sen)):  # junior senior share at both ends
        rule = ro.senior_rule[x, 1] & (lv == 1)
        n_new, s_new = st.n[x, 1] + dn, st.s[x, 1] + ds
        short_new = np.maximum(0, _ceil_div(num * n_new, den) - s_new)
        short_old = np.maximum(0, _ceil_div(num * st.n[x, 1], den) - st.s[x, 1])
        t1 += pen.senior_title * rule * (short_new - short_old)
    # hard: counting departures only, the sender's senior share does not get worse
    rule = ro.senior_rule[s, 1] & (lv == 1)
    left_n = ro.n0[s, 1] - st.out_n[s] - 1
    left_s = ro.s0[s, 1] - st.out_s[s] - sen
    ok &= ~rule | (_ceil_div(num * left_n, den) - left_s <= st.short_j0[s])
    t1 -= pen.rotation_quota * (st.rotating < ro.quota)
    t1 -= pen.rotation_quota * (st.sent[s] < ro.school_quota[s])
    if pol.rotation.backbone_basis == "rotating":
        bnum, bden = ro.backbone_num, ro.backbone_den
        old = max(0, -(-bnum * st.rotating // bden) - st.backbone)
        new = np.maximum(0, -(-bnum * (st.rotating + 1) // bden) - (st.backbone + bb))
        t1 += pen.rotation_backbone_share * (new - old)
    else:
        t1 -= pen.rotation_backbone_share * bb * (st.backbone < ro.backbone_quota)
    t2 = ro.cost[g, j].astype(np.int64)
    for ind, attr, x in ((0, bb, st.b), (1, sen, st.s)):
        t2 += attr * (_step(st, ind, j, lv, x[j, lv]) - _step(st, ind, s, lv, x[s, lv] - 1))
    return ok, t1.astype(np.int64) * TIER + t2


def greedy_rotation(ro: Roster, arc_g: np.ndarray, arc_j: np.ndarray,
                    start: np.ndarray | None = None, max_moves: int | None = None
                    ) -> np.ndarray:
    """Moves per candidate arc (same order as arc_g / arc_j) of the greedy rotation, from
    no move or from `start` (moves per arc, first made feasible by `repair`)."""
    counts = np.zeros(len(arc_g), dtype=np.int64)
    if ro.policy.rotation.one_for_one or len(arc_g) == 0:
        return counts
    st = _State(ro)
    if start is not None:
        counts = repair(st, arc_g, arc_j, np.asarray(start, dtype=np.int64).copy())
    limit = int(ro.send_cap[ro.sending].sum()) if max_moves is None else max_moves
    for _ in range(limit - int(counts.sum())):
        ok, delta = score_moves(st, arc_g, arc_j)
        delta = np.where(ok, delta, 0)
        best = int(np.argmin(delta))
        if delta[best] >= 0:
            break
        counts[best] += 1
        apply_move(st, int(arc_g[best]), int(arc_j[best]))
    return counts


def repair(st: _State, arc_g: np.ndarray, arc_j: np.ndarray, counts: np.ndarray
           ) -> np.ndarray:
    """Make `counts` a rotation every hard rule allows by taking moves back, the longest
    first, where a rule breaks; `st` ends in the repaired state."""
    ro = st.ro
    for a in np.flatnonzero(counts):
        for _ in range(int(counts[a])):
            apply_move(st, int(arc_g[a]), int(arc_j[a]))
    gs, lvl = ro.groups.school[arc_g], ro.groups.level[arc_g]
    key, sen = ro.groups.key[arc_g], ro.groups.senior[arc_g]
    num, den = ro.senior_num, ro.senior_den
    while True:
        live = counts > 0
        bad = np.zeros(len(counts), dtype=bool)
        bad |= st.used[arc_g] > ro.groups.size[arc_g]
        bad |= st.sent[gs] > ro.send_cap[gs]
        bad |= st.n[gs, lvl] < st.lb_n[gs, lvl]
        bad |= st.s[gs, lvl] < st.lb_s[gs, lvl]
        if st.ns.shape[1]:
            k = np.maximum(key, 0)
            bad |= (key >= 0) & (st.ns[gs, k] < st.lb_ns[gs, k])
        left = -(-num * (ro.n0[:, 1] - st.out_n) // den) - (ro.s0[:, 1] - st.out_s)
        over = ro.senior_rule[:, 1] & (left > st.short_j0)
        bad |= (lvl == 1) & over[gs] & sen
        bad &= live
        if not bad.any():
            return counts
        a = int(np.flatnonzero(bad)[np.argmax(ro.cost[arc_g[bad], arc_j[bad]])])
        counts[a] -= 1
        undo_move(st, int(arc_g[a]), int(arc_j[a]))


def undo_move(st: _State, g: int, j: int) -> None:
    """Take back one move of a teacher of group g to school j."""
    apply_move(st, g, j, -1)


def apply_move(st: _State, g: int, j: int, sign: int = 1) -> None:
    """Update the state by one teacher of group g moving to school j (sign -1: back)."""
    ro = st.ro
    s, lv, key = int(ro.groups.school[g]), int(ro.groups.level[g]), int(ro.groups.key[g])
    bb, sen = sign * int(ro.groups.backbone[g]), sign * int(ro.groups.senior[g])
    st.used[g] += sign
    st.sent[s] += sign
    st.n[s, lv] -= sign
    st.n[j, lv] += sign
    if key >= 0:
        st.ns[s, key] -= sign
        st.ns[j, key] += sign
    st.b[s, lv] -= bb
    st.b[j, lv] += bb
    st.s[s, lv] -= sen
    st.s[j, lv] += sen
    st.rotating += sign
    st.backbone += bb
    if lv == 1:
        st.out_n[s] += sign
        st.out_s[s] += sen
