"""Layout operations on small scenarios whose outcome is known by hand, their errors, and
`choose` (the solver keeps k candidates) checked by the independent verifier."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.layout import apply_layout
from allocator.model.findings import ScenarioError
from allocator.model.policy import resolve_policy
from allocator.students.arcs import build_candidates, build_units
from allocator.students.choose.model import arc_index, build_choose_model, choose_arcs, needy_units
from allocator.students.choose.regions import OpenRegions, improve_open_regions
from allocator.students.problem import lock_map
from allocator.verification import verify_result
from tests.conftest import block, by_block, doc, instance_of, scenario, school, solve_students

P = {g: 10 for g in range(1, 7)}  # 60 primary pupils
UPPER = {g: 10 for g in range(4, 7)}  # 30 pupils of grades 4-6 (they may board)
runner = CliRunner()


def solve_ok(sc):
    """Solve and require the independent verifier to accept the result."""
    r = solve_students(sc)
    report = verify_result(sc, r)
    assert report.ok, [str(p) for p in report.problems]
    return r


def finding(exc: pytest.ExceptionInfo) -> tuple[str, str, str]:
    (f,) = exc.value.findings
    return f.record, f.field, f.message


# -- operations with known outcomes -----------------------------------------------------------
def test_close_sends_pupils_elsewhere_and_counts_them_moved():
    sc = scenario([school("A", 0), school("B", 2000)],
                  [block("b", 500, grades=P, current_school={"primary": "A"})],
                  layout=[{"op": "close", "school": "A"}])
    r = solve_ok(sc)
    assert by_block(r) == {("b", "1-6"): "B"}
    assert r.assignments[0].moved == 60  # today's school closed: all 60 pupils move
    assert r.objective == pytest.approx(60 * 1.5 + 60)  # travel + stability
    assert [s.id for s in r.schools] == ["B"]
    assert doc(r)["layout"]["closed"] == ["A"] and "60 pupils of 1 blocks" in doc(r)["layout"][
        "operations"][0]["effect"]


def test_merge_transfers_rooms_beds_and_teachers_and_pupils_follow():
    teachers = [{"id": f"T{i}", "school": "B", "subject": "pe" if i == 0 else "math",
                 "level": "primary", "degree": "bachelor", "backbone": i == 1}
                for i in range(4)]
    sc = scenario([school("A", 0, rooms=1, beds=5, teaching_area_m2=100),
                   school("B", 600, rooms=6, beds=20, teaching_area_m2=500)],
                  [block("b", 600, grades=P, current_school={"primary": "B"})],
                  teachers=teachers, layout=[{"op": "merge", "from": ["B"], "into": "A"}])
    lay = apply_layout(sc)
    (a,) = lay.schools
    assert (a.id, a.classrooms, a.boarding_beds, a.teaching_area_m2) == ("A", 7, 25, 600)
    assert {t.school for t in lay.teachers} == {"A"}
    assert lay.renamed == {"B": "A"}
    r = solve_ok(sc)
    assert by_block(r) == {("b", "1-6"): "A"}
    assert r.assignments[0].moved == 0  # B's pupils follow their school into A
    assert r.violations == []  # 6 classes fit the 7 merged rooms
    row = next(x for x in doc(r)["balance"]["schools"] if x["school"] == "A")
    assert row["values"]["pe_art_teachers"] == pytest.approx(100 * 1 / 60, abs=1e-4)
    assert row["values"]["backbone_teachers"] == pytest.approx(100 * 1 / 60, abs=1e-4)
    assert row["values"]["teaching_area_m2"] == pytest.approx(10.0)


def test_merge_chain_follows_to_the_last_target():
    sc = scenario([school("A", 0), school("B", 1000), school("C", 5000)],
                  [block("b", 1000, grades=P, current_school={"primary": "B"})],
                  layout=[{"op": "merge", "from": ["B"], "into": "A"},
                          {"op": "merge", "from": ["A"], "into": "C"}])
    lay = apply_layout(sc)
    assert lay.renamed == {"B": "C", "A": "C"}
    assert [s.classrooms for s in lay.schools] == [36]
    assert "60 pupils attend them today" in lay.operations[1]["effect"]  # B's, via A


def test_open_a_new_school_near_the_pupils():
    new = school("N", 900, rooms=6)
    sc = scenario([school("A", 0)], [block("b", 1000, grades=P)],
                  layout=[{"op": "open", "school": new}])
    r = solve_ok(sc)
    assert by_block(r) == {("b", "1-6"): "N"}
    assert doc(r)["layout"]["opened"] == ["N"]


def test_expand_removes_the_classroom_shortfall():
    blocks = [block("b", 0, grades={1: 90})]  # 2 classes of 45 in a one-room school
    before = solve_students(scenario([school("A", 0, rooms=1)], blocks))
    assert [v.rule for v in before.violations] == ["classrooms"]
    sc = scenario([school("A", 0, rooms=1)], blocks,
                  layout=[{"op": "expand", "school": "A", "classrooms": 1}])
    r = solve_ok(sc)
    assert r.violations == [] and r.schools[0].classrooms == 2


def test_expand_per_level_rooms_of_a_nine_year_school():
    s = school("A", 0, kind="nine_year")
    del s["classrooms"]
    s["classrooms_by_level"] = {"primary": 6, "junior": 1}
    sc = scenario([s], [block("b", 0, grades={7: 50, 8: 50})],
                  layout=[{"op": "expand", "school": "A",
                           "classrooms_by_level": {"primary": 0, "junior": 1}}])
    r = solve_ok(sc)
    assert r.violations == [] and r.schools[0].classrooms == 8
    bad = scenario([s], [block("b", 0, grades={7: 50})],
                   layout=[{"op": "expand", "school": "A", "classrooms": 2}])
    with pytest.raises(ScenarioError) as exc:
        apply_layout(bad)
    assert finding(exc)[:2] == ("layout[0] (expand)", "classrooms")


def test_add_beds_houses_the_boarders():
    sc = scenario([school("A", 0, beds=10)], [block("far", 8000, grades=UPPER)],
                  layout=[{"op": "add_beds", "school": "A", "beds": 20}])
    r = solve_ok(sc)
    assert r.assignments[0].boarders == 30 and r.violations == []
    assert doc(r)["kpis"]["funding"]["boarding_subsidy_yuan"] == 30 * 200.0


def test_convert_primary_to_nine_year_takes_the_juniors_nearby():
    sc = scenario([school("A", 0, rooms=12), school("J", 9000, kind="junior", beds=100)],
                  [block("b", 100, grades={1: 10, 7: 20})],
                  layout=[{"op": "convert", "school": "A", "kind": "nine_year"}])
    r = solve_ok(sc)
    assert by_block(r) == {("b", "1-6"): "A", ("b", "7-9"): "A"}


def test_convert_teaching_point_to_closed():
    sc = scenario([school("C", 0), school("T", 1500, kind="teaching_point", rooms=3)],
                  [block("v", 1600, grades={1: 5, 2: 5},
                         current_school={"1-3": "T"})],
                  layout=[{"op": "convert", "school": "T", "kind": "closed"}])
    r = solve_ok(sc)
    assert by_block(r) == {("v", "1-6"): "C"}
    assert r.assignments[0].moved == 10
    assert r.layout.closed == ["T"] and r.layout.operations[0].op == "convert"


# -- bad input: the operation and its index are named, nothing is solved ----------------------
@pytest.mark.parametrize("layout, record, field, words", [
    ([{"op": "close", "school": "B"}, {"op": "merge", "from": ["A"], "into": "B"}],
     "layout[1] (merge)", "into", "closed (by layout[0] (close))"),
    ([{"op": "close", "school": "NOPE"}], "layout[0] (close)", "school", "unknown school"),
    ([{"op": "merge", "from": ["A", "X"], "into": "B"}], "layout[0] (merge)", "from[1]",
     "unknown school 'X'"),
    ([{"op": "open", "school": {"id": "N", "kind": "primary", "classrooms": 6}}],
     "layout[0] (open)", "school.location", "needs a location"),
    ([{"op": "open", "school": {"id": "A", "kind": "primary", "location": [1, 1],
                                "classrooms": 6}}], "layout[0] (open)", "school.id",
     "already an open school"),
    ([{"op": "choose", "candidates": ["A", "B"], "keep": 3}], "layout[0] (choose)", "keep",
     "keep 3 is larger than the 2 candidates"),
    ([{"op": "choose", "candidates": ["A", "B"], "close_at_most": 5}], "layout[0] (choose)",
     "close_at_most", "larger than the 2 candidates"),
    ([{"op": "choose", "candidates": ["A", "A"], "keep": 1}], "layout[0] (choose)",
     "candidates[1]", "listed twice"),
    ([{"op": "choose", "candidates": ["A", "B"], "keep": 1}, {"op": "close", "school": "A"}],
     "layout[1] (close)", "school", "candidate of layout[0] (choose)"),
    ([{"op": "merge", "from": ["A"], "into": "A"}], "layout[0] (merge)", "from[0]",
     "into itself"),
    ([{"op": "expand", "school": "A"}], "layout[0] (expand)", "classrooms", "adds no"),
    ([{"op": "convert", "school": "A", "kind": "primary"}], "layout[0] (convert)", "kind",
     "already a primary"),
])
def test_impossible_operations_are_named(layout, record, field, words):
    sc = scenario([school("A", 0), school("B", 2000)], [block("b", 100, grades=P)],
                  layout=layout)
    with pytest.raises(ScenarioError) as exc:
        solve_students(sc)
    got = finding(exc)
    assert got[:2] == (record, field) and words in got[2], got


def test_choose_with_contiguity_is_refused_naming_the_operation():
    sc = scenario([school("A", 0), school("B", 2000)], [block("b", 100, grades=P)],
                  layout=[{"op": "choose", "candidates": ["A", "B"], "keep": 1}],
                  options={"contiguity": True})
    with pytest.raises(ScenarioError) as exc:
        apply_layout(sc)
    record, fld, msg = finding(exc)
    assert (record, fld) == ("layout[0] (choose)", "op") and "contiguity" in msg


def test_cli_bad_layout_exits_2_and_writes_nothing(tmp_path):
    data = {"name": "bad", "crs": "EPSG:32649", "schools": [school("A", 0), school("B", 2000)],
            "blocks": [block("b", 100, grades=P)],
            "layout": [{"op": "close", "school": "B"},
                       {"op": "merge", "from": ["A"], "into": "B"}],
            "options": {"time_limit_s": 5, "workers": 2}}
    p = tmp_path / "s.json"
    p.write_text(json.dumps(data))
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(p), "-o", str(out), "-q"])
    text = " ".join(r.output.split())
    assert r.exit_code == 2 and "layout[1] (merge)" in text and "closed" in text
    assert "Traceback" not in r.output and not out.exists()
    v = runner.invoke(app, ["validate", str(p)])
    assert v.exit_code == 2 and "layout[1] (merge)" in " ".join(v.output.split())


def test_schema_errors_in_an_operation_name_its_index(tmp_path):
    data = {"name": "bad", "crs": "EPSG:32649", "schools": [school("A", 0)],
            "blocks": [block("b", 100, grades=P)],
            "layout": [{"op": "add_beds", "school": "A", "beds": -3}]}
    p = tmp_path / "s.json"
    p.write_text(json.dumps(data))
    r = runner.invoke(app, ["validate", str(p)])
    assert r.exit_code == 2 and "layout[0] (add_beds)" in " ".join(r.output.split())


# -- choose -------------------------------------------------------------------------------------
def line_county(layout_extra: list | None = None, options: dict | None = None, **choose):
    """A central school with beds at 0 and four village schools at 4, 8, 12, 16 km; blocks of
    uneven size every 2 km (grades 4-6: they may board, so any open set is feasible)."""
    schools = [school("C", 0, beds=500, rooms=30), school("V1", 4000), school("V2", 8000),
               school("V3", 12000), school("V4", 16000)]
    blocks = [block(f"b{i}", 2000 * i, grades={g: 5 + 3 * i for g in range(4, 7)})
              for i in range(9)]
    ops = [{"op": "choose", "candidates": ["V1", "V2", "V3", "V4"], **choose}] if choose \
        else []
    return scenario(schools, blocks, layout=ops + (layout_extra or []),
                    policy={"overrides": {"day_radius_km.primary.rural": 5}},
                    options=options or {})


def test_choose_keeps_the_k_best_candidates():
    r = solve_ok(line_county(keep=2))
    (c,) = doc(r)["layout"]["choose"]
    assert {s.id for s in r.schools} == {"C", *c["kept"]} and len(c["kept"]) == 2
    assert r.status == "optimal" and r.lower_bound == pytest.approx(r.objective)
    # the known answer: the best of the six ways to close two candidates by hand
    best = min(solve_students(line_county(layout_extra=[
        {"op": "close", "school": a}, {"op": "close", "school": b}])).objective
        for i, a in enumerate(["V1", "V2", "V3", "V4"]) for b in ["V1", "V2", "V3", "V4"][i + 1:])
    assert r.objective == pytest.approx(best)


def test_choose_close_at_most_weighs_fixed_costs():
    # each kept village costs 1,000,000 yuan x 0.0001 pupil-km/yuan = 100 pupil-km; closing
    # V4 costs its 2 blocks 2 x 30 x 4 km = 240 > 100, closing all costs more: with
    # close_at_most 4 the solver keeps a school only where it saves more than 100 pupil-km
    sc = scenario(
        [school("C", 0, beds=500, rooms=30), school("V1", 4000), school("V2", 30000)],
        [block("b1", 4000, grades=UPPER), block("b2", 30000, grades={4: 1})],
        layout=[{"op": "choose", "candidates": ["V1", "V2"], "close_at_most": 2,
                 "fixed_cost": 1_000_000}],
        options={"weights": {"fixed_cost": 0.0001}})
    r = solve_ok(sc)
    (c,) = doc(r)["layout"]["choose"]
    # V1 saves 30 pupils x 4 km = 120 > 100; V2 saves 1 pupil x 30 km = 30 < 100
    assert c["kept"] == ["V1"] and c["closed"] == ["V2"]
    assert r.objective_terms.fixed_cost == pytest.approx(100.0)
    assert r.objective == pytest.approx(100.0 + 30.0)  # fixed + b2's 30 km
    assert r.schools[[s.id for s in r.schools].index("V1")].fixed_cost_yuan == 1_000_000
    assert doc(r)["kpis"]["funding"]["fixed_cost_yuan"] == 1_000_000


def test_choose_must_keep_the_only_school_within_young_pupils_reach():
    sc = scenario([school("C", 0, beds=500), school("V1", 4000), school("V2", 8000)],
                  [block("y", 8000, grades={1: 10}), block("o", 4000, grades=UPPER)],
                  layout=[{"op": "choose", "candidates": ["V1", "V2"], "keep": 1}])
    r = solve_ok(sc)
    assert doc(r)["layout"]["choose"][0]["kept"] == ["V2"]  # the grade-1 pupils cannot board


def swap_one(r):
    c = r.layout.choose[0]
    c.kept, c.closed = [c.closed[0], c.kept[1]], [c.kept[0], c.closed[1]]


def keep_three(r):
    c = r.layout.choose[0]
    c.kept, c.closed = c.kept + c.closed[:1], c.closed[1:]


def test_choose_finds_the_one_school_serving_both_villages():
    # grade-1 pupils in y1 (x=0) reach V1 or V2, those in y2 (x=4 km) V2 or V3; each prefers
    # its own village school, but with one school kept only V2 (2 km from both) serves both
    sc = scenario([school("V1", -1000), school("V2", 2000), school("V3", 5000)],
                  [block("y1", 0, grades={1: 20}), block("y2", 4000, grades={1: 20})],
                  layout=[{"op": "choose", "candidates": ["V1", "V2", "V3"], "keep": 1}])
    r = solve_ok(sc)
    assert doc(r)["layout"]["choose"][0]["kept"] == ["V2"]
    assert r.objective == pytest.approx(2 * 20 * 2.0)


@pytest.mark.parametrize("change, rule", [
    (swap_one, "choose"),
    (keep_three, "choose"),
    (lambda r: setattr(r, "objective", r.objective - r.objective_terms.fixed_cost),
     "objective"),
    (lambda r: r.schools.pop(), "school_rows"),
])
def test_verifier_checks_choose_results(change, rule):
    sc = line_county(keep=2, fixed_cost=500_000, options={"weights": {"fixed_cost": 0.001}})
    r = solve_ok(sc)
    bad = r.model_copy(deep=True)
    change(bad)
    report = verify_result(sc, bad)
    assert not report.ok and rule in {p.rule for p in report.problems}, [
        str(p) for p in report.problems]


# -- random layouts: every solve passes the verifier ---------------------------------------------
@st.composite
def layouts(draw):
    n = draw(st.integers(3, 5))
    schools = [school(f"S{i}", draw(st.integers(0, 9000)), draw(st.integers(0, 9000)),
                      kind="nine_year" if i == 0 else draw(st.sampled_from(
                          ["primary", "teaching_point", "nine_year"])),
                      rooms=draw(st.integers(3, 12)), beds=draw(st.integers(0, 60)))
               for i in range(n)]
    blocks = [block(f"B{i}", draw(st.integers(0, 9000)), draw(st.integers(0, 9000)),
                    grades={g: draw(st.integers(0, 15)) for g in range(1, 10)},
                    current_school={"primary": f"S{draw(st.integers(0, n - 1))}"})
              for i in range(draw(st.integers(2, 6)))]
    ops = []
    others = [f"S{i}" for i in range(1, n)]
    kind = draw(st.sampled_from(["close", "merge", "expand", "add_beds", "choose", "open"]))
    if kind == "close":
        ops.append({"op": "close", "school": others[0]})
    elif kind == "merge":
        ops.append({"op": "merge", "from": others[:2], "into": "S0"})
    elif kind == "expand":
        ops.append({"op": "expand", "school": others[0], "classrooms": 2, "boarding_beds": 10})
    elif kind == "add_beds":
        ops.append({"op": "add_beds", "school": "S0", "beds": 20})
    elif kind == "open":
        ops.append({"op": "open", "school": school("N", draw(st.integers(0, 9000)),
                                                   kind="nine_year", rooms=9)})
    else:
        ops.append({"op": "choose", "candidates": others,
                    "keep": draw(st.integers(0, len(others)))})
    return schools, blocks, ops


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(layouts())
def test_random_layouts_pass_the_verifier(case):
    schools, blocks, ops = case
    sc = scenario(schools, blocks, layout=ops,
                  policy={"overrides": {"day_radius_km.primary.rural": 15}},
                  options={"time_limit_s": 3, "weights": {"fixed_cost": 0.0001}})
    try:
        r = solve_students(sc)
    except ScenarioError as exc:
        assert all(f.record or f.field for f in exc.findings)
        return
    assert r.lower_bound <= r.objective + 1e-6
    report = verify_result(sc, r)
    assert report.ok, [str(p) for p in report.problems]


def test_choose_study_from_the_cli(tmp_path):
    data = {"name": "choose", "crs": "EPSG:32649",
            "schools": [school("C", 0, beds=500, rooms=30), school("V1", 4000),
                        school("V2", 8000), school("V3", 12000)],
            "blocks": [block(f"b{i}", 2000 * i, grades=UPPER) for i in range(7)],
            "layout": [{"op": "choose", "candidates": ["V1", "V2", "V3"], "keep": 1,
                        "fixed_cost": 600000}],
            "options": {"time_limit_s": 5, "workers": 2, "weights": {"fixed_cost": 0.0001}}}
    p = tmp_path / "choose.json"
    p.write_text(json.dumps(data))
    out = tmp_path / "out"
    r = runner.invoke(app, ["solve", str(p), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    res = json.loads((out / "result.json").read_text())
    (c,) = res["layout"]["choose"]
    assert len(c["kept"]) == 1 and sorted(c["kept"] + c["closed"]) == ["V1", "V2", "V3"]
    assert res["objective_terms"]["fixed_cost"] == pytest.approx(60.0)
    v = runner.invoke(app, ["verify", str(p), str(out)])
    assert v.exit_code == 0, v.output
    assert "choose 1" in v.output


def test_regional_search_swaps_a_bad_open_set():
    # start from a plan where far V1 is open and V2 (next to the pupils) closed: a region
    # holding both must swap them (keep 1), bringing the cost down to the optimum
    sc = scenario([school("C", 0, beds=500, rooms=30), school("V1", 9000),
                   school("V2", 3000)], [block(f"b{i}", 2500 + 200 * i, grades=UPPER)
                                         for i in range(5)],
                  layout=[{"op": "choose", "candidates": ["V1", "V2"], "keep": 1}])
    policy = resolve_policy()
    inst = instance_of(sc)
    units = build_units(inst, lock_map(inst))
    cm = build_choose_model(inst, apply_layout(sc, policy))
    arcs = choose_arcs(inst, units, build_candidates(inst, units, 8), cm, 8,
                       needy_units(inst, units, cm))
    at_c = arc_index(arcs, inst.n_schools, np.arange(len(units)),
                     np.full(len(units), inst.school_index()["C"]))
    rs = OpenRegions(inst, units, arcs, at_c, cm, strict=False, seed=0)
    assert [inst.school_ids[j] for j in np.flatnonzero(rs.open)] == ["C", "V1"]
    improve_open_regions(rs, time.perf_counter() + 5, 2, lambda cost: False)
    assert [inst.school_ids[j] for j in np.flatnonzero(rs.open)] == ["C", "V2"]
    assert {inst.school_ids[arcs.school[a]] for a in rs.choice} == {"V2"}
    assert rs.stats["open_changes"] == 2
