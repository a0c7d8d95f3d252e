"""Mutation fuzz of scenario files: one value of a valid scenario replaced by something hostile
(huge or negative numbers, NaN, Infinity, wrong types) or deleted. Reading, `validate` and a
1 s one-worker solve either succeed or raise ScenarioError naming what is wrong: never a
traceback. A few hundred cases run by default, many more with -m slow."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator import ScenarioError, parse_scenario, solve, validate, verify
from tests.conftest import CRS, block, school

NASTY: list[Any] = [math.nan, math.inf, -math.inf, 1e30, 10**30, -(10**30), -1, -1.5, 0, 1e9,
                    2**63, "", "x", None, True, [], {}, [1e30, 1e30], [math.nan, 0.0],
                    [1e9, -1e9], {"1": 10**12}, [10**12] * 9]


def base() -> dict:
    """A small valid scenario touching most fields: schools with rooms, beds and resources,
    blocks with grades and today's schools, a layout, policy overrides and options."""
    return {
        "name": "fuzz", "crs": CRS,
        "schools": [school("A", 0, kind="nine_year", rooms=8, beds=10, township="T1",
                           teaching_area_m2=3000.0, multimedia_rooms=4),
                    school("B", 2500, rooms=3, beds=0, max_students=500,
                           annual_fixed_cost=1e6)],
        "blocks": [block("b1", 100, grades={1: 20, 4: 15, 7: 30},
                         current_school={"primary": "B", "junior": "A"}),
                   block("b2", 2400, 300, grades={2: 25, 5: 10}),
                   block("far", 9000, grades={5: 8, 8: 12})],
        "layout": [{"op": "expand", "school": "B", "classrooms": 1, "boarding_beds": 5},
                   {"op": "add_beds", "school": "A", "beds": 5}],
        "policy": {"profile": "cn-national",
                   "overrides": {"class_size_cap.primary": 45, "investment.bed_yuan": 9000}},
        "options": {"time_limit_s": 1, "workers": 1, "candidates_k": 4, "seed": 0,
                    "weights": {"travel": 1.0, "stability": 1.0}, "invest": False},
    }


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside `node` (dict keys and list indices)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i))
    return out


PATHS = paths(base())


def mutate(doc: dict, path: tuple, value: Any, delete: bool) -> dict:
    out = copy.deepcopy(doc)
    node = out
    for p in path[:-1]:
        node = node[p]
    if delete and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = copy.deepcopy(value)
    return out


def run_case(path: tuple, value: Any, delete: bool) -> str:
    """Read the mutated scenario through JSON text (NaN / Infinity as Python writes them),
    validate and solve it; returns how far it got."""
    text = json.dumps(mutate(base(), path, value, delete))
    try:
        sc = parse_scenario(json.loads(text))
        findings = validate(sc)
        result = solve(sc, time_limit=1.0)
    except ScenarioError as exc:
        assert exc.findings and all(str(f) for f in exc.findings)
        return "refused"
    assert result.status in ("optimal", "feasible", "unknown", "infeasible")
    assert isinstance(findings, list)
    verify(sc, result)  # recomputing must not crash either
    return result.status


def test_hostile_values_are_refused_with_a_message():
    """The cases the fuzz first found: 1e30-sized counts and non-finite coordinates."""
    for path, value in [(("schools", 0, "classrooms"), 10**30),
                        (("blocks", 0, "students", 0), 1e30),
                        (("blocks", 1, "location", 0), math.nan),
                        (("schools", 1, "location", 1), math.inf),
                        (("blocks", 2, "location", 0), 2e8),
                        (("options", "seed"), 2**63)]:
        with pytest.raises(ScenarioError) as err:
            parse_scenario(json.loads(json.dumps(mutate(base(), path, value, False))))
        assert err.value.findings[0].record or err.value.findings[0].field
    geo = base() | {"crs": "EPSG:4326"}
    geo["schools"][0]["location"] = [200.0, 30.0]
    with pytest.raises(ScenarioError, match="school 'A'.*longitude"):
        parse_scenario(geo)


def test_the_base_scenario_solves():
    assert run_case(("name",), "fuzz", False) in ("optimal", "feasible")


CASES = st.tuples(st.sampled_from(PATHS), st.sampled_from(NASTY), st.booleans())
FAST = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(CASES)
def test_mutated_scenarios_never_crash(case):
    run_case(*case)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(CASES)
def test_mutated_scenarios_never_crash_many(case):
    run_case(*case)
