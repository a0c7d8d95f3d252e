"""The soft day radius in the student stage: strict mode's hard version and the violations.

Elastic mode (the default) lets young pupils attend beyond the day radius at a penalty
(rule `young_beyond_day_radius`, arithmetic in `rules.day_radius`); `harden_day_radius`
turns a problem into its strict version, and `young_beyond_violations` names every young
pupil of a plan beyond the radius, per block and school.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from allocator.model.grades import format_grades
from allocator.model.result import Violation
from allocator.rules.day_radius import RULE, km_beyond, young_beyond_units
from allocator.rules.objective import SCALE

from .arc_rules import admissible_mask, young_far_mask
from .arcs import Arcs, Units
from .instance import Instance
from .problem import StudentProblem
from .rows import LEVEL_NAMES


def harden_day_radius(problem: StudentProblem) -> tuple[StudentProblem, np.ndarray]:
    """The problem with the day radius and group intake hard rules (units not `soft`, arcs
    taking young pupils beyond the radius or pupils outside their group dropped unless
    locked) and the units left without any arc: a strict plan cannot exist when that list
    is not empty."""
    units = dataclasses.replace(problem.units, soft=False)
    arcs = problem.arcs
    keep = (admissible_mask(problem.instance, units, arcs.unit, arcs.school, arcs.km)
            | (units.locked[arcs.unit] >= 0))
    hard = Arcs(**{f.name: getattr(arcs, f.name)[keep] for f in dataclasses.fields(Arcs)})
    has = np.zeros(len(units), dtype=bool)
    has[hard.unit] = True
    return dataclasses.replace(problem, units=units, arcs=hard), np.flatnonzero(~has)


def describe_stranded(inst: Instance, units: Units, stranded: np.ndarray) -> str:
    """Why strict mode has no plan: the blocks whose young pupils have no school within the
    day radius (the first few named)."""
    blocks = [inst.block_ids[units.block[u]] for u in stranded]
    names = ", ".join(dict.fromkeys(blocks[:6])) + (" ..." if len(blocks) > 6 else "")
    return (f"{len(stranded)} block-levels have no open school serving their grades within "
            f"the day radius of their pupils below grade {inst.policy.min_boarding_grade} "
            f"(rule {RULE}) and within their group where group intake applies (rule "
            f"group_intake), both hard in strict mode: {names}")


def young_beyond_violations(inst: Instance, units: Units, arcs: Arcs,
                            choice: np.ndarray) -> list[Violation]:
    """One violation per unit whose young pupils attend beyond the day radius: the block
    (subject), the school, the young pupils (amount), the km beyond and the penalty."""
    chosen = choice[young_far_mask(units, arcs)[choice]]
    out = []
    for a in chosen:
        u = int(arcs.unit[a])
        young = int(units.young[u])
        km = float(arcs.km[a])
        beyond = float(km_beyond(km, units.radius[u]))
        cost = int(young_beyond_units(np.array([young]), np.array([km]),
                                      np.array([units.radius[u]]), inst.policy)[0])
        bid, sid = inst.block_ids[units.block[u]], inst.school_ids[arcs.school[a]]
        grades = [g + 1 for g in np.flatnonzero(units.grades[u])
                  if g + 1 < inst.policy.min_boarding_grade and units.pupils[u, g] > 0]
        out.append(Violation(
            rule=RULE, subject=bid, school=sid, amount=young, unit="pupils",
            km_beyond=beyond, cost=cost / SCALE,
            message=f"block {bid}: {young} {LEVEL_NAMES[units.level[u]]} pupils of grades "
                    f"{format_grades(grades)} attend {sid} as day pupils at {km:.2f} km, "
                    f"{beyond:.2f} km beyond the {units.radius[u]:g} km day radius"))
    return out
