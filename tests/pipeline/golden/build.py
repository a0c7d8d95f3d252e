"""Build the golden scenarios and their results (run once, before a refactor).

    python tests/pipeline/golden/build.py [--check]

Small scenarios (hand-made and generated, with layouts, `choose`, contiguity, locks, strict
mode and a teacher roster) are solved with one CP-SAT worker and a fixed seed. Only those
that end proven optimal (student stage; the rotation too where it runs) and give the same
result twice are kept: their results do not depend on the clock, so a behaviour-preserving
change of the code must reproduce them exactly, apart from timings and `solver.*_s`.
`tests/pipeline/test_golden.py` re-solves them and compares.

Deliberate changes since they were made: an explained strict result (strict-infeasible)
lists the scenario's warnings once (the first version listed them twice); result version 2
adds investments, reliefs, indicators and the soft day radius's keys, and young pupils
beyond the day radius are priced day pupils instead of an input error (the layout's merge
pair and the choose scenario's prices follow from that).
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from allocator import generate_scenario as generate_county  # noqa: E402

OPTS = {"workers": 1, "seed": 0, "relative_gap": 0.0, "time_limit_s": 60}


def school(sid, x, y=0.0, kind="primary", rooms=12, beds=0, **kw):
    return {"id": sid, "kind": kind, "location": [x, y], "classrooms": rooms,
            "boarding_beds": beds, **kw}


def block(bid, x, y=0.0, grades=None, **kw):
    counts = [0] * 9
    for g, n in (grades or {}).items():
        counts[g - 1] = n
    return {"id": bid, "location": [x, y], "students": counts, **kw}


def hand_made() -> dict[str, dict]:
    """Tiny scenarios in metres (UTM 49N) whose answers are known by hand."""
    crs = "EPSG:32649"
    P = {g: 10 for g in range(1, 7)}
    J = {g: 20 for g in range(7, 10)}
    out = {}
    out["two-villages"] = {
        "name": "two-villages", "crs": crs,
        "schools": [school("A", 0), school("B", 2000, beds=10)],
        "blocks": [block("b1", 100, grades={1: 20, 5: 20}),
                   block("b2", 1900, grades={2: 30, 6: 10})]}
    out["nine-year-and-point"] = {
        "name": "nine-year-and-point", "crs": crs,
        "schools": [school("N", 0, kind="nine_year", rooms=20, beds=60),
                    school("T", 6000, kind="teaching_point", rooms=3),
                    school("J", 9000, kind="junior", rooms=9, beds=40)],
        "blocks": [block("v1", 6500, grades={**P, **J}, current_school={"1-3": "T", "4-6": "N",
                                                                          "junior": "N"}),
                   block("v2", 500, grades={**P, **J}),
                   block("v3", 8800, grades=J, urban=True)]}
    out["crowded-town"] = {
        "name": "crowded-town", "crs": crs,
        "schools": [school("A", 0, rooms=6), school("B", 1500, rooms=6, beds=20),
                    school("C", 4000, rooms=12, beds=80)],
        "blocks": [block(f"b{i}", 300 * i, grades={g: 25 + 3 * i for g in range(1, 7)},
                         current_school={"primary": "A"}) for i in range(6)]}
    out["strict-infeasible"] = {**copy.deepcopy(out["crowded-town"]),
                                "name": "strict-infeasible"}
    out["strict-infeasible"]["options"] = {"strict": True}
    out["locks-and-contiguity"] = {
        "name": "locks-and-contiguity", "crs": crs,
        "schools": [school("A", 0), school("B", 3000), school("C", 1500, 2000)],
        "blocks": [block(f"g{i}-{j}", 600 * i, 500 * j, grades={1: 5, 4: 8})
                   for i in range(6) for j in range(4)]}
    out["locks-and-contiguity"]["options"] = {
        "contiguity": True, "locked": [{"block": "g0-0", "level": "primary", "school": "B"}]}
    return out


def generated() -> dict[str, dict]:
    """Small generated counties, some with layouts, `choose` and a roster."""
    out = {}
    for seed in (1, 2, 3):
        sc = generate_county(10, 80, seed=seed)
        out[f"county-10-80-s{seed}"] = sc
    tight = generate_county(8, 60, seed=4, tight=True)
    out["county-8-60-tight"] = tight
    roster = generate_county(8, 60, seed=5, teachers=True)
    out["county-8-60-roster"] = roster
    teachers_only = copy.deepcopy(roster)
    teachers_only["name"] = "county-8-60-roster-teachers-stage"
    out["county-8-60-roster-teachers-stage"] = teachers_only
    base = generate_county(12, 100, seed=6, teachers=True)
    ids = [s["id"] for s in base["schools"]]
    prim = [s["id"] for s in base["schools"] if s["kind"] == "primary"]
    lay = copy.deepcopy(base)
    lay["name"] = "county-12-100-layout"
    x0, y0 = base["schools"][0]["location"]
    gone, into = closest_pair(base, ids)
    ids = [i for i in ids if i != gone]
    lay["layout"] = [
        {"op": "merge", "from": [gone], "into": into},
        {"op": "expand", "school": ids[0], "classrooms": 4, "boarding_beds": 50},
        {"op": "open", "school": {"id": "NEW1", "kind": "primary", "location": [x0 + 0.002, y0],
                                  "classrooms": 12}},
        {"op": "add_beds", "school": ids[1], "beds": 30},
    ]
    out["county-12-100-layout"] = lay
    ch = copy.deepcopy(base)
    ch["name"] = "county-12-100-choose"
    ch.pop("teachers")
    ch["layout"] = [{"op": "choose", "candidates": prim[:4], "close_at_most": 2}]
    ch.setdefault("options", {})["weights"] = {"fixed_cost": 0.0005}
    # Young pupils beyond the day radius priced out: with the default price the one-worker
    # search does not prove this choose optimal within the minute (its gap stays near 3%).
    ch.setdefault("policy", {}).setdefault("overrides", {})["penalties"] = {
        "young_beyond_day_radius": 1e6}
    out["county-12-100-choose"] = ch
    return out


def closest_pair(sc: dict, ids: list[str]) -> tuple[str, str]:
    """The nearest two schools among `ids` whose merge (first into second) strands no young
    pupil beyond the day radius (the scenario stays valid)."""
    from allocator import parse_scenario
    from allocator import validate as validate_all

    loc = {s["id"]: s["location"] for s in sc["schools"]}
    pairs = sorted(((a, b) for a in ids for b in ids if a != b),
                   key=lambda p: (loc[p[0]][0] - loc[p[1]][0]) ** 2
                   + (loc[p[0]][1] - loc[p[1]][1]) ** 2)
    for a, b in pairs:
        trial = {**sc, "layout": [{"op": "merge", "from": [a], "into": b}]}
        if not any(f.severity == "error" for f in validate_all(parse_scenario(trial))):
            return a, b
    raise ValueError("no merge keeps the scenario valid")


def examples() -> dict[str, dict]:
    """The example scenarios that solve to proven optimality with one worker."""
    root = HERE.parents[2] / "scenarios"
    return {"urban-district": json.loads((root / "urban-district.json").read_text("utf-8"))}


def all_cases() -> dict[str, dict]:
    cases = {**hand_made(), **generated(), **examples()}
    for name, sc in cases.items():
        sc["name"] = name
        sc.setdefault("options", {}).pop("time_limit_s", None)
        sc["options"] = {**sc.get("options", {}), **OPTS}
    return cases


STAGES = {"county-8-60-roster-teachers-stage": "teachers"}


def comparable(result: dict) -> dict:
    """The result without what depends on the clock: every `timings` (the result's and the
    rotation's) and `solver.*_s`."""
    r = copy.deepcopy(result)
    r.pop("timings", None)
    if isinstance(r.get("teachers"), dict):
        r["teachers"].pop("timings", None)
    for k in [k for k in r.get("solver", {}) if k.endswith("_s")]:
        r["solver"].pop(k)
    return r


def solve_case(scenario: dict, stage: str | None) -> dict:
    """Scenario dict -> result dict, through the public API (as result.json holds it)."""
    from allocator import parse_scenario, result_to_json, solve

    res = solve(parse_scenario(copy.deepcopy(scenario)), stage=stage)
    return json.loads(result_to_json(res))


def main() -> None:
    check = "--check" in sys.argv
    (HERE / "scenarios").mkdir(exist_ok=True)
    (HERE / "results").mkdir(exist_ok=True)
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    for name, sc in all_cases().items():
        if only and name not in only:
            continue
        stage = STAGES.get(name)
        a = solve_case(sc, stage)
        b = solve_case(sc, stage)
        teach = a.get("teachers", {}).get("status")
        ok = a["status"] in ("optimal", "infeasible") and teach in (None, "optimal")
        same = comparable(a) == comparable(b)
        print(f"{name:40s} {a['status']:10s} teachers {teach}  same-twice {same}  "
              f"{'KEEP' if ok and same else 'drop'}")
        if ok and same and not check:
            (HERE / "scenarios" / f"{name}.json").write_text(
                json.dumps(sc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            (HERE / "results" / f"{name}.json").write_text(
                json.dumps(comparable(a), ensure_ascii=False, indent=1) + "\n",
                encoding="utf-8")


if __name__ == "__main__":
    main()
