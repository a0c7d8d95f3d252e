"""The numeric instance: schools and blocks of a scenario as numpy arrays.

`build_instance(scenario, policy, schools)` turns the (effective) schools and the blocks into
arrays the arc builder, the bound and the CP-SAT model share. It does no optimisation and
checks nothing beyond what it needs to index (checks run before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from allocator.model.geometry import block_point
from allocator.model.grades import GRADES, level_of
from allocator.model.policy import Policy
from allocator.model.scenario import Block, Scenario, School
from allocator.rules.group_intake import group_codes
from geo.distance import MatrixDistance, StraightLine

LEVEL_INDEX = {"primary": 0, "junior": 1}
NO_SCHOOL = -1  # `current`: today's school unknown (pupils are never counted as moved)
CLOSED_TODAY = -2  # `current`: today's school closed by the layout (pupils always move)


@dataclass
class Instance:
    """Arrays over schools (n) and blocks (b). Grades are columns 0..8 for grades 1..9."""

    scenario: Scenario
    policy: Policy
    schools: list[School]  # the effective (open) school records, in index order
    school_ids: list[str]
    school_xy: np.ndarray  # (n, 2)
    serves: np.ndarray  # (n, 9) bool
    rooms: np.ndarray  # (n,) classrooms for all levels (when not split by level)
    rooms_level: np.ndarray  # (n, 2) classrooms per level, -1 when shared
    size_cap: np.ndarray  # (n,)
    beds: np.ndarray  # (n,)
    block_ids: list[str]
    block_xy: np.ndarray  # (b, 2)
    block_urban: np.ndarray  # (b,) bool
    pupils: np.ndarray  # (b, 9) int
    current: np.ndarray  # (b, 9) school index, NO_SCHOOL or CLOSED_TODAY
    class_cap: np.ndarray  # (9,) class size cap per grade
    radius: np.ndarray  # (b, 2) day radius km per level
    distance: StraightLine | MatrixDistance
    block_group: np.ndarray | None = None  # (b,) group code, -1: free (rules.group_intake)
    school_group: np.ndarray | None = None  # (n,) group code, -2: none

    @property
    def n_schools(self) -> int:
        return len(self.school_ids)

    @property
    def n_blocks(self) -> int:
        return len(self.block_ids)

    def school_index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.school_ids)}

    def block_index(self) -> dict[str, int]:
        return {b: i for i, b in enumerate(self.block_ids)}


def class_caps(policy: Policy) -> np.ndarray:
    """Class size cap for each grade 1..9 from the policy."""
    return np.array(
        [getattr(policy.class_size_cap, level_of(g)) for g in GRADES], dtype=np.int64
    )


class SchoolArrays(NamedTuple):
    """Per-school arrays (n) of an instance, in the order of the schools."""

    serves: np.ndarray  # (n, 9) bool
    rooms: np.ndarray  # (n,) classrooms for all levels
    rooms_level: np.ndarray  # (n, 2) classrooms per level, -1 when shared
    size_cap: np.ndarray  # (n,)
    beds: np.ndarray  # (n,)


def tabulate_schools(schools: list[School], policy: Policy) -> SchoolArrays:
    """Grades served, classrooms (in all and per level where a school splits them), size
    cap (the school's own, else the policy's for its kind) and boarding beds per school."""
    n = len(schools)
    serves = np.zeros((n, 9), dtype=bool)
    rooms = np.zeros(n, dtype=np.int64)
    rooms_level = np.full((n, 2), -1, dtype=np.int64)
    size_cap = np.zeros(n, dtype=np.int64)
    beds = np.zeros(n, dtype=np.int64)
    for i, s in enumerate(schools):
        for g in s.served_grades():
            serves[i, g - 1] = True
        if s.classrooms_by_level is not None:
            rooms_level[i] = [s.classrooms_by_level.primary, s.classrooms_by_level.junior]
            rooms[i] = rooms_level[i].sum()
        else:
            rooms[i] = s.classrooms or 0
        size_cap[i] = (
            s.max_students
            if s.max_students is not None
            else getattr(policy.school_size_cap, s.kind)
        )
        beds[i] = s.boarding_beds
    return SchoolArrays(serves, rooms, rooms_level, size_cap, beds)


def find_current_schools(blocks: list[Block], sid: dict[str, int],
                    renamed: dict[str, str | None] | None) -> np.ndarray:
    """(b, 9) today's school index of each block and grade: NO_SCHOOL when unknown or not
    among `sid`, the school a `renamed` one's pupils follow, CLOSED_TODAY when it closed."""
    current = np.full((len(blocks), 9), NO_SCHOOL, dtype=np.int64)
    for bi, b in enumerate(blocks):
        for g, s in enumerate(b.current_by_grade()):
            if s is not None and s in sid:
                current[bi, g] = sid[s]
            elif renamed and s in renamed:  # layout: merged -> target, closed
                target = renamed[s]
                current[bi, g] = sid[target] if target in sid else CLOSED_TODAY
    return current


def compute_day_radius(policy: Policy, urban: np.ndarray) -> np.ndarray:
    """(b, 2) the policy's day radius (km) per block and level, urban or rural."""
    r = policy.day_radius_km
    return np.column_stack([
        np.where(urban, r.primary.urban, r.primary.rural),
        np.where(urban, r.junior.urban, r.junior.rural),
    ])


def build_instance(
    scenario: Scenario,
    policy: Policy,
    schools: list[School],
    distance_matrix: np.ndarray | None = None,
    renamed: dict[str, str | None] | None = None,
) -> Instance:
    """Arrays for `schools` (the effective, open schools) and all blocks of `scenario`.

    `distance_matrix` (blocks x schools, km) replaces straight-line distances when given.
    `renamed` (the layout) maps schools of today closed or merged by the layout to the
    school their pupils follow; a closed one (None) makes `current` CLOSED_TODAY, so its
    pupils count as moved wherever they go.
    """
    sa = tabulate_schools(schools, policy)
    blocks = scenario.blocks
    year = scenario.options.year
    pupils = np.array([b.pupils(year) for b in blocks], dtype=np.int64).reshape(-1, 9)
    current = find_current_schools(blocks, {s.id: i for i, s in enumerate(schools)}, renamed)
    urban = np.array([b.urban for b in blocks], dtype=bool)
    block_xy = np.array([block_point(b) for b in blocks], dtype=float).reshape(-1, 2)
    school_xy = np.array([s.location for s in schools], dtype=float).reshape(-1, 2)
    bg, sg = group_codes([b.group for b in blocks], [s.group for s in schools],
                         scenario.options.enrol_within_group)
    if distance_matrix is not None:
        dist: StraightLine | MatrixDistance = MatrixDistance(distance_matrix)
    else:
        dist = StraightLine(block_xy, school_xy, scenario.crs)
    return Instance(
        scenario=scenario, policy=policy, schools=list(schools), school_ids=[s.id for s in schools],
        school_xy=school_xy, serves=sa.serves, rooms=sa.rooms, rooms_level=sa.rooms_level,
        size_cap=sa.size_cap, beds=sa.beds, block_ids=[b.id for b in blocks], block_xy=block_xy,
        block_urban=urban, pupils=pupils, current=current, class_cap=class_caps(policy),
        radius=compute_day_radius(policy, urban), distance=dist,
        block_group=bg, school_group=sg,
    )
