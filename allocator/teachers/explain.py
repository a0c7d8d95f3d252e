"""Rotation rules still broken after a rotation, each with the facts that explain it.

`explain_shortfalls` recomputes every elastic rotation rule from the counts after the moves
and names, for each shortfall, the school (and level, subject), the amount and why the
rotation could not close it: which eligible teachers could go there at all, which schools'
limits bind, which eligible teachers have no admissible destination. Subjects of violations
are `school:level` (staffing_ratio, senior_title), `school:level:subject` (staffing_ratio
per subject), `county` or a school id (rotation_quota) and `county`
(rotation_backbone_share); amounts are in teachers.
"""

from __future__ import annotations

import numpy as np

from allocator.model.grades import LEVELS
from allocator.model.result import Violation

from .roster import Roster


def _names(ids: list[str], limit: int = 8) -> str:
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return ", ".join(ids[:limit]) + more


def _violation(ro: Roster, rule: str, subject: str, amount: int, message: str) -> Violation:
    weight = getattr(ro.policy.rotation.penalties, rule)
    return Violation(rule=rule, subject=subject, amount=amount, unit="teachers",
                     message=message, cost=float(weight * amount))


def inflow(ro: Roster, mask: np.ndarray) -> np.ndarray:
    """Eligible teachers of the groups in `mask` allowed to go to each school."""
    return (ro.groups.size[mask][:, None] * ro.admissible[mask]).sum(axis=0)


def _reach(k: int, what: str) -> str:
    if k == 0:
        return (f"no eligible {what} may move there (rules rotation_eligibility, "
                "rotation_direction, rotation_distance)")
    return (f"{k} eligible {what} may move there, but their schools cannot spare them (rules "
            "staffing_ratio, senior_title, rotation_sending_share) or other schools need them "
            "as much")


def staffing_violations(ro: Roster, after: dict[str, np.ndarray]) -> list[Violation]:
    """staffing_ratio per school and level, and per table subject."""
    d, out = ro.demand, []
    ratios = ro.policy.staffing.pupils_per_teacher
    per_class = ro.policy.staffing.small_school.teachers_per_class
    for lv, level in enumerate(LEVELS):
        reach = inflow(ro, ro.groups.level == lv)
        for s in np.flatnonzero(after["n"][:, lv] < d.teachers[:, lv]):
            dem, have = int(d.teachers[s, lv]), int(after["n"][s, lv])
            why = (f"{int(d.classes[s, lv])} classes x {getattr(per_class, level):g}, small "
                   "school" if d.per_class[s, lv] else
                   f"{int(d.pupils[s, lv])} pupils / {getattr(ratios, level):g}")
            sid = ro.school_ids[s]
            out.append(_violation(
                ro, "staffing_ratio", f"{sid}:{level}", dem - have,
                f"school {sid} {level}: {have} teachers after the rotation for a demand of "
                f"{dem} ({why}), {dem - have} short; "
                + _reach(int(reach[s]), f"{level} teachers")))
    for k, (lv, subject) in enumerate(d.subject_keys):
        level = LEVELS[lv]
        reach = inflow(ro, ro.groups.key == k)
        for s in np.flatnonzero(after["ns"][:, k] < d.subjects[:, k]):
            dem, have = int(d.subjects[s, k]), int(after["ns"][s, k])
            sid = ro.school_ids[s]
            out.append(_violation(
                ro, "staffing_ratio", f"{sid}:{level}:{subject}", dem - have,
                f"school {sid} {level} {subject}: {have} teachers for a demand of {dem} "
                f"({int(d.classes[s, lv])} classes), {dem - have} short; "
                + _reach(int(reach[s]), f"{level} {subject} teachers")))
    return out


def senior_violations(ro: Roster, after: dict[str, np.ndarray]) -> list[Violation]:
    """senior_title: >= senior_min_primary per primary, >= the share per junior."""
    out = []
    need_p = ro.policy.staffing.senior_min_primary
    share = ro.policy.staffing.senior_share_junior
    for lv, level in enumerate(LEVELS):
        reach = inflow(ro, ro.groups.senior & (ro.groups.level == lv))
        for s in np.flatnonzero(ro.senior_rule[:, lv]):
            have, n = int(after["s"][s, lv]), int(after["n"][s, lv])
            need = need_p if lv == 0 else -(-ro.senior_num * n // ro.senior_den)
            if have >= need:
                continue
            sid = ro.school_ids[s]
            rule = f"at least {need_p}" if lv == 0 else f"{share:.0%} of {n} teachers = {need}"
            out.append(_violation(
                ro, "senior_title", f"{sid}:{level}", need - have,
                f"school {sid} {level}: {have} senior-title teachers, the rule asks {rule}; "
                + _reach(int(reach[s]), f"senior-title {level} teachers")))
    return out


def quota_violations(ro: Roster, moved: list[tuple[int, int]]) -> list[Violation]:
    """rotation_quota (county and per sending school) and rotation_backbone_share."""
    out = []
    rule = ro.policy.rotation
    rotating = len(moved)
    sent = np.bincount(np.array([ro.t_school[t] for t, _ in moved], dtype=np.int64),
                       minlength=ro.n_schools)
    movable = np.zeros(ro.n_schools, dtype=np.int64)
    has_dest = ro.admissible.any(axis=1)
    np.add.at(movable, ro.groups.school[has_dest], ro.groups.size[has_dest])
    most = int(np.minimum(movable, ro.send_cap).sum())
    if rotating < ro.quota:
        by_school: dict[int, list[str]] = {}
        for g in np.flatnonzero(~has_dest):
            by_school.setdefault(int(ro.groups.school[g]), []).extend(
                ro.teacher_ids[m] for m in ro.groups.members[g].tolist())
        stuck = [f"{len(ids)} at {ro.school_ids[s]} ({_names(sorted(ids), 4)})"
                 for s, ids in sorted(by_school.items(), key=lambda x: -len(x[1]))]
        capped = [f"{ro.school_ids[s]} may send {int(ro.send_cap[s])} of {int(movable[s])}"
                  for s in np.flatnonzero(movable > ro.send_cap)]
        why = (f"at most {most} eligible teachers can rotate at all" if most < ro.quota else
               f"up to {most} could rotate, but more would take their schools below their "
               "staffing demand or senior-title requirement")
        msg = (f"{rotating} teachers rotate, the quota asks {ro.quota} "
               f"({rule.quota:.0%} of {int(ro.eligible.sum())} eligible); {why}")
        if capped:
            msg += f"; sending limits (rotation_sending_share) bind at {_names(capped)}"
        if stuck:
            msg += f"; eligible teachers with no admissible destination: {_names(stuck, 5)}"
        out.append(_violation(ro, "rotation_quota", "county", ro.quota - rotating, msg))
    for s in np.flatnonzero(sent < ro.school_quota):
        sid, q = ro.school_ids[s], int(ro.school_quota[s])
        out.append(_violation(
            ro, "rotation_quota", sid, q - int(sent[s]),
            f"school {sid} sends {int(sent[s])} teachers, the per-school quota asks {q} "
            f"({rule.quota:.0%} of its {int(ro.eligible[s])} eligible); it may send "
            f"{int(ro.send_cap[s])} (rotation_sending_share) and {int(movable[s])} of its "
            "eligible teachers have a destination"))
    backbone = sum(int(ro.t_backbone[t]) for t, _ in moved)
    if rule.backbone_basis == "rotating":
        need = -(-ro.backbone_num * rotating // ro.backbone_den)
        basis = f"{rule.backbone_share:.0%} of {rotating} rotating"
    else:
        need = ro.backbone_quota
        basis = f"{rule.backbone_share:.0%} of the eligible backbone teachers"
    if backbone < need:
        bb = ro.groups.backbone & has_dest
        names = [ro.teacher_ids[m] for g in np.flatnonzero(bb)
                 for m in ro.groups.members[g].tolist()]
        msg = (f"{backbone} backbone teachers rotate, the rule asks {need} ({basis}); "
               f"eligible backbone teachers with a destination: {int(ro.groups.size[bb].sum())}"
               + (f" ({_names(names)})" if names else ""))
        out.append(_violation(ro, "rotation_backbone_share", "county", need - backbone, msg))
    return out


def explain_shortfalls(ro: Roster, after: dict[str, np.ndarray],
                       moved: list[tuple[int, int]]) -> list[Violation]:
    """Every elastic rotation rule broken after the moves, with its explanation."""
    return (staffing_violations(ro, after) + senior_violations(ro, after)
            + quota_violations(ro, moved))


def summarize_rules(violations: list[Violation]) -> str:
    """Short text of the rules broken, by rule, with the subjects involved."""
    by_rule: dict[str, list[str]] = {}
    for v in violations:
        by_rule.setdefault(v.rule, []).append(f"{v.subject} ({v.amount:g} {v.unit})")
    return "; ".join(f"{rule} at {_names(items)}" for rule, items in by_rule.items())
