"""`project_scenario`: every block's pupils per grade for each year of a horizon, the
projected scenario and the projection table (pupils by level, township and year).

Guaranteed: the projected scenario is the input with `students_by_year[str(year)]` (nine
grade counts) set on every block for every year of the horizon, and nothing else changed
(counts the planner gave for a year are kept); counts are whole pupils whose township totals
per grade are the fractional totals rounded (`rounding`); the table's rows sum those counts,
one row per township and year and a county row (township '*'). Bad input raises
ScenarioError naming record and field before anything is computed.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyproj import CRS

from allocator.io.atomic import write_file
from allocator.io.scenario_file import write_scenario
from allocator.model.geometry import block_point
from allocator.model.policy import resolve_policy
from allocator.model.projection import ProjectionRow, ProjectionSettings, ProjectionTable
from allocator.model.scenario import Block, Development, Scenario

from .checks import check_projection, parse_years, year_list
from .cohort import Context, project_block
from .rounding import apportion

TABLE_COLUMNS = ("year", "township", "primary", "junior", "grade_1", "total")
COUNTY = "*"


@dataclass(frozen=True)
class Projection:
    """A projection's outcome: the projected scenario and its table."""

    scenario: Scenario
    table: ProjectionTable

    def files(self) -> dict[str, str]:
        """The projected scenario (`scenario.json`, what the planner gave plus
        `students_by_year`) and the table (`projection.csv`) as texts by file name."""
        document = json.dumps(projected_document(self), ensure_ascii=False, indent=1) + "\n"
        return {"scenario.json": document, "projection.csv": table_csv(self.table)}


def build_context(scenario: Scenario, base: int, variant: str) -> Context:
    """The shared numbers: resolved policy, settings, births and townships' grade 1."""
    policy = resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    grade1: dict[str, int] = {}
    count: dict[str, int] = {}
    for b in scenario.blocks:
        town = b.township or ""
        grade1[town] = grade1.get(town, 0) + b.students[0]
        count[town] = count.get(town, 0) + 1
    return Context(base=base, policy=policy,
                   settings=scenario.projection or ProjectionSettings(), variant=variant,
                   births={(x.township, x.year): x.births for x in scenario.births},
                   township_grade1=grade1, township_blocks=count)


def nearest_block(blocks: list[Block], point: tuple[float, float], geographic: bool) -> str:
    """The id of the block nearest `point` (straight line in the scenario CRS; longitude
    shrunk by the cosine of latitude for a geographic CRS); the first on a tie."""
    scale = math.cos(math.radians(point[1])) if geographic else 1.0

    def far(b: Block) -> float:
        x, y = block_point(b)
        return ((x - point[0]) * scale) ** 2 + (y - point[1]) ** 2

    return min(blocks, key=far).id


def developments_by_block(scenario: Scenario) -> dict[str, list[Development]]:
    """Each block's developments: those naming it, and those placed nearest to it."""
    geographic = CRS.from_user_input(scenario.crs).is_geographic
    out: dict[str, list[Development]] = {}
    for d in scenario.developments:
        bid = d.block if d.block is not None else nearest_block(
            scenario.blocks, d.location, geographic)  # type: ignore[arg-type]
        out.setdefault(bid, []).append(d)
    return out


def table_rows(scenario: Scenario, counts: dict[str, dict[int, list[int]]],
               years: list[int]) -> list[ProjectionRow]:
    """Per year: one row per township (in order of first appearance), then the county."""
    towns = list(dict.fromkeys(b.township or "" for b in scenario.blocks))
    rows = []
    for year in years:
        sums = {t: [0, 0, 0] for t in [*towns, COUNTY]}
        for b in scenario.blocks:
            g = counts[b.id][year]
            for key in (b.township or "", COUNTY):
                sums[key][0] += sum(g[:6])
                sums[key][1] += sum(g[6:])
                sums[key][2] += g[0]
        rows += [ProjectionRow(year=year, township=t, primary=p, junior=j, grade_1=g1,
                               total=p + j) for t, (p, j, g1) in sums.items()]
    return rows


def project_scenario(scenario: Scenario, years: str | list[int], variant: str = "medium",
                     source: str | None = None) -> Projection:
    """Project every block's pupils over `years` ("2026-2032" or a list of years) under a
    variant (low | medium | high). ScenarioError (findings naming record and field) for
    bad input; see the module docstring for what is guaranteed."""
    span = parse_years(years) if isinstance(years, str) else year_list(years)
    if variant not in ("low", "medium", "high"):
        raise ValueError(f"variant '{variant}' is not low, medium or high")
    base = check_projection(scenario, span, source)
    ctx = build_context(scenario, base, variant)
    devs = developments_by_block(scenario)
    fractions = {b.id: project_block(b, devs.get(b.id, []), ctx, span[-1])
                 for b in scenario.blocks}
    counts = apportion(fractions, {b.id: b.township or "" for b in scenario.blocks})
    blocks = []
    for b in scenario.blocks:
        by_year = dict(b.students_by_year or {})
        by_year.update({str(y): counts[b.id][y] for y in span})
        by_year = dict(sorted(by_year.items()))
        blocks.append(b.model_copy(update={"students_by_year": by_year}))
    projected = scenario.model_copy(update={"blocks": blocks})
    table = ProjectionTable(base_year=base, years=span, variant=variant,  # type: ignore[arg-type]
                            rows=table_rows(scenario, counts, span))
    return Projection(scenario=projected, table=table)


def projected_document(projection: Projection) -> dict[str, Any]:
    """The projected scenario as a JSON document holding what the planner gave plus
    `students_by_year` (defaults they left out stay out)."""
    return projection.scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)


def table_csv(table: ProjectionTable) -> str:
    """The projection table as CSV text (stable column ids, UTF-8 with a BOM for Excel)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TABLE_COLUMNS)
    for r in table.rows:
        w.writerow([getattr(r, c) for c in TABLE_COLUMNS])
    return "\ufeff" + buf.getvalue()


def write_projection(projection: Projection, output: str | Path,
                     table: str | Path | None = None) -> list[Path]:
    """Write the projected scenario to `output` and, when given, the table to `table`
    (CSV, or JSON for a .json name), each atomically. Returns the paths written."""
    written = []
    if table is not None:
        text = (projection.table.model_dump_json(indent=1) + "\n"
                if str(table).lower().endswith(".json") else table_csv(projection.table))
        written.append(write_file(table, text))
    written.append(write_scenario(output, projected_document(projection)))
    return written
