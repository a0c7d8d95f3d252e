"""Independent re-checks of the planning rules: the soft day radius for young pupils,
left-behind children first for beds, and boarding schools per township.

`YoungBeyondChecks` is mixed into the student checker of `verification.students`: while the
assignment rows are read it records, per row, the young pupils beyond the day radius
(`note_young_beyond`); `check_young_beyond` then compares them with the result's
`young_beyond_day_radius` violations (pupils, km beyond, school, cost) and returns the
objective units they add. Strict results may not have any. `check_left_behind` recomputes
the left-behind boarders with and without a bed from the scenario's blocks, the rows and the
beds of the open schools after the layout; `check_township_boarding` counts the open
boarding schools per township from the layout and compares the KPI and the violations.
No solver code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from allocator.model.grades import parse_grade_key
from allocator.model.policy import Policy
from allocator.model.result import Result
from allocator.model.scenario import Scenario, School
from allocator.rules.day_radius import RULE, km_beyond, young_beyond_units
from allocator.rules.group_intake import RULE as GROUP_RULE
from allocator.rules.group_intake import cross_group_units
from allocator.rules.objective import SCALE

TOWNSHIP_RULE = "township_boarding_schools"


class YoungBeyondChecks:
    """Recomputed young pupils beyond the day radius, and their check."""

    sc: Scenario
    res: Result
    policy: Policy
    schools: dict[str, School]
    flag: Callable[[str, str, str], None]
    checked: dict[str, int]

    def note_young_beyond(self, block: str, school: str, young: int, km: float,
                          radius: float) -> None:
        """Record one row's young pupils attending beyond the radius (`km` unrounded)."""
        if not hasattr(self, "young_far"):
            self.young_far: dict[tuple[str, str], tuple[int, float, int]] = {}
        units = int(young_beyond_units(np.array([young]), np.array([km]), np.array([radius]),
                                       self.policy)[0])
        self.young_far[(block, school)] = (young, float(km_beyond(km, radius)), units)

    def check_young_beyond(self) -> int:
        """Reported `young_beyond_day_radius` violations against the recomputed ones (one
        per block and school: pupils, km beyond, cost); flags a strict plan that has any.
        Returns their objective units."""
        recomputed = getattr(self, "young_far", {})
        reported = {(v.subject, v.school or ""): v for v in self.res.violations
                    if v.rule == RULE}
        for key in set(recomputed) | set(reported):
            block, school = key
            mine, theirs = recomputed.get(key), reported.get(key)
            if mine is None or theirs is None:
                self.flag(RULE, block, f"young pupils beyond the day radius at {school}: "
                          f"reported {theirs is not None}, recomputed {mine is not None}")
                continue
            young, beyond, units = mine
            if (int(theirs.amount) != young or theirs.km_beyond is None
                    or abs(theirs.km_beyond - beyond) > 0.0051
                    or abs(theirs.cost - units / SCALE) > 0.011):
                self.flag(RULE, block, f"at {school}: reported {theirs.amount:g} pupils "
                          f"{theirs.km_beyond} km beyond (cost {theirs.cost}), recomputed "
                          f"{young} pupils {beyond:.2f} km (cost {units / SCALE})")
        if self.res.strict and self.res.status in ("optimal", "feasible") and recomputed:
            self.flag(RULE, self.res.scenario, "a strict plan has young pupils beyond the "
                      "day radius")
        self.checked[RULE] = len(recomputed)
        return sum(units for _, _, units in recomputed.values())

    def check_left_behind(self) -> None:
        """kpis.left_behind against a recount: per school, the left-behind pupils of the
        boarding grades on boarding rows; beds (of the open school after the layout) go to
        them first."""
        reported = self.res.kpis.left_behind if self.res.kpis is not None else None
        if reported is None:
            return
        blocks = {b.id: b for b in self.sc.blocks}
        year = self.sc.options.year
        per_school: dict[str, int] = {}
        for r in self.res.assignments:
            b = blocks.get(r.block)
            if b is None or r.boarders == 0:
                continue
            lb = b.left_behind_by_grade(year)
            grades = (tuple(int(x) for x in r.grades.split(",")) if "," in r.grades
                      else parse_grade_key(r.grades))
            n = sum(lb[g - 1] for g in grades if g >= self.policy.min_boarding_grade)
            per_school[r.school] = per_school.get(r.school, 0) + min(n, r.boarders)
        short = {sid: max(0, n - (self.schools[sid].boarding_beds if sid in self.schools
                                  else 0)) for sid, n in per_school.items()}
        expect = {"pupils": sum(sum(b.left_behind_by_grade(year)) for b in self.sc.blocks),
                  "boarders": sum(per_school.values()),
                  "without_bed": sum(short.values()),
                  "schools_short": sum(1 for v in short.values() if v)}
        expect["with_bed"] = expect["boarders"] - expect["without_bed"]
        for key, value in expect.items():
            if getattr(reported, key) != value:
                self.flag("left_behind_first", key, f"kpis.left_behind.{key} reported "
                          f"{getattr(reported, key)}, recomputed {value}")
        self.checked["left_behind_first"] = len(per_school)

    def check_township_boarding(self) -> None:
        """Rule township_boarding_schools: open schools (after the layout, `choose` closures
        too) with at least the policy's beds per township, against the KPI and the
        violations (one per township short, amount the schools missing)."""
        need = {s.township for s in self.sc.schools if s.township}
        need |= {op.school.township for op in self.sc.layout
                 if op.op == "open" and op.school.township}
        over = self.sc.options.township_boarding or {}
        rule = self.policy.township_boarding
        need_n = {t: int(over.get(t, rule.min_schools)) for t in need | set(over)}
        closed = getattr(self, "closed_by_choose", set())
        have = dict.fromkeys(need_n, 0)
        for sid, s in self.schools.items():
            if sid not in closed and s.township in have and s.boarding_beds >= rule.min_beds:
                have[s.township] += 1
        kpi = self.res.kpis.township_boarding if self.res.kpis is not None else None
        if kpi is not None and kpi.by_township != have:
            self.flag(TOWNSHIP_RULE, "kpis", f"boarding schools per township reported "
                      f"{kpi.by_township}, recomputed {have}")
        expect = {t: need_n[t] - n for t, n in have.items() if n < need_n[t]}
        reported = {v.subject: int(v.amount) for v in self.res.violations
                    if v.rule == TOWNSHIP_RULE}
        if kpi is not None and reported != expect:
            self.flag(TOWNSHIP_RULE, "violations", f"townships short reported {reported}, "
                      f"recomputed {expect}")
        self.checked[TOWNSHIP_RULE] = len(have)

    def check_group_intake(self) -> int:
        """Rule group_intake: rows of a block with a group at a school of another group
        (open schools after the layout), against the reported violations (block, school,
        pupils, cost); a strict plan may have none. Returns their objective units."""
        if not self.sc.options.enrol_within_group:
            expect: dict[tuple[str, str], int] = {}
        else:
            blocks = {b.id: b for b in self.sc.blocks}
            expect = {}
            for r in self.res.assignments:
                b, s = blocks.get(r.block), self.schools.get(r.school)
                if b is not None and s is not None and b.group and s.group != b.group:
                    key = (r.block, r.school)
                    expect[key] = expect.get(key, 0) + r.pupils
        reported = {(v.subject, v.school or ""): v for v in self.res.violations
                    if v.rule == GROUP_RULE}
        units = {k: int(cross_group_units(np.array([n]), np.array([True]), self.policy)[0])
                 for k, n in expect.items()}
        for key in set(expect) | set(reported):
            v, n = reported.get(key), expect.get(key)
            if v is None or n is None or int(v.amount) != n or abs(
                    v.cost - units[key] / SCALE) > 0.011:
                self.flag(GROUP_RULE, key[0], f"pupils outside their group at {key[1]}: "
                          f"reported {v.amount if v else None}, recomputed {n}")
        if self.res.strict and self.res.status in ("optimal", "feasible") and expect:
            self.flag(GROUP_RULE, self.res.scenario, "a strict plan sends pupils outside "
                      "their group")
        self.checked[GROUP_RULE] = len(expect)
        return sum(units.values())
