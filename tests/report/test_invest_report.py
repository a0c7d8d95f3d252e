"""Investments in `allocator compare` (KPI rows, investments.csv, compare.md / .html, the
comparison's new-schools-over-the-cap indicator) and on the map's schools layer."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from allocator.cli.main import app
from allocator.report.maps import build_layers
from tests.conftest import block, scenario, school, solve_students

runner = CliRunner()


def crowded(name: str, invest: bool) -> dict:
    """A primary with 2 classrooms for 4 classes (grades 1-3 of 45 and grade 5 of 20, whose
    block lies beyond the day radius and needs 20 beds)."""
    return {"name": name, "crs": "EPSG:32649",
            "schools": [school("A", 0, rooms=2, beds=0, max_students=150)],
            "blocks": [block("b", 100, grades={1: 45, 2: 45, 3: 45}),
                       block("far", 9000, grades={5: 20})],
            "options": {"time_limit_s": 5, "workers": 1, "invest": invest}}


def test_compare_shows_investments_beside_the_plain_solve(tmp_path):
    files = []
    for name, invest in (("plain", False), ("invest", True)):
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps(crowded(name, invest)), encoding="utf-8")
        files.append(str(p))
    out = tmp_path / "cmp"
    r = runner.invoke(app, ["compare", *files, "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    kpis = pd.read_csv(out / "kpis.csv").set_index("key")
    assert float(kpis.loc["investments.classrooms", "invest"]) == 2
    assert float(kpis.loc["investments.beds", "invest"]) == 20
    assert pd.isna(kpis.loc["investments.beds", "plain"])
    # 155 pupils over the cap of 150 in both: not new against the base
    assert float(kpis.loc["indicators.new_schools_over_size_cap", "invest"]) == 0
    table = pd.read_csv(out / "investments.csv")
    assert table[["run", "school", "what", "count"]].values.tolist() == [
        ["invest", "A", "classrooms", 2], ["invest", "A", "beds", 20]]
    md = (out / "compare.md").read_text("utf-8")
    assert "## Investments" in md and "| invest | A | beds |  | 20 | 240,000 | 12,000 |" in md
    assert 'id="investments"' in (out / "compare.html").read_text("utf-8")


def test_map_schools_layer_lists_what_is_built():
    sc = scenario(crowded("m", True)["schools"], crowded("m", True)["blocks"],
                  options={"invest": True})
    layers = build_layers(solve_students(sc), sc)
    a = layers["schools"].set_index("id").loc["A"]
    assert (a["classrooms_added"], a["beds_added"], a["investment_yuan"]) == (2, 20, 840000.0)
