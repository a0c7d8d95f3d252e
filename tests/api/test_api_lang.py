"""The service in Chinese and English (Accept-Language), and the synchronous solve that
clamps a scenario's own time limit to the server's with a warning instead of refusing it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from allocator import parse_scenario
from api.app import create_app
from api.deps import effective_time_limit
from api.errors import accept_language
from tests.api.test_api import example, make_settings

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


@pytest.mark.parametrize(("header", "lang"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("en-US,en;q=0.9,zh;q=0.8", "en"),
    ("fr-FR, zh;q=0.5, en;q=0.4", "zh-CN"), ("en;q=0.2, zh-Hans;q=0.7", "zh-CN"),
    ("zh;q=0, en", "en"), ("fr, de", "en"), ("*", "en"), ("", "en"), (None, "en"),
    ("zh;q=abc, en;q=0.1", "en")])
def test_accept_language_picks_the_best_supported_language(header, lang):
    assert accept_language(header) == lang


def test_scenario_time_limit_over_the_sync_limit_is_clamped_not_refused(tmp_path):
    settings = make_settings(tmp_path, max_sync_time_limit_s=2, max_time_limit_s=30)
    sc = parse_scenario(example(options={"time_limit_s": 60, "workers": 1}))
    assert effective_time_limit(sc, None, settings, sync=True) == (2, {
        "asked": "60", "allowed": "2", "name": "max_sync_time_limit_s",
        "setting": "ALLOCATOR_MAX_SYNC_TIME_LIMIT_S"})
    assert effective_time_limit(sc, 1.5, settings, sync=True) == (1.5, None)
    within = parse_scenario(example(options={"time_limit_s": 2, "workers": 1}))
    assert effective_time_limit(within, None, settings, sync=True) == (2, None)
    default = parse_scenario(example(options={"workers": 1}))  # no limit of its own: capped
    assert effective_time_limit(default, None, settings, sync=True) == (2, None)


def test_sync_solve_clamps_and_warns_in_the_language_asked(tmp_path):
    data = example(options={"time_limit_s": 60, "workers": 1})
    with TestClient(create_app(make_settings(tmp_path, max_sync_time_limit_s=2))) as c:
        en = c.post("/v1/solve", json=data)
        zh = c.post("/v1/solve", json=data, headers=ZH)
    assert en.status_code == 200 and zh.status_code == 200, en.text
    assert en.headers["content-language"] == "en"
    assert zh.headers["content-language"] == "zh-CN"
    assert en.json()["status"] in ("optimal", "feasible")
    w_en = [w for w in en.json()["warnings"] if w["code"] == "time_limit_clamped"]
    w_zh = [w for w in zh.json()["warnings"] if w["code"] == "time_limit_clamped"]
    assert len(w_en) == 1 and len(w_zh) == 1
    assert w_en[0]["severity"] == "warning" and w_en[0]["path"] == "options.time_limit_s"
    assert "60 s" in w_en[0]["message"] and "max_sync_time_limit_s = 2" in w_en[0]["message"]
    assert "solved with 2 s" in w_en[0]["message"]
    assert "已按 2 秒求解" in w_zh[0]["message"] and "60 秒" in w_zh[0]["message"]
    assert en.json()["timings"]["total"] < 2 + 5


def test_a_query_limit_over_the_server_is_still_refused_in_the_language_asked(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, max_sync_time_limit_s=2))) as c:
        r = c.post("/v1/solve?time_limit=3", json=example(), headers=ZH)
    assert r.status_code == 422 and r.headers["content-language"] == "zh-CN"
    body = r.json()
    assert body["limit"]["name"] == "max_sync_time_limit_s"
    assert "时间限制（秒，查询参数 time_limit）：3 超过本服务器的限制" in body["message"]


def test_error_messages_follow_accept_language(tmp_path):
    bad = example()
    bad["blocks"][0]["location"] = "nowhere"
    with TestClient(create_app(make_settings(tmp_path, max_blocks=len(example()["blocks"])))) as c:
        for headers, texts in ((ZH, ("场景无法使用", "没有此路径", "小区数", "没有作业")),
                               ({}, ("the scenario cannot be used", "no such route",
                                     "blocks: ", "no job"))):
            r = c.post("/v1/solve", json=bad, headers=headers)
            assert r.status_code == 422 and texts[0] in r.json()["message"]
            assert r.json()["findings"]  # the findings themselves are the validator's
            r = c.get("/v1/nothing", headers=headers)
            assert r.status_code == 404 and texts[1] in r.json()["message"]
            r = c.post("/v1/solve", json=example(blocks=example()["blocks"] * 2),
                       headers=headers)
            assert r.status_code == 422 and texts[2] in r.json()["message"]
            r = c.get("/v1/jobs/0123456789abcdef", headers=headers)
            assert r.status_code == 404 and texts[3] in r.json()["message"]
