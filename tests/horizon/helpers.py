"""Small hand-made horizon scenarios (projected CRS, metres) whose answers are known."""

from __future__ import annotations

from typing import Any

from tests.conftest import school

YEARS = ("2026", "2027", "2028")


def cohort_block(bid: str, x: float, per_grade: dict[str, list[int]], **kw: Any) -> dict:
    """A block at (x, 0) with pupils per grade (9 counts) for each year given."""
    first = next(iter(per_grade.values()))
    return {"id": bid, "location": [x, 0.0], "students": first,
            "students_by_year": per_grade, **kw}


def primary(n: int) -> list[int]:
    """`n` pupils in each primary grade."""
    return [n] * 6 + [0] * 3


def plan_data(schools: list[dict], blocks: list[dict], **kw: Any) -> dict:
    """A scenario document: fast solver options, extra keys as given."""
    options = {"time_limit_s": 5, "workers": 2, "relative_gap": 0.0}
    options.update(kw.pop("options", {}))
    return {"name": kw.pop("name", "horizon-test"), "crs": "EPSG:32649", "schools": schools,
            "blocks": blocks, "options": options, **kw}


def opening_school_data(continuity: str = "enrolled") -> dict:
    """School A at 0 m; N (planned, opens 2027) at 2100 m; block b at 2000 m, 10 pupils per
    primary grade every year. In 2026 all attend A; from 2027 new intakes go to N."""
    return plan_data(
        [school("A", 0), school("N", 2100, status="planned", year=2027)],
        [cohort_block("b", 2000, {y: primary(10) for y in YEARS})],
        options={"continuity": continuity})


def closing_school_data() -> dict:
    """A at 0 m, B at 1000 m; block b at 900 m attends B; B closes in 2027."""
    return plan_data(
        [school("A", 0), school("B", 1000)],
        [cohort_block("b", 900, {y: primary(10) for y in YEARS},
                      current_school={"primary": "B"})],
        layout=[{"op": "close", "school": "B", "year": 2027}])
