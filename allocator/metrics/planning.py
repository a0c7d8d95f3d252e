"""KPIs of the planning rules, from a result's rows and the scenario.

`young_beyond_kpis`: the young pupils a plan sends beyond the day radius (rule
`young_beyond_day_radius`), counted from its violations (one per block and school).
`left_behind_kpis`: left-behind boarders with and without a bed (beds go to them first).
`township_boarding`: open boarding schools per township against rule
`township_boarding_schools`, with a violation per township short.
"""

from __future__ import annotations

from allocator.model.grades import parse_grade_key
from allocator.model.kpis import LeftBehind, TownshipBoarding, YoungBeyondRadius
from allocator.model.policy import Policy
from allocator.model.result import Assignment, SchoolResult, Violation
from allocator.model.scenario import Scenario
from allocator.rules.day_radius import RULE

TOWNSHIP_RULE = "township_boarding_schools"


def young_beyond_kpis(violations: list[Violation]) -> YoungBeyondRadius:
    """Pupils, blocks, pupil-km and the largest km beyond the radius over the plan's
    `young_beyond_day_radius` violations (all zero without any)."""
    rows = [v for v in violations if v.rule == RULE]
    return YoungBeyondRadius(
        pupils=int(sum(v.amount for v in rows)),
        blocks=len({v.subject for v in rows}),
        pupil_km_beyond=round(sum(v.amount * (v.km_beyond or 0.0) for v in rows), 2),
        max_km_beyond=max((v.km_beyond or 0.0 for v in rows), default=0.0))


def row_grades(key: str) -> tuple[int, ...]:
    """Grades of an assignment row's `grades` text ("1-6", "4", "1,3")."""
    if "," in key:
        return tuple(int(x) for x in key.split(","))
    return parse_grade_key(key)


def left_behind_boarders(scenario: Scenario, rows: list[Assignment],
                         policy: Policy) -> dict[str, int]:
    """Left-behind boarders per school: on each boarding row, the block's left-behind
    pupils of the row's boarding grades (`Block.left_behind_by_grade`)."""
    blocks = {b.id: b for b in scenario.blocks}
    out: dict[str, int] = {}
    for r in rows:
        b = blocks.get(r.block)
        if b is None or r.boarders == 0:
            continue
        lb = b.left_behind_by_grade(scenario.options.year)
        n = sum(lb[g - 1] for g in row_grades(r.grades) if g >= policy.min_boarding_grade)
        out[r.school] = out.get(r.school, 0) + min(n, r.boarders)
    return out


def left_behind_kpis(scenario: Scenario, rows: list[Assignment],
                     schools: list[SchoolResult], policy: Policy) -> LeftBehind:
    """Left-behind pupils and boarders; at each school beds go to left-behind boarders
    first, so those without a bed are the ones beyond its beds."""
    year = scenario.options.year
    by_school = left_behind_boarders(scenario, rows, policy)
    beds = {s.id: s.beds for s in schools}
    short = {sid: max(0, n - beds.get(sid, 0)) for sid, n in by_school.items()}
    boarders = sum(by_school.values())
    return LeftBehind(
        pupils=sum(sum(b.left_behind_by_grade(year)) for b in scenario.blocks),
        boarders=boarders, with_bed=boarders - sum(short.values()),
        without_bed=sum(short.values()), schools_short=sum(1 for v in short.values() if v))


def township_requirements(scenario: Scenario, policy: Policy) -> dict[str, int]:
    """Boarding schools each township must keep: the townships of the scenario's schools
    (those a layout opens included) and of `options.township_boarding`, the policy's number
    unless the option overrides it."""
    towns = {s.township for s in scenario.schools if s.township}
    towns |= {op.school.township for op in scenario.layout
              if op.op == "open" and op.school.township}
    over = scenario.options.township_boarding or {}
    towns |= set(over)
    return {t: int(over.get(t, policy.township_boarding.min_schools)) for t in sorted(towns)}


def township_boarding(scenario: Scenario, schools: list[SchoolResult], policy: Policy,
                      ) -> tuple[TownshipBoarding, list[Violation]]:
    """Open boarding schools per township (a school row with at least the policy's
    `min_beds` beds) and a `township_boarding_schools` violation per township short of its
    requirement (amount: schools missing; no cost, the layout decides it)."""
    need = township_requirements(scenario, policy)
    have = {t: 0 for t in need}
    for s in schools:
        if s.township in have and s.beds >= policy.township_boarding.min_beds:
            have[s.township] += 1
    viol = [Violation(rule=TOWNSHIP_RULE, subject=t, amount=need[t] - n, unit="schools",
                      message=f"township {t}: {n} open boarding schools, the rule asks for "
                              f"at least {need[t]}")
            for t, n in have.items() if n < need[t]]
    return TownshipBoarding(townships=len(have), townships_short=len(viol),
                            by_township=have), viol
