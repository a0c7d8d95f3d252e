"""Field types and limits shared by the scenario's records (scenario, projection, targets).

Upper bounds of every count and amount: far above any county, low enough that no sum or
product of them overflows the solver's 64-bit integers (a mutation fuzz found 1e30-sized
counts reaching the instance); non-finite numbers (NaN, Infinity) are refused everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from .grades import parse_grade_key

Point = tuple[float, float]
MAX_PUPILS = 100_000  # per block and grade
MAX_ROOMS = 10_000
MAX_BEDS = 1_000_000
MAX_SCHOOL_SIZE = 10_000_000
MAX_AMOUNT = 1e12  # yuan, m2 and other amounts
MAX_SECONDS = 1e7
MIN_YEAR, MAX_YEAR = 1900, 2200  # school and calendar years


class Record(BaseModel):
    """A scenario record: unknown keys refused, aliases or names accepted, numbers finite."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


def grades_to_list(value: Any) -> Any:
    """Accept a list of nine counts (grades 1..9) or a mapping {"1": n, ..., "1-3": n}."""
    if isinstance(value, dict):
        out = [0] * 9
        for key, n in value.items():
            grades = parse_grade_key(key)
            if len(grades) != 1:
                raise ValueError(f"key '{key}': give one count per grade, not a range")
            out[grades[0] - 1] = n
        return out
    if isinstance(value, (list, tuple)) and len(value) != 9:
        raise ValueError(f"needs 9 counts (grades 1-9), got {len(value)}")
    return value


GradeCounts = Annotated[list[Annotated[int, Field(ge=0, le=MAX_PUPILS)]],
                        Field(min_length=9, max_length=9)]
