"""Plan jobs (`POST /v1/jobs?kind=plan`): a three-year plan whose answer is known solved in
the worker, its timeline, timeline page and per-year results; bad years answered 422 with
the horizon's findings and nothing queued; single solves unchanged."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from allocator import ProgressEvent
from api.app import create_app
from api.plans import YearProgress, parse_years
from tests.api.test_api import example, make_settings
from tests.api.test_api_jobs import FINAL, wait_for
from tests.horizon.helpers import closing_school_data


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        yield c


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """A finished plan job of the closing-school scenario (B closes in 2027): the client,
    the job as submitted and the job once done."""
    settings = make_settings(tmp_path_factory.mktemp("plans"))
    with TestClient(create_app(settings)) as c:
        r = c.post("/v1/jobs", params={"kind": "plan", "years": "2026-2028", "time_limit": 2},
                   json=closing_school_data())
        assert r.status_code == 202, r.text
        job = r.json()
        yield c, job, wait_for(c, job["id"], FINAL, timeout=60)


def test_plan_job_is_queued_with_its_years_and_total_time_limit(solved):
    _, job, _ = solved
    assert job["kind"] == "plan" and job["years"] == [2026, 2027, 2028]
    assert job["time_limit_s"] == 6  # 2 s a year, three years
    base = f"/v1/jobs/{job['id']}"
    assert job["links"]["timeline"] == f"{base}/timeline"
    assert job["links"]["timeline_html"] == f"{base}/timeline.html"


def test_plan_job_stores_the_timeline_and_every_year(solved):
    c, job, done = solved
    assert done["status"] == "done", done
    assert done["result_status"] == "optimal" and done["message"].startswith("3 year(s)")
    timeline = c.get(f"/v1/jobs/{job['id']}/timeline").json()
    assert timeline["years"] == [2026, 2027, 2028]
    assert [row["year"] for row in timeline["rows"]] == [2026, 2027, 2028]
    assert timeline["scenario"] == "horizon-test" and "totals" in timeline
    first = c.get(f"/v1/jobs/{job['id']}/years/2026/result").json()
    second = c.get(f"/v1/jobs/{job['id']}/years/2027/result").json()
    assert first["horizon"]["year"] == 2026 and second["horizon"]["year"] == 2027
    # block b (900 m) attends B in 2026; B closes in 2027, so every pupil is at A then
    assert {a["school"] for a in first["students"]["assignments"]} == {"B"}
    assert {a["school"] for a in second["students"]["assignments"]} == {"A"}
    missing = c.get(f"/v1/jobs/{job['id']}/years/2031/result")
    assert missing.status_code == 404 and "2026, 2027, 2028" in missing.json()["message"]


def test_plan_job_serves_the_timeline_page_in_either_language(solved):
    c, job, _ = solved
    zh = c.get(f"/v1/jobs/{job['id']}/timeline.html", params={"lang": "zh-CN"})
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in zh.text
    assert sorted(re.findall(r'data-year="(\d+)"', zh.text)) == ["2026", "2027", "2028"]
    en = c.get(f"/v1/jobs/{job['id']}/timeline.html", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in en.text and "<script" not in en.text


def test_single_result_outputs_of_a_plan_say_where_the_years_are(solved):
    c, job, _ = solved
    r = c.get(f"/v1/jobs/{job['id']}/result")
    assert r.status_code == 409 and r.json()["code"] == "job_is_plan"
    assert "/timeline" in r.json()["message"]
    assert c.get(f"/v1/jobs/{job['id']}/map").status_code == 409


def test_years_outside_the_pupils_are_refused_with_findings_and_nothing_queued(client):
    r = client.post("/v1/jobs", params={"kind": "plan", "years": "2026-2030"},
                    json=closing_school_data())
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_plan"
    (finding,) = body["findings"]
    assert finding["record"] == "block 'b'" and finding["field"] == "students_by_year"
    assert "2029, 2030" in finding["message"]
    assert client.get("/v1/jobs").json()["jobs"] == []


def test_a_plan_of_a_scenario_without_pupils_by_year_is_refused(client):
    r = client.post("/v1/jobs", params={"kind": "plan"}, json=example())
    assert r.status_code == 422
    assert r.json()["findings"][0]["field"] == "students_by_year"
    bad = client.post("/v1/jobs", params={"kind": "plan", "years": "26-31"}, json=example())
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"
    assert client.get("/v1/jobs").json()["jobs"] == []


def test_solve_jobs_are_unchanged_and_have_no_timeline(client):
    job = client.post("/v1/jobs", json=example()).json()
    assert job["kind"] == "solve" and job["years"] is None and job["links"]["timeline"] is None
    assert wait_for(client, job["id"], FINAL)["status"] == "done"
    assert client.get(f"/v1/jobs/{job['id']}/result").status_code == 200
    r = client.get(f"/v1/jobs/{job['id']}/timeline")
    assert r.status_code == 409 and r.json()["code"] == "job_not_plan"


def test_year_progress_names_the_year_being_solved():
    seen: list[ProgressEvent] = []
    watch = YearProgress(seen.append, [2026, 2027])
    watch.report(ProgressEvent(stage="search", message="incumbent", objective=3.0))
    watch.announce(type("Done", (), {"year": 2026})())
    watch.report(ProgressEvent(stage="search"))
    assert [e.message for e in seen] == ["year 2026 (1/2)", "year 2026 (1/2): incumbent",
                                         "year 2027 (2/2): 2026 solved", "year 2027 (2/2)"]
    assert seen[1].objective == 3.0 and seen[2].stage == "year"


def test_years_text_is_read_or_named():
    assert parse_years("2026-2031") == (2026, 2031) and parse_years("2027") == (2027, 2027)
    assert parse_years(None) is None
    with pytest.raises(Exception, match="2026-2031 or 2026"):
        parse_years("next year")
