"""The schools of a scenario after its layout operations: the `Layout` value and the `choose`
decisions it leaves to the solver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from allocator.model.findings import Finding
from allocator.model.scenario import School, Teacher


@dataclass
class ChooseSpec:
    """A `choose` operation resolved: candidate ids and how many of them may stay open."""

    index: int
    candidates: list[str]
    keep: int | None
    close_at_most: int | None
    fixed_cost: dict[str, float]  # yuan per year for each candidate kept open

    @property
    def label(self) -> str:
        return f"layout[{self.index}] (choose)"

    def open_range(self) -> tuple[int, int]:
        """(fewest, most) candidates that may stay open."""
        n = len(self.candidates)
        if self.keep is not None:
            return self.keep, self.keep
        return max(0, n - (self.close_at_most or 0)), n

    def rule_text(self) -> str:
        if self.keep is not None:
            return f"keep {self.keep} of {len(self.candidates)}"
        return f"close at most {self.close_at_most} of {len(self.candidates)}"


@dataclass
class Layout:
    """The scenario's schools after its layout operations."""

    schools: list[School]  # open schools: today's in scenario order, then opened ones
    teachers: list[Teacher]  # the roster with merged schools' teachers at the target
    renamed: dict[str, str | None]  # school of today -> the school it became (None: closed)
    choose: list[ChooseSpec]
    fixed_cost: dict[str, float]  # annual fixed cost (yuan) of every open school
    operations: list[dict[str, Any]] = field(default_factory=list)  # one summary per op
    warnings: list[Finding] = field(default_factory=list)

    def school_map(self) -> dict[str, School]:
        return {s.id: s for s in self.schools}

    def today(self, school_id: str | None) -> str | None:
        """The open school standing for today's school `school_id` (merges followed);
        "" when it was closed by the layout; None when unknown or not open today."""
        if school_id is None:
            return None
        if school_id in self.renamed:
            target = self.renamed[school_id]
            return "" if target is None else target
        return school_id if any(s.id == school_id for s in self.schools) else None

    def candidates(self) -> set[str]:
        return {c for spec in self.choose for c in spec.candidates}
