"""The result's derived sections against the scenario: `choose`, layout, balance and KPIs.

`ResultSectionChecks` holds the checks of the sections a result derives from its plan rather
than its rows: each `choose` operation's kept and closed candidates (and the kept ones'
fixed costs, which the objective check adds), the layout section against the layout
operations applied, the balance report and the KPIs recomputed from the school rows. They
compare sections as plain JSON values (`plain`), numbers within a relative 1e-6. It is mixed
into the student-stage checker of `allocator.verification.students`, which supplies the
attributes declared below, and imports no solver module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from allocator.layout import Layout, describe_layout
from allocator.metrics.balance import build_balance_report, summarize_balance
from allocator.metrics.kpis import compute_kpis
from allocator.metrics.planning import young_beyond_kpis
from allocator.model.policy import Policy
from allocator.model.result import Result
from allocator.model.scenario import Scenario, School
from allocator.rules.investment import layout_capital_yuan
from allocator.rules.objective import fixed_cost_units

from .indicators import recount_nearest


class ResultSectionChecks:
    """Checks of the `choose`, layout, balance and KPI sections; the checker that mixes it
    in supplies the scenario, the result, the applied layout, the policy and the open
    schools, and keeps the candidates `check_choose` finds kept and closed."""

    sc: Scenario
    res: Result
    layout: Layout
    policy: Policy
    schools: dict[str, School]
    kept: dict[int, list[str]]
    closed_by_choose: set[str]
    checked: dict[str, int]
    flag: Callable[[str, str, str], None]

    def check_choose(self) -> None:
        """Each `choose` operation's kept and closed candidates as the result reports them:
        together exactly the candidates, within the operation's range; closed ones leave the
        open schools (rows assigned to them are flagged by check_rows)."""
        reported = {c.index: c for c in (self.res.layout.choose if self.res.layout else [])}
        for spec in self.layout.choose:
            row = reported.get(spec.index)
            if row is None or row.kept is None or row.closed is None:
                self.flag("choose", spec.label, "the result does not say which candidates "
                          "were kept and closed")
                continue
            kept, closed = list(row.kept), list(row.closed)
            if sorted(kept + closed) != sorted(spec.candidates) or set(kept) & set(closed):
                self.flag("choose", spec.label, f"kept {kept} and closed {closed} are not a "
                          f"split of the candidates {spec.candidates}")
                continue
            lo, hi = spec.open_range()
            if not lo <= len(kept) <= hi:
                self.flag("choose", spec.label, f"{len(kept)} candidates kept; the operation "
                          f"allows {lo}-{hi} ({spec.rule_text()})")
            self.kept[spec.index] = kept
            self.closed_by_choose.update(closed)
        for sid in self.closed_by_choose:
            self.schools.pop(sid, None)
        self.checked["choose"] = len(self.layout.choose)

    def fixed_units(self) -> int:
        w = self.sc.options.weights.fixed_cost
        return sum(fixed_cost_units(spec.fixed_cost[c], w) for spec in self.layout.choose
                   for c in self.kept.get(spec.index, []))

    def check_layout_section(self) -> None:
        expect = describe_layout(self.layout, self.kept)
        if not _same(plain(self.res.layout), plain(expect)):
            self.flag("layout", self.res.scenario, "the result's layout section differs from "
                      "the layout operations applied to the scenario")

    def check_balance(self) -> None:
        roster = self.layout.teachers if self.sc.teachers else None
        expect = build_balance_report(self.res.schools, self.layout.school_map(), roster,
                                      self.policy)
        if not _same(plain(self.res.balance), plain(expect)):
            self.flag("balance_cv", self.res.scenario, "the balance report differs from the "
                      "one recomputed from the schools, their records and the roster")
        reported = plain(self.res.kpis.balance) if self.res.kpis is not None else None
        if not _same(reported, plain(summarize_balance(expect))):
            self.flag("kpis", "balance", f"reported {reported}, recomputed from the balance "
                      "report")
        self.checked["balance"] = len(expect.schools)

    def check_kpis(self) -> None:
        capital = layout_capital_yuan(self.policy, self.sc.layout,
                                      {s.id for s in self.res.schools})
        invested = sum(i.annual_cost_yuan for i in self.res.investments)
        open_schools = {s: r for s, r in self.schools.items()
                        if s not in self.closed_by_choose}
        nearest = recount_nearest(self.sc, self.res, open_schools)
        kpis = compute_kpis(self.res.assignments, self.res.schools, self.policy,
                            capital, invested, nearest)
        if self.res.kpis is not None and self.res.kpis.young_beyond_day_radius is not None:
            # from the violations, which check_young_beyond recomputes on their own
            kpis.young_beyond_day_radius = young_beyond_kpis(self.res.violations)
        expect = plain(kpis)
        reported = plain(self.res.kpis) or {}
        for key in ("left_behind", "township_boarding"):  # see verification.planning_rules
            expect.pop(key, None)
        for key, value in expect.items():
            if not _same(reported.get(key), value):
                self.flag("kpis", key, f"reported {reported.get(key)}, recomputed {value}")
        self.checked["kpis"] = len(expect)


def plain(value: Any) -> Any:
    """A result section (a model, a dict or list of models, None) as plain JSON values."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b, strict=True)))
    if isinstance(b, bool) or isinstance(a, bool):
        return a == b
    if isinstance(b, (int, float)) and isinstance(a, (int, float)):
        return abs(a - b) <= 1e-6 * max(1.0, abs(b))
    return a == b
