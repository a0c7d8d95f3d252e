"""The rotation section's reported figures against recomputed ones.

`RotationFigureChecks` holds the checks of what the result says about a rotation once its
moves and counts are recomputed: the elastic violations, the per-school and level rows, the
weighted balance CVs, the objective with its bounds and status, and the school rows' teacher
totals. It is mixed into the rotation verifier of `allocator.verification.teachers`, which
derives the counts from the scenario and the moves and supplies the attributes declared
below. Like it, it imports no solver module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from allocator.model.grades import LEVELS
from allocator.model.policy import Rotation
from allocator.model.result import Result
from allocator.model.scenario import School
from allocator.rules.rotation_objective import (
    UNITS,
    balance_value,
    county_mean,
    move_units,
)
from allocator.rules.statistics import weighted_cv

Flag = Callable[[str, str, str], None]
ELASTIC = ("staffing_ratio", "senior_title", "rotation_quota", "rotation_backbone_share")


class RotationFigureChecks:
    """Checks of the rotation figures a result reports; the verifier that mixes it in
    supplies the result, its rotation section, the open schools and the rotation rule."""

    res: Result
    flag: Flag
    checked: dict[str, int]
    sec: dict[str, Any]
    schools: list[School]
    idx: dict[str, int]
    rule: Rotation

    def compare_violations(self, viol: dict) -> None:
        """The reported rotation violations equal the recomputed ones."""
        reported = {(v.rule, v.subject): v.amount for v in self.res.violations
                    if v.rule in ELASTIC}
        for key in set(viol) | set(reported):
            a, b = viol.get(key), reported.get(key)
            if a is None or b is None or abs(a - b) > 1e-9:
                self.flag(key[0], key[1], f"rotation violation: reported {b}, recomputed {a}")
        self.checked["rotation_violations"] = len(viol)

    def check_rows(self, p, c, dem, per_class, before, after, nsub, nsub_after, subj) -> None:
        """The per-school and level rows against recomputed counts."""
        rows = {(r["school"], r["level"]): r for r in self.sec.get("schools", [])}
        expect = set()
        for i, s in enumerate(self.schools):
            for lv, level in enumerate(LEVELS):
                if p[i, lv] == 0 and before["n"][i, lv] == 0 and after["n"][i, lv] == 0:
                    continue
                expect.add((s.id, level))
                r = rows.get((s.id, level))
                if r is None:
                    self.flag("rotation_rows", f"{s.id}:{level}", "row missing")
                    continue
                want = {"pupils": p[i, lv], "classes": c[i, lv], "demand": dem[i, lv]}
                for name in ("n", "b", "s"):
                    label = {"n": "teachers", "b": "backbone", "s": "senior"}[name]
                    for when, arr in (("before", before), ("after", after)):
                        want[f"{label}_{when}"] = arr[name][i, lv]
                        per = 100 * arr[name][i, lv] / p[i, lv] if p[i, lv] else 0.0
                        want[f"{label}_per_100_{when}"] = round(float(per), 4)
                for key, value in want.items():
                    if r.get(key) is None or abs(float(r[key]) - float(value)) > 1e-6:
                        self.flag("rotation_rows", f"{s.id}:{level}", f"{key} {r.get(key)} "
                                  f"reported, {value} recomputed")
        for key in set(rows) - expect:
            self.flag("rotation_rows", f"{key[0]}:{key[1]}", "row for a school and level "
                      "without pupils or teachers")

    def check_balance(self, p, before, after) -> None:
        """The weighted CVs per level and indicator, before and after."""
        bal = self.sec.get("balance", {})
        for lv, level in enumerate(LEVELS):
            w = p[:, lv]
            for name, key in (("teachers_per_100", "n"), ("backbone_per_100", "b"),
                              ("senior_per_100", "s")):
                for when, arr in (("before", before), ("after", after)):
                    v = np.where(w > 0, 100 * arr[key][:, lv] / np.maximum(w, 1), 0.0)
                    cv = weighted_cv(v, w)
                    got = bal.get(level, {}).get(name, {}).get(when)
                    if (cv is None) != (got is None) or (
                            cv is not None and abs(cv - got) > 1e-6):
                        self.flag("balance_cv", f"{level}:{name}", f"{when} {got} reported, "
                                  f"{cv} recomputed")

    def check_objective(self, moves, km, p, before, after, viol) -> None:
        """Objective, tier 1, bounds and status against their recomputed values."""
        w = self.rule.weights
        a = np.array([self.idx[t.school] for _, t in moves], dtype=np.int64)
        b = np.array([self.idx[m.to] for m, _ in moves], dtype=np.int64)
        vol = np.array([t.volunteer for _, t in moves], dtype=bool)
        units = int(move_units(km[a, b], vol, w).sum()) if len(moves) else 0
        if w.balance > 0:
            for key in ("b", "s"):
                for lv in (0, 1):
                    m = county_mean(int(before[key][:, lv].sum()), int(p[:, lv].sum()))
                    for i in np.flatnonzero(p[:, lv] > 0):
                        units += balance_value(int(p[i, lv]), m, w.balance,
                                               int(after[key][i, lv]))
        obj = self.sec.get("objective")
        if obj is None or abs(units / UNITS - obj) > 0.051:
            self.flag("rotation_objective", self.res.scenario, f"objective {obj} reported, "
                      f"{units / UNITS} recomputed")
        pen = self.rule.penalties
        tier1 = sum(getattr(pen, rule) * amount for (rule, _), amount in viol.items())
        short = self.sec.get("shortfall", {})
        if short.get("weighted") != tier1:
            self.flag("rotation_objective", self.res.scenario, f"weighted shortfall "
                      f"{short.get('weighted')} reported, {tier1} recomputed")
        lb, lb1 = self.sec.get("lower_bound"), short.get("lower_bound")
        status = self.sec.get("status")
        if lb is not None and obj is not None and lb > obj + 1e-6:
            self.flag("bound", "rotation", f"lower bound {lb} exceeds the objective {obj}")
        if lb1 is not None and lb1 > tier1:
            self.flag("bound", "rotation", f"shortfall bound {lb1} exceeds {tier1}")
        if status == "optimal" and (lb is None or obj is None or lb < obj - 1e-6
                                    or lb1 is None or lb1 < tier1):
            self.flag("status", "rotation", "status optimal without a matching bound")
        strict = self.sec.get("strict")
        if strict and status in ("optimal", "feasible") and tier1 > 0:
            self.flag("status", "rotation", "a strict rotation claims success yet breaks rules")
        if status == "infeasible" and tier1 == 0:
            self.flag("status", "rotation", "status infeasible without an explanation")
        self.checked["rotation_objective"] = 1

    def check_totals(self, before, after) -> None:
        """teachers_before / teachers_after of the school rows."""
        for r in self.res.schools:
            i = self.idx.get(r.id)
            if i is None or r.teachers_before is None:
                continue
            if (r.teachers_before, r.teachers_after) != (int(before["n"][i].sum()),
                                                         int(after["n"][i].sum())):
                self.flag("rotation_rows", r.id, f"teachers {r.teachers_before} -> "
                          f"{r.teachers_after} reported, {int(before['n'][i].sum())} -> "
                          f"{int(after['n'][i].sum())} recomputed")
