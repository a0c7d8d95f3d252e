"""Compare layout scenarios side by side: `allocator compare A B [C ...] -o OUTDIR`.

The runs (a scenario and its result each; `allocator.study` gathers them from result folders
and scenario files) are compared with the first, the base. Nothing here solves. Outputs
(`write.write_comparison`, into a staged folder published whole):
- `compare.md` and `compare.html` (self-contained: inline SVG charts, no network);
- `kpis.csv`: every KPI of every run (one row per KPI, one column per run);
- `changes_blocks.csv` / `changes_pairs.csv`: pupils whose school differs from the base, per
  block and grade range, and per (base school, new school) pair;
- `schools.csv`: each school per run (status, enrolment, classes, boarders, ...);
- `runs/<label>/`: result.json, CSVs and scenario.json of the inputs solved here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from allocator.i18n import translate
from allocator.model.grades import format_grades, parse_grade_key
from allocator.model.result import Result
from allocator.model.scenario import Scenario

from .investments import comparison_indicators, investment_figures, investment_table
from .labels import SECTIONS, label_of, section_id, section_of


@dataclass
class Run:
    """One compared scenario: its label, where it came from, scenario and result."""

    label: str
    source: str
    scenario: Scenario
    result: Result
    solved_here: bool = False
    scenario_text: str = ""


@dataclass
class Comparison:
    runs: list[Run]
    kpis: pd.DataFrame  # section, key, label, one column per run label
    blocks: pd.DataFrame  # run, block, township, level, grades, pupils, from, to, km
    pairs: pd.DataFrame  # run, from_school, to_school, pupils, blocks
    schools: pd.DataFrame  # school, name, run, status, enrolment, ...
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # the notes as
    # (catalog key, fields), for pages in any language
    investments: pd.DataFrame = field(default_factory=pd.DataFrame)  # run, school, what, ...

    @property
    def notes(self) -> list[str]:
        """The notes in English (comparison_json)."""
        return notes_in(self, "en")


def unique_labels(names: list[str]) -> list[str]:
    """Names made unique (and usable as folder names) by numbering repeats."""
    out, seen = [], {}
    for n in names:
        base = "".join(c if c.isalnum() or c in "-_." else "-" for c in n).strip("-.") or "run"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


# -- KPIs --------------------------------------------------------------------------------------
def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as {"a.b.c": leaf}; lists become their length."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        return {prefix: len(value)}
    return {prefix: value}


def run_figures(run: Run) -> dict[str, Any]:
    """Every KPI of a run as dotted keys (see `result_figures`)."""
    return result_figures(run.result)


def result_figures(r: Result) -> dict[str, Any]:
    """Every KPI of a result as dotted keys (as in kpis.csv), plus the solve figures,
    teacher moves and layout counts that live outside `kpis` (used by `allocator sweep`)."""
    out = {"solve.status": r.status, "solve.objective": r.objective,
           "solve.lower_bound": r.lower_bound, "solve.gap": r.gap,
           "solve.seconds": r.timings.get("total")}
    if r.kpis is not None:
        out.update(flatten(r.kpis.model_dump(mode="json", exclude={"balance"})))
    if r.teachers is not None:  # the teacher stage ran
        out["rotation.moves"] = len(r.teachers.moves)
        out["rotation.backbone_moves"] = sum(1 for m in r.teachers.moves if m.backbone)
    for level, lv in ((r.kpis.balance if r.kpis is not None else None) or {}).items():
        for ind, cv in lv.cv.items():
            out[f"balance.{level}.cv.{ind}"] = cv
        for k in ("cv_ok", "schools", "min_met", "schools_meeting_min_met",
                  "schools_meeting_standard"):
            out[f"balance.{level}.{k}"] = getattr(lv, k)
    lay = r.layout
    if lay is not None:
        out["layout.operations"] = len(lay.operations)
        out["layout.closed"] = len(lay.closed)
        out["layout.merged"] = len(lay.merged)
        out["layout.opened"] = len(lay.opened)
        for c in lay.choose:
            out[f"layout.choose[{c.index}].kept"] = len(c.kept or [])
            out[f"layout.choose[{c.index}].closed"] = len(c.closed or [])
    out.update(investment_figures(r))
    return out


def kpi_table(runs: list[Run]) -> pd.DataFrame:
    """One row per KPI of any run (missing ones empty), grouped by section in a stable
    order; columns section, key, label and one per run label."""
    figs = [{**run_figures(r), **comparison_indicators(runs[0].result, r.result)}
            for r in runs]
    keys: list[str] = []
    for f in figs:
        keys += [k for k in f if k not in keys]
    order: dict[str, int] = {}
    for _, sid in SECTIONS:
        order.setdefault(sid, len(order))
    first = {k: i for i, k in enumerate(keys)}
    keys.sort(key=lambda k: (order.get(section_id(k), len(order)), first[k]))
    rows = [{"section": section_of(k), "key": k, "label": label_of(k),
             **{r.label: f.get(k) for r, f in zip(runs, figs, strict=True)}} for k in keys]
    return pd.DataFrame(rows, columns=["section", "key", "label", *[r.label for r in runs]])


# -- changes -----------------------------------------------------------------------------------
def grade_schools(result: Result) -> dict[tuple[str, int], tuple[str, float]]:
    """(block, grade) -> (school, km) of a result."""
    out = {}
    for a in result.assignments:
        grades = parse_grade_key(a.grades) if "," not in a.grades else tuple(
            int(x) for x in a.grades.split(","))
        for g in grades:
            out[(a.block, g)] = (a.school, a.distance_km)
    return out


def school_changes(base: Run, run: Run) -> tuple[pd.DataFrame, int]:
    """Rows (block, township, level, grades, pupils, from, to, km before/after) of pupils
    whose school differs between `base` and `run`, and the number of (block, grade) pairs
    only one of them has."""
    a, b = grade_schools(base.result), grade_schools(run.result)
    blocks = {blk.id: blk for blk in run.scenario.blocks}
    year = run.scenario.options.year
    groups: dict[tuple[str, str, str, str], list] = {}
    for key in a.keys() & b.keys():
        (s0, km0), (s1, km1) = a[key], b[key]
        blk = blocks.get(key[0])
        if s0 == s1 or blk is None:
            continue
        level = "primary" if key[1] <= 6 else "junior"
        n = blk.pupils(year)[key[1] - 1]
        g = groups.setdefault((key[0], level, s0, s1), [blk.township, [], 0, km0, km1])
        g[1].append(key[1])
        g[2] += n
    rows = [{"run": run.label, "block": blk, "township": t or "", "level": lv,
             "grades": format_grades(sorted(gs)), "pupils": n, "from_school": s0,
             "to_school": s1, "km_before": k0, "km_after": k1}
            for (blk, lv, s0, s1), (t, gs, n, k0, k1) in sorted(groups.items())]
    return pd.DataFrame(rows), len(a.keys() ^ b.keys())


def pair_table(blocks: pd.DataFrame) -> pd.DataFrame:
    cols = ["run", "from_school", "to_school", "pupils", "blocks"]
    if blocks.empty:
        return pd.DataFrame(columns=cols)
    g = blocks.groupby(["run", "from_school", "to_school"], sort=False).agg(
        pupils=("pupils", "sum"), blocks=("block", "nunique")).reset_index()
    return g.sort_values(["run", "pupils"], ascending=[True, False], kind="stable")[cols]


def school_status(run: Run, sid: str, open_ids: set[str]) -> str:
    """open, new, merged into X, closed, closed (choose) or not open."""
    lay = run.result.layout
    if sid in open_ids:
        return "new" if lay is not None and sid in lay.opened else "open"
    if lay is None:
        return "not open"
    if sid in lay.merged:
        return f"merged into {lay.merged[sid]}"
    if sid in lay.closed:
        return "closed"
    if any(sid in (c.closed or []) for c in lay.choose):
        return "closed (choose)"
    return "not open"


def school_table(runs: list[Run]) -> pd.DataFrame:
    """Each school of any run, per run: status and its figures where open."""
    names: dict[str, str] = {}
    for r in runs:
        for s in r.scenario.schools:
            names.setdefault(s.id, s.name or "")
        for s in r.result.schools:
            names.setdefault(s.id, s.name or "")
    rows = []
    for r in runs:
        by_id = {s.id: s for s in r.result.schools}
        for sid, name in names.items():
            s = by_id.get(sid)
            row = {"school": sid, "name": name, "run": r.label,
                   "status": school_status(r, sid, set(by_id))}
            if s is not None:
                row.update(kind=s.kind, enrolment=s.enrolment, classes=s.classes,
                           classrooms=s.classrooms, utilisation=s.utilisation,
                           max_class_size=s.max_class_size, boarders=s.boarders, beds=s.beds,
                           fixed_cost_yuan=s.fixed_cost_yuan)
            rows.append(row)
    return pd.DataFrame(rows)


def compare_runs(runs: list[Run]) -> Comparison:
    """KPIs, school changes against the first run, and schools before / after."""
    messages: list[tuple[str, dict[str, Any]]] = []
    parts = []
    for r in runs[1:]:
        df, unmatched = school_changes(runs[0], r)
        parts.append(df)
        if unmatched:
            messages.append(("compare.note.unmatched",
                             {"label": r.label, "n": unmatched, "base": runs[0].label}))
    cols = ["run", "block", "township", "level", "grades", "pupils", "from_school",
            "to_school", "km_before", "km_after"]
    blocks = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(
        not p.empty for p in parts) else pd.DataFrame(columns=cols)
    return Comparison(runs=runs, kpis=kpi_table(runs), blocks=blocks[cols],
                      pairs=pair_table(blocks), schools=school_table(runs),
                      messages=messages,
                      investments=investment_table([(r.label, r.result) for r in runs]))


def notes_in(cmp: Comparison, lang: str = "en") -> list[str]:
    """The comparison's notes in `lang`."""
    return [translate(key, lang, **f) for key, f in cmp.messages]


def changed_pupils(cmp: Comparison) -> dict[str, int]:
    """Pupils whose school differs from the base's, per run label."""
    return {r.label: int(cmp.blocks.loc[cmp.blocks["run"] == r.label, "pupils"].sum())
            for r in cmp.runs[1:]}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame as JSON-safe dicts (missing values as null)."""
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def comparison_json(cmp: Comparison) -> dict[str, Any]:
    """The comparison as one JSON document: runs, KPIs, pupils changing school, pairs,
    blocks and schools (the tables `allocator compare` writes as CSV)."""
    return {"base": cmp.runs[0].label,
            "runs": [{"label": r.label, "source": r.source, "status": r.result.status}
                     for r in cmp.runs],
            "kpis": _records(cmp.kpis), "changed_pupils": changed_pupils(cmp),
            "pairs": _records(cmp.pairs), "blocks": _records(cmp.blocks),
            "schools": _records(cmp.schools), "investments": _records(cmp.investments),
            "notes": cmp.notes}
