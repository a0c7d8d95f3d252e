"""Hand-checked projections: cohorts, developments, births, children by age, variants."""

from __future__ import annotations

import pytest

from allocator import ScenarioError, parse_scenario, project_scenario
from tests.projection.helpers import county, town_block


def grades_of(projection, bid: str, year: int) -> list[int]:
    [b] = [b for b in projection.scenario.blocks if b.id == bid]
    return b.students_by_year[str(year)]


def test_a_cohort_moves_up_a_grade_times_the_factor_and_grade_9_leaves():
    sc = parse_scenario(county([town_block("b1", grades={3: 100, 6: 40, 9: 50})],
                               projection={"survival": {"T1": 0.9}}))
    p = project_scenario(sc, "2026-2027")
    # trend 1.0 keeps grade 1 at today's 0; 100 x 0.9 = 90 in grade 4, then 81 in grade 5
    assert grades_of(p, "b1", 2026) == [0, 0, 0, 90, 0, 0, 36, 0, 0]
    assert grades_of(p, "b1", 2027) == [0, 0, 0, 0, 81, 0, 0, 32, 0]
    # grade 6 -> 7 crosses to junior: the 36 are junior pupils in 2026
    row = {(r.year, r.township): r for r in p.table.rows}[(2026, "T1")]
    assert (row.primary, row.junior, row.total) == (90, 36, 126)


def test_rural_blocks_take_the_policy_factor_of_each_step():
    sc = parse_scenario(county([town_block("b1", urban=False, grades={1: 100, 6: 100})],
                               policy={"overrides": {"projection.trend": 1.0}}))
    p = project_scenario(sc, "2026")
    # rural defaults: 0.99 per primary step, 0.97 at the move to junior
    assert grades_of(p, "b1", 2026) == [100, 99, 0, 0, 0, 0, 97, 0, 0]


def test_a_development_adds_its_pupils_in_its_year_and_not_before():
    sc = parse_scenario(county(
        [town_block("b1"), town_block("b2", x=5000)],
        developments=[{"id": "D1", "block": "b1", "dwellings": 600, "year": 2028},
                      {"id": "D2", "location": [4900, 10], "dwellings": 100, "year": 2027,
                       "pupils_per_100": {"primary": 30}}]))
    p = project_scenario(sc, "2026-2030")
    assert sum(grades_of(p, "b1", 2026)) == sum(grades_of(p, "b1", 2027)) == 0
    # 600 dwellings x 12 / 100 = 72 primary (12 a grade), x 6 / 100 = 36 junior (12 a grade)
    assert grades_of(p, "b1", 2028) == [12] * 9
    # then its cohorts move up and a settled estate adds a new grade 1 each year
    assert grades_of(p, "b1", 2029) == [12] * 9
    # the located development goes to the nearest block, b2: 30 primary (5 a grade),
    # 6 junior (the policy's rate: 2 a grade)
    assert sum(grades_of(p, "b2", 2026)) == 0
    assert grades_of(p, "b2", 2027) == [5] * 6 + [2] * 3


def test_births_drive_grade_1_shared_by_todays_grade_1():
    sc = parse_scenario(county(
        [town_block("b1", grades={1: 30}), town_block("b2", x=100, grades={1: 10})],
        births=[{"township": "T1", "year": 2020, "births": 400},
                {"township": "T1", "year": 2021, "births": 200}]))
    p = project_scenario(sc, "2026-2027")
    assert grades_of(p, "b1", 2026)[0] == 300 and grades_of(p, "b2", 2026)[0] == 100
    assert grades_of(p, "b1", 2027)[0] == 150 and grades_of(p, "b2", 2027)[0] == 50
    county_rows = {r.year: r for r in p.table.county()}
    assert county_rows[2026].grade_1 == 400 and county_rows[2027].grade_1 == 200


def test_births_halving_over_six_years_shrink_grade_1():
    births = [{"township": "T1", "year": 2019 + i, "births": 1000 - 100 * i} for i in range(6)]
    sc = parse_scenario(county([town_block("b1", grades={1: 1000})], births=births))
    p = project_scenario(sc, "2025-2030")
    intake = [r.grade_1 for r in p.table.county()]
    assert intake == [1000, 900, 800, 700, 600, 500]  # 2025 is today's count


def test_children_by_age_are_preferred_over_births():
    sc = parse_scenario(county(
        [town_block("b1", grades={1: 70}, children_by_age=[10, 20, 30, 40, 50, 60])],
        births=[{"township": "T1", "year": y, "births": 999} for y in range(2019, 2027)]))
    p = project_scenario(sc, "2026-2032")
    firsts = [grades_of(p, "b1", y)[0] for y in range(2026, 2033)]
    # age 5 in 2025 enters grade 1 in 2026 ... age 0 in 2031; then births of 2026
    assert firsts == [60, 50, 40, 30, 20, 10, 999]


def test_variants_order_low_medium_high():
    births = [{"township": "T1", "year": y, "births": 500} for y in range(2019, 2029)]
    data = county([town_block("b1", urban=False, grades={g: 80 for g in range(1, 10)}),
                   town_block("b2", x=300, town="T2", grades={1: 40, 4: 40})],
                  births=births)
    sc = parse_scenario(data)
    totals = {v: [r.total for r in project_scenario(sc, "2026-2034", v).table.county()]
              for v in ("low", "medium", "high")}
    assert all(lo <= mid <= hi for lo, mid, hi in zip(*totals.values(), strict=True))
    assert totals["low"][-1] < totals["medium"][-1] < totals["high"][-1]


def test_migrant_factor_scales_its_township_only():
    data = county([town_block("b1", grades={2: 100}), town_block("b2", x=1, town="T2",
                                                                 grades={2: 100})],
                  projection={"migrant": {"T2": 1.1}})
    p = project_scenario(parse_scenario(data), "2026")
    assert grades_of(p, "b1", 2026)[2] == 100 and grades_of(p, "b2", 2026)[2] == 110


def test_given_years_are_kept_and_carried_forward():
    sc = parse_scenario(county([town_block("b1", grades={1: 10},
                                           students_by_year={"2026": [5] * 9,
                                                             "2040": [1] * 9})]))
    p = project_scenario(sc, "2026-2027")
    assert grades_of(p, "b1", 2026) == [5] * 9
    assert grades_of(p, "b1", 2027) == [10] + [5] * 8
    assert grades_of(p, "b1", 2040) == [1] * 9  # outside the horizon: untouched


def test_table_rows_sum_the_blocks_by_township_and_county():
    sc = parse_scenario(county([town_block("b1", grades={1: 10, 8: 5}),
                                town_block("b2", x=1, town="T2", grades={3: 7})]))
    p = project_scenario(sc, "2026")
    rows = {r.township: r for r in p.table.rows}
    assert set(rows) == {"T1", "T2", "*"}
    # b1: grade 1 stays 10 (trend 1.0), the 10 move to grade 2, the 5 to grade 9
    assert (rows["T1"].primary, rows["T1"].junior, rows["T1"].grade_1) == (20, 5, 10)
    assert rows["*"].total == rows["T1"].total + rows["T2"].total == 32


def test_small_blocks_keep_their_townships_total_when_rounded():
    blocks = [town_block(f"b{i}", x=10 * i, grades={2: 1}) for i in range(10)]
    p = project_scenario(parse_scenario(county(blocks, projection={"survival": {"T1": 0.45}})),
                         "2026")
    third = [grades_of(p, f"b{i}", 2026)[2] for i in range(10)]
    # each block holds 0.45 of a pupil: rounded alone, all ten would be 0; the township's
    # 4.5 rounds to 5, given to the first five blocks (equal remainders)
    assert third == [1] * 5 + [0] * 5
    assert {r.township: r.primary for r in p.table.rows} == {"T1": 5, "*": 5}


def test_a_list_of_years_projects_those_years_and_an_empty_one_is_refused():
    sc = parse_scenario(county([town_block("b1", grades={1: 10})]))
    p = project_scenario(sc, [2030, 2027])
    assert sorted(p.scenario.blocks[0].students_by_year) == ["2027", "2030"]
    with pytest.raises(ScenarioError):
        project_scenario(sc, [])


def test_births_of_a_township_with_no_grade_1_today_are_shared_equally():
    sc = parse_scenario(county(
        [town_block("b1", grades={4: 5}), town_block("b2", x=1, grades={5: 5})],
        births=[{"township": "T1", "year": 2020, "births": 30}]))
    p = project_scenario(sc, "2026")
    assert grades_of(p, "b1", 2026)[0] == grades_of(p, "b2", 2026)[0] == 15


def test_a_located_development_goes_to_the_nearest_block_in_lon_lat():
    # at latitude 60 a degree of longitude is half a degree of latitude: A is nearer
    data = county([town_block("A", x=1.0, y=60.0), town_block("B", x=0.0, y=60.9)],
                  crs="EPSG:4326",
                  developments=[{"id": "D", "location": [0.0, 60.0], "dwellings": 100,
                                 "year": 2026}])
    data["schools"][0]["location"] = [0.5, 60.5]
    p = project_scenario(parse_scenario(data), "2026")
    assert sum(grades_of(p, "A", 2026)) == 18 and sum(grades_of(p, "B", 2026)) == 0


def test_counts_given_for_the_base_year_are_kept_and_start_the_projection():
    sc = parse_scenario(county([town_block("b1", grades={1: 10},
                                           students_by_year={"2025": [4] * 9})]))
    p = project_scenario(sc, "2025-2026")
    assert grades_of(p, "b1", 2025) == [4] * 9
    assert grades_of(p, "b1", 2026) == [10] + [4] * 8  # grade 1 from today's trend
    assert p.table.county()[0].total == 36
