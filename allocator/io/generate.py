"""Synthetic Chinese counties: seeded scenario dicts for tests, benchmarks and examples.

`generate_county` lays out a county town (城关) and townships (乡镇) with central, junior and
nine-year schools, village primaries, teaching points and villages. Guaranteed: exactly the
schools and blocks asked for, the same dict for the same arguments, accepted by
`parse_scenario`; every block with grade 1-3 pupils has a school for them within its primary
day radius (measured in the scenario CRS as the solver does), every urban block a primary
within 1 km; `current_school` is the nearest school per level (a nearer teaching point takes
grades 1-3). Today some town schools lack classrooms (classes of 56-62 if all attend), beds
are short at some schools, and seats within size caps exceed pupils by `Knobs.spare` in the
county town and in the townships alike (or county-wide only: `Knobs.spare_per_area`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

from allocator.io.generate_roster import make_teachers
from allocator.io.scenario_file import write_scenario
from allocator.model.policy import resolve_policy
from geo.distance import StraightLine

CENTRE = (112.9, 28.2)  # lon, lat of the county town
HALF = (30.0, 25.0)  # county half extent, km (60 x 50 km)
HEX = 1.6  # km between county-town primaries (the lattice covers every point within 0.92 km)
URBAN_REACH, RURAL_REACH = 0.95, 2.85  # km: blocks lie this close to a school for grades 1-3
TOWNS = [t.split(":") for t in (
    "Qingshan:青山 Baisha:白沙 Huangtu:黄土 Shiqiao:石桥 Longtan:龙潭 Taiping:太平 Hexi:河西 "
    "Xinqiao:新桥 Jinjiang:金江 Songbai:松柏 Meihua:梅花 Zhutang:竹塘 Lianhua:莲花 Yangliu:杨柳 "
    "Dongshan:东山 Xiping:西坪 Nanyue:南岳 Beigang:北港 Hongqi:红旗 Shuangfeng:双峰 Gaoping:高坪 "
    "Fenghuang:凤凰 Tianxin:天心 Changle:长乐 Sanhe:三河 Wanshou:万寿 Yuntian:云田 Guanyin:观音 "
    "Shuikou:水口 Qiaotou:桥头 Hengshan:横山 Daping:大坪 Luotang:罗塘 Pingshan:平山").split()]
SECTORS = [t.split(":") for t in ("Dongcheng:东城 Xicheng:西城 Nanhu:南湖 Beiyuan:北苑 "
                                  "Zhongshan:中山 Jiangbin:滨江 Xinhua:新华 Chaoyang:朝阳").split()]
VILLAGE = ("石黄白青龙凤金马牛杨李张王刘陈周高大小上下东西南北新老长",
           "门冲坪塘桥湾岭山坡田溪庄岗坝洲园林河口")
CN_NUMBER = "一二三四五六七八九十"
GRADES_OF = {"primary": (0, 6), "junior": (6, 9), "nine_year": (0, 9), "teaching_point": (0, 3)}
ANCHOR_WEIGHT = {"central": 3.0, "village": 1.5, "point": 0.8}  # villages around each school
STRENGTH = {"urban_primary": (65, 85), "urban_junior": (65, 85), "central": (55, 78),
            "junior": (55, 78), "village": (35, 60), "point": (20, 45)}


@dataclass(frozen=True)
class Knobs:
    """Shape of a generated county (`generate_county` picks these from its arguments)."""

    urban_primary_share: float = 0.14  # of schools (1.0: an urban district, no townships)
    urban_junior_share: float = 0.05
    urban_block_share: float = 0.2  # of blocks; county-town blocks are bigger
    urban_mean: float = 55.0  # pupils per urban block
    rural_mean: float = 24.0
    spare: float = 0.15  # seats above pupils per level
    spare_per_area: bool = True  # the spare in the town and in the townships alike (else
    #                               county-wide: the town may lack seats its pupils can reach)
    crowded_share: float = 0.5  # county-town schools short of classrooms today
    bed_factor: tuple[float, float] = (0.8, 1.4)  # beds / today's boarders
    short_beds: float = 0.3  # share of boarding schools with only 30-70% of the beds needed
    lumpy: bool = False  # a few very big estates and many small blocks
    sectors: int = 1  # sub-districts (街道) of the town; 1: one township "Chengguan"
    hot: int = 0  # town primaries whose catchments draw `hot_weight` x the blocks
    hot_weight: float = 1.0


def spread(pts: np.ndarray, n: int) -> np.ndarray:
    """Indices of `n` of `pts`, the first one first, then each the farthest from those chosen."""
    chosen, d = [], np.full(len(pts), np.inf)
    while len(chosen) < n:
        chosen.append(int(np.argmax(d)))
        d = np.minimum(d, np.hypot(*(pts - pts[chosen[-1]]).T))
    return np.array(chosen, dtype=np.int64)


def place_town(rng: np.random.Generator, n_p: int, n_j: int) -> tuple[np.ndarray, np.ndarray]:
    """Town primaries on a jittered hex lattice around the centre, juniors spread over it.
    Returns (primary xy, junior xy) in km."""
    k = int(math.ceil(math.sqrt(max(n_p, n_j)))) + 3
    i, j = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1))
    pts = np.column_stack([(i + 0.5 * (j % 2)).ravel() * HEX, j.ravel() * HEX * math.sqrt(3) / 2])
    pts = pts[np.argsort(np.hypot(*pts.T) + rng.uniform(0, 0.3, len(pts)))][:max(n_p, n_j)]
    a = rng.uniform(0, 2 * np.pi, n_j)
    return (pts[:n_p] + rng.uniform(-0.1, 0.1, (n_p, 2)),
            pts[spread(pts, n_j)] + 0.4 * np.column_stack([np.cos(a), np.sin(a)]))


def plan_rural_schools(rng: np.random.Generator, budget: int, centres: np.ndarray) -> list[dict]:
    """Exactly `budget` schools over the townships (distinct names): a central primary and a
    junior, or a central nine-year school; the rest village primaries and teaching points
    3.5-8.5 km from the centre."""
    names = [[x + ("" if i < len(TOWNS) else str(i // len(TOWNS) + 1)) for x in
              TOWNS[i % len(TOWNS)]] for i in rng.permutation(max(len(centres), len(TOWNS)))]
    counts = np.full(len(centres), budget // max(len(centres), 1))
    counts[rng.choice(len(centres), budget - int(counts.sum()), replace=False)] += 1
    out: list[dict] = []
    for c, n, (town, cn) in zip(centres, counts, names[:len(centres)], strict=True):
        nine, at = n == 1 or rng.random() < 0.35, dict(town=town, cn=cn)
        out.append(dict(role="central", kind="nine_year" if nine else "primary",
                        xy=c + rng.uniform(-0.3, 0.3, 2), **at))
        if not nine:
            a = rng.uniform(0, 2 * np.pi)
            out.append(dict(role="junior", kind="junior", **at,
                            xy=c + rng.uniform(0.5, 1.5) * np.array([np.cos(a), np.sin(a)])))
        m, base = n - 1 - (not nine), rng.uniform(0, 2 * np.pi)
        for v in range(m):
            a, tp = base + 2 * np.pi * v / m + rng.uniform(-0.4, 0.4), rng.random() < 0.55
            out.append(dict(role="point" if tp else "village", kind="teaching_point" if tp
                            else "primary", **at,
                            xy=c + rng.uniform(3.5, 8.5) * np.array([np.cos(a), np.sin(a)])))
    return out


def name_sectors(xy: np.ndarray, k: Knobs) -> list[tuple[str, str]]:
    """(pinyin, Chinese) name of the town sub-district (街道) of each town point: `k.sectors`
    sectors by bearing from the centre, or "Chengguan" 城关 for a county town."""
    sec = np.floor((np.arctan2(xy[:, 1], xy[:, 0]) + np.pi) / (2 * np.pi) * k.sectors)
    return [tuple(SECTORS[int(x) % k.sectors % len(SECTORS)]) if k.sectors > 1
            else ("Chengguan", "城关") for x in sec]


def lay_out_schools(rng: np.random.Generator, k: Knobs, n: int,
                    n_blocks: int) -> tuple[list[dict], np.ndarray]:
    """Exactly `n` schools (role, kind, township, Chinese place name) and their xy in km;
    town primaries first, then town juniors (enough for ~1600 pupils each), then townships
    with ~7 schools each."""
    town = n_blocks * k.urban_mean * (k.urban_block_share if k.urban_primary_share < 1 else 1)
    n_uj = min(n - 1, max(1, round(n * k.urban_junior_share), math.ceil(town / 3 / 1600)))
    n_up = min(n - n_uj, max(1, round(n * k.urban_primary_share)))
    budget = n - n_up - n_uj
    prim, jun = place_town(rng, n_up, n_uj)
    n_t = max(1, round(budget / 7)) if budget > 0 else 0
    ss = [dict(role="urban_primary" if i < n_up else "urban_junior", town=t, cn=cn,
               kind="primary" if i < n_up else "junior")
          for i, (t, cn) in enumerate(name_sectors(np.vstack([prim, jun]), k))]
    town_r = np.hypot(*prim.T).max() + 7.0  # township centres: spread out in the county
    cand = rng.uniform(-1, 1, (2000, 2)) * np.maximum(np.array(HALF) - 9, town_r + 3)
    cand = cand[np.hypot(*cand.T) > town_r]
    ss += plan_rural_schools(rng, budget, cand[spread(cand, n_t)].reshape(-1, 2))
    return ss, np.vstack([prim, jun] + [s.pop("xy")[None] for s in ss[n_up + n_uj:]])


def place_blocks(rng: np.random.Generator, anchors: np.ndarray, weight: np.ndarray, n: int,
                 reach: float) -> tuple[np.ndarray, np.ndarray]:
    """`n` block points, each within `reach` km of an anchor school (every anchor gets one
    first, then by weight). Returns (xy km, anchor index)."""
    if n == 0 or len(anchors) == 0:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
    first = rng.permutation(len(anchors))[:n]
    who = np.concatenate([first, rng.choice(len(anchors), n - len(first), p=weight / weight.sum())])
    r, a = reach * np.sqrt(rng.uniform(0.02, 1.0, n)), rng.uniform(0, 2 * np.pi, n)
    return anchors[who] + r[:, None] * np.column_stack([np.cos(a), np.sin(a)]), who


def draw_pupils(rng: np.random.Generator, n: int, mean: float, urban: bool,
                lumpy: bool) -> np.ndarray:
    """Pupils (n, 9) per grade, block sizes averaging `mean` (lognormal; lumpy: heavy tail and
    a few estates at 6x). Villages have fewer junior-age pupils."""
    size = rng.lognormal(0.0, 1.0 if lumpy else 0.5, n)
    if lumpy:
        size[rng.random(n) < (0.03 if urban else 0.01)] *= 6.0
    size *= mean / max(float(size.mean()), 1e-9) if n else 1.0
    w = np.array([1.06, 1.05, 1.03, 1.02, 1.0, 0.98, 0.97, 0.95, 0.94] if urban
                 else [1.0, 1.0, 1.0, 1.0, 1.0, 0.98, 0.8, 0.78, 0.75])
    return rng.poisson(size[:, None] * (w / w.sum())[None, :]).astype(np.int64)


def lay_out_blocks(rng: np.random.Generator, k: Knobs, ss: list[dict], sxy: np.ndarray,
                   n: int) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Blocks: (xy km, urban flags, townships, pupils (n, 9)); urban blocks (first) within
    0.95 km of a town primary, rural ones within 2.85 km of a township school for grades 1-3."""
    roles = np.array([s["role"] for s in ss])
    prim = sxy[roles == "urban_primary"]
    n_ub = n if "central" not in roles else min(n, round(n * k.urban_block_share))
    hot = np.isin(np.arange(len(prim)), rng.choice(len(prim), min(k.hot, len(prim)), False))
    uxy, _ = place_blocks(rng, prim, np.where(hot, k.hot_weight, 1.0), n_ub, URBAN_REACH)
    anchors = np.flatnonzero(np.isin(roles, list(ANCHOR_WEIGHT)))
    w = np.array([ANCHOR_WEIGHT[r] for r in roles[anchors]])
    rxy, who = place_blocks(rng, sxy[anchors], w, n - n_ub, RURAL_REACH)
    pupils = np.vstack([draw_pupils(rng, n_ub, k.urban_mean, True, k.lumpy),
                        draw_pupils(rng, n - n_ub, k.rural_mean, False, k.lumpy)])
    towns = [t for t, _ in name_sectors(uxy, k)] + [ss[a]["town"] for a in anchors[who]]
    return np.vstack([uxy, rxy]), np.arange(n) < n_ub, towns, pupils


def to_crs(xy_km: np.ndarray, crs: str) -> np.ndarray:
    """Local km (east, north of CENTRE) to coordinates in `crs` (rounded to ~0.1 m)."""
    lon = CENTRE[0] + xy_km[:, 0] / (111.320 * math.cos(math.radians(CENTRE[1])))
    lat = CENTRE[1] + xy_km[:, 1] / 110.574
    target = CRS.from_user_input(crs)
    if target.to_epsg() != 4326:
        lon, lat = Transformer.from_crs("EPSG:4326", target, always_xy=True).transform(lon, lat)
    return np.round(np.column_stack([lon, lat]), 6 if target.is_geographic else 1)


def pull_into_reach(dist: StraightLine, need: np.ndarray, subset: np.ndarray,
                    radius: np.ndarray) -> None:
    """Move every block in `need` lying beyond `radius` of all `subset` schools onto the
    segment towards its nearest one, 20 m inside the radius (updates `dist.sources`)."""
    if len(idx := np.flatnonzero(need)) and len(subset):
        tg, km = dist.nearest(idx, subset, 1)
        far = km[:, 0] > radius[idx] - 0.01
        b, s, frac = idx[far], tg[far, 0], ((radius[idx] - 0.02) / km[:, 0])[far, None]
        dist.sources[b] = dist.targets[s] + frac * (dist.sources[b] - dist.targets[s])


def assign_today(dist: StraightLine, kinds: np.ndarray,
                 pupils: np.ndarray) -> dict[str, np.ndarray]:
    """Today's schools per block: "p" nearest full primary, "y" for grades 1-3 (the nearest
    teaching point when nearer than "p"), "j" nearest junior; "p_km", "j_km" distances; and
    "demand", pupils per school and grade (n, 9) when everyone attends today's school."""
    out, everyone = {}, np.arange(len(dist.sources))
    for key, ok in (("p", ("primary", "nine_year")), ("j", ("junior", "nine_year")),
                    ("y", ("primary", "nine_year", "teaching_point"))):
        tg, km = dist.nearest(everyone, np.flatnonzero(np.isin(kinds, ok)), 1)
        out[key], out[key + "_km"] = tg[:, 0], km[:, 0]
    out["y"] = np.where(kinds[out["y"]] == "teaching_point", out["y"], out["p"])
    out["demand"] = np.zeros((len(kinds), 9), dtype=np.int64)
    for g in range(9):
        np.add.at(out["demand"][:, g], out["y" if g < 3 else "p" if g < 6 else "j"], pupils[:, g])
    return out


def size_classrooms(rng: np.random.Generator, demand: np.ndarray, kinds: np.ndarray,
                    crowded: np.ndarray, caps: np.ndarray, size_cap: np.ndarray,
                    urban: np.ndarray, k: Knobs) -> np.ndarray:
    """Classrooms (n, 2) per level: today's classes at the cap, one room per grade served at
    least; crowded schools only enough for classes of 56-62; then, in the county town and in
    the townships separately (young pupils cannot leave their area) or county-wide (knob
    `spare_per_area`), rooms added to the other schools with seats below their size cap (or
    taken from those with most spare seats, keeping a room per grade) until seats = pupils x
    (1 + spare) per level and area."""
    serves = np.array([[GRADES_OF[kd][0] <= g < GRADES_OF[kd][1] for g in range(9)]
                       for kd in kinds]).reshape(-1, 9)
    size = rng.uniform(56.0, 62.0, len(demand))[:, None]
    per = np.ceil(demand / np.where(crowded[:, None], size, caps[None, :]))
    per = np.where(serves, np.maximum(per, 1), 0).astype(np.int64)
    rooms = np.column_stack([per[:, :6].sum(1), per[:, 6:].sum(1)])
    grades = np.column_stack([serves[:, :6].sum(1), serves[:, 6:].sum(1)])
    areas = (urban, ~urban) if k.spare_per_area else (np.ones(len(urban), dtype=bool),)
    for area in areas:
        for lv, sl in ((0, slice(0, 6)), (1, slice(6, 9))):
            cap, pupils = caps[sl.start], np.where(area, demand[:, sl].sum(1), 0)
            target = pupils.sum() * (1 + k.spare)  # seats within size caps
            seats = np.where(area, np.minimum(rooms[:, lv] * cap, size_cap), 0)
            add = int(round((target - seats.sum()) / cap))
            w = rooms[:, lv] * area * (~crowded) * (rooms.sum(1) * cap < size_cap)
            if add > 0 and w.sum() > 0:
                rooms[:, lv] += rng.multinomial(add, w / w.sum())
            while (seats := np.where(area, np.minimum(rooms[:, lv] * cap, size_cap),
                                     0)).sum() > target + cap / 2:
                slack = np.where(area & (rooms[:, lv] > grades[:, lv]), seats - pupils, -10**9)
                if slack.max() <= -10**9:
                    break
                rooms[int(np.argmax(slack)), lv] -= 1
    return rooms


def size_beds(rng: np.random.Generator, today: dict[str, np.ndarray], pupils: np.ndarray,
              radius: tuple[np.ndarray, np.ndarray], roles: np.ndarray, k: Knobs) -> np.ndarray:
    """Beds (multiples of 8) at township central schools and all juniors: today's boarders
    (grades 4-9 beyond the day radius) x `bed_factor`, 30-70% at a `short_beds` share;
    township schools get up to 40 spare. No beds elsewhere."""
    board = np.zeros(len(roles))
    np.add.at(board, today["p"], pupils[:, 3:6].sum(1) * (today["p_km"] > radius[0]))
    np.add.at(board, today["j"], pupils[:, 6:].sum(1) * (today["j_km"] > radius[1]))
    f = rng.uniform(*k.bed_factor, len(roles))
    short = rng.random(len(roles)) < k.short_beds
    f[short] = rng.uniform(0.3, 0.7, int(short.sum()))
    township = np.isin(roles, ("central", "junior"))
    beds = np.ceil(board * f / 8) * 8 + 8 * rng.integers(0, 6, len(roles)) * township
    return np.where(township | (roles == "urban_junior"), beds, 0).astype(np.int64)


def make_schools(rng: np.random.Generator, ss: list[dict], sxy: np.ndarray, rooms: np.ndarray,
                 beds: np.ndarray, crowded: np.ndarray) -> list[dict]:
    """School records with names, 学区 groups, strength (town strongest, crowded ones most)
    and resource attributes for the balance report."""
    out, seen = [], {}
    for i, s in enumerate(ss):
        cn, role, kind, r = s["cn"], s["role"], s["kind"], int(rooms[i].sum())
        urban, vil = role.startswith("urban"), rng.choice(list(VILLAGE[0])) + rng.choice(
            list(VILLAGE[1]))
        seen[role] = nth = seen.get(role, 0) + 1
        nth = CN_NUMBER[nth - 1] if nth <= 10 else str(nth)
        strength = float(rng.uniform(*((80, 95) if crowded[i] else STRENGTH[role])))
        out.append({"id": f"S{i + 1:03d}", "name": {
            "urban_primary": f"{cn}第{nth}小学", "urban_junior": f"{cn}第{nth}中学",
            "central": f"{cn}镇中心小学" if kind == "primary" else f"{cn}镇九年制学校",
            "junior": f"{cn}镇中学", "village": f"{cn}镇{vil}村小", "point": f"{cn}镇{vil}教学点",
        }[role], "kind": kind, "location": [float(v) for v in sxy[i]], "township": s["town"],
            "urban": urban, "group": f"{cn}学区", **(
                {"classrooms_by_level": {"primary": int(rooms[i, 0]), "junior": int(rooms[i, 1])}}
                if kind == "nine_year" else {"classrooms": r}),
            "boarding_beds": int(beds[i]), "strength": round(strength, 1),
            "teaching_area_m2": round(r * rng.uniform(55, 75) * (1.2 if urban else 1.0)),
            "sports_area_m2": round(max(r, 2) * rng.uniform(*((80, 150) if urban else (150, 350)))),
            "equipment_value": round(r * rng.uniform(1.5e4, 4e4) * strength / 60, -2),
            "multimedia_rooms": min(r, round(r * rng.uniform(0.2, 0.6) * (1.6 if urban else 1)))})
    return out


def make_blocks(bxy: np.ndarray, urban: np.ndarray, towns: list[str], pupils: np.ndarray,
                today: dict[str, np.ndarray]) -> list[dict]:
    """Block records with today's schools (split 1-3 / 4-6 / 7-9 where a teaching point
    takes the young children)."""
    ids = [[f"S{today[key][b] + 1:03d}" for key in ("p", "y", "j")] for b in range(len(bxy))]
    return [{"id": f"B{b + 1:05d}", "location": [float(v) for v in bxy[b]], "township": towns[b],
             "urban": bool(urban[b]), "students": [int(v) for v in pupils[b]],
             "current_school": {"1-3": y, "4-6": p, "7-9": j} if y != p
             else {"primary": p, "junior": j}} for b, (p, y, j) in enumerate(ids)]


def generate_county(schools: int, blocks: int, seed: int = 0, tight: bool = False,
                    crs: str = "EPSG:4326", teachers: bool = False,
                    spare_per_area: bool = True) -> dict:
    """A seeded synthetic county as a JSON-able scenario dict (guarantees: module docstring).
    About 30 pupils per block, fewer where schools would average over 750 pupils; normal
    counties have 12-22% spare seats, tight ones ~3.5% and lumpy blocks. Raises ValueError
    for fewer than 2 schools or 1 block."""
    rng = np.random.default_rng(seed)
    scale = min(1.0, 25.0 * schools / max(blocks, 1))  # at most ~750 pupils per school
    k = Knobs(urban_mean=55.0 * scale, rural_mean=24.0 * scale, lumpy=tight,
              spare=0.035 if tight else float(rng.uniform(0.12, 0.22)),
              spare_per_area=spare_per_area)
    name = f"county-{schools}s-{blocks}b-seed{seed}" + ("-tight" if tight else "")
    return build_scenario(rng, schools, blocks, k, crs, teachers, name)


def build_scenario(rng: np.random.Generator, n_schools: int, n_blocks: int, k: Knobs,
                   crs: str = "EPSG:4326", teachers: bool = False, name: str = "county") -> dict:
    """The county (or urban district) the knobs describe; the work behind `generate_county`."""
    if n_schools < 2 or n_blocks < 1:
        raise ValueError("a county needs at least 2 schools and 1 block")
    pol = resolve_policy()
    ss, sxy = lay_out_schools(rng, k, n_schools, n_blocks)
    bxy, urban, btown, pupils = lay_out_blocks(rng, k, ss, sxy, n_blocks)
    kinds, roles = np.array([s["kind"] for s in ss]), np.array([s["role"] for s in ss])
    # the radius guarantee is made in the target CRS, with the solver's own distances
    dist = StraightLine(to_crs(bxy, crs), to_crs(sxy, crs), crs)
    r_p, r_j = (np.where(urban, r.urban, r.rural) for r in (pol.day_radius_km.primary,
                                                              pol.day_radius_km.junior))
    pull_into_reach(dist, urban, np.flatnonzero(np.isin(kinds, ("primary", "nine_year"))), r_p)
    pull_into_reach(dist, (pupils[:, :3].sum(1) > 0) & ~urban, np.flatnonzero(kinds != "junior"),
                    r_p)
    today = assign_today(dist, kinds, pupils)
    crowded = np.char.startswith(roles, "urban") & (rng.random(len(ss)) < k.crowded_share)
    caps = np.array([pol.class_size_cap.primary] * 6 + [pol.class_size_cap.junior] * 3)
    size_cap = np.array([getattr(pol.school_size_cap, kd) for kd in kinds])
    rooms = size_classrooms(rng, today["demand"], kinds, crowded, caps, size_cap,
                            np.char.startswith(roles, "urban"), k)
    beds = size_beds(rng, today, pupils, (r_p, r_j), roles, k)
    data = {"name": name, "crs": crs, "policy": {"profile": "cn-national"},
            "schools": make_schools(rng, ss, dist.targets, rooms, beds, crowded),
            "blocks": make_blocks(dist.sources, urban, btown, pupils, today),
            "options": {"time_limit_s": 60}}
    if teachers:
        data["teachers"] = make_teachers(rng, data["schools"], today["demand"], rooms)
    return data


def generate_to_file(path: str | Path, schools: int, blocks: int, seed: int = 0,
                     tight: bool = False, crs: str = "EPSG:4326", teachers: bool = False) -> Path:
    """Generate a county (see `generate_county`) and write it to `path` atomically."""
    return write_scenario(path, generate_county(schools, blocks, seed, tight, crs, teachers))
