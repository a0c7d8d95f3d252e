"""Births, new housing and children by age in the planner's workbook, both languages."""

from __future__ import annotations

import openpyxl
import pytest

from allocator import parse_scenario, read_template, write_template
from tests.projection.helpers import county, town_block


def with_housing():
    return parse_scenario(county(
        [town_block("b1", grades={1: 9}, children_by_age=[1, 2, 3, 4, 5, 6]),
         town_block("b2", x=800, town="T2")],
        births=[{"township": "T1", "year": 2020, "births": 120},
                {"township": "T2", "year": 2021, "births": 80}],
        developments=[{"id": "D1", "block": "b1", "dwellings": 400, "year": 2027},
                      {"id": "D2", "location": [750.0, 20.0], "dwellings": 90, "year": 2029,
                       "pupils_per_100": {"primary": 20.0, "junior": 8.5}}],
        projection={"base_year": 2025, "survival": {"rural": 0.98}, "migrant": {"T2": 1.05},
                    "trend": 0.97}))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_births_developments_and_ages_come_back_from_the_workbook(lang, tmp_path):
    sc = with_housing()
    xlsx = write_template(tmp_path / "t.xlsx", sc, lang)
    assert read_template(xlsx) == sc
    wb = openpyxl.load_workbook(xlsx)
    titles = {"zh-CN": ("出生人口", "新建住宅", "0岁儿童"),
              "en": ("Births", "New housing", "Children aged 0")}[lang]
    assert titles[0] in wb.sheetnames and titles[1] in wb.sheetnames
    headers = [c.value for c in next(wb[wb.sheetnames[2]].iter_rows(max_row=1))]
    assert any(str(h).startswith(titles[2]) for h in headers)


def test_an_empty_template_reads_back_with_no_births_or_housing(tmp_path):
    sc = parse_scenario(county([town_block("b1", grades={1: 3})]))
    back = read_template(write_template(tmp_path / "t.xlsx", sc, "en"))
    assert back == sc and back.births == [] and back.developments == []
