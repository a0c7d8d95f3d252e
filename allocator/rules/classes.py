"""Classes a school opens for given pupils, and the elastic penalties of a school's load.

Pure arithmetic shared by the warm start, the result builder and the verifier: given pupils
per grade, boarders and the school's rooms, size cap and beds, `plan_classes` returns the
class counts that minimise the elastic penalties, and `school_penalty` what they cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVEL_SLICES = (slice(0, 6), slice(6, 9))


def binding_room_groups(rooms: int, rooms_level: np.ndarray, max_pupils: np.ndarray,
                        cap: np.ndarray) -> list[tuple[slice, list[int], int, int]]:
    """The classroom groups of a school where rooms could bind: (grade slice, grades with
    pupils, rooms, classes needed at most) for each level counted apart
    (`rooms_level[0] >= 0`) or the whole school, kept only when the classes `max_pupils`
    (its most pupils per grade) would need exceed the rooms. Elsewhere no class count per
    grade needs modelling."""
    groups = ([(sl, int(rooms_level[lv])) for lv, sl in enumerate(LEVEL_SLICES)]
              if rooms_level[0] >= 0 else [(slice(0, 9), int(rooms))])
    out = []
    for sl, r in groups:
        grades = [g for g in range(9)[sl] if max_pupils[g] > 0]
        need = sum(-(-int(max_pupils[g]) // int(cap[g])) for g in grades)
        if need > r:
            out.append((sl, grades, r, need))
    return out


@dataclass
class ClassPlan:
    classes: np.ndarray  # (9,) classes per grade
    over: np.ndarray  # (9,) pupils above cap x classes per grade
    extra_rooms: int  # classes beyond the classrooms (all levels)


def _reduce(p: list[int], cap: list[int], c: list[int], grades: range, excess: int,
            pen_over: int, pen_room: int) -> None:
    """Drop up to `excess` classes among `grades` (in place) while a drop costs less than a
    room. The cost of dropping classes in a grade is convex, so greedy is optimal."""
    while excess > 0:
        best, best_cost = -1, pen_room
        for g in grades:
            if c[g] > 1:
                cost = (max(0, p[g] - cap[g] * (c[g] - 1)) - max(0, p[g] - cap[g] * c[g])) \
                    * pen_over
                if cost < best_cost:
                    best, best_cost = g, cost
        if best < 0:
            return
        c[best] -= 1
        excess -= 1


def class_counts(p: list[int], cap: list[int], rooms: int, rooms_primary: int,
                 rooms_junior: int, pen_over: int, pen_room: int) -> tuple[list[int], int]:
    """Classes per grade (plain ints) and classes beyond the rooms; see `plan_classes`."""
    c = [-(-p[g] // cap[g]) for g in range(9)]
    if rooms_primary >= 0:
        extra = 0
        for grades, r in ((range(0, 6), rooms_primary), (range(6, 9), rooms_junior)):
            _reduce(p, cap, c, grades, sum(c[g] for g in grades) - r, pen_over, pen_room)
            extra += max(0, sum(c[g] for g in grades) - r)
    else:
        _reduce(p, cap, c, range(9), sum(c) - rooms, pen_over, pen_room)
        extra = max(0, sum(c) - rooms)
    return c, extra


def plan_classes(
    pupils: np.ndarray, cap: np.ndarray, rooms: int, rooms_level: np.ndarray,
    pen_over: int, pen_room: int,
) -> ClassPlan:
    """Classes per grade minimising pen_over x pupils over cap + pen_room x classes beyond rooms.

    Every grade with pupils keeps at least one class. `rooms_level` (2,) holds classrooms per
    level, or -1 when all levels share `rooms`.
    """
    p = [int(v) for v in pupils]
    k = [int(v) for v in cap]
    c, extra = class_counts(p, k, int(rooms), int(rooms_level[0]), int(rooms_level[1]),
                            pen_over, pen_room)
    classes = np.array(c, dtype=np.int64)
    return ClassPlan(classes=classes,
                     over=np.maximum(0, np.asarray(pupils, dtype=np.int64) - cap * classes),
                     extra_rooms=extra)


def load_penalty(p: list[int], boarders: int, cap: list[int], rooms: int, rooms_primary: int,
                 rooms_junior: int, size_cap: int, beds: int, pen: dict[str, int]) -> int:
    """Elastic cost of one school's load, plain-int fast path of `school_penalty`."""
    c, extra = class_counts(p, cap, rooms, rooms_primary, rooms_junior,
                            pen["class_size_cap"], pen["classrooms"])
    over = sum(max(0, p[g] - cap[g] * c[g]) for g in range(9))
    return (pen["class_size_cap"] * over + pen["classrooms"] * extra
            + pen["school_size_cap"] * max(0, sum(p) - size_cap)
            + pen["boarding_beds"] * max(0, boarders - beds))


def class_sizes(pupils: int, classes: int) -> list[int]:
    """Sizes of `classes` classes sharing `pupils` as evenly as possible, largest first."""
    if classes <= 0:
        return []
    q, r = divmod(int(pupils), int(classes))
    return [q + 1] * r + [q] * (classes - r)


def school_penalty(
    plan: ClassPlan, enrolment: int, size_cap: int, boarders: int, beds: int,
    pen: dict[str, int],
) -> int:
    """Integer elastic cost of one school's load under `plan`."""
    return int(
        pen["class_size_cap"] * int(plan.over.sum())
        + pen["classrooms"] * plan.extra_rooms
        + pen["school_size_cap"] * max(0, enrolment - size_cap)
        + pen["boarding_beds"] * max(0, boarders - beds)
    )
