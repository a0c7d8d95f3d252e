"""Build the phased consolidation example: `python scenarios/phased-consolidation/build.py`.

A small rural county (one township centre, three villages' worth of schools to the east,
a second township to the north) planned over the school years 2026-2031 with births falling
about 9% a year: each block's grade 1 intake shrinks, the other grades are last year's
cohort one grade lower (98% stay). The layout is a merge programme in three steps: the
three teaching points in 2027, two village primaries in 2028, the second township's junior
school in 2029 (the year a new nine-year school opens in the centre's new estate). Class
size caps follow the dated targets: 55 until 2027, 45 (primary) / 50 (junior) from 2028.
Deterministic: the same file every run.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from allocator import write_scenario  # noqa: E402

X0, Y0 = 600_000.0, 3_300_000.0  # UTM 49N, metres
YEARS = range(2026, 2032)
BIRTH_DECLINE, STAY = 0.91, 0.98


def school(sid: str, name: str, kind: str, dx: float, dy: float, rooms: int, beds: int = 0,
           **kw) -> dict:
    return {"id": sid, "name": name, "kind": kind, "location": [X0 + dx, Y0 + dy],
            "township": kw.pop("township", "Qiaotou"), "classrooms": rooms,
            "boarding_beds": beds, **kw}


SCHOOLS = [
    school("CP", "桥头中心小学", "primary", 0, 0, 30, 120, urban=True),
    school("J1", "桥头中学", "junior", 600, 200, 21, 300, urban=True),
    school("V1", "石门村小", "primary", 4200, 800, 8),
    school("V2", "龙潭村小", "primary", 5200, -2600, 8),
    school("V3", "高坪村小", "primary", -3600, 2500, 8),
    school("TP1", "石门教学点", "teaching_point", 6800, 2300, 3),
    school("TP2", "龙潭教学点", "teaching_point", 7400, -3900, 3),
    school("TP3", "高坪教学点", "teaching_point", -5600, 3800, 3),
    school("J2", "北山中学", "junior", 1500, 9000, 9, 80, township="Beishan"),
    school("P2", "北山小学", "primary", 1200, 8700, 12, township="Beishan"),
    school("NY", "新城九年一贯制学校", "nine_year", 1800, -1400, 36, 200, urban=True,
           status="planned", year=2029),
]
LAYOUT = [
    {"op": "merge", "from": ["TP1"], "into": "V1", "year": 2027},
    {"op": "merge", "from": ["TP2"], "into": "V2", "year": 2027},
    {"op": "merge", "from": ["TP3"], "into": "V3", "year": 2027},
    {"op": "merge", "from": ["V1", "V2"], "into": "CP", "year": 2028},
    {"op": "add_beds", "school": "CP", "beds": 160, "year": 2028},
    {"op": "merge", "from": ["J2"], "into": "J1", "year": 2029},
    {"op": "expand", "school": "J1", "classrooms": 6, "boarding_beds": 120, "year": 2029},
]
TARGETS = [
    {"id": "no-large-classes", "kpi": "schools_without_large_classes_share", "op": ">=",
     "value": 1.0},
    {"id": "class-cap-2028", "kpi": "schools_within_class_cap_share", "op": ">=",
     "value": 1.0, "from_year": 2028},
    {"id": "beds", "kpi": "beds_short", "op": "<=", "value": 0},
    {"id": "size-cap", "kpi": "schools_over_size_cap", "op": "<=", "value": 0},
]


def nearest(x: float, y: float, ids: list[str]) -> str:
    by_id = {s["id"]: s for s in SCHOOLS}
    return min(ids, key=lambda i: (by_id[i]["location"][0] - x) ** 2
               + (by_id[i]["location"][1] - y) ** 2)


def cohorts(rng: random.Random, intake: float) -> dict[str, list[int]]:
    """Pupils per grade per year: falling intakes, each cohort one grade up a year on."""
    grades = [round(intake * 1.06 ** (g - 1) * rng.uniform(0.9, 1.1)) for g in range(1, 10)]
    out = {}
    for year in YEARS:
        out[str(year)] = grades
        first = round(grades[0] * BIRTH_DECLINE * rng.uniform(0.95, 1.05))
        grades = [first] + [round(n * STAY) for n in grades[:-1]]
    return out


def blocks(rng: random.Random) -> list[dict]:
    centres = [("CP", 0, 0, 14, 900, True), ("V1", 4600, 1200, 6, 1400, False),
               ("V2", 5600, -3000, 6, 1400, False), ("V3", -3900, 2900, 6, 1400, False),
               ("P2", 1300, 8800, 8, 1200, False)]
    out = []
    for centre, cx, cy, n, spread, urban in centres:
        for k in range(n):
            dx, dy = cx + rng.uniform(-spread, spread), cy + rng.uniform(-spread, spread)
            x, y = X0 + dx, Y0 + dy
            by_year = cohorts(rng, rng.uniform(8, 16) if urban else rng.uniform(3, 7))
            near = nearest(x, y, ["CP", "V1", "V2", "V3", "TP1", "TP2", "TP3", "P2"])
            primary = {"primary": near} if not near.startswith("TP") else {
                "1-3": near, "4-6": nearest(x, y, ["CP", "V1", "V2", "V3", "P2"])}
            out.append({
                "id": f"{centre}-{k + 1:02d}", "location": [round(x, 1), round(y, 1)],
                "township": "Beishan" if centre == "P2" else "Qiaotou", "urban": urban,
                "students": by_year["2026"], "students_by_year": by_year,
                "current_school": {**primary, "junior": nearest(x, y, ["J1", "J2"])}})
    return out


def build() -> dict:
    rng = random.Random(15)
    return {
        "name": "phased-consolidation", "year": 2026, "crs": "EPSG:32649",
        "policy": {"profile": "cn-national",
                   "overrides": {"class_size_cap": {"primary": 55, "junior": 55},
                                 "day_radius_km.primary.rural": 10.0},
                   "by_year": {"2028": {"class_size_cap": {"primary": 45, "junior": 50}}}},
        "schools": SCHOOLS, "blocks": blocks(rng), "layout": LAYOUT, "targets": TARGETS,
        "options": {"time_limit_s": 10, "workers": 2}}


if __name__ == "__main__":
    write_scenario(HERE / "scenario.json", build())
    print(f"wrote {HERE / 'scenario.json'}")
