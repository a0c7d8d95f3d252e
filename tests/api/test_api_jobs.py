"""Jobs: lifecycle, outputs, cancellation, worker crashes, tokens, and the store surviving
restarts."""

from __future__ import annotations

import io
import time

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from allocator.io.generate import generate_county
from api.app import StoreInUse, create_app, lock_store
from api.jobs import JobStore
from tests.api.test_api import example, make_settings, strict_infeasible

FINAL = {"done", "failed", "cancelled"}


def wait_for(client: TestClient, job_id: str, states: set[str], timeout: float = 30.0,
             headers: dict | None = None) -> dict:
    """Poll a job until its status is in `states`."""
    end = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if body["status"] in states or time.monotonic() > end:
            return body
        time.sleep(0.05)


def solver_process(client: TestClient, job_id: str, timeout: float = 30.0):
    """The worker process of a job once the job runs (None if it never does)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        run = client.app.state.dispatcher.running.get(job_id)
        if run is not None:
            return run.process
        time.sleep(0.05)
    return None


def slow_county(time_limit: float = 20.0) -> dict:
    """A county that keeps the solver busy for its whole time limit."""
    data = generate_county(30, 600, seed=3)
    data["options"].update(time_limit_s=time_limit, workers=1)
    return data


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        yield c


def test_job_runs_to_a_result_and_csv(client):
    r = client.post("/v1/jobs", json=example())
    assert r.status_code == 202
    job = r.json()
    assert r.headers["location"] == f"/v1/jobs/{job['id']}" == job["links"]["self"]
    assert job["status"] in ("queued", "running") and job["name"] == "two-villages"
    done = wait_for(client, job["id"], FINAL)
    assert done["status"] == "done" and done["result_status"] == "optimal"
    assert done["progress"] == 1 and done["gap"] == 0 and done["objective"] == done["bound"]
    result = client.get(f"/v1/jobs/{job['id']}/result").json()
    assert result["status"] == "optimal" and result["objective"] == done["objective"]
    csv = client.get(f"/v1/jobs/{job['id']}/assignments.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert list(frame["school"]) == [a["school"] for a in result["students"]["assignments"]]
    listed = client.get("/v1/jobs").json()["jobs"]
    assert [j["id"] for j in listed] == [job["id"]]


def test_job_serves_its_catchments_and_offline_map(client):
    job = client.post("/v1/jobs", json=example()).json()
    assert job["links"]["map"] == f"/v1/jobs/{job['id']}/map"
    early = client.get(job["links"]["catchments_geojson"])  # may still run: 409, never 500
    assert early.status_code in (200, 409)
    wait_for(client, job["id"], FINAL)
    result = client.get(f"/v1/jobs/{job['id']}/result").json()
    geo = client.get(job["links"]["catchments_geojson"])
    assert geo.status_code == 200
    assert geo.headers["content-type"].startswith("application/geo+json")
    features = geo.json()["features"]
    assigned = {(a["school"], a["level"]) for a in result["students"]["assignments"]}
    assert {(f["properties"]["school"], f["properties"]["level"]) for f in features} == assigned
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    page = client.get(job["links"]["map"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "L.map(" in page.text and "<script src=" not in page.text  # Leaflet inline
    assert client.get("/v1/jobs/nope/map").status_code == 404


def test_strict_infeasible_job_is_done_with_the_explanation(client):
    job = client.post("/v1/jobs?strict=true", json=strict_infeasible()).json()
    done = wait_for(client, job["id"], FINAL)
    assert done["status"] == "done" and done["result_status"] == "infeasible"
    assert "boarding_beds" in done["message"]
    assert client.get(f"/v1/jobs/{job['id']}/result").json()["status"] == "infeasible"


def test_cross_record_errors_fail_the_job_with_findings(client):
    data = example()
    data["blocks"][0]["current_school"] = {"primary": "NOPE"}
    job = client.post("/v1/jobs", json=data).json()
    failed = wait_for(client, job["id"], FINAL)
    assert failed["status"] == "failed" and failed["error"]["code"] == "invalid_scenario"
    assert failed["error"]["findings"][0]["record"] == "block 'b1'"
    r = client.get(f"/v1/jobs/{job['id']}/result")
    assert r.status_code == 409 and r.json()["code"] == "job_failed"


def test_cancel_kills_a_running_solve(client):
    job = client.post("/v1/jobs", json=slow_county()).json()
    proc = solver_process(client, job["id"])
    assert wait_for(client, job["id"], {"running"})["status"] == "running"
    r = client.delete(f"/v1/jobs/{job['id']}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    proc.join(5)
    assert not proc.is_alive()
    assert client.delete(f"/v1/jobs/{job['id']}").json()["status"] == "cancelled"
    assert client.get(f"/v1/jobs/{job['id']}/result").json()["code"] == "job_cancelled"


def test_queued_jobs_wait_for_a_slot_and_can_be_cancelled(client):
    first = client.post("/v1/jobs", json=slow_county()).json()
    second = client.post("/v1/jobs", json=example()).json()
    wait_for(client, first["id"], {"running"})
    queued = client.get(f"/v1/jobs/{second['id']}").json()
    assert queued["status"] == "queued" and queued["queue_position"] == 0
    assert client.get(f"/v1/jobs/{second['id']}/result").json()["code"] == "job_queued"
    assert client.delete(f"/v1/jobs/{second['id']}").json()["status"] == "cancelled"
    assert client.delete(f"/v1/jobs/{first['id']}").json()["status"] == "cancelled"


def test_finished_job_cannot_be_cancelled(client):
    job = client.post("/v1/jobs", json=example()).json()
    wait_for(client, job["id"], FINAL)
    r = client.delete(f"/v1/jobs/{job['id']}")
    assert r.status_code == 409 and r.json()["code"] == "job_finished"


def test_a_worker_that_dies_fails_its_job_with_the_reason(client):
    job = client.post("/v1/jobs", json=slow_county()).json()
    solver_process(client, job["id"]).kill()
    failed = wait_for(client, job["id"], FINAL)
    assert failed["status"] == "failed" and failed["error"]["code"] == "worker_died"
    assert "exit code -9" in failed["error"]["message"]


def test_tokens_guard_every_route_but_health_and_isolate_jobs(tmp_path):
    settings = make_settings(tmp_path, tokens="alpha, beta")
    assert settings.tokens == ("alpha", "beta")
    alpha, beta = ({"Authorization": f"Bearer {t}"} for t in ("alpha", "beta"))
    with TestClient(create_app(settings)) as c:
        assert c.get("/health").status_code == 200
        for method, path in [("get", "/v1/policies"), ("post", "/v1/solve"),
                             ("post", "/v1/jobs"), ("get", "/v1/jobs"),
                             ("post", "/v1/scenarios/validate"), ("get", "/v1/jobs/x")]:
            r = c.request(method, path)
            assert r.status_code == 401, path
            assert r.headers["www-authenticate"] == "Bearer"
            r = c.request(method, path, headers={"Authorization": "Bearer gamma"})
            assert r.status_code == 401 and r.json()["code"] == "unauthorized", path
        job = c.post("/v1/jobs", json=example(), headers=alpha).json()
        wait_for(c, job["id"], FINAL, headers=alpha)
        assert c.get(f"/v1/jobs/{job['id']}/result", headers=alpha).status_code == 200
        for path in ("", "/result", "/assignments.csv"):
            assert c.get(f"/v1/jobs/{job['id']}{path}", headers=beta).status_code == 404
        assert c.delete(f"/v1/jobs/{job['id']}", headers=beta).status_code == 404
        assert c.get("/v1/jobs", headers=beta).json()["jobs"] == []
        assert [j["id"] for j in c.get("/v1/jobs", headers=alpha).json()["jobs"]] == [job["id"]]


def test_store_survives_a_crash_and_recovers_interrupted_jobs(tmp_path):
    path = tmp_path / "store" / "jobs.sqlite3"
    store = JobStore(path)
    a = store.create("me", "a", '{"name": "a"}', 5.0, None)
    b = store.create("me", "b", '{"name": "b"}', 5.0, True)
    job_id, attempt = store.claim_next()
    assert (job_id, attempt) == (a.id, 1)
    assert store.report(job_id, attempt, "search", "x", 10.0, 8.0, 0.2)
    del store  # the server dies here: nothing else is written

    store = JobStore(path)
    assert store.get(a.id).status == "running" and store.get(a.id).objective == 10.0
    assert store.recover(max_attempts=2) == (1, 0)
    assert [store.get(j).status for j in (a.id, b.id)] == ["queued", "queued"]
    assert store.scenario_text(b.id) == '{"name": "b"}' and store.get(b.id).strict is True
    assert store.claim_next() == (a.id, 2)
    assert not store.report(a.id, 1, "search", "stale", 1.0, 1.0, 0.0)  # the old attempt
    assert not store.finish(a.id, 1, "{}", "optimal", 1.0, 1.0, 0.0, None)
    assert store.recover(max_attempts=2) == (0, 1)  # second crash: out of attempts
    failed = store.get(a.id)
    assert failed.status == "failed" and failed.error["code"] == "interrupted"
    assert store.cancel(a.id) == (failed, False)  # final states never change


def test_jobs_resume_after_a_restart(tmp_path):
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as c:
        slow = c.post("/v1/jobs", json=slow_county(30)).json()
        later = c.post("/v1/jobs", json=example()).json()
        wait_for(c, slow["id"], {"running"})
    # a clean stop put the running job back in the queue without using up an attempt
    store = JobStore(settings.db_path)
    assert store.get(slow["id"]).status == "queued" and store.get(slow["id"]).attempts == 0
    assert store.get(later["id"]).status == "queued"
    store.cancel(slow["id"])
    with TestClient(create_app(settings)) as c:
        assert wait_for(c, later["id"], FINAL)["status"] == "done"


def test_a_second_server_on_the_same_store_refuses_to_start(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    held = lock_store(path)
    try:
        with pytest.raises(StoreInUse, match="another allocator server"):
            lock_store(path)
    finally:
        held.close()
    lock_store(path).close()


def test_compare_finished_jobs_as_json_html_and_markdown(client):
    base = example()
    moved = example(name="one-school-closed")
    moved["schools"] = moved["schools"][:1] + [dict(moved["schools"][1], status="closed")]
    ids = [client.post("/v1/jobs", json=d).json()["id"] for d in (base, moved)]
    for i in ids:
        assert wait_for(client, i, FINAL)["status"] == "done"
    body = client.post("/v1/compare", json={"jobs": ids}).json()
    assert [r["label"] for r in body["runs"]] == ["two-villages", "one-school-closed"]
    travel = [k for k in body["kpis"] if k["key"] == "solve.objective"][0]
    results = [client.get(f"/v1/jobs/{i}/result").json() for i in ids]
    assert travel["two-villages"] == results[0]["objective"]
    assert travel["one-school-closed"] == results[1]["objective"]
    page = client.post("/v1/compare", json={"jobs": ids, "format": "html"})
    assert page.headers["content-type"].startswith("text/html") and "<svg" in page.text
    md = client.post("/v1/compare", json={"jobs": ids, "format": "markdown"})
    assert md.text.startswith("# Layout comparison: two-villages / one-school-closed")
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    page = client.post("/v1/compare", json={"jobs": ids, "format": "html"}, headers=zh)
    assert '<html lang="zh-CN">' in page.text and "主要指标" in page.text
    assert page.headers["content-language"] == "zh-CN"
    md = client.post("/v1/compare", json={"jobs": ids, "format": "markdown"}, headers=zh)
    assert md.text.startswith("# 布局方案比较：two-villages / one-school-closed")
    page = client.get(f"/v1/jobs/{ids[0]}/map", headers=zh)
    assert '<html lang="zh-CN">' in page.text and "学校教室利用率" in page.text
    assert client.post("/v1/compare", json={"jobs": [ids[0]]}).status_code == 422
    assert client.post("/v1/compare", json={"jobs": [ids[0], "nope"]}).status_code == 404
