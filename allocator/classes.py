"""Classes a school opens for given pupils, and the elastic penalties of a school's load.

Pure arithmetic shared by the warm start, the result builder and the verifier: given pupils
per grade, boarders and the school's rooms, size cap and beds, `plan_classes` returns the
class counts that minimise the elastic penalties, and `school_penalty` what they cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVEL_SLICES = (slice(0, 6), slice(6, 9))


@dataclass
class ClassPlan:
    classes: np.ndarray  # (9,) classes per grade
    over: np.ndarray  # (9,) pupils above cap x classes per grade
    extra_rooms: int  # classes beyond the classrooms (all levels)


def _reduce(p: np.ndarray, cap: np.ndarray, c: np.ndarray, excess: int,
            pen_over: int, pen_room: int) -> None:
    """Drop up to `excess` classes (in place) while a drop costs less than a room."""
    while excess > 0:
        # cost of dropping one more class in each grade (convex in the number dropped)
        over_now = np.maximum(0, p - cap * c)
        over_next = np.maximum(0, p - cap * (c - 1))
        cost = (over_next - over_now) * pen_over
        cost = np.where(c > 1, cost, np.iinfo(np.int64).max)
        g = int(np.argmin(cost))
        if cost[g] >= pen_room:
            return
        c[g] -= 1
        excess -= 1


def plan_classes(
    pupils: np.ndarray, cap: np.ndarray, rooms: int, rooms_level: np.ndarray,
    pen_over: int, pen_room: int,
) -> ClassPlan:
    """Classes per grade minimising pen_over x pupils over cap + pen_room x classes beyond rooms.

    Every grade with pupils keeps at least one class. `rooms_level` (2,) holds classrooms per
    level, or -1 when all levels share `rooms`.
    """
    p = np.asarray(pupils, dtype=np.int64)
    cap = np.asarray(cap, dtype=np.int64)
    c = -(-p // cap)
    if rooms_level[0] >= 0:
        extra = 0
        for lv, sl in enumerate(LEVEL_SLICES):
            sub = c[sl]
            _reduce(p[sl], cap[sl], sub, int(sub.sum() - rooms_level[lv]), pen_over, pen_room)
            c[sl] = sub
            extra += max(0, int(sub.sum() - rooms_level[lv]))
    else:
        _reduce(p, cap, c, int(c.sum() - rooms), pen_over, pen_room)
        extra = max(0, int(c.sum() - rooms))
    return ClassPlan(classes=c, over=np.maximum(0, p - cap * c), extra_rooms=extra)


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
