"""What a sweep is made of: the spec file's schema (`SweepSpec`), its base scenarios
(`Base`), the variants to solve (`Variant`) and the checked, expanded sweep (`Sweep`).

Reading, checking and expanding a spec into these is `allocator.sweep.spec`'s job; the
runner, outputs, ranking and summary read them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from allocator.model.loading import load_scenario
from allocator.model.scenario import Scenario

from .layouts import LayoutSpec

Stage = Literal["students", "teachers", "all"]
DEFAULT_RANK = ["travel.mean_km", "funding.total_yuan"]
DEFAULT_PARETO = ["travel.mean_km", "funding.total_yuan", "open_schools"]


# -- the spec file -----------------------------------------------------------------------------
class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SweepSpec(_Spec):
    name: str | None = None
    base: str | None = Field(None, description="base scenario file")
    scenarios: str | list[str] | None = Field(None, description="a folder of scenario files "
                                              "(*.json) or a list of files and globs")
    stage: Stage | None = Field(None, description="default: all when a scenario has teachers")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted path -> value, "
                                "applied to every variant")
    grid: dict[str, list[Any]] = Field(default_factory=dict, description="dotted path -> "
                                       "values; the variants are their cross product")
    layouts: LayoutSpec | None = None
    rank: list[str] = Field(default_factory=lambda: list(DEFAULT_RANK), description="KPI "
                            "keys to rank by, in order; '-key' ranks the largest first")
    pareto: list[str] = Field(default_factory=lambda: list(DEFAULT_PARETO), description=
                              "KPIs of the Pareto front (all minimised; '-key' maximises)")
    top: int = Field(3, ge=0, description="variants in the comparison of the best ones")


# -- variants ----------------------------------------------------------------------------------
@dataclass
class Base:
    """One base scenario: its file, label and per-key content digests. A single base keeps
    its JSON and model in memory; a batch reads each file again when it is needed."""

    path: Path
    label: str
    digests: dict[str, str]
    raw: dict[str, Any] | None = None
    scenario: Scenario | None = None

    def data(self) -> dict[str, Any]:
        """The scenario as decoded JSON."""
        if self.raw is not None:
            return self.raw
        return json.loads(self.path.read_text(encoding="utf-8-sig"))

    def model(self) -> Scenario:
        """The validated scenario (checked once already by `load_bases`)."""
        return self.scenario if self.scenario is not None else load_scenario(self.path)


@dataclass
class Variant:
    """One scenario to solve: the base's JSON with `replace` swapped in at the top level."""

    id: str
    label: str
    base: int
    replace: dict[str, Any]  # name, policy, options, layout of the variant scenario
    settings: dict[str, Any]  # swept path -> value
    plan: str | None
    closures: list[str]
    stage: Stage | None
    digest: str

    def describe(self, bases: list[Base]) -> dict[str, Any]:
        """What variant.json records: id, label, base file, swept settings, layout."""
        return {"id": self.id, "label": self.label, "base": str(bases[self.base].path),
                "digest": self.digest, "stage": self.stage, "plan": self.plan,
                "closures": self.closures, "settings": self.settings}


@dataclass
class Sweep:
    """A checked spec expanded into variants (ids unique, in a stable order)."""

    spec: SweepSpec
    source: Path
    bases: list[Base]
    variants: list[Variant]
    skipped: list[dict[str, str]] = field(default_factory=list)  # label, reason
    duplicates: int = 0

    @property
    def name(self) -> str:
        return self.spec.name or self.source.stem
