"""Solver-independent verification of a result against its scenario.

`verify_result` re-derives every rule, every violation, the objective and the KPIs from the
scenario and the result rows alone. It uses no solver module (arcs, bounds, repair,
students, search, lns, report, classes, instance): block points, distances, boarding,
class arithmetic and penalties are recomputed here from the scenario, the policy and the
objective definition. A result passes (`ok`) only when it is consistent and, for results
claiming no violations, every hard rule holds. Layout operations are applied with
`allocator.layout` (pure data transformation, no solver code); for `choose` the kept and
closed candidates the result reports are checked against the operation and the kept ones'
fixed costs against the objective. The balance report and the funding KPIs are recomputed
(the checks of the choose, layout, balance and KPI sections live in `result_sections`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from allocator.layout import Layout, apply_layout, roster_scenario
from allocator.model.findings import ScenarioError
from allocator.model.geometry import block_point
from allocator.model.grades import LEVEL_GRADES, level_of, parse_grade_key
from allocator.model.policy import Policy, resolve_policy
from allocator.model.result import Result
from allocator.model.scenario import Scenario, School
from allocator.rules.objective import (
    SCALE,
    assignment_units,
    penalty_units,
    round_km,
)
from geo.distance import StraightLine

from .investments import added_capacity, check_investments, check_reliefs
from .planning_rules import YoungBeyondChecks
from .result_sections import ResultSectionChecks
from .teachers import check_rotation


@dataclass
class Problem:
    rule: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule} [{self.subject}]: {self.message}"


@dataclass
class VerifyReport:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)


def _size_cap(s: School, policy: Policy) -> int:
    return s.max_students if s.max_students is not None else getattr(policy.school_size_cap,
                                                                    s.kind)


def _rooms(s: School) -> int:
    if s.classrooms_by_level is not None:
        return s.classrooms_by_level.primary + s.classrooms_by_level.junior
    return s.classrooms or 0


class _Checker(ResultSectionChecks, YoungBeyondChecks):
    def __init__(self, scenario: Scenario, result: Result, layout: Layout):
        self.sc, self.res, self.layout = scenario, result, layout
        self.policy = resolve_policy(scenario.policy.profile, scenario.policy.overrides)
        self.schools = layout.school_map()  # open schools, layout operations applied
        self.closed_by_choose: set[str] = set()
        self.kept: dict[int, list[str]] = {}
        self.blocks = {b.id: b for b in scenario.blocks}
        self.problems: list[Problem] = []
        self.checked: dict[str, int] = defaultdict(int)
        self.cap = [getattr(self.policy.class_size_cap, level_of(g)) for g in range(1, 10)]
        self.added = added_capacity(result)

    def flag(self, rule: str, subject: str, message: str) -> None:
        self.problems.append(Problem(rule, subject, message))

    # -- assignment rows ------------------------------------------------------------------
    def check_rows(self) -> dict[str, np.ndarray]:
        """Row-level rules; returns recomputed per-school pupils by grade and boarders."""
        rows = self.res.assignments
        year = self.sc.options.year
        pupils_by_school = {s: np.zeros(9, dtype=np.int64) for s in self.schools}
        boarders = dict.fromkeys(self.schools, 0)
        covered: dict[tuple[str, int], int] = defaultdict(int)
        segments: dict[tuple[str, str], list[tuple[tuple[int, ...], str]]] = defaultdict(list)
        valid = []
        for i, r in enumerate(rows):
            b, s = self.blocks.get(r.block), self.schools.get(r.school)
            if r.school in self.closed_by_choose:
                self.flag("choose", r.block, f"{r.level} pupils attend '{r.school}', a "
                          "candidate the result says is closed")
                continue
            if b is None or s is None:
                self.flag("assignment_ids", f"row {i}", f"block '{r.block}' or open school "
                          f"'{r.school}' does not exist in the scenario")
                continue
            try:
                grades = parse_grade_key(r.grades) if "," not in r.grades else tuple(
                    int(x) for x in r.grades.split(","))
            except ValueError:
                self.flag("assignment_grades", r.block, f"grades '{r.grades}' unreadable")
                continue
            if any(g not in LEVEL_GRADES[r.level] for g in grades):
                self.flag("assignment_grades", r.block, f"grades {r.grades} are not all "
                          f"{r.level} grades")
                continue
            counts = b.pupils(year)
            expect = sum(counts[g - 1] for g in grades)
            if r.pupils != expect:
                self.flag("assignment_pupils", r.block, f"{r.level} grades {r.grades}: "
                          f"{r.pupils} pupils reported, the scenario has {expect}")
            served = s.served_grades()
            if any(g not in served for g in grades):
                self.flag("served_grades", r.block, f"school {s.id} does not serve grades "
                          f"{r.grades}")
            for g in grades:
                covered[(b.id, g)] += 1
                pupils_by_school[s.id][g - 1] += counts[g - 1]
            segments[(b.id, r.level)].append((grades, s.id))
            valid.append((r, b, s, grades))
        self.check_distances(valid, boarders)
        for b in self.sc.blocks:
            for g, n in enumerate(b.pupils(year), start=1):
                c = covered.get((b.id, g), 0)
                if (n > 0 and c != 1) or c > 1:
                    self.flag("assignment_coverage", b.id, f"grade {g} ({n} pupils) is "
                              f"assigned {c} times; it must be assigned exactly once")
        self.check_level_unity(segments)
        self.check_locks(segments)
        self.checked["assignments"] = len(rows)
        return {"pupils": pupils_by_school, "boarders": boarders}

    def check_distances(self, valid, boarders: dict[str, int]) -> None:
        """Distance, boarding, young pupils beyond the day radius and moved pupils of each
        row."""
        if not valid:
            return
        bxy = np.array([block_point(b) for _, b, _, _ in valid], dtype=float)
        sxy = np.array([s.location for _, _, s, _ in valid], dtype=float)
        idx = np.arange(len(valid))
        km = StraightLine(bxy, sxy, self.sc.crs).pairs(idx, idx)
        r_km = round_km(km)
        radius = self.policy.day_radius_km
        min_board = self.policy.min_boarding_grade
        for (r, b, s, grades), d, dr in zip(valid, km, r_km, strict=True):
            if abs(dr - r.distance_km) > 0.0051:
                self.flag("distance", r.block, f"to {s.id}: {r.distance_km} km reported, "
                          f"{dr:.2f} km recomputed")
            lim = getattr(getattr(radius, r.level), "urban" if b.urban else "rural")
            counts = b.pupils(self.sc.options.year)
            beyond = d > lim + 1e-9
            young = sum(counts[g - 1] for g in grades if g < min_board)
            expect = r.pupils - young if beyond else 0  # young pupils never board
            if r.boarders != expect:
                self.flag("boarding_beds", r.block, f"at {s.id} ({dr:.2f} km, day radius "
                          f"{lim:g} km): {r.boarders} boarders reported, {expect} expected")
            if beyond and young:  # rule young_beyond_day_radius
                self.note_young_beyond(r.block, s.id, young, d, lim)
            boarders[s.id] += expect
            # today's school after the layout: merged ones follow their target, closed ones
            # ("") move wherever they go, unknown ones (None) never count
            today = [self.layout.today(c) for c in b.current_by_grade()]
            moved = sum(counts[g - 1] for g in grades
                        if today[g - 1] is not None and today[g - 1] != s.id)
            if moved != r.moved:
                self.flag("moved", r.block, f"{r.moved} pupils reported moved, {moved} "
                          "recomputed")
        self.checked["distances"] = len(valid)

    def check_level_unity(self, segments) -> None:
        """one_school_per_level: only lower grades may split off, to a school that does not
        serve the next segment."""
        for (bid, level), segs in segments.items():
            segs = sorted(segs)
            for (lo, s_lo), (hi, s_hi) in zip(segs, segs[1:], strict=False):
                serves_hi = all(g in self.schools[s_lo].served_grades() for g in hi)
                if serves_hi and s_hi != s_lo:
                    self.flag("one_school_per_level", bid, f"{level} grades "
                              f"{lo[0]}-{lo[-1]} attend {s_lo}, which also serves grades "
                              f"{hi[0]}-{hi[-1]}, but those attend {s_hi}")

    def check_locks(self, segments) -> None:
        for lock in self.sc.options.locked:
            for _, s in segments.get((lock.block, lock.level), []):
                if s != lock.school:
                    self.flag("locked_assignment", lock.block, f"{lock.level} locked to "
                              f"{lock.school} but assigned to {s}")

    # -- schools and violations -----------------------------------------------------------
    def rooms_short(self, s: School, C: np.ndarray) -> int:
        """Classes beyond the classrooms and those the plan builds (per level where the
        school counts them apart); flags classrooms built beyond the classes."""
        groups = ([(C[:6], s.classrooms_by_level.primary, "primary"),
                   (C[6:], s.classrooms_by_level.junior, "junior")]
                  if s.classrooms_by_level is not None else [(C, _rooms(s), None)])
        short = 0
        for classes, rooms, level in groups:
            built = self.added[s.id][level]
            if built > max(0, int(classes.sum()) - rooms):
                self.flag("investment", s.id, f"{built} classrooms built for "
                          f"{max(0, int(classes.sum()) - rooms)} classes beyond the rooms")
            short += max(0, int(classes.sum()) - rooms - built)
        return short

    def check_schools(self, loads: dict[str, Any]) -> dict[tuple[str, str, int | None], float]:
        """School rows against recomputed loads; returns recomputed violations."""
        rows = {s.id: s for s in self.res.schools}
        viol: dict[tuple[str, str, int | None], float] = {}
        for sid in set(rows) - set(self.schools):
            self.flag("school_rows", sid, "school row for a school that is not open")
        for sid, s in self.schools.items():
            row = rows.get(sid)
            if row is None:
                self.flag("school_rows", sid, "open school missing from result.schools")
                continue
            P = loads["pupils"][sid]
            C = np.array(row.classes_by_grade, dtype=np.int64)
            if list(P) != row.enrolment_by_grade or int(P.sum()) != row.enrolment:
                self.flag("school_rows", sid, f"enrolment {row.enrolment_by_grade} reported, "
                          f"{P.tolist()} recomputed from the assignments")
            if np.any(C < 0) or np.any((P > 0) & (C < 1)):
                self.flag("class_size_cap", sid, "a grade with pupils has no class")
            C = np.maximum(C, (P > 0).astype(np.int64))
            for g in range(9):
                over = int(P[g]) - self.cap[g] * int(C[g])
                if over > 0:
                    viol[("class_size_cap", sid, g + 1)] = over
            extra = self.rooms_short(s, C)
            if extra:
                viol[("classrooms", sid, None)] = extra
            cap = _size_cap(s, self.policy)
            if P.sum() > cap:
                viol[("school_size_cap", sid, None)] = int(P.sum()) - cap
            bd = loads["boarders"][sid]
            beds = s.boarding_beds + self.added[sid]["beds"]
            if bd > beds:
                viol[("boarding_beds", sid, None)] = bd - beds
            if self.added[sid]["beds"] > max(0, bd - s.boarding_beds):
                self.flag("investment", sid, f"{self.added[sid]['beds']} beds built for "
                          f"{max(0, bd - s.boarding_beds)} boarders without a bed")
            largest = max((math.ceil(P[g] / C[g]) for g in range(9) if C[g]), default=0)
            rooms = _rooms(s)
            expect = {"classes": int(C.sum()), "classrooms": rooms, "max_class_size": largest,
                      "size_cap": cap, "boarders": bd, "beds": s.boarding_beds,
                      "utilisation": round(float(C.sum()) / rooms, 4) if rooms else 0.0,
                      "fixed_cost_yuan": self.layout.fixed_cost.get(sid, 0.0)}
            for key, value in expect.items():
                if abs(getattr(row, key) - value) > 1e-9:
                    self.flag("school_rows", sid, f"{key} {getattr(row, key)} reported, "
                              f"{value} recomputed")
        self.checked["schools"] = len(self.schools)
        return viol

    def check_violations(self, viol: dict) -> None:
        reported: dict[tuple[str, str, int | None], float] = {}
        for v in self.res.violations:
            if v.rule not in ("class_size_cap", "classrooms", "school_size_cap",
                              "boarding_beds"):
                continue  # other stages' rules are checked by their own verifiers
            reported[(v.rule, v.subject, v.grade)] = v.amount
        for key in set(viol) | set(reported):
            a, b = viol.get(key), reported.get(key)
            if a is None or b is None or abs(a - b) > 1e-9:
                rule, subject, grade = key
                where = f" grade {grade}" if grade else ""
                self.flag(rule, subject, f"violation{where}: reported {b}, recomputed {a}")
        self.checked["violations"] = len(viol)
        self.checked["reliefs"] = check_reliefs(self.policy, self.res, self.schools, self.cap,
                                                self.flag)

    def check_objective(self, viol: dict) -> None:
        rows = self.res.assignments
        w = self.sc.options.weights
        units = int(assignment_units(np.array([r.pupils for r in rows]),
                                     np.array([r.distance_km for r in rows]),
                                     np.array([r.moved for r in rows]), w).sum()) if rows else 0
        pen = penalty_units(self.policy)
        units += sum(pen[rule] * int(amount) for (rule, _, _), amount in viol.items())
        units += self.check_young_beyond() + self.check_group_intake()
        fixed = self.fixed_units()  # rule choose: kept candidates' fixed costs
        units += fixed + check_investments(self.policy, self.res, self.schools, self.flag)
        if self.res.objective is None or abs(units / SCALE - self.res.objective) > 0.011:
            self.flag("objective", self.res.scenario, f"objective {self.res.objective} "
                      f"reported, {units / SCALE} recomputed")
        terms = self.res.objective_terms
        if terms is not None and abs(terms.total - units / SCALE) > 0.011:
            self.flag("objective", self.res.scenario, f"objective_terms.total {terms.total}, "
                      f"recomputed {units / SCALE}")
        if terms is not None and abs(terms.fixed_cost - fixed / SCALE) > 0.011:
            self.flag("choose", self.res.scenario, f"objective_terms.fixed_cost "
                      f"{terms.fixed_cost}, recomputed {fixed / SCALE}")
        lb = self.res.lower_bound
        if lb is not None and self.res.objective is not None:
            if lb > self.res.objective + 1e-6:
                self.flag("bound", self.res.scenario, f"lower bound {lb} exceeds the "
                          f"objective {self.res.objective}")
            gap = max(0.0, self.res.objective - lb) / max(abs(self.res.objective), 1 / SCALE)
            if self.res.gap is None or abs(gap - self.res.gap) > 1e-4:
                self.flag("bound", self.res.scenario, f"gap {self.res.gap} reported, "
                          f"{gap:.6f} recomputed")
            if self.res.status == "optimal" and gap > 1e-9:
                self.flag("status", self.res.scenario, "status optimal with a positive gap")

    def check_status(self, viol: dict) -> None:
        res = self.res
        broken = [v for v in res.violations if v.rule != "township_boarding_schools"]
        if res.strict and res.status in ("optimal", "feasible") and (viol or broken):
            self.flag("status", res.scenario, "a strict result claims a plan yet breaks rules")
        if res.status == "infeasible" and not res.violations:
            self.flag("status", res.scenario, "status infeasible without an explanation")


def verify_result(scenario: Scenario, result: Result) -> VerifyReport:
    """Recompute every rule and KPI of `result` from `scenario`; see the module docstring.
    Layout operations are applied by `allocator.layout` (pure data transformation), and
    `choose` results are checked against their operations (rule `choose`)."""
    try:
        layout = apply_layout(scenario)
    except ScenarioError as exc:
        return VerifyReport(False, [Problem("layout", f.record or scenario.name, f.message)
                                    for f in exc.findings])
    c = _Checker(scenario, result, layout)
    if "students" in result.stages and (result.assignments
                                        or result.status in ("optimal", "feasible")):
        c.check_choose()
        loads = c.check_rows()
        viol = c.check_schools(loads)
        c.check_violations(viol)
        c.check_objective(viol)
        c.check_kpis()
        c.check_left_behind()
        c.check_township_boarding()
        c.check_balance()
        c.check_layout_section()
        c.check_status(viol)
    if "teachers" in result.stages:  # the rotation stage
        check_rotation(roster_scenario(scenario, layout)[0], result, c.flag, c.checked)
    return VerifyReport(ok=not c.problems, problems=c.problems, checked=dict(c.checked))
