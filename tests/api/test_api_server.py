"""End to end against a real server: `allocator serve` (uvicorn) on a free loopback port.

One job runs to its result and CSV; then the server is killed (SIGKILL) while a job runs:
its solver processes end with it, and after a restart the job runs again to a result.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.api.test_api import example
from tests.api.test_api_jobs import slow_county

FINAL = {"done", "failed", "cancelled"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def start_server(tmp_path: Path, port: int) -> subprocess.Popen:
    """`allocator serve` with its store in tmp_path; returns once /health answers."""
    env = {**os.environ, "ALLOCATOR_DB_PATH": str(tmp_path / "jobs.sqlite3")}
    log = open(tmp_path / "server.log", "ab")  # noqa: SIM115 (kept open for the process)
    proc = subprocess.Popen([sys.executable, "-m", "allocator", "serve", "--port", str(port),
                             "--workers", "1"], cwd=tmp_path, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            if call(f"http://127.0.0.1:{port}", "GET", "/health")[0] == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start: "
                         + (tmp_path / "server.log").read_text(errors="replace")[-2000:])


def wait_job(base: str, job_id: str, states: set[str], timeout: float = 60) -> dict:
    end = time.monotonic() + timeout
    while True:
        body = json.loads(call(base, "GET", f"/v1/jobs/{job_id}")[1])
        if body["status"] in states or time.monotonic() > end:
            return body
        time.sleep(0.1)


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.slow  # 55 s: two server starts and a 3 s solve killed mid-way (smoke runs it)
def test_real_server_runs_a_job_and_survives_a_kill(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(tmp_path, port)
    try:
        status, body = call(base, "POST", "/v1/jobs", example())
        assert status == 202, body
        job = json.loads(body)
        done = wait_job(base, job["id"], FINAL)
        assert done["status"] == "done" and done["result_status"] == "optimal"
        status, result = call(base, "GET", f"/v1/jobs/{job['id']}/result")
        assert status == 200 and json.loads(result)["objective"] == done["objective"]
        status, csv = call(base, "GET", f"/v1/jobs/{job['id']}/assignments.csv")
        assert status == 200 and csv.decode().startswith("block,level,grades,school")

        slow = json.loads(call(base, "POST", "/v1/jobs", slow_county(time_limit=3))[1])
        assert wait_job(base, slow["id"], {"running"} | FINAL)["status"] == "running"
        below = descendants(server.pid)
        assert below, "the solve runs in worker processes"
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        end = time.monotonic() + 10
        while any(alive(p) for p in below) and time.monotonic() < end:
            time.sleep(0.1)
        assert not any(alive(p) for p in below), "solver processes outlived the server"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)

    server = start_server(tmp_path, port)
    try:
        done = wait_job(base, slow["id"], FINAL)
        assert done["status"] == "done" and done["attempts"] == 2, done
        assert call(base, "GET", f"/v1/jobs/{slow['id']}/result")[0] == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)
