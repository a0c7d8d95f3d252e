"""Published-instance suite: OR-Library GAP and capacitated p-median, Lorena SJC.

Every instance is solved by `allocator.engine.solve_assignment` (the engine design the
planner's solve uses), its plan is verified by the independent checker, and its value is
compared with the known optimum from `values.csv`. Targets are the issue's: gap1..12 optimal
and proven within 1 s; gapa..d and e* within 0.1 % in 10 s; p-median within 0.5 % in 60 s.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from allocator.engine import solve_assignment

from .checkers import CheckerDisagrees, verify_plan
from .orlib import Published, load_file

FAMILY_FILES = {
    "gap1-12": [f"gap/gap{k}.txt" for k in range(1, 13)],
    "gapa-d": [f"gap/gap{c}.txt" for c in "abcd"],
    "gape": [f"gap/e{m:02d}{n}" for m in (5, 10, 20) for n in (100, 200)],
    "pmedcap": ["pmedcap/pmedcap1.txt"],
    "sjc": [f"lorena/SJC{s}.dat" for s in ("1", "2", "3a", "3b", "4a", "4b")],
}
TIME_LIMITS = {"gap1-12": 10.0, "gapa-d": 10.0, "gape": 10.0, "pmedcap": 60.0, "sjc": 60.0,
               "other": 60.0}


@dataclass(frozen=True)
class Target:
    """The issue's target for a family."""

    gap: float  # largest relative gap to the known optimum
    seconds: float
    proven: bool = False


TARGETS = {"gap1-12": Target(0.0, 1.0, True), "gapa-d": Target(0.001, 10.0),
           "gape": Target(0.001, 10.0), "pmedcap": Target(0.005, 60.0),
           "sjc": Target(0.005, 60.0)}


def default_data_dir() -> Path:
    """$SCHOOL_BENCH_DATA, else ../shared/benchmarks next to the repository."""
    env = os.environ.get("SCHOOL_BENCH_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def collect(data_dir: Path, only: list[str] | None = None, files: list[Path] | None = None,
            kind: str | None = None) -> list[Published]:
    """The instances to run: the named families (all by default) or, with `files`, every
    problem of those files. `only` also accepts instance names (gap12-3, d20200, SJC1)."""
    out: list[Published] = []
    if files:
        for f in files:
            out += load_file(Path(f), kind)
        return _select(out, only, families=False)
    fams = [f for f in FAMILY_FILES if not only or f in only]
    names = [o for o in (only or []) if o not in FAMILY_FILES]
    if names:
        fams = list(FAMILY_FILES)
    for fam in fams:
        for rel in FAMILY_FILES[fam]:
            out += load_file(Path(data_dir) / rel)
    return _select(out, names if names else None, families=False)


def _select(insts: list[Published], only: list[str] | None, families: bool) -> list[Published]:
    if not only:
        return insts
    return [i for i in insts if i.name in only or i.family in only]


def size_of(inst: Published) -> str:
    """`m x n` for GAP, `n= p=` for p-median."""
    p = inst.problem
    if p.open_count is not None:
        return f"n={p.n} p={p.open_count}"
    return f"{p.m}x{p.n}"


def judge(inst: Published, row: dict) -> str:
    """met / missed (why) / n.a. against the family's target."""
    t = TARGETS.get(inst.family)
    if t is None or inst.optimum is None:
        return "n.a."
    why = []
    if row["gap_to_opt"] > t.gap + 1e-12:
        why.append(f"gap > {100 * t.gap:g}%")
    if row["wall_s"] > t.seconds * 1.01 + 0.05:  # a solve stopped by its limit ends just after
        why.append(f"time > {t.seconds:g} s")
    if t.proven and not row["proven"]:
        why.append("not proven")
    return "met" if not why else "missed: " + ", ".join(why)


def solve_published(inst: Published, time_limit: float, data_dir: Path, workers: int = 8,
                    seed: int = 0) -> dict:
    """Solve one instance, verify the plan with the checker, compare with the optimum."""
    r = solve_assignment(inst.problem, time_limit=time_limit, workers=workers, seed=seed)
    row: dict = {"instance": inst.name, "family": inst.family, "size": size_of(inst),
                 "file": str(inst.path), "index": inst.index, "time_limit_s": time_limit,
                 "status": r.status, "wall_s": round(r.wall_s, 3)}
    if r.assign is None:
        return {**row, "value": None, "target": "missed: no plan"}
    checked = verify_plan(inst, r.assign, float(r.objective), data_dir)
    row.update(value=round(checked, 4), bound=round(r.bound, 4), gap=round(r.gap or 0.0, 6),
               proven=r.status == "optimal", checker="agrees",
               solver={k: v for k, v in r.stats.items() if not isinstance(v, list)})
    if inst.optimum is not None:
        row.update(optimum=inst.optimum, optimum_proven=inst.proven,
                   gap_to_opt=round((checked - inst.optimum) / inst.optimum, 6))
        if checked < inst.optimum - 1e-6 * abs(inst.optimum) and inst.proven:
            row["note"] = "below the published optimum: check the instance"
        if r.bound > inst.optimum + 1e-6 * abs(inst.optimum) and inst.proven:
            raise CheckerDisagrees(f"{inst.name}: our lower bound {r.bound} exceeds the "
                                   f"published optimum {inst.optimum}")
    row["target"] = judge(inst, row)
    return row


def run_published(insts: list[Published], data_dir: Path, time_limit: float | None = None,
                  workers: int = 8, seed: int = 0) -> list[dict]:
    """Solve every instance in turn (progress on stderr); checker disagreements propagate."""
    rows = []
    for k, inst in enumerate(insts, 1):
        limit = time_limit if time_limit is not None else TIME_LIMITS.get(inst.family, 60.0)
        row = solve_published(inst, limit, data_dir, workers, seed)
        rows.append(row)
        gap = row.get("gap_to_opt")
        print(f"[{k}/{len(insts)}] {inst.name}: {row.get('value')} "
              f"(optimum {row.get('optimum')}, gap "
              f"{'-' if gap is None else f'{100 * gap:.3f}%'}) {row['status']} "
              f"{row['wall_s']:.2f} s {row['target']}", file=sys.stderr, flush=True)
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    """Per family: instances, optimum reached, proven, worst gap and time, targets met."""
    out = []
    for fam in dict.fromkeys(r["family"] for r in rows):
        rs = [r for r in rows if r["family"] == fam]
        gaps = [r["gap_to_opt"] for r in rs if r.get("gap_to_opt") is not None]
        out.append({"family": fam, "instances": len(rs),
                    "at_optimum": sum(1 for g in gaps if g <= 1e-9),
                    "proven": sum(1 for r in rs if r.get("proven")),
                    "mean_gap": round(sum(gaps) / len(gaps), 6) if gaps else None,
                    "max_gap": max(gaps) if gaps else None,
                    "max_wall_s": max(r["wall_s"] for r in rs),
                    "targets_met": sum(1 for r in rs if r.get("target") == "met")})
    return out
