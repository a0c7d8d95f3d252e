"""HTTP API routes through FastAPI's TestClient: validate, solve, limits, errors, policies."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from allocator import validate
from allocator.model.findings import ScenarioError
from allocator.model.loading import parse_scenario
from api.app import create_app
from api.schemas import EXAMPLE_SCENARIO
from api.settings import Settings
from tests.conftest import block, school, solve_students


def make_settings(tmp_path: Path, **kw: Any) -> Settings:
    """Settings for tests: a store in tmp_path, one job worker, no .env file."""
    values: dict[str, Any] = {"db_path": tmp_path / "jobs.sqlite3", "workers": 1,
                              "sync_workers": 2, **kw}
    return Settings(_env_file=None, **values)


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        yield c


def example(**changes: Any) -> dict:
    data = copy.deepcopy(EXAMPLE_SCENARIO)
    data.update(changes)
    return data


def strict_infeasible() -> dict:
    """Grades 5-6 live 9 km from every school and there are only 10 beds."""
    data = example()
    data["blocks"].append(block("far", 9000, grades={5: 30, 6: 30}))
    return data


def test_health_needs_no_token_and_counts_jobs(client):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["workers"] == 1
    assert body["jobs"] == {"queued": 0, "running": 0, "done": 0, "failed": 0, "cancelled": 0}


def test_validate_gives_the_same_findings_as_allocator_validate(client):
    ok = client.post("/v1/scenarios/validate", json=example())
    assert ok.status_code == 200 and ok.json() == {"valid": True, "errors": 0, "warnings": 0,
                                                   "findings": []}
    data = example(schools=[school("A", 0), school("B", 2000)])
    data["blocks"][1]["current_school"] = {"primary": "NOPE"}
    r = client.post("/v1/scenarios/validate", json=data)
    assert r.status_code == 200
    body = r.json()
    expected = validate(parse_scenario(data))
    assert not body["valid"] and body["errors"] == len(expected) >= 1
    assert [(f["code"], f["record"], f["message"]) for f in body["findings"]] == [
        (f.code, f.record, f.message) for f in expected]


def test_validate_reports_schema_errors_with_path_and_record(client):
    data = example()
    data["blocks"][1]["students"][1] = -3
    data["schools"][0]["kind"] = "college"
    r = client.post("/v1/scenarios/validate", json=data)
    assert r.status_code == 200
    body = r.json()
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(data)
    assert body["errors"] == len(exc.value.findings) == 2
    by_record = {f["record"]: f for f in body["findings"]}
    assert by_record["block 'b2'"]["json_path"] == "$.blocks[1].students[1]"
    assert by_record["block 'b2'"]["field"] == "students (grade 2)"
    assert by_record["school 'A'"]["path"] == "schools.0.kind"


def test_solve_answers_the_same_result_as_the_library(client):
    r = client.post("/v1/solve", json=example())
    assert r.status_code == 200, r.text
    body = r.json()
    local = solve_students(parse_scenario(example()))
    assert body["status"] == local.status == "optimal"
    assert body["objective"] == local.objective
    rows = [(a["block"], a["grades"], a["school"]) for a in body["students"]["assignments"]]
    assert rows == [(a.block, a.grades, a.school) for a in local.assignments]


def test_solve_invalid_schema_is_422_with_findings(client):
    data = example()
    data["blocks"][0]["students"] = [1, 2, 3]
    r = client.post("/v1/solve", json=data)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_scenario"
    (f,) = body["findings"]
    assert f["record"] == "block 'b1'" and f["json_path"] == "$.blocks[0].students"
    assert "9 counts" in f["message"]


def test_solve_cross_record_error_is_422_with_findings(client):
    data = example()
    data.setdefault("options", {})["township_boarding"] = {"Nowhere": 1}
    r = client.post("/v1/solve", json=data)
    assert r.status_code == 422
    (f,) = r.json()["findings"]
    assert f["code"] == "unknown_township" and f["record"] == "options.township_boarding"


def test_malformed_json_is_422_naming_line_and_column(client):
    r = client.post("/v1/solve", content=b'{"schools": [\n  {"id": }')
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "malformed_json" and "line 2 column" in body["message"]
    assert client.post("/v1/jobs", content=b"\xff\xfe").json()["code"] == "malformed_json"
    assert client.post("/v1/scenarios/validate", content=b"").status_code == 422


def test_non_object_json_is_a_finding_not_a_crash(client):
    for body in ("[]", "null", "3", '"x"'):
        r = client.post("/v1/solve", content=body.encode())
        assert r.status_code == 422 and r.json()["findings"], body
        v = client.post("/v1/scenarios/validate", content=body.encode())
        assert v.status_code == 200 and not v.json()["valid"], body


def test_strict_infeasible_is_a_result_with_the_explanation(client):
    r = client.post("/v1/solve?strict=true", json=strict_infeasible())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "infeasible" and body["strict"] is True
    assert "boarding_beds" in body["message"]


@pytest.mark.parametrize(("limits", "data", "query", "name"), [
    ({"max_blocks": 1}, example(), "", "max_blocks"),
    ({"max_sync_blocks": 1}, example(), "", "max_sync_blocks"),
    ({"max_teachers": 0 + 1}, example(teachers=[
        {"id": f"T{i}", "school": "A", "subject": "math", "level": "primary"}
        for i in range(2)]), "", "max_teachers"),
    ({"max_sync_time_limit_s": 2}, example(), "?time_limit=3", "max_sync_time_limit_s"),
    ({"max_time_limit_s": 2}, example(options={"time_limit_s": 9}), "", "max_time_limit_s"),
])
def test_limits_answer_422_naming_the_limit(tmp_path, limits, data, query, name):
    route = "/v1/jobs" if name == "max_time_limit_s" else "/v1/solve"
    with TestClient(create_app(make_settings(tmp_path, **limits))) as c:
        r = c.post(route + query, json=data)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "limit_exceeded" and body["limit"]["name"] == name
    assert body["limit"]["setting"] == "ALLOCATOR_" + name.upper()
    assert name in body["message"]


def test_job_time_limit_is_capped_by_its_own_limit(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, max_time_limit_s=4))) as c:
        r = c.post("/v1/jobs?time_limit=5", json=example())
        assert r.status_code == 422 and r.json()["limit"]["name"] == "max_time_limit_s"
        data = example(options={"workers": 1})  # no time limit given: the server's cap
        r = c.post("/v1/jobs", json=data)
        assert r.status_code == 202 and r.json()["time_limit_s"] == 4


def test_request_size_limit_is_413(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, max_request_bytes=200))) as c:
        body = json.dumps(example()).encode()
        r = c.post("/v1/jobs", content=body)
        assert r.status_code == 413
        assert r.json()["limit"] == {"name": "max_request_bytes",
                                     "setting": "ALLOCATOR_MAX_REQUEST_BYTES",
                                     "allowed": 200, "given": len(body)}

        def chunks():  # no Content-Length: the stream is cut at the limit
            for _ in range(10):
                yield b" " * 100

        r = c.post("/v1/scenarios/validate", content=chunks())
        assert r.status_code == 413 and r.json()["code"] == "limit_exceeded"


def test_bad_query_and_unknown_routes_are_problems(client):
    r = client.post("/v1/solve?time_limit=-1", json=example())
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_request" and body["findings"][0]["path"] == "query.time_limit"
    assert client.get("/v1/nothing").json()["code"] == "not_found"
    assert client.put("/v1/solve").json()["code"] == "method_not_allowed"
    r = client.get("/v1/jobs/0123456789abcdef")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_policies_list_every_rule_with_its_source(client):
    r = client.get("/v1/policies")
    assert r.status_code == 200
    (profile,) = [p for p in r.json()["profiles"] if p["name"] == "cn-national"]
    rules = {row["rule"]: row for row in profile["rules"]}
    assert "GB 50099-2011" in rules["class_size_cap"]["source"]
    assert profile["values"]["class_size_cap"] == {"primary": 45, "junior": 50}


def test_openapi_has_readable_operation_ids_and_examples(client):
    spec = client.get("/openapi.json").json()
    ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"validate_scenario", "solve_scenario", "create_job", "get_job", "get_job_result",
            "get_job_assignments_csv", "cancel_job", "list_policies", "health"} <= ops
    assert all(p.startswith("/v1/") or p == "/health" for p in spec["paths"])
    body = spec["paths"]["/v1/solve"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Scenario"}
    assert body["examples"]["two-villages"]["value"] == EXAMPLE_SCENARIO
    assert "Block" in spec["components"]["schemas"]
    assert "securitySchemes" not in spec["components"]  # this server has no tokens


def test_openapi_declares_bearer_security_when_tokens_are_set(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, tokens="t"))) as c:
        spec = c.get("/openapi.json").json()
    (scheme,) = spec["components"]["securitySchemes"].values()
    assert scheme == {"type": "http", "scheme": "bearer", "description": scheme["description"]}
    assert spec["paths"]["/v1/jobs"]["post"]["security"]
    assert "security" not in spec["paths"]["/health"]["get"]


def test_a_solver_out_of_memory_is_an_answer_not_a_crash(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, worker_memory_mb=1))) as c:
        r = c.post("/v1/solve", json=example())
        assert r.status_code == 500
        assert r.json()["code"] in ("solver_error", "worker_died")
        assert c.get("/health").status_code == 200


def test_openapi_shows_the_typed_result(client):
    spec = client.get("/openapi.json").json()
    result = spec["paths"]["/v1/jobs/{job_id}/result"]["get"]["responses"]["200"]
    ref = result["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/Result")
    props = spec["components"]["schemas"]["Result"]["properties"]
    for section, model in (("kpis", "Kpis"), ("layout", "LayoutSection"),
                           ("balance", "BalanceReport"), ("teachers", "TeachersSection"),
                           ("solver", "SolverStats")):
        assert model in json.dumps(props[section]), section
    assert "mean_km" in json.dumps(spec["components"]["schemas"]["LevelTravel"])
