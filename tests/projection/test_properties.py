"""Generated counties: every projection is whole, complete, consistent with its table, and
its variants are ordered."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator import parse_scenario, project_scenario
from tests.projection.helpers import county, town_block

TOWNS = ("T1", "T2", "T3")


@st.composite
def counties(draw):
    n = draw(st.integers(1, 6))
    blocks = []
    for i in range(n):
        grades = {g: draw(st.integers(0, 40)) for g in range(1, 10)}
        extra = {}
        if draw(st.booleans()):
            extra["children_by_age"] = draw(st.lists(st.integers(0, 30), min_size=6,
                                                     max_size=6))
        blocks.append(town_block(f"b{i}", x=100.0 * i, town=draw(st.sampled_from(TOWNS)),
                                 urban=draw(st.booleans()), grades=grades, **extra))
    towns = sorted({b["township"] for b in blocks})
    births = [{"township": t, "year": y, "births": draw(st.integers(0, 200))}
              for t in towns for y in range(2019, 2025) if draw(st.booleans())]
    devs = [{"id": f"D{j}", "block": f"b{draw(st.integers(0, n - 1))}",
             "dwellings": draw(st.integers(0, 500)), "year": draw(st.integers(2026, 2030))}
            for j in range(draw(st.integers(0, 2)))]
    survival = {t: draw(st.floats(0.8, 1.2)) for t in towns if draw(st.booleans())}
    return county(blocks, births=births, developments=devs,
                  projection={"survival": survival, "trend": draw(st.floats(0.8, 1.1))})


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(counties())
def test_projection_is_complete_consistent_and_ordered(data):
    sc = parse_scenario(data)
    runs = {v: project_scenario(sc, "2026-2030", v) for v in ("low", "medium", "high")}
    p = runs["medium"]
    for b in p.scenario.blocks:
        assert sorted(b.students_by_year) == [str(y) for y in range(2026, 2031)]
        assert all(len(c) == 9 and min(c) >= 0 for c in b.students_by_year.values())
    for row in p.table.county():
        counts = [b.students_by_year[str(row.year)] for b in p.scenario.blocks]
        assert row.primary == sum(sum(c[:6]) for c in counts)
        assert row.junior == sum(sum(c[6:]) for c in counts)
        assert row.grade_1 == sum(c[0] for c in counts)
    totals = {v: [(r.year, r.township, r.total) for r in run.table.rows]
              for v, run in runs.items()}
    for lo, mid, hi in zip(totals["low"], totals["medium"], totals["high"], strict=True):
        assert lo[2] <= mid[2] <= hi[2]
