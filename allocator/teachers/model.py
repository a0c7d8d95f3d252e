"""The rotation model as plain arrays, shared by the CP-SAT model and its LP relaxation.

Columns: one integer count per candidate arc (group g -> school j, at most the group's
size), auxiliary counts after the rotation per school and level (teachers N, backbone B,
senior title S) and per table subject (NS), one balance term z per school, level and
indicator, and one shortfall (slack) per elastic rule instance. Rows are `<=` or `==`.

Hard rows (every rotation, also no rotation at all, satisfies them): group sizes, rule
rotation_sending_share (`send_cap`), the aux equalities, "do no harm" bounds (a rotation
never takes a school below its staffing demand or its senior-title requirement, nor further
below where it already is: aux lower bounds and the junior senior row), rule
rotation_exchange; a junior school's senior-title share counting only the teachers it sends.
Elastic rows carry a slack whose tier-1 cost is the rule's penalty:
staffing_ratio (per school and level, per table subject), senior_title, rotation_quota
(county, per sending school), rotation_backbone_share. Balance rows: z >= the secant of the
school's convex balance term through consecutive integers of a *window* of counts; outside
the window the rows underestimate the term, so the model is a relaxation whose value is
exact whenever every count lies in its window (`outside_windows`). Indicator index 0 is
backbone (aux B), 1 senior title (aux S), as in `rotation_objective.INDICATORS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from allocator.rules.rotation_objective import balance_units, county_mean

from .roster import Roster

ARC, AUX, Z, SLACK = 0, 1, 2, 3
LE, EQ = 0, 1
BIG = 1 << 40


@dataclass
class Slack:
    """What one slack column measures: rule, school index (-1 county), level, table key."""

    rule: str
    school: int
    level: int
    key: int = -1


@dataclass
class RotationModel:
    """The model's arrays (integer), arcs first, and the maps that name its rows and
    columns (for pricing, hints and windows)."""

    lb: np.ndarray
    ub: np.ndarray
    cost1: np.ndarray  # tier 1: weighted shortfalls
    cost2: np.ndarray  # tiers 2-3: balance, distance, involuntary
    kind: np.ndarray
    matrix: sparse.csr_matrix  # rows x columns
    rhs: np.ndarray
    sense: np.ndarray
    arc_g: np.ndarray  # arcs are columns 0..len(arc_g)-1
    arc_j: np.ndarray
    rows: dict  # row maps for pricing: name -> index array (-1: no row)
    aux: dict  # (name, school, level or key) -> column
    z_cols: dict  # (school, level, indicator) -> column
    windows: dict  # (school, level, indicator) -> (lo, hi)
    slacks: dict  # column -> Slack
    t1_row: int  # -1 when tier 1 is not capped

    @property
    def n_cols(self) -> int:
        return len(self.lb)


class _Builder:
    def __init__(self) -> None:
        self.lb: list[int] = []
        self.ub: list[int] = []
        self.c1: list[int] = []
        self.c2: list[int] = []
        self.kind: list[int] = []
        self.rhs: list[int] = []
        self.sense: list[int] = []
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []

    def col(self, lb: int, ub: int, kind: int, c1: int = 0, c2: int = 0) -> int:
        self.lb.append(int(lb))
        self.ub.append(int(ub))
        self.kind.append(kind)
        self.c1.append(int(c1))
        self.c2.append(int(c2))
        return len(self.lb) - 1

    def row(self, cols, vals, rhs: int, sense: int = LE) -> int:
        self.rhs.append(int(rhs))
        self.sense.append(sense)
        i = len(self.rhs) - 1
        cols = np.asarray(cols, dtype=np.int64)
        self.r.append(np.full(len(cols), i, dtype=np.int64))
        self.c.append(cols)
        self.v.append(np.broadcast_to(np.asarray(vals, dtype=np.int64), cols.shape).copy())
        return i

    def rows_block(self, rhs: np.ndarray, local_rows: np.ndarray, cols: np.ndarray,
                   vals: np.ndarray) -> np.ndarray:
        """Many `<=` rows at once: entries name their row by its position in `rhs`."""
        first = len(self.rhs)
        self.rhs.extend(int(x) for x in rhs)
        self.sense.extend([LE] * len(rhs))
        self.entries(first + np.asarray(local_rows), cols, vals)
        return first + np.arange(len(rhs))

    def entries(self, rows, cols, vals) -> None:
        self.r.append(np.asarray(rows, dtype=np.int64))
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.asarray(vals, dtype=np.int64))


def initial_windows(ro: Roster) -> dict:
    """Count windows of the balance rows: from the lowest count a school can fall to, up
    to a few teachers above the larger of today's count and the balanced count."""
    out = {}
    reach_in = {}
    for ind, attr in enumerate((ro.g_backbone, ro.g_senior)):
        for lv in (0, 1):
            sel = attr & (ro.g_level == lv)
            reach_in[(lv, ind)] = (ro.g_size[sel][:, None] * ro.admissible[sel]).sum(axis=0)
    for (s, lv, ind), x0, target in balance_targets(ro):
        members = (ro.g_school == s) & (ro.g_level == lv) & (
            ro.g_backbone if ind == 0 else ro.g_senior)
        out_max = min(int(ro.g_size[members].sum()), int(ro.send_cap[s]))
        lo = max(0, x0 - out_max)
        hi = min(x0 + int(reach_in[(lv, ind)][s]), max(x0, int(np.ceil(target))) + 3)
        out[(s, lv, ind)] = (lo, max(hi, lo + 1))
    return out


def balance_targets(ro: Roster):
    """((school, level, indicator), count before, balanced count) for every school and level
    with pupils, when the balance weight is positive."""
    if ro.policy.rotation.weights.balance <= 0:
        return []
    out = []
    for ind, before in enumerate((ro.b0, ro.s0)):
        for lv in (0, 1):
            p = ro.demand.pupils[:, lv]
            m = county_mean(int(before[:, lv].sum()), int(p.sum()))
            for s in np.flatnonzero(p > 0):
                out.append(((int(s), lv, ind), int(before[s, lv]), m * p[s] / 100.0))
    return out


def arc_entries(ro: Roster, rows: dict, g: np.ndarray, j: np.ndarray):
    """(position, row, value) of the matrix entries of arcs (g[i] -> j[i]) in the rows
    `rows` maps (exchange rows excepted); the same for building and for pricing."""
    s, lv, key = ro.g_school[g], ro.g_level[g], ro.g_key[g]
    bb, sen = ro.g_backbone[g], ro.g_senior[g]
    pos = np.arange(len(g))
    parts = []

    def add(row_idx: np.ndarray, vals, mask=None) -> None:
        vals = np.broadcast_to(np.asarray(vals, dtype=np.int64), pos.shape)
        ok = row_idx >= 0 if mask is None else (row_idx >= 0) & mask
        parts.append((pos[ok], row_idx[ok], vals[ok]))

    add(rows["group"][g], 1)
    add(rows["cap"][s], 1)
    add(rows["n"][s, lv], 1)
    add(rows["n"][j, lv], -1)
    if rows["ns"].shape[1]:
        k = np.maximum(key, 0)
        add(rows["ns"][s, k], 1, key >= 0)
        add(rows["ns"][j, k], -1, key >= 0)
    add(rows["b"][s, lv], 1, bb)
    add(rows["b"][j, lv], -1, bb)
    add(rows["s"][s, lv], 1, sen)
    add(rows["s"][j, lv], -1, sen)
    add(rows["senior_out"][s], ro.senior_den * sen - ro.senior_num, lv == 1)
    add(np.full(len(g), rows["quota"]), -1)
    add(rows["school_quota"][s], -1)
    if ro.policy.rotation.backbone_basis == "rotating":
        add(np.full(len(g), rows["backbone"]), ro.backbone_num - ro.backbone_den * bb)
    else:
        add(np.full(len(g), rows["backbone"]), -1, bb)
    if not parts:
        return (np.zeros(0, np.int64),) * 3
    return tuple(np.concatenate(x) for x in zip(*parts, strict=True))


@dataclass
class _Base:
    """The part of the model that does not depend on the candidate arcs (local columns)."""

    lb: np.ndarray
    ub: np.ndarray
    c1: np.ndarray
    c2: np.ndarray
    kind: np.ndarray
    rhs: np.ndarray
    sense: np.ndarray
    r: np.ndarray
    c: np.ndarray
    v: np.ndarray
    rows: dict
    aux: dict
    slacks: dict
    z_cols: dict
    windows: dict
    t1_row: int


def build_model(ro: Roster, arc_g: np.ndarray, arc_j: np.ndarray, windows: dict,
                t1_cap: int | None = None, with_balance: bool = True) -> RotationModel:
    """The model over the candidate arcs (arc_g[i] -> arc_j[i]); with `t1_cap`, tier 1 is
    held at most at that value (phase 2); without balance rows for phase 1, whose
    objective does not see them. See the module docstring."""
    key = (tuple(sorted(windows.items())) if with_balance else None, t1_cap, with_balance)
    base = ro.cache.get(key)
    if base is None:
        if len(ro.cache) > 6:
            ro.cache.clear()
        base = ro.cache[key] = build_base(ro, windows, t1_cap, with_balance)
    arc_g = np.asarray(arc_g, dtype=np.int64)
    arc_j = np.asarray(arc_j, dtype=np.int64)
    a = len(arc_g)
    b = _Builder()
    b.rhs, b.sense = base.rhs.tolist(), base.sense.tolist()
    pos, r, v = arc_entries(ro, base.rows, arc_g, arc_j)
    b.entries(r, pos, v)
    b.entries(base.r, base.c + a, base.v)
    if ro.policy.rotation.one_for_one:
        add_exchange_rows(b, ro, arc_g, arc_j)
    cap = np.minimum(ro.g_size[arc_g], ro.send_cap[ro.g_school[arc_g]])
    shift = {k: c + a for k, c in base.aux.items()}
    matrix = sparse.csr_matrix(
        (np.concatenate(b.v), (np.concatenate(b.r), np.concatenate(b.c))),
        shape=(len(b.rhs), a + len(base.lb)), dtype=np.int64)
    return RotationModel(
        lb=np.concatenate([np.zeros(a, dtype=np.int64), base.lb]),
        ub=np.concatenate([cap.astype(np.int64), base.ub]),
        cost1=np.concatenate([np.zeros(a, dtype=np.int64), base.c1]),
        cost2=np.concatenate([ro.cost[arc_g, arc_j].astype(np.int64), base.c2]),
        kind=np.concatenate([np.full(a, ARC, dtype=np.int8), base.kind]), matrix=matrix,
        rhs=np.array(b.rhs, dtype=np.int64), sense=np.array(b.sense, dtype=np.int8),
        arc_g=arc_g, arc_j=arc_j, rows=base.rows, aux=shift,
        z_cols={k: c + a for k, c in base.z_cols.items()}, windows=base.windows,
        slacks={c + a: sl for c, sl in base.slacks.items()}, t1_row=base.t1_row)


def build_base(ro: Roster, windows: dict, t1_cap: int | None, with_balance: bool) -> _Base:
    """Every column and row but the arcs (see `build_model`)."""
    pen = ro.policy.rotation.penalties
    b = _Builder()
    n, n_keys = ro.n_schools, ro.ns0.shape[1]
    rows: dict = {"group": np.full(ro.n_groups, -1), "cap": np.full(n, -1),
                  "n": np.full((n, 2), -1), "b": np.full((n, 2), -1), "s": np.full((n, 2), -1),
                  "ns": np.full((n, n_keys), -1), "school_quota": np.full(n, -1),
                  "senior_out": np.full(n, -1)}
    movable = ro.admissible.any(axis=1)
    for g in np.flatnonzero(movable):
        rows["group"][g] = b.row([], [], int(ro.g_size[g]))
    for s in np.flatnonzero(ro.sending):
        rows["cap"][s] = b.row([], [], int(ro.send_cap[s]))
    aux: dict = {}
    slacks: dict = {}
    d = ro.demand
    active = (d.pupils > 0) | (ro.n0 > 0)
    for s, lv in zip(*np.nonzero(active), strict=True):
        s, lv = int(s), int(lv)
        dem = int(d.teachers[s, lv])
        total = int(ro.n0[:, lv].sum())
        col = b.col(min(int(ro.n0[s, lv]), dem), total, AUX)
        aux[("n", s, lv)] = col
        rows["n"][s, lv] = b.row([col], [1], int(ro.n0[s, lv]), EQ)
        if ro.n0[s, lv] < dem:
            sl = b.col(0, dem, SLACK, c1=pen.staffing_ratio)
            slacks[sl] = Slack("staffing_ratio", s, lv)
            b.row([col, sl], [-1, -1], -dem)
        for name, before in (("b", ro.b0), ("s", ro.s0)):
            need = 0
            if name == "s" and lv == 0 and ro.senior_rule[s, 0]:
                need = ro.policy.staffing.senior_min_primary
            c = b.col(min(int(before[s, lv]), need), int(before[:, lv].sum()), AUX)
            aux[(name, s, lv)] = c
            rows[name][s, lv] = b.row([c], [1], int(before[s, lv]), EQ)
            if need > before[s, lv]:
                sl = b.col(0, need, SLACK, c1=pen.senior_title)
                slacks[sl] = Slack("senior_title", s, lv)
                b.row([c, sl], [-1, -1], -need)
        if lv == 1 and ro.senior_rule[s, 1]:
            num, den = ro.senior_num, ro.senior_den
            n0, s0 = int(ro.n0[s, 1]), int(ro.s0[s, 1])
            short0 = max(0, -(-num * n0 // den) - s0)
            # hard: the teachers a junior school sends never lower its senior share below
            # the rule (or further below); arcs out enter with den x senior - num
            rows["senior_out"][s] = b.row([], [], den * (s0 + short0) - num * n0)
            sl = b.col(0, total, SLACK, c1=pen.senior_title)
            slacks[sl] = Slack("senior_title", s, 1)
            b.row([col, aux[("s", s, 1)], sl], [num, -den, -den], 0)
    for s, k in zip(*np.nonzero((d.subjects > 0) | (ro.ns0 > 0)), strict=True):
        s, k = int(s), int(k)
        dem = int(d.subjects[s, k])
        col = b.col(min(int(ro.ns0[s, k]), dem), int(ro.ns0[:, k].sum()), AUX)
        aux[("ns", s, k)] = col
        rows["ns"][s, k] = b.row([col], [1], int(ro.ns0[s, k]), EQ)
        if ro.ns0[s, k] < dem:
            sl = b.col(0, dem, SLACK, c1=pen.staffing_ratio)
            slacks[sl] = Slack("staffing_ratio", s, d.subject_keys[k][0], k)
            b.row([col, sl], [-1, -1], -dem)
    sl = b.col(0, ro.quota, SLACK, c1=pen.rotation_quota)
    slacks[sl] = Slack("rotation_quota", -1, -1)
    rows["quota"] = b.row([sl], [-1], -ro.quota)
    for s in np.flatnonzero(ro.school_quota > 0):
        sl = b.col(0, int(ro.school_quota[s]), SLACK, c1=pen.rotation_quota)
        slacks[sl] = Slack("rotation_quota", int(s), -1)
        rows["school_quota"][s] = b.row([sl], [-1], -int(ro.school_quota[s]))
    n_eligible = int(ro.g_size.sum())
    sl = b.col(0, n_eligible, SLACK, c1=pen.rotation_backbone_share)
    slacks[sl] = Slack("rotation_backbone_share", -1, -1)
    if ro.policy.rotation.backbone_basis == "rotating":
        rows["backbone"] = b.row([sl], [-ro.backbone_den], 0)
    else:
        rows["backbone"] = b.row([sl], [-1], -ro.backbone_quota)
    z_cols, used = add_balance(b, ro, aux, windows) if with_balance else ({}, {})
    t1_row = -1
    if t1_cap is not None:
        cols = sorted(slacks)
        t1_row = b.row(cols, [b.c1[c] for c in cols], int(t1_cap))
    return _Base(lb=np.array(b.lb, dtype=np.int64), ub=np.array(b.ub, dtype=np.int64),
                 c1=np.array(b.c1, dtype=np.int64), c2=np.array(b.c2, dtype=np.int64),
                 kind=np.array(b.kind, dtype=np.int8), rhs=np.array(b.rhs, dtype=np.int64),
                 sense=np.array(b.sense, dtype=np.int8), r=_cat(b.r), c=_cat(b.c), v=_cat(b.v),
                 rows=rows, aux=aux, slacks=slacks, z_cols=z_cols, windows=used, t1_row=t1_row)


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def add_balance(b: _Builder, ro: Roster, aux: dict, windows: dict) -> tuple[dict, dict]:
    """A z column per school, level and indicator with its secant rows over the window."""
    weight = ro.policy.rotation.weights.balance
    z_cols, used = {}, {}
    for (s, lv, ind), _, _ in balance_targets(ro):
        lo, hi = windows[(s, lv, ind)]
        p = int(ro.demand.pupils[s, lv])
        before = (ro.b0, ro.s0)[ind]
        m = county_mean(int(before[:, lv].sum()), int(ro.demand.pupils[:, lv].sum()))
        f = balance_units(p, m, weight, hi)
        z = b.col(int(f[lo:hi + 1].min()), BIG, Z, c2=1)
        x = aux[("bs"[ind], s, lv)]
        k = np.arange(lo, hi)
        slope = f[k + 1] - f[k]
        b.rows_block(slope * k - f[k], np.repeat(np.arange(len(k)), 2),
                     np.tile([x, z], len(k)), np.column_stack([slope, -np.ones_like(slope)])
                     .ravel())
        z_cols[(s, lv, ind)] = z
        used[(s, lv, ind)] = (lo, hi)
    return z_cols, used


def add_exchange_rows(b: _Builder, ro: Roster, arc_g: np.ndarray, arc_j: np.ndarray) -> None:
    """Rule rotation_exchange: per school pair, level and subject, as many go each way."""
    pairs: dict[tuple, list[tuple[int, int]]] = {}
    for i, (g, j) in enumerate(zip(arc_g, arc_j, strict=True)):
        s = int(ro.g_school[g])
        a, c = min(s, int(j)), max(s, int(j))
        key = (a, c, int(ro.g_level[g]), ro.g_subject[g])
        pairs.setdefault(key, []).append((i, 1 if s == a else -1))
    for items in pairs.values():
        b.row([i for i, _ in items], [v for _, v in items], 0, EQ)


def satisfied(model: RotationModel, x: np.ndarray) -> bool:
    """Whether values `x` meet every row and bound of the model."""
    act = model.matrix @ x
    rows_ok = np.where(model.sense == EQ, act == model.rhs, act <= model.rhs)
    return bool(rows_ok.all() and (x >= model.lb).all() and (x <= model.ub).all())


def outside_windows(model: RotationModel, values: np.ndarray) -> dict:
    """Windows whose count in `values` lies outside them: key -> (lo, hi) widened to hold
    it (the model then underestimates the balance term there)."""
    out = {}
    for (s, lv, ind), (lo, hi) in model.windows.items():
        x = int(values[model.aux[("bs"[ind], s, lv)]])
        if x < lo or x > hi:
            out[(s, lv, ind)] = (max(0, min(lo, x - 2)), max(hi, x + 2))
    return out

