"""Build the consolidation study in this folder: `python scenarios/consolidation/build.py`.

One generated county (seed 14: the county town and the townships Qiaotou 桥头, Longtan 龙潭
and Gaoping 高坪) in its base year, two merge plans and a `choose` variant. The county runs
school buses, so the study sets the rural primary day radius to 10 km (policy override).
Resource stock is scaled to plausible per-pupil levels for the balance report. Every file is
the full county plus its layout operations, so each one solves on its own.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from allocator import generate_scenario as generate_county  # noqa: E402
from allocator import write_scenario  # noqa: E402

STOCK_SCALE = {"teaching_area_m2": 3.0, "sports_area_m2": 1.5, "equipment_value": 2.5,
               "multimedia_rooms": 2.5}
TEACHER_FIELDS = ("id", "school", "subject", "level", "title", "backbone", "years_at_school",
                  "age", "sex", "degree", "pe_art")


def base() -> dict:
    d = generate_county(22, 300, seed=14, teachers=True, spare_per_area=False)
    d["name"] = "consolidation-base"
    d["year"] = 2025
    d["policy"] = {"profile": "cn-national", "overrides": {
        "day_radius_km.primary.rural": 10.0,  # school buses (校车) serve the townships
        "funding.fixed_cost_per_school_yuan": 300000}}
    for s in d["schools"]:
        for key, f in STOCK_SCALE.items():
            s[key] = round(s[key] * f) if key != "equipment_value" else round(s[key] * f, -2)
        village = s["kind"] == "teaching_point" or "村小" in s["name"]
        s["annual_fixed_cost"] = 450000 if village else 900000
    d["teachers"] = [{k: t[k] for k in TEACHER_FIELDS if k in t} for t in d["teachers"]]
    d["options"] = {"time_limit_s": 20, "weights": {"fixed_cost": 0.0005}}
    return d


MERGE_A = [  # teaching points into their township centre; more beds there. 龙坡 (S007)
    # stays in both plans: one of its villages lies 10.4 km from the centre, beyond the bus
    # radius, and its grade 1-3 pupils may not board
    {"op": "merge", "from": ["S010"], "into": "S005"},
    {"op": "add_beds", "school": "S005", "beds": 96},
    {"op": "merge", "from": ["S013"], "into": "S011"},
    {"op": "merge", "from": ["S019", "S021"], "into": "S017"},
    {"op": "add_beds", "school": "S017", "beds": 64},
]
MERGE_B = [  # fewer, larger schools: villages too; Gaoping becomes one nine-year school;
    # a new primary relieves the crowded county-town schools
    {"op": "merge", "from": ["S008", "S009", "S010"], "into": "S005"},
    {"op": "expand", "school": "S005", "classrooms": 6, "boarding_beds": 240},
    {"op": "merge", "from": ["S013", "S015", "S016"], "into": "S011"},
    {"op": "expand", "school": "S011", "classrooms_by_level": {"primary": 4, "junior": 0},
     "boarding_beds": 160},
    {"op": "convert", "school": "S017", "kind": "nine_year"},
    {"op": "merge", "from": ["S018", "S019", "S021", "S022"], "into": "S017"},
    {"op": "add_beds", "school": "S017", "beds": 200},
    {"op": "open", "school": {"id": "S023", "name": "城关第四小学（新建）", "kind": "primary",
                              "location": [112.8935, 28.2105], "township": "Chengguan",
                              "urban": True, "classrooms": 24, "teaching_area_m2": 5200,
                              "sports_area_m2": 7800, "equipment_value": 2200000,
                              "multimedia_rooms": 26, "annual_fixed_cost": 1200000}},
]
CHOOSE = [  # the township centres grow as in plan B; the solver keeps 8 of the 13 village
    # schools and teaching points (closed ones' classrooms are lost, unlike a merge)
    {"op": "expand", "school": "S005", "classrooms": 6, "boarding_beds": 240},
    {"op": "expand", "school": "S011", "classrooms_by_level": {"primary": 4, "junior": 0},
     "boarding_beds": 160},
    {"op": "expand", "school": "S017", "classrooms": 6, "boarding_beds": 200},
    {"op": "choose", "candidates": ["S007", "S008", "S009", "S010", "S012", "S013", "S014",
                                    "S015", "S016", "S019", "S020", "S021", "S022"],
     "keep": 8},
]


def variant(d: dict, name: str, layout: list[dict]) -> dict:
    out = copy.deepcopy(d)
    out["name"] = name
    out["layout"] = layout
    return out


def main() -> None:
    d = base()
    write_scenario(HERE / "base.json", d)
    write_scenario(HERE / "merge-a.json", variant(d, "consolidation-merge-a", MERGE_A))
    write_scenario(HERE / "merge-b.json", variant(d, "consolidation-merge-b", MERGE_B))
    write_scenario(HERE / "choose.json", variant(d, "consolidation-choose", CHOOSE))
    print(f"wrote {HERE}/base.json, merge-a.json, merge-b.json, choose.json")


if __name__ == "__main__":
    main()
