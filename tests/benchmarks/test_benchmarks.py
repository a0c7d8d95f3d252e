"""Smoke test of the benchmark harness: one small instance of each suite, in seconds.

Published instances and the independent checkers live in the shared benchmarks folder
(`--data`, $SCHOOL_BENCH_DATA or ../shared/benchmarks); tests that need it skip when it is
absent. Peers skip when their package is missing (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.__main__ import main
from benchmarks.checkers import CheckerDisagrees, verify_plan
from benchmarks.mip import decode
from benchmarks.orlib import InstanceError, load_file, read_gap, read_lorena, read_pmedcap
from benchmarks.peer_models import assignment_milp, county_milp, peer_arcs
from benchmarks.peers import run_peer
from benchmarks.published import collect, default_data_dir, solve_published

DATA = default_data_dir()
needs_data = pytest.mark.skipif(not (DATA / "check_gap.py").is_file(),
                                reason=f"shared benchmark folder not found at {DATA}")

GAP_TEXT = """2
2 3
1 2 3
4 5 6
2 2 2
2 2 2
4 4
1 3
5 5 5
1 1 1
3
"""


def test_gap_reader_reads_multi_and_single_files(tmp_path):
    f = tmp_path / "two.txt"
    f.write_text(GAP_TEXT)
    probs = read_gap(f)
    assert [(p.m, p.n) for p in probs] == [(2, 3), (1, 3)]
    assert probs[0].cost.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert probs[1].capacity.tolist() == [3]
    single = tmp_path / "e_one"
    single.write_text("2 2\n1 2 3 4\n1 1 1 1\n2 2\n")
    assert read_gap(single)[0].weight.tolist() == [[1, 1], [1, 1]]


@pytest.mark.parametrize("text, where", [
    ("1\n2 3\n1 2 3\n4 5 x\n", ":4 (number 9): expected an integer in problem 1 costs"),
    ("1\n2 3\n1 2 3\n4 5 6\n2 2 2\n", "truncated while reading problem 1 weights"),
    ("1\n2 1\n1 2\n1 1\n1 1\n7\n", "numbers left after 1 problem"),
])
def test_malformed_gap_file_names_file_and_position(tmp_path, text, where):
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(InstanceError) as exc:
        read_gap(f)
    assert str(f) in str(exc.value) and where in str(exc.value)


def test_pmedian_readers_and_their_errors(tmp_path):
    f = tmp_path / "pm.txt"
    f.write_text("1\n 1 999\n 3 1 10\n 1 0 0 2\n 2 3 4 2\n 3 6 8 2\n")
    p = read_pmedcap(f)[0]
    assert p.open_count == 1 and p.cost[0, 1] == 5.0 and p.capacity.tolist() == [10] * 3
    lo = tmp_path / "lo.dat"
    lo.write_text("2 1\n0 0 5 1\n1 1 5 2\n")
    q = read_lorena(lo)[0]
    assert q.cost[0, 1] == pytest.approx(2 ** 0.5) and q.weight[0].tolist() == [1, 2]
    assert load_file(f)[0].kind == "pmedcap" and load_file(lo)[0].kind == "lorena"
    lo.write_text("2 1\n0 0 5 1\n1 1 5\n")
    with pytest.raises(InstanceError, match=r"lo.dat:3: expected 4 numbers"):
        read_lorena(lo)


def test_runner_reports_bad_file_without_traceback(tmp_path, capsys):
    f = tmp_path / "broken.txt"
    f.write_text("1\n2 3\n1 2\n")
    code = main(["run", "--file", str(f), "--kind", "gap", "--no-save"])
    err = capsys.readouterr().err
    assert code == 2
    assert "broken.txt" in err and "Traceback" not in err


@needs_data
def test_orlib_smoke_gap_and_pmedian_are_solved_and_checked():
    gap = collect(DATA, ["gap1-1"])[0]
    row = solve_published(gap, 5.0, DATA, workers=2)
    assert row["value"] == gap.optimum and row["proven"] and row["checker"] == "agrees"
    pm = collect(DATA, ["pmedcap1-1"])[0]
    row = solve_published(pm, 10.0, DATA)
    assert row["checker"] == "agrees" and row["gap_to_opt"] <= 0.01


@needs_data
def test_checker_disagreement_is_loud():
    gap = collect(DATA, ["gap1-1"])[0]
    assign = np.zeros(gap.problem.n, dtype=int)  # everything on agent 0: over capacity
    with pytest.raises(CheckerDisagrees):
        verify_plan(gap, assign, 0.0, DATA)


def test_runner_reads_any_file_by_path(tmp_path, capsys):
    f = tmp_path / "mine.txt"
    f.write_text(GAP_TEXT)
    if not (DATA / "check_gap.py").is_file():
        pytest.skip("checkers not available")
    code = main(["run", "--file", str(f), "--no-save", "--time-limit", "3", "--data",
                 str(DATA)])
    out = capsys.readouterr().out
    assert code == 0 and "| mine-1 |" in out and "| mine-2 |" in out


@pytest.mark.parametrize("peer", ["cpsat", "highs", "cbc"])
def test_peer_smoke_solves_a_small_gap(tmp_path, peer):
    f = tmp_path / "p.txt"
    f.write_text(GAP_TEXT)
    prob = read_gap(f)[0]
    milp = assignment_milp(prob, peer_arcs(prob)[0])
    res = run_peer(peer, milp, 5.0, tmp_path)
    if "skipped" in res:
        pytest.skip(res["skipped"])
    assert "error" not in res, res
    assign = decode(milp, np.array(res["x"]), prob.n)
    assert assign is not None
    assert res["objective"] == pytest.approx(float(prob.cost[assign, np.arange(prob.n)].sum()))
    assert res["objective"] == pytest.approx(9.0)  # two jobs on agent 0, one on agent 1


def test_counties_smoke_engine_and_peer_model_agree(tmp_path):
    """A tiny county: the planner solves it, and the plain CP-SAT peer's plan of the same
    MILP is re-costed by the engine's own evaluation to the value the peer claims."""
    from benchmarks.counties import solve_one
    from benchmarks.peers import county_objective

    row = solve_one(12, 120, False, 5.0, 1)
    assert row["objective"] is not None and row["lower_bound"] <= row["objective"] + 1e-6
    from allocator.io.generate import generate_county
    from allocator.model.loading import parse_scenario
    from allocator.model.policy import resolve_policy
    from allocator.rules.objective import SCALE, penalty_units
    from allocator.students.arcs import build_candidates, build_units
    from allocator.students.problem import lock_map
    from tests.conftest import instance_of

    sc = parse_scenario(generate_county(12, 120, seed=1))
    policy = resolve_policy(sc.policy.profile, sc.policy.overrides)
    inst = instance_of(sc)
    units = build_units(inst, lock_map(inst))
    arcs = build_candidates(inst, units, sc.options.candidates_k)
    milp = county_milp(inst, units, arcs, penalty_units(policy))
    res = run_peer("cpsat", milp, 5.0, tmp_path)
    assert "error" not in res, res
    schools = decode(milp, np.array(res["x"]), len(units))
    value, _ = county_objective(inst, units, arcs, schools)
    claimed = res["objective"] / SCALE
    assert value <= claimed + 0.011  # the model never understates a plan's cost
    if res["optimal"]:  # and at its optimum every slack is as small as the rules allow
        assert value == pytest.approx(claimed, abs=0.011)
    assert value >= row["lower_bound"] - 1e-6


def test_highs_peer_never_shares_a_process_with_ortools():
    src = Path(importlib.util.find_spec("benchmarks.peer_run").origin).read_text()
    head = src.split("def run_highs")[0]
    assert "ortools" not in head.replace("OR-Tools", "").split('"""', 2)[-1]


def test_county_proof_reports_highs_bound_below_its_plan(capsys):
    """`python -m benchmarks.county_proof S`: HiGHS on the planner's model of county S, a
    proven bound no greater than its plan (a short limit: the figures, not the optimum)."""
    from benchmarks.county_proof import main as proof_main
    from benchmarks.peers import missing_reason

    if missing_reason("highs"):
        pytest.skip(missing_reason("highs"))
    assert proof_main(["S", "--time-limit", "5"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # on a loaded machine HiGHS may not finish its root LP in 5 s: its bound is then 0,
    # still a valid one
    assert out["instance"] == "S" and out["arcs"] > 1000 and out["highs_bound"] >= 0
    if out["highs_plan"] is not None:  # HiGHS may not have a plan yet after 5 s
        assert out["highs_bound"] <= out["highs_plan"]
