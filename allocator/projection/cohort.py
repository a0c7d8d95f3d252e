"""The arithmetic of one block's projection: factors, grade 1 intake and cohort progression.

Per year t after the base year, for a block of township T:
- y = migrant[T] x variant.migration is the block's yearly net-migration factor;
- grade g+1 in t = grade g in t-1 x survival(step g) x y (grade 9 leaves; the step 6 -> 7
  crosses to junior); survival is the scenario's factor for T, else for urban / rural, else
  the policy's factor of the step for urban / rural;
- grade 1 in t (k = t - base): children aged 6-k in the base year x y^k when
  `children_by_age` is given and k <= 6; else births of T in t-6 x the block's share of T's
  grade 1 in the base year x y; else grade 1 of the base year x trend^k x y^k. Births after
  the base year (the births themselves, or the trend's) are scaled by variant.births;
- a development adds, in its year of occupancy, dwellings x pupils per 100 / 100 of each
  level spread evenly over the level's grades (primary / 6 to each of grades 1-6, junior / 3
  to grades 7-9); from the next year its cohorts move up like the block's and it adds a new
  grade 1 of primary / 6 each year (a settled estate);
- counts the planner gave for a year (`students_by_year`, the base year included) are kept
  and carried forward.
Counts stay fractional from year to year; `rounding.apportion` makes them whole pupils.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allocator.model.policy import Policy
from allocator.model.projection import GRADE_STEPS, ProjectionSettings
from allocator.model.scenario import Block, Development

PRIMARY_GRADES = 6
JUNIOR_GRADES = 3


@dataclass(frozen=True)
class Context:
    """What every block's projection shares: base year, policy numbers, settings, variant,
    births by (township, year) and each township's grade 1 in the base year."""

    base: int
    policy: Policy
    settings: ProjectionSettings
    variant: str
    births: dict[tuple[str, int], int]
    township_grade1: dict[str, int]
    township_blocks: dict[str, int]


@dataclass
class BlockPlan:
    """One block's developments (pupils per grade added in their year) and its factors."""

    steps: list[float]
    yearly: float
    additions: dict[int, list[float]] = field(default_factory=dict)
    settled_intake: dict[int, float] = field(default_factory=dict)


def yearly_factor(block: Block, ctx: Context) -> float:
    """The block's yearly net-migration factor: migrant[township] x variant.migration."""
    migrant = ctx.settings.migrant.get(block.township or "", 1.0)
    return migrant * ctx.policy.projection.variants[ctx.variant].migration


def step_factors(block: Block, ctx: Context) -> list[float]:
    """The survival factor of each grade step (1->2 ... 8->9) times the yearly factor."""
    area = "urban" if block.urban else "rural"
    own = ctx.settings.survival.get(block.township or "", ctx.settings.survival.get(area))
    base = [own] * GRADE_STEPS if own is not None else list(
        getattr(ctx.policy.projection.survival, area))
    y = yearly_factor(block, ctx)
    return [f * y for f in base]


def development_pupils(dev: Development, ctx: Context) -> tuple[float, float]:
    """Primary and junior pupils a development brings: dwellings x rate / 100 per level,
    its own rate where given, else the policy's."""
    default = ctx.policy.projection.pupils_per_100_dwellings
    own = dev.pupils_per_100
    rates = [getattr(own, level, None) if own is not None else None
             for level in ("primary", "junior")]
    primary = rates[0] if rates[0] is not None else default.primary or 0.0
    junior = rates[1] if rates[1] is not None else default.junior or 0.0
    return dev.dwellings * primary / 100, dev.dwellings * junior / 100


def plan_block(block: Block, devs: list[Development], ctx: Context) -> BlockPlan:
    """The block's factors and what its developments add, by year."""
    plan = BlockPlan(steps=step_factors(block, ctx), yearly=yearly_factor(block, ctx))
    for dev in devs:
        primary, junior = development_pupils(dev, ctx)
        add = plan.additions.setdefault(dev.year, [0.0] * 9)
        for g in range(9):
            add[g] += primary / PRIMARY_GRADES if g < PRIMARY_GRADES else junior / JUNIOR_GRADES
        plan.settled_intake[dev.year] = plan.settled_intake.get(dev.year, 0.0) + (
            primary / PRIMARY_GRADES)
    return plan


def birth_scale(year: int, ctx: Context) -> float:
    """variant.births for grade 1 of `year` when its children are born after the base year."""
    return ctx.policy.projection.variants[ctx.variant].births if year - 6 > ctx.base else 1.0


def grade1_intake(block: Block, year: int, ctx: Context, y: float) -> float:
    """Grade 1 of the block in `year` (see the module docstring for the three sources)."""
    k = year - ctx.base
    if block.children_by_age is not None and 1 <= k <= 6:
        return block.children_by_age[6 - k] * y ** k
    town = block.township or ""
    births = ctx.births.get((town, year - 6))
    if births is not None:
        total = ctx.township_grade1.get(town, 0)
        share = (block.students[0] / total if total
                 else 1 / max(1, ctx.township_blocks.get(town, 1)))
        return births * birth_scale(year, ctx) * share * y
    trend = ctx.settings.trend if ctx.settings.trend is not None else (
        ctx.policy.projection.trend)
    return block.students[0] * trend ** k * birth_scale(year, ctx) * y ** k


def project_block(block: Block, devs: list[Development], ctx: Context,
                  last: int) -> dict[int, list[float]]:
    """The block's (fractional) pupils per grade for every year from the base year to
    `last`; years the planner gave keep their counts."""
    plan = plan_block(block, devs, ctx)
    given = block.students_by_year or {}
    state = [float(n) for n in given.get(str(ctx.base), block.students)]
    out = {ctx.base: state}
    settled = 0.0
    for year in range(ctx.base + 1, last + 1):
        moved = [grade1_intake(block, year, ctx, plan.yearly) + settled]
        moved += [state[g] * plan.steps[g] for g in range(GRADE_STEPS)]
        for g, extra in enumerate(plan.additions.get(year, [0.0] * 9)):
            moved[g] += extra
        settled += plan.settled_intake.get(year, 0.0)
        state = [float(n) for n in given[str(year)]] if str(year) in given else moved
        out[year] = state
    return out
