"""`allocator sweep`: specs (grid, plans, closure subsets, batches), stable ids, bad input
(exit 2 before any work, nothing written), the process pool and a LocalCluster with two
workers against sequential solves, resuming, failed variants, the ranking, the Pareto front
and the comparison of the best variants."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import socket
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator import solve as solve_all
from allocator.cli.main import app
from allocator.io.result_folder import load_result
from allocator.model.loading import parse_scenario
from allocator.sweep.backends import DIED, PoolBackend
from allocator.sweep.outputs import run_variants
from allocator.sweep.paths import check_path
from allocator.sweep.ranking import pareto_mask
from allocator.sweep.runner import SpecError, load_sweep, run_sweep
from allocator.sweep.task import solve_variant
from tests.conftest import block, school

runner = CliRunner()
P = {g: 12 for g in range(1, 7)}
J = {g: 15 for g in range(7, 10)}
FAST = {"options.time_limit_s": 10, "options.workers": 1, "options.seed": 0,
        "options.relative_gap": 0.0}


def county(name: str = "tiny") -> dict:
    """Three primaries 2 km apart on a line, one junior school, six blocks: closing any one
    primary leaves every block within the 3 km day radius of another."""
    return {"name": name, "crs": "EPSG:32649",
            "policy": {"profile": "cn-national",
                       "overrides": {"funding.fixed_cost_per_school_yuan": 100000}},
            "schools": [school("A", 0, rooms=6), school("B", 2000, rooms=6),
                        school("C", 4000, rooms=6), school("J", 2000, 500, kind="junior",
                                                           rooms=6, beds=60)],
            "blocks": [block(f"b{i}", 800 * i, 300, grades={**P, **J},
                             current_school={"primary": "ABC"[min(i // 2, 2)],
                                             "junior": "J"}) for i in range(6)],
            "options": {"time_limit_s": 10, "workers": 1}}


def write(path: Path, data) -> Path:
    path.write_text(json.dumps(data) if path.suffix == ".json" else data, encoding="utf-8")
    return path


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """A base scenario and a YAML spec: 2 layouts x (none or one of two closures) x 2
    class caps = 12 variants, one of which (closing J) cannot be solved."""
    write(tmp_path / "base.json", county())
    write(tmp_path / "sweep.yaml", """
name: tiny-sweep
base: base.json
stage: students
set: {options.time_limit_s: 10, options.workers: 1, options.seed: 0,
      options.relative_gap: 0.0}
grid:
  policy.overrides.class_size_cap.primary: [40, 45]
layouts:
  plans:
    merge-c: [{op: merge, from: [C], into: B}]
  closures: {candidates: [A, J], max_k: 1}
rank: [travel.mean_km, funding.total_yuan]
top: 2
""")
    return tmp_path


# -- specs -------------------------------------------------------------------------------------
def test_spec_expands_the_product_with_stable_readable_ids(study):
    sw = load_sweep(study / "sweep.yaml")
    assert len(sw.variants) == 2 * comb(2, 0) * 2 + 2 * comb(2, 1) * 2 == 12
    labels = [v.label for v in sw.variants]
    assert labels[:3] == ["class_size_cap.primary=40", "class_size_cap.primary=45",
                          "close A, class_size_cap.primary=40"]
    assert "merge-c, close J, class_size_cap.primary=45" in labels
    ids = [v.id for v in sw.variants]
    assert len(set(ids)) == 12 and ids == [v.id for v in load_sweep(study / "sweep.yaml"
                                                                    ).variants]
    assert ids[0].startswith("class_size_cap.primary-40-") and len(ids[0].split("-")[-1]) == 10
    v = sw.variants[labels.index("merge-c, close A, class_size_cap.primary=40")]
    assert v.replace["layout"] == [{"op": "merge", "from": ["C"], "into": "B"},
                                   {"op": "close", "school": "A"}]
    pol = v.replace["policy"]["overrides"]  # dotted base overrides come back nested
    assert pol == {"funding": {"fixed_cost_per_school_yuan": 100000},
                   "class_size_cap": {"primary": 40}}
    assert v.replace["options"]["relative_gap"] == 0.0
    # the id follows the content: another time limit is another variant
    text = (study / "sweep.yaml").read_text().replace("time_limit_s: 10", "time_limit_s: 11")
    write(study / "other.yaml", text)
    assert not set(ids) & {v.id for v in load_sweep(study / "other.yaml").variants}


def test_closure_subsets_and_skipped_combinations(tmp_path):
    write(tmp_path / "base.json", county())
    write(tmp_path / "s.yaml", """
base: base.json
layouts:
  include_base: false
  plans: {merge-a: [{op: merge, from: [A], into: B}]}
  closures: {candidates: [A, B, C], min_k: 1, max_k: 2}
""")
    sw = load_sweep(tmp_path / "s.yaml")
    # subsets of size 1-2 of 3 candidates = 6; those closing A (merged away) are skipped
    assert len(sw.variants) + len(sw.skipped) == comb(3, 1) + comb(3, 2)
    assert sorted(v.label for v in sw.variants) == ["merge-a, close B", "merge-a, close B C",
                                                    "merge-a, close C"]
    assert all("'A' is closed (by layout[0] (merge))" in s["reason"] for s in sw.skipped)


def test_paths_are_checked_against_the_models():
    assert check_path("policy.overrides.class_size_cap.primary") is None
    assert check_path("policy.overrides.day_radius_km.primary.rural") is None
    assert check_path("options.weights.stability") is None
    assert check_path("policy.profile") is None
    assert check_path("policy.overrides.rotation.retirement_age.male") is None  # a dict
    assert "did you mean 'class_size_cap'" in check_path("policy.overrides.class_size_caps")
    assert "single value" in check_path("options.time_limit_s.x")
    assert "options.* and policy.*" in check_path("schools.S1.classrooms")


@pytest.mark.parametrize("body, expect", [
    ("grid: {policy.overrides.class_size_cap.primry: [40]}",
     "'primry' is not a setting of policy.overrides.class_size_cap"),
    ("grid: {options.weights.stabilty: [1, 2]}", "did you mean 'stability'"),
    ("grid: {policy.overrides.class_size_cap.primary: []}", "the product is empty"),
    ("grid: {policy.overrides.class_size_cap.primary: [-3]}",
     "policy.overrides 'class_size_cap.primary': Input should be greater than or equal"),
    ("rank: [travel.mean]", "did you mean travel.mean_km"),
    ("layouts: {plans: {p: [{op: merge, from: [Z], into: B}]}}",
     "layouts.plans.p: layout[0] (merge), field 'from[0]': unknown school 'Z'"),
    ("layouts: {closures: {candidates: [A], min_k: 2, max_k: 1}}", "min_k 2 is above max_k"),
    ("gird: {}", "gird: unknown key"),
])
def test_bad_spec_exits_2_naming_the_path_before_any_work(tmp_path, body, expect):
    write(tmp_path / "base.json", county())
    write(tmp_path / "s.yaml", "base: base.json\n" + body + "\n")
    r = runner.invoke(app, ["sweep", str(tmp_path / "s.yaml"), "-o", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert expect in " ".join(r.output.split()), r.output
    assert "Traceback" not in r.output and not (tmp_path / "out").exists()


def test_missing_base_and_bad_yaml_exit_2(tmp_path):
    write(tmp_path / "s.yaml", "base: nowhere.json\n")
    r = runner.invoke(app, ["sweep", str(tmp_path / "s.yaml"), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and "nowhere.json" in r.output and "file not found" in r.output
    write(tmp_path / "t.yaml", "base: [unclosed\n")
    r = runner.invoke(app, ["sweep", str(tmp_path / "t.yaml"), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and "malformed YAML" in r.output
    assert not (tmp_path / "o").exists()


def test_unreachable_scheduler_exits_2_before_any_work(study):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = study / "out"
    r = runner.invoke(app, ["sweep", str(study / "sweep.yaml"), "-o", str(out),
                            "--scheduler", f"tcp://127.0.0.1:{port}", "--connect-timeout", "1"])
    assert r.exit_code == 2, r.output
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in " ".join(
        r.output.split())
    assert not out.exists()


# -- running -----------------------------------------------------------------------------------
def sequential(sw, v):
    """The variant solved in this process, as a plain solve would."""
    sc = parse_scenario({**sw.bases[v.base].data(), **v.replace})
    return solve_all(sc, stage=v.stage)


def assignments(result) -> list[tuple]:
    return sorted((a.block, a.level, a.grades, a.school, a.pupils, a.boarders)
                  for a in result.assignments)


def test_pool_sweep_writes_each_variant_keeps_errors_and_resumes(study):
    out = study / "out"
    r = runner.invoke(app, ["sweep", str(study / "sweep.yaml"), "-o", str(out),
                            "--workers", "2"])
    assert r.exit_code == 1, r.output  # the variants closing J fail
    sw = load_sweep(study / "sweep.yaml")
    failed = [v for v in sw.variants if "close J" in v.label]
    assert len(failed) == 4
    for v in sw.variants:
        folder = out / v.id
        meta = json.loads((folder / "variant.json").read_text())
        assert meta["id"] == v.id and meta["label"] == v.label
        if v in failed:
            text = (folder / "error.txt").read_text()
            assert "90 pupils in grade 7 but no open school serves it" in text, text
            assert not (folder / "result.json").exists() and meta["final"] is True
        else:
            res = load_result(folder)
            assert res.status == "optimal"
            for f in ("assignments.csv", "schools.csv", "scenario.json"):
                assert (folder / f).is_file()
    summary = out / "summary"
    ranking = pd.read_csv(summary / "ranking.csv")
    assert len(ranking) == 8 and list(ranking["rank"]) == list(range(1, 9))
    keys = list(zip(ranking["travel.mean_km"], ranking["funding.total_yuan"], strict=True))
    assert keys == sorted(keys)  # ranked by travel, then annual cost
    front = pd.read_csv(summary / "pareto.csv")
    assert set(front["id"]) == set(ranking.loc[ranking["pareto"], "id"]) and len(front) >= 1
    md = (summary / "ranking.md").read_text()
    assert "## Failed (4" in md and "## Pareto front" in md
    html = (summary / "ranking.html").read_text()
    assert "<svg" in html and html.count('<tr class="front"') >= 2 * len(front)
    cmp = pd.read_csv(summary / "compare" / "kpis.csv")
    assert len(cmp.columns) == 3 + 2  # section, key, label + the top 2 (no unchanged base)
    # a rerun solves nothing: finished variants and bad-input failures are kept as they are
    stamp = {p: p.stat().st_mtime_ns for p in out.glob("*/result.json")}
    r = runner.invoke(app, ["sweep", str(study / "sweep.yaml"), "-o", str(out), "-q"])
    assert r.exit_code == 1 and "0 solved now, 8 earlier" in " ".join(r.output.split())
    assert stamp == {p: p.stat().st_mtime_ns for p in out.glob("*/result.json")}
    # an interrupted run: one variant missing and a temporary folder left behind
    gone = sw.variants[0]
    for p in (out / gone.id).iterdir():
        p.unlink()
    (out / gone.id).rmdir()
    (out / ".tmp-half-written").mkdir()
    report = run_sweep(study / "sweep.yaml", out, workers=1, quiet=True)
    assert [v.id for v in report.todo] == [gone.id] and report.solved == 1
    assert (out / gone.id / "result.json").is_file() and not (out / ".tmp-half-written").exists()
    # the same answers as a solve in this process, and `allocator verify` accepts them
    ref = sequential(sw, gone)
    got = load_result(out / gone.id)
    assert got.objective == ref.objective and assignments(got) == assignments(ref)
    r = runner.invoke(app, ["verify", str(out / gone.id / "scenario.json"), str(out / gone.id)])
    assert r.exit_code == 0, r.output


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_consolidation_sweep_on_the_pool_and_a_local_cluster(tmp_path):
    """The consolidation study's plans from the CLI on both backends; a rerun solves
    nothing; the variants verify."""
    study = ROOT / "scenarios" / "consolidation"
    write(tmp_path / "s.yaml", f"""
base: {study / 'base.json'}
stage: students
set: {{options.time_limit_s: 4, options.workers: 1}}
layouts:
  plans: {{merge-a: {study / 'merge-a.json'}, merge-b: {study / 'merge-b.json'}}}
  closures: {{candidates: [S012], max_k: 1}}
""")
    tables = []
    for extra in ([], ["--scheduler", "local"]):
        out = tmp_path / ("local" if extra else "pool")
        r = runner.invoke(app, ["sweep", str(tmp_path / "s.yaml"), "-o", str(out),
                                "--workers", "2", "-q", *extra])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["sweep", str(tmp_path / "s.yaml"), "-o", str(out), "-q"])
        assert r.exit_code == 0 and "0 solved now, 6 earlier" in " ".join(r.output.split())
        tables.append(pd.read_csv(out / "summary" / "ranking.csv"))
        assert (out / "summary" / "compare" / "compare.html").is_file()
    for t in tables:
        assert len(t) == 6 and t["pareto"].any()
        assert sorted(t["open_schools"]) == [12, 13, 17, 18, 21, 22]
    best = tables[0].iloc[0]["id"]
    folder = tmp_path / "pool" / best
    r = runner.invoke(app, ["verify", str(folder / "scenario.json"), str(folder)])
    assert r.exit_code == 0, r.output


def test_local_cluster_with_two_workers_equals_sequential_solves(tmp_path):
    write(tmp_path / "base.json", county())
    write(tmp_path / "s.json", {"base": "base.json", "stage": "students", "set": FAST,
                                "grid": {"options.weights.stability": [0.0, 1.0],
                                         "policy.overrides.class_size_cap.primary": [30, 45]},
                                "layouts": {"plans": {"merge-c": [{"op": "merge",
                                                                   "from": ["C"],
                                                                   "into": "B"}]}}})
    report = run_sweep(tmp_path / "s.json", tmp_path / "out", scheduler="local", workers=2,
                       quiet=True)
    assert report.backend.startswith("Dask LocalCluster") and report.solved == 8
    sw = report.sweep
    workers = set()
    for v in sw.variants:
        got = load_result(tmp_path / "out" / v.id)
        ref = sequential(sw, v)
        assert got.status == ref.status == "optimal"
        assert got.objective == ref.objective and got.kpis == ref.kpis
        assert assignments(got) == assignments(ref)
        workers.add(json.loads((tmp_path / "out" / v.id / "variant.json").read_text()
                               )["worker"])
    assert len(workers) == 2  # both worker processes took variants
    objs = {v.label: load_result(tmp_path / "out" / v.id).objective for v in sw.variants}
    assert len(set(objs.values())) > 1  # the grid changes the answers


def test_batch_folder_of_counties(tmp_path):
    counties = tmp_path / "counties"
    counties.mkdir()
    write(counties / "east.json", county("east"))
    west = county("west")
    west["blocks"] = west["blocks"][:3]
    write(counties / "west.json", west)
    write(tmp_path / "p.yaml", "scenarios: counties\nstage: students\nset: {options."
                               "time_limit_s: 10, options.workers: 1}\ntop: 1\n")
    report = run_sweep(tmp_path / "p.yaml", tmp_path / "out", workers=1, quiet=True,
                       backend=InlineBackend())
    assert sorted(v.label for v in report.sweep.variants) == ["east", "west"]
    t = report.table
    assert len(t) == 2 and sorted(t["base"]) == ["east", "west"]
    assert t["pareto"].all()  # counties are not traded off against each other
    assert not (report.summary / "compare").exists()  # one variant per county


# -- pieces ------------------------------------------------------------------------------------
class InlineBackend:
    """Runs each task at once in this process (the loop and outputs without processes)."""

    kind = "inline"

    def __init__(self, stop_after: int | None = None):
        self.stop_after, self.seen, self.closed = stop_after, 0, None

    def describe(self) -> str:
        return "inline"

    def capacity(self) -> int:
        return 1

    def submit(self, task, base_key, base):
        fut: cf.Future = cf.Future()
        fut.set_result(solve_variant(task, base))
        return fut

    def release(self, base_key) -> None:
        return None

    def wait(self, futures, timeout):
        return {f for f in futures if f.done()}

    def outcome(self, fut):
        self.seen += 1
        if self.stop_after is not None and self.seen > self.stop_after:
            raise KeyboardInterrupt
        return fut.result()

    def recover(self) -> None:
        return None

    def close(self, cancel: bool = False) -> None:
        self.closed = "cancel" if cancel else "normal"


class Quiet:
    def running(self, n):
        return None

    def finished(self, label, out):
        return None


def test_interrupt_keeps_what_finished_and_stops_the_backend(study):
    sw = load_sweep(study / "sweep.yaml")
    out = study / "out"
    out.mkdir()
    backend = InlineBackend(stop_after=2)
    with pytest.raises(KeyboardInterrupt):
        run_variants(sw, sw.variants, out, backend, Quiet())
    assert backend.closed == "cancel"
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(v.id for v in sw.variants[:2])
    assert all((out / i / "result.json").is_file() for i in written)


class DyingPool(PoolBackend):
    """A pool whose first task kills its process."""

    def submit(self, task, base_key, base):
        return self.pool.submit(os._exit, 3)


def test_a_dead_worker_process_fails_its_variant_and_the_pool_is_replaced():
    backend = DyingPool(1)
    try:
        fut = backend.submit({}, 0, {})
        cf.wait([fut], timeout=60)
        out = backend.outcome(fut)
        assert out == {"ok": False, "error": DIED, "seconds": None, "worker": None}
        old = backend.pool
        backend.recover()
        assert backend.pool is not old
        assert backend.pool.submit(sum, [1, 2]).result(timeout=60) == 3
    finally:
        backend.close(cancel=True)


def test_pareto_mask_keeps_the_undominated_rows():
    v = np.array([[1.0, 5.0, 3], [2.0, 4.0, 3], [2.0, 5.0, 3], [3.0, 1.0, 4],
                  [1.0, 5.0, 3], [4.0, 4.0, 4]])
    assert pareto_mask(v).tolist() == [True, True, False, True, True, False]


def test_spec_error_lists_every_problem(tmp_path):
    write(tmp_path / "base.json", county())
    write(tmp_path / "s.yaml", "base: base.json\ngrid:\n  options.x: [1]\n  policy.y: [2]\n")
    with pytest.raises(SpecError) as exc:
        load_sweep(tmp_path / "s.yaml")
    assert [f.record for f in exc.value.findings] == ["grid 'options.x'", "grid 'policy.y'"]
