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
HORIZON_RANK = ["horizon.targets_missed", "horizon.pupil_km", "horizon.annual_cost_yuan"]
HORIZON_PARETO = ["horizon.pupil_km", "horizon.annual_cost_yuan", "horizon.pupils_moved"]


# -- the spec file -----------------------------------------------------------------------------
class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HorizonSpec(_Spec):
    years: str | int | None = Field(None, description="school years of every variant's "
                                    "plan, 'A-B' (default: those of the base scenario's "
                                    "students_by_year)")


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
    horizon: HorizonSpec | None = Field(None, description="every variant is a horizon plan "
                                        "of these years (`allocator plan`), ranked on its "
                                        "horizon totals")
    phasings: dict[str, dict[str | int, int]] = Field(
        default_factory=dict, description="name -> {'layout[i]' (or i): school year}: "
        "named alternative years of the variant's layout operations (needs horizon; `{}` "
        "keeps the scenario's years)")
    rank: list[str] = Field(default_factory=lambda: list(DEFAULT_RANK), description="KPI "
                            "keys to rank by, in order; '-key' ranks the largest first "
                            "(default with horizon: HORIZON_RANK)")
    pareto: list[str] = Field(default_factory=lambda: list(DEFAULT_PARETO), description=
                              "KPIs of the Pareto front (all minimised; '-key' maximises; "
                              "default with horizon: HORIZON_PARETO)")
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
    phasing: str | None = None
    horizon: tuple[int, int] | None = None  # (first, last) school year of a horizon plan

    def describe(self, bases: list[Base]) -> dict[str, Any]:
        """What variant.json records: id, label, base file, swept settings, layout (and
        the phasing and years of a horizon plan)."""
        out = {"id": self.id, "label": self.label, "base": str(bases[self.base].path),
               "digest": self.digest, "stage": self.stage, "plan": self.plan,
               "closures": self.closures, "settings": self.settings}
        if self.horizon is not None:
            out.update(phasing=self.phasing, horizon=list(self.horizon))
        return out


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

    @property
    def horizon(self) -> bool:
        """True when the variants are horizon plans (plan folders, ranked on totals)."""
        return self.spec.horizon is not None
