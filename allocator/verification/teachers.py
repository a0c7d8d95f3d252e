"""Solver-independent verification of a result's teacher rotation.

`check_rotation(scenario, result, flag)` re-derives, from the scenario, the policy and the
result's moves alone, every rotation rule: who is eligible (rotation_eligibility), where each
may go (rotation_direction with its own school-strength measure, rotation_distance, a
destination with pupils of the level that needs the subject), the sending limit
(rotation_sending_share), one-for-one exchanges (rotation_exchange), staffing demand from the
plan (staffing_ratio, per level and per table subject; a rotation never takes a school below
its demand or further below), senior titles (senior_title), the quota and the backbone share.
It recomputes the violations, the per-school rows, the balance CVs, the quota figures and the
objective, and compares them with what the result reports (those comparisons live in
`rotation_figures`). It imports no solver module: only the scenario, policy and result
models, the objective definition and geo distances.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

import numpy as np
from pydantic import ValidationError

from allocator.model.grades import LEVEL_GRADES, LEVELS, level_of
from allocator.model.policy import Policy, resolve_policy
from allocator.model.result import Result
from allocator.model.rotation import Move
from allocator.model.scenario import Scenario, Teacher
from allocator.rules.rotation_objective import round_km
from geo.distance import StraightLine

from .rotation_figures import Flag, RotationFigureChecks


def _ceil(x: float) -> int:
    return int(math.ceil(x - 1e-9))


def _share(x: float) -> tuple[int, int]:
    from fractions import Fraction

    f = Fraction(x).limit_denominator(10_000)
    return f.numerator, f.denominator


class _Rotation(RotationFigureChecks):
    def __init__(self, sc: Scenario, res: Result, flag: Flag, checked: dict[str, int]):
        self.sc, self.res, self.flag, self.checked = sc, res, flag, checked
        self.policy: Policy = resolve_policy(sc.policy.profile, sc.policy.overrides)
        self.rule = self.policy.rotation
        self.schools = [s for s in sc.schools if s.status == "open"]
        self.idx = {s.id: i for i, s in enumerate(self.schools)}
        self.n = len(self.schools)
        # the section as result.json holds it: every check reads what the file says
        self.sec: dict[str, Any] = (res.teachers.model_dump(mode="json", by_alias=True)
                                    if res.teachers is not None else {})

    # -- plan and demand -----------------------------------------------------------------
    def plan(self) -> tuple[np.ndarray, np.ndarray]:
        """Pupils and classes (n, 9): the student plan's rows, or today's enrolment."""
        pupils = np.zeros((self.n, 9), dtype=np.int64)
        classes = np.zeros((self.n, 9), dtype=np.int64)
        if "students" in self.res.stages:
            for r in self.res.schools:
                if r.id in self.idx:
                    pupils[self.idx[r.id]] = r.enrolment_by_grade
                    classes[self.idx[r.id]] = r.classes_by_grade
            expect = "student_plan"
        else:
            for b in self.sc.blocks:
                counts = b.pupils(self.sc.options.year)
                for g, sid in enumerate(b.current_by_grade()):
                    if sid in self.idx:
                        pupils[self.idx[sid], g] += counts[g]
            cap = np.array([getattr(self.policy.class_size_cap, level_of(g))
                            for g in range(1, 10)])
            classes = -(-pupils // cap)
            expect = "today"
        if self.sec.get("plan") != expect:
            self.flag("rotation_plan", self.res.scenario, f"plan '{self.sec.get('plan')}' "
                      f"reported, '{expect}' expected for stages {self.res.stages}")
        return pupils, classes

    def demand(self, pupils: np.ndarray, classes: np.ndarray):
        """Pupils, classes, demand, per-class flags (n, 2) and table-subject demand."""
        st = self.policy.staffing
        p = np.column_stack([pupils[:, :6].sum(1), pupils[:, 6:].sum(1)])
        c = np.column_stack([classes[:, :6].sum(1), classes[:, 6:].sum(1)])
        dem = np.zeros((self.n, 2), dtype=np.int64)
        per_class = np.zeros((self.n, 2), dtype=bool)
        for i, s in enumerate(self.schools):
            small = (p[i].sum() < st.small_school.max_pupils
                     and not (s.urban and st.small_school.rural_only))
            for lv, name in enumerate(LEVELS):
                if p[i, lv] <= 0:
                    continue
                by_ratio = _ceil(p[i, lv] / getattr(st.pupils_per_teacher, name))
                by_class = _ceil(c[i, lv] * getattr(st.small_school.teachers_per_class, name))
                dem[i, lv] = max(by_ratio, by_class) if small else by_ratio
                per_class[i, lv] = small and by_class > by_ratio
        subj = {}
        for name, table in st.subject_teachers_per_class.items():
            lv = LEVELS.index(name)
            for subject, need in table.items():
                subj[(lv, subject)] = np.where(p[:, lv] > 0,
                                               [_ceil(x * need) for x in c[:, lv]], 0)
        return p, c, dem, per_class, subj

    # -- eligibility and direction ---------------------------------------------------------
    def exempt(self, t: Teacher) -> str | None:
        """Why a teacher may not rotate, None when eligible."""
        r = self.rule
        if t.exempt is not None and t.exempt in r.exempt_reasons:
            return t.exempt
        if t.age is not None and t.sex is not None and t.sex in r.retirement_age:
            if t.age >= r.retirement_age[t.sex] - r.exempt_years_before_retirement:
                return "near_retirement"
        return "years_at_school" if t.years_at_school < r.min_years_at_school else None

    def strength(self) -> np.ndarray:
        """Every school's `strength`, else 100 x (backbone + senior) / teachers."""
        if all(s.strength is not None for s in self.schools):
            return np.array([s.strength for s in self.schools], dtype=float)
        top, cnt = np.zeros(self.n), np.zeros(self.n)
        for t in self.sc.teachers:
            if t.school in self.idx:
                cnt[self.idx[t.school]] += 1
                top[self.idx[t.school]] += t.backbone + (t.title == "senior")
        return np.where(cnt > 0, 100 * top / np.maximum(cnt, 1), 0.0)

    def allowed(self, a: int, b: int, strength: np.ndarray) -> bool:
        """Whether the direction rule lets a teacher go from school a to school b."""
        sa, sb = self.schools[a], self.schools[b]
        d = self.rule.direction
        town = sa.urban and not sb.urban
        weak = strength[b] < strength[a]
        return {"urban_to_rural": town, "strong_to_weak": weak,
                "urban_to_rural_or_strong_to_weak": town or weak,
                "within_group": sa.group is not None and sa.group == sb.group,
                }.get(d, True) and a != b

    # -- the checks ------------------------------------------------------------------------
    def run(self, pupils: np.ndarray, classes: np.ndarray) -> None:
        """Every check, in order: moves, limits, shortfalls, rows, balance, objective."""
        p, c, dem, per_class, subj = self.demand(pupils, classes)
        teachers = {t.id: t for t in self.sc.teachers}
        moves = self.read_moves(teachers)
        xy = np.array([s.location for s in self.schools], dtype=float).reshape(-1, 2)
        km = StraightLine(xy, xy, self.sc.crs).dense(np.arange(self.n))
        strength = self.strength()
        before = {k: np.zeros((self.n, 2), dtype=np.int64) for k in ("n", "b", "s")}
        nsub: dict[tuple[int, str], np.ndarray] = {k: np.zeros(self.n, dtype=np.int64)
                                                   for k in subj}
        for t in self.sc.teachers:
            i, lv = self.idx.get(t.school), LEVELS.index(t.level)
            if i is None:
                continue
            before["n"][i, lv] += 1
            before["b"][i, lv] += t.backbone
            before["s"][i, lv] += t.title == "senior"
            if (lv, t.subject) in nsub:
                nsub[(lv, t.subject)][i] += 1
        after = {k: v.copy() for k, v in before.items()}
        nsub_after = {k: v.copy() for k, v in nsub.items()}
        sent = np.zeros(self.n, dtype=np.int64)
        out = {k: np.zeros((self.n, 2), dtype=np.int64) for k in ("n", "s")}
        pairs: Counter = Counter()
        for m, t in moves:
            a, b, lv = self.idx[t.school], self.idx[m.to], LEVELS.index(t.level)
            self.check_move(m, t, a, b, lv, km, strength, p, subj)
            for key, w in (("n", 1), ("b", int(t.backbone)), ("s", int(t.title == "senior"))):
                after[key][a, lv] -= w
                after[key][b, lv] += w
            if (lv, t.subject) in nsub_after:
                nsub_after[(lv, t.subject)][a] -= 1
                nsub_after[(lv, t.subject)][b] += 1
            sent[a] += 1
            out["n"][a, lv] += 1
            out["s"][a, lv] += t.title == "senior"
            lo, hi = min(a, b), max(a, b)
            pairs[(lo, hi, lv, t.subject)] += 1 if a == lo else -1
        self.checked["rotation_moves"] = len(moves)
        self.check_limits(sent, out, before, after, dem, nsub, nsub_after, subj, pairs)
        viol = self.shortfalls(after, dem, nsub_after, subj, moves, strength, p, km)
        self.compare_violations(viol)
        self.check_rows(p, c, dem, per_class, before, after, nsub, nsub_after, subj)
        self.check_balance(p, before, after)
        self.check_objective(moves, km, p, before, after, viol)
        self.check_totals(before, after)

    def read_moves(self, teachers: dict[str, Teacher]) -> list[tuple[Move, Teacher]]:
        """The moves that name a roster teacher and an open school, once each."""
        out, seen = [], set()
        for i, raw in enumerate(self.sec.get("moves", [])):
            try:
                m = Move.model_validate(raw)
            except ValidationError as exc:
                self.flag("rotation_moves", f"move {i}", f"unreadable: {exc.errors()[0]['msg']}")
                continue
            t = teachers.get(m.teacher)
            if t is None or t.school not in self.idx or m.to not in self.idx:
                self.flag("rotation_moves", m.teacher, f"teacher '{m.teacher}' or open school "
                          f"'{m.to}' does not exist in the scenario")
                continue
            if m.teacher in seen:
                self.flag("rotation_moves", m.teacher, "the teacher moves more than once")
                continue
            seen.add(m.teacher)
            if m.from_school != t.school:
                self.flag("rotation_moves", m.teacher, f"moves from '{m.from_school}' but "
                          f"teaches at '{t.school}'")
            facts = {"subject": t.subject, "backbone": t.backbone, "title": t.title,
                     "level": t.level, "volunteer": t.volunteer}
            for key, value in facts.items():
                if getattr(m, key) is not None and getattr(m, key) != value:
                    self.flag("rotation_moves", m.teacher, f"{key} {getattr(m, key)!r} "
                              f"reported, the roster says {value!r}")
            out.append((m, t))
        return out

    def check_move(self, m: Move, t: Teacher, a: int, b: int, lv: int, km: np.ndarray,
                   strength: np.ndarray, p: np.ndarray, subj: dict) -> None:
        """Eligibility, direction, distance and destination of one move."""
        why = self.exempt(t)
        if why is not None:
            self.flag("rotation_eligibility", t.id, f"is not eligible to rotate ({why})")
        ok = self.allowed(a, b, strength) or (self.rule.one_for_one
                                              and self.allowed(b, a, strength))
        if not ok:
            self.flag("rotation_direction", t.id, f"{t.school} -> {m.to} is not allowed by "
                      f"direction {self.rule.direction}")
        d = float(km[a, b])
        if self.rule.max_distance_km is not None and d > self.rule.max_distance_km + 1e-9:
            self.flag("rotation_distance", t.id, f"{d:.2f} km exceeds "
                      f"{self.rule.max_distance_km:g} km")
        if m.distance_km is None or abs(float(round_km(d)) - m.distance_km) > 0.0051:
            self.flag("distance", t.id, f"{m.distance_km} km reported, {d:.2f} recomputed")
        if p[b, lv] <= 0 or not set(LEVEL_GRADES[LEVELS[lv]]) & set(
                self.schools[b].served_grades()):
            self.flag("served_grades", t.id, f"{m.to} has no {LEVELS[lv]} pupils")
        if (lv, t.subject) in subj and subj[(lv, t.subject)][b] <= 0:
            self.flag("staffing_ratio", t.id, f"{m.to} needs no {t.subject} teacher")

    def check_limits(self, sent, out, before, after, dem, nsub, nsub_after, subj,
                     pairs) -> None:
        """Sending share, "do no harm" floors and one-for-one exchanges."""
        cap = np.floor(self.rule.max_sending_share * before["n"].sum(1) + 1e-9)
        for i in np.flatnonzero(sent > cap):
            self.flag("rotation_sending_share", self.schools[i].id, f"sends {int(sent[i])}, "
                      f"at most {int(cap[i])} allowed")
        for i, lv in zip(*np.nonzero(after["n"] < np.minimum(before["n"], dem)), strict=True):
            self.flag("staffing_ratio", f"{self.schools[i].id}:{LEVELS[lv]}", "the rotation "
                      f"takes it to {int(after['n'][i, lv])} teachers, below "
                      f"{int(min(before['n'][i, lv], dem[i, lv]))}")
        for key, arr in nsub_after.items():
            for i in np.flatnonzero(arr < np.minimum(nsub[key], subj[key])):
                self.flag("staffing_ratio", f"{self.schools[i].id}:{LEVELS[key[0]]}:{key[1]}",
                          "the rotation takes the subject below its demand")
        for i, s in enumerate(self.schools):
            need = self.senior_need(i, after["n"], 0)
            if need and after["s"][i, 0] < min(before["s"][i, 0], need):
                self.flag("senior_title", f"{s.id}:primary", "the rotation takes away the "
                          "senior-title teacher the school needs")
            if self.senior_applies(i, 1):  # counting the teachers it sends only
                short0 = max(0, self.senior_need(i, before["n"], 1) - before["s"][i, 1])
                left = before["n"] - out["n"]
                short1 = self.senior_need(i, left, 1) - (before["s"][i, 1] - out["s"][i, 1])
                if short1 > short0:
                    self.flag("senior_title", f"{s.id}:junior", "the teachers it sends "
                              "lower its senior-title share below the rule")
        if self.rule.one_for_one:
            for (a, b, lv, subject), net in pairs.items():
                if net:
                    self.flag("rotation_exchange", f"{self.schools[a].id}-{self.schools[b].id}",
                              f"{LEVELS[lv]} {subject}: {net:+d} teachers net, not one for one")
        self.checked["rotation_schools"] = self.n

    def senior_applies(self, i: int, lv: int) -> bool:
        """Whether senior_title applies to school i at level lv (pupils of the kind)."""
        s = self.schools[i]
        kinds = ("primary", "nine_year") if lv == 0 else ("junior", "nine_year")
        return s.kind in kinds and self._pupils[i, lv] > 0

    def senior_need(self, i: int, n: np.ndarray, lv: int) -> int:
        """Senior-title teachers school i needs at level lv with n teachers."""
        if not self.senior_applies(i, lv):
            return 0
        if lv == 0:
            return self.policy.staffing.senior_min_primary
        num, den = _share(self.policy.staffing.senior_share_junior)
        return -(-num * int(n[i, 1]) // den)

    def shortfalls(self, after, dem, nsub_after, subj, moves, strength, p, km) -> dict:
        """Recomputed elastic violations: (rule, subject) -> teachers short."""
        out: dict[tuple[str, str], int] = {}
        for i, lv in zip(*np.nonzero(after["n"] < dem), strict=True):
            out[("staffing_ratio", f"{self.schools[i].id}:{LEVELS[lv]}")] = int(
                dem[i, lv] - after["n"][i, lv])
        for (lv, subject), arr in nsub_after.items():
            for i in np.flatnonzero(arr < subj[(lv, subject)]):
                out[("staffing_ratio", f"{self.schools[i].id}:{LEVELS[lv]}:{subject}")] = int(
                    subj[(lv, subject)][i] - arr[i])
        for i, s in enumerate(self.schools):
            for lv in (0, 1):
                need = self.senior_need(i, after["n"], lv)
                if after["s"][i, lv] < need:
                    out[("senior_title", f"{s.id}:{LEVELS[lv]}")] = int(need - after["s"][i, lv])
        eligible = [t for t in self.sc.teachers if t.school in self.idx and self.exempt(t) is None]
        required = _ceil(self.rule.quota * len(eligible))
        rotating = len(moves)
        if rotating < required:
            out[("rotation_quota", "county")] = required - rotating
        if self.rule.quota_per_school:
            self.school_quotas(eligible, moves, strength, p, km, out)
        backbone = sum(t.backbone for _, t in moves)
        if self.rule.backbone_basis == "rotating":
            num, den = _share(self.rule.backbone_share)
            need_b = -(-num * rotating // den)
        else:
            need_b = _ceil(self.rule.backbone_share * sum(t.backbone for t in eligible))
        if backbone < need_b:
            out[("rotation_backbone_share", "county")] = need_b - backbone
        q = self.sec.get("quota", {})
        expect = {"eligible": len(eligible), "required": required, "rotating": rotating,
                  "backbone_required": need_b, "backbone_rotating": backbone}
        for key, value in expect.items():
            if q.get(key) != value:
                self.flag("rotation_quota", key, f"quota.{key} {q.get(key)} reported, "
                          f"{value} recomputed")
        return out

    def school_quotas(self, eligible, moves, strength, p, km, out) -> None:
        """Per sending school: a school some eligible teacher may leave at all."""
        cap = np.floor(self.rule.max_sending_share * np.bincount(
            [self.idx[t.school] for t in self.sc.teachers if t.school in self.idx],
            minlength=self.n) + 1e-9)
        by_school = defaultdict(list)
        for t in eligible:
            by_school[self.idx[t.school]].append(t)
        sent = Counter(self.idx[t.school] for _, t in moves)
        subj = self.policy.staffing.subject_teachers_per_class
        for a, ts in by_school.items():
            if cap[a] <= 0:
                continue
            sending = False
            for t in ts:
                lv = LEVELS.index(t.level)
                table = subj.get(t.level, {})
                for b in range(self.n):
                    if not (self.allowed(a, b, strength) or (
                            self.rule.one_for_one and self.allowed(b, a, strength))):
                        continue
                    if p[b, lv] <= 0 or (self.rule.max_distance_km is not None
                                         and km[a, b] > self.rule.max_distance_km + 1e-9):
                        continue
                    if t.subject in table and _ceil(self._classes[b, lv] * table[t.subject]) <= 0:
                        continue
                    sending = True
                    break
                if sending:
                    break
            need = _ceil(self.rule.quota * len(ts)) if sending else 0
            if sent[a] < need:
                out[("rotation_quota", self.schools[a].id)] = need - sent[a]


def check_rotation(scenario: Scenario, result: Result, flag: Flag,
                   checked: dict[str, int]) -> None:
    """Flag every rotation rule the result breaks or misreports (see the module)."""
    v = _Rotation(scenario, result, flag, checked)
    if result.teachers is None:
        flag("rotation", result.scenario, "the result has no teacher rotation section")
        return
    pupils, classes = v.plan()
    v._pupils = np.column_stack([pupils[:, :6].sum(1), pupils[:, 6:].sum(1)])
    v._classes = np.column_stack([classes[:, :6].sum(1), classes[:, 6:].sum(1)])
    v.run(pupils, classes)
