"""Layout alternatives of a sweep spec: named plans (lists of layout operations, or the
`layout` of a scenario file), each checked against the layout operation models, and every
subset of `min_k`..`max_k` closure candidates; an alternative is one plan (or the base layout
alone) followed by one subset's closures.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from allocator.model.findings import Finding
from allocator.model.scenario import LayoutOp


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClosureSpec(_Spec):
    candidates: list[str] = Field(min_length=1, description="schools that may close")
    max_k: int = Field(ge=0, description="close at most this many at once")
    min_k: int = Field(0, ge=0, description="close at least this many (0: the plan alone)")


class LayoutSpec(_Spec):
    plans: dict[str, list[dict[str, Any]] | str] = Field(
        default_factory=dict, description="name -> layout operations, or a scenario file "
        "whose `layout` is the plan")
    include_base: bool = Field(True, description="the base scenario's layout alone (no plan) "
                               "is an alternative too")
    closures: ClosureSpec | None = None


OPS = TypeAdapter(list[LayoutOp])


def _plan_ops(name: str, plan: list[dict[str, Any]] | str, folder: Path) -> list[dict] | str:
    """A plan's operations as JSON (from the spec or a scenario file's layout), or why not."""
    if isinstance(plan, str):
        p = folder / plan
        try:
            data = json.loads(p.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            return f"cannot read the scenario file {p}: {exc}"
        if not isinstance(data, dict) or not data.get("layout"):
            return f"{p} has no layout operations"
        plan = data["layout"]
    try:
        OPS.validate_python(plan)
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = [x for x in e["loc"] if not (isinstance(x, str) and x in _TAGS)]
        idx = loc[0] if loc and isinstance(loc[0], int) else None
        op = plan[idx].get("op") if idx is not None and isinstance(plan[idx], dict) else None
        where = f"operation {idx}" + (f" ({op})" if op else "") if idx is not None else "plan"
        fld = ".".join(str(x) for x in loc[1:])
        return f"{where}{', field ' + repr(fld) if fld else ''}: {e['msg']}"
    return list(plan)


_TAGS = {"close", "merge", "open", "expand", "convert", "add_beds", "choose"}


@dataclass
class Layouts:
    """The layout alternatives of a spec: plans (None: the base layout alone) and closure
    subsets; every alternative is one plan followed by one subset's closures."""

    plans: list[tuple[str | None, list[dict[str, Any]]]]
    subsets: list[list[str]]
    candidates: list[str]

    def alternatives(self) -> list[tuple[str | None, list[dict[str, Any]], list[str]]]:
        """(plan name, operations, closed candidates) of every alternative, plan-major."""
        return [(name, ops + [{"op": "close", "school": s} for s in sub], sub)
                for name, ops in self.plans for sub in self.subsets]


def read_layouts(lay: LayoutSpec | None, folder: Path) -> tuple[Layouts, list[Finding]]:
    """The spec's plans (each checked against the layout operation models) and closure
    subsets of size min_k..max_k, with the problems found."""
    if lay is None:
        return Layouts(plans=[(None, [])], subsets=[[]], candidates=[]), []
    findings: list[Finding] = []
    plans: list[tuple[str | None, list[dict]]] = [(None, [])] if lay.include_base else []
    for name, plan in lay.plans.items():
        ops = _plan_ops(name, plan, folder)
        if isinstance(ops, str):
            findings.append(_layout_problem(f"layouts.plans.{name}", ops))
        else:
            plans.append((name, ops))
    subsets: list[list[str]] = [[]]
    c = lay.closures
    if c is not None:
        dup = sorted({x for x in c.candidates if c.candidates.count(x) > 1})
        if dup:
            findings.append(_layout_problem("layouts.closures.candidates", f"listed twice: "
                                     f"{', '.join(dup)}"))
        if c.min_k > c.max_k:
            findings.append(_layout_problem("layouts.closures", f"min_k {c.min_k} is above max_k "
                                     f"{c.max_k}"))
        top = min(c.max_k, len(c.candidates))
        subsets = [list(s) for k in range(c.min_k, top + 1)
                   for s in itertools.combinations(c.candidates, k)]
    if not plans:
        findings.append(_layout_problem("layouts", "no layout alternative: include_base is false "
                                 "and no plan is given"))
    return Layouts(plans=plans, subsets=subsets,
                   candidates=list(c.candidates) if c else []), findings


def _layout_problem(where: str, message: str) -> Finding:
    return Finding(severity="error", code="sweep", record=where, message=message)
