"""Dated targets of a horizon plan."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .fields import MAX_YEAR, MIN_YEAR


class Target(BaseModel):
    """A dated target on a KPI (an id of `allocator.metrics.indicators.KPI_IDS`): in `year`
    only, or in every year from `from_year` on (neither: every year of the plan)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str | None = None
    kpi: str = Field(min_length=1)
    op: Literal["<=", ">="]
    value: float = Field(ge=-1e12, le=1e12)
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)
    from_year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)

    @model_validator(mode="after")
    def _one_date(self) -> Target:
        if self.year is not None and self.from_year is not None:
            raise ValueError("give year or from_year, not both")
        return self

    def applies(self, year: int) -> bool:
        """True when the target is judged in school year `year`."""
        if self.year is not None:
            return year == self.year
        return self.from_year is None or year >= self.from_year
