"""The contracts of hand edits: an edit, a school a block could attend, and an edited plan.

An `Edit` moves one block's level to another school (`school`), or locks it where it is
(`school` None and `lock` True); a list of edits is applied in order, a later edit of the
same block and level replacing an earlier one. `EditedPlan` holds the figures of the plan
after the edits, in the shapes of result.json (`kpis`, `violations`, `schools` rows).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from allocator.model.kpis import Kpis
from allocator.model.result import Result, SchoolResult, Violation


class Edit(BaseModel):
    """One hand edit of a block's level: to another school, or locked where it is."""

    model_config = ConfigDict(extra="forbid")

    block: str = Field(description="block id")
    level: Literal["primary", "junior"]
    school: str | None = Field(None, description="the school the block's level attends "
                               "after the edit; null: stays at its current school")
    lock: bool = Field(False, description="keep this assignment when the job is re-solved")


class Change(BaseModel):
    """A block's level whose school differs from the job's own plan after the edits."""

    model_config = ConfigDict(populate_by_name=True)

    block: str
    level: Literal["primary", "junior"]
    from_: str = Field(alias="from", description="the school in the job's own plan")
    to: str = Field(description="the school after the edits")


class SchoolOption(BaseModel):
    """A school a block's level could attend, with its load after the current edits."""

    school: str
    name: str | None = None
    distance_km: float
    load: int = Field(description="pupils of the level at the school after the edits")
    capacity: int = Field(description="pupils of the level the school can take: its rooms "
                          "for the level x the class size cap, at most its size cap")
    utilisation: float = Field(description="load / capacity (0 without capacity)")
    admissible: bool = Field(description="the block's level may be moved here")
    reason: str | None = Field(None, description="the rule the move breaks (a hard rule when "
                               "not admissible, an elastic one priced as a violation when "
                               "admissible), null when none")


class BlockOptions(BaseModel):
    """The schools a block's level could attend, nearest first."""

    block: str
    level: Literal["primary", "junior"]
    current: str = Field(description="the school it attends after the current edits")
    options: list[SchoolOption]


class EditedPlan(BaseModel):
    """A job's plan after hand edits: the edited result and its figures beside the job's
    own (`kpis_base`). With no edits every figure equals the job's own."""

    edits: list[Edit]
    kpis: Kpis | None
    kpis_base: Kpis | None
    violations: list[Violation]
    schools: list[SchoolResult]
    changed: list[Change]
    elapsed_s: float
    _result: Result | None = PrivateAttr(None)

    @property
    def result(self) -> Result:
        """The whole edited result (result.json's shape; teachers kept as the job's)."""
        assert self._result is not None, "set by apply_edits"
        return self._result

    def with_result(self, result: Result) -> EditedPlan:
        """This plan holding `result` as its whole edited result."""
        self._result = result
        return self
