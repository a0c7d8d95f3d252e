"""Where to build: the policy's unit costs of new capacity, and the result's `investments[]`,
their total and a violation's `relief`.

A classroom and a bed have a one-off cost in yuan, annualised over `years`; `pupil_km_per_yuan`
converts a yuan per year into the objective's pupil-km units. With `options.invest` the solver
may add classrooms and beds at that price instead of paying the elastic penalties; without it,
each violation says what capacity change at its school would remove it (`relief`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import Contract


class InvestmentCosts(BaseModel):
    """Unit costs of new capacity (rule `investment`). The defaults are an assumption: no
    cited text gives them; set the county's own figures."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    classroom_yuan: float = Field(300_000.0, ge=0, le=1e9,
                                  description="one-off cost of one classroom, yuan")
    bed_yuan: float = Field(12_000.0, ge=0, le=1e8,
                            description="one-off cost of one boarding bed, yuan")
    years: int = Field(20, ge=1, le=100, description="years a one-off cost is annualised over")
    pupil_km_per_yuan: float = Field(
        0.005, ge=0, le=10,
        description="objective units (pupil-km) per yuan of annual cost: 0.005 means a "
                    "pupil-km weighs as much as 200 yuan a year")


class Relief(Contract):
    """The smallest capacity change at the violation's school that removes it, and its cost."""

    classrooms: int = Field(0, ge=0, description="classrooms to add")
    beds: int = Field(0, ge=0, description="boarding beds to add")
    cost_yuan: float = Field(description="one-off cost")
    annual_cost_yuan: float = Field(description="cost per year (one-off / policy years)")


class Investment(Contract):
    """Capacity the plan adds at one school (`options.invest`)."""

    school: str
    what: Literal["classrooms", "beds"]
    level: Literal["primary", "junior"] | None = Field(
        None, description="the level whose classrooms grow, where a school counts them apart")
    count: int = Field(ge=1)
    cost_yuan: float = Field(description="one-off cost")
    annual_cost_yuan: float = Field(description="cost per year (one-off / policy years)")


class InvestmentTotal(Contract):
    """All investments of a plan."""

    classrooms: int = 0
    beds: int = 0
    cost_yuan: float = 0.0
    annual_cost_yuan: float = 0.0
    objective: float = Field(0.0, description="their term of the objective, pupil-km")
