"""Horizon sweeps: variants that are multi-year plans with the years of their layout
operations varied (`phasings`, `layout[i].year` grid paths). Spec checks before any work
(exit 2, the spec key named, nothing written), three phasings of a 3-year plan end to end
through the CLI with a known ranking on the horizon totals, the rerun skip, `allocator
compare` of two variant folders, and the ranking of hand-made figures."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.horizon import plan_horizon
from allocator.model.loading import parse_scenario
from allocator.sweep.ranking import rank_table
from allocator.sweep.runner import SpecError, load_sweep, run_sweep
from tests.conftest import school
from tests.horizon.helpers import YEARS, cohort_block, plan_data, primary

runner = CliRunner()

SPEC = """
name: phasing-test
base: base.json
set: {options.time_limit_s: 2, options.workers: 1}
horizon: {years: 2026-2028}
phasings:
  as-planned: {}
  early:
    layout[1]: 2027
  late:
    layout[0]: 2028
"""


def county() -> dict:
    """Primaries A, B, C at 0, 1000, 2000 m, one block beside each (10 pupils per grade
    every year). The plan: C merges into B in 2027, B into A in 2028. Merging earlier
    saves a school's cost a year sooner and lengthens that year's trips."""
    blocks = [cohort_block(f"b{i}", x, {y: primary(10) for y in YEARS},
                           current_school={"primary": s})
              for i, (x, s) in enumerate([(100, "A"), (1100, "B"), (1900, "C")])]
    return plan_data([school("A", 0), school("B", 1000), school("C", 2000)], blocks,
                     layout=[{"op": "merge", "from": ["C"], "into": "B", "year": 2027},
                             {"op": "merge", "from": ["B"], "into": "A", "year": 2028}],
                     policy={"profile": "cn-national",
                             "overrides": {"funding.fixed_cost_per_school_yuan": 100000}})


def study(tmp_path: Path, spec: str = SPEC) -> Path:
    (tmp_path / "base.json").write_text(json.dumps(county()), encoding="utf-8")
    path = tmp_path / "sweep.yaml"
    path.write_text(spec, encoding="utf-8")
    return path


def invoke(*args):
    r = runner.invoke(app, [str(a) for a in args])
    r.text = " ".join(r.output.split())
    return r


def test_phasings_expand_into_horizon_variants_with_their_years(tmp_path):
    sw = load_sweep(study(tmp_path))
    assert [v.label for v in sw.variants] == ["as-planned", "early", "late"]
    years = {v.phasing: [op["year"] for op in v.replace["layout"]] for v in sw.variants}
    assert years == {"as-planned": [2027, 2028], "early": [2027, 2027],
                     "late": [2028, 2028]}
    assert all(v.horizon == (2026, 2028) for v in sw.variants)
    assert sw.spec.rank == ["horizon.targets_missed", "horizon.pupil_km",
                            "horizon.annual_cost_yuan"]
    again = load_sweep(study(tmp_path))
    assert [v.id for v in again.variants] == [v.id for v in sw.variants]
    shorter = load_sweep(study(tmp_path, SPEC.split("phasings:")[0].replace(
        "2026-2028", "2026-2027") + "phasings: {as-planned: {1: 2027}, early: {'layout[1]': "
        "2027}}\n"))
    assert [v.label for v in shorter.variants] == ["as-planned", "early"]
    assert shorter.variants[0].replace["layout"] == shorter.variants[1].replace["layout"]
    assert not {v.id for v in shorter.variants} & {v.id for v in sw.variants}


def test_horizon_without_years_takes_those_of_the_pupils(tmp_path):
    sw = load_sweep(study(tmp_path, SPEC.replace("{years: 2026-2028}", "{}")))
    assert {v.horizon for v in sw.variants} == {(2026, 2028)}


def test_grid_layout_year_paths_cross_the_phasings_and_win(tmp_path):
    spec = SPEC.replace("  early:\n    layout[1]: 2027\n", "").replace(
        "phasings:", "grid:\n  layout[0].year: [2027, 2028]\nphasings:")
    sw = load_sweep(study(tmp_path, spec))
    labels = [v.label for v in sw.variants]
    assert labels == ["as-planned, layout[0].year=2027", "as-planned, layout[0].year=2028",
                      "late, layout[0].year=2027", "late, layout[0].year=2028"]
    years = [[op["year"] for op in v.replace["layout"]] for v in sw.variants]
    assert years == [[2027, 2028], [2028, 2028], [2027, 2028], [2028, 2028]]
    assert sw.variants[2].settings == {"layout[0].year": 2027}


@pytest.mark.parametrize("change, key, says", [
    ("layout[0]: 2028", "phasings.late", "2030 is outside the plan's years 2026-2028"),
    ("layout[0]: 2028\n    layout[5]: 2027", "phasings.late 'layout[5]'",
     "there is no operation layout[5]"),
    ("layout[0]: 2028\n    layout[1]: 2026", "phasings.late",
     "school 'B'"),
    ("layout[0]: 2028\n    merge: 2027", "phasings.late 'merge'", "layout[i]"),
])
def test_bad_phasings_exit_2_naming_the_key_and_write_nothing(tmp_path, change, key, says):
    body = SPEC.replace("layout[0]: 2028", change)
    if "2030" in says:
        body = SPEC.replace("layout[0]: 2028", "layout[0]: 2030")
    out = tmp_path / "out"
    r = invoke("sweep", study(tmp_path, body), "-o", out, "--workers", "1")
    assert r.exit_code == 2, r.output
    assert key in r.text and says in r.text, r.text
    assert not out.exists()


@pytest.mark.parametrize("body, key, says", [
    (SPEC.replace("horizon: {years: 2026-2028}\n", ""), "phasings", "need `horizon`"),
    (SPEC.replace("2026-2028", "2028-2026"), "horizon.years", "A-B"),
    (SPEC.replace("2026-2028", "2026-2029"), "horizon.years", "2029"),
    (SPEC + "stage: all\n", "stage", "pupils only"),
    (SPEC.replace("set: {", "set: {layout[2].year: 2027, "), "spec",
     "quote a key with brackets ('layout[3]': 2027)"),
    (SPEC + "rank: [horizon.pupil_kms]\n", "rank 'horizon.pupil_kms'", "horizon.pupil_km"),
    (SPEC + "grid:\n  layout[1].year: [2027, x]\n", "grid 'layout[1].year'",
     "'x' is not a school year"),
    (SPEC + "grid:\n  layout[1].year: [2026]\n", "grid 'layout[1].year' 2026",
     "school 'B' is closed (by layout[1] (merge)) (school year 2027)"),
    (SPEC + "grid:\n  layout[0].year: [2028]\n", "variant 'early, layout[0].year=2028'",
     "school 'B' is closed (by layout[1] (merge)) (school year 2028)"),
    (SPEC.replace("set: {", "set: {'layout[1].year': 2026, "), "set 'layout[1].year'",
     "school 'B' is closed (by layout[1] (merge)) (school year 2027)"),
    (SPEC.replace("set: {", "set: {'layout[2].year': 2027, "), "set 'layout[2].year'",
     "there is no operation layout[2]: the variant's layout has 2 (layout[0]..layout[1])"),
])
def test_bad_horizon_keys_exit_2_naming_the_key(tmp_path, body, key, says):
    out = tmp_path / "out"
    r = invoke("sweep", study(tmp_path, body), "-o", out)
    assert r.exit_code == 2, r.output
    assert key in r.text and says in r.text, r.text
    assert not out.exists()


def test_horizon_sweep_end_to_end_ranks_on_totals_resumes_and_compares(tmp_path):
    spec = study(tmp_path)
    out = tmp_path / "out"
    r = invoke("sweep", spec, "-o", out, "--workers", "1")
    assert r.exit_code == 0, r.output
    assert "late: optimal 2026-2028 pupil-km" in r.text  # the progress line of a plan
    sw = load_sweep(spec)
    folders = {v.phasing: out / v.id for v in sw.variants}
    totals = {}
    for name, folder in folders.items():
        timeline = json.loads((folder / "timeline.json").read_text())
        assert timeline["years"] == [2026, 2027, 2028]
        assert all((folder / str(y) / "result.json").is_file() for y in (2026, 2027, 2028))
        meta = json.loads((folder / "variant.json").read_text())
        assert meta["phasing"] == name and meta["horizon"] == [2026, 2028]
        totals[name] = timeline["totals"]
        open_2027 = timeline["rows"][1]["schools_open"]
        assert open_2027 == {"as-planned": 2, "early": 1, "late": 3}[name]
    # merging later keeps the trips short a year longer and costs a school a year more
    km = {n: t["pupil_km"] for n, t in totals.items()}
    cost = {n: t["annual_cost_yuan"] for n, t in totals.items()}
    assert km["late"] < km["as-planned"] < km["early"]
    assert cost["early"] < cost["as-planned"] < cost["late"]
    ranking = pd.read_csv(out / "summary" / "ranking.csv")
    assert list(ranking["phasing"]) == ["late", "as-planned", "early"]
    assert list(ranking["horizon.pupil_km"]) == sorted(km.values())
    assert ranking["pareto"].all()  # each trades pupil-km for cost
    assert (out / "summary" / "compare" / "totals.csv").is_file()
    assert "horizon plan" in (out / "summary" / "ranking.md").read_text()
    html = (out / "summary" / "ranking.html").read_text()
    assert "horizon.pupil_km" in html and "late" in html

    again = invoke("sweep", spec, "-o", out, "--workers", "1", "--quiet")
    assert again.exit_code == 0 and "3 finished (0 solved now, 3 earlier)" in again.text

    v = invoke("verify", folders["early"])
    assert v.exit_code == 0 and "plan verified: 3 years" in v.text, v.output

    cmp = tmp_path / "cmp"
    c = invoke("compare", folders["late"], folders["early"], "-o", cmp)
    assert c.exit_code == 0, c.output
    both = pd.read_csv(cmp / "totals.csv")
    assert list(both["pupil_km"]) == [km["late"], km["early"]]


def test_ranking_orders_plans_on_their_horizon_totals(tmp_path):
    spec = study(tmp_path, SPEC + "rank: [horizon.targets_missed, -horizon.pupils_moved]\n"
                 "pareto: [horizon.annual_cost_yuan, horizon.targets_missed]\n")
    sw = load_sweep(spec)
    figures = {"as-planned": (1, 80, 3e5), "early": (0, 50, 2e5), "late": (0, 90, 4e5)}
    found = pd.DataFrame([{
        "id": v.id, "label": v.label, "plan": "", "closures": "", "phasing": v.phasing,
        "_base": 0, "_has_plan": True, "status": "optimal",
        "figures": dict(zip(["horizon.targets_missed", "horizon.pupils_moved",
                             "horizon.annual_cost_yuan"], figures[v.phasing], strict=True))}
        for v in sw.variants])
    table = rank_table(sw, found)
    assert list(table["phasing"]) == ["late", "early", "as-planned"]
    assert dict(zip(table["phasing"], table["pareto"], strict=True)) == {
        "late": False, "early": True, "as-planned": False}


def test_phasings_without_horizon_raise_before_reading_results(tmp_path):
    with pytest.raises(SpecError) as exc:
        load_sweep(study(tmp_path, SPEC.replace("horizon: {years: 2026-2028}\n", "")))
    assert [f.record for f in exc.value.findings] == ["phasings"]


def test_horizon_variants_on_a_dask_local_cluster_equal_plans_solved_here(tmp_path):
    spec = study(tmp_path, SPEC.replace("  late:\n    layout[0]: 2028\n", ""))
    report = run_sweep(spec, tmp_path / "out", scheduler="local", workers=1, quiet=True)
    assert report.backend.startswith("Dask LocalCluster") and report.solved == 2
    base = json.loads((tmp_path / "base.json").read_text())
    for v in report.sweep.variants:
        timeline = json.loads((tmp_path / "out" / v.id / "timeline.json").read_text())
        here = plan_horizon(parse_scenario({**base, **v.replace}, v.label), years=v.horizon)
        assert [r["pupil_km"] for r in timeline["rows"]] == [r["pupil_km"]
                                                             for r in here.rows()]
        assert [r["pupils_moved"] for r in timeline["rows"]] == [r["pupils_moved"]
                                                                 for r in here.rows()]
