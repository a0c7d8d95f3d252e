"""Rule `investment`: what new classrooms and beds cost, in yuan and in objective units, and
the smallest capacity change that removes a capacity violation (its `relief`).

Pure arithmetic shared by the solver (prices of its capacity slacks), the result builder and
the verifier. A classroom or bed costs its one-off price annualised over the policy's years,
times `pupil_km_per_yuan`, in integer objective units (`SCALE` per pupil-km).

Why pricing a capacity slack at min(penalty, investment) is exact: at a school, a plan that
needs `k` classrooms beyond its stock may build `b` of them and pay the penalty on `k - b`;
its cost `b * invest + (k - b) * penalty` is linear in `b`, so its least value over
`0 <= b <= k` is `k * min(invest, penalty)`. One slack variable at that price therefore has
the same optimum as separate build and penalty variables, and the cheaper of the two decides
what the result reports (ties: build, so that an investment removes the violation).
"""

from __future__ import annotations

from allocator.model.investment import Relief
from allocator.model.policy import Policy
from allocator.model.scenario import AddBedsOp, ExpandOp, LayoutOp, OpenOp

from .objective import SCALE, penalty_units

INVESTABLE = {"classrooms": "classrooms", "boarding_beds": "beds"}  # rule -> what is built


def unit_price_yuan(policy: Policy, what: str) -> float:
    """One-off yuan of one classroom (`what` "classrooms") or one bed ("beds")."""
    c = policy.investment
    return c.classroom_yuan if what == "classrooms" else c.bed_yuan


def investment_units(policy: Policy) -> dict[str, int]:
    """Integer objective units of one classroom and one bed a year, by the rule whose slack
    they relieve (`classrooms`, `boarding_beds`)."""
    c = policy.investment
    return {rule: int(round(SCALE * c.pupil_km_per_yuan * unit_price_yuan(policy, what)
                            / c.years))
            for rule, what in INVESTABLE.items()}


def capacity_prices(policy: Policy, invest: bool) -> dict[str, int]:
    """Integer price of one unit of each capacity slack: the elastic penalty, and with
    `invest` the classroom and bed slacks at min(penalty, investment) (see the module
    docstring for why this is exact)."""
    pen = penalty_units(policy)
    if invest:
        for rule, units in investment_units(policy).items():
            pen[rule] = min(pen[rule], units)
    return pen


def builds(policy: Policy, invest: bool, rule: str) -> bool:
    """True when, under `invest`, a shortfall of `rule` is met by building (investing costs
    no more than the penalty) rather than reported as a violation."""
    if not invest or rule not in INVESTABLE:
        return False
    return investment_units(policy)[rule] <= penalty_units(policy)[rule]


def cost_yuan(policy: Policy, what: str, count: int) -> tuple[float, float]:
    """(one-off, annual) yuan of `count` classrooms or beds."""
    once = float(count) * unit_price_yuan(policy, what)
    return round(once, 2), round(once / policy.investment.years, 2)


def make_relief(policy: Policy, classrooms: int, beds: int) -> Relief:
    """A relief of `classrooms` and `beds` with its cost under `policy`."""
    r_once, r_year = cost_yuan(policy, "classrooms", classrooms)
    b_once, b_year = cost_yuan(policy, "beds", beds)
    return Relief(classrooms=classrooms, beds=beds, cost_yuan=round(r_once + b_once, 2),
                  annual_cost_yuan=round(r_year + b_year, 2))


def class_cap_relief_rooms(pupils: int, cap: int, classes: int, group_classes: int,
                           group_rooms: int) -> int:
    """Classrooms that remove a class_size_cap violation of one grade: the grade opens
    ceil(pupils / cap) classes (so none exceeds the cap) while every other class keeps its
    room; the classroom group (the school, or its level where rooms are counted apart) then
    needs rooms for all its classes. 0 when the grade is within the cap."""
    need = max(0, -(-int(pupils) // int(cap)) - int(classes))
    if need == 0:
        return 0
    return max(0, int(group_classes) + need - int(group_rooms))


def added_by_operation(op: LayoutOp) -> tuple[str | None, int, int]:
    """(school, classrooms, beds) a layout operation adds; (None, 0, 0) for the others."""
    if isinstance(op, OpenOp):
        s = op.school
        rooms = (s.classrooms_by_level.primary + s.classrooms_by_level.junior
                 if s.classrooms_by_level is not None else s.classrooms or 0)
        return s.id, rooms, s.boarding_beds
    if isinstance(op, ExpandOp):
        by_level = op.classrooms_by_level
        rooms = op.classrooms + (by_level.primary + by_level.junior if by_level else 0)
        return op.school, rooms, op.boarding_beds
    if isinstance(op, AddBedsOp):
        return op.school, 0, op.beds
    return None, 0, 0


def layout_capital_yuan(policy: Policy, layout: list[LayoutOp], open_ids: set[str]) -> float:
    """Annual capital cost of the classrooms and beds that `open`, `expand` and `add_beds`
    operations add at schools open under the plan (`open_ids`), at the policy's unit costs
    annualised over its years."""
    total = 0.0
    for op in layout:
        school, rooms, beds = added_by_operation(op)
        if school in open_ids:
            total += cost_yuan(policy, "classrooms", rooms)[0] + cost_yuan(policy, "beds",
                                                                          beds)[0]
    return round(total / policy.investment.years, 2)
