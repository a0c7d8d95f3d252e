"""Compare layout scenarios side by side: `allocator compare A B [C ...] -o OUTDIR`.

Inputs are result folders (result.json and the scenario.json `solve` keeps there) or
scenario files, solved on the fly. The first input is the base. Outputs, written to a
temporary sibling folder and renamed into place only when complete:
- `compare.md` and `compare.html` (self-contained: inline SVG charts, no network);
- `kpis.csv`: every KPI of every run (one row per KPI, one column per run);
- `changes_blocks.csv` / `changes_pairs.csv`: pupils whose school differs from the base, per
  block and grade range, and per (base school, new school) pair;
- `schools.csv`: each school per run (status, enrolment, classes, boarders, ...);
- `runs/<label>/`: result.json, CSVs and scenario.json of the inputs solved here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.model.grades import format_grades, parse_grade_key
from allocator.model.result import Result, load_result
from allocator.model.scenario import Finding, Scenario, ScenarioError, load_scenario

SECTIONS = (  # (top-level KPI key, section title)
    ("solve", "Solve"), ("pupils", "Pupils"), ("travel", "Travel (km)"),
    ("beyond_day_radius", "Pupils beyond the day radius (all board)"),
    ("boarding", "Boarding"), ("classes", "Classes per size band"),
    ("schools_over_size_cap", "Schools"), ("open_schools", "Schools"),
    ("utilisation", "Schools"), ("small_schools", "Schools"), ("empty_schools", "Schools"),
    ("moved_pupils", "Pupils"), ("layout", "Layout"), ("rotation", "Teacher rotation"),
    ("balance", "Balance (enrolment-weighted CV; schools meeting the standard)"),
    ("funding", "Annual cost (yuan)"))
LABELS = {
    "solve.status": "status", "solve.objective": "objective (pupil-km equiv.)",
    "solve.lower_bound": "lower bound", "solve.gap": "gap", "solve.seconds": "solve time (s)",
    "pupils": "pupils", "moved_pupils": "pupils moved from today's school",
    "schools_over_size_cap": "schools over the size cap", "open_schools": "open schools",
    "small_schools": "small schools (< funding floor)", "empty_schools": "empty schools",
    "utilisation.mean": "classroom utilisation, mean", "utilisation.max":
    "classroom utilisation, max", "utilisation.schools_over_rooms": "schools short of rooms",
    "boarding.boarders": "boarders", "boarding.beds": "beds", "boarding.beds_short":
    "boarders without a bed", "boarding.schools_short": "schools short of beds",
}


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
    notes: list[str] = field(default_factory=list)


def read_result_folder(path: Path) -> tuple[Scenario, Result, str]:
    """The scenario and result of a folder written by `allocator solve`; ScenarioError
    (naming the folder) when either is missing or unreadable."""
    from pydantic import ValidationError

    try:
        result = load_result(path)
    except (OSError, ValidationError, ValueError) as exc:
        raise ScenarioError([Finding(severity="error", code="file", path=str(path),
                                     message=f"not a readable result folder ({exc})")],
                            str(path)) from None
    sc_path = path / "scenario.json"
    if not sc_path.exists():
        raise ScenarioError([Finding(severity="error", code="file", path=str(path),
                                     message="holds no scenario.json (written by `allocator "
                                             "solve`); pass the scenario file instead")],
                            str(path))
    return load_scenario(sc_path), result, sc_path.read_text(encoding="utf-8-sig")


def gather_runs(paths: list[Path], *, time_limit: float | None = None, progress=None,
                announce=None) -> list[Run]:
    """Read every input first (result folders; scenario files checked as `allocator
    validate` does), then solve the scenario files. ScenarioError naming the file for bad
    input, raised before anything is solved."""
    from allocator.solve.student_stage import solve_scenario, validate_scenario
    from allocator.students.distances import resolve_paths

    loaded = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            sc, res, text = read_result_folder(p)
            loaded.append((p, sc, res, text))
            continue
        sc = load_scenario(p)
        resolve_paths(sc, p.parent)
        errors = [f for f in validate_scenario(sc) if f.severity == "error"]
        if errors:
            raise ScenarioError(errors, str(p))
        loaded.append((p, sc, None, p.read_text(encoding="utf-8-sig")))
    labels = unique_labels([p.name if p.is_dir() else p.stem for p, *_ in loaded])
    runs = []
    for label, (p, sc, res, text) in zip(labels, loaded, strict=True):
        solved = res is None
        if solved:
            if announce is not None:
                announce(f"solving {p} ({label})")
            try:
                res = solve_scenario(sc, time_limit=time_limit, progress=progress)
            except ScenarioError as exc:
                exc.source = exc.source or str(p)
                raise
        runs.append(Run(label=label, source=str(p), scenario=sc, result=res,
                        solved_here=solved, scenario_text=text))
    return runs


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
    """Every KPI of a run as dotted keys, plus the solve figures, teacher moves and layout
    counts that live outside `kpis`."""
    return result_figures(run.result)


def result_figures(r: Result) -> dict[str, Any]:
    """Every KPI of a result as dotted keys (as in kpis.csv), plus the solve figures,
    teacher moves and layout counts that live outside `kpis` (used by `allocator sweep`)."""
    out = {"solve.status": r.status, "solve.objective": r.objective,
           "solve.lower_bound": r.lower_bound, "solve.gap": r.gap,
           "solve.seconds": r.timings.get("total")}
    kpis = dict(r.kpis)
    balance = kpis.pop("balance", None)
    out.update(flatten(kpis))
    moves = r.teachers.get("moves", []) if isinstance(r.teachers, dict) else []
    if moves or "rotation" in r.kpis:  # teacher stage (issue 3), where it ran
        out["rotation.moves"] = len(moves)
        out["rotation.backbone_moves"] = sum(
            1 for m in moves if (m.get("backbone") if isinstance(m, dict)
                                 else getattr(m, "backbone", False)))
    for level, lv in (balance or {}).items():
        for ind, cv in lv.get("cv", {}).items():
            out[f"balance.{level}.cv.{ind}"] = cv
        for k in ("cv_ok", "schools", "min_met", "schools_meeting_min_met",
                  "schools_meeting_standard"):
            if k in lv:
                out[f"balance.{level}.{k}"] = lv[k]
    lay = r.layout or {}
    if lay:
        out["layout.operations"] = len(lay.get("operations", []))
        out["layout.closed"] = len(lay.get("closed", []))
        out["layout.merged"] = len(lay.get("merged", {}))
        out["layout.opened"] = len(lay.get("opened", []))
        for c in lay.get("choose", []):
            out[f"layout.choose[{c['index']}].kept"] = len(c.get("kept", []))
            out[f"layout.choose[{c['index']}].closed"] = len(c.get("closed", []))
    return out


def label_of(key: str) -> str:
    """A readable label for a dotted KPI key."""
    if key in LABELS:
        return LABELS[key]
    parts = key.split(".")
    if parts[0] == "travel" and len(parts) == 3:
        return {"pupils": f"{parts[1]} pupils", "pupil_km": f"{parts[1]} pupil-km (all trips)"
                }.get(parts[2], f"{parts[1]} {parts[2].replace('_km', '')} km")
    if parts[0] == "classes" and len(parts) >= 3:
        tail = f"classes of {parts[3]}" if parts[2] == "bands" else "largest class"
        return f"{parts[1]} {tail}"
    if parts[0] == "beyond_day_radius":
        return f"{parts[1]} pupils beyond the day radius"
    if parts[0] == "funding":
        return parts[1].replace("_yuan", "").replace("_", " ")
    if parts[0] == "layout":
        return " ".join(parts[1:]).replace("_", " ").replace("[", " op ").replace("]", "")
    if parts[0] == "balance" and len(parts) == 4 and parts[2] == "cv":
        return f"{parts[1]} CV {parts[3].replace('_', ' ')}"
    if parts[0] == "balance":
        return {"cv_ok": f"{parts[1]} all CVs within the limit",
                "schools": f"{parts[1]} schools evaluated",
                "min_met": f"{parts[1]} indicators a school must meet (of 7)",
                "schools_meeting_min_met": f"{parts[1]} schools meeting enough indicators",
                "schools_meeting_standard": f"{parts[1]} schools meeting the whole standard",
                }.get(parts[2], f"{parts[1]} {parts[2].replace('_', ' ')}")
    return " ".join(p.replace("_", " ") for p in parts)


def section_of(key: str) -> str:
    top = key.split(".")[0]
    return next((title for k, title in SECTIONS if k == top), "Other KPIs")


def kpi_table(runs: list[Run]) -> pd.DataFrame:
    """One row per KPI of any run (missing ones empty), grouped by section in a stable
    order; columns section, key, label and one per run label."""
    figs = [run_figures(r) for r in runs]
    keys: list[str] = []
    for f in figs:
        keys += [k for k in f if k not in keys]
    order: dict[str, int] = {}
    for _, title in SECTIONS:
        order.setdefault(title, len(order))
    first = {k: i for i, k in enumerate(keys)}
    keys.sort(key=lambda k: (order.get(section_of(k), len(order)), first[k]))
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
    lay = run.result.layout or {}
    if sid in open_ids:
        return "new" if sid in lay.get("opened", []) else "open"
    if sid in lay.get("merged", {}):
        return f"merged into {lay['merged'][sid]}"
    if sid in lay.get("closed", []):
        return "closed"
    if any(sid in c.get("closed", []) for c in lay.get("choose", [])):
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
    notes, parts = [], []
    for r in runs[1:]:
        df, unmatched = school_changes(runs[0], r)
        parts.append(df)
        if unmatched:
            notes.append(f"{r.label}: {unmatched} block grades are in only one of "
                         f"{runs[0].label} and {r.label} and are not compared")
    cols = ["run", "block", "township", "level", "grades", "pupils", "from_school",
            "to_school", "km_before", "km_after"]
    blocks = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(
        not p.empty for p in parts) else pd.DataFrame(columns=cols)
    return Comparison(runs=runs, kpis=kpi_table(runs), blocks=blocks[cols],
                      pairs=pair_table(blocks), schools=school_table(runs), notes=notes)


# -- output ------------------------------------------------------------------------------------
def fmt(v: Any) -> str:
    """A table cell: empty for missing, thousands separators, at most 4 decimals."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
    return str(v)


def changed_pupils(cmp: Comparison) -> dict[str, int]:
    """Pupils whose school differs from the base's, per run label."""
    return {r.label: int(cmp.blocks.loc[cmp.blocks["run"] == r.label, "pupils"].sum())
            for r in cmp.runs[1:]}


def markdown(cmp: Comparison, top: int = 30) -> str:
    """The comparison as Markdown: KPI table, pupils changing school, pairs, schools."""
    labels = [r.label for r in cmp.runs]
    out = [f"# Layout comparison: {' / '.join(labels)}", "",
           f"Base: **{labels[0]}**. Sources: " + "; ".join(
               f"{r.label} = `{r.source}`" + (" (solved here)" if r.solved_here else "")
               for r in cmp.runs), ""]
    out += ["## KPIs", "", "| section | KPI | " + " | ".join(labels) + " |",
            "|---|---|" + "---|" * len(labels)]
    for _, row in cmp.kpis.iterrows():
        out.append(f"| {row['section']} | {row['label']} | "
                   + " | ".join(fmt(row[lb]) for lb in labels) + " |")
    out += ["", "## Pupils whose school changes (against the base)", ""]
    for lb, n in changed_pupils(cmp).items():
        out.append(f"- {lb}: {n:,} pupils")
    out += ["", f"### Largest moves between schools (top {top}; all in changes_pairs.csv)", "",
            "| run | from | to | pupils | blocks |", "|---|---|---|---|---|"]
    for _, p in cmp.pairs.groupby("run", sort=False).head(top).iterrows():
        out.append(f"| {p['run']} | {p['from_school']} | {p['to_school']} | {p['pupils']:,} "
                   f"| {p['blocks']} |")
    out += ["", "## Schools (enrolment per run; status where not open)", "",
            "| school | name | " + " | ".join(labels) + " |", "|---|---|" + "---|" * len(labels)]
    wide = cmp.schools.pivot(index="school", columns="run", values="status")
    enrol = cmp.schools.pivot(index="school", columns="run", values="enrolment") if (
        "enrolment" in cmp.schools) else None
    names = cmp.schools.drop_duplicates("school").set_index("school")["name"]
    for sid in wide.index:
        cells = []
        for lb in labels:
            st = wide.loc[sid, lb]
            cells.append(fmt(enrol.loc[sid, lb]) if st in ("open", "new") and enrol is not None
                         else st)
        out.append(f"| {sid} | {names.get(sid, '')} | " + " | ".join(cells) + " |")
    if cmp.notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in cmp.notes]
    return "\n".join(out) + "\n"


def write_comparison(cmp: Comparison, outdir: str | Path) -> Path:
    """Write every output into `outdir` via a temporary sibling folder renamed into place
    only when complete (an existing `outdir` is replaced whole); nothing half-written."""
    from allocator.model.result import assignments_frame, result_to_json, schools_frame

    from .compare_html import render_html

    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    old = None
    try:
        (tmp / "compare.md").write_text(markdown(cmp), encoding="utf-8")
        (tmp / "compare.html").write_text(render_html(cmp), encoding="utf-8")
        cmp.kpis.to_csv(tmp / "kpis.csv", index=False)
        cmp.blocks.to_csv(tmp / "changes_blocks.csv", index=False)
        cmp.pairs.to_csv(tmp / "changes_pairs.csv", index=False)
        cmp.schools.to_csv(tmp / "schools.csv", index=False)
        for r in cmp.runs:
            if r.solved_here:
                d = tmp / "runs" / r.label
                d.mkdir(parents=True)
                (d / "result.json").write_text(result_to_json(r.result), encoding="utf-8")
                assignments_frame(r.result).to_csv(d / "assignments.csv", index=False)
                schools_frame(r.result).to_csv(d / "schools.csv", index=False)
                (d / "scenario.json").write_text(r.scenario_text, encoding="utf-8")
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / out.name)
        try:
            os.replace(tmp, out)
        except OSError:
            if old is not None:  # put the previous comparison back
                os.replace(old / out.name, out)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return out
