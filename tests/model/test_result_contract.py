"""The result contract: typed sections, result.json's keys and order, absent sections as
before, the JSON Schema (`allocator schema --result`), and `Result.summary()`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import allocator
from allocator.cli.main import app
from tests.conftest import block, scenario, school

KEYS = ["version", "scenario", "status", "strict", "invest", "message", "objective",
        "lower_bound", "gap", "objective_terms", "timings", "solver", "students", "schools",
        "catchments", "teachers", "violations", "investments", "investments_total", "kpis",
        "layout", "balance", "warnings", "stages", "horizon"]


def two_villages():
    return scenario([school("A", 0), school("B", 2000, beds=10)],
                    [block("b1", 100, grades={1: 20, 5: 20}),
                     block("b2", 1900, grades={2: 30, 6: 10})])


def test_sections_are_typed_and_result_json_keeps_its_keys():
    r = allocator.solve(two_villages())
    assert r.kpis.travel.primary.pupils == 80 and r.solver.units >= 2
    assert r.balance.levels["primary"].schools == 2 and r.layout is None
    text = allocator.result_to_json(r)
    data = json.loads(text)
    assert list(data) == KEYS
    assert data["layout"] == {} and data["teachers"] == {"moves": []}
    assert data["horizon"] == {} and r.horizon is None  # a single-year solve
    assert list(data["kpis"])[:3] == ["pupils", "travel", "beyond_day_radius"]
    back = allocator.parse_result(text)
    assert allocator.result_to_json(back) == text and back.teachers is None


def test_result_schema_describes_every_section():
    schema = allocator.result_schema()
    defs = schema["$defs"]
    for name in ("Kpis", "LayoutSection", "BalanceReport", "TeachersSection", "SolverStats",
                 "Move", "Quota", "StaffingRow"):
        assert name in defs, name
    absent = [alt for alt in schema["properties"]["teachers"]["anyOf"] if "$ref" not in alt]
    assert absent[0]["properties"]["moves"] == {"const": []}
    out = CliRunner().invoke(app, ["schema", "--result"])
    assert out.exit_code == 0 and json.loads(out.output) == schema


def test_summary_says_status_objective_and_rules_broken():
    r = allocator.solve(two_villages())
    text = r.summary()
    first = text.splitlines()[0]
    assert first.startswith(r.status) and f"{r.objective:,.2f}" in first
    assert "pupils 80" in text
    assert ("no rule broken" in text) == (not r.violations)
