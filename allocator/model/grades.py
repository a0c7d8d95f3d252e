"""Grades, levels and the grades each kind of school serves.

Compulsory education has nine grades: primary 1-6 and junior 7-9. Everything here is a
pure function of small literals, shared by the model, the verifier and the KPIs.
"""

from __future__ import annotations

from typing import Literal

Level = Literal["primary", "junior"]
Kind = Literal["primary", "junior", "nine_year", "teaching_point"]

GRADES: tuple[int, ...] = tuple(range(1, 10))
LEVELS: tuple[Level, ...] = ("primary", "junior")
LEVEL_GRADES: dict[str, tuple[int, ...]] = {"primary": (1, 2, 3, 4, 5, 6), "junior": (7, 8, 9)}
KIND_GRADES: dict[str, tuple[int, ...]] = {
    "primary": (1, 2, 3, 4, 5, 6),
    "junior": (7, 8, 9),
    "nine_year": GRADES,
    "teaching_point": (1, 2, 3),
}


def level_of(grade: int) -> Level:
    """Return the level ("primary" or "junior") a grade 1..9 belongs to."""
    return "primary" if grade <= 6 else "junior"


def parse_grade_key(key: str) -> tuple[int, ...]:
    """Turn "primary", "junior", "3" or "1-3" into the grades it names.

    Raises ValueError with a readable message for anything else.
    """
    k = str(key).strip().lower()
    if k in LEVEL_GRADES:
        return LEVEL_GRADES[k]
    try:
        if "-" in k:
            lo, hi = (int(p) for p in k.split("-", 1))
        else:
            lo = hi = int(k)
    except ValueError:
        raise ValueError(
            f"'{key}' is not a level or grade range (use primary, junior, 4 or 1-3)"
        ) from None
    if not (1 <= lo <= hi <= 9):
        raise ValueError(f"grade range '{key}' must lie within 1-9")
    return tuple(range(lo, hi + 1))


def format_grades(grades: tuple[int, ...] | list[int]) -> str:
    """Format consecutive grades compactly: (1, 2, 3) -> "1-3", (7,) -> "7"."""
    g = sorted(grades)
    if not g:
        return ""
    if g == list(range(g[0], g[-1] + 1)):
        return str(g[0]) if len(g) == 1 else f"{g[0]}-{g[-1]}"
    return ",".join(str(x) for x in g)
