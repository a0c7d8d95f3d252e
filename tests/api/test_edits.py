"""Hand edits through the HTTP API: options, edits with live figures, findings, undo, the
store keeping them, token isolation and a re-solve with the edits locked."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.jobs import _SCHEMA, JobStore
from tests.api.test_api import example, make_settings
from tests.api.test_api_jobs import FINAL, slow_county, wait_for


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        yield c


def solved_job(client: TestClient, headers: dict | None = None) -> tuple[str, dict]:
    job = client.post("/v1/jobs", json=example(), headers=headers).json()
    assert wait_for(client, job["id"], FINAL, headers=headers)["status"] == "done"
    return job["id"], client.get(f"/v1/jobs/{job['id']}/result", headers=headers).json()


def test_no_edits_give_the_jobs_own_figures(client):
    job, result = solved_job(client)
    state = client.get(f"/v1/jobs/{job}/edits").json()
    assert state["job"] == job and state["edits"] == [] and state["changed"] == []
    assert state["kpis"] == result["kpis"] == state["kpis_base"]
    assert state["violations"] == result["violations"]
    assert state["schools"] == result["schools"]
    assert state["elapsed_s"] >= 0


def test_an_edit_updates_the_figures_and_undo_takes_it_back(client):
    job, result = solved_job(client)
    at = {a["block"]: a["school"] for a in result["students"]["assignments"]}
    other = "A" if at["b2"] == "B" else "B"
    opts = client.get(f"/v1/jobs/{job}/blocks/b2/options", params={"level": "primary"})
    assert opts.status_code == 200
    body = opts.json()
    assert body["block"] == "b2" and body["level"] == "primary" and body["current"] == at["b2"]
    km = [o["distance_km"] for o in body["options"]]
    assert km == sorted(km) and {o["school"] for o in body["options"]} == {"A", "B"}
    mine = next(o for o in body["options"] if o["school"] == at["b2"])
    assert mine["load"] == next(s["enrolment"] for s in result["schools"]
                                if s["id"] == at["b2"])
    r = client.post(f"/v1/jobs/{job}/edits",
                    json={"edits": [{"block": "b2", "level": "primary", "school": other}]})
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["changed"] == [{"block": "b2", "level": "primary", "from": at["b2"],
                                 "to": other}]
    assert state["kpis"] != state["kpis_base"] == result["kpis"]
    rows = {s["id"]: s for s in state["schools"]}
    assert rows[other]["enrolment"] >= 40  # b2's 40 pupils moved there
    stored = client.get(f"/v1/jobs/{job}/edits").json()
    assert {**stored, "elapsed_s": 0} == {**state, "elapsed_s": 0}
    moved = client.get(f"/v1/jobs/{job}/blocks/b2/options", params={"level": "primary"})
    assert moved.json()["current"] == other
    undone = client.post(f"/v1/jobs/{job}/edits/undo").json()
    assert undone["edits"] == [] and undone["kpis"] == result["kpis"]
    assert client.get(f"/v1/jobs/{job}/edits").json()["edits"] == []


def test_bad_edits_are_422_naming_the_edit_and_field(client):
    job, _ = solved_job(client)
    edits = [{"block": "b1", "level": "primary", "school": "A"},
             {"block": "b1", "level": "primary", "school": "NOPE"},
             {"block": "zz", "level": "primary", "school": "A"}]
    r = client.post(f"/v1/jobs/{job}/edits", json={"edits": edits})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_edits"
    assert [(f["record"], f["field"], f["json_path"]) for f in body["findings"]] == [
        ("edits[1]", "school", "$.edits[1].school"), ("edits[2]", "block", "$.edits[2].block")]
    assert client.get(f"/v1/jobs/{job}/edits").json()["edits"] == []  # nothing stored
    zh = client.post(f"/v1/jobs/{job}/edits", json={"edits": edits},
                     headers={"Accept-Language": "zh-CN"})
    assert "调整" in zh.json()["message"]
    unknown = client.get(f"/v1/jobs/{job}/blocks/zz/options", params={"level": "primary"})
    assert unknown.status_code == 404
    assert client.get(f"/v1/jobs/{job}/blocks/b1/options").status_code == 422  # no level


def test_edits_of_an_unfinished_job_are_409(client):
    job = client.post("/v1/jobs", json=slow_county(20)).json()
    r = client.post(f"/v1/jobs/{job['id']}/edits", json={"edits": []})
    assert r.status_code == 409
    assert client.get(f"/v1/jobs/{job['id']}/edits").status_code == 409
    client.delete(f"/v1/jobs/{job['id']}")


def test_edits_are_kept_per_token(tmp_path):
    settings = make_settings(tmp_path, tokens="alpha, beta")
    alice, bob = ({"Authorization": f"Bearer {t}"} for t in ("alpha", "beta"))
    with TestClient(create_app(settings)) as c:
        job, _ = solved_job(c, alice)
        edit = {"edits": [{"block": "b1", "level": "primary", "lock": True}]}
        assert c.post(f"/v1/jobs/{job}/edits", json=edit, headers=alice).status_code == 200
        assert c.get(f"/v1/jobs/{job}/edits", headers=bob).status_code == 404
        assert c.post(f"/v1/jobs/{job}/edits", json=edit, headers=bob).status_code == 404
        assert c.post(f"/v1/jobs/{job}/resolve", headers=bob).status_code == 404
    store = JobStore(tmp_path / "jobs.sqlite3")
    assert '"lock": true' in store.edits_text(job)


def test_resolve_starts_a_job_with_the_edits_locked(client):
    job, result = solved_job(client)
    at = {a["block"]: a["school"] for a in result["students"]["assignments"]}
    other = "A" if at["b2"] == "B" else "B"
    edits = [{"block": "b2", "level": "primary", "school": other},
             {"block": "b1", "level": "primary", "lock": True}]
    assert client.post(f"/v1/jobs/{job}/edits", json={"edits": edits}).status_code == 200
    r = client.post(f"/v1/jobs/{job}/resolve", json={"time_limit": 3})
    assert r.status_code == 202
    new = r.json()
    assert new["id"] != job and r.headers["location"] == f"/v1/jobs/{new['id']}"
    assert new["time_limit_s"] == 3
    assert wait_for(client, new["id"], FINAL)["status"] == "done"
    again = client.get(f"/v1/jobs/{new['id']}/result").json()
    got = {a["block"]: a["school"] for a in again["students"]["assignments"]}
    assert got == {"b1": at["b1"], "b2": other}


def test_old_stores_gain_the_edits_table(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    db = sqlite3.connect(path)  # a store written before edits were kept
    db.executescript(_SCHEMA.split("CREATE TABLE IF NOT EXISTS edits")[0])
    db.commit()
    db.close()
    JobStore(path).save_edits("j1", "[]")
    assert JobStore(path).edits_text("j1") == "[]"


def test_openapi_documents_the_edit_routes(client):
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    assert set(paths["/v1/jobs/{job_id}/edits"]) == {"get", "post"}
    assert "post" in paths["/v1/jobs/{job_id}/edits/undo"]
    assert "202" in paths["/v1/jobs/{job_id}/resolve"]["post"]["responses"]
    options = paths["/v1/jobs/{job_id}/blocks/{block}/options"]["get"]
    assert {p["name"] for p in options["parameters"]} >= {"job_id", "block", "level"}
    schemas = doc["components"]["schemas"]
    assert set(schemas["EditState"]["properties"]) == {
        "job", "edits", "kpis", "kpis_base", "violations", "schools", "changed", "elapsed_s"}
    assert set(schemas["Change"]["properties"]) == {"block", "level", "from", "to"}
    assert set(schemas["SchoolOption"]["properties"]) == {
        "school", "name", "distance_km", "load", "capacity", "utilisation", "admissible",
        "reason"}
