"""A solved rotation as result rows: moves, violations, staffing per school, balance, quota.

`build_rotation_section` turns a `RotationOutcome` into the `teachers` section of
result.json and the rotation violations. Moves name teachers: within a group the teachers
are interchangeable for every rule, so each destination gets, one by one, the group member
whose subject it has fewest of (then the longest at the school, then by id). Violations are
recomputed from the counts after the rotation, not read from the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.model.grades import LEVELS
from allocator.model.result import Violation
from allocator.model.rotation import (
    LevelRotationBalance,
    Move,
    Quota,
    RotationObjectiveTerms,
    RotationStats,
    Shortfall,
    StaffingRow,
    TeachersSection,
)
from allocator.rules.eligibility import direction_mask
from allocator.rules.rotation_objective import UNITS, move_units, round_km
from allocator.rules.statistics import weighted_cv

from .explain import explain_shortfalls, summarize_rules
from .roster import Roster
from .solve import RotationOutcome

INDICATOR_NAMES = ("teachers_per_100", "backbone_per_100", "senior_per_100")


def assign_teachers(out: RotationOutcome) -> list[tuple[int, int]]:
    """(teacher index, destination school) of every move; see the module docstring."""
    ro = out.roster
    have: dict[tuple[int, int, str], int] = {}
    for i, s in enumerate(ro.t_school):
        k = (int(s), int(ro.t_level[i]), ro.t_subject[i])
        have[k] = have.get(k, 0) + 1
    result: list[tuple[int, int]] = []
    taken: set[int] = set()
    order = np.lexsort((out.arc_j, out.arc_g))
    for a in order:
        g, j, count = int(out.arc_g[a]), int(out.arc_j[a]), int(out.moves[a])
        lv = int(ro.groups.level[g])
        left = [m for m in ro.groups.members[g].tolist() if m not in taken]
        for _ in range(count):
            pick = min(left, key=lambda m, j=j, lv=lv: (have.get((j, lv, ro.t_subject[m]), 0),
                                                        left.index(m)))
            left.remove(pick)
            taken.add(pick)
            have[(j, lv, ro.t_subject[pick])] = have.get((j, lv, ro.t_subject[pick]), 0) + 1
            result.append((pick, j))
    return result


def after_counts(ro: Roster, moved: list[tuple[int, int]]) -> dict[str, np.ndarray]:
    """Teachers, backbone, senior (n, 2) and table-subject (n, K) counts after the moves,
    and teachers sent / received per school (n,)."""
    n, b, s, ns = ro.n0.copy(), ro.b0.copy(), ro.s0.copy(), ro.ns0.copy()
    sent = np.zeros(ro.n_schools, dtype=np.int64)
    received = np.zeros(ro.n_schools, dtype=np.int64)
    keys = {k: i for i, k in enumerate(ro.demand.subject_keys)}
    for t, j in moved:
        f, lv = int(ro.t_school[t]), int(ro.t_level[t])
        for arr, w in ((n, 1), (b, int(ro.t_backbone[t])), (s, int(ro.t_senior[t]))):
            arr[f, lv] -= w
            arr[j, lv] += w
        k = keys.get((lv, ro.t_subject[t]))
        if k is not None:
            ns[f, k] -= 1
            ns[j, k] += 1
        sent[f] += 1
        received[j] += 1
    return {"n": n, "b": b, "s": s, "ns": ns, "sent": sent, "received": received}


def move_reason(ro: Roster, t: int, j: int) -> str:
    """Why this move helps: shortages it fills at the destination, the backbone share,
    volunteering, an exchange against the direction."""
    lv = int(ro.t_level[t])
    parts = []
    if ro.t_volunteer[t]:
        parts.append("volunteer")
    d = ro.demand
    if ro.n0[j, lv] < d.teachers[j, lv]:
        parts.append(f"fills a {LEVELS[lv]} staffing shortage")
    keys = {k: i for i, k in enumerate(d.subject_keys)}
    k = keys.get((lv, ro.t_subject[t]))
    if k is not None and ro.ns0[j, k] < d.subjects[j, k]:
        parts.append(f"fills a {ro.t_subject[t]} shortage")
    if ro.t_senior[t] and ro.senior_rule[j, lv] and (
            lv == 0 and ro.s0[j, 0] < ro.policy.staffing.senior_min_primary
            or lv == 1 and ro.s0[j, 1] * ro.senior_den < ro.senior_num * ro.n0[j, 1]):
        parts.append("brings a senior-title teacher")
    if ro.t_backbone[t]:
        parts.append("backbone share")
    f = int(ro.t_school[t])
    if ro.policy.rotation.one_for_one and not _forward(ro, f, j):
        parts.append(f"exchange partner of a teacher from {ro.school_ids[j]}")
    if len(parts) == int(bool(ro.t_volunteer[t])):
        parts.append("quota and balance")
    return "; ".join(parts)


def _forward(ro: Roster, f: int, j: int) -> bool:
    urban = np.array([s.urban for s in ro.schools], dtype=bool)
    return bool(direction_mask(ro.policy.rotation.direction, f, urban, ro.strength,
                               [s.group for s in ro.schools])[j])


def build_moves(ro: Roster, moved: list[tuple[int, int]]) -> list[Move]:
    """Move rows, ordered by origin school, destination and teacher id."""
    rows = []
    for t, j in moved:
        f = int(ro.t_school[t])
        rows.append(Move(
            teacher=ro.teacher_ids[t], from_school=ro.school_ids[f], to=ro.school_ids[j],
            subject=ro.t_subject[t], backbone=bool(ro.t_backbone[t]),
            title=ro.t_title[t], distance_km=float(round_km(ro.km[f, j])),
            reason=move_reason(ro, t, j), level=LEVELS[int(ro.t_level[t])],
            volunteer=bool(ro.t_volunteer[t])))
    return sorted(rows, key=lambda m: (m.from_school, m.to, m.teacher))


def per_100(count: np.ndarray, pupils: np.ndarray) -> np.ndarray:
    """Teachers per 100 pupils (0 where a school has no pupils)."""
    return np.where(pupils > 0, 100.0 * count / np.maximum(pupils, 1), 0.0)


def school_rows(ro: Roster, after: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """One row per school and level with pupils or teachers: pupils, classes, demand,
    teachers / backbone / senior before and after, per 100 pupils, sent and received."""
    d = ro.demand
    rows = []
    for i, sid in enumerate(ro.school_ids):
        for lv in (0, 1):
            p = int(d.pupils[i, lv])
            if p == 0 and ro.n0[i, lv] == 0 and after["n"][i, lv] == 0:
                continue
            row = {"school": sid, "level": LEVELS[lv], "pupils": p,
                   "classes": int(d.classes[i, lv]), "demand": int(d.teachers[i, lv]),
                   "demand_rule": "per_class" if d.per_class[i, lv] else "ratio"}
            for name, before, now in (("teachers", ro.n0, after["n"]),
                                      ("backbone", ro.b0, after["b"]),
                                      ("senior", ro.s0, after["s"])):
                row[f"{name}_before"] = int(before[i, lv])
                row[f"{name}_after"] = int(now[i, lv])
            for name in ("teachers", "backbone", "senior"):
                for when in ("before", "after"):
                    row[f"{name}_per_100_{when}"] = round(float(per_100(
                        np.array(row[f"{name}_{when}"]), np.array(p))), 4)
            sub = {}
            for k, (klv, subject) in enumerate(d.subject_keys):
                if klv == lv and (d.subjects[i, k] or ro.ns0[i, k] or after["ns"][i, k]):
                    sub[subject] = {"demand": int(d.subjects[i, k]),
                                    "before": int(ro.ns0[i, k]), "after": int(after["ns"][i, k])}
            if sub:
                row["subjects"] = sub
            rows.append(row)
    return rows


def balance_report(ro: Roster, after: dict[str, np.ndarray]) -> dict[str, Any]:
    """Per level: the enrolment-weighted CV across schools of teachers, backbone and
    senior-title teachers per 100 pupils, before and after, and the policy's CV maximum."""
    out: dict[str, Any] = {}
    p = ro.demand.pupils
    for lv, level in enumerate(LEVELS):
        w = p[:, lv]
        entry: dict[str, Any] = {"cv_max": getattr(ro.policy.balance.cv_max, level),
                                 "schools": int((w > 0).sum())}
        for name, before, now in zip(INDICATOR_NAMES, (ro.n0, ro.b0, ro.s0),
                                     (after["n"], after["b"], after["s"]), strict=True):
            entry[name] = {"before": weighted_cv(per_100(before[:, lv], w), w),
                           "after": weighted_cv(per_100(now[:, lv], w), w)}
        out[level] = entry
    return out


def quota_report(ro: Roster, moved: list[tuple[int, int]]) -> dict[str, Any]:
    """Eligible, required and rotating teachers; backbone required and rotating; per
    sending school when the quota applies per school."""
    rule = ro.policy.rotation
    rotating = len(moved)
    backbone = sum(int(ro.t_backbone[t]) for t, _ in moved)
    if rule.backbone_basis == "rotating":
        need_b = -(-ro.backbone_num * rotating // ro.backbone_den)
    else:
        need_b = ro.backbone_quota
    exempt: dict[str, int] = {}
    for e in ro.t_exemption:
        if e is not None:
            exempt[e] = exempt.get(e, 0) + 1
    out: dict[str, Any] = {
        "eligible": int(ro.eligible.sum()), "not_eligible": dict(sorted(exempt.items())),
        "required": ro.quota, "rotating": rotating,
        "attainment": round(rotating / ro.quota, 4) if ro.quota else None,
        "backbone_basis": rule.backbone_basis, "backbone_required": int(need_b),
        "backbone_rotating": backbone,
        "backbone_share": round(backbone / rotating, 4) if rotating else None,
        "volunteers_rotating": sum(int(ro.t_volunteer[t]) for t, _ in moved)}
    if rule.quota_per_school:
        sent = np.bincount([int(ro.t_school[t]) for t, _ in moved], minlength=ro.n_schools)
        out["per_school"] = [{"school": ro.school_ids[s], "eligible": int(ro.eligible[s]),
                              "required": int(ro.school_quota[s]), "rotating": int(sent[s])}
                             for s in np.flatnonzero(ro.school_quota > 0)]
    return out


def objective_km(units: int) -> float:
    """Objective units back to km-equivalents."""
    return round(units / UNITS, 1)


def violations_of(ro: Roster, after: dict[str, np.ndarray], moved: list[tuple[int, int]]
                  ) -> list[Violation]:
    """Every rotation rule still broken after the moves (see `rotation_explain`)."""
    return explain_shortfalls(ro, after, moved)


def teacher_totals(ro: Roster, after: dict[str, np.ndarray]) -> dict[str, tuple[int, int]]:
    """Per school id: (teachers before, teachers after) over both levels."""
    return {sid: (int(ro.n0[i].sum()), int(after["n"][i].sum()))
            for i, sid in enumerate(ro.school_ids)}


def build_rotation_section(out: RotationOutcome, strict: bool
                           ) -> tuple[TeachersSection, list[Violation], dict]:
    """The `teachers` section of result.json, the rotation violations of `out` and the
    teachers per school before and after (`teacher_totals`)."""
    ro = out.roster
    moved = assign_teachers(out)
    after = after_counts(ro, moved)
    violations = violations_of(ro, after, moved)
    message = None
    if out.status == "infeasible":
        message = ("the rotation rules cannot all hold; the least-bad rotation breaks: "
                   + summarize_rules(violations))
    elif out.status == "unknown":
        message = ("no rotation meeting every rule was found within the time limit; the "
                   "least-bad one found breaks: " + summarize_rules(violations))
    tier1 = sum(v.cost for v in violations)
    section = TeachersSection(
        status=out.status, strict=strict, message=message, plan=ro.plan_source,
        objective=objective_km(out.objective), lower_bound=objective_km(out.bound),
        gap=out.gap,
        shortfall=Shortfall(weighted=int(round(tier1)), lower_bound=out.tier1_bound),
        objective_terms=RotationObjectiveTerms(**objective_terms(ro, moved, out.objective)),
        quota=Quota(**quota_report(ro, moved)),
        moves=build_moves(ro, moved),
        schools=[StaffingRow(**row) for row in school_rows(ro, after)],
        balance={lv: LevelRotationBalance(**b) for lv, b in balance_report(ro, after).items()},
        strength=ro.strength_source,
        solver=RotationStats(**out.stats), timings=out.timings)
    return section, violations, teacher_totals(ro, after)


def objective_terms(ro: Roster, moved: list[tuple[int, int]], total: int) -> dict[str, Any]:
    """Tiers 2-3 split into balance and moves (distance + involuntary), km-equivalents."""
    t = np.array([m for m, _ in moved], dtype=np.int64)
    j = np.array([d for _, d in moved], dtype=np.int64)
    km = ro.km[ro.t_school[t], j] if len(t) else np.zeros(0)
    units = int(move_units(km, ro.t_volunteer[t], ro.policy.rotation.weights).sum())
    return {"balance": objective_km(total - units), "moves": objective_km(units),
            "km": round(float(round_km(km).sum()), 2),
            "involuntary_moves": int((~ro.t_volunteer[t]).sum()),
            "total": objective_km(total)}
