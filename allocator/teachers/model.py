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

The columns and rows that do not depend on the arcs are built in `base` (`build_base`);
this module adds the arcs, their entries and the exchange rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .base import ARC, EQ, Builder, balance_targets, build_base
from .roster import Roster


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


def initial_windows(ro: Roster) -> dict:
    """Count windows of the balance rows: from the lowest count a school can fall to, up
    to a few teachers above the larger of today's count and the balanced count."""
    out = {}
    reach_in = {}
    for ind, attr in enumerate((ro.groups.backbone, ro.groups.senior)):
        for lv in (0, 1):
            sel = attr & (ro.groups.level == lv)
            reach_in[(lv, ind)] = (ro.groups.size[sel][:, None] * ro.admissible[sel]).sum(axis=0)
    for (s, lv, ind), x0, target in balance_targets(ro):
        members = (ro.groups.school == s) & (ro.groups.level == lv) & (
            ro.groups.backbone if ind == 0 else ro.groups.senior)
        out_max = min(int(ro.groups.size[members].sum()), int(ro.send_cap[s]))
        lo = max(0, x0 - out_max)
        hi = min(x0 + int(reach_in[(lv, ind)][s]), max(x0, int(np.ceil(target))) + 3)
        out[(s, lv, ind)] = (lo, max(hi, lo + 1))
    return out


def arc_entries(ro: Roster, rows: dict, g: np.ndarray, j: np.ndarray):
    """(position, row, value) of the matrix entries of arcs (g[i] -> j[i]) in the rows
    `rows` maps (exchange rows excepted); the same for building and for pricing."""
    s, lv, key = ro.groups.school[g], ro.groups.level[g], ro.groups.key[g]
    bb, sen = ro.groups.backbone[g], ro.groups.senior[g]
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
    b = Builder()
    b.rhs, b.sense = base.rhs.tolist(), base.sense.tolist()
    pos, r, v = arc_entries(ro, base.rows, arc_g, arc_j)
    b.entries(r, pos, v)
    b.entries(base.r, base.c + a, base.v)
    if ro.policy.rotation.one_for_one:
        add_exchange_rows(b, ro, arc_g, arc_j)
    cap = np.minimum(ro.groups.size[arc_g], ro.send_cap[ro.groups.school[arc_g]])
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


def add_exchange_rows(b: Builder, ro: Roster, arc_g: np.ndarray, arc_j: np.ndarray) -> None:
    """Rule rotation_exchange: per school pair, level and subject, as many go each way."""
    pairs: dict[tuple, list[tuple[int, int]]] = {}
    for i, (g, j) in enumerate(zip(arc_g, arc_j, strict=True)):
        s = int(ro.groups.school[g])
        a, c = min(s, int(j)), max(s, int(j))
        key = (a, c, int(ro.groups.level[g]), ro.groups.subject[g])
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

