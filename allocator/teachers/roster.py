"""The rotation instance: the roster, the schools and the policy as numpy arrays.

`check_roster` finds what makes a roster unusable (errors name the teacher and the field);
`build_roster` turns a checked scenario, its policy and a plan into a `Roster`: teacher
counts per school and level before the rotation, staffing demand, eligibility, and the
eligible teachers in *groups* of interchangeable teachers (same school, level, backbone,
title class and volunteering, and the same subject where subjects matter to a rule). Every
rule and the objective depend on a teacher only through these attributes, so a rotation
is exactly described by how many of a group go to each destination. `admissible[g, j]` says
whether group g may go to school j (rules rotation_direction and rotation_distance, a school
with pupils of the level that needs the subject, from a school that may send at all).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from allocator.model.findings import Finding
from allocator.model.grades import LEVEL_GRADES, LEVELS
from allocator.model.policy import Policy, Rotation
from allocator.model.scenario import Scenario, School, Teacher
from allocator.rules.eligibility import (
    direction_mask,
    exemption,
    school_strength,
    unlisted_exemptions,
)
from allocator.rules.rotation_objective import move_units
from allocator.rules.staffing import Demand, Plan, ceil_int, staffing_demand
from geo.distance import StraightLine

LEVEL_INDEX = {name: i for i, name in enumerate(LEVELS)}
ANY_SUBJECT = "*"


def _err(message: str, record: str, field: str) -> Finding:
    return Finding(severity="error", code="roster", message=message, record=record,
                   field=field)


def check_roster(scenario: Scenario, policy: Policy) -> list[Finding]:
    """Errors that stop the rotation stage: duplicate teacher ids, a teacher's school that
    does not exist, is not open or does not serve the teacher's level, a subject not taught
    at the teacher's level (policy staffing.subjects), an open school without a location."""
    out = []
    schools = {s.id: s for s in scenario.schools}
    for tid, n in Counter(t.id for t in scenario.teachers).items():
        if n > 1:
            out.append(_err(f"id used by {n} teachers; ids must be unique", f"teacher '{tid}'",
                            "id"))
    taught = policy.staffing.subjects
    for t in scenario.teachers:
        rec = f"teacher '{t.id}'"
        s = schools.get(t.school)
        if s is None:
            out.append(_err(f"school '{t.school}' is not a school of the scenario", rec,
                            "school"))
        elif s.status != "open":
            out.append(_err(f"school '{t.school}' is {s.status}; move the teacher to an open "
                            "school first", rec, "school"))
        elif not set(LEVEL_GRADES[t.level]) & set(s.served_grades()):
            out.append(_err(f"school '{t.school}' ({s.kind}) teaches no {t.level} grades", rec,
                            "level"))
        if t.subject not in taught.get(t.level, []):
            known = ", ".join(taught.get(t.level, []))
            out.append(_err(f"no school needs subject '{t.subject}' at {t.level} level: it is "
                            f"not in policy staffing.subjects.{t.level} ({known}); fix the "
                            "subject or add it to the policy", rec, "subject"))
    for s in scenario.schools:
        if s.status == "open" and s.location is None:
            out.append(_err("open school has no location [x, y]", f"school '{s.id}'",
                            "location"))
    return out


@dataclass
class Roster:
    """Arrays over open schools (n), teachers (t) and eligible groups (g)."""

    policy: Policy
    schools: list[School]
    school_ids: list[str]
    km: np.ndarray  # (n, n) straight-line km between schools
    strength: np.ndarray  # (n,)
    strength_source: str
    demand: Demand
    plan_source: str
    teacher_ids: list[str]
    t_school: np.ndarray  # (t,) school index
    t_level: np.ndarray  # (t,) 0 primary, 1 junior
    t_subject: list[str]
    t_title: list[str]
    t_backbone: np.ndarray
    t_senior: np.ndarray
    t_volunteer: np.ndarray
    t_years: np.ndarray
    t_exemption: list[str | None]  # None: eligible
    n0: np.ndarray  # (n, 2) teachers before
    b0: np.ndarray  # (n, 2) backbone before
    s0: np.ndarray  # (n, 2) senior title before
    ns0: np.ndarray  # (n, K) teachers of each table subject before
    groups: Groups  # interchangeable eligible teachers (g,)
    admissible: np.ndarray  # (g, n) bool
    cost: np.ndarray  # (g, n) objective units of one move
    send_cap: np.ndarray  # (n,) teachers a school may send
    eligible: np.ndarray  # (n,) eligible teachers per school
    sending: np.ndarray  # (n,) bool: some eligible teacher has a destination
    quota: int
    school_quota: np.ndarray  # (n,) per-school quota (0 where it does not apply)
    backbone_num: int  # backbone share = num / den
    backbone_den: int
    backbone_quota: int  # eligible_backbone basis: backbone teachers that must rotate
    senior_rule: np.ndarray  # (n, 2) bool: the senior_title rule applies
    senior_num: int  # junior senior share = num / den
    senior_den: int
    warnings: list[Finding] = field(default_factory=list)
    cache: dict = field(default_factory=dict, repr=False)  # model parts (rotation_model)

    @property
    def n_schools(self) -> int:
        return len(self.school_ids)

    @property
    def n_groups(self) -> int:
        return len(self.groups.size)


def fraction(x: float) -> tuple[int, int]:
    """A policy share as (numerator, denominator) with a denominator of at most 10,000."""
    f = Fraction(x).limit_denominator(10_000)
    return f.numerator, f.denominator


class TeacherArrays(NamedTuple):
    """The roster's teachers as arrays (t,), in scenario order."""

    school: np.ndarray  # school index
    level: np.ndarray  # 0 primary, 1 junior
    backbone: np.ndarray
    senior: np.ndarray  # senior title
    volunteer: np.ndarray
    key: np.ndarray  # index into demand.subject_keys, -1 for none
    years: np.ndarray  # years at the school
    ids: list[str]


class Groups(NamedTuple):
    """Groups of interchangeable eligible teachers (g,), sorted by their key."""

    school: np.ndarray
    level: np.ndarray
    subject: list[str]  # ANY_SUBJECT where the subject matters to no rule
    key: np.ndarray  # index into demand.subject_keys, -1 for none
    backbone: np.ndarray
    senior: np.ndarray
    volunteer: np.ndarray
    size: np.ndarray
    members: list[np.ndarray]  # teacher indices, longest at the school first


def index_teachers(teachers: list[Teacher], school_index: dict[str, int],
                   keys: dict[tuple[int, str], int]) -> TeacherArrays:
    """Every teacher's school index, level, flags and table-subject key (`keys` maps
    (level, subject) to it) as arrays aligned with `teachers`."""
    return TeacherArrays(
        school=np.array([school_index[t.school] for t in teachers], dtype=np.int64),
        level=np.array([LEVEL_INDEX[t.level] for t in teachers], dtype=np.int64),
        backbone=np.array([t.backbone for t in teachers], dtype=bool),
        senior=np.array([t.title == "senior" for t in teachers], dtype=bool),
        volunteer=np.array([t.volunteer for t in teachers], dtype=bool),
        key=np.array([keys.get((LEVEL_INDEX[t.level], t.subject), -1) for t in teachers],
                     dtype=np.int64),
        years=np.array([t.years_at_school for t in teachers], dtype=float),
        ids=[t.id for t in teachers])


def count_teachers_before(ta: TeacherArrays, n: int, n_keys: int,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Teachers, backbone teachers and senior titles per school and level (n, 2), and
    teachers per school and table subject (n, n_keys), before the rotation."""
    n0, b0, s0 = (np.zeros((n, 2), dtype=np.int64) for _ in range(3))
    np.add.at(n0, (ta.school, ta.level), 1)
    np.add.at(b0, (ta.school, ta.level), ta.backbone.astype(np.int64))
    np.add.at(s0, (ta.school, ta.level), ta.senior.astype(np.int64))
    ns0 = np.zeros((n, n_keys), dtype=np.int64)
    has = ta.key >= 0
    np.add.at(ns0, (ta.school[has], ta.key[has]), 1)
    return n0, b0, s0, ns0


def group_teachers(teachers: list[Teacher], ta: TeacherArrays, exempt: list[str | None],
                   keys: dict[tuple[int, str], int], subject_matters: bool) -> Groups:
    """The eligible teachers (`exempt` None) in groups with the same school, level, subject
    (ANY_SUBJECT unless `subject_matters` or it is a table subject), backbone, senior title
    and volunteering; members ordered by years at the school (longest first), then id."""
    members: dict[tuple, list[int]] = {}
    for i, t in enumerate(teachers):
        if exempt[i] is not None:
            continue
        subj = t.subject if (subject_matters or ta.key[i] >= 0) else ANY_SUBJECT
        key = (int(ta.school[i]), int(ta.level[i]), subj, bool(ta.backbone[i]),
               bool(ta.senior[i]), bool(ta.volunteer[i]))
        members.setdefault(key, []).append(i)
    gkeys = sorted(members)
    years, tid = ta.years, ta.ids
    g_members = [np.array(sorted(members[k], key=lambda i: (-years[i], tid[i])),
                          dtype=np.int64) for k in gkeys]
    return Groups(
        school=np.array([k[0] for k in gkeys], dtype=np.int64),
        level=np.array([k[1] for k in gkeys], dtype=np.int64),
        subject=[k[2] for k in gkeys],
        key=np.array([keys.get((k[1], k[2]), -1) for k in gkeys], dtype=np.int64),
        backbone=np.array([k[3] for k in gkeys], dtype=bool),
        senior=np.array([k[4] for k in gkeys], dtype=bool),
        volunteer=np.array([k[5] for k in gkeys], dtype=bool),
        size=np.array([len(m) for m in g_members], dtype=np.int64), members=g_members)


def find_admissible_moves(rule: Rotation, schools: list[School], strength: np.ndarray,
                     km: np.ndarray, n0: np.ndarray, demand: Demand, gr: Groups,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(admissible (g, n), send_cap (n,)): whether group g may go to school j (rules
    rotation_direction and rotation_distance, a school with pupils of the level that needs
    the group's table subject, from a school that may send at all), and the teachers each
    school may send (rule rotation_sending_share)."""
    n = len(schools)
    urban = np.array([s.urban for s in schools], dtype=bool)
    groups_of = [s.group for s in schools]
    allowed = np.array([direction_mask(rule.direction, i, urban, strength, groups_of)
                        for i in range(n)], dtype=bool).reshape(n, n)
    if rule.one_for_one:  # the partner of an exchange goes against the direction
        allowed = allowed | allowed.T
    if rule.max_distance_km is not None:
        allowed &= km <= rule.max_distance_km + 1e-9
    send_cap = np.array([math.floor(rule.max_sending_share * c + 1e-9)
                         for c in n0.sum(axis=1)], dtype=np.int64)
    adm = (allowed[gr.school] & (demand.pupils.T[gr.level] > 0)
           & (send_cap[gr.school] > 0)[:, None])
    for g in np.flatnonzero(gr.key >= 0):
        adm[g] &= demand.subjects[:, gr.key[g]] > 0
    return adm.reshape(len(gr.size), n), send_cap


def mark_senior_rule(schools: list[School], demand: Demand) -> np.ndarray:
    """(n, 2) bool: the senior_title rule applies to the school's level (a kind that
    teaches it, with pupils of it)."""
    kinds = np.array([s.kind for s in schools])
    return np.column_stack([np.isin(kinds, ("primary", "nine_year")),
                            np.isin(kinds, ("junior", "nine_year"))]) & (demand.pupils > 0)


def warn_lone_schools(rule: Rotation, schools: list[School]) -> list[Finding]:
    """A warning when direction within_group leaves schools without a group (their teachers
    cannot rotate and they receive no one); otherwise none."""
    lone = [s.id for s in schools if s.group is None]
    if rule.direction != "within_group" or not lone:
        return []
    return [Finding(severity="warning", code="no_group", record=f"school '{lone[0]}'",
                    field="group", message=f"{len(lone)} schools have no group; under direction "
                    "within_group their teachers cannot rotate and they receive no one")]


def build_roster(scenario: Scenario, policy: Policy, schools: list[School], plan: Plan,
                 ) -> Roster:
    """The rotation instance of a checked scenario (`check_roster` found no error) for the
    open `schools` and the `plan` they follow; guarantees in the module docstring."""
    rule = policy.rotation
    n = len(schools)
    demand = staffing_demand(plan, schools, policy)
    keys = {k: i for i, k in enumerate(demand.subject_keys)}
    teachers = scenario.teachers
    ta = index_teachers(teachers, {s.id: i for i, s in enumerate(schools)}, keys)
    exempt = [exemption(t, rule) for t in teachers]
    n0, b0, s0, ns0 = count_teachers_before(ta, n, len(keys))
    strength, source, warnings = school_strength(schools, teachers)
    warnings += unlisted_exemptions(teachers, rule)
    xy = np.array([s.location for s in schools], dtype=float).reshape(-1, 2)
    km = StraightLine(xy, xy, scenario.crs).dense(np.arange(n))
    gr = group_teachers(teachers, ta, exempt, keys, rule.one_for_one)
    adm, send_cap = find_admissible_moves(rule, schools, strength, km, n0, demand, gr)
    cost = move_units(km[gr.school], gr.volunteer[:, None], rule.weights)
    eligible = np.bincount(ta.school[np.array([e is None for e in exempt], dtype=bool)],
                           minlength=n)
    sending = np.zeros(n, dtype=bool)
    sending[gr.school[adm.any(axis=1)]] = True
    school_quota = np.zeros(n, dtype=np.int64)
    if rule.quota_per_school:
        school_quota = np.where(sending, [ceil_int(rule.quota * e) for e in eligible], 0)
    bb_num, bb_den = fraction(rule.backbone_share)
    sen_num, sen_den = fraction(policy.staffing.senior_share_junior)
    eligible_backbone = int(sum(len(m) for m, b in zip(gr.members, gr.backbone, strict=True)
                                if b))
    warnings += warn_lone_schools(rule, schools)
    return Roster(
        policy=policy, schools=list(schools), school_ids=[s.id for s in schools], km=km,
        strength=strength, strength_source=source, demand=demand, plan_source=plan.source,
        teacher_ids=ta.ids, t_school=ta.school, t_level=ta.level,
        t_subject=[t.subject for t in teachers], t_title=[t.title for t in teachers],
        t_backbone=ta.backbone, t_senior=ta.senior,
        t_volunteer=ta.volunteer, t_years=ta.years, t_exemption=exempt, n0=n0, b0=b0, s0=s0,
        ns0=ns0, groups=gr,
        admissible=adm, cost=cost.reshape(len(gr.size), n),
        send_cap=send_cap,
        eligible=eligible.astype(np.int64), sending=sending,
        quota=ceil_int(rule.quota * int(eligible.sum())),
        school_quota=school_quota.astype(np.int64),
        backbone_num=bb_num, backbone_den=bb_den,
        backbone_quota=ceil_int(rule.backbone_share * eligible_backbone),
        senior_rule=mark_senior_rule(schools, demand), senior_num=sen_num, senior_den=sen_den,
        warnings=warnings)
