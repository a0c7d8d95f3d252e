"""The part of the rotation model that does not depend on the candidate arcs (`build_base`),
and the vocabulary `model` shares with it: column kinds, row senses, what a slack measures,
and the builder that collects columns and rows as integer arrays.

`build_base` adds, in this order: a row per movable group (its size) and per sending school
(rule rotation_sending_share); per school and level with pupils or teachers, the teacher
count after the rotation (aux N, rule staffing_ratio), the backbone and senior-title counts
(aux B, S; rule senior_title at primary level) and, at a junior level under the rule, its
senior share; per school and table subject, the teacher count (aux NS, rule staffing_ratio);
rules rotation_quota (county, per sending school) and rotation_backbone_share; the balance
terms (`add_balance`); the tier-1 cap. Arcs enter these rows in `model.arc_entries`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.rules.rotation_objective import balance_units, county_mean

from .roster import Roster

ARC, AUX, Z, SLACK = 0, 1, 2, 3  # column kinds: arc counts, aux counts, balance terms, slacks
LE, EQ = 0, 1  # row senses: `<=`, `==`
BIG = 1 << 40  # the upper bound of a balance term (unbounded)


@dataclass
class Slack:
    """What one slack column measures: rule, school index (-1 county), level, table key."""

    rule: str
    school: int
    level: int
    key: int = -1


class Builder:
    """Columns (bounds, tier costs, kind) and rows (rhs, sense, entries) in the order they
    are added; a column's or row's index is its position."""

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
        """Add a column with bounds [lb, ub] and tier costs c1, c2; returns its index."""
        self.lb.append(int(lb))
        self.ub.append(int(ub))
        self.kind.append(kind)
        self.c1.append(int(c1))
        self.c2.append(int(c2))
        return len(self.lb) - 1

    def row(self, cols, vals, rhs: int, sense: int = LE) -> int:
        """Add the row sum(vals x cols) `sense` rhs; returns its index."""
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
        """Add matrix entries (row, column, value) to rows already added."""
        self.r.append(np.asarray(rows, dtype=np.int64))
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.asarray(vals, dtype=np.int64))


@dataclass
class ModelBase:
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


def build_base(ro: Roster, windows: dict, t1_cap: int | None, with_balance: bool,
               ) -> ModelBase:
    """Every column and row but the arcs (see `model.build_model`), in the order of the
    module docstring."""
    b = Builder()
    rows = make_row_maps(ro)
    add_sending_rows(b, ro, rows)
    aux: dict = {}
    slacks: dict = {}
    add_level_counts(b, ro, rows, aux, slacks)
    add_subject_counts(b, ro, rows, aux, slacks)
    add_quota_rows(b, ro, rows, slacks)
    z_cols, used = add_balance(b, ro, aux, windows) if with_balance else ({}, {})
    t1_row = -1
    if t1_cap is not None:
        cols = sorted(slacks)
        t1_row = b.row(cols, [b.c1[c] for c in cols], int(t1_cap))
    return ModelBase(lb=np.array(b.lb, dtype=np.int64), ub=np.array(b.ub, dtype=np.int64),
                     c1=np.array(b.c1, dtype=np.int64), c2=np.array(b.c2, dtype=np.int64),
                     kind=np.array(b.kind, dtype=np.int8),
                     rhs=np.array(b.rhs, dtype=np.int64),
                     sense=np.array(b.sense, dtype=np.int8),
                     r=_cat(b.r), c=_cat(b.c), v=_cat(b.v), rows=rows, aux=aux,
                     slacks=slacks, z_cols=z_cols, windows=used, t1_row=t1_row)


def make_row_maps(ro: Roster) -> dict:
    """The row maps arcs enter (name -> row index array), every entry -1 (no row yet)."""
    n, n_keys = ro.n_schools, ro.ns0.shape[1]
    return {"group": np.full(ro.n_groups, -1), "cap": np.full(n, -1),
            "n": np.full((n, 2), -1), "b": np.full((n, 2), -1), "s": np.full((n, 2), -1),
            "ns": np.full((n, n_keys), -1), "school_quota": np.full(n, -1),
            "senior_out": np.full(n, -1)}


def add_sending_rows(b: Builder, ro: Roster, rows: dict) -> None:
    """A row per group with an admissible arc (at most its size move) and per sending school
    (rule rotation_sending_share); arcs enter them in `model.arc_entries`."""
    movable = ro.admissible.any(axis=1)
    for g in np.flatnonzero(movable):
        rows["group"][g] = b.row([], [], int(ro.groups.size[g]))
    for s in np.flatnonzero(ro.sending):
        rows["cap"][s] = b.row([], [], int(ro.send_cap[s]))


def add_level_counts(b: Builder, ro: Roster, rows: dict, aux: dict, slacks: dict) -> None:
    """Per school and level with pupils or teachers: teacher, backbone and senior-title
    counts after the rotation with their rules, then the junior senior share."""
    active = (ro.demand.pupils > 0) | (ro.n0 > 0)
    for s, lv in zip(*np.nonzero(active), strict=True):
        s, lv = int(s), int(lv)
        col = add_teacher_count(b, ro, rows, aux, slacks, s, lv)
        add_title_counts(b, ro, rows, aux, slacks, s, lv)
        if lv == 1 and ro.senior_rule[s, 1]:
            add_junior_senior_share(b, ro, rows, slacks, s, col, aux[("s", s, 1)])


def add_teacher_count(b: Builder, ro: Roster, rows: dict, aux: dict, slacks: dict, s: int,
                      lv: int) -> int:
    """Aux N of school s and level lv (never below its demand, nor further below) and, when
    it has fewer teachers than its demand, the staffing_ratio slack row; returns N."""
    dem = int(ro.demand.teachers[s, lv])
    total = int(ro.n0[:, lv].sum())
    col = b.col(min(int(ro.n0[s, lv]), dem), total, AUX)
    aux[("n", s, lv)] = col
    rows["n"][s, lv] = b.row([col], [1], int(ro.n0[s, lv]), EQ)
    if ro.n0[s, lv] < dem:
        sl = b.col(0, dem, SLACK, c1=ro.policy.rotation.penalties.staffing_ratio)
        slacks[sl] = Slack("staffing_ratio", s, lv)
        b.row([col, sl], [-1, -1], -dem)
    return col


def add_title_counts(b: Builder, ro: Roster, rows: dict, aux: dict, slacks: dict, s: int,
                     lv: int) -> None:
    """Aux B and S (backbone, senior title) of school s and level lv; at primary level
    under the senior_title rule, S never falls below the minimum (nor further below) and a
    slack row prices the shortfall."""
    for name, before in (("b", ro.b0), ("s", ro.s0)):
        need = 0
        if name == "s" and lv == 0 and ro.senior_rule[s, 0]:
            need = ro.policy.staffing.senior_min_primary
        c = b.col(min(int(before[s, lv]), need), int(before[:, lv].sum()), AUX)
        aux[(name, s, lv)] = c
        rows[name][s, lv] = b.row([c], [1], int(before[s, lv]), EQ)
        if need > before[s, lv]:
            sl = b.col(0, need, SLACK, c1=ro.policy.rotation.penalties.senior_title)
            slacks[sl] = Slack("senior_title", s, lv)
            b.row([c, sl], [-1, -1], -need)


def add_junior_senior_share(b: Builder, ro: Roster, rows: dict, slacks: dict, s: int,
                            n_col: int, s_col: int) -> None:
    """Rule senior_title at junior school s: the hard row on the teachers it sends and the
    elastic share row over aux N (`n_col`) and S (`s_col`)."""
    num, den = ro.senior_num, ro.senior_den
    n0, s0 = int(ro.n0[s, 1]), int(ro.s0[s, 1])
    short0 = max(0, -(-num * n0 // den) - s0)
    # hard: the teachers a junior school sends never lower its senior share below
    # the rule (or further below); arcs out enter with den x senior - num
    rows["senior_out"][s] = b.row([], [], den * (s0 + short0) - num * n0)
    sl = b.col(0, int(ro.n0[:, 1].sum()), SLACK, c1=ro.policy.rotation.penalties.senior_title)
    slacks[sl] = Slack("senior_title", s, 1)
    b.row([n_col, s_col, sl], [num, -den, -den], 0)


def add_subject_counts(b: Builder, ro: Roster, rows: dict, aux: dict, slacks: dict) -> None:
    """Aux NS per school and table subject with demand or teachers (never below its demand,
    nor further below) and the staffing_ratio slack rows where it has too few."""
    d = ro.demand
    for s, k in zip(*np.nonzero((d.subjects > 0) | (ro.ns0 > 0)), strict=True):
        s, k = int(s), int(k)
        dem = int(d.subjects[s, k])
        col = b.col(min(int(ro.ns0[s, k]), dem), int(ro.ns0[:, k].sum()), AUX)
        aux[("ns", s, k)] = col
        rows["ns"][s, k] = b.row([col], [1], int(ro.ns0[s, k]), EQ)
        if ro.ns0[s, k] < dem:
            sl = b.col(0, dem, SLACK, c1=ro.policy.rotation.penalties.staffing_ratio)
            slacks[sl] = Slack("staffing_ratio", s, d.subject_keys[k][0], k)
            b.row([col, sl], [-1, -1], -dem)


def add_quota_rows(b: Builder, ro: Roster, rows: dict, slacks: dict) -> None:
    """Elastic rules rotation_quota (county, then per school with a quota) and
    rotation_backbone_share: a slack and its row each; arcs enter the rows later."""
    pen = ro.policy.rotation.penalties
    sl = b.col(0, ro.quota, SLACK, c1=pen.rotation_quota)
    slacks[sl] = Slack("rotation_quota", -1, -1)
    rows["quota"] = b.row([sl], [-1], -ro.quota)
    for s in np.flatnonzero(ro.school_quota > 0):
        sl = b.col(0, int(ro.school_quota[s]), SLACK, c1=pen.rotation_quota)
        slacks[sl] = Slack("rotation_quota", int(s), -1)
        rows["school_quota"][s] = b.row([sl], [-1], -int(ro.school_quota[s]))
    n_eligible = int(ro.groups.size.sum())
    sl = b.col(0, n_eligible, SLACK, c1=pen.rotation_backbone_share)
    slacks[sl] = Slack("rotation_backbone_share", -1, -1)
    if ro.policy.rotation.backbone_basis == "rotating":
        rows["backbone"] = b.row([sl], [-ro.backbone_den], 0)
    else:
        rows["backbone"] = b.row([sl], [-1], -ro.backbone_quota)


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    """The concatenation of `parts`, an empty int64 array when there are none."""
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def add_balance(b: Builder, ro: Roster, aux: dict, windows: dict) -> tuple[dict, dict]:
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
