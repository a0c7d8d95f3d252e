"""The synthetic county generator and the two example scenarios it made (scenarios/*.json).

The examples are `build_scenario` with the knobs in EXAMPLES; to rewrite them, run
    python -c "import sys; sys.path[:0] = ['tests']; import test_generate; \
               test_generate.write_examples()"
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from allocator.io.generate import Knobs, build_scenario, generate_county, generate_to_file
from allocator.io.scenario_file import write_scenario
from allocator.model.grades import KIND_GRADES
from allocator.model.loading import load_scenario, parse_scenario
from allocator.model.policy import resolve_policy
from allocator.rules.classes import plan_classes
from allocator.rules.objective import SCALE, penalty_units
from allocator.students.instance import class_caps
from geo.distance import StraightLine

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    # county town short of classrooms, beds short overall: the elastic plan names violations
    "rural-county": dict(schools=48, blocks=640, seed=7, crs="EPSG:4326", knobs=Knobs(
        spare=0.12, crowded_share=0.8, bed_factor=(0.3, 1.5), short_beds=0.4,
        spare_per_area=False)),
    # all urban, projected; primaries whose nearest-school catchments exceed 2000 pupils
    "urban-district": dict(schools=24, blocks=450, seed=5, crs="EPSG:32649", knobs=Knobs(
        urban_primary_share=1.0, urban_junior_share=0.3, sectors=5, urban_mean=70.0, spare=0.2,
        crowded_share=0.0, hot=3, hot_weight=3.0)),
}


def example(name: str) -> dict:
    """The example scenario `name` as committed in scenarios/."""
    e = EXAMPLES[name]
    data = build_scenario(np.random.default_rng(e["seed"]), e["schools"], e["blocks"],
                          e["knobs"], e["crs"], name=name)
    return {**data, "options": {"time_limit_s": 30}}


def write_examples() -> None:
    for name in EXAMPLES:
        print(write_scenario(ROOT / "scenarios" / f"{name}.json", example(name)))


def spare(data: dict) -> float:
    """Seats (classrooms x class cap of their level, within the school size cap) / pupils - 1."""
    pol = resolve_policy()
    caps = {"primary": pol.class_size_cap.primary, "junior": pol.class_size_cap.junior}
    seats = 0
    for s in data["schools"]:
        rooms = s.get("classrooms_by_level") or {
            "junior" if s["kind"] == "junior" else "primary": s["classrooms"]}
        size_cap = getattr(pol.school_size_cap, s["kind"])
        seats += sum(min(n * caps[lv], size_cap) for lv, n in rooms.items())
    return seats / sum(sum(b["students"]) for b in data["blocks"]) - 1


def today(sc):
    """Today's plan (everyone at `current_school`): enrolment by school and grade, boarders by
    school, and its elastic penalties by rule (pupil-km), computed as the solver would."""
    pol = resolve_policy(sc.policy.profile, sc.policy.overrides)
    ids = {s.id: i for i, s in enumerate(sc.schools)}
    dist = StraightLine([b.location for b in sc.blocks], [s.location for s in sc.schools], sc.crs)
    P = np.zeros((len(ids), 9), dtype=np.int64)
    boarders = np.zeros(len(ids), dtype=np.int64)
    r = pol.day_radius_km
    for bi, b in enumerate(sc.blocks):
        cur = [ids[s] for s in b.current_by_grade()]
        P[cur, range(9)] += b.students
        for g in range(9):
            radius = getattr(getattr(r, "primary" if g < 6 else "junior"),
                             "urban" if b.urban else "rural")
            if dist.pairs([bi], [cur[g]])[0] > radius:
                boarders[cur[g]] += b.students[g]
    pen = penalty_units(pol)
    total = {"class_size_cap": 0, "classrooms": 0, "school_size_cap": 0, "boarding_beds": 0}
    for i, s in enumerate(sc.schools):
        by = s.classrooms_by_level
        rooms = s.classrooms if by is None else by.primary + by.junior
        levels = np.array([-1, -1] if by is None else [by.primary, by.junior])
        plan = plan_classes(P[i], class_caps(pol), rooms, levels, pen["class_size_cap"],
                            pen["classrooms"])
        cap = s.max_students or getattr(pol.school_size_cap, s.kind)
        total["class_size_cap"] += int(plan.over.sum()) * pen["class_size_cap"]
        total["classrooms"] += plan.extra_rooms * pen["classrooms"]
        total["school_size_cap"] += max(0, int(P[i].sum()) - cap) * pen["school_size_cap"]
        total["boarding_beds"] += max(0, int(boarders[i]) - s.boarding_beds) * pen["boarding_beds"]
    return P, boarders, {k: v / SCALE for k, v in total.items()}


def test_same_seed_same_county_other_seed_other_county():
    a = generate_county(30, 400, seed=3, teachers=True)
    assert a == generate_county(30, 400, seed=3, teachers=True)
    assert a != generate_county(30, 400, seed=4, teachers=True)
    assert json.loads(json.dumps(a)) == a  # plain JSON values only


@pytest.mark.parametrize("schools,blocks,tight", [(2, 1, False), (3, 5, True), (12, 90, False),
                                                  (60, 1200, False), (60, 1200, True)])
def test_sizes_as_asked_and_the_scenario_parses(schools, blocks, tight):
    data = generate_county(schools, blocks, seed=1, tight=tight)
    sc = parse_scenario(data)
    assert len(sc.schools) == schools and len(sc.blocks) == blocks
    assert len({s.id for s in sc.schools}) == schools and len({b.id for b in sc.blocks}) == blocks
    assert sc.options.time_limit_s == 60 and sc.name
    ids = {s.id: s for s in sc.schools}
    for b in sc.blocks:  # today's school serves the grades it is given for
        for g, sid in enumerate(b.current_by_grade(), start=1):
            assert g in ids[sid].served_grades()


def test_a_realistic_county():
    data = generate_county(200, 5000, seed=2)
    sc = parse_scenario(data)
    pupils = np.array([b.students for b in sc.blocks])
    urban = np.array([b.urban for b in sc.blocks])
    assert 120_000 < pupils.sum() < 180_000
    assert 0.28 < pupils[urban].sum() / pupils.sum() < 0.45
    kinds = {k: sum(s.kind == k for s in sc.schools) for k in KIND_GRADES}
    assert min(kinds.values()) > 0 and kinds["teaching_point"] >= 20
    assert len({s.township for s in sc.schools}) >= 15 and all(s.group for s in sc.schools)
    assert all(s.teaching_area_m2 and s.strength for s in sc.schools)
    town = np.mean([s.strength for s in sc.schools if s.urban])
    assert town > np.mean([s.strength for s in sc.schools if not s.urban]) + 10
    split = sum("1-3" in (b.current_school or {}) for b in sc.blocks)
    assert split > 100  # villages whose young children attend a teaching point
    P, boarders, pens = today(sc)
    assert boarders.sum() > 1000 and pens["classrooms"] > 0  # remote villages; crowded town
    assert sum(s.boarding_beds for s in sc.schools) > 0.5 * boarders.sum()
    lon, lat = np.array([b.location for b in sc.blocks]).T
    assert abs(lon.mean() - 112.9) < 0.2 and abs(lat.mean() - 28.2) < 0.2
    assert np.ptp(lon) * 98 < 75 and np.ptp(lat) * 111 < 65  # about 60 x 50 km


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:32649", "EPSG:3857"])
def test_young_pupils_have_a_school_within_the_day_radius(crs):
    sc = parse_scenario(generate_county(40, 800, seed=5, crs=crs))
    pol = resolve_policy()
    xy = np.array([b.location for b in sc.blocks])
    dist = StraightLine(xy, [s.location for s in sc.schools], crs)
    young = [i for i, s in enumerate(sc.schools) if 1 in s.served_grades()]
    full = [i for i, s in enumerate(sc.schools) if s.kind in ("primary", "nine_year")]
    km_young = dist.dense(np.arange(len(xy)), young).min(axis=1)
    km_full = dist.dense(np.arange(len(xy)), full).min(axis=1)
    r = pol.day_radius_km.primary
    for i, b in enumerate(sc.blocks):
        if sum(b.students[:3]):
            assert km_young[i] <= (r.urban if b.urban else r.rural), b.id
        if b.urban:
            assert km_full[i] <= r.urban, b.id
    # and remote villages exist: beyond the primary and junior day radius
    assert (km_full[[not b.urban for b in sc.blocks]] > r.rural).sum() > 20


def test_tight_counties_have_less_spare_room_and_lumpier_blocks():
    normal = generate_county(80, 2000, seed=9)
    tight = generate_county(80, 2000, seed=9, tight=True)
    assert 0.10 <= spare(normal) <= 0.25
    assert 0.0 <= spare(tight) <= 0.06 < spare(normal)
    size = [np.array([sum(b["students"]) for b in d["blocks"]]) for d in (normal, tight)]
    assert size[1].max() > 2 * size[0].max() and np.median(size[1]) < np.median(size[0])


def test_teacher_roster_is_consistent_with_the_schools():
    data = generate_county(50, 1200, seed=4, teachers=True)
    sc = parse_scenario(data)
    schools = {s.id: s for s in sc.schools}
    assert all(t.school in schools for t in sc.teachers)
    assert len({t.id for t in sc.teachers}) == len(sc.teachers)
    for t in sc.teachers:
        assert t.level == "primary" or 7 in schools[t.school].served_grades()
        assert t.level == "junior" or 1 in schools[t.school].served_grades()
        assert t.pe_art == (t.subject in ("pe", "music", "art"))
        assert 23 <= t.age <= 59 and 0 <= t.years_at_school <= min(20, t.age - 22)
        assert t.exempt in (None, "pregnancy", "illness", "rotated_this_term")
        assert t.age <= 55 or t.sex == "male"
    pupils = sum(sum(b.students) for b in sc.blocks)
    assert 12 < pupils / len(sc.teachers) < 19
    n = len(sc.teachers)
    senior = sum(t.title == "senior" for t in sc.teachers) / n
    backbone = sum(t.backbone for t in sc.teachers) / n
    assert 0.08 <= senior <= 0.16 and 0.12 <= backbone <= 0.22
    town = [t.backbone for t in sc.teachers if schools[t.school].urban]
    assert np.mean(town) > backbone
    assert 0 < sum(t.exempt is not None for t in sc.teachers) < 0.1 * n
    assert 0 < sum(t.volunteer for t in sc.teachers) < 0.1 * n
    assert {"chinese", "math", "english", "pe", "music", "art"} <= {t.subject for t in sc.teachers}


def test_twenty_thousand_blocks_with_teachers():
    data = generate_county(300, 20_000, seed=0, teachers=True)
    assert len(data["blocks"]) == 20_000 and len(data["schools"]) == 300


def test_generate_to_file_writes_a_loadable_file_atomically(tmp_path):
    out = generate_to_file(tmp_path / "sub" / "c.json", schools=10, blocks=60, seed=2)
    assert load_scenario(out).name == "county-10s-60b-seed2"
    assert [p.name for p in out.parent.iterdir()] == ["c.json"]
    with pytest.raises(ValueError):
        generate_to_file(tmp_path / "bad.json", schools=1, blocks=60)
    assert not (tmp_path / "bad.json").exists()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_files_are_what_the_generator_makes(name):
    path = ROOT / "scenarios" / f"{name}.json"
    assert path.stat().st_size < 1_500_000
    assert json.loads(path.read_text(encoding="utf-8")) == example(name), (
        "regenerate with test_generate.write_examples()")
    load_scenario(path)


def test_rural_example_least_bad_plan_names_bed_and_room_shortfalls_and_beats_today():
    from tests.conftest import solve_students

    sc = load_scenario(ROOT / "scenarios" / "rural-county.json")
    _, boarders, before = today(sc)
    beds = sum(s.boarding_beds for s in sc.schools)
    assert boarders.sum() > beds  # beds are short overall
    assert before["classrooms"] > 0 and before["boarding_beds"] > 0
    r = solve_students(sc, time_limit=6)
    assert r.status in ("optimal", "feasible")
    rules = {v.rule for v in r.violations}
    assert "boarding_beds" in rules and rules & {"class_size_cap", "classrooms"}
    after = sum(v.cost for v in r.violations)
    assert after < 0.9 * sum(before.values())


def test_urban_example_size_cap_sends_nearest_pupils_elsewhere():
    from tests.conftest import solve_students

    sc = load_scenario(ROOT / "scenarios" / "urban-district.json")
    assert all(b.urban for b in sc.blocks) and sc.crs == "EPSG:32649"
    P, _, _ = today(sc)
    r = solve_students(sc, time_limit=4)
    assert r.status in ("optimal", "feasible")
    capped = [s for s, before in zip(r.schools, P.sum(axis=1), strict=True)
              if before > s.size_cap == 2000 and 0.97 * s.size_cap <= s.enrolment <= s.size_cap]
    assert capped, [(s.id, int(b), s.enrolment) for s, b in zip(r.schools, P.sum(1), strict=True)]
    assert not [v for v in r.violations if v.rule == "school_size_cap"]
