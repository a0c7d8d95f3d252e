"""Geography speed benchmark: `python -m benchmarks.geo_speed [--quick]`.

1. catchments: tessellate and dissolve 20,000 point blocks among 300 schools (target < 10 s);
2. network: road distances 300 schools x 20,000 blocks on a ~50,000-edge road grid
   (target < 60 s);
3. contiguity: a generated 5,000-block county solved with and without the closer-neighbour
   rule: objective, time and catchments in more than one part.
Seeded, so the instances are the same every run. Writes benchmarks/results/geo_speed.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.catchments import block_cells, dissolve_catchments
from geo.network import build_road_graph, network_matrix

RESULTS = Path(__file__).resolve().parent / "results"
CRS = "EPSG:32649"


def bench_catchments(n_blocks: int, n_schools: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    bxy = rng.uniform(0, 60_000, (n_blocks, 2))
    sxy = rng.uniform(0, 60_000, (n_schools, 2))
    _, near = cKDTree(sxy).query(bxy)
    blocks = gpd.GeoDataFrame({"block": [f"b{i}" for i in range(n_blocks)]},
                              geometry=gpd.points_from_xy(bxy[:, 0], bxy[:, 1]), crs=CRS)
    rows = pd.DataFrame({"block": blocks["block"], "level": "primary",
                         "school": [f"s{j}" for j in near], "pupils": 20, "boarders": 0})
    t0 = time.perf_counter()
    cells = block_cells(blocks)
    t1 = time.perf_counter()
    cat = dissolve_catchments(cells, rows)
    t2 = time.perf_counter()
    return {"blocks": n_blocks, "schools": n_schools, "catchments": len(cat),
            "tessellate_s": round(t1 - t0, 2), "dissolve_s": round(t2 - t1, 2),
            "total_s": round(t2 - t0, 2), "multi_part": int((cat["parts"] > 1).sum())}


def road_grid(n_edges: int, seed: int = 0) -> gpd.GeoDataFrame:
    """A jittered square street grid with about `n_edges` segments over 60 x 60 km."""
    rng = np.random.default_rng(seed)
    k = int(np.sqrt(n_edges / 2)) + 1
    xs = np.linspace(0, 60_000, k)
    jitter = rng.normal(0, 60_000 / k / 8, (k, k, 2))
    nodes = np.stack(np.meshgrid(xs, xs, indexing="ij"), axis=-1) + jitter
    lines, speeds = [], []
    for i in range(k):
        for j in range(k):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < k and j + dj < k:
                    lines.append(shapely.LineString([nodes[i, j], nodes[i + di, j + dj]]))
                    speeds.append(60.0 if (i % 10 == 0 or j % 10 == 0) else 30.0)
    return gpd.GeoDataFrame({"speed": speeds}, geometry=lines, crs=CRS)


def bench_network(n_edges: int, n_blocks: int, n_schools: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    roads = road_grid(n_edges, seed)
    bxy = rng.uniform(0, 60_000, (n_blocks, 2))
    sxy = rng.uniform(0, 60_000, (n_schools, 2))
    t0 = time.perf_counter()
    g = build_road_graph(roads.geometry, roads["speed"], unit="minutes")
    t1 = time.perf_counter()
    nd = network_matrix(g, gpd.GeoSeries(gpd.points_from_xy(*bxy.T), crs=CRS),
                        gpd.GeoSeries(gpd.points_from_xy(*sxy.T), crs=CRS))
    t2 = time.perf_counter()
    return {"road_edges": g.n_edges, "road_nodes": g.n_nodes, "blocks": n_blocks,
            "schools": n_schools, "graph_s": round(t1 - t0, 2), "matrix_s": round(t2 - t1, 2),
            "total_s": round(t2 - t0, 2), "unreachable_pairs": int(len(nd.unreachable())),
            "median_minutes": round(float(np.median(nd.matrix)), 1)}


def bench_contiguity(n_blocks: int, n_schools: int, time_limit: float, seed: int = 0) -> dict:
    from allocator import generate_scenario as generate_county
    from allocator import parse_scenario, solve

    data = generate_county(schools=n_schools, blocks=n_blocks, seed=seed)
    out = {"blocks": n_blocks, "schools": n_schools, "time_limit_s": time_limit}
    for rule in (False, True):
        d = json.loads(json.dumps(data))
        d["options"] = {"time_limit_s": time_limit, "workers": 2, "contiguity": rule}
        t0 = time.perf_counter()
        r = solve(parse_scenario(d), stage="students")
        key = "with" if rule else "without"
        out[key] = {"status": r.status, "objective": r.objective, "gap": r.gap,
                    "wall_s": round(time.perf_counter() - t0, 1),
                    "catchments": len(r.catchments),
                    "multi_part": sum(c.parts > 1 for c in r.catchments),
                    "violations": len(r.violations)}
    w, wo = out["with"]["objective"], out["without"]["objective"]
    out["objective_increase_pct"] = round(100 * (w - wo) / wo, 3) if wo else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.geo_speed")
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="per contiguity solve")
    ap.add_argument("--skip-contiguity", action="store_true")
    a = ap.parse_args()
    scale = 10 if a.quick else 1
    report = {"catchments": bench_catchments(20_000 // scale, 300 // scale),
              "network": bench_network(50_000 // scale, 20_000 // scale, 300 // scale)}
    print(json.dumps(report, indent=1), flush=True)
    if not a.skip_contiguity:
        report["contiguity"] = bench_contiguity(5_000 // scale, 200 // scale,
                                                a.time_limit / (3 if a.quick else 1))
        print(json.dumps(report["contiguity"], indent=1))
    if not a.quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "geo_speed.json").write_text(json.dumps(report, indent=1) + "\n",
                                                encoding="utf-8")


if __name__ == "__main__":
    main()
