"""Investment mode and bounded input through the HTTP API."""

from __future__ import annotations

from tests.api.test_api import client, example, strict_infeasible  # noqa: F401 (fixture)


def test_solve_with_invest_answers_investments_instead_of_violations(client):  # noqa: F811
    plain = client.post("/v1/solve", json=strict_infeasible())
    assert plain.status_code == 200, plain.text
    beds = [v for v in plain.json()["violations"] if v["rule"] == "boarding_beds"]
    assert beds and all(v["relief"]["beds"] == v["amount"] for v in beds)
    data = strict_infeasible()
    data["options"] = {**data.get("options", {}), "invest": True}
    r = client.post("/v1/solve", json=data)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["invest"] and body["violations"] == []
    built = {(i["school"], i["what"]): i["count"] for i in body["investments"]}
    assert sum(n for (_, what), n in built.items() if what == "beds") == sum(
        v["amount"] for v in beds)
    assert body["investments_total"]["beds"] == sum(v["amount"] for v in beds)


def test_huge_counts_and_far_coordinates_are_422_naming_the_record(client):  # noqa: F811
    data = example()
    data["schools"][0]["classrooms"] = 10**30
    r = client.post("/v1/solve", json=data)
    assert r.status_code == 422 and r.json()["findings"][0]["record"] == "school 'A'"
    data = example()
    data["blocks"][0]["location"] = [3e8, 0.0]
    r = client.post("/v1/solve", json=data)
    assert r.status_code == 422
    (f,) = r.json()["findings"]
    assert f["record"] == "block 'b1'" and f["field"] == "location" and "1e8" in f["message"]
