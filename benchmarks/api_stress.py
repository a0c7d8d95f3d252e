"""Stress and speed of the HTTP service against a real server on loopback (not a test).

    python -m benchmarks.api_stress [--jobs 50] [--seeds 5] [--time-limit 5] [--out FILE]

1. Reference: every scenario is solved by the CLI (`allocator solve`, a separate process).
2. Jobs: `allocator serve` starts on a free 127.0.0.1 port with its own SQLite store; `--jobs`
   submissions of 1,000-block counties (`generate_county(50, 1000, seed)`, `--seeds`
   different ones) are posted at once from as many threads.
3. Crash: once some jobs are done the server is killed (SIGKILL) and started again; every
   job must reach a final state, none may be lost.
4. Identity: each job's result is compared with the CLI's for the same scenario: identical
   assignments, or else the objectives must agree within the reported gaps (CP-SAT and the
   regional search stop at a time limit, and how far they get in 5 s depends on the load:
   two solves share two cores here, while the CLI reference ran alone).
   Small counties that CP-SAT solves to optimality are compared for exact identity.
5. Overhead: `POST /v1/solve` round trip on a small county (optimal in about a second)
   against the solve time inside the result and against the CLI's wall time.
Requests go only to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from allocator.io.generate import generate_county
from allocator.io.scenario_file import write_scenario

FINAL = {"done", "failed", "cancelled"}
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def call(base: str, method: str, path: str, body: bytes | None = None,
         timeout: float = 120) -> tuple[int, bytes]:
    """One request; (status, body); status 0 when the server cannot be reached."""
    req = urllib.request.Request(base + path, data=body, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


class Server:
    """`allocator serve` in a subprocess with its store in `folder`."""

    def __init__(self, folder: Path, port: int, workers: int):
        self.folder, self.port, self.workers = folder, port, workers
        self.base = f"http://{HOST}:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> float:
        """Start and wait for /health; returns the seconds it took."""
        t0 = time.perf_counter()
        env = {**os.environ, "ALLOCATOR_DB_PATH": str(self.folder / "jobs.sqlite3"),
               "ALLOCATOR_MAX_TIME_LIMIT_S": "600"}
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 (owned by the process)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "allocator", "serve", "--host", HOST, "--port",
             str(self.port), "--workers", str(self.workers)],
            cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        while time.perf_counter() - t0 < timeout:
            if call(self.base, "GET", "/health", timeout=2)[0] == 200:
                return time.perf_counter() - t0
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"server did not start; see {self.folder / 'server.log'}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def county(seed: int, schools: int, blocks: int, time_limit: float) -> dict:
    """A seeded county with a deterministic solver set-up (one CP-SAT worker, fixed seed)."""
    data = generate_county(schools, blocks, seed=seed)
    data["options"].update(time_limit_s=time_limit, workers=1, seed=0)
    return data


def solve_with_cli(path: Path, out: Path) -> tuple[dict, float]:
    """(result.json, wall seconds) of `allocator solve` on `path`."""
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "allocator", "solve", str(path), "-o", str(out),
                          "-q"], capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    if not (out / "result.json").exists():
        raise RuntimeError(f"CLI failed on {path}: {run.stderr[-2000:]}")
    return json.loads((out / "result.json").read_text()), wall


def rows_of(result: dict) -> list[tuple]:
    return [(a["block"], a["level"], a["grades"], a["school"])
            for a in result["students"]["assignments"]]


def compare(api: dict, cli: dict) -> str:
    """identical | within_gap | different."""
    if rows_of(api) == rows_of(cli):
        return "identical"
    gap = max(api.get("gap") or 0.0, cli.get("gap") or 0.0)
    scale = max(abs(api["objective"]), abs(cli["objective"]), 1.0)
    if abs(api["objective"] - cli["objective"]) <= gap * scale + 1e-6:
        return "within_gap"
    return "different"


def submit_all(base: str, bodies: list[bytes]) -> tuple[list[str | None], list[float]]:
    """Post every body at once (one thread each); job ids (None if refused) and latencies."""
    barrier = threading.Barrier(len(bodies))

    def post(body: bytes) -> tuple[str | None, float]:
        barrier.wait(30)
        t0 = time.perf_counter()
        status, answer = call(base, "POST", "/v1/jobs", body)
        took = time.perf_counter() - t0
        return (json.loads(answer)["id"] if status == 202 else None), took

    with ThreadPoolExecutor(len(bodies)) as pool:
        out = list(pool.map(post, bodies))
    return [o[0] for o in out], [o[1] for o in out]


def job_states(base: str, limit: int) -> dict[str, dict] | None:
    status, body = call(base, "GET", f"/v1/jobs?limit={limit}", timeout=30)
    if status != 200:
        return None
    return {j["id"]: j for j in json.loads(body)["jobs"]}


def run_jobs(args: argparse.Namespace, folder: Path, refs: dict[int, dict]) -> dict:
    """Phases 2-4: concurrent submissions, a kill mid-run, identity with the CLI."""
    seeds = [1 + i % args.seeds for i in range(args.jobs)]
    bodies = {s: json.dumps(county(s, args.schools, args.blocks, args.time_limit)).encode()
              for s in set(seeds)}
    server = Server(folder, free_port(), args.workers)
    startup = [server.start()]
    try:
        t0 = time.perf_counter()
        ids, latencies = submit_all(server.base, [bodies[s] for s in seeds])
        submitted = time.perf_counter() - t0
        deadline = t0 + args.budget
        killed_at, done_at_kill, running_at_kill = None, 0, 0
        states: dict[str, dict] = {}
        while time.perf_counter() < deadline:
            got = job_states(server.base, args.jobs + 10)
            if got is not None:
                states = got
            done = sum(j["status"] in FINAL for j in states.values())
            if killed_at is None and done >= args.kill_after:
                running_at_kill = sum(j["status"] == "running" for j in states.values())
                done_at_kill = done
                server.kill()
                killed_at = time.perf_counter() - t0
                startup.append(server.start())
                continue
            if states and done == len([i for i in ids if i]) and killed_at is not None:
                break
            time.sleep(0.5)
        finished = time.perf_counter() - t0
        states = job_states(server.base, args.jobs + 10) or states
        outcome: dict[str, int] = {"identical": 0, "within_gap": 0, "different": 0}
        worst = 0.0
        for job_id, seed in zip(ids, seeds, strict=True):
            job = states.get(job_id or "")
            if job is None or job["status"] != "done":
                continue
            status, body = call(server.base, "GET", f"/v1/jobs/{job_id}/result")
            api = json.loads(body)
            outcome[compare(api, refs[seed])] += 1
            worst = max(worst, abs(api["objective"] - refs[seed]["objective"])
                        / max(refs[seed]["objective"], 1.0))
    finally:
        server.stop()
    final = [j for j in states.values() if j["status"] in FINAL]
    return {
        "jobs_submitted": args.jobs, "accepted": sum(i is not None for i in ids),
        "submit_all_s": round(submitted, 2),
        "submit_latency_s": {"median": round(statistics.median(latencies), 3),
                             "max": round(max(latencies), 3)},
        "server_start_s": [round(s, 2) for s in startup],
        "killed_at_s": None if killed_at is None else round(killed_at, 1),
        "done_at_kill": done_at_kill, "running_at_kill": running_at_kill,
        "all_final_s": round(finished, 1),
        "lost": sum(1 for i in ids if i and i not in states),
        "not_final": sum(1 for i in ids if i and states.get(i, {}).get("status") not in FINAL),
        "states": {s: sum(j["status"] == s for j in final) for s in sorted(FINAL)},
        "rerun_after_kill": sum(j["attempts"] > 1 for j in states.values()),
        "vs_cli": outcome, "worst_objective_diff": round(worst, 6),
    }


def measure_overhead(args: argparse.Namespace, folder: Path) -> dict:
    """Phase 5: /v1/solve round trip against the solve itself and against the CLI."""
    data = county(args.small_seed, 10, 100, 10.0)
    path = write_scenario(folder / "small.json", data)
    cli_walls, solve_times = [], []
    for i in range(3):
        res, wall = solve_with_cli(path, folder / f"small-cli-{i}")
        cli_walls.append(wall)
        solve_times.append(res["timings"]["total"])
    server = Server(folder, free_port(), 1)
    server.start()
    trips, inside, same = [], [], True
    try:
        body = json.dumps(data).encode()
        call(server.base, "POST", "/v1/solve", body)  # warm-up
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            status, answer = call(server.base, "POST", "/v1/solve", body)
            trips.append(time.perf_counter() - t0)
            api = json.loads(answer)
            inside.append(api["timings"]["total"])
            same &= status == 200 and rows_of(api) == rows_of(res)
    finally:
        server.stop()
    overhead = [t - s for t, s in zip(trips, inside, strict=True)]
    return {
        "scenario": f"generate_county(10, 100, seed={args.small_seed})",
        "status": res["status"], "identical_to_cli": same,
        "cli_wall_s_median": round(statistics.median(cli_walls), 3),
        "cli_solve_s_median": round(statistics.median(solve_times), 3),
        "api_round_trip_s_median": round(statistics.median(trips), 3),
        "api_solve_s_median": round(statistics.median(inside), 3),
        "api_overhead_over_solve_s": {"median": round(statistics.median(overhead), 3),
                                      "max": round(max(overhead), 3)},
        "api_minus_cli_wall_s": round(statistics.median(trips) - statistics.median(cli_walls),
                                      3),
    }


def check_small_identity(args: argparse.Namespace, folder: Path) -> dict:
    """Small counties solved to optimality: API job results equal the CLI's exactly."""
    seeds = list(range(1, 11))
    refs, bodies = {}, {}
    for s in seeds:
        data = county(s, 6, 40, 20.0)
        refs[s], _ = solve_with_cli(write_scenario(folder / f"tiny-{s}.json", data),
                                    folder / f"tiny-cli-{s}")
        bodies[s] = json.dumps(data).encode()
    server = Server(folder, free_port(), args.workers)
    server.start()
    try:
        ids, _ = submit_all(server.base, [bodies[s] for s in seeds])
        end = time.monotonic() + 300
        results = {}
        while time.monotonic() < end and len(results) < len(seeds):
            for s, job_id in zip(seeds, ids, strict=True):
                if job_id and s not in results:
                    status, body = call(server.base, "GET", f"/v1/jobs/{job_id}/result")
                    if status == 200:
                        results[s] = json.loads(body)
            time.sleep(0.3)
    finally:
        server.stop()
    return {"scenarios": f"generate_county(6, 40, seed=1..{len(seeds)})",
            "optimal_cli": sum(refs[s]["status"] == "optimal" for s in seeds),
            "identical": sum(s in results and rows_of(results[s]) == rows_of(refs[s])
                             for s in seeds),
            "same_objective": sum(s in results and results[s]["objective"] == refs[s]
                                  ["objective"] for s in seeds)}


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.api_stress", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=5, help="different counties among the jobs")
    ap.add_argument("--schools", type=int, default=50)
    ap.add_argument("--blocks", type=int, default=1000)
    ap.add_argument("--time-limit", type=float, default=5.0, help="seconds per solve")
    ap.add_argument("--workers", type=int, default=2, help="concurrent solves of the server")
    ap.add_argument("--kill-after", type=int, default=10, help="kill once this many are done")
    ap.add_argument("--budget", type=float, default=900, help="seconds for all jobs")
    ap.add_argument("--repeat", type=int, default=10, help="/v1/solve round trips")
    ap.add_argument("--small-seed", type=int, default=5, help="county of the overhead test")
    ap.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    report: dict = {"machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
                    "args": {k: str(v) for k, v in vars(args).items()}}
    with tempfile.TemporaryDirectory(prefix="api-stress-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        refs, walls = {}, []
        for s in range(1, args.seeds + 1):
            path = write_scenario(folder / f"county-{s}.json",
                                  county(s, args.schools, args.blocks, args.time_limit))
            refs[s], wall = solve_with_cli(path, folder / f"cli-{s}")
            walls.append(wall)
        report["cli_reference"] = {
            "scenarios": args.seeds, "wall_s_median": round(statistics.median(walls), 2),
            "status": {s: refs[s]["status"] for s in refs},
            "gap": {s: refs[s]["gap"] for s in refs}}
        print(f"CLI references: {time.perf_counter() - t0:.0f} s", flush=True)
        report["jobs"] = run_jobs(args, folder, refs)
        print(json.dumps(report["jobs"], indent=2), flush=True)
        report["small_identity"] = check_small_identity(args, folder)
        report["solve_overhead"] = measure_overhead(args, folder)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
